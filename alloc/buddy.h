/* buddy.h - the binary buddy page allocator (Linux mm/page_alloc.c).
 *
 * Orders 0..max_order (MAX_PAGE_ORDER 10 by default), one free list per zone
 * and order, per-CPU lists for order-0 pages, GFP flags that pick the zone.
 * The kernel's API, with the machine as the first argument.
 */
#ifndef KALLOC_BUDDY_H
#define KALLOC_BUDDY_H

#include "physmem.h"

typedef unsigned int gfp_t;

/* GFP bits.  Only the zone modifier, __GFP_ZERO, __GFP_COMP and
 * __GFP_NOWARN change what the allocator does; the others are accepted so
 * that kernel-style code and traces read as they do in Linux.  __GFP_NOWARN
 * (Linux's value): a request that fails because of its own size or order is
 * not reported (NULL all the same), as warn_alloc() stays quiet for it. */
#define __GFP_DMA		0x001u
#define __GFP_RECLAIMABLE	0x010u
#define __GFP_HIGH		0x020u
#define __GFP_IO		0x040u
#define __GFP_FS		0x080u
#define __GFP_ZERO		0x100u
#define __GFP_ACCOUNT		0x200u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_NOWARN		0x2000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_COMP		0x40000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_DMA			__GFP_DMA

/* Order of the smallest block that holds @size bytes (get_order(0) is 0 here;
 * Linux leaves it undefined). */
unsigned int get_order(unsigned long size);

/* Allocate 2^@order contiguous frames.  __GFP_DMA: from ZONE_DMA only;
 * otherwise ZONE_NORMAL first, falling back to ZONE_DMA as Linux does.
 * NULL when no block is free (or a failure was injected); an order above the
 * machine's max_order is reported as KERR_INVAL unless __GFP_NOWARN. */
struct page *alloc_pages(struct machine *m, gfp_t gfp, unsigned int order);
struct page *alloc_page(struct machine *m, gfp_t gfp);

/* The same, returning the block's logical address (0 on failure). */
unsigned long __get_free_pages(struct machine *m, gfp_t gfp, unsigned int order);
unsigned long __get_free_page(struct machine *m, gfp_t gfp);
unsigned long get_zeroed_page(struct machine *m, gfp_t gfp);

/* Give a block back.  Returns 0, or -KERR_* after reporting: a page outside
 * memory (KERR_BAD_ADDRESS), not the head of an allocated block
 * (KERR_NOT_HEAD), already free (KERR_DOUBLE_FREE), a different order than
 * allocated (KERR_WRONG_ORDER), or held by a layer above - a slab, a large
 * kmalloc, vmalloc, ... (KERR_WRONG_OWNER).  Nothing changes on error.
 * Note: Linux cannot detect a wrong order; kalloc records every block's order. */
int __free_pages(struct machine *m, struct page *page, unsigned int order);
int free_pages(struct machine *m, unsigned long addr, unsigned int order);
int __free_page(struct machine *m, struct page *page);
int free_page(struct machine *m, unsigned long addr);

/* Direct-map conversions.  virt_to_page and pfn_to_page return NULL outside
 * memory; page_to_pfn of a foreign pointer returns ~0UL. */
void *page_address(const struct machine *m, const struct page *page);
struct page *virt_to_page(const struct machine *m, const void *addr);
unsigned long page_to_pfn(const struct machine *m, const struct page *page);
struct page *pfn_to_page(const struct machine *m, unsigned long pfn);
/* Zone a frame belongs to. */
enum zone_type page_zonenum(const struct machine *m, const struct page *page);

/* Return every page on every per-CPU list to the buddy free lists. */
void drain_all_pages(struct machine *m);

/* Fault injection (Linux's fail_page_alloc): let the next @skip page
 * allocation attempts through, then fail the @times after them.  Every
 * attempt counts, including those made for slabs and large kmallocs.
 * (0, 0) turns injection off. */
void buddy_inject_failures(struct machine *m, unsigned long skip, unsigned long times);
/* Injected failures still pending. */
unsigned long buddy_injected_pending(const struct machine *m);

/* Per-zone statistics as plain data. */
struct zone_stats {
	char name[8];			/* "DMA", "Normal" */
	unsigned long start_pfn;
	unsigned long spanned_pages;
	unsigned long free_pages;	/* on the buddy free lists */
	unsigned long pcp_pages;	/* on per-CPU lists (not free in Linux's accounting) */
	unsigned long nr_free[NR_PAGE_ORDERS];	/* free blocks per order */
	unsigned int pcp_high, pcp_batch;
};
/* 0, or -KERR_INVAL when the machine has no such zone (empty DMA zone). */
int buddy_zone_stats(const struct machine *m, enum zone_type zone, struct zone_stats *out);

/* Machine-wide page counts: every frame is in exactly one of these.  The
 * last three come from the page owners (physmem.h, page_owner_counts() has
 * every owner). */
struct page_stats {
	unsigned long total;		/* frames */
	unsigned long free;		/* on buddy free lists */
	unsigned long pcp;		/* on per-CPU lists */
	unsigned long pages;		/* held by other alloc_pages callers (vmalloc, user pages, ...) */
	unsigned long slab;		/* held by slab caches */
	unsigned long kmalloc_large;	/* held by kmalloc above the largest cache */
	unsigned long alloc_calls, free_calls, failed_calls;	/* buddy entry counters */
};
void buddy_page_stats(const struct machine *m, struct page_stats *out);

/* /proc/buddyinfo in Linux's format.  Writes at most @len bytes including the
 * NUL and returns the length the full text needs (snprintf-style). */
int proc_buddyinfo(const struct machine *m, char *buf, size_t len);

/* /sys/kernel/debug/extfrag/unusable_index and extfrag_index, Linux's
 * formats: per zone and order, the share of free memory unusable for a
 * request of that order, and whether a failing request would fail from
 * fragmentation (toward 1) or lack of memory (toward 0), -1 when it
 * would succeed.  Values are thousandths, printed as 0.000 .. 1.000. */
int proc_unusable_index(const struct machine *m, char *buf, size_t len);
int proc_extfrag_index(const struct machine *m, char *buf, size_t len);
/* The same numbers, in thousandths, for one zone and order. */
int unusable_free_index(const struct zone_stats *z, unsigned int order);
int fragmentation_index(const struct zone_stats *z, unsigned int order);

/* Walk the buddy structures; see check.h for the codes. */
int buddy_check(struct machine *m, struct kalloc_check *out);

#endif
