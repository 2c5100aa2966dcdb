/* kmalloc.h - general-purpose allocation on size classes (Linux mm/slab_common.c).
 *
 * kmalloc picks the smallest general cache that fits the request; above the
 * largest cache it takes pages straight from the buddy allocator.  The cache
 * set is the machine's kmalloc profile (machine.h).
 */
#ifndef KALLOC_KMALLOC_H
#define KALLOC_KMALLOC_H

#include "slab.h"

/* kmalloc(0) returns this: not NULL, yet faults on any access in Linux. */
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define KMALLOC_SHIFT_MAX	(MAX_PAGE_ORDER + PAGE_SHIFT)
#define KMALLOC_MAX_SIZE	(1UL << KMALLOC_SHIFT_MAX)	/* 4 MiB */
#define KMALLOC_MIN_SIZE	8
#define KMALLOC_MAX_CACHES	32

/* At least @size bytes; power-of-two sizes are naturally aligned.  Default
 * profile: up to 8 KiB from kmalloc-*, up to 4 MiB from the page allocator
 * (get_order(size)), larger is KERR_TOO_BIG (NULL without a report under
 * __GFP_NOWARN).  Classic profile: up to 128 KiB,
 * all from size-* caches.  GFP_DMA uses the dma-kmalloc-* / size-N(DMA)
 * caches and ZONE_DMA pages. */
void *kmalloc(struct machine *m, size_t size, gfp_t gfp);
void *kzalloc(struct machine *m, size_t size, gfp_t gfp);
/* NULL, with KERR_OVERFLOW reported (unless __GFP_NOWARN), when @n * @size overflows. */
void *kmalloc_array(struct machine *m, size_t n, size_t size, gfp_t gfp);
void *kcalloc(struct machine *m, size_t n, size_t size, gfp_t gfp);

/* Resize, keeping the contents up to the smaller size.  NULL @p is kmalloc;
 * @new_size 0 frees @p and returns ZERO_SIZE_PTR; a pointer kmalloc did not
 * return is reported and NULL returned with nothing freed.  Stays in place
 * while @new_size fits ksize(@p).  On failure @p is left as it was. */
void *krealloc(struct machine *m, const void *p, size_t new_size, gfp_t gfp);

/* Usable size of a kmalloc'd block: the object size of its cache, or the
 * pages of a large allocation.  0 for NULL and ZERO_SIZE_PTR; 0 with a report
 * for a pointer kmalloc did not return. */
size_t ksize(struct machine *m, const void *p);

/* Free.  NULL and ZERO_SIZE_PTR are no-ops.  Objects of any cache are
 * accepted (as in Linux 6.x); anything else - a pointer into the middle of an
 * object, a page from alloc_pages, an address outside memory, a double free -
 * is reported and returns -KERR_*, with nothing changed. */
int kfree(struct machine *m, const void *p);

/* The class kmalloc(@size, @gfp) would use: the cache, or NULL for a large
 * (page) allocation or a size it refuses. */
struct kmem_cache *kmalloc_slab(struct machine *m, size_t size, gfp_t gfp);
/* What ksize(kmalloc(@size)) will be, 0 when it would fail. */
size_t kmalloc_size_roundup(struct machine *m, size_t size);

/* Largest size served by a cache (8192 default, 131072 classic), and the
 * largest kmalloc at all (4 MiB default, 128 KiB classic). */
size_t kmalloc_max_cache_size(const struct machine *m);
size_t kmalloc_max_size(const struct machine *m);

struct kmalloc_stats {
	unsigned long large_allocs;	/* live page-backed kmallocs */
	unsigned long large_pages;	/* pages they hold */
	unsigned int nr_caches;		/* general caches, DMA twins included */
};
void kmalloc_stats(const struct machine *m, struct kmalloc_stats *out);

/* Verify the general caches and the large-allocation accounting. */
int kmalloc_check(struct machine *m, struct kalloc_check *out);

#endif
