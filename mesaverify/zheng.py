"""[Z] for the library: the derived results for a law of x_1, which carries its dimension d.

Every function returns exact SymPy expressions; the horizon T stays symbolic unless given.

>>> import mesaverify as mv
>>> mv.zheng.limit(mv.laws.sparse(d=3, c=2), T=7)
1/4
>>> mv.zheng.limit(mv.laws.symbolic(d=5), T=4)
m_{4}/(3*m_{2,4} + m_{6})
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.moments import InvalidLaw
from mesaverify.derivations.zheng import assumption as _assumption
from mesaverify.derivations.zheng import capability as _capability
from mesaverify.derivations.zheng import flow as _flow
from mesaverify.derivations.zheng import loss as _loss
from mesaverify.derivations.zheng import stationary as _stationary
from mesaverify.derivations.zheng.symbols import T as _T
from mesaverify.derivations.zheng.symbols import a, a0, b, b0, t, tau  # noqa: F401  (the names results use)
from mesaverify.laws import exact as _exact


def _horizon(T):
    if T is None:
        return _T
    if not isinstance(T, int) or isinstance(T, bool) or T < 3:
        raise InvalidLaw(f"the horizon T must be an integer >= 3, got {T!r}")
    return T


def loss(law, T=None) -> sp.Expr:
    """L(a, b) = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] on the diagonal family W^{KQ}_{21} = aI, W^{PV}_1 = bI.
    Example: ``mv.zheng.loss(mv.laws.ones(d=2), T=4)``."""
    law = _exact(law)
    return _loss.diagonal_loss(law, law.d, _horizon(T))


def limit(law, T=None) -> sp.Expr:
    """lim_{τ→∞} ab under the gradient flow from the diagonal initialisation ([Z] Theorem 4.1).
    Example: ``mv.zheng.limit(mv.laws.gaussian(d=5, sigma=1), T=100)``."""
    law = _exact(law)
    return _stationary.ab_limit(law, law.d, _horizon(T))


def flow(law, T=None) -> tuple[sp.Expr, sp.Expr]:
    """(da/dτ, db/dτ) = −(1/d) ∇L(a, b), the gradient flow on the diagonal family.
    Example: ``mv.zheng.flow(mv.laws.rademacher(d=2), T=5)``."""
    law = _exact(law)
    return _flow.flow_equations(law, law.d, _horizon(T))


def solution(law, T=None) -> sp.Expr:
    """ab(τ) in closed form from (a₀, b₀) (Riccati in b/a). Example: ``mv.zheng.solution(mv.laws.ones(d=2), T=5)``."""
    law = _exact(law)
    return _flow.ab_solution(law, law.d, _horizon(T))


def stationary(law, T=None) -> list[dict]:
    """The stationary points of L(a, b) with Hessian, eigenvalues and type (saddle / minimum).
    Example: ``[p["type"] for p in mv.zheng.stationary(mv.laws.ones(d=2), T=5)]``."""
    law = _exact(law)
    return _stationary.stationary_points(law, law.d, _horizon(T))


def assumption(law, T=None) -> dict:
    """Assumption 4.1 (the flow stays diagonal) and 4.2 (the test error vanishes as t → ∞) for the law, derived:
    ``{"4.1": bool, "4.1_violations": [...], "4.2": bool, "4.2_conditions": (expr, expr)}``.
    Example: ``mv.zheng.assumption(mv.laws.sparse(d=2, c=1), T=10)["4.1"]``."""
    law = _exact(law)
    horizon = _horizon(T)
    out41 = _assumption.assumption_4_1(law, law.d, horizon)
    conditions = tuple(sp.simplify(c) for c in _capability.assumption_4_2(law, law.d, horizon))
    return {"4.1": out41["holds"], "4.1_violations": out41["violations"],
            "4.2": all(c == 0 for c in conditions), "4.2_conditions": conditions}


def test_error_limit(law, T=None) -> sp.Expr:
    """lim_{t→∞} of the test error E[½‖ŷ_t − x_{t+1}‖²] at the trained limit ab = u*.
    Example: ``mv.zheng.test_error_limit(mv.laws.sparse(d=2, c=1), T=10)``."""
    law = _exact(law)
    return _capability.test_error_limit(law, law.d, _horizon(T))


def ratio(law, T=None) -> sp.Expr:
    """E[ŷ_{t,k}/x_{t+1,k} | x_k ≠ 0] at the trained limit (the ratio [Z] plots).
    Example: ``mv.zheng.ratio(mv.laws.gaussian(d=5), T=100)``."""
    law = _exact(law)
    return _capability.ratio(law, law.d, _horizon(T))
