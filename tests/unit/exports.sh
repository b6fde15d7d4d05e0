#!/usr/bin/env bash
# libbraid.so exports only its public interface: every defined dynamic
# symbol is a braid_* or sctp_* name that include/braid declares, so a
# program's own stack_new, bs_get or addr_equal cannot collide with it.
set -euo pipefail
so=$1
inc=$2
command -v nm >/dev/null || { echo "nm not found"; exit 77; }
syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
[ -n "$syms" ] || { echo "FAIL: no exported symbols in $so"; exit 1; }
bad=0
for s in $syms; do
    case $s in
    braid_* | sctp_*) ;;
    *) echo "FAIL: $s is exported and not braid_*/sctp_*"; bad=1; continue ;;
    esac
    if ! grep -qw "$s" "$inc"/braid/*.h; then
        echo "FAIL: $s is exported but not declared in include/braid"
        bad=1
    fi
done
n=$(echo "$syms" | wc -l)
[ "$bad" = 0 ] && echo "ok: $n exported symbols, all public"
exit "$bad"
