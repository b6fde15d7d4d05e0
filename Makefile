# braid: thin wrapper around CMake + Ninja. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j$(JOBS)
ROOT       := $(abspath .)

.PHONY: all setup build demo demo-wire check check-asan check-tsan check-lksctp fuzz fuzz-build bench vectors install clean format

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

# ThreadSanitizer over the unit, fuzz-replay, api (with braid-cat and the
# demo) and interop tests; usrsctp-to-usrsctp has no braid in it. Every
# process of a test (forked peers, the programs the scripts start) is built
# with TSan and writes its reports to $(TSAN_BUILD)/tsan/: any report fails
# the target, even from a process whose exit status a script ignores.
TSAN_TESTS   ?= ^(unit|fuzz/replay|api|interop)/
# (api/test_efault: one thread, some 200 child processes; over two minutes
# under TSan, and covered by check and check-asan)
TSAN_EXCLUDE ?= usrsctp-to-usrsctp|api/test_efault
TSAN_OPTS    := halt_on_error=1 exitcode=66 second_deadlock_stack=1 die_after_fork=0 \
                suppressions=$(ROOT)/tests/tsan.supp log_path=$(ROOT)/$(TSAN_BUILD)/tsan/report
check-tsan: setup
	@test -f $(TSAN_BUILD)/build.ninja || cmake -S . -B $(TSAN_BUILD) -G Ninja -DBRAID_TSAN=ON
	cmake --build $(TSAN_BUILD)
	@rm -rf $(TSAN_BUILD)/tsan && mkdir -p $(TSAN_BUILD)/tsan
	cd $(TSAN_BUILD) && TSAN_OPTIONS="$(TSAN_OPTS)" ctest $(CTEST_ARGS) -R '$(TSAN_TESTS)' -E '$(TSAN_EXCLUDE)'; \
	  rc=$$?; for f in tsan/report*; do [ -e "$$f" ] || continue; echo "== $(TSAN_BUILD)/$$f"; cat "$$f"; rc=1; done; \
	  exit $$rc

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

# make install [PREFIX=/opt/braid] [DESTDIR=stage]: the libraries, headers,
# braid.pc, the CMake package, the tools and the man pages under PREFIX
# (default: the build's CMAKE_INSTALL_PREFIX, /usr/local unless configured
# otherwise); DESTDIR, when given, is put in front of every path (packaging).
PREFIX ?=
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) $(if $(PREFIX),--prefix "$(PREFIX)")

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v crc32c_tables.h)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
