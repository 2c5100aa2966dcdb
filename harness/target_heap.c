/* target_heap.c - kalloc's malloc on brk (alloc/heap.c) inside a simulated
 * process (alloc/mm.c) as a malloc-family target (target.h): ALLOC=kalloc-heap.
 *
 * It is checked by the same neutral oracle as glibc and jemalloc, through
 * the access hooks: a block's bytes are user memory of the process, reached
 * only by mm_write/mm_read (so the pattern writes fault pages in and the
 * reads map the zero page, exactly as in a process).  It reports misuse
 * (double, interior and foreign frees return -KERR_* and change nothing),
 * and it is a TCAP_PROCESS target: oracle_rss.c bounds its RSS by the pages
 * the model wrote and glibc's chunk headers, and checks that no frame backs
 * two pages.  self_check runs heap_check and mm_check, and at the end of a
 * program the owner counts and (the first program, every 16th) machine_check.
 *
 * The instance: one machine of 147,456 frames (576 MiB, enough to commit 32
 * blocks just under 16 MiB with the heap beside them) and one process on it
 * with a 1 GiB address space, kept for the life of the host process and
 * handed to each program in turn; open() puts a fresh heap on the process,
 * close() destroys the heap, which unmaps every mapping and sets the break
 * back, so the process is empty again: no VMA, no page, no page table
 * beyond the PGD (the next open refuses to start otherwise), and the next
 * program sees the same addresses.  (Creating the process per program would reserve and, under
 * ASan, poison a 1 GiB window each time: 128 MiB of shadow writes.)  Only
 * which frames back which pages differs from program to program, and the
 * harness sees no frame numbers but through pagemap's distinctness.
 * A second open while the first is in use gets a machine of its own.
 *
 * Requests in [2^HEAP_LARGE_LOG2, 2^HEAP_HUGE_LOG2) are refused as the other
 * adapters refuse them (target.h); the heap's own answer to larger ones
 * (NULL, reported) is tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include "kalloc.h"
#include "target.h"

#define HEAP_MACHINE_PAGES	147456UL
#define TOO_BIG_LO		((size_t)1 << HEAP_LARGE_LOG2)
#define TOO_BIG_HI		((size_t)1 << HEAP_HUGE_LOG2)

struct proc {
	struct machine *m;
	struct mm_struct *mm;
	struct heap *h;
	int shared;		/* the process-wide one */
	unsigned long checked_at;	/* the program whose end ran machine_check */
};

static struct proc shared_proc;
static unsigned long programs;	/* opened since the host process started */

static int proc_boot(struct proc *p)
{
	struct machine_config cfg;

	machine_config_default(&cfg);
	cfg.nr_pages = HEAP_MACHINE_PAGES;
	cfg.dma_pages = 0;
	cfg.nr_cpus = 1;
	cfg.quiet = 1;
	p->m = machine_create(&cfg);
	p->mm = p->m ? mm_create(p->m, NULL) : NULL;
	if (!p->mm) {
		machine_destroy(p->m);
		p->m = NULL;
		return -1;
	}
	return 0;
}

static void *kh_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct proc *p = &shared_proc;

	(void)hdr;
	if (p->h) {		/* in use: a machine of its own */
		p = calloc(1, sizeof(*p));
		if (!p || proc_boot(p)) {
			free(p);
			snprintf(err, errlen, "kalloc-heap: cannot boot a second machine");
			return NULL;
		}
	} else if (!p->m) {
		if (proc_boot(p)) {
			snprintf(err, errlen, "kalloc-heap: cannot boot the machine and its process");
			return NULL;
		}
		p->shared = 1;
	}
	{
		struct mm_stats st;

		mm_stats(p->mm, &st);
		if (st.rss || st.nr_vmas || st.total_vm || st.zero_mapped || st.pgtables ||
		    mm_get_brk(p->mm) != mm_start_brk(p->mm)) {
			snprintf(err, errlen, "kalloc-heap: the last program left the process with %lu pages, "
				 "%lu VMAs, %lu page tables", st.rss + st.zero_mapped, st.nr_vmas, st.pgtables);
			return NULL;
		}
	}
	machine_clear_errors(p->m);
	programs++;
	p->h = heap_create(p->mm, NULL);
	if (!p->h) {
		snprintf(err, errlen, "kalloc-heap: heap_create: %s", machine_last_report(p->m));
		return NULL;
	}
	return p;
}

static void kh_close(void *a)
{
	struct proc *p = a;

	heap_destroy(p->h);
	p->h = NULL;
	if (!p->shared) {
		mm_destroy(p->mm);
		machine_destroy(p->m);
		free(p);
	}
}

static void kh_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	struct proc *p = a;

	*lo = mm_base(p->mm);
	*hi = *lo + MM_SPAN_DEFAULT;
}

static long kh_in_use(void *a)
{
	struct heap_stats hs;

	heap_stats(((struct proc *)a)->h, &hs);
	return (long)hs.in_use;
}

/* The machine under an instance (tests bend it). */
struct machine *kalloc_heap_machine(void *a)
{
	return ((struct proc *)a)->m;
}

static int too_big(size_t n) { return n >= TOO_BIG_LO && n < TOO_BIG_HI; }

static void *kh_malloc(void *a, size_t n)
{
	return too_big(n) ? NULL : heap_malloc(((struct proc *)a)->h, n);
}

static void *kh_calloc(void *a, size_t n, size_t size)
{
	size_t total;

	if (!__builtin_mul_overflow(n, size, &total) && too_big(total))
		return NULL;
	return heap_calloc(((struct proc *)a)->h, n, size);
}

static void *kh_realloc(void *a, void *ptr, size_t n)
{
	return too_big(n) ? NULL : heap_realloc(((struct proc *)a)->h, ptr, n);
}

static void *kh_aligned(void *a, size_t align, size_t n)
{
	return too_big(n) ? NULL : heap_aligned_alloc(((struct proc *)a)->h, align, n);
}

static int kh_free(void *a, void *ptr) { return heap_free(((struct proc *)a)->h, ptr); }
static size_t kh_usable(void *a, void *ptr) { return heap_malloc_usable_size(((struct proc *)a)->h, ptr); }

static int kh_mem_write(void *a, void *ptr, const void *src, size_t len)
{
	return mm_write(((struct proc *)a)->mm, (unsigned long)ptr, src, len);
}

static int kh_mem_read(void *a, const void *ptr, void *dst, size_t len)
{
	return mm_read(((struct proc *)a)->mm, (unsigned long)ptr, dst, len);
}

/* heap_check and mm_check (every frame the process holds: its owner, its
 * order, mapped once) every time.  Once the heap is empty (the end of a
 * program) the page owners must show nothing left but the PGD and the zero
 * page; the whole machine_check (buddy and physmem, O(frames): 147,456 of
 * them, 3/4 of a program's time when it ran at every sweep, 40% at every
 * end) runs at the end of the first program after boot - so a crash file
 * replayed alone gets it - and of every 16th. */
static long kh_rss(void *a)
{
	struct mm_stats st;

	mm_stats(((struct proc *)a)->mm, &st);
	return (long)st.rss;
}

static int kh_self_check(void *a, char *msg, size_t len)
{
	struct proc *p = a;
	struct kalloc_check ck;
	struct heap_stats hs;
	struct mm_stats st;
	unsigned long own[NR_PAGE_OWNERS];

	heap_stats(p->h, &hs);
	if (heap_check(p->h, &ck) || mm_check(p->mm, &ck)) {
		snprintf(msg, len, "%s", ck.msg);
		return 1;
	}
	if (hs.in_use)
		return 0;
	page_owner_counts(p->m, own);
	mm_stats(p->mm, &st);
	if (own[PAGE_OWNER_USER] != st.rss || own[PAGE_OWNER_PGTABLE] != st.pgtables + 1) {
		snprintf(msg, len, "the machine's owners: %lu user pages, %lu page tables; the process maps %lu "
			 "pages and has %lu tables and its PGD (a frame leaked)", own[PAGE_OWNER_USER],
			 own[PAGE_OWNER_PGTABLE], st.rss, st.pgtables);
		return 1;
	}
	if (p->checked_at != programs && (programs == 1 || programs % 16 == 0) && machine_check(p->m, &ck)) {
		snprintf(msg, len, "%s", ck.msg);
		return 1;
	}
	p->checked_at = programs;
	return 0;
}

static void kh_pagemap(void *a, const void *ptr, size_t n, uint64_t *out)
{
	mm_pagemap(((struct proc *)a)->mm, (unsigned long)ptr, n, out);
}

const struct alloc_target alloc_target_kalloc_heap = {
	.name = "kalloc-heap",
	.what = "kalloc's malloc on brk in a simulated process (alloc/heap.c over alloc/mm.c)",
	.caps = TCAP_MALLOC | TCAP_ALIGNED_ALLOC | TCAP_REPORTS_MISUSE | TCAP_PROCESS,
	.open = kh_open, .close = kh_close, .bounds = kh_bounds, .in_use = kh_in_use,
	.malloc = kh_malloc, .calloc = kh_calloc, .realloc = kh_realloc, .aligned_alloc = kh_aligned,
	.free = kh_free, .usable_size = kh_usable,
	.mem_write = kh_mem_write, .mem_read = kh_mem_read, .self_check = kh_self_check,
	.rss = kh_rss, .pagemap = kh_pagemap,
};
