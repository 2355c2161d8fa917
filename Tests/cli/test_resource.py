"""pkce login --resource and pkce fetch against MCP servers protected by the
MCP Python SDK's own authorization- and resource-server pieces
(Tests/server/mcp_server.py, started by make test-cli): discovery from the
resource's URL, dynamic registration, `resource` (RFC 8707) in every
request, the well-known fallback, an issuer with a path, the refusal of a
server that does not advertise PKCE, a step-up, and a second sign-in that
asks the servers nothing before the browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from test_cli import BROWSER, CA, pkce

MCP = os.environ.get("PKCE_TEST_MCP", "")
TENANT = os.environ.get("PKCE_TEST_MCP_TENANT", "")
NOPKCE = os.environ.get("PKCE_TEST_MCP_NOPKCE", "")
LOG = os.environ.get("PKCE_TEST_MCP_LOG", "")
MCP_HEADERS = ["--header", "Accept: application/json, text/event-stream", "--header", "Content-Type: application/json"]

pytestmark = pytest.mark.skipif(not MCP, reason="needs the MCP test servers (make test-cli)")


def requests_since(mark: int) -> List[Dict[str, Any]]:
    """The requests the MCP servers logged after the first `mark`."""
    return [json.loads(line) for line in Path(LOG).read_text().splitlines()[mark:]]


def log_mark() -> int:
    return len(Path(LOG).read_text().splitlines()) if Path(LOG).exists() else 0


def login(store: Path, resource: str, *extra: str) -> Any:
    return pkce("login", "--resource", resource, "--ca-file", CA, "--browser-command", BROWSER, "--save", str(store), *extra)


def call(store: Path, tool: str, *extra: str, **arguments: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
    return pkce("fetch", "--token-file", str(store), "--ca-file", CA, *MCP_HEADERS, "--data", body, *extra, MCP)


def test_sign_in_from_the_url_alone_then_call_a_tool(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    mark = log_mark()
    result = login(store, MCP)
    assert result.returncode == 0, result.stderr
    seen = requests_since(mark)
    paths = [(r["method"], r["path"]) for r in seen]
    # The probe's 401 named resource_metadata; the root issuer's RFC 8414 document came first.
    assert paths == [("GET", "/mcp"), ("GET", "/.well-known/oauth-protected-resource/mcp"),
                     ("GET", "/.well-known/oauth-authorization-server"), ("POST", "/register"),
                     ("GET", "/authorize"), ("POST", "/token")]
    registration, authorize, token = seen[3], seen[4], seen[5]
    assert "token_endpoint_auth_method" in registration["fields"] and registration["scope"] == "mcp"
    assert authorize["resource"] == MCP and token["resource"] == MCP and authorize["scope"] == "mcp"
    assert "code_challenge" in authorize["fields"] and "code_verifier" in token["fields"]
    entry = json.loads(store.read_text())["entries"][0]
    assert entry["resource"] == MCP and entry["scope"] == "mcp"
    answer = call(store, "echo", text="hello")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["result"]["structuredContent"] == {"result": "hello"}


def test_second_sign_in_asks_nothing_before_the_browser(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    mark = log_mark()
    result = login(store, MCP)
    assert result.returncode == 0, result.stderr
    assert [(r["method"], r["path"]) for r in requests_since(mark)] == [("GET", "/authorize"), ("POST", "/token")]


def test_step_up_from_a_403_on_one_tool(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    refused = call(store, "admin_stats")
    assert refused.returncode == 3 and "insufficient_scope" in refused.stderr
    challenge = refused.stderr.split("--challenge '")[1].split("' --save")[0]
    mark = log_mark()
    stepped = login(store, MCP, "--challenge", challenge)
    assert stepped.returncode == 0, stepped.stderr
    seen = requests_since(mark)
    # The kept registration was for scope mcp: the SDK's server holds clients to it, so a new one.
    assert [r["path"] for r in seen] == ["/register", "/authorize", "/token"]
    assert seen[1]["scope"] == "mcp admin" and seen[1]["resource"] == MCP
    answer = call(store, "admin_stats")
    assert answer.returncode == 0, answer.stderr
    assert "42 users" in answer.stdout


def test_refresh_carries_the_resource(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    contents = json.loads(store.read_text())
    contents["entries"][0]["expires_at"] = 1  # long past: the next use refreshes
    store.write_text(json.dumps(contents))
    store.chmod(0o600)
    mark = log_mark()
    token = pkce("token", str(store), "--ca-file", CA)
    assert token.returncode == 0, token.stderr
    refresh = [r for r in requests_since(mark) if r["path"] == "/token"]
    assert len(refresh) == 1 and refresh[0]["resource"] == MCP and "refresh_token" in refresh[0]["fields"]
    assert call(store, "echo", text="after refresh").returncode == 0


def test_a_refused_token_is_refreshed_once_and_the_request_retried(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    contents = json.loads(store.read_text())
    contents["entries"][0]["access_token"] = "not-a-token-the-server-issued"
    store.write_text(json.dumps(contents))
    store.chmod(0o600)
    mark = log_mark()
    answer = call(store, "echo", text="retried")
    assert answer.returncode == 0, answer.stderr
    assert [r["path"] for r in requests_since(mark)] == ["/mcp", "/token", "/mcp"]


def test_fallback_without_resource_metadata_and_an_issuer_with_a_path(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    mark = log_mark()
    result = login(store, TENANT)
    assert result.returncode == 0, result.stderr
    paths = [r["path"] for r in requests_since(mark) if r["server"] == "tenant"]
    assert paths == ["/mcp", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server/tenant",
                     "/tenant/register", "/tenant/authorize", "/tenant/token"]
    answer = pkce("fetch", "--token-file", str(store), "--ca-file", CA, TENANT)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout) == {"ok": True, "scopes": ["mcp"]}


def test_a_server_that_does_not_advertise_pkce_is_refused(tmp_path: Path) -> None:
    mark = log_mark()
    result = login(tmp_path / "tokens.json", NOPKCE)
    assert result.returncode == 1
    assert "code_challenge_methods_supported" in result.stderr
    # Refused before any registration or browser.
    assert [r["path"] for r in requests_since(mark) if r["server"] == "nopkce"] == [
        "/mcp", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"]


def test_a_token_is_never_sent_to_another_resource(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    mark = log_mark()
    other = MCP.replace("/mcp", "/mcp2")
    answer = pkce("fetch", "--token-file", str(store), "--ca-file", CA, other)
    assert answer.returncode == 2 and "holds no saved token for" in answer.stderr
    assert requests_since(mark) == []


def test_malformed_challenge_and_resource_are_usage_errors(tmp_path: Path) -> None:
    bad = login(tmp_path / "t.json", MCP, "--challenge", 'Bearer scope="unterminated')
    assert bad.returncode == 2 and "WWW-Authenticate" in bad.stderr
    insecure = login(tmp_path / "t.json", "http://example.com/mcp")
    assert insecure.returncode == 2


def oauth_requests(seen: List[Dict[str, Any]]) -> List[Any]:
    """The OAuth requests of a sign-in: what two clients must agree on."""
    return [(r["method"], r["path"], r["fields"], r["resource"], r["scope"]) for r in seen
            if r["path"] != "/mcp"]


def test_the_same_requests_as_the_sdks_own_client(tmp_path: Path) -> None:
    mark = log_mark()
    sdk = subprocess.run([sys.executable, str(Path(__file__).with_name("sdk_client.py")), MCP, CA],
                         capture_output=True, text=True, timeout=60)
    assert sdk.returncode == 0, sdk.stderr
    assert json.loads(sdk.stdout)["result"]["result"]["structuredContent"] == {"result": "sdk"}
    sdk_requests = oauth_requests(requests_since(mark))
    mark = log_mark()
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    assert call(store, "echo", text="libpkce").returncode == 0
    ours = oauth_requests(requests_since(mark))
    # Same requests, same order, same parameters (names; resource and scope values too).
    assert ours == sdk_requests
    assert [path for _, path, *_ in ours] == ["/.well-known/oauth-protected-resource/mcp",
                                              "/.well-known/oauth-authorization-server", "/register", "/authorize",
                                              "/token"]


def test_fetch_steps_up_by_itself_and_never_loops(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    step_up = ("--step-up", "--browser-command", BROWSER)
    mark = log_mark()
    answer = call(store, "admin_stats", *step_up)
    assert answer.returncode == 0, answer.stderr
    assert "42 users" in answer.stdout
    seen = requests_since(mark)
    assert [r["path"] for r in seen] == ["/mcp", "/register", "/authorize", "/token", "/mcp"]
    assert seen[2]["scope"] == "mcp admin" and seen[2]["resource"] == MCP
    assert json.loads(store.read_text())["entries"][0]["scope"] == "mcp admin"
    # Always one more scope: two step-ups, then a stop.
    mark = log_mark()
    escalate = call(store, "escalate", *step_up)
    assert escalate.returncode == 3 and "after 2 step-ups" in escalate.stderr
    assert [r["path"] for r in requests_since(mark)].count("/authorize") == 2
    # Asking for what the token has: no sign-in at all.
    mark = log_mark()
    stubborn = call(store, "stubborn", *step_up)
    assert stubborn.returncode == 3 and "already has" in stubborn.stderr
    assert [r["path"] for r in requests_since(mark)] == ["/mcp"]


# The Authlib server (Tests/server/resource_routes.py) as a second, different
# authorization server with a protected resource of its own: nothing above
# is tuned to the MCP SDK's implementation.
ISSUER = os.environ.get("PKCE_TEST_ISSUER", "")
API = ISSUER + "/api"


def authlib_requests() -> List[Any]:
    import requests
    seen: List[Any] = requests.get(ISSUER + "/_resource/requests", verify=CA, timeout=10).json()
    return seen


def test_authlib_registration_resource_indicators_and_its_resource(tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    before = len(authlib_requests())
    result = login(store, API)
    assert result.returncode == 0, result.stderr
    seen = authlib_requests()[before:]
    assert [(m, p) for m, p, _, _ in seen] == [
        ("GET", "/api"), ("GET", "/.well-known/oauth-protected-resource/api"), ("POST", "/register"),
        ("GET", "/authorize"), ("POST", "/token")]
    assert seen[3][3] == API and seen[4][3] == API  # RFC 8707, which the server checks
    entry = json.loads(store.read_text())["entries"][0]
    assert entry["resource"] == API and entry["scope"] == "notes"
    assert "\"client_secret\":" not in store.read_text()  # Authlib sends one anyway: never kept
    notes = pkce("fetch", "--token-file", str(store), "--ca-file", CA, API + "/notes")
    assert notes.returncode == 0, notes.stderr
    assert json.loads(notes.stdout)["notes"] == ["signed in through RFC 9728"]
    # Refresh with the resource: the server refuses one without it (invalid_target).
    contents = json.loads(store.read_text())
    contents["entries"][0]["expires_at"] = 1
    store.write_text(json.dumps(contents))
    store.chmod(0o600)
    before = len(authlib_requests())
    assert pkce("token", str(store), "--ca-file", CA).returncode == 0
    refreshes = [entry for entry in authlib_requests()[before:] if entry[1] == "/token"]
    assert len(refreshes) == 1 and refreshes[0][3] == API


def test_authlib_metadata_document_client(tmp_path: Path) -> None:
    document = ISSUER + "/clients/pkce-cli.json"
    before = len(authlib_requests())
    result = login(tmp_path / "tokens.json", API, "--client-id", document)
    assert result.returncode == 0, result.stderr
    seen = authlib_requests()[before:]
    paths = [p for _, p, _, _ in seen]
    assert "/register" not in paths and "/clients/pkce-cli.json" in paths  # the server fetched the document
    authorize = next(entry for entry in seen if entry[1] == "/authorize")
    assert "client_id" in authorize[2]
    assert json.loads((tmp_path / "tokens.json").read_text())["entries"][0]["client_id"] == document


def test_a_kept_registration_whose_port_is_taken_is_replaced(tmp_path: Path) -> None:
    import socket
    store = tmp_path / "tokens.json"
    assert login(store, MCP).returncode == 0
    kept = next(r for r in json.loads(store.read_text())["records"] if r["kind"] == "registration")["value"]
    port = int(kept["redirect_uri"].split(":")[2].split("/")[0])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the sign-in's connections linger in TIME_WAIT
        squatter.bind(("127.0.0.1", port))
        squatter.listen(1)
        mark = log_mark()
        again = login(store, MCP)
    assert again.returncode == 0, again.stderr
    # The SDK's server matches redirect URIs exactly: a new port needs a new registration.
    assert [r["path"] for r in requests_since(mark)] == ["/register", "/authorize", "/token"]
    renewed = next(r for r in json.loads(store.read_text())["records"] if r["kind"] == "registration")["value"]
    assert renewed["redirect_uri"] != kept["redirect_uri"] and renewed["client_id"] != kept["client_id"]
