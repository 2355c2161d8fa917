"""OpenID Connect from Python against the Authlib server: real ID tokens,
crafted ones for the refusals, UserInfo, refresh."""

from typing import Any, Dict, Tuple, Type

import pytest
import requests

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server


def oidc_client(server: Server, **options: Any) -> libpkce.Client:
    return libpkce.Client.discover(server.issuer, CLIENT_ID, REDIRECT_URI, ca_file=server.ca,
                                   scope="openid email", **options)


def sign_in(server: Server, client: libpkce.Client) -> libpkce.Token:
    with client.start() as attempt:
        attempt.handle_callback(server.browse(attempt.authorization_url))
        return client.exchange(attempt)


def sign_with(server: Server, alg: str) -> None:
    requests.post(server.url("/_oidc/sign-with"), data={"alg": alg}, verify=server.ca, timeout=10).raise_for_status()


def crafted(server: Server, case: str, nonce: str = "") -> Tuple[str, str]:
    answer = requests.get(server.url("/_oidc/craft"), params={"case": case, "nonce": nonce}, verify=server.ca,
                          timeout=10).json()
    return answer["id_token"], answer["access_token"]


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_sign_in_verifies_the_id_token(server: Server, alg: str) -> None:
    sign_with(server, alg)
    try:
        with oidc_client(server) as client:
            token = sign_in(server, client)
    finally:
        sign_with(server, "RS256")
    assert token.claims is not None
    assert token.subject == "user_01TEST" and token.claims["email"] == "ada@example.com"
    assert token.claims["aud"] == [CLIENT_ID] and token.claims["iss"] == server.issuer
    assert token.claims["email_verified"] is True


def test_userinfo_and_refresh(server: Server) -> None:
    with oidc_client(server) as client:
        token = sign_in(server, client)
        info = client.userinfo(token)
        assert info["sub"] == token.subject and info["email"] == "ada@example.com"
        fresh = client.refresh(token)  # the same user is required of the new ID token
        assert fresh.claims is not None and fresh.subject == token.subject
        with pytest.raises(libpkce.IDTokenClaimError, match="sub"):
            client.refresh(fresh, subject="user_02OTHER")
    # Configured by hand this time, with a UserInfo endpoint that answers about someone else.
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, authorization_endpoint=server.url("/authorize"),
                        token_endpoint=server.url("/token"), issuer=server.issuer, jwks_uri=server.url("/jwks"),
                        userinfo_endpoint=server.url("/userinfo?as=user_02OTHER"), scope="openid email",
                        ca_file=server.ca) as client:
        token = sign_in(server, client)
        with pytest.raises(libpkce.IDTokenClaimError) as info_error:
            client.userinfo(token)
        assert info_error.value.code == libpkce.Status.ID_TOKEN_CLAIM


REFUSALS: Dict[str, Type[libpkce.IDTokenError]] = {
    "bad-signature": libpkce.IDTokenSignatureError,
    "alg-none": libpkce.IDTokenAlgorithmError,
    "hs256-with-public-key": libpkce.IDTokenAlgorithmError,
    "unknown-kid": libpkce.IDTokenKeyNotFoundError,
    "wrong-iss": libpkce.IDTokenClaimError,
    "wrong-aud": libpkce.IDTokenClaimError,
    "several-aud": libpkce.IDTokenClaimError,
    "expired": libpkce.IDTokenExpiredError,
    "future-iat": libpkce.IDTokenClaimError,
    "wrong-nonce": libpkce.IDTokenNonceError,
    "no-nonce": libpkce.IDTokenNonceError,
    "bad-at-hash": libpkce.IDTokenClaimError,
    "malformed-base64": libpkce.IDTokenMalformedError,
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_crafted_tokens_are_refused(server: Server, case: str) -> None:
    jwks = requests.get(server.url("/jwks"), verify=server.ca, timeout=10).json()
    with oidc_client(server) as client, client.restore(libpkce.generate_verifier(), "s", "n-py") as attempt:
        id_token, access_token = crafted(server, case, "n-py")
        with pytest.raises(REFUSALS[case]) as info:
            client.verify_id_token(id_token, jwks=jwks, attempt=attempt, access_token=access_token)
        assert isinstance(info.value, libpkce.IDTokenError)
        good, access_token = crafted(server, "good-at-hash", "n-py")
        claims = client.verify_id_token(good, jwks=jwks, attempt=attempt, access_token=access_token)
        assert claims["sub"] == "user_01TEST" and claims["nonce"] == "n-py"


def test_keys_given_and_missing(server: Server) -> None:
    jwks = requests.get(server.url("/jwks"), verify=server.ca, timeout=10).content
    good, _ = crafted(server, "good")
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, issuer=server.issuer) as client:
        with pytest.raises(libpkce.JWKSUnknownError):
            client.verify_id_token(good)
        client.set_jwks(jwks)
        assert client.verify_id_token(good)["sub"] == "user_01TEST"
        with pytest.raises(libpkce.JWKSError):
            client.set_jwks(b'{"keys": 1}')
        with pytest.raises(libpkce.InvalidArgumentError):
            libpkce.Client(CLIENT_ID, REDIRECT_URI, id_token_algorithms=["HS256"])
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, issuer=server.issuer, jwks=jwks,
                        id_token_algorithms=["ES256"]) as client:
        with pytest.raises(libpkce.IDTokenAlgorithmError):
            client.verify_id_token(good)
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, issuer=server.issuer, jwks=jwks, time=1_000_000_000) as client:
        with pytest.raises(libpkce.IDTokenClaimError, match="iat"):  # a clock far in the past
            client.verify_id_token(good)
