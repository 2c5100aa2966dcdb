/* model.c - the reference model's driver and slot interpreter: the model
 * behind every fuzz target, `kfz run` and the property tests' replays.
 *
 * model_run() opens the allocator target a run names (kalloc unless told),
 * reads each op as the fuzz target reads it, applies the slot rules of
 * OPS.md section 2 (an op on an empty slot or a slot of the wrong kind, an
 * allocation into an occupied slot: no-ops), skips the ops of interfaces the
 * target lacks (saying so once in the trace), and hands the op to its
 * oracle: kalloc_oracle.c for kalloc's own ops when the target is kalloc,
 * oracle.c otherwise.  After each op it checks the pattern of the op's slot
 * (and kalloc's counters); K ops after the last full sweep (a check() op is
 * one) and at the end everything.
 *
 * Violations unwind with longjmp to model_run(), which closes the target
 * and returns the report: the caller decides to trap (fuzzers) or print.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "model_int.h"

void violation_print(const struct violation *v, FILE *out)
{
	fprintf(out, "KALLOC VIOLATION at op %d `%s`: %s\n  expected: %s\n  found:    %s\n",
		v->op, v->op_text, v->what, v->expected, v->found);
}

void violation_key(const struct violation *v, char *buf, size_t len)
{
	size_t n = strcspn(v->op_text, "(");
	const char *eq = memchr(v->op_text, '=', n);
	const char *name = eq ? eq + 2 : v->op_text;

	snprintf(buf, len, "%s/%.*s", v->what, (int)(v->op_text + n - name), name);
}

/* ---- the slot rules (OPS.md section 2) ------------------------------------ */

/* The interface an op belongs to: the capability a target needs for it (0:
 * any target; TCAP_KALLOC: kalloc's machine controls and /proc files). */
static unsigned int op_needs(unsigned int op)
{
	switch (op) {
	case OP_KMALLOC: case OP_KFREE: case OP_KZALLOC: case OP_KREALLOC: case OP_KSIZE:
	case OP_KMALLOC_ARRAY:
		return TCAP_KMALLOC;
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES: case OP_FREE_PAGES:
		return TCAP_PAGES;
	case OP_CACHE_CREATE: case OP_CACHE_ALLOC: case OP_CACHE_FREE: case OP_CACHE_SHRINK:
	case OP_CACHE_DESTROY:
		return TCAP_CACHES;
	case OP_FAIL: case OP_SET_CPU: case OP_DRAIN: case OP_SLABINFO: case OP_BUDDYINFO:
	case OP_SCRIBBLE: case OP_WRITE_AFTER_FREE: case OP_VALIDATE:
		return TCAP_KALLOC;
	case OP_MALLOC: case OP_CALLOC: case OP_REALLOC: case OP_FREE: case OP_USABLE_SIZE:
		return TCAP_MALLOC;
	case OP_ALIGNED_ALLOC:
		return TCAP_MALLOC | TCAP_ALIGNED_ALLOC;
	case OP_VMALLOC: case OP_VZALLOC: case OP_VFREE: case OP_KVMALLOC: case OP_KVFREE:
	case OP_VMALLOCINFO: case OP_TOUCH_GUARD:
		return TCAP_VMALLOC;
	case OP_BRK: case OP_MMAP: case OP_MUNMAP: case OP_MM_WRITE: case OP_MM_READ: case OP_RSS:
		return TCAP_MM;
	}
	return 0;
}

static const char *cap_name(unsigned int caps)
{
	if (caps & TCAP_ALIGNED_ALLOC)
		return "aligned_alloc";
	switch (caps) {
	case TCAP_KMALLOC: return "kmalloc";
	case TCAP_PAGES: return "page-block";
	case TCAP_CACHES: return "object-cache";
	case TCAP_MALLOC: return "malloc-family";
	case TCAP_VMALLOC: return "vmalloc";
	case TCAP_MM: return "process";
	default: return "kalloc machine-control";
	}
}

/* Does the op apply to its slots?  The kind rules common to every target;
 * the wrong frees and the machine ops decide in their handlers. */
static int op_applies(const struct model *md, const uint8_t *r, unsigned int op)
{
	const struct blk *b = &md->b[rec_p(r)];

	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC: case OP_KMALLOC_ARRAY: case OP_ALLOC_PAGES:
	case OP_GET_FREE_PAGES: case OP_MALLOC: case OP_CALLOC: case OP_ALIGNED_ALLOC:
		return b->kind == B_EMPTY;
	case OP_CACHE_ALLOC:
		return b->kind == B_EMPTY && md->c[rec_c6(r)].s;
	case OP_KREALLOC: case OP_KFREE: case OP_KSIZE:
		return b->kind == B_KMALLOC || b->kind == B_ZERO;
	case OP_FREE_PAGES:
		return b->kind == B_PAGE || b->kind == B_ADDR;
	case OP_CACHE_FREE:
		return b->kind == B_OBJ;
	case OP_CACHE_CREATE:
		return !md->c[rec_c(r)].s;
	case OP_CACHE_SHRINK: case OP_CACHE_DESTROY: case OP_VALIDATE:
		return md->c[rec_c(r)].s != NULL;
	case OP_REALLOC: case OP_FREE: case OP_USABLE_SIZE:
		return b->kind == B_HEAP;
	case OP_WRITE:	/* a mapping is reached through write(pP, OFF, LEN) only */
		return b->kind != B_EMPTY && b->kind != B_ZERO && b->kind != B_MAP &&
		       (b->kind == B_HEAP ? b->span : b->req);
	case OP_VERIFY:
		return b->pat != 0;
	}
	return 1;
}

/* Runs the op; returns 0 when it was a no-op for this target. */
static int run_op(struct model *md, const uint8_t *r, unsigned int op)
{
	unsigned int need = op_needs(op);
	int slot = (int)rec_p(r);

	if (need && (md->t->caps & need) != need) {
		if (!(md->lacking & need)) {	/* said once, after the op's line */
			md->lacking |= need;
			md->note = need;
		}
		result(md, "no-op (no %s interface)", cap_name(need));
		return 1;
	}
	if (!op_applies(md, r, op))
		return 0;
	md->called = 1;
	switch (op) {
	case OP_WRITE:
		pat_write(md, slot);
		result(md, "%zu bytes", md->b[slot].pat);
		return 1;
	case OP_VERIFY:
		pat_check(md, slot, 1);
		result(md, "%zu bytes intact", md->b[slot].pat_end);
		return 1;
	case OP_CHECK:
		vm_sweep(md);
		if (!md->kalloc) {
			pat_check_all(md, 1);
			nt_self_check(md);
			rss_check(md, 1);
			result(md, "healthy");
			return 1;
		}
		break;
	}
	/* The heap exists from the first allocation on and owns the break
	 * (TCAP_HEAP_BRK, vm_oracle.c heap_owns_brk). */
	if ((op == OP_MALLOC || op == OP_CALLOC || op == OP_ALIGNED_ALLOC) && (md->t->caps & TCAP_HEAP_BRK))
		md->vm.heap_live = 1;
	if (vm_owns(md, r, op))
		return vm_op(md, r, op);
	if (md->kalloc && op < NR_DEFINED_OPS)
		return kor_op(md, r, op);
	return nt_op(md, r, op);
}

/* ---- boot and teardown ------------------------------------------------------ */
static void boot(struct model *md)
{
	char err[200] = "";

	md->a = md->t->open(md->prog->hdr, err, sizeof(err));
	if (!md->a)
		viol(md, "boot", "the allocator to open", "%s: %s", md->t->name, err);
	if (md->t->bounds)
		md->t->bounds(md->a, &md->lo, &md->hi);
	md->in_use0 = md->t->in_use ? md->t->in_use(md->a) : -1;
	rss_open(md);
	if (md->kalloc)
		kor_boot(md);
	vm_boot(md);
}

static void teardown(struct model *md)
{
	md->rec = NULL;
	md->cur = (int)md->prog->n;
	vm_teardown(md);
	if (md->kalloc)
		kor_teardown(md);
	else
		nt_teardown(md);
}

/* The fragmentation table of kfz run --plot (run_opts.frag): the library's
 * own unusable_free_index per zone and order, after op @i. */
static void frag_row(struct model *md, int i)
{
	const struct machine *m;

	if (!md->o->frag || !md->kalloc)
		return;
	m = kalloc_target_machine(md->a);
	for (int zone = ZONE_DMA; zone <= ZONE_NORMAL; zone++) {
		struct zone_stats z;

		if (buddy_zone_stats(m, (enum zone_type)zone, &z))
			continue;
		fprintf(md->o->frag, "%d,%s", i, z.name);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++)
			fprintf(md->o->frag, ",%d", unusable_free_index(&z, order));
		fputc('\n', md->o->frag);
	}
}

/* One model at a time (no run starts inside another): its 64 KiB live in
 * static storage rather than a calloc per input, and only the part before
 * the report buffers is cleared (a host calloc and memset of all of it was
 * a per-input cost that ASan's allocator makes dearer still). */
static struct model model_storage;

int model_run(const struct prog *p, const struct run_opts *o, struct violation *v)
{
	struct model *md = &model_storage;
	unsigned int every = o->check_every ? o->check_every : MODEL_CHECK_EVERY;
	volatile int rc = 0;	/* set after longjmp */

	memset(md, 0, offsetof(struct model, kr));
	md->t = o->alloc ? o->alloc : &alloc_target_kalloc;
	md->kalloc = !!(md->t->caps & TCAP_KALLOC);
	md->prog = p;
	md->o = o;
	if (o->digest)
		*o->digest = 0xcbf29ce484222325ULL;
	md->v = v;
	md->cur = -1;
	if (setjmp(md->fail)) {
		rc = 1;
		goto out;
	}
	boot(md);
	frag_row(md, -1);
	for (unsigned int i = 0; i < p->n; i++) {
		unsigned int op = target_op(o->target, rec_op(p->rec[i]));
		const uint8_t *eff = md->eff;
		int skipped;

		memcpy(md->eff, p->rec[i], OPS_REC);
		md->eff[0] = (uint8_t)op;
		md->cur = (int)i;
		md->rec = eff;
		md->res[0] = 0;
		if (md->kalloc)
			kor_before_op(md);
		if (o->trace) {
			/* The op goes out before it runs, so that a sanitizer report
			 * that ends the process follows the op that caused it. */
			char line[256];

			op_format(eff, line, sizeof(line));
			if (op == OP_SLABINFO || op == OP_BUDDYINFO || op == OP_VMALLOCINFO) {
				fprintf(o->trace, "%4u  %s\n", i, line);
			} else {
				fprintf(o->trace, "%4u  %-48s -> ", i, line);
				md->line_open = 1;
			}
			fflush(o->trace);
		}
		/* An op the slot rules skip (or a target lacks) called nothing:
		 * nothing to check after it (the sweeps below still count it). */
		md->called = 0;
		if (!run_op(md, eff, op))
			result(md, "skipped (slot rules)");
		skipped = !md->called;
		if (md->kalloc && !skipped)
			kor_after_op(md, eff);
		if (md->stop) {		/* the oracle can follow the machine no further */
			if (md->line_open)
				fprintf(o->trace, "%s\n      # the program ends here (OPS.md 2.4)\n", md->res);
			md->line_open = 0;
			break;
		}
		if (!skipped)	/* an op that called nothing changed nothing */
			vm_after_op(md);
		/* Per op only the op's own slot (head and tail); every block's
		 * every byte at the sweep below and at the end.  A write(),
		 * realloc, free or scribble checks the whole old pattern before
		 * it replaces it, so no corruption is written over unseen. */
		if (!skipped)
			pat_check(md, (int)rec_p(eff), 0);
		rss_check(md, 0);
		if (o->digest)	/* FNV-1a over the op's result text */
			for (const char *c = md->res; *c; c++)
				*o->digest = (*o->digest ^ (unsigned char)*c) * 0x100000001b3ULL;
		/* Everything is checked at most K ops after it changed: K ops
		 * after the last full sweep, a check() op being one (the end's
		 * teardown is the last). */
		md->since_sweep = op == OP_CHECK ? 0 : md->since_sweep + 1;
		if (md->since_sweep >= every && i + 1 < p->n) {	/* the teardown follows */
			md->since_sweep = 0;
			if (md->kalloc) {
				kor_sweep(md, KOR_SWEEP_PERIODIC);
			} else {
				pat_check_all(md, 1);
				nt_self_check(md);
				rss_check(md, 1);
			}
			vm_sweep(md);
		}
		if (md->line_open) {
			fprintf(o->trace, "%s\n", md->res);
			md->line_open = 0;
		}
		frag_row(md, (int)i);
		if (md->note && o->trace)
			fprintf(o->trace, "      # %s has no %s interface: those ops are no-ops in this run\n",
				md->t->name, cap_name(md->note));
		md->note = 0;
	}
	if (!md->stop)
		teardown(md);
out:
	if (rc && md->line_open)
		fprintf(o->trace, "%s\n", md->res[0] ? md->res : "...");
	if (md->kalloc)
		kor_exit(md);
	rss_close(md);
	vm_exit(md);
	if (md->a)
		md->t->close(md->a);
	md->a = NULL;
	return rc;
}
