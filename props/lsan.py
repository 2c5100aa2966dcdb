"""lsan.py - LeakSanitizer for the property tests run against the ASan library.

The interpreter is not built with ASan, so a leak check at its exit reports
the interpreter's own allocations (and, once module dicts are cleared, every
block a Python object still pointed to - the arena test_ops.py keeps on
purpose among them).  Instead make props-asan runs with
  LSAN_OPTIONS=leak_check_at_exit=0, suppressions=props/lsan.supp,
                           malloc_context_size=3: the interpreter's and
                           libffi's blocks are suppressed by the module of
                           their top frames; kalloc's own host allocations
                           have kalloc_host_calloc and its caller there
and this session fixture asks LeakSanitizer once, at the end of the session,
in every process that ran tests (each xdist worker): a leak fails the last
test's teardown, so the run fails, with the report in its captured stderr.
By then every test has closed its machines.  Python's small objects live in
pymalloc's mmap'd arenas, which LeakSanitizer does not scan, so a kalloc block
that only a Python object points to looks leaked: what the suite keeps on
purpose past the session (test_ops.py's arena) is registered with keep().
(PYTHONMALLOC=malloc would make every object visible instead, at 3.6 times
the CPU time of the whole run here.)
Without the ASan runtime (the plain props run) all of this does nothing.
"""
import ctypes as C
import gc
import os

import pytest


def _leak_checker():
    if "detect_leaks=1" not in os.environ.get("ASAN_OPTIONS", ""):
        return None
    try:
        fn = C.CDLL(None).__lsan_do_recoverable_leak_check
    except AttributeError:      # no ASan runtime preloaded
        return None
    fn.restype = C.c_int
    fn.argtypes = []
    return fn


def keep(ptr):
    """@ptr (a ctypes pointer to a kalloc host block) lives on purpose until
    the process ends: LeakSanitizer treats it, and what it points to, as live."""
    if not _leak_checker() or not ptr:
        return
    ignore = C.CDLL(None).__lsan_ignore_object
    ignore.restype = None
    ignore.argtypes = [C.c_void_p]
    ignore(C.cast(ptr, C.c_void_p))


@pytest.fixture(scope="session", autouse=True)
def lsan_session_check():
    yield
    check = _leak_checker()
    gc.collect()
    if check and check():
        pytest.fail("LeakSanitizer: host memory leaked during this session "
                    "(report on stderr above; props/lsan.py)", pytrace=False)
