/* ops.h - the op language of harness/OPS.md: binary decoding, canonical
 * encoding, text printing and parsing.
 *
 * A program is kept as its bytes (header + 8-byte records), not as a decoded
 * struct: the fields are read through the accessors below, so the decoder
 * cannot drift from the bytes the fuzzer mutates, and "canonical" simply
 * means "the bytes the encoder would write for what the decoder reads".
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
#define NR_OPS		64	/* op = b0 % NR_OPS */
#define NR_PSLOTS	32
#define NR_CSLOTS	8
#define NR_CACHE_NAMES	16
#define NR_DEFINED_OPS	28	/* 0..27; 28..63 are reserved (nop) */

enum op_code {
	OP_KMALLOC, OP_KFREE, OP_KZALLOC, OP_KREALLOC, OP_KSIZE, OP_KMALLOC_ARRAY,
	OP_ALLOC_PAGES, OP_GET_FREE_PAGES, OP_FREE_PAGES,
	OP_CACHE_CREATE, OP_CACHE_ALLOC, OP_CACHE_FREE, OP_CACHE_SHRINK, OP_CACHE_DESTROY,
	OP_WRITE, OP_VERIFY, OP_CHECK, OP_FAIL, OP_SET_CPU, OP_DRAIN,
	OP_DOUBLE_FREE, OP_WRONG_ORDER, OP_INTERIOR, OP_WRONG_CACHE, OP_WRONG_OWNER, OP_FOREIGN,
	OP_SLABINFO, OP_BUDDYINFO,
};

/* Which ops a fuzz target executes (OPS.md section 4). */
enum op_target { TARGET_NONE, TARGET_BUDDY, TARGET_SLAB, TARGET_KMALLOC, TARGET_MIXED, NR_TARGETS };

/* Header fields after reduction. */
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
enum foreign_fn { FOREIGN_KFREE, FOREIGN_FREE_PAGES, FOREIGN_CACHE_FREE };

struct prog {
	uint8_t hdr[OPS_HDR];
	unsigned int n;
	uint8_t rec[OPS_MAX][OPS_REC];
};

extern const char *const cache_names[NR_CACHE_NAMES];
extern const unsigned int cache_aligns[8];

/* ---- field accessors (OPS.md 1.2) ------------------------------------- */
static inline unsigned int rec_op(const uint8_t *r) { return r[0] % NR_OPS; }
static inline unsigned int rec_p(const uint8_t *r) { return r[1] % NR_PSLOTS; }
static inline unsigned int rec_c(const uint8_t *r) { return r[1] % NR_CSLOTS; }
static inline unsigned int rec_c6(const uint8_t *r) { return r[6] % NR_CSLOTS; }
static inline unsigned int rec_u16(const uint8_t *r) { return r[2] | (unsigned int)r[3] << 8; }
static inline unsigned int rec_gfpbits(const uint8_t *r) { return r[4] % 32; }
static inline unsigned int rec_order(const uint8_t *r) { return r[5] % 11; }
static inline unsigned int rec_delta(const uint8_t *r) { return 1 + r[5] % 10; }
static inline unsigned int rec_cflags(const uint8_t *r) { return r[5] % 32; }
static inline unsigned int rec_align(const uint8_t *r) { return cache_aligns[r[4] % 8]; }
static inline const char *rec_name(const uint8_t *r) { return cache_names[r[6] % NR_CACHE_NAMES]; }
static inline unsigned int rec_cpu(const uint8_t *r) { return r[2] % 64; }
static inline unsigned int rec_foreign(const uint8_t *r) { return r[2] % 3; }
size_t rec_size(const uint8_t *r);
size_t rec_count(const uint8_t *r);
gfp_t gfp_of_bits(unsigned int bits);

/* The record's op as a target reads it: reserved ops and ops outside the
 * target's set become set[op % len] (OPS.md section 4). */
unsigned int target_op(enum op_target t, unsigned int op);
const char *target_name(enum op_target t);
/* "buddy", "fuzz_buddy", "mixed", "none", ...; -1 if unknown. */
int target_parse(const char *s);

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
