"""Phase averages whose constraints are not unimodular (2t − 2t' = 0), through the suite's operator.

[S]'s non-augmented prediction carries λ_k^{2(t−1)} (query and value on the
same coordinate), so the Kronecker conditions of the phase average include
2t − 2t' = 0, which derivations.expectation solves only after division by the
content 2.  `expect` here is derivations.expectation.expect with each
condition first divided by the gcd of its time coefficients (when the rest is
divisible too; otherwise the result would depend on the parity of T and we
refuse), and conditions on fewer time indices are imposed first, so that
a fixed index (t' = T − 1) is eliminated before it could be expressed through
another on a partial range.  One operator, one way: nothing else is re-implemented.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import reduce
from math import gcd

import sympy as sp

from derivations import expectation as _E


def _primitive(con: sp.Expr, time: tuple) -> sp.Expr:
    indices = [i for i, _, _ in time if con.has(i)]
    if not indices:
        return con
    coeffs = [int(sp.Poly(con, i).coeff_monomial(i)) for i in indices]
    g = reduce(gcd, [abs(c) for c in coeffs])
    if g <= 1:
        return con
    rest = sp.expand(con - sum(c * i for c, i in zip(coeffs, indices)))
    if any(not (sp.Integer(c) / g).is_integer for c in sp.Poly(rest, *rest.free_symbols or [sp.Dummy()]).coeffs()):
        raise NotImplementedError(f"constraint {con} = 0 depends on the parity of the horizon")
    return sp.expand(con / g)


@contextmanager
def _primitive_constraints():
    original = _E._solve_deltas

    def solve(coeff, constraints, time, horizon):
        pending = [sp.expand(c) for c in constraints]
        while pending:
            pending.sort(key=lambda c: sum(1 for i, _, _ in time if c.has(i)))
            con = _primitive(pending.pop(0), time)
            solved = original(coeff, [con], time, horizon)
            if solved is None:
                return None
            coeff, left = solved
            gone = [i for i, _, _ in time if all(i != n for n, _, _ in left)]
            if gone:
                (i,) = gone
                value = sp.solve(con, i)[0]
                pending = [sp.expand(c.subs(i, value)) for c in pending]
            time = left
        return coeff, time

    _E._solve_deltas = solve
    try:
        yield
    finally:
        _E._solve_deltas = original


def expect(terms, law, d, horizon) -> sp.Expr:
    """derivations.expectation.expect, constraints reduced to primitive form first."""
    with _primitive_constraints():
        return _E.expect(terms, law, d, horizon)
