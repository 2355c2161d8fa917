"""`make bench`, HTTPS part: a token exchange over loopback TLS with
keep-alive, against nginx answering a fixed token JSON (so that the server
is not what is measured). Prints microseconds per exchange and ratios, all
measured in this run.

Usage: bench_https.py BENCH_BINARY STATE_DIR
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import trustme
from authlib.integrations.requests_client import OAuth2Session

TOKEN = '{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,' \
        '"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"openid profile"}'
# What a DPoP server answers a request with a proof (at /dpop-token): the same, bound.
DPOP_TOKEN = TOKEN.replace('"Bearer"', '"DPoP"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(state: Path, access_log: bool = False) -> tuple[subprocess.Popen, str, str]:
    """nginx on a free loopback port answering TOKEN at /token (and DPOP_TOKEN at /dpop-token); with access_log, each request
    is a line of STATE/access.log (for counting what reached it)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(state / "ca.pem"))
    cert.private_key_pem.write_to_path(str(state / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(state / "cert.pem"))
    port = free_port()
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (state / d).mkdir(exist_ok=True)
    (state / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log {f"{state}/access.log" if access_log else "off"};
    keepalive_requests 1000000;
    client_header_buffer_size 4k;  # room for a DPoP proof: a 1 KiB default sends bigger heads down a slower path
    keepalive_timeout 60s;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {state}/cert.pem;
        ssl_certificate_key {state}/key.pem;
        location = /token {{ default_type application/json; return 200 '{TOKEN}'; }}
        location = /dpop-token {{ default_type application/json; return 200 '{DPOP_TOKEN}'; }}
    }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", str(state / "nginx.conf"), "-p", str(state)])
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(state / 'error.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"https://127.0.0.1:{port}/token", str(state / "ca.pem")


def authlib_exchange_us(url: str, ca: str, n: int = 300) -> float:
    session = OAuth2Session("bench-client", redirect_uri="http://127.0.0.1:8765/callback",
                            code_challenge_method="S256")
    best = 1e30
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            session.fetch_token(url, code="SplxlOBeZQQYbYS6WxSbIA",
                                code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", verify=ca)
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


def main() -> int:
    binary, state = sys.argv[1], Path(sys.argv[2]).resolve()
    state.mkdir(parents=True, exist_ok=True)
    nginx, url, ca = start_nginx(state)
    try:
        out = subprocess.run([binary, url, ca], check=True, capture_output=True, text=True,
                             env=dict(os.environ)).stdout
        figures = {name: float(value) for name, value in (line.split() for line in out.splitlines())}
        figures["authlib"] = authlib_exchange_us(url, ca)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)
    ours = figures["libpkce"]
    print("\nToken exchange over loopback TLS, keep-alive, nginx answering a fixed JSON "
          "(libpkce and plain C: medians of 10000 taken in turn; the others: best of batches)")
    print(f"  {'libpkce: pkce_client_exchange (send + parse)':48} {ours:9.1f} us")
    print(f"  {'plain C: same POST, one reused libcurl handle':48} {figures['curl']:9.1f} us   "
          f"libpkce / curl = {ours / figures['curl']:.2f}x   target <= 1.05x")
    print(f"  {'Authlib: OAuth2Session.fetch_token (requests)':48} {figures['authlib']:9.1f} us   "
          f"libpkce is {figures['authlib'] / ours:.1f}x faster   target >= 3x")
    if "iddawc" in figures:
        print(f"  {'iddawc: i_run_token_request':48} {figures['iddawc']:9.1f} us   "
              f"libpkce is {figures['iddawc'] / ours:.1f}x faster   target > 1x")
    print("\nThreads exchanging at once, wall-clock time per exchange (medians of 9 batches taken in turn)")
    for threads, target in ((8, 1.15), (64, 1.10), (128, 1.10)):
        shared, separate = figures[f"threads_shared_{threads}"], figures[f"threads_separate_{threads}"]
        print(f"  {f'{threads} threads, each with a client of its own':48} {separate:9.1f} us")
        print(f"  {f'{threads} threads sharing one client':48} {shared:9.1f} us   "
              f"shared / separate = {shared / separate:.2f}x   target <= {target:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
