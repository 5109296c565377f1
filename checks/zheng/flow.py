"""[Z] §4: the gradient flow of (a, b), its conservation law, solution, basin and stationary points."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core import notation
from mesaverify.checks.core.corruptions import in_pieces, in_tuple, nudge, scale_first_term, scale_hessian, swap_types
from mesaverify.checks.core.laws import LawSpec, numeric_law
from mesaverify.checks.core.numeric import FLOAT_EPS, entry_derivative, family_matrices_mp, hessian_type, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.zheng.common import (
    EXACT_LAWS,
    HORIZONS,
    LIMIT,
    POINTS,
    SYMBOLIC,
    R,
    at,
    exact_comparison,
    family_loss,
    numeric_star,
)
from mesaverify.derivations.zheng import flow, stationary
from mesaverify.derivations.zheng.symbols import T, a, b, d, tau
from mesaverify.numerics.zheng.flow import diagonal_init, integrate


@check("Z.flow.ode", kinds=("exact",), reference="[Z] §4, gradient flow of (a, b) (Lemma on the reduced dynamics)",
       claim="Restricted to the diagonal family, the flow of the full parameter set is da/dτ = −(1/d)∂L/∂a, "
             "db/dτ = −(1/d)∂L/∂b: each of the d entries carrying a (or b) moves with the full gradient, "
             "which is 1/d of the gradient of the reduced loss.",
       derive=lambda: sp.Tuple(*flow.flow_equations(SYMBOLIC, d)), equation=(r"\frac{da}{d\tau}", r"\frac{db}{d\tau}"),
       corruptions=(in_tuple(0, scale_first_term), in_tuple(1, lambda e: -e), lambda e: sp.Tuple(e[0] * d, e[1] * d)))
def flow_ode(expr) -> Comparison:
    rows = []
    da, db = expr
    for spec in EXACT_LAWS[:2]:
        for av, bv in POINTS:
            horizon, D = 4, spec.d
            K, V = family_matrices_mp(D, [av] * D, [bv] * D)
            for k in range(D):
                for name, derived, entry in (("da", da, ("K", D + k, k)), ("db", db, ("V", k, k))):
                    label = f"{spec.label()} a={av} b={bv} {name}/dτ entry {notation.entry(*entry)}"
                    rows.append((label, mp(at(derived, spec, horizon, a=av, b=bv)),
                                 -entry_derivative(spec, horizon, K, V, entry)))
                    rows.append((label + " (imaginary part)", mpmath.mpf(0),
                                 -entry_derivative(spec, horizon, K, V, entry, imaginary=True)))
    return exact_comparison(rows, "flow components (real and imaginary parts of each entry)")


def _flow_runs(spec: LawSpec, horizon: int, inits, times):
    """The full flow from each initialisation at two solver tolerances: (accurate run, error bound)."""
    law = numeric_law(spec)
    assert law is not None  # called with FLOW_LAW only, a discrete law
    pts, probs = law.as_arrays()
    out = []
    for av, bv in inits:
        K0, V0 = diagonal_init(spec.d, float(av), float(bv))
        fine = integrate(pts, probs, horizon, K0, V0, times, rtol=1e-12)
        coarse = integrate(pts, probs, horizon, K0, V0, times, rtol=1e-10)
        out.append((av, bv, fine, coarse))
    return out


# x_1 = (±1/2, ±1) up to order: sign-symmetric (Assumption 4.1 holds, the flow stays diagonal), with
# m₂, m₄, m₆, m_{2,4} all distinct, so that no two moments can be confused; its u* depends on d and T
FLOW_LAW = LawSpec("discrete", 2, support=tuple(sorted({(s * x, r * y) for x, y in ((R(1, 2), 1), (1, R(1, 2)))
                                                 for s in (1, -1) for r in (1, -1)})), probs=(R(1, 8),) * 8)
FLOW_T = 5
FLOW_INITS = ((R(1, 10), R(1, 10)), (R(1, 2), R(3, 2)), (R(2), R(2)), (R(0), R(1)), (R(1), R(-1)))


@check("Z.flow.invariant", kinds=("flow",), reference="[Z] §4 (conservation law of the two-layer flow)",
       claim="a² − b² is conserved along the flow.",
       derive=lambda: flow.conserved_quantity(SYMBOLIC, d), equation=r"Q(a, b)",
       corruptions=(scale_first_term, lambda e: a**2 + b**2))
def flow_invariant(expr) -> Comparison:
    Q = sp.lambdify((a, b), expr)
    times = np.linspace(0.0, 3.0, 31)
    worst, bound = 0.0, 0.0
    for av, bv, fine, coarse in _flow_runs(FLOW_LAW, FLOW_T, FLOW_INITS, times):
        q = Q(fine.a().real, fine.b().real)
        worst = max(worst, float(np.max(np.abs(q - float(Q(av, bv))))))
        qc = Q(coarse.a().real, coarse.b().real)
        bound = max(bound, float(np.max(np.abs(qc - q))) + 64 * FLOAT_EPS * float(np.max(np.abs(q)) + 1))
    return Comparison(worst, bound, f"{FLOW_LAW.label()}, T={FLOW_T}, (a₀, b₀) = "
                      f"{', '.join(notation.math((x, y)) for x, y in FLOW_INITS)}, "
                      f"τ ∈ [0, 3]; SciPy DOP853 on all 12d² real parameters at rtol 1e-12; tolerance = its "
                      f"distance to the rtol 1e-10 run plus 64 ulp (a bound on the accurate run's error); "
                      f"max |Q(τ) − Q(0)| = {worst:.3e}")


@check("Z.flow.solution", kinds=("flow",), cost="slow", reference="[Z] Theorem 4.1 (dynamics of ab)",
       claim="u = ab has a closed form along the flow: u = c₀w/(1 − w²) with w = b/a solving a Riccati "
             "equation (c₀ = a₀² − b₀² ≠ 0), and a logistic curve when a₀ = b₀.",
       derive=lambda: flow.ab_solution(SYMBOLIC, d), equation=r"u(\tau) = a(\tau)\, b(\tau)",
       corruptions=(in_pieces(nudge), lambda e: e.subs(T, T + 1)))
def flow_solution(expr) -> Comparison:
    times = np.linspace(0.0, 3.0, 31)
    worst, bound, lines = 0.0, 0.0, []
    for av, bv, fine, coarse in _flow_runs(FLOW_LAW, FLOW_T, FLOW_INITS, times):
        sol = at(expr, FLOW_LAW, FLOW_T, a0=av, b0=bv)
        f = sp.lambdify(tau, sol, "mpmath")
        with mpmath.workdps(30):
            derived = np.array([float(f(mpmath.mpf(x))) if x > 0 else float(av * bv) for x in times])
        num = (fine.a() * fine.b()).real
        err = float(np.max(np.abs(num - derived[:, None])))
        worst = max(worst, err)
        bound = max(bound, float(np.max(np.abs((coarse.a() * coarse.b()).real - num)))
                    + 64 * FLOAT_EPS * float(np.max(np.abs(num)) + 1))
        lines.append(f"(a₀,b₀)=({av},{bv}): ab(3) derived {derived[-1]:.12g}, flow {num[-1, 0]:.12g}")
    return Comparison(worst, bound, f"{FLOW_LAW.label()}, T={FLOW_T}, all entries of W^{{KQ}}, W^{{PV}} integrated "
                      "(DOP853 rtol 1e-12, tolerance from the rtol 1e-10 run); " + "; ".join(lines))


@check("Z.flow.basin", kinds=("flow",), cost="slow", reference="[Z] Theorem 4.1 (initialisations that converge)",
       claim="From (a₀, b₀) the flow reaches ab = u* unless a₀ + b₀ = 0, where it stalls at the saddle a = b = 0.",
       derive=lambda: flow.ab_limit_of_flow(SYMBOLIC, d), equation=LIMIT,
       corruptions=(in_pieces(nudge), lambda e: e.subs(T, T + 1)))
def flow_basin(expr) -> Comparison:
    inits = FLOW_INITS + ((R(-1), R(2)), (R(3, 10), R(-3, 10)), (R(-1, 2), R(-1, 2)))
    # On a₀ + b₀ = 0 the flow approaches the saddle as e^{−λτ}, and float round-off off that line grows
    # as e^{+λτ} at the same rate: those runs are read at τ = 5, 10, before round-off can reach 1e-8.
    stalling = [i for i in inits if i[0] + i[1] == 0]
    runs = (_flow_runs(FLOW_LAW, FLOW_T, [i for i in inits if i not in stalling], np.array([0.0, 20.0, 40.0]))
            + _flow_runs(FLOW_LAW, FLOW_T, stalling, np.array([0.0, 5.0, 10.0])))
    worst, lines = 0.0, []
    for av, bv, fine, coarse in runs:
        derived = float(at(expr, FLOW_LAW, FLOW_T, a0=av, b0=bv))
        ab = (fine.a() * fine.b()).real
        err = float(np.max(np.abs(ab[-1] - derived)))
        # monotone exponential approach: the error at τ is below |ab(τ) − ab(τ/2)|; plus solver error
        bound = (float(np.max(np.abs(ab[-1] - ab[-2])))
                 + float(np.max(np.abs((coarse.a() * coarse.b()).real[-1] - ab[-1]))) + 64 * FLOAT_EPS)
        worst = max(worst, err / bound)
        lines.append(f"({av},{bv}) → ab({fine.times[-1]:g}) = {ab[-1, 0]:.10g} (derived limit {derived:.10g}, "
                     f"error {err:.1e}, bound {bound:.1e})")
    return Comparison(worst, 1.0, f"{FLOW_LAW.label()}, T={FLOW_T}; max_error is the largest ratio of error "
                      "to its bound (convergence tail |ab(τ) − ab(τ/2)| + solver error), τ = 40, or 10 on a₀ + b₀ = 0; " + "; ".join(lines))


# ---------------------------------------------------------------------------------------------
def _stationary_derivation():
    points = stationary.stationary_points(SYMBOLIC, d)
    return sp.Tuple(*[sp.Tuple(p["hessian"], sp.Symbol(p["type"])) for p in points])


@check("Z.stationary.types", kinds=("exact",), reference="[Z] §4 (landscape of the reduced loss)",
       claim="The stationary points of L(a, b) are the origin (a strict saddle) and the hyperbola "
             "ab = u* (global minima, degenerate along the hyperbola), for every d ≥ 1, T ≥ 3.",
       derive=_stationary_derivation,
       equation=((r"\nabla^2 L(0, 0)", r"\text{type}"), (r"\nabla^2 L\big|_{ab = u^*}", r"\text{type}")),
       corruptions=(swap_types, scale_hessian))
def stationary_types(expr) -> Comparison:
    (H0, type0), (H1, type1) = expr
    rows, mismatch = [], []
    for spec in EXACT_LAWS[:2]:
        for horizon in HORIZONS:
            star = None
            for (H, kind), name in (((H0, type0), "origin"), ((H1, type1), "hyperbola")):
                if name == "origin":
                    pa, pb = mpmath.mpf(0), mpmath.mpf(0)
                else:
                    star = numeric_star(spec, horizon)
                    pa, pb = mpmath.mpf(3) / 2, star * 2 / 3

                def f(x, y):
                    return family_loss(spec, horizon, x, y)

                Hn = mpmath.matrix([[mpmath.diff(f, (pa, pb), (2, 0)), mpmath.diff(f, (pa, pb), (1, 1))],
                                    [mpmath.diff(f, (pa, pb), (1, 1)), mpmath.diff(f, (pa, pb), (0, 2))]])
                grad = [mpmath.diff(f, (pa, pb), (1, 0)), mpmath.diff(f, (pa, pb), (0, 1))]
                Hd = at(H, spec, horizon, a=sp.nsimplify(pa) if name == "origin" else R(3, 2))
                for r in range(2):
                    for c in range(2):
                        rows.append((f"{spec.label()} T={horizon} {name} H[{r},{c}]", mp(Hd[r, c]), Hn[r, c]))
                    rows.append((f"{spec.label()} T={horizon} {name} ∂L/∂{'ab'[r]}", mpmath.mpf(0), grad[r]))
                numeric_type = hessian_type(Hn, zero=mpmath.mpf(10) ** -30)
                if numeric_type != str(kind):
                    mismatch.append(f"{spec.label()} T={horizon} {name}: derived {kind}, numeric {numeric_type}")
    result = exact_comparison(rows, "Hessian entries and gradients (mpmath.diff on the exact loss)")
    if mismatch:
        return Comparison(math.inf, result.tolerance, "type mismatch: " + "; ".join(mismatch))
    return result
