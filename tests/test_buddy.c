/* test_buddy.c - the buddy page allocator: splitting, merging, zones,
 * per-CPU lists, wrong frees, /proc/buddyinfo. */
#include <stdlib.h>
#include "kunit.h"

static unsigned long zone_free(struct machine *m, enum zone_type z)
{
	struct zone_stats st;
	return buddy_zone_stats(m, z, &st) ? 0 : st.free_pages;
}

TEST(buddy_boot_state)
{
	struct machine *m = test_machine(8192, 4096, 2);
	struct zone_stats dma, normal;
	char buf[512];

	ASSERT(m);
	ASSERT_EQ(buddy_zone_stats(m, ZONE_DMA, &dma), 0);
	ASSERT_EQ(buddy_zone_stats(m, ZONE_NORMAL, &normal), 0);
	/* 16 MiB each: four order-10 blocks per zone, nothing smaller. */
	EXPECT_EQ(dma.nr_free[10], 4);
	EXPECT_EQ(normal.nr_free[10], 4);
	EXPECT_EQ(dma.free_pages + normal.free_pages, 8192);
	proc_buddyinfo(m, buf, sizeof(buf));
	EXPECT_STREQ(buf,
		     "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 \n"
		     "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      4 \n");
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* proc_buddyinfo builds its rows by hand: on a fragmented machine they are
 * printf's "Node 0, zone %8s " and "%6lu " of every order's count, and a
 * short buffer gets the text cut, with the full length returned. */
TEST(buddy_buddyinfo_is_printf_text)
{
	struct machine *m = test_machine(3001, 1000, 1);
	char want[1024], got[1024];
	struct page *pg[64];
	int o = 0, need;

	ASSERT(m);
	for (int i = 0; i < 64; i++)
		pg[i] = alloc_pages(m, GFP_KERNEL | (i % 3 ? 0 : GFP_DMA), (unsigned)(i * 7) % 4);
	for (int i = 0; i < 64; i += 2)
		if (pg[i])
			__free_pages(m, pg[i], (unsigned)(i * 7) % 4);
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone_stats z;

		if (buddy_zone_stats(m, (enum zone_type)zi, &z))
			continue;
		o += snprintf(want + o, sizeof(want) - o, "Node 0, zone %8s ", z.name);
		for (unsigned int k = 0; k <= machine_config(m)->max_order; k++)
			o += snprintf(want + o, sizeof(want) - o, "%6lu ", z.nr_free[k]);
		o += snprintf(want + o, sizeof(want) - o, "\n");
	}
	need = proc_buddyinfo(m, got, sizeof(got));
	EXPECT_STREQ(got, want);
	EXPECT_EQ(need, o);
	EXPECT_EQ(proc_buddyinfo(m, got, 50), o);
	EXPECT(strlen(got) == 49 && !memcmp(got, want, 49));
	for (int i = 1; i < 64; i += 2)
		if (pg[i])
			__free_pages(m, pg[i], (unsigned)(i * 7) % 4);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_odd_zone_sizes_are_maximally_merged)
{
	/* 1000 DMA frames and 2001 NORMAL ones: blocks must be aligned, in
	 * their zone, and no two free buddies may coexist. */
	struct machine *m = test_machine(3001, 1000, 1);

	ASSERT(m);
	EXPECT_EQ(zone_free(m, ZONE_DMA), 1000);
	EXPECT_EQ(zone_free(m, ZONE_NORMAL), 2001);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_split_and_merge)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct zone_stats st;
	struct page *p;

	ASSERT(m);
	p = alloc_pages(m, GFP_KERNEL, 3);
	ASSERT(p);
	EXPECT_EQ(page_to_pfn(m, p), 0);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	/* 1024 = 8 + 8 + 16 + ... + 512: one free block of each order 3..9. */
	for (int o = 3; o < 10; o++)
		EXPECT_EQ(st.nr_free[o], 1);
	EXPECT_EQ(st.nr_free[10], 0);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(__free_pages(m, p, 3), 0);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	EXPECT_EQ(st.nr_free[10], 1);
	EXPECT_EQ(st.free_pages, 1024);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_blocks_are_aligned_and_disjoint)
{
	struct machine *m = test_machine(4096, 1024, 2);
	unsigned long addr[64];
	unsigned order[64];
	unsigned char *owner;

	ASSERT(m);
	owner = calloc(4096, 1);
	srand(7);
	for (int i = 0; i < 64; i++) {
		order[i] = (unsigned)rand() % 5;
		addr[i] = __get_free_pages(m, GFP_KERNEL, order[i]);
		ASSERT(addr[i]);
		unsigned long pfn = (addr[i] - (unsigned long)machine_base(m)) / PAGE_SIZE;
		EXPECT_EQ(pfn % (1u << order[i]), 0);
		EXPECT_EQ(addr[i] % (PAGE_SIZE << order[i]), 0);
		for (unsigned long j = 0; j < (1u << order[i]); j++) {
			EXPECT_EQ(owner[pfn + j], 0);
			owner[pfn + j] = 1;
		}
	}
	EXPECT_HEALTHY(m);
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(free_pages(m, addr[i], order[i]), 0);
	drain_all_pages(m);
	EXPECT_EQ(zone_free(m, ZONE_DMA) + zone_free(m, ZONE_NORMAL), 4096);
	EXPECT_HEALTHY(m);
	free(owner);
	machine_destroy(m);
}

TEST(buddy_gfp_dma_and_fallback)
{
	struct machine *m = test_machine(2048, 1024, 1);
	struct page *p, *q;

	ASSERT(m);
	p = alloc_pages(m, GFP_KERNEL | GFP_DMA, 2);
	ASSERT(p);
	EXPECT_EQ(page_zonenum(m, p), ZONE_DMA);
	q = alloc_pages(m, GFP_KERNEL, 2);
	ASSERT(q);
	EXPECT_EQ(page_zonenum(m, q), ZONE_NORMAL);
	__free_pages(m, q, 2);
	/* Fill NORMAL; the next NORMAL request falls back to DMA. */
	q = alloc_pages(m, GFP_KERNEL, 10);
	ASSERT(q);
	EXPECT_EQ(page_zonenum(m, q), ZONE_NORMAL);
	struct page *r = alloc_pages(m, GFP_KERNEL, 3);
	ASSERT(r);
	EXPECT_EQ(page_zonenum(m, r), ZONE_DMA);
	/* GFP_DMA never falls back to NORMAL. */
	__free_pages(m, q, 10);
	struct page *big = alloc_pages(m, GFP_DMA, 10);
	EXPECT(big == NULL);
	EXPECT_HEALTHY(m);
	__free_pages(m, p, 2);
	__free_pages(m, r, 3);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_zeroed_page)
{
	struct machine *m = test_machine(64, 0, 1);
	unsigned long a;
	unsigned char *p;
	int nonzero = 0;

	ASSERT(m);
	a = __get_free_page(m, GFP_KERNEL);
	ASSERT(a);
	memset((void *)a, 0xee, PAGE_SIZE);
	free_page(m, a);
	a = get_zeroed_page(m, GFP_KERNEL);
	ASSERT(a);
	p = (unsigned char *)a;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		nonzero |= p[i];
	EXPECT_EQ(nonzero, 0);
	free_page(m, a);
	machine_destroy(m);
}

TEST(buddy_order0_pingpong_does_not_split)
{
	/* The per-CPU list serves the loop: after the first refill the free
	 * lists stay exactly as they are. */
	struct machine *m = test_machine(4096, 0, 1);
	struct zone_stats before, after;
	struct page *p;

	ASSERT(m);
	p = alloc_page(m, GFP_KERNEL);
	__free_page(m, p);
	buddy_zone_stats(m, ZONE_NORMAL, &before);
	EXPECT(before.pcp_pages > 0);
	for (int i = 0; i < 10000; i++) {
		p = alloc_page(m, GFP_KERNEL);
		ASSERT(p);
		ASSERT_EQ(__free_page(m, p), 0);
	}
	buddy_zone_stats(m, ZONE_NORMAL, &after);
	EXPECT_EQ(memcmp(before.nr_free, after.nr_free, sizeof(before.nr_free)), 0);
	EXPECT_EQ(after.pcp_pages, before.pcp_pages);
	drain_all_pages(m);
	buddy_zone_stats(m, ZONE_NORMAL, &after);
	EXPECT_EQ(after.nr_free[10], 4);
	EXPECT_EQ(after.pcp_pages, 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_pcp_high_mark_returns_a_batch)
{
	struct machine *m = test_machine(65536, 0, 1);
	struct zone_stats st;
	struct page **p;
	unsigned n;

	ASSERT(m);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	/* Linux's zone_batchsize for 256 MiB: 15; high = 6 * batch. */
	EXPECT_EQ(st.pcp_batch, 15);
	EXPECT_EQ(st.pcp_high, 90);
	n = st.pcp_high + 10;
	p = calloc(n, sizeof(*p));
	for (unsigned i = 0; i < n; i++)
		ASSERT(p[i] = alloc_page(m, GFP_KERNEL));
	for (unsigned i = 0; i < n; i++)
		__free_page(m, p[i]);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	EXPECT(st.pcp_pages < st.pcp_high);
	EXPECT_HEALTHY(m);
	free(p);
	machine_destroy(m);
}

TEST(buddy_exhaustion_and_recovery)
{
	struct machine *m = test_machine(256, 0, 1);
	unsigned long a[256];
	int n = 0;

	ASSERT(m);
	while (n < 256 && (a[n] = __get_free_page(m, GFP_KERNEL)))
		n++;
	EXPECT_EQ(n, 256);
	EXPECT_EQ(__get_free_page(m, GFP_KERNEL), 0);
	EXPECT_HEALTHY(m);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(free_page(m, a[i]), 0);
	drain_all_pages(m);
	EXPECT_EQ(zone_free(m, ZONE_NORMAL), 256);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_order_above_max_is_refused)
{
	struct machine *m = test_machine(4096, 0, 1);

	ASSERT(m);
	EXPECT(alloc_pages(m, GFP_KERNEL, 11) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_INVAL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_fault_injection)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct page *a, *b, *c;

	ASSERT(m);
	buddy_inject_failures(m, 1, 1);
	a = alloc_pages(m, GFP_KERNEL, 1);
	b = alloc_pages(m, GFP_KERNEL, 1);
	c = alloc_pages(m, GFP_KERNEL, 1);
	EXPECT(a != NULL);
	EXPECT(b == NULL);
	EXPECT(c != NULL);
	EXPECT_EQ(buddy_injected_pending(m), 0);
	__free_pages(m, a, 1);
	__free_pages(m, c, 1);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* Every wrong free: reported with its own code, nothing changed. */
TEST(buddy_wrong_frees_are_reported)
{
	struct machine *m = test_machine(1024, 0, 1);
	char before[512], after[512];
	unsigned long a, b;

	ASSERT(m);
	a = __get_free_pages(m, GFP_KERNEL, 2);
	b = __get_free_pages(m, GFP_KERNEL, 0);
	ASSERT(a && b);
	proc_buddyinfo(m, before, sizeof(before));

	EXPECT_EQ(free_pages(m, a, 3), -KERR_WRONG_ORDER);
	EXPECT_EQ(free_pages(m, a, 1), -KERR_WRONG_ORDER);
	EXPECT_EQ(free_pages(m, a + PAGE_SIZE, 0), -KERR_NOT_HEAD);
	EXPECT_EQ(free_pages(m, a + 100, 2), -KERR_NOT_HEAD);
	EXPECT_EQ(free_pages(m, (unsigned long)machine_base(m) - PAGE_SIZE, 0), -KERR_BAD_ADDRESS);
	EXPECT_EQ(free_pages(m, (unsigned long)machine_base(m) + 1024 * PAGE_SIZE, 0), -KERR_BAD_ADDRESS);
	EXPECT_EQ(__free_pages(m, (struct page *)&before, 0), -KERR_BAD_ADDRESS);
	/* A page inside a free block was never handed out. */
	EXPECT_EQ(free_pages(m, (unsigned long)machine_base(m) + 700 * PAGE_SIZE, 0), -KERR_DOUBLE_FREE);
	EXPECT_EQ(machine_errors(m, KERR_WRONG_ORDER), 2);
	EXPECT_EQ(machine_errors(m, KERR_NOT_HEAD), 2);
	EXPECT_EQ(machine_errors(m, KERR_BAD_ADDRESS), 3);
	proc_buddyinfo(m, after, sizeof(after));
	EXPECT_STREQ(after, before);
	EXPECT_HEALTHY(m);

	/* Double frees, of a high order block and of a pcp page. */
	EXPECT_EQ(free_pages(m, a, 2), 0);
	EXPECT_EQ(free_pages(m, a, 2), -KERR_DOUBLE_FREE);
	EXPECT_EQ(free_pages(m, b, 0), 0);
	EXPECT_EQ(free_pages(m, b, 0), -KERR_DOUBLE_FREE);
	EXPECT_EQ(machine_errors(m, KERR_DOUBLE_FREE), 3);
	EXPECT(strstr(machine_last_report(m), "already free") != NULL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

static int sink_calls, sink_last;

static void sink(void *ctx, int code, const char *report)
{
	(void)ctx;
	(void)report;
	sink_calls++;
	sink_last = code;
}

TEST(buddy_error_sink_callback)
{
	struct machine *m = test_machine(64, 0, 1);

	ASSERT(m);
	sink_calls = 0;
	machine_set_report(m, sink, NULL);
	EXPECT_EQ(free_pages(m, (unsigned long)machine_base(m), 0), -KERR_DOUBLE_FREE);
	EXPECT_EQ(sink_calls, 1);
	EXPECT_EQ(sink_last, KERR_DOUBLE_FREE);
	EXPECT_EQ(machine_errors_total(m), 1);
	machine_clear_errors(m);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_EQ(machine_last_error(m), KERR_NONE);
	machine_destroy(m);
}

TEST(buddy_extfrag_indices)
{
	struct machine *m = test_machine(16, 0, 1);
	unsigned long keep[8];
	char buf[512];
	struct zone_stats z;

	ASSERT(m);
	proc_unusable_index(m, buf, sizeof(buf));
	/* One free order-4 block: orders 0-4 fully usable, 5-10 not at all. */
	EXPECT_STREQ(buf, "Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 1.000 1.000 1.000 1.000 1.000 1.000 \n");
	/* Take every page, give back every other one: 8 free order-0 pages,
	 * no pair adjacent.  Order 1 and up are unusable, and fail from
	 * fragmentation: 1 - (1 + 8/2) / 8 = 0.375 for order 1. */
	unsigned long all[16];
	for (int i = 0; i < 16; i++)
		all[i] = __get_free_page(m, GFP_KERNEL);
	for (int i = 0; i < 8; i++)
		keep[i] = all[2 * i + 1];
	for (int i = 0; i < 16; i += 2)
		free_page(m, all[i]);
	drain_all_pages(m);
	ASSERT_EQ(buddy_zone_stats(m, ZONE_NORMAL, &z), 0);
	ASSERT_EQ(z.nr_free[0], 8);
	EXPECT_EQ(unusable_free_index(&z, 0), 0);
	EXPECT_EQ(unusable_free_index(&z, 1), 1000);
	EXPECT_EQ(fragmentation_index(&z, 0), -1000);
	EXPECT_EQ(fragmentation_index(&z, 1), 375);
	EXPECT_EQ(fragmentation_index(&z, 3), 1000 - (1000 + 8000 / 8) / 8);
	proc_extfrag_index(m, buf, sizeof(buf));
	EXPECT(strncmp(buf, "Node 0, zone   Normal -1.000  0.375  0.625 ", 43) == 0);
	for (int i = 0; i < 8; i++)
		free_page(m, keep[i]);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(buddy_failing_request_drains_per_cpu_lists)
{
	/* 64 frames, all taken one by one and given back: some stay on the
	 * per-CPU list, so the free lists alone hold no order-6 block.  The
	 * order-6 request still succeeds, as in Linux, by draining first. */
	struct machine *m = test_machine(64, 0, 2);
	unsigned long a[64];
	struct zone_stats st;

	ASSERT(m);
	for (int i = 0; i < 64; i++)
		ASSERT(a[i] = __get_free_page(m, GFP_KERNEL));
	for (int i = 0; i < 64; i++)
		free_page(m, a[i]);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	ASSERT(st.pcp_pages > 0);
	EXPECT_EQ(st.nr_free[6], 0);
	a[0] = __get_free_pages(m, GFP_KERNEL, 6);
	EXPECT(a[0] != 0);
	buddy_zone_stats(m, ZONE_NORMAL, &st);
	EXPECT_EQ(st.pcp_pages, 0);
	EXPECT_EQ(st.free_pages, 0);
	EXPECT_EQ(free_pages(m, a[0], 6), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}
