#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# usage: run.sh SERVER CLIENT
# Runs the certification client against the certification server on a unix
# socket in a temporary directory, then stops the server the way a service
# manager does (SIGTERM) and checks that it exited cleanly and removed its
# socket file.
set -u

# In sanitizer builds, undefined behaviour must fail the test, not just
# print a line (ASan already stops at its first error).
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

server=$1
client=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/varlink-certification.XXXXXX") || exit 1
sock=$dir/certification.sock
pid=

cleanup() {
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                kill -KILL "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        fi
        rm -rf "$dir"
}
trap cleanup EXIT

fail() {
        echo "run.sh: $*" >&2
        if [ -s "$dir/server.err" ]; then
                echo "--- server stderr" >&2
                cat "$dir/server.err" >&2
        fi
        exit 1
}

"$server" "unix:$sock" >"$dir/server.out" 2>"$dir/server.err" &
pid=$!

# The server prints its "listening" line once the socket accepts
# connections; the socket file alone appears a moment earlier (at bind).
# Sanitizer builds start slowly, hence the generous wait.
i=0
until grep -q listening "$dir/server.out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || fail "server exited before listening"
        i=$((i + 1))
        [ "$i" -le 300 ] || fail "server not listening after 30s"
        sleep 0.1
done

"$client" "unix:$sock"
client_rc=$?

kill -TERM "$pid"
wait "$pid"
server_rc=$?
pid=

[ "$client_rc" -eq 0 ] || fail "client exited with $client_rc"
[ "$server_rc" -eq 0 ] || fail "server exited with $server_rc after SIGTERM"
[ ! -e "$sock" ] || fail "server left its socket file $sock"
if [ -s "$dir/server.err" ]; then
        echo "--- server stderr" >&2
        cat "$dir/server.err" >&2
fi
echo "certification passed; server exited 0 and removed its socket"
