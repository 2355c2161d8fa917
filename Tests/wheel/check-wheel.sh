#!/bin/sh
# The wheel as a user of pip gets it: installed into a fresh venv, run from
# outside the source tree with no LIBPKCE_PATH and nothing on the library
# search path, it loads the copy it carries, makes a pair, and signs in over
# HTTPS against the local Authlib server (run through with-server.sh).
# Usage: check-wheel.sh WHEEL_DIR
set -u
dir=$(realpath "$1")
root=$(pwd)
passed=0 failed=0
check() {
    desc=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}
wheel=$(ls "$dir"/repaired/*.whl)
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
check "one manylinux wheel" sh -c "echo '$wheel' | grep -Eq 'libpkce-[0-9.]+-py3-none-manylinux_2_[0-9]+_[a-z0-9_]+\.whl$'"
check "it carries libpkce.so.0" sh -c "python3 -m zipfile -l '$wheel' | grep -q 'libpkce/libpkce.so.0'"
# The MIT licence asks for its text in every copy, and a wheel is one.
check "it carries the licence, as LICENSE" python3 -c "
import sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if '.dist-info/' in n and n.endswith('LICENSE')]
assert len(names) == 1 and zipfile.ZipFile(sys.argv[1]).read(names[0]) == open('LICENSE', 'rb').read(), names" "$wheel"
check "it carries no Swift runtime" sh -c "! python3 -m zipfile -l '$wheel' | grep -qi swift"
python3 -m venv "$venv/env"
check "pip installs it offline" "$venv/env/bin/pip" install -q --no-index --disable-pip-version-check "$wheel"
run() { (cd "$venv" && env -u LIBPKCE_PATH -u LD_LIBRARY_PATH -u PYTHONPATH "$venv/env/bin/python" "$@"); }
check "import libpkce; generate_pair()" run -c 'import libpkce; v, c = libpkce.generate_pair(); assert len(v) == 43 and len(c) == 43'
check "the bundled copy is the one loaded" run -c "
import libpkce, libpkce._native as n
assert next(n._candidates())[0] == 'packaged copy'"
check "importlib.metadata and pip see it" sh -c "cd '$venv' && env/bin/pip show libpkce | grep '^Version: ' >/dev/null"
check "an HTTPS sign-in against the test server" env PKCE_TEST_BROWSER=follow sh -c "cd '$venv' && env -u LIBPKCE_PATH \
    env/bin/python -c \"
import libpkce, os
with libpkce.Client.discover(os.environ['PKCE_TEST_ISSUER'], 'libpkce-test', 'http://127.0.0.1/callback',
                             ca_file=os.environ['PKCE_TEST_CA']) as client:
    token = client.sign_in(browser='$root/Tests/signin/scripted-browser', timeout=30)
    assert token.access_token and client.refresh(token).access_token
\""
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
