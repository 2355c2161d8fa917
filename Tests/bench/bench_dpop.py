"""`make bench`, DPoP part: what a proof, the header pair and a code exchange
with DPoP cost, each against a baseline measured in the same run (see
bench_dpop.c), the exchanges against nginx answering a fixed token JSON.

Usage: bench_dpop.py BENCH_BINARY STATE_DIR
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from bench_https import start_nginx


def main() -> int:
    binary, state = sys.argv[1], Path(sys.argv[2]).resolve()
    state.mkdir(parents=True, exist_ok=True)
    nginx, url, ca = start_nginx(state)
    dpop_url = url.replace("/token", "/dpop-token")
    try:
        out = subprocess.run([binary, url, dpop_url, ca], check=True, capture_output=True, text=True,
                             env=dict(os.environ)).stdout
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)
    f = {name: float(value) for name, value in (line.split() for line in out.splitlines())}
    extra, signing = f["exchange_dpop"] - f["exchange"], f["exchange_sign"] - f["exchange"]
    carrying = f["exchange_padded"] - f["exchange"]
    print("\nDPoP (ES256), best of 7 batches")
    print(f"  {'bare EVP_DigestSign of the same bytes':48} {f['sign']:9.2f} us")
    print(f"  {'pkce_dpop_proof':48} {f['proof']:9.2f} us   proof / sign = {f['proof'] / f['sign']:.2f}x   target <= 1.15x")
    print(f"  {'pkce_token_source_dpop_headers, no refresh':48} {f['pair']:9.2f} us   "
          f"pair / proof = {f['pair'] / f['proof']:.2f}x   target <= 1.15x")
    print("\nCode exchange over loopback TLS, nginx answering a fixed JSON (medians of 5000 of each, taken in turn)")
    print(f"  {'without DPoP':48} {f['exchange']:9.1f} us")
    print(f"  {'without DPoP, plus a bare EVP_DigestSign':48} {f['exchange_sign']:9.1f} us   "
          f"a signature between exchanges: {signing:+.1f} us")
    print(f"  {'without DPoP, a header as long as a proof':48} {f['exchange_padded']:9.1f} us   "
          f"carrying the bytes (libcurl formats each header byte by byte): {carrying:+.1f} us")
    print(f"  {'with a DPoP proof':48} {f['exchange_dpop']:9.1f} us   {extra:+.1f} us = "
          f"{extra / signing:.2f} signatures there ({extra / f['sign']:.2f} in a loop of their own)   target <= 1")
    print(f"  {'  of which the proof beyond its bytes':48} {extra - carrying:+9.1f} us = {(extra - carrying) / signing:.2f} "
          "signatures there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
