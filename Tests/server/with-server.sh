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
# wait_for FILE PID LOG NAME TENTHS: until PID writes FILE, or its LOG is shown and the script fails.
wait_for() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1))
        if [ $i -gt "$5" ] || ! kill -0 "$2" 2>/dev/null; then
            echo "the $4 did not start:" >&2; cat "$3" >&2; exit 1
        fi
        sleep 0.1
    done
}
wait_for "$state/server.json" "$pid" "$state/log" "test server" 200
field() { "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$state/server.json" "$1"; }
export PKCE_TEST_PORT="$(field port)" PKCE_TEST_WRONG_HOST_PORT="$(field wrong_host_port)"
export PKCE_TEST_KEEP_ALIVE_PORT="$(field keep_alive_port)" PKCE_TEST_HOSTILE_PORT="$(field hostile_port)"
export PKCE_TEST_EXPIRED_PORT="$(field expired_port)"
export PKCE_TEST_ISSUER="$(field issuer)" PKCE_TEST_CA="$(field ca)"
# WITH_MCP=1: also the MCP servers of mcp_server.py (the MCP Python SDK's
# authorization and resource servers), as PKCE_TEST_MCP, PKCE_TEST_MCP_TENANT,
# PKCE_TEST_MCP_NOPKCE, with their request log in PKCE_TEST_MCP_LOG.
if [ "${WITH_MCP:-0}" = 1 ]; then
    "$python" "$(dirname "$0")/mcp_server.py" "$state" "$state" >"$state/mcp-log" 2>&1 &
    mcp_pid=$!
    cleanup() { kill "$pid" "$mcp_pid" 2>/dev/null; wait "$pid" "$mcp_pid" 2>/dev/null; rm -rf "$state"; }
    wait_for "$state/mcp.json" "$mcp_pid" "$state/mcp-log" "MCP test server" 300
    mcp() { "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$state/mcp.json" "$1"; }
    export PKCE_TEST_MCP="$(mcp main)" PKCE_TEST_MCP_TENANT="$(mcp tenant)" PKCE_TEST_MCP_NOPKCE="$(mcp nopkce)"
    export PKCE_TEST_MCP_LOG="$state/mcp-requests.jsonl"
fi
"$@"
