/* target_so.c - a flat C API over the allocator targets (target.h), for
 * ctypes: build/gcc/libktarget.so (every built-in target) and
 * build/gcc/libktarget-user.so (the same plus ALLOC_SRC=, as "user").
 *
 * A handle is one open instance of one target.  Every call checks that the
 * target offers the group it belongs to, so a Python caller gets NULL / an
 * error code, never a jump through a NULL pointer.  Note: blocks are the
 * allocator's; the caller must not free them through any other handle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target.h"

struct kt {
	const struct alloc_target *t;
	void *a;
};

/* Exported for ctypes; prototypes here satisfy -Wmissing-prototypes. */
const char *kt_names(void);
unsigned int kt_caps(const char *alloc);
const char *kt_what(const char *alloc);
const char *kt_package(const char *alloc);
void *kt_open(const char *alloc, char *err, size_t errlen);
void *kt_open_hdr(const char *alloc, const unsigned char hdr[8], char *err, size_t errlen);
void kt_close(void *h);
void *kt_malloc(void *h, size_t size);
void *kt_calloc(void *h, size_t n, size_t size);
void *kt_realloc(void *h, void *p, size_t size);
void *kt_aligned_alloc(void *h, size_t align, size_t size);
int kt_free(void *h, void *p);
size_t kt_usable_size(void *h, void *p);
long kt_in_use(void *h);
int kt_bounds(void *h, unsigned long *lo, unsigned long *hi);
int kt_mem_hooks(void *h);
int kt_mem_read(void *h, const void *p, void *dst, size_t len);
int kt_mem_write(void *h, void *p, const void *src, size_t len);

/* "kalloc glibc jemalloc mimalloc tcmalloc example": what this library has. */
const char *kt_names(void)
{
	return alloc_target_names();
}

/* TCAP_* bits of @alloc; 0 if unknown. */
unsigned int kt_caps(const char *alloc)
{
	const struct alloc_target *t = alloc_target_find(alloc);

	return t ? t->caps : 0;
}

/* One line describing @alloc, or NULL if unknown. */
const char *kt_what(const char *alloc)
{
	const struct alloc_target *t = alloc_target_find(alloc);

	return t ? t->what : NULL;
}

/* The Debian package that provides @alloc, or NULL. */
const char *kt_package(const char *alloc)
{
	const struct alloc_target *t = alloc_target_find(alloc);

	return t ? t->package : NULL;
}

/* An instance of @alloc opened with program header @hdr (NULL: all zero);
 * NULL with a one-line reason in @err (unknown name, library missing). */
void *kt_open_hdr(const char *alloc, const unsigned char hdr[8], char *err, size_t errlen)
{
	static const unsigned char zero[8];
	const struct alloc_target *t = alloc_target_find(alloc);
	char dummy[2];
	struct kt *k;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = 0;
	if (!t) {
		snprintf(err, errlen, "unknown allocator '%s' (choices: %s)", alloc ? alloc : "(null)",
			 alloc_target_names());
		return NULL;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->t = t;
	k->a = t->open(hdr ? hdr : zero, err, errlen);
	if (!k->a) {
		if (!err[0])
			snprintf(err, errlen, "%s: open failed", t->name);
		free(k);
		return NULL;
	}
	return k;
}

void *kt_open(const char *alloc, char *err, size_t errlen)
{
	return kt_open_hdr(alloc, NULL, err, errlen);
}

/* Close the instance; its blocks are gone.  NULL is a no-op. */
void kt_close(void *h)
{
	struct kt *k = h;

	if (!k)
		return;
	k->t->close(k->a);
	free(k);
}

static const struct alloc_target *has(void *h, unsigned int cap)
{
	struct kt *k = h;

	return k && (k->t->caps & cap) == cap ? k->t : NULL;
}

/* The malloc family; NULL (frees: -ENOSYS) when the target lacks it. */
void *kt_malloc(void *h, size_t size)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC);

	return t ? t->malloc(((struct kt *)h)->a, size) : NULL;
}

void *kt_calloc(void *h, size_t n, size_t size)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC);

	return t ? t->calloc(((struct kt *)h)->a, n, size) : NULL;
}

void *kt_realloc(void *h, void *p, size_t size)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC);

	return t ? t->realloc(((struct kt *)h)->a, p, size) : NULL;
}

void *kt_aligned_alloc(void *h, size_t align, size_t size)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC | TCAP_ALIGNED_ALLOC);

	return t ? t->aligned_alloc(((struct kt *)h)->a, align, size) : NULL;
}

/* 0, or the target's negative error (only with TCAP_REPORTS_MISUSE). */
int kt_free(void *h, void *p)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC);

	return t ? t->free(((struct kt *)h)->a, p) : -ENOSYS;
}

/* 0 when the target does not offer it. */
size_t kt_usable_size(void *h, void *p)
{
	const struct alloc_target *t = has(h, TCAP_MALLOC);

	return t && t->usable_size ? t->usable_size(((struct kt *)h)->a, p) : 0;
}

/* Bytes handed out and not had back, or -1 when the target cannot tell. */
long kt_in_use(void *h)
{
	struct kt *k = h;

	return k && k->t->in_use ? k->t->in_use(k->a) : -1;
}

/* The memory every block must lie in: 0 and [*lo, *hi), or -1 if not offered. */
int kt_bounds(void *h, unsigned long *lo, unsigned long *hi)
{
	struct kt *k = h;
	uintptr_t l, u;

	if (!k || !k->t->bounds)
		return -1;
	k->t->bounds(k->a, &l, &u);
	*lo = l;
	*hi = u;
	return 0;
}

/* Does the target's memory need its access hooks (target.h mem_read /
 * mem_write: kalloc-heap's blocks live in a simulated process)?  1 or 0. */
int kt_mem_hooks(void *h)
{
	struct kt *k = h;

	return k && k->t->mem_read && k->t->mem_write;
}

/* Copy through the hooks: 0, nonzero when the access faults; -ENOSYS when
 * the target has none (its blocks are plain memory: read them directly). */
int kt_mem_read(void *h, const void *p, void *dst, size_t len)
{
	struct kt *k = h;

	return kt_mem_hooks(h) ? k->t->mem_read(k->a, p, dst, len) : -ENOSYS;
}

int kt_mem_write(void *h, void *p, const void *src, size_t len)
{
	struct kt *k = h;

	return kt_mem_hooks(h) ? k->t->mem_write(k->a, p, src, len) : -ENOSYS;
}
