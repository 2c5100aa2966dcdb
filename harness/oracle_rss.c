/* oracle_rss.c - a simulated process's resident pages, checked against what
 * the model itself knows (targets with TCAP_PROCESS: kalloc-heap).
 *
 * The model never asks the allocator which pages it touched.  It knows the
 * pages it wrote (every pattern write goes through the target's mem_write
 * hook), the blocks it was given (address, usable size, how they were made)
 * and glibc's chunk layout, which TCAP_PROCESS promises: a block at p has its
 * 16-byte header at [p - 16, p), and its chunk ends at p + usable - 8 where
 * the next chunk's header starts.  From that, two bounds on RSS in pages:
 *
 *   lower: every page holding a byte of a live block's pattern (below the
 *          length a realloc kept) and the page of every live block's size
 *          field (p - 8) is resident, with a frame of its own (not the zero
 *          page), and no two of those pages share a frame;
 *   upper: every resident page is one the model may have caused to be
 *          written: a page it wrote, a page of [p - 16, p + 16) (the header
 *          and, once freed, the chunk's free-list links; an aligned block:
 *          from p - 16 - ALIGN - 32, the leader the allocator split off and
 *          its mapping's header), a page of [e, e + 32) for a chunk
 *          end e (the next chunk's header and a free chunk's links), for an
 *          aligned block the end of glibc's _int_memalign request
 *          (request2size(nb + ALIGN + MINSIZE) from where it was carved,
 *          whose header is written before the tail goes back), every
 *          page of a calloc'd block (it may have been cleared) and the pages
 *          a realloc may have copied into (min(old usable, new request)).
 *
 * Why the upper bound holds for a boundary-tag heap: the allocator writes
 * only at chunk boundaries (a header and, when free, its links: 32 bytes;
 * a footer is the next boundary's prev_size), and every boundary that ever
 * exists is the heap's start, the start of a block the model was given, the
 * end of one, or the end of an aligned block's _int_memalign request (found
 * by fuzz_malloc: corpus/regressions/heap-rss-aligned-intermediate-top);
 * coalescing and trimming create none.  Reads never count
 * (a read of an untouched page maps the zero page).  The sets only grow, so
 * a freed block's pages stay possible: a trim may or may not have dropped
 * them.  The lower bound is exact for pages written (written means present);
 * the slack between the two is the allocator's freedom (what a trim kept,
 * which free links landed on which page), documented in docs/rss.md.
 */
#include <stdlib.h>
#include <string.h>
#include "model_int.h"

/* A set of page (or frame) numbers: open addressing for membership, and
 * the keys in the order they came, so that walking or emptying the set costs
 * what it holds, not its capacity. */
struct pageset {
	uint64_t *keys;		/* page number + 1; 0: empty */
	uint64_t *order;	/* the keys added, n of them */
	size_t cap, n;
};

/* A set of pages kept as disjoint, sorted, non-adjacent runs [lo, hi):
 * a block's range goes in as one run whatever its size, and the count of
 * pages is kept as runs merge.  (The may-set only grows.) */
struct runset {
	uint64_t *lo, *hi;
	size_t n, cap;
	unsigned long pages;
};

struct rss_state {
	struct runset may;	/* pages that may be resident (the upper bound) */
};

/* Add the pages [lo, hi). */
static void runs_add(struct runset *s, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b = s->n, j;

	if (lo >= hi)
		return;
	while (a < b) {		/* the first run ending at or after lo: it may touch [lo, hi) */
		size_t mid = (a + b) / 2;

		if (s->hi[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (j = a; j < s->n && s->lo[j] <= hi; j++) {	/* runs [a, j) overlap or adjoin: merged */
		s->pages -= (unsigned long)(s->hi[j] - s->lo[j]);
		if (s->lo[j] < lo)
			lo = s->lo[j];
		if (s->hi[j] > hi)
			hi = s->hi[j];
	}
	if (j == a) {		/* a new run at a */
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			uint64_t *nl = realloc(s->lo, cap * sizeof(*nl)), *nh;

			if (!nl)
				return;
			s->lo = nl;
			nh = realloc(s->hi, cap * sizeof(*nh));
			if (!nh)
				return;
			s->hi = nh;
			s->cap = cap;
		}
		memmove(s->lo + a + 1, s->lo + a, (s->n - a) * sizeof(*s->lo));
		memmove(s->hi + a + 1, s->hi + a, (s->n - a) * sizeof(*s->hi));
		s->n++;
	} else if (j > a + 1) {	/* runs a + 1 .. j - 1 go */
		memmove(s->lo + a + 1, s->lo + j, (s->n - j) * sizeof(*s->lo));
		memmove(s->hi + a + 1, s->hi + j, (s->n - j) * sizeof(*s->hi));
		s->n -= j - a - 1;
	}
	s->lo[a] = lo;
	s->hi[a] = hi;
	s->pages += (unsigned long)(hi - lo);
}

static void runs_free(struct runset *s)
{
	free(s->lo);
	free(s->hi);
	memset(s, 0, sizeof(*s));
}

/* The pages of the bytes [from, to). */
static void runs_range(struct runset *s, uintptr_t from, uintptr_t to)
{
	if (from < to)
		runs_add(s, from / PAGE_SIZE, (to - 1) / PAGE_SIZE + 1);
}

static void set_put(struct pageset *s, uint64_t key)
{
	size_t i;

	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (s->cap - 1); s->keys[i]; i = (i + 1) & (s->cap - 1))
		;
	s->keys[i] = key;
}

static int set_add(struct pageset *s, uint64_t page)
{
	uint64_t key = page + 1;
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *keys = calloc(cap, sizeof(uint64_t)), *order = realloc(s->order, cap / 2 * sizeof(uint64_t));

		if (!keys || !order) {
			free(keys);
			if (order)
				s->order = order;
			return 0;
		}
		free(s->keys);
		s->keys = keys;
		s->order = order;
		s->cap = cap;
		for (size_t k = 0; k < s->n; k++)
			set_put(s, s->order[k]);
	}
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (s->cap - 1); s->keys[i]; i = (i + 1) & (s->cap - 1))
		if (s->keys[i] == key)
			return 0;
	s->keys[i] = key;
	s->order[s->n++] = key;
	return 1;
}

/* Empty the set, keeping its memory. */
static void set_clear(struct pageset *s)
{
	if (s->n * 8 < s->cap) {
		for (size_t k = 0; k < s->n; k++) {
			size_t i;

			for (i = (size_t)(s->order[k] * 0x9e3779b97f4a7c15ULL) & (s->cap - 1); s->keys[i] != s->order[k];
			     i = (i + 1) & (s->cap - 1))
				;
			s->keys[i] = 0;
		}
	} else if (s->cap) {
		memset(s->keys, 0, s->cap * sizeof(uint64_t));
	}
	s->n = 0;
}

static void set_range(struct pageset *s, uintptr_t from, uintptr_t to)
{
	for (uintptr_t pg = from / PAGE_SIZE; from < to && pg <= (to - 1) / PAGE_SIZE; pg++)
		set_add(s, pg);
}

void rss_open(struct model *md)
{
	md->rss = (md->t->caps & TCAP_PROCESS) && md->t->rss && md->t->pagemap ? calloc(1, sizeof(*md->rss)) : NULL;
}

void rss_close(struct model *md)
{
	if (md->rss)
		runs_free(&md->rss->may);
	free(md->rss);
	md->rss = NULL;
}

void rss_note_write(struct model *md, const unsigned char *p, size_t n)
{
	runs_range(&md->rss->may, (uintptr_t)p, (uintptr_t)p + n);
}

void rss_note_block(struct model *md, const struct blk *b, unsigned int how, size_t align, size_t copied)
{
	uintptr_t p = (uintptr_t)b->p, lead = how == OP_ALIGNED_ALLOC ? align + 32 : 0;
	struct runset *s;

	if (!md->rss)
		return;
	s = &md->rss->may;
	runs_range(s, p - 16 - lead, p + 16);	/* the header, and a free chunk's links at p */
	runs_range(s, p + b->span - 8, p + b->span - 8 + 32);
	if (how == OP_ALIGNED_ALLOC && align > 16) {
		/* _int_memalign carves request2size(nb + ALIGN + MINSIZE) at the old
		 * chunk start c, p - 16 - (ALIGN + 32) <= c <= p - 16, and writes a
		 * header at its end before it gives the tail back. */
		uintptr_t nb = b->req + 8 + 15 < 32 ? 32 : (b->req + 8 + 15) & ~(uintptr_t)15;
		uintptr_t req2 = (nb + align + 32 + 8 + 15) & ~(uintptr_t)15;

		runs_range(s, p - 16 - lead + req2, p - 16 + req2 + 32);
	}
	if (how == OP_CALLOC)
		runs_range(s, p, p + b->span);
	if (copied)
		runs_range(s, p, p + copied);
}

/* The lower bound's pages of one live block into @s. */
struct live_walk {
	struct pageset *s;
	uintptr_t p;
};

static void live_piece(void *ctx, size_t from, size_t to)
{
	struct live_walk *w = ctx;

	set_range(w->s, w->p + from, w->p + to);
}

/* The one RSS rule for a simulated process, whatever drives it.  Two
 * disjoint sets of pages: those vm_oracle.c wrote with write(pP, OFF, LEN)
 * into the brk area and the program's mappings (md->vm.written, exact:
 * written means resident, and nothing else of the program's own is), and
 * those the heap's blocks may have made resident (md->rss->may above: the
 * oracle's pattern writes through mem_write and the chunk boundaries).
 * They are disjoint because the heap starts at the page-aligned break it
 * found and owns it from then on (TCAP_HEAP_BRK), and its mmapped chunks are
 * mappings of its own.  So
 *	vm.written <= RSS <= vm.written + |may|
 * and for a program that never had a heap block |may| is 0: RSS equals the
 * pages written, the exact check.  The floor rises by @live, the pages of
 * live heap blocks the model knows are resident (their patterns and size
 * fields: rss_check's walk; 0 where it is not counted), disjoint from the
 * written pages for the same reason. */
void rss_bounds(const struct model *md, unsigned long live, unsigned long *lo, unsigned long *hi)
{
	*lo = md->vm.written + live;
	*hi = md->vm.written + (md->rss ? md->rss->may.pages : 0);
}

void rss_rule_check(struct model *md, long rss, unsigned long live)
{
	unsigned long lo, hi;

	rss_bounds(md, live, &lo, &hi);
	if (rss < 0 || (unsigned long)rss < lo || (unsigned long)rss > hi) {
		if (lo == hi)
			viol(md, "rss", "RSS equal to the pages written (a read maps the zero page)",
			     "%ld pages resident, %lu written", rss, lo);
		viol(md, "rss", "at least the pages the model wrote, at most those and the pages the heap's "
		     "blocks may have made resident: the oracle's writes, the chunk headers and what calloc and "
		     "realloc may have written (oracle_rss.c)", "%ld pages resident, %lu..%lu possible", rss, lo, hi);
	}
}

/* The lower bound's walk: every page of a live heap block's pattern and of
 * its size field is resident with a frame of its own, no two on one frame,
 * and RSS covers them.  After an op (@full 0) only the blocks of the op's
 * slot are walked: a block no op touched is walked by the sweep (every K
 * ops, check()) and by vm_teardown before anything is freed, so what a
 * per-op walk skips is still caught in the same program
 * (test_vm_oracle.c vm_oracle_rss_untouched_block_at_the_end).  The two
 * sets are kept between calls (emptied, not freed): one model at a time. */
static struct pageset live, frames;

void rss_check(struct model *md, int full)
{
	int only = -1;
	char w[64];
	long rss;

	if (!md->rss)
		return;
	rss = md->t->rss(md->a);
	rss_rule_check(md, rss, 0);
	if (!full) {
		if (!md->rec)
			return;
		only = (int)rec_p(md->rec);
		if (md->b[only].kind != B_HEAP)
			return;
	}
	set_clear(&live);
	set_clear(&frames);
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *b = &md->b[i];
		struct live_walk lw = { &live, (uintptr_t)b->p };

		if (b->kind != B_HEAP || (only >= 0 && i != only))
			continue;
		set_range(&live, (uintptr_t)b->p - 8, (uintptr_t)b->p);
		if (b->pat)
			pieces_walk(b->pat, b->pat_end, live_piece, &lw);
	}
	for (size_t k = 0; k < live.n; k++) {
		uint64_t e, page = live.order[k] - 1;

		md->t->pagemap(md->a, (const void *)(uintptr_t)(page * PAGE_SIZE), 1, &e);
		if (!(e & (1ULL << 63)) || !(e & (1ULL << 56)))
			viol(md, "rss", "every page written in a live block, and its header's, resident with a frame "
			     "of its own", "page %s is %s", where(md, (void *)(uintptr_t)(page * PAGE_SIZE), w, sizeof(w)),
			     (e & (1ULL << 63)) ? "the zero page" : "not present");
		if (!set_add(&frames, e & ((1ULL << 55) - 1)))
			viol(md, "frame owned twice", "distinct pages on distinct frames",
			     "page %s shares frame %#llx with another page", where(md, (void *)(uintptr_t)(page * PAGE_SIZE),
			     w, sizeof(w)), (unsigned long long)(e & ((1ULL << 55) - 1)));
	}
	rss_rule_check(md, rss, live.n);	/* the floor with the live blocks' pages */
}
