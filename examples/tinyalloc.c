/* tinyalloc.c - see tinyalloc.h.
 *
 * Layout: one mapping holds the arena, a second the granule map.
 *
 *   arena  [ block | gap | block | block | ... | top -> unused ]
 *   map    one byte per 16-byte granule of the arena:
 *          0                  no block starts here
 *          MAP_LIVE | c + 1   a live block of class c starts here
 *          c + 1              a free block of class c starts here; its first
 *                             8 bytes link it into free[c]
 *
 * A block of class c is 16 << c bytes and starts at a multiple of
 * min(16 << c, 4096), so aligned_alloc(a, n) is malloc(max(n, a)).  The
 * gap left when top is aligned up is never used again: this is an example,
 * not a good allocator.  A free block of 64 KiB or more gives its pages
 * after the first back to the OS (MADV_DONTNEED: they read as zero again),
 * so calloc of it clears one page and the arena's resident size follows the
 * live blocks.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "tinyalloc.h"

#define GRANULE		16
#define NR_CLASSES	27		/* 16 B .. 1 GiB */
#define MAX_ALIGN	4096
#define MAP_LIVE	0x80u
#define MAP_CLASS	0x1fu
#define PAGE		4096
#define RELEASE_MIN	((size_t)64 << 10)

struct tinyalloc {
	char *base;
	size_t size, top;		/* arena bytes; first never-used offset */
	uint8_t *map;
	void *free[NR_CLASSES];
	size_t in_use;
};

static size_t class_size(unsigned int c)
{
	return (size_t)GRANULE << c;
}

/* The smallest class that holds @size bytes; NR_CLASSES if none does. */
static unsigned int class_of(size_t size)
{
	unsigned int c = 0;

	while (c < NR_CLASSES && class_size(c) < size)
		c++;
	return c;
}

struct tinyalloc *ta_create(size_t arena_bytes)
{
	static const size_t round = 64 << 10;
	size_t size = (arena_bytes + round - 1) / round * round;
	int prot = PROT_READ | PROT_WRITE, fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	struct tinyalloc *ta = mmap(NULL, sizeof(*ta), prot, fl, -1, 0);

	if (ta == MAP_FAILED)
		return NULL;
	memset(ta, 0, sizeof(*ta));
	ta->size = size;
	ta->base = mmap(NULL, size, prot, fl, -1, 0);
	ta->map = mmap(NULL, size / GRANULE, prot, fl, -1, 0);
	if (ta->base == MAP_FAILED || ta->map == MAP_FAILED) {
		ta->base = ta->base == MAP_FAILED ? NULL : ta->base;
		ta->map = ta->map == MAP_FAILED ? NULL : ta->map;
		ta_destroy(ta);
		return NULL;
	}
	return ta;
}

void ta_destroy(struct tinyalloc *ta)
{
	if (!ta)
		return;
	if (ta->base)
		munmap(ta->base, ta->size);
	if (ta->map)
		munmap(ta->map, ta->size / GRANULE);
	munmap(ta, sizeof(*ta));
}

static void *block_alloc(struct tinyalloc *ta, unsigned int c)
{
	size_t align = class_size(c) < MAX_ALIGN ? class_size(c) : MAX_ALIGN, off;
	char *p = ta->free[c];

	if (p) {
		memcpy(&ta->free[c], p, sizeof(void *));
	} else {
		off = (ta->top + align - 1) / align * align;
		if (off > ta->size || ta->size - off < class_size(c))
			return NULL;
		ta->top = off + class_size(c);
		p = ta->base + off;
	}
	ta->map[(size_t)(p - ta->base) / GRANULE] = (uint8_t)(MAP_LIVE | (c + 1));
	ta->in_use += class_size(c);
	return p;
}

void *ta_malloc(struct tinyalloc *ta, size_t size)
{
	unsigned int c = class_of(size ? size : 1);

	return c < NR_CLASSES ? block_alloc(ta, c) : NULL;
}

void *ta_calloc(struct tinyalloc *ta, size_t n, size_t size)
{
	size_t len = n * size, dirty = len;
	unsigned int c;
	char *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	c = class_of(len ? len : 1);
	if (c >= NR_CLASSES)
		return NULL;
	/* From the top: never written.  A released block: its link page only. */
	if (!ta->free[c])
		dirty = 0;
	else if (class_size(c) >= RELEASE_MIN && len > PAGE)
		dirty = PAGE;
	p = block_alloc(ta, c);
	if (p)
		memset(p, 0, dirty);
	return p;
}

void *ta_aligned_alloc(struct tinyalloc *ta, size_t align, size_t size)
{
	if (!align || (align & (align - 1)) || align > MAX_ALIGN)
		return NULL;
	return ta_malloc(ta, size > align ? size : align);
}

/* The map byte of the block starting at @p, or the reason there is none. */
static int lookup(const struct tinyalloc *ta, const void *p, uint8_t *m)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)ta->base;

	if (a < lo || a >= lo + ta->top)
		return TA_EFOREIGN;
	if ((a - lo) % GRANULE || !(*m = ta->map[(a - lo) / GRANULE]))
		return TA_EINTERIOR;
	return (*m & MAP_LIVE) ? TA_OK : TA_EDOUBLE;
}

int ta_free(struct tinyalloc *ta, void *p)
{
	uint8_t m = 0;
	int rc;

	if (!p)
		return TA_OK;
	rc = lookup(ta, p, &m);
	if (rc)
		return rc;
	unsigned int c = (m & MAP_CLASS) - 1;

	ta->map[(size_t)((char *)p - ta->base) / GRANULE] = (uint8_t)(c + 1);
	if (class_size(c) >= RELEASE_MIN)
		madvise((char *)p + PAGE, class_size(c) - PAGE, MADV_DONTNEED);
	memcpy(p, &ta->free[c], sizeof(void *));
	ta->free[c] = p;
	ta->in_use -= class_size(c);
	return TA_OK;
}

size_t ta_usable_size(struct tinyalloc *ta, const void *p)
{
	uint8_t m = 0;

	return p && lookup(ta, p, &m) == TA_OK ? class_size((m & MAP_CLASS) - 1) : 0;
}

void *ta_realloc(struct tinyalloc *ta, void *p, size_t size)
{
	size_t old = ta_usable_size(ta, p);
	void *q;

	if (!p)
		return ta_malloc(ta, size);
	if (!old)
		return NULL;	/* not a live block: refuse, change nothing */
	if (size <= old && class_of(size ? size : 1) == class_of(old))
		return p;
	q = ta_malloc(ta, size);
	if (!q)
		return NULL;	/* C: the old block stays */
	memcpy(q, p, old < size ? old : size);
	ta_free(ta, p);
	return q;
}

size_t ta_in_use(const struct tinyalloc *ta)
{
	return ta->in_use;
}

void ta_bounds(const struct tinyalloc *ta, void **lo, void **hi)
{
	*lo = ta->base;
	*hi = ta->base + ta->size;
}

int ta_check(const struct tinyalloc *ta, const char **why)
{
	size_t listed = 0, free_starts = 0, live = 0;

	for (unsigned int c = 0; c < NR_CLASSES; c++)
		for (const char *p = ta->free[c]; p; listed++) {
			uint8_t m = 0;

			if (listed > ta->size / GRANULE || lookup(ta, p, &m) != TA_EDOUBLE ||
			    (m & MAP_CLASS) != c + 1) {
				*why = "free list holds something that is not a free block of its class";
				return -1;
			}
			memcpy(&p, p, sizeof(void *));
		}
	for (size_t g = 0; g < ta->top / GRANULE; g++) {
		uint8_t m = ta->map[g];

		if (m && (m & MAP_LIVE))
			live += class_size((m & MAP_CLASS) - 1);
		else if (m)
			free_starts++;
	}
	if (free_starts != listed) {
		*why = "free blocks in the map and on the free lists differ";
		return -2;
	}
	if (live != ta->in_use) {
		*why = "in_use differs from the live blocks in the map";
		return -3;
	}
	return 0;
}
