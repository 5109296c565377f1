"""[Z] Figure 1 in miniature: the gradient-descent trainer held against the derived limit and flow.

Each run trains every entry of W^{KQ}, W^{PV} on a phase-grid data set
(numerics.zheng.train.phase_grid): all support points of a finite law with
every θ on a grid fine enough that the empirical loss IS the population loss
of that law.  So a run must (i) stay where the population flow stays, (ii)
end at the minimiser of its own empirical loss on the diagonal family, which
is computed independently from x_1 and the phases, and (iii) follow the
derived ODE with τ = lr·epochs (the empirical loss is a sum over t, like L).
"""


from __future__ import annotations

import itertools

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.corruptions import nudge
from mesaverify.checks.core.laws import LawSpec
from mesaverify.checks.core.numeric import FLOAT_EPS, rel
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.zheng.common import LIMIT
from mesaverify.derivations.zheng.flow import ab_solution
from mesaverify.derivations.zheng.stationary import ab_limit
from mesaverify.derivations.zheng.symbols import a0 as A0
from mesaverify.derivations.zheng.symbols import b0 as B0
from mesaverify.derivations.zheng.symbols import tau
from mesaverify.numerics.memo import memo
from mesaverify.numerics.zheng import train as tr

D, HORIZON = 2, 4  # small sizes keep `verify` fast
END_TOL = 1e-6  # a simulation ends within 1e-6 (relative) of its empirical limit
FLOAT_TOL = 1e3 * FLOAT_EPS  # two float64 evaluations of one number (sums of O(m·T) terms of size ~1)
SIGNS = np.array(list(itertools.product((1, -1), repeat=D)), dtype=float)
ONES = np.ones((1, D))


def _rademacher():
    return LawSpec("rademacher", D).exact()


def _ones():
    return LawSpec("ones", D).exact()


@memo
def _run(points, a0, b0, lr, epochs, mask=False):
    loss_fn = tr.EmpiricalLoss(tr.phase_grid(points, HORIZON))
    K, V = tr.diagonal_init(D, a0, b0)
    return loss_fn, tr.train(loss_fn, K, V, lr, epochs, mask=mask)


@check(
    "Z.sim.empirical_limit", kinds=("training",),
    claim="Gradient descent on every entry of (W^{KQ}, W^{PV}) ends at the minimiser of its empirical "
          "loss on the diagonal family; on a phase-grid Rademacher data set that is the derived lim ab",
    reference="[Z] Thm 4.1, Figure 1",
    derive=lambda: ab_limit(_rademacher(), D, HORIZON), equation=LIMIT,
    corruptions=(lambda e: e * (1 + sp.Rational(1, 10**5)), lambda e: 1 / e, nudge),
)
def empirical_limit(expr):
    loss_fn, (_, _, hist) = _run(SIGNS, 0.5, 0.5, lr=0.05, epochs=300)
    empirical = tr.ab_empirical_limit(loss_fn.seqs)
    derived = float(sp.N(expr, 20))
    # the derived limit against the data set's own minimiser: two float64 evaluations of one number
    errors = {"derived vs empirical": rel(derived, empirical) / FLOAT_TOL,
              "trained vs empirical": rel(hist.ab[-1], empirical) / END_TOL}
    return Comparison(
        max(errors.values()), 1.0,
        f"derived {derived:.15g}, empirical minimiser {empirical:.15g} (from x_1 and θ), "
        f"trained {hist.ab[-1]:.15g} after 300 epochs (lr 0.05, m = {loss_fn.m}, d = {D}, T = {HORIZON}); "
        f"errors in units of their tolerances (derived vs empirical: {FLOAT_TOL:.0e}, float64; trained vs "
        f"empirical: {END_TOL:g}): " + ", ".join(f"{k}: {v:.2e}" for k, v in errors.items()),
        notes=(f"largest off-diagonal norm along the run: {max(hist.offdiag):.1e}",),
    )


@check(
    "Z.sim.ode", kinds=("training",), cost="slow",
    claim="For small learning rates the trained ab follows the derived closed-form flow at τ = lr·epochs "
          "(from a₀² ≠ b₀², a₀ = b₀ and a₀ = −b₀: every branch of the solution)",
    reference="[Z] §4 (gradient flow), Figure 1",
    derive=lambda: ab_solution(_rademacher(), D, HORIZON), equation=r"u(\tau)",
    corruptions=(lambda e: e.subs(tau, tau * sp.Rational(11, 10)), lambda e: e * sp.Rational(101, 100),
                 lambda e: e.subs(A0, A0 * sp.Rational(11, 10)),
                 lambda e: sp.Piecewise(*[(-v if n == 1 else v, c) for n, (v, c) in enumerate(e.args)]),  # a0 = b0
                 lambda e: sp.Piecewise(*[(nudge(v) if n == 0 else v, c) for n, (v, c) in enumerate(e.args)])),
)
def ode(expr):
    """GD is Euler's method on the flow: u_h(τ) = u(τ) + c₁h + c₂h² + c₃h³ + O(h⁴).  Runs at
    h, h/2, h/4, h/8 fill a Richardson table R_k(i) = (2^k R_{k−1}(i+1) − R_{k−1}(i))/(2^k − 1);
    the top value R_3 has error O(h⁴), and the change of R_2 between its two entries, an O(h³)
    estimate of R_2's own error, bounds it.  The extrapolated trajectory must be within that
    bound of the closed form."""
    lr, epochs, worst, lines = 0.008, 50, 0.0, []
    for a0, b0 in ((0.5, 1.5), (0.5, 0.5), (0.5, -0.5)):
        table = [[np.array(_run(SIGNS, a0, b0, lr / h, epochs * h)[1][2].ab)[::h] for h in (1, 2, 4, 8)]]
        for k in (1, 2, 3):
            prev = table[-1]
            table.append([(2**k * prev[i + 1] - prev[i]) / (2**k - 1) for i in range(len(prev) - 1)])
        u = sp.lambdify(tau, expr.subs({A0: sp.nsimplify(a0), B0: sp.nsimplify(b0)}), "mpmath")
        with mpmath.workdps(30):
            exact = np.array([float(u(mpmath.mpf(lr) * n)) for n in range(epochs + 1)])
        scale = np.max(np.abs(exact))
        error = float(np.max(np.abs(table[3][0] - exact)) / scale)
        bound = float(np.max(np.abs(table[2][1] - table[2][0])) / scale) + 64 * FLOAT_EPS
        worst = max(worst, error / bound)
        lines.append(f"(a0, b0) = ({a0}, {b0}): error {error:.2e}, bound {bound:.2e}, u(τ_end) derived "
                     f"{exact[-1]:.12g}, extrapolated {table[3][0][-1]:.12g}")
    return Comparison(
        worst, 1.0,
        f"max over τ ∈ [0, {lr * epochs:g}] of |R_3 − u(τ)|/max|u|, R_3 the Richardson value of GD at h = {lr}, "
        f"h/2, h/4, h/8 (d = {D}, T = {HORIZON}), against the change of R_2; max_error = error/bound; "
        + "; ".join(lines),
    )


@check(
    "Z.sim.masked_ones", kinds=("training",),
    claim="All-ones law: with the off-diagonal gradient of W^{KQ}_{21}, W^{PV}_1 masked the run stays on "
          "the diagonal family and ends at the derived lim ab; unmasked it leaves the family",
    reference="[Z] §4 (beyond Assumption 4.1), appendix figures",
    derive=lambda: ab_limit(_ones(), D, HORIZON), equation=LIMIT,
    corruptions=(lambda e: e * (1 + sp.Rational(1, 10**5)), lambda e: e + 1, nudge),
)
def masked_ones(expr):
    epochs = 300
    _, (K, V, masked) = _run(ONES, 0.5, 0.5, lr=0.05, epochs=epochs, mask=True)
    _, (_, _, free) = _run(ONES, 0.5, 0.5, lr=0.05, epochs=epochs)
    derived = float(sp.N(expr, 20))
    empirical = tr.ab_empirical_limit(tr.phase_grid(ONES, HORIZON))  # the data set's own minimiser
    # rounding: each step adds at most a few ulps of the largest entry to any entry
    drift_tol = 4 * FLOAT_EPS * epochs * float(max(np.abs(K).max(), np.abs(V).max()))
    errors = (rel(masked.ab[-1], derived) / END_TOL, max(masked.offdiag) / drift_tol,
              rel(derived, empirical) / FLOAT_TOL)
    return Comparison(
        max(errors), 1.0,
        f"masked: ab {masked.ab[-1]:.15g} vs derived {derived:.15g} (rel {rel(masked.ab[-1], derived):.1e}, "
        f"tolerance {END_TOL:g}); max off-diagonal norm {max(masked.offdiag):.1e} (rounding bound {drift_tol:.1e}); "
        f"derived vs the data set's empirical minimiser {empirical:.15g} (rel {rel(derived, empirical):.1e}, "
        f"tolerance {FLOAT_TOL:.0e}); unmasked: ab {free.ab[-1]:.6g}, off-diagonal norm {free.offdiag[-1]:.3g}; "
        f"max error shown in units of tolerance",
        notes=(f"unmasked all-ones run leaves the diagonal family: off-diagonal norm {free.offdiag[-1]:.3g}, "
               f"ab {free.ab[-1]:.6g} ≠ {derived:.6g}",),
    )
