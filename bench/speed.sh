#!/usr/bin/env bash
# speed.sh [N [M [R]]] - `make fuzz-speed`: fuzz throughput per target.
#
# Inputs: bench/speed_inputs.py, a fixed-seed generator of 64-op programs in
# two sets: random headers (machines of 1024..8192 pages, any profile,
# slub_debug letters, poison) and the all-zero header (1024 pages, 1 CPU,
# default profile, no debug).  Per target:
#   instr/input  callgrind over the gcc replay (build/gcc/harness/<t>-replay,
#                -O2, no sanitizer), the first N inputs of a set in one
#                process, total / N, with GLIBC_TUNABLES keeping memset's
#                `rep stosb` from being counted once per byte
#                (/work/shared/FACTS.md).  The same whatever the load: the
#                figure to compare from run to run.
#   replay/s     the ASan+UBSan libFuzzer binary (build/fuzz/<t>) running M
#                inputs of a set once each (-runs=0), one core, M / CPU
#                seconds (user + sys) of that process.
#   loop/s       libFuzzer's own loop as `make fuzz` runs it: from a copy of
#                the target's seed corpus (corpus/<t>, corpus/regressions),
#                with its dictionary, -seed=1, ASLR off, R executions
#                (-runs), R / CPU seconds.
#   x trivial    loop/s as a fraction of floor-trivial's loop/s measured in
#                this same run (bench/fuzz_floor.c: glibc malloc/free/realloc
#                with an O(n^2) overlap check after every op), so that the
#                load of a shared machine cancels out; floor-empty is
#                libFuzzer's own cost per input.
#   x kalloc     loop/s as a fraction of the row above it, floor-kalloc-<t>
#                (bench/floor_kalloc.c; floor_malloc.c for fuzz_malloc on
#                kalloc-heap): kalloc's own calls for fuzz_<t>'s records with
#                no oracle, the most fuzz_<t> could reach.  Its instr/input
#                is the part of the target's that is kalloc's.
# TARGETS= (make passes FUZZ_TARGETS and fuzz_malloc); fuzz_malloc runs on
# ALLOC=kalloc-heap (the simulated process's malloc).  A benchmark, not a
# test: it asserts nothing about speed.
set -euo pipefail
n=${1:-200}
m=${2:-2000}
r=${3:-20000}
[ "$m" -ge "$n" ] || m=$n
fz=${FUZZ_BUILD:-build/fuzz}
gr=build/gcc/harness
dir=build/speed
rm -rf "$dir/inputs"
/usr/bin/python3 bench/speed_inputs.py "$m" "$dir/inputs" "$n"
# optional_static_tls: fuzz_malloc re-executes itself without it (targets_malloc.c).
tls=glibc.rtld.optional_static_tls=16384
tun=glibc.cpu.x86_rep_stosb_threshold=1000000000000:$tls
norand=
setarch "$(uname -m)" -R true 2>/dev/null && norand="setarch $(uname -m) -R"

# cpu_rate COUNT CMD...: COUNT / (user + sys) of CMD, one core; "violation"
# (and the log named) when CMD fails: a finding, not a benchmark failure.
cpu_rate() {
	local count=$1 log=$2
	shift 2
	if GLIBC_TUNABLES=$tls /usr/bin/time -o "$dir/time" -f '%U %S' taskset -c 0 "$@" >"$log" 2>&1; then
		awk -v n="$count" 'NF == 2 { t = $1 + $2; printf "%d", (t > 0 ? n / t : 0) }' "$dir/time"
	else
		echo violation
		echo "$*: failed (see $log)" >&2
	fi
}

# instr SET REPLAY: callgrind instructions per input of the set's first N.
instr() {
	local set=$1 bin=$2 tag
	tag=$(basename "$bin")
	GLIBC_TUNABLES=$tun valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$tag.$set" \
		"$bin" "$dir/inputs/cg-$set" >"$dir/cg.$tag.$set.log" 2>&1 ||
		{ echo "$tag: replay failed on $dir/inputs/cg-$set (see $dir/cg.$tag.$set.log)" >&2; echo failed; return; }
	awk -v n="$n" '/Collected/ { printf "%d", $4 / n }' "$dir/cg.$tag.$set.log"
}

# loop BIN NAME: R executions of libFuzzer's loop from the seed corpus.
loop() {
	local bin=$1 t=$2 live=$dir/loop/$2 seeds=() args=(-seed=1 -runs="$r" -max_len=2056 -print_final_stats=1)
	rm -rf "$live" && mkdir -p "$live"
	for d in "corpus/$t" corpus/regressions; do [ -d "$d" ] && seeds+=("$d"); done
	[ -f "corpus/$t.dict" ] && args+=(-dict="corpus/$t.dict")
	# The harness's own programs only: the glibc floors read the same
	# bytes as fuzz_kmalloc; floor-kalloc-<t> starts where fuzz_<t> does.
	case $t in
	floor-kalloc-*) seeds=("corpus/fuzz_${t#floor-kalloc-}" corpus/regressions)
		[ -f "corpus/fuzz_${t#floor-kalloc-}.dict" ] && args+=(-dict="corpus/fuzz_${t#floor-kalloc-}.dict") ;;
	floor-*) seeds=(corpus/fuzz_kmalloc) ;;
	esac
	cpu_rate "$r" "$dir/loop.$t.log" $norand "$bin" "${args[@]}" -artifact_prefix="$live/" "$live" "${seeds[@]}"
}

mkdir -p "$dir"
echo "$n inputs per set for callgrind, $m for replay/s, $r runs for loop/s; $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
fmt='%-19s %12s %12s %10s %10s %9s %9s %8s\n'
printf "$fmt" target "instr/input" "instr/input" "replay/s" "replay/s" "loop/s" "x trivial" "x kalloc"
printf "$fmt" "" "random hdr" "zero hdr" "random" "zero" "" "" ""
triv= kfloor=

# ratio A B: A / B to three places, or - when either is not a number (or B is 0).
ratio() {
	if [ "$1" -eq "$1" ] 2>/dev/null && [ "$2" -gt 0 ] 2>/dev/null; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
	else
		echo -
	fi
}

# row NAME: one line of the table; sets lp (its loop/s).
row() {
	local t=$1 bin=$1 rep ins=() eps=()
	[ $t = fuzz_malloc ] && bin=fuzz_malloc-kalloc-heap
	rep=$gr/$bin-replay
	[ "${t#floor-}" != "$t" ] && rep=build/gcc/bench/$t-replay
	for set in random zero; do
		ins+=("$(instr $set "$rep")")
		if [ -x "$fz/$bin" ]; then
			eps+=("$(cpu_rate "$m" "$dir/replay.$t.$set.log" "$fz/$bin" -runs=0 "$dir/inputs/$set")")
		else
			eps+=(-)
		fi
	done
	lp=-
	[ -x "$fz/$bin" ] && lp=$(loop "$fz/$bin" "$t")
	printf "$fmt" $t "${ins[0]}" "${ins[1]}" "${eps[0]}" "${eps[1]}" "$lp" "$(ratio "$lp" "$triv")" "$(ratio "$lp" "$kfloor")"
}

for t in floor-empty floor-trivial ${TARGETS:-fuzz_buddy fuzz_slab fuzz_kmalloc fuzz_mixed fuzz_malloc}; do
	kfloor=
	f=floor-kalloc-${t#fuzz_}
	if [ "${t#fuzz_}" != "$t" ] && [ -x "build/gcc/bench/$f-replay" ]; then
		row "$f"
		kfloor=$lp
	fi
	row "$t"
	[ $t = floor-trivial ] && triv=$lp
done
echo "profiles: callgrind_annotate $dir/cg.<binary>.<set>; logs: $dir/{replay,loop}.<target>*.log"
