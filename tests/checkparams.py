"""Tests parametrised from the checks' own data (as scikit-learn's `parametrize_with_checks`): one param per check,
or per corruption of a check, each marked `slow` when its check's cost is "slow" — `make test-fast` (-m "not slow")
leaves those out, `make test` runs them."""
from __future__ import annotations

from collections.abc import Iterable

import pytest

from mesaverify.checks.core.registry import Check, all_checks


def _marks(check: Check):
    return pytest.mark.slow if check.cost == "slow" else ()


def check_params(ids: Iterable[str]) -> list:
    """pytest.param(check id) for each id, marked slow for a costly check."""
    checks = all_checks()
    return [pytest.param(cid, id=cid, marks=_marks(checks[cid])) for cid in ids]


def corruption_params(checks: Iterable[Check]) -> list:
    """pytest.param(check id, n) for the n-th corruption of every check given, marked slow for a costly check."""
    return [pytest.param(c.id, n, id=f"{c.id}-{n}", marks=_marks(c))
            for c in checks for n in range(len(c.corruptions))]
