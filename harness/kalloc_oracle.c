/* kalloc_oracle.c - the kalloc conformance oracle: everything the model
 * expects of kalloc beyond what any allocator promises (oracle.c).
 *
 * For each op of the core language (0..27) it calls kalloc's own API - every
 * variant, kzalloc, kmalloc_array, alloc_pages as a struct page,
 * __get_free_pages as an address - and compares what came back with the
 * model's own arithmetic: the kmalloc class lists of both profiles and the
 * cache each class is served by, SLUB's alignment, get_order(), the exact
 * -KERR code and error-sink report of every refused call, the page, kmalloc
 * and per-cache counters, SLUB's geometry and which slab every object must
 * come from and how many slabs, pages and partial slabs each cache then
 * holds (the model's own SLUB, slub_model.c), the constructor's runs,
 * /proc/slabinfo's every row (rendered by the model) and /proc/buddyinfo's
 * numbers,
 * the buddy allocator's call counters, ASan poisoning in ASan builds, and at
 * the end the free lists of boot time.  The model never reads the
 * allocator's structures and never asks it what is right.
 *
 * Cost.  Per op it checks only what the op could have broken plus cheap
 * global counters: the new block against every live block (at most 32),
 * the page and kmalloc counters, the touched cache's object count, the
 * error sink, and the first and last 16 bytes of the op's own block (a
 * block's whole pattern before anything replaces it).  The machine's own
 * check of what changed (machine_check_changed), every followed cache's
 * counters, every byte of every pattern and the slab pages against the
 * model's caches are checked K ops after the last such sweep
 * (MODEL_CHECK_EVERY), on check(), and at the end, where the complete
 * machine_check walks everything.  That keeps a 64-op input well under a millisecond while a bug
 * that corrupts something the per-op checks miss is still caught within K
 * ops, at the latest by the final teardown.
 *
 * Entry points (model_int.h): kor_boot, kor_before_op, kor_op,
 * kor_after_op, kor_sweep, kor_teardown, kor_where.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model_int.h"

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

static const size_t default_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192
};
static const size_t classic_classes[] = {
	32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072
};

/* "pfn 12+0x40 Normal": where a pointer is, stable from run to run. */
const char *kor_where(struct model *md, const void *p, char *buf, size_t len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)md->k.base;

	if (p == ZERO_SIZE_PTR)
		snprintf(buf, len, "ZERO_SIZE_PTR");
	else if (!p)
		snprintf(buf, len, "NULL");
	else if (off >= md->k.mem)
		snprintf(buf, len, "%p (outside memory)", p);
	else
		snprintf(buf, len, "pfn %lu+%#lx %s", (unsigned long)(off >> PAGE_SHIFT),
			 (unsigned long)(off & (PAGE_SIZE - 1)),
			 (off >> PAGE_SHIFT) < md->k.cfg.dma_pages ? "DMA" : "Normal");
	return buf;
}

/* ---- the model's own arithmetic (get_order: slubm_get_order) ------------ */

static int kmalloc_type_of(struct model *md, unsigned int gbits)
{
	if (gbits & GFPB_DMA)
		return KT_DMA;
	if (md->k.ntypes == 2)
		return KT_NORMAL;
	if (gbits & GFPB_RECLAIM)
		return KT_RECLAIM;
	if (gbits & GFPB_ACCOUNT)
		return KT_CGROUP;
	return KT_NORMAL;
}

static int kmalloc_class_of(struct model *md, size_t size)
{
	for (unsigned int i = 0; i < md->k.nk; i++)
		if (md->k.ksz[i] >= size)
			return (int)i;
	return -1;
}

/* The name of the general cache of @type and class @cls, as the model
 * expects it.  Written once per process into a table (the profiles' class
 * lists are constants): an snprintf per look-up and per traced result was
 * a few percent of a fuzz input. */
static const char *kmalloc_name(struct model *md, int type, int cls)
{
	static const char *const prefix[NR_KT] = { "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-" };
	static char names[2][NR_KT][KMALLOC_MAX_CACHES][24];
	int classic = md->k.cfg.profile == KMALLOC_PROFILE_CLASSIC;
	char *buf = names[classic][type][cls];
	size_t size = md->k.ksz[cls], len = sizeof(names[0][0][0]);

	if (buf[0])
		return buf;
	if (classic)
		snprintf(buf, len, "size-%zu%s", size, type == KT_DMA ? "(DMA)" : "");
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%s%zuk", prefix[type], size >> 10);
	else
		snprintf(buf, len, "%s%zu", prefix[type], size);
	return buf;
}

static int same_str(const char *a, const char *b)
{
	/* A plain loop: libc's strcmp is intercepted and traced under libFuzzer. */
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void cache_count_check(struct model *md, struct kmem_cache *s, struct slubm_cache *sc,
			      unsigned long live, const char *name);
/* kmalloc_init()'s flags of each type. */
static const slab_flags_t kt_slab_flags[NR_KT] = { 0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA, SLAB_ACCOUNT };

/* The general cache of @type and class @cls, found by the name the model
 * expects it to have (looked up on first use: a boot-time walk over every
 * class cost a tenth of each fuzz input). */
static struct kmem_cache *kmalloc_cache(struct model *md, int type, int cls)
{
	const char *name;

	if (md->k.kc[type][cls])
		return md->k.kc[type][cls];
	name = kmalloc_name(md, type, cls);
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(md->k.m, s));)
		if (same_str(kmem_cache_name(s), name)) {
			md->k.kc[type][cls] = s;
			md->k.kused[type] |= 1u << cls;
			break;
		}
	if (!md->k.kc[type][cls] || kmem_cache_size(md->k.kc[type][cls]) != md->k.ksz[cls])
		viol(md, "kmalloc class", "a general cache of the class's name and size", "%s missing or of size %u",
		     name, md->k.kc[type][cls] ? kmem_cache_size(md->k.kc[type][cls]) : 0);
	/* Its SLUB twin, laid out by the model (nothing is allocated from a
	 * class before its first look-up, so it starts empty); its geometry is
	 * compared at once. */
	md->k.skc[type][cls] = slubm_kmalloc_cache(&md->k.sm, (unsigned int)md->k.ksz[cls], kt_slab_flags[type]);
	if (!md->k.skc[type][cls])
		viol(md, "kmalloc class", "a class the model's SLUB can lay out", "%s refused (or host out of memory)",
		     name);
	cache_count_check(md, md->k.kc[type][cls], md->k.skc[type][cls], 0, name);
	return md->k.kc[type][cls];
}

/* Is there a free block of @order or larger in a zone the request may use?
 * If so, an allocation that needs one must not fail. */
static int block_available(struct model *md, int dma_only, unsigned int order)
{
	for (int z = dma_only ? ZONE_DMA : ZONE_NORMAL; z >= ZONE_DMA; z--) {
		struct zone_stats zs;

		if (buddy_zone_stats(md->k.m, (enum zone_type)z, &zs))
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
	buddy_page_stats(md->k.m, &s->ps);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		buddy_zone_stats(md->k.m, (enum zone_type)z, &s->zs[z]);
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
	/* (may_drain 2: pages may also have gone *to* the per-CPU lists - a
	 * kvmalloc whose vmalloc fallback failed freed its order-0 pages there.) */
	drained = may_drain && (may_drain == 2 || b.ps.pcp < a->ps.pcp) &&
		  b.ps.free + b.ps.pcp == a->ps.free + a->ps.pcp;
	if ((!drained && (a->ps.free != b.ps.free || a->ps.pcp != b.ps.pcp)) ||
	    a->ps.pages != b.ps.pages || a->ps.slab != b.ps.slab || a->ps.kmalloc_large != b.ps.kmalloc_large)
		viol(md, "trace", why,
		     "page stats free/pcp/pages/slab/large %lu/%lu/%lu/%lu/%lu -> %lu/%lu/%lu/%lu/%lu",
		     a->ps.free, a->ps.pcp, a->ps.pages, a->ps.slab, a->ps.kmalloc_large,
		     b.ps.free, b.ps.pcp, b.ps.pages, b.ps.slab, b.ps.kmalloc_large);
	for (int z = 0; z < MAX_NR_ZONES && may_drain != 2; z++)
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

	buddy_page_stats(md->k.m, &ps);
	if (ps.alloc_calls - a->ps.alloc_calls != allocs || ps.failed_calls - a->ps.failed_calls != fails ||
	    (frees != ANY_CALLS && ps.free_calls - a->ps.free_calls != frees))
		viol(md, "stats", "alloc/failed/free call counters to count this op's page calls",
		     "+%lu/+%lu/+%lu, model +%lu/+%lu/+%lu", ps.alloc_calls - a->ps.alloc_calls,
		     ps.failed_calls - a->ps.failed_calls, ps.free_calls - a->ps.free_calls,
		     allocs, fails, frees);
}

/* ---- scribbles (OPS.md 2.4) -------------------------------------------------
 * The objects holding scribbled bytes that a slub_debug check covers (their
 * dirty sets, slub_model.c), the reports the current op must make (each a
 * BUG of its own, with its FIX lines, as one error-sink report), and the
 * reports it made, caught through machine_set_report(). */
static void report_sink(void *ctx, int code, const char *report)
{
	struct model *md = ctx;

	if (md->k.nobs < KOR_MAX_REPORTS) {
		struct kobs *o = &md->kr.obs[md->k.nobs];
		size_t n = strnlen(report, sizeof(o->text) - 1);

		o->code = code;		/* a copy, not snprintf: every wrong free reports */
		memcpy(o->text, report, n);
		o->text[n] = 0;
	}
	md->k.nobs++;
}

static struct kdirty *dirty_find(struct model *md, uintptr_t obj)
{
	for (unsigned int i = 0; i < md->k.ndirty; i++)
		if (md->k.dirty[i].obj == obj)
			return &md->k.dirty[i];
	return NULL;
}

static void dirty_drop(struct model *md, struct kdirty *kd)
{
	*kd = md->k.dirty[--md->k.ndirty];
}

/* Keep only the bytes a check covers in the object's present state (live
 * or free, its request); drop the record when none is left.  1 if kept. */
static int dirty_refilter(struct model *md, struct kdirty *kd)
{
	struct slubm_dirty old = kd->d;

	memset(&kd->d, 0, sizeof(kd->d));
	for (unsigned int i = 0; i < old.n; i++)
		slubm_dirty_add(&kd->sc->g, kd->live, kd->req, &kd->d, old.lo[i], old.hi[i]);
	if (kd->d.n)
		return 1;
	dirty_drop(md, kd);
	return 0;
}

/* Records of slabs that went back to the page allocator (a new slab there
 * lays everything out afresh), or of every slab of @sc when it is destroyed. */
static void dirty_purge(struct model *md, const struct slubm_cache *sc)
{
	for (unsigned int i = 0; i < md->k.ndirty;) {
		struct kdirty *kd = &md->k.dirty[i];

		if (kd->sc == sc || !slubm_holds(kd->sc, (void *)kd->obj, NULL))
			dirty_drop(md, kd);
		else
			i++;
	}
}

/* The model's cache of a slab object @b and its name, or NULL. */
static struct slubm_cache *slab_cache_of(struct model *md, const struct blk *b, const char **name)
{
	if (b->kind == B_OBJ) {
		*name = md->c[b->cache].name;
		return md->k.sc[b->cache];
	}
	if (b->kind == B_KMALLOC && !b->large) {
		*name = kmalloc_name(md, b->kt, b->kcls);
		return md->k.skc[b->kt][b->kcls];
	}
	return NULL;
}

/* The request slub_debug knows for live block @b: kmalloc's orig_size
 * (the whole object once ksize() was called), else the object size. */
static unsigned int blk_orig_size(const struct blk *b, const struct slubm_cache *sc)
{
	return b->kind == B_KMALLOC && !b->ksized ? (unsigned int)b->req : sc->g.object_size;
}

/* The reports @n of @r, about object @kd, are due in this op. */
static void expect_reports(struct model *md, const struct kdirty *kd, const struct slubm_report *r, unsigned int n)
{
	uintptr_t base = 0;

	slubm_holds(kd->sc, (void *)kd->obj, &base);
	for (unsigned int i = 0; i < n && md->k.nexp < KOR_MAX_REPORTS; i++) {
		struct kexp *e = &md->kr.exp[md->k.nexp++];
		uintptr_t fault = kd->obj + (uintptr_t)(intptr_t)r[i].first;

		e->code = r[i].code;
		e->fault = fault;
		snprintf(e->bug, sizeof(e->bug), "BUG %s (", kd->cache);
		snprintf(e->title, sizeof(e->title), "): %s overwritten\n", r[i].what);
		snprintf(e->detail, sizeof(e->detail), "0x%016lx-0x%016lx @offset=%lu. First byte 0x%x instead of 0x%x",
			 (unsigned long)fault, (unsigned long)(kd->obj + (uintptr_t)(intptr_t)r[i].last),
			 (unsigned long)(fault - base), SLUBM_SCRIBBLE_BYTE, r[i].expected);
	}
}

static uintptr_t obs_fault(const struct kobs *o)
{
	const char *d = strstr(o->text, "\n0x");

	return d ? (uintptr_t)strtoull(d + 1, NULL, 16) : 0;
}

static int exp_cmp(const void *a, const void *b)
{
	uintptr_t x = ((const struct kexp *)a)->fault, y = ((const struct kexp *)b)->fault;
	return x < y ? -1 : x > y;
}

static int obs_cmp(const void *a, const void *b)
{
	uintptr_t x = obs_fault(a), y = obs_fault(b);
	return x < y ? -1 : x > y;
}

/* Each expected report was made, in order (validate: in address order,
 * its slabs are walked in list order), with its cache, what, bytes and
 * code.  The number of reports errors_check() has compared already. */
static void reports_check(struct model *md)
{
	if (md->k.exp_any_order) {
		qsort(md->kr.exp, md->k.nexp, sizeof(md->kr.exp[0]), exp_cmp);
		qsort(md->kr.obs, md->k.nobs < KOR_MAX_REPORTS ? md->k.nobs : KOR_MAX_REPORTS, sizeof(md->kr.obs[0]),
		      obs_cmp);
	}
	for (unsigned int i = 0; i < md->k.nexp && i < md->k.nobs; i++) {
		const struct kexp *e = &md->kr.exp[i];
		const struct kobs *o = &md->kr.obs[i];
		char want[300];

		if (o->code == e->code && strstr(o->text, e->bug) && strstr(o->text, e->title) &&
		    strstr(o->text, e->detail))
			continue;
		snprintf(want, sizeof(want), "%s: %s...%.*s %s", kalloc_error_name(e->code), e->bug,
			 (int)strlen(e->title) - 1, e->title, e->detail);
		viol(md, "slub report", want, "report %u of %u: %s: %.200s", i + 1, md->k.nexp,
		     kalloc_error_name(o->code), o->text);
	}
}

/* The next allocation from @sc hands out a scribbled free object: its
 * checks report.  With F all of check_object, and the slab is taken out of
 * service (the program ends after this op: OPS.md 2.4); with P alone its
 * poison (kalloc checks that on every allocation, Linux only with F). */
static struct kdirty *alloc_expect(struct model *md, struct slubm_cache *sc)
{
	uintptr_t due = slubm_peek_next(sc);
	struct kdirty *kd = due ? dirty_find(md, due) : NULL;
	struct slubm_report r[SLUBM_MAX_REPORTS];
	unsigned int n;

	if (!kd || kd->live)
		return NULL;
	if (sc->g.flags & SLAB_CONSISTENCY_CHECKS) {
		n = slubm_check_object(&sc->g, 0, kd->req, &kd->d, r);
		expect_reports(md, kd, r, n);
		md->k.stop = md->stop = 1;
		return kd;
	}
	if (sc->g.object_poison) {
		struct slubm_dirty pd = { 0 };

		for (unsigned int i = 0; i < kd->d.n; i++)
			if (kd->d.lo[i] < (int)sc->g.object_size && kd->d.hi[i] > 0)
				slubm_dirty_add(&sc->g, 0, kd->req, &pd, kd->d.lo[i] > 0 ? kd->d.lo[i] : 0,
						kd->d.hi[i] < (int)sc->g.object_size ? kd->d.hi[i] :
						(int)sc->g.object_size);
		n = slubm_check_object(&sc->g, 0, kd->req, &pd, r);
		expect_reports(md, kd, r, n);
	}
	return kd;
}

/* The allocation handed out @p; @kd (from alloc_expect) is now live with
 * request @req: init_object() laid out its red zones and poison again. */
static void alloc_done(struct model *md, struct kdirty *kd, const void *p, unsigned int req)
{
	if (!kd || md->k.stop || kd->obj != (uintptr_t)p)
		return;
	kd->live = 1;
	kd->req = req;
	slubm_dirty_relaid(&kd->sc->g, 1, req, &kd->d);
	dirty_refilter(md, kd);
}

/* Write the scribble byte over [lo, hi) of @obj, the metadata excepted. */
static void scribble_write(struct model *md, const struct slubm_geometry *g, int live, unsigned char *obj,
			   int lo, int hi)
{
	static const unsigned char v = SLUBM_SCRIBBLE_BYTE;

	for (int i = lo; i < hi; i++)
		if (!slubm_is_meta(g, live, i) && machine_poke(md->k.m, obj + i, &v, 1))
			viol(md, "scribble", "machine_poke inside memory", "refused at %+d of %p", i, (void *)obj);
}

/* ---- checks --------------------------------------------------------------- */
/* machine_check passes, except that a scribbled free object of a poisoned
 * cache fails its poison (INV_SLAB_POISON) while it is on a freelist.
 * @complete: machine_check(), the walk over everything (the end of every
 * input); else machine_check_changed(), which walks only what changed since
 * the last check (the periodic sweeps: every change the layers make is
 * marked; the scribbles go through machine_poke, which marks its cache) -
 * or nothing, when no op has called the library since the last one: the
 * machine is as that check left it (check() after check(), or after ops the
 * slot rules skipped). */
static void full_machine_check(struct model *md, int complete)
{
	struct kalloc_check ck;
	int want = 0, got;

	if (!complete && !md->k.changed)
		return;
	md->k.changed = 0;
	dirty_purge(md, NULL);
	for (unsigned int i = 0; i < md->k.ndirty; i++) {
		const struct kdirty *kd = &md->k.dirty[i];

		for (unsigned int j = 0; j < kd->d.n && !kd->live && kd->sc->g.object_poison; j++)
			if (kd->d.lo[j] < (int)kd->sc->g.object_size && kd->d.hi[j] > 0)
				want = INV_SLAB_POISON;
	}
	got = complete ? machine_check(md->k.m, &ck) : machine_check_changed(md->k.m, &ck);
	if (got != want)
		viol(md, "machine_check", want ? "INV_SLAB_POISON (a scribbled free object)" : "machine_check() == 0",
		     "%s: %s", got ? kalloc_invariant_name(ck.code) : "0", got ? ck.msg : "passed");
}

/* A violation the model's SLUB found, reported as any other. */
static void slub_viol(struct model *md, const char *v)
{
	if (v)
		viol(md, md->k.sm.what, md->k.sm.expected, "%s", md->k.sm.found);
}

/* The cache's stats, read once: active_objs against the objects the model
 * holds, then every field against the model's SLUB @sc (geometry, slabs,
 * pages, partial/full/CPU/empty slabs, objects, calls). */
static void cache_count_check(struct model *md, struct kmem_cache *s, struct slubm_cache *sc,
			      unsigned long live, const char *name)
{
	struct slab_stats st;

	kmem_cache_stats(s, &st);
	if (st.active_objs != live)
		viol(md, "stats", "active_objs equal to the objects the model holds",
		     "%s: active_objs %lu, model %lu", name, st.active_objs, live);
	if (sc)
		slub_viol(md, slubm_expect(sc, &st));
}

static void counters_check(struct model *md)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	unsigned long owners[NR_PAGE_OWNERS];

	buddy_page_stats(md->k.m, &ps);
	page_owner_counts(md->k.m, owners);
	/* Page blocks by their owner: ps.pages also counts the owners above
	 * the page allocator (vmalloc, user, page tables: vm_oracle.c's). */
	if (owners[PAGE_OWNER_PAGES] != md->k.page_pages + vm_plain_pages(md) ||
	    ps.kmalloc_large != md->k.large_pages || owners[PAGE_OWNER_LARGE_KMALLOC] != md->k.large_pages)
		viol(md, "stats", "pages/kmalloc_large equal to the model's page blocks",
		     "pages %lu (model %lu), kmalloc_large %lu (model %lu)", owners[PAGE_OWNER_PAGES],
		     md->k.page_pages + vm_plain_pages(md), ps.kmalloc_large, md->k.large_pages);
	{
		/* Every other owner (plain pages, vmalloc, user pages, page
		 * tables: the layers above the page allocator) by the owner table. */
		unsigned long others = 0;

		/* (Summed whole, the four named owners taken out again: a
		 * branch per owner was a fifth of this per-op check.) */
		for (int o = 0; o < NR_PAGE_OWNERS; o++)
			others += owners[o];
		others -= owners[PAGE_OWNER_FREE] + owners[PAGE_OWNER_PCP] + owners[PAGE_OWNER_SLAB] +
			  owners[PAGE_OWNER_LARGE_KMALLOC];
		if (ps.total != md->k.cfg.nr_pages ||
		    ps.free + ps.pcp + others + ps.slab + ps.kmalloc_large != ps.total)
			viol(md, "stats", "free + pcp + other owners + slab + kmalloc_large == total frames",
			     "%lu + %lu + %lu + %lu + %lu vs %lu", ps.free, ps.pcp, others, ps.slab,
			     ps.kmalloc_large, ps.total);
	}
	kmalloc_stats(md->k.m, &ks);
	if (ks.large_allocs != md->k.large_allocs || ks.large_pages != md->k.large_pages)
		viol(md, "stats", "kmalloc_stats equal to the model's large kmallocs",
		     "large_allocs %lu (model %lu), large_pages %lu (model %lu)",
		     ks.large_allocs, md->k.large_allocs, ks.large_pages, md->k.large_pages);
}

static void errors_check(struct model *md)
{
	unsigned long now = machine_errors_total(md->k.m);
	unsigned long want = md->k.nexp ? md->k.nexp : md->k.want_err ? 1 : 0;

	if (md->k.nexp && md->k.stop) {
		/* The allocation that isolates a slab retries (as ___slab_alloc
		 * does) and may meet another scribbled free object in the slab it
		 * takes next: the reports predicted for the first come first, and
		 * each further one must be about a scribbled free object the model
		 * knows (its fault inside that object's slot). */
		if (now - md->k.errs_before < want || md->k.nobs < want ||
		    now - md->k.errs_before != md->k.nobs)
			viol(md, "error sink", "the slub_debug reports the model predicts, then only more scribbled objects",
			     "%lu report(s) (%u caught), %u expected; last %s: %.300s", now - md->k.errs_before,
			     md->k.nobs, md->k.nexp, kalloc_error_name(machine_last_error(md->k.m)),
			     machine_last_report(md->k.m));
		for (unsigned int i = md->k.nexp; i < md->k.nobs && i < KOR_MAX_REPORTS; i++) {
			uintptr_t f = obs_fault(&md->kr.obs[i]);
			int known = 0;

			for (unsigned int j = 0; j < md->k.ndirty && !known; j++) {
				const struct kdirty *kd = &md->k.dirty[j];
				uintptr_t lo = kd->obj - kd->sc->g.red_left_pad;

				known = !kd->live && f >= lo && f < lo + kd->sc->g.size;
			}
			if (!known)
				viol(md, "slub report", "a further report only about a scribbled free object",
				     "report %u: %s: %.200s", i + 1, kalloc_error_name(md->kr.obs[i].code),
				     md->kr.obs[i].text);
		}
		md->k.nobs = md->k.nexp;
		reports_check(md);
		return;
	}
	if (md->k.nexp) {
		if (now - md->k.errs_before != want || md->k.nobs != want)
			viol(md, "error sink", "the slub_debug reports the model predicts",
			     "%lu report(s) (%u caught), %u expected; last %s: %.300s", now - md->k.errs_before,
			     md->k.nobs, md->k.nexp, kalloc_error_name(machine_last_error(md->k.m)),
			     machine_last_report(md->k.m));
		reports_check(md);
		return;
	}

	if (now - md->k.errs_before != want)
		viol(md, "error sink", md->k.want_err ? kalloc_error_name(md->k.want_err) : "no report",
		     "%lu report(s), last %s: %s", now - md->k.errs_before,
		     kalloc_error_name(machine_last_error(md->k.m)), machine_last_report(md->k.m));
	if (want && machine_last_error(md->k.m) != md->k.want_err)
		viol(md, "error sink", kalloc_error_name(md->k.want_err), "%s: %s",
		     kalloc_error_name(machine_last_error(md->k.m)), machine_last_report(md->k.m));
}

/* The slab layer's pages (page_stats.slab) against the model's SLUB: the
 * pages of every cache the model follows, since no other cache holds a
 * slab (nothing allocates from a kmalloc class before the model looks it
 * up).  The library's own sum over every cache of the machine (52 or more
 * kmem_cache_stats calls) is taken only while a slab of the model's is of
 * unknown order; that sum agreeing with page_stats.slab and with every
 * cache's slabs is machine_check()'s (INV_SLAB_PAGES), at the end of every
 * input at the latest. */
static void slab_pages_check(struct model *md)
{
	struct page_stats ps;
	long model = slubm_pages(&md->k.sm);

	buddy_page_stats(md->k.m, &ps);
	if (model >= 0 && ps.slab != (unsigned long)model)
		viol(md, "stats", "the slab layer's pages equal the pages of the model's caches",
		     "page_stats.slab %lu, model %ld", ps.slab, model);
	if (model < 0) {
		unsigned long slab_pages = 0;

		for (struct kmem_cache *s = NULL; (s = kmem_cache_next(md->k.m, s));) {
			struct slab_stats st;

			kmem_cache_stats(s, &st);
			slab_pages += st.pages;
		}
		if (ps.slab != slab_pages)
			viol(md, "stats", "the slab layer's pages equal the sum over caches",
			     "page_stats.slab %lu, caches %lu", ps.slab, slab_pages);
	}
}

/* Everything: every K ops and on check() (KOR_SWEEP_PERIODIC: with the
 * machine's check of what changed), and at the end (KOR_SWEEP_END: the
 * complete machine_check is left to the very end, after everything is
 * freed). */
void kor_sweep(struct model *md, int when)
{
	if (when == KOR_SWEEP_PERIODIC)
		full_machine_check(md, 0);
	/* The classes looked up (kused; the others hold nothing: their slab
	 * pages are slab_pages_check's below), in the order of before. */
	for (int t = 0; t < NR_KT; t++)
		for (unsigned int left = md->k.kused[t]; left; left &= left - 1) {
			int i = __builtin_ctz(left);

			cache_count_check(md, md->k.kc[t][i], md->k.skc[t][i], md->k.klive[t][i], "kmalloc class");
		}
	for (int c = 0; c < NR_CSLOTS; c++)
		if (md->c[c].s)
			cache_count_check(md, md->c[c].s, md->k.sc[c], md->c[c].live, "cache");
	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].pat)
			pat_check(md, i, 1);
	slab_pages_check(md);
}

/* ASan's view of a live block: its @req bytes addressable, the next 8-byte
 * granule poisoned if the block goes on (kmalloc unpoisons exactly the
 * request); of a freed block: its first byte poisoned. */

#ifdef MODEL_KASAN
struct kasan_walk {
	const unsigned char *p;
	const unsigned char *bad;	/* the first poisoned byte found, or NULL */
};

static void kasan_piece(void *ctx, size_t from, size_t to)
{
	struct kasan_walk *w = ctx;

	if (!w->bad)
		w->bad = __asan_region_is_poisoned((void *)(w->p + from), to - from);
}
#endif

/* The request's bytes are checked where the patterns are (pieces_walk: all
 * of a block up to 4 KiB, above that the first 64 bytes of every page and
 * the last 64): ASan's shadow query over a whole MiB-sized request was a
 * tenth of an ASan fuzz run. */
static void kasan_live_check(struct model *md, const unsigned char *p, size_t req, size_t span)
{
#ifdef MODEL_KASAN
	size_t next = (req + 7) & ~(size_t)7;
	struct kasan_walk w = { p, NULL };

	pieces_walk(req, req, kasan_piece, &w);
	if (w.bad)
		viol(md, "kasan", "the requested bytes unpoisoned", "byte %zu of %zu poisoned",
		     (size_t)(w.bad - p), req);
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

/* A new block: the neutral checks, then kalloc's poisoning promise (the
 * requested bytes addressable, the granule after them poisoned). */
static void kor_new_block(struct model *md, int slot, const struct blk *nb, int dma_only, size_t align)
{
	new_block_check(md, slot, nb, dma_only, align);
	kasan_live_check(md, nb->p, nb->req, nb->kind == B_OBJ ? nb->req : nb->span);
}

/* ---- freeing a block through its own layer ------------------------------ */
static int free_own(struct model *md, struct blk *b)
{
	switch (b->kind) {
	case B_KMALLOC: case B_ZERO:
#ifdef KALLOC_VMALLOC_H
		if (b->kv)	/* kvmalloc's kmalloc block: kvfree() (vm_oracle.c) */
			return kvfree(md->k.m, b->p);
#endif
		return kfree(md->k.m, b->p);
	case B_PAGE:
		return __free_pages(md->k.m, b->pg, b->order);
	case B_ADDR:
		return free_pages(md->k.m, (unsigned long)b->p, b->order);
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
			md->k.large_allocs--;
			md->k.large_pages -= 1UL << b->order;
		} else {
			md->k.klive[b->kt][b->kcls]--;
			slub_viol(md, slubm_free(md->k.skc[b->kt][b->kcls], b->p));
			cache_count_check(md, md->k.kc[b->kt][b->kcls], md->k.skc[b->kt][b->kcls],
					  md->k.klive[b->kt][b->kcls], "kmalloc class");
		}
		break;
	case B_PAGE: case B_ADDR:
		md->k.page_pages -= 1UL << b->order;
		break;
	case B_OBJ:
		md->c[b->cache].live--;
		slub_viol(md, slubm_free(md->k.sc[b->cache], b->p));
		cache_count_check(md, md->c[b->cache].s, md->k.sc[b->cache], md->c[b->cache].live, "cache");
		break;
	}
	blk_clear(b);
}

/* Free slot @slot's block through its own layer: 1 when freed.  0 when a
 * SLAB_CONSISTENCY_CHECKS cache refused it as it must: the object holds
 * scribbled bytes its checks cover; they report and repair, the free
 * returns the first report's code and the block stays (OPS.md 2.4). */
static int free_expect_ok(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];
	struct snap s;
	int pages = b->kind == B_PAGE || b->kind == B_ADDR || (b->kind == B_KMALLOC && b->large);
	struct kdirty *kd = b->kind == B_OBJ || (b->kind == B_KMALLOC && !b->large) ?
		dirty_find(md, (uintptr_t)b->p) : NULL;
	uintptr_t obj = (uintptr_t)b->p;
	int rc;

	pat_check(md, slot, 1);
	if (kd && (kd->sc->g.flags & SLAB_CONSISTENCY_CHECKS)) {
		struct slubm_report r[SLUBM_MAX_REPORTS];
		unsigned int n = slubm_check_object(&kd->sc->g, 1, kd->req, &kd->d, r);

		expect_reports(md, kd, r, n);
		dirty_refilter(md, kd);
		rc = free_own(md, b);
		if (n) {
			if (rc != -r[0].code)
				viol(md, "free", "refused with the first report's code (F: a damaged object is not freed)",
				     "p%d: %d (%s)", slot, rc, rc < 0 ? kalloc_error_name(-rc) : "freed");
			return 0;
		}
	} else {
		if (pages)
			buddy_page_stats(md->k.m, &s.ps);
		rc = free_own(md, b);
	}
	if (rc)
		viol(md, "free", "0", "p%d: %s (%s)", slot, kalloc_error_name(-rc), machine_last_report(md->k.m));
	if (pages)
		calls_check(md, &s, 0, 0, 1);
	if (b->kind != B_ZERO)
		kasan_freed_check(md, b->p);
	forget(md, b);
	kd = dirty_find(md, obj);
	if (kd) {	/* init_object() lays out its red zones and poison again */
		kd->live = 0;
		kd->req = kd->sc->g.object_size;
		slubm_dirty_relaid(&kd->sc->g, 0, kd->req, &kd->d);
		dirty_refilter(md, kd);
	}
	return 1;
}

void kor_free(struct model *md, int slot)
{
	free_expect_ok(md, slot);
}

/* A deliberate wrong free: exactly @code, once, and nothing changed. */
static void bad_free(struct model *md, int code, int (*call)(struct model *, void *), void *arg)
{
	struct snap s;
	int rc;

	snap_take(md, &s);
	md->k.want_err = code;
	rc = call(md, arg);
	if (rc != -code)
		viol(md, "wrong free", kalloc_error_name(code), "returned %d (%s)", rc,
		     rc < 0 ? kalloc_error_name(-rc) : "success");
	snap_same(md, &s, "a refused free to change nothing", 0);
	/* machine_check follows at the next sweep (every K ops, and the end). */
	result(md, "-%s (refused as it must be)", kalloc_error_name(code));
}

/* ---- allocation ----------------------------------------------------------- */
/* A vmalloc address (kvmalloc's fallback); none without vmalloc. */
static int kor_is_vmalloc(struct model *md, const void *p)
{
#ifdef KALLOC_VMALLOC_H
	return is_vmalloc_addr(md->k.m, p);
#else
	(void)md; (void)p;
	return 0;
#endif
}

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
	int pending = buddy_injected_pending(md->k.m) > 0, fall_back = 0;
	struct expect e = { 0, 0 };
	struct slubm_cache *sc = NULL;
	struct kdirty *kd;
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
	if (size > md->k.max_size) {
		e.must_fail = 1;
		md->k.want_err = KERR_TOO_BIG;
	} else if (size <= md->k.max_cache) {
		unsigned int order, fallback;
		int need;

		/* It may fail only when the model's SLUB needs a new slab and no
		 * block of the fallback order can be had. */
		cls = kmalloc_class_of(md, size);
		kmalloc_cache(md, kt, cls);
		sc = md->k.skc[kt][cls];
		need = slubm_next_alloc(sc, &order, &fallback);
		fall_back = pending || !block_available(md, kt == KT_DMA, order);
		e.may_fail = need && (pending || !block_available(md, kt == KT_DMA, fallback));
	} else {
		e.may_fail = pending || !block_available(md, gbits & GFPB_DMA, slubm_get_order(size));
	}
	kd = sc ? alloc_expect(md, sc) : NULL;
	/* The state before the call is needed only where a NULL is allowed
	 * (a failure must leave no trace: snap_same), and its call counters
	 * for a large kmalloc (calls_check).  A NULL the model does not allow
	 * is a violation before either is looked at: the snapshot of every
	 * zone and cache was taken before every allocation for nothing. */
	if (e.may_fail || e.must_fail)
		snap_take(md, &s);
	else if (cls < 0)
		buddy_page_stats(md->k.m, &s.ps);
	p = call(md, arg);
	if (md->k.stop) {	/* a slab was taken out of service: the program ends here */
		result(md, "%s (a scribbled object found: slab isolated, the program ends)", where(md, p, w, sizeof(w)));
		return NULL;
	}
	if (p && md->k.kv_fallback && kor_is_vmalloc(md, p)) {
		/* kvmalloc fell back to vmalloc: only after its kmalloc failed. */
		if (!e.may_fail && !e.must_fail)
			viol(md, "kvmalloc", "kmalloc to serve it: kmalloc could (a slab has a free object or a "
			     "block is free, no failure injected)", "a vmalloc area for %zu bytes", size);
		if (sc) {
			slub_viol(md, slubm_alloc(sc, NULL, fall_back));
			cache_count_check(md, md->k.kc[kt][cls], sc, md->k.klive[kt][cls], "kmalloc class");
		}
		return p;	/* nb stays empty: vm_oracle.c takes the area */
	}
	if (cls < 0 && !e.must_fail && !md->k.kv_fallback)	/* a large kmalloc is one page request */
		calls_check(md, &s, 1, !p, call == call_krealloc ? ANY_CALLS : 0);
	if (!p) {
		if (!e.may_fail && !e.must_fail)
			viol(md, "failure", sc ? "success: a slab has a free object, or a block of the slab's "
			     "fallback order is free and no failure is injected" :
			     "success: a free block big enough exists and no failure is injected",
			     "NULL for %zu bytes", size);
		if (sc) {
			slub_viol(md, slubm_alloc(sc, NULL, fall_back));
			cache_count_check(md, md->k.kc[kt][cls], sc, md->k.klive[kt][cls], "kmalloc class");
		}
		snap_same(md, &s, "a failed allocation to leave no trace", md->k.kv_fallback ? 2 : 1);
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
		struct kmem_cache *got = virt_to_cache(md->k.m, p);

		nb->kcls = cls;
		nb->span = md->k.ksz[cls];
		if (got != md->k.kc[kt][cls]) {
			viol(md, "class", kmalloc_name(md, kt, cls), "%zu bytes served by %s", size,
			     got ? kmem_cache_name(got) : "no cache");
		}
		/* Which slab it came from; the counts follow after the op. */
		slub_viol(md, slubm_alloc(sc, p, fall_back));
		alloc_done(md, kd, p, (unsigned int)size);
	} else {
		nb->large = 1;
		nb->order = slubm_get_order(size);
		nb->span = PAGE_SIZE << nb->order;
		if (virt_to_cache(md->k.m, p))
			viol(md, "class", "pages from the buddy allocator (large kmalloc)", "%zu bytes from %s",
			     size, kmem_cache_name(virt_to_cache(md->k.m, p)));
	}
	align = is_pow2(size) ? size : 8;
	kor_new_block(md, slot, nb, gbits & GFPB_DMA, align);
	if (gbits & GFPB_ZERO)
		zero_check(md, p, size);
	if (cls >= 0) {
		result(md, "%s (%s)", where(md, p, w, sizeof(w)), kmalloc_name(md, kt, cls));
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
		md->k.large_allocs++;
		md->k.large_pages += 1UL << nb->order;
	} else {
		md->k.klive[nb->kt][nb->kcls]++;
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
	return kmalloc(md->k.m, k->size, k->gfp);
}
static void *call_kzalloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kzalloc(md->k.m, k->size, k->gfp & ~__GFP_ZERO);
}
static void *call_kmalloc_array(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kmalloc_array(md->k.m, k->n, k->elem, k->gfp);
}
static void *call_krealloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return krealloc(md->k.m, k->old, k->size, k->gfp);
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

			md->k.want_err = KERR_OVERFLOW;
			snap_take(md, &s);
			p = kmalloc_array(md->k.m, k.n, rec_size(r), k.gfp);
			if (p)
				viol(md, "overflow", "NULL and KERR_OVERFLOW", "a pointer");
			snap_same(md, &s, "an overflowing kmalloc_array to change nothing", 0);
			result(md, "NULL (n * size overflows)");
			return;
		}
	}
	kmalloc_checked(md, k.size, gbits, slot, &nb,
			op == OP_KMALLOC ? call_kmalloc : op == OP_KZALLOC ? call_kzalloc : call_kmalloc_array, &k);
	if (nb.kind != B_EMPTY && !md->k.stop) {
		md->b[slot] = nb;
		kmalloc_account(md, &nb);
	}
}

#ifdef KALLOC_VMALLOC_H
static void *call_kvmalloc(struct model *md, const void *a)
{
	const struct kcall *k = a;
	return kvmalloc(md->k.m, k->size, k->gfp);
}

/* kvmalloc (vm_oracle.c's op): Linux's rule (mm/util.c) as the model's
 * own: up to a page it is kmalloc, checked as kmalloc; above, kmalloc is
 * tried up to kmalloc's largest size and a vmalloc area is allowed only
 * where that kmalloc may fail, and never for an atomic request; above
 * kmalloc's largest size it is vmalloc (NULL for an atomic request, and
 * KERR_TOO_BIG above INT_MAX).  Returns an area for vm_oracle.c to check,
 * or NULL when the op is done here (a kmalloc block stored, or NULL). */
void *kor_kvmalloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	unsigned int gbits = rec_gfpbits(r);
	size_t size = rec_size(r);
	struct kcall k = { 1, size, size, gfp_of_bits(gbits), NULL };
	struct blk nb;
	void *p;

	if (size <= PAGE_SIZE || size <= md->k.max_size) {
		md->k.kv_fallback = size > PAGE_SIZE && !(gbits & GFPB_ATOMIC);
		p = kmalloc_checked(md, size, gbits, slot, &nb, call_kvmalloc, &k);
		md->k.kv_fallback = 0;
		if (nb.kind != B_EMPTY) {
			nb.kv = 1;
			md->b[slot] = nb;
			kmalloc_account(md, &nb);
			return NULL;
		}
		return p;	/* NULL (result said), or the fallback's area */
	}
	/* Above INT_MAX kvmalloc refuses; above the machine's memory vmalloc
	 * does ("vmalloc error: size N, exceeds total pages"). */
	if (size > md->k.mem && !(gbits & GFPB_ATOMIC))
		md->k.want_err = KERR_TOO_BIG;
	p = kvmalloc(md->k.m, size, k.gfp);
	if ((gbits & GFPB_ATOMIC) || size > md->k.mem) {
		if (p)
			viol(md, "kvmalloc", size > md->k.mem ? "NULL above the machine's memory" :
			     "NULL: an atomic request above kmalloc's sizes cannot vmalloc", "a block");
		result(md, "NULL (as it must)");
		return NULL;
	}
	if (p && !is_vmalloc_addr(md->k.m, p))
		viol(md, "kvmalloc", "a vmalloc area above kmalloc's largest size", "a block outside VMALLOC");
	if (!p)
		result(md, "NULL");
	return p;
}
#endif

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
		if (nb.kind != B_EMPTY && !md->k.stop) {
			*b = nb;
			kmalloc_account(md, &nb);
		}
		return;
	}
	pat_check(md, slot, 1);
	if (size == 0) {
		p = krealloc(md->k.m, b->p, 0, k.gfp);
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
		p = krealloc(md->k.m, b->p, size, k.gfp);
		if (p != b->p)
			viol(md, "krealloc", "the same block while the new size fits ksize()", "%s",
			     where(md, p, w, sizeof(w)));
		snap_same(md, &s, "an in-place krealloc to change no counters", 0);
		b->req = size;
		b->ksized = 0;		/* the kmalloc red zone moves to the new request */
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
	if (md->k.stop)
		return;
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
	int pending = buddy_injected_pending(md->k.m) > 0;
	int must_fail = order > md->k.cfg.max_order;
	int may_fail = pending || !block_available(md, gbits & GFPB_DMA, order);
	struct blk nb = { 0 };
	struct snap s;
	char w[64];

	if (must_fail)
		md->k.want_err = KERR_INVAL;
	snap_take(md, &s);
	if (op == OP_ALLOC_PAGES) {
		nb.pg = alloc_pages(md->k.m, gfp, order);
		nb.p = nb.pg ? page_address(md->k.m, nb.pg) : NULL;
		if (nb.pg && (virt_to_page(md->k.m, nb.p) != nb.pg ||
			      page_to_pfn(md->k.m, nb.pg) != ((uintptr_t)nb.p - (uintptr_t)md->k.base) >> PAGE_SHIFT))
			viol(md, "direct map", "page_address/virt_to_page/page_to_pfn to agree",
			     "struct page %p, address %s", (void *)nb.pg, where(md, nb.p, w, sizeof(w)));
	} else {
		nb.p = (unsigned char *)__get_free_pages(md->k.m, gfp, order);
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
	kor_new_block(md, slot, &nb, gbits & GFPB_DMA, PAGE_SIZE << order);
	if (gbits & GFPB_ZERO)
		zero_check(md, nb.p, nb.span);
	md->b[slot] = nb;
	md->k.page_pages += 1UL << order;
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

	/* The c-slots of constructor caches only (a walk over every c-slot
	 * after every op was a per-op cost for a check most programs have no
	 * cache for); the ctor_runs total below sees a run of any cache. */
	for (unsigned long long left = md->k.ctor_slots; left; left &= left - 1) {
		int c = __builtin_ctzll(left);
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
	if (ctor_runs - md->k.ctor_runs_seen != counted)
		viol(md, "ctor", "ctor_calls equal to the constructor's real runs",
		     "%lu runs, caches counted %lu", ctor_runs - md->k.ctor_runs_seen, counted);
	md->k.ctor_runs_seen = ctor_runs;
}

static void op_cache_create(struct model *md, const uint8_t *r)
{
	int c = (int)rec_c(r);
	/* The API takes an unsigned int: larger SIZEs pass UINT_MAX (OPS.md). */
	size_t size = rec_size(r) > UINT_MAX ? UINT_MAX : rec_size(r);
	unsigned int align = rec_align(r), cf = rec_cflags(r);
	slab_flags_t flags = kalloc_slab_flags(cf);
	struct kmem_cache *s;
	struct slubm_geometry g;
	/* Refused: size 0 or above 4 MiB, an alignment that is not a power of
	 * two, or a slot no slab up to the machine's max_order holds - as the
	 * model's own SLUB lays it out, with the machine's CPUs and slub_debug. */
	int invalid = slubm_geometry_v((unsigned int)size, align, flags, !!(cf & CFLAG_CTOR), md->k.cfg.nr_cpus,
				       md->k.cfg.max_order, md->k.cfg.slub_debug, md->k.cfg.kernel_version,
				       &g) != 0;

	if (invalid)
		md->k.want_err = KERR_INVAL;
	s = kmem_cache_create(md->k.m, rec_name(r), (unsigned int)size, align, flags,
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
	md->c[c].align = g.align;
	md->c[c].cflags = cf;
	md->c[c].name = rec_name(r);
	md->c[c].live = 0;
	md->c[c].ctor_calls = md->c[c].num_objs = 0;
	md->c[c].seq = ++md->k.cache_seq;
	if (cf & CFLAG_CTOR)
		md->k.ctor_slots |= 1ULL << c;
	md->k.sc[c] = slubm_cache_create(&md->k.sm, &g, !!(cf & CFLAG_CTOR));
	if (!md->k.sc[c])
		viol(md, "host", "memory for the model", "out of memory");
	cache_count_check(md, s, md->k.sc[c], 0, "cache");	/* the geometry, at once */
	result(md, "cache, objects aligned to %u", md->c[c].align);
}

static void op_cache_alloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r), c = (int)rec_c6(r);
	struct mcache *mc = &md->c[c];
	unsigned int gbits = rec_gfpbits(r);
	int pending = buddy_injected_pending(md->k.m) > 0, dma = !!(mc->cflags & CFLAG_DMA);
	struct slubm_cache *sc = md->k.sc[c];
	unsigned long slabs = sc->nr_slabs;
	unsigned int order, fallback;
	struct blk nb = { 0 };
	struct snap s;
	char w[64];
	void *p;
	/* It may fail only when the model's SLUB needs a new slab and no block
	 * of the fallback order can be had; it may fall back when the slab
	 * order cannot be had. */
	int need = slubm_next_alloc(sc, &order, &fallback);
	int fall_back = pending || !block_available(md, dma, order);
	int may_fail = need && (pending || !block_available(md, dma, fallback));

	struct kdirty *kd = alloc_expect(md, sc);

	snap_take(md, &s);
	p = kmem_cache_alloc(mc->s, gfp_of_bits(gbits));
	if (md->k.stop) {	/* a slab was taken out of service: the program ends here */
		result(md, "%s (a scribbled object found: slab isolated, the program ends)", where(md, p, w, sizeof(w)));
		return;
	}
	slub_viol(md, slubm_alloc(sc, p, fall_back));
	alloc_done(md, kd, p, sc->g.object_size);
	if (!p) {
		if (!may_fail)
			viol(md, "failure", need ? "an object: a block of the slab's fallback order is free" :
			     "an object: the CPU slab or a partial slab has a free one", "NULL");
		cache_count_check(md, mc->s, sc, mc->live, "cache");
		snap_same(md, &s, "a failed allocation to leave no trace", 1);
		result(md, "NULL%s", pending ? " (injected)" : " (out of memory)");
		return;
	}
	if (virt_to_cache(md->k.m, p) != mc->s)
		viol(md, "cache", kmem_cache_name(mc->s), "object in %s",
		     virt_to_cache(md->k.m, p) ? kmem_cache_name(virt_to_cache(md->k.m, p)) : "no cache");
	nb.kind = B_OBJ;
	nb.p = p;
	nb.req = nb.span = mc->size;
	nb.cache = c;
	nb.id = ++md->next_id;
	kor_new_block(md, slot, &nb, dma, mc->align);
	if (gbits & GFPB_ZERO) {
		zero_check(md, p, mc->size);
	} else if (mc->cflags & CFLAG_CTOR) {
		/* A slab populated by this allocation hands out a constructed
		 * object (the model knows when it took a new slab). */
		if (sc->nr_slabs > slabs && *(unsigned char *)p != CTOR_BYTE)
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
	unsigned int before = kmem_cache_count(md->k.m);
	int rc;

	md->k.want_err = mc->live ? KERR_CACHE_BUSY : 0;
	rc = kmem_cache_destroy(mc->s);
	if (rc != -md->k.want_err)
		viol(md, "kmem_cache_destroy", md->k.want_err ? "-KERR_CACHE_BUSY" : "0", "%d (%s)", rc,
		     kalloc_error_name(rc < 0 ? -rc : 0));
	if (!rc)
		dirty_purge(md, md->k.sc[c]);	/* before the model's cache goes */
	slub_viol(md, slubm_destroy(&md->k.sc[c], rc));
	if (rc) {
		cache_count_check(md, mc->s, md->k.sc[c], mc->live, "cache");	/* shrunk, and kept */
		result(md, "-KERR_CACHE_BUSY (%lu objects live)", mc->live);
		return;
	}
	if (kmem_cache_count(md->k.m) != before - 1)
		viol(md, "kmem_cache_destroy", "one cache fewer", "%u caches, was %u",
		     kmem_cache_count(md->k.m), before);
	md->k.ctor_slots &= ~(1ULL << c);
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
		return __free_pages(md->k.m, x->b->pg, x->order);
	return free_pages(md->k.m, (unsigned long)x->b->p, x->order);
}
static int call_free_interior(struct model *md, void *a)
{
	struct badarg *x = a;
	unsigned char *q = x->b->p + x->off;

	switch (x->b->kind) {
	case B_KMALLOC: return kfree(md->k.m, q);
	case B_OBJ: return kmem_cache_free(md->c[x->b->cache].s, q);
	default: return free_pages(md->k.m, (unsigned long)q, x->b->order);
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
		return free_pages(md->k.m, (unsigned long)x->b->p, x->b->order);
	return kfree(md->k.m, x->b->p);
}
static int call_free_foreign(struct model *md, void *a)
{
	struct badarg *x = a;
	unsigned char *q = md->k.base + md->k.mem;

	switch (x->fn) {
	case FOREIGN_KFREE: return kfree(md->k.m, q);
	case FOREIGN_FREE_PAGES: return free_pages(md->k.m, (unsigned long)q, 0);
	default: return kmem_cache_free(x->s, q);
	}
}

static struct kmem_cache *cache_of(struct model *md, const struct blk *b)
{
	if (b->kind == B_OBJ)
		return md->c[b->cache].s;
	if (b->kind == B_KMALLOC && !b->large)
		return md->k.kc[b->kt][b->kcls];
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
		if (b->kind == B_EMPTY || b->kind == B_ZERO || dirty_find(md, (uintptr_t)b->p))
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
 * snprintf-style length is checked, and is *@len for the checks that
 * follow), printed only when tracing. */
static const char *print_proc(struct model *md, int (*fn)(const struct machine *, char *, size_t), size_t *len)
{
	static char buf[1 << 16];
	int need = fn(md->k.m, buf, sizeof(buf));

	size_t got = strlen(buf);

	/* snprintf-style: the full length, the text cut to the buffer. */
	if (need < 0 || ((size_t)need < sizeof(buf) ? got != (size_t)need : got != sizeof(buf) - 1))
		viol(md, "proc", "an snprintf-style length", "%d for %zu bytes written", need, got);
	if ((size_t)need >= sizeof(buf)) {
		char *big = malloc((size_t)need + 1);

		if (!big)
			return NULL;
		if (fn(md->k.m, big, (size_t)need + 1) != need)
			viol(md, "proc", "the same length twice", "length changed");
		if (md->o->trace)
			fprintf(md->o->trace, "%s", big);
		free(big);
		return NULL;
	}
	if (md->o->trace)
		fprintf(md->o->trace, "%s", buf);
	*len = got;
	return buf;
}

/* ---- /proc/slabinfo, as the model renders it ------------------------------
 * Every row the machine must list, newest cache first, in Linux's format
 * ("%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu
 * %6lu"): the program's caches, then the general caches in the reverse of
 * kmalloc_init's order (type by type, the two odd sizes before the powers of
 * two).  The numbers are the model's SLUB's (slubm_slabinfo) for the caches
 * it follows; a general cache the program never used is at boot state: no
 * slab, the geometry the model lays out for it.  Those boot rows depend on
 * the configuration only, so they are rendered once per configuration (a
 * few are kept) and then compared as bytes; the text is compared word by
 * word, not parsed, and nothing is snprintf'd per row. */
#define SI_ROW		160	/* a row: name up to 40, eight fields, tunables: 143 bytes
				 * at most (8192 pages hold under 10^7 objects) */
#define SI_CONFIGS	8	/* configurations whose boot rows are kept */

struct si_boot {
	unsigned int key[5];	/* profile, nr_cpus, max_order, slub_debug, kernel_version; key[0] 0: unused */
	unsigned int n;		/* general caches, in list order (newest first): */
	unsigned char type[NR_KT * KMALLOC_MAX_CACHES], cls[NR_KT * KMALLOC_MAX_CACHES];
	unsigned short off[NR_KT * KMALLOC_MAX_CACHES + 1];	/* row L is text[off[L], off[L + 1]) */
	char text[NR_KT * KMALLOC_MAX_CACHES * SI_ROW];
};

/* " %*lu" over a row prefilled with spaces: right-aligned in @width, the
 * space kept when @v is wider. */
static char *si_field(char *r, unsigned long v, int width)
{
	int n = 1;
	char *q;

	for (unsigned long t = v; t >= 10; t /= 10)
		n++;
	r += 1 + (n < width ? width : n);
	q = r;
	do
		*--q = (char)('0' + v % 10);
	while (v /= 10);
	return r;
}

/* A row's numbers, from the first field on. */
static size_t si_tail(char *buf, const struct slubm_slabinfo *si)
{
	static const char tunables[] = " : tunables    0    0    0 : slabdata";
	static const char spaces[SI_ROW] = { [0 ... SI_ROW - 1] = ' ' };
	char *r = buf;

	memcpy(buf, spaces, SI_ROW - 40);
	r = si_field(r, si->active, 6);
	r = si_field(r, si->num, 6);
	r = si_field(r, si->size, 6);
	r = si_field(r, si->objperslab, 4);
	r = si_field(r, si->pagesperslab, 4);
	memcpy(r, tunables, sizeof(tunables) - 1);
	r += sizeof(tunables) - 1;
	r = si_field(r, si->slabs, 6);
	r = si_field(r, si->slabs, 6);
	memcpy(r, "      0\n", 8);
	return (size_t)(r + 8 - buf);
}

/* "%-17s": the name, padded. */
static size_t si_name(char *buf, const char *name)
{
	size_t n = strnlen(name, 40);

	memcpy(buf, name, n);
	for (size_t i = n; i < 17; i++)
		buf[i] = ' ';
	return n > 17 ? n : 17;
}

/* A general cache's name as si_name pads it, written once per process
 * (the names are the profiles' constants): a boot row's name is then one
 * fixed-size copy.  0 when it does not fit (never for the names of
 * kmalloc_name): the caller pads it itself. */
#define SI_PNAME	24
static size_t si_padded(struct model *md, int type, int cls, const char **padded)
{
	static char pname[2][NR_KT][KMALLOC_MAX_CACHES][SI_PNAME];
	static unsigned char plen[2][NR_KT][KMALLOC_MAX_CACHES];
	int classic = md->k.cfg.profile == KMALLOC_PROFILE_CLASSIC;
	char *p = pname[classic][type][cls];

	if (!plen[classic][type][cls]) {
		const char *name = kmalloc_name(md, type, cls);

		if (strnlen(name, SI_PNAME) >= SI_PNAME)
			return 0;
		memset(p, ' ', SI_PNAME);
		plen[classic][type][cls] = (unsigned char)si_name(p, name);
	}
	*padded = p;
	return plen[classic][type][cls];
}

static size_t si_row(char *buf, const char *name, const struct slubm_slabinfo *si)
{
	size_t n = si_name(buf, name);

	return n + si_tail(buf + n, si);
}

/* The general caches' types in kmalloc_init's order. */
static const int *si_types(struct model *md, int *n)
{
	static const int default_types[] = { KT_NORMAL, KT_RECLAIM, KT_DMA, KT_CGROUP };
	static const int classic_types[] = { KT_NORMAL, KT_DMA };

	*n = md->k.ntypes == 2 ? 2 : 4;
	return md->k.ntypes == 2 ? classic_types : default_types;
}

/* This configuration's boot rows, rendered now if no kept set has them. */
static const struct si_boot *si_boot_rows(struct model *md)
{
	static struct si_boot kept[SI_CONFIGS];
	static unsigned int next;
	const struct machine_config *cfg = &md->k.cfg;
	unsigned int key[5] = { 1 + (unsigned int)cfg->profile, cfg->nr_cpus, cfg->max_order, cfg->slub_debug,
				cfg->kernel_version };
	struct si_boot *b;
	const int *types;
	int nt;
	char tail[KMALLOC_MAX_CACHES][SI_ROW];
	unsigned char tlen[KMALLOC_MAX_CACHES];

	for (unsigned int i = 0; i < SI_CONFIGS; i++)
		if (!memcmp(kept[i].key, key, sizeof(key)))
			return &kept[i];
	b = &kept[next++ % SI_CONFIGS];
	memcpy(b->key, key, sizeof(key));
	/* A class's boot numbers are the same for every type: the type flags
	 * change no layout (test_slub_model.c geometry_kmalloc_types_alike). */
	for (unsigned int i = 0; i < md->k.nk; i++) {
		unsigned int size = (unsigned int)md->k.ksz[i];
		struct slubm_slabinfo si = { 0 };
		struct slubm_geometry g;

		slubm_geometry_v(size, (size & (size - 1)) ? 0 : size, SLAB_KMALLOC, 0, cfg->nr_cpus, cfg->max_order,
				 cfg->slub_debug, cfg->kernel_version, &g);
		si.size = g.size;
		si.objperslab = g.cache_objects;
		si.pagesperslab = 1u << g.cache_order;
		tlen[i] = (unsigned char)si_tail(tail[i], &si);
	}
	types = si_types(md, &nt);
	b->n = 0;
	b->off[0] = 0;
	for (int j = nt - 1; j >= 0; j--)
		/* kmalloc_init made the odd sizes first, then the powers of two. */
		for (int pass = 0; pass < 2; pass++)
			for (int i = (int)md->k.nk - 1; i >= 0; i--) {
				unsigned int L = b->n;
				char *r = b->text + b->off[L];
				const char *pad;
				size_t n;

				if (is_pow2(md->k.ksz[i]) == pass)	/* pass 0: the powers of two */
					continue;
				b->n++;
				b->type[L] = (unsigned char)types[j];
				b->cls[L] = (unsigned char)i;
				n = si_padded(md, types[j], i, &pad);
				if (n)
					memcpy(r, pad, SI_PNAME);	/* what follows the name is overwritten */
				else
					n = si_name(r, kmalloc_name(md, types[j], i));
				memcpy(r + n, tail[i], tlen[i]);
				b->off[L + 1] = (unsigned short)(b->off[L] + n + tlen[i]);
			}
	return b;
}

/* Do @n bytes at @a and @b agree?  16 bytes at a time, XORed together
 * without a branch each, the last 16 overlapping (libc's memcmp is
 * intercepted and traced under libFuzzer; a row is some 125 bytes). */
typedef uint64_t si_v2 __attribute__((vector_size(16)));

static int si_same(const char *a, const char *b, size_t n)
{
	si_v2 diff = { 0, 0 }, x, y;
	size_t i = 0;

	if (n < 16) {
		for (; i < n; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
	/* Four steps a loop (a /proc/slabinfo text is some 6.5 KB compared
	 * whole: the loop's own count and branch were a third of it). */
	for (; i + 64 <= n; i += 64) {
		si_v2 x1, y1, x2, y2, x3, y3;

		memcpy(&x, a + i, 16);
		memcpy(&y, b + i, 16);
		memcpy(&x1, a + i + 16, 16);
		memcpy(&y1, b + i + 16, 16);
		memcpy(&x2, a + i + 32, 16);
		memcpy(&y2, b + i + 32, 16);
		memcpy(&x3, a + i + 48, 16);
		memcpy(&y3, b + i + 48, 16);
		diff |= ((x ^ y) | (x1 ^ y1)) | ((x2 ^ y2) | (x3 ^ y3));
	}
	for (; i + 16 <= n; i += 16) {
		memcpy(&x, a + i, 16);
		memcpy(&y, b + i, 16);
		diff |= x ^ y;
	}
	memcpy(&x, a + n - 16, 16);
	memcpy(&y, b + n - 16, 16);
	diff |= x ^ y;
	return !(diff[0] | diff[1]);
}

/* The text at *@at (ending at @end) must go on with the @n bytes of @want
 * (one line). */
static void si_expect(struct model *md, const char *text, const char *end, const char **at, const char *want,
		      size_t n)
{
	int line = 1;

	if ((size_t)(end - *at) >= n && si_same(*at, want, n)) {
		*at += n;
		return;
	}
	for (const char *c = text; c < *at; c++)
		line += *c == '\n';
	viol(md, "proc", "/proc/slabinfo rows as the model's SLUB has each cache (newest first)",
	     "line %d `%.*s`, model `%.*s`", line, (int)strcspn(*at, "\n"), *at, (int)(n ? n - 1 : 0), want);
}

/* Boot rows [@from, @to) of @b, the first one that differs reported. */
static void si_expect_run(struct model *md, const char *text, const char *end, const char **at,
			  const struct si_boot *b, unsigned int from, unsigned int to)
{
	size_t n = (size_t)(b->off[to] - b->off[from]);

	if ((size_t)(end - *at) >= n && si_same(*at, b->text + b->off[from], n)) {
		*at += n;
		return;
	}
	for (unsigned int L = from; L < to; L++)
		si_expect(md, text, end, at, b->text + b->off[L], (size_t)(b->off[L + 1] - b->off[L]));
}

static void slabinfo_check(struct model *md, const char *text, size_t len)
{
	static const char head[] = "slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor>"
		" : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
	const struct si_boot *boot;
	const char *at = text, *end;
	char row[SI_ROW];
	int done[NR_CSLOTS] = { 0 };

	if (!text)		/* longer than print_proc's buffer: checked for its length only */
		return;
	end = text + len;
	if (slubm_pages(&md->k.sm) < 0)	/* a slab of unknown order: counts not known (not seen after an op) */
		return;
	si_expect(md, text, end, &at, head, sizeof(head) - 1);
	for (int k = 0; k < NR_CSLOTS; k++) {	/* the program's caches, newest first */
		int c = -1;
		struct slubm_slabinfo si;

		for (int j = 0; j < NR_CSLOTS; j++)
			if (md->c[j].s && !done[j] && (c < 0 || md->c[j].seq > md->c[c].seq))
				c = j;
		if (c < 0)
			break;
		done[c] = 1;
		slubm_slabinfo(md->k.sc[c], &si);
		si_expect(md, text, end, &at, row, si_row(row, md->c[c].name, &si));
	}
	/* Then the general caches: a run of rows at boot state is compared in
	 * one go, a row the model's SLUB has is rendered. */
	boot = si_boot_rows(md);
	for (unsigned int L = 0, run = 0; L <= boot->n; L++) {
		struct slubm_cache *sc = L < boot->n ? md->k.skc[boot->type[L]][boot->cls[L]] : NULL;
		struct slubm_slabinfo si;

		if (L < boot->n && !sc)
			continue;
		if (run < L)
			si_expect_run(md, text, end, &at, boot, run, L);
		run = L + 1;
		if (!sc)
			break;
		slubm_slabinfo(sc, &si);
		si_expect(md, text, end, &at, row, si_row(row, kmalloc_name(md, boot->type[L], boot->cls[L]), &si));
	}
	if (*at)
		viol(md, "proc", "no /proc/slabinfo row for a cache the model does not know", "`%.*s`",
		     (int)strcspn(at, "\n"), at);
}

/* /proc/buddyinfo says what buddy_zone_stats says: for every zone present a
 * line "Node 0, zone %8s " and "%6lu " for its free blocks of every order up
 * to the machine's max_order (and no block above it in the stats), as Linux
 * prints it.  The expected text is rendered (no snprintf) and compared
 * whole. */
static void buddyinfo_check(struct model *md, const char *text, size_t got)
{
	char want[MAX_NR_ZONES * (32 + 8 * NR_PAGE_ORDERS) + 1], *w = want;

	if (!text)
		return;
	memset(want, ' ', sizeof(want));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone_stats zs;
		size_t n;

		if (buddy_zone_stats(md->k.m, (enum zone_type)z, &zs))
			continue;
		n = strnlen(zs.name, sizeof(zs.name));
		memcpy(w, "Node 0, zone ", 13);
		w += 13 + (n < 8 ? 8 - n : 0);
		memcpy(w, zs.name, n);
		w += n;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			if (o <= md->k.cfg.max_order)
				w = si_field(w, zs.nr_free[o], 6);
			else if (zs.nr_free[o])
				viol(md, "proc", "no free block above max_order",
				     "zone %s order %u: %lu free blocks in the stats", zs.name, o, zs.nr_free[o]);
		}
		memcpy(w, " \n", 2);
		w += 2;
	}
	*w = 0;
	if (got != (size_t)(w - want) || !si_same(text, want, got)) {
		size_t i = 0;

		while (text[i] && text[i] == want[i])
			i++;
		while (i && text[i - 1] != '\n')
			i--;
		viol(md, "proc", "/proc/buddyinfo equal to the zones' free blocks",
		     "`%.*s`, the stats `%.*s`", (int)strcspn(text + i, "\n"), text + i,
		     (int)strcspn(want + i, "\n"), want + i);
	}
}

/* scribble(pP, SOFF, LEN): LEN bytes of SLUBM_SCRIBBLE_BYTE at the
 * offset reduced into the object's slot, metadata excepted (OPS.md 2.4).
 * The bytes a check covers become the object's dirty set; bytes of the
 * request are the caller's own (its pattern is no longer checked). */
static int op_scribble(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r), lo, hi, off, len;
	struct blk *b = &md->b[slot];
	const char *name = NULL;
	struct slubm_cache *sc = slab_cache_of(md, b, &name);
	struct kdirty *kd;
	struct slubm_dirty nd;
	unsigned int req;

	if (!sc)
		return 0;
	req = blk_orig_size(b, sc);
	slubm_slot_range(&sc->g, &lo, &hi);
	off = slubm_slot_offset(&sc->g, rec_soff(r));
	len = (int)rec_len(r) < hi - off ? (int)rec_len(r) : hi - off;
	kd = dirty_find(md, (uintptr_t)b->p);
	memset(&nd, 0, sizeof(nd));
	if (kd)
		nd = kd->d;
	if (slubm_dirty_add(&sc->g, 1, req, &nd, off, off + len) || (!kd && nd.n && md->k.ndirty == KOR_MAX_DIRTY)) {
		result(md, "not written: the model follows %u scribbled objects of %u ranges", KOR_MAX_DIRTY,
		       SLUBM_MAX_DIRTY);
		return 1;
	}
	if (!kd && nd.n) {
		kd = &md->k.dirty[md->k.ndirty++];
		memset(kd, 0, sizeof(*kd));
		kd->obj = (uintptr_t)b->p;
		kd->sc = sc;
		kd->live = 1;
		kd->req = req;
		snprintf(kd->cache, sizeof(kd->cache), "%s", name);
	}
	if (kd)
		kd->d = nd;
	pat_check(md, slot, 1);		/* intact up to now (the per-op check sees only the slot's ends) */
	scribble_write(md, &sc->g, 1, b->p, off, off + len);
	if (off < (int)b->req && off + len > 0)
		b->pat = b->pat_end = 0;	/* the caller's bytes: no pattern to check */
	result(md, "bytes %+d..%+d of its %d..%d slot written, %u checked range(s) dirty", off, off + len - 1, lo,
	       hi - 1, kd ? kd->d.n : 0);
	return 1;
}

/* write_after_free(pP, SOFF): free pP (as kfree / kmem_cache_free), then
 * one byte at the offset reduced into its slot - unless that is metadata
 * or the slab went back to the page allocator.  A block holding scribbled
 * bytes is skipped (OPS.md 2.4). */
static int op_write_after_free(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r), off;
	struct blk *b = &md->b[slot];
	const char *name = NULL;
	struct slubm_cache *sc = slab_cache_of(md, b, &name);
	unsigned char *p = b->p;
	struct kdirty *kd;

	if (!sc)
		return 0;
	if (dirty_find(md, (uintptr_t)p)) {
		result(md, "skipped: p%d holds scribbled bytes", slot);
		return 1;
	}
	free_expect_ok(md, slot);	/* not scribbled: F has nothing to refuse */
	off = slubm_slot_offset(&sc->g, rec_soff(r));
	if (!slubm_holds(sc, p, NULL)) {
		result(md, "freed; its slab went back to the page allocator: nothing written");
		return 1;
	}
	if (slubm_is_meta(&sc->g, 0, off) || md->k.ndirty == KOR_MAX_DIRTY) {
		result(md, "freed; %+d not written (%s)", off, md->k.ndirty == KOR_MAX_DIRTY ?
		       "the model follows no more scribbled objects" : "metadata: the free pointer or tracking");
		return 1;
	}
	kd = &md->k.dirty[md->k.ndirty++];
	memset(kd, 0, sizeof(*kd));
	kd->obj = (uintptr_t)p;
	kd->sc = sc;
	kd->req = sc->g.object_size;
	snprintf(kd->cache, sizeof(kd->cache), "%s", name);
	slubm_dirty_add(&sc->g, 0, kd->req, &kd->d, off, off + 1);
	scribble_write(md, &sc->g, 0, p, off, off + 1);
	result(md, "freed; byte %+d written%s", off, kd->d.n ? ", a check covers it" : ", no check covers it");
	if (!kd->d.n)
		dirty_drop(md, kd);
	return 1;
}

/* validate(cC): kmem_cache_validate() walks every slab and stops at the
 * first damaged object of each; every report is a BUG and a FIX, two
 * errors, and repairs what it reports. */
static void op_validate(struct model *md, int c)
{
	struct slubm_cache *sc = md->k.sc[c];
	unsigned int reports = 0;
	int rc;

	dirty_purge(md, NULL);
	md->k.exp_any_order = 1;
	for (unsigned int i = 0; i < md->k.ndirty; i++) {
		struct kdirty *kd = &md->k.dirty[i];
		struct slubm_report rp[SLUBM_MAX_REPORTS];
		uintptr_t base, other;
		int first = 1;

		if (kd->sc != sc)
			continue;
		slubm_holds(sc, (void *)kd->obj, &base);
		for (unsigned int j = 0; j < md->k.ndirty; j++)
			if (md->k.dirty[j].sc == sc && md->k.dirty[j].obj < kd->obj &&
			    slubm_holds(sc, (void *)md->k.dirty[j].obj, &other) && other == base)
				first = 0;	/* validate stops at an earlier object of this slab */
		if (!first)
			continue;
		{	/* the reports repair what they report */
			unsigned int n = slubm_check_object(&sc->g, kd->live, kd->req, &kd->d, rp);

			expect_reports(md, kd, rp, n);
			reports += n;
		}
	}
	for (unsigned int i = 0; i < md->k.ndirty;)
		if (md->k.dirty[i].sc != sc || dirty_refilter(md, &md->k.dirty[i]))
			i++;
	rc = kmem_cache_validate(md->c[c].s);
	if (rc != 2 * (int)reports)
		viol(md, "validate", "two errors (a BUG and a FIX) per report the model predicts",
		     "kmem_cache_validate(c%d) %d, model %u report(s)", c, rc, reports);
	result(md, "%d errors", rc);
}

int kor_op(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];
	const char *text;
	size_t len = 0;
	int rc;

	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC: case OP_KMALLOC_ARRAY:
		op_kmalloc(md, r, op);
		return 1;
	case OP_KREALLOC:
		if (dirty_find(md, (uintptr_t)b->p)) {
			result(md, "skipped: p%d holds scribbled bytes (OPS.md 2.4)", slot);
			return 1;
		}
		op_krealloc(md, r);
		return 1;
	case OP_KFREE:
		rc = free_expect_ok(md, slot);
		result(md, "%s", rc ? "0" : "refused: the scribbled object's checks reported (F)");
		return 1;
	case OP_KSIZE: {
		size_t got, want;

		want = b->kind == B_ZERO ? 0 : b->span;
		got = ksize(md->k.m, b->p);
		if (b->kind == B_KMALLOC && !b->large) {	/* all of ksize() is the caller's now */
			struct kdirty *kd = dirty_find(md, (uintptr_t)b->p);

			b->ksized = 1;
			if (kd) {
				kd->req = kd->sc->g.object_size;
				dirty_refilter(md, kd);
			}
		}
		if (got != want)
			viol(md, "ksize", "the smallest class that fits the request",
			     "ksize %zu for a %zu-byte request, model %zu", got, b->req, want);
		result(md, "%zu", got);
		return 1;
	}
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		op_pages(md, r, op);
		return 1;
	case OP_FREE_PAGES:
		result(md, "0 (order %u)", b->order);
		free_expect_ok(md, slot);
		return 1;
	case OP_CACHE_CREATE:
		op_cache_create(md, r);
		return 1;
	case OP_CACHE_ALLOC:
		op_cache_alloc(md, r);
		return 1;
	case OP_CACHE_FREE: {
		int c = b->cache;

		rc = free_expect_ok(md, slot);
		result(md, rc ? "0 (into c%d)" : "refused by c%d: the scribbled object's checks reported (F)", c);
		return 1;
	}
	case OP_SCRIBBLE:
		return op_scribble(md, r);
	case OP_WRITE_AFTER_FREE:
		return op_write_after_free(md, r);
	case OP_VALIDATE:
		op_validate(md, (int)rec_c(r));
		return 1;
	case OP_CACHE_SHRINK: {
		struct mcache *mc = &md->c[rec_c(r)];
		struct slab_stats a, z;
		unsigned long freed;

		kmem_cache_stats(mc->s, &a);
		freed = kmem_cache_shrink(mc->s);
		kmem_cache_stats(mc->s, &z);
		if (z.empty_slabs || a.pages - z.pages != freed)
			viol(md, "shrink", "no empty slab left and the freed pages returned",
			     "%lu empty slabs left, returned %lu, pages %lu -> %lu", z.empty_slabs, freed,
			     a.pages, z.pages);
		slub_viol(md, slubm_shrink(md->k.sc[rec_c(r)], freed));
		slub_viol(md, slubm_expect(md->k.sc[rec_c(r)], &z));
		result(md, "%lu pages freed", freed);
		return 1;
	}
	case OP_CACHE_DESTROY:
		op_cache_destroy(md, (int)rec_c(r));
		return 1;
	case OP_CHECK:
		kor_sweep(md, KOR_SWEEP_PERIODIC);
		result(md, "healthy");
		return 1;
	case OP_FAIL:
		buddy_inject_failures(md->k.m, r[2], r[3]);
		if (buddy_injected_pending(md->k.m) != r[3])
			viol(md, "fault injection", "pending == times", "%lu", buddy_injected_pending(md->k.m));
		result(md, "next %u attempts pass, %u fail", r[2], r[3]);
		return 1;
	case OP_SET_CPU: {
		unsigned int cpu = rec_cpu(r), was = machine_cpu(md->k.m);

		md->k.want_err = cpu < md->k.cfg.nr_cpus ? 0 : KERR_INVAL;
		rc = machine_set_cpu(md->k.m, cpu);
		if (rc != -md->k.want_err || machine_cpu(md->k.m) != (md->k.want_err ? was : cpu))
			viol(md, "set_cpu", md->k.want_err ? "-KERR_INVAL, CPU unchanged" : "0",
			     "%d, CPU now %u", rc, machine_cpu(md->k.m));
		slubm_set_cpu(&md->k.sm, cpu);	/* a CPU the machine lacks changes nothing */
		result(md, "%d", rc);
		return 1;
	}
	case OP_DRAIN: {
		struct page_stats ps;

		drain_all_pages(md->k.m);
		buddy_page_stats(md->k.m, &ps);
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
		text = print_proc(md, proc_slabinfo, &len);
		slabinfo_check(md, text, len);
		return 1;
	case OP_BUDDYINFO:
		result(md, "/proc/buddyinfo:");
		text = print_proc(md, proc_buddyinfo, &len);
		buddyinfo_check(md, text, len);
		return 1;
	default:
		return 0;	/* reserved: nop */
	}
}


int kor_boot(struct model *md)
{
	const size_t *cls;

	hdr_config(md->prog->hdr, &md->k.cfg);
	md->k.m = kalloc_target_machine(md->a);
	md->k.ctor_runs_seen = ctor_runs;
	md->k.changed = 1;	/* the first periodic check sees the booted machine */
	slubm_init(&md->k.sm, md->k.cfg.nr_cpus, md->k.cfg.max_order, md->k.cfg.slub_debug);
	md->k.sm.kernel_version = md->k.cfg.kernel_version;
	machine_set_report(md->k.m, report_sink, md);
	md->k.base = machine_base(md->k.m);
	md->k.mem = md->k.cfg.nr_pages << PAGE_SHIFT;
	if ((uintptr_t)md->k.base % (PAGE_SIZE << MAX_PAGE_ORDER))
		viol(md, "boot", "a direct map aligned to the largest block", "%p", (void *)md->k.base);
	if (md->k.cfg.profile == KMALLOC_PROFILE_CLASSIC) {
		cls = classic_classes;
		md->k.nk = sizeof(classic_classes) / sizeof(classic_classes[0]);
		md->k.ntypes = 2;
		md->k.max_size = 131072;
	} else {
		cls = default_classes;
		md->k.nk = sizeof(default_classes) / sizeof(default_classes[0]);
		md->k.ntypes = 4;
		md->k.max_size = KMALLOC_MAX_SIZE;
		if (md->k.max_size > PAGE_SIZE << md->k.cfg.max_order)
			md->k.max_size = PAGE_SIZE << md->k.cfg.max_order;
	}
	memcpy(md->k.ksz, cls, md->k.nk * sizeof(cls[0]));
	md->k.max_cache = md->k.ksz[md->k.nk - 1];
	if (kmalloc_max_cache_size(md->k.m) != md->k.max_cache || kmalloc_max_size(md->k.m) != md->k.max_size)
		viol(md, "boot", "kmalloc limits as the profile defines them", "max cache %zu, max %zu",
		     kmalloc_max_cache_size(md->k.m), kmalloc_max_size(md->k.m));
	for (int z = 0; z < MAX_NR_ZONES; z++)
		md->k.zone_ok[z] = !buddy_zone_stats(md->k.m, (enum zone_type)z, &md->k.boot_zone[z]);
	return 0;
}

void kor_teardown(struct model *md)
{
	struct page_stats ps;

	md->k.errs_before = machine_errors_total(md->k.m);
	md->k.want_err = 0;
	md->k.nexp = md->k.nobs = 0;
	md->k.exp_any_order = 0;
	kor_sweep(md, KOR_SWEEP_END);
	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].kind != B_EMPTY && !free_expect_ok(md, i))
			free_expect_ok(md, i);	/* refused by F, repaired: now it goes */
	for (int c = 0; c < NR_CSLOTS; c++) {
		if (!md->c[c].s)
			continue;
		int rc = kmem_cache_destroy(md->c[c].s);

		if (rc)
			viol(md, "teardown", "kmem_cache_destroy of an empty cache to succeed", "%s",
			     machine_last_report(md->k.m));
		dirty_purge(md, md->k.sc[c]);
		slub_viol(md, slubm_destroy(&md->k.sc[c], rc));
		md->k.ctor_slots &= ~(1ULL << c);
		memset(&md->c[c], 0, sizeof(md->c[c]));
	}
	/* The kmalloc classes in use give back what the model says.  Every
	 * other cache holds nothing (the sweep above found the slab pages
	 * equal to the model's caches'), so none is shrunk: a page one still
	 * held would be a leak below. */
	for (int t = 0; t < NR_KT; t++)
		for (unsigned int left = md->k.kused[t]; left; left &= left - 1) {
			int i = __builtin_ctz(left);

			slub_viol(md, slubm_shrink(md->k.skc[t][i], kmem_cache_shrink(md->k.kc[t][i])));
			cache_count_check(md, md->k.kc[t][i], md->k.skc[t][i], 0, "kmalloc class");
		}
	drain_all_pages(md->k.m);
	errors_check(md);
	counters_check(md);
	buddy_page_stats(md->k.m, &ps);
	if (ps.slab || ps.pcp || ps.free != ps.total)
		viol(md, "leak", "every frame free once everything is freed, shrunk and drained",
		     "free %lu of %lu, slab %lu, pcp %lu", ps.free, ps.total, ps.slab, ps.pcp);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone_stats zs;

		if (!md->k.zone_ok[z])
			continue;
		buddy_zone_stats(md->k.m, (enum zone_type)z, &zs);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			if (zs.nr_free[o] != md->k.boot_zone[z].nr_free[o])
				viol(md, "not merged", "the free lists of boot time",
				     "zone %s order %d: %lu free blocks, %lu at boot", zs.name, o,
				     zs.nr_free[o], md->k.boot_zone[z].nr_free[o]);
	}
	full_machine_check(md, 1);
}
/* ---- around every op -------------------------------------------------------- */
void kor_before_op(struct model *md)
{
	md->k.want_err = 0;
	md->k.nexp = md->k.nobs = 0;
	md->k.exp_any_order = 0;
	md->k.errs_before = machine_errors_total(md->k.m);
}

/* What any op could have broken, cheaply: the error sink, the page and
 * kmalloc counters, the constructor's count, and the object count of the
 * cache the op's slot belongs to. */
void kor_after_op(struct model *md, const uint8_t *r)
{
	struct blk *b = &md->b[rec_p(r)];

	/* check() and verify_pattern() only look (a write_pattern() does not:
	 * a block on the allocator's metadata would be the allocator's bug). */
	if (r[0] != OP_CHECK && r[0] != OP_VERIFY)
		md->k.changed = 1;
	errors_check(md);
	if (md->k.stop)		/* the model follows the machine no further */
		return;
	dirty_purge(md, NULL);
	counters_check(md);
	ctor_check(md);
	if (b->kind == B_OBJ)
		cache_count_check(md, md->c[b->cache].s, md->k.sc[b->cache], md->c[b->cache].live, "cache");
	else if (b->kind == B_KMALLOC && !b->large)
		cache_count_check(md, md->k.kc[b->kt][b->kcls], md->k.skc[b->kt][b->kcls],
				  md->k.klive[b->kt][b->kcls], "kmalloc class");
}

/* The model's SLUB state is host memory: given back however the run ended. */
void kor_exit(struct model *md)
{
	slubm_exit(&md->k.sm);
}
