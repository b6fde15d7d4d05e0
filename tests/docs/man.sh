#!/usr/bin/env bash
# docs/man: every page of man/ formats without a single groff warning
# (groff -man -ww), names itself as its file does (.TH NAME SECTION), and
# braid(7) documents every environment variable the code reads.
# usage: man.sh SOURCE_DIR
set -euo pipefail
src=$1
command -v groff >/dev/null || { echo "groff not found (scripts/setup.sh installs groff-base)"; exit 1; }
bad=0
n=0
for page in "$src"/man/*.[1-8]; do
    n=$((n + 1))
    name=$(basename "$page")
    err=$(groff -man -ww -z -Tutf8 "$page" 2>&1 >/dev/null)
    if [ -n "$err" ]; then
        echo "FAIL: $name: groff:"
        echo "$err"
        bad=1
    fi
    th=$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\).*/\1.\2/p' "$page" | head -1 | sed 's/\\-/-/g' | tr 'A-Z' 'a-z')
    [ "$th" = "$name" ] || { echo "FAIL: $name: .TH says $th"; bad=1; }
done
[ "$n" -gt 0 ] || { echo "FAIL: no pages in $src/man"; exit 1; }
# every getenv("BRAID_...") of the library and the tools is in braid(7) and the README
for v in $(grep -rhoE 'getenv\("BRAID_[A-Z0-9_]+"\)' "$src/src" "$src/tools" "$src/tests/sim" |
    sed 's/getenv("\(.*\)")/\1/' | sort -u); do
    grep -q "^\.BR $v\b\|^\.B $v\b" "$src/man/braid.7" || { echo "FAIL: $v is read (getenv) but has no entry in man/braid.7"; bad=1; }
    grep -q "\`$v" "$src/README.md" || { echo "FAIL: $v is read (getenv) but not in README.md"; bad=1; }
done
[ "$bad" = 0 ] && echo "ok: $n man pages without warnings; every BRAID_* variable documented"
exit "$bad"
