/* oracle.c - the allocator-neutral oracle: what any allocator promises,
 * checked for whatever target the harness drives (target.h).
 *
 * It keeps the block table (model_int.h) and checks, for every block a
 * target hands out: inside the memory the target claims (when it says), in
 * the DMA zone when asked (when it has zones), aligned as its interface
 * promises, on no other live block of any kind; zeroed when asked; its
 * contents intact for its whole life (a pattern written by write_pattern or
 * by the harness); a realloc keeps the common prefix; misuse answered as the
 * target declares (TCAP_REPORTS_MISUSE: a wrong free returns an error and
 * the live blocks are untouched; otherwise misuse is never sent); and at the
 * end everything given back (the target's in_use as right after open).
 *
 * The alignment promises, by interface:
 *   pages          4096 << order
 *   kmalloc        the size for power-of-two sizes, else 8 (Linux since 5.4)
 *   object caches  SLUB's calculate_alignment() of the cache's arguments
 *   malloc family  min(16, largest power of two <= size): C17 7.22.3's
 *                  "fundamental alignment" for any object that fits;
 *                  aligned_alloc also its ALIGN
 * A NULL is allowed from a kernel-style interface whenever (its memory is
 * bounded and unknown to the model), from the malloc family only for a
 * request of 0 bytes (C leaves it to the implementation) or of
 * 2^HEAP_LARGE_LOG2 bytes or more (target.h), and required for an
 * overflowing calloc.
 *
 * kalloc's exact expectations (which class, which error code, which counter)
 * are kalloc_oracle.c's; this file is what remains true of any allocator.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model_int.h"
#include "slub_model.h"

#define HEAP_MAY_FAIL	((size_t)1 << HEAP_LARGE_LOG2)	/* malloc family: NULL allowed from here */
static int heap_may_fail(struct model *md, size_t total, size_t align);

/* ---- reporting ------------------------------------------------------------ */
void viol(struct model *md, const char *what, const char *expected, const char *fmt, ...)
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

void result_text(struct model *md, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(md->res, sizeof(md->res), fmt, ap);
	va_end(ap);
}

const char *where(struct model *md, const void *p, char *buf, size_t len)
{
	if (md->kalloc)
		return kor_where(md, p, buf, len);
	if (!p)
		snprintf(buf, len, "NULL");
	else if (md->hi)
		snprintf(buf, len, "+%#lx", (unsigned long)((uintptr_t)p - md->lo));
	else
		snprintf(buf, len, "%p", p);
	return buf;
}

/* ---- patterns -------------------------------------------------------------
 * A block's pattern is a function of its id and the byte offset.  Blocks up
 * to PAT_DENSE bytes carry it in full; larger ones (page blocks, large
 * kmallocs: up to 4 MiB) in "pieces" - the first PAT_PIECE bytes of every
 * 4 KiB and the last PAT_PIECE bytes - because filling and re-reading
 * megabytes per op cost more than everything else together, while a
 * corruption by the allocator (a free-list link, a split or merge writing
 * into a live page) lands at a page start or spans pages.  Above PAT_SPARSE
 * (only the malloc family hands out such blocks) the pieces are spread to at
 * most PAT_MAX_PIECES, so a 1 GiB malloc is not paged in whole.  The pieces
 * are computed from the length at write time (pat) and checked below
 * pat_end, which a shrinking realloc lowers.  Comparisons are word loops, not
 * memcmp: libc's memcmp is intercepted and traced under libFuzzer.
 */
#define PAT_DENSE	4096
#define PAT_PIECE	64
#define PAT_SPARSE	((size_t)4 << 20)
#define PAT_MAX_PIECES	1024

/* Word k of block @id's pattern is pat_mix(pat_seed(id, k)); word k + 1's
 * seed is PAT_STEP more, so that the loops below step instead of multiply. */
#define PAT_STEP	0xbf58476d1ce4e5b9ULL

static inline uint64_t pat_seed(uint32_t id, size_t k)
{
	return (uint64_t)id * 0x9e3779b97f4a7c15ULL + (uint64_t)k * PAT_STEP;
}

#define pat_mix(x)	((x) ^ ((x) >> 29))	/* a word or both lanes of a pat_v2 */

static uint64_t pat_word(uint32_t id, size_t k)
{
	uint64_t x = pat_seed(id, k);

	return pat_mix(x);
}

static unsigned char pat_byte(uint32_t id, size_t i)
{
	return (unsigned char)(pat_word(id, i / 8) >> (8 * (i & 7)));
}

/* The words [a, b) (8-aligned offsets of the block; byte i at p[i - base])
 * of a check: do they all agree?  One branch for the whole run (the word
 * of offset k is pat_word(id, k / 8), computed by adding its step). */
static int words_agree(const unsigned char *p, size_t a, size_t b, uint32_t id, size_t base)
{
	uint64_t diff = 0, got;

	if (!id) {
		for (size_t k = a; k < b; k += 8) {
			memcpy(&got, p + (k - base), 8);
			diff |= got;
		}
		return !diff;
	}
	for (uint64_t x = pat_seed(id, a / 8); a < b; a += 8, x += PAT_STEP) {
		memcpy(&got, p + (a - base), 8);
		diff |= got ^ pat_mix(x);
	}
	return !diff;
}

/* The difference of the PAT_PIECE bytes at block offset @off (8-aligned,
 * p[i] is byte i) from zero or from the pattern @id: 16 bytes a step in two
 * 64-bit lanes, no branch, so that a large block's pieces (a kzalloc of a
 * MiB has 256) are summed into one test.  The same words as words_agree. */
typedef uint64_t pat_v2 __attribute__((vector_size(16)));
_Static_assert(PAT_PIECE == 64, "a piece is four 16-byte steps");

static inline pat_v2 v2_at(const unsigned char *p)
{
	pat_v2 v;

	memcpy(&v, p, 16);
	return v;
}

static inline pat_v2 piece_zero_diff(const unsigned char *p)
{
	return (v2_at(p) | v2_at(p + 16)) | (v2_at(p + 32) | v2_at(p + 48));
}

static inline pat_v2 piece_pat_diff(const unsigned char *p, size_t off, uint32_t id)
{
	uint64_t x0 = pat_seed(id, off / 8);
	pat_v2 x = { x0, x0 + PAT_STEP }, d;

	d = v2_at(p) ^ pat_mix(x);
	x += 2 * PAT_STEP;
	d |= v2_at(p + 16) ^ pat_mix(x);
	x += 2 * PAT_STEP;
	d |= v2_at(p + 32) ^ pat_mix(x);
	x += 2 * PAT_STEP;
	return d | (v2_at(p + 48) ^ pat_mix(x));
}

/* Fill (@fill) or find the first byte in [from, to) that differs from the
 * pattern (@id) or from zero (@id == 0); (size_t)-1 if none.  Byte i of the
 * block is p[i - base] (base: where a bounce buffer starts in the block). */
static size_t range_do(unsigned char *p, size_t from, size_t to, uint32_t id, int fill, size_t base)
{
	size_t i = from;

	/* A check that passes reads its aligned words without a branch each;
	 * the loops below find the first differing byte when one differs. */
	if (!fill && to - from >= 16) {
		size_t a = (from + 7) & ~(size_t)7, b = to & ~(size_t)7;

		if (words_agree(p, a, b, id, base)) {
			for (; i < a; i++)
				if (p[i - base] != (id ? pat_byte(id, i) : 0))
					return i;
			for (i = b; i < to; i++)
				if (p[i - base] != (id ? pat_byte(id, i) : 0))
					return i;
			return (size_t)-1;
		}
	}

	for (; i < to && (i & 7); i++) {
		unsigned char want = id ? pat_byte(id, i) : 0;
		if (fill)
			p[i - base] = want;
		else if (p[i - base] != want)
			return i;
	}
	for (; i + 8 <= to; i += 8) {
		uint64_t want = id ? pat_word(id, i / 8) : 0, got;

		if (fill) {
			memcpy(p + (i - base), &want, 8);
		} else {
			memcpy(&got, p + (i - base), 8);
			if (got != want)	/* little-endian: the lowest differing byte */
				return i + (size_t)__builtin_ctzll(got ^ want) / 8;
		}
	}
	for (; i < to; i++) {
		unsigned char want = id ? pat_byte(id, i) : 0;
		if (fill)
			p[i - base] = want;
		else if (p[i - base] != want)
			return i;
	}
	return (size_t)-1;
}

/* range_do on the target's memory: the bytes themselves, or through its
 * access hooks (target.h mem_write/mem_read) a page-sized bounce buffer at a
 * time.  An access the target faults on is a violation. */
#define BOUNCE	4096
/* Through the hooks: apart, so that the direct path has no 4 KiB buffer on
 * its stack (under ASan a frame that size is poisoned and cleared on every
 * call: 3% of an ASan fuzz_kmalloc run). */
static __attribute__((noinline)) size_t span_bounce(struct model *md, unsigned char *p, size_t from, size_t to,
						    uint32_t id, int fill)
{
	unsigned char buf[BOUNCE];

	for (size_t off = from, n; off < to; off += n) {
		size_t bad;

		n = to - off < BOUNCE ? to - off : BOUNCE;
		if (fill) {
			range_do(buf, off, off + n, id, 1, off);
			if (md->t->mem_write(md->a, p + off, buf, n))
				viol(md, "memory access", "the block's bytes to be writable",
				     "a write of %zu bytes at offset %zu faulted", n, off);
			if (md->rss)
				rss_note_write(md, p + off, n);
		} else {
			if (md->t->mem_read(md->a, p + off, buf, n))
				viol(md, "memory access", "the block's bytes to be readable",
				     "a read of %zu bytes at offset %zu faulted", n, off);
			bad = range_do(buf, off, off + n, id, 0, off);
			if (bad != (size_t)-1)
				return bad;
		}
	}
	return (size_t)-1;
}

static size_t span_do(struct model *md, unsigned char *p, size_t from, size_t to, uint32_t id, int fill)
{
	if (!md->t->mem_read)
		return range_do(p, from, to, id, fill, 0);
	return span_bounce(md, p, from, to, id, fill);
}

/* One byte of the target's memory, for messages. */
static unsigned char peek(struct model *md, const unsigned char *p)
{
	unsigned char c = 0;

	if (!md->t->mem_read)
		return *p;
	md->t->mem_read(md->a, p, &c, 1);
	return c;
}

void pieces_walk(size_t len, size_t end, void (*fn)(void *ctx, size_t from, size_t to), void *ctx)
{
	size_t stride = PAGE_SIZE;

	if (end > len)
		end = len;
	if (len <= PAT_DENSE) {
		if (end)
			fn(ctx, 0, end);
		return;
	}
	if (len > PAT_SPARSE)
		stride = (len / PAT_MAX_PIECES + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	for (size_t off = 0; off < end; off += stride)
		fn(ctx, off, off + PAT_PIECE < end ? off + PAT_PIECE : end);
	if (len - PAT_PIECE < end)
		fn(ctx, len - PAT_PIECE, end);
}

size_t pieces_do(struct model *md, unsigned char *p, size_t len, size_t end, uint32_t id, int fill)
{
	size_t bad, stride = PAGE_SIZE;

	if (end > len)
		end = len;
	if (len <= PAT_DENSE)
		return span_do(md, p, 0, end, id, fill);
	if (len > PAT_SPARSE)
		stride = (len / PAT_MAX_PIECES + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	if (!fill && !md->t->mem_read) {
		/* A check of directly readable memory that passes: the whole
		 * pieces' words in one loop (a large kzalloc or page block has a
		 * piece per page); the exact walk below runs only when one
		 * differs, to name the first byte. */
		size_t off = 0;
		pat_v2 diff = { 0, 0 };
		int ok;

		if (!id)
			for (; off + PAT_PIECE <= end; off += stride)
				diff |= piece_zero_diff(p + off);
		else
			for (; off + PAT_PIECE <= end; off += stride)
				diff |= piece_pat_diff(p + off, off, id);
		ok = !(diff[0] | diff[1]);
		if (ok && off < end)
			ok = range_do(p, off, end, id, 0, 0) == (size_t)-1;
		if (ok && len - PAT_PIECE < end)
			ok = range_do(p, len - PAT_PIECE, end, id, 0, 0) == (size_t)-1;
		if (ok)
			return (size_t)-1;
	}
	for (size_t off = 0; off < end; off += stride) {
		bad = span_do(md, p, off, off + PAT_PIECE < end ? off + PAT_PIECE : end, id, fill);
		if (bad != (size_t)-1)
			return bad;
	}
	return len - PAT_PIECE < end ? span_do(md, p, len - PAT_PIECE, end, id, fill) : (size_t)-1;
}

void pat_check(struct model *md, int slot, int full)
{
	struct blk *b = &md->b[slot];
	size_t bad;

	if (!b->pat)
		return;
	if (full || b->pat_end <= 32) {
		bad = pieces_do(md, b->p, b->pat, b->pat_end, b->id, 0);
	} else {
		bad = span_do(md, b->p, 0, 16, b->id, 0);
		if (bad == (size_t)-1 && b->pat_end == b->pat)
			bad = span_do(md, b->p, b->pat - 16, b->pat, b->id, 0);
	}
	if (bad != (size_t)-1)
		viol(md, "contents", "the pattern written earlier",
		     "p%d (%zu patterned bytes) differs at offset %zu: 0x%02x", slot, b->pat, bad, peek(md, b->p + bad));
}

void pat_check_all(struct model *md, int full)
{
	for (int i = 0; i < NR_PSLOTS; i++)
		pat_check(md, i, full);
}

/* write_pattern covers what the caller may use: the request, or for the
 * malloc family the whole usable size (malloc_usable_size's promise). */
void pat_write(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];
	size_t n = b->kind == B_HEAP ? b->span : b->req;

	pat_check(md, slot, 1);		/* what it replaces was intact */
	pieces_do(md, b->p, n, n, b->id, 1);
	b->pat = b->pat_end = n;
}

void zero_check(struct model *md, unsigned char *p, size_t len)
{
	size_t bad = pieces_do(md, p, len, len, 0, 0);

	if (bad != (size_t)-1)
		viol(md, "zeroing", "__GFP_ZERO / calloc memory to read as 0",
		     "byte %zu of %zu is 0x%02x", bad, len, peek(md, p + bad));
}

/* ---- blocks ------------------------------------------------------------------ */
int is_pow2(size_t x) { return x && !(x & (x - 1)); }

unsigned int cache_align(size_t size, unsigned int align, unsigned int cflags)
{
	return (unsigned int)slubm_align(size, align, (cflags & TCACHE_HWCACHE) ? SLAB_HWCACHE_ALIGN : 0);
}

void new_block_check(struct model *md, int slot, const struct blk *nb, int dma_only, size_t align)
{
	uintptr_t p = (uintptr_t)nb->p;
	char w[64];

	if (md->hi && (p < md->lo || p >= md->hi || nb->span > md->hi - p))
		viol(md, "bounds", "a block inside the allocator's memory", "%s + %zu bytes",
		     where(md, nb->p, w, sizeof(w)), nb->span);
	if (dma_only && (md->t->caps & TCAP_ZONES) && !md->t->is_dma(md->a, nb->p, nb->span ? nb->span : 1))
		viol(md, "zone", "ZONE_DMA", "%s, %zu bytes", where(md, nb->p, w, sizeof(w)), nb->span);
	if (align && p % align)
		viol(md, "alignment", "the promised alignment", "%s is not %zu-aligned",
		     where(md, nb->p, w, sizeof(w)), align);
	for (int i = 0; i < NR_PSLOTS; i++) {
		const struct blk *o = &md->b[i];

		if (i == slot || o->kind == B_EMPTY || o->kind == B_ZERO || !o->span || !nb->span)
			continue;
		if (nb->p < o->p + o->span && o->p < nb->p + nb->span)
			viol(md, "overlap", "no overlap with any live block",
			     "[%s, +%zu) overlaps p%d [+%zu bytes]", where(md, nb->p, w, sizeof(w)),
			     nb->span, i, o->span);
	}
}

void blk_clear(struct blk *b)
{
	memset(b, 0, sizeof(*b));
}

/* ---- neutral op handlers ------------------------------------------------------
 * For a target without the kalloc oracle.  model.c has applied the slot
 * rules (op_applies: an allocation's slot is empty, a free's slot holds its
 * kind, a cache op's c-slot is live).  Each returns 1 when the op ran, 0 when
 * what remains (the target's misuse promise, an optional function it lacks)
 * made it a no-op.
 */
static int misuse_ok(struct model *md)
{
	return !!(md->t->caps & TCAP_REPORTS_MISUSE);
}

static int nt_free_block(struct model *md, struct blk *b, unsigned char *p, unsigned int order)
{
	switch (b->kind) {
	case B_KMALLOC: case B_ZERO: return md->t->kfree(md->a, p);
	case B_PAGE: case B_ADDR: return md->t->free_pages(md->a, p, order);
	case B_OBJ: return md->t->cache_free(md->a, md->c[b->cache].s, p);
	case B_HEAP: return md->t->free(md->a, p);
	}
	return 0;
}

static void nt_free_ok(struct model *md, int slot)
{
	struct blk *b = &md->b[slot];
	int rc;

	pat_check(md, slot, 1);
	rc = nt_free_block(md, b, b->p, b->order);
	if (rc)
		viol(md, "free", "0", "p%d: the target refused its own block (%d)", slot, rc);
	if (b->kind == B_OBJ)
		md->c[b->cache].live--;
	blk_clear(b);
}

/* A block the target handed out: checked, stored, reported. */
static void nt_store(struct model *md, int slot, struct blk *nb, int dma, size_t align, int zero)
{
	char w[64];

	nb->id = ++md->next_id;
	new_block_check(md, slot, nb, dma, align);
	if (zero)
		zero_check(md, nb->p, nb->req);
	md->b[slot] = *nb;
	result(md, "%s (%zu usable)", where(md, nb->p, w, sizeof(w)), nb->span);
}

static size_t heap_align(size_t size)
{
	size_t a = 16;

	while (a > 1 && a > size)
		a /= 2;
	return a;
}

/* The usable size of a heap block: malloc_usable_size() >= the request. */
static size_t heap_span(struct model *md, void *p, size_t req)
{
	size_t u;

	if (!md->t->usable_size)
		return req;
	u = md->t->usable_size(md->a, p);
	if (u < req)
		viol(md, "usable size", "malloc_usable_size() >= the request", "%zu for %zu bytes", u, req);
	return u;
}

static int nt_heap_alloc(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	size_t size = rec_size(r), n = 1, align = 0, total;
	struct blk nb = { 0 };
	void *p;

	switch (op) {
	case OP_MALLOC:
		p = md->t->malloc(md->a, size);
		total = size;
		break;
	case OP_CALLOC:
		n = rec_count(r);
		p = md->t->calloc(md->a, n, size);
		if (__builtin_mul_overflow(n, size, &total)) {
			if (p)
				viol(md, "overflow", "NULL from calloc whose n * size overflows",
				     "a pointer for %zu * %zu", n, size);
			result(md, "NULL (n * size overflows)");
			return 1;
		}
		break;
	default:
		if (!(md->t->caps & TCAP_ALIGNED_ALLOC))
			return 0;
		align = rec_malign(r);
		p = md->t->aligned_alloc(md->a, align, size);
		total = size;
		break;
	}
	if (!p) {
		if (total && !heap_may_fail(md, total, align))	/* C lets malloc(0) return NULL */
			viol(md, "failure", "a block: only requests of 16 MiB or more (or of 0 bytes, or past "
			     "the process's commit limit) may fail",
			     "NULL for %zu bytes", total);
		result(md, "NULL (%zu bytes)", total);
		return 1;
	}
	nb.kind = B_HEAP;
	nb.p = p;
	nb.req = total;
	nb.span = heap_span(md, p, total);
	if (md->rss)		/* before the zero check reads it */
		rss_note_block(md, &nb, op, align, 0);
	if (align < heap_align(total))
		align = heap_align(total);
	nt_store(md, slot, &nb, 0, align, op == OP_CALLOC);
	return 1;
}

/* May a malloc-family request of @total bytes (@align) return NULL?  From
 * 16 MiB up on every target.  On a heap that shares its process's commit
 * limit with the program's own brk area and mappings (TCAP_HEAP_BRK: the
 * limit is MM_DATA_LIMIT_PAGES, target.h) also when the request, the
 * program's data pages (vm_oracle.c) and twice the live blocks' pages (room
 * for free chunks between them) plus glibc's top pad and trim threshold
 * (32 pages each) could pass the limit.  The factor 2 is an allowance, not a
 * derived bound: a heap fragmented past it fails this check. */
static int heap_may_fail(struct model *md, size_t total, size_t align)
{
	unsigned long live = 0, need;

	if (total >= HEAP_MAY_FAIL)
		return 1;
	if (!(md->t->caps & TCAP_HEAP_BRK))
		return 0;
	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].kind == B_HEAP)
			live += md->b[i].span / PAGE_SIZE + 2;
	need = (unsigned long)((total + align + 32 + PAGE_SIZE - 1) / PAGE_SIZE) + 1;
	return need + 2 * live + vm_data_pages(md) + 64 > MM_DATA_LIMIT_PAGES;
}

static int nt_realloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot], nb;
	size_t size = rec_size(r);
	void *p;

	if (size == 0)		/* C23: undefined; OPS.md makes it a no-op */
		return 0;
	pat_check(md, slot, 1);
	p = md->t->realloc(md->a, b->p, size);
	if (!p) {
		if (!heap_may_fail(md, size + b->span, 0))	/* the old block lives on while it copies */
			viol(md, "failure", "a block: only requests of 16 MiB or more (or past the process's "
			     "commit limit) may fail",
			     "NULL for realloc to %zu bytes", size);
		pat_check(md, slot, 1);		/* left as it was */
		result(md, "NULL (p%d unchanged)", slot);
		return 1;
	}
	nb = *b;
	nb.p = p;
	nb.req = size;
	nb.span = heap_span(md, p, size);
	/* C keeps the lesser of the old and new sizes - the old *request*: the
	 * usable bytes past it were the caller's to use, not realloc's to copy. */
	if (nb.pat_end > b->req)
		nb.pat_end = b->req;
	if (nb.pat_end > size)
		nb.pat_end = size;
	if (md->rss)		/* it may have copied the old usable bytes, up to the request */
		rss_note_block(md, &nb, OP_REALLOC, 0, b->span < size ? b->span : size);
	blk_clear(b);			/* the old block is gone: it may overlap the new one */
	new_block_check(md, slot, &nb, 0, heap_align(size));
	*b = nb;
	pat_check(md, slot, 1);		/* the common prefix survived */
	{
		char w[64];

		result(md, "%s (%zu usable)", where(md, p, w, sizeof(w)), nb.span);
	}
	return 1;
}

static int nt_kmalloc(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	unsigned int flags = rec_gfpbits(r);
	size_t size = rec_size(r);
	struct blk nb = { 0 };
	void *p;

	if (op == OP_KZALLOC)
		flags |= TGFP_ZERO;
	if (op == OP_KMALLOC_ARRAY && __builtin_mul_overflow(rec_count(r), size, &size))
		return 0;	/* the interface has no kmalloc_array: nothing to ask */
	p = md->t->kmalloc(md->a, size, flags);
	if (!p) {
		result(md, "NULL");
		return 1;
	}
	nb.p = p;
	if (!size) {		/* a zero-size cookie (ZERO_SIZE_PTR): no memory, only kfree() */
		nb.kind = B_ZERO;
		md->b[slot] = nb;
		result(md, "%p (zero-size)", p);
		return 1;
	}
	nb.kind = B_KMALLOC;
	nb.req = size;
	nb.span = md->t->ksize(md->a, p);
	if (nb.span < size)
		viol(md, "ksize", "ksize() >= the request", "%zu for %zu bytes", nb.span, size);
	nt_store(md, slot, &nb, !!(flags & TGFP_DMA), is_pow2(size) ? size : 8, !!(flags & TGFP_ZERO));
	return 1;
}

static int nt_krealloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot], nb;
	size_t size = rec_size(r);
	char w[64];
	void *p;

	if (b->kind != B_KMALLOC || size == 0)
		return 0;
	pat_check(md, slot, 1);
	p = md->t->krealloc(md->a, b->p, size, rec_gfpbits(r) & ~TGFP_ZERO);
	if (!p) {
		pat_check(md, slot, 1);
		result(md, "NULL (p%d unchanged)", slot);
		return 1;
	}
	nb = *b;
	nb.p = p;
	nb.req = size;
	nb.span = md->t->ksize(md->a, p);
	if (nb.span < size)
		viol(md, "ksize", "ksize() >= the request", "%zu for %zu bytes", nb.span, size);
	if (nb.pat_end > size)
		nb.pat_end = size;
	blk_clear(b);
	new_block_check(md, slot, &nb, 0, is_pow2(size) ? size : 8);
	*b = nb;
	pat_check(md, slot, 1);
	result(md, "%s", where(md, p, w, sizeof(w)));
	return 1;
}

static int nt_pages(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r);
	unsigned int flags = rec_gfpbits(r), order = rec_order(r);
	struct blk nb = { 0 };

	nb.p = md->t->alloc_pages(md->a, flags, order);
	if (!nb.p) {
		result(md, "NULL");
		return 1;
	}
	nb.kind = B_ADDR;
	nb.order = order;
	nb.req = nb.span = PAGE_SIZE << order;
	nt_store(md, slot, &nb, !!(flags & TGFP_DMA), PAGE_SIZE << order, !!(flags & TGFP_ZERO));
	return 1;
}

static void nt_harness_ctor(void *obj)
{
	*(unsigned char *)obj = CTOR_BYTE;
}

static int nt_cache_create(struct model *md, const uint8_t *r)
{
	struct mcache *mc = &md->c[rec_c(r)];
	size_t size = rec_size(r);
	unsigned int align = rec_align(r), cf = rec_cflags(r);
	int invalid = size == 0 || (align && !is_pow2(align));

	mc->s = md->t->cache_create(md->a, rec_name(r), size, align, cf,
				    (cf & TCACHE_CTOR) ? nt_harness_ctor : NULL);
	if (invalid && mc->s)
		viol(md, "kmem_cache_create", "NULL for size 0 or an alignment not a power of two", "a cache");
	if (!mc->s) {
		result(md, "NULL (refused)");
		return 1;
	}
	mc->size = size;
	mc->align = cache_align(size, align, cf);
	mc->cflags = cf;
	mc->live = 0;
	result(md, "cache, objects aligned to %u", mc->align);
	return 1;
}

static int nt_cache_alloc(struct model *md, const uint8_t *r)
{
	int slot = (int)rec_p(r), c = (int)rec_c6(r);
	struct mcache *mc = &md->c[c];
	unsigned int flags = rec_gfpbits(r);
	struct blk nb = { 0 };

	nb.p = md->t->cache_alloc(md->a, mc->s, flags);
	if (!nb.p) {
		result(md, "NULL");
		return 1;
	}
	nb.kind = B_OBJ;
	nb.req = nb.span = mc->size;
	nb.cache = c;
	nt_store(md, slot, &nb, !!(mc->cflags & TCACHE_DMA), mc->align, !!(flags & TGFP_ZERO));
	mc->live++;
	return 1;
}

static int nt_cache_destroy(struct model *md, const uint8_t *r)
{
	struct mcache *mc = &md->c[rec_c(r)];
	int rc;

	if (mc->live && !misuse_ok(md))
		return 0;
	rc = md->t->cache_destroy(md->a, mc->s);
	if (mc->live) {
		if (rc >= 0)
			viol(md, "kmem_cache_destroy", "an error while objects live", "%d", rc);
		result(md, "%d (refused: %lu objects live)", rc, mc->live);
		return 1;
	}
	if (rc)
		viol(md, "kmem_cache_destroy", "0 for an empty cache", "%d", rc);
	memset(mc, 0, sizeof(*mc));
	result(md, "0");
	return 1;
}

/* A deliberate wrong free, sent only to a target that reports misuse: it
 * must return an error; the live blocks are checked untouched right away. */
static int nt_refused(struct model *md, int rc, const char *what)
{
	if (rc >= 0)
		viol(md, "wrong free", "an error for a wrong free (the target reports misuse)",
		     "%s returned %d", what, rc);
	pat_check_all(md, 1);
	result(md, "%d (refused as it must be)", rc);
	return 1;
}

static int nt_wrong_free(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];
	int page = b->kind == B_PAGE || b->kind == B_ADDR;

	if (!misuse_ok(md))
		return 0;
	switch (op) {
	case OP_DOUBLE_FREE: {
		struct blk copy = *b;

		if (b->kind == B_EMPTY || b->kind == B_ZERO)
			return 0;
		nt_free_ok(md, slot);
		return nt_refused(md, nt_free_block(md, &copy, copy.p, copy.order), "the second free");
	}
	case OP_WRONG_ORDER:
		if (!page)
			return 0;
		return nt_refused(md, md->t->free_pages(md->a, b->p, (b->order + rec_delta(r)) % 11),
				  "free_pages with another order");
	case OP_INTERIOR: {
		size_t span = b->req;
		unsigned int raw = rec_u16(r), off;

		if (b->kind == B_EMPTY || b->kind == B_ZERO || span < 2)
			return 0;
		off = (raw >= 1 && raw < span) ? raw : 1 + (unsigned int)(raw % (span - 1));
		return nt_refused(md, nt_free_block(md, b, b->p + off, b->order), "a free of an interior pointer");
	}
	case OP_WRONG_CACHE: {
		void *s = md->c[rec_c6(r)].s;

		if (b->kind != B_OBJ || !s || s == md->c[b->cache].s)
			return 0;
		return nt_refused(md, md->t->cache_free(md->a, s, b->p), "kmem_cache_free into another cache");
	}
	case OP_WRONG_OWNER:
		if (!page || !(md->t->caps & TCAP_KMALLOC))
			return 0;
		return nt_refused(md, md->t->kfree(md->a, b->p), "kfree of a page block");
	case OP_FOREIGN: {
		unsigned char *q = (unsigned char *)md->hi;
		unsigned int fn = rec_foreign(r);

		if (!md->hi)
			return 0;
		if (fn == FOREIGN_KFREE && (md->t->caps & TCAP_KMALLOC))
			return nt_refused(md, md->t->kfree(md->a, q), "kfree of a foreign pointer");
		if (fn == FOREIGN_FREE_PAGES && (md->t->caps & TCAP_PAGES))
			return nt_refused(md, md->t->free_pages(md->a, q, 0), "free_pages of a foreign pointer");
		if (fn == FOREIGN_CACHE_FREE && md->c[rec_c6(r)].s)
			return nt_refused(md, md->t->cache_free(md->a, md->c[rec_c6(r)].s, q),
					  "kmem_cache_free of a foreign pointer");
		return 0;
	}
	}
	return 0;
}

int nt_op(struct model *md, const uint8_t *r, unsigned int op)
{
	int slot = (int)rec_p(r);
	struct blk *b = &md->b[slot];

	switch (op) {
	case OP_FREE: case OP_KFREE: case OP_FREE_PAGES: case OP_CACHE_FREE:
		nt_free_ok(md, slot);	/* model.c's slot rules: the slot holds its kind */
		result(md, "0");
		return 1;
	case OP_MALLOC: case OP_CALLOC: case OP_ALIGNED_ALLOC:
		return nt_heap_alloc(md, r, op);
	case OP_REALLOC:
		return nt_realloc(md, r);
	case OP_USABLE_SIZE: {
		size_t u;

		if (!md->t->usable_size)
			return 0;
		u = md->t->usable_size(md->a, b->p);
		if (u != b->span)
			viol(md, "usable size", "the same usable size for the block's whole life",
			     "%zu, was %zu", u, b->span);
		result(md, "%zu", u);
		return 1;
	}
	case OP_KMALLOC: case OP_KZALLOC: case OP_KMALLOC_ARRAY:
		return nt_kmalloc(md, r, op);
	case OP_KREALLOC:
		return nt_krealloc(md, r);
	case OP_KSIZE: {
		size_t got;

		if (b->kind != B_KMALLOC)
			return 0;
		got = md->t->ksize(md->a, b->p);
		if (got != b->span)
			viol(md, "ksize", "the same ksize() for the block's whole life", "%zu, was %zu", got, b->span);
		result(md, "%zu", got);
		return 1;
	}
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		return nt_pages(md, r);
	case OP_CACHE_CREATE:
		return nt_cache_create(md, r);
	case OP_CACHE_ALLOC:
		return nt_cache_alloc(md, r);
	case OP_CACHE_SHRINK:
		if (!md->t->cache_shrink)
			return 0;
		{
			unsigned long freed = md->t->cache_shrink(md->a, md->c[rec_c(r)].s);

			result(md, "%lu pages freed", freed);
		}
		return 1;
	case OP_CACHE_DESTROY:
		return nt_cache_destroy(md, r);
	case OP_DOUBLE_FREE: case OP_WRONG_ORDER: case OP_INTERIOR: case OP_WRONG_CACHE:
	case OP_WRONG_OWNER: case OP_FOREIGN:
		return nt_wrong_free(md, r, op);
	}
	return 0;
}

/* The target's own check (target.h self_check), when it has one. */
void nt_self_check(struct model *md)
{
	char msg[300] = "";

	if (md->t->self_check && md->t->self_check(md->a, msg, sizeof(msg)))
		viol(md, "self check", "the target's own consistency check to pass", "%s", msg);
}

/* Everything back: every block freed, every cache destroyed, and the
 * target's own count of what it has handed out as it was after open. */
void nt_teardown(struct model *md)
{
	long now;

	pat_check_all(md, 1);
	for (int i = 0; i < NR_PSLOTS; i++)
		if (md->b[i].kind != B_EMPTY)
			nt_free_ok(md, i);
	for (int c = 0; c < NR_CSLOTS; c++) {
		if (!md->c[c].s)
			continue;
		if (md->t->cache_destroy(md->a, md->c[c].s))
			viol(md, "teardown", "kmem_cache_destroy of an empty cache to succeed", "c%d refused", c);
		memset(&md->c[c], 0, sizeof(md->c[c]));
	}
	if (md->t->in_use && md->in_use0 >= 0 && (now = md->t->in_use(md->a)) != md->in_use0)
		viol(md, "leak", "in_use as right after open once everything is freed",
		     "%ld bytes, %ld after open", now, md->in_use0);
	nt_self_check(md);
	rss_check(md, 1);
}
