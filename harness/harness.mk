# harness/harness.mk - the fuzz harness: op language tool (kfz), fuzz
# targets, campaigns, corpus replay.  Included by the top Makefile.
#
# Builds
#   build/fuzz/fuzz_<t>            clang-14 libFuzzer + ASan + UBSan (fatal)
#   build/fuzz/fuzz_malloc-<alloc> the malloc-family target, one per allocator
#   build/gcc/harness/fuzz_<t>-replay   the same target sources on a plain main
#                                  (fuzz_malloc-<alloc>-replay likewise)
#   build/gcc/harness/kfz          decode/encode/run/regress/shrink/stamp (gcc)
#   build/clang-asan/harness/kfz   the same under ASan + UBSan (replay, minimize)
#   build/gcc/libktarget.so        the targets' flat C API for ctypes (target_so.c)
#   build/<c>/harness/test_targets the adapters against the malloc contract
#
# Allocators: ALLOC=glibc|jemalloc|mimalloc|tcmalloc|example for TARGET=fuzz_malloc
# (and replay, minimize); ALLOC_SRC="adapter.c [more.c]" (ALLOC_CFLAGS for its
# -I/-D) builds a user's adapter in as ALLOC=user: *-user binaries, libktarget-user.so.
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

# ---- allocator targets (target.h) -----------------------------------------
# Every binary that picks an allocator by name links these: the malloc
# targets, the shipped example, and kalloc's adapter once it exists.
# ALLOC_SRC=path/to/adapter.c adds a user's adapter as ALLOC=user.
TGT_SRCS := harness/targets_malloc.c examples/tinyalloc.c
TGT_FLAGS := -Iexamples
# The example's table is alloc_target_example; a user's is alloc_target_user.
EXAMPLE_FLAGS := -DALLOC_TARGET=alloc_target_example
ALLOC_NAMES := kalloc glibc jemalloc mimalloc tcmalloc example user
MALLOC_ALLOCS := glibc jemalloc mimalloc tcmalloc example
ALLOC_PKGS := jemalloc: libjemalloc-dev, mimalloc: libmimalloc-dev, tcmalloc: libgoogle-perftools-dev

# Bad input stops here, in one line (make's $(error) exits 2).
ifneq ($(ALLOC_SRC),)
ALLOC ?= user
$(foreach f,$(ALLOC_SRC),$(if $(wildcard $(f)),,$(error ALLOC_SRC: no file $(f))))
endif
ifneq ($(ALLOC),)
ifeq ($(filter $(ALLOC),$(ALLOC_NAMES)),)
$(error unknown ALLOC=$(ALLOC) (choices: $(filter-out user,$(ALLOC_NAMES)), or ALLOC_SRC=adapter.c as user; packages: $(ALLOC_PKGS)))
endif
ifeq ($(ALLOC)$(ALLOC_SRC),user)
$(error ALLOC=user is a user's adapter: give it as ALLOC_SRC=path/to/adapter.c)
endif
ifneq ($(filter fuzz_malloc malloc,$(TARGET)),)
ifneq ($(filter kalloc,$(ALLOC)),)
$(error TARGET=fuzz_malloc needs a malloc-family allocator: ALLOC=$(MALLOC_ALLOCS), or ALLOC_SRC=adapter.c)
endif
endif
endif
# jemalloc is dlopen'd and needs more static TLS than glibc keeps (target.h).
TLS_ENV := GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384

# A user's adapter is linked into the *-user binaries; the stamp remembers
# which files, so that another ALLOC_SRC rebuilds them.
USER_SUFFIX := $(if $(ALLOC_SRC),-user)
USER_STAMP := build/alloc-src.stamp
ifneq ($(ALLOC_SRC),)
USER_DEPS := $(ALLOC_SRC) $(USER_STAMP)
$(USER_STAMP): FORCE
	@mkdir -p $(@D); echo '$(abspath $(ALLOC_SRC)) $(ALLOC_CFLAGS)' | cmp -s - $@ 2>/dev/null || \
		echo '$(abspath $(ALLOC_SRC)) $(ALLOC_CFLAGS)' > $@
.PHONY: FORCE
FORCE:
endif

# Each adapter compiles to its own object, so that the one -D applies to it alone.
define example_config
build/$(1)/examples/adapter_example.o: examples/adapter_example.c examples/tinyalloc.h harness/target.h
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $(TGT_FLAGS) $$($(1)_FLAGS) $(EXAMPLE_FLAGS) -c $$< -o $$@
endef
$(foreach c,gcc clang-asan,$(eval $(call example_config,$(c))))

# libktarget.so: the flat C API of target_so.c, for ctypes (props).
KT_SRCS := harness/target_so.c $(TGT_SRCS)
build/gcc/libktarget.so: $(KT_SRCS) $(H_HDRS) examples/tinyalloc.h build/gcc/examples/adapter_example.o
	gcc $(BASE) -O2 -shared -Iharness $(TGT_FLAGS) $(KT_SRCS) build/gcc/examples/adapter_example.o -ldl -o $@
build/gcc/libktarget-user.so: $(KT_SRCS) $(H_HDRS) examples/tinyalloc.h build/gcc/examples/adapter_example.o $(USER_DEPS)
	@test -n "$(ALLOC_SRC)" || { echo "libktarget-user.so: give ALLOC_SRC=path/to/adapter.c"; exit 2; }
	gcc $(BASE) -O2 -shared -Iharness $(TGT_FLAGS) $(KT_SRCS) build/gcc/examples/adapter_example.o \
		$(ALLOC_CFLAGS) $(ALLOC_SRC) -ldl -o $@
.PHONY: ktarget test-targets
ktarget: build/gcc/libktarget.so $(if $(ALLOC_SRC),build/gcc/libktarget-user.so)

# The adapters against the malloc contract (harness/test_targets.c), plain
# and under ASan (where glibc must be reached past the interceptors).
define targets_test
build/$(1)/harness/test_targets: harness/test_targets.c $(TGT_SRCS) $(H_HDRS) examples/tinyalloc.h build/$(1)/examples/adapter_example.o
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $(TGT_FLAGS) $$($(1)_FLAGS) harness/test_targets.c $(TGT_SRCS) \
		build/$(1)/examples/adapter_example.o -ldl -o $$@
endef
$(foreach c,gcc clang-asan,$(eval $(call targets_test,$(c))))
test-targets: build/gcc/harness/test_targets build/clang-asan/harness/test_targets
	@build/gcc/harness/test_targets && ASAN_OPTIONS=detect_leaks=0 build/clang-asan/harness/test_targets

# kfz's choice of target and allocator (flags, path, stamps) and kfz stamp.
.PHONY: kfz-alloc-test
kfz-alloc-test: build/gcc/harness/kfz
	@harness/test_kfz_alloc.sh build/gcc/harness/kfz

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

# fuzz_malloc, one binary per allocator (FUZZ_ALLOC names it).  A system
# malloc is not instrumented: the model stays uninstrumented as above, and
# fuzz_malloc.c turns what the allocator does into libFuzzer's extra
# counters.  The example and a user's adapter (and whatever ALLOC_SRC lists
# with it) are instrumented like alloc/.
FUZZ_TGT_OBJS = $(FUZZ_BUILD)/obj/harness/targets_malloc.o $(FUZZ_BUILD)/obj/examples/tinyalloc.o \
	$(FUZZ_BUILD)/obj/examples/adapter_example.o
.SECONDARY: $(FUZZ_TGT_OBJS)
$(FUZZ_BUILD)/obj/examples/%.o: $(TREE)/examples/%.c $(wildcard $(TREE)/examples/*.h) $(TREE)/harness/target.h $(TREE)/harness/harness.mk
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp $(EXAMPLE_FLAGS) \
		-I$(TREE)/harness -I$(TREE)/examples -c $< -o $@
$(FUZZ_BUILD)/fuzz_malloc-%: $(TREE)/harness/fuzz_malloc.c $(FUZZ_OBJS) $(FUZZ_TGT_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_ALLOC='"$*"' -I$(TREE)/alloc -I$(TREE)/harness $^ -ldl -o $@
$(FUZZ_BUILD)/fuzz_malloc-user: $(TREE)/harness/fuzz_malloc.c $(FUZZ_OBJS) $(FUZZ_TGT_OBJS) $(USER_DEPS)
	@test -n "$(ALLOC_SRC)" || { echo "fuzz_malloc-user: give ALLOC_SRC=path/to/adapter.c"; exit 2; }
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_ALLOC='"user"' -I$(TREE)/alloc -I$(TREE)/harness \
		$(ALLOC_CFLAGS) $(filter %.c %.o,$^) -ldl -o $@
FUZZ_MALLOC_BINS = $(MALLOC_ALLOCS:%=$(FUZZ_BUILD)/fuzz_malloc-%) $(if $(ALLOC_SRC),$(FUZZ_BUILD)/fuzz_malloc-user)

# gcc (and clang-asan) builds of the tool and of the replay mains.
# $(call harness_config,CONFIG,SUFFIX,USER-SOURCES): SUFFIX -user links ALLOC_SRC in.
H_TGT = $(TGT_SRCS) build/$(1)/examples/adapter_example.o
define harness_config
build/$(1)/harness/kfz$(2): harness/kfz.c $(H_COMMON) $(H_HDRS) $(call H_TGT,$(1)) build/$(1)/libkalloc.a $(3)
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $(TGT_FLAGS) $$($(1)_FLAGS) harness/kfz.c $(H_COMMON) $(call H_TGT,$(1)) \
		$(if $(3),$(ALLOC_CFLAGS) $(ALLOC_SRC)) build/$(1)/libkalloc.a -ldl -o $$@
build/$(1)/harness/fuzz_malloc-$(if $(2),user,%)-replay: harness/fuzz_malloc.c harness/replay_main.c harness/fuzz_common.c $(H_COMMON) $(H_HDRS) $(call H_TGT,$(1)) build/$(1)/libkalloc.a $(3)
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $(TGT_FLAGS) $$($(1)_FLAGS) -DFUZZ_ALLOC='"$(if $(2),user,$$*)"' $$< \
		harness/replay_main.c harness/fuzz_common.c $(H_COMMON) $(call H_TGT,$(1)) \
		$(if $(3),$(ALLOC_CFLAGS) $(ALLOC_SRC)) build/$(1)/libkalloc.a -ldl -o $$@
endef
$(foreach c,gcc clang-asan,$(eval $(call harness_config,$(c),,)))
ifneq ($(ALLOC_SRC),)
$(foreach c,gcc clang-asan,$(eval $(call harness_config,$(c),-user,$(USER_DEPS))))
endif
# The kalloc targets' replay mains, and the op table's and the oracle's tests.
define replay_config
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
$(foreach c,gcc clang-asan,$(eval $(call replay_config,$(c))))

# The neutral oracle's checks, each made to fire by a bent allocator
# (harness/test_oracle.c), in the plain and the ASan build.
oracle-test: build/gcc/harness/oracle-test build/clang-asan/harness/oracle-test
	@build/gcc/harness/oracle-test && $(HARNESS_ENV) build/clang-asan/harness/oracle-test

KFZ := build/gcc/harness/kfz
KFZ_ASAN := build/clang-asan/harness/kfz
# campaigns, replay and minimize need the user's adapter when there is one
KFZ_SEL := $(KFZ)$(USER_SUFFIX)
KFZ_ASAN_SEL := $(KFZ_ASAN)$(USER_SUFFIX)
# Symbolized sanitizer reports.  LeakSanitizer is on: a host block of the
# library's that no machine_destroy() gave back fails the run (libFuzzer's
# -detect_leaks=1 is its default: per input, over the corpus and while
# fuzzing; other binaries at exit).  The arena the targets keep for the whole
# process hangs off a static pointer, so it is reachable, not a leak; leaks
# inside the simulated machine are the model's business (LeakSanitizer cannot
# see into mmap'd memory).  harness/lsan.supp: a third-party malloc's own.
HARNESS_ENV := ASAN_OPTIONS=detect_leaks=1:dedup_token_length=3:symbolize=1 \
	LSAN_OPTIONS=suppressions=$(abspath $(TREE)/harness/lsan.supp) \
	ASAN_SYMBOLIZER_PATH=$(shell command -v llvm-symbolizer-14 2>/dev/null) \
	UBSAN_OPTIONS=print_stacktrace=1 $(TLS_ENV)

# TARGET=fuzz_malloc runs on ALLOC (glibc unless told); the others on kalloc.
IS_MALLOC := $(filter fuzz_malloc malloc,$(TARGET))
FUZZ_ALLOC_SEL := $(if $(IS_MALLOC),$(or $(ALLOC),glibc))
MALLOC_REPLAYS := $(MALLOC_ALLOCS:%=build/gcc/harness/fuzz_malloc-%-replay) \
	$(if $(ALLOC_SRC),build/gcc/harness/fuzz_malloc-user-replay)

.PHONY: ops-test oracle-test fuzz-speed fuzz-build harness-tools fuzz fuzz-smoke replay minimize merge regress corpus-seeds corpus-dict
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%) $(FUZZ_MALLOC_BINS)

harness-tools: $(KFZ) $(KFZ_ASAN) $(KFZ_SEL) $(KFZ_ASAN_SEL) $(FUZZ_TARGETS:%=build/gcc/harness/%-replay) $(MALLOC_REPLAYS)

# The op table and ops.c's printer/parser (harness/test_ops.c), plain and under ASan + UBSan.
ops-test: build/gcc/harness/ops-test build/clang-asan/harness/ops-test
	@build/gcc/harness/ops-test $(T) && $(HARNESS_ENV) build/clang-asan/harness/ops-test $(T)

# Seeds are compiled from the text programs beside them (corpus/<t>/*.txt).
corpus-seeds: $(KFZ)
	@for f in corpus/fuzz_*/*.txt; do $(KFZ) encode "$$f" "$${f%.txt}" || exit 1; done

# corpus/<t>.dict from the seeds' records (commit the result).
corpus-dict: corpus-seeds
	@for t in $(FUZZ_TARGETS) fuzz_malloc; do $(KFZ) dict corpus/$$t/*.txt > corpus/$$t.dict || exit 1; done

fuzz: deps fuzz-build harness-tools corpus-seeds
	@if [ -z "$(IS_MALLOC)" ] && [ -n "$(filter-out kalloc,$(ALLOC))" ]; then \
		echo "fuzz: $(TARGET) runs on kalloc; ALLOC=$(ALLOC) is for TARGET=fuzz_malloc"; exit 2; fi
	@$(HARNESS_ENV) KFZ=$(KFZ_SEL) harness/campaign.sh $(TARGET) $(TIME) $(JOBS) $(SEED) $(FUZZ_ALLOC_SEL)

# A few seconds of every target, from the committed corpus, and of
# fuzz_malloc on every malloc allocator; part of `make test`.
SMOKE_RUNS := $(FUZZ_TARGETS) $(MALLOC_ALLOCS:%=fuzz_malloc:%) $(if $(ALLOC_SRC),fuzz_malloc:user)
fuzz-smoke: fuzz-build harness-tools corpus-seeds
	@pass=0; fail=0; for r in $(SMOKE_RUNS); do \
		t=$${r%%:*}; a=$${r#$$t}; a=$${a#:}; n=$$t$${a:+-$$a}; \
		if $(HARNESS_ENV) KFZ=$(KFZ_SEL) harness/campaign.sh $$t $(SMOKE_TIME) 1 1 $$a >build/fuzz/smoke-$$n.log 2>&1; \
		then pass=$$((pass+1)); echo "fuzz-smoke $$n: ok ($$(grep -m1 '^  execs' build/fuzz/smoke-$$n.log | xargs))"; \
		else fail=$$((fail+1)); echo "fuzz-smoke $$n: FAILED"; tail -n 40 build/fuzz/smoke-$$n.log; fi; \
	done; \
	f=corpus/findings/mimalloc-aligned-fuzz; b=$(FUZZ_BUILD)/fuzz_malloc-mimalloc; \
	if $(HARNESS_ENV) $$b $$f >/dev/null 2>&1 && ! KALLOC_FINDINGS= $(HARNESS_ENV) $$b $$f >/dev/null 2>&1; \
	then pass=$$((pass+1)); echo "fuzz-smoke known findings: ok (not a crash; a crash with KALLOC_FINDINGS=)"; \
	else fail=$$((fail+1)); echo "fuzz-smoke known findings: FAILED ($$b $$f)"; fi; \
	echo "fuzz-smoke: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# make replay CRASH=file [TARGET=t] [ALLOC=a]: the program as text, each
# op's result, the violation.  Without them the path and the file's stamps say.
replay: $(KFZ_ASAN_SEL)
	@test -n "$(CRASH)" || { echo "usage: make replay CRASH=file [TARGET=buddy|slab|kmalloc|mixed|malloc|none] [ALLOC=$(ALLOC_NAMES)]"; exit 2; }
	@$(HARNESS_ENV) $(KFZ_ASAN_SEL) run $(if $(filter command line,$(origin TARGET)),--target=$(TARGET)) \
		$(if $(ALLOC),--alloc=$(ALLOC)) $(CRASH)

# make minimize CRASH=file [TARGET=t] [ALLOC=a]: libFuzzer's byte-level
# minimisation, then kfz's op-level shrink; writes
# build/fuzz/minimized/<name>{,.txt}, stamped with the target and allocator.
minimize: fuzz-build $(KFZ_SEL) $(KFZ_ASAN_SEL)
	@test -n "$(CRASH)" || { echo "usage: make minimize CRASH=file [TARGET=t] [ALLOC=a]"; exit 2; }
	@$(HARNESS_ENV) KFZ=$(KFZ_SEL) KFZ_ASAN=$(KFZ_ASAN_SEL) ALLOC=$(ALLOC) harness/minimize.sh $(CRASH) \
		$(if $(filter command line,$(origin TARGET)),$(TARGET))

# Fold the live corpus (build/fuzz/corpus/<t>) back into corpus/<t>; the
# malloc target's (build/fuzz/corpus/fuzz_malloc-<alloc>) into corpus/fuzz_malloc.
MERGE_RUNS := $(if $(filter command line,$(origin TARGET)),$(if $(IS_MALLOC),fuzz_malloc-$(FUZZ_ALLOC_SEL),$(TARGET)),\
	$(FUZZ_TARGETS) $(MALLOC_ALLOCS:%=fuzz_malloc-%))
merge: fuzz-build $(KFZ)
	@for n in $(MERGE_RUNS); do t=$${n%%-*}; \
		mkdir -p build/fuzz/corpus/$$n; \
		echo "merge $$n: build/fuzz/corpus/$$n -> corpus/$$t"; \
		$(HARNESS_ENV) $(FUZZ_BUILD)/$$n -merge=1 corpus/$$t build/fuzz/corpus/$$n 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || exit 1; \
	done

# Replay every file under corpus/ (seeds, their text, regressions) with the
# gcc builds: kfz, then each target's own replay main on its directory;
# corpus/fuzz_malloc on every malloc allocator; then kalloc's fuzz builds
# (ASan + LeakSanitizer, -runs=0) over their corpus, so a leak fails it.
regress: harness-tools corpus-seeds $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
	@$(KFZ) regress corpus > build/gcc/harness/regress.log; rc=$$?; \
	for a in $(MALLOC_ALLOCS); do \
		$(KFZ) regress --alloc=$$a corpus/fuzz_malloc > build/gcc/harness/regress-$$a.log || rc=1; \
		grep -v ' passed, ' build/gcc/harness/regress-$$a.log; \
	done; \
	grep -v ' passed, ' build/gcc/harness/regress.log; \
	n=$$(cat build/gcc/harness/regress*.log | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' | awk '{ s += $$1 } END { print s + 0 }'); \
	f=$$(cat build/gcc/harness/regress*.log | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | awk '{ s += $$1 } END { print s + 0 }'); \
	for t in $(FUZZ_TARGETS) $(MALLOC_ALLOCS:%=fuzz_malloc-%); do \
		if $(TLS_ENV) build/gcc/harness/$$t-replay corpus/$${t%%-*} corpus/regressions >/dev/null 2>build/gcc/harness/$$t-replay.log; \
		then n=$$((n+1)); else f=$$((f+1)); rc=1; echo "FAIL $$t-replay:"; tail -n 20 build/gcc/harness/$$t-replay.log; fi; \
	done; \
	for t in $(FUZZ_TARGETS); do \
		if $(HARNESS_ENV) $(FUZZ_BUILD)/$$t -runs=0 -detect_leaks=1 -artifact_prefix=$(FUZZ_BUILD)/regress- \
			corpus/$$t corpus/regressions >$(FUZZ_BUILD)/$$t-regress.log 2>&1; \
		then n=$$((n+1)); else f=$$((f+1)); rc=1; echo "FAIL $$t (ASan + LeakSanitizer):"; \
			grep -m1 -A8 -E 'ERROR: (LeakSanitizer|AddressSanitizer)|KALLOC VIOLATION' $(FUZZ_BUILD)/$$t-regress.log; fi; \
	done; \
	echo "regress: $${n:-0} passed, $${f:-1} failed"; [ $$rc -eq 0 ]

# exec/s of every target on 64-op inputs (the table in docs/harness.md).
fuzz-speed: fuzz-build
	@harness/measure.sh $(N)

TEST_STEPS += ops-test oracle-test test-targets kfz-alloc-test regress fuzz-smoke

# The deliberate-bug hunt (ci/bugs.mk, owned by the bug catalogue).
-include ci/bugs.mk

# The harness's own SLUB model (harness/slub_model.c) and its tests.
-include harness/slub_model.mk
