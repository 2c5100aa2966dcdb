"""test_vmalloc_sm.py - vmalloc's state machine (vm_machines.VmallocMachine).

Oracle: areas page aligned, apart with a guard page each (no frame behind it,
a touch is KERR_FAULT), every page aliasing its frame's direct-map address,
no frame in two pages, vmalloc's owned pages equal to the live areas' pages,
the wrong vfrees (inside, twice, foreign) refused with their exact codes, and
every frame back at the end.  Skipped without vmalloc in the library."""
import pytest

from budget import sm_settings
from vm_machines import VmallocMachine, has, VMALLOC_FNS

pytestmark = pytest.mark.skipif(not has(VMALLOC_FNS), reason="the library has no vmalloc")

TestVmalloc = VmallocMachine.TestCase
TestVmalloc.settings = sm_settings()
