"""test_kmalloc_sm.py - kmalloc's state machine, both profiles.

Oracle: per call, ksize is the smallest class that fits, power-of-two sizes
naturally aligned, waste below 50% above the smallest class, above the
largest cache served by pages, kzalloc zeroed, krealloc keeps contents,
kmalloc_array overflow gives NULL; after every step the stats equal the model."""
from budget import sm_settings
from machines import KmallocMachine

TestKmalloc = KmallocMachine.TestCase
TestKmalloc.settings = sm_settings()
