#!/usr/bin/env bash
# braid-stat and the drop log end to end (issue #12): a braid-cat listener
# (BRAID_LOG=debug, BRAID_LOG_FILE) and a braid-cat client with an
# association carrying data, as two processes over UDP on 127.0.0.1; then
#   - braid-stat --json shows both processes' association with plausible
#     fields (ESTABLISHED, the ports of both sides, counters moved, a path
#     with cwnd and RTO), and --pid picks one process;
#   - bad packets sent at the listener's UDP port (a bad CRC, a wrong
#     verification tag, an INIT for an SCTP port nobody serves, a truncated
#     chunk, a datagram shorter than an SCTP header) each leave their
#     "drop REASON counter=FIELD" line in the listener's log and move the
#     counter braid-stat reports;
#   - the text output names the association; BRAID_STAT=0 serves nothing.
#
#   tests/api/test_stat.sh PATH/TO/braid-cat PATH/TO/braid-stat
set -u
CAT=${1:?usage: test_stat.sh BRAID_CAT BRAID_STAT}
STAT=${2:?usage: test_stat.sh BRAID_CAT BRAID_STAT}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/braid-stat-test.XXXXXX")
PIDS=()
FAIL=0
cleanup() {
    exec 3>&- 4>&- 5>&- 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    FAIL=$((FAIL + 1))
}

UDP=$((20000 + RANDOM % 20000))
PORT=$((5000 + RANDOM % 4000))
mkfifo "$WORK/sin" "$WORK/cin" "$WORK/qin"

BRAID_LOG=debug BRAID_LOG_FILE="$WORK/server.log" \
    "$CAT" -l -p "$PORT" -u "$UDP" <"$WORK/sin" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER=$!
PIDS+=("$SERVER")
exec 4>"$WORK/sin"
sleep 0.3
"$CAT" 127.0.0.1 "$PORT" -u "$UDP" <"$WORK/cin" >"$WORK/client.out" 2>"$WORK/client.err" 4>&- &
CLIENT=$!
PIDS+=("$CLIENT")
exec 3>"$WORK/cin"
printf 'hello braid-stat\n' >&3

for _ in $(seq 1 100); do
    grep -q 'hello braid-stat' "$WORK/server.out" 2>/dev/null && break
    sleep 0.05
done
grep -q 'hello braid-stat' "$WORK/server.out" || fail "the message did not arrive"

# A process with BRAID_STAT=0 has no stat socket.
BRAID_STAT=0 "$CAT" -l -p $((PORT + 1)) -u $((UDP + 1)) <"$WORK/qin" >/dev/null 2>&1 3>&- 4>&- &
QUIET=$!
PIDS+=("$QUIET")
exec 5>"$WORK/qin"
sleep 0.3

"$STAT" --json >"$WORK/all.json" 2>"$WORK/all.err" || fail "braid-stat --json exited $?"
"$STAT" --json --pid "$SERVER" >"$WORK/server.json" 2>"$WORK/server.stat.err" ||
    fail "braid-stat --pid exited $?"
"$STAT" --pid "$QUIET" --timeout 300 >/dev/null 2>&1 && fail "BRAID_STAT=0: braid-stat --pid answered"
grep -q "@braid-stat\.$QUIET\$" /proc/net/unix && fail "BRAID_STAT=0: the stat socket exists"

python3 - "$WORK" "$SERVER" "$CLIENT" "$PORT" "$UDP" <<'EOF' || fail "braid-stat --json fields"
import json, sys, re
work, server, client, port, udp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("  not so:", what)
        ok = False
procs = {}
for line in open(work + "/all.json"):
    o = json.loads(line)          # one JSON object per line
    procs[o["pid"]] = o
check(server in procs and client in procs, "both processes listed: %s" % sorted(procs))
def assocs(o):
    return [(e, a) for e in o["endpoints"] for a in e["assocs"]]
if server in procs and client in procs:
    s, c = procs[server], procs[client]
    for o in (s, c):
        check(re.fullmatch(r"[0-9a-f]{16}", o["world"]), "world id")
        check(o["comm"] == "braid-cat", "comm")
    check(s["world"] != c["world"], "two worlds")
    sa, ca = assocs(s), assocs(c)
    check(len(sa) == 1 and len(ca) == 1, "one association each")
    if sa and ca:
        se, s1 = sa[0]
        ce, c1 = ca[0]
        check(s1["state"] == "ESTABLISHED" and c1["state"] == "ESTABLISHED", "ESTABLISHED")
        check(s1["local_port"] == port and c1["peer_port"] == port, "the listener's port")
        check(s1["peer_port"] == c1["local_port"] == ce["port"], "the client's port")
        check(s1["local_vtag"] == c1["peer_vtag"] and s1["peer_vtag"] == c1["local_vtag"], "tags")
        check(se["listening"] and se["udp_port"] == udp, "listener endpoint")
        check(s1["in_streams"] > 0 and s1["out_streams"] > 0, "streams")
        check(s1["local_rwnd"] > 0 and c1["peer_rwnd"] > 0, "windows")
        check(s1["stats"]["ipackets"] > 0 and s1["stats"]["idata"] >= 1, "server counters: %s" % s1["stats"])
        check(c1["stats"]["opackets"] > 0 and c1["stats"]["odata"] >= 1, "client counters")
        check(ce["counters"]["data_chunks_out"] >= 1 and se["counters"]["user_msgs_in"] >= 1, "endpoint counters")
        for a in (s1, c1):
            p = a["paths"]
            check(len(p) >= 1 and p[0]["addr"] == "127.0.0.1", "path address")
            check(p[0]["cwnd"] > 0 and p[0]["rto_ms"] > 0 and p[0]["ssthresh"] > 0, "path cc")
            check(p[0]["state"] == "active" and any(x["primary"] for x in p), "path state")
        check(ca[0][1]["paths"][0]["udp_port"] == udp, "the client's path UDP port")
only = [json.loads(l) for l in open(work + "/server.json")]
check(len(only) == 1 and only[0]["pid"] == server, "--pid: only the server")
sys.exit(0 if ok else 1)
EOF

# Bad packets at the listener (its stack by SCTP port; the refuser for an
# unserved one), then what the log and the counters say.
SVTAG=$(python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); print([a for e in o["endpoints"] for a in e["assocs"]][0]["local_vtag"])' "$WORK/server.json" 2>/dev/null)
CPORT=$(python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); print([a for e in o["endpoints"] for a in e["assocs"]][0]["peer_port"])' "$WORK/server.json" 2>/dev/null)
python3 - "$UDP" "$PORT" "${SVTAG:-1}" "${CPORT:-1}" <<'EOF' || fail "sending bad packets"
import socket, struct, sys
udp, port, vtag, cport = (int(x) for x in sys.argv[1:5])
# CRC32c (Castagnoli), reflected, as SCTP carries it (RFC 9260 Appendix A)
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
def pkt(sport, dport, tag, chunks, good=True):
    h = struct.pack("!HHII", sport, dport, tag, 0) + chunks
    c = crc32c(h) if good else crc32c(h) ^ 1
    return h[:8] + struct.pack("<I", c) + h[12:]
hb = struct.pack("!BBH", 4, 0, 12) + struct.pack("!HH", 1, 8) + b"xxxx"
init = struct.pack("!BBH", 1, 0, 20) + struct.pack("!IIHHI", 0x11223344, 65536, 10, 10, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
to = ("127.0.0.1", udp)
s.sendto(pkt(cport, port, vtag, hb, good=False), to)             # bad CRC
s.sendto(pkt(cport, port, vtag ^ 0x5A5A5A5A, hb), to)            # wrong tag
s.sendto(pkt(cport, port + 2, 0, init), to)                      # INIT, nobody serves the port
s.sendto(pkt(cport, port, vtag, struct.pack("!BBH", 4, 0, 200) + b"yyyy"), to)  # chunk too long
s.sendto(b"short", to)                                           # no SCTP header
EOF
sleep 0.5
"$STAT" --json --pid "$SERVER" >"$WORK/after.json" 2>/dev/null || fail "braid-stat after the bad packets"
for want in "drop bad_crc counter=drop_bad_crc from=127.0.0.1:" \
            "drop bad_vtag counter=drop_bad_vtag" \
            "drop init_refused counter=drop_ootb" \
            "drop chunk_framing counter=drop_malformed" \
            "drop demux_short counter=demux_short"; do
    grep -q -- "$want" "$WORK/server.log" || fail "no log line \"$want\""
done
grep -q "^braid\[$SERVER\]: debug: drop " "$WORK/server.log" || fail "log lines name the pid"
python3 - "$WORK/after.json" <<'EOF' || fail "the drop counters"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
ok = True
srv = [e for e in o["endpoints"] if not e["refuser"] and e["listening"]][0]["counters"]
ref = [e for e in o["endpoints"] if e["refuser"]]
for k in ("drop_bad_crc", "drop_bad_vtag", "drop_malformed"):
    if srv[k] < 1:
        print("  %s is %d" % (k, srv[k])); ok = False
if not ref or ref[0]["counters"]["drop_ootb"] < 1:
    print("  the refuser's drop_ootb did not move"); ok = False
if o["demux_drops"]["demux_short"] < 1:
    print("  demux_short did not move"); ok = False
a = [a for e in o["endpoints"] for a in e["assocs"]][0]
if a["stats"]["drops"] < 1:
    print("  the association's drops did not move"); ok = False
sys.exit(0 if ok else 1)
EOF

"$STAT" --pid "$SERVER" >"$WORK/text.out" 2>&1 || fail "braid-stat text exited $?"
grep -q "ESTABLISHED *127.0.0.1:$PORT " "$WORK/text.out" || fail "text output: $(cat "$WORK/text.out")"
grep -q "drop_bad_crc 1" "$WORK/text.out" || fail "text output lacks the drops"
"$STAT" --reasons | grep -q "^bad_crc  *drop_bad_crc " || fail "--reasons"
"$STAT" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad usage: exit 2"

# the end: the client's stdin closes, both finish gracefully
exec 3>&-
exec 4>&-
wait "$CLIENT" || fail "client exited $?"
wait "$SERVER" || fail "server exited $?"
if [ "$FAIL" -ne 0 ]; then
    echo "--- server log (tail)"
    tail -20 "$WORK/server.log"
    echo "--- braid-stat stderr"
    cat "$WORK/all.err" "$WORK/server.stat.err"
    exit 1
fi
echo "ok: braid-stat and the drop log"
