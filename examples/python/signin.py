#!/usr/bin/env python3
"""Sign a user in with OAuth 2.0 + PKCE, as a desktop or command-line app does.

    signin.py ISSUER CLIENT_ID [--scope "openid email"] [--ca-file PEM]
              [--browser PROGRAM | --print-url] [--device] [--verbose]

It discovers the server's endpoints and calls Client.sign_in(): a loopback
listener on a free port (RFC 8252 7.3), the authorization URL opened in the
browser with that port's redirect URI, the redirect checked, the code
exchanged. With --device it uses the device authorization grant instead.
It prints the token response with the secrets shortened.
"""

from __future__ import annotations

import argparse
import logging
import sys

import libpkce


def shorten(secret: str | None) -> str:
    return "(none)" if secret is None else f"{secret[:6]}…({len(secret)} chars)"


def show_code(device: libpkce.DeviceAuthorization) -> None:
    print(f"To sign in, open {device.verification_uri} and enter the code {device.user_code}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("issuer")
    parser.add_argument("client_id")
    parser.add_argument("--scope")
    parser.add_argument("--ca-file", help="trust this CA instead of the system's (test servers)")
    parser.add_argument("--browser", default="system", help="a program to open the URL with")
    parser.add_argument("--print-url", action="store_true", help="print the URL instead of opening a browser")
    parser.add_argument("--device", action="store_true", help="sign in on another device (RFC 8628)")
    parser.add_argument("--verbose", action="store_true", help="the library's debug log, secrets masked")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")

    try:
        # The redirect URI given here is replaced by the listener's, whose port is known once bound.
        with libpkce.Client.discover(args.issuer, args.client_id, "http://127.0.0.1/callback", scope=args.scope,
                                     ca_file=args.ca_file) as client:
            if args.device:
                token = client.sign_in_device(show_code)
            else:
                token = client.sign_in(browser="print" if args.print_url else args.browser, timeout=300)
    except libpkce.OAuthError as error:
        print(f"the server refused: {error.error} {error.description or ''}", file=sys.stderr)
        return 1
    except libpkce.PKCEError as error:
        print(f"sign-in failed: {error}", file=sys.stderr)
        return 1
    print("signed in")
    print(f"  access_token  {shorten(token.access_token)}")
    print(f"  token_type    {token.token_type}")
    print(f"  expires_in    {token.expires_in}")
    print(f"  refresh_token {shorten(token.refresh_token)}")
    print(f"  scope         {token.scope}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
