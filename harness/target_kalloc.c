/* target_kalloc.c - kalloc as an allocator target (target.h): every layer,
 * misuse reported and survived, zones, and the conformance oracle on top
 * (TCAP_KALLOC: kalloc_oracle.c drives the machine through kalloc.h itself;
 * this table serves the neutral oracle and any other user of the interface).
 *
 * The vmalloc interface (TCAP_VMALLOC) is there when the library has
 * alloc/vmalloc.h, the process (TCAP_MM) when it has alloc/mm.h: one
 * process per machine, created at its first process op and destroyed by
 * mm_exit or at close.
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

/* ---- the process (alloc/mm.h) -------------------------------------------- */
#ifdef KALLOC_MM_H
#define KALLOC_HAS_MM 1
/* The process of each open machine (one machine at a time in practice;
 * a few for safety).  Harness state, not the library's. */
static struct { struct machine *m; struct mm_struct *mm; } procs[4];

static struct mm_struct **k_mm_slot(void *a)
{
	for (unsigned int i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].m == a)
			return &procs[i].mm;
	for (unsigned int i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (!procs[i].m) {
			procs[i].m = a;
			return &procs[i].mm;
		}
	return NULL;
}

/* The machine's process, made on first use; NULL (reported) when it
 * cannot be. */
static struct mm_struct *k_mm(void *a)
{
	struct mm_struct **mm = k_mm_slot(a);

	if (mm && !*mm) {
		/* The data limit is the model's (target.h): the commit limit.
		 * The smallest address space holds it many times over, and a
		 * window is poisoned whole when reserved: 1 GiB of it cost
		 * 9/10 of a fuzz_heap run under ASan (54 exec/s). */
		struct mm_config cfg = { .span = MM_SPAN_MIN, .commit_pages = MM_DATA_LIMIT_PAGES };

		*mm = mm_create(a, &cfg);
	}
	return mm ? *mm : NULL;
}

static int k_mm_exit(void *a)
{
	struct mm_struct **mm = k_mm_slot(a);

	if (mm && *mm) {
		mm_destroy(*mm);
		*mm = NULL;
	}
	return 0;
}

static void k_mm_forget(void *a)
{
	k_mm_exit(a);
	for (unsigned int i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].m == a)
			procs[i].m = NULL;
}

static uintptr_t k_brk_start(void *a) { return k_mm(a) ? mm_start_brk(k_mm(a)) : 0; }
static int k_brk(void *a, uintptr_t addr) { return k_mm(a) ? mm_brk(k_mm(a), addr) : -KERR_NOMEM; }

static void *k_mmap(void *a, size_t len)
{
	unsigned long addr = 0;

	return k_mm(a) && !mm_mmap(k_mm(a), len, &addr) ? (void *)addr : NULL;
}

static int k_munmap(void *a, void *p, size_t len)
{
	return k_mm(a) ? mm_munmap(k_mm(a), (unsigned long)p, len) : -KERR_NOMEM;
}

static int k_mm_write(void *a, uintptr_t addr, const void *buf, size_t len)
{
	return k_mm(a) ? mm_write(k_mm(a), addr, buf, len) : -KERR_NOMEM;
}

static int k_mm_read(void *a, uintptr_t addr, void *buf, size_t len)
{
	return k_mm(a) ? mm_read(k_mm(a), addr, buf, len) : -KERR_NOMEM;
}

static unsigned long k_rss(void *a)
{
	struct mm_stats st;

	if (!k_mm(a))
		return 0;
	mm_stats(k_mm(a), &st);
	return st.rss;
}
#else
#define KALLOC_HAS_MM 0
static void k_mm_forget(void *a) { (void)a; }
#endif

/* ---- vmalloc (alloc/vmalloc.h) ---------------------------------------------- */
#ifdef KALLOC_VMALLOC_H
#define KALLOC_HAS_VMALLOC 1
static void *k_vmalloc(void *a, size_t size, int zero) { return zero ? vzalloc(a, size) : vmalloc(a, size); }
static int k_vfree(void *a, const void *p) { return vfree(a, p); }
static void *k_kvmalloc(void *a, size_t size, unsigned int flags) { return kvmalloc(a, size, gfp_of_bits(flags)); }
static int k_kvfree(void *a, const void *p) { return kvfree(a, p); }
static int k_is_vmalloc(void *a, const void *p) { return is_vmalloc_addr(a, p); }
static int k_touch(void *a, const void *p) { return vmalloc_touch(a, p, 0); }
static int k_vmallocinfo(void *a, char *buf, size_t len) { return proc_vmallocinfo(a, buf, len); }

static void *k_vmalloc_alias(void *a, const void *p)
{
	struct page *pg = vmalloc_to_page(a, p);

	return pg ? (unsigned char *)page_address(a, pg) + ((uintptr_t)p & (PAGE_SIZE - 1)) : NULL;
}
#else
#define KALLOC_HAS_VMALLOC 0
#endif

/* What backs @addr: a vmalloc page, or a page of the process (its PTE). */
static int k_frame_of(void *a, uintptr_t addr, unsigned long *pfn)
{
#if KALLOC_HAS_VMALLOC
	if (is_vmalloc_addr(a, (const void *)addr)) {
		*pfn = vmalloc_to_pfn(a, (const void *)addr);
		return *pfn == ~0UL ? -1 : 1;
	}
#endif
#if KALLOC_HAS_MM
	if (k_mm(a)) {
		uint64_t pte = mm_pte(k_mm(a), addr);

		if (!(pte & _PAGE_PRESENT))
			return -1;
		*pfn = (unsigned long)((pte & PTE_PFN_MASK) >> PAGE_SHIFT);
		return *pfn == mm_zero_pfn(k_mm(a)) ? 0 : 1;
	}
#endif
	(void)a; (void)addr; (void)pfn;
	return -1;
}

static void k_close(void *a)
{
	k_mm_forget(a);
	machine_destroy(a);
}

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
		.frame_of = k_frame_of, KALLOC_VM_FNS KALLOC_MM_FNS				\
	}

#if KALLOC_HAS_VMALLOC
#define KALLOC_VM_FNS .vmalloc = k_vmalloc, .vfree = k_vfree, .kvmalloc = k_kvmalloc, .kvfree = k_kvfree,	\
	.is_vmalloc = k_is_vmalloc, .vmalloc_alias = k_vmalloc_alias, .touch = k_touch,			\
	.vmallocinfo = k_vmallocinfo,
#define KALLOC_VM_CAPS TCAP_VMALLOC
#else
#define KALLOC_VM_FNS
#define KALLOC_VM_CAPS 0
#endif
#if KALLOC_HAS_MM
#define KALLOC_MM_FNS .brk_start = k_brk_start, .brk = k_brk, .mmap = k_mmap, .munmap = k_munmap,	\
	.mm_write = k_mm_write, .mm_read = k_mm_read, .rss_pages = k_rss, .mm_exit = k_mm_exit,
#define KALLOC_MM_CAPS TCAP_MM
#else
#define KALLOC_MM_FNS
#define KALLOC_MM_CAPS 0
#endif

#define KALLOC_CAPS (TCAP_PAGES | TCAP_CACHES | TCAP_KMALLOC | TCAP_ZONES | TCAP_REPORTS_MISUSE | \
		     KALLOC_VM_CAPS | KALLOC_MM_CAPS)

/* kalloc with the full conformance oracle: what every fuzz target runs. */
KALLOC_TABLE(alloc_target_kalloc, "kalloc", KALLOC_CAPS | TCAP_KALLOC,
	     "kalloc: buddy, SLUB caches, kmalloc (full conformance oracle)");
/* The same library through the neutral oracle alone, as the harness sees a
 * user's kernel-style allocator: proves the neutral page, cache and kmalloc
 * paths on a real allocator (ALLOC=kalloc-neutral). */
KALLOC_TABLE(alloc_target_kalloc_neutral, "kalloc-neutral", KALLOC_CAPS,
	     "kalloc through the allocator-neutral oracle only");
