"""test_slub_scribble.py - scribbles on slub_debug caches (harness/OPS.md 2.4),
a state machine over the library through ctypes.

Oracle: a Python model of slub_debug's layout (model.geometry) and of
check_object() - written here from mm/slub.c, independently of
harness/slub_model.c - says which bytes a check covers, so for every
scribble (SCRIBBLE_BYTE written with machine_poke over a live object's
slot, or one byte of a freed object) it predicts the exact reports:
kmem_cache_validate() returns two errors (a BUG and a FIX) per report and
sends each report to the error sink with its class ("Right Redzone
overwritten", ...), its first and last byte and the byte expected; an
allocation handing out a scribbled free object of a poisoned cache reports
its poison (kalloc checks that on every allocation); a free or an allocation
lays the red zones and poison out again silently; machine_check sees a
scribbled poisoned free object (INV_SLAB_POISON) and nothing else; nothing
else ever reports.  The caches have Z, P and U in any combination (F's
refusals and isolation are the C model's: harness/kalloc_oracle.c); every
object of a cache stays in its first slab (at most objects-per-slab live),
so the model knows the freelist: LIFO over the never-used objects.
"""
import ctypes as C
import re

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import kalloc as K
import model
from budget import sm_settings

SCRIBBLE_BYTE = 0x41
RED_ACTIVE, RED_INACTIVE, POISON_INUSE, POISON_FREE, POISON_END = 0xcc, 0xbb, 0x5a, 0x6b, 0xa5
FLAGSETS = [K.SLAB_RED_ZONE, K.SLAB_POISON, K.SLAB_RED_ZONE | K.SLAB_POISON,
            K.SLAB_RED_ZONE | K.SLAB_STORE_USER, K.SLAB_POISON | K.SLAB_STORE_USER,
            K.SLAB_RED_ZONE | K.SLAB_POISON | K.SLAB_STORE_USER, 0]
SIZES = [1, 7, 8, 20, 24, 64, 100, 192, 500]
NAMES = ["kmem_test", "dentry", "filp"]


class Layout:
    """A cache's slot, every offset from the object's first byte (calculate_sizes)."""

    def __init__(self, size, flags):
        g = model.geometry(size, 0, flags, False, 1)
        self.flags, self.osz, self.size = flags, size, g["size"]
        self.rlp, self.inuse, self.offset = g["red_left_pad"], g["inuse"], g["offset"]
        self.fp_outside = self.offset >= self.inuse
        self.info_end = self.inuse + (8 if self.fp_outside else 0)
        self.meta_end = self.info_end + (64 if flags & K.SLAB_STORE_USER else 0)  # not kmalloc
        self.slot_end = self.size - self.rlp
        self.object_poison = bool(flags & K.SLAB_POISON)

    def meta(self, live, off):
        """The free pointer (inside the object only while it is free) and the tracks:
        the harness never writes them."""
        if (self.fp_outside or not live) and self.offset <= off < self.offset + 8:
            return True
        return self.info_end <= off < self.meta_end

    def regions(self, live):
        """check_object()'s regions in its order: (what, code, lo, hi, expected)."""
        val, out = RED_ACTIVE if live else RED_INACTIVE, []
        if self.flags & K.SLAB_RED_ZONE:
            out += [("Left Redzone", K.KERR_REDZONE, -self.rlp, 0, val),
                    ("Right Redzone", K.KERR_REDZONE, self.osz, self.inuse, val)]
        elif self.flags & K.SLAB_POISON and self.osz < self.inuse:
            out.append(("Alignment padding", K.KERR_PADDING, self.osz, self.inuse, POISON_INUSE))
        if self.flags & K.SLAB_POISON:
            if not live and self.object_poison:
                out += [("Poison", K.KERR_POISON, 0, self.osz - 1, POISON_FREE),
                        ("End Poison", K.KERR_POISON, self.osz - 1, self.osz, POISON_END)]
            if self.meta_end < self.slot_end:
                out.append(("Object padding", K.KERR_PADDING, self.meta_end, self.slot_end, POISON_INUSE))
        return out

    def covered(self, live, offs):
        """The bytes of @offs some check covers in this state."""
        cov = set()
        for _, _, lo, hi, _ in self.regions(live):
            cov |= {o for o in offs if lo <= o < hi and not self.meta(live, o)}
        return cov

    def check(self, live, dirty):
        """check_object(): [(what, code, first, last, expected)], repairing @dirty."""
        out = []
        for what, code, lo, hi, exp in self.regions(live):
            hit = sorted(o for o in dirty if lo <= o < hi)
            if hit:
                out.append((what, code, hit[0], hit[-1], exp))
                dirty -= set(range(hit[0], hit[-1] + 1))
        return out

    def relaid(self, dirty):
        """init_object() on alloc or free (no orig_size here): red zones and poison."""
        if self.flags & K.SLAB_RED_ZONE:
            dirty -= set(range(-self.rlp, 0)) | set(range(self.osz, self.inuse))
        if self.object_poison:
            dirty -= set(range(0, self.osz))


class Cache:
    def __init__(self, handle, name, lay, objects):
        self.c, self.name, self.lay, self.objects = handle, name, lay, objects
        self.base = None            # the slab's first byte, from the first object
        self.fresh, self.stack = 0, []  # never-used objects from index fresh on; freed ones, LIFO
        self.live, self.dirty = set(), {}   # object addresses; address -> set of offsets

    def due(self):
        if self.stack:
            return self.stack[-1]
        return None if self.base is None else self.base + self.lay.rlp + self.fresh * self.lay.size


class SlubDebugMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.k = K.Kalloc(nr_pages=1024, dma_pages=0, nr_cpus=1)
        self.caches, self.reports = [], []
        self._fn = K.REPORT_FN(self._sink)      # kept alive with the machine
        self.k.machine_set_report(self._fn, None)
        self.errors_seen = self.k.machine_errors_total()

    def _sink(self, ctx, code, text):
        self.reports.append((code, text.decode(errors="replace")))

    def teardown(self):
        self.k.close()

    # -- expectations ----------------------------------------------------------
    def expect(self, c, obj, reps, any_order=False):
        """The reports made since the last call are exactly @reps about @obj."""
        got, self.reports = self.reports, []
        total = self.k.machine_errors_total()
        assert total - self.errors_seen == len(reps) == len(got), \
            "%d error-sink reports (%d caught), model %d: %s" % (
                total - self.errors_seen, len(got), len(reps), [t[:120] for _, t in got])
        self.errors_seen = total
        pairs = zip(sorted(reps, key=lambda r: r[0] + r[1][2]) if any_order else reps,
                    sorted(got, key=lambda g: int(re.search(r"\n(0x[0-9a-f]+)-", g[1]).group(1), 16))
                    if any_order else got)
        for (o, (what, code, first, last, exp)), (gcode, text) in pairs:
            line = r"0x%016x-0x%016x @offset=\d+\. First byte 0x%x instead of 0x%x" % (
                o + first, o + last, SCRIBBLE_BYTE, exp)
            assert gcode == code and ("BUG %s (" % c.name) in text and \
                ("): %s overwritten\n" % what) in text and re.search(line, text), \
                "expected %s %s overwritten [%d, %d] 0x%x, got %s: %s" % (
                    K.KERR_NAMES[code], what, first, last, exp, K.KERR_NAMES[gcode], text[:400])

    # -- rules -----------------------------------------------------------------
    @initialize(sizes=st.lists(st.sampled_from(SIZES), min_size=1, max_size=3),
                flags=st.lists(st.sampled_from(FLAGSETS), min_size=3, max_size=3))
    def create(self, sizes, flags):
        for i, (size, fl) in enumerate(zip(sizes, flags)):
            h = self.k.cache_create(NAMES[i], size, 0, fl)
            assert h, "kmem_cache_create(%d, %#x) refused" % (size, fl)
            lay = Layout(size, fl)
            st_ = self.k.cache_stats(h)
            assert st_.size == lay.size, "slot %d, model %d" % (st_.size, lay.size)
            self.caches.append(Cache(h, NAMES[i], lay, st_.objs_per_slab))

    @rule(data=st.data())
    def alloc(self, data):
        c = data.draw(st.sampled_from(self.caches))
        if len(c.live) + 1 >= c.objects:     # every object stays in the cache's first slab
            return
        due = c.due()
        reps = []
        if due is not None and due in c.dirty and c.lay.object_poison:
            # kalloc's poison check on allocation: Poison, End Poison.
            part = {o for o in c.dirty[due] if 0 <= o < c.lay.osz}
            reps = [r for r in c.lay.check(False, part) if r[0] in ("Poison", "End Poison")]
        p = self.k.kmem_cache_alloc(c.c, K.GFP_KERNEL)
        assert p, "kmem_cache_alloc failed"
        if c.base is None:
            c.base = p - c.lay.rlp
            due = p
        assert p == due, "object %#x, model %#x" % (p, due)
        if c.stack:
            c.stack.pop()
        else:
            c.fresh += 1
        c.live.add(p)
        self.expect(c, p, [(p, r) for r in reps])
        if p in c.dirty:
            c.lay.relaid(c.dirty[p])
            c.dirty[p] = c.lay.covered(True, c.dirty[p])

    def _free(self, c, p):
        assert self.k.kmem_cache_free(c.c, p) == 0
        c.live.discard(p)
        c.stack.append(p)
        if p in c.dirty:
            c.lay.relaid(c.dirty[p])
            c.dirty[p] = c.lay.covered(False, c.dirty[p])
        self.expect(c, p, [])

    @precondition(lambda self: any(c.live for c in self.caches))
    @rule(data=st.data())
    def free(self, data):
        c = data.draw(st.sampled_from([c for c in self.caches if c.live]))
        self._free(c, data.draw(st.sampled_from(sorted(c.live))))

    def _poke(self, c, p, live, offs):
        buf = bytes([SCRIBBLE_BYTE])
        for o in offs:
            if not c.lay.meta(live, o):
                assert self.k.machine_poke(p + o, buf, 1) == 0
        c.dirty[p] = c.dirty.get(p, set()) | c.lay.covered(live, set(offs))

    @precondition(lambda self: any(c.live for c in self.caches))
    @rule(data=st.data(), length=st.integers(1, 24))
    def scribble(self, data, length):
        c = data.draw(st.sampled_from([c for c in self.caches if c.live]))
        p = data.draw(st.sampled_from(sorted(c.live)))
        lay = c.lay
        off = data.draw(st.integers(-lay.rlp, lay.slot_end - 1))
        self._poke(c, p, True, range(off, min(off + length, lay.slot_end)))
        event("scribble %s" % ("covered" if c.dirty[p] else "unchecked"))

    @precondition(lambda self: any(c.live for c in self.caches))
    @rule(data=st.data())
    def write_after_free(self, data):
        c = data.draw(st.sampled_from([c for c in self.caches if c.live]))
        p = data.draw(st.sampled_from(sorted(c.live)))
        off = data.draw(st.integers(-c.lay.rlp, c.lay.slot_end - 1))
        self._free(c, p)
        self._poke(c, p, False, [off])

    @rule(data=st.data())
    def validate(self, data):
        """kmem_cache_validate(): the first damaged object of the slab (address
        order) reports every damaged region, two errors each, and is repaired."""
        c = data.draw(st.sampled_from(self.caches))
        for p in [p for p, d in c.dirty.items() if not d]:
            del c.dirty[p]
        reps = []
        if c.dirty:
            p = min(c.dirty)
            reps = [(p, r) for r in c.lay.check(p in c.live, c.dirty[p])]
        rc = self.k.kmem_cache_validate(c.c)
        assert rc == 2 * len(reps), "validate %d, model %d report(s)" % (rc, len(reps))
        self.expect(c, None, reps, any_order=True)
        event("validate: %d report(s)" % len(reps))

    @invariant()
    def machine_check(self):
        want = any(not (p in c.live) and c.lay.object_poison and
                   any(0 <= o < c.lay.osz for o in d)
                   for c in self.caches for p, d in c.dirty.items())
        ck = K.KallocCheck()
        code = self.k.machine_check(C.byref(ck))
        name = self.k.kalloc_invariant_name(code).decode() if code else "0"
        assert name == ("INV_SLAB_POISON" if want else "0"), "machine_check %s: %s" % (
            name, ck.msg.decode(errors="replace"))


TestSlubScribble = SlubDebugMachine.TestCase
TestSlubScribble.settings = sm_settings()
