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

# `make speed [N=200] [M=2000]`: fuzz throughput per target (bench/speed.sh,
# docs/speed.md): instructions per input (callgrind on the gcc replay) and
# exec/s (the ASan+UBSan libFuzzer binary, one core).  Needs valgrind.
speed: $(OP_TARGETS:%=build/gcc/harness/%-replay) build/gcc/harness/fuzz_malloc-kalloc-heap-replay fuzz-build
	TARGETS="$(OP_TARGETS) fuzz_malloc" bench/speed.sh $(if $(N),$(N),200) $(if $(M),$(M),2000)

.PHONY: speed
