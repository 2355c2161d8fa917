"""Sign-in to a protected resource from its URL (the MCP authorization
profile: RFC 9728, RFC 8707, dynamic or metadata-document clients,
step-up), and the answers of requests made to it with a token."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, List, NamedTuple, Optional

from ._errors import Status, error_slot, raise_for
from ._native import handle_t, lib, take_string, text
from ._values import HTTPRequest, Token, _browser, _Handle, _repr_without, _to_c, _to_c_opt

if TYPE_CHECKING:
    from . import Client, TokenStore


class HTTPResponse(NamedTuple):
    """What a protected resource answered (:meth:`TokenSource.fetch`). ``body`` may hold secrets."""

    status: int
    body: bytes
    content_type: Optional[str]
    #: The WWW-Authenticate values of a 401 or 403, for :meth:`Resource.set_challenge`.
    www_authenticate: List[str]

    def __repr__(self) -> str:
        return _repr_without(self, ("body",))

    @staticmethod
    def _take(handle: handle_t) -> HTTPResponse:
        try:
            length = ctypes.c_size_t()
            body = lib.pkce_http_response_body(handle, ctypes.byref(length))
            challenges: List[str] = []
            while (value := lib.pkce_http_response_www_authenticate(handle, len(challenges))) is not None:
                challenges.append(text(value) or "")
            return HTTPResponse(status=lib.pkce_http_response_status(handle), body=ctypes.string_at(body, length.value),
                                content_type=text(lib.pkce_http_response_content_type(handle)),
                                www_authenticate=challenges)
        finally:
            lib.pkce_http_response_free(handle)


def challenge_param(www_authenticate: str, name: str) -> Optional[str]:
    """Parameter ``name`` of the first Bearer or DPoP challenge of a WWW-Authenticate value
    (RFC 9110 11.6.1), unquoted; None when there is no such challenge or parameter.
    Raises ChallengeMalformedError for a value that breaks the grammar."""
    out, err = ctypes.c_void_p(), error_slot()
    status = lib.pkce_challenge_param(_to_c(www_authenticate, "www_authenticate"), _to_c(name, "name"),
                                      ctypes.byref(out), ctypes.byref(err))
    if status == Status.NOT_FOUND:
        lib.pkce_error_free(err)
        return None
    raise_for(status, err)
    return take_string(out)


class Resource(_Handle):
    """A protected resource (an MCP server) to sign in to from its URL alone.

    :meth:`sign_in` finds the authorization server through the resource's
    metadata (the 401's ``resource_metadata``, else the well-known URLs), refuses
    metadata about another resource and a server that does not list
    ``code_challenge_methods_supported``, registers the client (``client_id`` when
    given, a Client ID Metadata Document URL the server takes, else RFC 7591 as a
    public client for the loopback port bound first), and signs in with
    ``resource`` (RFC 8707) in every request. With ``store``, what discovery found
    and the registration are kept, so the next sign-in asks nothing before the browser.

    For a host with its own HTTP stack, :meth:`next_request`, :meth:`handle_response`,
    :meth:`registration_request`, :meth:`handle_registration` and :meth:`configure`
    are the same steps, sans-I/O."""

    _free = lib.pkce_resource_free

    def __init__(self, url: str, *, client_id: Optional[str] = None, client_name: Optional[str] = None,
                 scope: Optional[str] = None, issuer: Optional[str] = None,
                 store: Optional[TokenStore] = None, challenge: Optional[str] = None) -> None:
        handle = handle_t()
        raise_for(lib.pkce_resource_new(_to_c(url, "url"), ctypes.byref(handle)), what="url")
        super().__init__(handle)
        h = self.handle
        raise_for(lib.pkce_resource_set_client_id(h, _to_c_opt(client_id, "client_id")), what="client_id")
        if client_name is not None:
            raise_for(lib.pkce_resource_set_client_name(h, _to_c(client_name, "client_name")), what="client_name")
        raise_for(lib.pkce_resource_set_scope(h, _to_c_opt(scope, "scope")), what="scope")
        raise_for(lib.pkce_resource_set_issuer(h, _to_c_opt(issuer, "issuer")), what="issuer")
        self._store = store  # the library borrows it: keep it alive
        raise_for(lib.pkce_resource_set_store(h, None if store is None else store.handle))
        if challenge is not None:
            self.set_challenge(challenge)

    @property
    def uri(self) -> str:
        """The resource's canonical URI: what ``resource`` carries and tokens are filed under."""
        return text(lib.pkce_resource_uri(self.handle)) or ""

    def set_challenge(self, www_authenticate: Optional[str]) -> None:
        """The WWW-Authenticate value of a 401 or 403 from the resource: its ``resource_metadata``
        saves a request; a 403 ``insufficient_scope`` makes the next sign-in a step-up."""
        err = error_slot()
        raise_for(lib.pkce_resource_set_challenge(self.handle, _to_c_opt(www_authenticate, "www_authenticate"),
                                                  ctypes.byref(err)), err)

    def sign_in(self, client: Client, *, browser: str = "system", timeout: float = 300.0) -> Token:
        """The whole sign-in; ``client`` (``Client(None, None, ...)`` for its CA file, timeouts,
        logger) is set up for the resource's server, so a :class:`TokenSource` on it refreshes
        with ``resource``. ``browser`` as for :meth:`Client.sign_in`.

        Raises ResourceMismatchError, PKCENotAdvertisedError, RegistrationError, OAuthError
        (a refused registration or consent), and what a sign-in raises."""
        how, program = _browser(browser)
        out, err = handle_t(), error_slot()
        raise_for(lib.pkce_resource_sign_in(self.handle, client.handle, how, program, max(1, int(timeout * 1000)),
                                            ctypes.byref(out), ctypes.byref(err)), err)
        return Token._take(out)

    def next_request(self) -> Optional[HTTPRequest]:
        """Sans-I/O: the next discovery request to send; None once discovery is done."""
        out = handle_t()
        status = lib.pkce_resource_next_request(self.handle, ctypes.byref(out))
        if status == Status.NOT_FOUND:
            return None
        raise_for(status)
        return HTTPRequest._take(out)

    def handle_response(self, status: int, body: bytes, www_authenticate: Optional[str] = None) -> None:
        """Sans-I/O: the answer to the request :meth:`next_request` gave."""
        err = error_slot()
        raise_for(lib.pkce_resource_handle_response(self.handle, status, _to_c_opt(www_authenticate, "www_authenticate"),
                                                    body, len(body), ctypes.byref(err)), err)

    def registration_request(self, redirect_uri: str) -> HTTPRequest:
        """Sans-I/O: the RFC 7591 registration of a public client for ``redirect_uri``."""
        out = handle_t()
        raise_for(lib.pkce_resource_registration_request(self.handle, _to_c(redirect_uri, "redirect_uri"),
                                                         ctypes.byref(out)))
        return HTTPRequest._take(out)

    def handle_registration(self, redirect_uri: str, status: int, body: bytes) -> None:
        """Sans-I/O: the registration's answer."""
        err = error_slot()
        raise_for(lib.pkce_resource_handle_registration(self.handle, _to_c(redirect_uri, "redirect_uri"), status, body,
                                                        len(body), ctypes.byref(err)), err)

    def configure(self, client: Client, redirect_uri: str) -> None:
        """Sans-I/O: sets ``client`` up as :meth:`sign_in` would, for an attempt of your own."""
        err = error_slot()
        raise_for(lib.pkce_resource_configure(self.handle, client.handle, _to_c(redirect_uri, "redirect_uri"),
                                              ctypes.byref(err)), err)


__all__ = ["HTTPResponse", "Resource", "challenge_param"]
