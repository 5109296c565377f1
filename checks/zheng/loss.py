"""[Z] §3: the population loss on the diagonal and per-coordinate families, against the full model."""
from __future__ import annotations

from mesaverify.checks.core.corruptions import scale_first_term
from mesaverify.checks.core.numeric import MC_SIGMAS, both, exact_loss, family_matrices_mp, mc_loss, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.zheng.common import (
    EXACT_LAWS,
    HORIZONS,
    MC_LAWS,
    POINTS,
    SKEWED,
    SYMBOLIC,
    R,
    at,
    exact_comparison,
)
from mesaverify.derivations.zheng import loss
from mesaverify.derivations.zheng.symbols import T, a, a_k, b_k, d


@check("Z.loss.diagonal", kinds=("exact",), reference="[Z] §3, eq. of L(θ); Assumption 3.1",
       claim="On the diagonal family the population loss is an explicit expression in a, b, d, T and "
             "the moments of x_1, for symbolic d and T.",
       derive=lambda: loss.diagonal_loss(SYMBOLIC, d), equation="L(a, b)",
       corruptions=(scale_first_term, lambda e: e.subs(T, T + 1), lambda e: e.subs(d, d + 1)))
def loss_diagonal(expr) -> Comparison:
    rows = []
    for spec in EXACT_LAWS:
        for horizon in HORIZONS:
            for av, bv in POINTS:
                K, V = family_matrices_mp(spec.d, [av] * spec.d, [bv] * spec.d)
                rows.append((f"{spec.label()} T={horizon} a={av} b={bv}",
                             mp(at(expr, spec, horizon, a=av, b=bv)), exact_loss(spec, horizon, K, V)))
    return exact_comparison(rows, "(law, T, a, b) cases")


@check("Z.loss.diagonal.mc", kinds=("quadrature", "monte-carlo"), reference="[Z] §3; Proposition 4.1 (Gaussian x_1)",
       claim="The diagonal-family loss holds for continuous laws (Gaussian, complex Gaussian): exactly, with "
             "x_1 integrated by Gauss quadrature, and by Monte Carlo over x_1 within 4 standard errors "
             "(phases averaged exactly in both).",
       derive=lambda: loss.diagonal_loss(SYMBOLIC, d), equation="L(a, b)",
       corruptions=(lambda e: e * R(11, 10), lambda e: e.subs(a, -a), scale_first_term))
def loss_diagonal_mc(expr) -> Comparison:
    rows, worst, lines = [], 0.0, []
    for n, spec in enumerate(MC_LAWS):
        for av, bv in POINTS:
            K, V = family_matrices_mp(spec.d, [av] * spec.d, [bv] * spec.d)
            rows.append((f"{spec.label()} T=5 a={av} b={bv}", mp(at(expr, spec, 5, a=av, b=bv)),
                         exact_loss(spec, 5, K, V)))
            mean, se, _ = mc_loss(spec, 5, float(av), float(bv), n=20000, seed=11 + n)
            derived = float(at(expr, spec, 5, a=av, b=bv))
            z = abs(derived - mean) / se
            worst = max(worst, z)
            lines.append(f"{spec.label()} a={av} b={bv}: derived {derived:.6g}, MC {mean:.6g} ± {se:.2g} ({z:.2f} SE)")
    exact = exact_comparison(rows, "(law, a, b) cases, x_1 by Gauss quadrature exact for the degree-6 loss")
    mc = Comparison(worst, MC_SIGMAS, "T=5, n=20000 samples, seeded; " + "; ".join(lines))
    return both(exact, mc)


@check("Z.loss.per_coordinate", kinds=("exact",), reference="[Z] §3 (per-coordinate extension of Assumption 3.1)",
       claim="On the per-coordinate family W^{KQ}_{21} = diag(a_k), W^{PV}_1 = diag(b_k) the loss is explicit "
             "for symbolic T and any law, here a non-exchangeable complex finite law with d = 2.",
       derive=lambda: loss.per_coordinate_loss(SKEWED.exact(), SKEWED.d), equation="L(a_{0}, a_{1}, b_{0}, b_{1})",
       corruptions=(scale_first_term, lambda e: e.subs(T, T - 1)))
def loss_per_coordinate(expr) -> Comparison:
    rows = []
    params = ((R(3, 5), R(-2, 7), R(7, 4), R(1, 3)), (R(1), R(1, 2), R(-1, 5), R(9, 8)))
    for horizon in HORIZONS:
        for a1, a2, b1, b2 in params:
            K, V = family_matrices_mp(2, [a1, a2], [b1, b2])
            derived = expr.subs({T: horizon, a_k[0]: a1, a_k[1]: a2, b_k[0]: b1, b_k[1]: b2})
            rows.append((f"T={horizon} a=({a1},{a2}) b=({b1},{b2})", mp(derived),
                         exact_loss(SKEWED, horizon, K, V)))
    return exact_comparison(rows, "(T, a_k, b_k) cases")
