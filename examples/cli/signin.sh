#!/bin/sh
# `make demo`: the native-app sign-in with the pkce tool, against the local
# Authlib server (Tests/server/with-server.sh passes its issuer and CA in
# PKCE_TEST_ISSUER and PKCE_TEST_CA). The browser is a script that does what
# a user's browser does: it follows the authorization URL, the server signs
# its test user in, and the redirect reaches pkce's loopback listener.
# Usage: signin.sh BROWSER_PROGRAM
set -eu
browser=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
server="--issuer $PKCE_TEST_ISSUER --client-id libpkce-test --ca-file $PKCE_TEST_CA"
run() {
    printf '\n$ %s\n' "$*" | sed "s|$PKCE_TEST_CA|ca.pem|; s|$work/||g"
    "$@"
}

echo "libpkce $(pkce --version | cut -d' ' -f2): sign in, refresh and revoke with the pkce tool"
echo "authorization server: $PKCE_TEST_ISSUER (Authlib, on 127.0.0.1)"

echo
echo "1. What discovery finds in the server's metadata:"
run pkce discover "$PKCE_TEST_ISSUER" --ca-file "$PKCE_TEST_CA"

echo
echo "2. Sign in: a listener on a free loopback port, the browser sent to the authorization"
echo "   URL with that port's redirect URI, the redirect checked (iss, state, code), the code"
echo "   and the PKCE verifier exchanged over HTTPS. --verbose shows each step, secrets masked."
# shellcheck disable=SC2086
run pkce login $server --scope "openid email" --browser-command "$browser" --save "$work/token.json" --verbose

echo
echo "3. Refresh with the saved refresh token:"
# shellcheck disable=SC2086
run pkce refresh $server --token-file "$work/token.json" --save "$work/token.json"

echo
echo "4. An access token for scripts, from the saved store (refreshed there when it is about to"
echo "   expire, once however many processes ask): curl -H \"Authorization: Bearer \$(pkce token FILE)\""
access_token=$(pkce token "$work/token.json" --ca-file "$PKCE_TEST_CA")
echo "pkce token: ${access_token%"${access_token#??????}"}... (${#access_token} characters)"

echo
echo "5. Revoke the new refresh token, then try it once more (the server must refuse: exit status 3):"
# shellcheck disable=SC2086
run pkce revoke $server --token-file "$work/token.json"
status=0
# shellcheck disable=SC2086
run pkce refresh $server --token-file "$work/token.json" || status=$?
echo "exit status $status"
test "$status" -eq 3
