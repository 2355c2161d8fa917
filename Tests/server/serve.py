"""The authorization server the tests and the demo talk to, on 127.0.0.1 only.

A real RFC 6749 + RFC 7636 server built with Authlib: its authorization-code
grant uses CodeChallenge(required=True), so the PKCE check is Authlib's, not
ours. It also answers RFC 7009 revocation, RFC 8414 / OpenID Connect
metadata, a WorkOS-shaped /user_management API, and a few misbehaving
endpoints for the failure tests. For OpenID Connect it issues real ID
tokens (Authlib's OpenIDCode, signed by joserfc) with RSA (RS256, PS256),
EC (ES256) or Ed25519 (EdDSA) keys, serves its JWKS and UserInfo, rotates
keys on request, and crafts broken tokens for the refusal tests.

Usage: serve.py STATE_DIR
Writes STATE_DIR/ca.pem (a throw-away CA, made with trustme) and, once both
servers listen, STATE_DIR/server.json with their ports. Runs until killed.
"""

import base64
import datetime
import hashlib
import hmac
import http.server
import json
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import trustme
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant, DeviceCredentialDict
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core.grants import OpenIDCode, OpenIDToken
from flask import Flask, Response, g, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey
from werkzeug.serving import make_server

import dpop_routes
import logout_routes
import par_routes
import resource_routes

CLIENT_ID = "libpkce-test"
CONFIDENTIAL_ID = "libpkce-confidential"
# Characters that must be encoded in Basic credentials (RFC 6749 2.3.1).
CONFIDENTIAL_SECRET = "s3cret: with spaces & symbols=+%/é"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
# WorkOS's User object, every member its SDK's model requires.
USER = {"object": "user", "id": "user_01TEST", "email": "ada@example.com", "email_verified": True,
        "first_name": "Ada", "last_name": "Lovelace", "profile_picture_url": None, "external_id": None,
        "last_sign_in_at": "2026-11-29T10:00:00.000Z", "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-11-29T10:00:00.000Z", "metadata": {}}


class Client:
    """One registered public client: no secret, token endpoint auth "none"."""

    client_id = CLIENT_ID

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return REDIRECT_URI

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        # RFC 8252 7.3: a loopback redirect URI may name any port, the one the
        # app's listener got; the path must be the registered one, or /done
        # (for the tests of a configured path).
        parts = urllib.parse.urlsplit(redirect_uri)
        return (redirect_uri == REDIRECT_URI or
                (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1") and parts.port is not None
                 and parts.path in ("/callback", "/done") and not parts.query and not parts.fragment))

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "none"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token", DeviceCodeGrant.GRANT_TYPE)


class AuthorizationCode:
    def __init__(self, code, request):
        self.code = code
        self.client_id = request.client_id
        self.redirect_uri = request.payload.redirect_uri
        self.scope = request.payload.scope or ""
        self.code_challenge = request.payload.data.get("code_challenge")
        self.code_challenge_method = request.payload.data.get("code_challenge_method")
        self.nonce = request.payload.data.get("nonce")
        self.resource = request.payload.data.get("resource")  # RFC 8707: checked at the token endpoint
        self.dpop_jkt = request.payload.data.get("dpop_jkt")  # RFC 9449 10: checked by dpop_routes
        self.auth_time = int(time.time())

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Token:
    def __init__(self, data):
        self.data = data
        self.revoked = False

    def check_client(self, client):
        return True

    def get_scope(self):
        return self.data.get("scope", "")

    def get_expires_in(self):
        return self.data.get("expires_in", 0)

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return USER

    def get_client(self):
        return CLIENT


CLIENT = Client()


class ConfidentialClient(Client):
    """A registered confidential client: a secret, sent in the Authorization
    header or the body (OAuth 2.1 asks PKCE of it too). Each method it is
    authenticated by is noted, for the tests to see which one came."""

    client_id = CONFIDENTIAL_ID

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret.encode(), CONFIDENTIAL_SECRET.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        # Authlib asks about "none" first, as the body names the client too.
        accepted = method in ("client_secret_basic", "client_secret_post")
        if accepted:
            with lock:
                AUTH_METHODS.append(method)
        return accepted


CONFIDENTIAL = ConfidentialClient()
AUTH_METHODS = []
codes = {}
workos_codes = {}
workos_refresh = {}  # refresh token -> {client_id, organization_id}
NO_ROTATE = {"refreshes": 0}
REFUSE_REVOCATION = {"on": False}
tokens = {}  # access and refresh token strings -> Token
lock = threading.Lock()


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        with lock:
            codes[code] = AuthorizationCode(code, request)

    def query_authorization_code(self, code, client):
        with lock:
            found = codes.get(code)
        if found is not None:
            resource_routes.check_target(found.resource)
        return found

    def delete_authorization_code(self, authorization_code):
        with lock:
            codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return USER


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        with lock:
            token = tokens.get(refresh_token)
        if token and not token.revoked and token.data.get("refresh_token") == refresh_token:
            resource_routes.check_target(token.data.get("resource"))
            return token
        return None

    def authenticate_user(self, refresh_token):
        return USER

    def revoke_old_credential(self, refresh_token):
        refresh_token.revoked = True


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        with lock:
            return tokens.get(token_string)

    def revoke_token(self, token, request):
        token.revoked = True


def save_token(token_data, request):
    token = Token(dict(token_data, resource=resource_routes.current_resource()))
    with lock:
        tokens[token_data["access_token"]] = token
        if "refresh_token" in token_data:
            tokens[token_data["refresh_token"]] = token


class Signing:
    """The ID token keys: one of each kind, the RSA one replaceable (rotation).
    `active` is the algorithm tokens are signed with now."""

    def __init__(self):
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
        self.ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
        self.ed = OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
        self.retired = []
        self.active = "RS256"
        self.jwks_fetches = 0

    def key_for(self, alg):
        return {"ES256": self.ec, "EdDSA": self.ed}.get(alg, self.rsa)

    def rotate(self):
        self.retired.append(self.rsa)
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": f"rsa-{len(self.retired) + 1}"})

    def jwks(self):
        keys = self.retired + [self.rsa, self.ec, self.ed]
        return {"keys": [k.as_dict(private=False) for k in keys]}


SIGNING = Signing()


class IDTokens:
    """What both OpenID extensions share: the key, the algorithm, the claims."""

    def resolve_client_private_key(self, client):
        return SIGNING.key_for(SIGNING.active)

    def get_client_algorithm(self, client):
        return SIGNING.active

    def get_encode_header(self, client):
        return {"alg": SIGNING.active, "kid": SIGNING.key_for(SIGNING.active).kid}

    def get_client_claims(self, client):
        return {"iss": ISSUER[0], "aud": [CLIENT_ID], "exp": int(time.time()) + 3600}

    def generate_user_info(self, user, scope):
        return {"sub": user["id"], "email": user["email"], "email_verified": True}


class SignIn(IDTokens, OpenIDCode):
    def exists_nonce(self, nonce, request):
        return False


class Refreshed(IDTokens, OpenIDToken):
    """ID tokens on refresh too (OpenID Connect Core 12.2)."""


ISSUER = [""]


def crafted(case, nonce, access_token):
    """A token for the refusal tests, signed (or not) as `case` says."""
    now = int(time.time())
    claims = {"iss": ISSUER[0], "sub": USER["id"], "aud": CLIENT_ID, "exp": now + 600, "iat": now, "nonce": nonce,
              "email": USER["email"]}
    header = {"alg": "RS256", "kid": SIGNING.rsa.kid}
    key = SIGNING.rsa
    if case == "good":
        pass
    elif case == "wrong-iss":
        claims["iss"] = "https://impostor.example"
    elif case == "wrong-aud":
        claims["aud"] = "someone-else"
    elif case == "several-aud":
        claims["aud"] = [CLIENT_ID, "someone-else"]
    elif case == "several-aud-azp":
        claims["aud"] = [CLIENT_ID, "someone-else"]
        claims["azp"] = CLIENT_ID
    elif case == "expired":
        claims["exp"] = now - 3600
    elif case == "future-iat":
        claims["iat"] = now + 3600
    elif case == "wrong-nonce":
        claims["nonce"] = "not-the-nonce"
    elif case == "no-nonce":
        del claims["nonce"]
    elif case == "bad-at-hash":
        claims["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
    elif case == "good-at-hash":
        digest = hashlib.sha256(access_token.encode()).digest()
        claims["at_hash"] = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    elif case == "unknown-kid":
        key = RSAKey.generate_key(2048, parameters={"kid": "nobody-has-this"})
        header["kid"] = key.kid
    elif case == "ps256":
        header["alg"] = "PS256"
    elif case == "es256":
        header, key = {"alg": "ES256", "kid": SIGNING.ec.kid}, SIGNING.ec
    elif case == "eddsa":
        header, key = {"alg": "EdDSA", "kid": SIGNING.ed.kid}, SIGNING.ed
    signed = jwt.encode(header, claims, key, algorithms=[header["alg"]])
    if case == "bad-signature":
        head, body, sig = signed.split(".")
        signed = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    elif case == "alg-none":
        none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
        signed = none_header + "." + signed.split(".")[1] + "."
    elif case == "hs256-with-public-key":
        # The algorithm-confusion forgery: HMAC keyed with the RSA public key's PEM.
        public_pem = SIGNING.rsa.as_pem(private=False)
        head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": SIGNING.rsa.kid}).encode()).rstrip(b"=")
        body = signed.split(".")[1].encode()
        mac = hmac.new(public_pem, head + b"." + body, hashlib.sha256).digest()
        signed = (head + b"." + body + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    elif case == "malformed-base64":
        head, body, sig = signed.split(".")
        signed = f"{head}.{body}=.{sig}"
    return signed


# RFC 8628: device codes and the user's decisions, in memory. The test user
# "approves" or "denies" through /device/approve and /device/deny (what the
# verification page would do); /_device/* are the test controls.
DEVICE = {"credentials": {}, "grants": {}, "slow_down": set(), "expires_in": 1800, "interval": 1}


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def get_verification_uri(self):
        return ISSUER[0] + "/device"

    def create_endpoint_response(self, request):
        self.EXPIRES_IN, self.INTERVAL = DEVICE["expires_in"], DEVICE["interval"]
        return super().create_endpoint_response(request)

    def save_device_credential(self, client_id, scope, data):
        credential = DeviceCredentialDict(client_id=client_id, scope=scope,
                                          expires_at=time.time() + data["expires_in"], **data)
        with lock:
            DEVICE["credentials"][data["device_code"]] = credential


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def query_device_credential(self, device_code):
        with lock:
            return DEVICE["credentials"].get(device_code)

    def query_user_grant(self, user_code):
        with lock:
            return DEVICE["grants"].get(user_code)

    def should_slow_down(self, credential):
        with lock:
            if credential["user_code"] in DEVICE["slow_down"]:
                DEVICE["slow_down"].discard(credential["user_code"])
                return True
        return False


def create_app(issuer):
    app = Flask(__name__)
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    fixed = {CLIENT_ID: CLIENT, CONFIDENTIAL_ID: CONFIDENTIAL}
    registered = []  # resource_routes' lookup, once installed below
    server = AuthorizationServer(app, query_client=lambda cid: fixed.get(cid) or registered[0](cid),
                                 save_token=save_token)
    registered.append(resource_routes.install(app, server, issuer, Client, tokens))

    def verify_id_token(token):
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        keys = {key.kid: key for key in SIGNING.retired + [SIGNING.rsa, SIGNING.ec, SIGNING.ed]}
        return jwt.decode(token, keys[header["kid"]], algorithms=[header["alg"]]).claims

    par_routes.install(app, lambda cid: fixed.get(cid) or registered[0](cid))
    dpop_routes.install(app, issuer, tokens, codes, lock)
    logout_routes.install(app, issuer, verify_id_token,
                          lambda: set(fixed) | set(resource_routes.REGISTERED))
    ISSUER[0] = issuer
    server.register_grant(CodeGrant, [CodeChallenge(required=True), SignIn(require_nonce=True)])
    server.register_grant(RefreshGrant, [Refreshed()])
    server.register_endpoint(Revocation)
    server.register_grant(DeviceGrant)
    server.register_endpoint(DeviceEndpoint)

    class Issuer(IssuerParameter):
        def get_issuer(self):
            return issuer

    server.register_extension(Issuer())

    def metadata(iss, **overrides):
        base = {
            "issuer": iss,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "revocation_endpoint": issuer + "/revoke",
            "device_authorization_endpoint": issuer + "/device_authorization",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", DeviceCodeGrant.GRANT_TYPE],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "authorization_response_iss_parameter_supported": True,
            "jwks_uri": issuer + "/jwks",
            "userinfo_endpoint": issuer + "/userinfo",
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256", "EdDSA"],
            "scopes_supported": ["openid", "email", "profile", "notes"],
            "subject_types_supported": ["public"],
            "registration_endpoint": issuer + "/register",
            "end_session_endpoint": issuer + "/logout",
            "pushed_authorization_request_endpoint": issuer + "/par",
            "client_id_metadata_document_supported": True,
        }
        base.update(dpop_routes.metadata())
        base.update(overrides)
        return jsonify(base)

    @app.get("/authorize")
    def authorize():
        # The test user is signed in and consents at once: this is the browser
        # step. The scripted browser adds test_deny=1 to play a user who refuses.
        return server.create_authorization_response(grant_user=None if request.args.get("test_deny") else USER)

    @app.post("/device_authorization")
    def device_authorization():
        return server.create_endpoint_response(DeviceEndpoint.ENDPOINT_NAME)

    @app.post("/device/<decision>")
    def device_decision(decision):
        # What the verification page does once the user signed in and chose.
        with lock:
            DEVICE["grants"][request.form["user_code"]] = (USER, decision == "approve")
        return jsonify({"user_code": request.form["user_code"], "decision": decision})

    @app.post("/_device/slow-down")
    def device_slow_down():
        with lock:
            DEVICE["slow_down"].add(request.form["user_code"])
        return jsonify({})

    @app.post("/_device/settings")
    def device_settings():
        with lock:
            DEVICE["expires_in"] = int(request.form.get("expires_in", 1800))
            DEVICE["interval"] = int(request.form.get("interval", 1))
        return jsonify({"expires_in": DEVICE["expires_in"], "interval": DEVICE["interval"]})

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.post("/revoke")
    def revoke():
        if REFUSE_REVOCATION["on"]:  # a server that is down or refuses: the sign-out tests
            return jsonify({"error": "temporarily_unavailable"}), 503
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

    @app.post("/_revoke/refuse")
    def refuse_revocation():
        REFUSE_REVOCATION["on"] = request.form.get("on") == "1"
        return jsonify(REFUSE_REVOCATION)

    # A revocation endpoint like one seen in the wild: a public client must
    # show a live access token as `Authorization: Bearer`.
    def bearer_token():
        """The live token the request shows: as Authorization: Bearer when it is
        not DPoP-bound, as Authorization: DPoP with a proof by its key (checked by
        dpop_routes) when it is (RFC 9449 7.2). None otherwise."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        with lock:
            token = tokens.get(value) if scheme in ("Bearer", "DPoP") else None
        if token is None or token.revoked:
            return None
        bound = token.data.get("jkt")
        return token if (scheme == "Bearer" and not bound) or (scheme == "DPoP" and bound and bound == g.get("dpop_jkt")) else None

    @app.post("/revoke-bearer")
    def revoke_bearer():
        if bearer_token() is None:
            return jsonify({"error": "invalid_client", "error_description": "a bearer access token is required"}), 401
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

    # OpenID Connect: keys, UserInfo, and the test controls.
    @app.get("/jwks")
    def jwks():
        with lock:
            SIGNING.jwks_fetches += 1
        return jsonify(SIGNING.jwks())

    @app.get("/userinfo")
    def userinfo():
        if bearer_token() is None:
            return jsonify({"error": "invalid_token"}), 401
        sub = request.args.get("as", USER["id"])  # ?as=: answers about another user, for the refusal test
        return jsonify({"sub": sub, "email": USER["email"], "email_verified": True})

    @app.post("/_oidc/sign-with")
    def sign_with():
        SIGNING.active = request.form["alg"]
        return jsonify({"alg": SIGNING.active, "kid": SIGNING.key_for(SIGNING.active).kid})

    @app.post("/_oidc/rotate")
    def rotate():
        with lock:
            SIGNING.rotate()
        return jsonify({"kid": SIGNING.rsa.kid})

    @app.get("/_oidc/jwks-fetches")
    def jwks_fetches():
        return jsonify({"count": SIGNING.jwks_fetches})

    # Crafted ID tokens, in token-response shape: GET with ?case=&nonce=, or as
    # a token endpoint (POST /_oidc/token/CASE) whose `code` is the nonce to put
    # in, so that the refusal tests can go through pkce_client_exchange too.
    def crafted_answer(case, nonce):
        access_token = "at-crafted-" + secrets.token_urlsafe(8)
        return jsonify({"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                        "id_token": crafted(case, nonce, access_token)})

    @app.get("/_oidc/craft")
    def craft():
        return crafted_answer(request.args["case"], request.args.get("nonce", ""))

    @app.post("/_oidc/token/<case>")
    def crafted_token(case):
        return crafted_answer(case, request.form.get("code", ""))

    # RFC 8414 metadata for the issuer itself; OpenID Connect metadata only
    # for the issuer {issuer}/oidc; broken metadata for two more issuers.
    @app.get("/.well-known/oauth-authorization-server")
    def rfc8414():
        return metadata(issuer)

    @app.get("/oidc/.well-known/openid-configuration")
    def oidc():
        return metadata(issuer + "/oidc")

    # An issuer whose RFC 8414 document leaves the OpenID members to its
    # OpenID document, as django-oauth-toolkit's does.
    @app.get("/.well-known/oauth-authorization-server/split")
    def split_rfc8414():
        document = metadata(issuer + "/split").get_json()
        for name in ("userinfo_endpoint", "jwks_uri", "id_token_signing_alg_values_supported"):
            document.pop(name)
        return jsonify(document)

    @app.get("/split/.well-known/openid-configuration")
    def split_oidc():
        return metadata(issuer + "/split")

    @app.get("/.well-known/oauth-authorization-server/plain-only")
    def plain_only():
        return metadata(issuer + "/plain-only", code_challenge_methods_supported=["plain"])

    @app.get("/.well-known/oauth-authorization-server/impostor")
    def impostor():
        return metadata("https://impostor.example")

    # Misbehaving token endpoints.
    @app.post("/misbehave/redirect")
    def misbehave_redirect():
        return redirect("https://127.0.0.1:1/steal", code=302)

    @app.post("/misbehave/huge")
    def misbehave_huge():
        return Response('{"access_token":"' + "x" * (5 * 1024 * 1024) + '"}', mimetype="application/json")

    @app.post("/misbehave/huge-chunked")
    def misbehave_huge_chunked():
        # No Content-Length: the client can only stop while reading.
        def body():
            yield '{"access_token":"'
            for _ in range(80):
                yield "x" * 65536
            yield '"}'
        return Response(body(), mimetype="application/json")

    # Member names spelled with JSON escapes: the same members to any JSON
    # reader, so they must be masked as the plain ones are.
    @app.post("/misbehave/escaped-names")
    def misbehave_escaped_names():
        return Response('{"access\\u005ftoken":"SECRET-ACCESS-escaped-0123456789","refresh\\u005Ftoken":'
                        '"SECRET-REFRESH-escaped-0123456789","token_type":"Bearer","expires_in":60}',
                        mimetype="application/json")

    @app.post("/misbehave/html500")
    def misbehave_html500():
        return Response("<html><body><h1>Internal Server Error</h1></body></html>", status=500, mimetype="text/html")

    @app.post("/misbehave/error200")
    def misbehave_error200():
        return jsonify({"error": "invalid_request", "error_description": "sent with status 200"})

    @app.post("/misbehave/garbage")
    def misbehave_garbage():
        return Response('{"access_token": "unterminated', mimetype="application/json")

    @app.post("/misbehave/nul")
    def misbehave_nul():
        return Response(b'not json\x00after the NUL', status=500, mimetype="text/plain")

    # A token endpoint that does not rotate refresh tokens: a refresh answers
    # without one (the client must keep the old), and says which it got.
    # Each refresh counts, for the tests of one refresh among many callers.
    @app.post("/no-rotate/token")
    def no_rotate_token():
        with lock:
            NO_ROTATE["refreshes"] += 1
        return jsonify({"access_token": "nr-" + secrets.token_urlsafe(8), "token_type": "Bearer", "expires_in": 600,
                        "received_refresh_token": request.form.get("refresh_token", "")})

    @app.get("/no-rotate/count")
    def no_rotate_count():
        with lock:
            return jsonify({"refreshes": NO_ROTATE["refreshes"]})

    @app.post("/echo/user-agent")
    def echo_user_agent():
        # every line of each, so that a second one shows
        lines = {name: ", ".join(request.headers.getlist(header))
                 for name, header in (("user_agent", "User-Agent"), ("content_type", "Content-Type"), ("accept", "Accept"))}
        return jsonify({"access_token": "echo", "token_type": "Bearer", **lines})

    @app.post("/misbehave/slow")
    def misbehave_slow():
        time.sleep(3)
        return jsonify({"access_token": "too-late", "token_type": "Bearer"})

    # WorkOS User Management, as its API and the official SDK shape it.
    recorded = {}

    @app.get("/user_management/authorize")
    def workos_authorize():
        recorded["authorize"] = request.args.to_dict(flat=False)
        code = "wos_code_" + secrets.token_urlsafe(16)
        with lock:
            workos_codes[code] = {"challenge": request.args.get("code_challenge"), "client_id": request.args.get("client_id"),
                                  "outcome": request.args.get("test_outcome")}
        sep = "&" if "?" in request.args["redirect_uri"] else "?"
        return redirect(f"{request.args['redirect_uri']}{sep}code={code}&state={request.args.get('state', '')}")

    @app.post("/user_management/authenticate")
    def workos_authenticate():
        body = request.get_json(force=True)
        recorded.setdefault("authenticate", []).append(body)
        recorded.setdefault("authenticate_raw", []).append(request.get_data(as_text=True))
        if body.get("grant_type") == "refresh_token":
            with lock:
                session = workos_refresh.pop(body.get("refresh_token"), None)
            if session is None or session["client_id"] != body.get("client_id"):
                return jsonify({"error": "invalid_grant", "error_description": "Refresh token is invalid."}), 400
            return workos_session(session["client_id"], body.get("organization_id", session["organization_id"]))
        with lock:
            entry = workos_codes.pop(body.get("code"), None)
        verifier = body.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if entry is None or entry["challenge"] not in (None, expected) or entry["client_id"] != body.get("client_id"):
            return jsonify({"error": "invalid_grant", "error_description": "The code or verifier is invalid."}), 400
        # The answers WorkOS gives when the sign-in needs one more step
        # (shapes from the SDK's EmailVerificationRequiredException and
        # OrganizationSelectionRequiredException models).
        pending = "pat_" + secrets.token_urlsafe(16)
        if entry["outcome"] == "email_verification_required":
            return jsonify({"code": "email_verification_required",
                            "message": "Email ownership must be verified before authentication.",
                            "pending_authentication_token": pending, "email": USER["email"],
                            "email_verification_id": "email_verification_01TEST"}), 403
        if entry["outcome"] == "organization_selection_required":
            return jsonify({"code": "organization_selection_required",
                            "message": "The user must choose an organization to finish their authentication.",
                            "pending_authentication_token": pending, "user": USER,
                            "organizations": [{"id": "org_01A", "name": "Alpha"}, {"id": "org_01B", "name": "Beta"}]}), 403
        return workos_session(entry["client_id"], "org_01TEST", authentication_method="GoogleOAuth")

    def workos_session(client_id, organization_id, **extra):
        # Refresh tokens rotate, as WorkOS's do.
        refresh_token = "wos_rt_" + secrets.token_urlsafe(8)
        with lock:
            workos_refresh[refresh_token] = {"client_id": client_id, "organization_id": organization_id}
        return jsonify({"user": USER, "organization_id": organization_id, "access_token": "wos_at_" + secrets.token_urlsafe(8),
                        "refresh_token": refresh_token, **extra})

    @app.after_request
    def request_id(response):
        # WorkOS (and Okta, Auth0, ...) name every answer; SDKs' errors carry the id.
        if request.path.startswith("/user_management/") or request.path == "/token":
            response.headers["X-Request-ID"] = "req_" + secrets.token_hex(8)
        return response

    @app.get("/_client-auth")
    def client_auth():
        """How the confidential client authenticated since the last look."""
        with lock:
            seen = list(AUTH_METHODS)
            AUTH_METHODS.clear()
        return jsonify(seen)

    @app.get("/_recorded")
    def get_recorded():
        return jsonify(recorded)

    return app


class KeepAliveEcho(http.server.BaseHTTPRequestHandler):
    """A token endpoint that keeps connections open (werkzeug's development
    server closes every one) and says which client port each request came
    from, so that a test can see a connection being reused."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        # The token names the code it was given, so that concurrent callers can
        # tell that each got the answer to its own request.
        code = form.get("code", [""])[0]
        body = json.dumps({"access_token": "kept-" + code if code else "kept",
                           "client_port": self.client_address[1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# Answers that are not quite HTTP, written byte for byte on a plain TCP
# socket over TLS, chosen by the request path: for the tests of what status
# each broken answer gets.
HOSTILE = {
    "/status-999": b"HTTP/1.1 999 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "/status-600": b"HTTP/1.1 600 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "/status-000": b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\n{}",
    "/status-099": b"HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\n{}",
    "/http09": b'{"access_token":"no status line at all"}',
    "/huge-headers": b"HTTP/1.1 200 OK\r\nX-Filler: " + b"y" * 300_000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "/closed-mid-body": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"access_to",
    "/http10-no-length": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"access_token\":\"by-1.0\"}",
}


def answer(status, body, content_type=b"application/json"):
    return (b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (status, content_type, len(body))) + body


HOSTILE.update({
    "/wrong-content-type": answer(b"200 OK", b'{"access_token":"typed-wrong"}', b"text/html"),
    "/401-json": answer(b"401 Unauthorized", b'{"error":"invalid_client","error_description":"who are you"}'),
    "/429-empty": answer(b"429 Too Many Requests", b""),
    "/503-json-without-error": answer(b"503 Service Unavailable", b'{"status":"down"}'),
    "/deep-json": answer(b"200 OK", b'{"access_token":"a","x":' + b"[" * 100 + b"]" * 100 + b"}"),
    "/huge-number": answer(b"200 OK", b'{"access_token":"a","expires_in":1e999}'),
    "/bad-utf8": answer(b"200 OK", b'{"access_token":"a\xff\xfe"}'),
    "/duplicate-keys": answer(b"200 OK", b'{"access_token":"a","access_token":"b"}'),
    "/nul-in-string": answer(b"200 OK", b'{"access_token":"a\\u0000b"}'),
    # The request id under a header name in lower case, after one that only
    # begins like it; and that other one alone, which is no request id.
    "/request-id-lower-case": b"HTTP/1.1 400 Bad Request\r\nX-Request-IDs: decoy\r\nx-request-id: lower-1\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"error\":\"invalid_request\"}",
    "/request-id-decoy": b"HTTP/1.1 400 Bad Request\r\nX-Request-IDs: decoy\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"error\":\"invalid_request\"}",
    # Many headers, each small, over libcurl's limit on all of them together (300 KB).
    "/many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 190) for i in range(2000))
                     + b"Content-Length: 2\r\n\r\n{}",
    # A chunked body of 1 MiB + 1: no length to refuse it by before it is read.
    "/chunked-over": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + b"%x\r\n" % (1024 * 1024 + 1) + b"x" * (1024 * 1024 + 1) + b"\r\n0\r\n\r\n",
})


class Hostile(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.split("?")[0]
        if path == "/slow-drip":  # a valid answer, one byte a second
            for byte in answer(b"200 OK", b'{"access_token":"drip"}'):
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(1)
        else:
            self.wfile.write(HOSTILE.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
        self.close_connection = True

    do_GET = do_POST

    def log_message(self, *args):
        pass


def main():
    state = Path(sys.argv[1])
    state.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(state / "ca.pem"))
    resource_routes.CA[0] = str(state / "ca.pem")
    # The MCP servers (mcp_server.py) issue their certificate from the same CA.
    ca.private_key_pem.write_to_path(str(state / "ca.key"))
    good = ca.issue_cert("127.0.0.1", "localhost")
    wrong = ca.issue_cert("wrong.example")

    def tls_context(cert):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    # Bound first on free ports; the app needs the port for its issuer URL.
    servers = [make_server("127.0.0.1", 0, Flask(__name__), threaded=True, ssl_context=tls_context(cert))
               for cert in (good, wrong)]
    issuer = f"https://127.0.0.1:{servers[0].server_port}"
    app = create_app(issuer)
    for srv in servers:
        srv.app = app
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    keep_alive = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveEcho)
    keep_alive.socket = tls_context(good).wrap_socket(keep_alive.socket, server_side=True)
    threading.Thread(target=keep_alive.serve_forever, daemon=True).start()
    hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    hostile.socket = tls_context(good).wrap_socket(hostile.socket, server_side=True)
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    # The same, behind a certificate that expired yesterday.
    expired_cert = ca.issue_cert("127.0.0.1", not_before=datetime.datetime.now(datetime.timezone.utc)
                                 - datetime.timedelta(days=30),
                                 not_after=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1))
    expired = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    expired.socket = tls_context(expired_cert).wrap_socket(expired.socket, server_side=True)
    threading.Thread(target=expired.serve_forever, daemon=True).start()
    (state / "server.json").write_text(json.dumps({
        "port": servers[0].server_port,
        "wrong_host_port": servers[1].server_port,
        "keep_alive_port": keep_alive.server_port,
        "hostile_port": hostile.server_port,
        "expired_port": expired.server_port,
        "issuer": issuer,
        "ca": str(state / "ca.pem"),
    }))
    threading.Event().wait()


if __name__ == "__main__":
    main()
