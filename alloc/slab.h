/* slab.h - SLUB-style object caches (Linux mm/slub.c).
 *
 * A cache hands out objects of one size from slabs: blocks of 2^order pages
 * taken from the buddy allocator.  Geometry (slot size, objects per slab,
 * slab order) is computed as SLUB computes it, so /proc/slabinfo rows of a
 * real kernel are reproduced from object size and CPU count.
 */
#ifndef KALLOC_SLAB_H
#define KALLOC_SLAB_H

#include "buddy.h"

typedef unsigned int slab_flags_t;

/* The slub_debug flags (alloc/slub_debug.c draws the object layout they
 * make; docs/slub_debug.md).  Each is Linux's bit and letter. */
#define SLAB_CONSISTENCY_CHECKS	0x00000100u	/* F: check objects on alloc and free */
#define SLAB_RED_ZONE		0x00000400u	/* Z: red zones either side of every object */
#define SLAB_POISON		0x00000800u	/* P: fill free objects with POISON_FREE, verify on alloc */
#define SLAB_STORE_USER		0x00010000u	/* U: record each object's last alloc and free */
#define SLAB_DEBUG_FLAGS	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
#define SLAB_KMALLOC		0x00001000u	/* one of kmalloc's general caches */
#define SLAB_HWCACHE_ALIGN	0x00002000u	/* align objects to the 64-byte cache line */
#define SLAB_CACHE_DMA		0x00004000u	/* slabs from ZONE_DMA */
#define SLAB_PANIC		0x00040000u	/* accepted; kalloc never panics */
#define SLAB_TYPESAFE_BY_RCU	0x00080000u	/* free pointer kept outside the object */
#define SLAB_ACCOUNT		0x04000000u	/* accepted */
#define SLAB_RECLAIM_ACCOUNT	0x00020000u	/* accepted */

#define SLUB_MAX_ORDER		3	/* PAGE_ALLOC_COSTLY_ORDER: slub_max_order */
#define MAX_OBJS_PER_PAGE	32767
#define KMEM_CACHE_NAME_LEN	32
#define L1_CACHE_BYTES		64

/* Poison bytes (include/linux/poison.h). */
#define POISON_INUSE	0x5a	/* for use-uninitialised poisoning */
#define POISON_FREE	0x6b	/* for use-after-free poisoning */
#define POISON_END	0xa5	/* end-byte of poisoning */
#define SLUB_RED_INACTIVE	0xbb	/* red zone of a free object */
#define SLUB_RED_ACTIVE		0xcc	/* red zone of an object in use */

/* Create a cache of @size-byte objects aligned to @align (0: the minimum, 8).
 * @ctor, when given, runs on every object once, when its slab is populated,
 * not on every allocation: objects keep their constructed state across
 * free and alloc (Bonwick's object caching).  NULL, with KERR_INVAL
 * reported, for an empty name, a size of 0 or above 4 MiB, an alignment that
 * is not a power of two, or unknown flags. */
struct kmem_cache *kmem_cache_create(struct machine *m, const char *name,
				     unsigned int size, unsigned int align,
				     slab_flags_t flags, void (*ctor)(void *));

/* An object, or NULL when the buddy allocator has no pages for a new slab.
 * __GFP_ZERO zeroes it.  The zone comes from the cache (SLAB_CACHE_DMA). */
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp);

/* Return an object.  0, or -KERR_* after reporting: not in memory
 * (KERR_BAD_ADDRESS), in a free page (KERR_DOUBLE_FREE: the object's slab
 * may have gone back already), in pages that are not a slab
 * (KERR_WRONG_OWNER), a slab of another
 * cache (KERR_WRONG_CACHE), not an object's start (KERR_NOT_OBJECT), already
 * free (KERR_DOUBLE_FREE), or its poison was overwritten while it was free
 * (KERR_POISON, reported on the allocation that finds it). */
int kmem_cache_free(struct kmem_cache *s, void *obj);

/* Give every empty slab back to the buddy allocator (after taking the per-CPU
 * slabs off their CPUs).  Returns the number of pages freed. */
unsigned long kmem_cache_shrink(struct kmem_cache *s);

/* Shrink, then release the cache.  A cache that still has live objects is
 * reported ("Objects remaining in <name> on __kmem_cache_shutdown()") and
 * stays usable: returns -KERR_CACHE_BUSY.  NULL is a no-op.
 * Note: every function here that takes a cache checks the handle first.  A
 * destroyed cache (destroy twice, alloc/free/shrink after destroy) is
 * reported as KERR_BAD_CACHE into its machine: the cache's host memory is
 * kept until machine_destroy(), so the handle stays recognisable.  A pointer
 * that was never a cache gets -KERR_BAD_CACHE (NULL, 0) and a line on
 * stderr, having no machine to report into, if it can be read at all;
 * after machine_destroy() every handle of that machine is gone with it. */
int kmem_cache_destroy(struct kmem_cache *s);

/* Size of the objects as created, and the cache's name. */
unsigned int kmem_cache_size(const struct kmem_cache *s);
const char *kmem_cache_name(const struct kmem_cache *s);
struct machine *kmem_cache_machine(const struct kmem_cache *s);

/* The cache an object belongs to, NULL if @obj is not in a slab. */
struct kmem_cache *virt_to_cache(const struct machine *m, const void *obj);

/* Caches in creation order: for (s = NULL; (s = kmem_cache_next(m, s)); ). */
struct kmem_cache *kmem_cache_next(const struct machine *m, const struct kmem_cache *prev);
unsigned int kmem_cache_count(const struct machine *m);
struct kmem_cache *kmem_cache_find(const struct machine *m, const char *name);

/* SLUB's geometry as a pure function, for oracles and tests.  Returns 0, or
 * -KERR_INVAL for arguments kmem_cache_create would refuse. */
struct slub_geometry {
	unsigned int object_size;	/* as asked */
	unsigned int size;		/* slot: object, free pointer if outside, alignment */
	unsigned int align;
	unsigned int offset;		/* free pointer offset within the slot */
	unsigned int order;		/* slab order: calculate_order() */
	unsigned int objects;		/* objects per slab of that order */
	unsigned int min_order, min_objects;	/* fallback when the order is not available */
	unsigned int min_partial;	/* empty slabs kept on the partial list */
	unsigned int inuse;		/* object + right red zone: where metadata starts */
	unsigned int red_left_pad;	/* left red zone: the object starts this far into its slot */
};
int slub_geometry(unsigned int size, unsigned int align, slab_flags_t flags,
		  int has_ctor, unsigned int nr_cpus, struct slub_geometry *out);
/* calculate_order() alone: the slab order for slot size @size. */
int slub_calculate_order(unsigned int size, unsigned int nr_cpus);
/* The same with the rules of @kernel_version (enum kernel_version; the two
 * above are KALLOC_LINUX_6_18).  -KERR_INVAL for an unknown version. */
int slub_geometry_linux(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
			unsigned int nr_cpus, unsigned int kernel_version, struct slub_geometry *out);
int slub_calculate_order_linux(unsigned int size, unsigned int nr_cpus, unsigned int kernel_version);

struct slab_stats {
	char name[KMEM_CACHE_NAME_LEN];
	unsigned int object_size, size, align, objs_per_slab, pages_per_slab, order;
	slab_flags_t flags;
	unsigned long active_objs;	/* objects handed out and not freed */
	unsigned long num_objs;		/* object slots in all slabs */
	unsigned long num_slabs;
	unsigned long partial_slabs;	/* on the partial list (empty ones included) */
	unsigned long full_slabs;
	unsigned long cpu_slabs;
	unsigned long empty_slabs;	/* slabs with no object in use */
	unsigned long pages;		/* pages held by this cache */
	unsigned long ctor_calls;	/* constructor runs since creation */
	unsigned long alloc_calls, free_calls;
};
void kmem_cache_stats(const struct kmem_cache *s, struct slab_stats *out);

/* /proc/slabinfo, version 2.1, in Linux's format (tunables are 0 under SLUB).
 * snprintf-style return. */
int proc_slabinfo(const struct machine *m, char *buf, size_t len);

/* Like writing 1 to /sys/kernel/slab/<cache>/validate: check every object
 * of every slab of @s (red zones, poison, padding, free pointers, the
 * freelist against the slab's counters), report each problem as Linux does
 * and repair it (restore the bytes, cut a corrupt chain, fix the counter).
 * Returns the errors as lib/slub_kunit.c counts them: one per BUG report and
 * one per FIX, so a red zone overwritten once is 2.  A cache without
 * slub_debug flags is checked for its freelists and counters only. */
int kmem_cache_validate(struct kmem_cache *s);

/* Walk every cache and every slab page; see check.h for the codes. */
int slab_check(struct machine *m, struct kalloc_check *out);

#endif
