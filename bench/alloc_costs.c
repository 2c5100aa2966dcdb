/* alloc_costs.c - instruction counts of the library's own per-input costs
 * (issue 10): a full machine_check at 1024 and 8192 pages, boot + destroy
 * of a machine in an arena, proc_slabinfo.  `make alloc-costs` runs it under
 * callgrind and divides each bench_* function's inclusive cost by its
 * repetitions (REPS).
 * A benchmark, not a test: it asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kalloc.h"

#define REPS 100
/* About what a 64-op fuzz input leaves live. */
#ifndef NR_ALLOCS
#define NR_ALLOCS 48
#endif

/* A quiet machine of @pages frames, @dma of them DMA, on @cpus CPUs. */
static void bench_config(struct machine_config *cfg, unsigned long pages, unsigned long dma, unsigned int cpus)
{
	machine_config_default(cfg);
	cfg->nr_pages = pages;
	cfg->dma_pages = dma;
	cfg->nr_cpus = cpus;
	cfg->quiet = 1;
}

/* A machine in a state like a fuzz input's: kmallocs of mixed sizes, some
 * freed, a few page blocks, a cache of its own. */
static struct machine *busy_machine(struct kalloc_arena *a, unsigned long pages, unsigned int cpus)
{
	struct machine_config cfg;
	struct machine *m;
	static void *keep[4096];
	unsigned int seed = 1;

	bench_config(&cfg, pages, pages / 8, cpus);
	m = a ? machine_create_in(a, &cfg) : machine_create(&cfg);
	if (!m)
		exit(1);
	for (int i = 0; i < NR_ALLOCS; i++) {
		size_t size;

		seed = seed * 1103515245 + 12345;
		size = 8u << ((seed >> 16) % 12);
		size -= (seed >> 8) % (size / 2 + 1);
		keep[i] = kmalloc(m, size, (seed & 0x10000) ? GFP_DMA : GFP_KERNEL);
	}
	for (int i = 0; i < NR_ALLOCS; i += 3)
		kfree(m, keep[i]);
	for (int i = 0; i < 20; i++)
		alloc_pages(m, GFP_KERNEL, (unsigned)i % 4);
	return m;
}

static __attribute__((noipa)) void bench_check_1024(struct machine *m)
{
	struct kalloc_check ck;

	for (int i = 0; i < REPS; i++)
		if (machine_check(m, &ck))
			printf("check: %s\n", ck.msg);
}

static __attribute__((noipa)) void bench_check_8192(struct machine *m)
{
	struct kalloc_check ck;

	for (int i = 0; i < REPS; i++)
		if (machine_check(m, &ck))
			printf("check: %s\n", ck.msg);
}

static __attribute__((noipa)) void bench_check_changed_1024(struct machine *m)
{
	struct kalloc_check ck;

	for (int i = 0; i < REPS; i++) {
		kfree(m, kmalloc(m, 100, GFP_KERNEL));
		if (machine_check_changed(m, &ck))
			printf("check: %s\n", ck.msg);
	}
}

static __attribute__((noipa)) void bench_slabinfo(struct machine *m)
{
	static char buf[16384];

	for (int i = 0; i < REPS; i++)
		proc_slabinfo(m, buf, sizeof(buf));
}

static __attribute__((noipa)) void bench_boot_destroy(struct kalloc_arena *a)
{
	struct machine_config cfg;

	bench_config(&cfg, 1024, 0, 1);
	for (int i = 0; i < REPS; i++)
		machine_destroy(machine_create_in(a, &cfg));
}

/* A fuzz input's first periodic check: boot in the arena, an op, the
 * first machine_check_changed(), teardown. */
static __attribute__((noipa)) void bench_boot_first_changed(struct kalloc_arena *a)
{
	struct machine_config cfg;
	struct kalloc_check ck;

	bench_config(&cfg, 8192, 1000, 2);
	for (int i = 0; i < REPS; i++) {
		struct machine *m = machine_create_in(a, &cfg);

		kfree(m, kmalloc(m, 100, GFP_KERNEL));
		if (machine_check_changed(m, &ck))
			printf("check: %s\n", ck.msg);
		machine_destroy(m);
	}
}

/* A full check with a few vmalloc areas mapped (physmem's windows). */
static __attribute__((noipa)) void bench_check_vmalloc_8192(struct machine *m)
{
	struct kalloc_check ck;

	for (int i = 0; i < REPS; i++)
		if (machine_check(m, &ck))
			printf("check: %s\n", ck.msg);
}

/* No argument: everything; "1024" or "8192": that check alone (the
 * layers' costs are then machine_check's callees). */
int main(int argc, char **argv)
{
	struct kalloc_arena *a = kalloc_arena_create(8192);
	const char *only = argc > 1 ? argv[1] : "";
	struct machine *m;

	if (!*only || !strcmp(only, "1024")) {
		m = busy_machine(a, 1024, 1);
		bench_check_1024(m);
		bench_check_changed_1024(m);
		bench_slabinfo(m);
		machine_destroy(m);
	}
	if (!*only || !strcmp(only, "8192")) {
		m = busy_machine(a, 8192, 4);
		bench_check_8192(m);
		vmalloc(m, 3 * 4096);
		vmalloc(m, 20 * 4096);
		vmalloc(m, 4096);
		bench_check_vmalloc_8192(m);
		machine_destroy(m);
	}
	if (!*only) {
		bench_boot_destroy(a);
		bench_boot_first_changed(a);
	}
	kalloc_arena_destroy(a);
	return 0;
}
