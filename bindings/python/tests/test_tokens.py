"""TokenSource and FileTokenStore against the local server: one refresh among threads, a
restart from the file, a server that does not rotate refresh tokens."""

import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import List

import pytest

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server


def signed_in(server: Server, client: libpkce.Client) -> libpkce.Token:
    attempt = client.start()
    attempt.handle_callback(server.browse(attempt.authorization_url))
    return client.exchange(attempt)


def test_one_refresh_for_all_threads_and_a_restart(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca) as client:
        token = signed_in(server, client)
        refreshed: List[libpkce.Token] = []
        with libpkce.FileTokenStore(str(path)) as store, \
                libpkce.TokenSource(client, token, store=store, on_refresh=refreshed.append) as source:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert source.access_token() == token.access_token
            assert token.expires_in is not None
            source.set_time(int(time.time()) + token.expires_in - 30)  # inside the 60 s leeway
            seen: List[str] = []
            threads = [threading.Thread(target=lambda: seen.append(source.access_token())) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(refreshed) == 1 and set(seen) == {refreshed[0].access_token}
            assert refreshed[0].access_token != token.access_token
            saved = json.loads(path.read_text())["entries"][0]
            assert saved["access_token"] == refreshed[0].access_token and saved["client_id"] == CLIENT_ID
        # A restart: the file alone.
        with libpkce.FileTokenStore(str(path)) as store, libpkce.TokenSource(client, store=store) as again:
            assert again.access_token() == refreshed[0].access_token


def test_a_server_that_does_not_rotate(server: Server) -> None:
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url("/no-rotate/token"),
                        ca_file=server.ca) as client:
        first = libpkce.Token.parse(200, b'{"access_token":"at-0","refresh_token":"rt-keep","expires_in":600}')
        # Client.refresh carries the old refresh token forward, so that it works again.
        second = client.refresh(first)
        assert second.raw["received_refresh_token"] == "rt-keep" and second.refresh_token == "rt-keep"
        third = client.refresh(second)
        assert third.raw["received_refresh_token"] == "rt-keep"
        # So does the source.
        with libpkce.TokenSource(client, first) as source:
            source.set_time(int(time.time()) + 1000)
            assert source.access_token().startswith("nr-")
            source.set_time(int(time.time()) + 2000)
            assert source.access_token().startswith("nr-")


def test_expired_without_refresh_token_and_store_errors(server: Server, tmp_path: Path) -> None:
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, token_endpoint=server.url("/token"), ca_file=server.ca) as client:
        bare = libpkce.Token.parse(200, b'{"access_token":"at","expires_in":600}')
        with libpkce.TokenSource(client, bare) as source:
            source.set_time(int(time.time()) + 3600)
            with pytest.raises(libpkce.TokenExpiredError):
                source.access_token()
        with pytest.raises(libpkce.StoreError) as info:
            libpkce.TokenSource(client, bare, store=libpkce.FileTokenStore("/nonexistent-dir/t.json"))
        assert "/nonexistent-dir/t.json" in str(info.value) and isinstance(info.value, OSError)
        with pytest.raises(libpkce.PKCEError) as missing:
            libpkce.TokenSource(client, store=libpkce.FileTokenStore(str(tmp_path / "empty.json")))
        assert missing.value.code == libpkce.Status.NOT_FOUND


def test_store_check(tmp_path: Path) -> None:
    """A store is checked before anything depends on it: refused when others may write it,
    reported when others may read it."""
    path = tmp_path / "tokens.json"
    store = libpkce.FileTokenStore(str(path))
    assert store.check() is False  # no file yet, and the directory takes one
    path.write_text('{"libpkce_tokens":1,"entries":[]}')
    path.chmod(0o644)
    assert store.check() is True
    path.chmod(0o666)
    with pytest.raises(libpkce.StoreError) as writable:
        store.check()
    assert "written by other users" in str(writable.value)
    path.chmod(0o600)
    path.write_text("")
    with pytest.raises(libpkce.StoreError):
        store.check()
