/* floor_kalloc.c - the floor-kalloc-<target> floors of `make fuzz-speed`:
 * kalloc alone, with no oracle, for the records of one fuzz target.
 *
 * Built once per kalloc fuzz target (-DFLOOR_TARGET=TARGET_BUDDY, _SLAB,
 * _KMALLOC, _VMALLOC, _MIXED).  The target's inputs, decoded by the same op
 * language (harness/ops.c: header, op set, sizes, GFP bits, cache flags),
 * drive kalloc's own calls under OPS.md's slot rules: a machine booted in an
 * arena from the header; pages, caches, kmalloc, vmalloc and the process's
 * brk, mmap and accesses; the wrong frees, each as the call the oracle makes
 * (double, wrong order, interior, wrong cache, wrong owner, foreign); fault
 * injection, set_cpu, drain, validate and the /proc files; every block
 * freed, every cache destroyed, the process ended and the machine destroyed
 * at the end.  Nothing is checked and no pattern is written: the ops that
 * exist only for the oracle (write and verify a pattern, check(), scribble)
 * are skipped, and write_after_free is its free alone.
 *
 * So each floor is the cost of the allocator under test for its target's
 * records - what the fuzz target would cost with an oracle that cost
 * nothing.  No oracle can make the target faster than its floor.  Where the
 * two part, the floor is the cheaper: without the scribbles kalloc reports
 * no damage, and the few ops the model skips on a scribbled block (OPS.md
 * 2.4) run here.
 */
#include <stdint.h>
#include <string.h>
#include "ops.h"
#include "kalloc.h"
#include "kalloc_oracle.h"	/* kalloc_slab_flags: the op language's cache flags */
#include "target.h"		/* MM_DATA_LIMIT_PAGES */

#ifndef FLOOR_TARGET
#define FLOOR_TARGET TARGET_KMALLOC
#endif

#define PSLOTS	OPF_P_MOD
#define CSLOTS	OPF_C_MOD

enum kind { F_EMPTY, F_KMALLOC, F_ZERO, F_PAGE, F_ADDR, F_OBJ, F_AREA, F_MAP };

struct fslot {
	unsigned char *p;
	struct page *pg;	/* F_PAGE */
	size_t req;		/* the request: the interior free's span */
	unsigned char kind, order, cache, kv;	/* kv: kvmalloc's, freed by kvfree */
};

struct floor {
	struct machine *m;
	unsigned char *end;	/* memory's end: the foreign address */
	struct fslot s[PSLOTS];
	struct kmem_cache *c[CSLOTS];
	struct mm_struct *mm;	/* made at the first process op */
	unsigned long start_brk, brk;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kalloc_arena *arena(void)
{
	static struct kalloc_arena *a;

	if (!a)
		a = kalloc_arena_create(8192);
	return a;
}

/* The harness's constructor does one store per object too. */
static void floor_ctor(void *obj)
{
	*(volatile unsigned char *)obj = 0xc7;
}

/* The order of a large kmalloc's pages, worked out here as the model works
 * it out: the library's get_order() would be a call the target does not
 * make (make floor-calls counts them). */
static unsigned int order_of(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Bytes @n rounded up to whole pages. */
static size_t pages_up(size_t n)
{
	return (n + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
}

static void took(struct fslot *s, void *p, enum kind kind, size_t req)
{
	if (!p)
		return;
	s->p = p;
	s->req = req;
	s->kind = (unsigned char)(p == ZERO_SIZE_PTR ? F_ZERO : kind);
}

/* Free slot @s's block by its own layer's call (kvfree for kvmalloc's,
 * either kind); the slot itself is left as it was (slot_drop clears it). */
static void slot_free(struct floor *f, const struct fslot *s)
{
	if (s->kv) {
		kvfree(f->m, s->p);
		return;
	}
	switch (s->kind) {
	case F_KMALLOC: case F_ZERO:
		kfree(f->m, s->p);
		break;
	case F_PAGE:
		__free_pages(f->m, s->pg, s->order);
		break;
	case F_ADDR:
		free_pages(f->m, (unsigned long)s->p, s->order);
		break;
	case F_OBJ:
		kmem_cache_free(f->c[s->cache], s->p);
		break;
	case F_AREA:
		vfree(f->m, s->p);
		break;
	case F_MAP:
		mm_munmap(f->mm, (unsigned long)s->p, s->req);
		break;
	}
}

static void slot_drop(struct floor *f, struct fslot *s)
{
	slot_free(f, s);
	memset(s, 0, sizeof(*s));
}

/* The process, made at its first op (as the adapter makes it): 0 when
 * there are no frames for it, and the op is then a no-op. */
static int process(struct floor *f)
{
	if (!f->mm) {
		struct mm_config cfg = { .span = MM_SPAN_MIN, .commit_pages = MM_DATA_LIMIT_PAGES };

		f->mm = mm_create(f->m, &cfg);
		if (f->mm)
			f->start_brk = f->brk = mm_start_brk(f->mm);
	}
	return f->mm != NULL;
}

static void wrong_free(struct floor *f, const uint8_t *r, unsigned int op)
{
	struct fslot *s = &f->s[rec_p(r)], was = *s;

	switch (op) {
	case OP_DOUBLE_FREE:
		if (s->kind == F_EMPTY || s->kind == F_ZERO)
			break;
		slot_drop(f, s);
		slot_free(f, &was);
		break;
	case OP_WRONG_ORDER:
		if (s->kind == F_PAGE)
			__free_pages(f->m, s->pg, (s->order + rec_delta(r)) % 11);
		else if (s->kind == F_ADDR)
			free_pages(f->m, (unsigned long)s->p, (s->order + rec_delta(r)) % 11);
		break;
	case OP_INTERIOR: {
		size_t span = s->kind == F_PAGE || s->kind == F_ADDR ? PAGE_SIZE << s->order : s->req;
		unsigned int raw = rec_u16(r);
		unsigned char *q;

		if (s->kind == F_EMPTY || s->kind == F_ZERO || s->kind == F_MAP || span < 2)
			break;
		q = s->p + ((raw >= 1 && raw < span) ? raw : 1 + raw % (span - 1));
		if (s->kind == F_KMALLOC)
			kfree(f->m, q);
		else if (s->kind == F_OBJ)
			kmem_cache_free(f->c[s->cache], q);
		else if (s->kind == F_AREA)
			vfree(f->m, q);
		else
			free_pages(f->m, (unsigned long)q, s->order);
		break;
	}
	case OP_WRONG_CACHE: {
		struct kmem_cache *c = f->c[rec_c6(r)];

		if (c && ((s->kind == F_OBJ && f->c[s->cache] != c) ||
			  (s->kind == F_KMALLOC && s->req <= kmalloc_max_cache_size(f->m))))
			kmem_cache_free(c, s->p);
		break;
	}
	case OP_WRONG_OWNER:
		if (s->kind == F_PAGE || s->kind == F_ADDR)
			kfree(f->m, s->p);
		else if (s->kind == F_KMALLOC && s->req > kmalloc_max_cache_size(f->m))
			free_pages(f->m, (unsigned long)s->p, order_of(s->req));
		break;
	case OP_FOREIGN:
		switch (rec_foreign(r)) {
		case FOREIGN_KFREE: kfree(f->m, f->end); break;
		case FOREIGN_FREE_PAGES: free_pages(f->m, (unsigned long)f->end, 0); break;
		case FOREIGN_CACHE_FREE:
			if (f->c[rec_c6(r)])
				kmem_cache_free(f->c[rec_c6(r)], f->end);
			break;
		case FOREIGN_VFREE: vfree(f->m, f->end); break;
		default: break;	/* free(): kalloc has no malloc family */
		}
		break;
	}
}

static void run(struct floor *f, const uint8_t *r, unsigned int op)
{
	static char text[1 << 16];
	static unsigned char buf[1 << 16];
	struct fslot *s = &f->s[rec_p(r)];
	unsigned int gbits = rec_gfpbits(r);
	gfp_t gfp = gfp_of_bits(gbits);
	size_t size = rec_size(r);
	unsigned long addr;

	if (op >= OP_BRK && op <= OP_RSS && !process(f))
		return;
	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC:
		if (s->kind == F_EMPTY)
			took(s, op == OP_KMALLOC ? kmalloc(f->m, size, gfp) : kzalloc(f->m, size, gfp), F_KMALLOC, size);
		break;
	case OP_KMALLOC_ARRAY:
		if (s->kind == F_EMPTY)
			took(s, kmalloc_array(f->m, rec_count(r), size, gfp), F_KMALLOC, rec_count(r) * size);
		break;
	case OP_KREALLOC:
		if (s->kind == F_KMALLOC || s->kind == F_ZERO) {
			void *q = krealloc(f->m, s->p, size, gfp);

			if (q) {
				took(s, q, F_KMALLOC, size);
				s->kv = 0;
			}
		}
		break;
	case OP_KSIZE:
		if (s->kind == F_KMALLOC || s->kind == F_ZERO)
			(void)ksize(f->m, s->p);
		break;
	case OP_KFREE:
		if (s->kind == F_KMALLOC || s->kind == F_ZERO) {
			slot_drop(f, s);
		}
		break;
	case OP_ALLOC_PAGES:
		if (s->kind == F_EMPTY && (s->pg = alloc_pages(f->m, gfp, rec_order(r)))) {
			took(s, page_address(f->m, s->pg), F_PAGE, PAGE_SIZE << rec_order(r));
			s->order = (unsigned char)rec_order(r);
		}
		break;
	case OP_GET_FREE_PAGES:
		if (s->kind == F_EMPTY) {
			took(s, (void *)__get_free_pages(f->m, gfp, rec_order(r)), F_ADDR, PAGE_SIZE << rec_order(r));
			s->order = (unsigned char)rec_order(r);
		}
		break;
	case OP_FREE_PAGES: case OP_CACHE_FREE: case OP_VFREE:
		if (s->kind == (op == OP_FREE_PAGES ? F_PAGE : op == OP_CACHE_FREE ? F_OBJ : F_AREA) ||
		    (op == OP_FREE_PAGES && s->kind == F_ADDR)) {
			if (op == OP_VFREE)
				s->kv = 0;	/* vfree takes a kvmalloc area too */
			slot_drop(f, s);
		}
		break;
	case OP_CACHE_CREATE: {
		unsigned int c = rec_c(r), cf = rec_cflags(r);

		if (!f->c[c])
			f->c[c] = kmem_cache_create(f->m, rec_name(r), size > UINT32_MAX ? UINT32_MAX : (unsigned int)size,
						    rec_align(r), kalloc_slab_flags(cf), (cf & CFLAG_CTOR) ? floor_ctor : NULL);
		break;
	}
	case OP_CACHE_ALLOC:
		if (s->kind == F_EMPTY && f->c[rec_c6(r)]) {
			took(s, kmem_cache_alloc(f->c[rec_c6(r)], gfp), F_OBJ, kmem_cache_size(f->c[rec_c6(r)]));
			s->cache = (unsigned char)rec_c6(r);
		}
		break;
	case OP_CACHE_SHRINK:
		if (f->c[rec_c(r)])
			(void)kmem_cache_shrink(f->c[rec_c(r)]);
		break;
	case OP_CACHE_DESTROY:
		if (f->c[rec_c(r)] && !kmem_cache_destroy(f->c[rec_c(r)]))
			f->c[rec_c(r)] = NULL;
		break;
	case OP_WRITE_AFTER_FREE:	/* its free; the byte written after it is the oracle's */
		if (s->kind == F_OBJ || (s->kind == F_KMALLOC && s->req <= kmalloc_max_cache_size(f->m))) {
			slot_drop(f, s);
		}
		break;
	case OP_VALIDATE:
		if (f->c[rec_c(r)])
			(void)kmem_cache_validate(f->c[rec_c(r)]);
		break;
	case OP_FAIL:
		buddy_inject_failures(f->m, r[2], r[3]);
		break;
	case OP_SET_CPU:
		machine_set_cpu(f->m, rec_cpu(r));
		break;
	case OP_DRAIN:
		drain_all_pages(f->m);
		break;
	case OP_SLABINFO:
		proc_slabinfo(f->m, text, sizeof(text));
		break;
	case OP_BUDDYINFO:
		proc_buddyinfo(f->m, text, sizeof(text));
		break;
	case OP_DOUBLE_FREE: case OP_WRONG_ORDER: case OP_INTERIOR: case OP_WRONG_CACHE:
	case OP_WRONG_OWNER: case OP_FOREIGN:
		wrong_free(f, r, op);
		break;
	case OP_VMALLOC: case OP_VZALLOC:
		if (s->kind == F_EMPTY)
			took(s, op == OP_VMALLOC ? vmalloc(f->m, size) : vzalloc(f->m, size), F_AREA, size);
		break;
	case OP_KVMALLOC:
		if (s->kind == F_EMPTY && size && !(gbits & GFPB_DMA)) {
			void *p = kvmalloc(f->m, size, gfp);

			took(s, p, p && is_vmalloc_addr(f->m, p) ? F_AREA : F_KMALLOC, size);
			s->kv = !!p;
		}
		break;
	case OP_KVFREE:
		if (s->kind == F_AREA || (s->kind == F_KMALLOC && s->kv)) {
			s->kv = 1;
			slot_drop(f, s);
		}
		break;
	case OP_VMALLOCINFO:
		proc_vmallocinfo(f->m, text, sizeof(text));
		break;
	case OP_TOUCH_GUARD:
		if (s->kind == F_AREA)
			(void)vmalloc_touch(f->m, s->p + pages_up(s->req), 0);
		break;
	case OP_BRK: {
		unsigned long want = f->brk + (unsigned long)((long)rec_pdelta(r) * (long)PAGE_SIZE);

		if (!mm_brk(f->mm, want))
			f->brk = want;
		break;
	}
	case OP_MMAP:
		if (s->kind == F_EMPTY && !mm_mmap(f->mm, size, &addr))
			took(s, (void *)addr, F_MAP, pages_up(size));
		break;
	case OP_MUNMAP:
		if (s->kind == F_MAP) {
			slot_drop(f, s);
		}
		break;
	case OP_MM_WRITE: case OP_MM_READ:
		/* A mapping + OFF, or the brk area's start + OFF for an empty slot. */
		if (s->kind == F_MAP || s->kind == F_EMPTY) {
			addr = (s->kind == F_MAP ? (unsigned long)s->p : f->start_brk) + rec_u16(r);
			if (op == OP_MM_WRITE)
				(void)mm_write(f->mm, addr, buf, rec_mlen(r));
			else
				(void)mm_read(f->mm, addr, buf, rec_mlen(r));
		}
		break;
	case OP_RSS: {
		struct mm_stats st;

		mm_stats(f->mm, &st);
		break;
	}
	default:	/* the oracle's own ops; reserved ops */
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prog prog;
	static struct floor f;
	struct machine_config cfg;

	prog_load(&prog, data, size);
	hdr_config(prog.hdr, &cfg);
	cfg.quiet = 1;
	memset(&f, 0, sizeof(f));
	f.m = machine_create_in(arena(), &cfg);
	if (!f.m)
		return 0;
	f.end = (unsigned char *)machine_base(f.m) + (cfg.nr_pages << PAGE_SHIFT);
	for (unsigned int i = 0; i < prog.n; i++)
		run(&f, prog.rec[i], target_op(FLOOR_TARGET, rec_op(prog.rec[i])));
	/* The model's order: the process and the areas, then the rest. */
	for (unsigned int i = 0; i < PSLOTS; i++)
		if (f.s[i].kind == F_AREA || f.s[i].kind == F_MAP)
			slot_free(&f, &f.s[i]);
	if (f.mm) {
		mm_brk(f.mm, f.start_brk);
		mm_destroy(f.mm);
	}
	for (unsigned int i = 0; i < PSLOTS; i++)
		if (f.s[i].kind != F_AREA && f.s[i].kind != F_MAP && f.s[i].kind != F_EMPTY)
			slot_free(&f, &f.s[i]);
	for (unsigned int c = 0; c < CSLOTS; c++)
		if (f.c[c])
			kmem_cache_destroy(f.c[c]);
	machine_destroy(f.m);
	return 0;
}
