/* targets_malloc.c - the C library's malloc and three others as harness
 * targets (target.h): glibc, jemalloc, mimalloc, tcmalloc; and the table of
 * every built-in target, alloc_target_find() / alloc_target_names().
 *
 * Each target offers TCAP_MALLOC | TCAP_ALIGNED_ALLOC and promises nothing
 * on misuse (no TCAP_REPORTS_MISUSE: a double free is undefined behaviour,
 * so the harness never sends one).  These allocators are process-wide: an
 * "instance" is the resolved entry points, open() resolves them once and
 * close() at most asks the library to give free memory back (m_close; a
 * malloc is never dlclose'd: its blocks and its thread caches would
 * dangle).  What one program leaves in the allocator's caches does change
 * where the next one's blocks land; the harness frees every block it got,
 * which is all a real malloc can be asked for.  Requests of 16 MiB .. 128 TiB
 * never reach the library (too_big(): the oracle allows NULL there, and the
 * fuzzer cannot afford the memory).
 *
 * How each one is reached, and why (checked here, glibc 2.36, clang 14,
 * both in a plain gcc build and in the ASan+UBSan+libFuzzer fuzz build):
 *
 *  - glibc: every entry point is dlsym()'d from the libc.so.6 handle
 *    (dlopen with RTLD_NOLOAD: libc is always loaded).  In an ASan build
 *    the interceptors own malloc, calloc, realloc, free, aligned_alloc,
 *    memalign, malloc_usable_size and also __libc_memalign: libclang_rt.asan
 *    defines `__libc_memalign` and `malloc_usable_size` itself (nm shows
 *    them as W symbols), so a direct call to either reaches ASan's
 *    allocator, and ASan's malloc_usable_size of a glibc block is an ASan
 *    report ("attempting to call malloc_usable_size() for pointer which is
 *    not owned").  __libc_malloc/_calloc/_realloc/_free are not intercepted,
 *    but mimalloc exports those names too; dlsym on libc's own handle finds
 *    libc's definitions whatever else is loaded.  aligned_alloc is
 *    __libc_memalign in 2.36 (same address in libc.so.6's symbol table).
 *  - jemalloc, mimalloc, tcmalloc: dlopen(RTLD_NOW | RTLD_LOCAL) of the
 *    runtime library and dlsym() on that handle.  RTLD_LOCAL keeps their
 *    malloc out of the global scope, so nothing else in the process (ASan,
 *    libFuzzer, stdio, kfz) starts using them, and dlsym on the handle
 *    searches that library first, so jemalloc's unprefixed `malloc` there is
 *    jemalloc's (dladdr of the resolved pointers names each library).  mimalloc is called by its mi_* names and tcmalloc by its
 *    tc_* names, which exist only there.  Linking them instead would make
 *    them replace malloc for the whole process without ASan (and lose to
 *    ASan's interceptors with it), so a link-time choice would test a
 *    different allocator in the two builds.  tcmalloc is the "minimal"
 *    library (no heap profiler, no libunwind): the full one installs a
 *    profiler that samples allocations, which a fuzzer does not want.
 *  - jemalloc's dlopen fails in both builds with "cannot allocate memory in
 *    static TLS block": it has 2632 bytes of initial-exec TLS (readelf: PT_TLS
 *    0xa48, FLAGS STATIC_TLS) and glibc keeps 512 for libraries loaded late.
 *    GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 fixes it, but only
 *    at process start: alloc_target_exec_prepare() re-executes a program once
 *    with it (kfz, the fuzz targets), make sets it for everything else, and
 *    open() names it when it is missing.  mimalloc (9 bytes) and tcmalloc
 *    (88) fit.
 *  - mimalloc's mi_malloc_aligned takes (size, alignment), the other way
 *    round from aligned_alloc (an early version here returned NULL for every
 *    aligned request): mi_aligned_alloc(alignment, size) is the C one.
 *
 * in_use: jemalloc's "stats.allocated" after flushing this thread's tcache
 * and bumping "epoch" (cached blocks count as allocated until flushed), and
 * tcmalloc's "generic.current_allocated_bytes" (thread-cache blocks count as
 * free there).  Only the harness calls these libraries, so the numbers are
 * the harness's blocks; test_targets.c checks that they return to their
 * opening value.  glibc counts its tcache's blocks as in use and the process
 * itself mallocs from it without ASan; mimalloc keeps byte counts only in
 * its statistics build: both NULL.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target.h"

struct mlib {
	void *handle;
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*aligned)(size_t, size_t);
	void (*free)(void *);
	size_t (*usable)(void *);
	int (*mallctl)(const char *, void *, size_t *, void *, size_t);	/* jemalloc */
	int (*tc_property)(const char *, size_t *);			/* tcmalloc */
	void *release;		/* hands freed memory back to the OS (close) */
	size_t largest;		/* the largest request since open() */
};

/* Where each library is found and what it is called there. */
struct mlib_desc {
	const char *name, *soname, *package;
	int noload;	/* already in the process: glibc */
	const char *sym[6];	/* malloc calloc realloc aligned free usable */
	const char *extra;	/* mallctl or MallocExtension_GetNumericProperty */
	const char *release;	/* malloc_trim, mi_collect, ...; NULL: jemalloc's mallctl */
};

enum { LIB_GLIBC, LIB_JEMALLOC, LIB_MIMALLOC, LIB_TCMALLOC, NR_LIBS };

static const struct mlib_desc descs[NR_LIBS] = {
	[LIB_GLIBC] = { "glibc", "libc.so.6", "libc6", 1,
		{ "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign",
		  "__libc_free", "malloc_usable_size" }, NULL, "malloc_trim" },
	[LIB_JEMALLOC] = { "jemalloc", "libjemalloc.so.2", "libjemalloc-dev", 0,
		{ "malloc", "calloc", "realloc", "aligned_alloc", "free", "malloc_usable_size" },
		"mallctl", NULL },
	[LIB_MIMALLOC] = { "mimalloc", "libmimalloc.so.2", "libmimalloc-dev", 0,
		{ "mi_malloc", "mi_calloc", "mi_realloc", "mi_aligned_alloc", "mi_free", "mi_usable_size" },
		NULL, "mi_collect" },
	[LIB_TCMALLOC] = { "tcmalloc", "libtcmalloc_minimal.so.4", "libgoogle-perftools-dev", 0,
		{ "tc_malloc", "tc_calloc", "tc_realloc", "tc_memalign", "tc_free", "tc_malloc_size" },
		"MallocExtension_GetNumericProperty", "MallocExtension_ReleaseFreeMemory" },
};

static struct mlib libs[NR_LIBS];

/* Resolve library @i once; NULL with a one-line reason in @err. */
static struct mlib *mlib_open(int i, char *err, size_t errlen)
{
	const struct mlib_desc *d = &descs[i];
	struct mlib *m = &libs[i];
	void *fn[6];

	if (m->handle)
		return m;
	void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL | (d->noload ? RTLD_NOLOAD : 0));
	if (!h) {
		const char *why = dlerror();

		if (why && strstr(why, "static TLS"))
			snprintf(err, errlen, "%s: %s needs more static TLS than glibc keeps for dlopen; "
				 "run with GLIBC_TUNABLES=%s (make, kfz and fuzz_malloc do)",
				 d->name, d->soname, ALLOC_TLS_TUNABLE);
		else
			snprintf(err, errlen, "%s: cannot load %s (%s); install the Debian package %s",
				 d->name, d->soname, why ? why : "not found", d->package);
		return NULL;
	}
	for (int k = 0; k < 6; k++) {
		fn[k] = dlsym(h, d->sym[k]);
		if (!fn[k]) {
			snprintf(err, errlen, "%s: %s has no %s; install the Debian package %s",
				 d->name, d->soname, d->sym[k], d->package);
			return NULL;	/* the handle stays open: harmless */
		}
	}
	/* POSIX's dlsym returns void *; the cast to a function pointer is the
	 * documented way to use it. */
	*(void **)&m->malloc = fn[0];
	*(void **)&m->calloc = fn[1];
	*(void **)&m->realloc = fn[2];
	*(void **)&m->aligned = fn[3];
	*(void **)&m->free = fn[4];
	*(void **)&m->usable = fn[5];
	if (i == LIB_JEMALLOC)
		*(void **)&m->mallctl = dlsym(h, d->extra);
	if (i == LIB_TCMALLOC)
		*(void **)&m->tc_property = dlsym(h, d->extra);
	if (d->release)
		m->release = dlsym(h, d->release);
	m->handle = h;
	return m;
}

/* What the harness freed stays in the allocator's caches, and jemalloc,
 * mimalloc and tcmalloc keep freed extents mapped (jemalloc for its 10 s
 * decay): a campaign's RSS grew past libFuzzer's 2 GiB limit within seconds
 * ("out-of-memory" in every one of them).  A program that asked for a large
 * block therefore ends by asking the allocator to hand free memory back, as
 * its own API allows.  Only then: releasing after every program made the
 * next one fault its pages back in (tcmalloc on a fixed set of 422 inputs:
 * 8.9 s against 2.1 s, one measurement on a noisy machine). */
#define RELEASE_FROM	((size_t)4 << 20)

static void m_close(void *a)
{
	struct mlib *m = a;

	if (m->largest < RELEASE_FROM)
		return;
	m->largest = 0;
	if (m == &libs[LIB_JEMALLOC] && m->mallctl)
		m->mallctl("arena.4096.purge", NULL, NULL, NULL, 0);	/* MALLCTL_ARENAS_ALL */
	else if (m == &libs[LIB_GLIBC] && m->release)
		((int (*)(size_t))m->release)(0);
	else if (m == &libs[LIB_MIMALLOC] && m->release)
		((void (*)(_Bool))m->release)(1);
	else if (m->release)
		((void (*)(void))m->release)();
}

/* Requests the machine could satisfy but the fuzzer cannot afford: the
 * oracle lets the malloc family fail from 2^HEAP_LARGE_LOG2 on (target.h),
 * and a real allocator commits such a block (jemalloc, mimalloc and tcmalloc
 * memset a reused extent for calloc: a 3 GiB calloc took a campaign past
 * libFuzzer's RSS limit, and mimalloc and tcmalloc ran 30-40 exec/s while
 * blocks up to 1 GiB were let through).  So [16 MiB, 128 TiB) is refused here,
 * without the library seeing it; beyond that no mapping can succeed, and the
 * library's own answer (NULL, cheaply) is tested, as are overflowing callocs. */
#define TOO_BIG_LO	((size_t)1 << HEAP_LARGE_LOG2)
#define TOO_BIG_HI	((size_t)1 << HEAP_HUGE_LOG2)

/* Is a request of @n bytes refused here?  Notes the largest one passed on. */
static int too_big(struct mlib *m, size_t n)
{
	if (n >= TOO_BIG_LO && n < TOO_BIG_HI)
		return 1;
	if (n > m->largest && n < TOO_BIG_LO)
		m->largest = n;
	return 0;
}

static void *m_malloc(void *a, size_t size)
{
	return too_big(a, size) ? NULL : ((struct mlib *)a)->malloc(size);
}
static void *m_calloc(void *a, size_t n, size_t size)
{
	size_t total;

	if (!__builtin_mul_overflow(n, size, &total) && too_big(a, total))
		return NULL;
	return ((struct mlib *)a)->calloc(n, size);
}
static void *m_realloc(void *a, void *p, size_t size)
{
	return too_big(a, size) ? NULL : ((struct mlib *)a)->realloc(p, size);
}
static void *m_aligned(void *a, size_t align, size_t size)
{
	return too_big(a, size) ? NULL : ((struct mlib *)a)->aligned(align, size);
}
static int m_free(void *a, void *p)
{
	((struct mlib *)a)->free(p);
	return 0;
}
static size_t m_usable(void *a, void *p)
{
	return ((struct mlib *)a)->usable(p);
}

static long jemalloc_in_use(void *a)
{
	struct mlib *m = a;
	uint64_t epoch = 1;
	size_t allocated, len = sizeof(allocated), elen = sizeof(epoch);

	if (!m->mallctl || m->mallctl("thread.tcache.flush", NULL, NULL, NULL, 0) ||
	    m->mallctl("epoch", &epoch, &elen, &epoch, sizeof(epoch)) ||
	    m->mallctl("stats.allocated", &allocated, &len, NULL, 0))
		return -1;
	return (long)allocated;
}

static long tcmalloc_in_use(void *a)
{
	struct mlib *m = a;
	size_t v;

	if (!m->tc_property || !m->tc_property("generic.current_allocated_bytes", &v))
		return -1;
	return (long)v;
}

#define MALLOC_TARGET(id, lib, what_, pkg, in_use_)				\
	static void *id##_open(const uint8_t hdr[8], char *err, size_t errlen)	\
	{									\
		(void)hdr;							\
		return mlib_open(lib, err, errlen);				\
	}									\
	const struct alloc_target alloc_target_##id = {				\
		.name = #id, .what = what_, .package = pkg,			\
		.caps = TCAP_MALLOC | TCAP_ALIGNED_ALLOC,			\
		.open = id##_open, .close = m_close, .in_use = in_use_,		\
		.malloc = m_malloc, .calloc = m_calloc, .realloc = m_realloc,	\
		.aligned_alloc = m_aligned, .free = m_free, .usable_size = m_usable, \
	}

MALLOC_TARGET(glibc, LIB_GLIBC, "glibc's malloc (libc.so.6 __libc_malloc ... via dlsym)", "libc6", NULL);
MALLOC_TARGET(jemalloc, LIB_JEMALLOC, "jemalloc (libjemalloc.so.2, dlopen'd)", "libjemalloc-dev", jemalloc_in_use);
MALLOC_TARGET(mimalloc, LIB_MIMALLOC, "mimalloc (libmimalloc.so.2 mi_*, dlopen'd)", "libmimalloc-dev", NULL);
MALLOC_TARGET(tcmalloc, LIB_TCMALLOC, "tcmalloc (libtcmalloc_minimal.so.4 tc_*, dlopen'd)", "libgoogle-perftools-dev",
	      tcmalloc_in_use);

void alloc_target_exec_prepare(char **argv)
{
	const char *old = getenv("GLIBC_TUNABLES");
	char buf[1024];

	if (!argv || !argv[0] || (old && strstr(old, "glibc.rtld.optional_static_tls")))
		return;
	snprintf(buf, sizeof(buf), "%s%s%s", old ? old : "", old && *old ? ":" : "", ALLOC_TLS_TUNABLE);
	if (setenv("GLIBC_TUNABLES", buf, 1))
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	/* Still here: run without it; jemalloc's open() will say why it fails. */
}

/* ---- the table of every built-in target ---------------------------------
 * kalloc and kalloc-neutral (kalloc through the neutral oracle only;
 * target_kalloc.c), kalloc-heap (target_heap.c), the example (examples/adapter_example.c) and a user's
 * adapter (ALLOC_SRC=) live in files a binary may or may not link:
 * weak references, so the table lists exactly what is linked in and a
 * binary without one says "unknown" instead of failing to link.
 */
extern const struct alloc_target alloc_target_kalloc __attribute__((weak));
extern const struct alloc_target alloc_target_kalloc_neutral __attribute__((weak));
extern const struct alloc_target alloc_target_example __attribute__((weak));
extern const struct alloc_target alloc_target_user __attribute__((weak));
extern const struct alloc_target alloc_target_kalloc_heap __attribute__((weak));
extern const struct alloc_target alloc_target_kalloc_proc __attribute__((weak));

#define NR_BUILTIN 10

/* Built-in target @i (NULL when its file is not linked in), ALLOC= key in *@key. */
static const struct alloc_target *builtin(unsigned int i, const char **key)
{
	static const char *const keys[NR_BUILTIN] = { "kalloc", "glibc", "jemalloc", "mimalloc",
						      "tcmalloc", "example", "user", "kalloc-neutral",
						      "kalloc-heap", "kalloc-proc" };
	const struct alloc_target *t[NR_BUILTIN] = { &alloc_target_kalloc, &alloc_target_glibc,
		&alloc_target_jemalloc, &alloc_target_mimalloc, &alloc_target_tcmalloc,
		&alloc_target_example, &alloc_target_user, &alloc_target_kalloc_neutral,
		&alloc_target_kalloc_heap, &alloc_target_kalloc_proc };

	*key = keys[i];
	return t[i];
}

/* By ALLOC= key, or by the table's own name (a user's adapter may call
 * itself "myalloc"; it is also "user"). */
const struct alloc_target *alloc_target_find(const char *name)
{
	for (unsigned int i = 0; name && i < NR_BUILTIN; i++) {
		const char *key;
		const struct alloc_target *t = builtin(i, &key);

		if (t && (!strcmp(key, name) || (t->name && !strcmp(t->name, name))))
			return t;
	}
	return NULL;
}

const char *alloc_target_names(void)
{
	static char buf[128];
	size_t n = 0;

	if (buf[0])
		return buf;
	for (unsigned int i = 0; i < NR_BUILTIN; i++) {
		const char *key;

		if (builtin(i, &key))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", key);
	}
	return buf;
}
