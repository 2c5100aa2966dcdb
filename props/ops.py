"""ops.py - the op language of harness/OPS.md in Python: decoder, encoder, text
printer and parser, and an executor that runs a program on a Sim (the
library through ctypes, the reference model in lockstep).

Written from the document, not from harness/ops.c; test_ops.py checks the
two agree byte for byte and line for line.  The decoder is total and
fixed-width: every byte string is a program, zero bytes are the simplest op
(p0 = kmalloc(1, GFP_KERNEL)), so hypothesis shrinks st.binary() programs
straight to canonical fuzz inputs.

Entry points: decode(), encode(), canonical(), to_text(), parse(), run(),
save_failure().
"""
import os
import re

import kalloc as K

HDR, REC, OPS_MAX, NR_OPS = 8, 8, 256, 64
SIZE_MAX = K.SIZE_MAX
DMA_EIGHTHS = [1, 0, 2, 4, 8]
CPUS = [1, 2, 4, 8, 3, 16, 32, 64]
ALIGNS = [0, 8, 16, 32, 64, 128, 4096, 24]
NAMES = ["task_struct", "inode_cache", "dentry", "buffer_head", "vm_area_struct", "mm_struct",
         "files_cache", "signal_cache", "sighand_cache", "cred_jar", "anon_vma",
         "radix_tree_node", "filp", "sock_inode_cache", "names_cache", "kmem_test"]
CFLAGS = [("SLAB_HWCACHE_ALIGN", K.SLAB_HWCACHE_ALIGN), ("SLAB_POISON", K.SLAB_POISON),
          ("SLAB_CACHE_DMA", K.SLAB_CACHE_DMA), (None, 0),
          ("SLAB_TYPESAFE_BY_RCU", K.SLAB_TYPESAFE_BY_RCU)]
CFLAG_CTOR = 0x08
GFP_BITS = ["GFP_ATOMIC", "GFP_DMA", "__GFP_ZERO", "__GFP_RECLAIMABLE", "__GFP_ACCOUNT"]

(KMALLOC, KFREE, KZALLOC, KREALLOC, KSIZE, KMALLOC_ARRAY, ALLOC_PAGES, GET_FREE_PAGES,
 FREE_PAGES, CACHE_CREATE, CACHE_ALLOC, CACHE_FREE, CACHE_SHRINK, CACHE_DESTROY, WRITE, VERIFY,
 CHECK, FAIL, SET_CPU, DRAIN, DOUBLE_FREE, WRONG_ORDER, INTERIOR, WRONG_CACHE, WRONG_OWNER,
 FOREIGN, SLABINFO, BUDDYINFO) = range(28)
NR_DEFINED = 28
P_OPS = {KFREE: "kfree", KSIZE: "ksize", FREE_PAGES: "free_pages", CACHE_FREE: "kmem_cache_free",
         WRITE: "write_pattern", VERIFY: "verify_pattern", DOUBLE_FREE: "double_free",
         WRONG_OWNER: "free_wrong_owner"}
NOARG_OPS = {CHECK: "check", DRAIN: "drain_all_pages", SLABINFO: "slabinfo",
             BUDDYINFO: "buddyinfo"}
TARGETS = {"none": None, "mixed": list(range(28)),
           "buddy": [6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25],
           "slab": [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23, 25],
           "kmalloc": [0, 1, 2, 3, 4, 5, 14, 15, 16, 17, 18, 20, 22, 23, 24, 25]}


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------
def size_decode(v):
    hi, lo = v >> 14, v & 0x3fff
    return [lo + 1, lo * 64, 1 << (lo % 48), (1 << (lo % 48)) + 1][hi]


def size_encode(size):
    """The u16 of the first row that expresses @size; None if none does."""
    if 1 <= size <= 16384:
        return size - 1
    if size % 64 == 0 and size // 64 < 1 << 14:
        return 1 << 14 | size // 64
    if size > 0 and size & (size - 1) == 0 and size.bit_length() - 1 < 48:
        return 2 << 14 | (size.bit_length() - 1)
    if size > 1 and (size - 1) & (size - 2) == 0 and (size - 1).bit_length() - 1 < 48:
        return 3 << 14 | ((size - 1).bit_length() - 1)
    return None


def count_decode(x5):
    return x5 if x5 < 0xf0 else SIZE_MAX >> (x5 - 0xf0)


def gfp_of_bits(bits):
    g = K.GFP_ATOMIC if bits & 1 else K.GFP_KERNEL
    for bit, flag in ((2, K.GFP_DMA), (4, K.ZERO_BIT), (8, K.RECLAIMABLE_BIT),
                      (16, K.ACCOUNT_BIT)):
        if bits & bit:
            g |= flag
    return g


class Op:
    """One record read through the table: op number and its raw bytes."""
    __slots__ = ("op", "b")

    def __init__(self, b, op=None):
        self.b = bytes(b)
        self.op = self.b[0] % NR_OPS if op is None else op

    p = property(lambda s: s.b[1] % 32)
    c = property(lambda s: s.b[1] % 8)
    c6 = property(lambda s: s.b[6] % 8)
    u16 = property(lambda s: s.b[2] | s.b[3] << 8)
    size = property(lambda s: size_decode(s.u16))
    gfpbits = property(lambda s: s.b[4] % 32)
    gfp = property(lambda s: gfp_of_bits(s.gfpbits))
    order = property(lambda s: s.b[5] % 11)
    delta = property(lambda s: 1 + s.b[5] % 10)
    count = property(lambda s: count_decode(s.b[5]))
    cflags = property(lambda s: s.b[5] % 32)
    align = property(lambda s: ALIGNS[s.b[4] % 8])
    name = property(lambda s: NAMES[s.b[6] % 16])
    cpu = property(lambda s: s.b[2] % 64)
    foreign = property(lambda s: s.b[2] % 3)

    def slab_flags(self):
        return sum(v for i, (_, v) in enumerate(CFLAGS) if self.cflags & (1 << i))

    def canonical(self):
        """The encoder's bytes for what the decoder reads."""
        o, b = self.op, [0] * REC
        b[0] = o
        size = lambda: size_encode(self.size)      # noqa: E731
        if o in (KMALLOC, KZALLOC, KREALLOC, KMALLOC_ARRAY):
            b[1], b[4] = self.p, self.gfpbits
            b[2], b[3] = size() & 0xff, size() >> 8
            if o == KMALLOC_ARRAY:
                b[5] = self.b[5]
        elif o in P_OPS:
            b[1] = self.p
        elif o in (ALLOC_PAGES, GET_FREE_PAGES):
            b[1], b[4], b[5] = self.p, self.gfpbits, self.order
        elif o == CACHE_CREATE:
            b[1], b[4], b[5], b[6] = self.c, self.b[4] % 8, self.cflags, self.b[6] % 16
            b[2], b[3] = size() & 0xff, size() >> 8
        elif o == CACHE_ALLOC:
            b[1], b[4], b[6] = self.p, self.gfpbits, self.c6
        elif o in (CACHE_SHRINK, CACHE_DESTROY):
            b[1] = self.c
        elif o == FAIL:
            b[2], b[3] = self.b[2], self.b[3]
        elif o == SET_CPU:
            b[2] = self.cpu
        elif o == WRONG_ORDER:
            b[1], b[5] = self.p, self.b[5] % 10
        elif o == INTERIOR:
            b[1], b[2], b[3] = self.p, self.b[2], self.b[3]
        elif o == WRONG_CACHE:
            b[1], b[6] = self.p, self.c6
        elif o == FOREIGN:
            b[2] = self.foreign
            if self.foreign == 2:
                b[6] = self.c6
        return bytes(b)

    def text(self):
        o = self.op
        gfp = lambda: " | ".join(["GFP_ATOMIC" if self.gfpbits & 1 else "GFP_KERNEL"] +  # noqa
                                 [n for i, n in enumerate(GFP_BITS) if i and self.gfpbits >> i & 1])
        if o >= NR_DEFINED:
            return "nop(%d)" % o
        if o in (KMALLOC, KZALLOC):
            return "p%d = %s(%d, %s)" % (self.p, "kmalloc" if o == KMALLOC else "kzalloc",
                                         self.size, gfp())
        if o == KREALLOC:
            return "p%d = krealloc(p%d, %d, %s)" % (self.p, self.p, self.size, gfp())
        if o == KMALLOC_ARRAY:
            x5 = self.b[5]
            n = str(x5) if x5 < 0xf0 else "SIZE_MAX" if x5 == 0xf0 else "SIZE_MAX >> %d" % (
                x5 - 0xf0)
            return "p%d = kmalloc_array(%s, %d, %s)" % (self.p, n, self.size, gfp())
        if o in (ALLOC_PAGES, GET_FREE_PAGES):
            return "p%d = %s(%s, %d)" % (self.p, "alloc_pages" if o == ALLOC_PAGES
                                         else "__get_free_pages", gfp(), self.order)
        if o == CACHE_CREATE:
            names = [n for i, (n, _) in enumerate(CFLAGS) if n and self.cflags >> i & 1]
            return 'c%d = kmem_cache_create("%s", %d, %d, %s%s)' % (
                self.c, self.name, self.size, self.align, " | ".join(names) or "0",
                ", ctor" if self.cflags & CFLAG_CTOR else "")
        if o == CACHE_ALLOC:
            return "p%d = kmem_cache_alloc(c%d, %s)" % (self.p, self.c6, gfp())
        if o in (CACHE_SHRINK, CACHE_DESTROY):
            return "%s(c%d)" % ("kmem_cache_shrink" if o == CACHE_SHRINK else
                                "kmem_cache_destroy", self.c)
        if o == FAIL:
            return "fail_page_alloc(%d, %d)" % (self.b[2], self.b[3])
        if o == SET_CPU:
            return "set_cpu(%d)" % self.cpu
        if o == WRONG_ORDER:
            return "free_wrong_order(p%d, +%d)" % (self.p, self.delta)
        if o == INTERIOR:
            return "free_interior(p%d, %d)" % (self.p, self.u16)
        if o == WRONG_CACHE:
            return "free_wrong_cache(p%d, c%d)" % (self.p, self.c6)
        if o == FOREIGN:
            if self.foreign == 2:
                return "free_foreign(kmem_cache_free, c%d)" % self.c6
            return "free_foreign(%s)" % ("kfree" if self.foreign == 0 else "free_pages")
        if o in NOARG_OPS:
            return "%s()" % NOARG_OPS[o]
        return "%s(p%d)" % (P_OPS[o], self.p)


class Program:
    def __init__(self, hdr, ops):
        self.hdr, self.ops = bytes(hdr), ops

    def config(self):
        h = self.hdr
        pages = 1024 * (1 + h[0] % 8)
        max_order = 10 - h[5] % 6
        if h[3] % 2 and h[4] % 2:
            max_order = max(max_order, 6)   # classic + poison: size-131072 needs order 6
        return dict(nr_pages=pages, dma_pages=pages * DMA_EIGHTHS[h[1] % 5] // 8,
                    nr_cpus=CPUS[h[2] % 8], profile=h[3] % 2,
                    slub_debug=K.MACHINE_SLUB_POISON if h[4] % 2 else 0,
                    max_order=max_order)

    def canonical_header(self):
        """The encoder's header for what the decoder reads (max_order raised to 6
        is written as 6, h5 = 4)."""
        h = self.hdr
        return bytes([h[0] % 8, h[1] % 5, h[2] % 8, h[3] % 2, h[4] % 2,
                      10 - self.config()["max_order"], 0, 0])

    def header_text(self):
        c = self.config()
        return "machine(pages=%d, dma=%d, cpus=%d, profile=%s, poison=%d, max_order=%d)" % (
            c["nr_pages"], c["dma_pages"], c["nr_cpus"], "classic" if c["profile"] else "default",
            1 if c["slub_debug"] else 0, c["max_order"])

    def encode(self):
        return self.canonical_header() + b"".join(o.canonical() for o in self.ops)

    def text(self):
        return "\n".join([self.header_text()] + [o.text() for o in self.ops]) + "\n"


def decode(data, target="none"):
    """Any byte string as a Program (never fails)."""
    data = bytes(data)
    hdr = (data[:HDR] + bytes(HDR))[:HDR]
    body = data[HDR:]
    n = min(len(body) // REC, OPS_MAX)
    ops = []
    ts = TARGETS[target]
    for i in range(n):
        op = Op(body[i * REC:(i + 1) * REC])
        if ts is not None and op.op not in ts:
            op = Op(op.b, ts[op.op % len(ts)])
        ops.append(op)
    return Program(hdr, ops)


def canonical(data, target="none"):
    return decode(data, target).encode()


def to_text(data, target="none"):
    return decode(data, target).text()


# ---------------------------------------------------------------------------
# Text parser (OPS.md section 3): text -> canonical bytes
# ---------------------------------------------------------------------------
class ParseError(ValueError):
    pass


def _num(s):
    s = s.strip()
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def _gfp_bits(s):
    bits = 0
    for tok in (t.strip() for t in s.split("|")):
        if tok == "GFP_KERNEL":
            continue
        if tok not in GFP_BITS:
            raise ParseError("unknown GFP flag %r" % tok)
        bits |= 1 << GFP_BITS.index(tok)
    return bits


def _size_bytes(s):
    v = size_encode(_num(s))
    if v is None:
        raise ParseError("size %s cannot be expressed" % s)
    return v & 0xff, v >> 8


def _count_byte(s):
    s = s.strip()
    m = re.fullmatch(r"SIZE_MAX(?:\s*>>\s*(\w+))?", s)
    if m:
        k = _num(m.group(1)) if m.group(1) else 0
        if not 0 <= k < 16:
            raise ParseError("count %s cannot be expressed" % s)
        return 0xf0 + k
    n = _num(s)
    if n < 0xf0:
        return n
    for k in range(16):
        if SIZE_MAX >> k == n:
            return 0xf0 + k
    raise ParseError("count %s cannot be expressed" % s)


def _slot(s, letter, n):
    m = re.fullmatch(letter + r"(\d+)", s.strip())
    if not m or int(m.group(1)) >= n:
        raise ParseError("bad slot %r" % s)
    return int(m.group(1))


def _split_args(s):
    out, depth, cur, q = [], 0, "", False
    for ch in s:
        if ch == '"':
            q = not q
        if ch == "," and not q and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _parse_header(args):
    h = [0] * HDR
    kv = {}
    for a in args:
        k, _, v = a.partition("=")
        kv[k.strip()] = v.strip()
    pages = _num(kv.get("pages", "1024"))
    if pages % 1024 or not 1 <= pages // 1024 <= 8:
        raise ParseError("pages=%d" % pages)
    h[0] = pages // 1024 - 1
    if "dma" in kv:
        d = _num(kv["dma"])
        for i, e in enumerate(DMA_EIGHTHS):
            if pages * e // 8 == d:
                h[1] = i
                break
        else:
            raise ParseError("dma=%d" % d)
    if "cpus" in kv:
        if _num(kv["cpus"]) not in CPUS:
            raise ParseError("cpus=%s" % kv["cpus"])
        h[2] = CPUS.index(_num(kv["cpus"]))
    prof = kv.get("profile", "default")
    if prof not in ("default", "classic"):
        raise ParseError("profile=%s" % prof)
    h[3] = prof == "classic"
    h[4] = _num(kv.get("poison", "0"))
    if h[4] not in (0, 1):
        raise ParseError("poison=%d" % h[4])
    mo = _num(kv.get("max_order", "10"))
    if not 5 <= mo <= 10:
        raise ParseError("max_order=%d" % mo)
    h[5] = 10 - mo
    return bytes(h)


def _parse_op(line):
    m = re.fullmatch(r"(?:(\w+)\s*=\s*)?([\w]+)\s*\((.*)\)", line)
    if not m:
        raise ParseError("cannot read %r" % line)
    lhs, fn, args = m.group(1), m.group(2), _split_args(m.group(3))
    b = [0] * REC
    names = {"kmalloc": KMALLOC, "kzalloc": KZALLOC, "krealloc": KREALLOC,
             "kmalloc_array": KMALLOC_ARRAY, "alloc_pages": ALLOC_PAGES,
             "__get_free_pages": GET_FREE_PAGES, "kmem_cache_create": CACHE_CREATE,
             "kmem_cache_alloc": CACHE_ALLOC, "kmem_cache_shrink": CACHE_SHRINK,
             "kmem_cache_destroy": CACHE_DESTROY, "fail_page_alloc": FAIL, "set_cpu": SET_CPU,
             "free_wrong_order": WRONG_ORDER, "free_interior": INTERIOR,
             "free_wrong_cache": WRONG_CACHE, "free_foreign": FOREIGN}
    names.update({v: k for k, v in P_OPS.items()})
    names.update({v: k for k, v in NOARG_OPS.items()})
    if fn == "nop":
        o = _num(args[0])
        if not NR_DEFINED <= o < NR_OPS:
            raise ParseError("nop(%d)" % o)
        b[0] = o
        return bytes(b)
    if fn not in names:
        raise ParseError("unknown op %r" % fn)
    o = b[0] = names[fn]
    if o in (KMALLOC, KZALLOC):
        b[1] = _slot(lhs, "p", 32)
        b[2], b[3] = _size_bytes(args[0])
        b[4] = _gfp_bits(args[1])
    elif o == KREALLOC:
        b[1] = _slot(lhs, "p", 32)
        if _slot(args[0], "p", 32) != b[1]:
            raise ParseError("krealloc must assign to its own slot")
        b[2], b[3] = _size_bytes(args[1])
        b[4] = _gfp_bits(args[2])
    elif o == KMALLOC_ARRAY:
        b[1] = _slot(lhs, "p", 32)
        b[5] = _count_byte(args[0])
        b[2], b[3] = _size_bytes(args[1])
        b[4] = _gfp_bits(args[2])
    elif o in (ALLOC_PAGES, GET_FREE_PAGES):
        b[1] = _slot(lhs, "p", 32)
        b[4] = _gfp_bits(args[0])
        b[5] = _num(args[1])
        if b[5] > 10:
            raise ParseError("order %d" % b[5])
    elif o == CACHE_CREATE:
        b[1] = _slot(lhs, "c", 8)
        name = args[0].strip().strip('"')
        if name not in NAMES:
            raise ParseError("cache name %r not in the table" % name)
        b[6] = NAMES.index(name)
        b[2], b[3] = _size_bytes(args[1])
        if _num(args[2]) not in ALIGNS:
            raise ParseError("align %s" % args[2])
        b[4] = ALIGNS.index(_num(args[2]))
        f = 0
        for tok in (t.strip() for t in args[3].split("|")):
            if tok == "0":
                continue
            idx = [n for n, _ in CFLAGS].index(tok) if tok in [n for n, _ in CFLAGS] else -1
            if idx < 0:
                raise ParseError("flag %r" % tok)
            f |= 1 << idx
        if len(args) > 4:
            if args[4] != "ctor":
                raise ParseError("fifth argument must be ctor")
            f |= CFLAG_CTOR
        b[5] = f
    elif o == CACHE_ALLOC:
        b[1] = _slot(lhs, "p", 32)
        b[6] = _slot(args[0], "c", 8)
        b[4] = _gfp_bits(args[1])
    elif o in (CACHE_SHRINK, CACHE_DESTROY):
        b[1] = _slot(args[0], "c", 8)
    elif o == FAIL:
        b[2], b[3] = _num(args[0]), _num(args[1])
    elif o == SET_CPU:
        b[2] = _num(args[0])
        if b[2] >= 64:
            raise ParseError("cpu %d" % b[2])
    elif o == WRONG_ORDER:
        b[1] = _slot(args[0], "p", 32)
        d = _num(args[1].lstrip("+"))
        if not 1 <= d <= 10:
            raise ParseError("delta %d" % d)
        b[5] = d - 1
    elif o == INTERIOR:
        b[1] = _slot(args[0], "p", 32)
        v = _num(args[1])
        b[2], b[3] = v & 0xff, v >> 8
    elif o == WRONG_CACHE:
        b[1] = _slot(args[0], "p", 32)
        b[6] = _slot(args[1], "c", 8)
    elif o == FOREIGN:
        fns = ["kfree", "free_pages", "kmem_cache_free"]
        if args[0] not in fns:
            raise ParseError("free_foreign(%s)" % args[0])
        b[2] = fns.index(args[0])
        if b[2] == 2:
            b[6] = _slot(args[1], "c", 8)
    elif o in P_OPS:
        b[1] = _slot(args[0], "p", 32)
    return bytes(b)


def parse(text):
    """Text -> canonical bytes; ParseError("line N: why")."""
    hdr, recs = bytes(HDR), []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if line.startswith("machine("):
                hdr = _parse_header(_split_args(line[len("machine("):-1]))
            else:
                recs.append(_parse_op(line))
        except (ParseError, ValueError, IndexError, TypeError) as e:
            raise ParseError("line %d: %s" % (n, e))
    return hdr + b"".join(recs)


def load_file(path, target="none"):
    """A corpus file, binary or text (by extension), as a Program."""
    data = open(path, "rb").read()
    if path.endswith((".txt", ".kfz", ".prog")):
        data = parse(data.decode())
    return decode(data, target)


# ---------------------------------------------------------------------------
# Executor (OPS.md section 2) on a Sim
# ---------------------------------------------------------------------------
ZERO = "ZERO_SIZE_PTR"


def run(prog, check_every=1, sim_factory=None):
    """Execute @prog; AssertionError("op N: TEXT: what") at the first violation."""
    from system import Sim, MachineRefused
    try:
        sim = (sim_factory or Sim)(**prog.config())
    except MachineRefused:
        return
    try:
        slots, cslots = [None] * 32, [None] * 8
        for i, op in enumerate(prog.ops):
            try:
                _step(sim, op, slots, cslots)
                if check_every and (i + 1) % check_every == 0:
                    sim.check_all()
            except AssertionError as e:
                raise AssertionError("op %d: %s: %s" % (i, op.text(), e)) from None
        try:
            sim.check_all()
            sim.free_everything()
        except AssertionError as e:
            raise AssertionError("end of program (free everything): %s" % e) from None
    finally:
        sim.close()


def _span(al):
    return al.size


def _step(sim, op, slots, cslots):
    o = op.op
    if o >= NR_DEFINED:
        return
    p = op.p
    cur = slots[p]
    kind = cur[0] if cur else None
    al = cur[1] if cur else None

    def store(kind_, res):
        slots[p] = (kind_, res) if res is not None else None

    if o in (KMALLOC, KZALLOC):
        if cur:
            return
        size, gfp = op.size, op.gfp
        res = sim.kmalloc(size, gfp, zero=(o == KZALLOC))
        store("kmalloc", ZERO if size == 0 else res)
    elif o == KMALLOC_ARRAY:
        if cur:
            return
        n, size = op.count, op.size
        res = sim.kmalloc_array(n, size, op.gfp)
        store("kmalloc", ZERO if n * size == 0 else res)
    elif o == KREALLOC:
        if kind != "kmalloc":
            return
        size = op.size
        if al is ZERO:
            res = sim.krealloc_zero(size, op.gfp)
            if size == 0 or res is not None:
                store("kmalloc", ZERO if size == 0 else res)
            return
        res = sim.krealloc(al, size, op.gfp)
        if size == 0:
            store("kmalloc", ZERO)
        elif res is not None:
            store("kmalloc", res)
    elif o == KFREE:
        if kind != "kmalloc":
            return
        if al is ZERO:
            assert sim.k.kfree(K.ZERO_SIZE_PTR) == 0
        else:
            sim.kfree(al)
        slots[p] = None
    elif o == KSIZE:
        if kind != "kmalloc":
            return
        if al is ZERO:
            assert sim.k.ksize(K.ZERO_SIZE_PTR) == 0
        else:
            got, want = sim.k.ksize(al.addr), sim.m.ksize(sim.off(al.addr))
            assert got == want, "ksize %d, model %d" % (got, want)
    elif o in (ALLOC_PAGES, GET_FREE_PAGES):
        if cur:
            return
        store("pages", sim.alloc_pages(op.gfp, op.order, via_page=(o == ALLOC_PAGES)))
    elif o == FREE_PAGES:
        if kind != "pages":
            return
        sim.free_pages(al, via_page=al.page is not None)
        slots[p] = None
    elif o == CACHE_CREATE:
        if cslots[op.c]:
            return
        cslots[op.c] = sim.cache_create(op.name, op.size, op.align, op.slab_flags(),
                                        bool(op.cflags & CFLAG_CTOR))
    elif o == CACHE_ALLOC:
        ref = cslots[op.c6]
        if cur or not ref:
            return
        store("obj", sim.cache_alloc(ref, op.gfp))
    elif o == CACHE_FREE:
        if kind != "obj":
            return
        sim.cache_free(al)
        slots[p] = None
    elif o == CACHE_SHRINK:
        if cslots[op.c]:
            sim.cache_shrink(cslots[op.c])
    elif o == CACHE_DESTROY:
        if cslots[op.c] and sim.cache_destroy(cslots[op.c]):
            cslots[op.c] = None
    elif o == WRITE:
        if cur and al is not ZERO:
            sim._fill(al)
    elif o == VERIFY:
        if cur and al is not ZERO:
            sim.verify(al)
    elif o == CHECK:
        sim.check_all()
    elif o == FAIL:
        sim.inject(op.b[2], op.b[3])
    elif o == SET_CPU:
        sim.set_cpu(op.cpu)
    elif o == DRAIN:
        sim.drain()
    elif o == DOUBLE_FREE:
        if not cur or al is ZERO:
            return
        off = sim.off(al.addr)
        if kind == "pages":
            sim.free_pages(al, via_page=al.page is not None)
            sim.bad_free_pages(off, al.order, via_page=al.page is not None)
        elif kind == "obj":
            sim.cache_free(al)
            sim.bad_cache_free(al.cache, off)
        else:
            sim.kfree(al)
            sim.bad_kfree(off)
        slots[p] = None
    elif o == WRONG_ORDER:
        if kind == "pages":
            sim.bad_free_pages(sim.off(al.addr), (al.order + op.delta) % 11,
                               via_page=al.page is not None)
    elif o == INTERIOR:
        if not cur or al is ZERO or _span(al) < 2:
            return
        s, v = _span(al), op.u16
        d = v if 1 <= v < s else 1 + v % (s - 1)
        off = sim.off(al.addr) + d
        if kind == "pages":
            sim.bad_free_pages(off, al.order)
        elif kind == "obj":
            sim.bad_cache_free(al.cache, off)
        else:
            sim.bad_kfree(off)
    elif o == WRONG_CACHE:
        ref = cslots[op.c6]
        if not cur or al is ZERO or not ref or kind == "pages":
            return
        loc = sim.m.locate(sim.off(al.addr))
        if loc[0] != "slab" or loc[2] is ref.m:
            return
        sim.bad_cache_free(ref, sim.off(al.addr))
    elif o == WRONG_OWNER:
        if kind == "pages":
            sim.bad_kfree(sim.off(al.addr))
        elif kind == "kmalloc" and al is not ZERO and \
                sim.m.locate(sim.off(al.addr))[0] == "page":
            sim.bad_free_pages(sim.off(al.addr), sim.m.order[sim.off(al.addr) >> K.PAGE_SHIFT])
    elif o == FOREIGN:
        off = sim.m.nr_pages * K.PAGE_SIZE
        if op.foreign == 0:
            sim.bad_kfree(off)
        elif op.foreign == 1:
            sim.bad_free_pages(off, 0)
        elif cslots[op.c6]:
            sim.bad_cache_free(cslots[op.c6], off)
    elif o in (SLABINFO, BUDDYINFO):
        fn = "proc_slabinfo" if o == SLABINFO else "proc_buddyinfo"
        want = sim.m.slabinfo() if o == SLABINFO else sim.m.buddyinfo()
        assert sim.k.proc(fn) == want, "%s() differs from the model" % fn


def save_failure(data, err, directory, stem):
    """Write a failing program as canonical binary plus its text (with the
    violation as a comment) for `make replay CRASH=file`.  Returns the path."""
    os.makedirs(directory, exist_ok=True)
    prog = decode(data)
    raw = prog.encode()
    # One name per property: hypothesis replays the shrunk example last, so
    # the file left behind is the minimal one.
    path = os.path.join(directory, stem)
    with open(path + ".bin", "wb") as f:
        f.write(raw)
    with open(path + ".txt", "w") as f:
        f.write("# %s\n" % str(err).replace("\n", "\n# "))
        f.write(prog.text())
    return path + ".bin"
