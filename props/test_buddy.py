"""test_buddy.py - the buddy allocator's state machine and Knuth's bound.

Oracle: the reference model (model.py) predicts every address and every
counter; per step: alignment, bounds, zone, no overlap, fail only when no
block, wrong frees change nothing, maximal merging, extfrag indices; at the
end freeing everything restores the boot state."""
from budget import sm_settings
from machines import BuddyMachine, KnuthMachine

TestBuddy = BuddyMachine.TestCase
TestBuddy.settings = sm_settings()

TestKnuthBound = KnuthMachine.TestCase
TestKnuthBound.settings = sm_settings(0.5, steps=60)
