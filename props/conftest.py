"""conftest.py - hypothesis profiles for the property tests, loaded before any
test module is imported (hypothesis 6.67 has no HYPOTHESIS_PROFILE variable).

  ci       derandomized, no example database, small budgets: the whole suite in
           about two minutes on two cores; two runs give the same result.
  dev      random, with the local example database (build/hypothesis/), more examples.
  nightly  thousands of examples, long programs.

Pick one with --hypothesis-profile=NAME or PROPS_PROFILE=NAME (the Makefile
passes PROFILE= through).  Every profile has deadline=None; state machines
get theirs through settings(parent=...).
"""
import os
import sys

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsan import lsan_session_check  # noqa: E402,F401  (LeakSanitizer under props-asan)
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# examples: budget for @given tests; steps: stateful_step_count; sm: examples
# per state machine (35-50% of stateful examples end invalid in 6.67).
BUDGETS = {"ci": dict(examples=60, steps=50, sm=80),
           "dev": dict(examples=300, steps=80, sm=200),
           "nightly": dict(examples=3000, steps=200, sm=2000)}

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much])
# ci leaves out the target phase: its hill climbing can run for minutes on a
# buggy library in 6.67 (cached attempts cost no budget); dev and nightly keep it.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True,
                          max_examples=BUDGETS["ci"]["examples"],
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                          **_common)
settings.register_profile("dev", max_examples=BUDGETS["dev"]["examples"], print_blob=True,
                          database=DirectoryBasedExampleDatabase(
                              os.path.join(_ROOT, "build", "hypothesis")), **_common)
settings.register_profile("nightly", max_examples=BUDGETS["nightly"]["examples"],
                          print_blob=True, database=DirectoryBasedExampleDatabase(
                              os.path.join(_ROOT, "build", "hypothesis")), **_common)
settings.load_profile(os.environ.get("PROPS_PROFILE", "ci"))


def pytest_configure(config):
    # --hypothesis-profile is applied by hypothesis' plugin after this file
    # loads; record the name so that budgets() follows it.
    name = config.getoption("--hypothesis-profile", default=None)
    if name:
        os.environ["PROPS_PROFILE"] = name
