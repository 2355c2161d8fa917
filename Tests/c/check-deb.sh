#!/bin/sh
# The Debian packages as a user gets them: install libpkce0, libpkce-dev and
# python3-libpkce, run debian/tests (the autopkgtests) against the installed
# files, check what dpkg says of them, and remove them again whatever happens.
# Usage: check-deb.sh DEB_DIR VERSION
set -u
dir=$1 version=$2
passed=0 failed=0
check() {
    desc=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
packages="libpkce0 libpkce-dev python3-libpkce pkce-tools libpkce-doc"
cleanup() { $sudo apt-get purge -y -qq $packages >/dev/null 2>&1; }
trap cleanup EXIT INT TERM
debs=$(for p in $packages; do ls "$dir"/${p}_*.deb; done)
check "the packages install" $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(for d in $debs; do echo "$(realpath "$d")"; done)
check "libpkce0 depends on no Swift runtime" sh -c "! dpkg-query -W -f='\${Depends}' libpkce0 | grep -qi swift"
check "libpkce0 depends on libc6 >= 2.36 (packed relocations, DT_RELR)" sh -c "dpkg-query -W -f='\${Depends}' libpkce0 | grep -q 'libc6 (>= 2.36)'"
check "libpkce0 depends on libcurl4 >= 7.85.0 (loaded with dlopen)" sh -c "dpkg-query -W -f='\${Depends}' libpkce0 | grep -q 'libcurl4 (>= 7.85.0)'"
check "libpkce0 holds the library" sh -c "dpkg -L libpkce0 | grep -q '/libpkce.so.$version\$'"
check "libpkce-dev holds pkce.h, libpkce.so and pkce.pc" sh -c \
    "dpkg -L libpkce-dev | grep -q '/usr/include/pkce.h' && dpkg -L libpkce-dev | grep -q '/libpkce.so$' && dpkg -L libpkce-dev | grep -q '/pkce.pc$'"
check "the installed library needs no Swift library" sh -c "! ldd \$(dpkg -L libpkce0 | grep 'libpkce.so.$version\$') | grep -q swift"
check "pkce-tools holds pkce and its man page" sh -c "dpkg -L pkce-tools | grep -q '^/usr/bin/pkce$' && dpkg -L pkce-tools | grep -q '/man1/pkce.1.gz$'"
check "importlib.metadata sees python3-libpkce $version" sh -c \
    "test \"\$(/usr/bin/python3 -c 'import importlib.metadata as m; print(m.version(\"libpkce\"))')\" = '$version'"
check "libpkce-doc holds the HTML reference and the flow picture" sh -c \
    "test -s /usr/share/doc/libpkce-doc/html/c-api.html && ls /usr/share/doc/libpkce-doc/html/_images/*.svg"
check "the installed pkce runs" sh -c "/usr/bin/pkce pair | grep -q '\"code_challenge_method\":\"S256\"'"
check "man pkce finds the page" sh -c "man -w pkce | grep -q 'pkce.1'"
check "man 3 pkce and every function's page come with libpkce-dev" sh -c \
    "man -w 3 pkce | grep -q 'man3/pkce.3' && man -w pkce_client_sign_in >/dev/null"
for t in debian/tests/c-program debian/tests/python-import debian/tests/cli; do
    tmp=$(mktemp -d)
    # a testbed's PATH: the system python3, not a virtualenv's or pyenv's
    check "autopkgtest $(basename "$t")" env PATH=/usr/sbin:/usr/bin:/sbin:/bin AUTOPKGTEST_TMP="$tmp" sh "$t"
    rm -rf "$tmp"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
