"""Loading libpkce.so.0 and declaring every C function the binding calls.

Every function gets argtypes and restype, so ctypes converts and checks
arguments instead of guessing. Library-owned strings (``char **``) are
copied into Python and then released with the library's own
``pkce_string_free``, which wipes them.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any, Iterator, List, Optional, Tuple

SONAME = "libpkce.so.0"
REQUIRED_MAJOR = 0
REQUIRED_MINOR = 1

status_t = ctypes.c_int
handle_t = ctypes.c_void_p
_P = ctypes.POINTER


def _candidates() -> Iterator[Tuple[str, str]]:
    """(how, path) pairs in the documented search order, each found only when
    the ones before it did not load: find_library runs a compiler or ldconfig
    and costs more than the rest of the import together."""
    env = os.environ.get("LIBPKCE_PATH")
    if env:
        yield "LIBPKCE_PATH", env
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), SONAME)
    if os.path.exists(beside):
        yield "packaged copy", beside
    yield "SONAME", SONAME
    import ctypes.util
    by_name = ctypes.util.find_library("pkce")
    if by_name:
        yield "find_library", by_name


def _load() -> ctypes.CDLL:
    tried = []
    for how, path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as error:
            tried.append(f"{how} {path!r}: {error}")
            continue
        _check_version(lib, path)
        return lib
    raise ImportError("libpkce: cannot load the C library; tried " + "; ".join(tried)
                      + " (set LIBPKCE_PATH to the path of libpkce.so.0)")


def _check_version(lib: ctypes.CDLL, path: str) -> None:
    lib.pkce_version.argtypes = []
    lib.pkce_version.restype = ctypes.c_char_p
    version = (lib.pkce_version() or b"").decode("ascii", "replace")
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ImportError(f"libpkce: {path} reports an unreadable version {version!r}") from None
    if major != REQUIRED_MAJOR or minor < REQUIRED_MINOR:
        raise ImportError(f"libpkce: {path} is version {version}; this binding needs "
                          f"{REQUIRED_MAJOR}.{REQUIRED_MINOR} or a later {REQUIRED_MAJOR}.x")


lib = _load()
VERSION: str = lib.pkce_version().decode("ascii")

_str = ctypes.c_char_p
_size = ctypes.c_size_t
_SIZES = ("pkce_verifier_min_length", "pkce_verifier_max_length", "pkce_s256_challenge_length",
          "pkce_random_min_length", "pkce_random_max_length", "pkce_response_max_bytes")
for _name in _SIZES:
    getattr(lib, _name).argtypes = []
    getattr(lib, _name).restype = _size
VERIFIER_MIN_LENGTH: int = lib.pkce_verifier_min_length()
VERIFIER_MAX_LENGTH: int = lib.pkce_verifier_max_length()
S256_CHALLENGE_LENGTH: int = lib.pkce_s256_challenge_length()
RANDOM_MIN_LENGTH: int = lib.pkce_random_min_length()
RANDOM_MAX_LENGTH: int = lib.pkce_random_max_length()
RESPONSE_MAX_BYTES: int = lib.pkce_response_max_bytes()
#: An output buffer for the longest verifier or random string and its NUL, sized from what the
#: library reports. Declaring the exact array type lets ctypes pass such buffers through
#: without conversion work.
OutBuffer = ctypes.c_char * (max(VERIFIER_MAX_LENGTH, RANDOM_MAX_LENGTH, S256_CHALLENGE_LENGTH) + 1)
_int = ctypes.c_int
_out_handle = _P(handle_t)
_out_string = _P(ctypes.c_void_p)

# name: (argtypes, restype)
_PROTOTYPES: dict[str, Tuple[List[Any], Any]] = {
    "pkce_strerror": ([status_t], _str),
    "pkce_string_free": ([ctypes.c_void_p], None),
    "pkce_error_status": ([handle_t], status_t),
    "pkce_error_message": ([handle_t], _str),
    "pkce_error_oauth_error": ([handle_t], _str),
    "pkce_error_description": ([handle_t], _str),
    "pkce_error_uri": ([handle_t], _str),
    "pkce_error_http_status": ([handle_t], _int),
    "pkce_error_request_id": ([handle_t], _str),
    "pkce_error_body": ([handle_t, _P(_size)], ctypes.c_void_p),
    "pkce_error_free": ([handle_t], None),
    "pkce_verifier_generate": ([_size, ctypes.c_char_p, _size], status_t),
    "pkce_verifier_check": ([_str], status_t),
    "pkce_challenge_derive": ([_str, _int, ctypes.c_char_p, _size], status_t),
    "pkce_pair_generate": ([_size, OutBuffer, _size, OutBuffer, _size], status_t),
    "pkce_random_string": ([_size, ctypes.c_char_p, _size], status_t),
    "pkce_state_check": ([_str, _str], status_t),
    "pkce_client_new": ([_str, _str, _out_handle], status_t),
    "pkce_client_free": ([handle_t], None),
    "pkce_client_set_authorization_endpoint": ([handle_t, _str], status_t),
    "pkce_client_set_token_endpoint": ([handle_t, _str], status_t),
    "pkce_client_set_revocation_endpoint": ([handle_t, _str], status_t),
    "pkce_client_use_workos": ([handle_t, _str], status_t),
    "pkce_client_set_scope": ([handle_t, _str], status_t),
    "pkce_client_set_secret": ([handle_t, _str, _int], status_t),
    "pkce_token_store_open_file": ([_str, _out_handle], status_t),
    "pkce_token_store_open_keyring": ([_int, _out_handle], status_t),
    "pkce_token_store_free": ([handle_t], None),
    "pkce_token_store_check": ([handle_t, _P(_int), _out_handle], status_t),
    "pkce_token_source_new": ([handle_t, handle_t, handle_t, _str, _out_handle, _out_handle], status_t),
    "pkce_token_source_free": ([handle_t], None),
    "pkce_token_source_set_leeway": ([handle_t, ctypes.c_int64], status_t),
    "pkce_token_source_set_time": ([handle_t, ctypes.c_int64], status_t),
    "pkce_token_source_on_refresh": ([handle_t, ctypes.c_void_p, ctypes.c_void_p], status_t),
    "pkce_token_source_access_token": ([handle_t, ctypes.c_char_p, _size, _P(_size), _out_handle], status_t),
    "pkce_client_set_issuer": ([handle_t, _str, _int], status_t),
    "pkce_client_refresh_request": ([handle_t, _str, _str, _out_handle], status_t),
    "pkce_client_revocation_request": ([handle_t, _str, _str, _out_handle], status_t),
    "pkce_client_metadata_url": ([_str, _size, _out_string], status_t),
    "pkce_client_apply_metadata": ([handle_t, _str, _str, _size, _out_handle], status_t),
    "pkce_client_set_ca_file": ([handle_t, _str], status_t),
    "pkce_client_set_ca_path": ([handle_t, _str], status_t),
    "pkce_client_set_timeouts": ([handle_t, ctypes.c_long, ctypes.c_long], status_t),
    "pkce_client_set_max_idle_connections": ([handle_t, _size], status_t),
    "pkce_client_allow_loopback_http": ([handle_t, _int], status_t),
    "pkce_client_send": ([handle_t, handle_t, _P(_int), _out_string, _P(_size), _out_handle], status_t),
    "pkce_client_exchange": ([handle_t, handle_t, _out_handle, _out_handle], status_t),
    "pkce_client_refresh": ([handle_t, _str, _str, _out_handle, _out_handle], status_t),
    "pkce_client_revoke": ([handle_t, _str, _str, _out_handle], status_t),
    "pkce_client_workos_logout_url": ([handle_t, _str, _str, _out_string], status_t),
    "pkce_client_send_token": ([handle_t, handle_t, handle_t, _out_handle, _out_handle], status_t),
    "pkce_client_send_revocation": ([handle_t, handle_t, _out_handle], status_t),
    "pkce_client_discover": ([handle_t, _str, _out_handle], status_t),
    "pkce_attempt_new": ([handle_t, _out_handle], status_t),
    "pkce_attempt_restore": ([handle_t, _str, _str, _str, _out_handle], status_t),
    "pkce_attempt_free": ([handle_t], None),
    "pkce_attempt_state": ([handle_t], _str),
    "pkce_attempt_nonce": ([handle_t], _str),
    "pkce_attempt_verifier": ([handle_t], _str),
    "pkce_attempt_challenge": ([handle_t], _str),
    "pkce_attempt_add_parameter": ([handle_t, _str, _str], status_t),
    "pkce_attempt_authorization_url": ([handle_t, _out_string], status_t),
    "pkce_attempt_handle_callback": ([handle_t, _str, _out_handle], status_t),
    "pkce_attempt_token_request": ([handle_t, _out_handle], status_t),
    "pkce_http_request_method": ([handle_t], _str),
    "pkce_http_request_url": ([handle_t], _str),
    "pkce_http_request_header_count": ([handle_t], _size),
    "pkce_http_request_header": ([handle_t, _size, _P(_str), _P(_str)], status_t),
    "pkce_http_request_body": ([handle_t, _P(_size)], ctypes.c_void_p),
    "pkce_http_request_free": ([handle_t], None),
    "pkce_http_request_add_field": ([handle_t, _str, _str], status_t),
    "pkce_http_request_add_header": ([handle_t, _str, _str], status_t),
    "pkce_token_parse": ([_int, _str, _size, _out_handle, _out_handle], status_t),
    "pkce_token_free": ([handle_t], None),
    "pkce_token_access_token": ([handle_t], _str),
    "pkce_token_token_type": ([handle_t], _str),
    "pkce_token_refresh_token": ([handle_t], _str),
    "pkce_token_scope": ([handle_t], _str),
    "pkce_token_id_token": ([handle_t], _str),
    "pkce_token_expires_in": ([handle_t, _P(ctypes.c_int64)], status_t),
    "pkce_token_json": ([handle_t, _P(_size)], ctypes.c_void_p),
    "pkce_token_member_json": ([handle_t, _str, _out_string], status_t),
    "pkce_token_member_string": ([handle_t, _str, _out_string], status_t),
    "pkce_client_refresh_subject": ([handle_t, _str, _str, _str, _out_handle, _out_handle], status_t),
    "pkce_client_set_jwks_uri": ([handle_t, _str], status_t),
    "pkce_client_set_jwks": ([handle_t, _str, _size, _out_handle], status_t),
    "pkce_client_set_userinfo_endpoint": ([handle_t, _str], status_t),
    "pkce_client_set_id_token_algorithms": ([handle_t, _str], status_t),
    "pkce_client_set_clock_skew": ([handle_t, ctypes.c_long], status_t),
    "pkce_client_set_time": ([handle_t, ctypes.c_int64], status_t),
    "pkce_token_id_token_claims": ([handle_t], handle_t),
    "pkce_id_token_verify": ([handle_t, handle_t, _str, _str, _str, _size, _out_handle, _out_handle], status_t),
    "pkce_id_token_free": ([handle_t], None),
    "pkce_id_token_subject": ([handle_t], _str),
    "pkce_id_token_json": ([handle_t, _P(_size)], ctypes.c_void_p),
    "pkce_id_token_claim_string": ([handle_t, _str, _out_string], status_t),
    "pkce_id_token_claim_json": ([handle_t, _str, _out_string], status_t),
    "pkce_client_userinfo": ([handle_t, _str, _str, _out_string, _P(_size), _out_handle], status_t),
    "pkce_dpop_key_new": ([_int, _out_handle], status_t),
    "pkce_dpop_key_from_pem": ([_str, _size, _out_handle], status_t),
    "pkce_dpop_key_free": ([handle_t], None),
    "pkce_dpop_key_alg": ([handle_t], _int),
    "pkce_dpop_key_jwk": ([handle_t], _str),
    "pkce_dpop_key_thumbprint": ([handle_t], _str),
    "pkce_dpop_key_pem": ([handle_t, _out_string], status_t),
    "pkce_dpop_key_nonce": ([handle_t, _str, _out_string], status_t),
    "pkce_dpop_key_set_nonce": ([handle_t, _str, _str], status_t),
    "pkce_dpop_proof": ([handle_t, _str, _str, _str, _out_string], status_t),
    "pkce_dpop_headers": ([handle_t, _str, _str, _str, _str, _out_string, _out_string], status_t),
    "pkce_client_enable_dpop": ([handle_t, _int], status_t),
    "pkce_client_set_dpop_key": ([handle_t, handle_t], status_t),
    "pkce_client_dpop_key": ([handle_t, _out_handle], status_t),
    "pkce_client_set_dpop_flags": ([handle_t, ctypes.c_uint], status_t),
    "pkce_token_is_dpop_bound": ([handle_t], _int),
    "pkce_token_dpop_key": ([handle_t, _out_handle], status_t),
    "pkce_token_source_dpop_headers": ([handle_t, _str, _str, _str, _out_string, _out_string, _out_handle], status_t),
    "pkce_listener_new": ([_str, _P(ctypes.c_uint16), _size, _str, _out_handle, _out_handle], status_t),
    "pkce_listener_free": ([handle_t], None),
    "pkce_listener_port": ([handle_t], ctypes.c_uint16),
    "pkce_listener_redirect_uri": ([handle_t], _str),
    "pkce_listener_set_pages": ([handle_t, _str, _str], status_t),
    "pkce_listener_start_url": ([handle_t, _str, _out_string], status_t),
    "pkce_listener_wait": ([handle_t, handle_t, _int, _out_handle], status_t),
    "pkce_listener_cancel": ([handle_t], None),
    "pkce_browser_open": ([_str, _int, _str], status_t),
    "pkce_client_set_resource": ([handle_t, _str], status_t),
    "pkce_client_set_end_session_endpoint": ([handle_t, _str], status_t),
    "pkce_client_set_par_endpoint": ([handle_t, _str], status_t),
    "pkce_client_prefer_par": ([handle_t, _int], status_t),
    "pkce_client_push": ([handle_t, handle_t, _out_handle], status_t),
    "pkce_attempt_par_request": ([handle_t, _out_handle], status_t),
    "pkce_attempt_handle_par_response": ([handle_t, _int, ctypes.c_char_p, _size, _out_handle], status_t),
    "pkce_attempt_request_uri": ([handle_t], _str),
    "pkce_attempt_par_expired": ([handle_t], _int),
    "pkce_token_store_remove": ([handle_t, _size, _out_handle], status_t),
    "pkce_logout_new": ([handle_t, _out_handle], status_t),
    "pkce_logout_free": ([handle_t], None),
    "pkce_logout_state": ([handle_t], _str),
    "pkce_logout_set_id_token_hint": ([handle_t, _str], status_t),
    "pkce_logout_set_hints": ([handle_t, _str, _str, _str], status_t),
    "pkce_logout_set_post_logout_redirect_uri": ([handle_t, _str], status_t),
    "pkce_logout_url": ([handle_t, _out_string], status_t),
    "pkce_logout_handle_redirect": ([handle_t, _str, _out_handle], status_t),
    "pkce_client_sign_out": ([handle_t, handle_t, handle_t, _int, _int, _str, _int, _out_handle], status_t),
    "pkce_token_store_entry_resource": ([handle_t, _size, _out_string, _out_handle], status_t),
    "pkce_resource_new": ([_str, _out_handle], status_t),
    "pkce_resource_free": ([handle_t], None),
    "pkce_resource_uri": ([handle_t], _str),
    "pkce_resource_set_client_id": ([handle_t, _str], status_t),
    "pkce_resource_set_client_name": ([handle_t, _str], status_t),
    "pkce_resource_set_scope": ([handle_t, _str], status_t),
    "pkce_resource_set_issuer": ([handle_t, _str], status_t),
    "pkce_resource_set_store": ([handle_t, handle_t], status_t),
    "pkce_resource_set_challenge": ([handle_t, _str, _out_handle], status_t),
    "pkce_resource_sign_in": ([handle_t, handle_t, _int, _str, _int, _out_handle, _out_handle], status_t),
    "pkce_resource_next_request": ([handle_t, _out_handle], status_t),
    "pkce_resource_handle_response": ([handle_t, _int, _str, ctypes.c_char_p, _size, _out_handle], status_t),
    "pkce_resource_registration_request": ([handle_t, _str, _out_handle], status_t),
    "pkce_resource_handle_registration": ([handle_t, _str, _int, ctypes.c_char_p, _size, _out_handle], status_t),
    "pkce_resource_configure": ([handle_t, handle_t, _str, _out_handle], status_t),
    "pkce_challenge_param": ([_str, _str, _out_string, _out_handle], status_t),
    "pkce_token_source_fetch": ([handle_t, _str, _str, _P(_str), _size, ctypes.c_char_p, _size, _out_handle,
                                 _out_handle], status_t),
    "pkce_token_source_set_step_up": ([handle_t, handle_t, _int, _str, _int], status_t),
    "pkce_http_response_free": ([handle_t], None),
    "pkce_http_response_status": ([handle_t], _int),
    "pkce_http_response_body": ([handle_t, _P(_size)], ctypes.c_void_p),
    "pkce_http_response_content_type": ([handle_t], _str),
    "pkce_http_response_www_authenticate": ([handle_t, _size], _str),
    "pkce_attempt_set_redirect_uri": ([handle_t, _str], status_t),
    "pkce_client_sign_in": ([handle_t, handle_t, handle_t, _int, _str, _int, _out_handle, _out_handle], status_t),
    "pkce_client_set_device_authorization_endpoint": ([handle_t, _str], status_t),
    "pkce_client_device_start": ([handle_t, _str, _out_handle, _out_handle], status_t),
    "pkce_client_device_poll": ([handle_t, handle_t, _out_handle, _out_handle], status_t),
    "pkce_device_cancel": ([handle_t], None),
    "pkce_device_free": ([handle_t], None),
    "pkce_device_user_code": ([handle_t], _str),
    "pkce_device_verification_uri": ([handle_t], _str),
    "pkce_device_verification_uri_complete": ([handle_t], _str),
    "pkce_device_expires_in": ([handle_t], ctypes.c_int64),
    "pkce_device_interval": ([handle_t], ctypes.c_int64),
    "pkce_client_set_log": ([handle_t, _int, ctypes.c_void_p, ctypes.c_void_p], status_t),
    "pkce_client_endpoint": ([handle_t, _int, _out_string], status_t),
    "pkce_client_requires_iss": ([handle_t], _int),
}

#: The C type of pkce_token_refreshed_fn: (token, user_data).
TokenRefreshedFunction = ctypes.CFUNCTYPE(None, handle_t, ctypes.c_void_p)

#: The C type of pkce_log_fn: (level, message, user_data).
LogFunction = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

for _name, (_argtypes, _restype) in _PROTOTYPES.items():
    _function = getattr(lib, _name)
    _function.argtypes = _argtypes
    _function.restype = _restype


def take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """Copies a library-allocated string and frees it (the library wipes it)."""
    if not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.pkce_string_free(pointer)


def text(value: Optional[bytes]) -> Optional[str]:
    """A borrowed ``const char *`` (already copied by ctypes) as str."""
    return None if value is None else value.decode("utf-8")
