"""test_api.py - the stateless corners of the public API.

Oracle: the model's pure functions (get_order, kmalloc classes of both
profiles) and the error tables of machine.h/check.h; the error sink's
report callback and clear."""
import ctypes as C

from hypothesis import given, settings
from hypothesis import strategies as st

import kalloc as K
import model as M
from budget import examples


def test_get_order():
    lib = K.load()
    for size in list(range(0, 70000, 97)) + [1 << k for k in range(40)] + \
            [(1 << k) + 1 for k in range(40)]:
        assert lib.get_order(size) == M.get_order(size), size


def test_error_and_invariant_tables():
    lib = K.load()
    for code, name in enumerate(K.KERR_NAMES):
        assert lib.kalloc_error_name(code).decode() == name
        assert lib.kalloc_error_text(code)
    assert lib.kalloc_error_name(K.NR_KALLOC_ERRORS) == b"?"
    assert lib.kalloc_invariant_name(0) == b"INV_OK"
    assert lib.kalloc_invariant_name(-1) == b"?"


def test_kmalloc_classes_every_size_both_profiles():
    """kmalloc_size_roundup and kmalloc_slab pick the model's class for every
    size up to twice the largest cache, in each profile and kmalloc type."""
    for profile in (K.KMALLOC_PROFILE_DEFAULT, K.KMALLOC_PROFILE_CLASSIC):
        k = K.Kalloc(nr_pages=2048, profile=profile)
        m = M.Model(2048, 256, 2, 10, profile)
        try:
            assert k.kmalloc_max_cache_size() == m.k_max_cache
            assert k.kmalloc_max_size() == m.k_max
            st_ = k.kmalloc_stats_()
            assert st_.nr_caches == m.kmalloc_stats()["nr_caches"]
            for size in range(0, 2 * m.k_max_cache + 2, 1 if profile == 0 else 61):
                cls = m.kmalloc_class(size, K.GFP_KERNEL)
                want = 0 if cls is None else (K.PAGE_SIZE << M.get_order(size)) \
                    if cls == "large" else cls.object_size
                assert k.kmalloc_size_roundup(size) == want, size
                for gfp in (K.GFP_KERNEL, K.GFP_DMA, K.GFP_KERNEL_ACCOUNT,
                            K.GFP_KERNEL | K.RECLAIMABLE_BIT):
                    s = k.kmalloc_slab(size, gfp)
                    c = m.kmalloc_class(size, gfp)
                    if c is None or c == "large":
                        assert not s, size
                    else:
                        assert k.lib.kmem_cache_name(s).decode() == c.name, (size, gfp)
        finally:
            k.close()


@settings(max_examples=examples(0.5))
@given(size=st.integers(1, 1 << 23), profile=st.sampled_from([0, 1]))
def test_kmalloc_roundup_large_sizes(size, profile):
    k = K.Kalloc(nr_pages=1024, profile=profile)
    m = M.Model(1024, 256, 2, 10, profile)
    try:
        cls = m.kmalloc_class(size, K.GFP_KERNEL)
        want = 0 if cls is None else (K.PAGE_SIZE << M.get_order(size)) \
            if cls == "large" else cls.object_size
        assert k.kmalloc_size_roundup(size) == want
    finally:
        k.close()


def test_error_sink_report_callback_and_clear():
    k = K.Kalloc()
    seen = []
    fn = K.REPORT_FN(lambda ctx, code, text: seen.append((code, text.decode())))
    try:
        k.machine_set_report(fn, None)
        p = k.kmalloc(100, K.GFP_KERNEL)
        assert k.kfree(p) == 0
        assert k.kfree(p) == -K.KERR_DOUBLE_FREE
        assert seen == [(K.KERR_DOUBLE_FREE, k.machine_last_report().decode())]
        assert k.machine_errors(K.KERR_DOUBLE_FREE) == 1 and k.machine_errors_total() == 1
        k.machine_clear_errors()
        assert k.machine_errors_total() == 0 and k.machine_last_error() == 0
        k.machine_set_report(K.REPORT_FN(), None)
        assert k.free_pages(k.base + 8, 0) == -K.KERR_NOT_HEAD
        assert len(seen) == 1
        assert k.machine_nr_pages() == 1024 and k.machine_config().contents.nr_cpus == 2
        assert k.machine_set_cpu(2) == -K.KERR_INVAL and k.machine_set_cpu(1) == 0
        assert k.machine_cpu() == 1
        k.check()
    finally:
        k.close()
    del fn
