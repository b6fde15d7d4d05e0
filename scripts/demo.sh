#!/usr/bin/env bash
# The braid demo: the classic lksctp example programs, each one its own
# process, talking SCTP over UDP encapsulation (RFC 6951) on 127.0.0.1.
#
#   1. chat: braid-chat-server (one-to-many, SCTP_SENDALL, notifications) and
#      two scripted braid-chat-clients;
#   2. stream negotiation: braid-streams-server / braid-streams-client;
#   3. ending single associations of a one-to-many socket:
#      braid-eof-abort-server (SCTP_EOF, SCTP_ABORT) and three chat clients.
#
# Every listener gets a UDP port of its own (free right now); the clients
# only connect. The script checks that every expected line appeared and exits
# 0 only then; otherwise it names each missing line and exits 1. Each process
# runs under a timeout: nothing hangs longer than 30 s.
#
#   scripts/demo.sh [BUILD_DIR]      (default: build)
set -u

BUILD=${1:-build}
EX=$BUILD/examples
for p in braid-chat-server braid-chat-client braid-streams-server braid-streams-client \
         braid-eof-abort-server; do
    if [ ! -x "$EX/$p" ]; then
        echo "demo: $EX/$p not found (build first: make build)" >&2
        exit 1
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/braid-demo.XXXXXX")
PIDS=()
FAILED=0
CHECKS=0
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    exec 3>&- 4>&- 5>&- 6>&- 7>&- 2>/dev/null
    if [ "$FAILED" -eq 0 ]; then rm -rf "$WORK"; else echo "demo: logs kept in $WORK"; fi
}
trap cleanup EXIT

T=30 # seconds any one process may take

# A UDP port nobody uses now (and not one we already picked).
PICKED=" "
free_udp_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        case "$PICKED" in *" $p "*) continue ;; esac
        if command -v ss >/dev/null 2>&1 && ss -Hlun 2>/dev/null | grep -q ":$p\b"; then
            continue
        fi
        PICKED="$PICKED$p "
        echo "$p"
        return
    done
    echo "demo: no free UDP port found" >&2
    exit 1
}

# wait_for FILE REGEX SECONDS: until a line of FILE matches (or the time is up).
wait_for() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -le "$end" ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# expect FILE REGEX DESCRIPTION: one check of the output.
expect() {
    CHECKS=$((CHECKS + 1))
    if ! grep -Eq -- "$2" "$1"; then
        echo "demo: MISSING: $3 (no line matching '$2' in $(basename "$1"))"
        FAILED=$((FAILED + 1))
    fi
}

# expect_rc NAME ACTUAL WANTED
expect_rc() {
    CHECKS=$((CHECKS + 1))
    if [ "$2" -ne "$3" ]; then
        echo "demo: MISSING: $1 exited $2, expected $3"
        FAILED=$((FAILED + 1))
    fi
}

show() { # show TITLE FILE
    echo "---- $1"
    sed 's/^/    /' "$2"
}

start() { # start LOG STDIN CMD...: runs CMD in the background under the timeout
    local log=$1 in=$2
    shift 2
    timeout "$T" "$@" <"$in" >"$log" 2>&1 &
    LAST=$!
    PIDS+=("$LAST")
}

# ---------------------------------------------------------------------------
echo "== 1. chat: one-to-many server, two clients, SCTP_SENDALL"
CHAT_UDP=$(free_udp_port)
CHAT_PORT=$((5000 + RANDOM % 4000))
start "$WORK/server.log" /dev/null "$EX/braid-chat-server" -p "$CHAT_PORT" -u "$CHAT_UDP" -n 2 \
    --pcap "$BUILD/demo-chat.pcap"
SRV=$LAST
wait_for "$WORK/server.log" "listening" 10
mkfifo "$WORK/alice.in" "$WORK/bob.in"
start "$WORK/alice.log" "$WORK/alice.in" "$EX/braid-chat-client" --name alice -u "$CHAT_UDP" \
    --wait-msgs 2 127.0.0.1 "$CHAT_PORT"
ALICE=$LAST
exec 3>"$WORK/alice.in"
start "$WORK/bob.log" "$WORK/bob.in" "$EX/braid-chat-client" --name bob -u "$CHAT_UDP" \
    --wait-msgs 2 127.0.0.1 "$CHAT_PORT"
BOB=$LAST
exec 4>"$WORK/bob.in"
# both associations up before anybody talks: SENDALL reaches who is there
wait_for "$WORK/alice.log" "COMM_UP" 10
wait_for "$WORK/bob.log" "COMM_UP" 10
echo "hello from alice" >&3
wait_for "$WORK/server.log" "hello from alice" 10
echo "hello from bob" >&4
exec 3>&- 4>&- # end of input: each client shuts down once it has both messages
wait "$ALICE"; RC_ALICE=$?
wait "$BOB"; RC_BOB=$?
wait "$SRV"; RC_SRV=$?
show "braid-chat-server -p $CHAT_PORT -u $CHAT_UDP -n 2" "$WORK/server.log"
show "braid-chat-client --name alice -u $CHAT_UDP 127.0.0.1 $CHAT_PORT" "$WORK/alice.log"
show "braid-chat-client --name bob -u $CHAT_UDP 127.0.0.1 $CHAT_PORT" "$WORK/bob.log"
if command -v tshark >/dev/null 2>&1; then
    echo "---- the server's packets ($BUILD/demo-chat.pcap, decoded by tshark)"
    tshark -r "$BUILD/demo-chat.pcap" -d "udp.port==$CHAT_UDP,sctp" 2>/dev/null | sed 's/^/    /'
else
    echo "---- the server's packets: $BUILD/demo-chat.pcap"
fi
expect "$WORK/alice.log" "^alice: SCTP_ASSOC_CHANGE COMM_UP" "alice got COMM_UP"
expect "$WORK/bob.log" "^bob: SCTP_ASSOC_CHANGE COMM_UP" "bob got COMM_UP"
expect "$WORK/server.log" "^server: SCTP_ASSOC_CHANGE COMM_UP" "the server got COMM_UP"
expect "$WORK/alice.log" "^alice: <hello from bob>" "alice received bob's message (SENDALL)"
expect "$WORK/bob.log" "^bob: <hello from alice>" "bob received alice's message (SENDALL)"
expect "$WORK/alice.log" "^alice: <hello from alice>" "alice received her own message back"
expect "$WORK/server.log" "relayed to every association \(SCTP_SENDALL\)" "the server relayed"
ids=$(sed -n 's/^server: SCTP_ASSOC_CHANGE COMM_UP assoc=\([0-9]*\) .*/\1/p' "$WORK/server.log")
[ "$(echo "$ids" | grep -c .)" -eq 2 ] || {
    echo "demo: MISSING: two client associations at the server (got: $ids)"
    FAILED=$((FAILED + 1))
}
for id in $ids; do
    expect "$WORK/server.log" \
        "^server: (SCTP_SHUTDOWN_EVENT assoc=$id\$|SCTP_ASSOC_CHANGE (SHUTDOWN_COMP|COMM_LOST) assoc=$id )" \
        "the server saw client association $id end (SHUTDOWN / SHUTDOWN_COMP / COMM_LOST)"
    expect "$WORK/server.log" "^server: SCTP_ASSOC_CHANGE (SHUTDOWN_COMP|COMM_LOST) assoc=$id " \
        "the server saw association $id complete (SHUTDOWN_COMP or COMM_LOST)"
done
expect "$WORK/alice.log" "^alice: shutdown complete" "alice shut down gracefully"
expect "$WORK/bob.log" "^bob: shutdown complete" "bob shut down gracefully"
expect_rc braid-chat-server "$RC_SRV" 0
expect_rc "braid-chat-client alice" "$RC_ALICE" 0
expect_rc "braid-chat-client bob" "$RC_BOB" 0

# ---------------------------------------------------------------------------
echo
echo "== 2. stream negotiation: the client asks for 10 out / 3 in, the server 6 out / 4 in"
ST_UDP=$(free_udp_port)
ST_PORT=$((5000 + RANDOM % 4000))
start "$WORK/streams-server.log" /dev/null "$EX/braid-streams-server" -p "$ST_PORT" \
    -u "$ST_UDP" -i 4 -o 6 -n 1
SRV=$LAST
wait_for "$WORK/streams-server.log" "listening" 10
start "$WORK/streams-client.log" /dev/null "$EX/braid-streams-client" -o 10 -i 3 -u "$ST_UDP" \
    127.0.0.1 "$ST_PORT"
CLI=$LAST
wait "$CLI"; RC_CLI=$?
wait "$SRV"; RC_SRV=$?
show "braid-streams-server -p $ST_PORT -u $ST_UDP -i 4 -o 6 -n 1" "$WORK/streams-server.log"
show "braid-streams-client -o 10 -i 3 -u $ST_UDP 127.0.0.1 $ST_PORT" "$WORK/streams-client.log"
# min(10 asked, 4 allowed) = 4 one way; min(6 asked, 3 allowed) = 3 the other
expect "$WORK/streams-client.log" "^client: SCTP_STATUS .*state=ESTABLISHED instrms=3 outstrms=4 " \
    "the client's SCTP_STATUS shows instrms=3 outstrms=4"
expect "$WORK/streams-server.log" "^server: SCTP_STATUS .*state=ESTABLISHED instrms=4 outstrms=3 " \
    "the server's SCTP_STATUS shows instrms=4 outstrms=3"
for s in 0 1 2 3; do
    expect "$WORK/streams-server.log" "^server: stream $s .*: message on stream $s of 4\$" \
        "the server printed the message of stream $s"
done
expect "$WORK/streams-client.log" "^client: stream 4 is not negotiated" \
    "the client could not use stream 4"
expect "$WORK/streams-client.log" "^client: shutdown complete" "the streams client shut down"
expect_rc braid-streams-server "$RC_SRV" 0
expect_rc braid-streams-client "$RC_CLI" 0

# ---------------------------------------------------------------------------
echo
echo "== 3. one-to-many server ends one association with SCTP_EOF, another with SCTP_ABORT"
EA_UDP=$(free_udp_port)
EA_PORT=$((5000 + RANDOM % 4000))
start "$WORK/eof-abort-server.log" /dev/null "$EX/braid-eof-abort-server" -p "$EA_PORT" \
    -u "$EA_UDP" -k 3
SRV=$LAST
wait_for "$WORK/eof-abort-server.log" "listening" 10
mkfifo "$WORK/c1.in" "$WORK/c2.in" "$WORK/c3.in"
n=0
for who in carol dave erin; do
    n=$((n + 1))
    start "$WORK/$who.log" "$WORK/c$n.in" "$EX/braid-chat-client" --name "$who" -u "$EA_UDP" \
        127.0.0.1 "$EA_PORT"
    eval "PID_$who=$LAST"
    eval "exec $((4 + n))>\"$WORK/c$n.in\""
    wait_for "$WORK/$who.log" "COMM_UP" 10 # in order: carol first, then dave, then erin
done
wait_for "$WORK/erin.log" "<you carry on>" 10
echo "erin is still talking" >&7
wait_for "$WORK/erin.log" "<erin is still talking>" 10
exec 7>&- # erin ends her input: graceful shutdown
wait "$PID_carol"; RC_CAROL=$?
wait "$PID_dave"; RC_DAVE=$?
wait "$PID_erin"; RC_ERIN=$?
exec 5>&- 6>&-
wait "$SRV"; RC_SRV=$?
show "braid-eof-abort-server -p $EA_PORT -u $EA_UDP -k 3" "$WORK/eof-abort-server.log"
for who in carol dave erin; do
    show "braid-chat-client --name $who -u $EA_UDP 127.0.0.1 $EA_PORT" "$WORK/$who.log"
done
expect "$WORK/carol.log" "^carol: <goodbye: .*SCTP_EOF" "carol got the last message sent with SCTP_EOF"
expect "$WORK/carol.log" "^carol: SCTP_SHUTDOWN_EVENT" "carol got SHUTDOWN_EVENT"
expect "$WORK/carol.log" "^carol: SCTP_ASSOC_CHANGE SHUTDOWN_COMP" "carol got SHUTDOWN_COMP"
expect "$WORK/dave.log" "^dave: SCTP_ASSOC_CHANGE COMM_LOST" "dave got COMM_LOST"
expect "$WORK/dave.log" "abort reason \(User-Initiated Abort\): \"the server aborted this association\"" \
    "dave saw the reason carried in the ABORT"
expect "$WORK/erin.log" "^erin: <you carry on>" "erin carried on"
expect "$WORK/erin.log" "^erin: shutdown complete" "erin shut down gracefully"
aborted=$(sed -n 's/^server: aborting assoc=\([0-9]*\) .*/\1/p' "$WORK/eof-abort-server.log")
expect "$WORK/eof-abort-server.log" "^server: SCTP_ASSOC_CHANGE COMM_LOST assoc=${aborted:-none} " \
    "the server saw the aborted association end"
ended=$(sed -n 's/^server: ending assoc=\([0-9]*\) .*/\1/p' "$WORK/eof-abort-server.log")
expect "$WORK/eof-abort-server.log" "^server: SCTP_ASSOC_CHANGE SHUTDOWN_COMP assoc=${ended:-none} " \
    "the server saw the association it ended with SCTP_EOF complete"
expect_rc braid-eof-abort-server "$RC_SRV" 0
expect_rc "braid-chat-client carol" "$RC_CAROL" 0
expect_rc "braid-chat-client dave (aborted)" "$RC_DAVE" 3
expect_rc "braid-chat-client erin" "$RC_ERIN" 0

echo
if [ "$FAILED" -ne 0 ]; then
    echo "demo: FAILED: $FAILED of $CHECKS checks"
    exit 1
fi
echo "demo: all $CHECKS checks passed"
