"""test_whole.py - every layer at once on one machine: pages, caches and
kmalloc interleaved, contents intact, every export equal to the model."""
from budget import sm_settings
from machines import WholeMachine

TestWhole = WholeMachine.TestCase
TestWhole.settings = sm_settings(1.0, steps=None)
