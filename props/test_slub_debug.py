"""slub_debug through the ctypes binding: Linux's letters, a red zone scribbled
with machine_poke, kmem_cache_validate's count and the report (docs/slub_debug.md)."""
import ctypes as C

import kalloc as K


def test_letters_round_trip():
    lib = K.load()
    bits = C.c_uint()
    assert lib.machine_slub_debug_parse(b"UPZF", C.byref(bits)) == 0
    assert bits.value == 0xf
    out = C.create_string_buffer(8)
    lib.machine_slub_debug_letters(bits.value, out)
    assert out.value == b"FZPU"
    assert lib.machine_slub_debug_parse(b"FZPT", C.byref(bits)) == -K.KERR_INVAL


def test_red_zone_scribble_is_reported_and_repaired():
    k = K.Kalloc(nr_pages=2048, slub_debug=0xf)     # slub_debug=FZPU
    try:
        s = k.lib.kmem_cache_create(k.m, b"scribbled", 64, 0, 0, K.CTOR())
        p = k.lib.kmem_cache_alloc(s, K.GFP_KERNEL)
        assert p and k.lib.kmem_cache_validate(s) == 0
        byte = C.c_ubyte(0x12)
        assert k.lib.machine_poke(k.m, p + 64, C.byref(byte), 1) == 0
        assert k.lib.kmem_cache_validate(s) == 2        # the BUG and its FIX
        assert k.errors()[K.KERR_NAMES.index("KERR_REDZONE")] == 1
        report = k.lib.machine_last_report(k.m).decode()
        lines = report.split("\n")
        assert lines[0] == "=" * 77
        assert lines[1] == "BUG scribbled (Not tainted): Right Redzone overwritten"
        assert lines[2] == "-" * 77 and lines[3] == ""
        assert lines[-1].startswith("FIX scribbled: Restoring Right Redzone 0x")
        assert k.lib.kmem_cache_validate(s) == 0
        assert k.lib.kmem_cache_free(s, p) == 0
        k.check()
    finally:
        k.close()
