#!/bin/sh
# with-server.sh PYTHON COMMAND...: starts Tests/server/serve.py on
# 127.0.0.1, exports PKCE_TEST_PORT, PKCE_TEST_WRONG_HOST_PORT, PKCE_TEST_KEEP_ALIVE_PORT, PKCE_TEST_HOSTILE_PORT, PKCE_TEST_EXPIRED_PORT,
# PKCE_TEST_ISSUER and PKCE_TEST_CA, runs COMMAND, and stops the server
# whatever happens. Exits with COMMAND's status.
set -u
python=$1; shift
state=$(mktemp -d)
"$python" "$(dirname "$0")/serve.py" "$state" >"$state/log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$state"; }
trap cleanup EXIT INT TERM
i=0
while [ ! -s "$state/server.json" ]; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "the test server did not start:" >&2; cat "$state/log" >&2; exit 1
    fi
    sleep 0.1
done
field() { "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$state/server.json" "$1"; }
export PKCE_TEST_PORT="$(field port)" PKCE_TEST_WRONG_HOST_PORT="$(field wrong_host_port)"
export PKCE_TEST_KEEP_ALIVE_PORT="$(field keep_alive_port)" PKCE_TEST_HOSTILE_PORT="$(field hostile_port)"
export PKCE_TEST_EXPIRED_PORT="$(field expired_port)"
export PKCE_TEST_ISSUER="$(field issuer)" PKCE_TEST_CA="$(field ca)"
"$@"
