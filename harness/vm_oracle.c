/* vm_oracle.c - the model of vmalloc areas and of the process: ops 32..44
 * (OPS.md 1.3, 2), and the wrong frees of areas and mappings (2.1).
 *
 * The model keeps its own record of every area (slot, size, the frames
 * behind its pages), every mapping (slot, pages), the break, and a copy of
 * every page the program has written (struct vpage: the bytes the page must
 * hold).  What it checks, with the allocator's answers only as observations:
 *
 *   areas     page aligned, in the VMALLOC range, and never on another area
 *             or its guard page: [p, p + pages + 1 guard) are disjoint; the
 *             guard page has no frame and an access to it is refused
 *             (touch_guard); vzalloc reads as zero; each page's bytes read
 *             back through the page's direct-map address (aliasing, written
 *             by the model through the area and read through the frame);
 *             every frame of an area is in the machine's memory and is held
 *             by nothing else - no other page of any area, no written page of
 *             the process, no live block of the direct map; vmallocinfo names
 *             each area once with its size plus the guard page
 *   process   the break moves as asked and no further, refused below its
 *             start, into a mapping or past MM_DATA_LIMIT_PAGES of data (brk
 *             area and mappings), and so is an mmap past that limit; a
 *             mapping is page aligned and on no other mapping or the brk
 *             area; a write or read that
 *             leaves every mapping is a fault that changes nothing; a read
 *             returns the model's bytes (zeroes where nothing was written);
 *             RSS equals the model's count of written pages - computed, never
 *             asked (reads do not count: they map the zero page); a written
 *             page has a frame of its own, an untouched or only-read page
 *             none; shrinking the break or unmapping forgets the pages and
 *             their frames go back
 *   kalloc    exact -KERR codes and one report per refused call
 *             (kalloc_oracle.c's error sink check), pages per owner
 *             (vmalloc, user) equal the model's counts, and at the end every
 *             frame back (kor_teardown).
 *
 * Cost.  Per op: the touched area or range, and the RSS counter.  The
 * contents of every written page, the frames of every page and the guard
 * pages are checked every K ops, on check() and at the end (vm_sweep); an
 * area's aliasing at its creation, its first and last page every K ops and
 * on check(), every page at the end.
 * Frame checks are linear in the frames they look at (a hash set of the
 * frames seen, the direct map's live blocks as sorted intervals), contents
 * are compared with memcmp, and a write's bytes are made a word at a time.
 *
 * Entry points (model_int.h): vm_owns, vm_op, vm_boot, vm_after_op,
 * vm_sweep, vm_teardown, vm_exit, vm_holds_pfn.
 */
#include <stdlib.h>
#include <string.h>
#include "model_int.h"

#define VPAGE		((uintptr_t)PAGE_SIZE)
#define VPAGES(n)	(((n) + VPAGE - 1) / VPAGE)

/* kalloc's codes for what the process and vmalloc refuse (OPS.md 2, 2.1).
 * A fault's code is looked up by name at boot (vm_boot). */
#define ERR_VFREE_TWICE		KERR_DOUBLE_FREE	/* "Trying to vfree() nonexistent vm area" */
#define ERR_VFREE_INTERIOR	KERR_NOT_HEAD		/* inside an area: "bad address" when
							 * unaligned, "nonexistent vm area" else */
#define ERR_VFREE_FOREIGN	KERR_BAD_ADDRESS	/* not in the VMALLOC range */
#define ERR_BRK_BELOW		KERR_INVAL
#define ERR_DATA_LIMIT		KERR_NOMEM		/* brk or mmap past the data limit */
#define ERR_BRK_INTO_MAP	KERR_NOMEM
#define ERR_MMAP_ZERO		KERR_INVAL
/* munmap of nothing: md->vm.not_mapped (KERR_NOT_MAPPED, by name at boot). */

/* ---- the model's pages --------------------------------------------------- */
static unsigned int vp_hash(uintptr_t addr)
{
	return (unsigned int)((addr / VPAGE) * 0x9e3779b1u) % VM_HASH;
}

static struct vpage *vp_find(struct model *md, uintptr_t addr)
{
	for (struct vpage *v = md->vm.bucket[vp_hash(addr)]; v; v = v->next)
		if (v->addr == addr)
			return v;
	return NULL;
}

static struct vpage *vp_get(struct model *md, uintptr_t addr)
{
	struct vpage *v = vp_find(md, addr);

	if (v)
		return v;
	v = calloc(1, sizeof(*v));
	if (!v)
		viol(md, "host", "memory for the model", "out of memory");
	v->addr = addr;
	v->next = md->vm.bucket[vp_hash(addr)];
	md->vm.bucket[vp_hash(addr)] = v;
	md->vm.written++;
	return v;
}

/* Forget every written page in [lo, hi): unmapped, its frame gone.  A
 * range of fewer pages than there are written ones is looked up page by
 * page, else every chain is walked. */
static void vp_drop(struct model *md, uintptr_t lo, uintptr_t hi)
{
	if (!md->vm.written)
		return;
	if (hi > lo && (hi - lo) / VPAGE < md->vm.written) {
		for (uintptr_t pg = lo & ~(VPAGE - 1); pg < hi; pg += VPAGE)
			for (struct vpage **pp = &md->vm.bucket[vp_hash(pg)]; *pp; pp = &(*pp)->next)
				if ((*pp)->addr == pg && pg >= lo) {
					struct vpage *v = *pp;

					*pp = v->next;
					free(v);
					md->vm.written--;
					break;
				}
		return;
	}
	for (int h = 0; h < VM_HASH; h++)
		for (struct vpage **pp = &md->vm.bucket[h]; *pp;) {
			struct vpage *v = *pp;

			if (v->addr >= lo && v->addr < hi) {
				*pp = v->next;
				free(v);
				md->vm.written--;
			} else {
				pp = &v->next;
			}
		}
}

/* ---- where things are ------------------------------------------------------ */
static int has(const struct model *md, unsigned int cap)
{
	return (md->vm.caps & cap) == cap;
}

static int heap_owns_brk(const struct model *md)
{
	return (md->t->caps & TCAP_HEAP_BRK) && md->vm.heap_live;
}

static uintptr_t area_end(const struct blk *b)	/* first byte of the guard page */
{
	return (uintptr_t)b->p + b->span;
}

/* Is [lo, hi) covered by the process's mappings and brk area?  (Pages of
 * two adjacent mappings are one range.) */
static int vm_covered(struct model *md, uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t pg = lo & ~(VPAGE - 1); pg < hi; pg += VPAGE) {
		int in = md->vm.started && pg >= md->vm.start_brk && pg < md->vm.brk;

		for (int i = 0; i < NR_PSLOTS && !in; i++) {
			const struct blk *b = &md->b[i];

			in = b->kind == B_MAP && pg >= (uintptr_t)b->p && pg < (uintptr_t)b->p + b->span;
		}
		if (!in)
			return 0;
	}
	return 1;
}

/* The process's data pages: the brk area and every mapping. */
unsigned long vm_data_pages(const struct model *md)
{
	unsigned long n = (md->vm.brk - md->vm.start_brk) / VPAGE;

	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].kind == B_MAP)
			n += md->b[i].span / VPAGE;
	return n;
}

/* ---- errors ----------------------------------------------------------------- */
static int misuse_ok(const struct model *md)
{
	return !!(md->t->caps & TCAP_REPORTS_MISUSE);
}

/* A refused call: kalloc must return exactly -@code (and report it once:
 * kalloc_oracle.c's error sink check after the op); any target an error. */
/* kalloc: the pages of every owner, before a call that must be refused. */
static void owners_snap(struct model *md, unsigned long *out)
{
	page_owner_counts(md->k.m, out);
}

static void want_refusal(struct model *md, int code)
{
	if (!md->kalloc)
		return;
	md->k.want_err = code;
	owners_snap(md, md->vm.snap);
}

static void refused(struct model *md, int rc, int code, const char *what)
{
	if (md->kalloc && code && rc != -code)
		viol(md, "wrong code", kalloc_error_name(code), "%s returned %d (%s)", what, rc,
		     rc < 0 ? kalloc_error_name(-rc) : "success");
	if (rc >= 0)
		viol(md, "refusal", "an error", "%s returned %d", what, rc);
	if (md->kalloc) {	/* nothing changed: every owner holds what it held */
		unsigned long now[NR_PAGE_OWNERS];

		owners_snap(md, now);
		for (int o = 0; o < NR_PAGE_OWNERS; o++)
			if (now[o] != md->vm.snap[o])
				viol(md, "trace", "a refused call to change nothing", "%s: %s pages %lu -> %lu", what,
				     page_owner_name(o), md->vm.snap[o], now[o]);
	}
	result(md, "%d (refused as it must be)", rc);
}

/* ---- frames ------------------------------------------------------------------ */
/* Frames are checked as sets: a set of the frames held so far (open
 * addressing, pfn + 1 as the key) and the direct map's live blocks as
 * intervals sorted by address, so that a whole check is linear in the
 * frames it looks at (it was pages x areas and frames x slots).  One of
 * each, reused: the oracle runs one model at a time.
 *
 * Where the target's memory is bounded (t->bounds), a frame inside it is
 * looked up in a bitmap instead, a bit per frame, the direct map's blocks
 * marked in it first (frames_reset): one test and set per frame, where the
 * hash and the interval search were a tenth of a fuzz_vmalloc input.  A
 * frame outside the bounds (a broken target's) still goes to the hash and
 * the intervals (frame_take), so either way a frame is taken once. */
struct fset {
	unsigned long *keys;	/* pfn + 1; 0: empty */
	size_t cap, n;
};

static struct fset fs;

static void fset_reset(struct model *md, size_t want)
{
	size_t cap = 64;

	while (cap < 2 * want + 2)
		cap *= 2;
	if (cap > fs.cap || cap * 8 < fs.cap) {
		free(fs.keys);
		fs.keys = calloc(cap, sizeof(*fs.keys));
		if (!fs.keys) {
			fs.cap = 0;
			viol(md, "host", "memory for the model", "out of memory");
		}
		fs.cap = cap;
	} else if (fs.n) {	/* (empty since the last reset: nothing to clear) */
		memset(fs.keys, 0, fs.cap * sizeof(*fs.keys));
	}
	fs.n = 0;
}

/* Add @pfn; 0 when it is in the set already.  (Room for every key was
 * reserved by fset_reset.) */
static int fset_add(unsigned long pfn)
{
	unsigned long key = pfn + 1;
	size_t i;

	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (fs.cap - 1); fs.keys[i]; i = (i + 1) & (fs.cap - 1))
		if (fs.keys[i] == key)
			return 0;
	fs.keys[i] = key;
	fs.n++;
	return 1;
}

/* The live blocks of the direct map the model holds, by start address;
 * end_max[i] is the largest end among the first i + 1 (blocks of a broken
 * allocator may overlap). */
static struct { int n; uintptr_t lo[NR_PSLOTS], end_max[NR_PSLOTS]; } dm;

static int is_direct_block(const struct blk *b)
{
	return !(b->kind == B_EMPTY || b->kind == B_ZERO || b->kind == B_VMALLOC || b->kind == B_MAP ||
		 b->kind == B_HEAP || !b->span);
}

static void direct_blocks_collect(const struct model *md)
{
	uintptr_t end[NR_PSLOTS];

	dm.n = 0;
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *b = &md->b[i];
		int j;

		if (!is_direct_block(b))
			continue;
		for (j = dm.n; j > 0 && dm.lo[j - 1] > (uintptr_t)b->p; j--) {
			dm.lo[j] = dm.lo[j - 1];
			end[j] = end[j - 1];
		}
		dm.lo[j] = (uintptr_t)b->p;
		end[j] = (uintptr_t)b->p + b->span;
		dm.n++;
	}
	for (int j = 0; j < dm.n; j++)
		dm.end_max[j] = j && dm.end_max[j - 1] > end[j] ? dm.end_max[j - 1] : end[j];
}

/* Is @pfn a frame of a live block of the direct map (direct_blocks_collect)? */
static int direct_block_holds(const struct model *md, unsigned long pfn)
{
	uintptr_t a = md->lo + pfn * VPAGE;
	int lo = 0, hi = dm.n;

	while (lo < hi) {	/* the blocks starting below a + VPAGE: [0, lo) */
		int mid = (lo + hi) / 2;

		if (dm.lo[mid] < a + VPAGE)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && dm.end_max[lo - 1] > a;
}

/* The bitmap of the frames inside the target's bounds (nbits 0: none). */
#define FB_MAX_FRAMES	((size_t)1 << 24)	/* larger bounds: the hash only */
static struct { uint64_t *bits; size_t nbits, cap; } fb;

/* Empty frame sets for up to @want frames, the direct map's live blocks
 * collected, and marked in the bitmap. */
static void frames_reset(struct model *md, size_t want)
{
	size_t nbits = md->hi > md->lo ? (md->hi - md->lo) / VPAGE : 0, words;

	fset_reset(md, want);
	direct_blocks_collect(md);
	if (nbits > FB_MAX_FRAMES)
		nbits = 0;
	words = (nbits + 63) / 64;
	if (words > fb.cap) {
		free(fb.bits);
		fb.bits = calloc(words, sizeof(*fb.bits));
		fb.cap = fb.bits ? words : 0;
		if (!fb.bits)
			viol(md, "host", "memory for the model", "out of memory");
	} else if (words) {
		memset(fb.bits, 0, words * sizeof(*fb.bits));
	}
	fb.nbits = nbits;
	for (int i = 0; i < NR_PSLOTS && nbits; i++) {
		const struct blk *b = &md->b[i];
		uintptr_t lo = (uintptr_t)b->p, end = lo + b->span;

		if (!is_direct_block(b))
			continue;
		if (lo < md->lo)	/* the part outside the bounds: direct_block_holds' */
			lo = md->lo;
		if (end > md->hi)
			end = md->hi;
		for (size_t f = (lo - md->lo) / VPAGE; lo < end && f <= (end - 1 - md->lo) / VPAGE; f++)
			fb.bits[f / 64] |= 1ULL << (f % 64);
	}
}

/* Take @pfn: 1 when no frame set held it and no live direct-map block
 * does (it is in the set from now on). */
static int frame_take(const struct model *md, unsigned long pfn)
{
	if (pfn < fb.nbits) {
		uint64_t m = 1ULL << (pfn % 64), *w = &fb.bits[pfn / 64];
		int was_free = !(*w & m);

		*w |= m;
		return was_free;
	}
	return fset_add(pfn) && !direct_block_holds(md, pfn);
}

/* Is @pfn a frame of a live area? */
static int area_holds(const struct model *md, unsigned long pfn)
{
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *b = &md->b[i];

		if (b->kind != B_VMALLOC || !md->vm.pfns[i])
			continue;
		for (size_t k = 0; k < b->span / VPAGE; k++)
			if (md->vm.pfns[i][k] == pfn)
				return 1;
	}
	return 0;
}

/* The frame behind written page @v, when the target says; -1 if it cannot. */
static long user_frame(struct model *md, uintptr_t addr)
{
	unsigned long pfn = 0;
	int rc;

	if (!md->t->frame_of)
		return -1;
	rc = md->t->frame_of(md->a, addr, &pfn);
	if (rc < 0)
		viol(md, "rss", "a frame behind every written page", "page +%#lx has none",
		     (unsigned long)(addr - md->vm.start_brk));
	if (rc == 0)
		viol(md, "rss", "a frame of its own behind every written page",
		     "page +%#lx maps the zero page", (unsigned long)(addr - md->vm.start_brk));
	return (long)pfn;
}

int vm_holds_pfn(const struct model *md, unsigned long pfn)
{
	if (area_holds(md, pfn))
		return 1;
	if (!md->t->frame_of)
		return 0;
	for (int h = 0; h < VM_HASH; h++)
		for (const struct vpage *v = md->vm.bucket[h]; v; v = v->next) {
			unsigned long f = 0;

			if (md->t->frame_of(md->a, v->addr, &f) == 1 && f == pfn)
				return 1;
		}
	return 0;
}

/* kalloc's process keeps one zero page of its own, owned as a plain page
 * (alloc/mm.h), from its creation (its first op) to its exit. */
unsigned long vm_plain_pages(const struct model *md)
{
	return md->vm.started && has(md, TCAP_MM) ? 1 : 0;
}

static void frame_twice(struct model *md, unsigned long pfn)
{
	viol(md, "frame owners", "every frame held by one page of one owner", "frame %lu is held twice", pfn);
}

/* No frame held twice: the pages of every area and every written page of
 * the process each have their own frame, none inside a live direct-map block. */
static void frames_check(struct model *md)
{
	size_t n = md->vm.written;

	for (int i = 0; md->vm.areas && i < NR_PSLOTS; i++)
		if (md->b[i].kind == B_VMALLOC)
			n += md->b[i].span / VPAGE;
	if (!n)
		return;
	frames_reset(md, n);
	for (int i = 0; md->vm.areas && i < NR_PSLOTS; i++)
		if (md->b[i].kind == B_VMALLOC)
			for (size_t j = 0; j < md->b[i].span / VPAGE; j++) {
				unsigned long pfn = md->vm.pfns[i][j];

				if (!frame_take(md, pfn))
					frame_twice(md, pfn);
			}
	if (md->t->frame_of)
		for (int h = 0; h < VM_HASH; h++)
			for (const struct vpage *v = md->vm.bucket[h]; v; v = v->next) {
				unsigned long pfn = (unsigned long)user_frame(md, v->addr);

				if (!frame_take(md, pfn))
					frame_twice(md, pfn);
			}
}

/* ---- areas ---------------------------------------------------------------- */
/* Write one marker byte into each page of the area through its vmalloc
 * address and read it through the page's direct-map address; collect the
 * frames.  The marker is put back afterwards (vmalloc memory is the
 * caller's, its contents unspecified - but vzalloc's zeroes and a pattern
 * must survive the check). */
static void area_alias_check(struct model *md, int slot, size_t page_from, size_t page_to)
{
	struct blk *b = &md->b[slot];
	char w[64];

	for (size_t k = page_from; k < page_to; k++) {
		/* a byte of the request: past it the last page may be poisoned */
		size_t in = b->req - k * VPAGE < VPAGE ? b->req - k * VPAGE : VPAGE;
		unsigned char *va = b->p + k * VPAGE + (k * 97) % in, *pa, was;
		uintptr_t off;

		pa = md->t->vmalloc_alias(md->a, va);
		if (!pa)
			viol(md, "aliasing", "a frame behind every page of an area", "p%d page %zu has none", slot, k);
		off = (uintptr_t)pa - md->lo;
		if (md->hi && ((uintptr_t)pa < md->lo || (uintptr_t)pa >= md->hi))
			viol(md, "aliasing", "a direct-map address inside the machine's memory",
			     "p%d page %zu: %s", slot, k, where(md, pa, w, sizeof(w)));
		if (((uintptr_t)pa & (VPAGE - 1)) != ((uintptr_t)va & (VPAGE - 1)))
			viol(md, "aliasing", "the same offset in the frame as in the page",
			     "p%d page %zu: +%#lx for +%#lx", slot, k, (unsigned long)((uintptr_t)pa & (VPAGE - 1)),
			     (unsigned long)((uintptr_t)va & (VPAGE - 1)));
		was = *va;
		*va = (unsigned char)(was ^ 0x5a);
		if (*pa != *va) {
			*va = was;
			viol(md, "aliasing", "a byte written through the area to read back through its frame",
			     "p%d page %zu: 0x%02x through the frame", slot, k, *pa);
		}
		*va = was;
		if (md->vm.pfns[slot])
			md->vm.pfns[slot][k] = off / VPAGE;
	}
}

/* The guard page after area @slot is unmapped (when the target can say). */
static void guard_check(struct model *md, int slot)
{
	unsigned long pfn;

	if (md->t->frame_of && md->t->frame_of(md->a, area_end(&md->b[slot]), &pfn) >= 0)
		viol(md, "guard page", "no frame behind the page after an area",
		     "p%d's guard page maps frame %lu", slot, pfn);
}

/* kalloc: a vmalloc of @pages may fail only when a page allocation was
 * bound to fail (a failure injected, fewer free frames than it needs) or the
 * VMALLOC range has no room for it and a guard page, first fit. */
#ifdef KALLOC_VMALLOC_H
static void vm_may_fail(struct model *md, size_t pages, int pending)
{
	struct page_stats ps;
	struct vmalloc_stats vs;

	if (pending)
		return;
	buddy_page_stats(md->k.m, &ps);
	if (ps.free + ps.pcp < pages)
		return;
	vmalloc_stats(md->k.m, &vs);
	if (md->vm.area_pages + md->vm.areas + pages + 1 > vs.range_pages / 2)
		return;	/* fragmentation may leave no gap: allowed from half the range */
	viol(md, "failure", "an area: free frames and VMALLOC room enough, no failure injected",
	     "NULL for %zu pages (%lu free frames)", pages, ps.free + ps.pcp);
}
#endif

/* A new area: page aligned, in the VMALLOC range, off every other area and
 * its guard page, its pages aliasing frames nothing else holds. */
static void area_new(struct model *md, int slot, unsigned char *p, size_t size, int zero, int kv)
{
	struct blk nb = { 0 };
	size_t pages = VPAGES(size);
	char w[64];

	if ((uintptr_t)p & (VPAGE - 1))
		viol(md, "alignment", "a page-aligned area", "%s", where(md, p, w, sizeof(w)));
	if (md->t->is_vmalloc && !md->t->is_vmalloc(md->a, p))
		viol(md, "vmalloc range", "an area in the VMALLOC range", "%s", where(md, p, w, sizeof(w)));
	nb.kind = B_VMALLOC;
	nb.p = p;
	nb.req = size;
	nb.span = pages * VPAGE;
	nb.kv = kv;
	nb.id = ++md->next_id;
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *o = &md->b[i];

		if (i == slot || o->kind != B_VMALLOC)
			continue;
		/* Each area owns its pages and the guard page after them. */
		if ((uintptr_t)p < area_end(o) + VPAGE && (uintptr_t)o->p < (uintptr_t)p + nb.span + VPAGE)
			viol(md, "overlap", "areas apart, each followed by its guard page",
			     "p%d (%zu pages) and p%d (%zu pages) are %ld pages apart", slot, pages, i,
			     o->span / VPAGE, (long)(((intptr_t)p - (intptr_t)o->p) / (intptr_t)VPAGE));
	}
	md->b[slot] = nb;
	md->vm.pfns[slot] = calloc(pages ? pages : 1, sizeof(unsigned long));
	if (!md->vm.pfns[slot])
		viol(md, "host", "memory for the model", "out of memory");
	if (zero)
		zero_check(md, p, size);
	area_alias_check(md, slot, 0, pages);
	/* Its frames: none of another area's, none twice, none in a live
	 * block of the direct map. */
	frames_reset(md, md->vm.area_pages + pages);
	for (int i = 0; i < NR_PSLOTS; i++)
		if (i != slot && md->b[i].kind == B_VMALLOC && md->vm.pfns[i])
			for (size_t k = 0; k < md->b[i].span / VPAGE; k++)
				frame_take(md, md->vm.pfns[i][k]);
	for (size_t k = 0; k < pages; k++) {
		unsigned long pfn = md->vm.pfns[slot][k];

		if (!frame_take(md, pfn))
			viol(md, "frame owners", "an area's frames held by nothing else",
			     "p%d page %zu: frame %lu is held already", slot, k, pfn);
	}
	guard_check(md, slot);
	md->vm.area_pages += pages;
	md->vm.areas++;
	result(md, "%zu pages%s", pages, kv ? " (vmalloc)" : "");
}

static void area_forget(struct model *md, int slot)
{
	md->vm.area_pages -= md->b[slot].span / VPAGE;
	md->vm.areas--;
	free(md->vm.pfns[slot]);
	md->vm.pfns[slot] = NULL;
	blk_clear(&md->b[slot]);
}

static int area_free(struct model *md, int slot, int via_kvfree)
{
	struct blk *b = &md->b[slot];
	int rc;

	pat_check(md, slot, 1);
	rc = via_kvfree ? md->t->kvfree(md->a, b->p) : md->t->vfree(md->a, b->p);
	if (rc)
		viol(md, "free", "0", "p%d: the target refused its own area (%d)", slot, rc);
	area_forget(md, slot);
	return rc;
}

static int vm_vmalloc(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	size_t size = rec_size(r);
	int too_big = md->kalloc && size > md->k.mem;
	int pending = md->kalloc && buddy_injected_pending(md->k.m) > 0;	/* before the call */
	unsigned char *p;

	(void)pending;

	if (md->kalloc && (!size || too_big))	/* "vmalloc error: size ..." */
		want_refusal(md, size ? KERR_TOO_BIG : KERR_INVAL);
	p = md->t->vmalloc(md->a, size, op == OP_VZALLOC);
	if (!p) {
#ifdef KALLOC_VMALLOC_H
		if (md->kalloc && size && !too_big)
			vm_may_fail(md, VPAGES(size), pending);
#endif
		result(md, "NULL");
		return 1;
	}
	if (!size || too_big)
		viol(md, "vmalloc", size ? "NULL for more than the machine's memory" : "NULL for size 0", "an area");
	area_new(md, slot, p, size, op == OP_VZALLOC, 0);
	return 1;
}

static int vm_kvmalloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	size_t size = rec_size(r);
	unsigned int flags = rec_gfpbits(r);
	unsigned char *p;

	if (!size || (flags & TGFP_DMA))	/* no DMA vmalloc: kvmalloc refuses GFP_DMA (Linux warns) */
		return 0;
#ifdef KALLOC_VMALLOC_H
	if (md->kalloc) {	/* the kmalloc side is the kalloc oracle's */
		p = kor_kvmalloc(md, r);
		if (p)
			area_new(md, slot, p, size, !!(flags & TGFP_ZERO), 1);
		return 1;
	}
#endif
	p = md->t->kvmalloc(md->a, size, flags);
	if (!p) {
		result(md, "NULL");
		return 1;
	}
	if (md->t->is_vmalloc(md->a, p)) {
		if (size <= VPAGE)
			viol(md, "kvmalloc", "kmalloc for a request of a page or less (Linux never falls back)",
			     "a vmalloc area for %zu bytes", size);
		area_new(md, slot, p, size, !!(flags & TGFP_ZERO), 1);
		return 1;
	}
	{
		struct blk nb = { 0 };

		nb.kind = B_KMALLOC;
		nb.p = p;
		nb.req = size;
		nb.span = md->t->ksize ? md->t->ksize(md->a, p) : size;
		nb.kv = 1;
		nb.id = ++md->next_id;
		if (nb.span < size)
			viol(md, "ksize", "ksize() >= the request", "%zu for %zu bytes", nb.span, size);
		new_block_check(md, slot, &nb, 0, is_pow2(size) ? size : 8);
		if (flags & TGFP_ZERO)
			zero_check(md, p, size);
		md->b[slot] = nb;
		result(md, "kmalloc block (%zu usable)", nb.span);
	}
	return 1;
}

static int vm_touch_guard(struct model *md, int slot)
{
	const struct blk *b = &md->b[slot];

	want_refusal(md, md->vm.fault);
	refused(md, md->t->touch(md->a, (const void *)area_end(b)), md->vm.fault, "an access to the guard page");
	pat_check(md, slot, 1);
	return 1;
}

/* The digits at @s in @base (10 or 16) as a number into *@v; the end, or
 * NULL when @s holds no digit or more than an unsigned long's worth (16 hex,
 * 19 decimal: nothing wraps round to a right value).  It takes no sign,
 * prefix or space, as kalloc writes none (strtoul's general parse was 2% of
 * fuzz_vmalloc). */
static const char *vmi_num(const char *s, unsigned int base, unsigned long *v)
{
	const char *d = s;
	unsigned long n = 0;

	for (;; d++) {
		unsigned int c = (unsigned char)*d, x = c - '0';

		if (x > 9)
			x = base == 16 && (c | 32) - 'a' < 6 ? (c | 32) - 'a' + 10 : 16;
		if (x >= base)
			break;
		n = n * base + x;
	}
	*v = n;
	return d == s || d - s > (base == 16 ? 16 : 19) ? NULL : d;
}

/* sscanf(@l, "0x%lx-0x%lx %lu") == 3, by hand: the literals matched, white
 * space before the size skipped (the format's space). */
static int vmi_head(const char *l, unsigned long *lo, unsigned long *hi, unsigned long *size)
{
	if (strncmp(l, "0x", 2) || !(l = vmi_num(l + 2, 16, lo)) || strncmp(l, "-0x", 3) ||
	    !(l = vmi_num(l + 3, 16, hi)))
		return 0;
	while (*l == ' ' || *l == '\t')
		l++;
	return vmi_num(l, 10, size) != NULL;
}

/* /proc/vmallocinfo: one line per live area, "0x<start>-0x<end> <size> ...
 * pages=<n> vmalloc", end - start and size counting the guard page. */
static int vm_vmallocinfo(struct model *md)
{
	static char buf[1 << 16];
	int need, lines = 0, areas = 0;

	if (!md->t->vmallocinfo)
		return 0;
	need = md->t->vmallocinfo(md->a, buf, sizeof(buf));
	if (need < 0 || (size_t)need >= sizeof(buf) || strlen(buf) != (size_t)need)
		viol(md, "proc", "an snprintf-style length", "%d for %zu bytes", need, strlen(buf));
	result(md, "/proc/vmallocinfo:");
	if (md->o->trace)
		fprintf(md->o->trace, "%s", buf);
	for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		lines++;
	for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		unsigned long lo, hi, size, pages;
		const char *pg = strstr(l, " pages="), *eol = strchr(l, '\n');
		int slot = -1;

		if (!vmi_head(l, &lo, &hi, &size))
			viol(md, "proc", "vmallocinfo lines 0x<start>-0x<end> <size> ...", "%.60s", l);
		for (int i = 0; i < NR_PSLOTS; i++)
			if (md->b[i].kind == B_VMALLOC && (uintptr_t)md->b[i].p == lo)
				slot = i;
		if (slot < 0)
			viol(md, "proc", "a vmallocinfo line for live areas only", "%.60s", l);
		{
			const struct blk *b = &md->b[slot];
			const char *after = pg ? vmi_num(pg + 7, 10, &pages) : NULL;

			if (hi != area_end(b) + VPAGE || size != b->span + VPAGE || !after || (eol && pg > eol) ||
			    pages != b->span / VPAGE || strncmp(after, " vmalloc", 8))
				viol(md, "proc", "each area's line: its range and size with the guard page, "
				     "pages=<n> vmalloc", "p%d (%zu pages): %.80s", slot, b->span / VPAGE, l);
		}
	}
	for (int i = 0; i < NR_PSLOTS; i++)
		areas += md->b[i].kind == B_VMALLOC;
	if (lines != areas)
		viol(md, "proc", "one vmallocinfo line per live area", "%d lines, %d areas", lines, areas);
	return 1;
}

/* ---- the process --------------------------------------------------------------- */
/* The process exists from its first op on.  Its creation takes frames (a
 * page directory, a zero page): kalloc may refuse it (-KERR_NOMEM,
 * reported) with a failure injected or fewer than 8 frames free; the op is
 * then a no-op.  Returns 0 when there is no process. */
static int proc_start(struct model *md)
{
	int pending;
	uintptr_t start;

	if (md->vm.started)
		return 1;
	pending = md->kalloc && buddy_injected_pending(md->k.m) > 0;
	start = md->t->brk_start(md->a);
	if (!start) {
		struct page_stats ps;

		if (!md->kalloc)
			viol(md, "process", "a process", "brk_start() is 0");
		buddy_page_stats(md->k.m, &ps);
		if (!pending && ps.free + ps.pcp >= 8)
			viol(md, "process", "a process: frames free and no failure injected",
			     "not created (%lu free frames): %s", ps.free + ps.pcp, machine_last_report(md->k.m));
		md->k.want_err = KERR_NOMEM;
		result(md, "no process (out of frames)");
		return 0;
	}
	md->vm.started = 1;
	md->vm.start_brk = md->vm.brk = start;
	if (md->vm.start_brk & (VPAGE - 1))
		viol(md, "brk", "a page-aligned start_brk", "%#lx", (unsigned long)md->vm.start_brk);
	return 1;
}

static int vm_brk(struct model *md, const uint8_t *r)
{
	long delta = rec_pdelta(r);
	uintptr_t want = md->vm.brk + (uintptr_t)(delta * (long)VPAGE);
	int below = delta < 0 && (uintptr_t)(-delta) * VPAGE > md->vm.brk - md->vm.start_brk;
	int past = !below && delta > 0 && vm_data_pages(md) + (unsigned long)delta > MM_DATA_LIMIT_PAGES;
	int into = 0, code, rc;

	if (heap_owns_brk(md)) {	/* a shrink would cut the heap's chunks (OPS.md 2.3) */
		result(md, "no-op: the heap owns the break");
		return 1;
	}
	for (int i = 0; i < NR_PSLOTS && !below && delta > 0; i++)
		into |= md->b[i].kind == B_MAP && (uintptr_t)md->b[i].p < want && (uintptr_t)md->b[i].p >= md->vm.brk;
	code = below ? ERR_BRK_BELOW : past ? ERR_DATA_LIMIT : into ? ERR_BRK_INTO_MAP : 0;
	if (code)
		want_refusal(md, code);
	rc = md->t->brk(md->a, want);
	if (code) {
		refused(md, rc, code, below ? "brk below the heap's start" : past ? "brk past the data limit" :
			"brk into a mapping");
		return 1;
	}
	if (rc)
		viol(md, "brk", "0", "brk(+%ld pages) returned %d", (long)((want - md->vm.start_brk) / VPAGE), rc);
	if (want < md->vm.brk)
		vp_drop(md, want, md->vm.brk);	/* the pages above the new break are gone */
	md->vm.brk = want;
	result(md, "0 (%lu pages)", (unsigned long)((want - md->vm.start_brk) / VPAGE));
	return 1;
}

static int vm_mmap(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	size_t size = rec_size(r), len = VPAGES(size) * VPAGE;
	struct blk nb = { 0 };
	unsigned char *p;

	int past = size && (size > MM_DATA_LIMIT_PAGES * VPAGE || vm_data_pages(md) + len / VPAGE > MM_DATA_LIMIT_PAGES);

	if (!size || past)
		want_refusal(md, size ? ERR_DATA_LIMIT : ERR_MMAP_ZERO);
	p = md->t->mmap(md->a, size);
	if (!size || past) {
		if (p)
			viol(md, "mmap", size ? "NULL past the data limit" : "NULL for length 0", "a mapping");
		result(md, "NULL (%s)", size ? "past the data limit" : "length 0");
		return 1;
	}
	if (!p && heap_owns_brk(md)) {	/* the heap's pages count against the limit too */
		result(md, "NULL (the heap's pages and the model's past the data limit)");
		return 1;
	}
	if (!p)
		viol(md, "failure", "a mapping within the data limit", "NULL for %zu bytes", size);
	if ((uintptr_t)p & (VPAGE - 1))
		viol(md, "alignment", "a page-aligned mapping", "+%#lx", (unsigned long)((uintptr_t)p & (VPAGE - 1)));
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *o = &md->b[i];

		if (o->kind == B_MAP && (uintptr_t)p < (uintptr_t)o->p + o->span && (uintptr_t)o->p < (uintptr_t)p + len)
			viol(md, "overlap", "a mapping on no other mapping", "p%d on p%d", slot, i);
	}
	if ((uintptr_t)p < md->vm.brk && md->vm.start_brk < (uintptr_t)p + len)
		viol(md, "overlap", "a mapping off the brk area", "p%d at +%#lx from start_brk",
		     slot, (unsigned long)((uintptr_t)p - md->vm.start_brk));
	nb.kind = B_MAP;
	nb.p = p;
	nb.req = size;
	nb.span = len;
	nb.id = ++md->next_id;
	md->b[slot] = nb;
	result(md, "%zu pages", len / VPAGE);
	return 1;
}

static void map_forget(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];

	vp_drop(md, (uintptr_t)b->p, (uintptr_t)b->p + b->span);
	blk_clear(b);
}

static int vm_munmap(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];
	int rc = md->t->munmap(md->a, b->p, b->span);

	if (rc)
		viol(md, "munmap", "0", "p%d: %d", slot, rc);
	map_forget(md, slot);
	result(md, "0");
	return 1;
}

/* The bytes a write puts at [addr, addr + len): a function of the address
 * and the write, so that each write differs from the ones before it; one
 * mix per 8-byte word, each byte of the word from its own 8 bits, never 0
 * (a lost write shows). */
static uint64_t wword(uint64_t seed, uintptr_t word)
{
	uint64_t x = seed ^ (uint64_t)word * 0xbf58476d1ce4e5b9ULL;

	return (x ^ (x >> 29)) | 0x0101010101010101ULL;
}

static void wbytes(unsigned char *buf, uint32_t seq, uintptr_t addr, size_t len)
{
	uint64_t seed = (uint64_t)seq * 0x9e3779b97f4a7c15ULL, x;
	size_t i = 0;

	for (; i < len && ((addr + i) & 7); i++)	/* up to the first whole word */
		buf[i] = (unsigned char)(wword(seed, (addr + i) >> 3) >> (8 * ((addr + i) & 7)));
	for (; len - i >= 8; i += 8) {		/* little-endian: byte b of a word is x >> 8b */
		x = wword(seed, (addr + i) >> 3);
		memcpy(buf + i, &x, 8);
	}
	for (x = wword(seed, (addr + i) >> 3); i < len; i++)
		buf[i] = (unsigned char)(x >> (8 * ((addr + i) & 7)));
}

/* The first byte where @got and @want differ, or @n. */
static size_t first_diff(const unsigned char *got, const unsigned char *want, size_t n)
{
	size_t i = 0;

	if (!memcmp(got, want, n))
		return n;
	while (got[i] == want[i])
		i++;
	return i;
}

static const unsigned char zero_page[4096];

/* The address write/read at @r reaches: slot P's mapping + OFF, or the brk
 * area's start + OFF for an empty slot (OPS.md 2).  0: a no-op. */
static uintptr_t access_addr(struct model *md, const uint8_t *r)
{
	const struct blk *b = &md->b[rec_p(r)];

	if (b->kind == B_MAP)
		return (uintptr_t)b->p + rec_u16(r);
	if (b->kind == B_EMPTY && !heap_owns_brk(md))
		return md->vm.start_brk + rec_u16(r);
	return 0;
}

/* kalloc: may a fault in [addr, addr + len) find no frame?  Only when the
 * free frames are fewer than the range's pages plus a page table for each
 * level (4).  (Another layer has then eaten the machine: the process's own
 * data is capped far below its frames.) */
static int vm_out_of_frames(struct model *md, uintptr_t addr, size_t len)
{
	struct page_stats ps;
	unsigned long pages = (unsigned long)(((addr + len + VPAGE - 1) & ~(VPAGE - 1)) - (addr & ~(VPAGE - 1))) / VPAGE;

	buddy_page_stats(md->k.m, &ps);
	return ps.free + ps.pcp < pages + 4;
}

static int vm_access(struct model *md, const uint8_t *r, int write)
{
	uintptr_t addr = access_addr(md, r);
	size_t len = rec_mlen(r);
	unsigned char *buf;
	int rc, inside, pending;

	if (!addr)
		return 0;
	inside = !len || vm_covered(md, addr, addr + len);	/* 0 bytes touch nothing */
	if (!inside && heap_owns_brk(md)) {	/* it may land in the heap's memory (OPS.md 2.3) */
		result(md, "skipped: off the program's mappings, where the heap may be");
		return 1;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		viol(md, "host", "memory for the model", "out of memory");
	if (write) {
		md->vm.wseq++;
		wbytes(buf, md->vm.wseq, addr, len);
	} else {
		memset(buf, 0xee, len);
	}
	if (!inside)
		want_refusal(md, md->vm.fault);
	pending = md->kalloc && buddy_injected_pending(md->k.m) > 0;	/* before the call */
	rc = write ? md->t->mm_write(md->a, addr, buf, len) : md->t->mm_read(md->a, addr, buf, len);
	if (!inside) {
		free(buf);
		refused(md, rc, md->vm.fault, write ? "a write outside every mapping" : "a read outside every mapping");
		return 1;
	}
	if (rc && md->kalloc && rc == -KERR_NOMEM && (pending || vm_out_of_frames(md, addr, len))) {
		/* A fault found no frame (reported): the pages before it are
		 * done, nothing after.  Only with a page allocation failure
		 * injected or the machine nearly out of frames. */
		md->k.want_err = KERR_NOMEM;
		for (uintptr_t pg = addr & ~(VPAGE - 1); write && pg < addr + len; pg += VPAGE) {
			unsigned long pfn;
			uintptr_t lo = pg > addr ? pg : addr, hi = pg + VPAGE < addr + len ? pg + VPAGE : addr + len;

			if (md->t->frame_of(md->a, pg, &pfn) != 1)
				break;
			memcpy(vp_get(md, pg)->data + (lo - pg), buf + (lo - addr), hi - lo);
		}
		free(buf);
		result(md, "-KERR_NOMEM (out of frames)");
		return 1;
	}
	if (rc) {
		free(buf);
		viol(md, write ? "write" : "read", "0: the range is mapped", "%d for %zu bytes at +%#lx", rc, len,
		     (unsigned long)(addr & (VPAGE - 1)));
	}
	for (size_t i = 0; i < len;) {
		uintptr_t pg = (addr + i) & ~(VPAGE - 1);
		size_t in = pg + VPAGE - (addr + i), n = in < len - i ? in : len - i;
		size_t o = addr + i - pg;

		if (write) {
			memcpy(vp_get(md, pg)->data + o, buf + i, n);
		} else {
			const struct vpage *v = vp_find(md, pg);
			const unsigned char *want = v ? v->data + o : zero_page;
			size_t j = first_diff(buf + i, want, n);

			if (j < n) {
				unsigned char got = buf[i + j];

				free(buf);
				viol(md, "contents", v ? "the bytes written there" : "zeroes (never written)",
				     "byte %zu of the read is 0x%02x, not 0x%02x", i + j, got, want[j]);
			}
		}
		i += n;
	}
	free(buf);
	result(md, "%zu bytes", len);
	return 1;
}

/* Every written page reads back as the model's copy. */
static void contents_check(struct model *md)
{
	static unsigned char buf[4096];

	for (int h = 0; h < VM_HASH; h++)
		for (const struct vpage *v = md->vm.bucket[h]; v; v = v->next) {
			int rc = md->t->mm_read(md->a, v->addr, buf, VPAGE);

			if (rc)
				viol(md, "read", "0: a written page is mapped", "%d at +%#lx", rc,
				     (unsigned long)(v->addr - md->vm.start_brk));
			size_t i = first_diff(buf, v->data, VPAGE);

			if (i < VPAGE)
				viol(md, "contents", "the bytes written there", "page +%#lx byte %zu is 0x%02x, "
				     "not 0x%02x", (unsigned long)(v->addr - md->vm.start_brk), i, buf[i], v->data[i]);
		}
}

/* ---- wrong frees of areas and mappings (OPS.md 2.1) -------------------------- */
static int vm_wrong_free(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];

	if (!misuse_ok(md))
		return 0;
	if (op == OP_FOREIGN) {
		unsigned char *q = (unsigned char *)md->hi;

		if (!md->hi)
			return 0;
		if (rec_foreign(r) == FOREIGN_VFREE) {
			if (!has(md, TCAP_VMALLOC))
				return 0;
			want_refusal(md, ERR_VFREE_FOREIGN);
			refused(md, md->t->vfree(md->a, q), ERR_VFREE_FOREIGN, "vfree of a foreign pointer");
			return 1;
		}
		if (!(md->t->caps & TCAP_MALLOC))
			return 0;
		want_refusal(md, KERR_BAD_ADDRESS);
		refused(md, md->t->free(md->a, q), KERR_BAD_ADDRESS, "free of a foreign pointer");
		pat_check_all(md, 1);
		return 1;
	}
	if (b->kind == B_MAP) {
		void *p = b->p;
		size_t len = b->span;

		if (op != OP_DOUBLE_FREE)
			return 0;	/* munmap of part of a mapping is legal: not a wrong free */
		vm_munmap(md, slot);
		want_refusal(md, md->vm.not_mapped);
		refused(md, md->t->munmap(md->a, p, len), md->vm.not_mapped, "munmap of a range unmapped already");
		return 1;
	}
	/* An area. */
	if (op == OP_DOUBLE_FREE) {
		void *p = b->p;
		int kv = b->kv;

		area_free(md, slot, kv);
		want_refusal(md, ERR_VFREE_TWICE);
		refused(md, kv ? md->t->kvfree(md->a, p) : md->t->vfree(md->a, p), ERR_VFREE_TWICE,
			"the second vfree");
		return 1;
	}
	{
		size_t span = b->req;
		unsigned int raw = rec_u16(r);
		size_t off;
		int code;

		if (span < 2)
			return 0;
		off = (raw >= 1 && raw < span) ? raw : 1 + raw % (span - 1);
		code = ERR_VFREE_INTERIOR;
		want_refusal(md, code);
		refused(md, md->t->vfree(md->a, b->p + off), code, "vfree of an address inside an area");
		pat_check(md, slot, 1);
	}
	return 1;
}

/* ---- dispatch ------------------------------------------------------------------ */
int vm_owns(const struct model *md, const uint8_t *r, unsigned int op)
{
	const struct blk *b = &md->b[rec_p(r)];

	(void)md;
	if (op >= OP_VMALLOC && op <= OP_RSS)
		return 1;
	switch (op) {
	case OP_DOUBLE_FREE: case OP_INTERIOR:
		return b->kind == B_VMALLOC || b->kind == B_MAP;
	case OP_FOREIGN:
		return rec_foreign(r) == FOREIGN_VFREE || rec_foreign(r) == FOREIGN_FREE;
	case OP_KFREE:			/* a kvmalloc'd kmalloc block is kfree's too */
		return 0;
	}
	return 0;
}

int vm_op(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];

	if (op >= OP_BRK && op <= OP_RSS && !proc_start(md))
		return 1;
	switch (op) {
	case OP_VMALLOC: case OP_VZALLOC:
		return b->kind == B_EMPTY ? vm_vmalloc(md, r, op) : 0;
	case OP_KVMALLOC:
		return b->kind == B_EMPTY ? vm_kvmalloc(md, r) : 0;
	case OP_VFREE:
		if (b->kind != B_VMALLOC)
			return 0;
		area_free(md, slot, 0);
		result(md, "0");
		return 1;
	case OP_KVFREE:
		if (b->kind == B_VMALLOC) {
			area_free(md, slot, 1);
		} else if (b->kind == B_KMALLOC && b->kv && md->kalloc) {
			kor_free(md, slot);
		} else if (b->kind == B_KMALLOC && b->kv) {
			int rc;

			pat_check(md, slot, 1);
			rc = md->t->kvfree(md->a, b->p);
			if (rc)
				viol(md, "free", "0", "p%d: kvfree refused a kvmalloc block (%d)", slot, rc);
			blk_clear(b);
		} else {
			return 0;
		}
		result(md, "0");
		return 1;
	case OP_VMALLOCINFO:
		return vm_vmallocinfo(md);
	case OP_TOUCH_GUARD:
		return b->kind == B_VMALLOC ? vm_touch_guard(md, slot) : 0;
	case OP_BRK:
		return vm_brk(md, r);
	case OP_MMAP:
		return b->kind == B_EMPTY ? vm_mmap(md, r) : 0;
	case OP_MUNMAP:
		return b->kind == B_MAP ? vm_munmap(md, slot) : 0;
	case OP_MM_WRITE: case OP_MM_READ:
		return vm_access(md, r, op == OP_MM_WRITE);
	case OP_RSS:
		result(md, "%lu pages", md->t->rss_pages(md->a));
		return 1;	/* vm_after_op compares it */
	case OP_DOUBLE_FREE: case OP_INTERIOR: case OP_FOREIGN:
		return vm_wrong_free(md, r, op);
	}
	return 0;
}

/* ---- around every op ----------------------------------------------------------- */
void vm_boot(struct model *md)
{
	memset(&md->vm, 0, sizeof(md->vm));
	md->vm.caps = md->t->caps & (TCAP_VMALLOC | TCAP_MM);
	/* kalloc's codes for a segmentation fault and for a munmap of nothing,
	 * by name (KERR_INVAL for the latter where it has no code of its own). */
	if (md->kalloc) {
		/* The library's codes are constants of the linked library: looked
		 * up once per process (63 strcmp pairs per boot were 1.6% of a
		 * fuzz_kmalloc input). */
		static int fault = -1, not_mapped = KERR_INVAL;

		if (fault < 0) {
			fault = 0;
			for (int c = 1; c < 64; c++) {
				if (!strcmp(kalloc_error_name(c), "KERR_FAULT"))
					fault = c;
				if (!strcmp(kalloc_error_name(c), "KERR_NOT_MAPPED"))
					not_mapped = c;
			}
		}
		md->vm.fault = fault;
		md->vm.not_mapped = not_mapped;
	}
}

static void owners_check(struct model *md);

/* RSS against the one rule for a process (oracle_rss.c rss_bounds): exactly
 * the pages the model wrote while no heap block ever existed. */
void vm_after_op(struct model *md)
{
	owners_check(md);
	if (!has(md, TCAP_MM) || !md->vm.started)
		return;
	rss_rule_check(md, (long)md->t->rss_pages(md->a), 0);
}

/* kalloc: the pages each owner above the page allocator holds are the
 * model's: vmalloc's the live areas' pages, user pages the written ones. */
static void owners_check(struct model *md)
{
	unsigned long owners[NR_PAGE_OWNERS];

	if (!md->kalloc)
		return;
	page_owner_counts(md->k.m, owners);
	if (owners[PAGE_OWNER_VMALLOC] != md->vm.area_pages)
		viol(md, "frame owners", "vmalloc's pages equal to the live areas' pages",
		     "%lu pages owned by vmalloc, areas hold %lu", owners[PAGE_OWNER_VMALLOC], md->vm.area_pages);
	if (heap_owns_brk(md) ? owners[PAGE_OWNER_USER] < md->vm.written : owners[PAGE_OWNER_USER] != md->vm.written)
		viol(md, "frame owners", "user pages equal to the pages written",
		     "%lu pages owned by the process, %lu written", owners[PAGE_OWNER_USER], md->vm.written);
}

/* Everything, every K ops, on check() and at the end.  Every page of an
 * area was translated and aliased when it was made; the periodic sweep
 * (@full 0) translates again only each area's first and last page, the end
 * of the program (vm_teardown, @full 1) every page, so a page whose
 * mapping changed later is still caught in the same program
 * (test_vm_oracle.c vm_oracle_alias_changed_later_at_the_end). */
static void sweep(struct model *md, int full)
{
	if (has(md, TCAP_VMALLOC) && md->vm.areas)
		for (int i = 0; i < NR_PSLOTS; i++)
			if (md->b[i].kind == B_VMALLOC) {
				size_t pages = md->b[i].span / VPAGE;

				if (full || pages <= 2) {
					area_alias_check(md, i, 0, pages);
				} else {
					area_alias_check(md, i, 0, 1);
					area_alias_check(md, i, pages - 1, pages);
				}
				guard_check(md, i);
			}
	if (has(md, TCAP_MM) && md->vm.started)
		contents_check(md);
	frames_check(md);
}

void vm_sweep(struct model *md)
{
	sweep(md, 0);
}

void vm_teardown(struct model *md)
{
	int rc;

	rss_check(md, 1);	/* every live block's pages, before anything is freed */
	if (!md->vm.caps)
		return;
	sweep(md, 1);
	for (int i = 0; i < NR_PSLOTS; i++) {
		struct blk *b = &md->b[i];

		if (b->kind == B_VMALLOC)
			area_free(md, i, b->kv);
		else if (b->kind == B_MAP)
			vm_munmap(md, i);
		else if (b->kind == B_KMALLOC && b->kv && !md->kalloc) {
			if ((rc = md->t->kvfree(md->a, b->p)))
				viol(md, "teardown", "kvfree of a kvmalloc block to succeed", "p%d: %d", i, rc);
			blk_clear(b);
		}
	}
	owners_check(md);	/* every area's frames back */
	if (md->vm.started && !heap_owns_brk(md)) {
		if ((rc = md->t->brk(md->a, md->vm.start_brk)))
			viol(md, "teardown", "brk back to its start to succeed", "%d", rc);
		vp_drop(md, md->vm.start_brk, md->vm.brk);
		md->vm.brk = md->vm.start_brk;
		vm_after_op(md);	/* nothing written is left: RSS 0 */
	}
	if (md->vm.started && md->t->mm_exit && (rc = md->t->mm_exit(md->a)))
		viol(md, "teardown", "the process to exit", "%d", rc);
	md->vm.started = 0;
}

void vm_exit(struct model *md)
{
	vp_drop(md, 0, UINTPTR_MAX);
	for (int i = 0; i < NR_PSLOTS; i++) {
		free(md->vm.pfns[i]);
		md->vm.pfns[i] = NULL;
	}
}
