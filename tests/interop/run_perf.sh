#!/usr/bin/env bash
# Runs one braid-perf / usrsctp_perf test on 127.0.0.1: a one-off server
# (-s -1) and a client with the given options and --json. Passes when both
# exit 0 and the client's JSON says ok with every byte it sent received.
#   run_perf.sh SERVER_PERF CLIENT_PERF [CLIENT_OPTIONS...]
set -u
srv=$1
cli=$2
shift 2
work=$(mktemp -d)
trap 'kill $sp 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# SCTP ports are the host's: one of this run's own (perf tests run at once)
sport=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 120 "$srv" -s -1 -u "$port" -p "$sport" >"$work/srv.out" 2>"$work/srv.err" &
sp=$!
for _ in $(seq 200); do
    grep -q listening "$work/srv.out" && break
    kill -0 $sp 2>/dev/null || break
    sleep 0.05
done
timeout 120 "$cli" -c 127.0.0.1 -u "$port" -p "$sport" --json "$@" >"$work/cli.out" 2>"$work/cli.err"
crc=$?
wait $sp
src=$?
cat "$work/cli.out" "$work/srv.out" "$work/cli.err" "$work/srv.err"
json=$(tail -n 1 "$work/cli.out")
if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
    echo "FAIL: client $(basename "$cli") exit $crc, server $(basename "$srv") exit $src" >&2
    exit 1
fi
python3 - "$json" <<'EOF' || exit 1
import json, sys
j = json.loads(sys.argv[1])
ok = j["ok"] and j["bytes"] > 0 and j["bytes"] == j["server_bytes"] and j["msgs"] > 0
for k in ("throughput_bps", "msgs_per_s", "seconds", "cpu_percent"):
    ok = ok and k in j
if j["mode"] == "pingpong":
    ok = ok and j["latency_us"]["p50"] > 0 and j["latency_us"]["samples"] == j["msgs"]
if not ok:
    print("FAIL: unexpected result", j, file=sys.stderr)
    sys.exit(1)
EOF
echo "PASS: $(basename "$cli") -> $(basename "$srv") $*"
