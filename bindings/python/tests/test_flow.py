"""The flow without a network: URLs, callbacks, requests and token parsing."""

import urllib.parse

import pytest

import libpkce
from conftest import REDIRECT_URI

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def client(**options: object) -> libpkce.Client:
    return libpkce.Client("my app", REDIRECT_URI, authorization_endpoint="https://as.example/authorize?x=1",
                          token_endpoint="https://as.example/token", **options)  # type: ignore[arg-type]


def test_authorization_url() -> None:
    with client(scope="openid email") as c:
        attempt = c.restore(RFC_VERIFIER, "xyz", "n1")
        attempt.add_parameter("login_hint", "ada+1@example.com")
        assert attempt.authorization_url == (
            "https://as.example/authorize?x=1&response_type=code&client_id=my%20app"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&scope=openid%20email&state=xyz&nonce=n1"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
            "&login_hint=ada%2B1%40example.com")
        fresh = c.start(organization_id="org_1", provider="authkit")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(fresh.authorization_url).query)
        assert query["organization_id"] == ["org_1"] and query["provider"] == ["authkit"]
        assert query["state"] == [fresh.state] and query["nonce"] == [fresh.nonce]
        assert query["code_challenge"] == [libpkce.challenge(fresh.verifier)]
        with pytest.raises(libpkce.InvalidArgumentError) as info:
            fresh.add_parameter("code_challenge_method", "plain")
        assert info.value.code == 22


@pytest.mark.parametrize("kwargs,error", [
    ({"authorization_endpoint": "http://as.example/a"}, libpkce.InvalidArgumentError),
    ({"token_endpoint": "https://as.example/t#frag"}, libpkce.InvalidArgumentError),
    ({"issuer": ""}, libpkce.InvalidArgumentError),
    ({"max_idle_connections": -1}, libpkce.InvalidArgumentError),
])
def test_bad_configuration(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        libpkce.Client("id", REDIRECT_URI, **kwargs)


def test_bad_redirect_uri_and_client_id() -> None:
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.Client("id", "http://example.com/cb")
    with pytest.raises(libpkce.InvalidArgumentError):
        libpkce.Client("", REDIRECT_URI)


@pytest.mark.parametrize("callback,error", [
    ("?code=c&state=bad", libpkce.StateMismatchError),
    ("?code=c", libpkce.StateMismatchError),
    ("?code=c&code=d&state=xyz", libpkce.CallbackError),
    ("?state=xyz", libpkce.CallbackError),
    ("no query at all", libpkce.CallbackError),
    ("?code=%zz&state=xyz", libpkce.CallbackError),
])
def test_callback_errors(callback: str, error: type) -> None:
    with client() as c, c.restore(RFC_VERIFIER, "xyz") as attempt:
        with pytest.raises(error):
            attempt.handle_callback(callback)


def test_callback_oauth_error_and_issuer() -> None:
    with client() as c, c.restore(RFC_VERIFIER, "xyz") as attempt:
        with pytest.raises(libpkce.OAuthError) as info:
            attempt.handle_callback("?error=access_denied&error_description=No+thanks&state=xyz")
        assert (info.value.error, info.value.description, info.value.status) == ("access_denied", "No thanks", 0)
    # Microsoft Entra's denials carry CR LF in error_description: reported, on one line.
    with client() as c, c.restore(RFC_VERIFIER, "xyz") as attempt:
        with pytest.raises(libpkce.OAuthError) as entra:
            attempt.handle_callback("?error=access_denied&error_description=AADSTS65004%3A+declined.%0D%0ATrace+ID%3A+1"
                                    "&state=xyz")
        assert entra.value.description == "AADSTS65004: declined. Trace ID: 1"
    with client(issuer="https://as.example") as c, c.restore(RFC_VERIFIER, "xyz") as attempt:
        with pytest.raises(libpkce.IssuerMissingError):
            attempt.handle_callback("?code=c&state=xyz")
        with pytest.raises(libpkce.IssuerMismatchError):
            attempt.handle_callback("?code=c&state=xyz&iss=https%3A%2F%2Fevil.example")
        attempt.handle_callback("?code=c&state=xyz&iss=https%3A%2F%2Fas.example")


def test_token_request_and_refresh_request() -> None:
    with client() as c, c.restore(RFC_VERIFIER, "xyz") as attempt:
        with pytest.raises(libpkce.CallbackError):
            attempt.token_request()
        attempt.handle_callback(REDIRECT_URI + "?code=a%2Bb&state=xyz")
        request = attempt.token_request()
        assert request.method == "POST" and request.url == "https://as.example/token"
        assert request.headers == [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        assert urllib.parse.parse_qs(request.body.decode()) == {
            "grant_type": ["authorization_code"], "code": ["a+b"], "redirect_uri": [REDIRECT_URI],
            "client_id": ["my app"], "code_verifier": [RFC_VERIFIER]}
        assert "body" not in repr(request)
        refresh = c.refresh_request("r1", scope="a b")
        assert refresh.body == b"grant_type=refresh_token&refresh_token=r1&client_id=my+app&scope=a+b"
        with pytest.raises(libpkce.NotConfiguredError):
            c.revocation_request("t")


def test_token_parse() -> None:
    token = libpkce.Token.parse(200, b'{"access_token":"SECRET-AT","token_type":"bearer","expires_in":"60",'
                                     b'"refresh_token":"SECRET-RT","user":{"id":"u1"},"organization_id":"org_1"}')
    assert (token.access_token, token.token_type, token.expires_in, token.refresh_token) == \
        ("SECRET-AT", "bearer", 60, "SECRET-RT")
    assert token.expires_at is not None and token.raw["user"] == {"id": "u1"}
    assert "SECRET" not in repr(token)
    with pytest.raises(libpkce.OAuthError) as info:
        libpkce.Token.parse(400, b'{"error":"invalid_grant","error_description":"bad","error_uri":"https://e"}')
    assert (info.value.error, info.value.description, info.value.uri, info.value.status) == \
        ("invalid_grant", "bad", "https://e", 400)
    with pytest.raises(libpkce.OAuthError):
        libpkce.Token.parse(200, b'{"error":"invalid_request"}')
    for status, body in [(500, b"<html>"), (200, b"<html>"), (200, b'{"access_token":"a","access_token":"b"}'),
                         (200, b"{}"), (200, b'{"access_token":"a","expires_in":-1}'), (200, b'{"a":"\xff"}'),
                         (200, b"[" * 100 + b"]" * 100), (200, b" " * (1024 * 1024 + 1))]:
        with pytest.raises(libpkce.ResponseError):
            libpkce.Token.parse(status, body)


def test_metadata_urls() -> None:
    assert libpkce.metadata_urls("https://as.example/t1") == [
        "https://as.example/.well-known/oauth-authorization-server/t1",
        "https://as.example/t1/.well-known/openid-configuration"]


def test_closed_handles() -> None:
    c = client()
    attempt = c.start()
    attempt.close()
    attempt.close()
    with pytest.raises(libpkce.InvalidArgumentError):
        _ = attempt.state
    c.close()
    with pytest.raises(libpkce.InvalidArgumentError):
        c.start()


def test_messages_name_the_argument() -> None:
    """As a user of requests-oauthlib expects: which argument was wrong, not just "invalid argument"."""
    with pytest.raises(libpkce.InvalidArgumentError, match="^client_id is empty$"):
        libpkce.Client("", "http://127.0.0.1/cb")
    with pytest.raises(libpkce.InvalidArgumentError, match="^token_endpoint: URL is not https"):
        libpkce.Client("c", "http://127.0.0.1/cb", token_endpoint="http://evil.example/token")
    with pytest.raises(libpkce.InvalidArgumentError, match="^issuer: "):
        libpkce.Client("c", "http://127.0.0.1/cb", issuer="https://as.example/?q=1")
    with libpkce.Client("c", "http://127.0.0.1/cb", authorization_endpoint="https://as.example/a") as client:
        with pytest.raises(libpkce.InvalidArgumentError, match="^parameter 'code_verifier': "):
            client.start(code_verifier="x")
