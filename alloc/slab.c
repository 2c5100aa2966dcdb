/* slab.c - SLUB-style object caches (Linux mm/slub.c).
 *
 * Entry points: kmem_cache_create(), kmem_cache_alloc(), kmem_cache_free(),
 * kmem_cache_shrink(), kmem_cache_destroy(), slub_geometry(),
 * proc_slabinfo(), slab_check().
 *
 * A slab is a block of 2^order pages from the buddy allocator, cut into
 * equal slots.  Free slots are chained through a free pointer stored inside
 * the slot; the slab's head page holds the chain's start, the count of
 * objects in use and the owning cache, and every page of the slab leads back
 * to the head (PG_tail), so any pointer can be checked on free.
 *
 * Each CPU has an active slab it allocates from.  A slab that runs out goes
 * to the cache's full list; a free into a full slab moves it to the partial
 * list; an empty slab is given back to the buddy allocator unless the cache
 * keeps fewer than min_partial slabs on its partial list (so that a loop of
 * alloc and free does not hand pages back and forth).
 *
 * Beyond SLUB, a bitmap with one bit per 8 bytes of memory (like KASAN's
 * shadow, 1/64 of memory, touched only where slabs live) records which
 * objects are live, so a double free is caught in O(1) on every free rather
 * than only under slub_debug.
 *
 * Object layout, one slot of s->size bytes:
 *
 *   plain cache                         ctor, SLAB_TYPESAFE_BY_RCU or SLAB_POISON
 *   +-----------+------+-----------+    +------------------+------+-------+
 *   | object    | free | object    |    | object           | free | align |
 *   | first half| ptr  | rest      |    | (POISON_FREE ... | ptr  | pad   |
 *   +-----------+------+-----------+    |  POISON_END)     |      |       |
 *   ^ slot      ^ offset = object_size  +------------------+------+-------+
 *                 / 2, word aligned     ^ slot             ^ offset = ALIGN(object_size, 8)
 *
 * The free pointer sits in the middle of a plain object (so a small
 * overflow from the previous object does not hit it) and after the object
 * when the object's free contents matter: a constructed object keeps its
 * state while free, an RCU-safe object may still be read, a poisoned
 * object must keep its pattern.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MIN_PARTIAL	5
#define MAX_PARTIAL	10
#define ARCH_SLAB_MINALIGN 8

#define SLAB_KNOWN_FLAGS (SLAB_DEBUG_FLAGS | SLAB_KMALLOC | \
			  SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | \
			  SLAB_ACCOUNT | SLAB_RECLAIM_ACCOUNT)

/* ------------------------------------------------------------------------
 * Geometry: calculate_alignment(), calculate_sizes(), calculate_order()
 */
static unsigned int fls_u(unsigned int x)
{
	return x ? 32 - (unsigned int)__builtin_clz(x) : 0;
}

static unsigned int ilog2_u(unsigned int x)
{
	return fls_u(x) - 1;
}

static unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

/* The smallest order in [min_order, max_order] whose leftover is at most
 * 1/fract_leftover of the slab; max_order + 1 if none. */
static unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned int slab_size = (unsigned int)PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* SLUB's calculate_order() of Linux 6.8 and later.  Aim for min_objects =
 * 4 * (fls(cpus) + 1) objects per slab (more CPUs, more objects between
 * trips to the page allocator), but no more than fit in an order-3 slab;
 * start at the order that holds them, and accept the first order whose
 * tail waste is at most 1/16 of the slab, then 1/8, then 1/4, then 1/2. */
static int calculate_order_6_8(unsigned int size, unsigned int min_objects)
{
	unsigned int max_objects, min_order, order;

	max_objects = order_objects(SLUB_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = get_order((unsigned long)min_objects * size);
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (unsigned int fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, SLUB_MAX_ORDER, fraction);
		if (order <= SLUB_MAX_ORDER)
			return (int)order;
	}
	order = get_order(size);
	return order <= MAX_PAGE_ORDER ? (int)order : -KERR_INVAL;
}

/* calculate_order() before 6.8 (Debian's 6.1): for min_objects down to 2,
 * the first order from the one min_objects need up to order 3 whose waste
 * is at most 1/16, 1/8, then 1/4 of the slab; failing that one object in
 * the smallest order that holds it.  A slot of 10,928..12,280 bytes gets 1
 * object per order-2 slab here, 2 per order 3 (waste below 1/2) in 6.8+. */
static int calculate_order_6_1(unsigned int size, unsigned int min_objects)
{
	unsigned int max_objects, order;

	if (order_objects(0, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	max_objects = order_objects(SLUB_MAX_ORDER, size);
	if (min_objects > max_objects)
		min_objects = max_objects;
	for (; min_objects > 1; min_objects--) {
		unsigned int first = get_order((unsigned long)min_objects * size);

		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2) {
			order = calc_slab_order(size, first, SLUB_MAX_ORDER, fraction);
			if (order <= SLUB_MAX_ORDER)
				return (int)order;
		}
	}
	order = get_order(size);
	return order <= MAX_PAGE_ORDER ? (int)order : -KERR_INVAL;
}

int slub_calculate_order_linux(unsigned int size, unsigned int nr_cpus, unsigned int kernel_version)
{
	unsigned int min_objects;

	if (size == 0 || kernel_version >= NR_KERNEL_VERSIONS)
		return -KERR_INVAL;
	/* Linux does not trust a count of 1 (CPUs may be onlined later) and
	 * uses nr_cpu_ids then; a simulated machine has exactly nr_cpus. */
	min_objects = 4 * (fls_u(nr_cpus ? nr_cpus : 1) + 1);
	if (kernel_version == KALLOC_LINUX_6_1)
		return calculate_order_6_1(size, min_objects);
	return calculate_order_6_8(size, min_objects);
}

int slub_calculate_order(unsigned int size, unsigned int nr_cpus)
{
	return slub_calculate_order_linux(size, nr_cpus, KALLOC_LINUX_6_18);
}

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = L1_CACHE_BYTES;

		/* Small objects share a line: align to the power of two
		 * above them, not to the whole line. */
		while (size <= ralign / 2)
			ralign /= 2;
		if (align < ralign)
			align = ralign;
	}
	if (align < ARCH_SLAB_MINALIGN)
		align = ARCH_SLAB_MINALIGN;
	return ALIGN(align, (unsigned int)sizeof(void *));
}

/* SLUB's calculate_sizes().  The slot grows from the object outwards:
 *  1. the object, rounded up to a word (the free pointer sits on a word);
 *  2. Z: a right red zone - the rounding itself, or a whole word when the
 *     object is already word-sized; inuse = where the object's bytes end;
 *  3. the free pointer after that, when the object's free contents matter
 *     (a ctor's state, an RCU reader, P's pattern, Z on an object smaller
 *     than a word or on a kmalloc object whose red zone runs from the
 *     request: orig_size), else in the middle of the object;
 *  4. U: two struct track (32 bytes each, as Linux with stack depot) and,
 *     for kmalloc caches, the 4-byte orig_size;
 *  5. Z: one more word of padding, then the left red zone of a word (or
 *     the alignment, if larger) in front of the object;
 *  6. the whole rounded up to the alignment.
 * alloc/slub_debug.c draws the result. */
int slub_geometry_linux(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
			unsigned int nr_cpus, unsigned int kernel_version, struct slub_geometry *g)
{
	unsigned int slot;
	int order;

	memset(g, 0, sizeof(*g));
	if (size == 0 || size > KMALLOC_MAX_SIZE || (align & (align - 1)) || align > KMALLOC_MAX_SIZE ||
	    (flags & ~SLAB_KNOWN_FLAGS))
		return -KERR_INVAL;
	g->object_size = size;
	g->align = calculate_alignment(flags, align, size);
	slot = ALIGN(size, (unsigned int)sizeof(void *));
	if ((flags & SLAB_RED_ZONE) && slot == size)
		slot += sizeof(void *);
	g->inuse = slot;
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || has_ctor ||
	    ((flags & SLAB_RED_ZONE) && (size < sizeof(void *) || slub_debug_orig_size_flags(flags)))) {
		g->offset = slot;
		slot += sizeof(void *);
	} else {
		g->offset = ALIGN_DOWN(size / 2, (unsigned int)sizeof(void *));
	}
	if (flags & SLAB_STORE_USER) {
		slot += 2 * SLUB_TRACK_SIZE;
		if (flags & SLAB_KMALLOC)
			slot += sizeof(unsigned int);
	}
	if (flags & SLAB_RED_ZONE) {
		slot += sizeof(void *);
		g->red_left_pad = ALIGN((unsigned int)sizeof(void *), g->align);
		slot += g->red_left_pad;
	}
	slot = ALIGN(slot, g->align);
	g->size = slot;
	order = slub_calculate_order_linux(slot, nr_cpus, kernel_version);
	if (order < 0)
		return -KERR_INVAL;
	g->order = (unsigned int)order;
	g->objects = order_objects(g->order, slot);
	g->min_order = get_order(slot);
	g->min_objects = order_objects(g->min_order, slot);
	g->min_partial = ilog2_u(slot) / 2;
	if (g->min_partial < MIN_PARTIAL)
		g->min_partial = MIN_PARTIAL;
	if (g->min_partial > MAX_PARTIAL)
		g->min_partial = MAX_PARTIAL;
	return 0;
}

int slub_geometry(unsigned int size, unsigned int align, slab_flags_t flags,
		  int has_ctor, unsigned int nr_cpus, struct slub_geometry *g)
{
	return slub_geometry_linux(size, align, flags, has_ctor, nr_cpus, KALLOC_LINUX_6_18, g);
}

/* ------------------------------------------------------------------------
 * The live-object bitmap and the free pointer
 */
static inline uint64_t *objmap_word(const struct machine *m, const void *obj, uint64_t *bit)
{
	uintptr_t idx = ((uintptr_t)obj - (uintptr_t)m->base) >> 3;

	*bit = 1ULL << (idx & 63);
	return &m->slab.objmap[idx >> 6];
}

static inline bool objmap_test(const struct machine *m, const void *obj)
{
	uint64_t bit, *w = objmap_word(m, obj, &bit);
	return (*w & bit) != 0;
}

static inline void objmap_flip(struct machine *m, const void *obj)
{
	uint64_t bit, *w = objmap_word(m, obj, &bit);
	*w ^= bit;
}

/* The free pointer lives in free (poisoned) memory: open the word for the
 * access and close it again, so that ASan sees only the allocator touch it. */
static inline void *get_freepointer(const struct kmem_cache *s, void *obj)
{
	void **p = (void **)((char *)obj + s->offset);
	void *v;

	kasan_unpoison(p, sizeof(*p));
	v = *p;
	kasan_poison(p, sizeof(*p));
	return v;
}

static inline void set_freepointer(const struct kmem_cache *s, void *obj, void *fp)
{
	void **p = (void **)((char *)obj + s->offset);

	kasan_unpoison(p, sizeof(*p));
	*p = fp;
	kasan_poison(p, sizeof(*p));
}

bool slab_object_live(const struct machine *m, const void *obj) { return objmap_test(m, obj); }

void slab_object_set_live(struct machine *m, const void *obj, bool live)
{
	if (objmap_test(m, obj) != live)
		objmap_flip(m, obj);
}

void *slab_get_freepointer(const struct kmem_cache *s, void *obj) { return get_freepointer(s, obj); }
void slab_set_freepointer(const struct kmem_cache *s, void *obj, void *fp) { set_freepointer(s, obj, fp); }

/* Linux's obj_to_index() divides by a reciprocal, not by the slot size: a
 * division costs more than the rest of kmem_cache_free.  With
 * M = ceil(2^42 / size), (off * M) >> 42 is exact for every multiple of
 * size inside a slab (off < 2^22, so the error term idx * (M * size - 2^42)
 * stays below 2^42), and no 64-bit product overflows (M <= 2^39).  An
 * offset that is not a multiple maps to some idx with idx * size != off. */
#define RECIPROCAL_SHIFT 42
static inline uint64_t reciprocal_size(unsigned int size)
{
	return ((1ULL << RECIPROCAL_SHIFT) + size - 1) / size;
}

/* Index of the object at byte @off of a slab, or ~0u if @off is not the
 * start of one of its @objects objects (which begin red_left_pad into their
 * slots). */
static inline unsigned int obj_to_index(const struct kmem_cache *s, uintptr_t off, unsigned int objects)
{
	uint64_t idx;

	off -= s->red_left_pad;
	if (unlikely(off >= (uintptr_t)objects * s->size))
		return ~0u;
	idx = ((uint64_t)off * s->reciprocal_size) >> RECIPROCAL_SHIFT;
	if (unlikely(idx * s->size != off))
		return ~0u;
	return (unsigned int)idx;
}

/* Checked before the allocator follows a free pointer read from simulated
 * memory (anyone may have written it): NULL or an object of this slab.  A
 * slab is a naturally aligned block (the direct map is aligned to the
 * largest one), so @fp is in the block of @obj, an object of the slab, when
 * the two differ only in the bits below the block size; the rest is
 * obj_to_index()'s multiplication by the reciprocal. */
static inline bool freeptr_valid(const struct kmem_cache *s, const struct page *slab, const void *obj,
				 const void *fp)
{
	uintptr_t block = PAGE_SIZE << slab->order, off;
	uint64_t idx;

	if (!fp)
		return true;
	/* Outside the block, or in the left red zone of its first slot (off
	 * wraps): either way at least block. */
	off = ((uintptr_t)fp & (block - 1)) - s->red_left_pad;
	if (unlikely((((uintptr_t)fp ^ (uintptr_t)obj) | off) >= block))
		return false;
	idx = ((uint64_t)off * s->reciprocal_size) >> RECIPROCAL_SHIFT;
	return idx * s->size == off && idx < slab->objects;
}

bool slab_valid_pointer(const struct kmem_cache *s, const struct page *slab, const void *fp)
{
	return !fp || obj_to_index(s, (uintptr_t)fp - (uintptr_t)slab_address(s->m, slab),
				   slab->objects) != ~0u;
}

/* ------------------------------------------------------------------------
 * Cache handles.  Every entry point that takes a cache checks it first: a
 * live cache carries its own address xor KMEM_CACHE_LIVE in ->tag (one
 * load and compare on the fast path).  A destroyed cache is not freed but
 * kept on the machine's dead list with the dead tag, so destroy twice, or
 * alloc, free or shrink after destroy, is reported into the cache's machine
 * instead of reading freed host memory.  A pointer that was never a cache
 * has no machine to report into: it is refused with a line on stderr, as
 * long as it can be read at all (nothing global in kalloc: the library
 * cannot tell an arbitrary address from a cache without reading it).
 */
/* Slow path of a bad handle (slab_cache_live() in internal.h): a destroyed
 * cache or no cache at all. */
__attribute__((noinline, cold)) int slab_cache_bad(const struct kmem_cache *s, const char *who)
{
	if (slab_cache_tagged(s, KMEM_CACHE_DEAD))
		return kalloc_report(s->m, KERR_BAD_CACHE, "%s: cache %s (%p) was destroyed",
				     who, s->name, (const void *)s);
	fprintf(stderr, "kalloc: %s: %s: %p is not a cache\n", kalloc_error_name(KERR_BAD_CACHE),
		who, (const void *)s);
	return -KERR_BAD_CACHE;
}

/* ------------------------------------------------------------------------
 * Slabs
 */
static struct page *allocate_slab(struct kmem_cache *s)
{
	struct machine *m = s->m;
	unsigned int order = s->order, objects = s->objects;
	struct page *slab;
	char *start, *p;

	slab = alloc_pages(m, s->allocflags, order);
	if (!slab && s->min_order < order) {
		/* Linux retries with the smallest order that holds one
		 * object; such a slab simply has fewer objects. */
		order = s->min_order;
		objects = s->min_objects;
		slab = alloc_pages(m, s->allocflags, order);
	}
	if (!slab)
		return NULL;

	page_set_owner(m, slab, PAGE_OWNER_SLAB);
	slab->slab_cache = s;
	slab->objects = (uint16_t)objects;
	slab->inuse = 0;
	slab->frozen = 0;
	s->nr_pages += 1UL << order;
	s->nr_slabs++;
	s->total_objects += objects;

	/* Build the freelist in address order, constructing each object
	 * once (the ctor's state survives every later free and alloc). */
	start = slab_address(m, slab);
	kasan_poison(start, PAGE_SIZE << order);
	if (kmem_cache_debug(s))
		slub_debug_init_slab(s, slab);
	start += s->red_left_pad;
	for (unsigned int i = 0; i < objects; i++) {
		p = start + (size_t)i * s->size;
		if (kmem_cache_debug(s))
			slub_debug_init_object(s, p);
		if (s->ctor) {
			kasan_unpoison(p, s->object_size);
			s->ctor(p);
			kasan_poison(p, s->object_size);
			s->ctor_calls++;
		}
		set_freepointer(s, p, i + 1 < objects ? p + s->size : NULL);
	}
	slab->freelist = start;
	return slab;
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	struct machine *m = s->m;
	unsigned int order = slab->order;

	VM_BUG_ON(slab->inuse || slab->frozen);
	s->nr_pages -= 1UL << order;
	s->nr_slabs--;
	s->total_objects -= slab->objects;
	page_set_owner(m, slab, PAGE_OWNER_PAGES);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->objects = 0;
	slab->inuse = 0;
	__free_pages(m, slab, order);
}

static void add_partial(struct kmem_cache *s, struct page *slab)
{
	list_add(&slab->lru, &s->partial);
	s->nr_partial++;
}

static void remove_partial(struct kmem_cache *s, struct page *slab)
{
	list_del(&slab->lru);
	s->nr_partial--;
}

/* Take a slab off its CPU and put it where its state says. */
static void deactivate_slab(struct kmem_cache *s, struct page *slab)
{
	slab->frozen = 0;
	if (!slab->freelist)
		list_add(&slab->lru, &s->full);
	else if (!slab->inuse && s->nr_partial >= s->min_partial)
		discard_slab(s, slab);
	else
		add_partial(s, slab);
}

static void flush_cpu_slabs(struct kmem_cache *s)
{
	for (unsigned int c = 0; c < s->m->cfg.nr_cpus; c++) {
		struct page *slab = s->cpu_slab[c].slab;

		if (slab) {
			s->cpu_slab[c].slab = NULL;
			deactivate_slab(s, slab);
		}
	}
}

/* Slow path: the CPU's slab is exhausted (or there is none).  Retire it,
 * then take a partial slab, or a new one from the buddy allocator. */
static __attribute__((noinline, cold)) struct page *___slab_alloc(struct kmem_cache *s)
{
	struct kmem_cache_node_cpu *c = &s->cpu_slab[s->m->cpu];
	struct page *slab;

	if (c->slab) {
		slab = c->slab;
		c->slab = NULL;
		deactivate_slab(s, slab);
	}
	if (!list_empty(&s->partial)) {
		slab = list_first_entry(&s->partial, struct page, lru);
		remove_partial(s, slab);
	} else {
		slab = allocate_slab(s);
		if (!slab)
			return NULL;
	}
	slab->frozen = s->m->cpu + 1;
	c->slab = slab;
	return slab;
}

/* The slab's freelist led somewhere it must not: to a pointer outside the
 * slab or off an object's start, or to an object that is live.  Report it
 * and take the slab out of service before anything follows the pointer;
 * the allocation goes on from another slab. */
static __attribute__((noinline, cold)) void slab_freelist_corrupt(struct kmem_cache *s, struct page *slab,
								    void *obj, void *fp)
{
	slub_debug_freelist_corrupt(s, slab, obj, fp, slab_valid_pointer(s, slab, fp));
	slab_isolate(s, slab);
}

/* Out of service for good: off its CPU or list, every object written off as
 * in use (Linux: "Marking all objects used"), on the cache's isolated list.
 * Frees of its objects are still taken; it is never allocated from again.
 * Its pages go back with the machine (Linux leaks them). */
void slab_isolate(struct kmem_cache *s, struct page *slab)
{
	struct machine *m = s->m;
	char *p = slab_first_object(s, slab);

	if (slab->frozen == SLAB_FROZEN_ISOLATED)
		return;
	if (slab->frozen) {
		s->cpu_slab[slab->frozen - 1].slab = NULL;
	} else {
		list_del(&slab->lru);
		if (slab->freelist)
			s->nr_partial--;
	}
	for (unsigned int i = 0; i < slab->objects; i++, p += s->size)
		if (!objmap_test(m, p))
			objmap_flip(m, p);
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = SLAB_FROZEN_ISOLATED;
	list_add(&slab->lru, &s->isolated);
}

void slab_fix_lists(struct kmem_cache *s)
{
	struct list_head *pos, *n;

	for (pos = s->partial.next; pos != &s->partial; pos = n) {
		struct page *slab = list_entry(pos, struct page, lru);

		n = pos->next;
		if (!slab->freelist) {
			remove_partial(s, slab);
			list_add(&slab->lru, &s->full);
		}
	}
	for (pos = s->full.next; pos != &s->full; pos = n) {
		struct page *slab = list_entry(pos, struct page, lru);

		n = pos->next;
		if (slab->freelist) {
			list_del(&slab->lru);
			list_add_tail(&slab->lru, &s->partial);
			s->nr_partial++;
		}
	}
}

/* What slub_debug or __GFP_ZERO adds to an allocation: kept out of line so
 * that the common path saves no registers for it. */
static __attribute__((noinline)) void *slab_post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp,
							unsigned int orig_size)
{
	kasan_unpoison(obj, s->object_size);
	if (gfp & __GFP_ZERO)
		memset(obj, 0, slub_debug_orig_size_flags(s->flags) ? orig_size : s->object_size);
	debug_check(s->m, slab_check, "kmem_cache_alloc");
	return obj;
}

/* Take the head of @slab's freelist.  The head was checked when it became
 * the head; its link was not: it must lead to a free object of this slab,
 * or the caller takes the slab out of service before anything follows it
 * (NULL then). */
static inline __attribute__((always_inline)) void *slab_take_object(struct kmem_cache *s, struct page *slab)
{
	struct machine *m = s->m;
	void *obj = slab->freelist, *next = get_freepointer(s, obj);

	if (unlikely(!freeptr_valid(s, slab, obj, next) || (next && objmap_test(m, next))))
		return NULL;
	slab->freelist = next;
	slab->inuse++;
	objmap_flip(m, obj);
	s->alloc_calls++;
	m->clock++;
	return obj;
}

/* Everything but the common case: a new CPU slab, a corrupt freelist (the
 * slab is isolated and the allocation goes on), slub_debug's hook (a bad
 * object isolates its slab too), __GFP_ZERO.  @obj: taken already. */
static __attribute__((noinline)) void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned int orig_size,
						       const char *site, struct page *slab, void *obj)
{
	for (;; obj = NULL) {
		if (!obj) {
			slab = s->cpu_slab[s->m->cpu].slab;
			if (!slab || !slab->freelist) {
				slab = ___slab_alloc(s);
				if (unlikely(!slab))
					return NULL;
			}
			obj = slab_take_object(s, slab);
			if (!obj) {
				slab_freelist_corrupt(s, slab, slab->freelist, get_freepointer(s, slab->freelist));
				continue;
			}
		}
		if (kmem_cache_debug(s) && !slub_debug_alloc(s, slab, obj, orig_size, site)) {
			slab_isolate(s, slab);
			continue;
		}
		return slab_post_alloc(s, obj, gfp, orig_size);
	}
}

/* The allocation itself, inlined into both entry points: the fast path is
 * the CPU slab's head, its link checked, and nothing to add. */
static inline __attribute__((always_inline)) void *slab_alloc(struct kmem_cache *s, gfp_t gfp,
							    unsigned int orig_size, const char *site)
{
	struct page *slab = s->cpu_slab[s->m->cpu].slab;
	void *obj;

	s->check_dirty = true;
	if (unlikely(!slab || !slab->freelist))
		return slab_alloc_slow(s, gfp, orig_size, site, NULL, NULL);
	obj = slab_take_object(s, slab);
	if (unlikely(!obj || (s->flags & SLAB_DEBUG_FLAGS) | (gfp & __GFP_ZERO) | (KALLOC_DEBUG >= 2)))
		return slab_alloc_slow(s, gfp, orig_size, site, slab, obj);
	kasan_unpoison(obj, s->object_size);
	return obj;
}

void *__kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp, unsigned int orig_size, const char *site)
{
	if (unlikely(!slab_cache_live(s))) {
		slab_cache_bad(s, "kmem_cache_alloc");
		return NULL;
	}
	return slab_alloc(s, gfp, orig_size, site);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	/* The handle is checked before s->object_size is read. */
	if (unlikely(!slab_cache_live(s))) {
		slab_cache_bad(s, "kmem_cache_alloc");
		return NULL;
	}
	return slab_alloc(s, gfp, s->object_size, "kmem_cache_alloc");
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmem_cache_alloc(s, gfp | __GFP_ZERO);
}

/* A slab that was full got a free object, or one that was partial became
 * empty: move it between the lists, or give it back. */
static __attribute__((noinline)) void slab_free_relist(struct kmem_cache *s, struct page *slab, bool was_full)
{
	if (was_full) {
		list_del(&slab->lru);
		if (!slab->inuse && s->nr_partial >= s->min_partial)
			discard_slab(s, slab);
		else
			list_add_tail(&slab->lru, &s->partial), s->nr_partial++;
		return;
	}
	if (s->nr_partial > s->min_partial) {
		remove_partial(s, slab);
		discard_slab(s, slab);
	}
}

/* Free an object known to be a live object of @slab. */
static inline void do_slab_free(struct kmem_cache *s, struct page *slab, void *x)
{
	void *prior = slab->freelist;

	objmap_flip(s->m, x);
	s->free_calls++;
	kasan_poison(x, s->size - s->red_left_pad);
	set_freepointer(s, x, prior);
	slab->freelist = x;
	slab->inuse--;
	if (likely(slab->frozen) || (prior && slab->inuse))
		return;
	slab_free_relist(s, slab, !prior);
}

/* The slab of @x when @x is a live object (of @s, if @s is given), else
 * NULL.  One combined test: bits of the live-object map are set only at
 * the start of live objects, so an 8-aligned @x whose bit is set, inside a
 * slab page, is the start of a live object of that slab's cache - no
 * division by the object size needed. */
static inline struct page *live_object_slab(const struct machine *m, const struct kmem_cache *s,
					    const void *x)
{
	uintptr_t off = (uintptr_t)x - (uintptr_t)m->base;
	struct page *slab;

	if (unlikely(off >= (uintptr_t)m->nr_pages << PAGE_SHIFT || (off & 7)))
		return NULL;
	slab = compound_head(&m->pages[off >> PAGE_SHIFT]);
	if (unlikely(!PageSlab(slab) || (s && slab->slab_cache != s) || !objmap_test(m, x)))
		return NULL;
	return slab;
}

/* Slow path of a bad free: say exactly what is wrong. */
static __attribute__((noinline, cold)) int slab_free_bad(struct kmem_cache *s, const void *x)
{
	struct machine *m = s->m;
	struct page *slab = addr_to_page(m, x);
	uintptr_t off;

	if (!slab)
		return kalloc_report(m, KERR_BAD_ADDRESS, "kmem_cache_free(%s): %p is outside memory",
				     s->name, x);
	slab = compound_head(slab);
	/* A pointer into a free page is a double free, as kfree() and
	 * __free_pages() call it: most often the slab of an object freed
	 * twice went back to the buddy allocator in between. */
	if (!(slab->flags & (PG_head | PG_tail)))
		return kalloc_report(m, KERR_DOUBLE_FREE, "kmem_cache_free(%s): %p is in a free page (pfn %lu)",
				     s->name, x, pfn_of(m, slab));
	if (!PageSlab(slab))
		return kalloc_report(m, KERR_WRONG_OWNER, "kmem_cache_free(%s): %p is not in a slab (pfn %lu)",
				     s->name, x, pfn_of(m, slab));
	if (slab->slab_cache != s)
		return kalloc_report(m, KERR_WRONG_CACHE, "kmem_cache_free(%s): %p belongs to cache %s",
				     s->name, x, slab->slab_cache->name);
	off = (uintptr_t)x - (uintptr_t)slab_address(m, slab);
	if (s->flags & SLAB_CONSISTENCY_CHECKS)
		return slub_debug_bad_free(s, slab, x, obj_to_index(s, off, slab->objects) == ~0u ?
					   KERR_NOT_OBJECT : KERR_DOUBLE_FREE);
	if (obj_to_index(s, off, slab->objects) == ~0u)
		return kalloc_report(m, KERR_NOT_OBJECT,
				     "kmem_cache_free(%s): %p is at offset %lu of a slab of %u-byte objects",
				     s->name, x, (unsigned long)off, s->size);
	return kalloc_report(m, KERR_DOUBLE_FREE, "kmem_cache_free(%s): %p is already free", s->name, x);
}

int __kmem_cache_object(const struct machine *m, const void *x, struct kmem_cache **sp)
{
	struct page *page = addr_to_page(m, x);
	uintptr_t off;

	*sp = NULL;
	if (!page)
		return -KERR_BAD_ADDRESS;
	page = compound_head(page);
	if (!PageSlab(page))
		return -KERR_WRONG_OWNER;
	*sp = page->slab_cache;
	if (live_object_slab(m, page->slab_cache, x))
		return 0;
	off = (uintptr_t)x - (uintptr_t)slab_address(m, page);
	return obj_to_index(*sp, off, page->objects) == ~0u ? -KERR_NOT_OBJECT : -KERR_DOUBLE_FREE;
}

static inline __attribute__((always_inline)) int slab_free(struct kmem_cache *s, void *x, const char *site)
{
	struct page *slab;
	int err;

	if (unlikely(!slab_cache_live(s)))
		return slab_cache_bad(s, "kmem_cache_free");
	slab = live_object_slab(s->m, s, x);
	s->check_dirty = true;
	if (unlikely(!slab))
		return slab_free_bad(s, x);
	s->m->clock++;
	if (unlikely(kmem_cache_debug(s)) && (err = slub_debug_free(s, slab, x, site)))
		return err;
	do_slab_free(s, slab, x);
	debug_check(s->m, slab_check, "kmem_cache_free");
	return 0;
}

int __kmem_cache_free(struct kmem_cache *s, void *x, const char *site)
{
	return slab_free(s, x, site);
}

int kmem_cache_free(struct kmem_cache *s, void *x)
{
	return slab_free(s, x, "kmem_cache_free");
}

/* ------------------------------------------------------------------------
 * Caches
 */
/* The live-object map (zeroed, 1 bit per 8 bytes) is allocated with the
 * machine's memory, in machine.c, so that an arena can keep it. */
int slab_init(struct machine *m)
{
	INIT_LIST_HEAD(&m->slab.caches);
	INIT_LIST_HEAD(&m->slab.dead);
	return m->slab.objmap ? 0 : -KERR_NOMEM;
}

/* Free every cache, live and destroyed: the handles die with the machine. */
void slab_exit(struct machine *m)
{
	struct list_head *lists[2] = { &m->slab.caches, &m->slab.dead };

	for (int l = 0; l < 2; l++) {
		if (!lists[l]->next)		/* boot failed before slab_init */
			continue;
		while (!list_empty(lists[l])) {
			struct kmem_cache *s = list_first_entry(lists[l], struct kmem_cache, list);
			list_del(&s->list);
			if (s->in_block)	/* kmalloc's: kmalloc_exit() */
				s->tag = 0;
			else
				kalloc_host_free(&m->host, s);
		}
	}
}

/* A cache of the machine's flags and geometry: 0, or -KERR_INVAL (reported)
 * for a geometry the machine cannot hold. */
int __kmem_cache_geometry(struct machine *m, const char *name, unsigned int size, unsigned int align,
			  slab_flags_t *flags, int has_ctor, struct slub_geometry *g)
{
	*flags |= slub_debug_machine_flags(m->cfg.slub_debug);
	if (slub_geometry_linux(size, align, *flags, has_ctor, m->cfg.nr_cpus, m->cfg.kernel_version, g) ||
	    g->min_order > m->cfg.max_order) {
		kalloc_report(m, KERR_INVAL, "kmem_cache_create(%s): size %u align %u flags %#x refused",
			      name, size, align, *flags);
		return -KERR_INVAL;
	}
	return 0;
}

/* Lay out the zeroed @s (room for nr_cpus CPU slabs) and put it on the
 * machine's list, newest first, as Linux does (/proc/slabinfo's order). */
void __kmem_cache_init(struct machine *m, struct kmem_cache *s, const char *name, const struct slub_geometry *g,
		       slab_flags_t flags, void (*ctor)(void *))
{
	s->tag = KMEM_CACHE_LIVE ^ (uintptr_t)s;
	/* Boot's caches are the booted state machine_check_changed() starts
	 * from; a cache made later is new to it. */
	s->check_dirty = m->booted;
	s->m = m;
	strcpy(s->name, name);
	s->object_size = g->object_size;
	s->size = g->size;
	s->align = g->align;
	s->offset = g->offset;
	s->inuse = g->inuse;
	s->red_left_pad = g->red_left_pad;
	s->reciprocal_size = reciprocal_size(g->size);
	s->order = g->order > m->cfg.max_order ? g->min_order : g->order;
	s->objects = s->order == g->order ? g->objects : g->min_objects;
	s->min_order = g->min_order;
	s->min_objects = g->min_objects;
	s->min_partial = g->min_partial;
	s->flags = flags;
	if ((flags & SLAB_POISON) && !ctor && !(flags & SLAB_TYPESAFE_BY_RCU))
		s->flags |= __OBJECT_POISON;
	s->allocflags = __GFP_COMP | ((flags & SLAB_CACHE_DMA) ? __GFP_DMA : 0);
	s->ctor = ctor;
	INIT_LIST_HEAD(&s->partial);
	INIT_LIST_HEAD(&s->full);
	INIT_LIST_HEAD(&s->isolated);
	list_add(&s->list, &m->slab.caches);
	m->slab.nr_caches++;
}

struct kmem_cache *kmem_cache_create(struct machine *m, const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	struct slub_geometry g;
	struct kmem_cache *s;

	if (!name || !name[0] || strlen(name) >= KMEM_CACHE_NAME_LEN) {
		kalloc_report(m, KERR_INVAL, "kmem_cache_create: name must be 1..%d characters",
			      KMEM_CACHE_NAME_LEN - 1);
		return NULL;
	}
	if (__kmem_cache_geometry(m, name, size, align, &flags, ctor != NULL, &g))
		return NULL;
	s = kalloc_host_calloc(&m->host, 1, kmem_cache_bytes(m));
	if (!s) {
		/* Linux warns too: "kmem_cache_create(%s) failed with error %d" */
		kalloc_report(m, KERR_NOMEM, "kmem_cache_create(%s): no host memory for the cache", name);
		return NULL;
	}
	__kmem_cache_init(m, s, name, &g, flags, ctor);
	return s;
}

unsigned long kmem_cache_shrink(struct kmem_cache *s)
{
	unsigned long before;
	struct list_head *pos, *n;

	if (unlikely(!slab_cache_live(s))) {
		slab_cache_bad(s, "kmem_cache_shrink");
		return 0;
	}
	before = s->nr_pages;
	s->check_dirty = true;
	flush_cpu_slabs(s);
	for (pos = s->partial.next; pos != &s->partial; pos = n) {
		struct page *slab = list_entry(pos, struct page, lru);

		n = pos->next;
		if (!slab->inuse) {
			remove_partial(s, slab);
			discard_slab(s, slab);
		}
	}
	debug_check(s->m, slab_check, "kmem_cache_shrink");
	return before - s->nr_pages;
}

int kmem_cache_destroy(struct kmem_cache *s)
{
	struct machine *m;

	if (!s)
		return 0;
	if (unlikely(!slab_cache_live(s)))
		return slab_cache_bad(s, "kmem_cache_destroy");
	m = s->m;
	if (s->flags & SLAB_KMALLOC)
		return kalloc_report(m, KERR_INVAL, "kmem_cache_destroy(%s): kmalloc caches live as long as the machine",
				     s->name);
	kmem_cache_shrink(s);
	if (s->nr_slabs) {
		unsigned long live = 0;
		struct list_head *pos;

		list_for_each(pos, &s->partial)
			live += list_entry(pos, struct page, lru)->inuse;
		list_for_each(pos, &s->full)
			live += list_entry(pos, struct page, lru)->inuse;
		list_for_each(pos, &s->isolated)
			live += list_entry(pos, struct page, lru)->inuse;
		return kalloc_report(m, KERR_CACHE_BUSY,
				     "Objects remaining in %s on __kmem_cache_shutdown() (%lu objects in %lu slabs)",
				     s->name, live, s->nr_slabs);
	}
	/* Kept, tagged dead, until the machine goes: the handle stays
	 * recognisable (slab_exit frees it). */
	list_del(&s->list);
	list_add(&s->list, &m->slab.dead);
	m->slab.nr_caches--;
	s->tag = KMEM_CACHE_DEAD ^ (uintptr_t)s;
	return 0;
}

unsigned int kmem_cache_size(const struct kmem_cache *s)
{
	return slab_cache_live(s) ? s->object_size : (slab_cache_bad(s, "kmem_cache_size"), 0);
}

/* Used inside reports, so it reports nothing itself. */
const char *kmem_cache_name(const struct kmem_cache *s)
{
	if (!s)
		return "(null)";
	if (slab_cache_live(s) || slab_cache_tagged(s, KMEM_CACHE_DEAD))
		return s->name;
	return "(not a cache)";
}

struct machine *kmem_cache_machine(const struct kmem_cache *s)
{
	return slab_cache_live(s) ? s->m : (slab_cache_bad(s, "kmem_cache_machine"), NULL);
}
unsigned int kmem_cache_count(const struct machine *m) { return m->slab.nr_caches; }

struct kmem_cache *virt_to_cache(const struct machine *m, const void *obj)
{
	struct page *page = addr_to_page(m, obj);

	if (!page)
		return NULL;
	page = compound_head(page);
	return PageSlab(page) ? page->slab_cache : NULL;
}

/* Creation order is the list backwards (creation adds at the head). */
struct kmem_cache *kmem_cache_next(const struct machine *m, const struct kmem_cache *prev)
{
	const struct list_head *pos;

	if (prev && (!slab_cache_live(prev) || prev->m != m)) {
		if (slab_cache_live(prev))
			kalloc_report(prev->m, KERR_BAD_CACHE, "kmem_cache_next: cache %s is not of this machine",
				      prev->name);
		else
			slab_cache_bad(prev, "kmem_cache_next");
		return NULL;
	}
	pos = prev ? prev->list.prev : m->slab.caches.prev;

	return pos == &m->slab.caches ? NULL : list_entry(pos, struct kmem_cache, list);
}

struct kmem_cache *kmem_cache_find(const struct machine *m, const char *name)
{
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(m, s));)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

void kmem_cache_stats(const struct kmem_cache *s, struct slab_stats *out)
{
	const struct list_head *pos;

	memset(out, 0, sizeof(*out));
	if (unlikely(!slab_cache_live(s))) {
		slab_cache_bad(s, "kmem_cache_stats");
		return;
	}
	memcpy(out->name, s->name, sizeof(out->name));
	out->object_size = s->object_size;
	out->size = s->size;
	out->align = s->align;
	out->objs_per_slab = s->objects;
	out->order = s->order;
	out->pages_per_slab = 1u << s->order;
	out->flags = s->flags & ~__OBJECT_POISON;
	out->num_objs = s->total_objects;
	out->num_slabs = s->nr_slabs;
	out->partial_slabs = s->nr_partial;
	out->pages = s->nr_pages;
	out->ctor_calls = s->ctor_calls;
	out->alloc_calls = s->alloc_calls;
	out->free_calls = s->free_calls;
	list_for_each(pos, &s->partial) {
		const struct page *slab = list_entry(pos, struct page, lru);
		out->active_objs += slab->inuse;
		out->empty_slabs += !slab->inuse;
	}
	list_for_each(pos, &s->full) {
		out->active_objs += list_entry(pos, struct page, lru)->inuse;
		out->full_slabs++;
	}
	list_for_each(pos, &s->isolated)
		out->active_objs += list_entry(pos, struct page, lru)->inuse;
	for (unsigned int c = 0; c < s->m->cfg.nr_cpus; c++) {
		const struct page *slab = s->cpu_slab[c].slab;
		if (slab) {
			out->active_objs += slab->inuse;
			out->empty_slabs += !slab->inuse;
			out->cpu_slabs++;
		}
	}
}

/* Linux's slab_show() over SLUB's get_slabinfo(): objects free on the
 * partial list are inactive, objects on per-CPU slabs count as active. */
/* " %*lu": the separating space stays when @v is wider than @width. */
static char *slabinfo_field(char *p, unsigned long v, int width)
{
	*p++ = ' ';
	return text_put_ulong(p, v, width);
}

/* The row of @s from its numbers, into @row (room for
 * KMEM_CACHE_NAME_LEN + 8 * 21 + 64 bytes); returns its length.
 * "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu
 * %6lu %6lu\n", without printf. */
static size_t slabinfo_row(const struct kmem_cache *s, const unsigned long *v, char *row)
{
	static const char tunables[] = " : tunables    0    0    0 : slabdata";
	size_t nl = strnlen(s->name, KMEM_CACHE_NAME_LEN);
	char *r = row;

	/* Constant-size copies only: the whole name array, then 17 spaces
	 * from its end (what lies beyond r is overwritten). */
	memcpy(r, s->name, KMEM_CACHE_NAME_LEN);
	memcpy(r + nl, "                 ", 17);
	r += nl > 17 ? nl : 17;
	r = slabinfo_field(r, v[0], 6);
	r = slabinfo_field(r, v[1], 6);
	r = slabinfo_field(r, v[2], 6);
	r = slabinfo_field(r, v[3], 4);
	r = slabinfo_field(r, 1UL << v[4], 4);
	memcpy(r, tunables, sizeof(tunables) - 1);
	r += sizeof(tunables) - 1;
	r = slabinfo_field(r, v[5], 6);
	r = slabinfo_field(r, v[5], 6);
	memcpy(r, "      0\n", 8);
	r += 8;
	return (size_t)(r - row);
}

int proc_slabinfo(const struct machine *m, char *buf, size_t len)
{
	static const char header[] = "slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor>"
		" : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
	struct seq_buf sb = { buf, len, 0 };
	const struct list_head *pos;

	if (len)
		buf[0] = '\0';
	seq_put_bytes(&sb, header, sizeof(header) - 1);
	list_for_each(pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		unsigned long nr_free = 0;
		const struct list_head *p;

		list_for_each(p, &s->partial) {
			const struct page *slab = list_entry(p, struct page, lru);
			nr_free += slab->objects - slab->inuse;
		}
		/* A fuzzer prints this for every cache many times per input,
		 * and most rows do not change in between: each cache keeps its
		 * last row with the numbers it was made of (the name never
		 * changes), and is written again only when one differs.  The
		 * kept row is a memo in the cache's host memory, not machine
		 * state: @m stays const to callers. */
		{
			unsigned long v[6] = { s->total_objects - nr_free, s->total_objects, s->size, s->objects,
					       s->order, s->nr_slabs };
			char row[KMEM_CACHE_NAME_LEN + 8 * 21 + 64];
			size_t n;

			if (!s->slabinfo.len || memcmp(v, s->slabinfo.key, sizeof(v))) {
				memset(row, 0, sizeof(s->slabinfo.text));	/* all that is kept is written */
				n = slabinfo_row(s, v, row);
				s->slabinfo.len = 0;
				if (n > sizeof(s->slabinfo.text)) {
					seq_put_bytes(&sb, row, n);
					continue;
				}
				memcpy(s->slabinfo.text, row, sizeof(s->slabinfo.text));
				memcpy(s->slabinfo.key, v, sizeof(v));
				s->slabinfo.len = (uint8_t)n;
			}
			/* The whole kept array, a constant-size copy, where it
			 * fits; the text ends where the row does (below). */
			if (sb.len + sizeof(s->slabinfo.text) < len) {
				memcpy(buf + sb.len, s->slabinfo.text, sizeof(s->slabinfo.text));
				sb.len += s->slabinfo.len;
			} else {
				seq_put_bytes(&sb, s->slabinfo.text, s->slabinfo.len);
			}
		}
	}
	if (sb.len < len)
		buf[sb.len] = '\0';
	return (int)sb.len;
}

/* ------------------------------------------------------------------------
 * slab_check(): every slab on every list and CPU (check_slab), the cache's
 * counters against what was counted, then a walk over all frames that every
 * slab page belongs to a slab its cache knows about.
 */
enum slab_where { ON_PARTIAL, ON_FULL, ON_ISOLATED, ON_CPU };

static int check_slab(struct kmem_cache *s, struct page *slab, enum slab_where where,
		      unsigned int cpu, struct kalloc_check *out)
{
	struct machine *m = s->m;
	unsigned long pfn = pfn_of(m, slab);
	unsigned int free = 0, live = 0;
	char *start, *end;

	if (!(slab->flags & PG_head) || !PageSlab(slab) || slab->slab_cache != s ||
	    (size_t)slab->objects * s->size > (PAGE_SIZE << slab->order))
		return kalloc_fail(out, INV_SLAB_PAGE, "%s: slab at pfn %lu flags %#x cache %s objects %u",
				   s->name, pfn, slab->flags, kmem_cache_name(slab->slab_cache), slab->objects);
	start = slab_first_object(s, slab);
	end = start + (size_t)slab->objects * s->size;
	for (char *p = slab->freelist; p; p = get_freepointer(s, p)) {
		if (p < start || p >= end)
			return kalloc_fail(out, INV_SLAB_FREELIST_RANGE, "%s: slab at pfn %lu: entry %p outside [%p, %p)",
					   s->name, pfn, (void *)p, (void *)start, (void *)end);
		if ((size_t)(p - start) % s->size)
			return kalloc_fail(out, INV_SLAB_FREELIST_ALIGN, "%s: slab at pfn %lu: entry at offset %zu",
					   s->name, pfn, (size_t)(p - start));
		if (++free > slab->objects)
			return kalloc_fail(out, INV_SLAB_FREELIST_CYCLE, "%s: slab at pfn %lu: more than %u entries",
					   s->name, pfn, slab->objects);
		if (objmap_test(m, p))
			return kalloc_fail(out, INV_SLAB_FREELIST_LIVE, "%s: slab at pfn %lu: free entry %p is live",
					   s->name, pfn, (void *)p);
		if ((s->flags & __OBJECT_POISON) && slub_debug_poison_damage(s, p) >= 0)
			return kalloc_fail(out, INV_SLAB_POISON, "%s: free object %p: poison overwritten at offset %ld",
					   s->name, (void *)p, slub_debug_poison_damage(s, p));
	}
	if (slab->inuse != slab->objects - free)
		return kalloc_fail(out, INV_SLAB_INUSE, "%s: slab at pfn %lu: inuse %u, objects %u, free %u",
				   s->name, pfn, slab->inuse, slab->objects, free);
	for (char *p = start; p < end; p += s->size)
		live += objmap_test(m, p);
	if (live != slab->inuse)
		return kalloc_fail(out, INV_SLAB_OBJMAP, "%s: slab at pfn %lu: inuse %u, live map says %u",
				   s->name, pfn, slab->inuse, live);
	if ((where == ON_PARTIAL && (!slab->freelist || slab->frozen)) ||
	    (where == ON_FULL && (slab->freelist || slab->frozen)) ||
	    (where == ON_ISOLATED && slab->frozen != SLAB_FROZEN_ISOLATED) ||
	    (where == ON_CPU && slab->frozen != cpu + 1))
		return kalloc_fail(out, INV_SLAB_LIST, "%s: slab at pfn %lu on the %s list: inuse %u of %u, frozen %u",
				   s->name, pfn, where == ON_PARTIAL ? "partial" : where == ON_FULL ? "full" :
				   where == ON_ISOLATED ? "isolated" : "cpu",
				   slab->inuse, slab->objects, slab->frozen);
	return 0;
}

static int check_cache(struct kmem_cache *s, struct kalloc_check *out)
{
	unsigned long partial = 0, slabs = 0, objects = 0, pages = 0;
	struct list_head *heads[3] = { &s->partial, &s->full, &s->isolated };
	static const enum slab_where wheres[3] = { ON_PARTIAL, ON_FULL, ON_ISOLATED };
	int code;

	for (int l = 0; l < 3; l++) {
		struct list_head *pos;

		list_for_each(pos, heads[l]) {
			struct page *slab = list_entry(pos, struct page, lru);

			if (slabs > s->m->nr_pages)
				return kalloc_fail(out, INV_SLAB_LIST, "%s: slab lists loop", s->name);
			if ((code = check_slab(s, slab, wheres[l], 0, out)))
				return code;
			partial += !l;
			slabs++;
			objects += slab->objects;
			pages += 1UL << slab->order;
		}
	}
	for (unsigned int c = 0; c < s->m->cfg.nr_cpus; c++) {
		struct page *slab = s->cpu_slab[c].slab;

		if (!slab)
			continue;
		if ((code = check_slab(s, slab, ON_CPU, c, out)))
			return code;
		slabs++;
		objects += slab->objects;
		pages += 1UL << slab->order;
	}
	if (partial != s->nr_partial)
		return kalloc_fail(out, INV_SLAB_NR_PARTIAL, "%s: nr_partial %lu, partial list holds %lu",
				   s->name, s->nr_partial, partial);
	if (slabs != s->nr_slabs || objects != s->total_objects)
		return kalloc_fail(out, INV_SLAB_NR_SLABS, "%s: nr_slabs %lu total_objects %lu, counted %lu and %lu",
				   s->name, s->nr_slabs, s->total_objects, slabs, objects);
	if (pages != s->nr_pages)
		return kalloc_fail(out, INV_SLAB_PAGES, "%s: nr_pages %lu, slabs hold %lu",
				   s->name, s->nr_pages, pages);
	return 0;
}

int slab_check(struct machine *m, struct kalloc_check *out)
{
	struct list_head *pos;
	unsigned long total_pages = 0;
	int code;

	list_for_each(pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (s->tag != (KMEM_CACHE_LIVE ^ (uintptr_t)s))
			return kalloc_fail(out, INV_SLAB_CACHE_TAG, "%s: live cache at %p has tag %#llx",
					   s->name, (void *)s, (unsigned long long)s->tag);
		if ((code = check_cache(s, out)))
			return code;
		s->check_seen = 0;
		total_pages += s->nr_pages;
	}
	list_for_each(pos, &m->slab.dead) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (s->tag != (KMEM_CACHE_DEAD ^ (uintptr_t)s) || s->nr_slabs || s->nr_pages)
			return kalloc_fail(out, INV_SLAB_CACHE_TAG, "%s: destroyed cache at %p has tag %#llx, %lu slabs",
					   s->name, (void *)s, (unsigned long long)s->tag, s->nr_slabs);
	}
	for (unsigned long pfn = 0; pfn < m->nr_pages;) {
		struct page *page = &m->pages[pfn];
		unsigned long n = (page->flags & (PG_head | PG_buddy)) ? 1UL << page->order : 1;

		if ((page->flags & PG_head) && PageSlab(page)) {
			struct kmem_cache *owner = NULL;

			list_for_each(pos, &m->slab.caches)
				if (list_entry(pos, struct kmem_cache, list) == page->slab_cache)
					owner = page->slab_cache;
			if (!owner)
				return kalloc_fail(out, INV_SLAB_UNACCOUNTED, "slab at pfn %lu names no live cache", pfn);
			owner->check_seen++;
		}
		pfn += n;
	}
	list_for_each(pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (s->check_seen != s->nr_slabs)
			return kalloc_fail(out, INV_SLAB_UNACCOUNTED, "%s: %lu slab pages marked, %lu slabs on its lists",
					   s->name, s->check_seen, s->nr_slabs);
	}
	if (total_pages != m->phys.owner_pages[PAGE_OWNER_SLAB])
		return kalloc_fail(out, INV_SLAB_PAGES, "caches hold %lu pages, NR_SLAB says %lu",
				   total_pages, m->phys.owner_pages[PAGE_OWNER_SLAB]);
	return 0;
}

/* ------------------------------------------------------------------------
 * slab_check_quick(): machine_check()'s quick path (internal.h).  The same
 * walk of every list and CPU slab as slab_check(), at less cost per object:
 * free pointers read without opening ASan's shadow word by word, offsets
 * tested with the reciprocal instead of a division, and the live-object map
 * counted a word at a time where objects are small.  slab_check()'s walk
 * over every frame is the census: the slabs on the lists, each a PG_head
 * frame owned by the slab layer and naming its cache, are distinct (a slab
 * on two lists makes one of them loop or fail its state, two CPUs cannot
 * both have it frozen), so when their number is the census's count of slab
 * heads, every slab head is one of them.
 */
#ifdef KALLOC_ASAN
__attribute__((no_sanitize_address, noinline))
#endif
static void *peek_freepointer(const struct kmem_cache *s, const char *obj)
{
	void *v;

	memcpy(&v, obj + s->offset, sizeof(v));
	return v;
}

/* Live-map bits set at the @objects object starts from @start, @size apart. */
static unsigned int objmap_count_objects(const struct machine *m, const char *start, unsigned int size,
					 unsigned int objects)
{
	uintptr_t bit = (uintptr_t)(start - (const char *)m->base) >> 3, k = size >> 3;
	uintptr_t end = bit + (uintptr_t)objects * k;
	const uint64_t *map = m->slab.objmap;
	unsigned int live = 0;

	if (!objects)
		return 0;
	if ((size & 7) || k > 64 || 64 % k) {
		for (; bit < end; bit += k)
			live += (unsigned int)(map[bit >> 6] >> (bit & 63)) & 1;
		return live;
	}
	/* k divides 64: the starts sit at the same bits of every word. */
	{
		uint64_t every = ~0ULL / ((k == 64 ? 0 : (1ULL << k)) - 1), starts = every << (bit % k);
		uintptr_t w = bit >> 6, last = (end - 1) >> 6;
		uint64_t first_mask = ~0ULL << (bit & 63), last_mask = ~0ULL >> (63 - ((end - 1) & 63));

		if (k == 64)
			starts = 1ULL << (bit & 63);
		if (w == last)
			return (unsigned int)__builtin_popcountll(map[w] & starts & first_mask & last_mask);
		live = (unsigned int)__builtin_popcountll(map[w] & starts & first_mask);
		for (w++; w < last; w++)
			live += (unsigned int)__builtin_popcountll(map[w] & starts);
		return live + (unsigned int)__builtin_popcountll(map[last] & starts & last_mask);
	}
}

static __attribute__((noinline)) bool slab_quick(struct kmem_cache *s, struct page *slab, enum slab_where where,
						 unsigned int cpu)
{
	struct machine *m = s->m;
	uintptr_t off = (uintptr_t)slab - (uintptr_t)m->pages, span;
	unsigned int free = 0, objects, size = s->size;
	bool pow2 = !(size & (size - 1)), poison = s->flags & __OBJECT_POISON;
	char *start;

	/* A struct page of this machine, before anything else is read. */
	if (off >= m->nr_pages * sizeof(struct page) || off % sizeof(struct page))
		return false;
	objects = slab->objects;
	if (!(slab->flags & PG_head) || !PageSlab(slab) || slab->slab_cache != s ||
	    (size_t)objects * size > (PAGE_SIZE << slab->order))
		return false;
	start = slab_first_object(s, slab);
	span = (uintptr_t)objects * size;
	for (char *p = slab->freelist; p; p = peek_freepointer(s, p)) {
		uintptr_t o = (uintptr_t)(p - start);

		if (o >= span || (pow2 ? (o & (size - 1)) != 0 :
				  ((o * s->reciprocal_size) >> RECIPROCAL_SHIFT) * size != o))
			return false;
		if (++free > objects || objmap_test(m, p))
			return false;
		if (poison && slub_debug_poison_damage(s, p) >= 0)
			return false;
	}
	if (slab->inuse != objects - free || objmap_count_objects(m, start, size, objects) != slab->inuse)
		return false;
	switch (where) {
	case ON_PARTIAL: return slab->freelist && !slab->frozen;
	case ON_FULL: return !slab->freelist && !slab->frozen;
	case ON_ISOLATED: return slab->frozen == SLAB_FROZEN_ISOLATED;
	case ON_CPU: return slab->frozen == cpu + 1;
	}
	return false;
}

/* One list of @s: its slabs in state @where, counted into @n. */
static inline __attribute__((always_inline)) bool list_quick(struct kmem_cache *s, struct list_head *head, enum slab_where where, unsigned long *n,
		       unsigned long *objects, unsigned long *pages)
{
	for (struct list_head *pos = head->next; pos != head; pos = pos->next) {
		struct page *slab = list_entry(pos, struct page, lru);

		if (*n > s->m->nr_pages || !slab_quick(s, slab, where, 0))
			return false;
		++*n;
		*objects += slab->objects;
		*pages += 1UL << slab->order;
	}
	return true;
}

static bool cache_quick(struct kmem_cache *s, unsigned int cpus)
{
	unsigned long partial = 0, slabs, objects = 0, pages = 0;
	uintptr_t cpu_slabs = (uintptr_t)s->cpu_slab[0].slab;

	/* Most caches hold nothing: every list empty, no CPU slab, every
	 * counter zero, in a few compares. */
	for (unsigned int c = 1; c < cpus; c++)
		cpu_slabs |= (uintptr_t)s->cpu_slab[c].slab;
	if (!(cpu_slabs | ((uintptr_t)s->partial.next ^ (uintptr_t)&s->partial) |
	      ((uintptr_t)s->full.next ^ (uintptr_t)&s->full) |
	      ((uintptr_t)s->isolated.next ^ (uintptr_t)&s->isolated)))
		return !(s->nr_partial | s->nr_slabs | s->total_objects | s->nr_pages);

	if (!list_quick(s, &s->partial, ON_PARTIAL, &partial, &objects, &pages))
		return false;
	slabs = partial;
	if (!list_quick(s, &s->full, ON_FULL, &slabs, &objects, &pages) ||
	    !list_quick(s, &s->isolated, ON_ISOLATED, &slabs, &objects, &pages))
		return false;
	for (unsigned int c = 0; c < cpus; c++) {
		struct page *slab = s->cpu_slab[c].slab;

		if (!slab)
			continue;
		if (!slab_quick(s, slab, ON_CPU, c))
			return false;
		slabs++;
		objects += slab->objects;
		pages += 1UL << slab->order;
	}
	return partial == s->nr_partial && slabs == s->nr_slabs && objects == s->total_objects &&
	       pages == s->nr_pages;
}

bool slab_check_quick(struct machine *m, const struct page_census *c, bool all)
{
	unsigned long total_pages = 0, slabs = 0;
	unsigned int cpus = m->cfg.nr_cpus;
	struct list_head *pos;

	list_for_each(pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if ((all || s->check_dirty) &&
		    (s->tag != (KMEM_CACHE_LIVE ^ (uintptr_t)s) || !cache_quick(s, cpus)))
			return false;
		s->check_dirty = false;
		total_pages += s->nr_pages;
		slabs += s->nr_slabs;
	}
	list_for_each(pos, &m->slab.dead) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (s->tag != (KMEM_CACHE_DEAD ^ (uintptr_t)s) || s->nr_slabs || s->nr_pages)
			return false;
	}
	return slabs == c->slab_heads && total_pages == m->phys.owner_pages[PAGE_OWNER_SLAB];
}
