"""The pkce command-line tool against the Authlib server (make test-cli runs
it through Tests/server/with-server.sh): every subcommand, its JSON output,
and one exit code per kind of failure, as pkce(1) documents them."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PKCE = str(ROOT / "build" / "pkce")
BROWSER = str(ROOT / "Tests" / "signin" / "scripted-browser")
ISSUER = os.environ.get("PKCE_TEST_ISSUER", "")
CA = os.environ.get("PKCE_TEST_CA", "")
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
SERVER = ["--issuer", ISSUER, "--client-id", "libpkce-test", "--ca-file", CA]


def pkce(*args: str, browser: str = "follow", stdin: Optional[str] = None,
         env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, LD_LIBRARY_PATH=str(ROOT / "build"), PKCE_TEST_BROWSER=browser, **(env or {}))
    return subprocess.run([PKCE, *args], capture_output=True, text=True, input=stdin, env=environment, timeout=60)


def login(tmp_path: Path, *extra: str, browser: str = "follow") -> subprocess.CompletedProcess[str]:
    return pkce("login", *SERVER, "--browser-command", BROWSER, "--save", str(tmp_path / "token.json"), *extra,
                browser=browser)


def saved_entry(path: Path) -> Dict[str, Any]:
    """The one account in a token store written by --save."""
    store = json.loads(path.read_text())
    assert store["libpkce_tokens"] == 1 and len(store["entries"]) == 1
    entry: Dict[str, Any] = store["entries"][0]
    return entry


def test_help_and_usage_errors() -> None:
    assert pkce("--help").returncode == 0
    for command in ("pair", "challenge", "url", "login", "refresh", "revoke", "discover", "token", "userinfo"):
        answer = pkce(command, "--help")
        assert answer.returncode == 0 and answer.stdout.startswith("usage: pkce " + command)
    for args in (["nonsense"], ["pair", "--length", "20"], ["login", "--issuer", ISSUER], ["pair", "--bogus"],
                 ["login", *SERVER, "--port", "99999"], ["login", *SERVER, "--browser-command", "x", "--no-browser"],
                 ["url", *SERVER, "--param", "code_verifier=x"], ["challenge", "short"],
                 ["refresh", *SERVER], ["revoke", *SERVER, "--token", "t", "--hint", "id_token"]):
        answer = pkce(*args)
        assert answer.returncode == 2, (args, answer.stderr)
        assert answer.stderr.count("\n") == 1 and answer.stderr.startswith("pkce: ")
    assert pkce().returncode == 2


def test_pair_and_challenge() -> None:
    pair = json.loads(pkce("pair").stdout)
    assert len(pair["code_verifier"]) == 43 and pair["code_challenge_method"] == "S256"
    assert pkce("challenge", pair["code_verifier"]).stdout.strip() == pair["code_challenge"]
    assert len(json.loads(pkce("pair", "--length", "128").stdout)["code_verifier"]) == 128
    assert pkce("challenge", RFC_VERIFIER).stdout.strip() == RFC_CHALLENGE
    assert pkce("challenge", RFC_VERIFIER, "--method", "plain").stdout.strip() == RFC_VERIFIER
    # A verifier may start with '-' (or "--", after "--"): it is an argument, not an option.
    dash = "-" + RFC_VERIFIER[1:]
    assert pkce("challenge", dash).stdout.strip() == pkce("challenge", "--", dash).stdout.strip() != ""
    assert pkce("challenge", "--", "--" + RFC_VERIFIER[2:]).returncode == 0


def test_url_and_discover() -> None:
    answer = pkce("url", *SERVER, "--scope", "openid", "--param", "connection_id=conn_01")
    assert answer.returncode == 0, answer.stderr
    url = json.loads(answer.stdout)
    assert url["url"].startswith(ISSUER + "/authorize?response_type=code&client_id=libpkce-test")
    assert "connection_id=conn_01" in url["url"] and "code_challenge_method=S256" in url["url"]
    assert len(url["code_verifier"]) == 43 and url["state"] in url["url"] and url["nonce"] in url["url"]
    metadata = json.loads(pkce("discover", ISSUER, "--ca-file", CA).stdout)
    assert metadata["token_endpoint"] == ISSUER + "/token"
    assert metadata["device_authorization_endpoint"] == ISSUER + "/device_authorization"
    assert metadata["authorization_response_iss_parameter_required"] is True


def test_login_refresh_revoke(tmp_path: Path) -> None:
    answer = login(tmp_path, "--scope", "profile")
    assert answer.returncode == 0, answer.stderr
    saved = saved_entry(tmp_path / "token.json")
    assert oct((tmp_path / "token.json").stat().st_mode & 0o777) == "0o600"
    shown = json.loads(answer.stdout)
    assert shown["token_type"] == saved["token_type"]
    assert abs(saved["expires_at"] - (time.time() + shown["expires_in"])) < 30
    assert (saved["client_id"], saved["issuer"], saved["token_endpoint"]) == ("libpkce-test", ISSUER, ISSUER + "/token")
    for secret in ("access_token", "refresh_token"):
        assert shown[secret] == f"{saved[secret][:6]}…({len(saved[secret])} chars)"
        assert saved[secret] not in answer.stdout + answer.stderr
    full = pkce("refresh", *SERVER, "--token-file", str(tmp_path / "token.json"), "--show-secrets")
    assert full.returncode == 0, full.stderr
    refreshed = json.loads(full.stdout)
    assert refreshed["access_token"] != saved["access_token"]
    # From standard input too; the old refresh token was rotated away: the server says invalid_grant.
    stale = pkce("refresh", *SERVER, "--token-file", "-", stdin=json.dumps(saved))
    assert stale.returncode == 3 and "invalid_grant" in stale.stderr
    assert re.search(r" \[request id req_[0-9a-f]{16}\]\n$", stale.stderr), stale.stderr
    revoked = pkce("revoke", *SERVER, "--token", refreshed["refresh_token"], "--hint", "refresh_token")
    assert revoked.returncode == 0 and json.loads(revoked.stdout) == {"revoked": True, "token_type_hint": "refresh_token"}
    again = pkce("refresh", *SERVER, "--refresh-token", refreshed["refresh_token"])
    assert again.returncode == 3


def test_login_on_ports_and_path(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        first = taken.getsockname()[1]
        answer = login(tmp_path, "--ports", f"{first}-{first + 20}", "--redirect-path", "/done", "--verbose")
        assert answer.returncode == 0, answer.stderr
        bound = re.search(r"listener: waiting on http://127\.0\.0\.1:(\d+)/done", answer.stderr)
        assert bound and first < int(bound.group(1)) <= first + 20
        busy = login(tmp_path, "--port", str(first))
        assert busy.returncode == 1 and "in use" in busy.stderr


def test_exit_codes(tmp_path: Path) -> None:
    denied = login(tmp_path, browser="deny")
    assert denied.returncode == 3 and "access_denied" in denied.stderr
    late = login(tmp_path, "--timeout", "1", browser="record")
    assert late.returncode == 5 and "within 1000 ms" in late.stderr
    offline = pkce("login", "--issuer", "https://127.0.0.1:1", "--client-id", "x", "--ca-file", CA)
    assert offline.returncode == 4
    # A forged ID token from a token endpoint of the test server: a failed check.
    forged = login(tmp_path, "--scope", "openid", "--token-endpoint", ISSUER + "/_oidc/token/wrong-aud")
    assert forged.returncode == 6 and "aud" in forged.stderr
    missing = pkce("login", *SERVER, "--browser-command", str(tmp_path / "no-such-browser"))
    assert missing.returncode == 1 and "could not start" in missing.stderr


def test_verbose_log_holds_no_secret(tmp_path: Path) -> None:
    answer = login(tmp_path, "--scope", "openid email", "--verbose")
    assert answer.returncode == 0, answer.stderr
    saved = saved_entry(tmp_path / "token.json")
    assert "pkce: [info] request: POST " + ISSUER + "/token" in answer.stderr
    assert "code_verifier=(43 bytes)" in answer.stderr and "answer: HTTP 200" in answer.stderr
    for secret in (saved["access_token"], saved["refresh_token"], saved["id_token"]):
        assert secret not in answer.stderr and secret not in answer.stdout


def test_browser_gets_one_argument_and_no_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    record = tmp_path / "argv.json"
    value = f"'; touch {marker}; echo '$(touch {marker})`touch {marker}`"
    answer = pkce("login", *SERVER, "--browser-command", BROWSER, "--timeout", "1", "--param", "login_hint=" + value,
                  browser="record", env={"PKCE_TEST_BROWSER_RECORD": str(record)})
    assert answer.returncode == 5
    for _ in range(200):  # the browser runs on its own: give it time to write down what it got
        if record.exists():
            break
        time.sleep(0.05)
    argv: List[str] = json.loads(record.read_text())
    # The one-time start URL alone: nothing of the attempt in the command line other users can read.
    assert len(argv) == 2 and argv[0] == BROWSER and re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{43}", argv[1])
    assert not marker.exists()


def test_device_login(tmp_path: Path) -> None:
    requests.post(ISSUER + "/_device/settings", data={"interval": "1", "expires_in": "60"}, verify=CA)
    environment = dict(os.environ, LD_LIBRARY_PATH=str(ROOT / "build"))
    process = subprocess.Popen([PKCE, "login", *SERVER, "--device"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=environment)
    assert process.stderr is not None
    first = process.stderr.readline()
    found = re.search(r"open (\S+) and enter the code (\S+)", first)
    assert found and found.group(1) == ISSUER + "/device"
    threading.Timer(1.5, lambda: requests.post(ISSUER + "/device/approve", data={"user_code": found.group(2)},
                                               verify=CA)).start()
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "…(" in json.loads(out)["access_token"]
    denied = subprocess.Popen([PKCE, "login", *SERVER, "--device"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=environment)
    assert denied.stderr is not None
    code = re.search(r"enter the code (\S+)", denied.stderr.readline())
    assert code
    requests.post(ISSUER + "/device/deny", data={"user_code": code.group(1)}, verify=CA)
    denied.communicate(timeout=30)
    assert denied.returncode == 3


def test_valgrind_clean(tmp_path: Path) -> None:
    """A whole sign-in, refresh and revocation by the tool under valgrind (make test-cli passes its command)."""
    valgrind = shlex.split(os.environ.get("PKCE_VALGRIND", ""))
    if not valgrind:
        pytest.skip("run through make test-cli, which passes PKCE_VALGRIND")
    environment = dict(os.environ, PKCE_TEST_BROWSER="stray")
    token = str(tmp_path / "token.json")
    runs = [(["login", *SERVER, "--browser-command", BROWSER, "--save", token, "--verbose"], 0),
            (["refresh", *SERVER, "--token-file", token, "--save", token], 0),
            (["token", token, "--ca-file", CA], 0),
            (["revoke", *SERVER, "--token-file", token], 0), (["pair"], 0),
            (["login", *SERVER, "--port", "99999"], 2)]  # a usage error: the early exit path
    for args, expected in runs:
        # valgrind's --error-exitcode=1 turns any error or leak into status 1
        result = subprocess.run([*valgrind, PKCE, *args], capture_output=True, text=True, env=environment, timeout=120)
        assert result.returncode == expected, (args, result.stderr)


def test_token_from_the_store(tmp_path: Path) -> None:
    """pkce token FILE: the saved access token while it is good; once it is about to expire,
    one refresh however many processes ask at the same time (Authlib rotates refresh tokens,
    so a second refresh with the same one would be refused), saved for the next."""
    store = tmp_path / "token.json"
    assert login(tmp_path, "--scope", "openid profile").returncode == 0
    assert saved_entry(store)["subject"]  # the verified ID token's sub
    # A refresh saved to the same store stays that account's (one entry), though
    # without --scope openid it verifies no ID token to say whose it is.
    refreshed = pkce("refresh", *SERVER, "--token-file", str(store), "--save", str(store), "--show-secrets")
    assert refreshed.returncode == 0, refreshed.stderr
    saved = saved_entry(store)
    assert saved["access_token"] == json.loads(refreshed.stdout)["access_token"]
    first = pkce("token", str(store), "--ca-file", CA)
    assert first.returncode == 0 and first.stdout == saved["access_token"] + "\n"

    expired = json.loads(store.read_text())
    expired["entries"][0]["expires_at"] = int(time.time()) - 10
    store.write_text(json.dumps(expired))
    environment = dict(os.environ, LD_LIBRARY_PATH=str(ROOT / "build"))
    runs = [subprocess.Popen([PKCE, "token", str(store), "--ca-file", CA, "--verbose"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=environment) for _ in range(6)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0] * 6, [err for _, err in outputs]
    tokens = {out for out, _ in outputs}
    assert len(tokens) == 1 and tokens != {saved["access_token"] + "\n"}
    refreshes = sum(err.count("request: POST " + ISSUER + "/token") for _, err in outputs)
    assert refreshes == 1
    assert saved_entry(store)["access_token"] + "\n" in tokens and saved_entry(store)["refresh_token"] != saved["refresh_token"]
    for _, err in outputs:
        assert saved["refresh_token"] not in err

    assert pkce("token", str(tmp_path / "none.json")).returncode == 2
    assert pkce("token", str(store), "--subject", "someone-else").returncode == 2
    assert pkce("token").returncode == 2



def test_secrets_masked_by_member_name_not_spelling() -> None:
    """A member spelled "access\\u005ftoken" is access_token to every JSON reader: masked too."""
    answer = pkce("refresh", "--token-endpoint", ISSUER + "/misbehave/escaped-names", "--client-id", "x", "--ca-file", CA,
                  "--refresh-token", "rt")
    assert answer.returncode == 0, answer.stderr
    assert "SECRET-ACCESS-escaped" not in answer.stdout and "SECRET-REFRESH-escaped" not in answer.stdout
    assert "SECRET…(33 chars)" in answer.stdout


def test_a_response_of_this_sign_in_that_fails_ends_it_at_once(tmp_path: Path) -> None:
    """A wrong iss with the right state is this attempt's failure: status 6 at once, not 5 after the timeout."""
    started = time.monotonic()
    wrong = login(tmp_path, "--timeout", "120", browser="callback:code=abc&state={state}&iss=https%3A%2F%2Fevil.example")
    assert wrong.returncode == 6 and "iss" in wrong.stderr
    assert time.monotonic() - started < 60  # a generous bound: the failure this guards against waits 120 s
    # Another local user who opened the start URL first: the sign-in ends, with status 6.
    raced = login(tmp_path, "--timeout", "120", browser="race")
    assert raced.returncode == 6 and "twice" in raced.stderr


def test_options_that_refuse_a_url_are_usage_errors() -> None:
    for option in ("--token-endpoint", "--authorization-endpoint", "--revocation-endpoint"):
        answer = pkce("login", "--token-endpoint", "https://127.0.0.1:1/token", "--authorization-endpoint",
                      "https://127.0.0.1:1/authorize", "--client-id", "x", option, "http://example.com/x")
        assert answer.returncode == 2 and option in answer.stderr and "https" in answer.stderr, answer.stderr
    assert pkce("discover", "http://example.com").returncode == 2


def test_login_save_checks_the_store_before_the_browser(tmp_path: Path) -> None:
    """A store that cannot keep the tokens is found out before the user signs in, not after."""
    broken = tmp_path / "broken.json"
    broken.write_text("")
    record = tmp_path / "argv.json"
    answer = pkce("login", *SERVER, "--browser-command", BROWSER, "--save", str(broken), browser="record",
                  env={"PKCE_TEST_BROWSER_RECORD": str(record)})
    assert answer.returncode == 1 and "not a libpkce token file" in answer.stderr
    assert not record.exists()
    broken.chmod(0o666)
    broken.write_text((tmp_path / "none").name)
    shared = pkce("login", *SERVER, "--browser-command", BROWSER, "--save", str(broken))
    assert shared.returncode == 1 and "written by other users" in shared.stderr


def test_claims_userinfo_and_a_store_that_names_its_server(tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    answer = login(tmp_path, "--scope", "openid profile email")
    assert answer.returncode == 0, answer.stderr
    claims = json.loads(answer.stdout)["id_token_claims"]
    assert claims["iss"] == ISSUER and claims["aud"] in ("libpkce-test", ["libpkce-test"]) and claims["sub"]
    info = pkce("userinfo", "--token-file", str(store), "--ca-file", CA)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["sub"] == claims["sub"]
    # The store names the client and the server: refresh needs neither option.
    again = pkce("refresh", "--token-file", str(store), "--ca-file", CA, "--save", str(store))
    assert again.returncode == 0, again.stderr
    assert saved_entry(store)["subject"] == claims["sub"]
    # Others may read the store: said on every use, as ssh says of a key.
    store.chmod(0o644)
    shown = pkce("token", str(store), "--ca-file", CA)
    assert shown.returncode == 0 and "other users may read" in shown.stderr
    planted = pkce("userinfo", "--token", "not-a-token", "--issuer", ISSUER, "--ca-file", CA)
    assert planted.returncode != 0


def test_refresh_keeps_a_refresh_token_the_server_did_not_rotate(tmp_path: Path) -> None:
    """LemonLDAP::NG and pyop answer a refresh without refresh_token: the one sent stays valid and is
    kept, so that the next refresh from the same file works (the manual's own example)."""
    assert login(tmp_path, "--scope", "profile").returncode == 0
    store = tmp_path / "token.json"
    kept = tmp_path / "kept.json"
    first = saved_entry(store)["refresh_token"]
    no_rotate = ["--token-endpoint", ISSUER + "/no-rotate/token", "--client-id", "libpkce-test", "--ca-file", CA]
    answer = pkce("refresh", *no_rotate, "--token-file", str(store), "--save", str(kept))
    assert answer.returncode == 0, answer.stderr
    assert saved_entry(kept)["refresh_token"] == first
    for _ in range(2):
        again = pkce("refresh", "--token-file", str(kept), "--ca-file", CA, "--save", str(kept))
        assert again.returncode == 0, again.stderr
        assert saved_entry(kept)["refresh_token"] == first


def test_device_login_with_endpoints_given(tmp_path: Path) -> None:
    """A server that offers the device grant without publishing its endpoint (django-oauth-toolkit)."""
    requests.post(ISSUER + "/_device/settings", data={"interval": "1", "expires_in": "60"}, verify=CA)
    environment = dict(os.environ, LD_LIBRARY_PATH=str(ROOT / "build"))
    process = subprocess.Popen([PKCE, "login", "--token-endpoint", ISSUER + "/token", "--device-authorization-endpoint",
                                ISSUER + "/device_authorization", "--client-id", "libpkce-test", "--ca-file", CA,
                                "--device"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    assert process.stderr is not None
    found = re.search(r"enter the code (\S+)", process.stderr.readline())
    assert found
    requests.post(ISSUER + "/device/approve", data={"user_code": found.group(1)}, verify=CA)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert json.loads(out)["token_type"].lower() == "bearer"
