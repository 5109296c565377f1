"""[Z]'s results at a numeric d and T, in time independent of d and T.

For an exchangeable law every result is a function of d, T and the law's moments: it is derived once
for symbolic d and T on a law known by its moment symbols (cached), then d, the moments and T are
substituted (`derivations.specialise`).  Summing over the d! coordinate assignments at a numeric d
gives the same value (tests/test_sizes.py holds the two equal at d = 1..4) in time growing like d².
A law that is not exchangeable has no such closed form: it is derived for its own d (symbolic T).
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.derivations.moments import SymbolicExchangeable
from mesaverify.derivations.specialise import at_horizon, specialise
from mesaverify.derivations.zheng import capability, stationary
from mesaverify.derivations.zheng.symbols import T, d

SYMBOLIC = SymbolicExchangeable(d)


@lru_cache(maxsize=None)
def _symbolic(name: str):
    """The symbolic-d, symbolic-T result `name`, derived once per process."""
    derive = {"ab_limit": stationary.ab_limit, "test_error_limit": capability.test_error_limit,
              "ratio": capability.ratio, "assumption_4_2": capability.assumption_4_2}[name]
    return derive(SYMBOLIC, d)


def _at(name: str, law, dim: int, horizon: int):
    """The result `name` (an expression or a tuple of them) specialised to an exchangeable law, d and T."""
    if not law.exchangeable:
        raise ValueError(f"{name} in closed form needs an exchangeable law")
    result = _symbolic(name)

    def one(expr):
        return specialise(expr, law, dim, horizon, d, T, sp.simplify)

    return tuple(map(one, result)) if isinstance(result, tuple) else one(result)


def ab_limit(law, dim: int, horizon: int) -> sp.Expr:
    """[Z] Thm 4.1, lim ab = u*, at a numeric d and T (harmonic numbers past EXACT_MAX kept unevaluated)."""
    if law.exchangeable:
        return _at("ab_limit", law, dim, horizon)
    return at_horizon(stationary.ab_limit(law, dim), horizon, T, sp.simplify)


def test_error_limit(law, dim: int, horizon: int) -> sp.Expr:
    """lim_{t→∞} of the test error at ab = u* ([Z] Thm 4.2), exchangeable law, numeric d and T."""
    return _at("test_error_limit", law, dim, horizon)


def ratio(law, dim: int, horizon: int) -> sp.Expr:
    """E[ŷ_{t,k}/x_{t+1,k} | x_k ≠ 0] at ab = u*, exchangeable law, numeric d and T."""
    return _at("ratio", law, dim, horizon)


def assumption_4_2(law, dim: int, horizon: int) -> tuple:
    """The two expressions of the derived Assumption 4.2 at a law, d and T: it holds iff both vanish."""
    return _at("assumption_4_2", law, dim, horizon)
