"""Hypothesis profiles: `ci` (derandomised, bounded; make test) and `fuzz` (make fuzz).

Under `fuzz`, every example Hypothesis runs is counted (its observability
callback) and the total is printed at the end of the run, summed over the
pytest-xdist workers (each writes its count to build/fuzz/).

Each check's expression is derived once per test run and shared by the workers (`_each_check_derived_once`,
through the registry's derivation cache).  The tests of the costly checks (cost "slow": their corruptions and
read-backs) are marked slow by their params (tests/checkparams.py).
"""
import json
import os
import pickle
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=15, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(  # examples per property at share 1 (tests.strategies.budget)
    "fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1600")), deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if os.environ.get("PYTEST_XDIST_WORKER"):  # one BLAS thread per test worker, as in verify's worker processes
    from mesaverify.runner import single_threaded

    single_threaded()

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
COUNTS = Path("build") / "fuzz"
_examples: Counter = Counter()
_start = time.perf_counter()


def _count(observation):
    if getattr(observation, "type", None) == "test_case":
        _examples[observation.status] += 1


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: Hypothesis properties that `make fuzz` runs at length")
    config.addinivalue_line("markers", "slow: tests of more than ~10 s (builds, full runs, the costly checks' corruptions "
                            "and read-backs); `make test-fast` leaves them out")
    if not FUZZ:
        return
    # the observability callback interface (Hypothesis >= 6.137; pinned below 7 in pyproject.toml)
    from hypothesis.internal.observability import add_observability_callback

    add_observability_callback(_count)
    if "PYTEST_XDIST_WORKER" not in os.environ:  # the controller (or a single process) starts afresh
        COUNTS.mkdir(parents=True, exist_ok=True)
        for old in COUNTS.glob("*.json"):
            old.unlink()


def pytest_sessionfinish(session):
    if FUZZ:
        COUNTS.mkdir(parents=True, exist_ok=True)
        (COUNTS / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.json").write_text(json.dumps(_examples))


def pytest_terminal_summary(terminalreporter):
    if not FUZZ:
        return
    total: Counter = Counter()
    for part in COUNTS.glob("*.json"):
        total.update(json.loads(part.read_text()))
    terminalreporter.write_line(
        f"fuzz: {total['passed']} examples passed, {total['failed']} failed, {total['gave_up']} rejected by "
        f"assume() in {time.perf_counter() - _start:.0f} s (FUZZ_EXAMPLES={settings.default.max_examples})")


# ---------------------------------------------------------------- each check derived once per test run
WAIT_S = 900  # a worker waits this long for another one's derivation before deriving itself


class SharedDerivations:
    """`registry.DERIVATION_CACHE` for a test run: each registered check derived once per run.  The first worker
    to ask for a check derives it and stores the pickled expression in `shared` (written whole, then renamed), the
    others (and later calls) unpickle it — a fresh copy each time, so that no test sees another's changes to a
    mutable result.  A check the registry does not list (a test's own) is derived afresh."""

    def __init__(self, shared: Path):
        from mesaverify.checks.core.registry import all_checks

        self.shared, self.registered = shared, all_checks()
        self.stored: dict[str, bytes] = {}  # check id → its pickle, read or written once in this process

    def __call__(self, check):
        if self.registered.get(check.id) is not check:
            return check.derive()
        if check.id not in self.stored:
            self.stored[check.id] = self._pickled(check)
        return pickle.loads(self.stored[check.id])

    def _pickled(self, check) -> bytes:
        path, lock = self.shared / f"{check.id}.pickle", self.shared / f"{check.id}.lock"
        for _ in range(2 * WAIT_S):
            if path.exists():
                return path.read_bytes()
            try:
                os.close(os.open(lock, os.O_CREAT | os.O_EXCL))
            except FileExistsError:  # another worker is deriving it
                time.sleep(0.5)
                continue
            try:
                data = pickle.dumps(check.derive())
                part = path.with_suffix(f".{os.getpid()}")
                part.write_bytes(data)
                os.replace(part, path)
                return data
            finally:
                lock.unlink()
        return pickle.dumps(check.derive())


@pytest.fixture(scope="session", autouse=True)
def _each_check_derived_once(tmp_path_factory, worker_id):
    """The test files run in several workers (make test: -n auto) and many of them derive every check: each
    check's expression is derived once per run and shared through the run's temporary directory, by the
    registry's derivation cache (`Check.derived()` asks it while it is installed).  `make verify` and the
    library never install one: they derive afresh every run."""
    from mesaverify.checks.core.registry import caching_derivations

    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "derived"
    shared.mkdir(exist_ok=True)
    with caching_derivations(SharedDerivations(shared)):
        yield
