"""The registry of named checks: one check per claim, run by `mesaverify verify`.

A check is a pair: `derive()` returns the exact SymPy expression of the claim,
and `compare(expr)` holds that expression against an independent numeric
evaluation and returns a `Comparison`.  Keeping the two apart is what lets a
test (and `make selftest`) feed `compare` a corrupted expression and see the
check fail.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

# Modules that register checks when imported; each issue adds its own.
CHECK_MODULES = ("mesaverify.checks.zheng", "mesaverify.checks.zheng_moments", "mesaverify.checks.sander", "mesaverify.checks.training")


@dataclass(frozen=True)
class Comparison:
    """The outcome of holding a derived expression against a numeric evaluation."""

    max_error: float  # largest discrepancy found (relative where stated in evidence)
    tolerance: float  # derived from working digits or from a standard error
    evidence: str  # both sides of the comparison, the precision, the sample size
    notes: tuple[str, ...] = ()  # statements for the report (e.g. disagreement with a paper)

    @property
    def passed(self) -> bool:
        return bool(self.max_error <= self.tolerance)


@dataclass(frozen=True)
class Outcome:
    id: str
    claim: str
    reference: str
    status: str
    latex: str
    evidence: str
    max_error: float
    tolerance: float
    seconds: float
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "claim": self.claim,
            "reference": self.reference,
            "status": self.status,
            "latex": self.latex,
            "evidence": self.evidence,
            "max_error": self.max_error,
            "tolerance": self.tolerance,
            "seconds": self.seconds,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Check:
    id: str
    claim: str
    reference: str
    derive: Callable[[], sp.Basic]
    compare: Callable[[sp.Basic], Comparison]

    def run(self) -> Outcome:
        start = time.perf_counter()
        expr = self.derive()
        result = self.compare(expr)
        return Outcome(
            id=self.id,
            claim=self.claim,
            reference=self.reference,
            status="pass" if result.passed else "fail",
            latex=sp.latex(expr),
            evidence=result.evidence,
            max_error=float(result.max_error),
            tolerance=float(result.tolerance),
            seconds=round(time.perf_counter() - start, 3),
            notes=result.notes,
        )


_REGISTRY: dict[str, Check] = {}


def check(id: str, *, claim: str, reference: str, derive: Callable[[], sp.Basic]):
    """Register the decorated `compare(expr) -> Comparison` as the check `id`."""

    def decorate(compare: Callable[[sp.Basic], Comparison]):
        if id in _REGISTRY:
            raise ValueError(f"check id registered twice: {id}")
        _REGISTRY[id] = Check(id, claim, reference, derive, compare)
        return compare

    return decorate


def all_checks() -> dict[str, Check]:
    """Every registered check, by id, in registration order."""
    for name in CHECK_MODULES:
        importlib.import_module(name)
    return dict(_REGISTRY)


def relative_error(derived, numeric) -> float:
    """|derived − numeric| / max(|numeric|, 1e-300), as a float, from mpmath values."""
    import mpmath

    derived, numeric = mpmath.mpmathify(derived), mpmath.mpmathify(numeric)
    scale = max(abs(numeric), mpmath.mpf("1e-300"))
    return float(abs(derived - numeric) / scale)
