"""test_slab.py - SLUB caches' state machine.

Oracle: the model's slabs, freelists and lists predict every object address
and every kmem_cache_stats field; objects on object boundaries of a slab of
their own cache, never handed out twice (no overlap), ctor once per object at
slab population, shrink leaves no empty slab, destroy with live objects
refused, wrong frees change nothing."""
from budget import sm_settings
from machines import SlabMachine

TestSlab = SlabMachine.TestCase
TestSlab.settings = sm_settings()
