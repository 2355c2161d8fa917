#!/bin/sh
# The manual pages, as `man` shows them: every function of include/pkce.h
# has a page of its own name (generated from the header by
# docs/man/mkman3.py), every page renders without a groff warning, and
# pkce(1) documents every subcommand and every exit status of the tool.
# Usage: check-man.sh MAN_DIR (holding man3/, from `make man`)
set -u
man=$1
passed=0 failed=0
check() { # description, then a command that must succeed
    desc=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $desc"; fi
}
functions=$(sed 's|/\*.*\*/||' include/pkce.h | grep -o '\bpkce_[a-z0-9_]*[[:space:]]*(' | tr -d '( ' | sort -u)
check "pkce.h declares functions" test "$(echo "$functions" | wc -l)" -gt 100
for f in $functions; do
    check "$f has a page" test -s "$man/man3/$f.3"
    # `man -l` follows the .so to the section page: the function's own text must be on it
    check "man $f shows $f" sh -c "cd '$man' && MANWIDTH=200 man -l man3/$f.3 2>/dev/null | grep -q '$f('"
done
for page in "$man"/man3/*.3 docs/man/pkce.1; do
    check "$(basename "$page") renders without warnings" sh -c "cd '$(dirname "$page")/..' && \
        test -z \"\$(groff -ww -man -z '$(basename "$(dirname "$page")")/$(basename "$page")' 2>&1)\""
done
for command in pair challenge url login refresh revoke discover; do
    check "pkce(1) documents $command" grep -q "^\.B pkce $command" docs/man/pkce.1
done
for code in 0 1 2 3 4 5 6; do
    check "pkce(1) documents exit status $code" grep -q "^\.B $code\$" docs/man/pkce.1
    check "the tool defines exit status $code" grep -q "= $code,\{0,1\} *\(/\*\|$\)" Sources/pkce-tool/tool.h
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
