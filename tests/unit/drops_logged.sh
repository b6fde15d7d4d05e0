#!/bin/sh
# Every discard goes through BRAID_DROP / BRAID_DROPF (src/core) or
# BRAID_IO_DROP (src/io), which log it at debug level: a bare increment of
# a drop counter would be a drop without a log line (issue #12).
#
#   tests/unit/drops_logged.sh SOURCE_DIR
cd "${1:?usage: drops_logged.sh SOURCE_DIR}" || exit 1
bad=$(grep -rnE 'ctr\.(drop_[a-z_]+|icmp_dropped)[[:space:]]*(\+\+|\+=|=)' src/core | grep -v '^src/core/assoc/drop.c:')
bad="$bad$(grep -rnE 'st\.(drop_[a-z_]+|send_errors)[[:space:]]*\+\+' src/io)"
if [ -n "$bad" ]; then
    echo "drop counters bumped without BRAID_DROP / BRAID_IO_DROP (no log line):"
    echo "$bad"
    exit 1
fi
echo "ok: every drop counter goes through the logging macros"
