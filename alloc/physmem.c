/* physmem.c - physical memory: frames in a memfd, the direct map, host
 * windows that map a frame a second time, and page owners.
 *
 * Entry points: physmem_memory_create/destroy() (machine.c, for a machine or
 * an arena), physmem_init/exit(), physmem_window_reserve/release(),
 * physmem_map/unmap(), physmem_translate(), page_owner_counts(),
 * physmem_check().  The contracts are in internal.h ("physmem.c") and
 * physmem.h.
 *
 * Why a memfd: a private anonymous mapping has one address per frame.  A
 * memfd mapped MAP_SHARED can be mapped again at any page-aligned host
 * address from the frame's offset, and both mappings are the same page of
 * the same file, so vmalloc and a simulated process get real aliasing: a
 * write through the vmalloc address is a write to the frame, seen through
 * page_address() at once, as in Linux where both are page table entries for
 * one physical page.
 *
 * Host cost: a window slot is mapped and unmapped with one mmap each
 * (contiguous frames as one call), and a scattered mapping is one host VMA
 * per page: vm.max_map_count (65530 by default) caps what one process can
 * have mapped at once.  physmem_map() returns -KERR_NOMEM when the host says
 * so, and the layer above fails its allocation cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"

static const char *const owner_names[] = {
#define X(code, name) name,
	PAGE_OWNERS(X)
#undef X
};

const char *page_owner_name(int owner)
{
	return owner >= 0 && owner < NR_PAGE_OWNERS ? owner_names[owner] : "?";
}

void page_owner_counts(const struct machine *m, unsigned long *out)
{
	memcpy(out, m->phys.owner_pages, sizeof(m->phys.owner_pages));
}

void physmem_page_stats(const struct machine *m, struct page_stats *out)
{
	const unsigned long *o = m->phys.owner_pages;

	out->slab = o[PAGE_OWNER_SLAB];
	out->kmalloc_large = o[PAGE_OWNER_LARGE_KMALLOC];
	out->pages = m->nr_pages - o[PAGE_OWNER_FREE] - o[PAGE_OWNER_PCP] - out->slab - out->kmalloc_large;
}

/* ------------------------------------------------------------------------
 * The memfd and the direct map
 */
#define PROT_HOLE	PROT_NONE
#define MAP_HOLE	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

int physmem_memory_create(struct phys_memory *pm, struct host_allocs *host, unsigned long nr_pages)
{
	size_t block = PAGE_SIZE << MAX_PAGE_ORDER, bytes = nr_pages << PAGE_SHIFT;

	memset(pm, 0, sizeof(*pm));
	pm->host = host;
	pm->fd = memfd_create("kalloc-frames", MFD_CLOEXEC);
	if (pm->fd < 0)
		return -KERR_NOMEM;
	pm->fd_open = true;
	if (ftruncate(pm->fd, (off_t)bytes))
		goto fail;
	/* Reserve room to align the direct map to the largest block, so
	 * that natural alignment in pfn space is natural alignment of host
	 * addresses too; then put the frames in the aligned middle. */
	pm->map_bytes = bytes + block;
	pm->map = mmap(NULL, pm->map_bytes, PROT_HOLE, MAP_HOLE, -1, 0);
	if (pm->map == MAP_FAILED) {
		pm->map = NULL;
		goto fail;
	}
	pm->base = (unsigned char *)ALIGN((uintptr_t)pm->map, block);
	if (mmap(pm->base, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, pm->fd, 0) == MAP_FAILED)
		goto fail;
	pm->nr_pages = nr_pages;
	/* All of it is free. */
	kasan_poison(pm->base, bytes);
	return 0;
fail:
	physmem_memory_destroy(pm);
	return -KERR_NOMEM;
}

static void window_unreserve(struct phys_memory *pm, struct phys_window *w)
{
	if (w->capacity) {
		/* ASan keeps shadow state for the range; clear it before the
		 * host reuses the addresses. */
		kasan_unpoison(w->base, w->capacity << PAGE_SHIFT);
		munmap(w->base, w->capacity << PAGE_SHIFT);
	}
	kalloc_host_free(pm->host, w->pfn);
	memset(w, 0, sizeof(*w));
}

void physmem_memory_destroy(struct phys_memory *pm)
{
	for (int i = 0; i < PHYS_MAX_WINDOWS; i++)
		window_unreserve(pm, &pm->windows[i]);
	if (pm->map) {
		kasan_unpoison(pm->map, pm->map_bytes);
		munmap(pm->map, pm->map_bytes);
	}
	if (pm->fd_open)
		close(pm->fd);
	memset(pm, 0, sizeof(*pm));
}

void physmem_init(struct machine *m)
{
	memset(m->phys.owner_pages, 0, sizeof(m->phys.owner_pages));
	m->phys.owner_pages[PAGE_OWNER_FREE] = m->nr_pages;
}

void physmem_exit(struct machine *m)
{
	struct phys_memory *pm = m->phys.mem;

	if (!pm)
		return;
	for (int i = 0; i < PHYS_MAX_WINDOWS; i++)
		if (pm->windows[i].in_use)
			physmem_window_release(m, &pm->windows[i]);
}

/* ------------------------------------------------------------------------
 * Windows
 */
/* Groups of slots in @slots, and the summary's words for them. */
static inline unsigned long window_groups(unsigned long slots)
{
	return (slots + WINDOW_GROUP_SLOTS - 1) >> WINDOW_GROUP_SHIFT;
}
static inline unsigned long summary_words(unsigned long slots)
{
	return (window_groups(slots) + 63) / 64;
}

static int window_host_reserve(struct phys_memory *pm, struct phys_window *w, unsigned long capacity)
{
	void *p = mmap(NULL, capacity << PAGE_SHIFT, PROT_HOLE, MAP_HOLE, -1, 0);
	size_t table = ALIGN(capacity * sizeof(*w->pfn), sizeof(uint64_t));

	if (p == MAP_FAILED)
		return -KERR_NOMEM;
	/* The table and its summary in one host block. */
	w->pfn = kalloc_host_calloc(pm->host, 1, table + summary_words(capacity) * sizeof(uint64_t));
	if (!w->pfn) {
		munmap(p, capacity << PAGE_SHIFT);
		return -KERR_NOMEM;
	}
	w->summary = (uint64_t *)((char *)w->pfn + table);
	w->base = p;
	w->capacity = capacity;
	kasan_poison(w->base, capacity << PAGE_SHIFT);
	return 0;
}

/* Reuse the smallest idle reservation that is big enough (an arena keeps
 * them between machines); else reserve in an empty slot; else replace an
 * idle reservation that is too small. */
struct phys_window *physmem_window_reserve(struct machine *m, const char *name, unsigned long nr_pages)
{
	struct phys_memory *pm = m->phys.mem;
	struct phys_window *best = NULL, *empty = NULL, *small = NULL;

	if (nr_pages == 0 || nr_pages > (1UL << 32))
		return NULL;
	for (int i = 0; i < PHYS_MAX_WINDOWS; i++) {
		struct phys_window *w = &pm->windows[i];

		if (w->in_use)
			continue;
		if (w->capacity >= nr_pages) {
			if (!best || w->capacity < best->capacity)
				best = w;
		} else if (!w->capacity) {
			if (!empty)
				empty = w;
		} else if (!small) {
			small = w;
		}
	}
	if (!best) {
		unsigned long capacity = nr_pages;

		best = empty ? empty : small;
		if (!best)
			return NULL;
		window_unreserve(pm, best);
		/* In an arena the next machine may be bigger: leave room. */
		if (m->arena)
			while (capacity & (capacity - 1))
				capacity += capacity & -capacity;
		if (window_host_reserve(pm, best, capacity))
			return NULL;
	}
	best->in_use = true;
	best->name = name;
	best->nr_pages = nr_pages;
	best->nr_mapped = 0;
	return best;
}

/* Eight slot-table entries ORed together: nonzero when one maps a frame. */
static inline uint64_t slots8(const uint32_t *t)
{
	uint64_t a, b, c, d;

	memcpy(&a, t, 8);
	memcpy(&b, t + 2, 8);
	memcpy(&c, t + 4, 8);
	memcpy(&d, t + 6, 8);
	return a | b | c | d;
}

/* Whether a slot of group @g maps a frame: its table entries (up to
 * WINDOW_GROUP_SLOTS, fewer at the window's end) ORed eight at a time. */
static bool group_mapped(const struct phys_window *w, unsigned long g)
{
	unsigned long s = g << WINDOW_GROUP_SHIFT, end = s + WINDOW_GROUP_SLOTS;
	const uint32_t *t = w->pfn;
	uint64_t any = 0;

	if (end > w->nr_pages)
		end = w->nr_pages;
	for (; s + 8 <= end; s += 8)
		any |= slots8(t + s);
	for (; s < end; s++)
		any |= t[s];
	return any != 0;
}

/* The first slot at or after @s that maps a frame, or nr_pages: the
 * summary skips groups with no mapping (4096 slots a zero word; a
 * process's window has a slot for every page of its address space, and
 * few of them are mapped), the table is read only inside marked groups,
 * eight empty slots a step.  The one walker over a window's mappings. */
static unsigned long window_next_mapped_slow(const struct phys_window *w, unsigned long s)
{
	const unsigned long nr = w->nr_pages, words = summary_words(nr);
	const uint32_t *t = w->pfn;

	while (s < nr) {
		unsigned long g = s >> WINDOW_GROUP_SHIFT, wi = g / 64, end;
		uint64_t bits = w->summary[wi] & (~0ULL << (g % 64));

		while (!bits) {
			if (++wi >= words)
				return nr;
			bits = w->summary[wi];
		}
		if (wi * 64 + (unsigned long)__builtin_ctzll(bits) != g) {
			g = wi * 64 + (unsigned long)__builtin_ctzll(bits);
			s = g << WINDOW_GROUP_SHIFT;
			if (s >= nr)
				return nr;
		}
		end = (g + 1) << WINDOW_GROUP_SHIFT;
		if (end > nr)
			end = nr;
		for (; (s & 7) && s < end; s++)
			if (t[s])
				return s;
		for (; s + 8 <= end; s += 8)
			if (slots8(t + s))
				break;
		for (; s < end; s++)
			if (t[s])
				return s;
	}
	return nr;
}

/* Runs of mapped slots (a vmalloc area) take the first test. */
static inline unsigned long window_next_mapped(const struct phys_window *w, unsigned long s)
{
	return s < w->nr_pages && w->pfn[s] ? s : window_next_mapped_slow(w, s);
}

void physmem_window_release(struct machine *m, struct phys_window *w)
{
	/* Unmapped slots are poisoned already; an idle window costs nothing
	 * (a fuzzer's machine hands its VMALLOC range back once per input). */
	if (w->nr_mapped) {
		/* One call puts every hole back. */
		mmap(w->base, w->nr_pages << PAGE_SHIFT, PROT_HOLE, MAP_HOLE | MAP_FIXED, -1, 0);
		m->phys.unmap_calls++;
		for (unsigned long s = window_next_mapped(w, 0); s < w->nr_pages; s = window_next_mapped(w, s + 1)) {
			m->pages[w->pfn[s] - 1].mapcount--;
			check_mark(m, w->pfn[s] - 1);
			w->pfn[s] = 0;
			kasan_poison(window_slot_address(w, s), PAGE_SIZE);
		}
		memset(w->summary, 0, summary_words(w->nr_pages) * sizeof(uint64_t));
	}
	w->nr_mapped = 0;
	w->nr_pages = 0;
	w->name = NULL;
	w->in_use = false;
}

/* The slot range [*slot, *slot + n) of @addr in @w, or -KERR_INVAL. */
static int window_range(const struct phys_window *w, const void *addr, unsigned long n, unsigned long *slot)
{
	*slot = window_slot(w, addr);
	if (!w->in_use || *slot == PHYS_NO_PFN || ((uintptr_t)addr & (PAGE_SIZE - 1)) || n == 0 ||
	    n > w->nr_pages - *slot)
		return -KERR_INVAL;
	return 0;
}

/* physmem_map(), or with @zero every slot at the one zero-filled frame
 * @pfn: a read-only anonymous host mapping reads as it does (and, unlike a
 * shared one, neighbouring ones merge into one host VMA). */
static int map_slots(struct machine *m, struct phys_window *w, void *addr, unsigned long pfn, unsigned long n,
		     bool zero)
{
	unsigned long slot, step = zero ? 0 : 1;
	void *got;

	if (window_range(w, addr, n, &slot) || pfn >= m->nr_pages || (!zero && n > m->nr_pages - pfn))
		return -KERR_INVAL;
	for (unsigned long i = 0; i < n; i++)
		if (w->pfn[slot + i])
			return -KERR_INVAL;
	got = zero ? mmap(addr, n << PAGE_SHIFT, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) :
		     mmap(addr, n << PAGE_SHIFT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			  m->phys.mem->fd, (off_t)(pfn << PAGE_SHIFT));
	if (got == MAP_FAILED) {
		/* A failed MAP_FIXED may have left no mapping at all: put the
		 * hole back so the host cannot hand the range to anyone. */
		mmap(addr, n << PAGE_SHIFT, PROT_HOLE, MAP_HOLE | MAP_FIXED, -1, 0);
		return -KERR_NOMEM;
	}
	m->phys.map_calls++;
	for (unsigned long i = 0; i < n; i++) {
		w->pfn[slot + i] = (uint32_t)(pfn + i * step + 1);
		m->pages[pfn + i * step].mapcount++;
		check_mark(m, pfn + i * step);
	}
	for (unsigned long g = slot >> WINDOW_GROUP_SHIFT; g <= (slot + n - 1) >> WINDOW_GROUP_SHIFT; g++)
		w->summary[g / 64] |= 1ULL << (g % 64);
	w->nr_mapped += n;
	kasan_unpoison(addr, n << PAGE_SHIFT);
	return 0;
}

int physmem_map(struct machine *m, struct phys_window *w, void *addr, unsigned long pfn, unsigned long n)
{
	return map_slots(m, w, addr, pfn, n, false);
}

int physmem_map_zero(struct machine *m, struct phys_window *w, void *addr, unsigned long pfn, unsigned long n)
{
	return map_slots(m, w, addr, pfn, n, true);
}

int physmem_unmap(struct machine *m, struct phys_window *w, void *addr, unsigned long n)
{
	unsigned long slot;

	if (window_range(w, addr, n, &slot))
		return -KERR_INVAL;
	for (unsigned long i = 0; i < n; i++)
		if (!w->pfn[slot + i])
			return -KERR_INVAL;
	if (mmap(addr, n << PAGE_SHIFT, PROT_HOLE, MAP_HOLE | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -KERR_NOMEM;
	m->phys.unmap_calls++;
	for (unsigned long i = 0; i < n; i++) {
		m->pages[w->pfn[slot + i] - 1].mapcount--;
		check_mark(m, w->pfn[slot + i] - 1);
		w->pfn[slot + i] = 0;
	}
	/* A group left with no mapping leaves the summary. */
	for (unsigned long g = slot >> WINDOW_GROUP_SHIFT; g <= (slot + n - 1) >> WINDOW_GROUP_SHIFT; g++)
		if (!group_mapped(w, g))
			w->summary[g / 64] &= ~(1ULL << (g % 64));
	w->nr_mapped -= n;
	kasan_poison(addr, n << PAGE_SHIFT);
	return 0;
}

struct phys_window *physmem_window_of(const struct machine *m, const void *addr)
{
	struct phys_memory *pm = m->phys.mem;

	for (int i = 0; i < PHYS_MAX_WINDOWS; i++) {
		struct phys_window *w = &pm->windows[i];

		if (w->in_use && window_slot(w, addr) != PHYS_NO_PFN)
			return w;
	}
	return NULL;
}

struct page *physmem_translate(const struct machine *m, const void *addr)
{
	struct page *page = addr_to_page(m, addr);
	struct phys_window *w;
	unsigned long pfn;

	if (page)
		return page;
	w = physmem_window_of(m, addr);
	if (!w)
		return NULL;
	pfn = window_slot_pfn(w, window_slot(w, addr));
	return pfn == PHYS_NO_PFN ? NULL : &m->pages[pfn];
}

void physmem_stats(const struct machine *m, struct physmem_stats *out)
{
	struct phys_memory *pm = m->phys.mem;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < PHYS_MAX_WINDOWS; i++) {
		const struct phys_window *w = &pm->windows[i];

		if (!w->in_use)
			continue;
		out->windows++;
		out->window_pages += w->nr_pages;
		out->mapped += w->nr_mapped;
	}
	out->map_calls = m->phys.map_calls;
	out->unmap_calls = m->phys.unmap_calls;
}

/* ------------------------------------------------------------------------
 * physmem_check(): owners first (each block's head names one, the pages
 * inside name none, the counters are what the walk counts), then the
 * windows (every table entry names a frame that is not free, the counts
 * match), then the mapcounts: their sum against the mapped slots, and when
 * anything is mapped, every frame's against the slots that map it.
 */
static int check_owners(struct machine *m, struct kalloc_check *out, unsigned long *mapcounts)
{
	unsigned long counted[NR_PAGE_OWNERS] = { 0 };
	unsigned long pfn, n;
	struct page *page;

	*mapcounts = 0;
	for_each_block(m, pfn, page, n) {
		if (page->owner >= NR_PAGE_OWNERS)
			return kalloc_fail(out, INV_PHYS_OWNER, "pfn %lu: owner %u of %u",
					   pfn, page->owner, NR_PAGE_OWNERS);
		if (pfn + n > m->nr_pages)
			n = m->nr_pages - pfn;	/* buddy_check says why */
		for (unsigned long i = 0; i < n; i++) {
			if (i && page[i].owner)
				return kalloc_fail(out, INV_PHYS_OWNER,
						   "pfn %lu inside the block at pfn %lu has owner %s",
						   pfn + i, pfn, page_owner_name(page[i].owner));
			*mapcounts += page[i].mapcount;
		}
		counted[page->owner] += n;
	}
	for (int o = 0; o < NR_PAGE_OWNERS; o++)
		if (counted[o] != m->phys.owner_pages[o])
			return kalloc_fail(out, INV_PHYS_OWNER_PAGES, "owner %s: counter %lu, pages %lu",
					   page_owner_name(o), m->phys.owner_pages[o], counted[o]);
	return 0;
}

/* Every table entry of a window with mappings, in the groups its summary
 * marks (each must hold one); *mapped is their sum.  A window with
 * nr_mapped 0 is taken to be empty (O(1), as release is); a mapping in a
 * group the summary does not mark is not read, and shows as nr_mapped
 * above the count. */
static int check_windows(struct machine *m, struct kalloc_check *out, unsigned long *mapped_total)
{
	struct phys_memory *pm = m->phys.mem;

	*mapped_total = 0;
	for (int i = 0; i < PHYS_MAX_WINDOWS; i++) {
		struct phys_window *w = &pm->windows[i];
		unsigned long mapped = 0, group = ~0UL, groups = 0, marked = 0;

		if (!w->in_use) {
			if (w->nr_mapped || w->nr_pages)
				return kalloc_fail(out, INV_PHYS_WINDOW, "idle window %d: %lu of %lu slots mapped",
						   i, w->nr_mapped, w->nr_pages);
			continue;
		}
		if (w->nr_pages > w->capacity)
			return kalloc_fail(out, INV_PHYS_WINDOW, "window %s: %lu slots in a %lu-slot reservation",
					   w->name, w->nr_pages, w->capacity);
		for (unsigned long s = w->nr_mapped ? window_next_mapped(w, 0) : w->nr_pages; s < w->nr_pages;
		     s = window_next_mapped(w, s + 1)) {
			unsigned long pfn = w->pfn[s];

			if (s >> WINDOW_GROUP_SHIFT != group) {
				group = s >> WINDOW_GROUP_SHIFT;
				groups++;
			}

			if (--pfn >= m->nr_pages)
				return kalloc_fail(out, INV_PHYS_WINDOW, "window %s slot %lu: pfn %lu of %lu",
						   w->name, s, pfn, m->nr_pages);
			mapped++;
			if (page_owner(&m->pages[pfn]) == PAGE_OWNER_FREE ||
			    page_owner(&m->pages[pfn]) == PAGE_OWNER_PCP)
				return kalloc_fail(out, INV_PHYS_MAPPED_FREE, "window %s slot %lu: pfn %lu is %s",
						   w->name, s, pfn, page_owner_name(page_owner(&m->pages[pfn])));
		}
		if (mapped != w->nr_mapped)
			return kalloc_fail(out, INV_PHYS_WINDOW, "window %s: nr_mapped %lu, the slots its summary marks hold %lu",
					   w->name, w->nr_mapped, mapped);
		for (unsigned long k = 0; k < summary_words(w->nr_pages); k++)
			marked += (unsigned long)__builtin_popcountll(w->summary[k]);
		if (marked != groups)
			return kalloc_fail(out, INV_PHYS_WINDOW, "window %s: its summary marks %lu groups of %lu slots, %lu of them map a frame",
					   w->name, marked, WINDOW_GROUP_SLOTS, groups);
		*mapped_total += mapped;
	}
	return 0;
}

/* Take every mapping off its frame's mapcount (@delta -1), or put it back
 * (1), or (0) OR together the mapcounts of the mapped frames.  Runs only
 * after check_windows passed, so a window's table holds exactly nr_mapped
 * entries, each naming a frame: the walk stops at the last of them. */
static uint32_t window_mapcounts(struct machine *m, int delta)
{
	struct phys_memory *pm = m->phys.mem;
	uint32_t any = 0;

	for (int i = 0; i < PHYS_MAX_WINDOWS; i++) {
		struct phys_window *w = &pm->windows[i];
		unsigned long left = w->in_use ? w->nr_mapped : 0;

		for (unsigned long s = left ? window_next_mapped(w, 0) : w->nr_pages; left && s < w->nr_pages;
		     s = window_next_mapped(w, s + 1), left--)
			any |= m->pages[w->pfn[s] - 1].mapcount += (uint32_t)delta;
	}
	return any;
}

/* Every frame's mapcount against the slots that map it, with no scratch
 * array the size of memory: take the mappings off, see that the mapped
 * frames reach zero, put them back.  Runs only after the sum of every
 * frame's mapcount was found equal to the mapped slots: then the frames no
 * slot maps hold zero too, and only when a mapped frame does not is every
 * frame read (to name the first wrong one, in pfn order, as ever). */
static int check_mapcounts(struct machine *m, struct kalloc_check *out)
{
	unsigned long bad = PHYS_NO_PFN;
	uint32_t left = 0;

	window_mapcounts(m, -1);
	if (window_mapcounts(m, 0))
		for (unsigned long pfn = 0; pfn < m->nr_pages && bad == PHYS_NO_PFN; pfn++)
			if (m->pages[pfn].mapcount) {
				bad = pfn;
				left = m->pages[pfn].mapcount;
			}
	window_mapcounts(m, 1);
	if (bad != PHYS_NO_PFN)
		return kalloc_fail(out, INV_PHYS_MAPCOUNT, "pfn %lu: mapcount %u, mapped at %d slots",
				   bad, m->pages[bad].mapcount, (int)(m->pages[bad].mapcount - left));
	return 0;
}

int physmem_check(struct machine *m, struct kalloc_check *out)
{
	unsigned long mapcounts, mapped;
	int code;

	if ((code = check_owners(m, out, &mapcounts)) || (code = check_windows(m, out, &mapped)))
		return code;
	if (mapcounts != mapped)
		return kalloc_fail(out, INV_PHYS_MAPCOUNT, "frames' mapcounts add up to %lu, windows map %lu slots",
				   mapcounts, mapped);
	/* The sums agree; frame by frame only when something is mapped. */
	return mapped ? check_mapcounts(m, out) : 0;
}

/* machine_check()'s quick path (internal.h): the census stands for
 * check_owners' walk (each block head's owner in range, none inside a
 * block, the same counts); the windows and mapcounts as physmem_check. */
bool physmem_check_quick(struct machine *m, const struct page_census *c, bool all)
{
	unsigned long mapped;

	for (int o = 0; o < NR_PAGE_OWNERS; o++)
		if (c->owners[o] != m->phys.owner_pages[o])
			return false;
	if (check_windows(m, NULL, &mapped) || c->mapcounts != mapped)
		return false;
	return !mapped || !all || !check_mapcounts(m, NULL);
}
