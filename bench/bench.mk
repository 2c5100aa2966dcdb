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
FLOORS := floor-empty floor-trivial
fuzz-speed speed: $(OP_TARGETS:%=build/gcc/harness/%-replay) build/gcc/harness/fuzz_malloc-kalloc-heap-replay \
		fuzz-build $(FLOORS:%=build/gcc/bench/%-replay) $(FLOORS:%=$(FUZZ_BUILD)/%)
	@TARGETS="$(or $(TARGETS),$(OP_TARGETS) fuzz_malloc)" bench/speed.sh $(or $(N),200) $(or $(M),2000) $(or $(R),20000)

.PHONY: speed fuzz-speed
