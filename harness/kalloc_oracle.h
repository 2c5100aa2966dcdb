/* kalloc_oracle.h - the kalloc conformance oracle's state (see
 * kalloc_oracle.c).  Included by model_int.h; nothing else needs it.
 *
 * Everything here is the model's own arithmetic and bookkeeping: the
 * kmalloc classes of the profile, the counts of live blocks per class and
 * per cache, page counters, the boot-time free lists.  The only values
 * taken from the library are handles (the struct machine, a cache pointer
 * found by the name the model expects) and the observations compared with
 * these expectations.
 */
#ifndef KALLOC_HARNESS_KALLOC_ORACLE_H
#define KALLOC_HARNESS_KALLOC_ORACLE_H

#include "kalloc.h"
#include "ops.h"
#include "slub_model.h"

enum kmalloc_type { KT_NORMAL, KT_RECLAIM, KT_DMA, KT_CGROUP, NR_KT };

#define KOR_MAX_DIRTY	32	/* scribbled objects the model follows; more are not written */
#define KOR_MAX_REPORTS	64	/* reports one op may be expected to make */

_Static_assert(NR_CSLOTS <= 64, "kal.ctor_slots has a bit per c-slot");
_Static_assert(KMALLOC_MAX_CACHES <= 32, "kal.kused has a bit per class");
struct kal {
	struct machine *m;
	struct machine_config cfg;
	unsigned char *base;
	size_t mem;
	unsigned long errs_before;
	int want_err;		/* expected error code of this op (0: none) */

	/* kmalloc, as the model understands it */
	unsigned int nk, ntypes;
	size_t ksz[KMALLOC_MAX_CACHES];
	size_t max_cache, max_size;
	struct kmem_cache *kc[NR_KT][KMALLOC_MAX_CACHES];
	unsigned int kused[NR_KT];	/* bit i: kc[type][i] looked up (the sweeps' classes) */
	unsigned long klive[NR_KT][KMALLOC_MAX_CACHES];
	unsigned long page_pages, large_pages, large_allocs;

	/* SLUB, as the model lays it out and fills it (slub_model.h): one model
	 * cache per c-slot and per kmalloc class in use. */
	struct slubm sm;
	struct slubm_cache *sc[NR_CSLOTS];
	struct slubm_cache *skc[NR_KT][KMALLOC_MAX_CACHES];

	unsigned long cache_seq;	/* caches created so far (mcache.seq) */
	int kv_fallback;	/* kmalloc_checked() runs kvmalloc, which may vmalloc */
	unsigned long ctor_runs_seen;	/* ctor_runs at the last ctor_check() */
	unsigned long long ctor_slots;	/* c-slots holding a cache with a constructor (bit c) */

	/* Scribbles (OPS.md 2.4): the objects holding bytes the harness wrote
	 * that a slub_debug check covers, the reports this op must make, and
	 * the reports it made (through machine_set_report). */
	struct kdirty {
		uintptr_t obj;
		struct slubm_cache *sc;
		int live;
		unsigned int req;	/* the request while live (kmalloc's orig_size), else object_size */
		char cache[40];		/* the cache's name as the model knows it */
		struct slubm_dirty d;
	} dirty[KOR_MAX_DIRTY];
	unsigned int ndirty;
	unsigned int nexp;	/* reports this op must make: kr.exp[0..nexp) */
	int exp_any_order;	/* validate: slabs in list order, compared by address */
	unsigned int nobs;	/* reports it made: kr.obs[0..nobs) */
	int stop;		/* a slab was isolated: the program ends after this op */
	int changed;		/* an op called the library since the last periodic machine check */
	struct zone_stats boot_zone[MAX_NR_ZONES];
	int zone_ok[MAX_NR_ZONES];
};

/* The reports of the current op, expected and made (see struct kal): 48 KiB
 * that only the counts k.nexp and k.nobs make valid, so model_run does not
 * clear them for each input. */
struct kal_reports {
	struct kexp {
		int code;
		char bug[96];		/* "BUG <cache> (" ... "): <what> overwritten" */
		char title[48];
		char detail[112];	/* "0x...-0x... @offset=N. First byte 0x41 instead of 0x.." */
		uintptr_t fault;
	} exp[KOR_MAX_REPORTS];
	struct kobs {
		int code;
		char text[480];
	} obs[KOR_MAX_REPORTS];
};

/* The kalloc target's instance is its struct machine (target_kalloc.c). */
struct machine *kalloc_target_machine(void *a);
/* The op language's cache FLAGS (TCACHE_*) as kmem_cache_create flags. */
slab_flags_t kalloc_slab_flags(unsigned int cflags);

#endif
