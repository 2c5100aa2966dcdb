/* kmalloc.c - general-purpose allocation on size classes (Linux
 * mm/slab_common.c and the kmalloc parts of mm/slub.c).
 *
 * Entry points: kmalloc(), kzalloc(), kmalloc_array(), krealloc(), ksize(),
 * kfree(), kmalloc_check().
 *
 * Two profiles.  The default is Linux today: kmalloc-8 ... kmalloc-8k plus
 * kmalloc-96 and kmalloc-192, in four types - normal, reclaimable
 * (kmalloc-rcl-*), DMA (dma-kmalloc-*) and accounted (kmalloc-cg-*) - and
 * requests above 8 KiB served by whole pages up to 4 MiB.  The classic
 * profile is 2.6's: size-32 ... size-131072 and their size-N(DMA) twins,
 * with nothing above 128 KiB.
 *
 * Picking the class is a table look-up, as in Linux: sizes up to 192 index
 * size_index[(size - 1) / 8] (the classes there are not all powers of two),
 * larger ones are powers of two and index by fls(size - 1).
 */
#include <stdio.h>
#include <string.h>
#include "internal.h"

static const unsigned int default_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192
};
static const unsigned int classic_sizes[] = {
	32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072
};

static unsigned int fls_ul(unsigned long x)
{
	return x ? 64 - (unsigned int)__builtin_clzl(x) : 0;
}

/* Linux's kmalloc_type(): DMA wins, then reclaimable, then accounted. */
static inline enum kmalloc_cache_type kmalloc_type(const struct kmalloc_state *k, gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT))))
		return KMALLOC_NORMAL;
	if (gfp & __GFP_DMA)
		return KMALLOC_DMA;
	if (k->nr_types == 2)		/* classic: no rcl or cg caches */
		return KMALLOC_NORMAL;
	return (gfp & __GFP_RECLAIMABLE) ? KMALLOC_RECLAIM : KMALLOC_CGROUP;
}

static inline unsigned int kmalloc_index(const struct kmalloc_state *k, size_t size)
{
	if (size <= 192)
		return k->size_index[(size - 1) / 8];
	return k->shift_index[fls_ul(size - 1)];
}

/* The caches' names, per profile, type and class (index into the size
 * table): Linux's "kmalloc-%u" / "kmalloc-%uk" for the default profile,
 * "size-%u" / "size-%u(DMA)" for the classic one.  Spelled out rather than
 * snprintf'd at every boot (52 names per machine; a fuzzer boots one per
 * input); the classic profile has no rcl or cg caches. */
#define DEFAULT_NAMES(p) {						\
	p "8", p "16", p "32", p "64", p "96", p "128", p "192", p "256",	\
	p "512", p "1k", p "2k", p "4k", p "8k" }
#define CLASSIC_NAMES(sfx) {						\
	"size-32" sfx, "size-64" sfx, "size-128" sfx, "size-192" sfx,	\
	"size-256" sfx, "size-512" sfx, "size-1024" sfx, "size-2048" sfx,	\
	"size-4096" sfx, "size-8192" sfx, "size-16384" sfx, "size-32768" sfx,	\
	"size-65536" sfx, "size-131072" sfx }
static const char *const default_names[NR_KMALLOC_TYPES][ARRAY_SIZE(default_sizes)] = {
	[KMALLOC_NORMAL] = DEFAULT_NAMES("kmalloc-"),
	[KMALLOC_RECLAIM] = DEFAULT_NAMES("kmalloc-rcl-"),
	[KMALLOC_DMA] = DEFAULT_NAMES("dma-kmalloc-"),
	[KMALLOC_CGROUP] = DEFAULT_NAMES("kmalloc-cg-"),
};
static const char *const classic_names[NR_KMALLOC_TYPES][ARRAY_SIZE(classic_sizes)] = {
	[KMALLOC_NORMAL] = CLASSIC_NAMES(""),
	[KMALLOC_DMA] = CLASSIC_NAMES("(DMA)"),
};
_Static_assert(ARRAY_SIZE(default_sizes) == 13 && ARRAY_SIZE(classic_sizes) == 14,
	       "the name tables spell out every size class");

int kmalloc_init(struct machine *m)
{
	struct kmalloc_state *k = &m->kmalloc;
	const unsigned int *sizes;
	static const enum kmalloc_cache_type classic_types[] = { KMALLOC_NORMAL, KMALLOC_DMA };
	static const enum kmalloc_cache_type default_types[] = {
		KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA, KMALLOC_CGROUP
	};
	const enum kmalloc_cache_type *types;

	if (m->cfg.profile == KMALLOC_PROFILE_CLASSIC) {
		sizes = classic_sizes;
		k->nr_sizes = ARRAY_SIZE(classic_sizes);
		types = classic_types;
		k->nr_types = 2;
		k->max_size = 131072;
	} else {
		sizes = default_sizes;
		k->nr_sizes = ARRAY_SIZE(default_sizes);
		types = default_types;
		k->nr_types = 4;
		k->max_size = KMALLOC_MAX_SIZE;
	}
	memcpy(k->sizes, sizes, k->nr_sizes * sizeof(sizes[0]));
	k->max_cache_size = sizes[k->nr_sizes - 1];
	if (k->max_size > PAGE_SIZE << m->cfg.max_order && k->max_size > k->max_cache_size)
		k->max_size = PAGE_SIZE << m->cfg.max_order;

	/* The class tables: smallest class that fits (the sizes ascend, so
	 * each search goes on from the last). */
	for (unsigned int j = 0, i = 0; j < ARRAY_SIZE(k->size_index); j++) {
		while (sizes[i] < 8 * (j + 1))
			i++;
		k->size_index[j] = (unsigned char)i;
	}
	for (unsigned int shift = 8, i = 0; shift < ARRAY_SIZE(k->shift_index); shift++) {
		while (i < k->nr_sizes - 1 && sizes[i] < (1u << shift))
			i++;
		k->shift_index[shift] = (unsigned char)i;
	}

	/* Linux creates the two odd sizes first, then the powers of two,
	 * type by type: /proc/slabinfo, newest first, ends in kmalloc-96. */
	{
		unsigned int order[KMALLOC_MAX_CACHES], n = 0;
		struct slub_geometry g[KMALLOC_MAX_CACHES];
		slab_flags_t gflags[KMALLOC_MAX_CACHES];
		size_t stride = kmem_cache_bytes(m);
		const char *const (*names)[ARRAY_SIZE(default_sizes)] = default_names;
		char *block;

		for (unsigned int i = 0; i < k->nr_sizes; i++)
			if (sizes[i] & (sizes[i] - 1))
				order[n++] = i;
		for (unsigned int i = 0; i < k->nr_sizes; i++)
			if (!(sizes[i] & (sizes[i] - 1)))
				order[n++] = i;
		/* The geometry does not depend on the type (its flags only
		 * pick the zone and the accounting): one per size, refused
		 * as kmem_cache_create() would refuse the first cache. */
		for (unsigned int j = 0; j < n; j++) {
			unsigned int i = order[j], size = sizes[i];
			const char *name = m->cfg.profile == KMALLOC_PROFILE_CLASSIC ?
					   classic_names[types[0]][i] : default_names[types[0]][i];

			gflags[i] = SLAB_KMALLOC;
			/* Power-of-two sizes are naturally aligned. */
			if (__kmem_cache_geometry(m, name, size, (size & (size - 1)) ? 0 : size, &gflags[i], 0, &g[i]))
				return -KERR_NOMEM;
		}
		/* Every cache in one host block (an arena keeps it between
		 * machines): one allocation instead of 52 at each boot. */
		block = machine_kmalloc_block(m, (size_t)k->nr_types * n * stride);
		if (!block) {
			kalloc_report(m, KERR_NOMEM, "kmem_cache_create(%s): no host memory for the cache",
				      m->cfg.profile == KMALLOC_PROFILE_CLASSIC ? classic_names[types[0]][order[0]] :
				      names[types[0]][order[0]]);
			return -KERR_NOMEM;
		}
		for (unsigned int t = 0; t < k->nr_types; t++) {
			enum kmalloc_cache_type type = types[t];

			for (unsigned int j = 0; j < n; j++, block += stride) {
				unsigned int i = order[j];
				slab_flags_t flags = gflags[i];
				struct kmem_cache *s = (struct kmem_cache *)block;
				const char *name = m->cfg.profile == KMALLOC_PROFILE_CLASSIC ?
						   classic_names[type][i] : default_names[type][i];

				if (type == KMALLOC_DMA)
					flags |= SLAB_CACHE_DMA;
				if (type == KMALLOC_RECLAIM)
					flags |= SLAB_RECLAIM_ACCOUNT;
				if (type == KMALLOC_CGROUP)
					flags |= SLAB_ACCOUNT;
				__kmem_cache_init(m, s, name, &g[i], flags, NULL);
				s->in_block = true;
				k->caches[type][i] = s;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Allocation
 */
static void *kmalloc_large(struct machine *m, size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct page *page;
	void *p;

	page = alloc_pages(m, gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	page_set_owner(m, page, PAGE_OWNER_LARGE_KMALLOC);
	m->kmalloc.large_allocs++;
	p = page_address(m, page);
	kasan_poison(p, PAGE_SIZE << order);
	kasan_unpoison(p, size);
	return p;
}

struct kmem_cache *kmalloc_slab(struct machine *m, size_t size, gfp_t gfp)
{
	const struct kmalloc_state *k = &m->kmalloc;

	if (size == 0 || size > k->max_cache_size)
		return NULL;
	return k->caches[kmalloc_type(k, gfp)][kmalloc_index(k, size)];
}

void *kmalloc(struct machine *m, size_t size, gfp_t gfp)
{
	struct kmalloc_state *k = &m->kmalloc;
	struct kmem_cache *s;
	void *p;

	if (likely(size && size <= k->max_cache_size)) {
		s = k->caches[kmalloc_type(k, gfp)][kmalloc_index(k, size)];
		p = __kmem_cache_alloc(s, gfp, (unsigned int)size, "kmalloc");
		if (likely(p) && size < s->object_size) {
			/* ASan sees exactly the bytes asked for. */
			kasan_poison(p, s->object_size);
			kasan_unpoison(p, size);
		}
		return p;
	}
	if (size == 0)
		return ZERO_SIZE_PTR;
	if (size > k->max_size) {
		/* Linux warns from the page allocator's order check, which
		 * __GFP_NOWARN silences. */
		if (!(gfp & __GFP_NOWARN))
			kalloc_report(m, KERR_TOO_BIG, "kmalloc: %zu bytes is above the %zu-byte limit",
				      size, k->max_size);
		return NULL;
	}
	return kmalloc_large(m, size, gfp);
}

void *kzalloc(struct machine *m, size_t size, gfp_t gfp)
{
	return kmalloc(m, size, gfp | __GFP_ZERO);
}

void *kmalloc_array(struct machine *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		if (!(gfp & __GFP_NOWARN))
			kalloc_report(m, KERR_OVERFLOW, "kmalloc_array: %zu * %zu overflows", n, size);
		return NULL;
	}
	return kmalloc(m, bytes, gfp);
}

void *kcalloc(struct machine *m, size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(m, n, size, gfp | __GFP_ZERO);
}

/* ------------------------------------------------------------------------
 * Looking a pointer up: a live slab object, or the head of a large
 * kmalloc.  Returns its usable size, or 0 after reporting as @who.
 */
static size_t kmalloc_usable(struct machine *m, const void *p, const char *who, int *err)
{
	struct kmem_cache *s;
	struct page *page;
	int code = __kmem_cache_object(m, p, &s);

	*err = 0;
	if (code == 0)
		return s->object_size;
	if (s) {
		*err = code;
		kalloc_report(m, -code, "%s: %p in a slab of %s is %s", who, p, s->name,
			      code == -KERR_DOUBLE_FREE ? "already free" : "not the start of an object");
		return 0;
	}
	page = addr_to_page(m, p);
	if (!page) {
		*err = -KERR_BAD_ADDRESS;
		kalloc_report(m, KERR_BAD_ADDRESS, "%s: %p is outside memory", who, p);
		return 0;
	}
	page = compound_head(page);
	if (PageLargeKmalloc(page) && page_address(m, page) == p)
		return PAGE_SIZE << page->order;
	if (PageLargeKmalloc(page)) {
		*err = -KERR_NOT_HEAD;
		kalloc_report(m, KERR_NOT_HEAD, "%s: %p is inside the large kmalloc at %p", who, p,
			      page_address(m, page));
	} else if (page->flags & (PG_head | PG_tail)) {
		*err = -KERR_WRONG_OWNER;
		kalloc_report(m, KERR_WRONG_OWNER, "%s: %p is in pages from alloc_pages, not kmalloc", who, p);
	} else {
		*err = -KERR_DOUBLE_FREE;
		kalloc_report(m, KERR_DOUBLE_FREE, "%s: %p is in a free page", who, p);
	}
	return 0;
}

size_t ksize(struct machine *m, const void *p)
{
	size_t size;
	int err;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	size = kmalloc_usable(m, p, "ksize", &err);
	/* As in Linux, the caller may use all of ksize() from now on: no
	 * kmalloc red zone any more (skip_orig_size_check()). */
	if (size) {
		struct kmem_cache *s = virt_to_cache(m, p);

		if (s && kmem_cache_debug(s))
			slub_debug_set_orig_size(s, (void *)p, s->object_size);
		kasan_unpoison(p, size);
	}
	return size;
}

int kfree(struct machine *m, const void *p)
{
	struct page *page;
	int err;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return 0;
	page = addr_to_page(m, p);
	if (likely(page)) {
		page = compound_head(page);
		if (likely(PageSlab(page)))
			return __kmem_cache_free(page->slab_cache, (void *)p, "kfree");
		if (PageLargeKmalloc(page) && page_address(m, page) == p) {
			unsigned int order = page->order;

			page_set_owner(m, page, PAGE_OWNER_PAGES);
			m->kmalloc.large_allocs--;
			return __free_pages(m, page, order);
		}
	}
	kmalloc_usable(m, p, "kfree", &err);
	return err;
}

void *krealloc(struct machine *m, const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks;
	void *ret;
	int err;

	if (ZERO_OR_NULL_PTR(p))
		return kmalloc(m, new_size, gfp);
	ks = kmalloc_usable(m, p, "krealloc", &err);
	if (!ks)
		return NULL;
	if (new_size == 0) {
		kfree(m, p);
		return ZERO_SIZE_PTR;
	}
	if (new_size <= ks) {
		/* In place: only what ASan may touch changes, and the kmalloc
		 * red zone moves to the new request. */
		struct kmem_cache *s = virt_to_cache(m, p);

		if (s && kmem_cache_debug(s))
			slub_debug_set_orig_size(s, (void *)p, (unsigned int)new_size);
		kasan_poison(p, ks);
		kasan_unpoison(p, new_size);
		return (void *)p;
	}
	ret = kmalloc(m, new_size, gfp);
	if (!ret)
		return NULL;
	kasan_unpoison(p, ks);
	memcpy(ret, p, ks);
	kfree(m, p);
	return ret;
}

size_t kmalloc_size_roundup(struct machine *m, size_t size)
{
	const struct kmalloc_state *k = &m->kmalloc;

	if (size == 0 || size > k->max_size)
		return 0;
	if (size <= k->max_cache_size)
		return k->caches[KMALLOC_NORMAL][kmalloc_index(k, size)]->object_size;
	return PAGE_SIZE << get_order(size);
}

size_t kmalloc_max_cache_size(const struct machine *m) { return m->kmalloc.max_cache_size; }
size_t kmalloc_max_size(const struct machine *m) { return m->kmalloc.max_size; }

void kmalloc_stats(const struct machine *m, struct kmalloc_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->large_allocs = m->kmalloc.large_allocs;
	out->large_pages = m->phys.owner_pages[PAGE_OWNER_LARGE_KMALLOC];
	out->nr_caches = m->kmalloc.nr_types * m->kmalloc.nr_sizes;
}

/* ------------------------------------------------------------------------
 * kmalloc_check(): the caches are there and of their class's size, the
 * class tables pick the smallest class that fits, and the large
 * allocations marked in the page array match the counters.
 */
static int kmalloc_check_tables(struct machine *m, struct kalloc_check *out)
{
	const struct kmalloc_state *k = &m->kmalloc;
	static const enum kmalloc_cache_type classic_types[] = { KMALLOC_NORMAL, KMALLOC_DMA };

	for (unsigned int t = 0; t < k->nr_types; t++) {
		enum kmalloc_cache_type type = k->nr_types == 2 ? classic_types[t] : (enum kmalloc_cache_type)t;

		for (unsigned int i = 0; i < k->nr_sizes; i++) {
			const struct kmem_cache *s = k->caches[type][i];

			if (!s || s->object_size != k->sizes[i] ||
			    (s->flags & (SLAB_KMALLOC | SLAB_CACHE_DMA)) !=
			    (SLAB_KMALLOC | (type == KMALLOC_DMA ? SLAB_CACHE_DMA : 0)))
				return kalloc_fail(out, INV_KMALLOC_CACHE, "type %u class %u (%u bytes): cache %s of %u bytes",
						   type, i, k->sizes[i], kmem_cache_name(s), s ? s->object_size : 0);
		}
	}
	for (unsigned int j = 0; j < ARRAY_SIZE(k->size_index); j++) {
		unsigned int size = 8 * (j + 1), i = k->size_index[j];

		if (i >= k->nr_sizes || k->sizes[i] < size || (i && k->sizes[i - 1] >= size))
			return kalloc_fail(out, INV_KMALLOC_INDEX, "size %u maps to class %u", size, i);
	}
	for (unsigned int shift = 8; shift < ARRAY_SIZE(k->shift_index); shift++) {
		unsigned long size = 1UL << shift;
		unsigned int i = k->shift_index[shift];

		if (size > k->max_cache_size)
			break;
		if (i >= k->nr_sizes || k->sizes[i] < size || (i && k->sizes[i - 1] >= size))
			return kalloc_fail(out, INV_KMALLOC_INDEX, "size %lu maps to class %u", size, i);
	}
	return 0;
}

int kmalloc_check(struct machine *m, struct kalloc_check *out)
{
	const struct kmalloc_state *k = &m->kmalloc;
	unsigned long heads = 0, pages = 0, pfn, n;
	struct page *page;
	int code = kmalloc_check_tables(m, out);

	if (code)
		return code;
	for_each_block(m, pfn, page, n) {
		if ((page->flags & PG_head) && PageLargeKmalloc(page)) {
			heads++;
			pages += n;
		}
	}
	if (heads != k->large_allocs || pages != m->phys.owner_pages[PAGE_OWNER_LARGE_KMALLOC])
		return kalloc_fail(out, INV_KMALLOC_LARGE, "%lu large kmallocs in %lu pages, counters say %lu in %lu",
				   heads, pages, k->large_allocs, m->phys.owner_pages[PAGE_OWNER_LARGE_KMALLOC]);
	return 0;
}

/* machine_check()'s quick path (internal.h): the tables, and the census's
 * large heads and pages for kmalloc_check's walk. */
bool kmalloc_check_quick(struct machine *m, const struct page_census *c, bool all)
{
	return (!all || !kmalloc_check_tables(m, NULL)) && c->large_heads == m->kmalloc.large_allocs &&
	       c->owners[PAGE_OWNER_LARGE_KMALLOC] == m->phys.owner_pages[PAGE_OWNER_LARGE_KMALLOC];
}
