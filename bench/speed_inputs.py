"""speed_inputs.py M DIR N - the fixed inputs of `make fuzz-speed` (bench/speed.sh)
and `make floor-calls` (bench/floor_calls.sh).

M programs from one fixed-seed generator (seed 20261126), each an 8-byte header
and 64 records of 8 bytes, in two sets: DIR/random (the generator's header:
machines of 1024..8192 pages, any profile, slub_debug letters, poison) and
DIR/zero (the same records under the all-zero header: 1024 pages, 1 CPU, the
default profile, no debug).  The first N of each set are also in DIR/cg-random
and DIR/cg-zero, the sets callgrind runs over.
"""
import os
import random
import sys

m, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for sub in ("random", "zero", "cg-random", "cg-zero"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
rng = random.Random(20261126)
for i in range(m):
    recs = bytes(rng.getrandbits(8) for _ in range(64 * 8))
    hdr = bytes(rng.getrandbits(8) for _ in range(8))
    for sub in (["", "cg-"] if i < n else [""]):
        with open(f"{d}/{sub}random/r{i:05d}", "wb") as f:
            f.write(hdr + recs)
        with open(f"{d}/{sub}zero/z{i:05d}", "wb") as f:
            f.write(bytes(8) + recs)
