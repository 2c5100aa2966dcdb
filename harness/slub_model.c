/* slub_model.c - the harness's own SLUB (slub_model.h says what and why).
 *
 * Entry points: slubm_geometry(), slubm_calculate_order(), slubm_init(),
 * slubm_cache_create(), slubm_kmalloc_cache(), slubm_alloc(), slubm_free(),
 * slubm_shrink(), slubm_destroy(), slubm_expect(), slubm_validate().
 *
 * Written from Linux's mm/slub.c and kalloc's headers; it includes only the
 * public kalloc.h and calls nothing of the library.  A test compares the
 * geometry with alloc/slab.c's slub_geometry() and with props/model.py's:
 * three implementations on purpose.
 *
 * The slab policy, as kalloc implements SLUB (alloc/slab.c), in short:
 *  - alloc: the current CPU's slab while it has a free object; else that
 *    slab is deactivated (it is exhausted, so it goes to the full list), the
 *    head of the partial list becomes the CPU slab, else a new slab does.
 *    A new slab hands out its objects in address order; a free object goes
 *    on top of its slab's freelist and is the next one handed out.
 *  - free into a CPU slab: nothing else happens, even when it empties.
 *    Into a full slab: it leaves the full list; if that emptied it and the
 *    cache keeps min_partial partial slabs already it goes back to the page
 *    allocator, else to the tail of the partial list.  Into a partial slab
 *    that becomes empty: it goes back when more than min_partial are kept.
 *  - deactivation (slow path, shrink): exhausted -> full list; empty while
 *    min_partial partial slabs are kept -> back; else -> head of partial.
 *  - shrink: deactivate the CPU slabs in CPU order, then give back every
 *    empty partial slab.  destroy: refused for kmalloc caches (nothing
 *    changes); else shrink, and busy while any slab is left.
 *  - set_cpu changes only which CPU slab is used; drain_all_pages touches
 *    no slab.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slub_model.h"

#define SLUBM_KNOWN_FLAGS (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | \
			   SLAB_KMALLOC | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_PANIC | \
			   SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT | SLAB_RECLAIM_ACCOUNT)
#define WORD		8ul		/* sizeof(void *): the free pointer */
#define ORDER_UNKNOWN	(~0u)

/* ---- geometry ------------------------------------------------------------ */
static unsigned int m_fls(unsigned long x)
{
	unsigned int n = 0;

	while (x) {
		x >>= 1;
		n++;
	}
	return n;
}

unsigned int slubm_get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

static unsigned long order_objects(unsigned int order, unsigned long size)
{
	return (PAGE_SIZE << order) / size;
}

/* calc_slab_order(): the first order in [min_order, max_order] whose tail
 * (slab size % object size) is at most 1/fract of the slab; max_order + 1
 * if none is. */
static unsigned int calc_slab_order(unsigned long size, unsigned int min_order, unsigned int max_order,
				    unsigned int fract)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab = PAGE_SIZE << order;

		if (slab % size <= slab / fract)
			break;
	}
	return order;
}

/* calculate_order() of mm/slub.c (6.8 and later).  min_objects is
 * 4 * (fls(cpus) + 1) - Linux takes nr_cpu_ids when only one CPU is present,
 * kalloc's machine has exactly nr_cpus - but no more than an order-3 slab
 * holds (at least one); the search starts at the order min_objects need and
 * accepts the first order up to slub_max_order whose waste is within 1/16,
 * then 1/8, then 1/4, then 1/2 of the slab.  If not even one object fits an
 * order-3 slab, the order is the one a single object needs.
 * Before 6.8 (SLUBM_LINUX_6_1): the same first search with 1/16, 1/8, 1/4
 * only, repeated with one object fewer each time down to 2; then a single
 * object in the smallest order that holds it (any waste). */
static int calculate_order_61(unsigned long size, unsigned long min_objects)
{
	unsigned long fit3 = order_objects(SLUBM_MAX_ORDER, size);
	unsigned int order;

	if (order_objects(0, size) > SLUBM_MAX_OBJS_PER_PAGE)
		return (int)slubm_get_order(size * SLUBM_MAX_OBJS_PER_PAGE) - 1;
	for (unsigned long n = min_objects < fit3 ? min_objects : fit3; n >= 2; n--)
		for (unsigned int fract = 16; fract >= 4; fract >>= 1) {
			order = calc_slab_order(size, slubm_get_order(n * size), SLUBM_MAX_ORDER, fract);
			if (order <= SLUBM_MAX_ORDER)
				return (int)order;
		}
	order = slubm_get_order(size);
	return order <= SLUBM_PAGE_ORDER_MAX ? (int)order : -1;
}

int slubm_calculate_order_v(unsigned int size, unsigned int nr_cpus, unsigned int kernel_version)
{
	unsigned long min_objects, max_objects;
	unsigned int min_order, order;

	if (!size || kernel_version > SLUBM_LINUX_6_1)
		return -1;
	min_objects = 4ul * (m_fls(nr_cpus ? nr_cpus : 1) + 1);
	if (kernel_version == SLUBM_LINUX_6_1)
		return calculate_order_61(size, min_objects);
	max_objects = order_objects(SLUBM_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = slubm_get_order(min_objects * size);
	if (order_objects(min_order, size) > SLUBM_MAX_OBJS_PER_PAGE)
		return (int)slubm_get_order((unsigned long)size * SLUBM_MAX_OBJS_PER_PAGE) - 1;
	for (unsigned int fract = 16; fract > 1; fract /= 2) {
		order = calc_slab_order(size, min_order, SLUBM_MAX_ORDER, fract);
		if (order <= SLUBM_MAX_ORDER)
			return (int)order;
	}
	order = slubm_get_order(size);
	return order <= SLUBM_PAGE_ORDER_MAX ? (int)order : -1;
}

int slubm_calculate_order(unsigned int size, unsigned int nr_cpus)
{
	return slubm_calculate_order_v(size, nr_cpus, SLUBM_LINUX_6_18);
}

static int refuse(struct slubm_geometry *g, const char *why)
{
	g->refused = why;
	return -1;
}

/* calculate_alignment(): the cache line, halved while the object fits in
 * half, for HWCACHE_ALIGN; never below 8; a multiple of the word. */
unsigned long slubm_align(unsigned long size, unsigned long align, slab_flags_t flags)
{
	unsigned long a = align;

	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned long ralign = SLUBM_CACHE_LINE;

		while (size <= ralign / 2)
			ralign /= 2;
		if (a < ralign)
			a = ralign;
	}
	if (a < SLUBM_MINALIGN)
		a = SLUBM_MINALIGN;
	return (a + WORD - 1) & ~(WORD - 1);
}

/* The machine's slub_debug letters as the cache flags they add. */
static slab_flags_t machine_flags(unsigned int debug)
{
	return ((debug & MACHINE_SLUB_POISON) ? SLAB_POISON : 0) |
	       ((debug & MACHINE_SLUB_CONSISTENCY) ? SLAB_CONSISTENCY_CHECKS : 0) |
	       ((debug & MACHINE_SLUB_RED_ZONE) ? SLAB_RED_ZONE : 0) |
	       ((debug & MACHINE_SLUB_STORE_USER) ? SLAB_STORE_USER : 0);
}

/* calculate_sizes() of mm/slub.c, outwards from the object:
 *  - the object rounded up to a word; with Z, a whole word more when that
 *    rounding left no room for a right red zone: inuse;
 *  - the free pointer in the middle of the object (word aligned) unless the
 *    object's free contents matter - a ctor's state, an RCU reader, poison,
 *    or Z on an object smaller than a word or on a kmalloc cache whose red
 *    zone runs from the request (U: orig_size) - then in a word at inuse;
 *  - U: two struct track, and orig_size (4 bytes) on a kmalloc cache;
 *  - Z: one more word, then the left red zone: a word, or the alignment
 *    when larger, in front of the object;
 *  - the slot rounded up to the alignment (calculate_alignment: the cache
 *    line, halved while the object fits in half, for HWCACHE_ALIGN; never
 *    below 8).
 * __OBJECT_POISON (free objects hold 0x6b..0xa5): P without a ctor or RCU. */
int slubm_geometry(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
		   unsigned int nr_cpus, unsigned int max_order, unsigned int machine_debug,
		   struct slubm_geometry *g)
{
	return slubm_geometry_v(size, align, flags, has_ctor, nr_cpus, max_order, machine_debug,
				SLUBM_LINUX_6_18, g);
}

int slubm_geometry_v(unsigned int size, unsigned int align, slab_flags_t flags, int has_ctor,
		     unsigned int nr_cpus, unsigned int max_order, unsigned int machine_debug,
		     unsigned int kernel_version, struct slubm_geometry *g)
{
	unsigned long slot, a;
	int order;

	memset(g, 0, sizeof(*g));
	flags |= machine_flags(machine_debug);
	g->object_size = size;
	g->flags = flags;
	if (size == 0)
		return refuse(g, "size 0");
	if (size > SLUBM_KMALLOC_MAX)
		return refuse(g, "size above KMALLOC_MAX_SIZE (4 MiB)");
	if (align & (align - 1))
		return refuse(g, "alignment not a power of two");
	if (flags & ~SLUBM_KNOWN_FLAGS)
		return refuse(g, "unknown flags");
	a = slubm_align(size, align, flags);
	slot = ((unsigned long)size + WORD - 1) & ~(WORD - 1);
	if ((flags & SLAB_RED_ZONE) && slot == size)
		slot += WORD;
	g->inuse = (unsigned int)slot;
	g->orig_size = (flags & (SLAB_STORE_USER | SLAB_KMALLOC)) == (SLAB_STORE_USER | SLAB_KMALLOC);
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || has_ctor ||
	    ((flags & SLAB_RED_ZONE) && (size < WORD || g->orig_size))) {
		g->offset = (unsigned int)slot;
		g->fp_outside = 1;
		slot += WORD;
	} else {
		g->offset = (unsigned int)((size / 2) & ~(WORD - 1));
	}
	g->info_end = (unsigned int)slot;
	if (flags & SLAB_STORE_USER)
		slot += 2 * SLUBM_TRACK_SIZE + (g->orig_size ? 4 : 0);
	g->meta_end = (unsigned int)slot;
	if (flags & SLAB_RED_ZONE) {
		slot += WORD;
		g->red_left_pad = (unsigned int)((WORD + a - 1) & ~(a - 1));
		slot += g->red_left_pad;
	}
	g->object_poison = (flags & SLAB_POISON) && !has_ctor && !(flags & SLAB_TYPESAFE_BY_RCU);
	slot = (slot + a - 1) & ~(a - 1);
	/* A red zone as large as a 2^31 alignment makes 2^32: no slab holds it. */
	if (slot > (1ul << 31))
		return refuse(g, "no slab order up to MAX_PAGE_ORDER holds one object");
	g->slot_end = (unsigned int)slot - g->red_left_pad;
	g->align = (unsigned int)a;
	g->size = (unsigned int)slot;
	order = slubm_calculate_order_v(g->size, nr_cpus, kernel_version);
	if (order < 0)
		return refuse(g, "no slab order up to MAX_PAGE_ORDER holds one object");
	g->order = (unsigned int)order;
	g->objects = (unsigned int)order_objects(g->order, slot);
	g->min_order = slubm_get_order(slot);
	g->min_objects = (unsigned int)order_objects(g->min_order, slot);
	/* The larger the object, the more empty slabs are kept: ilog2(size) / 2. */
	g->min_partial = (m_fls(slot) - 1) / 2;
	if (g->min_partial < SLUBM_MIN_PARTIAL)
		g->min_partial = SLUBM_MIN_PARTIAL;
	if (g->min_partial > SLUBM_MAX_PARTIAL)
		g->min_partial = SLUBM_MAX_PARTIAL;
	if (g->min_order > max_order)
		return refuse(g, "one object needs an order above the machine's max_order");
	g->cache_order = g->order > max_order ? g->min_order : g->order;
	g->cache_objects = g->cache_order == g->order ? g->objects : g->min_objects;
	return 0;
}

/* ---- reporting ------------------------------------------------------------- */
static const char *fail(struct slubm *sm, const char *what, const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static const char *fail(struct slubm *sm, const char *what, const char *expected, const char *fmt, ...)
{
	va_list ap;

	sm->what = what;
	snprintf(sm->expected, sizeof(sm->expected), "%s", expected);
	va_start(ap, fmt);
	vsnprintf(sm->found, sizeof(sm->found), fmt, ap);
	va_end(ap);
	snprintf(sm->msg, sizeof(sm->msg), "%s: expected %s; found %s", what, sm->expected, sm->found);
	return sm->msg;
}

/* ---- machine and caches ------------------------------------------------------ */
void slubm_init(struct slubm *sm, unsigned int nr_cpus, unsigned int max_order, unsigned int slub_debug)
{
	memset(sm, 0, sizeof(*sm));
	sm->nr_cpus = nr_cpus > MAX_NR_CPUS ? MAX_NR_CPUS : nr_cpus;
	sm->max_order = max_order;
	sm->slub_debug = slub_debug;
}

static void cache_free(struct slubm_cache *c)
{
	for (int i = 0; i < c->nr_records; i++)
		free(c->slabs[i].live);
	free(c->slabs);
	free(c->hash);
	free(c);
}

/* Caches given back wait here for the next machine, with their slab
 * records, freelist buffers and hash table: a fuzz input makes and drops up
 * to dozens of caches, and under ASan those host allocations cost more than
 * the model's own work.  One pool per process (the harness runs one machine
 * at a time); beyond POOL_MAX caches are freed. */
#define POOL_MAX 128
static struct slubm_cache *pool;
static unsigned int pool_len;

static void cache_release(struct slubm_cache *c)
{
	if (pool_len >= POOL_MAX) {
		cache_free(c);
		return;
	}
	c->next_cache = pool;
	pool = c;
	pool_len++;
}

/* A cache from the pool, emptied but keeping its memory; NULL if none. */
static struct slubm_cache *cache_reuse(void)
{
	struct slubm_cache *c = pool, keep;

	if (!c)
		return NULL;
	pool = c->next_cache;
	pool_len--;
	keep = *c;
	memset(c, 0, sizeof(*c));
	c->slabs = keep.slabs;
	c->nr_records = keep.nr_records;
	c->hash = keep.hash;
	c->hash_cap = keep.hash_cap;
	if (c->hash)
		memset(c->hash, 0, c->hash_cap * sizeof(*c->hash));
	for (int i = 0; i < c->nr_records; i++) {
		c->slabs[i].where = SLUBM_UNUSED;
		c->slabs[i].next = i + 1 < c->nr_records ? i + 1 : -1;
	}
	c->free_record = c->nr_records ? 0 : -1;
	return c;
}

void slubm_exit(struct slubm *sm)
{
	while (sm->caches) {
		struct slubm_cache *c = sm->caches;

		sm->caches = c->next_cache;
		cache_release(c);
	}
}

void slubm_set_cpu(struct slubm *sm, unsigned int cpu)
{
	if (cpu < sm->nr_cpus)
		sm->cpu = cpu;
}

struct slubm_cache *slubm_cache_create(struct slubm *sm, const struct slubm_geometry *g, int has_ctor)
{
	struct slubm_cache *c;

	if (g->refused)
		return NULL;
	c = cache_reuse();
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->free_record = -1;
	}
	c->sm = sm;
	c->g = *g;
	c->has_ctor = has_ctor;
	c->partial_head = c->partial_tail = -1;
	c->pending = -1;
	for (int i = 0; i < MAX_NR_CPUS; i++)
		c->cpu_slab[i] = -1;
	c->next_cache = sm->caches;
	sm->caches = c;
	return c;
}

struct slubm_cache *slubm_kmalloc_cache(struct slubm *sm, unsigned int size, slab_flags_t type_flags)
{
	struct slubm_geometry g;

	slubm_geometry_v(size, (size & (size - 1)) ? 0 : size, SLAB_KMALLOC | type_flags, 0,
			 sm->nr_cpus, sm->max_order, sm->slub_debug, sm->kernel_version, &g);
	return slubm_cache_create(sm, &g, 0);
}

static void unlink_cache(struct slubm_cache *c)
{
	for (struct slubm_cache **pp = &c->sm->caches; *pp; pp = &(*pp)->next_cache)
		if (*pp == c) {
			*pp = c->next_cache;
			break;
		}
}

/* ---- slab records: a hash of slab bases -------------------------------------- */
static unsigned int hash_slot(const struct slubm_cache *c, uintptr_t base)
{
	uint64_t h = (uint64_t)(base >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull;

	return (unsigned int)(h >> 32) & (c->hash_cap - 1);
}

static int hash_get(const struct slubm_cache *c, uintptr_t base)
{
	if (!c->hash_cap)
		return -1;
	for (unsigned int i = hash_slot(c, base);; i = (i + 1) & (c->hash_cap - 1)) {
		int32_t v = c->hash[i];

		if (!v)
			return -1;
		if (c->slabs[v - 1].base == base)
			return v - 1;
	}
}

static int hash_put(struct slubm_cache *c, int idx)
{
	if ((c->hash_used + 1) * 2 > c->hash_cap) {
		unsigned int old_cap = c->hash_cap, cap = old_cap ? old_cap * 2 : 64;
		int32_t *old = c->hash, *h = calloc(cap, sizeof(*h));

		if (!h)
			return -1;
		c->hash = h;
		c->hash_cap = cap;
		for (unsigned int i = 0; i < old_cap; i++)
			if (old[i]) {
				unsigned int j = hash_slot(c, c->slabs[old[i] - 1].base);

				while (h[j])
					j = (j + 1) & (cap - 1);
				h[j] = old[i];
			}
		free(old);
	}
	for (unsigned int i = hash_slot(c, c->slabs[idx].base);; i = (i + 1) & (c->hash_cap - 1))
		if (!c->hash[i]) {
			c->hash[i] = idx + 1;
			c->hash_used++;
			return 0;
		}
}

/* Linear probing deletes by shifting the entries behind the hole back. */
static void hash_del(struct slubm_cache *c, uintptr_t base)
{
	unsigned int mask = c->hash_cap - 1, i = hash_slot(c, base), j;

	while (c->hash[i] && c->slabs[c->hash[i] - 1].base != base)
		i = (i + 1) & mask;
	if (!c->hash[i])
		return;
	c->hash[i] = 0;
	c->hash_used--;
	for (j = (i + 1) & mask; c->hash[j]; j = (j + 1) & mask) {
		unsigned int k = hash_slot(c, c->slabs[c->hash[j] - 1].base);

		/* Move j's entry into the hole unless its home lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->hash[i] = c->hash[j];
		c->hash[j] = 0;
		i = j;
	}
}

/* A record for a new slab at @base with room for @cap objects; -1 if the
 * host is out of memory. */
static int slab_new(struct slubm_cache *c, uintptr_t base, unsigned int cap)
{
	struct slubm_slab *s;
	int idx = c->free_record;

	if (idx < 0) {
		struct slubm_slab *n = realloc(c->slabs, (size_t)(c->nr_records + 1) * sizeof(*n));

		if (!n)
			return -1;
		c->slabs = n;
		idx = c->nr_records++;
		memset(&c->slabs[idx], 0, sizeof(c->slabs[idx]));
	} else {
		c->free_record = c->slabs[idx].next;
	}
	s = &c->slabs[idx];
	if (s->cap < cap) {	/* one block: the live bits, then the stack */
		free(s->live);
		s->live = malloc((cap + 63) / 64 * sizeof(*s->live) + cap * sizeof(*s->stack));
		s->stack = (uint16_t *)(s->live + (cap + 63) / 64);
		s->cap = s->live ? cap : 0;
		if (!s->cap)
			goto oom;
	}
	memset(s->live, 0, (cap + 63) / 64 * sizeof(*s->live));
	s->base = base;
	s->inuse = s->fresh = s->nstack = 0;
	s->where = SLUBM_UNUSED;
	s->prev = s->next = -1;
	if (hash_put(c, idx))
		goto oom;
	return idx;
oom:
	s->where = SLUBM_UNUSED;
	s->next = c->free_record;
	c->free_record = idx;
	return -1;
}

static unsigned long slab_pages(const struct slubm_slab *s)
{
	return 1ul << s->order;
}

static void partial_add(struct slubm_cache *c, int idx, int tail)
{
	struct slubm_slab *s = &c->slabs[idx];

	s->where = SLUBM_PARTIAL;
	if (tail) {
		s->prev = c->partial_tail;
		s->next = -1;
		if (c->partial_tail >= 0)
			c->slabs[c->partial_tail].next = idx;
		else
			c->partial_head = idx;
		c->partial_tail = idx;
	} else {
		s->next = c->partial_head;
		s->prev = -1;
		if (c->partial_head >= 0)
			c->slabs[c->partial_head].prev = idx;
		else
			c->partial_tail = idx;
		c->partial_head = idx;
	}
	c->nr_partial++;
}

static void partial_del(struct slubm_cache *c, int idx)
{
	struct slubm_slab *s = &c->slabs[idx];

	if (s->prev >= 0)
		c->slabs[s->prev].next = s->next;
	else
		c->partial_head = s->next;
	if (s->next >= 0)
		c->slabs[s->next].prev = s->prev;
	else
		c->partial_tail = s->prev;
	s->prev = s->next = -1;
	s->where = SLUBM_UNUSED;
	c->nr_partial--;
}

/* discard_slab(): back to the page allocator. */
static void slab_discard(struct slubm_cache *c, int idx)
{
	struct slubm_slab *s = &c->slabs[idx];

	c->nr_slabs--;
	c->pages -= slab_pages(s);
	c->total_objects -= s->objects;
	hash_del(c, s->base);
	s->where = SLUBM_UNUSED;
	s->next = c->free_record;
	c->free_record = idx;
}

/* deactivate_slab(): a slab leaves its CPU. */
static void slab_deactivate(struct slubm_cache *c, int idx)
{
	struct slubm_slab *s = &c->slabs[idx];

	c->cpu_slab[s->cpu] = -1;
	c->nr_cpu--;
	s->where = SLUBM_UNUSED;
	if (s->inuse == s->objects) {
		s->where = SLUBM_FULL;
		c->nr_full++;
	} else if (!s->inuse && c->nr_partial >= c->g.min_partial) {
		slab_discard(c, idx);
	} else {
		partial_add(c, idx, 0);
	}
}

static void make_cpu_slab(struct slubm_cache *c, int idx)
{
	struct slubm_slab *s = &c->slabs[idx];

	s->where = SLUBM_CPU;
	s->cpu = c->sm->cpu;
	c->cpu_slab[s->cpu] = idx;
	c->nr_cpu++;
}

/* The slab of this cache that holds @p, -1 if none. */
static int slab_of(const struct slubm_cache *c, uintptr_t p)
{
	unsigned int orders[2] = { c->g.cache_order, c->g.min_order };

	for (int k = 0; k < (orders[0] == orders[1] ? 1 : 2); k++) {
		uintptr_t base = p & ~((PAGE_SIZE << orders[k]) - 1);
		int idx = hash_get(c, base);
		unsigned int o;

		if (idx < 0)
			continue;
		o = c->slabs[idx].order == ORDER_UNKNOWN ? c->g.cache_order : c->slabs[idx].order;
		if (p < base + (PAGE_SIZE << o))
			return idx;
	}
	return -1;
}

/* Would a slab of @order at @base overlap one the cache has? */
static int overlaps(const struct slubm_cache *c, uintptr_t base, unsigned int order)
{
	unsigned long step = PAGE_SIZE << c->g.min_order;

	if (slab_of(c, base) >= 0)
		return 1;
	for (uintptr_t p = base + step; p < base + (PAGE_SIZE << order); p += step)
		if (hash_get(c, p) >= 0)
			return 1;
	return 0;
}

static const char *where_name(const struct slubm_cache *c, int idx, char *buf, size_t len)
{
	const struct slubm_slab *s;

	if (idx < 0) {
		snprintf(buf, len, "memory the cache has no slab in");
		return buf;
	}
	s = &c->slabs[idx];
	switch (s->where) {
	case SLUBM_CPU:
		snprintf(buf, len, "the slab of cpu %u at %#lx (%u/%u in use)", s->cpu, (unsigned long)s->base,
			 s->inuse, s->objects);
		break;
	case SLUBM_PARTIAL:
		snprintf(buf, len, "partial slab at %#lx (%u/%u in use)%s", (unsigned long)s->base, s->inuse,
			 s->objects, idx == c->partial_head ? ", the head of the list" : "");
		break;
	case SLUBM_FULL:
		snprintf(buf, len, "full slab at %#lx", (unsigned long)s->base);
		break;
	default:
		snprintf(buf, len, "a slab the model forgot");
	}
	return buf;
}

static const char *pending_misuse(struct slubm_cache *c)
{
	return fail(c->sm, "slub model use", "slubm_expect() after an allocation that may have fallen back",
		    "another op on the cache first");
}

/* ---- the ops ------------------------------------------------------------------- */
int slubm_next_alloc(const struct slubm_cache *c, unsigned int *order, unsigned int *fallback)
{
	int cpu = c->cpu_slab[c->sm->cpu];

	*order = c->g.cache_order;
	*fallback = c->g.min_order;
	if (cpu >= 0 && c->slabs[cpu].inuse < c->slabs[cpu].objects)
		return 0;
	return c->partial_head < 0;
}

/* The object a slab hands out next: the top of its freelist. */
static unsigned int next_index(const struct slubm_slab *s)
{
	return s->nstack ? s->stack[s->nstack - 1] : s->fresh;
}

static void take_object(struct slubm_cache *c, struct slubm_slab *s, unsigned int i)
{
	if (s->nstack)
		s->nstack--;
	else
		s->fresh++;
	s->live[i / 64] |= 1ull << (i % 64);
	s->inuse++;
	c->active++;
	c->alloc_calls++;
}

const char *slubm_alloc(struct slubm_cache *c, const void *obj, int may_fall_back)
{
	struct slubm *sm = c->sm;
	uintptr_t p = (uintptr_t)obj, base;
	int due = c->cpu_slab[sm->cpu], got;
	const char *from = "the CPU slab";
	char w1[128], w2[128];
	struct slubm_slab *s;
	unsigned int order;

	if (c->pending >= 0)
		return pending_misuse(c);
	if (due < 0 || c->slabs[due].inuse == c->slabs[due].objects) {
		/* ___slab_alloc(): retire the exhausted CPU slab, then take the
		 * first partial slab, else a new one. */
		if (due >= 0)
			slab_deactivate(c, due);
		due = c->partial_head;
		from = "the head of the partial list";
		if (due >= 0) {
			partial_del(c, due);
			make_cpu_slab(c, due);
		}
	}
	if (!obj) {
		if (due >= 0)
			return fail(sm, "slab choice", "an object: the slab due has free objects",
				    "NULL while %s had %u free", where_name(c, due, w1, sizeof(w1)),
				    c->slabs[due].objects - c->slabs[due].inuse);
		return NULL;
	}
	got = slab_of(c, p);
	if (due >= 0) {
		unsigned int want;

		s = &c->slabs[due];
		if (got != due) {
			snprintf(w2, sizeof(w2), "an object from %s (%s) was due", from,
				 where_name(c, due, w1, sizeof(w1)));
			return fail(sm, got < 0 ? "new slab" : "slab choice", w2, "%#lx, in %s",
				    (unsigned long)p, got < 0 ? "a new slab or memory the cache does not own" :
				    where_name(c, got, w1, sizeof(w1)));
		}
		want = next_index(s);
		if (p != s->base + c->g.red_left_pad + (uintptr_t)want * c->g.size)
			return fail(sm, "freelist order", "the top of the slab's freelist",
				    "object at offset %#lx of the slab at %#lx, due was index %u (offset %#lx)",
				    (unsigned long)(p - s->base), (unsigned long)s->base, want,
				    (unsigned long)(c->g.red_left_pad + want * c->g.size));
		take_object(c, s, want);
		return NULL;
	}
	/* A new slab: the object is its first, at the start of a block no slab
	 * of the cache overlaps. */
	if (got >= 0)
		return fail(sm, "slab choice", "a new slab (no CPU or partial slab has a free object)",
			    "%#lx, in %s", (unsigned long)p, where_name(c, got, w1, sizeof(w1)));
	base = p - c->g.red_left_pad;	/* the slot starts before the object */
	order = c->g.cache_order;
	if (may_fall_back && c->g.min_order < order &&
	    ((base & ((PAGE_SIZE << order) - 1)) || overlaps(c, base, order)))
		order = c->g.min_order;		/* the address says it fell back */
	else if (may_fall_back && c->g.min_order < order)
		order = ORDER_UNKNOWN;		/* slubm_expect learns it from the pages */
	if (order != ORDER_UNKNOWN && (base & ((PAGE_SIZE << order) - 1)))
		return fail(sm, "new slab", "the first object at the start of a naturally aligned block",
			    "%#lx in a new order-%u slab", (unsigned long)base, order);
	if (overlaps(c, base, order == ORDER_UNKNOWN ? c->g.min_order : order))
		return fail(sm, "new slab", "a block no slab of the cache overlaps",
			    "a new slab at %#lx overlaps a slab the cache has", (unsigned long)base);
	got = slab_new(c, base, c->g.cache_objects);
	if (got < 0)
		return fail(sm, "slub model", "host memory", "out of memory");
	s = &c->slabs[got];
	s->order = order;
	s->objects = order == ORDER_UNKNOWN ? 1 : order == c->g.cache_order ? c->g.cache_objects : c->g.min_objects;
	make_cpu_slab(c, got);
	take_object(c, s, 0);
	c->nr_slabs++;
	if (order == ORDER_UNKNOWN) {
		c->pending = got;
		return NULL;
	}
	c->pages += slab_pages(s);
	c->total_objects += s->objects;
	if (c->has_ctor)
		c->ctor_calls += s->objects;
	return NULL;
}

const char *slubm_free(struct slubm_cache *c, const void *obj)
{
	uintptr_t p = (uintptr_t)obj;
	int idx;
	struct slubm_slab *s;
	unsigned long off;
	unsigned int i;

	if (c->pending >= 0)
		return pending_misuse(c);
	idx = slab_of(c, p);
	if (idx < 0)
		return fail(c->sm, "slab free", "an object of a slab the cache has",
			    "%#lx freed, the model knows no slab of the cache there", (unsigned long)p);
	s = &c->slabs[idx];
	off = p - s->base - c->g.red_left_pad;	/* wraps to huge when p is in the left pad */
	i = off < (unsigned long)s->objects * c->g.size ? (unsigned int)(off / c->g.size) : s->objects;
	if (off % c->g.size || i >= s->objects || !(s->live[i / 64] >> (i % 64) & 1))
		return fail(c->sm, "slab free", "a live object the cache handed out",
			    "offset %#lx of the slab at %#lx (%u-byte slots, %u objects)", off,
			    (unsigned long)s->base, c->g.size, s->objects);
	s->live[i / 64] &= ~(1ull << (i % 64));
	s->stack[s->nstack++] = (uint16_t)i;
	s->inuse--;
	c->active--;
	c->free_calls++;
	switch (s->where) {
	case SLUBM_CPU:
		break;
	case SLUBM_FULL:
		c->nr_full--;
		s->where = SLUBM_UNUSED;
		if (!s->inuse && c->nr_partial >= c->g.min_partial)
			slab_discard(c, idx);
		else
			partial_add(c, idx, 1);
		break;
	case SLUBM_PARTIAL:
		if (!s->inuse && c->nr_partial > c->g.min_partial) {
			partial_del(c, idx);
			slab_discard(c, idx);
		}
		break;
	default:
		return fail(c->sm, "slub model", "a slab on a list", "slab at %#lx on none",
			    (unsigned long)s->base);
	}
	return NULL;
}

static unsigned long shrink(struct slubm_cache *c)
{
	unsigned long before = c->pages;

	for (unsigned int cpu = 0; cpu < c->sm->nr_cpus; cpu++)
		if (c->cpu_slab[cpu] >= 0)
			slab_deactivate(c, c->cpu_slab[cpu]);
	for (int idx = c->partial_head, next; idx >= 0; idx = next) {
		next = c->slabs[idx].next;
		if (!c->slabs[idx].inuse) {
			partial_del(c, idx);
			slab_discard(c, idx);
		}
	}
	return before - c->pages;
}

const char *slubm_shrink(struct slubm_cache *c, unsigned long returned)
{
	unsigned long want;
	char buf[64];

	if (c->pending >= 0)
		return pending_misuse(c);
	want = shrink(c);
	if (returned != want) {
		snprintf(buf, sizeof(buf), "%lu pages freed", want);
		return fail(c->sm, "shrink", buf, "kmem_cache_shrink returned %lu", returned);
	}
	return NULL;
}

const char *slubm_destroy(struct slubm_cache **cp, int rc)
{
	struct slubm_cache *c = *cp;
	int want;

	if (c->pending >= 0)
		return pending_misuse(c);
	if (c->g.flags & SLAB_KMALLOC) {
		want = -KERR_INVAL;
	} else {
		shrink(c);
		want = c->nr_slabs ? -KERR_CACHE_BUSY : 0;
	}
	if (rc != want)
		return fail(c->sm, "kmem_cache_destroy", want == 0 ? "0" : want == -KERR_INVAL ?
			    "-KERR_INVAL (a kmalloc cache)" : "-KERR_CACHE_BUSY (slabs with live objects)",
			    "%d, with %lu live objects in %lu slabs after the shrink", rc, c->active, c->nr_slabs);
	if (!want) {
		unlink_cache(c);
		cache_release(c);
		*cp = NULL;
	}
	return NULL;
}

int slubm_slabinfo(const struct slubm_cache *c, struct slubm_slabinfo *si)
{
	unsigned long free = 0;

	si->size = c->g.size;
	si->objperslab = c->g.cache_objects;
	si->pagesperslab = 1u << c->g.cache_order;
	if (c->pending >= 0)
		return -1;
	for (int idx = c->partial_head; idx >= 0; idx = c->slabs[idx].next)
		free += c->slabs[idx].objects - c->slabs[idx].inuse;
	si->num = c->total_objects;
	si->active = c->total_objects - free;
	si->slabs = c->nr_slabs;
	return 0;
}

long slubm_pages(const struct slubm *sm)
{
	long pages = 0;

	for (const struct slubm_cache *c = sm->caches; c; c = c->next_cache) {
		if (c->pending >= 0)
			return -1;
		pages += (long)c->pages;
	}
	return pages;
}

/* An ambiguous new slab's order, from the pages the cache holds. */
static const char *resolve_pending(struct slubm_cache *c, const struct slab_stats *st)
{
	struct slubm_slab *s = &c->slabs[c->pending];
	unsigned long extra = st->pages - c->pages;

	if (extra == 1ul << c->g.cache_order) {
		s->order = c->g.cache_order;
		s->objects = c->g.cache_objects;
	} else if (extra == 1ul << c->g.min_order) {
		s->order = c->g.min_order;
		s->objects = c->g.min_objects;
	} else {
		return fail(c->sm, "slab pages", "a new slab of the cache's order or of its fallback order",
			    "%s: %lu pages, %lu before the new slab (orders %u and %u allowed)", st->name,
			    st->pages, c->pages, c->g.cache_order, c->g.min_order);
	}
	c->pending = -1;
	c->pages += slab_pages(s);
	c->total_objects += s->objects;
	if (c->has_ctor)
		c->ctor_calls += s->objects;
	return NULL;
}

#define EXPECT_FIELD(field, want, what) do {						\
	if ((unsigned long)st->field != (unsigned long)(want))				\
		return fail(c->sm, what, #field " as the model computes it",		\
			    "%s: " #field " %lu, model %lu", st->name,			\
			    (unsigned long)st->field, (unsigned long)(want));		\
} while (0)

const char *slubm_expect(struct slubm_cache *c, const struct slab_stats *st)
{
	unsigned long empty = 0;
	const char *v;

	if (c->pending >= 0 && (v = resolve_pending(c, st)))
		return v;
	/* Geometry first: a wrong order shows here before it skews the counts. */
	EXPECT_FIELD(object_size, c->g.object_size, "slab geometry");
	EXPECT_FIELD(size, c->g.size, "slab geometry");
	EXPECT_FIELD(align, c->g.align, "slab geometry");
	EXPECT_FIELD(order, c->g.cache_order, "slab geometry");
	EXPECT_FIELD(objs_per_slab, c->g.cache_objects, "slab geometry");
	EXPECT_FIELD(pages_per_slab, 1ul << c->g.cache_order, "slab geometry");
	EXPECT_FIELD(flags, c->g.flags, "slab geometry");
	EXPECT_FIELD(active_objs, c->active, "slab stats");
	EXPECT_FIELD(num_slabs, c->nr_slabs, "slab stats");
	EXPECT_FIELD(pages, c->pages, "slab stats");
	EXPECT_FIELD(num_objs, c->total_objects, "slab stats");
	EXPECT_FIELD(partial_slabs, c->nr_partial, "slab stats");
	EXPECT_FIELD(full_slabs, c->nr_full, "slab stats");
	EXPECT_FIELD(cpu_slabs, c->nr_cpu, "slab stats");
	for (int idx = c->partial_head; idx >= 0; idx = c->slabs[idx].next)
		empty += !c->slabs[idx].inuse;
	for (unsigned int cpu = 0, n = 0; n < c->nr_cpu && cpu < c->sm->nr_cpus; cpu++)
		if (c->cpu_slab[cpu] >= 0) {
			empty += !c->slabs[c->cpu_slab[cpu]].inuse;
			n++;
		}
	EXPECT_FIELD(empty_slabs, empty, "slab stats");
	EXPECT_FIELD(ctor_calls, c->ctor_calls, "slab stats");
	EXPECT_FIELD(alloc_calls, c->alloc_calls, "slab stats");
	EXPECT_FIELD(free_calls, c->free_calls, "slab stats");
	return NULL;
}

const char *slubm_validate(struct slubm_cache *c)
{
	unsigned long slabs = 0, partial = 0, full = 0, cpu = 0, pages = 0, objects = 0, active = 0;
	struct slubm *sm = c->sm;
	int prev = -1;

	for (int idx = c->partial_head; idx >= 0; prev = idx, idx = c->slabs[idx].next) {
		const struct slubm_slab *s = &c->slabs[idx];

		if (s->where != SLUBM_PARTIAL || s->prev != prev || ++partial > (unsigned long)c->nr_records)
			return fail(sm, "slub model", "a well-linked partial list",
				    "slab at %#lx where %d prev %d (walked from %d)", (unsigned long)s->base,
				    s->where, s->prev, prev);
		if (s->inuse == s->objects)
			return fail(sm, "slub model", "partial slabs with a free object",
				    "slab at %#lx full on the partial list", (unsigned long)s->base);
	}
	if (prev != c->partial_tail || partial != c->nr_partial)
		return fail(sm, "slub model", "nr_partial equal to the partial list",
			    "nr_partial %lu, list %lu", c->nr_partial, partial);
	for (int idx = 0; idx < c->nr_records; idx++) {
		const struct slubm_slab *s = &c->slabs[idx];
		unsigned int live = 0;

		if (s->where == SLUBM_UNUSED)
			continue;
		for (unsigned int w = 0; w < (s->objects + 63) / 64; w++)
			live += (unsigned int)__builtin_popcountll(s->live[w]);
		if (live != s->inuse || s->inuse > s->objects || s->fresh > s->objects ||
		    s->nstack + s->inuse + (s->objects - s->fresh) != s->objects)
			return fail(sm, "slub model", "inuse == live objects == objects - free",
				    "slab at %#lx: inuse %u, live %u, objects %u, fresh %u, stack %u",
				    (unsigned long)s->base, s->inuse, live, s->objects, s->fresh, s->nstack);
		if (hash_get(c, s->base) != idx)
			return fail(sm, "slub model", "every slab found by its base",
				    "slab at %#lx not in the hash", (unsigned long)s->base);
		if (s->where == SLUBM_CPU && (s->cpu >= sm->nr_cpus || c->cpu_slab[s->cpu] != idx))
			return fail(sm, "slub model", "a CPU slab its CPU points at",
				    "slab at %#lx on cpu %u", (unsigned long)s->base, s->cpu);
		if (s->where == SLUBM_FULL && s->inuse != s->objects)
			return fail(sm, "slub model", "full slabs full", "slab at %#lx: %u of %u",
				    (unsigned long)s->base, s->inuse, s->objects);
		slabs++;
		full += s->where == SLUBM_FULL;
		cpu += s->where == SLUBM_CPU;
		if (idx != c->pending) {
			pages += slab_pages(s);
			objects += s->objects;
		}
		active += s->inuse;
	}
	if (slabs != c->nr_slabs || full != c->nr_full || cpu != c->nr_cpu || pages != c->pages ||
	    objects != c->total_objects || active != c->active || c->hash_used != slabs)
		return fail(sm, "slub model", "counters equal to the slabs they count",
			    "slabs %lu/%lu full %lu/%lu cpu %lu/%lu pages %lu/%lu objects %lu/%lu active %lu/%lu hash %u",
			    c->nr_slabs, slabs, c->nr_full, full, c->nr_cpu, cpu, c->pages, pages,
			    c->total_objects, objects, c->active, active, c->hash_used);
	return NULL;
}

/* ---- where the next object comes from ------------------------------------------ */
uintptr_t slubm_peek_next(const struct slubm_cache *c)
{
	int idx = c->cpu_slab[c->sm->cpu];

	if (c->pending >= 0)
		return 0;
	if (idx < 0 || c->slabs[idx].inuse == c->slabs[idx].objects)
		idx = c->partial_head;
	if (idx < 0)
		return 0;
	return c->slabs[idx].base + c->g.red_left_pad + (uintptr_t)next_index(&c->slabs[idx]) * c->g.size;
}

int slubm_holds(const struct slubm_cache *c, const void *obj, uintptr_t *slab_base)
{
	int idx = slab_of(c, (uintptr_t)obj - c->g.red_left_pad);

	if (idx < 0)
		return 0;
	if (slab_base)
		*slab_base = c->slabs[idx].base;
	return 1;
}

/* ---- scribbles ---------------------------------------------------------------- */
void slubm_slot_range(const struct slubm_geometry *g, int *lo, int *hi)
{
	*lo = -(int)g->red_left_pad;
	*hi = (int)g->slot_end;
}

int slubm_slot_offset(const struct slubm_geometry *g, int off)
{
	int lo, hi;
	long span, r;

	slubm_slot_range(g, &lo, &hi);
	if (off >= lo && off < hi)
		return off;
	span = (long)hi - lo;
	r = ((long)off - lo) % span;
	return lo + (int)(r < 0 ? r + span : r);
}

int slubm_is_meta(const struct slubm_geometry *g, int live, int off)
{
	if ((g->fp_outside || !live) && off >= (int)g->offset && off < (int)g->offset + SLUBM_WORD)
		return 1;
	return off >= (int)g->info_end && off < (int)g->meta_end;
}

/* The regions check_object() looks at, in its order, for an object @live
 * with request @req; each [lo, hi) from the object's first byte. */
struct region {
	const char *what;
	int code;
	int lo, hi;
	unsigned char expected;
};

static unsigned int check_regions(const struct slubm_geometry *g, int live, unsigned int req,
				  struct region *r)
{
	unsigned char val = live ? SLUBM_RED_ACTIVE : SLUBM_RED_INACTIVE;
	int osz = (int)g->object_size;
	unsigned int n = 0;

	if (g->flags & SLAB_RED_ZONE) {
		r[n++] = (struct region){ "Left Redzone", KERR_REDZONE, -(int)g->red_left_pad, 0, val };
		r[n++] = (struct region){ "Right Redzone", KERR_REDZONE, osz, (int)g->inuse, val };
		if (g->orig_size && live && req < g->object_size)
			r[n++] = (struct region){ "kmalloc Redzone", KERR_REDZONE, (int)req, osz, val };
	} else if ((g->flags & SLAB_POISON) && g->object_size < g->inuse) {
		r[n++] = (struct region){ "Alignment padding", KERR_PADDING, osz, (int)g->inuse,
					  SLUBM_POISON_INUSE };
	}
	if (g->flags & SLAB_POISON) {
		if (!live && g->object_poison) {
			r[n++] = (struct region){ "Poison", KERR_POISON, 0, osz - 1, SLUBM_POISON_FREE };
			r[n++] = (struct region){ "End Poison", KERR_POISON, osz - 1, osz, SLUBM_POISON_END };
		}
		if (g->meta_end < g->slot_end)
			r[n++] = (struct region){ "Object padding", KERR_PADDING, (int)g->meta_end,
						  (int)g->slot_end, SLUBM_POISON_INUSE };
	}
	return n;
}

/* Remove [lo, hi) from @d. */
static void dirty_clear(struct slubm_dirty *d, int lo, int hi)
{
	struct slubm_dirty out = { 0 };

	for (unsigned int i = 0; i < d->n; i++) {
		if (d->hi[i] <= lo || d->lo[i] >= hi) {
			out.lo[out.n] = d->lo[i], out.hi[out.n++] = d->hi[i];
			continue;
		}
		if (d->lo[i] < lo)
			out.lo[out.n] = d->lo[i], out.hi[out.n++] = lo;
		if (d->hi[i] > hi && out.n < SLUBM_MAX_DIRTY)
			out.lo[out.n] = hi, out.hi[out.n++] = d->hi[i];
	}
	*d = out;
}

int slubm_dirty_add(const struct slubm_geometry *g, int live, unsigned int req, struct slubm_dirty *d,
		    int lo, int hi)
{
	struct region r[SLUBM_MAX_REPORTS];
	unsigned int nr = check_regions(g, live, req, r);
	struct slubm_dirty nd = *d;

	/* Split at the metadata and keep the parts a region covers. */
	for (unsigned int k = 0; k < nr; k++) {
		int a = lo > r[k].lo ? lo : r[k].lo, b = hi < r[k].hi ? hi : r[k].hi;

		while (a < b) {
			int e = a;

			while (a < b && slubm_is_meta(g, live, a))
				a++;
			e = a;
			while (e < b && !slubm_is_meta(g, live, e))
				e++;
			if (a == e)
				break;
			dirty_clear(&nd, a, e);		/* no overlaps, then merge neighbours */
			if (nd.n == SLUBM_MAX_DIRTY)
				return -1;
			nd.lo[nd.n] = a, nd.hi[nd.n++] = e;
			a = e;
		}
	}
	/* Sorted and merged, so that equal sets compare equal. */
	for (unsigned int i = 1; i < nd.n; i++)
		for (unsigned int j = i; j > 0 && nd.lo[j - 1] > nd.lo[j]; j--) {
			int t = nd.lo[j]; nd.lo[j] = nd.lo[j - 1]; nd.lo[j - 1] = t;
			t = nd.hi[j]; nd.hi[j] = nd.hi[j - 1]; nd.hi[j - 1] = t;
		}
	for (unsigned int i = 0; i + 1 < nd.n;) {
		if (nd.hi[i] >= nd.lo[i + 1]) {
			if (nd.hi[i + 1] > nd.hi[i])
				nd.hi[i] = nd.hi[i + 1];
			memmove(&nd.lo[i + 1], &nd.lo[i + 2], (nd.n - i - 2) * sizeof(nd.lo[0]));
			memmove(&nd.hi[i + 1], &nd.hi[i + 2], (nd.n - i - 2) * sizeof(nd.hi[0]));
			nd.n--;
		} else {
			i++;
		}
	}
	*d = nd;
	return 0;
}

unsigned int slubm_check_object(const struct slubm_geometry *g, int live, unsigned int req,
				struct slubm_dirty *d, struct slubm_report *out)
{
	struct region r[SLUBM_MAX_REPORTS];
	unsigned int nr = check_regions(g, live, req, r), n = 0;

	for (unsigned int k = 0; k < nr; k++) {
		int first = r[k].hi, last = r[k].lo - 1;

		for (unsigned int i = 0; i < d->n; i++) {
			int a = d->lo[i] > r[k].lo ? d->lo[i] : r[k].lo;
			int b = d->hi[i] < r[k].hi ? d->hi[i] : r[k].hi;

			if (a >= b)
				continue;
			if (a < first)
				first = a;
			if (b - 1 > last)
				last = b - 1;
		}
		if (first > last)
			continue;
		out[n++] = (struct slubm_report){ r[k].what, r[k].code, first, last, r[k].expected };
		dirty_clear(d, first, last + 1);	/* restore_bytes() */
	}
	return n;
}

void slubm_dirty_relaid(const struct slubm_geometry *g, int live, unsigned int req, struct slubm_dirty *d)
{
	unsigned int upto = g->orig_size && live && req < g->object_size ? req : g->object_size;

	if (g->flags & SLAB_RED_ZONE) {
		dirty_clear(d, -(int)g->red_left_pad, 0);
		dirty_clear(d, (int)upto, (int)g->inuse);
	}
	if (g->object_poison)
		dirty_clear(d, 0, (int)upto);
}
