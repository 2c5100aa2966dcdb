"""kalloc.py - ctypes binding to libkalloc.so, the whole public API of alloc/kalloc.h.

Every function has argtypes and restype; handles are typed pointers
(POINTER(Machine), POINTER(Page), POINTER(KmemCache)), so passing the wrong
kind of handle is a ctypes.ArgumentError, not a crash.  Addresses of memory
(objects, page addresses) travel as plain ints (c_void_p / c_ulong).

The library is $KALLOC_LIB if set (a .so built from another tree, e.g. one
with a deliberate bug applied), else build/gcc/libkalloc.so of this tree.

Entry points: load(), Kalloc (a thin wrapper that owns one machine).
"""
import ctypes as C
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
MAX_PAGE_ORDER = 10
NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1
MAX_NR_CPUS = 64
KMEM_CACHE_NAME_LEN = 32
ZERO_SIZE_PTR = 16
SIZE_MAX = (1 << 64) - 1

ZONE_DMA, ZONE_NORMAL, MAX_NR_ZONES = 0, 1, 2
KMALLOC_PROFILE_DEFAULT, KMALLOC_PROFILE_CLASSIC = 0, 1
MACHINE_SLUB_POISON = 0x1
MACHINE_SLUB_CONSISTENCY, MACHINE_SLUB_RED_ZONE, MACHINE_SLUB_STORE_USER = 0x2, 0x4, 0x8
# machine_config.slub_debug bit of each header letter P, F, Z, U (ops.def's
# hdr_slub_debug_letters).
MACHINE_SLUB_DEBUG_BITS = (MACHINE_SLUB_POISON, MACHINE_SLUB_CONSISTENCY, MACHINE_SLUB_RED_ZONE,
                           MACHINE_SLUB_STORE_USER)

# GFP bits (buddy.h)
__GFP_DMA = 0x001
__GFP_RECLAIMABLE = 0x010
__GFP_HIGH = 0x020
__GFP_IO = 0x040
__GFP_FS = 0x080
__GFP_ZERO = 0x100
__GFP_ACCOUNT = 0x200
__GFP_DIRECT_RECLAIM = 0x400
__GFP_KSWAPD_RECLAIM = 0x800
__GFP_NOWARN = 0x2000
__GFP_COMP = 0x40000
__GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM
GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM
GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS
GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT
GFP_DMA = __GFP_DMA
# The same bits under names Python does not mangle inside class bodies.
ZERO_BIT, COMP_BIT, RECLAIMABLE_BIT, ACCOUNT_BIT = __GFP_ZERO, __GFP_COMP, __GFP_RECLAIMABLE, \
    __GFP_ACCOUNT
NOWARN_BIT = __GFP_NOWARN

# slab flags (slab.h)
SLAB_CONSISTENCY_CHECKS = 0x00000100
SLAB_RED_ZONE = 0x00000400
SLAB_POISON = 0x00000800
SLAB_KMALLOC = 0x00001000
SLAB_STORE_USER = 0x00010000
SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_CACHE_DMA = 0x00004000
SLAB_PANIC = 0x00040000
SLAB_TYPESAFE_BY_RCU = 0x00080000
SLAB_ACCOUNT = 0x04000000
SLAB_RECLAIM_ACCOUNT = 0x00020000
SLUB_MAX_ORDER = 3
MAX_OBJS_PER_PAGE = 32767
L1_CACHE_BYTES = 64
POISON_FREE, POISON_END = 0x6b, 0xa5

# enum kalloc_error, in machine.h's order (append-only there too)
KERR_NAMES = ["KERR_NONE", "KERR_NOMEM", "KERR_INVAL", "KERR_OVERFLOW", "KERR_TOO_BIG",
              "KERR_BAD_ADDRESS", "KERR_NOT_HEAD", "KERR_DOUBLE_FREE", "KERR_WRONG_ORDER",
              "KERR_WRONG_OWNER", "KERR_NOT_OBJECT", "KERR_WRONG_CACHE", "KERR_CACHE_BUSY",
              "KERR_POISON", "KERR_FAULT", "KERR_BAD_CACHE", "KERR_REDZONE", "KERR_PADDING",
              "KERR_FREEPTR", "KERR_SLAB_STATE", "KERR_NOT_MAPPED"]
for _i, _n in enumerate(KERR_NAMES):
    globals()[_n] = _i
NR_KALLOC_ERRORS = len(KERR_NAMES)


class Machine(C.Structure):
    """Opaque struct machine."""


class Page(C.Structure):
    """Opaque struct page."""


class KmemCache(C.Structure):
    """Opaque struct kmem_cache."""


class Arena(C.Structure):
    """Opaque struct kalloc_arena."""


MachineP, PageP, CacheP = C.POINTER(Machine), C.POINTER(Page), C.POINTER(KmemCache)
ArenaP = C.POINTER(Arena)


class MachineConfig(C.Structure):
    _fields_ = [("nr_pages", C.c_ulong), ("dma_pages", C.c_ulong), ("nr_cpus", C.c_uint),
                ("max_order", C.c_uint), ("profile", C.c_int), ("slub_debug", C.c_uint),
                ("quiet", C.c_int), ("host_fail_skip", C.c_ulong), ("host_fail_times", C.c_ulong),
                ("kernel_version", C.c_uint)]


class KallocCheck(C.Structure):
    _fields_ = [("code", C.c_int), ("msg", C.c_char * 240)]


class ZoneStats(C.Structure):
    _fields_ = [("name", C.c_char * 8), ("start_pfn", C.c_ulong), ("spanned_pages", C.c_ulong),
                ("free_pages", C.c_ulong), ("pcp_pages", C.c_ulong),
                ("nr_free", C.c_ulong * NR_PAGE_ORDERS), ("pcp_high", C.c_uint),
                ("pcp_batch", C.c_uint)]


class PageStats(C.Structure):
    _fields_ = [(n, C.c_ulong) for n in ("total", "free", "pcp", "pages", "slab", "kmalloc_large",
                                         "alloc_calls", "free_calls", "failed_calls")]


class SlubGeometry(C.Structure):
    _fields_ = [(n, C.c_uint) for n in ("object_size", "size", "align", "offset", "order",
                                        "objects", "min_order", "min_objects", "min_partial",
                                        "inuse", "red_left_pad")]


class SlabStats(C.Structure):
    _fields_ = ([("name", C.c_char * KMEM_CACHE_NAME_LEN)] +
                [(n, C.c_uint) for n in ("object_size", "size", "align", "objs_per_slab",
                                         "pages_per_slab", "order", "flags")] +
                [(n, C.c_ulong) for n in ("active_objs", "num_objs", "num_slabs", "partial_slabs",
                                          "full_slabs", "cpu_slabs", "empty_slabs", "pages",
                                          "ctor_calls", "alloc_calls", "free_calls")])


class KmallocStats(C.Structure):
    _fields_ = [("large_allocs", C.c_ulong), ("large_pages", C.c_ulong), ("nr_caches", C.c_uint)]


# enum page_owner, in physmem.h's PAGE_OWNERS order (append-only there too)
PAGE_OWNER_NAMES = ["free", "pcp", "pages", "slab", "kmalloc_large", "vmalloc", "user", "pagetable"]
NR_PAGE_OWNERS = len(PAGE_OWNER_NAMES)


class PhysmemStats(C.Structure):
    _fields_ = [("windows", C.c_uint), ("window_pages", C.c_ulong), ("mapped", C.c_ulong),
                ("map_calls", C.c_ulong), ("unmap_calls", C.c_ulong)]


class VmallocStats(C.Structure):
    _fields_ = [(n, C.c_ulong) for n in ("nr_areas", "nr_pages", "range_pages", "alloc_calls",
                                         "free_calls", "failed_calls")]


# The structs whose layout test_binding.py checks against the C headers.
STRUCTS = {"machine_config": MachineConfig, "kalloc_check": KallocCheck, "zone_stats": ZoneStats,
           "page_stats": PageStats, "slub_geometry": SlubGeometry, "slab_stats": SlabStats,
           "kmalloc_stats": KmallocStats, "physmem_stats": PhysmemStats,
           "vmalloc_stats": VmallocStats}

CTOR = C.CFUNCTYPE(None, C.c_void_p)
REPORT_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_int, C.c_char_p)

u, ul, sz, vp, i = C.c_uint, C.c_ulong, C.c_size_t, C.c_void_p, C.c_int
SIGNATURES = {
    # machine.h
    "machine_config_default": (None, [C.POINTER(MachineConfig)]),
    "machine_create": (MachineP, [C.POINTER(MachineConfig)]),
    "machine_destroy": (None, [MachineP]),
    "kalloc_arena_create": (ArenaP, [ul]),
    "kalloc_arena_destroy": (None, [ArenaP]),
    "machine_create_in": (MachineP, [ArenaP, C.POINTER(MachineConfig)]),
    "machine_config": (C.POINTER(MachineConfig), [MachineP]),
    "machine_inject_host_failures": (None, [MachineP, ul, ul]),
    "machine_host_allocs": (ul, [MachineP]),
    "machine_host_live": (ul, [MachineP]),
    "machine_set_cpu": (i, [MachineP, u]),
    "machine_cpu": (u, [MachineP]),
    "machine_slub_debug_parse": (i, [C.c_char_p, C.POINTER(C.c_uint)]),
    "machine_slub_debug_letters": (None, [u, C.c_char_p]),
    "machine_set_caller": (i, [MachineP, C.c_char_p]),
    "machine_poke": (i, [MachineP, vp, vp, sz]),
    "machine_peek": (i, [MachineP, vp, vp, sz]),
    "machine_base": (vp, [MachineP]),
    "machine_nr_pages": (ul, [MachineP]),
    "kalloc_error_name": (C.c_char_p, [i]),
    "kalloc_error_text": (C.c_char_p, [i]),
    "machine_errors": (ul, [MachineP, i]),
    "machine_errors_total": (ul, [MachineP]),
    "machine_last_error": (i, [MachineP]),
    "machine_last_report": (C.c_char_p, [MachineP]),
    "machine_clear_errors": (None, [MachineP]),
    "machine_set_report": (None, [MachineP, REPORT_FN, vp]),
    "machine_check": (i, [MachineP, C.POINTER(KallocCheck)]),
    "machine_check_changed": (i, [MachineP, C.POINTER(KallocCheck)]),
    "kalloc_invariant_name": (C.c_char_p, [i]),
    "kalloc_invariant_text": (C.c_char_p, [i]),
    # buddy.h
    "get_order": (u, [ul]),
    "alloc_pages": (PageP, [MachineP, u, u]),
    "alloc_page": (PageP, [MachineP, u]),
    "__get_free_pages": (ul, [MachineP, u, u]),
    "__get_free_page": (ul, [MachineP, u]),
    "get_zeroed_page": (ul, [MachineP, u]),
    "__free_pages": (i, [MachineP, PageP, u]),
    "free_pages": (i, [MachineP, ul, u]),
    "__free_page": (i, [MachineP, PageP]),
    "free_page": (i, [MachineP, ul]),
    "page_address": (vp, [MachineP, PageP]),
    "virt_to_page": (PageP, [MachineP, vp]),
    "page_to_pfn": (ul, [MachineP, PageP]),
    "pfn_to_page": (PageP, [MachineP, ul]),
    "page_zonenum": (i, [MachineP, PageP]),
    "drain_all_pages": (None, [MachineP]),
    "buddy_inject_failures": (None, [MachineP, ul, ul]),
    "buddy_injected_pending": (ul, [MachineP]),
    "buddy_zone_stats": (i, [MachineP, i, C.POINTER(ZoneStats)]),
    "buddy_page_stats": (None, [MachineP, C.POINTER(PageStats)]),
    "proc_buddyinfo": (i, [MachineP, C.c_char_p, sz]),
    "proc_unusable_index": (i, [MachineP, C.c_char_p, sz]),
    "proc_extfrag_index": (i, [MachineP, C.c_char_p, sz]),
    "unusable_free_index": (i, [C.POINTER(ZoneStats), u]),
    "fragmentation_index": (i, [C.POINTER(ZoneStats), u]),
    "buddy_check": (i, [MachineP, C.POINTER(KallocCheck)]),
    # slab.h
    "kmem_cache_create": (CacheP, [MachineP, C.c_char_p, u, u, u, CTOR]),
    "kmem_cache_alloc": (vp, [CacheP, u]),
    "kmem_cache_zalloc": (vp, [CacheP, u]),
    "kmem_cache_free": (i, [CacheP, vp]),
    "kmem_cache_shrink": (ul, [CacheP]),
    "kmem_cache_validate": (i, [CacheP]),
    "kmem_cache_destroy": (i, [CacheP]),
    "kmem_cache_size": (u, [CacheP]),
    "kmem_cache_name": (C.c_char_p, [CacheP]),
    "kmem_cache_machine": (MachineP, [CacheP]),
    "virt_to_cache": (CacheP, [MachineP, vp]),
    "kmem_cache_next": (CacheP, [MachineP, CacheP]),
    "kmem_cache_count": (u, [MachineP]),
    "kmem_cache_find": (CacheP, [MachineP, C.c_char_p]),
    "slub_geometry": (i, [u, u, u, i, u, C.POINTER(SlubGeometry)]),
    "slub_calculate_order": (i, [u, u]),
    "slub_geometry_linux": (i, [u, u, u, i, u, u, C.POINTER(SlubGeometry)]),
    "slub_calculate_order_linux": (i, [u, u, u]),
    "kmem_cache_stats": (None, [CacheP, C.POINTER(SlabStats)]),
    "proc_slabinfo": (i, [MachineP, C.c_char_p, sz]),
    "slab_check": (i, [MachineP, C.POINTER(KallocCheck)]),
    # kmalloc.h
    "kmalloc": (vp, [MachineP, sz, u]),
    "kzalloc": (vp, [MachineP, sz, u]),
    "kmalloc_array": (vp, [MachineP, sz, sz, u]),
    "kcalloc": (vp, [MachineP, sz, sz, u]),
    "krealloc": (vp, [MachineP, vp, sz, u]),
    "ksize": (sz, [MachineP, vp]),
    "kfree": (i, [MachineP, vp]),
    "kmalloc_slab": (CacheP, [MachineP, sz, u]),
    "kmalloc_size_roundup": (sz, [MachineP, sz]),
    "kmalloc_max_cache_size": (sz, [MachineP]),
    "kmalloc_max_size": (sz, [MachineP]),
    "kmalloc_stats": (None, [MachineP, C.POINTER(KmallocStats)]),
    "kmalloc_check": (i, [MachineP, C.POINTER(KallocCheck)]),
    # physmem.h
    "page_owner_name": (C.c_char_p, [i]),
    "page_owner_counts": (None, [MachineP, C.POINTER(C.c_ulong)]),
    "physmem_stats": (None, [MachineP, C.POINTER(PhysmemStats)]),
    "physmem_check": (i, [MachineP, C.POINTER(KallocCheck)]),
    # vmalloc.h
    "vmalloc": (vp, [MachineP, ul]),
    "vzalloc": (vp, [MachineP, ul]),
    "__vmalloc_node": (vp, [MachineP, ul, ul, u, C.c_char_p]),
    "vfree": (i, [MachineP, vp]),
    "vmalloc_to_page": (PageP, [MachineP, vp]),
    "vmalloc_to_pfn": (ul, [MachineP, vp]),
    "is_vmalloc_addr": (i, [MachineP, vp]),
    "vmalloc_start": (vp, [MachineP]),
    "vmalloc_range_size": (ul, [MachineP]),
    "vmalloc_write": (i, [MachineP, vp, vp, sz]),
    "vmalloc_read": (i, [MachineP, vp, vp, sz]),
    "vmalloc_touch": (i, [MachineP, vp, i]),
    "kvmalloc": (vp, [MachineP, sz, u]),
    "kvzalloc": (vp, [MachineP, sz, u]),
    "kvmalloc_array": (vp, [MachineP, sz, sz, u]),
    "__kvmalloc_node": (vp, [MachineP, sz, u, C.c_char_p]),
    "kvfree": (i, [MachineP, vp]),
    "vmalloc_stats": (None, [MachineP, C.POINTER(VmallocStats)]),
    "proc_vmallocinfo": (i, [MachineP, C.c_char_p, sz]),
    "vmalloc_check": (i, [MachineP, C.POINTER(KallocCheck)]),
}

_lib = None


def lib_path():
    return os.environ.get("KALLOC_LIB") or os.path.join(ROOT, "build", "gcc", "libkalloc.so")


def load():
    """The library with every signature declared (loaded once per process)."""
    global _lib
    if _lib is None:
        lib = C.CDLL(lib_path())
        lib.missing = set()     # declared here, absent from an older library
        for name, (res, args) in SIGNATURES.items():
            try:
                fn = getattr(lib, name)
            except AttributeError:
                lib.missing.add(name)
                continue
            fn.restype = res
            fn.argtypes = args
        _lib = lib
    return _lib


def addr(p):
    """A c_void_p / int / None as an int address (0 for NULL)."""
    if p is None:
        return 0
    if isinstance(p, int):
        return p
    return p.value or 0


# ---- mm.h: a process (added beside the SIGNATURES table; absent functions
# land in lib.missing, so an older library still loads) -----------------------
class MmConfig(C.Structure):
    _fields_ = [("span", C.c_ulong), ("commit_pages", C.c_ulong), ("pid", C.c_int)]


class MmStats(C.Structure):
    _fields_ = [(n, C.c_ulong) for n in (
        "rss", "hiwater_rss", "total_vm", "hiwater_vm", "data_vm", "pgtables", "zero_mapped",
        "unaliased", "nr_vmas", "faults", "zero_faults", "cow_faults", "segv", "commit_limit")]


class MmStruct(C.Structure):
    pass


MmP = C.POINTER(MmStruct)
MM_SPAN_MIN = 1 << 24
_PAGE_PRESENT = 0x1
PTE_PFN_MASK = 0x000ffffffffff000
SIGNATURES.update({
    "mm_create": (MmP, [MachineP, C.POINTER(MmConfig)]),
    "mm_destroy": (None, [MmP]),
    "mm_start_brk": (C.c_ulong, [MmP]),
    "mm_get_brk": (C.c_ulong, [MmP]),
    "mm_brk": (C.c_int, [MmP, C.c_ulong]),
    "mm_mmap": (C.c_int, [MmP, C.c_size_t, C.POINTER(C.c_ulong)]),
    "mm_munmap": (C.c_int, [MmP, C.c_ulong, C.c_size_t]),
    "mm_write": (C.c_int, [MmP, C.c_ulong, C.c_void_p, C.c_size_t]),
    "mm_read": (C.c_int, [MmP, C.c_ulong, C.c_void_p, C.c_size_t]),
    "mm_pte": (C.c_uint64, [MmP, C.c_ulong]),
    "mm_zero_pfn": (C.c_ulong, [MmP]),
    "mm_stats": (None, [MmP, C.POINTER(MmStats)]),
    "mm_check": (C.c_int, [MmP, C.POINTER(KallocCheck)]),
})


class CheckFailed(AssertionError):
    pass


class Kalloc:
    """One simulated machine and the calls made on it.  Functions that take the
    machine as first argument are reachable as k.fn(args...); the others as they are."""

    def __init__(self, nr_pages=1024, dma_pages=256, nr_cpus=2, max_order=MAX_PAGE_ORDER,
                 profile=KMALLOC_PROFILE_DEFAULT, slub_debug=0, arena=None):
        self.lib = load()
        self.cfg = MachineConfig(nr_pages, dma_pages, nr_cpus, max_order, profile, slub_debug, 1)
        if arena:       # boot into a kept arena (machine_create_in)
            self.m = self.lib.machine_create_in(arena, C.byref(self.cfg))
        else:
            self.m = self.lib.machine_create(C.byref(self.cfg))
        if not self.m:
            raise ValueError("machine_create refused %r" % ((nr_pages, dma_pages, nr_cpus,
                                                                max_order, profile),))
        self.base = self.lib.machine_base(self.m)
        self.nr_pages = nr_pages
        self._ctors = []        # keep CFUNCTYPE objects alive as long as the machine

    def close(self):
        if self.m:
            self.lib.machine_destroy(self.m)
            self.m = None

    def __getattr__(self, name):
        fn = getattr(self.lib, name)
        if fn.argtypes and fn.argtypes[0] is MachineP:
            return lambda *a: fn(self.m, *a)
        return fn

    # Names with two leading underscores, unmangled.
    def free_pages_page(self, page, order):
        return getattr(self.lib, "__free_pages")(self.m, page, order)

    def get_free_pages(self, gfp, order):
        return getattr(self.lib, "__get_free_pages")(self.m, gfp, order)

    # -- conversions ---------------------------------------------------------
    def pfn_of_addr(self, a):
        return (a - self.base) >> PAGE_SHIFT

    def addr_of_pfn(self, pfn):
        return self.base + (pfn << PAGE_SHIFT)

    # -- memory --------------------------------------------------------------
    def write(self, a, data):
        C.memmove(a, data, len(data))

    def read(self, a, n):
        return C.string_at(a, n)

    # -- checks and stats ----------------------------------------------------
    def check(self, which="machine_check"):
        ck = KallocCheck()
        code = getattr(self.lib, which)(self.m, C.byref(ck))
        if code:
            raise CheckFailed("%s: %d %s" % (which, code, ck.msg.decode(errors="replace")))
        assert ck.code == 0

    def zone_stats(self, zone):
        zs = ZoneStats()
        rc = self.lib.buddy_zone_stats(self.m, zone, C.byref(zs))
        return zs if rc == 0 else None

    def page_stats(self):
        ps = PageStats()
        self.lib.buddy_page_stats(self.m, C.byref(ps))
        return ps

    def cache_stats(self, cache):
        st = SlabStats()
        self.lib.kmem_cache_stats(cache, C.byref(st))
        return st

    def kmalloc_stats_(self):
        st = KmallocStats()
        self.lib.kmalloc_stats(self.m, C.byref(st))
        return st

    def caches(self):
        out, s = [], CacheP()
        while True:
            s = self.lib.kmem_cache_next(self.m, s)
            if not s:
                return out
            out.append(s)

    def errors(self):
        return [self.lib.machine_errors(self.m, c) for c in range(NR_KALLOC_ERRORS)]

    def proc(self, fn):
        f = getattr(self.lib, fn)
        n = f(self.m, None, 0)
        buf = C.create_string_buffer(n + 1)
        f(self.m, buf, n + 1)
        return buf.value.decode()

    def cache_create(self, name, size, align=0, flags=0, ctor=None):
        cf = CTOR(ctor) if ctor else CTOR()
        if ctor:
            self._ctors.append(cf)
        return self.lib.kmem_cache_create(self.m, name.encode(), size, align, flags, cf)


def struct_dict(s):
    """A ctypes Structure as a dict of plain values (arrays as lists, bytes decoded)."""
    out = {}
    for name, _ in s._fields_:
        v = getattr(s, name)
        if isinstance(v, bytes):
            v = v.decode()
        elif hasattr(v, "_length_"):
            v = list(v)
        out[name] = v
    return out
