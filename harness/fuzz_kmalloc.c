/* fuzz_kmalloc.c - fuzz target for kmalloc's size classes.
 *
 * Oracle: each kmalloc is served by the smallest class of the machine's
 * profile that fits (the model computes the class and its cache name) or by
 * pages above the largest class, and ksize() says exactly that; power-of-two
 * requests are naturally aligned; kzalloc memory reads as zero; krealloc
 * stays in place while the size fits ksize and otherwise moves keeping the
 * contents; kmalloc_array overflow and oversize requests return NULL with the
 * right report; large-kmalloc counters equal the model's; wrong frees return
 * their exact -KERR code and change nothing; each class cache holds the
 * slabs and hands out the objects the model's own SLUB says (slub_model.c);
 * at the end every page comes back.  Ops: OPS.md, target "kmalloc".
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return harness_fuzz_one(TARGET_KMALLOC, data, size);
}
