/* kunit.h - the unit-test harness for kalloc's C tests (after Linux's KUnit).
 *
 * TEST(name) { ... } registers a test; EXPECT*() record a failure and go on,
 * ASSERT*() record it and leave the test.  tests/main.c runs every test (or
 * those whose name contains argv[1]) and ends with "N passed, N failed".
 */
#ifndef KALLOC_KUNIT_H
#define KALLOC_KUNIT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kalloc.h"

/* Built with ASan: writes into free simulated memory are reports, not data. */
#if defined(__SANITIZE_ADDRESS__)
#define KUNIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KUNIT_ASAN 1
#endif
#endif

/* In the KALLOC_DEBUG=2 build every operation runs a whole layer check:
 * long tests scale their work down by this factor there. */
#if defined(KALLOC_DEBUG) && KALLOC_DEBUG >= 2
#define KUNIT_SLOW 16
#else
#define KUNIT_SLOW 1
#endif

struct kunit {
	const char *name;
	int failures;
	int skipped;
	char skip_reason[200];
};

typedef void (*kunit_fn)(struct kunit *test);
void kunit_register(const char *name, const char *file, kunit_fn fn);
void kunit_fail(struct kunit *test, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void kunit_skip(struct kunit *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define TEST(fn)							\
	static void fn(struct kunit *test);				\
	__attribute__((constructor)) static void kunit_reg_##fn(void)	\
	{ kunit_register(#fn, __FILE__, fn); }				\
	static void fn(struct kunit *test)

#define EXPECT(cond) do {						\
	if (!(cond))							\
		kunit_fail(test, __FILE__, __LINE__, "expected %s", #cond); \
} while (0)
#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		kunit_fail(test, __FILE__, __LINE__, "assertion %s", #cond); \
		return;							\
	}								\
} while (0)
#define EXPECT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		kunit_fail(test, __FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			   #a, _a, #b, _b);				\
} while (0)
#define ASSERT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		kunit_fail(test, __FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			   #a, _a, #b, _b);				\
		return;							\
	}								\
} while (0)
#define EXPECT_STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (strcmp(_a, _b))						\
		kunit_fail(test, __FILE__, __LINE__, "%s is\n%s\nexpected\n%s", #a, _a, _b); \
} while (0)

/* The machine passes its whole check; on failure the message is printed. */
#define EXPECT_HEALTHY(m) do {						\
	struct kalloc_check _c;						\
	if (machine_check((m), &_c))					\
		kunit_fail(test, __FILE__, __LINE__, "machine_check: %s", _c.msg); \
} while (0)

/* Corruption tables outside test_check.c announce the invariant codes they
 * fire (from a constructor), so that check_every_invariant_has_a_corruption
 * sees every code tested somewhere. */
void kunit_invariant_tested(int code);
int kunit_invariant_is_tested(int code);

/* Run @fn(@arg) in a forked child with stderr silenced; its exit status,
 * or 128 + the signal that killed it.  For tests whose outcome is a
 * sanitizer report (ASan exits 1). */
int kunit_child_status(void (*fn)(int), int arg);
/* A child status that is a sanitizer report: it failed, and not by a host
 * SIGSEGV/SIGBUS (ASan exits 1, or aborts under abort_on_error=1).  Note:
 * ASan turns a SEGV into a report and exit 1 too; a test that must tell
 * poisoned from unmapped asks the shadow (KUNIT_POISONED) as well. */
#define KUNIT_SANITIZER_REPORT(st)	((st) != 0 && (st) != 128 + 11 && (st) != 128 + 7)
#ifdef KUNIT_ASAN
#include <sanitizer/asan_interface.h>
#define KUNIT_POISONED(p)	__asan_address_is_poisoned((const void *)(p))
#else
#define KUNIT_POISONED(p)	1
#endif

/* A quiet machine with @pages frames, @dma of them DMA, @cpus CPUs. */
struct machine *test_machine(unsigned long pages, unsigned long dma, unsigned int cpus);
/* The same, booted in @arena. */
struct machine *test_machine_in(struct kalloc_arena *arena, unsigned long pages, unsigned long dma, unsigned int cpus);

#endif
