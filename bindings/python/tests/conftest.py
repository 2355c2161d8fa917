"""Shared fixtures. The HTTPS tests need the Authlib server that
Tests/server/with-server.sh starts (make test-python does that)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import pytest
import requests

REDIRECT_URI = "http://127.0.0.1:8765/callback"
CLIENT_ID = "libpkce-test"


@dataclass
class Server:
    issuer: str
    ca: str
    port: int
    wrong_host_port: int

    def url(self, path: str) -> str:
        return self.issuer + path

    def browse(self, authorization_url: str) -> str:
        """Plays the browser: the server signs its test user in and redirects back."""
        answer = requests.get(authorization_url, verify=self.ca, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


@pytest.fixture(scope="session")
def server() -> Server:
    issuer: Optional[str] = os.environ.get("PKCE_TEST_ISSUER")
    if not issuer:
        pytest.fail("the HTTPS tests run under Tests/server/with-server.sh (make test-python)")
    return Server(issuer, os.environ["PKCE_TEST_CA"], int(os.environ["PKCE_TEST_PORT"]),
                  int(os.environ["PKCE_TEST_WRONG_HOST_PORT"]))
