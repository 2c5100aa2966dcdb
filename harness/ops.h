/* ops.h - the op language of harness/OPS.md: binary decoding, canonical
 * encoding, text printing and parsing.
 *
 * A program is kept as its bytes (header + 8-byte records), not as a decoded
 * struct: the fields are read through the accessors below, so the decoder
 * cannot drift from the bytes the fuzzer mutates, and "canonical" simply
 * means "the bytes the encoder would write for what the decoder reads".
 *
 * The op table itself (numbers, names, text forms, fields, target sets,
 * header stamps) is harness/ops.def; this header and ops.c are built from it,
 * as is props/ops.py.
 *
 * Entry points: prog_load(), prog_canon(), prog_retarget(), prog_bytes(),
 * op_format(), hdr_format(), prog_parse(), hdr_config().
 */
#ifndef KALLOC_HARNESS_OPS_H
#define KALLOC_HARNESS_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "kalloc.h"

#define OPS_HDR		8
#define OPS_REC		8
#define OPS_MAX		256	/* records read; the rest of an input is ignored */
#define NR_OPS		64	/* op = b0 % NR_OPS; ops.def covers every number */

/* Record fields (ops.def's DEF_FIELD): OPF_<F> is the field's bit in an op's
 * field set, OPF_<F>_BYTE the record byte it is read from, OPF_<F>_MOD the
 * modulus it is reduced by. */
enum {
#define DEF_FIELD(name, byte, mod, what) OPF_INDEX_##name,
#include "ops.def"
	NR_OP_FIELDS
};
enum {
#define DEF_FIELD(name, byte, mod, what) \
	OPF_##name = 1u << OPF_INDEX_##name, OPF_##name##_BYTE = byte, OPF_##name##_MOD = mod,
#include "ops.def"
};

#define NR_PSLOTS	OPF_P_MOD
#define NR_CSLOTS	OPF_C_MOD
#define NR_CACHE_NAMES	OPF_NAME_MOD
#define NR_CACHE_ALIGNS	OPF_ALIGN_MOD

/* Op numbers (ops.def's DEF_OP); the numbers in DEF_RESERVED ranges are nops.
 * OPS_HAVE_HEAP: the heap ops 48..53 (OP_MALLOC .. OP_USABLE_SIZE) and
 * rec_malign() are here.  OPS_HAVE_VM: the vmalloc and process ops 32..44
 * (OP_VMALLOC .. OP_RSS), rec_mlen() and rec_pdelta(). */
#define OPS_HAVE_HEAP	1
#define OPS_HAVE_VM	1
enum op_code {
#define DEF_OP(num, name, targets, text) OP_##name = num,
#include "ops.def"
};
enum {
#define DEF_RESERVED(lo, hi, name, what) OPS_RESERVED_##name##_LO = lo, OPS_RESERVED_##name##_HI = hi,
#include "ops.def"
};
/* The core's defined ops: 0..NR_DEFINED_OPS-1 (0..30), what target mixed reads. */
#define NR_DEFINED_OPS	OPS_RESERVED_CORE_LO

/* Which ops a fuzz target executes (OPS.md section 4). */
enum op_target {
#define DEF_TARGET(name, text, stamp, reads) TARGET_##name,
#include "ops.def"
	NR_TARGETS
};

/* Allocator stamp codes (header byte h7); 0 is "unspecified". */
enum alloc_stamp {
	ALLOC_STAMP_UNSPECIFIED = 0,
#define DEF_ALLOC(code, name, text) ALLOC_STAMP_##name = code,
#include "ops.def"
};
enum {
#define DEF_STAMP(name, byte, mod) HDR_##name##_STAMP_BYTE = byte, HDR_##name##_STAMP_MOD = mod,
#include "ops.def"
};

/* Bits of the GFP and FLAGS fields (positions in ops.def's gfp_bit_names and
 * cache_flag_names). */
#define GFPB_ATOMIC	0x01
#define GFPB_DMA	0x02
#define GFPB_ZERO	0x04
#define GFPB_RECLAIM	0x08
#define GFPB_ACCOUNT	0x10
#define CFLAG_HWCACHE	0x01
#define CFLAG_POISON	0x02
#define CFLAG_DMA	0x04
#define CFLAG_CTOR	0x08
#define CFLAG_RCU	0x10
#define CFLAG_RED_ZONE	0x20
#define CFLAG_STORE_USER 0x40
#define CFLAG_CHECKS	0x80	/* SLAB_CONSISTENCY_CHECKS */
/* Bits of header byte h4 % 16: slub_debug letters (hdr_slub_debug_letters). */
#define HDR_DEBUG_P	0x1
#define HDR_DEBUG_F	0x2
#define HDR_DEBUG_Z	0x4
#define HDR_DEBUG_U	0x8
#define HDR_DEBUG_MOD	16
enum foreign_fn { FOREIGN_KFREE, FOREIGN_FREE_PAGES, FOREIGN_CACHE_FREE, FOREIGN_VFREE, FOREIGN_FREE };

struct prog {
	uint8_t hdr[OPS_HDR];
	unsigned int n;
	uint8_t rec[OPS_MAX][OPS_REC];
};

/* ops.def's small tables. */
extern const char *const cache_names[NR_CACHE_NAMES];
extern const unsigned int cache_aligns[NR_CACHE_ALIGNS];
extern const char *const cache_flag_names[];	/* bit i of FLAGS */
extern const char *const gfp_bit_names[];	/* bit i of GFP */
extern const char *const gfp_bit_aliases[];
extern const char *const foreign_fn_names[OPF_FN_MOD];
extern const unsigned int hdr_dma_eighths[];	/* h1 % 5 */
extern const unsigned int hdr_cpus[];		/* h2 % 8 */
extern const char *const hdr_profiles[];	/* h3 % 2 */
extern const char *const hdr_slub_debug_letters[];	/* bit i of h4 % 16 */

/* ---- field accessors (OPS.md 1.2) ------------------------------------- */
static inline unsigned int rec_op(const uint8_t *r) { return r[0] % NR_OPS; }
static inline unsigned int rec_p(const uint8_t *r) { return r[OPF_P_BYTE] % OPF_P_MOD; }
static inline unsigned int rec_c(const uint8_t *r) { return r[OPF_C_BYTE] % OPF_C_MOD; }
static inline unsigned int rec_c6(const uint8_t *r) { return r[OPF_C6_BYTE] % OPF_C6_MOD; }
static inline unsigned int rec_u16(const uint8_t *r) { return r[2] | (unsigned int)r[3] << 8; }
static inline unsigned int rec_gfpbits(const uint8_t *r) { return r[OPF_GFP_BYTE] % OPF_GFP_MOD; }
static inline unsigned int rec_order(const uint8_t *r) { return r[OPF_ORDER_BYTE] % OPF_ORDER_MOD; }
static inline unsigned int rec_delta(const uint8_t *r) { return 1 + r[OPF_DELTA_BYTE] % OPF_DELTA_MOD; }
static inline unsigned int rec_cflags(const uint8_t *r) { return r[OPF_FLAGS_BYTE] % OPF_FLAGS_MOD; }
static inline unsigned int rec_align(const uint8_t *r) { return cache_aligns[r[OPF_ALIGN_BYTE] % OPF_ALIGN_MOD]; }
static inline const char *rec_name(const uint8_t *r) { return cache_names[r[OPF_NAME_BYTE] % OPF_NAME_MOD]; }
static inline unsigned int rec_cpu(const uint8_t *r) { return r[OPF_CPU_BYTE] % OPF_CPU_MOD; }
static inline unsigned int rec_foreign(const uint8_t *r) { return r[OPF_FN_BYTE] % OPF_FN_MOD; }
/* aligned_alloc's alignment: 1 << (b4 % 13), 1..4096. */
static inline unsigned int rec_malign(const uint8_t *r) { return 1u << (r[OPF_MALIGN_BYTE] % OPF_MALIGN_MOD); }
/* scribble's and write_after_free's signed offset: bytes 2,3 as an s16. */
static inline int rec_soff(const uint8_t *r) { return (int)(int16_t)(uint16_t)rec_u16(r); }
/* scribble's length: 1 + b4 % 64. */
static inline unsigned int rec_len(const uint8_t *r) { return 1 + r[OPF_LEN_BYTE] % OPF_LEN_MOD; }
/* The slub_debug letters of header @h (HDR_DEBUG_*). */
static inline unsigned int hdr_debug(const uint8_t *h) { return h[4] % HDR_DEBUG_MOD; }
/* write/read's length: the raw u16 of bytes 4,5. */
static inline unsigned int rec_mlen(const uint8_t *r) { return r[OPF_MLEN_BYTE] | (unsigned int)r[OPF_MLEN_BYTE + 1] << 8; }
/* brk's signed page delta: byte 5 as an int8_t, -128..127. */
static inline int rec_pdelta(const uint8_t *r) { return (int)(int8_t)r[OPF_PDELTA_BYTE]; }
size_t rec_size(const uint8_t *r);
size_t rec_count(const uint8_t *r);
gfp_t gfp_of_bits(unsigned int bits);

/* ---- the op table (ops.def) ------------------------------------------- */
/* The op's text name ("kmalloc") and text form ("pP = kmalloc(SIZE, GFP)"),
 * NULL for a reserved op. */
const char *op_name(unsigned int op);
const char *op_text(unsigned int op);
/* The fields (OPF_*) op @op reads / record @r reads: the fields its text
 * names, and for free_foreign(kmem_cache_free, cN) also OPF_C6. */
unsigned int op_fields(unsigned int op);
unsigned int rec_fields(const uint8_t *r);

/* The record's op as a target reads it: reserved ops and ops outside the
 * target's set become set[op % len] (OPS.md section 4). */
unsigned int target_op(enum op_target t, unsigned int op);
/* 1 if target @t executes op @op as decoded. */
int target_has(enum op_target t, unsigned int op);
const char *target_name(enum op_target t);
/* "buddy", "fuzz_buddy", "mixed", "none", ...; -1 if unknown. */
int target_parse(const char *s);
/* "none, buddy, slab, kmalloc, mixed, malloc", for messages. */
const char *target_names_list(void);

/* ---- header stamps (OPS.md 1.1) ----------------------------------------
 * h6 says which fuzz target a program was found with, h7 which allocator.
 * Fuzz targets ignore both; kfz and replay use them when no flag or path
 * says otherwise. */
/* The stamp codes, 0 when unspecified (also for codes without a name). */
unsigned int hdr_target_stamp(const uint8_t *h);
unsigned int hdr_alloc_stamp(const uint8_t *h);
/* The stamped target, or -1 when unspecified. */
int hdr_target(const uint8_t *h);
/* Stamp header @h: @target an enum op_target or -1 (unspecified), @alloc an
 * alloc_stamp code (0 or -1: unspecified). */
void hdr_stamp(uint8_t *h, int target, int alloc);
/* "glibc" for ALLOC_STAMP_GLIBC; NULL for unspecified codes. */
const char *alloc_stamp_name(unsigned int code);
/* The code of "glibc", ...; -1 if unknown. */
int alloc_stamp_parse(const char *name);
/* "kalloc, glibc, jemalloc, ...", for messages. */
const char *alloc_stamp_names_list(void);

/* Check the compiled-in table (every op number covered once, texts well
 * formed, fields of one op on distinct bytes, table lengths as the fields'
 * moduli, ...).  0, or -1 with the first problem in @err.  The op functions
 * above abort with that message on a broken table, so this is for tests. */
struct op_def {
	unsigned int num;
	const char *targets;	/* "KMALLOC|MIXED" */
	const char *text;	/* "pP = kmalloc(SIZE, GFP)" */
};
struct op_range {
	unsigned int lo, hi;
};
extern const struct op_def op_defs[];
extern const unsigned int nr_op_defs;
extern const struct op_range op_reserved[];
extern const unsigned int nr_op_reserved;
int op_table_check(const struct op_def *defs, unsigned int ndefs,
		   const struct op_range *res, unsigned int nres, char *err, size_t errlen);

/* ---- programs --------------------------------------------------------- */
/* Read any byte string as a program (never fails; see OPS.md 1). */
void prog_load(struct prog *p, const uint8_t *data, size_t size);
/* Rewrite each record's op as target @t reads it. */
void prog_retarget(struct prog *p, enum op_target t);
/* Reduce every field and zero every unused byte: the encoder's bytes. */
void prog_canon(struct prog *p);
/* The program's bytes (header + records) into @out; returns the length. */
size_t prog_bytes(const struct prog *p, uint8_t *out, size_t cap);

/* Machine configuration from the header (OPS.md 1.1); quiet set. */
void hdr_config(const uint8_t *h, struct machine_config *cfg);

/* Text of one record / of the header, no newline.  Returns the length. */
int op_format(const uint8_t *r, char *buf, size_t len);
int hdr_format(const uint8_t *h, char *buf, size_t len);
/* The canonical text of a whole program. */
void prog_print(const struct prog *p, FILE *out);

/* Parse text (OPS.md 3).  0, or -1 with "line N: why" in @err. */
int prog_parse(const char *text, struct prog *p, char *err, size_t errlen);

/* Canonical encodings; -1 when the value cannot be expressed. */
int size_encode(size_t size, unsigned int *v);

#endif
