"""Types a user's type checker sees; `make test-python` runs mypy --strict on
this file, and pytest runs it (assert_type does nothing at run time)."""

from typing import Optional, assert_type

import libpkce


def test_with_keeps_the_types() -> None:
    with libpkce.Client("client", "http://127.0.0.1/callback", authorization_endpoint="https://as.example/a") as client:
        assert_type(client, libpkce.Client)
        with client.start() as attempt:
            assert_type(attempt, libpkce.AuthorizationAttempt)
            assert_type(attempt.state, str)


def test_dpop_keys_and_headers() -> None:
    with libpkce.DPoPKey("EdDSA") as key, libpkce.Client("client", "http://127.0.0.1/callback", dpop=key) as client:
        assert_type(key.thumbprint, str)
        assert_type(key.headers("token", "GET", "https://rs.example/"), dict[str, str])
        assert_type(client.dpop_key, Optional[libpkce.DPoPKey])
        found = client.dpop_key
        assert found is not None and found.thumbprint == key.thumbprint and found.alg == "EdDSA"


def test_errors_carry_typed_answers() -> None:
    try:
        libpkce.Token.parse(403, b'{"code":"email_verification_required","message":"Verify.","email":"a@example.com"}')
    except libpkce.OAuthError as error:
        assert_type(error.body, Optional[bytes])
        assert_type(error.request_id, Optional[str])
        assert error.raw is not None and error.raw["email"] == "a@example.com"
        assert (error.error, error.description, str(error)) == ("email_verification_required", "Verify.",
                                                                 "email_verification_required: Verify.")
    else:
        raise AssertionError("a 403 is an error")
