# bench/bench.mk - `make bench`: kalloc against a bare free list and glibc
# malloc, and a replay of the real Linux trace (TRACE=, exported by the
# top-level Makefile).  Release library only (gcc -O2); deliberately not a
# test step: no test asserts on time.

build/gcc/bench: bench/bench.c build/gcc/libkalloc.a $(ALLOC_HDRS)
	gcc $(BASE) -O2 bench/bench.c build/gcc/libkalloc.a -o $@

bench: build/gcc/bench
	./build/gcc/bench

.PHONY: bench
