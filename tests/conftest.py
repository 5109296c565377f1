"""Hypothesis profiles: `ci` (derandomised, bounded; make test) and `fuzz` (make fuzz)."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=15, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(  # examples per property at share 1 (tests.strategies.budget)
    "fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")), deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: Hypothesis properties that `make fuzz` runs at length")
