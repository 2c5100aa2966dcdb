/* fuzz_mixed.c - fuzz target over every layer at once.
 *
 * Oracle: the union of fuzz_buddy, fuzz_slab and fuzz_kmalloc's oracles on
 * one machine, where the layers compete for the same pages: no block of any
 * layer overlaps a block of any other, the per-layer page counters add up to
 * the machine's frames, /proc/slabinfo and /proc/buddyinfo are produced
 * consistently, and the final teardown restores the boot-time free lists.
 * Ops: OPS.md, target "mixed" (every defined op).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_MIXED, NULL, data, size);
}
