/* test_vm_oracle.c - the vmalloc and process model's checks (vm_oracle.c),
 * each made to fire.
 *
 * "vmfake" is a small vmalloc and process of its own: frames in a memfd
 * mapped shared as a direct map, vmalloc areas mapped page by page into a
 * reserved window (MAP_FIXED | MAP_SHARED from each frame's offset, so the
 * aliasing is real) with an unmapped guard page after each, and a process
 * with a page table per page (none, the zero page, or a frame), a brk area
 * and anonymous mappings, reached only through mm_write/mm_read.  It has one
 * switch per way such an allocator can break its contract; each test runs
 * one program with one switch on and expects the one violation it must
 * cause, and the same program passes with every switch off.  (kalloc's own
 * vmalloc and process are checked by the same oracle plus its exact codes;
 * the catalogue's bugs in props/bugs/ are found by these checks.)
 *
 * Built into build/<cfg>/harness/oracle-test with test_oracle.c (make oracle-test).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kunit.h"
#include "model.h"

enum vbend {
	VB_NONE, VB_NO_GUARD, VB_GUARD_SILENT, VB_GUARD_MAPPED, VB_ALIAS, VB_SHARED_FRAME,
	VB_READ_ALLOCS, VB_BRK_KEEPS, VB_FAULT_SILENT, VB_WRITE_LOST, VB_BRK_BELOW_OK,
	VB_VFREE_TWICE_OK, VB_MMAP_OVERLAP, VB_INFO_NO_GUARD, VB_VZALLOC_DIRTY, VB_MUNMAP_KEEPS,
	VB_USER_ON_AREA, VB_ALIAS_LATE,
	VB_AREA_ON_DIRECT,	/* a one-page area on the frame of a live kvmalloc page of the direct map */
	VB_INFO_PAGES,		/* vmallocinfo's pages= one more than the area has */
	VB_INFO_HEAD,		/* vmallocinfo's range written 0x<start>+0x<end> */
	VB_INFO_WRAP,		/* vmallocinfo's start with a 1 before its 16 digits: 2^64 more */
};

#define VF_FRAMES	1024
#define VF_WIN		1024			/* vmalloc window pages */
#define VF_BRKMAX	1024			/* the brk area's room */
#define VF_VA		(VF_BRKMAX + 1 + 1024)	/* process pages: brk area, a gap, mmaps */
#define VF_PBASE	((uintptr_t)0x40000000)
#define VF_MBASE	(VF_BRKMAX + 1)	/* first mmap page */
#define PG		4096UL
#define PTE_NONE	(-1)
#define PTE_ZERO	(-2)

struct vf {
	enum vbend bend;
	int fd;
	unsigned char *dmap, *win;
	unsigned char used[VF_FRAMES];
	int slot[VF_WIN];			/* window slot -> pfn, or -1 */
	struct { size_t start, pages; int live; } area[64];
	int pte[VF_VA];
	unsigned char vma[VF_VA];		/* mmap pages in a mapping */
	size_t brk;				/* pages */
	size_t mapped;				/* pages in mappings */
	int stolen;				/* VB_USER_ON_AREA: done once */
	int direct_pfn;				/* VB_AREA_ON_DIRECT: the last kvmalloc page's pfn + 1, or 0 */
	unsigned char translated[VF_WIN];	/* VB_ALIAS_LATE: translations of each slot */
};

static enum vbend vbend_now;

static int vf_frame(struct vf *f)
{
	for (int i = 0; i < VF_FRAMES; i++)
		if (!f->used[i]) {
			f->used[i] = 1;
			memset(f->dmap + i * PG, 0, PG);
			return i;
		}
	return -1;
}

static void *vf_open(const uint8_t hdr[8], char *err, size_t errlen)
{
	struct vf *f = calloc(1, sizeof(*f));

	(void)hdr;
	f->bend = vbend_now;
	f->fd = memfd_create("vmfake", 0);
	if (f->fd < 0 || ftruncate(f->fd, VF_FRAMES * PG)) {
		snprintf(err, errlen, "memfd");
		return NULL;
	}
	f->dmap = mmap(NULL, VF_FRAMES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	f->win = mmap(NULL, VF_WIN * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	for (int i = 0; i < VF_WIN; i++)
		f->slot[i] = -1;
	for (int i = 0; i < VF_VA; i++)
		f->pte[i] = PTE_NONE;
	return f;
}

static void vf_close(void *a)
{
	struct vf *f = a;

	munmap(f->dmap, VF_FRAMES * PG);
	munmap(f->win, VF_WIN * PG);
	close(f->fd);
	free(f);
}

static void vf_bounds(void *a, uintptr_t *lo, uintptr_t *hi)
{
	struct vf *f = a;

	*lo = (uintptr_t)f->dmap;
	*hi = *lo + VF_FRAMES * PG;
}

/* ---- vmalloc ------------------------------------------------------------- */
static void vf_map(struct vf *f, size_t s, int pfn)
{
	mmap(f->win + s * PG, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f->fd, (off_t)pfn * PG);
	f->slot[s] = pfn;
}

static void vf_unmap(struct vf *f, size_t s)
{
	mmap(f->win + s * PG, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	f->used[f->slot[s]] = 0;
	f->slot[s] = -1;
}

static int vf_slot_free(struct vf *f, size_t s)
{
	for (int i = 0; i < 64; i++)
		if (f->area[i].live && s >= f->area[i].start &&
		    s < f->area[i].start + f->area[i].pages + (f->bend == VB_NO_GUARD ? 0 : 1))
			return 0;
	return 1;
}

static void *vf_vmalloc(void *a, size_t size, int zero)
{
	struct vf *f = a;
	size_t pages = (size + PG - 1) / PG, guard = f->bend == VB_NO_GUARD ? 0 : 1;
	int ai = -1;

	if (!size || pages + 1 > VF_WIN)
		return NULL;
	for (int i = 0; i < 64 && ai < 0; i++)
		if (!f->area[i].live)
			ai = i;
	for (size_t s = 0; ai >= 0 && s + pages + guard <= VF_WIN; s++) {
		size_t k;

		for (k = 0; k < pages + guard && vf_slot_free(f, s + k) && f->slot[s + k] < 0; k++)
			;
		if (k < pages + guard)
			continue;
		for (k = 0; k < pages; k++) {
			int pfn = f->bend == VB_SHARED_FRAME && k == 1 ? f->slot[s] :
				  f->bend == VB_AREA_ON_DIRECT && pages == 1 && f->direct_pfn ? f->direct_pfn - 1 :
				  vf_frame(f);

			if (pfn < 0)
				return NULL;	/* (a test never gets here) */
			vf_map(f, s + k, pfn);
			if (!(zero && f->bend != VB_VZALLOC_DIRTY))
				memset(f->win + (s + k) * PG, 0xa5, PG);
		}
		if (f->bend == VB_GUARD_MAPPED)
			vf_map(f, s + pages, vf_frame(f));
		f->area[ai].start = s;
		f->area[ai].pages = pages;
		f->area[ai].live = 1;
		return f->win + s * PG;
	}
	return NULL;
}

static int vf_area_of(struct vf *f, const void *p)
{
	for (int i = 0; i < 64; i++)
		if (f->area[i].live && (const unsigned char *)p == f->win + f->area[i].start * PG)
			return i;
	return -1;
}

static int vf_vfree(void *a, const void *p)
{
	struct vf *f = a;
	int i = vf_area_of(f, p);

	if (i < 0)
		return f->bend == VB_VFREE_TWICE_OK ? 0 : -1;
	for (size_t k = 0; k < f->area[i].pages + (f->bend == VB_GUARD_MAPPED); k++)
		if (f->slot[f->area[i].start + k] >= 0 &&
		    !(f->bend == VB_SHARED_FRAME && k == 1))
			vf_unmap(f, f->area[i].start + k);
		else
			f->slot[f->area[i].start + k] = -1;
	f->area[i].live = 0;
	return 0;
}

static int vf_is_vmalloc(void *a, const void *p)
{
	struct vf *f = a;

	return (const unsigned char *)p >= f->win && (const unsigned char *)p < f->win + VF_WIN * PG;
}

/* kvmalloc: a page of the direct map for a page or less (a kmalloc
 * stand-in), else an area. */
static void *vf_kvmalloc(void *a, size_t size, unsigned int flags)
{
	struct vf *f = a;

	if (size <= PG) {
		int pfn = vf_frame(f);

		f->direct_pfn = pfn + 1;

		return pfn < 0 ? NULL : f->dmap + pfn * PG;
	}
	return vf_vmalloc(a, size, !!(flags & TGFP_ZERO));
}

static int vf_kvfree(void *a, const void *p)
{
	struct vf *f = a;

	if (vf_is_vmalloc(a, p))
		return vf_vfree(a, p);
	if ((const unsigned char *)p < f->dmap || (const unsigned char *)p >= f->dmap + VF_FRAMES * PG)
		return -1;
	f->used[((const unsigned char *)p - f->dmap) / PG] = 0;
	return 0;
}

static size_t vf_ksize(void *a, const void *p) { (void)a; (void)p; return PG; }

static void *vf_alias(void *a, const void *p)
{
	struct vf *f = a;
	size_t s = (size_t)((const unsigned char *)p - f->win) / PG;
	int pfn = f->slot[s];

	if (pfn < 0)
		return NULL;
	if (f->bend == VB_ALIAS)
		pfn = (pfn + 1) % VF_FRAMES;
	if (f->bend == VB_ALIAS_LATE && f->translated[s]++ && s && f->slot[s - 1] >= 0 && s + 1 < VF_WIN &&
	    f->slot[s + 1] >= 0)
		pfn = (pfn + 1) % VF_FRAMES;	/* a page inside an area, from its second translation on */
	return f->dmap + pfn * PG + ((uintptr_t)p & (PG - 1));
}

static int vf_touch(void *a, const void *p)
{
	struct vf *f = a;
	size_t s = (size_t)((const unsigned char *)p - f->win) / PG;

	if (f->bend == VB_GUARD_SILENT || (s < VF_WIN && f->slot[s] >= 0))
		return 0;
	return -1;
}

static int vf_vmallocinfo(void *a, char *buf, size_t len)
{
	struct vf *f = a;
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < 64; i++) {
		unsigned long lo, hi;

		if (!f->area[i].live)
			continue;
		lo = (unsigned long)(uintptr_t)(f->win + f->area[i].start * PG);
		hi = lo + (f->area[i].pages + 1) * PG;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, f->bend == VB_INFO_HEAD ?
				      "0x%lx+0x%lx %7lu vf_vmalloc+0x1/0x2 pages=%zu vmalloc N0=%zu\n" :
				      f->bend == VB_INFO_WRAP ?
				      "0x1%016lx-0x%lx %7lu vf_vmalloc+0x1/0x2 pages=%zu vmalloc N0=%zu\n" :
				      "0x%lx-0x%lx %7lu vf_vmalloc+0x1/0x2 pages=%zu vmalloc N0=%zu\n",
				      lo, hi, f->bend == VB_INFO_NO_GUARD ? hi - lo - PG : hi - lo,
				      f->area[i].pages + (f->bend == VB_INFO_PAGES), f->area[i].pages);
	}
	return (int)n;
}

/* ---- the process ----------------------------------------------------------- */
static long vf_page(uintptr_t addr)
{
	return addr < VF_PBASE ? -1 : (long)((addr - VF_PBASE) / PG);
}

static int vf_in_vma(struct vf *f, long pg)
{
	return pg >= 0 && pg < VF_VA && ((size_t)pg < f->brk || f->vma[pg]);
}

static int vf_range_ok(struct vf *f, uintptr_t addr, size_t len)
{
	for (uintptr_t a = addr & ~(PG - 1); a < addr + len; a += PG)
		if (!vf_in_vma(f, vf_page(a)))
			return 0;
	return 1;
}

static void vf_zap(struct vf *f, long from, long to)
{
	for (long p = from; p < to; p++) {
		if (f->pte[p] >= 0)
			f->used[f->pte[p]] = 0;
		f->pte[p] = PTE_NONE;
	}
}

static uintptr_t vf_brk_start(void *a) { (void)a; return VF_PBASE; }

static int vf_brk(void *a, uintptr_t addr)
{
	struct vf *f = a;
	size_t pages;

	if (addr < VF_PBASE)
		return f->bend == VB_BRK_BELOW_OK ? 0 : -1;
	pages = (addr - VF_PBASE + PG - 1) / PG;
	if (pages > f->brk && pages + f->mapped > MM_DATA_LIMIT_PAGES)
		return -1;
	if (pages < f->brk && f->bend != VB_BRK_KEEPS)
		vf_zap(f, (long)pages, (long)f->brk);
	f->brk = pages;
	return 0;
}

static void *vf_mmap(void *a, size_t len)
{
	struct vf *f = a;
	size_t pages = (len + PG - 1) / PG;

	if (!len || pages + f->brk + f->mapped > MM_DATA_LIMIT_PAGES)
		return NULL;
	for (size_t s = VF_MBASE; s + pages <= VF_VA; s++) {
		size_t k;

		for (k = 0; k < pages && !f->vma[s + k]; k++)
			;
		if (k < pages)
			continue;
		if (f->bend == VB_MMAP_OVERLAP && s > VF_MBASE)
			s--;
		memset(f->vma + s, 1, pages);
		f->mapped += pages;
		return (void *)(VF_PBASE + s * PG);
	}
	return NULL;
}

static int vf_munmap(void *a, void *p, size_t len)
{
	struct vf *f = a;
	long first = vf_page((uintptr_t)p), n = (long)((len + PG - 1) / PG);

	for (long k = 0; k < n; k++)
		if (first + k < (long)VF_MBASE || first + k >= (long)VF_VA || !f->vma[first + k])
			return -1;
	for (long k = 0; k < n; k++)
		f->vma[first + k] = 0;
	f->mapped -= (size_t)n;
	if (f->bend != VB_MUNMAP_KEEPS)
		vf_zap(f, first, first + n);
	return 0;
}

static int vf_write(void *a, uintptr_t addr, const void *buf, size_t len)
{
	struct vf *f = a;

	if (!vf_range_ok(f, addr, len))
		return f->bend == VB_FAULT_SILENT ? 0 : -1;
	if (f->bend == VB_WRITE_LOST && len)
		len--;
	for (size_t i = 0; i < len;) {
		long pg = vf_page(addr + i);
		size_t o = (addr + i) & (PG - 1), n = PG - o < len - i ? PG - o : len - i;

		if (f->pte[pg] < 0) {
			f->pte[pg] = vf_frame(f);
			if (f->bend == VB_USER_ON_AREA && f->area[3].live && !f->stolen++) {
				/* the fourth area's first frame (its contents are
				 * unspecified: zeroed, so that only the owners tell) */
				f->used[f->pte[pg]] = 0;
				f->pte[pg] = f->slot[f->area[3].start];
				memset(f->dmap + f->pte[pg] * PG, 0, PG);
			}
		}
		memcpy(f->dmap + f->pte[pg] * PG + o, (const unsigned char *)buf + i, n);
		i += n;
	}
	return 0;
}

static int vf_read(void *a, uintptr_t addr, void *buf, size_t len)
{
	struct vf *f = a;

	if (!vf_range_ok(f, addr, len))
		return -1;
	for (size_t i = 0; i < len;) {
		long pg = vf_page(addr + i);
		size_t o = (addr + i) & (PG - 1), n = PG - o < len - i ? PG - o : len - i;

		if (f->pte[pg] == PTE_NONE)
			f->pte[pg] = f->bend == VB_READ_ALLOCS ? vf_frame(f) : PTE_ZERO;
		if (f->pte[pg] >= 0)
			memcpy((unsigned char *)buf + i, f->dmap + f->pte[pg] * PG + o, n);
		else
			memset((unsigned char *)buf + i, 0, n);
		i += n;
	}
	return 0;
}

static unsigned long vf_rss(void *a)
{
	struct vf *f = a;
	unsigned long n = 0;

	for (int i = 0; i < VF_VA; i++)
		n += f->pte[i] >= 0;
	return n;
}

static int vf_frame_of(void *a, uintptr_t addr, unsigned long *pfn)
{
	struct vf *f = a;
	long pg;

	if (vf_is_vmalloc(a, (const void *)addr)) {
		int s = f->slot[(addr - (uintptr_t)f->win) / PG];

		*pfn = s < 0 ? 0 : (unsigned long)s;
		return s < 0 ? -1 : 1;
	}
	pg = vf_page(addr);
	if (pg < 0 || pg >= VF_VA || f->pte[pg] == PTE_NONE)
		return -1;
	if (f->pte[pg] == PTE_ZERO)
		return 0;
	*pfn = (unsigned long)f->pte[pg];
	return 1;
}

static int vf_mm_exit(void *a)
{
	struct vf *f = a;

	vf_zap(f, 0, VF_VA);
	memset(f->vma, 0, sizeof(f->vma));
	f->brk = f->mapped = 0;
	return 0;
}

static const struct alloc_target vmfake = {
	.name = "vmfake", .what = "a small vmalloc and process with faults on request (test_vm_oracle.c)",
	.caps = TCAP_VMALLOC | TCAP_MM | TCAP_REPORTS_MISUSE,
	.open = vf_open, .close = vf_close, .bounds = vf_bounds,
	.vmalloc = vf_vmalloc, .vfree = vf_vfree, .kvmalloc = vf_kvmalloc, .kvfree = vf_kvfree,
	.ksize = vf_ksize, .is_vmalloc = vf_is_vmalloc, .vmalloc_alias = vf_alias, .touch = vf_touch,
	.vmallocinfo = vf_vmallocinfo,
	.brk_start = vf_brk_start, .brk = vf_brk, .mmap = vf_mmap, .munmap = vf_munmap,
	.mm_write = vf_write, .mm_read = vf_read, .rss_pages = vf_rss, .frame_of = vf_frame_of,
	.mm_exit = vf_mm_exit,
};

/* ---- programs --------------------------------------------------------------- */
struct vbuf { uint8_t bytes[OPS_HDR + 64 * OPS_REC]; size_t n; };	/* at most 64 ops */

static void op(struct vbuf *b, unsigned int o, unsigned int p, unsigned int v, unsigned int b4, unsigned int b5)
{
	uint8_t *r = b->bytes + b->n;

	r[0] = (uint8_t)o;
	r[1] = (uint8_t)p;
	r[2] = (uint8_t)v;
	r[3] = (uint8_t)(v >> 8);
	r[4] = (uint8_t)b4;
	r[5] = (uint8_t)b5;
	b->n += OPS_REC;
}

/* write/read(pP, OFF, LEN): OFF in bytes 2,3, LEN in 4,5. */
#define ACCESS(b, o, p, off, len) op(b, o, p, off, (len) & 0xff, (len) >> 8)
#define SZ(n) ((n) - 1)
#define EMPTY 20	/* a p-slot the program never fills: write/read reach the brk area */

/* Every vm check once: areas of several sizes with a pattern, a guard touch,
 * kvmalloc both ways, vmallocinfo, the brk area and a mapping written and
 * read (also across their ends: faults), RSS, every refusal, a check(),
 * frees; the teardown frees the rest. */
static void vm_program(struct vbuf *b)
{
	memset(b, 0, sizeof(*b));
	b->n = OPS_HDR;
	op(b, OP_VMALLOC, 0, SZ(5000), 0, 0);
	op(b, OP_VZALLOC, 1, SZ(100), 0, 0);
	op(b, OP_WRITE, 0, 0, 0, 0);
	op(b, OP_TOUCH_GUARD, 0, 0, 0, 0);
	op(b, OP_KVMALLOC, 2, SZ(12000), GFPB_ZERO, 0);
	op(b, OP_KVMALLOC, 3, SZ(100), 0, 0);
	op(b, OP_VMALLOC, 5, SZ(4096), 0, 0);
	op(b, OP_VMALLOCINFO, 0, 0, 0, 0);
	op(b, OP_BRK, 0, 0, 0, 8);
	ACCESS(b, OP_MM_WRITE, EMPTY, 100, 5000);
	ACCESS(b, OP_MM_READ, EMPTY, 0, 12000);		/* pages 0, 1 written, 2 read only */
	op(b, OP_MMAP, 4, SZ(12288), 0, 0);
	ACCESS(b, OP_MM_WRITE, 4, 4000, 200);
	ACCESS(b, OP_MM_READ, 4, 0, 12288);
	op(b, OP_MMAP, 6, SZ(4096), 0, 0);
	op(b, OP_RSS, 0, 0, 0, 0);
	op(b, OP_BRK, 0, 0, 0, (uint8_t)-7);		/* one page left */
	ACCESS(b, OP_MM_WRITE, EMPTY, 5000, 10);	/* above the break now: a fault */
	ACCESS(b, OP_MM_READ, 4, 12000, 1000);		/* on into p6, the next mapping: legal */
	ACCESS(b, OP_MM_READ, 4, 12000, 5000);		/* past both: a fault */
	op(b, OP_DOUBLE_FREE, 1, 0, 0, 0);
	op(b, OP_INTERIOR, 0, 100, 0, 0);
	op(b, OP_INTERIOR, 0, 4096, 0, 0);
	op(b, OP_FOREIGN, 0, FOREIGN_VFREE, 0, 0);
	op(b, OP_BRK, 0, 0, 0, (uint8_t)-100);		/* below the start */
	op(b, OP_BRK, 0, 0, 0, 127);
	op(b, OP_BRK, 0, 0, 0, 127);			/* past the data limit */
	op(b, OP_MMAP, 7, 0x8000 | 20, 0, 0);		/* 1 MiB: past it too */
	op(b, OP_MMAP, 7, 0x4000 | 0, 0, 0);		/* length 0 */
	op(b, OP_BRK, 0, 0, 0, (uint8_t)-127);
	op(b, OP_CHECK, 0, 0, 0, 0);
	op(b, OP_VERIFY, 0, 0, 0, 0);
	op(b, OP_DOUBLE_FREE, 4, 0, 0, 0);		/* munmap twice */
	op(b, OP_VFREE, 0, 0, 0, 0);
	op(b, OP_KVFREE, 2, 0, 0, 0);
	op(b, OP_RSS, 0, 0, 0, 0);
}

static int vrun(enum vbend bend, struct vbuf *b, struct violation *v)
{
	static struct prog p;
	struct run_opts o = { .target = TARGET_NONE, .trace = getenv("VM_TRACE") ? stdout : NULL, .alloc = &vmfake };

	vbend_now = bend;
	prog_load(&p, b->bytes, b->n);
	memset(v, 0, sizeof(*v));
	return model_run(&p, &o, v);
}

static void expect_vm(struct kunit *test, enum vbend bend, const char *what)
{
	struct vbuf b;
	struct violation v;

	vm_program(&b);
	EXPECT(vrun(bend, &b, &v) == (what != NULL));
	if (what && strcmp(v.what, what))
		kunit_fail(test, __FILE__, __LINE__, "bend %d: expected '%s', got '%s' at op %d (%s)", bend, what,
			   v.what, v.op, v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
}

TEST(vm_oracle_healthy_passes) { expect_vm(test, VB_NONE, NULL); }
TEST(vm_oracle_missing_guard_page) { expect_vm(test, VB_NO_GUARD, "overlap"); }
TEST(vm_oracle_guard_access_silent) { expect_vm(test, VB_GUARD_SILENT, "refusal"); }
TEST(vm_oracle_guard_page_mapped) { expect_vm(test, VB_GUARD_MAPPED, "guard page"); }
TEST(vm_oracle_aliasing) { expect_vm(test, VB_ALIAS, "aliasing"); }
TEST(vm_oracle_frame_in_two_pages) { expect_vm(test, VB_SHARED_FRAME, "frame owners"); }
TEST(vm_oracle_rss_counted_on_read) { expect_vm(test, VB_READ_ALLOCS, "rss"); }
TEST(vm_oracle_brk_shrink_keeps_frames) { expect_vm(test, VB_BRK_KEEPS, "rss"); }
TEST(vm_oracle_fault_silent) { expect_vm(test, VB_FAULT_SILENT, "refusal"); }
TEST(vm_oracle_write_lost) { expect_vm(test, VB_WRITE_LOST, "contents"); }
TEST(vm_oracle_brk_below_start) { expect_vm(test, VB_BRK_BELOW_OK, "refusal"); }
TEST(vm_oracle_vfree_twice_accepted) { expect_vm(test, VB_VFREE_TWICE_OK, "refusal"); }
TEST(vm_oracle_mmap_overlap) { expect_vm(test, VB_MMAP_OVERLAP, "overlap"); }
TEST(vm_oracle_vmallocinfo_size) { expect_vm(test, VB_INFO_NO_GUARD, "proc"); }
TEST(vm_oracle_vmallocinfo_pages) { expect_vm(test, VB_INFO_PAGES, "proc"); }
TEST(vm_oracle_vmallocinfo_range) { expect_vm(test, VB_INFO_HEAD, "proc"); }
/* A number past 64 bits must not wrap round to the right value. */
TEST(vm_oracle_vmallocinfo_wide_number) { expect_vm(test, VB_INFO_WRAP, "proc"); }
TEST(vm_oracle_vzalloc_zero) { expect_vm(test, VB_VZALLOC_DIRTY, "zeroing"); }
TEST(vm_oracle_munmap_keeps_frames) { expect_vm(test, VB_MUNMAP_KEEPS, "rss"); }
TEST(vm_oracle_user_page_on_area_frame) { expect_vm(test, VB_USER_ON_AREA, "frame owners"); }
/* An area's frame inside a live block of the direct map (vm_oracle.c marks
 * those blocks' frames in its frame bitmap before the areas' frames are
 * taken): p5's one page on p3's kvmalloc page. */
TEST(vm_oracle_area_on_a_direct_block) { expect_vm(test, VB_AREA_ON_DIRECT, "frame owners"); }

/* The same ops on a target without the interfaces are no-ops. */
TEST(vm_oracle_lacking_interfaces_is_noop)
{
	struct alloc_target none = vmfake;
	struct vbuf b;
	struct violation v;
	struct prog p;
	struct run_opts o = { .target = TARGET_NONE, .alloc = &none };

	none.caps = TCAP_REPORTS_MISUSE;
	vm_program(&b);
	prog_load(&p, b.bytes, b.n);
	EXPECT(model_run(&p, &o, &v) == 0);
}

/* ---- kalloc's own vmalloc, bent at the interface ------------------------------
 * The kalloc conformance checks on top (exact codes, one report, nothing
 * changed by a refusal): the same program on kalloc passes, and a vfree that
 * frees an area although it refuses the call, or refuses with another code,
 * is caught.  (Skipped where the library has no vmalloc.) */
#ifdef KALLOC_VMALLOC_H
static int kv_mode;	/* 1: an interior vfree frees the area and still refuses; 2: wrong code */

static int kv_vfree(void *a, const void *p)
{
	if (kv_mode && ((uintptr_t)p & (PG - 1)) && is_vmalloc_addr(a, p)) {
		if (kv_mode == 1) {
			vfree(a, (const void *)((uintptr_t)p & ~(PG - 1)));
			return -KERR_NOT_HEAD;
		}
		return -KERR_INVAL;
	}
	return alloc_target_kalloc.vfree(a, p);
}

static void expect_kalloc(struct kunit *test, int mode, const char *what)
{
	struct alloc_target t = alloc_target_kalloc;
	struct vbuf b;
	struct violation v;
	struct prog p;
	struct run_opts o = { .target = TARGET_NONE, .alloc = &t };

	t.vfree = kv_vfree;
	kv_mode = mode;
	vm_program(&b);					/* every vm op, then: */
	op(&b, OP_VMALLOC, 9, SZ(100), 0, 0);		/* one page: the interior free hits its start */
	op(&b, OP_WRITE, 9, 0, 0, 0);
	op(&b, OP_INTERIOR, 9, 10, 0, 0);
	op(&b, OP_VERIFY, 9, 0, 0, 0);
	prog_load(&p, b.bytes, b.n);
	memset(&v, 0, sizeof(v));
	EXPECT(model_run(&p, &o, &v) == (what != NULL));
	if (what && strcmp(v.what, what))
		kunit_fail(test, __FILE__, __LINE__, "mode %d: expected '%s', got '%s' at op %d (%s)", mode, what,
			   v.what, v.op, v.found);
	if (!what && v.what[0])
		violation_print(&v, stdout);
}

TEST(vm_oracle_kalloc_healthy_passes) { expect_kalloc(test, 0, NULL); }
TEST(vm_oracle_kalloc_refusal_changed_something) { expect_kalloc(test, 1, "trace"); }
TEST(vm_oracle_kalloc_wrong_code) { expect_kalloc(test, 2, "wrong code"); }
#endif

/* ---- the RSS walk after an op covers the op's slot only (oracle_rss.c) ------
 * The block at p0 is written once; later ops touch only big mmapped blocks
 * in p1 and p2, on pages of their own.  From the second malloc on, the bent
 * pagemap says p0's page is not present.  No op after that touches p0 and
 * the program is shorter than a sweep period, so only the walk at the end
 * (vm_teardown, before anything is freed) can see it: it must, at the
 * teardown.  Unbent, the program passes. */
static int rb_bent, rb_mallocs;
static uintptr_t rb_page;	/* p0's page, hidden from the second malloc on */

static void *rb_malloc(void *a, size_t n)
{
	void *p = alloc_target_kalloc_heap.malloc(a, n);

	if (++rb_mallocs == 1)
		rb_page = (uintptr_t)p & ~(PG - 1);
	return p;
}

static void rb_pagemap(void *a, const void *p, size_t n, uint64_t *out)
{
	alloc_target_kalloc_heap.pagemap(a, p, n, out);
	for (size_t i = 0; i < n; i++)
		if (rb_bent && rb_mallocs >= 2 && ((uintptr_t)p & ~(PG - 1)) + i * PG == rb_page)
			out[i] = 0;
}

static void expect_rss_end(struct kunit *test, int bent)
{
	static struct prog p;
	struct alloc_target t = alloc_target_kalloc_heap;
	struct run_opts o = { .target = TARGET_NONE, .trace = getenv("VM_TRACE") ? stdout : NULL, .alloc = &t };
	struct vbuf b;
	struct violation v;
	int ops;

	t.malloc = rb_malloc;
	t.pagemap = rb_pagemap;
	rb_bent = bent;
	rb_mallocs = 0;
	memset(&b, 0, sizeof(b));
	b.n = OPS_HDR;
	op(&b, OP_MALLOC, 0, SZ(24), 0, 0);
	op(&b, OP_WRITE, 0, 0, 0, 0);
	op(&b, OP_MALLOC, 1, 0x8000 | 18, 0, 0);	/* 256 KiB: a mapping of its own */
	op(&b, OP_WRITE, 1, 0, 0, 0);
	op(&b, OP_VERIFY, 1, 0, 0, 0);
	op(&b, OP_FREE, 1, 0, 0, 0);
	op(&b, OP_MALLOC, 2, 0x8000 | 19, 0, 0);
	op(&b, OP_WRITE, 2, 0, 0, 0);
	ops = (int)((b.n - OPS_HDR) / OPS_REC);
	prog_load(&p, b.bytes, b.n);
	memset(&v, 0, sizeof(v));
	EXPECT(model_run(&p, &o, &v) == bent);
	if (bent && (strcmp(v.what, "rss") || v.op != ops))
		kunit_fail(test, __FILE__, __LINE__, "expected 'rss' at the teardown (op %d), got '%s' at op %d (%s)",
			   ops, v.what, v.op, v.found);
	if (!bent && v.what[0])
		violation_print(&v, stdout);
}

TEST(vm_oracle_rss_untouched_block_healthy) { expect_rss_end(test, 0); }
TEST(vm_oracle_rss_untouched_block_at_the_end) { expect_rss_end(test, 1); }

/* ---- the periodic sweep re-translates an area's ends only (vm_oracle.c sweep) --
 * The middle page of a 3-page area translates to the wrong frame from its
 * second translation on (VB_ALIAS_LATE); the check() op's sweep looks at the
 * first and last page only, so the sweep at the end must find it: at the
 * teardown. */
TEST(vm_oracle_alias_changed_later_at_the_end)
{
	struct vbuf b;
	struct violation v;
	int ops;

	memset(&b, 0, sizeof(b));
	b.n = OPS_HDR;
	op(&b, OP_VMALLOC, 0, SZ(12000), 0, 0);
	op(&b, OP_WRITE, 0, 0, 0, 0);
	op(&b, OP_CHECK, 0, 0, 0, 0);
	op(&b, OP_VERIFY, 0, 0, 0, 0);
	ops = (int)((b.n - OPS_HDR) / OPS_REC);
	EXPECT(vrun(VB_ALIAS_LATE, &b, &v) == 1);
	if (strcmp(v.what, "aliasing") || v.op != ops)
		kunit_fail(test, __FILE__, __LINE__, "expected 'aliasing' at the teardown (op %d), got '%s' at op %d (%s)",
			   ops, v.what, v.op, v.found);
	EXPECT(vrun(VB_NONE, &b, &v) == 0);
}
