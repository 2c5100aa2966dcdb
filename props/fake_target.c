/* fake_target.c - a test double of libktarget.so's flat API (kt_*) over libc
 * malloc, for the heap properties' own tests (props/test_heap_checks.py).
 *
 * One allocator, "fake", with caps TCAP_MALLOC | TCAP_ALIGNED_ALLOC |
 * TCAP_REPORTS_MISUSE: every block is in a table, so a double, interior or
 * unknown free returns a negative error and changes nothing.  Honest by
 * default: usable size is the request rounded up to 16, realloc keeps the
 * old usable bytes, calloc zeroes, only requests above FAKE_LIMIT fail.
 *
 * $KT_FAKE_BUG, read by kt_open, picks one deliberate bug (each is the thing
 * one heap property must catch; see BUGS below); an unknown name makes
 * kt_open fail with the list.  Every bug keeps the memory it hands out inside
 * blocks it got from libc, so a buggy run never corrupts the interpreter.
 * $KT_FAKE_QUIRK picks one behaviour that C allows but few allocators show
 * (QUIRKS below); the properties must not fire on any of them.
 * $KT_FAKE_NO_USABLE=1 makes kt_usable_size return 0 ("not offered") and
 * $KT_FAKE_CAPS=hex overrides the capability bits.
 *
 * Built by props/props.mk as build/gcc/props/libfake_target.so.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kt_handle;

const char *kt_names(void);
unsigned int kt_caps(const char *alloc);
const char *kt_what(const char *alloc);
const char *kt_package(const char *alloc);
struct kt_handle *kt_open(const char *alloc, char *err, size_t errlen);
struct kt_handle *kt_open_hdr(const char *alloc, const unsigned char hdr[8], char *err,
			      size_t errlen);
void kt_close(struct kt_handle *h);
void *kt_malloc(struct kt_handle *h, size_t size);
void *kt_calloc(struct kt_handle *h, size_t n, size_t size);
void *kt_realloc(struct kt_handle *h, void *p, size_t size);
void *kt_aligned_alloc(struct kt_handle *h, size_t align, size_t size);
int kt_free(struct kt_handle *h, void *p);
size_t kt_usable_size(struct kt_handle *h, void *p);
long kt_in_use(struct kt_handle *h);
int kt_bounds(struct kt_handle *h, unsigned long *lo, unsigned long *hi);

#define TCAP_MALLOC		0x0008u
#define TCAP_ALIGNED_ALLOC	0x0010u
#define TCAP_REPORTS_MISUSE	0x0100u

#define FAKE_MAX	4096		/* live blocks per instance */
#define FAKE_LIMIT	(1ul << 30)	/* larger requests fail (NULL) */
#define FAKE_SLACK	32		/* extra bytes behind every block, for the bugs */

enum fake_bug {
	BUG_NONE,
	BUG_USABLE_SHORT,	/* usable_size is the request minus one */
	BUG_USABLE_DRIFT,	/* every other usable_size of a block is 16 larger */
	BUG_REALLOC_LOSE,	/* a moving realloc loses the last byte of the prefix */
	BUG_REALLOC_NULL_FREES,	/* a refused realloc scrubs and forgets the old block */
	BUG_CALLOC_DIRTY,	/* calloc leaves the last requested byte non-zero */
	BUG_CALLOC_OVERFLOW,	/* an overflowing calloc(n, size) gets size bytes */
	BUG_OVERLAP,		/* every 4th (16-aligned) allocation lies inside another live block */
	BUG_MISALIGN,		/* blocks of >= 16 bytes aligned to 16 or less are 8 off */
	BUG_ALIGNED_WRONG,	/* aligned_alloc above 16 is 16 off its alignment */
	BUG_NULL_SMALL,		/* malloc of 100..199 bytes returns NULL */
	BUG_SCRIBBLE,		/* free writes a byte into another live block */
	BUG_LEAK,		/* the first free of an instance keeps the block */
	BUG_FREE_FAILS,		/* free of an odd-sized block returns -1 (and frees) */
	BUG_MISUSE_OK,		/* double and interior frees return 0 */
	BUG_OUT_OF_BOUNDS,	/* bounds claim only the first block's memory */
	NR_BUGS
};

/* Legal in C17, unusual in practice. */
enum fake_quirk {
	QUIRK_NONE,
	QUIRK_EXACT_COPY,	/* realloc keeps only min(old, new) requested bytes */
	QUIRK_NULL_ZERO,	/* a request of 0 bytes returns NULL */
	QUIRK_TAIL_DIRTY,	/* calloc zeroes only the request, not the usable tail */
	QUIRK_SMALL_ALIGN,	/* malloc(n < 16) is aligned only to the largest 2^k <= n */
	NR_QUIRKS
};

static const char *const quirk_names[NR_QUIRKS] = {
	"none", "exact_copy", "null_zero", "tail_dirty", "small_align",
};

static const char *const bug_names[NR_BUGS] = {
	"none", "usable_short", "usable_drift", "realloc_lose", "realloc_null_frees",
	"calloc_dirty",
	"calloc_overflow", "overlap", "misalign", "aligned_wrong", "null_small",
	"scribble", "leak", "free_fails", "misuse_ok", "out_of_bounds",
};

struct fake_block {
	unsigned char *user;	/* what the caller got */
	void *base;		/* what libc gave (NULL for an alias of another block) */
	size_t size;		/* requested */
	size_t usable;
	unsigned long usable_calls;
};

struct kt_handle {
	enum fake_bug bug;
	enum fake_quirk quirk;
	int no_usable;
	unsigned long allocs, frees;
	unsigned long first_lo, first_hi;	/* the first block's memory (out_of_bounds) */
	long in_use;
	unsigned int nr, nr_dead;
	struct fake_block blk[FAKE_MAX];
	void *dead[FAKE_MAX];	/* blocks a bug forgot: still mapped, freed by close */
};

static size_t round16(size_t n)
{
	return n ? (n + 15) & ~(size_t)15 : 16;
}

/* The index of $@var in @names[0..n), 0 when unset; -1 (and @err says the
 * choices) when it names none of them. */
static int pick(const char *var, const char *const *names, int n, char *err, size_t errlen)
{
	const char *v = getenv(var);
	size_t off;
	int i;

	if (!v || !*v)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	off = (size_t)snprintf(err, errlen, "%s=%s: one of", var, v);
	for (i = 0; i < n && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, " %s", names[i]);
	return -1;
}

const char *kt_names(void)
{
	return "fake";
}

unsigned int kt_caps(const char *alloc)
{
	const char *caps = getenv("KT_FAKE_CAPS");

	if (!alloc || strcmp(alloc, "fake") != 0)
		return 0;
	return caps && *caps ? (unsigned int)strtoul(caps, NULL, 16)
		: TCAP_MALLOC | TCAP_ALIGNED_ALLOC | TCAP_REPORTS_MISUSE;
}

const char *kt_what(const char *alloc)
{
	return alloc && strcmp(alloc, "fake") == 0 ? "a kt_* test double over libc malloc" : NULL;
}

const char *kt_package(const char *alloc)
{
	(void)alloc;
	return NULL;
}

struct kt_handle *kt_open_hdr(const char *alloc, const unsigned char hdr[8], char *err,
			      size_t errlen)
{
	(void)hdr;	/* the fake has nothing to size */
	return kt_open(alloc, err, errlen);
}

struct kt_handle *kt_open(const char *alloc, char *err, size_t errlen)
{
	struct kt_handle *h;
	int b, q;

	if (!alloc || strcmp(alloc, "fake") != 0) {
		snprintf(err, errlen, "unknown allocator '%s' (this test library has only 'fake')",
			 alloc ? alloc : "(null)");
		return NULL;
	}
	b = pick("KT_FAKE_BUG", bug_names, NR_BUGS, err, errlen);
	q = pick("KT_FAKE_QUIRK", quirk_names, NR_QUIRKS, err, errlen);
	if (b < 0 || q < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->bug = (enum fake_bug)b;
	h->quirk = (enum fake_quirk)q;
	h->no_usable = getenv("KT_FAKE_NO_USABLE") && atoi(getenv("KT_FAKE_NO_USABLE"));
	return h;
}

void kt_close(struct kt_handle *h)
{
	if (!h)
		return;
	for (unsigned int i = 0; i < h->nr; i++)
		free(h->blk[i].base);
	for (unsigned int i = 0; i < h->nr_dead; i++)
		free(h->dead[i]);
	free(h);
}

long kt_in_use(struct kt_handle *h)
{
	return h->in_use;
}

int kt_bounds(struct kt_handle *h, unsigned long *lo, unsigned long *hi)
{
	if (h->bug != BUG_OUT_OF_BOUNDS || !h->first_hi)
		return -1;	/* libc's heap has no bounds worth saying */
	*lo = h->first_lo;
	*hi = h->first_hi;
	return 0;
}

static struct fake_block *find(struct kt_handle *h, const void *p)
{
	for (unsigned int i = 0; i < h->nr; i++)
		if (h->blk[i].user == p)
			return &h->blk[i];
	return NULL;
}

static void forget(struct kt_handle *h, struct fake_block *b)
{
	if (b->base)
		h->in_use -= (long)b->usable;
	*b = h->blk[--h->nr];
}

/* A new block of @size bytes aligned to @align (>= 16, a power of two). */
static unsigned char *fake_alloc(struct kt_handle *h, size_t size, size_t align, int plain)
{
	size_t usable = round16(size);
	struct fake_block *b;
	void *base;
	unsigned char *user;

	if (size > FAKE_LIMIT || h->nr == FAKE_MAX || (!size && h->quirk == QUIRK_NULL_ZERO))
		return NULL;
	h->allocs++;
	if (h->bug == BUG_OVERLAP && align == 16 && h->allocs % 4 == 0) {
		for (unsigned int i = 0; i < h->nr; i++) {
			struct fake_block *o = &h->blk[i];
			if (o->base && o->usable >= usable + 16) {
				b = &h->blk[h->nr++];
				*b = (struct fake_block){ o->user + 16, NULL, size, usable, 0 };
				return b->user;
			}
		}
	}
	if (posix_memalign(&base, align, usable + FAKE_SLACK))
		return NULL;
	user = base;
	if (h->bug == BUG_MISALIGN && size >= 16 && align == 16)
		user += 8;
	if (plain && h->quirk == QUIRK_SMALL_ALIGN && size && size < 16)
		user += size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1;	/* inside FAKE_SLACK */
	if (!plain && h->bug == BUG_ALIGNED_WRONG && align > 16)
		user += 16;
	b = &h->blk[h->nr++];
	*b = (struct fake_block){ user, base, size, usable, 0 };
	h->in_use += (long)usable;
	if (!h->first_hi) {
		h->first_lo = (unsigned long)base;
		h->first_hi = (unsigned long)base + usable + FAKE_SLACK;
	}
	return user;
}

void *kt_malloc(struct kt_handle *h, size_t size)
{
	if (h->bug == BUG_NULL_SMALL && size >= 100 && size < 200)
		return NULL;
	return fake_alloc(h, size, 16, 1);
}

void *kt_calloc(struct kt_handle *h, size_t n, size_t size)
{
	size_t total;
	struct fake_block *b;
	unsigned char *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		if (h->bug != BUG_CALLOC_OVERFLOW)
			return NULL;
		total = size;
	}
	p = fake_alloc(h, total, 16, 1);
	if (!p)
		return NULL;
	b = find(h, p);
	memset(p, 0, b->usable);
	if (h->quirk == QUIRK_TAIL_DIRTY)
		memset(p + total, 0xee, b->usable - total);
	if (h->bug == BUG_CALLOC_DIRTY && total)
		p[total - 1] = 0x01;
	return p;
}

void *kt_realloc(struct kt_handle *h, void *p, size_t size)
{
	struct fake_block *b = find(h, p), old;
	unsigned char *q;
	size_t keep;

	if (!b)
		return NULL;
	if (size <= b->usable && b->base) {	/* shrinks and small growth stay in place */
		keep = b->size < size ? b->size : size;
		if (h->quirk == QUIRK_EXACT_COPY)
			memset(b->user + keep, 0xdd, b->usable - keep);
		b->size = size;
		return p;
	}
	old = *b;
	q = fake_alloc(h, size, 16, 1);
	if (!q) {
		if (h->bug == BUG_REALLOC_NULL_FREES && old.base && h->nr_dead < FAKE_MAX) {
			memset(old.user, 0xdd, old.usable);
			h->dead[h->nr_dead++] = old.base;
			forget(h, b);
		}
		return NULL;
	}
	keep = old.usable < round16(size) ? old.usable : round16(size);
	if (h->quirk == QUIRK_EXACT_COPY) {
		keep = old.size < size ? old.size : size;
		memset(q, 0xdd, round16(size));
	}
	memcpy(q, old.user, keep);
	if (h->bug == BUG_REALLOC_LOSE && keep) {
		keep = old.size < size ? old.size : size;
		if (keep)
			q[keep - 1] = (unsigned char)~old.user[keep - 1];
	}
	forget(h, find(h, p));
	free(old.base);
	return q;
}

void *kt_aligned_alloc(struct kt_handle *h, size_t align, size_t size)
{
	if (!align || (align & (align - 1)))
		return NULL;
	return fake_alloc(h, size, align < 16 ? 16 : align, 0);
}

int kt_free(struct kt_handle *h, void *p)
{
	struct fake_block *b = find(h, p);
	void *base;
	int odd, rc = 0;

	if (!b) {
		if (h->bug == BUG_MISUSE_OK)
			return 0;
		for (unsigned int i = 0; i < h->nr; i++)
			if ((unsigned char *)p > h->blk[i].user &&
			    (unsigned char *)p < h->blk[i].user + h->blk[i].usable)
				return -2;	/* inside a block: not its start */
		return -1;			/* not a live block: double or foreign */
	}
	h->frees++;
	base = b->base;
	odd = b->size % 2;
	if (h->bug == BUG_LEAK && h->frees == 1 && h->nr_dead < FAKE_MAX) {
		h->dead[h->nr_dead++] = base;
		*b = h->blk[--h->nr];		/* forgotten, its bytes still counted */
		return 0;
	}
	forget(h, b);
	free(base);
	if (h->bug == BUG_SCRIBBLE && h->nr)
		h->blk[0].user[0] ^= 0x5a;
	if (h->bug == BUG_FREE_FAILS && odd)
		rc = -1;
	return rc;
}

size_t kt_usable_size(struct kt_handle *h, void *p)
{
	struct fake_block *b = find(h, p);

	if (!b || h->no_usable)
		return 0;
	b->usable_calls++;
	if (h->bug == BUG_USABLE_SHORT && b->size >= 2)
		return b->size - 1;
	if (h->bug == BUG_USABLE_DRIFT && b->usable >= 32 && b->usable_calls % 2 == 0)
		return b->usable + 16;	/* inside FAKE_SLACK: writing there is safe */
	return b->usable;
}
