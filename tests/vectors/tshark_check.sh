#!/usr/bin/env bash
# Decodes a pcap of SCTP over UDP port 9899 (RFC 6951) with tshark and fails
# on any frame not decoded as SCTP, any malformed packet, any bad CRC32c and
# any expert-info warning or error. Then checks that the same filter flags a
# corrupted copy, so a silently ignored option (tshark takes the spelling
# "crc32c" without complaint and then verifies nothing) cannot pass.
#   tshark_check.sh FILE.pcap [UDP_PORT]
set -euo pipefail
pcap=$1
port=${2:-9899}
if ! command -v tshark >/dev/null; then
    echo "tshark not installed (run scripts/setup.sh)" >&2
    exit 1
fi
opts=(-n -d "udp.port==$port,sctp" -o sctp.checksum:crc-32c)
bad='_ws.malformed || sctp.checksum.status == 0 || _ws.expert.severity >= 0x00600000'

count() { tshark -r "$1" "${opts[@]}" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l; }

total=$(count "$pcap" 'frame')
sctp=$(count "$pcap" 'sctp')
flagged=$(count "$pcap" "$bad")
echo "$pcap: $total frames, $sctp decoded as SCTP, $flagged flagged"
if [ "$total" -eq 0 ] || [ "$sctp" -ne "$total" ] || [ "$flagged" -ne 0 ]; then
    tshark -r "$pcap" "${opts[@]}" -Y "$bad || !sctp" -V 2>/dev/null | grep -iE 'frame [0-9]+:|malformed|expert|checksum' | head -40 >&2
    echo "FAIL: tshark found problems" >&2
    exit 1
fi

# Negative control: flip one byte inside the first SCTP packet's chunks
# (pcap header 24 + record 16 + Ethernet 14 + IPv4 20 + UDP 8 + SCTP 12 + 4).
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cp "$pcap" "$tmp"
off=$((24 + 16 + 14 + 20 + 8 + 12 + 4))
orig=$(od -An -tu1 -j $off -N1 "$tmp" | tr -d ' ')
printf "$(printf '\\%03o' $(( (orig ^ 0x5a) & 0xff )))" | dd of="$tmp" bs=1 seek=$off conv=notrunc status=none
flagged=$(count "$tmp" "$bad")
if [ "$flagged" -lt 1 ]; then
    echo "FAIL: a corrupted copy was not flagged: checksum verification is not active" >&2
    exit 1
fi
echo "corrupted copy: $flagged frame(s) flagged, as expected"
