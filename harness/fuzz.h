/* fuzz.h - what every fuzz target shares: run one input on the model and
 * turn a violation into a crash on its own exit path.
 *
 * A model violation prints its report (prefixed "KALLOC VIOLATION") and then
 * executes __builtin_trap(): libFuzzer sees a deadly signal (exit 77, like a
 * trap) while sanitizer reports end with ASan/UBSan's exit code 1, so the two
 * are told apart by the exit code and by the first line of the report.
 */
#ifndef KALLOC_HARNESS_FUZZ_H
#define KALLOC_HARNESS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "ops.h"
#include "target.h"

/* Run @data as target @t reads it, on allocator @alloc (NULL: kalloc). */
int harness_fuzz_one(enum op_target t, const struct alloc_target *alloc, const uint8_t *data, size_t size);

const char *__asan_default_options(void);

/* Defined by each fuzz_<target>.c; called by libFuzzer or by replay_main.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional (fuzz_malloc.c): runs once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
