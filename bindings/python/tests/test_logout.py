"""Sign-out from Python against the Authlib server's end-session endpoint:
the URL, the redirect back with its state, the one call through a listener
with the scripted browser, a server without an end-session endpoint."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server

BROWSER = str(Path(__file__).resolve().parents[3] / "Tests" / "signin" / "scripted-browser")


def signed_in(server: Server) -> "tuple[libpkce.Client, libpkce.Token]":
    client = libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, scope="openid email")
    with client.start() as attempt:
        attempt.handle_callback(server.browse(attempt.authorization_url))
        return client, client.exchange(attempt)


def test_logout_url_and_redirect(server: Server) -> None:
    client, token = signed_in(server)
    with client:
        assert client.endpoints["end_session"] == server.url("/logout")
        with libpkce.Logout(client, id_token_hint=token.id_token, ui_locales="fr",
                            post_logout_redirect_uri="http://127.0.0.1:9999/callback") as logout:
            query = parse_qs(urlsplit(logout.url).query)
            assert query == {"id_token_hint": [token.id_token], "client_id": [CLIENT_ID],
                             "post_logout_redirect_uri": ["http://127.0.0.1:9999/callback"], "state": [logout.state],
                             "ui_locales": ["fr"]}
            # The server verifies the hint and sends the browser back with the state.
            answer = requests.get(logout.url, verify=server.ca, allow_redirects=False, timeout=10)
            assert answer.status_code == 302
            with pytest.raises(libpkce.StateMismatchError):
                logout.handle_redirect("http://127.0.0.1:9999/callback?state=forged")
            logout.handle_redirect(answer.headers["Location"])


def test_logout_in_one_call(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKCE_TEST_BROWSER", "follow")
    client, token = signed_in(server)
    with client:
        before = len(requests.get(server.url("/_logout/seen"), verify=server.ca, timeout=10).json())
        libpkce.logout(client, id_token_hint=token.id_token, browser=BROWSER, timeout=20)
        seen = requests.get(server.url("/_logout/seen"), verify=server.ca, timeout=10).json()[before:]
        assert len(seen) == 1 and seen[0]["subject"] == token.subject and seen[0]["state"]


def test_a_server_without_an_end_session_endpoint(server: Server) -> None:
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url("/token")) as client:
        with pytest.raises(libpkce.NotConfiguredError):
            libpkce.Logout(client)
