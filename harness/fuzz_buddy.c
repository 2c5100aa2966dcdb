/* fuzz_buddy.c - fuzz target for the buddy page allocator.
 *
 * Oracle: every page block is inside memory, in the zone asked for, aligned
 * to its order and disjoint from every other live block; alloc_pages fails
 * only under injected failures or when no free block of that order exists in
 * an allowed zone, and then changes nothing; page counters equal the model's;
 * wrong frees (double, wrong order, interior, wrong owner, foreign) return
 * their exact -KERR code and change nothing; contents survive; machine_check
 * passes; freeing everything and draining the per-CPU lists restores the
 * boot-time free lists (every merge happened).  Ops: OPS.md, target "buddy".
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_BUDDY, NULL, data, size);
}
