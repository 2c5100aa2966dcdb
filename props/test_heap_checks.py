"""test_heap_checks.py - the heap properties can fail: each deliberate bug of
props/fake_target.c (a kt_* test library over libc malloc) is one program
here that must raise exactly its property's Violation, and the same program
must pass on the honest fake.  Also the model's own pieces: the slot rules
for missing capabilities, pieces(), the alignment rule, and the op-language
form of heap programs.
"""
import os
import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from hypothesis import Phase

import heap as H
import test_heap as T
from budget import examples, sm_settings
from ktarget import ROOT, Target, TargetUnavailable

FAKE = os.path.join(ROOT, "build", "gcc", "props", "libfake_target.so")


@pytest.fixture(scope="module", autouse=True)
def fake_lib():
    """Build the fake with the Makefile's flags (warnings are errors); one
    pytest-xdist worker at a time."""
    import fcntl
    os.makedirs(os.path.dirname(FAKE), exist_ok=True)
    with open(FAKE + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT,
                            "build/gcc/props/libfake_target.so"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return FAKE


def prog(text):
    """A heap program in op-language text (OPS.md; '; ' between ops), as records."""
    return H.decode_program(H.ops.parse(text.replace(";", "\n")))[1]


def run_fake(program, bug="", **env):
    """Run @program (text, or records) on the fake with KT_FAKE_BUG=@bug; the
    Violation or None."""
    records = prog(program) if isinstance(program, str) else program
    os.environ["KT_FAKE_BUG"] = bug
    for k, v in env.items():
        os.environ[k] = v
    try:
        H.open_and_run(records, "fake", FAKE)
    except H.Violation as e:
        return e
    finally:
        for k in ["KT_FAKE_BUG"] + list(env):
            os.environ.pop(k, None)
    return None


# Each bug, a program that shows it, and the words its Violation must contain.
CASES = {
    "overlap": ("p0 = malloc(4096); p1 = malloc(16); p2 = malloc(16); p3 = malloc(16)",
                "overlaps"),
    "misalign": ("p0 = malloc(8); p1 = malloc(16)", "op 1: p1 = malloc(16): malloc of 16 bytes at"
                 " 0x"),
    "aligned_wrong": ("p0 = aligned_alloc(16, 100); p1 = aligned_alloc(64, 100)",
                      "op 1: p1 = aligned_alloc(64, 100): aligned_alloc(64) of 100 bytes"),
    "usable_short": ("p0 = malloc(1); p1 = malloc(100)",
                     "op 1: p1 = malloc(100): malloc_usable_size is 99 for a 100-byte request"),
    "usable_drift": ("p0 = malloc(100); write_pattern(p0); malloc_usable_size(p0)",
                     "malloc_usable_size of malloc block of 100 bytes"),
    "realloc_lose": ("p0 = malloc(100); write_pattern(p0); p0 = realloc(p0, 50); "
                     "p0 = realloc(p0, 1000)",
                     "did not keep the first 50 bytes"),
    "realloc_null_frees": ("p0 = malloc(100); write_pattern(p0); "
                           "p0 = realloc(p0, 1099511627776)",
                           "after a refused realloc"),
    "calloc_dirty": ("p0 = calloc(10, 10)", "byte 99 of 100 is 0x01, not 0"),
    "calloc_overflow": ("p0 = calloc(SIZE_MAX, 2)", "overflows size_t and returned"),
    "null_small": ("p0 = malloc(99); p1 = malloc(150)", "op 1: p1 = malloc(150): malloc(150) "
                   "returned NULL"),
    "scribble": ("p0 = malloc(64); write_pattern(p0); p1 = malloc(64); free(p1)",
                 "op 3: free(p1): contents changed: malloc block of 64 bytes"),
    "leak": ("p0 = malloc(64); free(p0)", "end of program (free everything): in_use is 64 after"),
    "free_fails": ("p0 = malloc(64); free(p0); p0 = malloc(33); free(p0)",
                   "op 3: free(p0): free(0x"),
    "misuse_ok": ("p0 = malloc(64); double_free(p0)", "double free(0x"),
    "out_of_bounds": ("p0 = malloc(64); p1 = malloc(64)",
                      "(usable 64) is not inside the allocator's memory"),
}


@pytest.mark.parametrize("bug", sorted(CASES))
def test_property_fires(bug):
    """The honest fake runs the program clean; with the bug, exactly the
    property it breaks reports it."""
    program, words = CASES[bug]
    assert run_fake(program) is None
    err = run_fake(program, bug)
    assert err is not None, "%s went unnoticed" % bug
    assert words in str(err), str(err)


# What the searches must report for each bug, whichever op they find it with.
FOUND = {
    "overlap": r"overlaps",
    "misalign": r"(malloc|calloc|realloc|aligned_alloc\(\d+\)) of \d+ bytes at 0x[0-9a-f]+8 "
                r"is not aligned to",
    "aligned_wrong": r"aligned_alloc\(\d+\) of \d+ bytes at 0x[0-9a-f]+ is not aligned to",
    "usable_short": r"malloc_usable_size is \d+ for a \d+-byte request",
    "usable_drift": r"malloc_usable_size of .* is \d+, was \d+",
    "realloc_lose": r"did not keep the first \d+ bytes",
    # found when the old block is read, freed or realloc'ed again
    "realloc_null_frees": r"after a refused realloc|free\(0x[0-9a-f]+\) of a live .* returned -1"
                          r"|realloc\(0x[0-9a-f]+, \d+\) returned NULL",
    "calloc_dirty": r"byte \d+ of \d+ is 0x01, not 0",
    "calloc_overflow": r"overflows size_t and returned",
    "null_small": r"malloc\(1\d\d\) returned NULL",
    "scribble": r"contents changed",
    "leak": r"in_use is \d+ after everything was freed",
    "free_fails": r"free\(0x[0-9a-f]+\) of a live .* returned -1",
    "misuse_ok": r"free\(0x[0-9a-f]+\) returned 0; the target promises to report misuse",
    "out_of_bounds": r"is not inside the allocator's memory",
}


# Finding is the point here; the exported program is the first failing one
# (shrinking is test_heap's business, and costs seconds per bug).
FIND = [Phase.explicit, Phase.generate]


def _replays(path, bug):
    """The exported program, read back from its bytes, fails the same way on
    the buggy fake and passes on the honest one."""
    with open(path, "rb") as f:
        _, recs = H.decode_program(f.read())
    err = run_fake(recs, bug)
    assert err is not None and re.search(FOUND[bug], str(err)), (bug, str(err))
    assert run_fake(recs) is None


@pytest.mark.parametrize("bug", sorted(FOUND))
def test_machine_finds(bug, tmp_path, monkeypatch):
    """test_heap's state machine, at the ci budget, finds every bug and
    exports a program that replays it."""
    monkeypatch.setattr(T, "FAIL_DIR", str(tmp_path))
    monkeypatch.setenv("KT_FAKE_BUG", bug)
    with pytest.raises(H.Violation) as e:
        run_state_machine_as_test(lambda: T.HeapMachine("fake", FAKE),
                                  settings=settings(sm_settings(), phases=FIND))
    assert re.search(FOUND[bug], str(e.value)), str(e.value)
    monkeypatch.delenv("KT_FAKE_BUG")
    _replays(str(tmp_path / "heap-fake-machine.bin"), bug)


@pytest.mark.parametrize("bug", sorted(FOUND))
def test_programs_find(bug, tmp_path, monkeypatch):
    """test_heap's whole-program search finds every bug, exported likewise."""
    monkeypatch.setattr(T, "FAIL_DIR", str(tmp_path))
    monkeypatch.setenv("KT_FAKE_BUG", bug)

    @settings(max_examples=examples(1.0), phases=FIND)
    @given(T.PROGRAMS)
    def prop(data):
        T.run_bytes(data, "fake", FAKE)
    with pytest.raises(H.Violation) as e:
        prop()
    assert re.search(FOUND[bug], str(e.value)), str(e.value)
    monkeypatch.delenv("KT_FAKE_BUG")
    _replays(str(tmp_path / "heap-fake-binary.bin"), bug)


def _probe(quirk):
    """The quirk is really there: a direct look through the raw API."""
    import ctypes as C
    t = Target("fake", FAKE)
    try:
        if quirk == "exact_copy":
            p = t.malloc(100)
            C.memset(p, 0x11, t.usable_size(p))
            q = t.realloc(p, 1000)
            ok = C.string_at(q + 100, 12) == b"\xdd" * 12
            t.free(q)
        elif quirk == "null_zero":
            ok = t.malloc(0) == 0 and t.calloc(0, 8) == 0 and t.aligned_alloc(64, 0) == 0
        elif quirk == "tail_dirty":
            p = t.calloc(1, 100)
            ok = C.string_at(p, 100) == bytes(100) and C.string_at(p + 100, 12) == b"\xee" * 12
            t.free(p)
        else:
            ps = [t.malloc(n) for n in (1, 2, 4, 8, 16)]
            ok = [p % 16 for p in ps] == [1, 2, 4, 8, 0]
            for p in ps:
                t.free(p)
        return ok
    finally:
        t.close()


@pytest.mark.parametrize("quirk", ["exact_copy", "null_zero", "tail_dirty", "small_align"])
def test_legal_quirks_pass(quirk, tmp_path, monkeypatch):
    """Behaviour C allows is not reported: realloc keeping only the requested
    prefix, NULL for 0 bytes, calloc leaving the usable tail dirty, small
    blocks aligned only as their size needs.  Both searches run clean."""
    monkeypatch.setattr(T, "FAIL_DIR", str(tmp_path))
    monkeypatch.setenv("KT_FAKE_QUIRK", quirk)
    assert _probe(quirk), "the fake does not show %s" % quirk
    run_state_machine_as_test(lambda: T.HeapMachine("fake", FAKE), settings=sm_settings(0.25))

    @settings(max_examples=examples(0.25))
    @given(T.PROGRAMS)
    def prop(data):
        T.run_bytes(data, "fake", FAKE)
    prop()


def test_every_bug_has_a_case():
    """The fake's list of bugs (its kt_open refusal names them) is CASES'."""
    os.environ["KT_FAKE_BUG"] = "nonesuch"
    try:
        with pytest.raises(TargetUnavailable) as e:
            Target("fake", FAKE)
    finally:
        del os.environ["KT_FAKE_BUG"]
    names = str(e.value).split("one of", 1)[1].split()
    assert sorted(names) == sorted(list(CASES) + ["none"]) == sorted(list(FOUND) + ["none"])


def test_misuse_interior_fires():
    """An interior free accepted (returns 0) is reported; the honest fake refuses it."""
    program = "p0 = malloc(64); free_interior(p0, 5); verify_pattern(p0)"
    assert run_fake(program) is None
    err = run_fake(program, "misuse_ok")
    assert err is not None and "interior (+5 of malloc block of 64 bytes" in str(err), str(err)


def test_aligned_alloc_keeps_fundamental_alignment():
    """aligned_alloc(2, 100) must still be 16-aligned (7.22.3 covers it too)."""
    program = "p0 = aligned_alloc(2, 100); p1 = aligned_alloc(8, 8)"
    assert run_fake(program) is None
    err = run_fake(program, "misalign")
    assert err is not None and "aligned_alloc(2) of 100 bytes at" in str(err) and \
        "is not aligned to 16" in str(err), str(err)


def test_calloc_dirty_found_in_a_big_block():
    """Big blocks are read in pieces; the last requested byte is in one."""
    program = "p0 = calloc(64, 4097)"
    assert run_fake(program) is None
    err = run_fake(program, "calloc_dirty")
    assert err is not None and "byte 262207 of 262208 is 0x01" in str(err), str(err)


def test_missing_capabilities_make_ops_noops():
    """Without TCAP_REPORTS_MISUSE the misuse ops are not sent (misuse_ok goes
    unseen), without TCAP_ALIGNED_ALLOC aligned_alloc is a no-op."""
    no_misuse = "%x" % (H.TCAP_MALLOC | H.TCAP_ALIGNED_ALLOC)
    program = "p0 = malloc(64); double_free(p0); free_interior(p0, 3); free(p0)"
    assert run_fake(program, "misuse_ok", KT_FAKE_CAPS=no_misuse) is None
    program = "p0 = aligned_alloc(64, 100); write_pattern(p0)"
    assert run_fake(program, "aligned_wrong", KT_FAKE_CAPS="%x" % H.TCAP_MALLOC) is None
    err = run_fake("p0 = malloc(8)", KT_FAKE_CAPS="%x" % H.TCAP_ALIGNED_ALLOC)
    assert err is not None and "offers no malloc group" in str(err)


def test_usable_size_not_offered():
    """kt_usable_size 0 means not offered: the model then uses the requested
    bytes, and a short usable size cannot be seen (usable_short is then moot)."""
    program = ("p0 = malloc(100); write_pattern(p0); malloc_usable_size(p0); "
            "p0 = realloc(p0, 3000); verify_pattern(p0); free(p0)")
    assert run_fake(program, KT_FAKE_NO_USABLE="1") is None


def test_huge_requests_may_fail():
    """NULL is allowed from null_ok_from up (and for 0 bytes), nowhere else."""
    program = ("p0 = malloc(1099511627776); p1 = calloc(SIZE_MAX >> 15, 1048576); "
            "p2 = aligned_alloc(4096, 35184372088832); p3 = malloc(100); "
            "p3 = realloc(p3, 140737488355328); verify_pattern(p3)")
    assert run_fake(program) is None
    os.environ["KT_FAKE_BUG"] = ""
    try:
        t = Target("fake", FAKE)
        try:
            with pytest.raises(H.Violation) as err:
                H.run_program(prog("p0 = malloc(2147483648)"), t, null_ok_from=1 << 32)
        finally:
            t.close()
    finally:
        del os.environ["KT_FAKE_BUG"]
    assert "malloc(2147483648) returned NULL" in str(err.value)


# ---------------------------------------------------------------------------
# The model's own rules
# ---------------------------------------------------------------------------
def test_fundamental_alignment():
    assert [H.fundamental_align(n) for n in (0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 1 << 20)] == \
        [1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 16]


@given(st.integers(0, 1 << 47))
def test_pieces_cover_ends(n):
    """Pieces are disjoint, inside the block, whole up to WHOLE, and always
    hold the first and the last byte."""
    ps = H.pieces(n)
    if n == 0:
        assert ps == []
        return
    assert ps[0][0] == 0 and ps[-1][1] == n
    assert all(a < b <= c for (a, b), (c, _) in zip(ps, ps[1:]))
    if n <= H.WHOLE:
        assert ps == [(0, n)]
    else:
        assert len(ps) <= 9 and all(b - a <= H.PIECE for a, b in ps)


def test_block_learn_and_clip():
    b = H.Block(0x1000, 100, 112, 16, "malloc", 1)
    b.learn(0, 112, 7)
    b.learn(10, 20, None)
    assert b.known == [[0, 10, 7], [10, 20, None], [20, 112, 7]]
    b.clip(15)
    assert b.known == [[0, 10, 7], [10, 15, None]]


@settings(max_examples=examples(2.0))
@given(st.binary(max_size=8 + 8 * 40))
def test_program_form_canonical(data):
    """Any bytes decode to heap ops of target malloc; canonical bytes decode
    to the same program (a fixed point); the header carries the stamps."""
    _, recs = H.decode_program(data)
    assert all(r.op in H.MALLOC_SET for r in recs)
    raw = H.encode_program(recs, "glibc")
    assert raw[6:8] == bytes([5, 2])
    _, again = H.decode_program(raw)
    assert [r.text() for r in again] == [r.text() for r in recs]
    assert H.encode_program(again, "glibc") == raw
    assert H.ops.parse(H.program_text(recs, "glibc")) == raw


def test_exports_read_the_same_in_c(tmp_path):
    """What save_failure writes, `kfz decode` prints as program_text does:
    the stamps, the header and every heap op (harness/ops.c against ours)."""
    import random
    kfz = os.path.join(ROOT, "build", "gcc", "harness", "kfz")
    if not os.access(kfz, os.X_OK):
        pytest.skip("build/gcc/harness/kfz is not built")
    rnd = random.Random(7)
    for i in range(40):
        alloc = rnd.choice(["glibc", "jemalloc", "mimalloc", "tcmalloc", "example", "fake"])
        data = bytes(rnd.randrange(256) for _ in range(8 + 8 * rnd.randrange(0, 24)))
        hdr, recs = H.decode_program(data)
        path = H.save_failure(recs, alloc, "violation %d" % i, str(tmp_path), "p%d" % i, hdr)
        r = subprocess.run([kfz, "decode", path], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout == H.program_text(recs, alloc, hdr), data.hex()
