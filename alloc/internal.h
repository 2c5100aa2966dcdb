/* internal.h - declarations shared between kalloc's layers, not public.
 *
 * Grouped by the file that defines them.  The harness and the Python tests
 * never include this; the white-box unit tests in tests/ do, to corrupt one
 * field at a time.
 */
#ifndef KALLOC_INTERNAL_H
#define KALLOC_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "kalloc.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ALIGN(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KA_PRINTF(f, a)	__attribute__((format(printf, f, a)))
/* The compiler does not know that two host addresses of one frame alias:
 * between a write through one and a read through the other it must reload. */
#define barrier()	__asm__ __volatile__("" ::: "memory")

/* ---- debug levels --------------------------------------------------------
 * KALLOC_DEBUG 0: release.  1: VM_BUG_ON-style assertions of proven
 * conditions inside the allocator.  2: also the layer's whole check after
 * every operation that changes it.  A failure at either level is an
 * allocator bug, not a caller mistake: it prints and aborts.  Below the
 * level the hooks are empty inline functions, so call sites carry no #ifdef. */
#ifndef KALLOC_DEBUG
#define KALLOC_DEBUG 0
#endif
struct machine;
struct kalloc_check;
void kalloc_bug(const char *file, int line, const char *what) __attribute__((noreturn));
void kalloc_debug_check(struct machine *m, int (*check)(struct machine *, struct kalloc_check *),
			const char *where);
#define VM_BUG_ON(cond) do {						\
	if (KALLOC_DEBUG >= 1 && unlikely(cond))			\
		kalloc_bug(__FILE__, __LINE__, #cond);			\
} while (0)
static inline void debug_check(struct machine *m, int (*check)(struct machine *, struct kalloc_check *),
			       const char *where)
{
	if (KALLOC_DEBUG >= 2)
		kalloc_debug_check(m, check, where);
}

/* ---- fault injection: Linux's should_fail() with interval 1 -----------
 * Let *@skip attempts through, then fail *@times (page allocations in
 * buddy.c, host allocations in machine.c). */
static inline bool should_fail_nth(unsigned long *skip, unsigned long *times)
{
	if (likely(!*times))
		return false;
	if (*skip) {
		(*skip)--;
		return false;
	}
	(*times)--;
	return true;
}

/* ---- list.h: Linux's circular doubly linked list ---------------------- */
struct list_head {
	struct list_head *next, *prev;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
#define list_last_entry(head, type, member) list_entry((head)->prev, type, member)

static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l->prev = l; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = e->prev = NULL;
}
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

/* ---- kasan.h: ASan's manual poisoning, nothing without ASan ------------
 * Free memory is poisoned and live allocations are unpoisoned exactly to the
 * size asked for, so an overflow or a use after free inside the simulation is
 * a sanitizer report, not silence.  The allocator's own writes into free
 * memory (SLUB's free pointer) unpoison the word first. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KALLOC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KALLOC_ASAN 1
#endif
#ifdef KALLOC_ASAN
#include <sanitizer/asan_interface.h>
static inline void kasan_poison(const void *p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
static inline void kasan_unpoison(const void *p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
/* Would reading the 8-aligned word at @p be an ASan report (freed host
 * memory, a red zone)?  One shadow byte describes the word, and whenever
 * any of its bytes is poisoned its last one is: one single-byte question. */
static inline bool kasan_word_poisoned(const void *p)
{
	return __asan_address_is_poisoned((const char *)p + 7);
}
/* How many bytes from @p on are addressable (at most @n).  kalloc keeps
 * every slot as one addressable prefix (the object, or the request), so
 * this is the whole of ASan's view of an object, and its end is found by
 * asking about single bytes: one question for a closed slot, two for an
 * open one, a binary search for a request's end.  (ASan's region query,
 * once it knows a byte is poisoned, walks to it a byte at a time: a tenth
 * of an ASan fuzz run went there.)  tests/test_kasan.c holds the two
 * answers equal over every prefix. */
static inline size_t kasan_visible(const void *p, size_t n)
{
	const char *c = p;
	size_t ok = 1, bad = n - 1;	/* [0, ok) addressable, byte bad poisoned */

	if (!n || __asan_address_is_poisoned(c))
		return 0;
	if (!__asan_address_is_poisoned(c + bad))
		return n;
	while (ok < bad) {
		size_t mid = ok + (bad - ok) / 2;

		if (__asan_address_is_poisoned(c + mid))
			bad = mid;
		else
			ok = mid + 1;
	}
	return bad;
}
#else
static inline void kasan_poison(const void *p, size_t n) { (void)p; (void)n; }
static inline void kasan_unpoison(const void *p, size_t n) { (void)p; (void)n; }
static inline bool kasan_word_poisoned(const void *p) { (void)p; return false; }
static inline size_t kasan_visible(const void *p, size_t n) { (void)p; return n; }
#endif

/* ---- struct page, zones, the machine ------------------------------------ */

/* Page flags.  A frame is in exactly one state:
 *   PG_buddy    head of a free block on a buddy free list (order in ->order)
 *   PG_pcp      order-0 page on a per-CPU list
 *   PG_head     head of an allocated block (order in ->order)
 *   PG_tail     inside an allocated block (->head points at its head)
 *   no flag     inside a free block, after its head
 * Who holds a block is its head's ->owner (enum page_owner, physmem.h), not
 * a flag: PageSlab() and PageLargeKmalloc() read it. */
#define PG_buddy		0x01u
#define PG_pcp			0x02u
#define PG_head			0x04u
#define PG_tail			0x08u
#define PG_STATE_MASK		(PG_buddy | PG_pcp | PG_head | PG_tail)

/* struct page: 56 bytes, within Linux's 64. */
struct page {
	uint32_t flags;
	uint8_t order;			/* PG_buddy / PG_head: block order */
	uint8_t zone;			/* enum zone_type, fixed at boot */
	uint16_t objects;		/* slab: objects in this slab */
	struct list_head lru;		/* buddy free list, pcp list, slab list */
	union {
		struct page *head;		/* PG_tail: head of the block */
		struct kmem_cache *slab_cache;	/* slab head: owning cache */
	};
	void *freelist;			/* slab: first free object */
	uint32_t inuse;			/* slab: objects handed out */
	uint32_t frozen;		/* slab: 1 + CPU while it is a per-CPU slab */
	uint8_t owner;			/* block head (or pcp page): enum page_owner;
					 * PAGE_OWNER_FREE (0) on every other page */
	uint8_t _unused[3];
	uint32_t mapcount;		/* window slots this frame is mapped at */
};

struct per_cpu_pages {
	struct list_head list;		/* hot pages first */
	unsigned int count;
};

struct zone {
	const char *name;
	unsigned long start_pfn, end_pfn;	/* [start, end) */
	struct list_head free_area[NR_PAGE_ORDERS];
	unsigned long nr_free[NR_PAGE_ORDERS];
	unsigned long free_pages;
	unsigned long pcp_pages;
	unsigned int pcp_high, pcp_batch;
	bool check_dirty;		/* a list changed since the last check (buddy_check_quick) */
	struct per_cpu_pages pcp[MAX_NR_CPUS];
};

struct buddy_state {
	struct zone zones[MAX_NR_ZONES];
	unsigned long nr_allocated;		/* pages in allocated blocks */
	unsigned long alloc_calls, free_calls, failed_calls;
	unsigned long fail_skip, fail_times;	/* fault injection */
};

struct slab_state {
	struct list_head caches;		/* in creation order */
	unsigned int nr_caches;
	struct list_head dead;			/* destroyed caches, kept (KMEM_CACHE_DEAD) */
	uint64_t *objmap;			/* 1 bit per 8 bytes: slab object live */
	size_t objmap_bytes;
};

enum kmalloc_cache_type {
	KMALLOC_NORMAL,		/* kmalloc-N / size-N */
	KMALLOC_RECLAIM,	/* kmalloc-rcl-N: __GFP_RECLAIMABLE */
	KMALLOC_DMA,		/* dma-kmalloc-N / size-N(DMA): __GFP_DMA */
	KMALLOC_CGROUP,		/* kmalloc-cg-N: __GFP_ACCOUNT */
	NR_KMALLOC_TYPES
};

struct kmalloc_state {
	unsigned int nr_sizes;
	unsigned int sizes[KMALLOC_MAX_CACHES];		/* ascending */
	unsigned int nr_types;
	struct kmem_cache *caches[NR_KMALLOC_TYPES][KMALLOC_MAX_CACHES];
	unsigned char shift_index[32];		/* fls(size - 1) -> index, sizes > 192 */
	unsigned char size_index[24];		/* (size - 1) / 8 -> index, sizes <= 192 */
	size_t max_cache_size, max_size;
	unsigned long large_allocs;
};

/* ---- physmem.c: frames in a memfd, the direct map, host windows -------
 *
 * Physical memory is one memfd of nr_pages frames.  The direct map maps it
 * whole, shared, at base.  A window is a range of host addresses reserved
 * PROT_NONE for an upper layer (the VMALLOC range, a process's address
 * space); physmem_map() maps frames into it one page at a time (MAP_FIXED |
 * MAP_SHARED from the frame's memfd offset), so the frame then has two
 * addresses that alias.  physmem_unmap() puts the hole back.  Each window
 * keeps a table slot -> pfn, so translating a window address never asks the
 * host, and each frame counts the slots it is mapped at (page->mapcount).
 *
 * Note: the compiler cannot know that two addresses alias.  Code that
 * writes through one and reads through the other in one function needs a
 * barrier() between them (or volatile accesses).
 *
 * ASan: the shadow is per virtual address.  A window is poisoned when it is
 * reserved and a page when it is unmapped; physmem_map() unpoisons the pages
 * it maps (the caller may poison a tail it does not hand out).  The direct
 * map's poisoning is the buddy allocator's, independent of the windows.
 *
 * Windows and the memfd belong to a struct phys_memory.  A machine booted
 * in an arena uses the arena's, and machine_destroy() hands them back clean:
 * every window unmapped, poisoned, its table zero, free for the next
 * machine's reserve (which reuses the host reservation instead of mapping
 * again).
 */
#define PHYS_MAX_WINDOWS	16
#define PHYS_NO_PFN		(~0UL)

struct phys_window {
	const char *name;		/* owner's name for messages: "vmalloc" */
	unsigned char *base;		/* host address of slot 0, page aligned */
	unsigned long nr_pages;		/* slots the current user asked for */
	unsigned long capacity;		/* slots reserved on the host (>= nr_pages) */
	uint32_t *pfn;			/* per slot: pfn + 1, or 0 when unmapped */
	/* A bit per WINDOW_GROUP_SLOTS slots, set when one of them maps a
	 * frame (physmem_map/unmap keep it): the walks over a window's
	 * mappings skip 4096 empty slots a word.  In pfn's host block. */
	uint64_t *summary;
	unsigned long nr_mapped;	/* slots with a frame */
	bool in_use;
};

#define WINDOW_GROUP_SHIFT	6
#define WINDOW_GROUP_SLOTS	(1UL << WINDOW_GROUP_SHIFT)

struct host_allocs;

struct phys_memory {
	struct host_allocs *host;	/* counts the window tables (machine's or arena's) */
	int fd;				/* the memfd holding every frame */
	bool fd_open;
	unsigned long nr_pages;		/* frames in it */
	void *map;			/* reservation around the direct map */
	size_t map_bytes;
	unsigned char *base;		/* direct map */
	struct phys_window windows[PHYS_MAX_WINDOWS];
};

struct physmem_state {
	struct phys_memory *mem;	/* the machine's own, or its arena's */
	unsigned long owner_pages[NR_PAGE_OWNERS];	/* pages per owner */
	unsigned long map_calls, unmap_calls;
};

/* Create/destroy the memfd and its direct map (poisoned: all free); the
 * window tables reserved later are host allocations counted in @host. */
int physmem_memory_create(struct phys_memory *pm, struct host_allocs *host, unsigned long nr_pages);
void physmem_memory_destroy(struct phys_memory *pm);
/* page_stats' per-owner fields (buddy_page_stats fills the rest). */
void physmem_page_stats(const struct machine *m, struct page_stats *out);
/* Boot: every frame free (the struct pages are zero, PAGE_OWNER_FREE). */
void physmem_init(struct machine *m);
/* Teardown: release every window the machine still has (arena: clean). */
void physmem_exit(struct machine *m);

/* Reserve a window of @nr_pages slots, all unmapped and poisoned.  NULL
 * when the host refuses or all PHYS_MAX_WINDOWS are in use.  @name must
 * outlive the window (a string literal). */
struct phys_window *physmem_window_reserve(struct machine *m, const char *name, unsigned long nr_pages);
/* Unmap everything in @w and give it back (to the arena, if any). */
void physmem_window_release(struct machine *m, struct phys_window *w);

static inline void *window_slot_address(const struct phys_window *w, unsigned long slot)
{
	return w->base + (slot << PAGE_SHIFT);
}
/* Slot of @addr in @w, or PHYS_NO_PFN outside it. */
static inline unsigned long window_slot(const struct phys_window *w, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)w->base;

	return off < (uintptr_t)w->nr_pages << PAGE_SHIFT ? off >> PAGE_SHIFT : PHYS_NO_PFN;
}
/* The pfn mapped at @slot, or PHYS_NO_PFN. */
static inline unsigned long window_slot_pfn(const struct phys_window *w, unsigned long slot)
{
	return slot < w->nr_pages && w->pfn[slot] ? (unsigned long)w->pfn[slot] - 1 : PHYS_NO_PFN;
}

/* Map frames @pfn .. @pfn + @n - 1 at @addr .. (page aligned, inside @w,
 * every slot unmapped); one host mmap for the run.  Unpoisons the pages.
 * 0, -KERR_INVAL for a bad slot range or pfn (nothing changed), -KERR_NOMEM
 * when the host refuses (nothing changed; vm.max_map_count bounds how many
 * scattered pages a process can map).  Not reported: the caller decides. */
int physmem_map(struct machine *m, struct phys_window *w, void *addr, unsigned long pfn, unsigned long n);
/* The zero page @pfn at the @n slots from @addr, as physmem_map() would
 * map it at each, in one read-only anonymous host mapping: the slots read
 * as zeroes (the zero page is never written: mm_check holds it to that) and
 * a write through them is the host's fault, as through Linux's read-only
 * zero-page PTE. */
int physmem_map_zero(struct machine *m, struct phys_window *w, void *addr, unsigned long pfn, unsigned long n);
/* Unmap @n slots from @addr (each mapped, or -KERR_INVAL and nothing
 * changed); the holes are PROT_NONE and poisoned again. */
int physmem_unmap(struct machine *m, struct phys_window *w, void *addr, unsigned long n);
/* The window holding @addr, or NULL. */
struct phys_window *physmem_window_of(const struct machine *m, const void *addr);
/* The frame behind @addr: the direct map or any window; NULL when @addr is
 * in neither or its window slot is unmapped. */
struct page *physmem_translate(const struct machine *m, const void *addr);

/* Give the allocated block at @head (2^head->order frames) to @owner,
 * moving its pages between the per-owner counters. */
static inline void page_set_owner(struct machine *m, struct page *head, enum page_owner owner);
/* The owner of any frame: its block head's. */
static inline enum page_owner page_owner(const struct page *page);

/* for_each_block(m, pfn, page, n): every frame once, a block at a time -
 * a free block or an allocated block as a whole (n = 2^order), any other
 * frame (per-CPU, or one a corruption left without a head) alone. */
static inline unsigned long block_pages(const struct page *page)
{
	return (page->flags & (PG_head | PG_buddy)) ? 1UL << page->order : 1;
}
#define for_each_block(m, pfn, page, n)					\
	for ((pfn) = 0; (pfn) < (m)->nr_pages &&			\
	     ((page) = &(m)->pages[pfn], (n) = block_pages(page), 1);	\
	     (pfn) += (n))

/* Host allocations of one machine (or arena): counted, and failed on
 * request (machine_inject_host_failures). */
struct host_allocs {
	unsigned long calls;			/* attempts, failed ones included */
	unsigned long live;			/* blocks held */
	unsigned long fail_skip, fail_times;
};

/* ---- vmalloc.c ----------------------------------------------------------
 * One vm_struct per live area, on a list sorted by address.  Window slots
 * [slot, slot + nr_pages) hold the area's frames, slot + nr_pages is its
 * guard page, never mapped.  The metadata lives on the host heap, not in
 * simulated memory (Linux keeps vm_struct in kmalloc-64 and vmap_area in
 * its own cache): the harness's slab model then sees no hidden objects. */
#define VMALLOC_MIN_PAGES	64
#define VM_ALLOC		0x2u	/* Linux's vm_struct flag: vmalloc() */

struct vm_struct {
	struct list_head list;		/* vmalloc_state.areas, by address */
	unsigned long slot;		/* first window slot */
	unsigned long nr_pages;		/* mapped pages; the guard follows */
	unsigned long size;		/* bytes with the guard page, as Linux's vm->size */
	unsigned long requested;	/* bytes asked for */
	unsigned int flags;		/* VM_ALLOC */
	char caller[VMALLOC_CALLER_LEN];
	struct page **pages;		/* nr_pages frames, in address order */
};

struct vmalloc_state {
	struct phys_window *window;	/* the VMALLOC range */
	struct list_head areas;
	unsigned long nr_areas, nr_pages;
	unsigned long alloc_calls, free_calls, failed_calls;
};

int vmalloc_init(struct machine *m);
void vmalloc_exit(struct machine *m);

/* machine_check()'s census (buddy.c section below). */
#define MACHINE_MAX_PAGES	(1UL << 22)	/* 16 GiB of frames */
#define CHECK_CHUNK_SHIFT	6
#define CHECK_CHUNK_PAGES	(1UL << CHECK_CHUNK_SHIFT)
struct page_census {
	unsigned long free[MAX_NR_ZONES];	/* pages in free blocks */
	unsigned long blocks[MAX_NR_ZONES];	/* free blocks */
	unsigned long pcp[MAX_NR_ZONES];	/* per-CPU pages */
	unsigned long allocated;		/* pages in allocated blocks */
	unsigned long owners[NR_PAGE_OWNERS];	/* pages per owner */
	unsigned long mapcounts;		/* sum of every frame's mapcount */
	unsigned long slab_heads, large_heads;	/* allocated heads of these owners */
};

struct machine {
	struct machine_config cfg;
	struct host_allocs host;
	unsigned char *base;		/* direct map (phys.mem->base) */
	unsigned long nr_pages;
	struct page *pages;
	struct phys_memory own_mem;	/* physical memory unless booted in an arena */
	struct kalloc_arena *arena;	/* booted in an arena, or NULL */
	unsigned int cpu;
	unsigned long clock;		/* slab ops so far: SLAB_STORE_USER's "age" */
	unsigned int caller;		/* machine_set_caller(): index into callers, 0 none */
	unsigned int nr_callers;
	char (*callers)[64];		/* call-site names, host memory, [0] unused */
	int tainted;			/* a SLUB BUG report was printed: "Tainted: G    B" */
	unsigned long check_slow;	/* machine_check()s whose quick path failed */
	unsigned long check_changed;	/* machine_check_changed()s that walked only what changed */
	/* machine_check_changed(): a mark per CHECK_CHUNK_PAGES frames whose
	 * struct pages changed since the last check (check_mark), the census
	 * of every chunk as that check left it, and their sum. */
	uint64_t *check_dirty;		/* check_mark_words() words, in marks[] */
	/* The same marks since boot (machine_destroy hands an arena back by
	 * resetting these chunks only), and whether the struct pages came
	 * with their zones set (an arena's last layout was this one). */
	uint64_t *boot_dirty;
	/* A bit per chunk whose chunk_census entry is written; a clear bit
	 * stands for an all-zero census (a chunk no block is headed in), so
	 * that a boot writes the entries of its free blocks' chunks only. */
	uint64_t *census_stored;
	bool pages_zoned;
	bool booted;			/* boot is over: new caches start check_dirty */
	void *kmalloc_block;			/* kmalloc's caches (machine_kmalloc_block) */
	bool kmalloc_block_own;			/* a host allocation (no arena) */
	/* Every chunk's census, in the arena or after marks[]: buddy_init
	 * writes the booted state's, so that the first
	 * machine_check_changed() after boot walks only what changed since. */
	struct page_census *chunk_census;
	struct page_census census;
	bool census_valid;			/* chunk_census and census are what the frames hold */
	unsigned long slub_errors;	/* BUG reports and FIXes, as slub_kunit counts them */

	unsigned long errors[NR_KALLOC_ERRORS];
	unsigned long errors_total;
	int last_error;
	char last_report[KALLOC_REPORT_MAX];	/* whole, multi-line */
	machine_report_fn report_fn;
	void *report_ctx;

	struct physmem_state phys;
	struct buddy_state buddy;
	struct slab_state slab;
	struct kmalloc_state kmalloc;
	struct vmalloc_state vmalloc;
	uint64_t marks[];		/* check_dirty, boot_dirty, census_stored (, chunk_census) */
};

/* Chunks of @nr_pages frames. */
static inline size_t check_chunks(unsigned long nr_pages)
{
	return (nr_pages + CHECK_CHUNK_PAGES - 1) >> CHECK_CHUNK_SHIFT;
}

/* Words of one bitmap of chunk marks for @nr_pages frames. */
static inline size_t check_mark_words(unsigned long nr_pages)
{
	return (nr_pages + CHECK_CHUNK_PAGES * 64 - 1) / (CHECK_CHUNK_PAGES * 64);
}

/* The one door to host memory: calloc(@n, @size), or NULL when it fails
 * or a failure is injected; kalloc_host_free() gives it back.  The memory
 * mapping is counted through the same door (kalloc_host_map). */
void *kalloc_host_calloc(struct host_allocs *h, size_t n, size_t size);
void kalloc_host_free(struct host_allocs *h, void *p);

/* Report a caller mistake through the sink; returns -code for tail calls. */
int kalloc_report(struct machine *m, int code, const char *fmt, ...) KA_PRINTF(3, 4);
/* vsnprintf(), the same text and return value, for the conversions reports
 * are made of (%d %i %u %x %s %c %p %%, the l, ll and z sizes, the flags
 * - 0 #, a fixed width) without stdio's cost; anything else, it hands the
 * whole format to vsnprintf. */
int kalloc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* seq_file-like text output for /proc files: snprintf semantics. */
struct seq_buf {
	char *buf;
	size_t size, len;	/* len may exceed size: the length needed */
};
void seq_printf(struct seq_buf *s, const char *fmt, ...) KA_PRINTF(2, 3);
/* The two conversions /proc rows are made of, without printf's cost:
 * "%*lu" (right-aligned in @width) and "%-*s" (left-aligned). */
void seq_put_ulong(struct seq_buf *s, unsigned long v, int width);
void seq_put_str(struct seq_buf *s, const char *str, int width);
/* @n bytes as they are (what the two above end in). */
void seq_put_bytes(struct seq_buf *s, const char *p, size_t n);
/* @v in decimal, ending at @e (up to 20 digits before it); returns where
 * it starts.  Two digits a step, from a table of "00".."99". */
static inline char *text_decimal(char *e, unsigned long v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	for (; v >= 10; v /= 100) {
		e -= 2;
		memcpy(e, pairs + 2 * (v % 100), 2);
		if (v < 100)
			return e;
	}
	*--e = (char)('0' + v);
	return e;
}
/* Into a caller's line buffer, for rows built whole and written with one
 * seq_put_bytes: "%*lu" at @p; returns the end of what it wrote (at most 20
 * bytes, or @width when that is more) and may store up to 7 bytes past that
 * end.  The padding goes 8 bytes at a time with constant-size copies: a
 * byte loop here becomes a memset call per field. */
static inline char *text_put_ulong(char *p, unsigned long v, int width)
{
	int n = 1;

	for (unsigned long t = 10; n < 20 && v >= t; t *= 10)
		n++;
	for (int pad = width - n; pad > 0; pad -= 8) {
		memcpy(p, "        ", 8);
		p += pad < 8 ? pad : 8;
	}
	text_decimal(p + n, v);
	return p + n;
}

/* Linux's memchr_inv(): the first byte that is not @v.  The region holds
 * nothing but @v exactly when its first byte is @v and it equals itself
 * moved by one byte - one memcmp, the C library's vector loop, instead of
 * a word at a time (poison and red zones are checked on every alloc and
 * free of a debug cache, the zero page on every mm_check); only a region
 * that fails is walked a byte at a time to find where. */
static inline const unsigned char *memchr_inv(const unsigned char *p, uint8_t v, size_t n)
{
	if (n == 0 || (p[0] == v && (n == 1 || !memcmp(p, p + 1, n - 1))))
		return NULL;
	while (*p == v)
		p++;
	return p;
}

/* Fill @out with @code and a formatted message; returns @code. */
int kalloc_fail(struct kalloc_check *out, int code, const char *fmt, ...) KA_PRINTF(3, 4);

static inline unsigned long pfn_of(const struct machine *m, const struct page *p)
{
	return (unsigned long)(p - m->pages);
}
static inline void *pfn_address(const struct machine *m, unsigned long pfn)
{
	return m->base + (pfn << PAGE_SHIFT);
}
/* The page holding @addr, or NULL outside memory. */
static inline struct page *addr_to_page(const struct machine *m, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)m->base;
	if (unlikely(off >= (uintptr_t)m->nr_pages << PAGE_SHIFT))
		return NULL;
	return &m->pages[off >> PAGE_SHIFT];
}
/* The head page of the allocated block holding @page (compound_head). */
static inline struct page *compound_head(struct page *page)
{
	return (page->flags & PG_tail) ? page->head : page;
}

static inline enum page_owner page_owner(const struct page *page)
{
	return (enum page_owner)((page->flags & PG_tail) ? page->head->owner : page->owner);
}

/* machine_check_changed(): the struct page of @pfn changed (a block's
 * head stands for the whole block). */
static inline void check_mark(struct machine *m, unsigned long pfn)
{
	unsigned long chunk = pfn >> CHECK_CHUNK_SHIFT;

	m->check_dirty[chunk / 64] |= 1ULL << (chunk % 64);
	m->boot_dirty[chunk / 64] |= 1ULL << (chunk % 64);
}

static inline void page_set_owner(struct machine *m, struct page *head, enum page_owner owner)
{
	unsigned long n = block_pages(head);

	VM_BUG_ON(head->flags & PG_tail);
	check_mark(m, pfn_of(m, head));
	m->phys.owner_pages[head->owner] -= n;
	m->phys.owner_pages[owner] += n;
	head->owner = (uint8_t)owner;
}

/* Linux's PageSlab() / folio_test_large_kmalloc(), on a block head. */
static inline bool PageSlab(const struct page *head) { return head->owner == PAGE_OWNER_SLAB; }
static inline bool PageLargeKmalloc(const struct page *head)
{
	return head->owner == PAGE_OWNER_LARGE_KMALLOC;
}

/* ---- buddy.c ------------------------------------------------------------ */
int buddy_init(struct machine *m);

/* machine_check()'s quick path: one walk over the frames (buddy_census)
 * that vouches for every frame's state and counts what the layers' counters
 * must equal, then each layer's quick check (its lists and counters against
 * the census).  A quick check only says pass or fail: when any of them
 * fails, machine_check() runs the layers' complete checks, which find and
 * word the first violation exactly as before.  The rule that makes that
 * sound: every state a complete check rejects, some quick check rejects too
 * (a quick check may reject more - a healthy machine never does - and then
 * costs one complete check). */
/* Every frame in a state the quick checks vouch for: each zone a sequence
 * of naturally aligned blocks of order <= max_order inside it - a free block
 * (PG_buddy head, flags 0 on its tails, owner free and mapcount 0 on all),
 * a per-CPU page (PG_pcp, owner pcp, mapcount 0) or an allocated block
 * (PG_head, an owner above pcp; tails PG_tail pointing at it, owner 0).
 * 0 and @c filled, or -1.  With @chunks, also the census of the blocks
 * headed in each chunk: the chunks with a head set in the bitmap @stored
 * (check_mark_words() words), only those written. */
int buddy_census(const struct machine *m, struct page_census *c, struct page_census *chunks, uint64_t *stored);
/* machine_check_changed(): the census of the chunks marked since the last
 * check walked again, @total corrected by the difference, the marks
 * cleared.  @chunks[i] holds the census of the blocks headed in chunk i
 * (buddy_census fills them when given).  0, or -1 as buddy_census. */
int buddy_census_changed(struct machine *m, struct page_census *total, struct page_census *chunks);
bool buddy_check_quick(struct machine *m, const struct page_census *c, bool all);
/* @all false (machine_check_changed): what no change since the last check
 * can have broken is skipped - the free and per-CPU lists of a zone none
 * of whose lists changed (their counters are still compared with the
 * census), physmem's frame-by-frame mapcounts (their sum is still
 * compared), the slab caches not marked dirty, kmalloc's class tables
 * (written at boot only). */
bool physmem_check_quick(struct machine *m, const struct page_census *c, bool all);
bool slab_check_quick(struct machine *m, const struct page_census *c, bool all);
bool kmalloc_check_quick(struct machine *m, const struct page_census *c, bool all);
/* All of them (machine.c): 0 when every quick check passes.  And the
 * layers' complete checks in machine_check()'s order, its slow path. */
int machine_check_quick(struct machine *m);
int machine_check_complete(struct machine *m, struct kalloc_check *out);

/* ---- slab.c ------------------------------------------------------------- */
int slab_init(struct machine *m);
/* 0 and the cache when @x is the start of a live slab object; otherwise
 * -KERR_* (nothing reported), with *sp set when @x is in some slab. */
int __kmem_cache_object(const struct machine *m, const void *x, struct kmem_cache **sp);
void slab_exit(struct machine *m);

struct kmem_cache_node_cpu {
	struct page *slab;		/* the CPU's active slab, frozen */
};

/* A cache handle is checked before use: ->tag is the cache's own address
 * xor KMEM_CACHE_LIVE while it lives, xor KMEM_CACHE_DEAD once destroyed
 * (the struct stays, on the machine's dead list, until the machine goes), so
 * a stale handle is recognised without touching freed host memory and a
 * copy of a cache at another address is not a cache. */
#define KMEM_CACHE_LIVE	0x6b6d656d63616368ULL	/* "kmemcach" */
#define KMEM_CACHE_DEAD	0x6465616463616368ULL	/* "deadcach" */
/* page->frozen of a slab taken out of service after its freelist was found
 * corrupt: on the cache's isolated list, never allocated from again. */
#define SLAB_FROZEN_ISOLATED	0xffffffffu

struct kmem_cache {
	uint64_t tag;
	struct machine *m;
	char name[KMEM_CACHE_NAME_LEN];
	unsigned int object_size;	/* as created */
	unsigned int size;		/* slot */
	unsigned int align;
	unsigned int offset;		/* free pointer, from the object's start */
	unsigned int inuse;		/* object + right red zone (slub_debug.c) */
	unsigned int red_left_pad;	/* left red zone: the object is this far into its slot */
	uint64_t reciprocal_size;	/* obj_to_index(): ceil(2^42 / size) */
	unsigned int order, objects;	/* preferred slab geometry */
	unsigned int min_order, min_objects;
	unsigned int min_partial;
	slab_flags_t flags;
	gfp_t allocflags;		/* zone and __GFP_COMP for slab pages */
	void (*ctor)(void *);
	struct list_head list;		/* machine's caches */
	/* kmem_cache_node: one node */
	struct list_head partial, full;
	struct list_head isolated;	/* slabs with a corrupt freelist, out of service */
	unsigned long nr_partial, nr_slabs, total_objects;
	unsigned long nr_pages;		/* pages of all its slabs */
	unsigned long ctor_calls, alloc_calls, free_calls;
	unsigned long check_seen;	/* slab_check's scratch count */
	bool check_dirty;		/* changed since the last machine_check (slab_check_quick) */
	bool in_block;			/* one of kmalloc's, all in one host block */
	struct {			/* proc_slabinfo's last row of this cache */
		unsigned long key[6];	/* the numbers it shows */
		uint8_t len;		/* 0: none kept */
		char text[128];
	} slabinfo;
	struct kmem_cache_node_cpu cpu_slab[];	/* nr_cpus entries */
};

/* kmem_cache_create() in two steps, for kmalloc_init's caches: the
 * geometry (reported when refused), then the layout of a zeroed struct of
 * kmem_cache_bytes() on the machine's list. */
int __kmem_cache_geometry(struct machine *m, const char *name, unsigned int size, unsigned int align,
			  slab_flags_t *flags, int has_ctor, struct slub_geometry *g);
void __kmem_cache_init(struct machine *m, struct kmem_cache *s, const char *name, const struct slub_geometry *g,
		       slab_flags_t flags, void (*ctor)(void *));
static inline size_t kmem_cache_bytes(const struct machine *m)
{
	return ALIGN(sizeof(struct kmem_cache) + m->cfg.nr_cpus * sizeof(struct kmem_cache_node_cpu), 64);
}

/* The cache-handle check (slab.c), for every entry point that takes a cache:
 * live (or, with KMEM_CACHE_DEAD, destroyed) without reading anything a
 * bogus pointer could make fatal first - misaligned, tiny, or ASan-poisoned
 * addresses are refused unread.  slab_cache_bad() reports why a handle
 * failed slab_cache_live() and returns -KERR_BAD_CACHE. */
static inline bool slab_cache_tagged(const struct kmem_cache *s, uint64_t tag)
{
	/* The tag word alone is asked of ASan (it is the first member, and
	 * once it matches, the struct is a cache ASan holds whole): every
	 * allocation and free checks its cache, and the shadow query of the
	 * whole struct was the dearer part of that under ASan. */
	_Static_assert(sizeof(s->tag) == 8, "kasan_word_poisoned() asks about one aligned word");
	return !((uintptr_t)s & 7) && (uintptr_t)s >= PAGE_SIZE &&
	       !kasan_word_poisoned(s) && s->tag == (tag ^ (uintptr_t)s);
}
static inline bool slab_cache_live(const struct kmem_cache *s)
{
	return likely(slab_cache_tagged(s, KMEM_CACHE_LIVE));
}
int slab_cache_bad(const struct kmem_cache *s, const char *who);

/* The allocation behind kmem_cache_alloc() and kmalloc(): @orig_size is the
 * request (kmalloc's red zone runs from there), @site the entry point's name
 * for SLAB_STORE_USER when no caller is set. */
void *__kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp, unsigned int orig_size, const char *site);
int __kmem_cache_free(struct kmem_cache *s, void *x, const char *site);
/* The first object of @slab and the slab's start (slub_debug.c walks them). */
static inline char *slab_address(const struct machine *m, const struct page *slab)
{
	return (char *)pfn_address(m, pfn_of(m, slab));
}
static inline char *slab_first_object(const struct kmem_cache *s, const struct page *slab)
{
	return slab_address(s->m, slab) + s->red_left_pad;
}
bool slab_object_live(const struct machine *m, const void *obj);
void slab_object_set_live(struct machine *m, const void *obj, bool live);
/* Put every slab of the partial and full lists on the one its freelist
 * calls for (validate's repairs can empty or refill a freelist). */
void slab_fix_lists(struct kmem_cache *s);
/* The freelist of @slab cannot be trusted: take it out of service. */
void slab_isolate(struct kmem_cache *s, struct page *slab);
/* Is @fp a valid free pointer of @slab: NULL, or an object's start in it? */
bool slab_valid_pointer(const struct kmem_cache *s, const struct page *slab, const void *fp);
void *slab_get_freepointer(const struct kmem_cache *s, void *obj);
void slab_set_freepointer(const struct kmem_cache *s, void *obj, void *fp);

/* ---- slub_debug.c: red zones, poison, tracking, reports, validate ------
 * slab.c calls these only for a cache with a SLAB_DEBUG_FLAGS bit, through
 * the inline tests below, so a cache without them pays one flag test. */
#define __OBJECT_POISON		0x80000000u	/* SLAB_POISON on a cache without ctor or RCU */
#define SLUB_TRACK_SIZE		32u		/* sizeof(struct track) with stack depot */
static inline bool slub_debug_orig_size_flags(slab_flags_t f)
{
	return (f & (SLAB_STORE_USER | SLAB_KMALLOC)) == (SLAB_STORE_USER | SLAB_KMALLOC);
}
static inline slab_flags_t slub_debug_machine_flags(unsigned int bits)
{
	return ((bits & MACHINE_SLUB_POISON) ? SLAB_POISON : 0) |
	       ((bits & MACHINE_SLUB_CONSISTENCY) ? SLAB_CONSISTENCY_CHECKS : 0) |
	       ((bits & MACHINE_SLUB_RED_ZONE) ? SLAB_RED_ZONE : 0) |
	       ((bits & MACHINE_SLUB_STORE_USER) ? SLAB_STORE_USER : 0);
}
static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return unlikely(s->flags & SLAB_DEBUG_FLAGS);
}
/* A new slab's bytes (P: POISON_INUSE everywhere), then each object. */
void slub_debug_init_slab(struct kmem_cache *s, struct page *slab);
void slub_debug_init_object(struct kmem_cache *s, void *obj);
/* @obj was just taken off @slab's freelist: check it (F; P checks poison),
 * then lay it out as in use.  false: F found it bad, the caller isolates
 * the slab and takes another object. */
bool slub_debug_alloc(struct kmem_cache *s, struct page *slab, void *obj, unsigned int orig_size,
		      const char *site);
/* @obj is about to be freed: 0, or -KERR_* (reported; F found it damaged
 * and it stays allocated, as Linux's "Object at ... not freed"). */
int slub_debug_free(struct kmem_cache *s, struct page *slab, void *obj, const char *site);
/* A bad free into a SLAB_CONSISTENCY_CHECKS cache, reported Linux's way:
 * @code is KERR_DOUBLE_FREE ("Object already free") or KERR_NOT_OBJECT
 * ("Invalid object pointer").  Returns -@code. */
int slub_debug_bad_free(struct kmem_cache *s, struct page *slab, const void *x, int code);
/* The allocation found @obj's free pointer @fp invalid (or, @live, leading
 * to an object in use): report it (with F as "Freepointer corrupt" or
 * "Object ... already allocated"); the caller isolates the slab. */
void slub_debug_freelist_corrupt(struct kmem_cache *s, struct page *slab, void *obj, const void *fp,
				 bool live);
/* kmalloc's request of @obj became @orig_size (krealloc in place, ksize). */
void slub_debug_set_orig_size(struct kmem_cache *s, void *obj, unsigned int orig_size);
/* First byte of free object @obj off the poison pattern, or -1. */
long slub_debug_poison_damage(const struct kmem_cache *s, const void *obj);

/* ---- kmalloc.c ---------------------------------------------------------- */
int kmalloc_init(struct machine *m);
/* machine.c: @bytes of zeroed host memory for kmalloc's caches, the
 * arena's or the machine's own (freed by machine_destroy), or NULL. */
void *machine_kmalloc_block(struct machine *m, size_t bytes);

/* ---- mm.c --------------------------------------------------------------- */
#include "mm.h"

#define VM_READ		0x1u
#define VM_WRITE	0x2u
#define VM_HEAP		0x100u	/* the brk heap (Linux tells it by address: [heap]) */

#define MM_TLB_ENTRIES	1024

struct vm_area_struct {
	unsigned long vm_start, vm_end;	/* [start, end), page aligned */
	unsigned int vm_flags;
};

struct mm_struct {
	struct machine *m;
	struct mm_config cfg;
	struct phys_window *win;	/* the address space: a physmem window */
	unsigned long base, span;	/* user addresses: [base, base + span) */
	struct page *pgd;
	struct page *zero_page;
	struct vm_area_struct *vmas;	/* sorted by address, disjoint, never empty */
	unsigned long nr_vmas, vmas_cap;
	unsigned long start_brk, brk;
	unsigned long rss, hiwater_rss;		/* pages */
	unsigned long total_vm, hiwater_vm, data_vm;
	unsigned long pgtables;			/* PUD, PMD and PTE tables (not the PGD) */
	unsigned long zero_mapped;
	unsigned long unaliased;		/* present pages the host would not map twice */
	unsigned long faults, zero_faults, cow_faults, segv;
	unsigned long commit_limit;
	/* A software TLB: the last page translated per slot (vpn + 1, 0 =
	 * empty), so that the heap's 8-byte header accesses skip the VMA
	 * lookup and the four-level walk.  An entry goes whenever its PTE
	 * changes (pte_install, pte_clear): a shootdown of one page. */
	struct mm_tlb {
		unsigned long vpn1;
		unsigned char *frame;	/* direct-map address of the frame */
		int writable;
	} tlb[MM_TLB_ENTRIES];
	unsigned long tlb_hits, tlb_misses;
};

/* The PTE slot of @addr, or NULL when a table is missing (white-box tests). */
uint64_t *mm_pte_slot(struct mm_struct *mm, unsigned long addr);

/* ---- heap.c ------------------------------------------------------------- */
#include "heap.h"

#define HEAP_NBINS	128

struct heap_mmapped {
	unsigned long p;		/* the block (chunk + 16) */
	unsigned long map, len;		/* its mapping */
};

struct heap {
	struct mm_struct *mm;
	struct machine *m;
	size_t top_pad, mmap_threshold, trim_threshold;
	unsigned long start;		/* first chunk */
	unsigned long top;		/* top chunk; it ends at end */
	unsigned long end;		/* the break this heap set */
	unsigned long clean_from;	/* [clean_from, end) never handed out since brk gave it: zero */
	/* Free chunks in bins, as glibc's: one list per 16-byte size below
	 * 1 KiB (exact fit), one per power of two above (best fit inside);
	 * fd at chunk + 16, bk at chunk + 24; a bit per non-empty bin. */
	unsigned long bins[HEAP_NBINS];	/* first chunk, 0 = empty */
	uint64_t binmap[HEAP_NBINS / 64];
	unsigned long nr_free;
	size_t free_bytes;
	uint64_t *live;			/* 1 bit per 16 bytes from start: an in-use chunk starts here */
	size_t live_words;
	struct heap_mmapped *mmapped;	/* sorted by p */
	unsigned long nr_mmapped, mmapped_cap;
	size_t mmapped_bytes;
	unsigned long nr_inuse;
	size_t inuse_bytes;		/* chunk bytes of in-use brk chunks */
	size_t usable_bytes;		/* usable bytes of every live block */
	unsigned long mallocs, frees, reallocs, sbrks, trims, mmaps, munmaps, errors;
};

#endif
