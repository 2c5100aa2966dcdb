/* machine.c - the simulated machine: boot, teardown, the error sink, the
 * whole-machine check.
 *
 * Boot follows Linux's order: map physical memory (a memfd mapped at the
 * direct map, aligned so that a block of the largest order is naturally
 * aligned in the host's address space too; physmem.c), lay out the zones and
 * their struct pages, free
 * every frame to the buddy allocator (memblock_free_all), then bring up the
 * slab allocator and the kmalloc caches (kmem_cache_init), and reserve the
 * VMALLOC range (vmalloc_init).
 */
#define _GNU_SOURCE	/* strchrnul */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

_Static_assert(sizeof(struct page) <= 64, "struct page must fit Linux's 64 bytes");
_Static_assert(offsetof(struct kmem_cache, tag) == 0, "slab_cache_tagged asks ASan about the first word only");

struct kalloc_arena {
	struct host_allocs host;
	unsigned long max_pages;
	struct phys_memory mem;		/* memfd, direct map, windows: kept */
	struct page *pages;		/* max_pages, zero between machines but for their zone */
	unsigned long zone_dma, zone_end;	/* [0, zone_end) zoned: ZONE_NORMAL from zone_dma */
	uint64_t *objmap;		/* all zero between machines */
	struct page_census *chunk_census;	/* machine_check_changed()'s, for max_pages */
	void *kmalloc_block;			/* kmalloc's caches: KMALLOC_BLOCK_MAX bytes */
	struct machine *user;		/* the machine booted in it */
};

static const char *const error_names[] = {
#define X(code, text) #code,
	KALLOC_ERRORS(X)
#undef X
};
static const char *const error_texts[] = {
#define X(code, text) text,
	KALLOC_ERRORS(X)
#undef X
};
static const char *const invariant_names[] = {
#define X(code, text) #code,
	KALLOC_INVARIANTS(X)
#undef X
};
static const char *const invariant_texts[] = {
#define X(code, text) text,
	KALLOC_INVARIANTS(X)
#undef X
};

const char *kalloc_error_name(int code)
{
	return code >= 0 && code < NR_KALLOC_ERRORS ? error_names[code] : "?";
}
const char *kalloc_error_text(int code)
{
	return code >= 0 && code < NR_KALLOC_ERRORS ? error_texts[code] : "?";
}
const char *kalloc_invariant_name(int code)
{
	return code >= 0 && code < NR_KALLOC_INVARIANTS ? invariant_names[code] : "?";
}
const char *kalloc_invariant_text(int code)
{
	return code >= 0 && code < NR_KALLOC_INVARIANTS ? invariant_texts[code] : "?";
}

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_pages = 65536;
	cfg->dma_pages = 4096;
	cfg->nr_cpus = 4;
	cfg->max_order = MAX_PAGE_ORDER;
	cfg->profile = KMALLOC_PROFILE_DEFAULT;
}

/* Largest machine we agree to simulate: MACHINE_MAX_PAGES (internal.h). */

static const char *config_problem(const struct machine_config *c)
{
	if (c->nr_pages == 0 || c->nr_pages > MACHINE_MAX_PAGES)
		return "nr_pages must be 1..4194304";
	if (c->dma_pages > c->nr_pages)
		return "dma_pages exceeds nr_pages";
	if (c->nr_cpus == 0 || c->nr_cpus > MAX_NR_CPUS)
		return "nr_cpus must be 1..64";
	if (c->max_order > MAX_PAGE_ORDER)
		return "max_order must be 0..10";
	if ((unsigned)c->profile >= NR_KMALLOC_PROFILES)
		return "unknown kmalloc profile";
	if (c->slub_debug & ~MACHINE_SLUB_ALL)
		return "unknown slub_debug bits";
	if (c->kernel_version >= NR_KERNEL_VERSIONS)
		return "unknown kernel_version";
	/* The largest general cache needs its slab order: kmalloc-8k an
	 * order-1 block at least, size-131072 an order-5 one; more with
	 * slub_debug (poison moves the free pointer after the object: one
	 * order more; a red zone in front of a naturally aligned object is as
	 * large as the object: kmalloc-8k then needs order 3). */
	{
		unsigned int largest = c->profile == KMALLOC_PROFILE_CLASSIC ? 131072 : 8192;
		struct slub_geometry g;

		if (slub_geometry_linux(largest, largest, SLAB_KMALLOC | slub_debug_machine_flags(c->slub_debug),
					0, c->nr_cpus, c->kernel_version, &g) || g.min_order > c->max_order)
			return "max_order too small for the kmalloc profile";
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Host memory: every allocation is counted, and the Nth can be made to fail
 * (SQLite's OOM testing: fail each one in turn and see the caller recover).
 */
static bool host_should_fail(struct host_allocs *h)
{
	h->calls++;
	return should_fail_nth(&h->fail_skip, &h->fail_times);
}

void *kalloc_host_calloc(struct host_allocs *h, size_t n, size_t size)
{
	void *p;

	if (unlikely(host_should_fail(h)))
		return NULL;
	p = calloc(n, size);
	if (p)
		h->live++;
	return p;
}

void kalloc_host_free(struct host_allocs *h, void *p)
{
	if (!p)
		return;
	h->live--;
	free(p);
}

void machine_inject_host_failures(struct machine *m, unsigned long skip, unsigned long times)
{
	m->host.fail_skip = times ? skip : 0;
	m->host.fail_times = times;
}
unsigned long machine_host_allocs(const struct machine *m) { return m->host.calls; }
unsigned long machine_host_live(const struct machine *m) { return m->host.live; }

/* Physical memory (the memfd and its direct map) is a host allocation like
 * the others: counted, and it can be made to fail. */
static int memory_create(struct host_allocs *h, struct phys_memory *pm, unsigned long nr_pages)
{
	if (host_should_fail(h) || physmem_memory_create(pm, h, nr_pages))
		return -KERR_NOMEM;
	h->live++;
	return 0;
}

static void memory_destroy(struct host_allocs *h, struct phys_memory *pm)
{
	if (!pm->base)
		return;
	physmem_memory_destroy(pm);
	h->live--;
}

/* The slab layer's live-object map: 1 bit per 8 bytes of memory. */
static size_t objmap_bytes(unsigned long nr_pages)
{
	return (nr_pages << PAGE_SHIFT) / 64;
}

static void arena_zones(struct kalloc_arena *a, unsigned long dma, unsigned long nr);

static struct machine *machine_boot(const struct machine_config *cfg, struct kalloc_arena *arena)
{
	struct machine_config def;
	struct host_allocs host = { 0 };
	const char *why;
	struct machine *m;
	size_t words;

	if (!cfg) {
		machine_config_default(&def);
		cfg = &def;
	}
	why = config_problem(cfg);
	if (why) {
		fprintf(stderr, "kalloc: machine_create: %s\n", why);
		return NULL;
	}
	host.fail_skip = cfg->host_fail_times ? cfg->host_fail_skip : 0;
	host.fail_times = cfg->host_fail_times;
	/* The chunk marks sized to the machine: a fuzzer allocates one
	 * struct machine per input; the chunks' census too when no arena
	 * keeps one. */
	words = check_mark_words(cfg->nr_pages);
	m = kalloc_host_calloc(&host, 1, sizeof(*m) + 3 * words * sizeof(uint64_t) +
				     (arena ? 0 : check_chunks(cfg->nr_pages) * sizeof(struct page_census)));
	if (!m)
		goto nomem;
	m->check_dirty = m->marks;
	m->boot_dirty = m->marks + words;
	m->census_stored = m->marks + 2 * words;
	m->chunk_census = arena ? arena->chunk_census : (struct page_census *)(m->marks + 3 * words);
	m->host = host;
	m->cfg = *cfg;
	m->nr_pages = cfg->nr_pages;
	m->slab.objmap_bytes = objmap_bytes(m->nr_pages);
	if (arena) {
		m->arena = arena;
		m->phys.mem = &arena->mem;
		m->pages = arena->pages;
		m->slab.objmap = arena->objmap;
		arena->user = m;
		arena_zones(arena, cfg->dma_pages, cfg->nr_pages);
		m->pages_zoned = true;
	} else {
		m->phys.mem = &m->own_mem;
		if (memory_create(&m->host, &m->own_mem, m->nr_pages)) {
			m->phys.mem = NULL;
			goto fail;
		}
		m->pages = kalloc_host_calloc(&m->host, m->nr_pages, sizeof(struct page));
		if (!m->pages)
			goto fail;
		m->slab.objmap = kalloc_host_calloc(&m->host, 1, m->slab.objmap_bytes);
		if (!m->slab.objmap)
			goto fail;
	}
	m->base = m->phys.mem->base;
	physmem_init(m);
	if (buddy_init(m) || slab_init(m) || kmalloc_init(m) || vmalloc_init(m))
		goto fail;
	/* buddy_init() left the census of the booted state, and what boot
	 * did after it (caches made, nothing allocated) is marked. */
	m->census_valid = true;
	m->booted = true;
	return m;
fail:
	machine_destroy(m);
nomem:
	if (!cfg->quiet)
		fprintf(stderr, "kalloc: machine_create: out of host memory\n");
	return NULL;
}

struct machine *machine_create(const struct machine_config *cfg)
{
	return machine_boot(cfg, NULL);
}

struct machine *machine_create_in(struct kalloc_arena *a, const struct machine_config *cfg)
{
	unsigned long pages = cfg ? cfg->nr_pages : 65536;

	if (!a || a->user || pages > a->max_pages) {
		fprintf(stderr, "kalloc: machine_create_in: arena %s\n",
			!a ? "missing" : a->user ? "in use" : "too small");
		return NULL;
	}
	return machine_boot(cfg, a);
}

/* The most machine_kmalloc_block() is asked for: every type and class at
 * MAX_NR_CPUS. */
#define KMALLOC_BLOCK_MAX	(NR_KMALLOC_TYPES * KMALLOC_MAX_CACHES * \
				 ALIGN(sizeof(struct kmem_cache) + MAX_NR_CPUS * sizeof(struct kmem_cache_node_cpu), 64))

void *machine_kmalloc_block(struct machine *m, size_t bytes)
{
	if (m->arena) {
		if (bytes > KMALLOC_BLOCK_MAX)
			return NULL;
		m->kmalloc_block = m->arena->kmalloc_block;
		memset(m->kmalloc_block, 0, bytes);
	} else {
		m->kmalloc_block = kalloc_host_calloc(&m->host, 1, bytes);
		m->kmalloc_block_own = true;
	}
	return m->kmalloc_block;
}

/* Zones for pages [lo, hi) under a ZONE_NORMAL of [dma, nr) (dma <= nr):
 * three runs of one zone each, one byte store a frame (the ZONE_DMA runs
 * left out when @dma_is_zero: zeroed pages have it). */
static void pages_set_zones(struct page *pages, unsigned long lo, unsigned long hi, unsigned long dma,
			    unsigned long nr, bool dma_is_zero)
{
	const unsigned long cut[4] = { lo, dma > lo ? (dma < hi ? dma : hi) : lo, nr > lo ? (nr < hi ? nr : hi) : lo, hi };

	for (int r = 0; r < 3; r++) {
		uint8_t zone = r == 1 ? ZONE_NORMAL : ZONE_DMA;

		if (zone == ZONE_DMA && dma_is_zero)
			continue;
#pragma GCC unroll 8
		for (unsigned long pfn = cut[r]; pfn < cut[r + 1]; pfn++)
			pages[pfn].zone = zone;
	}
}

/* Only the frames of [0, @nr) whose zone differs from the last layout's
 * are written: those between the old and the new DMA bound, and those past
 * the old end.  The frames past a machine's end are not its own, and keep
 * whatever zone they had (a->zone_end bounds what the arena vouches for):
 * a smaller machine after a bigger one writes nothing there. */
static void arena_zones(struct kalloc_arena *a, unsigned long dma, unsigned long nr)
{
	unsigned long lo = dma < a->zone_dma ? dma : a->zone_dma, hi = dma < a->zone_dma ? a->zone_dma : dma;
	unsigned long known = a->zone_end < nr ? a->zone_end : nr;

	pages_set_zones(a->pages, lo < known ? lo : known, hi < known ? hi : known, dma, nr, false);
	if (nr > a->zone_end)
		pages_set_zones(a->pages, a->zone_end, nr, dma, nr, false);
	a->zone_dma = dma;
	a->zone_end = nr;
}

/* Hand an arena back clean: poison what is still allocated (free blocks
 * are poisoned already), clear the live-object map under every slab, and
 * reset the struct pages of every chunk the machine changed (check_mark
 * since boot, and every chunk of a block still allocated: its tails were
 * written without a mark) to zero but for their zone.  O(blocks) plus the
 * chunks the machine used. */
static void arena_scrub(struct machine *m)
{
	unsigned long pfn, n, nr_chunks = (m->nr_pages + CHECK_CHUNK_PAGES - 1) >> CHECK_CHUNK_SHIFT;
	struct page *page;

	for_each_block(m, pfn, page, n) {
		if (page->flags & PG_head) {
			kasan_poison(pfn_address(m, pfn), n << PAGE_SHIFT);
			if (PageSlab(page))
				memset(&m->slab.objmap[(pfn << PAGE_SHIFT) / 512], 0, (n << PAGE_SHIFT) / 64);
			for (unsigned long i = 0; i < n; i += CHECK_CHUNK_PAGES)
				check_mark(m, pfn + i);
		}
	}
	for (unsigned long w = 0; w < (nr_chunks + 63) / 64; w++)
		for (uint64_t bits = m->boot_dirty[w]; bits; bits &= bits - 1) {
			unsigned long first = (w * 64 + (unsigned long)__builtin_ctzll(bits)) << CHECK_CHUNK_SHIFT;
			unsigned long last = first + CHECK_CHUNK_PAGES < m->nr_pages ? first + CHECK_CHUNK_PAGES : m->nr_pages;

			memset(&m->pages[first], 0, (last - first) * sizeof(struct page));
			/* Zeroed: ZONE_DMA (0) already. */
			pages_set_zones(m->pages, first, last, m->arena->zone_dma, m->arena->zone_end, true);
		}
	m->arena->user = NULL;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	vmalloc_exit(m);
	slab_exit(m);
	physmem_exit(m);
	kalloc_host_free(&m->host, m->callers);
	if (m->kmalloc_block_own)
		kalloc_host_free(&m->host, m->kmalloc_block);
	if (m->arena) {
		arena_scrub(m);
	} else {
		memory_destroy(&m->host, &m->own_mem);
		kalloc_host_free(&m->host, m->pages);
		kalloc_host_free(&m->host, m->slab.objmap);
	}
	kalloc_host_free(&m->host, m);
}

struct kalloc_arena *kalloc_arena_create(unsigned long max_pages)
{
	struct host_allocs host = { 0 };
	struct kalloc_arena *a;

	if (max_pages == 0 || max_pages > MACHINE_MAX_PAGES)
		return NULL;
	a = kalloc_host_calloc(&host, 1, sizeof(*a));
	if (!a)
		return NULL;
	a->host = host;
	a->max_pages = max_pages;
	if (memory_create(&a->host, &a->mem, max_pages))
		goto fail;
	a->pages = kalloc_host_calloc(&a->host, max_pages, sizeof(struct page));
	a->objmap = kalloc_host_calloc(&a->host, 1, objmap_bytes(max_pages));
	a->chunk_census = kalloc_host_calloc(&a->host, (max_pages + CHECK_CHUNK_PAGES - 1) >> CHECK_CHUNK_SHIFT,
					     sizeof(struct page_census));
	a->kmalloc_block = kalloc_host_calloc(&a->host, 1, KMALLOC_BLOCK_MAX);
	if (!a->pages || !a->objmap || !a->chunk_census || !a->kmalloc_block)
		goto fail;
	return a;
fail:
	kalloc_arena_destroy(a);
	return NULL;
}

void kalloc_arena_destroy(struct kalloc_arena *a)
{
	if (!a)
		return;
	if (a->user)
		machine_destroy(a->user);
	memory_destroy(&a->host, &a->mem);
	kalloc_host_free(&a->host, a->pages);
	kalloc_host_free(&a->host, a->objmap);
	kalloc_host_free(&a->host, a->chunk_census);
	kalloc_host_free(&a->host, a->kmalloc_block);
	kalloc_host_free(&a->host, a);
}

const struct machine_config *machine_config(const struct machine *m) { return &m->cfg; }
void *machine_base(const struct machine *m) { return m->base; }
unsigned long machine_nr_pages(const struct machine *m) { return m->nr_pages; }
unsigned int machine_cpu(const struct machine *m) { return m->cpu; }

int machine_set_cpu(struct machine *m, unsigned int cpu)
{
	if (cpu >= m->cfg.nr_cpus)
		return kalloc_report(m, KERR_INVAL, "machine_set_cpu: CPU %u of %u",
				     cpu, m->cfg.nr_cpus);
	m->cpu = cpu;
	return 0;
}

int machine_slub_debug_parse(const char *letters, unsigned int *bits)
{
	unsigned int b = 0;

	*bits = 0;
	if (!letters)
		return -KERR_INVAL;
	if (!strcmp(letters, "-"))
		return 0;
	for (const char *p = letters; *p; p++) {
		switch (*p) {
		case 'f': case 'F': b |= MACHINE_SLUB_CONSISTENCY; break;
		case 'z': case 'Z': b |= MACHINE_SLUB_RED_ZONE; break;
		case 'p': case 'P': b |= MACHINE_SLUB_POISON; break;
		case 'u': case 'U': b |= MACHINE_SLUB_STORE_USER; break;
		default: return -KERR_INVAL;
		}
	}
	*bits = b;
	return 0;
}

void machine_slub_debug_letters(unsigned int bits, char out[8])
{
	char *p = out;

	if (bits & MACHINE_SLUB_CONSISTENCY)
		*p++ = 'F';
	if (bits & MACHINE_SLUB_RED_ZONE)
		*p++ = 'Z';
	if (bits & MACHINE_SLUB_POISON)
		*p++ = 'P';
	if (bits & MACHINE_SLUB_STORE_USER)
		*p++ = 'U';
	if (p == out)
		*p++ = '-';
	*p = '\0';
}

#define MACHINE_MAX_CALLERS 64

int machine_set_caller(struct machine *m, const char *site)
{
	unsigned int i;

	if (!site) {
		m->caller = 0;
		return 0;
	}
	if (!site[0] || strlen(site) >= sizeof(m->callers[0]))
		return kalloc_report(m, KERR_INVAL, "machine_set_caller: a name of 1..%zu characters",
				     sizeof(m->callers[0]) - 1);
	for (i = 1; i < m->nr_callers; i++)
		if (!strcmp(m->callers[i], site)) {
			m->caller = i;
			return 0;
		}
	if (!m->callers) {
		m->callers = kalloc_host_calloc(&m->host, MACHINE_MAX_CALLERS, sizeof(m->callers[0]));
		if (!m->callers)
			return -KERR_NOMEM;
		m->nr_callers = 1;
	}
	if (m->nr_callers == MACHINE_MAX_CALLERS)
		return kalloc_report(m, KERR_INVAL, "machine_set_caller: more than %d call sites",
				     MACHINE_MAX_CALLERS - 1);
	strcpy(m->callers[m->nr_callers], site);
	m->caller = m->nr_callers++;
	return 0;
}

static bool in_memory(const struct machine *m, const void *addr, size_t len)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)m->base, size = (uintptr_t)m->nr_pages << PAGE_SHIFT;

	return off < size && len <= size - off;
}

/* Copy whatever ASan thinks of the bytes, leaving its view as it was: with
 * ASan, by accesses it does not instrument (no shadow to ask or change,
 * where opening and closing every 8-byte granule asked the shadow for each
 * byte); volatile, so that the loops stay loops and do not become a memcpy
 * call, which ASan would check.  Eight bytes at a time once @src is
 * aligned (a slub_debug report peeks whole objects for its hex dump). */
typedef uint64_t __attribute__((aligned(1), may_alias)) unaligned_u64;
#ifdef KALLOC_ASAN
__attribute__((no_sanitize_address, noinline))
#endif
static void copy_unchecked(void *dst, const void *src, size_t len)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *p = src;
	size_t i = 0;

	for (; i < len && ((uintptr_t)(p + i) & 7); i++)
		d[i] = p[i];
	for (; i + 8 <= len; i += 8)
		*(volatile unaligned_u64 *)(d + i) = *(const volatile uint64_t *)(p + i);
	for (; i < len; i++)
		d[i] = p[i];
}

int machine_poke(struct machine *m, void *addr, const void *src, size_t len)
{
	if (!in_memory(m, addr, len))
		return kalloc_report(m, KERR_BAD_ADDRESS, "machine_poke: %p+%zu is outside memory", addr, len);
	copy_unchecked(addr, src, len);
	/* A slab's objects changed under it: machine_check_changed() must
	 * walk its cache again (a scribbled free object fails its poison). */
	for (uintptr_t pg = (uintptr_t)addr & PAGE_MASK; pg < (uintptr_t)addr + len; pg += PAGE_SIZE) {
		struct page *head = addr_to_page(m, (void *)pg);
		uintptr_t off = (uintptr_t)head->head - (uintptr_t)m->pages;

		/* Whatever the struct pages say (a test may have broken them). */
		if ((head->flags & PG_tail) && off < m->nr_pages * sizeof(struct page) && !(off % sizeof(struct page)))
			head = head->head;
		if (head->flags == PG_head && PageSlab(head) && slab_cache_live(head->slab_cache))
			head->slab_cache->check_dirty = true;
	}
	return 0;
}

int machine_peek(const struct machine *m, const void *addr, void *dst, size_t len)
{
	if (!in_memory(m, addr, len))
		return -KERR_BAD_ADDRESS;
	copy_unchecked(dst, addr, len);
	return 0;
}

/* kalloc_vsnprintf()'s output: @size bytes at @buf, NUL-terminated; @len
 * counts what the whole text needs, as vsnprintf does. */
struct fmt_out {
	char *buf;
	size_t size, len;
};

static inline void fmt_put(struct fmt_out *o, const char *p, size_t n)
{
	if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;

		memcpy(o->buf + o->len, p, n < room ? n : room);
	}
	o->len += n;
}

static void fmt_pad(struct fmt_out *o, char c, int n)
{
	static const char spaces[] = "                ", zeros[] = "0000000000000000";

	for (; n > 0; n -= 16)
		fmt_put(o, c == ' ' ? spaces : zeros, n < 16 ? (size_t)n : 16);
}

/* A conversion: @pre (a sign or "0x") and @body, in @width as printf's
 * flags say: left-aligned, zero-padded after @pre, or right-aligned. */
static void fmt_field(struct fmt_out *o, const char *pre, size_t pl, const char *body, size_t bl, int width,
		      bool left, bool zero)
{
	int pad = width - (int)(pl + bl);

	if (pad > 0 && !left && !zero)
		fmt_pad(o, ' ', pad);
	fmt_put(o, pre, pl);
	if (pad > 0 && !left && zero)
		fmt_pad(o, '0', pad);
	fmt_put(o, body, bl);
	if (pad > 0 && left)
		fmt_pad(o, ' ', pad);
}

int kalloc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	static const char hex[] = "0123456789abcdef";
	struct fmt_out o = { buf, size, 0 };
	const char *q = fmt;
	va_list again;

	va_copy(again, ap);
	for (;;) {
		const char *lit = q, *pre = "", *body;
		char num[24], *e = num + sizeof(num), *s = e;
		bool left = false, zero = false, alt = false, wide = false;
		int width = 0;
		size_t pl = 0, bl;

		q = strchrnul(q, '%');
		fmt_put(&o, lit, (size_t)(q - lit));
		if (!*q)
			break;
		for (q++;; q++) {
			if (*q == '-')
				left = true;
			else if (*q == '0')
				zero = true;
			else if (*q == '#')
				alt = true;
			else
				break;
		}
		for (; *q >= '0' && *q <= '9' && width < 1000; q++)
			width = width * 10 + (*q - '0');
		if (*q == 'z' || *q == 'l') {		/* size_t, long and long long: 64 bits */
			wide = true;
			if (*q++ == 'l' && *q == 'l')
				q++;
		}
		if (width >= 1000 || (alt && (width || *q != 'x')))
			goto fallback;
		switch (*q) {
		case 'd':
		case 'i': {
			long v = wide ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

			s = text_decimal(e, u);
			if (v < 0)
				pre = "-", pl = 1;
			break;
		}
		case 'u': {
			unsigned long u = wide ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);

			s = text_decimal(e, u);
			break;
		}
		case 'x': {
			unsigned long u = wide ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);

			if (alt && u)
				pre = "0x", pl = 2;
			do
				*--s = hex[u & 15];
			while (u >>= 4);
			break;
		}
		case 'p': {
			unsigned long u = (unsigned long)(uintptr_t)va_arg(ap, void *);

			if (width || left || zero || wide)
				goto fallback;
			if (!u) {
				fmt_put(&o, "(nil)", 5);
				q++;
				continue;
			}
			pre = "0x", pl = 2;
			do
				*--s = hex[u & 15];
			while (u >>= 4);
			break;
		}
		case 's':
			if (zero || wide)
				goto fallback;
			body = va_arg(ap, const char *);
			if (!body)
				body = "(null)";
			fmt_field(&o, "", 0, body, strlen(body), width, left, false);
			q++;
			continue;
		case 'c':
			if (zero || wide)
				goto fallback;
			num[0] = (char)va_arg(ap, int);
			fmt_field(&o, "", 0, num, 1, width, left, false);
			q++;
			continue;
		case '%':
			if (left || zero || width || wide)
				goto fallback;
			fmt_put(&o, "%", 1);
			q++;
			continue;
		default:
			goto fallback;
		}
		bl = (size_t)(e - s);
		fmt_field(&o, pre, pl, s, bl, width, left, zero);
		q++;
	}
	va_end(again);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;

fallback: {
	int n = vsnprintf(buf, size, fmt, again);

	va_end(again);
	return n;
}
}

int kalloc_report(struct machine *m, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kalloc_vsnprintf(m->last_report, sizeof(m->last_report), fmt, ap);
	va_end(ap);
	if (code > 0 && code < NR_KALLOC_ERRORS)
		m->errors[code]++;
	m->errors_total++;
	m->last_error = code;
	if (!m->cfg.quiet)
		fprintf(stderr, "kalloc: %s: %s\n", kalloc_error_name(code), m->last_report);
	if (m->report_fn)
		m->report_fn(m->report_ctx, code, m->last_report);
	return -code;
}

int kalloc_fail(struct kalloc_check *out, int code, const char *fmt, ...)
{
	va_list ap;

	if (out) {
		int n;
		out->code = code;
		n = snprintf(out->msg, sizeof(out->msg), "%s: ", kalloc_invariant_name(code));
		va_start(ap, fmt);
		vsnprintf(out->msg + n, sizeof(out->msg) - n, fmt, ap);
		va_end(ap);
	}
	return code;
}

unsigned long machine_errors(const struct machine *m, enum kalloc_error code)
{
	return (unsigned)code < NR_KALLOC_ERRORS ? m->errors[code] : 0;
}
unsigned long machine_errors_total(const struct machine *m) { return m->errors_total; }
int machine_last_error(const struct machine *m) { return m->last_error; }
const char *machine_last_report(const struct machine *m) { return m->last_report; }

void machine_clear_errors(struct machine *m)
{
	memset(m->errors, 0, sizeof(m->errors));
	m->errors_total = 0;
	m->last_error = KERR_NONE;
	m->last_report[0] = '\0';
}

void machine_set_report(struct machine *m, machine_report_fn fn, void *ctx)
{
	m->report_fn = fn;
	m->report_ctx = ctx;
}

/* The layers' complete checks, in order: the diagnosis. */
int machine_check_complete(struct machine *m, struct kalloc_check *out)
{
	int code = physmem_check(m, out);

	if (!code)
		code = buddy_check(m, out);
	if (!code)
		code = slab_check(m, out);
	if (!code)
		code = kmalloc_check(m, out);
	if (!code)
		code = vmalloc_check(m, out);
	return code;
}

/* The quick checks over @c, all of them or (@all false) only those a
 * change since the last check can have broken. */
static int quick_checks(struct machine *m, const struct page_census *c, bool all)
{
	return !physmem_check_quick(m, c, all) || !buddy_check_quick(m, c, all) || !slab_check_quick(m, c, all) ||
	       !kmalloc_check_quick(m, c, all);
}

int machine_check_quick(struct machine *m)
{
	struct page_census c;

	return buddy_census(m, &c, NULL, NULL) || quick_checks(m, &c, true);
}

static void check_begin(struct kalloc_check *out)
{
	if (out) {
		out->code = INV_OK;
		out->msg[0] = '\0';
	}
}

/* The quick path failed: the complete checks name the violation (or find
 * none: the quick path is stricter in places), and the next
 * machine_check_changed() starts from a complete walk. */
static int check_slow_path(struct machine *m, struct kalloc_check *out)
{
	m->check_slow++;
	m->census_valid = false;
	return machine_check_complete(m, out);
}

/* Linux's page_expected_state() / page_bad_reason() split: the quick
 * checks (internal.h) say whether anything is wrong in one walk over the
 * frames; only then do the layers' checks say what, with their own codes
 * and messages.  vmalloc_check() comes last either way.  It also resets
 * what machine_check_changed() compares against: the marks, and (once that
 * has been used) the census of every chunk. */
int machine_check(struct machine *m, struct kalloc_check *out)
{
	check_begin(out);
	memset(m->check_dirty, 0, check_mark_words(m->nr_pages) * sizeof(uint64_t));
	if (buddy_census(m, &m->census, m->chunk_census, m->census_stored) || quick_checks(m, &m->census, true))
		return check_slow_path(m, out);
	m->census_valid = true;
	return vmalloc_check(m, out);
}

int machine_check_changed(struct machine *m, struct kalloc_check *out)
{
	check_begin(out);
	if (!m->census_valid)
		return machine_check(m, out);
	m->check_changed++;
	if (buddy_census_changed(m, &m->census, m->chunk_census) || quick_checks(m, &m->census, false))
		return check_slow_path(m, out);
	return vmalloc_check(m, out);
}

void kalloc_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "kalloc: BUG at %s:%d: %s\n", file, line, what);
	abort();
}

void kalloc_debug_check(struct machine *m, int (*check)(struct machine *, struct kalloc_check *),
			const char *where)
{
	struct kalloc_check ck;

	if (check(m, &ck)) {
		fprintf(stderr, "kalloc: BUG: after %s: %s\n", where, ck.msg);
		abort();
	}
}

/* Append @n bytes, keeping the text NUL-terminated within size. */
void seq_put_bytes(struct seq_buf *s, const char *p, size_t n)
{
	if (s->len < s->size) {
		size_t room = s->size - s->len - 1;
		size_t k = n < room ? n : room;

		memcpy(s->buf + s->len, p, k);
		s->buf[s->len + k] = '\0';
	}
	s->len += n;
}

void seq_put_ulong(struct seq_buf *s, unsigned long v, int width)
{
	char text[48], *p = text + sizeof(text);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (p > text && text + sizeof(text) - p < width)
		*--p = ' ';
	seq_put_bytes(s, p, (size_t)(text + sizeof(text) - p));
}

void seq_put_str(struct seq_buf *s, const char *str, int width)
{
	static const char spaces[] = "                                ";
	size_t n = strlen(str);

	seq_put_bytes(s, str, n);
	while ((int)n < width) {
		size_t pad = (size_t)width - n < sizeof(spaces) - 1 ? (size_t)width - n : sizeof(spaces) - 1;
		seq_put_bytes(s, spaces, pad);
		n += pad;
	}
}

void seq_printf(struct seq_buf *s, const char *fmt, ...)
{
	va_list ap;
	size_t room = s->len < s->size ? s->size - s->len : 0;
	int n;

	va_start(ap, fmt);
	n = kalloc_vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
}
