"""Native-app sign-in from Python against the Authlib server: the one-call
sign-in with the scripted browser, the listener, cancelling from another
thread, the device grant, and the log as `logging` records."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
import requests

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server

BROWSER = str(Path(__file__).resolve().parents[3] / "Tests" / "signin" / "scripted-browser")


def client(server: Server, **options: object) -> libpkce.Client:
    return libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, **options)


def test_sign_in(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKCE_TEST_BROWSER", "stray")
    with client(server) as c:
        token = c.sign_in(browser=BROWSER, timeout=20, login_hint="ada@example.com")
        assert token.access_token and token.refresh_token


def test_denied_consent_and_timeout(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKCE_TEST_BROWSER", "deny")
    with client(server) as c:
        with pytest.raises(libpkce.OAuthError) as denied:
            c.sign_in(browser=BROWSER, timeout=20)
        assert denied.value.error == "access_denied"
        monkeypatch.setenv("PKCE_TEST_BROWSER", "record")
        with pytest.raises(libpkce.SignInTimeoutError):
            c.sign_in(browser=BROWSER, timeout=0.3)


def test_listener_ports_and_cancel(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    with libpkce.Listener() as taken:
        with pytest.raises(libpkce.PortInUseError):
            libpkce.Listener(ports=[taken.port])
        with libpkce.Listener(ports=[taken.port, 0], path="/done") as fallback:
            assert fallback.port not in (0, taken.port)
            assert fallback.redirect_uri == f"http://127.0.0.1:{fallback.port}/done"
    monkeypatch.setenv("PKCE_TEST_BROWSER", "record")
    with client(server) as c, libpkce.Listener() as listener:
        threading.Timer(0.3, listener.cancel).start()
        with pytest.raises(libpkce.CancelledError):
            c.sign_in(listener=listener, browser=BROWSER, timeout=20)


def test_device_grant(server: Server) -> None:
    requests.post(server.url("/_device/settings"), data={"interval": "1", "expires_in": "60"}, verify=server.ca)
    shown = []

    def approve_later(device: libpkce.DeviceAuthorization) -> None:
        shown.append((device.user_code, device.verification_uri, device.interval))
        threading.Timer(1.5, lambda: requests.post(server.url("/device/approve"), data={"user_code": device.user_code},
                                                   verify=server.ca)).start()

    with client(server) as c:
        token = c.sign_in_device(approve_later)
        assert token.access_token
        assert shown and shown[0][1] == server.url("/device") and shown[0][2] == 1

        def deny_now(device: libpkce.DeviceAuthorization) -> None:
            requests.post(server.url("/device/deny"), data={"user_code": device.user_code}, verify=server.ca)

        with pytest.raises(libpkce.AccessDeniedError):
            c.sign_in_device(deny_now)

        def cancel_soon(device: libpkce.DeviceAuthorization) -> None:
            threading.Timer(0.2, device.cancel).start()

        with pytest.raises(libpkce.CancelledError):
            c.sign_in_device(cancel_soon)


def test_log_records_hold_no_secret(server: Server, monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("PKCE_TEST_BROWSER", "follow")
    caplog.set_level(logging.DEBUG, logger="libpkce")
    with client(server) as c:
        attempt = c.start()
        token = c.sign_in(attempt=attempt, browser=BROWSER, timeout=20)
        refreshed = c.refresh(token)
    messages = [record.getMessage() for record in caplog.records if record.name == "libpkce"]
    text = "\n".join(messages)
    assert "request: POST" in text and "code_verifier=(43 bytes)" in text and "listener: the response was accepted" in text
    for secret in (attempt.verifier, attempt.state, token.access_token, token.refresh_token, refreshed.access_token):
        assert secret and secret not in text


def test_discovery_keeps_what_the_caller_gave(server: Server) -> None:
    """Options given to discover() win over the metadata, whatever it says."""
    custom = server.url("/custom/userinfo")
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca,
                                 userinfo_endpoint=custom) as c:
        assert c.endpoints["userinfo"] == custom
        assert c.endpoints["token"] == server.url("/token") and c.endpoints["issuer"] == server.issuer
        assert c.endpoints["device_authorization"] == server.url("/device_authorization")
        assert c.requires_iss  # the test server says it sends iss
    with libpkce.Client(CLIENT_ID, REDIRECT_URI) as bare:
        assert bare.endpoints["token"] is None and not bare.requires_iss


def test_start_url_is_one_time(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser gets the listener's start URL, never the authorization URL; a second request
    for it (someone who read the browser's command line) ends the sign-in."""
    monkeypatch.setenv("PKCE_TEST_BROWSER", "race")
    with client(server) as c:
        with pytest.raises(libpkce.SignInRacedError):
            c.sign_in(browser=BROWSER, timeout=20)
    with client(server) as c, libpkce.Listener() as listener, c.start() as attempt:
        start = listener.start_url("https://as.example/authorize?x=1")
        assert start.startswith(f"http://127.0.0.1:{listener.port}/") and len(start.rsplit("/", 1)[1]) == 43
        outcome: list[BaseException] = []

        def wait() -> None:
            try:
                listener.wait(attempt, timeout=10)
            except libpkce.PKCEError as error:
                outcome.append(error)

        waiting = threading.Thread(target=wait)
        waiting.start()
        answer = requests.get(start, allow_redirects=False, timeout=5)
        assert answer.status_code == 302 and answer.headers["Location"] == "https://as.example/authorize?x=1"
        assert requests.get(start, allow_redirects=False, timeout=5).status_code == 403
        waiting.join()
        assert len(outcome) == 1 and isinstance(outcome[0], libpkce.SignInRacedError)
        with pytest.raises(libpkce.InvalidArgumentError):
            listener.start_url("javascript:alert(1)")


def test_sign_in_with_a_pushed_request(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 9126: with prefer_par the parameters are pushed and the browser gets client_id and request_uri."""
    monkeypatch.setenv("PKCE_TEST_BROWSER", "follow")
    before = len(requests.get(server.url("/_par/seen"), verify=server.ca, timeout=10).json())
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, prefer_par=True) as c:
        with c.start() as attempt:
            c.push(attempt)
            assert attempt.request_uri is not None and attempt.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
            assert attempt.authorization_url.split("?", 1)[1].split("&")[0] == f"client_id={CLIENT_ID}"
            assert not attempt.request_uri_expired  # good for 60 s
        token = c.sign_in(browser=BROWSER, timeout=20)
    assert token.access_token
    events = requests.get(server.url("/_par/seen"), verify=server.ca, timeout=10).json()[before:]
    assert [e["event"] for e in events] == ["pushed", "pushed", "authorize"]
