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
 *   vm_oracle.c      vmalloc areas and the process (ops 32..44, and the
 *                    wrong frees on areas and mappings): the model's own
 *                    record of areas, mappings, the break and every page
 *                    written, checked after every op (overlap, guard pages,
 *                    aliasing, contents, RSS, frames, exact codes)
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

/* ---- vm_oracle.c's state --------------------------------------------------
 * Written pages of the process, each with the model's copy of its bytes: a
 * page the program has written is resident and holds exactly these bytes;
 * any other page of a mapping reads as zeroes and holds no frame. */
#define VM_HASH		256
struct vpage {
	uintptr_t addr;		/* page-aligned process address */
	struct vpage *next;	/* hash chain */
	unsigned char data[4096];
};

struct vmm {
	unsigned int caps;	/* the target's TCAP_VMALLOC | TCAP_MM */
	int started;		/* the process exists (its first op ran) */
	int heap_live;		/* TCAP_HEAP_BRK: a malloc-family allocation ran, the heap owns the break */
	uintptr_t start_brk, brk;	/* the model's break: [start_brk, brk) */
	unsigned long written;	/* pages in the hash: the model's RSS */
	unsigned long area_pages;	/* pages of live vmalloc areas */
	unsigned long areas;		/* live vmalloc areas */
	struct vpage *bucket[VM_HASH];
	unsigned long *pfns[NR_PSLOTS];	/* per p-slot holding an area: its frames */
	uint32_t wseq;		/* write counter: each write's bytes differ */
	int fault;		/* kalloc: the code of a fault (found by name), or 0 */
	int not_mapped;		/* kalloc: the code of a munmap of nothing */
	unsigned long snap[NR_PAGE_OWNERS];	/* kalloc: pages per owner before a call to be refused */
};

enum blk_kind { B_EMPTY, B_KMALLOC, B_ZERO, B_PAGE, B_ADDR, B_OBJ, B_HEAP,
		B_VMALLOC,	/* a vmalloc area (vmalloc, vzalloc, or kvmalloc's vmalloc path) */
		B_MAP };	/* a process mapping (mmap): reached through mm_write/mm_read only */

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
	int kv;			/* came from kvmalloc: kvfree applies */
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
	unsigned long seq;	/* kalloc: creation order (/proc/slabinfo lists the newest first) */
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
	unsigned int since_sweep;	/* ops since the last full sweep (a check() is one) */
	int called;		/* the current op passed the slot rules: its handler ran */

	struct blk b[NR_PSLOTS];
	struct mcache c[NR_CSLOTS];

	struct kal k;		/* kalloc oracle state (kalloc_oracle.h) */
	struct rss_state *rss;	/* TCAP_PROCESS: oracle_rss.c's page sets, else NULL */
	struct vmm vm;		/* vmalloc areas and the process (vm_oracle.c) */

	/* Last, and not cleared for each run (model_run clears everything
	 * above): valid only below k.nexp and k.nobs. */
	struct kal_reports kr;
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
size_t pieces_do(struct model *md, unsigned char *p, size_t len, size_t end, uint32_t id, int fill);
/* The byte ranges [from, to) pieces_do covers, each passed to @fn. */
void pieces_walk(size_t len, size_t end, void (*fn)(void *ctx, size_t from, size_t to), void *ctx);
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
/* The target's self_check (target.h), a violation when it fails. */
void nt_self_check(struct model *md);

/* ---- oracle_rss.c: a simulated process's RSS (TCAP_PROCESS) -------------- */
void rss_open(struct model *md);
void rss_close(struct model *md);
/* The oracle wrote [p, p + n) through the target's hook. */
void rss_note_write(struct model *md, const unsigned char *p, size_t n);
/* A block was handed out (@how: OP_MALLOC, OP_CALLOC, OP_ALIGNED_ALLOC with
 * @align, OP_REALLOC with @copied bytes of the old block moved into it). */
void rss_note_block(struct model *md, const struct blk *b, unsigned int how, size_t align, size_t copied);
/* RSS within the model's bounds and no frame mapped at two pages; @full:
 * every live page (else only when that is cheap). */
void rss_check(struct model *md, int full);
/* The one RSS rule for a process: vm.written + @live <= RSS <= vm.written +
 * the heap's possible pages (exact without a heap block); @live the pages
 * of live heap blocks known resident (0: not counted).  rss_rule_check
 * reports a violation of it. */
void rss_bounds(const struct model *md, unsigned long live, unsigned long *lo, unsigned long *hi);
void rss_rule_check(struct model *md, long rss, unsigned long live);
/* vm_oracle.c: the program's own data pages (its brk area and mappings). */
unsigned long vm_data_pages(const struct model *md);

/* ---- vm_oracle.c ----------------------------------------------------------- */
/* Does vm_op() own this op on this record (vm ops; wrong frees of areas and
 * mappings; free_foreign of vfree and free)? */
int vm_owns(const struct model *md, const uint8_t *r, unsigned int op);
int vm_op(struct model *md, const uint8_t *r, unsigned int op);
void vm_boot(struct model *md);
void vm_after_op(struct model *md);		/* cheap: counters (RSS, pages per owner) */
void vm_sweep(struct model *md);		/* everything: contents, frames, guards */
void vm_teardown(struct model *md);		/* frees every area and mapping, ends the process */
void vm_exit(struct model *md);			/* host memory back, however the run ended */
/* For the kalloc oracle: the frames of live areas and written pages, to
 * find a frame held twice; 1 if @pfn is one of them. */
int vm_holds_pfn(const struct model *md, unsigned long pfn);
/* Plain pages (PAGE_OWNER_PAGES) the process holds: its zero page. */
unsigned long vm_plain_pages(const struct model *md);

/* ---- kalloc_oracle.c ---------------------------------------------------- */
int kor_boot(struct model *md);		/* 0, or viol */
int kor_op(struct model *md, const uint8_t *r, unsigned int op);
void kor_before_op(struct model *md);
void kor_after_op(struct model *md, const uint8_t *r);
enum { KOR_SWEEP_PERIODIC, KOR_SWEEP_END };
void kor_sweep(struct model *md, int when);	/* KOR_SWEEP_* */
void kor_teardown(struct model *md);
const char *kor_where(struct model *md, const void *p, char *buf, size_t len);
void kor_exit(struct model *md);		/* after the run, violation or not */
/* kvmalloc as the kalloc oracle checks it: an area for vm_oracle.c, or NULL
 * when the op is done (a kmalloc block stored, or a NULL result said). */
void *kor_kvmalloc(struct model *md, const uint8_t *r);
/* Free slot @slot's block through its own layer, counted (kvfree for a
 * kvmalloc'd kmalloc block). */
void kor_free(struct model *md, int slot);

#endif
