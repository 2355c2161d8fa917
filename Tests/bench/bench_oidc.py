"""`make bench`, OpenID Connect part: verifying an ID token with a cached
key. Makes RSA, EC and Ed25519 keys and one ID token for each with joserfc,
then runs bench_oidc (libpkce against bare EVP_DigestVerify, from C) and
measures the same RS256 token from Python: libpkce against PyJWT and
Authlib, each with its key prepared beforehand.

Usage: bench_oidc.py BENCH_BINARY STATE_DIR
"""

import json
import subprocess
import sys
import time
import timeit
from pathlib import Path

import jwt as pyjwt
from authlib.jose import JsonWebKey
from authlib.jose import jwt as authlib_jwt
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

import libpkce

ISSUER, CLIENT = "https://as.example", "bench-client"


def per_call_us(fn, n: int) -> float:
    return min(timeit.repeat(fn, number=n, repeat=7)) / n * 1e6


def main() -> int:
    binary, state = sys.argv[1], Path(sys.argv[2])
    state.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "user_01BENCH", "aud": CLIENT, "iat": now, "exp": now + 3600,
              "email": "ada@example.com", "email_verified": True, "name": "Ada Lovelace"}
    keys = {"rs256": ("RS256", RSAKey.generate_key(2048, parameters={"kid": "r"})),
            "es256": ("ES256", ECKey.generate_key("P-256", parameters={"kid": "e"})),
            "eddsa": ("EdDSA", OKPKey.generate_key("Ed25519", parameters={"kid": "d"}))}
    jwks = {"keys": [key.as_dict(private=False) for _, key in keys.values()]}
    (state / "jwks.json").write_text(json.dumps(jwks))
    tokens = {}
    for name, (alg, key) in keys.items():
        tokens[name] = jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])
        (state / f"{name}.token").write_text(tokens[name])
        (state / f"{name}.pem").write_bytes(key.as_pem(private=False))
    out = subprocess.run([binary, str(state), str(now)], check=True, capture_output=True, text=True).stdout
    print("\nID token verification with a cached key, from C (best of 7 alternating batches)")
    for line in out.splitlines():
        alg, ours, bare = line.split()
        target = "target <= 1.20x" if alg == "RS256" else ""
        print(f"  {alg + ': pkce_id_token_verify':48} {float(ours):9.1f} us")
        print(f"  {'  bare EVP_DigestVerify on the same bytes':48} {float(bare):9.1f} us   "
              f"libpkce / OpenSSL = {float(ours) / float(bare):.2f}x   {target}")

    token = tokens["rs256"]
    client = libpkce.Client(CLIENT, "http://127.0.0.1:8765/callback", issuer=ISSUER, jwks=jwks, time=now)
    assert client.verify_id_token(token)["sub"] == "user_01BENCH"
    public_pem = keys["rs256"][1].as_pem(private=False)
    pyjwt_key = pyjwt.PyJWK(jwks["keys"][0]).key
    authlib_key = JsonWebKey.import_key(jwks["keys"][0])

    def with_pyjwt():
        pyjwt.decode(token, pyjwt_key, algorithms=["RS256"], audience=CLIENT, issuer=ISSUER)

    def with_authlib():
        decoded = authlib_jwt.decode(token, authlib_key,
                                     claims_options={"iss": {"essential": True, "value": ISSUER},
                                                     "aud": {"essential": True, "value": CLIENT}})
        decoded.validate(now=now)

    with_pyjwt()
    with_authlib()
    ours = per_call_us(lambda: client.verify_id_token(token), 2000)
    print("\nID token verification from Python, RS256 (best of 7)")
    print(f"  {'libpkce: Client.verify_id_token':48} {ours:9.1f} us")
    for name, fn in (("PyJWT: jwt.decode (key prepared)", with_pyjwt), ("Authlib: jwt.decode + validate", with_authlib)):
        theirs = per_call_us(fn, 2000)
        print(f"  {name:48} {theirs:9.1f} us   libpkce is {theirs / ours:.1f}x faster   target > 1x")
    del public_pem
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
