/* vmalloc.h - virtually contiguous memory from scattered frames (Linux mm/vmalloc.c).
 *
 * vmalloc takes order-0 pages from the buddy allocator and maps them side
 * by side in the VMALLOC range, a host window reserved at boot (physmem.h),
 * so the area is contiguous at its vmalloc address while its frames are
 * wherever the buddy allocator found them.  Each frame keeps its direct-map
 * address too, and both addresses are the same memory:
 * page_address(vmalloc_to_page(addr)) reads what was written at addr.
 *
 * Areas are placed first fit, each followed by an unmapped guard page (as in
 * Linux without VM_NO_GUARD).  An access to a guard page or to any other
 * unmapped VMALLOC address through vmalloc_read/write/touch is a fault:
 * KERR_FAULT and a report in the form of Linux's oops, never a host signal.
 */
#ifndef KALLOC_VMALLOC_H
#define KALLOC_VMALLOC_H

#include "kmalloc.h"

#define VMALLOC_CALLER_LEN	48

/* @size bytes, page granular, not zeroed (vmalloc) or zeroed (vzalloc).
 * NULL when memory or the VMALLOC range runs out (not reported, as an
 * allocation failure); NULL with KERR_INVAL for size 0 and KERR_TOO_BIG for
 * more than the machine's memory ("vmalloc error: size N, exceeds total
 * pages").  Nothing is left allocated on failure. */
void *vmalloc(struct machine *m, unsigned long size);
void *vzalloc(struct machine *m, unsigned long size);
/* The general form: @align a power of two (1 = page aligned, as vmalloc),
 * @gfp for the pages (__GFP_ZERO, __GFP_DMA), @caller the name shown in
 * /proc/vmallocinfo (NULL: "vmalloc"). */
void *__vmalloc_node(struct machine *m, unsigned long size, unsigned long align, gfp_t gfp,
		     const char *caller);

/* Unmap the area at @addr and free its pages.  NULL is a no-op.  Anything
 * else that is not the start of a live area is reported with Linux's words
 * and nothing changes: "Trying to vfree() bad address (...)" when @addr is
 * not page aligned, "Trying to vfree() nonexistent vm area (...)" when it
 * is; the code says where @addr is: outside the VMALLOC range
 * (KERR_BAD_ADDRESS), inside a live area or its guard page (KERR_NOT_HEAD),
 * in free VMALLOC space - freed already, or never handed out
 * (KERR_DOUBLE_FREE). */
int vfree(struct machine *m, const void *addr);

/* The frame mapped at @addr, NULL for a guard page, free VMALLOC space or
 * an address outside the range.  vmalloc_to_pfn: ~0UL then. */
struct page *vmalloc_to_page(const struct machine *m, const void *addr);
unsigned long vmalloc_to_pfn(const struct machine *m, const void *addr);
/* @addr lies in the VMALLOC range (mapped or not). */
int is_vmalloc_addr(const struct machine *m, const void *addr);
/* The VMALLOC range: [start, start + size). */
void *vmalloc_start(const struct machine *m);
unsigned long vmalloc_range_size(const struct machine *m);

/* Checked accesses, as kernel code reading and writing through the page
 * tables: each byte of [addr, addr + len) must lie in a mapped page of a
 * live area.  Otherwise KERR_FAULT is reported with the first unmapped
 * byte ("BUG: unable to handle page fault for address: ...", the #PF
 * lines, and which area's guard page it is), and nothing is copied.  Bytes
 * past the request but inside the area's last page are mapped: no fault,
 * as in Linux (only KASAN would see them).  vmalloc_touch() accesses one
 * byte, reading it (and writing it back when @write). */
int vmalloc_write(struct machine *m, void *addr, const void *buf, size_t len);
int vmalloc_read(struct machine *m, const void *addr, void *buf, size_t len);
int vmalloc_touch(struct machine *m, const void *addr, int write);

/* kmalloc first, vmalloc when that fails or cannot serve the size (Linux
 * mm/util.c kvmalloc_node): above PAGE_SIZE kmalloc is tried without
 * warnings, and a failure falls back to vmalloc unless @gfp may not sleep
 * (no __GFP_DIRECT_RECLAIM: GFP_ATOMIC, GFP_NOWAIT) or the size exceeds
 * INT_MAX (NULL, KERR_TOO_BIG reported unless __GFP_NOWARN).  Requests up
 * to PAGE_SIZE never fall back.  Sizes above kmalloc_max_size() go to
 * vmalloc directly (Linux's kmalloc fails them quietly under __GFP_NOWARN). */
void *kvmalloc(struct machine *m, size_t size, gfp_t gfp);
void *kvzalloc(struct machine *m, size_t size, gfp_t gfp);
/* NULL with KERR_OVERFLOW when @n * @size overflows. */
void *kvmalloc_array(struct machine *m, size_t n, size_t size, gfp_t gfp);
/* The same with @caller for /proc/vmallocinfo. */
void *__kvmalloc_node(struct machine *m, size_t size, gfp_t gfp, const char *caller);
/* vfree for a VMALLOC address, kfree otherwise (errors as theirs). */
int kvfree(struct machine *m, const void *addr);

struct vmalloc_stats {
	unsigned long nr_areas;		/* live areas */
	unsigned long nr_pages;		/* pages they map (guard pages not counted) */
	unsigned long range_pages;	/* size of the VMALLOC range, in pages */
	unsigned long alloc_calls, free_calls, failed_calls;
};
void vmalloc_stats(const struct machine *m, struct vmalloc_stats *out);

/* /proc/vmallocinfo, Linux's format, by address:
 * "0x<start>-0x<end> <size %7ld> <caller> pages=<n> vmalloc N0=<n>"; the
 * size and end include the guard page.  snprintf semantics. */
int proc_vmallocinfo(const struct machine *m, char *buf, size_t len);

/* Walk the areas and the VMALLOC range; see check.h's INV_VMALLOC_* codes. */
int vmalloc_check(struct machine *m, struct kalloc_check *out);

#endif
