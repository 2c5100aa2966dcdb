/* ops.c - the op language of harness/OPS.md: decoding, canonical encoding,
 * printing and parsing.  The spec is the document; this file follows it
 * section by section, and props/ has an independent decoder checked against
 * `kfz decode`.
 *
 * Entry points: see ops.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

const char *const cache_names[NR_CACHE_NAMES] = {
	"task_struct", "inode_cache", "dentry", "buffer_head",
	"vm_area_struct", "mm_struct", "files_cache", "signal_cache",
	"sighand_cache", "cred_jar", "anon_vma", "radix_tree_node",
	"filp", "sock_inode_cache", "names_cache", "kmem_test",
};
/* 24 is there on purpose: not a power of two, so the create must fail. */
const unsigned int cache_aligns[8] = { 0, 8, 16, 32, 64, 128, 4096, 24 };

static const unsigned int hdr_dma_eighths[5] = { 1, 0, 2, 4, 8 };
static const unsigned int hdr_cpus[8] = { 1, 2, 4, 8, 3, 16, 32, 64 };

/* Op names as the text form spells them (reserved ops print as nop(N)). */
static const char *const op_names[NR_DEFINED_OPS] = {
	"kmalloc", "kfree", "kzalloc", "krealloc", "ksize", "kmalloc_array",
	"alloc_pages", "__get_free_pages", "free_pages",
	"kmem_cache_create", "kmem_cache_alloc", "kmem_cache_free", "kmem_cache_shrink",
	"kmem_cache_destroy",
	"write_pattern", "verify_pattern", "check", "fail_page_alloc", "set_cpu", "drain_all_pages",
	"double_free", "free_wrong_order", "free_interior", "free_wrong_cache", "free_wrong_owner",
	"free_foreign", "slabinfo", "buddyinfo",
};

/* ---- fields ------------------------------------------------------------ */
size_t rec_size(const uint8_t *r)
{
	unsigned int v = rec_u16(r), hi = v >> 14, lo = v & 0x3fff;

	switch (hi) {
	case 0: return (size_t)lo + 1;
	case 1: return (size_t)lo * 64;
	case 2: return (size_t)1 << (lo % 48);
	default: return ((size_t)1 << (lo % 48)) + 1;
	}
}

int size_encode(size_t s, unsigned int *v)
{
	if (s >= 1 && s <= 16384) {
		*v = (unsigned int)(s - 1);
		return 0;
	}
	if (s % 64 == 0 && s / 64 <= 0x3fff) {
		*v = 0x4000 | (unsigned int)(s / 64);
		return 0;
	}
	for (unsigned int k = 0; k < 48; k++) {
		if (s == (size_t)1 << k) {
			*v = 0x8000 | k;
			return 0;
		}
		if (s == ((size_t)1 << k) + 1) {
			*v = 0xc000 | k;
			return 0;
		}
	}
	return -1;
}

size_t rec_count(const uint8_t *r)
{
	return r[5] < 0xf0 ? r[5] : SIZE_MAX >> (r[5] - 0xf0);
}

gfp_t gfp_of_bits(unsigned int bits)
{
	gfp_t g = (bits & GFPB_ATOMIC) ? GFP_ATOMIC : GFP_KERNEL;

	if (bits & GFPB_DMA)
		g |= GFP_DMA;
	if (bits & GFPB_ZERO)
		g |= __GFP_ZERO;
	if (bits & GFPB_RECLAIM)
		g |= __GFP_RECLAIMABLE;
	if (bits & GFPB_ACCOUNT)
		g |= __GFP_ACCOUNT;
	return g;
}

void hdr_config(const uint8_t *h, struct machine_config *cfg)
{
	machine_config_default(cfg);
	cfg->nr_pages = 1024UL * (1 + h[0] % 8);
	cfg->dma_pages = cfg->nr_pages * hdr_dma_eighths[h[1] % 5] / 8;
	cfg->nr_cpus = hdr_cpus[h[2] % 8];
	cfg->profile = (h[3] % 2) ? KMALLOC_PROFILE_CLASSIC : KMALLOC_PROFILE_DEFAULT;
	cfg->slub_debug = (h[4] % 2) ? MACHINE_SLUB_POISON : 0;
	cfg->max_order = MAX_PAGE_ORDER - h[5] % 6;
	/* size-131072 with poison needs an order-6 slab (OPS.md 1.1). */
	if (cfg->profile == KMALLOC_PROFILE_CLASSIC && cfg->slub_debug && cfg->max_order < 6)
		cfg->max_order = 6;
	cfg->quiet = 1;
}

/* ---- targets (OPS.md 4) ------------------------------------------------ */
static const uint8_t set_buddy[] = { 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25, 27 };
static const uint8_t set_slab[] = { 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23, 25, 26 };
static const uint8_t set_kmalloc[] = { 0, 1, 2, 3, 4, 5, 14, 15, 16, 17, 18, 20, 22, 23, 24, 25, 26 };
static const char *const target_names[NR_TARGETS] = { "none", "buddy", "slab", "kmalloc", "mixed" };

unsigned int target_op(enum op_target t, unsigned int op)
{
	const uint8_t *set;
	unsigned int n;

	switch (t) {
	case TARGET_BUDDY: set = set_buddy; n = sizeof(set_buddy); break;
	case TARGET_SLAB: set = set_slab; n = sizeof(set_slab); break;
	case TARGET_KMALLOC: set = set_kmalloc; n = sizeof(set_kmalloc); break;
	case TARGET_MIXED: return op < NR_DEFINED_OPS ? op : op % NR_DEFINED_OPS;
	default: return op;
	}
	for (unsigned int i = 0; i < n; i++)
		if (set[i] == op)
			return op;
	return set[op % n];
}

const char *target_name(enum op_target t)
{
	return (unsigned)t < NR_TARGETS ? target_names[t] : "?";
}

int target_parse(const char *s)
{
	if (!strncmp(s, "fuzz_", 5))
		s += 5;
	for (int t = 0; t < NR_TARGETS; t++)
		if (!strcmp(s, target_names[t]))
			return t;
	return -1;
}

/* ---- programs ---------------------------------------------------------- */
void prog_load(struct prog *p, const uint8_t *data, size_t size)
{
	size_t nrec;

	memset(p->hdr, 0, sizeof(p->hdr));
	memcpy(p->hdr, data, size < OPS_HDR ? size : OPS_HDR);
	nrec = size > OPS_HDR ? (size - OPS_HDR) / OPS_REC : 0;
	if (nrec > OPS_MAX)
		nrec = OPS_MAX;
	p->n = (unsigned int)nrec;
	if (nrec)
		memcpy(p->rec, data + OPS_HDR, nrec * OPS_REC);
}

void prog_retarget(struct prog *p, enum op_target t)
{
	for (unsigned int i = 0; i < p->n; i++)
		p->rec[i][0] = (uint8_t)target_op(t, rec_op(p->rec[i]));
}

/* The canonical bytes of one record: every field reduced, unused bytes 0. */
static void rec_canon(uint8_t *r)
{
	uint8_t c[OPS_REC] = { 0 };
	unsigned int op = rec_op(r), v;

	c[0] = (uint8_t)op;
	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC: case OP_KREALLOC: case OP_KMALLOC_ARRAY:
		c[1] = (uint8_t)rec_p(r);
		size_encode(rec_size(r), &v);	/* every decoded size is expressible */
		c[2] = (uint8_t)v;
		c[3] = (uint8_t)(v >> 8);
		c[4] = (uint8_t)rec_gfpbits(r);
		if (op == OP_KMALLOC_ARRAY)
			c[5] = r[5];		/* every count byte is canonical */
		break;
	case OP_KFREE: case OP_KSIZE: case OP_FREE_PAGES: case OP_CACHE_FREE: case OP_WRITE:
	case OP_VERIFY: case OP_DOUBLE_FREE: case OP_WRONG_OWNER:
		c[1] = (uint8_t)rec_p(r);
		break;
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		c[1] = (uint8_t)rec_p(r);
		c[4] = (uint8_t)rec_gfpbits(r);
		c[5] = (uint8_t)rec_order(r);
		break;
	case OP_CACHE_CREATE:
		c[1] = (uint8_t)rec_c(r);
		size_encode(rec_size(r), &v);
		c[2] = (uint8_t)v;
		c[3] = (uint8_t)(v >> 8);
		c[4] = r[4] % 8;
		c[5] = (uint8_t)rec_cflags(r);
		c[6] = r[6] % NR_CACHE_NAMES;
		break;
	case OP_CACHE_ALLOC:
		c[1] = (uint8_t)rec_p(r);
		c[4] = (uint8_t)rec_gfpbits(r);
		c[6] = (uint8_t)rec_c6(r);
		break;
	case OP_CACHE_SHRINK: case OP_CACHE_DESTROY:
		c[1] = (uint8_t)rec_c(r);
		break;
	case OP_FAIL:
		c[2] = r[2];
		c[3] = r[3];
		break;
	case OP_SET_CPU:
		c[2] = (uint8_t)rec_cpu(r);
		break;
	case OP_WRONG_ORDER:
		c[1] = (uint8_t)rec_p(r);
		c[5] = (uint8_t)(rec_delta(r) - 1);
		break;
	case OP_INTERIOR:
		c[1] = (uint8_t)rec_p(r);
		c[2] = r[2];
		c[3] = r[3];
		break;
	case OP_WRONG_CACHE:
		c[1] = (uint8_t)rec_p(r);
		c[6] = (uint8_t)rec_c6(r);
		break;
	case OP_FOREIGN:
		c[2] = (uint8_t)rec_foreign(r);
		if (c[2] == FOREIGN_CACHE_FREE)
			c[6] = (uint8_t)rec_c6(r);
		break;
	default:	/* no fields: check, drain, slabinfo, buddyinfo, reserved */
		break;
	}
	memcpy(r, c, OPS_REC);
}

void prog_canon(struct prog *p)
{
	uint8_t h[OPS_HDR] = { 0 };
	struct machine_config cfg;

	hdr_config(p->hdr, &cfg);
	h[0] = p->hdr[0] % 8;
	h[1] = p->hdr[1] % 5;
	h[2] = p->hdr[2] % 8;
	h[3] = p->hdr[3] % 2;
	h[4] = p->hdr[4] % 2;
	h[5] = (uint8_t)(MAX_PAGE_ORDER - cfg.max_order);	/* as decoded: a raised max_order is written raised */
	memcpy(p->hdr, h, OPS_HDR);
	for (unsigned int i = 0; i < p->n; i++)
		rec_canon(p->rec[i]);
}

size_t prog_bytes(const struct prog *p, uint8_t *out, size_t cap)
{
	size_t len = OPS_HDR + (size_t)p->n * OPS_REC;

	if (len > cap)
		return 0;
	memcpy(out, p->hdr, OPS_HDR);
	memcpy(out + OPS_HDR, p->rec, (size_t)p->n * OPS_REC);
	return len;
}

/* ---- printing ------------------------------------------------------------ */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->buf + (b->pos < b->len ? b->pos : b->len),
		      b->pos < b->len ? b->len - b->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n;
}

static void sb_gfp(struct sbuf *b, unsigned int bits)
{
	sb_printf(b, "%s", (bits & GFPB_ATOMIC) ? "GFP_ATOMIC" : "GFP_KERNEL");
	if (bits & GFPB_DMA)
		sb_printf(b, " | GFP_DMA");
	if (bits & GFPB_ZERO)
		sb_printf(b, " | __GFP_ZERO");
	if (bits & GFPB_RECLAIM)
		sb_printf(b, " | __GFP_RECLAIMABLE");
	if (bits & GFPB_ACCOUNT)
		sb_printf(b, " | __GFP_ACCOUNT");
}

static void sb_count(struct sbuf *b, const uint8_t *r)
{
	if (r[5] < 0xf0)
		sb_printf(b, "%u", r[5]);
	else if (r[5] == 0xf0)
		sb_printf(b, "SIZE_MAX");
	else
		sb_printf(b, "SIZE_MAX >> %u", r[5] - 0xf0);
}

static const char *const cflag_names[5] = {
	"SLAB_HWCACHE_ALIGN", "SLAB_POISON", "SLAB_CACHE_DMA", NULL /* ctor */, "SLAB_TYPESAFE_BY_RCU"
};

int op_format(const uint8_t *r, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };
	unsigned int op = rec_op(r);

	if (len)
		buf[0] = 0;
	if (op >= NR_DEFINED_OPS) {
		sb_printf(&b, "nop(%u)", op);
		return (int)b.pos;
	}
	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC:
		sb_printf(&b, "p%u = %s(%zu, ", rec_p(r), op_names[op], rec_size(r));
		sb_gfp(&b, rec_gfpbits(r));
		sb_printf(&b, ")");
		break;
	case OP_KREALLOC:
		sb_printf(&b, "p%u = krealloc(p%u, %zu, ", rec_p(r), rec_p(r), rec_size(r));
		sb_gfp(&b, rec_gfpbits(r));
		sb_printf(&b, ")");
		break;
	case OP_KMALLOC_ARRAY:
		sb_printf(&b, "p%u = kmalloc_array(", rec_p(r));
		sb_count(&b, r);
		sb_printf(&b, ", %zu, ", rec_size(r));
		sb_gfp(&b, rec_gfpbits(r));
		sb_printf(&b, ")");
		break;
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		sb_printf(&b, "p%u = %s(", rec_p(r), op_names[op]);
		sb_gfp(&b, rec_gfpbits(r));
		sb_printf(&b, ", %u)", rec_order(r));
		break;
	case OP_CACHE_CREATE: {
		unsigned int f = rec_cflags(r), any = 0;

		sb_printf(&b, "c%u = kmem_cache_create(\"%s\", %zu, %u, ", rec_c(r), rec_name(r),
			  rec_size(r), rec_align(r));
		for (unsigned int i = 0; i < 5; i++) {
			if (!(f & (1u << i)) || !cflag_names[i])
				continue;
			sb_printf(&b, "%s%s", any ? " | " : "", cflag_names[i]);
			any = 1;
		}
		sb_printf(&b, "%s%s)", any ? "" : "0", (f & CFLAG_CTOR) ? ", ctor" : "");
		break;
	}
	case OP_CACHE_ALLOC:
		sb_printf(&b, "p%u = kmem_cache_alloc(c%u, ", rec_p(r), rec_c6(r));
		sb_gfp(&b, rec_gfpbits(r));
		sb_printf(&b, ")");
		break;
	case OP_CACHE_SHRINK: case OP_CACHE_DESTROY:
		sb_printf(&b, "%s(c%u)", op_names[op], rec_c(r));
		break;
	case OP_FAIL:
		sb_printf(&b, "fail_page_alloc(%u, %u)", r[2], r[3]);
		break;
	case OP_SET_CPU:
		sb_printf(&b, "set_cpu(%u)", rec_cpu(r));
		break;
	case OP_WRONG_ORDER:
		sb_printf(&b, "free_wrong_order(p%u, +%u)", rec_p(r), rec_delta(r));
		break;
	case OP_INTERIOR:
		sb_printf(&b, "free_interior(p%u, %u)", rec_p(r), rec_u16(r));
		break;
	case OP_WRONG_CACHE:
		sb_printf(&b, "free_wrong_cache(p%u, c%u)", rec_p(r), rec_c6(r));
		break;
	case OP_FOREIGN:
		if (rec_foreign(r) == FOREIGN_CACHE_FREE)
			sb_printf(&b, "free_foreign(kmem_cache_free, c%u)", rec_c6(r));
		else
			sb_printf(&b, "free_foreign(%s)",
				  rec_foreign(r) == FOREIGN_KFREE ? "kfree" : "free_pages");
		break;
	case OP_CHECK: case OP_DRAIN: case OP_SLABINFO: case OP_BUDDYINFO:
		sb_printf(&b, "%s()", op_names[op]);
		break;
	default:	/* one p-slot argument */
		sb_printf(&b, "%s(p%u)", op_names[op], rec_p(r));
		break;
	}
	return (int)b.pos;
}

int hdr_format(const uint8_t *h, char *buf, size_t len)
{
	struct machine_config cfg;

	hdr_config(h, &cfg);
	return snprintf(buf, len, "machine(pages=%lu, dma=%lu, cpus=%u, profile=%s, poison=%u, max_order=%u)",
			cfg.nr_pages, cfg.dma_pages, cfg.nr_cpus,
			cfg.profile == KMALLOC_PROFILE_CLASSIC ? "classic" : "default",
			cfg.slub_debug ? 1u : 0u, cfg.max_order);
}

void prog_print(const struct prog *p, FILE *out)
{
	char line[256];

	hdr_format(p->hdr, line, sizeof(line));
	fprintf(out, "%s\n", line);
	for (unsigned int i = 0; i < p->n; i++) {
		op_format(p->rec[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
}

/* ---- parsing ------------------------------------------------------------- */
#define MAX_ARGS 6

struct pline {
	char lhs_kind;		/* 'p', 'c' or 0 */
	unsigned int lhs;
	char name[40];
	int nargs;
	char args[MAX_ARGS][80];
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_num(const char *s, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtoull(s, &end, 0);
	return *trim(end) ? -1 : 0;
}

static int parse_slot(const char *s, char kind, unsigned int nslots, unsigned int *out)
{
	unsigned long long v;

	if (s[0] != kind || parse_num(s + 1, &v) || v >= nslots)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* "name(arg, arg)" with an optional "pN = " in front. */
static const char *split_line(char *s, struct pline *l)
{
	char *open, *close, *a;
	int depth = 0, inq = 0;

	memset(l, 0, sizeof(*l));
	if ((s[0] == 'p' || s[0] == 'c') && isdigit((unsigned char)s[1])) {
		char *eq = strchr(s, '=');

		if (!eq)
			return "expected '=' after the slot";
		*eq = 0;
		if (parse_slot(trim(s), s[0], s[0] == 'p' ? NR_PSLOTS : NR_CSLOTS, &l->lhs))
			return s[0] == 'p' ? "p-slot must be p0..p31" : "c-slot must be c0..c7";
		l->lhs_kind = s[0];
		s = trim(eq + 1);
	}
	open = strchr(s, '(');
	close = strrchr(s, ')');
	if (!open || !close || close < open || *trim(close + 1))
		return "expected name(arguments)";
	*open = 0;
	*close = 0;
	if (strlen(trim(s)) >= sizeof(l->name))
		return "name too long";
	strcpy(l->name, trim(s));
	a = open + 1;
	if (!*trim(a))
		return NULL;
	for (char *q = a;; q++) {
		if (*q == '"')
			inq = !inq;
		else if (!inq && *q == '(')
			depth++;
		else if (!inq && *q == ')')
			depth--;
		if (*q == 0 || (*q == ',' && !inq && !depth)) {
			int end = *q == 0;

			*q = 0;
			if (l->nargs == MAX_ARGS)
				return "too many arguments";
			if (strlen(trim(a)) >= sizeof(l->args[0]))
				return "argument too long";
			strcpy(l->args[l->nargs++], trim(a));
			if (end)
				break;
			a = q + 1;
		}
	}
	return NULL;
}

static int parse_gfp(char *s, unsigned int *bits)
{
	*bits = 0;
	for (char *tok = strtok(s, "|"); tok; tok = strtok(NULL, "|")) {
		tok = trim(tok);
		if (!strcmp(tok, "GFP_KERNEL"))
			continue;
		else if (!strcmp(tok, "GFP_ATOMIC"))
			*bits |= GFPB_ATOMIC;
		else if (!strcmp(tok, "GFP_DMA") || !strcmp(tok, "__GFP_DMA"))
			*bits |= GFPB_DMA;
		else if (!strcmp(tok, "__GFP_ZERO"))
			*bits |= GFPB_ZERO;
		else if (!strcmp(tok, "__GFP_RECLAIMABLE"))
			*bits |= GFPB_RECLAIM;
		else if (!strcmp(tok, "__GFP_ACCOUNT"))
			*bits |= GFPB_ACCOUNT;
		else
			return -1;
	}
	return 0;
}

static int parse_size(const char *s, uint8_t *r)
{
	unsigned long long v;
	unsigned int enc;

	if (parse_num(s, &v) || size_encode((size_t)v, &enc))
		return -1;
	r[2] = (uint8_t)enc;
	r[3] = (uint8_t)(enc >> 8);
	return 0;
}

static int parse_count(const char *s, uint8_t *r)
{
	unsigned long long v;

	if (!strncmp(s, "SIZE_MAX", 8)) {
		const char *t = s + 8;

		while (isspace((unsigned char)*t))
			t++;
		if (!*t) {
			r[5] = 0xf0;
			return 0;
		}
		if (strncmp(t, ">>", 2) || parse_num(trim((char *)t + 2), &v) || v == 0 || v > 15)
			return -1;
		r[5] = (uint8_t)(0xf0 + v);
		return 0;
	}
	if (parse_num(s, &v) || v >= 0xf0)
		return -1;
	r[5] = (uint8_t)v;
	return 0;
}

static int parse_cflags(char *s, unsigned int *f)
{
	*f = 0;
	if (!strcmp(s, "0"))
		return 0;
	for (char *tok = strtok(s, "|"); tok; tok = strtok(NULL, "|")) {
		unsigned int i;

		tok = trim(tok);
		for (i = 0; i < 5; i++)
			if (cflag_names[i] && !strcmp(tok, cflag_names[i]))
				break;
		if (i == 5)
			return -1;
		*f |= 1u << i;
	}
	return 0;
}

static int lookup_op(const char *name)
{
	for (int i = 0; i < NR_DEFINED_OPS; i++)
		if (!strcmp(name, op_names[i]))
			return i;
	if (!strcmp(name, "nop"))
		return NR_OPS;
	return -1;
}

/* Fill record @r from a split line; NULL or the reason it is wrong. */
static const char *parse_op(struct pline *l, uint8_t *r)
{
	int op = lookup_op(l->name);
	unsigned int slot, v;
	unsigned long long n;

	memset(r, 0, OPS_REC);
	if (op < 0)
		return "unknown op";
	if (op == NR_OPS) {
		if (l->nargs != 1 || parse_num(l->args[0], &n) || n < NR_DEFINED_OPS || n >= NR_OPS)
			return "nop(N) takes a reserved op number 28..63";
		r[0] = (uint8_t)n;
		return NULL;
	}
	r[0] = (uint8_t)op;
	switch (op) {
	case OP_KMALLOC: case OP_KZALLOC: case OP_KREALLOC: case OP_KMALLOC_ARRAY: {
		int a = 0;

		if (l->lhs_kind != 'p')
			return "needs 'pN =' in front";
		r[1] = (uint8_t)l->lhs;
		if (l->nargs != (op == OP_KMALLOC || op == OP_KZALLOC ? 2 : 3))
			return "wrong number of arguments";
		if (op == OP_KREALLOC && (parse_slot(l->args[a++], 'p', NR_PSLOTS, &slot) || slot != l->lhs))
			return "krealloc's first argument must be the slot it assigns";
		if (op == OP_KMALLOC_ARRAY && parse_count(l->args[a++], r))
			return "count must be 0..239, SIZE_MAX or SIZE_MAX >> 1..15";
		if (parse_size(l->args[a++], r))
			return "size not expressible (1..16384, multiples of 64 below 1 MiB, 2^k, 2^k+1)";
		if (parse_gfp(l->args[a], &v))
			return "bad gfp flags";
		r[4] = (uint8_t)v;
		return NULL;
	}
	case OP_ALLOC_PAGES: case OP_GET_FREE_PAGES:
		if (l->lhs_kind != 'p')
			return "needs 'pN =' in front";
		r[1] = (uint8_t)l->lhs;
		if (l->nargs != 2 || parse_gfp(l->args[0], &v))
			return "expected (gfp, order)";
		r[4] = (uint8_t)v;
		if (parse_num(l->args[1], &n) || n > 10)
			return "order must be 0..10";
		r[5] = (uint8_t)n;
		return NULL;
	case OP_CACHE_CREATE: {
		char *name = l->args[0];
		unsigned int i;

		if (l->lhs_kind != 'c')
			return "needs 'cN =' in front";
		r[1] = (uint8_t)l->lhs;
		if (l->nargs != 4 && l->nargs != 5)
			return "expected (\"name\", size, align, flags[, ctor])";
		if (name[0] != '"' || strlen(name) < 2 || name[strlen(name) - 1] != '"')
			return "name must be quoted";
		name[strlen(name) - 1] = 0;
		for (i = 0; i < NR_CACHE_NAMES; i++)
			if (!strcmp(name + 1, cache_names[i]))
				break;
		if (i == NR_CACHE_NAMES)
			return "cache name not in OPS.md's table";
		r[6] = (uint8_t)i;
		if (parse_size(l->args[1], r))
			return "size not expressible";
		if (parse_num(l->args[2], &n))
			return "bad align";
		for (i = 0; i < 8; i++)
			if (cache_aligns[i] == n)
				break;
		if (i == 8)
			return "align must be 0, 8, 16, 32, 64, 128, 4096 or 24";
		r[4] = (uint8_t)i;
		if (parse_cflags(l->args[3], &v))
			return "bad cache flags";
		if (l->nargs == 5) {
			if (!strcmp(l->args[4], "ctor"))
				v |= CFLAG_CTOR;
			else if (strcmp(l->args[4], "NULL"))
				return "fifth argument must be ctor or NULL";
		}
		r[5] = (uint8_t)v;
		return NULL;
	}
	case OP_CACHE_ALLOC:
		if (l->lhs_kind != 'p')
			return "needs 'pN =' in front";
		r[1] = (uint8_t)l->lhs;
		if (l->nargs != 2 || parse_slot(l->args[0], 'c', NR_CSLOTS, &slot) || parse_gfp(l->args[1], &v))
			return "expected (cN, gfp)";
		r[6] = (uint8_t)slot;
		r[4] = (uint8_t)v;
		return NULL;
	default:
		break;
	}
	if (l->lhs_kind)
		return "this op assigns nothing";
	switch (op) {
	case OP_CACHE_SHRINK: case OP_CACHE_DESTROY:
		if (l->nargs != 1 || parse_slot(l->args[0], 'c', NR_CSLOTS, &slot))
			return "expected (cN)";
		r[1] = (uint8_t)slot;
		return NULL;
	case OP_CHECK: case OP_DRAIN: case OP_SLABINFO: case OP_BUDDYINFO:
		return l->nargs ? "takes no arguments" : NULL;
	case OP_FAIL: {
		unsigned long long t;

		if (l->nargs != 2 || parse_num(l->args[0], &n) || parse_num(l->args[1], &t) || n > 255 || t > 255)
			return "expected (skip 0..255, times 0..255)";
		r[2] = (uint8_t)n;
		r[3] = (uint8_t)t;
		return NULL;
	}
	case OP_SET_CPU:
		if (l->nargs != 1 || parse_num(l->args[0], &n) || n > 63)
			return "expected (cpu 0..63)";
		r[2] = (uint8_t)n;
		return NULL;
	case OP_FOREIGN:
		if (l->nargs == 1 && !strcmp(l->args[0], "kfree"))
			r[2] = FOREIGN_KFREE;
		else if (l->nargs == 1 && !strcmp(l->args[0], "free_pages"))
			r[2] = FOREIGN_FREE_PAGES;
		else if (l->nargs == 2 && !strcmp(l->args[0], "kmem_cache_free") &&
			 !parse_slot(l->args[1], 'c', NR_CSLOTS, &slot)) {
			r[2] = FOREIGN_CACHE_FREE;
			r[6] = (uint8_t)slot;
		} else {
			return "expected (kfree), (free_pages) or (kmem_cache_free, cN)";
		}
		return NULL;
	default:
		break;
	}
	/* The rest take a p-slot first. */
	if (l->nargs < 1 || parse_slot(l->args[0], 'p', NR_PSLOTS, &slot))
		return "expected a p-slot (p0..p31) as the first argument";
	r[1] = (uint8_t)slot;
	switch (op) {
	case OP_WRONG_ORDER:
		if (l->nargs != 2 || l->args[1][0] != '+' || parse_num(l->args[1] + 1, &n) || n < 1 || n > 10)
			return "expected (pN, +D) with D 1..10";
		r[5] = (uint8_t)(n - 1);
		return NULL;
	case OP_INTERIOR:
		if (l->nargs != 2 || parse_num(l->args[1], &n) || n > 0xffff)
			return "expected (pN, offset 0..65535)";
		r[2] = (uint8_t)n;
		r[3] = (uint8_t)(n >> 8);
		return NULL;
	case OP_WRONG_CACHE:
		if (l->nargs != 2 || parse_slot(l->args[1], 'c', NR_CSLOTS, &slot))
			return "expected (pN, cN)";
		r[6] = (uint8_t)slot;
		return NULL;
	default:
		return l->nargs == 1 ? NULL : "expected (pN)";
	}
}

static const char *parse_machine(struct pline *l, uint8_t *h)
{
	unsigned long pages = 1024;
	int have_dma = 0;
	unsigned long long dma = 0;

	memset(h, 0, OPS_HDR);
	/* pages first: the DMA share is relative to it. */
	for (int i = 0; i < l->nargs; i++) {
		char *eq = strchr(l->args[i], '=');
		unsigned long long v;

		if (!eq)
			return "machine() takes key=value arguments";
		*eq = 0;
		char *k = trim(l->args[i]), *val = trim(eq + 1);

		if (!strcmp(k, "profile")) {
			if (!strcmp(val, "default"))
				h[3] = 0;
			else if (!strcmp(val, "classic"))
				h[3] = 1;
			else
				return "profile must be default or classic";
			continue;
		}
		if (parse_num(val, &v))
			return "bad number";
		if (!strcmp(k, "pages")) {
			if (v % 1024 || v < 1024 || v > 8192)
				return "pages must be 1024, 2048, ... 8192";
			h[0] = (uint8_t)(v / 1024 - 1);
			pages = (unsigned long)v;
		} else if (!strcmp(k, "dma")) {
			dma = v;
			have_dma = 1;
		} else if (!strcmp(k, "cpus")) {
			unsigned int j;

			for (j = 0; j < 8; j++)
				if (hdr_cpus[j] == v)
					break;
			if (j == 8)
				return "cpus must be 1, 2, 3, 4, 8, 16, 32 or 64";
			h[2] = (uint8_t)j;
		} else if (!strcmp(k, "poison")) {
			if (v > 1)
				return "poison must be 0 or 1";
			h[4] = (uint8_t)v;
		} else if (!strcmp(k, "max_order")) {
			if (v < 5 || v > 10)
				return "max_order must be 5..10";
			h[5] = (uint8_t)(10 - v);
		} else {
			return "unknown machine key";
		}
	}
	if (have_dma) {
		unsigned int j;

		for (j = 0; j < 5; j++)
			if (pages * hdr_dma_eighths[j] / 8 == dma)
				break;
		if (j == 5)
			return "dma must be 0, 1/8, 1/4, 1/2 or all of pages";
		h[1] = (uint8_t)j;
	}
	return NULL;
}

int prog_parse(const char *text, struct prog *p, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	int lineno = 0, rc = 0, seen_op = 0;

	memset(p, 0, sizeof(*p));
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = copy; line; line = save) {
		struct pline l;
		const char *why;
		char *hash, *s;

		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		s = trim(line);
		if (!*s)
			continue;
		why = split_line(s, &l);
		if (!why && !strcmp(l.name, "machine") && !l.lhs_kind)
			why = seen_op ? "machine(...) must come before the first op" : parse_machine(&l, p->hdr);
		else if (!why && p->n == OPS_MAX)
			why = "more than 256 ops";
		else if (!why) {
			why = parse_op(&l, p->rec[p->n]);
			if (!why)
				p->n++;
			seen_op = 1;
		}
		if (why) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}
