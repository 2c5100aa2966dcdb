/* model.h - the reference model: runs a program (ops.h) on a fresh instance
 * of an allocator target (target.h; kalloc unless told) and checks every
 * result against what the target's interfaces promise.
 *
 * The model keeps its own record of every live block (address, kind,
 * requested and usable size, promised alignment, zone, content pattern).
 * For kalloc it also computes kmalloc classes, SLUB geometry, alignments
 * and page counts itself and touches the allocator only through kalloc.h.
 * See OPS.md sections 2.2-2.3 for targets and oracles; model_int.h for its parts.
 *
 * Entry points: model_run(), violation_print().
 */
#ifndef KALLOC_HARNESS_MODEL_H
#define KALLOC_HARNESS_MODEL_H

#include <stdio.h>
#include "ops.h"
#include "target.h"

#define MODEL_CHECK_EVERY 32	/* full machine_check and stats sweep K ops after the last one */

struct run_opts {
	enum op_target target;	/* ops are read as this target reads them */
	FILE *trace;		/* non-NULL: print each op, its result and /proc text here */
	unsigned int check_every;	/* 0: MODEL_CHECK_EVERY */
	unsigned long long *digest;	/* non-NULL: a hash of every op's result (where each
					 * block landed, every return code), to show that the
					 * same program gives the same run twice */
	const struct alloc_target *alloc;	/* the allocator under test; NULL: kalloc */
	FILE *frag;		/* non-NULL (kalloc only): after boot (op -1) and every op, one
				 * CSV row per zone "op,zone,u0,...,u10": Linux's unusable
				 * free index per order in thousandths (buddy.h) */
};

/* The first thing found wrong.  @op is the op index, -1 while booting and
 * the program's length for the final teardown. */
struct violation {
	int op;
	char op_text[160];
	char what[48];		/* short kind: "overlap", "stats", "machine_check", ... */
	char expected[256];
	char found[256];
};

/* Run @p.  0 when every check passed, 1 with *@v filled on a violation.
 * Never aborts on allocator misbehaviour; sanitizers may, by design. */
int model_run(const struct prog *p, const struct run_opts *o, struct violation *v);

/* "KALLOC VIOLATION at op 12 `kfree(p3)`: stats\n  expected ...\n  found ...". */
void violation_print(const struct violation *v, FILE *out);

/* A short stable key for "the same violation" when shrinking: what + op name. */
void violation_key(const struct violation *v, char *buf, size_t len);

#endif
