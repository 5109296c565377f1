"""The moment symbols of the derived results, and putting a law's moments into an expression.

m_k = E|x_k|^k of one coordinate, m_{2,4} = E|x_k|²|x_j|⁴ (k ≠ j), P0 = P(x_k ≠ 0). The symbols carry
assumptions (positive), so substitute with these objects, `symbol("m_{6}")` or `substitute` — a fresh
`sympy.Symbol("m_{6}")` is a different symbol.

>>> import mesaverify as mv
>>> mv.substitute(mv.moments.m4 / mv.moments.m2**2, mv.laws.gaussian(d=1))
3
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.moments import NONZERO, moment_symbol, pattern_from_name, with_moments

m2 = moment_symbol(((1, 1),))
m4 = moment_symbol(((2, 2),))
m6 = moment_symbol(((3, 3),))
m8 = moment_symbol(((4, 4),))
m22 = moment_symbol(((1, 1), (1, 1)))
m24 = moment_symbol(((1, 1), (2, 2)))
P0 = NONZERO


def symbol(name: str) -> sp.Symbol:
    """The moment symbol named as the suite prints it or as the moments law takes it: 'm6', 'm_{2,4}', 'P0'.
    Example: ``mv.moments.symbol("m24") == mv.moments.m24``."""
    return P0 if name.strip() in ("P0", "P_{0}") else moment_symbol(pattern_from_name(name))


def substitute(expr: sp.Expr, values) -> sp.Expr:
    """Put moments into expr: `values` is a law (its exact moments) or a mapping {name or symbol: number}.
    Example: ``mv.substitute(mv.zheng.limit(mv.laws.symbolic(d=5), T=100), {"m2": 1, "m4": 3, "m6": 15, "m24": 3})``."""
    from mesaverify.laws import _number
    from mesaverify.laws import exact as exact_law

    if isinstance(values, dict):
        mapping = {(symbol(k) if isinstance(k, str) else k): _number(v, str(k)) for k, v in values.items()}
        return sp.simplify(expr.xreplace(mapping))
    return sp.simplify(with_moments(expr, exact_law(values)))
