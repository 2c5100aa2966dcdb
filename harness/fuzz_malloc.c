/* fuzz_malloc.c - fuzz target for a malloc-family allocator: glibc,
 * jemalloc, mimalloc, tcmalloc, the example, or a user's adapter, chosen
 * when it is built (FUZZ_ALLOC, from `make fuzz ALLOC=`).
 *
 * Oracle: the model's allocator-neutral oracle (oracle.c) over the heap ops
 * malloc, calloc, realloc, aligned_alloc, free, malloc_usable_size plus
 * write_pattern/verify_pattern/check: no block overlaps another live block,
 * every block lies inside bounds() when the target offers it, is aligned as
 * promised (the fundamental alignment, or aligned_alloc's), has
 * usable_size >= its request, keeps its bytes for its whole life, realloc
 * keeps the prefix and calloc gives zeroes; wrong frees (double, interior)
 * are sent only to a target that declares TCAP_REPORTS_MISUSE and must be
 * refused; at teardown in_use() is back where it started.
 * Ops: OPS.md, target "malloc".
 *
 * Feedback: a system library is not instrumented, so libFuzzer's edge
 * coverage would see only the model.  The target is therefore called
 * through a pass-through table that counts what the allocator did - the
 * size class asked for, the slack usable_size gives, the alignment the
 * address has, whether a freed address came back, how far a block landed
 * from the one before, whether realloc moved - into libFuzzer's extra
 * counters, so that inputs reaching a new regime of the allocator (a new
 * bin, the mmap threshold, a reused chunk) are kept.  The example and a
 * user's adapter are instrumented as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

#ifndef FUZZ_ALLOC
#error "build with -DFUZZ_ALLOC='\"glibc\"' (make fuzz TARGET=fuzz_malloc ALLOC=...)"
#endif

/* ---- behaviour counters ---------------------------------------------------- */
enum { K_MALLOC, K_CALLOC, K_REALLOC, K_ALIGNED, NR_KINDS };
#define NR_LOG	48
#define NR_RECENT 64

struct fb_counters {
	uint8_t size[NR_KINDS][NR_LOG];		/* log2 of the request */
	uint8_t slack[NR_KINDS][16];		/* log2(usable - request + 1) */
	uint8_t addr_align[NR_KINDS][24];	/* trailing zero bits of the address */
	uint8_t reuse[NR_KINDS][NR_RECENT / 8];	/* a freed address back, by age */
	uint8_t delta[2][NR_LOG];		/* log2 |p - previous block|, by sign */
	uint8_t null[NR_KINDS][NR_LOG];		/* NULL, by log2 of the request */
	uint8_t moved[2][NR_LOG];		/* realloc moved or not, by log2 of the size */
	uint8_t refused[4];			/* wrong frees refused (TCAP_REPORTS_MISUSE) */
};
__attribute__((section("__libfuzzer_extra_counters"), used))
static struct fb_counters fb;

static const struct alloc_target *real;
static uintptr_t prev, recent[NR_RECENT];
static unsigned int recent_next;

static unsigned int lg(size_t v)
{
	unsigned int l = 0;

	while (v > 1 && l < NR_LOG - 1) {
		v >>= 1;
		l++;
	}
	return l;
}

static void *seen(void *a, void *p, size_t req, int kind)
{
	uintptr_t u = (uintptr_t)p;

	if (!p) {
		fb.null[kind][lg(req)]++;
		return p;
	}
	fb.size[kind][lg(req)]++;
	if (real->usable_size) {
		size_t us = real->usable_size(a, p);

		fb.slack[kind][us >= req ? lg(us - req + 1) % 16 : 15]++;
	}
	fb.addr_align[kind][u ? (unsigned int)__builtin_ctzl(u) % 24 : 23]++;
	for (unsigned int i = 0; i < NR_RECENT; i++)
		if (recent[(recent_next - 1 - i) % NR_RECENT] == u) {
			fb.reuse[kind][i / 8]++;
			break;
		}
	if (prev)
		fb.delta[u < prev][lg(u < prev ? prev - u : u - prev)]++;
	prev = u;
	return p;
}

static void *fb_malloc(void *a, size_t n)
{
	return seen(a, real->malloc(a, n), n, K_MALLOC);
}
static void *fb_calloc(void *a, size_t n, size_t s)
{
	return seen(a, real->calloc(a, n, s), n * s, K_CALLOC);
}
static void *fb_realloc(void *a, void *p, size_t n)
{
	void *q = real->realloc(a, p, n);

	if (q)
		fb.moved[q != p][lg(n)]++;
	return seen(a, q, n, K_REALLOC);
}
static void *fb_aligned(void *a, size_t al, size_t n)
{
	return seen(a, real->aligned_alloc(a, al, n), n, K_ALIGNED);
}
static int fb_free(void *a, void *p)
{
	int rc = real->free(a, p);

	if (rc)
		fb.refused[(unsigned int)-rc % 4]++;
	else
		recent[recent_next++ % NR_RECENT] = (uintptr_t)p;
	return rc;
}

static struct alloc_target counted;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t hdr[8];
	char err[300] = "";
	void *a;

	(void)argc;
	alloc_target_exec_prepare(*argv);
	real = alloc_target_find(FUZZ_ALLOC);
	if (!real || !(real->caps & TCAP_MALLOC)) {
		fprintf(stderr, "fuzz_malloc: %s is %s (choices: %s)\n", FUZZ_ALLOC,
			real ? "not a malloc-family allocator" : "not linked in", alloc_target_names());
		exit(2);
	}
	a = real->open(hdr, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "fuzz_malloc: %s\n", err[0] ? err : "the allocator does not open");
		exit(2);
	}
	real->close(a);
	counted = *real;
	counted.name = FUZZ_ALLOC;	/* as ALLOC= spells it, in every report */
	counted.malloc = fb_malloc;
	counted.calloc = fb_calloc;
	counted.realloc = fb_realloc;
	counted.aligned_alloc = real->aligned_alloc ? fb_aligned : NULL;
	counted.free = fb_free;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prev = 0;
	memset(recent, 0, sizeof(recent));
	return harness_fuzz_one(TARGET_MALLOC, &counted, data, size);
}
