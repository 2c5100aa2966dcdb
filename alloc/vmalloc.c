/* vmalloc.c - virtually contiguous areas over scattered frames (Linux mm/vmalloc.c).
 *
 * Entry points: vmalloc(), vzalloc(), __vmalloc_node(), vfree(),
 * vmalloc_to_page(), vmalloc_read/write/touch(), kvmalloc(), kvfree(),
 * proc_vmallocinfo(), vmalloc_check().
 *
 * The VMALLOC range is a physmem window of 2 * nr_pages slots (at least
 * VMALLOC_MIN_PAGES), reserved at boot.  An area of n pages takes n + 1
 * slots, the first gap that fits (first fit, lowest address first, as
 * Linux's alloc_vmap_area searches its free tree from the bottom): n frames
 * from alloc_pages(order 0), each owned by PAGE_OWNER_VMALLOC, mapped in
 * runs of contiguous frames, then the guard slot, left unmapped.
 *
 * ASan: physmem_map() opens the mapped pages; the bytes past the request in
 * the last page are poisoned again here (KASAN's vmalloc redzone), so an
 * overflow by direct dereference is an ASan report, and the guard page is
 * poisoned and PROT_NONE.  The checked accessors never touch an unmapped
 * page: they report the fault instead.
 */
#include <stdio.h>
#include <string.h>
#include "internal.h"

#define VM_INT_MAX	0x7fffffffUL

static inline struct phys_window *vm_window(const struct machine *m) { return m->vmalloc.window; }

static inline void *area_addr(const struct machine *m, const struct vm_struct *a)
{
	return window_slot_address(vm_window(m), a->slot);
}

int vmalloc_init(struct machine *m)
{
	struct vmalloc_state *v = &m->vmalloc;
	unsigned long pages = 2 * m->nr_pages;

	INIT_LIST_HEAD(&v->areas);
	if (pages < VMALLOC_MIN_PAGES)
		pages = VMALLOC_MIN_PAGES;
	v->window = physmem_window_reserve(m, "vmalloc", pages);
	return v->window ? 0 : -KERR_NOMEM;
}

static void area_free_meta(struct machine *m, struct vm_struct *a)
{
	kalloc_host_free(&m->host, a->pages);
	kalloc_host_free(&m->host, a);
}

/* Teardown: the metadata only; physmem_exit() unmaps the window and the
 * machine's frames go with the machine. */
void vmalloc_exit(struct machine *m)
{
	struct vmalloc_state *v = &m->vmalloc;

	if (!v->areas.next)
		return;
	while (!list_empty(&v->areas)) {
		struct vm_struct *a = list_first_entry(&v->areas, struct vm_struct, list);

		list_del(&a->list);
		area_free_meta(m, a);
	}
}

/* ------------------------------------------------------------------------
 * Placement: the first gap of @need slots whose start is @align aligned;
 * *before is the area the new one goes in front of (the list head if
 * last).  Returns the slot, or PHYS_NO_PFN when the range is full.
 */
static unsigned long find_gap(const struct machine *m, unsigned long need, unsigned long align,
			      struct list_head **before)
{
	const struct phys_window *w = vm_window(m);
	unsigned long next = 0, align_slots = align > PAGE_SIZE ? align >> PAGE_SHIFT : 1;
	uintptr_t base_slot = (uintptr_t)w->base >> PAGE_SHIFT;
	struct list_head *pos;

	list_for_each(pos, &m->vmalloc.areas) {
		const struct vm_struct *a = list_entry(pos, struct vm_struct, list);
		unsigned long start = ALIGN(base_slot + next, align_slots) - base_slot;

		if (start + need <= a->slot) {
			*before = pos;
			return start;
		}
		next = a->slot + a->nr_pages + 1;
	}
	next = ALIGN(base_slot + next, align_slots) - base_slot;
	*before = (struct list_head *)&m->vmalloc.areas;
	return next + need <= w->nr_pages ? next : PHYS_NO_PFN;
}

/* Undo a partly built area: unmap what is mapped, free every frame. */
static void area_unwind(struct machine *m, struct vm_struct *a, unsigned long nr_allocated)
{
	struct phys_window *w = vm_window(m);

	for (unsigned long i = 0; i < nr_allocated; i++) {
		if (window_slot_pfn(w, a->slot + i) != PHYS_NO_PFN)
			physmem_unmap(m, w, window_slot_address(w, a->slot + i), 1);
		page_set_owner(m, a->pages[i], PAGE_OWNER_PAGES);
		__free_pages(m, a->pages[i], 0);
	}
}

/* Map the area's frames, one host call per run of contiguous pfns. */
static int area_map(struct machine *m, struct vm_struct *a)
{
	struct phys_window *w = vm_window(m);

	for (unsigned long i = 0; i < a->nr_pages;) {
		unsigned long pfn = page_to_pfn(m, a->pages[i]), run = 1;
		int err;

		while (i + run < a->nr_pages && page_to_pfn(m, a->pages[i + run]) == pfn + run)
			run++;
		err = physmem_map(m, w, window_slot_address(w, a->slot + i), pfn, run);
		if (err)
			return err;
		i += run;
	}
	return 0;
}

void *__vmalloc_node(struct machine *m, unsigned long size, unsigned long align, gfp_t gfp,
		     const char *caller)
{
	struct vmalloc_state *v = &m->vmalloc;
	unsigned long nr, slot;
	struct list_head *before;
	struct vm_struct *a;
	unsigned char *addr;

	v->alloc_calls++;
	if (unlikely(!size)) {
		v->failed_calls++;
		kalloc_report(m, KERR_INVAL, "vmalloc error: size 0");
		return NULL;
	}
	if (unlikely(size > m->nr_pages << PAGE_SHIFT)) {
		v->failed_calls++;
		kalloc_report(m, KERR_TOO_BIG, "vmalloc error: size %lu, exceeds total pages", size);
		return NULL;
	}
	if (unlikely(align & (align - 1))) {
		v->failed_calls++;
		kalloc_report(m, KERR_INVAL, "__vmalloc_node: align %lu is not a power of two", align);
		return NULL;
	}
	nr = ALIGN(size, PAGE_SIZE) >> PAGE_SHIFT;
	slot = find_gap(m, nr + 1, align, &before);
	if (slot == PHYS_NO_PFN)
		goto fail;			/* "vmap allocation for size N failed" */
	a = kalloc_host_calloc(&m->host, 1, sizeof(*a));
	if (!a)
		goto fail;
	a->pages = kalloc_host_calloc(&m->host, nr, sizeof(*a->pages));
	if (!a->pages) {
		kalloc_host_free(&m->host, a);
		goto fail;
	}
	a->slot = slot;
	a->nr_pages = nr;
	a->size = (nr + 1) << PAGE_SHIFT;
	a->requested = size;
	a->flags = VM_ALLOC;
	{	/* snprintf("%s")'s copy and truncation, without the formatter */
		const char *c = caller ? caller : "vmalloc";
		size_t n = strnlen(c, sizeof(a->caller) - 1);

		memcpy(a->caller, c, n);
		a->caller[n] = '\0';
	}
	for (unsigned long i = 0; i < nr; i++) {
		a->pages[i] = alloc_pages(m, gfp & (__GFP_DMA | __GFP_ZERO), 0);
		if (!a->pages[i]) {
			area_unwind(m, a, i);
			area_free_meta(m, a);
			goto fail;
		}
		page_set_owner(m, a->pages[i], PAGE_OWNER_VMALLOC);
	}
	if (area_map(m, a)) {
		area_unwind(m, a, nr);
		area_free_meta(m, a);
		goto fail;
	}
	addr = area_addr(m, a);
	/* KASAN's vmalloc redzone: the tail of the last page past the request. */
	kasan_poison(addr + size, (nr << PAGE_SHIFT) - size);
	list_add_tail(&a->list, before);
	v->nr_areas++;
	v->nr_pages += nr;
	debug_check(m, vmalloc_check, "vmalloc");
	return addr;
fail:
	v->failed_calls++;
	return NULL;
}

void *vmalloc(struct machine *m, unsigned long size)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL, "vmalloc");
}

void *vzalloc(struct machine *m, unsigned long size)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL | __GFP_ZERO, "vzalloc");
}

/* ------------------------------------------------------------------------
 * Looking addresses up
 */
int is_vmalloc_addr(const struct machine *m, const void *addr)
{
	return window_slot(vm_window(m), addr) != PHYS_NO_PFN;
}

void *vmalloc_start(const struct machine *m) { return vm_window(m)->base; }
unsigned long vmalloc_range_size(const struct machine *m) { return vm_window(m)->nr_pages << PAGE_SHIFT; }

/* The area whose slots (guard page included) hold @slot, or NULL. */
static struct vm_struct *find_area(const struct machine *m, unsigned long slot)
{
	struct list_head *pos;

	list_for_each(pos, &m->vmalloc.areas) {
		struct vm_struct *a = list_entry(pos, struct vm_struct, list);

		if (slot < a->slot)
			return NULL;
		if (slot <= a->slot + a->nr_pages)
			return a;
	}
	return NULL;
}

struct page *vmalloc_to_page(const struct machine *m, const void *addr)
{
	const struct phys_window *w = vm_window(m);
	unsigned long pfn = window_slot_pfn(w, window_slot(w, addr));

	return pfn == PHYS_NO_PFN ? NULL : pfn_to_page(m, pfn);
}

unsigned long vmalloc_to_pfn(const struct machine *m, const void *addr)
{
	const struct phys_window *w = vm_window(m);

	return window_slot_pfn(w, window_slot(w, addr));
}

/* ------------------------------------------------------------------------
 * vfree
 */

/* Slow path: where @addr is, as an error code and a line of explanation. */
static __attribute__((noinline, cold)) int vfree_bad(struct machine *m, const void *addr, bool aligned)
{
	const struct phys_window *w = vm_window(m);
	unsigned long slot = window_slot(w, addr);
	const struct vm_struct *a = slot == PHYS_NO_PFN ? NULL : find_area(m, slot);
	char where[160];
	int code;

	if (slot == PHYS_NO_PFN) {
		code = KERR_BAD_ADDRESS;
		snprintf(where, sizeof(where), "%s", addr_to_page(m, addr) ?
			 "not a vmalloc address: it is in the direct map (kfree or free_pages?)" :
			 "not a vmalloc address");
	} else if (a) {
		code = KERR_NOT_HEAD;
		snprintf(where, sizeof(where), "%s the %lu-byte area at 0x%016lx (%s)",
			 slot == a->slot + a->nr_pages ? "in the guard page of" : "inside",
			 a->size, (unsigned long)(uintptr_t)area_addr(m, a), a->caller);
	} else {
		code = KERR_DOUBLE_FREE;
		snprintf(where, sizeof(where), "no area there: freed already, or never allocated");
	}
	return kalloc_report(m, code, "Trying to vfree() %s (%016lx)\n%s",
			     aligned ? "nonexistent vm area" : "bad address",
			     (unsigned long)(uintptr_t)addr, where);
}

int vfree(struct machine *m, const void *addr)
{
	struct vmalloc_state *v = &m->vmalloc;
	struct phys_window *w = vm_window(m);
	unsigned long slot;
	struct vm_struct *a;

	if (!addr)
		return 0;
	v->free_calls++;
	if (unlikely((uintptr_t)addr & (PAGE_SIZE - 1)))
		return vfree_bad(m, addr, false);
	slot = window_slot(w, addr);
	a = slot == PHYS_NO_PFN ? NULL : find_area(m, slot);
	if (unlikely(!a || a->slot != slot))
		return vfree_bad(m, addr, true);

	/* One host call unmaps the whole area (its slots are contiguous). */
	if (physmem_unmap(m, w, (void *)addr, a->nr_pages))
		return kalloc_report(m, KERR_NOMEM, "vfree(%016lx): the host refused to unmap",
				     (unsigned long)(uintptr_t)addr);
	/* Last page first: the per-CPU list is LIFO, so the next vmalloc
	 * gets these frames back in ascending order, one run, one host mmap
	 * (Linux frees from the first; there a page table write is cheap). */
	for (unsigned long i = a->nr_pages; i-- > 0;) {
		page_set_owner(m, a->pages[i], PAGE_OWNER_PAGES);
		__free_pages(m, a->pages[i], 0);
	}
	list_del(&a->list);
	v->nr_areas--;
	v->nr_pages -= a->nr_pages;
	area_free_meta(m, a);
	debug_check(m, vmalloc_check, "vfree");
	return 0;
}

/* ------------------------------------------------------------------------
 * Checked accesses
 */

/* Linux's page fault oops for a kernel access to an unmapped address. */
static __attribute__((noinline, cold)) int vmalloc_fault(struct machine *m, const void *addr, bool write,
							  const char *who)
{
	const struct phys_window *w = vm_window(m);
	unsigned long slot = window_slot(w, addr);
	const struct vm_struct *a = slot == PHYS_NO_PFN ? NULL : find_area(m, slot);
	char where[160];

	if (slot == PHYS_NO_PFN)
		snprintf(where, sizeof(where), "not a vmalloc address");
	else if (a)
		snprintf(where, sizeof(where), "the guard page of the %lu-byte area at 0x%016lx (%s)",
			 a->size, (unsigned long)(uintptr_t)area_addr(m, a), a->caller);
	else
		snprintf(where, sizeof(where), "free vmalloc space");
	return kalloc_report(m, KERR_FAULT,
			     "BUG: unable to handle page fault for address: %016lx\n"
			     "#PF: supervisor %s access in kernel mode\n"
			     "#PF: error_code(0x%04x) - not-present page\n"
			     "%s: %s",
			     (unsigned long)(uintptr_t)addr, write ? "write" : "read", write ? 2 : 0, who, where);
}

/* 0 when every byte of [addr, addr + len) is mapped in one area (the
 * area in *ap); else the fault at the first unmapped byte, reported. */
static int vmalloc_access(struct machine *m, const void *addr, size_t len, bool write, const char *who,
			  struct vm_struct **ap)
{
	const struct phys_window *w = vm_window(m);
	unsigned long slot = window_slot(w, addr);
	size_t off, mapped;
	struct vm_struct *a;

	if (slot == PHYS_NO_PFN)
		return vmalloc_fault(m, addr, write, who);
	a = find_area(m, slot);
	if (!a || slot >= a->slot + a->nr_pages)
		return vmalloc_fault(m, addr, write, who);
	off = (size_t)((const unsigned char *)addr - (const unsigned char *)area_addr(m, a));
	mapped = a->nr_pages << PAGE_SHIFT;
	if (len > mapped - off)		/* runs into the guard page */
		return vmalloc_fault(m, (unsigned char *)area_addr(m, a) + mapped, write, who);
	*ap = a;
	return 0;
}

/* Open the redzone of @a for an access the page tables allow, then close it. */
static void area_redzone(struct machine *m, const struct vm_struct *a, bool open)
{
	unsigned char *end = (unsigned char *)area_addr(m, a) + a->requested;
	size_t n = (a->nr_pages << PAGE_SHIFT) - a->requested;

	if (open)
		kasan_unpoison(end, n);
	else
		kasan_poison(end, n);
}

/* Both checked copies: @vaddr in the VMALLOC range, @buf anywhere. */
static int vmalloc_copy(struct machine *m, void *vaddr, void *buf, size_t len, bool write)
{
	struct vm_struct *a;
	int err;

	if (!len)
		return 0;
	err = vmalloc_access(m, vaddr, len, write, write ? "vmalloc_write" : "vmalloc_read", &a);
	if (err)
		return err;
	area_redzone(m, a, true);
	memcpy(write ? vaddr : buf, write ? buf : vaddr, len);
	area_redzone(m, a, false);
	return 0;
}

int vmalloc_write(struct machine *m, void *addr, const void *buf, size_t len)
{
	return vmalloc_copy(m, addr, (void *)buf, len, true);
}

int vmalloc_read(struct machine *m, const void *addr, void *buf, size_t len)
{
	return vmalloc_copy(m, (void *)addr, buf, len, false);
}

int vmalloc_touch(struct machine *m, const void *addr, int write)
{
	struct vm_struct *a;
	int err = vmalloc_access(m, addr, 1, write, "vmalloc_touch", &a);

	if (err)
		return err;
	area_redzone(m, a, true);
	if (write)
		*(volatile unsigned char *)addr = *(volatile unsigned char *)addr;
	else
		(void)*(volatile const unsigned char *)addr;
	area_redzone(m, a, false);
	return 0;
}

/* ------------------------------------------------------------------------
 * kvmalloc (mm/util.c)
 */
void *__kvmalloc_node(struct machine *m, size_t size, gfp_t gfp, const char *caller)
{
	void *p = NULL;

	/* A large request tries kmalloc quietly first (Linux adds
	 * __GFP_NOWARN | __GFP_NORETRY), since vmalloc is the fallback; one
	 * kmalloc cannot serve at all would only warn, so skip it. */
	if (size <= kmalloc_max_size(m) || size <= PAGE_SIZE)
		p = kmalloc(m, size, size > PAGE_SIZE ? gfp | __GFP_NOWARN : gfp);
	if (p || size <= PAGE_SIZE)
		return p;
	/* vmalloc may sleep; an atomic caller gets the failure. */
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		return NULL;
	if (unlikely(size > VM_INT_MAX)) {
		if (!(gfp & __GFP_NOWARN))
			kalloc_report(m, KERR_TOO_BIG, "kvmalloc: %zu bytes is above INT_MAX", size);
		return NULL;
	}
	return __vmalloc_node(m, size, 1, gfp, caller ? caller : "kvmalloc_node");
}

void *kvmalloc(struct machine *m, size_t size, gfp_t gfp) { return __kvmalloc_node(m, size, gfp, NULL); }
void *kvzalloc(struct machine *m, size_t size, gfp_t gfp) { return __kvmalloc_node(m, size, gfp | __GFP_ZERO, NULL); }

void *kvmalloc_array(struct machine *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		kalloc_report(m, KERR_OVERFLOW, "kvmalloc_array: %zu * %zu overflows", n, size);
		return NULL;
	}
	return __kvmalloc_node(m, bytes, gfp, NULL);
}

int kvfree(struct machine *m, const void *addr)
{
	return is_vmalloc_addr(m, addr) ? vfree(m, addr) : kfree(m, addr);
}

/* ------------------------------------------------------------------------
 * Statistics, /proc/vmallocinfo
 */
void vmalloc_stats(const struct machine *m, struct vmalloc_stats *out)
{
	const struct vmalloc_state *v = &m->vmalloc;

	memset(out, 0, sizeof(*out));
	out->nr_areas = v->nr_areas;
	out->nr_pages = v->nr_pages;
	out->range_pages = vm_window(m)->nr_pages;
	out->alloc_calls = v->alloc_calls;
	out->free_calls = v->free_calls;
	out->failed_calls = v->failed_calls;
}

/* Linux's s_show(): "0x%pK-0x%pK %7ld", " %pS" caller, " pages=%d",
 * " vmalloc" for VM_ALLOC, then show_numa_info()'s " N%u=%u". */
/* "0x%016lx" without vsnprintf. */
static void seq_put_hex16(struct seq_buf *s, unsigned long v)
{
	static const char digits[] = "0123456789abcdef";
	char text[18] = { '0', 'x' };

	for (int i = 17; i >= 2; i--, v >>= 4)
		text[i] = digits[v & 15];
	seq_put_bytes(s, text, sizeof(text));
}

int proc_vmallocinfo(const struct machine *m, char *buf, size_t len)
{
	struct seq_buf s = { buf, len, 0 };
	struct list_head *pos;

	if (len)
		buf[0] = '\0';
	list_for_each(pos, &m->vmalloc.areas) {
		const struct vm_struct *a = list_entry(pos, struct vm_struct, list);
		unsigned long start = (unsigned long)(uintptr_t)area_addr(m, a);

		/* "0x%016lx-0x%016lx %7lu %s pages=%lu vmalloc N0=%lu\n", put by hand */
		seq_put_hex16(&s, start);
		seq_put_bytes(&s, "-", 1);
		seq_put_hex16(&s, start + a->size);
		seq_put_bytes(&s, " ", 1);
		seq_put_ulong(&s, a->size, 7);
		seq_put_bytes(&s, " ", 1);
		seq_put_str(&s, a->caller, 0);
		seq_put_str(&s, " pages=", 0);
		seq_put_ulong(&s, a->nr_pages, 0);
		seq_put_str(&s, " vmalloc N0=", 0);
		seq_put_ulong(&s, a->nr_pages, 0);
		seq_put_bytes(&s, "\n", 1);
	}
	return (int)s.len;
}

/* ------------------------------------------------------------------------
 * vmalloc_check(): each area in order and inside the range, its own sizes
 * consistent, every page mapped to the frame it holds and owned by vmalloc,
 * its guard slot unmapped; then the counters, the owner's page count and
 * the window's mapped count against what the areas hold.
 */
static int check_area(struct machine *m, const struct vm_struct *a, unsigned long next,
		      struct kalloc_check *out)
{
	const struct phys_window *w = vm_window(m);
	unsigned long start = (unsigned long)(uintptr_t)area_addr(m, a);

	if (a->slot < next)
		return kalloc_fail(out, INV_VMALLOC_ORDER, "area at slot %lu starts before slot %lu, the end of the one before",
				   a->slot, next);
	if (a->nr_pages == 0 || a->slot + a->nr_pages + 1 > w->nr_pages)
		return kalloc_fail(out, INV_VMALLOC_RANGE, "area at slot %lu: %lu pages and a guard in a %lu-slot range",
				   a->slot, a->nr_pages, w->nr_pages);
	if (a->size != (a->nr_pages + 1) << PAGE_SHIFT || a->requested == 0 ||
	    ALIGN(a->requested, PAGE_SIZE) != a->nr_pages << PAGE_SHIFT || a->flags != VM_ALLOC)
		return kalloc_fail(out, INV_VMALLOC_AREA, "area 0x%016lx: size %lu, %lu pages, %lu bytes asked, flags %#x",
				   start, a->size, a->nr_pages, a->requested, a->flags);
	for (unsigned long i = 0; i < a->nr_pages; i++) {
		const struct page *page = a->pages[i];
		unsigned long pfn = page_to_pfn(m, page);

		if (pfn == ~0UL || window_slot_pfn(w, a->slot + i) != pfn)
			return kalloc_fail(out, INV_VMALLOC_MAPPING, "area 0x%016lx page %lu: holds pfn %lu, slot maps pfn %lu",
					   start, i, pfn, window_slot_pfn(w, a->slot + i));
		if (page->flags != PG_head || page->order != 0 || page->owner != PAGE_OWNER_VMALLOC)
			return kalloc_fail(out, INV_VMALLOC_OWNER, "area 0x%016lx page %lu: pfn %lu flags %#x order %u owner %s",
					   start, i, pfn, page->flags, page->order, page_owner_name(page->owner));
	}
	if (window_slot_pfn(w, a->slot + a->nr_pages) != PHYS_NO_PFN)
		return kalloc_fail(out, INV_VMALLOC_GUARD, "area 0x%016lx: guard page maps pfn %lu",
				   start, window_slot_pfn(w, a->slot + a->nr_pages));
	return 0;
}

int vmalloc_check(struct machine *m, struct kalloc_check *out)
{
	const struct vmalloc_state *v = &m->vmalloc;
	const struct phys_window *w = vm_window(m);
	unsigned long next = 0, areas = 0, pages = 0;
	struct list_head *pos;
	int code;

	list_for_each(pos, &v->areas) {
		const struct vm_struct *a = list_entry(pos, struct vm_struct, list);

		if (++areas > w->nr_pages)
			return kalloc_fail(out, INV_VMALLOC_ORDER, "area list loops");
		if ((code = check_area(m, a, next, out)))
			return code;
		pages += a->nr_pages;
		next = a->slot + a->nr_pages + 1;
	}
	if (areas != v->nr_areas || pages != v->nr_pages)
		return kalloc_fail(out, INV_VMALLOC_COUNTERS, "%lu areas of %lu pages, counters say %lu of %lu",
				   areas, pages, v->nr_areas, v->nr_pages);
	if (pages != m->phys.owner_pages[PAGE_OWNER_VMALLOC])
		return kalloc_fail(out, INV_VMALLOC_PAGES, "areas hold %lu pages, vmalloc owns %lu",
				   pages, m->phys.owner_pages[PAGE_OWNER_VMALLOC]);
	if (pages != w->nr_mapped) {
		unsigned long s = 0;

		/* Which slot: the first mapped one outside every area. */
		while (s < w->nr_pages && (window_slot_pfn(w, s) == PHYS_NO_PFN ||
					   (find_area(m, s) && s < find_area(m, s)->slot + find_area(m, s)->nr_pages)))
			s++;
		return kalloc_fail(out, INV_VMALLOC_STRAY, "%lu slots mapped, areas hold %lu; slot %lu maps pfn %lu",
				   w->nr_mapped, pages, s, window_slot_pfn(w, s));
	}
	return 0;
}
