# bench/bench.mk - `make bench`: kalloc against a bare free list and glibc
# malloc, and a replay of the real Linux trace (TRACE=, exported by the
# top-level Makefile).  Release library only (gcc -O2); deliberately not a
# test step: no test asserts on time.

build/gcc/bench: bench/bench.c build/gcc/libkalloc.a $(ALLOC_HDRS)
	gcc $(BASE) -O2 bench/bench.c build/gcc/libkalloc.a -o $@

bench: build/gcc/bench
	./build/gcc/bench

.PHONY: bench

# `make rss`: the RSS experiment (bench/rss.c, docs/rss.md): the same
# program in the simulated process and natively with glibc, side by side,
# build/rss.dat and its plot build/rss.png (gnuplot, ci/deps.sh).  Fails
# when the simulated series breaks the one-page-per-first-write rule.
build/gcc/rss: bench/rss.c build/gcc/libkalloc.a $(ALLOC_HDRS)
	gcc $(BASE) -O2 bench/rss.c build/gcc/libkalloc.a -o $@

rss: build/gcc/rss
	./build/gcc/rss build/rss.dat
	@if command -v gnuplot >/dev/null; then gnuplot bench/rss.gp && echo "plot: build/rss.png"; \
	else echo "rss: no gnuplot (ci/deps.sh installs gnuplot-nox): no plot"; fi

.PHONY: rss

# `make fuzz-speed [N=200] [M=2000] [R=20000]` (`make speed` is the same):
# fuzz throughput per target (bench/speed.sh, docs/speed.md): instructions
# per input (callgrind on the gcc replay), exec/s of the ASan+UBSan libFuzzer
# binary replaying M inputs and in its own loop for R runs, and that loop as a
# ratio to the floors of bench/fuzz_floor.c run alongside.  Needs valgrind.
build/gcc/bench/floor-%-replay: bench/fuzz_floor.c harness/replay_main.c harness/fuzz.h
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -Iharness -Ialloc $(if $(filter empty,$*),-DFLOOR_EMPTY) bench/fuzz_floor.c harness/replay_main.c -o $@
$(FUZZ_BUILD)/floor-%: bench/fuzz_floor.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(if $(filter empty,$*),-DFLOOR_EMPTY) $< -o $@
# floor-kalloc-<t> (bench/floor_kalloc.c), one per kalloc fuzz target:
# kalloc's own calls for fuzz_<t>'s records, decoded by harness/ops.c, with
# no oracle (target_kalloc.c only for the op language's cache flags).
KFLOOR_TARGETS := buddy slab kmalloc vmalloc mixed
KFLOORS := $(KFLOOR_TARGETS:%=floor-kalloc-%)
kfloor_target = -DFLOOR_TARGET=TARGET_$(shell echo $(1) | tr a-z A-Z)
FLOOR_KALLOC_OBJS = $(filter $(FUZZ_BUILD)/obj/alloc/%,$(FUZZ_OBJS)) $(FUZZ_BUILD)/obj/harness/ops.o \
	$(FUZZ_BUILD)/obj/harness/target_kalloc.o
build/gcc/bench/floor-kalloc-%-replay: bench/floor_kalloc.c harness/replay_main.c harness/ops.c harness/target_kalloc.c \
		build/gcc/libkalloc.a $(H_HDRS) $(ALLOC_HDRS)
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -Iharness -Ialloc $(call kfloor_target,$*) $(filter %.c %.a,$^) -o $@
# Like the targets' harness objects, the floors' own code is not traced for
# coverage: libFuzzer's feedback comes from alloc/ alone in both loops.
$(FUZZ_BUILD)/obj/bench/floor_kalloc-%.o: bench/floor_kalloc.c $(H_HDRS) $(ALLOC_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -I./alloc -I./harness $(call kfloor_target,$*) -c $< -o $@
$(FUZZ_BUILD)/floor-kalloc-%: $(FUZZ_BUILD)/obj/bench/floor_kalloc-%.o $(FLOOR_KALLOC_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@
.SECONDARY: $(KFLOOR_TARGETS:%=$(FUZZ_BUILD)/obj/bench/floor_kalloc-%.o)
# floor-kalloc-malloc (bench/floor_malloc.c): fuzz_malloc's records as
# kalloc-heap's own calls through its adapter (target.h), with no oracle.
FLOOR_MALLOC_SRCS = bench/floor_malloc.c harness/replay_main.c $(H_COMMON) $(call H_TGT,gcc)
build/gcc/bench/floor-kalloc-malloc-replay: $(FLOOR_MALLOC_SRCS) $(H_HDRS) $(ALLOC_HDRS) build/gcc/libkalloc.a
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -Iharness -Ialloc $(TGT_FLAGS) $(filter %.c %.o %.a,$^) -ldl -o $@
$(FUZZ_BUILD)/floor-kalloc-malloc: $(FUZZ_BUILD)/obj/bench/floor_malloc.o $(FUZZ_OBJS) $(FUZZ_TGT_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -ldl -o $@
$(FUZZ_BUILD)/obj/bench/floor_malloc.o: bench/floor_malloc.c $(H_HDRS) $(ALLOC_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -I./alloc -I./harness -c $< -o $@
KFLOORS += floor-kalloc-malloc
FLOORS := floor-empty floor-trivial $(KFLOORS)
fuzz-speed speed: deps $(OP_TARGETS:%=build/gcc/harness/%-replay) build/gcc/harness/fuzz_malloc-kalloc-heap-replay \
		fuzz-build $(FLOORS:%=build/gcc/bench/%-replay) $(FLOORS:%=$(FUZZ_BUILD)/%)
	@TARGETS="$(or $(TARGETS),$(OP_TARGETS) fuzz_malloc)" bench/speed.sh $(or $(N),200) $(or $(M),2000) $(or $(R),20000)

.PHONY: speed fuzz-speed

# `make alloc-costs`: instructions per call of the library's per-input costs
# (bench/alloc_costs.c under callgrind: a full machine_check at 1024 and 8192
# pages, machine_check_changed, proc_slabinfo, boot + destroy in an arena).
build/gcc/alloc_costs: bench/alloc_costs.c build/gcc/libkalloc.a $(ALLOC_HDRS)
	gcc $(BASE) -O2 bench/alloc_costs.c build/gcc/libkalloc.a -o $@
alloc-costs: build/gcc/alloc_costs | deps
	@GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=1000000000000 valgrind --tool=callgrind \
		--callgrind-out-file=build/cg.alloc_costs $< >build/cg.alloc_costs.log 2>&1
	@reps=$$(sed -nE 's/^#define REPS ([0-9]+).*/\1/p' bench/alloc_costs.c); \
	callgrind_annotate --inclusive=yes --threshold=100 build/cg.alloc_costs 2>/dev/null | \
		awk -v r=$$reps '{ for (i = 2; i <= NF; i++) if ($$i ~ /:bench_[a-z0-9_]+$$/ && !seen[$$i]++) { \
			n = $$1; gsub(",", "", n); f = $$i; sub(".*:", "", f); printf "%-26s %9d instructions a call\n", f, n / r } }'
.PHONY: alloc-costs

# `make floors-smoke` (a test step): the floors `make fuzz-speed` divides by
# must build and run, or its ratios silently go missing: floor-empty's and
# floor-trivial's gcc replays over fuzz_kmalloc's seeds and the
# regressions, and each floor-kalloc-<t>'s gcc replay and ASan+UBSan build
# (floor-kalloc-malloc's on kalloc-heap) over fuzz_<t>'s seeds and the regressions (kalloc's calls, misuse
# included, with no oracle: a sanitizer report there is kalloc's own).
floors-smoke: $(FLOORS:%=build/gcc/bench/%-replay) $(KFLOORS:%=$(FUZZ_BUILD)/%)
	@pass=0; fail=0; \
	try() { if "$$@" >build/floors-smoke.log 2>&1; then pass=$$((pass + 1)); echo "ok   $$what"; \
		else fail=$$((fail + 1)); echo "FAIL $$what (build/floors-smoke.log):"; tail -n 20 build/floors-smoke.log; fi; }; \
	for f in floor-empty floor-trivial; do \
		what="$$f: replays corpus/fuzz_kmalloc corpus/regressions"; \
		try build/gcc/bench/$$f-replay corpus/fuzz_kmalloc corpus/regressions; \
	done; \
	for t in $(KFLOORS:floor-kalloc-%=%); do \
		what="floor-kalloc-$$t: replays corpus/fuzz_$$t corpus/regressions"; \
		try build/gcc/bench/floor-kalloc-$$t-replay corpus/fuzz_$$t corpus/regressions; \
		what="floor-kalloc-$$t (ASan+UBSan): -runs=0 over the same"; \
		try $(FUZZ_BUILD)/floor-kalloc-$$t -runs=0 corpus/fuzz_$$t corpus/regressions; \
	done; \
	echo "floors-smoke: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]
.PHONY: floors-smoke
TEST_STEPS += floors-smoke

# `make floor-calls [N=200]` (a test step): bench/floor_kalloc.c and
# floor_malloc.c repeat the slot rules the model applies, so each
# floor-kalloc-<t> is compared with fuzz_<t> (fuzz_malloc on kalloc-heap):
# the same library calls, counted by callgrind, over N programs
# (bench/floor_calls.sh).  A floor that skipped or doubled an op's call
# would misstate what kalloc alone costs.
floor-calls: deps $(KFLOOR_TARGETS:%=build/gcc/harness/fuzz_%-replay) build/gcc/harness/fuzz_malloc-kalloc-heap-replay \
		$(KFLOORS:%=build/gcc/bench/%-replay) build/gcc/libkalloc.a
	@KFLOOR_TARGETS="$(KFLOORS:floor-kalloc-%=%)" bench/floor_calls.sh $(or $(N),200)
.PHONY: floor-calls
TEST_STEPS += floor-calls
