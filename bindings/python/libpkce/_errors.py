"""One exception hierarchy, rooted at PKCEError, mapped from pkce_status.

Messages are the library's; they never contain a secret.
"""

from __future__ import annotations

import ctypes
import enum
from typing import Any, Dict, Optional, Type

from ._native import handle_t, lib, text


class Status(enum.IntEnum):
    """``pkce_status`` of pkce.h, name for name (without the ``PKCE_ERR_`` prefix) and number
    for number; `make test` fails when the two differ."""

    OK = 0
    INVALID_ARGUMENT = 1
    BUFFER_TOO_SMALL = 2
    OUT_OF_MEMORY = 3
    NOT_CONFIGURED = 4
    NOT_FOUND = 5
    VERIFIER_LENGTH = 10
    VERIFIER_CHARSET = 11
    METHOD_UNSUPPORTED = 12
    RANDOM = 13
    LENGTH = 14
    URL_INVALID = 20
    URL_INSECURE = 21
    PARAMETER_RESERVED = 22
    CALLBACK_INVALID = 30
    CALLBACK_DUPLICATE = 31
    ISSUER_MISSING = 32
    ISSUER_MISMATCH = 33
    STATE_MISMATCH = 34
    CODE_MISSING = 35
    ATTEMPT_USED = 36
    OAUTH = 40
    HTTP_STATUS = 41
    RESPONSE_MALFORMED = 42
    RESPONSE_INVALID = 43
    RESPONSE_TOO_LARGE = 44
    CONNECT = 50
    TLS = 51
    TIMEOUT = 52
    REDIRECT = 53
    TRANSPORT = 54
    DISCOVERY = 55
    S256_UNSUPPORTED = 56
    ID_TOKEN_MALFORMED = 60
    ID_TOKEN_ALGORITHM = 61
    ID_TOKEN_KEY_NOT_FOUND = 62
    ID_TOKEN_SIGNATURE = 63
    ID_TOKEN_CLAIM = 64
    ID_TOKEN_EXPIRED = 65
    ID_TOKEN_NONCE = 66
    JWKS_INVALID = 67
    ID_TOKEN_MISSING = 68
    JWKS_UNKNOWN = 69
    PORT_IN_USE = 70
    SIGN_IN_TIMEOUT = 71
    CANCELLED = 72
    BROWSER = 73
    LISTENER = 74
    AUTHORIZATION_PENDING = 75
    SLOW_DOWN = 76
    ACCESS_DENIED = 77
    DEVICE_EXPIRED = 78
    SIGN_IN_RACED = 79
    STORE = 80
    TOKEN_EXPIRED = 81
    KEYRING_UNAVAILABLE = 82
    KEYRING_TIMEOUT = 83
    KEYRING_LOCKED = 84
    CHALLENGE_MALFORMED = 90
    RESOURCE_MISMATCH = 91
    REGISTRATION = 92
    PKCE_NOT_ADVERTISED = 93
    INSUFFICIENT_SCOPE = 94
    DPOP_KEY = 100
    DPOP_NONCE = 101
    DPOP_NOT_BOUND = 102


class PKCEError(Exception):
    """Any libpkce failure.

    ``code`` is the C library's pkce_status (a :class:`Status`), ``status`` the
    HTTP status of the server's answer (0 when there was none), ``message``
    the library's sentence, which never holds a secret. When the failure came
    with a server's answer, ``body`` is that answer as received, ``raw`` its
    JSON object (as for :class:`Token`; WorkOS's ``pending_authentication_token``
    is ``error.raw["pending_authentication_token"]``) and ``request_id`` the
    server's X-Request-ID. The body may hold secrets: it is left out of the repr.
    """

    def __init__(self, code: int, message: str, status: int = 0, body: Optional[bytes] = None,
                 request_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.body = body
        self.request_id = request_id

    @property
    def raw(self) -> Optional[Dict[str, Any]]:
        """The answer's JSON object; None without an answer or when the body is not one."""
        if not self.body:
            return None
        import json
        try:
            value = json.loads(self.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, status={self.status})"


class InvalidArgumentError(PKCEError, ValueError):
    """A value the library refuses: bad verifier, insecure URL, reserved parameter, ..."""


class NotConfiguredError(PKCEError):
    """The client lacks a setting the call needs (an endpoint)."""


class CallbackError(PKCEError):
    """The redirect back is malformed, repeats a parameter, or has no code."""


class StateMismatchError(CallbackError):
    """The callback's state is missing or is not this attempt's: possible CSRF."""


class IssuerMismatchError(CallbackError):
    """The callback's iss names another server (RFC 9207): possible mix-up."""


class IssuerMissingError(CallbackError):
    """The callback has no iss although the client requires one (RFC 9207)."""


class OAuthError(PKCEError):
    """The authorization server answered with an OAuth error (RFC 6749 4.1.2.1, 5.2)."""

    def __init__(self, code: int, message: str, status: int, error: str, description: Optional[str],
                 uri: Optional[str], body: Optional[bytes] = None, request_id: Optional[str] = None) -> None:
        super().__init__(code, message, status, body, request_id)
        self.error = error
        self.description = description
        self.uri = uri

    def __str__(self) -> str:
        """As Authlib words it: ``invalid_grant: Invalid 'code' in request.``"""
        return self.error if self.description is None else f"{self.error}: {self.description}"


class ResponseError(PKCEError):
    """An answer that is not a usable token response: HTTP status, malformed, too large."""


class TransportError(PKCEError):
    """The HTTPS transfer failed: connection, redirect, other libcurl errors."""


class TLSError(TransportError):
    """TLS failed: untrusted certificate, wrong host name, handshake."""


class TransportTimeoutError(TransportError, TimeoutError):
    """The connect or total timeout ran out."""


class DiscoveryError(PKCEError):
    """Server metadata missing, for another issuer, or unusable."""


class S256UnsupportedError(DiscoveryError):
    """The server does not list S256 among its code challenge methods."""


class IDTokenError(PKCEError):
    """An OpenID Connect ID token that cannot be trusted (statuses 60-69). The
    message says which check failed; the token's claims are never used."""


class IDTokenMalformedError(IDTokenError):
    """Not a JWS compact serialization, bad base64url or JSON, too long."""


class IDTokenAlgorithmError(IDTokenError):
    """alg none, HS*, an algorithm not allowed, or one the key cannot do."""


class IDTokenKeyNotFoundError(IDTokenError):
    """No key in the JWKS (after one refetch) for the token's kid and algorithm."""


class IDTokenSignatureError(IDTokenError):
    """The signature does not verify."""


class IDTokenClaimError(IDTokenError):
    """iss, aud, azp, iat, nbf, sub, auth_time or at_hash is wrong (the message says which)."""


class IDTokenExpiredError(IDTokenError):
    """exp has passed, beyond the clock skew allowed."""


class IDTokenNonceError(IDTokenError):
    """The nonce is absent or not this attempt's."""


class IDTokenMissingError(IDTokenError):
    """The scope has openid but the server sent no ID token."""


class JWKSError(IDTokenError):
    """The JWKS is malformed, too large, or holds an unusable key."""


class JWKSUnknownError(IDTokenError):
    """No keys to verify with: neither a jwks_uri nor keys given."""


class SignInError(PKCEError):
    """The native-app sign-in could not finish: listener, browser, waiting (statuses 70-79)."""


class PortInUseError(SignInError):
    """Every port the loopback listener may use is taken."""


class SignInTimeoutError(SignInError, TimeoutError):
    """No redirect reached the listener in time."""


class CancelledError(SignInError):
    """Another thread cancelled the wait."""


class BrowserError(SignInError):
    """The browser program could not be started."""


class ListenerError(SignInError):
    """The loopback socket could not be set up (for another reason than a port in use)."""


class SignInRacedError(SignInError):
    """The listener's one-time start URL was requested twice: another program
    raced the browser to it, and the sign-in was ended."""


class DeviceError(SignInError):
    """The device authorization grant ended without a token."""


class AuthorizationPendingError(DeviceError):
    """Not approved yet: poll again (sans-I/O polling only)."""


class SlowDownError(DeviceError):
    """Poll again, 5 seconds more apart (sans-I/O polling only)."""


class AccessDeniedError(DeviceError):
    """The user refused the device authorization."""


class StoreError(PKCEError, OSError):
    """The token store could not be read or written: the message says which file and why."""


class TokenExpiredError(PKCEError):
    """The access token expired and there is no refresh token: sign in again."""


class KeyringUnavailableError(StoreError):
    """No Secret Service can be reached: no session bus, no keyring service on it, or no libsecret."""


class KeyringTimeoutError(StoreError, TimeoutError):
    """The Secret Service did not answer within the store's timeout."""


class KeyringLockedError(StoreError):
    """The tokens are in a locked keyring, and no prompt unlocked it (no display, or dismissed)."""


class ResourceError(PKCEError):
    """Signing in to a protected resource failed (statuses 90-94)."""


class ChallengeMalformedError(ResourceError):
    """A WWW-Authenticate header breaks RFC 9110's grammar."""


class ResourceMismatchError(ResourceError):
    """Resource metadata, or a stored token, is for another resource than the one asked for."""


class RegistrationError(ResourceError):
    """The client could not be registered: no client id, no metadata document taken, no registration endpoint."""


class PKCENotAdvertisedError(ResourceError):
    """MCP profile: the server's metadata lacks code_challenge_methods_supported."""


class InsufficientScopeError(ResourceError):
    """The resource still wants more scope after the step-ups allowed."""


class DPoPError(PKCEError):
    """DPoP (RFC 9449) failed (statuses 100-102)."""


class DPoPKeyError(DPoPError):
    """A DPoP key cannot be made or read: not unencrypted PEM of P-256, Ed25519 or RSA 2048..8192."""


class DPoPNonceError(DPoPError):
    """The server asked for a new DPoP nonce again right after one was sent, or without giving one."""


class DPoPNotBoundError(DPoPError):
    """Bound tokens were required, but the server answered token_type Bearer."""


class DeviceExpiredError(DeviceError, TimeoutError):
    """The device code expired before it was approved."""


_BY_STATUS: Dict[int, Type[PKCEError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError, Status.BUFFER_TOO_SMALL: InvalidArgumentError,
    Status.NOT_CONFIGURED: NotConfiguredError, Status.VERIFIER_LENGTH: InvalidArgumentError,
    Status.VERIFIER_CHARSET: InvalidArgumentError, Status.METHOD_UNSUPPORTED: InvalidArgumentError,
    Status.LENGTH: InvalidArgumentError, Status.URL_INVALID: InvalidArgumentError,
    Status.URL_INSECURE: InvalidArgumentError, Status.PARAMETER_RESERVED: InvalidArgumentError,
    Status.CALLBACK_INVALID: CallbackError, Status.CALLBACK_DUPLICATE: CallbackError,
    Status.ISSUER_MISSING: IssuerMissingError, Status.ISSUER_MISMATCH: IssuerMismatchError,
    Status.STATE_MISMATCH: StateMismatchError, Status.CODE_MISSING: CallbackError, Status.ATTEMPT_USED: CallbackError,
    Status.HTTP_STATUS: ResponseError, Status.RESPONSE_MALFORMED: ResponseError, Status.RESPONSE_INVALID: ResponseError,
    Status.RESPONSE_TOO_LARGE: ResponseError, Status.CONNECT: TransportError, Status.TLS: TLSError,
    Status.TIMEOUT: TransportTimeoutError, Status.REDIRECT: TransportError, Status.TRANSPORT: TransportError,
    Status.DISCOVERY: DiscoveryError, Status.S256_UNSUPPORTED: S256UnsupportedError,
    Status.ID_TOKEN_MALFORMED: IDTokenMalformedError, Status.ID_TOKEN_ALGORITHM: IDTokenAlgorithmError,
    Status.ID_TOKEN_KEY_NOT_FOUND: IDTokenKeyNotFoundError, Status.ID_TOKEN_SIGNATURE: IDTokenSignatureError,
    Status.ID_TOKEN_CLAIM: IDTokenClaimError, Status.ID_TOKEN_EXPIRED: IDTokenExpiredError,
    Status.ID_TOKEN_NONCE: IDTokenNonceError, Status.JWKS_INVALID: JWKSError,
    Status.ID_TOKEN_MISSING: IDTokenMissingError, Status.JWKS_UNKNOWN: JWKSUnknownError,
    Status.PORT_IN_USE: PortInUseError, Status.SIGN_IN_TIMEOUT: SignInTimeoutError, Status.CANCELLED: CancelledError,
    Status.BROWSER: BrowserError, Status.LISTENER: ListenerError, Status.SIGN_IN_RACED: SignInRacedError,
    Status.AUTHORIZATION_PENDING: AuthorizationPendingError, Status.SLOW_DOWN: SlowDownError,
    Status.ACCESS_DENIED: AccessDeniedError, Status.DEVICE_EXPIRED: DeviceExpiredError,
    Status.STORE: StoreError, Status.TOKEN_EXPIRED: TokenExpiredError,
    Status.KEYRING_UNAVAILABLE: KeyringUnavailableError, Status.KEYRING_TIMEOUT: KeyringTimeoutError,
    Status.KEYRING_LOCKED: KeyringLockedError,
    Status.CHALLENGE_MALFORMED: ChallengeMalformedError, Status.RESOURCE_MISMATCH: ResourceMismatchError,
    Status.REGISTRATION: RegistrationError, Status.PKCE_NOT_ADVERTISED: PKCENotAdvertisedError,
    Status.INSUFFICIENT_SCOPE: InsufficientScopeError,
    Status.DPOP_KEY: DPoPKeyError, Status.DPOP_NONCE: DPoPNonceError, Status.DPOP_NOT_BOUND: DPoPNotBoundError,
}


def raise_for(status: int, error: Optional[handle_t] = None, what: Optional[str] = None) -> None:
    """Raises the exception for a non-zero status, using and freeing a pkce_error if given;
    ``what`` names the argument the call was about, at the head of the message."""
    if status == Status.OK:
        return
    message = text(lib.pkce_strerror(status)) or "unknown status"
    http_status = 0
    oauth_error: Optional[str] = None
    description = uri = request_id = None
    body: Optional[bytes] = None
    if error is not None and error.value:
        message = text(lib.pkce_error_message(error)) or message
        http_status = lib.pkce_error_http_status(error)
        oauth_error = text(lib.pkce_error_oauth_error(error))
        description = text(lib.pkce_error_description(error))
        uri = text(lib.pkce_error_uri(error))
        request_id = text(lib.pkce_error_request_id(error))
        length = ctypes.c_size_t()
        data = lib.pkce_error_body(error, ctypes.byref(length))
        body = None if data is None else ctypes.string_at(data, length.value)
        lib.pkce_error_free(error)
    if what is not None:
        message = f"{what}: {message}"
    if status == Status.OAUTH and oauth_error is not None:
        raise OAuthError(status, message, http_status, oauth_error, description, uri, body, request_id)
    raise _BY_STATUS.get(status, PKCEError)(status, message, http_status, body, request_id)


def error_slot() -> handle_t:
    """A fresh ``pkce_error *`` out-parameter."""
    return handle_t()


__all__ = [
    "Status", "PKCEError", "InvalidArgumentError", "NotConfiguredError", "CallbackError", "StateMismatchError",
    "IssuerMismatchError", "IssuerMissingError", "OAuthError", "ResponseError", "TransportError", "TLSError",
    "TransportTimeoutError", "DiscoveryError", "S256UnsupportedError", "IDTokenError", "IDTokenMalformedError",
    "IDTokenAlgorithmError", "IDTokenKeyNotFoundError", "IDTokenSignatureError", "IDTokenClaimError",
    "IDTokenExpiredError", "IDTokenNonceError", "IDTokenMissingError", "JWKSError", "JWKSUnknownError",
    "StoreError", "TokenExpiredError", "ResourceError", "ChallengeMalformedError", "ResourceMismatchError",
    "RegistrationError", "PKCENotAdvertisedError", "InsufficientScopeError", "KeyringUnavailableError",
    "KeyringTimeoutError", "raise_for", "error_slot",
]
