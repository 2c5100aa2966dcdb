/* kdiff_host.c - kdiff-host: the kalloc side of `make kernel-diff`.
 *
 * Runs op programs through kernel/exec.c - the executor kdiff.ko runs inside
 * Linux - on a kalloc machine, and prints the same results text, so that
 * kernel/kdiff.py can compare the two line by line.
 *
 *   kdiff-host [--linux V] [--debug] FILE...
 *                                  "@@P FILE", the results, "@@L FILE",
 *                                  kalloc's reports (the report sink), "@@E FILE" each;
 *                                  --debug: misuse ops run, and the machine
 *                                  has slub_debug=FZPU (as the debug boot)
 *   kdiff-host [--linux V] --slabinfo CPUS [BITS]
 *                                  /proc/slabinfo of a fresh machine
 *                                  with CPUS CPUs (the kmalloc caches'
 *                                  rows), slub_debug BITS (MACHINE_SLUB_*)
 *   kdiff-host selftest            exec.c's SIZE/COUNT decoding against
 *                                  harness/ops.c for every field value
 *
 * The machine: the header's CPU count, kmalloc profile and slub_debug bits
 * (OPS.md 1.1), but the guest's memory instead of the header's 4..32 MiB:
 * 512 MiB with a 16 MiB ZONE_DMA and max order 10, as the QEMU guest
 * (-m 512, x86_64, Linux 6.1's MAX_ORDER 11) has.  Otherwise an allocation
 * the guest can serve would fail here only for want of simulated memory.
 * --linux 6.1 | 6.18 (default): machine_config.kernel_version, the rules of
 * the kernel compared with (kdiff.py passes the guest's: 6.1).
 * Exit 0, or 2 on bad usage or an unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kalloc.h"
#include "ops.h"
#include "kx_env.h"

#define HOST_PAGES	131072UL	/* 512 MiB, the guest's -m 512 */
#define HOST_DMA_PAGES	4096UL		/* x86's ZONE_DMA: the first 16 MiB */

const struct kx_flag kx_env_gfp[] = {
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_DMA", GFP_DMA },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	{ NULL, 0 }
};
const struct kx_flag kx_env_cache_flags[] = {
	{ "SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN },
	{ "SLAB_POISON", SLAB_POISON },
	{ "SLAB_CACHE_DMA", SLAB_CACHE_DMA },
	{ "SLAB_TYPESAFE_BY_RCU", SLAB_TYPESAFE_BY_RCU },
	{ "SLAB_RED_ZONE", SLAB_RED_ZONE },
	{ "SLAB_STORE_USER", SLAB_STORE_USER },
	{ "SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS },
	{ NULL, 0 }
};
const unsigned long kx_env_gfp_kernel = GFP_KERNEL;
const unsigned long kx_env_gfp_always = __GFP_NOWARN;

static unsigned int host_kernel_version = KALLOC_LINUX_6_18;	/* --linux */

#define M ((struct machine *)env)

void *kx_kmalloc(void *env, unsigned long size, unsigned long gfp) { return kmalloc(M, size, gfp); }
void *kx_kzalloc(void *env, unsigned long size, unsigned long gfp) { return kzalloc(M, size, gfp); }
void *kx_kmalloc_array(void *env, unsigned long n, unsigned long size, unsigned long gfp)
{
	return kmalloc_array(M, n, size, gfp);
}
void *kx_krealloc(void *env, void *p, unsigned long size, unsigned long gfp)
{
	return krealloc(M, p, size, gfp);
}
unsigned long kx_ksize(void *env, void *p) { return ksize(M, p); }
int kx_kfree(void *env, void *p) { return kfree(M, p); }
void *kx_alloc_pages(void *env, unsigned long gfp, unsigned int order, void **addr)
{
	struct page *page = alloc_pages(M, gfp, order);

	*addr = page ? page_address(M, page) : NULL;
	return page;
}
unsigned long kx_get_free_pages(void *env, unsigned long gfp, unsigned int order)
{
	return __get_free_pages(M, gfp, order);
}
int kx_free_page_block(void *env, void *page, unsigned int order)
{
	return __free_pages(M, page, order);
}
int kx_free_pages(void *env, unsigned long addr, unsigned int order)
{
	return free_pages(M, addr, order);
}

static void host_ctor(void *obj)
{
	*(unsigned char *)obj = 0xc7;
}

void *kx_cache_create(void *env, const char *name, unsigned int size, unsigned int align,
		      unsigned long flags, int ctor)
{
	return kmem_cache_create(M, name, size, align, (slab_flags_t)flags, ctor ? host_ctor : NULL);
}
void *kx_cache_alloc(void *env, void *s, unsigned long gfp) { (void)env; return kmem_cache_alloc(s, gfp); }
int kx_cache_free(void *env, void *s, void *obj) { (void)env; return kmem_cache_free(s, obj); }
void kx_cache_shrink(void *env, void *s) { (void)env; kmem_cache_shrink(s); }
int kx_cache_destroy(void *env, void *s) { (void)env; return kmem_cache_destroy(s); }
unsigned int kx_cache_object_size(void *env, void *s) { (void)env; return kmem_cache_size(s); }

const char *kx_zone(void *env, const void *addr)
{
	struct page *page = virt_to_page(M, addr);

	if (!page)
		return "none";
	return page_zonenum(M, page) == ZONE_DMA ? "DMA" : "Normal";
}

/* The row of @name in kalloc's /proc/slabinfo. */
int kx_cache_geometry(void *env, void *s, const char *name, unsigned long v[3], int *merged)
{
	static char buf[512 << 10];
	size_t n = strlen(name);
	int len = proc_slabinfo(M, buf, sizeof(buf));

	(void)s;
	*merged = 0;	/* kalloc does not merge caches */
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long f[5];

		if (strncmp(line, name, n) || line[n] != ' ')
			continue;
		if (sscanf(line + n, " %lu %lu %lu %lu %lu", &f[0], &f[1], &f[2], &f[3], &f[4]) != 5)
			return -1;
		v[0] = f[2];
		v[1] = f[3];
		v[2] = f[4];
		return 0;
	}
	return -1;
}

void kx_clear_failure(void *env) { machine_clear_errors(M); }
const char *kx_failure(void *env)
{
	int code = machine_last_error(M);

	return code ? kalloc_error_name(code) : NULL;
}
void kx_mark(void *env, unsigned int i, const char *what) { (void)env; (void)i; (void)what; }

/* kalloc's own layout of the object's cache (slub_geometry_linux of the
 * cache's effective flags: the rules the machine runs). */
int kx_obj_layout(void *env, void *s, int ctor, const void *p, unsigned long gfp, unsigned long ks,
		  struct kx_layout *l, char *name, unsigned long nlen)
{
	struct kmem_cache *c = s ? s : virt_to_cache(M, p);
	struct slab_stats st;
	struct slub_geometry g;

	(void)gfp;
	(void)ks;
	if (!c)
		return -1;
	kmem_cache_stats(c, &st);
	if (slub_geometry_linux(st.object_size, st.align, st.flags, ctor, 1 /* layout does not depend on it */,
				host_kernel_version, &g) || g.size != st.size)
		return -1;
	l->red_left_pad = g.red_left_pad;
	l->inuse = g.inuse;
	l->size = g.size;
	l->offset = g.offset;
	l->object_size = g.object_size;
	snprintf(name, nlen, "%s", kmem_cache_name(c));
	return 0;
}

void kx_poke(void *env, void *addr, unsigned char byte, unsigned long len)
{
	unsigned char buf[64];

	memset(buf, byte, sizeof(buf));
	while (len) {
		unsigned long n = len < sizeof(buf) ? len : sizeof(buf);

		machine_poke(M, addr, buf, n);
		addr = (char *)addr + n;
		len -= n;
	}
}

int kx_is_slab(void *env, const void *p) { return virt_to_cache(M, p) != NULL; }

int kx_validate(void *env, void *s, const char *name)
{
	(void)env;
	(void)name;
	kmem_cache_validate(s);	/* the error count: the kernel's sysfs write has none */
	return 0;
}

#undef M

static int selftest(void)
{
	unsigned long pass = 0, fail = 0;
	uint8_t r[OPS_REC] = { 0 };

	for (unsigned int v = 0; v < 65536; v++) {
		r[OPF_SIZE_BYTE] = (uint8_t)v;
		r[OPF_SIZE_BYTE + 1] = (uint8_t)(v >> 8);
		if (kx_rec_size(r) == rec_size(r))
			pass++;
		else if (fail++ < 5)
			printf("SIZE %u: exec.c %lu, ops.c %zu\n", v, kx_rec_size(r), rec_size(r));
	}
	for (unsigned int x = 0; x < 256; x++) {
		r[OPF_COUNT_BYTE] = (uint8_t)x;
		if (kx_rec_count(r) == rec_count(r))
			pass++;
		else if (fail++ < 10)
			printf("COUNT %u: exec.c %lu, ops.c %zu\n", x, kx_rec_count(r), rec_count(r));
	}
	printf("kdiff-host selftest: %lu passed, %lu failed\n", pass, fail);
	return fail ? 1 : 0;
}


/* The report sink: every report of the program's machine, in order (the
 * kernel's side is its log between @@L and @@E). */
struct host_log {
	char text[64 << 10];
	size_t len;
};

static void host_report(void *ctx, int code, const char *report)
{
	struct host_log *lg = ctx;
	int n;

	(void)code;
	n = snprintf(lg->text + lg->len, sizeof(lg->text) - lg->len, "%s%s", report,
		     *report && report[strlen(report) - 1] == '\n' ? "" : "\n");
	if (n > 0)
		lg->len = lg->len + (size_t)n < sizeof(lg->text) ? lg->len + (size_t)n : sizeof(lg->text) - 1;
}

static int run_file(const char *path, int debug, struct kx_run *r)
{
	static struct host_log lg;
	static uint8_t data[OPS_HDR + OPS_REC * OPS_MAX];
	struct machine_config cfg;
	struct machine *m;
	size_t len;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "kdiff-host: cannot open %s\n", path);
		return 2;
	}
	len = fread(data, 1, sizeof(data), f);
	fclose(f);
	memset(data + len, 0, len < OPS_HDR ? OPS_HDR - len : 0);
	hdr_config(data, &cfg);
	cfg.kernel_version = host_kernel_version;
	cfg.nr_pages = HOST_PAGES;
	cfg.dma_pages = HOST_DMA_PAGES;
	cfg.max_order = MAX_PAGE_ORDER;
	if (debug)
		cfg.slub_debug |= MACHINE_SLUB_ALL;
	cfg.quiet = 1;
	m = machine_create(&cfg);
	if (!m) {
		fprintf(stderr, "kdiff-host: %s: machine_create failed\n", path);
		return 2;
	}
	lg.len = 0;
	lg.text[0] = 0;
	machine_set_report(m, host_report, &lg);
	r->env = m;
	r->debug = debug;
	r->len = 0;
	r->overflow = 0;
	r->out[0] = 0;
	kx_run_program(r, data, len);
	printf("@@P %s\n%s@@L %s\n%s@@E %s\n", path, r->out, path, lg.text, path);
	machine_destroy(m);
	return 0;
}

int main(int argc, char **argv)
{
	static char out[256 << 10];
	struct kx_run r = { .out = out, .cap = sizeof(out) };
	int debug = 0, i = 1, rc = 0;

	if (argc == 2 && !strcmp(argv[1], "selftest"))
		return selftest();
	if (argc >= 3 && !strcmp(argv[1], "--linux")) {
		if (!strcmp(argv[2], "6.1")) {
			host_kernel_version = KALLOC_LINUX_6_1;
		} else if (strcmp(argv[2], "6.18")) {
			fprintf(stderr, "kdiff-host: --linux %s: want 6.1 or 6.18\n", argv[2]);
			return 2;
		}
		argv += 2;
		argc -= 2;
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--slabinfo")) {
		struct machine_config cfg;
		struct machine *m;

		machine_config_default(&cfg);
		cfg.kernel_version = host_kernel_version;
		cfg.nr_pages = HOST_PAGES;
		cfg.dma_pages = HOST_DMA_PAGES;
		cfg.nr_cpus = (unsigned int)atoi(argv[2]);
		if (argc == 4)
			cfg.slub_debug = (unsigned int)strtoul(argv[3], NULL, 0) & MACHINE_SLUB_ALL;
		cfg.quiet = 1;
		m = machine_create(&cfg);
		if (!m)
			return 2;
		proc_slabinfo(m, out, sizeof(out));
		fputs(out, stdout);
		machine_destroy(m);
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "--debug")) {
		debug = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: kdiff-host [--linux 6.1|6.18] [--debug] FILE... | kdiff-host selftest\n");
		return 2;
	}
	for (; i < argc; i++)
		if (run_file(argv[i], debug, &r))
			rc = 2;
	return rc;
}
