"""pkce with its tokens in the keyring: `keyring:` and `auto:` as store names,
run by make test-keyring under Tests/keyring/with-keyring.sh (gnome-keyring
in `service` mode; no session bus in `nobus` mode) and the Authlib server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_cli import BROWSER, SERVER, pkce  # noqa: E402

MODE = os.environ.get("PKCE_KEYRING_MODE", "")


@pytest.mark.skipif(MODE != "service", reason="needs a Secret Service (with-keyring.sh service)")
def test_login_token_accounts_logout_in_the_keyring() -> None:
    signed = pkce("login", *SERVER, "--scope", "openid email", "--browser-command", BROWSER, "--save", "keyring:")
    assert signed.returncode == 0, signed.stderr
    accounts = json.loads(pkce("accounts", "keyring:").stdout)
    assert len(accounts) == 1 and accounts[0]["client_id"] == "libpkce-test"
    token = pkce("token", "keyring:", "--ca-file", SERVER[-1])
    assert token.returncode == 0 and len(token.stdout.strip()) > 20
    # What is kept, as a person sees it in the keyring.
    shown = subprocess.run(["secret-tool", "search", "--all", "kind", "token"], capture_output=True, text=True, timeout=10)
    assert f"label = pkce: {accounts[0]['subject']} at" in shown.stdout
    assert token.stdout.strip() in shown.stdout  # the secret is the entry, as the file store writes it
    out = pkce("logout", "keyring:", "--ca-file", SERVER[-1], "--no-browser")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["removed"] is True
    assert json.loads(pkce("accounts", "keyring:").stdout) == []


@pytest.mark.skipif(MODE != "nobus", reason="needs a session without a bus (with-keyring.sh nobus)")
def test_without_a_bus_keyring_fails_fast_and_auto_says_what_it_chose(tmp_path: Path) -> None:
    started = time.monotonic()
    refused = pkce("login", *SERVER, "--browser-command", BROWSER, "--save", "keyring:")
    assert refused.returncode == 1 and "no D-Bus session bus" in refused.stderr
    assert time.monotonic() - started < 10  # before any browser, not after D-Bus's 25 s
    chosen = pkce("login", *SERVER, "--browser-command", BROWSER, "--save", "auto:")
    assert chosen.returncode == 0, chosen.stderr
    path = Path(os.environ["XDG_DATA_HOME"]) / "pkce" / "tokens.json"
    assert f"auto: no keyring" in chosen.stderr and str(path) in chosen.stderr
    assert json.loads(path.read_text())["entries"][0]["client_id"] == "libpkce-test"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.skipif(not MODE, reason="needs with-keyring.sh")
def test_python_secret_service_store(monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ.setdefault("LIBPKCE_PATH", str(Path(__file__).resolve().parents[2] / "build" / "libpkce.so.0"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import libpkce
    issuer, ca = os.environ["PKCE_TEST_ISSUER"], os.environ["PKCE_TEST_CA"]
    with libpkce.Client("libpkce-test", "http://127.0.0.1:8765/callback", token_endpoint=issuer + "/no-rotate/token",
                        ca_file=ca) as client, libpkce.SecretServiceTokenStore(timeout=1.0) as store:
        answer = libpkce.Token.parse(200, b'{"access_token":"py-kr-1","refresh_token":"rt-keep","expires_in":600}')
        if MODE == "service":
            assert store.check() is False
            with libpkce.TokenSource(client, answer, store=store, subject="python-user"):
                pass
            with libpkce.TokenSource(client, store=store, subject="python-user") as again:
                assert again.access_token() == "py-kr-1"
        else:
            started = time.monotonic()
            with pytest.raises((libpkce.KeyringUnavailableError, libpkce.KeyringTimeoutError)):
                store.check()
            assert time.monotonic() - started < 3
            with pytest.raises(libpkce.StoreError):
                libpkce.TokenSource(client, answer, store=store, subject="python-user")


# Last in the file: it locks the session's keyring, which no test can unlock
# again (gnome-keyring asks for the password in a prompt, and there is no display).
@pytest.mark.skipif(MODE != "service", reason="needs a Secret Service (with-keyring.sh service)")
def test_a_locked_keyring_is_said_to_be_locked_not_empty() -> None:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    signed = pkce("login", *SERVER, "--browser-command", BROWSER, "--save", "keyring:")
    assert signed.returncode == 0, signed.stderr
    service = DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets",
                          interface="org.freedesktop.Secret.Service")
    with open_dbus_connection(bus="SESSION") as bus:
        locked = bus.send_and_get_reply(new_method_call(service, "Lock", "ao", (["/org/freedesktop/secrets/collection/login"],)))
    assert locked.body[0], locked.body
    for command in (["token", "keyring:"], ["accounts", "keyring:"]):
        started = time.monotonic()
        refused = pkce(*command)
        assert refused.returncode == 1 and "the keyring is locked" in refused.stderr, (command, refused.stderr)
        assert time.monotonic() - started < 5  # the prompt fails at once without a display; the bound is 3 s anyway
