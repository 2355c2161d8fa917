"""Sign-out: OpenID Connect RP-Initiated Logout 1.0 (and WorkOS's logout
through the same calls)."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Optional

from ._errors import error_slot, raise_for
from ._native import handle_t, lib, take_string, text
from ._values import _browser, _Handle, _to_c, _to_c_opt

if TYPE_CHECKING:
    from . import Client, Listener


class Logout(_Handle):
    """One sign-out of ``client``'s server (its ``end_session_endpoint``, from discovery, or
    WorkOS's logout for a WorkOS client, which needs ``session_id``): the URL to open, and the
    check of the redirect back, whose ``state`` must be this sign-out's. Raises
    NotConfiguredError when the server has no end-session endpoint."""

    _free = lib.pkce_logout_free

    def __init__(self, client: Client, *, id_token_hint: Optional[str] = None, logout_hint: Optional[str] = None,
                 ui_locales: Optional[str] = None, session_id: Optional[str] = None,
                 post_logout_redirect_uri: Optional[str] = None) -> None:
        handle = handle_t()
        raise_for(lib.pkce_logout_new(client.handle, ctypes.byref(handle)))
        super().__init__(handle)
        raise_for(lib.pkce_logout_set_id_token_hint(self.handle, _to_c_opt(id_token_hint, "id_token_hint")),
                  what="id_token_hint")
        raise_for(lib.pkce_logout_set_hints(self.handle, _to_c_opt(logout_hint, "logout_hint"),
                                            _to_c_opt(ui_locales, "ui_locales"), _to_c_opt(session_id, "session_id")))
        raise_for(lib.pkce_logout_set_post_logout_redirect_uri(
            self.handle, _to_c_opt(post_logout_redirect_uri, "post_logout_redirect_uri")), what="post_logout_redirect_uri")

    @property
    def state(self) -> str:
        return text(lib.pkce_logout_state(self.handle)) or ""

    @property
    def url(self) -> str:
        """The URL to open in the browser (sans-I/O)."""
        out = ctypes.c_void_p()
        raise_for(lib.pkce_logout_url(self.handle, ctypes.byref(out)))
        return take_string(out) or ""

    def handle_redirect(self, redirect_url: str) -> None:
        """Checks the redirect back: StateMismatchError, OAuthError, CallbackError."""
        err = error_slot()
        raise_for(lib.pkce_logout_handle_redirect(self.handle, _to_c(redirect_url, "redirect_url"), ctypes.byref(err)), err)


def logout(client: Client, *, id_token_hint: Optional[str] = None, logout_hint: Optional[str] = None,
           ui_locales: Optional[str] = None, session_id: Optional[str] = None, browser: str = "system",
           timeout: float = 300.0, wait: bool = True, listener: Optional[Listener] = None) -> None:
    """Ends the user's session at the server in the browser, through a loopback listener's
    one-time start URL (``listener``, or one of its own), so that the ID token never sits in the
    browser program's arguments. With ``wait`` (the default) the listener is the post-logout
    redirect URI and this returns once the browser came back with the right state; without, once
    the browser has fetched the start URL. Revoke the tokens (:meth:`Client.revoke`) too: this
    ends the session only."""
    with Logout(client, id_token_hint=id_token_hint, logout_hint=logout_hint, ui_locales=ui_locales,
                session_id=session_id) as attempt:
        how, program = _browser(browser)
        err = error_slot()
        raise_for(lib.pkce_client_sign_out(client.handle, attempt.handle, None if listener is None else listener.handle,
                                           int(wait), how, program, max(1, int(timeout * 1000)), ctypes.byref(err)), err)


__all__ = ["Logout", "logout"]
