/* floor_kalloc.c - floor-kalloc, the third floor of `make fuzz-speed`: kalloc
 * alone, with no oracle.
 *
 * The same inputs as fuzz_kmalloc, decoded by the same op language
 * (harness/ops.c: header, op set, sizes, GFP bits), drive kalloc's own calls
 * under OPS.md's slot rules: a machine booted in an arena from the header,
 * kmalloc / kzalloc / kmalloc_array / krealloc / ksize / kfree, the wrong
 * frees that go through kfree (double, interior, foreign), fault injection,
 * set_cpu and /proc/slabinfo; every block freed and the machine destroyed
 * at the end.  Nothing is checked, no pattern is written: the ops that exist
 * only for the oracle (write and verify a pattern, check(), scribbles) are
 * skipped, and so are the wrong frees of other kinds of block.
 *
 * So it is the cost of the allocator under test for these records - what
 * fuzz_kmalloc would cost with an oracle that cost nothing.  No oracle can
 * make fuzz_kmalloc faster than this floor.
 */
#include <stdint.h>
#include <string.h>
#include "ops.h"
#include "kalloc.h"

#define SLOTS	OPF_P_MOD

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kalloc_arena *arena(void)
{
	static struct kalloc_arena *a;

	if (!a)
		a = kalloc_arena_create(8192);
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prog prog;
	static char text[1 << 16];
	struct machine_config cfg;
	struct machine *m;
	void *p[SLOTS] = { 0 };
	size_t req[SLOTS] = { 0 };	/* the request: free_interior's span */

	prog_load(&prog, data, size);
	hdr_config(prog.hdr, &cfg);
	cfg.quiet = 1;
	m = machine_create_in(arena(), &cfg);
	if (!m)
		return 0;
	for (unsigned int i = 0; i < prog.n; i++) {
		const uint8_t *r = prog.rec[i];
		unsigned int op = target_op(TARGET_KMALLOC, rec_op(r)), s = rec_p(r);
		gfp_t gfp = gfp_of_bits(rec_gfpbits(r));
		void *q;

		switch (op) {
		case OP_KMALLOC: case OP_KZALLOC: case OP_KMALLOC_ARRAY:
			if (p[s])
				break;
			p[s] = op == OP_KMALLOC ? kmalloc(m, rec_size(r), gfp) :
			       op == OP_KZALLOC ? kzalloc(m, rec_size(r), gfp) :
			       kmalloc_array(m, rec_count(r), rec_size(r), gfp);
			req[s] = op == OP_KMALLOC_ARRAY ? rec_count(r) * rec_size(r) : rec_size(r);
			break;
		case OP_KREALLOC:
			if (p[s] && (q = krealloc(m, p[s], rec_size(r), gfp))) {
				p[s] = q;
				req[s] = rec_size(r);
			}
			break;
		case OP_KSIZE:
			if (p[s])
				(void)ksize(m, p[s]);
			break;
		case OP_KFREE: case OP_DOUBLE_FREE:
			if (!p[s] || (op == OP_DOUBLE_FREE && p[s] == ZERO_SIZE_PTR))
				break;
			kfree(m, p[s]);
			if (op == OP_DOUBLE_FREE)
				kfree(m, p[s]);
			p[s] = NULL;
			break;
		case OP_INTERIOR: {
			size_t span = p[s] && p[s] != ZERO_SIZE_PTR ? req[s] : 0, off = rec_u16(r);

			if (span >= 2)
				kfree(m, (char *)p[s] + (off >= 1 && off < span ? off : 1 + off % (span - 1)));
			break;
		}
		case OP_FOREIGN:
			if (rec_foreign(r) == FOREIGN_KFREE)
				kfree(m, (char *)machine_base(m) + (machine_nr_pages(m) << PAGE_SHIFT) + 64);
			break;
		case OP_FAIL:
			buddy_inject_failures(m, r[2], r[3]);
			break;
		case OP_SET_CPU:
			machine_set_cpu(m, rec_cpu(r));
			break;
		case OP_SLABINFO:
			proc_slabinfo(m, text, sizeof(text));
			break;
		default:	/* the oracle's own ops, and wrong frees of other blocks */
			break;
		}
	}
	for (unsigned int s = 0; s < SLOTS; s++)
		if (p[s])
			kfree(m, p[s]);
	machine_destroy(m);
	return 0;
}
