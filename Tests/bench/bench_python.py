"""`make bench`, Python part: one PKCE pair (verifier + S256 challenge)
through the binding against the pure-Python ways, measured in this run."""

import base64
import hashlib
import secrets
import sys
import timeit

import pkce
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

import libpkce


def stdlib_pair() -> tuple:
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authlib_pair() -> tuple:
    verifier = generate_token(48)
    return verifier, create_s256_code_challenge(verifier)


def per_call_us(fn, n: int) -> float:
    return min(timeit.repeat(fn, number=n, repeat=7)) / n * 1e6


def main() -> int:
    for make_pair in (libpkce.generate_pair, stdlib_pair, pkce.generate_pkce_pair, authlib_pair):
        verifier, challenge = make_pair()
        assert libpkce.challenge(verifier) == challenge, make_pair  # all four compute the same thing
    ours = per_call_us(libpkce.generate_pair, 100000)
    rows = [("stdlib: token_urlsafe(32) + sha256 + b64", per_call_us(stdlib_pair, 100000), "target: libpkce <= 1.0x"),
            ("PyPI pkce 1.0.3: generate_pkce_pair()", per_call_us(pkce.generate_pkce_pair, 50000), "target: faster"),
            ("Authlib: generate_token(48) + s256", per_call_us(authlib_pair, 20000), "target: faster")]
    print(f"\nPKCE pair from Python (best of 7)\n  {'libpkce.generate_pair()':48} {ours:9.2f} us")
    for name, us, target in rows:
        print(f"  {name:48} {us:9.2f} us   libpkce / it = {ours / us:.2f}x   {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
