/* floor_malloc.c - floor-kalloc-malloc, fuzz_malloc's floor in `make
 * fuzz-speed`: a malloc-family allocator alone, with no oracle.
 *
 * fuzz_malloc's records, decoded by the op language (harness/ops.c), drive
 * the allocator's own calls through its adapter (target.h, the table
 * alloc_target_find(FLOOR_ALLOC) names; kalloc-heap unless told: malloc on
 * the simulated process's brk) under OPS.md's slot rules: malloc, calloc,
 * realloc, aligned_alloc, free, malloc_usable_size, and for an allocator
 * that reports misuse the double and interior frees; every block freed and
 * the instance closed at the end.  Nothing is checked and no pattern is
 * written (write and verify a pattern, check() and the allocator's
 * self_check are the oracle's), and fuzz_malloc's feedback counters are not
 * kept.  So it is what fuzz_malloc would cost with an oracle that cost
 * nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include "ops.h"
#include "target.h"

#ifndef FLOOR_ALLOC
#define FLOOR_ALLOC "kalloc-heap"
#endif

#define PSLOTS	OPF_P_MOD

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct alloc_target *t;
	static struct prog prog;
	unsigned char *p[PSLOTS] = { 0 };
	size_t req[PSLOTS] = { 0 };	/* the request: the interior free's span */
	char err[200];
	int misuse;
	void *a;

	if (!t && !(t = alloc_target_find(FLOOR_ALLOC))) {
		fprintf(stderr, "floor-kalloc-malloc: no allocator %s\n", FLOOR_ALLOC);
		return -1;
	}
	misuse = !!(t->caps & TCAP_REPORTS_MISUSE);
	prog_load(&prog, data, size);
	if (!(a = t->open(prog.hdr, err, sizeof(err))))
		return 0;
	for (unsigned int i = 0; i < prog.n; i++) {
		const uint8_t *r = prog.rec[i];
		unsigned int s = rec_p(r), op = target_op(TARGET_MALLOC, rec_op(r));
		size_t n = rec_size(r);
		unsigned char *q;

		switch (op) {
		case OP_MALLOC: case OP_CALLOC: case OP_ALIGNED_ALLOC:
			if (p[s] || (op == OP_ALIGNED_ALLOC && !(t->caps & TCAP_ALIGNED_ALLOC)))
				break;
			p[s] = op == OP_MALLOC ? t->malloc(a, n) : op == OP_CALLOC ? t->calloc(a, rec_count(r), n) :
			       t->aligned_alloc(a, rec_malign(r), n);
			req[s] = op == OP_CALLOC ? rec_count(r) * n : n;
			break;
		case OP_REALLOC:
			if (p[s] && n && (q = t->realloc(a, p[s], n))) {	/* size 0: a no-op (OPS.md) */
				p[s] = q;
				req[s] = n;
			}
			break;
		case OP_FREE: case OP_DOUBLE_FREE:
			if (!p[s] || (op == OP_DOUBLE_FREE && !misuse))
				break;
			t->free(a, p[s]);
			if (op == OP_DOUBLE_FREE)
				t->free(a, p[s]);
			p[s] = NULL;
			break;
		case OP_USABLE_SIZE:
			if (p[s] && t->usable_size)
				(void)t->usable_size(a, p[s]);
			break;
		case OP_INTERIOR: {
			unsigned int raw = rec_u16(r);

			if (p[s] && misuse && req[s] >= 2)
				t->free(a, p[s] + ((raw >= 1 && raw < req[s]) ? raw : 1 + raw % (req[s] - 1)));
			break;
		}
		default:	/* the oracle's own ops */
			break;
		}
	}
	for (unsigned int s = 0; s < PSLOTS; s++)
		if (p[s])
			t->free(a, p[s]);
	t->close(a);
	return 0;
}
