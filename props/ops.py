"""ops.py - the op language of harness/OPS.md in Python: decoder, encoder, text
printer and parser, and an executor that runs a program on a Sim (the
library through ctypes, the reference model in lockstep).

The op table is not written here: it is read at import from harness/ops.def,
the file harness/ops.c is built from (op numbers, names, text forms, fields,
the op set of every fuzz target, header stamps, small tables).  What each
field kind means (how SIZE decodes, how GFP prints) is written here from the
document, independently of ops.c; test_ops.py checks the two agree byte for
byte and line for line, on every target.  The decoder is total and
fixed-width: every byte string is a program, zero bytes are the simplest op
(p0 = kmalloc(1, GFP_KERNEL)), so hypothesis shrinks st.binary() programs
straight to canonical fuzz inputs.

The executor run() drives kalloc, which has no malloc: the heap ops
(malloc, calloc, realloc, aligned_alloc, free, malloc_usable_size) are
no-ops for it, like the reserved ops.

Entry points: decode(), encode(), canonical(), to_text(), parse(), run(),
save_failure(); read_def() for the table itself.
"""
import os
import re

import kalloc as K

DEF_PATH = os.path.join(K.ROOT, "harness", "ops.def")


# ---------------------------------------------------------------------------
# harness/ops.def
# ---------------------------------------------------------------------------
def _def_args(body):
    """The arguments of one DEF_*(...): ints, "strings" (\\" unescaped) and words."""
    args, cur, q, i = [], "", False, 0
    while i < len(body):
        ch = body[i]
        if q and ch == "\\":
            cur += body[i:i + 2]
            i += 2
            continue
        if ch == '"':
            q = not q
        if ch == "," and not q:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    args.append(cur.strip())
    out = []
    for a in args:
        if a.startswith('"'):
            out.append(a[1:-1].replace('\\"', '"'))
        elif re.fullmatch(r"\d+", a):
            out.append(int(a))
        else:
            out.append(a)
    return out


def read_def(path=DEF_PATH):
    """Every DEF_KIND(args) entry of @path, in order, as (KIND, [args])."""
    text = re.sub(r"/\*.*?\*/", " ", open(path).read(), flags=re.S)
    found = [(m.group(1), _def_args(m.group(2))) for m in re.finditer(
        r'^[ \t]*DEF_(\w+)\s*\(((?:[^()"]|"(?:[^"\\]|\\.)*")*)\)', text, re.M)]
    starts = len(re.findall(r"^[ \t]*DEF_\w+\s*\(", text, re.M))
    if starts != len(found):
        raise ImportError("%s: %d DEF_ entries, %d readable" % (path, starts, len(found)))
    return found


_DEF = read_def()
FIELDS = {a[0]: (a[1], a[2]) for k, a in _DEF if k == "FIELD"}      # name: (byte, mod)
OP_DEFS = [(a[0], a[1], a[2].split("|"), a[3]) for k, a in _DEF if k == "OP"]
RESERVED = [tuple(a) for k, a in _DEF if k == "RESERVED"]          # (lo, hi, RANGE, what)
TARGET_DEFS = [tuple(a) for k, a in _DEF if k == "TARGET"]         # (ENUM, name, stamp, READS)
ALLOCS = {a[0]: a[2] for k, a in _DEF if k == "ALLOC"}             # code: name
STAMPS = {a[0]: (a[1], a[2]) for k, a in _DEF if k == "STAMP"}     # ENUM: (byte, mod)
TABLES = {a[0]: a[1:] for k, a in _DEF if k in ("STRINGS", "NUMBERS")}

HDR, REC, OPS_MAX, NR_OPS = 8, 8, 256, 64
SIZE_MAX = K.SIZE_MAX
DMA_EIGHTHS = TABLES["hdr_dma_eighths"]
CPUS = TABLES["hdr_cpus"]
PROFILES = TABLES["hdr_profiles"]
DEBUG_LETTERS = TABLES["hdr_slub_debug_letters"]      # bit i of h4 % 16: "P", "F", "Z", "U"
DEBUG_PRINT_ORDER = "FZPU"                             # Linux's slub_debug=FZPU
ALIGNS = TABLES["cache_aligns"]
NAMES = TABLES["cache_names"]
GFP_BITS = TABLES["gfp_bit_names"]
GFP_ALIASES = TABLES["gfp_bit_aliases"]
FOREIGN_FNS = TABLES["foreign_fn_names"]
CFLAG_CTOR = 1 << TABLES["cache_flag_names"].index("ctor")
CFLAGS = [(None, 0) if n == "ctor" else (n, getattr(K, n)) for n in TABLES["cache_flag_names"]]

# One module constant per op, named as the C enum without OP_: KMALLOC = 0 ...
# BUDDYINFO = 27, MALLOC = 48 ... USABLE_SIZE = 53 (the executor below uses them).
OP_TEXT = {}            # op: text form, "pP = kmalloc(SIZE, GFP)"
OP_NAME = {}            # op: "kmalloc"
for _num, _enum, _sets, _text in OP_DEFS:
    globals()[_enum] = _num
    OP_TEXT[_num] = _text
    OP_NAME[_num] = re.sub(r"^.*=\s*", "", _text.split("(", 1)[0]).strip()
NR_DEFINED = next(lo for lo, _, rng, _ in RESERVED if rng == "CORE")


def _tokens(text):
    """A text form as ("F", FIELD) and ("L", char) tokens."""
    return [("F", t) if t[0].isupper() else ("L", t) for t in re.findall(r"[A-Z][A-Z0-9]*|.", text)]


OP_TOKENS = {op: _tokens(t) for op, t in OP_TEXT.items()}
OP_FIELDS = {op: {v for k, v in toks if k == "F"} for op, toks in OP_TOKENS.items()}
TARGETS = {name: None if reads == "ALL" else
           sorted(num for num, _, sets, _ in OP_DEFS if enum in sets)
           for enum, name, _, reads in TARGET_DEFS}
TARGET_STAMPS = {stamp: name for _, name, stamp, _ in TARGET_DEFS}   # code: name
P_OPS = {op: OP_NAME[op] for op, t in OP_TEXT.items() if t == OP_NAME[op] + "(pP)"}
NOARG_OPS = {op: OP_NAME[op] for op, t in OP_TEXT.items() if t == OP_NAME[op] + "()"}


def def_problems(entries):
    """What is wrong with ops.def's @entries (read_def()), as ops.c's table
    check and static asserts would also say; [] when nothing is."""
    fields = {a[0]: (a[1], a[2]) for k, a in entries if k == "FIELD"}
    targets = {a[0]: a[3] for k, a in entries if k == "TARGET"}
    tables = {a[0]: a[1:] for k, a in entries if k in ("STRINGS", "NUMBERS")}
    out, seen, names, members = [], {}, {}, {t: 0 for t in targets}
    for k, a in entries:
        if k == "OP":
            num, _, sets, text = a
            seen[num] = seen.get(num, 0) + 1
            name = re.sub(r"^.*=\s*", "", text.split("(", 1)[0]).strip()
            if not re.fullmatch(r"[a-z0-9_]+", name) or not text.endswith(")"):
                out.append("op %d: text %r has no name(...)" % (num, text))
            elif name in names:
                out.append("op %d: the name %s is op %d's too" % (num, name, names[name]))
            names.setdefault(name, num)
            used = {}
            for kind, v in _tokens(text):
                if kind != "F":
                    continue
                if v not in fields:
                    out.append("op %d: unknown field %s" % (num, v))
                    continue
                byte, mod = fields[v]
                extra = ([byte + 1] if mod > 256 else []) + ([fields["C6"][0]] if v == "FN" else [])
                for b in [byte] + extra:
                    if used.get(b, v) != v:
                        out.append("op %d: fields %s and %s share a byte" % (num, used[b], v))
                    used[b] = v
            for t in sets.split("|"):
                if t not in targets:
                    out.append("op %d: unknown target %s" % (num, t))
                elif targets[t] == "ALL":
                    out.append("op %d: target %s reads every op; it is not listed" % (num, t))
                else:
                    members[t] += 1
        elif k == "RESERVED":
            for n in range(a[0], a[1] + 1):
                seen[n] = seen.get(n, 0) + 1
    out += ["op %d is neither defined nor reserved" % n for n in range(NR_OPS) if n not in seen]
    out += ["op %d is defined or reserved %d times" % (n, c)
            for n, c in sorted(seen.items()) if c > 1]
    out += ["target %s has no ops" % t
            for t, n in members.items() if n == 0 and targets[t] != "ALL"]
    for table, field, size in (("cache_names", "NAME", len), ("cache_aligns", "ALIGN", len),
                               ("foreign_fn_names", "FN", len),
                               ("gfp_bit_names", "GFP", lambda t: 1 << len(t)),
                               ("gfp_bit_aliases", "GFP", lambda t: 1 << len(t)),
                               ("cache_flag_names", "FLAGS", lambda t: 1 << len(t))):
        if size(tables.get(table, [])) != fields.get(field, (0, -1))[1]:
            out.append("table %s does not fit field %s" % (table, field))
    return out


_PROBLEMS = def_problems(_DEF)
if _PROBLEMS:
    raise ImportError("harness/ops.def: " + "; ".join(_PROBLEMS))


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


def _raw(name):
    byte, mod = FIELDS[name]
    return lambda s: s.b[byte] % mod


class Op:
    """One record read through the table: op number and its raw bytes."""
    __slots__ = ("op", "b")

    def __init__(self, b, op=None):
        self.b = bytes(b)
        self.op = self.b[0] % NR_OPS if op is None else op

    p = property(_raw("P"))
    c = property(_raw("C"))
    c6 = property(_raw("C6"))
    u16 = property(lambda s: s.b[2] | s.b[3] << 8)
    size = property(lambda s: size_decode(s.u16))
    gfpbits = property(_raw("GFP"))
    gfp = property(lambda s: gfp_of_bits(s.gfpbits))
    order = property(_raw("ORDER"))
    delta = property(lambda s: 1 + _raw("DELTA")(s))
    count = property(lambda s: count_decode(s.b[FIELDS["COUNT"][0]]))
    cflags = property(_raw("FLAGS"))
    align = property(lambda s: ALIGNS[_raw("ALIGN")(s)])
    name = property(lambda s: NAMES[_raw("NAME")(s)])
    cpu = property(_raw("CPU"))
    foreign = property(_raw("FN"))
    malign = property(lambda s: 1 << _raw("MALIGN")(s))
    soff = property(lambda s: s.u16 - 0x10000 if s.u16 & 0x8000 else s.u16)
    length = property(lambda s: 1 + _raw("LEN")(s))
    mlength = property(lambda s: s.b[FIELDS["MLEN"][0]] | s.b[FIELDS["MLEN"][0] + 1] << 8)
    pdelta = property(lambda s: s.b[FIELDS["PDELTA"][0]] - 256 * (s.b[FIELDS["PDELTA"][0]] >= 128))

    def fields(self):
        """The fields this record reads (free_foreign(kmem_cache_free) also C6)."""
        f = set(OP_FIELDS.get(self.op, ()))
        if "FN" in f and self.foreign == 2:
            f.add("C6")
        return f

    def slab_flags(self):
        return sum(v for i, (_, v) in enumerate(CFLAGS) if self.cflags & (1 << i))

    def canonical(self):
        """The encoder's bytes for what the decoder reads: the fields the op's
        text names, reduced; every other byte 0."""
        b = [0] * REC
        b[0] = self.op
        for f in OP_FIELDS.get(self.op, ()):
            byte, mod = FIELDS[f]
            if f == "SIZE":
                v = size_encode(self.size)
                b[byte], b[byte + 1] = v & 0xff, v >> 8
            elif f == "FN":
                b[byte] = self.foreign
                if self.foreign == 2:
                    b[FIELDS["C6"][0]] = self.c6
            elif mod > 256:
                b[byte], b[byte + 1] = self.b[byte], self.b[byte + 1]
            else:
                b[byte] = self.b[byte] % mod
        return bytes(b)

    def field_text(self, f):
        if f in ("P", "C", "C6", "ORDER", "CPU", "DELTA", "MALIGN", "SIZE", "ALIGN", "SOFF", "LEN"):
            return str(getattr(self, {"P": "p", "C": "c", "C6": "c6", "ORDER": "order",
                                      "CPU": "cpu", "DELTA": "delta", "MALIGN": "malign",
                                      "SIZE": "size", "ALIGN": "align", "SOFF": "soff",
                                      "LEN": "length"}[f]))
        if f == "GFP":
            return " | ".join(["GFP_ATOMIC" if self.gfpbits & 1 else "GFP_KERNEL"] +
                              [n for i, n in enumerate(GFP_BITS) if i and self.gfpbits >> i & 1])
        if f == "COUNT":
            x5 = self.b[FIELDS["COUNT"][0]]
            return str(x5) if x5 < 0xf0 else "SIZE_MAX" if x5 == 0xf0 else \
                "SIZE_MAX >> %d" % (x5 - 0xf0)
        if f == "FLAGS":
            names = [n for i, (n, _) in enumerate(CFLAGS) if n and self.cflags >> i & 1]
            return (" | ".join(names) or "0") + (", ctor" if self.cflags & CFLAG_CTOR else "")
        if f == "NAME":
            return self.name
        if f in ("OFF", "SKIP", "TIMES"):
            byte, mod = FIELDS[f]
            return str(self.u16 if mod > 256 else self.b[byte])
        if f == "MLEN":
            return str(self.mlength)
        if f == "PDELTA":
            return "%+d" % self.pdelta if self.pdelta else "0"
        if f == "FN":
            return FOREIGN_FNS[self.foreign] + (", c%d" % self.c6 if self.foreign == 2 else "")
        raise KeyError(f)

    def text(self):
        if self.op not in OP_TOKENS:
            return "nop(%d)" % self.op
        return "".join(self.field_text(v) if k == "F" else v for k, v in OP_TOKENS[self.op])


def _stamp(h, which, names):
    byte, mod = STAMPS[which]
    code = h[byte] % mod
    return code if code in names else 0


class Program:
    def __init__(self, hdr, ops):
        self.hdr, self.ops = bytes(hdr), ops

    def config(self):
        h = self.hdr
        pages = 1024 * (1 + h[0] % 8)
        max_order = 10 - h[5] % 6
        if h[3] % 2 and self.debug() & 0b0100:
            max_order = max(max_order, 7)   # classic + Z: size-131072's slot is 3 x 128 KiB
        elif h[3] % 2 and self.debug() & 0b1001:
            max_order = max(max_order, 6)   # classic + P or U: size-131072 needs order 6
        return dict(nr_pages=pages, dma_pages=pages * DMA_EIGHTHS[h[1] % len(DMA_EIGHTHS)] // 8,
                    nr_cpus=CPUS[h[2] % len(CPUS)], profile=h[3] % 2,
                    slub_debug=sum(K.MACHINE_SLUB_DEBUG_BITS[i] for i in range(4)
                                   if self.debug() >> i & 1),
                    max_order=max_order)

    def debug(self):
        """Header byte h4 % 16: bit i is slub_debug letter DEBUG_LETTERS[i]."""
        return self.hdr[4] % 16

    def debug_letters(self):
        return "".join(c for c in DEBUG_PRINT_ORDER if self.debug() >> DEBUG_LETTERS.index(c) & 1)

    def target_stamp(self):
        """The fuzz target header byte h6 names, or None."""
        return TARGET_STAMPS.get(_stamp(self.hdr, "TARGET", TARGET_STAMPS))

    def alloc_stamp(self):
        """The allocator header byte h7 names, or None."""
        return ALLOCS.get(_stamp(self.hdr, "ALLOC", ALLOCS))

    def canonical_header(self):
        """The encoder's header for what the decoder reads (max_order raised to 6
        is written as 6, h5 = 4; a stamp code without a name is written 0)."""
        h = self.hdr
        out = [h[0] % 8, h[1] % len(DMA_EIGHTHS), h[2] % len(CPUS), h[3] % 2, self.debug(),
               10 - self.config()["max_order"], 0, 0]
        out[STAMPS["TARGET"][0]] = _stamp(h, "TARGET", TARGET_STAMPS)
        out[STAMPS["ALLOC"][0]] = _stamp(h, "ALLOC", ALLOCS)
        return bytes(out)

    def header_text(self):
        c = self.config()
        keys = ["pages=%d" % c["nr_pages"], "dma=%d" % c["dma_pages"], "cpus=%d" % c["nr_cpus"],
                "profile=%s" % PROFILES[c["profile"]],
                "slub_debug=%s" % self.debug_letters() if self.debug() & ~1 else
                "poison=%d" % (self.debug() & 1),
                "max_order=%d" % c["max_order"]]
        if self.target_stamp():
            keys.append("target=%s" % self.target_stamp())
        if self.alloc_stamp():
            keys.append("alloc=%s" % self.alloc_stamp())
        return "machine(%s)" % ", ".join(keys)

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


def stamp(data, target=None, alloc=None):
    """@data with header bytes h6/h7 naming @target / @alloc (None: unspecified)."""
    data = bytearray((bytes(data) + bytes(HDR))[:max(len(data), HDR)])
    codes = {v: k for k, v in TARGET_STAMPS.items()}
    data[STAMPS["TARGET"][0]] = codes[target] if target else 0
    data[STAMPS["ALLOC"][0]] = {v: k for k, v in ALLOCS.items()}[alloc] if alloc else 0
    return bytes(data)


# ---------------------------------------------------------------------------
# Text parser (OPS.md section 3): text -> canonical bytes.  The same rules as
# ops.c's: a line is matched against its op's text form; literal characters
# must match (whitespace may be added around punctuation and where the form
# has a space, never inside a word); each field reads the input up to the
# character that follows it in the form.
# ---------------------------------------------------------------------------
class ParseError(ValueError):
    pass


WS = " \t\n\v\f\r"         # C's isspace


def _is_word(ch):
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _num(s):
    """Decimal, or hex with 0x; the whole string, below 2^64."""
    if not re.fullmatch(r"0[xX][0-9a-fA-F]+|[0-9]+", s):
        raise ParseError("bad number %r" % s)
    v = int(s, 16) if s[1:2] in ("x", "X") else int(s)
    if v >= 1 << 64:
        raise ParseError("number %s too large" % s)
    return v


def _below(s, n, what):
    v = _num(s)
    if v >= n:
        raise ParseError("%s must be below %d" % (what, n))
    return v


def _tokens_of(s):
    return [t.strip(WS) for t in s.split("|")]


def _parse_field(f, s, b):
    """Field @f from its (trimmed) text @s into the record list @b."""
    byte, mod = FIELDS.get(f, (None, None))
    if f in ("P", "C", "C6"):
        b[byte] = _below(s, mod, "slot")
    elif f == "SIZE":
        v = size_encode(_num(s))
        if v is None:
            raise ParseError("size %s cannot be expressed" % s)
        b[byte], b[byte + 1] = v & 0xff, v >> 8
    elif f == "GFP":
        bits = 0
        for tok in _tokens_of(s):
            if tok == "GFP_KERNEL":
                continue
            i = next((i for i, n in enumerate(GFP_BITS) if tok == n or
                      (GFP_ALIASES[i] and tok == GFP_ALIASES[i])), None)
            if i is None:
                raise ParseError("unknown GFP flag %r" % tok)
            bits |= 1 << i
        b[byte] = bits
    elif f in ("ORDER", "CPU"):
        b[byte] = _below(s, mod, f.lower())
    elif f == "COUNT":
        if s.startswith("SIZE_MAX"):
            t = s[8:].strip(WS)
            if not t:
                b[byte] = 0xf0
                return
            if not t.startswith(">>"):
                raise ParseError("count %s" % s)
            k = _below(t[2:].strip(WS), 16, "shift")
            if k == 0:
                raise ParseError("count %s" % s)
            b[byte] = 0xf0 + k
        else:
            b[byte] = _below(s, 0xf0, "count")
    elif f == "ALIGN":
        v = _num(s)
        if v not in ALIGNS:
            raise ParseError("align %s" % s)
        b[byte] = ALIGNS.index(v)
    elif f == "FLAGS":
        flags, comma, fifth = s.partition(",")
        v = 0
        if comma:
            fifth = fifth.strip(WS)
            if fifth == "ctor":
                v |= CFLAG_CTOR
            elif fifth != "NULL":
                raise ParseError("the fifth argument must be ctor or NULL")
        flags = flags.strip(WS)
        if flags != "0":
            names = [n for n, _ in CFLAGS]
            for tok in _tokens_of(flags):
                if not tok or tok not in names:
                    raise ParseError("flag %r" % tok)
                v |= 1 << names.index(tok)
        b[byte] = v
    elif f == "NAME":
        if s not in NAMES:
            raise ParseError("cache name %r not in the table" % s)
        b[byte] = NAMES.index(s)
    elif f == "DELTA":
        d = _below(s, mod + 1, "delta")
        if d == 0:
            raise ParseError("delta must be 1..10")
        b[byte] = d - 1
    elif f == "PDELTA":
        sign, digits = (s[0], s[1:]) if s[:1] in ("+", "-") else ("+", s)
        v = _below(digits, 129 if sign == "-" else 128, "page delta") if digits[:1].isdigit() else None
        if v is None:
            raise ParseError("page delta must be -128..+127")
        b[byte] = (-v if sign == "-" else v) & 0xff
    elif f in ("OFF", "SKIP", "TIMES", "MLEN"):
        v = _below(s, 65536 if mod > 256 else 256, f.lower())
        b[byte] = v & 0xff
        if mod > 256:
            b[byte + 1] = v >> 8
    elif f == "FN":
        fn, comma, slot = s.partition(",")
        fn = fn.strip(WS)
        if fn not in FOREIGN_FNS or (FOREIGN_FNS.index(fn) == 2) != bool(comma):
            raise ParseError("free_foreign(%s)" % s)
        b[byte] = FOREIGN_FNS.index(fn)
        if comma:
            slot = slot.strip(WS)
            if not slot.startswith("c"):
                raise ParseError("c-slot %r" % slot)
            b[FIELDS["C6"][0]] = _below(slot[1:], FIELDS["C6"][1], "slot")
    elif f == "SOFF":
        neg = s.startswith("-")
        v = _num(s[1:] if neg else s)
        if v > 32767 + neg:
            raise ParseError("offset must be -32768..32767")
        v = (0x10000 - v) & 0xffff if neg else v
        b[byte], b[byte + 1] = v & 0xff, v >> 8
    elif f == "LEN":
        v = _below(s, mod + 1, "length")
        if v == 0:
            raise ParseError("length must be 1..%d" % mod)
        b[byte] = v - 1
    elif f == "MALIGN":
        v = _num(s)
        if not v or v & (v - 1) or v > 1 << (mod - 1):
            raise ParseError("alignment must be a power of two 1..%d" % (1 << (mod - 1)))
        b[byte] = v.bit_length() - 1
    else:
        raise ParseError("unknown field %s" % f)


def _match(op, line):
    """Record bytes of @line read through op @op's text form."""
    b = [0] * REC
    b[0] = op
    toks, s, seen, prev = OP_TOKENS[op], line, set(), " "
    for i, (kind, v) in enumerate(toks):
        if kind == "F":
            nxt = next((x for k, x in toks[i + 1:] if not (k == "L" and x == " ")), None)
            end = s.find(nxt) if nxt else len(s)
            if end < 0 or end >= 256:
                raise ParseError("expected %s" % OP_TEXT[op])
            raw = s[:end]
            if v in ("P", "C", "C6", "NAME") and raw[:1] in WS and raw:
                raise ParseError("expected %s" % OP_TEXT[op])
            if v == "NAME" and raw and raw[-1] in WS:
                raise ParseError("expected %s" % OP_TEXT[op])
            tmp = list(b)
            _parse_field(v, raw.strip(WS), tmp)
            if v in seen and tmp != b:
                raise ParseError("%s names one slot twice: both must be the same" % OP_TEXT[op])
            b = tmp
            seen.add(v)
            s = s[end:]
            prev = "A"
        else:
            if v == " " or not _is_word(v) or not _is_word(prev):
                s = s.lstrip(WS)
            if v != " ":
                if not s.startswith(v):
                    raise ParseError("expected %s" % OP_TEXT[op])
                s = s[1:]
            prev = v
    if s.strip(WS):
        raise ParseError("expected %s: text after its ')'" % OP_TEXT[op])
    return bytes(b)


def _parse_op(line):
    open_ = line.find("(")
    if open_ < 0:
        raise ParseError("expected name(arguments)")
    eq = line.find("=")
    start = eq + 1 if 0 <= eq < open_ else 0
    name = line[start:open_].lstrip(WS).rstrip(WS)
    if len(name) >= 40:
        raise ParseError("unknown op")
    if name == "nop" and start == 0:
        close = line.rfind(")")
        inner = line[open_ + 1:close] if close >= 0 else None
        if close == len(line) - 1 and close - open_ < 40:
            try:
                o = _below(inner.strip(WS), NR_OPS, "op")
            except ParseError:
                o = None
            if o is not None and o not in OP_TEXT:
                return bytes([o]) + bytes(REC - 1)
        raise ParseError("nop(N) takes a reserved op number: %s" %
                         ", ".join("%d..%d" % (lo, hi) for lo, hi, _, _ in RESERVED))
    for op, n in OP_NAME.items():
        if n == name:
            return _match(op, line)
    raise ParseError("unknown op %r" % name)


def _parse_header(args):
    h = [0] * HDR
    if not args.strip(WS):
        return bytes(h)
    pages, dma = 1024, None
    for a in args.split(","):
        k, eq, v = a.partition("=")
        if not eq:
            raise ParseError("machine() takes key=value arguments")
        k, v = k.strip(WS), v.strip(WS)
        if k == "profile":
            if v not in PROFILES:
                raise ParseError("profile=%s" % v)
            h[3] = PROFILES.index(v)
            continue
        if k == "slub_debug":
            if v != "-" and any(c not in DEBUG_LETTERS for c in v):
                raise ParseError("slub_debug takes the letters F, Z, P, U (or - for none)")
            h[4] = sum(1 << DEBUG_LETTERS.index(c) for c in set(v) if v != "-")
            continue
        if k == "target":
            codes = {n: c for c, n in TARGET_STAMPS.items()}
            if v not in codes:
                raise ParseError("target=%s" % v)
            h[STAMPS["TARGET"][0]] = codes[v]
            continue
        if k == "alloc":
            codes = {n: c for c, n in ALLOCS.items()}
            if v not in codes:
                raise ParseError("alloc=%s" % v)
            h[STAMPS["ALLOC"][0]] = codes[v]
            continue
        n = _num(v)
        if k == "pages":
            if n % 1024 or not 1 <= n // 1024 <= 8:
                raise ParseError("pages=%d" % n)
            h[0], pages = n // 1024 - 1, n
        elif k == "dma":
            dma = n
        elif k == "cpus":
            if n not in CPUS:
                raise ParseError("cpus=%d" % n)
            h[2] = CPUS.index(n)
        elif k == "poison":
            if n > 1:
                raise ParseError("poison=%d" % n)
            h[4] = (h[4] & ~1) | n
        elif k == "max_order":
            if not 5 <= n <= 10:
                raise ParseError("max_order=%d" % n)
            h[5] = 10 - n
        else:
            raise ParseError("unknown machine key %r" % k)
    if dma is not None:
        for i, e in enumerate(DMA_EIGHTHS):
            if pages * e // 8 == dma:
                h[1] = i
                break
        else:
            raise ParseError("dma=%d" % dma)
    # Classic raises max_order to 7 with Z, to 6 with P or U (OPS.md 1.1,
    # hdr_config): a smaller one is refused, as ops.c does.
    need = 7 if h[3] == 1 and h[4] & 0x4 else 6 if h[3] == 1 and h[4] & 0x9 else 0
    if 10 - h[5] < need:
        raise ParseError("max_order=%d with profile=classic and slub_debug %s: write max_order=%d"
                         % (10 - h[5], "Z" if need == 7 else "P or U (poison=1)", need))
    return bytes(h)


def parse(text):
    """Text -> canonical bytes; ParseError("line N: why")."""
    hdr, recs, seen_op = bytes(HDR), [], False
    for n, line in enumerate(text.split("\n"), 1):
        line = line.split("#", 1)[0].strip(WS)
        if not line:
            continue
        try:
            if line.startswith("machine") and not _is_word(line[7:8] or " "):
                rest = line[7:].lstrip(WS)
                if not rest.startswith("(") or not rest.endswith(")"):
                    raise ParseError("expected machine(key=value, ...)")
                if seen_op:
                    raise ParseError("machine(...) must come before the first op")
                hdr = _parse_header(rest[1:rest.rfind(")")])
            elif len(recs) == OPS_MAX:
                raise ParseError("more than 256 ops")
            else:
                seen_op = True
                recs.append(_parse_op(line))
        except ParseError as e:
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
    """Execute @prog; AssertionError("op N: TEXT: what") at the first violation.
    kalloc has no malloc yet: the heap ops (48..53) are no-ops here, like the
    reserved ones."""
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
    # Stamped (h6/h7) with what it ran as, so that it replays the same way
    # wherever it is moved: target none (every op) on kalloc.
    raw = stamp(prog.encode(), "none", "kalloc")
    prog = decode(raw)
    # One name per property: hypothesis replays the shrunk example last, so
    # the file left behind is the minimal one.
    path = os.path.join(directory, stem)
    with open(path + ".bin", "wb") as f:
        f.write(raw)
    with open(path + ".txt", "w") as f:
        f.write("# %s\n" % str(err).replace("\n", "\n# "))
        f.write(prog.text())
    return path + ".bin"
