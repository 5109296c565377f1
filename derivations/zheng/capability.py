"""[Z] §4.2: capability of the trained mesa-optimiser (Assumption 4.2, Theorem 4.2), derived.

With ab at its trained limit u* (training horizon T), the test error at
context length t is ℓ_t(u*) = E[½‖ŷ_t − x_{t+1}‖²] — the per-t loss, now
read at any t — and the sequence is recovered iff lim_{t→∞} ℓ_t(u*) = 0.
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.expectation import Term, expect, mul
from mesaverify.derivations.factoring import factor
from mesaverify.derivations.zheng.loss import diagonal_loss, in_u, loss_at_t
from mesaverify.derivations.zheng.model import DIAGONAL, prediction
from mesaverify.derivations.zheng.stationary import ab_limit
from mesaverify.derivations.zheng.symbols import HORIZON, T, a, b, t, u

k = sp.Symbol("k", integer=True)


def test_error(law, d, horizon=T) -> sp.Expr:
    """E[½‖ŷ_t − x_{t+1}‖²] at ab = u*, as a function of the test context t ≥ 2."""
    per_t = in_u(loss_at_t(DIAGONAL, law, d))
    return sp.simplify(per_t.subs(u, ab_limit(law, d, horizon)))


def test_error_limit(law, d, horizon=T) -> sp.Expr:
    """lim_{t→∞} of the test error at the trained limit: the per-t loss is a quadratic in u = ab whose
    coefficients have limits in t, and u* does not depend on t (else the limit of the whole)."""
    per_t = in_u(loss_at_t(DIAGONAL, law, d))
    limits = [sp.limit(c, t, sp.oo) for c in sp.Poly(per_t, u).all_coeffs()]
    if not all(c.is_finite for c in limits):
        return sp.simplify(sp.limit(test_error(law, d, horizon), t, sp.oo))
    star = ab_limit(law, d, horizon)
    return factor(sp.together(sum(c * star**n for n, c in enumerate(reversed(limits)))))


def ratio(law, d, horizon=T) -> sp.Expr:
    """E[ŷ_{t,k} / x_{t+1,k} | x_{1,k} ≠ 0] at ab = u* (the quantity [Z] plots against 0.2).

    Every term of ŷ_{t,k} carries the factor x_k, so ŷ_{t,k}/x_{t+1,k} is a
    polynomial in x_1 that vanishes with x_k; its mean over coordinates with
    x_k ≠ 0 is the unconditional mean divided by P(x_k ≠ 0).
    """
    inverse_target = Term(sp.Integer(1), ((k, -1, 0),), ((k, -(t)),))  # 1/x_{t+1,k}
    terms = [mul(s, inverse_target, keep=(k,)) for s in prediction(DIAGONAL, k)]
    per = expect(terms, law, d, HORIZON) / d / law.nonzero_probability()
    return sp.simplify(per.subs(a * b, u).subs(a, u / b).subs(u, ab_limit(law, d, horizon)))


def assumption_4_2(law, d, horizon=T) -> tuple[sp.Expr, sp.Expr]:
    """The derived Assumption 4.2: lim_t test error = 0 ⇔ both returned expressions vanish.

    The limit is (d/2)·N/K² with N a polynomial in m_{2,4} whose
    coefficients are sums of squares times non-negative moments: at
    m_{2,4} = 0 it factors into a positive part times (m₂m₆ − m₄²) ≥ 0
    (Cauchy–Schwarz), and once that vanishes what is left is a positive
    multiple of ((d−1) m_{2,4})².  So the limit vanishes iff
    m₂m₆ − m₄² = 0 and (d − 1) m_{2,4} = 0.
    """
    from mesaverify.derivations.moments import moment_symbol
    m2, m4, m6 = (moment_symbol(((p, p),)) for p in (1, 2, 3))
    m24 = moment_symbol(((1, 1), (2, 2)))
    N = recovery_condition(law, d, horizon)["numerator"]
    at_zero = factor(N.subs(m24, 0))
    indefinite = [f for f in sp.Mul.make_args(at_zero) if not _positive(f)]
    if len(indefinite) != 1:
        raise ValueError(f"cannot isolate the condition at m_(2,4) = 0: {at_zero}")
    first = indefinite[0]
    rest = factor(sp.expand(N.subs(m4**2, m2 * m6)))
    second = factor(sp.Mul(*[f.base if isinstance(f, sp.Pow) else f
                                for f in sp.Mul.make_args(rest) if not _positive(f)]))
    return sp.expand(first), second


def _positive(f) -> bool:
    """True for factors positive whenever T ≥ 3 and m₂, m₆ > 0 (other moments may vanish)."""
    base = f.base if isinstance(f, sp.Pow) and f.exp % 2 == 0 else f
    if isinstance(base, sp.harmonic):
        return True  # H_{T−2} ≥ 1 for T ≥ 3
    may_vanish = {s: sp.Symbol(s.name, nonnegative=True) for s in base.free_symbols
                  if s.name.startswith("m_{") and s.name not in ("m_{2}", "m_{6}")}
    shifted = sp.simplify(base.xreplace(may_vanish).subs(T, T + 3))
    return bool(shifted.is_positive)


def recovery_condition(law, d, horizon=T) -> dict:
    """Necessary and sufficient moment conditions for lim_t test error = 0 (derived Assumption 4.2).

    The limit is (d/2)(m₆u*² − 2m₄u* + m₂) = (d/2)·N/K² with K the curvature
    of the reduced loss; N is collected in c = (d−1) m_{2,4} H_{T−2} as
    N = A c² + B c + C.  Each coefficient is returned factored, so that its
    sign can be read off (Cauchy–Schwarz gives m₂m₆ ≥ m₄²).
    """
    reduced = in_u(diagonal_loss(law, d, horizon))
    alpha, beta, gamma = sp.Poly(reduced, u).all_coeffs()
    star = -beta / (2 * alpha)
    limit = test_error_limit(law, d, horizon)
    numerator = factor(sp.together(limit)).as_numer_denom()[0]
    return {"limit": limit, "u_star": sp.simplify(star), "numerator": sp.expand(numerator)}
