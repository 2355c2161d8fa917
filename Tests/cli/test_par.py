"""Pushed authorization requests (RFC 9126) against the Authlib server's
PAR endpoint (Tests/server/par_routes.py): with --par the parameters go to
the server in a POST and the browser's URL carries client_id and the
request_uri alone; without, nothing is pushed (the server does not require it);
a request_uri that expired before the browser came is pushed again."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import requests

from test_cli import CA, ISSUER, login


def seen() -> List[Any]:
    answer: List[Any] = requests.get(ISSUER + "/_par/seen", verify=CA, timeout=10).json()
    return answer


def test_login_pushes_its_request_with_par(tmp_path: Path) -> None:
    before = len(seen())
    result = login(tmp_path, "--par", "--scope", "openid email")
    assert result.returncode == 0, result.stderr
    events = seen()[before:]
    assert [e["event"] for e in events] == ["pushed", "authorize"]
    assert events[0]["fields"] == ["client_id", "code_challenge", "code_challenge_method", "nonce", "redirect_uri",
                                   "response_type", "scope", "state"]
    assert events[1]["fields"] == ["client_id", "request_uri"]  # all the browser's URL carried


def test_login_without_par_pushes_nothing(tmp_path: Path) -> None:
    before = len(seen())
    assert login(tmp_path).returncode == 0
    assert seen()[before:] == []


def test_an_expired_request_uri_is_pushed_again_when_the_browser_comes(tmp_path: Path) -> None:
    # A request_uri good for a second (the client counts it expired a second
    # early): by the time the browser fetches the start URL it is dead, so the
    # request is pushed again, and the browser goes with the new one.
    requests.post(ISSUER + "/_par/settings", data={"lifetime": "1"}, verify=CA, timeout=10).raise_for_status()
    try:
        before = len(seen())
        result = login(tmp_path, "--par", "--verbose")
        assert result.returncode == 0, result.stderr
        assert [e["event"] for e in seen()[before:]] == ["pushed", "pushed", "authorize"]
        assert "pushing it again" in result.stderr
    finally:
        requests.post(ISSUER + "/_par/settings", data={"lifetime": "60"}, verify=CA, timeout=10)
