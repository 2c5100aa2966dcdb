/* fuzz_vmalloc.c - fuzz target for vmalloc: areas over scattered frames.
 *
 * Oracle (vm_oracle.c, with kalloc_oracle.c's conformance checks): every
 * area is page aligned, in the VMALLOC range, and never on another area or
 * on its guard page - the page after each area has no frame, and
 * touch_guard's access to it is refused as a fault, never silence; vzalloc
 * memory reads as zero; a byte written through each page's vmalloc address
 * reads back through its frame's direct-map address (aliasing); no frame is
 * held twice (by two pages of areas, or by an area and a direct-map block);
 * kvmalloc gives kmalloc for a page or less; /proc/vmallocinfo has one line
 * per area, its size counting the guard page; vfree of a foreign address,
 * twice, or inside an area returns its exact -KERR code with one report
 * and changes nothing; the vmalloc owner's pages equal the model's; at the
 * end every frame is back.  Ops: OPS.md, target "vmalloc".
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_VMALLOC, NULL, data, size);
}
