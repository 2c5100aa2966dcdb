# kalloc - a user-space model of Linux's memory allocators, and a harness
# that tries to break it.  `make help` lists the targets.
#
# One Makefile, several builds of the same sources, same results:
#   build/gcc, build/clang            release (-O2), warnings are errors
#   build/gcc-asan, build/clang-asan  ASan + UBSan, UBSan fatal
#   build/debug                       gcc -O0, KALLOC_DEBUG=2: assertions and a
#                                     layer check after every operation
#   build/cov                         clang source-based coverage
# Each has libkalloc.a, libkalloc.so and the unit-test runner.
# Parts of the project add their own targets in a fragment: harness/,
# props/ and bench/ each have a *.mk included below.

SHELL := /bin/bash
.DEFAULT_GOAL := all
PY ?= /usr/bin/python3
CLANG ?= $(shell command -v clang-14 2>/dev/null || echo clang)
TRACE ?= $(abspath ../shared/traces/linux-6.18-fswalk.csv.xz)
export TRACE

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-sign-compare
BASE := -std=gnu11 -g -fPIC $(WARN) -Ialloc
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

CONFIGS := gcc clang gcc-asan clang-asan debug cov
gcc_CC := gcc
gcc_FLAGS := -O2
clang_CC := $(CLANG)
clang_FLAGS := -O2
gcc-asan_CC := gcc
gcc-asan_FLAGS := -O1 $(SAN)
clang-asan_CC := $(CLANG)
clang-asan_FLAGS := -O1 $(SAN)
debug_CC := gcc
debug_FLAGS := -O0 -DKALLOC_DEBUG=2
cov_CC := $(CLANG)
cov_FLAGS := -O0 -fprofile-instr-generate -fcoverage-mapping

ALLOC_SRCS := $(wildcard alloc/*.c)
ALLOC_HDRS := $(wildcard alloc/*.h)
TEST_SRCS := $(wildcard tests/*.c)
TEST_HDRS := $(wildcard tests/*.h)

# $(call build_config,NAME): objects, libraries and the unit-test runner.
define build_config
build/$(1)/alloc/%.o: alloc/%.c $(ALLOC_HDRS)
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) $$($(1)_FLAGS) -c $$< -o $$@
build/$(1)/libkalloc.a: $(ALLOC_SRCS:%.c=build/$(1)/%.o)
	ar rcs $$@ $$^
build/$(1)/libkalloc.so: $(ALLOC_SRCS:%.c=build/$(1)/%.o)
	$$($(1)_CC) -shared $$($(1)_FLAGS) $$^ -o $$@
build/$(1)/unit: $(TEST_SRCS) $(TEST_HDRS) build/$(1)/libkalloc.a
	$$($(1)_CC) $(BASE) -Itests $$($(1)_FLAGS) $(TEST_SRCS) build/$(1)/libkalloc.a -o $$@
lib-$(1): build/$(1)/libkalloc.a build/$(1)/libkalloc.so
unit-$(1): build/$(1)/unit
	cd tests && ../build/$(1)/unit $(T)
.PHONY: lib-$(1) unit-$(1)
endef
$(foreach c,$(CONFIGS),$(eval $(call build_config,$(c))))

# What `make test` runs, in order; fragments append their steps.
TEST_STEPS := unit-gcc unit-clang unit-gcc-asan unit-clang-asan unit-debug

-include harness/harness.mk
-include props/props.mk
-include bench/bench.mk
-include kernel/kernel.mk

# LeakSanitizer fails the fuzz and props-asan runs on a leak of the library's
# own host memory: shown on a copy with slab_exit() deleted (ci/leak-check.sh).
.PHONY: leak-check
leak-check:
	@ci/leak-check.sh
TEST_STEPS += leak-check

.PHONY: all lib unit test deps fuzz clean help coverage
all: lib-gcc build/gcc/unit

lib: lib-gcc

# Unit tests in every build; T=substring runs the matching tests only.
unit: $(filter unit-%,$(TEST_STEPS))

deps:
	@ci/deps.sh

# Everything CI runs.  Each step's summary is collected and the run ends
# with the total as "N passed, N failed"; any failure makes it exit non-zero.
test: deps
	@ci/run-steps.sh $(TEST_STEPS)

ifeq ($(filter fuzz,$(HARNESS_TARGETS)),)
fuzz:
	@echo "make fuzz arrives with the fuzz harness (harness/); nothing to run yet."
endif

# Line coverage of alloc/ by the unit tests (clang source-based coverage).
LLVM_PROFDATA ?= $(shell command -v llvm-profdata-14 || echo llvm-profdata)
LLVM_COV ?= $(shell command -v llvm-cov-14 || echo llvm-cov)
coverage: build/cov/unit
	rm -f build/cov/*.profraw
	cd tests && LLVM_PROFILE_FILE=../build/cov/unit-%p.profraw ../build/cov/unit >/dev/null
	$(LLVM_PROFDATA) merge -sparse build/cov/*.profraw -o build/cov/unit.profdata
	$(LLVM_COV) report build/cov/unit -instr-profile=build/cov/unit.profdata $(ALLOC_SRCS)

clean:
	rm -rf build

# One line per target; harness/test_campaign.sh fails when a .PHONY target
# of any makefile is missing here.
help:
	@echo "Start here"
	@echo "  make                 the library (gcc, release) and the unit tests"
	@echo "  make test            install what is missing, then everything CI runs (TEST_STEPS)"
	@echo "  make fuzz            a campaign: TARGET=fuzz_mixed TIME=60 JOBS=1 SEED=0 ENGINE=libfuzzer|afl"
	@echo "                       RUNS= FRESH=1 ALLOC= (fuzz_malloc); exit 0 nothing, 1 crashes, 2 usage (docs/campaigns.md)"
	@echo "  make replay CRASH=f  one input as kernel-style text with each op's result (ASan build)"
	@echo "  make minimize CRASH=f  the smallest program that fails the same way (+ .txt)"
	@echo "  make help            this list"
	@echo "Fuzzing"
	@echo "  make fuzz-build      the libFuzzer binaries in build/fuzz/ (TREE=dir for a copy)"
	@echo "  make afl-build       the AFL++ binaries in build/fuzz/afl/ (ENGINE=afl uses them)"
	@echo "  make merge           live-corpus inputs that add coverage -> build/fuzz/merged/ (TARGET=)"
	@echo "  make regress         replay every file under corpus/ (gcc builds)"
	@echo "  make fuzz-smoke      a few seconds of every target and allocator"
	@echo "  make fuzz-speed      per target: callgrind instructions per input, exec/s replayed and in libFuzzer's loop, ratio to a trivial harness and to floor-kalloc-<t>, kalloc with no oracle (docs/speed.md; N= M= R= TARGETS=)"
	@echo "  make corpus-seeds    compile corpus/fuzz_*/*.txt into their binaries"
	@echo "  make corpus-dict     regenerate corpus/fuzz_*.dict from the seeds"
	@echo "  make harness-tools   kfz (gcc and ASan) and every replay main"
	@echo "  make list-fuzz-targets  the fuzz binaries build.sh makes (the one list)"
	@echo "  make oss-fuzz-build  those with OSS_CC/OSS_CFLAGS/OSS_ENGINE (.clusterfuzzlite/build.sh)"
	@echo "  make ktarget         build/gcc/libktarget.so, the targets' C API for ctypes"
	@echo "  make bugs            the deliberate-bug catalogue against the fuzzers (BUGS=, BUG_TIME=)"
	@echo "Property tests"
	@echo "  make props [ALLOC=]  hypothesis property tests (kalloc, or a malloc)"
	@echo "  make props-kalloc    the kalloc state machines and op-language properties"
	@echo "  make props-heap      the heap properties against every shipped malloc"
	@echo "  make props-ci        the derandomized CI profile"
	@echo "  make props-asan      the properties on the ASan + UBSan library"
	@echo "  make props-bugs      the property tests against the deliberate bugs"
	@echo "Tests (steps of make test)"
	@echo "  make unit [T=name]   unit tests in every build"
	@echo "  make unit-CONFIG     the unit tests of one build, CONFIG one of: $(CONFIGS)"
	@echo "  make lib             libkalloc.a and .so (gcc, release)"
	@echo "  make lib-CONFIG      libkalloc.a and .so of one build"
	@echo "  make ops-test        the op table, printer and parser (harness/test_ops.c)"
	@echo "  make oracle-test     every oracle check fires (harness/test_oracle.c)"
	@echo "  make test-targets    the allocator adapters against the malloc contract"
	@echo "  make kfz-alloc-test  kfz's choice of target and allocator, and its stamps"
	@echo "  make slub-model-CONFIG  the harness's SLUB model against the library (gcc, clang-asan)"
	@echo "  make campaign-test   make fuzz's exit codes, summary, merge, hangs, plots"
	@echo "  make cfl-test        ClusterFuzzLite's build.sh with libFuzzer and AFL++, without Docker"
	@echo "  make coverage-floor  fail below the line and branch coverage floor of alloc/"
	@echo "  make leak-check      LeakSanitizer sees a host leak in fuzz-smoke, regress, replay and props-asan"
	@echo "  make bugs-apply      every props/bugs/*.patch still applies to alloc/ (docs/bugs.md)"
	@echo "  make floors-smoke    the floors make fuzz-speed divides by build and run (floor-kalloc-<t> also under ASan)"
	@echo "  make floor-calls     each floor-kalloc-<t> makes the library calls fuzz_<t> makes (callgrind, N=200)"
	@echo "Reports"
	@echo "  make coverage        line coverage of alloc/ by the unit tests (text)"
	@echo "  make coverage-html   llvm-cov HTML of alloc/ and harness/: units, corpus, props"
	@echo "  make bench           benchmarks against glibc malloc and a bare free list"
	@echo "  make rss             RSS of one program in the simulated process and on the host (docs/rss.md)"
	@echo "  make speed           the same as make fuzz-speed"
	@echo "  make alloc-costs     callgrind instructions per call of machine_check, boot + destroy, proc_slabinfo (bench/alloc_costs.c)"
	@echo "  make deps            install the Debian packages (as root) or print the command"
	@echo "  make clean           remove build/"
