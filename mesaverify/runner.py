"""Running checks on several cores: checks grouped by the claim they share (so a derivation cached in a
process serves its group), groups longest first (costs from the last report), outcomes in listed order."""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from mesaverify.checks.core.registry import Check, Outcome, all_checks

DEFAULT_COST = 1.0  # seconds assumed for a check the last report does not list


def last_costs(report: Path) -> dict[str, float]:
    """Seconds per check id from a previous report.json, or {} when there is none or it cannot be read."""
    try:
        return {c["id"]: float(c["seconds"]) for c in json.loads(report.read_text())["checks"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def groups(checks: list[Check], costs: dict[str, float]) -> list[list[str]]:
    """Check ids grouped by claim (the first two parts of the id), the costliest group first."""
    by_claim: dict[str, list[str]] = {}
    for c in checks:
        by_claim.setdefault(".".join(c.id.split(".")[:2]), []).append(c.id)
    cost = lambda ids: sum(costs.get(i, DEFAULT_COST) for i in ids)
    return sorted(by_claim.values(), key=cost, reverse=True)


def run_one(check: Check) -> Outcome:
    """One check's outcome, its expression written by the paper-style printer (as `mesaverify latex`)."""
    from mesaverify import tex

    return check.run(render=tex.paper)


def _run_group(ids: list[str]) -> list[Outcome]:
    known = all_checks()
    return [run_one(known[i]) for i in ids]


def run(checks: list[Check], jobs: int, costs: dict[str, float],
        progress: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Every check's outcome, in the order given; on `jobs` processes (1: in this process, one by one)."""
    if jobs <= 1 or len(checks) <= 1:
        outcomes = []
        for c in checks:
            outcomes.append(run_one(c))
            progress(outcomes[-1])
        return outcomes
    done: dict[str, Outcome] = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(checks))) as pool:
        futures = [pool.submit(_run_group, ids) for ids in groups(checks, costs)]
        for future in as_completed(futures):
            for outcome in future.result():
                done[outcome.id] = outcome
                progress(outcome)
    return [done[c.id] for c in checks]


def default_jobs() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
