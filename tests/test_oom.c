/* test_oom.c - the OOM loop, as SQLite tests: a scripted workload runs once
 * to count its allocations, then once for every N, with the Nth allocation
 * failing - page allocations through the buddy allocator's fault injection,
 * host allocations (struct kmem_cache, ...) through the machine's - once
 * alone ("transient") and once with every allocation after it failing too
 * ("persistent").  Each run must see every failure come back as NULL or
 * -KERR_NOMEM and nothing else reported, keep every object's contents
 * (krealloc's old block included), pass machine_check, and end, after the
 * workload's teardown, in the state right after boot: the same free pages and
 * /proc/buddyinfo, no slab or large-kmalloc pages, the same caches, the same
 * host blocks (plus the destroyed caches' structs, kept for their handles).
 * The N after the last must find nothing to fail: that proves the loop saw
 * every allocation.  Boot is looped separately (host allocations only).
 * Leaks of host memory are also LeakSanitizer's in the ASan builds.
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"		/* the host injection's pending count */

#define OOM_PAGES	4096
#define OOM_DMA		1024
#define OOM_CPUS	2
#define MAX_LIVE	600

enum kind { K_CACHE, K_KMALLOC, K_PAGES, K_VMALLOC, K_KVMALLOC };

struct live {
	void *p;
	size_t size;			/* bytes filled with the pattern */
	enum kind kind;
	struct kmem_cache *s;		/* K_CACHE */
	unsigned int order;		/* K_PAGES */
	unsigned char fill;
};

struct work {
	struct kunit *test;
	struct machine *m;
	struct kmem_cache *caches[5];
	unsigned int nr_created;	/* caches created (destroyed at teardown) */
	unsigned int callers;		/* 1 once the call-site table exists */
	struct live live[MAX_LIVE];
	unsigned int nr_live;
	unsigned long nulls;		/* allocations that came back NULL */
	unsigned int serial;
	int bad;			/* a contract was broken: stop the loop */
};

#define W_EXPECT(w, cond) do {						\
	if (!(cond)) {							\
		kunit_fail((w)->test, __FILE__, __LINE__, "expected %s", #cond); \
		(w)->bad = 1;						\
	}								\
} while (0)

static void ctor_c7(void *p) { memset(p, 0xc7, 200); }

/* Record a new allocation (or its failure) and fill it. */
static void got(struct work *w, void *p, size_t size, enum kind kind, struct kmem_cache *s,
		unsigned int order)
{
	struct live *l;

	if (!p) {
		w->nulls++;
		return;
	}
	W_EXPECT(w, w->nr_live < MAX_LIVE);
	if (w->nr_live >= MAX_LIVE)
		return;
	l = &w->live[w->nr_live++];
	l->p = p;
	l->size = size;
	l->kind = kind;
	l->s = s;
	l->order = order;
	l->fill = (unsigned char)(++w->serial * 37 + 1);
	memset(p, l->fill, size);
}

static int intact(const struct live *l)
{
	const unsigned char *p = l->p;

	for (size_t i = 0; i < l->size; i++)
		if (p[i] != l->fill)
			return 0;
	return 1;
}

/* Free live[i] (after checking its contents) and forget it. */
static void release(struct work *w, unsigned int i)
{
	struct live *l = &w->live[i];

	W_EXPECT(w, intact(l));
	switch (l->kind) {
	case K_CACHE:
		W_EXPECT(w, kmem_cache_free(l->s, l->p) == 0);
		break;
	case K_KMALLOC:
		W_EXPECT(w, kfree(w->m, l->p) == 0);
		break;
	case K_PAGES:
		W_EXPECT(w, free_pages(w->m, (unsigned long)l->p, l->order) == 0);
		break;
	case K_VMALLOC:
		W_EXPECT(w, vfree(w->m, l->p) == 0);
		break;
	case K_KVMALLOC:
		W_EXPECT(w, kvfree(w->m, l->p) == 0);
		break;
	}
	w->live[i] = w->live[--w->nr_live];
}

static void grow(struct work *w, unsigned int i, size_t new_size, gfp_t gfp)
{
	struct live *l = &w->live[i];
	void *p = krealloc(w->m, l->p, new_size, gfp);

	if (!p) {
		/* On failure the old block is untouched and still ours. */
		w->nulls++;
		W_EXPECT(w, intact(l));
		return;
	}
	W_EXPECT(w, intact(&(struct live){ .p = p, .size = l->size < new_size ? l->size : new_size,
					  .fill = l->fill }));
	l->p = p;
	if (new_size > l->size)
		memset((char *)p + l->size, l->fill, new_size - l->size);
	l->size = new_size;
}

static const size_t kmalloc_sizes[] = {
	1, 8, 24, 64, 96, 100, 192, 200, 1000, 2048, 4096, 5000, 8192, 9000, 20000, 65536, 300000
};
static const unsigned long vmalloc_sizes[] = { 1, 4096, 5000, 3 * 4096 + 7, 40000 };
static const size_t kvmalloc_sizes[] = { 100, 4096, 9000, 70000, 300000 };
static const gfp_t kmalloc_gfps[] = {
	GFP_KERNEL, GFP_DMA, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_KERNEL_ACCOUNT, GFP_ATOMIC | __GFP_ZERO
};

/* The workload: every layer, every allocation kind, frees in between. */
static void workload(struct work *w)
{
	struct machine *m = w->m;
	static const struct { const char *name; unsigned int size; slab_flags_t flags; int ctor; } cc[5] = {
		{ "oom-64", 64, 0, 0 },
		{ "oom-ctor", 200, 0, 1 },
		{ "oom-poison", 96, SLAB_POISON, 0 },
		{ "oom-dma", 512, SLAB_CACHE_DMA | SLAB_HWCACHE_ALIGN, 0 },
		{ "oom-big", 3000, 0, 0 },
	};

	/* slub_debug's call-site table: a host block kept until the machine
	 * goes; without host memory the call fails with -KERR_NOMEM. */
	{
		int rc = machine_set_caller(m, "oom_workload");

		W_EXPECT(w, rc == 0 || rc == -KERR_NOMEM);
		w->callers = rc == 0;
		w->nulls += rc != 0;
		if (rc == 0)
			W_EXPECT(w, machine_set_caller(m, NULL) == 0);
	}
	for (int i = 0; i < 5; i++) {
		w->caches[i] = kmem_cache_create(m, cc[i].name, cc[i].size, 0, cc[i].flags,
						 cc[i].ctor ? ctor_c7 : NULL);
		if (!w->caches[i])
			w->nulls++;
		else
			w->nr_created++;
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5; i++)
			for (int j = 0; w->caches[i] && j < 24; j++)
				got(w, kmem_cache_alloc(w->caches[i], j % 3 ? GFP_KERNEL : GFP_KERNEL | __GFP_ZERO),
				    cc[i].size, K_CACHE, w->caches[i], 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
			for (unsigned int g = 0; g < ARRAY_SIZE(kmalloc_gfps); g++)
				got(w, kmalloc(m, kmalloc_sizes[i], kmalloc_gfps[g]), kmalloc_sizes[i],
				    K_KMALLOC, NULL, 0);
		for (unsigned int order = 0; order <= 4; order++)
			for (int j = 0; j < 3; j++) {
				gfp_t gfp = j == 2 ? GFP_DMA : GFP_KERNEL;
				unsigned long a = __get_free_pages(m, gfp, order);

				got(w, (void *)a, PAGE_SIZE << order, K_PAGES, NULL, order);
			}
		for (unsigned int i = 0; i < ARRAY_SIZE(vmalloc_sizes); i++)
			got(w, i % 2 ? vzalloc(m, vmalloc_sizes[i]) : vmalloc(m, vmalloc_sizes[i]),
			    vmalloc_sizes[i], K_VMALLOC, NULL, 0);
		/* kmalloc first, vmalloc when kmalloc fails (above a page) */
		for (unsigned int i = 0; i < ARRAY_SIZE(kvmalloc_sizes); i++)
			got(w, kvmalloc(m, kvmalloc_sizes[i], GFP_KERNEL), kvmalloc_sizes[i], K_KVMALLOC, NULL, 0);
		/* krealloc every kmalloc'd block up and down across classes. */
		for (unsigned int i = 0; i < w->nr_live; i++)
			if (w->live[i].kind == K_KMALLOC && i % 4 == round) {
				size_t s = w->live[i].size;
				grow(w, i, s < 4096 ? s * 3 + 5 : s / 2, GFP_KERNEL);
				grow(w, i, w->live[i].size + 10000, GFP_KERNEL);
				grow(w, i, 40, GFP_KERNEL);
			}
		/* Free about half, from everywhere, then shrink. */
		for (unsigned int i = 0; i < w->nr_live; i += 2)
			release(w, i);
		for (int i = 0; i < 5; i++)
			if (w->caches[i])
				kmem_cache_shrink(w->caches[i]);
	}
	/* A cache made and destroyed on the way. */
	{
		struct kmem_cache *t = kmem_cache_create(m, "oom-temp", 128, 0, 0, NULL);
		void *p;

		if (!t) {
			w->nulls++;
			return;
		}
		p = kmem_cache_alloc(t, GFP_KERNEL);
		if (p)
			W_EXPECT(w, kmem_cache_free(t, p) == 0);
		else
			w->nulls++;
		W_EXPECT(w, kmem_cache_destroy(t) == 0);
		w->nr_created++;
	}
}

static void teardown(struct work *w)
{
	while (w->nr_live)
		release(w, w->nr_live - 1);
	for (int i = 0; i < 5; i++)
		if (w->caches[i])
			W_EXPECT(w, kmem_cache_destroy(w->caches[i]) == 0);
	/* Give back what caches and per-CPU lists keep by design. */
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(w->m, s));)
		kmem_cache_shrink(s);
	drain_all_pages(w->m);
}

struct boot_state {
	struct page_stats ps;
	unsigned int caches;
	unsigned long host_live;
	char buddyinfo[512];
};

static void snapshot(struct machine *m, struct boot_state *b)
{
	buddy_page_stats(m, &b->ps);
	b->caches = kmem_cache_count(m);
	b->host_live = machine_host_live(m);
	proc_buddyinfo(m, b->buddyinfo, sizeof(b->buddyinfo));
}

static void oom_config(struct machine_config *cfg)
{
	machine_config_default(cfg);
	cfg->nr_pages = OOM_PAGES;
	cfg->dma_pages = OOM_DMA;
	cfg->nr_cpus = OOM_CPUS;
	cfg->quiet = 1;
}

static struct machine *oom_machine(void)
{
	struct machine_config cfg;

	oom_config(&cfg);
	return machine_create(&cfg);
}

enum inject { INJECT_NONE, INJECT_PAGES, INJECT_HOST };

struct run_result {
	unsigned long page_allocs, host_allocs, nulls;
	unsigned long pending;		/* injected failures not consumed */
	int bad;
};

/* Boot, inject, run the workload and its teardown, and hold the machine to
 * the contract.  Returns nonzero when something broke. */
/* Each run boots into one kept arena, as the fuzz targets do (a memfd of
 * its own per boot cost ten times the whole loop): so every run also shows
 * that a machine that met its failures hands the arena back clean. */
static struct kalloc_arena *oom_arena;

static struct machine *oom_boot(void)
{
	struct machine_config cfg;

	if (!oom_arena)
		oom_arena = kalloc_arena_create(OOM_PAGES);
	oom_config(&cfg);
	return oom_arena ? machine_create_in(oom_arena, &cfg) : NULL;
}

static void oom_arena_release(void)
{
	kalloc_arena_destroy(oom_arena);
	oom_arena = NULL;
}

static int run_once(struct kunit *test, enum inject how, unsigned long nth, int persistent,
		    struct run_result *r)
{
	static struct work w;		/* 600 records: too big for the stack */
	struct boot_state boot, end;
	struct page_stats ps;
	struct vmalloc_stats vs;
	struct kalloc_check ck;
	unsigned long host0, times = persistent ? ~0UL : 1;

	memset(&w, 0, sizeof(w));
	memset(r, 0, sizeof(*r));
	w.test = test;
	w.m = oom_boot();
	if (!w.m) {
		kunit_fail(test, __FILE__, __LINE__, "boot failed");
		return 1;
	}
	snapshot(w.m, &boot);
	host0 = machine_host_allocs(w.m);
	if (how == INJECT_PAGES)
		buddy_inject_failures(w.m, nth - 1, times);
	else if (how == INJECT_HOST)
		machine_inject_host_failures(w.m, nth - 1, times);

	workload(&w);
	buddy_page_stats(w.m, &ps);
	r->page_allocs = ps.alloc_calls - boot.ps.alloc_calls;
	r->host_allocs = machine_host_allocs(w.m) - host0;
	r->pending = how == INJECT_PAGES ? buddy_injected_pending(w.m) :
		     how == INJECT_HOST ? w.m->host.fail_times : 0;
	if (machine_check(w.m, &ck)) {
		kunit_fail(test, __FILE__, __LINE__, "after the workload: %s", ck.msg);
		w.bad = 1;
	}
	/* Failures come back as NULL or -KERR_NOMEM; nothing else is reported. */
	if (machine_errors_total(w.m) != machine_errors(w.m, KERR_NOMEM)) {
		kunit_fail(test, __FILE__, __LINE__, "reported %s: %s",
			   kalloc_error_name(machine_last_error(w.m)), machine_last_report(w.m));
		w.bad = 1;
	}
	buddy_inject_failures(w.m, 0, 0);
	machine_inject_host_failures(w.m, 0, 0);
	teardown(&w);
	if (machine_check(w.m, &ck)) {
		kunit_fail(test, __FILE__, __LINE__, "after teardown: %s", ck.msg);
		w.bad = 1;
	}
	snapshot(w.m, &end);
	W_EXPECT(&w, end.ps.free == boot.ps.free);
	W_EXPECT(&w, end.ps.pcp == 0 && end.ps.slab == 0 && end.ps.kmalloc_large == 0 && end.ps.pages == 0);
	W_EXPECT(&w, end.caches == boot.caches);
	vmalloc_stats(w.m, &vs);
	W_EXPECT(&w, vs.nr_areas == 0 && vs.nr_pages == 0);
	W_EXPECT(&w, !strcmp(end.buddyinfo, boot.buddyinfo));
	/* Destroyed caches keep their struct (one host block each). */
	W_EXPECT(&w, end.host_live == boot.host_live + w.nr_created + w.callers);
	r->nulls = w.nulls;
	r->bad = w.bad;
	machine_destroy(w.m);
	return w.bad;
}

/* One loop: N = 1 .. allocations + 1, transient and persistent. */
static unsigned long oom_loop(struct kunit *test, enum inject how, unsigned long allocs,
			      const char *what)
{
	struct run_result r;
	unsigned long runs = 0, failed_runs = 0;
	/* The debug build checks every layer after every operation: there
	 * every 4th N (and the last two), everywhere else every N. */
	unsigned long step = KUNIT_SLOW > 1 ? 4 : 1;

	for (unsigned long n = 1; n <= allocs + 1; n = n + step > allocs && n < allocs ? allocs : n + step) {
		for (int persistent = 0; persistent < 2; persistent++) {
			if (run_once(test, how, n, persistent, &r)) {
				kunit_fail(test, __FILE__, __LINE__, "%s: N = %lu%s broke the contract",
					   what, n, persistent ? " (persistent)" : "");
				return runs;
			}
			runs++;
			if (n <= allocs) {
				/* The Nth was failed, and a transient failure
				 * costs at most the one allocation. */
				if (!persistent)
					EXPECT_EQ(r.pending, 0);
				if (!persistent && r.nulls > 1)
					kunit_fail(test, __FILE__, __LINE__, "%s: N = %lu: %lu NULLs from one failure",
						   what, n, r.nulls);
				failed_runs += r.nulls > 0;
			} else {
				/* One past the last: nothing left to fail. */
				EXPECT(r.pending > 0 && r.nulls == 0);
			}
		}
	}
	printf("    %s: N = 1..%lu%s, %lu runs (transient and persistent), %lu with a NULL seen\n",
	       what, allocs, step > 1 ? " in steps of 4" : "", runs, failed_runs);
	return runs;
}

TEST(oom_workload_baseline_succeeds_and_restores_boot_state)
{
	struct run_result r;

	ASSERT(!run_once(test, INJECT_NONE, 0, 0, &r));
	EXPECT_EQ(r.nulls, 0);
	EXPECT(r.page_allocs > 50);
	/* the call-site table, six kmem_cache_create, and two blocks (area,
	 * page array) per vmalloc */
	EXPECT_EQ(r.host_allocs, 1 + 6 + 2 * 2 * ARRAY_SIZE(vmalloc_sizes));
	oom_arena_release();
}

TEST(oom_loop_fails_every_page_allocation_in_turn)
{
	struct run_result base;

	ASSERT(!run_once(test, INJECT_NONE, 0, 0, &base));
	oom_loop(test, INJECT_PAGES, base.page_allocs, "page allocations");
	oom_arena_release();
}

TEST(oom_loop_fails_every_host_allocation_in_turn)
{
	struct run_result base;

	ASSERT(!run_once(test, INJECT_NONE, 0, 0, &base));
	oom_loop(test, INJECT_HOST, base.host_allocs, "host allocations");
	oom_arena_release();
}

/* Boot: every host allocation of machine_create in turn, transient and
 * persistent.  A failed boot returns NULL and frees what it had (the ASan
 * build's LeakSanitizer holds it to that); one past the last boots. */
TEST(oom_loop_boot_fails_every_host_allocation_in_turn)
{
	struct machine_config cfg;
	struct machine *m = oom_machine();
	unsigned long boot_allocs, n;

	ASSERT(m);
	boot_allocs = machine_host_allocs(m);
	machine_destroy(m);
	oom_config(&cfg);
	for (n = 1; n <= boot_allocs; n++)
		for (int persistent = 0; persistent < 2; persistent++) {
			cfg.host_fail_skip = n - 1;
			cfg.host_fail_times = persistent ? ~0UL : 1;
			m = machine_create(&cfg);
			if (m) {
				kunit_fail(test, __FILE__, __LINE__, "boot survived failing host allocation %lu", n);
				machine_destroy(m);
			}
		}
	cfg.host_fail_skip = boot_allocs;
	cfg.host_fail_times = 1;
	m = machine_create(&cfg);
	ASSERT(m);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
	printf("    boot: N = 1..%lu, %lu runs (transient and persistent)\n", boot_allocs, 2 * boot_allocs);
}

/* The same into a kept arena (what the fuzz targets do): a failed boot must
 * hand the arena back clean, so the next boot into it works and is healthy. */
TEST(oom_loop_boot_in_an_arena_leaves_it_clean)
{
	struct kalloc_arena *a = kalloc_arena_create(OOM_PAGES);
	struct machine_config cfg;
	struct machine *m;
	unsigned long boot_allocs, n;
	char want[512], got_info[512];

	ASSERT(a);
	oom_config(&cfg);
	m = machine_create_in(a, &cfg);
	ASSERT(m);
	boot_allocs = machine_host_allocs(m);
	proc_buddyinfo(m, want, sizeof(want));
	machine_destroy(m);
	for (n = 1; n <= boot_allocs; n++) {
		cfg.host_fail_skip = n - 1;
		cfg.host_fail_times = 1;
		m = machine_create_in(a, &cfg);
		if (m) {
			kunit_fail(test, __FILE__, __LINE__, "arena boot survived failing host allocation %lu", n);
			machine_destroy(m);
		}
		cfg.host_fail_times = 0;
		m = machine_create_in(a, &cfg);
		ASSERT(m);
		EXPECT_HEALTHY(m);
		proc_buddyinfo(m, got_info, sizeof(got_info));
		EXPECT_STREQ(got_info, want);
		machine_destroy(m);
	}
	kalloc_arena_destroy(a);
	printf("    arena boot: N = 1..%lu\n", boot_allocs);
}
