"""The law table: one row per law of x_1, saying how a law named and parametrised once (`LawSpec`) is built
on each side — the exact law of the derivations and the numeric law (finite support, Gauss quadrature or a
sampler) — both from the same parsed input, neither from the other. Adding a law is adding a row.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import mpmath
import sympy as sp

from mesaverify.checks.core.precision import DIGITS, GUARD
from mesaverify.derivations import moments
from mesaverify.derivations.given import given_law
from mesaverify.derivations.moments import Law
from mesaverify.numerics import laws as numeric_laws


@dataclass(frozen=True)
class LawSpec:
    name: str
    d: int
    sigma: sp.Expr = sp.Integer(1)
    c: sp.Expr = sp.Integer(1)
    support: tuple | None = None
    probs: tuple | None = None
    moments: tuple | None = None  # the moments law: ((name, value), ...)

    @property
    def kind(self) -> LawKind:
        """This law's row of the table."""
        if self.name not in TABLE:
            raise moments.InvalidLaw(f"unknown law {self.name!r}; choose one of {', '.join(TABLE)}")
        return TABLE[self.name]

    def exact(self) -> Law:  # Law, not moments.Law: in the class body the field `moments` hides the module
        """The law as derivations see it (built and validated once per LawSpec)."""
        return _exact_law(self)

    def label(self) -> str:
        """name(d=…, and the scale parameters the law takes)."""
        names = {"sigma": "σ", "c": "c"}
        extra = "".join(f", {names[p]}={getattr(self, p)}" for p in self.kind.params if p in names)
        return f"{self.name}(d={self.d}{extra})"


def _mp(value) -> mpmath.mpc | mpmath.mpf:
    """An exact number of the parsed input as mpmath, at more digits than any check runs at."""
    value = sp.sympify(value)
    re, im = sp.N(sp.re(value), DIGITS + GUARD), sp.N(sp.im(value), DIGITS + GUARD)
    return mpmath.mpc(re, im) if im != 0 else mpmath.mpf(re)


def _support(spec: LawSpec) -> tuple[tuple, tuple]:
    """(support, probs) of a discrete law, refused where either is not given."""
    if spec.support is None or spec.probs is None:
        raise moments.InvalidLaw("the discrete law needs --support and --probs")
    return spec.support, spec.probs


def _discrete_exact(spec: LawSpec) -> moments.Law:
    support, probs = _support(spec)
    law = moments.Discrete(tuple(map(tuple, support)), tuple(probs))
    if spec.d is not None and law.d != spec.d:
        raise moments.InvalidLaw(f"support points have dimension {law.d}, but d = {spec.d}")
    return law


def _discrete_numeric(spec: LawSpec) -> numeric_laws.FiniteLaw:
    support, probs = _support(spec)
    with mpmath.workdps(DIGITS + GUARD):
        return numeric_laws.finite([[mpmath.mpc(_mp(v)) for v in point] for point in support],
                            [mpmath.mpf(_mp(p)) for p in probs])


@dataclass(frozen=True)
class LawKind:
    """A row of the law table."""

    name: str
    params: tuple[str, ...]  # the LawSpec fields the law takes (the options that apply to it)
    exact: Callable[[LawSpec], moments.Law]
    finite: Callable[[LawSpec], numeric_laws.FiniteLaw] | None = None  # numeric: its finite support, if it has one
    gaussian: str | None = None  # "real" or "complex": numeric by Gauss quadrature and sampling
    points: Callable[[LawSpec], int] = lambda spec: 0  # support points `finite` writes out, counted without it
    width: Callable[[LawSpec], int] = lambda spec: spec.d  # the most non-zero coordinates of a draw


TABLE: dict[str, LawKind] = {kind.name: kind for kind in (
    LawKind("gaussian", ("sigma",), lambda s: moments.RealGaussian(s.d, s.sigma), gaussian="real"),
    LawKind("complex-gaussian", ("sigma",), lambda s: moments.ComplexGaussian(s.d, s.sigma), gaussian="complex"),
    LawKind("sparse", ("c",), lambda s: moments.Sparse(s.d, s.c), lambda s: numeric_laws.sparse(s.d, _mp(s.c)),
            points=lambda s: 2 * s.d, width=lambda s: 1),
    LawKind("ones", (), lambda s: moments.Ones(s.d), lambda s: numeric_laws.ones(s.d), points=lambda s: 1),
    LawKind("rademacher", (), lambda s: moments.Rademacher(s.d), lambda s: numeric_laws.rademacher(s.d),
            points=lambda s: 2**s.d),
    LawKind("phase", (), lambda s: moments.UniformPhase(s.d), lambda s: numeric_laws.phase(s.d),
            points=lambda s: numeric_laws.PHASE_ORDER**s.d),
    LawKind("discrete", ("support", "probs"), _discrete_exact, _discrete_numeric, points=lambda s: len(s.support or ()),
            width=lambda s: max(sum(1 for v in point if v != 0) for point in _support(s)[0])),
    LawKind("moments", ("moments",), lambda s: given_law(s.d, s.moments)),
)}
LAW_NAMES = tuple(TABLE)


@lru_cache(maxsize=256)
def _exact_law(spec: LawSpec) -> moments.Law:
    return spec.kind.exact(spec)


def numeric_law(spec: LawSpec) -> numeric_laws.FiniteLaw | None:
    """A FiniteLaw for laws with finite support, else None (the caller samples or uses quadrature)."""
    return spec.kind.finite(spec) if spec.kind.finite else None


def sampled_support(spec: LawSpec) -> int:
    """The number of support points numeric_law(spec) writes out, counted without building it (0: none)."""
    return spec.kind.points(spec)


def support_width(spec: LawSpec) -> int:
    """The most non-zero coordinates a draw of x_1 has: 1 for the sparse law, d for laws without zeros."""
    return spec.kind.width(spec)


@lru_cache(maxsize=64)  # exact_loss asks for it at every evaluation of the loss
def quadrature_law(spec: LawSpec, degree: int = 3):
    """A FiniteLaw with the law's moments E[Π x_k^{p_k} x̄_k^{q_k}] for all p_k, q_k ≤ `degree`:
    the support of a finite law, Gauss quadrature (numerics.laws.gaussian) for the Gaussians.
    The loss of [Z] is of degree 3 in x_1 and in x̄_1, so on it the quadrature is exact."""
    with mpmath.workdps(DIGITS + GUARD):  # cached: built once at more digits than any check runs at
        if spec.kind.gaussian:
            return numeric_laws.gaussian(spec.d, mpmath.mpf(_mp(spec.sigma)), spec.kind.gaussian == "complex", degree)
        return numeric_law(spec)


def x1_law(spec: LawSpec) -> dict:
    """The law of x_1 as the numeric layer samples it (finite support or a Gaussian scale)."""
    finite = numeric_law(spec)
    if finite is not None:
        points, probs = finite.as_arrays()
        return {"points": points, "probs": probs}
    if spec.kind.gaussian:
        return {"sigma": float(spec.sigma), "complex": spec.kind.gaussian == "complex"}
    raise moments.InvalidLaw(f"a law given by its {spec.kind.params[0]} cannot be sampled: "
                             "simulate needs a law of x_1 itself")
