/* test_hang_adapter.c - a malloc that never returns for one size, so that
 * harness/test_campaign.sh can show every replay (kfz run, kfz regress, kfz
 * shrink, the replay mains) reporting a hang as a hang (exit 4) instead of
 * waiting on it.  Everything else is tinyalloc (examples/), as the shipped
 * example adapter has it.  Built only by that test (ALLOC=user).
 */
#include <stdio.h>
#include "target.h"
#include "tinyalloc.h"

#define HANG_SIZE 777	/* malloc(777) loops forever */

static void *hang_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct tinyalloc *ta = ta_create((size_t)1 << 30);

	(void)hdr;
	if (!ta)
		snprintf(err, errlen, "hang-test: cannot map its arena");
	return ta;
}
static void hang_close(void *a) { ta_destroy(a); }
static void *hang_malloc(void *a, size_t n)
{
	volatile unsigned long spin = 0;

	while (n == HANG_SIZE)
		spin++;
	return ta_malloc(a, n);
}
static void *hang_calloc(void *a, size_t n, size_t s) { return ta_calloc(a, n, s); }
static void *hang_realloc(void *a, void *p, size_t n) { return ta_realloc(a, p, n); }
static int hang_free(void *a, void *p) { return ta_free(a, p); }
static size_t hang_usable(void *a, void *p) { return ta_usable_size(a, p); }

const struct alloc_target ALLOC_TARGET = {
	.name = "hang-test",
	.what = "tinyalloc whose malloc(777) never returns (harness/test_campaign.sh)",
	.caps = TCAP_MALLOC,
	.open = hang_open, .close = hang_close,
	.malloc = hang_malloc, .calloc = hang_calloc, .realloc = hang_realloc,
	.free = hang_free, .usable_size = hang_usable,
};
