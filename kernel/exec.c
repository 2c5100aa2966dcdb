/* exec.c - the op executor of `make kernel-diff`: runs one op program (the
 * binary form of harness/OPS.md) through an allocator API and prints, per
 * op, what can be observed without addresses.
 *
 * The same file runs inside Linux (kdiff.ko, kdiff_mod.c) and on kalloc
 * (kdiff-host, kdiff_host.c); kx_env.h is the seam.  So the slot rules of
 * OPS.md 2 and the observations are one piece of code, and two outputs
 * differ only where the allocators do.
 *
 * Output: one line per executed op, "<index> <op name> key=value ...":
 *   ok=0|1          the allocation returned a block (a frees' "ok=1": it ran)
 *   zsp=1           kmalloc(0) / krealloc(p, 0): ZERO_SIZE_PTR
 *   ksize=N         ksize() of the new block
 *   align=N         log2 of the largest power of two dividing the address,
 *                   capped where the position in a slab would make it vary:
 *                   at log2 of a power-of-two ksize, else 3 (kmalloc), of the
 *                   slot size (cache objects), at 12 + order (page blocks)
 *   zone=NAME       zone of the page holding the block
 *   zero=0|1        __GFP_ZERO / kzalloc: the requested bytes read zero
 *   zfull=0|1       ... and all ksize() bytes
 *   inplace=, kept= krealloc stayed at the same address / kept the prefix
 *   ctor=0|1        byte 0 of a ctor cache's new object is the ctor's 0xc7
 *   intact=0|1      verify_pattern: the slot's pattern is intact
 *   err=CODE        a call returned an error (kalloc's -KERR_*; kernel: never)
 *   fail=WHY        why an allocation failed, when the side can tell
 *   nc=WHY          the op is not compared (the same on both sides): fault
 *                   injection, set_cpu, a misuse op outside a debug boot, ...
 * and "<index> geometry cN objsize= objperslab= pagesperslab=" (the
 * /proc/slabinfo row of program cache cN, printed before it is destroyed and
 * for every cache left at the end, index "end", and for every live program
 * cache at a slabinfo() op).  The kmalloc caches' rows are compared once per
 * boot, from the guest's /proc/slabinfo (kernel/init.sh prints it).
 *
 * Deviations from harness/model.c's rules, each because the kernel cannot
 * take the op safely or at all: fail_page_alloc, set_cpu, drain_all_pages,
 * check, buddyinfo and the heap ops are not executed (on either side);
 * misuse ops run only when @debug is set, and only on slab objects
 * (double_free, free_interior, free_wrong_cache): a production page
 * allocator has no way to detect the others and is corrupted by them.
 * scribble, write_after_free and validate run only when @debug is set, on
 * slab objects, inside [-red_left_pad, inuse) of the object as the side's
 * SLUB laid it out (kx_obj_layout); their reports are compared by kdiff.py
 * as the program's whole report stream.
 * free_wrong_cache: Linux WARNs and frees the object into its own cache,
 * kalloc refuses; the host side then frees it properly, so the slot is empty
 * on both sides afterwards.  Cache sizes of 0 or above 4 MiB and alignments
 * that are not powers of two are not created (Linux does not check them
 * without CONFIG_DEBUG_VM: size 0 divides by zero in calculate_order).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif
#include "kx_env.h"
#include "kx_ops.h"

#define KX_ZSP		((void *)16)	/* ZERO_SIZE_PTR on both sides */
#define KX_MAX_CACHE_SIZE (4UL << 20)
#define KX_SLAB_MAX	8192UL		/* largest kmalloc cache (default profile) */
#define KX_CTOR_MARK	0xc7

enum kx_kind { KX_EMPTY, KX_KMALLOC, KX_PAGES, KX_GFP_PAGES, KX_OBJ };

struct kx_slot {
	enum kx_kind kind;
	void *p;		/* the block's address */
	void *page;		/* alloc_pages: the struct page */
	unsigned long req;	/* requested bytes (kmalloc), span otherwise */
	unsigned int order;
	int cache;		/* c-slot of a cache object */
	unsigned long patlen;	/* bytes covered by this slot's pattern */
	unsigned long gfp;	/* kmalloc: the flags it was allocated with */
};

struct kx_cache {
	void *s;
	char name[40];
	unsigned int objsize, slot;
	int live;		/* objects of it in p-slots */
	int merged;
	int ctor;		/* created with the constructor */
};

struct kx_state {
	struct kx_run *r;
	struct kx_slot p[KXF_P_MOD];
	struct kx_cache c[KXF_C_MOD];
	unsigned long gfp_bit[KX_ARRAY_SIZE(kx_gfp_bit_names)];
	unsigned long cflag_bit[KX_ARRAY_SIZE(kx_cache_flag_names)];
	int ctor_bit;
	unsigned long gfp_now;	/* the current record's GFP field, mapped */
};

/* ---- output -------------------------------------------------------------- */
static __attribute__((format(printf, 2, 3))) void kx_out(struct kx_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->out + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (unsigned long)n >= r->cap - r->len - 16) {
		r->out[r->len] = 0;
		r->overflow = 1;
		return;
	}
	r->len += n;
}

/* ---- decoding (OPS.md 1.2; kdiff-host selftest compares with ops.c) ------ */
unsigned long kx_rec_size(const unsigned char *rec)
{
	unsigned int v = rec[KXF_SIZE_BYTE] | (unsigned int)rec[KXF_SIZE_BYTE + 1] << 8;
	unsigned int hi = v >> 14, lo = v & 0x3fff;

	switch (hi) {
	case 0: return (unsigned long)lo + 1;
	case 1: return (unsigned long)lo * 64;
	case 2: return 1UL << (lo % 48);
	default: return (1UL << (lo % 48)) + 1;
	}
}

unsigned long kx_rec_count(const unsigned char *rec)
{
	unsigned int x = rec[KXF_COUNT_BYTE];

	return x < 0xf0 ? x : ~0UL >> (x - 0xf0);
}

static unsigned long kx_lookup(const struct kx_flag *t, const char *name, int *found)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name)) {
			*found = 1;
			return t->value;
		}
	*found = 0;
	return 0;
}

/* Map ops.def's flag names to this side's values. */
static int kx_flags_init(struct kx_state *x)
{
	unsigned int i;
	int found;

	_Static_assert(1u << KX_ARRAY_SIZE(kx_gfp_bit_names) == KXF_GFP_MOD, "one GFP name per bit");
	_Static_assert(1u << KX_ARRAY_SIZE(kx_cache_flag_names) == KXF_FLAGS_MOD, "one flag name per bit");
	for (i = 0; i < KX_ARRAY_SIZE(kx_gfp_bit_names); i++) {
		x->gfp_bit[i] = kx_lookup(kx_env_gfp, kx_gfp_bit_names[i], &found);
		if (!found) {
			kx_out(x->r, "error GFP name %s of ops.def unknown here\n", kx_gfp_bit_names[i]);
			return -1;
		}
	}
	x->ctor_bit = -1;
	for (i = 0; i < KX_ARRAY_SIZE(kx_cache_flag_names); i++) {
		if (!strcmp(kx_cache_flag_names[i], "ctor")) {
			x->ctor_bit = i;
			x->cflag_bit[i] = 0;
			continue;
		}
		x->cflag_bit[i] = kx_lookup(kx_env_cache_flags, kx_cache_flag_names[i], &found);
		if (!found) {
			kx_out(x->r, "error cache flag %s of ops.def unknown here\n", kx_cache_flag_names[i]);
			return -1;
		}
	}
	return 0;
}

/* GFP field: bit 0 (GFP_ATOMIC) replaces GFP_KERNEL, the others are OR-ed. */
static unsigned long kx_gfp(struct kx_state *x, const unsigned char *rec)
{
	unsigned int bits = rec[KXF_GFP_BYTE] % KXF_GFP_MOD, i;
	unsigned long g = (bits & 1) ? x->gfp_bit[0] : kx_env_gfp_kernel;

	for (i = 1; i < KX_ARRAY_SIZE(x->gfp_bit); i++)
		if (bits & (1u << i))
			g |= x->gfp_bit[i];
	return g | kx_env_gfp_always;
}

static int kx_gfp_zero(const unsigned char *rec)
{
	unsigned int i;

	for (i = 0; i < KX_ARRAY_SIZE(kx_gfp_bit_names); i++)
		if (!strcmp(kx_gfp_bit_names[i], "__GFP_ZERO"))
			return !!((rec[KXF_GFP_BYTE] % KXF_GFP_MOD) & (1u << i));
	return 0;
}

/* The op's name: the word before '(' in its text form ("kmalloc"). */
static void kx_op_name(unsigned int op, char *buf, unsigned long len)
{
	const char *t = kx_op_text[op], *e, *s;
	unsigned long n;

	if (!t) {
		snprintf(buf, len, "nop");
		return;
	}
	e = strchr(t, '(');
	s = e;
	while (s > t && s[-1] != ' ')
		s--;
	n = e - s < (long)len - 1 ? (unsigned long)(e - s) : len - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
}

/* ---- observations -------------------------------------------------------- */
static unsigned int kx_ctz(unsigned long v)
{
	return v ? (unsigned int)__builtin_ctzl(v) : 63;
}

static unsigned int kx_align(const void *p, unsigned long cap_of)
{
	unsigned int a = kx_ctz((unsigned long)p), cap = kx_ctz(cap_of);

	return a < cap ? a : cap;
}

/* What a kmalloc block's alignment is compared up to: a power-of-two ksize
 * (kmalloc aligns those naturally, debug layouts included), else 8 bytes.
 * The 96- and 192-byte classes are 32- and 64-aligned only while the slot is
 * the object (no debug): with SLAB_POISON the slot is 104, and an object's
 * alignment then depends on its index in the slab. */
static unsigned long kx_kmalloc_cap(unsigned long ksize)
{
	return ksize & (ksize - 1) ? 8 : ksize;
}

static int kx_is_zero(const void *p, unsigned long n)
{
	const unsigned char *b = p;
	unsigned long i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static unsigned char kx_pat(unsigned int slot, unsigned long i)
{
	return (unsigned char)(i * 7 + slot * 37 + 0x11);
}

static void kx_pattern_write(unsigned int slot, void *p, unsigned long n)
{
	unsigned char *b = p;
	unsigned long i;

	for (i = 0; i < n; i++)
		b[i] = kx_pat(slot, i);
}

static int kx_pattern_ok(unsigned int slot, const void *p, unsigned long n)
{
	const unsigned char *b = p;
	unsigned long i;

	for (i = 0; i < n; i++)
		if (b[i] != kx_pat(slot, i))
			return 0;
	return 1;
}

static void kx_fail(struct kx_state *x)
{
	const char *why = kx_failure(x->r->env);

	kx_out(x->r, " ok=0");
	if (why)
		kx_out(x->r, " fail=%s", why);
}

static void kx_err(struct kx_state *x, int err)
{
	const char *why = kx_failure(x->r->env);

	if (err)
		kx_out(x->r, " err=%s", why ? why : "?");
}

/* A new kmalloc block in slot @i: store it and print what it shows. */
static void kx_kmalloc_done(struct kx_state *x, unsigned int i, void *p, unsigned long req, int zero)
{
	struct kx_slot *s = &x->p[i];
	unsigned long ks;

	if (!p) {
		kx_fail(x);
		return;
	}
	s->kind = KX_KMALLOC;
	s->p = p;
	s->gfp = x->gfp_now;
	s->req = p == KX_ZSP ? 0 : req;
	s->patlen = 0;
	if (p == KX_ZSP) {
		kx_out(x->r, " ok=1 zsp=1");
		return;
	}
	ks = kx_ksize(x->r->env, p);
	kx_out(x->r, " ok=1 ksize=%lu align=%u zone=%s", ks, kx_align(p, kx_kmalloc_cap(ks)),
	       kx_zone(x->r->env, p));
	if (zero)
		kx_out(x->r, " zero=%d zfull=%d", kx_is_zero(p, req), kx_is_zero(p, ks));
}

static void kx_geometry(struct kx_state *x, const char *idx, unsigned int c)
{
	struct kx_cache *kc = &x->c[c];
	unsigned long v[3];
	int merged;

	kx_out(x->r, "%s geometry c%u", idx, c);
	if (kx_cache_geometry(x->r->env, kc->s, kc->name, v, &merged))
		kx_out(x->r, " row=none\n");
	else
		kx_out(x->r, "%s objsize=%lu objperslab=%lu pagesperslab=%lu\n",
		       merged ? " merged=1" : "", v[0], v[1], v[2]);
}

/* Span of a slot's block: OPS.md 2.1's S. */
static unsigned long kx_span(struct kx_state *x, const struct kx_slot *s)
{
	switch (s->kind) {
	case KX_KMALLOC: return s->req;
	case KX_OBJ: return x->c[s->cache].objsize;
	case KX_PAGES:
	case KX_GFP_PAGES: return 4096UL << s->order;
	default: return 0;
	}
}

/* The slot's legal free; the slot empties. */
static int kx_free_slot(struct kx_state *x, unsigned int i)
{
	struct kx_slot *s = &x->p[i];
	void *env = x->r->env;
	int err = 0;

	switch (s->kind) {
	case KX_KMALLOC: err = kx_kfree(env, s->p); break;
	case KX_PAGES: err = kx_free_page_block(env, s->page, s->order); break;
	case KX_GFP_PAGES: err = kx_free_pages(env, (unsigned long)s->p, s->order); break;
	case KX_OBJ:
		err = kx_cache_free(env, x->c[s->cache].s, s->p);
		x->c[s->cache].live--;
		break;
	default: break;
	}
	s->kind = KX_EMPTY;
	return err;
}

/* A slab object (not a page block, not a large kmalloc, not ZERO_SIZE_PTR):
 * what the misuse ops may touch in a debug kernel. */
static int kx_slab_object(const struct kx_slot *s)
{
	return s->kind == KX_OBJ || (s->kind == KX_KMALLOC && s->p != KX_ZSP && s->req <= KX_SLAB_MAX);
}

/* ---- one op -------------------------------------------------------------- */
static void kx_op(struct kx_state *x, unsigned int idx, const unsigned char *rec)
{
	struct kx_run *r = x->r;
	void *env = r->env;
	unsigned int op = rec[0] % KX_NR_OPS;
	unsigned int pi = rec[KXF_P_BYTE] % KXF_P_MOD;
	unsigned int ci = rec[KXF_C_BYTE] % KXF_C_MOD;
	unsigned int c6 = rec[KXF_C6_BYTE] % KXF_C6_MOD;
	struct kx_slot *s = &x->p[pi];
	char name[32];
	int err;

	if (!kx_op_text[op])
		return;		/* reserved: a nop */
	kx_op_name(op, name, sizeof(name));
	kx_clear_failure(env);
	x->gfp_now = kx_gfp(x, rec);

	switch (op) {
	case KX_OP_KMALLOC:
	case KX_OP_KZALLOC:
	case KX_OP_KMALLOC_ARRAY: {
		unsigned long size = kx_rec_size(rec), n = 1, gfp = kx_gfp(x, rec);
		void *p;

		if (s->kind != KX_EMPTY)
			return;
		kx_out(r, "%u %s", idx, name);
		if (op == KX_OP_KMALLOC)
			p = kx_kmalloc(env, size, gfp);
		else if (op == KX_OP_KZALLOC)
			p = kx_kzalloc(env, size, gfp);
		else {
			n = kx_rec_count(rec);
			p = kx_kmalloc_array(env, n, size, gfp);
		}
		kx_kmalloc_done(x, pi, p, n * size, op == KX_OP_KZALLOC || kx_gfp_zero(rec));
		break;
	}
	case KX_OP_KREALLOC: {
		unsigned long size = kx_rec_size(rec), gfp = kx_gfp(x, rec), old, keep, ks = 0;
		int zero = kx_gfp_zero(rec);
		void *p;

		if (s->kind != KX_KMALLOC)
			return;
		kx_out(r, "%u %s", idx, name);
		if (s->p == KX_ZSP) {
			s->kind = KX_EMPTY;
			p = kx_krealloc(env, KX_ZSP, size, gfp);
			if (!p)
				s->kind = KX_KMALLOC;	/* the slot keeps ZERO_SIZE_PTR */
			else
				kx_kmalloc_done(x, pi, p, size, zero);
			if (!p)
				kx_fail(x);
			break;
		}
		old = s->req;
		/* The whole old ksize() carries the pattern, so that a grow in
		 * place shows whether __GFP_ZERO zeroes the bytes it adds. */
		ks = kx_ksize(env, s->p);
		kx_pattern_write(pi, s->p, ks);
		p = kx_krealloc(env, s->p, size, gfp);
		if (!p) {
			kx_fail(x);
			s->patlen = old;
			break;
		}
		if (p == KX_ZSP) {
			s->p = p;
			s->req = 0;
			s->patlen = 0;
			kx_out(r, " ok=1 zsp=1");
			break;
		}
		keep = old < size ? old : size;
		kx_out(r, " ok=1 inplace=%d kept=%d", p == s->p, kx_pattern_ok(pi, p, keep));
		if (zero && size > old)
			kx_out(r, " zero=%d", kx_is_zero((char *)p + old, size - old));
		if (p != s->p)
			s->gfp = gfp;
		s->p = p;
		s->req = size;
		ks = kx_ksize(env, p);
		kx_out(r, " ksize=%lu align=%u zone=%s", ks, kx_align(p, kx_kmalloc_cap(ks)), kx_zone(env, p));
		s->patlen = keep;
		break;
	}
	case KX_OP_KSIZE:
		if (s->kind != KX_KMALLOC)
			return;
		kx_out(r, "%u %s ksize=%lu", idx, name, s->p == KX_ZSP ? 0 : kx_ksize(env, s->p));
		break;
	case KX_OP_KFREE:
		if (s->kind != KX_KMALLOC)
			return;
		kx_out(r, "%u %s ok=1", idx, name);
		kx_err(x, kx_free_slot(x, pi));
		break;
	case KX_OP_ALLOC_PAGES:
	case KX_OP_GET_FREE_PAGES: {
		unsigned int order = rec[KXF_ORDER_BYTE] % KXF_ORDER_MOD;
		unsigned long gfp = kx_gfp(x, rec);
		void *page = NULL, *p;

		if (s->kind != KX_EMPTY)
			return;
		kx_out(r, "%u %s", idx, name);
		if (op == KX_OP_ALLOC_PAGES)
			page = kx_alloc_pages(env, gfp, order, &p);
		else
			p = (void *)kx_get_free_pages(env, gfp, order);
		if (!p) {
			kx_fail(x);
			break;
		}
		*s = (struct kx_slot){ .kind = op == KX_OP_ALLOC_PAGES ? KX_PAGES : KX_GFP_PAGES,
				       .p = p, .page = page, .order = order };
		kx_out(r, " ok=1 align=%u zone=%s", kx_align(p, 4096UL << order), kx_zone(env, p));
		if (kx_gfp_zero(rec))
			kx_out(r, " zero=%d", kx_is_zero(p, 4096UL << order));
		break;
	}
	case KX_OP_FREE_PAGES:
		if (s->kind != KX_PAGES && s->kind != KX_GFP_PAGES)
			return;
		kx_out(r, "%u %s ok=1", idx, name);
		kx_err(x, kx_free_slot(x, pi));
		break;
	case KX_OP_CACHE_CREATE: {
		struct kx_cache *kc = &x->c[ci];
		unsigned long size = kx_rec_size(rec), flags = 0;
		unsigned int align = kx_cache_aligns[rec[KXF_ALIGN_BYTE] % KXF_ALIGN_MOD];
		unsigned int fb = rec[KXF_FLAGS_BYTE] % KXF_FLAGS_MOD, b;
		const char *cname = kx_cache_names[rec[KXF_NAME_BYTE] % KXF_NAME_MOD];

		if (kc->s)
			return;
		kx_out(r, "%u %s", idx, name);
		if (align & (align - 1)) {
			kx_out(r, " nc=align-not-power-of-two");
			break;
		}
		if (size == 0 || size > KX_MAX_CACHE_SIZE) {
			kx_out(r, " nc=cache-size-unchecked-by-linux");
			break;
		}
		for (b = 0; b < KX_ARRAY_SIZE(x->cflag_bit); b++)
			if (fb & (1u << b))
				flags |= x->cflag_bit[b];
		snprintf(kc->name, sizeof(kc->name), "kx%u_%s", ci, cname);
		kc->s = kx_cache_create(env, kc->name, (unsigned int)size, align, flags,
					x->ctor_bit >= 0 && (fb & (1u << x->ctor_bit)));
		if (!kc->s) {
			kx_fail(x);
			break;
		}
		kc->objsize = kx_cache_object_size(env, kc->s);
		kc->live = 0;
		kc->ctor = x->ctor_bit >= 0 && (fb & (1u << x->ctor_bit));
		{
			unsigned long v[3] = { 8, 0, 0 };

			kx_cache_geometry(env, kc->s, kc->name, v, &kc->merged);
			kc->slot = (unsigned int)v[0];
		}
		kx_out(r, " ok=1 objsize=%u slot=%u", kc->objsize, kc->slot);
		if (kc->merged)
			kx_out(r, " merged=1");
		break;
	}
	case KX_OP_CACHE_ALLOC: {
		struct kx_cache *kc = &x->c[c6];
		void *p;

		if (!kc->s || s->kind != KX_EMPTY)
			return;
		kx_out(r, "%u %s", idx, name);
		p = kx_cache_alloc(env, kc->s, kx_gfp(x, rec));
		if (!p) {
			kx_fail(x);
			break;
		}
		*s = (struct kx_slot){ .kind = KX_OBJ, .p = p, .cache = c6 };
		kc->live++;
		kx_out(r, " ok=1 align=%u zone=%s", kx_align(p, kc->slot), kx_zone(env, p));
		if (kx_gfp_zero(rec))
			kx_out(r, " zero=%d", kx_is_zero(p, kc->objsize));
		if (kc->merged)
			kx_out(r, " merged=1");
		if (kc->ctor)
			kx_out(r, " ctor=%d", *(unsigned char *)p == KX_CTOR_MARK);
		break;
	}
	case KX_OP_CACHE_FREE:
		if (s->kind != KX_OBJ)
			return;
		kx_out(r, "%u %s ok=1", idx, name);
		kx_err(x, kx_free_slot(x, pi));
		break;
	case KX_OP_CACHE_SHRINK:
		if (!x->c[ci].s)
			return;
		kx_out(r, "%u %s ok=1", idx, name);
		kx_cache_shrink(env, x->c[ci].s);
		break;
	case KX_OP_CACHE_DESTROY: {
		struct kx_cache *kc = &x->c[ci];
		char is[12];

		if (!kc->s)
			return;
		if (kc->live) {
			/* Linux WARNs and leaks a busy cache for good; kalloc
			 * refuses it.  Neither is called. */
			kx_out(r, "%u %s nc=cache-busy\n", idx, name);
			return;
		}
		snprintf(is, sizeof(is), "%u", idx);
		kx_geometry(x, is, ci);
		kx_out(r, "%u %s ok=1", idx, name);
		err = kx_cache_destroy(env, kc->s);
		kx_err(x, err);
		if (!err)
			kc->s = NULL;
		break;
	}
	case KX_OP_WRITE:
		if (s->kind == KX_EMPTY || (s->kind == KX_KMALLOC && s->p == KX_ZSP))
			return;
		s->patlen = kx_span(x, s);
		kx_pattern_write(pi, s->p, s->patlen);
		return;
	case KX_OP_VERIFY:
		if (s->kind == KX_EMPTY || !s->patlen)
			return;
		kx_out(r, "%u %s intact=%d", idx, name, kx_pattern_ok(pi, s->p, s->patlen));
		break;
	case KX_OP_SLABINFO: {
		char is[12];
		unsigned int c;

		snprintf(is, sizeof(is), "%u", idx);
		for (c = 0; c < KXF_C_MOD; c++)
			if (x->c[c].s)
				kx_geometry(x, is, c);
		return;
	}
	case KX_OP_DOUBLE_FREE:
		if (s->kind == KX_EMPTY || (s->kind == KX_KMALLOC && s->p == KX_ZSP))
			return;
		kx_out(r, "%u %s", idx, name);
		if (!r->debug || !kx_slab_object(s)) {
			kx_out(r, " nc=%s", r->debug ? "page-misuse-undetectable" : "misuse-needs-debug-boot");
			kx_err(x, kx_free_slot(x, pi));
			break;
		} else {
			struct kx_slot copy = *s;

			kx_err(x, kx_free_slot(x, pi));
			kx_clear_failure(env);
			kx_mark(env, idx, "begin");
			if (copy.kind == KX_KMALLOC)
				err = kx_kfree(env, copy.p);
			else
				err = kx_cache_free(env, x->c[copy.cache].s, copy.p);
			kx_mark(env, idx, "end");
			kx_out(r, " misuse=1");
			kx_err(x, err);
		}
		break;
	case KX_OP_INTERIOR: {
		unsigned long span = kx_span(x, s), off = rec[2] | (unsigned long)rec[3] << 8;

		if (s->kind == KX_EMPTY || span < 2)
			return;
		kx_out(r, "%u %s", idx, name);
		if (!r->debug || !kx_slab_object(s)) {
			kx_out(r, " nc=%s", r->debug ? "page-misuse-undetectable" : "misuse-needs-debug-boot");
			break;
		}
		if (!(off >= 1 && off < span))
			off = 1 + off % (span - 1);
		kx_mark(env, idx, "begin");
		if (s->kind == KX_KMALLOC)
			err = kx_kfree(env, (char *)s->p + off);
		else
			err = kx_cache_free(env, x->c[s->cache].s, (char *)s->p + off);
		kx_mark(env, idx, "end");
		kx_out(r, " misuse=1");
		kx_err(x, err);
		break;
	}
	case KX_OP_WRONG_CACHE: {
		struct kx_cache *kc = &x->c[c6];

		if (!kx_slab_object(s) || !kc->s || (s->kind == KX_OBJ && s->cache == (int)c6))
			return;
		kx_out(r, "%u %s", idx, name);
		if (!r->debug) {
			kx_out(r, " nc=misuse-needs-debug-boot");
			break;
		}
		kx_mark(env, idx, "begin");
		err = kx_cache_free(env, kc->s, s->p);
		kx_mark(env, idx, "end");
		kx_out(r, " misuse=1");
		kx_err(x, err);
		/* Linux freed it into its own cache; kalloc refused: free it
		 * properly there, so both sides go on with the slot empty. */
		if (err)
			kx_free_slot(x, pi);
		else if (s->kind == KX_OBJ) {
			x->c[s->cache].live--;
			s->kind = KX_EMPTY;
		} else
			s->kind = KX_EMPTY;
		break;
	}
	case KX_OP_WRONG_ORDER:
	case KX_OP_WRONG_OWNER:
		if (s->kind == KX_EMPTY)
			return;
		kx_out(r, "%u %s nc=page-misuse-undetectable", idx, name);
		break;
	case KX_OP_FOREIGN:
		kx_out(r, "%u %s nc=foreign-address-faults-linux", idx, name);
		break;
	case KX_OP_SCRIBBLE:
	case KX_OP_WRITE_AFTER_FREE: {
		struct kx_layout l;
		char cname[48];
		long soff = (short)(rec[KXF_SOFF_BYTE] | rec[KXF_SOFF_BYTE + 1] << 8), lo, hi, off, len;
		void *cs;

		if (s->kind == KX_EMPTY || (s->kind == KX_KMALLOC && s->p == KX_ZSP))
			return;
		kx_out(r, "%u %s", idx, name);
		if (!r->debug) {
			kx_out(r, " nc=misuse-needs-debug-boot");
			break;
		}
		cs = s->kind == KX_OBJ ? x->c[s->cache].s : NULL;
		snprintf(cname, sizeof(cname), "%s", s->kind == KX_OBJ ? x->c[s->cache].name : "");
		if (!kx_slab_object(s) || kx_obj_layout(env, cs, s->kind == KX_OBJ && x->c[s->cache].ctor, s->p,
							s->gfp, s->kind == KX_OBJ ? 0 : kx_ksize(env, s->p),
							&l, cname, sizeof(cname))) {
			kx_out(r, " nc=not-a-slab-object");
			break;
		}
		/* OPS.md 2.4, the part both sides can do from the layout alone:
		 * the left red zone, the object and the right red zone
		 * [-red_left_pad, inuse); metadata (free pointer outside the
		 * object, tracks, orig_size) and padding are never written. */
		lo = -(long)l.red_left_pad;
		hi = (long)l.inuse;
		off = soff >= lo && soff < hi ? soff : lo + (((soff - lo) % (hi - lo)) + (hi - lo)) % (hi - lo);
		len = op == KX_OP_SCRIBBLE ? 1 + rec[KXF_LEN_BYTE] % KXF_LEN_MOD : 1;
		if (len > hi - off)
			len = hi - off;
		kx_out(r, " off=%ld len=%ld slot=%ld..%ld", off, len, lo, hi - 1);
		if (op == KX_OP_SCRIBBLE) {
			kx_poke(env, (char *)s->p + off, 0x41, (unsigned long)len);
			if (off < (long)s->req && off + len > 0)
				s->patlen = 0;	/* the caller's own bytes now */
			break;
		}
		/* write_after_free: the legal free, then one byte - unless the
		 * free gave the slab back to the page allocator, or the byte is
		 * the free pointer inside the object */
		kx_err(x, kx_free_slot(x, pi));
		if (!kx_is_slab(env, s->p) ||
		    (l.offset < l.object_size && off >= (long)l.offset && off < (long)l.offset + 8)) {
			kx_out(r, " written=0");
			break;
		}
		kx_poke(env, (char *)s->p + off, 0x41, 1);
		kx_out(r, " written=1");
		break;
	}
	case KX_OP_VALIDATE:
		if (!x->c[ci].s)
			return;
		kx_out(r, "%u %s", idx, name);
		if (!r->debug) {
			kx_out(r, " nc=misuse-needs-debug-boot");
			break;
		}
		kx_out(r, " ok=%d", kx_validate(env, x->c[ci].s, x->c[ci].name) == 0);
		break;
	case KX_OP_CHECK:
	case KX_OP_FAIL:
	case KX_OP_SET_CPU:
	case KX_OP_DRAIN:
	case KX_OP_BUDDYINFO:
		kx_out(r, "%u %s nc=kalloc-only", idx, name);
		break;
	case KX_OP_MALLOC:
	case KX_OP_CALLOC:
	case KX_OP_REALLOC:
	case KX_OP_ALIGNED_ALLOC:
	case KX_OP_FREE:
	case KX_OP_USABLE_SIZE:
		kx_out(r, "%u %s nc=heap-op", idx, name);
		break;
	default:
		/* The hook for issue 8's ops (vmalloc, vzalloc, vfree, kvmalloc,
		 * kvfree: 32..36 in ops.def once they are defined there): a case
		 * each here, through kx_vmalloc()/kx_vfree() added to kx_env.h
		 * (vmalloc()/vfree() in kdiff_mod.c, kalloc's in kdiff_host.c),
		 * printing ok, align and zero like kmalloc; /proc/vmallocinfo
		 * sizes like geometry.  Until then such an op is not compared. */
		kx_out(r, "%u %s nc=no-kernel-hook-yet", idx, name);
		break;
	}
	kx_out(r, "\n");
}

int kx_run_program(struct kx_run *r, const unsigned char *prog, unsigned long len)
{
	static struct kx_state xs;	/* one program at a time (the module serialises) */
	struct kx_state *x = &xs;
	unsigned long n, i;
	unsigned int c;

	memset(x, 0, sizeof(*x));
	x->r = r;
	if (kx_flags_init(x))
		return -1;
	n = len < KX_HDR ? 0 : (len - KX_HDR) / KX_REC;
	if (n > KX_MAX)
		n = KX_MAX;
	for (i = 0; i < n; i++)
		kx_op(x, (unsigned int)i, prog + KX_HDR + i * KX_REC);
	for (c = 0; c < KXF_C_MOD; c++)
		if (x->c[c].s)
			kx_geometry(x, "end", c);
	for (i = 0; i < KXF_P_MOD; i++)
		kx_free_slot(x, (unsigned int)i);
	for (c = 0; c < KXF_C_MOD; c++)
		if (x->c[c].s)
			kx_cache_destroy(r->env, x->c[c].s);
	if (r->overflow)
		kx_out(r, "overflow\n");
	return 0;
}
