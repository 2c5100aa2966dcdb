/* test_vmalloc.c - vmalloc, vfree, kvmalloc, the guard page, /proc/vmallocinfo.
 *
 * Aliasing is real (a byte written at a vmalloc address is read back through
 * page_address(vmalloc_to_page())), areas are placed first fit with a guard
 * page after each, bad frees and guard-page accesses are errors with
 * Linux's words and change nothing, and each INV_VMALLOC_* code fires for
 * exactly the corruption made for it.
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

static unsigned long owned(struct machine *m, enum page_owner o)
{
	unsigned long counts[NR_PAGE_OWNERS];

	page_owner_counts(m, counts);
	return counts[o];
}

TEST(vmalloc_aliases_its_frames)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct vmalloc_stats st;
	unsigned char *p;

	ASSERT(m);
	p = vmalloc(m, 3 * PAGE_SIZE + 100);
	ASSERT(p);
	EXPECT(is_vmalloc_addr(m, p));
	EXPECT(!is_vmalloc_addr(m, machine_base(m)));
	EXPECT_EQ(((uintptr_t)p & (PAGE_SIZE - 1)), 0);
	for (unsigned i = 0; i < 4; i++) {
		struct page *page = vmalloc_to_page(m, p + i * PAGE_SIZE + 7);
		unsigned char *direct;

		ASSERT(page);
		direct = page_address(m, page);
		p[i * PAGE_SIZE + 7] = (unsigned char)(0x40 + i);
		barrier();
		EXPECT_EQ(direct[7], 0x40 + i);
		direct[50] = (unsigned char)(0x80 + i);
		barrier();
		EXPECT_EQ(p[i * PAGE_SIZE + 50], 0x80 + i);
		EXPECT_EQ(vmalloc_to_pfn(m, p + i * PAGE_SIZE), page_to_pfn(m, page));
		EXPECT_EQ(page_owner(page), PAGE_OWNER_VMALLOC);
	}
	EXPECT(vmalloc_to_page(m, p + 4 * PAGE_SIZE) == NULL);		/* the guard page */
	EXPECT_EQ(vmalloc_to_pfn(m, p + 4 * PAGE_SIZE), ~0UL);
	EXPECT(vmalloc_to_page(m, machine_base(m)) == NULL);
	vmalloc_stats(m, &st);
	EXPECT_EQ(st.nr_areas, 1);
	EXPECT_EQ(st.nr_pages, 4);
	EXPECT_EQ(st.range_pages, 2048);
	EXPECT_EQ(owned(m, PAGE_OWNER_VMALLOC), 4);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(vfree(m, p), 0);
	vmalloc_stats(m, &st);
	EXPECT_EQ(st.nr_areas, 0);
	EXPECT_EQ(st.nr_pages, 0);
	EXPECT_EQ(owned(m, PAGE_OWNER_VMALLOC), 0);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(vmalloc_vzalloc_zeroes_reused_frames)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *p;
	int nonzero = 0;

	ASSERT(m);
	p = vmalloc(m, 5 * PAGE_SIZE);
	ASSERT(p);
	memset(p, 0xff, 5 * PAGE_SIZE);
	EXPECT_EQ(vfree(m, p), 0);
	p = vzalloc(m, 5 * PAGE_SIZE);
	ASSERT(p);
	for (unsigned long i = 0; i < 5 * PAGE_SIZE; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(vfree(m, p), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* First fit, lowest address first; an area takes its pages plus a guard. */
TEST(vmalloc_first_fit_with_guard_pages)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *start, *a, *b, *c, *d, *e;

	ASSERT(m);
	start = vmalloc_start(m);
	a = vmalloc(m, PAGE_SIZE);
	b = vmalloc(m, 2 * PAGE_SIZE);
	c = vmalloc(m, 1);
	ASSERT(a && b && c);
	EXPECT(a == start);
	EXPECT(b == start + 2 * PAGE_SIZE);
	EXPECT(c == start + 5 * PAGE_SIZE);
	EXPECT_EQ(vfree(m, b), 0);
	d = vmalloc(m, PAGE_SIZE);		/* fits b's hole: 2 of its 3 slots */
	e = vmalloc(m, 2 * PAGE_SIZE);		/* 3 slots: not in the 1 left */
	ASSERT(d && e);
	EXPECT(d == b);
	EXPECT(e == start + 7 * PAGE_SIZE);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(vfree(m, a), 0);
	EXPECT_EQ(vfree(m, c), 0);
	EXPECT_EQ(vfree(m, d), 0);
	EXPECT_EQ(vfree(m, e), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The range runs out: with 64-page alignment only so many areas fit. */
TEST(vmalloc_range_runs_out_cleanly)
{
	struct machine *m = test_machine(256, 0, 1);	/* a 512-slot range */
	void *p[16];
	int n = 0;

	ASSERT(m);
	EXPECT_EQ(vmalloc_range_size(m), 512 * PAGE_SIZE);
	while (n < 16 && (p[n] = __vmalloc_node(m, PAGE_SIZE, 64 * PAGE_SIZE, GFP_KERNEL, "aligned")))
		n++;
	/* Slots 0, 64, ..., 448 - as many as are 64-page aligned in the range
	 * (the range itself is only page aligned). */
	EXPECT(n >= 7 && n <= 8);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(((uintptr_t)p[i] & (64 * PAGE_SIZE - 1)), 0);
	EXPECT_EQ(machine_errors_total(m), 0);		/* a failure, not a mistake */
	EXPECT_HEALTHY(m);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(vfree(m, p[i]), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A page allocation failing halfway leaves nothing behind. */
TEST(vmalloc_failure_halfway_leaks_nothing)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct page_stats before, after;
	struct vmalloc_stats st;

	ASSERT(m);
	buddy_page_stats(m, &before);
	buddy_inject_failures(m, 5, 1);
	EXPECT(vmalloc(m, 10 * PAGE_SIZE) == NULL);
	buddy_page_stats(m, &after);
	EXPECT_EQ(after.free + after.pcp, before.free + before.pcp);
	EXPECT_EQ(owned(m, PAGE_OWNER_VMALLOC), 0);
	vmalloc_stats(m, &st);
	EXPECT_EQ(st.nr_areas, 0);
	EXPECT_EQ(st.failed_calls, 1);
	EXPECT_HEALTHY(m);
	/* And the next one succeeds in the same place. */
	EXPECT(vmalloc(m, 10 * PAGE_SIZE) == vmalloc_start(m));
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The area's metadata is a counted host allocation: failing either block
 * (the vm_struct, then its pages array) fails the vmalloc and leaks nothing. */
TEST(vmalloc_host_allocation_failure_leaks_nothing)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned long live = machine_host_live(m);
	void *p;

	ASSERT(m);
	for (unsigned long skip = 0; skip < 2; skip++) {
		machine_inject_host_failures(m, skip, 1);
		EXPECT(vmalloc(m, 3 * PAGE_SIZE) == NULL);
		EXPECT_EQ(machine_host_live(m), live);
		EXPECT_EQ(owned(m, PAGE_OWNER_VMALLOC), 0);
		EXPECT_HEALTHY(m);
	}
	machine_inject_host_failures(m, 0, 0);
	p = vmalloc(m, 3 * PAGE_SIZE);
	ASSERT(p);
	EXPECT_EQ(machine_host_live(m), live + 2);
	EXPECT_EQ(vfree(m, p), 0);
	EXPECT_EQ(machine_host_live(m), live);
	EXPECT_EQ(machine_errors_total(m), 0);
	machine_destroy(m);
}

TEST(vmalloc_bad_sizes_are_reported)
{
	struct machine *m = test_machine(256, 0, 1);

	ASSERT(m);
	EXPECT(vmalloc(m, 0) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_INVAL);
	EXPECT(vmalloc(m, 257 * PAGE_SIZE) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_TOO_BIG);
	EXPECT_STREQ(machine_last_report(m), "vmalloc error: size 1052672, exceeds total pages");
	EXPECT(__vmalloc_node(m, 100, 3 * PAGE_SIZE, GFP_KERNEL, NULL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_INVAL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* Linux's s_show() line, the example from a real machine's vmallocinfo. */
TEST(vmalloc_proc_vmallocinfo_format)
{
	struct machine *m = test_machine(1024, 0, 1);
	char buf[512], want[512], small[20];
	unsigned long a, b;
	int n;

	ASSERT(m);
	a = (unsigned long)__vmalloc_node(m, 4 * PAGE_SIZE, 1, GFP_KERNEL,
					  "xt_alloc_table_info+0xfe/0x130 [x_tables]");
	b = (unsigned long)vmalloc(m, 1);
	ASSERT(a && b);
	snprintf(want, sizeof(want),
		 "0x%016lx-0x%016lx   20480 xt_alloc_table_info+0xfe/0x130 [x_tables] pages=4 vmalloc N0=4\n"
		 "0x%016lx-0x%016lx    8192 vmalloc pages=1 vmalloc N0=1\n",
		 a, a + 20480, b, b + 8192);
	n = proc_vmallocinfo(m, buf, sizeof(buf));
	EXPECT_STREQ(buf, want);
	EXPECT_EQ(n, (int)strlen(want));
	EXPECT_EQ(proc_vmallocinfo(m, small, sizeof(small)), n);	/* snprintf semantics */
	EXPECT_EQ(strlen(small), sizeof(small) - 1);
	vfree(m, (void *)a);
	vfree(m, (void *)b);
	EXPECT_EQ(proc_vmallocinfo(m, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "");
	machine_destroy(m);
}

/* Each bad vfree: its code, Linux's first line, nothing changed. */
TEST(vmalloc_bad_vfree_changes_nothing)
{
	struct machine *m = test_machine(1024, 0, 1);
	struct vmalloc_stats before, after;
	unsigned char *p, *q, *large, *stack_byte;
	char line[96];
	unsigned char local;
	static const struct {
		long offset;		/* from p, or a marker */
		int code;
		const char *first, *detail;
	} cases[] = {
		{ 1, KERR_NOT_HEAD, "bad address", "inside the 12288-byte area" },
		{ PAGE_SIZE, KERR_NOT_HEAD, "nonexistent vm area", "inside the 12288-byte area" },
		{ 2 * PAGE_SIZE, KERR_NOT_HEAD, "nonexistent vm area", "in the guard page of" },
		{ 100 * PAGE_SIZE, KERR_DOUBLE_FREE, "nonexistent vm area", "never allocated" },
		{ 100 * PAGE_SIZE + 8, KERR_DOUBLE_FREE, "bad address", "never allocated" },
		{ -1, KERR_BAD_ADDRESS, "nonexistent vm area", "in the direct map" },
		{ -2, KERR_BAD_ADDRESS, "bad address", "not a vmalloc address" },
	};

	ASSERT(m);
	p = vmalloc(m, 2 * PAGE_SIZE);
	q = vmalloc(m, PAGE_SIZE);
	large = kmalloc(m, 5 * PAGE_SIZE, GFP_KERNEL);
	stack_byte = &local;
	ASSERT(p && q && large);
	EXPECT_EQ(vfree(m, NULL), 0);
	vmalloc_stats(m, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const unsigned char *x = cases[i].offset == -1 ? large :
					 cases[i].offset == -2 ? stack_byte : p + cases[i].offset;
		EXPECT_EQ(vfree(m, x), -cases[i].code);
		snprintf(line, sizeof(line), "Trying to vfree() %s (%016lx)\n", cases[i].first,
			 (unsigned long)(uintptr_t)x);
		if (strncmp(machine_last_report(m), line, strlen(line)))
			kunit_fail(test, __FILE__, __LINE__, "case %u: report %s", i, machine_last_report(m));
		if (!strstr(machine_last_report(m), cases[i].detail))
			kunit_fail(test, __FILE__, __LINE__, "case %u: no \"%s\" in %s", i, cases[i].detail,
				   machine_last_report(m));
		EXPECT_HEALTHY(m);
	}
	vmalloc_stats(m, &after);
	EXPECT_EQ(after.nr_areas, before.nr_areas);
	EXPECT_EQ(after.nr_pages, before.nr_pages);
	EXPECT_EQ(machine_errors(m, KERR_NOT_HEAD), 3);
	EXPECT_EQ(machine_errors(m, KERR_DOUBLE_FREE), 2);
	EXPECT_EQ(machine_errors(m, KERR_BAD_ADDRESS), 2);
	/* Twice: the second is a nonexistent area in free space. */
	EXPECT_EQ(vfree(m, q), 0);
	EXPECT_EQ(vfree(m, q), -KERR_DOUBLE_FREE);
	EXPECT(strstr(machine_last_report(m), "nonexistent vm area") != NULL);
	/* kfree of a vmalloc address is refused by kmalloc. */
	EXPECT(kfree(m, p) < 0);
	EXPECT_EQ(vfree(m, p), 0);
	EXPECT_EQ(kfree(m, large), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A write into the guard page is a fault with Linux's oops lines; nothing
 * is written, and the structure is intact. */
TEST(vmalloc_guard_page_access_is_a_fault)
{
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *p, byte = 0x77, buf[8] = { 0 }, old[4], now[4];
	char want[256];

	ASSERT(m);
	p = vmalloc(m, PAGE_SIZE + 10);
	ASSERT(p);
	p[PAGE_SIZE + 9] = 1;
	EXPECT_EQ(vmalloc_write(m, p + 2 * PAGE_SIZE, &byte, 1), -KERR_FAULT);
	snprintf(want, sizeof(want), "BUG: unable to handle page fault for address: %016lx\n"
		 "#PF: supervisor write access in kernel mode\n#PF: error_code(0x0002) - not-present page\n",
		 (unsigned long)(uintptr_t)(p + 2 * PAGE_SIZE));
	EXPECT(strncmp(machine_last_report(m), want, strlen(want)) == 0);
	EXPECT(strstr(machine_last_report(m), "the guard page of the 12288-byte area") != NULL);
	/* Straddling the end: the fault names the first guard byte, and the
	 * bytes before it are not written either. */
	EXPECT_EQ(vmalloc_read(m, p + 2 * PAGE_SIZE - 4, old, 4), 0);	/* past the request: mapped */
	memset(buf, 0x11, sizeof(buf));
	EXPECT_EQ(vmalloc_write(m, p + 2 * PAGE_SIZE - 4, buf, sizeof(buf)), -KERR_FAULT);
	EXPECT(strncmp(machine_last_report(m), want, strlen(want)) == 0);
	EXPECT_EQ(vmalloc_read(m, p + 2 * PAGE_SIZE - 4, now, 4), 0);
	EXPECT(memcmp(old, now, 4) == 0);
	EXPECT_EQ(vmalloc_touch(m, p + 2 * PAGE_SIZE + 100, 0), -KERR_FAULT);
	EXPECT(strstr(machine_last_report(m), "supervisor read access") != NULL);
	EXPECT_EQ(vmalloc_read(m, p + 10 * PAGE_SIZE, buf, 1), -KERR_FAULT);
	EXPECT(strstr(machine_last_report(m), "free vmalloc space") != NULL);
	EXPECT_EQ(vmalloc_touch(m, machine_base(m), 1), -KERR_FAULT);
	EXPECT_EQ(machine_errors(m, KERR_FAULT), 5);
	/* Mapped bytes: in the request, and past it within the last page. */
	EXPECT_EQ(vmalloc_write(m, p + PAGE_SIZE + 5, &byte, 1), 0);
	EXPECT_EQ(((unsigned char *)page_address(m, vmalloc_to_page(m, p + PAGE_SIZE)))[5], 0x77);
	EXPECT_EQ(vmalloc_touch(m, p + 2 * PAGE_SIZE - 1, 1), 0);
	EXPECT_EQ(vmalloc_read(m, p + 2 * PAGE_SIZE - 4, buf, 4), 0);
	EXPECT_EQ(vmalloc_write(m, p, buf, 0), 0);
	EXPECT_EQ(machine_errors(m, KERR_FAULT), 5);
	EXPECT_EQ(vmalloc_to_page(m, p + 2 * PAGE_SIZE), 0);	/* the guard stays unmapped */
	EXPECT_HEALTHY(m);
	EXPECT_EQ(vfree(m, p), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(vmalloc_kvmalloc_picks_kmalloc_then_vmalloc)
{
	struct machine *m = test_machine(4096, 0, 1);
	void *small, *two_pages, *huge, *fallback;

	ASSERT(m);
	small = kvmalloc(m, 100, GFP_KERNEL);
	two_pages = kvmalloc(m, 2 * PAGE_SIZE, GFP_KERNEL);
	huge = kvmalloc(m, kmalloc_max_size(m) + 1, GFP_KERNEL);	/* kmalloc cannot */
	ASSERT(small && two_pages && huge);
	EXPECT(!is_vmalloc_addr(m, small));
	EXPECT(!is_vmalloc_addr(m, two_pages));
	EXPECT(is_vmalloc_addr(m, huge));
	EXPECT_EQ(machine_errors_total(m), 0);		/* no KERR_TOO_BIG on the way */
	/* kmalloc fails (its one page allocation is injected to fail): vmalloc. */
	buddy_inject_failures(m, 0, 1);
	fallback = kvmalloc(m, 3 * PAGE_SIZE, GFP_KERNEL);
	ASSERT(fallback);
	EXPECT(is_vmalloc_addr(m, fallback));
	/* ... unless the caller cannot sleep, or the request is a page or less. */
	buddy_inject_failures(m, 0, 1);
	EXPECT(kvmalloc(m, 3 * PAGE_SIZE, GFP_ATOMIC) == NULL);
	buddy_inject_failures(m, 0, 2);		/* the slab's order-3 try and its order-0 retry */
	EXPECT(kvmalloc(m, PAGE_SIZE, GFP_KERNEL) == NULL);
	buddy_inject_failures(m, 0, 0);
	EXPECT(kvmalloc(m, 0x80000000UL, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_TOO_BIG);
	machine_clear_errors(m);
	EXPECT(kvmalloc(m, 0x80000000UL, GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT(kvmalloc_array(m, SIZE_MAX / 2, 3, GFP_KERNEL) == NULL);
	EXPECT_EQ(machine_last_error(m), KERR_OVERFLOW);
	EXPECT_EQ(kvfree(m, small), 0);
	EXPECT_EQ(kvfree(m, two_pages), 0);
	EXPECT_EQ(kvfree(m, huge), 0);
	EXPECT_EQ(kvfree(m, fallback), 0);
	EXPECT(kvfree(m, fallback) < 0);		/* twice */
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(vmalloc_kvzalloc_zeroes_both_ways)
{
	struct machine *m = test_machine(2048, 0, 1);
	unsigned char *a, *b;
	int nonzero = 0;

	ASSERT(m);
	a = kvzalloc(m, 200, GFP_KERNEL);
	buddy_inject_failures(m, 0, 1);
	b = kvzalloc(m, 3 * PAGE_SIZE, GFP_KERNEL);
	ASSERT(a && b);
	EXPECT(is_vmalloc_addr(m, b));
	for (int i = 0; i < 200; i++)
		nonzero += a[i] != 0;
	for (unsigned long i = 0; i < 3 * PAGE_SIZE; i++)
		nonzero += b[i] != 0;
	EXPECT_EQ(nonzero, 0);
	kvfree(m, a);
	kvfree(m, b);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* An arena machine destroyed with areas live: the next one finds the range
 * empty and allocates at its start again. */
TEST(vmalloc_arena_hands_the_range_back_clean)
{
	struct kalloc_arena *a = kalloc_arena_create(2048);
	struct machine_config c;
	void *first = NULL;

	ASSERT(a);
	machine_config_default(&c);
	c.nr_pages = 2048;
	c.dma_pages = 0;
	c.quiet = 1;
	for (int round = 0; round < 3; round++) {
		struct machine *m = machine_create_in(a, &c);
		char buf[64];
		void *p;

		ASSERT(m);
		EXPECT_EQ(proc_vmallocinfo(m, buf, sizeof(buf)), 0);
		p = vmalloc(m, 3 * PAGE_SIZE);
		ASSERT(p);
		if (!round)
			first = p;
		EXPECT(p == first);
		EXPECT(vmalloc(m, 7 * PAGE_SIZE) != NULL);
		EXPECT_HEALTHY(m);
		machine_destroy(m);
		c.nr_pages = round ? 2048 : 1024;	/* a smaller range, same window */
	}
	kalloc_arena_destroy(a);
}

#ifdef KUNIT_ASAN
enum vm_access { PAST_REQUEST, INTO_GUARD, IN_BOUNDS };

static void vm_access(int what)
{
	struct machine *m = test_machine(256, 0, 1);
	volatile unsigned char *p = vmalloc(m, 100);

	switch ((enum vm_access)what) {
	case PAST_REQUEST:
		p[100] = 1;
		break;
	case INTO_GUARD:
		p[PAGE_SIZE + 3] = 1;
		break;
	case IN_BOUNDS:
		p[99] = 1;
		break;
	}
	machine_destroy(m);
}
#endif

/* ASan sees the vmalloc mapping by itself: past the request is a report,
 * the guard page a report (exit 1), never a host SIGSEGV. */
TEST(vmalloc_asan_sees_redzone_and_guard)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	struct machine *m = test_machine(256, 0, 1);
	unsigned char *p = vmalloc(m, 100);

	EXPECT(!KUNIT_POISONED(p) && !KUNIT_POISONED(p + 99));
	EXPECT(KUNIT_POISONED(p + 100) && KUNIT_POISONED(p + PAGE_SIZE - 1));	/* the redzone */
	EXPECT(KUNIT_POISONED(p + PAGE_SIZE));				/* the guard page */
	vfree(m, p);
	EXPECT(KUNIT_POISONED(p));
	machine_destroy(m);
	EXPECT(KUNIT_SANITIZER_REPORT(kunit_child_status(vm_access, PAST_REQUEST)));
	EXPECT(KUNIT_SANITIZER_REPORT(kunit_child_status(vm_access, INTO_GUARD)));
	EXPECT_EQ(kunit_child_status(vm_access, IN_BOUNDS), 0);
#endif
}

/* ------------------------------------------------------------------------
 * vmalloc_check: each invariant fires for its corruption.
 */
struct vfix {
	struct machine *m;
	struct vm_struct *area[3];	/* 1, 2 and 3 pages, in address order */
	struct page *spare;		/* allocated, owned by alloc_pages */
};

static void vfix_setup(struct vfix *f)
{
	struct list_head *pos;
	int i = 0;

	memset(f, 0, sizeof(*f));
	f->m = test_machine(1024, 0, 1);
	vmalloc(f->m, PAGE_SIZE);
	vmalloc(f->m, 2 * PAGE_SIZE);
	vmalloc(f->m, 3 * PAGE_SIZE - 1);
	list_for_each(pos, &f->m->vmalloc.areas)
		if (i < 3)
			f->area[i++] = list_entry(pos, struct vm_struct, list);
	f->spare = alloc_page(f->m, GFP_KERNEL);
}

static void v_order(struct vfix *f)
{
	list_del(&f->area[0]->list);
	list_add_tail(&f->area[0]->list, &f->m->vmalloc.areas);
}
static void v_overlap(struct vfix *f) { f->area[1]->slot--; }
static void v_range(struct vfix *f) { f->area[2]->slot = f->m->vmalloc.window->nr_pages - 3; }
static void v_area(struct vfix *f) { f->area[1]->size += PAGE_SIZE; }
static void v_mapping(struct vfix *f)
{
	struct page *t = f->area[1]->pages[0];
	f->area[1]->pages[0] = f->area[1]->pages[1];
	f->area[1]->pages[1] = t;
}
static void v_guard(struct vfix *f)
{
	struct vm_struct *a = f->area[0];
	physmem_map(f->m, f->m->vmalloc.window, window_slot_address(f->m->vmalloc.window, a->slot + a->nr_pages),
		    page_to_pfn(f->m, f->spare), 1);
}
static void v_owner(struct vfix *f) { page_set_owner(f->m, f->area[2]->pages[1], PAGE_OWNER_USER); }
static void v_counters(struct vfix *f) { f->m->vmalloc.nr_pages++; }
/* vfree that forgets one frame: owned by vmalloc, in no area. */
static void v_pages(struct vfix *f) { page_set_owner(f->m, f->spare, PAGE_OWNER_VMALLOC); }
static void v_stray(struct vfix *f)
{
	physmem_map(f->m, f->m->vmalloc.window, window_slot_address(f->m->vmalloc.window, 500),
		    page_to_pfn(f->m, f->spare), 1);
}

static const struct {
	int code;
	void (*corrupt)(struct vfix *f);
} vcorruptions[] = {
	{ INV_VMALLOC_ORDER, v_order },
	{ INV_VMALLOC_ORDER, v_overlap },
	{ INV_VMALLOC_RANGE, v_range },
	{ INV_VMALLOC_AREA, v_area },
	{ INV_VMALLOC_MAPPING, v_mapping },
	{ INV_VMALLOC_GUARD, v_guard },
	{ INV_VMALLOC_OWNER, v_owner },
	{ INV_VMALLOC_COUNTERS, v_counters },
	{ INV_VMALLOC_PAGES, v_pages },
	{ INV_VMALLOC_STRAY, v_stray },
};

__attribute__((constructor)) static void vmalloc_codes(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vcorruptions); i++)
		kunit_invariant_tested(vcorruptions[i].code);
}

TEST(vmalloc_check_fixture_is_healthy)
{
	struct vfix f;

	vfix_setup(&f);
	ASSERT(f.m && f.area[2] && f.spare);
	EXPECT_EQ(f.area[0]->nr_pages, 1);
	EXPECT_EQ(f.area[1]->nr_pages, 2);
	EXPECT_EQ(f.area[2]->nr_pages, 3);
	EXPECT(page_to_pfn(f.m, f.area[1]->pages[0]) != page_to_pfn(f.m, f.area[1]->pages[1]));
	EXPECT_HEALTHY(f.m);
	machine_destroy(f.m);
}

TEST(vmalloc_check_each_corruption_fires_exactly_its_code)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vcorruptions); i++) {
		struct kalloc_check ck;
		struct vfix f;
		int code;

		vfix_setup(&f);
		ASSERT(f.m && f.area[2]);
		vcorruptions[i].corrupt(&f);
		code = machine_check(f.m, &ck);
		if (code != vcorruptions[i].code)
			kunit_fail(test, __FILE__, __LINE__, "corruption %u for %s gave %s (%s)", i,
				   kalloc_invariant_name(vcorruptions[i].code), kalloc_invariant_name(code), ck.msg);
		machine_destroy(f.m);
	}
}
