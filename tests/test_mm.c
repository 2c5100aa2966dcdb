/* test_mm.c - a process address space (alloc/mm.c): demand paging, the zero
 * page, segmentation faults, brk, mmap/munmap, aliasing of user addresses,
 * the /proc texts, teardown; and every INV_MM_* invariant fired by a
 * corruption of exactly one thing (with a healthy fixture passing).
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

#define SPAN (64UL << 20)

static struct mm_struct *test_mm(struct machine *m)
{
	struct mm_config cfg = { .span = SPAN };

	return mm_create(m, &cfg);
}

#define EXPECT_MM_HEALTHY(mm) do {					\
	struct kalloc_check _c;						\
	if (mm_check((mm), &_c))					\
		kunit_fail(test, __FILE__, __LINE__, "mm_check: %s", _c.msg); \
} while (0)

static unsigned long free_frames(struct machine *m)
{
	struct page_stats ps;

	buddy_page_stats(m, &ps);
	return ps.free + ps.pcp;
}

static unsigned long owner_pages(struct machine *m, enum page_owner o)
{
	unsigned long c[NR_PAGE_OWNERS];

	page_owner_counts(m, c);
	return c[o];
}

TEST(mm_write_faults_a_frame_read_maps_the_zero_page)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	struct mm_stats st;
	unsigned long heap;
	unsigned char b = 0x5a, r = 1;

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	ASSERT_EQ(mm_brk(mm, heap + 4 * PAGE_SIZE), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 0);
	EXPECT_EQ(st.total_vm, 4);
	EXPECT(!mm_page_present(mm, heap));

	ASSERT_EQ(mm_write(mm, heap + 10, &b, 1), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 1);
	EXPECT_EQ(st.faults, 1);
	EXPECT((mm_pte(mm, heap) & (_PAGE_PRESENT | _PAGE_RW)) == (_PAGE_PRESENT | _PAGE_RW));
	EXPECT_EQ(owner_pages(m, PAGE_OWNER_USER), 1);

	/* A read of an untouched page: the zero page, no RSS. */
	ASSERT_EQ(mm_read(mm, heap + PAGE_SIZE + 7, &r, 1), 0);
	EXPECT_EQ(r, 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 1);
	EXPECT_EQ(st.zero_mapped, 1);
	EXPECT_EQ(st.zero_faults, 1);
	EXPECT_EQ((mm_pte(mm, heap + PAGE_SIZE) & PTE_PFN_MASK) >> PAGE_SHIFT, mm_zero_pfn(mm));
	EXPECT(!(mm_pte(mm, heap + PAGE_SIZE) & _PAGE_RW));

	/* A write to it: a frame of its own (copy on write from the zero page). */
	ASSERT_EQ(mm_write(mm, heap + PAGE_SIZE, &b, 1), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 2);
	EXPECT_EQ(st.zero_mapped, 0);
	EXPECT_EQ(st.cow_faults, 1);
	ASSERT_EQ(mm_read(mm, heap + 10, &r, 1), 0);
	EXPECT_EQ(r, 0x5a);
	/* Reading a present page faults nothing. */
	mm_stats(mm, &st);
	EXPECT_EQ(st.faults, 3);
	EXPECT_MM_HEALTHY(mm);
	EXPECT_HEALTHY(m);
	mm_destroy(mm);
	machine_destroy(m);
}

/* The user address, the direct map and the PTE's frame are one byte. */
TEST(mm_user_addresses_alias_their_frames)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	unsigned long a;
	uint64_t pm[2];
	unsigned char b = 0xa7, *direct;
	volatile unsigned char *user;

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	ASSERT_EQ(mm_mmap(mm, 2 * PAGE_SIZE, &a), 0);
	ASSERT_EQ(mm_write(mm, a + 100, &b, 1), 0);
	mm_pagemap(mm, a, 2, pm);
	EXPECT(pm[0] & PM_PRESENT);
	EXPECT(pm[0] & PM_MMAP_EXCLUSIVE);
	EXPECT_EQ(pm[1], 0);
	direct = page_address(m, pfn_to_page(m, pm[0] & PM_PFRAME_MASK));
	user = (volatile unsigned char *)a;
	EXPECT_EQ(direct[100], 0xa7);
	EXPECT_EQ(user[100], 0xa7);
	user[101] = 0x3c;		/* the host alias is the frame */
	barrier();
	EXPECT_EQ(direct[101], 0x3c);
	ASSERT_EQ(mm_read(mm, a + 101, &b, 1), 0);
	EXPECT_EQ(b, 0x3c);
	EXPECT_EQ(physmem_translate(m, (void *)a), pfn_to_page(m, pm[0] & PM_PFRAME_MASK));
	EXPECT_MM_HEALTHY(mm);
	EXPECT_HEALTHY(m);
	mm_destroy(mm);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A read of untouched pages maps the zero page at each: one host mapping
 * for the whole run (a read-only anonymous one: it reads as the zero page
 * does), and the window's table and the PTEs name the zero page. */
TEST(mm_zero_page_run_is_one_host_mapping)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	struct physmem_stats before, after;
	struct mm_stats st;
	static unsigned char buf[8 * PAGE_SIZE];
	unsigned long a;
	unsigned char b = 0x77;
	volatile unsigned char *user;

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	ASSERT_EQ(mm_mmap(mm, 8 * PAGE_SIZE, &a), 0);
	memset(buf, 0xff, sizeof(buf));
	physmem_stats(m, &before);
	ASSERT_EQ(mm_read(mm, a, buf, sizeof(buf)), 0);
	physmem_stats(m, &after);
	EXPECT(!memchr_inv(buf, 0, sizeof(buf)));
	EXPECT_EQ(after.map_calls - before.map_calls, 1);
	mm_stats(mm, &st);
	EXPECT_EQ(st.zero_mapped, 8);
	EXPECT_EQ(st.rss, 0);
	EXPECT_EQ(st.unaliased, 0);
	user = (volatile unsigned char *)a;
	for (unsigned int i = 0; i < 8; i++) {
		EXPECT_EQ(user[i * PAGE_SIZE + 5], 0);
		EXPECT(physmem_translate(m, (void *)(a + i * PAGE_SIZE)) == pfn_to_page(m, mm_zero_pfn(mm)));
		EXPECT_EQ((mm_pte(mm, a + i * PAGE_SIZE) & PTE_PFN_MASK) >> PAGE_SHIFT, mm_zero_pfn(mm));
	}
	/* A write in the middle gives that page a frame of its own; its
	 * neighbours stay the zero page. */
	ASSERT_EQ(mm_write(mm, a + 3 * PAGE_SIZE + 9, &b, 1), 0);
	EXPECT_EQ(user[3 * PAGE_SIZE + 9], 0x77);
	EXPECT_EQ(user[2 * PAGE_SIZE + 9], 0);
	EXPECT_EQ(user[4 * PAGE_SIZE + 9], 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.zero_mapped, 7);
	EXPECT_EQ(st.rss, 1);
	EXPECT_MM_HEALTHY(mm);
	ASSERT_EQ(mm_munmap(mm, a, 8 * PAGE_SIZE), 0);
	EXPECT_MM_HEALTHY(mm);
	EXPECT_HEALTHY(m);
	mm_destroy(mm);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(mm_access_outside_every_vma_is_a_reported_segfault)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	struct mm_stats before, after;
	unsigned long heap, a;
	char buf[64];

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	ASSERT_EQ(mm_brk(mm, heap + 100), 0);
	memset(buf, 1, sizeof(buf));
	mm_stats(mm, &before);
	/* A write that starts in the heap and runs past its last page. */
	EXPECT_EQ(mm_write(mm, heap + PAGE_SIZE - 10, buf, 20), -KERR_FAULT);
	EXPECT(strstr(machine_last_report(m), "segfault at") != NULL);
	snprintf(buf, sizeof(buf), "segfault at %lx", heap + PAGE_SIZE);
	EXPECT(strstr(machine_last_report(m), buf) != NULL);
	EXPECT(strstr(machine_last_report(m), "error 6") != NULL);
	EXPECT_EQ(mm_read(mm, mm_base(mm), buf, 1), -KERR_FAULT);
	EXPECT(strstr(machine_last_report(m), "error 4") != NULL);
	EXPECT_EQ(mm_read(mm, ~0UL - 4, buf, 8), -KERR_FAULT);
	EXPECT_EQ(machine_errors(m, KERR_FAULT), 3);
	mm_stats(mm, &after);
	EXPECT_EQ(after.rss, before.rss);
	EXPECT_EQ(after.faults, before.faults);
	EXPECT_EQ(after.segv, 3);
	EXPECT(!mm_page_present(mm, heap));	/* nothing copied: not even the first page */
	ASSERT_EQ(mm_mmap(mm, PAGE_SIZE, &a), 0);
	ASSERT_EQ(mm_write(mm, a, buf, 1), 0);			/* in the software TLB now */
	ASSERT_EQ(mm_read(mm, a, buf, 1), 0);
	ASSERT_EQ(mm_munmap(mm, a, PAGE_SIZE), 0);
	EXPECT_EQ(mm_write(mm, a, buf, 1), -KERR_FAULT);	/* unmapped again: no stale entry */
	EXPECT_EQ(mm_read(mm, a, buf, 1), -KERR_FAULT);
	EXPECT_MM_HEALTHY(mm);
	mm_destroy(mm);
	machine_destroy(m);
}

TEST(mm_brk_grows_shrinks_and_frees_frames)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	struct mm_stats st;
	unsigned long heap, old, f0, a;
	char maps[512];

	ASSERT(m);
	f0 = free_frames(m);
	mm = test_mm(m);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	ASSERT_EQ(mm_sbrk(mm, 10 * PAGE_SIZE + 1, &old), 0);
	EXPECT_EQ(old, heap);
	EXPECT_EQ(mm_get_brk(mm), heap + 10 * PAGE_SIZE + 1);
	mm_stats(mm, &st);
	EXPECT_EQ(st.total_vm, 11);
	EXPECT_EQ(st.data_vm, 11);
	ASSERT_EQ(mm_memset(mm, heap, 0x11, 10 * PAGE_SIZE + 1), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 11);
	/* Shrink to 3 pages and a byte: 7 frames go back. */
	ASSERT_EQ(mm_brk(mm, heap + 3 * PAGE_SIZE + 1), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.rss, 4);
	EXPECT_EQ(st.total_vm, 4);
	EXPECT_EQ(owner_pages(m, PAGE_OWNER_USER), 4);
	EXPECT(!mm_page_present(mm, heap + 4 * PAGE_SIZE));
	/* Grown again, the pages come back zero. */
	ASSERT_EQ(mm_brk(mm, heap + 6 * PAGE_SIZE), 0);
	{
		unsigned char b = 1;

		ASSERT_EQ(mm_read(mm, heap + 5 * PAGE_SIZE, &b, 1), 0);
		EXPECT_EQ(b, 0);
	}
	/* Below the start: an error, a report, nothing changed. */
	proc_pid_maps(mm, maps, sizeof(maps));
	EXPECT_EQ(mm_brk(mm, heap - 1), -KERR_INVAL);
	EXPECT(strstr(machine_last_report(m), "below the heap's start") != NULL);
	EXPECT_EQ(mm_sbrk(mm, -(long)(7 * PAGE_SIZE), NULL), -KERR_INVAL);
	EXPECT_EQ(mm_get_brk(mm), heap + 6 * PAGE_SIZE);
	{
		char now[512];

		proc_pid_maps(mm, now, sizeof(now));
		EXPECT_STREQ(now, maps);
	}
	/* Into a mapping: refused. */
	ASSERT_EQ(mm_mmap(mm, SPAN, &a), -KERR_NOMEM);
	EXPECT_MM_HEALTHY(mm);
	/* Back to the start: the heap VMA goes. */
	ASSERT_EQ(mm_brk(mm, heap), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.nr_vmas, 0);
	EXPECT_EQ(st.rss, 0);
	EXPECT_EQ(st.total_vm, 0);
	EXPECT_MM_HEALTHY(mm);
	mm_destroy(mm);
	EXPECT_EQ(free_frames(m), f0);		/* every frame and table back */
	EXPECT_EQ(owner_pages(m, PAGE_OWNER_USER) + owner_pages(m, PAGE_OWNER_PGTABLE), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(mm_brk_stops_at_a_mapping_and_the_commit_limit)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_config cfg = { .span = SPAN, .commit_pages = 100 };
	struct mm_struct *mm;
	unsigned long heap, a;

	ASSERT(m);
	mm = mm_create(m, &cfg);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	EXPECT_EQ(mm_brk(mm, heap + 101 * PAGE_SIZE), -KERR_NOMEM);
	EXPECT(strstr(machine_last_report(m), "commit limit") != NULL);
	ASSERT_EQ(mm_brk(mm, heap + 50 * PAGE_SIZE), 0);
	EXPECT_EQ(mm_mmap(mm, 51 * PAGE_SIZE, &a), -KERR_NOMEM);
	ASSERT_EQ(mm_mmap(mm, 50 * PAGE_SIZE, &a), 0);
	EXPECT_EQ(mm_get_brk(mm), heap + 50 * PAGE_SIZE);
	mm_destroy(mm);

	/* A mapping right above the break: brk may not grow into it. */
	cfg.commit_pages = 1UL << 20;
	mm = mm_create(m, &cfg);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	/* Fill the space above the heap top-down until the gap is 2 pages. */
	{
		unsigned long top = mm_base(mm) + SPAN - SPAN / 16;

		ASSERT_EQ(mm_mmap(mm, top - heap - 2 * PAGE_SIZE, &a), 0);
		EXPECT_EQ(a, heap + 2 * PAGE_SIZE);
	}
	EXPECT_EQ(mm_brk(mm, heap + 2 * PAGE_SIZE), 0);
	EXPECT_EQ(mm_brk(mm, heap + 2 * PAGE_SIZE + 1), -KERR_NOMEM);
	EXPECT(strstr(machine_last_report(m), "runs into the mapping") != NULL);
	EXPECT_MM_HEALTHY(mm);
	mm_destroy(mm);
	machine_destroy(m);
}

TEST(mm_mmap_top_down_merge_split_and_bad_munmap)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	struct mm_stats st;
	unsigned long a, b, c, top;
	char before[1024], after[1024];

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	top = mm_base(mm) + SPAN - SPAN / 16;
	ASSERT_EQ(mm_mmap(mm, 3 * PAGE_SIZE, &a), 0);
	EXPECT_EQ(a, top - 3 * PAGE_SIZE);
	ASSERT_EQ(mm_mmap(mm, 1, &b), 0);
	EXPECT_EQ(b, a - PAGE_SIZE);
	mm_stats(mm, &st);
	EXPECT_EQ(st.nr_vmas, 1);		/* adjacent anonymous mappings merge */
	EXPECT_EQ(st.total_vm, 4);
	ASSERT_EQ(mm_memset(mm, b, 0x22, 4 * PAGE_SIZE), 0);
	/* Unmap the middle two pages: one VMA becomes two. */
	ASSERT_EQ(mm_munmap(mm, a, 2 * PAGE_SIZE), 0);
	mm_stats(mm, &st);
	EXPECT_EQ(st.nr_vmas, 2);
	EXPECT_EQ(st.rss, 2);
	EXPECT_EQ(st.total_vm, 2);
	/* The hole is found again first (top-down, first fit from the top). */
	ASSERT_EQ(mm_mmap(mm, PAGE_SIZE, &c), 0);
	EXPECT_EQ(c, a + PAGE_SIZE);
	{
		unsigned char z = 9;

		ASSERT_EQ(mm_read(mm, c, &z, 1), 0);
		EXPECT_EQ(z, 0);		/* fresh: zero, the old page is gone */
	}
	/* Bad munmaps: error, report, nothing changed. */
	proc_pid_maps(mm, before, sizeof(before));
	mm_stats(mm, &st);
	EXPECT_EQ(mm_munmap(mm, a, PAGE_SIZE), -KERR_NOT_MAPPED);	/* the hole left */
	EXPECT(strstr(machine_last_report(m), "not mapped") != NULL);
	EXPECT_EQ(mm_munmap(mm, b, 5 * PAGE_SIZE), -KERR_NOT_MAPPED);	/* runs past the end */
	EXPECT_EQ(mm_munmap(mm, b + 1, PAGE_SIZE), -KERR_INVAL);
	EXPECT_EQ(mm_munmap(mm, b, 0), -KERR_INVAL);
	ASSERT_EQ(mm_brk(mm, mm_start_brk(mm) + PAGE_SIZE), 0);
	EXPECT_EQ(mm_munmap(mm, mm_start_brk(mm), PAGE_SIZE), -KERR_NOT_MAPPED);
	ASSERT_EQ(mm_brk(mm, mm_start_brk(mm)), 0);
	proc_pid_maps(mm, after, sizeof(after));
	EXPECT_STREQ(after, before);
	EXPECT_EQ(mm_mmap(mm, 0, &c), -KERR_INVAL);
	EXPECT_EQ(mm_mmap(mm, SPAN, &c), -KERR_NOMEM);
	EXPECT_MM_HEALTHY(mm);
	EXPECT_HEALTHY(m);
	mm_destroy(mm);
	machine_destroy(m);
}

TEST(mm_proc_texts_in_linux_formats)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *mm;
	unsigned long heap, a;
	char buf[4096], want[4096];
	int n;

	ASSERT(m);
	mm = test_mm(m);
	ASSERT(mm);
	heap = mm_start_brk(mm);
	ASSERT_EQ(mm_brk(mm, heap + 3 * PAGE_SIZE), 0);
	ASSERT_EQ(mm_memset(mm, heap, 1, 2 * PAGE_SIZE), 0);
	ASSERT_EQ(mm_mmap(mm, 5 * PAGE_SIZE, &a), 0);
	ASSERT_EQ(mm_memset(mm, a, 1, 1), 0);
	ASSERT_EQ(mm_read(mm, a + PAGE_SIZE, buf, 1), 0);

	n = proc_pid_status(mm, buf, sizeof(buf));
	EXPECT_EQ(n, (int)strlen(buf));
	snprintf(want, sizeof(want),
		 "VmPeak:\t      32 kB\nVmSize:\t      32 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
		 "VmHWM:\t      12 kB\nVmRSS:\t      12 kB\nRssAnon:\t      12 kB\nRssFile:\t       0 kB\n"
		 "RssShmem:\t       0 kB\nVmData:\t      32 kB\nVmStk:\t       0 kB\nVmExe:\t       0 kB\n"
		 "VmLib:\t       0 kB\nVmPTE:\t      %lu kB\nVmSwap:\t       0 kB\n",
		 mm->pgtables * 4);
	EXPECT_STREQ(buf, want);
	EXPECT(mm->pgtables >= 3);		/* a PUD, a PMD and a PTE table at least */

	proc_pid_maps(mm, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "%08lx-%08lx rw-p 00000000 00:00 0                          [heap]\n"
		 "%08lx-%08lx rw-p 00000000 00:00 0 \n", heap, heap + 3 * PAGE_SIZE, a, a + 5 * PAGE_SIZE);
	EXPECT_STREQ(buf, want);
	EXPECT_EQ(strchr(buf, '[') - buf, 73);	/* the name's column, as in Linux */

	proc_pid_smaps_rollup(mm, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%08lx-%08lx ---p 00000000 00:00 0                          [rollup]\n"
		 "Rss:                  12 kB\nPss:                  12 kB\n", heap, a + 5 * PAGE_SIZE);
	EXPECT(!strncmp(buf, want, strlen(want)));
	EXPECT(strstr(buf, "\nAnonymous:            12 kB\n") != NULL);
	EXPECT(strstr(buf, "\nLocked:                0 kB\n") != NULL);
	/* snprintf semantics: a short buffer is cut and NUL-terminated. */
	n = proc_pid_smaps_rollup(mm, buf, 10);
	EXPECT(n > 100);
	EXPECT_EQ(strlen(buf), 9);
	mm_destroy(mm);
	machine_destroy(m);
}

/* Two processes on one machine do not see each other's pages. */
TEST(mm_two_processes_are_separate)
{
	struct machine *m = test_machine(4096, 0, 1);
	struct mm_struct *p, *q;
	unsigned char x = 1, y = 2, r;

	ASSERT(m);
	p = test_mm(m);
	q = test_mm(m);
	ASSERT(p && q);
	EXPECT(mm_base(p) != mm_base(q));
	ASSERT_EQ(mm_brk(p, mm_start_brk(p) + 1), 0);
	ASSERT_EQ(mm_brk(q, mm_start_brk(q) + 1), 0);
	ASSERT_EQ(mm_write(p, mm_start_brk(p), &x, 1), 0);
	ASSERT_EQ(mm_write(q, mm_start_brk(q), &y, 1), 0);
	ASSERT_EQ(mm_read(p, mm_start_brk(p), &r, 1), 0);
	EXPECT_EQ(r, 1);
	EXPECT_EQ(mm_read(p, mm_start_brk(q), &r, 1), -KERR_FAULT);
	EXPECT_MM_HEALTHY(p);
	EXPECT_MM_HEALTHY(q);
	mm_destroy(p);
	mm_destroy(q);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- every INV_MM_* invariant fires ------------------------------------- */

struct fixture {
	struct machine *m;
	struct mm_struct *mm;
	unsigned long heap, map;	/* heap: 4 pages, 2 written; map: 4 pages, 1 written, 1 read */
	void *undo_p;			/* one corruption, undone before teardown */
	unsigned char undo[64];
	size_t undo_n;
};

static void fixture_setup(struct fixture *f)
{
	unsigned char b = 0;

	memset(f, 0, sizeof(*f));
	f->m = test_machine(4096, 0, 1);
	f->mm = test_mm(f->m);
	f->heap = mm_start_brk(f->mm);
	mm_brk(f->mm, f->heap + 4 * PAGE_SIZE);
	mm_memset(f->mm, f->heap, 0x33, 2 * PAGE_SIZE);
	mm_mmap(f->mm, 4 * PAGE_SIZE, &f->map);
	mm_memset(f->mm, f->map, 0x44, 1);
	mm_read(f->mm, f->map + PAGE_SIZE, &b, 1);
}

/* Remember @n bytes at @p so that the teardown can put them back. */
static void *save(struct fixture *f, void *p, size_t n)
{
	f->undo_p = p;
	f->undo_n = n;
	memcpy(f->undo, p, n);
	return p;
}

static void fixture_teardown(struct fixture *f)
{
	if (f->undo_p)
		memcpy(f->undo_p, f->undo, f->undo_n);
	mm_destroy(f->mm);
	machine_destroy(f->m);
}

static uint64_t *pte_of(struct fixture *f, unsigned long addr)
{
	return mm_pte_slot(f->mm, addr);
}

static void c_vma(struct fixture *f)
{
	struct vm_area_struct *v = save(f, &f->mm->vmas[1], sizeof(*v));

	v->vm_start += 1;
}
static void c_brk(struct fixture *f) { *(unsigned long *)save(f, &f->mm->brk, 8) += 2 * PAGE_SIZE; }
static void c_total_vm(struct fixture *f) { (*(unsigned long *)save(f, &f->mm->data_vm, 8))--; }
static void c_pte_outside(struct fixture *f)
{
	/* The mapping loses its written first page; the VM counters agree. */
	save(f, f->mm->vmas, 2 * sizeof(f->mm->vmas[0]));
	f->mm->vmas[1].vm_start += PAGE_SIZE;
	f->mm->total_vm--;
	f->mm->data_vm--;
}
static void c_pte_frame(struct fixture *f)
{
	uint64_t pte = mm_pte(f->mm, f->heap);
	struct page *p = &f->m->pages[(pte & PTE_PFN_MASK) >> PAGE_SHIFT];

	save(f, &p->owner, sizeof(p->owner));
	p->owner = PAGE_OWNER_PAGES;
}
static void c_frame_twice(struct fixture *f)
{
	uint64_t *pte = save(f, pte_of(f, f->heap + PAGE_SIZE), 8);

	*pte = mm_pte(f->mm, f->heap);
}
static void c_rss(struct fixture *f) { (*(unsigned long *)save(f, &f->mm->rss, 8))--; }
static void c_pgtables(struct fixture *f) { (*(unsigned long *)save(f, &f->mm->pgtables, 8))++; }
static void c_zero_page(struct fixture *f)
{
	unsigned char *z = pfn_address(f->m, mm_zero_pfn(f->mm));

	*(unsigned char *)save(f, z + 100, 1) = 1;
}
static void c_hiwater(struct fixture *f) { *(unsigned long *)save(f, &f->mm->hiwater_rss, 8) = 1; }
static void c_alias(struct fixture *f)
{
	struct phys_window *w = f->mm->win;
	unsigned long slot = window_slot(w, (void *)f->heap);

	*(uint32_t *)save(f, &w->pfn[slot], 4) += 1;
}

static const struct {
	int code;
	void (*corrupt)(struct fixture *f);
} corruptions[] = {
	{ INV_MM_VMA, c_vma },
	{ INV_MM_BRK, c_brk },
	{ INV_MM_TOTAL_VM, c_total_vm },
	{ INV_MM_PTE_OUTSIDE, c_pte_outside },
	{ INV_MM_PTE_FRAME, c_pte_frame },
	{ INV_MM_FRAME_TWICE, c_frame_twice },
	{ INV_MM_RSS, c_rss },
	{ INV_MM_PGTABLES, c_pgtables },
	{ INV_MM_ZERO_PAGE, c_zero_page },
	{ INV_MM_HIWATER, c_hiwater },
	{ INV_MM_ALIAS, c_alias },
};

__attribute__((constructor)) static void mm_codes(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(corruptions); i++)
		kunit_invariant_tested(corruptions[i].code);
}

TEST(mm_check_fixture_is_healthy)
{
	struct fixture f;
	struct mm_stats st;

	fixture_setup(&f);
	ASSERT(f.mm);
	mm_stats(f.mm, &st);
	EXPECT_EQ(st.nr_vmas, 2);
	EXPECT_EQ(st.rss, 3);
	EXPECT_EQ(st.zero_mapped, 1);
	EXPECT_EQ(st.unaliased, 0);
	EXPECT_MM_HEALTHY(f.mm);
	EXPECT_HEALTHY(f.m);
	fixture_teardown(&f);
}

TEST(mm_check_each_corruption_fires_exactly_its_code)
{
	for (unsigned i = 0; i < ARRAY_SIZE(corruptions); i++) {
		struct kalloc_check ck;
		struct fixture f;
		int code;

		fixture_setup(&f);
		ASSERT(f.mm);
		corruptions[i].corrupt(&f);
		code = mm_check(f.mm, &ck);
		if (code != corruptions[i].code)
			kunit_fail(test, __FILE__, __LINE__, "corrupting for %s gave %s (%s)",
				   kalloc_invariant_name(corruptions[i].code), kalloc_invariant_name(code), ck.msg);
		else if (strncmp(ck.msg, kalloc_invariant_name(code), strlen(kalloc_invariant_name(code))))
			kunit_fail(test, __FILE__, __LINE__, "message does not name its code: %s", ck.msg);
		fixture_teardown(&f);
	}
}

TEST(mm_check_every_mm_invariant_has_a_corruption)
{
	for (int code = INV_MM_VMA; code <= INV_MM_ALIAS; code++) {
		int found = 0;

		for (unsigned i = 0; i < ARRAY_SIZE(corruptions); i++)
			found |= corruptions[i].code == code;
		if (!found)
			kunit_fail(test, __FILE__, __LINE__, "%s has no corruption test", kalloc_invariant_name(code));
	}
}
