/* check.h - every invariant the layer checks verify, with its message.
 *
 * One table, so that a code printed by a fuzzer, a property test or a person
 * always means the same thing.  Codes are stable: append, never renumber.
 * Each check returns the first violated invariant (see struct kalloc_check in
 * machine.h); tests/test_check.c corrupts exactly one thing per code and
 * expects exactly that code.
 */
#ifndef KALLOC_CHECK_H
#define KALLOC_CHECK_H

#define KALLOC_INVARIANTS(X)						\
	X(INV_OK,			"healthy")				\
	/* buddy allocator (buddy_check) */					\
	X(INV_BUDDY_NR_FREE,		"nr_free of a free list differs from its length") \
	X(INV_BUDDY_NOT_BUDDY,		"page on a free list is not marked PG_buddy") \
	X(INV_BUDDY_ORDER,		"free block's order differs from its list's order") \
	X(INV_BUDDY_MISALIGNED,		"free block is not aligned to its order") \
	X(INV_BUDDY_ZONE,		"free block lies outside its zone")	\
	X(INV_BUDDY_NOT_MERGED,		"free block and its buddy are both free: blocks should have coalesced") \
	X(INV_BUDDY_STRAY,		"page marked PG_buddy is on no free list") \
	X(INV_BUDDY_OVERLAP,		"page inside a block carries state of its own") \
	X(INV_BUDDY_LOST,		"page is neither free nor part of an allocated block") \
	X(INV_BUDDY_FREE_PAGES,		"zone's free page counter differs from its free blocks") \
	X(INV_BUDDY_PCP,		"per-CPU list holds a page not marked PG_pcp or has a wrong count") \
	X(INV_BUDDY_ACCOUNTING,		"free + per-CPU + allocated pages differ from the zone's pages") \
	X(INV_BUDDY_LAYERS,		"pages per owner differ from the free, per-CPU and allocated pages") \
	/* slab allocator (slab_check) */					\
	X(INV_SLAB_PAGE,		"slab on a cache's list is not a slab page of that cache") \
	X(INV_SLAB_FREELIST_RANGE,	"freelist entry lies outside its slab")	\
	X(INV_SLAB_FREELIST_ALIGN,	"freelist entry is not on an object boundary") \
	X(INV_SLAB_FREELIST_CYCLE,	"freelist is longer than the slab's object count (cycle)") \
	X(INV_SLAB_FREELIST_LIVE,	"object on the freelist is marked allocated") \
	X(INV_SLAB_INUSE,		"slab's inuse differs from objects minus its freelist") \
	X(INV_SLAB_OBJMAP,		"live-object map disagrees with the slab's inuse") \
	X(INV_SLAB_LIST,		"slab is on the wrong list for its state") \
	X(INV_SLAB_NR_PARTIAL,		"nr_partial differs from the partial list's length") \
	X(INV_SLAB_NR_SLABS,		"nr_slabs or total_objects differ from the slabs counted") \
	X(INV_SLAB_UNACCOUNTED,		"slab page belongs to no slab of its cache") \
	X(INV_SLAB_PAGES,		"slab layer's page counter differs from its slabs' pages") \
	X(INV_SLAB_POISON,		"free object's poison overwritten (write after free)") \
	/* kmalloc (kmalloc_check) */						\
	X(INV_KMALLOC_CACHE,		"kmalloc cache missing or of the wrong size") \
	X(INV_KMALLOC_INDEX,		"size index does not pick the smallest class that fits") \
	X(INV_KMALLOC_LARGE,		"large kmalloc page counters differ from the pages marked") \
	/* appended: page owners (buddy_check) and physical memory (physmem_check) */ \
	X(INV_BUDDY_OWNER,		"free or per-CPU page not owned by the buddy allocator, or an allocated block that is") \
	X(INV_PHYS_OWNER,		"page owner out of range, or an owner on a page that heads no block") \
	X(INV_PHYS_OWNER_PAGES,		"per-owner page counter differs from the pages that owner holds") \
	X(INV_PHYS_WINDOW,		"window's frame table names no frame or its mapped count is wrong") \
	X(INV_PHYS_MAPCOUNT,		"frame's mapcount differs from the window slots mapping it") \
	X(INV_PHYS_MAPPED_FREE,		"frame mapped in a window is free") \
	/* slab allocator, appended (slab_check) */				\
	X(INV_SLAB_CACHE_TAG,		"cache's handle tag does not match its list (live or destroyed), or a destroyed cache holds slabs") \
	/* appended: vmalloc (vmalloc_check) */					\
	X(INV_VMALLOC_ORDER,		"vmap areas are not sorted by address or overlap (guard pages included)") \
	X(INV_VMALLOC_RANGE,		"vmap area runs past the VMALLOC range") \
	X(INV_VMALLOC_AREA,		"area's size, pages and request disagree") \
	X(INV_VMALLOC_MAPPING,		"area page is not mapped at its address to the frame the area holds") \
	X(INV_VMALLOC_GUARD,		"guard page after an area is mapped") \
	X(INV_VMALLOC_OWNER,		"frame of an area is not an order-0 page owned by vmalloc") \
	X(INV_VMALLOC_COUNTERS,		"area or page counters differ from the areas") \
	X(INV_VMALLOC_PAGES,		"pages owned by vmalloc differ from the areas' pages (a leaked frame)") \
	X(INV_VMALLOC_STRAY,		"a page is mapped in the VMALLOC range outside every area")

enum kalloc_invariant {
#define KALLOC_INVARIANT_ENUM(code, text) code,
	KALLOC_INVARIANTS(KALLOC_INVARIANT_ENUM)
#undef KALLOC_INVARIANT_ENUM
	NR_KALLOC_INVARIANTS
};

/* "INV_BUDDY_NOT_MERGED" and its text; "?" for a code out of range. */
const char *kalloc_invariant_name(int code);
const char *kalloc_invariant_text(int code);

#endif
