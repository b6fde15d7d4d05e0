#!/usr/bin/env bash
# Installs the Debian 12 packages braid's build, tests, fuzzers and
# benchmarks need, only those missing. Idempotent and non-interactive.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config python3 clang libclang-rt-14-dev
      libssl-dev libpcap-dev tshark libusrsctp-dev libusrsctp-examples libsctp-dev valgrind
      iproute2 groff-base)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these packages are missing and installing them needs root:" >&2
    echo "    sudo $0" >&2
    echo "  (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
