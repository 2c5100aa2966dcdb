"""heap.py - an allocator-neutral reference model of the C library's heap
(malloc, calloc, realloc, aligned_alloc, free, malloc_usable_size) and the
heap ops of the op language (harness/OPS.md; ops 48..53 and the shared ops
14, 15, 16, 20, 22 of target `malloc`), run against any allocator through
ktarget.Target.

Written from the C standard (C17 7.22.3) and the op language, not from the
C harness.  The model never asks the allocator what is right: the only
answers it takes from the allocator are the addresses it returns and
malloc_usable_size, and those it checks.  It keeps every live block
(address, requested size, usable size, promised alignment, what it knows of
the contents) and after every step requires:

  - no two live blocks overlap (each spans its usable bytes, at least one),
    and each lies inside the allocator's memory when it says where that is;
  - every block is aligned as promised: to min(16, largest power of two
    <= size) (fundamental alignment is 16 on x86-64; a block need only be
    aligned for the types that fit in it, the reading of 7.22.3 WG14
    adopted with N2293), and an aligned_alloc block to its ALIGN as well
    (7.22.3's alignment rule covers every memory management function);
  - malloc_usable_size >= the request, and the same for the block's whole
    life; 0 means "not offered", and then for every block;
  - calloc memory is zero over the requested bytes; calloc(COUNT, SIZE)
    whose product overflows size_t returns NULL;
  - realloc keeps the common prefix (min of old and new request); when it
    returns NULL the old block is still there, intact;
  - every byte the model wrote (a pattern over the usable bytes, or
    calloc's zeros) reads back unchanged until the block is freed;
  - NULL only for a request of 0 bytes (implementation-defined in C) or of
    null_ok_from bytes or more (2^HEAP_LARGE_LOG2, read from harness/target.h,
    where the C oracle and the system mallocs' adapters read it too);
  - free returns 0; with TCAP_REPORTS_MISUSE a double or interior free
    returns an error and changes nothing;
  - at the end everything is freed and in_use (if offered) is back at its
    value right after open.

Contents of big blocks are written and read in pieces (pieces()): the whole
block up to WHOLE bytes, else 4 KiB at the start, the end and seven points
between, so a 64 MiB block costs no more than a few pages.

Entry points: HeapModel (the oracle), Slots.step() (OPS.md's slot rules for
the heap ops), run_program(), decode_program()/encode_program()/
program_text() (the op-language form of heap programs), save_failure().
"""
import ctypes as C
import os
import random
import re

import ops
from ktarget import Target, TCAP_MALLOC, TCAP_ALIGNED_ALLOC, TCAP_REPORTS_MISUSE

SIZE_MAX = (1 << 64) - 1
FUNDAMENTAL = 16            # _Alignof(max_align_t) on x86-64

def _target_h_log2(name):
    """A HEAP_*_LOG2 constant of harness/target.h (one rule for C and Python)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness", "target.h")
    m = re.search(r"^#define\s+%s\s+(\d+)" % name, open(path).read(), re.M)
    if not m:
        raise ImportError("harness/target.h defines no %s" % name)
    return int(m.group(1))


NULL_OK_FROM = 1 << _target_h_log2("HEAP_LARGE_LOG2")   # a request this big or bigger may fail
WHOLE = 64 * 1024           # blocks up to this are written and read whole
PIECE = 4096

# The pattern: byte i of a block written with tag t is _BASE[(t * 7919 + i) % PERIOD].
PERIOD = 65521
_BASE = random.Random(0x6b6b).randbytes(PERIOD)
_EXT = _BASE * (1 + (PERIOD + WHOLE) // PERIOD + 1)


def pattern(tag, off, n):
    """The pattern's bytes [off, off + n) of a block written with @tag (n <= WHOLE)."""
    s = (tag * 7919 + off) % PERIOD
    return _EXT[s:s + n]


def fundamental_align(size):
    """The alignment malloc(size) promises: min(16, largest power of two <= size)."""
    return 1 if size == 0 else min(FUNDAMENTAL, 1 << (size.bit_length() - 1))


def pieces(n):
    """The byte ranges [s, e) of an n-byte block that the model writes and reads."""
    if n <= WHOLE:
        return [(0, n)] if n else []
    starts = sorted({0, n - PIECE} | {(n * k // 8) & ~(PIECE - 1) for k in range(1, 8)})
    out = []
    for s in starts:
        s = max(s, out[-1][1]) if out else s
        e = min(s + PIECE, n)
        if s < e:
            out.append((s, e))
    return out


class Violation(AssertionError):
    """A heap property does not hold (the message says which and where)."""


class Block:
    """A live block as the model knows it.  known: sorted, disjoint
    [start, end, tag] ranges whose bytes the model knows (tag None: zero)."""
    __slots__ = ("addr", "size", "usable", "align", "how", "known", "serial")

    def __init__(self, addr, size, usable, align, how, serial):
        self.addr, self.size, self.usable, self.align = addr, size, usable, align
        self.how, self.serial, self.known = how, serial, []

    def span(self):
        """The bytes the block owns: its usable size, and at least one (a
        0-byte block is a unique pointer, as if its size were non-zero)."""
        return max(self.usable, self.size, 1)

    def learn(self, s, e, tag):
        """The model now knows bytes [s, e): pattern @tag, or zero (None)."""
        out = []
        for a, b, t in self.known:
            if b <= s or a >= e:
                out.append([a, b, t])
                continue
            if a < s:
                out.append([a, s, t])
            if b > e:
                out.append([e, b, t])
        out.append([s, e, tag])
        self.known = sorted(out)

    def clip(self, n):
        """Forget everything at or beyond byte @n."""
        self.known = [[a, min(b, n), t] for a, b, t in self.known if a < n]

    def __repr__(self):
        return "%s block of %d bytes at %#x" % (self.how, self.size, self.addr)


def _first_diff(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return i, g, w
    return None


class HeapModel:
    """The oracle for one open allocator instance.  Each operation calls the
    allocator, checks what came back, and raises Violation at the first
    property that fails."""

    def __init__(self, target, null_ok_from=NULL_OK_FROM):
        if not target.has(TCAP_MALLOC):
            raise Violation("%s offers no malloc group (TCAP_MALLOC)" % target.name)
        self.t = target
        self.null_ok_from = null_ok_from
        self.live = {}                  # addr -> Block
        self.serial = 0
        self.usable_offered = None      # unknown until a block of > 0 bytes is asked
        self.in_use0 = target.in_use()

    # -- helpers ---------------------------------------------------------------
    def _may_fail(self, total):
        return total == 0 or total >= self.null_ok_from

    def _usable(self, addr, size):
        """malloc_usable_size of a block, checked; the bytes the model may use."""
        u = self.t.usable_size(addr)
        if u == 0 and size > 0:
            if self.usable_offered:
                raise Violation("malloc_usable_size is 0 for a live %d-byte block at %#x, "
                                "non-zero for earlier blocks" % (size, addr))
            self.usable_offered = False
            return size
        if u:
            if self.usable_offered is False:
                raise Violation("malloc_usable_size is %d for a block at %#x, 0 (not "
                                "offered) for earlier blocks" % (u, addr))
            self.usable_offered = True
            if u < size:
                raise Violation("malloc_usable_size is %d for a %d-byte request at %#x"
                                % (u, size, addr))
        return max(u, size)

    def _add(self, addr, size, align, how):
        """A block the allocator just returned: checks, then live."""
        if addr % align:
            raise Violation("%s of %d bytes at %#x is not aligned to %d"
                            % (how, size, addr, align))
        self.serial += 1
        b = Block(addr, size, self._usable(addr, size), align, how, self.serial)
        self._check_overlap(b)
        bounds = self.t.bounds()
        if bounds and not bounds[0] <= addr <= addr + b.span() <= bounds[1]:
            raise Violation("%r (usable %d) is not inside the allocator's memory [%#x, %#x)"
                            % (b, b.span(), bounds[0], bounds[1]))
        self.live[addr] = b
        return b

    def _check_overlap(self, b):
        for o in self.live.values():
            if b.addr < o.addr + o.span() and o.addr < b.addr + b.span():
                raise Violation("%r (usable %d) overlaps live %r (usable %d)"
                                % (b, b.span(), o, o.span()))

    def _drop(self, b):
        del self.live[b.addr]

    def _read(self, addr, n):
        return self.t.read(addr, n)

    # -- the heap functions ----------------------------------------------------
    def malloc(self, size):
        p = self.t.malloc(size)
        if not p:
            if not self._may_fail(size):
                raise Violation("malloc(%d) returned NULL" % size)
            return None
        return self._add(p, size, fundamental_align(size), "malloc")

    def calloc(self, n, size):
        p = self.t.calloc(n, size)
        total = n * size
        if total > SIZE_MAX:
            if p:
                raise Violation("calloc(%d, %d) overflows size_t and returned %#x, not NULL"
                                % (n, size, p))
            return None
        if not p:
            if not self._may_fail(total):
                raise Violation("calloc(%d, %d) returned NULL" % (n, size))
            return None
        b = self._add(p, total, fundamental_align(total), "calloc")
        for s, e in pieces(total):
            got = self._read(p + s, e - s)
            if got.count(0) != e - s:
                i = next(i for i, c in enumerate(got) if c)
                raise Violation("calloc(%d, %d) at %#x: byte %d of %d is %#04x, not 0"
                                % (n, size, p, s + i, total, got[i]))
            b.learn(s, e, None)
        return b

    def aligned_alloc(self, align, size):
        if not self.t.has(TCAP_ALIGNED_ALLOC):
            return None
        p = self.t.aligned_alloc(align, size)
        if not p:
            if not self._may_fail(size):
                raise Violation("aligned_alloc(%d, %d) returned NULL" % (align, size))
            return None
        return self._add(p, size, max(align, fundamental_align(size)),
                         "aligned_alloc(%d)" % align)

    def realloc(self, b, size):
        """realloc(b, size) for size > 0 (realloc(p, 0) is not sent: C23 made
        it undefined).  Returns the new block, or None if the allocator
        refused (then @b is still live)."""
        assert size > 0
        p = self.t.realloc(b.addr, size)
        if not p:
            if not self._may_fail(size):
                raise Violation("realloc(%#x, %d) returned NULL" % (b.addr, size))
            self.verify(b, "after a refused realloc(%#x, %d)" % (b.addr, size))
            return None
        self._drop(b)
        nb = self._add(p, size, fundamental_align(size), "realloc")
        keep = min(b.size, size)
        nb.known = [k[:] for k in b.known]
        nb.clip(keep)
        self.verify(nb, "realloc(%#x, %d) to %#x did not keep the first %d bytes"
                    % (b.addr, size, p, keep))
        return nb

    def free(self, b):
        rc = self.t.free(b.addr)
        self._drop(b)
        if rc != 0:
            raise Violation("free(%#x) of a live %r returned %d" % (b.addr, b, rc))

    def usable_size(self, b):
        u = self._usable(b.addr, b.size)
        if u != b.usable:
            raise Violation("malloc_usable_size of %r is %d, was %d" % (b, u, b.usable))

    # -- misuse (only for TCAP_REPORTS_MISUSE targets) -------------------------
    def reports_misuse(self):
        return self.t.has(TCAP_REPORTS_MISUSE)

    def _refused(self, what, p):
        before = self.t.in_use()
        rc = self.t.free(p)
        if rc >= 0:
            raise Violation("%s free(%#x) returned %d; the target promises to report misuse"
                            % (what, p, rc))
        if self.t.in_use() != before:
            raise Violation("%s free(%#x) was refused but in_use went from %d to %d"
                            % (what, p, before, self.t.in_use()))

    def double_free(self, b):
        self.free(b)
        self._refused("double", b.addr)

    def free_interior(self, b, off):
        """free(p + d) for d in [1, size): OPS.md's free_interior rule."""
        s = b.size
        d = off if 1 <= off < s else 1 + off % (s - 1)
        self._refused("interior (+%d of %r)" % (d, b), b.addr + d)

    # -- contents --------------------------------------------------------------
    def write(self, b):
        """A fresh pattern over the block's usable bytes (in pieces)."""
        self.serial += 1
        for s, e in pieces(b.usable):
            self.t.write(b.addr + s, pattern(self.serial, s, e - s))
            b.learn(s, e, self.serial)

    def verify(self, b, why="contents changed"):
        for s, e, tag in b.known:
            while s < e:                        # known ranges can be long: WHOLE at a time
                n = min(e - s, WHOLE)
                got = self._read(b.addr + s, n)
                want = bytes(n) if tag is None else pattern(tag, s, n)
                if got != want:
                    i, g, w = _first_diff(got, want)
                    raise Violation("%s: %r: byte %d is %#04x, expected %#04x"
                                    % (why, b, s + i, g, w))
                s += n

    def check(self):
        """Every live block: no overlap, contents intact."""
        blocks = sorted(self.live.values(), key=lambda b: b.addr)
        for a, b in zip(blocks, blocks[1:]):
            if a.addr + a.span() > b.addr:
                raise Violation("%r (usable %d) overlaps %r" % (a, a.span(), b))
        for b in blocks:
            self.verify(b)

    def finish(self):
        """Free every live block; in_use must be back where it started."""
        self.check()
        for b in list(self.live.values()):
            self.free(b)
        if self.in_use0 >= 0:
            now = self.t.in_use()
            if now != self.in_use0:
                raise Violation("in_use is %d after everything was freed, %d right after open"
                                % (now, self.in_use0))


# ---------------------------------------------------------------------------
# The op language's heap ops (harness/ops.def, read by ops.py) and their slot rules
# ---------------------------------------------------------------------------
Op = ops.Op
MALLOC, CALLOC, REALLOC, ALIGNED_ALLOC, FREE, USABLE_SIZE = (
    ops.MALLOC, ops.CALLOC, ops.REALLOC, ops.ALIGNED_ALLOC, ops.FREE, ops.USABLE_SIZE)
WRITE, VERIFY, CHECK, DOUBLE_FREE, INTERIOR = (
    ops.WRITE, ops.VERIFY, ops.CHECK, ops.DOUBLE_FREE, ops.INTERIOR)
MALLOC_SET = ops.TARGETS["malloc"]
NR_SLOTS = 32


def decode_program(data):
    """Any byte string as (header, [Op]) of target `malloc` (OPS.md 4: an op
    outside the set becomes set[op % len]).  Never fails."""
    prog = ops.decode(data, "malloc")
    return prog.hdr, prog.ops


def _program(records, alloc, hdr):
    """The program stamped target=malloc and alloc=@alloc (h7 unspecified for
    an allocator ops.def does not name).  An allocator may size itself from
    h0..h5 (the example's arena is 8 << h0 % 8 MiB): they travel with it."""
    known = alloc if alloc in ops.ALLOCS.values() else None
    return ops.Program(ops.stamp(hdr, "malloc", known), records)


def encode_program(records, alloc, hdr=bytes(8)):
    """Canonical bytes: `kfz run` replays them as they ran here."""
    return _program(records, alloc, hdr).encode()


def program_text(records, alloc, hdr=bytes(8)):
    return _program(records, alloc, hdr).text()


class Slots:
    """OPS.md's slot rules for the heap ops over a HeapModel: an op naming an
    empty slot is a no-op, an allocation into an occupied slot is a no-op, a
    NULL result leaves the slot empty (realloc: keeps the old block),
    realloc(p, 0) is a no-op, the misuse ops are no-ops unless the target
    reports misuse, aligned_alloc is a no-op without TCAP_ALIGNED_ALLOC."""

    def __init__(self, model):
        self.m = model
        self.slot = [None] * NR_SLOTS

    def step(self, op):
        m, o, p = self.m, op.op, op.p
        b = self.slot[p]
        if o in (MALLOC, CALLOC, ALIGNED_ALLOC):
            if b is None:
                self.slot[p] = (m.malloc(op.size) if o == MALLOC else
                                m.calloc(op.count, op.size) if o == CALLOC else
                                m.aligned_alloc(op.malign, op.size))
        elif o == REALLOC:
            if b is not None and op.size:
                self.slot[p] = m.realloc(b, op.size) or b
        elif o == CHECK:
            pass                                # the check below
        elif b is None:
            return
        elif o == FREE:
            m.free(b)
            self.slot[p] = None
        elif o == USABLE_SIZE:
            m.usable_size(b)
        elif o == WRITE:
            m.write(b)
        elif o == VERIFY:
            m.verify(b)
        elif o == DOUBLE_FREE:
            if m.reports_misuse():
                m.double_free(b)
                self.slot[p] = None
        elif o == INTERIOR:
            if m.reports_misuse() and b.size >= 2:
                m.free_interior(b, op.u16)
        if o != VERIFY:
            m.check()


def run_program(records, target, null_ok_from=NULL_OK_FROM):
    """Run @records on an open Target; Violation("op N: TEXT: what") at the
    first failure, "end of program: ..." for the teardown's."""
    model = HeapModel(target, null_ok_from)
    slots = Slots(model)
    for i, op in enumerate(records):
        try:
            slots.step(op)
        except Violation as e:
            raise Violation("op %d: %s: %s" % (i, op.text(), e)) from None
    try:
        model.finish()
    except Violation as e:
        raise Violation("end of program (free everything): %s" % e) from None


def open_and_run(records, alloc, path=None, null_ok_from=NULL_OK_FROM, hdr=None):
    t = Target(alloc, path, hdr)
    try:
        run_program(records, t, null_ok_from)
    finally:
        t.close()


def save_failure(records, alloc, err, directory, stem, hdr=bytes(8)):
    """A failing heap program as canonical binary (header stamped target=malloc,
    alloc=@alloc, so `kfz run` replays it as it ran) and its text with the
    violation on top.  Returns the .bin path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, stem)
    with open(path + ".bin", "wb") as f:
        f.write(encode_program(records, alloc, hdr))
    with open(path + ".txt", "w") as f:
        f.write("# %s\n" % str(err).replace("\n", "\n# "))
        f.write(program_text(records, alloc, hdr))
    return path + ".bin"


def main(argv):
    """python3 props/heap.py --alloc=NAME FILE...: run each heap program (the
    .bin form) in this process on a fresh instance; print ok or the
    violation.  Exit 1 if any failed, 2 if the allocator cannot be had."""
    from ktarget import TargetUnavailable
    alloc, files = "glibc", []
    for a in argv:
        if a.startswith("--alloc="):
            alloc = a.split("=", 1)[1]
        else:
            files.append(a)
    if not files:
        print("usage: heap.py --alloc=NAME FILE.bin...")
        return 2
    bad = 0
    for path in files:
        with open(path, "rb") as f:
            hdr, records = decode_program(f.read())
        try:
            open_and_run(records, alloc, hdr=hdr)
            print("%s: ok" % path)
        except TargetUnavailable as e:
            print("ALLOC=%s" % e)
            return 2
        except Violation as e:
            print("%s: %s" % (path, e))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
