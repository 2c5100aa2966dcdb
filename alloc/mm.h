/* mm.h - a process address space over the simulated machine (Linux's
 * struct mm_struct, mm/mmap.c, mm/memory.c, fs/proc/task_mmu.c).
 *
 * A process has VMAs (the brk heap and anonymous private mappings), x86-64
 * style four-level page tables whose tables are page frames from the buddy
 * allocator, and demand paging: nothing is backed until it is touched.  A
 * write to a page that is not present allocates a zeroed frame
 * (do_anonymous_page); a read of one maps the shared zero page, which costs
 * no RSS; a write to the zero page replaces it by a zeroed frame of its own.
 * An access outside every VMA is a segmentation fault: -KERR_FAULT and a
 * report in the kernel's "segfault at" form, never a host signal.
 *
 * User memory is reached only through mm_read() and mm_write(), so every
 * fault is seen.  User addresses are host addresses inside a physmem window
 * (PROT_NONE where nothing is mapped), and every present page is really
 * mapped there: the frame the PTE names, from the memfd, so a user address
 * aliases its frame's direct-map address, as in Linux; the zero page as a
 * read-only anonymous mapping that reads as it does (the zero page is all
 * zeroes, mm_check holds it to that), so that a run of zero pages one read
 * faults in is one host mapping, not one each.
 * (Should the host refuse a mapping - vm.max_map_count bounds how many
 * scattered pages a process may map - the page stays present for the model,
 * counted in mm_stats.unaliased, and is reached through the direct map as
 * every access is anyway.)
 *
 * RSS is counted as Linux counts it (MM_ANONPAGES: frames mapped, the zero
 * page excluded) and printed in Linux's formats: the memory lines of
 * /proc/<pid>/status, /proc/<pid>/maps and /proc/<pid>/smaps_rollup.
 *
 * Memory commitment is strict (vm.overcommit_memory=2): brk and mmap fail
 * with -KERR_NOMEM when the mm's data pages would exceed its commit limit,
 * which defaults to the machine's free frames at mm_create() less an
 * allowance for page tables, so a fault on committed memory never finds the
 * machine out of frames (unless other users of the machine took them).
 *
 * Entry points: mm_create(), mm_destroy(), mm_brk()/mm_sbrk(), mm_mmap(),
 * mm_munmap(), mm_read(), mm_write(), mm_pte()/mm_pagemap(), mm_stats(),
 * proc_pid_status()/proc_pid_maps()/proc_pid_smaps_rollup(), mm_check().
 */
#ifndef KALLOC_MM_H
#define KALLOC_MM_H

#include <stddef.h>
#include <stdint.h>
#include "machine.h"

struct mm_struct;

/* The window of user addresses is [mm_base, mm_base + span): span is
 * MM_SPAN_DEFAULT unless configured.  The heap starts span / 16 into it
 * (where an ELF's data would end); mmaps are placed top-down below
 * span - span / 16 (the stack's room). */
#define MM_SPAN_DEFAULT		(1UL << 30)	/* 1 GiB */
#define MM_SPAN_MIN		(1UL << 24)

/* x86-64 page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define _PAGE_PRESENT		0x001ULL
#define _PAGE_RW		0x002ULL
#define _PAGE_USER		0x004ULL
#define _PAGE_ACCESSED		0x020ULL
#define _PAGE_DIRTY		0x040ULL
#define PTE_PFN_MASK		0x000ffffffffff000ULL

/* /proc/<pid>/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PFRAME_MASK		((1ULL << 55) - 1)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define PM_PRESENT		(1ULL << 63)

struct mm_config {
	unsigned long span;		/* bytes of address space; 0: MM_SPAN_DEFAULT */
	unsigned long commit_pages;	/* 0: free frames at create less a page-table allowance */
	int pid;			/* printed in reports; default 1 */
};

/* A new, empty process on @m: a PGD, the zero page, the window reserved,
 * an empty heap VMA at its start.  NULL (reported) when the machine has no
 * frame for them or the host cannot reserve the window.  A NULL @cfg means
 * the defaults. */
struct mm_struct *mm_create(struct machine *m, const struct mm_config *cfg);

/* Unmap everything and give every frame and page table back. */
void mm_destroy(struct mm_struct *mm);

struct machine *mm_machine(const struct mm_struct *mm);
/* The window's first address; the heap starts at mm_start_brk(). */
unsigned long mm_base(const struct mm_struct *mm);
unsigned long mm_start_brk(const struct mm_struct *mm);
unsigned long mm_get_brk(const struct mm_struct *mm);

/* The frame's owner is PAGE_OWNER_USER for a process's pages and
 * PAGE_OWNER_PGTABLE for its page tables (the PGD too); the zero page is
 * one frame per mm here (Linux has one per system), held as a plain page. */

/* Set the program break to @brk (sys_brk).  Growing maps new zero-fill
 * pages (backed on touch); shrinking unmaps and frees the frames above
 * PAGE_ALIGN(@brk).  Returns 0 or -KERR_*: below the heap's start
 * (KERR_INVAL), into another mapping or past the window (KERR_NOMEM), past
 * the commit limit (KERR_NOMEM); each reported, nothing changed. */
int mm_brk(struct mm_struct *mm, unsigned long brk);
/* sbrk(@delta): the old break in *@old, then mm_brk(old + delta). */
int mm_sbrk(struct mm_struct *mm, long delta, unsigned long *old);

/* An anonymous private read-write mapping of PAGE_ALIGN(@len) bytes, placed
 * top-down in the first gap that fits (Linux's default layout).  0 and the
 * address in *@addr, or -KERR_* (reported): @len 0 (KERR_INVAL), larger
 * than the address space, no gap or past the commit limit (KERR_NOMEM).
 * Adjacent anonymous mappings merge into one VMA (vma_merge). */
int mm_mmap(struct mm_struct *mm, size_t len, unsigned long *addr);

/* Unmap [@addr, @addr + PAGE_ALIGN(@len)), freeing its frames; the range
 * may cover parts of mappings (they are split).  -KERR_INVAL for an
 * unaligned address or a zero length, -KERR_NOT_MAPPED when any page of the
 * range is outside every anonymous mapping (the heap is brk's): reported,
 * nothing changed.  Note: Linux returns 0 for a hole; kalloc reports it. */
int mm_munmap(struct mm_struct *mm, unsigned long addr, size_t len);

/* Copy @len bytes into / out of user memory at @addr, faulting pages in on
 * the way (a one-page access that hits the mm's software TLB skips the
 * VMA lookup and the walk; an entry goes whenever its PTE changes).  0, or -KERR_FAULT when any byte of the range is outside every
 * VMA (reported as a segfault, nothing copied), or -KERR_NOMEM when a fault
 * finds no frame (reported; the pages before it are done). */
int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf, size_t len);
int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len);
/* Fill @len bytes at @addr with @byte: mm_write of a memset. */
int mm_memset(struct mm_struct *mm, unsigned long addr, int byte, size_t len);

/* The page-table entry mapping @addr (x86-64 bits above), 0 when no table
 * or entry exists.  Reading it faults nothing in. */
uint64_t mm_pte(const struct mm_struct *mm, unsigned long addr);
/* Is @addr's page present (a frame of its own or the zero page)? */
int mm_page_present(const struct mm_struct *mm, unsigned long addr);
/* /proc/<pid>/pagemap: one entry per page from @addr's page on, @n pages:
 * PM_PRESENT | pfn for a present page (PM_MMAP_EXCLUSIVE too unless it is
 * the zero page), 0 otherwise. */
void mm_pagemap(const struct mm_struct *mm, unsigned long addr, unsigned long n, uint64_t *out);
/* The zero page's frame number. */
unsigned long mm_zero_pfn(const struct mm_struct *mm);

struct mm_stats {
	unsigned long rss;		/* MM_ANONPAGES: frames mapped (not the zero page) */
	unsigned long hiwater_rss;	/* VmHWM */
	unsigned long total_vm;		/* VmSize, pages */
	unsigned long hiwater_vm;	/* VmPeak */
	unsigned long data_vm;		/* VmData: private writable pages, heap included */
	unsigned long pgtables;		/* page-table pages, the PGD included (VmPTE) */
	unsigned long zero_mapped;	/* PTEs mapping the zero page */
	unsigned long unaliased;	/* present pages without their host mapping */
	unsigned long nr_vmas;
	unsigned long faults;		/* page faults: minflt */
	unsigned long zero_faults;	/* ... of them read faults that mapped the zero page */
	unsigned long cow_faults;	/* ... write faults on the zero page */
	unsigned long segv;		/* segmentation faults reported */
	unsigned long commit_limit;	/* pages */
};
void mm_stats(const struct mm_struct *mm, struct mm_stats *out);

/* The /proc files, snprintf-style: at most @len bytes including the NUL,
 * returns the length the whole text needs.
 * proc_pid_status: the memory lines of /proc/<pid>/status, VmPeak to VmSwap
 * ("VmRSS:\t     132 kB"); proc_pid_maps: one line per VMA, "[heap]" named;
 * proc_pid_smaps_rollup: the "[rollup]" header line and its fields. */
int proc_pid_status(const struct mm_struct *mm, char *buf, size_t len);
int proc_pid_maps(const struct mm_struct *mm, char *buf, size_t len);
int proc_pid_smaps_rollup(const struct mm_struct *mm, char *buf, size_t len);

/* Walk the VMAs and every page table; see check.h (INV_MM_*). */
int mm_check(struct mm_struct *mm, struct kalloc_check *out);

#endif
