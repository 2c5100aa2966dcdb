/* fuzz_floor.c - the floors `make fuzz-speed` measures every target against.
 *
 * Two libFuzzer targets, built with the fuzz targets' flags (ASan, UBSan,
 * -O2) and run on the same inputs in the same script, so that a target's
 * exec/s can be given as a ratio to them whatever the machine's load:
 *
 *   floor-empty    returns at once: libFuzzer's own cost per input.
 *   floor-trivial  the smallest honest allocator harness: the input's 8-byte
 *                  records (after the 8-byte header, as the op language
 *                  reads them) drive malloc / free / realloc of glibc over
 *                  32 slots, every block's first and last byte are written
 *                  and checked, and after every op every pair of live blocks
 *                  is checked for overlap (O(n^2)).
 *
 * It shares nothing with the harness on purpose: it is what a harness costs
 * before it knows anything about the allocator it tests.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	32
#define HDR	8
#define REC	8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FLOOR_EMPTY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
#else
struct blk { unsigned char *p; size_t n; unsigned char tag; };

static void overlap_check(const struct blk *b)
{
	for (int i = 0; i < SLOTS; i++)
		for (int j = i + 1; j < SLOTS; j++)
			if (b[i].p && b[j].p && b[i].p < b[j].p + b[j].n && b[j].p < b[i].p + b[i].n)
				__builtin_trap();
}

static void tag(struct blk *b, unsigned char t)
{
	b->tag = t;
	b->p[0] = t;
	b->p[b->n - 1] = t;
}

static void tag_check(const struct blk *b)
{
	if (b->p && (b->p[0] != b->tag || b->p[b->n - 1] != b->tag))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blk b[SLOTS] = { { 0 } };

	for (size_t off = HDR; off + REC <= size; off += REC) {
		const uint8_t *r = data + off;
		struct blk *x = &b[r[1] % SLOTS];
		size_t n = ((size_t)r[2] | (size_t)r[3] << 8) % 4096 + 1;
		unsigned char *q;

		switch (r[0] % 3) {
		case 0:
			if (x->p)
				break;
			x->p = malloc(n);
			x->n = n;
			if (x->p)
				tag(x, r[4]);
			break;
		case 1:
			free(x->p);
			x->p = NULL;
			break;
		default:
			if (!x->p)
				break;
			tag_check(x);
			q = realloc(x->p, n);
			if (!q)
				break;
			x->p = q;
			if (q[0] != x->tag)
				__builtin_trap();
			x->n = n;
			tag(x, r[4]);
			break;
		}
		for (int i = 0; i < SLOTS; i++)
			tag_check(&b[i]);
		overlap_check(b);
	}
	for (int i = 0; i < SLOTS; i++)
		free(b[i].p);
	return 0;
}
#endif
