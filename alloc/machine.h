/* machine.h - the simulated machine: physical memory, zones, configuration,
 * the error sink and the whole-machine check.
 *
 * A struct machine owns everything kalloc simulates: N page frames of 4 KiB
 * in one memfd, mapped shared at the direct map (a frame's logical address
 * is base + pfn * PAGE_SIZE) and mappable again elsewhere (physmem.h), a
 * struct page per frame, the zones, and
 * the state of every allocator layer built on top.  Nothing is global: a test
 * or a fuzz input creates its own machine and destroys it.
 *
 * Entry points: machine_config_default(), machine_create(), machine_destroy(),
 * machine_check(), and the error sink machine_errors()/machine_last_error().
 */
#ifndef KALLOC_MACHINE_H
#define KALLOC_MACHINE_H

#include <stddef.h>

struct machine;
struct page;
struct kmem_cache;

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define MAX_PAGE_ORDER	10			/* Linux's default: 4 MiB blocks */
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)
#define MAX_NR_CPUS	64

enum zone_type {
	ZONE_DMA,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

enum kmalloc_profile {
	KMALLOC_PROFILE_DEFAULT,	/* kmalloc-8 ... kmalloc-8k, +96, +192, dma-kmalloc-* */
	KMALLOC_PROFILE_CLASSIC,	/* 2.6-era size-32 ... size-131072, size-N(DMA) */
	NR_KMALLOC_PROFILES
};

/* Debug features a machine turns on for every cache, like Linux's
 * slub_debug=FZPU (machine_slub_debug_parse() reads the letters). */
#define MACHINE_SLUB_POISON	0x1u	/* P: SLAB_POISON on every cache */
#define MACHINE_SLUB_CONSISTENCY 0x2u	/* F: SLAB_CONSISTENCY_CHECKS */
#define MACHINE_SLUB_RED_ZONE	0x4u	/* Z: SLAB_RED_ZONE */
#define MACHINE_SLUB_STORE_USER	0x8u	/* U: SLAB_STORE_USER */
#define MACHINE_SLUB_ALL	0xfu

/* machine_config.kernel_version.  kalloc models Linux 6.18; where a rule
 * it models changed since Debian's 6.1 (the kernel kernel/kdiff.py boots),
 * the machine can follow 6.1 instead:
 *  - calculate_order(): 6.8 ("attempt to find layouts up to 1/2 waste")
 *    starts at the order min_objects need and accepts up to 1/2 of the slab
 *    wasted; 6.1 lowers min_objects one by one, accepting at most 1/4, and
 *    only then puts a single object in the smallest order that holds it. */
enum kernel_version {
	KALLOC_LINUX_6_18 = 0,
	KALLOC_LINUX_6_1 = 1,
	NR_KERNEL_VERSIONS
};

struct machine_config {
	unsigned long nr_pages;		/* page frames; default 65536 (256 MiB) */
	unsigned long dma_pages;	/* frames in ZONE_DMA; default 4096 (16 MiB), 0 = none */
	unsigned int nr_cpus;		/* 1..MAX_NR_CPUS; slab geometry depends on it; default 4 */
	unsigned int max_order;		/* largest buddy order, 0..MAX_PAGE_ORDER; default 10 */
	enum kmalloc_profile profile;	/* general caches; default KMALLOC_PROFILE_DEFAULT */
	unsigned int slub_debug;	/* MACHINE_SLUB_* bits; default 0 */
	int quiet;			/* 1: do not print reports on stderr; default 0 */
	/* Host-allocation failure injection from the first allocation of
	 * boot on (the struct machine itself): let @host_fail_skip attempts
	 * through, then fail @host_fail_times; default 0, 0 (never).  See
	 * machine_inject_host_failures(). */
	unsigned long host_fail_skip, host_fail_times;
	/* Whose rules where Linux changed them (enum kernel_version); default
	 * KALLOC_LINUX_6_18 (0).  Today only calculate_order() differs. */
	unsigned int kernel_version;
};

/* Linux's slub_debug letters ("FZPU", any order and case; "" or "-" is
 * none) as MACHINE_SLUB_* bits in *@bits.  0, or -KERR_INVAL for any other
 * letter (Linux's T, A and O are not modelled).  machine_slub_debug_letters()
 * writes the bits back as letters in F, Z, P, U order ("-" for none). */
int machine_slub_debug_parse(const char *letters, unsigned int *bits);
void machine_slub_debug_letters(unsigned int bits, char out[8]);

/* Fill @cfg with the defaults above. */
void machine_config_default(struct machine_config *cfg);

/* Boot a machine: map its memory, build the zones, free every frame to the
 * buddy allocator and create the kmalloc caches.  NULL (and a message on
 * stderr) when @cfg is out of range or the host is out of memory.  A NULL
 * @cfg means the defaults. */
struct machine *machine_create(const struct machine_config *cfg);

/* Unmap everything.  Live allocations are simply dropped with the machine.
 * A machine booted in an arena gives the arena back clean instead. */
void machine_destroy(struct machine *m);

/* An arena: memory (the memfd and its direct map), the host windows upper
 * layers reserve, struct pages and the slab live-object map for machines
 * of up to @max_pages frames, kept between machines.  A fuzzer boots one
 * machine per input; booting into an arena skips the mapping, the page
 * faults and (in ASan builds) poisoning all of memory again, because
 * machine_destroy() hands the arena back exactly as it found it: every byte
 * poisoned, every struct page zero but for its zone (kept for the next
 * machine of the same layout; only the chunks a machine changed are reset),
 * every map bit zero, every window unmapped.  The arena also holds kmalloc's
 * caches, laid out afresh at each boot.  One machine at a time.
 * Note: the frames are MAP_SHARED: a child forked while a machine lives
 * writes the parent's frames.  Run one machine at a time across processes
 * too (kfz's forked shrinker waits for its child). */
struct kalloc_arena;
struct kalloc_arena *kalloc_arena_create(unsigned long max_pages);
void kalloc_arena_destroy(struct kalloc_arena *a);
/* machine_create() into @a; NULL when @a is in use or too small. */
struct machine *machine_create_in(struct kalloc_arena *a, const struct machine_config *cfg);

/* Host memory.  Every host allocation the library makes for a machine (the
 * struct machine, its memory mapping, the struct page array, the live-object
 * map, kmalloc's caches as one block, every other struct kmem_cache) is
 * counted, and can be made to fail as
 * buddy_inject_failures() makes page allocations fail: let the next @skip
 * attempts through, then fail the @times after them; (0, 0) turns it off.
 * A failed host allocation comes back to the caller as NULL or -KERR_NOMEM.
 * machine_host_allocs() counts attempts since boot began (failed ones too),
 * machine_host_live() the blocks the machine holds now. */
void machine_inject_host_failures(struct machine *m, unsigned long skip, unsigned long times);
unsigned long machine_host_allocs(const struct machine *m);
unsigned long machine_host_live(const struct machine *m);

/* The machine's configuration as it was accepted. */
const struct machine_config *machine_config(const struct machine *m);

/* The simulated CPU that allocations run on (per-CPU page lists and per-CPU
 * slabs are per CPU).  0 at boot.  Returns -KERR_INVAL for a CPU the machine
 * does not have. */
int machine_set_cpu(struct machine *m, unsigned int cpu);
unsigned int machine_cpu(const struct machine *m);

/* The call site that the slab allocations and frees made from now on record
 * (SLAB_STORE_USER: "Allocated in <site> age=N cpu=N pid=N"); NULL goes back
 * to the entry point's own name (kmalloc, kmem_cache_free, ...).  The name
 * is copied; a machine keeps up to 63 different ones.  0, or -KERR_INVAL
 * for an empty or too long (over 63 bytes) name or a full table. */
int machine_set_caller(struct machine *m, const char *site);

/* Write @len bytes from @src at @addr in simulated memory, whatever the
 * allocator keeps there: a deliberate corruption, for tests and the
 * harness's scribble ops.  ASan's view of the bytes is left as it was, so
 * an ASan build sees no access by the caller.  0, or -KERR_BAD_ADDRESS
 * (nothing written) when a byte lies outside memory.  machine_peek() reads. */
int machine_poke(struct machine *m, void *addr, const void *src, size_t len);
int machine_peek(const struct machine *m, const void *addr, void *dst, size_t len);

/* Bounds of the direct map: [base, base + nr_pages * PAGE_SIZE). */
void *machine_base(const struct machine *m);
unsigned long machine_nr_pages(const struct machine *m);

/* ------------------------------------------------------------------------
 * The error sink.  Caller mistakes (a double free, a wrong order, a pointer
 * the allocator never handed out, a free into the wrong cache, a size that
 * overflows) never abort: the function returns -KERR_*, the mistake is
 * counted and reported here, and the structure stays intact.
 */
#define KALLOC_ERRORS(X)						\
	X(KERR_NONE,		"no error")				\
	X(KERR_NOMEM,		"out of memory")			\
	X(KERR_INVAL,		"invalid argument")			\
	X(KERR_OVERFLOW,	"size computation overflows")		\
	X(KERR_TOO_BIG,		"request larger than the allocator serves") \
	X(KERR_BAD_ADDRESS,	"address outside simulated memory")	\
	X(KERR_NOT_HEAD,	"not the head of an allocated block")	\
	X(KERR_DOUBLE_FREE,	"double free")				\
	X(KERR_WRONG_ORDER,	"freed with a different order than allocated") \
	X(KERR_WRONG_OWNER,	"freed through the wrong allocator")	\
	X(KERR_NOT_OBJECT,	"not the start of a slab object")	\
	X(KERR_WRONG_CACHE,	"object freed into the wrong cache")	\
	X(KERR_CACHE_BUSY,	"cache still has objects")		\
	X(KERR_POISON,		"poison overwritten: write after free") \
	X(KERR_FAULT,		"access to an address with no page mapped (page fault)") \
	X(KERR_BAD_CACHE,	"not a live cache: destroyed, or never created") \
	X(KERR_REDZONE,		"red zone overwritten")			\
	X(KERR_PADDING,		"object or slab padding overwritten")	\
	X(KERR_FREEPTR,		"free pointer corrupt")			\
	X(KERR_SLAB_STATE,	"slab counters or freelist inconsistent") \
	X(KERR_NOT_MAPPED,	"range not mapped")

enum kalloc_error {
#define KALLOC_ERROR_ENUM(code, text) code,
	KALLOC_ERRORS(KALLOC_ERROR_ENUM)
#undef KALLOC_ERROR_ENUM
	NR_KALLOC_ERRORS
};

/* Short name ("KERR_DOUBLE_FREE") and text of an error code; "?" if unknown. */
const char *kalloc_error_name(int code);
const char *kalloc_error_text(int code);

/* How many errors of @code were reported since boot (or the last clear). */
unsigned long machine_errors(const struct machine *m, enum kalloc_error code);
/* All errors reported since boot (or the last clear). */
unsigned long machine_errors_total(const struct machine *m);
/* The code and the report of the last error; KERR_NONE and "" if none.
 * A report may span several lines (a SLUB debug report does); it is kept
 * whole up to KALLOC_REPORT_MAX - 1 bytes and truncated beyond that. */
#define KALLOC_REPORT_MAX 8192
int machine_last_error(const struct machine *m);
const char *machine_last_report(const struct machine *m);
void machine_clear_errors(struct machine *m);

/* Send each report to @fn as well (NULL removes it).  Reports go to stderr
 * too unless the machine was configured quiet. */
typedef void (*machine_report_fn)(void *ctx, int code, const char *report);
void machine_set_report(struct machine *m, machine_report_fn fn, void *ctx);

/* ------------------------------------------------------------------------
 * Checks.  Every layer has an always-built check that walks its whole
 * structure, cross-checks each counter against what it counts, and returns
 * the first violated invariant as a code with a one-line message.  The codes
 * and their text live in check.h.
 */
struct kalloc_check {
	int code;		/* enum kalloc_invariant, 0 when healthy */
	char msg[240];		/* the first violation, with the numbers found */
};

/* physmem_check(), buddy_check(), slab_check(), kmalloc_check(),
 * vmalloc_check(); the first failure wins.  A healthy machine costs one
 * walk over the frames and the slab lists (a quick path that vouches for
 * every invariant); the layers' checks run only to name a failure. */
int machine_check(struct machine *m, struct kalloc_check *out);

/* What the changes since the previous machine_check() or
 * machine_check_changed() can have broken, at the cost of what changed:
 * the struct pages the layers marked as they changed them (a mark per 64
 * frames; a block's head stands for the block) are walked again and the
 * census of the rest is taken from the last check; the slab caches that
 * allocated, freed, shrank or were poked are walked whole, the others
 * not; then every counter the complete check compares, the free and
 * per-CPU lists, the windows and vmalloc_check().  Same return convention
 * as machine_check(); a failure is named by the complete checks.  The first
 * call (and the first after a failed check) is a machine_check().
 * Note: a change made behind the layers' backs - a test writing a struct
 * page or a slab's counter, a stray write into a slab not done through
 * machine_poke() - is not marked, and is seen only by machine_check(),
 * which stays the complete walk (and clears the marks). */
int machine_check_changed(struct machine *m, struct kalloc_check *out);

#endif
