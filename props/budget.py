"""budget.py - per-profile budgets for state machines (see conftest.py)."""
import os

from hypothesis import settings

from conftest import BUDGETS


def profile():
    return os.environ.get("PROPS_PROFILE", "ci")


def sm_settings(scale=1.0, steps=None):
    """settings for a RuleBasedStateMachine under the current profile."""
    b = BUDGETS[profile()]
    return settings(settings.get_profile(profile()), max_examples=max(int(b["sm"] * scale), 5),
                    stateful_step_count=steps or b["steps"], deadline=None)


def examples(scale=1.0):
    return max(int(BUDGETS[profile()]["examples"] * scale), 5)
