/* heap.c - malloc, free, calloc, realloc, aligned_alloc on a process's brk
 * heap, after glibc's malloc.c (main arena; no tcache, no fastbins, no
 * arenas: what remains is the boundary-tag heap glibc's policy is about).
 *
 * Entry points: heap.h.  Everything the heap keeps inside user memory is
 * read and written through the mm (rd()/wr()), so its metadata faults pages
 * in exactly where glibc's does; the host side keeps only what glibc keeps
 * in its arena struct (the free list head, the top) plus a bitmap of live
 * chunk starts that lets a bad free be told from a good one without
 * trusting user memory.
 *
 * A chunk (malloc.c's picture, 64-bit):
 *
 *    chunk-> +-------------------------------+
 *            | prev_size: size of the chunk  |  only when that chunk is free
 *            |   before, if it is free       |  (else its user data)
 *            +-------------------------------+
 *            | size                    |M|P|  M: mmapped, P: previous in use
 *      mem-> +-------------------------------+  <- the pointer malloc returns
 *            | user data; when free:         |
 *            |   fd (mem + 0), bk (mem + 8)  |
 *            .                               .
 * nextchunk->+-------------------------------+
 *            | prev_size: this chunk's size  |  written when this one is free;
 *            |   if free, else its user data |  in use, its last 8 usable bytes
 *            +-------------------------------+
 *
 * A brk chunk's usable size is its size - 8 (the next prev_size is its
 * own), an mmapped chunk's its size - 16.  The top chunk runs to the break;
 * its header is kept current, its prev in use always (a free chunk next to
 * the top merges into it).  Free chunks always coalesce with free
 * neighbours (glibc's fastbins and tcache delay that; we have neither), so
 * no two free chunks touch: heap_check's INV_HEAP_NOT_MERGED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define PREV_INUSE	0x1UL
#define IS_MMAPPED	0x2UL
#define SIZE_BITS	0x7UL
#define SIZE_SZ		8UL
#define MINSIZE		HEAP_MINSIZE

/* KALLOC_DEBUG 2: the whole heap check after every operation. */
static void debug_check_heap(struct heap *h, const char *where)
{
	struct kalloc_check ck;

	if (KALLOC_DEBUG >= 2 && heap_check(h, &ck)) {
		fprintf(stderr, "kalloc: BUG: after %s: %s\n", where, ck.msg);
		abort();
	}
}

/* ---- user memory, through the mm ------------------------------------------ */
static uint64_t rd(struct heap *h, unsigned long a)
{
	uint64_t v = 0;

	mm_read(h->mm, a, &v, sizeof(v));
	return v;
}

static void wr(struct heap *h, unsigned long a, uint64_t v)
{
	mm_write(h->mm, a, &v, sizeof(v));
}

static unsigned long chunk_size(struct heap *h, unsigned long c) { return rd(h, c + SIZE_SZ) & ~SIZE_BITS; }
static void set_head(struct heap *h, unsigned long c, unsigned long v) { wr(h, c + SIZE_SZ, v); }
static void set_foot(struct heap *h, unsigned long c, unsigned long size) { wr(h, c + size, size); }
static int prev_inuse(struct heap *h, unsigned long c) { return rd(h, c + SIZE_SZ) & PREV_INUSE; }
static unsigned long top_size(const struct heap *h) { return h->end - h->top; }

static void write_top(struct heap *h)
{
	if (h->end > h->top)
		set_head(h, h->top, top_size(h) | PREV_INUSE);
	if (h->top + HEAP_CHUNK_HDR > h->clean_from)
		h->clean_from = h->top + HEAP_CHUNK_HDR;
}

/* ---- the live-chunk map --------------------------------------------------- */
static int live_test(const struct heap *h, unsigned long c)
{
	unsigned long bit = (c - h->start) / HEAP_ALIGNMENT;

	return c >= h->start && bit / 64 < h->live_words && (h->live[bit / 64] >> (bit % 64)) & 1;
}

static void live_set(struct heap *h, unsigned long c, int on)
{
	unsigned long bit = (c - h->start) / HEAP_ALIGNMENT;

	if (on)
		h->live[bit / 64] |= 1ULL << (bit % 64);
	else
		h->live[bit / 64] &= ~(1ULL << (bit % 64));
}

/* Room in the map for a heap ending at @end. */
static int live_reserve(struct heap *h, unsigned long end)
{
	size_t need = ((end - h->start) / HEAP_ALIGNMENT + 63) / 64, n = h->live_words ? h->live_words : 64;
	uint64_t *nl;

	if (need <= h->live_words)
		return 0;
	while (n < need)
		n *= 2;
	nl = realloc(h->live, n * sizeof(*nl));
	if (!nl)
		return kalloc_report(h->m, KERR_NOMEM, "malloc: no host memory for the live-chunk map");
	memset(nl + h->live_words, 0, (n - h->live_words) * sizeof(*nl));
	h->live = nl;
	h->live_words = n;
	return 0;
}

/* ---- the free lists: bins -------------------------------------------------
 * glibc's layout in spirit: 64 exact small bins (size / 16, below 1 KiB),
 * then one bin per power of two.  A request takes the first chunk of its
 * exact bin, else the best fit of its range bin, else the first chunk of
 * the next non-empty bin (found in the bitmap): every chunk there fits.
 */
static unsigned int bin_index(unsigned long size)
{
	if (size < 1024)
		return (unsigned int)(size / HEAP_ALIGNMENT);
	return 64 + (63 - (unsigned int)__builtin_clzl(size)) - 10;
}

static void bin_mark(struct heap *h, unsigned int b, int on)
{
	if (on)
		h->binmap[b / 64] |= 1ULL << (b % 64);
	else
		h->binmap[b / 64] &= ~(1ULL << (b % 64));
}

static void link_free(struct heap *h, unsigned long c, unsigned long size)
{
	unsigned int b = bin_index(size);
	unsigned long head = h->bins[b];

	wr(h, c + 16, head);
	wr(h, c + 24, 0);
	if (head)
		wr(h, head + 24, c);
	h->bins[b] = c;
	bin_mark(h, b, 1);
	h->nr_free++;
	h->free_bytes += size;
}

static void unlink_free(struct heap *h, unsigned long c, unsigned long size)
{
	unsigned long fd = rd(h, c + 16), bk = rd(h, c + 24);
	unsigned int b = bin_index(size);

	if (bk) {
		wr(h, bk + 16, fd);
	} else {
		h->bins[b] = fd;
		if (!fd)
			bin_mark(h, b, 0);
	}
	if (fd)
		wr(h, fd + 24, bk);
	h->nr_free--;
	h->free_bytes -= size;
}

/* The first non-empty bin from @b on, or HEAP_NBINS. */
static unsigned int bin_next(const struct heap *h, unsigned int b)
{
	for (unsigned int w = b / 64; w < HEAP_NBINS / 64; w++) {
		uint64_t bits = h->binmap[w] & (w == b / 64 ? ~0ULL << (b % 64) : ~0ULL);

		if (bits)
			return w * 64 + (unsigned int)__builtin_ctzll(bits);
	}
	return HEAP_NBINS;
}

/* ---- the mmapped chunks ----------------------------------------------------- */
static long mmapped_find(const struct heap *h, unsigned long p)
{
	unsigned long lo = 0, hi = h->nr_mmapped;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (h->mmapped[mid].p == p)
			return (long)mid;
		if (h->mmapped[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A chunk of its own mapping: the header at the mapping's start. */
static unsigned long mmap_chunk(struct heap *h, unsigned long nb)
{
	unsigned long len = ALIGN(nb + SIZE_SZ, PAGE_SIZE), map, i;

	if (h->nr_mmapped == h->mmapped_cap) {
		unsigned long cap = h->mmapped_cap ? 2 * h->mmapped_cap : 16;
		struct heap_mmapped *n = realloc(h->mmapped, cap * sizeof(*n));

		if (!n) {
			kalloc_report(h->m, KERR_NOMEM, "malloc: no host memory for the mmapped-chunk table");
			return 0;
		}
		h->mmapped = n;
		h->mmapped_cap = cap;
	}
	if (nb + SIZE_SZ < nb || mm_mmap(h->mm, len, &map))
		return 0;
	wr(h, map, 0);
	set_head(h, map, len | IS_MMAPPED);
	for (i = h->nr_mmapped; i > 0 && h->mmapped[i - 1].p > map; i--)
		h->mmapped[i] = h->mmapped[i - 1];
	h->mmapped[i] = (struct heap_mmapped){ map + HEAP_CHUNK_HDR, map, len };
	h->nr_mmapped++;
	h->mmapped_bytes += len;
	h->mmaps++;
	return map;
}

static void munmap_chunk(struct heap *h, long i)
{
	struct heap_mmapped r = h->mmapped[i];

	mm_munmap(h->mm, r.map, r.len);
	memmove(&h->mmapped[i], &h->mmapped[i + 1], (h->nr_mmapped - (unsigned long)i - 1) * sizeof(r));
	h->nr_mmapped--;
	h->mmapped_bytes -= r.len;
	h->munmaps++;
}

/* ---- create / destroy --------------------------------------------------------- */
struct heap *heap_create(struct mm_struct *mm, const struct heap_config *cfg)
{
	struct heap *h = calloc(1, sizeof(*h));

	if (!h) {
		kalloc_report(mm_machine(mm), KERR_NOMEM, "heap_create: no host memory");
		return NULL;
	}
	h->mm = mm;
	h->m = mm_machine(mm);
	h->top_pad = cfg && cfg->top_pad ? cfg->top_pad : HEAP_TOP_PAD;
	h->mmap_threshold = cfg && cfg->mmap_threshold ? cfg->mmap_threshold : HEAP_MMAP_THRESHOLD;
	h->trim_threshold = cfg && cfg->trim_threshold ? cfg->trim_threshold : HEAP_TRIM_THRESHOLD;
	h->start = h->top = h->end = h->clean_from = mm_get_brk(mm);
	if (h->start & (PAGE_SIZE - 1)) {
		kalloc_report(h->m, KERR_INVAL, "heap_create: the break %#lx is not page aligned", h->start);
		free(h);
		return NULL;
	}
	return h;
}

void heap_destroy(struct heap *h)
{
	if (!h)
		return;
	while (h->nr_mmapped)
		munmap_chunk(h, (long)h->nr_mmapped - 1);
	if (h->end > h->start)
		mm_brk(h->mm, h->start);
	free(h->live);
	free(h->mmapped);
	free(h);
}

/* ---- malloc ----------------------------------------------------------------------
 * request2size: the request plus the size field, rounded to 16, at least
 * MINSIZE; requests above PTRDIFF_MAX fail as glibc's do (ENOMEM there).
 */
static int request2size(struct heap *h, const char *fn, size_t n, unsigned long *nb)
{
	if (n > (size_t)PTRDIFF_MAX - HEAP_MINSIZE - PAGE_SIZE) {
		h->errors++;
		kalloc_report(h->m, KERR_TOO_BIG, "%s(%zu): Cannot allocate memory", fn, n);
		return -1;
	}
	*nb = n + SIZE_SZ + HEAP_ALIGNMENT - 1 < MINSIZE ? MINSIZE : ALIGN(n + SIZE_SZ, HEAP_ALIGNMENT);
	return 0;
}

/* sysmalloc's brk path: grow the top so that it holds @nb + MINSIZE,
 * asking for the top pad on top (contiguous heap: minus what the top has). */
static int grow_top(struct heap *h, unsigned long nb)
{
	unsigned long size = nb + h->top_pad + MINSIZE - top_size(h);
	unsigned long new_end = ALIGN(h->end + size, PAGE_SIZE);

	if (live_reserve(h, new_end) || mm_brk(h->mm, new_end))
		return -1;
	h->end = new_end;
	h->sbrks++;
	write_top(h);
	return 0;
}

/* Carve @nb from the start of the top. */
static unsigned long from_top(struct heap *h, unsigned long nb)
{
	unsigned long c = h->top;

	set_head(h, c, nb | PREV_INUSE);
	h->top = c + nb;
	write_top(h);
	return c;
}

/* The best-fitting free chunk of at least @nb, taken off the list and
 * split; 0 if none. */
static unsigned long from_free_list(struct heap *h, unsigned long nb)
{
	unsigned long best = 0, best_size = 0, size;
	unsigned int b = bin_index(nb);

	if (b >= 64)		/* a range bin: the best fit in it */
		for (unsigned long c = h->bins[b]; c; c = rd(h, c + 16)) {
			size = chunk_size(h, c);
			if (size >= nb && (!best || size < best_size)) {
				best = c;
				best_size = size;
				if (size == nb)
					break;
			}
		}
	if (!best) {		/* an exact bin, or the next non-empty one: any chunk fits */
		b = bin_next(h, b < 64 ? b : b + 1);
		if (b == HEAP_NBINS)
			return 0;
		best = h->bins[b];
		best_size = chunk_size(h, best);
	}
	unlink_free(h, best, best_size);
	if (best_size - nb >= MINSIZE) {
		unsigned long rem = best + nb;

		set_head(h, best, nb | PREV_INUSE);
		set_head(h, rem, (best_size - nb) | PREV_INUSE);
		set_foot(h, rem, best_size - nb);
		link_free(h, rem, best_size - nb);
	} else {
		unsigned long next = best + best_size;

		set_head(h, next, rd(h, next + SIZE_SZ) | PREV_INUSE);
	}
	return best;
}

static void count_inuse(struct heap *h, unsigned long c, long size)
{
	h->nr_inuse += size > 0 ? 1 : -1UL;
	h->inuse_bytes += (size_t)size;
	h->usable_bytes += (size_t)(size > 0 ? size - (long)SIZE_SZ : size + (long)SIZE_SZ);
	live_set(h, c, size > 0);
}

/* _int_malloc: a chunk of @nb bytes; its user pointer, 0 on failure.
 * *@mmapped says whether it has a mapping of its own, *@clean where the
 * bytes known to be zero began before it was carved. */
static unsigned long int_malloc(struct heap *h, unsigned long nb, int *mmapped, unsigned long *clean)
{
	unsigned long c;

	*mmapped = 0;
	*clean = h->clean_from;
	if (nb >= h->mmap_threshold)
		goto use_mmap;
	c = from_free_list(h, nb);
	if (!c) {
		if (top_size(h) < nb + MINSIZE && grow_top(h, nb))
			goto use_mmap;		/* brk refused: glibc's fallback */
		c = from_top(h, nb);
	}
	count_inuse(h, c, (long)chunk_size(h, c));	/* a whole free chunk may exceed nb */
	return c + HEAP_CHUNK_HDR;
use_mmap:
	c = mmap_chunk(h, nb);
	if (!c)
		return 0;
	*mmapped = 1;
	h->usable_bytes += h->mmapped[mmapped_find(h, c + HEAP_CHUNK_HDR)].len - HEAP_CHUNK_HDR;
	return c + HEAP_CHUNK_HDR;
}

void *heap_malloc(struct heap *h, size_t n)
{
	unsigned long nb, clean, p;
	int mm;

	h->mallocs++;
	if (request2size(h, "malloc", n, &nb))
		return NULL;
	p = int_malloc(h, nb, &mm, &clean);
	debug_check_heap(h, "malloc");
	return (void *)p;
}

/* ---- free ------------------------------------------------------------------------- */

/* Trim the top when it is trim_threshold or more (systrim, keeping top_pad). */
static void trim_top(struct heap *h)
{
	unsigned long area, extra;

	if (top_size(h) < h->trim_threshold)
		return;
	area = top_size(h) - MINSIZE - 1;
	if (area <= h->top_pad)
		return;
	extra = ALIGN_DOWN(area - h->top_pad, PAGE_SIZE);
	if (!extra || mm_brk(h->mm, h->end - extra))
		return;
	h->end -= extra;
	h->trims++;
	if (h->clean_from > h->end)
		h->clean_from = h->end;
	write_top(h);
}

/* _int_free of brk chunk @c (already counted out): coalesce both ways,
 * into the top or onto the free list. */
static void free_chunk(struct heap *h, unsigned long c)
{
	unsigned long head = rd(h, c + SIZE_SZ), size = head & ~SIZE_BITS, next = c + size;

	if (!(head & PREV_INUSE)) {
		unsigned long psize = rd(h, c);

		unlink_free(h, c - psize, psize);
		c -= psize;
		size += psize;
	}
	if (next == h->top) {
		h->top = c;
		write_top(h);
		trim_top(h);
		return;
	}
	{
		unsigned long nsize = chunk_size(h, next);

		if (!prev_inuse(h, next + nsize)) {
			unlink_free(h, next, nsize);
			size += nsize;
		} else {
			set_head(h, next, rd(h, next + SIZE_SZ) & ~PREV_INUSE);
		}
	}
	set_head(h, c, size | PREV_INUSE);
	set_foot(h, c, size);
	link_free(h, c, size);
}

enum block_kind { BLOCK_NONE, BLOCK_BRK, BLOCK_MMAP };

/* Is @p a live block?  The diagnosis of a bad one (which words glibc
 * would use) runs only when it is not. */
static enum block_kind block_of(struct heap *h, const char *fn, unsigned long p, long *mi, int *err)
{
	unsigned long c = p - HEAP_CHUNK_HDR;

	*mi = mmapped_find(h, p);
	if (*mi >= 0)
		return BLOCK_MMAP;
	if (!(p & (HEAP_ALIGNMENT - 1)) && c >= h->start && c < h->top && live_test(h, c))
		return BLOCK_BRK;
	h->errors++;
	if (!(p & (HEAP_ALIGNMENT - 1)) && c == h->top && p <= h->end) {
		*err = kalloc_report(h->m, KERR_DOUBLE_FREE, "%s(%#lx): double free or corruption (top)", fn, p);
		return BLOCK_NONE;
	}
	for (unsigned int b = 0; b < HEAP_NBINS; b++)
		for (unsigned long f = h->bins[b], n = 0; f && n <= h->nr_free; f = rd(h, f + 16), n++)
			if (f == c) {
				*err = kalloc_report(h->m, KERR_DOUBLE_FREE, "%s(%#lx): double free or corruption "
						     "(!prev)", fn, p);
				return BLOCK_NONE;
			}
	*err = kalloc_report(h->m, KERR_NOT_HEAD, "%s(%#lx): invalid pointer", fn, p);
	return BLOCK_NONE;
}

int heap_free(struct heap *h, void *ptr)
{
	unsigned long p = (unsigned long)ptr, c = p - HEAP_CHUNK_HDR;
	long mi;
	int err = 0;

	if (!ptr)
		return 0;
	switch (block_of(h, "free", p, &mi, &err)) {
	case BLOCK_NONE:
		return err;
	case BLOCK_MMAP:
		h->usable_bytes -= chunk_size(h, c) - HEAP_CHUNK_HDR;
		munmap_chunk(h, mi);
		break;
	case BLOCK_BRK:
		count_inuse(h, c, -(long)chunk_size(h, c));
		free_chunk(h, c);
		break;
	}
	h->frees++;
	debug_check_heap(h, "free");
	return 0;
}

size_t heap_malloc_usable_size(struct heap *h, void *ptr)
{
	unsigned long p = (unsigned long)ptr;
	long mi;
	int err;

	if (!ptr)
		return 0;
	switch (block_of(h, "malloc_usable_size", p, &mi, &err)) {
	case BLOCK_MMAP:
		return chunk_size(h, p - HEAP_CHUNK_HDR) - HEAP_CHUNK_HDR;
	case BLOCK_BRK:
		return chunk_size(h, p - HEAP_CHUNK_HDR) - SIZE_SZ;
	default:
		return 0;
	}
}

/* ---- calloc, realloc, aligned_alloc ------------------------------------------- */

void *heap_calloc(struct heap *h, size_t n, size_t size)
{
	unsigned long nb, clean, p, usable, end;
	size_t total;
	int mm;

	h->mallocs++;
	if (__builtin_mul_overflow(n, size, &total)) {
		h->errors++;
		kalloc_report(h->m, KERR_OVERFLOW, "calloc(%zu, %zu): n * size overflows", n, size);
		return NULL;
	}
	if (request2size(h, "calloc", total, &nb))
		return NULL;
	p = int_malloc(h, nb, &mm, &clean);
	/* A fresh mapping is zero, and so is what the break gave and nobody
	 * used since (glibc's csz = oldtopsize): clear only the rest. */
	if (p && !mm && p < clean) {
		usable = chunk_size(h, p - HEAP_CHUNK_HDR) - SIZE_SZ;
		end = p + usable < clean ? p + usable : clean;
		mm_memset(h->mm, p, 0, end - p);
	}
	debug_check_heap(h, "calloc");
	return (void *)p;
}

/* Give the tail of in-use brk chunk @c (now @size) beyond @nb back. */
static void split_tail(struct heap *h, unsigned long c, unsigned long size, unsigned long nb)
{
	unsigned long rem = c + nb;

	if (size - nb < MINSIZE)
		return;
	set_head(h, c, nb | (rd(h, c + SIZE_SZ) & PREV_INUSE));
	set_head(h, rem, (size - nb) | PREV_INUSE);
	count_inuse(h, c, -(long)size);
	count_inuse(h, c, (long)nb);
	free_chunk(h, rem);
}

/* Copy @n bytes of user memory from @src to @dst, a page at a time. */
static void user_copy(struct heap *h, unsigned long dst, unsigned long src, size_t n)
{
	unsigned char buf[PAGE_SIZE];

	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		mm_read(h->mm, src, buf, k);
		mm_write(h->mm, dst, buf, k);
		src += k;
		dst += k;
		n -= k;
	}
}

void *heap_realloc(struct heap *h, void *ptr, size_t n)
{
	unsigned long p = (unsigned long)ptr, c = p - HEAP_CHUNK_HDR, nb, size, next, old_usable = 0, q;
	long mi;
	int err;

	if (!ptr)
		return heap_malloc(h, n);
	h->reallocs++;
	if (n == 0) {
		heap_free(h, ptr);
		return NULL;
	}
	switch (block_of(h, "realloc", p, &mi, &err)) {
	case BLOCK_NONE:
		return NULL;
	case BLOCK_MMAP:
		if (request2size(h, "realloc", n, &nb))
			return NULL;
		old_usable = chunk_size(h, c) - HEAP_CHUNK_HDR;
		if (old_usable + SIZE_SZ >= nb)		/* it fits where it is */
			return ptr;
		break;
	case BLOCK_BRK:
		if (request2size(h, "realloc", n, &nb))
			return NULL;
		size = chunk_size(h, c);
		old_usable = size - SIZE_SZ;
		next = c + size;
		if (size >= nb) {
			split_tail(h, c, size, nb);
			debug_check_heap(h, "realloc");
			return ptr;
		}
		if (next == h->top && size + top_size(h) >= nb + MINSIZE) {
			set_head(h, c, nb | (rd(h, c + SIZE_SZ) & PREV_INUSE));
			count_inuse(h, c, -(long)size);
			count_inuse(h, c, (long)nb);
			h->top = c + nb;
			write_top(h);
			debug_check_heap(h, "realloc");
			return ptr;
		}
		if (next != h->top) {
			unsigned long nsize = chunk_size(h, next);

			if (!prev_inuse(h, next + nsize) && size + nsize >= nb) {
				unlink_free(h, next, nsize);
				set_head(h, next + nsize, rd(h, next + nsize + SIZE_SZ) | PREV_INUSE);
				set_head(h, c, (size + nsize) | (rd(h, c + SIZE_SZ) & PREV_INUSE));
				count_inuse(h, c, -(long)size);
				count_inuse(h, c, (long)(size + nsize));
				split_tail(h, c, size + nsize, nb);
				debug_check_heap(h, "realloc");
				return ptr;
			}
		}
		break;
	}
	q = (unsigned long)heap_malloc(h, n);
	if (!q)
		return NULL;		/* the old block stays as it was */
	user_copy(h, q, p, old_usable < n ? old_usable : n);
	heap_free(h, ptr);
	return (void *)q;
}

void *heap_aligned_alloc(struct heap *h, size_t align, size_t n)
{
	unsigned long nb, clean, p, c, size, newp, nc, lead;
	int mm;

	if (!align || (align & (align - 1))) {
		h->errors++;
		kalloc_report(h->m, KERR_INVAL, "aligned_alloc(%zu, %zu): alignment not a power of two", align, n);
		return NULL;
	}
	if (align <= HEAP_ALIGNMENT)
		return heap_malloc(h, n);
	h->mallocs++;
	if (request2size(h, "aligned_alloc", n, &nb) || nb + align + MINSIZE < nb)
		return NULL;
	/* _int_memalign: enough to find an aligned spot, then give back the
	 * leader (at least MINSIZE) and the tail. */
	p = int_malloc(h, ALIGN(nb + align + MINSIZE + SIZE_SZ, HEAP_ALIGNMENT), &mm, &clean);
	if (!p)
		return NULL;
	c = p - HEAP_CHUNK_HDR;
	size = chunk_size(h, c);
	if (p % align) {
		newp = ALIGN(p, align);
		if (newp - p < MINSIZE)
			newp += align;
		lead = newp - p;
		nc = newp - HEAP_CHUNK_HDR;
		if (mm) {
			long mi = mmapped_find(h, p);

			wr(h, nc, rd(h, c) + lead);
			set_head(h, nc, (size - lead) | IS_MMAPPED);
			h->mmapped[mi].p = newp;
			h->usable_bytes -= lead;
			debug_check_heap(h, "aligned_alloc");
			return (void *)newp;
		}
		set_head(h, nc, (size - lead) | PREV_INUSE);
		set_head(h, c, lead | (rd(h, c + SIZE_SZ) & PREV_INUSE));
		count_inuse(h, c, -(long)size);
		count_inuse(h, nc, (long)(size - lead));
		free_chunk(h, c);
		c = nc;
		size -= lead;
		p = newp;
	}
	if (!mm)
		split_tail(h, c, size, nb);
	debug_check_heap(h, "aligned_alloc");
	return (void *)p;
}

/* ---- statistics and the check --------------------------------------------------- */

void heap_stats(const struct heap *h, struct heap_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->arena = h->end - h->start;
	out->ordblks = h->nr_free;
	out->hblks = h->nr_mmapped;
	out->hblkhd = h->mmapped_bytes;
	out->uordblks = h->inuse_bytes;
	out->fordblks = h->free_bytes + top_size(h);
	out->keepcost = top_size(h);
	out->in_use = h->usable_bytes;
	out->mallocs = h->mallocs;
	out->frees = h->frees;
	out->reallocs = h->reallocs;
	out->sbrks = h->sbrks;
	out->trims = h->trims;
	out->mmaps = h->mmaps;
	out->munmaps = h->munmaps;
	out->errors = h->errors;
}

int heap_check(struct heap *h, struct kalloc_check *out)
{
	unsigned long c, size, head, next, nfree = 0, ninuse = 0, live_bits = 0, n;
	size_t fbytes = 0, ibytes = 0, usable = 0, mbytes = 0;
	int prev_free = 0, code = 0;
	uint64_t *freemap;

	if (out) {
		out->code = INV_OK;
		out->msg[0] = 0;
	}
	freemap = calloc(h->live_words ? h->live_words : 1, sizeof(uint64_t));
	if (!freemap)
		return 0;
	for (c = h->start; c < h->top; c = next) {
		head = rd(h, c + SIZE_SZ);
		size = head & ~SIZE_BITS;
		next = c + size;
		if (size % HEAP_ALIGNMENT || size < MINSIZE || next > h->top || (head & IS_MMAPPED)) {
			code = kalloc_fail(out, INV_HEAP_CHUNK, "chunk %#lx: size field %#lx (top %#lx)", c, head, h->top);
			goto out;
		}
		if (!!(head & PREV_INUSE) == prev_free) {
			code = kalloc_fail(out, INV_HEAP_PREV_INUSE, "chunk %#lx: PREV_INUSE %lu, the chunk before is %s",
					   c, head & PREV_INUSE, prev_free ? "free" : "in use");
			goto out;
		}
		prev_free = next < h->top ? !prev_inuse(h, next) : !(rd(h, next + SIZE_SZ) & PREV_INUSE);
		if (prev_free) {
			if (!(head & PREV_INUSE) || next == h->top) {
				code = kalloc_fail(out, INV_HEAP_NOT_MERGED, "free chunk %#lx follows a free chunk or "
						   "precedes the top", c);
				goto out;
			}
			if (rd(h, next) != size) {
				code = kalloc_fail(out, INV_HEAP_FOOTER, "free chunk %#lx of %lu bytes: footer %lu", c,
						   size, (unsigned long)rd(h, next));
				goto out;
			}
			if (live_test(h, c)) {
				code = kalloc_fail(out, INV_HEAP_LIVEMAP, "free chunk %#lx is marked live", c);
				goto out;
			}
			n = (c - h->start) / HEAP_ALIGNMENT;
			freemap[n / 64] |= 1ULL << (n % 64);
			nfree++;
			fbytes += size;
		} else {
			if (!live_test(h, c)) {
				code = kalloc_fail(out, INV_HEAP_LIVEMAP, "chunk %#lx in use is not marked live", c);
				goto out;
			}
			ninuse++;
			ibytes += size;
			usable += size - SIZE_SZ;
		}
	}
	if (c != h->top || (h->end > h->top && rd(h, h->top + SIZE_SZ) != (top_size(h) | PREV_INUSE)) ||
	    mm_get_brk(h->mm) != h->end) {
		code = kalloc_fail(out, INV_HEAP_TOP, "top %#lx (walk ends at %#lx), header %#lx for %lu bytes to the "
				   "break %#lx (the mm's %#lx)", h->top, c, h->end > h->top ?
				   (unsigned long)rd(h, h->top + SIZE_SZ) : 0UL, top_size(h), h->end, mm_get_brk(h->mm));
		goto out;
	}
	for (size_t w = 0; w < h->live_words; w++)
		if (h->live[w])		/* most words are empty: no popcount call for them */
			live_bits += (unsigned long)__builtin_popcountll(h->live[w]);
	if (live_bits != ninuse) {
		code = kalloc_fail(out, INV_HEAP_LIVEMAP, "%lu live bits for %lu chunks in use", live_bits, ninuse);
		goto out;
	}
	n = 0;
	for (unsigned int b = 0; b < HEAP_NBINS; b++) {
		if (!!h->bins[b] != !!((h->binmap[b / 64] >> (b % 64)) & 1)) {
			code = kalloc_fail(out, INV_HEAP_FREELIST, "bin %u: head %#lx, map bit %d", b, h->bins[b],
					   (int)((h->binmap[b / 64] >> (b % 64)) & 1));
			goto out;
		}
		for (unsigned long f = h->bins[b], bk = 0; f; bk = f, f = rd(h, f + 16)) {
			unsigned long bit = (f - h->start) / HEAP_ALIGNMENT;

			if (f < h->start || f >= h->top || (f & (HEAP_ALIGNMENT - 1)) ||
			    !((freemap[bit / 64] >> (bit % 64)) & 1) || rd(h, f + 24) != bk || n++ > nfree ||
			    bin_index(chunk_size(h, f)) != b) {
				code = kalloc_fail(out, INV_HEAP_FREELIST, "bin %u entry %lu: %#lx (bk %#lx, expected "
						   "%#lx)", b, n, f, f >= h->start && f < h->top ?
						   (unsigned long)rd(h, f + 24) : 0UL, bk);
				goto out;
			}
		}
	}
	if (n != nfree || n != h->nr_free || fbytes != h->free_bytes) {
		code = kalloc_fail(out, INV_HEAP_FREE_COUNT, "%lu chunks on the list, %lu free in the heap, nr_free %lu; "
				   "%zu free bytes, counted %zu", n, nfree, h->nr_free, fbytes, h->free_bytes);
		goto out;
	}
	for (unsigned long i = 0; i < h->nr_mmapped; i++) {
		const struct heap_mmapped *r = &h->mmapped[i];
		unsigned long off = r->p - HEAP_CHUNK_HDR - r->map;

		head = rd(h, r->p - SIZE_SZ);
		if ((i && r->p <= h->mmapped[i - 1].p) || (r->map & (PAGE_SIZE - 1)) || off >= r->len ||
		    !(head & IS_MMAPPED) || (head & ~SIZE_BITS) != r->len - off || rd(h, r->p - HEAP_CHUNK_HDR) != off) {
			code = kalloc_fail(out, INV_HEAP_MMAPPED, "mmapped chunk %#lx: mapping %#lx+%lu, header %#lx",
					   r->p, r->map, r->len, head);
			goto out;
		}
		mbytes += r->len;
		usable += r->len - off - HEAP_CHUNK_HDR;
	}
	if (ninuse != h->nr_inuse || ibytes != h->inuse_bytes || mbytes != h->mmapped_bytes || usable != h->usable_bytes)
		code = kalloc_fail(out, INV_HEAP_ACCOUNTING, "%lu chunks / %zu bytes in use (counted %lu / %zu), %zu mmapped "
				   "(%zu), %zu usable (%zu)", ninuse, ibytes, h->nr_inuse, h->inuse_bytes, mbytes,
				   h->mmapped_bytes, usable, h->usable_bytes);
out:
	free(freemap);
	return code;
}
