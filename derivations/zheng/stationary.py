"""[Z] §4: stationary points of the reduced loss L(a, b) and the limit of ab (Theorem 4.1)."""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.factoring import factor
from mesaverify.derivations.zheng.loss import diagonal_loss, in_u
from mesaverify.derivations.zheng.symbols import T, a, b, u


def ab_limit(law, d, horizon=T) -> sp.Expr:
    """[Z] Thm 4.1: the minimiser u* = −β/(2α) of the reduced loss α u² + β u + γ, u = ab."""
    alpha, beta, _ = reduced_coefficients(law, d, horizon)
    if sp.simplify(alpha) == 0:
        raise ValueError("the reduced loss is not a strictly convex quadratic in ab")
    return sp.simplify(-beta / (2 * alpha))


def reduced_coefficients(law, d, horizon=T) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(α, β, γ) with L(a, b) = α (ab)² + β ab + γ."""
    reduced = in_u(diagonal_loss(law, d, horizon))
    alpha, beta, gamma = sp.Poly(reduced, u).all_coeffs()
    return alpha, beta, gamma


def stationary_points(law, d, horizon=T) -> list[dict]:
    """Every stationary point of L(a, b) = α(ab)² + β ab + γ, with its Hessian and type.

    ∇L = (b ℓ'(ab), a ℓ'(ab)) with ℓ'(u) = 2αu + β: zero at the origin and on
    the hyperbola ab = u* = −β/(2α).  The Hessian is computed on the generic
    quadratic and its eigenvalues' signs are decided from the law's α > 0, β < 0.
    """
    alpha, beta, gamma = reduced_coefficients(law, d, horizon)
    A, B, C = sp.symbols("alpha beta gamma", real=True)
    loss = A * (a * b) ** 2 + B * a * b + C
    grad = [sp.diff(loss, v) for v in (a, b)]
    hess = sp.hessian(loss, (a, b))
    star = -B / (2 * A)
    values = {A: alpha, B: beta, C: gamma}
    points = []
    for name, point in (("origin", {a: 0, b: 0}), ("hyperbola ab = u*", {b: star / a})):
        H = sp.simplify(hess.subs(point))
        eig = [factor(e) for e in H.eigenvals(multiple=True)]
        points.append({
            "name": name,
            "point": {k: sp.simplify(sp.sympify(v).subs(values)) for k, v in point.items()},
            "gradient": [sp.simplify(g.subs(point)) for g in grad],
            "hessian": H.subs(values),
            "eigenvalues": [e.subs(values) for e in eig],
            "type": classify([e.subs(values) for e in eig]),
        })
    return points


def classify(eigenvalues) -> str:
    """minimum (all ≥ 0, some > 0), saddle (both signs), maximum, from exact eigenvalues."""
    pos = any(_sign(e) > 0 for e in eigenvalues)
    neg = any(_sign(e) < 0 for e in eigenvalues)
    if pos and neg:
        return "saddle"
    if pos and all(_sign(e) >= 0 for e in eigenvalues):
        return "minimum"
    if neg and all(_sign(e) <= 0 for e in eigenvalues):
        return "maximum"
    return "undetermined"


def _sign(e) -> int:
    """Sign of an eigenvalue for every admissible a and moments (positive symbols), T ≥ 3."""
    on_hyperbola = sp.Symbol("a", real=True, nonzero=True)  # a ≠ 0 there
    shifted = sp.simplify(e.subs({T: T + 3, a: on_hyperbola}))
    if shifted.is_zero:
        return 0
    if shifted.is_positive:
        return 1
    if shifted.is_negative:
        return -1
    return 2  # undecided: classify() then reports "undetermined"
