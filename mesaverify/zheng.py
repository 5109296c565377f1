"""[Z] for the library: the derived results for a law of x_1, which carries its dimension d.

Every function returns exact SymPy expressions; the horizon T stays symbolic unless given.  The results on the
diagonal family (`limit`, `flow`, `solution`, `stationary`, `test_error_limit`, `ratio`) hold only where the
flow from the diagonal initialisation stays on it: each checks that first, exactly, for the law, d and T
(Assumption 4.1 as derived; for every T when T is symbolic) and raises `mesaverify.errors.OutsideHypotheses`
(exit code 3 on the command line) naming the failing identity and the off-family gradient.  `family` says which
family holds the flow and gives the per-coordinate limits where that one does.  `loss` and `assumption` need no
hypothesis.  For `laws.symbolic` (moments as symbols) the hypothesis is stated, not checked: the result is the
formula for every exchangeable law satisfying Assumption 4.1.

>>> import mesaverify as mv
>>> mv.zheng.limit(mv.laws.sparse(d=3, c=2), T=7)
1/4
>>> mv.zheng.limit(mv.laws.symbolic(d=5), T=4)
m_{4}/(3*m_{2,4} + m_{6})
"""
from __future__ import annotations

import sympy as sp

from mesaverify import limits as _limits
from mesaverify.derivations.given import derive_all as _derive_all
from mesaverify.derivations.hypotheses import OutsideHypotheses as _OutsideHypotheses
from mesaverify.derivations.moments import InvalidLaw
from mesaverify.derivations.zheng import assumption as _assumption
from mesaverify.derivations.zheng import capability as _capability
from mesaverify.derivations.zheng import closed as _closed
from mesaverify.derivations.zheng import flow as _flow
from mesaverify.derivations.zheng import invariance as _invariance
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


def _inside(law, T, result: str):
    """The exact law, after checking that the flow stays on the diagonal family for it (else OutsideHypotheses)."""
    law = _exact(law)
    _derive_all(law, lambda one: _invariance.require_diagonal(one, one.d, _horizon(T), result))
    return law


def family(law, T=None) -> dict:
    """Which family the flow from the diagonal initialisation stays in, checked exactly:
    ``{"family": "diagonal" | "per-coordinate" | None, "statement", "reason", "limits"}``, `limits` the
    per-coordinate lim a_k b_k (a_0*b_0 where x_k = 0 almost surely: a_k, b_k do not move).
    Example: ``mv.zheng.family(mv.laws.discrete([[1, 0], [0, "1/3"]], ["1/3", "2/3"]), T=10)["limits"]``."""
    law = _exact(law)
    found = _derive_all(law, lambda one: _invariance.family(one, one.d, _horizon(T)))
    return {"family": found.name, "statement": found.statement() if found.name else "", "reason": found.reason,
            "limits": found.limits}


def loss(law, T=None) -> sp.Expr:
    """L(a, b) = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] on the diagonal family W^{KQ}_{21} = aI, W^{PV}_1 = bI: the loss
    at those points, for every law (no hypothesis; whether the flow stays there is `family`).
    Example: ``mv.zheng.loss(mv.laws.ones(d=2), T=4)``."""
    law = _exact(law)
    return _loss.diagonal_loss(law, law.d, _horizon(T))


def limit(law, T=None) -> sp.Expr:
    """lim_{τ→∞} ab under the gradient flow from the diagonal initialisation ([Z] Theorem 4.1); at a numeric T
    the closed form (`fixed_point`: the symbolic derivation specialised, any d at once).
    Example: ``mv.zheng.limit(mv.laws.gaussian(d=10**6, sigma=1), T=100)``."""
    law = _inside(law, T, "the limit of ab (Theorem 4.1)")
    return _stationary.ab_limit(law, law.d, _T) if T is None else fixed_point(law, T)["ab"]


def fixed_point(law, T: int) -> dict:
    """Where the gradient flow from the diagonal initialisation ends ([Z] Theorem 4.1), for a law, its d and a
    numeric T, after checking exactly which family the flow stays in (`mesaverify fixed-point` prints this):
    ``{"family": "diagonal" | "per-coordinate", "hypothesis", "reason", "ab", "limits"}`` — on aI, bI the
    limit `ab` of ab; on diag(a_k), diag(b_k) with a loss that does not couple the coordinates the limits of
    each a_k b_k (a_0*b_0 where x_k = 0 almost surely).  OutsideHypotheses where neither family holds the
    flow.  For a moment vector every moment the check and the limit lack is named at once.
    Example: ``mv.zheng.fixed_point(mv.laws.rademacher(d=2), T=10)["ab"]``."""
    law = _exact(law)
    horizon = _horizon(T)
    if not isinstance(horizon, int):
        raise InvalidLaw("fixed_point needs a numeric horizon T (mv.zheng.limit derives it for symbolic T)")
    _limits.per_coordinate(law, law.d)

    def compute(one):
        found = _invariance.family(one, one.d, horizon)
        value = _closed.ab_limit(one, one.d, horizon) if one.exchangeable or found.name == "diagonal" else None
        return found, value

    found, value = _derive_all(law, compute)
    if found.name is None:
        raise _OutsideHypotheses(f"no limit of ab is derived for this law: {found.reason}", "Assumption 4.1")
    diagonal = found.name == "diagonal"
    return {"family": found.name, "hypothesis": found.statement(), "reason": found.reason,
            "ab": value if diagonal else None, "limits": None if diagonal else tuple(found.limits)}


def flow(law, T=None) -> tuple[sp.Expr, sp.Expr]:
    """(da/dτ, db/dτ) = −(1/d) ∇L(a, b), the gradient flow on the diagonal family.
    Example: ``mv.zheng.flow(mv.laws.rademacher(d=2), T=5)``."""
    law = _inside(law, T, "the flow on aI, bI")
    return _flow.flow_equations(law, law.d, _horizon(T))


def solution(law, T=None) -> sp.Expr:
    """ab(τ) in closed form from (a₀, b₀) (Riccati in b/a). Example: ``mv.zheng.solution(mv.laws.rademacher(d=2), T=5)``."""
    law = _inside(law, T, "ab(τ) in closed form")
    return _flow.ab_solution(law, law.d, _horizon(T))


def stationary(law, T=None) -> list[dict]:
    """The stationary points of L(a, b) with Hessian, eigenvalues and type (saddle / minimum).
    Example: ``[p["type"] for p in mv.zheng.stationary(mv.laws.sparse(d=2), T=5)]``."""
    law = _inside(law, T, "the stationary points of the flow on aI, bI")
    return _stationary.stationary_points(law, law.d, _horizon(T))


def assumption(law, T=None) -> dict:
    """Assumption 4.1 (the flow stays diagonal) and 4.2 (the test error vanishes as t → ∞) for the law, derived:
    ``{"4.1": bool, "4.1_violations": [...], "4.2": bool, "4.2_conditions": (expr, expr)}`` (4.2 None for a law
    that is not exchangeable).
    Example: ``mv.zheng.assumption(mv.laws.sparse(d=2, c=1), T=10)["4.1"]``."""
    law = _exact(law)
    horizon = _horizon(T)

    def derive(one):
        out41 = _assumption.assumption_4_1(one, one.d, horizon)
        if not one.exchangeable:  # Assumption 4.2 is derived for exchangeable laws
            return {"4.1": out41["holds"], "4.1_violations": out41["violations"], "4.2": None, "4.2_conditions": None}
        conditions = tuple(sp.simplify(c) for c in _capability.assumption_4_2(one, one.d, horizon))
        return {"4.1": out41["holds"], "4.1_violations": out41["violations"],
                "4.2": all(c == 0 for c in conditions), "4.2_conditions": conditions}

    return _derive_all(law, derive)


def test_error_limit(law, T=None) -> sp.Expr:
    """lim_{t→∞} of the test error E[½‖ŷ_t − x_{t+1}‖²] at the trained limit ab = u*.
    Example: ``mv.zheng.test_error_limit(mv.laws.sparse(d=2, c=1), T=10)``."""
    law = _inside(law, T, "the test error at the trained limit (Theorem 4.2)")
    if T is not None and law.exchangeable:  # the closed form: any d at once
        return _closed.test_error_limit(law, law.d, _horizon(T))
    return _capability.test_error_limit(law, law.d, _horizon(T))


def ratio(law, T=None) -> sp.Expr:
    """E[ŷ_{t,k}/x_{t+1,k} | x_k ≠ 0] at the trained limit (the ratio [Z] plots).
    Example: ``mv.zheng.ratio(mv.laws.gaussian(d=5), T=100)``."""
    law = _inside(law, T, "the ratio prediction/truth at the trained limit")
    if T is not None and law.exchangeable:  # the closed form: any d at once
        return _closed.ratio(law, law.d, _horizon(T))
    return _capability.ratio(law, law.d, _horizon(T))
