/* physmem.h - physical memory: frames, their owners, and where they are mapped.
 *
 * The machine's frames live in one memfd.  The direct map is that memfd
 * mapped shared at machine_base() (frame pfn at base + pfn * PAGE_SIZE), and
 * any frame can be mapped a second time, page by page, in a host window that
 * an upper layer reserved (the VMALLOC range, a process's address space).
 * Both addresses are the same memory: a byte written through one reads back
 * through the other.
 *
 * Every frame has an owner, one of the table below, and the machine counts
 * the pages of each owner.  The buddy allocator hands a block out owned by
 * PAGE_OWNER_PAGES (the caller of alloc_pages); a layer that keeps the block
 * names itself the owner, and gives it back to PAGE_OWNER_PAGES before it
 * frees it.  A new layer adds a line to PAGE_OWNERS and nothing else: the
 * buddy allocator never learns who its callers are.
 *
 * The internal API for upper layers (windows, mapping, owners) is in
 * internal.h, section "physmem.c".  This header is the public part: owner
 * names, per-owner counts, window statistics, the check.  buddy.h's
 * struct page_stats fills its slab and kmalloc_large fields from the owners.
 */
#ifndef KALLOC_PHYSMEM_H
#define KALLOC_PHYSMEM_H

#include "machine.h"

/* Owners, in one table: code, name (as page_owner_name() prints it).
 * Codes are stable: append, never renumber. */
#define PAGE_OWNERS(X)							\
	X(PAGE_OWNER_FREE,		"free")		/* buddy free lists */	\
	X(PAGE_OWNER_PCP,		"pcp")		/* buddy per-CPU lists */ \
	X(PAGE_OWNER_PAGES,		"pages")	/* alloc_pages caller */ \
	X(PAGE_OWNER_SLAB,		"slab")		/* a slab of a cache */	\
	X(PAGE_OWNER_LARGE_KMALLOC,	"kmalloc_large") /* kmalloc above the caches */ \
	X(PAGE_OWNER_VMALLOC,		"vmalloc")	/* a vmalloc area's page */ \
	X(PAGE_OWNER_USER,		"user")		/* a process's anonymous page */ \
	X(PAGE_OWNER_PGTABLE,		"pagetable")	/* a process's page table */

enum page_owner {
#define PAGE_OWNER_ENUM(code, name) code,
	PAGE_OWNERS(PAGE_OWNER_ENUM)
#undef PAGE_OWNER_ENUM
	NR_PAGE_OWNERS
};

/* "slab" for PAGE_OWNER_SLAB; "?" for a code out of range. */
const char *page_owner_name(int owner);

/* Pages each owner holds now; @out has NR_PAGE_OWNERS entries and adds up
 * to machine_nr_pages(). */
void page_owner_counts(const struct machine *m, unsigned long *out);

/* Host windows in use and the frames mapped in them. */
struct physmem_stats {
	unsigned int windows;		/* reserved by upper layers now */
	unsigned long window_pages;	/* their size, in pages */
	unsigned long mapped;		/* window pages with a frame mapped */
	unsigned long map_calls, unmap_calls;	/* host mmap calls made for them */
};
void physmem_stats(const struct machine *m, struct physmem_stats *out);

/* The owner table and the windows: see check.h's INV_PHYS_* codes. */
int physmem_check(struct machine *m, struct kalloc_check *out);

#endif
