#!/bin/sh
# Runs every fuzz target for SECONDS each, JOBS at a time, from the committed
# corpus of each (Tests/fuzz/corpus/TARGET) with its dictionary; new inputs
# go to build/fuzz/new/TARGET, and with MERGE=1 the ones that add coverage
# are merged into the committed corpus afterwards. Prints one line per
# target: executions and coverage. A crash leaves its input in
# build/fuzz/crash-TARGET-* and fails the run.
# With RUNS=N each target runs N executions instead (SECONDS still caps it).
# Usage: [MERGE=1] [RUNS=N] run.sh FUZZER SECONDS JOBS
set -u
fuzzer=$1 seconds=$2 jobs=$3
dir=$(dirname "$0")
targets="token error callback callback-iss metadata endpoint verifier id-token jwks loopback-request www-authenticate resource-metadata registration pushed-request logout-callback dpop-nonce"
out=build/fuzz/logs
mkdir -p "$out"
dict_for() {
    case $1 in
        callback-iss) echo "$dir/dict/callback.dict" ;;
        *) echo "$dir/dict/$1.dict" ;;
    esac
}
run_one() {
    mkdir -p "build/fuzz/new/$1"
    PKCE_FUZZ_TARGET=$1 "$fuzzer" -max_total_time="$seconds" ${RUNS:+-runs=$RUNS} -max_len=8192 -print_final_stats=1 \
        -dict="$(dict_for "$1")" -artifact_prefix="build/fuzz/crash-$1-" \
        "build/fuzz/new/$1" "$dir/corpus/$1" >"$out/$1.log" 2>&1
}
failed=0
set -- $targets
while [ $# -gt 0 ]; do
    pids=""
    for _ in $(seq "$jobs"); do
        [ $# -gt 0 ] || break
        run_one "$1" & pids="$pids $!:$1"
        shift
    done
    for entry in $pids; do
        pid=${entry%%:*} target=${entry#*:}
        if ! wait "$pid"; then failed=$((failed + 1)); echo "FAIL: $target (see $out/$target.log)"; fi
    done
done
if [ "${MERGE:-0}" = 1 ]; then
    for t in $targets; do
        PKCE_FUZZ_TARGET=$t "$fuzzer" -merge=1 -max_len=8192 "$dir/corpus/$t" "build/fuzz/new/$t" >"$out/$t.merge.log" 2>&1 ||
            { failed=$((failed + 1)); echo "FAIL: merging $t"; }
    done
fi
for t in $targets; do
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1)
    printf '%-14s %12s executions  %s\n' "$t" "${execs:-?}" "${cov:-cov: ?}"
done
[ "$failed" -eq 0 ]
