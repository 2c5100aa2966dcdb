/* model.c - the reference model behind every fuzz target and `kfz run`.
 *
 * model_run() boots the machine a program's header describes, executes its
 * ops through the public API and, after each one, compares what came back
 * with the model's own bookkeeping.  The model never reads the allocator's
 * structures: it knows the kmalloc class lists of both profiles, SLUB's
 * alignment rule and get_order(), and it remembers every block it was given.
 *
 * Cost.  Per op it checks only what the op could have broken plus cheap
 * global counters: the new block against every live block (at most 32),
 * the page and kmalloc counters, the touched cache's object count, the
 * error sink, and the first and last 16 bytes of every patterned block.
 * The O(pages) machine_check, every cache's counters and every byte of every
 * pattern are checked every K ops (MODEL_CHECK_EVERY), on check(), and at
 * the end.  That keeps a 64-op input well under a millisecond while a bug
 * that corrupts something the per-op checks miss is still caught within K
 * ops, at the latest by the final teardown.
 *
 * Violations unwind with longjmp to model_run(), which destroys the machine
 * and returns the report: the caller decides to trap (fuzzers) or print.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/* In ASan builds the model also checks the allocator's poisoning: ASan can
 * only report an overflow inside the simulation if the bytes past a request
 * and freed memory are poisoned.  The query functions exist only there. */
#if defined(__SANITIZE_ADDRESS__)
#define MODEL_KASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODEL_KASAN 1
#endif
#endif
#ifdef MODEL_KASAN
#include <sanitizer/asan_interface.h>
#endif

enum blk_kind { B_EMPTY, B_KMALLOC, B_ZERO, B_PAGE, B_ADDR, B_OBJ };
enum kmalloc_type { KT_NORMAL, KT_RECLAIM, KT_DMA, KT_CGROUP, NR_KT };

struct blk {
	int kind;
	unsigned char *p;
	struct page *pg;	/* B_PAGE: what alloc_pages returned */
	size_t req;		/* requested bytes (pages: the whole block) */
	size_t span;		/* bytes owned: class size, object size or block */
	unsigned int order;	/* page blocks and large kmallocs */
	int large;		/* kmalloc served by pages */
	int kt, kcls;		/* kmalloc type and class index */
	int cache;		/* B_OBJ: c-slot */
	uint32_t id;		/* pattern seed (never 0: 0 means "zeroes") */
	size_t pat;		/* length the pattern was written for, 0 if none */
	size_t pat_end;		/* check only below this (a krealloc may shrink) */
};

struct mcache {
	struct kmem_cache *s;
	size_t size;
	unsigned int align;	/* promised alignment, computed by the model */
	unsigned int cflags;
	unsigned long live;
	unsigned long ctor_calls, num_objs;	/* as of the last ctor_check() */
};

struct model {
	struct machine *m;
	const struct prog *prog;
	const struct run_opts *o;
	struct violation *v;
	jmp_buf fail;
	struct machine_config cfg;
	unsigned char *base;
	size_t mem;
	int cur;		/* op index being checked */
	const uint8_t *rec;	/* its record (NULL at boot and teardown) */
	uint8_t eff[OPS_REC];	/* the record as the target reads it */
	char res[512];		/* its result, for the trace */
	unsigned long errs_before;
	int line_open;		/* the trace line of the current op awaits its result */
	int want_err;		/* expected error code of this op (0: none) */

	struct blk b[NR_PSLOTS];
	struct mcache c[NR_CSLOTS];

	/* kmalloc, as the model understands it */
	unsigned int nk, ntypes;
	size_t ksz[KMALLOC_MAX_CACHES];
	size_t max_cache, max_size;
	struct kmem_cache *kc[NR_KT][KMALLOC_MAX_CACHES];
	unsigned long klive[NR_KT][KMALLOC_MAX_CACHES];
	unsigned long page_pages, large_pages, large_allocs;
	uint32_t next_id;

	unsigned long ctor_runs_seen;	/* ctor_runs at the last ctor_check() */
	struct zone_stats boot_zone[MAX_NR_ZONES];
	int zone_ok[MAX_NR_ZONES];
};

static const size_t default_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192
};
static const size_t classic_classes[] = {
	32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072
};

/* ---- reporting ---------------------------------------------------------- */
static void viol(struct model *md, const char *what, const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void viol(struct model *md, const char *what, const char *expected, const char *fmt, ...)
{
	struct violation *v = md->v;
	va_list ap;

	memset(v, 0, sizeof(*v));
	v->op = md->cur;
	if (md->rec)
		op_format(md->rec, v->op_text, sizeof(v->op_text));
	else
		snprintf(v->op_text, sizeof(v->op_text), "%s", md->cur < 0 ? "<boot>" : "<end of input>");
	snprintf(v->what, sizeof(v->what), "%s", what);
	snprintf(v->expected, sizeof(v->expected), "%s", expected);
	va_start(ap, fmt);
	vsnprintf(v->found, sizeof(v->found), fmt, ap);
	va_end(ap);
	longjmp(md->fail, 1);
}

void violation_print(const struct violation *v, FILE *out)
{
	fprintf(out, "KALLOC VIOLATION at op %d `%s`: %s\n  expected: %s\n  found:    %s\n",
		v->op, v->op_text, v->what, v->expected, v->found);
}

void violation_key(const struct violation *v, char *buf, size_t len)
{
	size_t n = strcspn(v->op_text, "(");
	const char *eq = memchr(v->op_text, '=', n);
	const char *name = eq ? eq + 2 : v->op_text;

	snprintf(buf, len, "%s/%.*s", v->what, (int)(v->op_text + n - name), name);
}

static void result(struct model *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(struct model *md, const char *fmt, ...)
{
	va_list ap;

	if (!md->o->trace && !md->o->digest)
		return;
	va_start(ap, fmt);
	vsnprintf(md->res, sizeof(md->res), fmt, ap);
	va_end(ap);
}

/* "pfn 12+0x40 Normal": where a pointer is, stable from run to run. */
static const char *where(struct model *md, const void *p, char *buf, size_t len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)md->base;

	if (p == ZERO_SIZE_PTR)
		snprintf(buf, len, "ZERO_SIZE_PTR");
	else if (!p)
		snprintf(buf, len, "NULL");
	else if (off >= md->mem)
		snprintf(buf, len, "%p (outside memory)", p);
	else
		snprintf(buf, len, "pfn %lu+%#lx %s", (unsigned long)(off >> PAGE_SHIFT),
			 (unsigned long)(off & (PAGE_SIZE - 1)),
			 (off >> PAGE_SHIFT) < md->cfg.dma_pages ? "DMA" : "Normal");
	return buf;
}

/* ---- patterns -----------------------------------------------------------
 * A block's pattern is a function of its id and the byte offset.  Blocks up
 * to PAT_DENSE bytes carry it in full; larger ones (page blocks, large
 * kmallocs: up to 4 MiB) in "pieces" - the first PAT_PIECE bytes of every
 * 4 KiB and the last PAT_PIECE bytes - because filling and re-reading
 * megabytes per op cost more than everything else together, while a
 * corruption by the allocator (a free-list link, a split or merge writing
 * into a live page) lands at a page start or spans pages.  The pieces are
 * computed from the length at write time (pat) and checked below pat_end,
 * which a shrinking krealloc lowers.  Comparisons are word loops, not
 * memcmp: libc's memcmp is intercepted and traced under libFuzzer.
 */
#define PAT_DENSE	4096
#define CTOR_BYTE	0xc7	/* what the harness's constructor writes at offset 0 */
#define PAT_PIECE	64

static uint64_t pat_word(uint32_t id, size_t k)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL + (uint64_t)k * 0xbf58476d1ce4e5b9ULL;

	return x ^ (x >> 29);
}

static unsigned char pat_byte(uint32_t id, size_t i)
{
	return (unsigned char)(pat_word(id, i / 8) >> (8 * (i & 7)));
}

/* Fill (@fill) or find the first byte in [from, to) that differs from the
 * pattern (@id) or from zero (@id == 0); (size_t)-1 if none. */
static size_t range_do(unsigned char *p, size_t from, size_t to, uint32_t id, int fill)
{
	size_t i = from;

	for (; i < to && (i & 7); i++) {
		unsigned char want = id ? pat_byte(id, i) : 0;
		if (fill)
			p[i] = want;
		else if (p[i] != want)
			return i;
	}
	for (; i + 8 <= to; i += 8) {
		uint64_t want = id ? pat_word(id, i / 8) : 0, got;

		if (fill) {
			memcpy(p + i, &want, 8);
		} else {
			memcpy(&got, p + i, 8);
			if (got != want)	/* little-endian: the lowest differing byte */
				return i + (size_t)__builtin_ctzll(got ^ want) / 8;
		}
	}
	for (; i < to; i++) {
		unsigned char want = id ? pat_byte(id, i) : 0;
		if (fill)
			p[i] = want;
		else if (p[i] != want)
			return i;
	}
	return (size_t)-1;
}

/* The same over the pieces of a @len-byte block, below @end. */
static size_t pieces_do(unsigned char *p, size_t len, size_t end, uint32_t id, int fill)
{
	size_t bad;

	if (end > len)
		end = len;
	if (len <= PAT_DENSE)
		return range_do(p, 0, end, id, fill);
	for (size_t off = 0; off < end; off += PAGE_SIZE) {
		bad = range_do(p, off, off + PAT_PIECE < end ? off + PAT_PIECE : end, id, fill);
		if (bad != (size_t)-1)
			return bad;
	}
	return len - PAT_PIECE < end ? range_do(p, len - PAT_PIECE, end, id, fill) : (size_t)-1;
}

static void pat_check(struct model *md, int slot, int full)
{
	struct blk *b = &md->b[slot];
	size_t bad;

	if (!b->pat)
		return;
	if (full || b->pat_end <= 32) {
		bad = pieces_do(b->p, b->pat, b->pat_end, b->id, 0);
	} else {
		bad = range_do(b->p, 0, 16, b->id, 0);
		if (bad == (size_t)-1 && b->pat_end == b->pat)
			bad = range_do(b->p, b->pat - 16, b->pat, b->id, 0);
	}
	if (bad != (size_t)-1)
		viol(md, "contents", "the pattern written earlier",
		     "p%d (%zu patterned bytes) differs at offset %zu: 0x%02x", slot, b->pat, bad, b->p[bad]);
}

/* __GFP_ZERO memory reads as zero (in pieces, for large blocks). */
static void zero_check(struct model *md, unsigned char *p, size_t len)
{
	size_t bad = pieces_do(p, len, len, 0, 0);

	if (bad != (size_t)-1)
		viol(md, "zeroing", "__GFP_ZERO memory to read as 0",
		     "byte %zu of %zu is 0x%02x", bad, len, p[bad]);
}

/* ---- the model's own arithmetic ----------------------------------------- */
static unsigned int model_get_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

static int is_pow2(size_t x) { return x && !(x & (x - 1)); }

/* SLUB's calculate_alignment(), as documented in slab.h. */
static unsigned int cache_align(size_t size, unsigned int align, unsigned int cflags)
{
	if (cflags & CFLAG_HWCACHE) {
		unsigned int ralign = L1_CACHE_BYTES;

		while (size <= ralign / 2)
			ralign /= 2;
		if (align < ralign)
			align = ralign;
	}
	if (align < 8)
		align = 8;
	return (align + 7) & ~7u;
}

static int kmalloc_type_of(struct model *md, unsigned int gbits)
{
	if (gbits & GFPB_DMA)
		return KT_DMA;
	if (md->ntypes == 2)
		return KT_NORMAL;
	if (gbits & GFPB_RECLAIM)
		return KT_RECLAIM;
	if (gbits & GFPB_ACCOUNT)
		return KT_CGROUP;
	return KT_NORMAL;
}

static int kmalloc_class_of(struct model *md, size_t size)
{
	for (unsigned int i = 0; i < md->nk; i++)
		if (md->ksz[i] >= size)
			return (int)i;
	return -1;
}

static void kmalloc_name(struct model *md, int type, size_t size, char *buf, size_t len)
{
	static const char *const prefix[NR_KT] = { "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-" };

	if (md->cfg.profile == KMALLOC_PROFILE_CLASSIC)
		snprintf(buf, len, "size-%zu%s", size, type == KT_DMA ? "(DMA)" : "");
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%s%zuk", prefix[type], size >> 10);
	else
		snprintf(buf, len, "%s%zu", prefix[type], size);
}

static int same_str(const char *a, const char *b)
{
	/* A plain loop: libc's strcmp is intercepted and traced under libFuzzer. */
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The general cache of @type and class @cls, found by the name the model
 * expects it to have (looked up on first use: a boot-time walk over every
 * class cost a tenth of each fuzz input). */
static struct kmem_cache *kmalloc_cache(struct model *md, int type, int cls)
{
	char name[40];

	if (md->kc[type][cls])
		return md->kc[type][cls];
	kmalloc_name(md, type, md->ksz[cls], name, sizeof(name));
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(md->m, s));)
		if (same_str(kmem_cache_name(s), name)) {
			md->kc[type][cls] = s;
			break;
		}
	if (!md->kc[type][cls] || kmem_cache_size(md->kc[type][cls]) != md->ksz[cls])
		viol(md, "kmalloc class", "a general cache of the class's name and size", "%s missing or of size %u",
		     name, md->kc[type][cls] ? kmem_cache_size(md->kc[type][cls]) : 0);
	return md->kc[type][cls];
}

/* Is there a free block of @order or larger in a zone the request may use?
 * If so, an allocation that needs one must not fail. */
static int block_available(struct model *md, int dma_only, unsigned int order)
{
	for (int z = dma_only ? ZONE_DMA : ZONE_NORMAL; z >= ZONE_DMA; z--) {
		struct zone_stats zs;

		if (buddy_zone_stats(md->m, (enum zone_type)z, &zs))
			continue;
		for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
			if (zs.nr_free[o])
				return 1;
	}
	return 0;
}

/* ---- snapshots: "nothing changed" --------------------------------------- */
struct snap {
	struct page_stats ps;
	struct zone_stats zs[MAX_NR_ZONES];
	unsigned long cache_slabs[NR_CSLOTS], cache_active[NR_CSLOTS];
};

static void snap_take(struct model *md, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	buddy_page_stats(md->m, &s->ps);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		buddy_zone_stats(md->m, (enum zone_type)z, &s->zs[z]);
	for (int c = 0; c < NR_CSLOTS; c++) {
		struct slab_stats st;

		if (!md->c[c].s)
			continue;
		kmem_cache_stats(md->c[c].s, &st);
		s->cache_slabs[c] = st.num_slabs;
		s->cache_active[c] = st.active_objs;
	}
}

/* Nothing changed since @a.  With @may_drain, per-CPU pages may have gone
 * back to the buddy free lists: an allocation that finds no block drains the
 * per-CPU lists and retries before it gives up, as Linux does; a failure
 * must change nothing else. */
static void snap_same(struct model *md, const struct snap *a, const char *why, int may_drain)
{
	struct snap b;
	int drained;

	snap_take(md, &b);
	drained = may_drain && b.ps.pcp < a->ps.pcp && b.ps.free + b.ps.pcp == a->ps.free + a->ps.pcp;
	if ((!drained && (a->ps.free != b.ps.free || a->ps.pcp != b.ps.pcp)) ||
	    a->ps.pages != b.ps.pages || a->ps.slab != b.ps.slab || a->ps.kmalloc_large != b.ps.kmalloc_large)
		viol(md, "trace", why,
		     "page stats free/pcp/pages/slab/large %lu/%lu/%lu/%lu/%lu -> %lu/%lu/%lu/%lu/%lu",
		     a->ps.free, a->ps.pcp, a->ps.pages, a->ps.slab, a->ps.kmalloc_large,
		     b.ps.free, b.ps.pcp, b.ps.pages, b.ps.slab, b.ps.kmalloc_large);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (a->zs[z].pcp_pages == b.zs[z].pcp_pages &&
		    memcmp(a->zs[z].nr_free, b.zs[z].nr_free, sizeof(a->zs[z].nr_free)))
			viol(md, "trace", why, "zone %d free lists changed", z);
	for (int c = 0; c < NR_CSLOTS; c++)
		if (a->cache_slabs[c] != b.cache_slabs[c] || a->cache_active[c] != b.cache_active[c])
			viol(md, "trace", why, "c%d slabs/active %lu/%lu -> %lu/%lu", c,
			     a->cache_slabs[c], a->cache_active[c], b.cache_slabs[c], b.cache_active[c]);
}

/* The buddy allocator's entry counters: a direct page request is one
 * alloc_pages() call, counted in failed_calls exactly when it returns NULL;
 * a page free is one free call.  (Requests made by the slab layer are not
 * predictable in number and are not checked.) */
#define ANY_CALLS ((unsigned long)-1)	/* frees not predictable (krealloc frees the old block) */
static void calls_check(struct model *md, const struct snap *a, unsigned long allocs,
			unsigned long fails, unsigned long frees)
{
	struct page_stats ps;

	buddy_page_stats(md->m, &ps);
	if (ps.alloc_calls - a->ps.alloc_calls != allocs || ps.failed_calls - a->ps.failed_calls != fails ||
	    (frees != ANY_CALLS && ps.free_calls - a->ps.free_calls != frees))
		viol(md, "stats", "alloc/failed/free call counters to count this op's page calls",
		     "+%lu/+%lu/+%lu, model +%lu/+%lu/+%lu", ps.alloc_calls - a->ps.alloc_calls,
		     ps.failed_calls - a->ps.failed_calls, ps.free_calls - a->ps.free_calls,
		     allocs, fails, frees);
}

/* ---- checks --------------------------------------------------------------- */
static void full_machine_check(struct model *md)
{
	struct kalloc_check ck;

	if (machine_check(md->m, &ck))
		viol(md, "machine_check", "machine_check() == 0", "%s: %s",
		     kalloc_invariant_name(ck.code), ck.msg);
}

static void cache_count_check(struct model *md, struct kmem_cache *s, unsigned long live, const char *name)
{
	struct slab_stats st;

	kmem_cache_stats(s, &st);
	if (st.active_objs != live)
		viol(md, "stats", "active_objs equal to the objects the model holds",
		     "%s: active_objs %lu, model %lu", name, st.active_objs, live);
}

static void counters_check(struct model *md)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	buddy_page_stats(md->m, &ps);
	if (ps.pages != md->page_pages || ps.kmalloc_large != md->large_pages)
		viol(md, "stats", "pages/kmalloc_large equal to the model's page blocks",
		     "pages %lu (model %lu), kmalloc_large %lu (model %lu)",
		     ps.pages, md->page_pages, ps.kmalloc_large, md->large_pages);
	if (ps.total != md->cfg.nr_pages ||
	    ps.free + ps.pcp + ps.pages + ps.slab + ps.kmalloc_large != ps.total)
		viol(md, "stats", "free + pcp + pages + slab + kmalloc_large == total frames",
		     "%lu + %lu + %lu + %lu + %lu vs %lu", ps.free, ps.pcp, ps.pages, ps.slab,
		     ps.kmalloc_large, ps.total);
	kmalloc_stats(md->m, &ks);
	if (ks.large_allocs != md->large_allocs || ks.large_pages != md->large_pages)
		viol(md, "stats", "kmalloc_stats equal to the model's large kmallocs",
		     "large_allocs %lu (model %lu), large_pages %lu (model %lu)",
		     ks.large_allocs, md->large_allocs, ks.large_pages, md->large_pages);
}

static void errors_check(struct model *md)
{
	unsigned long now = machine_errors_total(md->m);
	unsigned long want = md->want_err ? 1 : 0;

	if (now - md->errs_before != want)
		viol(md, "error sink", md->want_err ? kalloc_error_name(md->want_err) : "no report",
		     "%lu report(s), last %s: %s", now - md->errs_before,
		     kalloc_error_name(machine_last_error(md->m)), machine_last_report(md->m));
	if (want && machine_last_error(md->m) != md->want_err)
		viol(md, "error sink", kalloc_error_name(md->want_err), "%s: %s",
		     kalloc_error_name(machine_last_error(md->m)), machine_last_report(md->m));
}

/* Everything: run every K ops, on check(), and at the end (where the
 * machine_check is left to the very end, after everything is freed). */
static void sweep(struct model *md, int with_machine_check)
{
	struct page_stats ps;
	unsigned long slab_pages = 0;

	if (with_machine_check)
		full_machine_check(md);
	for (int t = 0; t < NR_KT; t++)
		for (unsigned int i = 0; i < md->nk; i++)
			if (md->kc[t][i])
				cache_count_check(md, md->kc[t][i], md->klive[t][i], "kmalloc class");
	for (int c = 0; c < NR_CSLOTS; c++)
		if (md->c[c].s)
			cache_count_check(md, md->c[c].s, md->c[c].live, "cache");
	for (int i = 0; i < NR_PSLOTS; i++)
		pat_check(md, i, 1);
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(md->m, s));) {
		struct slab_stats st;

		kmem_cache_stats(s, &st);
		slab_pages += st.pages;
	}
	buddy_page_stats(md->m, &ps);
	if (ps.slab != slab_pages)
		viol(md, "stats", "the slab layer's pages equal the sum over caches",
		     "page_stats.slab %lu, caches %lu", ps.slab, slab_pages);
}

/* ASan's view of a live block: its @req bytes addressable, the next 8-byte
 * granule poisoned if the block goes on (kmalloc unpoisons exactly the
 * request); of a freed block: its first byte poisoned. */
static void kasan_live_check(struct model *md, const unsigned char *p, size_t req, size_t span)
{
#ifdef MODEL_KASAN
	size_t next = (req + 7) & ~(size_t)7;
	void *bad = req ? __asan_region_is_poisoned((void *)p, req) : NULL;

	if (bad)
		viol(md, "kasan", "the requested bytes unpoisoned", "byte %zu of %zu poisoned",
		     (size_t)((unsigned char *)bad - p), req);
	if (next < span && !__asan_address_is_poisoned(p + next))
		viol(md, "kasan", "the bytes after the request poisoned", "byte %zu of a %zu-byte block addressable",
		     next, span);
#else
	(void)md; (void)p; (void)req; (void)span;
#endif
}

static void kasan_freed_check(struct model *md, const unsigned char *p)
{
#ifdef MODEL_KASAN
	if (!__asan_address_is_poisoned(p))
		viol(md, "kasan", "freed memory poisoned", "the block's first byte is addressable");
#else
	(void)md; (void)p;
#endif
}

/* A block just handed out: inside memory, in its zone, aligned, and on no
 * other live block of any layer. */
static void new_block_check(struct model *md, int slot, const struct blk *nb, int dma_only, size_t align)
{
	uintptr_t off = (uintptr_t)nb->p - (uintptr_t)md->base;
	char w[64];

	if (off >= md->mem || nb->span > md->mem - off)
		viol(md, "bounds", "a block inside the machine's memory", "%s + %zu bytes",
		     where(md, nb->p, w, sizeof(w)), nb->span);
	if (dma_only && (off + nb->span - 1) >> PAGE_SHIFT >= md->cfg.dma_pages)
		viol(md, "zone", "ZONE_DMA (pfn below dma_pages)", "%s, %zu bytes",
		     where(md, nb->p, w, sizeof(w)), nb->span);
	if (align && (uintptr_t)nb->p % align)
		viol(md, "alignment", "the promised alignment", "%s is not %zu-aligned",
		     where(md, nb->p, w, sizeof(w)), align);
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *o = &md->b[i];

		if (i == slot || o->kind == B_EMPTY || o->kind == B_ZERO)
			continue;
		if (nb->p < o->p + o->span && o->p < nb->p + nb->span)
			viol(md, "overlap", "no overlap with any live block",
			     "[%s, +%zu) overlaps p%d [+%zu bytes]", where(md, nb->p, w, sizeof(w)),
			     nb->span, i, o->span);
	}
	kasan_live_check(md, nb->p, nb->req, nb->kind == B_OBJ ? nb->req : nb->span);
}

/* ---- freeing a block through its own layer ------------------------------ */
static int free_own(struct model *md, struct blk *b)
{
	switch (b->kind) {
	case B_KMALLOC: case B_ZERO:
		return kfree(md->m, b->p);
	case B_PAGE:
		return __free_pages(md->m, b->pg, b->order);
	case B_ADDR:
		return free_pages(md->m, (unsigned long)b->p, b->order);
	case B_OBJ:
		return kmem_cache_free(md->c[b->cache].s, b->p);
	}
	return 0;
}

/* The model's counts once @b is gone. */
static void forget(struct model *md, struct blk *b)
{
	switch (b->kind) {
	case B_KMALLOC:
		if (b->large) {
			md->large_allocs--;
			md->large_pages -= 1UL << b->order;
		} else {
			md->klive[b->kt][b->kcls]--;
		}
		break;
	case B_PAGE: case B_ADDR:
		md->page_pages -= 1UL << b->order;
		break;
	case B_OBJ:
		md->c[b->cache].live--;
		break;
	}
	memset(b, 0, sizeof(*b));
}

static void free_expect_ok(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];
	struct snap s;
	int pages = b->kind == B_PAGE || b->kind == B_ADDR || (b->kind == B_KMALLOC && b->large);
	int rc;

	pat_check(md, slot, 1);
	if (pages)
		buddy_page_stats(md->m, &s.ps);
	rc = free_own(md, b);
	if (rc)
		viol(md, "free", "0", "p%d: %s (%s)", slot, kalloc_error_name(-rc), machine_last_report(md->m));
	if (pages)
		calls_check(md, &s, 0, 0, 1);
	if (b->kind != B_ZERO)
		kasan_freed_check(md, b->p);
	forget(md, b);
}

/* A deliberate wrong free: exactly @code, once, and nothing changed. */
static void bad_free(struct model *md, int code, int (*call)(struct model *, void *), void *arg)
{
	struct snap s;
	int rc;

	snap_take(md, &s);
	md->want_err = code;
	rc = call(md, arg);
	if (rc != -code)
		viol(md, "wrong free", kalloc_error_name(code), "returned %d (%s)", rc,
		     rc < 0 ? kalloc_error_name(-rc) : "success");
	snap_same(md, &s, "a refused free to change nothing", 0);
	/* machine_check follows at the next sweep (every K ops, and the end). */
	result(md, "-%s (refused as it must be)", kalloc_error_name(code));
}

/* ---- allocation ----------------------------------------------------------- */
struct expect {
	int may_fail;		/* NULL allowed */
	int must_fail;		/* NULL required, with want_err */
};

static void *call_krealloc(struct model *md, const void *a);

/* Allocate through kmalloc-family @call; fills @nb on success. */
static void *kmalloc_checked(struct model *md, size_t size, unsigned int gbits, int slot,
			     struct blk *nb, void *(*call)(struct model *, const void *), const void *arg)
{
	struct snap s;
	void *p;
	int kt = kmalloc_type_of(md, gbits), cls = -1;
	int pending = buddy_injected_pending(md->m) > 0;
	struct expect e = { 0, 0 };
	size_t align;
	char w[64];

	memset(nb, 0, sizeof(*nb));
	if (size == 0) {
		p = call(md, arg);
		if (p != ZERO_SIZE_PTR)
			viol(md, "kmalloc(0)", "ZERO_SIZE_PTR", "%s", where(md, p, w, sizeof(w)));
		nb->kind = B_ZERO;
		nb->p = p;
		result(md, "ZERO_SIZE_PTR");
		return p;
	}
	if (size > md->max_size) {
		e.must_fail = 1;
		md->want_err = KERR_TOO_BIG;
	} else if (size <= md->max_cache) {
		struct slab_stats st;

		cls = kmalloc_class_of(md, size);
		kmem_cache_stats(kmalloc_cache(md, kt, cls), &st);
		e.may_fail = pending || !block_available(md, kt == KT_DMA, st.order);
	} else {
		e.may_fail = pending || !block_available(md, gbits & GFPB_DMA, model_get_order(size));
	}
	snap_take(md, &s);
	p = call(md, arg);
	if (cls < 0 && !e.must_fail)	/* a large kmalloc is one page request */
		calls_check(md, &s, 1, !p, call == call_krealloc ? ANY_CALLS : 0);
	if (!p) {
		if (!e.may_fail && !e.must_fail)
			viol(md, "failure", "success: a free block big enough exists and no failure is injected",
			     "NULL for %zu bytes", size);
		snap_same(md, &s, "a failed allocation to leave no trace", 1);
		result(md, "NULL%s", e.must_fail ? " (as it must)" : pending ? " (injected)" : " (out of memory)");
		return NULL;
	}
	if (e.must_fail)
		viol(md, "too big", "NULL and KERR_TOO_BIG", "%s", where(md, p, w, sizeof(w)));
	nb->kind = B_KMALLOC;
	nb->p = p;
	nb->req = size;
	nb->id = ++md->next_id;
	nb->kt = kt;
	if (cls >= 0) {
		struct kmem_cache *got = virt_to_cache(md->m, p);

		nb->kcls = cls;
		nb->span = md->ksz[cls];
		if (got != md->kc[kt][cls]) {
			char name[40];

			kmalloc_name(md, kt, md->ksz[cls], name, sizeof(name));
			viol(md, "class", name, "%zu bytes served by %s", size,
			     got ? kmem_cache_name(got) : "no cache");
		}
	} else {
		nb->large = 1;
		nb->order = model_get_order(size);
		nb->span = PAGE_SIZE << nb->order;
		if (virt_to_cache(md->m, p))
			viol(md, "class", "pages from the buddy allocator (large kmalloc)", "%zu bytes from %s",
			     size, kmem_cache_name(virt_to_cache(md->m, p)));
	}
	align = is_pow2(size) ? size : 8;
	new_block_check(md, slot, nb, gbits & GFPB_DMA, align);
	if (gbits & GFPB_ZERO)
		zero_check(md, p, size);
	if (cls >= 0) {
		char name[40];

		kmalloc_name(md, kt, md->ksz[cls], name, sizeof(name));
		result(md, "%s (%s)", where(md, p, w, sizeof(w)), name);
	} else {
		result(md, "%s (order-%u pages)", where(md, p, w, sizeof(w)), nb->order);
	}
	return p;
}

static void kmalloc_account(struct model *md, const struct blk *nb)
{
	if (nb->kind != B_KMALLOC)
		return;
	if (nb->large) {
		md->large_allocs++;
		md->large_pages += 1UL << nb->order;
	} else {
		md->klive[nb->kt][nb->kcls]++;
	}
}

struct kcall {
	size_t n, elem, size;	/* kmalloc_array(n, elem); size = n * elem */
	gfp_t gfp;
	const void *old;
};
static void *call_kmalloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kmalloc(md->m, k->size, k->gfp);
}
static void *call_kzalloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kzalloc(md->m, k->size, k->gfp & ~__GFP_ZERO);
}
static void *call_kmalloc_array(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kmalloc_array(md->m, k->n, k->elem, k->gfp);
}
static void *call_krealloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return krealloc(md->m, k->old, k->size, k->gfp);
}

static void op_kmalloc(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	unsigned int gbits = rec_gfpbits(r);
	struct kcall k = { 1, rec_size(r), rec_size(r), 0, NULL };
	struct blk nb;

	if (op == OP_KZALLOC)
		gbits |= GFPB_ZERO;
	k.gfp = gfp_of_bits(gbits);
	if (op == OP_KMALLOC_ARRAY) {
		k.n = rec_count(r);
		if (__builtin_mul_overflow(k.n, k.size, &k.size)) {
			struct snap s;
			void *p;

			md->want_err = KERR_OVERFLOW;
			snap_take(md, &s);
			p = kmalloc_array(md->m, k.n, rec_size(r), k.gfp);
			if (p)
				viol(md, "overflow", "NULL and KERR_OVERFLOW", "a pointer");
			snap_same(md, &s, "an overflowing kmalloc_array to change nothing", 0);
			result(md, "NULL (n * size overflows)");
			return;
		}
	}
	kmalloc_checked(md, k.size, gbits, slot, &nb,
			op == OP_KMALLOC ? call_kmalloc : op == OP_KZALLOC ? call_kzalloc : call_kmalloc_array, &k);
	if (nb.kind != B_EMPTY) {
		md->b[slot] = nb;
		kmalloc_account(md, &nb);
	}
}

static void op_krealloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot], old = *b, nb;
	unsigned int gbits = rec_gfpbits(r);
	size_t size = rec_size(r);
	struct kcall k = { 1, size, size, gfp_of_bits(gbits), b->p };
	char w[64];
	void *p;

	if (b->kind == B_ZERO) {	/* krealloc(ZERO_SIZE_PTR, n) is kmalloc(n) */
		kmalloc_checked(md, size, gbits, slot, &nb, call_krealloc, &k);
		if (nb.kind != B_EMPTY) {
			*b = nb;
			kmalloc_account(md, &nb);
		}
		return;
	}
	pat_check(md, slot, 1);
	if (size == 0) {
		p = krealloc(md->m, b->p, 0, k.gfp);
		if (p != ZERO_SIZE_PTR)
			viol(md, "krealloc", "ZERO_SIZE_PTR for new size 0", "%s", where(md, p, w, sizeof(w)));
		forget(md, b);
		b->kind = B_ZERO;
		b->p = p;
		result(md, "ZERO_SIZE_PTR (p%d freed)", slot);
		return;
	}
	if (size <= b->span) {		/* fits ksize(): stays where it is */
		struct snap s;

		snap_take(md, &s);
		p = krealloc(md->m, b->p, size, k.gfp);
		if (p != b->p)
			viol(md, "krealloc", "the same block while the new size fits ksize()", "%s",
			     where(md, p, w, sizeof(w)));
		snap_same(md, &s, "an in-place krealloc to change no counters", 0);
		b->req = size;
		kasan_live_check(md, b->p, size, b->span);
		if (b->pat_end > size)
			b->pat_end = size;
		result(md, "%s (in place)", where(md, p, w, sizeof(w)));
		pat_check(md, slot, 1);
		return;
	}
	/* Moves: the old block is live while the new one is allocated, so it
	 * takes part in the overlap check. */
	p = kmalloc_checked(md, size, gbits & ~GFPB_ZERO, (int)NR_PSLOTS, &nb, call_krealloc, &k);
	if (!p) {
		pat_check(md, slot, 1);	/* left as it was */
		return;
	}
	if (p == old.p)
		viol(md, "krealloc", "a new block when the size exceeds ksize()", "the old pointer");
	forget(md, b);
	nb.id = old.id;
	nb.pat = old.pat;
	nb.pat_end = old.pat_end;
	*b = nb;
	kmalloc_account(md, &nb);
	pat_check(md, slot, 1);
}

static void op_pages(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	unsigned int gbits = rec_gfpbits(r), order = rec_order(r);
	gfp_t gfp = gfp_of_bits(gbits);
	int pending = buddy_injected_pending(md->m) > 0;
	int must_fail = order > md->cfg.max_order;
	int may_fail = pending || !block_available(md, gbits & GFPB_DMA, order);
	struct blk nb = { 0 };
	struct snap s;
	char w[64];

	if (must_fail)
		md->want_err = KERR_INVAL;
	snap_take(md, &s);
	if (op == OP_ALLOC_PAGES) {
		nb.pg = alloc_pages(md->m, gfp, order);
		nb.p = nb.pg ? page_address(md->m, nb.pg) : NULL;
		if (nb.pg && (virt_to_page(md->m, nb.p) != nb.pg ||
			      page_to_pfn(md->m, nb.pg) != ((uintptr_t)nb.p - (uintptr_t)md->base) >> PAGE_SHIFT))
			viol(md, "direct map", "page_address/virt_to_page/page_to_pfn to agree",
			     "struct page %p, address %s", (void *)nb.pg, where(md, nb.p, w, sizeof(w)));
	} else {
		nb.p = (unsigned char *)__get_free_pages(md->m, gfp, order);
	}
	calls_check(md, &s, 1, !nb.p, 0);
	if (!nb.p) {
		if (!may_fail && !must_fail)
			viol(md, "failure", "success: a free block of this order exists and no failure is injected",
			     "NULL for order %u", order);
		snap_same(md, &s, "a failed allocation to leave no trace", 1);
		result(md, "NULL%s", must_fail ? " (order above max_order, as it must)" :
		       pending ? " (injected)" : " (out of memory)");
		return;
	}
	if (must_fail)
		viol(md, "order", "NULL and KERR_INVAL for an order above max_order", "%s",
		     where(md, nb.p, w, sizeof(w)));
	nb.kind = op == OP_ALLOC_PAGES ? B_PAGE : B_ADDR;
	nb.order = order;
	nb.req = nb.span = PAGE_SIZE << order;
	nb.id = ++md->next_id;
	new_block_check(md, slot, &nb, gbits & GFPB_DMA, PAGE_SIZE << order);
	if (gbits & GFPB_ZERO)
		zero_check(md, nb.p, nb.span);
	md->b[slot] = nb;
	md->page_pages += 1UL << order;
	result(md, "%s", where(md, nb.p, w, sizeof(w)));
}

/* The harness's constructor: marks the first byte, which every object has. */
static unsigned long ctor_runs;	/* every run of harness_ctor, any cache */

static void harness_ctor(void *obj)
{
	*(unsigned char *)obj = CTOR_BYTE;
	ctor_runs++;
}

/* The constructor runs once per object when a slab is populated, never on
 * allocation (Bonwick's object caching): per op, a ctor cache's ctor_calls
 * grow by exactly the object slots its new slabs added (an op only adds or
 * only removes slabs of a cache), and the calls the caches count are the
 * runs the ctor saw. */
static void ctor_check(struct model *md)
{
	unsigned long counted = 0;

	for (int c = 0; c < NR_CSLOTS; c++) {
		struct mcache *mc = &md->c[c];
		struct slab_stats st;
		unsigned long added;

		if (!mc->s || !(mc->cflags & CFLAG_CTOR))
			continue;
		kmem_cache_stats(mc->s, &st);
		added = st.num_objs > mc->num_objs ? st.num_objs - mc->num_objs : 0;
		if (st.ctor_calls - mc->ctor_calls != added)
			viol(md, "ctor", "one constructor call per object slot of each new slab",
			     "c%d: %lu calls for %lu new slots", c, st.ctor_calls - mc->ctor_calls, added);
		counted += st.ctor_calls - mc->ctor_calls;
		mc->ctor_calls = st.ctor_calls;
		mc->num_objs = st.num_objs;
	}
	if (ctor_runs - md->ctor_runs_seen != counted)
		viol(md, "ctor", "ctor_calls equal to the constructor's real runs",
		     "%lu runs, caches counted %lu", ctor_runs - md->ctor_runs_seen, counted);
	md->ctor_runs_seen = ctor_runs;
}

static void op_cache_create(struct model *md, const uint8_t *r)
{
	int c = (int)rec_c(r);
	/* The API takes an unsigned int: larger SIZEs pass UINT_MAX (OPS.md). */
	size_t size = rec_size(r) > UINT_MAX ? UINT_MAX : rec_size(r);
	unsigned int align = rec_align(r), cf = rec_cflags(r);
	slab_flags_t flags = 0;
	struct kmem_cache *s;
	int invalid = size == 0 || size > KMALLOC_MAX_SIZE || (align && !is_pow2(align));
	struct slub_geometry g;

	if (cf & CFLAG_HWCACHE)
		flags |= SLAB_HWCACHE_ALIGN;
	if (cf & CFLAG_POISON)
		flags |= SLAB_POISON;
	if (cf & CFLAG_DMA)
		flags |= SLAB_CACHE_DMA;
	if (cf & CFLAG_RCU)
		flags |= SLAB_TYPESAFE_BY_RCU;
	/* Sizes the geometry cannot lay out, or only in slabs above the
	 * machine's max_order, are refused too: the model takes slub_geometry()'s
	 * word for those (a pure function), with the machine's slub_debug. */
	if (!invalid && (slub_geometry((unsigned int)size, align,
				       flags | (md->cfg.slub_debug ? SLAB_POISON : 0),
				       !!(cf & CFLAG_CTOR), md->cfg.nr_cpus, &g) ||
			 g.min_order > md->cfg.max_order))
		invalid = 1;
	if (invalid)
		md->want_err = KERR_INVAL;
	s = kmem_cache_create(md->m, rec_name(r), (unsigned int)size, align, flags,
			      (cf & CFLAG_CTOR) ? harness_ctor : NULL);
	if (invalid != !s)
		viol(md, "kmem_cache_create", invalid ? "NULL and KERR_INVAL" : "a cache",
		     "%s", s ? "a cache" : "NULL");
	if (!s) {
		result(md, "NULL (refused)");
		return;
	}
	if (kmem_cache_size(s) != size || strcmp(kmem_cache_name(s), rec_name(r)))
		viol(md, "kmem_cache_create", "the cache as asked", "size %u name %s",
		     kmem_cache_size(s), kmem_cache_name(s));
	md->c[c].s = s;
	md->c[c].size = size;
	md->c[c].align = cache_align(size, align, cf);
	md->c[c].cflags = cf;
	md->c[c].live = 0;
	md->c[c].ctor_calls = md->c[c].num_objs = 0;
	result(md, "cache, objects aligned to %u", md->c[c].align);
}

static void op_cache_alloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r), c = (int)rec_c6(r);
	struct mcache *mc = &md->c[c];
	unsigned int gbits = rec_gfpbits(r);
	int pending = buddy_injected_pending(md->m) > 0, dma = !!(mc->cflags & CFLAG_DMA);
	struct slab_stats st;
	struct blk nb = { 0 };
	struct snap s;
	char w[64];
	void *p;

	kmem_cache_stats(mc->s, &st);
	int may_fail = pending || !block_available(md, dma, st.order);

	snap_take(md, &s);
	p = kmem_cache_alloc(mc->s, gfp_of_bits(gbits));
	if (!p) {
		if (!may_fail)
			viol(md, "failure", "an object: a free block of the slab order exists", "NULL");
		snap_same(md, &s, "a failed allocation to leave no trace", 1);
		result(md, "NULL%s", pending ? " (injected)" : " (out of memory)");
		return;
	}
	if (virt_to_cache(md->m, p) != mc->s)
		viol(md, "cache", kmem_cache_name(mc->s), "object in %s",
		     virt_to_cache(md->m, p) ? kmem_cache_name(virt_to_cache(md->m, p)) : "no cache");
	nb.kind = B_OBJ;
	nb.p = p;
	nb.req = nb.span = mc->size;
	nb.cache = c;
	nb.id = ++md->next_id;
	new_block_check(md, slot, &nb, dma, mc->align);
	if (gbits & GFPB_ZERO) {
		zero_check(md, p, mc->size);
	} else if (mc->cflags & CFLAG_CTOR) {
		struct slab_stats now;

		/* A slab populated by this allocation hands out a constructed object. */
		kmem_cache_stats(mc->s, &now);
		if (now.num_objs > st.num_objs && *(unsigned char *)p != CTOR_BYTE)
			viol(md, "ctor", "a constructed object from a newly populated slab",
			     "byte 0 is 0x%02x", *(unsigned char *)p);
	}
	md->b[slot] = nb;
	mc->live++;
	result(md, "%s", where(md, p, w, sizeof(w)));
}

static void op_cache_destroy(struct model *md, int c)
{
	struct mcache *mc = &md->c[c];
	unsigned int before = kmem_cache_count(md->m);
	int rc;

	md->want_err = mc->live ? KERR_CACHE_BUSY : 0;
	rc = kmem_cache_destroy(mc->s);
	if (rc != -md->want_err)
		viol(md, "kmem_cache_destroy", md->want_err ? "-KERR_CACHE_BUSY" : "0", "%d (%s)", rc,
		     kalloc_error_name(rc < 0 ? -rc : 0));
	if (rc) {
		result(md, "-KERR_CACHE_BUSY (%lu objects live)", mc->live);
		return;
	}
	if (kmem_cache_count(md->m) != before - 1)
		viol(md, "kmem_cache_destroy", "one cache fewer", "%u caches, was %u",
		     kmem_cache_count(md->m), before);
	memset(mc, 0, sizeof(*mc));
	result(md, "0");
}

/* ---- wrong frees ----------------------------------------------------------- */
struct badarg {
	struct blk *b;
	unsigned long off;
	unsigned int order;
	struct kmem_cache *s;
	int fn;
};
static int call_free_again(struct model *md, void *a)
{
	return free_own(md, ((struct badarg *)a)->b);
}
static int call_free_order(struct model *md, void *a)
{
	struct badarg *x = a;

	if (x->b->kind == B_PAGE)
		return __free_pages(md->m, x->b->pg, x->order);
	return free_pages(md->m, (unsigned long)x->b->p, x->order);
}
static int call_free_interior(struct model *md, void *a)
{
	struct badarg *x = a;
	unsigned char *q = x->b->p + x->off;

	switch (x->b->kind) {
	case B_KMALLOC: return kfree(md->m, q);
	case B_OBJ: return kmem_cache_free(md->c[x->b->cache].s, q);
	default: return free_pages(md->m, (unsigned long)q, x->b->order);
	}
}
static int call_free_cache(struct model *md, void *a)
{
	struct badarg *x = a;

	(void)md;
	return kmem_cache_free(x->s, x->b->p);
}
static int call_free_owner(struct model *md, void *a)
{
	struct badarg *x = a;

	if (x->b->kind == B_KMALLOC)
		return free_pages(md->m, (unsigned long)x->b->p, x->b->order);
	return kfree(md->m, x->b->p);
}
static int call_free_foreign(struct model *md, void *a)
{
	struct badarg *x = a;
	unsigned char *q = md->base + md->mem;

	switch (x->fn) {
	case FOREIGN_KFREE: return kfree(md->m, q);
	case FOREIGN_FREE_PAGES: return free_pages(md->m, (unsigned long)q, 0);
	default: return kmem_cache_free(x->s, q);
	}
}

static struct kmem_cache *cache_of(struct model *md, const struct blk *b)
{
	if (b->kind == B_OBJ)
		return md->c[b->cache].s;
	if (b->kind == B_KMALLOC && !b->large)
		return md->kc[b->kt][b->kcls];
	return NULL;
}

/* Returns 1 if the op applied, 0 if it was a no-op by the slot rules. */
static int op_wrong_free(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];
	struct badarg x = { b, 0, 0, NULL, 0 };
	int page = b->kind == B_PAGE || b->kind == B_ADDR;

	switch (op) {
	case OP_DOUBLE_FREE:
		if (b->kind == B_EMPTY || b->kind == B_ZERO)
			return 0;
		{
			struct blk copy = *b;

			free_expect_ok(md, slot);
			x.b = &copy;
			/* Even when that was its slab's last object and the slab went
			 * back to the buddy allocator, every free path calls a pointer
			 * into a free page a double free.  forget() cleared the slot;
			 * the copy still knows the layer. */
			bad_free(md, KERR_DOUBLE_FREE, call_free_again, &x);
		}
		return 1;
	case OP_WRONG_ORDER:
		if (!page)
			return 0;
		x.order = (b->order + rec_delta(r)) % 11;
		bad_free(md, KERR_WRONG_ORDER, call_free_order, &x);
		return 1;
	case OP_INTERIOR: {
		size_t span = b->kind == B_KMALLOC ? b->req : b->span;
		unsigned int raw = rec_u16(r);

		if (b->kind == B_EMPTY || b->kind == B_ZERO || span < 2)
			return 0;
		x.off = (raw >= 1 && raw < span) ? raw : 1 + raw % (span - 1);
		bad_free(md, (b->kind == B_OBJ || (b->kind == B_KMALLOC && !b->large)) ?
			 KERR_NOT_OBJECT : KERR_NOT_HEAD, call_free_interior, &x);
		return 1;
	}
	case OP_WRONG_CACHE:
		x.s = md->c[rec_c6(r)].s;
		if (!x.s || !cache_of(md, b) || cache_of(md, b) == x.s)
			return 0;
		bad_free(md, KERR_WRONG_CACHE, call_free_cache, &x);
		return 1;
	case OP_WRONG_OWNER:
		if (!page && !(b->kind == B_KMALLOC && b->large))
			return 0;
		bad_free(md, KERR_WRONG_OWNER, call_free_owner, &x);
		return 1;
	case OP_FOREIGN:
		x.fn = (int)rec_foreign(r);
		if (x.fn == FOREIGN_CACHE_FREE) {
			x.s = md->c[rec_c6(r)].s;
			if (!x.s)
				return 0;
		}
		bad_free(md, KERR_BAD_ADDRESS, call_free_foreign, &x);
		return 1;
	}
	return 0;
}

/* /proc text: produced once into a buffer that is usually big enough (the
 * snprintf-style length is checked), printed only when tracing. */
static const char *print_proc(struct model *md, int (*fn)(const struct machine *, char *, size_t))
{
	static char buf[1 << 16];
	int need = fn(md->m, buf, sizeof(buf));

	size_t got = strlen(buf);

	/* snprintf-style: the full length, the text cut to the buffer. */
	if (need < 0 || ((size_t)need < sizeof(buf) ? got != (size_t)need : got != sizeof(buf) - 1))
		viol(md, "proc", "an snprintf-style length", "%d for %zu bytes written", need, got);
	if ((size_t)need >= sizeof(buf)) {
		char *big = malloc((size_t)need + 1);

		if (!big)
			return NULL;
		if (fn(md->m, big, (size_t)need + 1) != need)
			viol(md, "proc", "the same length twice", "length changed");
		if (md->o->trace)
			fprintf(md->o->trace, "%s", big);
		free(big);
		return NULL;
	}
	if (md->o->trace)
		fprintf(md->o->trace, "%s", buf);
	return buf;
}

/* /proc/buddyinfo says what buddy_zone_stats says: for every zone present a
 * line "Node 0, zone <name> n0 n1 ..." with its free blocks of every order up
 * to the machine's max_order (and no block above it in the stats). */
static void buddyinfo_check(struct model *md, const char *text)
{
	char key[32];

	for (int z = 0; z < MAX_NR_ZONES && text; z++) {
		struct zone_stats zs;
		const char *q = text;
		char *end;

		if (buddy_zone_stats(md->m, (enum zone_type)z, &zs))
			continue;
		/* The name is right-aligned after "zone": find " <name> " after it. */
		snprintf(key, sizeof(key), " %s ", zs.name);
		while ((q = strstr(q, "zone")) && strncmp(q + 4 + strspn(q + 4, " ") - 1, key, strlen(key)))
			q += 4;
		if (!q)
			viol(md, "proc", "a /proc/buddyinfo line for every zone", "none for %s", zs.name);
		q += 4 + strspn(q + 4, " ") + strlen(zs.name);
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			unsigned long v = 0;

			end = (char *)q;
			if (o <= (int)md->cfg.max_order)
				v = strtoul(q, &end, 10);
			if ((o <= (int)md->cfg.max_order && end == q) || v != zs.nr_free[o])
				viol(md, "proc", "/proc/buddyinfo equal to the zone's free blocks",
				     "zone %s order %d: %lu in the text, %lu in the stats", zs.name, o,
				     v, zs.nr_free[o]);
			q = end;
		}
	}
}

/* ---- one op ---------------------------------------------------------------- */
static int slot_is(struct model *md, const uint8_t *r, int k1, int k2)
{
	int k = md->b[rec_p(r)].kind;
	return k == k1 || k == k2;
}

/* Runs the op; returns 0 when the slot rules made it a no-op. */
static int run_op(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];
	int rc;

	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC: case OP_KMALLOC_ARRAY:
		if (b->kind != B_EMPTY)
			return 0;
		op_kmalloc(md, r, op);
		return 1;
	case OP_KREALLOC:
		if (!slot_is(md, r, B_KMALLOC, B_ZERO))
			return 0;
		op_krealloc(md, r);
		return 1;
	case OP_KFREE:
		if (!slot_is(md, r, B_KMALLOC, B_ZERO))
			return 0;
		free_expect_ok(md, slot);
		result(md, "0");
		return 1;
	case OP_KSIZE: {
		size_t got, want;

		if (!slot_is(md, r, B_KMALLOC, B_ZERO))
			return 0;
		want = b->kind == B_ZERO ? 0 : b->span;
		got = ksize(md->m, b->p);
		if (got != want)
			viol(md, "ksize", "the smallest class that fits the request",
			     "ksize %zu for a %zu-byte request, model %zu", got, b->req, want);
		result(md, "%zu", got);
		return 1;
	}
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		if (b->kind != B_EMPTY)
			return 0;
		op_pages(md, r, op);
		return 1;
	case OP_FREE_PAGES:
		if (!slot_is(md, r, B_PAGE, B_ADDR))
			return 0;
		result(md, "0 (order %u)", b->order);
		free_expect_ok(md, slot);
		return 1;
	case OP_CACHE_CREATE:
		if (md->c[rec_c(r)].s)
			return 0;
		op_cache_create(md, r);
		return 1;
	case OP_CACHE_ALLOC:
		if (b->kind != B_EMPTY || !md->c[rec_c6(r)].s)
			return 0;
		op_cache_alloc(md, r);
		return 1;
	case OP_CACHE_FREE:
		if (b->kind != B_OBJ)
			return 0;
		result(md, "0 (into c%d)", b->cache);
		free_expect_ok(md, slot);
		return 1;
	case OP_CACHE_SHRINK: {
		struct mcache *mc = &md->c[rec_c(r)];
		struct slab_stats a, z;
		unsigned long freed;

		if (!mc->s)
			return 0;
		kmem_cache_stats(mc->s, &a);
		freed = kmem_cache_shrink(mc->s);
		kmem_cache_stats(mc->s, &z);
		if (z.empty_slabs || a.pages - z.pages != freed)
			viol(md, "shrink", "no empty slab left and the freed pages returned",
			     "%lu empty slabs left, returned %lu, pages %lu -> %lu", z.empty_slabs, freed,
			     a.pages, z.pages);
		result(md, "%lu pages freed", freed);
		return 1;
	}
	case OP_CACHE_DESTROY:
		if (!md->c[rec_c(r)].s)
			return 0;
		op_cache_destroy(md, (int)rec_c(r));
		return 1;
	case OP_WRITE:
		if (b->kind == B_EMPTY || b->kind == B_ZERO || !b->req)
			return 0;
		pieces_do(b->p, b->req, b->req, b->id, 1);
		b->pat = b->pat_end = b->req;
		result(md, "%zu bytes", b->req);
		return 1;
	case OP_VERIFY:
		if (!b->pat)
			return 0;
		pat_check(md, slot, 1);
		result(md, "%zu bytes intact", b->pat_end);
		return 1;
	case OP_CHECK:
		sweep(md, 1);
		result(md, "healthy");
		return 1;
	case OP_FAIL:
		buddy_inject_failures(md->m, r[2], r[3]);
		if (buddy_injected_pending(md->m) != r[3])
			viol(md, "fault injection", "pending == times", "%lu", buddy_injected_pending(md->m));
		result(md, "next %u attempts pass, %u fail", r[2], r[3]);
		return 1;
	case OP_SET_CPU: {
		unsigned int cpu = rec_cpu(r), was = machine_cpu(md->m);

		md->want_err = cpu < md->cfg.nr_cpus ? 0 : KERR_INVAL;
		rc = machine_set_cpu(md->m, cpu);
		if (rc != -md->want_err || machine_cpu(md->m) != (md->want_err ? was : cpu))
			viol(md, "set_cpu", md->want_err ? "-KERR_INVAL, CPU unchanged" : "0",
			     "%d, CPU now %u", rc, machine_cpu(md->m));
		result(md, "%d", rc);
		return 1;
	}
	case OP_DRAIN: {
		struct page_stats ps;

		drain_all_pages(md->m);
		buddy_page_stats(md->m, &ps);
		if (ps.pcp)
			viol(md, "drain", "no page left on a per-CPU list", "%lu pages", ps.pcp);
		result(md, "0");
		return 1;
	}
	case OP_DOUBLE_FREE: case OP_WRONG_ORDER: case OP_INTERIOR: case OP_WRONG_CACHE:
	case OP_WRONG_OWNER: case OP_FOREIGN:
		return op_wrong_free(md, r, op);
	case OP_SLABINFO:
		result(md, "/proc/slabinfo:");
		print_proc(md, proc_slabinfo);
		return 1;
	case OP_BUDDYINFO:
		result(md, "/proc/buddyinfo:");
		buddyinfo_check(md, print_proc(md, proc_buddyinfo));
		return 1;
	default:
		return 0;	/* reserved: nop */
	}
}

/* ---- boot and teardown ------------------------------------------------------ */

/* Every program boots into the same arena, sized for the largest header
 * (8192 frames): machine_destroy() hands it back clean, so a boot costs no
 * mmap, no page faults and, under ASan, no poisoning of all of memory.  The
 * arena lives as long as the process, one machine at a time. */
static struct kalloc_arena *boot_arena(void)
{
	static struct kalloc_arena *arena;

	if (!arena)
		arena = kalloc_arena_create(8192);
	return arena;
}

static void boot(struct model *md)
{
	const size_t *cls;

	hdr_config(md->prog->hdr, &md->cfg);
	md->m = machine_create_in(boot_arena(), &md->cfg);
	if (!md->m)
		viol(md, "boot", "machine_create() to accept the header's configuration", "NULL");
	md->base = machine_base(md->m);
	md->mem = md->cfg.nr_pages << PAGE_SHIFT;
	if ((uintptr_t)md->base % (PAGE_SIZE << MAX_PAGE_ORDER))
		viol(md, "boot", "a direct map aligned to the largest block", "%p", (void *)md->base);
	if (md->cfg.profile == KMALLOC_PROFILE_CLASSIC) {
		cls = classic_classes;
		md->nk = sizeof(classic_classes) / sizeof(classic_classes[0]);
		md->ntypes = 2;
		md->max_size = 131072;
	} else {
		cls = default_classes;
		md->nk = sizeof(default_classes) / sizeof(default_classes[0]);
		md->ntypes = 4;
		md->max_size = KMALLOC_MAX_SIZE;
		if (md->max_size > PAGE_SIZE << md->cfg.max_order)
			md->max_size = PAGE_SIZE << md->cfg.max_order;
	}
	memcpy(md->ksz, cls, md->nk * sizeof(cls[0]));
	md->max_cache = md->ksz[md->nk - 1];
	if (kmalloc_max_cache_size(md->m) != md->max_cache || kmalloc_max_size(md->m) != md->max_size)
		viol(md, "boot", "kmalloc limits as the profile defines them", "max cache %zu, max %zu",
		     kmalloc_max_cache_size(md->m), kmalloc_max_size(md->m));
	for (int z = 0; z < MAX_NR_ZONES; z++)
		md->zone_ok[z] = !buddy_zone_stats(md->m, (enum zone_type)z, &md->boot_zone[z]);
}

static void teardown(struct model *md)
{
	struct page_stats ps;

	md->rec = NULL;
	md->cur = (int)md->prog->n;
	md->errs_before = machine_errors_total(md->m);
	md->want_err = 0;
	sweep(md, 0);
	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].kind != B_EMPTY)
			free_expect_ok(md, i);
	for (int c = 0; c < NR_CSLOTS; c++) {
		if (!md->c[c].s)
			continue;
		if (kmem_cache_destroy(md->c[c].s))
			viol(md, "teardown", "kmem_cache_destroy of an empty cache to succeed", "%s",
			     machine_last_report(md->m));
		memset(&md->c[c], 0, sizeof(md->c[c]));
	}
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(md->m, s));)
		kmem_cache_shrink(s);
	drain_all_pages(md->m);
	errors_check(md);
	counters_check(md);
	buddy_page_stats(md->m, &ps);
	if (ps.slab || ps.pcp || ps.free != ps.total)
		viol(md, "leak", "every frame free once everything is freed, shrunk and drained",
		     "free %lu of %lu, slab %lu, pcp %lu", ps.free, ps.total, ps.slab, ps.pcp);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone_stats zs;

		if (!md->zone_ok[z])
			continue;
		buddy_zone_stats(md->m, (enum zone_type)z, &zs);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			if (zs.nr_free[o] != md->boot_zone[z].nr_free[o])
				viol(md, "not merged", "the free lists of boot time",
				     "zone %s order %d: %lu free blocks, %lu at boot", zs.name, o,
				     zs.nr_free[o], md->boot_zone[z].nr_free[o]);
	}
	full_machine_check(md);
}

int model_run(const struct prog *p, const struct run_opts *o, struct violation *v)
{
	struct model *md = calloc(1, sizeof(*md));
	unsigned int every = o->check_every ? o->check_every : MODEL_CHECK_EVERY;
	volatile int rc = 0;	/* set after longjmp */

	if (!md) {
		memset(v, 0, sizeof(*v));
		snprintf(v->what, sizeof(v->what), "host out of memory");
		return 1;
	}
	md->prog = p;
	md->o = o;
	md->ctor_runs_seen = ctor_runs;
	if (o->digest)
		*o->digest = 0xcbf29ce484222325ULL;
	md->v = v;
	md->cur = -1;
	if (setjmp(md->fail)) {
		rc = 1;
		goto out;
	}
	boot(md);
	for (unsigned int i = 0; i < p->n; i++) {
		unsigned int op = target_op(o->target, rec_op(p->rec[i]));
		const uint8_t *eff = md->eff;
		struct blk *b;

		memcpy(md->eff, p->rec[i], OPS_REC);
		md->eff[0] = (uint8_t)op;
		md->cur = (int)i;
		md->rec = eff;
		md->want_err = 0;
		md->res[0] = 0;
		md->errs_before = machine_errors_total(md->m);
		if (o->trace) {
			/* The op goes out before it runs, so that a sanitizer report
			 * that ends the process follows the op that caused it. */
			char line[256];

			op_format(eff, line, sizeof(line));
			if (op == OP_SLABINFO || op == OP_BUDDYINFO) {
				fprintf(o->trace, "%4u  %s\n", i, line);
			} else {
				fprintf(o->trace, "%4u  %-48s -> ", i, line);
				md->line_open = 1;
			}
			fflush(o->trace);
		}
		if (!run_op(md, eff, op))
			result(md, "skipped (slot rules)");
		errors_check(md);
		counters_check(md);
		ctor_check(md);
		b = &md->b[rec_p(eff)];
		if (b->kind == B_OBJ)
			cache_count_check(md, md->c[b->cache].s, md->c[b->cache].live, "cache");
		else if (b->kind == B_KMALLOC && !b->large)
			cache_count_check(md, md->kc[b->kt][b->kcls], md->klive[b->kt][b->kcls], "kmalloc class");
		for (int s = 0; s < NR_PSLOTS; s++)
			pat_check(md, s, 0);
		if (o->digest)	/* FNV-1a over the op's result text */
			for (const char *c = md->res; *c; c++)
				*o->digest = (*o->digest ^ (unsigned char)*c) * 0x100000001b3ULL;
		if ((i + 1) % every == 0 && i + 1 < p->n)	/* the teardown follows */
			sweep(md, 1);
		if (md->line_open) {
			fprintf(o->trace, "%s\n", md->res);
			md->line_open = 0;
		}
	}
	teardown(md);
out:
	if (rc && md->line_open)
		fprintf(o->trace, "%s\n", md->res[0] ? md->res : "...");
	machine_destroy(md->m);
	free(md);
	return rc;
}
