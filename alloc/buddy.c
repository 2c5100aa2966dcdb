/* buddy.c - the binary buddy page allocator (Linux mm/page_alloc.c).
 *
 * Entry points: alloc_pages(), __get_free_pages(), __free_pages(),
 * free_pages(), drain_all_pages(), proc_buddyinfo(), buddy_check().
 *
 * Every zone keeps one free list per order.  A free block of order k is 2^k
 * frames starting at a pfn that is a multiple of 2^k; only its head page is
 * on a list (PG_buddy, order in page->order).  Allocation takes the smallest
 * order that has a block and splits it down (expand()); freeing merges a
 * block with its buddy for as long as the buddy is free and whole
 * (__free_one_page()).  Order-0 pages go through per-CPU lists first, so a
 * task that allocates and frees one page in a loop does not split and merge
 * through every order each time.
 *
 * Unlike Linux, every allocated block records its order in its head page and
 * marks its tail pages, so that a free with the wrong order, of a tail page
 * or of a free page is reported instead of corrupting the free lists.
 *
 * Owners (physmem.h): a block on a free list is PAGE_OWNER_FREE, a page on
 * a per-CPU list PAGE_OWNER_PCP, a block handed out PAGE_OWNER_PAGES.  A
 * layer above may name itself the owner while it holds the block; it must
 * give it back to PAGE_OWNER_PAGES before freeing it, and a free of a block
 * some other owner holds is refused.  This file never asks who that owner
 * is beyond its name in the owner table.
 */
#include <string.h>
#include "internal.h"

unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	if (size <= PAGE_SIZE)
		return 0;
	size = (size - 1) >> PAGE_SHIFT;
	while (size) {
		order++;
		size >>= 1;
	}
	return order;
}

static inline bool zone_present(const struct zone *z) { return z->end_pfn > z->start_pfn; }

static inline void add_to_free_list(struct machine *m, struct page *page, struct zone *z, unsigned int order)
{
	VM_BUG_ON(page->flags & PG_STATE_MASK);
	check_mark(m, pfn_of(m, page));
	z->check_dirty = true;
	page->flags = PG_buddy;
	page->order = (uint8_t)order;
	list_add(&page->lru, &z->free_area[order]);
	z->nr_free[order]++;
	z->free_pages += 1UL << order;
}

static inline void del_page_from_free_list(struct machine *m, struct page *page, struct zone *z,
					   unsigned int order)
{
	check_mark(m, pfn_of(m, page));
	z->check_dirty = true;
	list_del(&page->lru);
	page->flags = 0;
	page->order = 0;
	z->nr_free[order]--;
	z->free_pages -= 1UL << order;
}

/* Linux's zone_batchsize(): about a quarter of a MiB per 1 GiB of zone,
 * clamped to 2^n - 1; the high mark is 2.6's 6 * batch. */
static unsigned int zone_batchsize(unsigned long pages)
{
	unsigned long batch = pages >> 10;
	unsigned long r = 1;

	if (batch > 256)
		batch = 256;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while (r * 2 <= batch)
		r *= 2;
	return r > 1 ? (unsigned int)(r - 1) : 1;
}

/* @chunks[@chunk], zeroed and marked in @stored if it was not there. */
static inline struct page_census *census_chunk(struct page_census *chunks, uint64_t *stored, unsigned long chunk)
{
	uint64_t bit = 1ULL << (chunk % 64);

	if (!(stored[chunk / 64] & bit)) {
		memset(&chunks[chunk], 0, sizeof(chunks[chunk]));
		stored[chunk / 64] |= bit;
	}
	return &chunks[chunk];
}

/* The census of a free block buddy_init() hands over, into its head's
 * chunk (machine_check_changed() then starts from the booted state). */
static void census_boot_block(struct machine *m, int zi, unsigned long pfn, unsigned long n)
{
	struct page_census *t = census_chunk(m->chunk_census, m->census_stored, pfn >> CHECK_CHUNK_SHIFT);

	t->blocks[zi]++;
	t->free[zi] += n;
	t->owners[PAGE_OWNER_FREE] += n;
	m->census.blocks[zi]++;
}

int buddy_init(struct machine *m)
{
	static const char *const names[MAX_NR_ZONES] = { "DMA", "Normal" };
	unsigned long bounds[MAX_NR_ZONES + 1] = { 0, m->cfg.dma_pages, m->nr_pages };

	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone *z = &m->buddy.zones[zi];

		z->name = names[zi];
		z->start_pfn = bounds[zi];
		z->end_pfn = bounds[zi + 1];
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			INIT_LIST_HEAD(&z->free_area[o]);
		z->pcp_batch = zone_batchsize(z->end_pfn - z->start_pfn);
		z->pcp_high = 6 * z->pcp_batch;
		for (unsigned int c = 0; c < MAX_NR_CPUS; c++)
			INIT_LIST_HEAD(&z->pcp[c].list);

		/* memblock_free_all(): hand the zone over in the largest
		 * naturally aligned blocks that fit, which is already maximally
		 * merged. */
		unsigned long pfn = z->start_pfn;
		while (pfn < z->end_pfn) {
			unsigned int order = m->cfg.max_order;
			while (order && ((pfn & ((1UL << order) - 1)) ||
					 pfn + (1UL << order) > z->end_pfn))
				order--;
			if (!m->pages_zoned)
				for (unsigned long i = 0; i < (1UL << order); i++)
					m->pages[pfn + i].zone = (uint8_t)zi;
			add_to_free_list(m, &m->pages[pfn], z, order);
			census_boot_block(m, zi, pfn, 1UL << order);
			pfn += 1UL << order;
		}
		m->census.free[zi] = z->end_pfn - z->start_pfn;
	}
	m->census.owners[PAGE_OWNER_FREE] = m->nr_pages;
	/* The census is the booted state's: nothing changed since. */
	memset(m->check_dirty, 0, check_mark_words(m->nr_pages) * sizeof(uint64_t));
	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		m->buddy.zones[zi].check_dirty = false;
	/* Memory arrives poisoned from machine.c: all of it is free. */
	return 0;
}

/* ------------------------------------------------------------------------
 * Allocation
 */

/* Take the smallest free block of at least @order and split off the unused
 * halves, largest first (Linux's expand()): the block returned is the lowest
 * part, and every half goes back on the list of its own order. */
static struct page *__rmqueue_smallest(struct machine *m, struct zone *z, unsigned int order,
					unsigned int max_order)
{
	for (unsigned int cur = order; cur <= max_order; cur++) {
		struct list_head *area = &z->free_area[cur];
		struct page *page;
		unsigned long size;

		if (list_empty(area))
			continue;
		page = list_first_entry(area, struct page, lru);
		del_page_from_free_list(m, page, z, cur);
		size = 1UL << cur;
		while (cur > order) {
			cur--;
			size >>= 1;
			add_to_free_list(m, &page[size], z, cur);
		}
		return page;
	}
	return NULL;
}

/* Refill a per-CPU list with up to a batch of order-0 pages. */
static void rmqueue_bulk(struct machine *m, struct zone *z, struct per_cpu_pages *pcp)
{
	for (unsigned int i = 0; i < z->pcp_batch; i++) {
		struct page *page = __rmqueue_smallest(m, z, 0, m->cfg.max_order);

		if (!page)
			break;
		page->flags = PG_pcp;
		page_set_owner(m, page, PAGE_OWNER_PCP);
		list_add_tail(&page->lru, &pcp->list);
		pcp->count++;
		z->pcp_pages++;
		z->check_dirty = true;
	}
}

static struct page *rmqueue(struct machine *m, struct zone *z, unsigned int order)
{
	struct per_cpu_pages *pcp;
	struct page *page;

	if (order)
		return __rmqueue_smallest(m, z, order, m->cfg.max_order);
	pcp = &z->pcp[m->cpu];
	if (list_empty(&pcp->list)) {
		rmqueue_bulk(m, z, pcp);
		if (list_empty(&pcp->list))
			return NULL;
	}
	page = list_first_entry(&pcp->list, struct page, lru);
	list_del(&page->lru);
	check_mark(m, pfn_of(m, page));
	page->flags = 0;
	pcp->count--;
	z->pcp_pages--;
	z->check_dirty = true;
	return page;
}

/* The zonelist: GFP_DMA is served by ZONE_DMA alone; anything else tries
 * ZONE_NORMAL, then falls back to ZONE_DMA. */
static struct page *get_page_from_freelist(struct machine *m, gfp_t gfp, unsigned int order)
{
	struct zone *zones = m->buddy.zones;
	struct page *page = NULL;

	if (!(gfp & __GFP_DMA) && zone_present(&zones[ZONE_NORMAL]))
		page = rmqueue(m, &zones[ZONE_NORMAL], order);
	if (!page && zone_present(&zones[ZONE_DMA]))
		page = rmqueue(m, &zones[ZONE_DMA], order);
	return page;
}

static void free_pcppages_bulk(struct machine *m, struct zone *z, struct per_cpu_pages *pcp,
			       unsigned int count);

/* Empty the per-CPU lists of the zones @gfp may use; false if all were empty. */
static bool drain_zonelist(struct machine *m, gfp_t gfp)
{
	bool drained = false;

	for (int zi = (gfp & __GFP_DMA) ? ZONE_DMA : ZONE_NORMAL; zi >= 0; zi--) {
		struct zone *z = &m->buddy.zones[zi];

		if (!z->pcp_pages)
			continue;
		for (unsigned int c = 0; c < m->cfg.nr_cpus; c++)
			free_pcppages_bulk(m, z, &z->pcp[c], ~0u);
		drained = true;
	}
	return drained;
}

/* Linux's should_fail_alloc_page(): skip, then fail. */
static bool should_fail_alloc_page(struct buddy_state *b)
{
	return should_fail_nth(&b->fail_skip, &b->fail_times);
}

struct page *alloc_pages(struct machine *m, gfp_t gfp, unsigned int order)
{
	struct buddy_state *b = &m->buddy;
	struct page *page = NULL;
	unsigned long n;

	b->alloc_calls++;
	if (unlikely(order > m->cfg.max_order)) {
		/* Linux: WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp), which
		 * __GFP_NOWARN silences, as it does warn_alloc(). */
		b->failed_calls++;
		if (!(gfp & __GFP_NOWARN))
			kalloc_report(m, KERR_INVAL, "alloc_pages: order %u > MAX_PAGE_ORDER %u",
				      order, m->cfg.max_order);
		return NULL;
	}
	if (unlikely(should_fail_alloc_page(b))) {
		b->failed_calls++;
		return NULL;
	}
	page = get_page_from_freelist(m, gfp, order);
	/* Linux's slow path drains the per-CPU lists before it gives up
	 * (__alloc_pages_direct_reclaim): pages parked there may merge into
	 * the block asked for. */
	if (unlikely(!page) && drain_zonelist(m, gfp))
		page = get_page_from_freelist(m, gfp, order);
	if (unlikely(!page)) {
		b->failed_calls++;
		return NULL;
	}

	/* prep_new_page(): record the block, mark its tails, hand it to
	 * the caller. */
	n = 1UL << order;
	page->flags = PG_head;
	page->order = (uint8_t)order;
	page_set_owner(m, page, PAGE_OWNER_PAGES);
	for (unsigned long i = 1; i < n; i++) {
		page[i].flags = PG_tail;
		page[i].head = page;
	}
	b->nr_allocated += n;
	kasan_unpoison(page_address(m, page), n << PAGE_SHIFT);
	if (gfp & __GFP_ZERO)
		memset(page_address(m, page), 0, n << PAGE_SHIFT);
	debug_check(m, buddy_check, "alloc_pages");
	return page;
}

struct page *alloc_page(struct machine *m, gfp_t gfp) { return alloc_pages(m, gfp, 0); }

unsigned long __get_free_pages(struct machine *m, gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(m, gfp, order);

	return page ? (unsigned long)page_address(m, page) : 0;
}
unsigned long __get_free_page(struct machine *m, gfp_t gfp) { return __get_free_pages(m, gfp, 0); }
unsigned long get_zeroed_page(struct machine *m, gfp_t gfp) { return __get_free_pages(m, gfp | __GFP_ZERO, 0); }

/* ------------------------------------------------------------------------
 * Freeing
 *
 * __free_one_page(): the block's buddy is the block of the same order that
 * together with it forms the block of the next order: its pfn differs in bit
 * @order alone, pfn ^ (1 << order).  If the buddy is free and whole - the
 * head of a free block of exactly this order, in the same zone - take it off
 * its list and continue one order up from the lower of the two pfns
 * (pfn & buddy_pfn).  Stop at max_order or at the first buddy that is in use
 * or split, and put the result on its list.  Each step is O(1), so a free is
 * O(max_order), and the free lists are maximally merged after every free:
 * no two free buddies of the same order ever coexist (buddy_check verifies
 * exactly that).
 */
static void __free_one_page(struct machine *m, struct zone *z, unsigned long pfn, unsigned int order)
{
	unsigned int zi = (unsigned int)(z - m->buddy.zones);

	while (order < m->cfg.max_order) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (buddy_pfn >= m->nr_pages)
			break;
		buddy = &m->pages[buddy_pfn];
		if (!(buddy->flags & PG_buddy) || buddy->order != order || buddy->zone != zi)
			break;
		VM_BUG_ON(buddy_pfn & ((1UL << order) - 1));
		del_page_from_free_list(m, buddy, z, order);
		pfn &= buddy_pfn;
		order++;
	}
	add_to_free_list(m, &m->pages[pfn], z, order);
}

/* Give a batch of the coldest pages of a per-CPU list back to the buddy lists. */
static void free_pcppages_bulk(struct machine *m, struct zone *z, struct per_cpu_pages *pcp,
			       unsigned int count)
{
	while (count-- && !list_empty(&pcp->list)) {
		struct page *page = list_last_entry(&pcp->list, struct page, lru);

		list_del(&page->lru);
		page_set_owner(m, page, PAGE_OWNER_FREE);
		page->flags = 0;
		pcp->count--;
		z->pcp_pages--;
		z->check_dirty = true;
		__free_one_page(m, z, pfn_of(m, page), 0);
	}
}

void drain_all_pages(struct machine *m)
{
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone *z = &m->buddy.zones[zi];

		for (unsigned int c = 0; c < m->cfg.nr_cpus; c++)
			free_pcppages_bulk(m, z, &z->pcp[c], ~0u);
	}
}

/* Slow path of a bad free: say exactly what is wrong with @page. */
static int free_pages_bad(struct machine *m, struct page *page, unsigned int order)
{
	unsigned long pfn = pfn_of(m, page);

	if (page->flags & (PG_buddy | PG_pcp) || !(page->flags & (PG_head | PG_tail)))
		return kalloc_report(m, KERR_DOUBLE_FREE,
				     "__free_pages: pfn %lu order %u is already free", pfn, order);
	if (page->flags & PG_tail)
		return kalloc_report(m, KERR_NOT_HEAD,
				     "__free_pages: pfn %lu is inside the order-%u block at pfn %lu",
				     pfn, page->head->order, pfn_of(m, page->head));
	if (page->owner != PAGE_OWNER_PAGES)
		return kalloc_report(m, KERR_WRONG_OWNER,
				     "__free_pages: pfn %lu is held by %s; free it through its owner",
				     pfn, page_owner_name(page->owner));
	return kalloc_report(m, KERR_WRONG_ORDER,
			     "__free_pages: pfn %lu was allocated with order %u, freed with order %u",
			     pfn, page->order, order);
}

/* The one entry for giving pages back; the layers above use it too, after
 * they hand the block back to PAGE_OWNER_PAGES. */
int __free_pages(struct machine *m, struct page *page, unsigned int order)
{
	struct buddy_state *b = &m->buddy;
	uintptr_t off = (uintptr_t)page - (uintptr_t)m->pages;
	unsigned long n, pfn;
	struct zone *z;

	b->free_calls++;
	if (unlikely(off >= m->nr_pages * sizeof(struct page) || off % sizeof(struct page)))
		return kalloc_report(m, KERR_BAD_ADDRESS,
				     "__free_pages: %p is not a struct page of this machine", (void *)page);
	/* The whole fast check in one compare: an allocated head, held by
	 * the page allocator's caller, of this order. */
	if (unlikely(page->flags != PG_head || page->order != order || page->owner != PAGE_OWNER_PAGES))
		return free_pages_bad(m, page, order);

	n = 1UL << order;
	pfn = pfn_of(m, page);
	page_set_owner(m, page, order ? PAGE_OWNER_FREE : PAGE_OWNER_PCP);
	for (unsigned long i = 1; i < n; i++) {
		page[i].flags = 0;
		page[i].head = NULL;
	}
	page->flags = 0;
	page->order = 0;
	b->nr_allocated -= n;
	kasan_poison(pfn_address(m, pfn), n << PAGE_SHIFT);

	z = &b->zones[page->zone];
	if (order == 0) {
		struct per_cpu_pages *pcp = &z->pcp[m->cpu];

		page->flags = PG_pcp;
		list_add(&page->lru, &pcp->list);
		pcp->count++;
		z->pcp_pages++;
		z->check_dirty = true;
		if (pcp->count >= z->pcp_high)
			free_pcppages_bulk(m, z, pcp, z->pcp_batch);
	} else {
		__free_one_page(m, z, pfn, order);
	}
	debug_check(m, buddy_check, "__free_pages");
	return 0;
}

int free_pages(struct machine *m, unsigned long addr, unsigned int order)
{
	struct page *page = addr_to_page(m, (const void *)addr);

	if (unlikely(!page)) {
		m->buddy.free_calls++;
		return kalloc_report(m, KERR_BAD_ADDRESS, "free_pages: %#lx is outside memory", addr);
	}
	if (unlikely(addr & (PAGE_SIZE - 1))) {
		m->buddy.free_calls++;
		return kalloc_report(m, KERR_NOT_HEAD, "free_pages: %#lx is not page aligned", addr);
	}
	return __free_pages(m, page, order);
}

int __free_page(struct machine *m, struct page *page) { return __free_pages(m, page, 0); }
int free_page(struct machine *m, unsigned long addr) { return free_pages(m, addr, 0); }

/* ------------------------------------------------------------------------
 * Conversions, fault injection, statistics
 */
void *page_address(const struct machine *m, const struct page *page)
{
	return pfn_address(m, pfn_of(m, page));
}

struct page *virt_to_page(const struct machine *m, const void *addr)
{
	return addr_to_page(m, addr);
}

unsigned long page_to_pfn(const struct machine *m, const struct page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)m->pages;

	if (off >= m->nr_pages * sizeof(struct page) || off % sizeof(struct page))
		return ~0UL;
	return off / sizeof(struct page);
}

struct page *pfn_to_page(const struct machine *m, unsigned long pfn)
{
	return pfn < m->nr_pages ? &m->pages[pfn] : NULL;
}

enum zone_type page_zonenum(const struct machine *m, const struct page *page)
{
	(void)m;
	return (enum zone_type)page->zone;
}

void buddy_inject_failures(struct machine *m, unsigned long skip, unsigned long times)
{
	m->buddy.fail_skip = times ? skip : 0;
	m->buddy.fail_times = times;
}

unsigned long buddy_injected_pending(const struct machine *m) { return m->buddy.fail_times; }

int buddy_zone_stats(const struct machine *m, enum zone_type zone, struct zone_stats *out)
{
	const struct zone *z;

	memset(out, 0, sizeof(*out));
	if ((unsigned)zone >= MAX_NR_ZONES || !zone_present(&m->buddy.zones[zone]))
		return -KERR_INVAL;
	z = &m->buddy.zones[zone];
	/* strncpy's cost is most of this function's; a name is a few bytes. */
	for (size_t i = 0; i < sizeof(out->name) - 1 && z->name[i]; i++)
		out->name[i] = z->name[i];
	out->start_pfn = z->start_pfn;
	out->spanned_pages = z->end_pfn - z->start_pfn;
	out->free_pages = z->free_pages;
	out->pcp_pages = z->pcp_pages;
	memcpy(out->nr_free, z->nr_free, sizeof(out->nr_free));
	out->pcp_high = z->pcp_high;
	out->pcp_batch = z->pcp_batch;
	return 0;
}

void buddy_page_stats(const struct machine *m, struct page_stats *out)
{
	const struct buddy_state *b = &m->buddy;

	memset(out, 0, sizeof(*out));
	out->total = m->nr_pages;
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		out->free += b->zones[zi].free_pages;
		out->pcp += b->zones[zi].pcp_pages;
	}
	physmem_page_stats(m, out);
	out->alloc_calls = b->alloc_calls;
	out->free_calls = b->free_calls;
	out->failed_calls = b->failed_calls;
}

/* Linux's frag_show(): "Node 0, zone %8s " then "%6lu " per order. */
int proc_buddyinfo(const struct machine *m, char *buf, size_t len)
{
	struct seq_buf s = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		const struct zone *z = &m->buddy.zones[zi];

		if (!zone_present(z))
			continue;
		/* The row built whole and written once (a fuzzer reads this
		 * file several times per input): "%8s" by hand for the
		 * zone's short name, text_put_ulong for each "%6lu". */
		{
			char row[64 + NR_PAGE_ORDERS * 28], *p = row;
			size_t nl = strlen(z->name);

			if (nl > 32) {
				seq_printf(&s, "Node 0, zone %8s ", z->name);
			} else {
				memcpy(p, "Node 0, zone         ", 21);
				p += 13 + (nl < 8 ? 8 - nl : 0);
				memcpy(p, z->name, nl);
				p += nl;
				*p++ = ' ';
			}
			for (unsigned int o = 0; o <= m->cfg.max_order; o++) {
				p = text_put_ulong(p, z->nr_free[o], 6);
				*p++ = ' ';
			}
			*p++ = '\n';
			seq_put_bytes(&s, row, (size_t)(p - row));
		}
	}
	return (int)s.len;
}

/* Linux's fill_contig_page_info() for one order. */
struct contig_page_info {
	unsigned long free_pages, free_blocks_total, free_blocks_suitable;
};

static void fill_contig_page_info(const struct zone_stats *z, unsigned int suitable_order,
				  struct contig_page_info *info)
{
	memset(info, 0, sizeof(*info));
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long blocks = z->nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= suitable_order)
			info->free_blocks_suitable += blocks << (o - suitable_order);
	}
}

int unusable_free_index(const struct zone_stats *z, unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(z, order, &info);
	/* No free memory counts as all free memory unusable. */
	if (!info.free_pages)
		return 1000;
	return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 1000ULL / info.free_pages);
}

int fragmentation_index(const struct zone_stats *z, unsigned int order)
{
	struct contig_page_info info;
	unsigned long requested = 1UL << order;

	fill_contig_page_info(z, order, &info);
	if (!info.free_blocks_total)
		return 0;
	/* Only a request that would fail has a fragmentation index. */
	if (info.free_blocks_suitable)
		return -1000;
	return (int)(1000 - (1000 + info.free_pages * 1000ULL / requested) / info.free_blocks_total);
}

static int extfrag_show(const struct machine *m, char *buf, size_t len,
			int (*index)(const struct zone_stats *, unsigned int), const char *fmt)
{
	struct seq_buf s = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone_stats z;

		if (buddy_zone_stats(m, (enum zone_type)zi, &z))
			continue;
		seq_printf(&s, "Node 0, zone %8s ", z.name);
		for (unsigned int o = 0; o <= m->cfg.max_order; o++) {
			int v = index(&z, o);
			seq_printf(&s, fmt, v / 1000, (v < 0 ? -v : v) % 1000);
		}
		seq_printf(&s, "\n");
	}
	return (int)s.len;
}

int proc_unusable_index(const struct machine *m, char *buf, size_t len)
{
	return extfrag_show(m, buf, len, unusable_free_index, "%d.%03d ");
}

int proc_extfrag_index(const struct machine *m, char *buf, size_t len)
{
	return extfrag_show(m, buf, len, fragmentation_index, "%2d.%03d ");
}

/* ------------------------------------------------------------------------
 * buddy_check(): the free lists, the per-CPU lists, and a walk over every
 * frame that classifies it as free, per-CPU or allocated and adds them up.
 */
static int check_free_lists(struct machine *m, int zi, struct kalloc_check *out)
{
	struct zone *z = &m->buddy.zones[zi];
	unsigned long total = 0;

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long n = 0;
		struct list_head *pos;

		list_for_each(pos, &z->free_area[o]) {
			struct page *page = list_entry(pos, struct page, lru);
			unsigned long pfn = pfn_of(m, page);

			if (++n > m->nr_pages)
				break;
			if (!(page->flags & PG_buddy))
				return kalloc_fail(out, INV_BUDDY_NOT_BUDDY,
						   "zone %s order %u: pfn %lu flags %#x", z->name, o, pfn, page->flags);
			if (page->order != o)
				return kalloc_fail(out, INV_BUDDY_ORDER,
						   "zone %s: pfn %lu has order %u on the order-%u list",
						   z->name, pfn, page->order, o);
			if (pfn & ((1UL << o) - 1))
				return kalloc_fail(out, INV_BUDDY_MISALIGNED,
						   "zone %s: order-%u block at pfn %lu", z->name, o, pfn);
			if (o > m->cfg.max_order || pfn < z->start_pfn || pfn + (1UL << o) > z->end_pfn ||
			    page->zone != zi)
				return kalloc_fail(out, INV_BUDDY_ZONE,
						   "zone %s [%lu, %lu): order-%u block at pfn %lu",
						   z->name, z->start_pfn, z->end_pfn, o, pfn);
			if (o < m->cfg.max_order) {
				unsigned long bp = pfn ^ (1UL << o);
				if (bp >= z->start_pfn && bp < z->end_pfn &&
				    (m->pages[bp].flags & PG_buddy) && m->pages[bp].order == o)
					return kalloc_fail(out, INV_BUDDY_NOT_MERGED,
							   "zone %s: order-%u blocks at pfn %lu and %lu",
							   z->name, o, pfn, bp);
			}
			total += 1UL << o;
		}
		if (n != z->nr_free[o])
			return kalloc_fail(out, INV_BUDDY_NR_FREE, "zone %s order %u: nr_free %lu, list holds %lu",
					   z->name, o, z->nr_free[o], n);
	}
	if (total != z->free_pages)
		return kalloc_fail(out, INV_BUDDY_FREE_PAGES, "zone %s: free_pages %lu, free lists hold %lu",
				   z->name, z->free_pages, total);
	return 0;
}

/* The per-CPU lists of the first @cpus CPUs (the quick path has seen
 * the others empty). */
static int check_pcp(struct machine *m, int zi, unsigned int cpus, struct kalloc_check *out)
{
	struct zone *z = &m->buddy.zones[zi];
	unsigned long total = 0;

	for (unsigned int c = 0; c < cpus; c++) {
		struct per_cpu_pages *pcp = &z->pcp[c];
		unsigned long n = 0;
		struct list_head *pos;

		list_for_each(pos, &pcp->list) {
			struct page *page = list_entry(pos, struct page, lru);

			if (++n > m->nr_pages)
				break;
			if (page->flags != PG_pcp || page->zone != zi)
				return kalloc_fail(out, INV_BUDDY_PCP, "zone %s cpu %u: pfn %lu flags %#x zone %u",
						   z->name, c, pfn_of(m, page), page->flags, page->zone);
		}
		if (n != pcp->count || (c >= m->cfg.nr_cpus && n))
			return kalloc_fail(out, INV_BUDDY_PCP, "zone %s cpu %u: count %u, list holds %lu",
					   z->name, c, pcp->count, n);
		total += n;
	}
	if (total != z->pcp_pages)
		return kalloc_fail(out, INV_BUDDY_PCP, "zone %s: pcp_pages %lu, lists hold %lu",
				   z->name, z->pcp_pages, total);
	return 0;
}

/* The owner a page in this state must have; an allocated head must have
 * anything else (PAGE_OWNER_PAGES or a layer above). */
static bool owner_fits(const struct page *page)
{
	if (page->flags & PG_buddy)
		return page->owner == PAGE_OWNER_FREE;
	if (page->flags & PG_pcp)
		return page->owner == PAGE_OWNER_PCP;
	return page->owner != PAGE_OWNER_FREE && page->owner != PAGE_OWNER_PCP;
}

int buddy_check(struct machine *m, struct kalloc_check *out)
{
	unsigned long allocated = 0, free_total = 0, pcp_total = 0, bad_owner = ~0UL;
	const unsigned long *owners = m->phys.owner_pages;
	int code;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone *z = &m->buddy.zones[zi];
		unsigned long pfn, free = 0, pcp = 0, blocks = 0, listed = 0;

		if ((code = check_free_lists(m, zi, out)) || (code = check_pcp(m, zi, MAX_NR_CPUS, out)))
			return code;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			listed += z->nr_free[o];

		for (pfn = z->start_pfn; pfn < z->end_pfn;) {
			struct page *page = &m->pages[pfn];
			unsigned long n = 1;

			if (page->flags & PG_buddy) {
				n = 1UL << page->order;
				blocks++;
				free += n;
				for (unsigned long i = 1; i < n && pfn + i < z->end_pfn; i++)
					if (page[i].flags)
						return kalloc_fail(out, INV_BUDDY_OVERLAP,
								   "pfn %lu inside the free block at pfn %lu has flags %#x",
								   pfn + i, pfn, page[i].flags);
			} else if (page->flags & PG_pcp) {
				pcp++;
			} else if (page->flags & PG_head) {
				n = 1UL << page->order;
				if (pfn + n > z->end_pfn)
					return kalloc_fail(out, INV_BUDDY_OVERLAP,
							   "order-%u block at pfn %lu runs past zone %s",
							   page->order, pfn, z->name);
				for (unsigned long i = 1; i < n; i++)
					if (page[i].flags != PG_tail || page[i].head != page)
						return kalloc_fail(out, INV_BUDDY_OVERLAP,
								   "pfn %lu inside the block at pfn %lu has flags %#x",
								   pfn + i, pfn, page[i].flags);
				allocated += n;
			} else {
				return kalloc_fail(out, INV_BUDDY_LOST, "zone %s: pfn %lu flags %#x",
						   z->name, pfn, page->flags);
			}
			if (bad_owner == ~0UL && !owner_fits(page))
				bad_owner = pfn;
			pfn += n;
		}
		if (blocks != listed)
			return kalloc_fail(out, INV_BUDDY_STRAY, "zone %s: %lu PG_buddy blocks, %lu on free lists",
					   z->name, blocks, listed);
		if (free != z->free_pages || pcp != z->pcp_pages)
			return kalloc_fail(out, INV_BUDDY_STRAY, "zone %s: walked %lu free and %lu pcp pages, counters say %lu and %lu",
					   z->name, free, pcp, z->free_pages, z->pcp_pages);
		free_total += free;
		pcp_total += pcp;
	}
	if (allocated != m->buddy.nr_allocated)
		return kalloc_fail(out, INV_BUDDY_ACCOUNTING, "%lu pages in allocated blocks, counter says %lu",
				   allocated, m->buddy.nr_allocated);
	if (owners[PAGE_OWNER_FREE] != free_total || owners[PAGE_OWNER_PCP] != pcp_total)
		return kalloc_fail(out, INV_BUDDY_LAYERS, "owner free %lu pages, pcp %lu; free lists hold %lu, per-CPU lists %lu",
				   owners[PAGE_OWNER_FREE], owners[PAGE_OWNER_PCP], free_total, pcp_total);
	if (bad_owner != ~0UL)
		return kalloc_fail(out, INV_BUDDY_OWNER, "pfn %lu flags %#x is owned by %s",
				   bad_owner, m->pages[bad_owner].flags, page_owner_name(m->pages[bad_owner].owner));
	return 0;
}

/* ------------------------------------------------------------------------
 * buddy_census() and buddy_check_quick(): machine_check()'s quick path
 * (internal.h).  The walk reads two words of a free block's tail - its
 * flags, and the word holding owner and mapcount, both zero on a healthy
 * free frame - and ORs them together, so that a free frame costs a few
 * instructions and the test is made once per block.
 */
_Static_assert(offsetof(struct per_cpu_pages, list) == 0, "an empty per-CPU list's next is its per_cpu_pages");
_Static_assert(offsetof(struct page, mapcount) == offsetof(struct page, owner) + 4,
	       "owner, its padding and mapcount make one 64-bit word");

/* owner, _unused[3] and mapcount, as one word. */
static inline uint64_t page_owner_word(const struct page *p)
{
	uint64_t w;

	memcpy(&w, &p->owner, sizeof(w));
	return w;
}

/* The low 32 bits of page_owner_word(): owner and its padding. */
static inline uint32_t page_owner_low(const struct page *p)
{
	uint32_t w;

	memcpy(&w, &p->owner, sizeof(w));
	return w;
}

/* The blocks of zone @zi whose heads lie in [pfn, stop), each counted
 * into @chunks[its head's chunk] when @chunks is given (the chunks not in
 * @stored taken as zero, and stored once written), else into @c (a block
 * may run past @stop, never past the zone).  The next pfn after the last
 * block, or PHYS_NO_PFN when a frame is not in a state the quick checks
 * vouch for. */
static unsigned long census_blocks(const struct machine *m, int zi, unsigned long pfn, unsigned long stop,
				   struct page_census *c, struct page_census *chunks, uint64_t *stored)
{
	const unsigned int max_order = m->cfg.max_order;
	const unsigned long end = m->buddy.zones[zi].end_pfn;
	unsigned long chunk = ~0UL;
	struct page_census *t = c;

	while (pfn < stop) {
		const struct page *p = &m->pages[pfn];
		uint32_t flags = p->flags;
		unsigned long n;

		if (chunks && pfn >> CHECK_CHUNK_SHIFT != chunk) {
			chunk = pfn >> CHECK_CHUNK_SHIFT;
			t = census_chunk(chunks, stored, chunk);
		}

		if (flags == PG_pcp) {
			if (page_owner_word(p) != PAGE_OWNER_PCP)
				return PHYS_NO_PFN;
			t->pcp[zi]++;
			t->owners[PAGE_OWNER_PCP]++;
			pfn++;
			continue;
		}
		if ((flags != PG_buddy && flags != PG_head) || p->order > max_order)
			return PHYS_NO_PFN;
		n = 1UL << p->order;
		if ((pfn & (n - 1)) || n > end - pfn)
			return PHYS_NO_PFN;
		if (flags == PG_buddy) {
			uint64_t bad = page_owner_word(p), bad1 = 0, bad2 = 0, bad3 = 0;
			uint32_t tail_flags = 0, tail_flags1 = 0, tail_flags2 = 0, tail_flags3 = 0;

			/* Frames 1..3, then four a step (n is a power of
			 * two), an accumulator per load, so that every load
			 * folds into an OR (with fewer, the compiler pairs
			 * the loads up and spends a move on each pair). */
			if (n > 1) {
				bad1 = page_owner_word(&p[1]);
				tail_flags1 = p[1].flags;
			}
			if (n > 2) {
				bad2 = page_owner_word(&p[2]);
				tail_flags2 = p[2].flags;
				bad3 = page_owner_word(&p[3]);
				tail_flags3 = p[3].flags;
			}
			for (const struct page *q = p + 4, *e = p + n; q < e; q += 4) {
				bad |= page_owner_word(q);
				tail_flags |= q->flags;
				bad1 |= page_owner_word(q + 1);
				tail_flags1 |= q[1].flags;
				bad2 |= page_owner_word(q + 2);
				tail_flags2 |= q[2].flags;
				bad3 |= page_owner_word(q + 3);
				tail_flags3 |= q[3].flags;
			}
			if (bad | bad1 | bad2 | bad3 | tail_flags | tail_flags1 | tail_flags2 | tail_flags3)
				return PHYS_NO_PFN;
			t->blocks[zi]++;
			t->free[zi] += n;
			t->owners[PAGE_OWNER_FREE] += n;
		} else {
			unsigned int owner = p->owner;
			uint32_t bad = page_owner_low(p) & ~0xffu;
			unsigned long mapcounts = p->mapcount;

			if (owner >= NR_PAGE_OWNERS || owner == PAGE_OWNER_FREE || owner == PAGE_OWNER_PCP)
				return PHYS_NO_PFN;
			for (unsigned long i = 1; i < n; i++) {
				if (p[i].flags != PG_tail || p[i].head != p)
					return PHYS_NO_PFN;
				bad |= page_owner_low(&p[i]);
				mapcounts += p[i].mapcount;
			}
			if (bad)
				return PHYS_NO_PFN;
			t->allocated += n;
			t->owners[owner] += n;
			t->mapcounts += mapcounts;
			t->slab_heads += owner == PAGE_OWNER_SLAB;
			t->large_heads += owner == PAGE_OWNER_LARGE_KMALLOC;
		}
		pfn += n;
	}
	return pfn;
}

static void census_add(struct page_census *to, const struct page_census *c, long sign)
{
	unsigned long *t = (unsigned long *)to;
	const unsigned long *f = (const unsigned long *)c;

	for (size_t i = 0; i < sizeof(*c) / sizeof(*f); i++)
		t[i] += (unsigned long)sign * f[i];
}

int buddy_census(const struct machine *m, struct page_census *c, struct page_census *chunks, uint64_t *stored)
{
	const size_t nr_chunks = check_chunks(m->nr_pages);

	memset(c, 0, sizeof(*c));
	if (chunks)
		memset(stored, 0, check_mark_words(m->nr_pages) * sizeof(uint64_t));
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		const struct zone *z = &m->buddy.zones[zi];

		if (z->start_pfn < z->end_pfn &&
		    census_blocks(m, zi, z->start_pfn, z->end_pfn, c, chunks, stored) != z->end_pfn)
			return -1;
	}
	if (chunks)
		for (unsigned long w = 0; w < (nr_chunks + 63) / 64; w++)
			for (uint64_t bits = stored[w]; bits; bits &= bits - 1)
				census_add(c, &chunks[w * 64 + (unsigned long)__builtin_ctzll(bits)], 1);
	return 0;
}

/* The head of the block holding @pfn when @pfn is not a head itself (a
 * free block's tail has no pointer back: try the aligned frames below it),
 * or PHYS_NO_PFN. */
static unsigned long census_block_head(const struct machine *m, unsigned long pfn)
{
	const struct page *p = &m->pages[pfn];

	if (p->flags == PG_tail) {
		uintptr_t off = (uintptr_t)p->head - (uintptr_t)m->pages;
		unsigned long h = off / sizeof(struct page);

		if (off >= m->nr_pages * sizeof(struct page) || off % sizeof(struct page) ||
		    m->pages[h].flags != PG_head || m->pages[h].order > m->cfg.max_order ||
		    h > pfn || pfn - h >= 1UL << m->pages[h].order)
			return PHYS_NO_PFN;
		return h;
	}
	for (unsigned int o = 1; o <= m->cfg.max_order; o++) {
		unsigned long h = pfn & ~((1UL << o) - 1);

		if (m->pages[h].flags == PG_buddy && m->pages[h].order >= o && m->pages[h].order <= m->cfg.max_order)
			return h;
	}
	return PHYS_NO_PFN;
}

int buddy_census_changed(struct machine *m, struct page_census *total, struct page_census *chunks)
{
	unsigned long nr_chunks = (m->nr_pages + CHECK_CHUNK_PAGES - 1) >> CHECK_CHUNK_SHIFT;
	const unsigned long dma_end = m->buddy.zones[ZONE_DMA].end_pfn;
	uint64_t *dirty = m->check_dirty, *stored = m->census_stored;

	/* A marked chunk that starts inside a block headed further down
	 * stands for that block: mark the head's chunk, whose walk covers
	 * the whole block. */
	for (unsigned long w = 0; w < (nr_chunks + 63) / 64; w++)
		for (uint64_t bits = dirty[w]; bits; bits &= bits - 1) {
			unsigned long chunk = w * 64 + (unsigned long)__builtin_ctzll(bits), pfn = chunk << CHECK_CHUNK_SHIFT;
			uint32_t flags = m->pages[pfn].flags;

			if (flags == 0 || flags == PG_tail) {
				unsigned long h = census_block_head(m, pfn);

				if (h == PHYS_NO_PFN)
					return -1;
				check_mark(m, h);
			}
		}
	for (unsigned long w = 0; w < (nr_chunks + 63) / 64; w++) {
		for (uint64_t bits = dirty[w]; bits; bits &= bits - 1) {
			unsigned long chunk = w * 64 + (unsigned long)__builtin_ctzll(bits);
			unsigned long pfn = chunk << CHECK_CHUNK_SHIFT, stop = pfn + CHECK_CHUNK_PAGES;
			struct page_census *cc = &chunks[chunk];
			uint64_t bit = 1ULL << (chunk % 64);
			uint32_t flags;

			if (stop > m->nr_pages)
				stop = m->nr_pages;
			/* Out of the total, then walked again from zero. */
			if (stored[w] & bit)
				census_add(total, cc, -1);
			stored[w] &= ~bit;
			flags = m->pages[pfn].flags;
			/* Inside a block headed below (its chunk is walked):
			 * no heads here. */
			if (flags == 0 || flags == PG_tail)
				continue;
			/* The DMA zone's blocks, then Normal's. */
			if (pfn < dma_end)
				pfn = census_blocks(m, ZONE_DMA, pfn, stop < dma_end ? stop : dma_end, NULL, chunks, stored);
			if (pfn < stop)
				pfn = census_blocks(m, ZONE_NORMAL, pfn, stop, NULL, chunks, stored);
			if (pfn == PHYS_NO_PFN)
				return -1;
			if (stored[w] & bit)
				census_add(total, cc, 1);
		}
		dirty[w] = 0;
	}
	return 0;
}

/* The free and per-CPU lists as buddy_check() walks them (each entry a
 * PG_buddy head of its order, aligned, in its zone, unmerged), and the
 * census against the counters: with every PG_buddy head listed and every
 * list entry such a head, the walk's blocks are the lists' blocks. */
bool buddy_check_quick(struct machine *m, const struct page_census *c, bool all)
{
	struct buddy_state *b = &m->buddy;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		struct zone *z = &b->zones[zi];
		unsigned long listed = 0;

		uintptr_t unused = 0, unused1 = 0;
		unsigned int counts = 0, counts1 = 0;
		const struct per_cpu_pages *pcp = &z->pcp[m->cfg.nr_cpus], *end = &z->pcp[MAX_NR_CPUS];

		/* The lists of a zone nothing changed since the last check
		 * are as that check found them (@all false). */
		if (!all && !z->check_dirty)
			pcp = end;
		/* CPUs the machine does not have: empty lists (each its own
		 * list's next) and zero counts, two a step, ORed. */
		if ((end - pcp) & 1) {
			unused = (uintptr_t)pcp->list.next - (uintptr_t)pcp;
			counts = pcp->count;
			pcp++;
		}
		for (; pcp < end; pcp += 2) {
			unused |= (uintptr_t)pcp->list.next - (uintptr_t)pcp;
			counts |= pcp->count;
			unused1 |= (uintptr_t)pcp[1].list.next - (uintptr_t)&pcp[1];
			counts1 |= pcp[1].count;
		}
		unused |= unused1 | counts | counts1;
		if (unused || ((all || z->check_dirty) &&
			       (check_free_lists(m, zi, NULL) || check_pcp(m, zi, m->cfg.nr_cpus, NULL))))
			return false;
		z->check_dirty = false;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			listed += z->nr_free[o];
		if (c->blocks[zi] != listed || c->free[zi] != z->free_pages || c->pcp[zi] != z->pcp_pages)
			return false;
	}
	return c->allocated == b->nr_allocated;
}
