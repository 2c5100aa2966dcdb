#!/usr/bin/env bash
# campaign.sh TARGET TIME JOBS SEED [ALLOC] - one libFuzzer campaign and its summary.
#
# The live corpus grows in build/fuzz/corpus/<name> (outside git), seeded
# from corpus/<target> and corpus/regressions; crashes land in
# build/fuzz/crashes/<name>/; the full log in build/fuzz/logs/.  <name> is
# the target, or fuzz_malloc-<ALLOC> for the malloc target (ALLOC: glibc
# unless given).  Every crash file is stamped with its target and allocator
# (kfz stamp: header bytes h6/h7, which the fuzz targets ignore), so that it
# replays the same way wherever it is moved.  JOBS > 1 runs libFuzzer's fork
# mode.  SEED 0 lets libFuzzer pick one (it is printed); any other value
# makes the run repeatable.
# Exit: 0 no crash, 1 crashes found (listed), 2 setup problem.
set -uo pipefail

t=${1:-fuzz_mixed} time=${2:-60} jobs=${3:-1} seed=${4:-0} alloc=${5:-}
case $t in fuzz_*) ;; *) t=fuzz_$t ;; esac
if [ "$t" = fuzz_malloc ]; then alloc=${alloc:-glibc}; name=$t-$alloc; else alloc=kalloc; name=$t; fi
out=${FUZZ_BUILD:-build/fuzz}
kfz=${KFZ:-build/gcc/harness/kfz}
bin=$out/$name
[ -x "$bin" ] || { echo "campaign: no $bin (make fuzz-build)"; exit 2; }
live=$out/corpus/$name crashes=$out/crashes/$name logs=$out/logs
mkdir -p "$live" "$crashes" "$logs"
log=$logs/$name-$(date +%Y%m%d-%H%M%S).log
stamp=$(mktemp) && trap 'rm -f "$stamp"' EXIT

args=(-max_total_time="$time" -artifact_prefix="$crashes/" -print_final_stats=1
      -max_len=2056 -timeout=10 -rss_limit_mb=2048)
[ -f "corpus/$t.dict" ] && args+=(-dict="corpus/$t.dict")
[ "$seed" != 0 ] && args+=(-seed="$seed")
[ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=1)
seeds=()
for d in "corpus/$t" corpus/regressions; do [ -d "$d" ] && seeds+=("$d"); done

echo "campaign: $t on $alloc for ${time}s, jobs $jobs, seed ${seed/#0/random}; log $log"
"$bin" "${args[@]}" "$live" "${seeds[@]}" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q '^fuzz_malloc: ' "$log"; then
	grep -m1 '^fuzz_malloc: ' "$log"	# the allocator cannot be had here: one line
	exit 2
fi

# The last status line has the totals in both modes:
#   "#123 DONE cov: 345 ft: 1234 corp: 56/789b ... exec/s: 9876 rss: 80Mb"
#   "#123: cov: 345 ft: 1234 corp: 56 exec/s 9876 oom/timeout/crash: 0/0/0 time: 10s job: 3"
last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
eps=$(grep -oE 'exec/s:? [0-9]+' <<<"$last" | grep -oE '[0-9]+$')
stat_eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n1)
[ -n "$stat_eps" ] && eps=$stat_eps
used_seed=$(sed -nE 's/.*Seed: ([0-9]+).*/\1/p' "$log" | head -n1)
mapfile -t new < <(find "$crashes" -type f -newer "$stamp" | sort)
for c in "${new[@]}"; do
	"$kfz" stamp --target="${t#fuzz_}" --alloc="$alloc" "$c" || echo "campaign: could not stamp $c"
done

echo "summary $name:"
echo "  execs    ${execs:-?}   exec/s ${eps:-?}   seed ${used_seed:-?}"
echo "  coverage ${cov:-?} edges, ${ft:-?} features; corpus $live ($(ls "$live" | wc -l) files)"
if [ ${#new[@]} -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$jobs" -le 1 ]; }; then
	echo "  crashes  ${#new[@]} in $crashes/ (exit $rc; 77 = model violation/trap, 1 = sanitizer)"
	# Tell them apart by replaying each with the gcc build: kfz exits 3 on
	# a model violation; a sanitizer report needs the ASan build to show.
	shown=0
	for c in "${new[@]}"; do
		[ $shown -ge 10 ] && { echo "    ... and $(( ${#new[@]} - shown )) more"; break; }
		shown=$((shown + 1))
		what=$("$kfz" run --target="${t#fuzz_}" --alloc="$alloc" "$c" 2>/dev/null | grep -m1 'KALLOC VIOLATION' | cut -c1-150)
		echo "    $c"
		echo "      ${what:-no model violation in the gcc replay: a sanitizer report (see make replay), or fixed since}"
		echo "      make replay CRASH=$c ; make minimize CRASH=$c   (the file names $t on $alloc)"
	done
	exit 1
fi
echo "  crashes  none (exit $rc)"
exit 0
