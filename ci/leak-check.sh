#!/usr/bin/env bash
# leak-check.sh - a leak of kalloc's own host memory fails the fuzz runs and
# the ASan props run (issue 9 item 6), shown on a deliberate leak.
#
# In a temporary copy of this tree (sources and build/ with their mtimes, so
# only what the change touches is rebuilt) run each leak-checked step on the
# code as it is - it must pass - then delete `slab_exit(m);` from
# machine_destroy() (every struct kmem_cache of every machine leaks, about
# 1 MB per machine) and run it again - it must fail, with LeakSanitizer's
# report:
#   fuzz-smoke  libFuzzer campaigns (-detect_leaks=1, HARNESS_ENV's ASAN_OPTIONS)
#   regress     the kalloc fuzz builds over their corpus (-runs=0)
#   replay      kfz under ASan on one corpus program
#   props-asan  a few property tests (props/lsan.py, PROPS_K to choose)
# Usage: ci/leak-check.sh [step...]; ends with "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(fuzz-smoke regress replay props-asan)
props_k=${PROPS_K:-test_misuse or test_api}
tmp=$(mktemp -d /tmp/kalloc-leak-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The tree as it is now (committed or not), and its build outputs.
(cd "$root" && git ls-files -z -co --exclude-standard | xargs -0 cp -a --parents -t "$tmp") || exit 2
[ -d "$root/build" ] && cp -a "$root/build" "$tmp/"
rm -rf "$tmp/build/fuzz/crashes" "$tmp/build/fuzz/logs" "$tmp/build/fuzz/corpus"

seed=$(ls "$tmp"/corpus/fuzz_slab/*.txt | head -n 1)
seed=${seed%.txt}

run_step() {	# run_step STEP LOG: the step's make run in the copy
	case $1 in
	fuzz-smoke) make -C "$tmp" --no-print-directory fuzz-smoke SMOKE_TIME=2 ;;
	regress) make -C "$tmp" --no-print-directory regress ;;
	replay) make -C "$tmp" --no-print-directory replay CRASH="$seed" TARGET=slab ;;
	props-asan) make -C "$tmp" --no-print-directory props-asan K="$props_k" ;;
	*) echo "leak-check: unknown step $1"; return 2 ;;
	esac >"$2" 2>&1
}

# LeakSanitizer's words in the step's output or in the campaign logs.
saw_leak() {
	grep -q 'ERROR: LeakSanitizer' "$1" && return 0
	[ -d "$tmp/build/fuzz/logs" ] && grep -qs 'ERROR: LeakSanitizer' "$tmp"/build/fuzz/logs/*.log
}

pass=0 fail=0
check() {	# check VERSION WANT: run every step, expect WANT (pass|leak)
	for s in "${steps[@]}"; do
		local log="$tmp/leak-check-$1-$s.log" rc ok=0
		rm -rf "$tmp/build/fuzz/logs" "$tmp"/build/fuzz/*-regress.log
		run_step "$s" "$log"; rc=$?
		if [ "$2" = pass ]; then
			[ $rc -eq 0 ] && ok=1
		else
			[ $rc -ne 0 ] && saw_leak "$log" && ok=1
		fi
		if [ $ok = 1 ]; then
			pass=$((pass + 1))
			echo "leak-check $s on $1 code: ok ($([ "$2" = pass ] && echo passes || echo "fails, LeakSanitizer: $(grep -h -m1 -oE '[0-9]+ byte\(s\) leaked in [0-9]+ allocation\(s\)' "$log" "$tmp"/build/fuzz/logs/*.log "$tmp"/build/fuzz/*-regress.log 2>/dev/null | head -n 1)"))"
		else
			fail=$((fail + 1))
			echo "leak-check $s on $1 code: FAILED (exit $rc, wanted $2)"
			tail -n 30 "$log"
		fi
	done
}

check real pass
sed -i '/^void machine_destroy(/,/^}/{/^\tslab_exit(m);$/d}' "$tmp/alloc/machine.c"
if sed -n '/^void machine_destroy(/,/^}/p' "$tmp/alloc/machine.c" | grep -q 'slab_exit'; then
	echo "leak-check: could not delete slab_exit(m) from machine_destroy()"
	exit 2
fi
check leaking leak
echo "leak-check: $pass passed, $fail failed"
[ $fail -eq 0 ]
