"""The full flow against the Authlib server, over HTTPS on 127.0.0.1."""

import logging
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import requests
import trustme

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server


def discovered(server: Server, **options: object) -> libpkce.Client:
    return libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca,
                                   **options)  # type: ignore[arg-type]


def signed_in(server: Server, client: libpkce.Client) -> libpkce.AuthorizationAttempt:
    attempt = client.start()
    attempt.handle_callback(server.browse(attempt.authorization_url))
    return attempt


def test_happy_path_refresh_revoke(server: Server) -> None:
    with discovered(server, scope="profile") as client:
        attempt = signed_in(server, client)
        token = client.exchange(attempt)
        assert token.token_type == "Bearer" and token.scope == "profile"
        assert token.expires_in and token.expires_at and token.refresh_token
        with pytest.raises(libpkce.OAuthError) as info:
            client.exchange(attempt)  # a code works once
        assert info.value.error == "invalid_grant" and info.value.status == 400
        # As Authlib and requests-oauthlib word it, with the server's description.
        assert info.value.description and str(info.value) == f"invalid_grant: {info.value.description}"
        assert info.value.raw is not None and info.value.raw["error"] == "invalid_grant"
        fresh = client.refresh(token.refresh_token)
        assert fresh.access_token != token.access_token
        assert fresh.refresh_token is not None
        client.revoke(fresh.refresh_token, hint="refresh_token")
        with pytest.raises(libpkce.OAuthError):
            client.refresh(fresh.refresh_token)


def test_wrong_verifier_is_refused_by_authlib(server: Server) -> None:
    with discovered(server) as client:
        real = client.start()
        callback = server.browse(real.authorization_url)
        thief = client.restore(libpkce.generate_verifier(), real.state)
        thief.handle_callback(callback)
        with pytest.raises(libpkce.OAuthError) as info:
            client.exchange(thief)
        assert info.value.error == "invalid_grant"
        assert thief.verifier not in str(info.value)


def test_state_and_issuer_mismatch(server: Server) -> None:
    with discovered(server) as client:
        attempt = client.start()
        callback = server.browse(attempt.authorization_url)
        with pytest.raises(libpkce.StateMismatchError):
            attempt.handle_callback(callback.replace("state=", "state=X"))
        head, _, _ = callback.partition("&iss=")
        with pytest.raises(libpkce.IssuerMismatchError) as mismatch:
            attempt.handle_callback(head + "&iss=https%3A%2F%2Fimpostor.example")
        assert "'https://impostor.example'" in str(mismatch.value) and f"'{server.issuer}'" in str(mismatch.value)
        with pytest.raises(libpkce.IssuerMissingError) as missing:
            attempt.handle_callback(head)
        assert not isinstance(missing.value, libpkce.IssuerMismatchError) and server.issuer in str(missing.value)
        attempt.handle_callback(callback)


def test_discover_takes_issuer_and_require_iss_as_options(server: Server) -> None:
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca,
                                 issuer="https://elsewhere.example", require_iss=False) as client:
        assert client.endpoints["issuer"] == "https://elsewhere.example" and not client.requires_iss
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca,
                                 require_iss=False) as client:
        assert client.endpoints["issuer"] == server.issuer and not client.requires_iss


def test_failed_discovery_names_what_it_tried(server: Server) -> None:
    with pytest.raises(libpkce.DiscoveryError) as info:
        libpkce.Client.discover(server.url("/nowhere"), CLIENT_ID, REDIRECT_URI, ca_file=server.ca)
    assert str(info.value).count(server.url("/.well-known/")) == 1 and "(HTTP 404)" in str(info.value)
    assert "/nowhere/.well-known/openid-configuration (HTTP 404)" in str(info.value)
    with pytest.raises(libpkce.DiscoveryError) as info:
        libpkce.Client.discover(server.url("/impostor"), CLIENT_ID, REDIRECT_URI, ca_file=server.ca)
    assert "'https://impostor.example'" in str(info.value) and f"'{server.url('/impostor')}'" in str(info.value)


def misbehaving(server: Server, path: str, **options: object) -> libpkce.Client:
    return libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url(path), ca_file=server.ca,
                          **options)  # type: ignore[arg-type]


def exchange_at(client: libpkce.Client) -> libpkce.Token:
    attempt = client.restore("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s")
    attempt.handle_callback("?state=s&code=c")
    return client.exchange(attempt)


@pytest.mark.parametrize("path,error,http_status", [
    ("/misbehave/redirect", libpkce.TransportError, 302),
    ("/misbehave/huge", libpkce.ResponseError, 0),
    ("/misbehave/html500", libpkce.ResponseError, 500),
    ("/misbehave/error200", libpkce.OAuthError, 200),
    ("/misbehave/garbage", libpkce.ResponseError, 200),
])
def test_misbehaving_token_endpoints(server: Server, path: str, error: type, http_status: int) -> None:
    with misbehaving(server, path) as client:
        with pytest.raises(error) as info:
            exchange_at(client)
        if http_status:
            assert info.value.status == http_status


def test_an_error_page_stays_with_the_error(server: Server) -> None:
    with misbehaving(server, "/misbehave/html500") as client:
        with pytest.raises(libpkce.ResponseError) as info:
            exchange_at(client)
    assert info.value.body is not None and b"Internal Server Error" in info.value.body
    assert info.value.raw is None and info.value.request_id is None


def test_timeout(server: Server) -> None:
    with misbehaving(server, "/misbehave/slow", timeout=0.5) as client:
        with pytest.raises(libpkce.TransportTimeoutError):
            exchange_at(client)


def test_tls_failures(server: Server) -> None:
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url("/token")) as client:
        with pytest.raises(libpkce.TLSError):
            exchange_at(client)  # the test CA is not given
    wrong = f"https://127.0.0.1:{server.wrong_host_port}/token"
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=wrong, ca_file=server.ca) as client:
        with pytest.raises(libpkce.TLSError):
            exchange_at(client)


def test_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=f"https://127.0.0.1:{port}/token") as client:
        with pytest.raises(libpkce.TransportError) as info:
            exchange_at(client)
        assert info.value.code == 50


def test_discovery_paths(server: Server) -> None:
    with libpkce.Client.discover(server.issuer + "/oidc", CLIENT_ID, REDIRECT_URI, ca_file=server.ca) as client:
        assert client.start().authorization_url.startswith(server.issuer + "/authorize?")
    with pytest.raises(libpkce.S256UnsupportedError):
        libpkce.Client.discover(server.issuer + "/plain-only", CLIENT_ID, REDIRECT_URI, ca_file=server.ca)
    with pytest.raises(libpkce.DiscoveryError):
        libpkce.Client.discover(server.issuer + "/impostor", CLIENT_ID, REDIRECT_URI, ca_file=server.ca)


def test_one_client_many_threads(server: Server) -> None:
    failures: list[BaseException] = []
    with discovered(server) as client:
        def work() -> None:
            try:
                for _ in range(5):
                    assert client.exchange(signed_in(server, client)).access_token
            except BaseException as error:  # reported below, with the thread's error
                failures.append(error)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []



def test_a_stalled_transfer_holds_up_no_other_thread(server: Server) -> None:
    """One client, two threads: ctypes releases the GIL and the library gives
    each transfer a handle of its own, so B's revocation does not wait for A's
    refresh, which the server answers only after 3 s (past the timeout)."""
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url("/misbehave/slow"),
                        revocation_endpoint=server.url("/revoke"), ca_file=server.ca, timeout=2.0) as client:
        outcome: List[BaseException] = []

        def refresh_stalled() -> None:
            try:
                client.refresh("stalled-refresh-token")
            except libpkce.PKCEError as error:
                outcome.append(error)

        started = time.monotonic()
        thread = threading.Thread(target=refresh_stalled)
        thread.start()
        time.sleep(0.3)
        b_started = time.monotonic()
        client.revoke("a-token-nobody-knows", hint="access_token")
        b_took = time.monotonic() - b_started
        thread.join()
        assert b_took < 1.0
        assert time.monotonic() - started >= 1.9
        assert len(outcome) == 1 and isinstance(outcome[0], libpkce.TransportTimeoutError)
        assert outcome[0].code == libpkce.Status.TIMEOUT


TOKEN_ANSWER = b'{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}'


def answer_in_two_writes(connection: ssl.SSLSocket) -> None:
    """Serves token requests on one kept-alive connection as uvicorn over TLS
    does: the head and the body in two writes, Nagle's algorithm on (as a
    socket is by default), so the body waits for the client's ACK of the head."""
    pending = b""
    with connection:
        while True:
            while b"\r\n\r\n" not in pending:
                data = connection.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(pending) < length:
                pending += connection.recv(65536)
            pending = pending[length:]
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(TOKEN_ANSWER))
            connection.sendall(TOKEN_ANSWER)


@pytest.fixture
def two_write_server(tmp_path: Path) -> Iterator[Tuple[str, str]]:
    """A TLS token endpoint on 127.0.0.1 that writes each answer in two pieces: (URL, CA file)."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
                tls = context.wrap_socket(connection, server_side=True)
            except OSError:
                return  # the listener was closed: the test is over
            threading.Thread(target=answer_in_two_writes, args=(tls,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/token", str(tmp_path / "ca.pem")
    listener.close()


def test_an_answer_in_two_pieces_is_not_held_by_a_delayed_ack(two_write_server: Tuple[str, str]) -> None:
    """Linux delays the ACK of a lone segment by 40 ms; a server whose body
    waits on that ACK would take 40 ms more each exchange, so the library
    acknowledges at once an answer that has begun and is not all there."""
    url, ca = two_write_server
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=url, ca_file=ca) as client:
        attempt = client.restore(libpkce.generate_verifier(), "s")
        attempt.handle_callback("http://127.0.0.1:8765/callback?state=s&code=c")
        assert client.exchange(attempt).access_token == "2YotnFZFEjr1zCsicMWpAA"  # connected: TLS set up
        started = time.monotonic()
        for _ in range(10):
            assert client.exchange(attempt).expires_in == 3600
        # Held bodies would make it 0.4 s at least; about 20 ms is usual.
        assert time.monotonic() - started < 0.3


@pytest.mark.parametrize("how,expected", [(libpkce.ClientAuth.AUTOMATIC, "client_secret_basic"),
                                          (libpkce.ClientAuth.BASIC, "client_secret_basic"),
                                          (libpkce.ClientAuth.POST, "client_secret_post")])
def test_confidential_client(server: Server, how: libpkce.ClientAuth, expected: str,
                             caplog: pytest.LogCaptureFixture) -> None:
    """OAuth 2.1: a client with a secret sends PKCE too; Authlib checks both. The log shows
    how the secret went, never the secret."""
    caplog.set_level(logging.DEBUG, logger="libpkce")
    secret = "s3cret: with spaces & symbols=+%/é"
    requests.get(server.url("/_client-auth"), verify=server.ca, timeout=10)
    with libpkce.Client.discover(server.issuer, "libpkce-confidential", REDIRECT_URI, ca_file=server.ca,
                                 client_secret=secret, client_auth=how) as client:
        token = client.exchange(signed_in(server, client))
        assert token.refresh_token is not None
        client.revoke(token.refresh_token)
        seen = requests.get(server.url("/_client-auth"), verify=server.ca, timeout=10).json()
        assert seen == [expected, expected]
        request = client.refresh_request(token.refresh_token)
        assert secret not in request.url and secret not in repr(request)
    log = caplog.text
    assert "client_secret=(" in log if expected == "client_secret_post" else "Authorization" in log
    assert "s3cret" not in log and "s3cret%3A" not in log and "czNjcmV0" not in log  # nor its base64
    with libpkce.Client.discover(server.issuer, "libpkce-confidential", REDIRECT_URI, ca_file=server.ca,
                                 client_secret="not the secret", client_auth=how) as client:
        with pytest.raises(libpkce.OAuthError) as info:
            client.exchange(signed_in(server, client))
        assert info.value.error == "invalid_client" and "not the secret" not in str(info.value) + repr(info.value)
