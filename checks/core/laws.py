"""The law table: a law named and parametrised once (`LawSpec`), handed to both layers.

`LawSpec.exact()` is the law as the derivations see it, `numeric_law` and
`quadrature_law` the same law as the numeric layer sees it (finite support,
a sampler, or Gauss quadrature), built independently of the exact side.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from mesaverify.checks.core.precision import DIGITS, GUARD
from mesaverify.derivations import moments
from mesaverify.numerics import laws as nlaws


@dataclass(frozen=True)
class LawSpec:
    name: str
    d: int
    sigma: sp.Expr = sp.Integer(1)
    c: sp.Expr = sp.Integer(1)
    support: tuple | None = None
    probs: tuple | None = None
    moments: tuple | None = None  # the moments law: ((name, value), ...)

    def exact(self) -> moments.Law:
        """The law as derivations see it (built and validated once per LawSpec)."""
        return _exact_law(self)

    def label(self) -> str:
        extra = {"gaussian": f", σ={self.sigma}", "complex-gaussian": f", σ={self.sigma}",
                 "sparse": f", c={self.c}"}.get(self.name, "")
        return f"{self.name}(d={self.d}{extra})"


@lru_cache(maxsize=256)
def _exact_law(spec: LawSpec) -> moments.Law:
    return moments.by_name(spec.name, spec.d, sigma=spec.sigma, c=spec.c, support=spec.support, probs=spec.probs,
                           moments=spec.moments)


def numeric_law(spec: LawSpec):
    """A FiniteLaw for laws with finite support, else None (the caller samples)."""
    if spec.name == "sparse":
        return nlaws.sparse(spec.d, mpmath.mpf(sp.N(spec.c, DIGITS + GUARD)))
    if spec.name == "ones":
        return nlaws.ones(spec.d)
    if spec.name == "rademacher":
        return nlaws.rademacher(spec.d)
    if spec.name == "phase":
        return nlaws.phase(spec.d)
    if spec.name == "discrete":
        law = spec.exact()
        return nlaws.finite(
            [[mpmath.mpc(sp.N(sp.re(v), DIGITS + GUARD), sp.N(sp.im(v), DIGITS + GUARD)) for v in p] for p in law.support],
            [mpmath.mpf(sp.N(p, DIGITS + GUARD)) for p in law.probs],
        )
    return None


def sampled_support(spec: LawSpec) -> int:
    """The number of support points numeric_law(spec) writes out, counted without building it (0: none)."""
    return {"sparse": 2 * spec.d, "ones": 1, "rademacher": 2**spec.d, "phase": nlaws.PHASE_ORDER**spec.d,
            "discrete": len(spec.support or ())}.get(spec.name, 0)


def support_width(spec: LawSpec) -> int:
    """The most non-zero coordinates a draw of x_1 has: 1 for the sparse law, d for laws without zeros."""
    if spec.name == "sparse":
        return 1
    if spec.name == "discrete":
        return max(sum(1 for v in point if v != 0) for point in spec.exact().support)
    return spec.d


@lru_cache(maxsize=64)  # exact_loss asks for it at every evaluation of the loss
def quadrature_law(spec: LawSpec, degree: int = 3):
    """A FiniteLaw with the law's moments E[Π x_k^{p_k} x̄_k^{q_k}] for all p_k, q_k ≤ `degree`:
    the support of a finite law, Gauss quadrature (numerics.laws.gaussian) for the Gaussians.
    The loss of [Z] is of degree 3 in x_1 and in x̄_1, so on it the quadrature is exact."""
    with mpmath.workdps(DIGITS + GUARD):  # cached: built once at more digits than any check runs at
        if spec.name in ("gaussian", "complex-gaussian"):
            return nlaws.gaussian(spec.d, mpmath.mpf(sp.N(spec.sigma, DIGITS + GUARD)), spec.name == "complex-gaussian", degree)
        return numeric_law(spec)


def x1_law(spec: LawSpec) -> dict:
    """The law of x_1 as the numeric layer samples it (finite support or a Gaussian scale)."""
    if spec.name == "moments":
        raise moments.InvalidLaw("a law given by its moments cannot be sampled: simulate needs a law of x_1 itself")
    finite = numeric_law(spec)
    if finite is not None:
        points, probs = finite.as_arrays()
        return {"points": points, "probs": probs}
    return {"sigma": float(spec.sigma), "complex": spec.name == "complex-gaussian"}
