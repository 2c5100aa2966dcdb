#!/usr/bin/env bash
# bugs.sh [PATCH...] - prove the fuzz harness finds bugs.  For each deliberate
# allocator bug in props/bugs/*.patch: copy the tree to a temporary directory,
# apply the patch there (alloc/ of this tree is never touched), build the fuzz
# target named by the patch's "Fuzz-target:" line, fuzz it with several
# libFuzzer seeds, minimise one crash (libFuzzer -minimize_crash, then kfz's
# op-level shrink: `make minimize` in the copy) and keep the minimised
# reproducer as corpus/bugs/<bug>{.bin,.txt} once it replays clean against
# this (correct) tree.  Ends with one table row per bug.
#
#   BUG_TIME=30    seconds per libFuzzer run (it stops at the first crash)
#   BUG_SEEDS=3    libFuzzer seeds 1..N per corpus mode
#   BUG_CORPUS="seeds empty"   corpus modes, each run BUG_SEEDS times:
#                  seeds - start from the committed corpus/<target> and
#                          corpus/regressions, as `make fuzz` does;
#                  empty - start from nothing (the dictionary stays): what
#                          the fuzzer finds on its own
#   BUG_JOBS=2     bugs run in parallel (one core each)
#   BUGS=word      only patches whose name contains word
#   BUG_SAVE=0     do not write corpus/bugs/
#   BUG_OUT=dir    logs, crashes and table (default build/bugs)
#
# Time to first crash is the wall time of the libFuzzer process, including
# loading its corpus; the median is over the runs that found the bug.  The
# crash minimised is the first one of the "empty" runs (the fuzzer's own
# find), else of the "seeds" runs.  Exit: 0 when every patch applied, built
# and was found in some mode, 1 otherwise (the table says which), 2 setup.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUG_TIME=${BUG_TIME:-30}
BUG_SEEDS=${BUG_SEEDS:-3}
BUG_CORPUS=${BUG_CORPUS:-seeds empty}
BUG_JOBS=${BUG_JOBS:-2}
BUG_SAVE=${BUG_SAVE:-1}
BUGS=${BUGS:-}
out=${BUG_OUT:-$root/build/bugs}
case $out in /*) ;; *) out=$root/$out ;; esac
for m in $BUG_CORPUS; do
	case $m in seeds|empty) ;; *) echo "bugs: BUG_CORPUS takes seeds and/or empty, not '$m'"; exit 2 ;; esac
done
export BUG_TIME BUG_SEEDS BUG_CORPUS out root

[ $# -gt 0 ] || set -- "$root"/props/bugs/*.patch
patches=()
for p in "$@"; do
	case $p in /*) ;; *) p=$root/$p ;; esac
	[[ -z "$BUGS" || "$(basename "$p")" == *"$BUGS"* ]] && patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || { echo "bugs: no patches match '$BUGS'"; exit 2; }

tmp=$(mktemp -d /tmp/kbugs.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
export tmp
rm -rf "$out" && mkdir -p "$out/rows"

# The correct tree's replay tool: every kept reproducer must pass on it.
make -s -C "$root" build/gcc/harness/kfz >"$out/build-kfz.log" 2>&1 ||
	{ echo "bugs: cannot build build/gcc/harness/kfz (see $out/build-kfz.log)"; exit 2; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# fuzz_mode TREE TARGET MODE NAME: BUG_SEEDS libFuzzer runs; writes
# $out/rows/NAME.MODE as found|runs|median_s|times|median_execs|notes and
# $out/NAME.MODE.crash (the first crash).
fuzz_mode() {
	local tree=$1 t=$2 mode=$3 name=$4 s run rc start end crash execs kind
	local found=0 times=() execl=() bystart=0 notes="" inputs args log
	for s in $(seq 1 "$BUG_SEEDS"); do
		run=$tree/$mode-$s log=$out/$name.$mode-$s.log
		mkdir -p "$run/live"
		args=(-seed="$s" -max_total_time="$BUG_TIME" -artifact_prefix="$run/" -max_len=2056
		      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
		[ -f "$tree/corpus/$t.dict" ] && args+=(-dict="$tree/corpus/$t.dict")
		inputs=("$run/live")
		[ "$mode" = seeds ] && inputs+=(corpus/"$t" corpus/regressions)
		start=$(date +%s.%N)
		(cd "$tree" && ASAN_OPTIONS=detect_leaks=0:dedup_token_length=3:symbolize=0 \
			"build/fuzz/$t" "${args[@]}" "${inputs[@]}") >"$log" 2>&1
		rc=$?
		end=$(date +%s.%N)
		crash=$(ls "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-* 2>/dev/null | head -n1)
		if [ "$rc" -ne 0 ] && [ -n "$crash" ]; then
			found=$((found + 1))
			times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')")
			execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n1)
			execl+=("${execs:-0}")
			# No "INITED" line: a corpus input itself crashed, before any mutation.
			grep -q 'INITED' "$log" || bystart=$((bystart + 1))
			kind=${crash##*/}; kind=${kind%%-*}
			[ "$kind" = crash ] || notes="${notes:+$notes, }run $s: libFuzzer $kind"
			[ -e "$out/$name.$mode.crash" ] || cp "$crash" "$out/$name.$mode.crash"
		else
			times+=("-")
		fi
	done
	[ "$bystart" -gt 0 ] && notes="${notes:+$notes, }a seed input trips it in $bystart/$found"
	echo "$found|$BUG_SEEDS|$(printf '%s\n' "${times[@]}" | grep -v '^-$' | median)|${times[*]}|$(printf '%s\n' "${execl[@]}" | grep . | median | sed 's/\.[0-9]*$//')|$notes" \
		>"$out/rows/$name.$mode"
}

# one_bug PATCH: $out/rows/<bug> is target|ops|oracle|notes.
one_bug() {
	local patch=$1 name tree t short mode first="" ops=- oracle=- notes="" min inv
	name=$(basename "$patch" .patch)
	tree=$tmp/$name
	t=$(sed -nE 's/^Fuzz-target: *(fuzz_[a-z]+).*/\1/p' "$patch" | head -n1)
	t=${t:-fuzz_mixed}
	short=${t#fuzz_}
	mkdir -p "$tree/corpus"
	cp -r "$root/alloc" "$root/harness" "$root/examples" "$root/Makefile" "$root/ci" "$tree/"
	for d in "corpus/$t" corpus/regressions; do
		[ -d "$root/$d" ] && cp -r "$root/$d" "$tree/corpus/"
	done
	cp "$root"/corpus/*.dict "$root"/corpus/*.options "$tree/corpus/" 2>/dev/null
	if ! (cd "$tree" && patch -s -p1 <"$patch") >"$out/$name.patch.log" 2>&1; then
		echo "$t|-|-|patch does not apply (build/bugs/$name.patch.log)" >"$out/rows/$name"; return
	fi
	if ! make -s -C "$tree" "build/fuzz/$t" build/clang-asan/harness/kfz >"$out/$name.build.log" 2>&1; then
		echo "$t|-|-|does not build (build/bugs/$name.build.log)" >"$out/rows/$name"; return
	fi
	for mode in $BUG_CORPUS; do
		fuzz_mode "$tree" "$t" "$mode" "$name"
	done
	for mode in empty seeds; do
		[ -z "$first" ] && [ -e "$out/$name.$mode.crash" ] && first=$out/$name.$mode.crash
	done
	if [ -n "$first" ]; then
		if (cd "$tree" && FUZZ_BUILD=build/fuzz timeout 600 make -s minimize CRASH="$first" TARGET="$short") \
			>"$out/$name.minimize.log" 2>&1; then
			min=$tree/build/fuzz/minimized/$(basename "$first")-min
			ops=$(grep -vcE '^[[:space:]]*(#|machine|$)' "$min.txt")
			# The oracle that fired, from the reproducer on the buggy tree.
			"$tree/build/clang-asan/harness/kfz" run "$min" >"$out/$name.replay-bug.log" 2>&1
			oracle=$(sed -nE 's/^KALLOC VIOLATION at op [0-9]+ `[^`]*`: (.*)/model: \1/p' "$out/$name.replay-bug.log" | head -n1)
			inv=$(sed -nE 's/^  found: *(INV_[A-Z_]+).*/\1/p' "$out/$name.replay-bug.log" | head -n1)
			[ -n "$inv" ] && oracle="$oracle ($inv)"
			[ -z "$oracle" ] && oracle=$(sed -nE 's/^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer): ([^ ]+).*/\1: \2/p' \
				"$out/$name.replay-bug.log" | head -n1)
			oracle=${oracle:-?}
			# Keep it only if it is a regression input: clean on this tree.
			if "$root/build/gcc/harness/kfz" run "$min" >"$out/$name.replay-real.log" 2>&1 &&
			   "$root/build/gcc/harness/kfz" run "$min.txt" >>"$out/$name.replay-real.log" 2>&1; then
				cp "$min" "$out/$name.bin"
				{ echo "# $name: props/bugs/$name.patch, found by $t ($oracle)."
				  sed -nE '1,/^Fuzz-target/{/^Fuzz-target/d; s/^/# /p}' "$patch"
				  echo "# Clean on the real tree; fails on the patched one (docs/bugs.md)."
				  cat "$min.txt"; } >"$out/$name.txt"
			else
				notes="reproducer fails on the real tree too (not kept)"
			fi
		else
			notes="minimize failed (build/bugs/$name.minimize.log)"
		fi
	fi
	echo "$t|$ops|$oracle|$notes" >"$out/rows/$name"
}
export -f one_bug fuzz_mode median

n=${#patches[@]}
echo "bugs: $n patches; corpus modes: $BUG_CORPUS; $BUG_SEEDS seeds x ${BUG_TIME}s each; $BUG_JOBS at a time; logs in ${out#$root/}/"
printf '%s\0' "${patches[@]}" | xargs -0 -n1 -P "$BUG_JOBS" bash -c 'one_bug "$1"; echo "  done $(basename "$1" .patch)"' _

if [ "$BUG_SAVE" = 1 ]; then
	mkdir -p "$root/corpus/bugs"
	for f in "$out"/*.bin; do
		[ -e "$f" ] || continue
		b=$(basename "$f" .bin)
		cp "$f" "$root/corpus/bugs/$b.bin"
		cp "$out/$b.txt" "$root/corpus/bugs/$b.txt"
	done
fi

# The table, also kept as $out/table.md (the form docs/bugs.md shows).
missed=0
{
	printf '| bug | fuzz target |'
	for m in $BUG_CORPUS; do printf ' %s corpus: found | median time to first crash | median execs |' "$m"; done
	printf ' minimised ops | oracle that fired |\n|---|---|'
	for m in $BUG_CORPUS; do printf -- '---:|---:|---:|'; done
	printf -- '---:|---|\n'
	for p in "${patches[@]}"; do
		b=$(basename "$p" .patch) any=0 notes=""
		IFS='|' read -r t ops oracle bnotes <"$out/rows/$b" 2>/dev/null || { t=? ops=- oracle=- bnotes="run failed"; }
		printf '| %s | %s |' "$b" "$t"
		for m in $BUG_CORPUS; do
			found=0 runs=$BUG_SEEDS med= medx= mnotes=
			[ -f "$out/rows/$b.$m" ] && IFS='|' read -r found runs med times medx mnotes <"$out/rows/$b.$m"
			[ "$found" -gt 0 ] && any=1
			[ -n "$mnotes" ] && notes="${notes:+$notes; }$m: $mnotes"
			if [ "$found" -gt 0 ]; then printf ' %s/%s | %s s | %s |' "$found" "$runs" "$med" "$medx"
			else printf ' %s/%s | - | - |' "$found" "$runs"; fi
		done
		[ -n "$bnotes" ] && notes="${notes:+$notes; }$bnotes"
		printf ' %s | %s%s |\n' "$ops" "$oracle" "${notes:+ ($notes)}"
		[ "$any" = 1 ] || missed=$((missed + 1))
	done
} >"$out/table.md"
echo
sed '2d; s/^| //; s/ |$//' "$out/table.md" | column -t -s'|' 2>/dev/null || cat "$out/table.md"
echo
echo "(not found = no crash in $BUG_SEEDS x ${BUG_TIME}s; per-run times in ${out#$root/}/rows/, logs beside them; reproducers in corpus/bugs/)"
echo "bugs: $((n - missed)) found, $missed not found"
[ "$missed" -eq 0 ]
