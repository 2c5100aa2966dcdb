/* test_targets.c - the malloc-family adapters (targets_malloc.c, examples/)
 * against the C library's contract, and the contract check against
 * adapters broken on purpose.
 *
 * contract() runs one seeded workload on a target: a few hundred live
 * blocks from malloc, calloc and aligned_alloc, then realloc of half of
 * them, and checks alignment, usable_size >= request, calloc's zeroes, no
 * two blocks overlapping, every block inside bounds(), every block's bytes
 * intact, realloc keeping the prefix, in_use back to its opening value, and
 * (TCAP_REPORTS_MISUSE only) wrong frees refused without harm.  It returns
 * the first failed rule; each broken adapter below must fail exactly its
 * rule, and every real one none.  Ends with "N passed, N failed" (make
 * test-targets).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target.h"

enum rule { R_OK, R_OPEN, R_NULL, R_ALIGN, R_USABLE, R_CALLOC, R_OVERLAP, R_BOUNDS, R_CONTENT,
	    R_REALLOC, R_IN_USE, R_MISUSE, NR_RULES };
static const char *const rule_name[NR_RULES] = {
	"ok", "open", "unexpected NULL", "alignment", "usable_size < request", "calloc not zero",
	"overlap", "outside bounds", "contents changed", "realloc lost the prefix",
	"in_use not back to its opening value", "misuse not refused",
};

#define NBLOCKS 300

struct blk {
	uint8_t *p;
	size_t req, align;
	uint8_t seed;
};

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t rnd_size(void)
{
	static const size_t lim[] = { 24, 64, 1024, 70000, 300000 };

	return 1 + rnd() % lim[rnd() % 5];
}

/* The alignment C promises a malloc of @n bytes: any fundamental type that fits. */
static size_t fundamental(size_t n)
{
	size_t a = 16;

	while (a > 1 && a > n)
		a >>= 1;
	return a;
}

static uint8_t pat(const struct blk *b, size_t k)
{
	return (uint8_t)(1 + (b->seed + k * 7) % 255);	/* never 0: a zeroed block differs */
}

/* Block memory, through the target's access hooks when it has them
 * (kalloc-heap: a simulated process), a chunk at a time. */
#define CHUNK 4096
static void mem_put(const struct alloc_target *t, void *a, uint8_t *p, const uint8_t *src, size_t n)
{
	if (t->mem_write)
		t->mem_write(a, p, src, n);
	else
		memcpy(p, src, n);
}
static void mem_get(const struct alloc_target *t, void *a, uint8_t *dst, const uint8_t *p, size_t n)
{
	if (t->mem_read)
		t->mem_read(a, p, dst, n);
	else
		memcpy(dst, p, n);
}

static void fill(const struct alloc_target *t, void *a, struct blk *b)
{
	uint8_t buf[CHUNK];

	for (size_t off = 0; off < b->req; off += CHUNK) {
		size_t n = b->req - off < CHUNK ? b->req - off : CHUNK;

		for (size_t k = 0; k < n; k++)
			buf[k] = pat(b, off + k);
		mem_put(t, a, b->p + off, buf, n);
	}
}

/* The first of the first @n bytes of @b that is not the pattern of @like
 * (NULL: zero), or (size_t)-1. */
static size_t differs(const struct alloc_target *t, void *a, const struct blk *b, const struct blk *like,
		      size_t n)
{
	uint8_t buf[CHUNK];

	for (size_t off = 0; off < n; off += CHUNK) {
		size_t m = n - off < CHUNK ? n - off : CHUNK;

		mem_get(t, a, buf, b->p + off, m);
		for (size_t k = 0; k < m; k++)
			if (buf[k] != (like ? pat(like, off + k) : 0))
				return off + k;
	}
	return (size_t)-1;
}

static size_t extent(const struct alloc_target *t, void *a, const struct blk *b)
{
	size_t u = t->usable_size ? t->usable_size(a, b->p) : 0;

	return u > b->req ? u : b->req;
}

static int cmp_blk(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t)((const struct blk *)x)->p, b = (uintptr_t)((const struct blk *)y)->p;

	return a < b ? -1 : a > b;
}

/* Rules that hold for one block right after it was handed out. */
static enum rule check_new(const struct alloc_target *t, void *a, struct blk *b, int zero,
			   char *why, size_t len)
{
	uintptr_t lo, hi;

	if (!b->p) {
		snprintf(why, len, "%zu bytes (align %zu)", b->req, b->align);
		return R_NULL;
	}
	if ((uintptr_t)b->p % b->align) {
		snprintf(why, len, "%p for %zu bytes, promised align %zu", (void *)b->p, b->req, b->align);
		return R_ALIGN;
	}
	if (t->usable_size && t->usable_size(a, b->p) < b->req) {
		snprintf(why, len, "usable_size %zu for %zu bytes", t->usable_size(a, b->p), b->req);
		return R_USABLE;
	}
	if (zero) {
		size_t k = differs(t, a, b, NULL, b->req);

		if (k != (size_t)-1) {
			snprintf(why, len, "byte %zu of %zu is not 0", k, b->req);
			return R_CALLOC;
		}
	}
	if (t->bounds) {
		t->bounds(a, &lo, &hi);
		if ((uintptr_t)b->p < lo || (uintptr_t)b->p > hi || hi - (uintptr_t)b->p < b->req) {
			snprintf(why, len, "%p+%zu outside [%#lx, %#lx)", (void *)b->p, b->req,
				 (unsigned long)lo, (unsigned long)hi);
			return R_BOUNDS;
		}
	}
	return R_OK;
}

/* No two blocks overlap (by their usable extent), every byte is as written. */
static enum rule check_all(const struct alloc_target *t, void *a, struct blk *bs, int n,
			   char *why, size_t len)
{
	static struct blk s[NBLOCKS];

	memcpy(s, bs, sizeof(*bs) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_blk);
	for (int i = 0; i + 1 < n; i++)
		if ((uintptr_t)s[i].p + extent(t, a, &s[i]) > (uintptr_t)s[i + 1].p) {
			snprintf(why, len, "%p+%zu and %p", (void *)s[i].p, extent(t, a, &s[i]),
				 (void *)s[i + 1].p);
			return R_OVERLAP;
		}
	for (int i = 0; i < n; i++) {
		size_t k = differs(t, a, &bs[i], &bs[i], bs[i].req);

		if (k != (size_t)-1) {
			snprintf(why, len, "block %d byte %zu of %zu", i, k, bs[i].req);
			return R_CONTENT;
		}
	}
	return R_OK;
}

/* Wrong frees must be refused and change nothing; the block they aim at
 * is then freed for real, and freeing it again is a double free. */
static enum rule check_misuse(const struct alloc_target *t, void *a, struct blk *bs, int *n,
			      char *why, size_t len)
{
	struct blk *b = &bs[*n - 1];
	long u0 = t->in_use ? t->in_use(a) : -1, u1, u2;
	int local, r1, r2, r3, r4;

	r1 = t->free(a, &local);			/* foreign */
	r2 = b->req > 16 ? t->free(a, b->p + 16) : -1;	/* interior */
	u1 = t->in_use ? t->in_use(a) : -1;
	r3 = t->free(a, b->p);				/* the real one: fine */
	u2 = t->in_use ? t->in_use(a) : -1;
	r4 = t->free(a, b->p);				/* double */
	--*n;
	if (r1 >= 0 || r2 >= 0 || r3 != 0 || r4 >= 0 || u1 != u0 ||
	    (t->in_use && t->in_use(a) != u2)) {
		snprintf(why, len, "foreign %d, interior %d, free %d, double %d; in_use %ld %ld %ld %ld",
			 r1, r2, r3, r4, u0, u1, u2, t->in_use ? t->in_use(a) : -1);
		return R_MISUSE;
	}
	return check_all(t, a, bs, *n, why, len);
}

static enum rule contract(const struct alloc_target *t, uint64_t seed, char *why, size_t len)
{
	static const uint8_t hdr[8];
	static struct blk bs[NBLOCKS];
	enum rule r = R_OK;
	long u0;
	int n = 0;
	void *a;

	rng = seed | 1;
	why[0] = 0;
	a = t->open(hdr, why, len);
	if (!a)
		return R_OPEN;
	u0 = t->in_use ? t->in_use(a) : -1;
	for (; n < NBLOCKS && !r; n++) {
		struct blk *b = &bs[n];
		int kind = (int)(rnd() % 4), zero = 0;

		b->req = rnd_size();
		b->seed = (uint8_t)rnd();
		b->align = fundamental(b->req);
		if (kind == 1) {
			size_t cnt = 1 + rnd() % 8;

			b->req = (b->req + cnt - 1) / cnt * cnt;
			b->align = fundamental(b->req);
			b->p = t->calloc(a, cnt, b->req / cnt);
			zero = 1;
		} else if (kind == 2 && (t->caps & TCAP_ALIGNED_ALLOC)) {
			size_t al = (size_t)1 << (rnd() % 13);

			b->align = al > b->align ? al : b->align;
			b->p = t->aligned_alloc(a, al, b->req);
		} else {
			b->p = t->malloc(a, b->req);
		}
		r = check_new(t, a, b, zero, why, len);
		if (!r)
			fill(t, a, b);
	}
	if (r) {
		n--;	/* the last one failed: not live */
		goto out;
	}
	if ((r = check_all(t, a, bs, n, why, len)))
		goto out;
	for (int i = 0; i < n && !r; i += 2) {
		struct blk old = bs[i], *b = &bs[i];
		uint8_t *q;

		b->req = rnd_size();
		b->align = fundamental(b->req);
		q = t->realloc(a, old.p, b->req);
		if (!q) {
			snprintf(why, len, "realloc to %zu bytes", b->req);
			r = R_NULL;
			*b = old;
			break;
		}
		b->p = q;
		{
			size_t k = differs(t, a, b, &old, old.req < b->req ? old.req : b->req);

			if (k != (size_t)-1) {
				snprintf(why, len, "byte %zu of %zu kept, from %zu to %zu bytes", k,
					 old.req < b->req ? old.req : b->req, old.req, b->req);
				r = R_REALLOC;
			}
		}
		if (!r)
			r = check_new(t, a, b, 0, why, len);
		fill(t, a, b);
	}
	if (!r)
		r = check_all(t, a, bs, n, why, len);
	if (!r && (t->caps & TCAP_REPORTS_MISUSE))
		r = check_misuse(t, a, bs, &n, why, len);
out:
	while (n > 0)
		t->free(a, bs[--n].p);
	if (!r && t->in_use && t->in_use(a) != u0) {
		snprintf(why, len, "%ld at open, %ld after freeing everything", u0, t->in_use(a));
		r = R_IN_USE;
	}
	t->close(a);
	return r;
}

/* ---- adapters broken on purpose, each around the example -------------- */
extern const struct alloc_target alloc_target_example;
static const struct alloc_target *ex = &alloc_target_example;
static unsigned long calls;
static void *last;

static size_t half_usable(void *a, void *p)
{
	return ex->usable_size(a, p) / 2;
}
static void *ignore_align(void *a, size_t al, size_t n)
{
	(void)al;
	return ex->malloc(a, n);
}
static void *overlapping_malloc(void *a, size_t n)
{
	/* Every 50th request gets the block before again, when it is big enough. */
	if (++calls % 50 == 0 && last && ex->usable_size(a, last) >= n)
		return last;
	return last = ex->malloc(a, n);
}
static void *dirty_calloc(void *a, size_t n, size_t s)
{
	uint8_t *p = ex->malloc(a, n * s);

	if (p && n * s > 0)
		p[n * s - 1] = 0x5a;	/* the example's blocks are plain memory */
	return p;
}
static void *forgetful_realloc(void *a, void *p, size_t n)
{
	void *q = ex->malloc(a, n);

	if (q)
		ex->free(a, p);
	return q;
}
static int leaky_free(void *a, void *p)
{
	return ++calls % 10 ? ex->free(a, p) : 0;
}
static int lying_free(void *a, void *p)
{
	ex->free(a, p);
	return 0;
}
static void narrow_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	ex->bounds(a, lo, hi);
	*hi = *lo + 4096;
}

static int pass, fail;

static void expect(const char *name, const struct alloc_target *t, enum rule want)
{
	char why[300];
	enum rule got = contract(t, 0x9e3779b97f4a7c15ull, why, sizeof(why));

	if (got == want) {
		pass++;
		printf("ok   %-28s %s%s%s%s\n", name, rule_name[got], why[0] ? " (" : "", why, why[0] ? ")" : "");
	} else {
		fail++;
		printf("FAIL %-28s expected %s, got %s: %s\n", name, rule_name[want], rule_name[got], why);
	}
}

static void test_table(void)
{
	static const char *const want[] = { "glibc", "jemalloc", "mimalloc", "tcmalloc", "example" };
	int ok = !alloc_target_find("nope") && !alloc_target_find(NULL);

	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct alloc_target *t = alloc_target_find(want[i]);

		ok &= t && !strcmp(t->name, want[i]) && strstr(alloc_target_names(), want[i]) &&
		      (t->caps & (TCAP_MALLOC | TCAP_ALIGNED_ALLOC)) == (TCAP_MALLOC | TCAP_ALIGNED_ALLOC) &&
		      !(t->caps & TCAP_REPORTS_MISUSE) == !!strcmp(want[i], "example");
	}
	printf("%s table: find(), names() \"%s\"\n", ok ? "ok  " : "FAIL", alloc_target_names());
	ok ? pass++ : fail++;
}

/* The system mallocs refuse [16 MiB, 128 TiB) themselves (targets_malloc.c)
 * and pass everything else on: just below the range succeeds, beyond it the
 * library says NULL, and an overflowing calloc is the library's to refuse. */
static void test_too_big(const char *name)
{
	static const uint8_t hdr[8];
	const struct alloc_target *t = alloc_target_find(name);
	char err[300];
	void *a = t ? t->open(hdr, err, sizeof(err)) : NULL, *below = NULL;
	int ok = a != NULL;

	if (a) {
		below = t->malloc(a, ((size_t)1 << HEAP_LARGE_LOG2) - 4096);
		ok = below && !t->malloc(a, (size_t)1 << HEAP_LARGE_LOG2) &&
		     !t->calloc(a, (size_t)1 << (HEAP_LARGE_LOG2 - 10), 1024) &&
		     !t->realloc(a, below, (size_t)3 << 30) && !t->aligned_alloc(a, 64, (size_t)1 << 40) &&
		     !t->malloc(a, (size_t)1 << 47) && !t->calloc(a, SIZE_MAX / 2, 4);
		t->free(a, below);
		t->close(a);
	}
	printf("%s %-28s 16 MiB - 4 KiB served; 16 MiB, 3 GiB realloc, 1 TiB, 2^47, overflow refused\n",
	       ok ? "ok  " : "FAIL", name);
	ok ? pass++ : fail++;
}

int main(int argc, char **argv)
{
	static const char *const real[] = { "glibc", "jemalloc", "mimalloc", "tcmalloc", "example", "user",
					    "kalloc-heap" };
	struct alloc_target b;

	(void)argc;
	alloc_target_exec_prepare(argv);
	test_table();
	for (unsigned int i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		if (alloc_target_find(real[i]))
			expect(real[i], alloc_target_find(real[i]), R_OK);
	for (unsigned int i = 0; i < 4; i++)
		test_too_big(real[i]);

#define BROKEN(field, fn, want) do {					\
	b = *ex; b.field = fn; calls = 0; last = NULL;			\
	expect("broken: " #fn, &b, want);				\
} while (0)
	BROKEN(usable_size, half_usable, R_USABLE);
	BROKEN(aligned_alloc, ignore_align, R_ALIGN);
	BROKEN(malloc, overlapping_malloc, R_OVERLAP);
	BROKEN(calloc, dirty_calloc, R_CALLOC);
	BROKEN(realloc, forgetful_realloc, R_REALLOC);
	BROKEN(free, leaky_free, R_IN_USE);
	BROKEN(free, lying_free, R_MISUSE);
	BROKEN(bounds, narrow_bounds, R_BOUNDS);
	printf("test-targets: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
