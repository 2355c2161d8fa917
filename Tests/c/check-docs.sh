#!/bin/sh
# The HTML reference (make docs): every function of include/pkce.h is
# documented in the C API page, every public name of the Python package in
# its page, and the PKCE flow is there as a picture rendered at build time.
# Usage: check-docs.sh HTML_DIR
set -u
html=$1
passed=0 failed=0
check() {
    desc=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}
check "index, C API and Python pages" test -s "$html/index.html" -a -s "$html/c-api.html" -a -s "$html/python.html"
check "the sign-in is drawn (docs/images/signin.svg)" sh -c "grep -q 'code_verifier' '$html'/_images/signin.svg"
check "the device grant is drawn (docs/images/device.svg)" sh -c "grep -q 'user_code' '$html'/_images/device.svg"
check "the site's description is the README's" sh -c "grep -q 'token source and' '$html/index.html' && grep -q 'private_key_jwt' '$html/index.html'"
for f in $(sed 's|/\*.*\*/||' include/pkce.h | grep -o '\bpkce_[a-z0-9_]*[[:space:]]*(' | tr -d '( ' | sort -u); do
    check "$f is documented" grep -q "id=\"c\.$f\"" "$html/c-api.html"
done
for name in Client AuthorizationAttempt Token Listener DeviceAuthorization generate_pair open_browser PKCEError; do
    check "libpkce.$name is documented" grep -q "id=\"libpkce\.$name\"" "$html/python.html"
done
check "no page loads anything from the network" sh -c "! grep -rlE '(src=|<link[^>]*href=)\"(https?:)?//' '$html' --include=*.html"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
