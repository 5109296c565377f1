"""[Z] §4.3, beyond Assumption 4.1 (x_1 = 𝟙): the closed family, the masked flow and its stationary points."""
from __future__ import annotations

import math
from dataclasses import replace

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.corruptions import EPS, nudge
from mesaverify.checks.core.laws import LawSpec, numeric_law
from mesaverify.checks.core.notation import array
from mesaverify.checks.core.numeric import FLOAT_EPS, entry_gradient, exact_loss, hessian_type, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.zheng.common import BLOCK_SLICES, LIMIT, exact_comparison
from mesaverify.derivations.zheng import beyond, stationary
from mesaverify.derivations.zheng.symbols import T, a, b, d
from mesaverify.numerics.memo import memo
from mesaverify.numerics.zheng.flow import diagonal_init, integrate, pack, unpack
from mesaverify.numerics.zheng.population import Batch, loss_and_gradient

ONES, ONES_T = LawSpec("ones", 2), 5


def _ones_arrays():
    """(points, probs) of the finite law ONES."""
    law = numeric_law(ONES)
    assert law is not None  # the ones law has a finite support
    return law.as_arrays()


def _closure_tuple():
    return sp.Tuple(*[sp.Symbol(f"{blk}.{kind}") for blk, kind in beyond.closure(ONES.exact(), ONES.d, ONES_T)])


def _class_matrices(classes_values, D, mp_=False):
    """W^{KQ}, W^{PV} with one value per class (block, diag|off): complex arrays, or mpmath nested lists."""
    zero = mpmath.mpf(0) if mp_ else 0
    K = np.full((2 * D, 2 * D), zero, dtype=object if mp_ else complex)
    V = np.full((D, 2 * D), zero, dtype=object if mp_ else complex)
    for (block, kind), value in classes_values.items():
        which, rb, cb = BLOCK_SLICES[block]
        M = K if which == "K" else V
        r0 = rb * D if which == "K" else 0
        for m in range(D):
            for n in range(D):
                if (m == n) == (kind == "diag"):
                    M[r0 + m, cb * D + n] = value
    return (K.tolist(), V.tolist()) if mp_ else (K, V)


def _off_family_gradient(K, V, classes, D, pts, probs, horizon):
    _, gK, gV, _ = loss_and_gradient(K, V, pts, probs, horizon)
    mask_K, mask_V = _class_matrices({c: 1.0 for c in classes}, D)
    return max(np.max(np.abs(gK[mask_K == 0])), np.max(np.abs(gV[mask_V == 0]))), gK, gV


@check("Z.beyond4_1.closure", kinds=("pointwise",), cost="slow", reference="[Z] §4.3 (beyond Assumption 4.1), x_1 = (1, …, 1)",
       claim="For x_1 = 𝟙 the smallest family containing the flow from the diagonal initialisation is "
             "W^{KQ}_{21} = aI + a'(J − I), W^{PV}_1 = bI + b'(J − I) (derived by closing under the gradient).",
       derive=_closure_tuple, equation=r"\text{classes}", corruptions=(lambda e: sp.Tuple(*e[:-1]),))
def closure_41(expr) -> Comparison:
    classes = [tuple(str(s).split(".")) for s in expr]
    pts, probs = _ones_arrays()
    D, rng = ONES.d, np.random.default_rng(3)
    worst_outside, weakest_inside = 0.0, math.inf
    for _ in range(3):  # generic points of the family: no gradient outside it
        K, V = _class_matrices({c: rng.uniform(-1, 1) for c in classes}, D)
        out, _, _ = _off_family_gradient(K, V, classes, D, pts, probs, ONES_T)
        worst_outside = max(worst_outside, out)
    # every added class is needed: at a diagonal point its gradient is non-zero, or it is reached later
    K, V = _class_matrices({("k21", "diag"): 0.6, ("v1", "diag"): 1.4}, D)
    _, gK, gV = _off_family_gradient(K, V, classes, D, pts, probs, ONES_T)
    for c in classes:
        if c in (("k21", "diag"), ("v1", "diag")):
            continue
        mk, mv = _class_matrices({c: 1.0}, D)
        weakest_inside = min(weakest_inside, float(max(np.max(np.abs(gK[mk == 1]), initial=0),
                                                       np.max(np.abs(gV[mv == 1]), initial=0))))
    scale = 1 + float(np.max(np.abs(gK)) + np.max(np.abs(gV)))
    tol = 1e3 * FLOAT_EPS * scale  # float64 sums of O(T² d³) terms
    error = worst_outside if weakest_inside > tol else math.inf
    return Comparison(error, tol, f"{ONES.label()}, T={ONES_T}: max |G| outside the family at 3 random family "
                      f"points {worst_outside:.2e}; min |G| of each added class at a diagonal point "
                      f"{weakest_inside:.3g} (float64, exact phase average)")


def _masked_limit():
    from mesaverify.derivations.moments import Ones
    return stationary.ab_limit(Ones(d), d)


@memo
def _masked_ab(pts, probs, D, av, bv, mask_K, mask_V, rtol):
    """ab at τ = 30, 60 along the flow from (av, bv) with the gradient masked to the diagonal family (DOP853)."""
    from scipy.integrate import solve_ivp

    batch = Batch(pts, probs, ONES_T)

    def rhs(_, theta):
        K, V = unpack(theta, D)
        _, gK, gV, _ = batch(K, V)
        return -pack(gK * mask_K, gV * mask_V)

    K0, V0 = diagonal_init(D, av, bv)
    run = solve_ivp(rhs, (0, 60), pack(K0, V0), method="DOP853", t_eval=[30, 60], rtol=rtol, atol=rtol * 1e-2)
    return np.array([unpack(y, D)[0][D, 0] * unpack(y, D)[1][0, 0] for y in run.y.T]).real


@check("Z.beyond4_1.masked", kinds=("flow",), reference="[Z] §4.3 and Figure (masked off-diagonal gradients)",
       claim="For x_1 = 𝟙 with the gradient outside the diagonal family masked, the flow stays diagonal and "
             "ab → (T−2)/((T−2) + (d−1)H_{T−2}).",
       derive=_masked_limit, equation=LIMIT, corruptions=(nudge, lambda e: e.subs(T, T + 1)))
def masked_41(expr) -> Comparison:
    pts, probs = _ones_arrays()
    D = ONES.d
    derived = float(expr.subs({d: D, T: ONES_T}))
    mask_K, mask_V = _class_matrices({("k21", "diag"): 1.0, ("v1", "diag"): 1.0}, D)
    worst, lines = 0.0, []
    for av, bv in ((0.5, 1.5), (0.1, 0.1), (2.0, 2.0)):
        ab = [_masked_ab(pts, probs, D, av, bv, mask_K, mask_V, r) for r in (1e-12, 1e-10)]
        bound = abs(ab[0][1] - ab[0][0]) + abs(ab[1][1] - ab[0][1]) + 64 * FLOAT_EPS
        err = abs(ab[0][1] - derived)
        worst = max(worst, err / bound)
        lines.append(f"({av},{bv}): ab(60) = {ab[0][1]:.12g}, derived {derived:.12g} (error {err:.1e}, bound {bound:.1e})")
    return Comparison(worst, 1.0, f"{ONES.label()}, T={ONES_T}; masked full flow (DOP853); max_error = error/bound "
                      "(bound: convergence tail + solver gap); " + "; ".join(lines))


def _stationary_tuple():
    points = beyond.stationary_points(ONES.exact(), ONES.d, ONES_T)
    return sp.Tuple(*[sp.Tuple(sp.Tuple(*[p["point"][s] for s in STATIONARY_PARAMS]), p["loss"], sp.Symbol(p["type"]))
                      for p in points])


STATIONARY_PARAMS = (a, beyond.parameter("k21", "off"), b, beyond.parameter("v1", "off"))
STATIONARY_CLASSES = (("k21", "diag"), ("k21", "off"), ("v1", "diag"), ("v1", "off"))


@check("Z.beyond4_1.stationary", kinds=("exact", "flow"), cost="slow", reference="[Z] §4.3 (beyond Assumption 4.1), x_1 = (1, …, 1)",
       claim="The stationary points of the loss on the closed family W^{KQ}_{21} = aI + a'(J − I), W^{PV}_1 = bI + "
             "b'(J − I) (d = 2, T = 5), each a curve (c(a, a'), (b, b')/c): the saddles at U = (a, a')^T(b, b') = 0 "
             "and one minimum with a' ≠ 0 and b' ≠ 0, where the trained model B (Σ x_{i+1}x_i^*) A x_t/(t−1) is "
             "one GD step with two non-scalar preconditioners, not plain GD; the unmasked full flow ends there.",
       derive=_stationary_tuple, equation=((r"(a, a', b, b')", r"L", r"\text{type}"),) * 3,  # two saddles, a minimum
       corruptions=(
           lambda e: sp.Tuple(*[sp.Tuple(p, v * EPS if n == 0 else v, k) for n, (p, v, k) in enumerate(e)]),
           lambda e: sp.Tuple(*[sp.Tuple(sp.Tuple(p[0] * EPS, *p[1:]), v, k) for p, v, k in e]),
           lambda e: sp.Tuple(*[sp.Tuple(p, v, sp.Symbol("saddle" if str(k) == "minimum" else "minimum")) for p, v, k in e]),
           lambda e: sp.Tuple(*e[1:])))  # the minimum dropped
def stationary_41(expr) -> Comparison:
    rows, mismatch = [], []
    pts, probs = _ones_arrays()
    D = ONES.d
    for point, value, kind in expr:
        x = [mp(v) for v in point]
        for c in (1, 2):  # two points of the curve (c·(a, a'), (b, b')/c)
            scaled = dict(zip(STATIONARY_CLASSES, (x[0] * c, x[1] * c, x[2] / c, x[3] / c)))
            K, V = _class_matrices(scaled, D, mp_=True)
            label = f"({', '.join(mpmath.nstr(v, 6) for v in x)}) c={c}"
            rows.append((f"{label} loss", mp(value), exact_loss(ONES, ONES_T, K, V)))
            for which, M in (("K", K), ("V", V)):
                for r in range(len(M)):
                    for col in range(2 * D):
                        rows.append((f"{label} ∂L/∂{which}[{r},{col}]", mpmath.mpf(0),
                                     entry_gradient(ONES, ONES_T, K, V, (which, r, col))))

        def f(*v):
            K, V = _class_matrices(dict(zip(STATIONARY_CLASSES, v)), D, mp_=True)
            return exact_loss(ONES, ONES_T, K, V)

        H = mpmath.matrix(4, 4)
        for i in range(4):
            for j in range(4):
                order = [0] * 4
                order[i] += 1
                order[j] += 1
                H[i, j] = mpmath.diff(f, x, tuple(order))
        numeric = hessian_type(H, zero=mpmath.mpf(10) ** -25)
        if numeric != str(kind):
            mismatch.append(f"({', '.join(mpmath.nstr(v, 6) for v in x)}): derived {kind}, numeric {numeric}")
    result = exact_comparison(rows, "losses and gradients of every entry of W^{KQ}, W^{PV} at two points of each "
                               "derived curve (exact phase average, central differences)")
    # the unmasked full flow from the diagonal initialisation ends on the minimum's curve: U = w v^T agrees
    minima = [p for p in expr if str(p[2]) == "minimum"]
    if len(minima) != 1:
        return Comparison(math.inf, result.tolerance, f"{len(minima)} minima derived, the flow needs one; "
                          + result.evidence)
    (best, best_value, _), = minima
    star = np.outer([float(best[0]), float(best[1])], [float(best[2]), float(best[3])])
    K0, V0 = diagonal_init(D, 0.5, 1.5)
    ends = []
    for rtol in (1e-12, 1e-10):
        run = integrate(pts, probs, ONES_T, K0, V0, np.array([0.0, 60.0, 120.0]), rtol=rtol)
        Ks, Vs = run.K.real, run.V.real
        ends.append([np.outer([K[D, 0], K[D, 1]], [V[0, 0], V[0, 1]]) for K, V in zip(Ks, Vs)])
    err = float(np.max(np.abs(ends[0][-1] - star)))
    bound = float(np.max(np.abs(ends[0][-1] - ends[0][-2])) + np.max(np.abs(ends[1][-1] - ends[0][-1]))) + 64 * FLOAT_EPS
    flow = (f"; unmasked full flow from (a₀, b₀) = (0.5, 1.5), DOP853: U(120) − U* = {err:.1e} (bound {bound:.1e}: "
            f"convergence tail + solver gap), U* = {array(star)}")
    if mismatch or err > bound:
        return Comparison(math.inf, result.tolerance, result.evidence + flow + "; type mismatch: " + "; ".join(mismatch))
    A = np.array([[star[0, 0], star[1, 0]], [star[1, 0], star[0, 0]]])  # at b = 1: a, a' (scale c = b)
    note = (f"x_1 = 𝟙, d = {D}, T = {ONES_T}: the trained model (the unmasked flow's limit) is "
            f"B (Σ x_{{i+1}} x_i^*) A x_t/(t−1) with A = aI + a'(J − I) ∝ {array(A, 5)}, "
            f"B = I + (b'/b)(J − I), b'/b = {float(best[3] / best[2]):.7f}: one GD step with two non-scalar "
            f"preconditioners, not plain GD ([Z] §4.3 says only that it is not vanilla GD); its loss "
            f"{float(sp.N(best_value, 15)):.10f} is below the masked (diagonal) limit's.")
    return replace(result, evidence=result.evidence + flow, notes=(note,))
