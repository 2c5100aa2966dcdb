#!/usr/bin/env bash
# campaign.sh TARGET TIME JOBS SEED [ALLOC] - one fuzz campaign, its progress and its summary.
#
# The live corpus grows in build/fuzz/corpus/<name> (outside git), seeded
# from corpus/<target> and corpus/regressions; crashes land in
# build/fuzz/crashes/<name>/; the full log, the progress table (.csv) and its
# plot (.png) in build/fuzz/logs/.  <name> is the target, or
# fuzz_malloc-<ALLOC> for the malloc target (ALLOC: glibc unless given).
# Every crash file is stamped with its target and allocator (kfz stamp:
# header bytes h6/h7, which the fuzz targets ignore), so that it replays the
# same way wherever it is moved.
#
# Arguments (validated; a bad one is exit 2):
#   TIME   seconds, 1..604800          JOBS  1..64 (>1: libFuzzer -fork, AFL++ secondaries)
#   SEED   0..4294967295 (0: the engine picks one, printed)
# Environment: ENGINE=libfuzzer|afl, RUNS=N (stop after N execs; libFuzzer),
#   FRESH=1 (start from an empty live corpus: corpus/ only), SEEDS="dir..."
#   (seed directories instead of corpus/<target> corpus/regressions), STATUS_EVERY=S
#   (seconds between status lines, 10), REPLAY_TIMEOUT=S (per crash replay, 10).
# Repeating a run: SEED=S RUNS=N FRESH=1 JOBS=1 gives the same execs,
# coverage, corpus and crashes every time (a time budget stops at a
# different input each run, and a grown live corpus is another input).
# With a SEED the fuzzer runs with address-space randomisation off
# (setarch -R): host addresses (windows, caches, report dumps) reach
# alloc/'s branches, so with ASLR the same seed gave 792..804 edges.
#
# Coverage is one figure in every mode and engine: the coverage edges of
# alloc/ that the live corpus and the seeds hit, as libFuzzer's -merge=1 of
# them into an empty directory counts them (cov_of).  Fork mode's own "cov"
# counts something else (about 3x more) and is not shown.
#
# Exit: 0 nothing found, 1 crashes (or hangs) found and listed, 2 usage or
# setup error.  (make turns any failing recipe into its own 2: the last line
# says which it was, or call this script.)
set -uo pipefail

usage() { echo "campaign: $*" >&2; echo "usage: campaign.sh TARGET TIME JOBS SEED [ALLOC]  (make fuzz TARGET= TIME= JOBS= SEED=)" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]] && [ ${#1} -le 10 ]; }

t=${1:-fuzz_mixed} time=${2:-60} jobs=${3:-1} seed=${4:-0} alloc=${5:-}
engine=${ENGINE:-libfuzzer} runs=${RUNS:-} every=${STATUS_EVERY:-10} rtimeout=${REPLAY_TIMEOUT:-10}
is_uint "$time" && [ "$time" -ge 1 ] && [ "$time" -le 604800 ] || usage "TIME=$time: seconds, a whole number 1..604800"
is_uint "$jobs" && [ "$jobs" -ge 1 ] && [ "$jobs" -le 64 ] || usage "JOBS=$jobs: a whole number 1..64"
is_uint "$seed" && [ "$seed" -le 4294967295 ] || usage "SEED=$seed: a whole number 0..4294967295 (0: random)"
[ -z "$runs" ] || is_uint "$runs" || usage "RUNS=$runs: a whole number of execs"
is_uint "$every" && [ "$every" -ge 1 ] || usage "STATUS_EVERY=$every: seconds, 1 or more"
is_uint "$rtimeout" && [ "$rtimeout" -ge 1 ] || usage "REPLAY_TIMEOUT=$rtimeout: seconds, 1 or more"
case $engine in libfuzzer|afl) ;; *) usage "ENGINE=$engine: libfuzzer or afl" ;; esac
[ "$engine" = afl ] && [ -n "$runs" ] && usage "RUNS= is libFuzzer's (-runs); AFL++ runs for TIME"
case $t in fuzz_*) ;; *) t=fuzz_$t ;; esac
grep -qs LLVMFuzzerTestOneInput "harness/$t.c" || usage "TARGET=$t: no fuzz target harness/$t.c (targets: $(grep -l LLVMFuzzerTestOneInput harness/fuzz_*.c | sed "s|harness/||; s/\.c$//" | xargs))"
[ -n "${CHECK_ONLY:-}" ] && exit 0	# make fuzz checks the arguments before it builds
if [ "$t" = fuzz_malloc ]; then alloc=${alloc:-glibc}; name=$t-$alloc; else alloc=kalloc; name=$t; fi
out=${FUZZ_BUILD:-build/fuzz}
kfz=${KFZ:-build/gcc/harness/kfz}
bin=$out/$name			# libFuzzer's binary: also measures coverage, for both engines
[ -x "$bin" ] || usage "no $bin (make fuzz-build)"
[ -x "$kfz" ] || usage "no $kfz (make harness-tools)"
tag=$name
[ "$engine" = afl ] && tag=$name-afl
live=$out/corpus/$tag crashes=$out/crashes/$tag logs=$out/logs
if [ -n "${FRESH:-}" ] && [ "${FRESH:-}" != 0 ]; then
	live=$out/corpus/$tag-fresh
	rm -rf "$live"
fi
mkdir -p "$live" "$crashes" "$logs" || exit 2
when=$(date +%Y%m%d-%H%M%S)
log=$logs/$tag-$when.log csv=$logs/$tag-$when.csv png=$logs/$tag-$when.png
stamp=$(mktemp) && tmpd=$(mktemp -d) || exit 2
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$stamp" "$tmpd"; }
trap cleanup EXIT
trap 'echo "campaign: interrupted"; exit 2' INT TERM
seeds=()
for d in ${SEEDS:-"corpus/$t" corpus/regressions}; do [ -d "$d" ] && seeds+=("$d"); done

# Edges of the corpus (the one coverage figure): libFuzzer's crash-resistant
# -merge=1 of the corpus into an empty directory, so a crashing input in
# corpus/regressions (a bug not fixed yet) or among the seeds counts as what
# it covered before it crashed instead of ending the count.
cov_of() {
	rm -rf "$tmpd/cov" && mkdir -p "$tmpd/cov" "$tmpd/cov-art"
	"$bin" -merge=1 -timeout="$rtimeout" -artifact_prefix="$tmpd/cov-art/" "$tmpd/cov" "$@" 2>&1 |
		sed -nE 's/^MERGE-OUTER: .* ([0-9]+) new coverage edges.*/\1/p' | tail -n1
}
crash_files() { find "$1" -type f -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'id:*' \) 2>/dev/null | grep -v '/README.txt$' | sort; }

# ---- the engines: start one in the background, read its progress -----------
start_libfuzzer() {
	local args=(-max_total_time="$time" -artifact_prefix="$crashes/" -print_final_stats=1
		    -max_len=2056 -timeout="$rtimeout" -rss_limit_mb=2048)
	[ -f "corpus/$t.dict" ] && args+=(-dict="corpus/$t.dict")
	[ "$seed" != 0 ] && args+=(-seed="$seed")
	norand=
	[ "$seed" != 0 ] && setarch "$(uname -m)" -R true 2>/dev/null && norand="setarch $(uname -m) -R"
	[ -n "$runs" ] && args+=(-runs="$runs")
	[ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	$norand "$bin" "${args[@]}" "$live" "${seeds[@]}" >"$log" 2>&1 &
	pid=$!
}
# "execs corpus" from libFuzzer's last status line.
#   "#123 NEW cov: 345 ft: 1234 corp: 56/789b ... exec/s: 9876 rss: 80Mb"
#   "#123: cov: 3345 ft: 1234 corp: 56 exec/s 9876 oom/timeout/crash: 0/0/0 time: 10s job: 3"
progress_libfuzzer() {
	local last
	last=$(grep -aE '^#[0-9]+' "$log" | tail -n1)
	local e c
	e=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
	c=$(sed -nE 's/.*corp: ([0-9]+).*/\1/p' <<<"$last")
	echo "${e:-0} ${c:-0}"
}

AFL_BIN=$out/afl/$name
start_afl() {
	[ -x "$AFL_BIN" ] || usage "no $AFL_BIN (make afl-build)"
	command -v afl-fuzz >/dev/null || usage "no afl-fuzz (apt-get install afl++; make deps)"
	local in=$tmpd/afl-in
	mkdir -p "$in"
	# AFL++ wants a flat directory of seeds: the binary ones (text is for people).
	for d in "$live" "${seeds[@]}"; do
		find "$d" -maxdepth 1 -type f ! -name '*.txt' -size -2057c -exec cp -n {} "$in/" \; 2>/dev/null
	done
	[ -n "$(ls "$in")" ] || printf '\0\0\0\0\0\0\0\0' >"$in/empty"
	rm -rf "$tmpd/afl-out"
	local common=(-i "$in" -o "$tmpd/afl-out" -V "$time" -t $((rtimeout * 1000)) -m none)
	[ -f "corpus/$t.dict" ] && common+=(-x "corpus/$t.dict")
	[ "$seed" != 0 ] && common+=(-s "$seed")
	export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
	export AFL_AUTORESUME=0 AFL_QUIET=1 AFL_IGNORE_PROBLEMS=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:abort_on_error=1:symbolize=0:detect_leaks=0"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:halt_on_error=1:abort_on_error=1"
	# afl-fuzz refuses to start when LSAN_OPTIONS (the harness's leak
	# suppressions) lacks symbolize=0.
	[ -n "${LSAN_OPTIONS:-}" ] && export LSAN_OPTIONS="$LSAN_OPTIONS:symbolize=0"
	( afl-fuzz -M main "${common[@]}" -- "$AFL_BIN" >"$log" 2>&1 & m=$!
	  for ((j = 1; j < jobs; j++)); do
		afl-fuzz -S "sec$j" "${common[@]}" -- "$AFL_BIN" >"$log.sec$j" 2>&1 &
	  done
	  wait $m; wait ) &
	pid=$!
}
# Every AFL++ instance's plot_data (a row every few seconds: ..., corpus_count
# the 4th field, total_execs the 12th), or its fuzzer_stats at the end.
progress_afl() {
	local e=0 c=0 d row x y
	for d in "$tmpd"/afl-out/*/; do
		x= y=
		if [ -f "$d/fuzzer_stats" ]; then
			x=$(sed -nE 's/^execs_done *: *([0-9]+).*/\1/p' "$d/fuzzer_stats")
			y=$(sed -nE 's/^corpus_count *: *([0-9]+).*/\1/p' "$d/fuzzer_stats")
		fi
		row=$(grep -v '^#' "$d/plot_data" 2>/dev/null | tail -n1)
		if [ -n "$row" ]; then
			local pe pc
			pe=$(awk -F', *' '{print $12}' <<<"$row"); pc=$(awk -F', *' '{print $4}' <<<"$row")
			[ "${pe:-0}" -gt "${x:-0}" ] && x=$pe && y=$pc
		fi
		e=$((e + ${x:-0})); c=$((c + ${y:-0}))
	done
	echo "$e $c"
}
# Copy AFL++'s queue into the live corpus and its crashes and hangs out,
# named crash-<sha1>/timeout-<sha1> as libFuzzer names them.
collect_afl() {
	local f h kind dst
	for f in "$tmpd"/afl-out/*/queue/id:*; do
		[ -f "$f" ] || continue
		h=$(sha1sum "$f" | cut -c1-40); [ -e "$live/$h" ] || cp "$f" "$live/$h"
	done
	for kind in crashes hangs; do
		for f in "$tmpd"/afl-out/*/"$kind"/id:*; do
			[ -f "$f" ] || continue
			h=$(sha1sum "$f" | cut -c1-40)
			# Once: the copy gets stamped, and a second copy would undo it.
			[ "$kind" = crashes ] && dst=$crashes/crash-$h || dst=$crashes/timeout-$h
			[ -e "$dst" ] || cp "$f" "$dst"
		done
	done
}

# ---- run, with a status line every $every seconds ------------------------------
desc="seed ${seed/#0/random}"
[ -n "$runs" ] && desc="$desc, $runs execs"
echo "campaign: $t on $alloc with $engine for ${time}s, jobs $jobs, $desc; log $log"
echo "elapsed,execs,exec_per_s,coverage,corpus,crashes" >"$csv"
t0=$(date +%s)
"start_$engine"
next=$every
# The coverage figure costs a replay of the corpus: measured again only when
# 10 times what the last measurement took has passed, so it takes at most
# about a tenth of the machine from the engine; in between the status line
# shows the last one.
last_cov=0 next_cov=0
status() {	# elapsed: print and record one status line
	local el=$1 e c v n eps t1
	read -r e c < <("progress_$engine")
	[ "$engine" = afl ] && collect_afl
	if [ "$el" -ge "$next_cov" ] || [ "${2:-}" = final ]; then
		t1=$(date +%s)
		last_cov=$(cov_of "$live" "${seeds[@]}")
		next_cov=$(( $(date +%s) + 10 * ($(date +%s) - t1) ))
		next_cov=$(( next_cov - t0 ))
	fi
	v=$last_cov
	n=$(crash_files "$crashes" | grep -c .)
	eps=$(( el > 0 ? e / el : 0 ))
	printf '  [%5ss] execs %-10s exec/s %-7s coverage %-5s edges  corpus %-5s crashes %s\n' \
		"$el" "$e" "$eps" "${v:-0}" "$c" "$n"
	echo "$el,$e,$eps,${v:-0},$c,$n" >>"$csv"
}
while kill -0 "$pid" 2>/dev/null; do
	sleep 1
	el=$(( $(date +%s) - t0 ))
	if [ "$el" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
		status "$el"
		next=$((el + every))
	fi
	# A budget overrun (the engine ignoring its limit) is not waited on forever.
	if [ "$el" -gt $((time + 120)) ]; then
		echo "campaign: $engine still running ${el}s after a ${time}s budget: stopped"
		kill "$pid" 2>/dev/null
	fi
done
wait "$pid"; rc=$?; pid=
elapsed=$(( $(date +%s) - t0 ))
if [ "$engine" = libfuzzer ] && [ "$rc" -eq 2 ] && grep -q '^fuzz_malloc: ' "$log"; then
	grep -m1 '^fuzz_malloc: ' "$log"	# the allocator cannot be had here: one line
	exit 2
fi
[ "$engine" = afl ] && collect_afl

# ---- the summary -----------------------------------------------------------------
read -r execs corp _ < <("progress_$engine")
if [ "$engine" = libfuzzer ]; then
	stat_execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n1)
	[ -n "$stat_execs" ] && [ "$stat_execs" -gt "$execs" ] && execs=$stat_execs
	used_seed=$(sed -nE 's/.*Seed: ([0-9]+).*/\1/p' "$log" | head -n1)
else
	used_seed=$(sed -nE 's/.*(random seed|Using seed)[^0-9]*([0-9]+).*/\2/p' "$log" | head -n1)
fi
[ -n "$used_seed" ] || used_seed="$seed"
[ "$used_seed" = 0 ] && used_seed="chosen by $engine, not printed"
cov=$(cov_of "$live" "${seeds[@]}")
eps=$(( elapsed > 0 ? execs / elapsed : execs ))
mapfile -t new < <(crash_files "$crashes")
# fuzz_text's inputs are text for the parser, not programs: no stamp (it
# would change the text), and its replay main tells what they do.
[ "$t" != fuzz_text ] && for c in "${new[@]}"; do
	"$kfz" stamp --target="${t#fuzz_}" --alloc="$alloc" "$c" || echo "campaign: could not stamp $c"
done
last_cov=$cov next_cov=$((elapsed + 1))
status "$elapsed" >/dev/null	# the last row of the table
if command -v gnuplot >/dev/null && [ "$(wc -l <"$csv")" -gt 1 ]; then
	gnuplot -e "set terminal pngcairo size 900,500 noenhanced; set output '$png'; set datafile separator ',';
		set title '$tag: coverage and exec/s'; set xlabel 'seconds'; set ylabel 'coverage (edges)';
		set y2label 'exec/s'; set ytics nomirror; set y2tics; set key bottom right;
		plot '$csv' using 1:4 skip 1 with linespoints title 'coverage', \
		     '' using 1:3 skip 1 axes x1y2 with linespoints title 'exec/s (mean since start)'" 2>/dev/null || png=
else
	png=
fi

echo "summary $tag ($engine, $elapsed s):"
echo "  execs    $execs   exec/s $eps   seed $used_seed"
echo "  coverage ${cov:-0} edges (of the corpus and seeds, by -merge=1); corpus $live ($(ls "$live" | wc -l) files)"
echo "  progress $csv${png:+, plot $png}"
if [ ${#new[@]} -eq 0 ] && [ "$engine" = libfuzzer ] && [ "$rc" -ne 0 ]; then
	echo "  crashes  none written, but $engine exited $rc: see $log"
	tail -n 5 "$log" | sed 's/^/    /'
	echo "campaign: exit 2 ($engine failed without a crash file)"
	exit 2
fi
if [ ${#new[@]} -gt 0 ]; then
	echo "  crashes  ${#new[@]} in $crashes/"
	# Tell them apart by replaying each with the gcc build under a time
	# limit: kfz exits 3 on a model violation, 4 on a hang; a sanitizer
	# report needs the ASan build to show.
	shown=0
	for c in "${new[@]}"; do
		[ $shown -ge 10 ] && { echo "    ... and $(( ${#new[@]} - shown )) more"; break; }
		shown=$((shown + 1))
		if [ "$t" = fuzz_text ]; then
			outp=$(KFZ_TIMEOUT=$rtimeout timeout -s KILL $((rtimeout + 5)) "$(dirname "$kfz")/fuzz_text-replay" "$c" 2>&1); r=$?
			case $r in
			0) what="no violation in the gcc replay: a sanitizer report (make replay CRASH=$c)" ;;
			4|137) what="HANG: no result within ${rtimeout} s" ;;
			*) what=$(grep -m1 'VIOLATION' <<<"$outp" | cut -c1-150) ;;
			esac
			echo "    $c"
			echo "      ${what:-replay exit $r}"
			echo "      make replay CRASH=$c   (fuzz_text-replay: the round trip's report)"
			continue
		fi
		outp=$(KFZ_TIMEOUT=$rtimeout timeout -s KILL $((rtimeout + 5)) "$kfz" run "$c" 2>&1); r=$?
		case $r in
		3) what=$(grep -m1 'KALLOC VIOLATION' <<<"$outp" | cut -c1-150) ;;
		4|137) what="HANG: no result within ${rtimeout} s (an allocator that loops)" ;;
		0) what="no model violation in the gcc replay: a sanitizer report (see make replay), or fixed since" ;;
		*) what="kfz exit $r: $(tail -n1 <<<"$outp" | cut -c1-120)" ;;
		esac
		echo "    $c"
		echo "      $what"
		echo "      make replay CRASH=$c ; make minimize CRASH=$c   (the file names $t on $alloc)"
	done
	echo "campaign: exit 1 (crashes found)"
	exit 1
fi
echo "  crashes  none"
echo "campaign: exit 0 (nothing found)"
exit 0
