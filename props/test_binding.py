"""test_binding.py - the ctypes binding against the C headers.

Oracle: a small C program compiled against alloc/kalloc.h prints sizeof and
every field's offsetof for each mirrored struct; the ctypes layouts must be
identical.  Every function the headers declare has argtypes and restype.
Wrong handle kinds are ArgumentErrors, not crashes."""
import ctypes as C
import os
import re
import subprocess
import sys

import pytest

import kalloc as K

HEADERS = ["machine.h", "check.h", "physmem.h", "buddy.h", "slab.h", "kmalloc.h", "vmalloc.h"]


def c_layout(tmp_path):
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "kalloc.h"', "int main(void){"]
    for cname, py in K.STRUCTS.items():
        lines.append('printf("%s sizeof %%zu\\n", sizeof(struct %s));' % (cname, cname))
        for f, _ in py._fields_:
            lines.append('printf("%s %s %%zu\\n", offsetof(struct %s, %s));' % (cname, f, cname, f))
    lines.append("return 0;}")
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    cc = os.environ.get("CC", "gcc")
    subprocess.run([cc, "-I", os.path.join(K.ROOT, "alloc"), str(src), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {tuple(ln.split()[:2]): int(ln.split()[2]) for ln in out.splitlines()}


def test_struct_layouts_match_headers(tmp_path):
    want = c_layout(tmp_path)
    for cname, py in K.STRUCTS.items():
        assert C.sizeof(py) == want[cname, "sizeof"], cname
        for f, _ in py._fields_:
            assert getattr(py, f).offset == want[cname, f], (cname, f)


def declared_functions():
    names = set()
    for h in HEADERS:
        text = open(os.path.join(K.ROOT, "alloc", h)).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"#define[^\n]*(\\\n[^\n]*)*", "", text)
        for m in re.finditer(r"^[a-z][\w \*]*?\b(\w+)\s*\([^;{]*\)\s*;", text, re.M):
            if not m.group(0).startswith("typedef"):
                names.add(m.group(1))
    return names


def test_every_function_has_a_signature():
    lib = K.load()
    names = declared_functions()
    assert len(names) > 60, sorted(names)
    missing = sorted(names - set(K.SIGNATURES))
    assert not missing, "functions without argtypes/restype: %s" % missing
    for n in names:
        fn = getattr(lib, n)
        assert fn.argtypes is not None, n


def test_wrong_handle_kind_is_an_argument_error():
    k = K.Kalloc()
    try:
        with pytest.raises(C.ArgumentError):
            k.lib.kmem_cache_alloc(k.m, K.GFP_KERNEL)      # a machine where a cache goes
        with pytest.raises(C.ArgumentError):
            k.lib.kfree(k.lib.kmem_cache_find(k.m, b"kmalloc-64"), None)
    finally:
        k.close()


def test_pointers_survive_high_addresses():
    """restype c_void_p/c_ulong: addresses above 4 GiB come back whole."""
    k = K.Kalloc()
    try:
        p = k.kmalloc(64, K.GFP_KERNEL)
        assert p == k.base + (p - k.base) and p > 0
        assert k.pfn_of_addr(p) < k.nr_pages
        assert k.page_to_pfn(k.virt_to_page(p)) == k.pfn_of_addr(p)
    finally:
        k.close()


def test_asan_sees_inside_the_simulation():
    """Under the ASan build (make props-asan), an overflow past a kmalloc'd
    request inside the simulated memory is a sanitizer report: run one in a
    child interpreter and expect it to die with ASan's message."""
    if "asan" not in os.path.basename(os.path.dirname(K.lib_path())):
        pytest.skip("not the ASan build (make props-asan runs this)")
    code = ("import sys; sys.path.insert(0, %r); import kalloc as K\n"
            "k = K.Kalloc(); p = k.kmalloc(13, K.GFP_KERNEL)\n"
            "k.write(p, bytes(13)); print('in bounds ok', flush=True)\n"
            "k.write(p + 13, b'x'); print('overflow not seen', flush=True)\n") % \
        os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:symbolize=0")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, env=env)
    assert "in bounds ok" in r.stdout, r.stderr[-2000:]
    assert "overflow not seen" not in r.stdout
    assert r.returncode != 0 and "AddressSanitizer" in r.stderr, r.stderr[-2000:]


def test_page_owner_names_match_physmem_h():
    """PAGE_OWNER_NAMES is physmem.h's PAGE_OWNERS table, in order."""
    lib = K.load()
    assert [lib.page_owner_name(o).decode() for o in range(K.NR_PAGE_OWNERS)] == K.PAGE_OWNER_NAMES
    assert lib.page_owner_name(K.NR_PAGE_OWNERS) == b"?"
    k = K.Kalloc()
    try:
        counts = (C.c_ulong * K.NR_PAGE_OWNERS)()
        p = k.vmalloc(3 * 4096)
        k.page_owner_counts(counts)
        assert counts[K.PAGE_OWNER_NAMES.index("vmalloc")] == 3
        assert sum(counts) == k.nr_pages
        assert k.is_vmalloc_addr(p) and k.vfree(p) == 0
    finally:
        k.close()
