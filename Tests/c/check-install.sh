#!/bin/sh
# `make install` into a scratch DESTDIR, then the README's quick start built
# with nothing but `pkg-config --cflags --libs pkce` and run against the
# installed library. Usage: check-install.sh VERSION (the header's, from the Makefile).
set -u
version=$1
passed=0 failed=0
check() {
    desc=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=/usr/local
make -s install DESTDIR="$root" PREFIX="$prefix" >/dev/null
lib="$root$prefix/lib"
check "libpkce.so.$version installed" test -f "$lib/libpkce.so.$version"
check "libpkce.so.0 link" test "$(readlink "$lib/libpkce.so.0")" = "libpkce.so.$version"
check "libpkce.so link" test "$(readlink "$lib/libpkce.so")" = libpkce.so.0
check "pkce.h installed" cmp include/pkce.h "$root$prefix/include/pkce.h"
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
check "pkg-config knows pkce $version" test "$(pkg-config --modversion pkce)" = "$version"
flags=$(pkg-config --cflags --libs pkce)
check "pkg-config points into the install" sh -c "echo '$flags' | grep -q -- '-I$root$prefix/include' && echo '$flags' | grep -q -- '-L$lib'"
check "quick start compiles with pkg-config" ${CC:-cc} -Wall -Wextra -Werror -std=c11 examples/c/quickstart.c $flags -o "$root/quickstart"
check "quick start runs against the installed library" sh -c "LD_LIBRARY_PATH='$lib' '$root/quickstart' | grep -q 'code_challenge_method=S256'"
check "it loaded the installed copy" sh -c "LD_LIBRARY_PATH='$lib' ldd '$root/quickstart' | grep -q '$lib/libpkce.so.0'"
check "the pkce tool installed, running on the installed library" sh -c \
    "LD_LIBRARY_PATH='$lib' '$root$prefix/bin/pkce' pair | grep -q '\"code_challenge_method\":\"S256\"'"
check "the installed pkce has no run path (Debian's policy)" sh -c \
    "! readelf -d '$root$prefix/bin/pkce' | grep -Eq 'RPATH|RUNPATH'"
check "build/pkce runs from the tree as it is (a \$ORIGIN run path)" sh -c "env -u LD_LIBRARY_PATH build/pkce --help"
check "build/pkce's run path is \$ORIGIN alone" sh -c "readelf -d build/pkce | grep -q 'RUNPATH.*\[\$ORIGIN\]'"
check "pkce(1) installed" test -s "$root$prefix/share/man/man1/pkce.1"
check "pkce(3) and a page per function installed" sh -c \
    "test -s '$root$prefix/share/man/man3/pkce.3' && test -s '$root$prefix/share/man/man3/pkce_client_sign_in.3'"
check "man finds the installed pages" sh -c "MANPATH='$root$prefix/share/man' man -w pkce_client_exchange"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
