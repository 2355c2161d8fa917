"""libpkce against the official WorkOS Python SDK, both pointed at the local
HTTPS server: the same authorization URL parameters, the same JSON body."""

import ssl
import urllib.parse

import httpx2
import pytest
import requests
from workos.public_client import create_public_client

import libpkce
from conftest import CLIENT_ID, REDIRECT_URI, Server


def test_same_url_and_same_authenticate_body(server: Server) -> None:
    ours = libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca)
    extras = {"provider": "authkit", "organization_id": "org_01TEST", "connection_id": "conn_01TEST",
              "login_hint": "ada+test@example.com", "screen_hint": "sign-up", "prompt": "login"}
    attempt = ours.start(**extras)

    sdk = create_public_client(client_id=CLIENT_ID, base_url=server.issuer,
                               http_client=httpx2.Client(verify=ssl.create_default_context(cafile=server.ca)))
    sdk_url = sdk.user_management.get_authorization_url(
        redirect_uri=REDIRECT_URI, state=attempt.state, code_challenge=attempt.challenge,
        code_challenge_method="S256", **extras)

    mine, theirs = urllib.parse.urlsplit(attempt.authorization_url), urllib.parse.urlsplit(sdk_url)
    assert (mine.scheme, mine.netloc, mine.path) == (theirs.scheme, theirs.netloc, theirs.path)
    assert urllib.parse.parse_qs(mine.query) == urllib.parse.parse_qs(theirs.query)

    callback = server.browse(attempt.authorization_url)
    attempt.handle_callback(callback)
    token = ours.exchange(attempt)
    assert token.raw["user"]["id"] == "user_01TEST" and token.raw["organization_id"] == "org_01TEST"
    assert token.access_token.startswith("wos_at_")

    # The SDK sends the same code and verifier; the server has spent the code, so it refuses,
    # but it records what the SDK sent.
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["code"][0]
    with pytest.raises(Exception):
        sdk.user_management.authenticate_with_code(code=code, code_verifier=attempt.verifier)
    recorded = requests.get(server.url("/_recorded"), verify=server.ca, timeout=10).json()["authenticate"]
    assert recorded[-2] == recorded[-1]
    assert set(recorded[-1]) == {"grant_type", "code", "client_id", "code_verifier"}
    ours.close()


def _sdk(server: Server):  # type: ignore[no-untyped-def]
    return create_public_client(client_id=CLIENT_ID, base_url=server.issuer,
                                http_client=httpx2.Client(verify=ssl.create_default_context(cafile=server.ca)))


def _code_for(server: Server, client: libpkce.Client, outcome: str) -> "tuple[libpkce.AuthorizationAttempt, str]":
    attempt = client.start(test_outcome=outcome)
    callback = server.browse(attempt.authorization_url)
    attempt.handle_callback(callback)
    return attempt, urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["code"][0]


def test_a_sign_in_that_needs_one_more_step_keeps_the_whole_answer(server: Server) -> None:
    """WorkOS's 403 email_verification_required: what the SDK's
    EmailVerificationRequiredError gives, ours gives too."""
    from workos._errors import EmailVerificationRequiredError

    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca) as ours:
        attempt, _ = _code_for(server, ours, "email_verification_required")
        with pytest.raises(libpkce.OAuthError) as info:
            ours.exchange(attempt)
        mine = info.value
        second, code = _code_for(server, ours, "email_verification_required")
    with pytest.raises(EmailVerificationRequiredError) as sdk_info:
        _sdk(server).user_management.authenticate_with_code(code=code, code_verifier=second.verifier)
    theirs = sdk_info.value

    assert (mine.status, mine.error, mine.description) == (theirs.status_code, theirs.code, str(theirs.message))
    assert mine.raw is not None and theirs.response_json is not None
    assert set(mine.raw) == set(theirs.response_json)
    assert mine.raw["email_verification_id"] == theirs.email_verification_id == "email_verification_01TEST"
    assert mine.raw["pending_authentication_token"].startswith("pat_")
    assert theirs.pending_authentication_token is not None
    assert mine.request_id is not None and mine.request_id.startswith("req_") and theirs.request_id is not None
    assert mine.request_id != theirs.request_id  # one per answer
    assert str(mine) == "email_verification_required: Email ownership must be verified before authentication."
    # The pending token is a credential: it stays out of the message and the repr.
    assert mine.raw["pending_authentication_token"] not in mine.message + repr(mine)


def test_organization_selection(server: Server) -> None:
    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca) as ours:
        attempt, _ = _code_for(server, ours, "organization_selection_required")
        with pytest.raises(libpkce.OAuthError) as info:
            ours.exchange(attempt)
    raw = info.value.raw
    assert info.value.error == "organization_selection_required" and raw is not None
    assert [o["id"] for o in raw["organizations"]] == ["org_01A", "org_01B"] and raw["user"]["id"] == "user_01TEST"


def _last_raw_bodies(server: Server, count: int) -> "list[str]":
    raw: "list[str]" = requests.get(server.url("/_recorded"), verify=server.ca, timeout=10).json()["authenticate_raw"]
    return raw[-count:]


EXTRAS = {"invitation_token": "inv_01TEST", "ip_address": "192.0.2.7", "device_id": "dev_01TEST",
          "user_agent": 'Mozilla/5.0 (X11; Linux x86_64) "quoted" \\ and é'}


def test_authenticate_extras_byte_for_byte(server: Server) -> None:
    """The authenticate request's optional fields, in the SDK's order: the same bytes on the wire."""
    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca) as ours:
        attempt, code = _code_for(server, ours, "")
        token = ours.exchange(attempt, fields=EXTRAS)
        assert token.access_token.startswith("wos_at_")
        # The SDK, with the same code and verifier (spent by now: refused, but recorded).
        with pytest.raises(Exception):
            _sdk(server).user_management.authenticate_with_code(code=code, code_verifier=attempt.verifier, **EXTRAS)
        mine, theirs = _last_raw_bodies(server, 2)
        assert mine == theirs
        assert '"ip_address":"192.0.2.7"' in mine

        # A field the library sets cannot be replaced.
        with pytest.raises(libpkce.InvalidArgumentError):
            ours.exchange(attempt, fields={"code": "other"})


def test_refresh_into_another_organization_byte_for_byte(server: Server) -> None:
    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca) as ours:
        attempt, _ = _code_for(server, ours, "")
        first = ours.exchange(attempt)
        assert first.refresh_token is not None
        switched = ours.refresh(first.refresh_token, fields={"organization_id": "org_01OTHER",
                                                             "ip_address": "192.0.2.7"})
        assert switched.raw["organization_id"] == "org_01OTHER" and switched.refresh_token != first.refresh_token
        assert switched.refresh_token is not None
        sdk = _sdk(server).user_management.authenticate_with_refresh_token(
            refresh_token=switched.refresh_token, organization_id="org_01THIRD", ip_address="192.0.2.7")
        assert sdk.organization_id == "org_01THIRD"
        # Ours again, with the token the SDK got, and the SDK's body for comparison: the same shape.
        again = ours.refresh(sdk.refresh_token, fields={"organization_id": "org_01THIRD", "ip_address": "192.0.2.7"})
        theirs, mine = _last_raw_bodies(server, 2)
        assert mine == theirs.replace(switched.refresh_token, sdk.refresh_token)
        assert again.raw["organization_id"] == "org_01THIRD"


def test_logout_url_as_the_sdk_builds_it(server: Server) -> None:
    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer) as ours:
        sdk = _sdk(server).user_management
        for return_to in (None, "https://app.example/signed-out?x=1&y=a~b", "http://127.0.0.1:8080/bye"):
            assert ours.workos_logout_url("session_01TEST", return_to) == \
                sdk.get_logout_url(session_id="session_01TEST", return_to=return_to)
        with pytest.raises(libpkce.InvalidArgumentError):
            ours.workos_logout_url("session_01TEST", "http://evil.example/")  # plain http off loopback
    with libpkce.Client(CLIENT_ID, REDIRECT_URI, authorization_endpoint="https://as.example/a") as plain:
        with pytest.raises(libpkce.NotConfiguredError):
            plain.workos_logout_url("session_01TEST")


def test_api_key_goes_in_the_body_as_the_sdk_sends_it(server: Server) -> None:
    """A server-side WorkOS client with an API key: `client_secret` in the JSON body, same bytes."""
    from workos import WorkOSClient

    api_key = "sk_test_" + "a1B2" * 8
    with libpkce.Client.workos(CLIENT_ID, REDIRECT_URI, api_base=server.issuer, ca_file=server.ca,
                               client_secret=api_key, client_auth=libpkce.ClientAuth.BASIC) as ours:
        attempt, code = _code_for(server, ours, "")
        assert ours.exchange(attempt).access_token.startswith("wos_at_")
    sdk = WorkOSClient(api_key=api_key, client_id=CLIENT_ID, base_url=server.issuer,
                       http_client=httpx2.Client(verify=ssl.create_default_context(cafile=server.ca)))
    with pytest.raises(Exception):
        sdk.user_management.authenticate_with_code(code=code, code_verifier=attempt.verifier)
    mine, theirs = _last_raw_bodies(server, 2)
    assert mine == theirs and f'"client_secret":"{api_key}"' in mine
