"""test_regressions.py - allocator bugs the property tests found, one test each.

Oracle: Linux's formats and the reference model; each test failed before its
fix (the commit that fixed it is named)."""
import kalloc as K
from system import Sim


def test_slabinfo_keeps_field_separators_for_wide_numbers():
    """/proc/slabinfo is "%-17s %6lu %6lu %6u %4u %4d ...": a space separates
    the fields even when a number is wider than its field.  The printf-free
    rows wrote "%7lu" instead of " %6lu" and ran <num_objs> into <objsize>
    for objects of 1,000,000 bytes or more ("0      01048584").  Found by
    test_programs_in_one_arena (dev profile); corpus/regressions/
    slabinfo-wide-objsize.txt replays it."""
    sim = Sim(nr_pages=1024, dma_pages=128, nr_cpus=1)
    try:
        ref = sim.cache_create("task_struct", 1048577, 0, 0)
        row = [ln for ln in sim.k.proc("proc_slabinfo").splitlines()
               if ln.startswith("task_struct ")][0]
        f = row.split()
        assert f[:6] == ["task_struct", "0", "0", "1048584", "1", "512"], row
        assert len(f) == 16, row
        sim.check_all()              # the whole text against the model
        assert sim.cache_destroy(ref)
    finally:
        sim.close()
