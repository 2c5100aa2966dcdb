/* test_kmalloc.c - size classes (against a real Linux trace), large
 * allocations, zero size, krealloc, kmalloc_array, the classic profile,
 * wrong frees. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "kunit.h"

static gfp_t parse_gfp(const char *s)
{
	static const struct { const char *name; gfp_t gfp; } names[] = {
		{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT }, { "GFP_KERNEL", GFP_KERNEL },
		{ "GFP_ATOMIC", GFP_ATOMIC }, { "GFP_NOWAIT", GFP_NOWAIT }, { "GFP_NOFS", GFP_NOFS },
		{ "GFP_NOIO", GFP_NOIO }, { "__GFP_ZERO", __GFP_ZERO }, { "__GFP_COMP", __GFP_COMP },
		{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE }, { "__GFP_NOWARN", __GFP_NOWARN },
		{ "__GFP_NOFAIL", __GFP_NOFAIL }, { "__GFP_ACCOUNT", __GFP_ACCOUNT }, { "GFP_DMA", GFP_DMA },
	};
	gfp_t gfp = 0;
	char buf[256], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				gfp |= names[i].gfp;
	return gfp;
}

/* For every kmalloc row of the Linux 6.18 trace, ksize(kmalloc(bytes_req))
 * is the bytes_alloc Linux handed out. */
TEST(kmalloc_classes_match_linux_trace)
{
	/* make exports TRACE; run by hand from tests/, shared/ is beside the repo. */
	const char *path = getenv("TRACE") ? getenv("TRACE") : "../../shared/traces/linux-6.18-fswalk.csv.xz";
	struct machine *m;
	char cmd[1200], line[1024];
	unsigned long rows = 0, bad = 0, seen = 0;
	FILE *f;

	if (!path || access(path, R_OK)) {
		kunit_skip(test, "trace not found (TRACE=%s)", path ? path : "unset");
		return;
	}
	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
	f = popen(cmd, "r");
	ASSERT(f);
	m = test_machine(8192, 1024, 2);
	ASSERT(m);
	while (fgets(line, sizeof(line), f)) {
		/* ts,cpu,event,ptr,bytes_req,bytes_alloc,gfp,... */
		char *field[8], *p = line;
		int n = 0;

		while (n < 8 && (field[n++] = strsep(&p, ",")))
			;
		if (n < 7 || !field[2] || strcmp(field[2], "kmalloc") || seen++ % KUNIT_SLOW)
			continue;
		size_t req = strtoul(field[4], NULL, 10), linux_alloc = strtoul(field[5], NULL, 10);
		void *obj = kmalloc(m, req, parse_gfp(field[6]));
		size_t got = ksize(m, obj);

		if (got != linux_alloc && bad++ < 10)
			kunit_fail(test, __FILE__, __LINE__, "kmalloc(%zu): ksize %zu, Linux %zu", req, got, linux_alloc);
		kfree(m, obj);
		rows++;
	}
	pclose(f);
	EXPECT_EQ(seen, 241319);
	EXPECT_EQ(rows, (seen + KUNIT_SLOW - 1) / KUNIT_SLOW);
	EXPECT_EQ(bad, 0);
	printf("    %lu kmalloc rows, all ksize == bytes_alloc\n", rows);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_smallest_class_that_fits)
{
	static const unsigned sizes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	struct machine *m = test_machine(4096, 0, 1);

	ASSERT(m);
	for (size_t n = 1; n <= 8192; n++) {
		size_t want = 0;
		for (unsigned i = 0; i < 13 && !want; i++)
			if (sizes[i] >= n)
				want = sizes[i];
		void *p = kmalloc(m, n, GFP_KERNEL);
		ASSERT(p);
		if (ksize(m, p) != want) {
			kunit_fail(test, __FILE__, __LINE__, "kmalloc(%zu): ksize %zu, want %zu", n, ksize(m, p), want);
			break;
		}
		EXPECT_EQ(kmalloc_size_roundup(m, n), want);
		if (!(want & (want - 1)))
			EXPECT_EQ((uintptr_t)p % want, 0);
		kfree(m, p);
	}
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_cache_names)
{
	struct machine *m = test_machine(4096, 512, 1);

	ASSERT(m);
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 100, GFP_KERNEL)), "kmalloc-128");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 5000, GFP_KERNEL)), "kmalloc-8k");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 65, GFP_DMA)), "dma-kmalloc-96");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 24, GFP_KERNEL_ACCOUNT)), "kmalloc-cg-32");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 1000, GFP_KERNEL | __GFP_RECLAIMABLE)), "kmalloc-rcl-1k");
	EXPECT(kmalloc_slab(m, 8193, GFP_KERNEL) == NULL);
	machine_destroy(m);
}

TEST(kmalloc_dma_comes_from_zone_dma)
{
	struct machine *m = test_machine(4096, 512, 1);
	void *a, *b;

	ASSERT(m);
	a = kmalloc(m, 100, GFP_KERNEL | GFP_DMA);
	b = kmalloc(m, 100000, GFP_KERNEL | GFP_DMA);
	ASSERT(a && b);
	EXPECT_EQ(page_zonenum(m, virt_to_page(m, a)), ZONE_DMA);
	EXPECT_EQ(page_zonenum(m, virt_to_page(m, b)), ZONE_DMA);
	EXPECT_STREQ(kmem_cache_name(virt_to_cache(m, a)), "dma-kmalloc-128");
	kfree(m, a);
	kfree(m, b);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_large_goes_to_pages)
{
	struct machine *m = test_machine(8192, 0, 1);
	struct page_stats ps;
	struct kmalloc_stats ks;
	void *p;

	ASSERT(m);
	p = kmalloc(m, 8193, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(ksize(m, p), 16384);
	EXPECT_EQ((uintptr_t)p % 16384, 0);
	EXPECT(virt_to_cache(m, p) == NULL);
	buddy_page_stats(m, &ps);
	kmalloc_stats(m, &ks);
	EXPECT_EQ(ps.kmalloc_large, 4);
	EXPECT_EQ(ks.large_allocs, 1);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kfree(m, p), 0);
	p = kmalloc(m, KMALLOC_MAX_SIZE, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(ksize(m, p), 4 << 20);
	EXPECT_EQ(kfree(m, p), 0);
	EXPECT(kmalloc(m, KMALLOC_MAX_SIZE + 1, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_TOO_BIG);
	buddy_page_stats(m, &ps);
	EXPECT_EQ(ps.kmalloc_large, 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_zero_and_null)
{
	struct machine *m = test_machine(1024, 0, 1);

	ASSERT(m);
	EXPECT(kmalloc(m, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	EXPECT((uintptr_t)ZERO_SIZE_PTR == 16);
	EXPECT_EQ(kfree(m, NULL), 0);
	EXPECT_EQ(kfree(m, ZERO_SIZE_PTR), 0);
	EXPECT_EQ(ksize(m, ZERO_SIZE_PTR), 0);
	EXPECT_EQ(ksize(m, NULL), 0);
	EXPECT_EQ(machine_errors_total(m), 0);
	machine_destroy(m);
}

TEST(kmalloc_kzalloc_zeroes)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *p;
	int nonzero = 0;

	ASSERT(m);
	p = kmalloc(m, 200, GFP_KERNEL);
	memset(p, 0xab, 200);
	kfree(m, p);
	p = kzalloc(m, 200, GFP_KERNEL);
	ASSERT(p);
	for (int i = 0; i < 200; i++)
		nonzero |= p[i];
	EXPECT_EQ(nonzero, 0);
	kfree(m, p);
	machine_destroy(m);
}

TEST(kmalloc_array_overflow)
{
	struct machine *m = test_machine(1024, 0, 1);
	void *p;

	ASSERT(m);
	EXPECT(kmalloc_array(m, SIZE_MAX / 2, 3, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_OVERFLOW);
	EXPECT(kcalloc(m, (size_t)1 << 33, (size_t)1 << 32, GFP_KERNEL) == NULL);
	p = kmalloc_array(m, 10, 24, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(ksize(m, p), 256);
	kfree(m, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_krealloc_keeps_contents)
{
	struct machine *m = test_machine(4096, 0, 1);
	unsigned char *p, *q;
	int bad = 0;

	ASSERT(m);
	p = krealloc(m, NULL, 50, GFP_KERNEL);
	ASSERT(p);
	for (int i = 0; i < 50; i++)
		p[i] = (unsigned char)i;
	q = krealloc(m, p, 60, GFP_KERNEL);		/* fits kmalloc-64: in place */
	EXPECT(q == p);
	q = krealloc(m, p, 3000, GFP_KERNEL);
	ASSERT(q);
	EXPECT(q != p);
	for (int i = 0; i < 50; i++)
		bad |= q[i] != i;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(ksize(m, q), 4096);
	p = krealloc(m, q, 20000, GFP_KERNEL);		/* into pages */
	ASSERT(p);
	for (int i = 0; i < 50; i++)
		bad |= p[i] != i;
	EXPECT_EQ(bad, 0);
	q = krealloc(m, p, 0, GFP_KERNEL);
	EXPECT(q == ZERO_SIZE_PTR);
	/* A pointer kmalloc never returned: reported, nothing freed. */
	p = kmalloc(m, 100, GFP_KERNEL);
	EXPECT(krealloc(m, p + 8, 200, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_NOT_OBJECT);
	/* Failure leaves the old block alone. */
	EXPECT(krealloc(m, p, 5u << 20, GFP_KERNEL) == NULL);
	EXPECT_EQ(ksize(m, p), 128);
	kfree(m, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_wrong_frees_are_reported)
{
	struct machine *m = test_machine(2048, 0, 1);
	struct kmem_cache *c;
	char before[16384], after[16384];
	char *a, *big, *obj;
	unsigned long page;

	ASSERT(m);
	a = kmalloc(m, 100, GFP_KERNEL);
	big = kmalloc(m, 20000, GFP_KERNEL);
	page = __get_free_page(m, GFP_KERNEL);
	c = kmem_cache_create(m, "other", 64, 0, 0, NULL);
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	ASSERT(a && big && page && obj);
	proc_slabinfo(m, before, sizeof(before));
	EXPECT_EQ(kfree(m, a + 1), -KERR_NOT_OBJECT);
	EXPECT_EQ(kfree(m, big + PAGE_SIZE), -KERR_NOT_HEAD);
	EXPECT_EQ(kfree(m, big + 8), -KERR_NOT_HEAD);
	EXPECT_EQ(kfree(m, (void *)page), -KERR_WRONG_OWNER);
	EXPECT_EQ(kfree(m, before), -KERR_BAD_ADDRESS);
	EXPECT_EQ(ksize(m, a + 1), 0);
	proc_slabinfo(m, after, sizeof(after));
	EXPECT_STREQ(after, before);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kfree(m, a), 0);
	EXPECT_EQ(kfree(m, a), -KERR_DOUBLE_FREE);
	EXPECT_EQ(kfree(m, big), 0);
	EXPECT_EQ(kfree(m, big), -KERR_DOUBLE_FREE);
	/* kfree of any slab object is fine, as in Linux 6.x. */
	EXPECT_EQ(kfree(m, obj), 0);
	EXPECT_EQ(free_page(m, page), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(kmalloc_classic_profile)
{
	struct machine_config cfg;
	struct machine *m;
	char buf[8192];
	void *p;

	machine_config_default(&cfg);
	cfg.nr_pages = 8192;
	cfg.dma_pages = 1024;
	cfg.profile = KMALLOC_PROFILE_CLASSIC;
	cfg.quiet = 1;
	m = machine_create(&cfg);
	ASSERT(m);
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 1, GFP_KERNEL)), "size-32");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 100, GFP_KERNEL)), "size-128");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 100, GFP_DMA)), "size-128(DMA)");
	EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, 131072, GFP_KERNEL)), "size-131072");
	EXPECT_EQ(kmalloc_max_size(m), 131072);
	p = kmalloc(m, 100000, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(ksize(m, p), 131072);
	EXPECT_EQ((uintptr_t)p % 131072, 0);
	kfree(m, p);
	EXPECT(kmalloc(m, 131073, GFP_KERNEL) == NULL);
	proc_slabinfo(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "\nsize-131072(DMA)") != NULL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* kmalloc's cache names come from a table now (kmalloc.c default_names,
 * classic_names); every cache of both profiles is named as Linux's rule
 * prints it: "%s%u" or "%s%uk" by type prefix, "size-%u" / "size-%u(DMA)". */
TEST(kmalloc_cache_names_follow_the_printf_rule)
{
	static const char *const prefix[] = { "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-" };
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_DMA, GFP_KERNEL_ACCOUNT };
	static const unsigned int dflt[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	static const unsigned int classic[] = {
		32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072
	};
	unsigned int named = 0;

	for (int prof = 0; prof < 2; prof++) {
		struct machine_config cfg;
		struct machine *m;

		machine_config_default(&cfg);
		cfg.nr_pages = 8192;
		cfg.dma_pages = 1024;
		cfg.quiet = 1;
		if (prof)
			cfg.profile = KMALLOC_PROFILE_CLASSIC;
		m = machine_create(&cfg);
		ASSERT(m);
		for (int t = 0; t < 4; t++) {
			if (prof && (t == 1 || t == 3))
				continue;	/* classic: no rcl, no cg caches */
			for (unsigned i = 0; i < (prof ? 14u : 13u); i++) {
				unsigned int size = prof ? classic[i] : dflt[i];
				char want[64];

				if (prof)
					snprintf(want, sizeof(want), "size-%u%s", size, t == 2 ? "(DMA)" : "");
				else if (size >= 1024 && !(size & 1023))
					snprintf(want, sizeof(want), "%s%uk", prefix[t], size >> 10);
				else
					snprintf(want, sizeof(want), "%s%u", prefix[t], size);
				EXPECT_STREQ(kmem_cache_name(kmalloc_slab(m, size, gfps[t])), want);
				named++;
			}
		}
		EXPECT_HEALTHY(m);
		machine_destroy(m);
	}
	EXPECT_EQ(named, 52u + 28u);
}
