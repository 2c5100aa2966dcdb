/* adapter_example.c - tinyalloc (examples/tinyalloc.c) as a harness target:
 * the whole of what `make fuzz TARGET=fuzz_malloc ALLOC=example` needs.
 * A user's adapter looks the same and is built with ALLOC_SRC=its/path.c.
 *
 * tinyalloc refuses a double, interior or foreign free with an error and
 * changes nothing, so it declares TCAP_REPORTS_MISUSE and the harness sends
 * it such frees on purpose.  It can say what is in use and where its arena
 * is, so in_use and bounds are filled in: the harness checks both.
 */
#include <stdio.h>
#include "target.h"
#include "tinyalloc.h"

/* One arena per program, 512 GiB of address space (reserved, not
 * committed): the harness may ask for 32 live blocks just under 1 GiB, and
 * tinyalloc reuses a freed block only for its own size class. */
static void *ex_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct tinyalloc *ta = ta_create((size_t)512 << 30);

	(void)hdr;
	if (!ta)
		snprintf(err, errlen, "example: cannot map its arena");
	return ta;
}
static void ex_close(void *a) { ta_destroy(a); }
static void ex_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	void *l, *h;

	ta_bounds(a, &l, &h);
	*lo = (uintptr_t)l;
	*hi = (uintptr_t)h;
}
static long ex_in_use(void *a) { return (long)ta_in_use(a); }
static void *ex_malloc(void *a, size_t n) { return ta_malloc(a, n); }
static void *ex_calloc(void *a, size_t n, size_t s) { return ta_calloc(a, n, s); }
static void *ex_realloc(void *a, void *p, size_t n) { return ta_realloc(a, p, n); }
static void *ex_aligned(void *a, size_t al, size_t n) { return ta_aligned_alloc(a, al, n); }
static int ex_free(void *a, void *p) { return ta_free(a, p); }
static size_t ex_usable(void *a, void *p) { return ta_usable_size(a, p); }

const struct alloc_target ALLOC_TARGET = {
	.name = "example",
	.what = "tinyalloc: size classes over one mmap'd arena (examples/)",
	.caps = TCAP_MALLOC | TCAP_ALIGNED_ALLOC | TCAP_REPORTS_MISUSE,
	.open = ex_open, .close = ex_close, .bounds = ex_bounds, .in_use = ex_in_use,
	.malloc = ex_malloc, .calloc = ex_calloc, .realloc = ex_realloc,
	.aligned_alloc = ex_aligned, .free = ex_free, .usable_size = ex_usable,
};
