/* fuzz_common.c - the body of every fuzz target (see fuzz.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- known findings ---------------------------------------------------------
 * corpus/findings/ (or $KALLOC_FINDINGS; empty turns this off) keeps the
 * bugs of third-party allocators, minimised.  Each is run once at the first
 * violation, on this target's allocator if its stamp names it, and its
 * violation key (kind + op, violation_key) remembered.  A violation with a
 * known key is that bug again: the input is not a crash, so a campaign goes
 * on looking for new ones, as the property tests steer around them.  The
 * price: another bug of the same kind by the same op on that allocator is
 * masked too.  kalloc's own targets have no findings: every violation is
 * news there. */
#define MAX_KNOWN 16
static char known[MAX_KNOWN][64];
static int nknown = -1;		/* -1: not loaded yet */
static unsigned long known_hits;

static void known_report(void)
{
	if (known_hits)
		fprintf(stderr, "fuzz: %lu input(s) hit a known finding (corpus/findings/) and were not crashes\n",
			known_hits);
}

static int known_read(const char *path, struct prog *p)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	size_t len = strlen(path);
	char err[160];

	if (f)
		fclose(f);
	if (!n)
		return -1;
	if (len > 4 && !strcmp(path + len - 4, ".txt")) {
		buf[n] = 0;
		return prog_parse(buf, p, err, sizeof(err));
	}
	prog_load(p, (const uint8_t *)buf, n);
	return 0;
}

static void known_load(enum op_target t, const struct alloc_target *alloc)
{
	const char *dir = getenv("KALLOC_FINDINGS");
	static struct prog p;
	struct dirent *e;
	DIR *d;

	nknown = 0;
	if (!alloc || (dir && !*dir) || !(d = opendir(dir ? dir : "corpus/findings")))
		return;
	while ((e = readdir(d)) && nknown < MAX_KNOWN) {
		struct run_opts o = { .target = t, .alloc = alloc };
		const char *stamped;
		struct violation v;
		char path[1024];

		snprintf(path, sizeof(path), "%s/%s", dir ? dir : "corpus/findings", e->d_name);
		if (e->d_name[0] == '.' || known_read(path, &p))
			continue;
		stamped = alloc_stamp_name(hdr_alloc_stamp(p.hdr));
		if (!stamped || strcmp(stamped, alloc->name) || !model_run(&p, &o, &v))
			continue;
		violation_key(&v, known[nknown], sizeof(known[0]));
		for (int i = 0; i < nknown; i++)
			if (!strcmp(known[i], known[nknown])) {
				nknown--;	/* the same bug kept twice */
				break;
			}
		nknown++;
	}
	closedir(d);
	atexit(known_report);
}

static int known_finding(enum op_target t, const struct alloc_target *alloc, const struct violation *v)
{
	char key[64];

	if (nknown < 0)
		known_load(t, alloc);
	violation_key(v, key, sizeof(key));
	for (int i = 0; i < nknown; i++)
		if (!strcmp(key, known[i])) {
			known_hits++;
			return 1;
		}
	return 0;
}

int harness_fuzz_one(enum op_target t, const struct alloc_target *alloc, const uint8_t *data, size_t size)
{
	static struct prog p;	/* 2 KiB: kept off libFuzzer's stack */
	struct run_opts o = { .target = t, .alloc = alloc };
	struct violation v;

	prog_load(&p, data, size);
	if (model_run(&p, &o, &v) && !known_finding(t, alloc, &v)) {
		violation_print(&v, stderr);
		fprintf(stderr, "program (%u ops, as fuzz_%s reads it on %s; replay: make replay CRASH=<file>%s%s%s):\n",
			p.n, target_name(t), alloc ? alloc->name : "kalloc", alloc ? " ALLOC=" : "",
			alloc ? alloc->name : "", alloc && !strcmp(alloc->name, "user") ? " ALLOC_SRC=..." : "");
		prog_retarget(&p, t);
		prog_canon(&p);
		prog_print(&p, stderr);
		fflush(stderr);
		__builtin_trap();
	}
	return 0;
}
