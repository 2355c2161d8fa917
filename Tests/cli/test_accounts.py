"""pkce accounts and pkce logout against the Authlib server (make test-cli):
the accounts a store keeps, never a token; a sign-out that revokes both
tokens, ends the session at the server's end-session endpoint (OpenID
Connect RP-Initiated Logout, id_token_hint verified by the server, the
state checked on the way back) and removes the entry; and the same where
the server has no such endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import requests

from test_cli import BROWSER, CA, ISSUER, login, pkce, saved_entry


def seen_logouts() -> List[Any]:
    answer: List[Any] = requests.get(ISSUER + "/_logout/seen", verify=CA, timeout=10).json()
    return answer


def test_accounts_lists_without_tokens(tmp_path: Path) -> None:
    assert login(tmp_path, "--scope", "openid email").returncode == 0
    store = tmp_path / "token.json"
    entry = saved_entry(store)
    listed = pkce("accounts", str(store))
    assert listed.returncode == 0, listed.stderr
    accounts = json.loads(listed.stdout)
    assert accounts == [{"issuer": ISSUER, "client_id": "libpkce-test", "subject": entry["subject"],
                         "expires_in": accounts[0]["expires_in"], "refreshable": True}]
    assert entry["access_token"] not in listed.stdout and entry["refresh_token"] not in listed.stdout
    assert pkce("accounts").returncode == 2


def test_logout_revokes_ends_the_session_and_removes(tmp_path: Path) -> None:
    assert login(tmp_path, "--scope", "openid email").returncode == 0
    store = tmp_path / "token.json"
    entry = saved_entry(store)
    before = len(seen_logouts())
    out = pkce("logout", str(store), "--ca-file", CA, "--browser-command", BROWSER)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"refresh_token": "revoked", "access_token": "revoked", "session": "ended",
                                      "removed": True}
    logouts = seen_logouts()[before:]
    assert len(logouts) == 1 and logouts[0]["subject"] == entry["subject"]  # the hint verified by the server
    assert logouts[0]["fields"] == ["client_id", "id_token_hint", "post_logout_redirect_uri", "state"]
    assert logouts[0]["redirect"].startswith("http://127.0.0.1:")
    assert json.loads(store.read_text())["entries"] == []
    # The refresh token is dead at the server.
    refused = pkce("refresh", "--issuer", ISSUER, "--client-id", "libpkce-test", "--ca-file", CA,
                   "--refresh-token", entry["refresh_token"])
    assert refused.returncode == 3


def test_logout_prints_the_url_without_a_browser(tmp_path: Path) -> None:
    assert login(tmp_path, "--scope", "openid email").returncode == 0
    out = pkce("logout", str(tmp_path / "token.json"), "--ca-file", CA, "--no-browser")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["session"] == "printed"
    assert f"open {ISSUER}/logout?id_token_hint=" in out.stderr and "post_logout_redirect_uri" not in out.stderr


def test_logout_where_the_server_has_no_endpoints(tmp_path: Path) -> None:
    """Tokens from a server named by its endpoints alone: nothing to revoke or end; still removed."""
    assert login(tmp_path, "--scope", "email").returncode == 0
    store = tmp_path / "token.json"
    contents = json.loads(store.read_text())
    contents["entries"][0]["issuer"] = contents["entries"][0]["token_endpoint"]
    store.write_text(json.dumps(contents))
    store.chmod(0o600)
    out = pkce("logout", str(store), "--ca-file", CA, "--browser-command", BROWSER)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"refresh_token": "none", "access_token": "none", "session": "none", "removed": True}


def test_a_refused_revocation_still_removes_and_says_so(tmp_path: Path) -> None:
    assert login(tmp_path, "--scope", "email").returncode == 0
    store = tmp_path / "token.json"
    # The server is told to refuse revocations: the entry goes anyway, and the exit says something failed.
    requests.post(ISSUER + "/_revoke/refuse", data={"on": "1"}, verify=CA, timeout=10)
    try:
        out = pkce("logout", str(store), "--ca-file", CA, "--no-browser")
    finally:
        requests.post(ISSUER + "/_revoke/refuse", data={"on": "0"}, verify=CA, timeout=10)
    assert out.returncode == 3
    assert "revoking the refresh_token" in out.stderr
    assert json.loads(out.stdout)["removed"] is True and json.loads(out.stdout)["refresh_token"] == "refused"
    assert json.loads(store.read_text())["entries"] == []
