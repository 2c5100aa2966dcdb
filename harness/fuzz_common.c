/* fuzz_common.c - the body of every fuzz target (see fuzz.h). */
#include <stdio.h>
#include "fuzz.h"
#include "model.h"

/* ASan defaults for the fuzz targets (ASAN_OPTIONS still overrides).  Every
 * input boots a machine whose memory is a fresh mapping, and ASan's defaults
 * made that boot cost 270 us: it releases the shadow of unmapped memory to
 * the OS (so the next boot page-faults it back in) and its 256 MiB quarantine
 * keeps every freed page array cold.  Shadow is cleared by memset instead,
 * and an 8 MiB quarantine still outlives any single input, so a use after
 * free of host memory within one input (a destroyed cache, say) is caught. */
const char *__asan_default_options(void)
{
	return "clear_shadow_mmap_threshold=1073741824:quarantine_size_mb=8";
}

int harness_fuzz_one(enum op_target t, const uint8_t *data, size_t size)
{
	static struct prog p;	/* 2 KiB: kept off libFuzzer's stack */
	struct run_opts o = { t, NULL, 0, NULL, NULL };
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
