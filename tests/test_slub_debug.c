/* test_slub_debug.c - slub_debug (alloc/slub_debug.c): the geometry against
 * a real Linux kernel's, lib/slub_kunit.c's six cases with its exact error
 * counts, a report against Linux's layout line by line, the F checks on
 * alloc and free, user tracking, and a corrupted free pointer that must be
 * caught before it is followed, with and without debug flags. */
#include <stdlib.h>
#include "kunit.h"
#include "internal.h"

static struct machine *debug_machine(unsigned int cpus, unsigned int slub_debug)
{
	struct machine_config cfg;

	machine_config_default(&cfg);
	cfg.nr_pages = 4096;
	cfg.dma_pages = 256;
	cfg.nr_cpus = cpus;
	cfg.slub_debug = slub_debug;
	cfg.quiet = 1;
	return machine_create(&cfg);
}

static void poke(struct machine *m, void *at, unsigned char byte)
{
	machine_poke(m, at, &byte, 1);
}

/* ---- geometry: every cache of a Linux 6.1 kernel, as /sys/kernel/slab shows it */

/* One row: name object_size slab_size align objs_per_slab order hwcache_align
 * destroy_by_rcu red_zone poison store_user sanity_checks ctor=<fn> cache_dma. */
static int check_linux_rows(struct kunit *test, const char *path, unsigned int cpus, unsigned int *rows)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int bad = 0;

	*rows = 0;
	if (!f) {
		kunit_fail(test, __FILE__, __LINE__, "cannot read %s", path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[128], ctor[128];
		unsigned int osz, ssz, align, objs, order, hw, rcu, z, p, u, fchk, dma;
		slab_flags_t flags = 0;
		struct slub_geometry g;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%127s %u %u %u %u %u %u %u %u %u %u %u ctor=%127s %u", name, &osz, &ssz, &align,
			   &objs, &order, &hw, &rcu, &z, &p, &u, &fchk, ctor, &dma) != 14) {
			/* an empty ctor= makes the next number land in ctor */
			if (sscanf(line, "%127s %u %u %u %u %u %u %u %u %u %u %u ctor= %u", name, &osz, &ssz, &align,
				   &objs, &order, &hw, &rcu, &z, &p, &u, &fchk, &dma) != 13) {
				kunit_fail(test, __FILE__, __LINE__, "bad row: %s", line);
				bad++;
				continue;
			}
			ctor[0] = '\0';
		}
		flags |= hw ? SLAB_HWCACHE_ALIGN : 0;
		flags |= rcu ? SLAB_TYPESAFE_BY_RCU : 0;
		flags |= z ? SLAB_RED_ZONE : 0;
		flags |= p ? SLAB_POISON : 0;
		flags |= u ? SLAB_STORE_USER : 0;
		flags |= fchk ? SLAB_CONSISTENCY_CHECKS : 0;
		flags |= dma ? SLAB_CACHE_DMA : 0;
		if (!strncmp(name, "kmalloc-", 8) || !strncmp(name, "dma-kmalloc-", 12))
			flags |= SLAB_KMALLOC;
		(*rows)++;
		if (slub_geometry(osz, align, flags, ctor[0] != '\0', cpus, &g) || g.size != ssz ||
		    g.objects != objs || g.order != order || g.align != align) {
			kunit_fail(test, __FILE__, __LINE__, "%s: Linux objsize %u objperslab %u order %u align %u, "
				   "slub_geometry %u %u %u %u", name, ssz, objs, order, align, g.size, g.objects,
				   g.order, g.align);
			bad++;
		}
	}
	fclose(f);
	return bad;
}

TEST(slub_debug_geometry_is_linux_with_FZPU)
{
	unsigned int rows;

	EXPECT_EQ(check_linux_rows(test, "data/linux-6.1-slub_debug-FZPU-2cpus.txt", 2, &rows), 0);
	printf("    %u caches of Linux 6.1 booted with slub_debug=FZPU on 2 CPUs\n", rows);
	EXPECT(rows >= 200);
	EXPECT_EQ(check_linux_rows(test, "data/linux-6.1-no-slub_debug-2cpus.txt", 2, &rows), 0);
	printf("    %u caches of the same kernel without slub_debug\n", rows);
	EXPECT(rows >= 200);
}

/* A machine booted with slub_debug=FZPU on 2 CPUs prints the kmalloc rows of
 * /proc/slabinfo (objsize, objperslab, pagesperslab) that Linux 6.1 printed
 * booted so (data/...slabinfo is that boot's /proc/slabinfo), for every
 * general cache both have: kmalloc-8 ... kmalloc-8k, -cg- and -rcl-. */
TEST(slub_debug_slabinfo_rows_are_linux_with_FZPU)
{
	struct machine *m = debug_machine(2, MACHINE_SLUB_ALL);
	FILE *f = fopen("data/linux-6.1-slub_debug-FZPU-2cpus.slabinfo", "r");
	char *buf = malloc(1 << 16), line[512];
	unsigned int rows = 0;

	ASSERT(m && buf && f);
	proc_slabinfo(m, buf, 1 << 16);
	while (fgets(line, sizeof(line), f)) {
		unsigned int lin[5], got[5];
		char name[64], key[70], *row;

		if (strncmp(line, "kmalloc-", 8) ||
		    sscanf(line, "%63s %u %u %u %u %u", name, &lin[0], &lin[1], &lin[2], &lin[3], &lin[4]) != 6)
			continue;
		snprintf(key, sizeof(key), "\n%s ", name);
		row = strstr(buf, key);
		if (!row) {
			kunit_fail(test, __FILE__, __LINE__, "%s missing from /proc/slabinfo", name);
			continue;
		}
		ASSERT(sscanf(row + 1, "%63s %u %u %u %u %u", name, &got[0], &got[1], &got[2], &got[3], &got[4]) == 6);
		if (got[2] != lin[2] || got[3] != lin[3] || got[4] != lin[4])
			kunit_fail(test, __FILE__, __LINE__, "%s: objsize/objperslab/pagesperslab %u %u %u, Linux %u %u %u",
				   name, got[2], got[3], got[4], lin[2], lin[3], lin[4]);
		rows++;
	}
	fclose(f);
	printf("    %u kmalloc rows of Linux's /proc/slabinfo\n", rows);
	EXPECT_EQ(rows, 39);	/* kmalloc-, kmalloc-cg-, kmalloc-rcl- */
	free(buf);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_debug_letters)
{
	unsigned int bits;
	char out[8];

	EXPECT_EQ(machine_slub_debug_parse("FZPU", &bits), 0);
	EXPECT_EQ(bits, MACHINE_SLUB_ALL);
	EXPECT_EQ(machine_slub_debug_parse("pz", &bits), 0);
	EXPECT_EQ(bits, MACHINE_SLUB_POISON | MACHINE_SLUB_RED_ZONE);
	EXPECT_EQ(machine_slub_debug_parse("-", &bits), 0);
	EXPECT_EQ(bits, 0);
	EXPECT_EQ(machine_slub_debug_parse("FZPT", &bits), -KERR_INVAL);
	machine_slub_debug_letters(MACHINE_SLUB_POISON | MACHINE_SLUB_STORE_USER, out);
	EXPECT_STREQ(out, "PU");
	machine_slub_debug_letters(0, out);
	EXPECT_STREQ(out, "-");
}

/* ---- lib/slub_kunit.c, case by case, with its expected counts ------------------ */
TEST(slub_kunit_clobber_zone)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_RZ_alloc", 64, 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	poke(m, p + 64, 0x12);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_EQ(machine_errors(m, KERR_REDZONE), 1);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	EXPECT_EQ(kmem_cache_free(s, p), 0);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_kunit_next_pointer)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p, byte;
	unsigned long tmp;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_next_ptr_free", 64, 0, SLAB_POISON, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	machine_peek(m, p + s->offset, &tmp, sizeof(tmp));
	machine_peek(m, p + s->offset, &byte, 1);
	poke(m, p + s->offset, (unsigned char)~byte);
	/* The corrupted freechain, the wrong count of objects in use, and
	 * fixing the count. */
	EXPECT_EQ(kmem_cache_validate(s), 3);
	EXPECT_EQ(machine_errors(m, KERR_FREEPTR), 1);
	EXPECT_HEALTHY(m);
	/* The repaired pointer: the count is wrong again, and fixed. */
	machine_poke(m, p + s->offset, &tmp, sizeof(tmp));
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_kunit_first_word)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_1th_word_free", 64, 0, SLAB_POISON, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	poke(m, p, 0x78);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_EQ(machine_errors(m, KERR_POISON), 1);
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_kunit_clobber_50th_byte)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_50th_word_free", 64, 0, SLAB_POISON, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	poke(m, p + 50, 0x9a);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "BUG TestSlub_50th_word_free (Not tainted): Poison overwritten\n"));
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_kunit_clobber_redzone_free)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_RZ_free", 64, 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	kmem_cache_free(s, p);
	poke(m, p + 64, 0xab);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "First byte 0xab instead of 0xbb"));
	EXPECT_EQ(kmem_cache_destroy(s), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_kunit_kmalloc_redzone_access)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_RZ_kmalloc", 32, 0, SLAB_KMALLOC | SLAB_STORE_USER | SLAB_RED_ZONE,
			      NULL);
	ASSERT(s);
	p = __kmem_cache_alloc(s, GFP_KERNEL, 18, "kmalloc");	/* kmalloc_trace(s, GFP_KERNEL, 18) */
	ASSERT(p);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	poke(m, p + 18, 0xab);
	poke(m, p + 19, 0xab);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), ": kmalloc Redzone overwritten\n"));
	EXPECT(strstr(machine_last_report(m), "@offset=26. First byte 0xab instead of 0xcc"));
	EXPECT_EQ(kmem_cache_free(s, p), 0);
	/* Not destroyed: kalloc keeps SLAB_KMALLOC caches for the machine's life. */
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The same through kmalloc() on a machine with slub_debug=ZU; ksize()
 * hands the whole object over and the red zone goes. */
TEST(slub_debug_kmalloc_redzone_through_kmalloc)
{
	struct machine *m = debug_machine(1, MACHINE_SLUB_RED_ZONE | MACHINE_SLUB_STORE_USER);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_find(m, "kmalloc-32");
	ASSERT(s);
	p = kmalloc(m, 18, GFP_KERNEL);
	ASSERT(p && virt_to_cache(m, p) == s);
	poke(m, p + 18, 0xab);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_EQ(ksize(m, p), 32);
	poke(m, p + 20, 0x11);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	p = krealloc(m, p, 10, GFP_KERNEL);		/* in place: the red zone is back, from 10 */
	ASSERT(p);
	poke(m, p + 12, 0x11);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_EQ(kfree(m, p), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- a report against Linux's layout, line by line ----------------------------- */

/* Every run of 16 hex digits (an address) becomes "A"; the slab flags word too. */
static void mask_addresses(const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in && o + 2 < len) {
		size_t n = 0;

		while (n < 16 && ((in[n] >= '0' && in[n] <= '9') || (in[n] >= 'a' && in[n] <= 'f')))
			n++;
		if (n == 16) {
			out[o++] = 'A';
			in += 16;
		} else if (!strncmp(in, "flags=0x", 8)) {
			memcpy(out + o, "flags=F", 7);
			o += 7;
			in += 8;
			while (*in && *in != '(')
				in++;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

/* Linux 6.1's report for this fault (p[64] of a 64-byte SLAB_RED_ZONE cache,
 * found by validate), as its format strings print it: slab_bug(),
 * check_bytes_and_report(), print_trailer() (print_slab_info, the object
 * line, print_section's hex dumps) and restore_bytes(); dump_stack()'s
 * lines left out.  tests/data/linux-slub-debug/ made the real one that
 * docs/slub_debug.md shows next to kalloc's. */
static const char golden_right_redzone[] =
	"=============================================================================\n"
	"BUG TestSlub_RZ_alloc (Not tainted): Right Redzone overwritten\n"
	"-----------------------------------------------------------------------------\n"
	"\n"
	"0xA-0xA @offset=72. First byte 0x12 instead of 0xcc\n"
	"Slab 0xA objects=46 used=1 fp=0xA flags=F(slab|node=0|zone=1|lastcpupid=0x1fffff)\n"
	"Object 0xA @offset=8 fp=0xA\n"
	"\n"
	"Redzone  A: cc cc cc cc cc cc cc cc                          ........\n"
	"Object   A: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n"
	"Object   A: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n"
	"Object   A: 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP\n"
	"Object   A: 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f 60  QRSTUVWXYZ[\\]^_`\n"
	"Redzone  A: 12 cc cc cc cc cc cc cc                          ........\n"
	"Padding  A: 00 00 00 00 00 00 00 00                          ........\n"
	"FIX TestSlub_RZ_alloc: Restoring Right Redzone 0xA-0xA=0xcc";

TEST(slub_debug_report_is_linux_layout)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;
	static char got[KALLOC_REPORT_MAX];

	ASSERT(m);
	s = kmem_cache_create(m, "TestSlub_RZ_alloc", 64, 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_zalloc(s, GFP_KERNEL);
	ASSERT(p);
	for (int i = 0; i < 32; i++)
		p[32 + i] = (unsigned char)('A' + i);
	poke(m, p + 64, 0x12);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT_EQ(machine_last_error(m), KERR_REDZONE);
	mask_addresses(machine_last_report(m), got, sizeof(got));
	{
		const char *a = got, *b = golden_right_redzone;
		int line = 1;

		/* Line by line, so that a failure names the line. */
		while (*a || *b) {
			const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
			size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);

			if (la != lb || memcmp(a, b, la)) {
				kunit_fail(test, __FILE__, __LINE__, "line %d:\n  got  %.*s\n  want %.*s", line,
					   (int)la, a, (int)lb, b);
				break;
			}
			a += la + !!ea;
			b += lb + !!eb;
			line++;
		}
	}
	/* The fault is the first on this machine: the next banner is tainted. */
	poke(m, p + 65, 0x12);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "BUG TestSlub_RZ_alloc (Tainted: G    B             ): "
					       "Right Redzone overwritten\n"));
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- F on alloc and free; U -------------------------------------------------------- */
TEST(slub_debug_consistency_checks_on_free_keep_a_damaged_object)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "fz", 40, 0, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	poke(m, p - 1, 0x00);		/* left red zone */
	EXPECT_EQ(kmem_cache_free(s, p), -KERR_REDZONE);
	EXPECT(strstr(machine_last_report(m), "(Not tainted): Left Redzone overwritten\n"));
	EXPECT(strstr(machine_last_report(m), "FIX fz: Restoring Left Redzone 0x"));
	EXPECT(strstr(machine_last_report(m), "not freed"));
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kmem_cache_free(s, p), 0);		/* repaired: now it goes */
	/* A double free and a pointer into an object, in Linux's words. */
	EXPECT_EQ(kmem_cache_free(s, p), -KERR_DOUBLE_FREE);
	EXPECT(strstr(machine_last_report(m), "): Object already free\n"));
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(kmem_cache_free(s, p + 8), -KERR_NOT_OBJECT);
	EXPECT(strstr(machine_last_report(m), "): Invalid object pointer 0x"));
	EXPECT_EQ(kmem_cache_free(s, p), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* With F, an object whose poison was overwritten while free is found on
 * allocation: reported, and its slab taken out of service. */
TEST(slub_debug_consistency_checks_on_alloc_isolate_the_slab)
{
	struct machine *m = debug_machine(1, MACHINE_SLUB_CONSISTENCY | MACHINE_SLUB_POISON);
	struct kmem_cache *s;
	unsigned char *p, *q, *r;
	struct slab_stats st;

	ASSERT(m);
	s = kmem_cache_create(m, "fp", 64, 0, 0, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p && q);
	kmem_cache_free(s, p);
	poke(m, p + 3, 0x00);
	r = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(r);
	EXPECT(r != p && compound_head(addr_to_page(m, r)) != compound_head(addr_to_page(m, q)));
	EXPECT_EQ(machine_errors(m, KERR_POISON), 1);
	EXPECT(strstr(machine_last_report(m), "FIX fp: Marking all objects used"));
	kmem_cache_stats(s, &st);
	EXPECT_EQ(st.num_slabs, 2);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kmem_cache_free(s, q), 0);
	EXPECT_EQ(kmem_cache_free(s, r), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slub_debug_store_user_tracks)
{
	struct machine *m = debug_machine(2, MACHINE_SLUB_ALL);
	struct kmem_cache *s;
	unsigned char *p;

	ASSERT(m);
	s = kmem_cache_create(m, "tracked", 100, 0, 0, NULL);
	ASSERT(s);
	EXPECT_EQ(machine_set_caller(m, "ext4_alloc_inode+0x1a/0x40"), 0);
	machine_set_cpu(m, 1);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	EXPECT_EQ(machine_set_caller(m, NULL), 0);
	for (int i = 0; i < 3; i++)
		kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	poke(m, p + 100, 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "\nAllocated in ext4_alloc_inode+0x1a/0x40 age=6 cpu=1 pid=0\n"));
	EXPECT(!strstr(machine_last_report(m), "Freed in"));
	kmem_cache_free(s, p);
	poke(m, p + 100, 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "\nFreed in kmem_cache_free age=0 cpu=1 pid=0\n"));
	EXPECT_EQ(machine_set_caller(m, ""), -KERR_INVAL);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* Each kind of damage validate finds, with its class. */
TEST(slub_debug_validate_finds_each_kind)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p, *q;
	struct page *slab;

	ASSERT(m);
	s = kmem_cache_create(m, "each", 60, 0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p && q);
	kmem_cache_free(s, q);
	EXPECT_EQ(kmem_cache_validate(s), 0);
	poke(m, p - 8, 0x01);			/* left red zone of a live object */
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "Left Redzone overwritten"));
	poke(m, p + 61, 0x01);			/* right red zone (the rounding to 64) */
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "Right Redzone overwritten"));
	poke(m, q + 59, 0x00);			/* POISON_END of a free object */
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "End Poison overwritten"));
	poke(m, p + s->size - s->red_left_pad - 1, 0x00);	/* the padding word */
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "Object padding overwritten"));
	EXPECT_EQ(machine_errors(m, KERR_PADDING), 1);
	slab = compound_head(addr_to_page(m, p));
	if ((PAGE_SIZE << slab->order) % s->size) {
		poke(m, slab_address(m, slab) + (PAGE_SIZE << slab->order) - 1, 0x00);	/* the slab's tail */
		EXPECT_EQ(kmem_cache_validate(s), 2);
		EXPECT(strstr(machine_last_report(m), "Padding overwritten. 0x"));
	}
	EXPECT_EQ(kmem_cache_validate(s), 0);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* An FZPU machine under a little workload: validate finds nothing on any
 * cache, and every object comes back. */
TEST(slub_debug_healthy_machine_validates_clean)
{
	struct machine *m = debug_machine(2, MACHINE_SLUB_ALL);
	void *ptrs[300];

	ASSERT(m);
	for (int i = 0; i < 300; i++) {
		machine_set_cpu(m, (unsigned int)i & 1);
		ptrs[i] = kmalloc(m, 1 + (size_t)(i * 37) % 3000, GFP_KERNEL);
		ASSERT(ptrs[i]);
		memset(ptrs[i], 0x33, 1 + (size_t)(i * 37) % 3000);
	}
	for (int i = 0; i < 300; i += 2)
		EXPECT_EQ(kfree(m, ptrs[i]), 0);
	for (struct kmem_cache *s = NULL; (s = kmem_cache_next(m, s));)
		EXPECT_EQ(kmem_cache_validate(s), 0);
	for (int i = 1; i < 300; i += 2)
		EXPECT_EQ(kfree(m, ptrs[i]), 0);
	EXPECT_EQ(machine_errors_total(m), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* ---- a corrupted free pointer: caught before it is followed ------------------------ */

/* The case of issue 9: a 64-byte cache, four objects, one freed, its free
 * pointer overwritten with 0x4141414141414141.  The check sees it, the next
 * allocations do not follow it (no SIGSEGV, in plain and ASan builds), the
 * slab goes out of service and the machine is healthy again. */
static void corrupt_free_pointer(struct kunit *test, unsigned int slub_debug, const char *want)
{
	struct machine *m = debug_machine(1, slub_debug);
	struct kmem_cache *s;
	struct kalloc_check ck;
	void *p[4], *a, *b;
	uint64_t bad = 0x4141414141414141ULL;

	ASSERT(m);
	s = kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	ASSERT(s);
	for (int i = 0; i < 4; i++)
		ASSERT((p[i] = kmem_cache_alloc(s, GFP_KERNEL)));
	EXPECT_EQ(kmem_cache_free(s, p[2]), 0);
	ASSERT_EQ(machine_poke(m, (char *)p[2] + s->offset, &bad, sizeof(bad)), 0);
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_FREELIST_RANGE);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(a && b && a != b);
	for (int i = 0; i < 4; i++)
		EXPECT(a != p[i] && b != p[i]);
	EXPECT(compound_head(addr_to_page(m, a)) != compound_head(addr_to_page(m, p[0])));
	EXPECT_EQ(machine_errors(m, KERR_FREEPTR), 1);
	EXPECT(strstr(machine_last_report(m), want));
	EXPECT_HEALTHY(m);
	/* The isolated slab still takes its objects back. */
	EXPECT_EQ(kmem_cache_free(s, p[0]), 0);
	EXPECT_EQ(kmem_cache_free(s, a), 0);
	EXPECT_EQ(kmem_cache_free(s, b), 0);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(slab_corrupt_free_pointer_is_not_followed)
{
	corrupt_free_pointer(test, 0, "links to 0x4141414141414141, not an object of its slab");
}

TEST(slub_debug_corrupt_free_pointer_with_F)
{
	corrupt_free_pointer(test, MACHINE_SLUB_CONSISTENCY, "(Not tainted): Freepointer corrupt\n");
}

/* A free pointer that leads to an object in use is just as corrupt. */
TEST(slab_free_pointer_to_a_live_object_is_not_followed)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	void *p, *q, *r;

	ASSERT(m);
	s = kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p && q);
	kmem_cache_free(s, p);
	machine_poke(m, (char *)p + s->offset, &q, sizeof(q));
	r = kmem_cache_alloc(s, GFP_KERNEL);	/* p's link is followed by nobody */
	ASSERT(r);
	EXPECT(r != q && r != p);
	EXPECT_EQ(machine_errors(m, KERR_FREEPTR), 1);
	EXPECT(strstr(machine_last_report(m), ", an object in use, in the slab at pfn"));
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

TEST(machine_poke_stays_inside_memory)
{
	struct machine *m = debug_machine(1, 0);
	char c = 0;

	ASSERT(m);
	EXPECT_EQ(machine_poke(m, (char *)machine_base(m) - 1, &c, 1), -KERR_BAD_ADDRESS);
	EXPECT_EQ(machine_poke(m, (char *)machine_base(m) + machine_nr_pages(m) * PAGE_SIZE - 1, &c, 2),
		  -KERR_BAD_ADDRESS);
	EXPECT_EQ(machine_peek(m, machine_base(m), &c, 1), 0);
	machine_destroy(m);
}

/* The rest of validate's repertoire: alignment padding (P without Z), a
 * corrupt first free pointer (the freelist is cleared), a chain that comes
 * back on itself, and a counter beyond the slab. */
TEST(slub_debug_validate_freelist_and_padding_cases)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	struct kalloc_check ck;
	struct page *slab;
	unsigned char *p, *q, *r;
	void *bad = (void *)0x4141414141414141ULL;

	ASSERT(m);
	s = kmem_cache_create(m, "pad", 60, 0, SLAB_POISON, NULL);	/* inuse 64: 4 bytes of padding */
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	poke(m, p + 62, 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "Alignment padding overwritten"));
	EXPECT_EQ(machine_last_error(m), KERR_PADDING);

	/* The slab's first free pointer: nothing of its freelist can be trusted. */
	slab = compound_head(addr_to_page(m, p));
	slab->freelist = bad;
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "): Freepointer corrupt\n"));
	EXPECT(strstr(machine_last_report(m), "FIX pad: Freelist cleared"));
	EXPECT_EQ(slab->inuse, slab->objects);
	EXPECT_HEALTHY(m);
	EXPECT_EQ(kmem_cache_free(s, p), 0);
	EXPECT_HEALTHY(m);

	/* A cycle: q -> r -> q, in a cache of its own. */
	s = kmem_cache_create(m, "cycle", 60, 0, SLAB_POISON, NULL);
	ASSERT(s);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	r = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(q && r);
	kmem_cache_free(s, q);
	kmem_cache_free(s, r);		/* freelist: r, q, ... */
	machine_poke(m, q + s->offset, &r, sizeof(r));
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_FREELIST_CYCLE);
	EXPECT(kmem_cache_validate(s) >= 3);	/* Freechain corrupt, the count and its fix */
	EXPECT(strstr(machine_last_report(m), "Object count adjusted"));
	EXPECT_HEALTHY(m);

	/* A counter beyond the slab is reported; validate does not guess. */
	slab = compound_head(addr_to_page(m, q));
	slab->inuse = slab->objects + 1;
	EXPECT_EQ(kmem_cache_validate(s), 1);
	EXPECT(strstr(machine_last_report(m), "): inuse "));
	EXPECT_EQ(machine_check(m, &ck), INV_SLAB_INUSE);
	machine_destroy(m);
}

/* With F, a free pointer that leads to an object in use is Linux's
 * "already allocated", and the slab is isolated all the same. */
TEST(slub_debug_free_pointer_to_live_object_with_F)
{
	struct machine *m = debug_machine(1, MACHINE_SLUB_CONSISTENCY);
	struct kmem_cache *s;
	void *p, *q, *r;

	ASSERT(m);
	s = kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p && q);
	kmem_cache_free(s, p);
	machine_poke(m, (char *)p + s->offset, &q, sizeof(q));
	r = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(r && r != p && r != q);
	EXPECT(strstr(machine_last_report(m), " already allocated\n"));
	EXPECT(strstr(machine_last_report(m), "FIX victim: Marking all objects used"));
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A report on an object after the first of its slab, in a cache without
 * red zones, shows the 16 bytes before it ("Bytes b4"): the end of the
 * previous slot, which ASan builds must open for the dump and close again
 * (the previous object is live here). */
TEST(slub_debug_report_bytes_before)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *a, *b, *c;

	ASSERT(m);
	s = kmem_cache_create(m, "b4", 56, 0, SLAB_POISON, NULL);
	ASSERT(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	c = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(a && b && c);
	kmem_cache_free(s, c);
	poke(m, c + 3, 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	EXPECT(strstr(machine_last_report(m), "\nBytes b4 "));
	memset(b, 0x11, 56);		/* still addressable after the dump */
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The fields that differ between two runs of the same fault, and the stack
 * lines kalloc does not print, taken out: what is left must be the same
 * text.  Masked: every 16-hex-digit address, @offset=, the numbers of a
 * track line and its site, the taint, the slab's page flags. */
static void mask_run(const char *in, char *out, size_t len)
{
	char tmp[KALLOC_REPORT_MAX];
	size_t o = 0;

	mask_addresses(in, tmp, sizeof(tmp));
	for (const char *p = tmp; *p && o + 16 < len;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + !!eol;
		if (line[0] == ' ' || line[0] == '#')	/* a stack depot entry, a comment */
			continue;
		for (char *q = line; *q; q++) {
			if (!strncmp(q, "@offset=", 8)) {
				o += (size_t)snprintf(out + o, len - o, "@offset=N");
				for (q += 8; q[1] >= '0' && q[1] <= '9'; q++)
					;
			} else if (!strncmp(q, "Allocated in ", 13) || !strncmp(q, "Freed in ", 9)) {
				o += (size_t)snprintf(out + o, len - o, "%s in S age=N cpu=N pid=N", q[0] == 'A' ?
						      "Allocated" : "Freed");
				break;
			} else if (*q == '(' && (!strncmp(q, "(Tainted", 8) || !strncmp(q, "(Not tainted", 12))) {
				o += (size_t)snprintf(out + o, len - o, "(T)");
				q = strchr(q, ')');
				if (!q)
					break;
			} else if (!strncmp(q, "flags=F", 7)) {
				o += (size_t)snprintf(out + o, len - o, "flags=F");
				break;
			} else {
				out[o++] = *q;
			}
			if (o + 16 >= len)
				break;
		}
		out[o++] = '\n';
	}
	out[o] = '\0';
}

/* kalloc's report of the fault that tests/data/linux-6.1-report-right-redzone-FZPU.txt
 * shows Linux reporting, on a machine booted alike (FZPU, 2 CPUs), is
 * Linux's text but for addresses, offsets, the track's numbers, the taint,
 * the page flags and the stack. */
TEST(slub_debug_report_is_linux_report)
{
	struct machine *m = debug_machine(2, MACHINE_SLUB_ALL);
	static char want[KALLOC_REPORT_MAX], got[KALLOC_REPORT_MAX], raw[KALLOC_REPORT_MAX];
	FILE *f = fopen("data/linux-6.1-report-right-redzone-FZPU.txt", "r");
	struct kmem_cache *s;
	unsigned char *p;
	size_t n;

	ASSERT(m && f);
	n = fread(raw, 1, sizeof(raw) - 1, f);
	raw[n] = '\0';
	fclose(f);
	mask_run(raw, want, sizeof(want));
	s = kmem_cache_create(m, "TestSlub_RZ_alloc", 64, 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	poke(m, p + 64, 0x12);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	mask_run(machine_last_report(m), got, sizeof(got));
	EXPECT_STREQ(got, want);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* The hex dump is built by hand (print_section): every line of an object
 * that holds every byte value, past the dump's 256-byte chunks and ending in
 * a short line, is what printf makes of the same bytes. */
TEST(slub_debug_dump_lines_are_printf_lines)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p, bytes[300];
	const char *r;
	size_t lines = 0;

	ASSERT(m);
	s = kmem_cache_create(m, "dump", sizeof(bytes), 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 + i / 256);
	ASSERT(machine_poke(m, p, bytes, sizeof(bytes)) == 0);
	poke(m, p + sizeof(bytes), 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	r = machine_last_report(m);
	for (size_t i = 0; i < sizeof(bytes); i += 16) {
		char want[160];
		size_t n = sizeof(bytes) - i < 16 ? sizeof(bytes) - i : 16;
		int o = snprintf(want, sizeof(want), "\nObject   %016lx: ", (unsigned long)(uintptr_t)(p + i));

		for (size_t j = 0; j < n; j++)
			o += snprintf(want + o, sizeof(want) - o, j ? " %02x" : "%02x", bytes[i + j]);
		o += snprintf(want + o, sizeof(want) - o, "%*s", (int)(49 - (3 * n - 1)), "");
		for (size_t j = 0; j < n; j++)
			want[o++] = bytes[i + j] >= 0x20 && bytes[i + j] < 0x7f ? (char)bytes[i + j] : '.';
		want[o++] = '\n';
		want[o] = '\0';
		EXPECT(strstr(r, want));
		lines += strstr(r, want) != NULL;
	}
	EXPECT_EQ(lines, (sizeof(bytes) + 15) / 16);
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* A report on a large object still ends in its FIX line: the object's dump
 * is cut to what fits the error sink. */
TEST(slub_debug_report_of_a_large_object_fits_the_sink)
{
	struct machine *m = debug_machine(1, 0);
	struct kmem_cache *s;
	unsigned char *p;
	const char *r;

	ASSERT(m);
	s = kmem_cache_create(m, "big", 4000, 0, SLAB_RED_ZONE, NULL);
	ASSERT(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT(p);
	poke(m, p + 4000, 0x00);
	EXPECT_EQ(kmem_cache_validate(s), 2);
	r = machine_last_report(m);
	EXPECT(strlen(r) < KALLOC_REPORT_MAX - 1);
	EXPECT(strstr(r, " more bytes not shown"));
	EXPECT(strstr(r, "\nRedzone  "));
	EXPECT(strstr(r, "\nFIX big: Restoring Right Redzone 0x"));
	kmem_cache_free(s, p);
	EXPECT_HEALTHY(m);
	machine_destroy(m);
}

/* memchr_inv() (every poison and red-zone check) against a byte walk: every
 * start in a word, every length to 300 bytes and a page, the stray byte at
 * every place or absent, the stray value one bit off @v or far from it. */
TEST(memchr_inv_finds_the_first_stray_byte_at_every_place)
{
	static unsigned char buf[PAGE_SIZE + 16];
	const uint8_t values[] = { 0x00, POISON_FREE, SLUB_RED_ACTIVE, 0xff };
	unsigned long cases = 0, wrong = 0;

	for (size_t vi = 0; vi < sizeof(values); vi++) {
		uint8_t v = values[vi];

		for (size_t start = 0; start < 8; start++)
			for (size_t n = 0; n <= PAGE_SIZE; n = n < 300 ? n + 1 : n == 300 ? PAGE_SIZE - 1 : n + 1)
				for (size_t at = 0; at <= n; at += n < 64 ? 1 : 1 + at / 4) {
					const unsigned char *p = buf + start, *got, *want = NULL;

					memset(buf, v, sizeof(buf));
					if (at < n) {
						buf[start + at] = (unsigned char)(at & 1 ? v ^ 1 : v ^ 0x80);
						if (at + 3 < n)	/* a second stray byte after the first */
							buf[start + at + 3] = (unsigned char)(v ^ 0x10);
					}
					buf[start + n] = (unsigned char)(v ^ 0x40);	/* past the end: never reported */
					if (start)
						buf[start - 1] = (unsigned char)(v ^ 0x40);	/* before it: nor this */
					for (size_t i = 0; i < n; i++)
						if (p[i] != v) {
							want = p + i;
							break;
						}
					got = memchr_inv(p, v, n);
					cases++;
					wrong += got != want;
				}
	}
	EXPECT_EQ(wrong, 0);
	EXPECT(cases > 100000);
}
