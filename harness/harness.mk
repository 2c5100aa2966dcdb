# harness/harness.mk - the fuzz harness: op language tool (kfz), fuzz
# targets, campaigns, corpus replay.  Included by the top Makefile.
#
# Builds
#   build/fuzz/fuzz_<t>            clang-14 libFuzzer + ASan + UBSan (fatal)
#   build/gcc/harness/fuzz_<t>-replay   the same target sources on a plain main
#   build/gcc/harness/kfz          decode/encode/run/regress/shrink (gcc)
#   build/clang-asan/harness/kfz   the same under ASan + UBSan (replay, minimize)
#
# The fuzz targets build from any tree: `make -C <copy> fuzz-build`, or
# `make fuzz-build TREE=<copy>` (outputs then go to <copy>/build/fuzz).

HARNESS_TARGETS := fuzz
FUZZ_TARGETS := fuzz_buddy fuzz_slab fuzz_kmalloc fuzz_mixed
TREE ?= .
FUZZ_BUILD ?= $(TREE)/build/fuzz
TARGET ?= fuzz_mixed
TIME ?= 60
JOBS ?= 1
SEED ?= 0
SMOKE_TIME ?= 4

H_COMMON := harness/ops.c harness/model.c harness/oracle.c harness/kalloc_oracle.c harness/target_kalloc.c \
	harness/slub_model.c
H_HDRS := $(wildcard harness/*.h) harness/ops.def
FUZZ_CFLAGS := -std=gnu11 -g -O2 $(WARN) -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS = $(wildcard $(TREE)/alloc/*.c) $(addprefix $(TREE)/,$(H_COMMON) harness/fuzz_common.c)
FUZZ_OBJS = $(patsubst $(TREE)/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))

# Coverage feedback comes from alloc/ only: the model's own branches say
# nothing new about the allocator and tracing them halved exec/s.  Without
# comparison tracing (trace-cmp) too: the allocator's checks walk every byte
# of poisoned objects and every page, and tracing those compares cost 3/4 of
# all time, while the op language's fields are small reduced ranges and the
# dictionaries supply whole records, so CMP feedback had little to solve.
$(FUZZ_BUILD)/obj/alloc/%.o: $(TREE)/alloc/%.c $(wildcard $(TREE)/alloc/*.h) $(TREE)/harness/harness.mk
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp -I$(TREE)/alloc -c $< -o $@
$(FUZZ_BUILD)/obj/harness/%.o: $(TREE)/harness/%.c $(wildcard $(TREE)/alloc/*.h) $(wildcard $(TREE)/harness/*.h) $(TREE)/harness/ops.def $(TREE)/harness/harness.mk
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -I$(TREE)/alloc -I$(TREE)/harness -c $< -o $@

.SECONDARY: $(FUZZ_OBJS)
$(FUZZ_BUILD)/fuzz_%: $(TREE)/harness/fuzz_%.c $(FUZZ_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -I$(TREE)/alloc -I$(TREE)/harness $^ -o $@

# gcc (and clang-asan) builds of the tool and of the replay mains.
define harness_config
build/$(1)/harness/kfz: harness/kfz.c $(H_COMMON) $(H_HDRS) build/$(1)/libkalloc.a
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $$($(1)_FLAGS) harness/kfz.c $(H_COMMON) build/$(1)/libkalloc.a -o $$@
build/$(1)/harness/ops-test: harness/test_ops.c harness/ops.c tests/main.c tests/kunit.h $(H_HDRS) build/$(1)/libkalloc.a
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness -Itests $$($(1)_FLAGS) harness/test_ops.c harness/ops.c tests/main.c build/$(1)/libkalloc.a -o $$@
build/$(1)/harness/fuzz_%-replay: harness/fuzz_%.c harness/replay_main.c harness/fuzz_common.c $(H_COMMON) $(H_HDRS) build/$(1)/libkalloc.a
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $$($(1)_FLAGS) $$< harness/replay_main.c harness/fuzz_common.c $(H_COMMON) build/$(1)/libkalloc.a -o $$@
build/$(1)/harness/oracle-test: harness/test_oracle.c tests/main.c tests/kunit.h $(H_COMMON) $(H_HDRS) build/$(1)/libkalloc.a
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness -Itests $$($(1)_FLAGS) harness/test_oracle.c tests/main.c $(H_COMMON) build/$(1)/libkalloc.a -o $$@
endef
$(foreach c,gcc clang-asan,$(eval $(call harness_config,$(c))))

# The neutral oracle's checks, each made to fire by a bent allocator
# (harness/test_oracle.c), in the plain and the ASan build.
oracle-test: build/gcc/harness/oracle-test build/clang-asan/harness/oracle-test
	@build/gcc/harness/oracle-test && $(HARNESS_ENV) build/clang-asan/harness/oracle-test

KFZ := build/gcc/harness/kfz
KFZ_ASAN := build/clang-asan/harness/kfz
# Symbolized sanitizer reports; leaks inside the simulated machine are the
# model's business (LeakSanitizer cannot see into mmap'd memory).
HARNESS_ENV := ASAN_OPTIONS=detect_leaks=0:dedup_token_length=3:symbolize=1 \
	ASAN_SYMBOLIZER_PATH=$(shell command -v llvm-symbolizer-14 2>/dev/null) \
	UBSAN_OPTIONS=print_stacktrace=1

.PHONY: ops-test oracle-test fuzz-speed fuzz-build harness-tools fuzz fuzz-smoke replay minimize merge regress corpus-seeds corpus-dict
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

harness-tools: $(KFZ) $(KFZ_ASAN) $(FUZZ_TARGETS:%=build/gcc/harness/%-replay)

# The op table and ops.c's printer/parser (harness/test_ops.c), plain and under ASan + UBSan.
ops-test: build/gcc/harness/ops-test build/clang-asan/harness/ops-test
	@build/gcc/harness/ops-test $(T) && $(HARNESS_ENV) build/clang-asan/harness/ops-test $(T)

# Seeds are compiled from the text programs beside them (corpus/<t>/*.txt).
corpus-seeds: $(KFZ)
	@for f in corpus/fuzz_*/*.txt; do $(KFZ) encode "$$f" "$${f%.txt}" || exit 1; done

# corpus/<t>.dict from the seeds' records (commit the result).
corpus-dict: corpus-seeds
	@for t in $(FUZZ_TARGETS); do $(KFZ) dict corpus/$$t/*.txt > corpus/$$t.dict || exit 1; done

fuzz: deps fuzz-build harness-tools corpus-seeds
	@$(HARNESS_ENV) harness/campaign.sh $(TARGET) $(TIME) $(JOBS) $(SEED)

# A few seconds of every target, from the committed corpus; part of `make test`.
fuzz-smoke: fuzz-build harness-tools corpus-seeds
	@pass=0; fail=0; for t in $(FUZZ_TARGETS); do \
		if $(HARNESS_ENV) harness/campaign.sh $$t $(SMOKE_TIME) 1 1 >build/fuzz/smoke-$$t.log 2>&1; \
		then pass=$$((pass+1)); echo "fuzz-smoke $$t: ok ($$(grep -m1 '^  execs' build/fuzz/smoke-$$t.log | xargs))"; \
		else fail=$$((fail+1)); echo "fuzz-smoke $$t: FAILED"; tail -n 40 build/fuzz/smoke-$$t.log; fi; \
	done; echo "fuzz-smoke: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# make replay CRASH=file [TARGET=t]: the program as text, each op's result, the violation.
replay: $(KFZ_ASAN)
	@test -n "$(CRASH)" || { echo "usage: make replay CRASH=file [TARGET=buddy|slab|kmalloc|mixed|none]"; exit 2; }
	@$(HARNESS_ENV) $(KFZ_ASAN) run $(if $(filter command line,$(origin TARGET)),--target=$(TARGET)) $(CRASH)

# make minimize CRASH=file [TARGET=t]: libFuzzer's byte-level minimisation,
# then kfz's op-level shrink; writes build/fuzz/minimized/<name>{,.txt}.
minimize: fuzz-build $(KFZ_ASAN)
	@test -n "$(CRASH)" || { echo "usage: make minimize CRASH=file [TARGET=t]"; exit 2; }
	@$(HARNESS_ENV) harness/minimize.sh $(CRASH) $(if $(filter command line,$(origin TARGET)),$(TARGET))

# Fold the live corpus (build/fuzz/corpus/<t>) back into corpus/<t>.
merge: fuzz-build $(KFZ)
	@for t in $(if $(filter command line,$(origin TARGET)),$(TARGET),$(FUZZ_TARGETS)); do \
		mkdir -p build/fuzz/corpus/$$t; \
		echo "merge $$t: build/fuzz/corpus/$$t -> corpus/$$t"; \
		$(HARNESS_ENV) $(FUZZ_BUILD)/$$t -merge=1 corpus/$$t build/fuzz/corpus/$$t 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || exit 1; \
	done

# Replay every file under corpus/ (seeds, their text, regressions) with the
# gcc builds: kfz, then each target's own replay main on its directory.
regress: harness-tools corpus-seeds
	@$(KFZ) regress corpus > build/gcc/harness/regress.log; rc=$$?; \
	grep -v ' passed, ' build/gcc/harness/regress.log; \
	n=$$(tail -n1 build/gcc/harness/regress.log | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); \
	f=$$(tail -n1 build/gcc/harness/regress.log | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); \
	for t in $(FUZZ_TARGETS); do \
		if build/gcc/harness/$$t-replay corpus/$$t corpus/regressions >/dev/null 2>build/gcc/harness/$$t-replay.log; \
		then n=$$((n+1)); else f=$$((f+1)); rc=1; echo "FAIL $$t-replay:"; tail -n 20 build/gcc/harness/$$t-replay.log; fi; \
	done; \
	echo "regress: $${n:-0} passed, $${f:-1} failed"; [ $$rc -eq 0 ]

# exec/s of every target on 64-op inputs (the README's table).
fuzz-speed: fuzz-build
	@harness/measure.sh $(N)

TEST_STEPS += ops-test oracle-test regress fuzz-smoke

# The deliberate-bug hunt (ci/bugs.mk, owned by the bug catalogue).
-include ci/bugs.mk

# The harness's own SLUB model (harness/slub_model.c) and its tests.
-include harness/slub_model.mk
