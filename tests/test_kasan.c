/* test_kasan.c - ASan sees inside the simulated memory.
 *
 * Free memory is poisoned and live blocks are unpoisoned exactly to the size
 * asked for, so each bad access below must kill a child process with an ASan
 * report.  Only meaningful in the ASan builds; skipped elsewhere.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include "kunit.h"

#ifdef KUNIT_ASAN
enum bad_access { OVERFLOW_KMALLOC, USE_AFTER_KFREE, USE_AFTER_FREE_PAGES, OVERFLOW_CACHE_OBJECT,
		  FREE_PAGE_NEVER_ALLOCATED, CONTROL_IN_BOUNDS };

static void do_bad_access(enum bad_access what)
{
	struct machine *m = test_machine(1024, 0, 1);
	volatile unsigned char *p;
	struct kmem_cache *s;

	switch (what) {
	case OVERFLOW_KMALLOC:
		p = kmalloc(m, 13, GFP_KERNEL);		/* kmalloc-16: byte 13 is past the request */
		p[13] = 1;
		break;
	case USE_AFTER_KFREE:
		p = kmalloc(m, 100, GFP_KERNEL);
		kfree(m, (void *)p);
		(void)p[50];
		break;
	case USE_AFTER_FREE_PAGES:
		p = (unsigned char *)__get_free_pages(m, GFP_KERNEL, 2);
		free_pages(m, (unsigned long)p, 2);
		p[PAGE_SIZE * 3] = 1;
		break;
	case OVERFLOW_CACHE_OBJECT:
		s = kmem_cache_create(m, "obj40", 40, 0, 0, NULL);
		p = kmem_cache_alloc(s, GFP_KERNEL);
		p[40] = 1;
		break;
	case FREE_PAGE_NEVER_ALLOCATED:
		p = machine_base(m);
		(void)p[100 * PAGE_SIZE];
		break;
	case CONTROL_IN_BOUNDS:
		p = kmalloc(m, 13, GFP_KERNEL);
		p[12] = 1;
		kfree(m, (void *)p);
		break;
	}
	machine_destroy(m);
}

static void bad_access_child(int what) { do_bad_access((enum bad_access)what); }

/* Exit status of a child that performs @what with stderr silenced. */
static int child_status(enum bad_access what)
{
	return kunit_child_status(bad_access_child, what);
}
#endif

TEST(kasan_reports_bad_accesses_inside_the_simulation)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	static const char *const names[] = {
		"kmalloc overflow", "use after kfree", "use after free_pages",
		"cache object overflow", "page never allocated",
	};
	for (int what = OVERFLOW_KMALLOC; what < CONTROL_IN_BOUNDS; what++) {
		int st = child_status((enum bad_access)what);
		if (st == 0)
			kunit_fail(test, __FILE__, __LINE__, "%s went unnoticed", names[what]);
	}
	EXPECT_EQ(child_status(CONTROL_IN_BOUNDS), 0);
#endif
}

#ifdef KUNIT_ASAN
/* A machine booted in an arena sees the last machine's blocks as free
 * memory: poisoned, however that machine ended. */
static void arena_stale_access(void)
{
	struct kalloc_arena *a = kalloc_arena_create(1024);
	struct machine_config c;
	struct machine *m;
	volatile unsigned char *p;

	machine_config_default(&c);
	c.nr_pages = 1024;
	c.dma_pages = 0;
	c.quiet = 1;
	m = machine_create_in(a, &c);
	p = kmalloc(m, 5000, GFP_KERNEL);
	machine_destroy(m);			/* never freed */
	m = machine_create_in(a, &c);
	(void)p[10];
}
#endif

TEST(kasan_arena_hands_memory_back_poisoned)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		arena_stale_access();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	EXPECT(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
#endif
}

#ifdef KUNIT_ASAN
#include "internal.h"

/* ASan's own answer: the first poisoned byte of [p, p + n), or n. */
static size_t asan_visible(const void *p, size_t n)
{
	const char *bad = __asan_region_is_poisoned((void *)p, n);

	return bad ? (size_t)(bad - (const char *)p) : n;
}
#endif

/* kasan_word_poisoned() (every cache handle check) asks about a word's last
 * byte; it must say what ASan's region query says of the whole word for
 * every range poisoned or unpoisoned over and around it. */
TEST(kasan_word_poisoned_agrees_with_asan_for_every_range)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *buf = kmalloc(m, 64, GFP_KERNEL);
	unsigned long wrong = 0, cases = 0;

	ASSERT(buf != NULL);
	for (int poison = 0; poison < 2; poison++)
		for (size_t a = 0; a < 32; a++)
			for (size_t b = a; b <= 32; b++) {
				if (poison) {
					kasan_unpoison(buf, 64);
					kasan_poison(buf + 8 + a, b - a);
				} else {
					kasan_poison(buf, 64);
					kasan_unpoison(buf + 8 + a, b - a);
				}
				for (size_t w = 0; w < 64; w += 8) {
					bool want = __asan_region_is_poisoned(buf + w, 8) != NULL;

					cases++;
					if (kasan_word_poisoned(buf + w) != want && wrong++ < 5)
						kunit_fail(test, __FILE__, __LINE__, "%s [%zu, %zu): word %zu says %d, ASan %d",
							   poison ? "poisoned" : "unpoisoned", 8 + a, 8 + b, w, !want, want);
				}
			}
	kasan_unpoison(buf, 64);
	EXPECT_EQ(wrong, 0);
	EXPECT(cases > 8000);
	kfree(m, buf);
	EXPECT_EQ(machine_check(m, NULL), 0);
	machine_destroy(m);
#endif
}

/* kasan_visible() finds the end of a slot's addressable prefix by asking
 * about single bytes; it must give ASan's own region answer for every
 * prefix of every length, from every start within a granule. */
TEST(kasan_visible_agrees_with_asan_over_every_prefix)
{
#ifndef KUNIT_ASAN
	kunit_skip(test, "not an ASan build");
#else
	struct machine *m = test_machine(1024, 0, 1);
	unsigned char *buf = kmalloc(m, 8192, GFP_KERNEL);
	unsigned long wrong = 0, cases = 0;

	ASSERT(buf != NULL);
	for (size_t start = 0; start < 8; start++)
		for (size_t n = 0; n <= 8192 - 8; n = n < 300 ? n + 1 : n * 3 / 2) {
			unsigned char *p = buf + start;

			for (size_t v = 0; v <= n; v = v < 300 ? v + 1 : v + 61) {
				kasan_poison(buf, 8192);
				kasan_unpoison(p, v);
				cases++;
				if (kasan_visible(p, n) != asan_visible(p, n) && wrong++ < 5)
					kunit_fail(test, __FILE__, __LINE__, "start %zu n %zu prefix %zu: %zu, ASan says %zu",
						   start, n, v, kasan_visible(p, n), asan_visible(p, n));
			}
		}
	kasan_unpoison(buf, 8192);
	EXPECT_EQ(wrong, 0);
	EXPECT(cases > 100000);
	kfree(m, buf);
	EXPECT_EQ(machine_check(m, NULL), 0);
	machine_destroy(m);
#endif
}
