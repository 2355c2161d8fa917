"""The Authlib server as a second, different authorization server for sign-in
to a protected resource (serve.py installs these): RFC 7591 registration
(Authlib's ClientRegistrationEndpoint), clients identified by the https URL
of a Client ID Metadata Document (fetched from that URL), RFC 8707 resource
indicators checked at the token endpoint and on refresh, and a protected
resource of its own, {issuer}/api, with RFC 9728 metadata, which takes only
tokens issued for it. GET /_resource/requests lists the requests these
routes saw, for the tests to count."""

import threading
import urllib.parse

import requests
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from flask import jsonify, request

lock = threading.Lock()
REGISTERED = {}  # client_id -> RegisteredClient
SEEN = []  # (method, path, sorted form or JSON field names, resource)
CA = [None]  # the CA file the server trusts when it fetches a metadata document


class InvalidTarget(OAuth2Error):
    """RFC 8707 2: the resource asked for is not the one the grant was for."""

    error = "invalid_target"


def current_resource():
    """The `resource` of the token endpoint request being served, or None."""
    return request.form.get("resource")


def check_target(granted):
    """Refuses a token request whose resource is not the one granted (RFC 8707 2.2)."""
    if granted is not None and current_resource() != granted:
        raise InvalidTarget(description=f"resource must be {granted}")


def make_registered_client(base):
    """A client registered dynamically or described by a metadata document:
    the redirect URIs it names, a loopback one with any port (RFC 8252 7.3)."""

    class RegisteredClient(base):
        def __init__(self, client_id, metadata):
            self.client_id = client_id
            self.metadata = metadata

        def get_default_redirect_uri(self):
            return self.metadata["redirect_uris"][0]

        def get_allowed_scope(self, scope):
            allowed = self.metadata.get("scope")
            if not allowed:
                return scope or ""
            return " ".join(s for s in (scope or "").split() if s in allowed.split())

        def check_redirect_uri(self, redirect_uri):
            wanted = urllib.parse.urlsplit(redirect_uri)
            for registered in self.metadata["redirect_uris"]:
                parts = urllib.parse.urlsplit(registered)
                if redirect_uri == registered:
                    return True
                if (parts.hostname in ("127.0.0.1", "::1") and wanted.hostname == parts.hostname
                        and wanted.path == parts.path and wanted.scheme == "http" and parts.port is None):
                    return True
            return False

    return RegisteredClient


def install(app, server, issuer, client_class, tokens):
    """Adds the routes and hooks to the Flask app and Authlib server of serve.py."""
    RegisteredClient = make_registered_client(client_class)
    api = issuer + "/api"

    class Registration(ClientRegistrationEndpoint):
        def authenticate_token(self, request):
            return True  # open registration, as MCP servers offer it

        def get_server_metadata(self):
            return {"token_endpoint_auth_methods_supported": ["none"], "grant_types_supported":
                    ["authorization_code", "refresh_token"], "response_types_supported": ["code"]}

        def save_client(self, client_info, client_metadata, request):
            client = RegisteredClient(client_info["client_id"], client_metadata)
            with lock:
                REGISTERED[client.client_id] = client
            return client

    server.register_endpoint(Registration)

    def metadata_document_client(client_id):
        """A client whose id is the https URL of its metadata document."""
        answer = requests.get(client_id, verify=CA[0], timeout=5, allow_redirects=False)
        document = answer.json() if answer.status_code == 200 else {}
        if document.get("client_id") != client_id or not document.get("redirect_uris"):
            return None
        return RegisteredClient(client_id, document)

    def query_client(client_id):
        with lock:
            if client_id in REGISTERED:
                return REGISTERED[client_id]
        if client_id.startswith(issuer + "/clients/"):
            return metadata_document_client(client_id)
        return None

    @app.before_request
    def note():
        if request.path.startswith(("/register", "/authorize", "/token", "/api", "/clients/",
                                    "/.well-known/oauth-protected-resource")):
            fields = dict(request.args)
            fields.update(request.form)
            if request.is_json and isinstance(request.get_json(silent=True), dict):
                fields.update(request.get_json())
            with lock:
                SEEN.append((request.method, request.path, sorted(fields), fields.get("resource")))

    @app.post("/register")
    def register():
        return server.create_endpoint_response(Registration.ENDPOINT_NAME)

    @app.get("/clients/<name>")
    def client_document(name):
        # The application's Client ID Metadata Document, published where its id says.
        return jsonify({"client_id": f"{issuer}/clients/{name}", "client_name": "libpkce metadata-document client",
                        "redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none",
                        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]})

    @app.get("/.well-known/oauth-protected-resource/api")
    def api_metadata():
        return jsonify({"resource": api, "authorization_servers": [issuer], "scopes_supported": ["notes"],
                        "bearer_methods_supported": ["header"]})

    @app.route("/api/notes", methods=["GET", "POST"])
    def notes():
        challenge = f'Bearer resource_metadata="{issuer}/.well-known/oauth-protected-resource/api"'
        bearer = request.headers.get("Authorization", "")
        with lock:
            token = tokens.get(bearer.removeprefix("Bearer ")) if bearer.startswith("Bearer ") else None
        if token is None or token.revoked or token.data.get("resource") != api:
            return jsonify({"error": "invalid_token"}), 401, {"WWW-Authenticate": challenge + ', error="invalid_token"'}
        return jsonify({"notes": ["signed in through RFC 9728"], "scope": token.data.get("scope", "")})

    @app.get("/_resource/requests")
    def seen():
        with lock:
            return jsonify([list(entry) for entry in SEEN])

    return query_client
