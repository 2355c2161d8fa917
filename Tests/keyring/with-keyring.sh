#!/bin/sh
# with-keyring.sh MODE PYTHON COMMAND...: runs COMMAND with the session the
# keyring tests need, in a throw-away HOME and XDG_RUNTIME_DIR:
#   service    a session bus (dbus-run-session) with gnome-keyring-daemon's
#              Secret Service, its login keyring unlocked
#   silent     a session bus with a Secret Service that never answers
#   noservice  a session bus with no Secret Service on it (and none that
#              D-Bus would start on demand: a bus without service files)
#   nobus      no session bus at all (DBUS_SESSION_BUS_ADDRESS unset)
# Exports PKCE_KEYRING_MODE=MODE. Exits with COMMAND's status.
set -u
mode=$1; python=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT INT TERM
mkdir -m 700 "$home/run"
export HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/share" XDG_CACHE_HOME="$home/cache"
export PKCE_KEYRING_MODE="$mode"
case "$mode" in
nobus)
    env -u DBUS_SESSION_BUS_ADDRESS "$@" ;;
noservice)
    dbus-run-session --config-file="$here/bus-without-services.conf" -- "$@" ;;
service)
    dbus-run-session -- sh -c 'printf %s test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
        with-keyring "$@" ;;
silent)
    dbus-run-session --config-file="$here/bus-without-services.conf" -- sh -c '
        "$0" "$1" "$HOME/ready" & stub=$!
        i=0; while [ ! -s "$HOME/ready" ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.05; done
        shift; "$@"; status=$?; kill $stub; exit $status' "$python" "$here/silent-secret-service.py" "$@" ;;
*)
    echo "with-keyring.sh: unknown mode $mode" >&2; exit 2 ;;
esac
