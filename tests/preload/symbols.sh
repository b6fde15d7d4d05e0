#!/usr/bin/env bash
# libbraid-preload.so: it exports the calls it interposes and the lksctp
# functions, nothing else of braid; and it imports none of the interposed
# names from the C library (braid's own calls of them are renamed to
# braid_sys_* and reach libc through dlsym(RTLD_NEXT), so they can never be
# caught by the library's own socket(), close(), read(), ...).
set -euo pipefail
so=$1
shift
calls=("$@")
command -v nm >/dev/null || { echo "nm not found"; exit 77; }
bad=0
defined=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
undefined=$(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' | sort -u)
for c in "${calls[@]}"; do
    grep -qx "$c" <<<"$defined" || { echo "FAIL: $c is not exported"; bad=1; }
    if grep -qx "$c" <<<"$undefined"; then
        echo "FAIL: $c is imported: a call of braid's would reach the interposer"
        bad=1
    fi
done
for s in $defined; do
    case " ${calls[*]} " in *" $s "*) continue ;; esac
    case $s in sctp_*) continue ;; esac
    echo "FAIL: $s is exported"
    bad=1
done
for f in sctp_bindx sctp_connectx sctp_peeloff sctp_peeloff_flags sctp_getpaddrs sctp_freepaddrs \
    sctp_getladdrs sctp_freeladdrs sctp_opt_info sctp_sendmsg sctp_send sctp_recvmsg sctp_sendv \
    sctp_recvv sctp_getaddrlen; do
    grep -qx "$f" <<<"$defined" || { echo "FAIL: $f (libsctp's) is not exported"; bad=1; }
done
# no version node: a definition with one would not match the program's
# references to socket@GLIBC_2.2.5 or sctp_connectx@VERS_3
if readelf -V "$so" 2>/dev/null | grep -q "Version definition section"; then
    echo "FAIL: $so defines symbol versions"
    bad=1
fi
[ "$bad" = 0 ] && echo "ok: ${#calls[@]} calls interposed, none imported; the lksctp functions exported"
exit "$bad"
