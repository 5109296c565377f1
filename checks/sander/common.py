"""What the [S] checks share: fixed cases, exact comparisons, central gradients, and the non-augmented
loss held against the model at (C, p) cases, its decomposition and its minima."""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.notation import math
from mesaverify.checks.core.numeric import DIGITS, EXACT_TOL, FLOAT_EPS, case, exact_comparison, mp, rel
from mesaverify.checks.core.registry import Comparison
from mesaverify.derivations.moments import Ones, UniformPhase
from mesaverify.derivations.sander import minima
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import d

R = sp.Rational
# a rotation with rational entries (3-4-5): W = P diag(λ) P^* with a non-trivial P, exactly
ROT = sp.Matrix([[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]])
# a finite law of s_1 that no P leaves invariant (complex support, unequal weights)
SKEWED_POINTS = ((1, R(1, 2)), (sp.I / 3, -1))
SKEWED_PROBS = (R(2, 3), R(1, 3))
AUG_PARAMS = (
    (sp.Matrix([[R(3, 4), R(1, 5) * sp.I], [R(-1, 2), R(2, 3)]]),
     sp.Matrix([[R(5, 4), R(1, 3)], [R(-1, 7) + sp.I / 2, R(4, 5)]])),
    (sp.Matrix([[1, 0], [0, 1]]), sp.Matrix([[R(3, 2), 0], [0, R(3, 2)]])),
)
# the official experiments' initial token s_1 = 𝟙/√d, and its phase-randomised version
FIXED = Scaled(Ones(d), 1 / sp.sqrt(d))
PHASED = Scaled(UniformPhase(d), 1 / sp.sqrt(d))
# the equations (left-hand sides) several [S] checks name their derived expressions by
BOUND = (r"\kappa", "M", "R(C, p)")
MINIMISERS = (r"p_{T-1}/p_T", "p_T C", r"L^{*}")
HEADS = r"p_T A B^{\top}"


def minimum_names(cases) -> tuple[str, ...]:
    """The equation of a tuple of minima, one per (d, H) case: min L|_{d, H}."""
    return tuple(rf"\min L\big|_{{d={dim},\,H={heads}}}" for dim, heads in cases)


def mp_matrix(M: sp.Matrix) -> mpmath.matrix:
    out = mpmath.matrix(M.rows, M.cols)
    for r in range(M.rows):
        for c in range(M.cols):
            out[r, c] = mp(M[r, c])
    return out


def central_gradient(loss, params):
    """∂loss/∂θ_i for every i as (loss(θ + e_i) − loss(θ − e_i)) / 2: exact (up to rounding at the working
    precision) when the loss is a quadratic polynomial in each single θ_i — true of the [S] losses in any one
    entry of C, A_h, B_h or in any one p_t, since the prediction is linear in each."""
    out = []
    for n in range(len(params)):
        values = []
        for h in (1, -1):
            shifted = list(params)
            shifted[n] = shifted[n] + h
            values.append(loss(shifted))
        out.append((values[0] - values[1]) / 2)
    return out


def stationary_comparison(cases, what) -> Comparison:
    """cases: (label, loss at the derived point, derived minimum or None, {parameter name: ∂L/∂θ}) in mpmath.

    Every listed partial derivative must vanish and, where a derived minimum is given (read from the expression
    under test), the loss equal it, both to 10^−30 (relative for the loss, absolute for the gradient)."""
    err, parts, rows = 0.0, [], []
    for label, value, minimum, grads in cases:
        name, worst = max(grads.items(), key=lambda kv: abs(kv[1]))
        err = max(err, float(abs(worst)))
        rows += [case(f"{label}: ∂L/∂{n}", 0, g, abs(g)) for n, g in grads.items()]
        line = f"{label}: L = {mpmath.nstr(value, 12)}"
        if minimum is not None:
            loss_err = float(rel(value, minimum))
            err = max(err, loss_err)
            rows.append(case(f"{label}: loss", minimum, value, loss_err))
            line += f" vs derived minimum {mpmath.nstr(minimum, 35)} (relative error {loss_err:.1e})"
        parts.append(f"{line}, largest of {len(grads)} partial derivatives |∂L/∂{name}| = {float(abs(worst)):.1e}")
    return Comparison(err, EXACT_TOL,
                      f"{what}, population loss of the model by definition at mpmath {DIGITS} digits, phases averaged "
                      "exactly; gradient by central differences with step 1 (exact: the loss is quadratic in each "
                      "single parameter); tolerance 10^−30: " + "; ".join(parts), cases=tuple(rows))


def ones_points(dim):
    return [[mpmath.mpf(1) / mpmath.sqrt(dim)] * dim], [mpmath.mpf(1)]


def loss_at_cases(expr, cases, numeric_loss, what) -> Comparison:
    """The derived loss in (C, p) against `numeric_loss(C, p, d, digits)` (the model by definition) at each case."""
    rows = []
    with mpmath.workdps(DIGITS):
        for n, (C_, p_) in enumerate(cases):
            value = nonaug.evaluate(expr, C_, p_)
            if value.free_symbols or not value.is_real:
                return Comparison(float("inf"), EXACT_TOL, f"derived loss at case#{n} is not a real number: {value}")
            numeric = numeric_loss([[mp(v) for v in row] for row in C_], [mp(v) for v in p_], len(C_), DIGITS)
            rows.append((f"case#{n} T={len(p_)}", mp(value), numeric))
    return exact_comparison(rows, what)


def decomposition_tuple(setting, dim) -> sp.Tuple:
    """(κ, M, R) of the derived decomposition L = κ‖p_T C − M‖_F² + R."""
    dec = minima.decomposition(setting, dim)
    return sp.Tuple(dec.kappa, dec.M, dec.remainder)


def bound_compare(expr, cases, numeric_loss) -> Comparison:
    """(κ, M, R): R must be a sum of squares, and κ‖p_T C − M‖² + R the model's loss at each (C, p) case."""
    kappa, M, R = expr
    if not minima.manifestly_nonnegative(R):
        return Comparison(float("inf"), EXACT_TOL, f"the remainder is not a sum of squares with positive weights: {math(R)}")
    return loss_at_cases(minima.Decomposition(kappa, M, R).square() + R, cases, numeric_loss,
                          "(C, p) cases of κ‖p_T C − M‖² + R against the model's loss")


def bound_note(setting, dims) -> str:
    """The derived (κ, M), σ(M) and the Eckart–Young bound for each d, in words."""
    parts = []
    for dim in dims:
        dec = minima.decomposition(setting, dim)
        sv = sorted(dec.M.singular_values(), key=lambda v: -v)
        parts.append(f"d = {dim}: κ = {math(dec.kappa)}, M = {math(dec.M)}, σ(M) = {math(sv)}, "
                     f"bound for H = 1..{dim}: {math([dec.bound(H) for H in range(1, dim + 1)])}")
    return "; ".join(parts)


def minimum_compare(expr, cases, train, horizon) -> Comparison:
    """Each derived minimum against the best loss of L-BFGS from random starts (exact phase quadrature, float64)
    on (A_h, B_h, p), within √ε_mach: the minimum found numerically, from the model alone."""
    lines, err, rows = [], 0.0, []
    for (dim, H), value in zip(cases, expr):
        trained, *_ = train(dim, H, horizon, starts=2, seed=dim + H)
        err = max(err, abs(trained - float(value)))
        lines.append(f"d={dim} H={H}: derived {value}, trained {trained:.3e}")
        rows.append(case(f"d={dim} H={H}", value, trained, abs(trained - float(value))))
    tol = float(np.sqrt(FLOAT_EPS))
    return Comparison(err, tol, f"L-BFGS on (A_h, B_h, p), 2 random starts, T = {horizon}, exact phase quadrature "
                      f"(float64); largest |trained − derived| {err:.1e}, tolerance $\\sqrt{{\\varepsilon_{{\\mathrm{{mach}}}}}}$ = {tol:.1e}: " + "; ".join(lines),
                      cases=tuple(rows))
