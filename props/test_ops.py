"""test_ops.py - the op language shared with the fuzzers (harness/OPS.md).

Oracle: programs run through ctypes against the reference model (ops.run);
the decoder is total and fixed-width, so a property over st.binary() shrinks
straight to canonical fuzz inputs.  A failing example is written to
build/props-failures/ as .bin (canonical bytes, a valid libFuzzer input and
`make replay CRASH=...` input) and .txt (its text, the violation on top).
Also: every file under corpus/ replays through ctypes; our decoder, encoder,
printer and parser agree with the spec's examples and with the harness's C
printer and parser (kfz, when built) on every target; harness/ops.def passes
its check, and OPS.md's tables say what ops.def says.
"""
import glob
import os
import random
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings, example, note
from hypothesis import strategies as st

import lsan
import ops
from budget import examples
from kalloc import ROOT

FAIL_DIR = os.environ.get("PROPS_FAILURES", os.path.join(ROOT, "build", "props-failures"))
CORPUS = os.path.join(ROOT, "corpus")


def run_and_export(data, stem):
    try:
        ops.run(ops.decode(data))
    except AssertionError as e:
        path = ops.save_failure(data, e, FAIL_DIR, stem)
        note("counterexample written to %s (and .txt)" % path)
        raise AssertionError("%s\n  program: %s\n%s" % (e, path, ops.to_text(data)))


@settings(max_examples=examples(1.0))
@given(st.binary(max_size=8 + 8 * 48))
@example(bytes(8 + 8 * 4))
def test_binary_programs(data):
    """Any byte string is a program; running it finds no violation."""
    run_and_export(data, "binary")


# Records biased toward ops that touch live slots: few slots, sizes near the
# class boundaries; still plain bytes in the fuzzers' format.
_RECORD = st.tuples(
    st.integers(0, 27),                       # op
    st.integers(0, 3),                        # slot (p0..p3, c0..c3)
    st.one_of(st.integers(0, 255), st.integers(0, 65535)).map(lambda v: (v & 0xff, v >> 8)),
    st.integers(0, 31), st.integers(0, 255), st.integers(0, 3),
).map(lambda t: bytes([t[0], t[1], t[2][0], t[2][1], t[3], t[4], t[5], 0]))
PROGRAMS = st.tuples(st.binary(min_size=8, max_size=8),
                     st.lists(_RECORD, max_size=60)).map(lambda t: t[0] + b"".join(t[1]))


@settings(max_examples=examples(1.5))
@given(PROGRAMS)
def test_dense_programs(data):
    """Programs whose ops mostly hit live slots (same format, same export)."""
    run_and_export(data, "dense")


ARENA = None


@settings(max_examples=examples(0.5))
@given(PROGRAMS)
def test_programs_in_one_arena(data):
    """Every program boots into the same kept arena (machine_create_in), as the
    fuzzers do: each must behave exactly like a fresh machine (the model boots
    fresh), so machine_destroy must hand the arena back clean."""
    global ARENA
    if ARENA is None:
        ARENA = ops.K.load().kalloc_arena_create(8192)
        assert ARENA
        lsan.keep(ARENA)        # kept for the whole session (props/lsan.py)
    from system import Sim
    try:
        ops.run(ops.decode(data), sim_factory=lambda **cfg: Sim(arena=ARENA, **cfg))
    except AssertionError as e:
        path = ops.save_failure(data, e, FAIL_DIR, "arena")
        raise AssertionError("%s\n  program: %s" % (e, path))


# ---------------------------------------------------------------------------
# The format itself
# ---------------------------------------------------------------------------
@settings(max_examples=examples(3.0))
@given(st.binary(max_size=8 + 8 * 40), st.sampled_from(sorted(ops.TARGETS)))
def test_decoder_total_and_canonical(data, target):
    """Every byte string decodes; binary -> text -> binary gives the canonical
    bytes; canonical bytes decode to the same text (a fixed point)."""
    prog = ops.decode(data, target)
    text = prog.text()
    raw = prog.encode()
    assert len(raw) == 8 + 8 * min((len(data) - 8) // 8 if len(data) >= 8 else 0, 256)
    assert ops.parse(text) == raw
    assert ops.decode(raw).text() == text
    assert ops.canonical(raw) == raw
    if target != "none":
        allowed = set(ops.TARGETS[target])
        assert all(o.op in allowed for o in prog.ops)


def test_spec_examples():
    """The examples OPS.md spells out."""
    assert ops.decode(bytes(16)).text().splitlines()[1] == "p0 = kmalloc(1, GFP_KERNEL)"
    assert ops.decode(b"").text() == \
        "machine(pages=1024, dma=128, cpus=1, profile=default, poison=0, max_order=10)\n"
    for size, le in [(8, b"\x07\x00"), (0, b"\x00\x40"), (65536, b"\x00\x44"),
                     (4194304, b"\x16\x80"), (4194305, b"\x16\xc0")]:
        v = ops.size_encode(size)
        assert bytes([v & 0xff, v >> 8]) == le, size
        assert ops.size_decode(v) == size
    assert ops.size_encode(16386) is None and ops.size_encode(16385) == 3 << 14 | 14
    with pytest.raises(ops.ParseError):
        ops.parse("machine(pages=1000)\n")
    with pytest.raises(ops.ParseError):
        ops.parse('c0 = kmem_cache_create("nonesuch", 8, 0, 0)\n')
    # A trailing partial record is ignored; at most 256 records are read.
    assert len(ops.decode(bytes(8 + 8 + 7)).ops) == 1
    assert len(ops.decode(bytes(8 + 8 * 300)).ops) == 256


def test_handwritten_text_program():
    """A text program as people write it: comments, any key order, hex."""
    text = """# the 1040-byte slab example
machine(cpus=4, pages=2048)
c1 = kmem_cache_create("task_struct", 1040, 0, SLAB_HWCACHE_ALIGN)
p3 = kmem_cache_alloc(c1, GFP_KERNEL)   # first object
p4 = kmalloc(0x64, GFP_KERNEL | __GFP_ZERO)
kmem_cache_free(p3)
slabinfo()
"""
    raw = ops.parse(text)
    prog = ops.decode(raw)
    assert prog.config()["nr_cpus"] == 4 and prog.config()["nr_pages"] == 2048
    assert [o.text() for o in prog.ops][2] == "p4 = kmalloc(100, GFP_KERNEL | __GFP_ZERO)"
    ops.run(prog)


# ---------------------------------------------------------------------------
# The corpus, and the harness's C printer
# ---------------------------------------------------------------------------
SKIP_EXT = (".dict", ".options", ".md", ".py", ".sh", ".zip")


def corpus_files():
    files = [f for f in glob.glob(os.path.join(CORPUS, "**", "*"), recursive=True)
             if os.path.isfile(f) and not f.endswith(SKIP_EXT) and
             not os.path.basename(f).startswith(("README", ".")) and
             # fuzz_text's inputs are parser input, some refused on purpose
             os.sep + "fuzz_text" + os.sep not in f]
    return sorted(files)


def target_of(path):
    d = os.path.relpath(path, CORPUS).split(os.sep)[0]
    d = d[len("fuzz_"):] if d.startswith("fuzz_") else d
    return d if d in ops.TARGETS else "none"


@pytest.mark.parametrize("path", corpus_files() or [None])
def test_corpus_replays(path):
    """Every file under corpus/ (seeds and regressions) runs clean through
    ctypes and the model, read with its directory's target op set."""
    if path is None:
        pytest.skip("corpus/ has no program files yet")
    prog = ops.load_file(path, target_of(path))
    ops.run(prog)


def kfz_tool():
    for cand in (os.environ.get("KFZ"), os.path.join(ROOT, "build", "gcc", "harness", "kfz")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return shutil.which("kfz")


def _kfz_or_skip():
    kfz = kfz_tool()
    if not kfz:
        pytest.skip("the harness's kfz tool is not built (make build/gcc/harness/kfz)")
    return kfz


def kfz_decode(kfz, path, target):
    r = subprocess.run([kfz, "decode", "--target=" + target, str(path)], capture_output=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def _random_programs(seed, n):
    """Random byte programs: any header (stamps included), records of every op
    (heap ops and reserved ones too), odd lengths."""
    rnd = random.Random(seed)
    out = [b"", bytes(16), bytes(range(256)) * 3]
    for _ in range(n):
        data = bytearray(rnd.randrange(256) for _ in range(8 + 8 * rnd.randrange(0, 30)))
        if rnd.random() < 0.3:
            for i in range(8, len(data) - 7, 8):      # bias toward the heap ops
                data[i] = rnd.choice([48, 49, 50, 51, 52, 53, 14, 15, 16, 20, 22, data[i]])
        out.append(bytes(data) + bytes(rnd.randrange(8)))
    return out


@pytest.mark.parametrize("target", sorted(ops.TARGETS))
def test_c_printer_agrees(tmp_path, target):
    """Our decoder and printer against harness/ops.c through `kfz decode
    --target=T`, for every target, and our canonical bytes against `kfz
    encode` of our text."""
    kfz = _kfz_or_skip()
    bin_, txt, out = tmp_path / "p.bin", tmp_path / "p.txt", tmp_path / "o.bin"
    for data in _random_programs(sorted(ops.TARGETS).index(target), 50):
        bin_.write_bytes(data)
        assert kfz_decode(kfz, bin_, target) == ops.to_text(data, target), \
            "kfz decode --target=%s disagrees on %s" % (target, data.hex())
        txt.write_text(ops.to_text(data, target))
        r = subprocess.run([kfz, "encode", str(txt), str(out)], capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr.decode()
        assert out.read_bytes() == ops.canonical(data, target), \
            "kfz encode disagrees on %s" % data.hex()


def corpus_binaries():
    return [f for f in corpus_files() if not f.endswith(".txt")]


@pytest.mark.parametrize("target", sorted(ops.TARGETS))
def test_corpus_decodes_like_c(target):
    """Every binary under corpus/, read as every target, prints the same in C
    and here: the programs test_corpus_replays runs are the fuzzers' programs."""
    kfz = _kfz_or_skip()
    for path in corpus_binaries():
        data = open(path, "rb").read()
        assert kfz_decode(kfz, path, target) == ops.to_text(data, target), \
            "%s as target %s" % (path, target)


def test_regression_target_sets_lost_slabinfo_buddyinfo():
    """Regression: props/ops.py's buddy, slab and kmalloc sets had lost
    slabinfo() and buddyinfo() (26, 27), so set[op % len(set)] picked other ops:
    fuzz_buddy's seed `orders` has two records that `kfz decode --target=buddy`
    prints as buddyinfo() and the old Python read as free_foreign(kfree)."""
    path = os.path.join(CORPUS, "fuzz_buddy", "orders")
    lines = ops.to_text(open(path, "rb").read(), "buddy").splitlines()
    assert [lines[18], lines[21]] == ["buddyinfo()", "buddyinfo()"]
    assert 27 in ops.TARGETS["buddy"] and 26 in ops.TARGETS["slab"] and 26 in ops.TARGETS["kmalloc"]
    kfz = kfz_tool()
    if kfz:
        assert kfz_decode(kfz, path, "buddy").splitlines() == lines


# Text people might write: a canonical line with one thing changed.
_MUTATIONS = [" ", "  ", "\t", ",", "(", ")", "=", "|", "+", "#", '"', "p", "c", "0", "1", "9",
              "0x", "x", "SIZE_MAX", ">>", "ctor", "NULL", "GFP_DMA", "__GFP_DMA", "kfree", "-"]


def _mutate(rnd, text):
    lines = text.splitlines()
    i = rnd.randrange(len(lines))
    line = lines[i]
    for _ in range(rnd.choice([1, 1, 2])):
        k = rnd.randrange(len(line) + 1)
        how = rnd.randrange(5)
        if how >= 3:            # whitespace: often still the same program
            line = line[:k] + rnd.choice([" ", "\t", "  "]) + line[k:]
        elif how == 0:
            line = line[:k] + rnd.choice(_MUTATIONS) + line[k:]
        elif how == 1:
            line = line[:k] + line[k + rnd.randrange(1, 4):]
        else:
            line = line[:k] + rnd.choice(_MUTATIONS) + line[k + 1:]
    lines[i] = line
    return "\n".join(lines) + "\n"


def test_parsers_agree_on_mutated_text(tmp_path):
    """ops.c's parser and ours accept the same lines and give the same bytes:
    canonical text of random programs with one line changed (spacing, a
    character dropped, a token inserted)."""
    kfz = _kfz_or_skip()
    rnd = random.Random(11)
    txt, out = tmp_path / "p.txt", tmp_path / "o.bin"
    accepted = refused = 0
    for data in _random_programs(5, 40):
        base = ops.to_text(data[:8 + 8 * 6])
        for _ in range(20):
            text = _mutate(rnd, base)
            txt.write_text(text)
            if out.exists():
                out.unlink()
            r = subprocess.run([kfz, "encode", str(txt), str(out)], capture_output=True, timeout=30)
            try:
                mine = ops.parse(text)
            except ops.ParseError:
                mine = None
            assert (r.returncode == 0) == (mine is not None), \
                "C %s, Python %s:\n%s%s" % ("accepts" if r.returncode == 0 else "refuses",
                                             "accepts" if mine is not None else "refuses",
                                             text, r.stderr.decode())
            if mine is not None:
                assert out.read_bytes() == mine, text
                accepted += 1
            else:
                refused += 1
    assert accepted > 50 and refused > 50     # the mutations exercise both answers


def test_every_op_round_trips():
    """One record of every op number (heap ops and reserved ones too): text ->
    bytes -> text is the identity, and every op's name parses back to it."""
    rnd = random.Random(3)
    for op in range(ops.NR_OPS):
        for _ in range(50):
            rec = bytes([op]) + bytes(rnd.randrange(256) for _ in range(7))
            text = ops.to_text(bytes(8) + rec)
            raw = ops.parse(text)
            assert raw == ops.canonical(bytes(8) + rec)
            assert ops.decode(raw).text() == text
        if op in ops.OP_NAME:
            line = ops.decode(bytes(8) + bytes([op]) + bytes(7)).ops[0].text()
            assert ops.OP_NAME[op] + "(" in line
    assert ops.MALLOC == 48 and ops.USABLE_SIZE == 53 and ops.NR_DEFINED == 31
    rec = bytes([ops.ALIGNED_ALLOC, 3, 0x3f, 0, 12 + 13, 0, 0, 0])
    assert ops.decode(bytes(8) + rec).ops[0].text() == "p3 = aligned_alloc(4096, 64)"


def test_scribble_fields_and_slub_debug_header():
    """scribble's signed offset and length, the three new cache flags, and
    h4 % 16 as slub_debug letters (poison=N alone prints as before)."""
    rec = bytes([ops.SCRIBBLE, 4, 0xf8, 0xff, 63, 0, 0, 0])
    op = ops.decode(bytes(8) + rec).ops[0]
    assert op.soff == -8 and op.length == 64 and op.text() == "scribble(p4, -8, 64)"
    assert ops.parse("write_after_free(p2, -32768)")[8:] == bytes([ops.WRITE_AFTER_FREE, 2, 0, 0x80, 0, 0, 0, 0])
    assert ops.parse("validate(c7)")[8:] == bytes([ops.VALIDATE, 7, 0, 0, 0, 0, 0, 0])
    for bad in ("scribble(p1, 32768, 1)", "scribble(p1, -32769, 1)", "scribble(p1, 0, 0)",
                "scribble(p1, 0, 65)", "scribble(p1, --1, 1)", "machine(slub_debug=FZPT)"):
        with pytest.raises(ops.ParseError):
            ops.parse(bad)
    line = 'c0 = kmem_cache_create("kmem_test", 64, 0, SLAB_POISON | SLAB_RED_ZONE | ' \
           'SLAB_STORE_USER | SLAB_CONSISTENCY_CHECKS)'
    assert ops.decode(ops.parse(line)).ops[0].text() == line
    head = "machine(pages=1024, dma=128, cpus=1, profile=default, %s, max_order=10)"
    assert ops.to_text(bytes([0, 0, 0, 0, 1, 0, 0, 0])).splitlines()[0] == head % "poison=1"
    assert ops.to_text(bytes([0, 0, 0, 0, 15, 0, 0, 0])).splitlines()[0] == head % "slub_debug=FZPU"
    assert ops.to_text(bytes([0, 0, 0, 0, 12 + 16, 0, 0, 0])).splitlines()[0] == head % "slub_debug=ZU"
    assert ops.parse("machine(slub_debug=UPFZ)")[4] == 15
    assert ops.parse("machine(slub_debug=Z, poison=1)")[4] == 5
    for v in range(256):
        prog = ops.decode(bytes([0, 0, 0, 1, v, 5, 0, 0]))
        assert prog.canonical_header()[4] == v % 16
        assert prog.config()["max_order"] == (7 if v & 4 else 6 if v & 0b1001 else 5)


def test_header_stamps():
    """h6/h7: printed only when set, parsed back, unnamed codes written 0."""
    assert ops.to_text(bytes(8)).splitlines()[0] == \
        "machine(pages=1024, dma=128, cpus=1, profile=default, poison=0, max_order=10)"
    data = ops.stamp(bytes(8), "malloc", "glibc")
    assert data[6:8] == bytes([5, 2])
    text = ops.to_text(data)
    assert text.splitlines()[0].endswith(", max_order=10, target=malloc, alloc=glibc)")
    assert ops.parse(text) == data
    prog = ops.decode(data)
    assert prog.target_stamp() == "malloc" and prog.alloc_stamp() == "glibc"
    for c in range(256):
        h = ops.decode(bytes([0] * 6 + [c, c])).canonical_header()
        assert h[6] == (0 if c % 16 > 8 else c % 16) and h[7] == (0 if c % 16 >= 9 else c % 16)


# ---------------------------------------------------------------------------
# ops.def itself, and OPS.md against it
# ---------------------------------------------------------------------------
def _broken_def(tmp_path, old, new):
    text = open(ops.DEF_PATH).read()
    assert old in text
    path = tmp_path / "ops.def"
    path.write_text(text.replace(old, new, 1))
    return ops.def_problems(ops.read_def(str(path)))


def test_def_check_fires(tmp_path):
    """The import-time check of ops.def passes the real file and names each
    one-thing corruption."""
    assert ops.def_problems(ops.read_def()) == []
    cases = [('DEF_OP(  1, KFREE', 'DEF_OP(  2, KFREE', "op 1 is neither defined nor reserved"),
             ('"pP = kmalloc(SIZE, GFP)"', '"pP = kmalloc(SIZE, GFB)"', "op 0: unknown field GFB"),
             ('"pP = kmalloc(SIZE, GFP)"', '"pP = kmalloc(SIZE, OFF)"',
              "op 0: fields SIZE and OFF share a byte"),
             ('"pP = kzalloc(SIZE, GFP)"', '"pP = kfree(SIZE, GFP)"', "the name kfree is op 1's too"),
             ('KMALLOC|MIXED,                 "pP = kmalloc(',
              'KMALLOC|MIXD,                 "pP = kmalloc(', "op 0: unknown target MIXD"),
             ('"kmem_test")', '"kmem_test", "extra")', "table cache_names does not fit field NAME"),
             ('DEF_RESERVED(54, 63, HEAP', 'DEF_RESERVED(53, 63, HEAP',
              "op 53 is defined or reserved 2 times")]
    for old, new, want in cases:
        problems = _broken_def(tmp_path, old, new)
        assert any(want in p for p in problems), (want, problems)
    with pytest.raises(ImportError, match="readable"):     # an entry the reader cannot read
        _broken_def(tmp_path, '"free(pP)")', '"free(pP)"')


OPS_MD = os.path.join(ROOT, "harness", "OPS.md")


def ops_md_problems(doc):
    """Where OPS.md's tables disagree with ops.def: the op table (number, text
    form, the fields named), the reserved ranges, the target sets of section
    4, the stamp codes of 1.1 and the small tables."""
    out = []
    rows = {}
    table = doc[doc.index("### 1.3"):doc.index("## 2.")]
    for m in re.finditer(r"^\| (\d+(?:\.\.\d+)?) \| (.+?) \| (.+?) \|$", table, re.M):
        rows[m.group(1)] = (m.group(2), m.group(3))
    for num, _, _, text in ops.OP_DEFS:
        if str(num) not in rows:
            out.append("op %d has no row in the op table" % num)
            continue
        col, fields = rows.pop(str(num))
        spans = re.findall(r"`([^`]+)`", col)
        if not spans or spans[0] != text:
            out.append("op %d: OPS.md says %s, ops.def %r" % (num, col, text))
        words, depth, item = set(), 0, ""
        for ch in fields + ",":
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                w = re.match(r"\s*([A-Z][A-Z0-9]*)\b", item)
                if w:
                    words.add(w.group(1))
                item = ""
            else:
                item += ch
        if words != ops.OP_FIELDS[num]:
            out.append("op %d: OPS.md names fields %s, ops.def's text %s" %
                       (num, sorted(words), sorted(ops.OP_FIELDS[num])))
    for lo, hi, _, what in ops.RESERVED:
        key = "%d..%d" % (lo, hi) if lo != hi else str(lo)
        if rows.pop(key, (None,))[0] != "reserved (%s)" % what:
            out.append("ops %s: no 'reserved (%s)' row" % (key, what))
    out += ["OPS.md has a row for op %s that ops.def does not have" % key for key in rows]
    sec4 = doc[doc.index("## 4."):]
    for name, ts in ops.TARGETS.items():
        m = re.search(r"^\| `%s` \| (.+?) \|$" % name, sec4, re.M)
        if not m:
            out.append("section 4 has no row for target %s" % name)
            continue
        if ts is None:
            if re.search(r"\d", m.group(1)):
                out.append("section 4 lists ops for target %s, which reads every op" % name)
            continue
        nums = []
        for part in m.group(1).split(","):
            a, _, b = part.strip().partition("..")
            nums += list(range(int(a), int(b) + 1)) if b else [int(a)]
        if nums != ts:
            out.append("section 4: target %s is %s in OPS.md, %s in ops.def" % (name, nums, ts))
    for byte, codes, mod in (("h6", ops.TARGET_STAMPS, ops.STAMPS["TARGET"][1]),
                             ("h7", ops.ALLOCS, ops.STAMPS["ALLOC"][1])):
        m = re.search(r"^\| %s \| [^|]+ \| `%s %% (\d+)`: ([^|]+) \|" % (byte, byte), doc, re.M)
        if not m:
            out.append("1.1 has no row for %s" % byte)
            continue
        said = {int(c): n for c, n in re.findall(r"(\d+) ([\w-]+)", m.group(2)) if n != "unspecified"}
        if int(m.group(1)) != mod or said != codes:
            out.append("1.1: %s codes are %s in OPS.md, %s in ops.def" % (byte, said, codes))
    names = re.search(r"`NAME = names\[x6 % 16\]`:\s*```(.*?)```", doc, re.S)
    pairs = re.findall(r"(\d+) (\w+)", names.group(1)) if names else []
    if [n for _, n in sorted(pairs, key=lambda p: int(p[0]))] != ops.NAMES:
        out.append("the cache name table differs from ops.def's cache_names")
    for what, table in (("ALIGN = {", ops.ALIGNS), ("E = {", ops.DMA_EIGHTHS),
                        ("nr_cpus = {", ops.CPUS)):
        m = re.search(re.escape(what) + r"([\d, ]+)\}", doc)
        if not m or [int(x) for x in m.group(1).split(",")] != table:
            out.append("the list after %r differs from ops.def" % what)
    return out


def test_ops_md_matches_ops_def():
    """OPS.md explains ops.def; its tables say what ops.def says."""
    assert ops_md_problems(open(OPS_MD).read()) == []


def test_ops_md_check_fires():
    """The document check notices one changed thing in each table it reads."""
    doc = open(OPS_MD).read()
    for old, new, want in [
            ("| `buddy` | 6, 7, 8,", "| `buddy` | 6, 8,", "target buddy"),
            ("| 51 | `pP = aligned_alloc(MALIGN, SIZE)`", "| 51 | `pP = aligned_alloc(ALIGN, SIZE)`",
             "op 51"),
            ("| 52 | `free(pP)` | P |", "| 52 | `free(pP)` | P, SIZE |", "op 52: OPS.md names fields"),
            ("| 53 | `malloc_usable_size(pP)` | P |\n", "", "op 53 has no row"),
            ("5 malloc, 6 none", "5 malloc, 6 mixed", "h6 codes"),
            ("6 example, 7 user", "6 example, 7 musl", "h7 codes"),
            ("14 names_cache", "14 name_cache", "cache name table"),
            ("128, 4096, 24}", "128, 4096, 48}", "ALIGN"),
            ("| 54..63 | reserved (heap) | nop |", "| 54..63 | reserved | nop |", "ops 54..63"),
            ("| 54..63 | reserved (heap) | nop |", "| 54 | `nop(54)` | - |\n| 54..63 | reserved (heap) | nop |",
             "a row for op 54")]:
        assert old in doc, old
        problems = ops_md_problems(doc.replace(old, new, 1))
        assert any(want in p for p in problems), (want, problems)
