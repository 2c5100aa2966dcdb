"""ktarget.py - ctypes binding to libktarget.so, the flat C API over the
harness's allocator targets (harness/target_so.c: glibc, jemalloc, mimalloc,
tcmalloc, example, ...).

    kt_names()                  -> "kalloc glibc jemalloc ..." (what the library has)
    kt_caps(name)               -> TCAP_* bits (harness/target.h), 0 if unknown
    kt_what(name), kt_package(name) -> one line / Debian package, or NULL
    kt_open(name, err, errlen)  -> handle or NULL (a one-line reason in err)
    kt_open_hdr(name, hdr8, err, errlen)   the same with a program header
    kt_close(h)
    kt_malloc(h, size) / kt_calloc(h, n, size) / kt_realloc(h, p, size)
    kt_aligned_alloc(h, align, size)
    kt_free(h, p)               -> 0, or a negative error (TCAP_REPORTS_MISUSE)
    kt_usable_size(h, p)        -> bytes, 0 when not offered
    kt_in_use(h)                -> bytes handed out and not had back, or -1
    kt_bounds(h, &lo, &hi)      -> 0 and the memory every block lies in, or -1
    kt_mem_hooks(h), kt_mem_read(h, p, buf, n), kt_mem_write(h, p, src, n)
                                -> block memory behind access hooks (kalloc-heap's
                                   simulated process; optional in a library)

Every function has argtypes and restype; the handle is POINTER(KtHandle), so
a wrong handle is a ctypes.ArgumentError, not a crash.  Addresses travel as
plain ints.

The library is $KTARGET_LIB if set, else build/gcc/libktarget.so of this
tree; load(path) loads another one beside it (props/test_heap_checks.py
loads the fake test library that way).

Entry points: load(), Target, TargetUnavailable.
"""
import ctypes as C
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# harness/target.h
TCAP_PAGES = 0x0001
TCAP_CACHES = 0x0002
TCAP_KMALLOC = 0x0004
TCAP_MALLOC = 0x0008
TCAP_ALIGNED_ALLOC = 0x0010
TCAP_ZONES = 0x0020
TCAP_REPORTS_MISUSE = 0x0100
TCAP_KALLOC = 0x8000


class KtHandle(C.Structure):
    """Opaque handle of one allocator instance."""


KtP = C.POINTER(KtHandle)
sz, vp = C.c_size_t, C.c_void_p
ul_p = C.POINTER(C.c_ulong)
SIGNATURES = {
    "kt_names": (C.c_char_p, []),
    "kt_caps": (C.c_uint, [C.c_char_p]),
    "kt_what": (C.c_char_p, [C.c_char_p]),
    "kt_package": (C.c_char_p, [C.c_char_p]),
    "kt_open": (KtP, [C.c_char_p, C.c_char_p, sz]),
    "kt_open_hdr": (KtP, [C.c_char_p, C.c_char_p, C.c_char_p, sz]),
    "kt_close": (None, [KtP]),
    "kt_malloc": (vp, [KtP, sz]),
    "kt_calloc": (vp, [KtP, sz, sz]),
    "kt_realloc": (vp, [KtP, vp, sz]),
    "kt_aligned_alloc": (vp, [KtP, sz, sz]),
    "kt_free": (C.c_int, [KtP, vp]),
    "kt_usable_size": (sz, [KtP, vp]),
    "kt_in_use": (C.c_long, [KtP]),
    "kt_bounds": (C.c_int, [KtP, ul_p, ul_p]),
    "kt_mem_hooks": (C.c_int, [KtP]),
    "kt_mem_read": (C.c_int, [KtP, vp, vp, sz]),
    "kt_mem_write": (C.c_int, [KtP, vp, vp, sz]),
}
# Optional: a library without them (the test double) has plain-memory blocks.
OPTIONAL = {"kt_mem_hooks", "kt_mem_read", "kt_mem_write"}

_libs = {}


def lib_path():
    return os.environ.get("KTARGET_LIB") or os.path.join(ROOT, "build", "gcc", "libktarget.so")


class TargetUnavailable(RuntimeError):
    """The library or the allocator cannot be had (the reason is the message)."""


def load(path=None):
    """The library at @path (default lib_path()) with every signature declared;
    loaded once per path and process.  TargetUnavailable if it is missing or
    lacks a kt_* function."""
    path = path or lib_path()
    if path not in _libs:
        if not os.path.exists(path):
            rel = os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path
            raise TargetUnavailable("%s is not built (make %s)" % (rel, rel))
        try:
            lib = C.CDLL(path)
        except OSError as e:
            raise TargetUnavailable(hint(str(e))) from None
        for name, (res, args) in SIGNATURES.items():
            try:
                fn = getattr(lib, name)
            except AttributeError:
                if name in OPTIONAL:
                    continue
                raise TargetUnavailable("%s has no %s()" % (path, name)) from None
            fn.restype, fn.argtypes = res, args
        _libs[path] = lib
    return _libs[path]


# A library with initial-exec TLS (jemalloc) cannot be dlopen'ed into a
# running interpreter unless ld.so kept room for it at startup.
STATIC_TLS_ENV = "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384"


def hint(why):
    if "static TLS" in why and "GLIBC_TUNABLES" not in why:
        return "%s (start the interpreter with %s, as make props does)" % (why, STATIC_TLS_ENV)
    return why


def _int(p):
    """A c_void_p result (None for NULL) as an int address, 0 for NULL."""
    return p or 0


def names(path=None):
    """The allocator names the library has."""
    return load(path).kt_names().decode().split()


class Target:
    """One open allocator instance.  Methods take and return int addresses (0 = NULL)."""

    def __init__(self, name, path=None, hdr=None):
        try:
            self.lib = load(path)
        except TargetUnavailable as e:
            raise TargetUnavailable("%s: %s" % (name, e)) from None
        self.name = name
        err = C.create_string_buffer(256)
        if hdr is None:
            self.h = self.lib.kt_open(name.encode(), err, len(err))
        else:
            self.h = self.lib.kt_open_hdr(name.encode(), bytes(hdr)[:8].ljust(8, b"\0"), err,
                                          len(err))
        if not self.h:
            why = hint(err.value.decode(errors="replace") or "kt_open refused it")
            raise TargetUnavailable(why if why.startswith(name + ":") else "%s: %s" % (name, why))
        self.caps = self.lib.kt_caps(name.encode())
        what = self.lib.kt_what(name.encode())
        self.what = what.decode() if what else name
        # Blocks in a simulated process are reached only through its hooks.
        self.hooks = hasattr(self.lib, "kt_mem_hooks") and bool(self.lib.kt_mem_hooks(self.h))

    def close(self):
        if self.h:
            self.lib.kt_close(self.h)
            self.h = None

    def has(self, cap):
        return bool(self.caps & cap)

    def malloc(self, size):
        return _int(self.lib.kt_malloc(self.h, size))

    def calloc(self, n, size):
        return _int(self.lib.kt_calloc(self.h, n, size))

    def realloc(self, p, size):
        return _int(self.lib.kt_realloc(self.h, p, size))

    def aligned_alloc(self, align, size):
        return _int(self.lib.kt_aligned_alloc(self.h, align, size))

    def free(self, p):
        return self.lib.kt_free(self.h, p)

    def usable_size(self, p):
        return self.lib.kt_usable_size(self.h, p)

    def in_use(self):
        return self.lib.kt_in_use(self.h)

    def read(self, p, n):
        """@n bytes of the block memory at @p (through the target's hooks when it has them)."""
        if not self.hooks:
            return C.string_at(p, n)
        buf = C.create_string_buffer(n)
        if self.lib.kt_mem_read(self.h, p, buf, n):
            raise OSError("%s: reading %d bytes at %#x faulted" % (self.name, n, p))
        return buf.raw

    def write(self, p, data):
        """Write @data at @p (through the target's hooks when it has them)."""
        if not self.hooks:
            C.memmove(p, data, len(data))
        elif self.lib.kt_mem_write(self.h, p, data, len(data)):
            raise OSError("%s: writing %d bytes at %#x faulted" % (self.name, len(data), p))

    def bounds(self):
        """(lo, hi): every block lies in [lo, hi); None when not offered."""
        lo, hi = C.c_ulong(), C.c_ulong()
        if self.lib.kt_bounds(self.h, C.byref(lo), C.byref(hi)):
            return None
        return lo.value, hi.value


def main(argv):
    """python3 props/ktarget.py NAME...: open each allocator; print its caps,
    or the one-line reason it cannot be had and exit 2."""
    bad = 0
    for name in argv:
        try:
            t = Target(name)
        except TargetUnavailable as e:
            print("ALLOC=%s" % e)
            bad += 1
            continue
        print("%s: %s; caps %#x, in_use %d, bounds %s" % (name, t.what, t.caps, t.in_use(),
                                                          t.bounds()))
        t.close()
    return 2 if bad else 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
