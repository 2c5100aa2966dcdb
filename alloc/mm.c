/* mm.c - a process address space: VMAs, brk, anonymous mmap/munmap,
 * four-level page tables in buddy frames, demand paging, RSS and the /proc
 * files that show it (mm/mmap.c, mm/memory.c, fs/proc/task_mmu.c).
 *
 * Entry points: mm.h.  The fault path is mm_access(); the page tables are
 * walked by pt_walk() (one walker for faults, zaps, the check and pagemap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define PT_ENTRIES	512
#define PT_LEVELS	4		/* PGD (level 3), PUD, PMD, PTE (level 0) */
#define PT_TABLE_BITS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define PTE_ANON_BITS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_ZERO_BITS	(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)

static inline unsigned int level_shift(int level) { return PAGE_SHIFT + 9 * (unsigned int)level; }
static inline unsigned long pte_pfn(uint64_t e) { return (unsigned long)((e & PTE_PFN_MASK) >> PAGE_SHIFT); }
static inline uint64_t *pt_entries(const struct mm_struct *mm, unsigned long pfn)
{
	return pfn_address(mm->m, pfn);
}

/* KALLOC_DEBUG 2: the whole mm check after every change (internal.h). */
static void debug_check_mm(struct mm_struct *mm, const char *where)
{
	struct kalloc_check ck;

	if (KALLOC_DEBUG >= 2 && mm_check(mm, &ck)) {
		fprintf(stderr, "kalloc: BUG: after mm %s: %s\n", where, ck.msg);
		abort();
	}
}

struct machine *mm_machine(const struct mm_struct *mm) { return mm->m; }
unsigned long mm_base(const struct mm_struct *mm) { return mm->base; }
unsigned long mm_start_brk(const struct mm_struct *mm) { return mm->start_brk; }
unsigned long mm_get_brk(const struct mm_struct *mm) { return mm->brk; }
unsigned long mm_zero_pfn(const struct mm_struct *mm) { return pfn_of(mm->m, mm->zero_page); }

static unsigned long mm_top(const struct mm_struct *mm)
{
	return mm->base + mm->span - mm->span / 16;
}

/* ---- VMAs: a sorted array ------------------------------------------------- */

/* Index of the first VMA ending above @addr (find_vma), or nr_vmas. */
static unsigned long vma_find_index(const struct mm_struct *mm, unsigned long addr)
{
	unsigned long lo = 0, hi = mm->nr_vmas;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (mm->vmas[mid].vm_end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The VMA holding @addr, or NULL. */
static struct vm_area_struct *vma_lookup(const struct mm_struct *mm, unsigned long addr)
{
	unsigned long i = vma_find_index(mm, addr);

	return i < mm->nr_vmas && mm->vmas[i].vm_start <= addr ? &mm->vmas[i] : NULL;
}

static int vma_reserve(struct mm_struct *mm, unsigned long extra)
{
	struct vm_area_struct *v;
	unsigned long cap;

	if (mm->nr_vmas + extra <= mm->vmas_cap)
		return 0;
	cap = mm->vmas_cap ? mm->vmas_cap * 2 : 16;
	while (cap < mm->nr_vmas + extra)
		cap *= 2;
	v = realloc(mm->vmas, cap * sizeof(*v));
	if (!v)
		return kalloc_report(mm->m, KERR_NOMEM, "mm: no host memory for %lu VMAs", cap);
	mm->vmas = v;
	mm->vmas_cap = cap;
	return 0;
}

/* Insert [start, end) at index @i (room reserved), merging with an adjacent
 * anonymous neighbour as vma_merge() does. */
static void vma_insert(struct mm_struct *mm, unsigned long i, unsigned long start, unsigned long end,
		       unsigned int flags)
{
	struct vm_area_struct *prev = i ? &mm->vmas[i - 1] : NULL;
	struct vm_area_struct *next = i < mm->nr_vmas ? &mm->vmas[i] : NULL;
	int mprev = prev && prev->vm_end == start && prev->vm_flags == flags && !(flags & VM_HEAP);
	int mnext = next && next->vm_start == end && next->vm_flags == flags && !(flags & VM_HEAP);

	if (mprev && mnext) {
		prev->vm_end = next->vm_end;
		memmove(next, next + 1, (mm->nr_vmas - i - 1) * sizeof(*next));
		mm->nr_vmas--;
	} else if (mprev) {
		prev->vm_end = end;
	} else if (mnext) {
		next->vm_start = start;
	} else {
		memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr_vmas - i) * sizeof(*next));
		mm->vmas[i] = (struct vm_area_struct){ start, end, flags };
		mm->nr_vmas++;
	}
}

static struct vm_area_struct *heap_vma(struct mm_struct *mm)
{
	struct vm_area_struct *v = vma_lookup(mm, mm->start_brk);

	return v && (v->vm_flags & VM_HEAP) ? v : NULL;
}

static void vm_account(struct mm_struct *mm, long pages)
{
	mm->total_vm += (unsigned long)pages;
	mm->data_vm += (unsigned long)pages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
}

/* ---- page tables ------------------------------------------------------------
 * x86-64's four levels over the full 48-bit address: 9 bits per level, the
 * tables are zeroed buddy frames, an entry is pfn << 12 | bits.  The window
 * lies somewhere in the host's 47-bit space, so user addresses index the
 * tables as they are.  Tables that a zap leaves empty are freed at once
 * (Linux frees them in free_pgtables() when whole ranges go).
 */

/* Install a page at a PTE: the one place a mapping is made.  The
 * second, host mapping of the frame at @addr joins here with physmem. */
static void tlb_flush_page(struct mm_struct *mm, unsigned long addr)
{
	struct mm_tlb *t = &mm->tlb[(addr >> PAGE_SHIFT) % MM_TLB_ENTRIES];

	if (t->vpn1 == (addr >> PAGE_SHIFT) + 1)
		t->vpn1 = 0;
}

/* The host mappings of one access (mm_access), made run by run: pages
 * faulted in at consecutive addresses onto consecutive frames are one
 * physmem_map, one host mmap, when the access is done (a frame the pcp
 * list hands out is usually the one after the last).  Nothing reaches a
 * user address through the host while an access runs (its bytes go through
 * the direct map), so the batch changes no outcome.  One access at a time:
 * the library is single-threaded. */
struct map_batch {
	struct mm_struct *mm;
	unsigned long addr, pfn, n;
};

static struct map_batch *mm_batch;	/* the access in progress, or NULL */

/* The host mapping of @n pages from @addr onto frames from @pfn, or all
 * onto the zero page; nonzero when the host refused (the pages are then
 * reached through the direct map, counted in unaliased). */
static int host_map(struct mm_struct *mm, unsigned long addr, unsigned long pfn, unsigned long n)
{
	return (pfn == mm_zero_pfn(mm) ? physmem_map_zero : physmem_map)(mm->m, mm->win, (void *)addr, pfn, n);
}

static void batch_flush(struct map_batch *b)
{
	if (b->n && host_map(b->mm, b->addr, b->pfn, b->n))
		b->mm->unaliased += b->n;
	b->n = 0;
}

/* Does the page at @addr onto @pfn continue the batch's run: the next
 * address, onto the next frame - or, in a run of the zero page, onto it
 * again (one read-only mapping for all: physmem_map_zero)? */
static bool batch_extends(const struct map_batch *b, unsigned long addr, unsigned long pfn, unsigned long zero)
{
	if (!b->n || addr != b->addr + (b->n << PAGE_SHIFT))
		return false;
	return b->pfn == zero ? pfn == zero : pfn != zero && pfn == b->pfn + b->n;
}

static void pte_install(struct mm_struct *mm, uint64_t *pte, unsigned long addr, unsigned long pfn,
			uint64_t bits)
{
	void *host = (void *)addr;
	struct map_batch *b = mm_batch;

	tlb_flush_page(mm, addr);
	if (window_slot_pfn(mm->win, window_slot(mm->win, host)) != PHYS_NO_PFN)
		physmem_unmap(mm->m, mm->win, host, 1);		/* the zero page, replaced */
	else if (*pte & _PAGE_PRESENT)
		mm->unaliased--;
	if (b && b->mm == mm) {
		if (!batch_extends(b, addr, pfn, mm_zero_pfn(mm))) {
			batch_flush(b);
			b->addr = addr;
			b->pfn = pfn;
		}
		b->n++;
	} else if (host_map(mm, addr, pfn, 1)) {
		mm->unaliased++;
	}
	*pte = ((uint64_t)pfn << PAGE_SHIFT) | bits;
}

/* A frame for the mm, owned by @owner; NULL when the machine has none. */
static struct page *mm_alloc_frame(struct mm_struct *mm, enum page_owner owner)
{
	struct page *page = alloc_page(mm->m, GFP_KERNEL | __GFP_ZERO);

	if (page)
		page_set_owner(mm->m, page, owner);
	return page;
}

static void mm_free_frame(struct mm_struct *mm, struct page *page)
{
	page_set_owner(mm->m, page, PAGE_OWNER_PAGES);
	__free_page(mm->m, page);
}

/* The last PTE table a walk reached: the next page's walk (and a sparse
 * read's, 512 pages to a table) starts there when the PMD entry that led to
 * it still says the same.  A table goes only in zap_table() and
 * mm_destroy(), which forget it.  One mm at a time, as mm_batch. */
static struct pt_cache {
	const struct mm_struct *mm;
	unsigned long tag;		/* addr >> level_shift(1): the PMD entry's range */
	const uint64_t *pmd_e;		/* that entry, */
	uint64_t pmd_v;			/* what it held */
	uint64_t *ptes;			/* and the table it named */
} ptc;

/* The PTE of @addr; with @alloc, missing tables are allocated (NULL and a
 * report when the machine has no frame). */
static uint64_t *pt_walk(struct mm_struct *mm, unsigned long addr, int alloc)
{
	unsigned long table = pfn_of(mm->m, mm->pgd);

	if (ptc.mm == mm && ptc.tag == addr >> level_shift(1) && *ptc.pmd_e == ptc.pmd_v)
		return &ptc.ptes[(addr >> PAGE_SHIFT) % PT_ENTRIES];
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		uint64_t *e = &pt_entries(mm, table)[(addr >> level_shift(level)) % PT_ENTRIES];

		if (!(*e & _PAGE_PRESENT)) {
			struct page *t;

			if (!alloc)
				return NULL;
			t = mm_alloc_frame(mm, PAGE_OWNER_PGTABLE);
			if (!t) {
				kalloc_report(mm->m, KERR_NOMEM, "Out of memory: no frame for a page table at %#lx",
					      addr);
				return NULL;
			}
			*e = ((uint64_t)pfn_of(mm->m, t) << PAGE_SHIFT) | PT_TABLE_BITS;
			mm->pgtables++;
		}
		table = pte_pfn(*e);
		if (level == 1) {
			ptc.mm = mm;
			ptc.tag = addr >> level_shift(1);
			ptc.pmd_e = e;
			ptc.pmd_v = *e;
			ptc.ptes = pt_entries(mm, table);
		}
	}
	return &pt_entries(mm, table)[(addr >> PAGE_SHIFT) % PT_ENTRIES];
}

uint64_t *mm_pte_slot(struct mm_struct *mm, unsigned long addr)
{
	return pt_walk(mm, addr, 0);
}

static const uint64_t *pt_lookup(const struct mm_struct *mm, unsigned long addr)
{
	return pt_walk((struct mm_struct *)mm, addr, 0);
}

uint64_t mm_pte(const struct mm_struct *mm, unsigned long addr)
{
	const uint64_t *pte = pt_lookup(mm, addr);

	return pte ? *pte : 0;
}

int mm_page_present(const struct mm_struct *mm, unsigned long addr)
{
	return !!(mm_pte(mm, addr) & _PAGE_PRESENT);
}

void mm_pagemap(const struct mm_struct *mm, unsigned long addr, unsigned long n, uint64_t *out)
{
	unsigned long zero = mm_zero_pfn(mm);

	addr &= PAGE_MASK;
	for (unsigned long i = 0; i < n; i++, addr += PAGE_SIZE) {
		uint64_t e = mm_pte(mm, addr);

		out[i] = 0;
		if (e & _PAGE_PRESENT)
			out[i] = PM_PRESENT | (pte_pfn(e) & PM_PFRAME_MASK) |
				 (pte_pfn(e) != zero ? PM_MMAP_EXCLUSIVE : 0);
	}
}

/* The host mappings of the present PTEs [i0, i1) of a PTE table at @tbase
 * go first, before their frames: a run of consecutive mapped slots is one
 * physmem_unmap (one host call); a present page without its host mapping
 * leaves the unaliased count. */
static void zap_host(struct mm_struct *mm, const uint64_t *e, unsigned long tbase, unsigned long i0,
		     unsigned long i1)
{
	unsigned long run = 0, n = 0;

	for (unsigned long i = i0; i <= i1; i++) {
		void *host = (void *)(tbase + (i << PAGE_SHIFT));
		int present = i < i1 && (e[i] & _PAGE_PRESENT);

		if (present && mm->win && window_slot_pfn(mm->win, window_slot(mm->win, host)) != PHYS_NO_PFN) {
			if (!n++)
				run = i;
			continue;
		}
		if (n)
			physmem_unmap(mm->m, mm->win, (void *)(tbase + (run << PAGE_SHIFT)), n);
		n = 0;
		if (present)
			mm->unaliased--;
	}
}

/* Drop the pages of [start, end) under @table (at @level, covering from
 * @tbase), freeing their frames and every table left empty.  Returns 1 when
 * @table itself is left empty. */
static int zap_table(struct mm_struct *mm, unsigned long table, int level, unsigned long tbase,
		     unsigned long start, unsigned long end)
{
	uint64_t *e = pt_entries(mm, table);
	unsigned int shift = level_shift(level);
	unsigned long size = 1UL << shift;
	unsigned long i0 = (start - tbase) >> shift, i1 = (end - tbase + size - 1) >> shift;
	unsigned long zero = mm_zero_pfn(mm);

	if (i1 > PT_ENTRIES)
		i1 = PT_ENTRIES;
	if (level == 0)
		zap_host(mm, e, tbase, i0, i1);
	for (unsigned long i = i0; i < i1; i++) {
		unsigned long ebase = tbase + i * size, pfn;

		if (!(e[i] & _PAGE_PRESENT))
			continue;
		pfn = pte_pfn(e[i]);
		if (level == 0) {
			tlb_flush_page(mm, ebase);
			e[i] = 0;
			if (pfn == zero) {
				mm->zero_mapped--;
			} else {
				mm_free_frame(mm, pfn_to_page(mm->m, pfn));
				mm->rss--;
			}
		} else if (zap_table(mm, pfn, level - 1, ebase, start > ebase ? start : ebase,
				     end < ebase + size ? end : ebase + size)) {
			ptc.mm = NULL;		/* a table goes: forget the cached walk */
			mm_free_frame(mm, pfn_to_page(mm->m, pfn));
			mm->pgtables--;
			e[i] = 0;
		}
	}
	for (unsigned long i = 0; i < PT_ENTRIES; i += 8)
		if (e[i] | e[i + 1] | e[i + 2] | e[i + 3] | e[i + 4] | e[i + 5] | e[i + 6] | e[i + 7])
			return 0;
	return 1;
}

static void zap_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (start < end)
		zap_table(mm, pfn_of(mm->m, mm->pgd), PT_LEVELS - 1, 0, start, end);
}

/* ---- create / destroy ------------------------------------------------------ */

struct mm_struct *mm_create(struct machine *m, const struct mm_config *cfg)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));
	struct page_stats ps;
	unsigned long avail;

	if (!mm) {
		kalloc_report(m, KERR_NOMEM, "mm_create: no host memory");
		return NULL;
	}
	mm->m = m;
	if (cfg)
		mm->cfg = *cfg;
	if (!mm->cfg.pid)
		mm->cfg.pid = 1;
	mm->span = mm->cfg.span ? ALIGN(mm->cfg.span, PAGE_SIZE) : MM_SPAN_DEFAULT;
	if (mm->span < MM_SPAN_MIN || mm->span > (1UL << 46)) {
		kalloc_report(m, KERR_INVAL, "mm_create: span %lu bytes (16 MiB .. 64 TiB)", mm->span);
		goto fail;
	}
	mm->win = physmem_window_reserve(m, "mm", mm->span >> PAGE_SHIFT);
	if (!mm->win) {
		kalloc_report(m, KERR_NOMEM, "mm_create: no window of %lu MiB for the address space",
			      mm->span >> 20);
		goto fail;
	}
	mm->base = (unsigned long)mm->win->base;
	mm->start_brk = mm->brk = mm->base + mm->span / 16;
	mm->pgd = mm_alloc_frame(mm, PAGE_OWNER_PGTABLE);
	mm->zero_page = alloc_page(m, GFP_KERNEL | __GFP_ZERO);
	if (!mm->pgd || !mm->zero_page) {
		kalloc_report(m, KERR_NOMEM, "mm_create: no frame for the PGD or the zero page");
		goto fail;
	}
	buddy_page_stats(m, &ps);
	avail = ps.free + ps.pcp;
	mm->commit_limit = mm->cfg.commit_pages ? mm->cfg.commit_pages :
			   avail > 64 ? avail - avail / PT_ENTRIES - 4 * PT_LEVELS : 0;
	return mm;
fail:
	mm_destroy(mm);
	return NULL;
}

void mm_destroy(struct mm_struct *mm)
{
	if (!mm)
		return;
	if (mm->win) {
		/* One host call unmaps every alias; then the frames go. */
		physmem_window_release(mm->m, mm->win);
		mm->win = NULL;
		mm->unaliased = mm->rss + mm->zero_mapped;
	}
	ptc.mm = NULL;
	if (mm->pgd) {
		zap_range(mm, 0, 1UL << 48);
		mm_free_frame(mm, mm->pgd);
	}
	if (mm->zero_page)
		__free_page(mm->m, mm->zero_page);
	free(mm->vmas);
	free(mm);
}

/* ---- brk, mmap, munmap ------------------------------------------------------ */

static int commit_ok(struct mm_struct *mm, unsigned long pages, const char *who)
{
	if (mm->data_vm + pages <= mm->commit_limit)
		return 0;
	return kalloc_report(mm->m, KERR_NOMEM, "%s: %lu more pages exceed the commit limit "
			     "(%lu of %lu committed; vm.overcommit_memory=2)", who, pages, mm->data_vm,
			     mm->commit_limit);
}

int mm_brk(struct mm_struct *mm, unsigned long brk)
{
	unsigned long oldend = ALIGN(mm->brk, PAGE_SIZE), newend;
	struct vm_area_struct *v;
	int rc;

	if (brk < mm->start_brk)
		return kalloc_report(mm->m, KERR_INVAL, "brk(%#lx): below the heap's start %#lx",
				     brk, mm->start_brk);
	if (brk > mm_top(mm))
		return kalloc_report(mm->m, KERR_NOMEM, "brk(%#lx): past the top of the address space", brk);
	newend = ALIGN(brk, PAGE_SIZE);
	if (newend > oldend) {
		unsigned long i = vma_find_index(mm, oldend);

		if (i < mm->nr_vmas && mm->vmas[i].vm_start < newend)
			return kalloc_report(mm->m, KERR_NOMEM, "brk(%#lx): runs into the mapping at %#lx",
					     brk, mm->vmas[i].vm_start);
		rc = commit_ok(mm, (newend - oldend) >> PAGE_SHIFT, "brk");
		if (rc)
			return rc;
		v = heap_vma(mm);
		if (v) {
			v->vm_end = newend;
		} else {
			if (vma_reserve(mm, 1))
				return -KERR_NOMEM;
			vma_insert(mm, vma_find_index(mm, mm->start_brk), mm->start_brk, newend,
				   VM_READ | VM_WRITE | VM_HEAP);
		}
		vm_account(mm, (long)((newend - oldend) >> PAGE_SHIFT));
	} else if (newend < oldend) {
		zap_range(mm, newend, oldend);
		v = heap_vma(mm);
		v->vm_end = newend;
		if (v->vm_end == v->vm_start) {
			unsigned long i = (unsigned long)(v - mm->vmas);

			memmove(v, v + 1, (mm->nr_vmas - i - 1) * sizeof(*v));
			mm->nr_vmas--;
		}
		vm_account(mm, -(long)((oldend - newend) >> PAGE_SHIFT));
	}
	mm->brk = brk;
	debug_check_mm(mm, "brk");
	return 0;
}

int mm_sbrk(struct mm_struct *mm, long delta, unsigned long *old)
{
	unsigned long b = mm->brk;

	if (old)
		*old = b;
	if (delta < 0 && (unsigned long)-delta > b - mm->start_brk)
		return kalloc_report(mm->m, KERR_INVAL, "sbrk(%ld): below the heap's start %#lx",
				     delta, mm->start_brk);
	if (delta > 0 && (unsigned long)delta > mm_top(mm) - b)
		return kalloc_report(mm->m, KERR_NOMEM, "sbrk(%ld): past the top of the address space", delta);
	return mm_brk(mm, b + (unsigned long)delta);
}

int mm_mmap(struct mm_struct *mm, size_t len, unsigned long *addr)
{
	unsigned long low = ALIGN(mm->brk, PAGE_SIZE), high = mm_top(mm), gap_end;
	int rc;

	if (len == 0)
		return kalloc_report(mm->m, KERR_INVAL, "mmap: length 0");
	if (len > mm->span)
		return kalloc_report(mm->m, KERR_NOMEM, "mmap: %zu bytes: larger than the address space", len);
	len = ALIGN(len, PAGE_SIZE);
	rc = commit_ok(mm, len >> PAGE_SHIFT, "mmap");
	if (rc)
		return rc;
	if (vma_reserve(mm, 1))
		return -KERR_NOMEM;
	/* Top-down: the highest gap below the top that fits (unmapped_area_topdown). */
	gap_end = high;
	for (unsigned long i = mm->nr_vmas + 1; i-- > 0;) {
		unsigned long gap_start = i ? mm->vmas[i - 1].vm_end : low;

		if (gap_start < low)
			gap_start = low;
		if (i < mm->nr_vmas)
			gap_end = mm->vmas[i].vm_start < high ? mm->vmas[i].vm_start : high;
		if (gap_end >= gap_start && gap_end - gap_start >= len) {
			*addr = gap_end - len;
			vma_insert(mm, i, *addr, gap_end, VM_READ | VM_WRITE);
			vm_account(mm, (long)(len >> PAGE_SHIFT));
			debug_check_mm(mm, "mmap");
			return 0;
		}
		if (gap_start <= low)
			break;
	}
	return kalloc_report(mm->m, KERR_NOMEM, "mmap: no gap of %zu bytes in the address space", len);
}

int mm_munmap(struct mm_struct *mm, unsigned long addr, size_t len)
{
	unsigned long end, a, i, j, n;

	if ((addr & ~PAGE_MASK) || len == 0 || len > mm->span)
		return kalloc_report(mm->m, KERR_INVAL, "munmap(%#lx, %zu): %s", addr, len,
				     len ? "address not page aligned" : "zero length");
	end = addr + ALIGN(len, PAGE_SIZE);
	for (a = addr; a < end;) {
		struct vm_area_struct *v = vma_lookup(mm, a);

		if (!v || (v->vm_flags & VM_HEAP))
			return kalloc_report(mm->m, KERR_NOT_MAPPED, "munmap(%#lx, %zu): %#lx is %s", addr, len,
					     a, v ? "the brk heap's (shrink it with brk)" : "not mapped");
		a = v->vm_end;
	}
	if (vma_reserve(mm, 1))
		return -KERR_NOMEM;
	/* Cut [addr, end) out of the VMAs it covers: at most one is split in two. */
	i = vma_find_index(mm, addr);
	j = i;
	while (j < mm->nr_vmas && mm->vmas[j].vm_start < end)
		j++;
	{
		struct vm_area_struct first = mm->vmas[i], last = mm->vmas[j - 1], keep[2];

		n = 0;
		if (first.vm_start < addr)
			keep[n++] = (struct vm_area_struct){ first.vm_start, addr, first.vm_flags };
		if (last.vm_end > end)
			keep[n++] = (struct vm_area_struct){ end, last.vm_end, last.vm_flags };
		memmove(&mm->vmas[i + n], &mm->vmas[j], (mm->nr_vmas - j) * sizeof(keep[0]));
		memcpy(&mm->vmas[i], keep, n * sizeof(keep[0]));
		mm->nr_vmas = mm->nr_vmas - (j - i) + n;
	}
	zap_range(mm, addr, end);
	vm_account(mm, -(long)((end - addr) >> PAGE_SHIFT));
	debug_check_mm(mm, "munmap");
	return 0;
}

/* ---- the fault path ----------------------------------------------------------
 * Every access is checked against the VMAs first, as a whole: a range that
 * leaves them is a segmentation fault before anything is copied.  Then page
 * by page (handle_mm_fault): a page that is not present is faulted in, for a
 * write as a zeroed frame of its own (do_anonymous_page), for a read as the
 * shared zero page mapped read-only; a write to the zero page breaks it into
 * a zeroed frame (wp_page_copy).  The bytes go through the direct map of the
 * frame, which is what the PTE says the user address means.
 */
static int mm_segv(struct mm_struct *mm, unsigned long addr, int write)
{
	mm->segv++;
	/* arch/x86/mm/fault.c show_signal_msg(); error code: 4 user, 2 write. */
	return kalloc_report(mm->m, KERR_FAULT, "kalloc[%d]: segfault at %lx ip 0000000000000000 "
			     "sp 0000000000000000 error %d", mm->cfg.pid, addr, 4 | (write ? 2 : 0));
}

static int fault_frame(struct mm_struct *mm, uint64_t *pte, unsigned long addr)
{
	struct page *page = mm_alloc_frame(mm, PAGE_OWNER_USER);

	if (!page)
		return kalloc_report(mm->m, KERR_NOMEM, "Out of memory: no frame for a write fault at %#lx",
				     addr);
	if (*pte & _PAGE_PRESENT) {	/* the zero page */
		mm->zero_mapped--;
		mm->cow_faults++;
	}
	pte_install(mm, pte, addr & PAGE_MASK, pfn_of(mm->m, page), PTE_ANON_BITS);
	mm->faults++;
	if (++mm->rss > mm->hiwater_rss)
		mm->hiwater_rss = mm->rss;
	return 0;
}

static int mm_access_slow(struct mm_struct *mm, unsigned long addr, void *buf, const void *src, int byte,
			  size_t len, int write);

static int mm_access(struct mm_struct *mm, unsigned long addr, void *buf, const void *src, int byte,
		     size_t len, int write)
{
	unsigned char *out = buf;
	const unsigned char *in = src;
	struct mm_tlb *t = &mm->tlb[(addr >> PAGE_SHIFT) % MM_TLB_ENTRIES];

	/* The fast path: one page, translated before, mapped as needed. */
	if (len && t->vpn1 == (addr >> PAGE_SHIFT) + 1 && (addr & ~PAGE_MASK) + len <= PAGE_SIZE &&
	    (!write || t->writable)) {
		unsigned char *frame = t->frame + (addr & ~PAGE_MASK);

		mm->tlb_hits++;
		if (!write)
			memcpy(out, frame, len);
		else if (in)
			memcpy(frame, in, len);
		else
			memset(frame, byte, len);
		return 0;
	}
	if (!len)
		return 0;
	{
		struct map_batch batch = { .mm = mm };
		int rc;

		mm_batch = &batch;
		rc = mm_access_slow(mm, addr, buf, src, byte, len, write);
		mm_batch = NULL;
		batch_flush(&batch);
		return rc;
	}
}

/* mm_access past its fast path. */
static int mm_access_slow(struct mm_struct *mm, unsigned long addr, void *buf, const void *src, int byte,
			  size_t len, int write)
{
	unsigned long end = addr + len, a;
	unsigned char *out = buf;
	const unsigned char *in = src;
	struct mm_tlb *t;

	mm->tlb_misses++;
	if (end < addr)
		return mm_segv(mm, addr, write);
	for (a = addr; a < end;) {
		struct vm_area_struct *v = vma_lookup(mm, a);

		if (!v)
			return mm_segv(mm, a, write);
		a = v->vm_end;
	}
	for (a = addr; a < end;) {
		unsigned long off = a & ~PAGE_MASK, n = PAGE_SIZE - off;
		uint64_t *pte = pt_walk(mm, a, 1);
		unsigned char *frame;

		if (n > end - a)
			n = end - a;
		if (!pte)
			return -KERR_NOMEM;
		if (write && (*pte & (_PAGE_PRESENT | _PAGE_RW)) != (_PAGE_PRESENT | _PAGE_RW)) {
			int rc = fault_frame(mm, pte, a);

			if (rc)
				return rc;
		} else if (!write && !(*pte & _PAGE_PRESENT)) {
			pte_install(mm, pte, a & PAGE_MASK, mm_zero_pfn(mm), PTE_ZERO_BITS);
			mm->zero_mapped++;
			mm->zero_faults++;
			mm->faults++;
		}
		frame = (unsigned char *)pfn_address(mm->m, pte_pfn(*pte));
		t = &mm->tlb[(a >> PAGE_SHIFT) % MM_TLB_ENTRIES];
		t->vpn1 = (a >> PAGE_SHIFT) + 1;
		t->frame = frame;
		t->writable = !!(*pte & _PAGE_RW);
		frame += off;
		if (!write)
			memcpy(out, frame, n), out += n;
		else if (in)
			memcpy(frame, in, n), in += n;
		else
			memset(frame, byte, n);
		a += n;
	}
	return 0;
}

int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf, size_t len)
{
	return mm_access(mm, addr, NULL, buf, 0, len, 1);
}

int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len)
{
	return mm_access(mm, addr, buf, NULL, 0, len, 0);
}

int mm_memset(struct mm_struct *mm, unsigned long addr, int byte, size_t len)
{
	return mm_access(mm, addr, NULL, NULL, byte, len, 1);
}

/* ---- statistics and /proc ---------------------------------------------------- */

void mm_stats(const struct mm_struct *mm, struct mm_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->rss = mm->rss;
	out->hiwater_rss = mm->hiwater_rss > mm->rss ? mm->hiwater_rss : mm->rss;
	out->total_vm = mm->total_vm;
	out->hiwater_vm = mm->hiwater_vm > mm->total_vm ? mm->hiwater_vm : mm->total_vm;
	out->data_vm = mm->data_vm;
	out->pgtables = mm->pgtables;
	out->zero_mapped = mm->zero_mapped;
	out->unaliased = mm->unaliased;
	out->nr_vmas = mm->nr_vmas;
	out->faults = mm->faults;
	out->zero_faults = mm->zero_faults;
	out->cow_faults = mm->cow_faults;
	out->segv = mm->segv;
	out->commit_limit = mm->commit_limit;
}

#define KB(pages)	((pages) << (PAGE_SHIFT - 10))

/* fs/proc/task_mmu.c task_mem(): "VmRSS:\t    1234 kB". */
int proc_pid_status(const struct mm_struct *mm, char *buf, size_t len)
{
	struct seq_buf s = { buf, len, 0 };
	struct mm_stats st;

	mm_stats(mm, &st);
	if (len)
		buf[0] = 0;
	const struct { const char *name; unsigned long kb; } rows[] = {
		{ "VmPeak", KB(st.hiwater_vm) }, { "VmSize", KB(st.total_vm) }, { "VmLck", 0 }, { "VmPin", 0 },
		{ "VmHWM", KB(st.hiwater_rss) }, { "VmRSS", KB(st.rss) }, { "RssAnon", KB(st.rss) },
		{ "RssFile", 0 }, { "RssShmem", 0 }, { "VmData", KB(st.data_vm) }, { "VmStk", 0 },
		{ "VmExe", 0 }, { "VmLib", 0 }, { "VmPTE", KB(st.pgtables) }, { "VmSwap", 0 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++)
		seq_printf(&s, "%s:\t%8lu kB\n", rows[i].name, rows[i].kb);
	return (int)s.len;
}

/* show_vma_header_prefix(): the name, if any, starts at column 73. */
static void maps_line(struct seq_buf *s, unsigned long start, unsigned long end, const char *perms,
		      const char *name)
{
	size_t from = s->len;

	seq_printf(s, "%08lx-%08lx %s 00000000 00:00 0 ", start, end, perms);
	if (name) {
		while (s->len - from < 73)
			seq_put_str(s, " ", 0);
		seq_put_str(s, name, 0);
	}
	seq_put_str(s, "\n", 0);
}

int proc_pid_maps(const struct mm_struct *mm, char *buf, size_t len)
{
	struct seq_buf s = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	for (unsigned long i = 0; i < mm->nr_vmas; i++) {
		const struct vm_area_struct *v = &mm->vmas[i];

		maps_line(&s, v->vm_start, v->vm_end, "rw-p", (v->vm_flags & VM_HEAP) ? "[heap]" : NULL);
	}
	return (int)s.len;
}

/* show_smaps_rollup(): every page here is private, anonymous and dirty;
 * the zero page is not a normal page and counts nowhere (vm_normal_page). */
int proc_pid_smaps_rollup(const struct mm_struct *mm, char *buf, size_t len)
{
	struct seq_buf s = { buf, len, 0 };
	unsigned long rss = KB(mm->rss);
	unsigned long start = mm->nr_vmas ? mm->vmas[0].vm_start : 0;
	unsigned long end = mm->nr_vmas ? mm->vmas[mm->nr_vmas - 1].vm_end : 0;
	const struct { const char *name; unsigned long kb; } rows[] = {
		{ "Rss:", rss }, { "Pss:", rss }, { "Pss_Dirty:", rss }, { "Pss_Anon:", rss },
		{ "Pss_File:", 0 }, { "Pss_Shmem:", 0 }, { "Shared_Clean:", 0 }, { "Shared_Dirty:", 0 },
		{ "Private_Clean:", 0 }, { "Private_Dirty:", rss }, { "Referenced:", rss },
		{ "Anonymous:", rss }, { "KSM:", 0 }, { "LazyFree:", 0 }, { "AnonHugePages:", 0 },
		{ "ShmemPmdMapped:", 0 }, { "FilePmdMapped:", 0 }, { "Shared_Hugetlb:", 0 },
		{ "Private_Hugetlb:", 0 }, { "Swap:", 0 }, { "SwapPss:", 0 }, { "Locked:", 0 },
	};

	if (len)
		buf[0] = 0;
	maps_line(&s, start, end, "---p", "[rollup]");
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++)
		seq_printf(&s, "%-16s%8lu kB\n", rows[i].name, rows[i].kb);
	return (int)s.len;
}

/* ---- the check ----------------------------------------------------------------- */

struct mm_walk_state {
	uint64_t *seen;		/* one bit per frame: a page or a table uses it */
	unsigned long rss, tables, zero, unaliased;
	const struct vm_area_struct *vma;	/* the last leaf's VMA: the walk
						 * goes up in address */
	struct kalloc_check *out;
};

static int frame_claim(struct mm_walk_state *w, unsigned long pfn, unsigned long addr,
		       const char *what)
{
	if (w->seen[pfn / 64] & (1ULL << (pfn % 64)))
		return kalloc_fail(w->out, INV_MM_FRAME_TWICE, "frame %#lx (%s at %#lx) is in use twice", pfn,
				   what, addr);
	w->seen[pfn / 64] |= 1ULL << (pfn % 64);
	return 0;
}

/* A frame the mm holds must be an allocated order-0 page of no other layer. */
static int frame_ok(struct mm_struct *mm, struct mm_walk_state *w, unsigned long pfn, unsigned long addr,
		    const char *what, enum page_owner owner)
{
	const struct page *p;

	if (pfn >= mm->m->nr_pages)
		return kalloc_fail(w->out, INV_MM_PTE_FRAME, "%s at %#lx maps pfn %#lx past memory", what, addr, pfn);
	p = &mm->m->pages[pfn];
	if ((p->flags & PG_STATE_MASK) != PG_head || p->order != 0 || p->owner != owner)
		return kalloc_fail(w->out, INV_MM_PTE_FRAME, "%s at %#lx maps pfn %#lx with flags %#x order %u "
				   "owner %s (expected %s)", what, addr, pfn, p->flags, p->order,
				   page_owner_name(p->owner), page_owner_name(owner));
	return frame_claim(w, pfn, addr, what);
}

/* The window slot of a present page maps the PTE's frame (or, counted in
 * unaliased, nothing). */
static int alias_ok(struct mm_struct *mm, struct mm_walk_state *w, unsigned long addr, unsigned long pfn)
{
	unsigned long got = window_slot_pfn(mm->win, window_slot(mm->win, (void *)addr));

	if (got == PHYS_NO_PFN) {
		w->unaliased++;
		return 0;
	}
	if (got != pfn)
		return kalloc_fail(w->out, INV_MM_ALIAS, "page %#lx: PTE names pfn %#lx, the window maps %#lx",
				   addr, pfn, got);
	return 0;
}

static int check_table(struct mm_struct *mm, struct mm_walk_state *w, unsigned long table, int level,
		       unsigned long tbase)
{
	const uint64_t *e = pt_entries(mm, table);
	unsigned long zero = mm_zero_pfn(mm);
	int code;

	for (unsigned long i = 0; i < PT_ENTRIES; i++) {
		unsigned long addr = tbase + (i << level_shift(level)), pfn = pte_pfn(e[i]);

		if (!(i & 7) && !(e[i] | e[i + 1] | e[i + 2] | e[i + 3] | e[i + 4] | e[i + 5] | e[i + 6] | e[i + 7])) {
			i += 7;		/* eight empty entries at a time: most of a table is */
			continue;
		}
		if (!(e[i] & _PAGE_PRESENT))
			continue;
		if (level > 0) {
			code = frame_ok(mm, w, pfn, addr, "page table", PAGE_OWNER_PGTABLE);
			if (code)
				return code;
			w->tables++;
			code = check_table(mm, w, pfn, level - 1, addr);
			if (code)
				return code;
			continue;
		}
		if (!w->vma || addr < w->vma->vm_start || addr >= w->vma->vm_end)
			w->vma = vma_lookup(mm, addr);
		if (!w->vma)
			return kalloc_fail(w->out, INV_MM_PTE_OUTSIDE, "page %#lx is present outside every VMA", addr);
		if (pfn == zero) {
			if (e[i] & _PAGE_RW)
				return kalloc_fail(w->out, INV_MM_ZERO_PAGE, "zero page mapped writable at %#lx", addr);
			w->zero++;
		} else {
			code = frame_ok(mm, w, pfn, addr, "page", PAGE_OWNER_USER);
			if (code)
				return code;
			w->rss++;
		}
		code = alias_ok(mm, w, addr, pfn);
		if (code)
			return code;
	}
	return 0;
}

int mm_check(struct mm_struct *mm, struct kalloc_check *out)
{
	struct mm_walk_state w = { .out = out };
	unsigned long pages = 0, data = 0, heap_end = ALIGN(mm->brk, PAGE_SIZE);
	const struct vm_area_struct *hv = NULL;
	const unsigned char *z;
	int code;

	if (out) {
		out->code = INV_OK;
		out->msg[0] = 0;
	}
	for (unsigned long i = 0; i < mm->nr_vmas; i++) {
		const struct vm_area_struct *v = &mm->vmas[i];

		if (v->vm_start >= v->vm_end || (v->vm_start & ~PAGE_MASK) || (v->vm_end & ~PAGE_MASK) ||
		    v->vm_start < mm->base || v->vm_end > mm->base + mm->span ||
		    (i && v->vm_start < mm->vmas[i - 1].vm_end))
			return kalloc_fail(out, INV_MM_VMA, "VMA %lu [%#lx, %#lx)", i, v->vm_start, v->vm_end);
		if (v->vm_flags & VM_HEAP) {
			if (hv)
				return kalloc_fail(out, INV_MM_BRK, "two heap VMAs");
			hv = v;
		}
		pages += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
		if (v->vm_flags & VM_WRITE)
			data += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
	}
	if (mm->brk < mm->start_brk || (heap_end > mm->start_brk ?
	    !hv || hv->vm_start != mm->start_brk || hv->vm_end != heap_end : hv != NULL))
		return kalloc_fail(out, INV_MM_BRK, "brk %#lx from %#lx, heap VMA [%#lx, %#lx)", mm->brk,
				   mm->start_brk, hv ? hv->vm_start : 0, hv ? hv->vm_end : 0);
	if (pages != mm->total_vm || data != mm->data_vm)
		return kalloc_fail(out, INV_MM_TOTAL_VM, "total_vm %lu data_vm %lu, the VMAs have %lu and %lu",
				   mm->total_vm, mm->data_vm, pages, data);
	if (mm->hiwater_vm < mm->total_vm || mm->hiwater_rss < mm->rss)
		return kalloc_fail(out, INV_MM_HIWATER, "hiwater_vm %lu total_vm %lu hiwater_rss %lu rss %lu",
				   mm->hiwater_vm, mm->total_vm, mm->hiwater_rss, mm->rss);
	z = pfn_address(mm->m, mm_zero_pfn(mm));
	if ((z = memchr_inv(z, 0, PAGE_SIZE)))
		return kalloc_fail(out, INV_MM_ZERO_PAGE, "zero page byte %lu is %#x",
				   (unsigned long)(z - (const unsigned char *)pfn_address(mm->m, mm_zero_pfn(mm))), *z);
	w.seen = calloc((mm->m->nr_pages + 63) / 64, sizeof(uint64_t));
	if (!w.seen)
		return 0;	/* no host memory for the walk: nothing found */
	code = frame_ok(mm, &w, pfn_of(mm->m, mm->pgd), 0, "PGD", PAGE_OWNER_PGTABLE);
	if (!code)
		code = frame_ok(mm, &w, mm_zero_pfn(mm), 0, "zero page", PAGE_OWNER_PAGES);
	if (!code)
		code = check_table(mm, &w, pfn_of(mm->m, mm->pgd), PT_LEVELS - 1, 0);
	free(w.seen);
	if (code)
		return code;
	if (w.rss != mm->rss)
		return kalloc_fail(out, INV_MM_RSS, "rss %lu, %lu frames mapped", mm->rss, w.rss);
	if (w.zero != mm->zero_mapped)
		return kalloc_fail(out, INV_MM_RSS, "zero_mapped %lu, %lu PTEs map the zero page",
				   mm->zero_mapped, w.zero);
	if (w.unaliased != mm->unaliased || mm->win->nr_mapped != w.rss + w.zero - w.unaliased)
		return kalloc_fail(out, INV_MM_ALIAS, "unaliased %lu, %lu found; the window maps %lu of %lu pages",
				   mm->unaliased, w.unaliased, mm->win->nr_mapped, w.rss + w.zero);
	if (w.tables != mm->pgtables)
		return kalloc_fail(out, INV_MM_PGTABLES, "pgtables %lu, %lu tables under the PGD", mm->pgtables,
				   w.tables);
	return 0;
}
