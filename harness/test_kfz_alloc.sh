#!/usr/bin/env bash
# test_kfz_alloc.sh [KFZ] - kfz's choice of target and allocator, and kfz stamp.
#
# Rules under test (kfz.c): --target/--alloc flags win, then a
# fuzz_<t>[-<alloc>] path component (a kalloc target implies kalloc), then
# the header's stamps (h6, h7), else target none on kalloc; kfz stamp changes
# bytes 6 and 7 of a binary file and nothing else; bad allocators are one line
# and exit 2.  Ends with "kfz-alloc-test: N passed, N failed".
set -uo pipefail

kfz=${1:-build/gcc/harness/kfz}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {	# check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected '$2', got '$3'"; fi
}

# A program: header with h6 = h7 = 0x33 (stamps 3 kmalloc, 3 jemalloc), two records.
printf '\x01\x02\x03\x00\x00\x00\x33\x33\x30\x01\x10\x00\x00\x00\x00\x00\x34\x01\x00\x00\x00\x00\x00\x00' > "$tmp/prog"
cp "$tmp/prog" "$tmp/orig"
# kalloc's own targets run on kalloc alone: a raw crash file's random h7
# (here jemalloc) does not move a kmalloc program to another allocator.
check "stamps read when nothing else says; a kalloc target runs on kalloc" "kmalloc kalloc" "$("$kfz" which "$tmp/prog")"
printf '\x01\x02\x03\x00\x00\x00\x35\x33' > "$tmp/heapprog"
check "a malloc-target stamp takes the stamped allocator" "malloc jemalloc" "$("$kfz" which "$tmp/heapprog")"
printf '\x00\x00\x00\x00\x00\x00\x00\x00' > "$tmp/zero"
check "unstamped: none on kalloc" "none kalloc" "$("$kfz" which "$tmp/zero")"

"$kfz" stamp --target=malloc --alloc=mimalloc "$tmp/prog"
check "stamp: read back" "malloc mimalloc" "$("$kfz" which "$tmp/prog")"
check "stamp: only h6 and h7 change" "7 63 5
8 63 4" "$(cmp -l "$tmp/orig" "$tmp/prog" | awk '{print $1, $2, $3}')"

mkdir -p "$tmp/fuzz_malloc-tcmalloc" "$tmp/fuzz_kmalloc" "$tmp/fuzz_malloc"
cp "$tmp/prog" "$tmp/fuzz_malloc-tcmalloc/crash-1"
cp "$tmp/prog" "$tmp/fuzz_kmalloc/crash-2"
cp "$tmp/prog" "$tmp/fuzz_malloc/crash-3"
check "path beats stamp" "malloc tcmalloc" "$("$kfz" which "$tmp/fuzz_malloc-tcmalloc/crash-1")"
check "a kalloc target's path means kalloc" "kmalloc kalloc" "$("$kfz" which "$tmp/fuzz_kmalloc/crash-2")"
check "fuzz_malloc path without allocator: the stamp" "malloc mimalloc" "$("$kfz" which "$tmp/fuzz_malloc/crash-3")"
mkdir -p "$tmp/fuzz_malloc-kalloc-heap"
cp "$tmp/prog" "$tmp/fuzz_malloc-kalloc-heap/crash-4"
check "an allocator name with a dash, from the path" "malloc kalloc-heap" "$("$kfz" which "$tmp/fuzz_malloc-kalloc-heap/crash-4")"
check "flags beat path" "slab glibc" "$("$kfz" which --target=slab --alloc=glibc "$tmp/fuzz_malloc-tcmalloc/crash-1")"

printf '\x07\x08\x09' > "$tmp/short"
"$kfz" stamp --target=malloc --alloc=example "$tmp/short"
check "stamp pads a short file with the zeros it was read with" "0708090000000506" "$(xxd -p "$tmp/short")"

printf 'machine(pages=1024, dma=0, cpus=1, profile=default, poison=0, max_order=10)\np0 = malloc(10)\nfree(p0)\n' > "$tmp/t.txt"
"$kfz" stamp --target=malloc --alloc=glibc "$tmp/t.txt"
check "stamp of a text program" "malloc glibc" "$("$kfz" which "$tmp/t.txt")"
check "its machine line names both" "1" "$(grep -c 'target=malloc, alloc=glibc' "$tmp/t.txt")"
check "and it runs there" "OK" "$("$kfz" run "$tmp/t.txt" | tail -n1 | cut -c1-2)"
"$kfz" stamp --target=malloc --alloc=kalloc-heap "$tmp/t.txt"
check "stamped kalloc-heap (h7 = 8), it runs on the simulated process" "malloc kalloc-heap OK" \
	"$("$kfz" which "$tmp/t.txt") $("$kfz" run "$tmp/t.txt" | tail -n1 | cut -c1-2)"

err=$("$kfz" run --alloc=nosuch "$tmp/prog" 2>&1 >/dev/null); rc=$?
check "unknown allocator: exit 2" "2" "$rc"
check "unknown allocator: one line naming the choices" "1 1" "$(wc -l <<<"$err") $(grep -c 'choices: kalloc glibc' <<<"$err")"

# A program stamped with an allocator this kfz lacks (a user's adapter) must
# not run on kalloc instead, where every heap op is a no-op and all passes.
printf 'machine(target=malloc, alloc=user)\np0 = malloc(8)\n' > "$tmp/user.txt"
err=$("$kfz" run "$tmp/user.txt" 2>&1 >/dev/null); rc=$?
check "stamped alloc=user without the user adapter: exit 2" "2" "$rc"
check "... saying which kfz to use" "1" "$(grep -c 'ALLOC_SRC=' <<<"$err")"

# corpus/findings/ holds programs a library gets wrong: regress passes them
# only while they fail, and says so the day one passes.
mkdir -p "$tmp/findings"
printf 'machine(target=malloc, alloc=glibc)\np0 = malloc(10)\nfree(p0)\n' > "$tmp/findings/fixed.txt"
out=$("$kfz" regress "$tmp/findings"); rc=$?
check "a finding that no longer fails: regress fails" "1 1" "$([ $rc -ne 0 ] && echo 1) $(grep -c 'no longer reproduces' <<<"$out")"
check "a finding that still fails: regress passes" "0" "$("$kfz" regress corpus/findings >/dev/null; echo $?)"

echo "kfz-alloc-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
