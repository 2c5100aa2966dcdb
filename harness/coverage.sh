#!/usr/bin/env bash
# coverage.sh html|floor - clang source-based coverage of alloc/ and harness/.
#
#   html   the unit tests, every fuzz target's replay main over its committed
#          corpus, the regressions and the live corpus (build/fuzz/corpus/),
#          and the property tests (props/, through build/cov/libkalloc.so;
#          COV_PROPS=0 leaves them out): one llvm-cov HTML report of alloc/
#          and harness/ in build/coverage-html/index.html, and the text table.
#   floor  the unit tests and the corpus replays only (seconds, no props, no
#          live corpus: the same on every clone); fails if alloc/'s line or
#          branch coverage is below COV_FLOOR_LINES / COV_FLOOR_BRANCHES.
# Every program runs in its own process with its own profile (%p), so one
# that crashes costs only its own counts.
set -uo pipefail
mode=${1:-html}
cov=build/cov prof=build/cov/prof
profdata=${LLVM_PROFDATA:-llvm-profdata-14} llvmcov=${LLVM_COV:-llvm-cov-14}
rm -rf "$prof" && mkdir -p "$prof"
objs=("$cov/unit")

(cd tests && LLVM_PROFILE_FILE="../$prof/unit-%p.profraw" ../$cov/unit >/dev/null 2>&1) ||
	{ echo "coverage: the unit tests fail under the coverage build"; exit 1; }
for r in $REPLAYS; do
	t=$(basename "$r"); t=${t%-replay}; base=${t%%-*}
	dirs=("corpus/$base" corpus/regressions)
	[ "$mode" = html ] && [ -d "build/fuzz/corpus/$t" ] && dirs+=("build/fuzz/corpus/$t")
	for d in "${dirs[@]}"; do
		[ -d "$d" ] || continue
		LLVM_PROFILE_FILE="$prof/$t-%p.profraw" "$r" "$d" >/dev/null 2>&1 ||
			echo "coverage: $t-replay fails on $d (its counts are lost)"
	done
	objs+=("-object" "$r")
done
if [ "$mode" = html ] && [ "${COV_PROPS:-1}" != 0 ]; then
	echo "coverage: property tests on build/cov/libkalloc.so (COV_PROPS=0 skips them)"
	KALLOC_LIB=$PWD/$cov/libkalloc.so LLVM_PROFILE_FILE="$PWD/$prof/props-%p.profraw" \
		${PY:-/usr/bin/python3} -m pytest -p no:cacheprovider -q props -x ${PROPS_ARGS:-} 2>&1 | tail -n 2
	objs+=("-object" "$cov/libkalloc.so")
fi
"$profdata" merge -sparse "$prof"/*.profraw -o "$cov/all.profdata" || exit 1
srcs=(alloc/*.c)
[ "$mode" = html ] && srcs+=(harness/*.c)
"$llvmcov" report "${objs[@]}" -instr-profile="$cov/all.profdata" "${srcs[@]}" >"$cov/report.txt" || exit 1
if [ "$mode" = html ]; then
	rm -rf build/coverage-html
	"$llvmcov" show "${objs[@]}" -instr-profile="$cov/all.profdata" -format=html -show-branches=count \
		-output-dir=build/coverage-html "${srcs[@]}" || exit 1
	cat "$cov/report.txt"
	echo "coverage: build/coverage-html/index.html"
fi
# alloc/ alone: the TOTAL row of a report of alloc/*.c.
"$llvmcov" report "${objs[@]}" -instr-profile="$cov/all.profdata" alloc/*.c >"$cov/alloc.txt" || exit 1
total=$(grep '^TOTAL' "$cov/alloc.txt")
# TOTAL regions missed cover% functions missed exec% lines missed cover% branches missed cover%
lines=$(awk '{print $10}' <<<"$total" | tr -d %)
branches=$(awk '{print $13}' <<<"$total" | tr -d %)
echo "coverage of alloc/: lines $lines%, branches $branches% (floor: lines ${COV_FLOOR_LINES}%, branches ${COV_FLOOR_BRANCHES}%)"
if [ "$mode" = floor ]; then
	awk -v l="$lines" -v b="$branches" -v fl="$COV_FLOOR_LINES" -v fb="$COV_FLOOR_BRANCHES" \
		'BEGIN { exit !(l + 0 >= fl + 0 && b + 0 >= fb + 0) }' &&
		{ echo "coverage-floor: 1 passed, 0 failed"; exit 0; }
	echo "coverage-floor: below the floor (raise coverage, or lower COV_FLOOR_* in harness/harness.mk with a reason)"
	echo "coverage-floor: 0 passed, 1 failed"
	exit 1
fi
