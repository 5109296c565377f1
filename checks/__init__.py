"""The claims of both papers as checks: a derivation held against an independent numeric evaluation.

`mesaverify.checks.run("Z.thm4_1.limit")` runs one check and returns its outcome.
"""
from __future__ import annotations


def run(check_id: str):
    """Run one check by id and return its `Outcome` (status, max_error, tolerance, evidence, notes).
    Example: ``mv.checks.run("Z.loss.diagonal").max_error``."""
    from mesaverify.checks.core.registry import all_checks

    checks = all_checks()
    if check_id not in checks:
        raise KeyError(f"unknown check id {check_id!r}; known: {', '.join(checks)}")
    return checks[check_id].run()


def ids() -> list[str]:
    """Every check id, in the order `mesaverify verify` runs them. Example: ``mv.checks.ids()[:2]``."""
    from mesaverify.checks.core.registry import all_checks

    return list(all_checks())
