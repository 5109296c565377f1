"""Checks: one per claim, each a `Check` that each paper package lists explicitly (`CHECKS`).

A check is a pair: `derive()` returns the exact SymPy expression of the claim,
and `compare(expr)` holds that expression against an independent numeric
evaluation and returns a `Comparison`.  Keeping the two apart is what lets a
test (and `make selftest`) feed `compare` a corrupted expression and see the
check fail.  A check is declared once, by `@check(...)`: beside its claim it
names its equation (the left-hand side the derived expression is printed with)
and its corruptions (`checks/core/corruptions.py`), which the tests hold it to.

Callers ask for a check's expression by `Check.derived()`: it derives afresh,
unless a derivation cache is installed (`DERIVATION_CACHE`, set for a block by
`caching_derivations`) — the test suite's, which derives each check once per run.
"""
from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import mpmath
import sympy as sp

from mesaverify.checks.core.precision import DIGITS

# What a check does numerically; a check may do several (an exact part and a Monte Carlo part, ...).
KINDS = ("exact", "quadrature", "monte-carlo", "pointwise", "flow", "training")
COSTS = ("fast", "slow")  # slow: more than about two seconds on one core
PAPERS = {"Z": "zheng", "S": "sander"}
# a check's equation: the LaTeX name of its derived expression, or a tuple of names, one per component of a
# derived tuple (a component that is a tuple itself named by a tuple)
Equation = str | tuple


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
    equation: Equation  # the left-hand side the derived expression is printed with (`mesaverify.equations`)
    cost: str = "fast"
    findings: Callable[[sp.Basic], tuple[str, ...]] | None = None  # derived-side statements for the report
    shares: str | None = None  # checks deriving the same expressions share this key (default: their claim)
    corruptions: tuple[Callable[[sp.Basic], sp.Basic], ...] = ()  # expr → corrupted expr, each one `compare` must fail

    def __post_init__(self):
        if self.id[:1] not in PAPERS or not self.kinds or set(self.kinds) - set(KINDS) or self.cost not in COSTS:
            raise ValueError(f"check {self.id}: paper prefix Z./S., kinds from {KINDS}, cost from {COSTS}")
        if not _names(self.equation):
            raise ValueError(f"check {self.id}: its equation is a LaTeX name or a tuple of them, none empty")
        if not all(callable(c) for c in self.corruptions):
            raise ValueError(f"check {self.id}: its corruptions are functions expr → corrupted expr")

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

    def derived(self) -> sp.Basic:
        """The derived expression, as every caller asks for it: `derive()`, or where a derivation cache is
        installed (`DERIVATION_CACHE`) the cache's fresh copy of it."""
        cache = DERIVATION_CACHE
        return self.derive() if cache is None else cache(self)

    def run(self, render: Callable[[sp.Basic], str] = sp.latex) -> Outcome:
        """Derive, compare and state the findings; `render` writes the derived expression as LaTeX."""
        start = time.perf_counter()
        expr = self.derived()
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


def _names(equation) -> bool:
    """Whether `equation` is a non-empty LaTeX name or a non-empty tuple of such (tuples nested)."""
    if isinstance(equation, str):
        return bool(equation)
    return isinstance(equation, tuple) and bool(equation) and all(_names(n) for n in equation)


def check(id: str, *, claim: str, reference: str, derive: Callable[[], sp.Basic], kinds: tuple[str, ...],
          equation: Equation, corruptions: tuple[Callable[[sp.Basic], sp.Basic], ...] = (), cost: str = "fast",
          findings: Callable[[sp.Basic], tuple[str, ...]] | None = None, shares: str | None = None):
    """Make the decorated `compare(expr) -> Comparison` the check `id` (listed by its paper package's CHECKS).

    `compare` holds the given expression against the numeric side and derives nothing else; `equation` names
    the derived expression (LaTeX; a tuple of names for a derived tuple, one per component); `corruptions`
    are functions expr → corrupted expr that `compare` must fail on (the tests hold it to them); `findings(expr)`,
    if given, states derived consequences for the report (where the derivation disagrees with a paper); checks
    that derive the same expressions under different claims name one `shares` key (`Check.family`)."""

    def decorate(compare: Callable[[sp.Basic], Comparison]) -> Check:
        @functools.wraps(compare)
        def at_precision(expr: sp.Basic) -> Comparison:
            with mpmath.workdps(DIGITS):  # the one precision context of a check's numeric side
                return compare(expr)

        return Check(id, claim, reference, derive, at_precision, tuple(kinds), equation, cost=cost,
                     findings=findings, shares=shares, corruptions=tuple(corruptions))

    return decorate


# ---------------------------------------------------------------- how callers obtain a derived expression
Derivation = Callable[[Check], sp.Basic]
# None: `Check.derived()` derives afresh at every call (`make verify`, the library).  Otherwise a function
# check → a fresh copy of its derived expression, which may have been derived once and stored (the test suite
# installs one for its run: tests/conftest.py).  Set it by `caching_derivations`, not by hand.
DERIVATION_CACHE: Derivation | None = None


@contextlib.contextmanager
def caching_derivations(cache: Derivation) -> Iterator[None]:
    """Within the block, `Check.derived()` asks `cache(check)`; the previous setting is restored after."""
    global DERIVATION_CACHE
    previous, DERIVATION_CACHE = DERIVATION_CACHE, cache
    try:
        yield
    finally:
        DERIVATION_CACHE = previous


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
