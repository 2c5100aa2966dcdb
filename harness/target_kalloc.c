/* target_kalloc.c - kalloc as an allocator target (target.h): every layer,
 * misuse reported and survived, zones, and the conformance oracle on top
 * (TCAP_KALLOC: kalloc_oracle.c drives the machine through kalloc.h itself;
 * this table serves the neutral oracle and any other user of the interface).
 *
 * The instance is the struct machine.  Every program boots into the same
 * arena, sized for the largest header (8192 frames): machine_destroy() hands
 * it back clean, so a boot costs no mmap, no page faults and, under ASan, no
 * poisoning of all of memory.  The arena lives as long as the process, one
 * machine at a time.
 */
#include <limits.h>
#include <stdio.h>
#include "kalloc.h"
#include "ops.h"
#include "target.h"
#include "kalloc_oracle.h"

static struct kalloc_arena *boot_arena(void)
{
	static struct kalloc_arena *arena;

	if (!arena)
		arena = kalloc_arena_create(8192);
	return arena;
}

struct machine *kalloc_target_machine(void *a)
{
	return a;
}

static void *k_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct machine_config cfg;
	struct machine *m;

	hdr_config(hdr, &cfg);
	m = machine_create_in(boot_arena(), &cfg);
	if (!m)
		snprintf(err, errlen, "machine_create() refused the header's configuration");
	return m;
}

static void k_close(void *a) { machine_destroy(a); }

static void k_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	const struct machine_config *cfg = machine_config(a);

	*lo = (uintptr_t)machine_base(a);
	*hi = *lo + (cfg->nr_pages << PAGE_SHIFT);
}

static int k_is_dma(void *a, const void *p, size_t len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)machine_base(a);

	return (off + len - 1) >> PAGE_SHIFT < machine_config(a)->dma_pages;
}

static void *k_alloc_pages(void *a, unsigned int flags, unsigned int order)
{
	return (void *)__get_free_pages(a, gfp_of_bits(flags), order);
}

static int k_free_pages(void *a, void *p, unsigned int order)
{
	return free_pages(a, (unsigned long)p, order);
}

slab_flags_t kalloc_slab_flags(unsigned int cf)
{
	slab_flags_t flags = 0;

	if (cf & TCACHE_HWCACHE)
		flags |= SLAB_HWCACHE_ALIGN;
	if (cf & TCACHE_POISON)
		flags |= SLAB_POISON;
	if (cf & TCACHE_DMA)
		flags |= SLAB_CACHE_DMA;
	if (cf & TCACHE_RCU)
		flags |= SLAB_TYPESAFE_BY_RCU;
	if (cf & TCACHE_RED_ZONE)
		flags |= SLAB_RED_ZONE;
	if (cf & TCACHE_STORE_USER)
		flags |= SLAB_STORE_USER;
	if (cf & TCACHE_CHECKS)
		flags |= SLAB_CONSISTENCY_CHECKS;
	return flags;
}

/* The API's size is an unsigned int: larger SIZEs pass UINT_MAX (OPS.md). */
static void *k_cache_create(void *a, const char *name, size_t size, unsigned int align,
			    unsigned int cf, void (*ctor)(void *))
{
	return kmem_cache_create(a, name, size > UINT_MAX ? UINT_MAX : (unsigned int)size, align,
				 kalloc_slab_flags(cf), ctor);
}

static void *k_cache_alloc(void *a, void *c, unsigned int flags)
{
	(void)a;
	return kmem_cache_alloc(c, gfp_of_bits(flags));
}

static int k_cache_free(void *a, void *c, void *obj) { (void)a; return kmem_cache_free(c, obj); }
static unsigned long k_cache_shrink(void *a, void *c) { (void)a; return kmem_cache_shrink(c); }
static int k_cache_destroy(void *a, void *c) { (void)a; return kmem_cache_destroy(c); }
static void *k_kmalloc(void *a, size_t size, unsigned int flags) { return kmalloc(a, size, gfp_of_bits(flags)); }
static int k_kfree(void *a, const void *p) { return kfree(a, p); }
static size_t k_ksize(void *a, const void *p) { return ksize(a, p); }

static void *k_krealloc(void *a, const void *p, size_t size, unsigned int flags)
{
	return krealloc(a, p, size, gfp_of_bits(flags));
}

#define KALLOC_TABLE(VAR, NAME, CAPS, WHAT)							\
	const struct alloc_target VAR = {						\
		.name = NAME, .what = WHAT, .caps = CAPS,	\
		.open = k_open, .close = k_close, .bounds = k_bounds,			\
		.alloc_pages = k_alloc_pages, .free_pages = k_free_pages, .is_dma = k_is_dma,	\
		.cache_create = k_cache_create, .cache_alloc = k_cache_alloc,		\
		.cache_free = k_cache_free, .cache_shrink = k_cache_shrink,		\
		.cache_destroy = k_cache_destroy,					\
		.kmalloc = k_kmalloc, .krealloc = k_krealloc, .kfree = k_kfree, .ksize = k_ksize,	\
	}

#define KALLOC_CAPS (TCAP_PAGES | TCAP_CACHES | TCAP_KMALLOC | TCAP_ZONES | TCAP_REPORTS_MISUSE)

/* kalloc with the full conformance oracle: what every fuzz target runs. */
KALLOC_TABLE(alloc_target_kalloc, "kalloc", KALLOC_CAPS | TCAP_KALLOC,
	     "kalloc: buddy, SLUB caches, kmalloc (full conformance oracle)");
/* The same library through the neutral oracle alone, as the harness sees a
 * user's kernel-style allocator: proves the neutral page, cache and kmalloc
 * paths on a real allocator (ALLOC=kalloc-neutral). */
KALLOC_TABLE(alloc_target_kalloc_neutral, "kalloc-neutral", KALLOC_CAPS,
	     "kalloc through the allocator-neutral oracle only");
