#!/usr/bin/env bash
# braid-cat end to end, two processes over UDP encapsulation on 127.0.0.1:
# 100 MiB arrive byte-exact (sha256), in 64 KiB messages, both sides exit 0;
# the other modes (--one-to-many, --stream, --unordered) carry a file too;
# an unreachable peer, a UDP port in use and bad usage give the documented
# messages and exit codes.
#
#   tests/api/test_cat.sh PATH/TO/braid-cat
set -u
CAT=${1:?usage: test_cat.sh PATH/TO/braid-cat}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/braid-cat-test.XXXXXX")
PIDS=()
FAIL=0
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    FAIL=$((FAIL + 1))
}

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
    echo "no free UDP port" >&2
    exit 1
}

wait_for() { # FILE REGEX SECONDS
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -le "$end" ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# transfer NAME FILE OPTIONS...: listener | sha256sum, file | connector;
# checks both exit codes and the digest.
transfer() {
    local name=$1 file=$2
    shift 2
    local udp port
    udp=$(free_udp_port)
    port=$((5000 + RANDOM % 4000))
    (
        timeout 30 "$CAT" -v -l -p "$port" -u "$udp" "$@" 2>"$WORK/$name.lerr" |
            sha256sum | cut -c1-64 >"$WORK/$name.out.sha"
        echo "${PIPESTATUS[0]}" >"$WORK/$name.lrc"
    ) &
    local lpid=$!
    PIDS+=("$lpid")
    if ! wait_for "$WORK/$name.lerr" "listening" 10; then
        fail "$name: the listener did not start"
        cat "$WORK/$name.lerr"
        return
    fi
    local start=$SECONDS
    timeout 30 "$CAT" -v -u "$udp" "$@" 127.0.0.1 "$port" <"$file" 2>"$WORK/$name.cerr"
    local crc=$?
    wait "$lpid"
    local lrc
    lrc=$(cat "$WORK/$name.lrc" 2>/dev/null || echo missing)
    local want got
    want=$(sha256sum <"$file" | cut -c1-64)
    got=$(cat "$WORK/$name.out.sha")
    [ "$crc" -eq 0 ] || fail "$name: the sender exited $crc"
    [ "$lrc" = 0 ] || fail "$name: the listener exited $lrc"
    [ "$want" = "$got" ] || fail "$name: sha256 differs (sent $want, received $got)"
    if [ "$crc" -ne 0 ] || [ "$lrc" != 0 ] || [ "$want" != "$got" ]; then
        echo "-- listener stderr"; cat "$WORK/$name.lerr"
        echo "-- sender stderr"; cat "$WORK/$name.cerr"
    else
        echo "ok: $name ($(stat -c %s "$file") bytes, $((SECONDS - start)) s, sha256 $got)"
    fi
}

head -c $((100 * 1024 * 1024)) /dev/urandom >"$WORK/100m.bin"
head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$WORK/3m.bin"
head -c 50000 /dev/urandom >"$WORK/small.bin"

transfer big "$WORK/100m.bin"
transfer one-to-many-stream7 "$WORK/3m.bin" --one-to-many --stream 7
transfer stream300 "$WORK/3m.bin" --stream 300
transfer unordered "$WORK/small.bin" --unordered # one message: order cannot matter
rm -f "$WORK/100m.bin"

# an unreachable peer: nobody on that UDP port
udp=$(free_udp_port)
out=$(echo hi | timeout 20 "$CAT" -w 1 -u "$udp" 127.0.0.1 5999 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "unreachable peer: exit $rc, expected 1"
echo "$out" | grep -q "cannot connect to 127.0.0.1:5999" || fail "unreachable peer: message '$out'"
[ "$rc" -eq 1 ] && echo "ok: unreachable peer: $out"

# a UDP port in use by another listener: processes share it (hostport.c),
# except one that does not (BRAID_REUSEPORT=0, or no BPF): refused
udp=$(free_udp_port)
timeout 20 "$CAT" -v -l -p 5998 -u "$udp" >/dev/null 2>"$WORK/inuse.err" &
PIDS+=("$!")
wait_for "$WORK/inuse.err" "listening" 10 || fail "port in use: first listener did not start"
out=$(BRAID_REUSEPORT=0 timeout 20 "$CAT" -l -p 5997 -u "$udp" 2>&1 </dev/null)
rc=$?
[ "$rc" -eq 1 ] || fail "port in use: exit $rc, expected 1"
echo "$out" | grep -q "in use" || fail "port in use: message '$out'"
[ "$rc" -eq 1 ] && echo "ok: port in use: $(echo "$out" | tail -1)"

# an SCTP port in use by another process (on another UDP port): SCTP ports
# are the host's, as on Linux
out=$(timeout 20 "$CAT" -l -p 5998 -u "$(free_udp_port)" 2>&1 </dev/null)
rc=$?
[ "$rc" -eq 1 ] || fail "SCTP port in use: exit $rc, expected 1"
echo "$out" | grep -q "in use" || fail "SCTP port in use: message '$out'"
[ "$rc" -eq 1 ] && echo "ok: SCTP port in use: $(echo "$out" | tail -1)"

# bad usage: exit 2
for args in "" "-l extra" "--stream x 127.0.0.1 1" "127.0.0.1" "127.0.0.1 0" "-p 5 127.0.0.1 7" \
    "--bogus"; do
    # shellcheck disable=SC2086
    timeout 10 "$CAT" $args </dev/null >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || fail "usage '$args': exit $rc, expected 2"
done
echo "ok: bad usage exits 2"

if [ "$FAIL" -ne 0 ]; then
    echo "$FAIL failure(s)"
    exit 1
fi
echo "all braid-cat checks passed"
