#!/bin/sh
# The built library's ABI, as a C user or a distribution sees it:
# - the SONAME is libpkce.so.0 and the links are in place;
# - no Swift runtime library is needed at run time (the standard library is static);
# - libcurl is not linked: it is loaded on first use (Sources/CLibcurl);
# - exactly the functions that include/pkce.h declares are exported;
# - hardened as linked: RELRO, no writable code, the Swift runtime's
#   metadata and the unwind tables read-only (GNU ld failed these);
# - every function of the library's own that the hot-path order names
#   exists (a renamed one would silently fall out of the layout), when the
#   library was built by the toolchain that wrote the order: another one
#   names its specializations its own way.
# Usage: check-abi.sh build/libpkce.so.X.Y.Z include/pkce.h HOT_PATH_ORDER "$(swiftc --version | head -1)"
set -u
lib=$1 header=$2 order=$3 toolchain=$4
dir=$(dirname "$lib")
passed=0 failed=0
check() { # description, then a command that must succeed
    desc=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}

check "SONAME is libpkce.so.0" sh -c "readelf -d '$lib' | grep -q 'Library soname: \[libpkce.so.0\]'"
check "no RUNPATH/RPATH" sh -c "! readelf -d '$lib' | grep -Eq 'RUNPATH|RPATH'"
check "bound at load, never unloaded (-z now, -z nodelete)" sh -c "readelf -d '$lib' | grep -q 'FLAGS_1.*NOW.*NODELETE\|FLAGS_1.*NODELETE.*NOW'"
check "relocated data made read-only after load (PT_GNU_RELRO)" sh -c "readelf -l -W '$lib' | grep -q GNU_RELRO"
# Which sections each LOAD segment maps, with its flags: code, the Swift
# runtime's metadata and the unwind tables must not be writable.
segments=$(readelf -l -W "$lib" | awk '
    /^ +[A-Z_]+ +0x/ {
        i = n++; flags = ""; for (f = 7; f < NF; f++) flags = flags $f
        if ($1 == "LOAD") { load[i] = 1; w[i] = index(flags, "W") ? "W" : "-"; x[i] = index(flags, "E") ? "X" : "-" }
    }
    /Section to Segment mapping/ { mapping = 1; next }
    mapping && /^ +[0-9]+ / { i = $1 + 0; if (load[i]) { $1 = ""; print w[i] x[i] $0 " " } }')
check "no segment both writable and executable" sh -c "! echo '$segments' | grep -q '^WX'"
for section in .text swift5_protocol_conformances swift5_type_metadata .eh_frame; do
    check "$section is in a read-only segment" sh -c "echo '$segments' | grep -F -- ' $section ' | grep -q '^-'"
done
check "libpkce.so.0 -> $(basename "$lib")" test "$(readlink "$dir/libpkce.so.0")" = "$(basename "$lib")"
check "libpkce.so -> libpkce.so.0" test "$(readlink "$dir/libpkce.so")" = libpkce.so.0
check "ldd resolves every dependency" sh -c "! ldd '$lib' | grep -q 'not found'"
check "no Swift runtime library at run time" sh -c "! ldd '$lib' | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|libicu'"
check "libcurl is not linked (loaded on first use)" sh -c "! readelf -d '$lib' | grep -q 'NEEDED.*libcurl'"
check "needs only libc, libm, libgcc_s and libcrypto (libstdc++ is linked in)" sh -c \
    "readelf -d '$lib' | sed -n 's/.*NEEDED.*\\[\\(.*\\)\\]/\\1/p' | grep -Ev '^(libc|libm|libgcc_s)\\.so\\.[0-9]+$|^libcrypto\\.so\\.3$|^ld-linux' | grep -q . && exit 1 || exit 0"
check "links libcrypto from OpenSSL 3" sh -c "ldd '$lib' | grep -q 'libcrypto.so.3'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Declarations after the preprocessor (so comments do not count), versus the dynamic symbol table's global definitions.
${CC:-cc} -E -P "$header" | grep -oE '\bpkce_[a-z0-9_]+ *\(' | sed 's/ *($//' | sort -u > "$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ {print $3}' | sort -u > "$tmp/exported"
check "the header declares functions" test -s "$tmp/declared"
if cmp -s "$tmp/declared" "$tmp/exported"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL: exported symbols differ from the header's declarations (< header only, > library only):"
    diff "$tmp/declared" "$tmp/exported" | grep '^[<>]'
fi
# The order file's own functions (the toolchain's runtime may differ between
# Swift releases; ours are what the sources name) against the symbol table.
grep -E '^(\$s[0-9]+PKCE|pkce_|lpk_)' "$order" | sort -u > "$tmp/ordered"
nm --defined-only "$lib" | awk '{print $3}' | sort -u > "$tmp/defined"
check "the hot-path order names the library's functions" test -s "$tmp/ordered"
written_by=$(sed -n 's/^# toolchain: //p' "$order")
check "the hot-path order names the toolchain that wrote it" test -n "$written_by"
stale=$(comm -23 "$tmp/ordered" "$tmp/defined")
if [ "$written_by" != "$toolchain" ]; then
    echo "note: $order was written by $written_by; this is $toolchain (make hot-path matches the layout to it)"
elif [ -z "$stale" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL: $order names functions the library no longer has (run make hot-path):"
    echo "$stale"
fi
echo "abi: $(wc -l < "$tmp/exported") exported functions"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
