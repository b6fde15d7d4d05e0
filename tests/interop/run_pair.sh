#!/usr/bin/env bash
# Runs one interop scenario: a server peer and a client peer (any two of
# interop_peer_braid / interop_peer_usrsctp) on 127.0.0.1 over UDP
# encapsulation. Both must exit 0.
#   run_pair.sh SERVER_PEER CLIENT_PEER SCENARIO [PCAP_DIR]
# With PCAP_DIR, the braid side records every packet ($BRAID_PCAP) and the
# capture must decode cleanly in tshark (tests/vectors/tshark_check.sh).
set -u
srv=$1
cli=$2
scen=$3
pcapdir=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $sp 2>/dev/null; rm -rf "$work"' EXIT

env_srv=()
env_cli=()
pcap=
if [ -n "$pcapdir" ]; then
    mkdir -p "$pcapdir"
    pcap=$pcapdir/$scen-$(basename "$srv")-$(basename "$cli").pcap
    rm -f "$pcap"
    case $srv in *braid*) env_srv=(BRAID_PCAP="$pcap") ;; esac
    case $cli in *braid*) [ ${#env_srv[@]} -eq 0 ] && env_cli=(BRAID_PCAP="$pcap") ;; esac
fi

# SCTP ports are the host's: a port of this pair's own (scenarios run at once)
INTEROP_SCTP_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export INTEROP_SCTP_PORT
env "${env_srv[@]}" timeout 150 "$srv" -s "$scen" >"$work/srv.out" 2>"$work/srv.err" &
sp=$!
port=
for _ in $(seq 200); do
    port=$(sed -n 's/^READY udp=//p' "$work/srv.out")
    [ -n "$port" ] && break
    kill -0 $sp 2>/dev/null || break
    sleep 0.05
done
if [ -z "$port" ]; then
    echo "FAIL: the server did not start" >&2
    cat "$work/srv.err" >&2
    exit 1
fi
env "${env_cli[@]}" timeout 150 "$cli" -c "$scen" -u "$port" 2>"$work/cli.err"
crc=$?
wait $sp
src=$?
cat "$work/srv.err" "$work/cli.err" >&2
if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
    echo "FAIL: $scen: server $(basename "$srv") exit $src, client $(basename "$cli") exit $crc" >&2
    exit 1
fi
if [ -n "$pcap" ]; then
    "$here/../vectors/tshark_check.sh" "$pcap" "$port" || exit 1
fi
echo "PASS: $scen: $(basename "$cli") -> $(basename "$srv")"
