/* test_machine.c - configuration, independence of machines, names. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"	/* kalloc_report: the sink's own entry */

TEST(machine_defaults)
{
	struct machine *m = machine_create(NULL);
	const struct machine_config *c;
	struct zone_stats z;

	ASSERT(m);
	c = machine_config(m);
	EXPECT_EQ(c->nr_pages, 65536);
	EXPECT_EQ(c->dma_pages, 4096);
	EXPECT_EQ(c->nr_cpus, 4);
	EXPECT_EQ(c->max_order, MAX_PAGE_ORDER);
	EXPECT_EQ(machine_nr_pages(m), 65536);
	EXPECT_EQ((uintptr_t)machine_base(m) % (PAGE_SIZE << MAX_PAGE_ORDER), 0);
	EXPECT_EQ(buddy_zone_stats(m, ZONE_DMA, &z), 0);
	EXPECT_STREQ(z.name, "DMA");
	EXPECT_EQ(z.spanned_pages, 4096);
	EXPECT_EQ(machine_cpu(m), 0);
	/* 13 classes in 4 types. */
	EXPECT_EQ(kmem_cache_count(m), 52);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(machine_rejects_bad_configs)
{
	struct machine_config c;
	static const struct { unsigned long pages, dma; unsigned cpus, order; int profile; unsigned debug; } bad[] = {
		{ 0, 0, 1, 10, 0, 0 }, { 1UL << 23, 0, 1, 10, 0, 0 }, { 100, 200, 1, 10, 0, 0 },
		{ 100, 0, 0, 10, 0, 0 }, { 100, 0, 65, 10, 0, 0 }, { 100, 0, 1, 11, 0, 0 },
		{ 100, 0, 1, 10, 2, 0 }, { 100, 0, 1, 4, 1, 0 }, { 100, 0, 1, 0, 0, 0 },
		{ 100, 0, 1, 10, 0, 0x10 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		machine_config_default(&c);
		c.nr_pages = bad[i].pages;
		c.dma_pages = bad[i].dma;
		c.nr_cpus = bad[i].cpus;
		c.max_order = bad[i].order;
		c.profile = (enum kmalloc_profile)bad[i].profile;
		c.slub_debug = bad[i].debug;
		c.quiet = 1;
		struct machine *m = machine_create(&c);
		if (m) {
			kunit_fail(test, __FILE__, __LINE__, "config %u was accepted", i);
			machine_destroy(m);
		}
	}
}

TEST(machine_small_max_order)
{
	struct machine_config c;
	struct machine *m;
	char buf[256];
	void *p;

	machine_config_default(&c);
	c.nr_pages = 100;
	c.dma_pages = 0;
	c.max_order = 2;
	c.quiet = 1;
	m = machine_create(&c);
	ASSERT(m);
	proc_buddyinfo(m, buf, sizeof(buf));
	/* 100 = 25 blocks of 4 pages; three order columns. */
	EXPECT_STREQ(buf, "Node 0, zone   Normal      0      0     25 \n");
	/* kmalloc-8k gets order-1 slabs; large kmalloc stops at order 2. */
	p = kmalloc(m, 8000, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(kmalloc_max_size(m), 16384);
	EXPECT(kmalloc(m, 20000, GFP_KERNEL) == NULL);
	kfree(m, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(machine_instances_are_independent)
{
	struct machine *a = test_machine(512, 0, 1), *b = test_machine(512, 0, 1);
	void *p;

	ASSERT(a && b);
	EXPECT(machine_base(a) != machine_base(b));
	p = kmalloc(a, 64, GFP_KERNEL);
	ASSERT(p);
	/* b never handed it out. */
	EXPECT_EQ(kfree(b, p), -KERR_BAD_ADDRESS);
	EXPECT_EQ(machine_errors_total(a), 0);
	EXPECT_EQ(kfree(a, p), 0);
	EXPECT_HEALTHY(a);
	EXPECT_HEALTHY(b);
	machine_destroy(a);
	machine_destroy(b);
}

TEST(machine_error_and_invariant_names)
{
	EXPECT_STREQ(kalloc_error_name(KERR_DOUBLE_FREE), "KERR_DOUBLE_FREE");
	EXPECT_STREQ(kalloc_error_text(KERR_WRONG_ORDER), "freed with a different order than allocated");
	EXPECT_STREQ(kalloc_error_name(NR_KALLOC_ERRORS), "?");
	EXPECT_STREQ(kalloc_error_text(-1), "?");
	EXPECT_STREQ(kalloc_invariant_name(INV_BUDDY_NOT_MERGED), "INV_BUDDY_NOT_MERGED");
	EXPECT_STREQ(kalloc_invariant_text(-3), "?");
}

TEST(machine_proc_output_truncates_like_snprintf)
{
	struct machine *m = test_machine(512, 0, 1);
	char small[10];
	int need;

	ASSERT(m);
	need = proc_slabinfo(m, NULL, 0);
	EXPECT(need > 1000);
	EXPECT_EQ(proc_slabinfo(m, small, sizeof(small)), need);
	EXPECT_STREQ(small, "slabinfo ");
	machine_destroy(m);
}

TEST(machine_slub_debug_poisons_every_cache)
{
	struct machine_config c;
	struct machine *m;
	struct slab_stats st;

	machine_config_default(&c);
	c.nr_pages = 1024;
	c.dma_pages = 0;
	c.slub_debug = MACHINE_SLUB_POISON;
	c.quiet = 1;
	m = machine_create(&c);
	ASSERT(m);
	/* The free pointer moves behind the object, as with slub_debug=P;
	 * kmalloc-64 keeps its natural alignment and so doubles. */
	kmem_cache_stats(kmem_cache_find(m, "kmalloc-96"), &st);
	EXPECT(st.flags & SLAB_POISON);
	EXPECT_EQ(st.size, 104);
	kmem_cache_stats(kmem_cache_find(m, "kmalloc-64"), &st);
	EXPECT_EQ(st.size, 128);
	void *p = kmalloc(m, 64, GFP_KERNEL);
	kfree(m, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* Fill a machine with a mess that is never freed: pages, kmallocs of many
 * classes, a cache with a ctor, large kmallocs, per-CPU pages. */
static void leave_a_mess(struct machine *m)
{
	struct kmem_cache *s = kmem_cache_create(m, "mess", 200, 0, SLAB_HWCACHE_ALIGN, NULL);

	for (int i = 0; i < 300; i++) {
		kmalloc(m, 1 + (size_t)i * 37 % 9000, i % 5 ? GFP_KERNEL : GFP_DMA);
		kmem_cache_alloc(s, GFP_KERNEL);
		if (i % 7 == 0)
			free_page(m, __get_free_page(m, GFP_KERNEL));
		if (i % 50 == 0)
			__get_free_pages(m, GFP_KERNEL, (unsigned)i % 5);
	}
	kmalloc(m, 100000, GFP_KERNEL);
}

TEST(machine_arena_reuse_boots_clean)
{
	struct kalloc_arena *a = kalloc_arena_create(4096);
	struct machine_config c;
	char fresh[512], reused[512];

	ASSERT(a);
	machine_config_default(&c);
	c.nr_pages = 4096;
	c.dma_pages = 512;
	c.nr_cpus = 2;
	c.quiet = 1;
	for (int round = 0; round < 3; round++) {
		struct machine *m = machine_create_in(a, &c), *ref;

		ASSERT(m);
		EXPECT(machine_create_in(a, &c) == NULL);	/* one machine at a time */
		/* Boots exactly like a fresh machine of the same configuration. */
		ref = machine_create(&c);
		ASSERT(ref);
		proc_buddyinfo(m, reused, sizeof(reused));
		proc_buddyinfo(ref, fresh, sizeof(fresh));
		EXPECT_STREQ(reused, fresh);
		machine_destroy(ref);
		EXPECT_HEALTHY(m);
		/* Objects land where the last machine's slabs were: a stale
		 * live-map bit would show as INV_SLAB_OBJMAP. */
		leave_a_mess(m);
		EXPECT_HEALTHY(m);
		EXPECT_EQ(machine_errors_total(m), 0);
		machine_destroy(m);
		/* The next round boots smaller, with another profile. */
		c.nr_pages = round ? 4096 : 2048;
		c.dma_pages = round ? 512 : 0;
		c.profile = round ? KMALLOC_PROFILE_DEFAULT : KMALLOC_PROFILE_CLASSIC;
	}
	c.nr_pages = 8192;
	EXPECT(machine_create_in(a, &c) == NULL);		/* too small */
	kalloc_arena_destroy(a);
}

static char sink_seen[KALLOC_REPORT_MAX];
static void sink_copy(void *ctx, int code, const char *report)
{
	(void)ctx;
	(void)code;
	snprintf(sink_seen, sizeof(sink_seen), "%s", report);
}

/* A multi-line report (SLUB's are about 1.5 KiB) reaches the callback and
 * machine_last_report() whole; one longer than the sink is cut, not overrun. */
TEST(machine_report_sink_keeps_multiline_reports)
{
	struct machine *m = test_machine(512, 0, 1);
	char text[3000], huge[KALLOC_REPORT_MAX + 100];
	size_t i;

	ASSERT(m);
	for (i = 0; i + 1 < sizeof(text); i++)
		text[i] = i % 80 == 79 ? '\n' : (char)('a' + i % 26);
	text[i] = '\0';
	machine_set_report(m, sink_copy, NULL);
	EXPECT_EQ(kalloc_report(m, KERR_INVAL, "%s", text), -KERR_INVAL);
	EXPECT_STREQ(machine_last_report(m), text);
	EXPECT_STREQ(sink_seen, text);
	EXPECT_EQ(machine_errors(m, KERR_INVAL), 1);

	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	kalloc_report(m, KERR_INVAL, "%s", huge);
	EXPECT_EQ(strlen(machine_last_report(m)), KALLOC_REPORT_MAX - 1);
	EXPECT_EQ(machine_errors(m, KERR_INVAL), 2);
	machine_clear_errors(m);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The /proc row builder (internal.h text_put_ulong) writes what "%*lu"
 * prints, for small, wide and boundary values at every width /proc uses
 * (and past the number's own length), and nothing but the 8-byte pad stores
 * beyond its end.  (Its hex sibling went with print_section's own hex
 * table: slub_debug_dump_lines_are_printf_lines checks that against printf.) */
TEST(machine_text_put_matches_printf)
{
	static const unsigned long values[] = {
		0, 1, 9, 10, 99, 100, 999, 1000, 12345, 99999, 100000, 999999, 1000000,
		4294967295UL, 4294967296UL, 0x7fffffffffffffffUL, ~0UL, 0xdeadbeefUL, 0x10, 0xf,
	};
	unsigned long bad = 0, tried = 0;

	for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		for (int width = 0; width <= 24; width++) {
			char want[64], got[64 + 8], *end;

			memset(got, 'x', sizeof(got));
			snprintf(want, sizeof(want), "%*lu", width, values[i]);
			end = text_put_ulong(got, values[i], width);
			tried++;
			if ((size_t)(end - got) != strlen(want) || memcmp(got, want, strlen(want)))
				bad++;
		}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(tried, 20UL * 25);
}

/* A machine booted into an arena another machine used (any layout, any
 * mess left behind) behaves as a fresh machine_create() of its
 * configuration, op by op: the same addresses (as offsets into memory), the
 * same free lists, the same /proc text. */
static unsigned int twin_rnd(unsigned int *r)
{
	*r = *r * 1103515245u + 12345u;
	return *r >> 8;
}

static long twin_off(struct machine *m, const void *p)
{
	return p && p != ZERO_SIZE_PTR ? (long)((const char *)p - (const char *)machine_base(m)) : -1;
}

TEST(machine_arena_boot_matches_a_fresh_machine_op_by_op)
{
	struct kalloc_arena *a = kalloc_arena_create(8192);
	static char ta[16384], tb[16384];
	unsigned int r = 424242;

	ASSERT(a);
	for (int round = 0; round < 8; round++) {
		struct machine_config c;
		struct machine *m, *ref;
		void *pa[64] = { 0 }, *pb[64] = { 0 };
		struct kmem_cache *ca, *cb;

		machine_config_default(&c);
		c.nr_pages = 1024UL << (twin_rnd(&r) % 4);
		c.dma_pages = c.nr_pages * (twin_rnd(&r) % 3) / 4;
		c.nr_cpus = 1 + twin_rnd(&r) % 4;
		c.profile = twin_rnd(&r) % 2 ? KMALLOC_PROFILE_CLASSIC : KMALLOC_PROFILE_DEFAULT;
		c.slub_debug = round % 3 ? 0 : MACHINE_SLUB_POISON | MACHINE_SLUB_RED_ZONE;
		c.quiet = 1;
		m = machine_create_in(a, &c);
		ref = machine_create(&c);
		ASSERT(m && ref);
		EXPECT_HEALTHY(m);
		ca = kmem_cache_create(m, "twin", 200, 0, 0, NULL);
		cb = kmem_cache_create(ref, "twin", 200, 0, 0, NULL);
		for (int i = 0; i < 400; i++) {
			unsigned int x = twin_rnd(&r), j = (x >> 4) % 64;

			machine_set_cpu(m, x % c.nr_cpus);
			machine_set_cpu(ref, x % c.nr_cpus);
			if (pa[j] || pb[j]) {
				EXPECT_EQ(kfree(m, pa[j]), kfree(ref, pb[j]));
				pa[j] = pb[j] = NULL;
			} else if (x & 0x10000) {
				pa[j] = kmem_cache_alloc(ca, GFP_KERNEL);
				pb[j] = kmem_cache_alloc(cb, GFP_KERNEL);
				EXPECT_EQ(twin_off(m, pa[j]), twin_off(ref, pb[j]));
				kmem_cache_free(ca, pa[j]);
				kmem_cache_free(cb, pb[j]);
				pa[j] = pb[j] = NULL;
			} else {
				size_t size = 1 + (x >> 10) % ((x & 0x20000) ? 40000 : 2000);
				gfp_t gfp = (x & 0x40000) ? GFP_DMA : GFP_KERNEL;

				pa[j] = kmalloc(m, size, gfp);
				pb[j] = kmalloc(ref, size, gfp);
				EXPECT_EQ(twin_off(m, pa[j]), twin_off(ref, pb[j]));
			}
			if (i % 100 == 99) {
				proc_slabinfo(m, ta, sizeof(ta));
				proc_slabinfo(ref, tb, sizeof(tb));
				EXPECT_STREQ(ta, tb);
				proc_buddyinfo(m, ta, sizeof(ta));
				proc_buddyinfo(ref, tb, sizeof(tb));
				EXPECT_STREQ(ta, tb);
			}
		}
		EXPECT_HEALTHY(m);
		EXPECT_EQ(machine_errors_total(m), machine_errors_total(ref));
		machine_destroy(ref);
		/* The mess stays for the next round: blocks larger than a
		 * check_mark chunk too. */
		__get_free_pages(m, GFP_KERNEL, 7 + round % 3);
		machine_destroy(m);
	}
	kalloc_arena_destroy(a);
}

/* kalloc_vsnprintf() and vsnprintf() on the same arguments, into buffers of
 * @size that start alike: the same bytes and the same return value. */
static int fmt_agrees(size_t size, const char *fmt, ...)
{
	char a[600], b[600];
	va_list ap, aq;
	int na, nb;

	memset(a, 'Z', sizeof(a));
	memset(b, 'Z', sizeof(b));
	va_start(ap, fmt);
	va_copy(aq, ap);
	na = kalloc_vsnprintf(size ? a : NULL, size, fmt, ap);
	nb = vsnprintf(size ? b : NULL, size, fmt, aq);
	va_end(aq);
	va_end(ap);
	if (na != nb || memcmp(a, b, sizeof(a))) {
		printf("    %s (size %zu): %d \"%.*s\", vsnprintf %d \"%.*s\"\n", fmt, size, na,
		       (int)(size < 80 ? size : 80), a, nb, (int)(size < 80 ? size : 80), b);
		return 0;
	}
	return 1;
}

/* The reports' formatter (kalloc_vsnprintf) is vsnprintf for every
 * conversion it formats itself, in every width and flag the reports use,
 * at the edges of each type and truncated at every size; the rest (here
 * precision, '*', a double, 'hh') it hands to vsnprintf. */
TEST(machine_report_formatter_is_vsnprintf)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 16, 64, 512 };
	const char *volatile nul = NULL;
	void *volatile nil = NULL;
	int x = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		EXPECT(fmt_agrees(n, "plain text, no conversion"));
		EXPECT(fmt_agrees(n, ""));
		EXPECT(fmt_agrees(n, "%lu %lu %lu %lu %lu", 0UL, 1UL, 9UL, 10UL, ULONG_MAX));
		EXPECT(fmt_agrees(n, "[%6lu] [%6lu] [%6lu] [%8lu] [%7lu]", 0UL, 123456UL, 1234567UL, 42UL, 7UL));
		EXPECT(fmt_agrees(n, "%u %u [%4u] [%6u] [%-6u]", 0u, UINT_MAX, 12u, 123456789u, 5u));
		EXPECT(fmt_agrees(n, "%d %d %d %d %i", INT_MIN, -1, 0, 42, INT_MAX));
		EXPECT(fmt_agrees(n, "[%03d] [%03d] [%03d] [%-5d] [%4d] [%2d] [%05d]", -5, 5, 1234, -3, -7, 100, -42));
		EXPECT(fmt_agrees(n, "%ld %ld [%7ld] [%-7ld] [%07ld]", LONG_MIN, LONG_MAX, -12L, -12L, -12L));
		EXPECT(fmt_agrees(n, "%x %x [%02x] [%02x] [%04x] [%-4x]", 0u, 0xdeadbeefu, 5u, 0xabcu, 0x1fu, 0xau));
		EXPECT(fmt_agrees(n, "%#x %#x %#lx %#lx %#llx %llx", 0u, 0x1fu, 0UL, ULONG_MAX, 1ULL << 63, 0ULL));
		EXPECT(fmt_agrees(n, "0x%016lx 0x%016lx %08lx %lx", 0x1234UL, ULONG_MAX, 0xffUL, 0UL));
		EXPECT(fmt_agrees(n, "%zu %zu", (size_t)0, SIZE_MAX));
		EXPECT(fmt_agrees(n, "[%s] [%s] [%s] [%8s] [%8s] [%-17s] [%-16s]", "", "abc", nul, "ab", "abcdefghij",
				  "kmalloc-8", "a-name-of-twenty-chars"));
		EXPECT(fmt_agrees(n, "%c%c [%3c] [%-3c]", 'x', 'y', 'z', 'w'));
		EXPECT(fmt_agrees(n, "%p %p 100%% %%", nil, (void *)&x));
		EXPECT(fmt_agrees(n, "kmalloc: %zu bytes is above the %zu-byte limit", (size_t)4194305, (size_t)4194304));
		EXPECT(fmt_agrees(n, "Slab 0x%016lx objects=%u used=%u fp=0x%016lx flags=0x%lx(slab%s|node=0|zone=%u"
				  "|lastcpupid=0x1fffff)\n", 0xffff888000010000UL, 32u, 3u, 0UL, 0x200UL, "|head", 1u));
		/* Handed to vsnprintf, whatever came before in the format. */
		EXPECT(fmt_agrees(n, "%d %.3s|", 1, "abcdef"));
		EXPECT(fmt_agrees(n, "%s %*d|", "w", 5, 42));
		EXPECT(fmt_agrees(n, "%u %5.2f|", 3u, 3.14159));
		EXPECT(fmt_agrees(n, "%hhu %+d % d|", 300, 5, 5));
		EXPECT(fmt_agrees(n, "[%#6x] [%#08lx] [%10p] [%-10p] [%5%]", 0x1fu, 0x2aUL, (void *)&x, nil));
	}
}
