/* test_check.c - every invariant the checks verify can fire.
 *
 * One fixture - a machine with free blocks in both zones, pages on per-CPU
 * lists, allocated blocks, a cache with a partial, a full and a CPU slab, a
 * poisoned cache and a large kmalloc - passes machine_check().  Each entry of
 * the table corrupts exactly one thing in a fresh fixture and expects
 * exactly its code; a last test proves the table covers every code.
 */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

struct fixture {
	struct machine *m;
	struct page *block;		/* order-2 allocated block */
	struct page *single;		/* order-0 allocated page */
	struct kmem_cache *s, *other, *poisoned;
	void *obj[96];
	struct page *partial, *full, *cpu;	/* s's slabs */
	char *poisoned_free;
	void *large;
};

static void fixture_setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->m = test_machine(2048, 512, 2);
	f->block = alloc_pages(f->m, GFP_KERNEL, 2);
	f->single = alloc_page(f->m, GFP_KERNEL);
	free_page(f->m, __get_free_page(f->m, GFP_DMA));	/* a DMA pcp page */
	f->s = kmem_cache_create(f->m, "victim", 128, 0, 0, NULL);
	f->other = kmem_cache_create(f->m, "bystander", 128, 0, 0, NULL);
	/* 32 objects per slab: three slabs, then one free in the first. */
	for (int i = 0; i < 96; i++)
		f->obj[i] = kmem_cache_alloc(f->s, GFP_KERNEL);
	kmem_cache_free(f->s, f->obj[0]);
	f->partial = compound_head(virt_to_page(f->m, f->obj[1]));
	f->full = compound_head(virt_to_page(f->m, f->obj[40]));
	f->cpu = compound_head(virt_to_page(f->m, f->obj[95]));
	f->poisoned = kmem_cache_create(f->m, "poisoned", 64, 0, SLAB_POISON, NULL);
	f->poisoned_free = kmem_cache_alloc(f->poisoned, GFP_KERNEL);
	kmem_cache_alloc(f->poisoned, GFP_KERNEL);
	kmem_cache_free(f->poisoned, f->poisoned_free);
	f->large = kmalloc(f->m, 20000, GFP_KERNEL);
}

static struct zone *zone(struct fixture *f, int zi) { return &f->m->buddy.zones[zi]; }

/* The first free block of at least @min_order in zone @zi, and its order. */
static struct page *free_block(struct fixture *f, int zi, unsigned min_order, unsigned *order)
{
	for (unsigned o = min_order; o < NR_PAGE_ORDERS; o++)
		if (!list_empty(&zone(f, zi)->free_area[o])) {
			*order = o;
			return list_first_entry(&zone(f, zi)->free_area[o], struct page, lru);
		}
	return NULL;
}

static void unlist(struct zone *z, struct page *p, unsigned o)
{
	list_del(&p->lru);
	z->nr_free[o]--;
	z->free_pages -= 1UL << o;
}

static void enlist(struct zone *z, struct page *p, unsigned o)
{
	p->flags = PG_buddy;
	p->order = (uint8_t)o;
	list_add(&p->lru, &z->free_area[o]);
	z->nr_free[o]++;
	z->free_pages += 1UL << o;
}

static void objmap_toggle(struct machine *m, const void *obj)
{
	uintptr_t idx = ((uintptr_t)obj - (uintptr_t)m->base) >> 3;
	m->slab.objmap[idx >> 6] ^= 1ULL << (idx & 63);
}

static void poke_freepointer(struct kmem_cache *s, void *obj, void *value)
{
	void **p = (void **)((char *)obj + s->offset);
	kasan_unpoison(p, sizeof(*p));
	*p = value;
	kasan_poison(p, sizeof(*p));
}

static void c_nr_free(struct fixture *f) { zone(f, ZONE_NORMAL)->nr_free[0]++; }
static void c_not_buddy(struct fixture *f)
{
	unsigned o;
	free_block(f, ZONE_NORMAL, 0, &o)->flags = 0;
}
static void c_order(struct fixture *f)
{
	unsigned o;
	free_block(f, ZONE_NORMAL, 0, &o)->order++;
}
static void c_misaligned(struct fixture *f)
{
	unsigned o;
	struct page *p = free_block(f, ZONE_NORMAL, 1, &o);
	unlist(zone(f, ZONE_NORMAL), p, o);
	p->flags = 0;
	enlist(zone(f, ZONE_NORMAL), p + 1, o);
}
static void c_zone(struct fixture *f)
{
	unsigned o;
	struct page *p = free_block(f, ZONE_NORMAL, 0, &o);
	unlist(zone(f, ZONE_NORMAL), p, o);
	enlist(zone(f, ZONE_DMA), p, o);
}
static void c_not_merged(struct fixture *f)
{
	unsigned o;
	struct page *p = free_block(f, ZONE_NORMAL, 1, &o);
	unlist(zone(f, ZONE_NORMAL), p, o);
	enlist(zone(f, ZONE_NORMAL), p, o - 1);
	enlist(zone(f, ZONE_NORMAL), p + (1u << (o - 1)), o - 1);
}
static void c_stray(struct fixture *f)
{
	unsigned o;
	struct page *p = free_block(f, ZONE_NORMAL, 0, &o);
	unlist(zone(f, ZONE_NORMAL), p, o);	/* PG_buddy stays */
}
static void c_overlap(struct fixture *f) { f->block[1].flags = 0; }
static void c_lost(struct fixture *f) { f->single->flags = 0; }
static void c_free_pages(struct fixture *f) { zone(f, ZONE_NORMAL)->free_pages++; }
static void c_pcp(struct fixture *f) { zone(f, ZONE_DMA)->pcp[0].count++; }
static void c_accounting(struct fixture *f) { f->m->buddy.nr_allocated++; }
static void c_layers(struct fixture *f)
{
	unsigned o;
	/* Owner counters that agree with the pages, not with the free lists. */
	page_set_owner(f->m, free_block(f, ZONE_NORMAL, 0, &o), PAGE_OWNER_PAGES);
}
static void c_owner(struct fixture *f)
{
	struct page *pcp = list_first_entry(&zone(f, ZONE_DMA)->pcp[0].list, struct page, lru);
	/* Every counter still adds up: a per-CPU page and an allocated page
	 * swap owners. */
	pcp->owner = PAGE_OWNER_PAGES;
	f->single->owner = PAGE_OWNER_PCP;
}

static void c_slab_page(struct fixture *f) { f->partial->slab_cache = f->other; }
static void c_freelist_range(struct fixture *f) { f->partial->freelist = (char *)f->m->base - 128; }
static void c_freelist_align(struct fixture *f) { f->partial->freelist = (char *)f->partial->freelist + 8; }
static void c_freelist_cycle(struct fixture *f)
{
	void *x = f->partial->freelist;
	poke_freepointer(f->s, x, x);
}
static void c_freelist_live(struct fixture *f) { objmap_toggle(f->m, f->partial->freelist); }
static void c_inuse(struct fixture *f) { f->partial->inuse--; }
static void c_objmap(struct fixture *f) { objmap_toggle(f->m, f->obj[40]); }
static void c_list(struct fixture *f)
{
	list_del(&f->full->lru);
	list_add(&f->full->lru, &f->s->partial);
}
static void c_nr_partial(struct fixture *f) { f->s->nr_partial++; }
static void c_nr_slabs(struct fixture *f) { f->s->nr_slabs++; }
static void c_unaccounted(struct fixture *f)
{
	list_del(&f->full->lru);
	f->s->nr_slabs--;
	f->s->total_objects -= f->full->objects;
	f->s->nr_pages -= 1u << f->full->order;
}
static void c_slab_pages(struct fixture *f) { f->s->nr_pages++; }
static void c_poison(struct fixture *f)
{
	kasan_unpoison(f->poisoned_free, 64);
	f->poisoned_free[3] = 0;
	kasan_poison(f->poisoned_free, 64);
}

/* A live cache whose handle tag no longer matches: its entry points would
 * refuse it as destroyed or bogus. */
static void c_cache_tag(struct fixture *f) { f->s->tag ^= 1; }

static void c_kmalloc_cache(struct fixture *f)
{
	struct kmem_cache *t = f->m->kmalloc.caches[KMALLOC_NORMAL][3];
	f->m->kmalloc.caches[KMALLOC_NORMAL][3] = f->m->kmalloc.caches[KMALLOC_NORMAL][4];
	f->m->kmalloc.caches[KMALLOC_NORMAL][4] = t;
}
static void c_kmalloc_index(struct fixture *f) { f->m->kmalloc.size_index[0] = 1; }
static void c_kmalloc_large(struct fixture *f) { f->m->kmalloc.large_allocs++; }

static const struct {
	int code;
	void (*corrupt)(struct fixture *f);
} corruptions[] = {
	{ INV_BUDDY_NR_FREE, c_nr_free },
	{ INV_BUDDY_NOT_BUDDY, c_not_buddy },
	{ INV_BUDDY_ORDER, c_order },
	{ INV_BUDDY_MISALIGNED, c_misaligned },
	{ INV_BUDDY_ZONE, c_zone },
	{ INV_BUDDY_NOT_MERGED, c_not_merged },
	{ INV_BUDDY_STRAY, c_stray },
	{ INV_BUDDY_OVERLAP, c_overlap },
	{ INV_BUDDY_LOST, c_lost },
	{ INV_BUDDY_FREE_PAGES, c_free_pages },
	{ INV_BUDDY_PCP, c_pcp },
	{ INV_BUDDY_ACCOUNTING, c_accounting },
	{ INV_BUDDY_LAYERS, c_layers },
	{ INV_SLAB_PAGE, c_slab_page },
	{ INV_SLAB_FREELIST_RANGE, c_freelist_range },
	{ INV_SLAB_FREELIST_ALIGN, c_freelist_align },
	{ INV_SLAB_FREELIST_CYCLE, c_freelist_cycle },
	{ INV_SLAB_FREELIST_LIVE, c_freelist_live },
	{ INV_SLAB_INUSE, c_inuse },
	{ INV_SLAB_OBJMAP, c_objmap },
	{ INV_SLAB_LIST, c_list },
	{ INV_SLAB_NR_PARTIAL, c_nr_partial },
	{ INV_SLAB_NR_SLABS, c_nr_slabs },
	{ INV_SLAB_UNACCOUNTED, c_unaccounted },
	{ INV_SLAB_PAGES, c_slab_pages },
	{ INV_SLAB_POISON, c_poison },
	{ INV_KMALLOC_CACHE, c_kmalloc_cache },
	{ INV_KMALLOC_INDEX, c_kmalloc_index },
	{ INV_KMALLOC_LARGE, c_kmalloc_large },
	{ INV_BUDDY_OWNER, c_owner },
	{ INV_SLAB_CACHE_TAG, c_cache_tag },
};

TEST(check_fixture_is_healthy)
{
	struct fixture f;
	struct slab_stats st;

	fixture_setup(&f);
	ASSERT(f.m && f.block && f.single && f.large && f.poisoned_free);
	/* The fixture has what the corruptions need. */
	EXPECT(f.partial != f.full && f.full != f.cpu && f.partial != f.cpu);
	EXPECT_EQ(f.cpu->frozen, 1);
	kmem_cache_stats(f.s, &st);
	EXPECT_EQ(st.partial_slabs, 1);
	EXPECT_EQ(st.full_slabs, 1);
	EXPECT_EQ(st.cpu_slabs, 1);
	EXPECT(zone(&f, ZONE_DMA)->pcp[0].count > 0);
	EXPECT_HEALTHY(f.m);
	machine_destroy(f.m);
}

TEST(check_each_corruption_fires_exactly_its_code)
{
	for (unsigned i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		struct kalloc_check ck;
		struct fixture f;
		int code;

		fixture_setup(&f);
		ASSERT(f.m);
		corruptions[i].corrupt(&f);
		code = machine_check(f.m, &ck);
		if (code != corruptions[i].code)
			kunit_fail(test, __FILE__, __LINE__, "corrupting for %s gave %s (%s)",
				   kalloc_invariant_name(corruptions[i].code), kalloc_invariant_name(code), ck.msg);
		else if (strncmp(ck.msg, kalloc_invariant_name(code), strlen(kalloc_invariant_name(code))))
			kunit_fail(test, __FILE__, __LINE__, "message does not name its code: %s", ck.msg);
		machine_destroy(f.m);
	}
}

TEST(check_every_invariant_has_a_corruption)
{
	for (int code = 1; code < NR_KALLOC_INVARIANTS; code++) {
		int found = kunit_invariant_is_tested(code);
		for (unsigned i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++)
			found |= corruptions[i].code == code;
		if (!found)
			kunit_fail(test, __FILE__, __LINE__, "%s has no corruption test", kalloc_invariant_name(code));
		EXPECT(strcmp(kalloc_invariant_text(code), "?") != 0);
	}
	EXPECT_STREQ(kalloc_invariant_name(NR_KALLOC_INVARIANTS), "?");
}

/* A slab page whose slab_cache is no live cache: slab_check looks the
 * pointer up in a set of the live caches (never dereferencing it), or, with
 * more caches than the set holds, on the list; both report it, and a
 * healthy machine with that many caches passes. */
TEST(check_slab_page_of_no_live_cache_fires_with_set_and_list)
{
	for (int many = 0; many < 2; many++) {
		struct kalloc_check ck;
		struct fixture f;
		char name[32];

		fixture_setup(&f);
		ASSERT(f.m);
		for (int i = 0; many && i < 250; i++) {
			snprintf(name, sizeof(name), "extra-%d", i);
			ASSERT(kmem_cache_create(f.m, name, 64, 0, 0, NULL));
		}
		EXPECT_HEALTHY(f.m);
		c_unaccounted(&f);
		f.full->slab_cache = (struct kmem_cache *)f.obj[50];
		EXPECT_EQ(machine_check(f.m, &ck), INV_SLAB_UNACCOUNTED);
		EXPECT(strstr(ck.msg, "names no live cache") != NULL);
		machine_destroy(f.m);
	}
}

/* The word-at-a-time poison check finds a damaged byte at every offset,
 * the last (POISON_END) included, and names the offset. */
TEST(check_poison_damage_at_every_offset)
{
	struct machine *m = test_machine(512, 0, 1);
	struct kmem_cache *s;
	unsigned char *p;
	char want[32];

	ASSERT(m);
	s = kmem_cache_create(m, "odd_size", 61, 0, SLAB_POISON, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	for (unsigned i = 0; i < 61; i++) {
		struct kalloc_check ck;
		unsigned char old;

		kasan_unpoison(p, 61);
		old = p[i];
		p[i] ^= 0x10;
		kasan_poison(p, 61);
		EXPECT_EQ(machine_check(m, &ck), INV_SLAB_POISON);
		snprintf(want, sizeof(want), "at offset %u", i);
		if (!strstr(ck.msg, want))
			kunit_fail(test, __FILE__, __LINE__, "byte %u: %s", i, ck.msg);
		kasan_unpoison(p, 61);
		p[i] = old;
		kasan_poison(p, 61);
	}
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ------------------------------------------------------------------------
 * machine_check()'s quick path (internal.h): it must reject every state
 * the layers' complete checks reject - else machine_check() would pass a
 * broken machine - and should pass every healthy one (else each check
 * costs a complete check too).  Random workloads, then one random
 * corruption of a field the complete checks read without following it.
 */
static unsigned int rnd_next(unsigned int *r)
{
	*r = *r * 1103515245u + 12345u;
	return *r >> 8;
}

static int complete_check(struct machine *m)
{
	return machine_check_complete(m, NULL);
}

struct qstate {
	struct machine *m;
	struct kmem_cache *poisoned, *plain;
	void *live[128];
	unsigned int live_cache[128];	/* 0 kmalloc, 1 poisoned, 2 plain, 3 pages (order in bits 8+) */
	unsigned int n;
};

static void q_workload(struct qstate *q, unsigned int *r, unsigned int ops)
{
	for (unsigned int i = 0; i < ops; i++) {
		unsigned int x = rnd_next(r), kind = x % 4;

		machine_set_cpu(q->m, (x >> 4) % machine_config(q->m)->nr_cpus);
		if (q->n && (x >> 8) % 3 == 0) {
			unsigned int j = (x >> 10) % q->n, c = q->live_cache[j];

			if (c == 0)
				kfree(q->m, q->live[j]);
			else if (c == 1)
				kmem_cache_free(q->poisoned, q->live[j]);
			else if (c == 2)
				kmem_cache_free(q->plain, q->live[j]);
			else
				free_pages(q->m, (unsigned long)q->live[j], c >> 8);
			q->live[j] = q->live[--q->n];
			q->live_cache[j] = q->live_cache[q->n];
			continue;
		}
		if (q->n == ARRAY_SIZE(q->live))
			continue;
		if (kind == 0) {
			size_t size = 1 + (x >> 12) % ((x & 0x100) ? 30000 : 600);

			q->live[q->n] = kmalloc(q->m, size, (x & 0x200) ? GFP_DMA : GFP_KERNEL);
		} else if (kind == 1) {
			q->live[q->n] = kmem_cache_alloc(q->poisoned, GFP_KERNEL);
		} else if (kind == 2) {
			q->live[q->n] = kmem_cache_alloc(q->plain, GFP_KERNEL);
		} else {
			unsigned int order = (x >> 12) % 4;

			kind = 3 | order << 8;
			q->live[q->n] = (void *)__get_free_pages(q->m, GFP_KERNEL, order);
		}
		if (q->live[q->n] && q->live[q->n] != ZERO_SIZE_PTR)
			q->live_cache[q->n++] = kind;
	}
}

/* One corruption of a value the complete checks compare, never of a
 * pointer they follow (list links, a slab's cache: those could crash
 * them).  Returns what was corrupted, for the failure message. */
static const char *q_corrupt(struct qstate *q, unsigned int *r)
{
	struct machine *m = q->m;
	unsigned int x = rnd_next(r), y = rnd_next(r);
	struct page *p = &m->pages[y % m->nr_pages];
	struct zone *z = &m->buddy.zones[x & 1];

	switch ((x >> 1) % 16) {
	case 0: p->flags ^= 1u << ((x >> 6) % 5); return "page flags";
	case 1: p->order ^= (uint8_t)(1u << ((x >> 6) % 4)); return "page order";
	case 2: p->zone ^= 1; return "page zone";
	case 3: p->owner ^= (uint8_t)(1u << ((x >> 6) % 4)); return "page owner";
	case 4: p->mapcount += 1 + (x >> 6) % 2; return "page mapcount";
	case 5: p->inuse ^= 1u << ((x >> 6) % 3); return "page inuse";
	case 6: p->objects ^= (uint16_t)(1u << ((x >> 6) % 3)); return "page objects";
	case 7: p->frozen ^= 1; return "page frozen";
	case 8: p->_unused[0] ^= 1; return "page padding";
	case 9: z->nr_free[(x >> 6) % NR_PAGE_ORDERS] ^= 1; return "nr_free";
	case 10: (x & 0x40) ? (z->free_pages ^= 1) : (z->pcp_pages ^= 1); return "zone counters";
	case 11: m->phys.owner_pages[(x >> 6) % NR_PAGE_OWNERS] ^= 1; return "owner pages";
	case 12: {
		struct kmem_cache *s = (x & 0x40) ? q->poisoned : q->plain;

		switch ((x >> 7) % 4) {
		case 0: s->nr_partial ^= 1; break;
		case 1: s->nr_slabs ^= 1; break;
		case 2: s->total_objects ^= 1; break;
		default: s->nr_pages ^= 1; break;
		}
		return "cache counters";
	}
	case 13: {
		/* A live-map bit in a slab, or a free pointer's bit. */
		struct page *head = compound_head(p);
		char *base;

		if (!PageSlab(head))
			return "nothing (no slab)";
		base = slab_address(m, head);
		if (x & 0x40) {
			uintptr_t idx = ((uintptr_t)base - (uintptr_t)m->base) / 8 + (y >> 8) % (PAGE_SIZE / 8);
			m->slab.objmap[idx / 64] ^= 1ULL << (idx % 64);
			return "live-map bit";
		}
		if (head->freelist) {
			char *fp = (char *)head->freelist + head->slab_cache->offset;
			unsigned char b;

			machine_peek(m, fp, &b, 1);
			b ^= (unsigned char)(1u << ((x >> 7) % 8));
			machine_poke(m, fp, &b, 1);
		}
		return "free pointer bit";
	}
	case 14: {
		/* A byte of a free poisoned object. */
		struct kmem_cache *s = q->poisoned;
		struct page *slab = s->cpu_slab[0].slab;

		if (slab && slab->freelist) {
			unsigned char b = 0;

			machine_poke(m, (char *)slab->freelist + (y % s->object_size), &b, 1);
		}
		return "poison byte";
	}
	default: m->buddy.nr_allocated ^= 1; return "nr_allocated";
	}
}

TEST(check_quick_path_rejects_what_the_complete_checks_reject)
{
	unsigned int r = 20261202, rejected = 0, stricter = 0, trials = 400 / KUNIT_SLOW;

	for (unsigned int t = 0; t < trials; t++) {
		struct qstate q = { 0 };
		const char *what;
		int quick, complete;

		q.m = test_machine(512 + 512 * (t % 4), (t % 3) * 128, 1 + t % 3);
		ASSERT(q.m);
		q.poisoned = kmem_cache_create(q.m, "q-poisoned", 40 + t % 50, 0, SLAB_POISON, NULL);
		q.plain = kmem_cache_create(q.m, "q-plain", 8 << (t % 6), 0, 0, NULL);
		q_workload(&q, &r, 40 + rnd_next(&r) % 200);
		if (machine_check_quick(q.m) || complete_check(q.m)) {
			kunit_fail(test, __FILE__, __LINE__, "trial %u: healthy machine: quick %d, complete %s",
				   t, machine_check_quick(q.m), kalloc_invariant_name(complete_check(q.m)));
			machine_destroy(q.m);
			continue;
		}
		what = q_corrupt(&q, &r);
		quick = machine_check_quick(q.m);
		complete = complete_check(q.m);
		if (complete && !quick)
			kunit_fail(test, __FILE__, __LINE__, "trial %u: %s: complete check says %s, quick path passes",
				   t, what, kalloc_invariant_name(complete));
		rejected += complete != 0;
		stricter += quick && !complete;
		machine_destroy(q.m);
	}
	/* The corruptions must mostly be real ones for this to mean much. */
	EXPECT(rejected > trials / 3);
	printf("    %u trials: %u corruptions the complete checks reject, %u only the quick path does\n",
	       trials, rejected, stricter);
}

/* A healthy machine never costs a complete check: the quick path passes
 * the fixture and every state of a long mixed workload. */
TEST(check_quick_path_passes_healthy_machines)
{
	struct fixture f;
	struct qstate q = { 0 };
	unsigned int r = 7;

	fixture_setup(&f);
	ASSERT(f.m);
	EXPECT_EQ(machine_check_quick(f.m), 0);
	machine_destroy(f.m);
	q.m = test_machine(4096, 1024, 4);
	ASSERT(q.m);
	q.poisoned = kmem_cache_create(q.m, "q-poisoned", 72, 0, SLAB_POISON, NULL);
	q.plain = kmem_cache_create(q.m, "q-plain", 24, 0, 0, NULL);
	for (int i = 0; i < 100 / KUNIT_SLOW; i++) {
		q_workload(&q, &r, 50);
		ASSERT_EQ(machine_check_quick(q.m), 0);
	}
	EXPECT_EQ(q.m->check_slow, 0);
	EXPECT_HEALTHY(q.m);
	machine_destroy(q.m);
}

/* ------------------------------------------------------------------------
 * machine_check_changed(): the census it keeps chunk by chunk is what a
 * complete walk finds, after any mix of operations; a corruption in what
 * changed fires it; one in what did not is left to machine_check().
 */
static int census_matches_fresh(struct machine *m)
{
	struct page_census fresh;

	return !buddy_census(m, &fresh, NULL, NULL) && !memcmp(&fresh, &m->census, sizeof(fresh));
}

TEST(check_changed_keeps_the_census_of_a_complete_walk)
{
	unsigned int r = 99;

	for (unsigned int t = 0; t < 12; t++) {
		struct qstate q = { 0 };
		struct kalloc_check ck;

		q.m = test_machine(1024 * (1 + t % 4), (t % 3) * 200, 1 + t % 4);
		ASSERT(q.m);
		q.poisoned = kmem_cache_create(q.m, "q-poisoned", 56, 0, SLAB_POISON, NULL);
		q.plain = kmem_cache_create(q.m, "q-plain", 16 << (t % 5), 0, 0, NULL);
		void *v[4] = { 0 };

		EXPECT_EQ(machine_check_changed(q.m, &ck), 0);	/* the first: from boot's census */
		for (int i = 0; i < 40 / KUNIT_SLOW; i++) {
			unsigned int x = rnd_next(&r);

			q_workload(&q, &r, 1 + x % 40);
			if ((x >> 8) % 4 == 0)
				drain_all_pages(q.m);
			/* Window mappings change mapcounts. */
			if (v[(x >> 10) % 4]) {
				vfree(q.m, v[(x >> 10) % 4]);
				v[(x >> 10) % 4] = NULL;
			} else {
				v[(x >> 10) % 4] = vmalloc(q.m, 1 + (x >> 12) % (5 * PAGE_SIZE));
			}
			if (machine_check_changed(q.m, &ck))
				kunit_fail(test, __FILE__, __LINE__, "trial %u step %d: %s", t, i, ck.msg);
			if (!census_matches_fresh(q.m))
				kunit_fail(test, __FILE__, __LINE__, "trial %u step %d: census differs", t, i);
		}
		EXPECT_EQ(q.m->check_slow, 0);
		EXPECT_EQ(q.m->check_changed, 40 / KUNIT_SLOW + 1);
		EXPECT_HEALTHY(q.m);
		for (int i = 0; i < 4; i++)
			vfree(q.m, v[i]);
		EXPECT_EQ(machine_check_changed(q.m, &ck), 0);
		EXPECT(census_matches_fresh(q.m));
		machine_destroy(q.m);
	}
}

/* The census boot leaves (buddy_init's, chunk by chunk) is what a complete
 * walk of the booted machine finds: the total, and every chunk's (a chunk
 * not stored counts as zero).  1 when they agree. */
static int census_is_a_complete_walks(struct machine *m)
{
	static struct page_census fresh[MACHINE_MAX_PAGES / CHECK_CHUNK_PAGES];
	static uint64_t stored[MACHINE_MAX_PAGES / CHECK_CHUNK_PAGES / 64];
	static const struct page_census zero;
	struct page_census total;

	if (buddy_census(m, &total, fresh, stored) || memcmp(&total, &m->census, sizeof(total)))
		return 0;
	for (unsigned long c = 0; c < check_chunks(m->nr_pages); c++) {
		const struct page_census *kept = m->census_stored[c / 64] >> (c % 64) & 1 ? &m->chunk_census[c] : &zero;
		const struct page_census *walked = stored[c / 64] >> (c % 64) & 1 ? &fresh[c] : &zero;

		if (memcmp(kept, walked, sizeof(zero)))
			return 0;
	}
	return 1;
}

/* Boot leaves a census that machine_check_changed() can start from: for
 * both profiles, random layouts, slub_debug on and off, in a fresh machine
 * and in an arena a machine used before; and the first call is then an
 * incremental one that passes. */
TEST(check_census_after_boot_is_a_complete_walks)
{
	struct kalloc_arena *a = kalloc_arena_create(16384);
	unsigned int r = 31337;

	ASSERT(a);
	for (unsigned int t = 0; t < 48 / KUNIT_SLOW; t++) {
		struct machine_config c;
		struct kalloc_check ck;
		struct machine *m;

		machine_config_default(&c);
		c.nr_pages = 1 + rnd_next(&r) % 16384;
		c.nr_pages = c.nr_pages < 600 ? c.nr_pages + 600 : c.nr_pages;
		c.dma_pages = rnd_next(&r) % 3 ? rnd_next(&r) % (c.nr_pages + 1) : 0;
		c.nr_cpus = 1 + rnd_next(&r) % 8;
		c.max_order = MAX_PAGE_ORDER - rnd_next(&r) % 3;
		c.profile = t % 2 ? KMALLOC_PROFILE_CLASSIC : KMALLOC_PROFILE_DEFAULT;
		c.slub_debug = (t / 2) % 2 ? rnd_next(&r) % (MACHINE_SLUB_ALL + 1) : 0;
		c.quiet = 1;
		m = (t / 4) % 2 ? machine_create(&c) : machine_create_in(a, &c);
		if (!m)
			kunit_fail(test, __FILE__, __LINE__, "trial %u: %lu pages, dma %lu, order %u: no machine",
				   t, c.nr_pages, c.dma_pages, c.max_order);
		if (!m)
			continue;
		if (!census_is_a_complete_walks(m))
			kunit_fail(test, __FILE__, __LINE__, "trial %u: %lu pages, dma %lu, order %u, %s machine: census differs",
				   t, c.nr_pages, c.dma_pages, c.max_order, m->arena ? "arena" : "fresh");
		EXPECT_EQ(machine_check_changed(m, &ck), 0);
		EXPECT_EQ(m->check_changed, 1);
		EXPECT_EQ(m->check_slow, 0);
		EXPECT_HEALTHY(m);
		/* Use it, so that the arena's next machine boots on a used one. */
		{
			struct qstate q = { .m = m };

			q.poisoned = kmem_cache_create(m, "q-poisoned", 56, 0, SLAB_POISON, NULL);
			q.plain = kmem_cache_create(m, "q-plain", 24, 0, 0, NULL);
			q_workload(&q, &r, 100);
			EXPECT_EQ(machine_check_changed(m, &ck), 0);
			EXPECT_EQ(m->check_changed, 2);
		}
		machine_destroy(m);
	}
	kalloc_arena_destroy(a);
}

/* The first machine_check_changed() after boot walks only what changed
 * since boot, and a corruption there fires it: a block's tail, a free
 * poisoned object of a kmalloc cache (slub_debug=P); in a fresh machine and
 * in an arena.  A corruption of what boot left untouched is machine_check's
 * (by contract). */
TEST(check_changed_first_after_boot_sees_a_corruption_in_what_changed)
{
	struct kalloc_arena *a = kalloc_arena_create(4096);

	ASSERT(a);
	for (int in_arena = 0; in_arena < 2; in_arena++) {
		struct machine_config c;
		struct kalloc_check ck;
		struct machine *m;
		struct page *block;
		unsigned char zero = 0;
		char *obj;

		machine_config_default(&c);
		c.nr_pages = 4096;
		c.dma_pages = 256;
		c.nr_cpus = 2;
		c.slub_debug = MACHINE_SLUB_POISON;
		c.quiet = 1;
		/* A block allocated since boot: its tail broken. */
		m = in_arena ? machine_create_in(a, &c) : machine_create(&c);
		ASSERT(m);
		block = alloc_pages(m, GFP_KERNEL, 3);
		ASSERT(block);
		block[5].flags = 0;
		EXPECT_EQ(machine_check_changed(m, &ck), INV_BUDDY_OVERLAP);
		EXPECT_EQ(m->check_changed, 1);
		block[5].flags = PG_tail;
		EXPECT_EQ(machine_check(m, &ck), 0);
		machine_destroy(m);
		/* A free object of kmalloc-128, scribbled on. */
		m = in_arena ? machine_create_in(a, &c) : machine_create(&c);
		ASSERT(m);
		obj = kmalloc(m, 100, GFP_KERNEL);
		ASSERT(obj);
		kfree(m, kmalloc(m, 100, GFP_KERNEL));
		kfree(m, obj);
		machine_poke(m, obj + 7, &zero, 1);
		EXPECT_EQ(machine_check_changed(m, &ck), INV_SLAB_POISON);
		EXPECT_EQ(m->check_changed, 1);
		machine_destroy(m);
		/* Boot's own free blocks, broken behind the layers' backs and
		 * nothing else changed: machine_check's to find. */
		m = in_arena ? machine_create_in(a, &c) : machine_create(&c);
		ASSERT(m);
		block = list_first_entry(&m->buddy.zones[ZONE_NORMAL].free_area[MAX_PAGE_ORDER], struct page, lru);
		block[1].flags = PG_head;
		EXPECT_EQ(machine_check_changed(m, &ck), 0);
		EXPECT_EQ(machine_check(m, &ck), INV_BUDDY_OVERLAP);
		block[1].flags = 0;
		EXPECT_EQ(machine_check(m, &ck), 0);
		machine_destroy(m);
	}
	kalloc_arena_destroy(a);
}

TEST(check_changed_sees_a_corruption_in_what_changed)
{
	struct kalloc_check ck;
	struct fixture f;
	struct page *block;

	fixture_setup(&f);
	ASSERT(f.m);
	EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
	/* A block allocated since: its tail broken. */
	block = alloc_pages(f.m, GFP_KERNEL, 3);
	ASSERT(block);
	block[5].flags = 0;
	EXPECT_EQ(machine_check_changed(f.m, &ck), INV_BUDDY_OVERLAP);
	block[5].flags = PG_tail;
	EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
	/* A scribble into a free object of the poisoned cache, through
	 * machine_poke: its cache is walked again. */
	{
		unsigned char zero = 0;

		machine_poke(f.m, f.poisoned_free + 5, &zero, 1);
	}
	EXPECT_EQ(machine_check_changed(f.m, &ck), INV_SLAB_POISON);
	machine_destroy(f.m);
}

/* What machine_check_changed() does not walk, by contract: a struct page
 * of a block nothing changed, and a slab of a cache nothing touched, broken
 * behind the layers' backs.  machine_check() still finds both. */
TEST(check_changed_leaves_unchanged_blocks_to_machine_check)
{
	struct kalloc_check ck;
	struct fixture f;
	unsigned int o;
	struct page *free;

	fixture_setup(&f);
	ASSERT(f.m);
	EXPECT_EQ(machine_check(f.m, &ck), 0);
	EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
	/* The largest free block: far from the fixture's allocations. */
	for (o = MAX_PAGE_ORDER, free = NULL; !free; o--)
		if (!list_empty(&zone(&f, ZONE_NORMAL)->free_area[o]))
			free = list_first_entry(&zone(&f, ZONE_NORMAL)->free_area[o], struct page, lru);
	ASSERT(o >= 1);
	free[1].flags = PG_head;
	kmem_cache_free(f.s, f.obj[50]);	/* something else changes */
	EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
	EXPECT_EQ(machine_check(f.m, &ck), INV_BUDDY_OVERLAP);
	free[1].flags = 0;
	EXPECT_EQ(machine_check(f.m, &ck), 0);
	EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
	/* A slab counter of an untouched cache. */
	f.other->nr_partial++;
	if (machine_check_changed(f.m, &ck))
		kunit_fail(test, __FILE__, __LINE__, "untouched cache walked: %s", ck.msg);
	EXPECT_EQ(machine_check(f.m, &ck), INV_SLAB_NR_PARTIAL);
	machine_destroy(f.m);
}

/* A free block moved to the list of the order below, the counters kept
 * summing up: only the walk over the zone's lists sees it. */
static void move_free_block_down(struct zone *z)
{
	for (unsigned int o = MAX_PAGE_ORDER; o >= 1; o--)
		if (!list_empty(&z->free_area[o])) {
			struct page *b = list_first_entry(&z->free_area[o], struct page, lru);

			list_del(&b->lru);
			list_add(&b->lru, &z->free_area[o - 1]);
			z->nr_free[o]--;
			z->nr_free[o - 1]++;
			return;
		}
}

/* machine_check_changed() walks the free and per-CPU lists of a zone whose
 * lists changed since the last check, and leaves those of a zone nothing
 * changed to machine_check(). */
TEST(check_changed_walks_the_lists_of_a_changed_zone)
{
	for (int changed = 0; changed < 2; changed++) {
		struct kalloc_check ck;
		struct fixture f;

		fixture_setup(&f);
		ASSERT(f.m);
		EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
		if (changed)
			free_page(f.m, __get_free_page(f.m, GFP_DMA));
		move_free_block_down(zone(&f, ZONE_DMA));
		if (changed) {
			EXPECT_EQ(machine_check_changed(f.m, &ck), INV_BUDDY_ORDER);
		} else {
			EXPECT_EQ(machine_check_changed(f.m, &ck), 0);
			EXPECT_EQ(machine_check(f.m, &ck), INV_BUDDY_ORDER);
		}
		machine_destroy(f.m);
	}
}

/* The per-CPU lists of CPUs the machine does not have must stay empty
 * with a zero count: the quick path looks at all 64. */
TEST(check_pcp_of_a_cpu_the_machine_does_not_have)
{
	for (int what = 0; what < 2; what++) {
		struct kalloc_check ck;
		struct fixture f;
		struct zone *z;

		fixture_setup(&f);
		ASSERT(f.m);
		z = zone(&f, ZONE_NORMAL);
		if (what)
			z->pcp[MAX_NR_CPUS - 1].count = 1;
		else
			z->pcp[5].list.next = &z->pcp[4].list;	/* not empty: points elsewhere */
		EXPECT(machine_check_quick(f.m) != 0);
		if (what)
			EXPECT_EQ(machine_check(f.m, &ck), INV_BUDDY_PCP);
		if (!what)
			z->pcp[5].list.next = &z->pcp[5].list;
		machine_destroy(f.m);
	}
}
