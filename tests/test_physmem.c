/* test_physmem.c - frames mapped twice, page owners, the physmem check.
 *
 * A window is reserved, frames are mapped into it, and every byte written
 * through one address reads back through the other; bad map calls change
 * nothing; an arena hands windows back clean; each PHYS_* invariant fires
 * for exactly the corruption made for it.
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

TEST(physmem_window_aliases_the_direct_map)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct phys_window *w;
	struct physmem_stats boot, ps;
	struct page *page;
	unsigned char *direct, *alias;

	ASSERT(m);
	physmem_stats(m, &boot);	/* the VMALLOC range is a window already */
	EXPECT_EQ(boot.windows, 1);
	w = physmem_window_reserve(m, "test", 8);
	ASSERT(w);
	page = alloc_page(m, GFP_KERNEL);
	ASSERT(page);
	direct = page_address(m, page);
	alias = window_slot_address(w, 2);
	EXPECT_EQ(physmem_translate(m, alias), 0);		/* nothing there yet */
	ASSERT_EQ(physmem_map(m, w, alias, page_to_pfn(m, page), 1), 0);
	EXPECT_EQ(page->mapcount, 1);
	alias[0] = 0x5a;
	alias[PAGE_SIZE - 1] = 0xa5;
	EXPECT_EQ(direct[0], 0x5a);
	EXPECT_EQ(direct[PAGE_SIZE - 1], 0xa5);
	direct[100] = 7;
	EXPECT_EQ(alias[100], 7);
	EXPECT(physmem_translate(m, alias + 123) == page);
	EXPECT(physmem_translate(m, direct + 123) == page);
	EXPECT(physmem_window_of(m, alias) == w);
	EXPECT(physmem_window_of(m, direct) == NULL);
	EXPECT_EQ(physmem_translate(m, window_slot_address(w, 3)), 0);
	physmem_stats(m, &ps);
	EXPECT_EQ(ps.windows, boot.windows + 1);
	EXPECT_EQ(ps.window_pages, boot.window_pages + 8);
	EXPECT_EQ(ps.mapped, boot.mapped + 1);
	EXPECT_HEALTHY(m);

	ASSERT_EQ(physmem_unmap(m, w, alias, 1), 0);
	EXPECT_EQ(page->mapcount, 0);
	EXPECT_EQ(physmem_translate(m, alias), 0);
	EXPECT_EQ(direct[100], 7);				/* the frame keeps its bytes */
	EXPECT_EQ(__free_page(m, page), 0);
	physmem_window_release(m, w);
	physmem_stats(m, &ps);
	EXPECT_EQ(ps.windows, boot.windows);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A run of contiguous frames is one host call; one frame may be mapped at
 * several slots, and each mapping aliases it. */
TEST(physmem_runs_and_double_mappings)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct phys_window *w;
	struct physmem_stats before, after;
	struct page *block;
	unsigned long pfn;
	unsigned char *a, *b;

	ASSERT(m);
	w = physmem_window_reserve(m, "test", 16);
	block = alloc_pages(m, GFP_KERNEL, 2);
	ASSERT(w && block);
	pfn = page_to_pfn(m, block);
	physmem_stats(m, &before);
	ASSERT_EQ(physmem_map(m, w, window_slot_address(w, 0), pfn, 4), 0);
	physmem_stats(m, &after);
	EXPECT_EQ(after.map_calls - before.map_calls, 1);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT(physmem_translate(m, window_slot_address(w, i)) == &block[i]);
		((unsigned char *)window_slot_address(w, i))[9] = (unsigned char)(i + 1);
		EXPECT_EQ(((unsigned char *)page_address(m, &block[i]))[9], i + 1);
	}
	/* The block's third frame once more, at slot 10. */
	ASSERT_EQ(physmem_map(m, w, window_slot_address(w, 10), pfn + 2, 1), 0);
	EXPECT_EQ(block[2].mapcount, 2);
	a = window_slot_address(w, 2);
	b = window_slot_address(w, 10);
	a[77] = 0x33;
	/* Two window addresses the compiler can tell apart: without the
	 * barrier it may load b[77] before the store to a[77]. */
	barrier();
	EXPECT_EQ(b[77], 0x33);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(physmem_unmap(m, w, window_slot_address(w, 0), 4), 0);
	EXPECT_EQ(block[2].mapcount, 1);
	EXPECT_EQ(b[77], 0x33);
	/* Releasing a window with a mapping left unmaps it. */
	physmem_window_release(m, w);
	EXPECT_EQ(block[2].mapcount, 0);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(free_pages(m, (unsigned long)page_address(m, block), 2), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(physmem_bad_map_calls_change_nothing)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct phys_window *w;
	struct physmem_stats before, after;
	struct page *page;
	unsigned long pfn;
	unsigned char *slot1;

	ASSERT(m);
	w = physmem_window_reserve(m, "test", 4);
	page = alloc_page(m, GFP_KERNEL);
	ASSERT(w && page);
	pfn = page_to_pfn(m, page);
	slot1 = window_slot_address(w, 1);
	ASSERT_EQ(physmem_map(m, w, slot1, pfn, 1), 0);
	physmem_stats(m, &before);
	EXPECT_EQ(physmem_map(m, w, slot1, pfn, 1), -KERR_INVAL);		/* already mapped */
	EXPECT_EQ(physmem_map(m, w, slot1 + 8, pfn, 1), -KERR_INVAL);		/* not aligned */
	EXPECT_EQ(physmem_map(m, w, window_slot_address(w, 3), pfn, 2), -KERR_INVAL);	/* past the end */
	EXPECT_EQ(physmem_map(m, w, window_slot_address(w, 4), pfn, 1), -KERR_INVAL);	/* outside */
	EXPECT_EQ(physmem_map(m, w, window_slot_address(w, 0), pfn, 2), -KERR_INVAL);	/* runs into slot 1 */
	EXPECT_EQ(physmem_map(m, w, window_slot_address(w, 0), 1024, 1), -KERR_INVAL);	/* no such frame */
	EXPECT_EQ(physmem_map(m, w, window_slot_address(w, 0), pfn, 0), -KERR_INVAL);
	EXPECT_EQ(physmem_map(m, w, page_address(m, page), pfn, 1), -KERR_INVAL);	/* the direct map */
	EXPECT_EQ(physmem_unmap(m, w, window_slot_address(w, 0), 1), -KERR_INVAL);	/* nothing mapped */
	EXPECT_EQ(physmem_unmap(m, w, slot1, 2), -KERR_INVAL);		/* slot 2 is not */
	physmem_stats(m, &after);
	EXPECT_EQ(after.mapped, before.mapped);
	EXPECT_EQ(after.map_calls, before.map_calls);
	EXPECT_EQ(after.unmap_calls, before.unmap_calls);
	EXPECT_EQ(page->mapcount, 1);
	EXPECT(physmem_translate(m, slot1) == page);
	EXPECT_EQ(machine_errors_total(m), 0);		/* not reported: the caller decides */
	EXPECT_HEALTHY(m);
	machine_destroy(m);	/* with the mapping still there */
}

TEST(physmem_window_slots_run_out)
{
	struct machine *m = test_machine(256, 0, 1);
	struct phys_window *w[PHYS_MAX_WINDOWS];

	ASSERT(m);
	/* One is the VMALLOC range. */
	for (int i = 0; i < PHYS_MAX_WINDOWS - 1; i++) {
		w[i] = physmem_window_reserve(m, "many", 1 + (unsigned long)i);
		ASSERT(w[i]);
	}
	EXPECT(physmem_window_reserve(m, "one too many", 1) == NULL);
	EXPECT(physmem_window_reserve(m, "empty", 0) == NULL);
	physmem_window_release(m, w[3]);
	/* The freed slot is reused, even for a bigger window. */
	EXPECT(physmem_window_reserve(m, "again", 100) != NULL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The arena keeps its memfd and its window reservations between machines,
 * and the next machine finds them unmapped and empty. */
TEST(physmem_arena_hands_windows_back_clean)
{
	struct kalloc_arena *a = kalloc_arena_create(1024);
	struct machine_config c;
	unsigned char *first_base = NULL;

	ASSERT(a);
	machine_config_default(&c);
	c.nr_pages = 1024;
	c.dma_pages = 0;
	c.quiet = 1;
	for (int round = 0; round < 3; round++) {
		struct machine *m = machine_create_in(a, &c);
		struct phys_window *w;
		struct physmem_stats ps;

		ASSERT(m);
		physmem_stats(m, &ps);
		EXPECT_EQ(ps.windows, 1);		/* VMALLOC only */
		EXPECT_EQ(ps.mapped, 0);
		w = physmem_window_reserve(m, "arena", 32);
		ASSERT(w);
		if (!round)
			first_base = w->base;
		EXPECT(w->base == first_base);		/* the same reservation */
		for (unsigned long s = 0; s < 32; s++) {
			EXPECT_EQ(physmem_translate(m, window_slot_address(w, s)), 0);
			EXPECT(KUNIT_POISONED((unsigned char *)window_slot_address(w, s) + 1));
		}
		for (int i = 0; i < 5; i++) {
			struct page *p = alloc_page(m, GFP_KERNEL);
			ASSERT(p);
			ASSERT_EQ(physmem_map(m, w, window_slot_address(w, 3 * i), page_to_pfn(m, p), 1), 0);
			((unsigned char *)window_slot_address(w, 3 * i))[1] = 1;
		}
		EXPECT_HEALTHY(m);
		machine_destroy(m);			/* windows still mapped */
	}
	kalloc_arena_destroy(a);
}

/* Owners: a block held by a layer above cannot be freed through the buddy
 * allocator, and the report names the owner, not the layer's internals. */
TEST(physmem_owner_counts_and_wrong_owner_free)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned long owners[NR_PAGE_OWNERS], sum = 0;
	struct page_stats ps;
	struct page *page;
	void *obj, *large;

	ASSERT(m);
	page = alloc_pages(m, GFP_KERNEL, 1);
	obj = kmalloc(m, 100, GFP_KERNEL);
	large = kmalloc(m, 3 * PAGE_SIZE, GFP_KERNEL);
	ASSERT(page && obj && large);
	page_set_owner(m, page, PAGE_OWNER_USER);
	page_owner_counts(m, owners);
	for (int o = 0; o < NR_PAGE_OWNERS; o++)
		sum += owners[o];
	EXPECT_EQ(sum, 1024);
	EXPECT_EQ(owners[PAGE_OWNER_USER], 2);
	EXPECT_EQ(owners[PAGE_OWNER_LARGE_KMALLOC], 4);
	EXPECT(owners[PAGE_OWNER_SLAB] > 0);
	buddy_page_stats(m, &ps);
	EXPECT_EQ(ps.slab, owners[PAGE_OWNER_SLAB]);
	EXPECT_EQ(ps.kmalloc_large, 4);
	EXPECT_EQ(ps.free, owners[PAGE_OWNER_FREE]);
	EXPECT_EQ(ps.pcp, owners[PAGE_OWNER_PCP]);
	EXPECT_EQ(ps.pages, 2);		/* a user page is an alloc_pages page */
	EXPECT_EQ(ps.total, ps.free + ps.pcp + ps.pages + ps.slab + ps.kmalloc_large);
	EXPECT_STREQ(page_owner_name(PAGE_OWNER_VMALLOC), "vmalloc");
	EXPECT_STREQ(page_owner_name(NR_PAGE_OWNERS), "?");

	EXPECT_EQ(__free_pages(m, page, 1), -KERR_WRONG_OWNER);
	EXPECT(strstr(machine_last_report(m), "held by user") != NULL);
	EXPECT_EQ(page_owner(page), PAGE_OWNER_USER);
	EXPECT_EQ(page_owner(&page[1]), PAGE_OWNER_USER);	/* a tail reads its head's */
	EXPECT_EQ(free_pages(m, (unsigned long)large, get_order(3 * PAGE_SIZE)), -KERR_WRONG_OWNER);
	EXPECT(strstr(machine_last_report(m), "held by kmalloc_large") != NULL);
	EXPECT_HEALTHY(m);
	page_set_owner(m, page, PAGE_OWNER_PAGES);
	EXPECT_EQ(__free_pages(m, page, 1), 0);
	EXPECT_EQ(kfree(m, large), 0);
	EXPECT_EQ(kfree(m, obj), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(physmem_struct_page_fits_64_bytes)
{
	EXPECT(sizeof(struct page) <= 64);
	EXPECT_EQ(sizeof(struct page), 56);
}

#ifdef KUNIT_ASAN
enum window_access { UNMAPPED_SLOT, AFTER_UNMAP, MAPPED_SLOT };

static void window_access(enum window_access what)
{
	struct machine *m = test_machine(256, 0, 1);
	struct phys_window *w = physmem_window_reserve(m, "asan", 4);
	struct page *p = alloc_page(m, GFP_KERNEL);
	volatile unsigned char *slot = window_slot_address(w, 1);

	physmem_map(m, w, (void *)slot, page_to_pfn(m, p), 1);
	switch (what) {
	case UNMAPPED_SLOT:
		(void)((volatile unsigned char *)window_slot_address(w, 2))[5];
		break;
	case AFTER_UNMAP:
		physmem_unmap(m, w, (void *)slot, 1);
		slot[5] = 1;
		break;
	case MAPPED_SLOT:
		slot[5] = 1;
		break;
	}
	machine_destroy(m);
}

static void window_access_child(int what) { window_access((enum window_access)what); }

static int window_access_status(enum window_access what)
{
	return kunit_child_status(window_access_child, what);
}
#endif

/* ASan sees inside a window by itself: an unmapped slot is an ASan report
 * (exit 1), never a host SIGSEGV. */
TEST(physmem_asan_sees_window_holes)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	struct machine *m = test_machine(256, 0, 1);
	struct phys_window *w = physmem_window_reserve(m, "shadow", 4);
	struct page *p = alloc_page(m, GFP_KERNEL);
	unsigned char *slot = window_slot_address(w, 1);

	/* The shadow itself: reserved poisoned, mapped open, unmapped poisoned. */
	for (unsigned long s = 0; s < 4; s++)
		EXPECT(KUNIT_POISONED((unsigned char *)window_slot_address(w, s) + 100));
	physmem_map(m, w, slot, page_to_pfn(m, p), 1);
	EXPECT(!KUNIT_POISONED(slot) && !KUNIT_POISONED(slot + PAGE_SIZE - 1));
	EXPECT(KUNIT_POISONED(slot + PAGE_SIZE));
	physmem_unmap(m, w, slot, 1);
	EXPECT(KUNIT_POISONED(slot));
	machine_destroy(m);
	EXPECT(KUNIT_SANITIZER_REPORT(window_access_status(UNMAPPED_SLOT)));
	EXPECT(KUNIT_SANITIZER_REPORT(window_access_status(AFTER_UNMAP)));
	EXPECT_EQ(window_access_status(MAPPED_SLOT), 0);
#endif
}

/* ------------------------------------------------------------------------
 * physmem_check: each invariant fires for its corruption.
 */
struct pfix {
	struct machine *m;
	struct phys_window *w;
	struct page *block;		/* order-2, mapped at slots 0..3 */
	struct page *single;		/* mapped at slot 6 */
	struct page *free;		/* a free block head */
};

static void pfix_setup(struct pfix *f)
{
	memset(f, 0, sizeof(*f));
	f->m = test_machine(1024, 0, 1);
	f->w = physmem_window_reserve(f->m, "fixture", 8);
	f->block = alloc_pages(f->m, GFP_KERNEL, 2);
	f->single = alloc_page(f->m, GFP_KERNEL);
	page_set_owner(f->m, f->single, PAGE_OWNER_USER);
	physmem_map(f->m, f->w, window_slot_address(f->w, 0), page_to_pfn(f->m, f->block), 4);
	physmem_map(f->m, f->w, window_slot_address(f->w, 6), page_to_pfn(f->m, f->single), 1);
	for (unsigned o = 0; o < NR_PAGE_ORDERS && !f->free; o++)
		if (!list_empty(&f->m->buddy.zones[ZONE_NORMAL].free_area[o]))
			f->free = list_first_entry(&f->m->buddy.zones[ZONE_NORMAL].free_area[o], struct page, lru);
}

static void p_owner_range(struct pfix *f) { f->single->owner = NR_PAGE_OWNERS; }
static void p_owner_tail(struct pfix *f) { f->block[1].owner = PAGE_OWNER_SLAB; }
static void p_owner_pages(struct pfix *f) { f->m->phys.owner_pages[PAGE_OWNER_USER]++; }
static void p_window_count(struct pfix *f) { f->w->nr_mapped++; }
static void p_window_pfn(struct pfix *f) { f->w->pfn[6] = 5000; }
static void p_mapcount(struct pfix *f) { f->block[3].mapcount++; }
/* The sums still agree: only the frame-by-frame pass sees it. */
static void p_mapcount_moved(struct pfix *f)
{
	f->block[3].mapcount++;
	f->single->mapcount--;
}
static void p_mapped_free(struct pfix *f) { f->w->pfn[6] = (uint32_t)page_to_pfn(f->m, f->free) + 1; }
/* Mapped slots whose summary bit is clear: the walk does not see them. */
static void p_summary_clear(struct pfix *f) { f->w->summary[0] = 0; }

static const struct {
	int code;
	void (*corrupt)(struct pfix *f);
} pcorruptions[] = {
	{ INV_PHYS_OWNER, p_owner_range },
	{ INV_PHYS_OWNER, p_owner_tail },
	{ INV_PHYS_OWNER_PAGES, p_owner_pages },
	{ INV_PHYS_WINDOW, p_window_count },
	{ INV_PHYS_WINDOW, p_window_pfn },
	{ INV_PHYS_MAPCOUNT, p_mapcount },
	{ INV_PHYS_MAPCOUNT, p_mapcount_moved },
	{ INV_PHYS_MAPPED_FREE, p_mapped_free },
	{ INV_PHYS_WINDOW, p_summary_clear },
};

__attribute__((constructor)) static void physmem_codes(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(pcorruptions); i++)
		kunit_invariant_tested(pcorruptions[i].code);
}

TEST(physmem_check_fixture_is_healthy)
{
	struct pfix f;

	pfix_setup(&f);
	ASSERT(f.m && f.w && f.block && f.single && f.free);
	EXPECT_EQ(f.w->nr_mapped, 5);
	EXPECT_HEALTHY(f.m);
	machine_destroy(f.m);
}

TEST(physmem_check_each_corruption_fires_exactly_its_code)
{
	for (unsigned i = 0; i < ARRAY_SIZE(pcorruptions); i++) {
		struct kalloc_check ck;
		struct pfix f;
		int code;

		pfix_setup(&f);
		ASSERT(f.m && f.w);
		pcorruptions[i].corrupt(&f);
		code = machine_check(f.m, &ck);
		if (code != pcorruptions[i].code)
			kunit_fail(test, __FILE__, __LINE__, "corruption %u for %s gave %s (%s)", i,
				   kalloc_invariant_name(pcorruptions[i].code), kalloc_invariant_name(code), ck.msg);
		/* machine_destroy must not trip over the corrupt tables. */
		f.w->pfn[6] = (uint32_t)page_to_pfn(f.m, f.single) + 1;
		f.w->nr_mapped = 5;
		f.w->summary[0] = 1;
		machine_destroy(f.m);
	}
}

/* The summary stays exact - a group's bit set exactly when one of its
 * slots maps a frame - through random maps and unmaps of runs in a window
 * of 5000 slots (not a multiple of 64), the check passes after each, and
 * a release hands the table and the summary back all zero (an arena
 * reuses both). */
TEST(physmem_window_summary_follows_map_and_unmap)
{
	struct kalloc_arena *a = kalloc_arena_create(1024);
	unsigned int r = 5;

	ASSERT(a);
	for (int round = 0; round < 2; round++) {
		struct machine *m = test_machine_in(a, 1024, 0, 1);
		struct phys_window *w;
		struct page *p;
		struct kalloc_check ck;
		unsigned long groups = (5000 + 63) / 64;

		ASSERT(m);
		w = physmem_window_reserve(m, "summary", 5000);
		ASSERT(w);
		p = alloc_pages(m, GFP_KERNEL, 3);
		ASSERT(p);
		page_set_owner(m, p, PAGE_OWNER_USER);
		for (int i = 0; i < 300; i++) {
			unsigned long slot, n;

			r = r * 1103515245u + 12345u;
			slot = (r >> 8) % 5000;
			n = 1 + (r >> 4) % 8;
			if (n > 5000 - slot)
				n = 5000 - slot;
			if (w->pfn[slot])
				physmem_unmap(m, w, window_slot_address(w, slot), 1 + (r % 3 ? 0 : (r >> 20) % 4));
			else
				physmem_map(m, w, window_slot_address(w, slot), page_to_pfn(m, p), n);
			for (unsigned long g = 0; g < groups; g++) {
				bool any = false;

				for (unsigned long s = g * 64; s < g * 64 + 64 && s < 5000; s++)
					any |= w->pfn[s] != 0;
				if (any != (bool)(w->summary[g / 64] >> (g % 64) & 1))
					kunit_fail(test, __FILE__, __LINE__, "step %d: group %lu: mapped %d, summary %d",
						   i, g, any, !any);
			}
			if (machine_check(m, &ck))
				kunit_fail(test, __FILE__, __LINE__, "step %d: %s", i, ck.msg);
		}
		EXPECT(w->nr_mapped > 0);
		physmem_window_release(m, w);
		for (unsigned long s = 0; s < 5000; s++)
			if (w->pfn[s])
				kunit_fail(test, __FILE__, __LINE__, "slot %lu still mapped after release", s);
		for (unsigned long k = 0; k < (groups + 63) / 64; k++)
			EXPECT_EQ(w->summary[k], 0);
		EXPECT_HEALTHY(m);
		machine_destroy(m);
	}
	kalloc_arena_destroy(a);
}

/* physmem_check skips empty slots eight at a time and stops its mapcount
 * passes at the last mapped slot: in a 1000-slot window mapped at slots 9,
 * 500 and 999 (no group of eight aligned to them), a healthy machine
 * passes, a count one too high is INV_PHYS_WINDOW, and a mapcount moved
 * from slot 999's frame to slot 9's (the sums agree) is INV_PHYS_MAPCOUNT. */
TEST(physmem_check_sparse_window_walk)
{
	static const unsigned long slots[] = { 9, 500, 999 };

	for (int corrupt = 0; corrupt < 5; corrupt++) {
		struct machine *m = test_machine(1024, 0, 1);
		struct phys_window *w;
		struct page *p[3];
		struct kalloc_check ck;

		ASSERT(m);
		w = physmem_window_reserve(m, "sparse", 1000);
		ASSERT(w);
		for (int i = 0; i < 3; i++) {
			p[i] = alloc_page(m, GFP_KERNEL);
			ASSERT(p[i]);
			page_set_owner(m, p[i], PAGE_OWNER_USER);
			EXPECT_EQ(physmem_map(m, w, window_slot_address(w, slots[i]), page_to_pfn(m, p[i]), 1), 0);
		}
		if (corrupt == 0) {
			EXPECT_EQ(machine_check(m, &ck), 0);
		} else if (corrupt == 1) {
			w->nr_mapped++;
			EXPECT_EQ(machine_check(m, &ck), INV_PHYS_WINDOW);
			w->nr_mapped--;
		} else if (corrupt == 2) {
			p[2]->mapcount--;
			p[0]->mapcount++;
			EXPECT_EQ(machine_check(m, &ck), INV_PHYS_MAPCOUNT);
			p[2]->mapcount++;
			p[0]->mapcount--;
		} else {
			/* The summary: slot 999's group (15) unmarked, or
			 * an empty group (5) marked. */
			uint64_t bit = corrupt == 3 ? 1ULL << 15 : 1ULL << 5;

			EXPECT_EQ(w->summary[0], 1ULL << 0 | 1ULL << 7 | 1ULL << 15);
			w->summary[0] ^= bit;
			EXPECT_EQ(machine_check(m, &ck), INV_PHYS_WINDOW);
			w->summary[0] ^= bit;
		}
		EXPECT_EQ(machine_check(m, &ck), 0);
		machine_destroy(m);
	}
}
