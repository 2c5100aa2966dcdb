"""test_heap.py - the heap properties (props/heap.py) against real allocators:
glibc, jemalloc, mimalloc, tcmalloc and the example allocator, each reached
through libktarget.so (props/ktarget.py).

Two searches per allocator, both made of op-language records (target
`malloc`, OPS.md) and run through the same slot rules and oracle
(heap.Slots, heap.HeapModel):
  - HeapMachine, a RuleBasedStateMachine whose rules (malloc, calloc,
    realloc, aligned_alloc, free, malloc_usable_size, write, verify, and
    the misuse ops for targets that report misuse) pick a fitting slot and
    emit one record each (no check() rule: every step ends with the full
    check anyway);
  - test_heap_programs, @given over whole record lists.
Sizes are biased to the class boundaries of the allocators in use (powers of
two and the quarter steps between them, +-1, 8, 16, 64) and the thresholds
where they change strategy (glibc's tcache and mmap limits, page sizes).

A failing example is written as a program under build/props-failures/
(heap-ALLOC-machine.bin / heap-ALLOC-binary.bin, canonical bytes with the
header stamped target=malloc, alloc=ALLOC, and a .txt with the violation on
top) that `build/gcc/harness/kfz run --alloc=ALLOC FILE` replays.

Which allocators: $PROPS_ALLOC (names separated by commas or spaces; `make
props ALLOC=...` sets it), else every shipped one whose library can be had
(the rest are skipped, saying why).  Asked for by name, an allocator that
cannot be opened is a failure (`make props` first asks ktarget.py, which
prints the one-line reason and exits 2).  test_heap_checks.py runs these
same searches against the fake's bugs (path= and FAIL_DIR).
"""
import os
import random
import re
import subprocess
import sys

import pytest
from hypothesis import note, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, rule, precondition,
                                 run_state_machine_as_test)
from hypothesis import given, settings

import heap as H
from budget import examples, sm_settings
from ktarget import ROOT, Target, TargetUnavailable

FAIL_DIR = os.environ.get("PROPS_FAILURES", os.path.join(ROOT, "build", "props-failures"))
SHIPPED = ["glibc", "jemalloc", "mimalloc", "tcmalloc", "example"]
_asked = [a for a in re.split(r"[,\s]+", os.environ.get("PROPS_ALLOC", "")) if a]
ALLOCS = _asked or SHIPPED


_why = {}


def need(alloc):
    """Skip (or, asked for by name, fail) unless @alloc can be opened."""
    if alloc not in _why:
        try:
            Target(alloc).close()
            _why[alloc] = None
        except TargetUnavailable as e:
            _why[alloc] = str(e)
    why = _why[alloc]
    if why:
        if _asked:
            pytest.fail("ALLOC=%s cannot be opened: %s" % (alloc, why))
        pytest.skip(why)


# ---------------------------------------------------------------------------
# Sizes and records
# ---------------------------------------------------------------------------
# The largest requests programs make, apart from ones no machine can meet
# (HUGE): an allocator may touch every byte of a calloc (tcmalloc does), and
# a 16 GiB request can succeed here.  Up to twice the size from which NULL
# is allowed (2^HEAP_LARGE_LOG2, harness/target.h), so that both sides of
# that line are asked; HUGE: refused by the adapters, and past x86-64's
# address space.
LIMIT = 2 * H.NULL_OK_FROM
CALLOC_LIMIT = H.NULL_OK_FROM
HUGE = [1 << 45, 1 << 46, 1 << 47, (1 << 47) + 1]


def _boundaries():
    out = set()
    for k in range(3, 27):
        for base in (1 << k, 5 << (k - 2), 3 << (k - 1), 7 << (k - 2)):
            for d in (-64, -16, -8, -1, 0, 1, 8, 16, 64):
                out.add(base + d)
    out |= {24, 1032, 1033, 1040, 4080, 4095, 131072 - 4096, 131072, 131072 + 4096,
            H.NULL_OK_FROM - 64, H.NULL_OK_FROM, H.NULL_OK_FROM + 1, H.NULL_OK_FROM + 64}
    return sorted(n for n in out if 0 <= n <= LIMIT and H.ops.size_encode(n) is not None)


BOUNDARIES = _boundaries()
SIZES = st.one_of(st.integers(0, 64), st.integers(1, 16384),
                  st.sampled_from(BOUNDARIES + HUGE),
                  st.integers(257, 16383).map(lambda m: m * 64))
COUNTS = st.one_of(st.integers(0, 8), st.integers(0, 0xef), st.integers(0xf0, 0xff))


# Bugs of the allocators as Debian 12 ships them.  Each is kept as a minimised
# program, corpus/findings/NAME.bin (+ .txt), that test_known_findings replays
# in a fresh process: it must still fail as described (when it stops failing,
# the allocator was fixed: drop the entry).  The searches steer around them
# (tame() moves a matching request off the bug), so that they keep looking
# for new ones.   name: (what, matches(op), the violation's words)
KNOWN = {
    "mimalloc": {
        "mimalloc-aligned-pow2": (
            "mimalloc 2.0.9: aligned_alloc(A, S) for S = 256, 512 or 1024 and 256 <= A <= S "
            "takes the small-block fast path, whose blocks are only 128-aligned "
            "(microsoft/mimalloc#700, fixed upstream after 2.0.9)",
            lambda op: (op.op == H.ALIGNED_ALLOC and op.size in (256, 512, 1024) and
                        256 <= op.malign <= op.size),
            r"aligned_alloc\(\d+\) of \d+ bytes at 0x[0-9a-f]+ is not aligned to \d+"),
    },
}
FINDINGS = os.path.join(ROOT, "corpus", "findings")


def tame(op, alloc=None):
    """@op with a request moved out of (LIMIT, 2**45) - (CALLOC_LIMIT, 2**48)
    for calloc - into the huge range, and off @alloc's known bugs: a
    generation policy, not a semantic one (the record that runs is the
    record exported)."""
    for _, matches, _ in KNOWN.get(alloc, {}).values():
        if matches(op):
            b = bytearray(op.b)
            v = H.ops.size_encode(op.size + 64)
            b[2], b[3] = v & 0xff, v >> 8
            op = H.Op(bytes(b), op.op)
    b, o = bytearray(op.b), op.op
    if o in (H.MALLOC, H.REALLOC, H.ALIGNED_ALLOC) and LIMIT < op.size < 1 << 45:
        v = 2 << 14 | (45 + op.size.bit_length() % 3)
        b[2], b[3] = v & 0xff, v >> 8
    elif o == H.CALLOC:
        n, s = op.count, op.size
        if CALLOC_LIMIT < n * s < 1 << 48:      # n is small here: huge counts give >= 2**49
            if s <= CALLOC_LIMIT:
                b[5] = b[5] % (CALLOC_LIMIT // s + 1)
            else:
                v = 2 << 14 | 47
                b[2], b[3], b[5] = v & 0xff, v >> 8, 2 + b[5] % 200
    return H.Op(bytes(b), op.op)


def rec(op, p, size=None, x5=0, b4=0, u16=None):
    b = [op, p, 0, 0, b4, x5, 0, 0]
    if size is not None:
        u16 = H.ops.size_encode(size)
    if u16 is not None:
        b[2], b[3] = u16 & 0xff, u16 >> 8
    return H.Op(bytes(b))


def fail(records, alloc, err, stem, hdr=bytes(8)):
    path = H.save_failure(records, alloc, err, FAIL_DIR, "heap-%s-%s" % (alloc, stem), hdr)
    note("counterexample written to %s (and .txt)" % path)
    raise H.Violation("%s\n  program: %s (replay: build/gcc/harness/kfz run --alloc=%s %s)\n%s"
                      % (err, path, alloc, path, H.program_text(records, alloc, hdr)))


# ---------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------
NSLOTS = 8      # few slots: most ops meet a live block


class HeapMachine(RuleBasedStateMachine):
    def __init__(self, alloc, path=None):
        super().__init__()
        self.alloc = alloc
        self.hdr = bytes(8)
        self.t = Target(alloc, path, self.hdr)
        self.m = H.HeapModel(self.t)
        self.slots = H.Slots(self.m)
        self.records = []
        self.failed = False

    def empty(self):
        return [i for i in range(NSLOTS) if self.slots.slot[i] is None]

    def live(self):
        return [i for i in range(NSLOTS) if self.slots.slot[i] is not None]

    def step(self, op):
        op = tame(op, self.alloc)
        self.records.append(op)
        try:
            self.slots.step(op)
        except AssertionError as e:
            self.failed = True
            fail(self.records, self.alloc, "op %d: %s: %s" % (len(self.records) - 1, op.text(), e),
                 "machine", self.hdr)

    def alloc_into(self, data, op, fill, **kw):
        p = data.draw(st.sampled_from(self.empty()), label="slot")
        self.step(rec(op, p, **kw))
        if fill and self.slots.slot[p] is not None:
            self.step(rec(H.WRITE, p))

    @precondition(lambda self: self.empty())
    @rule(data=st.data(), size=SIZES, fill=st.booleans())
    def malloc(self, data, size, fill):
        self.alloc_into(data, H.MALLOC, fill, size=size)

    @precondition(lambda self: self.empty())
    @rule(data=st.data(), x5=COUNTS, size=SIZES, fill=st.booleans())
    def calloc(self, data, x5, size, fill):
        self.alloc_into(data, H.CALLOC, fill, size=size, x5=x5)

    @precondition(lambda self: self.empty())
    @rule(data=st.data(), k=st.integers(0, 12), size=SIZES, times=st.integers(0, 4),
          fill=st.booleans())
    def aligned_alloc(self, data, k, size, times, fill):
        """aligned_alloc(1 << k, SIZE), or of 1..4 times its alignment (the
        common use: arrays of over-aligned objects)."""
        self.alloc_into(data, H.ALIGNED_ALLOC, fill, size=(times << k) or size, b4=k)

    @precondition(lambda self: self.live())
    @rule(data=st.data(), size=SIZES.filter(bool), fill=st.booleans())
    def realloc(self, data, size, fill):
        p = data.draw(st.sampled_from(self.live()), label="slot")
        self.step(rec(H.REALLOC, p, size))
        if fill:
            self.step(rec(H.WRITE, p))

    @precondition(lambda self: self.live())
    @rule(data=st.data(), op=st.sampled_from([H.FREE, H.USABLE_SIZE, H.WRITE, H.VERIFY]))
    def on_live_block(self, data, op):
        """free, malloc_usable_size, write_pattern, verify_pattern."""
        self.step(rec(op, data.draw(st.sampled_from(self.live()), label="slot")))

    @precondition(lambda self: self.live() and self.m.reports_misuse())
    @rule(data=st.data(), off=st.one_of(st.integers(0, 64), st.integers(0, 65535)),
          double=st.booleans())
    def misuse(self, data, off, double):
        """double_free / free_interior, sent only to targets that report misuse."""
        p = data.draw(st.sampled_from(self.live()), label="slot")
        self.step(rec(H.DOUBLE_FREE, p) if double else rec(H.INTERIOR, p, u16=off))

    def teardown(self):
        try:
            if not self.failed:
                try:
                    self.m.finish()
                except AssertionError as e:
                    fail(self.records, self.alloc, "end of program (free everything): %s" % e,
                         "machine", self.hdr)
        finally:
            self.t.close()


@pytest.mark.parametrize("alloc", ALLOCS)
def test_heap_machine(alloc):
    """Rule-based programs on one allocator instance each: every heap property
    after every step, everything back at the end."""
    need(alloc)
    run_state_machine_as_test(lambda: HeapMachine(alloc), settings=sm_settings())


# ---------------------------------------------------------------------------
# Whole programs
# ---------------------------------------------------------------------------
_RECORD = st.tuples(
    st.sampled_from(H.MALLOC_SET + [H.MALLOC, H.CALLOC, H.REALLOC, H.ALIGNED_ALLOC, H.FREE]),
    st.integers(0, 3),                       # fewer slots than the machine: no rule picks them
    st.one_of(SIZES.map(H.ops.size_encode), st.integers(0, 65535)),
    st.integers(0, 255), COUNTS,
).map(lambda t: bytes([t[0], t[1], t[2] & 0xff, t[2] >> 8, t[3], t[4], 0, 0]))
# Runs of records, so that programs are long (about 20 records) and still
# shrink to a single one (a min_size would leave no-op filler behind).
PROGRAMS = st.tuples(st.integers(0, 7), st.lists(st.lists(_RECORD, min_size=1, max_size=8),
                                                  max_size=30)).map(
    lambda t: bytes([t[0]]) + bytes(7) + b"".join(r for run in t[1] for r in run))


def run_bytes(data, alloc, path=None, stem="binary"):
    """Run @data as a heap program (tamed) on a fresh instance; a failure is
    exported as heap-ALLOC-STEM.  Returns the (header, records) that ran."""
    hdr, records = H.decode_program(data)
    records = [tame(r, alloc) for r in records]
    t = Target(alloc, path, hdr)
    try:
        H.run_program(records, t)
    except AssertionError as e:
        fail(records, alloc, e, stem, hdr)
    finally:
        t.close()
    return hdr, records


@pytest.mark.parametrize("alloc", ALLOCS)
def test_heap_programs(alloc):
    """Any record list is a program (allocation-heavy, few slots); running it
    finds no violation."""
    need(alloc)

    @settings(max_examples=examples(1.0))
    @given(PROGRAMS)
    def prop(data):
        run_bytes(data, alloc)
    prop()


def _findings():
    return [(a, n) for a in sorted(KNOWN) if a in ALLOCS for n in sorted(KNOWN[a])] or [None]


@pytest.mark.parametrize("finding", _findings())
def test_known_findings(finding):
    """Each known allocator bug still shows, run from its kept program in a
    fresh process (an allocator's state is its process's)."""
    if finding is None:
        pytest.skip("no known bugs for %s" % " ".join(ALLOCS))
    alloc, name = finding
    need(alloc)
    what, matches, words = KNOWN[alloc][name]
    path = os.path.join(FINDINGS, name + ".bin")
    with open(path, "rb") as f:
        records = H.decode_program(f.read())[1]
    assert any(matches(r) for r in records), "%s: no op of the program matches its bug" % name
    r = subprocess.run([sys.executable, os.path.join(ROOT, "props", "heap.py"),
                        "--alloc=" + alloc, path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and re.search(words, r.stdout), \
        "%s no longer fails as %r (fixed? then drop it from KNOWN):\n%s%s" % (
            name, what, r.stdout, r.stderr)


def kfz_heap_tool(alloc):
    """The harness's kfz that replays @alloc's heap programs (kfz-user for a
    user's adapter), or None.  `kfz which` must name @alloc for a program
    stamped with it: a kfz without that allocator runs it on kalloc, where
    every heap op is a no-op, and would pass anything."""
    build = os.path.join(ROOT, "build", "gcc", "harness")
    for kfz in [os.environ.get("KFZ"), os.path.join(build, "kfz-user" if alloc == "user"
                                                    else "kfz")]:
        if not kfz or not os.access(kfz, os.X_OK):
            continue
        probe = H.save_failure([], alloc, "probe", FAIL_DIR, "heap-kfz-probe-%s" % alloc)
        r = subprocess.run([kfz, "which", probe], capture_output=True, text=True, timeout=30,
                           env=_kfz_env())
        if r.returncode == 0 and r.stdout.split() == ["malloc", alloc]:
            return kfz
    return None


def _kfz_env():
    env = dict(os.environ)
    env["GLIBC_TUNABLES"] = ":".join(filter(None, [env.get("GLIBC_TUNABLES"),
                                                   "glibc.rtld.optional_static_tls=16384"]))
    return env


@pytest.mark.parametrize("alloc", ALLOCS)
def test_exports_replay_in_kfz(alloc, tmp_path):
    """The same programs through both oracles: random programs that pass here,
    exported as save_failure writes them, pass `kfz run` (the C harness's
    neutral oracle on the same allocator, read from the header's stamps).
    A disagreement is one oracle's mistake, or one's blind spot."""
    need(alloc)
    kfz = kfz_heap_tool(alloc)
    if not kfz:
        pytest.skip("no kfz here replays heap programs on %s" % alloc)
    rnd = random.Random(11)
    ops_ = H.MALLOC_SET + [H.MALLOC, H.CALLOC, H.REALLOC, H.ALIGNED_ALLOC, H.FREE]
    sizes = [H.ops.size_encode(n) for n in BOUNDARIES + HUGE]

    def record():       # _RECORD's distribution, drawn with random
        v = rnd.choice(sizes) if rnd.random() < 0.7 else rnd.randrange(65536)
        x5 = rnd.choice([rnd.randrange(9), rnd.randrange(0xf0), rnd.randrange(0xf0, 0x100)])
        return bytes([rnd.choice(ops_), rnd.randrange(4), v & 0xff, v >> 8,
                      rnd.randrange(256), x5, 0, 0])
    for i in range(examples(1.0)):
        body = b"".join(record() for _ in range(rnd.randrange(4, 64)))
        hdr, records = run_bytes(bytes(8) + body, alloc, stem="replay")
        H.save_failure(records, alloc, "passes in props", str(tmp_path), "p%d" % i, hdr)
    r = subprocess.run([kfz, "regress", str(tmp_path)], capture_output=True, text=True,
                       timeout=300, env=_kfz_env())
    assert r.returncode == 0, "kfz regress disagrees with the Python model:\n%s%s" % (
        r.stdout[-4000:], r.stderr[-2000:])


def test_findings_replay_in_kfz():
    """Each kept finding also fails in the C harness (`kfz run`), read from its stamps."""
    found = [f for f in _findings() if f]
    if not found:
        pytest.skip("no known bugs for %s" % " ".join(ALLOCS))
    for alloc, name in found:
        need(alloc)
        kfz = kfz_heap_tool(alloc)
        if not kfz:
            pytest.skip("no kfz here replays heap programs on %s" % alloc)
        path = os.path.join(FINDINGS, name + ".bin")
        r = subprocess.run([kfz, "run", path], capture_output=True, text=True, timeout=60,
                           env=_kfz_env())
        assert r.returncode != 0 and "VIOLATION" in r.stdout, (name, r.stdout, r.stderr)
