/* test_heap.c - malloc on brk (alloc/heap.c): glibc's visible policy (16-byte
 * alignment, 135,168 bytes of brk for a first small malloc, 128 KiB mmap and
 * trim thresholds), coalescing and reuse, calloc's zeroes, realloc in place
 * and moving, aligned_alloc, bad frees reported and survived, RSS stepping
 * by exactly one page at each first write and never at a read, a seeded
 * workload under heap_check; and every INV_HEAP_* code fired by a
 * corruption of exactly one thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

#define EXPECT_HEAP_HEALTHY(h) do {					\
	struct kalloc_check _c;						\
	if (heap_check((h), &_c))					\
		kunit_fail(test, __FILE__, __LINE__, "heap_check: %s", _c.msg); \
	if (mm_check((h)->mm, &_c))					\
		kunit_fail(test, __FILE__, __LINE__, "mm_check: %s", _c.msg); \
} while (0)

struct proc {
	struct machine *m;
	struct mm_struct *mm;
	struct heap *h;
};

static int proc_open(struct proc *p, unsigned long pages)
{
	struct mm_config cfg = { .span = 256UL << 20 };

	p->m = test_machine(pages, 0, 1);
	p->mm = p->m ? mm_create(p->m, &cfg) : NULL;
	p->h = p->mm ? heap_create(p->mm, NULL) : NULL;
	return p->h ? 0 : -1;
}

static void proc_close(struct proc *p)
{
	heap_destroy(p->h);
	mm_destroy(p->mm);
	machine_destroy(p->m);
}

static unsigned long rss(struct proc *p)
{
	struct mm_stats st;

	mm_stats(p->mm, &st);
	return st.rss;
}

TEST(heap_first_malloc_grows_brk_by_glibcs_135168_bytes)
{
	struct proc p;
	unsigned long start;
	void *a, *b, *c;

	ASSERT(!proc_open(&p, 4096));
	start = mm_get_brk(p.mm);
	a = heap_malloc(p.h, 10);
	ASSERT(a);
	EXPECT_EQ(mm_get_brk(p.mm) - start, 135168);	/* FACTS.md, measured with glibc */
	EXPECT_EQ((unsigned long)a, start + 16);
	EXPECT_EQ(heap_malloc_usable_size(p.h, a), 24);
	b = heap_malloc(p.h, 24);
	c = heap_malloc(p.h, 25);
	EXPECT_EQ((unsigned long)b, (unsigned long)a + 32);
	EXPECT_EQ(heap_malloc_usable_size(p.h, b), 24);
	EXPECT_EQ(heap_malloc_usable_size(p.h, c), 40);
	EXPECT_EQ((unsigned long)c % 16, 0);
	/* The headers of a, b, c and the top are all in the heap's first page. */
	EXPECT_EQ(rss(&p), 1);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_large_requests_get_their_own_mapping)
{
	struct proc p;
	struct heap_stats hs;
	struct mm_stats st;
	unsigned long brk0;
	void *small, *big, *edge;

	ASSERT(!proc_open(&p, 4096));
	small = heap_malloc(p.h, 128 * 1024 - 24);	/* chunk 128 KiB - 16: the heap */
	ASSERT(small);
	EXPECT_EQ((unsigned long)small - mm_start_brk(p.mm), 16);
	brk0 = mm_get_brk(p.mm);
	big = heap_malloc(p.h, 128 * 1024);
	edge = heap_malloc(p.h, 128 * 1024 - 8);	/* chunk exactly 128 KiB: mmapped */
	ASSERT(big && edge);
	EXPECT_EQ(mm_get_brk(p.mm), brk0);
	EXPECT_EQ((unsigned long)big % PAGE_SIZE, 16);
	EXPECT_EQ(heap_malloc_usable_size(p.h, big), 135168 - 16);
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.hblks, 2);
	EXPECT_EQ(hs.hblkhd, 135168 + 135168);	/* ALIGN(chunk + 8, 4096) each */
	mm_stats(p.mm, &st);
	EXPECT_EQ(st.nr_vmas, 2);		/* the heap and the two merged mappings */
	EXPECT_EQ(st.rss, 1 + 1 + 1 + 1);	/* heap header, top header, two mmap headers */
	EXPECT_EQ(heap_free(p.h, big), 0);
	EXPECT_EQ(heap_free(p.h, edge), 0);
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.hblks, 0);
	mm_stats(p.mm, &st);
	EXPECT_EQ(st.nr_vmas, 1);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_top_is_trimmed_keeping_the_pad)
{
	struct proc p;
	struct heap_stats hs;
	void *blk[8];
	unsigned long brk0;

	ASSERT(!proc_open(&p, 8192));
	brk0 = mm_start_brk(p.mm);
	for (int i = 0; i < 8; i++) {
		blk[i] = heap_malloc(p.h, 100000);
		ASSERT(blk[i]);
		ASSERT_EQ(mm_memset(p.mm, (unsigned long)blk[i], 0x5a, 100000), 0);
	}
	EXPECT(mm_get_brk(p.mm) - brk0 > 800000);
	EXPECT(rss(&p) > 195);
	for (int i = 7; i >= 0; i--)
		EXPECT_EQ(heap_free(p.h, blk[i]), 0);
	heap_stats(p.h, &hs);
	EXPECT(hs.trims > 0);
	/* All free: the top keeps the 128 KiB pad and no more. */
	EXPECT(hs.keepcost >= HEAP_TOP_PAD && hs.keepcost < HEAP_TOP_PAD + HEAP_MINSIZE + PAGE_SIZE);
	EXPECT_EQ(mm_get_brk(p.mm) - brk0, hs.keepcost);
	EXPECT(rss(&p) <= 33);			/* what the pad still holds */
	EXPECT_EQ(hs.uordblks, 0);
	EXPECT_EQ(hs.ordblks, 0);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_free_coalesces_and_reuses)
{
	struct proc p;
	struct heap_stats hs;
	void *a, *b, *c, *d, *e;

	ASSERT(!proc_open(&p, 4096));
	a = heap_malloc(p.h, 100);
	b = heap_malloc(p.h, 200);
	c = heap_malloc(p.h, 300);
	d = heap_malloc(p.h, 400);
	ASSERT(a && b && c && d);
	EXPECT_EQ(heap_free(p.h, b), 0);
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 1);
	e = heap_malloc(p.h, 200);
	EXPECT_EQ(e, b);			/* the hole fits exactly */
	EXPECT_EQ(heap_free(p.h, e), 0);
	EXPECT_EQ(heap_free(p.h, c), 0);	/* merges with b's chunk */
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 1);
	EXPECT_EQ(heap_free(p.h, a), 0);	/* and with a's */
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 1);
	e = heap_malloc(p.h, 500);
	EXPECT_EQ(e, a);			/* best fit in the merged hole */
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 1);		/* the hole's 128-byte tail */
	EXPECT_EQ(heap_free(p.h, d), 0);	/* merges with the tail, then into the top */
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 0);
	EXPECT_HEAP_HEALTHY(p.h);
	EXPECT_EQ(heap_free(p.h, e), 0);
	heap_stats(p.h, &hs);
	EXPECT_EQ(hs.ordblks, 0);
	EXPECT_EQ(hs.uordblks, 0);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_calloc_zeroes_and_leaves_fresh_memory_untouched)
{
	struct proc p;
	unsigned char buf[3000];
	unsigned long r0;
	void *a, *b, *c;

	ASSERT(!proc_open(&p, 4096));
	a = heap_malloc(p.h, 3000);
	ASSERT(a);
	ASSERT_EQ(mm_memset(p.mm, (unsigned long)a, 0xee, 3000), 0);
	heap_malloc(p.h, 10);			/* keeps a's chunk off the top */
	EXPECT_EQ(heap_free(p.h, a), 0);
	b = heap_calloc(p.h, 3, 1000);
	EXPECT_EQ(b, a);			/* the dirty chunk again: cleared */
	ASSERT_EQ(mm_read(p.mm, (unsigned long)b, buf, sizeof(buf)), 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		if (buf[i]) {
			kunit_fail(test, __FILE__, __LINE__, "calloc byte %u is %#x", i, buf[i]);
			break;
		}
	/* Fresh from the top: nothing to clear, no page faulted in but the
	 * ones holding its header and the top's. */
	r0 = rss(&p);
	c = heap_calloc(p.h, 1, 60000);
	ASSERT(c);
	EXPECT(rss(&p) - r0 <= 2);
	EXPECT_EQ(mm_read(p.mm, (unsigned long)c + 30000, buf, 100), 0);
	EXPECT_EQ(buf[0] | buf[99], 0);
	/* A mapping is fresh too. */
	r0 = rss(&p);
	c = heap_calloc(p.h, 1000, 1000);
	ASSERT(c);
	EXPECT_EQ(rss(&p) - r0, 1);		/* the chunk header's page */
	EXPECT(heap_calloc(p.h, SIZE_MAX / 2, 3) == NULL);
	EXPECT_EQ(machine_last_error(p.m), KERR_OVERFLOW);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

static void fill(struct proc *p, void *a, size_t n, unsigned seed)
{
	unsigned char buf[256];

	for (size_t off = 0; off < n; off += sizeof(buf)) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)(seed + (off + i) * 7);
		mm_write(p->mm, (unsigned long)a + off, buf, k);
	}
}

static int same(struct proc *p, void *a, size_t n, unsigned seed)
{
	unsigned char buf[256];

	for (size_t off = 0; off < n; off += sizeof(buf)) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		mm_read(p->mm, (unsigned long)a + off, buf, k);
		for (size_t i = 0; i < k; i++)
			if (buf[i] != (unsigned char)(seed + (off + i) * 7))
				return 0;
	}
	return 1;
}

TEST(heap_realloc_in_place_and_moving)
{
	struct proc p;
	void *a, *b, *c, *q;

	ASSERT(!proc_open(&p, 8192));
	a = heap_malloc(p.h, 100);
	fill(&p, a, 100, 1);
	q = heap_realloc(p.h, a, 1000);		/* next to the top: grows in place */
	EXPECT_EQ(q, a);
	EXPECT(same(&p, q, 100, 1));
	EXPECT(heap_malloc_usable_size(p.h, q) >= 1000);
	b = heap_malloc(p.h, 50);		/* now a is boxed in */
	q = heap_realloc(p.h, a, 40);		/* shrinks in place, the tail freed */
	EXPECT_EQ(q, a);
	EXPECT(same(&p, q, 40, 1));
	EXPECT_EQ(heap_malloc_usable_size(p.h, q), 40);
	q = heap_realloc(p.h, a, 900);		/* into its freed tail again */
	EXPECT_EQ(q, a);
	fill(&p, q, 900, 2);
	c = heap_realloc(p.h, a, 5000);		/* must move */
	EXPECT(c != a);
	EXPECT(same(&p, c, 900, 2));
	/* The old pointer is gone: a realloc of it is refused, nothing changed. */
	EXPECT(heap_realloc(p.h, a, 10) == NULL);
	EXPECT_EQ(machine_last_error(p.m), KERR_DOUBLE_FREE);
	q = heap_realloc(p.h, c, 200000);	/* to a mapping of its own */
	EXPECT(same(&p, q, 900, 2));
	EXPECT_EQ((unsigned long)q % PAGE_SIZE, 16);
	EXPECT_EQ(heap_realloc(p.h, q, 150000), q);	/* fits where it is */
	EXPECT(heap_realloc(p.h, NULL, 10) != NULL);
	EXPECT(heap_realloc(p.h, b, 0) == NULL);	/* frees */
	EXPECT(heap_free(p.h, b) < 0);		/* gone (merged into a neighbour) */
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_aligned_alloc_any_power_of_two)
{
	struct proc p;
	void *v[40];
	int n = 0;

	ASSERT(!proc_open(&p, 8192));
	for (size_t align = 1; align <= 65536; align *= 2)
		for (size_t size = 1; size < 300000; size = size * 7 + 3) {
			void *a = heap_aligned_alloc(p.h, align, size);

			ASSERT(a);
			EXPECT_EQ((unsigned long)a % (align < 16 ? 16 : align), 0);
			EXPECT(heap_malloc_usable_size(p.h, a) >= size);
			fill(&p, a, size < 500 ? size : 500, (unsigned)align);
			if (n < 40)
				v[n++] = a;
			else
				EXPECT_EQ(heap_free(p.h, a), 0);
		}
	EXPECT_HEAP_HEALTHY(p.h);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(heap_free(p.h, v[i]), 0);
	EXPECT(heap_aligned_alloc(p.h, 24, 10) == NULL);
	EXPECT_EQ(machine_last_error(p.m), KERR_INVAL);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

TEST(heap_bad_frees_are_reported_and_change_nothing)
{
	struct proc p;
	struct heap_stats before, after;
	char maps0[1024], maps1[1024];
	void *a, *b, *big;

	ASSERT(!proc_open(&p, 4096));
	a = heap_malloc(p.h, 100);
	b = heap_malloc(p.h, 100);
	big = heap_malloc(p.h, 1 << 20);
	ASSERT(a && b && big);
	heap_malloc(p.h, 10);
	EXPECT_EQ(heap_free(p.h, b), 0);
	heap_stats(p.h, &before);
	proc_pid_maps(p.mm, maps0, sizeof(maps0));
	machine_clear_errors(p.m);
	EXPECT_EQ(heap_free(p.h, (char *)a + 16), -KERR_NOT_HEAD);
	EXPECT(strstr(machine_last_report(p.m), "free(): invalid pointer") || strstr(machine_last_report(p.m), "invalid pointer"));
	EXPECT_EQ(heap_free(p.h, (char *)a + 1), -KERR_NOT_HEAD);
	EXPECT_EQ(heap_free(p.h, b), -KERR_DOUBLE_FREE);
	EXPECT(strstr(machine_last_report(p.m), "double free or corruption (!prev)") != NULL);
	EXPECT_EQ(heap_free(p.h, (char *)big + 4096), -KERR_NOT_HEAD);
	EXPECT_EQ(heap_free(p.h, (void *)0x1000), -KERR_NOT_HEAD);
	EXPECT_EQ(heap_free(p.h, (void *)(p.h->top + 16)), -KERR_DOUBLE_FREE);
	EXPECT(strstr(machine_last_report(p.m), "(top)") != NULL);
	EXPECT_EQ(heap_malloc_usable_size(p.h, (char *)a + 32), 0);
	EXPECT_EQ(machine_errors_total(p.m), 7);
	heap_stats(p.h, &after);
	proc_pid_maps(p.mm, maps1, sizeof(maps1));
	EXPECT_STREQ(maps1, maps0);
	EXPECT_EQ(after.uordblks, before.uordblks);
	EXPECT_EQ(after.ordblks, before.ordblks);
	EXPECT_EQ(after.hblks, before.hblks);
	EXPECT_EQ(after.errors, 7);
	EXPECT_HEAP_HEALTHY(p.h);
	EXPECT_EQ(heap_free(p.h, big), 0);
	EXPECT_EQ(heap_free(p.h, big), -KERR_NOT_HEAD);	/* its mapping is gone */
	EXPECT(heap_malloc(p.h, SIZE_MAX) == NULL);
	EXPECT_EQ(machine_last_error(p.m), KERR_TOO_BIG);
	EXPECT(heap_malloc(p.h, (size_t)1 << 40) == NULL);	/* no mapping that big */
	EXPECT_EQ(heap_free(p.h, NULL), 0);
	EXPECT_HEAP_HEALTHY(p.h);
	proc_close(&p);
}

/* The experiment's rule (make rss): RSS grows by exactly one page at the
 * first write to a page and at no other access. */
TEST(heap_rss_steps_one_page_at_each_first_write_never_at_reads)
{
	static const size_t sizes[] = { 64 * 1024, 1 << 20 };	/* brk, mmap */

	for (unsigned k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct proc p;
		size_t n = sizes[k], steps = 0, pages;
		unsigned long r, prev, a, u;
		unsigned char byte = 0x61;

		ASSERT(!proc_open(&p, 4096));
		a = (unsigned long)heap_malloc(p.h, n);
		u = (unsigned long)heap_malloc(p.h, n);
		ASSERT(a && u);
		prev = rss(&p);
		for (size_t i = 0; i < n; i += 1) {
			int fresh = !mm_page_present(p.mm, a + i) ||
				    (mm_pte(p.mm, a + i) & PTE_PFN_MASK) >> PAGE_SHIFT == mm_zero_pfn(p.mm);

			ASSERT_EQ(mm_write(p.mm, a + i, &byte, 1), 0);
			r = rss(&p);
			if (r != prev + (fresh ? 1 : 0)) {
				kunit_fail(test, __FILE__, __LINE__, "size %zu byte %zu: rss %lu after %lu (fresh %d)",
					   n, i, r, prev, fresh);
				break;
			}
			steps += r != prev;
			prev = r;
		}
		/* Every page of the buffer but those the headers had faulted in. */
		pages = (a + n - 1) / PAGE_SIZE - a / PAGE_SIZE + 1;
		EXPECT(steps >= pages - 2 && steps <= pages);
		for (size_t i = 0; i < n; i += 1) {
			ASSERT_EQ(mm_read(p.mm, u + i, &byte, 1), 0);
			if (rss(&p) != prev) {
				kunit_fail(test, __FILE__, __LINE__, "a read moved rss at %zu", i);
				break;
			}
			if (byte)
				kunit_fail(test, __FILE__, __LINE__, "untouched byte %zu is %#x", i, byte);
		}
		EXPECT_EQ(heap_free(p.h, (void *)a), 0);
		EXPECT_EQ(heap_free(p.h, (void *)u), 0);
		/* The mapping goes with its pages; the brk buffer's stay under
		 * the 128 KiB the trim keeps (glibc's too). */
		EXPECT(rss(&p) <= (k ? 2 : pages + 2));
		EXPECT_HEAP_HEALTHY(p.h);
		proc_close(&p);
	}
}

static int zero_bytes(struct proc *p, void *a, size_t n)
{
	unsigned char buf[256];

	for (size_t off = 0; off < n; off += sizeof(buf)) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		mm_read(p->mm, (unsigned long)a + off, buf, k);
		for (size_t i = 0; i < k; i++)
			if (buf[i])
				return 0;
	}
	return 1;
}

/* A seeded workload: every block keeps its bytes, the heap stays healthy,
 * and at the end every frame is back. */
TEST(heap_workload_keeps_contents_and_returns_everything)
{
	struct proc p;
	struct { void *p; size_t n; unsigned seed; } b[64] = { { 0 } };
	uint64_t rng = 20261202;
	unsigned long steps = 3000 / KUNIT_SLOW, free0;
	struct page_stats ps;

	printf("    seed %lu, %lu steps\n", (unsigned long)rng, steps);
	ASSERT(!proc_open(&p, 16384));
	buddy_page_stats(p.m, &ps);
	free0 = ps.free + ps.pcp;
	for (unsigned long s = 0; s < steps; s++) {
		unsigned i;
		size_t n;
		int got = 0;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (unsigned)(rng >> 33) % 64;
		n = ((rng >> 20) % 4 == 0) ? (rng >> 40) % 300000 : (rng >> 40) % 2000;
		if (b[i].p && !same(&p, b[i].p, b[i].n, b[i].seed)) {
			kunit_fail(test, __FILE__, __LINE__, "step %lu: block %u lost its bytes", s, i);
			break;
		}
		switch ((rng >> 16) % 5) {
		case 0: case 1:
			if (b[i].p) {
				ASSERT_EQ(heap_free(p.h, b[i].p), 0);
				b[i].p = NULL;
			} else {
				b[i].p = heap_malloc(p.h, n);
				got = 1;
			}
			break;
		case 2:
			if (!b[i].p) {
				b[i].p = heap_calloc(p.h, 1, n);
				got = 1;
				if (b[i].p && !zero_bytes(&p, b[i].p, n))
					kunit_fail(test, __FILE__, __LINE__, "step %lu: calloc not zero", s);
			}
			break;
		case 3:
			if (b[i].p && n) {
				void *q = heap_realloc(p.h, b[i].p, n);

				ASSERT(q);
				if (!same(&p, q, n < b[i].n ? n : b[i].n, b[i].seed))
					kunit_fail(test, __FILE__, __LINE__, "step %lu: realloc lost bytes", s);
				b[i].p = q;
				got = 1;
			}
			break;
		case 4:
			if (!b[i].p) {
				b[i].p = heap_aligned_alloc(p.h, (size_t)1 << ((rng >> 8) % 13), n);
				got = 1;
			}
			break;
		}
		if (got && b[i].p) {
			b[i].n = n;
			b[i].seed = (unsigned)s;
			fill(&p, b[i].p, n, b[i].seed);
		}
		if (s % 100 == 0)
			EXPECT_HEAP_HEALTHY(p.h);
	}
	EXPECT_HEAP_HEALTHY(p.h);
	for (unsigned i = 0; i < 64; i++)
		if (b[i].p)
			EXPECT_EQ(heap_free(p.h, b[i].p), 0);
	{
		struct heap_stats hs;

		heap_stats(p.h, &hs);
		EXPECT_EQ(hs.uordblks + hs.hblks + hs.ordblks + hs.in_use, 0);
	}
	EXPECT_HEAP_HEALTHY(p.h);
	EXPECT_EQ(machine_errors_total(p.m), 0);
	heap_destroy(p.h);
	p.h = NULL;
	EXPECT_EQ(rss(&p), 0);
	mm_destroy(p.mm);
	p.mm = NULL;
	buddy_page_stats(p.m, &ps);
	EXPECT_EQ(ps.free + ps.pcp, free0 + 2);	/* the PGD and zero page too */
	EXPECT_HEALTHY(p.m);
	machine_destroy(p.m);
}

/* ---- every INV_HEAP_* invariant fires ----------------------------------------- */

struct hfix {
	struct proc p;
	unsigned long a, b, c, e, d;	/* a, b (freed), c, e in the heap; d mmapped */
	unsigned long undo_addr;	/* user memory to put back, or 0 */
	uint64_t undo_word;
	void *undo_p;			/* host memory to put back */
	unsigned char undo[16];
	size_t undo_n;
};

static uint64_t urd(struct hfix *f, unsigned long a)
{
	uint64_t v = 0;

	mm_read(f->p.mm, a, &v, 8);
	return v;
}

/* Overwrite the user word at @a, remembering it. */
static void uwr(struct hfix *f, unsigned long a, uint64_t v)
{
	f->undo_addr = a;
	f->undo_word = urd(f, a);
	mm_write(f->p.mm, a, &v, 8);
}

static void *hsave(struct hfix *f, void *p, size_t n)
{
	f->undo_p = p;
	f->undo_n = n;
	memcpy(f->undo, p, n);
	return p;
}

static void hfix_setup(struct hfix *f)
{
	memset(f, 0, sizeof(*f));
	proc_open(&f->p, 4096);
	f->a = (unsigned long)heap_malloc(f->p.h, 40) - 16;
	f->b = (unsigned long)heap_malloc(f->p.h, 40) - 16;
	f->c = (unsigned long)heap_malloc(f->p.h, 40) - 16;
	f->e = (unsigned long)heap_malloc(f->p.h, 40) - 16;
	f->d = (unsigned long)heap_malloc(f->p.h, 200000) - 16;
	heap_free(f->p.h, (void *)(f->b + 16));
}

static void hfix_teardown(struct hfix *f)
{
	if (f->undo_addr)
		mm_write(f->p.mm, f->undo_addr, &f->undo_word, 8);
	if (f->undo_p)
		memcpy(f->undo_p, f->undo, f->undo_n);
	proc_close(&f->p);
}

static void h_chunk(struct hfix *f) { uwr(f, f->a + 8, 40 | 1); }
static void h_prev_inuse(struct hfix *f) { uwr(f, f->a + 8, 48); }
static void h_footer(struct hfix *f) { uwr(f, f->c, 64); }
static void h_not_merged(struct hfix *f) { uwr(f, f->e + 8, 48); }	/* c looks free too */
static void h_freelist(struct hfix *f) { uwr(f, f->b + 24, f->a); }
static void h_free_count(struct hfix *f) { (*(unsigned long *)hsave(f, &f->p.h->nr_free, 8))++; }
static void h_top(struct hfix *f) { uwr(f, f->p.h->top + 8, 4096 | 1); }
static void h_livemap(struct hfix *f)
{
	unsigned long bit = (f->b - f->p.h->start) / 16;

	hsave(f, &f->p.h->live[bit / 64], 8);
	f->p.h->live[bit / 64] |= 1ULL << (bit % 64);
}
static void h_accounting(struct hfix *f) { *(size_t *)hsave(f, &f->p.h->inuse_bytes, 8) += 16; }
static void h_mmapped(struct hfix *f) { uwr(f, f->d + 8, urd(f, f->d + 8) & ~2ULL); }

static const struct {
	int code;
	void (*corrupt)(struct hfix *f);
} hcorruptions[] = {
	{ INV_HEAP_CHUNK, h_chunk },
	{ INV_HEAP_PREV_INUSE, h_prev_inuse },
	{ INV_HEAP_FOOTER, h_footer },
	{ INV_HEAP_NOT_MERGED, h_not_merged },
	{ INV_HEAP_FREELIST, h_freelist },
	{ INV_HEAP_FREE_COUNT, h_free_count },
	{ INV_HEAP_TOP, h_top },
	{ INV_HEAP_LIVEMAP, h_livemap },
	{ INV_HEAP_ACCOUNTING, h_accounting },
	{ INV_HEAP_MMAPPED, h_mmapped },
};

__attribute__((constructor)) static void heap_codes(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(hcorruptions); i++)
		kunit_invariant_tested(hcorruptions[i].code);
}

TEST(heap_check_fixture_is_healthy)
{
	struct hfix f;
	struct heap_stats hs;

	hfix_setup(&f);
	ASSERT(f.p.h);
	EXPECT_EQ(f.b, f.a + 48);
	EXPECT_EQ(f.e, f.c + 48);
	heap_stats(f.p.h, &hs);
	EXPECT_EQ(hs.ordblks, 1);
	EXPECT_EQ(hs.hblks, 1);
	EXPECT_HEAP_HEALTHY(f.p.h);
	hfix_teardown(&f);
}

TEST(heap_check_each_corruption_fires_exactly_its_code)
{
	for (unsigned i = 0; i < ARRAY_SIZE(hcorruptions); i++) {
		struct kalloc_check ck;
		struct hfix f;
		int code;

		hfix_setup(&f);
		ASSERT(f.p.h);
		hcorruptions[i].corrupt(&f);
		code = heap_check(f.p.h, &ck);
		if (code != hcorruptions[i].code)
			kunit_fail(test, __FILE__, __LINE__, "corrupting for %s gave %s (%s)",
				   kalloc_invariant_name(hcorruptions[i].code), kalloc_invariant_name(code), ck.msg);
		else if (strncmp(ck.msg, kalloc_invariant_name(code), strlen(kalloc_invariant_name(code))))
			kunit_fail(test, __FILE__, __LINE__, "message does not name its code: %s", ck.msg);
		hfix_teardown(&f);
	}
}
