"""[Z] §4: the gradient-flow ODE for (a, b), its conserved quantity and its closed-form solution.

The full flow treats every real and imaginary part of W^{KQ}, W^{PV} as a
parameter: dθ/dτ = −∇L(θ).  On the diagonal family the entries that carry
`a` are the d entries W^{KQ}_{d+k,k}; by the chain rule
∂L_diag/∂a = Σ_k ∂L/∂a_k, and when the d partials are equal (exchangeable
law) each is (1/d) ∂L_diag/∂a.  Hence

    da/dτ = −(1/d) ∂L/∂a,   db/dτ = −(1/d) ∂L/∂b,

with L(a, b) = α(ab)² + βab + γ.  Writing K = 2α, u* = −β/(2α):

* a² − b² is conserved (c₀ = a₀² − b₀²);
* u = ab obeys du/dτ = −(K/d)(a² + b²)(u − u*), a² + b² = √(c₀² + 4u²);
* w = b/a obeys the Riccati equation dw/dτ = −(K/d)(u* w² + c₀ w − u*),
  solved in closed form, and u = c₀ w / (1 − w²);
* when c₀ = 0 (a₀ = ±b₀) u obeys the logistic equation du/dτ = −(2K/d)|u|(u − u*).
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.zheng.loss import diagonal_loss, per_coordinate_loss
from mesaverify.derivations.zheng.stationary import reduced_coefficients
from mesaverify.derivations.zheng.symbols import T, a, a0, a_k, b, b0, b_k, tau


def flow_equations(law, d, horizon=T) -> tuple[sp.Expr, sp.Expr]:
    """(da/dτ, db/dτ) = −(1/d) ∇L(a, b)."""
    loss = diagonal_loss(law, d, horizon)
    return (sp.expand(-sp.diff(loss, a) / d), sp.expand(-sp.diff(loss, b) / d))


def entry_gradient_factor(law, d: int, horizon=T) -> list[sp.Expr]:
    """∂L/∂a_k at the diagonal point divided by ∂L_diag/∂a, for each k (1/d under exchangeability)."""
    loss_pc = per_coordinate_loss(law, d, horizon)
    diag = {a_k[m]: a for m in range(d)} | {b_k[m]: b for m in range(d)}
    total = sp.diff(diagonal_loss(law, d, horizon), a)
    return [sp.simplify(sp.diff(loss_pc, a_k[m]).subs(diag) / total) for m in range(d)]


def conserved_quantity(law, d, horizon=T) -> sp.Expr:
    """a² − b², with its time derivative along the flow simplified to zero (else an error)."""
    da, db = flow_equations(law, d, horizon)
    quantity = a**2 - b**2
    rate = sp.simplify(sp.diff(quantity, a) * da + sp.diff(quantity, b) * db)
    if rate != 0:
        raise ValueError(f"a² − b² is not conserved: d/dτ = {rate}")
    return quantity


def ab_solution(law, d, horizon=T) -> sp.Expr:
    """u(τ) = a(τ) b(τ) in closed form, as a Piecewise on c₀ = a₀² − b₀² (zero or not)."""
    alpha, beta, _ = reduced_coefficients(law, d, horizon)
    K, star = 2 * alpha, -beta / (2 * alpha)
    c0 = a0**2 - b0**2
    # c₀ ≠ 0: Riccati for w = b/a, roots w± of u* w² + c₀ w − u* = 0
    S = sp.sqrt(c0**2 + 4 * star**2)
    wp, wm = (-c0 + S) / (2 * star), (-c0 - S) / (2 * star)
    rho = (b0 - wp * a0) / (b0 - wm * a0)  # (w₀ − w₊)/(w₀ − w₋) with w₀ = b₀/a₀, valid at a₀ = 0
    E = sp.exp(-K * S * tau / d)
    num, den = wp - rho * wm * E, 1 - rho * E  # w = num/den
    general = c0 * num * den / (den**2 - num**2)  # c₀ w/(1 − w²), finite where a = 0
    # c₀ = 0, a₀ = b₀: logistic; a₀ = −b₀: u₀ ≤ 0 decays to the saddle at 0
    u0 = a0 * b0
    logistic = star * u0 / (u0 + (star - u0) * sp.exp(-2 * K * star * tau / d))
    toward_saddle = u0 * star / (u0 + (star - u0) * sp.exp(2 * K * star * tau / d))
    return sp.Piecewise(
        (general, sp.Ne(c0, 0)),
        (logistic, sp.Gt(u0, 0)),
        (toward_saddle, True),
    )


def ab_limit_of_flow(law, d, horizon=T) -> sp.Expr:
    """lim_{τ→∞} a(τ)b(τ) as a function of (a₀, b₀): u* unless a₀ + b₀ = 0, where the flow stalls at 0.

    From the closed form: for c₀ ≠ 0, w → w₊ and u → u*; for a₀ = b₀ the
    logistic curve tends to u*; for a₀ = −b₀, u₀ ≤ 0 decays to the saddle.
    """
    alpha, beta, _ = reduced_coefficients(law, d, horizon)
    return sp.Piecewise((0, sp.Eq(a0 + b0, 0)), (-beta / (2 * alpha), True))
