"""MCP servers protected by the MCP Python SDK's own authorization-server and
resource-server pieces (PyPI `mcp`), over TLS on 127.0.0.1, for the tests
of sign-in to a protected resource:

  main     the SDK's MCPServer with its auth settings: authorization server
           at the root issuer (dynamic registration, revocation), the
           resource /mcp with audience checks (validate_token_resource),
           a 401 naming resource_metadata; the tool `admin_stats` answers
           403 insufficient_scope unless the token has scope `admin`.
  tenant   an issuer with a path (https://HOST/tenant), its metadata only
           where RFC 8414 inserts the path, and a resource whose 401 names
           no resource_metadata (the well-known fallback).
  nopkce   authorization server metadata without code_challenge_methods_supported.

Writes STATE/mcp.json with the URLs once all listen; every request is
appended to STATE/mcp-requests.jsonl (method, path, query and form field
names with the `resource` and `scope` values), which the tests read.

Usage: mcp_server.py STATE_DIR CA_DIR  (CA_DIR/ca.pem and ca.key: the CA the
Authlib test server made, so one --ca-file trusts both)."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import ssl
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl

import trustme
import uvicorn
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import (AccessToken, AuthorizationCode, AuthorizationParams, ProviderTokenVerifier,
                                      RefreshToken, construct_redirect_uri)
from mcp.server.auth.routes import build_metadata, create_auth_routes, create_protected_resource_routes
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

STATE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
SCOPES = ["mcp", "admin", "s1", "s2", "s3"]


class Provider:
    """An in-memory authorization server that signs in one fixed user and
    consents at once: what a test needs of `OAuthAuthorizationServerProvider`."""

    def __init__(self) -> None:
        self.clients: Dict[str, OAuthClientInformationFull] = {}
        self.codes: Dict[str, AuthorizationCode] = {}
        self.refresh_tokens: Dict[str, RefreshToken] = {}
        self.access_tokens: Dict[str, AccessToken] = {}

    async def get_client(self, client_id: str) -> Optional[OAuthClientInformationFull]:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            code=code, scopes=params.scopes or [], expires_at=time.time() + 300, client_id=client.client_id or "",
            code_challenge=params.code_challenge, redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly, resource=params.resource,
            subject="mcp-test-user")
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(self, client: OAuthClientInformationFull, code: str) -> Optional[AuthorizationCode]:
        return self.codes.get(code)

    def _issue(self, client_id: str, scopes: List[str], resource: Optional[str]) -> OAuthToken:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access_tokens[access] = AccessToken(token=access, client_id=client_id, scopes=scopes,
                                                 expires_at=int(time.time()) + 3600, resource=resource,
                                                 subject="mcp-test-user")
        self.refresh_tokens[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes,
                                                    resource=resource, subject="mcp-test-user")
        return OAuthToken(access_token=access, token_type="Bearer", expires_in=3600, refresh_token=refresh,
                          scope=" ".join(scopes))

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, code: AuthorizationCode) -> OAuthToken:
        del self.codes[code.code]
        return self._issue(code.client_id, code.scopes, code.resource)

    async def load_refresh_token(self, client: OAuthClientInformationFull, token: str) -> Optional[RefreshToken]:
        return self.refresh_tokens.get(token)

    async def exchange_refresh_token(self, client: OAuthClientInformationFull, token: RefreshToken,
                                     scopes: List[str]) -> OAuthToken:
        del self.refresh_tokens[token.token]
        return self._issue(token.client_id, scopes or token.scopes, token.resource)

    async def load_access_token(self, token: str) -> Optional[AccessToken]:
        return self.access_tokens.get(token)

    async def revoke_token(self, token: Any) -> None:
        self.access_tokens.pop(token.token, None)
        self.refresh_tokens.pop(token.token, None)


def replaying(message: Dict[str, Any], receive: Any) -> Any:
    """An ASGI receive that gives `message`, already read by a middleware, first, then the rest."""
    given = False

    async def replay() -> Dict[str, Any]:
        nonlocal given
        if given:
            result: Dict[str, Any] = await receive()
            return result
        given = True
        return message
    return replay


def request_log(app: Any, server: str) -> Any:
    """ASGI middleware appending each request to STATE/mcp-requests.jsonl."""
    async def logged(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        fields = dict(parse_qsl(scope.get("query_string", b"").decode()))
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode()
        if content_type.startswith("application/x-www-form-urlencoded"):
            fields.update(parse_qsl(body.decode()))
        elif content_type.startswith("application/json") and body:
            try:
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    fields.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()})
            except ValueError:
                pass
        entry = {"server": server, "method": scope["method"], "path": scope["path"], "fields": sorted(fields),
                 "resource": fields.get("resource"), "scope": fields.get("scope"),
                 "authorized": any(k == b"authorization" for k, _ in scope["headers"]),
                 "jsonrpc_method": fields.get("method")}
        with open(STATE / "mcp-requests.jsonl", "a") as log:
            log.write(json.dumps(entry) + "\n")
        await app(scope, replaying({"type": "http.request", "body": body, "more_body": False}, receive), send)
    return logged


def scope_gate(app: Any, provider: Provider, resource_metadata: str) -> Any:
    """One tool wants more than the endpoint: a tools/call of `admin_stats`
    without scope `admin` gets 403 insufficient_scope (RFC 6750 3.1), as an
    MCP server asks for a step-up."""
    async def gated(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        message = await receive()
        body = message.get("body", b"")
        try:
            call = json.loads(body)
        except ValueError:
            call = {}
        token = dict(scope["headers"]).get(b"authorization", b"").decode()[7:]
        granted = provider.access_tokens.get(token)
        name = call.get("params", {}).get("name") if isinstance(call, dict) and call.get("method") == "tools/call" else None
        wanted = None
        if name == "admin_stats" and granted is not None and "admin" not in granted.scopes:
            wanted = "mcp admin"
        elif name == "escalate" and granted is not None:
            # Always one scope more than the token has: a client must not follow it for ever.
            more = [s for s in ("s1", "s2", "s3") if s not in granted.scopes][:1]
            wanted = " ".join(granted.scopes + more)
        elif name == "stubborn" and granted is not None:
            wanted = " ".join(granted.scopes)  # asks for what the token has: no sign-in can help
        if wanted is not None:
            challenge = (f'Bearer error="insufficient_scope", scope="{wanted}", '
                         f'resource_metadata="{resource_metadata}", error_description="{name} needs more scope"')
            response = JSONResponse({"error": "insufficient_scope"}, status_code=403,
                                    headers={"WWW-Authenticate": challenge})
            return await response(scope, receive, send)
        await app(scope, replaying(message, receive), send)
    return gated


def main_app(port: int, provider: Provider) -> Any:
    base = f"https://127.0.0.1:{port}"
    server = MCPServer("libpkce-test", auth_server_provider=provider, auth=AuthSettings(
        issuer_url=AnyHttpUrl(base), resource_server_url=AnyHttpUrl(f"{base}/mcp"), required_scopes=["mcp"],
        validate_token_resource=True,
        client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES),
        revocation_options=RevocationOptions(enabled=True)))

    @server.tool()
    def echo(text: str) -> str:
        """Returns the text."""
        return text

    @server.tool()
    def admin_stats() -> str:
        """Needs scope admin."""
        return "42 users"

    @server.tool()
    def escalate() -> str:
        """Never answered: the scope gate always wants one more scope."""
        return "unreachable"

    @server.tool()
    def stubborn() -> str:
        """Never answered: the scope gate wants the scope the token has."""
        return "unreachable"

    app = server.streamable_http_app(stateless_http=True, json_response=True)
    return scope_gate(app, provider, f"{base}/.well-known/oauth-protected-resource/mcp")


def tenant_app(port: int, provider: Provider) -> Any:
    """The SDK's routes for an issuer with a path, composed by hand as a
    server that serves several tenants does; the resource's 401 names no
    resource_metadata."""
    base = f"https://127.0.0.1:{port}"
    issuer = AnyHttpUrl(f"{base}/tenant")
    registration = ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES)
    revocation = RevocationOptions(enabled=True)
    metadata = build_metadata(issuer, None, registration, revocation)

    async def hello(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        user = scope.get("user")
        await JSONResponse({"ok": True, "scopes": list(user.scopes) if user else []})(scope, receive, send)
    routes = [
        Route("/.well-known/oauth-authorization-server/tenant", MetadataHandler(metadata).handle),
        Mount("/tenant", routes=create_auth_routes(provider, issuer, None, registration, revocation)),
        *create_protected_resource_routes(AnyHttpUrl(f"{base}/mcp"), [issuer], ["mcp"]),
        Route("/mcp", RequireAuthMiddleware(hello, ["mcp"], None), methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(
        AuthenticationMiddleware,
        backend=BearerAuthBackend(ProviderTokenVerifier(provider), resource_server_url=AnyHttpUrl(f"{base}/mcp")))])


def nopkce_app(port: int) -> Any:
    base = f"https://127.0.0.1:{port}"

    async def resource_metadata(request: Request) -> JSONResponse:
        return JSONResponse({"resource": f"{base}/mcp", "authorization_servers": [base]})

    async def server_metadata(request: Request) -> JSONResponse:
        return JSONResponse({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                             "token_endpoint": f"{base}/token", "registration_endpoint": f"{base}/register",
                             "response_types_supported": ["code"]})

    async def protected(request: Request) -> JSONResponse:
        return JSONResponse({"error": "invalid_token"}, status_code=401, headers={
            "WWW-Authenticate": f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp"'})
    return Starlette(routes=[
        Route("/.well-known/oauth-protected-resource/mcp", resource_metadata),
        Route("/.well-known/oauth-authorization-server", server_metadata),
        Route("/mcp", protected, methods=["GET", "POST"]),
    ])


async def serve() -> None:
    ca_dir = Path(sys.argv[2])
    ca = trustme.CA.from_pem(ca_dir.joinpath("ca.pem").read_bytes(), ca_dir.joinpath("ca.key").read_bytes())
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(STATE / "mcp-cert.pem"))
    sockets = {}
    for name in ("main", "tenant", "nopkce"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sockets[name] = sock
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    apps = {"main": main_app(ports["main"], Provider()), "tenant": tenant_app(ports["tenant"], Provider()),
            "nopkce": nopkce_app(ports["nopkce"])}
    servers = []
    for name, app in apps.items():
        config = uvicorn.Config(request_log(app, name), log_level="warning", lifespan="on" if name == "main" else "off",
                                ssl_certfile=str(STATE / "mcp-cert.pem"))
        servers.append(uvicorn.Server(config).serve(sockets=[sockets[name]]))
    tasks = [asyncio.ensure_future(s) for s in servers]
    await asyncio.sleep(1.0)
    (STATE / "mcp.json").write_text(json.dumps({name: f"https://127.0.0.1:{port}/mcp" for name, port in ports.items()}))
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(serve())
