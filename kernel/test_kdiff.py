#!/usr/bin/python3
"""test_kdiff.py - kdiff.py's comparison and log parsing, without a boot.

Each case changes exactly one thing in a pair of result texts (or a boot
log) and expects exactly one verdict; the healthy pair must agree.
Prints "N passed, M failed"; exit 1 on a failure.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kdiff  # noqa: E402

PASS, FAIL = 0, 0


def check(name, cond):
    global PASS, FAIL
    if cond:
        PASS += 1
    else:
        FAIL += 1
        print("FAIL", name)


def verdicts(kern, kal, known=None, mode="normal", log=()):
    t = kdiff.Tally(known or {})
    kdiff.compare_program(t, "p", mode, kern, kal, list(log), None)
    return {k: dict(v) for k, v in t.rows.items()}, t


GOOD_K = ["0 kmalloc ok=1 ksize=128 align=7 zone=DMA32", "1 kfree ok=1",
          "2 geometry c0 objsize=1088 objperslab=15 pagesperslab=4"]
GOOD_H = ["0 kmalloc ok=1 ksize=128 align=7 zone=Normal", "1 kfree ok=1",
          "2 geometry c0 objsize=1088 objperslab=15 pagesperslab=4"]


def main():
    v, _ = verdicts(GOOD_K, GOOD_H)
    check("healthy pair agrees (DMA32 = Normal)", v == {"kmalloc": {"agreed": 1}, "kfree": {"agreed": 1},
                                                        "geometry": {"agreed": 1}})
    bad = list(GOOD_H)
    bad[0] = bad[0].replace("ksize=128", "ksize=192")
    v, t = verdicts(GOOD_K, bad)
    check("ksize differs", v["kmalloc"] == {"differed": 1} and ("kmalloc", "ksize") in t.first)
    v, t = verdicts(GOOD_K, bad, known={("kmalloc", "ksize"): [(None, "why")]})
    check("known difference", v["kmalloc"] == {"known": 1} and not t.first)
    v, t = verdicts(GOOD_K, bad, known={("kmalloc", "ksize"): [(("ksize", 200, 300), "why")]})
    check("known only where its range says", v["kmalloc"] == {"differed": 1})
    v, t = verdicts(GOOD_K, bad, known={("kmalloc", "ksize"): [(("ksize", 100, 128), "why")]})
    check("known inside its range", v["kmalloc"] == {"known": 1})
    v, t = verdicts(GOOD_K, bad, known={("kmalloc", "ksize"): [(("boot", "ZU"), "why")]}, mode="sd-FZPU")
    check("known in a Z+U boot", v["kmalloc"] == {"known": 1})
    v, t = verdicts(GOOD_K, bad, known={("kmalloc", "ksize"): [(("boot", "ZU"), "why")]}, mode="sd-P")
    check("not known in a P boot", v["kmalloc"] == {"differed": 1})
    bad = list(GOOD_H)
    bad[0] = bad[0].replace("zone=Normal", "zone=DMA")
    v, _ = verdicts(GOOD_K, bad)
    check("zone DMA vs DMA32 differs", v["kmalloc"] == {"differed": 1})
    bad = list(GOOD_H)
    bad[2] = bad[2].replace("objperslab=15", "objperslab=16")
    v, _ = verdicts(GOOD_K, bad)
    check("geometry differs", v["geometry"] == {"differed": 1})
    v, _ = verdicts(GOOD_K, GOOD_H[1:])
    check("line missing on kalloc's side", v["kmalloc"] == {"differed": 1})
    v, _ = verdicts(["0 kmalloc ok=1 ksize=8 align=3 zone=DMA32", "1 ksize ksize=8"],
                    ["0 kmalloc ok=0"])
    check("after a differing ok, a missing line is not comparable",
          v["kmalloc"] == {"differed": 1} and v["ksize"] == {"nc": 1})
    v, _ = verdicts(["0 alloc_pages ok=0"], ["0 alloc_pages ok=1 align=22 zone=DMA", "1 free_pages ok=1"])
    check("a DMA block only kalloc had room for", v["alloc_pages"] == {"nc": 1} and v["free_pages"] == {"nc": 1})
    v, _ = verdicts(["0 alloc_pages ok=1 align=22 zone=DMA"], ["0 alloc_pages ok=0"])
    check("a DMA block only the kernel had room for differs", v["alloc_pages"] == {"differed": 1})
    v, _ = verdicts(["0 set_cpu nc=kalloc-only"], ["0 set_cpu nc=kalloc-only"])
    check("nc", v == {"set_cpu": {"nc": 1}})
    v, _ = verdicts(["0 kmem_cache_create ok=1 objsize=1056 slot=8 merged=1"],
                    ["0 kmem_cache_create ok=1 objsize=1040 slot=1088"])
    check("merged cache not comparable", v == {"kmem_cache_create": {"nc": 1}})
    log = ["[ 1.0] kdiff: op 1 begin", "[ 1.1] BUG kmalloc-128 (Tainted: G): Object already free",
           "[ 1.2] kdiff: op 1 end"]
    mis_k = ["0 kmalloc ok=1 ksize=128 align=7 zone=DMA32", "1 double_free misuse=1"]
    mis_h = ["0 kmalloc ok=1 ksize=128 align=7 zone=Normal", "1 double_free misuse=1 err=KERR_DOUBLE_FREE"]
    v, _ = verdicts(mis_k, mis_h, mode="debug", log=log)
    check("misuse reported by both", v["double_free"] == {"agreed": 1} and v["kmalloc"] == {"agreed": 1})
    v, _ = verdicts(mis_k, mis_h, mode="debug", log=log[:1] + log[2:])
    check("misuse the kernel did not report", v["double_free"] == {"differed": 1})
    check("golden masking", kdiff.misuse_report(["[ 2.5] x at 0xffff888001234567 pid: 97", "kdiff: op 3 end"]
                                                 , "3") == [] and
          kdiff.mask("[    2.5] obj 0xffff888001234567 PID: 97 Comm: cat") == "obj 0x(hex) PID: N Comm: X")
    v, _ = verdicts(["0 kfree ok=1"], ["0 kfree ok=1 err=KERR_REDZONE"], mode="debug")
    check("a debug boot's corrupt free: the report decides, not err", v["kfree"] == {"agreed": 1})
    v, _ = verdicts(["0 kfree ok=1"], ["0 kfree ok=1 err=KERR_REDZONE"], mode="normal")
    check("outside a debug boot err differs", v["kfree"] == {"differed": 1})
    v, _ = verdicts(["0 kfree ok=1"], ["0 kfree ok=1 err=KERR_DOUBLE_FREE"], mode="debug")
    check("a non-corruption err differs in a debug boot", v["kfree"] == {"differed": 1})
    # report streams (issue 12 item 4): a masked difference is none, an
    # unmasked one is a differed row; stack frames and CPU lines are dropped
    klog = ["[    3.1] =============================================================================",
            "[    3.1] BUG kx0_cred_jar (Tainted: G        W  OE     ): Right Redzone overwritten",
            "[    3.1] 0xffff888004a1c048-0xffff888004a1c04b @offset=72. First byte 0x41 instead of 0xcc",
            "[    3.1] Allocated in kx_cache_alloc+0x12/0x20 [kdiff] age=3 cpu=1 pid=97",
            "[    3.1]  kmem_cache_alloc+0x1a5/0x2f0",
            "[    3.1] Redzone  ffff888004a1c048: 41 41 41 41 cc cc cc cc  AAAA....",
            "[    3.1] CPU: 1 PID: 97 Comm: cat Tainted: G        W  OE      6.1.0-57-amd64 #1  Debian 6.1.192-3",
            "[    3.1] Call Trace:", "[    3.1]  <TASK>", "[    3.1]  dump_stack_lvl+0x44/0x5c",
            "[    3.1]  </TASK>", "[    3.1] kdiff: op 3 end"]
    hlog = ["=============================================================================",
            "BUG kx0_cred_jar (Not tainted): Right Redzone overwritten",
            "0x00007fc7a8800048-0x00007fc7a880004b @offset=72. First byte 0x41 instead of 0xcc",
            "Allocated in kx_cache_alloc+0x1/0x2 [kdiff] age=0 cpu=0 pid=0",
            "Redzone  00007fc7a8800048: 41 41 41 41 cc cc cc cc  AAAA...."]
    t = kdiff.Tally({})
    kdiff.compare_reports(t, "p", klog, hlog)
    check("report stream: masked differences agree", dict(t.rows["report lines"]) == {"agreed": 5})
    t = kdiff.Tally({})
    kdiff.compare_reports(t, "p", klog, [hlog[0], hlog[1].replace("Right Redzone", "Left Redzone")] + hlog[2:])
    check("report stream: an unmasked difference differs",
          dict(t.rows["report lines"]) == {"agreed": 4, "differed": 1} and ("report lines", "line1") in t.first)
    t = kdiff.Tally({})
    kdiff.compare_reports(t, "p", klog, hlog[:4])
    check("report stream: a line only the kernel has differs", dict(t.rows["report lines"]) == {"agreed": 4, "differed": 1})
    t = kdiff.Tally({("report-line", "program"): [(("name", "kmalloc"), "why")]})
    kdiff.compare_reports(t, "corpus/kernel/scribble-kmalloc.txt", klog, hlog[:4])
    m = kdiff.report_lines(klog)
    check("report stream: masking keeps bytes, masks addresses and sites",
          m[2] == "0x(hex)-0x(hex) @offset=N. First byte 0x41 instead of 0xcc" and
          m[3] == "Allocated in SITE age=N cpu=N pid=N" and len(m) == 5)
    t = kdiff.Tally({})
    kdiff.compare_reports(t, "p", klog, hlog[:2] + [hlog[2].replace("0x41 instead", "0x42 instead")] + hlog[3:])
    check("report stream: a different byte value differs", dict(t.rows["report lines"]) == {"agreed": 4, "differed": 1})
    t = kdiff.Tally({("report-line", "program"): [(("name", "kmalloc"), "why")]})
    kdiff.compare_reports(t, "corpus/kernel/scribble-kmalloc.txt", klog, hlog[:4])
    check("report stream: a known program", dict(t.rows["report lines"]) == {"agreed": 4, "known": 1})
    # slabinfo rows
    k = "kmalloc-8  100 100 8 512 1 : tunables 0 0 0 : slabdata 1 1 0\n"
    t = kdiff.Tally({})
    kdiff.compare_slabinfo(t, 2, k, k)
    check("slabinfo rows agree", dict(t.rows["kmalloc caches (/proc/slabinfo)"]) == {"agreed": 1})
    t = kdiff.Tally({})
    kdiff.compare_slabinfo(t, 2, k, k.replace(" 512 1 ", " 256 1 "))
    check("slabinfo row differs", dict(t.rows["kmalloc caches (/proc/slabinfo)"]) == {"differed": 1})
    # boot log parsing
    b = kdiff.Boot(None)
    log = ["junk\n", "\x1bc@@KDIFF boot 6.1\n", "@@P 0000\n", "0 kfree ok=1\n", "[ 3.0] a console line\n",
           "@@L 0000\n", "[ 3.0] a console line\n", "@@E 0000\n", "@@P 0001\n", "0 kmalloc ok=1\n"]
    res, slab, unfinished, _ = b._parse(log, "x")
    check("log: results and console lines apart", res[0][0] == ["0 kfree ok=1"] and len(res[0][1]) == 1)
    check("log: a program without @@E is the one that died", unfinished == 1)
    res, slab, unfinished, _ = b._parse(log[:8] + ["@@SLABINFO\n", "kmalloc-8 1\n", "@@SLABINFO end\n",
                                                   "@@KDIFF done\n"], "x")
    check("log: a finished boot", unfinished is None and slab == "kmalloc-8 1\n")
    # a console message cutting into a results line (seen in a debug boot:
    # "16 krealloc ... zone=DMA32[    7.601947] =====", the line's newline later)
    res, _, _, _ = b._parse(["@@P 0000\n", "16 krealloc ok=1 zone=DMA32[    7.601947] =====\n",
                             "[    7.602112] BUG kmalloc-96\n", "\n", "17 kfree ok=1\n", "@@L 0000\n",
                             "[    7.601947] =====\n", "@@E 0000\n"], "x")
    check("log: a console message inside a results line is cut off",
          res[0][0] == ["16 krealloc ok=1 zone=DMA32", "17 kfree ok=1"] and len(res[0][1]) == 1)
    # programs: a text and its binary twin run once; a fuzz_slab file is read as fuzz_slab reads it
    with tempfile.TemporaryDirectory() as d:
        txt = "machine(cpus=2)\np0 = kmalloc(100, GFP_KERNEL)\n"
        open(os.path.join(d, "a.txt"), "w").write(txt)
        open(os.path.join(d, "a"), "wb").write(kdiff.ops.parse(txt))
        os.makedirs(os.path.join(d, "fuzz_slab"))
        open(os.path.join(d, "fuzz_slab", "b"), "wb").write(bytes(8) + bytes([0] * 8))
        progs, skipped = kdiff.collect([d])
        names = sorted(os.path.basename(n) for n, _ in progs)
        check("collect dedupes twins", names == ["a", "b"] and not skipped)
        slab = [data for n, data in progs if n.endswith("b")][0]
        check("collect retargets fuzz_slab", slab[8] % 64 in kdiff.ops.TARGETS["slab"])
    print("test_kdiff: %d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
