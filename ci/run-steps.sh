#!/usr/bin/env bash
# run-steps.sh STEP... - run each make target, keep going after a failure,
# and end with the total of every step's "N passed, N failed" (pytest's
# summary counts too).  Exits non-zero if any step failed.
set -uo pipefail

total_pass=0 total_fail=0 total_skip=0 bad_steps=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for step in "$@"; do
	echo "=== $step"
	make --no-print-directory "$step" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# The step's own summary: the last line that counts passed tests.
	line=$(grep -E '[0-9]+ passed' "$log" | tail -n 1 || true)
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		f=1	# a step that failed without counting it is one failure
	fi
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0}))
	total_skip=$((total_skip + ${s:-0}))
	[ "$rc" -ne 0 ] && bad_steps+=("$step")
	echo "=== $step: exit $rc"
done

echo
[ ${#bad_steps[@]} -gt 0 ] && echo "failed steps: ${bad_steps[*]}"
echo "TOTAL: $total_pass passed, $total_fail failed, $total_skip skipped"
[ ${#bad_steps[@]} -eq 0 ]
