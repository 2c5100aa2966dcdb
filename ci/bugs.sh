#!/usr/bin/env bash
# bugs.sh [PATCH...] - prove the fuzz harness finds bugs: for each deliberate
# allocator bug in props/bugs/*.patch, copy the tree to a temporary directory,
# apply the patch there (alloc/ of this tree is never touched), build the fuzz
# target named by the patch's "Fuzz-target:" line, fuzz it with several
# libFuzzer seeds, minimise the first crash (libFuzzer -minimize_crash, then
# kfz's op-level shrink: `make minimize` in the copy) and keep the minimised
# reproducer as corpus/bugs/<bug>{.bin,.txt} once it replays clean against
# this (correct) tree.  Ends with one table row per bug.
#
#   BUG_TIME=30    seconds per seed (libFuzzer stops at the first crash)
#   BUG_SEEDS=3    libFuzzer seeds 1..N, each from the committed seed corpus
#   BUG_JOBS=2     bugs run in parallel (one core each)
#   BUGS=word      only patches whose name contains word
#   BUG_SAVE=0     do not write corpus/bugs/
#   BUG_CORPUS=empty  start every seed from an empty corpus (no seed inputs,
#                  no regressions; the dictionary stays): pure fuzzing
#   BUG_OUT=dir    logs, crashes and table (default build/bugs)
#
# Time to first crash is wall time of the libFuzzer process, including
# loading the seed corpus; "seed" in the notes means a seed input itself
# tripped the bug before any mutation.  The median is over the seeds that
# found the bug.  Exit: 0 when every patch applied, built and was found,
# 1 otherwise (the table says which), 2 setup problem.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUG_TIME=${BUG_TIME:-30}
BUG_SEEDS=${BUG_SEEDS:-3}
BUG_JOBS=${BUG_JOBS:-2}
BUG_SAVE=${BUG_SAVE:-1}
BUGS=${BUGS:-}
BUG_CORPUS=${BUG_CORPUS:-seeds}
out=${BUG_OUT:-$root/build/bugs}
case $out in /*) ;; *) out=$root/$out ;; esac
export BUG_TIME BUG_SEEDS BUG_SAVE BUG_CORPUS out root

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

# one_bug PATCH: writes $out/rows/<bug> as
#   bug|found|n|median_s|times|median_execs|ops|oracle|target|notes
one_bug() {
	local patch=$1 name tree t short run s start end secs rc crash execs kind
	local times=() found=0 first="" notes="" ops=- oracle=- med=- medx=- execl=() bystart=0 inputs=()
	name=$(basename "$patch" .patch)
	tree=$tmp/$name
	row() { echo "$name|$found|$BUG_SEEDS|$med|${times[*]:-}|$medx|$ops|$oracle|$t|$notes" >"$out/rows/$name"; }
	t=$(sed -nE 's/^Fuzz-target: *(fuzz_[a-z]+).*/\1/p' "$patch" | head -n1)
	t=${t:-fuzz_mixed}
	short=${t#fuzz_}
	mkdir -p "$tree"
	cp -r "$root/alloc" "$root/harness" "$root/Makefile" "$root/ci" "$tree/"
	mkdir -p "$tree/corpus"
	for d in "corpus/$t" corpus/regressions; do
		[ -d "$root/$d" ] && cp -r "$root/$d" "$tree/corpus/"
	done
	cp "$root"/corpus/*.dict "$root"/corpus/*.options "$tree/corpus/" 2>/dev/null
	if ! (cd "$tree" && patch -s -p1 <"$patch") >"$out/$name.patch.log" 2>&1; then
		notes="patch does not apply (see build/bugs/$name.patch.log)"; row; return
	fi
	if ! make -s -C "$tree" "build/fuzz/$t" build/clang-asan/harness/kfz >"$out/$name.build.log" 2>&1; then
		notes="does not build (see build/bugs/$name.build.log)"; row; return
	fi
	for s in $(seq 1 "$BUG_SEEDS"); do
		run=$tree/run-$s
		mkdir -p "$run/live"
		args=(-seed="$s" -max_total_time="$BUG_TIME" -artifact_prefix="$run/" -max_len=2056
		      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
		[ -f "$tree/corpus/$t.dict" ] && args+=(-dict="$tree/corpus/$t.dict")
		inputs=("$run/live")
		[ "$BUG_CORPUS" = empty ] || inputs+=(corpus/"$t" corpus/regressions)
		start=$(date +%s.%N)
		(cd "$tree" && ASAN_OPTIONS=detect_leaks=0:dedup_token_length=3:symbolize=0 \
			"build/fuzz/$t" "${args[@]}" "${inputs[@]}") \
			>"$out/$name.seed$s.log" 2>&1
		rc=$?
		end=$(date +%s.%N)
		crash=$(ls "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-* 2>/dev/null | head -n1)
		execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$out/$name.seed$s.log" | tail -n1)
		if [ "$rc" -ne 0 ] && [ -n "$crash" ]; then
			found=$((found + 1))
			secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
			times+=("$secs")
			execl+=("${execs:-0}")
			grep -q 'INITED' "$out/$name.seed$s.log" || bystart=$((bystart + 1))
			case $(basename "$crash") in
			crash-*) ;;
			*) kind=${crash##*/}; notes="${notes:+$notes; }seed $s: a libFuzzer ${kind%%-*}" ;;
			esac
			if [ -z "$first" ]; then first=$crash; cp "$crash" "$out/$name.crash"; fi
		else
			times+=("-")
		fi
	done
	[ "$bystart" -gt 0 ] && notes="${notes:+$notes; }a seed input trips it in $bystart/$found runs"
	if [ "$found" -gt 0 ]; then
		med=$(printf '%s\n' "${times[@]}" | grep -v '^-$' | sort -n |
		      awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		medx=$(printf '%s\n' "${execl[@]}" | sort -n |
		       awk '{ v[NR] = $1 } END { printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
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
				  echo "# Replays clean on the real tree; on the patched tree: make replay CRASH=<this file>."
				  cat "$min.txt"; } >"$out/$name.txt"
			else
				notes="${notes:+$notes; }reproducer fails on the real tree too (not kept)"
			fi
		else
			notes="${notes:+$notes; }minimize failed (see build/bugs/$name.minimize.log)"
		fi
	fi
	row
}
export -f one_bug

n=${#patches[@]}
echo "bugs: $n patches, $BUG_SEEDS seeds x ${BUG_TIME}s each from the $BUG_CORPUS corpus, $BUG_JOBS at a time; logs in ${out#$root/}/"
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

# The table (also in $out/table.md, the form README.md shows).
bad=0
{
	echo "| bug | fuzz target | found | median time to first crash | median execs | minimised ops | oracle that fired |"
	echo "|---|---|---:|---:|---:|---:|---|"
	for p in "${patches[@]}"; do
		b=$(basename "$p" .patch)
		IFS='|' read -r name found seeds med times medx ops oracle t notes <"$out/rows/$b" ||
			{ echo "| $b | ? | ? | | | | run failed |"; continue; }
		cell=$([ "$found" -gt 0 ] && echo "$med s" || echo "not found in ${BUG_TIME} s")
		echo "| $name | $t | $found/$seeds | $cell | $medx | $ops | $oracle${notes:+ ($notes)} |"
	done
} >"$out/table.md"
for p in "${patches[@]}"; do
	b=$(basename "$p" .patch)
	f=$(cut -d'|' -f2 "$out/rows/$b" 2>/dev/null)
	[ "${f:-0}" -gt 0 ] || bad=$((bad + 1))
done
echo
column -t -s'|' -o' | ' <(sed '2d' "$out/table.md" | sed -E 's/^\| //; s/ \|$//; s/ \| /|/g') 2>/dev/null || cat "$out/table.md"
echo
echo "per-seed times and logs: ${out#$root/}/; reproducers: corpus/bugs/"
echo "bugs: $((n - bad)) found, $bad not found"
[ "$bad" -eq 0 ]
