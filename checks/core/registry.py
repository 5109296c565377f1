"""Checks: one per claim, each a `Check` that each paper package lists explicitly (`CHECKS`).

A check is a pair: `derive()` returns the exact SymPy expression of the claim,
and `compare(expr)` holds that expression against an independent numeric
evaluation and returns a `Comparison`.  Keeping the two apart is what lets a
test (and `make selftest`) feed `compare` a corrupted expression and see the
check fail.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import sympy as sp

from mesaverify.checks.core.precision import DIGITS

# What a check does numerically; a check may do several (an exact part and a Monte Carlo part, ...).
KINDS = ("exact", "quadrature", "monte-carlo", "pointwise", "flow", "training")
COSTS = ("fast", "slow")  # slow: more than about two seconds on one core
PAPERS = {"Z": "zheng", "S": "sander"}


@dataclass(frozen=True)
class Comparison:
    """The outcome of holding a derived expression against a numeric evaluation."""

    max_error: float  # largest discrepancy found (relative where stated in evidence)
    tolerance: float  # derived from working digits or from a standard error
    evidence: str  # both sides of the comparison, the precision, the sample size
    notes: tuple[str, ...] = ()  # statements for the report (e.g. disagreement with a paper)
    cases: tuple[dict, ...] = ()  # each case evaluated: {"case", "derived", "numeric", "error"}

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
    cases: tuple[dict, ...] = field(default=())
    expression: str = ""  # the derived expression, exactly (SymPy srepr): kept beside the report, not in it

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
            "cases": list(self.cases),
        }


@dataclass(frozen=True)
class Check:
    id: str
    claim: str
    reference: str
    derive: Callable[[], sp.Basic]
    compare: Callable[[sp.Basic], Comparison]
    kinds: tuple[str, ...]
    cost: str = "fast"
    findings: Callable[[sp.Basic], tuple[str, ...]] | None = None  # derived-side statements for the report
    shares: str | None = None  # checks deriving the same expressions share this key (default: their claim)

    def __post_init__(self):
        if self.id[:1] not in PAPERS or not self.kinds or set(self.kinds) - set(KINDS) or self.cost not in COSTS:
            raise ValueError(f"check {self.id}: paper prefix Z./S., kinds from {KINDS}, cost from {COSTS}")

    @property
    def paper(self) -> str:
        return PAPERS[self.id[0]]

    @property
    def family(self) -> str:
        """Checks of one family derive the same expressions: `verify --jobs` runs them in one process, so that a
        derivation remembered there serves them all.  The claim (the first two parts of the id) unless the check
        names what it shares."""
        return self.shares or ".".join(self.id.split(".")[:2])

    @property
    def tags(self) -> frozenset[str]:
        """The tags `verify --tag` selects by: the paper, each kind, the cost."""
        return frozenset((self.paper, *self.kinds, self.cost))

    def __call__(self, expr: sp.Basic) -> Comparison:
        return self.compare(expr)

    def run(self, render: Callable[[sp.Basic], str] = sp.latex) -> Outcome:
        """Derive, compare and state the findings; `render` writes the derived expression as LaTeX."""
        start = time.perf_counter()
        expr = self.derive()
        result = self.compare(expr)
        notes = result.notes + (self.findings(expr) if self.findings else ())
        return Outcome(
            id=self.id,
            claim=self.claim,
            reference=self.reference,
            status="pass" if result.passed else "fail",
            latex=render(expr),
            evidence=result.evidence,
            max_error=float(result.max_error),
            tolerance=float(result.tolerance),
            seconds=round(time.perf_counter() - start, 3),
            notes=notes,
            cases=result.cases,
            expression=sp.srepr(expr),
        )


def check(id: str, *, claim: str, reference: str, derive: Callable[[], sp.Basic], kinds: tuple[str, ...],
          cost: str = "fast", findings: Callable[[sp.Basic], tuple[str, ...]] | None = None,
          shares: str | None = None):
    """Make the decorated `compare(expr) -> Comparison` the check `id` (listed by its paper package's CHECKS).

    `compare` holds the given expression against the numeric side and derives nothing else; `findings(expr)`,
    if given, states derived consequences for the report (where the derivation disagrees with a paper); checks
    that derive the same expressions under different claims name one `shares` key (`Check.family`)."""

    def decorate(compare: Callable[[sp.Basic], Comparison]) -> Check:
        @functools.wraps(compare)
        def at_precision(expr: sp.Basic) -> Comparison:
            with mpmath.workdps(DIGITS):  # the one precision context of a check's numeric side
                return compare(expr)

        return Check(id, claim, reference, derive, at_precision, tuple(kinds), cost, findings, shares)

    return decorate


def all_checks() -> dict[str, Check]:
    """Every check of both papers and of the models beyond them, by id, in the order the packages list them."""
    from mesaverify.checks import models, sander, zheng

    checks = {}
    for c in (*zheng.CHECKS, *sander.CHECKS, *models.CHECKS):
        if c.id in checks:
            raise ValueError(f"check id listed twice: {c.id}")
        checks[c.id] = c
    return checks


def select(checks: dict[str, Check], *, only: str = "", tags: tuple[str, ...] = ()) -> dict[str, Check]:
    """The checks whose id starts with `only` and that carry every tag in `tags`."""
    return {cid: c for cid, c in checks.items() if cid.startswith(only) and set(tags) <= c.tags}
