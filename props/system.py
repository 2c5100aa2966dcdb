"""system.py - one simulated machine driven through ctypes and the model in lockstep.

Sim runs every operation on the library and on the reference model, asserts
that the library returned what the model predicts (the same address, the same
error code), checks the per-operation properties (alignment, bounds, zone, no
overlap, content patterns, kmalloc class), and check_all() compares every
stats export and /proc text with the model after each step.

The state machines (test_*.py) and the op-program executor (ops.py) both
drive a Sim; a failure raises AssertionError naming the property.
"""
import os

import kalloc as K
from model import (Model, get_order, unusable_index, fragmentation_index, HEAD)

PATTERN_SPAN = 2048      # bytes written and verified at each end of an allocation
# PROPS_NO_LIBCHECK=1: leave out the library's own machine_check, to show what
# the model-based properties catch on their own (make props-bugs NO_LIBCHECK=1).
NO_LIBCHECK = bool(os.environ.get("PROPS_NO_LIBCHECK"))


class MachineRefused(Exception):
    """Library and model agree this configuration cannot boot."""


class Alloc:
    __slots__ = ("id", "kind", "addr", "size", "order", "cache", "gfp", "page")

    def __init__(self, id, kind, addr, size, order=0, cache=None, gfp=0, page=None):
        self.id, self.kind, self.addr, self.size = id, kind, addr, size
        self.order, self.cache, self.gfp, self.page = order, cache, gfp, page

    def __repr__(self):
        return "<%s#%d %#x+%d>" % (self.kind, self.id, self.addr, self.size)


class CacheRef:
    """A cache as both sides know it: the C handle and the model's Cache."""
    __slots__ = ("id", "c", "m", "ctor_log")

    def __init__(self, id, c, m):
        self.id, self.c, self.m, self.ctor_log = id, c, m, []

    def __repr__(self):
        return "<cache#%d %s>" % (self.id, self.m.name)


def gfp_name(gfp):
    """GFP_KERNEL | __GFP_ZERO, as kfz prints a mask (the base first, then
    the other flags by name, anything left in hex)."""
    parts = []
    for base in ("GFP_KERNEL", "GFP_ATOMIC"):
        v = getattr(K, base)
        if gfp & v == v:
            parts.append(base)
            gfp &= ~v
            break
    for name in ("__GFP_DMA", "__GFP_ZERO", "__GFP_RECLAIMABLE", "__GFP_ACCOUNT", "__GFP_HIGH",
                 "__GFP_IO", "__GFP_FS", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_COMP"):
        v = getattr(K, name)
        if gfp & v:
            parts.append(name)
            gfp &= ~v
    if gfp:
        parts.append("%#x" % gfp)
    return " | ".join(parts) or "0"


def describe_diff(got, want, path=""):
    """Only what differs between the library's @got and the model's @want
    (dicts, lists, tuples, nested), one "field: library X, model Y" line
    each, error codes by name."""
    if isinstance(got, dict) and isinstance(want, dict):
        lines = []
        for k in sorted(set(got) | set(want), key=str):
            if got.get(k) != want.get(k):
                lines += describe_diff(got.get(k), want.get(k), "%s.%s" % (path, k) if path else str(k))
        return lines
    if isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)) and len(got) == len(want):
        lines = []
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                lines += describe_diff(g, w, "%s[%d]" % (path, i))
        return lines
    name = path.rsplit(".", 1)[-1]
    if name in ("last_error", "error") and isinstance(got, int) and isinstance(want, int):
        got, want = K.KERR_NAMES[got] if 0 <= got < len(K.KERR_NAMES) else got, \
            K.KERR_NAMES[want] if 0 <= want < len(K.KERR_NAMES) else want
    return ["%s: library %r, model %r" % (path or "value", got, want)]


def pattern(seed, n):
    base = bytes(((seed * 131 + i * 7 + 1) & 0xff) for i in range(256))
    return (base * (n // 256 + 1))[:n]


class Sim:
    def __init__(self, nr_pages=1024, dma_pages=256, nr_cpus=2, max_order=10, profile=0,
                 slub_debug=0, exact=True, arena=None):
        self.m = Model(nr_pages, dma_pages, nr_cpus, max_order, profile, slub_debug)
        try:
            self.k = K.Kalloc(nr_pages, dma_pages, nr_cpus, max_order, profile, slub_debug,
                              arena)
        except ValueError:
            assert not self.m.bootable, "machine_create refused a machine the model boots"
            raise MachineRefused()
        if not self.m.bootable:
            self.k.close()
            raise AssertionError("machine_create booted a machine whose kmalloc caches the "
                                 "model cannot create")
        self.base = self.k.base
        self.live = {}           # id -> Alloc
        self.next_id = 1
        self.caches = []         # CacheRef of user caches, alive
        self.kcache = {}         # model Cache -> C handle, every cache
        for c in self.k.caches():
            name = self.k.lib.kmem_cache_name(c).decode()
            mc = next(x for x in self.m.caches if x.name == name)
            self.kcache[mc] = c
        self.exact = exact
        self.max_unusable = 0
        self.last = None         # last op, for messages

    def close(self):
        self.k.close()

    # -- helpers ------------------------------------------------------------
    def off(self, a):
        return a - self.base

    def _new(self, *a, **kw):
        al = Alloc(self.next_id, *a, **kw)
        self.next_id += 1
        return al

    def _expect_addr(self, what, got, want_off):
        want = 0 if want_off is None else self.base + want_off
        assert got == want, "%s: library returned %s, model predicts %s" % (
            what, hex(self.off(got)) if got else "NULL", hex(want_off) if want_off is not None
            else "NULL")

    def _no_overlap(self, al):
        lo, hi = al.addr, al.addr + max(al.size, 1)
        for o in self.live.values():
            olo, ohi = o.addr, o.addr + max(o.size, 1)
            assert hi <= olo or ohi <= lo, "overlap: new %r overlaps live %r" % (al, o)

    def _in_bounds(self, al, span):
        assert self.base <= al.addr and al.addr + span <= self.base + self.m.nr_pages * K.PAGE_SIZE, \
            "%r lies outside memory" % al

    def _in_zone(self, al, span, dma):
        if dma:
            end = self.base + self.m.zones[0].end * K.PAGE_SIZE
            assert al.addr + span <= end, "%r asked for ZONE_DMA, lies above it" % al

    def _fill(self, al):
        n = al.size
        if n <= 2 * PATTERN_SPAN:
            self.k.write(al.addr, pattern(al.id, n))
        else:
            p = pattern(al.id, n)
            self.k.write(al.addr, p[:PATTERN_SPAN])
            self.k.write(al.addr + n - PATTERN_SPAN, p[n - PATTERN_SPAN:])

    def verify(self, al, upto=None):
        n = al.size if upto is None else upto
        p = pattern(al.id, n)
        if n <= 2 * PATTERN_SPAN:
            ok = self.k.read(al.addr, n) == p
        else:
            ok = (self.k.read(al.addr, PATTERN_SPAN) == p[:PATTERN_SPAN] and
                  self.k.read(al.addr + n - PATTERN_SPAN, PATTERN_SPAN) == p[n - PATTERN_SPAN:])
        assert ok, "contents of %r were overwritten" % al

    def verify_all(self):
        for al in self.live.values():
            self.verify(al)

    def _error(self, rc, want, what):
        assert rc == -want, "%s: library returned %d (%s), model expects %d (%s)" % (
            what, rc, K.KERR_NAMES[-rc] if 0 <= -rc < len(K.KERR_NAMES) else "?", -want,
            K.KERR_NAMES[want])

    def _refused(self, rc, want, before):
        """A wrong free returned -@want, reported it through the error sink,
        and changed nothing but the error and call counters."""
        self._error(rc, want, self.last)
        assert self.k.machine_last_error() == want and self.k.machine_last_report(), \
            "%s: the error sink's last error is %d" % (self.last, self.k.machine_last_error())
        after = self.snapshot()
        for key in before:
            if key not in ("errors", "calls"):
                assert before[key] == after[key], "%s changed %s:\n  %s" % (
                    self.last, key, "\n  ".join(describe_diff(after[key], before[key], key)))

    # -- buddy ----------------------------------------------------------------
    def alloc_pages(self, gfp, order, via_page=True, single=False):
        """alloc_pages / __get_free_pages (via_page False); with @single the
        order-0 forms alloc_page / __get_free_page / get_zeroed_page.
        Returns the Alloc or None."""
        if single:
            order = 0
        self.last = "alloc_pages(%s, %d)" % (gfp_name(gfp), order)
        injected = self.m.fail_times > 0 and self.m.fail_skip == 0
        zeroed = single == "zeroed"
        want = self.m.alloc_pages(gfp | (K.ZERO_BIT if zeroed else 0), order)
        if zeroed:
            pg, a = None, self.k.get_zeroed_page(gfp)
            gfp |= K.ZERO_BIT
        elif via_page:
            pg = self.k.alloc_page(gfp) if single else self.k.alloc_pages(gfp, order)
            a = self.k.page_address(pg) if pg else 0
        else:
            pg = None
            a = getattr(self.k.lib, "__get_free_page")(self.k.m, gfp) if single else \
                self.k.get_free_pages(gfp, order)
        self._expect_addr(self.last, a or 0, None if want is None else want << K.PAGE_SHIFT)
        if not a:
            if not injected and order <= self.m.max_order:
                # Fails only when no block is left, per-CPU pages drained,
                # in any allowed zone: read from the library's own stats.
                for z in self.m.allowed_zones(gfp):
                    zs = self.k.zone_stats(self.m.zones.index(z))
                    assert sum(zs.nr_free[order:]) == 0 and zs.pcp_pages == 0, \
                        "alloc_pages(order %d) failed although zone %s has free blocks " \
                        "%r and %d per-CPU pages" % (order, z.name, list(zs.nr_free),
                                                     zs.pcp_pages)
            return None
        al = self._new("pages", a, K.PAGE_SIZE << order, order=order, gfp=gfp)
        al.page = pg
        self._in_bounds(al, al.size)
        assert self.off(a) % (K.PAGE_SIZE << order) == 0, "%r not aligned to order %d" % (al, order)
        self._in_zone(al, al.size, gfp & K.GFP_DMA)
        self._no_overlap(al)
        pfn = self.off(a) >> K.PAGE_SHIFT
        page = self.k.virt_to_page(a)
        assert self.k.page_to_pfn(page) == pfn and self.k.page_address(page) == a
        assert K.C.cast(self.k.pfn_to_page(pfn), K.C.c_void_p).value == \
            K.C.cast(page, K.C.c_void_p).value
        assert self.k.page_zonenum(page) == self.m.zone_of[pfn]
        if gfp & K.ZERO_BIT:
            assert self.k.read(a, al.size) == bytes(al.size), "__GFP_ZERO block not zeroed"
        self.live[al.id] = al
        self._fill(al)
        return al

    def free_pages(self, al, via_page=True):
        self.last = "free_pages(#%d, %d)" % (al.id, al.order)
        self.verify(al)
        want = self.m.free_pages(self.off(al.addr) >> K.PAGE_SHIFT, al.order)
        single = al.order == 0 and al.id % 2      # __free_page / free_page now and then
        if via_page and al.page:
            rc = getattr(self.k.lib, "__free_page")(self.k.m, al.page) if single else \
                self.k.free_pages_page(al.page, al.order)
        else:
            rc = self.k.free_page(al.addr) if single else self.k.free_pages(al.addr, al.order)
        self._error(rc, -want, self.last)
        del self.live[al.id]

    def free_pages_error(self, addr_off, order, via_page=False):
        """The error the model expects from free_pages(base + addr_off, order),
        or with @via_page from __free_pages(virt_to_page(...)), which drops the
        offset within the page."""
        if via_page and 0 <= addr_off < self.m.nr_pages * K.PAGE_SIZE:
            return self.m.free_error(addr_off >> K.PAGE_SHIFT, order)
        return self.m.free_pages_addr_error(addr_off, order)

    def bad_free_pages(self, addr_off, order, via_page=False):
        """A free the model says is wrong: expect its code and no change at all."""
        want = self.free_pages_error(addr_off, order, via_page)
        assert want, "bad_free_pages called with a good free"
        self.last = "free_pages(base%+#x, %d) [bad]" % (addr_off, order)
        before = self.snapshot()
        self.m.free_calls += 1
        self.m.report(want)
        if via_page and 0 <= addr_off < self.m.nr_pages * K.PAGE_SIZE:
            rc = self.k.free_pages_page(self.k.virt_to_page(self.base + addr_off), order)
        else:
            rc = self.k.free_pages(self.base + addr_off, order)
        self._refused(rc, want, before)

    def drain(self):
        self.last = "drain_all_pages()"
        self.m.drain_all_pages()
        self.k.drain_all_pages()

    def set_cpu(self, cpu):
        self.last = "set_cpu(%d)" % cpu
        rc = self.k.machine_set_cpu(cpu)
        if cpu < self.m.cpus:
            self.m.cpu = cpu
            assert rc == 0
        else:
            self.m.report(K.KERR_INVAL)
            self._error(rc, K.KERR_INVAL, self.last)

    def inject(self, skip, times):
        self.last = "inject(%d, %d)" % (skip, times)
        self.m.inject(skip, times)
        self.k.buddy_inject_failures(skip, times)

    # -- slab -------------------------------------------------------------------
    def cache_create(self, name, size, align=0, flags=0, ctor=False):
        self.last = "kmem_cache_create(%r, %d, %d, %#x, ctor=%s)" % (name, size, align, flags, ctor)
        size &= 0xffffffff          # the C prototype takes an unsigned int
        mc = self.m.cache_create(name, size, align, flags, True if ctor else None)
        ref = CacheRef(len(self.caches) + 1000, None, mc)

        def on_ctor(p):
            ref.ctor_log.append(p)
            if mc is not None and p is not None:
                # The constructed state: the first 8 bytes say "ctor ran".
                self.k.write(p, b"CTOR-RAN"[:min(8, mc.object_size)])
        c = self.k.cache_create(name, size, align, flags, on_ctor if ctor else None)
        assert bool(c) == (mc is not None), "%s: library %s, model %s" % (
            self.last, "created" if c else "refused", "creates" if mc else "refuses")
        if not c:
            return None
        ref.c = c
        assert self.k.kmem_cache_size(c) == mc.object_size
        assert self.k.kmem_cache_name(c).decode() == name
        assert K.C.cast(self.k.kmem_cache_machine(c), K.C.c_void_p).value == \
            K.C.cast(self.k.m, K.C.c_void_p).value
        found = self.k.kmem_cache_find(name.encode())
        assert found and self.k.kmem_cache_name(found).decode() == name
        self.kcache[mc] = c
        self.caches.append(ref)
        return ref

    def cache_alloc(self, ref, gfp=K.GFP_KERNEL):
        mc = ref.m
        self.last = "kmem_cache_alloc(%s)" % mc.name
        had_slabs = mc.nr_slabs
        ref.ctor_log.clear()
        r = self.m.cache_alloc(mc)
        zero = gfp & K.ZERO_BIT
        a = self.k.kmem_cache_zalloc(ref.c, gfp & ~K.ZERO_BIT) if zero and self.next_id % 2 \
            else self.k.kmem_cache_alloc(ref.c, gfp)
        self._expect_addr(self.last, a or 0, None if r is None else self.m.obj_addr_off(r[0], mc, r[1]))
        if not a:
            return None
        s, idx = r
        al = self._new("obj", a, mc.object_size, cache=ref, gfp=gfp)
        slab_lo = self.base + (s.pfn << K.PAGE_SHIFT) + mc.red_left_pad   # the first object
        assert slab_lo <= a < slab_lo + s.objects * mc.size and (a - slab_lo) % mc.size == 0, \
            "object %r not on an object boundary of its slab" % al
        assert a % mc.align == 0, "object %r not aligned to %d" % (al, mc.align)
        assert self.k.virt_to_cache(a) and \
            K.C.cast(self.k.virt_to_cache(a), K.C.c_void_p).value == \
            K.C.cast(ref.c, K.C.c_void_p).value, "virt_to_cache(%r) is not its cache" % al
        self._no_overlap(al)
        if mc.ctor:
            # The ctor runs once on every object of a new slab, when the slab
            # is populated, and never otherwise.
            want = [slab_lo + i * mc.size for i in range(s.objects)] \
                if mc.nr_slabs > had_slabs else []
            assert sorted(ref.ctor_log) == want, \
                "ctor ran on %d objects (%d distinct) during this allocation, expected %d " \
                "(the objects of %s)" % (len(ref.ctor_log), len(set(ref.ctor_log)), len(want),
                                         "a new slab" if want else "no new slab")
            if not zero:
                got = self.k.read(a, min(8, mc.object_size))
                assert got == b"CTOR-RAN"[:min(8, mc.object_size)], \
                    "object %r is not in its constructed state: %r" % (al, got)
        if zero:
            assert self.k.read(a, mc.object_size) == bytes(mc.object_size), "zalloc not zeroed"
        self.live[al.id] = al
        self._fill(al)
        return al

    def cache_free(self, al):
        ref = al.cache
        self.last = "kmem_cache_free(%s, #%d)" % (ref.m.name, al.id)
        self.verify(al)
        if ref.m.ctor:
            # Object caching: the caller hands the object back constructed.
            self.k.write(al.addr, b"CTOR-RAN"[:min(8, ref.m.object_size)])
        want = self.m.cache_free(ref.m, self.off(al.addr))
        rc = self.k.kmem_cache_free(ref.c, al.addr)
        self._error(rc, -want, self.last)
        del self.live[al.id]

    def bad_cache_free(self, ref, addr_off):
        want = self.m.cache_free_error(ref.m, addr_off)
        assert want
        self.last = "kmem_cache_free(%s, base%+#x) [bad]" % (ref.m.name, addr_off)
        before = self.snapshot()
        self.m.report(want)
        rc = self.k.kmem_cache_free(ref.c, self.base + addr_off)
        self._refused(rc, want, before)

    def cache_shrink(self, ref):
        self.last = "kmem_cache_shrink(%s)" % ref.m.name
        want = self.m.cache_shrink(ref.m)
        got = self.k.kmem_cache_shrink(ref.c)
        assert got == want, "%s freed %d pages, model %d" % (self.last, got, want)
        st = self.k.cache_stats(ref.c)
        assert st.empty_slabs == 0 and st.partial_slabs == sum(
            1 for s in ref.m.partial if s.inuse), "shrink left an empty slab"

    def cache_destroy(self, ref):
        self.last = "kmem_cache_destroy(%s)" % ref.m.name
        live = any(al.cache is ref for al in self.live.values())
        want = self.m.cache_destroy(ref.m)
        rc = self.k.kmem_cache_destroy(ref.c)
        self._error(rc, -want, self.last)
        assert (rc == 0) == (not live), "destroy with live objects %s" % (
            "accepted" if rc == 0 else "refused although none were live")
        if rc == 0:
            self.caches.remove(ref)
            del self.kcache[ref.m]
            return True
        return False

    # -- kmalloc ----------------------------------------------------------------
    def _kmalloc_result(self, what, a, want, size, gfp, zero):
        if want == ("zero",):
            assert a == K.ZERO_SIZE_PTR, "%s: got %#x, want ZERO_SIZE_PTR" % (what, a or 0)
            return None
        self._expect_addr(what, a or 0, want)
        if not a:
            return None
        al = self._new("kmalloc", a, size, gfp=gfp)
        cls = self.m.kmalloc_class(size, gfp)
        ks = self.k.ksize(a)
        if cls == "large":
            assert ks == K.PAGE_SIZE << get_order(size), "ksize of large %d is %d" % (size, ks)
            assert not self.k.virt_to_cache(a), "large kmalloc(%d) not served by pages" % size
        else:
            assert ks == cls.object_size, "ksize(kmalloc(%d)) = %d, smallest class is %d" % (
                size, ks, cls.object_size)
        assert ks >= size
        if size > self.m.k_sizes[0]:
            assert (ks - size) * 2 < ks, "kmalloc(%d): waste %d of %d is 50%% or more" % (
                size, ks - size, ks)
        if size & (size - 1) == 0:
            assert a % size == 0, "kmalloc(%d) = %#x not naturally aligned" % (size, a)
        self._in_bounds(al, ks)
        self._in_zone(al, ks, gfp & K.GFP_DMA)
        self._no_overlap(al)
        if zero:
            assert self.k.read(a, size) == bytes(size), "kzalloc(%d) not zeroed" % size
        self.live[al.id] = al
        self._fill(al)
        return al

    def kmalloc(self, size, gfp=K.GFP_KERNEL, zero=False):
        """kmalloc, or kzalloc with @zero; None for NULL and for ZERO_SIZE_PTR."""
        self.last = "%s(%d, %s)" % ("kzalloc" if zero else "kmalloc", size, gfp_name(gfp))
        want = self.m.kmalloc(size, gfp)
        a = (self.k.kzalloc if zero else self.k.kmalloc)(size, gfp)
        return self._kmalloc_result(self.last, a, want, size, gfp, zero or gfp & K.ZERO_BIT)

    def krealloc_zero(self, size, gfp=K.GFP_KERNEL):
        """krealloc(ZERO_SIZE_PTR, size) is kmalloc(size)."""
        self.last = "krealloc(ZERO_SIZE_PTR, %d)" % size
        want = self.m.kmalloc(size, gfp)
        a = self.k.krealloc(K.ZERO_SIZE_PTR, size, gfp)
        return self._kmalloc_result(self.last, a, want, size, gfp, gfp & K.ZERO_BIT)

    def kmalloc_array(self, n, size, gfp=K.GFP_KERNEL, zero=False):
        """kmalloc_array, or kcalloc with @zero."""
        self.last = "%s(%d, %d)" % ("kcalloc" if zero else "kmalloc_array", n, size)
        fn = self.k.kcalloc if zero else self.k.kmalloc_array
        total = n * size
        if total > K.SIZE_MAX:
            self.m.report(K.KERR_OVERFLOW)
            a = fn(n, size, gfp)
            assert not a, "kmalloc_array(%d, %d) overflows yet returned %#x" % (n, size, a)
            assert self.k.machine_last_error() == K.KERR_OVERFLOW
            return None
        want = self.m.kmalloc(total, gfp)
        a = fn(n, size, gfp)
        return self._kmalloc_result(self.last, a, want, total, gfp, zero or gfp & K.ZERO_BIT)

    def kfree(self, al):
        self.last = "kfree(#%d)" % al.id
        self.verify(al)
        want = self.m.kfree(self.off(al.addr))
        rc = self.k.kfree(al.addr)
        self._error(rc, -want, self.last)
        del self.live[al.id]

    def bad_kfree(self, addr_off):
        want = self.m.kfree_error(addr_off)
        assert want
        self.last = "kfree(base%+#x) [bad]" % addr_off
        before = self.snapshot()
        self.m.report(want)
        rc = self.k.kfree(self.base + addr_off)
        self._refused(rc, want, before)

    def krealloc(self, al, new_size, gfp=K.GFP_KERNEL):
        """Returns the new Alloc (al itself when in place) or None."""
        self.last = "krealloc(#%d, %d)" % (al.id, new_size)
        self.verify(al)
        off = self.off(al.addr)
        ks = self.m.ksize(off)
        if new_size == 0:
            want = ("zero",)
            self.m.kfree(off)
        elif new_size <= ks:
            want = off
        else:
            want = self.m.kmalloc(new_size, gfp)
            if want is not None:
                self.m.kfree(off)
        a = self.k.krealloc(al.addr, new_size, gfp)
        if new_size == 0:
            assert a == K.ZERO_SIZE_PTR
            del self.live[al.id]
            return None
        self._expect_addr(self.last, a or 0, want)
        if not a:
            self.verify(al)           # left as it was
            return None
        keep = min(al.size, new_size)
        del self.live[al.id]
        nal = self._new("kmalloc", a, new_size, gfp=gfp)
        if al.size > 2 * PATTERN_SPAN:
            keep = min(keep, PATTERN_SPAN)     # only the ends were written
        assert self.k.read(a, keep) == pattern(al.id, keep), \
            "krealloc(%d -> %d) lost the contents" % (al.size, new_size)
        self._no_overlap(nal)
        self.live[nal.id] = nal
        self._fill(nal)
        return nal

    # -- comparing everything --------------------------------------------------
    def snapshot(self):
        """Everything the library exports, as plain data."""
        k = self.k
        snap = {"page": K.struct_dict(k.page_stats())}
        snap["calls"] = {x: snap["page"].pop(x) for x in ("alloc_calls", "free_calls",
                                                          "failed_calls")}
        for zi in range(K.MAX_NR_ZONES):
            zs = k.zone_stats(zi)
            snap["zone%d" % zi] = K.struct_dict(zs) if zs else None
        for i, c in enumerate(k.caches()):
            st = K.struct_dict(k.cache_stats(c))
            snap["cache %d %s" % (i, st["name"])] = st
        snap["kmalloc"] = K.struct_dict(k.kmalloc_stats_())
        snap["errors"] = k.errors()
        snap["buddyinfo"] = k.proc("proc_buddyinfo")
        snap["slabinfo"] = k.proc("proc_slabinfo")
        if "proc_unusable_index" not in k.lib.missing:
            snap["unusable_index"] = k.proc("proc_unusable_index")
            snap["extfrag_index"] = k.proc("proc_extfrag_index")
        return snap

    def model_snapshot(self):
        m = self.m
        snap = {"page": m.page_stats()}
        snap["calls"] = {x: snap["page"].pop(x) for x in ("alloc_calls", "free_calls",
                                                          "failed_calls")}
        for zi in range(K.MAX_NR_ZONES):
            snap["zone%d" % zi] = m.zone_stats(zi)
        for i, c in enumerate(m.caches):
            snap["cache %d %s" % (i, c.name)] = m.cache_stats(c)
        snap["kmalloc"] = m.kmalloc_stats()
        snap["errors"] = list(m.errors)
        snap["buddyinfo"] = m.buddyinfo()
        snap["slabinfo"] = m.slabinfo()
        if "proc_unusable_index" not in self.k.lib.missing:
            snap["unusable_index"] = m.extfrag_text(True)
            snap["extfrag_index"] = m.extfrag_text(False)
        return snap

    def check_all(self, full=True):
        """Invariants after a step: the library's own check, conservation,
        maximal merging, and every export equal to the model's."""
        if not NO_LIBCHECK:
            self.k.check()
        assert self.k.kmem_cache_count() == len(self.m.caches), "kmem_cache_count"
        assert self.k.buddy_injected_pending() == self.m.fail_times, "buddy_injected_pending"
        assert self.k.machine_cpu() == self.m.cpu, "machine_cpu"
        ps = self.k.page_stats()
        assert ps.free + ps.pcp + ps.pages + ps.slab + ps.kmalloc_large == ps.total, \
            "pages not conserved: %r" % K.struct_dict(ps)
        if not full:
            return
        got, want = self.snapshot(), self.model_snapshot()
        assert set(got) == set(want), "caches differ: library %s, model %s" % (
            sorted(set(got) - set(want)), sorted(set(want) - set(got)))
        for key in want:
            if got[key] != want[key]:
                raise AssertionError("after %s: %s differs (only the fields that do):\n  %s" % (
                    self.last or "boot", key, "\n  ".join(describe_diff(got[key], want[key], key))))
        for zi in range(K.MAX_NR_ZONES):
            zs = got["zone%d" % zi]
            if zs is None:
                continue
            mx = self.m.maximal_free_blocks(zi)
            assert zs["nr_free"] == mx, "zone %s not maximally merged: free lists %r, " \
                "maximal decomposition %r" % (zs["name"], zs["nr_free"], mx)
            mnf = self.m.zones[zi].nr_free()
            czs = self.k.zone_stats(zi)
            for order in range(self.m.max_order + 1):
                # Linux's indices from the library's stats, in C and in Python,
                # against the model's free lists.
                want_u, want_f = unusable_index(mnf, order), fragmentation_index(mnf, order)
                assert unusable_index(zs["nr_free"], order) == want_u
                assert fragmentation_index(zs["nr_free"], order) == want_f
                if "unusable_free_index" not in self.k.lib.missing:
                    got_u = self.k.lib.unusable_free_index(K.C.byref(czs), order)
                    got_f = self.k.lib.fragmentation_index(K.C.byref(czs), order)
                    assert (got_u, got_f) == (want_u, want_f), \
                        "zone %s order %d: unusable/extfrag index %d/%d, model %d/%d" % (
                            zs["name"], order, got_u, got_f, want_u, want_f)
            self.max_unusable = max(self.max_unusable, unusable_index(zs["nr_free"], 3))

    def free_everything(self):
        """Free every live allocation, shrink and destroy every user cache,
        drain, and require the buddy allocator back in its boot state."""
        for al in list(self.live.values()):
            if al.kind == "pages":
                self.free_pages(al)
            elif al.kind == "obj":
                self.cache_free(al)
            else:
                self.kfree(al)
        for ref in list(self.caches):
            assert self.cache_destroy(ref)
        for mc, c in list(self.kcache.items()):
            self.m.cache_shrink(mc)
            self.k.kmem_cache_shrink(c)
        self.drain()
        self.check_all()
        assert self.m.buddy_snapshot() == self.m.initial
        got = [(z.free_pages, z.pcp_pages, tuple(z.nr_free)) if z else None
               for z in (self.k.zone_stats(i) for i in range(K.MAX_NR_ZONES))]
        want = [s if z.present else None for s, z in zip(self.m.initial, self.m.zones)]
        assert got == want, "free-all did not restore the initial buddy state: %r vs %r" % (
            got, want)
