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

/* A quiet one-CPU machine of @pages frames, no DMA zone. */
static struct machine *proc_machine(unsigned long pages)
{
	struct machine_config cfg;

	machine_config_default(&cfg);
	cfg.nr_pages = pages;
	cfg.dma_pages = 0;
	cfg.nr_cpus = 1;
	cfg.quiet = 1;
	return machine_create(&cfg);
}

static int proc_boot(struct proc *p)
{
	p->m = proc_machine(HEAP_MACHINE_PAGES);
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

/* The page owners agree with the process (its user pages, its page tables
 * and PGD), and machine_check at the end of the first program after boot
 * and of every 16th. */
static int proc_owners_check(struct proc *p, char *msg, size_t len)
{
	struct kalloc_check ck;
	struct mm_stats st;
	unsigned long own[NR_PAGE_OWNERS];

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

	heap_stats(p->h, &hs);
	if (heap_check(p->h, &ck) || mm_check(p->mm, &ck)) {
		snprintf(msg, len, "%s", ck.msg);
		return 1;
	}
	return hs.in_use ? 0 : proc_owners_check(p, msg, len);
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

/* ---- kalloc-proc: the heap and the program's own process ops, one process ----
 *
 * fuzz_heap's target: the malloc family on alloc/heap.c AND brk, mmap,
 * munmap, write, read and rss (TCAP_MM) on the same alloc/mm.c process, so
 * the neutral oracle checks the malloc contract through the access hooks
 * while vm_oracle.c keeps checking the process.  The process is the
 * model's (target.h MM_DATA_LIMIT_PAGES is its commit limit, MM_SPAN_MIN of
 * address space, as on the kalloc target); one machine for the life of the
 * host process, one process per program (created at open, destroyed at
 * close with every frame it held).
 *
 * The heap is created at the program's first malloc, calloc, realloc or
 * aligned_alloc, at the break as it stands then; from then on it owns the
 * break (TCAP_HEAP_BRK): the model makes the program's brk ops and brk-area
 * accesses no-ops (OPS.md 2.3), so nothing can shrink the break under the
 * heap.  A free or malloc_usable_size before any heap exists is a foreign
 * pointer's: -KERR_BAD_ADDRESS, 0. */
#define PROC_MACHINE_PAGES	4096UL

static struct proc proc_shared;

static void *kp_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct proc *p = &proc_shared;
	struct mm_config cfg = { .span = MM_SPAN_MIN, .commit_pages = MM_DATA_LIMIT_PAGES };

	(void)hdr;
	if (p->mm) {		/* in use: a machine of its own */
		p = calloc(1, sizeof(*p));
		if (!p) {
			snprintf(err, errlen, "kalloc-proc: no host memory");
			return NULL;
		}
	}
	if (!p->m) {
		p->m = proc_machine(PROC_MACHINE_PAGES);
		p->shared = p == &proc_shared;
	}
	p->mm = p->m ? mm_create(p->m, &cfg) : NULL;
	if (!p->mm) {
		snprintf(err, errlen, "kalloc-proc: cannot boot the machine and its process");
		if (!p->shared) {
			machine_destroy(p->m);
			free(p);
		}
		return NULL;
	}
	machine_clear_errors(p->m);
	programs++;
	return p;
}

static void kp_close(void *a)
{
	struct proc *p = a;

	if (p->h)
		heap_destroy(p->h);
	p->h = NULL;
	mm_destroy(p->mm);
	p->mm = NULL;
	if (!p->shared) {
		machine_destroy(p->m);
		free(p);
	}
}

/* The heap, created at the first allocation (NULL when heap_create fails). */
static struct heap *kp_heap(struct proc *p)
{
	if (!p->h)
		p->h = heap_create(p->mm, NULL);
	return p->h;
}

static void kp_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	struct proc *p = a;

	*lo = mm_base(p->mm);
	*hi = *lo + MM_SPAN_MIN;
}

static long kp_in_use(void *a)
{
	struct proc *p = a;
	struct heap_stats hs;

	if (!p->h)
		return 0;
	heap_stats(p->h, &hs);
	return (long)hs.in_use;
}

static void *kp_malloc(void *a, size_t n)
{
	struct heap *h = too_big(n) ? NULL : kp_heap(a);

	return h ? heap_malloc(h, n) : NULL;
}

static void *kp_calloc(void *a, size_t n, size_t size)
{
	struct heap *h = kp_heap(a);
	size_t total;

	if (!h || (!__builtin_mul_overflow(n, size, &total) && too_big(total)))
		return NULL;
	return heap_calloc(h, n, size);
}

static void *kp_realloc(void *a, void *ptr, size_t n)
{
	struct heap *h = too_big(n) ? NULL : kp_heap(a);

	return h ? heap_realloc(h, ptr, n) : NULL;
}

static void *kp_aligned(void *a, size_t align, size_t n)
{
	struct heap *h = too_big(n) ? NULL : kp_heap(a);

	return h ? heap_aligned_alloc(h, align, n) : NULL;
}

static int kp_free(void *a, void *ptr)
{
	struct proc *p = a;

	if (!p->h)
		return ptr ? -KERR_BAD_ADDRESS : 0;
	return heap_free(p->h, ptr);
}

static size_t kp_usable(void *a, void *ptr)
{
	struct proc *p = a;

	return p->h ? heap_malloc_usable_size(p->h, ptr) : 0;
}

static uintptr_t kp_brk_start(void *a) { return mm_start_brk(((struct proc *)a)->mm); }
static int kp_brk(void *a, uintptr_t addr) { return mm_brk(((struct proc *)a)->mm, addr); }

static void *kp_mmap(void *a, size_t len)
{
	unsigned long addr;

	return !mm_mmap(((struct proc *)a)->mm, len, &addr) ? (void *)addr : NULL;
}

static int kp_munmap(void *a, void *ptr, size_t len) { return mm_munmap(((struct proc *)a)->mm, (unsigned long)ptr, len); }
static int kp_mm_write(void *a, uintptr_t addr, const void *buf, size_t len) { return mm_write(((struct proc *)a)->mm, addr, buf, len); }
static int kp_mm_read(void *a, uintptr_t addr, void *buf, size_t len) { return mm_read(((struct proc *)a)->mm, addr, buf, len); }
static unsigned long kp_rss_pages(void *a) { return (unsigned long)kh_rss(a); }

static int kp_frame_of(void *a, uintptr_t addr, unsigned long *pfn)
{
	struct proc *p = a;
	uint64_t e;

	mm_pagemap(p->mm, addr, 1, &e);
	if (!(e & (1ULL << 63)))
		return -1;
	*pfn = (unsigned long)(e & ((1ULL << 55) - 1));
	return *pfn == mm_zero_pfn(p->mm) ? 0 : 1;
}

/* heap_check (once there is a heap) and mm_check every time, and the
 * owners (proc_owners_check) at every check: with one process on the
 * machine they agree at any time, not just once the heap is empty. */
static int kp_self_check(void *a, char *msg, size_t len)
{
	struct proc *p = a;
	struct kalloc_check ck;

	if ((p->h && heap_check(p->h, &ck)) || mm_check(p->mm, &ck)) {
		snprintf(msg, len, "%s", ck.msg);
		return 1;
	}
	return proc_owners_check(p, msg, len);
}

const struct alloc_target alloc_target_kalloc_proc = {
	.name = "kalloc-proc",
	.what = "kalloc's malloc on brk and the program's brk/mmap/write/read on one simulated process",
	.caps = TCAP_MALLOC | TCAP_ALIGNED_ALLOC | TCAP_REPORTS_MISUSE | TCAP_PROCESS | TCAP_MM | TCAP_HEAP_BRK,
	.open = kp_open, .close = kp_close, .bounds = kp_bounds, .in_use = kp_in_use,
	.malloc = kp_malloc, .calloc = kp_calloc, .realloc = kp_realloc, .aligned_alloc = kp_aligned,
	.free = kp_free, .usable_size = kp_usable,
	.mem_write = kh_mem_write, .mem_read = kh_mem_read, .self_check = kp_self_check,
	.rss = kh_rss, .pagemap = kh_pagemap,
	.brk_start = kp_brk_start, .brk = kp_brk, .mmap = kp_mmap, .munmap = kp_munmap,
	.mm_write = kp_mm_write, .mm_read = kp_mm_read, .rss_pages = kp_rss_pages, .frame_of = kp_frame_of,
};
