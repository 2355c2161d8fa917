"""Sender-constrained tokens: DPoP (RFC 9449). A :class:`DPoPKey` proves
that the sender of a request holds the key its tokens are bound to; a
:class:`~libpkce.Client` made with ``dpop=`` signs every request to its
server, and :meth:`~libpkce.TokenSource.dpop_headers` gives the two headers
for a request to the application's own API."""

from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional, Union

from ._errors import InvalidArgumentError, Status, error_slot, raise_for
from ._native import handle_t, lib, take_string, text
from ._values import _Handle, _to_c, _to_c_opt

#: pkce_dpop_alg by JWS name; "auto" (0) lets discovery choose.
ALGORITHMS: Dict[str, int] = {"auto": 0, "ES256": 1, "EdDSA": 2, "RS256": 3}
_NAMES = {number: name for name, number in ALGORITHMS.items()}


def algorithm(name: str) -> int:
    """The pkce_dpop_alg of a JWS algorithm name (or "auto")."""
    if name not in ALGORITHMS:
        raise InvalidArgumentError(Status.INVALID_ARGUMENT, f"DPoP algorithm {name!r} is not one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name]


def _header_pair(authorization: ctypes.c_void_p, proof: ctypes.c_void_p) -> Dict[str, str]:
    """The two library strings as a headers dict (both freed, which wipes them)."""
    token_header, proof_header = take_string(authorization), take_string(proof)
    return {"Authorization": token_header or "", "DPoP": proof_header or ""}


class DPoPKey(_Handle):
    """A DPoP private key (ES256 by default; "EdDSA" or "RS256"), made by OpenSSL's CSPRNG and
    wiped when the last holder lets go: the tokens bound to it are useless without it. It also
    remembers the nonce each server last gave. Keep it with :meth:`pem` and :meth:`from_pem`
    where the application keeps secrets (a token store keeps it with the tokens by itself)."""

    _free = lib.pkce_dpop_key_free

    def __init__(self, alg: str = "ES256", *, _handle: Optional[handle_t] = None) -> None:
        if _handle is None:
            _handle = handle_t()
            raise_for(lib.pkce_dpop_key_new(algorithm(alg), ctypes.byref(_handle)), what="alg")
        super().__init__(_handle)

    @classmethod
    def from_pem(cls, pem: Union[str, bytes]) -> DPoPKey:
        """A key kept as PEM (PKCS#8, or the traditional EC and RSA forms; never encrypted)."""
        data = pem.encode() if isinstance(pem, str) else pem
        handle = handle_t()
        raise_for(lib.pkce_dpop_key_from_pem(data, len(data), ctypes.byref(handle)))
        return cls(_handle=handle)

    @property
    def alg(self) -> str:
        return _NAMES[lib.pkce_dpop_key_alg(self.handle)]

    @property
    def jwk(self) -> Dict[str, Any]:
        """The public key's required JWK members, as proofs carry it."""
        import json
        value: Dict[str, Any] = json.loads(text(lib.pkce_dpop_key_jwk(self.handle)) or "{}")
        return value

    @property
    def thumbprint(self) -> str:
        """RFC 7638 thumbprint: a bound token's ``cnf.jkt``."""
        return text(lib.pkce_dpop_key_thumbprint(self.handle)) or ""

    def pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM: a secret."""
        out = ctypes.c_void_p()
        raise_for(lib.pkce_dpop_key_pem(self.handle, ctypes.byref(out)))
        return take_string(out) or ""

    def nonce(self, url: str) -> Optional[str]:
        """The nonce remembered for ``url``'s server, or None."""
        out = ctypes.c_void_p()
        status = lib.pkce_dpop_key_nonce(self.handle, _to_c(url, "url"), ctypes.byref(out))
        if status == Status.NOT_FOUND:
            return None
        raise_for(status)
        return take_string(out)

    def set_nonce(self, url: str, nonce: str) -> None:
        """Remembers a ``DPoP-Nonce`` a server at ``url`` answered with."""
        raise_for(lib.pkce_dpop_key_set_nonce(self.handle, _to_c(url, "url"), _to_c(nonce, "nonce")), what="nonce")

    def proof(self, method: str, url: str, access_token: Optional[str] = None) -> str:
        """A proof for one request (fresh ``jti``, ``iat`` now, the remembered nonce, ``ath``
        with ``access_token``)."""
        out = ctypes.c_void_p()
        raise_for(lib.pkce_dpop_proof(self.handle, _to_c(method, "method"), _to_c(url, "url"),
                                      _to_c_opt(access_token, "access_token"), ctypes.byref(out)))
        return take_string(out) or ""

    def headers(self, access_token: str, method: str, url: str, nonce: Optional[str] = None) -> Dict[str, str]:
        """``Authorization`` and ``DPoP`` for a request with a DPoP-bound token, as a dict for
        ``requests`` or ``httpx``; ``nonce``: one the resource asked for (remembered)."""
        authorization, proof = ctypes.c_void_p(), ctypes.c_void_p()
        raise_for(lib.pkce_dpop_headers(self.handle, _to_c(access_token, "access_token"), _to_c(method, "method"),
                                        _to_c(url, "url"), _to_c_opt(nonce, "nonce"), ctypes.byref(authorization),
                                        ctypes.byref(proof)), what="nonce")
        return _header_pair(authorization, proof)


def source_headers(source: handle_t, method: str, url: str, nonce: Optional[str]) -> Dict[str, str]:
    """:meth:`TokenSource.dpop_headers`, over the C call."""
    authorization, proof, err = ctypes.c_void_p(), ctypes.c_void_p(), error_slot()
    raise_for(lib.pkce_token_source_dpop_headers(source, _to_c(method, "method"), _to_c(url, "url"),
                                                 _to_c_opt(nonce, "nonce"), ctypes.byref(authorization),
                                                 ctypes.byref(proof), ctypes.byref(err)), err)
    return _header_pair(authorization, proof)


def configure(client: handle_t, dpop: Union[bool, str, DPoPKey, None], require_bound: bool, send_jkt: bool) -> None:
    """Turns DPoP on for a client as ``Client(dpop=...)`` says."""
    if dpop is None or dpop is False:
        if require_bound or send_jkt:
            raise InvalidArgumentError(Status.INVALID_ARGUMENT, "dpop_require_bound and dpop_jkt need dpop")
        return
    if isinstance(dpop, DPoPKey):
        raise_for(lib.pkce_client_set_dpop_key(client, dpop.handle))
    else:
        raise_for(lib.pkce_client_enable_dpop(client, algorithm("auto" if dpop is True else str(dpop))), what="dpop")
    raise_for(lib.pkce_client_set_dpop_flags(client, (1 if require_bound else 0) | (2 if send_jkt else 0)))


def client_key(client: handle_t) -> Optional[DPoPKey]:
    """The client's key (a new reference), or None without DPoP."""
    handle = handle_t()
    status = lib.pkce_client_dpop_key(client, ctypes.byref(handle))
    if status == Status.NOT_FOUND:
        return None
    raise_for(status)
    return DPoPKey(_handle=handle)
