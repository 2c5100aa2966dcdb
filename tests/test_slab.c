/* test_slab.c - SLUB-style caches: geometry as Linux computes it, the
 * object life cycle, ctor semantics, min_partial, shrink and destroy,
 * wrong frees, poisoning, /proc/slabinfo. */
#include <stdint.h>
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

TEST(slab_geometry_1040_bytes)
{
	/* The worked example: objects and pages per slab for 1, 2, 4, 8 CPUs. */
	static const struct { unsigned cpus, objects, pages; } want[] = {
		{ 1, 15, 4 }, { 2, 15, 4 }, { 4, 31, 8 }, { 8, 31, 8 },
	};
	for (unsigned i = 0; i < 4; i++) {
		struct machine *m = test_machine(4096, 0, want[i].cpus);
		struct kmem_cache *s;
		struct slab_stats st;

		ASSERT(m);
		s = kmem_cache_create(m, "task_struct", 1040, 0, 0, NULL);
		ASSERT(s);
		kmem_cache_stats(s, &st);
		EXPECT_EQ(st.size, 1040);
		EXPECT_EQ(st.objs_per_slab, want[i].objects);
		EXPECT_EQ(st.pages_per_slab, want[i].pages);
		machine_destroy(m);
	}
}

TEST(slab_geometry_known_rows)
{
	/* Rows of real /proc/slabinfo (2 CPUs: this project's machines; 8 CPUs:
	 * a desktop's kmalloc caches): objsize, objperslab, pagesperslab. */
	static const struct { unsigned cpus, size, objs, pages; } rows[] = {
		{ 2, 5888, 5, 8 }, { 2, 8192, 4, 8 }, { 2, 4096, 8, 8 }, { 2, 2048, 16, 8 },
		{ 2, 1024, 16, 4 }, { 2, 512, 16, 2 }, { 2, 256, 16, 1 }, { 2, 192, 21, 1 },
		{ 2, 96, 42, 1 }, { 2, 8, 512, 1 }, { 2, 312, 13, 1 }, { 2, 416, 19, 2 },
		{ 8, 1024, 32, 8 }, { 8, 512, 32, 4 }, { 8, 256, 32, 2 }, { 8, 128, 32, 1 },
	};
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int order = slub_calculate_order(rows[i].size, rows[i].cpus);
		EXPECT_EQ(1 << order, rows[i].pages);
		EXPECT_EQ((PAGE_SIZE << order) / rows[i].size, rows[i].objs);
	}
}

/* calculate_order() by machine_config.kernel_version.  The 6.1 rows are
 * what Debian's Linux 6.1 guest of kernel/kdiff.py printed in /proc/slabinfo
 * (corpus/kernel/geometry-large-*, geometry-order-6.8-*): a slot of
 * 10,928..12,280 bytes gets 1 object per order-2 slab there, 2 per order-3
 * slab in 6.8+ (waste below 1/2); just outside the range both agree. */
TEST(slab_geometry_kernel_versions)
{
	static const struct { unsigned cpus, size, objs61, pages61, objs618, pages618; } rows[] = {
		{ 2, 10928, 1, 4, 2, 8 }, { 2, 11424, 1, 4, 2, 8 }, { 2, 12280, 1, 4, 2, 8 },
		{ 1, 11000, 1, 4, 2, 8 }, { 64, 12000, 1, 4, 2, 8 },
		{ 2, 10920, 3, 8, 3, 8 }, { 2, 12288, 2, 8, 2, 8 }, { 2, 8192, 4, 8, 4, 8 },
		{ 2, 1040, 15, 4, 15, 4 },
	};
	struct machine_config cfg;
	struct machine *m;

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int o61 = slub_calculate_order_linux(rows[i].size, rows[i].cpus, KALLOC_LINUX_6_1);
		int o618 = slub_calculate_order_linux(rows[i].size, rows[i].cpus, KALLOC_LINUX_6_18);

		ASSERT(o61 >= 0 && o618 >= 0);
		EXPECT_EQ(1u << o61, rows[i].pages61);
		EXPECT_EQ((PAGE_SIZE << o61) / rows[i].size, rows[i].objs61);
		EXPECT_EQ(1u << o618, rows[i].pages618);
		EXPECT_EQ((PAGE_SIZE << o618) / rows[i].size, rows[i].objs618);
		EXPECT_EQ(o618, slub_calculate_order(rows[i].size, rows[i].cpus));
	}
	EXPECT_EQ(slub_calculate_order_linux(4096, 2, NR_KERNEL_VERSIONS), -KERR_INVAL);
	/* A machine follows its version: the slot of an 11,416-byte cache. */
	for (unsigned v = 0; v < NR_KERNEL_VERSIONS; v++) {
		struct kmem_cache *s;
		struct slab_stats st;

		machine_config_default(&cfg);
		cfg.nr_pages = 1024;
		cfg.dma_pages = 0;
		cfg.nr_cpus = 2;
		cfg.quiet = 1;
		cfg.kernel_version = v;
		m = machine_create(&cfg);
		ASSERT(m);
		s = kmem_cache_create(m, "big", 11416, 0, 0, NULL);
		ASSERT(s);
		kmem_cache_stats(s, &st);
		EXPECT_EQ(st.size, 11416);
		EXPECT_EQ(st.objs_per_slab, v == KALLOC_LINUX_6_1 ? 1u : 2u);
		EXPECT_EQ(st.pages_per_slab, v == KALLOC_LINUX_6_1 ? 4u : 8u);
		machine_destroy(m);
	}
	machine_config_default(&cfg);
	EXPECT_EQ(cfg.kernel_version, KALLOC_LINUX_6_18);
	cfg.kernel_version = NR_KERNEL_VERSIONS;
	cfg.quiet = 1;
	EXPECT(machine_create(&cfg) == NULL);
}

/* Reproduce every row of this machine's /proc/slabinfo from its objsize and
 * the CPU count: objperslab and pagesperslab. */
TEST(slab_geometry_reproduces_host_slabinfo)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	unsigned cpus = 0, rows = 0;
	FILE *c;

	if (!f) {
		kunit_skip(test, "/proc/slabinfo cannot be read here");
		return;
	}
	/* Linux sizes slabs by the CPUs present at boot: count them in
	 * /sys, falling back to the online count. */
	c = popen("nproc --all 2>/dev/null", "r");
	if (c) {
		if (fscanf(c, "%u", &cpus) != 1)
			cpus = 0;
		pclose(c);
	}
	ASSERT(cpus > 0);
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long active, num;
		unsigned objsize, objperslab, pages;
		int order;

		if (sscanf(line, "%127s %lu %lu %u %u %u", name, &active, &num, &objsize, &objperslab, &pages) != 6)
			continue;
		order = slub_calculate_order(objsize, cpus);
		if (1u << order != pages || (PAGE_SIZE << order) / objsize != objperslab)
			kunit_fail(test, __FILE__, __LINE__, "%s: objsize %u: kernel %u objs/%u pages, kalloc %lu/%u",
				   name, objsize, objperslab, pages, (PAGE_SIZE << order) / objsize, 1u << order);
		rows++;
	}
	fclose(f);
	EXPECT(rows > 10);
	printf("    reproduced %u /proc/slabinfo rows with %u CPUs\n", rows, cpus);
}

/* Slot sizes of real caches in the Linux 6.18 trace (bytes_req -> bytes_alloc)
 * from their object size and the flags their kmem_cache_create() passes. */
TEST(slab_slot_sizes_match_linux_caches)
{
	static const struct {
		const char *name;
		unsigned size, slot;
		slab_flags_t flags;
		int ctor;
	} caches[] = {
		{ "task_struct", 4248, 4288, SLAB_HWCACHE_ALIGN, 0 },
		{ "sighand_cache", 2080, 2112, SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU, 1 },
		{ "mm_struct", 1568, 1600, SLAB_HWCACHE_ALIGN, 0 },
		{ "filp", 184, 192, SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU, 0 },
		{ "pid", 184, 192, SLAB_HWCACHE_ALIGN, 0 },
		{ "anon_vma", 96, 104, SLAB_TYPESAFE_BY_RCU, 1 },
		{ "inode_cache", 616, 624, 0, 1 },
		{ "radix_tree_node", 576, 584, 0, 1 },
		{ "sock_inode_cache", 768, 832, SLAB_HWCACHE_ALIGN, 1 },
		{ "skbuff_head_cache", 224, 256, SLAB_HWCACHE_ALIGN, 0 },
		{ "dentry", 192, 192, 0, 0 },
		{ "buffer_head", 104, 104, 0, 0 },
		{ "signal_cache", 1152, 1152, SLAB_HWCACHE_ALIGN, 0 },
	};
	for (unsigned i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		struct slub_geometry g;

		ASSERT_EQ(slub_geometry(caches[i].size, 0, caches[i].flags, caches[i].ctor, 2, &g), 0);
		if (g.size != caches[i].slot)
			kunit_fail(test, __FILE__, __LINE__, "%s: %u -> %u, Linux %u", caches[i].name,
				   caches[i].size, g.size, caches[i].slot);
	}
}

TEST(slab_hwcache_align_small_objects_share_lines)
{
	struct slub_geometry g;

	/* 20 bytes: ralign halves to 32; 40 bytes: a whole 64-byte line. */
	ASSERT_EQ(slub_geometry(20, 0, SLAB_HWCACHE_ALIGN, 0, 1, &g), 0);
	EXPECT_EQ(g.align, 32);
	EXPECT_EQ(g.size, 32);
	ASSERT_EQ(slub_geometry(40, 0, SLAB_HWCACHE_ALIGN, 0, 1, &g), 0);
	EXPECT_EQ(g.align, 64);
	EXPECT_EQ(g.size, 64);
	ASSERT_EQ(slub_geometry(40, 128, 0, 0, 1, &g), 0);
	EXPECT_EQ(g.size, 128);
	EXPECT_EQ(slub_geometry(40, 24, 0, 0, 1, &g), -KERR_INVAL);
}

TEST(slab_alloc_free_cycle)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *s;
	struct slab_stats st;
	void *obj[200];

	ASSERT(m);
	s = kmem_cache_create(m, "test_obj", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
	ASSERT(s);
	for (int i = 0; i < 200; i++) {
		obj[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT(obj[i]);
		EXPECT_EQ((uintptr_t)obj[i] % 64, 0);
		EXPECT(virt_to_cache(m, obj[i]) == s);
		memset(obj[i], i, 100);
	}
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.active_objs, 200);
	EXPECT_EQ(st.size, 128);
	EXPECT_EQ(st.num_objs, st.num_slabs * st.objs_per_slab);
	EXPECT_HEALTHY(m);
	for (int i = 0; i < 200; i++) {
		unsigned char *p = obj[i];
		EXPECT(p[0] == (unsigned char)i && p[99] == (unsigned char)i);
	}
	for (int i = 0; i < 200; i += 2)
		EXPECT_EQ(kmem_cache_free(s, obj[i]), 0);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.active_objs, 100);
	EXPECT_HEALTHY(m);
	for (int i = 1; i < 200; i += 2)
		EXPECT_EQ(kmem_cache_free(s, obj[i]), 0);
	EXPECT_HEALTHY(m);
	EXPECT(kmem_cache_shrink(s) > 0);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.num_slabs, 0);
	EXPECT_EQ(st.pages, 0);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

static int ctor_runs;
static void ctor_stamp(void *obj)
{
	ctor_runs++;
	memcpy(obj, "CONSTRUCTED", 12);
}

TEST(slab_ctor_runs_once_per_object_at_population)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct kmem_cache *s;
	struct slab_stats st;
	char *a, *b;

	ASSERT(m);
	ctor_runs = 0;
	s = kmem_cache_create(m, "ctor_cache", 64, 0, 0, ctor_stamp);
	ASSERT(s);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(ctor_runs, 0);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(a);
	kmem_cache_stats(s, &st);
	/* The whole slab was constructed when it was populated. */
	EXPECT_EQ(ctor_runs, (int)st.objs_per_slab);
	EXPECT_EQ(st.ctor_calls, st.objs_per_slab);
	EXPECT_EQ(memcmp(a, "CONSTRUCTED", 12), 0);
	/* The free pointer lives outside the object: state survives free. */
	EXPECT_EQ(st.size, 72);
	kmem_cache_free(s, a);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	EXPECT(b == a);
	EXPECT_EQ(memcmp(b, "CONSTRUCTED", 12), 0);
	EXPECT_EQ(ctor_runs, (int)st.objs_per_slab);
	kmem_cache_free(s, b);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slab_min_partial_keeps_empty_slabs_and_shrink_returns_them)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct kmem_cache *s;
	struct slab_stats st;
	struct page_stats ps0, ps1;
	void **obj;
	unsigned per, n;

	ASSERT(m);
	s = kmem_cache_create(m, "pingpong", 512, 0, 0, NULL);
	ASSERT(s);
	kmem_cache_stats(s, &st);
	per = st.objs_per_slab;
	n = per * 20;
	obj = calloc(n, sizeof(*obj));
	for (unsigned i = 0; i < n; i++)
		ASSERT(obj[i] = kmem_cache_alloc(s, GFP_KERNEL));
	for (unsigned i = 0; i < n; i++)
		kmem_cache_free(s, obj[i]);
	kmem_cache_stats(s, &st);
	/* min_partial for 512-byte slots: ilog2(512) / 2 = 4, raised to 5.
	 * The CPU slab stays too. */
	EXPECT_EQ(st.active_objs, 0);
	EXPECT_EQ(st.partial_slabs, 5);
	EXPECT_EQ(st.num_slabs, 6);
	/* Ping-pong now costs no pages. */
	buddy_page_stats(m, &ps0);
	for (int i = 0; i < 1000; i++) {
		void *p = kmem_cache_alloc(s, GFP_KERNEL);
		kmem_cache_free(s, p);
	}
	buddy_page_stats(m, &ps1);
	EXPECT_EQ(ps1.alloc_calls, ps0.alloc_calls);
	EXPECT_EQ(kmem_cache_shrink(s), 6 * st.pages_per_slab);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.num_slabs, 0);
	EXPECT_HEALTHY(m);
	free(obj);
	machine_destroy(m);
}

TEST(slab_destroy_with_live_objects_is_refused)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct kmem_cache *s;
	void *a;

	ASSERT(m);
	s = kmem_cache_create(m, "leaky", 200, 0, 0, NULL);
	ASSERT(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(a);
	EXPECT_EQ(kmem_cache_destroy(s), -KERR_CACHE_BUSY);
	EXPECT(strstr(machine_last_report(m), "Objects remaining in leaky on __kmem_cache_shutdown()") != NULL);
	EXPECT(kmem_cache_find(m, "leaky") == s);
	EXPECT_HEALTHY(m);
	/* Still usable, and destroyable once empty. */
	EXPECT_EQ(kmem_cache_free(s, a), 0);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT(kmem_cache_find(m, "leaky") == NULL);
	EXPECT_HEALTHY(m);
	/* kmalloc's own caches cannot go. */
	EXPECT_EQ(kmem_cache_destroy(kmem_cache_find(m, "kmalloc-64")), -KERR_INVAL);
	machine_destroy(m);
}

TEST(slab_wrong_frees_are_reported)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct kmem_cache *a, *b;
	char before[8192], after[8192];
	char *x, *y;
	unsigned long page;

	ASSERT(m);
	a = kmem_cache_create(m, "cache_a", 96, 0, 0, NULL);
	b = kmem_cache_create(m, "cache_b", 96, 0, 0, NULL);
	ASSERT(a && b);
	x = kmem_cache_alloc(a, GFP_KERNEL);
	y = kmem_cache_alloc(b, GFP_KERNEL);
	page = __get_free_page(m, GFP_KERNEL);
	ASSERT(x && y && page);
	proc_slabinfo(m, before, sizeof(before));

	EXPECT_EQ(kmem_cache_free(b, x), -KERR_WRONG_CACHE);
	EXPECT_EQ(kmem_cache_free(a, x + 8), -KERR_NOT_OBJECT);
	EXPECT_EQ(kmem_cache_free(a, x + 96 * 1000), -KERR_DOUBLE_FREE);	/* a free page */
	EXPECT_EQ(kmem_cache_free(a, (void *)page), -KERR_WRONG_OWNER);
	EXPECT_EQ(kmem_cache_free(a, before), -KERR_BAD_ADDRESS);
	EXPECT_EQ(kmem_cache_free(a, x + 96), -KERR_DOUBLE_FREE);	/* never handed out */
	proc_slabinfo(m, after, sizeof(after));
	EXPECT_STREQ(after, before);
	EXPECT_HEALTHY(m);

	EXPECT_EQ(kmem_cache_free(a, x), 0);
	EXPECT_EQ(kmem_cache_free(a, x), -KERR_DOUBLE_FREE);
	EXPECT_EQ(machine_errors(m, KERR_DOUBLE_FREE), 3);
	/* Freed twice after its slab went back to the buddy allocator: still
	 * a double free, as kfree() would say. */
	EXPECT(kmem_cache_shrink(a) > 0);
	EXPECT_EQ(kmem_cache_free(a, x), -KERR_DOUBLE_FREE);
	EXPECT(strstr(machine_last_report(m), "in a free page") != NULL);
	EXPECT_HEALTHY(m);
	/* Pages of a slab cannot be freed through the page allocator. */
	EXPECT_EQ(free_pages(m, (unsigned long)y & PAGE_MASK, 0), -KERR_WRONG_OWNER);
	EXPECT_HEALTHY(m);
	kmem_cache_free(b, y);
	free_page(m, page);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slab_create_rejects_bad_arguments)
{
	struct machine *m = test_machine(1024, 0, 1);

	ASSERT(m);
	EXPECT(kmem_cache_create(m, "", 64, 0, 0, NULL) == NULL);
	EXPECT(kmem_cache_create(m, "zero", 0, 0, 0, NULL) == NULL);
	EXPECT(kmem_cache_create(m, "huge", 5u << 20, 0, 0, NULL) == NULL);
	EXPECT(kmem_cache_create(m, "align", 64, 48, 0, NULL) == NULL);
	EXPECT(kmem_cache_create(m, "flags", 64, 0, 0x1, NULL) == NULL);
	EXPECT(kmem_cache_create(m, "a_name_that_is_far_too_long_for_it", 64, 0, 0, NULL) == NULL);
	EXPECT_EQ(machine_errors(m, KERR_INVAL), 6);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slab_poison_catches_write_after_free)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct kmem_cache *s;
	struct kalloc_check ck;
	unsigned char *p, *q;

	ASSERT(m);
	s = kmem_cache_create(m, "poisoned", 64, 0, SLAB_POISON, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
#ifndef KUNIT_ASAN
	/* Under ASan the write itself is the report; elsewhere the poison
	 * pattern is. */
	p[10] = 1;
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_POISON);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	EXPECT(q == p);
	EXPECT_EQ(machine_errors(m, KERR_POISON), 1);
	kmem_cache_free(s, q);
	EXPECT_HEALTHY(m);
#else
	(void)ck;
	(void)q;
#endif
	machine_destroy(m);
}

TEST(slab_slabinfo_format)
{
	struct machine *m = test_machine(4096, 0, 4);
	struct kmem_cache *s;
	char buf[16384], *row;
	void *o[40];

	ASSERT(m);
	s = kmem_cache_create(m, "task_struct", 1040, 0, 0, NULL);
	ASSERT(s);
	for (int i = 0; i < 40; i++)
		o[i] = kmem_cache_alloc(s, GFP_KERNEL);
	proc_slabinfo(m, buf, sizeof(buf));
	EXPECT(strncmp(buf, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> "
			    "<objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
			    "slabdata <active_slabs> <num_slabs> <sharedavail>\n", 200) == 0);
	row = strstr(buf, "task_struct");
	ASSERT(row);
	/* 40 objects: two slabs of 31; the CPU slab counts as active. */
	EXPECT(strncmp(row, "task_struct           62     62   1040   31    8 : tunables    0    0    0 : "
			    "slabdata      2      2      0\n", 107) == 0);
	/* Newest first, as Linux lists them. */
	EXPECT(row == strchr(strchr(buf, '\n') + 1, '\n') + 1);
	for (int i = 0; i < 40; i++)
		kmem_cache_free(s, o[i]);
	machine_destroy(m);
}

/* proc_slabinfo writes its kept rows with whole-array copies where they
 * fit and byte-exact copies near the end of the buffer: at every buffer
 * size, with every row kept or not, the text is the full text cut to the
 * buffer, NUL-terminated, and the length the full text's. */
TEST(slab_slabinfo_at_every_buffer_size)
{
	struct machine *m = test_machine(2048, 512, 1);
	static char full[16384], cut[16384];
	struct kmem_cache *s;
	void *o[3];
	unsigned long bad = 0;
	int need;

	ASSERT(m);
	s = kmem_cache_create(m, "a-cache-name-of-31-characters-x", 200, 0, 0, NULL);
	ASSERT(s);
	for (int i = 0; i < 3; i++)
		o[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int round = 0; round < 2; round++) {
		need = proc_slabinfo(m, full, sizeof(full));
		ASSERT(need > 0 && (size_t)need < sizeof(full));
		EXPECT_EQ(strlen(full), (size_t)need);
		for (size_t n = 0; n <= (size_t)need + 1; n++) {
			memset(cut, 'x', sizeof(cut));
			if (proc_slabinfo(m, n ? cut : NULL, n) != need ||
			    (n && (strlen(cut) != (n - 1 < (size_t)need ? n - 1 : (size_t)need) ||
				   memcmp(cut, full, strlen(cut)))))
				bad++;
		}
		EXPECT_EQ(bad, 0);
		kmem_cache_free(s, o[round]);	/* one row changes */
	}
	kmem_cache_free(s, o[2]);
	kmem_cache_destroy(s);
	machine_destroy(m);
}

TEST(slab_dma_cache_uses_dma_zone)
{
	struct machine *m = test_machine(2048, 512, 1);
	struct kmem_cache *s;
	void *p;

	ASSERT(m);
	s = kmem_cache_create(m, "dma_buf", 300, 0, SLAB_CACHE_DMA, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(page_zonenum(m, virt_to_page(m, p)), ZONE_DMA);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slab_per_cpu_slabs)
{
	struct machine *m = test_machine(1024, 0, 2);
	struct kmem_cache *s;
	struct slab_stats st;
	void *a, *b;

	ASSERT(m);
	s = kmem_cache_create(m, "percpu", 256, 0, 0, NULL);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_EQ(machine_set_cpu(m, 1), 0);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(a && b);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.cpu_slabs, 2);
	EXPECT(virt_to_page(m, a) != virt_to_page(m, b));
	EXPECT_EQ(machine_set_cpu(m, 2), -KERR_INVAL);
	/* Freeing on the other CPU is fine. */
	EXPECT_EQ(kmem_cache_free(s, a), 0);
	EXPECT_EQ(kmem_cache_free(s, b), 0);
	EXPECT_HEALTHY(m);
	kmem_cache_shrink(s);
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.num_slabs, 0);
	machine_destroy(m);
}

TEST(slab_fallback_to_min_order_when_pages_are_short)
{
	struct machine *m = test_machine(1024, 0, 4);
	struct kmem_cache *s;
	void *p;

	ASSERT(m);
	s = kmem_cache_create(m, "task_struct", 1040, 0, 0, NULL);
	ASSERT(s);
	/* The order-3 attempt fails; the order-0 retry gets 3 objects. */
	buddy_inject_failures(m, 0, 1);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(virt_to_page(m, p) == NULL, 0);
	struct slab_stats st;
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.num_objs, 3);
	EXPECT_EQ(st.pages, 1);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* kmem_cache_free finds the object index by reciprocal multiplication:
 * for every slot size, the last object of a slab is accepted and the slot
 * boundary +8 and the tail waste after the last object are refused. */
TEST(slab_free_validates_every_slot_size)
{
	struct machine *m = test_machine(4096, 0, 2);

	ASSERT(m);
	for (unsigned size = 8; size <= 8192; size += 8) {
		struct kmem_cache *s = kmem_cache_create(m, "sizes", size, 0, 0, NULL);
		struct slab_stats st;
		char *first, *obj[512];
		unsigned n;

		ASSERT(s);
		kmem_cache_stats(s, &st);
		n = st.objs_per_slab;
		for (unsigned i = 0; i < n; i++)
			obj[i] = kmem_cache_alloc(s, GFP_KERNEL);
		first = obj[0];
		ASSERT(obj[n - 1] == first + (size_t)(n - 1) * size);
		if (size > 8)
			EXPECT_EQ(kmem_cache_free(s, first + (size_t)(n - 1) * size + 8), -KERR_NOT_OBJECT);
		if ((size_t)n * size < PAGE_SIZE << st.order)
			EXPECT_EQ(kmem_cache_free(s, first + (size_t)n * size), -KERR_NOT_OBJECT);
		for (unsigned i = n; i-- > 0;)
			if (kmem_cache_free(s, obj[i])) {
				kunit_fail(test, __FILE__, __LINE__, "size %u: object %u refused", size, i);
				break;
			}
		ASSERT_EQ(kmem_cache_destroy(s), 0);
		if (test->failures)
			break;
	}
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* proc_slabinfo keeps each cache's last row: after any mix of operations
 * the text is what rendering every row afresh gives. */
TEST(slab_proc_slabinfo_kept_rows_match_fresh_rows)
{
	struct machine *m = test_machine(4096, 1024, 2);
	static char kept[32768], fresh[32768];
	struct kmem_cache *s;
	void *p[200] = { 0 };
	unsigned int r = 5;

	ASSERT(m);
	s = kmem_cache_create(m, "a-rather-long-cache-name-here", 300, 0, 0, NULL);
	ASSERT(s);
	for (int i = 0; i < 600; i++) {
		unsigned int j;

		r = r * 1103515245u + 12345u;
		j = (r >> 8) % 200;
		machine_set_cpu(m, (r >> 20) & 1);
		if (p[j]) {
			kfree(m, p[j]);
			p[j] = NULL;
		} else {
			p[j] = (r & 0x10000) ? kmem_cache_alloc(s, GFP_KERNEL) : kmalloc(m, 1 + (r >> 4) % 9000, GFP_KERNEL);
		}
		if (i % 7 == 0) {
			int a = proc_slabinfo(m, kept, sizeof(kept));

			for (struct kmem_cache *c = NULL; (c = kmem_cache_next(m, c));)
				c->slabinfo.len = 0;
			EXPECT_EQ(proc_slabinfo(m, fresh, sizeof(fresh)), a);
			EXPECT_STREQ(kept, fresh);
		}
		if (i % 97 == 0)
			kmem_cache_shrink(s);
	}
	machine_destroy(m);
}
