/* kx_ops.h - the op table as the kernel executor reads it: op numbers, field
 * bytes and moduli, and the small tables, all expanded from harness/ops.def
 * (the one op table; nothing here is a second copy of it).
 *
 * Freestanding on purpose: it is compiled into the Linux module (where
 * harness/ops.h, with its stdio and kalloc.h, cannot go) and into the
 * user-space driver kdiff-host, which links harness/ops.c as well and checks
 * (kdiff-host selftest) that the few decoding rules written out in exec.c -
 * SIZE and COUNT - agree with ops.c's for every field value.
 */
#ifndef KALLOC_KERNEL_KX_OPS_H
#define KALLOC_KERNEL_KX_OPS_H

#define KX_HDR	8
#define KX_REC	8
#define KX_MAX	256	/* records read, as OPS_MAX */
#define KX_NR_OPS 64	/* op = b0 % 64 */

enum kx_op {
#define DEF_OP(num, name, targets, text) KX_OP_##name = num,
#include "ops.def"
};
enum {
#define DEF_FIELD(name, byte, mod, what) KXF_##name##_BYTE = byte, KXF_##name##_MOD = mod,
#include "ops.def"
};

/* The op's text form ("pP = kmalloc(SIZE, GFP)"), NULL for a reserved op. */
static const char *const kx_op_text[KX_NR_OPS] __attribute__((unused)) = {
#define DEF_OP(num, name, targets, text) [num] = text,
#include "ops.def"
};

#define DEF_STRINGS(id, ...) static const char *const kx_##id[] __attribute__((unused)) = { __VA_ARGS__ };
#define DEF_NUMBERS(id, ...) static const unsigned int kx_##id[] __attribute__((unused)) = { __VA_ARGS__ };
#include "ops.def"

#define KX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
