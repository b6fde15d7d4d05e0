#!/usr/bin/env bash
# make check-lksctp: Linux's own SCTP API tests (lksctp-tools src/func_tests,
# Debian 12's source package) built unchanged against braid and run, each in a
# network namespace of its own.
#
#   tests/lksctp/run.sh [BUILD_DIR]        (default: build; needs root)
#
# 1. Fetches the Debian source package with `apt-get source` through a private
#    apt state under BUILD_DIR/lksctp/apt (own sources.list with one deb-src
#    line, own lists, cache and state); the system's apt configuration is not
#    touched. The download is kept in BUILD_DIR/lksctp/src: later runs need no
#    network. The test sources never enter the repository.
# 2. Compiles every test_*.c (plus the _v6 variants of Makefile.am) and the
#    testlib's sctputil.c with tests/lksctp/include (<netinet/sctp.h> ->
#    <braid/sctp.h>), -include braid/compat.h, and links BUILD_DIR/libbraid.a.
# 3. Runs each program in its own netns (lo up), LKSCTP_JOBS at a time, with a
#    timeout, output in BUILD_DIR/lksctp/logs/PROGRAM.log.
# 4. Prints the table (also BUILD_DIR/lksctp/results.md), then
#    "N passed, M failed".
# 5. Ratchet: fails if a program listed in tests/lksctp/expected-pass.txt does
#    not pass; names the programs that pass but are not listed.
#
# LKSCTP_MODE=libsctp (make check-dropin): the same programs built a second
# way, against Debian's libsctp-dev unmodified (<netinet/sctp.h>, -lsctp, no
# braid header), and run under braid-run (LD_PRELOAD=libbraid-preload.so);
# results in BUILD_DIR/lksctp-libsctp, the same ratchet (expected-pass.txt),
# and the pass list compared with the compat build's when that has run.
#
# Environment:
#   LKSCTP_TIMEOUT=30     seconds per program (the slowest passing one takes 4;
#                         43 programs, 4 at a time: 6 minutes if every one hung)
#   LKSCTP_JOBS=4         programs run at a time
#   LKSCTP_STRICT=1       every failing program fails the run
#   LKSCTP_TESTS="a b"    run only these programs
#   LKSCTP_VERSION=1.0.19+dfsg-2   Debian version of lksctp-tools
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
mode=${LKSCTP_MODE:-compat}
case $mode in compat | libsctp) ;; *) echo "check-lksctp: LKSCTP_MODE is compat or libsctp" >&2; exit 2 ;; esac
out=$build/lksctp
[ "$mode" = libsctp ] && out=$build/lksctp-libsctp
timeout_s=${LKSCTP_TIMEOUT:-30}
jobs=${LKSCTP_JOBS:-4}
strict=${LKSCTP_STRICT:-0}
only=${LKSCTP_TESTS:-}
version=${LKSCTP_VERSION:-1.0.19+dfsg-2}
suite=${LKSCTP_SUITE:-bookworm}
mirror=${LKSCTP_MIRROR:-http://deb.debian.org/debian}
expected_file=$here/expected-pass.txt
cc=${CC:-cc}

say() { printf 'check-lksctp: %s\n' "$*"; }
die() { printf 'check-lksctp: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces); run it with sudo"
[ -f "$build/libbraid.a" ] || die "$build/libbraid.a missing; run 'make build' first"
if [ "$mode" = libsctp ]; then
    [ -x "$build/braid-run" ] || die "$build/braid-run missing; run 'make build' first"
    [ -f /usr/include/netinet/sctp.h ] || die "libsctp-dev missing (scripts/setup.sh installs it)"
fi
case $timeout_s in '' | *[!0-9]*) die "LKSCTP_TIMEOUT must be a number of seconds" ;; esac
case $jobs in '' | *[!0-9]* | 0) die "LKSCTP_JOBS must be a positive number" ;; esac

# ---------------------------------------------------------------- tools
need_tools() {
    local pkgs=(dpkg-dev xz-utils iproute2 coreutils pkg-config libssl-dev) missing=() p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- fetch
# Debian file names carry the version without its epoch; the .orig tarball
# the upstream version only.
src_dir=$build/lksctp/src # (one download for both modes)
dsc=$src_dir/lksctp-tools_${version#*:}.dsc
tree=$src_dir/lksctp-tools-${version#*:}

fetch() {
    if [ -f "$dsc" ]; then
        return 0
    fi
    local apt=$build/lksctp/apt keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=''
    mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$apt/state/lists/partial" \
        "$apt/cache/archives/partial" "$src_dir"
    [ -f "$keyring" ] && signed="[signed-by=$keyring] "
    printf 'deb-src %s%s %s main\n' "$signed" "$mirror" "$suite" >"$apt/etc/sources.list"
    : >"$apt/state/status"
    local opts=(
        -o "Dir::Etc::SourceList=$apt/etc/sources.list"
        -o "Dir::Etc::SourceParts=$apt/etc/sources.list.d"
        -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
        -o "Dir::Etc::Preferences=$apt/etc/preferences"
        -o "Dir::State=$apt/state"
        -o "Dir::State::Lists=$apt/state/lists"
        -o "Dir::State::status=$apt/state/status"
        -o "Dir::Cache=$apt/cache"
        -o "Dir::Cache::Archives=$apt/cache/archives"
        -o "APT::Sandbox::User=root"
    )
    say "fetching lksctp-tools $version ($mirror $suite, private apt state in $apt)"
    apt-get "${opts[@]}" -qq update >"$out/fetch.log" 2>&1 ||
        { cat "$out/fetch.log" >&2; die "apt-get update (private state) failed"; }
    (cd "$src_dir" && apt-get "${opts[@]}" -q source --download-only "lksctp-tools=$version") \
        >>"$out/fetch.log" 2>&1 ||
        { cat "$out/fetch.log" >&2; die "apt-get source lksctp-tools=$version failed (another Debian version: LKSCTP_VERSION=...)"; }
    [ -f "$dsc" ] || die "apt-get source did not leave $dsc"
}

extract() {
    if [ -f "$tree/.braid-extracted" ]; then
        return 0
    fi
    rm -rf "$tree"
    # dpkg-source checks the files against the checksums of the .dsc (which
    # apt took from the signed Sources index).
    dpkg-source -x "$dsc" "$tree" >"$out/extract.log" 2>&1 ||
        { cat "$out/extract.log" >&2; die "dpkg-source -x $dsc failed"; }
    [ -d "$tree/src/func_tests" ] || die "$tree/src/func_tests missing"
    touch "$tree/.braid-extracted"
}

# ---------------------------------------------------------------- build
ft=$tree/src/func_tests
bin=$out/bin
# The func_tests Makefile.am's flags (AM_CPPFLAGS, V6FLAGS), with braid in
# place of libsctp.
cflags=(-g -O2 -fno-strict-aliasing -Wall -Wstrict-prototypes -Wimplicit-function-declaration)
v6flags=(-DCONFIG_IPV6=1 -DTEST_V6=1)
incs=(-I. -I"$here/include" -I"$root/include" -I"$tree/src/testlib" -include braid/compat.h)
link=("$build/libbraid.a")
runner=()
if [ "$mode" = libsctp ]; then
    # Debian's headers and libsctp, nothing of braid: braid comes in at run
    # time, under braid-run
    incs=(-I. -I"$tree/src/testlib")
    link=(-lsctp)
    runner=("$build/braid-run")
fi

programs=()
list_programs() {
    local f n
    for f in "$ft"/test_*.c; do
        n=$(basename "$f" .c)
        programs+=("$n")
    done
    # The IPv6 variants: the programs Makefile.am builds with V6FLAGS.
    # shellcheck disable=SC2016 # a literal ${V6FLAGS}
    while read -r n; do
        programs+=("$n")
    done < <(sed -n 's/^\(test_[a-z0-9_]*_v6\)_CFLAGS *= *\${V6FLAGS}.*/\1/p' "$ft/Makefile.am")
    if [ -n "$only" ]; then
        local keep=() p
        for p in "${programs[@]}"; do
            case " $only " in *" $p "*) keep+=("$p") ;; esac
        done
        [ ${#keep[@]} -gt 0 ] || die "LKSCTP_TESTS matches no program"
        programs=("${keep[@]}")
    fi
}

source_of() { # program -> its .c (test_x_v6 -> test_x.c)
    local p=$1
    case $p in *_v6) p=${p%_v6} ;; esac
    printf '%s.c' "$p"
}

build_one() { # program; result in $out/build/PROGRAM.{log,ok}
    local p=$1 src flags=("${cflags[@]}")
    src=$(source_of "$p")
    case $p in *_v6) flags+=("${v6flags[@]}") ;; esac
    rm -f "$out/build/$p.ok" "$bin/$p"
    # shellcheck disable=SC2086 # $libs is a word list from pkg-config
    if (cd "$ft" && "$cc" "${flags[@]}" "${incs[@]}" "$src" "$out/build/sctputil.o" \
        "${link[@]}" $libs -lpthread -o "$bin/$p") >"$out/build/$p.log" 2>&1; then
        touch "$out/build/$p.ok"
    fi
}

build_all() {
    mkdir -p "$bin" "$out/build"
    libs=$(pkg-config --libs libcrypto)
    if ! (cd "$tree/src/testlib" && "$cc" "${cflags[@]}" "${incs[@]}" -c sctputil.c \
        -o "$out/build/sctputil.o") >"$out/build/sctputil.log" 2>&1; then
        cat "$out/build/sctputil.log" >&2
        die "the testlib (sctputil.c) does not build against braid"
    fi
    local p n=0
    for p in "${programs[@]}"; do
        build_one "$p" &
        n=$((n + 1))
        if [ "$n" -ge "$(nproc)" ]; then
            wait -n || true
            n=$((n - 1))
        fi
    done
    wait
}

# ---------------------------------------------------------------- run
ns_prefix=braid-lksctp-$$-
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup_ns() {
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        case $ns in "$ns_prefix"*) ip netns delete "$ns" 2>/dev/null || true ;; esac
    done
}
trap cleanup_ns EXIT

run_one() { # program; result in $out/run/PROGRAM.rc, .secs; output in logs/
    local p=$1 ns=$ns_prefix$1 log=$out/logs/$1.log rc=0 t0 t1
    if ! ip netns add "$ns" 2>"$log" || ! ip -n "$ns" link set lo up 2>>"$log"; then
        echo "netns" >"$out/run/$p.rc"
        echo 0 >"$out/run/$p.secs"
        ip netns delete "$ns" 2>/dev/null || true
        return 0
    fi
    t0=$(date +%s%N)
    # ip netns exec and stdbuf exec the program, so timeout signals the test
    # itself. Line-buffered stdout: a BROK line is followed by a deliberate
    # SIGSEGV (DUMP_CORE), which would lose a fully buffered stdout.
    (cd "$out/run" && ulimit -c 0 &&
        exec timeout -k 5 "$timeout_s" ip netns exec "$ns" "${runner[@]}" stdbuf -oL "$bin/$p") \
        >"$log" 2>&1 </dev/null || rc=$?
    t1=$(date +%s%N)
    ip netns delete "$ns" 2>/dev/null || true
    echo "$rc" >"$out/run/$p.rc"
    echo $(((t1 - t0) / 1000000)) >"$out/run/$p.secs"
}

run_all() {
    ip netns add "${ns_prefix}probe" 2>/dev/null ||
        die "cannot create a network namespace (ip netns add needs root with CAP_SYS_ADMIN)"
    ip netns delete "${ns_prefix}probe"
    rm -rf "$out/logs" "$out/run"
    mkdir -p "$out/logs" "$out/run"
    local p n=0
    for p in "${programs[@]}"; do
        if [ ! -f "$out/build/$p.ok" ]; then
            cp "$out/build/$p.log" "$out/logs/$p.log"
            echo build >"$out/run/$p.rc"
            echo 0 >"$out/run/$p.secs"
            continue
        fi
        # bash's "Segmentation fault" job notices go to run/PROGRAM.sh.log
        run_one "$p" 2>"$out/run/$p.sh.log" &
        n=$((n + 1))
        if [ "$n" -ge "$jobs" ]; then
            wait -n || true
            n=$((n - 1))
        fi
    done
    wait
}

# ---------------------------------------------------------------- report
signame() { kill -l "$1" 2>/dev/null || echo "$1"; }

# One program's row: fields separated by tabs.
row() {
    local p=$1 rc status log=$out/logs/$1.log npass nfail total first last ms where
    rc=$(cat "$out/run/$p.rc")
    ms=$(cat "$out/run/$p.secs")
    npass=$(grep -cE '^[^ ]+ +[0-9]+ PASS :' "$log" || true)
    nfail=$(grep -cE '^[^ ]+ +[0-9]+ (FAIL|BROK) :' "$log" || true)
    total=$(sed -n 's/^int TST_TOTAL *= *\([0-9]*\);.*/\1/p' "$ft/$(source_of "$p")" | head -n1)
    total=${total:-0}
    # TST_TOTAL undercounts some programs; a check that broke counts too.
    [ $((npass + nfail)) -gt "$total" ] && total=$((npass + nfail))
    first=$(grep -m1 -E '^[^ ]+ +[0-9]+ (FAIL|BROK) :' "$log" || true)
    # tst_brkm prints the BROK line, then "DUMP_CORE file: line" and crashes.
    where=$(sed -n 's/^DUMP_CORE \(.*\/\)\{0,1\}\([^ /]*\): \([0-9]*\)$/\2:\3/p' "$log" | head -n1)
    [ -n "$first" ] && [ -n "$where" ] && first="$first [$where]"
    last=$(grep -v '^DUMP_CORE' "$log" | tail -n1 || true)
    case $rc in
        0) status=pass first='' ;;
        build)
            status='build-fail'
            first=$(grep -m1 -E 'error|undefined reference' "$log" || true)
            first=${first#"$ft/"}
            ;;
        netns) status=netns-fail first=$(head -n1 "$log") ;;
        124 | 137)
            status=timeout
            [ -n "$first" ] || first="no output for the rest of ${timeout_s} s after: ${last:-(nothing)}"
            ;;
        *)
            if [ "$rc" -gt 128 ]; then
                status="fail rc $rc (SIG$(signame $((rc - 128))))"
            else
                status="fail rc $rc"
            fi
            if [ -z "$first" ] && [ "$rc" -gt 128 ]; then
                first="crashed (SIG$(signame $((rc - 128)))) after: ${last:-(nothing)}"
            fi
            [ -n "$first" ] || first="exit without FAIL/BROK after: ${last:-(nothing)}"
            ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\t%s.%s\t%s\n' "$p" "$status" "$npass" "$total" "$nfail" \
        $((ms / 1000)) $((ms % 1000 / 100)) "${first//$'\t'/ }"
}

report() {
    local p line name status npass total nfail secs first passed=0 failed=0 sum_pass=0 sum_total=0
    local md=$out/results.md
    {
        echo "# lksctp-tools func_tests on braid ($mode build)"
        echo
        echo "lksctp-tools $version (Debian $suite), $(date -u '+%Y-%m-%d %H:%M UTC'), braid $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
        echo "timeout ${timeout_s} s, ${jobs} at a time. PASS: PASS lines of TST_TOTAL."
        echo
        echo "| program | status | PASS | FAIL/BROK | s | first failure |"
        echo "|---|---|---|---|---|---|"
    } >"$md"
    printf '%-34s %-22s %7s %5s %5s  %s\n' program status PASS F/B s "first failure"
    for p in "${programs[@]}"; do
        line=$(row "$p")
        IFS=$'\t' read -r name status npass total nfail secs first <<<"$line"
        if [ "$status" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        sum_pass=$((sum_pass + npass))
        sum_total=$((sum_total + total))
        printf '%-34s %-22s %7s %5s %5s  %.110s\n' "$name" "$status" "$npass/$total" "$nfail" \
            "$secs" "$first"
        printf '| %s | %s | %s/%s | %s | %s | %s |\n' "$name" "$status" "$npass" "$total" \
            "$nfail" "$secs" "$(printf '%s' "$first" | sed 's/|/\\|/g')" >>"$md"
        [ "$status" = pass ] && echo "$name" >>"$out/passed.txt"
    done
    printf '\nPASS checks: %s of %s\n\n%s passed, %s failed\n' "$sum_pass" "$sum_total" \
        "$passed" "$failed" >>"$md"
    n_passed=$passed
    n_failed=$failed
    say "PASS checks: $sum_pass of $sum_total; logs in $out/logs, table in $md"
}

# ---------------------------------------------------------------- ratchet
ratchet() {
    local p expected=() regressions=() newly=()
    if [ -f "$expected_file" ]; then
        while read -r p; do
            p=${p%%#*}
            p=${p//[[:space:]]/}
            [ -n "$p" ] && expected+=("$p")
        done <"$expected_file"
    fi
    for p in "${expected[@]}"; do
        if [ -n "$only" ]; then
            case " $only " in *" $p "*) ;; *) continue ;; esac
        fi
        grep -qxF "$p" "$out/passed.txt" || regressions+=("$p")
    done
    while read -r p; do
        [ -n "$p" ] || continue
        case " ${expected[*]} " in *" $p "*) ;; *) newly+=("$p") ;; esac
    done <"$out/passed.txt"
    if [ ${#newly[@]} -gt 0 ]; then
        say "newly passing (add to tests/lksctp/expected-pass.txt): ${newly[*]}"
    fi
    if [ ${#regressions[@]} -gt 0 ]; then
        say "REGRESSION: listed in tests/lksctp/expected-pass.txt but failing: ${regressions[*]}"
        status_rc=1
    fi
    if [ "$strict" = 1 ] && [ "$n_failed" -gt 0 ]; then
        say "LKSCTP_STRICT=1: $n_failed programs fail"
        status_rc=1
    fi
}

# ---------------------------------------------------------------- main
need_tools
mkdir -p "$out"
fetch
extract
list_programs
say "building ${#programs[@]} programs ($mode: ${link[*]})"
build_all
say "running them, $jobs at a time, ${timeout_s} s each at most"
start=$SECONDS
rm -f "$out/passed.txt"
touch "$out/passed.txt"
run_all
say "ran in $((SECONDS - start)) s"
n_passed=0
n_failed=0
status_rc=0
report
ratchet
if [ "$mode" = libsctp ] && [ -z "$only" ] && [ -f "$build/lksctp/passed.txt" ]; then
    # the two builds of the same programs pass the same ones
    if ! diff <(sort "$build/lksctp/passed.txt") <(sort "$out/passed.txt") >"$out/compare.diff"; then
        say "the libsctp build (under braid-run) and the compat build pass different programs (< compat, > libsctp):"
        cat "$out/compare.diff"
        status_rc=1
    else
        say "the libsctp build under braid-run passes the same programs as the compat build"
    fi
fi
echo "$n_passed passed, $n_failed failed"
exit "$status_rc"
