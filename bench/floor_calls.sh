#!/usr/bin/env bash
# floor_calls.sh [N] - `make floor-calls` (a test step): each floor-kalloc-<t>
# makes the calls its fuzz target's programs make.
#
# bench/floor_kalloc.c (and floor_malloc.c, for fuzz_malloc on kalloc-heap)
# repeats OPS.md's slot rules to drive kalloc without the oracle; fuzz_<t>
# drives it through the model.  Two implementations of
# one thing, so this compares them: callgrind over the gcc replays of both
# on the same N zero-header programs (bench/speed_inputs.py), and for every
# entry point an op calls (below) the number of calls from outside alloc/
# must be equal; for every other function of the library the floor calls,
# the floor's count must not exceed the target's (the oracle calls more
# for its checks: drain and shrink at the end, mm_read, is_vmalloc_addr,
# fuzz_malloc's heap_malloc_usable_size for its feedback).
# Needs valgrind.  Prints "N passed, N failed".
set -uo pipefail
n=${1:-200}
dir=build/floor-calls
targets=${KFLOOR_TARGETS:-buddy slab kmalloc vmalloc mixed}
# The library calls the ops make (OPS.md 1.3), boot and teardown included.
op_calls="alloc_pages __get_free_pages free_pages __free_pages kmalloc kzalloc kmalloc_array krealloc ksize
	kfree kmem_cache_create kmem_cache_alloc kmem_cache_free kmem_cache_destroy kmem_cache_validate
	vmalloc vzalloc vfree kvmalloc kvfree vmalloc_touch mm_create mm_destroy mm_brk mm_mmap mm_munmap
	mm_write buddy_inject_failures machine_set_cpu proc_slabinfo proc_buddyinfo proc_vmallocinfo
	machine_create_in machine_destroy"
# fuzz_malloc's ops, through the kalloc-heap adapter (its pattern writes and
# reads are the oracle's mm_write and mm_read; LLVMFuzzerInitialize opens
# the allocator once more).
malloc_calls="heap_malloc heap_calloc heap_realloc heap_aligned_alloc heap_free"
rm -rf "$dir" && mkdir -p "$dir"
/usr/bin/python3 bench/speed_inputs.py "$n" "$dir/inputs" "$n" || exit 1
nm -g --defined-only build/gcc/libkalloc.a | awk 'NF == 3 && $2 == "T" { print $3 }' | sort -u >"$dir/api"

calls() {	# calls BINARY OUT: the library calls of BINARY over the inputs
	GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=1000000000000:glibc.rtld.optional_static_tls=16384 valgrind --tool=callgrind \
		--compress-strings=no --compress-pos=no --callgrind-out-file="$2.cg" \
		"$1" "$dir/inputs/cg-zero" >"$2.log" 2>&1 || { echo "$1 failed (see $2.log)"; return 1; }
	/usr/bin/python3 bench/cg_calls.py "$2.cg" | grep -wFf "$dir/api" >"$2"
}

pass=0 fail=0
for t in $targets; do
	tb=build/gcc/harness/fuzz_$t-replay
	[ "$t" = malloc ] && tb=build/gcc/harness/fuzz_malloc-kalloc-heap-replay
	if ! calls "$tb" "$dir/fuzz_$t" ||
	   ! calls "build/gcc/bench/floor-kalloc-$t-replay" "$dir/floor_$t"; then
		fail=$((fail + 1))
		continue
	fi
	ops=$op_calls
	[ "$t" = malloc ] && ops=$malloc_calls
	bad=$(join -a1 -a2 -e0 -o 0,1.2,2.2 "$dir/fuzz_$t" "$dir/floor_$t" | awk -v ops="$ops" '
		BEGIN { split(ops, o); for (i in o) op[o[i]] = 1 }
		(op[$1] && $2 != $3) || (!op[$1] && $3 > $2) {
			printf "  %-24s fuzz_%s %d, floor %d%s\n", $1, t, $2, $3, op[$1] ? "" : " (more than the target)" }' t="$t")
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		echo "ok   floor-kalloc-$t: the same library calls as fuzz_$t over $n programs"
	else
		fail=$((fail + 1))
		echo "FAIL floor-kalloc-$t: calls differ from fuzz_$t's ($dir):"
		echo "$bad"
	fi
done
echo "floor-calls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
