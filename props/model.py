"""model.py - a pure-Python reference model of kalloc: buddy, SLUB, kmalloc.

Written from Linux's behaviour (mm/page_alloc.c, mm/slub.c, mm/slab_common.c)
as the headers document it, never from the C structures: the model keeps its
own page table, free lists, per-CPU lists, slabs and freelists, so that it
predicts the exact address every allocation returns and every number the
stats exports and /proc files show.  The state machines compare those
predictions with the library after every step.

The only things taken as given are policy choices the headers state: free
lists and per-CPU lists are LIFO (list_add), the lowest half of a split is
handed out, per-CPU lists refill by pcp_batch and drain the coldest pcp_batch
pages at pcp_high, slabs hand out objects in address order when new.

Entry points: Model(config), geometry(), calculate_order(), kmalloc classes,
unusable_index(), fragmentation_index(), buddyinfo(), slabinfo().
"""
from kalloc import (PAGE_SHIFT, PAGE_SIZE, GFP_KERNEL, GFP_DMA, RECLAIMABLE_BIT,
                    ACCOUNT_BIT, COMP_BIT, SLAB_HWCACHE_ALIGN, SLAB_POISON,
                    SLAB_TYPESAFE_BY_RCU, SLAB_CACHE_DMA, SLAB_KMALLOC, SLAB_RECLAIM_ACCOUNT,
                    SLAB_ACCOUNT, SLUB_MAX_ORDER, MAX_OBJS_PER_PAGE, L1_CACHE_BYTES,
                    KMALLOC_PROFILE_CLASSIC, MACHINE_SLUB_POISON, ZERO_SIZE_PTR, MAX_PAGE_ORDER,
                    KERR_INVAL, KERR_BAD_ADDRESS, KERR_NOT_HEAD, KERR_DOUBLE_FREE, KERR_WRONG_ORDER,
                    KERR_WRONG_OWNER, KERR_NOT_OBJECT, KERR_WRONG_CACHE, KERR_CACHE_BUSY,
                    KERR_TOO_BIG, KERR_OVERFLOW, NR_KALLOC_ERRORS, SLAB_CONSISTENCY_CHECKS,
                    SLAB_RED_ZONE, SLAB_PANIC, SLAB_STORE_USER, MACHINE_SLUB_CONSISTENCY,
                    MACHINE_SLUB_RED_ZONE, MACHINE_SLUB_STORE_USER)

SLAB_KNOWN = (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_KMALLOC |
              SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU |
              SLAB_ACCOUNT | SLAB_RECLAIM_ACCOUNT)


# ---------------------------------------------------------------------------
# Pure functions: get_order, SLUB geometry, kmalloc classes, extfrag indices
# ---------------------------------------------------------------------------
def get_order(size):
    order = 0
    while (PAGE_SIZE << order) < size:
        order += 1
    return order


def fls(x):
    return x.bit_length()


def order_objects(order, size):
    return (PAGE_SIZE << order) // size


# machine_config.kernel_version: index -> the Linux version whose rules apply
KERNEL_VERSIONS = ("6.18", "6.1")


def calculate_order(size, cpus, version="6.18"):
    """SLUB's calculate_order(): min_objects = 4 * (fls(cpus) + 1), capped by what
    fits an order-3 slab; start at get_order(min_objects * size); accept the first
    order up to slub_max_order whose tail waste is at most 1/16, 1/8, 1/4, 1/2 of
    the slab; else get_order(size).
    Before 6.8 ("6.1"): try (min_objects, waste) pairs - objects from the capped
    min_objects down to 2, for each 1/16, 1/8, 1/4 - from get_order(n * size) to
    order 3; none fits: get_order(size)."""
    if version not in KERNEL_VERSIONS:
        raise ValueError("kernel version %r" % (version,))
    min_objects = 4 * (fls(cpus) + 1)
    if version == "6.1":
        if order_objects(0, size) > MAX_OBJS_PER_PAGE:
            return get_order(size * MAX_OBJS_PER_PAGE) - 1
        tries = [(n, f) for n in range(min(min_objects, order_objects(SLUB_MAX_ORDER, size)), 1, -1)
                 for f in (16, 8, 4)]
        for n, fraction in tries:
            fits = [o for o in range(get_order(n * size), SLUB_MAX_ORDER + 1)
                    if (PAGE_SIZE << o) % size <= (PAGE_SIZE << o) // fraction]
            if fits:
                return fits[0]
        return get_order(size)
    min_objects = min(min_objects, max(order_objects(SLUB_MAX_ORDER, size), 1))
    min_order = get_order(min_objects * size)
    if order_objects(min_order, size) > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    for fraction in (16, 8, 4, 2):
        for order in range(min_order, SLUB_MAX_ORDER + 1):
            slab = PAGE_SIZE << order
            if slab % size <= slab // fraction:
                return order
    return get_order(size)


def geometry(size, align, flags, has_ctor, cpus, version="6.18"):
    """slub_geometry() as a dict, or None where kmem_cache_create refuses;
    version: KERNEL_VERSIONS' name of machine_config.kernel_version."""
    if size == 0 or size > 4 << 20 or align & (align - 1) or align > 4 << 20 or flags & ~SLAB_KNOWN:
        return None
    if flags & SLAB_HWCACHE_ALIGN:
        ralign = L1_CACHE_BYTES
        while size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    align = max(align, 8)
    # calculate_sizes(): object, right red zone, free pointer, tracks, orig_size,
    # padding word and left red zone, rounded up to the alignment.
    slot = (size + 7) & ~7
    if flags & SLAB_RED_ZONE and slot == size:
        slot += 8
    inuse = slot
    orig_size = flags & SLAB_STORE_USER and flags & SLAB_KMALLOC
    if (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON) or has_ctor or
            flags & SLAB_RED_ZONE and (size < 8 or orig_size)):
        offset = slot
        slot += 8
    else:
        offset = (size // 2) & ~7
    if flags & SLAB_STORE_USER:
        slot += 2 * 32 + (4 if flags & SLAB_KMALLOC else 0)
    red_left_pad = 0
    if flags & SLAB_RED_ZONE:
        red_left_pad = (8 + align - 1) & ~(align - 1)
        slot += 8 + red_left_pad
    slot = (slot + align - 1) & ~(align - 1)
    order = calculate_order(slot, cpus, version)
    if order > MAX_PAGE_ORDER:
        return None
    min_order = get_order(slot)
    return dict(object_size=size, size=slot, align=align, offset=offset, order=order,
                objects=order_objects(order, slot), min_order=min_order,
                min_objects=order_objects(min_order, slot),
                min_partial=min(max((slot.bit_length() - 1) // 2, 5), 10),
                inuse=inuse, red_left_pad=red_left_pad)


def machine_slab_flags(slub_debug):
    """The SLAB_* flags a machine's slub_debug bits (MACHINE_SLUB_*) add to every cache."""
    return ((SLAB_POISON if slub_debug & MACHINE_SLUB_POISON else 0) |
            (SLAB_CONSISTENCY_CHECKS if slub_debug & MACHINE_SLUB_CONSISTENCY else 0) |
            (SLAB_RED_ZONE if slub_debug & MACHINE_SLUB_RED_ZONE else 0) |
            (SLAB_STORE_USER if slub_debug & MACHINE_SLUB_STORE_USER else 0))


DEFAULT_SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]
CLASSIC_SIZES = [32, 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]
NORMAL, RECLAIM, DMA, CGROUP = "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-"


def kmalloc_cache_name(profile, kind, size):
    if profile == KMALLOC_PROFILE_CLASSIC:
        return "size-%d%s" % (size, "(DMA)" if kind == DMA else "")
    if size >= 1024 and size % 1024 == 0:
        return "%s%dk" % (kind, size >> 10)
    return "%s%d" % (kind, size)


def kmalloc_kind(profile, gfp):
    if gfp & GFP_DMA:
        return DMA
    if profile == KMALLOC_PROFILE_CLASSIC:
        return NORMAL
    if gfp & RECLAIMABLE_BIT:
        return RECLAIM
    if gfp & ACCOUNT_BIT:
        return CGROUP
    return NORMAL


def contig_info(nr_free, order):
    """Linux's fill_contig_page_info() over per-order free block counts."""
    free_pages = sum(n << o for o, n in enumerate(nr_free))
    total = sum(nr_free)
    suitable = sum(n << (o - order) for o, n in enumerate(nr_free) if o >= order)
    return free_pages, total, suitable


def unusable_index(nr_free, order):
    """/sys/kernel/debug/extfrag/unusable_index, in thousandths."""
    free_pages, _, suitable = contig_info(nr_free, order)
    if free_pages == 0:
        return 1000         # no free memory counts as all of it unusable
    return (free_pages - (suitable << order)) * 1000 // free_pages


def fragmentation_index(nr_free, order):
    """/sys/kernel/debug/extfrag/extfrag_index (__fragmentation_index), in
    thousandths: -1000 when a block is free, 0 when nothing is free."""
    free_pages, total, suitable = contig_info(nr_free, order)
    if total == 0:
        return 0
    if suitable:
        return -1000
    return 1000 - (1000 + free_pages * 1000 // (1 << order)) // total


def fmt_thousandths(v, width=1):
    """C's "%d.%03d" of v / 1000, v % 1000 (truncating division)."""
    q = -(-v // 1000) if v < 0 else v // 1000
    return "%*d.%03d" % (width, q, abs(v - q * 1000))


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------
FREE, BUDDY, PCP, HEAD, TAIL = 0, 1, 2, 3, 4       # page states


class Zone:
    def __init__(self, name, start, end, cpus, max_order):
        self.name, self.start, self.end = name, start, end
        self.free_area = [[] for _ in range(MAX_PAGE_ORDER + 1)]   # index 0 = list head
        self.free_pages = 0
        self.pcp = [[] for _ in range(cpus)]
        self.pcp_pages = 0
        batch = max((min((end - start) >> 10, 256)) // 4, 1)
        batch += batch // 2
        r = 1
        while r * 2 <= batch:
            r *= 2
        self.pcp_batch = r - 1 if r > 1 else 1
        self.pcp_high = 6 * self.pcp_batch

    @property
    def present(self):
        return self.end > self.start

    def nr_free(self):
        return [len(a) for a in self.free_area]


class Slab:
    def __init__(self, pfn, order, objects):
        self.pfn, self.order, self.objects = pfn, order, objects
        self.freelist = list(range(objects))        # object indices, [0] = next handed out
        self.inuse = 0
        self.frozen = 0


class Cache:
    def __init__(self, name, size, align, flags, ctor, g, m):
        self.name, self.object_size, self.flags, self.ctor = name, size, flags, ctor
        self.size, self.align, self.red_left_pad = g["size"], g["align"], g["red_left_pad"]
        self.order = g["min_order"] if g["order"] > m.max_order else g["order"]
        self.objects = g["objects"] if self.order == g["order"] else g["min_objects"]
        self.min_order, self.min_objects = g["min_order"], g["min_objects"]
        self.min_partial = g["min_partial"]
        self.allocflags = COMP_BIT | (GFP_DMA if flags & SLAB_CACHE_DMA else 0)
        self.cpu_slab = [None] * m.cpus
        self.partial, self.full = [], []
        self.nr_slabs = self.total_objects = self.nr_pages = 0
        self.ctor_calls = self.alloc_calls = self.free_calls = 0
        self.alive = True

    def slabs(self):
        return self.partial + self.full + [s for s in self.cpu_slab if s]


class Model:
    def __init__(self, nr_pages, dma_pages, cpus, max_order=MAX_PAGE_ORDER,
                 profile=0, slub_debug=0):
        self.nr_pages, self.cpus, self.max_order = nr_pages, cpus, max_order
        self.profile, self.slub_debug = profile, slub_debug
        self.cpu = 0
        self.state = [FREE] * nr_pages
        self.order = [0] * nr_pages
        self.head = [None] * nr_pages
        self.owner = {}             # head pfn -> "pages" | "large" | Slab
        self.slab_cache = {}        # slab head pfn -> Cache
        self.large_size = {}        # head pfn of a large kmalloc -> requested size
        self.zones = [Zone("DMA", 0, dma_pages, cpus, max_order),
                      Zone("Normal", dma_pages, nr_pages, cpus, max_order)]
        self.zone_of = [0 if p < dma_pages else 1 for p in range(nr_pages)]
        self.nr_allocated = 0
        self.alloc_calls = self.free_calls = self.failed_calls = 0
        self.fail_skip = self.fail_times = 0
        self.errors = [0] * NR_KALLOC_ERRORS
        self.slab_pages = self.large_pages = self.large_allocs = 0
        self.caches = []            # creation order
        for z in self.zones:
            pfn = z.start
            while pfn < z.end:
                o = max_order
                while o and (pfn & ((1 << o) - 1) or pfn + (1 << o) > z.end):
                    o -= 1
                self._add_free(z, pfn, o)
                pfn += 1 << o
        self.initial = self.buddy_snapshot()
        self.kmalloc_init()

    # -- errors -----------------------------------------------------------
    def report(self, code):
        self.errors[code] += 1
        return -code

    # -- buddy ------------------------------------------------------------
    def _add_free(self, z, pfn, order):
        self.state[pfn], self.order[pfn] = BUDDY, order
        z.free_area[order].insert(0, pfn)
        z.free_pages += 1 << order

    def _del_free(self, z, pfn, order):
        z.free_area[order].remove(pfn)
        self.state[pfn], self.order[pfn] = FREE, 0
        z.free_pages -= 1 << order

    def _rmqueue_smallest(self, z, order):
        for cur in range(order, self.max_order + 1):
            if not z.free_area[cur]:
                continue
            pfn = z.free_area[cur][0]
            self._del_free(z, pfn, cur)
            while cur > order:
                cur -= 1
                self._add_free(z, pfn + (1 << cur), cur)
            return pfn
        return None

    def _rmqueue(self, z, order):
        if order:
            return self._rmqueue_smallest(z, order)
        pcp = z.pcp[self.cpu]
        if not pcp:
            for _ in range(z.pcp_batch):
                pfn = self._rmqueue_smallest(z, 0)
                if pfn is None:
                    break
                self.state[pfn] = PCP
                pcp.append(pfn)
                z.pcp_pages += 1
            if not pcp:
                return None
        pfn = pcp.pop(0)
        self.state[pfn] = FREE
        z.pcp_pages -= 1
        return pfn

    def _zonelist(self, gfp, order):
        pfn = None
        dma, normal = self.zones
        if not gfp & GFP_DMA and normal.present:
            pfn = self._rmqueue(normal, order)
        if pfn is None and dma.present:
            pfn = self._rmqueue(dma, order)
        return pfn

    def _drain_zonelist(self, gfp):
        """Empty the per-CPU lists of the zones @gfp may use; False if empty."""
        dma, normal = self.zones
        drained = False
        for z in ([dma] if gfp & GFP_DMA else [normal, dma]):
            if z.pcp_pages:
                for pcp in z.pcp:
                    self._free_pcp_bulk(z, pcp, 1 << 62)
                drained = True
        return drained

    def alloc_pages(self, gfp, order, owner="pages"):
        """The head pfn, or None."""
        self.alloc_calls += 1
        if order > self.max_order:
            self.failed_calls += 1
            self.report(KERR_INVAL)
            return None
        if self.fail_times:
            if self.fail_skip:
                self.fail_skip -= 1
            else:
                self.fail_times -= 1
                self.failed_calls += 1
                return None
        pfn = self._zonelist(gfp, order)
        # Linux's slow path drains the per-CPU lists and retries once.
        if pfn is None and self._drain_zonelist(gfp):
            pfn = self._zonelist(gfp, order)
        if pfn is None:
            self.failed_calls += 1
            return None
        self.state[pfn], self.order[pfn], self.owner[pfn] = HEAD, order, owner
        for t in range(pfn + 1, pfn + (1 << order)):
            self.state[t], self.head[t] = TAIL, pfn
        self.nr_allocated += 1 << order
        return pfn

    def inject(self, skip, times):
        self.fail_skip = skip if times else 0
        self.fail_times = times

    def _free_one(self, z, pfn, order):
        zi = self.zones.index(z)
        while order < self.max_order:
            b = pfn ^ (1 << order)
            if b >= self.nr_pages or self.state[b] != BUDDY or self.order[b] != order \
                    or self.zone_of[b] != zi:
                break
            self._del_free(z, b, order)
            pfn &= b
            order += 1
        self._add_free(z, pfn, order)

    def _free_pcp_bulk(self, z, pcp, count):
        while count and pcp:
            count -= 1
            pfn = pcp.pop()
            self.state[pfn] = FREE
            z.pcp_pages -= 1
            self._free_one(z, pfn, 0)

    def drain_all_pages(self):
        for z in self.zones:
            for pcp in z.pcp:
                self._free_pcp_bulk(z, pcp, 1 << 62)

    def free_error(self, pfn, order):
        """The error code __free_pages(pfn, order) reports, 0 if it is a good free."""
        st = self.state[pfn]
        if st == HEAD and self.owner[pfn] == "pages" and self.order[pfn] == order:
            return 0
        if st in (BUDDY, PCP, FREE):
            return KERR_DOUBLE_FREE
        if st == TAIL:
            return KERR_NOT_HEAD
        if self.owner[pfn] != "pages":
            return KERR_WRONG_OWNER
        return KERR_WRONG_ORDER

    def free_pages(self, pfn, order, internal=False):
        """__free_pages(); internal=True for slab and kmalloc, which clear their
        own mark first."""
        self.free_calls += 1
        if not internal:
            err = self.free_error(pfn, order)
            if err:
                return self.report(err)
        for t in range(pfn + 1, pfn + (1 << order)):
            self.state[t], self.head[t] = FREE, None
        self.state[pfn], self.order[pfn] = FREE, 0
        del self.owner[pfn]
        self.nr_allocated -= 1 << order
        z = self.zones[self.zone_of[pfn]]
        if order == 0:
            pcp = z.pcp[self.cpu]
            self.state[pfn] = PCP
            pcp.insert(0, pfn)
            z.pcp_pages += 1
            if len(pcp) >= z.pcp_high:
                self._free_pcp_bulk(z, pcp, z.pcp_batch)
            return 0
        self._free_one(z, pfn, order)
        return 0

    def free_pages_addr_error(self, off, order):
        """free_pages() of an address given as an offset from the base."""
        if off < 0 or off >= self.nr_pages << PAGE_SHIFT:
            return KERR_BAD_ADDRESS
        if off & (PAGE_SIZE - 1):
            return KERR_NOT_HEAD
        return self.free_error(off >> PAGE_SHIFT, order)

    def head_of(self, pfn):
        return self.head[pfn] if self.state[pfn] == TAIL else pfn

    # -- views ------------------------------------------------------------
    def buddy_snapshot(self):
        return [(z.free_pages, z.pcp_pages, tuple(z.nr_free())) for z in self.zones]

    def pages_live(self):
        return self.nr_allocated - self.slab_pages - self.large_pages

    def page_stats(self):
        return dict(total=self.nr_pages, free=sum(z.free_pages for z in self.zones),
                    pcp=sum(z.pcp_pages for z in self.zones), pages=self.pages_live(),
                    slab=self.slab_pages, kmalloc_large=self.large_pages,
                    alloc_calls=self.alloc_calls, free_calls=self.free_calls,
                    failed_calls=self.failed_calls)

    def zone_stats(self, zi):
        z = self.zones[zi]
        if not z.present:
            return None
        return dict(name=z.name, start_pfn=z.start, spanned_pages=z.end - z.start,
                    free_pages=z.free_pages, pcp_pages=z.pcp_pages,
                    nr_free=z.nr_free(), pcp_high=z.pcp_high, pcp_batch=z.pcp_batch)

    def allowed_zones(self, gfp):
        """The zonelist: ZONE_DMA alone for GFP_DMA, else Normal then DMA."""
        dma, normal = self.zones
        return [z for z in ([dma] if gfp & GFP_DMA else [normal, dma]) if z.present]

    def buddyinfo(self):
        out = []
        for z in self.zones:
            if z.present:
                out.append("Node 0, zone %8s " % z.name +
                           "".join("%6d " % n for n in z.nr_free()[:self.max_order + 1]) + "\n")
        return "".join(out)

    def extfrag_text(self, unusable):
        """/sys/kernel/debug/extfrag/unusable_index or extfrag_index."""
        out = []
        for z in self.zones:
            if not z.present:
                continue
            nf = z.nr_free()
            vals = [unusable_index(nf, o) if unusable else fragmentation_index(nf, o)
                    for o in range(self.max_order + 1)]
            out.append("Node 0, zone %8s " % z.name +
                       "".join(fmt_thousandths(v, 1 if unusable else 2) + " " for v in vals) +
                       "\n")
        return "".join(out)

    def maximal_free_blocks(self, zi):
        """Per-order counts of the unique maximally merged decomposition of the
        zone's free pages (pages on no list, per-CPU pages excluded): what the
        free lists must hold when no two free buddies coexist."""
        z = self.zones[zi]
        free = [False] * self.nr_pages
        for o, area in enumerate(z.free_area):
            for pfn in area:
                for p in range(pfn, pfn + (1 << o)):
                    free[p] = True
        counts = [0] * (MAX_PAGE_ORDER + 1)
        pfn = z.start
        while pfn < z.end:
            if not free[pfn]:
                pfn += 1
                continue
            o = self.max_order
            while o and (pfn & ((1 << o) - 1) or pfn + (1 << o) > z.end or
                         not all(free[pfn:pfn + (1 << o)])):
                o -= 1
            counts[o] += 1
            pfn += 1 << o
        return counts

    # -- slab ---------------------------------------------------------------
    def cache_create(self, name, size, align, flags, ctor):
        if not name or len(name.encode()) >= 32:
            self.report(KERR_INVAL)
            return None
        flags |= machine_slab_flags(self.slub_debug)
        g = geometry(size, align, flags, ctor is not None, self.cpus)
        if g is None or g["min_order"] > self.max_order:
            self.report(KERR_INVAL)
            return None
        c = Cache(name, size, align, flags, ctor, g, self)
        self.caches.append(c)
        return c

    def _allocate_slab(self, c):
        order, objects = c.order, c.objects
        pfn = self.alloc_pages(c.allocflags, order, owner=None)
        if pfn is None and c.min_order < order:
            order, objects = c.min_order, c.min_objects
            pfn = self.alloc_pages(c.allocflags, order, owner=None)
        if pfn is None:
            return None
        s = Slab(pfn, order, objects)
        self.owner[pfn] = s
        self.slab_cache[pfn] = c
        self.slab_pages += 1 << order
        c.nr_pages += 1 << order
        c.nr_slabs += 1
        c.total_objects += objects
        if c.ctor:
            c.ctor_calls += objects
        return s

    def _discard_slab(self, c, s):
        self.slab_pages -= 1 << s.order
        c.nr_pages -= 1 << s.order
        c.nr_slabs -= 1
        c.total_objects -= s.objects
        del self.slab_cache[s.pfn]
        self.free_pages(s.pfn, s.order, internal=True)

    def _deactivate(self, c, s):
        s.frozen = 0
        if not s.freelist:
            c.full.insert(0, s)
        elif not s.inuse and len(c.partial) >= c.min_partial:
            self._discard_slab(c, s)
        else:
            c.partial.insert(0, s)

    def cache_alloc(self, c):
        """(slab, index) of the object handed out, or None."""
        s = c.cpu_slab[self.cpu]
        if s is None or not s.freelist:
            if s is not None:
                c.cpu_slab[self.cpu] = None
                self._deactivate(c, s)
            if c.partial:
                s = c.partial.pop(0)
            else:
                s = self._allocate_slab(c)
                if s is None:
                    return None
            s.frozen = self.cpu + 1
            c.cpu_slab[self.cpu] = s
        idx = s.freelist.pop(0)
        s.inuse += 1
        c.alloc_calls += 1
        return s, idx

    def obj_addr_off(self, s, c, idx):
        return (s.pfn << PAGE_SHIFT) + c.red_left_pad + idx * c.size

    def locate(self, off):
        """What lives at byte offset @off of memory: (slab, cache, index|None,
        live) for slab memory, or ("page", head_pfn) / ("free",) / ("outside",)."""
        if off < 0 or off >= self.nr_pages << PAGE_SHIFT:
            return ("outside",)
        pfn = off >> PAGE_SHIFT
        st = self.state[pfn]
        if st in (FREE, BUDDY, PCP):
            return ("free",)
        h = self.head_of(pfn)
        if h in self.slab_cache:
            c, s = self.slab_cache[h], self.owner[h]
            rel = off - (h << PAGE_SHIFT) - c.red_left_pad
            if rel < 0 or rel % c.size or rel // c.size >= s.objects:
                return ("slab", s, c, None, False)
            idx = rel // c.size
            return ("slab", s, c, idx, idx not in s.freelist)
        return ("page", h)

    def cache_free_error(self, c, off):
        loc = self.locate(off)
        if loc[0] == "outside":
            return KERR_BAD_ADDRESS
        if loc[0] == "free":
            return KERR_DOUBLE_FREE
        if loc[0] != "slab":
            return KERR_WRONG_OWNER
        if loc[2] is not c:
            return KERR_WRONG_CACHE
        if loc[3] is None:
            return KERR_NOT_OBJECT
        return 0 if loc[4] else KERR_DOUBLE_FREE

    def cache_free(self, c, off):
        err = self.cache_free_error(c, off)
        if err:
            return self.report(err)
        _, s, _, idx, _ = self.locate(off)
        self._do_free(c, s, idx)
        return 0

    def _do_free(self, c, s, idx):
        prior = bool(s.freelist)
        c.free_calls += 1
        s.freelist.insert(0, idx)
        s.inuse -= 1
        if s.frozen:
            return
        if not prior:
            c.full.remove(s)
            if not s.inuse and len(c.partial) >= c.min_partial:
                self._discard_slab(c, s)
            else:
                c.partial.append(s)
            return
        if not s.inuse and len(c.partial) > c.min_partial:
            c.partial.remove(s)
            self._discard_slab(c, s)

    def cache_shrink(self, c):
        before = c.nr_pages
        for cpu in range(self.cpus):
            s = c.cpu_slab[cpu]
            if s:
                c.cpu_slab[cpu] = None
                self._deactivate(c, s)
        for s in list(c.partial):
            if not s.inuse:
                c.partial.remove(s)
                self._discard_slab(c, s)
        return before - c.nr_pages

    def cache_destroy(self, c):
        if c.flags & SLAB_KMALLOC:
            return self.report(KERR_INVAL)
        self.cache_shrink(c)
        if c.nr_slabs:
            return self.report(KERR_CACHE_BUSY)
        self.caches.remove(c)
        c.alive = False
        return 0

    def cache_stats(self, c):
        cpu = [s for s in c.cpu_slab if s]
        return dict(name=c.name, object_size=c.object_size, size=c.size, align=c.align,
                    objs_per_slab=c.objects, pages_per_slab=1 << c.order, order=c.order,
                    flags=c.flags,
                    active_objs=sum(s.inuse for s in c.slabs()), num_objs=c.total_objects,
                    num_slabs=c.nr_slabs, partial_slabs=len(c.partial), full_slabs=len(c.full),
                    cpu_slabs=len(cpu),
                    empty_slabs=sum(1 for s in c.partial + cpu if not s.inuse),
                    pages=c.nr_pages, ctor_calls=c.ctor_calls, alloc_calls=c.alloc_calls,
                    free_calls=c.free_calls)

    def slabinfo(self):
        out = ["slabinfo - version: 2.1\n",
               "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
               " : tunables <limit> <batchcount> <sharedfactor>"
               " : slabdata <active_slabs> <num_slabs> <sharedavail>\n"]
        for c in reversed(self.caches):
            free = sum(s.objects - s.inuse for s in c.partial)
            out.append("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d\n"
                       % (c.name, c.total_objects - free, c.total_objects, c.size, c.objects,
                          1 << c.order, 0, 0, 0, c.nr_slabs, c.nr_slabs, 0))
        return "".join(out)

    # -- kmalloc ----------------------------------------------------------
    def kmalloc_init(self):
        classic = self.profile == KMALLOC_PROFILE_CLASSIC
        self.k_sizes = CLASSIC_SIZES if classic else DEFAULT_SIZES
        kinds = [NORMAL, DMA] if classic else [NORMAL, RECLAIM, DMA, CGROUP]
        self.k_max_cache = self.k_sizes[-1]
        self.k_max = 131072 if classic else 4 << 20
        if self.k_max > PAGE_SIZE << self.max_order and self.k_max > self.k_max_cache:
            self.k_max = PAGE_SIZE << self.max_order
        self.k_caches = {}
        self.bootable = True
        for kind in kinds:
            flags = SLAB_KMALLOC | {DMA: SLAB_CACHE_DMA, RECLAIM: SLAB_RECLAIM_ACCOUNT,
                                    CGROUP: SLAB_ACCOUNT}.get(kind, 0)
            odd = [s for s in self.k_sizes if s & (s - 1)]
            even = [s for s in self.k_sizes if not s & (s - 1)]
            for size in odd + even:
                align = 0 if size & (size - 1) else size
                c = self.cache_create(kmalloc_cache_name(self.profile, kind, size), size, align,
                                      flags, None)
                if c is None:       # e.g. poison needs one order more than max_order
                    self.bootable = False
                self.k_caches[kind, size] = c

    def kmalloc_class(self, size, gfp):
        """The cache kmalloc(@size, @gfp) uses, "large" or None (refused/zero)."""
        if size == 0 or size > self.k_max:
            return None
        if size > self.k_max_cache:
            return "large"
        cls = min(s for s in self.k_sizes if s >= size)
        return self.k_caches[kmalloc_kind(self.profile, gfp), cls]

    def kmalloc(self, size, gfp):
        """An offset into memory, ZERO_SIZE_PTR as ("zero",), or None."""
        if size == 0:
            return ("zero",)
        if size > self.k_max:
            self.report(KERR_TOO_BIG)
            return None
        cls = self.kmalloc_class(size, gfp)
        if cls == "large":
            order = get_order(size)
            pfn = self.alloc_pages(gfp | COMP_BIT, order, owner="large")
            if pfn is None:
                return None
            self.large_pages += 1 << order
            self.large_allocs += 1
            self.large_size[pfn] = size
            return pfn << PAGE_SHIFT
        r = self.cache_alloc(cls)
        if r is None:
            return None
        s, idx = r
        return self.obj_addr_off(s, cls, idx)

    def ksize(self, off):
        loc = self.locate(off)
        if loc[0] == "slab" and loc[3] is not None and loc[4]:
            return loc[2].object_size
        if loc[0] == "page" and self.owner.get(loc[1]) == "large" and off == loc[1] << PAGE_SHIFT:
            return PAGE_SIZE << self.order[loc[1]]
        return 0

    def kfree_error(self, off):
        loc = self.locate(off)
        if loc[0] == "outside":
            return KERR_BAD_ADDRESS
        if loc[0] == "free":
            return KERR_DOUBLE_FREE
        if loc[0] == "slab":
            if loc[3] is None:
                return KERR_NOT_OBJECT
            return 0 if loc[4] else KERR_DOUBLE_FREE
        h = loc[1]
        if self.owner[h] == "large":
            return 0 if off == h << PAGE_SHIFT else KERR_NOT_HEAD
        return KERR_WRONG_OWNER

    def kfree(self, off):
        err = self.kfree_error(off)
        if err:
            return self.report(err)
        loc = self.locate(off)
        if loc[0] == "slab":
            self._do_free(loc[2], loc[1], loc[3])
            return 0
        h = loc[1]
        order = self.order[h]
        self.large_pages -= 1 << order
        self.large_allocs -= 1
        del self.large_size[h]
        return self.free_pages(h, order, internal=True)

    def kmalloc_stats(self):
        kinds = 2 if self.profile == KMALLOC_PROFILE_CLASSIC else 4
        return dict(large_allocs=self.large_allocs, large_pages=self.large_pages,
                    nr_caches=kinds * len(self.k_sizes))
