#!/usr/bin/env bash
# install/prefix: braid installed into a fresh prefix and used from there as a
# user would. usage: install.sh SOURCE_DIR BUILD_DIR
#   - cmake --install BUILD --prefix P: the files are there, braid.pc says P;
#     libbraid.a has no global name that include/braid does not declare
#   - prog.c (a listener and a client on 127.0.0.1, one message each way,
#     plus functions named like braid's internals) built and run:
#       pkg-config, shared (run with LD_LIBRARY_PATH=P/lib)
#       pkg-config --static, cc -static (libbraid.a, libcrypto.a, libc.a)
#       pkg-config --static, libbraid.a only (libcrypto and libc shared)
#       find_package(braid): braid::braid and braid::braid_static
#   - make install PREFIX=P2 (BUILD=BUILD_DIR) puts the files under P2, and
#     DESTDIR=D: under D/P2
set -euo pipefail # (commands whose output is grepped are captured first:
#  "cmd | grep -q" fails under pipefail when grep stops early and cmd gets SIGPIPE)
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/braid-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
say() { echo "== $*"; }

p=$tmp/prefix
say "cmake --install $build --prefix $p"
cmake --install "$build" --prefix "$p" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
libdir=$(sed -n 's/^libdir=\${prefix}\///p' "$p"/lib*/pkgconfig/braid.pc 2>/dev/null | head -1)
[ -n "$libdir" ] || fail "no braid.pc with a prefix-relative libdir under $p"
files=(
    "$libdir/libbraid.so" "$libdir/libbraid.so.0" "$libdir/libbraid.a"
    "$libdir/pkgconfig/braid.pc"
    "$libdir/cmake/braid/braidConfig.cmake" "$libdir/cmake/braid/braidConfigVersion.cmake"
    "$libdir/cmake/braid/braidTargets.cmake"
    include/braid/braid.h include/braid/sctp.h include/braid/compat.h
    bin/braid-cat bin/braid-perf bin/braid-sim
)
shopt -s nullglob
for m in "$src"/man/*.[0-9]; do
    files+=("share/man/man${m##*.}/$(basename "$m")")
done
for f in "${files[@]}"; do
    [ -e "$p/$f" ] || fail "$p/$f not installed"
done
echo "ok: ${#files[@]} files"

export PKG_CONFIG_PATH=$p/$libdir/pkgconfig
[ "$(pkg-config --variable=prefix braid)" = "$p" ] ||
    fail "braid.pc: prefix $(pkg-config --variable=prefix braid), not $p"
[ "$(pkg-config --modversion braid)" = "$(sed -n 's/^project(braid VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")" ] ||
    fail "braid.pc: version $(pkg-config --modversion braid)"
echo "ok: braid.pc: prefix $p, version $(pkg-config --modversion braid)"

# libbraid.a: only the public names are global (as libbraid.so's exports)
bad=$(nm "$p/$libdir/libbraid.a" | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | grep -v '^braid_\|^sctp_' || true)
[ -z "$bad" ] || fail "libbraid.a has internal global names: $(echo $bad | head -c 300)"
na=$(nm "$p/$libdir/libbraid.a" | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | sort -u)
nso=$(nm -D --defined-only "$p/$libdir/libbraid.so" | awk '{print $3}' | sort -u)
[ "$na" = "$nso" ] || fail "libbraid.a's global names differ from libbraid.so's: $(diff <(echo "$na") <(echo "$nso") | head -5)"
echo "ok: libbraid.a's global names are libbraid.so's $(echo "$na" | wc -l) exports"

flags=(-std=c11 -Wall -Wextra -Werror)
run() { # name, command...: runs a built program, checks its line
    local name=$1
    shift
    out=$("$@" "$name") || fail "$name: exit $?: $out"
    case $out in "ok ($name):"*) echo "$out" ;; *) fail "$name: $out" ;; esac
}

say "pkg-config, shared"
# shellcheck disable=SC2046
$cc "${flags[@]}" -o "$tmp/prog_shared" "$src/tests/install/prog.c" $(pkg-config --cflags --libs braid)
grep -q <<<"$(readelf -d "$tmp/prog_shared")" 'NEEDED.*\[libbraid\.so\.0\]' || fail "prog_shared does not need libbraid.so.0"
grep -q <<<"$(LD_LIBRARY_PATH=$p/$libdir ldd "$tmp/prog_shared")" "libbraid\.so\.0 => $p/" || fail "prog_shared: libbraid.so.0 not found in $p"
LD_LIBRARY_PATH=$p/$libdir run pkg-config-shared "$tmp/prog_shared"

say "pkg-config --static, cc -static"
# shellcheck disable=SC2046
$cc "${flags[@]}" -static -o "$tmp/prog_static" "$src/tests/install/prog.c" \
    $(pkg-config --cflags --static --libs braid) 2>"$tmp/static.log" ||
    { cat "$tmp/static.log"; fail "static link"; }
# (glibc's warnings about dlopen / getaddrinfo in libcrypto.a are expected)
if grep -v "statically linked applications requires at runtime\|in function" "$tmp/static.log" | grep .; then
    fail "static link: unexpected output"
fi
! grep -q <<<"$(readelf -d "$tmp/prog_static")" NEEDED || fail "prog_static is not statically linked"
run pkg-config-static "$tmp/prog_static"

say "pkg-config --static, libbraid.a only"
# shellcheck disable=SC2046
$cc "${flags[@]}" -o "$tmp/prog_static_braid" "$src/tests/install/prog.c" \
    $(pkg-config --cflags braid) -Wl,-Bstatic -lbraid -Wl,-Bdynamic \
    $(pkg-config --static --libs braid | sed 's/-lbraid//')
! grep -q <<<"$(readelf -d "$tmp/prog_static_braid")" 'NEEDED.*libbraid' || fail "prog_static_braid needs libbraid.so"
run pkg-config-libbraid.a "$tmp/prog_static_braid"

say "find_package(braid)"
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$tmp/consumer.log" 2>&1 &&
    cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 ||
    { cat "$tmp/consumer.log"; fail "find_package(braid) project"; }
! grep -q <<<"$(readelf -d "$tmp/consumer/prog_cmake_static")" 'NEEDED.*libbraid' || fail "prog_cmake_static needs libbraid.so"
# braid::braid: the build tree's rpath finds P/lib
grep -q <<<"$(ldd "$tmp/consumer/prog_cmake_shared")" "libbraid.so.0 => $p/" || fail "prog_cmake_shared: not P's libbraid.so"
run cmake-braid::braid "$tmp/consumer/prog_cmake_shared"
run cmake-braid::braid_static "$tmp/consumer/prog_cmake_static"
# the version file: braid 99 is not this one
if cmake -S "$src/tests/install/consumer" -B "$tmp/consumer-v" -G Ninja -DCMAKE_PREFIX_PATH="$p" \
    -DBRAID_WANT=99 >"$tmp/consumer-v.log" 2>&1; then
    fail "find_package(braid 99) found braid $(pkg-config --modversion braid)"
fi
grep -q 'requested version "99"' "$tmp/consumer-v.log" || { cat "$tmp/consumer-v.log"; fail "find_package(braid 99): not refused by version"; }
echo "ok: find_package(braid 99) refused (braidConfigVersion.cmake)"

p2=$tmp/prefix2
say "make install PREFIX=$p2"
make -C "$src" --no-print-directory install BUILD="$build" PREFIX="$p2" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make install PREFIX=$p2"; }
for f in "${files[@]}"; do
    [ -e "$p2/$f" ] || fail "make install PREFIX=$p2: $p2/$f missing"
done
grep -qx "prefix=$p2" "$p2/$libdir/pkgconfig/braid.pc" || fail "make install PREFIX=$p2: braid.pc's prefix"
! grep -q "Installing: /usr/local" "$tmp/make.log" || fail "make install PREFIX=$p2 wrote to /usr/local"
echo "ok: make install PREFIX: ${#files[@]} files under $p2"
make -C "$src" --no-print-directory install BUILD="$build" PREFIX=/opt/braid DESTDIR="$tmp/stage" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make install DESTDIR"; }
[ -e "$tmp/stage/opt/braid/$libdir/libbraid.a" ] || fail "make install DESTDIR=$tmp/stage PREFIX=/opt/braid: no $tmp/stage/opt/braid/$libdir/libbraid.a"
grep -qx "prefix=/opt/braid" "$tmp/stage/opt/braid/$libdir/pkgconfig/braid.pc" || fail "DESTDIR: braid.pc's prefix is not /opt/braid"
echo "ok: make install DESTDIR=... PREFIX=/opt/braid"
echo "ok: install/prefix"
