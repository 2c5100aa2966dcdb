#!/usr/bin/env bash
# speed.sh [N [M]] - fuzz throughput per target: instructions per input and exec/s.
#
# The same N fixed-seed 64-op inputs as harness/measure.sh (8-byte header +
# 64 records of 8 bytes, seed 20261126), two sets: random headers and the
# all-zero header (1024 pages, 1 CPU, default profile).
#   instr/input  callgrind over the gcc replay (build/gcc/harness/<t>-replay,
#                -O2, no sanitizer), all N inputs in one process, divided by
#                N; GLIBC_TUNABLES keeps memset's `rep stosb` from being
#                counted per byte (/work/shared/FACTS.md).  Repeatable
#                whatever the load: the trustworthy figure.
#   exec/s       the libFuzzer ASan+UBSan binary (build/fuzz/<t>) replaying
#                M inputs (default 2000; the first N are the callgrind set)
#                with -runs=0, one core, M / CPU seconds (user + sys) of that
#                process (fewer inputs and process start-up dominates).  Noisy on a shared machine: the load
#                average is printed with it.
# TARGETS= (make passes FUZZ_TARGETS and fuzz_malloc); fuzz_malloc runs on ALLOC=kalloc-heap (the simulated process's malloc).
# A benchmark, not a test: it asserts nothing about speed.
set -euo pipefail
n=${1:-200}
m=${2:-2000}
[ "$m" -ge "$n" ] || m=$n
fz=${FUZZ_BUILD:-build/fuzz}
gr=build/gcc/harness
dir=build/speed/inputs
rm -rf "$dir" && mkdir -p "$dir/random" "$dir/zero" "$dir/cg-random" "$dir/cg-zero"
/usr/bin/python3 - "$m" "$dir" "$n" <<'PY'
import random, sys
m, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = random.Random(20261126)
for i in range(m):
    recs = bytes(rng.getrandbits(8) for _ in range(64 * 8))
    hdr = bytes(rng.getrandbits(8) for _ in range(8))
    for sub in (["", "cg-"] if i < n else [""]):
        open(f"{d}/{sub}random/r{i:05d}", "wb").write(hdr + recs)
        open(f"{d}/{sub}zero/z{i:05d}", "wb").write(bytes(8) + recs)
PY
# optional_static_tls: fuzz_malloc re-executes itself without it (targets_malloc.c).
tun=glibc.cpu.x86_rep_stosb_threshold=1000000000000:glibc.rtld.optional_static_tls=16384
echo "$n inputs per set for callgrind, $m for exec/s, $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %14s %14s %12s %12s\n' target "instr/input" "instr/input" "exec/s" "exec/s"
printf '%-14s %14s %14s %12s %12s\n' "" "random hdr" "zero hdr" "random hdr" "zero hdr"
for t in ${TARGETS:-fuzz_buddy fuzz_slab fuzz_kmalloc fuzz_mixed fuzz_malloc}; do
	bin=$t
	[ $t = fuzz_malloc ] && bin=fuzz_malloc-kalloc-heap
	ins=() eps=()
	for set in random zero; do
		GLIBC_TUNABLES=$tun valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$t.$set" \
			"$gr/$bin-replay" "$dir/cg-$set" >"$dir/cg.$t.$set.log" 2>&1 ||
			{ echo "$t: replay failed on $dir/$set (see $dir/cg.$t.$set.log)"; exit 1; }
		ins+=($(awk -v n="$n" '/Collected/ { printf "%d", $4 / n }' "$dir/cg.$t.$set.log"))
		if [ -x "$fz/$bin" ]; then
			# A violation stops the replay early: no figure, and the
			# input is named (a finding, not a benchmark failure).
			if GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 /usr/bin/time -o "$dir/time" -f '%U %S' \
				taskset -c 0 "$fz/$bin" -runs=0 "$dir/$set" >"$dir/eps.$t.$set.log" 2>&1; then
				eps+=($(awk -v n="$m" 'NF == 2 { printf "%d", n / ($1 + $2) }' "$dir/time"))
			else
				eps+=(violation)
				echo "$t: a violation in $dir/$set (see $dir/eps.$t.$set.log)" >&2
			fi
		else
			eps+=(-)
		fi
	done
	printf '%-14s %14s %14s %12s %12s\n' $t "${ins[0]}" "${ins[1]}" "${eps[0]}" "${eps[1]}"
done
echo "profiles: callgrind_annotate $dir/cg.<target>.<set>"
