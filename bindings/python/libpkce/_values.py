"""What the binding's modules share: the library handle base class, the
conversion of arguments to C, and the values calls return (requests,
token answers, browser choices)."""

from __future__ import annotations

import ctypes
import enum
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Tuple, TypeVar

if TYPE_CHECKING:
    import datetime

from ._errors import InvalidArgumentError, Status, error_slot, raise_for
from ._native import handle_t, lib, text


class Browser(enum.IntEnum):
    """``pkce_browser`` of pkce.h; `make test` fails when the two differ."""

    SYSTEM = 0
    PROGRAM = 1
    PRINT = 2


def _to_c(value: str, what: str = "argument") -> bytes:
    """A str as a C string; a NUL inside would silently cut it short, so it is refused."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(Status.INVALID_ARGUMENT, f"{what} contains a NUL character")
    return value.encode("utf-8")


def _to_c_opt(value: Optional[str], what: str = "argument") -> Optional[bytes]:
    return None if value is None else _to_c(value, what)


def _repr_without(record: Any, secrets: Tuple[str, ...]) -> str:
    """A record's repr that leaves out the fields holding secrets."""
    shown = ", ".join(f"{name}={getattr(record, name)!r}" for name in record._fields if name not in secrets)
    return f"{type(record).__name__}({shown})"


class HTTPRequest(NamedTuple):
    """A request to send with any HTTP client (sans-I/O). ``body`` holds secrets."""

    method: str
    url: str
    headers: List[Tuple[str, str]]
    body: bytes

    def __repr__(self) -> str:
        return _repr_without(self, ("body",))

    @staticmethod
    def _take(handle: handle_t) -> HTTPRequest:
        try:
            headers = []
            name, value = ctypes.c_char_p(), ctypes.c_char_p()
            for i in range(lib.pkce_http_request_header_count(handle)):
                raise_for(lib.pkce_http_request_header(handle, i, ctypes.byref(name), ctypes.byref(value)))
                headers.append((text(name.value) or "", text(value.value) or ""))
            length = ctypes.c_size_t()
            body = lib.pkce_http_request_body(handle, ctypes.byref(length))
            return HTTPRequest(method=text(lib.pkce_http_request_method(handle)) or "",
                               url=text(lib.pkce_http_request_url(handle)) or "",
                               headers=headers, body=ctypes.string_at(body, length.value))
        finally:
            lib.pkce_http_request_free(handle)


class Token(NamedTuple):
    """A token response (RFC 6749 5.1). ``raw`` is the whole JSON object, for provider extras
    such as WorkOS's ``user`` and ``organization_id``. Immutable; its repr leaves out every secret."""

    access_token: str
    token_type: Optional[str]
    expires_in: Optional[int]
    #: When the access token expires, from the time the answer was parsed; None when unknown.
    expires_at: Optional[datetime.datetime]
    refresh_token: Optional[str]
    scope: Optional[str]
    id_token: Optional[str]
    raw: Dict[str, Any]
    #: The ID token's claims once verified (an ``openid`` scope, through the
    #: client); None when there is no ID token or it was not verified.
    claims: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return _repr_without(self, ("access_token", "refresh_token", "id_token", "raw", "claims"))

    @property
    def dpop_bound(self) -> bool:
        """Whether the server bound the tokens to the client's DPoP key (``token_type`` DPoP)."""
        return (self.token_type or "").lower() == "dpop"

    @property
    def subject(self) -> Optional[str]:
        """The verified ID token's ``sub``, or None."""
        return None if self.claims is None else str(self.claims["sub"])

    @staticmethod
    def parse(http_status: int, body: bytes) -> Token:
        """Parses a token endpoint's answer as the library does (deviations, limits, errors)."""
        out, err = handle_t(), error_slot()
        raise_for(lib.pkce_token_parse(http_status, body, len(body), ctypes.byref(out), ctypes.byref(err)), err)
        return Token._take(out)

    @staticmethod
    def _take(handle: handle_t) -> Token:
        try:
            return Token._read(handle)
        finally:
            lib.pkce_token_free(handle)

    @staticmethod
    def _read(handle: handle_t) -> Token:
        """A Token from a borrowed pkce_token handle."""
        import datetime
        import json
        seconds = ctypes.c_int64()
        expires_in = seconds.value if lib.pkce_token_expires_in(handle, ctypes.byref(seconds)) == 0 else None
        now = datetime.datetime.now(datetime.timezone.utc)
        length = ctypes.c_size_t()
        raw = json.loads(ctypes.string_at(lib.pkce_token_json(handle, ctypes.byref(length)), length.value))
        verified = lib.pkce_token_id_token_claims(handle)
        return Token(access_token=text(lib.pkce_token_access_token(handle)) or "",
                     token_type=text(lib.pkce_token_token_type(handle)), expires_in=expires_in,
                     expires_at=None if expires_in is None else now + datetime.timedelta(seconds=expires_in),
                     refresh_token=text(lib.pkce_token_refresh_token(handle)),
                     scope=text(lib.pkce_token_scope(handle)), id_token=text(lib.pkce_token_id_token(handle)),
                     raw=raw, claims=_claims(verified) if verified else None)

    def _handle(self) -> handle_t:
        """A pkce_token of this token's answer (to free), for calls that take one."""
        import json
        body = json.dumps(self.raw).encode()
        out = handle_t()
        raise_for(lib.pkce_token_parse(200, body, len(body), ctypes.byref(out), None))
        return out


def _claims(handle: Any) -> Dict[str, Any]:
    """The JSON object of a pkce_id_token, as a dict."""
    import json
    length = ctypes.c_size_t()
    payload = ctypes.string_at(lib.pkce_id_token_json(handle, ctypes.byref(length)), length.value)
    claims: Dict[str, Any] = json.loads(payload)
    return claims


#: Any handle class, so that ``with Client(...) as c`` keeps c's type.
_H = TypeVar("_H", bound="_Handle")


class _Handle:
    """An owned library handle, released by close(), ``with``, or garbage collection."""

    _free: Any = None
    _handle: Optional[handle_t] = None  # until __init__ succeeds, so that __del__ always works

    def __init__(self, handle: handle_t) -> None:
        self._handle: Optional[handle_t] = handle

    @property
    def handle(self) -> handle_t:
        if self._handle is None:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, f"this {type(self).__name__} is closed")
        return self._handle

    def close(self) -> None:
        """Releases the library object, which wipes the secrets it holds."""
        if self._handle is not None:
            type(self)._free(self._handle)
            self._handle = None

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


_BROWSERS = {"system": Browser.SYSTEM, "print": Browser.PRINT}


def _browser(browser: str) -> Tuple[int, Optional[bytes]]:
    if browser in _BROWSERS:
        return _BROWSERS[browser], None
    return Browser.PROGRAM, _to_c(browser, "browser program")
