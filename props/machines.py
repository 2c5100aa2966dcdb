"""machines.py - hypothesis RuleBasedStateMachines over kalloc, one per layer and
one over the whole machine.

Each machine boots a Sim (system.py: the library and the reference model in
lockstep), keeps live handles in bundles (consumed when freed), has a rule
for every operation of its layer, and checks after every step (invariant):
the library's own machine_check, page conservation, maximal merging, the
extfrag indices, and every stats export and /proc file equal to the model.
Each operation also checks its own properties as it runs (system.py).

teardown() frees everything, shrinks and destroys every cache, drains the
per-CPU lists and requires the buddy allocator back in its boot state; it
reports the highest unusable index seen to hypothesis.target(), which steers
programs toward fragmentation.

BuddyMachine, SlabMachine, KmallocMachine, WholeMachine; KnuthMachine checks
Knuth's bound for the binary buddy system.
"""
import sys

from hypothesis import assume, target, event
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, Bundle, rule, initialize, invariant,
                                 precondition, consumes, multiple)

import kalloc as K
from system import Sim

# A base (GFP_KERNEL or GFP_ATOMIC) with any subset of the modifiers that change
# what the allocators do: combinations matter (GFP_DMA | __GFP_RECLAIMABLE
# must still be DMA).
GFPS = st.tuples(st.sampled_from([K.GFP_KERNEL, K.GFP_ATOMIC]),
                 st.sets(st.sampled_from([K.GFP_DMA, K.ZERO_BIT, K.RECLAIMABLE_BIT,
                                          K.ACCOUNT_BIT]))).map(lambda t: t[0] | sum(t[1]))
KM_GFPS = GFPS
SMALL_SIZES = st.one_of(st.integers(1, 256), st.integers(1, 8192),
                        st.sampled_from([8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048,
                                         4096, 8192, 8193]))
SIZES = st.one_of(SMALL_SIZES, st.integers(8193, 1 << 20), st.sampled_from([16384, 1 << 20]))


def configs(min_pages=256, max_pages=2048, classic=False):
    """Machine configurations: small, so that exhaustion and fragmentation are
    reached in a few dozen steps, with and without a DMA zone."""
    return st.fixed_dictionaries(dict(
        nr_pages=st.sampled_from([p for p in (256, 384, 512, 1024, 2048) if
                                  min_pages <= p <= max_pages]),
        dma_pages=st.sampled_from([0, 16, 64, 256]),
        nr_cpus=st.integers(1, 4),
        max_order=st.sampled_from([10, 10, 5, 3] if not classic else [10, 6]),
        profile=st.sampled_from([0, 1]) if classic else st.just(0),
        slub_debug=st.sampled_from([0, 0, K.MACHINE_SLUB_POISON])))


class SimMachine(RuleBasedStateMachine):
    """Boot, per-step check, teardown; machine-level rules every layer shares."""
    CONFIGS = configs()

    def __init__(self):
        super().__init__()
        self.sim = None
        self.freed = []          # Alloc records of freed blocks, for wrong frees

    @initialize(data=st.data())
    def boot(self, data):
        cfg = dict(data.draw(type(self).CONFIGS, label="config"))
        cfg["dma_pages"] = min(cfg["dma_pages"], cfg["nr_pages"])
        self.sim = Sim(**cfg)
        event("nr_cpus=%d dma=%d" % (cfg["nr_cpus"], cfg["dma_pages"] > 0))

    @invariant()
    def everything_agrees(self):
        if self.sim:
            self.sim.check_all()

    def teardown(self):
        if not self.sim:
            return
        try:
            if sys.exc_info()[0] is None:
                target(self.sim.max_unusable / 1000.0, label="unusable index, order 3")
                self.sim.free_everything()
        finally:
            self.sim.close()
            self.sim = None

    @rule(cpu=st.integers(0, 4))
    def set_cpu(self, cpu):
        self.sim.set_cpu(cpu)

    @rule()
    def drain(self):
        self.sim.drain()

    @rule(skip=st.integers(0, 3), times=st.integers(0, 2))
    def inject(self, skip, times):
        self.sim.inject(skip, times)


class BuddyRules(SimMachine):
    blocks = Bundle("blocks")

    @rule(target=blocks, gfp=GFPS, order=st.integers(0, 11), via_page=st.booleans())
    def alloc_pages(self, gfp, order, via_page):
        al = self.sim.alloc_pages(gfp, order, via_page)
        return al if al else multiple()

    @rule(target=blocks, gfp=GFPS, how=st.sampled_from(["page", "addr", "zeroed"]))
    def alloc_one_page(self, gfp, how):
        """alloc_page, __get_free_page, get_zeroed_page."""
        al = self.sim.alloc_pages(gfp, 0, via_page=how == "page",
                                  single="zeroed" if how == "zeroed" else True)
        return al if al else multiple()

    @rule(target=blocks, gfp=GFPS, n=st.integers(1, 12))
    def alloc_many_order0(self, gfp, n):
        """Enough order-0 pages to go through the per-CPU refill and drain paths."""
        out = [self.sim.alloc_pages(gfp, 0) for _ in range(n)]
        return multiple(*[a for a in out if a])

    @rule(al=consumes(blocks), via_page=st.booleans())
    def free_pages(self, al, via_page):
        self.sim.free_pages(al, via_page)
        self.freed.append(al)

    @rule(al=blocks, delta=st.sampled_from([-1, 1, 2]))
    def free_wrong_order(self, al, delta):
        order = al.order + delta
        assume(0 <= order <= 20)
        self.sim.bad_free_pages(self.sim.off(al.addr), order)

    @precondition(lambda self: self.freed)
    @rule(i=st.integers(0, 1 << 16), via_page=st.booleans())
    def double_free(self, i, via_page):
        al = self.freed[i % len(self.freed)]
        off = self.sim.off(al.addr)
        assume(self.sim.free_pages_error(off, al.order, via_page))
        self.sim.bad_free_pages(off, al.order, via_page)

    @rule(al=blocks, page=st.integers(1, 1023))
    def free_tail(self, al, page):
        assume(al.order > 0)
        tail = 1 + page % ((1 << al.order) - 1)
        self.sim.bad_free_pages(self.sim.off(al.addr) + tail * K.PAGE_SIZE, al.order)

    @rule(where=st.sampled_from(["outside", "below", "unaligned"]), order=st.integers(0, 3))
    def free_bad_address(self, where, order):
        n = self.sim.m.nr_pages * K.PAGE_SIZE
        off = {"outside": n, "below": -K.PAGE_SIZE, "unaligned": 8}[where]
        assume(self.sim.m.free_pages_addr_error(off, order))
        self.sim.bad_free_pages(off, order)

    @rule()
    def verify_contents(self):
        self.sim.verify_all()


class SlabRules(SimMachine):
    caches = Bundle("caches")
    objects = Bundle("objects")

    @rule(target=caches, size=st.one_of(st.integers(1, 600), st.integers(1, 9000),
                                        st.sampled_from([8, 64, 192, 1040, 4096, 4097])),
          align=st.sampled_from([0, 0, 8, 16, 64, 256, 24]),
          flags=st.sets(st.sampled_from([K.SLAB_HWCACHE_ALIGN, K.SLAB_CACHE_DMA, K.SLAB_POISON,
                                         K.SLAB_TYPESAFE_BY_RCU, K.SLAB_ACCOUNT]), max_size=3),
          ctor=st.booleans())
    def cache_create(self, size, align, flags, ctor):
        name = "cache%d" % (len(self.sim.caches) + 1)
        ref = self.sim.cache_create(name, size, align, sum(flags), ctor)
        return ref if ref else multiple()

    @rule(target=objects, ref=caches, zero=st.booleans())
    def cache_alloc(self, ref, zero):
        al = self.sim.cache_alloc(ref, K.GFP_KERNEL | (K.ZERO_BIT if zero else 0))
        return al if al else multiple()

    @rule(target=objects, ref=caches, n=st.integers(1, 40))
    def cache_alloc_many(self, ref, n):
        out = [self.sim.cache_alloc(ref) for _ in range(n)]
        return multiple(*[a for a in out if a])

    @rule(al=consumes(objects))
    def cache_free(self, al):
        self.sim.cache_free(al)
        self.freed.append(al)

    @rule(al=objects, ref=caches)
    def free_into_wrong_cache(self, al, ref):
        assume(ref is not al.cache)
        self.sim.bad_cache_free(ref, self.sim.off(al.addr))

    @rule(al=objects, delta=st.integers(1, 64))
    def free_inside_object(self, al, delta):
        assume(delta < al.cache.m.size)
        self.sim.bad_cache_free(al.cache, self.sim.off(al.addr) + delta)

    @precondition(lambda self: self.freed)
    @rule(i=st.integers(0, 1 << 16))
    def double_cache_free(self, i):
        al = self.freed[i % len(self.freed)]
        assume(al.kind == "obj" and al.cache in self.sim.caches)
        off = self.sim.off(al.addr)
        assume(self.sim.m.cache_free_error(al.cache.m, off))
        self.sim.bad_cache_free(al.cache, off)

    @rule(ref=caches)
    def cache_shrink(self, ref):
        self.sim.cache_shrink(ref)

    @rule(target=caches, ref=consumes(caches))
    def cache_destroy(self, ref):
        if self.sim.cache_destroy(ref):
            return multiple()
        return ref


class KmallocRules(SimMachine):
    ptrs = Bundle("ptrs")

    @rule(target=ptrs, size=SIZES, gfp=KM_GFPS, zero=st.booleans())
    def kmalloc(self, size, gfp, zero):
        al = self.sim.kmalloc(size, gfp, zero)
        return al if al else multiple()

    @rule(target=ptrs, n=st.one_of(st.integers(0, 64), st.just(1 << 62), st.just(K.SIZE_MAX)),
          size=st.one_of(st.integers(0, 512), st.just(1 << 62), st.just(K.SIZE_MAX)),
          zero=st.booleans())
    def kmalloc_array(self, n, size, zero):
        al = self.sim.kmalloc_array(n, size, zero=zero)
        return al if al else multiple()

    @rule(target=ptrs, al=consumes(ptrs), size=SIZES)
    def krealloc(self, al, size):
        nal = self.sim.krealloc(al, size)
        if nal is None and self.sim.live.get(al.id) is al:
            return al            # failed: still live
        return nal if nal else multiple()

    @rule(al=consumes(ptrs))
    def kfree(self, al):
        self.sim.kfree(al)
        self.freed.append(al)

    @rule(al=ptrs, delta=st.integers(1, 4096))
    def kfree_inside(self, al, delta):
        off = self.sim.off(al.addr) + delta
        assume(self.sim.m.kfree_error(off))
        self.sim.bad_kfree(off)

    @precondition(lambda self: self.freed)
    @rule(i=st.integers(0, 1 << 16))
    def double_kfree(self, i):
        al = self.freed[i % len(self.freed)]
        off = self.sim.off(al.addr)
        assume(self.sim.m.kfree_error(off))
        self.sim.bad_kfree(off)

    @rule(p=st.sampled_from([0, K.ZERO_SIZE_PTR]))
    def kfree_null(self, p):
        before = self.sim.snapshot()
        assert self.sim.k.kfree(p) == 0 and self.sim.k.ksize(p) == 0
        assert self.sim.snapshot() == before, "kfree(%#x) changed something" % p


class BuddyMachine(BuddyRules):
    pass


class SlabMachine(SlabRules):
    pass


class KmallocMachine(KmallocRules):
    CONFIGS = configs(classic=True)


class WholeMachine(BuddyRules, SlabRules, KmallocRules):
    CONFIGS = configs(classic=True)

    @rule(ref=SlabRules.caches, gfp=KM_GFPS)
    def pages_and_objects_do_not_mix(self, ref, gfp):
        """kfree of a cache object is accepted as in Linux 6.x; covered by kfree
        rules.  Here: free_pages of a slab object's page is refused."""
        if not ref.m.nr_slabs:
            return
        s = (ref.m.partial + ref.m.full + [x for x in ref.m.cpu_slab if x])[0]
        self.sim.bad_free_pages(s.pfn * K.PAGE_SIZE, s.order)


class KnuthMachine(RuleBasedStateMachine):
    """Knuth's bound for the binary buddy system: with requests of orders 0..r
    and never more than L pages live, a memory of (r + 1) * L pages never fails
    a request.  One zone of N = 2^k pages, L = N / (r + 1).  (Per-CPU pages are
    not free; alloc_pages drains them before it gives up, as Linux does.)"""
    blocks = Bundle("kblocks")

    @initialize(k=st.integers(6, 10), r=st.integers(1, 5), cpus=st.integers(1, 3))
    def boot(self, k, r, cpus):
        self.r = r
        self.sim = Sim(nr_pages=1 << k, dma_pages=0, nr_cpus=cpus, max_order=min(10, k))
        self.limit = (1 << k) // (r + 1)
        self.live_pages = 0

    @rule(target=blocks, order=st.integers(0, 5))
    def alloc(self, order):
        assume(order <= self.r and self.live_pages + (1 << order) <= self.limit)
        al = self.sim.alloc_pages(K.GFP_KERNEL, order)
        assert al is not None, "Knuth's bound: order-%d request failed with %d of %d pages " \
            "live, limit %d" % (order, self.live_pages, self.sim.m.nr_pages, self.limit)
        self.live_pages += 1 << order
        return al

    @rule(al=consumes(blocks))
    def free(self, al):
        self.sim.free_pages(al)
        self.live_pages -= 1 << al.order

    @rule(cpu=st.integers(0, 2))
    def set_cpu(self, cpu):
        if cpu < self.sim.m.cpus:
            self.sim.set_cpu(cpu)

    @invariant()
    def agrees(self):
        if getattr(self, "sim", None):
            self.sim.check_all()

    def teardown(self):
        if getattr(self, "sim", None):
            try:
                if sys.exc_info()[0] is None:
                    self.sim.free_everything()
            finally:
                self.sim.close()
