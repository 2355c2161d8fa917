"""Sign-in to a protected resource from Python, against the MCP servers of
Tests/server/mcp_server.py (the MCP Python SDK's authorization and resource
servers; make test-python starts them): the one call, a tool called with
the token, the library's step-up, the sans-I/O steps with another HTTP
stack (requests), and the refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

import libpkce

MCP = os.environ.get("PKCE_TEST_MCP", "")
TENANT = os.environ.get("PKCE_TEST_MCP_TENANT", "")
NOPKCE = os.environ.get("PKCE_TEST_MCP_NOPKCE", "")
CA = os.environ.get("PKCE_TEST_CA", "")
BROWSER = str(Path(__file__).resolve().parents[3] / "Tests" / "signin" / "scripted-browser")
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}

pytestmark = pytest.mark.skipif(not MCP, reason="needs the MCP test servers (make test-python)")


def tool(name: str, **arguments: str) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": name, "arguments": arguments}}).encode()


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, object]]:
    monkeypatch.setenv("PKCE_TEST_BROWSER", "follow")
    store = libpkce.FileTokenStore(str(tmp_path / "tokens.json"))
    client = libpkce.Client(None, None, ca_file=CA)
    resource = libpkce.Resource(MCP, store=store, client_name="libpkce Python test")
    token = resource.sign_in(client, browser=BROWSER, timeout=20)
    source = libpkce.TokenSource(client, token, store=store)
    yield {"store": store, "client": client, "resource": resource, "token": token, "source": source}
    source.close()
    resource.close()
    client.close()
    store.close()


def test_sign_in_and_call_a_tool(signed_in: Dict[str, object]) -> None:
    token, resource, source = signed_in["token"], signed_in["resource"], signed_in["source"]
    assert isinstance(token, libpkce.Token) and isinstance(resource, libpkce.Resource)
    assert isinstance(source, libpkce.TokenSource)
    assert token.scope == "mcp" and resource.uri == MCP
    answer = source.fetch("POST", MCP, headers=HEADERS, body=tool("echo", text="from Python"))
    assert answer.status == 200 and answer.content_type == "application/json"
    assert json.loads(answer.body)["result"]["structuredContent"] == {"result": "from Python"}
    assert "body" not in repr(answer)


def test_step_up_and_its_limits(signed_in: Dict[str, object]) -> None:
    source, resource = signed_in["source"], signed_in["resource"]
    assert isinstance(source, libpkce.TokenSource) and isinstance(resource, libpkce.Resource)
    refused = source.fetch("POST", MCP, headers=HEADERS, body=tool("admin_stats"))
    assert refused.status == 403
    assert libpkce.challenge_param(refused.www_authenticate[0], "scope") == "mcp admin"
    source.step_up(resource, browser=BROWSER, timeout=20)
    answer = source.fetch("POST", MCP, headers=HEADERS, body=tool("admin_stats"))
    assert answer.status == 200 and b"42 users" in answer.body
    with pytest.raises(libpkce.InsufficientScopeError, match="after 2 step-ups"):
        source.fetch("POST", MCP, headers=HEADERS, body=tool("escalate"))
    with pytest.raises(libpkce.ResourceMismatchError):
        source.fetch("GET", MCP + "2")


def test_sans_io_with_another_http_stack() -> None:
    """The steps a host takes with its own HTTP client: here `requests`."""
    resource = libpkce.Resource(TENANT)
    sent = []
    while (request := resource.next_request()) is not None:
        answer = requests.request(request.method, request.url, headers=dict(request.headers), verify=CA, timeout=10)
        sent.append(request.url)
        resource.handle_response(answer.status_code, answer.content, answer.headers.get("WWW-Authenticate"))
    assert [url.split("/", 3)[3] for url in sent] == [
        "mcp", ".well-known/oauth-protected-resource/mcp", ".well-known/oauth-authorization-server/tenant"]
    redirect = "http://127.0.0.1:45998/callback"
    registration = resource.registration_request(redirect)
    answer = requests.post(registration.url, data=registration.body, headers=dict(registration.headers), verify=CA,
                           timeout=10)
    resource.handle_registration(redirect, answer.status_code, answer.content)
    with libpkce.Client(None, None, ca_file=CA) as client:
        resource.configure(client, redirect)
        attempt = client.start()
        assert "&resource=" in attempt.authorization_url and "/tenant/authorize?" in attempt.authorization_url


def test_refusals() -> None:
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.Resource("http://rs.example/mcp")
    with pytest.raises(libpkce.ChallengeMalformedError):
        libpkce.challenge_param('Bearer scope="open', "scope")
    assert libpkce.challenge_param('Basic realm="x"', "realm") is None
    with libpkce.Client(None, None, ca_file=CA) as client, libpkce.Resource(NOPKCE) as resource:
        with pytest.raises(libpkce.PKCENotAdvertisedError):
            resource.sign_in(client, browser=BROWSER, timeout=5)
        with pytest.raises(libpkce.NotConfiguredError):
            client.start()
