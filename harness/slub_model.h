/* slub_model.h - the harness's own SLUB: a cache's geometry and the state of
 * its slabs, computed from Linux's rules, never asked of the library under
 * test.
 *
 * Geometry follows mm/slub.c (calculate_alignment, calculate_sizes,
 * calculate_order, min_partial = ilog2(size) / 2 clamped to 5..10) and what
 * alloc/slab.h documents for kalloc (the machine's max_order caps the slab
 * order, slub_debug poison is added to every cache).  The slab state follows
 * SLUB's per-CPU slab and min_partial rules as kalloc implements them: an
 * allocation takes the current CPU's slab, then the head of the partial
 * list, then a new slab; slabs hand out never-used objects in address order
 * and freed ones last-in first-out.  The model learns which slab an object
 * lives in from its address alone (a slab is a buddy block of 4096 << order
 * bytes, naturally aligned; the caller makes sure the direct map is aligned
 * to the largest block), checks every allocation against the rule, and
 * predicts what kmem_cache_stats() must say after every op.
 *
 * Entry points: slubm_geometry(); slubm_init()/slubm_exit() for a machine;
 * slubm_cache_create(), slubm_alloc(), slubm_free(), slubm_shrink(),
 * slubm_destroy(), slubm_expect() for a cache.  Every check returns NULL or a
 * one-line violation (also kept in struct slubm: what, expected, found).
 */
#ifndef KALLOC_HARNESS_SLUB_MODEL_H
#define KALLOC_HARNESS_SLUB_MODEL_H

#include <stdint.h>
#include "kalloc.h"	/* public API only: struct slab_stats, SLAB_* flags, PAGE_SIZE */

/* Linux's constants, kept here on purpose rather than read from slab.h: a
 * change to the library's copy must be seen, not followed.  A test compares
 * them with the public header. */
#define SLUBM_MAX_ORDER		3	/* slub_max_order = PAGE_ALLOC_COSTLY_ORDER */
#define SLUBM_MAX_OBJS_PER_PAGE	32767
#define SLUBM_MIN_PARTIAL	5
#define SLUBM_MAX_PARTIAL	10
#define SLUBM_MINALIGN		8	/* ARCH_SLAB_MINALIGN on x86-64 */
#define SLUBM_CACHE_LINE	64	/* cache_line_size() */
#define SLUBM_KMALLOC_MAX	(4u << 20)	/* KMALLOC_MAX_SIZE: largest object */
#define SLUBM_PAGE_ORDER_MAX	10	/* MAX_PAGE_ORDER */
#define SLUBM_TRACK_SIZE	32	/* struct track with CONFIG_STACKDEPOT (Debian's kernels) */
#define SLUBM_WORD		8	/* sizeof(void *) */
/* include/linux/poison.h */
#define SLUBM_RED_INACTIVE	0xbb
#define SLUBM_RED_ACTIVE	0xcc
#define SLUBM_POISON_INUSE	0x5a
#define SLUBM_POISON_FREE	0x6b
#define SLUBM_POISON_END	0xa5

struct slubm_geometry {
	unsigned int object_size;	/* as asked */
	unsigned int size;		/* slot: object, free pointer if outside, alignment */
	unsigned int align;
	unsigned int offset;		/* free pointer, from the object's first byte */
	/* slub_debug's layout (calculate_sizes), every offset from the
	 * object's first byte; the slot is [-red_left_pad, slot_end):
	 *   [-red_left_pad, 0)        left red zone (Z)
	 *   [0, object_size)          the object (kmalloc red zone from the request: U+Z on kmalloc)
	 *   [object_size, inuse)      right red zone (Z), else alignment padding
	 *   [offset, offset + 8)      the free pointer, when fp_outside
	 *   [info_end, meta_end)      two struct track (U), orig_size (U on kmalloc)
	 *   [meta_end, slot_end)      padding (checked with P) */
	unsigned int inuse, red_left_pad, info_end, meta_end, slot_end;
	int fp_outside, object_poison, orig_size;	/* orig_size: U on a kmalloc cache */
	unsigned int order, objects;	/* s->oo: calculate_order() and its objects */
	unsigned int min_order, min_objects;	/* s->min: the order one object needs */
	unsigned int min_partial;
	/* On the machine asked about: */
	unsigned int cache_order, cache_objects;	/* oo, or min when oo > max_order */
	slab_flags_t flags;		/* as kmem_cache_stats reports them */
	const char *refused;		/* NULL when kmem_cache_create must accept */
};

/* The geometry of kmem_cache_create(@size, @align, @flags, ctor if @has_ctor)
 * on a machine of @nr_cpus CPUs, largest buddy order @max_order, and the
 * machine's slub_debug letters @machine_debug (MACHINE_SLUB_*: P, F, Z, U on
 * every cache).  0, or -1 with g->refused saying why the cache must be
 * refused. */
int slubm_geometry(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
		   unsigned int nr_cpus, unsigned int max_order, unsigned int machine_debug,
		   struct slubm_geometry *g);
/* calculate_order() alone for slot size @size: an order, or -1 if no order
 * up to MAX_PAGE_ORDER holds one object. */
int slubm_calculate_order(unsigned int size, unsigned int nr_cpus);
/* The two above by the rules of a kernel version: SLUBM_LINUX_6_18 (what
 * they use) or SLUBM_LINUX_6_1 (calculate_order before 6.8); the numbers
 * are machine_config.kernel_version's. */
#define SLUBM_LINUX_6_18	0u
#define SLUBM_LINUX_6_1		1u
int slubm_geometry_v(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
		     unsigned int nr_cpus, unsigned int max_order, unsigned int machine_debug,
		     unsigned int kernel_version, struct slubm_geometry *g);
int slubm_calculate_order_v(unsigned int size, unsigned int nr_cpus, unsigned int kernel_version);
/* get_order(): the smallest order whose block holds @size bytes. */
unsigned int slubm_get_order(unsigned long size);
/* calculate_alignment() alone: what a cache of @size-byte objects created
 * with @align and @flags aligns its objects to (also the neutral oracle's
 * promise for any target's object caches). */
unsigned long slubm_align(unsigned long size, unsigned long align, slab_flags_t flags);

/* Where a slab is: on a CPU, the partial list or the full list. */
enum slubm_where { SLUBM_UNUSED, SLUBM_CPU, SLUBM_PARTIAL, SLUBM_FULL };

struct slubm_slab {
	uintptr_t base;			/* first byte; 4096 << order aligned */
	unsigned int order, objects;	/* order: -1u until known (see slubm_alloc) */
	unsigned int inuse;
	unsigned int fresh;		/* objects [fresh, objects) not handed out yet */
	unsigned int nstack;		/* freed objects on the freelist, top = stack[nstack - 1] */
	unsigned int cap;		/* objects stack and live have room for */
	uint64_t *live;			/* one bit per object (one allocation with stack) */
	uint16_t *stack;
	enum slubm_where where;
	unsigned int cpu;		/* SLUBM_CPU */
	int prev, next;			/* partial list, slab indices, -1 at the ends */
};

struct slubm;

struct slubm_cache {
	struct slubm *sm;
	struct slubm_cache *next_cache;	/* every cache of sm, for slubm_exit */
	struct slubm_geometry g;
	int has_ctor;
	struct slubm_slab *slabs;	/* records; unused ones chained through next */
	int nr_records, free_record;
	int32_t *hash;			/* base -> slab index + 1, open addressing */
	unsigned int hash_cap, hash_used;
	int partial_head, partial_tail;
	int cpu_slab[MAX_NR_CPUS];	/* slab index or -1 */
	int pending;			/* a new slab of still unknown order, or -1 */
	unsigned long nr_partial, nr_full, nr_cpu, nr_slabs, pages, total_objects, active;
	unsigned long ctor_calls, alloc_calls, free_calls;
};

struct slubm {
	unsigned int nr_cpus, max_order, cpu;
	unsigned int slub_debug;	/* the machine's slub_debug letters (MACHINE_SLUB_*) */
	unsigned int kernel_version;	/* SLUBM_LINUX_*; slubm_init() leaves 6.18 */
	struct slubm_cache *caches;
	const char *what;		/* the last violation: short kind ... */
	char expected[200], found[240];	/* ... and the two sides */
	char msg[480];			/* "what: expected ...; found ..." */
};

/* A machine as configured (struct machine_config's nr_cpus, max_order,
 * slub_debug).  CPU 0 is current. */
void slubm_init(struct slubm *sm, unsigned int nr_cpus, unsigned int max_order, unsigned int slub_debug);
/* Forget every cache (their memory is the model's: host malloc). */
void slubm_exit(struct slubm *sm);
/* machine_set_cpu(): a CPU the machine lacks leaves the current one. */
void slubm_set_cpu(struct slubm *sm, unsigned int cpu);

/* A cache created by kmem_cache_create() with geometry @g (from
 * slubm_geometry for this machine); NULL if @g is refused or the host is out
 * of memory.  kmalloc's general caches: slubm_kmalloc_cache(). */
struct slubm_cache *slubm_cache_create(struct slubm *sm, const struct slubm_geometry *g, int has_ctor);
/* The general cache of @size bytes kmalloc_init() makes, with @type_flags
 * (0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA or SLAB_ACCOUNT): SLAB_KMALLOC,
 * no ctor, powers of two aligned to their size (kmalloc.h).  NULL as above. */
struct slubm_cache *slubm_kmalloc_cache(struct slubm *sm, unsigned int size, slab_flags_t type_flags);

/* Does the next allocation on the current CPU need a new slab?  1, with the
 * order it asks for and the order it falls back to, or 0: an object is on
 * the CPU slab or a partial slab, so it must not fail. */
int slubm_next_alloc(const struct slubm_cache *c, unsigned int *order, unsigned int *fallback);

/* kmem_cache_alloc() (or a kmalloc of this class) returned @obj, NULL if it
 * failed.  @may_fall_back: the slab order might not be available (a failure
 * is injected, or no free block of it), so a new slab may have the fallback
 * order; when its address cannot tell, the next slubm_expect() learns it
 * from the cache's pages, and must come before the next op on the cache.
 * Whether a failure was allowed at all is the caller's judgement. */
const char *slubm_alloc(struct slubm_cache *c, const void *obj, int may_fall_back);
/* kmem_cache_free() (or kfree) of @obj succeeded. */
const char *slubm_free(struct slubm_cache *c, const void *obj);
/* kmem_cache_shrink() returned @returned pages. */
const char *slubm_shrink(struct slubm_cache *c, unsigned long returned);
/* kmem_cache_destroy() returned @rc.  On success *@cp is freed and NULLed;
 * a busy cache stays (shrunk). */
const char *slubm_destroy(struct slubm_cache **cp, int rc);
/* kmem_cache_stats() of the cache as the model predicts it: geometry,
 * slabs, pages, partial/full/CPU/empty slabs, objects and call counters. */
const char *slubm_expect(struct slubm_cache *c, const struct slab_stats *st);
/* A /proc/slabinfo row's numbers as the model has them: objects in use as
 * SLUB counts them (every object but the free ones on partial slabs), all
 * objects, the slot size, objects and pages per slab, slabs.  -1 (and the
 * counts untouched) while a new slab's order is still unknown. */
struct slubm_slabinfo {
	unsigned long active, num, slabs;
	unsigned int size, objperslab, pagesperslab;
};
int slubm_slabinfo(const struct slubm_cache *c, struct slubm_slabinfo *si);

/* The pages every cache of @sm holds: what the slab layer's page count
 * (page_stats.slab) must be while no other cache holds any.  -1 while a
 * cache's new slab has an order still unknown (resolved by slubm_expect). */
long slubm_pages(const struct slubm *sm);
/* The model's own invariants (list counts, inuse against live bits, the
 * hash against the records): NULL or what is wrong.  For tests. */
const char *slubm_validate(struct slubm_cache *c);

/* Where the next allocation from @c on the current CPU comes from, as
 * slubm_alloc() will expect it: the object's address, or 0 when it needs a
 * new slab.  Changes nothing. */
uintptr_t slubm_peek_next(const struct slubm_cache *c);
/* Is @obj an object of a slab @c holds (live or free)?  1, with its slab's
 * first byte in *@slab_base when @slab_base is not NULL; 0 once the slab has
 * gone back to the page allocator. */
int slubm_holds(const struct slubm_cache *c, const void *obj, uintptr_t *slab_base);

/* ---- scribbles: what slub_debug's checks say about bytes overwritten on
 * purpose (OPS.md 2.4) ---------------------------------------------------------
 * The harness writes SLUBM_SCRIBBLE_BYTE, a value SLUB never lays out, so
 * every check that covers a written byte fires.  It never writes the free
 * pointer or the tracking data (their checks depend on values, not bytes);
 * what it wrote and no later lay-out covered is the object's dirty set. */
#define SLUBM_SCRIBBLE_BYTE	0x41
#define SLUBM_MAX_DIRTY		8	/* separate dirty ranges one object may hold */

struct slubm_dirty {
	unsigned int n;
	int lo[SLUBM_MAX_DIRTY], hi[SLUBM_MAX_DIRTY];	/* [lo, hi) from the object's first byte */
};

/* One report of check_object(): "<what> overwritten" over [first, last]
 * (from the object's first byte), "First byte 0x41 instead of <expected>",
 * then "FIX <cache>: Restoring <what> ...".  @code is the error sink's. */
struct slubm_report {
	const char *what;	/* "Left Redzone", "Right Redzone", "kmalloc Redzone", "Alignment padding",
				 * "Poison", "End Poison", "Object padding" */
	int code;		/* KERR_REDZONE, KERR_PADDING or KERR_POISON */
	int first, last;
	unsigned char expected;
};
#define SLUBM_MAX_REPORTS	7

/* The slot of geometry @g, from the object's first byte: [*lo, *hi). */
void slubm_slot_range(const struct slubm_geometry *g, int *lo, int *hi);
/* Reduce a scribble's signed offset into the slot, as free_interior does:
 * @off itself when it lies in it, else lo + (off - lo) mod (hi - lo). */
int slubm_slot_offset(const struct slubm_geometry *g, int off);
/* Is byte @off metadata the harness never writes: the free pointer (outside
 * the object; inside it too while the object is free), the tracks or
 * orig_size? */
int slubm_is_meta(const struct slubm_geometry *g, int live, int off);
/* Add [lo, hi) to @d, keeping only the bytes some check covers while the
 * object is @live with request @req (a kmalloc object's orig_size; the
 * object size otherwise).  -1 (and @d unchanged) when @d has no room. */
int slubm_dirty_add(const struct slubm_geometry *g, int live, unsigned int req, struct slubm_dirty *d,
		    int lo, int hi);
/* check_object(@live ? SLUB_RED_ACTIVE : SLUB_RED_INACTIVE): the reports in
 * Linux's order into @out (SLUBM_MAX_REPORTS), each repairing its region
 * (those bytes leave @d).  Returns how many. */
unsigned int slubm_check_object(const struct slubm_geometry *g, int live, unsigned int req,
				struct slubm_dirty *d, struct slubm_report *out);
/* The bytes init_object() lays out again when the object is freed (@live
 * 0: red zones 0xbb, poison) or allocated (@live 1, request @req: red zones
 * 0xcc from the request, poison) leave @d. */
void slubm_dirty_relaid(const struct slubm_geometry *g, int live, unsigned int req, struct slubm_dirty *d);

#endif
