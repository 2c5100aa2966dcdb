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
# floor-kalloc (bench/floor_kalloc.c): kalloc's own calls for fuzz_kmalloc's
# records, decoded by harness/ops.c, with no oracle.
FLOOR_KALLOC_OBJS = $(filter $(FUZZ_BUILD)/obj/alloc/%,$(FUZZ_OBJS)) $(FUZZ_BUILD)/obj/harness/ops.o
build/gcc/bench/floor-kalloc-replay: bench/floor_kalloc.c harness/replay_main.c harness/ops.c build/gcc/libkalloc.a \
		$(H_HDRS) $(ALLOC_HDRS)
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -Iharness -Ialloc $(filter %.c %.a,$^) -o $@
$(FUZZ_BUILD)/floor-kalloc: bench/floor_kalloc.c $(FLOOR_KALLOC_OBJS) $(H_HDRS) $(ALLOC_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -I./alloc -I./harness $(filter %.c %.o,$^) -o $@
FLOORS := floor-empty floor-trivial floor-kalloc
fuzz-speed speed: $(OP_TARGETS:%=build/gcc/harness/%-replay) build/gcc/harness/fuzz_malloc-kalloc-heap-replay \
		fuzz-build $(FLOORS:%=build/gcc/bench/%-replay) $(FLOORS:%=$(FUZZ_BUILD)/%)
	@TARGETS="$(or $(TARGETS),$(OP_TARGETS) fuzz_malloc)" bench/speed.sh $(or $(N),200) $(or $(M),2000) $(or $(R),20000)

.PHONY: speed fuzz-speed

# `make alloc-costs`: instructions per call of the library's per-input costs
# (bench/alloc_costs.c under callgrind: a full machine_check at 1024 and 8192
# pages, machine_check_changed, proc_slabinfo, boot + destroy in an arena).
build/gcc/alloc_costs: bench/alloc_costs.c build/gcc/libkalloc.a $(ALLOC_HDRS)
	gcc $(BASE) -O2 bench/alloc_costs.c build/gcc/libkalloc.a -o $@
alloc-costs: build/gcc/alloc_costs
	@GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=1000000000000 valgrind --tool=callgrind \
		--callgrind-out-file=build/cg.alloc_costs $< >build/cg.alloc_costs.log 2>&1
	@reps=$$(sed -nE 's/^#define REPS ([0-9]+).*/\1/p' bench/alloc_costs.c); \
	callgrind_annotate --inclusive=yes --threshold=100 build/cg.alloc_costs 2>/dev/null | \
		awk -v r=$$reps '{ for (i = 2; i <= NF; i++) if ($$i ~ /:bench_[a-z0-9_]+$$/ && !seen[$$i]++) { \
			n = $$1; gsub(",", "", n); f = $$i; sub(".*:", "", f); printf "%-26s %9d instructions a call\n", f, n / r } }'
.PHONY: alloc-costs

# `make floors-smoke` (a test step): the floors `make fuzz-speed` divides by
# must build and run, or its ratios silently go missing: each floor's gcc
# replay over fuzz_kmalloc's seeds and the regressions, and floor-kalloc's
# ASan+UBSan build over the same inputs (kalloc's calls, misuse included,
# with no oracle: a sanitizer report there is kalloc's own).
FLOOR_SMOKE_INPUTS := corpus/fuzz_kmalloc corpus/regressions
floors-smoke: $(FLOORS:%=build/gcc/bench/%-replay) $(FUZZ_BUILD)/floor-kalloc
	@pass=0; fail=0; \
	for f in $(FLOORS); do \
		if build/gcc/bench/$$f-replay $(FLOOR_SMOKE_INPUTS) >build/floors-smoke.log 2>&1; then \
			pass=$$((pass + 1)); echo "ok   $$f: replays $(FLOOR_SMOKE_INPUTS)"; \
		else fail=$$((fail + 1)); echo "FAIL $$f (build/floors-smoke.log):"; tail -n 5 build/floors-smoke.log; fi; \
	done; \
	if $(FUZZ_BUILD)/floor-kalloc -runs=0 $(FLOOR_SMOKE_INPUTS) >build/floors-smoke.log 2>&1; then \
		pass=$$((pass + 1)); echo "ok   floor-kalloc (ASan+UBSan): -runs=0 over $(FLOOR_SMOKE_INPUTS)"; \
	else fail=$$((fail + 1)); echo "FAIL floor-kalloc (ASan+UBSan) (build/floors-smoke.log):"; tail -n 20 build/floors-smoke.log; fi; \
	echo "floors-smoke: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]
.PHONY: floors-smoke
TEST_STEPS += floors-smoke
