/* test_ops.c - unit tests of the op table (harness/ops.def) and of ops.c's
 * printer and parser, on tests/kunit.h (`make ops-test`).
 *
 * Oracle: the language's own promise (OPS.md 3): for one record of every op,
 * and the header with every stamp, canonical bytes -> text -> bytes -> text is
 * the identity.  And the table check: the real table passes, and a copy with
 * exactly one thing broken fails with that thing's message.
 */
#include <stdlib.h>
#include <string.h>
#include "kunit.h"
#include "ops.h"

/* canonical @r -> text -> bytes -> text; 0 when both round trips hold. */
static int roundtrip(struct kunit *test, const uint8_t hdr[OPS_HDR], const uint8_t *rec)
{
	struct prog a = { .n = 1 }, b;
	char t1[4096], t2[4096], err[200], line[256];
	size_t n;
	FILE *f;

	memcpy(a.hdr, hdr, OPS_HDR);
	memcpy(a.rec[0], rec, OPS_REC);
	prog_canon(&a);
	f = fmemopen(t1, sizeof(t1), "w");
	prog_print(&a, f);
	n = (size_t)ftell(f);
	fclose(f);
	t1[n] = 0;
	if (prog_parse(t1, &b, err, sizeof(err))) {
		op_format(a.rec[0], line, sizeof(line));
		kunit_fail(test, __FILE__, __LINE__, "op %u: \"%s\" does not parse: %s", rec_op(rec), line, err);
		return -1;
	}
	f = fmemopen(t2, sizeof(t2), "w");
	prog_print(&b, f);
	n = (size_t)ftell(f);
	fclose(f);
	t2[n] = 0;
	if (b.n != 1 || memcmp(a.hdr, b.hdr, OPS_HDR) || memcmp(a.rec[0], b.rec[0], OPS_REC) || strcmp(t1, t2)) {
		kunit_fail(test, __FILE__, __LINE__, "op %u: text -> bytes -> text is not the identity:\n%s%s",
			   rec_op(rec), t1, t2);
		return -1;
	}
	return 0;
}

TEST(ops_every_op_round_trips)
{
	static const uint8_t zero[OPS_HDR];
	unsigned int seed = 7, named = 0;

	for (unsigned int op = 0; op < NR_OPS; op++) {
		for (int k = 0; k < 200; k++) {
			uint8_t r[OPS_REC];

			for (int i = 0; i < OPS_REC; i++)
				r[i] = (uint8_t)(k ? rand_r(&seed) : 0);
			r[0] = (uint8_t)(op + NR_OPS * (r[0] % 4));
			if (roundtrip(test, zero, r))
				return;
		}
		if (op_name(op)) {
			char text[64];
			const char *at;
			struct prog p;
			char err[200];
			uint8_t r[OPS_REC] = { (uint8_t)op };

			named++;
			op_format(r, text, sizeof(text));
			at = strstr(text, op_name(op));
			EXPECT(at && at[strlen(op_name(op))] == '(');
			EXPECT(!prog_parse(text, &p, err, sizeof(err)) && p.n == 1 && rec_op(p.rec[0]) == op);
		} else {
			EXPECT(!op_text(op) && !op_fields(op));
		}
	}
	EXPECT(named == nr_op_defs);
	EXPECT(op_name(OP_MALLOC) && !strcmp(op_name(OP_MALLOC), "malloc"));
	EXPECT(op_name(OP_USABLE_SIZE) && !strcmp(op_name(OP_USABLE_SIZE), "malloc_usable_size"));
	EXPECT(NR_DEFINED_OPS == 31 && OP_VALIDATE == NR_DEFINED_OPS - 1);
}

/* scribble's signed offset and length, write_after_free, validate; the
 * three new cache flags (OPS.md 1.2, 1.3). */
TEST(ops_scribble_fields)
{
	uint8_t r[OPS_REC] = { OP_SCRIBBLE, 4, 0xf8, 0xff, 63, 0, 0, 0 };
	char text[256], err[200];
	struct prog p;

	EXPECT(rec_soff(r) == -8 && rec_len(r) == 64);
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "scribble(p4, -8, 64)"));
	r[2] = 0xff, r[3] = 0x7f, r[4] = 64;	/* 64 % 64: length 1 */
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "scribble(p4, 32767, 1)"));
	r[0] = OP_WRITE_AFTER_FREE, r[2] = 0x00, r[3] = 0x80;
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "write_after_free(p4, -32768)"));
	EXPECT(op_fields(OP_WRITE_AFTER_FREE) == (OPF_P | OPF_SOFF));
	EXPECT(op_fields(OP_SCRIBBLE) == (OPF_P | OPF_SOFF | OPF_LEN));
	EXPECT(op_fields(OP_VALIDATE) == OPF_C);
	ASSERT(!prog_parse("scribble(p1, -0x10, 2)\nwrite_after_free( p2 , 0x7fff )\nvalidate(c7)", &p, err,
			   sizeof(err)));
	EXPECT(p.n == 3 && rec_soff(p.rec[0]) == -16 && rec_len(p.rec[0]) == 2 && p.rec[0][4] == 1);
	EXPECT(rec_soff(p.rec[1]) == 32767 && rec_op(p.rec[2]) == OP_VALIDATE && rec_c(p.rec[2]) == 7);
	EXPECT(prog_parse("scribble(p1, 32768, 1)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("scribble(p1, -32769, 1)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("scribble(p1, 0, 0)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("scribble(p1, 0, 65)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("scribble(p1, --1, 1)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("scribble(p1, - 1, 1)", &p, err, sizeof(err)) == -1);
	ASSERT(!prog_parse("c0 = kmem_cache_create(\"kmem_test\", 64, 0, SLAB_RED_ZONE | SLAB_STORE_USER | "
			   "SLAB_CONSISTENCY_CHECKS | SLAB_POISON)", &p, err, sizeof(err)));
	EXPECT(rec_cflags(p.rec[0]) == (CFLAG_RED_ZONE | CFLAG_STORE_USER | CFLAG_CHECKS | CFLAG_POISON));
	op_format(p.rec[0], text, sizeof(text));
	EXPECT(!strcmp(text, "c0 = kmem_cache_create(\"kmem_test\", 64, 0, SLAB_POISON | SLAB_RED_ZONE | "
			     "SLAB_STORE_USER | SLAB_CONSISTENCY_CHECKS)"));
}

/* h4 % 16 holds slub_debug's letters: poison=N alone prints as before,
 * any other letter as slub_debug=<letters in Linux's order FZPU>. */
TEST(ops_header_slub_debug)
{
	uint8_t h[OPS_HDR] = { 0 };
	char text[256], err[200];
	struct prog p;
	struct machine_config cfg;

	for (unsigned int v = 0; v < 256; v++) {
		struct prog q = { .n = 0 };

		h[4] = (uint8_t)v;
		memcpy(q.hdr, h, OPS_HDR);
		prog_canon(&q);
		EXPECT(q.hdr[4] == v % 16 && hdr_debug(h) == v % 16);
		EXPECT(roundtrip(test, h, (const uint8_t[OPS_REC]){ OP_CHECK }) == 0);
	}
	h[4] = HDR_DEBUG_P;
	hdr_format(h, text, sizeof(text));
	EXPECT(!strcmp(text, "machine(pages=1024, dma=128, cpus=1, profile=default, poison=1, max_order=10)"));
	h[4] = HDR_DEBUG_P | HDR_DEBUG_F | HDR_DEBUG_Z | HDR_DEBUG_U;
	hdr_format(h, text, sizeof(text));
	EXPECT(!strcmp(text, "machine(pages=1024, dma=128, cpus=1, profile=default, slub_debug=FZPU, max_order=10)"));
	h[4] = HDR_DEBUG_U | HDR_DEBUG_Z;
	hdr_format(h, text, sizeof(text));
	EXPECT(!strcmp(text, "machine(pages=1024, dma=128, cpus=1, profile=default, slub_debug=ZU, max_order=10)"));
	ASSERT(!prog_parse("machine(slub_debug=UPFZ)", &p, err, sizeof(err)));
	EXPECT(hdr_debug(p.hdr) == 15);
	ASSERT(!prog_parse("machine(slub_debug=-, poison=1)", &p, err, sizeof(err)));
	EXPECT(hdr_debug(p.hdr) == HDR_DEBUG_P);
	ASSERT(!prog_parse("machine(slub_debug=Z, poison=1)", &p, err, sizeof(err)));
	EXPECT(hdr_debug(p.hdr) == (HDR_DEBUG_Z | HDR_DEBUG_P));
	EXPECT(prog_parse("machine(slub_debug=FZPT)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("machine(slub_debug=fz)", &p, err, sizeof(err)) == -1);
	/* Classic + Z: size-131072's slab needs order 7, + P or U order 6; F
	 * alone changes nothing.  Every such machine boots. */
	h[3] = 1, h[5] = 5;
	for (unsigned int v = 0; v < 16; v++) {
		struct machine *m;

		h[4] = (uint8_t)v;
		hdr_config(h, &cfg);
		EXPECT(cfg.max_order == ((v & HDR_DEBUG_Z) ? 7u : (v & (HDR_DEBUG_P | HDR_DEBUG_U)) ? 6u : 5u));
		m = machine_create(&cfg);
		EXPECT(m != NULL);
		if (m)
			machine_destroy(m);
		cfg.max_order--;
		m = (v & (HDR_DEBUG_P | HDR_DEBUG_Z | HDR_DEBUG_U)) ? machine_create(&cfg) : NULL;
		EXPECT(m == NULL);	/* one order less is refused: the rule is as tight as it must be */
		EXPECT(!!(cfg.slub_debug & MACHINE_SLUB_POISON) == !!(v & HDR_DEBUG_P));
	}
}

TEST(ops_heap_fields)
{
	uint8_t r[OPS_REC] = { OP_ALIGNED_ALLOC, 3, 0x3f, 0x00, 12 + 13, 0, 0, 0 };
	char text[128];

	EXPECT(rec_malign(r) == 4096);
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "p3 = aligned_alloc(4096, 64)"));
	r[0] = OP_CALLOC;
	r[5] = 0xf2;
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "p3 = calloc(SIZE_MAX >> 2, 64)"));
	EXPECT(op_fields(OP_CALLOC) == (OPF_P | OPF_COUNT | OPF_SIZE));
	EXPECT(op_fields(OP_REALLOC) == (OPF_P | OPF_SIZE));
	r[0] = OP_FOREIGN;
	r[2] = FOREIGN_CACHE_FREE;
	EXPECT(rec_fields(r) == (OPF_FN | OPF_C6));
	r[2] = FOREIGN_KFREE;
	EXPECT(rec_fields(r) == OPF_FN);
}

TEST(ops_vm_fields)
{
	uint8_t r[OPS_REC] = { OP_MM_WRITE, 5, 0xff, 0xff, 0x34, 0x12, 0, 0 };
	char text[128];
	struct prog p;
	char err[200];

	EXPECT(rec_mlen(r) == 0x1234 && rec_u16(r) == 0xffff);
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "write(p5, 65535, 4660)"));
	EXPECT(op_fields(OP_MM_WRITE) == (OPF_P | OPF_OFF | OPF_MLEN));
	EXPECT(op_fields(OP_KVMALLOC) == (OPF_P | OPF_SIZE | OPF_GFP));
	EXPECT(op_fields(OP_RSS) == 0 && op_fields(OP_VMALLOCINFO) == 0);
	r[0] = OP_BRK;
	r[5] = 0x80;
	EXPECT(rec_pdelta(r) == -128 && op_fields(OP_BRK) == OPF_PDELTA);
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "brk(-128)"));
	r[5] = 127;
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "brk(+127)"));
	r[5] = 0;
	op_format(r, text, sizeof(text));
	EXPECT(!strcmp(text, "brk(0)"));
	/* A delta without its sign reads as positive; the printer adds it. */
	ASSERT(!prog_parse("brk(3)\nbrk(-0)\nbrk( -1 )\nfree_foreign(vfree)\nfree_foreign(free)", &p, err, sizeof(err)));
	EXPECT(p.n == 5 && rec_pdelta(p.rec[0]) == 3 && rec_pdelta(p.rec[1]) == 0 && rec_pdelta(p.rec[2]) == -1);
	EXPECT(rec_foreign(p.rec[3]) == FOREIGN_VFREE && rec_foreign(p.rec[4]) == FOREIGN_FREE);
	op_format(p.rec[0], text, sizeof(text));
	EXPECT(!strcmp(text, "brk(+3)"));
	/* The table's first three foreign functions keep their bytes. */
	EXPECT(!strcmp(foreign_fn_names[FOREIGN_KFREE], "kfree") &&
	       !strcmp(foreign_fn_names[FOREIGN_CACHE_FREE], "kmem_cache_free"));
}

TEST(ops_bad_text_is_refused)
{
	static const char *const bad[] = {
		"p1 = krealloc(p2, 8, GFP_KERNEL)",	/* one slot named twice, two values */
		"p1 = aligned_alloc(24, 8)",		/* not a power of two */
		"p1 = aligned_alloc(8192, 8)",		/* above 4096 */
		"p1 = malloc(16385 + 1)",
		"free(p32)",
		"p 1 = malloc(8)",			/* a slot's letter and number belong together */
		"p1 = kmalloc(8, GFP_KERNEL | )",	/* an empty flag */
		"p1 = kmalloc(8, )",
		"p1 = k malloc(8, GFP_KERNEL)",
		"p1 = kmalloc(010x, GFP_KERNEL)",
		"nop(48)",				/* 48 is malloc now */
		"free_foreign(kmem_cache_free)",
		"check() check()",
		"machine(target=fuzz_buddy)",
		"machine(alloc=musl)",
		"brk(128)", "brk(+128)", "brk(-129)", "brk(1.5)", "brk(+ 1)",
		"write(p1, 0, 65536)", "read(p1, 65536, 0)", "write(p1, 0)",
		"nop(32)", "nop(44)",			/* vmalloc and process ops now */
		"free_foreign(vfree, c1)",
	};
	struct prog p;
	char err[200];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!prog_parse(bad[i], &p, err, sizeof(err)))
			kunit_fail(test, __FILE__, __LINE__, "\"%s\" parsed", bad[i]);
	ASSERT(!prog_parse("p1 = malloc(0x10)\n  p1=realloc( p1 ,100 )\nfree(p1)", &p, err, sizeof(err)));
	EXPECT(p.n == 3 && rec_size(p.rec[0]) == 16 && rec_size(p.rec[1]) == 100 && rec_op(p.rec[2]) == OP_FREE);
	ASSERT(!prog_parse("p1 = kmalloc(010, GFP_KERNEL)", &p, err, sizeof(err)));
	EXPECT(rec_size(p.rec[0]) == 10);	/* decimal, as OPS.md says: not octal */
}

/* A parse error names the line, the column and, for a misspelt name, the
 * nearest valid one (harness/ops.c nearest_name); a word far from every
 * name gets no guess. */
TEST(ops_parse_errors_point_and_suggest)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "p0 = kmaloc(8, GFP_KERNEL)", "line 1, column 6: unknown op 'kmaloc' (did you mean kmalloc?)" },
		{ "check()\n  p0 = kmalloc(8, GFP_KERNL)", "line 2, column 19: " },
		{ "p0 = kmalloc(8, GFP_KERNL)", "unknown GFP flag 'GFP_KERNL' (did you mean GFP_KERNEL?)" },
		{ "p0 = kmalloc(8, GFP_KERNEL | __GFP_ZER0)", "(did you mean __GFP_ZERO?)" },
		{ "machine(pages=1024, cpu=2)", "line 1, column 21: unknown machine key 'cpu' (did you mean cpus?)" },
		{ "machine(profile=clasic)", "column 17: unknown profile 'clasic' (did you mean classic?)" },
		{ "kmem_cache_destroy(c0)\nc1 = kmem_cache_create(\"foo\", 64, 8, 0)", "line 2, column 25: " },
		{ "p0 = kmalloc(8, GFP_KERNEL) x", "column 29: expected pP = kmalloc(SIZE, GFP): has text after its ')'" },
		{ "frobnicate(p0)", "column 1: unknown op 'frobnicate' (harness/OPS.md 1.3 lists them)" },
	};
	struct prog p;
	char err[400];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!prog_parse(cases[i].text, &p, err, sizeof(err)))
			kunit_fail(test, __FILE__, __LINE__, "\"%s\" parsed", cases[i].text);
		else if (!strstr(err, cases[i].want))
			kunit_fail(test, __FILE__, __LINE__, "\"%s\": expected \"%s\" in \"%s\"", cases[i].text,
				   cases[i].want, err);
	}
	EXPECT(prog_parse("frobnicate(p0)", &p, err, sizeof(err)) == -1 && !strstr(err, "did you mean"));
}

/* Regression (fuzz_text's round trip): max_order=5 on a classic machine with
 * poison decodes to 6 (OPS.md 1.1), so the text printed back was another
 * program.  It is refused; 5 without poison or on the default profile still
 * parses, and the header bytes h5 = 5 still decode to 6. */
TEST(ops_max_order_5_classic_poison_refused)
{
	struct prog p;
	struct machine_config cfg;
	char err[400];

	EXPECT(prog_parse("machine(profile=classic, poison=1, max_order=5)", &p, err, sizeof(err)) == -1 &&
	       strstr(err, "write max_order=6"));
	EXPECT(prog_parse("machine(max_order=5, poison=1, profile=classic)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("machine(profile=classic, poison=1, max_order=6)", &p, err, sizeof(err)) == 0);
	EXPECT(prog_parse("machine(profile=classic, poison=0, max_order=5)", &p, err, sizeof(err)) == 0);
	EXPECT(prog_parse("machine(profile=default, poison=1, max_order=5)", &p, err, sizeof(err)) == 0);
	/* The same for slub_debug's letters: Z needs 7, P or U 6, F nothing
	 * (corpus/fuzz_text/regress-max-order-classic-slub-debug.txt). */
	EXPECT(prog_parse("machine(profile=classic, slub_debug=Z, max_order=6)", &p, err, sizeof(err)) == -1 &&
	       strstr(err, "write max_order=7"));
	EXPECT(prog_parse("machine(profile=classic, slub_debug=FZPU, max_order=5)", &p, err, sizeof(err)) == -1);
	EXPECT(prog_parse("machine(profile=classic, slub_debug=Z, max_order=7)", &p, err, sizeof(err)) == 0);
	EXPECT(prog_parse("machine(profile=classic, slub_debug=U, max_order=5)", &p, err, sizeof(err)) == -1 &&
	       strstr(err, "write max_order=6"));
	EXPECT(prog_parse("machine(profile=classic, slub_debug=F, max_order=5)", &p, err, sizeof(err)) == 0);
	{
		const uint8_t h[OPS_HDR] = { 0, 0, 0, 1, 1, 5, 0, 0 };

		hdr_config(h, &cfg);
		EXPECT(cfg.max_order == 6);
	}
}

TEST(ops_header_stamps)
{
	uint8_t h[OPS_HDR] = { 0 };
	char text[256];
	struct prog p;
	char err[200];

	hdr_format(h, text, sizeof(text));
	EXPECT(!strcmp(text, "machine(pages=1024, dma=128, cpus=1, profile=default, poison=0, max_order=10)"));
	EXPECT(hdr_target(h) == -1 && hdr_target_stamp(h) == 0 && hdr_alloc_stamp(h) == 0);
	hdr_stamp(h, TARGET_MALLOC, alloc_stamp_parse("glibc"));
	EXPECT(hdr_target(h) == TARGET_MALLOC && hdr_target_stamp(h) == 5 && hdr_alloc_stamp(h) == ALLOC_STAMP_GLIBC);
	hdr_format(h, text, sizeof(text));
	EXPECT(!strcmp(text, "machine(pages=1024, dma=128, cpus=1, profile=default, poison=0, max_order=10, "
			     "target=malloc, alloc=glibc)"));
	ASSERT(!prog_parse(text, &p, err, sizeof(err)));
	EXPECT(!memcmp(p.hdr, h, OPS_HDR));
	hdr_stamp(h, TARGET_NONE, ALLOC_STAMP_UNSPECIFIED);
	EXPECT(h[6] == 6 && h[7] == 0 && hdr_target(h) == TARGET_NONE);
	/* Codes without a name are unspecified, and written 0. */
	for (unsigned int c = 0; c < 256; c++) {
		uint8_t g[OPS_HDR] = { 0, 0, 0, 0, 0, 0, (uint8_t)c, (uint8_t)c };
		struct prog q = { .n = 0 };

		memcpy(q.hdr, g, OPS_HDR);
		prog_canon(&q);
		EXPECT(q.hdr[6] == (c % 16 > 8 ? 0 : c % 16));
		EXPECT(q.hdr[7] == (c % 16 >= 9 ? 0 : c % 16));	/* 1..8 named (ops.def) */
		EXPECT(roundtrip(test, g, (const uint8_t[OPS_REC]){ OP_CHECK }) == 0);
	}
	for (int t = 0; t < NR_TARGETS; t++) {
		hdr_stamp(h, t, 0);
		EXPECT(hdr_target(h) == t);
	}
	for (unsigned int c = 1; c < 8; c++)
		EXPECT(alloc_stamp_name(c) && alloc_stamp_parse(alloc_stamp_name(c)) == (int)c);
	EXPECT(!alloc_stamp_name(0) && !alloc_stamp_name(9) && !strcmp(alloc_stamp_name(8), "kalloc-heap") && alloc_stamp_parse("kalloc") == ALLOC_STAMP_KALLOC);
	EXPECT(target_parse("malloc") == TARGET_MALLOC && target_parse("fuzz_malloc") == TARGET_MALLOC);
	EXPECT(target_parse("fuzz_vmalloc") == TARGET_VMALLOC && target_parse("heap") == TARGET_HEAP);
	hdr_stamp(h, TARGET_VMALLOC, 0);
	EXPECT(h[6] == 7 && hdr_target(h) == TARGET_VMALLOC);
	hdr_stamp(h, TARGET_HEAP, 0);
	EXPECT(h[6] == 8 && hdr_target(h) == TARGET_HEAP);
}

TEST(ops_target_sets)
{
	static const uint8_t malloc_set[] = { 14, 15, 16, 20, 22, 48, 49, 50, 51, 52, 53 };
	static const uint8_t vmalloc_set[] = { 14, 15, 16, 17, 20, 22, 25, 32, 33, 34, 35, 36, 37, 38 };
	static const uint8_t heap_set[] = { 14, 15, 16, 20, 22, 25, 39, 40, 41, 42, 43, 44,
					    48, 49, 50, 51, 52, 53 };
	/* mixed: the core's 0..30, then the vmalloc and process ops appended. */
	uint8_t mixed_set[NR_OPS];
	unsigned int nmixed = 0;

	for (unsigned int op = 0; op < NR_DEFINED_OPS; op++)
		mixed_set[nmixed++] = (uint8_t)op;
	for (unsigned int op = OP_VMALLOC; op <= OP_RSS; op++)
		mixed_set[nmixed++] = (uint8_t)op;
	EXPECT(nmixed == 44);
	for (unsigned int op = 0; op < NR_OPS; op++) {
		int in_mixed = op < NR_DEFINED_OPS || (op >= OP_VMALLOC && op <= OP_RSS);

		EXPECT(target_op(TARGET_NONE, op) == op);
		EXPECT(target_op(TARGET_MIXED, op) == (in_mixed ? op : mixed_set[op % nmixed]));
		EXPECT(target_op(TARGET_MALLOC, op) == (target_has(TARGET_MALLOC, op) ? op :
							malloc_set[op % sizeof(malloc_set)]));
		EXPECT(target_op(TARGET_VMALLOC, op) == (target_has(TARGET_VMALLOC, op) ? op :
							 vmalloc_set[op % sizeof(vmalloc_set)]));
		EXPECT(target_op(TARGET_HEAP, op) == (target_has(TARGET_HEAP, op) ? op :
						      heap_set[op % sizeof(heap_set)]));
		for (int t = 0; t < NR_TARGETS; t++)
			EXPECT(target_has(t, target_op(t, op)));
	}
	EXPECT(target_has(TARGET_BUDDY, OP_BUDDYINFO) && target_has(TARGET_SLAB, OP_SLABINFO) &&
	       target_has(TARGET_KMALLOC, OP_SLABINFO) && !target_has(TARGET_BUDDY, OP_SLABINFO));
	for (unsigned int i = 0; i < sizeof(vmalloc_set); i++)
		EXPECT(target_has(TARGET_VMALLOC, vmalloc_set[i]));
	for (unsigned int i = 0; i < sizeof(heap_set); i++)
		EXPECT(target_has(TARGET_HEAP, heap_set[i]));
}

/* A copy of the table with one entry changed must fail with @want. */
static void expect_broken(struct kunit *test, unsigned int idx, const struct op_def *change, int drop,
			  const char *want)
{
	static struct op_def defs[NR_OPS];
	char err[200] = "";
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_op_defs; i++) {
		if (i == idx && drop)
			continue;
		defs[n++] = i == idx && change ? *change : op_defs[i];
	}
	if (!op_table_check(defs, n, op_reserved, nr_op_reserved, err, sizeof(err)))
		kunit_fail(test, __FILE__, __LINE__, "a table with \"%s\" passed the check", want);
	else if (!strstr(err, want))
		kunit_fail(test, __FILE__, __LINE__, "expected \"%s\", the check said \"%s\"", want, err);
}

TEST(ops_table_check_fires)
{
	char err[200];
	struct op_range res[8];

	EXPECT(op_table_check(op_defs, nr_op_defs, op_reserved, nr_op_reserved, err, sizeof(err)) == 0);
	expect_broken(test, 2, &(struct op_def){ 1, "KMALLOC", "pP = kzalloc(SIZE, GFP)" }, 0,
		      "op 1 is defined or reserved 2 times");
	expect_broken(test, 1, NULL, 1, "op 1 is neither defined nor reserved");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC", "pP = kmalloc(SIZE, GFB)" }, 0,
		      "op 0: unknown field GFB");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC", "pP = kmalloc(SIZE, OFF)" }, 0,
		      "op 0: fields SIZE and OFF share a byte");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC|MIXD", "pP = kmalloc(SIZE, GFP)" }, 0,
		      "op 0: unknown target");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC", "pP = kfree(SIZE, GFP)" }, 0,
		      "the name kfree is op 0's too");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC|NONE", "pP = kmalloc(SIZE, GFP)" }, 0,
		      "target none reads every op");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC", "pP = kmalloc SIZE" }, 0, "has no name(...)");
	expect_broken(test, 0, &(struct op_def){ 0, "KMALLOC", "pP = nop(SIZE)" }, 0, "taken by the language");
	/* Every op out of the malloc set: the target has none. */
	{
		static struct op_def defs[NR_OPS];

		static char targets[NR_OPS][96];

		for (unsigned int i = 0; i < nr_op_defs; i++) {
			char *m;

			defs[i] = op_defs[i];
			snprintf(targets[i], sizeof(targets[i]), "|%s|", op_defs[i].targets);
			while ((m = strstr(targets[i], "|MALLOC|")))
				memmove(m, m + 7, strlen(m + 7) + 1);
			defs[i].targets = strcmp(targets[i], "|") ? targets[i] : "MIXED";
		}
		EXPECT(op_table_check(defs, nr_op_defs, op_reserved, nr_op_reserved, err, sizeof(err)) == -1 &&
		       strstr(err, "target malloc has no ops"));
	}
	memcpy(res, op_reserved, nr_op_reserved * sizeof(res[0]));
	res[0].hi = 64;
	EXPECT(op_table_check(op_defs, nr_op_defs, res, nr_op_reserved, err, sizeof(err)) == -1 &&
	       strstr(err, "is not within 0..63"));
}
