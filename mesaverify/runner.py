"""Running checks on several cores: checks grouped by family (the claim, or the derivations they share: so a
derivation cached in a process serves its group), groups longest first (costs from the last report), outcomes in listed order."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from mesaverify import jsonio
from mesaverify.checks.core.registry import Check, Outcome, all_checks
from mesaverify.errors import UsageError

DEFAULT_COST = 1.0  # seconds assumed for a check the last report does not list


def last_costs(report: Path) -> dict[str, float]:
    """Seconds per check id from a previous report.json, or {} when there is none or it cannot be read (read as
    every JSON file is, bounded: `jsonio.load_file`)."""
    try:
        return {str(c["id"]): float(c["seconds"]) for c in jsonio.load_file(str(report), str(report))["checks"]}
    except (UsageError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def groups(checks: list[Check], costs: dict[str, float]) -> list[list[str]]:
    """Check ids grouped by family (`Check.family`: the claim, or the derivations it shares), the costliest
    group first."""
    by_family: dict[str, list[str]] = {}
    for c in checks:
        by_family.setdefault(c.family, []).append(c.id)
    cost = lambda ids: sum(costs.get(i, DEFAULT_COST) for i in ids)
    return sorted(by_family.values(), key=cost, reverse=True)


def run_one(check: Check, derived: list | None = None) -> Outcome:
    """One check's outcome, its expression written by the paper-style printer (as `mesaverify latex`); the
    derived expression appended to `derived` when given."""
    from mesaverify import tex

    def render(expr):
        if derived is not None:
            derived.append(expr)
        return tex.paper(expr)

    return check.run(render=render)


def _run_group(ids: list[str], prepare) -> list[tuple[Outcome, object]]:
    known = all_checks()
    out = []
    for i in ids:
        derived: list = []
        outcome = run_one(known[i], derived)
        out.append((outcome, prepare(outcome, derived[0]) if prepare else None))
    return out


def run(checks: list[Check], jobs: int, costs: dict[str, float],
        progress: Callable[[Outcome], None] = lambda o: None,
        prepare: Callable[[Outcome, object], object] | None = None) -> list[tuple[Outcome, object]]:
    """Every check's outcome, in the order given, each with `prepare(outcome, derived expression)` (None without
    it) computed in the process that ran the check; on `jobs` processes (1: in this process, one by one)."""
    if jobs <= 1 or len(checks) <= 1:
        results = []
        for c in checks:
            results += _run_group([c.id], prepare)
            progress(results[-1][0])
        return results
    done: dict[str, tuple[Outcome, object]] = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(checks)), initializer=single_threaded) as pool:
        futures = [pool.submit(_run_group, ids, prepare) for ids in groups(checks, costs)]
        for future in as_completed(futures):
            for outcome, prepared in future.result():
                done[outcome.id] = (outcome, prepared)
                progress(outcome)
    return [done[c.id] for c in checks]


def single_threaded() -> None:
    """Limit this process's BLAS (and OpenMP) pools to one thread: worker processes, one per core, each
    spawning a BLAS pool as wide as the machine fight over the cores; on 2 cores the flows' small products
    then take 3–4× as long."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def default_jobs() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
