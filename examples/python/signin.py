#!/usr/bin/env python3
"""Sign a user in with OAuth 2.0 + PKCE, as a desktop or command-line app does.

    signin.py ISSUER CLIENT_ID [--scope "openid email"] [--ca-file PEM] [--print-url]

It discovers the server's endpoints, opens the authorization URL in the
browser (or prints it), receives the redirect on a loopback listener at
http://127.0.0.1:8765/callback (RFC 8252 7.3), exchanges the code and
prints the token response with the secrets shortened.
"""

from __future__ import annotations

import argparse
import http.server
import sys
import webbrowser

import libpkce

REDIRECT_URI = "http://127.0.0.1:8765/callback"


def wait_for_callback() -> str:
    """Serves one request on the loopback redirect URI and returns its full URL."""
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append("http://127.0.0.1:8765" + self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"Signed in. You can close this tab.\n")

        def log_message(self, *args: object) -> None:  # the URL carries the code: keep it out of logs
            pass

    with http.server.HTTPServer(("127.0.0.1", 8765), Handler) as server:
        while not received:
            server.handle_request()
    return received[0]


def shorten(secret: str | None) -> str:
    return "(none)" if secret is None else f"{secret[:6]}…({len(secret)} chars)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("issuer")
    parser.add_argument("client_id")
    parser.add_argument("--scope")
    parser.add_argument("--ca-file", help="trust this CA instead of the system's (test servers)")
    parser.add_argument("--print-url", action="store_true", help="print the URL instead of opening a browser")
    args = parser.parse_args()

    try:
        with libpkce.Client.discover(args.issuer, args.client_id, REDIRECT_URI, scope=args.scope,
                                     ca_file=args.ca_file) as client, client.start() as attempt:
            if args.print_url or not webbrowser.open(attempt.authorization_url):
                print("Open this URL to sign in:", attempt.authorization_url, flush=True)
            attempt.handle_callback(wait_for_callback())
            token = client.exchange(attempt)
    except libpkce.OAuthError as error:
        print(f"sign-in refused: {error.error}: {error.description or error}", file=sys.stderr)
        return 1
    except libpkce.PKCEError as error:
        print(f"sign-in failed: {error}", file=sys.stderr)
        return 1
    print("signed in")
    print("  access_token ", shorten(token.access_token))
    print("  token_type   ", token.token_type)
    print("  expires_at   ", token.expires_at.isoformat() if token.expires_at else "(not said)")
    print("  refresh_token", shorten(token.refresh_token))
    print("  scope        ", token.scope)
    return 0


if __name__ == "__main__":
    sys.exit(main())
