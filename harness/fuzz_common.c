/* fuzz_common.c - the body of every fuzz target (see fuzz.h). */
#include <stdio.h>
#include "fuzz.h"
#include "model.h"

int harness_fuzz_one(enum op_target t, const uint8_t *data, size_t size)
{
	static struct prog p;	/* 2 KiB: kept off libFuzzer's stack */
	struct run_opts o = { t, NULL, 0 };
	struct violation v;

	prog_load(&p, data, size);
	if (model_run(&p, &o, &v)) {
		violation_print(&v, stderr);
		fprintf(stderr, "program (%u ops, as fuzz_%s reads it; replay: make replay CRASH=<file>):\n",
			p.n, target_name(t));
		prog_retarget(&p, t);
		prog_canon(&p);
		prog_print(&p, stderr);
		fflush(stderr);
		__builtin_trap();
	}
	return 0;
}
