"""pkce login --dpop against the Authlib server's DPoP verifier
(Tests/server/dpop_routes.py) in a mode that behaves like the AT
Protocol's profile: pushed requests required, DPoP with server nonces
that change on every answer required at the token endpoint, PKCE S256, and
a refresh refused for its nonce spends the refresh token. A whole sign-in,
a refresh after a restart of the tool (the stored key and nonce), the
header pair for curl against a DPoP-protected route, userinfo,
revoke and logout with proofs, and the refusals."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from test_cli import CA, ISSUER, login, pkce, saved_entry

AT_PROTOCOL = {"nonce": "rotate", "require": True, "par_required": True, "burn_on_nonce": True}


def mode(**settings: Any) -> None:
    requests.post(ISSUER + "/_dpop/mode", json=settings, verify=CA, timeout=10).raise_for_status()


def seen() -> List[Dict[str, Any]]:
    answer: List[Dict[str, Any]] = requests.get(ISSUER + "/_dpop/seen", verify=CA, timeout=10).json()
    return answer


def outcomes(path: str) -> List[str]:
    return [entry["outcome"] for entry in seen() if entry["path"] == path]


def binding(token: str) -> Any:
    return requests.post(ISSUER + "/_dpop/token", data={"token": token}, verify=CA, timeout=10).json()["jkt"]


@pytest.fixture(autouse=True)
def plain_mode() -> Iterator[None]:
    yield
    mode()


def test_login_refresh_after_restart_and_a_request(tmp_path: Path) -> None:
    mode(**AT_PROTOCOL)
    result = login(tmp_path, "--dpop", "--scope", "openid email")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["token_type"] == "DPoP"
    store = tmp_path / "token.json"
    entry = saved_entry(store)
    assert entry["dpop_key"].startswith("-----BEGIN PRIVATE KEY-----") and list(entry["dpop_nonces"]) == [ISSUER]
    assert (store.stat().st_mode & 0o777) == 0o600
    # The server required the push and asked the push, not the token request, for its nonce.
    assert outcomes("/par") == ["use_dpop_nonce: a current nonce is required", "ok"] and outcomes("/token") == ["ok"]
    bound_to = binding(entry["access_token"])
    assert bound_to
    assert json.loads(pkce("accounts", str(store)).stdout)[0]["dpop_jkt"] == bound_to

    # A restart of the tool: a refresh signed with the stored key, the stored nonce sent at once
    # (a refusal for the nonce would have spent the refresh token).
    stored = json.loads(store.read_text())
    stored["entries"][0]["expires_at"] = 1
    store.write_text(json.dumps(stored))
    refreshed = pkce("token", str(store), "--ca-file", CA)
    assert refreshed.returncode == 0, refreshed.stderr
    access = refreshed.stdout.strip()
    assert access != entry["access_token"] and binding(access) == bound_to
    assert outcomes("/token") == ["ok", "ok"]
    assert saved_entry(store)["dpop_key"] == entry["dpop_key"]

    # The header pair for curl, and the DPoP-protected route takes it once.
    api = ISSUER + "/api/dpop"
    pair = pkce("token", str(store), "--dpop", "GET", api, "--ca-file", CA)
    assert pair.returncode == 0, pair.stderr
    lines = pair.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == "Authorization: DPoP " + access and lines[1].startswith("DPoP: ey")
    curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", CA, "-H", "@-", api]
    assert subprocess.run(curl, input=pair.stdout, capture_output=True, text=True).stdout == "200"
    assert subprocess.run(curl, input=pair.stdout, capture_output=True, text=True).stdout == "401"  # a replay
    # UserInfo and the sign-out revoke with proofs by the stored key.
    info = pkce("userinfo", "--token-file", str(store), "--ca-file", CA)
    assert info.returncode == 0 and json.loads(info.stdout)["sub"], info.stderr
    out = pkce("logout", str(store), "--no-browser", "--ca-file", CA)
    assert json.loads(out.stdout.splitlines()[-1])["refresh_token"] == "revoked", out.stderr
    # UserInfo's answer brought a nonce that process did not save (no refresh): the first
    # revocation learns the current one with one retry, the second sends it at once.
    assert outcomes("/revoke") == ["use_dpop_nonce: a current nonce is required", "ok", "ok"]


def test_a_nonce_the_resource_asks_for(tmp_path: Path) -> None:
    mode(nonce="rotate")
    assert login(tmp_path, "--dpop", "--dpop-alg", "EdDSA").returncode == 0
    store = str(tmp_path / "token.json")
    api = ISSUER + "/api/dpop"
    requests.post(ISSUER + "/token", data={"grant_type": "refresh_token"}, verify=CA, timeout=10)  # a new nonce
    stale = pkce("token", store, "--dpop", "GET", api).stdout
    headers = dict(line.split(": ", 1) for line in stale.splitlines())
    refused = requests.get(api, headers=headers, verify=CA, timeout=10)
    assert refused.status_code == 401 and "use_dpop_nonce" in refused.headers["WWW-Authenticate"]
    fresh = pkce("token", store, "--dpop", "GET", api, "--dpop-nonce", refused.headers["DPoP-Nonce"]).stdout
    headers = dict(line.split(": ", 1) for line in fresh.splitlines())
    assert requests.get(api, headers=headers, verify=CA, timeout=10).status_code == 200
    # An Ed25519 key in PKCS#8 (its algorithm identifier, 1.3.101.112, is what the base64 starts with).
    assert json.loads(Path(store).read_text())["entries"][0]["dpop_key"].split("\n")[1].startswith("MC4CAQAwBQYDK2Vw")


def test_a_resource_that_takes_only_bound_tokens(tmp_path: Path) -> None:
    # Signing in from the resource's URL alone: its metadata requires DPoP, so the
    # sign-in makes a key without being told, and fetch presents the bound token.
    api = ISSUER + "/api/dpop"
    store = str(tmp_path / "resource.json")
    result = pkce("login", "--resource", api, "--save", store, "--ca-file", CA, "--browser-command",
                  str(Path(__file__).resolve().parents[1] / "signin" / "scripted-browser"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["token_type"] == "DPoP"
    entry = [e for e in json.loads(Path(store).read_text())["entries"] if e.get("resource") == api][0]
    assert entry["dpop_key"].startswith("-----BEGIN PRIVATE KEY-----")
    fetched = pkce("fetch", api, "--token-file", store, "--ca-file", CA)
    assert fetched.returncode == 0 and binding(entry["access_token"]) in fetched.stdout, fetched.stderr
    # --dpop-alg chooses the key's algorithm there too.
    again = pkce("login", "--resource", api, "--dpop-alg", "RS256", "--save", str(tmp_path / "rs256.json"), "--ca-file", CA,
                 "--browser-command", str(Path(__file__).resolve().parents[1] / "signin" / "scripted-browser"))
    assert again.returncode == 0, again.stderr
    kept = [e for e in json.loads((tmp_path / "rs256.json").read_text())["entries"] if e.get("resource") == api][0]
    assert len(kept["dpop_key"]) > 1500  # an RSA 2048 key, not P-256's 241 bytes


def test_a_wrong_key_after_a_restart_is_refused(tmp_path: Path) -> None:
    # The store's key replaced by another (a copied store whose key did not come
    # along, say): the server refuses the refresh, and the tool says so (exit 3).
    mode()
    assert login(tmp_path, "--dpop").returncode == 0
    store = tmp_path / "token.json"
    other = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                           capture_output=True, text=True, check=True).stdout
    stored = json.loads(store.read_text())
    stored["entries"][0]["dpop_key"] = other
    stored["entries"][0]["expires_at"] = 1
    store.write_text(json.dumps(stored))
    refused = pkce("token", str(store), "--ca-file", CA)
    assert refused.returncode == 3 and "invalid_grant" in refused.stderr, refused.stderr
    assert outcomes("/token")[-1] == "bound to another key"
    # A key that is no key at all: the entry is refused as unusable, nothing is sent.
    stored["entries"][0]["dpop_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    store.write_text(json.dumps(stored))
    sent = len(outcomes("/token"))
    broken = pkce("token", str(store), "--ca-file", CA)
    assert broken.returncode == 1 and "DPoP key is unusable" in broken.stderr, broken.stderr
    assert len(outcomes("/token")) == sent


def test_refusals(tmp_path: Path) -> None:
    mode(nonce="endless")
    failed = login(tmp_path, "--dpop")
    assert failed.returncode == 1 and "DPoP nonce" in failed.stderr
    assert len(outcomes("/token")) == 2  # one retry, never a third try
    mode()
    assert login(tmp_path, "--dpop-alg", "HS256").returncode == 2
    assert pkce("token", str(tmp_path / "token.json"), "--dpop-nonce", "n").returncode == 2
    assert pkce("login", "--issuer", ISSUER, "--client-id", "x", "--dpop", "GET", "https://a.example/").returncode == 2
    # A Bearer token has no header pair.
    assert login(tmp_path).returncode == 0
    bearer = pkce("token", str(tmp_path / "token.json"), "--dpop", "GET", ISSUER + "/api/dpop")
    assert bearer.returncode == 1 and "not DPoP-bound" in bearer.stderr
