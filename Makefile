# braid: thin wrapper around CMake + Ninja. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j$(JOBS)
ROOT       := $(abspath .)

.PHONY: all setup build demo demo-wire check check-asan check-lksctp fuzz fuzz-build bench vectors install clean format

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DBRAID_FUZZ_DIR=$(ROOT)/$(FUZZ_BUILD)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD)

# The demo: the lksctp example programs as separate processes over UDP
# encapsulation on 127.0.0.1 (chat server + two chat clients, the stream
# negotiation pair, SCTP_EOF / SCTP_ABORT on a one-to-many socket); the
# script checks every expected line (scripts/demo.sh).
demo: build
	scripts/demo.sh $(BUILD)

# The wire demo: a decoded INIT / INIT ACK / COOKIE ECHO / COOKIE ACK
# exchange and one packet of every other chunk type, checked by tshark.
demo-wire: build
	$(BUILD)/tools/braid-vectors --pcap $(BUILD)/demo.pcap
	tests/vectors/tshark_check.sh $(BUILD)/demo.pcap

fuzz-build: setup
	@test -f $(FUZZ_BUILD)/build.ninja || CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DBRAID_FUZZ=ON
	cmake --build $(FUZZ_BUILD)

# Every test: unit, api, interop, vectors/tshark, fuzz corpus replay and a
# short libFuzzer run of each target, then Linux's own API test suite
# (check-lksctp).
check: fuzz-build build
	cd $(BUILD) && ctest $(CTEST_ARGS)
	tests/lksctp/run.sh $(BUILD)

# Linux's lksctp-tools func_tests (Debian 12 source package, fetched through a
# private apt state into $(BUILD)/lksctp) built unchanged against braid, each
# run in a network namespace of its own (root). Fails when a program of
# tests/lksctp/expected-pass.txt fails; LKSCTP_STRICT=1: when any fails.
check-lksctp: build
	tests/lksctp/run.sh $(BUILD)

# The whole suite under ASan + UBSan (and LeakSanitizer).
check-asan: setup
	@test -f $(ASAN_BUILD)/build.ninja || cmake -S . -B $(ASAN_BUILD) -G Ninja -DBRAID_SANITIZE=ON
	cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest $(CTEST_ARGS)

# Every fuzz target for FUZZ_SECONDS each.
fuzz: fuzz-build
	@for f in fuzz/fuzz_*.c; do t=$$(basename $$f .c); echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  scripts/fuzz-run.sh $(FUZZ_BUILD) $$t $(FUZZ_SECONDS) || exit 1; done

# CRC32c throughput, then braid vs usrsctp vs the plain-UDP ceiling
# (bench/compare.sh: BENCH_RUNS runs of BENCH_SECONDS each, default 3 and 3;
# the table goes to bench/results/).
bench: build
	$(BUILD)/bench/bench_crc32c
	bench/compare.sh $(BUILD)

# Regenerates tests/vectors/all-chunks.pcap and the packet fuzz seeds.
vectors: build
	$(BUILD)/tools/braid-vectors --quiet --pcap tests/vectors/all-chunks.pcap --corpus fuzz/corpus/fuzz_pkt

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v crc32c_tables.h)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
