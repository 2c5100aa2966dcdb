"""test_misuse.py - caller mistakes through ctypes that used to kill the interpreter.

Oracle: the documented contract of slab.h and buddy.h - a destroyed or bogus
cache handle is refused with -KERR_BAD_CACHE (a report into the cache's machine
when it has one), __GFP_NOWARN keeps a failing order quiet - and machine_check
afterwards.  Before the handle check, the second kmem_cache_destroy read the
freed struct kmem_cache: a heap use-after-free that took this process down."""
import ctypes as C

from hypothesis import given, settings
from hypothesis import strategies as st

import kalloc as K
from budget import examples


def test_double_destroy_survives():
    k = K.Kalloc()
    try:
        s = k.cache_create("twice", 64)
        assert s
        assert k.lib.kmem_cache_destroy(s) == 0
        assert k.lib.kmem_cache_destroy(s) == -K.KERR_BAD_CACHE
        assert k.machine_errors(K.KERR_BAD_CACHE) == 1
        assert b"was destroyed" in k.machine_last_report()
        k.check()
    finally:
        k.close()


def test_every_use_of_a_destroyed_cache_is_refused():
    k = K.Kalloc()
    try:
        s = k.cache_create("gone", 200, flags=K.SLAB_POISON)
        p = k.lib.kmem_cache_alloc(s, K.GFP_KERNEL)
        assert p
        assert k.lib.kmem_cache_free(s, p) == 0
        assert k.lib.kmem_cache_destroy(s) == 0
        assert not k.lib.kmem_cache_alloc(s, K.GFP_KERNEL)
        assert not k.lib.kmem_cache_zalloc(s, K.GFP_KERNEL)
        assert k.lib.kmem_cache_free(s, p) == -K.KERR_BAD_CACHE
        assert k.lib.kmem_cache_shrink(s) == 0
        assert k.lib.kmem_cache_size(s) == 0
        assert k.cache_stats(s).object_size == 0
        assert k.lib.kmem_cache_validate(s) == -K.KERR_BAD_CACHE
        assert k.machine_errors(K.KERR_BAD_CACHE) == 7
        assert k.machine_errors_total() == 7
        k.check()
    finally:
        k.close()


def test_pointer_that_was_never_a_cache():
    """A kmalloc object and a zeroed buffer passed as caches: refused, nothing
    reported into the machine (a bogus handle names no machine)."""
    k = K.Kalloc()
    try:
        obj = k.kmalloc(512, K.GFP_KERNEL)
        buf = (C.c_uint64 * 64)()
        for addr in (obj, C.addressof(buf)):
            h = C.cast(C.c_void_p(addr), K.CacheP)
            assert not k.lib.kmem_cache_alloc(h, K.GFP_KERNEL)
            assert k.lib.kmem_cache_destroy(h) == -K.KERR_BAD_CACHE
            assert k.lib.kmem_cache_free(h, obj) == -K.KERR_BAD_CACHE
        assert k.machine_errors_total() == 0
        assert k.kfree(obj) == 0
        k.check()
    finally:
        k.close()


@settings(max_examples=examples(0.5))
@given(ops=st.lists(st.sampled_from(["create", "destroy", "alloc", "free", "shrink"]),
                    max_size=40))
def test_random_handle_use_after_destroy(ops):
    """Any order of create/destroy/alloc/free/shrink over a few handles, stale
    ones included: each call returns what the handle's state says, and the
    machine stays healthy."""
    k = K.Kalloc(nr_pages=512, dma_pages=0)
    try:
        handles = []        # [cache, live, objects]
        want_bad = 0        # every call on a destroyed handle is one KERR_BAD_CACHE
        for i, op in enumerate(ops):
            if op == "create" or not handles:
                handles.append([k.cache_create("c%d" % i, 32 + 8 * (i % 5)), True, []])
                continue
            h = handles[i % len(handles)]
            s, live, objs = h
            want_bad += not live
            if op == "destroy":
                want = -K.KERR_BAD_CACHE if not live else -K.KERR_CACHE_BUSY if objs else 0
                assert k.lib.kmem_cache_destroy(s) == want
                h[1] = live and want != 0
            elif op == "alloc":
                p = k.lib.kmem_cache_alloc(s, K.GFP_KERNEL)
                assert bool(p) == live
                if p:
                    objs.append(p)
            elif op == "free":
                if not live:
                    assert k.lib.kmem_cache_free(s, None) == -K.KERR_BAD_CACHE
                elif objs:
                    assert k.lib.kmem_cache_free(s, objs.pop()) == 0
            else:
                k.lib.kmem_cache_shrink(s)
        k.check()
        assert k.machine_errors(K.KERR_BAD_CACHE) == want_bad
    finally:
        k.close()


def test_nowarn_order_above_max_order():
    k = K.Kalloc(nr_pages=2048)
    try:
        assert not k.alloc_pages(K.GFP_KERNEL | K.NOWARN_BIT, 11)
        assert k.machine_errors_total() == 0
        assert not k.alloc_pages(K.GFP_KERNEL, 11)
        assert k.machine_errors(K.KERR_INVAL) == 1
        k.check()
    finally:
        k.close()


def test_host_allocation_failure_is_nomem():
    k = K.Kalloc()
    try:
        live = k.machine_host_live()
        k.machine_inject_host_failures(0, 1)
        assert not k.cache_create("nomem", 64)
        assert k.machine_errors(K.KERR_NOMEM) == 1
        assert k.machine_host_live() == live
        s = k.cache_create("nomem", 64)
        assert s and k.lib.kmem_cache_destroy(s) == 0
        k.check()
    finally:
        k.close()
