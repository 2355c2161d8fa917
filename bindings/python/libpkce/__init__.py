"""libpkce: OAuth 2.0 authorization-code flow with PKCE (RFC 7636) for public clients.

A Python binding (ctypes) to the C library libpkce.so.0. The PKCE work,
the URL building, the callback checks, the HTTPS exchange and the parsing
all happen in the library; this module turns its handles into objects and
its status codes into exceptions (rooted at :class:`PKCEError`).

Secrets (verifier, code, tokens) live in library memory that is wiped when
the object holding them is closed; a Python ``str`` copy you take of one is
ordinary Python memory.
"""

from __future__ import annotations

import ctypes
import enum
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union

if TYPE_CHECKING:  # imported where used: a command-line program feels every import at start-up
    import datetime
    import logging

from . import _dpop, _native
from ._errors import (AccessDeniedError, AuthorizationPendingError, BrowserError, CallbackError, CancelledError,
                      DeviceError, DeviceExpiredError, DiscoveryError, IDTokenAlgorithmError, IDTokenClaimError,
                      IDTokenError, IDTokenExpiredError, IDTokenKeyNotFoundError, IDTokenMalformedError,
                      IDTokenMissingError, IDTokenNonceError, IDTokenSignatureError, InvalidArgumentError,
                      IssuerMismatchError, IssuerMissingError, JWKSError, JWKSUnknownError, ListenerError, NotConfiguredError, OAuthError,
                      PKCEError, PortInUseError, ResponseError, S256UnsupportedError, SignInError, SignInRacedError, SignInTimeoutError,
                      SlowDownError, StateMismatchError, Status, StoreError, TLSError, TokenExpiredError,
                      TransportError, TransportTimeoutError, ResourceError, ChallengeMalformedError,
                      ResourceMismatchError, RegistrationError, PKCENotAdvertisedError, InsufficientScopeError,
                      KeyringUnavailableError, KeyringTimeoutError, KeyringLockedError, DPoPError, DPoPKeyError, DPoPNonceError,
                      DPoPNotBoundError, error_slot, raise_for)
from ._native import handle_t, lib, take_string, text
from ._values import Browser, HTTPRequest, Token, _browser, _claims, _Handle, _to_c, _to_c_opt
from ._dpop import DPoPKey
from ._logout import Logout, logout
from ._resource import HTTPResponse, Resource, challenge_param

__version__ = "0.1.0"
#: The version of the loaded C library.
library_version: str = _native.VERSION

VERIFIER_MIN_LENGTH: int = _native.VERIFIER_MIN_LENGTH
VERIFIER_MAX_LENGTH: int = _native.VERIFIER_MAX_LENGTH


class Method(enum.IntEnum):
    """``pkce_method`` of pkce.h; `make test` fails when the two differ."""

    S256 = 0
    PLAIN = 1


class Endpoint(enum.IntEnum):
    """``pkce_endpoint`` of pkce.h; `make test` fails when the two differ."""

    AUTHORIZATION = 0
    TOKEN = 1
    REVOCATION = 2
    DEVICE_AUTHORIZATION = 3
    JWKS = 4
    USERINFO = 5
    ISSUER = 6
    END_SESSION = 7
    PUSHED_AUTHORIZATION = 8


class ClientAuth(enum.IntEnum):
    """``pkce_client_auth`` of pkce.h: how a client secret is sent; `make test` fails when the two differ."""

    AUTOMATIC = 0
    BASIC = 1
    POST = 2


class LogLevel(enum.IntEnum):
    """``pkce_log_level`` of pkce.h; `make test` fails when the two differ."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    DEBUG = 4


class _Buffers(threading.local):
    """Per-thread output buffers, reused so that a pair costs one ctypes call and no allocation.

    The verifier buffer keeps the thread's latest verifier until the next one
    overwrites it; the ``str`` returned to the caller is a copy that Python
    manages, which no library can wipe.
    """

    def __init__(self) -> None:
        self.verifier = _native.OutBuffer()
        self.challenge = _native.OutBuffer()
        self.random = _native.OutBuffer()


_buffers = _Buffers()
# ctypes converts a c_size_t instance faster than an int: these are made once.
_BUFFER_SIZE = ctypes.c_size_t(ctypes.sizeof(_native.OutBuffer))
_CHALLENGE_SIZE = ctypes.c_size_t(_native.S256_CHALLENGE_LENGTH + 1)
_LENGTHS = {n: ctypes.c_size_t(n) for n in range(VERIFIER_MIN_LENGTH, VERIFIER_MAX_LENGTH + 1)}


def generate_verifier(length: int = 43) -> str:
    """A fresh code verifier of ``length`` (43..128) characters from OpenSSL's CSPRNG."""
    buf = _buffers.verifier
    raise_for(lib.pkce_verifier_generate(length, buf, len(buf)))
    return buf.value.decode("ascii")


def check_verifier(verifier: str) -> None:
    """Raises InvalidArgumentError unless verifier is 43..128 characters of [A-Za-z0-9-._~]."""
    raise_for(lib.pkce_verifier_check(_to_c(verifier, "verifier")))


def challenge(verifier: str, method: str = "S256") -> str:
    """The code challenge of ``verifier``: S256 unless ``method="plain"`` is asked for by name."""
    by_name = {"S256": Method.S256, "plain": Method.PLAIN}.get(method)
    if by_name is None:
        raise InvalidArgumentError(Status.METHOD_UNSUPPORTED, f"unsupported code challenge method {method!r}")
    buf = _buffers.challenge
    raise_for(lib.pkce_challenge_derive(_to_c(verifier, "verifier"), by_name, buf, len(buf)))
    return buf.value.decode("ascii")


def generate_pair(length: int = 43) -> Tuple[str, str]:
    """A fresh ``(verifier, S256 challenge)`` pair, in one call into the library."""
    size = _LENGTHS.get(length)
    if size is None:
        raise InvalidArgumentError(Status.VERIFIER_LENGTH, f"code verifier must be {VERIFIER_MIN_LENGTH} to "
                                   f"{VERIFIER_MAX_LENGTH} characters, not {length!r}")
    b = _buffers
    status = lib.pkce_pair_generate(size, b.verifier, _BUFFER_SIZE, b.challenge, _CHALLENGE_SIZE)
    if status:
        raise_for(status)
    return b.verifier.value.decode("ascii"), b.challenge.value.decode("ascii")


def random_string(length: int = 43) -> str:
    """``length`` (22..128) random base64url characters, for state, nonce or similar."""
    buf = _buffers.random
    raise_for(lib.pkce_random_string(length, buf, len(buf)))
    return buf.value.decode("ascii")


def state_matches(expected: str, received: str) -> bool:
    """Compares two state values in constant time."""
    status = lib.pkce_state_check(_to_c(expected), _to_c(received))
    if status not in (Status.OK, Status.STATE_MISMATCH):
        raise_for(status)
    return bool(status == Status.OK)


def _jwks_bytes(jwks: Union[str, bytes, Dict[str, Any]]) -> bytes:
    if isinstance(jwks, dict):
        import json
        return json.dumps(jwks).encode()
    return jwks.encode() if isinstance(jwks, str) else bytes(jwks)


class AuthorizationAttempt(_Handle):
    """One sign-in: verifier, S256 challenge, state (and nonce for ``openid`` scopes).

    Make one with :meth:`Client.start`. Not for use from two threads at once.
    """

    _free = lib.pkce_attempt_free

    @property
    def state(self) -> str:
        return text(lib.pkce_attempt_state(self.handle)) or ""

    @property
    def nonce(self) -> Optional[str]:
        return text(lib.pkce_attempt_nonce(self.handle))

    @property
    def verifier(self) -> str:
        """The code verifier: a secret, for apps that must save an attempt (see Client.restore)."""
        return text(lib.pkce_attempt_verifier(self.handle)) or ""

    @property
    def challenge(self) -> str:
        return text(lib.pkce_attempt_challenge(self.handle)) or ""

    def set_redirect_uri(self, uri: str) -> None:
        """Sends the browser back to ``uri`` (a listener's) in the URL and the token request."""
        raise_for(lib.pkce_attempt_set_redirect_uri(self.handle, _to_c(uri, "redirect_uri")))

    def add_parameter(self, name: str, value: str) -> None:
        """Adds a provider parameter to the authorization URL (``provider``, ``organization_id``, ...)."""
        raise_for(lib.pkce_attempt_add_parameter(self.handle, _to_c(name, "name"), _to_c(value, "value")),
                  what=f"parameter {name!r}")

    @property
    def request_uri(self) -> Optional[str]:
        """The request_uri the server gave once the request was pushed (:meth:`Client.push`), else None."""
        return text(lib.pkce_attempt_request_uri(self.handle))

    @property
    def request_uri_expired(self) -> bool:
        """Whether the pushed request's ``expires_in`` has run out (from a second before): push
        again (:meth:`Client.push`) rather than send the browser with it."""
        return bool(lib.pkce_attempt_par_expired(self.handle))

    @property
    def authorization_url(self) -> str:
        """The URL to open in the user's browser."""
        url = ctypes.c_void_p()
        raise_for(lib.pkce_attempt_authorization_url(self.handle, ctypes.byref(url)))
        return take_string(url) or ""

    def handle_callback(self, redirect_url: str) -> None:
        """Checks the redirect back (iss, state, error, code, in that order) and keeps the code.

        Raises IssuerMismatchError, IssuerMissingError, StateMismatchError, OAuthError or CallbackError.
        """
        err = error_slot()
        raise_for(lib.pkce_attempt_handle_callback(self.handle, _to_c(redirect_url, "redirect URL"), ctypes.byref(err)),
                  err)

    def token_request(self) -> HTTPRequest:
        """The authorization_code grant request, to send with your own HTTP stack."""
        out = handle_t()
        raise_for(lib.pkce_attempt_token_request(self.handle, ctypes.byref(out)))
        return HTTPRequest._take(out)


class Client(_Handle):
    """A public client's registration plus the built-in HTTPS transport.

    Safe to share between threads once configured: threads may exchange,
    refresh and revoke at the same time, and none waits for another's transfer.
    """

    _free = lib.pkce_client_free

    def __init__(self, client_id: Optional[str], redirect_uri: Optional[str], *, authorization_endpoint: Optional[str] = None,
                 token_endpoint: Optional[str] = None, revocation_endpoint: Optional[str] = None,
                 scope: Optional[str] = None, issuer: Optional[str] = None, require_iss: bool = True,
                 ca_file: Optional[str] = None, ca_path: Optional[str] = None,
                 connect_timeout: float = 10.0, timeout: float = 30.0, allow_loopback_http: bool = False,
                 max_idle_connections: int = 256,
                 jwks_uri: Optional[str] = None, jwks: Union[str, bytes, Dict[str, Any], None] = None,
                 userinfo_endpoint: Optional[str] = None, id_token_algorithms: Optional[Sequence[str]] = None,
                 clock_skew: int = 60, time: Optional[int] = None,
                 device_authorization_endpoint: Optional[str] = None, end_session_endpoint: Optional[str] = None,
                 prefer_par: bool = False, logger: Optional[logging.Logger] = None, client_secret: Optional[str] = None,
                 client_auth: ClientAuth = ClientAuth.AUTOMATIC, dpop: Union[bool, str, DPoPKey, None] = None,
                 dpop_require_bound: bool = False, dpop_jkt: bool = False) -> None:
        """``client_secret`` makes a confidential client (only for a program whose users cannot read
        it, such as a server: a desktop app or CLI cannot keep a secret), sent as ``client_auth``
        says; the library holds it in wiped memory.

        The library's debug log goes to ``logger`` (default: the ``libpkce`` logger) as
        ``logging`` records, secrets masked, at the levels that logger is enabled for when the
        client is made: configure logging first.

        ``jwks_uri``, ``jwks`` (keys you hold, instead of fetching), ``userinfo_endpoint``,
        ``id_token_algorithms`` (an allow-list), ``clock_skew`` (seconds) and ``time`` (a fixed
        Unix time, for tests) are for OpenID Connect: with ``openid`` in ``scope`` the ID token
        is verified on every exchange (see pkce.h, "OpenID Connect").

        ``max_idle_connections`` bounds the kept-alive connections the client keeps for reuse: as many
        as were in use at once, so that threads sharing the client find theirs again.

        ``client_id`` and ``redirect_uri`` both None make a client for :meth:`Resource.sign_in`,
        which finds the server and the client id itself.

        ``dpop`` binds the tokens to a key (DPoP, RFC 9449): True makes one in the first algorithm
        the server lists (ES256 by default), "ES256", "EdDSA" or "RS256" one of that kind, or give a
        :class:`DPoPKey`. Every request to the server then carries a proof, server nonces
        included. ``dpop_require_bound`` makes an answer whose tokens the server did not bind an
        error (DPoPNotBoundError) rather than a logged warning; ``dpop_jkt`` sends the key's
        thumbprint in the authorization request, binding the code too."""
        handle = handle_t()
        blank = client_id is None and redirect_uri is None
        if not blank and not client_id:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, "client_id is empty")
        raise_for(lib.pkce_client_new(_to_c_opt(client_id, "client_id"), _to_c_opt(redirect_uri, "redirect_uri"),
                                      ctypes.byref(handle)), what="redirect_uri")
        super().__init__(handle)
        h = self.handle
        raise_for(lib.pkce_client_set_scope(h, _to_c_opt(scope)), what="scope")
        if client_secret is not None:
            raise_for(lib.pkce_client_set_secret(h, _to_c(client_secret, "client_secret"), int(client_auth)),
                      what="client_secret")
        raise_for(lib.pkce_client_set_ca_file(h, _to_c_opt(ca_file)), what="ca_file")
        raise_for(lib.pkce_client_set_ca_path(h, _to_c_opt(ca_path)), what="ca_path")
        raise_for(lib.pkce_client_set_timeouts(h, int(connect_timeout * 1000), int(timeout * 1000)), what="timeout")
        raise_for(lib.pkce_client_allow_loopback_http(h, int(allow_loopback_http)))
        if max_idle_connections < 0:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, "max_idle_connections is negative")
        raise_for(lib.pkce_client_set_max_idle_connections(h, max_idle_connections), what="max_idle_connections")
        raise_for(lib.pkce_client_set_clock_skew(h, clock_skew))
        raise_for(lib.pkce_client_prefer_par(h, int(prefer_par)))
        _dpop.configure(h, dpop, dpop_require_bound, dpop_jkt)
        if time is not None:
            raise_for(lib.pkce_client_set_time(h, time))
        if jwks is not None:
            self.set_jwks(jwks)
        self._set_server(authorization_endpoint=authorization_endpoint, token_endpoint=token_endpoint,
                         revocation_endpoint=revocation_endpoint, issuer=issuer, require_iss=require_iss,
                         jwks_uri=jwks_uri, userinfo_endpoint=userinfo_endpoint,
                         id_token_algorithms=id_token_algorithms,
                         device_authorization_endpoint=device_authorization_endpoint,
                         end_session_endpoint=end_session_endpoint)
        # Only when the logger listens: otherwise the library would build a line for every request for nothing.
        self._log_function, level = _log_to(logger)  # the function is kept alive as long as the client
        if level is not None:
            raise_for(lib.pkce_client_set_log(h, level, ctypes.cast(self._log_function, ctypes.c_void_p), None))

    #: The options that describe the server, which discover() applies after the metadata.
    _SERVER_OPTIONS = ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "issuer", "require_iss",
                       "jwks_uri", "userinfo_endpoint", "id_token_algorithms", "device_authorization_endpoint",
                       "end_session_endpoint")

    def _set_server(self, *, authorization_endpoint: Optional[str] = None, token_endpoint: Optional[str] = None,
                    revocation_endpoint: Optional[str] = None, issuer: Optional[str] = None, require_iss: bool = True,
                    jwks_uri: Optional[str] = None, userinfo_endpoint: Optional[str] = None,
                    id_token_algorithms: Optional[Sequence[str]] = None,
                    device_authorization_endpoint: Optional[str] = None,
                    end_session_endpoint: Optional[str] = None) -> None:
        h = self.handle
        for setter, url, name in (
                (lib.pkce_client_set_authorization_endpoint, authorization_endpoint, "authorization_endpoint"),
                (lib.pkce_client_set_token_endpoint, token_endpoint, "token_endpoint"),
                (lib.pkce_client_set_revocation_endpoint, revocation_endpoint, "revocation_endpoint"),
                (lib.pkce_client_set_jwks_uri, jwks_uri, "jwks_uri"),
                (lib.pkce_client_set_userinfo_endpoint, userinfo_endpoint, "userinfo_endpoint"),
                (lib.pkce_client_set_device_authorization_endpoint, device_authorization_endpoint,
                 "device_authorization_endpoint"),
                (lib.pkce_client_set_end_session_endpoint, end_session_endpoint, "end_session_endpoint")):
            if url is not None:
                raise_for(setter(h, _to_c(url, name)), what=name)
        if issuer is not None:
            raise_for(lib.pkce_client_set_issuer(h, _to_c(issuer, "issuer"), int(require_iss)), what="issuer")
        if id_token_algorithms is not None:
            raise_for(lib.pkce_client_set_id_token_algorithms(h, _to_c(" ".join(id_token_algorithms))),
                      what="id_token_algorithms")

    @property
    def endpoints(self) -> Dict[str, Optional[str]]:
        """What the client is configured with (set by hand or found by discovery), by name:
        authorization, token, revocation, device_authorization, jwks, userinfo, issuer, end_session."""
        found: Dict[str, Optional[str]] = {}
        for which in Endpoint:
            url = ctypes.c_void_p()
            status = lib.pkce_client_endpoint(self.handle, which, ctypes.byref(url))
            if status not in (Status.OK, Status.NOT_FOUND):
                raise_for(status)
            found[which.name.lower()] = take_string(url) if status == Status.OK else None
        return found

    @property
    def dpop_key(self) -> Optional[DPoPKey]:
        """The key the client proves possession of (DPoP), or None."""
        return _dpop.client_key(self.handle)

    @property
    def requires_iss(self) -> bool:
        """Whether a callback without ``iss`` is refused (an issuer is set and required)."""
        return bool(lib.pkce_client_requires_iss(self.handle))

    def set_jwks(self, jwks: Union[str, bytes, Dict[str, Any], None]) -> None:
        """Keys for ID tokens (a JWKS document), used instead of fetching jwks_uri; None fetches again."""
        err = error_slot()
        data = None if jwks is None else _jwks_bytes(jwks)
        raise_for(lib.pkce_client_set_jwks(self.handle, data, 0 if data is None else len(data), ctypes.byref(err)), err)

    def verify_id_token(self, id_token: str, *, jwks: Union[str, bytes, Dict[str, Any], None] = None,
                        attempt: Optional[AuthorizationAttempt] = None,
                        access_token: Optional[str] = None) -> Dict[str, Any]:
        """Verifies an ID token you received yourself (sans-I/O) with ``jwks``, or the keys given
        to the client; ``attempt`` supplies the nonce (None for a token from a refresh). Returns
        the claims; raises an :class:`IDTokenError`."""
        data = None if jwks is None else _jwks_bytes(jwks)
        out, err = handle_t(), error_slot()
        raise_for(lib.pkce_id_token_verify(self.handle, None if attempt is None else attempt.handle,
                                           _to_c(id_token, "id_token"), _to_c_opt(access_token), data,
                                           0 if data is None else len(data), ctypes.byref(out), ctypes.byref(err)), err)
        try:
            return _claims(out)
        finally:
            lib.pkce_id_token_free(out)

    def userinfo(self, token: Union[Token, str], subject: Optional[str] = None) -> Dict[str, Any]:
        """The UserInfo endpoint's claims for a token (or an access token). For a Token whose ID
        token was verified, an answer about another ``sub`` raises IDTokenClaimError."""
        access_token = token.access_token if isinstance(token, Token) else token
        if isinstance(token, Token) and subject is None:
            subject = token.subject
        out, err = ctypes.c_void_p(), error_slot()
        raise_for(lib.pkce_client_userinfo(self.handle, _to_c(access_token, "access token"), _to_c_opt(subject),
                                           ctypes.byref(out), None, ctypes.byref(err)), err)
        import json
        info: Dict[str, Any] = json.loads(take_string(out) or "{}")
        return info

    @classmethod
    def discover(cls, discovery_issuer: str, client_id: str, redirect_uri: str, /, **options: Any) -> Client:
        """A client configured from the issuer's metadata (RFC 8414, then OpenID Connect). Endpoints,
        ``issuer=``, ``require_iss=`` and algorithms given as options win over what the metadata says
        (``require_iss`` alone keeps the discovered issuer)."""
        explicit = {name: options.pop(name) for name in cls._SERVER_OPTIONS if name in options}
        if "require_iss" in explicit:
            explicit.setdefault("issuer", discovery_issuer)
        client = cls(client_id, redirect_uri, **options)
        err = error_slot()
        raise_for(lib.pkce_client_discover(client.handle, _to_c(discovery_issuer, "issuer"), ctypes.byref(err)), err)
        client._set_server(**explicit)
        return client

    @classmethod
    def workos(cls, client_id: str, redirect_uri: str, api_base: str = "https://api.workos.com",
               **options: Any) -> Client:
        """A client for WorkOS User Management (authorize + JSON authenticate)."""
        client = cls(client_id, redirect_uri, **options)
        raise_for(lib.pkce_client_use_workos(client.handle, _to_c(api_base, "api_base")))
        return client

    def workos_logout_url(self, session_id: str, return_to: Optional[str] = None) -> str:
        """The browser URL that ends WorkOS session ``session_id`` (the access token's ``sid``),
        then goes to ``return_to``; for a client made with :meth:`workos`."""
        out = ctypes.c_void_p()
        raise_for(lib.pkce_client_workos_logout_url(self.handle, _to_c(session_id, "session_id"),
                                                    _to_c_opt(return_to), ctypes.byref(out)))
        return take_string(out) or ""

    def start(self, **parameters: str) -> AuthorizationAttempt:
        """A fresh attempt; keyword arguments become extra authorization URL parameters."""
        out = handle_t()
        raise_for(lib.pkce_attempt_new(self.handle, ctypes.byref(out)))
        attempt = AuthorizationAttempt(out)
        for name, value in parameters.items():
            attempt.add_parameter(name, value)
        return attempt

    def push(self, attempt: AuthorizationAttempt) -> None:
        """Pushes the attempt's request (RFC 9126): its authorization URL then carries only
        ``client_id`` and ``request_uri``. :meth:`sign_in` does it when the server requires it,
        or always with ``prefer_par=True``."""
        err = error_slot()
        raise_for(lib.pkce_client_push(self.handle, attempt.handle, ctypes.byref(err)), err)

    def restore(self, verifier: str, state: str, nonce: Optional[str] = None) -> AuthorizationAttempt:
        """An attempt saved earlier, e.g. when the callback arrives in another process."""
        out = handle_t()
        raise_for(lib.pkce_attempt_restore(self.handle, _to_c(verifier, "verifier"), _to_c(state, "state"),
                                           _to_c_opt(nonce, "nonce"), ctypes.byref(out)))
        return AuthorizationAttempt(out)

    def exchange(self, attempt: AuthorizationAttempt, *, fields: Optional[Mapping[str, str]] = None,
                 headers: Optional[Mapping[str, str]] = None) -> Token:
        """Exchanges the attempt's code and verifier for tokens over HTTPS. ``fields`` are added to
        the body (WorkOS's ``ip_address``, ``user_agent``, ``device_id``, ``invitation_token``),
        ``headers`` to the request; neither may replace what the library sets."""
        out, err = handle_t(), error_slot()
        if fields is None and headers is None:
            raise_for(lib.pkce_client_exchange(self.handle, attempt.handle, ctypes.byref(out), ctypes.byref(err)), err)
            return Token._take(out)
        request = handle_t()
        raise_for(lib.pkce_attempt_token_request(attempt.handle, ctypes.byref(request)))
        with _Extended(request, fields, headers):
            raise_for(lib.pkce_client_send_token(self.handle, request, attempt.handle, ctypes.byref(out),
                                                 ctypes.byref(err)), err)
        return Token._take(out)

    def refresh(self, refresh_token: Union[Token, str], scope: Optional[str] = None,
                subject: Optional[str] = None, *, fields: Optional[Mapping[str, str]] = None,
                headers: Optional[Mapping[str, str]] = None) -> Token:
        """The refresh_token grant, over HTTPS. Given a Token, its refresh token is used and a new
        ID token must name the same ``sub`` as its verified one (OpenID Connect Core 12.2).
        ``fields`` and ``headers`` extend the request as for :meth:`exchange` (WorkOS's
        ``organization_id`` switches organization); they do not go with ``subject``. A server that
        does not rotate refresh tokens answers without one: the returned Token carries the old one
        forward, so that it can be refreshed again."""
        if isinstance(refresh_token, Token):
            subject = subject or refresh_token.subject
            if refresh_token.refresh_token is None:
                raise InvalidArgumentError(Status.INVALID_ARGUMENT, "this token has no refresh token")
            refresh_token = refresh_token.refresh_token
        out, err = handle_t(), error_slot()
        if fields is not None or headers is not None:
            if subject is not None:
                raise InvalidArgumentError(Status.INVALID_ARGUMENT, "fields and headers cannot be combined with subject")
            request = handle_t()
            raise_for(lib.pkce_client_refresh_request(self.handle, _to_c(refresh_token, "refresh token"),
                                                      _to_c_opt(scope), ctypes.byref(request)))
            with _Extended(request, fields, headers):
                raise_for(lib.pkce_client_send_token(self.handle, request, None, ctypes.byref(out),
                                                     ctypes.byref(err)), err)
        elif subject is None:
            raise_for(lib.pkce_client_refresh(self.handle, _to_c(refresh_token, "refresh token"), _to_c_opt(scope),
                                              ctypes.byref(out), ctypes.byref(err)), err)
        else:
            raise_for(lib.pkce_client_refresh_subject(self.handle, _to_c(refresh_token, "refresh token"),
                                                      _to_c_opt(scope), _to_c(subject, "subject"),
                                                      ctypes.byref(out), ctypes.byref(err)), err)
        return Token._take(out)

    def revoke(self, token: str, hint: Optional[str] = None, *, fields: Optional[Mapping[str, str]] = None,
               headers: Optional[Mapping[str, str]] = None) -> None:
        """Revokes a token (RFC 7009); ``hint`` is "access_token" or "refresh_token". ``headers``
        extend the request, e.g. ``{"Authorization": f"Bearer {access_token}"}`` for a server
        that wants it; ``fields`` the body."""
        err = error_slot()
        if fields is None and headers is None:
            raise_for(lib.pkce_client_revoke(self.handle, _to_c(token, "token"), _to_c_opt(hint), ctypes.byref(err)),
                      err)
            return
        request = handle_t()
        raise_for(lib.pkce_client_revocation_request(self.handle, _to_c(token, "token"), _to_c_opt(hint),
                                                     ctypes.byref(request)))
        with _Extended(request, fields, headers):
            raise_for(lib.pkce_client_send_revocation(self.handle, request, ctypes.byref(err)), err)

    def sign_in(self, *, attempt: Optional[AuthorizationAttempt] = None, listener: Optional[Listener] = None,
                browser: str = "system", timeout: float = 300.0, address: str = "127.0.0.1",
                ports: Sequence[int] = (), path: str = "/callback", success_page: Optional[str] = None,
                error_page: Optional[str] = None, **parameters: str) -> Token:
        """The whole native-app sign-in: a loopback listener on ``address`` (the first free of
        ``ports``, or any), the authorization URL opened in the browser, the redirect checked, the
        code exchanged. ``browser`` is "system" ($BROWSER, then xdg-open), "print" (the URL on
        stderr), or a program run with the URL as its only argument (never through a shell).
        Keyword arguments become authorization URL parameters. Pass your own ``listener`` to
        cancel from another thread (:meth:`Listener.cancel`).

        Raises OAuthError (e.g. the user denied consent), SignInTimeoutError, CancelledError,
        PortInUseError, BrowserError, and whatever the exchange raises."""
        own_listener = listener is None
        if listener is None:
            listener = Listener(address=address, ports=ports, path=path, success_page=success_page,
                                error_page=error_page)
        own_attempt = attempt is None
        if attempt is None:
            attempt = self.start(**parameters)
        try:
            how, program = _browser(browser)
            out, err = handle_t(), error_slot()
            raise_for(lib.pkce_client_sign_in(self.handle, attempt.handle, listener.handle, how, program,
                                              max(1, int(timeout * 1000)), ctypes.byref(out), ctypes.byref(err)), err)
            return Token._take(out)
        finally:
            if own_attempt:
                attempt.close()
            if own_listener:
                listener.close()

    def sign_in_device(self, on_code: Callable[[DeviceAuthorization], None], *, scope: Optional[str] = None) -> Token:
        """Sign-in without a browser here (RFC 8628): ``on_code`` gets the :class:`DeviceAuthorization`
        to show (``user_code``, ``verification_uri``) and may keep it to :meth:`~DeviceAuthorization.cancel`
        from another thread; then this polls until the user approves elsewhere.

        Raises AccessDeniedError, DeviceExpiredError, CancelledError, or what the requests raise."""
        out, err = handle_t(), error_slot()
        raise_for(lib.pkce_client_device_start(self.handle, _to_c_opt(scope), ctypes.byref(out), ctypes.byref(err)), err)
        with DeviceAuthorization(out) as device:
            on_code(device)
            token, err = handle_t(), error_slot()
            raise_for(lib.pkce_client_device_poll(self.handle, device.handle, ctypes.byref(token), ctypes.byref(err)), err)
            return Token._take(token)

    def refresh_request(self, refresh_token: str, scope: Optional[str] = None) -> HTTPRequest:
        """The refresh_token grant request, to send yourself."""
        out = handle_t()
        raise_for(lib.pkce_client_refresh_request(self.handle, _to_c(refresh_token, "refresh token"), _to_c_opt(scope),
                                                  ctypes.byref(out)))
        return HTTPRequest._take(out)

    def revocation_request(self, token: str, hint: Optional[str] = None) -> HTTPRequest:
        """The revocation request, to send yourself."""
        out = handle_t()
        raise_for(lib.pkce_client_revocation_request(self.handle, _to_c(token, "token"), _to_c_opt(hint),
                                                     ctypes.byref(out)))
        return HTTPRequest._take(out)

    def apply_metadata(self, issuer: str, metadata: bytes) -> None:
        """Applies server metadata you fetched yourself (see metadata_urls)."""
        err = error_slot()
        raise_for(lib.pkce_client_apply_metadata(self.handle, _to_c(issuer, "issuer"), metadata, len(metadata),
                                                 ctypes.byref(err)), err)


class _Extended:
    """A request handle with the caller's fields and headers added, freed (and wiped) on exit."""

    def __init__(self, request: handle_t, fields: Optional[Mapping[str, str]],
                 headers: Optional[Mapping[str, str]]) -> None:
        self.request = request
        try:
            for name, value in (fields or {}).items():
                raise_for(lib.pkce_http_request_add_field(request, _to_c(name, "field name"), _to_c(value, name)))
            for name, value in (headers or {}).items():
                raise_for(lib.pkce_http_request_add_header(request, _to_c(name, "header name"), _to_c(value, name)))
        except BaseException:
            lib.pkce_http_request_free(request)
            raise

    def __enter__(self) -> handle_t:
        return self.request

    def __exit__(self, *exc: object) -> None:
        lib.pkce_http_request_free(self.request)


def _log_to(logger: Optional[logging.Logger]) -> Tuple[Any, Optional[int]]:
    """A pkce_log_fn that makes each library line a record of ``logger`` (default: ``libpkce``),
    and the most detailed library level the logger is enabled for now (None: none)."""
    import logging
    target = logger or logging.getLogger("libpkce")
    levels: Dict[int, int] = {LogLevel.ERROR: logging.ERROR, LogLevel.WARNING: logging.WARNING,
                              LogLevel.INFO: logging.INFO, LogLevel.DEBUG: logging.DEBUG}

    def forward(level: int, message: bytes, _user_data: Any) -> None:
        python_level = levels.get(level, logging.DEBUG)
        if target.isEnabledFor(python_level):
            target.log(python_level, "%s", message.decode("utf-8", "replace"))
    wanted = [level for level, python_level in levels.items() if target.isEnabledFor(python_level)]
    return _native.LogFunction(forward), (max(wanted) if wanted else None)


def open_browser(url: str, browser: str = "system") -> None:
    """Opens ``url`` as :meth:`Client.sign_in` would (``browser``: "system", "print", or a program)."""
    how, program = _browser(browser)
    raise_for(lib.pkce_browser_open(_to_c(url, "url"), how, program))


class Listener(_Handle):
    """A loopback listener for the browser's redirect (RFC 8252): binds 127.0.0.1 (or ``::1``)
    on the first free port of ``ports`` (or one the kernel picks). ``redirect_uri`` follows the
    port it got. Its :meth:`cancel` may be called from any thread."""

    _free = lib.pkce_listener_free

    def __init__(self, *, address: str = "127.0.0.1", ports: Sequence[int] = (), path: str = "/callback",
                 success_page: Optional[str] = None, error_page: Optional[str] = None) -> None:
        array = (ctypes.c_uint16 * len(ports))(*ports) if ports else None
        handle, err = handle_t(), error_slot()
        raise_for(lib.pkce_listener_new(_to_c(address, "address"), array, len(ports), _to_c(path, "path"),
                                        ctypes.byref(handle), ctypes.byref(err)), err)
        super().__init__(handle)
        if success_page is not None or error_page is not None:
            raise_for(lib.pkce_listener_set_pages(self.handle, _to_c_opt(success_page), _to_c_opt(error_page)))

    @property
    def port(self) -> int:
        return int(lib.pkce_listener_port(self.handle))

    @property
    def redirect_uri(self) -> str:
        return text(lib.pkce_listener_redirect_uri(self.handle)) or ""

    def start_url(self, authorization_url: str) -> str:
        """A one-time URL on this listener that redirects once to ``authorization_url``: hand the
        browser this, not the authorization URL, which another local user could read in the
        browser's command line. A second request for it ends :meth:`wait` with SignInRacedError."""
        url = ctypes.c_void_p()
        raise_for(lib.pkce_listener_start_url(self.handle, _to_c(authorization_url, "authorization_url"),
                                              ctypes.byref(url)))
        return take_string(url) or ""

    def wait(self, attempt: AuthorizationAttempt, timeout: float = 300.0) -> None:
        """Waits for the redirect that completes ``attempt`` (sent with this listener's
        redirect URI: ``attempt.set_redirect_uri(listener.redirect_uri)``)."""
        err = error_slot()
        raise_for(lib.pkce_listener_wait(self.handle, attempt.handle, max(1, int(timeout * 1000)), ctypes.byref(err)),
                  err)

    def cancel(self) -> None:
        """Ends a wait running on another thread with CancelledError."""
        if self._handle is not None:
            lib.pkce_listener_cancel(self._handle)


class TokenStore(_Handle):
    """Where a :class:`TokenSource` keeps tokens across restarts and processes."""

    _free = lib.pkce_token_store_free

    def check(self) -> bool:
        """Raises StoreError (KeyringUnavailableError, KeyringTimeoutError for the keyring) when the
        store cannot be used: ask before a sign-in whose tokens it will keep. Returns whether users
        other than the owner may read a file store (always False for the keyring)."""
        readable, err = ctypes.c_int(), error_slot()
        raise_for(lib.pkce_token_store_check(self.handle, ctypes.byref(readable), ctypes.byref(err)), err)
        return bool(readable.value)


class FileTokenStore(TokenStore):
    """Tokens kept in one JSON file (mode 0600, replaced atomically, locked while refreshing), several
    accounts side by side by issuer, client and subject; created on the first save."""

    def __init__(self, path: str) -> None:
        handle = handle_t()
        raise_for(lib.pkce_token_store_open_file(_to_c(str(path), "path"), ctypes.byref(handle)))
        super().__init__(handle)


class SecretServiceTokenStore(TokenStore):
    """Tokens kept by the desktop keyring (the Secret Service: GNOME Keyring, KWallet, KeePassXC),
    one item per account, through libsecret loaded on first use. Every call ends within
    ``timeout`` seconds, raising KeyringUnavailableError (no session bus, no service, no
    libsecret) or KeyringTimeoutError (no answer); nothing falls back to a file."""

    def __init__(self, timeout: float = 3.0) -> None:
        if timeout <= 0:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, "timeout must be positive")
        handle = handle_t()
        raise_for(lib.pkce_token_store_open_keyring(max(1, int(timeout * 1000)), ctypes.byref(handle)))
        super().__init__(handle)


class TokenSource(_Handle):
    """A valid access token whenever asked, from any number of threads (and, with a store,
    processes): refreshed within ``leeway`` seconds of expiry, once however many ask, the old
    refresh token kept when the server sends none, ``on_refresh`` called with each new
    :class:`Token`. Without ``token``, the store's tokens for this client (a program's restart)."""

    _free = lib.pkce_token_source_free

    def __init__(self, client: Client, token: Optional[Token] = None, *, store: Optional[TokenStore] = None,
                 subject: Optional[str] = None, leeway: int = 60,
                 on_refresh: Optional[Callable[[Token], None]] = None) -> None:
        given = token._handle() if token is not None else None
        handle, err = handle_t(), error_slot()
        try:
            subject = subject if subject is not None or token is None else token.subject
            raise_for(lib.pkce_token_source_new(client.handle, given, None if store is None else store.handle,
                                                _to_c_opt(subject), ctypes.byref(handle), ctypes.byref(err)), err)
        finally:
            if given is not None:
                lib.pkce_token_free(given)
        super().__init__(handle)
        self._client, self._store = client, store  # the source uses both: keep them alive
        raise_for(lib.pkce_token_source_set_leeway(self.handle, leeway))
        self._callback: Any = None
        self._step_up: Optional[Resource] = None
        if on_refresh is not None:
            def forward(answer: handle_t, _user_data: Any) -> None:
                on_refresh(Token._read(answer))
            self._callback = _native.TokenRefreshedFunction(forward)
            raise_for(lib.pkce_token_source_on_refresh(self.handle, ctypes.cast(self._callback, ctypes.c_void_p), None))

    def access_token(self) -> str:
        """A valid access token, refreshed (and saved) first when need be."""
        out, err, length = ctypes.create_string_buffer(16384), error_slot(), ctypes.c_size_t()
        try:
            raise_for(lib.pkce_token_source_access_token(self.handle, out, len(out), ctypes.byref(length),
                                                         ctypes.byref(err)), err)
            return out.raw[:length.value].decode()
        finally:
            ctypes.memset(out, 0, len(out))

    def set_time(self, unix_seconds: int) -> None:
        """A fixed "now" for tests; 0 returns to the system clock."""
        raise_for(lib.pkce_token_source_set_time(self.handle, unix_seconds))

    def fetch(self, method: str, url: str, *, headers: Optional[Mapping[str, str]] = None,
              body: Optional[bytes] = None) -> HTTPResponse:
        """A request to the resource the tokens are for, with the access token (refreshed when due,
        and once more on a 401 ``invalid_token``); any answer with a status is returned. Raises
        ResourceMismatchError for a URL outside the tokens' resource: the token goes nowhere else;
        InsufficientScopeError when a step-up (:meth:`step_up`) cannot help."""
        lines = [_to_c(f"{name}: {value}", name) for name, value in (headers or {}).items()]
        array = (ctypes.c_char_p * max(len(lines), 1))(*lines)
        out, err = handle_t(), error_slot()
        raise_for(lib.pkce_token_source_fetch(self.handle, _to_c(method, "method"), _to_c(url, "url"), array, len(lines),
                                              body, 0 if body is None else len(body), ctypes.byref(out),
                                              ctypes.byref(err)), err)
        return HTTPResponse._take(out)

    def dpop_headers(self, method: str, url: str, nonce: Optional[str] = None) -> Dict[str, str]:
        """``Authorization: DPoP <token>`` and a fresh ``DPoP`` proof for a request to ``url`` with
        the access token (refreshed when due), as a dict a ``requests`` or ``httpx`` call takes.
        ``nonce``: the ``DPoP-Nonce`` a resource answered a 401 ``use_dpop_nonce`` with. Raises
        DPoPNotBoundError for a Bearer token, ResourceMismatchError outside the tokens' resource."""
        return _dpop.source_headers(self.handle, method, url, nonce)

    def step_up(self, resource: Optional[Resource], *, browser: str = "system", timeout: float = 300.0) -> None:
        """Makes :meth:`fetch` answer a 403 ``insufficient_scope`` with a new sign-in to ``resource``
        for the scope asked for plus the token's (at most twice a request, never for a scope the
        token has); None returns the 403 instead."""
        how, program = _browser(browser)
        self._step_up = resource  # the library borrows it: keep it alive
        raise_for(lib.pkce_token_source_set_step_up(self.handle, None if resource is None else resource.handle, how,
                                                    program, max(1, int(timeout * 1000))))


class DeviceAuthorization(_Handle):
    """A started device authorization grant (RFC 8628): what to show the user."""

    _free = lib.pkce_device_free

    @property
    def user_code(self) -> str:
        return text(lib.pkce_device_user_code(self.handle)) or ""

    @property
    def verification_uri(self) -> str:
        return text(lib.pkce_device_verification_uri(self.handle)) or ""

    @property
    def verification_uri_complete(self) -> Optional[str]:
        return text(lib.pkce_device_verification_uri_complete(self.handle))

    @property
    def expires_in(self) -> int:
        return int(lib.pkce_device_expires_in(self.handle))

    @property
    def interval(self) -> int:
        return int(lib.pkce_device_interval(self.handle))

    def cancel(self) -> None:
        """Ends the polling running on another thread with CancelledError."""
        if self._handle is not None:
            lib.pkce_device_cancel(self._handle)


def metadata_urls(issuer: str) -> List[str]:
    """The two well-known metadata URLs for an issuer, RFC 8414's first."""
    urls = []
    for index in (0, 1):
        url = ctypes.c_void_p()
        raise_for(lib.pkce_client_metadata_url(_to_c(issuer, "issuer"), index, ctypes.byref(url)))
        urls.append(take_string(url) or "")
    return urls


__all__ = [
    "AccessDeniedError", "AuthorizationPendingError", "Browser", "BrowserError", "ClientAuth", "Endpoint",
    "FileTokenStore", "SecretServiceTokenStore", "TokenStore", "TokenSource", "StoreError", "TokenExpiredError",
    "KeyringUnavailableError", "KeyringTimeoutError", "KeyringLockedError",
    "HTTPResponse", "Resource", "challenge_param", "Logout", "logout", "ResourceError", "ChallengeMalformedError", "ResourceMismatchError",
    "RegistrationError", "PKCENotAdvertisedError", "InsufficientScopeError",
    "DPoPKey", "DPoPError", "DPoPKeyError", "DPoPNonceError", "DPoPNotBoundError",
    "LogLevel", "CancelledError", "DeviceAuthorization",
    "DeviceError", "DeviceExpiredError", "Listener", "ListenerError", "PortInUseError", "SignInError",
    "SignInRacedError", "SignInTimeoutError", "SlowDownError", "open_browser",
    "AuthorizationAttempt", "CallbackError", "Client", "DiscoveryError", "HTTPRequest", "IDTokenAlgorithmError",
    "IDTokenClaimError", "IDTokenError", "IDTokenExpiredError", "IDTokenKeyNotFoundError", "IDTokenMalformedError",
    "IDTokenMissingError", "IDTokenNonceError", "IDTokenSignatureError", "InvalidArgumentError", "JWKSError",
    "JWKSUnknownError",
    "IssuerMismatchError", "IssuerMissingError", "Method", "NotConfiguredError", "OAuthError", "PKCEError", "ResponseError",
    "S256UnsupportedError", "StateMismatchError", "Status", "TLSError", "Token", "TransportError", "TransportTimeoutError",
    "VERIFIER_MAX_LENGTH", "VERIFIER_MIN_LENGTH", "challenge", "check_verifier", "generate_pair",
    "generate_verifier", "library_version", "metadata_urls", "random_string", "state_matches",
]
