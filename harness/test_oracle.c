/* test_oracle.c - the allocator-neutral oracle's checks, each made to fire.
 *
 * "bent" is a small allocator target with one switch per way an allocator
 * can break its contract: misaligned blocks, overlapping blocks, a short
 * usable size, a realloc that loses a byte, calloc memory not zeroed, a
 * write into another live block, a leak, an overflowing calloc served, a
 * small malloc failing, a block outside the memory it claims, a wrong free
 * accepted although misuse is declared reported, a usable size that changes.
 * Each test runs a short op program on bent with exactly one switch on and
 * expects the one violation it must cause; with every switch off the same
 * programs pass.  Kernel-style interfaces are bent the same way on top of
 * kalloc (kalloc-neutral with a wrong zone answer, misaligned page blocks,
 * a short ksize).
 *
 * Built as build/<cfg>/harness/oracle-test with tests/main.c (make oracle-test).
 */
#include <stdlib.h>
#include <string.h>
#include "kunit.h"
#include "model.h"
#include "internal.h"	/* page_set_owner: one bent process leaks a frame */

/* ---- bent: a bump allocator over one arena, with faults on request ---------- */
enum bend {
	BEND_NONE, BEND_ALIGN, BEND_OVERLAP, BEND_SHORT_USABLE, BEND_REALLOC_LOSES,
	BEND_CALLOC_DIRTY, BEND_SCRIBBLE, BEND_LEAK, BEND_CALLOC_OVERFLOW, BEND_FAIL,
	BEND_BOUNDS, BEND_MISUSE_SILENT, BEND_USABLE_CHANGES,
	BEND_LEGAL_ROUNDED,	/* not a bug: usable sizes rounded up to 16, realloc copies the request */
	BEND_PIECE,		/* byte bent_piece_off of a calloc left 1; of the first block flipped by call 2 */
};

#define ARENA (1u << 20)
#define NBLK 256
struct bent {
	enum bend bend;
	unsigned char *mem;
	size_t top;
	long in_use;
	unsigned int calls, n;
	struct { unsigned char *p; size_t size; int live; } blk[NBLK];	/* every block handed out */
};

static enum bend bend_now;
static size_t bent_piece_off;

static void *b_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct bent *b = calloc(1, sizeof(*b));

	(void)hdr; (void)err; (void)errlen;
	b->bend = bend_now;
	b->mem = aligned_alloc(4096, ARENA);
	memset(b->mem, 0xaa, ARENA);
	return b;
}

static void b_close(void *a)
{
	struct bent *b = a;

	free(b->mem);
	free(b);
}

static void b_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	struct bent *b = a;

	*lo = (uintptr_t)b->mem;
	*hi = *lo + (b->bend == BEND_BOUNDS ? 256 : ARENA);
}

static long b_in_use(void *a) { return ((struct bent *)a)->in_use; }

static int b_find(struct bent *b, const void *p)
{
	for (int i = (int)b->n - 1; i >= 0; i--)
		if (b->blk[i].p == p)
			return i;
	return -1;
}

static void *b_malloc(void *a, size_t size)
{
	struct bent *b = a;
	size_t need = (size + 15) & ~(size_t)15;
	unsigned char *p;

	b->calls++;
	if (size > ARENA / 4 || b->top + need + 16 > ARENA || b->n == NBLK ||
	    (b->bend == BEND_FAIL && size == 100))
		return NULL;
	p = b->mem + b->top;
	b->top += need ? need : 16;
	if (b->bend == BEND_ALIGN)
		p += 4;
	if (b->bend == BEND_OVERLAP && b->calls == 2)
		p -= 16;			/* into the block before */
	if (b->bend == BEND_SCRIBBLE && b->calls == 3)
		b->blk[b->n - 1].p[0] ^= 1;	/* into the previous block, which is live */
	if (b->bend == BEND_PIECE && b->calls == 2 && bent_piece_off < b->blk[0].size)
		b->blk[0].p[bent_piece_off] ^= 1;
	b->blk[b->n].p = p;
	b->blk[b->n].size = size;
	b->blk[b->n].live = 1;
	b->n++;
	b->in_use += (long)size;
	return p;
}

static int b_free(void *a, void *p)
{
	struct bent *b = a;
	int i = b_find(b, p);

	if (i < 0 || !b->blk[i].live)
		return b->bend == BEND_MISUSE_SILENT ? 0 : -1;
	b->blk[i].live = 0;
	if (b->bend != BEND_LEAK)
		b->in_use -= (long)b->blk[i].size;
	return 0;
}

static size_t b_usable(void *a, void *p)
{
	struct bent *b = a;
	int i = b_find(b, p);
	size_t n = i < 0 ? 0 : b->blk[i].size;

	if (b->bend == BEND_SHORT_USABLE)
		return n - 1;
	if (b->bend == BEND_USABLE_CHANGES && b->calls > 1)
		return n + 1;
	if (b->bend == BEND_LEGAL_ROUNDED)
		return (n + 15) & ~(size_t)15;
	return n;
}

static void *b_calloc(void *a, size_t n, size_t size)
{
	struct bent *b = a;
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		if (b->bend != BEND_CALLOC_OVERFLOW)
			return NULL;
		total = 64;
	}
	p = b_malloc(a, total);
	if (p && b->bend != BEND_CALLOC_DIRTY)
		memset(p, 0, total);
	if (p && b->bend == BEND_PIECE && bent_piece_off < total)
		((unsigned char *)p)[bent_piece_off] = 1;
	return p;
}

static void *b_realloc(void *a, void *p, size_t size)
{
	struct bent *b = a;
	size_t old = b->blk[b_find(b, p)].size, keep = old < size ? old : size;
	void *q = b_malloc(a, size);

	if (!q)
		return NULL;
	memcpy(q, p, keep);
	if (b->bend == BEND_REALLOC_LOSES && keep)
		((unsigned char *)q)[keep - 1] ^= 0xff;
	b_free(a, p);
	return q;
}

static const struct alloc_target bent = {
	.name = "bent", .what = "a broken bump allocator (test_oracle.c)",
	.caps = TCAP_MALLOC | TCAP_REPORTS_MISUSE,
	.open = b_open, .close = b_close, .bounds = b_bounds, .in_use = b_in_use,
	.malloc = b_malloc, .calloc = b_calloc, .realloc = b_realloc, .free = b_free,
	.usable_size = b_usable,
};

/* ---- programs --------------------------------------------------------------- */
struct pbuf { uint8_t bytes[OPS_HDR + 64 * OPS_REC]; size_t n; };

static void pb_init(struct pbuf *b) { memset(b, 0, sizeof(*b)); b->n = OPS_HDR; }

static void pb_op(struct pbuf *b, unsigned int op, unsigned int p, unsigned int v, unsigned int b4,
		  unsigned int b5)
{
	uint8_t *r = b->bytes + b->n;

	r[0] = (uint8_t)op;
	r[1] = (uint8_t)p;
	r[2] = (uint8_t)v;
	r[3] = (uint8_t)(v >> 8);
	r[4] = (uint8_t)b4;
	r[5] = (uint8_t)b5;
	b->n += OPS_REC;
}

/* SIZE bytes for 1..16384 (OPS.md 1.2). */
#define SZ(n) ((n) - 1)

static int run(const struct alloc_target *t, enum bend bend, struct pbuf *b, struct violation *v)
{
	static struct prog p;
	struct run_opts o = { .target = TARGET_NONE, .alloc = t };

	bend_now = bend;
	prog_load(&p, b->bytes, b->n);
	memset(v, 0, sizeof(*v));
	return model_run(&p, &o, v);
}

/* A program that touches every neutral heap check: allocations of each kind,
 * patterns, a realloc, usable sizes, frees, and a deliberate double free. */
static void heap_program(struct pbuf *b)
{
	pb_init(b);
	pb_op(b, OP_MALLOC, 0, SZ(24), 0, 0);
	pb_op(b, OP_WRITE, 0, 0, 0, 0);
	pb_op(b, OP_MALLOC, 1, SZ(100), 0, 0);
	pb_op(b, OP_WRITE, 1, 0, 0, 0);
	pb_op(b, OP_CALLOC, 2, SZ(16), 0, 4);	/* 4 x 16 */
	pb_op(b, OP_USABLE_SIZE, 0, 0, 0, 0);
	pb_op(b, OP_REALLOC, 1, SZ(300), 0, 0);
	pb_op(b, OP_USABLE_SIZE, 1, 0, 0, 0);
	pb_op(b, OP_VERIFY, 0, 0, 0, 0);
	pb_op(b, OP_CALLOC, 3, SZ(16), 0, 0xf0);	/* SIZE_MAX x 16: overflows */
	pb_op(b, OP_DOUBLE_FREE, 2, 0, 0, 0);
	pb_op(b, OP_FREE, 0, 0, 0, 0);
}

static void expect_violation(struct kunit *test, enum bend bend, const char *what)
{
	struct pbuf b;
	struct violation v;

	heap_program(&b);
	EXPECT(run(&bent, bend, &b, &v) == 1);
	if (strcmp(v.what, what)) {
		kunit_fail(test, __FILE__, __LINE__, "bend %d: expected violation '%s', got '%s' (%s)",
			   bend, what, v.what, v.found);
	}
}

TEST(oracle_healthy_heap_passes)
{
	struct pbuf b;
	struct violation v;

	heap_program(&b);
	EXPECT(run(&bent, BEND_NONE, &b, &v) == 0);
	if (v.what[0])
		violation_print(&v, stdout);
}

TEST(oracle_alignment) { expect_violation(test, BEND_ALIGN, "alignment"); }
TEST(oracle_overlap) { expect_violation(test, BEND_OVERLAP, "overlap"); }
TEST(oracle_short_usable_size) { expect_violation(test, BEND_SHORT_USABLE, "usable size"); }
TEST(oracle_realloc_prefix) { expect_violation(test, BEND_REALLOC_LOSES, "contents"); }
TEST(oracle_calloc_zero) { expect_violation(test, BEND_CALLOC_DIRTY, "zeroing"); }
TEST(oracle_contents) { expect_violation(test, BEND_SCRIBBLE, "contents"); }
TEST(oracle_leak) { expect_violation(test, BEND_LEAK, "leak"); }
TEST(oracle_calloc_overflow) { expect_violation(test, BEND_CALLOC_OVERFLOW, "overflow"); }
TEST(oracle_small_failure) { expect_violation(test, BEND_FAIL, "failure"); }
TEST(oracle_bounds) { expect_violation(test, BEND_BOUNDS, "bounds"); }
TEST(oracle_misuse_accepted) { expect_violation(test, BEND_MISUSE_SILENT, "wrong free"); }
TEST(oracle_usable_size_stable) { expect_violation(test, BEND_USABLE_CHANGES, "usable size"); }

/* After each op only the op's own slot is checked (model.c); a write into
 * a block no later op touches is left to the full sweep at the end of the
 * input, which must still see it: the scribble of the third allocation
 * lands in p1, which no op touches again. */
TEST(oracle_contents_of_an_untouched_block_caught_at_the_end)
{
	struct pbuf b;
	struct violation v;

	pb_init(&b);
	pb_op(&b, OP_MALLOC, 0, SZ(24), 0, 0);
	pb_op(&b, OP_MALLOC, 1, SZ(100), 0, 0);
	pb_op(&b, OP_WRITE, 1, 0, 0, 0);
	pb_op(&b, OP_MALLOC, 2, SZ(40), 0, 0);	/* call 3: p1[0] ^= 1 */
	pb_op(&b, OP_WRITE, 2, 0, 0, 0);
	pb_op(&b, OP_FREE, 2, 0, 0, 0);
	pb_op(&b, OP_FREE, 0, 0, 0, 0);
	EXPECT(run(&bent, BEND_NONE, &b, &v) == 0);
	EXPECT(run(&bent, BEND_SCRIBBLE, &b, &v) == 1);
	EXPECT(!strcmp(v.what, "contents"));
	EXPECT(v.op == 7);	/* the end of the input: no per-op check looked at p1 */
	if (strcmp(v.what, "contents") || v.op != 7)
		violation_print(&v, stdout);
}

/* Blocks above 4 KiB are checked in pieces (oracle.c: the first 64 bytes
 * of every page and the last 64), all pieces of a block summed 16 bytes at
 * a time before one test.  A single byte wrong in any 16-byte step of any
 * piece - the first page's, a middle page's, the last page's, the tail -
 * must still be seen, of a calloc's zeroes and of a pattern; a byte
 * outside every piece is not looked at (which shows the pieces path is the
 * one these blocks take). */
static void piece_programs(struct pbuf *z, struct pbuf *pat)
{
	pb_init(z);
	pb_op(z, OP_CALLOC, 0, SZ(4000), 0, 5);	/* 20000 bytes: pieces at 0, 4096, ..., 16384 and 19936 */
	pb_op(z, OP_FREE, 0, 0, 0, 0);
	pb_init(pat);
	pb_op(pat, OP_MALLOC, 0, SZ(16384), 0, 0);	/* pieces at 0, 4096, 8192, 12288 and 16320 */
	pb_op(pat, OP_WRITE, 0, 0, 0, 0);
	pb_op(pat, OP_MALLOC, 1, SZ(16), 0, 0);	/* call 2: p0[off] ^= 1 */
	pb_op(pat, OP_FREE, 1, 0, 0, 0);
	pb_op(pat, OP_FREE, 0, 0, 0, 0);
}

TEST(oracle_pieces_see_one_byte_in_every_step)
{
	static const size_t zero_offs[] = { 0, 7, 8, 15, 16, 31, 32, 47, 48, 63, 4096 + 20, 3 * 4096 + 40,
					    4 * 4096 + 63, 19936, 19999 };
	static const size_t pat_offs[] = { 0, 9, 16, 24, 33, 47, 50, 63, 4096, 2 * 4096 + 17, 3 * 4096 + 62,
					   16320, 16335, 16352, 16383 };
	struct pbuf z, pat;
	struct violation v;

	piece_programs(&z, &pat);
	EXPECT(run(&bent, BEND_NONE, &z, &v) == 0);
	EXPECT(run(&bent, BEND_NONE, &pat, &v) == 0);
	for (size_t i = 0; i < sizeof(zero_offs) / sizeof(zero_offs[0]); i++) {
		bent_piece_off = zero_offs[i];
		if (run(&bent, BEND_PIECE, &z, &v) != 1 || strcmp(v.what, "zeroing") || v.op != 0)
			kunit_fail(test, __FILE__, __LINE__, "calloc byte %zu: expected zeroing at op 0, got '%s' at %d",
				   zero_offs[i], v.what, v.op);
	}
	for (size_t i = 0; i < sizeof(pat_offs) / sizeof(pat_offs[0]); i++) {
		bent_piece_off = pat_offs[i];
		if (run(&bent, BEND_PIECE, &pat, &v) != 1 || strcmp(v.what, "contents") || v.op != 4)
			kunit_fail(test, __FILE__, __LINE__, "pattern byte %zu: expected contents at op 4, got '%s' at %d",
				   pat_offs[i], v.what, v.op);
	}
	bent_piece_off = 100;	/* in no piece */
	EXPECT(run(&bent, BEND_PIECE, &z, &v) == 0);
	EXPECT(run(&bent, BEND_PIECE, &pat, &v) == 0);
}

/* C's realloc keeps the lesser of the old and new *requests*; the usable
 * bytes past the request (which write_pattern fills) are not its to copy.
 * An allocator that copies exactly the request is correct. */
TEST(oracle_realloc_copying_the_request_passes)
{
	struct pbuf b;
	struct violation v;

	heap_program(&b);
	EXPECT(run(&bent, BEND_LEGAL_ROUNDED, &b, &v) == 0);
	if (v.what[0])
		violation_print(&v, stdout);
}

/* Misuse is never sent to a target that does not declare it reported: the
 * same double free on the same silent allocator passes. */
TEST(oracle_misuse_not_sent_when_undefined)
{
	struct alloc_target quiet = bent;
	struct pbuf b;
	struct violation v;

	quiet.caps &= ~TCAP_REPORTS_MISUSE;
	heap_program(&b);
	EXPECT(run(&quiet, BEND_MISUSE_SILENT, &b, &v) == 0);
}

/* ---- kernel-style interfaces, bent on top of kalloc ------------------------- */
static int kb_mode;	/* 1 wrong zone, 2 misaligned pages, 3 short ksize */

static int kb_is_dma(void *a, const void *p, size_t len)
{
	int dma = alloc_target_kalloc_neutral.is_dma(a, p, len);

	return kb_mode == 1 ? !dma : dma;
}

static void *kb_alloc_pages(void *a, unsigned int flags, unsigned int order)
{
	unsigned char *p = alloc_target_kalloc_neutral.alloc_pages(a, flags, order);

	return p && kb_mode == 2 && order ? p + PAGE_SIZE : p;
}

static int kb_free_pages(void *a, void *p, unsigned int order)
{
	if (kb_mode == 2 && order)
		p = (unsigned char *)p - PAGE_SIZE;
	return alloc_target_kalloc_neutral.free_pages(a, p, order);
}

static size_t kb_ksize(void *a, const void *p)
{
	size_t n = alloc_target_kalloc_neutral.ksize(a, p);

	return kb_mode == 3 ? n / 2 : n;
}

static void kernel_program(struct pbuf *b)
{
	pb_init(b);
	pb_op(b, OP_ALLOC_PAGES, 0, 0, GFPB_DMA, 0);		/* order 0 from DMA */
	pb_op(b, OP_ALLOC_PAGES, 1, 0, 0, 2);			/* order 2 */
	pb_op(b, OP_KMALLOC, 2, SZ(100), 0, 0);
	pb_op(b, OP_WRITE, 2, 0, 0, 0);
	pb_op(b, OP_FREE_PAGES, 1, 0, 0, 0);
	pb_op(b, OP_KFREE, 2, 0, 0, 0);
}

static void expect_kernel(struct kunit *test, int mode, const char *what)
{
	struct alloc_target t = alloc_target_kalloc_neutral;
	struct pbuf b;
	struct violation v;

	t.is_dma = kb_is_dma;
	t.alloc_pages = kb_alloc_pages;
	t.free_pages = kb_free_pages;
	t.ksize = kb_ksize;
	kb_mode = mode;
	kernel_program(&b);
	EXPECT(run(&t, BEND_NONE, &b, &v) == (what != NULL));
	if (what && strcmp(v.what, what))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected '%s', got '%s' (%s)", mode, what,
			   v.what, v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
}

TEST(oracle_kernel_healthy_passes) { expect_kernel(test, 0, NULL); }
TEST(oracle_kernel_zone) { expect_kernel(test, 1, "zone"); }
TEST(oracle_kernel_page_alignment) { expect_kernel(test, 2, "alignment"); }
TEST(oracle_kernel_short_ksize) { expect_kernel(test, 3, "ksize"); }

/* A target that lacks an interface: its ops are no-ops, the run passes. */
TEST(oracle_lacking_interface_is_noop)
{
	struct pbuf b;
	struct violation v;

	kernel_program(&b);
	EXPECT(run(&bent, BEND_NONE, &b, &v) == 0);
}

/* ---- kalloc's own counters, bent behind the model's back --------------------
 * An object taken from a kmalloc class the program never used, by a call
 * that should not allocate at all.  The periodic sweep compares the slab
 * layer's page count with the pages of the model's own caches (not with the
 * library's sum over every cache, which agrees with itself): the next
 * check() sees it.  /proc/slabinfo is compared row by row with the model's
 * own rendering (the class's row must be at boot state): the next
 * slabinfo() sees it.  (Where the library has vmalloc, /proc/vmallocinfo is
 * the bent call.) */
#ifdef KALLOC_VMALLOC_H
static int ks_mode;	/* 1: vmallocinfo() takes a kmalloc-4k object; 2: it breaks a free block's
			   struct page behind the buddy allocator's back; 3: it counts one
			   constructor call too many in every cache with a constructor; 4: it
			   counts one allocation too many in kmalloc-16; 5: as 2, but the
			   page is marked changed, as a layer would mark it */
static void *ks_taken;
static struct page *ks_broken;
static unsigned int ks_flags;

static int ks_vmallocinfo(void *a, char *buf, size_t len)
{
	if (ks_mode == 1 && !ks_taken)
		ks_taken = kmalloc(a, 3000, GFP_KERNEL);
	if ((ks_mode == 2 || ks_mode == 5) && !ks_broken) {
		struct zone *z = &((struct machine *)a)->buddy.zones[ZONE_NORMAL];

		/* The largest free block, far from the program's blocks: its
		 * second page made a head (INV_BUDDY_OVERLAP), unmarked. */
		for (int o = MAX_PAGE_ORDER; o >= 1 && !ks_broken; o--)
			if (!list_empty(&z->free_area[o]))
				ks_broken = list_first_entry(&z->free_area[o], struct page, lru) + 1;
		if (ks_broken) {
			ks_flags = ks_broken->flags;
			ks_broken->flags = PG_head;
			if (ks_mode == 5)
				check_mark(a, (unsigned long)(ks_broken - ((struct machine *)a)->pages));
		}
	}
	if (ks_mode == 3 || ks_mode == 4)
		for (struct kmem_cache *s = NULL; (s = kmem_cache_next(a, s));) {
			if (ks_mode == 3 && s->ctor)
				s->ctor_calls++;
			if (ks_mode == 4 && !strcmp(kmem_cache_name(s), "kmalloc-16"))
				s->alloc_calls++;
		}
	return alloc_target_kalloc.vmallocinfo(a, buf, len);
}

static void expect_kalloc_stats(struct kunit *test, int mode, unsigned int op, const char *what, const char *found)
{
	struct alloc_target t = alloc_target_kalloc;
	struct pbuf b;
	struct violation v;

	t.vmallocinfo = ks_vmallocinfo;
	ks_mode = mode;
	ks_taken = NULL;
	pb_init(&b);
	pb_op(&b, OP_KMALLOC, 0, SZ(16), 0, 0);
	pb_op(&b, OP_VMALLOCINFO, 0, 0, 0, 0);
	pb_op(&b, op, 0, 0, 0, 0);
	pb_op(&b, OP_KFREE, 0, 0, 0, 0);
	EXPECT(run(&t, BEND_NONE, &b, &v) == (what != NULL));
	if (what && (strcmp(v.what, what) || v.op != 2 || !strstr(v.found, found)))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected '%s' (%s) at op 2, got '%s' at op %d (%s)",
			   mode, what, found, v.what, v.op, v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
}

TEST(oracle_kalloc_stats_healthy_passes)
{
	expect_kalloc_stats(test, 0, OP_CHECK, NULL, NULL);
	expect_kalloc_stats(test, 0, OP_SLABINFO, NULL, NULL);
}
TEST(oracle_kalloc_slab_pages_of_an_untouched_cache) { expect_kalloc_stats(test, 1, OP_CHECK, "stats", "model"); }

/* Program @b, run with vmallocinfo() breaking a struct page (ks_mode 2 or
 * 5), fails with machine_check's INV_BUDDY_OVERLAP at op @op; the page is
 * mended afterwards (the arena serves later tests). */
static void expect_broken_page_at(struct kunit *test, const struct alloc_target *t, struct pbuf *b, int op)
{
	struct violation v;

	ks_broken = NULL;
	EXPECT(run(t, BEND_NONE, b, &v) == 1);
	EXPECT(ks_broken != NULL);
	if (strcmp(v.what, "machine_check") || v.op != op || !strstr(v.found, "INV_BUDDY_OVERLAP"))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected machine_check INV_BUDDY_OVERLAP at op %d, "
			   "got '%s' at op %d (%s)", ks_mode, op, v.what, v.op, v.found);
	if (ks_broken)
		ks_broken->flags = ks_flags;
	ks_mode = 0;
}

/* The periodic sweep (and check()) runs machine_check_changed(), which walks
 * only what the layers marked as changed; the end of every input runs the
 * complete machine_check(), which sees a struct page broken behind their
 * backs: check() after the damage passes, the end of the input does not. */
TEST(oracle_kalloc_unmarked_damage_caught_by_the_final_machine_check)
{
	struct alloc_target t = alloc_target_kalloc;
	struct pbuf b;

	t.vmallocinfo = ks_vmallocinfo;
	ks_mode = 2;
	pb_init(&b);
	pb_op(&b, OP_KMALLOC, 0, SZ(16), 0, 0);
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);	/* the first: complete */
	pb_op(&b, OP_VMALLOCINFO, 0, 0, 0, 0);	/* the damage */
	pb_op(&b, OP_KMALLOC, 1, SZ(100), 0, 0);
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);	/* what changed: p1's slab, not the free block */
	pb_op(&b, OP_KFREE, 0, 0, 0, 0);
	expect_broken_page_at(test, &t, &b, 6);	/* the end */
}

/* A periodic check is left out only while no op has called the library
 * since the last one (check() after check()): after any other op - here a
 * vmallocinfo() that breaks a struct page and marks it, then a
 * verify_pattern(), which only looks - the next check() walks what changed
 * and fires there, not at the end of the input. */
TEST(oracle_kalloc_check_after_an_op_that_called_runs)
{
	struct alloc_target t = alloc_target_kalloc;
	struct pbuf b;
	struct violation v;

	t.vmallocinfo = ks_vmallocinfo;
	pb_init(&b);
	pb_op(&b, OP_KMALLOC, 0, SZ(64), 0, 0);
	pb_op(&b, OP_WRITE, 0, 0, 0, 0);
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);	/* nothing called since: left out */
	pb_op(&b, OP_VMALLOCINFO, 0, 0, 0, 0);	/* the damage, marked */
	pb_op(&b, OP_VERIFY, 0, 0, 0, 0);
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);	/* op 6: fires */
	pb_op(&b, OP_KFREE, 0, 0, 0, 0);
	ks_mode = 0;
	EXPECT(run(&t, BEND_NONE, &b, &v) == 0);
	ks_mode = 5;
	expect_broken_page_at(test, &t, &b, 6);
}

/* The constructor check after every op walks only the c-slots that hold a
 * cache with a constructor (kalloc_oracle.c ctor_slots): a constructor
 * cache in the last c-slot, behind one without, created, destroyed and
 * created again, must still have its count checked after an op that
 * touches neither cache; with nothing bent the program passes. */
static void ctor_program(struct pbuf *b)
{
	pb_init(b);
	pb_op(b, OP_CACHE_CREATE, 0, SZ(64), 0, 0);		/* c0: no constructor */
	pb_op(b, OP_CACHE_CREATE, 7, SZ(96), 0, CFLAG_CTOR);	/* c7: a constructor */
	b->bytes[b->n - OPS_REC + 6] = 1;			/* named inode_cache */
	pb_op(b, OP_CACHE_DESTROY, 7, 0, 0, 0);
	pb_op(b, OP_CACHE_CREATE, 7, SZ(96), 0, CFLAG_CTOR);
	b->bytes[b->n - OPS_REC + 6] = 1;
	pb_op(b, OP_CACHE_ALLOC, 3, 0, 0, 0);
	b->bytes[b->n - OPS_REC + 6] = 7;			/* from c7: its first slab */
	pb_op(b, OP_VMALLOCINFO, 0, 0, 0, 0);			/* op 5: bent here */
	pb_op(b, OP_CACHE_FREE, 3, 0, 0, 0);
}

/* Program @b passes on kalloc as it is, and with vmallocinfo() bent in
 * @mode it fails at op @op with @want in the violation's kind or text. */
static void expect_bent_at(struct kunit *test, struct pbuf *b, int mode, int op, const char *want)
{
	struct alloc_target t = alloc_target_kalloc;
	struct violation v;

	t.vmallocinfo = ks_vmallocinfo;
	ks_mode = 0;
	EXPECT(run(&t, BEND_NONE, b, &v) == 0);
	if (v.what[0])
		violation_print(&v, stdout);
	ks_mode = mode;
	EXPECT(run(&t, BEND_NONE, b, &v) == 1);
	if (v.op != op || (strcmp(v.what, want) && !strstr(v.found, want)))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected %s at op %d, got '%s' at op %d (%s)", mode,
			   want, op, v.what, v.op, v.found);
	ks_mode = 0;
}

TEST(oracle_kalloc_ctor_count_of_an_untouched_cache)
{
	struct pbuf b;

	ctor_program(&b);
	expect_bent_at(test, &b, 3, 5, "ctor");
}

/* The sweep (every K ops, check(), the end) compares the counters of every
 * kmalloc class the program has used (kalloc_oracle.c kused), not of all
 * 52: a class used once and not touched since, with a class looked up
 * after it, must still be compared at the next check(). */
TEST(oracle_kalloc_sweep_sees_an_untouched_class)
{
	struct pbuf b;

	pb_init(&b);
	pb_op(&b, OP_KMALLOC, 1, SZ(16), 0, 0);		/* kmalloc-16 */
	pb_op(&b, OP_KMALLOC, 2, SZ(100), 0, 0);	/* kmalloc-128 */
	pb_op(&b, OP_VMALLOCINFO, 0, 0, 0, 0);		/* op 2: kmalloc-16 bent (p0: no cache checked) */
	pb_op(&b, OP_CHECK, 0, 0, 0, 0);		/* op 3 */
	pb_op(&b, OP_KFREE, 2, 0, 0, 0);
	pb_op(&b, OP_KFREE, 1, 0, 0, 0);
	expect_bent_at(test, &b, 4, 3, "alloc_calls");
}

TEST(oracle_kalloc_slabinfo_row_of_an_untouched_cache)
{
	expect_kalloc_stats(test, 1, OP_SLABINFO, "proc", "kmalloc-4k             8      8   4096");
}
#endif

/* ---- a simulated process (kalloc-heap), bent at its process hooks ----------
 * The heap itself is kalloc's; the wrappers lie about what the process has:
 * more resident pages than the model can explain, a written page that is
 * not present, two pages on one frame, a write that faults or does not
 * land, a failing self check.  Each must be its violation; unbent, the
 * program passes through the access hooks. */
static int pb_mode;	/* 1 rss high, 2 page missing, 3 frame twice, 4 write faults, 5 write lost, 6 self check,
			   7 a user frame leaked behind the process's back */
static unsigned int pb_writes;

static long pbt_rss(void *a)
{
	long r = alloc_target_kalloc_heap.rss(a);

	return pb_mode == 1 ? r + 1000 : r;
}

static void pbt_pagemap(void *a, const void *p, size_t n, uint64_t *out)
{
	alloc_target_kalloc_heap.pagemap(a, p, n, out);
	for (size_t i = 0; i < n; i++) {
		if (pb_mode == 2)
			out[i] = 0;
		if (pb_mode == 3)
			out[i] = (1ULL << 63) | (1ULL << 56) | 7;
	}
}

static int pbt_mem_write(void *a, void *p, const void *src, size_t len)
{
	pb_writes++;
	if (pb_mode == 4)
		return -1;
	if (pb_mode == 5 && pb_writes == 2)
		return 0;
	return alloc_target_kalloc_heap.mem_write(a, p, src, len);
}

static struct page *pb_leaked;
static struct machine *pb_leak_m;

static int pbt_self_check(void *a, char *msg, size_t len)
{
	if (pb_mode == 6) {
		snprintf(msg, len, "bent");
		return 1;
	}
	if (pb_mode == 7 && !pb_leaked) {
		struct machine *m = kalloc_heap_machine(a);

		pb_leak_m = m;
		pb_leaked = alloc_page(m, GFP_KERNEL);
		page_set_owner(m, pb_leaked, PAGE_OWNER_USER);
	}
	return alloc_target_kalloc_heap.self_check(a, msg, len);
}

static void process_program(struct pbuf *b)
{
	pb_init(b);
	pb_op(b, OP_MALLOC, 0, SZ(24), 0, 0);
	pb_op(b, OP_WRITE, 0, 0, 0, 0);
	pb_op(b, OP_MALLOC, 1, SZ(16384), 0, 0);
	pb_op(b, OP_WRITE, 1, 0, 0, 0);
	pb_op(b, OP_CALLOC, 2, SZ(16), 0, 4);
	pb_op(b, OP_REALLOC, 1, SZ(100), 0, 0);
	pb_op(b, OP_ALIGNED_ALLOC, 3, SZ(100), 8, 0);	/* 256-aligned */
	pb_op(b, OP_WRITE, 3, 0, 0, 0);
	pb_op(b, OP_CHECK, 0, 0, 0, 0);
	pb_op(b, OP_DOUBLE_FREE, 2, 0, 0, 0);
	pb_op(b, OP_FREE, 0, 0, 0, 0);
}

static void expect_process(struct kunit *test, int mode, const char *what)
{
	struct alloc_target t = alloc_target_kalloc_heap;
	struct pbuf b;
	struct violation v;

	t.rss = pbt_rss;
	t.pagemap = pbt_pagemap;
	t.mem_write = pbt_mem_write;
	t.self_check = pbt_self_check;
	pb_mode = mode;
	pb_writes = 0;
	process_program(&b);
	EXPECT(run(&t, BEND_NONE, &b, &v) == (what != NULL));
	if (what && strcmp(v.what, what))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected '%s', got '%s' (%s)", mode, what,
			   v.what, v.found);
	if (mode == 7 && !strstr(v.found, "a frame leaked"))
		kunit_fail(test, __FILE__, __LINE__, "mode 7: not the owner count: %s", v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
}

TEST(oracle_process_healthy_passes) { expect_process(test, 0, NULL); }
TEST(oracle_process_rss_above_bound) { expect_process(test, 1, "rss"); }
TEST(oracle_process_written_page_missing) { expect_process(test, 2, "rss"); }
TEST(oracle_process_frame_twice) { expect_process(test, 3, "frame owned twice"); }
TEST(oracle_process_write_faults) { expect_process(test, 4, "memory access"); }
TEST(oracle_process_write_lost) { expect_process(test, 5, "contents"); }
TEST(oracle_process_self_check) { expect_process(test, 6, "self check"); }
TEST(oracle_process_leaked_frame)
{
	expect_process(test, 7, "self check");
	if (pb_leaked) {		/* give it back: the shared machine serves later tests */
		page_set_owner(pb_leak_m, pb_leaked, PAGE_OWNER_PAGES);
		__free_page(pb_leak_m, pb_leaked);
		pb_leaked = NULL;
	}
}

/* The unbent heap program of the bump allocator, on kalloc-heap. */
TEST(oracle_heap_program_on_kalloc_heap_passes)
{
	struct pbuf b;
	struct violation v;

	heap_program(&b);
	EXPECT(run(&alloc_target_kalloc_heap, BEND_NONE, &b, &v) == 0);
	if (v.what[0])
		violation_print(&v, stdout);
}

/* ---- one process for the heap and the program (kalloc-proc) ---------------
 * The one RSS rule (oracle_rss.c rss_bounds): exact while no heap block ever
 * existed, the pages the program wrote as a floor and those plus the heap's
 * possible pages as a ceiling after.  The wrappers lie about RSS in one
 * direction each; and a brk after the first allocation must not reach the
 * process (the heap owns the break). */
static int pp_mode;	/* 1 RSS one high before the heap, 2 one low after it, 3 far high after it */
static int pp_heap, pp_brks_after;

static unsigned long ppt_rss_pages(void *a)
{
	unsigned long r = alloc_target_kalloc_proc.rss_pages(a);

	if (pp_mode == 1 && !pp_heap)
		return r + 1;
	if (pp_mode == 2 && pp_heap)
		return r - 1;
	return pp_mode == 3 && pp_heap ? r + 1000 : r;
}

static long ppt_rss(void *a)
{
	return (long)ppt_rss_pages(a);
}

static void *ppt_malloc(void *a, size_t n)
{
	pp_heap = 1;
	return alloc_target_kalloc_proc.malloc(a, n);
}

static int ppt_brk(void *a, uintptr_t addr)
{
	pp_brks_after += pp_heap;
	return alloc_target_kalloc_proc.brk(a, addr);
}

static void expect_proc(struct kunit *test, int mode, const char *what)
{
	struct alloc_target t = alloc_target_kalloc_proc;
	struct pbuf b;
	struct violation v;

	t.rss_pages = ppt_rss_pages;
	t.rss = ppt_rss;
	t.malloc = ppt_malloc;
	t.brk = ppt_brk;
	pp_mode = mode;
	pp_heap = pp_brks_after = 0;
	pb_init(&b);
	pb_op(&b, OP_BRK, 0, 0, 0, 2);			/* brk(+2) */
	pb_op(&b, OP_MM_WRITE, 31, 100, 0x88, 0x13);	/* write(p31, 100, 5000): 2 pages */
	pb_op(&b, OP_RSS, 0, 0, 0, 0);
	pb_op(&b, OP_MALLOC, 0, SZ(5000), 0, 0);
	pb_op(&b, OP_WRITE, 0, 0, 0, 0);
	pb_op(&b, OP_BRK, 0, 0, 0, 0xfe);		/* brk(-2): a no-op now */
	pb_op(&b, OP_RSS, 0, 0, 0, 0);
	pb_op(&b, OP_FREE, 0, 0, 0, 0);
	EXPECT(run(&t, BEND_NONE, &b, &v) == (what != NULL));
	if (what && strcmp(v.what, what))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected '%s', got '%s' (%s)", mode, what,
			   v.what, v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
	if (!what && pp_brks_after)
		kunit_fail(test, __FILE__, __LINE__, "%d brk call(s) reached the process after the heap", pp_brks_after);
}

TEST(oracle_proc_healthy_passes) { expect_proc(test, 0, NULL); }
TEST(oracle_proc_rss_exact_before_heap) { expect_proc(test, 1, "rss"); }
TEST(oracle_proc_rss_floor_with_heap) { expect_proc(test, 2, "rss"); }
TEST(oracle_proc_rss_ceiling_with_heap) { expect_proc(test, 3, "rss"); }
