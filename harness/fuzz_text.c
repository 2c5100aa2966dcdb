/* fuzz_text.c - fuzz target for the op language's text parser (harness/ops.c),
 * which reads untrusted files: corpus programs, crash exports, what people
 * type.
 *
 * Oracle: the round trip.  Any bytes are text to prog_parse() (up to 16 KiB,
 * NUL-terminated here); it either refuses them with a message that names the
 * line, or gives a program P.  Then P printed is canonical text T, T must
 * parse to exactly P again (the same header and record bytes, nothing
 * normalised on the way), and that program printed must be T once more.
 * Under ASan and UBSan, any out-of-bounds read or overflow in the parser,
 * printer or encoder is a crash too.  Coverage instruments ops.c (and alloc/
 * stays out: nothing here runs the allocator).
 * Ops: every op of the language (text has no target filter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

/* Print @p into @buf (NUL-terminated); its length, or 0 if it did not fit. */
static size_t print_to(const struct prog *p, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");
	long n;

	if (!f)
		return 0;
	prog_print(p, f);
	n = ftell(f);
	fclose(f);
	if (n <= 0 || (size_t)n >= cap)
		return 0;
	buf[n] = 0;
	return (size_t)n;
}

static void fail(const char *what, const char *input, const char *t1, const char *t2, const char *err)
{
	fprintf(stderr, "TEXT ROUND TRIP VIOLATION: %s\n--- input\n%s\n--- printed\n%s\n--- printed again\n%s\n%s%s\n",
		what, input, t1 ? t1 : "", t2 ? t2 : "", err ? "--- parse error: " : "", err ? err : "");
	fflush(stderr);
	__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prog a, b;
	static char text[16385], t1[65536], t2[65536];
	char err[400];

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = 0;
	if (prog_parse(text, &a, err, sizeof(err))) {
		/* Refused: the message must say where. */
		if (strncmp(err, "line ", 5) && strcmp(err, "out of memory"))
			fail("a parse error that names no line", text, NULL, NULL, err);
		return 0;
	}
	if (!print_to(&a, t1, sizeof(t1)))
		fail("the printed program does not fit 64 KiB", text, NULL, NULL, NULL);
	if (prog_parse(t1, &b, err, sizeof(err)))
		fail("the printed program does not parse", text, t1, NULL, err);
	if (a.n != b.n || memcmp(a.hdr, b.hdr, OPS_HDR) || memcmp(a.rec, b.rec, (size_t)a.n * OPS_REC))
		fail("the printed program parses to other bytes", text, t1, NULL, NULL);
	if (!print_to(&b, t2, sizeof(t2)) || strcmp(t1, t2))
		fail("printing it again gives other text", text, t1, t2, NULL);
	return 0;
}
