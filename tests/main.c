/* main.c - runs every registered unit test; ends with "N passed, N failed". */
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kunit.h"

#define MAX_TESTS 512

static struct {
	const char *name, *file;
	kunit_fn fn;
} tests[MAX_TESTS];
static int nr_tests;

void kunit_register(const char *name, const char *file, kunit_fn fn)
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "kunit: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].file = file;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

void kunit_fail(struct kunit *test, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	test->failures++;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void kunit_skip(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	test->skipped = 1;
	va_start(ap, fmt);
	vsnprintf(test->skip_reason, sizeof(test->skip_reason), fmt, ap);
	va_end(ap);
}

static unsigned char invariant_tested[256];

void kunit_invariant_tested(int code)
{
	if (code >= 0 && code < (int)sizeof(invariant_tested))
		invariant_tested[code] = 1;
}

int kunit_invariant_is_tested(int code)
{
	return code >= 0 && code < (int)sizeof(invariant_tested) && invariant_tested[code];
}

int kunit_child_status(void (*fn)(int), int arg)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct machine *test_machine_in(struct kalloc_arena *arena, unsigned long pages, unsigned long dma, unsigned int cpus)
{
	struct machine_config cfg;

	machine_config_default(&cfg);
	cfg.nr_pages = pages;
	cfg.dma_pages = dma;
	cfg.nr_cpus = cpus;
	cfg.quiet = 1;
	return arena ? machine_create_in(arena, &cfg) : machine_create(&cfg);
}

struct machine *test_machine(unsigned long pages, unsigned long dma, unsigned int cpus)
{
	return test_machine_in(NULL, pages, dma, cpus);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < nr_tests; i++) {
		struct kunit t = { .name = tests[i].name };

		if (filter && !strstr(tests[i].name, filter))
			continue;
		tests[i].fn(&t);
		if (t.failures) {
			printf("not ok %s (%s)\n", t.name, tests[i].file);
			failed++;
		} else if (t.skipped) {
			printf("ok %s # SKIP %s\n", t.name, t.skip_reason);
			skipped++;
		} else {
			printf("ok %s\n", t.name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
