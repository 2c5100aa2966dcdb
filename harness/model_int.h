/* model_int.h - what the parts of the reference model share.  Not for users
 * of the model (they include model.h).
 *
 *   model.c          driver and slot interpreter (OPS.md section 2): boots
 *                    the target, reads each op, applies the slot rules and
 *                    dispatches; tracing and the run digest
 *   oracle.c         allocator-neutral oracle: the block table, contents
 *                    patterns, bounds/zone/alignment/overlap of every new
 *                    block, misuse as the target declares it, everything
 *                    returned at the end; the op handlers for any target
 *   kalloc_oracle.c  kalloc conformance: size classes, SLUB geometry and
 *                    slab counts (slub_model.c), stats, ctor, /proc text,
 *                    error sink, boot state after teardown; kalloc's own
 *                    handlers for ops 0..27
 *
 * A check that fails calls viol(), which longjmps back to model_run().
 */
#ifndef KALLOC_HARNESS_MODEL_INT_H
#define KALLOC_HARNESS_MODEL_INT_H

#include <setjmp.h>
#include <stdint.h>
#include "model.h"
#include "target.h"
#include "kalloc_oracle.h"

enum blk_kind { B_EMPTY, B_KMALLOC, B_ZERO, B_PAGE, B_ADDR, B_OBJ, B_HEAP };

/* One p-slot.  The kalloc-only fields (pg, large, kt, kcls) stay 0 for
 * other targets. */
struct blk {
	int kind;
	unsigned char *p;
	struct page *pg;	/* B_PAGE under kalloc: what alloc_pages returned */
	size_t req;		/* requested bytes (pages: the whole block) */
	size_t span;		/* bytes owned: class size, usable size, object size or block */
	unsigned int order;	/* page blocks and large kmallocs */
	int large;		/* kmalloc served by pages */
	int kt, kcls;		/* kmalloc type and class index */
	int cache;		/* B_OBJ: c-slot */
	uint32_t id;		/* pattern seed (never 0: 0 means "zeroes") */
	size_t pat;		/* length the pattern was written for, 0 if none */
	size_t pat_end;		/* check only below this (a realloc may shrink) */
	int ksized;		/* kalloc: ksize() was called: no kmalloc red zone any more */
};

/* One c-slot. */
struct mcache {
	void *s;		/* the target's handle (kalloc: struct kmem_cache *) */
	size_t size;
	unsigned int align;	/* promised alignment, computed by the model */
	unsigned int cflags;
	unsigned long live;
	unsigned long ctor_calls, num_objs;	/* kalloc: as of the last ctor_check() */
	const char *name;	/* as the program created it */
};

struct model {
	const struct alloc_target *t;
	void *a;		/* the target's instance */
	int kalloc;		/* the kalloc conformance oracle is on */
	const struct prog *prog;
	const struct run_opts *o;
	struct violation *v;
	jmp_buf fail;
	uintptr_t lo, hi;	/* t->bounds, or 0, 0 */
	long in_use0;		/* t->in_use after open, or -1 */
	int cur;		/* op index being checked */
	const uint8_t *rec;	/* its record (NULL at boot and teardown) */
	uint8_t eff[OPS_REC];	/* the record as the target reads it */
	char res[512];		/* its result, for the trace */
	int line_open;		/* the trace line of the current op awaits its result */
	unsigned int lacking;	/* TCAP_* groups already reported missing */
	unsigned int note;	/* ... of them, the one this op found: told after its line */
	int stop;		/* the oracle can follow the machine no further: end the program here */
	uint32_t next_id;

	struct blk b[NR_PSLOTS];
	struct mcache c[NR_CSLOTS];

	struct kal k;		/* kalloc oracle state (kalloc_oracle.h) */
};

/* ---- oracle.c: reporting ------------------------------------------------ */
void viol(struct model *md, const char *what, const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
void result_text(struct model *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An op's result for the trace and the digest.  A macro, so that when
 * neither is wanted its arguments (where(), cache names: snprintf'd
 * strings) are not even computed: that was a few percent of a fuzz run. */
#define result(md, ...) do {							\
	if ((md)->o->trace || (md)->o->digest)					\
		result_text((md), __VA_ARGS__);					\
} while (0)
/* Where a pointer is, stable from run to run where the target allows it. */
const char *where(struct model *md, const void *p, char *buf, size_t len);

/* ---- oracle.c: contents ------------------------------------------------- */
#define CTOR_BYTE	0xc7	/* what the harness's constructor writes at offset 0 */
/* Fill (@fill) or find the first byte that differs from the pattern @id
 * (0: zeroes) over the pieces of a @len-byte block below @end; -1 if none. */
size_t pieces_do(unsigned char *p, size_t len, size_t end, uint32_t id, int fill);
void pat_check(struct model *md, int slot, int full);
void pat_check_all(struct model *md, int full);
void zero_check(struct model *md, unsigned char *p, size_t len);
void pat_write(struct model *md, int slot);

/* ---- oracle.c: blocks --------------------------------------------------- */
int is_pow2(size_t x);
/* The alignment any object cache promises: SLUB's calculate_alignment()
 * (slubm_align) of its arguments. */
unsigned int cache_align(size_t size, unsigned int align, unsigned int cflags);
/* A block just handed out: inside the target's memory, in the DMA zone when
 * @dma_only, aligned to @align, on no other live block (slot @slot is the
 * one it goes to and is skipped). */
void new_block_check(struct model *md, int slot, const struct blk *nb, int dma_only, size_t align);
/* Forget slot @slot's block (the neutral part; kalloc counts its own). */
void blk_clear(struct blk *b);

/* ---- oracle.c: neutral op handlers (any target) ------------------------- */
int nt_op(struct model *md, const uint8_t *r, unsigned int op);
void nt_teardown(struct model *md);

/* ---- kalloc_oracle.c ---------------------------------------------------- */
int kor_boot(struct model *md);		/* 0, or viol */
int kor_op(struct model *md, const uint8_t *r, unsigned int op);
void kor_before_op(struct model *md);
void kor_after_op(struct model *md, const uint8_t *r);
void kor_sweep(struct model *md, int with_machine_check);
void kor_teardown(struct model *md);
const char *kor_where(struct model *md, const void *p, char *buf, size_t len);
void kor_exit(struct model *md);		/* after the run, violation or not */

#endif
