/* test_slub_model.c - tests of the harness's own SLUB (harness/slub_model.c).
 *
 *   geometry_*    slub_model.c against alloc/slab.c's slub_geometry() over
 *                 many (size, align, flags, ctor, cpus), against caches
 *                 created on machines of several CPU counts, max_orders and
 *                 slub_debug settings, and against props/model.py: three
 *                 implementations on purpose, compared here.
 *   drive_*       a real kalloc machine (public API only) through random
 *                 alloc/free/kmalloc/kfree/shrink/set_cpu/drain/fault
 *                 injection/destroy sequences; the model's predictions must
 *                 equal kmem_cache_stats() after every op.
 *   fires_*       every check reports: a wrong object, slab or order, a
 *                 wrong stats field, a corrupted model state.
 *
 * Usage: test_slub_model [ROOT] (ROOT has harness/slubm_geom.py; default .).
 * Seeded and deterministic; ends with "slub model: N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "slub_model.h"

static int passed, failed, skipped;
static int cur_fail;
static const char *root = ".";

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
	va_list ap;

	if (cur_fail++ < 8) {
		printf("    ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

#define CHECK(cond, ...) do { if (!(cond)) failf(__VA_ARGS__); } while (0)

static void run(const char *name, void (*fn)(void))
{
	cur_fail = 0;
	fn();
	if (cur_fail) {
		failed++;
		printf("FAIL %s (%d failures)\n", name, cur_fail);
	} else {
		passed++;
		printf("ok   %s\n", name);
	}
}

/* xorshift64*: seeded, so every run is the same. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}
static unsigned int below(unsigned int n) { return (unsigned int)(rnd() % n); }

/* ---- geometry ---------------------------------------------------------------- */
static const slab_flags_t flag_bits[] = {
	SLAB_HWCACHE_ALIGN, SLAB_POISON, SLAB_TYPESAFE_BY_RCU, SLAB_CACHE_DMA, SLAB_RED_ZONE,
	SLAB_KMALLOC, SLAB_ACCOUNT, SLAB_RECLAIM_ACCOUNT, SLAB_PANIC, SLAB_CONSISTENCY_CHECKS,
	SLAB_STORE_USER,
};
static const unsigned int cpu_counts[] = { 1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 32, 33, 63, 64 };

struct geom_in {
	unsigned int size, align;
	slab_flags_t flags;
	int ctor;
	unsigned int cpus;
	unsigned int version;	/* machine_config.kernel_version: KALLOC_LINUX_6_18 or _6_1 */
};

/* A combination: sizes of every range (small, around slab and page sizes,
 * near 4 MiB, absurd), alignments (0, powers of two up to 2^31, not powers),
 * flag sets (with an unknown bit now and then), CPU counts 1..64. */
static void geom_sample(struct geom_in *in)
{
	static const unsigned int aligns[] = { 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 4096, 8192,
					       1u << 16, 1u << 22, 1u << 23, 1u << 31, 3, 24, 48, 100 };
	unsigned int k = below(10);

	if (k < 5)
		in->size = 1 + below(600);
	else if (k < 8)
		in->size = 1 + below(70000);
	else if (k < 9)
		in->size = (4u << 20) - 16 + below(32);
	else
		in->size = (unsigned int)rnd();
	in->align = below(3) ? aligns[below(sizeof(aligns) / sizeof(aligns[0]))] : 0;
	in->flags = 0;
	for (unsigned int i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++)
		if (!below(4))
			in->flags |= flag_bits[i];
	if (!below(40))
		in->flags |= 1u << below(32);
	in->ctor = !below(3);
	in->cpus = cpu_counts[below(sizeof(cpu_counts) / sizeof(cpu_counts[0]))];
}

static int geom_same(const struct slubm_geometry *m, const struct slub_geometry *l)
{
	return m->object_size == l->object_size && m->size == l->size && m->align == l->align &&
	       m->offset == l->offset && m->order == l->order && m->objects == l->objects &&
	       m->min_order == l->min_order && m->min_objects == l->min_objects &&
	       m->min_partial == l->min_partial && m->inuse == l->inuse && m->red_left_pad == l->red_left_pad;
}

static unsigned long geom_compared;

static void geom_compare(const struct geom_in *in)
{
	struct slubm_geometry m;
	struct slub_geometry l;
	int mrc = slubm_geometry_v(in->size, in->align, in->flags, in->ctor, in->cpus, MAX_PAGE_ORDER, 0,
				   in->version, &m);
	int lrc = slub_geometry_linux(in->size, in->align, in->flags, in->ctor, in->cpus, in->version, &l);

	geom_compared++;
	if ((mrc == 0) != (lrc == 0)) {
		failf("size %u align %u flags %#x ctor %d cpus %u version %u: model %s, slub_geometry %s",
		      in->size, in->align, in->flags, in->ctor, in->cpus, in->version, mrc ? m.refused : "accepts",
		      lrc ? "refuses" : "accepts");
		return;
	}
	if (!mrc && !geom_same(&m, &l))
		failf("size %u align %u flags %#x ctor %d cpus %u version %u: model size/align/offset/order/objects/"
		      "min_order/min_objects/min_partial/inuse/red_left_pad %u/%u/%u/%u/%u/%u/%u/%u/%u/%u, "
		      "slub_geometry %u/%u/%u/%u/%u/%u/%u/%u/%u/%u", in->size, in->align, in->flags, in->ctor,
		      in->cpus, in->version, m.size, m.align, m.offset, m.order, m.objects, m.min_order, m.min_objects,
		      m.min_partial, m.inuse, m.red_left_pad, l.size, l.align, l.offset, l.order, l.objects,
		      l.min_order, l.min_objects, l.min_partial, l.inuse, l.red_left_pad);
}

/* Every size 1..16384 at several CPU counts, plain and with a ctor, then a
 * quarter of a million sampled combinations, each by the rules of both
 * kernel versions (6.18 and 6.1 differ in calculate_order). */
static void geometry_vs_slub_geometry(void)
{
	struct geom_in in = { 0, 0, 0, 0, 0, 0 };
	unsigned long differ = 0;

	CHECK(SLUBM_LINUX_6_18 == KALLOC_LINUX_6_18 && SLUBM_LINUX_6_1 == KALLOC_LINUX_6_1,
	      "kernel_version numbers");
	for (in.version = 0; in.version < NR_KERNEL_VERSIONS; in.version++)
		for (unsigned int c = 0; c < sizeof(cpu_counts) / sizeof(cpu_counts[0]); c += 3)
			for (in.size = 1; in.size <= 16384; in.size++)
				for (in.ctor = 0; in.ctor < 2; in.ctor++) {
					in.cpus = cpu_counts[c];
					geom_compare(&in);
				}
	rng_state = 0x5eed0001;
	for (int i = 0; i < 250000; i++) {
		geom_sample(&in);
		for (in.version = 0; in.version < NR_KERNEL_VERSIONS; in.version++)
			geom_compare(&in);
	}
	for (unsigned int v = 0; v < NR_KERNEL_VERSIONS; v++)
		for (unsigned int cpus = 1; cpus <= 64; cpus++)
			for (unsigned int size = 1; size <= 1u << 17; size += 1 + size / 64) {
				int mo = slubm_calculate_order_v(size, cpus, v);
				int lo = slub_calculate_order_linux(size, cpus, v);

				if (mo != lo)
					failf("calculate_order(%u, %u) version %u: model %d, library %d", size,
					      cpus, v, mo, lo);
				differ += v && mo != slubm_calculate_order(size, cpus);
			}
	/* The versions must differ somewhere (slots 10,928..12,280 at every CPU
	 * count), else the comparison above compared one rule twice. */
	CHECK(differ > 0, "calculate_order: 6.1 and 6.18 agree everywhere");
	printf("     (%lu combinations; %lu calculate_order inputs where 6.1 and 6.18 differ)\n",
	       geom_compared, differ);
}

static void geometry_constants(void)
{
	CHECK(SLUBM_MAX_ORDER == SLUB_MAX_ORDER, "SLUB_MAX_ORDER");
	CHECK(SLUBM_MAX_OBJS_PER_PAGE == MAX_OBJS_PER_PAGE, "MAX_OBJS_PER_PAGE");
	CHECK(SLUBM_CACHE_LINE == L1_CACHE_BYTES, "L1_CACHE_BYTES");
	CHECK(SLUBM_KMALLOC_MAX == KMALLOC_MAX_SIZE, "KMALLOC_MAX_SIZE");
	CHECK(SLUBM_PAGE_ORDER_MAX == MAX_PAGE_ORDER, "MAX_PAGE_ORDER");
}

static void ctor_nop(void *p) { (void)p; }

static unsigned int boot_version;	/* the next boot()'s kernel_version */

static struct machine *boot(unsigned long pages, unsigned long dma, unsigned int cpus, unsigned int max_order,
			    unsigned int slub_debug, enum kmalloc_profile profile)
{
	struct machine_config cfg;

	machine_config_default(&cfg);
	cfg.kernel_version = boot_version;
	cfg.nr_pages = pages;
	cfg.dma_pages = dma;
	cfg.nr_cpus = cpus;
	cfg.max_order = max_order;
	cfg.slub_debug = slub_debug;
	cfg.profile = profile;
	cfg.quiet = 1;
	return machine_create(&cfg);
}

/* kmalloc's general caches: one per class and type, each a SLUB cache the
 * model lays out itself. */
static const unsigned int default_classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
static const unsigned int classic_classes[] = { 32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
						16384, 32768, 65536, 131072 };

static void kmalloc_name(char *buf, size_t len, enum kmalloc_profile profile, slab_flags_t type, unsigned int size)
{
	const char *prefix = type == SLAB_CACHE_DMA ? "dma-kmalloc-" : type == SLAB_RECLAIM_ACCOUNT ?
			     "kmalloc-rcl-" : type == SLAB_ACCOUNT ? "kmalloc-cg-" : "kmalloc-";

	if (profile == KMALLOC_PROFILE_CLASSIC)
		snprintf(buf, len, "size-%u%s", size, type == SLAB_CACHE_DMA ? "(DMA)" : "");
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%s%uk", prefix, size >> 10);
	else
		snprintf(buf, len, "%s%u", prefix, size);
}

static void expect_ok(struct slubm_cache *mc, struct kmem_cache *s, const char *ctx)
{
	struct slab_stats st;
	const char *v;

	kmem_cache_stats(s, &st);
	v = slubm_expect(mc, &st);
	CHECK(!v, "%s: %s", ctx, v);
}

/* The kmalloc types' flags (DMA, reclaimable, accounted) change no layout:
 * every class has the same slot size, objects and order per slab for each
 * type, on every machine.  The kalloc oracle renders a class's boot row of
 * /proc/slabinfo once for all its types on that ground. */
static void geometry_kmalloc_types_alike(void)
{
	static const unsigned int cpus[] = { 1, 2, 3, 4, 8, 16, 32, 64 };
	static const slab_flags_t types[] = { SLAB_CACHE_DMA, SLAB_RECLAIM_ACCOUNT, SLAB_ACCOUNT };
	unsigned long n = 0;

	for (unsigned int profile = 0; profile < 2; profile++)
		for (unsigned int ci = 0; ci < sizeof(cpus) / sizeof(cpus[0]); ci++)
			for (unsigned int mo = 4; mo <= MAX_PAGE_ORDER; mo++)
				for (unsigned int debug = 0; debug <= MACHINE_SLUB_ALL; debug++)
					for (unsigned int kv = 0; kv < 2; kv++)
						for (unsigned int i = 0; i < (profile ? 14u : 13u); i++) {
							unsigned int size = profile ? classic_classes[i] : default_classes[i];
							unsigned int align = (size & (size - 1)) ? 0 : size;
							struct slubm_geometry g0, g;

							slubm_geometry_v(size, align, SLAB_KMALLOC, 0, cpus[ci], mo, debug, kv,
									 &g0);
							for (unsigned int t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
								slubm_geometry_v(size, align, SLAB_KMALLOC | types[t], 0,
										 cpus[ci], mo, debug, kv, &g);
								CHECK(g.size == g0.size && g.cache_objects == g0.cache_objects &&
								      g.cache_order == g0.cache_order && !g.refused == !g0.refused,
								      "size %u flags %#x cpus %u max_order %u debug %#x: %u/%u/%u, "
								      "plain %u/%u/%u", size, types[t], cpus[ci], mo, debug,
								      g.size, g.cache_objects, g.cache_order, g0.size,
								      g0.cache_objects, g0.cache_order);
								n++;
							}
						}
	printf("     (%lu geometries compared)\n", n);
}

/* Caches created on machines: accepted exactly when the model says so, and
 * each with the geometry the model computes for that machine (its max_order
 * caps the order; slub_debug poison moves every free pointer). */
static void geometry_on_machines(void)
{
	static const unsigned int cpus[] = { 1, 2, 4, 8, 64 };
	static const unsigned int orders[] = { 10, 6, 3, 2 };
	unsigned long created = 0, refused = 0, kcaches = 0;

	rng_state = 0x5eed0002;
	for (unsigned int ci = 0; ci < 5; ci++)
		for (unsigned int oi = 0; oi < 4; oi++)
			for (unsigned int di = 0; di < 3; di++)
				for (int profile = 0; profile < 2; profile++) {
					/* slub_debug: none, P, FZPU (the red zone in front of
					 * kmalloc-8k / size-131072 doubles their slots) */
					static const unsigned int dbgs[] = { 0, MACHINE_SLUB_POISON, MACHINE_SLUB_ALL };
					unsigned int poison = dbgs[di], need;
					unsigned int mo = orders[oi] + !!poison > 10 ? 10 : orders[oi] + !!poison;
					struct machine *m;
					struct slubm sm;

					if (poison & MACHINE_SLUB_RED_ZONE)
						need = profile == KMALLOC_PROFILE_CLASSIC ? 7 : 3;
					else
						need = (profile == KMALLOC_PROFILE_CLASSIC ? 5 : 1) + (poison & 1);
					if (mo < need)
						continue;
					/* every other machine by 6.1's rules */
					boot_version = (ci + oi + di + (unsigned int)profile) & 1;
					m = boot(1024, 128, cpus[ci], mo, poison, (enum kmalloc_profile)profile);
					boot_version = KALLOC_LINUX_6_18;
					CHECK(m, "boot cpus %u max_order %u poison %u", cpus[ci], mo, poison);
					if (!m)
						continue;
					slubm_init(&sm, cpus[ci], mo, poison);
					sm.kernel_version = (ci + oi + di + (unsigned int)profile) & 1;
					/* The general caches. */
					{
						const unsigned int *cls = profile ? classic_classes : default_classes;
						unsigned int n = profile ? 14 : 13;
						slab_flags_t types[] = { 0, SLAB_CACHE_DMA, SLAB_RECLAIM_ACCOUNT, SLAB_ACCOUNT };

						for (unsigned int t = 0; t < (profile ? 2u : 4u); t++)
							for (unsigned int i = 0; i < n; i++) {
								char name[40];
								struct kmem_cache *s;
								struct slubm_cache *mc;

								kmalloc_name(name, sizeof(name), (enum kmalloc_profile)profile,
									     types[t], cls[i]);
								s = kmem_cache_find(m, name);
								mc = slubm_kmalloc_cache(&sm, cls[i], types[t]);
								CHECK(s && mc, "%s: library %p, model %p", name,
								      (void *)s, (void *)mc);
								if (s && mc)
									expect_ok(mc, s, name);
								kcaches++;
							}
					}
					for (int i = 0; i < 300; i++) {
						struct geom_in in;
						struct slubm_geometry g;
						struct kmem_cache *s;
						int mrc;

						geom_sample(&in);
						in.flags &= ~SLAB_KMALLOC;
						if (below(2))
							in.size = 1 + below(1u << (4 + below(15)));
						mrc = slubm_geometry_v(in.size, in.align, in.flags, in.ctor, cpus[ci], mo,
								       poison, sm.kernel_version, &g);
						s = kmem_cache_create(m, "t", in.size, in.align, in.flags,
								      in.ctor ? ctor_nop : NULL);
						CHECK(!s == !!mrc, "cpus %u max_order %u poison %u size %u align %u "
						      "flags %#x ctor %d: model %s, library %s", cpus[ci], mo, poison,
						      in.size, in.align, in.flags, in.ctor, mrc ? g.refused : "accepts",
						      s ? "accepts" : "refuses");
						if (s && !mrc) {
							struct slubm_cache *mc = slubm_cache_create(&sm, &g, in.ctor);

							expect_ok(mc, s, "new cache");
							CHECK(!slubm_destroy(&mc, kmem_cache_destroy(s)), "destroy: %s", sm.msg);
						} else if (s) {
							kmem_cache_destroy(s);
						}
						created += !!s;
						refused += !s;
					}
					slubm_exit(&sm);
					machine_destroy(m);
				}
	printf("     (%lu caches created, %lu refused, %lu kmalloc caches)\n", created, refused, kcaches);
	CHECK(created > 1000 && refused > 1000, "too few of either kind");
}

/* The same inputs through props/model.py's geometry(). */
static void geometry_vs_python(void)
{
	enum { N = 20000 };
	static struct geom_in in[N];
	char inpath[] = "/tmp/slubm-geom-in.XXXXXX", cmd[1024], line[256];
	FILE *f, *p;
	int fd, i;

	if (access("/usr/bin/python3", X_OK)) {
		skipped++;
		printf("     (skipped: no /usr/bin/python3)\n");
		return;
	}
	rng_state = 0x5eed0003;
	for (i = 0; i < N; i++) {
		geom_sample(&in[i]);
		in[i].version = (unsigned int)i & 1;
		if (i < 8192) {		/* every size up to 8 KiB once, plain */
			in[i].size = (unsigned int)i + 1;
			in[i].flags &= SLAB_HWCACHE_ALIGN;
			in[i].version = KALLOC_LINUX_6_18;
		} else if (i < 8192 + 6000) {	/* 8193..14192 by 6.1's rule */
			in[i].size = (unsigned int)i + 1;
			in[i].flags = 0;
			in[i].version = KALLOC_LINUX_6_1;
		}
	}
	fd = mkstemp(inpath);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		failf("cannot write %s", inpath);
		return;
	}
	for (i = 0; i < N; i++)
		fprintf(f, "%u %u %u %d %u %u\n", in[i].size, in[i].align, in[i].flags, in[i].ctor, in[i].cpus,
			in[i].version);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/harness/slubm_geom.py < %s", root, inpath);
	p = popen(cmd, "r");
	for (i = 0; p && i < N && fgets(line, sizeof(line), p); i++) {
		struct slubm_geometry g;
		char want[256];

		if (slubm_geometry_v(in[i].size, in[i].align, in[i].flags, in[i].ctor, in[i].cpus, MAX_PAGE_ORDER,
				     0, in[i].version, &g))
			snprintf(want, sizeof(want), "refused\n");
		else
			snprintf(want, sizeof(want), "%u %u %u %u %u %u %u %u %u %u\n", g.size, g.align, g.offset,
				 g.order, g.objects, g.min_order, g.min_objects, g.min_partial, g.inuse, g.red_left_pad);
		CHECK(!strcmp(want, line), "size %u align %u flags %#x ctor %d cpus %u version %u: C %s         "
		      "Python %s", in[i].size, in[i].align, in[i].flags, in[i].ctor, in[i].cpus, in[i].version,
		      want, line);
	}
	CHECK(p && i == N, "props/model.py answered %d of %d inputs", i, N);
	if (p)
		CHECK(pclose(p) == 0, "harness/slubm_geom.py failed");
	unlink(inpath);
	printf("     (%d combinations)\n", N);
}

/* ---- driving a real machine ---------------------------------------------------- */
#define NR_CACHES 5
#define MAX_LIVE 4096

struct live {
	void *p;
	int cache;		/* 0..NR_CACHES-1, or -1: kmalloc */
	struct slubm_cache *mc;	/* the model cache it counts in */
	struct kmem_cache *s;
};

struct drive {
	struct machine *m;
	struct slubm sm;
	unsigned int cpus, max_order, poison;
	struct kmem_cache *s[NR_CACHES];
	struct slubm_cache *mc[NR_CACHES];
	struct slubm_geometry g[NR_CACHES];
	int ctor[NR_CACHES];
	struct slubm_cache *kmc[4][13];	/* kmalloc classes, made on first use */
	struct live live[MAX_LIVE];
	int nlive;
	unsigned long ops, new_slabs, fallbacks, ambiguous, failures, discards, frees;
	int bad;
};

static const struct { unsigned int size, align; slab_flags_t flags; int ctor; } drive_caches[NR_CACHES] = {
	{ 24, 0, 0, 0 },
	{ 700, 0, 0, 1 },
	{ 3000, 0, SLAB_HWCACHE_ALIGN, 0 },	/* order 3, falls back to order 0 */
	{ 40000, 0, 0, 0 },			/* one object per order-4 slab */
	{ 128, 64, SLAB_CACHE_DMA | SLAB_TYPESAFE_BY_RCU, 0 },
};

static int block_available(struct machine *m, int dma_only, unsigned int order)
{
	for (int z = dma_only ? ZONE_DMA : ZONE_NORMAL; z >= ZONE_DMA; z--) {
		struct zone_stats zs;

		if (buddy_zone_stats(m, (enum zone_type)z, &zs))
			continue;
		for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
			if (zs.nr_free[o])
				return 1;
	}
	return 0;
}

static void drive_fail(struct drive *d, const char *what, const char *v)
{
	if (!v)
		return;
	failf("op %lu (%s), cpus %u max_order %u slub_debug %#x: %s", d->ops, what, d->cpus, d->max_order,
	      d->poison, v);
	d->bad = 1;
}

static void drive_expect(struct drive *d, struct slubm_cache *mc, struct kmem_cache *s, const char *what)
{
	struct slab_stats st;

	kmem_cache_stats(s, &st);
	drive_fail(d, what, slubm_expect(mc, &st));
	if (!d->bad)
		drive_fail(d, what, slubm_validate(mc));
}

static void drive_create(struct drive *d, int i)
{
	int rc = slubm_geometry(drive_caches[i].size, drive_caches[i].align, drive_caches[i].flags,
				drive_caches[i].ctor, d->cpus, d->max_order, d->poison, &d->g[i]);
	char name[8];

	snprintf(name, sizeof(name), "c%d", i);
	d->s[i] = kmem_cache_create(d->m, name, drive_caches[i].size, drive_caches[i].align,
				    drive_caches[i].flags, drive_caches[i].ctor ? ctor_nop : NULL);
	d->ctor[i] = drive_caches[i].ctor;
	if (!d->s[i] != !!rc) {
		drive_fail(d, "create", "kmem_cache_create and the model disagree on validity");
		return;
	}
	d->mc[i] = d->s[i] ? slubm_cache_create(&d->sm, &d->g[i], d->ctor[i]) : NULL;
	if (d->s[i])
		drive_expect(d, d->mc[i], d->s[i], "create");
}

/* One allocation through @s (model cache @mc), by kmem_cache_alloc or kmalloc. */
static void drive_alloc(struct drive *d, int cache, struct kmem_cache *s, struct slubm_cache *mc, size_t ksize,
			gfp_t gfp)
{
	unsigned int order, fallback;
	int need = slubm_next_alloc(mc, &order, &fallback);
	int dma = (gfp & __GFP_DMA) || (cache >= 0 && (drive_caches[cache].flags & SLAB_CACHE_DMA));
	int pending = buddy_injected_pending(d->m) > 0;
	int may_fall_back = pending || !block_available(d->m, dma, order);
	int may_fail = need && (pending || !block_available(d->m, dma, fallback));
	unsigned long slabs_before = mc->nr_slabs;
	int ambiguous;
	void *p = cache >= 0 ? kmem_cache_alloc(s, gfp) : kmalloc(d->m, ksize, gfp);

	if (!p && !may_fail) {
		drive_fail(d, "alloc", "failed although the model says it must succeed");
		return;
	}
	drive_fail(d, "alloc", slubm_alloc(mc, p, may_fall_back));
	if (d->bad)
		return;
	ambiguous = mc->pending >= 0;
	d->ambiguous += ambiguous;
	if (!p) {
		d->failures++;
	} else {
		d->new_slabs += mc->nr_slabs > slabs_before;
		if (d->nlive < MAX_LIVE)
			d->live[d->nlive++] = (struct live){ p, cache, mc, s };
		else
			drive_fail(d, "alloc", "test: too many live objects");
	}
	drive_expect(d, mc, s, "alloc");
	if (p && mc->nr_slabs > slabs_before &&
	    mc->slabs[mc->cpu_slab[d->sm.cpu]].order != mc->g.cache_order)
		d->fallbacks++;
}

static void drive_free(struct drive *d, int i)
{
	struct live l = d->live[i];
	unsigned long slabs = l.mc->nr_slabs;
	int rc = l.cache >= 0 ? kmem_cache_free(l.s, l.p) : kfree(d->m, l.p);

	d->live[i] = d->live[--d->nlive];
	if (rc) {
		drive_fail(d, "free", "a live object's free failed");
		return;
	}
	drive_fail(d, "free", slubm_free(l.mc, l.p));
	d->frees++;
	d->discards += l.mc->nr_slabs < slabs;
	if (!d->bad)
		drive_expect(d, l.mc, l.s, "free");
}

static void drive_kmalloc(struct drive *d)
{
	static const slab_flags_t types[4] = { 0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA, SLAB_ACCOUNT };
	static const gfp_t gfps[4] = { GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_KERNEL | __GFP_DMA,
				       GFP_KERNEL_ACCOUNT };
	unsigned int t = below(4), cls = below(13);
	size_t size = cls ? default_classes[cls - 1] + 1 + below(default_classes[cls] - default_classes[cls - 1])
			  : 1 + below(8);
	struct kmem_cache *s = kmalloc_slab(d->m, size, gfps[t]);
	char name[40], want[40];

	/* The class is the model's own: the smallest class that fits. */
	kmalloc_name(want, sizeof(want), KMALLOC_PROFILE_DEFAULT, types[t], default_classes[cls]);
	snprintf(name, sizeof(name), "%s", s ? kmem_cache_name(s) : "(none)");
	if (strcmp(name, want)) {
		drive_fail(d, "kmalloc", "kmalloc_slab names another class than the model");
		return;
	}
	if (!d->kmc[t][cls])
		d->kmc[t][cls] = slubm_kmalloc_cache(&d->sm, default_classes[cls], types[t]);
	drive_alloc(d, -1, s, d->kmc[t][cls], size, gfps[t]);
}

static void drive_one(unsigned long seed, unsigned int cpus, unsigned int max_order, unsigned int poison,
		      unsigned long pages, int nops)
{
	struct drive *d = calloc(1, sizeof(*d));

	rng_state = seed;
	d->cpus = cpus;
	d->max_order = max_order;
	d->poison = poison;
	d->m = boot(pages, pages / 8, cpus, max_order, poison, KMALLOC_PROFILE_DEFAULT);
	if (!d->m) {
		failf("boot");
		free(d);
		return;
	}
	CHECK((uintptr_t)machine_base(d->m) % (PAGE_SIZE << MAX_PAGE_ORDER) == 0, "direct map not aligned");
	slubm_init(&d->sm, cpus, max_order, poison);
	for (int i = 0; i < NR_CACHES; i++)
		drive_create(d, i);
	for (d->ops = 0; d->ops < (unsigned long)nops && !d->bad; d->ops++) {
		unsigned int k = below(1000), c = below(NR_CACHES);

		if ((k >= 990 && !d->s[c]) || (k < 420 && d->nlive > MAX_LIVE - 64))
			k = k < 420 ? 420 : 960;	/* no cache to destroy / room: drain, free */
		if (k < 420) {
			/* Bursts fill slabs; a fuller machine makes fallbacks. */
			if (d->s[c])
				for (unsigned int n = 1 + (below(8) || c == 3 ? 0 : below(40)); n-- && !d->bad;)
					drive_alloc(d, (int)c, d->s[c], d->mc[c], 0, below(8) ? GFP_KERNEL : __GFP_ZERO);
		} else if (k < 750) {
			for (unsigned int n = 1 + (below(8) ? 0 : below(40)); n-- && d->nlive && !d->bad;)
				drive_free(d, (int)below((unsigned int)d->nlive));
		} else if (k < 880) {
			drive_kmalloc(d);
		} else if (k < 920) {
			if (d->s[c]) {
				unsigned long r = kmem_cache_shrink(d->s[c]);

				drive_fail(d, "shrink", slubm_shrink(d->mc[c], r));
				if (!d->bad)
					drive_expect(d, d->mc[c], d->s[c], "shrink");
			}
		} else if (k < 960) {
			unsigned int cpu = below(cpus + 1);	/* one past the last: refused */

			machine_set_cpu(d->m, cpu);
			slubm_set_cpu(&d->sm, cpu);
			CHECK(machine_cpu(d->m) == d->sm.cpu, "set_cpu: machine on %u, model on %u",
			      machine_cpu(d->m), d->sm.cpu);
		} else if (k < 975) {
			drain_all_pages(d->m);
			for (int i = 0; i < NR_CACHES && !d->bad; i++)
				if (d->s[i])
					drive_expect(d, d->mc[i], d->s[i], "drain");
		} else if (k < 990) {
			buddy_inject_failures(d->m, below(3), 1 + below(2));
		} else {
			int rc = kmem_cache_destroy(d->s[c]);

			drive_fail(d, "destroy", slubm_destroy(&d->mc[c], rc));
			if (!d->bad && !rc) {
				d->s[c] = NULL;
				drive_create(d, (int)c);
			} else if (!d->bad) {
				drive_expect(d, d->mc[c], d->s[c], "destroy (busy)");
			}
		}
	}
	if (!d->bad) {
		struct kalloc_check ck;

		CHECK(!machine_check(d->m, &ck), "machine_check: %s", ck.msg);
		while (d->nlive && !d->bad)
			drive_free(d, d->nlive - 1);
		for (int i = 0; i < NR_CACHES && !d->bad; i++)
			if (d->s[i])
				drive_fail(d, "teardown", slubm_destroy(&d->mc[i], kmem_cache_destroy(d->s[i])));
	}
	printf("     seed %#lx cpus %u max_order %u poison %u pages %lu: %lu ops, %lu new slabs (%lu at the "
	       "fallback order, %lu told by their pages), %lu slabs given back on free, %lu failed allocations\n",
	       seed, cpus, max_order, poison, pages, d->ops, d->new_slabs, d->fallbacks, d->ambiguous, d->discards,
	       d->failures);
	slubm_exit(&d->sm);
	machine_destroy(d->m);
	free(d);
}

static void drive_machines(void)
{
	drive_one(0xd1, 1, 10, 0, 8192, 20000);
	drive_one(0xd2, 4, 10, 0, 4096, 20000);
	drive_one(0xd3, 2, 10, 1, 6144, 20000);
	drive_one(0xd4, 3, 2, 0, 4096, 20000);	/* max_order 2: caches at their min_order */
	drive_one(0xd5, 8, 10, 0, 768, 20000);	/* tight: failures and fallbacks */
	drive_one(0xd6, 64, 4, 1, 8192, 20000);
	drive_one(0xd7, 2, 10, MACHINE_SLUB_ALL, 8192, 20000);	/* slub_debug=FZPU */
	drive_one(0xd8, 4, 4, MACHINE_SLUB_RED_ZONE | MACHINE_SLUB_STORE_USER, 8192, 20000);
}

/* ---- each check fires ------------------------------------------------------------ */
#define B ((uintptr_t)0x40000000)	/* a fake direct map, aligned to 4 MiB */

static struct slubm fsm;

static struct slubm_cache *fake_cache(unsigned int size, slab_flags_t flags, unsigned int cpus)
{
	struct slubm_geometry g;

	slubm_init(&fsm, cpus, MAX_PAGE_ORDER, 0);
	if (slubm_geometry(size, 0, flags, 0, cpus, MAX_PAGE_ORDER, 0, &g))
		return NULL;
	return slubm_cache_create(&fsm, &g, 0);
}

static void *at(uintptr_t a) { return (void *)a; }

/* Expect @v to be a violation of kind @what. */
static void fires(const char *v, const char *what, const char *ctx)
{
	CHECK(v && !strcmp(fsm.what, what), "%s: expected a \"%s\" violation, got %s", ctx, what,
	      v ? v : "none");
}

static void quiet(const char *v, const char *ctx)
{
	CHECK(!v, "%s: %s", ctx, v);
}

/* Fill the current CPU's slab of @c (which starts at @base). */
static void fill(struct slubm_cache *c, uintptr_t base, unsigned int from)
{
	for (unsigned int i = from; i < c->g.cache_objects; i++)
		quiet(slubm_alloc(c, at(base + (uintptr_t)i * c->g.size), 0), "fill");
}

static void fires_alloc_checks(void)
{
	struct slubm_cache *c = fake_cache(64, 0, 1);	/* 64 objects, order 0 */
	uintptr_t B2 = B + (1 << 20), B3 = B + (2 << 20);

	if (!c) {
		failf("geometry");
		return;
	}
	fires(slubm_alloc(c, at(B + 64), 0), "new slab", "first object of a new slab not at its start");
	slubm_exit(&fsm);

	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	fires(slubm_alloc(c, at(B + 128), 0), "freelist order", "skipping index 1");
	slubm_exit(&fsm);

	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	fires(slubm_alloc(c, at(B2), 0), "new slab", "a new slab while the CPU slab has room");
	slubm_exit(&fsm);

	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	quiet(slubm_free(c, at(B)), "free it");
	fires(slubm_alloc(c, at(B + 64), 0), "freelist order", "a freed object is handed out first");
	slubm_exit(&fsm);

	/* A partial slab is due: a new slab instead is reported, the partial
	 * slab's freed object is right. */
	for (int right = 0; right < 2; right++) {
		c = fake_cache(64, 0, 1);
		fill(c, B, 0);
		quiet(slubm_alloc(c, at(B2), 0), "second slab");
		fill(c, B2, 1);
		quiet(slubm_free(c, at(B + 64 * 5)), "free into the full slab: it goes partial");
		CHECK(c->nr_partial == 1 && c->nr_full == 0, "partial %lu full %lu", c->nr_partial, c->nr_full);
		if (right)
			quiet(slubm_alloc(c, at(B + 64 * 5), 0), "the partial slab's freed object");
		else
			fires(slubm_alloc(c, at(B3), 0), "new slab", "new slab while a partial slab has a free object");
		slubm_exit(&fsm);
	}

	/* An object of a full slab while the CPU slab has room. */
	c = fake_cache(64, 0, 1);
	fill(c, B, 0);
	quiet(slubm_alloc(c, at(B2), 0), "second slab");
	quiet(slubm_free(c, at(B2)), "free on the CPU slab");
	fires(slubm_alloc(c, at(B + 64), 0), "slab choice", "an object from a full slab");
	slubm_exit(&fsm);

	/* A new slab is due (CPU slab exhausted, nothing partial), an object of
	 * the full slab comes. */
	c = fake_cache(64, 0, 1);
	fill(c, B, 0);
	fires(slubm_alloc(c, at(B + 64 * 3), 0), "slab choice", "an object of a full slab when a new one is due");
	slubm_exit(&fsm);

	/* A failure while the CPU slab has a free object. */
	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	fires(slubm_alloc(c, NULL, 0), "slab choice", "failure while objects are free");
	slubm_exit(&fsm);

	/* A failure with the CPU slab exhausted and no partial: allowed, and
	 * the exhausted slab went to the full list. */
	c = fake_cache(64, 0, 1);
	fill(c, B, 0);
	quiet(slubm_alloc(c, NULL, 0), "failure with no object free");
	CHECK(c->nr_full == 1 && c->nr_cpu == 0, "full %lu cpu %lu", c->nr_full, c->nr_cpu);
	slubm_exit(&fsm);

	/* Another CPU's slab is not this CPU's. */
	c = fake_cache(64, 0, 2);
	quiet(slubm_alloc(c, at(B), 0), "cpu 0's slab");
	slubm_set_cpu(&fsm, 1);
	fires(slubm_alloc(c, at(B + 64), 0), "slab choice", "cpu 1 allocating from cpu 0's slab");
	slubm_exit(&fsm);
}

static void fires_new_slab_order(void)
{
	/* 3000-byte objects, HWCACHE: slot 3008, order 3 (10 objects), min_order 0. */
	struct slubm_cache *c = fake_cache(3000, SLAB_HWCACHE_ALIGN, 4);
	struct slab_stats st;

	if (!c || c->g.cache_order != 3 || c->g.min_order != 0) {
		failf("geometry of the 3000-byte cache: order %u min %u", c ? c->g.cache_order : 0,
		      c ? c->g.min_order : 0);
		return;
	}
	/* Without a possible fallback the new slab must be order-3 aligned. */
	fires(slubm_alloc(c, at(B + 4096), 0), "new slab", "order-3 slab at an order-0 boundary");
	slubm_exit(&fsm);

	/* With one, an order-0 boundary says order 0. */
	c = fake_cache(3000, SLAB_HWCACHE_ALIGN, 4);
	quiet(slubm_alloc(c, at(B + 4096), 1), "fallback slab");
	CHECK(c->pending < 0 && c->pages == 1 && c->total_objects == 1, "pending %d pages %lu objects %lu",
	      c->pending, c->pages, c->total_objects);
	/* It has one object; the next allocation needs a new slab, and an
	 * order-3 one overlapping it is refused. */
	fires(slubm_alloc(c, at(B), 0), "new slab", "order-3 slab over the order-0 one");
	slubm_exit(&fsm);

	/* An aligned address with a possible fallback: the next expect learns
	 * the order from the pages; ops before it are misuse. */
	c = fake_cache(3000, SLAB_HWCACHE_ALIGN, 4);
	quiet(slubm_alloc(c, at(B), 1), "ambiguous slab");
	CHECK(c->pending >= 0, "not pending");
	fires(slubm_free(c, at(B)), "slub model use", "free before the order is known");
	memset(&st, 0, sizeof(st));
	st.pages = 3;
	fires(slubm_expect(c, &st), "slab pages", "3 pages: neither order");
	slubm_exit(&fsm);
	for (int fallback = 0; fallback < 2; fallback++) {
		c = fake_cache(3000, SLAB_HWCACHE_ALIGN, 4);
		quiet(slubm_alloc(c, at(B), 1), "ambiguous slab");
		st.pages = fallback ? 1 : 8;
		fires(slubm_expect(c, &st), "slab geometry", "learns the order, then compares the rest");
		CHECK(c->pending < 0 && c->pages == st.pages &&
		      c->total_objects == (fallback ? 1u : c->g.cache_objects), "resolved to %lu pages, %lu objects",
		      c->pages, c->total_objects);
		slubm_exit(&fsm);
	}
}

static void fires_free_shrink_destroy(void)
{
	struct slubm_cache *c = fake_cache(64, 0, 1);

	/* A free into a slab the model has on no list; a full slab that is not. */
	quiet(slubm_alloc(c, at(B), 0), "first object");
	c->slabs[c->cpu_slab[0]].where = SLUBM_UNUSED;
	fires(slubm_free(c, at(B)), "slub model", "a free into a slab on no list");
	slubm_exit(&fsm);
	c = fake_cache(64, 0, 1);
	fill(c, B, 0);
	quiet(slubm_alloc(c, at(B + (1 << 20)), 0), "second slab");
	quiet(slubm_free(c, at(B)), "free into the full slab: partial now");
	quiet(slubm_validate(c), "healthy");
	c->slabs[c->partial_head].where = SLUBM_FULL;
	c->partial_head = c->partial_tail = -1;
	c->nr_partial = 0;
	c->nr_full = 1;
	fires(slubm_validate(c), "slub model", "a slab on the full list with a free object");
	CHECK(strstr(fsm.expected, "full slabs full"), "%s", fsm.msg);
	slubm_exit(&fsm);

	c = fake_cache(64, 0, 1);

	quiet(slubm_alloc(c, at(B), 0), "first object");
	quiet(slubm_alloc(c, at(B + 64), 0), "second object");
	fires(slubm_free(c, at(B + (1 << 20))), "slab free", "free where the cache has no slab");
	fires(slubm_free(c, at(B + 128)), "slab free", "free of an object never handed out");
	fires(slubm_free(c, at(B + 8)), "slab free", "free inside an object");
	quiet(slubm_free(c, at(B)), "free");
	fires(slubm_free(c, at(B)), "slab free", "double free");
	slubm_exit(&fsm);

	/* Shrink takes a CPU slab with a live object off its CPU: 0 pages. */
	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	quiet(slubm_shrink(c, 0), "shrink of a slab with a live object");
	fires(slubm_destroy(&c, 0), "kmem_cache_destroy", "destroy of a busy cache succeeding");
	quiet(slubm_free(c, at(B)), "free");
	fires(slubm_shrink(c, 0), "shrink", "an empty partial slab left by shrink");
	slubm_exit(&fsm);

	c = fake_cache(64, 0, 1);
	quiet(slubm_alloc(c, at(B), 0), "first object");
	quiet(slubm_free(c, at(B)), "free");
	quiet(slubm_shrink(c, 1), "shrink gives the empty CPU slab back");
	fires(slubm_destroy(&c, -KERR_CACHE_BUSY), "kmem_cache_destroy", "an empty cache called busy");
	quiet(slubm_destroy(&c, 0), "destroy");
	CHECK(!c, "destroyed cache not freed");
	slubm_exit(&fsm);

	c = fake_cache(64, SLAB_KMALLOC, 1);
	fires(slubm_destroy(&c, 0), "kmem_cache_destroy", "a kmalloc cache destroyed");
	quiet(slubm_destroy(&c, -KERR_INVAL), "a kmalloc cache refused");
	slubm_exit(&fsm);
}

/* min_partial: slabs that empty are kept up to min_partial on the partial
 * list, then given back; a free into a full slab that empties it is given
 * back when min_partial are kept. */
static void fires_min_partial(void)
{
	struct slubm_cache *c = fake_cache(2048, 0, 4);	/* 16 objects/order 3, min_partial 5 */
	unsigned int n = c->g.cache_objects, span = PAGE_SIZE << c->g.cache_order;

	CHECK(c->g.min_partial == 5 && n == 16 && c->g.cache_order == 3, "geometry min_partial %u objects %u order %u",
	      c->g.min_partial, n, c->g.cache_order);
	for (unsigned int k = 0; k < 8; k++) {
		if (k)
			quiet(slubm_alloc(c, at(B + (uintptr_t)k * span), 0), "new slab");
		fill(c, B + (uintptr_t)k * span, k ? 1 : 0);
	}
	/* Slabs 0..6 full, slab 7 on the CPU (full).  Empty slabs 0..5 one by
	 * one: each goes partial; 0..4 stay (5 kept), the 6th is given back. */
	for (unsigned int k = 0; k < 6; k++) {
		for (unsigned int i = 0; i < n; i++)
			quiet(slubm_free(c, at(B + (uintptr_t)k * span + (uintptr_t)i * 2048)), "free");
		CHECK(c->nr_slabs == (k < 5 ? 8u : 7u) && c->nr_partial == (k < 5 ? k + 1 : 5),
		      "after emptying slab %u: %lu slabs, %lu partial", k, c->nr_slabs, c->nr_partial);
	}
	slubm_exit(&fsm);
}

/* Against a real machine: every stats field the model predicts is compared;
 * a corrupted model state is found by slubm_validate and by the next
 * comparison. */
static void fires_stats_and_corruption(void)
{
	struct machine *m = boot(1024, 128, 2, 10, 0, KMALLOC_PROFILE_DEFAULT);
	struct slubm_geometry g;
	struct slubm_cache *c;
	struct kmem_cache *s;
	struct slab_stats st, bad;
	void *p[40];
	/* Every field the model predicts: counters (unsigned long) change by
	 * one, geometry (unsigned int) by 8. */
	static const struct { size_t off, len; const char *name, *what; } fields[] = {
#define F(x, w) { offsetof(struct slab_stats, x), sizeof(((struct slab_stats *)0)->x), #x, w }
		F(active_objs, "slab stats"), F(num_objs, "slab stats"), F(num_slabs, "slab stats"),
		F(partial_slabs, "slab stats"), F(full_slabs, "slab stats"), F(cpu_slabs, "slab stats"),
		F(empty_slabs, "slab stats"), F(pages, "slab stats"), F(ctor_calls, "slab stats"),
		F(alloc_calls, "slab stats"), F(free_calls, "slab stats"),
		F(object_size, "slab geometry"), F(size, "slab geometry"), F(align, "slab geometry"),
		F(objs_per_slab, "slab geometry"), F(pages_per_slab, "slab geometry"), F(order, "slab geometry"),
		F(flags, "slab geometry"),
#undef F
	};

	if (!m) {
		failf("boot");
		return;
	}
	slubm_init(&fsm, 2, 10, 0);
	slubm_geometry(200, 0, 0, 1, 2, 10, 0, &g);
	s = kmem_cache_create(m, "f", 200, 0, 0, ctor_nop);
	c = slubm_cache_create(&fsm, &g, 1);
	for (int i = 0; i < 40; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		quiet(slubm_alloc(c, p[i], 0), "alloc");
	}
	for (int i = 0; i < 40; i += 3) {
		kmem_cache_free(s, p[i]);
		quiet(slubm_free(c, p[i]), "free");
	}
	kmem_cache_stats(s, &st);
	quiet(slubm_expect(c, &st), "healthy");
	quiet(slubm_validate(c), "healthy model");
	for (unsigned int f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		char *x = (char *)&bad + fields[f].off;

		bad = st;
		if (fields[f].len == sizeof(unsigned long))
			*(unsigned long *)x += 1;
		else
			*(unsigned int *)x ^= 8;
		fires(slubm_expect(c, &bad), fields[f].what, fields[f].name);
		CHECK(strstr(fsm.found, fields[f].name), "message names %s: %s", fields[f].name, fsm.found);
	}

	/* Corrupt the model, one thing at a time, and restore it. */
	{
		struct slubm_slab *sl = &c->slabs[c->cpu_slab[0]];
		int h;

		sl->inuse++;
		fires(slubm_validate(c), "slub model", "inuse off by one");
		sl->inuse--;
		c->nr_partial++;
		fires(slubm_validate(c), "slub model", "nr_partial off by one");
		fires(slubm_expect(c, &st), "slab stats", "nr_partial off by one, against the library");
		c->nr_partial--;
		c->active--;
		fires(slubm_validate(c), "slub model", "active off by one");
		fires(slubm_expect(c, &st), "slab stats", "active off by one, against the library");
		c->active++;
		h = c->partial_head;
		if (h >= 0) {
			c->slabs[h].where = SLUBM_FULL;
			fires(slubm_validate(c), "slub model", "a partial slab marked full");
			c->slabs[h].where = SLUBM_PARTIAL;
		} else {
			failf("no partial slab to corrupt");
		}
		sl->live[0] ^= 1;
		fires(slubm_validate(c), "slub model", "a live bit flipped");
		sl->live[0] ^= 1;
		sl->cpu ^= 1;
		fires(slubm_validate(c), "slub model", "a CPU slab its CPU does not point at");
		sl->cpu ^= 1;
		if (h >= 0) {
			struct slubm_slab *ps = &c->slabs[h];
			unsigned int inuse = ps->inuse;
			uintptr_t base = ps->base;

			ps->inuse = ps->objects;
			fires(slubm_validate(c), "slub model", "a full slab on the partial list");
			ps->inuse = inuse;
			ps->base ^= PAGE_SIZE << 4;
			fires(slubm_validate(c), "slub model", "a slab its base does not find");
			ps->base = base;
		}
		quiet(slubm_validate(c), "restored");
		/* A freelist the model gets wrong shows at the next allocation. */
		if (sl->nstack) {
			sl->stack[sl->nstack - 1] ^= 1;
			fires(slubm_alloc(c, kmem_cache_alloc(s, GFP_KERNEL), 0), "freelist order",
			      "the model's freelist top changed");
		} else {
			failf("the CPU slab has no freed object");
		}
	}
	slubm_exit(&fsm);
	machine_destroy(m);
}

/* ---- scribbles (slubm_check_object and friends) ------------------------------ */
static void geo(unsigned int size, unsigned int align, slab_flags_t flags, unsigned int debug, struct slubm_geometry *g)
{
	if (slubm_geometry(size, align, flags, 0, 2, 10, debug, g))
		failf("size %u flags %#x debug %#x refused: %s", size, flags, debug, g->refused);
}

/* The layout of a few caches as calculate_sizes() makes them, written out
 * by hand from mm/slub.c, and the offset rule. */
static void scribble_layout(void)
{
	struct slubm_geometry g;
	int lo, hi;

	/* kmalloc-64 under slub_debug=FZPU: red_left_pad = the alignment (64),
	 * inuse 72 (a right red zone word), fp at 72, tracks 80..144, orig_size
	 * 144..148, a word, 64 in front: ALIGN(220, 64) = 256. */
	geo(64, 64, SLAB_KMALLOC, MACHINE_SLUB_ALL, &g);
	CHECK(g.size == 256 && g.red_left_pad == 64 && g.inuse == 72 && g.offset == 72 && g.fp_outside &&
	      g.info_end == 80 && g.meta_end == 148 && g.slot_end == 192 && g.orig_size && g.object_poison,
	      "kmalloc-64 FZPU: size %u rlp %u inuse %u offset %u info_end %u meta_end %u slot_end %u",
	      g.size, g.red_left_pad, g.inuse, g.offset, g.info_end, g.meta_end, g.slot_end);
	/* A 64-byte SLAB_RED_ZONE cache (slub_kunit's): 8 + 64 + 8 + 8, fp in the middle. */
	geo(64, 0, SLAB_RED_ZONE, 0, &g);
	CHECK(g.size == 88 && g.red_left_pad == 8 && g.inuse == 72 && g.offset == 32 && !g.fp_outside &&
	      g.meta_end == 72 && g.slot_end == 80, "64 Z: size %u inuse %u offset %u slot_end %u", g.size,
	      g.inuse, g.offset, g.slot_end);
	/* 20 bytes with P: inuse 24, fp outside at 24, slot 32. */
	geo(20, 0, SLAB_POISON, 0, &g);
	CHECK(g.size == 32 && g.inuse == 24 && g.offset == 24 && g.meta_end == 32 && g.slot_end == 32,
	      "20 P: size %u inuse %u offset %u", g.size, g.inuse, g.offset);
	slubm_slot_range(&g, &lo, &hi);
	CHECK(lo == 0 && hi == 32, "slot [%d, %d)", lo, hi);
	CHECK(slubm_slot_offset(&g, 5) == 5 && slubm_slot_offset(&g, 32) == 0 && slubm_slot_offset(&g, -1) == 31 &&
	      slubm_slot_offset(&g, -32768) == 0 && slubm_slot_offset(&g, 32767) == 31, "slot offsets");
	CHECK(slubm_is_meta(&g, 1, 24) && slubm_is_meta(&g, 0, 31) && !slubm_is_meta(&g, 1, 23), "fp is meta");
	geo(64, 0, SLAB_RED_ZONE, 0, &g);
	CHECK(slubm_slot_offset(&g, -9) == 79 && slubm_slot_offset(&g, -8) == -8, "negative offsets wrap");
	CHECK(!slubm_is_meta(&g, 1, 32) && slubm_is_meta(&g, 0, 32), "an inside fp is meta only while free");
}

/* slub_kunit's cases as the model predicts them: one report (a BUG and a
 * FIX: two errors) each; test_next_pointer writes the free pointer, which
 * the harness never does. */
static void scribble_kunit_cases(void)
{
	static const struct {
		const char *name;
		unsigned int size, align;
		slab_flags_t flags;
		int live;
		unsigned int req;
		int lo, hi;
		const char *what;
		unsigned char expected;
	} cases[] = {
		{ "test_clobber_zone", 64, 0, SLAB_RED_ZONE, 1, 64, 64, 65, "Right Redzone", 0xcc },
		{ "test_first_word", 64, 0, SLAB_POISON, 0, 64, 0, 8, "Poison", 0x6b },
		{ "test_clobber_50th_byte", 64, 0, SLAB_POISON, 0, 64, 50, 51, "Poison", 0x6b },
		{ "test_clobber_redzone_free", 64, 0, SLAB_RED_ZONE, 0, 64, 64, 65, "Right Redzone", 0xbb },
		{ "test_kmalloc_redzone_access", 32, 32, SLAB_KMALLOC | SLAB_RED_ZONE | SLAB_STORE_USER, 1, 18, 18, 20,
		  "kmalloc Redzone", 0xcc },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct slubm_geometry g;
		struct slubm_dirty d = { 0 };
		struct slubm_report r[SLUBM_MAX_REPORTS];
		unsigned int n;

		geo(cases[i].size, cases[i].align, cases[i].flags, 0, &g);
		CHECK(!slubm_dirty_add(&g, cases[i].live, cases[i].req, &d, cases[i].lo, cases[i].hi), "%s: room",
		      cases[i].name);
		n = slubm_check_object(&g, cases[i].live, cases[i].req, &d, r);
		CHECK(n == 1 && !strcmp(r[0].what, cases[i].what) && r[0].first == cases[i].lo &&
		      r[0].last == cases[i].hi - 1 && r[0].expected == cases[i].expected && d.n == 0,
		      "%s: %u reports, first %s [%d, %d] 0x%x, %u dirty left", cases[i].name, n, n ? r[0].what : "-",
		      n ? r[0].first : 0, n ? r[0].last : 0, n ? r[0].expected : 0, d.n);
		CHECK(slubm_check_object(&g, cases[i].live, cases[i].req, &d, r) == 0, "%s: repaired", cases[i].name);
	}
}

/* The model's predictions against the library's kmem_cache_validate: a
 * cache per flag set, one object scribbled (live or freed) over a range of
 * its slot through machine_poke(), and validate's error count must be
 * twice the model's reports (a BUG and a FIX each); a second validate
 * finds nothing. */
static void scribble_vs_validate(void)
{
	static const slab_flags_t flagsets[] = {
		SLAB_RED_ZONE, SLAB_POISON, SLAB_RED_ZONE | SLAB_POISON, SLAB_RED_ZONE | SLAB_STORE_USER,
		SLAB_POISON | SLAB_STORE_USER, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_CONSISTENCY_CHECKS,
		SLAB_POISON | SLAB_HWCACHE_ALIGN, 0,
	};
	static const unsigned int sizes[] = { 1, 7, 8, 20, 64, 100, 192 };
	unsigned long cases = 0, reports = 0;

	rng_state = 0x5c71bb1e;
	for (unsigned int fi = 0; fi < sizeof(flagsets) / sizeof(flagsets[0]); fi++)
		for (unsigned int si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
			for (int k = 0; k < 24; k++) {
				struct machine *m = boot(1024, 128, 2, 10, 0, KMALLOC_PROFILE_DEFAULT);
				struct slubm_geometry g;
				struct slubm_dirty d = { 0 };
				struct slubm_report r[SLUBM_MAX_REPORTS];
				struct kmem_cache *s;
				unsigned char *p, *q, buf[64];
				int live = k & 1, lo, hi, off, len, want, got;
				unsigned int n;

				if (!m) {
					failf("boot");
					return;
				}
				geo(sizes[si], 0, flagsets[fi], 0, &g);
				s = kmem_cache_create(m, "kmem_test", sizes[si], 0, flagsets[fi], NULL);
				p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
				q = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;	/* keeps the slab */
				if (!p || !q) {
					failf("cache %u flags %#x", sizes[si], flagsets[fi]);
					machine_destroy(m);
					continue;
				}
				if (!live)
					kmem_cache_free(s, p);
				slubm_slot_range(&g, &lo, &hi);
				off = slubm_slot_offset(&g, (int)(rnd() % 400) - 100);
				len = 1 + (int)below(k < 12 ? 4 : 40);
				if (off + len > hi)
					len = hi - off;
				memset(buf, SLUBM_SCRIBBLE_BYTE, sizeof(buf));
				for (int b = off; b < off + len; b++)
					if (!slubm_is_meta(&g, live, b) && machine_poke(m, p + b, buf, 1))
						failf("poke");
				slubm_dirty_add(&g, live, g.object_size, &d, off, off + len);
				n = slubm_check_object(&g, live, g.object_size, &d, r);
				want = (flagsets[fi] & (SLAB_RED_ZONE | SLAB_POISON)) ? 2 * (int)n : 0;
				got = kmem_cache_validate(s);
				CHECK(got == want, "size %u flags %#x %s, bytes [%d, %d): validate %d, model %d (%u reports%s%s)",
				      sizes[si], flagsets[fi], live ? "live" : "free", off, off + len, got, want, n,
				      n ? ", first " : "", n ? r[0].what : "");
				got = kmem_cache_validate(s);
				CHECK(got == 0, "size %u flags %#x: second validate %d", sizes[si], flagsets[fi], got);
				cases++;
				reports += n;
				machine_destroy(m);
			}
	printf("     (%lu scribbles, %lu reports predicted)\n", cases, reports);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		root = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	run("geometry_constants", geometry_constants);
	run("geometry_vs_slub_geometry", geometry_vs_slub_geometry);
	run("geometry_on_machines", geometry_on_machines);
	run("geometry_kmalloc_types_alike", geometry_kmalloc_types_alike);
	run("geometry_vs_python", geometry_vs_python);
	run("drive_machines", drive_machines);
	run("fires_alloc_checks", fires_alloc_checks);
	run("fires_new_slab_order", fires_new_slab_order);
	run("fires_free_shrink_destroy", fires_free_shrink_destroy);
	run("fires_min_partial", fires_min_partial);
	run("fires_stats_and_corruption", fires_stats_and_corruption);
	run("scribble_layout", scribble_layout);
	run("scribble_kunit_cases", scribble_kunit_cases);
	run("scribble_vs_validate", scribble_vs_validate);
	printf("slub model: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
