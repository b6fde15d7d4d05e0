#!/usr/bin/env bash
# braid, bound to the wildcard on a host with two addresses, against
# usrsctp's example servers (Debian libusrsctp-examples) over UDP
# encapsulation (RFC 6951): two network namespaces joined by a veth pair,
# the server's with 10.77.0.1 and 10.77.0.2, the client's (braid-cat) with
# 10.77.0.11 and 10.77.0.12. Checks: 20 messages echoed back by
# echo_server; braid's INIT lists both its addresses (RFC 9260 §5.1.2) and
# every packet it sends leaves from one of them (a source usrsctp was told
# about: no ABORT); then 100 MB to discard_server without an abort.
#   run_multiaddr.sh BRAID_CAT [USRSCTP_EXAMPLES_DIR]
# Exit 77 (skipped) without root, network namespaces, veth or the examples.
set -u
cat_bin=$1
ex=${2:-/usr/lib/usrsctp}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
[ -x "$ex/echo_server" ] && [ -x "$ex/discard_server" ] ||
    skip "no usrsctp examples in $ex (apt-get install libusrsctp-examples)"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v tshark >/dev/null || skip "no tshark"
S=braid-ma-s$$
C=braid-ma-c$$
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del $S 2>/dev/null
    ip netns del $C 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add $S 2>/dev/null && ip netns add $C 2>/dev/null || skip "ip netns add failed"
ip link add v0 netns $S type veth peer name v1 netns $C 2>/dev/null || skip "no veth"
set -e
ip -n $S link set lo up
ip -n $C link set lo up
ip -n $S addr add 10.77.0.1/24 dev v0
ip -n $S addr add 10.77.0.2/24 dev v0
ip -n $C addr add 10.77.0.11/24 dev v1
ip -n $C addr add 10.77.0.12/24 dev v1
ip -n $S link set v0 up
ip -n $C link set v1 up
set +e
sleep 0.5 # the veth link comes up
fail() { echo "FAIL: $*" >&2; exit 1; }

# echo_server: SCTP port 7, UDP encapsulation port 9899; discard_server:
# SCTP port 9, UDP 9900.
ip netns exec $S "$ex/echo_server" 9899 >"$work/echo.out" 2>&1 &
pids+=($!)
ip netns exec $S "$ex/discard_server" 9900 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5

# 1. 20 echoes (each line one message), the capture of braid's side
for i in $(seq 20); do echo "echo line $i"; done >"$work/in"
t0=$(date +%s.%N)
(while read -r l; do echo "$l"; sleep 0.05; done <"$work/in"; sleep 1) |
    timeout 60 ip netns exec $C env BRAID_PCAP="$work/c.pcap" "$cat_bin" -w 10 -u 9899 10.77.0.1 7 \
        >"$work/out" 2>"$work/err"
rc=$?
cat "$work/err" >&2
[ $rc -eq 0 ] || fail "braid-cat to echo_server exited $rc"
cmp -s "$work/in" "$work/out" || { diff "$work/in" "$work/out" | head >&2; fail "echoes differ"; }
echo "20 echoes in $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}") s"
fields() { tshark -r "$work/c.pcap" -Y "$1" -T fields -e "$2" 2>/dev/null; }
aborts=$(fields "sctp.chunk_type == 6" frame.number | wc -l)
[ "$aborts" -eq 0 ] || fail "$aborts ABORT chunks in the capture"
init_addrs=$(fields "sctp.chunk_type == 1" sctp.parameter_ipv4_address | head -1)
case ",$init_addrs," in *,10.77.0.11,*) ;; *) fail "INIT lists [$init_addrs], not 10.77.0.11" ;; esac
case ",$init_addrs," in *,10.77.0.12,*) ;; *) fail "INIT lists [$init_addrs], not 10.77.0.12" ;; esac
srcs=$(fields "ip.dst == 10.77.0.1 || ip.dst == 10.77.0.2" ip.src | sort -u | tr '\n' ' ')
for s in $srcs; do
    case $s in 10.77.0.11 | 10.77.0.12) ;; *) fail "braid sent from $s (announced: $init_addrs)" ;; esac
done
hb_paths=$(fields "sctp.chunk_type == 4 && ip.src == 10.77.0.11" ip.dst | sort -u | tr '\n' ' ')
echo "INIT lists $init_addrs; braid's sources: $srcs; heartbeats to: $hb_paths"
case " $hb_paths" in *" 10.77.0.2 "*) ;; *) fail "the second path (10.77.0.2) was never heartbeated" ;; esac

# 2. 100 MB to discard_server
head -c 100000000 /dev/urandom >"$work/big"
t0=$(date +%s.%N)
timeout 120 ip netns exec $C "$cat_bin" -w 10 -u 9900 10.77.0.1 9 <"$work/big" >/dev/null 2>"$work/err2"
rc=$?
cat "$work/err2" >&2
[ $rc -eq 0 ] || fail "braid-cat: 100 MB to discard_server exited $rc"
echo "100 MB in $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}") s"
echo "PASS"
