/* bench.c - `make bench`: kalloc's hot paths against a bare free list and
 * glibc malloc, and a replay of a real Linux allocation trace.
 *
 * One process, one seed.  Every workload is generated up front from the seed
 * (printed; SEED= sets it) into an array, and every contender replays the
 * same array, so the only thing that differs between contenders is the
 * allocator.  Generation, trace decoding, pre-filling and tear-down stay
 * outside the timed regions.
 *
 * Method: CLOCK_MONOTONIC around the timed loop; repetition 0 is a warm-up
 * and is thrown away; then REPS (default 21, at least 5) repetitions with the
 * contenders interleaved and the first one rotating (A B C, B C A, ...) so
 * that drift in the host hits them alike; the reported figure is the median.
 * Runs are short (a few ms) and many, so that a run the scheduler interrupts
 * is an outlier the median ignores rather than a bias in every run; a
 * workload whose runs still scatter is measured again (see measure()).
 * "op" is one allocator call: an alloc or a free each count once.  Ratio =
 * kalloc / baseline, so below 1 means kalloc is faster.
 *
 * Workloads:
 *   cache64 reuse   alloc, touch, free, repeat
 *   cache64 batch   1024 allocs, then the 1024 freed in reverse
 *   cache64 random  128k slots, 64k of them live at the start; each step picks
 *                   a random slot and frees it if live, allocates it if not
 *   kmalloc mix     the same random walk with sizes drawn from the trace's
 *                   kmalloc bytes_req (or a documented fallback skew)
 *   pages random    4096 slots, random order 0..4, random walk as above
 *   pages ping-pong alloc_pages(0) and free, repeat
 *   vmalloc random  64 slots, areas of 1..16 pages, random walk as above,
 *                   against glibc malloc and the host's mmap/munmap
 *   trace replay    kmalloc, kfree, kmem_cache_alloc, kmem_cache_free of
 *                   linux-6.18-fswalk (TRACE=path), decoded once into ops
 *
 * Each contender's loop is a separate non-inlined function made from one
 * always-inlined body, so there is no indirect call inside a timed loop and
 * each contender gets code specialised for it.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "kalloc.h"

#define ALWAYS_INLINE	static inline __attribute__((always_inline))
#define NOINLINE	static __attribute__((noinline))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define OBJ_SIZE	64
#define REUSE_PAIRS	500000L
#define BATCH		1024
#define BATCH_ROUNDS	250L
#define RAND_SLOTS	(128 * 1024)		/* half live: 64k live objects */
#define RAND_STEPS	500000L
#define KM_SLOTS	(128 * 1024)
#define KM_STEPS	500000L
#define PG_SLOTS	4096
#define PG_STEPS	250000L
#define PG_MAX_ORDER	4
#define PINGPONG_PAIRS	500000L
#define TRACE_PAGES	(512UL * 1024)		/* 2 GiB of simulated frames, mapped lazily */

/* ------------------------------------------------------------------------
 * Timing, randomness, reporting
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Keep the compiler from dropping an allocation it can see is unused (gcc
 * removes a malloc/free pair whose pointer never escapes). */
ALWAYS_INLINE void escape(void *p)
{
	__asm__ volatile("" : : "g"(p) : "memory");
}

/* splitmix64: tiny, seedable, good enough to pick slots and sizes. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rng_next(s) >> 32) * n) >> 32);
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bench: FAILED: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory (%s)", "host calloc");
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t g_seed = 0x6b616c6c6f63ULL;	/* "kalloc" */
static int g_reps = 21;
static double g_noise;		/* of the last measure() */

/* Each workload gets its own stream, so adding one does not change others. */
static uint64_t seed_for(unsigned int workload)
{
	uint64_t s = g_seed ^ (0x100000001b3ULL * (workload + 1));

	rng_next(&s);
	return s;
}

struct row {
	char name[40];
	double kalloc_ns;
	char base[24];
	double base_ns;
	double goal;		/* ratio must be <= goal; 0: no goal */
	double noise;		/* interquartile range / median of the runs */
};
static struct row g_rows[32];
static int g_nrows;

static void add_row(const char *name, double kalloc_ns, const char *base, double base_ns, double goal)
{
	struct row *r = &g_rows[g_nrows++];

	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->base, sizeof(r->base), "%s", base);
	r->kalloc_ns = kalloc_ns;
	r->base_ns = base_ns;
	r->goal = goal;
	r->noise = g_noise;
	printf("  %-34s kalloc %7.2f ns/op   %-19s %7.2f ns/op   ratio %.2f   noise %2.0f%%\n",
	       name, kalloc_ns, base, base_ns, kalloc_ns / base_ns, 100 * g_noise);
	fflush(stdout);
}

/* Noise of a sorted sample: its interquartile range over its median. */
static double spread(const double *v, int n)
{
	return (v[3 * n / 4] - v[n / 4]) / v[n / 2];
}

/* Run @n contenders @g_reps times after one warm-up, interleaved, and
 * return each one's median ns/op in @out.  run(i, ctx) returns the ns of
 * one timed run of contender i; @ops is the number of ops in a run.
 * Who goes first rotates, so a burst of load does not always land on the
 * same contender.  When the runs scatter by more than 10% (a neighbour
 * took the CPU for a while), the whole measurement is taken again, up to
 * three times, and the calmest attempt is kept; its noise goes to g_noise. */
static void measure(int n, double (*run)(int who, void *ctx), void *ctx, double ops, double *out)
{
	double t[8][64];

	g_noise = 1e9;
	for (int attempt = 0; attempt < 3 && g_noise > 0.10; attempt++) {
		double noise = 0, med[8];

		for (int rep = 0; rep <= g_reps; rep++)
			for (int j = 0; j < n; j++) {
				int i = (j + rep) % n;
				double ns = run(i, ctx);
				if (rep)
					t[i][rep - 1] = ns / ops;
			}
		for (int i = 0; i < n; i++) {
			med[i] = median(t[i], g_reps);
			if (spread(t[i], g_reps) > noise)
				noise = spread(t[i], g_reps);
		}
		if (noise < g_noise) {
			g_noise = noise;
			memcpy(out, med, n * sizeof(*out));
		}
	}
}

/* ------------------------------------------------------------------------
 * The contenders for 64-byte objects
 */
enum who { KALLOC, BARE, GLIBC };

/* The bare free list: a minimal intrusive LIFO over a preallocated arena.
 * This is the floor any object cache is measured against: one load and one
 * store per call, no checks, no accounting. */
struct freelist {
	void *head;
	char *arena;
};

static void freelist_init(struct freelist *f, size_t nobj, size_t size)
{
	f->arena = aligned_alloc(64, nobj * size);
	if (!f->arena)
		die("out of memory (%s)", "free-list arena");
	f->head = NULL;
	for (size_t i = nobj; i-- > 0;) {
		void **o = (void **)(f->arena + i * size);
		*o = f->head;
		f->head = o;
	}
}

ALWAYS_INLINE void *freelist_alloc(struct freelist *f)
{
	void **o = f->head;

	if (o)
		f->head = *o;
	return o;
}

ALWAYS_INLINE void freelist_free(struct freelist *f, void *p)
{
	*(void **)p = f->head;
	f->head = p;
}

struct obj_ctx {
	struct kmem_cache *cache;
	struct freelist fl;
	void **slots;
	const uint32_t *steps;		/* random: slot to toggle, per step */
};

ALWAYS_INLINE void *obj_alloc(struct obj_ctx *c, enum who w)
{
	void *p;

	if (w == KALLOC)
		p = kmem_cache_alloc(c->cache, GFP_KERNEL);
	else if (w == BARE)
		p = freelist_alloc(&c->fl);
	else
		p = malloc(OBJ_SIZE);
	if (__builtin_expect(!p, 0))
		die("%s: allocation failed", "cache64");
	/* Write one word, as a caller would; it also keeps the compiler from
	 * treating the object as unused. */
	((long *)p)[1] = (long)p;
	escape(p);
	return p;
}

ALWAYS_INLINE void obj_free(struct obj_ctx *c, enum who w, void *p)
{
	if (w == KALLOC) {
		if (__builtin_expect(kmem_cache_free(c->cache, p) != 0, 0))
			die("%s: kmem_cache_free failed", "cache64");
	} else if (w == BARE) {
		freelist_free(&c->fl, p);
	} else {
		free(p);
	}
}

ALWAYS_INLINE double reuse_body(struct obj_ctx *c, enum who w)
{
	double t0 = now_ns();

	for (long i = 0; i < REUSE_PAIRS; i++)
		obj_free(c, w, obj_alloc(c, w));
	return now_ns() - t0;
}

ALWAYS_INLINE double batch_body(struct obj_ctx *c, enum who w)
{
	void **v = c->slots;
	double t0 = now_ns();

	for (long r = 0; r < BATCH_ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++)
			v[i] = obj_alloc(c, w);
		for (int i = BATCH; i-- > 0;)
			obj_free(c, w, v[i]);
	}
	return now_ns() - t0;
}

ALWAYS_INLINE double random_body(struct obj_ctx *c, enum who w)
{
	void **v = c->slots;
	double t0, t;

	/* Pre-fill (untimed): the first half of the slots live. */
	for (int i = 0; i < RAND_SLOTS; i++)
		v[i] = i < RAND_SLOTS / 2 ? obj_alloc(c, w) : NULL;
	t0 = now_ns();
	for (long i = 0; i < RAND_STEPS; i++) {
		uint32_t k = c->steps[i];

		if (v[k]) {
			obj_free(c, w, v[k]);
			v[k] = NULL;
		} else {
			v[k] = obj_alloc(c, w);
		}
	}
	t = now_ns() - t0;
	for (int i = 0; i < RAND_SLOTS; i++)
		if (v[i])
			obj_free(c, w, v[i]);
	return t;
}

NOINLINE double reuse_kalloc(struct obj_ctx *c) { return reuse_body(c, KALLOC); }
NOINLINE double reuse_bare(struct obj_ctx *c) { return reuse_body(c, BARE); }
NOINLINE double reuse_glibc(struct obj_ctx *c) { return reuse_body(c, GLIBC); }
NOINLINE double batch_kalloc(struct obj_ctx *c) { return batch_body(c, KALLOC); }
NOINLINE double batch_bare(struct obj_ctx *c) { return batch_body(c, BARE); }
NOINLINE double batch_glibc(struct obj_ctx *c) { return batch_body(c, GLIBC); }
NOINLINE double random_kalloc(struct obj_ctx *c) { return random_body(c, KALLOC); }
NOINLINE double random_bare(struct obj_ctx *c) { return random_body(c, BARE); }
NOINLINE double random_glibc(struct obj_ctx *c) { return random_body(c, GLIBC); }

static double (*const reuse_fns[])(struct obj_ctx *) = { reuse_kalloc, reuse_bare, reuse_glibc };
static double (*const batch_fns[])(struct obj_ctx *) = { batch_kalloc, batch_bare, batch_glibc };
static double (*const random_fns[])(struct obj_ctx *) = { random_kalloc, random_bare, random_glibc };

struct obj_run {
	struct obj_ctx *c;
	double (*const *fns)(struct obj_ctx *);
};

static double obj_run(int who, void *ctx)
{
	struct obj_run *r = ctx;

	return r->fns[who](r->c);
}

static struct machine *boot(unsigned long pages)
{
	struct machine_config cfg;
	struct machine *m;

	machine_config_default(&cfg);
	cfg.quiet = 1;
	cfg.nr_cpus = 2;		/* the trace's machine, and this host */
	if (pages)
		cfg.nr_pages = pages;
	m = machine_create(&cfg);
	if (!m)
		die("machine_create failed (%s)", "see stderr");
	return m;
}

/* A failed check or a reported error after a workload is a bug somewhere:
 * say so loudly and stop with a non-zero status. */
static void must_be_healthy(struct machine *m, const char *after)
{
	struct kalloc_check ck;

	if (machine_check(m, &ck)) {
		fprintf(stderr, "\n*** bench: machine_check FAILED after %s: code %d: %s ***\n\n",
			after, ck.code, ck.msg);
		exit(1);
	}
	if (machine_errors_total(m)) {
		fprintf(stderr, "\n*** bench: %lu allocator errors after %s; last: %s ***\n\n",
			machine_errors_total(m), after, machine_last_report(m));
		exit(1);
	}
}

static void bench_cache64(struct machine *m)
{
	struct obj_ctx c = { 0 };
	uint32_t *steps = xcalloc(RAND_STEPS, sizeof(*steps));
	uint64_t s = seed_for(1);
	static const char *const base[] = { "", "bare free list", "glibc malloc" };
	struct {
		const char *name;
		double (*const *fns)(struct obj_ctx *);
		double ops;
	} w[] = {
		{ "kmem_cache 64B reuse", reuse_fns, 2.0 * REUSE_PAIRS },
		{ "kmem_cache 64B batch 1024 rev", batch_fns, 2.0 * BATCH * BATCH_ROUNDS },
		{ "kmem_cache 64B random 64k live", random_fns, (double)RAND_STEPS },
	};

	c.cache = kmem_cache_create(m, "bench-64", OBJ_SIZE, 0, 0, NULL);
	if (!c.cache)
		die("kmem_cache_create(%s) failed", "bench-64");
	freelist_init(&c.fl, RAND_SLOTS, OBJ_SIZE);
	c.slots = xcalloc(RAND_SLOTS, sizeof(void *));
	for (long i = 0; i < RAND_STEPS; i++)
		steps[i] = rng_below(&s, RAND_SLOTS);
	c.steps = steps;

	for (unsigned int i = 0; i < ARRAY_SIZE(w); i++) {
		struct obj_run r = { &c, w[i].fns };
		double med[3];

		measure(3, obj_run, &r, w[i].ops, med);
		add_row(w[i].name, med[KALLOC], base[BARE], med[BARE], 1.5);
		add_row(w[i].name, med[KALLOC], base[GLIBC], med[GLIBC], 0);
	}
	must_be_healthy(m, "the kmem_cache benchmarks");
	if (kmem_cache_destroy(c.cache))
		die("kmem_cache_destroy(%s) refused: objects leaked", "bench-64");
	free(c.fl.arena);
	free(c.slots);
	free(steps);
}

/* ------------------------------------------------------------------------
 * kmalloc on a skewed size mix
 */
struct km_step {
	uint32_t slot;
	uint32_t size;
};

struct km_ctx {
	struct machine *m;
	void **slots;
	const struct km_step *steps;
};

ALWAYS_INLINE void *km_alloc(struct km_ctx *c, enum who w, size_t size)
{
	void *p = w == KALLOC ? kmalloc(c->m, size, GFP_KERNEL) : malloc(size);

	if (__builtin_expect(!p, 0))
		die("%s: allocation failed", "kmalloc mix");
	((char *)p)[0] = 1;
	escape(p);
	return p;
}

ALWAYS_INLINE void km_free(struct km_ctx *c, enum who w, void *p)
{
	if (w == KALLOC) {
		if (__builtin_expect(kfree(c->m, p) != 0, 0))
			die("%s: kfree failed", "kmalloc mix");
	} else {
		free(p);
	}
}

ALWAYS_INLINE double km_body(struct km_ctx *c, enum who w)
{
	void **v = c->slots;
	double t0, t;

	/* Pre-fill (untimed) the first half of the slots with the sizes the
	 * first steps would use, so the live set starts at its steady state. */
	for (int i = 0; i < KM_SLOTS; i++)
		v[i] = i < KM_SLOTS / 2 ? km_alloc(c, w, c->steps[i].size) : NULL;
	t0 = now_ns();
	for (long i = 0; i < KM_STEPS; i++) {
		uint32_t k = c->steps[i].slot;

		if (v[k]) {
			km_free(c, w, v[k]);
			v[k] = NULL;
		} else {
			v[k] = km_alloc(c, w, c->steps[i].size);
		}
	}
	t = now_ns() - t0;
	for (int i = 0; i < KM_SLOTS; i++)
		if (v[i])
			km_free(c, w, v[i]);
	return t;
}

NOINLINE double km_kalloc(struct km_ctx *c) { return km_body(c, KALLOC); }
NOINLINE double km_glibc(struct km_ctx *c) { return km_body(c, GLIBC); }

static double km_run(int who, void *ctx)
{
	return who == 0 ? km_kalloc(ctx) : km_glibc(ctx);
}

/* The fallback skew when the trace is missing: the trace's kmalloc classes
 * and their shares (per mille), sizes uniform inside each class. */
static const struct { uint32_t lo, hi, permille; } km_fallback[] = {
	{ 1, 16, 1 }, { 17, 32, 1 }, { 33, 64, 596 }, { 65, 96, 349 }, { 97, 128, 42 },
	{ 129, 192, 9 }, { 257, 512, 2 }
};

static uint32_t km_fallback_size(uint64_t *s)
{
	uint32_t r = rng_below(s, 1000);

	for (unsigned int i = 0; i < ARRAY_SIZE(km_fallback); i++) {
		if (r < km_fallback[i].permille)
			return km_fallback[i].lo + rng_below(s, km_fallback[i].hi - km_fallback[i].lo + 1);
		r -= km_fallback[i].permille;
	}
	return 64;
}

/* @sizes: the trace's kmalloc bytes_req values (n of them), or NULL. */
static void bench_kmalloc(struct machine *m, const uint32_t *sizes, size_t n)
{
	struct km_step *steps = xcalloc(KM_STEPS, sizeof(*steps));
	struct km_ctx c = { m, xcalloc(KM_SLOTS, sizeof(void *)), steps };
	uint64_t s = seed_for(2);
	double med[2];

	if (sizes)
		printf("kmalloc mix: sizes drawn from the trace's %zu kmalloc bytes_req values\n", n);
	else
		printf("kmalloc mix: no trace; sizes from the built-in skew (60%% 33-64 B, 35%% 65-96 B, ...)\n");
	for (long i = 0; i < KM_STEPS; i++) {
		steps[i].slot = rng_below(&s, KM_SLOTS);
		steps[i].size = sizes ? sizes[rng_below(&s, (uint32_t)n)] : km_fallback_size(&s);
		if (!steps[i].size)		/* kmalloc(0) is not an allocation */
			steps[i].size = 1;
	}
	measure(2, km_run, &c, (double)KM_STEPS, med);
	add_row("kmalloc skewed mix 64k live", med[0], "glibc malloc", med[1], 0.7);
	must_be_healthy(m, "the kmalloc benchmark");
	free(c.slots);
	free(steps);
}

/* ------------------------------------------------------------------------
 * Pages
 */
struct pg_step {
	uint32_t slot;
	uint32_t order;
};

struct pg_ctx {
	struct machine *m;
	void **slots;
	unsigned char *orders;
	const struct pg_step *steps;
};

ALWAYS_INLINE void *pg_alloc(struct pg_ctx *c, enum who w, unsigned int order)
{
	void *p = w == KALLOC ? (void *)alloc_pages(c->m, GFP_KERNEL, order)
			      : aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);

	if (__builtin_expect(!p, 0))
		die("%s: allocation failed", "pages");
	escape(p);
	return p;
}

ALWAYS_INLINE void pg_free(struct pg_ctx *c, enum who w, void *p, unsigned int order)
{
	if (w == KALLOC) {
		if (__builtin_expect(__free_pages(c->m, p, order) != 0, 0))
			die("%s: __free_pages failed", "pages");
	} else {
		free(p);
	}
}

ALWAYS_INLINE double pg_random_body(struct pg_ctx *c, enum who w)
{
	void **v = c->slots;
	double t0, t;

	for (int i = 0; i < PG_SLOTS; i++) {
		c->orders[i] = (unsigned char)c->steps[i].order;
		v[i] = i < PG_SLOTS / 2 ? pg_alloc(c, w, c->orders[i]) : NULL;
	}
	t0 = now_ns();
	for (long i = 0; i < PG_STEPS; i++) {
		uint32_t k = c->steps[i].slot;

		if (v[k]) {
			pg_free(c, w, v[k], c->orders[k]);
			v[k] = NULL;
		} else {
			c->orders[k] = (unsigned char)c->steps[i].order;
			v[k] = pg_alloc(c, w, c->orders[k]);
		}
	}
	t = now_ns() - t0;
	for (int i = 0; i < PG_SLOTS; i++)
		if (v[i])
			pg_free(c, w, v[i], c->orders[i]);
	return t;
}

ALWAYS_INLINE double pg_pingpong_body(struct pg_ctx *c, enum who w)
{
	double t0 = now_ns();

	for (long i = 0; i < PINGPONG_PAIRS; i++)
		pg_free(c, w, pg_alloc(c, w, 0), 0);
	return now_ns() - t0;
}

NOINLINE double pg_random_kalloc(struct pg_ctx *c) { return pg_random_body(c, KALLOC); }
NOINLINE double pg_random_glibc(struct pg_ctx *c) { return pg_random_body(c, GLIBC); }
NOINLINE double pg_pingpong_kalloc(struct pg_ctx *c) { return pg_pingpong_body(c, KALLOC); }
NOINLINE double pg_pingpong_glibc(struct pg_ctx *c) { return pg_pingpong_body(c, GLIBC); }

static double pg_random_run(int who, void *ctx)
{
	return who == 0 ? pg_random_kalloc(ctx) : pg_random_glibc(ctx);
}

static double pg_pingpong_run(int who, void *ctx)
{
	return who == 0 ? pg_pingpong_kalloc(ctx) : pg_pingpong_glibc(ctx);
}

static void bench_pages(struct machine *m)
{
	struct pg_step *steps = xcalloc(PG_STEPS, sizeof(*steps));
	struct pg_ctx c = { m, xcalloc(PG_SLOTS, sizeof(void *)), xcalloc(PG_SLOTS, 1), steps };
	uint64_t s = seed_for(3);
	double med[2];

	for (long i = 0; i < PG_STEPS; i++) {
		steps[i].slot = rng_below(&s, PG_SLOTS);
		steps[i].order = rng_below(&s, PG_MAX_ORDER + 1);
	}
	measure(2, pg_random_run, &c, (double)PG_STEPS, med);
	add_row("alloc_pages order 0-4 random", med[0], "glibc aligned_alloc", med[1], 0);
	measure(2, pg_pingpong_run, &c, 2.0 * PINGPONG_PAIRS, med);
	add_row("alloc_pages order-0 ping-pong", med[0], "glibc aligned_alloc", med[1], 0);
	must_be_healthy(m, "the page benchmarks");
	free(c.slots);
	free(c.orders);
	free(steps);
}

/* ------------------------------------------------------------------------
 * vmalloc: a random walk over VM_SLOTS slots, each area 1..VM_MAX_PAGES
 * pages (the last page partly used), against glibc malloc of the same
 * sizes and against the host's own virtual memory, mmap/munmap of them.
 * Nothing is touched: every contender only sets up and tears down.
 */
#define VM_SLOTS	64
#define VM_STEPS	20000L
#define VM_MAX_PAGES	16

enum vm_who { VM_KALLOC, VM_GLIBC, VM_MMAP };

struct vm_step {
	uint32_t slot;
	uint32_t size;
};

struct vm_ctx {
	struct machine *m;
	void **slots;
	uint32_t *sizes;
	const struct vm_step *steps;
};

ALWAYS_INLINE void *vm_alloc(struct vm_ctx *c, enum vm_who w, uint32_t size)
{
	void *p = w == VM_KALLOC ? vmalloc(c->m, size) :
		  w == VM_GLIBC ? malloc(size) :
		  mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (__builtin_expect(!p || p == MAP_FAILED, 0))
		die("%s: allocation failed", "vmalloc");
	escape(p);
	return p;
}

ALWAYS_INLINE void vm_free(struct vm_ctx *c, enum vm_who w, void *p, uint32_t size)
{
	if (w == VM_KALLOC) {
		if (__builtin_expect(vfree(c->m, p) != 0, 0))
			die("%s: vfree failed", "vmalloc");
	} else if (w == VM_GLIBC) {
		free(p);
	} else {
		munmap(p, size);
	}
}

ALWAYS_INLINE double vm_body(struct vm_ctx *c, enum vm_who w)
{
	void **v = c->slots;
	double t0, t;

	for (int i = 0; i < VM_SLOTS; i++) {
		c->sizes[i] = c->steps[i].size;
		v[i] = i < VM_SLOTS / 2 ? vm_alloc(c, w, c->sizes[i]) : NULL;
	}
	t0 = now_ns();
	for (long i = 0; i < VM_STEPS; i++) {
		uint32_t k = c->steps[i].slot;

		if (v[k]) {
			vm_free(c, w, v[k], c->sizes[k]);
			v[k] = NULL;
		} else {
			c->sizes[k] = c->steps[i].size;
			v[k] = vm_alloc(c, w, c->sizes[k]);
		}
	}
	t = now_ns() - t0;
	for (int i = 0; i < VM_SLOTS; i++)
		if (v[i])
			vm_free(c, w, v[i], c->sizes[i]);
	return t;
}

/* One 4-page area allocated and freed, repeat: the frames come back from
 * the per-CPU list in order, so each vmalloc is one host mmap. */
ALWAYS_INLINE double vm_pingpong_body(struct vm_ctx *c, enum vm_who w)
{
	double t0 = now_ns();

	for (long i = 0; i < VM_STEPS / 2; i++)
		vm_free(c, w, vm_alloc(c, w, 4 * PAGE_SIZE), 4 * PAGE_SIZE);
	return now_ns() - t0;
}

NOINLINE double vm_pp_kalloc(struct vm_ctx *c) { return vm_pingpong_body(c, VM_KALLOC); }
NOINLINE double vm_pp_glibc(struct vm_ctx *c) { return vm_pingpong_body(c, VM_GLIBC); }
NOINLINE double vm_pp_mmap(struct vm_ctx *c) { return vm_pingpong_body(c, VM_MMAP); }

static double vm_pp_run(int who, void *ctx)
{
	return who == 0 ? vm_pp_kalloc(ctx) : who == 1 ? vm_pp_glibc(ctx) : vm_pp_mmap(ctx);
}

NOINLINE double vm_kalloc(struct vm_ctx *c) { return vm_body(c, VM_KALLOC); }
NOINLINE double vm_glibc(struct vm_ctx *c) { return vm_body(c, VM_GLIBC); }
NOINLINE double vm_mmap(struct vm_ctx *c) { return vm_body(c, VM_MMAP); }

static double vm_run(int who, void *ctx)
{
	return who == 0 ? vm_kalloc(ctx) : who == 1 ? vm_glibc(ctx) : vm_mmap(ctx);
}

static void bench_vmalloc(struct machine *m)
{
	struct vm_step *steps = xcalloc(VM_STEPS, sizeof(*steps));
	struct vm_ctx c = { m, xcalloc(VM_SLOTS, sizeof(void *)), xcalloc(VM_SLOTS, sizeof(uint32_t)), steps };
	uint64_t s = seed_for(5);
	double med[3];

	for (long i = 0; i < VM_STEPS; i++) {
		steps[i].slot = rng_below(&s, VM_SLOTS);
		steps[i].size = (1 + rng_below(&s, VM_MAX_PAGES)) * (uint32_t)PAGE_SIZE - rng_below(&s, PAGE_SIZE);
	}
	measure(3, vm_run, &c, (double)VM_STEPS, med);
	add_row("vmalloc 1-16 pages random", med[0], "glibc malloc", med[1], 0);
	add_row("vmalloc 1-16 pages random", med[0], "host mmap/munmap", med[2], 0);
	measure(3, vm_pp_run, &c, (double)VM_STEPS, med);
	add_row("vmalloc 4 pages ping-pong", med[0], "glibc malloc", med[1], 0);
	add_row("vmalloc 4 pages ping-pong", med[0], "host mmap/munmap", med[2], 0);
	must_be_healthy(m, "the vmalloc benchmark");
	free(c.slots);
	free(c.sizes);
	free(steps);
}

/* ------------------------------------------------------------------------
 * The trace: decoded once into a compact op array
 *
 * Every alloc event gets a fresh slot; a free event finds its alloc's slot
 * through a hash table keyed by the trace's hashed pointer (stable within
 * the trace).  Frees whose alloc was not recorded are skipped.  An alloc
 * whose pointer is still live means its free was not recorded: the old
 * object is simply left live (counted as a lost free).
 */
enum op_kind { OP_KMALLOC, OP_KFREE, OP_CACHE_ALLOC, OP_CACHE_FREE };

struct op {
	uint8_t kind;
	uint8_t cpu;
	uint16_t cache;		/* index into trace.caches for OP_CACHE_* */
	uint32_t slot;
	uint32_t size;		/* bytes asked for (object size for caches) */
	gfp_t gfp;
};

#define NO_CACHE	0xffff
#define MAX_CACHES	1024

struct trace_cache {
	char name[KMEM_CACHE_NAME_LEN];
	unsigned int size, slot_size;	/* bytes_req and bytes_alloc as first seen */
};

struct trace {
	struct op *ops;
	size_t nops, cap;
	uint32_t nslots;
	uint16_t *slot_cache;		/* cache index of each slot, NO_CACHE for kmalloc */
	struct trace_cache caches[MAX_CACHES];
	unsigned int ncaches;
	uint32_t *km_sizes;		/* every kmalloc bytes_req, for the mix */
	size_t nkm, km_cap;
	unsigned long events, skipped_frees, lost_frees, cross_frees, page_events;
	unsigned long live_at_end;	/* allocs never freed in the replay */
};

/* Hash table: hashed pointer -> live slot, linear probing. */
struct ptr_map {
	uint64_t *keys;			/* 0: empty (the trace has no null pointers) */
	uint32_t *slots;
	uint32_t mask;
};

static uint32_t ptr_hash(const struct ptr_map *h, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) & h->mask;
}

static uint32_t *ptr_map_find(struct ptr_map *h, uint64_t key, int insert)
{
	uint32_t i = ptr_hash(h, key);

	while (h->keys[i] && h->keys[i] != key)
		i = (i + 1) & h->mask;
	if (!h->keys[i]) {
		if (!insert)
			return NULL;
		h->keys[i] = key;
	}
	return &h->slots[i];
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void ptr_map_del(struct ptr_map *h, uint64_t key)
{
	uint32_t i = ptr_hash(h, key), j;

	while (h->keys[i] != key)
		i = (i + 1) & h->mask;
	for (j = i;;) {
		j = (j + 1) & h->mask;
		if (!h->keys[j])
			break;
		uint32_t home = ptr_hash(h, h->keys[j]);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			h->keys[i] = h->keys[j];
			h->slots[i] = h->slots[j];
			i = j;
		}
	}
	h->keys[i] = 0;
}

static gfp_t parse_gfp(const char *s)
{
	static const struct { const char *name; gfp_t gfp; } t[] = {
		{ "GFP_KERNEL", GFP_KERNEL }, { "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
		{ "GFP_ATOMIC", GFP_ATOMIC }, { "GFP_NOWAIT", GFP_NOWAIT }, { "GFP_NOIO", GFP_NOIO },
		{ "GFP_NOFS", GFP_NOFS }, { "GFP_DMA", GFP_DMA }, { "__GFP_DMA", __GFP_DMA },
		{ "__GFP_ZERO", __GFP_ZERO }, { "__GFP_ACCOUNT", __GFP_ACCOUNT },
		{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE }, { "__GFP_NOWARN", __GFP_NOWARN },
		{ "__GFP_NOFAIL", __GFP_NOFAIL }, { "__GFP_HIGH", __GFP_HIGH }, { "__GFP_IO", __GFP_IO },
		{ "__GFP_FS", __GFP_FS }, { "__GFP_COMP", __GFP_COMP },
		{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
		{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM }, { "__GFP_RECLAIM", __GFP_RECLAIM },
	};
	gfp_t gfp = 0;

	/* Tokens kalloc has no bit for (__GFP_NORETRY, __GFP_HARDWALL, ...)
	 * change nothing an allocator here does and are dropped. */
	while (*s) {
		size_t len = strcspn(s, "|");

		for (unsigned int i = 0; i < ARRAY_SIZE(t); i++)
			if (strlen(t[i].name) == len && !memcmp(s, t[i].name, len))
				gfp |= t[i].gfp;
		s += len;
		if (*s == '|')
			s++;
	}
	return gfp;
}

static struct op *trace_push(struct trace *t)
{
	if (t->nops == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1 << 20;
		t->ops = realloc(t->ops, t->cap * sizeof(*t->ops));
		if (!t->ops)
			die("out of memory (%s)", "trace ops");
	}
	return &t->ops[t->nops++];
}

static unsigned int trace_cache_index(struct trace *t, const char *name, unsigned int size,
				      unsigned int slot_size)
{
	for (unsigned int i = 0; i < t->ncaches; i++)
		if (!strcmp(t->caches[i].name, name))
			return i;
	if (t->ncaches == MAX_CACHES)
		die("more than %s caches in the trace", "1024");
	snprintf(t->caches[t->ncaches].name, KMEM_CACHE_NAME_LEN, "%s", name);
	t->caches[t->ncaches].size = size;
	t->caches[t->ncaches].slot_size = slot_size;
	return t->ncaches++;
}

/* Split @line at commas into at most @max fields; returns the count. */
static int split_csv(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ',') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* 0 on success, -1 when the trace cannot be read (the caller skips). */
static int trace_decode(const char *path, struct trace *t)
{
	struct ptr_map h = { 0 };
	uint32_t slot_cap = 1 << 20;
	char cmd[4200], *line = NULL, *f[12];
	size_t len = 0;
	ssize_t n;
	FILE *in;
	int status;

	if (strlen(path) > 4000 || strchr(path, '\''))
		return -1;
	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
	in = popen(cmd, "r");
	if (!in)
		return -1;
	h.mask = (1u << 21) - 1;
	h.keys = xcalloc(h.mask + 1, sizeof(*h.keys));
	h.slots = xcalloc(h.mask + 1, sizeof(*h.slots));
	t->slot_cache = xcalloc(slot_cap, sizeof(*t->slot_cache));

	while ((n = getline(&line, &len, in)) > 0) {
		int kind, nf;
		uint64_t key;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		nf = split_csv(line, f, 12);
		if (nf < 11 || !strcmp(f[0], "ts"))
			continue;
		t->events++;
		if (!strcmp(f[2], "kmalloc"))
			kind = OP_KMALLOC;
		else if (!strcmp(f[2], "kfree"))
			kind = OP_KFREE;
		else if (!strcmp(f[2], "kmem_cache_alloc"))
			kind = OP_CACHE_ALLOC;
		else if (!strcmp(f[2], "kmem_cache_free"))
			kind = OP_CACHE_FREE;
		else {
			t->page_events++;
			continue;
		}
		key = strtoull(f[3], NULL, 16);
		if (!key)
			continue;

		if (kind == OP_KMALLOC || kind == OP_CACHE_ALLOC) {
			struct op *o = trace_push(t);
			uint32_t *sp = ptr_map_find(&h, key, 0);

			if (sp)		/* its free was not recorded */
				t->lost_frees++;
			sp = ptr_map_find(&h, key, 1);
			if (t->nslots == slot_cap) {
				slot_cap *= 2;
				t->slot_cache = realloc(t->slot_cache, slot_cap * sizeof(*t->slot_cache));
				if (!t->slot_cache)
					die("out of memory (%s)", "trace slots");
			}
			*sp = t->nslots;
			o->kind = (uint8_t)kind;
			o->cpu = (uint8_t)strtoul(f[1], NULL, 10);
			o->slot = t->nslots;
			o->size = (uint32_t)strtoul(f[4], NULL, 10);
			o->gfp = parse_gfp(f[6]);
			o->cache = NO_CACHE;
			if (kind == OP_CACHE_ALLOC)
				o->cache = (uint16_t)trace_cache_index(t, f[7], o->size,
								       (unsigned int)strtoul(f[5], NULL, 10));
			t->slot_cache[t->nslots++] = o->cache;
			if (kind == OP_KMALLOC) {
				if (t->nkm == t->km_cap) {
					t->km_cap = t->km_cap ? 2 * t->km_cap : 1 << 18;
					t->km_sizes = realloc(t->km_sizes, t->km_cap * sizeof(*t->km_sizes));
					if (!t->km_sizes)
						die("out of memory (%s)", "kmalloc sizes");
				}
				t->km_sizes[t->nkm++] = o->size;
			}
		} else {
			uint32_t *sp = ptr_map_find(&h, key, 0), slot;
			struct op *o;

			if (!sp) {
				t->skipped_frees++;
				continue;
			}
			slot = *sp;
			ptr_map_del(&h, key);
			o = trace_push(t);
			o->cpu = (uint8_t)strtoul(f[1], NULL, 10);
			o->slot = slot;
			o->size = 0;
			o->gfp = 0;
			o->cache = t->slot_cache[slot];
			/* Free through the allocator that handed it out: a
			 * kmem_cache_free of a kmalloc'd pointer becomes a kfree
			 * (kfree takes objects of any cache, as in Linux 6.x). */
			if (kind == OP_CACHE_FREE && o->cache != NO_CACHE) {
				o->kind = OP_CACHE_FREE;
				if (strcmp(f[7], t->caches[o->cache].name))
					t->cross_frees++;
			} else {
				o->kind = OP_KFREE;
				if (kind == OP_CACHE_FREE)
					t->cross_frees++;
			}
		}
	}
	free(line);
	status = pclose(in);
	for (uint32_t i = 0; i <= h.mask; i++)
		t->live_at_end += h.keys[i] != 0;
	t->live_at_end += t->lost_frees;
	free(h.keys);
	free(h.slots);
	if (status != 0 || t->events == 0) {
		free(t->ops);
		free(t->slot_cache);
		free(t->km_sizes);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	return 0;
}

/* Flags that reproduce the slot size Linux reported (bytes_alloc): a free
 * pointer outside the object (ctor or RCU caches) and/or cache-line
 * alignment.  The first combination whose geometry matches wins. */
static slab_flags_t trace_cache_flags(const struct trace_cache *tc, int *matched)
{
	static const slab_flags_t try[] = {
		0, SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU, SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN
	};
	struct slub_geometry g;

	for (unsigned int i = 0; i < ARRAY_SIZE(try); i++)
		if (!slub_geometry(tc->size, 0, try[i], 0, 2, &g) && g.size == tc->slot_size) {
			*matched = 1;
			return try[i];
		}
	*matched = 0;
	return 0;
}

struct replay_ctx {
	const struct trace *t;
	struct machine *m;
	struct kmem_cache **caches;
	void **slots;
	unsigned long failed;
};

NOINLINE double replay_kalloc(struct replay_ctx *c)
{
	const struct op *o = c->t->ops, *end = o + c->t->nops;
	struct machine *m = c->m;
	void **v = c->slots;
	unsigned int cpu = machine_cpu(m);
	unsigned long failed = 0;
	double t0 = now_ns();

	for (; o < end; o++) {
		if (o->cpu != cpu) {
			cpu = o->cpu;
			machine_set_cpu(m, cpu);
		}
		switch (o->kind) {
		case OP_KMALLOC:
			failed += !(v[o->slot] = kmalloc(m, o->size, o->gfp));
			break;
		case OP_CACHE_ALLOC:
			failed += !(v[o->slot] = kmem_cache_alloc(c->caches[o->cache], o->gfp));
			break;
		case OP_KFREE:
			failed += kfree(m, v[o->slot]) != 0;
			v[o->slot] = NULL;
			break;
		default:
			failed += kmem_cache_free(c->caches[o->cache], v[o->slot]) != 0;
			v[o->slot] = NULL;
			break;
		}
	}
	t0 = now_ns() - t0;
	c->failed += failed;
	return t0;
}

NOINLINE double replay_glibc(struct replay_ctx *c)
{
	const struct op *o = c->t->ops, *end = o + c->t->nops;
	void **v = c->slots;
	unsigned long failed = 0;
	double t0 = now_ns();

	/* __GFP_ZERO is calloc: the same work asked of each allocator. */
	for (; o < end; o++) {
		switch (o->kind) {
		case OP_KMALLOC:
		case OP_CACHE_ALLOC:
			v[o->slot] = (o->gfp & __GFP_ZERO) ? calloc(1, o->size) : malloc(o->size);
			failed += !v[o->slot];
			break;
		default:
			free(v[o->slot]);
			v[o->slot] = NULL;
			break;
		}
	}
	t0 = now_ns() - t0;
	c->failed += failed;
	return t0;
}

/* Give back everything the replay left live, untimed, so that the next
 * repetition starts from the same (warm) state. */
static void replay_cleanup(struct replay_ctx *c, int who)
{
	for (uint32_t i = 0; i < c->t->nslots; i++) {
		void *p = c->slots[i];

		if (!p)
			continue;
		if (who == GLIBC)
			free(p);
		else if (c->t->slot_cache[i] == NO_CACHE)
			kfree(c->m, p);
		else
			kmem_cache_free(c->caches[c->t->slot_cache[i]], p);
		c->slots[i] = NULL;
	}
}

/* The slabinfo totals right after a replay: live objects must be what the
 * trace leaves live. */
static void replay_sanity(struct replay_ctx *c)
{
	unsigned long caches = 0, active = 0, slabs = 0, pages = 0, trace_active = 0;
	char *buf = xcalloc(1, 1 << 17);
	struct slab_stats st;

	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(c->m, s));) {
		kmem_cache_stats(s, &st);
		caches++;
		active += st.active_objs;
		slabs += st.num_slabs;
		pages += st.pages;
	}
	for (unsigned int i = 0; i < c->t->ncaches; i++) {
		kmem_cache_stats(c->caches[i], &st);
		trace_active += st.active_objs;
	}
	printf("  slabinfo after replay: %lu caches, %lu objects live (%lu in the trace's own caches), "
	       "%lu slabs, %lu pages (%.1f MiB); the trace leaves %lu live\n",
	       caches, active, trace_active, slabs, pages, pages * PAGE_SIZE / 1048576.0, c->t->live_at_end);
	if (active != c->t->live_at_end) {
		fprintf(stderr, "\n*** bench: %lu objects live after the replay, the trace leaves %lu ***\n\n",
			active, c->t->live_at_end);
		exit(1);
	}
	proc_slabinfo(c->m, buf, 1 << 17);	/* must format without complaint */
	free(buf);
}

static double replay_run(int who, void *ctx)
{
	struct replay_ctx *c = ctx;
	static int checked;
	double ns;

	ns = who == 0 ? replay_kalloc(c) : replay_glibc(c);
	if (who == 0 && !checked++) {
		/* Once, while the replay's objects are live. */
		must_be_healthy(c->m, "the trace replay");
		replay_sanity(c);
	}
	replay_cleanup(c, who == 0 ? KALLOC : GLIBC);
	if (who == 0)
		must_be_healthy(c->m, "freeing the replay's objects");
	return ns;
}

static void bench_replay(struct trace *t)
{
	struct replay_ctx c = { t, boot(TRACE_PAGES), NULL, NULL, 0 };
	int matched = 0, ok;
	double med[2];

	c.caches = xcalloc(t->ncaches ? t->ncaches : 1, sizeof(*c.caches));
	c.slots = xcalloc(t->nslots ? t->nslots : 1, sizeof(void *));
	/* Created up front, in the order the trace first names them, so the
	 * timed region is only the allocator calls.  A name kalloc already has
	 * (a kmalloc cache) is used as is. */
	for (unsigned int i = 0; i < t->ncaches; i++) {
		slab_flags_t flags = trace_cache_flags(&t->caches[i], &ok);

		matched += ok;
		c.caches[i] = kmem_cache_find(c.m, t->caches[i].name);
		if (!c.caches[i])
			c.caches[i] = kmem_cache_create(c.m, t->caches[i].name, t->caches[i].size, 0, flags, NULL);
		if (!c.caches[i])
			die("kmem_cache_create(%s) failed", t->caches[i].name);
	}
	printf("trace replay: %zu ops (%lu events; %lu page events and %lu frees of earlier objects skipped, "
	       "%lu allocs whose free is missing, %lu frees through another API), %u caches "
	       "(%d with Linux's slot size)\n",
	       t->nops, t->events, t->page_events, t->skipped_frees, t->lost_frees, t->cross_frees,
	       t->ncaches, matched);
	fflush(stdout);
	measure(2, replay_run, &c, (double)t->nops, med);
	if (c.failed) {
		fprintf(stderr, "\n*** bench: %lu failed calls during the trace replay ***\n\n", c.failed);
		exit(1);
	}
	add_row("trace replay linux-6.18-fswalk", med[0], "glibc malloc", med[1], 0);
	printf("  trace replay: kalloc %.2f Mops/s, glibc %.2f Mops/s\n", 1e3 / med[0], 1e3 / med[1]);
	must_be_healthy(c.m, "the trace replay");
	machine_destroy(c.m);
	free(c.caches);
	free(c.slots);
}

/* ------------------------------------------------------------------------ */
/* Other processes on the CPUs make every number noisy (the random
 * workloads most): say how busy the host was. */
static void print_load(const char *when)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double load = 0;

	if (!f)
		return;
	if (fscanf(f, "%lf", &load) == 1)
		printf("load average at %s: %.2f%s\n", when, load,
		       load > 0.5 ? " (other processes are running: expect noise)" : "");
	fclose(f);
}

/* ONLY=kmalloc,trace runs those groups alone (for profiling one of them). */
static int selected(const char *group)
{
	const char *only = getenv("ONLY");

	return !only || !*only || strstr(only, group);
}

static void print_table(void)
{
	int met = 0, goals = 0;

	printf("\n| benchmark | kalloc ns/op | baseline | baseline ns/op | ratio | goal | result | noise |\n");
	printf("|---|---:|---|---:|---:|---|---|---:|\n");
	for (int i = 0; i < g_nrows; i++) {
		const struct row *r = &g_rows[i];
		double ratio = r->kalloc_ns / r->base_ns;
		char goal[16] = "-";
		const char *res = "-";

		if (r->goal > 0) {
			snprintf(goal, sizeof(goal), "<= %.1fx", r->goal);
			res = ratio <= r->goal ? "met" : "not met";
			goals++;
			met += ratio <= r->goal;
		}
		printf("| %s | %.2f | %s | %.2f | %.2f | %s | %s | %.0f%% |\n",
		       r->name, r->kalloc_ns, r->base, r->base_ns, ratio, goal, res, 100 * r->noise);
	}
	printf("\n%d of %d goals met (ratio = kalloc / baseline; an op is one alloc or one free; "
	       "median of %d runs after a warm-up;\nnoise = interquartile range / median of the runs; seed %" PRIu64 ")\n",
	       met, goals, g_reps, g_seed);
}

int main(void)
{
	const char *env, *path;
	struct trace t = { 0 };
	struct machine *m;
	int have_trace;
	double t0 = now_ns();

	if ((env = getenv("SEED")) && *env)
		g_seed = strtoull(env, NULL, 0);
	if ((env = getenv("REPS")) && *env)
		g_reps = atoi(env);
	if (g_reps < 5)
		g_reps = 5;		/* a median of fewer says little */
	if (g_reps > 64)
		g_reps = 64;
	path = (env = getenv("TRACE")) && *env ? env : "../shared/traces/linux-6.18-fswalk.csv.xz";
	printf("kalloc bench: seed %" PRIu64 " (SEED= to change), median of %d runs after 1 warm-up (REPS=);\n"
	       "groups cache64 kmalloc pages vmalloc trace (ONLY= picks some)\n", g_seed, g_reps);
	print_load("start");

	/* Decode first: the kmalloc mix draws its sizes from the trace. */
	have_trace = 0;
	if (selected("kmalloc") || selected("trace")) {
		if (access(path, R_OK) != 0)
			printf("trace: %s not found: the trace replay is SKIPPED (TRACE=path to set it)\n", path);
		else if (trace_decode(path, &t))
			printf("trace: %s could not be decoded (is xz installed?): the replay is SKIPPED\n", path);
		else
			have_trace = 1;
	}
	if (have_trace)
		printf("trace: %s decoded in %.1f s\n", path, (now_ns() - t0) / 1e9);
	fflush(stdout);

	m = boot(0);
	if (selected("cache64"))
		bench_cache64(m);
	if (selected("kmalloc"))
		bench_kmalloc(m, have_trace ? t.km_sizes : NULL, t.nkm);
	if (selected("pages"))
		bench_pages(m);
	if (selected("vmalloc"))
		bench_vmalloc(m);
	machine_destroy(m);
	if (have_trace && selected("trace"))
		bench_replay(&t);

	print_table();
	print_load("end");
	printf("total %.1f s\n", (now_ns() - t0) / 1e9);
	free(t.ops);
	free(t.slot_cache);
	free(t.km_sizes);
	return 0;
}
