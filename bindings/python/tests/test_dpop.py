"""DPoP (RFC 9449) from Python against the Authlib server's DPoP verifier
(Tests/server/dpop_routes.py): keys and PEM, bound tokens, the store
across a restart, the header pair for requests and httpx-style calls, the
nonce a resource asks for, and the refusals."""

from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server


def mode(server: Server, **settings: Any) -> None:
    requests.post(server.url("/_dpop/mode"), json=settings, verify=server.ca, timeout=10).raise_for_status()


def seen(server: Server) -> "list[dict[str, Any]]":
    answer: "list[dict[str, Any]]" = requests.get(server.url("/_dpop/seen"), verify=server.ca, timeout=10).json()
    return answer


def binding(server: Server, token: str) -> Any:
    return requests.post(server.url("/_dpop/token"), data={"token": token}, verify=server.ca, timeout=10).json()["jkt"]


def rotate_nonce(server: Server) -> None:
    """Any answer of the authorization server's token endpoint brings a new nonce."""
    requests.post(server.url("/token"), data={"grant_type": "refresh_token"}, verify=server.ca, timeout=10)


@pytest.fixture(autouse=True)
def plain_mode(server: Server) -> Iterator[None]:
    yield
    mode(server)


def signed_in(server: Server, **options: Any) -> "tuple[libpkce.Client, libpkce.Token]":
    client = libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, **options)
    with client.start() as attempt:
        attempt.handle_callback(server.browse(attempt.authorization_url))
        return client, client.exchange(attempt)


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_keys(alg: str) -> None:
    with libpkce.DPoPKey(alg) as key:
        assert key.alg == alg and len(key.thumbprint) == 43 and "d" not in key.jwk
        pem = key.pem()
        assert pem.startswith("-----BEGIN PRIVATE KEY-----")
        with libpkce.DPoPKey.from_pem(pem) as again:
            assert again.thumbprint == key.thumbprint and again.alg == alg
        assert key.nonce("https://as.example/") is None
        key.set_nonce("https://as.example/token", "n-1")
        assert key.nonce("https://as.example/par") == "n-1"
        assert key.proof("GET", "https://as.example/x").count(".") == 2
    with pytest.raises(libpkce.DPoPKeyError):
        libpkce.DPoPKey.from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.DPoPKey("HS256")


def test_bound_tokens_store_and_header_pair(server: Server, tmp_path: Path) -> None:
    mode(server, nonce="rotate")
    client, token = signed_in(server, dpop=True)
    key = client.dpop_key
    assert key is not None and key.alg == "ES256"
    assert token.dpop_bound and token.token_type == "DPoP" and binding(server, token.access_token) == key.thumbprint
    store = libpkce.FileTokenStore(str(tmp_path / "tokens.json"))
    libpkce.TokenSource(client, token, store=store).close()
    assert "-----BEGIN PRIVATE KEY-----" in (tmp_path / "tokens.json").read_text()
    # A restart: another client without DPoP of its own, the store's key and nonce.
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, issuer=server.issuer, token_endpoint=server.url("/token"),
                        ca_file=server.ca) as later, libpkce.TokenSource(later, store=store, subject="") as source:
        source.set_time(4102444800)  # 2100: a refresh is due
        fresh = source.access_token()
        assert fresh != token.access_token and binding(server, fresh) == key.thumbprint
        assert [entry["outcome"] for entry in seen(server) if entry["path"] == "/token"][-1] == "ok"
        source.set_time(0)
        api = server.url("/api/dpop")
        headers = source.dpop_headers("GET", api)
        assert headers["Authorization"] == "DPoP " + fresh and headers["DPoP"].count(".") == 2
        answer = requests.get(api, headers=headers, verify=server.ca, timeout=10)
        assert answer.status_code == 200 and key.thumbprint in answer.json()["notes"][0]
        # The server's nonce moves on (another answer of the authorization server): the
        # resource asks for the new one, which the next pair carries.
        rotate_nonce(server)
        refused = requests.get(api, headers=source.dpop_headers("GET", api), verify=server.ca, timeout=10)
        assert refused.status_code == 401 and 'error="use_dpop_nonce"' in refused.headers["WWW-Authenticate"]
        again = source.dpop_headers("GET", api, nonce=refused.headers["DPoP-Nonce"])
        assert requests.get(api, headers=again, verify=server.ca, timeout=10).status_code == 200
        # fetch presents the bound token with a proof by itself, and answers a nonce request once.
        rotate_nonce(server)
        assert source.fetch("GET", api).status == 200
        with pytest.raises(libpkce.InvalidArgumentError):
            source.dpop_headers("GET", api, nonce="not a nonce")
    client.close()


def test_refusals(server: Server) -> None:
    mode(server, nonce="endless")
    with pytest.raises(libpkce.DPoPNonceError):
        signed_in(server, dpop="EdDSA")
    assert [entry["outcome"].split(":")[0] for entry in seen(server)] == ["use_dpop_nonce", "use_dpop_nonce"]
    mode(server, downgrade=True)
    client, token = signed_in(server, dpop=True)
    assert not token.dpop_bound
    with libpkce.TokenSource(client, token) as source, pytest.raises(libpkce.DPoPNotBoundError):
        source.dpop_headers("GET", server.url("/api/dpop"))
    client.close()
    with pytest.raises(libpkce.DPoPNotBoundError):
        signed_in(server, dpop=True, dpop_require_bound=True)
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.Client(CLIENT_ID, REDIRECT_URI, dpop_jkt=True)


def test_discovery_chooses_and_a_given_key(server: Server) -> None:
    mode(server, algs=["PS256", "EdDSA"])
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, dpop=True) as client:
        key = client.dpop_key
        assert key is not None and key.alg == "EdDSA"
    mode(server)
    mine = libpkce.DPoPKey("RS256")
    client, token = signed_in(server, dpop=mine, dpop_jkt=True)
    with client:
        assert token.dpop_bound and binding(server, token.access_token) == mine.thumbprint
        assert client.userinfo(token)["sub"]


def test_the_device_grant_gets_bound_tokens(server: Server) -> None:
    # Each poll of the token endpoint carries a proof; the nonce the first poll is
    # refused for is the one every later poll sends.
    mode(server, nonce="rotate")
    with libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca, dpop="ES256") as client:
        def approve(device: libpkce.DeviceAuthorization) -> None:
            requests.post(server.url("/device/approve"), data={"user_code": device.user_code}, verify=server.ca,
                          timeout=10).raise_for_status()
        token = client.sign_in_device(approve)
        key = client.dpop_key
        assert key is not None and token.dpop_bound and binding(server, token.access_token) == key.thumbprint
    outcomes = [entry["outcome"].split(":")[0] for entry in seen(server) if entry["path"] == "/token"]
    assert outcomes[0] == "use_dpop_nonce" and outcomes[1:] == ["ok"] * (len(outcomes) - 1)
