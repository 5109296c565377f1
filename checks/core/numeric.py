"""Numeric evaluation helpers shared by the checks: precision contexts and [Z] model evaluations."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.laws import LawSpec, quadrature_law
from mesaverify.checks.core.notation import number
from mesaverify.checks.core.precision import AGREE, DIGITS, EXACT_TOL, FLOAT_EPS, MC_SIGMAS  # noqa: F401
from mesaverify.checks.core.registry import Comparison
from mesaverify.numerics.laws import sample_gaussian
from mesaverify.numerics.memo import memo
from mesaverify.numerics.zheng.flow import diagonal_init
from mesaverify.numerics.zheng.population import loss_mp, per_sample_along


def mp(value) -> mpmath.mpf:
    """An exact SymPy number as an mpmath number at the current precision."""
    value = sp.nsimplify(value) if isinstance(value, float) else sp.sympify(value)
    if value.has(sp.I):
        return mpmath.mpc(sp.N(sp.re(value), mpmath.mp.dps + 10), sp.N(sp.im(value), mpmath.mp.dps + 10))
    return mpmath.mpf(sp.N(value, mpmath.mp.dps + 10))


def rel(x, y):
    """|x − y| / max(|y|, 1) in mpmath: a relative error that is absolute near zero."""
    return abs(x - y) / max(abs(y), 1)


def case(label: str, derived, numeric, error) -> dict:
    """One evaluated case of a check as the report lists it, both sides as text at 35 digits."""
    return {"case": label, "derived": number(derived), "numeric": number(numeric), "error": float(error)}


def exact_comparison(rows, what: str, how: str = "phases averaged exactly") -> Comparison:
    """rows: (label, derived, numeric) mpmath values; the largest relative error against 10^−30 at 50 digits."""
    errors = [float(rel(x, y)) for _, x, y in rows]
    worst = rows[errors.index(max(errors))]
    evidence = (f"{len(rows)} {what} at mpmath {DIGITS} digits, {how}; worst {worst[0]}: derived "
                f"{number(worst[1])} vs numeric {number(worst[2])}")
    return Comparison(max(errors), EXACT_TOL, evidence,
                      cases=tuple(case(label, x, y, e) for (label, x, y), e in zip(rows, errors)))


def vertex(L):
    """The minimiser of the quadratic through (0, L[0]), (1, L[1]), (2, L[2])."""
    return (L[0] - L[2]) / (2 * (L[0] - 2 * L[1] + L[2])) + 1


def family_matrices_mp(d: int, a_values, b_values):
    """W^{KQ}, W^{PV} as nested mpmath lists, per-coordinate family (a_k, b_k)."""
    K = [[mpmath.mpf(0)] * (2 * d) for _ in range(2 * d)]
    V = [[mpmath.mpf(0)] * (2 * d) for _ in range(d)]
    for k in range(d):
        K[d + k][k] = mp(a_values[k])
        V[k][k] = mp(b_values[k])
    return K, V


@memo(size=4096)  # a Hessian by finite differences evaluates many points
def exact_loss(spec: LawSpec, T: int, K, V, times=None) -> mpmath.mpf:
    """Population loss of the full model, exact phase average, at the current precision
    (finite laws on their support, Gaussian laws by Gauss quadrature: both exact)."""
    law = quadrature_law(spec)
    return loss_mp(K, V, law.points, law.probs, T, times)


def entry_gradient(spec: LawSpec, T: int, K, V, entry) -> mpmath.mpc:
    """∂L/∂Re + i ∂L/∂Im of one entry, exactly (see `entry_derivative`)."""
    return (entry_derivative(spec, T, K, V, entry)
            + mpmath.mpc(0, 1) * entry_derivative(spec, T, K, V, entry, imaginary=True))


def entry_derivative(spec: LawSpec, T: int, K, V, entry, imaginary=False) -> mpmath.mpf:
    """∂L/∂(Re or Im) of one entry ('K', r, c) or ('V', r, c), by a central difference with h = 1.

    L is a quadratic polynomial in any single entry (ŷ is linear in it), so
    the central difference is exact, whatever h.
    """
    which, r, c = entry
    step = mpmath.mpc(0, 1) if imaginary else mpmath.mpf(1)

    def shifted(h):
        M = [row[:] for row in (K if which == "K" else V)]
        M[r][c] = M[r][c] + h * step
        return exact_loss(spec, T, M, V) if which == "K" else exact_loss(spec, T, K, M)

    return (shifted(1) - shifted(-1)) / 2


def hessian_type(H, zero) -> str:
    """'minimum', 'saddle' or 'maximum' from a symmetric mpmath Hessian; eigenvalues below
    zero·max|λ| count as 0 (a degenerate direction, not a sign)."""
    eig = mpmath.eigsy(H)[0]
    top = max(abs(e) for e in eig)
    signs = {int(mpmath.sign(e)) if abs(e) > top * zero else 0 for e in eig}
    return "saddle" if signs >= {1, -1} else "minimum" if signs <= {0, 1} else "maximum"


def both(exact: Comparison, approximate: Comparison, label: str = "Monte Carlo") -> Comparison:
    """An exact comparison and an approximate one (Monte Carlo, training) on the same claim: both
    must pass.  max_error is the larger of error/tolerance over the two parts, against tolerance 1."""
    error = max(float(exact.max_error) / float(exact.tolerance),
                float(approximate.max_error) / float(approximate.tolerance))
    return Comparison(error, 1.0, f"max_error = max(exact error/{float(exact.tolerance):.0e}, {label} error/"
                      f"{float(approximate.tolerance):.3g}). Exact: {exact.evidence}. {label}: {approximate.evidence}",
                      exact.notes + approximate.notes,
                      tuple(c | {"case": f"exact: {c['case']}"} for c in exact.cases)
                      + tuple(c | {"case": f"{label}: {c['case']}"} for c in approximate.cases))


def gaussian_samples(spec: LawSpec, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return sample_gaussian(spec.d, float(spec.sigma), n, rng, complex_=spec.kind.gaussian == "complex")


@memo
def mc_loss(spec: LawSpec, T: int, a0: float, b0: float, n: int, seed: int, chunk: int = 4000):
    """Monte Carlo over x_1 (phases averaged exactly): (mean, standard error, n)."""
    x = gaussian_samples(spec, n, seed)
    K, V = diagonal_init(spec.d, a0, b0)
    (values,) = per_sample_along(K, V, x, T, (1.0,), chunk)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(n)), values
