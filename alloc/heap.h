/* heap.h - malloc on brk inside a simulated process (after glibc's
 * malloc/malloc.c, main arena only).
 *
 * A boundary-tag heap in the process's brk area, with glibc's documented
 * policy where it shows from outside: 16-byte alignment, chunk headers of
 * 16 bytes in user memory, the heap grown by brk with a 128 KiB top pad,
 * requests whose chunk is 128 KiB or more served by a mmap of their own
 * (M_MMAP_THRESHOLD, here fixed as after mallopt: glibc's threshold moves
 * up when such a block is freed), the top trimmed when 128 KiB or more of
 * it is free (M_TRIM_THRESHOLD, keeping M_TOP_PAD).  Every chunk header,
 * free-list link and footer is read and written through mm_read/mm_write,
 * so metadata faults pages in as glibc's does.
 *
 * Caller mistakes never crash: a free or realloc of a pointer that is not
 * a live block (interior, foreign, already freed) returns -KERR_* and is
 * reported with glibc's words ("free(): invalid pointer", "double free or
 * corruption (!prev)"), the heap unchanged.  malloc(SIZE_MAX) and an
 * overflowing calloc return NULL and are reported too.
 *
 * Entry points: heap_create(), heap_destroy(), heap_malloc(), heap_free(),
 * heap_calloc(), heap_realloc(), heap_aligned_alloc(),
 * heap_malloc_usable_size(), heap_stats(), heap_check().
 */
#ifndef KALLOC_HEAP_H
#define KALLOC_HEAP_H

#include <stddef.h>
#include "mm.h"

struct heap;

/* glibc's defaults on x86-64 (malloc.c, mallopt(3)). */
#define HEAP_ALIGNMENT		16
#define HEAP_CHUNK_HDR		16		/* prev_size + size */
#define HEAP_MINSIZE		32		/* smallest chunk */
#define HEAP_TOP_PAD		(128UL << 10)	/* M_TOP_PAD */
#define HEAP_MMAP_THRESHOLD	(128UL << 10)	/* M_MMAP_THRESHOLD */
#define HEAP_TRIM_THRESHOLD	(128UL << 10)	/* M_TRIM_THRESHOLD */

struct heap_config {
	size_t top_pad, mmap_threshold, trim_threshold;	/* 0: the defaults above */
};

/* A malloc state for @mm, its heap starting at the current break.  NULL
 * (reported) without host memory.  A NULL @cfg means the defaults. */
struct heap *heap_create(struct mm_struct *mm, const struct heap_config *cfg);
/* Unmap every mmapped chunk and set the break back to the heap's start:
 * every page the heap had is freed. */
void heap_destroy(struct heap *h);

/* The C library's contract.  NULL on failure (reported: the request too big
 * for any mapping, or the process's commit limit reached). */
void *heap_malloc(struct heap *h, size_t size);
void *heap_calloc(struct heap *h, size_t n, size_t size);
/* realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL. */
void *heap_realloc(struct heap *h, void *p, size_t size);
/* @align a power of two (else NULL and KERR_INVAL), any size. */
void *heap_aligned_alloc(struct heap *h, size_t align, size_t size);
/* 0, or -KERR_NOT_HEAD / -KERR_DOUBLE_FREE (reported, nothing changed).
 * free(NULL) is 0. */
int heap_free(struct heap *h, void *p);
/* Bytes usable at @p (chunk size - 8, mmapped: - 16); 0 for NULL or a
 * pointer that is not a live block (reported). */
size_t heap_malloc_usable_size(struct heap *h, void *p);

/* mallinfo2(3)'s fields, and the heap's own counters. */
struct heap_stats {
	size_t arena;		/* bytes of brk heap */
	size_t ordblks;		/* free chunks (the top not counted) */
	size_t hblks, hblkhd;	/* mmapped chunks, their bytes */
	size_t uordblks;	/* bytes in in-use brk chunks */
	size_t fordblks;	/* free bytes in the brk heap, the top included */
	size_t keepcost;	/* the top chunk's size */
	size_t in_use;		/* usable bytes of every live block */
	unsigned long mallocs, frees, reallocs, sbrks, trims, mmaps, munmaps, errors;
};
void heap_stats(const struct heap *h, struct heap_stats *out);

/* Walk every chunk, the free list and the mmapped chunks; check.h's
 * INV_HEAP_* codes.  Reads headers through the mm (faulting nothing in). */
int heap_check(struct heap *h, struct kalloc_check *out);

#endif
