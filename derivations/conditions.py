"""Deciding linear conditions on the time indices of the expectation operator (`derivations.expectation`).

A condition is a linear expression in time indices and horizon symbols (t, T) that must vanish, or whose sign
decides whether an index lies in its range.  It is decided for every admissible value of the horizon symbols,
from their least values on; where it changes truth value only at the least few values, `Boundary` asks the
operator to split the term there.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp


def slope(expr: sp.Expr, i: sp.Symbol) -> sp.Expr:
    """The coefficient of the time index i in an expression linear in the time indices."""
    return sp.expand(expr).coeff(i, 1)


def extreme(expr: sp.Expr, time: tuple, lowest: bool) -> sp.Expr:
    """Min (or max) of an expression linear in the time indices over their box of ranges."""
    for i, lo, hi in reversed(time):  # inner ranges may depend on outer indices
        if not expr.has(i):
            continue
        coeff = slope(expr, i)
        pick_lo = (coeff > 0) == lowest
        expr = sp.expand(expr.subs(i, lo if pick_lo else hi))
    return expr


class Boundary(Exception):
    """A condition decided for every value of `symbol` above its least value but not at it: the term is
    split there (`_average`)."""

    def __init__(self, symbol):
        super().__init__(symbol)
        self.symbol = symbol


_ABOVE: dict = {}  # horizon symbol -> n ≥ 0 with symbol = least value + n


def _shift(expr: sp.Expr, horizon: dict, above: dict | None = None) -> sp.Expr:
    """expr with each horizon symbol written as its least value (plus above[symbol]) plus n ≥ 0."""
    def n(s):
        if s not in _ABOVE:
            _ABOVE[s] = sp.Dummy(f"n_{s.name}", integer=True, nonnegative=True)
        return _ABOVE[s]

    above = above or {}
    return sp.expand(expr.xreplace({s: n(s) + lo + above.get(s, 0) for s, lo in horizon.items()}))


SPLITS = 4  # a condition may change truth value at the least SPLITS values of a horizon symbol


def _decided(expr: sp.Expr, horizon: dict, judge):
    """judge(expr) for every admissible value of the horizon symbols, from their least values on; None if it
    varies above their least SPLITS values too.  Raises `Boundary` where it varies only at those values."""
    verdict = judge(_shift(expr, horizon))
    present = [s for s in horizon if expr.has(s)]
    if verdict is not None or not present:
        return verdict
    for offset in range(1, SPLITS + 1):
        for s in present:
            if judge(_shift(expr, horizon, {s: offset})) is not None:
                raise Boundary(s)
        if judge(_shift(expr, horizon, dict.fromkeys(present, offset))) is not None:
            raise Boundary(present[0])
    return None


def sign(expr: sp.Expr, horizon: dict) -> int | None:
    """+1 if expr ≥ 0, −1 if expr < 0 for every admissible value of the horizon symbols, else None."""
    return _judged(expr, tuple(horizon.items()), "sign")


def decide_zero(expr: sp.Expr, horizon: dict) -> bool | None:
    """True if expr vanishes identically, False if never (admissible horizons), None if sometimes."""
    return _judged(expr, tuple(horizon.items()), "zero")


_JUDGES = {"sign": lambda e: 1 if e.is_nonnegative else -1 if e.is_negative else None,
           "zero": lambda e: True if e.is_zero else False if (e.is_positive or e.is_negative) else None}


@lru_cache(maxsize=65536)
def _judged(expr: sp.Expr, horizon: tuple, judge: str):
    """`_decided` for one judge, remembered: the terms of a model pose the same few conditions many times."""
    return _decided(expr, dict(horizon), _JUDGES[judge])


def primitive(con: sp.Expr, time) -> sp.Expr | None:
    """Divide a condition by the gcd of its time coefficients (2t − 2t' = 0 → t − t' = 0).

    None if it can never hold: the rest's horizon coefficients are divisible and its constant is not
    (2t − 2T − 1 = 0).  If the rest's horizon coefficients are not divisible, the condition holds for one
    parity of the horizon only, which this operator does not split: it refuses.
    """
    indices = [i for i, _, _ in time if con.has(i)]
    if not indices:
        return con
    coeffs = [slope(con, i) for i in indices]
    g = sp.gcd_list(coeffs)
    if g in (0, 1, -1):
        return con
    rest = sp.expand(con - sum(c * i for c, i in zip(coeffs, indices)))
    reduced = sp.expand(rest / g)
    constant, symbolic = reduced.as_coeff_Add()
    if all(c.is_integer for c in sp.Poly(symbolic, *(symbolic.free_symbols or {sp.Dummy()})).coeffs()) \
            and not constant.is_integer:
        return None
    if any(not c.is_integer for c in sp.Poly(reduced, *(reduced.free_symbols or {sp.Dummy()})).coeffs()):
        raise NotImplementedError(f"condition {con} = 0 depends on the parity of the horizon")
    return sp.expand(con / g)
