/* fuzz_heap.c - fuzz target for the simulated process: brk, anonymous
 * mappings, demand paging, and the malloc family on top.
 *
 * Oracle (vm_oracle.c; oracle.c for the malloc family): the break moves as
 * asked, refused below its start, into a mapping and past MM_DATA_LIMIT_PAGES
 * of data, an mmap past that limit too; a mapping is page aligned and off
 * every other mapping and the brk area; a write or
 * read outside every mapping is a fault that returns its exact -KERR code,
 * reports once and changes nothing; every read returns the bytes the model
 * wrote there, zeroes elsewhere; RSS equals the model's own count of pages
 * written (a read maps the zero page and adds nothing; a shrinking brk or a
 * munmap takes its pages away); each written page has a frame of its own;
 * malloc blocks obey the neutral heap oracle (alignment, overlap, usable
 * size, contents, calloc zeroing, wrong frees refused); at the end every
 * frame is back.  Ops: OPS.md, target "heap".  Runs on kalloc-proc
 * (target_heap.c): the malloc family on alloc/heap.c and the process ops on
 * the same alloc/mm.c process; the heap owns the break from the program's
 * first allocation on (OPS.md 2.3), and RSS obeys one rule for both
 * (oracle_rss.c rss_bounds: exact while no heap block ever existed).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_HEAP, &alloc_target_kalloc_proc, data, size);
}
