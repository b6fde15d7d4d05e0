#!/usr/bin/env bash
# The cost of sharing the UDP port between processes (docs/architecture.md,
# "Many processes on one host"): braid-perf ping-pong (all on CPU 0) and
# bulk (interleaved), 5 runs each, client and server in one process
# (--self), in two processes over the shared 9899 (a second server process
# in the group), and in two processes with BRAID_REUSEPORT=0. Root: runs in
# a network namespace of its own.
#   bench/hostports.sh [BUILD_DIR]     prints one JSON line per run
set -eu
if [ "${1:-}" != "--inner" ]; then
    exec unshare -n "$0" --inner "$(cd "${1:-build}" && pwd)"
fi
P=$2/tools/braid-perf
T=${T:-3}
ip link set lo up
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
one() { "$@" --json -q -t "$T" | tail -1; }
# ping-pong, everything on CPU 0
$P -s -p 5001 -q -A 0 &
$P -s -p 5002 -q &
BRAID_REUSEPORT=0 $P -s -p 5011 -u 9900 -q -A 0 &
sleep 0.6
for i in 1 2 3 4 5; do
    echo "one pingpong $(one $P --self -c 127.0.0.1 -p 5021 -u 9901 -A 0 -m pingpong)"
    echo "shared pingpong $(one $P -c 127.0.0.1 -p 5001 -A 0 -m pingpong)"
    echo "exclusive pingpong $(BRAID_REUSEPORT=0 one $P -c 127.0.0.1 -p 5011 -u 9900 -A 0 -m pingpong)"
done
kill $(jobs -p); wait 2>/dev/null || true
sleep 1.2
# bulk, unpinned
$P -s -p 5001 -q &
$P -s -p 5002 -q &
BRAID_REUSEPORT=0 $P -s -p 5011 -u 9900 -q &
sleep 0.6
for i in 1 2 3 4 5; do
    echo "one bulk $(one $P --self -c 127.0.0.1 -p 5021 -u 9901 -m bulk)"
    echo "shared bulk $(one $P -c 127.0.0.1 -p 5001 -m bulk)"
    echo "exclusive bulk $(BRAID_REUSEPORT=0 one $P -c 127.0.0.1 -p 5011 -u 9900 -m bulk)"
done
