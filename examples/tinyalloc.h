/* tinyalloc.h - a small size-class allocator over one mmap'd arena, written
 * the way a user of the harness would write one (see examples/README.md).
 *
 * Blocks come in power-of-two classes of 16 bytes to 1 GiB; each class has
 * a free list, and new blocks are cut from the arena's top, aligned to
 * min(class, 4096).  Metadata lives outside the blocks (one byte per
 * 16-byte granule), so a wrong free is recognised without reading the
 * caller's bytes, and refused without changing anything.
 *
 * Entry points: ta_create(), ta_destroy(), ta_malloc() and friends, ta_check().
 */
#ifndef TINYALLOC_H
#define TINYALLOC_H

#include <stddef.h>

struct tinyalloc;

/* How a free can fail; ta_free() returns one of these (0 on success). */
enum ta_error {
	TA_OK = 0,
	TA_EFOREIGN = -1,	/* not inside the arena */
	TA_EINTERIOR = -2,	/* inside the arena, but not where a block starts */
	TA_EDOUBLE = -3,	/* a block that is already free */
};

/* A fresh allocator over @arena_bytes of address space (rounded up to 64 KiB;
 * reserved, not committed).  NULL if the mapping fails. */
struct tinyalloc *ta_create(size_t arena_bytes);
/* Unmaps everything; every block is gone. */
void ta_destroy(struct tinyalloc *ta);

/* The malloc family.  NULL when the request does not fit a class or the
 * arena is full.  Note: aligned_alloc takes any power of two up to 4096. */
void *ta_malloc(struct tinyalloc *ta, size_t size);
void *ta_calloc(struct tinyalloc *ta, size_t n, size_t size);
void *ta_realloc(struct tinyalloc *ta, void *p, size_t size);
void *ta_aligned_alloc(struct tinyalloc *ta, size_t align, size_t size);
/* 0, or an enum ta_error with nothing changed.  NULL is a no-op. */
int ta_free(struct tinyalloc *ta, void *p);
/* The class size of live block @p; 0 for anything else. */
size_t ta_usable_size(struct tinyalloc *ta, const void *p);

/* Bytes in live blocks (class sizes), and the arena's extent. */
size_t ta_in_use(const struct tinyalloc *ta);
void ta_bounds(const struct tinyalloc *ta, void **lo, void **hi);
/* Walk every free list and the granule map: 0, or a negative code with a
 * one-line reason in *@why. */
int ta_check(const struct tinyalloc *ta, const char **why);

#endif
