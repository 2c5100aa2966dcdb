"""test_process_sm.py - a process's state machine (vm_machines.ProcessMachine).

Oracle: RSS equals the pages written and still mapped, computed by the
model (reads map the zero page and add nothing); every read returns the
model's bytes, zeroes where nothing was written; accesses outside every
mapping fault (KERR_FAULT) and change nothing; brk below its start is
KERR_INVAL, brk and mmap past the commit limit KERR_NOMEM; a shrinking brk
and munmap give their frames back (user pages owned == RSS); every frame
back when the process exits.  Skipped without mm in the library."""
import pytest

from budget import sm_settings
from vm_machines import ProcessMachine, has, MM_FNS

pytestmark = pytest.mark.skipif(not has(MM_FNS), reason="the library has no process (mm)")

TestProcess = ProcessMachine.TestCase
TestProcess.settings = sm_settings()
