/* target.h - an allocator under test, as the harness sees it.
 *
 * The harness (model.c and its oracles) drives an allocator only through a
 * struct alloc_target: a table of functions grouped by interface, and
 * capability bits that say which groups exist and what the allocator
 * promises on misuse.  kalloc is one target (target_kalloc.c: every layer,
 * with the kalloc conformance oracle on top); glibc, jemalloc, mimalloc and
 * tcmalloc are others (targets_malloc.c), and a user's allocator is one more
 * adapter file (examples/, or ALLOC_SRC=path/to/adapter.c).
 *
 * Contract for an adapter:
 *  - open() makes a fresh instance for one program (the program's 8-byte
 *    header is passed for allocators that can use it, e.g. to size an arena);
 *    close() returns everything.  Nothing may outlive close() that changes
 *    how the next instance behaves.
 *  - An op whose group the target lacks (its capability bit is clear) is a
 *    no-op for the harness; the function pointers of a missing group may be
 *    NULL.  Within a present group every pointer is set, except those marked
 *    optional below.
 *  - Flags are the op language's bits (TGFP_*, TCACHE_*), not any library's.
 *  - Frees return 0 on success.  A target with TCAP_REPORTS_MISUSE returns a
 *    negative error for a double, interior, wrong-order, wrong-cache or
 *    foreign free and leaves its state unchanged; the harness then sends
 *    such frees on purpose.  Without it the harness never sends misuse.
 *
 * Entry points: alloc_target_find(), alloc_target_names(), and the tables
 * themselves.
 */
#ifndef KALLOC_HARNESS_TARGET_H
#define KALLOC_HARNESS_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* The malloc family's large requests, one rule for the C oracle (oracle.c),
 * the Python oracle (props/heap.py parses these two lines) and the system
 * mallocs' adapters (targets_malloc.c): a request of 2^HEAP_LARGE_LOG2 bytes
 * or more may return NULL, and an adapter may answer requests in
 * [2^HEAP_LARGE_LOG2, 2^HEAP_HUGE_LOG2) with NULL without asking its library:
 * a real allocator commits such a block (a calloc of a reused extent is a
 * memset of all of it), and a fuzzer cannot page megabytes in per op.  From
 * 2^HEAP_HUGE_LOG2 up no mapping can exist and the library answers.  (Below
 * it one may: mimalloc 2.0.9 returns 64 TiB blocks, MAP_NORESERVE, and its
 * calloc of 1 TiB commits 2 GiB; with 2^46 here one program ran a
 * fuzz_malloc-mimalloc campaign into libFuzzer's RSS limit.) */
#define HEAP_LARGE_LOG2		24	/* 16 MiB */
#define HEAP_HUGE_LOG2		47	/* 128 TiB: all of x86-64's user address space */

/* The process's data pages - its brk area and all its mappings - may add up
 * to this many pages; a brk or mmap beyond is refused (as Linux's strict
 * overcommit refuses past its commit limit).  One rule for the model
 * (vm_oracle.c) and the adapters (kalloc's mm gets it as its commit limit). */
#define MM_DATA_LIMIT_PAGES	256UL	/* 1 MiB */

/* Capability bits. */
#define TCAP_PAGES		0x0001u	/* alloc_pages(order, flags) / free_pages(p, order) */
#define TCAP_CACHES		0x0002u	/* cache_create/alloc/free/shrink/destroy */
#define TCAP_KMALLOC		0x0004u	/* kmalloc/kfree/krealloc/ksize */
#define TCAP_MALLOC		0x0008u	/* malloc/calloc/realloc/free/usable_size */
#define TCAP_ALIGNED_ALLOC	0x0010u	/* aligned_alloc (with TCAP_MALLOC) */
#define TCAP_ZONES		0x0020u	/* TGFP_DMA means something: is_dma() set */
#define TCAP_VMALLOC		0x0040u	/* vmalloc/vzalloc/vfree/kvmalloc/kvfree, guard pages */
#define TCAP_MM			0x0080u	/* a process: brk, mmap/munmap, mm_write/mm_read, rss */
#define TCAP_HEAP_BRK		0x0400u	/* the malloc family lives on the process's brk: from the
					 * program's first malloc, calloc, realloc or aligned_alloc
					 * on, its brk ops and brk-area accesses are no-ops (the
					 * heap owns the break; OPS.md 2.3) */
#define TCAP_REPORTS_MISUSE	0x0100u	/* wrong frees return an error, change nothing */
#define TCAP_PROCESS		0x0200u	/* a simulated process: rss() and pagemap() set, and
					   blocks carry glibc's 16-byte chunk header (oracle_rss.c) */
#define TCAP_KALLOC		0x8000u	/* the kalloc machine: the conformance oracle applies */

/* Allocation flags: the op language's GFP bits (OPS.md 1.2). */
#define TGFP_ATOMIC	0x01u
#define TGFP_DMA	0x02u
#define TGFP_ZERO	0x04u
#define TGFP_RECLAIM	0x08u
#define TGFP_ACCOUNT	0x10u

/* Cache flags: the op language's kmem_cache_create FLAGS (OPS.md 1.3). */
#define TCACHE_HWCACHE	0x01u
#define TCACHE_POISON	0x02u
#define TCACHE_DMA	0x04u
#define TCACHE_CTOR	0x08u	/* informational: the ctor argument is non-NULL */
#define TCACHE_RCU	0x10u
#define TCACHE_RED_ZONE	0x20u
#define TCACHE_STORE_USER 0x40u
#define TCACHE_CHECKS	0x80u	/* SLAB_CONSISTENCY_CHECKS */

struct alloc_target {
	const char *name;	/* "kalloc", "glibc", "jemalloc", ... as ALLOC= spells it */
	const char *what;	/* one line for listings: "glibc 2.36 malloc (__libc_*)" */
	const char *package;	/* Debian package that provides it, or NULL */
	unsigned int caps;	/* TCAP_* */

	/* One instance per program.  NULL with a one-line reason in @err when
	 * the allocator cannot be had (library missing, header refused). */
	void *(*open)(const uint8_t hdr[8], char *err, size_t errlen);
	void (*close)(void *a);
	/* Optional: the memory every block must lie in, [*lo, *hi). */
	void (*bounds)(void *a, uintptr_t *lo, uintptr_t *hi);
	/* Optional: bytes the allocator has handed out and not had back, or -1.
	 * At the end of a program, after every block is freed, it must equal
	 * its value right after open(). */
	long (*in_use)(void *a);

	/* TCAP_PAGES: a block of 4096 << order bytes aligned to its size. */
	void *(*alloc_pages)(void *a, unsigned int flags, unsigned int order);
	int (*free_pages)(void *a, void *p, unsigned int order);
	/* TCAP_ZONES: is every byte of [p, p + len) in the DMA zone? */
	int (*is_dma)(void *a, const void *p, size_t len);

	/* TCAP_CACHES: objects of one size.  create returns NULL for a cache it
	 * refuses (size 0, alignment not a power of two, too large). */
	void *(*cache_create)(void *a, const char *name, size_t size, unsigned int align,
			      unsigned int cflags, void (*ctor)(void *));
	void *(*cache_alloc)(void *a, void *cache, unsigned int flags);
	int (*cache_free)(void *a, void *cache, void *obj);
	unsigned long (*cache_shrink)(void *a, void *cache);	/* optional */
	int (*cache_destroy)(void *a, void *cache);		/* refuses (< 0) while objects live */

	/* TCAP_KMALLOC: Linux's kmalloc contract (ZERO_SIZE_PTR for 0 bytes is
	 * the target's business; the harness only requires that kfree takes it). */
	void *(*kmalloc)(void *a, size_t size, unsigned int flags);
	void *(*krealloc)(void *a, const void *p, size_t size, unsigned int flags);
	int (*kfree)(void *a, const void *p);
	size_t (*ksize)(void *a, const void *p);

	/* TCAP_MALLOC: the C library's contract. */
	void *(*malloc)(void *a, size_t size);
	void *(*calloc)(void *a, size_t n, size_t size);
	void *(*realloc)(void *a, void *p, size_t size);
	void *(*aligned_alloc)(void *a, size_t align, size_t size);	/* TCAP_ALIGNED_ALLOC */
	int (*free)(void *a, void *p);
	size_t (*usable_size)(void *a, void *p);	/* optional: 0 means "not offered" */

	/* Optional access hooks: the blocks are not host memory the harness
	 * may touch (kalloc-heap's blocks live in a simulated process, reached
	 * through mm_read/mm_write so that every page fault is seen).  Copy
	 * @len bytes to / from @p; 0, or nonzero when the access faults.  NULL
	 * means plain memory: the harness reads and writes the bytes itself. */
	int (*mem_write)(void *a, void *p, const void *src, size_t len);
	int (*mem_read)(void *a, const void *p, void *dst, size_t len);

	/* Optional: the target's own whole consistency check; 0, or nonzero
	 * with a one-line reason in @msg.  Run at check(), every sweep and
	 * at the end of a program. */
	int (*self_check)(void *a, char *msg, size_t len);

	/* TCAP_PROCESS: pages resident in the process now (Linux's RSS), and
	 * /proc/<pid>/pagemap entries for the @n pages from @p's page (bit 63
	 * present, bits 0..54 the frame, bit 56 exclusively mapped: not the
	 * zero page). */
	long (*rss)(void *a);
	void (*pagemap)(void *a, const void *p, size_t n, uint64_t *out);

	/* TCAP_VMALLOC: virtually contiguous areas of whole pages, each followed
	 * by an unmapped guard page (Linux's mm/vmalloc.c).  Frees return 0, or
	 * < 0 for an address that is no area's start (with TCAP_REPORTS_MISUSE).
	 * kvmalloc may return a kmalloc block or an area; kvfree takes either. */
	void *(*vmalloc)(void *a, size_t size, int zero);	/* vmalloc, vzalloc */
	int (*vfree)(void *a, const void *p);
	void *(*kvmalloc)(void *a, size_t size, unsigned int flags);
	int (*kvfree)(void *a, const void *p);
	int (*is_vmalloc)(void *a, const void *p);	/* p lies in the VMALLOC range */
	/* The direct-map address of the byte at vmalloc address @p (Linux's
	 * page_address(vmalloc_to_page(p)) + offset_in_page(p)); NULL when no
	 * frame is mapped there. */
	void *(*vmalloc_alias)(void *a, const void *p);
	/* Read the byte at @p, which the caller believes is a guard page, as a
	 * checked access: 0 if it was readable (a missing guard), < 0 for the
	 * fault the allocator reported. */
	int (*touch)(void *a, const void *p);
	int (*vmallocinfo)(void *a, char *buf, size_t len);	/* snprintf-style; optional */

	/* TCAP_MM: one process on the allocator's memory.  Addresses are the
	 * process's; memory is reached only through mm_write/mm_read (a first
	 * write to a page allocates a zeroed frame, a read of an untouched page
	 * maps the zero page).  Errors are < 0: a fault (outside every mapping),
	 * a brk below its start, into a mapping or past MM_DATA_LIMIT_PAGES, an
	 * mmap past that limit, a munmap of nothing. */
	uintptr_t (*brk_start)(void *a);		/* the heap's start (start_brk) */
	int (*brk)(void *a, uintptr_t addr);		/* set the break */
	void *(*mmap)(void *a, size_t len);		/* anonymous, private; NULL on failure */
	int (*munmap)(void *a, void *p, size_t len);
	int (*mm_write)(void *a, uintptr_t addr, const void *buf, size_t len);
	int (*mm_read)(void *a, uintptr_t addr, void *buf, size_t len);
	unsigned long (*rss_pages)(void *a);		/* resident anonymous pages */
	/* Optional: what backs the page at @addr: 1 with its frame number in
	 * *@pfn, 0 for the shared zero page, -1 when nothing is mapped.
	 * Serves vmalloc addresses too (TCAP_VMALLOC). */
	int (*frame_of)(void *a, uintptr_t addr, unsigned long *pfn);
	/* Optional: end the process (every frame it held back) and start a
	 * fresh one; the harness calls it at the end of a program. */
	int (*mm_exit)(void *a);
};

/* The built-in targets by ALLOC= name ("kalloc", "glibc", "jemalloc",
 * "mimalloc", "tcmalloc", "example", "kalloc-heap", and "user" in an
 * ALLOC_SRC build);
 * NULL if unknown.  alloc_target_names() is "kalloc glibc ..." for messages. */
const struct alloc_target *alloc_target_find(const char *name);
const char *alloc_target_names(void);

extern const struct alloc_target alloc_target_kalloc;
extern const struct alloc_target alloc_target_kalloc_neutral;
extern const struct alloc_target alloc_target_kalloc_heap;
/* kalloc-heap's heap and the program's process ops on one process (fuzz_heap). */
extern const struct alloc_target alloc_target_kalloc_proc;
/* kalloc-heap's machine under an instance (harness/test_oracle.c bends it). */
struct machine;
struct machine *kalloc_heap_machine(void *a);

/* A user's adapter (ALLOC_SRC=path/to/adapter.c, see examples/) defines
 * exactly one symbol:
 *	const struct alloc_target ALLOC_TARGET = { .name = "mine", ... };
 * ALLOC_TARGET is alloc_target_user in an ALLOC_SRC build (ALLOC=user, or
 * ALLOC=<its .name>); the shipped example is built as alloc_target_example. */
#ifndef ALLOC_TARGET
#define ALLOC_TARGET alloc_target_user
#endif

/* Call first thing in main(): jemalloc's 2.6 KiB of initial-exec TLS does
 * not fit the 512 bytes glibc keeps for dlopen'd libraries ("cannot allocate
 * memory in static TLS block"), and glibc.rtld.optional_static_tls is read
 * only at process start.  Re-executes the program once with it in
 * GLIBC_TUNABLES unless it is there already; returns if that fails. */
void alloc_target_exec_prepare(char **argv);
#define ALLOC_TLS_TUNABLE "glibc.rtld.optional_static_tls=16384"

#endif
