#!/usr/bin/env bash
# Runs one libFuzzer target for N seconds over its seed corpus. New inputs go
# to a scratch directory, so the committed corpus is read only; crashes are
# written to fuzz/artifacts/.
#   fuzz-run.sh FUZZ_BUILD_DIR TARGET SECONDS
set -euo pipefail
dir=$1 target=$2 secs=$3
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$dir/fuzz/$target"
[ -x "$bin" ] || { echo "missing $bin: build the fuzz targets (make fuzz-build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/fuzz/artifacts"
seeds="$root/fuzz/corpus/$target"
extra=()
[ -d "$root/fuzz/regressions/$target" ] && extra+=("$root/fuzz/regressions/$target")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
rc=0
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$root/fuzz/artifacts/$target-" \
    "$work" "$seeds" "${extra[@]}" >"$work.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$work.log" >&2
    echo "FAIL: $target exited with $rc (crash input under fuzz/artifacts/)" >&2
else
    grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work.log" || true
fi
rm -f "$work.log"
exit "$rc"
