/* kx_env.h - what the op executor (exec.c) needs from where it runs.
 *
 * exec.c is compiled twice: into the Linux module kdiff.ko, where these
 * functions call the real kernel API (kdiff_mod.c), and into the user-space
 * driver kdiff-host, where they call kalloc (kdiff_host.c).  One executor
 * means the slot rules and what is printed per op are the same code on both
 * sides; a difference in the output is a difference of the allocators.
 *
 * @env is the side's context (kalloc's machine; unused in the kernel).
 * Flags arrive as values already mapped from ops.def's names through the
 * side's kx_env_gfp[] / kx_env_cache_flags[] tables.
 */
#ifndef KALLOC_KERNEL_KX_ENV_H
#define KALLOC_KERNEL_KX_ENV_H

/* Flag names the side knows, with their values ("GFP_DMA", __GFP_DMA).
 * exec.c looks up every name of ops.def's gfp_bit_names and
 * cache_flag_names (except "ctor") here and refuses to run if one is
 * missing; the tables end with a NULL name. */
struct kx_flag {
	const char *name;
	unsigned long value;
};
extern const struct kx_flag kx_env_gfp[];
extern const struct kx_flag kx_env_cache_flags[];
/* GFP_KERNEL and the flag added to every allocation (__GFP_NOWARN in the
 * kernel: a refused huge request must not print a splat). */
extern const unsigned long kx_env_gfp_kernel, kx_env_gfp_always;

void *kx_kmalloc(void *env, unsigned long size, unsigned long gfp);
void *kx_kzalloc(void *env, unsigned long size, unsigned long gfp);
void *kx_kmalloc_array(void *env, unsigned long n, unsigned long size, unsigned long gfp);
void *kx_krealloc(void *env, void *p, unsigned long size, unsigned long gfp);
unsigned long kx_ksize(void *env, void *p);
/* 0, or the side's error code (kalloc's -KERR_*; the kernel's frees return
 * nothing, so always 0 there). */
int kx_kfree(void *env, void *p);
/* A page block: returns the struct page handle, *addr its address. */
void *kx_alloc_pages(void *env, unsigned long gfp, unsigned int order, void **addr);
unsigned long kx_get_free_pages(void *env, unsigned long gfp, unsigned int order);
int kx_free_page_block(void *env, void *page, unsigned int order);
int kx_free_pages(void *env, unsigned long addr, unsigned int order);
/* Caches.  @ctor: create with the side's constructor, which writes 0xc7
 * into byte 0 of every object. */
void *kx_cache_create(void *env, const char *name, unsigned int size, unsigned int align,
		      unsigned long flags, int ctor);
void *kx_cache_alloc(void *env, void *s, unsigned long gfp);
int kx_cache_free(void *env, void *s, void *obj);
void kx_cache_shrink(void *env, void *s);
int kx_cache_destroy(void *env, void *s);
/* kmem_cache_size(). */
unsigned int kx_cache_object_size(void *env, void *s);
/* Cache @s (created as @name): its /proc/slabinfo objsize, objperslab and
 * pagesperslab in @v, and whether SLUB merged it into another cache (then
 * @v is that cache's).  0, or -1 when it cannot be found.  The kernel reads
 * /sys/kernel/slab/NAME (slab_size, objs_per_slab, order: the values
 * slabinfo prints; /proc/slabinfo cannot be read with kernel_read, and
 * struct kmem_cache is private to mm/ in 6.1); kalloc parses its
 * proc_slabinfo(). */
int kx_cache_geometry(void *env, void *s, const char *name, unsigned long v[3], int *merged);
/* "DMA", "DMA32", "Normal" for the zone of the page that holds @addr. */
const char *kx_zone(void *env, const void *addr);
/* Before the next op: forget the last failure.  After a failed call: why
 * it failed ("KERR_NOMEM"), or NULL when the side cannot tell (kernel). */
void kx_clear_failure(void *env);
const char *kx_failure(void *env);
/* A marker in the side's log before and after a misuse op, so that the
 * kernel's report can be told apart per op ("kdiff: op 3 begin"). */
void kx_mark(void *env, unsigned int i, const char *what);

/* The layout of a slab object, as the side's SLUB laid it out (mm/slub.c
 * calculate_sizes): the slot is [p - red_left_pad, p - red_left_pad + size),
 * inuse is where the metadata starts (object plus right red zone), offset
 * the free pointer's offset from p (inside the object when < object_size).
 * @s: the object's cache, or NULL for a kmalloc block of ksize @ks that was
 * allocated with @gfp.  0, or -1 when it cannot be told (then nothing is
 * written).  @name holds a cache's name (as created) on the way in, and
 * the kmalloc cache's name on the way out. */
struct kx_layout {
	unsigned long red_left_pad, inuse, size, offset, object_size;
};
int kx_obj_layout(void *env, void *s, int ctor, const void *p, unsigned long gfp, unsigned long ks,
		  struct kx_layout *l, char *name, unsigned long nlen);
/* A deliberate corruption: @len bytes of @byte at @addr (the kernel: a
 * plain write; kalloc: machine_poke). */
void kx_poke(void *env, void *addr, unsigned char byte, unsigned long len);
/* Is the page holding @p (still) a slab page? */
int kx_is_slab(void *env, const void *p);
/* /sys/kernel/slab/@name/validate (kalloc: kmem_cache_validate).  0, or -1
 * when it could not be run. */
int kx_validate(void *env, void *s, const char *name);

/* ---- provided by exec.c -------------------------------------------------- */
struct kx_run {
	void *env;
	int debug;		/* misuse ops run (a slub_debug=FZPU kernel) */
	char *out;		/* the results text */
	unsigned long cap, len;
	int overflow;
};
/* Run one program (its bytes), appending its results to @r->out.  Returns 0,
 * or -1 when a flag name of ops.def has no value on this side (the message
 * is in the output). */
int kx_run_program(struct kx_run *r, const unsigned char *prog, unsigned long len);
/* The SIZE and COUNT fields of a record, as OPS.md 1.2 decodes them. */
unsigned long kx_rec_size(const unsigned char *rec);
unsigned long kx_rec_count(const unsigned char *rec);

#endif
