"""A description's error ŷ_τ − x_{τ+1} as `Term`s, straight from its definition (x_s = λ^{s−1} x_1, x_s = 0 for
s ≤ 0), at a position τ that is the symbol t, the symbol T or a number.

A symbolic τ stands for every τ ≥ `least(description)`, where every factor of the prediction is a token of
positive index and every key range is non-empty or empty at its lower end; at a number τ, factors of index
≤ 0 and empty key ranges are dropped.
"""
from __future__ import annotations

import itertools

import sympy as sp

from mesaverify.derivations.expectation import Term
from mesaverify.derivations.models.description import Description, Structure
from mesaverify.derivations.zheng.symbols import T

_ids = itertools.count()
i = sp.Symbol("i", integer=True)  # the key index


def parameter(name: str, kind: str, row=None, col=None) -> sp.Expr:
    """The symbol of a parameter: a (scalar), a[m] (diag, m from 0), A[m, n] (dense, from 0)."""
    if kind == "diag":
        return sp.IndexedBase(name, real=True)[row]
    if kind == "dense":
        return sp.IndexedBase(name, real=True)[row, col]
    return sp.Symbol(name, real=True)


def components(s: Structure) -> list[tuple[str, object]]:
    """(shape, coefficient(row, col)) of a block: shape "diag" (row = col), "full", or "at" (an entry at
    coordinate symbols: its row and column are those symbols, not summed); coordinates from 0."""
    f = sp.Rational(s.factor.numerator, s.factor.denominator)
    if s.kind == "scalar":
        return [("diag", lambda r, c: f * parameter(s.name, "scalar"))]
    if s.kind == "diag":
        return [("diag", lambda r, c: f * parameter(s.name, "diag", r))]
    if s.kind == "ones":
        return [("full", lambda r, c: f * parameter(s.name, "scalar"))]
    if s.kind == "entry" and not isinstance(s.row, int):
        return [("at", lambda r, c: f * parameter(s.name, "scalar") * sp.KroneckerDelta(r, s.row)
                 * sp.KroneckerDelta(c, s.col))]
    if s.kind == "entry":
        return [("full", lambda r, c: f * parameter(s.name, "scalar") * sp.KroneckerDelta(r, s.row - 1)
                 * sp.KroneckerDelta(c, s.col - 1))]
    if s.kind == "dense":
        return [("full", lambda r, c: f * parameter(s.name, "dense", r, c))]
    return []


def _fresh(prefix: str) -> sp.Symbol:
    return sp.Symbol(f"{prefix}_{next(_ids)}", integer=True)


def _x(m, index, conjugate=False) -> tuple[tuple, tuple]:
    """(x part, phase part) of x_{index, m} = λ_m^{index−1} x_m, or of its conjugate."""
    if conjugate:
        return ((m, 0, 1),), ((m, -(index - 1)),)
    return ((m, 1, 0),), ((m, index - 1),)


def normalisation(desc: Description, tau) -> sp.Expr:
    tau = sp.sympify(tau)  # a number τ stays exact
    return {"1/(t-1)": 1 / (tau - 1), "1/t": 1 / tau, "1/T": 1 / T, "1": sp.Integer(1)}[desc.normalisation]


def least(desc: Description) -> int:
    """The least position from which one symbolic τ describes every prediction (see the module)."""
    s = desc.tokens
    out = desc.start
    for _, head in enumerate(desc.heads):
        for r, c, st in head.kq:
            if st.kind == "zero" or s[c - 1] is None:
                continue
            out = max(out, desc.lag + s[c - 1] + 1)
            for v, vs in head.pv:
                if vs.kind != "zero" and s[v - 1] is not None and s[r - 1] is not None:
                    lo = 1 + max(s[v - 1], s[r - 1])
                    out = max(out, lo - 1 if desc.keys == "1..t" else lo)
    if desc.residual:
        out = max(out, s[desc.readout - 1] + 1)
    return out


def prediction(desc: Description, k, tau) -> list[Term]:
    """(ŷ_τ)_k as terms (output coordinate k, a symbol summed with the loss).  An entry of W^{PV} at coordinate
    symbols (m, n) moves output coordinate m only: its terms carry δ_{k,m}, 1 when called with k = m."""
    s = desc.tokens
    numeric = isinstance(tau, int)
    hi = tau if desc.keys == "1..t" else tau - 1
    weight = sp.IndexedBase(desc.positional, real=True)[i] if desc.positional else sp.Integer(1)
    out = []
    for head in desc.heads:
        for v, vs in head.pv:
            for r, c, ks in head.kq:
                if s[v - 1] is None or s[r - 1] is None or s[c - 1] is None:
                    continue
                q_index = tau - desc.lag - s[c - 1]
                lo = 1 + max(s[v - 1], s[r - 1])
                if numeric and (q_index < 1 or lo > hi):
                    continue
                for v_shape, v_coeff in components(vs):
                    jv = k if v_shape == "diag" else vs.col if v_shape == "at" else _fresh("j")
                    for k_shape, k_coeff in components(ks):
                        jr = ks.row if k_shape == "at" else _fresh("l")
                        jc = jr if k_shape == "diag" else ks.col if k_shape == "at" else _fresh("l")
                        xs, ph = zip(_x(jv, i - s[v - 1]), _x(jr, i - s[r - 1], True), _x(jc, q_index))
                        coeff = v_coeff(k, jv) * k_coeff(jr, jc) * normalisation(desc, tau) * weight
                        out.append(Term(coeff, ((k, 0, 0),) + sum(xs, ()), sum(ph, ()), ((i, lo, hi),)))
    if desc.residual:
        index = tau - s[desc.readout - 1]
        if not numeric or index >= 1:
            xs, ph = _x(k, index)
            out.append(Term(sp.Integer(1), xs, ph))
    return out


def error(desc: Description, k, tau) -> list[Term]:
    """(ŷ_τ − x_{τ+1})_k as terms."""
    xs, ph = _x(k, tau + 1)
    return prediction(desc, k, tau) + [Term(sp.Integer(-1), xs, ph)]
