"""test_ops.py - the op language shared with the fuzzers (harness/OPS.md).

Oracle: programs run through ctypes against the reference model (ops.run);
the decoder is total and fixed-width, so a property over st.binary() shrinks
straight to canonical fuzz inputs.  A failing example is written to
build/props-failures/ as .bin (canonical bytes, a valid libFuzzer input and
`make replay CRASH=...` input) and .txt (its text, the violation on top).
Also: every file under corpus/ replays through ctypes; our decoder, encoder,
printer and parser agree with the spec's examples and with the harness's C
printer (kfz) when it is built.
"""
import glob
import os
import random
import shutil
import subprocess

import pytest
from hypothesis import given, settings, example, note
from hypothesis import strategies as st

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
             not os.path.basename(f).startswith(("README", "."))]
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


def test_c_printer_agrees(tmp_path):
    """Our decoder and printer against harness/ops.c through `kfz decode`, and
    our canonical bytes against `kfz encode` of our text."""
    kfz = kfz_tool()
    if not kfz:
        pytest.skip("the harness's kfz tool is not built (make build/gcc/harness/kfz)")
    rnd = random.Random(4)
    inputs = [bytes(rnd.randrange(256) for _ in range(8 + 8 * rnd.randrange(0, 30)))
              for _ in range(60)] + [b"", bytes(16), bytes(range(256)) * 3]
    bin_, txt, out = tmp_path / "p.bin", tmp_path / "p.txt", tmp_path / "o.bin"
    for data in inputs:
        bin_.write_bytes(data)
        r = subprocess.run([kfz, "decode", str(bin_)], capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr.decode()
        assert r.stdout.decode() == ops.to_text(data), "kfz decode disagrees on %s" % data.hex()
        txt.write_text(ops.to_text(data))
        r = subprocess.run([kfz, "encode", str(txt), str(out)], capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr.decode()
        assert out.read_bytes() == ops.canonical(data), "kfz encode disagrees on %s" % data.hex()
