/* kalloc.h - the whole public API: include this one header.
 *
 * Layers, each using only the one below it:
 *   vmalloc.h  virtually contiguous areas  (mm/vmalloc.c, kvmalloc: mm/util.c)
 *   kmalloc.h  general size classes        (mm/slab_common.c)
 *   slab.h     SLUB-style object caches    (mm/slub.c)
 *   buddy.h    binary buddy page allocator (mm/page_alloc.c)
 *   physmem.h  frames (a memfd, mappable twice), page owners
 *   machine.h  the machine: configuration, zones, error sink, checks
 *   check.h    the invariant codes every check reports
 */
#ifndef KALLOC_H
#define KALLOC_H

#include "machine.h"
#include "check.h"
#include "physmem.h"
#include "buddy.h"
#include "slab.h"
#include "kmalloc.h"
#include "vmalloc.h"

#endif
