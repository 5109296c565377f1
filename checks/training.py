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

from checks.numeric import FLOAT_EPS, rel
from checks.registry import Comparison, check
from derivations import moments
from derivations.zheng.flow import ab_solution
from derivations.zheng.stationary import ab_limit
from derivations.zheng.symbols import a0 as A0, b0 as B0, tau
from numerics.zheng import train as tr

D, HORIZON = 2, 4  # small sizes keep `verify` fast
END_TOL = 1e-6  # issue 4: a simulation ends within 1e-6 (relative) of its empirical limit
SIGNS = np.array(list(itertools.product((1, -1), repeat=D)), dtype=float)
ONES = np.ones((1, D))


def _rademacher():
    return moments.by_name("rademacher", D)


def _ones():
    return moments.by_name("ones", D)


def _run(points, a0, b0, lr, epochs, mask=False):
    loss_fn = tr.EmpiricalLoss(tr.phase_grid(points, HORIZON))
    K, V = tr.diagonal_init(D, a0, b0)
    return loss_fn, tr.train(loss_fn, K, V, lr, epochs, mask=mask)


@check(
    "Z.sim.empirical_limit",
    claim="Gradient descent on every entry of (W^KQ, W^PV) ends at the minimiser of its empirical "
          "loss on the diagonal family; on a phase-grid Rademacher data set that is the derived lim ab",
    reference="[Z] Thm 4.1, Figure 1; issue 4",
    derive=lambda: ab_limit(_rademacher(), D, HORIZON),
)
def empirical_limit(expr):
    loss_fn, (_, _, hist) = _run(SIGNS, 0.5, 0.5, lr=0.05, epochs=300)
    empirical = tr.ab_empirical_limit(loss_fn.seqs)
    derived = float(sp.N(expr, 20))
    errors = {"derived vs empirical": rel(derived, empirical), "trained vs empirical": rel(hist.ab[-1], empirical)}
    return Comparison(
        max(errors.values()), END_TOL,
        f"derived {derived:.15g}, empirical minimiser {empirical:.15g} (from x_1 and θ), "
        f"trained {hist.ab[-1]:.15g} after 300 epochs (lr 0.05, m = {loss_fn.m}, d = {D}, T = {HORIZON}); "
        + ", ".join(f"{k}: {v:.2e}" for k, v in errors.items()),
        notes=(f"largest off-diagonal norm along the run: {max(hist.offdiag):.1e}",),
    )


@check(
    "Z.sim.ode",
    claim="For small learning rates the trained ab follows the derived closed-form flow at τ = lr·epochs",
    reference="[Z] §4 (gradient flow), Figure 1; issue 4",
    derive=lambda: ab_solution(_rademacher(), D, HORIZON),
)
def ode(expr):
    """GD is Euler's method on the flow: error ≈ C·lr.  Runs at lr and lr/2 give the Richardson
    value 2u_{lr/2} − u_lr (error O(lr²)) and the estimate |u_lr − u_{lr/2}| of u_{lr/2}'s own
    error; the extrapolated trajectory must be within that estimate of the closed form."""
    a0, b0, lr, epochs = 0.5, 1.5, 0.002, 200
    runs = [_run(SIGNS, a0, b0, lr / h, epochs * h)[1][2].ab for h in (1, 2)]
    coarse, fine = np.array(runs[0]), np.array(runs[1][::2])
    richardson = 2 * fine - coarse
    u = sp.lambdify(tau, expr.subs({A0: sp.Rational(1, 2), B0: sp.Rational(3, 2)}), "mpmath")
    with mpmath.workdps(30):
        exact = np.array([float(u(mpmath.mpf(lr) * n)) for n in range(epochs + 1)])
    scale = np.max(np.abs(exact))
    error = float(np.max(np.abs(richardson - exact)) / scale)
    tolerance = float(np.max(np.abs(fine - coarse)) / scale)
    return Comparison(
        error, tolerance,
        f"max |2u_(lr/2) − u_lr − u(τ)|/max|u| = {error:.2e} over τ ∈ [0, {lr * epochs:g}] "
        f"(lr {lr}, (a0, b0) = ({a0}, {b0}), d = {D}, T = {HORIZON}); first-order error estimate "
        f"max|u_lr − u_(lr/2)|/max|u| = {tolerance:.2e}; u(τ_end) derived {exact[-1]:.10g}, trained {fine[-1]:.10g}",
    )


@check(
    "Z.sim.masked_ones",
    claim="All-ones law: with the off-diagonal gradient of W^KQ_21, W^PV_1 masked the run stays on "
          "the diagonal family and ends at the derived lim ab; unmasked it leaves the family",
    reference="[Z] §4 (beyond Assumption 4.1), appendix figures; issue 4",
    derive=lambda: ab_limit(_ones(), D, HORIZON),
)
def masked_ones(expr):
    epochs = 300
    _, (K, V, masked) = _run(ONES, 0.5, 0.5, lr=0.05, epochs=epochs, mask=True)
    _, (_, _, free) = _run(ONES, 0.5, 0.5, lr=0.05, epochs=epochs)
    derived = float(sp.N(expr, 20))
    # rounding: each step adds at most a few ulps of the largest entry to any entry
    drift_tol = 4 * FLOAT_EPS * epochs * float(max(np.abs(K).max(), np.abs(V).max()))
    errors = (rel(masked.ab[-1], derived) / END_TOL, max(masked.offdiag) / drift_tol)
    return Comparison(
        max(errors), 1.0,
        f"masked: ab {masked.ab[-1]:.15g} vs derived {derived:.15g} (rel {rel(masked.ab[-1], derived):.1e}, "
        f"tolerance {END_TOL:g}); max off-diagonal norm {max(masked.offdiag):.1e} (rounding bound {drift_tol:.1e}); "
        f"unmasked: ab {free.ab[-1]:.6g}, off-diagonal norm {free.offdiag[-1]:.3g}; max error shown in units of tolerance",
        notes=(f"unmasked all-ones run leaves the diagonal family: off-diagonal norm {free.offdiag[-1]:.3g}, "
               f"ab {free.ab[-1]:.6g} ≠ {derived:.6g}",),
    )
