/* fuzz_slab.c - fuzz target for SLUB-style object caches.
 *
 * Oracle: every object belongs to the cache it came from (virt_to_cache),
 * is aligned as SLUB's calculate_alignment promises, lies in ZONE_DMA for a
 * SLAB_CACHE_DMA cache, and overlaps no live object; active_objs equals the
 * model's count after every op touching the cache; shrink leaves no empty
 * slab and returns the pages it freed; destroy is refused exactly while
 * objects live; __GFP_ZERO objects read as zero; wrong-cache, interior and
 * double frees return their exact -KERR code and change nothing; an injected
 * page failure leaves no trace; machine_check passes; destroying every cache
 * returns every page; and the model's own SLUB (slub_model.c) says which
 * caches are refused, what geometry each has, which object every allocation
 * hands out, and how many slabs, pages and partial slabs each cache holds
 * after every op.  Ops: OPS.md, target "slab".
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_SLAB, data, size);
}
