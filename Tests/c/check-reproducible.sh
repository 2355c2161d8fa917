#!/bin/sh
# Two sets of .deb files, built from one source in two places: each package
# must be the same bytes in both. On a difference, says which files inside
# the packages differ (diffoscope, when installed, says how).
# Usage: check-reproducible.sh DIR_A DIR_B
set -u
a=$1 b=$2
passed=0 failed=0
for deb in "$a"/*.deb; do
    name=$(basename "$deb")
    if cmp -s "$deb" "$b/$name"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name differs"
        for d in "$a" "$b"; do
            mkdir -p "$d/unpacked-$name" && dpkg-deb -R "$d/$name" "$d/unpacked-$name"
        done
        diff -rq "$a/unpacked-$name" "$b/unpacked-$name" | head -20
        command -v diffoscope >/dev/null && diffoscope "$deb" "$b/$name" | head -60
    fi
done
count=$(ls "$a"/*.deb | wc -l)
[ "$count" -ge 5 ] || { echo "FAIL: only $count packages in $a"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
