"""vm_machines.py - hypothesis state machines for vmalloc and for a process
(brk, anonymous mappings, demand paging), with their models.

The models are this file's own arithmetic, written from Linux's rules, not
from the C harness (harness/vm_oracle.c checks the same things in C):

VmallocModel: each live area's address and pages; areas never overlap and
each keeps its guard page (the page after an area is no area's page and has
no frame); a byte written through an area's address reads back through its
frame's direct-map address; the frames of all areas are distinct; vmalloc
owns exactly the live areas' pages (page_owner_counts); vfree of an address
inside an area, of one freed already, of a foreign one is refused with its
code (KERR_NOT_HEAD, KERR_DOUBLE_FREE, KERR_BAD_ADDRESS) and changes
nothing; touching the guard page is KERR_FAULT.

ProcessModel: the break and the mappings, and a copy of every page written;
RSS (mm_stats.rss) is the number of pages written and still mapped, computed
here - a read maps the zero page and adds nothing; a write or read outside
every mapping is KERR_FAULT and changes nothing; brk below its start is
KERR_INVAL; past the commit limit (set here) KERR_NOMEM; shrinking the break
or unmapping gives the pages' frames back (user pages owned == RSS).

Both tear down to the boot state: every frame free.  Skipped when the
library has no vmalloc / mm (lib.missing).

VmallocMachine, ProcessMachine.
"""
import ctypes as C

from hypothesis import assume, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, Bundle, rule, invariant, consumes, precondition

import kalloc as K

PAGE = K.PAGE_SIZE
OWNER = {n: i for i, n in enumerate(getattr(K, "PAGE_OWNER_NAMES", []))}
VMALLOC_FNS = ("vmalloc", "vzalloc", "vfree", "vmalloc_to_page", "is_vmalloc_addr", "vmalloc_touch",
               "page_owner_counts", "kvmalloc", "kvfree")
MM_FNS = ("mm_create", "mm_destroy", "mm_brk", "mm_mmap", "mm_munmap", "mm_write", "mm_read",
          "mm_stats", "mm_pte", "mm_zero_pfn", "page_owner_counts")


def has(fns):
    lib = K.load()
    return all(f in K.SIGNATURES and f not in lib.missing for f in fns)


def err(k, name):
    """-code of @name; the names come from the library, whatever their number."""
    for c in range(1, 64):
        n = k.lib.kalloc_error_name(c)
        if n and n.decode() == name:
            return -c
    raise KeyError(name)


def owners(k):
    out = (C.c_ulong * len(OWNER))()
    k.lib.page_owner_counts(k.m, out)
    return {n: out[i] for n, i in OWNER.items()}


def boot():
    return K.Kalloc(nr_pages=1024, dma_pages=128, nr_cpus=1)


def all_free(k):
    """Every frame back on the free lists, by the owner table."""
    k.lib.drain_all_pages(k.m)
    o = owners(k)
    return o["free"] == k.nr_pages, o


class VmallocMachine(RuleBasedStateMachine):
    areas = Bundle("areas")

    def __init__(self):
        super().__init__()
        self.k = boot()
        self.live = {}          # address: (size, pages, [pfns])
        self.gone = []          # addresses freed
        self.guard_fault = err(self.k, "KERR_FAULT")

    # -- the model's own checks ----------------------------------------------
    def _pfn(self, a):
        pg = self.k.lib.vmalloc_to_page(self.k.m, a)
        return self.k.lib.page_to_pfn(self.k.m, pg) if pg else None

    def _add(self, p, size, zero):
        k = self.k
        assert p % PAGE == 0, "an area starts on a page"
        assert k.lib.is_vmalloc_addr(k.m, p)
        pages = (size + PAGE - 1) // PAGE
        for q, (_, qp, _) in self.live.items():     # each with its guard page
            assert p + (pages + 1) * PAGE <= q or q + (qp + 1) * PAGE <= p, \
                "area of %d pages on another of %d pages or its guard page" % (pages, qp)
        pfns = []
        for i in range(pages):
            va = p + i * PAGE
            pfn = self._pfn(va)
            assert pfn is not None, "page %d of the area has a frame" % i
            da = k.lib.page_address(k.m, k.lib.pfn_to_page(k.m, pfn))
            if zero:
                assert C.string_at(va, min(PAGE, size - i * PAGE)) == bytes(min(PAGE, size - i * PAGE))
            C.memmove(va, bytes([0x5a ^ (i & 0xff)]), 1)    # through the area ...
            assert C.string_at(da, 1) == bytes([0x5a ^ (i & 0xff)]), "aliasing: the frame reads it"
            pfns.append(pfn)
        assert self._pfn(p + pages * PAGE) is None, "the guard page has no frame"
        self.live[p] = (size, pages, pfns)
        return p

    @rule(target=areas, size=st.one_of(st.integers(1, 3 * PAGE), st.integers(1, 64 * PAGE)),
          zero=st.booleans())
    def vmalloc(self, size, zero):
        p = K.addr((self.k.lib.vzalloc if zero else self.k.lib.vmalloc)(self.k.m, size))
        assume(p)       # out of frames or range: not this machine's question
        return self._add(p, size, zero)

    @rule(p=consumes(areas))
    def vfree(self, p):
        assert self.k.lib.vfree(self.k.m, p) == 0
        del self.live[p]
        self.gone.append(p)

    @rule(p=areas)
    def touch_guard(self, p):
        if p not in self.live:
            return
        before = self.k.errors()
        assert self.k.lib.vmalloc_touch(self.k.m, p + self.live[p][1] * PAGE, 0) == self.guard_fault

    @rule(p=areas, off=st.integers(1, 64 * PAGE))
    def vfree_interior(self, p, off):
        if p not in self.live:
            return
        size = self.live[p][0]
        off = off % max(size - 1, 1) + 1 if size > 1 else 0
        assume(off)
        before = owners(self.k)
        assert self.k.lib.vfree(self.k.m, p + off) == err(self.k, "KERR_NOT_HEAD")
        assert owners(self.k) == before, "a refused vfree changes nothing"

    @precondition(lambda self: self.gone)
    @rule(data=st.data())
    def vfree_again(self, data):
        p = data.draw(st.sampled_from(self.gone))
        if any(q <= p < q + (qp + 1) * PAGE for q, (_, qp, _) in self.live.items()):
            return      # its range went to a new area
        assert self.k.lib.vfree(self.k.m, p) == err(self.k, "KERR_DOUBLE_FREE")

    @rule()
    def vfree_foreign(self):
        assert self.k.lib.vfree(self.k.m, self.k.base + self.k.nr_pages * PAGE) == \
            err(self.k, "KERR_BAD_ADDRESS")

    @invariant()
    def frames(self):
        got = owners(self.k)["vmalloc"]
        want = sum(pages for _, pages, _ in self.live.values())
        assert got == want, "vmalloc owns %d pages, its areas %d" % (got, want)
        pfns = [f for _, _, fs in self.live.values() for f in fs]
        assert len(pfns) == len(set(pfns)), "a frame in two pages"

    def teardown(self):
        try:
            for p in list(self.live):
                assert self.k.lib.vfree(self.k.m, p) == 0
                del self.live[p]
            self.frames()
            ok, ps = all_free(self.k)
            assert ok, "every frame back after the last vfree: %r" % ps
        finally:
            self.k.close()


class ProcessMachine(RuleBasedStateMachine):
    COMMIT = 64         # pages of data: brk area + mappings

    maps = Bundle("maps")

    def __init__(self):
        super().__init__()
        self.k = boot()
        cfg = K.MmConfig(K.MM_SPAN_MIN, self.COMMIT, 1)
        self.mm = self.k.lib.mm_create(self.k.m, C.byref(cfg))
        assert self.mm
        self.start = self.brk = self.k.lib.mm_start_brk(self.mm)
        self.maps_live = {}     # address: pages
        self.pages = {}         # page address: bytearray, the model's copy
        self.seq = 0
        self.fault = err(self.k, "KERR_FAULT")

    def _data(self):
        return (self.brk - self.start) // PAGE + sum(self.maps_live.values())

    def _vma(self, pg):
        return self.start <= pg < self.brk or \
            any(a <= pg < a + n * PAGE for a, n in self.maps_live.items())

    def _drop(self, lo, hi):
        for pg in [pg for pg in self.pages if lo <= pg < hi]:
            del self.pages[pg]

    @rule(delta=st.integers(-24, 24))
    def brk(self, delta):
        want = self.brk + delta * PAGE
        rc = self.k.lib.mm_brk(self.mm, want)
        if want < self.start:
            assert rc == err(self.k, "KERR_INVAL"), "brk below the heap's start"
            return
        if delta > 0 and self._data() + delta > self.COMMIT:
            assert rc == err(self.k, "KERR_NOMEM"), "brk past the commit limit"
            return
        if any(self.brk <= a < want for a in self.maps_live):
            assert rc != 0
            return
        assert rc == 0
        if want < self.brk:
            self._drop(want, self.brk)
        self.brk = want

    @rule(target=maps, pages=st.integers(1, 24))
    def mmap(self, pages):
        out = C.c_ulong()
        rc = self.k.lib.mm_mmap(self.mm, pages * PAGE, C.byref(out))
        if self._data() + pages > self.COMMIT:
            assert rc == err(self.k, "KERR_NOMEM"), "mmap past the commit limit"
            assume(False)
        assert rc == 0 and out.value % PAGE == 0
        a = out.value
        assert not any(self._vma(a + i * PAGE) for i in range(pages)), "a mapping on another"
        self.maps_live[a] = pages
        return a

    @rule(a=consumes(maps))
    def munmap(self, a):
        n = self.maps_live.pop(a)
        assert self.k.lib.mm_munmap(self.mm, a, n * PAGE) == 0
        self._drop(a, a + n * PAGE)

    def _where(self, a, off):
        return (a if a is not None else self.start) + off

    @rule(a=st.one_of(st.none(), maps), off=st.integers(0, 30 * PAGE), n=st.integers(0, 3 * PAGE))
    def write(self, a, off, n):
        addr = self._where(a, off)
        self.seq += 1
        data = bytes((self.seq * 131 + i * 7) & 0xff | 1 for i in range(n))
        inside = not n or all(self._vma(pg) for pg in range(addr & ~(PAGE - 1), addr + n, PAGE))
        rc = self.k.lib.mm_write(self.mm, addr, data, n)
        if not inside:
            assert rc == self.fault, "a write outside every mapping faults"
            return
        assert rc == 0
        for i in range(n):
            pg = (addr + i) & ~(PAGE - 1)
            self.pages.setdefault(pg, bytearray(PAGE))[(addr + i) - pg] = data[i]

    @rule(a=st.one_of(st.none(), maps), off=st.integers(0, 30 * PAGE), n=st.integers(0, 3 * PAGE))
    def read(self, a, off, n):
        addr = self._where(a, off)
        buf = C.create_string_buffer(max(n, 1))
        inside = not n or all(self._vma(pg) for pg in range(addr & ~(PAGE - 1), addr + n, PAGE))
        rc = self.k.lib.mm_read(self.mm, addr, buf, n)
        if not inside:
            assert rc == self.fault, "a read outside every mapping faults"
            return
        assert rc == 0
        for i in range(n):
            pg = (addr + i) & ~(PAGE - 1)
            want = self.pages[pg][(addr + i) - pg] if pg in self.pages else 0
            assert buf.raw[i] == want, "byte %d of the read: %d, not %d" % (i, buf.raw[i], want)

    @invariant()
    def rss(self):
        st_ = K.MmStats()
        self.k.lib.mm_stats(self.mm, C.byref(st_))
        assert st_.rss == len(self.pages), \
            "RSS %d pages, %d written (a read maps the zero page)" % (st_.rss, len(self.pages))
        assert owners(self.k)["user"] == len(self.pages), "user pages owned equal the written ones"

    def teardown(self):
        try:
            for a in list(self.maps_live):
                self.munmap(a)
            assert self.k.lib.mm_brk(self.mm, self.start) == 0
            self._drop(self.start, self.brk)
            self.brk = self.start
            self.rss()
            self.k.lib.mm_destroy(self.mm)
            self.mm = None
            ok, ps = all_free(self.k)
            assert ok, "every frame back after the process exits: %r" % ps
        finally:
            if self.mm:
                self.k.lib.mm_destroy(self.mm)
            self.k.close()
