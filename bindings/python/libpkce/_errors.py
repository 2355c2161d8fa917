"""One exception hierarchy, rooted at PKCEError, mapped from pkce_status.

Messages are the library's; they never contain a secret.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from ._native import handle_t, lib, text


class PKCEError(Exception):
    """Any libpkce failure.

    ``code`` is the C library's pkce_status number (see pkce.h), ``status`` the
    HTTP status of the server's answer (0 when there was none), ``message``
    the library's sentence, which never holds a secret.
    """

    def __init__(self, code: int, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class InvalidArgumentError(PKCEError, ValueError):
    """A value the library refuses: bad verifier, insecure URL, reserved parameter, ..."""


class NotConfiguredError(PKCEError):
    """The client lacks a setting the call needs (an endpoint)."""


class CallbackError(PKCEError):
    """The redirect back is malformed, repeats a parameter, or has no code."""


class StateMismatchError(CallbackError):
    """The callback's state is missing or is not this attempt's: possible CSRF."""


class IssuerMismatchError(CallbackError):
    """The callback's iss is missing or names another server (RFC 9207)."""


class OAuthError(PKCEError):
    """The authorization server answered with an OAuth error (RFC 6749 4.1.2.1, 5.2)."""

    def __init__(self, code: int, message: str, status: int, error: str,
                 description: Optional[str], uri: Optional[str]) -> None:
        super().__init__(code, message, status)
        self.error = error
        self.description = description
        self.uri = uri


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


_BY_STATUS: Dict[int, Type[PKCEError]] = {
    1: InvalidArgumentError, 2: InvalidArgumentError, 4: NotConfiguredError, 10: InvalidArgumentError,
    11: InvalidArgumentError, 12: InvalidArgumentError, 14: InvalidArgumentError, 20: InvalidArgumentError,
    21: InvalidArgumentError, 22: InvalidArgumentError, 30: CallbackError, 31: CallbackError,
    32: IssuerMismatchError, 33: IssuerMismatchError, 34: StateMismatchError, 35: CallbackError,
    36: CallbackError, 41: ResponseError, 42: ResponseError, 43: ResponseError, 44: ResponseError,
    50: TransportError, 51: TLSError, 52: TransportTimeoutError, 53: TransportError, 54: TransportError,
    55: DiscoveryError, 56: S256UnsupportedError,
}


def raise_for(status: int, error: Optional[handle_t] = None) -> None:
    """Raises the exception for a non-zero status, using and freeing a pkce_error if given."""
    if status == 0:
        return
    message = text(lib.pkce_strerror(status)) or "unknown status"
    http_status = 0
    oauth_error: Optional[str] = None
    description = uri = None
    if error is not None and error.value:
        message = text(lib.pkce_error_message(error)) or message
        http_status = lib.pkce_error_http_status(error)
        oauth_error = text(lib.pkce_error_oauth_error(error))
        description = text(lib.pkce_error_description(error))
        uri = text(lib.pkce_error_uri(error))
        lib.pkce_error_free(error)
    if status == 40 and oauth_error is not None:
        raise OAuthError(status, message, http_status, oauth_error, description, uri)
    raise _BY_STATUS.get(status, PKCEError)(status, message, http_status)


def error_slot() -> handle_t:
    """A fresh ``pkce_error *`` out-parameter."""
    return handle_t()


__all__ = [
    "PKCEError", "InvalidArgumentError", "NotConfiguredError", "CallbackError", "StateMismatchError",
    "IssuerMismatchError", "OAuthError", "ResponseError", "TransportError", "TLSError",
    "TransportTimeoutError", "DiscoveryError", "S256UnsupportedError", "raise_for", "error_slot",
]
