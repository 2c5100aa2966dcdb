/* test_workload.c - a long seeded random workload over every layer.
 *
 * Pages of every order, kmalloc of every size class and large, objects of
 * several caches (with ctor, poison, HWCACHE alignment), vmalloc and
 * kvmalloc (either side of the kmalloc limit), krealloc, CPU
 * switches and injected page-allocation failures, with contents checked on
 * every free.  Then everything is freed, every cache shrunk and destroyed,
 * the per-CPU lists drained: /proc/buddyinfo and the free counts must be
 * exactly what they were at boot.  KALLOC_SEED=n replays one seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include "kunit.h"

enum kind { K_PAGES, K_KMALLOC, K_CACHE, K_VMALLOC, K_KVMALLOC };

struct live {
	enum kind kind;
	unsigned char *p;
	size_t size;		/* bytes that carry the pattern */
	unsigned order;
	int cache;
	unsigned char tag;
};

static uint64_t rng;
static uint64_t next_rand(void)
{
	/* xorshift64*: the sequence depends on the seed alone. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static void ctor_zero(void *obj) { memset(obj, 0, 24); }

static int pattern_ok(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != (unsigned char)(l->tag + i))
			return 0;
	return 1;
}

static void pattern_fill(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		l->p[i] = (unsigned char)(l->tag + i);
}

static size_t pick_size(void)
{
	switch (next_rand() % 8) {
	case 0: return 1 + next_rand() % 16;
	case 1: case 2: case 3: return 1 + next_rand() % 192;
	case 4: case 5: return 1 + next_rand() % 2048;
	case 6: return 1 + next_rand() % 8192;
	default: return 8193 + next_rand() % 60000;
	}
}

static int live_free(struct machine *m, struct kmem_cache **caches, const struct live *l)
{
	switch (l->kind) {
	case K_PAGES: return free_pages(m, (unsigned long)l->p, l->order);
	case K_KMALLOC: return kfree(m, l->p);
	case K_VMALLOC: return vfree(m, l->p);
	case K_KVMALLOC: return kvfree(m, l->p);
	default: return kmem_cache_free(caches[l->cache], l->p);
	}
}

static void run_seed(struct kunit *test, uint64_t seed, unsigned steps)
{
	struct machine *m = test_machine(8192, 1024, 4);
	char boot[1024], end[1024];
	struct page_stats ps0, ps1;
	struct kmem_cache *caches[4];
	struct live *live;
	unsigned nlive = 0, cap = 4096, peak = 0, failed = 0;
	struct kalloc_check ck;

	ASSERT(m);
	rng = seed ? seed : 1;
	live = calloc(cap, sizeof(*live));
	proc_buddyinfo(m, boot, sizeof(boot));
	buddy_page_stats(m, &ps0);
	caches[0] = kmem_cache_create(m, "dentry", 192, 0, 0, NULL);
	caches[1] = kmem_cache_create(m, "task_struct", 1040, 0, SLAB_HWCACHE_ALIGN, NULL);
	caches[2] = kmem_cache_create(m, "inode_cache", 616, 0, 0, ctor_zero);
	caches[3] = kmem_cache_create(m, "buffer_head", 104, 0, SLAB_POISON | SLAB_CACHE_DMA, NULL);

	for (unsigned step = 0; step < steps; step++) {
		unsigned r = next_rand() % 100;

		if (r < 2) {
			machine_set_cpu(m, next_rand() % 4);
		} else if (r < 3) {
			/* Sequenced: argument evaluation order is the compiler's. */
			unsigned long skip = next_rand() % 4, times = 1 + next_rand() % 3;
			buddy_inject_failures(m, skip, times);
		} else if (r < 55 && nlive < cap) {
			struct live l = { .tag = (unsigned char)next_rand() };
			gfp_t gfp = (next_rand() % 8 == 0) ? GFP_DMA : GFP_KERNEL;

			switch (next_rand() % 4) {
			case K_PAGES:
				l.kind = K_PAGES;
				l.order = next_rand() % 5;
				l.size = PAGE_SIZE << l.order;
				l.p = (unsigned char *)__get_free_pages(m, gfp, l.order);
				break;
			case K_KMALLOC:
				l.kind = K_KMALLOC;
				l.size = pick_size();
				l.p = kmalloc(m, l.size, gfp);
				if (l.p && ksize(m, l.p) < l.size)
					kunit_fail(test, __FILE__, __LINE__, "seed %llu step %u: ksize below request",
						   (unsigned long long)seed, step);
				break;
			case K_VMALLOC:
				/* vmalloc, vzalloc or kvmalloc (now and then above
				 * kmalloc's limit); each page is a host mmap, so small. */
				l.size = 1 + next_rand() % (4 * PAGE_SIZE);
				switch (next_rand() % 4) {
				case 0: l.p = vzalloc(m, l.size); l.kind = K_VMALLOC; break;
				case 1:
					if (next_rand() % 64 == 0)
						l.size = KMALLOC_MAX_SIZE + 1 + next_rand() % 4096;
					l.p = kvmalloc(m, l.size, GFP_KERNEL);
					l.kind = K_KVMALLOC;
					break;
				default: l.p = vmalloc(m, l.size); l.kind = K_VMALLOC; break;
				}
				break;
			default:
				l.kind = K_CACHE;
				l.cache = (int)(next_rand() % 4);
				l.size = kmem_cache_size(caches[l.cache]);
				l.p = kmem_cache_alloc(caches[l.cache], GFP_KERNEL);
				break;
			}
			if (l.p) {
				pattern_fill(&l);
				live[nlive++] = l;
				peak = nlive > peak ? nlive : peak;
			} else {
				failed++;
			}
		} else if (nlive) {
			unsigned i = next_rand() % nlive;
			struct live *l = &live[i];
			int rc = 0;

			if (!pattern_ok(l))
				kunit_fail(test, __FILE__, __LINE__, "seed %llu step %u: contents of a live block changed",
					   (unsigned long long)seed, step);
			if (l->kind == K_KMALLOC && next_rand() % 4 == 0) {
				size_t n = pick_size();
				unsigned char *q = krealloc(m, l->p, n, GFP_KERNEL);
				if (q) {
					l->p = q;
					if (n < l->size)
						l->size = n;
					if (!pattern_ok(l))
						kunit_fail(test, __FILE__, __LINE__, "seed %llu step %u: krealloc lost contents",
							   (unsigned long long)seed, step);
					l->size = n;
					pattern_fill(l);
				}
				continue;
			}
			rc = live_free(m, caches, l);
			if (rc)
				kunit_fail(test, __FILE__, __LINE__, "seed %llu step %u: free returned %d",
					   (unsigned long long)seed, step, rc);
			*l = live[--nlive];
		}
		if (step % 1000 == 0 && machine_check(m, &ck)) {
			kunit_fail(test, __FILE__, __LINE__, "seed %llu step %u: %s", (unsigned long long)seed, step, ck.msg);
			break;
		}
	}
	buddy_inject_failures(m, 0, 0);
	printf("    seed %llu: %u steps, peak %u live blocks, %u allocations failed\n",
	       (unsigned long long)seed, steps, peak, failed);
	while (nlive) {
		struct live *l = &live[--nlive];
		EXPECT(pattern_ok(l));
		EXPECT_EQ(live_free(m, caches, l), 0);
	}
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(kmem_cache_destroy(caches[i]), 0);
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(m, s));)
		kmem_cache_shrink(s);
	drain_all_pages(m);
	proc_buddyinfo(m, end, sizeof(end));
	buddy_page_stats(m, &ps1);
	EXPECT_STREQ(end, boot);
	EXPECT_EQ(ps1.free, ps0.free);
	EXPECT_EQ(ps1.pcp + ps1.pages + ps1.slab + ps1.kmalloc_large, 0);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_HEALTHY(m);
	free(live);
	machine_destroy(m);
}

TEST(workload_everything_returns_to_the_buddy_allocator)
{
	const char *env = getenv("KALLOC_SEED");
	uint64_t first = env ? strtoull(env, NULL, 0) : 20261126;
	unsigned seeds = env ? 1 : 4;

	for (unsigned i = 0; i < seeds; i++) {
		run_seed(test, first + i, 60000 / KUNIT_SLOW);
		if (test->failures)
			break;
	}
}
