/* machine.c - the simulated machine: boot, teardown, the error sink, the
 * whole-machine check.
 *
 * Boot follows Linux's order: map physical memory (one anonymous mapping,
 * aligned so that a block of the largest order is naturally aligned in the
 * host's address space too), lay out the zones and their struct pages, free
 * every frame to the buddy allocator (memblock_free_all), then bring up the
 * slab allocator and the kmalloc caches (kmem_cache_init).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

_Static_assert(sizeof(struct page) <= 64, "struct page must fit Linux's 64 bytes");

static const char *const error_names[] = {
#define X(code, text) #code,
	KALLOC_ERRORS(X)
#undef X
};
static const char *const error_texts[] = {
#define X(code, text) text,
	KALLOC_ERRORS(X)
#undef X
};
static const char *const invariant_names[] = {
#define X(code, text) #code,
	KALLOC_INVARIANTS(X)
#undef X
};
static const char *const invariant_texts[] = {
#define X(code, text) text,
	KALLOC_INVARIANTS(X)
#undef X
};

const char *kalloc_error_name(int code)
{
	return code >= 0 && code < NR_KALLOC_ERRORS ? error_names[code] : "?";
}
const char *kalloc_error_text(int code)
{
	return code >= 0 && code < NR_KALLOC_ERRORS ? error_texts[code] : "?";
}
const char *kalloc_invariant_name(int code)
{
	return code >= 0 && code < NR_KALLOC_INVARIANTS ? invariant_names[code] : "?";
}
const char *kalloc_invariant_text(int code)
{
	return code >= 0 && code < NR_KALLOC_INVARIANTS ? invariant_texts[code] : "?";
}

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_pages = 65536;
	cfg->dma_pages = 4096;
	cfg->nr_cpus = 4;
	cfg->max_order = MAX_PAGE_ORDER;
	cfg->profile = KMALLOC_PROFILE_DEFAULT;
}

/* Largest machine we agree to simulate: 16 GiB of frames. */
#define MACHINE_MAX_PAGES	(1UL << 22)

static const char *config_problem(const struct machine_config *c)
{
	if (c->nr_pages == 0 || c->nr_pages > MACHINE_MAX_PAGES)
		return "nr_pages must be 1..4194304";
	if (c->dma_pages > c->nr_pages)
		return "dma_pages exceeds nr_pages";
	if (c->nr_cpus == 0 || c->nr_cpus > MAX_NR_CPUS)
		return "nr_cpus must be 1..64";
	if (c->max_order > MAX_PAGE_ORDER)
		return "max_order must be 0..10";
	if ((unsigned)c->profile >= NR_KMALLOC_PROFILES)
		return "unknown kmalloc profile";
	/* The largest general cache needs its slab order: kmalloc-8k an
	 * order-1 block at least, size-131072 an order-5 one; one more with
	 * slub_debug poison, whose free pointer goes after the object. */
	if (c->max_order < (c->profile == KMALLOC_PROFILE_CLASSIC ? 5u : 1u) +
			   !!(c->slub_debug & MACHINE_SLUB_POISON))
		return "max_order too small for the kmalloc profile";
	if (c->slub_debug & ~MACHINE_SLUB_POISON)
		return "unknown slub_debug bits";
	return NULL;
}

struct machine *machine_create(const struct machine_config *cfg)
{
	struct machine_config def;
	const char *why;
	struct machine *m;

	if (!cfg) {
		machine_config_default(&def);
		cfg = &def;
	}
	why = config_problem(cfg);
	if (why) {
		fprintf(stderr, "kalloc: machine_create: %s\n", why);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->nr_pages = cfg->nr_pages;

	/* Align the direct map to the largest block so that natural alignment
	 * in pfn space is natural alignment of addresses as well. */
	size_t block = PAGE_SIZE << MAX_PAGE_ORDER;
	size_t mem = m->nr_pages << PAGE_SHIFT;
	m->map_bytes = mem + block;
	m->map = mmap(NULL, m->map_bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->map == MAP_FAILED) {
		free(m);
		return NULL;
	}
	m->base = (unsigned char *)ALIGN((uintptr_t)m->map, block);
	m->pages = calloc(m->nr_pages, sizeof(struct page));
	if (!m->pages)
		goto fail;
	if (buddy_init(m) || slab_init(m) || kmalloc_init(m))
		goto fail;
	return m;
fail:
	machine_destroy(m);
	return NULL;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	slab_exit(m);
	if (m->map && m->map != MAP_FAILED) {
		/* ASan keeps shadow state for the range; clear it before the
		 * host reuses the addresses. */
		kasan_unpoison(m->map, m->map_bytes);
		munmap(m->map, m->map_bytes);
	}
	free(m->pages);
	free(m);
}

const struct machine_config *machine_config(const struct machine *m) { return &m->cfg; }
void *machine_base(const struct machine *m) { return m->base; }
unsigned long machine_nr_pages(const struct machine *m) { return m->nr_pages; }
unsigned int machine_cpu(const struct machine *m) { return m->cpu; }

int machine_set_cpu(struct machine *m, unsigned int cpu)
{
	if (cpu >= m->cfg.nr_cpus)
		return kalloc_report(m, KERR_INVAL, "machine_set_cpu: CPU %u of %u",
				     cpu, m->cfg.nr_cpus);
	m->cpu = cpu;
	return 0;
}

int kalloc_report(struct machine *m, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_report, sizeof(m->last_report), fmt, ap);
	va_end(ap);
	if (code > 0 && code < NR_KALLOC_ERRORS)
		m->errors[code]++;
	m->errors_total++;
	m->last_error = code;
	if (!m->cfg.quiet)
		fprintf(stderr, "kalloc: %s: %s\n", kalloc_error_name(code), m->last_report);
	if (m->report_fn)
		m->report_fn(m->report_ctx, code, m->last_report);
	return -code;
}

int kalloc_fail(struct kalloc_check *out, int code, const char *fmt, ...)
{
	va_list ap;

	if (out) {
		int n;
		out->code = code;
		n = snprintf(out->msg, sizeof(out->msg), "%s: ", kalloc_invariant_name(code));
		va_start(ap, fmt);
		vsnprintf(out->msg + n, sizeof(out->msg) - n, fmt, ap);
		va_end(ap);
	}
	return code;
}

unsigned long machine_errors(const struct machine *m, enum kalloc_error code)
{
	return (unsigned)code < NR_KALLOC_ERRORS ? m->errors[code] : 0;
}
unsigned long machine_errors_total(const struct machine *m) { return m->errors_total; }
int machine_last_error(const struct machine *m) { return m->last_error; }
const char *machine_last_report(const struct machine *m) { return m->last_report; }

void machine_clear_errors(struct machine *m)
{
	memset(m->errors, 0, sizeof(m->errors));
	m->errors_total = 0;
	m->last_error = KERR_NONE;
	m->last_report[0] = '\0';
}

void machine_set_report(struct machine *m, machine_report_fn fn, void *ctx)
{
	m->report_fn = fn;
	m->report_ctx = ctx;
}

int machine_check(struct machine *m, struct kalloc_check *out)
{
	int code;

	if (out) {
		out->code = INV_OK;
		out->msg[0] = '\0';
	}
	code = buddy_check(m, out);
	if (!code)
		code = slab_check(m, out);
	if (!code)
		code = kmalloc_check(m, out);
	return code;
}

void kalloc_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "kalloc: BUG at %s:%d: %s\n", file, line, what);
	abort();
}

void kalloc_debug_check(struct machine *m, int (*check)(struct machine *, struct kalloc_check *),
			const char *where)
{
	struct kalloc_check ck;

	if (check(m, &ck)) {
		fprintf(stderr, "kalloc: BUG: after %s: %s\n", where, ck.msg);
		abort();
	}
}

void seq_printf(struct seq_buf *s, const char *fmt, ...)
{
	va_list ap;
	size_t room = s->len < s->size ? s->size - s->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
}
