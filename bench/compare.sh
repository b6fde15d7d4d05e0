#!/usr/bin/env bash
# braid vs usrsctp, side by side, with the plain-UDP ceiling measured in the
# same run (bench/udp_ceiling.c). `make bench` runs it after the CRC bench.
#
#   bench/compare.sh [BUILD_DIR]        (default: build)
#
# Environment: BENCH_RUNS (runs of each row, default 3), BENCH_SECONDS
# (seconds per run, default 3), BENCH_OUT (results file; default
# bench/results/<date>-<hostname>.md).
#
# Rows: bulk 64 KiB and 1 KiB messages (throughput), 64-byte messages
# (messages per second), ping-pong 64 B round-trip p50 with server and client
# on different CPUs and both on one CPU. Each runs braid-perf <-> braid-perf,
# usrsctp_perf <-> usrsctp_perf (tests/interop/usrsctp_perf.c: the same
# program on usrsctp) and, where it applies, udp_ceiling (sendmmsg/recvmmsg
# bulk of 1452-byte datagrams, UDP ping-pong), all over UDP on 127.0.0.1.
# Server on one CPU, client on another (cross CPU); the same-CPU row pins
# both to the first CPU. Runs are interleaved (run 1 of every row, then run
# 2, ...) so slow drift in the machine's load spreads over every column.
# The table gives median [min-max] of the runs; a spread (max-min)/median
# over 10 % is flagged as noise. Throughput per CPU-second divides a row's
# figure by the CPU the two processes used (getrusage, user + system, each
# over its own part of the test, as braid-perf reports it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
B=${1:-build}
case $B in /*) ;; *) [ -d "$B" ] || B=$root/$B ;; esac
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-3}
case $RUNS in '' | *[!0-9]* | 0) echo "compare.sh: BENCH_RUNS must be a positive integer" >&2; exit 2 ;; esac
case $SECS in '' | *[!0-9.]* | .) echo "compare.sh: BENCH_SECONDS must be a number" >&2; exit 2 ;; esac

BRAID=$B/tools/braid-perf
USR=$B/tests/interop/usrsctp_perf
UDP=$B/bench/udp_ceiling
for t in "$BRAID" "$UDP"; do
    if [ ! -x "$t" ]; then
        echo "compare.sh: $t not found (build first: make build, or cmake --build $B)" >&2
        exit 2
    fi
done
have_usr=1
if [ ! -x "$USR" ]; then
    have_usr=0
    echo "compare.sh: $USR not found (usrsctp not installed: scripts/setup.sh installs libusrsctp-dev); running the braid and UDP rows only" >&2
fi
command -v python3 >/dev/null || { echo "compare.sh: python3 is needed" >&2; exit 2; }

work=$(mktemp -d)
sp=
cleanup() {
    [ -n "$sp" ] && kill "$sp" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPUs: the first two this process may use.
read -r -a cpus <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
if [ "${#cpus[@]}" -ge 2 ]; then
    CLI_CPU=${cpus[0]} SRV_CPU=${cpus[1]} SAME_CPU=${cpus[0]}
    pin_note="cross CPU: server on CPU $SRV_CPU, client on CPU $CLI_CPU; same CPU: both on CPU $SAME_CPU"
else
    CLI_CPU=${cpus[0]} SRV_CPU=${cpus[0]} SAME_CPU=${cpus[0]}
    pin_note="one CPU only: every row (\"cross CPU\" too) runs server and client on CPU $SAME_CPU"
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# CPU ticks of the whole machine from /proc/stat: busy (user, nice, system,
# irq, softirq), total (with idle, iowait and steal), steal. Read around the
# client's run: busy less the two test processes' CPU is other work sharing
# the CPUs (a rough figure: /proc/stat is sampled at each tick, the tools'
# own CPU is exact, and the client's connect and shutdown are in it too).
cpu_ticks() {
    local _c u n s i w q sq st _rest
    read -r _c u n s i w q sq st _rest </proc/stat
    echo "$((u + n + s + q + sq)) $((u + n + s + i + w + q + sq + st)) $st"
}

# run_one ROW STACK RUN TOOL SERVER_CPU CLIENT_CPU CLIENT_ARGS...
# Appends "ROW STACK RUN JSON" (or "... FAIL reason") to $work/results.
run_one() {
    local row=$1 stack=$2 run=$3 tool=$4 scpu=$5 ccpu=$6
    shift 6
    local port rc src json b0 t0 st0 b1 t1 st1
    port=$(free_port)
    timeout $((${SECS%.*} + 60)) "$tool" -s -1 -u "$port" -A "$scpu" >"$work/srv.out" 2>"$work/srv.err" &
    sp=$!
    for _ in $(seq 200); do
        grep -q listening "$work/srv.out" && break
        kill -0 "$sp" 2>/dev/null || break
        sleep 0.02
    done
    read -r b0 t0 st0 <<<"$(cpu_ticks)"
    timeout $((${SECS%.*} + 60)) "$tool" -c 127.0.0.1 -u "$port" -A "$ccpu" -t "$SECS" --json -q "$@" \
        >"$work/cli.out" 2>"$work/cli.err"
    rc=$?
    read -r b1 t1 st1 <<<"$(cpu_ticks)"
    # the one-off server leaves once the association (or the test) is over
    for _ in $(seq 250); do
        kill -0 "$sp" 2>/dev/null || break
        sleep 0.02
    done
    kill "$sp" 2>/dev/null
    wait "$sp" 2>/dev/null
    src=$?
    sp=
    json=$(tail -n 1 "$work/cli.out")
    if [ $rc -ne 0 ] || [ "${json:0:1}" != "{" ]; then
        local why
        why=$(tr '\n' ' ' <"$work/cli.err" | cut -c1-200)
        echo "$row $stack $run FAIL client exit $rc, server exit $src: $why" >>"$work/results"
        printf '  %-12s %-8s run %d: FAILED (client exit %d) %s\n' "$row" "$stack" "$run" $rc "$why" >&2
        return
    fi
    echo "$row $stack $run $((b1 - b0)) $((t1 - t0)) $((st1 - st0)) $json" >>"$work/results"
    python3 - "$row" "$stack" "$run" "$json" $((b1 - b0)) $((t1 - t0)) <<'EOF' >&2
import json, os, sys
row, stack, run, j = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
busy, total = int(sys.argv[5]), int(sys.argv[6])
ncpu = os.cpu_count() or 1
if j["mode"] == "pingpong":
    v = "p50 %.1f us" % j["latency_us"]["p50"]
elif j["mode"] == "msgs":
    v = "%.0f msg/s" % j["msgs_per_s"]
else:
    v = "%.2f Gbit/s" % (j["throughput_bps"] / 1e9)
c = j["cpu_percent"]
tools = (c["client"] + c["server"]) / 100 * j["seconds"]
wall = total / ncpu / os.sysconf("SC_CLK_TCK") if total else 0
other = max(0.0, busy / os.sysconf("SC_CLK_TCK") - tools) / wall * 100 if wall else 0
print("  %-12s %-8s run %s: %-16s cpu %5.1f + %5.1f %%, other work %4.0f %% of a CPU%s" %
      (row, stack, run, v, c["client"], c["server"], other, "" if j.get("ok", True) else "  (not ok)"))
EOF
}

# ROW MODE SIZE PIN: the SCTP rows; UDP rows below.
rows=(
    "bulk64k bulk 64K cross"
    "bulk1k bulk 1K cross"
    "msgs64 msgs 64 cross"
    "pp_cross pingpong 64 cross"
    "pp_same pingpong 64 same"
)
udp_rows=(
    "udp_bulk bulk 1452 cross"
    "udp_pp_cross pingpong 64 cross"
    "udp_pp_same pingpong 64 same"
)
n_runs=$(( (${#rows[@]} * (1 + have_usr) + ${#udp_rows[@]}) * RUNS ))
echo "compare.sh: $n_runs runs of $SECS s ($RUNS per row); $pin_note; load average $load_before" >&2
t_start=$(date +%s)
: >"$work/results"
for run in $(seq "$RUNS"); do
    for r in "${rows[@]}"; do
        read -r row mode size pin <<<"$r"
        if [ "$pin" = same ]; then s=$SAME_CPU c=$SAME_CPU; else s=$SRV_CPU c=$CLI_CPU; fi
        run_one "$row" braid "$run" "$BRAID" "$s" "$c" -m "$mode" -l "$size"
        [ $have_usr = 1 ] && run_one "$row" usrsctp "$run" "$USR" "$s" "$c" -m "$mode" -l "$size"
    done
    for r in "${udp_rows[@]}"; do
        read -r row mode size pin <<<"$r"
        if [ "$pin" = same ]; then s=$SAME_CPU c=$SAME_CPU; else s=$SRV_CPU c=$CLI_CPU; fi
        run_one "$row" udp "$run" "$UDP" "$s" "$c" -m "$mode" -l "$size"
    done
done
elapsed=$(( $(date +%s) - t_start ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The machine.
model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
ncpu=$(nproc --all)
cores=$(lscpu 2>/dev/null | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -n 1)
sockets=$(lscpu 2>/dev/null | sed -n 's/^Socket(s):[[:space:]]*//p' | head -n 1)
tpc=$(lscpu 2>/dev/null | sed -n 's/^Thread(s) per core:[[:space:]]*//p' | head -n 1)
hyper=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n 1)
mhz=$(lscpu 2>/dev/null | sed -n 's/^CPU max MHz:[[:space:]]*//p' | head -n 1)
kernel=$(uname -srm)
host=$(hostname -s 2>/dev/null || hostname)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[^=]*=//p' "$B/CMakeCache.txt" 2>/dev/null)
[ -z "$btype" ] && [ -f "$B/CMakeCache.txt" ] && btype="RelWithDebInfo (CMakeLists.txt's default)"
usrver=$(dpkg-query -W -f='${Version}' libusrsctp2 2>/dev/null || true)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)

date_s=$(date +%Y-%m-%d)
mkdir -p "$here/results"
out=${BENCH_OUT:-$here/results/$date_s-$host.md}
if [ -z "${BENCH_OUT:-}" ] && [ -e "$out" ]; then
    i=2
    while [ -e "$here/results/$date_s-$host-$i.md" ]; do i=$((i + 1)); done
    out=$here/results/$date_s-$host-$i.md
fi

export BENCH_MODEL="$model" BENCH_NCPU="$ncpu" BENCH_CORES="$cores" BENCH_SOCKETS="$sockets" \
    BENCH_TPC="$tpc" BENCH_HYPER="$hyper" BENCH_MHZ="$mhz" BENCH_KERNEL="$kernel" \
    BENCH_HOST="$host" BENCH_COMMIT="$commit" BENCH_BTYPE="$btype" BENCH_USRVER="$usrver" \
    BENCH_MEM="$mem" BENCH_LOAD0="$load_before" BENCH_LOAD1="$load_after" BENCH_PIN="$pin_note" \
    BENCH_RUNS_N="$RUNS" BENCH_SECS="$SECS" BENCH_ELAPSED="$elapsed" BENCH_HAVE_USR="$have_usr" \
    BENCH_DATE="$(date '+%Y-%m-%d %H:%M %Z')"
python3 - "$work/results" "$out" <<'EOF'
import json, os, statistics, sys

res_path, out_path = sys.argv[1], sys.argv[2]
E = os.environ
have_usr = E["BENCH_HAVE_USR"] == "1"
runs = {}      # (row, stack) -> [json]
fails = []
TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
for line in open(res_path):
    row, stack, run, rest = line.rstrip("\n").split(" ", 3)
    if rest.startswith("FAIL"):
        fails.append("%s %s run %s: %s" % (row, stack, run, rest))
        continue
    busy, total, steal, rest = rest.split(" ", 3)
    j = json.loads(rest)
    # other work during the run, in % of one CPU (busy CPU less the tools')
    c = j["cpu_percent"]
    tools = (c["client"] + c["server"]) / 100 * j["seconds"]
    wall = int(total) / NCPU / TCK
    j["_other"] = max(0.0, int(busy) / TCK - tools) / wall * 100 if wall > 0 else 0.0
    j["_steal"] = int(steal) / TCK / wall * 100 if wall > 0 else 0.0
    j["_run"] = int(run)
    if not j.get("ok", True):
        fails.append("%s %s run %s: the tool reported ok=false" % (row, stack, run))
        continue
    runs.setdefault((row, stack), []).append(j)

def cpu_frac(j):
    return (j["cpu_percent"]["client"] + j["cpu_percent"]["server"]) / 100.0

# Each row: label, what is measured, how to show it, per-CPU figure.
def v_bulk(j): return j["throughput_bps"] / 1e9
def v_msgs(j): return j["msgs_per_s"] / 1e3
def v_p50(j): return j["latency_us"]["p50"]
def pc_bulk(j): return v_bulk(j) / cpu_frac(j) if cpu_frac(j) > 0 else float("nan")
def pc_msgs(j): return j["msgs_per_s"] / 1e3 / cpu_frac(j) if cpu_frac(j) > 0 else float("nan")

ROWS = [
    # key, label, value fn, unit, higher is better, per-CPU fn, per-CPU unit, UDP row
    ("bulk64k", "bulk 64 KiB msgs", v_bulk, "Gbit/s", True, pc_bulk, "Gbit/CPU-s", "udp_bulk"),
    ("bulk1k", "bulk 1 KiB msgs", v_bulk, "Gbit/s", True, pc_bulk, "Gbit/CPU-s", "udp_bulk"),
    ("msgs64", "64 B msg rate", v_msgs, "kmsg/s", True, pc_msgs, "kmsg/CPU-s", None),
    ("pp_cross", "ping-pong 64 B p50, cross CPU", v_p50, "us", False, pc_msgs, "k RTT/CPU-s", "udp_pp_cross"),
    ("pp_same", "ping-pong 64 B p50, same CPU", v_p50, "us", False, pc_msgs, "k RTT/CPU-s", "udp_pp_same"),
]
UDP_FN = {"udp_bulk": v_bulk, "udp_pp_cross": v_p50, "udp_pp_same": v_p50}

noisy = []

def stats(key, stack, fn):
    js = runs.get((key, stack), [])
    vals = [fn(j) for j in js]
    vals = [v for v in vals if v == v]
    if not vals:
        return None
    med = statistics.median(vals)
    lo, hi = min(vals), max(vals)
    spread = (hi - lo) / med if med else 0.0
    return {"med": med, "lo": lo, "hi": hi, "spread": spread, "n": len(vals)}

def fmt_num(v):
    if v >= 100: return "%.0f" % v
    if v >= 10: return "%.1f" % v
    return "%.2f" % v

def cell(s, what):
    if s is None:
        return "n/a"
    flag = ""
    if s["n"] > 1 and s["spread"] > 0.10:
        flag = " ⚠"
        noisy.append("%s: spread %.0f %% (%s–%s)" % (what, s["spread"] * 100, fmt_num(s["lo"]), fmt_num(s["hi"])))
    if s["n"] == 1:
        return fmt_num(s["med"]) + flag
    return "%s [%s–%s]%s" % (fmt_num(s["med"]), fmt_num(s["lo"]), fmt_num(s["hi"]), flag)

def yn(ok):
    return "✅" if ok else "❌"

header = ["Row", "unit", "braid median [min–max]", "usrsctp median [min–max]", "braid/usrsctp",
          "UDP ceiling", "braid vs UDP", "braid per CPU-s", "usrsctp per CPU-s", "targets"]
table = []
met_all, n_targets, n_met = True, 0, 0
for key, label, fn, unit, higher, pcfn, pcunit, udpkey in ROWS:
    b = stats(key, "braid", fn)
    u = stats(key, "usrsctp", fn) if have_usr else None
    bp = stats(key, "braid", pcfn)
    up = stats(key, "usrsctp", pcfn) if have_usr else None
    d = stats(udpkey, "udp", UDP_FN[udpkey]) if udpkey else None
    ratio = b["med"] / u["med"] if b and u and u["med"] else None
    frac = b["med"] / d["med"] if b and d and d["med"] else None
    targets = []
    def target(desc, ok, shown):
        global n_targets, n_met, met_all
        n_targets += 1
        if ok: n_met += 1
        else: met_all = False
        targets.append("%s %s (%s)" % (desc, yn(ok), shown))
    if key in ("bulk64k", "bulk1k"):
        if ratio is not None: target("≥ 3× usrsctp", ratio >= 3, "%.2f×" % ratio)
        if frac is not None: target("≥ 60 % UDP", frac >= 0.60, "%.0f %%" % (frac * 100))
    elif key == "msgs64":
        if ratio is not None: target("≥ 3× usrsctp", ratio >= 3, "%.2f×" % ratio)
    elif key == "pp_cross":
        if frac is not None: target("≤ 1.1× UDP", frac <= 1.1, "%.2f×" % frac)
    elif key == "pp_same":
        if frac is not None: target("≤ 2× UDP", frac <= 2.0, "%.2f×" % frac)
    if bp and up:
        target("per CPU-s ≥ usrsctp", bp["med"] >= up["med"], "%.2f×" % (bp["med"] / up["med"]))
    if ratio is None: rs = "n/a"
    else: rs = "%.2f×" % ratio + ("" if higher else " (lower is better)")
    if frac is None: fs = "—"
    elif higher: fs = "%.0f %%" % (frac * 100)
    else: fs = "%.2f×" % frac
    table.append([label, unit, cell(b, label + ", braid"), cell(u, label + ", usrsctp") if have_usr else "not run",
                  rs, cell(d, label + ", UDP") if udpkey else "—", fs,
                  cell(bp, label + ", braid per CPU-s") + " " + pcunit,
                  (cell(up, label + ", usrsctp per CPU-s") + " " + pcunit) if have_usr else "not run",
                  "; ".join(targets) if targets else "—"])

def md(rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)

tbl = md(table)
summary = "Targets met: %d of %d." % (n_met, n_targets)
loads = (E["BENCH_LOAD0"], E["BENCH_LOAD1"])
busy = float(loads[0].split()[0]) > 0.5 * int(E["BENCH_NCPU"])
notes = []
notes.append("Load average (1, 5, 15 min) before: %s%s; after: %s (this one counts the benchmark's own processes)." % (
    loads[0], " — the machine was already busy" if busy else "", loads[1]))
allj = [j for js in runs.values() for j in js]
if allj:
    others = sorted(j["_other"] for j in allj)
    heavy = sorted(((j["_other"], r, s, j["_run"]) for (r, s), js in runs.items() for j in js
                    if j["_other"] > 15), reverse=True)
    steal = max(j["_steal"] for j in allj)
    t = ("Other work on the machine during the runs (busy CPU from /proc/stat, sampled per tick, less the two "
         "test processes' getrusage; it also holds the client's connect and shutdown and softirq time not "
         "charged to the tools, so a few %% is the floor): median %.0f %%, max %.0f %% of one CPU" % (
             statistics.median(others), others[-1]))
    if heavy:
        t += "; runs above 15 %: " + ", ".join("%s/%s #%d %.0f %%" % (r, s, n, o) for o, r, s, n in heavy[:12])
        if len(heavy) > 12:
            t += " and %d more" % (len(heavy) - 12)
    if steal > 1:
        t += "; hypervisor steal up to %.0f %%" % steal
    notes.append(t + ".")
if noisy:
    notes.append("Spread over 10 % ((max − min) / median, flagged ⚠): " + "; ".join(noisy) + ".")
else:
    notes.append("No cell spread over 10 % ((max − min) / median).")
if fails:
    notes.append("Failed runs (left out): " + "; ".join(fails) + ".")
if not have_usr:
    notes.append("usrsctp_perf was not built (usrsctp not installed): braid and UDP rows only.")

print()
print(tbl)
print()
print(summary)
for n in notes:
    print("- " + n)

desc = [
    "# braid vs usrsctp — %s" % E["BENCH_DATE"],
    "",
    "`bench/compare.sh` (`make bench`): %s runs of %s s per row, median [min–max]; runs interleaved across rows and stacks. %s. Run took %s s." % (
        E["BENCH_RUNS_N"], E["BENCH_SECS"], E["BENCH_PIN"], E["BENCH_ELAPSED"]),
    "",
    "## Machine",
    "",
    "- host: %s" % E["BENCH_HOST"],
    "- CPU: %s%s" % (E["BENCH_MODEL"], (", max %s MHz" % E["BENCH_MHZ"]) if E["BENCH_MHZ"] else ""),
    "- CPUs: %s (%s socket(s) × %s core(s) × %s thread(s))%s" % (
        E["BENCH_NCPU"], E["BENCH_SOCKETS"] or "?", E["BENCH_CORES"] or "?", E["BENCH_TPC"] or "?",
        (", virtual machine (%s)" % E["BENCH_HYPER"]) if E["BENCH_HYPER"] else ""),
    "- memory: %s" % E["BENCH_MEM"],
    "- kernel: %s" % E["BENCH_KERNEL"],
    "- load average before: %s, after: %s" % loads,
    "- braid: commit %s, %s build" % (E["BENCH_COMMIT"], E["BENCH_BTYPE"] or "default"),
    "- usrsctp: %s" % ((E["BENCH_USRVER"] or "installed") if have_usr else "not available"),
    "",
    "## Results",
    "",
    tbl,
    "",
    summary,
    "",
]
desc += ["- " + n for n in notes]
desc += [
    "",
    "How to read it: bulk rows are the client's sent bytes confirmed by the server, over the test; 64 B is messages per second; ping-pong is the round-trip p50 of one 64-byte message in flight (lower is better). "
    "UDP ceiling: `bench/udp_ceiling` — bulk is sendmmsg/recvmmsg batches of 64 datagrams of 1452 bytes, throughput received by the server; ping-pong is one 64-byte datagram echoed. "
    "braid vs UDP: bulk as a fraction of the ceiling, ping-pong as a multiple of UDP's p50. "
    "Per CPU-s: the row's figure divided by the CPU both processes used (client % + server %, getrusage); for ping-pong, round trips per CPU-second. "
    "Both stacks encapsulate SCTP in UDP on 127.0.0.1 (RFC 6951) with braid-perf's defaults (4 MiB socket buffers, one stream, ordered). "
    "Path MTU: usrsctp takes 1500 for the IPv4 packet (SCTP packets up to 1472 bytes); braid's default SCTP packet limit is 1452 bytes (1500 less IPv6 + UDP headers), so braid carries about 1.4 % less payload per packet.",
    "",
    "## Every run",
    "",
    "| row | stack | run | value | CPU client + server % | other work, % of a CPU |",
    "|---|---|---|---|---|---|",
]
fn_of = {k: fn for k, _, fn, *_ in ROWS}
fn_of.update(UDP_FN)
for (row, stack), js in runs.items():
    for j in js:
        desc.append("| %s | %s | %d | %s | %.1f + %.1f | %.0f |" % (row, stack, j["_run"], fmt_num(fn_of[row](j)),
                    j["cpu_percent"]["client"], j["cpu_percent"]["server"], j["_other"]))
with open(out_path, "w") as f:
    f.write("\n".join(desc) + "\n")
print()
print("Written to %s" % out_path)
EOF
