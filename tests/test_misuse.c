/* test_misuse.c - caller mistakes that used to crash the host: stale and
 * bogus cache handles, and requests the caller asked to fail quietly
 * (__GFP_NOWARN).  Each returns its error (and a report where there is a
 * machine to report into) and leaves machine_check passing.
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

static int reported(struct machine *m, const char *text)
{
	return strstr(machine_last_report(m), text) != NULL;
}

/* The case: the second destroy read the freed struct kmem_cache. */
TEST(misuse_destroy_twice_is_reported_not_a_use_after_free)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *s;
	unsigned int caches;

	ASSERT(m);
	caches = kmem_cache_count(m);
	s = kmem_cache_create(m, "twice", 64, 0, 0, NULL);
	ASSERT(s);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_EQ(kmem_cache_count(m), caches);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_EQ(kmem_cache_destroy(s), -KERR_BAD_CACHE);
	EXPECT_EQ(machine_errors(m, KERR_BAD_CACHE), 1);
	EXPECT_EQ(machine_errors_total(m), 1);
	EXPECT_EQ(machine_last_error(m), KERR_BAD_CACHE);
	EXPECT(reported(m, "kmem_cache_destroy: cache twice"));
	EXPECT(reported(m, "was destroyed"));
	EXPECT_EQ(kmem_cache_count(m), caches);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(misuse_every_entry_point_refuses_a_destroyed_cache)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *s, *other;
	struct slab_stats st;
	void *obj, *keep;

	ASSERT(m);
	s = kmem_cache_create(m, "gone", 128, 0, SLAB_POISON, NULL);
	other = kmem_cache_create(m, "stays", 128, 0, 0, NULL);
	ASSERT(s && other);
	obj = kmem_cache_alloc(s, GFP_KERNEL);
	keep = kmem_cache_alloc(other, GFP_KERNEL);
	ASSERT(obj && keep);
	EXPECT_EQ(kmem_cache_free(s, obj), 0);
	EXPECT_EQ(kmem_cache_destroy(s), 0);

	EXPECT(kmem_cache_alloc(s, GFP_KERNEL) == NULL);
	EXPECT(reported(m, "kmem_cache_alloc: cache gone"));
	EXPECT(kmem_cache_zalloc(s, GFP_KERNEL) == NULL);
	EXPECT_EQ(kmem_cache_free(s, obj), -KERR_BAD_CACHE);
	EXPECT(reported(m, "kmem_cache_free: cache gone"));
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT(reported(m, "kmem_cache_shrink: cache gone"));
	EXPECT_EQ(kmem_cache_size(s), 0);
	EXPECT(kmem_cache_machine(s) == NULL);
	memset(&st, 0xff, sizeof(st));
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.object_size, 0);
	EXPECT_EQ(st.num_slabs, 0);
	EXPECT(kmem_cache_next(m, s) == NULL);
	EXPECT_EQ(kmem_cache_validate(s), -KERR_BAD_CACHE);
	EXPECT_EQ(machine_errors(m, KERR_BAD_CACHE), 9);
	EXPECT_EQ(machine_errors_total(m), 9);
	/* Still named in messages, and nothing else was touched. */
	EXPECT_STREQ(kmem_cache_name(s), "gone");
	EXPECT(kmem_cache_find(m, "gone") == NULL);
	EXPECT_EQ(kmem_cache_free(other, keep), 0);
	EXPECT_EQ(kmem_cache_destroy(other), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A destroyed cache's host memory is kept, so its address is never handed
 * to a new cache and an old handle cannot alias a new one. */
TEST(misuse_stale_handle_never_names_a_new_cache)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *old, *fresh[8];
	void *p;

	ASSERT(m);
	old = kmem_cache_create(m, "old", 64, 0, 0, NULL);
	ASSERT(old);
	EXPECT_EQ(kmem_cache_destroy(old), 0);
	for (int i = 0; i < 8; i++) {
		fresh[i] = kmem_cache_create(m, "fresh", 64, 0, 0, NULL);
		ASSERT(fresh[i]);
		EXPECT(fresh[i] != old);
	}
	EXPECT(kmem_cache_alloc(old, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_BAD_CACHE), 1);
	p = kmem_cache_alloc(fresh[0], GFP_KERNEL);
	EXPECT(p != NULL);
	EXPECT_EQ(kmem_cache_free(fresh[0], p), 0);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(kmem_cache_destroy(fresh[i]), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* Pointers that were never a cache: there is no machine to report into, so
 * the machine's sink stays empty; nothing is read that ASan would object to. */
TEST(misuse_pointer_that_was_never_a_cache)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *real, *copy;
	uint64_t zeros[64] = { 0 };
	struct kmem_cache *bogus[5];
	void *obj;

	ASSERT(m);
	real = kmem_cache_create(m, "real", 64, 0, 0, NULL);
	obj = kmalloc(m, 512, GFP_KERNEL);
	ASSERT(real && obj);
	/* A byte-for-byte copy of a live cache at another address. */
	copy = malloc(sizeof(*real) + 2 * sizeof(real->cpu_slab[0]));
	ASSERT(copy);
	memcpy(copy, real, sizeof(*real) + 2 * sizeof(real->cpu_slab[0]));
	bogus[0] = copy;
	bogus[1] = (struct kmem_cache *)zeros;			/* zeroed host memory */
	bogus[2] = obj;						/* a kmalloc object */
	bogus[3] = (struct kmem_cache *)((char *)real + 8);	/* inside a cache */
	bogus[4] = (struct kmem_cache *)ZERO_SIZE_PTR;		/* a small number */
	for (int i = 0; i < 5; i++) {
		EXPECT(kmem_cache_alloc(bogus[i], GFP_KERNEL) == NULL);
		EXPECT_EQ(kmem_cache_free(bogus[i], obj), -KERR_BAD_CACHE);
		EXPECT_EQ(kmem_cache_shrink(bogus[i]), 0);
		EXPECT_EQ(kmem_cache_destroy(bogus[i]), -KERR_BAD_CACHE);
		EXPECT_EQ(kmem_cache_size(bogus[i]), 0);
		EXPECT_EQ(kmem_cache_validate(bogus[i]), -KERR_BAD_CACHE);
		EXPECT_STREQ(kmem_cache_name(bogus[i]), "(not a cache)");
	}
	/* NULL: destroy is a no-op (Linux), the others refuse it. */
	EXPECT_EQ(kmem_cache_destroy(NULL), 0);
	EXPECT(kmem_cache_alloc(NULL, GFP_KERNEL) == NULL);
	EXPECT_EQ(kmem_cache_free(NULL, obj), -KERR_BAD_CACHE);
	EXPECT_EQ(kmem_cache_shrink(NULL), 0);
	/* A misaligned pointer is refused before it is read. */
	EXPECT(kmem_cache_alloc((struct kmem_cache *)((char *)real + 1), GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_EQ(kfree(m, obj), 0);
	EXPECT_EQ(kmem_cache_destroy(real), 0);
	free(copy);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

#ifdef KUNIT_ASAN
/* Freed host memory as a handle: under ASan the check looks at the shadow
 * before it reads, so this is a refusal, not a heap-use-after-free report. */
TEST(misuse_freed_host_memory_as_a_cache_under_asan)
{
	struct machine *m = test_machine(1024, 0, 1);
	volatile uintptr_t addr;	/* the compiler must not see the free */
	struct kmem_cache *s;
	void *block;

	ASSERT(m);
	block = malloc(512);
	ASSERT(block);
	memset(block, 0, 512);
	addr = (uintptr_t)block;
	free(block);
	s = (struct kmem_cache *)addr;
	EXPECT(kmem_cache_alloc(s, GFP_KERNEL) == NULL);
	EXPECT_EQ(kmem_cache_destroy(s), -KERR_BAD_CACHE);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}
#endif

TEST(misuse_kmem_cache_next_refuses_a_destroyed_prev)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *a, *b;

	ASSERT(m);
	a = kmem_cache_create(m, "a", 32, 0, 0, NULL);
	b = kmem_cache_create(m, "b", 32, 0, 0, NULL);
	ASSERT(a && b);
	EXPECT(kmem_cache_next(m, a) == b);
	EXPECT_EQ(kmem_cache_destroy(a), 0);
	EXPECT(kmem_cache_next(m, a) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_BAD_CACHE), 1);
	EXPECT_EQ(kmem_cache_destroy(b), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* slab_check knows the dead list: a destroyed cache must keep its dead tag
 * and hold no slabs (the live side is in test_check.c's table). */
TEST(misuse_check_fires_on_a_damaged_destroyed_cache)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kalloc_check ck;
	struct kmem_cache *s;
	uint64_t tag;

	ASSERT(m);
	s = kmem_cache_create(m, "dead", 64, 0, 0, NULL);
	ASSERT(s);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	tag = s->tag;
	s->tag ^= 1;
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_CACHE_TAG);
	EXPECT(strstr(ck.msg, "destroyed cache") != NULL);
	s->tag = tag;
	s->nr_slabs = 1;
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_CACHE_TAG);
	s->nr_slabs = 0;
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- __GFP_NOWARN ------------------------------------------------------ */

TEST(misuse_nowarn_order_above_max_order_is_quiet)
{
	struct machine *m = test_machine(2048, 0, 1);
	struct page_stats ps;

	ASSERT(m);
	EXPECT_EQ(machine_config(m)->max_order, 10);
	EXPECT(alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 11) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_EQ(__get_free_pages(m, GFP_KERNEL | __GFP_NOWARN, 12), 0);
	EXPECT_EQ(machine_errors_total(m), 0);
	buddy_page_stats(m, &ps);
	EXPECT_EQ(ps.failed_calls, 2);		/* still counted as failures */
	/* Without the flag it is the caller error it always was. */
	EXPECT(alloc_pages(m, GFP_KERNEL, 11) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_INVAL), 1);
	EXPECT_EQ(machine_errors_total(m), 1);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(misuse_nowarn_on_a_small_max_order_machine)
{
	struct machine_config cfg;
	struct machine *m;

	machine_config_default(&cfg);
	cfg.nr_pages = 1024;
	cfg.dma_pages = 0;
	cfg.max_order = 5;
	cfg.quiet = 1;
	m = machine_create(&cfg);
	ASSERT(m);
	EXPECT(alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 6) == NULL);
	EXPECT(alloc_pages(m, GFP_ATOMIC | __GFP_NOWARN | __GFP_DMA, 6) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	/* kmalloc above this machine's 128 KiB limit: quiet with the flag. */
	EXPECT(kmalloc(m, (PAGE_SIZE << 5) + 1, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT(kmalloc(m, (PAGE_SIZE << 5) + 1, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_TOO_BIG), 1);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The other failures that come from the request itself. */
TEST(misuse_nowarn_keeps_kmalloc_size_failures_quiet)
{
	struct machine *m = test_machine(1024, 0, 1);

	ASSERT(m);
	EXPECT(kmalloc(m, KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT(krealloc(m, NULL, KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT(kmalloc_array(m, SIZE_MAX / 2, 4, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT(kcalloc(m, SIZE_MAX / 2, 4, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT(kmalloc(m, KMALLOC_MAX_SIZE + 1, GFP_KERNEL) == NULL);
	EXPECT(kmalloc_array(m, SIZE_MAX / 2, 4, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_TOO_BIG), 1);
	EXPECT_EQ(machine_errors(m, KERR_OVERFLOW), 1);
	/* Memory really running out was never a report, with or without it. */
	buddy_inject_failures(m, 0, 2);
	EXPECT(kmalloc(m, 64 * 1024, GFP_KERNEL) == NULL);
	EXPECT(kmalloc(m, 64 * 1024, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT_EQ(machine_errors_total(m), 2);
	/* Misuse is not an allocation failure: NOWARN does not hide it. */
	EXPECT_EQ(kfree(m, (char *)machine_base(m) + 8), -KERR_DOUBLE_FREE);
	EXPECT_EQ(machine_errors_total(m), 3);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- host memory ------------------------------------------------------- */

TEST(misuse_kmem_cache_create_without_host_memory)
{
	struct machine *m = test_machine(1024, 0, 2);
	unsigned long live, calls;
	struct kmem_cache *s;

	ASSERT(m);
	live = machine_host_live(m);
	calls = machine_host_allocs(m);
	machine_inject_host_failures(m, 0, 1);
	EXPECT(kmem_cache_create(m, "nomem", 64, 0, 0, NULL) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_NOMEM), 1);
	EXPECT(reported(m, "kmem_cache_create(nomem)"));
	EXPECT_EQ(machine_host_allocs(m), calls + 1);
	EXPECT_EQ(machine_host_live(m), live);
	s = kmem_cache_create(m, "nomem", 64, 0, 0, NULL);
	ASSERT(s);
	EXPECT_EQ(machine_host_live(m), live + 1);
	/* A destroyed cache is still held (kept for its handle). */
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_EQ(machine_host_live(m), live + 1);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(misuse_boot_without_host_memory_returns_null)
{
	struct machine_config cfg;
	struct machine *m;

	machine_config_default(&cfg);
	cfg.nr_pages = 1024;
	cfg.dma_pages = 0;
	cfg.quiet = 1;
	for (unsigned long skip = 0; skip < 4; skip++) {
		cfg.host_fail_skip = skip;	/* machine, map, pages, objmap */
		cfg.host_fail_times = 1;
		EXPECT(machine_create(&cfg) == NULL);
	}
	cfg.host_fail_skip = 4;			/* the kmalloc caches (one block) */
	EXPECT(machine_create(&cfg) == NULL);
	cfg.host_fail_times = 0;
	m = machine_create(&cfg);
	ASSERT(m);
	/* + 1 + 1: kmalloc's caches, the VMALLOC range's slot table
	 * (vmalloc_init, last). */
	EXPECT_EQ(machine_host_allocs(m), 4 + 1 + 1);
	EXPECT_EQ(machine_host_live(m), 4 + 1 + 1);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}
