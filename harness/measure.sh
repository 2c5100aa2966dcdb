#!/usr/bin/env bash
# measure.sh [N [TARGET...]] - exec/s of every fuzz target on 64-op inputs (ASan+UBSan).
#
# N inputs of 8 + 64*8 bytes from a fixed-seed generator, replayed once each
# by the libFuzzer binary (-runs=0), one core; exec/s per CPU second.  Two sets: random headers
# (machines of 1024..8192 pages, any profile, poison half the time) and the
# all-zero header (1024 pages, 1 CPU, default profile).  Random records are
# heavier than what a campaign mostly runs (a quarter of all sizes are large
# kmallocs, half of all GFP bytes carry __GFP_ZERO), so this is a floor.
set -euo pipefail
n=${1:-1000}
shift || true
# The targets: make fuzz-speed passes the op-program targets of harness.mk's one list.
targets=${*:-fuzz_buddy fuzz_slab fuzz_kmalloc fuzz_mixed}
out=${FUZZ_BUILD:-build/fuzz}
dir=$out/measure
rm -rf "$dir" && mkdir -p "$dir/random" "$dir/zero"
/usr/bin/python3 - "$n" "$dir" <<'PY'
import random, sys
n, d = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261126)
for i in range(n):
    recs = bytes(rng.getrandbits(8) for _ in range(64 * 8))
    hdr = bytes(rng.getrandbits(8) for _ in range(8))
    open(f"{d}/random/r{i:05d}", "wb").write(hdr + recs)
    open(f"{d}/zero/z{i:05d}", "wb").write(bytes(8) + recs)
PY
printf '%-14s %16s %16s\n' target "random header" "zero header"
for t in $targets; do
	row=$t
	for set in random zero; do
		# CPU time (user + sys) of one process: other load on the machine
		# does not count against the target.
		/usr/bin/time -o "$dir/time" -f '%U %S' taskset -c 0 "$out/$t" -runs=0 "$dir/$set" >/dev/null 2>&1 ||
			{ echo "$t crashed on $dir/$set"; exit 1; }
		cpu=$(tail -n1 "$dir/time")
		row="$row $(awk -v n="$n" -v c="$cpu" 'BEGIN { split(c, t, " "); printf "%d", n / (t[1] + t[2]) }')"
	done
	printf '%-14s %16s %16s\n' $row
done
