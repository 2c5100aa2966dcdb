/* rss.c - `make rss`: does a process's RSS grow in 4 KiB steps?
 *
 * The same program runs twice, once inside kalloc's simulated process
 * (alloc/heap.c's malloc over alloc/mm.c, RSS from mm_stats) and once
 * natively on this host with glibc's malloc (RSS from /proc/self/
 * smaps_rollup, read with open/read into a static buffer so that the
 * measurement mallocs nothing):
 *
 *   p = malloc(N); write p a byte at a time; q = malloc(N); read q a byte
 *   at a time; free(p); free(q)
 *
 * for N = 64 KiB (the brk heap) and N = 1 MiB (a mapping of its own), and
 * once more on the host for N = 4 MiB with madvise(MADV_HUGEPAGE) on the
 * buffer (transparent huge pages; this host's setting is printed).  Both
 * series go side by side to stdout (every N / 16 bytes) and whole (every 256
 * bytes) to build/rss.dat; build/rss.png is their plot (gnuplot).
 *
 * The simulated series is checked while it runs: at every byte written,
 * RSS grows by exactly 4096 bytes when the byte is the first written on its
 * page and by nothing otherwise, and no read moves it.  Exit status 1 if
 * that fails; the host series is measured, not judged.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kalloc.h"

#define STEP_DAT	256	/* bytes between samples in build/rss.dat */
#define MAX_SAMPLES	(2 * (4 << 20) / STEP_DAT + 16)

struct series {
	size_t n;
	unsigned long off[MAX_SAMPLES];	/* bytes written / read so far */
	char phase[MAX_SAMPLES];	/* 'm' after malloc, 'w' write, 'r' read, 'f' after free */
	long kb[MAX_SAMPLES];		/* RSS - RSS before the first malloc */
};

static struct series host, sim, *results;

/* ---- the host: smaps_rollup ------------------------------------------------ */
static long rollup_field(const char *name)
{
	static char buf[8192];
	int fd = open("/proc/self/smaps_rollup", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

static void add(struct series *s, char phase, unsigned long off, long kb)
{
	if (s->n < MAX_SAMPLES) {
		s->phase[s->n] = phase;
		s->off[s->n] = off;
		s->kb[s->n] = kb;
		s->n++;
	}
}

static void host_run(size_t n, int thp)
{
	long base;
	volatile unsigned char *p, *q;
	unsigned long sum = 0;

	/* The samples' own pages would count: touch them all first. */
	memset(&host, 0, sizeof(host));
	base = rollup_field("\nAnonymous:");
	p = malloc(n);
	q = malloc(n);
	if (!p || !q) {
		fprintf(stderr, "rss: host malloc(%zu) failed\n", n);
		exit(2);
	}
	if (thp) {
		uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;

		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	}
	add(&host, 'm', 0, rollup_field("\nAnonymous:") - base);
	for (size_t i = 0; i < n; i++) {
		p[i] = 1;
		if ((i + 1) % STEP_DAT == 0)
			add(&host, 'w', i + 1, rollup_field("\nAnonymous:") - base);
	}
	for (size_t i = 0; i < n; i++) {
		sum += q[i];
		if ((i + 1) % STEP_DAT == 0)
			add(&host, 'r', i + 1, rollup_field("\nAnonymous:") - base);
	}
	free((void *)p);
	free((void *)q);
	add(&host, 'f', n, rollup_field("\nAnonymous:") - base);
	if (sum)
		fprintf(stderr, "rss: an untouched buffer read nonzero\n");
}

/* host_run in a fresh child; its series back through a shared mapping. */
static void host_child(size_t n, int thp, struct series *out)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		host_run(n, thp);
		*out = host;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "rss: the host run of %zu bytes failed\n", n);
		exit(2);
	}
}

/* ---- the simulation --------------------------------------------------------- */
static unsigned long sim_rss(struct mm_struct *mm)
{
	struct mm_stats st;

	mm_stats(mm, &st);
	return st.rss;
}

/* Returns the number of rule breaks: a write whose RSS step is not exactly
 * one page on a fresh page and nothing otherwise, or a read that moved RSS. */
static int sim_run(size_t n, unsigned long *steps)
{
	struct machine_config cfg;
	struct machine *m;
	struct mm_struct *mm;
	struct heap *h;
	unsigned long p, q, prev;
	unsigned char one = 1, c;
	int bad = 0;

	machine_config_default(&cfg);
	cfg.nr_pages = 16384;
	cfg.quiet = 1;
	m = machine_create(&cfg);
	mm = m ? mm_create(m, NULL) : NULL;
	h = mm ? heap_create(mm, NULL) : NULL;
	if (!h) {
		fprintf(stderr, "rss: cannot boot the simulated process\n");
		exit(2);
	}
	sim.n = 0;
	*steps = 0;
	p = (unsigned long)heap_malloc(h, n);
	q = (unsigned long)heap_malloc(h, n);
	prev = sim_rss(mm);
	add(&sim, 'm', 0, (long)prev * 4);
	for (size_t i = 0; i < n; i++) {
		uint64_t pm;
		unsigned long now;
		int fresh;

		mm_pagemap(mm, p + i, 1, &pm);
		fresh = !(pm & PM_MMAP_EXCLUSIVE);	/* not present, or the zero page */
		mm_write(mm, p + i, &one, 1);
		now = sim_rss(mm);
		if (now != prev + (unsigned long)fresh) {
			if (bad++ < 5)
				fprintf(stderr, "rss: simulated write of byte %zu: RSS %lu -> %lu pages (fresh page: %d)\n",
					i, prev, now, fresh);
		}
		*steps += now != prev;
		prev = now;
		if ((i + 1) % STEP_DAT == 0)
			add(&sim, 'w', i + 1, (long)now * 4);
	}
	for (size_t i = 0; i < n; i++) {
		mm_read(mm, q + i, &c, 1);
		if (sim_rss(mm) != prev && bad++ < 5)
			fprintf(stderr, "rss: simulated read of byte %zu moved RSS\n", i);
		if ((i + 1) % STEP_DAT == 0)
			add(&sim, 'r', i + 1, (long)prev * 4);
	}
	heap_free(h, (void *)p);
	heap_free(h, (void *)q);
	add(&sim, 'f', n, (long)sim_rss(mm) * 4);
	heap_destroy(h);
	mm_destroy(mm);
	machine_destroy(m);
	return bad;
}

static const char *phase_name(char c)
{
	return c == 'm' ? "malloc" : c == 'w' ? "write" : c == 'r' ? "read" : "free";
}

static void print_run(FILE *dat, const char *name, size_t n, int with_sim)
{
	printf("\n%s: N = %zu bytes   (RSS growth in kB since before the first malloc)\n", name, n);
	printf("  %-7s %10s %12s %12s\n", "phase", "offset", "simulated", "host glibc");
	for (size_t i = 0; i < host.n; i++) {
		long s = with_sim && i < sim.n ? sim.kb[i] : -1;

		if (dat)
			fprintf(dat, "%s %s %lu %ld %ld\n", name, phase_name(host.phase[i]), host.off[i], s, host.kb[i]);
		if (host.phase[i] == 'm' || host.phase[i] == 'f' || host.off[i] % (n / 16) == 0 ||
		    (host.phase[i] == 'w' && host.off[i] <= 4 * 4096 && host.off[i] % 4096 == 0)) {
			if (with_sim)
				printf("  %-7s %10lu %12ld %12ld\n", phase_name(host.phase[i]), host.off[i], s, host.kb[i]);
			else
				printf("  %-7s %10lu %12s %12ld\n", phase_name(host.phase[i]), host.off[i], "-", host.kb[i]);
		}
	}
	if (dat)
		fprintf(dat, "\n\n");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64 << 10, 1 << 20 };
	const char *dat_path = argc > 1 ? argv[1] : "build/rss.dat";
	char thp[128] = "unknown";
	FILE *dat = fopen(dat_path, "w"), *f;
	int bad = 0;

	results = mmap(NULL, 3 * sizeof(*results), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		return 2;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (fgets(thp, sizeof(thp), f))
			thp[strcspn(thp, "\n")] = 0;
		fclose(f);
	}
	printf("make rss: the same program in kalloc's simulated process and natively with glibc\n");
	printf("host: /sys/kernel/mm/transparent_hugepage/enabled = %s\n", thp);
	/* The host runs first, each in a child of its own: the simulation's
	 * machine (a memfd, its struct pages, the heap's small host blocks)
	 * must not be part of what the host series sees (an earlier version
	 * ran them in turn here and the host's 1 MiB series lagged 9 pages
	 * behind: glibc's own heap moved under the measurement). */
	for (unsigned k = 0; k < 3; k++)
		host_child(k < 2 ? sizes[k] : 4 << 20, k == 2, &results[k]);
	for (unsigned k = 0; k < 2; k++) {
		unsigned long steps;
		int b;

		host = results[k];
		b = sim_run(sizes[k], &steps);
		bad += b;
		print_run(dat, k ? "mmap-1MiB" : "brk-64KiB", sizes[k], 1);
		printf("  simulated: %lu steps while writing, each exactly 4096 bytes at a first write; "
		       "reads moved nothing: %s\n", steps, b ? "NO" : "yes");
	}
	host = results[2];
	print_run(dat, "thp-4MiB", 4 << 20, 0);
	if (dat)
		fclose(dat);
	printf("\ndata: %s%s\n", dat_path, bad ? "\nrss: FAILED: the simulated series broke the 4 KiB rule" : "");
	return bad ? 1 : 0;
}
