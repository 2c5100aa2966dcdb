/* ops.c - the op language of harness/OPS.md: decoding, canonical encoding,
 * printing and parsing, all driven by the op table in harness/ops.def.
 *
 * Each op's entry in ops.def gives its text form, "pP = kmalloc(SIZE, GFP)":
 * the printer walks that text and prints each UPPER-CASE field word from the
 * record, the parser walks it over the input line and reads each field back,
 * and canonicalisation keeps exactly the bytes of the fields it names.  So an
 * op is added by adding its line; what is written per field kind (how SIZE
 * or GFP prints and parses) is written once below.  props/ops.py reads the
 * same table and is checked against `kfz decode`/`kfz encode`.
 *
 * Entry points: see ops.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- ops.def's tables ---------------------------------------------------- */
#define DEF_STRINGS(id, ...) const char *const id[] = { __VA_ARGS__ };
#define DEF_NUMBERS(id, ...) const unsigned int id[] = { __VA_ARGS__ };
#include "ops.def"

_Static_assert(1u << ARRAY_SIZE(gfp_bit_names) == OPF_GFP_MOD, "one GFP bit name per bit");
_Static_assert(ARRAY_SIZE(gfp_bit_aliases) == ARRAY_SIZE(gfp_bit_names), "one alias slot per GFP bit");
_Static_assert(1u << ARRAY_SIZE(cache_flag_names) == OPF_FLAGS_MOD, "one cache flag name per bit");
_Static_assert(ARRAY_SIZE(hdr_profiles) == 2, "the kmalloc profiles");
_Static_assert(1u << ARRAY_SIZE(hdr_slub_debug_letters) == HDR_DEBUG_MOD, "one slub_debug letter per h4 bit");

/* The machine_config slub_debug bit of each header letter (h4 bit i). */
static const unsigned int hdr_debug_cfg[4] = {
	MACHINE_SLUB_POISON, MACHINE_SLUB_CONSISTENCY, MACHINE_SLUB_RED_ZONE, MACHINE_SLUB_STORE_USER
};
/* Linux's order of the letters in slub_debug=FZPU: the printer's order. */
static const unsigned int hdr_debug_print_order[4] = { HDR_DEBUG_F, HDR_DEBUG_Z, HDR_DEBUG_P, HDR_DEBUG_U };

const struct op_def op_defs[] = {
#define DEF_OP(num, name, targets, text) { num, #targets, text },
#include "ops.def"
};
const unsigned int nr_op_defs = ARRAY_SIZE(op_defs);

const struct op_range op_reserved[] = {
#define DEF_RESERVED(lo, hi, name, what) { lo, hi },
#include "ops.def"
};
const unsigned int nr_op_reserved = ARRAY_SIZE(op_reserved);

static const char *const field_words[NR_OP_FIELDS] = {
#define DEF_FIELD(name, byte, mod, what) #name,
#include "ops.def"
};
static const unsigned int field_byte[NR_OP_FIELDS] = {
#define DEF_FIELD(name, byte, mod, what) byte,
#include "ops.def"
};
static const unsigned int field_mod[NR_OP_FIELDS] = {
#define DEF_FIELD(name, byte, mod, what) mod,
#include "ops.def"
};

enum { OPS_READS_SET, OPS_READS_ALL };
static const struct target_def {
	const char *word, *name;
	unsigned int stamp;
	int reads_all;
} target_defs[NR_TARGETS] = {
#define DEF_TARGET(name, text, stamp, reads) { #name, text, stamp, OPS_READS_##reads },
#include "ops.def"
};

/* Stamp code -> target + 1 (0: unspecified); code -> allocator name. */
static const uint8_t stamp_target[HDR_TARGET_STAMP_MOD] = {
#define DEF_TARGET(name, text, stamp, reads) [stamp] = TARGET_##name + 1,
#include "ops.def"
};
static const char *const alloc_names[HDR_ALLOC_STAMP_MOD] = {
#define DEF_ALLOC(code, name, text) [code] = text,
#include "ops.def"
};

/* ---- the table, checked and indexed -------------------------------------- */
/* The field word at @s: its index and, in *len, its length; -1 for an
 * unknown word, -2 when @s does not start a field (not upper case). */
static int field_at(const char *s, size_t *len)
{
	size_t n = 0;

	if (!isupper((unsigned char)*s))
		return -2;
	while (isupper((unsigned char)s[n]) || isdigit((unsigned char)s[n]))
		n++;
	*len = n;
	for (int f = 0; f < NR_OP_FIELDS; f++)
		if (strlen(field_words[f]) == n && !strncmp(s, field_words[f], n))
			return f;
	return -1;
}

/* The record bytes field @f occupies (FN also reads C6's byte). */
static unsigned int field_bytes(int f)
{
	unsigned int m = 1u << field_byte[f];

	if (field_mod[f] > 256)
		m |= 1u << (field_byte[f] + 1);
	if (f == OPF_INDEX_FN)
		m |= 1u << OPF_C6_BYTE;
	return m;
}

/* The op name in text @t ("kmalloc" in "pP = kmalloc(SIZE, GFP)") into
 * @name; -1 if @t has no well-formed name. */
static int text_name(const char *t, char *name, size_t len)
{
	const char *open = strchr(t, '('), *s = t, *eq = strchr(t, '=');
	size_t n;

	if (!open)
		return -1;
	if (eq && eq < open)
		s = eq + 1;
	while (*s == ' ')
		s++;
	n = (size_t)(open - s);
	if (!n || n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return -1;
	memcpy(name, s, n);
	name[n] = 0;
	return 0;
}

static int target_word(const char *s, size_t n)
{
	for (int t = 0; t < NR_TARGETS; t++)
		if (strlen(target_defs[t].word) == n && !strncmp(s, target_defs[t].word, n))
			return t;
	return -1;
}

/* The target bits of "BUDDY|SLAB" (1u << TARGET_*); -1 for an unknown word. */
static long targets_of(const char *s)
{
	long m = 0;

	while (*s) {
		size_t n = strcspn(s, "| ");
		int t = n ? target_word(s, n) : -1;

		if (n && t < 0)
			return -1;
		if (n)
			m |= 1L << t;
		s += n;
		s += strspn(s, "| ");
	}
	return m;
}

#define CHECK_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int op_table_check(const struct op_def *defs, unsigned int ndefs,
		   const struct op_range *res, unsigned int nres, char *err, size_t errlen)
{
	unsigned int covered[NR_OPS] = { 0 }, members[NR_TARGETS] = { 0 };
	char names[NR_OPS][32];

	for (unsigned int i = 0; i < nres; i++) {
		if (res[i].lo > res[i].hi || res[i].hi >= NR_OPS)
			CHECK_FAIL("reserved range %u..%u is not within 0..%u", res[i].lo, res[i].hi, NR_OPS - 1);
		for (unsigned int op = res[i].lo; op <= res[i].hi; op++)
			covered[op]++;
	}
	for (unsigned int i = 0; i < ndefs; i++) {
		const struct op_def *d = &defs[i];
		unsigned int bytes[NR_OP_FIELDS] = { 0 };
		long tm;

		if (d->num >= NR_OPS)
			CHECK_FAIL("op %u: numbers are 0..%u", d->num, NR_OPS - 1);
		covered[d->num]++;
		if (text_name(d->text, names[i], sizeof(names[i])))
			CHECK_FAIL("op %u: text \"%s\" has no name(...)", d->num, d->text);
		if (d->text[strlen(d->text) - 1] != ')')
			CHECK_FAIL("op %u: text \"%s\" must end with ')'", d->num, d->text);
		if (!strcmp(names[i], "nop") || !strcmp(names[i], "machine"))
			CHECK_FAIL("op %u: the name %s is taken by the language", d->num, names[i]);
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				CHECK_FAIL("op %u: the name %s is op %u's too", d->num, names[i], defs[j].num);
		for (const char *t = d->text; *t;) {
			size_t n = 1;
			int f = field_at(t, &n);

			if (f == -1)
				CHECK_FAIL("op %u: unknown field %.*s", d->num, (int)n, t);
			if (f >= 0) {
				for (int g = 0; g < NR_OP_FIELDS; g++)
					if (g != f && bytes[g] & field_bytes(f))
						CHECK_FAIL("op %u: fields %s and %s share a byte", d->num,
							   field_words[g], field_words[f]);
				bytes[f] = field_bytes(f);
			}
			t += n;
		}
		tm = targets_of(d->targets);
		if (tm < 0)
			CHECK_FAIL("op %u: unknown target in \"%s\"", d->num, d->targets);
		for (int t = 0; t < NR_TARGETS; t++) {
			if (!(tm & (1L << t)))
				continue;
			if (target_defs[t].reads_all)
				CHECK_FAIL("op %u: target %s reads every op; it is not listed", d->num,
					   target_defs[t].name);
			members[t]++;
		}
	}
	for (unsigned int op = 0; op < NR_OPS; op++) {
		if (!covered[op])
			CHECK_FAIL("op %u is neither defined nor reserved", op);
		if (covered[op] > 1)
			CHECK_FAIL("op %u is defined or reserved %u times", op, covered[op]);
	}
	for (int t = 0; t < NR_TARGETS; t++)
		if (!target_defs[t].reads_all && !members[t])
			CHECK_FAIL("target %s has no ops", target_defs[t].name);
	return 0;
}

static struct op_info {
	const char *text;	/* NULL: reserved */
	char name[32];
	unsigned int fields;	/* OPF_* */
	unsigned int targets;	/* 1u << TARGET_* */
} op_info[NR_OPS];
static uint8_t target_map[NR_TARGETS][NR_OPS];
static int table_ready;

/* Index ops.def once (at load, so that no two threads race to do it; the
 * check in each caller covers a use from another constructor).  A broken
 * table is a build mistake, not bad input: say what is wrong and stop. */
__attribute__((constructor)) static void table_init(void)
{
	char err[200];

	if (table_ready)
		return;
	if (op_table_check(op_defs, nr_op_defs, op_reserved, nr_op_reserved, err, sizeof(err))) {
		fprintf(stderr, "harness/ops.def: %s\n", err);
		abort();
	}
	for (unsigned int i = 0; i < nr_op_defs; i++) {
		struct op_info *o = &op_info[op_defs[i].num];

		o->text = op_defs[i].text;
		text_name(o->text, o->name, sizeof(o->name));
		o->targets = (unsigned int)targets_of(op_defs[i].targets);
		for (const char *t = o->text; *t;) {
			size_t n = 1;
			int f = field_at(t, &n);

			if (f >= 0)
				o->fields |= 1u << f;
			t += n;
		}
	}
	for (int t = 0; t < NR_TARGETS; t++) {
		uint8_t set[NR_OPS];
		unsigned int n = 0;

		for (unsigned int op = 0; op < NR_OPS; op++)
			if (op_info[op].targets & (1u << t))
				set[n++] = (uint8_t)op;
		for (unsigned int op = 0; op < NR_OPS; op++) {
			if (target_defs[t].reads_all || (op_info[op].targets & (1u << t)))
				target_map[t][op] = (uint8_t)op;
			else
				target_map[t][op] = set[op % n];
		}
	}
	table_ready = 1;
}

const char *op_name(unsigned int op)
{
	table_init();
	return op < NR_OPS && op_info[op].text ? op_info[op].name : NULL;
}

const char *op_text(unsigned int op)
{
	table_init();
	return op < NR_OPS ? op_info[op].text : NULL;
}

unsigned int op_fields(unsigned int op)
{
	table_init();
	return op < NR_OPS ? op_info[op].fields : 0;
}

unsigned int rec_fields(const uint8_t *r)
{
	unsigned int f = op_fields(rec_op(r));

	if ((f & OPF_FN) && rec_foreign(r) == FOREIGN_CACHE_FREE)
		f |= OPF_C6;
	return f;
}

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
	unsigned int x = r[OPF_COUNT_BYTE];

	return x < 0xf0 ? x : SIZE_MAX >> (x - 0xf0);
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
	cfg->dma_pages = cfg->nr_pages * hdr_dma_eighths[h[1] % ARRAY_SIZE(hdr_dma_eighths)] / 8;
	cfg->nr_cpus = hdr_cpus[h[2] % ARRAY_SIZE(hdr_cpus)];
	cfg->profile = (h[3] % 2) ? KMALLOC_PROFILE_CLASSIC : KMALLOC_PROFILE_DEFAULT;
	cfg->slub_debug = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(hdr_debug_cfg); i++)
		if (hdr_debug(h) & (1u << i))
			cfg->slub_debug |= hdr_debug_cfg[i];
	cfg->max_order = MAX_PAGE_ORDER - h[5] % 6;
	/* size-131072 needs an order-6 slab with poison or tracking, order 7
	 * with red zones (its left red zone is its alignment, 128 KiB) (OPS.md 1.1). */
	if (cfg->profile == KMALLOC_PROFILE_CLASSIC) {
		unsigned int need = (hdr_debug(h) & HDR_DEBUG_Z) ? 7 : (hdr_debug(h) & (HDR_DEBUG_P | HDR_DEBUG_U)) ? 6 : 0;

		if (cfg->max_order < need)
			cfg->max_order = need;
	}
	cfg->quiet = 1;
}

/* ---- header stamps (OPS.md 1.1) ------------------------------------------ */
unsigned int hdr_target_stamp(const uint8_t *h)
{
	unsigned int code = h[HDR_TARGET_STAMP_BYTE] % HDR_TARGET_STAMP_MOD;

	return stamp_target[code] ? code : 0;
}

unsigned int hdr_alloc_stamp(const uint8_t *h)
{
	unsigned int code = h[HDR_ALLOC_STAMP_BYTE] % HDR_ALLOC_STAMP_MOD;

	return alloc_names[code] ? code : 0;
}

int hdr_target(const uint8_t *h)
{
	return (int)stamp_target[hdr_target_stamp(h)] - 1;
}

void hdr_stamp(uint8_t *h, int target, int alloc)
{
	h[HDR_TARGET_STAMP_BYTE] = target >= 0 && target < NR_TARGETS ?
		(uint8_t)target_defs[target].stamp : 0;
	h[HDR_ALLOC_STAMP_BYTE] = alloc > 0 && alloc < HDR_ALLOC_STAMP_MOD && alloc_names[alloc] ?
		(uint8_t)alloc : 0;
}

const char *alloc_stamp_name(unsigned int code)
{
	return code < HDR_ALLOC_STAMP_MOD ? alloc_names[code] : NULL;
}

int alloc_stamp_parse(const char *name)
{
	for (int c = 0; c < HDR_ALLOC_STAMP_MOD; c++)
		if (alloc_names[c] && !strcmp(name, alloc_names[c]))
			return c;
	return -1;
}

const char *alloc_stamp_names_list(void)
{
	static char list[128];

	if (!list[0])
		for (unsigned int c = 0; c < HDR_ALLOC_STAMP_MOD; c++)
			if (alloc_names[c])
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 list[0] ? ", " : "", alloc_names[c]);
	return list;
}

/* ---- targets (OPS.md 4) ------------------------------------------------ */
unsigned int target_op(enum op_target t, unsigned int op)
{
	table_init();
	return (unsigned)t < NR_TARGETS ? target_map[t][op % NR_OPS] : op;
}

int target_has(enum op_target t, unsigned int op)
{
	return target_op(t, op) == op % NR_OPS;
}

const char *target_name(enum op_target t)
{
	return (unsigned)t < NR_TARGETS ? target_defs[t].name : "?";
}

int target_parse(const char *s)
{
	if (!strncmp(s, "fuzz_", 5))
		s += 5;
	for (int t = 0; t < NR_TARGETS; t++)
		if (!strcmp(s, target_defs[t].name))
			return t;
	return -1;
}

const char *target_names_list(void)
{
	static char list[128];

	if (!list[0])
		for (int t = 0; t < NR_TARGETS; t++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", t ? ", " : "",
				 target_defs[t].name);
	return list;
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

/* The canonical bytes of one record: the fields its op names, reduced;
 * every other byte 0. */
static void rec_canon(uint8_t *r)
{
	uint8_t c[OPS_REC] = { 0 };
	unsigned int op = rec_op(r), fields = op_fields(op), v;

	c[0] = (uint8_t)op;
	for (int f = 0; f < NR_OP_FIELDS; f++) {
		unsigned int b = field_byte[f];

		if (!(fields & (1u << f)))
			continue;
		switch (f) {
		case OPF_INDEX_SIZE:
			size_encode(rec_size(r), &v);	/* every decoded size is expressible */
			c[b] = (uint8_t)v;
			c[b + 1] = (uint8_t)(v >> 8);
			break;
		case OPF_INDEX_FN:
			c[b] = (uint8_t)rec_foreign(r);
			if (c[b] == FOREIGN_CACHE_FREE)
				c[OPF_C6_BYTE] = (uint8_t)rec_c6(r);
			break;
		default:
			if (field_mod[f] > 256) {	/* a raw u16 */
				c[b] = r[b];
				c[b + 1] = r[b + 1];
			} else {
				c[b] = (uint8_t)(r[b] % field_mod[f]);
			}
		}
	}
	memcpy(r, c, OPS_REC);
}

void prog_canon(struct prog *p)
{
	uint8_t h[OPS_HDR] = { 0 };
	struct machine_config cfg;

	hdr_config(p->hdr, &cfg);
	h[0] = p->hdr[0] % 8;
	h[1] = p->hdr[1] % ARRAY_SIZE(hdr_dma_eighths);
	h[2] = p->hdr[2] % ARRAY_SIZE(hdr_cpus);
	h[3] = p->hdr[3] % 2;
	h[4] = (uint8_t)hdr_debug(p->hdr);
	h[5] = (uint8_t)(MAX_PAGE_ORDER - cfg.max_order);	/* as decoded: a raised max_order is written raised */
	h[HDR_TARGET_STAMP_BYTE] = (uint8_t)hdr_target_stamp(p->hdr);
	h[HDR_ALLOC_STAMP_BYTE] = (uint8_t)hdr_alloc_stamp(p->hdr);
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

/* One field of record @r as OPS.md 1.2 spells it. */
static void sb_field(struct sbuf *b, int f, const uint8_t *r)
{
	switch (f) {
	case OPF_INDEX_P: sb_printf(b, "%u", rec_p(r)); break;
	case OPF_INDEX_C: sb_printf(b, "%u", rec_c(r)); break;
	case OPF_INDEX_C6: sb_printf(b, "%u", rec_c6(r)); break;
	case OPF_INDEX_SIZE: sb_printf(b, "%zu", rec_size(r)); break;
	case OPF_INDEX_GFP: {
		unsigned int bits = rec_gfpbits(r);

		sb_printf(b, "%s", (bits & GFPB_ATOMIC) ? gfp_bit_names[0] : "GFP_KERNEL");
		for (unsigned int i = 1; i < ARRAY_SIZE(gfp_bit_names); i++)
			if (bits & (1u << i))
				sb_printf(b, " | %s", gfp_bit_names[i]);
		break;
	}
	case OPF_INDEX_ORDER: sb_printf(b, "%u", rec_order(r)); break;
	case OPF_INDEX_COUNT: {
		unsigned int x = r[OPF_COUNT_BYTE];

		if (x < 0xf0)
			sb_printf(b, "%u", x);
		else if (x == 0xf0)
			sb_printf(b, "SIZE_MAX");
		else
			sb_printf(b, "SIZE_MAX >> %u", x - 0xf0);
		break;
	}
	case OPF_INDEX_ALIGN: sb_printf(b, "%u", rec_align(r)); break;
	case OPF_INDEX_FLAGS: {
		unsigned int fl = rec_cflags(r), any = 0;

		for (unsigned int i = 0; i < ARRAY_SIZE(cache_flag_names); i++) {
			if (!(fl & (1u << i)) || (1u << i) == CFLAG_CTOR)
				continue;
			sb_printf(b, "%s%s", any ? " | " : "", cache_flag_names[i]);
			any = 1;
		}
		sb_printf(b, "%s%s", any ? "" : "0", (fl & CFLAG_CTOR) ? ", ctor" : "");
		break;
	}
	case OPF_INDEX_NAME: sb_printf(b, "%s", rec_name(r)); break;
	case OPF_INDEX_DELTA: sb_printf(b, "%u", rec_delta(r)); break;
	case OPF_INDEX_OFF: sb_printf(b, "%u", rec_u16(r)); break;
	case OPF_INDEX_CPU: sb_printf(b, "%u", rec_cpu(r)); break;
	case OPF_INDEX_SKIP: sb_printf(b, "%u", r[OPF_SKIP_BYTE]); break;
	case OPF_INDEX_TIMES: sb_printf(b, "%u", r[OPF_TIMES_BYTE]); break;
	case OPF_INDEX_FN:
		sb_printf(b, "%s", foreign_fn_names[rec_foreign(r)]);
		if (rec_foreign(r) == FOREIGN_CACHE_FREE)
			sb_printf(b, ", c%u", rec_c6(r));
		break;
	case OPF_INDEX_MALIGN: sb_printf(b, "%u", rec_malign(r)); break;
	case OPF_INDEX_SOFF: sb_printf(b, "%d", rec_soff(r)); break;
	case OPF_INDEX_LEN: sb_printf(b, "%u", rec_len(r)); break;
	case OPF_INDEX_MLEN: sb_printf(b, "%u", rec_mlen(r)); break;
	case OPF_INDEX_PDELTA: sb_printf(b, rec_pdelta(r) ? "%+d" : "%d", rec_pdelta(r)); break;
	}
}

int op_format(const uint8_t *r, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };
	const char *t = op_text(rec_op(r));

	if (len)
		buf[0] = 0;
	if (!t) {
		sb_printf(&b, "nop(%u)", rec_op(r));
		return (int)b.pos;
	}
	while (*t) {
		size_t n = 1;
		int f = field_at(t, &n);

		if (f >= 0)
			sb_field(&b, f, r);
		else
			sb_printf(&b, "%c", *t);
		t += n;
	}
	return (int)b.pos;
}

int hdr_format(const uint8_t *h, char *buf, size_t len)
{
	struct machine_config cfg;
	struct sbuf b = { buf, len, 0 };
	int t = hdr_target(h);

	if (len)
		buf[0] = 0;
	hdr_config(h, &cfg);
	sb_printf(&b, "machine(pages=%lu, dma=%lu, cpus=%u, profile=%s, ", cfg.nr_pages, cfg.dma_pages,
		  cfg.nr_cpus, hdr_profiles[cfg.profile == KMALLOC_PROFILE_CLASSIC]);
	/* poison=0/1 as before the other letters existed; slub_debug=... in
	 * its place when F, Z or U is on. */
	if (hdr_debug(h) & ~HDR_DEBUG_P) {
		sb_printf(&b, "slub_debug=");
		for (unsigned int i = 0; i < ARRAY_SIZE(hdr_debug_print_order); i++)
			if (hdr_debug(h) & hdr_debug_print_order[i])
				sb_printf(&b, "%s", hdr_slub_debug_letters[__builtin_ctz(hdr_debug_print_order[i])]);
	} else {
		sb_printf(&b, "poison=%u", hdr_debug(h) & HDR_DEBUG_P);
	}
	sb_printf(&b, ", max_order=%u", cfg.max_order);
	if (t >= 0)
		sb_printf(&b, ", target=%s", target_defs[t].name);
	if (hdr_alloc_stamp(h))
		sb_printf(&b, ", alloc=%s", alloc_names[hdr_alloc_stamp(h)]);
	sb_printf(&b, ")");
	return (int)b.pos;
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

/* ---- parsing -------------------------------------------------------------
 * A line is matched against its op's text form: literal characters must
 * match (whitespace may be added or left out around punctuation and where
 * the text has a space, never inside a word), and each field word reads the
 * input up to the character that follows it in the text.  props/ops.py
 * parses with the same rules; test_ops.py compares the two on mutated text.
 */
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

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Decimal, or hex with 0x; the whole string. */
static int parse_num(const char *s, unsigned long long *out)
{
	char *end;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (!isdigit((unsigned char)*s) || (hex && !isxdigit((unsigned char)s[2])))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, hex ? 16 : 10);
	return *end || errno ? -1 : 0;
}

static int parse_below(const char *s, unsigned long long n, unsigned int *out)
{
	unsigned long long v;

	if (parse_num(s, &v) || v >= n)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* "NAME must be one of A, B, ...": the values of @table. */
static const char *must_be(const char *name, const unsigned int *table, unsigned int n)
{
	static char why[160];

	snprintf(why, sizeof(why), "%s must be one of", name);
	for (unsigned int i = 0; i < n; i++)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s %u", i ? "," : "", table[i]);
	return why;
}

/* Edit distance of @a and @b (insert, delete, substitute one character),
 * capped at 9: enough to tell a typo from another word. */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[64], la = (unsigned int)strlen(a), lb = (unsigned int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 9;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] < 9 ? row[lb] : 9;
}

/* The name in @names (@n of them, NULLs skipped) nearest to @word, if it is
 * near enough to be a typo of it (at most a third of its letters off, at
 * least one); else NULL.  Case differences count as half a miss. */
static const char *nearest_name(const char *word, const char *const *names, unsigned int n)
{
	const char *best = NULL;
	unsigned int bd = 99, len = (unsigned int)strlen(word);
	unsigned int limit = len / 3 > 1 ? len / 3 : 1;

	for (unsigned int i = 0; i < n; i++) {
		char lw[64], ln[64];
		unsigned int d;

		if (!names[i])
			continue;
		snprintf(lw, sizeof(lw), "%s", word);
		snprintf(ln, sizeof(ln), "%s", names[i]);
		for (char *c = lw; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (char *c = ln; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		d = edit_distance(lw, ln);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	return bd <= limit ? best : NULL;
}

/* "WHAT 'WORD' (did you mean NAME?)", or without the question when nothing is near. */
static const char *unknown_word(const char *what, const char *word, const char *const *names, unsigned int n,
				const char *choices)
{
	static char why[192];
	const char *near = nearest_name(word, names, n);

	if (near)
		snprintf(why, sizeof(why), "unknown %s '%.40s' (did you mean %s?)", what, word, near);
	else if (choices)
		snprintf(why, sizeof(why), "unknown %s '%.40s' (%s)", what, word, choices);
	else
		snprintf(why, sizeof(why), "unknown %s '%.40s'", what, word);
	return why;
}

static int parse_index(const char *s, const unsigned int *table, unsigned int n, unsigned int *out)
{
	unsigned long long v;

	if (parse_num(s, &v))
		return -1;
	for (unsigned int i = 0; i < n; i++)
		if (table[i] == v) {
			*out = i;
			return 0;
		}
	return -1;
}

/* The next '|'-separated token of *@s, trimmed (possibly empty); NULL at the end. */
static char *next_token(char **s)
{
	char *tok = *s, *bar;

	if (!tok)
		return NULL;
	bar = strchr(tok, '|');
	if (bar)
		*bar++ = 0;
	*s = bar;
	return trim(tok);
}

static const char *parse_gfp(char *s, uint8_t *r)
{
	unsigned int bits = 0;

	for (char *tok; (tok = next_token(&s));) {
		unsigned int i;

		if (!strcmp(tok, "GFP_KERNEL"))
			continue;
		for (i = 0; i < ARRAY_SIZE(gfp_bit_names); i++)
			if (!strcmp(tok, gfp_bit_names[i]) || (gfp_bit_aliases[i][0] && !strcmp(tok, gfp_bit_aliases[i])))
				break;
		if (i == ARRAY_SIZE(gfp_bit_names)) {
			const char *all[2 * ARRAY_SIZE(gfp_bit_names) + 1];
			unsigned int k = 0;

			all[k++] = "GFP_KERNEL";
			for (unsigned int j = 0; j < ARRAY_SIZE(gfp_bit_names); j++) {
				all[k++] = gfp_bit_names[j];
				all[k++] = gfp_bit_aliases[j][0] ? gfp_bit_aliases[j] : NULL;
			}
			return unknown_word("GFP flag", tok, all, k, NULL);
		}
		bits |= 1u << i;
	}
	r[OPF_GFP_BYTE] = (uint8_t)bits;
	return NULL;
}

static const char *parse_flags(char *s, uint8_t *r)
{
	char *comma = strchr(s, ','), *flags = s;
	unsigned int f = 0;

	if (comma) {
		char *fifth = trim(comma + 1);

		*comma = 0;
		if (!strcmp(fifth, "ctor"))
			f |= CFLAG_CTOR;
		else if (strcmp(fifth, "NULL"))
			return "the fifth argument must be ctor or NULL";
	}
	flags = trim(flags);
	if (strcmp(flags, "0")) {
		for (char *tok; (tok = next_token(&flags));) {
			unsigned int i;

			for (i = 0; i < ARRAY_SIZE(cache_flag_names); i++)
				if ((1u << i) != CFLAG_CTOR && !strcmp(tok, cache_flag_names[i]))
					break;
			if (i == ARRAY_SIZE(cache_flag_names))
				return unknown_word("cache flag", tok, cache_flag_names, ARRAY_SIZE(cache_flag_names),
						    "flags are 0 or SLAB_... joined by |");
			f |= 1u << i;
		}
	}
	r[OPF_FLAGS_BYTE] = (uint8_t)f;
	return NULL;
}

static const char *parse_count(char *s, uint8_t *r)
{
	unsigned int v;

	if (!strncmp(s, "SIZE_MAX", 8)) {
		char *t = trim(s + 8);

		if (!*t) {
			r[OPF_COUNT_BYTE] = 0xf0;
			return NULL;
		}
		if (strncmp(t, ">>", 2) || parse_below(trim(t + 2), 16, &v) || v == 0)
			return "count must be 0..239, SIZE_MAX or SIZE_MAX >> 1..15";
		r[OPF_COUNT_BYTE] = (uint8_t)(0xf0 + v);
		return NULL;
	}
	if (parse_below(s, 0xf0, &v))
		return "count must be 0..239, SIZE_MAX or SIZE_MAX >> 1..15";
	r[OPF_COUNT_BYTE] = (uint8_t)v;
	return NULL;
}

/* Field @f from its text @s (trimmed, writable) into record @r. */
static const char *parse_field(int f, char *s, uint8_t *r)
{
	unsigned long long n;
	unsigned int v;

	switch (f) {
	case OPF_INDEX_P: case OPF_INDEX_C: case OPF_INDEX_C6:
		if (parse_below(s, field_mod[f], &v))
			return f == OPF_INDEX_P ? "p-slot must be p0..p31" : "c-slot must be c0..c7";
		r[field_byte[f]] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_SIZE:
		if (parse_num(s, &n) || size_encode((size_t)n, &v))
			return "size not expressible (1..16384, multiples of 64 below 1 MiB, 2^k, 2^k+1)";
		r[OPF_SIZE_BYTE] = (uint8_t)v;
		r[OPF_SIZE_BYTE + 1] = (uint8_t)(v >> 8);
		return NULL;
	case OPF_INDEX_GFP:
		return parse_gfp(s, r);
	case OPF_INDEX_ORDER:
		if (parse_below(s, OPF_ORDER_MOD, &v))
			return "order must be 0..10";
		r[OPF_ORDER_BYTE] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_COUNT:
		return parse_count(s, r);
	case OPF_INDEX_ALIGN:
		if (parse_index(s, cache_aligns, NR_CACHE_ALIGNS, &v))
			return must_be("align", cache_aligns, NR_CACHE_ALIGNS);
		r[OPF_ALIGN_BYTE] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_FLAGS:
		return parse_flags(s, r);
	case OPF_INDEX_NAME:
		for (v = 0; v < NR_CACHE_NAMES; v++)
			if (!strcmp(s, cache_names[v]))
				break;
		if (v == NR_CACHE_NAMES)
			return unknown_word("cache name", s, cache_names, NR_CACHE_NAMES, "not in ops.def's cache_names");
		r[OPF_NAME_BYTE] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_DELTA:
		if (parse_below(s, OPF_DELTA_MOD + 1, &v) || v == 0)
			return "delta must be 1..10";
		r[OPF_DELTA_BYTE] = (uint8_t)(v - 1);
		return NULL;
	case OPF_INDEX_OFF:
		if (parse_below(s, 0x10000, &v))
			return "offset must be 0..65535";
		r[OPF_OFF_BYTE] = (uint8_t)v;
		r[OPF_OFF_BYTE + 1] = (uint8_t)(v >> 8);
		return NULL;
	case OPF_INDEX_CPU:
		if (parse_below(s, OPF_CPU_MOD, &v))
			return "cpu must be 0..63";
		r[OPF_CPU_BYTE] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_SKIP: case OPF_INDEX_TIMES:
		if (parse_below(s, 256, &v))
			return "skip and times must be 0..255";
		r[field_byte[f]] = (uint8_t)v;
		return NULL;
	case OPF_INDEX_FN: {
		char *comma = strchr(s, ',');

		if (comma)
			*comma = 0;
		for (v = 0; v < OPF_FN_MOD; v++)
			if (!strcmp(trim(s), foreign_fn_names[v]))
				break;
		if (v == OPF_FN_MOD || (v == FOREIGN_CACHE_FREE) != !!comma)
			return "expected kfree, free_pages, kmem_cache_free, cN, vfree or free";
		r[OPF_FN_BYTE] = (uint8_t)v;
		if (comma) {
			char *c = trim(comma + 1);

			if (c[0] != 'c' || parse_below(c + 1, NR_CSLOTS, &v))
				return "c-slot must be c0..c7";
			r[OPF_C6_BYTE] = (uint8_t)v;
		}
		return NULL;
	}
	case OPF_INDEX_MALIGN:
		if (parse_num(s, &n) || !n || n & (n - 1) || n > (1u << (OPF_MALIGN_MOD - 1)))
			return "alignment must be a power of two 1..4096";
		r[OPF_MALIGN_BYTE] = (uint8_t)__builtin_ctzll(n);
		return NULL;
	case OPF_INDEX_SOFF: {
		int neg = *s == '-';

		if (parse_num(s + neg, &n) || n > 32767u + (unsigned)neg)
			return "offset must be -32768..32767";
		v = neg ? (unsigned int)(0x10000 - n) & 0xffff : (unsigned int)n;
		r[OPF_SOFF_BYTE] = (uint8_t)v;
		r[OPF_SOFF_BYTE + 1] = (uint8_t)(v >> 8);
		return NULL;
	}
	case OPF_INDEX_LEN:
		if (parse_below(s, OPF_LEN_MOD + 1, &v) || v == 0)
			return "length must be 1..64";
		r[OPF_LEN_BYTE] = (uint8_t)(v - 1);
		return NULL;
	case OPF_INDEX_MLEN:
		if (parse_below(s, 0x10000, &v))
			return "length must be 0..65535";
		r[OPF_MLEN_BYTE] = (uint8_t)v;
		r[OPF_MLEN_BYTE + 1] = (uint8_t)(v >> 8);
		return NULL;
	case OPF_INDEX_PDELTA: {
		int neg = *s == '-';

		if ((*s == '+' || *s == '-') && parse_below(s + 1, neg ? 129 : 128, &v) == 0) {
			r[OPF_PDELTA_BYTE] = (uint8_t)(neg ? -(int)v : (int)v);
			return NULL;
		}
		if (parse_below(s, 128, &v))
			return "page delta must be -128..+127";
		r[OPF_PDELTA_BYTE] = (uint8_t)v;
		return NULL;
	}
	}
	return "unknown field";
}

/* Match line @s against text form @t into record @r; NULL or why not. */
static const char *match_text(const char *t, const char *s, uint8_t *r, char *why, size_t whylen,
			      const char **at)
{
	unsigned int seen = 0;
	char prev = ' ';

	while (*t) {
		size_t n = 1;
		int f = field_at(t, &n);

		if (f >= 0) {
			const char *next = t + n, *end;
			char buf[256], *v;
			uint8_t tmp[OPS_REC];
			const char *e;

			while (*next == ' ')
				next++;
			for (*at = s; isspace((unsigned char)**at); ++*at)
				;
			end = *next ? strchr(s, *next) : s + strlen(s);
			if (!end) {
				snprintf(why, whylen, "no '%c' after %s", *next, field_words[f]);
				return why;
			}
			if ((size_t)(end - s) >= sizeof(buf)) {
				snprintf(why, whylen, "%s is too long", field_words[f]);
				return why;
			}
			memcpy(buf, s, (size_t)(end - s));
			buf[end - s] = 0;
			/* A slot number follows its letter, a cache name its quote. */
			if ((f == OPF_INDEX_P || f == OPF_INDEX_C || f == OPF_INDEX_C6 || f == OPF_INDEX_NAME) &&
			    isspace((unsigned char)buf[0]))
				return f == OPF_INDEX_NAME ? "a space inside the quotes" : "a space inside a slot name";
			if (f == OPF_INDEX_NAME && end > s && isspace((unsigned char)end[-1]))
				return "a space inside the quotes";
			v = trim(buf);
			memcpy(tmp, r, OPS_REC);
			e = parse_field(f, v, tmp);
			if (e) {
				snprintf(why, whylen, "%s: %s", field_words[f], e);
				return why;
			}
			if (seen & (1u << f) && memcmp(tmp, r, OPS_REC))
				return "names one slot twice: both must be the same";
			memcpy(r, tmp, OPS_REC);
			seen |= 1u << f;
			s = end;
			prev = 'A';
		} else {
			if (*t == ' ' || !is_word(*t) || !is_word(prev))
				while (isspace((unsigned char)*s))
					s++;
			if (*t != ' ') {
				*at = s;
				if (*s != *t) {
					snprintf(why, whylen, "expected '%c' at \"%.40s\"", *t, s);
					return why;
				}
				s++;
			}
			prev = *t;
		}
		t += n;
	}
	while (isspace((unsigned char)*s))
		s++;
	*at = s;
	return *s ? "has text after its ')'" : NULL;
}

static const char *parse_op(const char *line, uint8_t *r, char *why, size_t whylen, const char **at)
{
	const char *open = strchr(line, '('), *s = line, *eq = strchr(line, '=');
	char name[40];
	size_t n;

	memset(r, 0, OPS_REC);
	*at = line;
	if (!open)
		return "expected name(arguments)";
	if (eq && eq < open)
		s = eq + 1;
	while (isspace((unsigned char)*s))
		s++;
	*at = s;
	n = (size_t)(open - s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sizeof(name))
		return "unknown op";
	memcpy(name, s, n);
	name[n] = 0;
	if (!strcmp(name, "nop") && s == line) {
		char buf[40];
		const char *close = strrchr(line, ')');
		unsigned int op;

		if (close && !*(close + 1) && (size_t)(close - open) < sizeof(buf)) {
			memcpy(buf, open + 1, (size_t)(close - open - 1));
			buf[close - open - 1] = 0;
			if (!parse_below(trim(buf), NR_OPS, &op) && !op_text(op)) {
				r[0] = (uint8_t)op;
				return NULL;
			}
		}
		snprintf(why, whylen, "nop(N) takes a reserved op number:");
		for (unsigned int i = 0; i < nr_op_reserved; i++)
			snprintf(why + strlen(why), whylen - strlen(why), "%s %u..%u", i ? "," : "",
				 op_reserved[i].lo, op_reserved[i].hi);
		return why;
	}
	for (unsigned int op = 0; op < NR_OPS; op++) {
		char detail[300];
		const char *e;

		if (!op_text(op) || strcmp(name, op_name(op)))
			continue;
		r[0] = (uint8_t)op;
		e = match_text(op_text(op), line, r, detail, sizeof(detail), at);
		if (!e)
			return NULL;
		snprintf(why, whylen, "expected %s: %s", op_text(op), e);
		return why;
	}
	{
		const char *names[NR_OPS + 2];
		unsigned int k = 0;

		for (unsigned int op = 0; op < NR_OPS; op++)
			if (op_text(op))
				names[k++] = op_name(op);
		names[k++] = "nop";
		names[k++] = "machine";
		snprintf(why, whylen, "%s", unknown_word("op", name, names, k, "harness/OPS.md 1.3 lists them"));
		return why;
	}
}

static const char *unknown_name(const char *key, const char *names)
{
	static char why[200];

	snprintf(why, sizeof(why), "unknown %s (%s)", key, names);
	return why;
}

static const char *const machine_keys[] = { "pages", "dma", "cpus", "profile", "poison", "max_order",
					     "slub_debug", "target", "alloc" };

static const char *parse_machine(char *args, uint8_t *h, const char **at)
{
	unsigned long pages = 1024;
	int have_dma = 0;
	unsigned long long dma = 0;

	memset(h, 0, OPS_HDR);
	*at = NULL;
	if (!*trim(args))
		return NULL;
	for (char *a = args, *next; a; a = next) {
		char *eq, *k, *val;
		unsigned long long v;

		next = strchr(a, ',');
		if (next)
			*next++ = 0;
		for (*at = a; isspace((unsigned char)**at); ++*at)
			;
		eq = strchr(a, '=');
		if (!eq)
			return "machine() takes key=value arguments";
		*eq = 0;
		k = trim(a);
		val = trim(eq + 1);
		*at = val;
		{
			size_t i;

			for (i = 0; i < ARRAY_SIZE(machine_keys) && strcmp(k, machine_keys[i]); i++)
				;
			if (i == ARRAY_SIZE(machine_keys)) {
				*at = k;
				return unknown_word("machine key", k, machine_keys, ARRAY_SIZE(machine_keys),
						    "pages, dma, cpus, profile, poison, max_order, slub_debug, target, alloc");
			}
		}
		if (!strcmp(k, "profile")) {
			if (!strcmp(val, hdr_profiles[0]))
				h[3] = 0;
			else if (!strcmp(val, hdr_profiles[1]))
				h[3] = 1;
			else
				return unknown_word("profile", val, hdr_profiles, 2, "default or classic");
			continue;
		}
		if (!strcmp(k, "target")) {
			int t = target_parse(val);

			if (t < 0 || !strncmp(val, "fuzz_", 5))
				return unknown_name("target", target_names_list());
			h[HDR_TARGET_STAMP_BYTE] = (uint8_t)target_defs[t].stamp;
			continue;
		}
		if (!strcmp(k, "alloc")) {
			int c = alloc_stamp_parse(val);

			if (c < 0)
				return unknown_name("alloc", alloc_stamp_names_list());
			h[HDR_ALLOC_STAMP_BYTE] = (uint8_t)c;
			continue;
		}
		if (!strcmp(k, "slub_debug")) {
			unsigned int bits = 0;

			for (const char *c = val; *c && strcmp(val, "-"); c++) {
				unsigned int i;

				for (i = 0; i < ARRAY_SIZE(hdr_slub_debug_letters); i++)
					if (*c == hdr_slub_debug_letters[i][0])
						break;
				if (i == ARRAY_SIZE(hdr_slub_debug_letters))
					return "slub_debug takes the letters F, Z, P, U (or - for none)";
				bits |= 1u << i;
			}
			h[4] = (uint8_t)bits;
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

			if (parse_index(val, hdr_cpus, ARRAY_SIZE(hdr_cpus), &j))
				return must_be("cpus", hdr_cpus, ARRAY_SIZE(hdr_cpus));
			h[2] = (uint8_t)j;
		} else if (!strcmp(k, "poison")) {
			if (v > 1)
				return "poison must be 0 or 1";
			h[4] = (uint8_t)((h[4] & ~HDR_DEBUG_P) | v);
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

		for (j = 0; j < ARRAY_SIZE(hdr_dma_eighths); j++)
			if (pages * hdr_dma_eighths[j] / 8 == dma)
				break;
		if (j == ARRAY_SIZE(hdr_dma_eighths))
			return "dma must be 0, 1/8, 1/4, 1/2 or all of pages";
		h[1] = (uint8_t)j;
	}
	/* OPS.md 1.1: the decoder raises max_order on classic to 7 with red
	 * zones (Z) and to 6 with poison or tracking (P, U) - hdr_config's rule -
	 * so a smaller one is text that would print back as another program. */
	if (h[3] == 1) {
		unsigned int need = (h[4] & HDR_DEBUG_Z) ? 7 : (h[4] & (HDR_DEBUG_P | HDR_DEBUG_U)) ? 6 : 0;

		if (10u - h[5] < need) {
			*at = NULL;
			if (need == 7)
				return "max_order below 7 with profile=classic and slub_debug Z runs as max_order=7 "
				       "(size-131072's red-zoned slab needs an order-7 slab; OPS.md 1.1): write max_order=7";
			return "max_order=5 with profile=classic and poison=1 (or slub_debug P or U) runs as "
			       "max_order=6 (size-131072's poisoned slab needs an order-6 slab; OPS.md 1.1): write max_order=6";
		}
	}
	return NULL;
}

/* "machine(...)" (any spacing before the parenthesis): its arguments, else NULL. */
static char *machine_args(char *s)
{
	char *close;

	if (strncmp(s, "machine", 7) || is_word(s[7]))
		return NULL;
	s += 7;
	while (isspace((unsigned char)*s))
		s++;
	close = strrchr(s, ')');
	if (*s != '(' || !close || close[1])
		return NULL;
	*close = 0;
	return s + 1;
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
		char whybuf[400], *hash, *s, *margs;
		const char *why = NULL, *at = NULL;
		size_t linelen;

		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		linelen = strlen(line);
		s = trim(line);
		if (!*s)
			continue;
		if (!strncmp(s, "machine", 7) && !is_word(s[7])) {
			margs = machine_args(s);
			if (!margs)
				why = "expected machine(key=value, ...)";
			else
				why = seen_op ? "machine(...) must come before the first op" : parse_machine(margs, p->hdr, &at);
		} else if (p->n == OPS_MAX) {
			why = "more than 256 ops";
		} else {
			why = parse_op(s, p->rec[p->n], whybuf, sizeof(whybuf), &at);
			if (!why)
				p->n++;
			seen_op = 1;
		}
		if (why) {
			/* Columns count from 1 in the line as written (tabs as one). */
			if (at && at >= line && at <= line + linelen)
				snprintf(err, errlen, "line %d, column %d: %s", lineno, (int)(at - line) + 1, why);
			else
				snprintf(err, errlen, "line %d: %s", lineno, why);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}
