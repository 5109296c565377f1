"""A description's error ŷ_τ − x_{τ+1} as `Term`s, straight from its definition (x_s = λ^{s−1} x_1, x_s = 0 for
s ≤ 0), at a position τ that is the symbol t, the symbol T or a number.

A symbolic τ stands for every τ ≥ `least(description)`, where every factor of the prediction is a token of
positive index and every key range is non-empty or empty at its lower end; at a number τ, factors of index
≤ 0 and empty key ranges are dropped.
"""
from __future__ import annotations

import itertools
from typing import Callable

import sympy as sp

from mesaverify.derivations.expectation import Term
from mesaverify.derivations.models import process
from mesaverify.derivations.models.description import Description, InvalidDescription, Structure
from mesaverify.derivations.zheng.symbols import T

i = sp.Symbol("i", integer=True)  # the key index
J, L, L2 = sp.symbols("j l l2", integer=True)  # the summed coordinates of a value, a key and a query


def parameter(name: str, kind: str, row=None, col=None) -> sp.Expr:
    """The symbol of a parameter: a (scalar), a[m] (diag, m from 0), A[m, n] (dense, from 0)."""
    if kind == "diag":
        return sp.IndexedBase(name, real=True)[row]
    if kind == "dense":
        return sp.IndexedBase(name, real=True)[row, col]
    if kind == "complex":
        return sp.IndexedBase(name)[row, col]
    return sp.Symbol(name, real=True)


def components(s: Structure) -> list[tuple[str, Callable[..., sp.Expr]]]:
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
    if s.kind in ("dense", "complex"):
        return [("full", lambda r, c: f * parameter(s.name, s.kind, r, c))]
    return []


def block_components(desc: Description, s: Structure, d) -> list[tuple[str, Callable[..., sp.Expr]]]:
    """`components` of a block as the process's coordinates see it: under a conjugation P, the block P^* M P
    (full; its entry a function of the coordinates that is the number once they are)."""
    P = process.conjugation(desc, d)
    if any(shape == "at" for shape, _ in components(s)) and (P is not None or process.paired(desc)):
        raise InvalidDescription("an entry at coordinate symbols is for the phases without a conjugation")
    if P is None or s.kind == "zero":
        return components(s)
    M = sp.zeros(d, d)
    for shape, coeff in components(s):
        for r in range(d):
            for c in range(d):
                if shape == "full" or r == c:
                    M[r, c] += coeff(r, c)
    return [("full", entry_function((P.H * M * P).applyfunc(sp.expand)))]


def entry_function(M: sp.Matrix):
    """A function M(r, c) that is the (expanded) entry of M once r and c are integers (symbolic until then)."""
    M = sp.ImmutableMatrix(M).applyfunc(sp.expand)

    class entry(sp.Function):
        @classmethod
        def eval(cls, r, c):
            if r.is_Integer and c.is_Integer:
                return M[int(r), int(c)]

    return entry


def normalisation(desc: Description, tau) -> sp.Expr:
    tau = sp.sympify(tau)  # a number τ stays exact
    return {"1/(t-1)": 1 / (tau - 1), "1/t": 1 / tau, "1/T": 1 / T, "1": sp.Integer(1)}[desc.normalisation]


def least(desc: Description) -> int:
    """The least position from which one symbolic τ describes every prediction (see the module).  For a paired
    process (rotations, eigen-pairs: phase exponents of both signs) every key range is non-empty there: the phase
    average of an empty range at its lower end is not decided for them."""
    strict = process.paired(desc)
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
                    out = max(out, (lo - 1 if desc.keys == "1..t" else lo) + strict)
    if desc.residual:
        out = max(out, s[desc.readout - 1] + 1)
    return out


def prediction(desc: Description, k, tau, sub=None, d=None) -> list[Term]:
    """(ŷ_τ)_k as terms (output coordinate k, a symbol summed with the loss; `sub` its coordinate within a rotation
    block, `d` the dimension where a conjugation P is given).  An entry of W^{PV} at coordinate symbols (m, n)
    moves output coordinate m only: its terms carry δ_{k,m}, 1 when called with k = m."""
    s = desc.tokens
    numeric = isinstance(tau, int)
    hi = tau if desc.keys == "1..t" else tau - 1
    subs = process.subcoordinates(desc)
    key_bar = desc.conjugated == "key"
    out = []
    for head in desc.heads:
        name = head.positional or desc.positional
        weight = sp.IndexedBase(name, real=True)[i] if name else sp.Integer(1)
        for v, vs in head.pv:
            for r, c, ks in head.kq:
                if s[v - 1] is None or s[r - 1] is None or s[c - 1] is None:
                    continue
                q_index = tau - desc.lag - s[c - 1]
                lo = 1 + max(s[v - 1], s[r - 1])
                if numeric and (q_index < 1 or lo > hi):
                    continue
                for v_shape, v_coeff in block_components(desc, vs, d):
                    jv = k if v_shape == "diag" else vs.col if v_shape == "at" else J
                    for sv in ((sub,) if v_shape == "diag" else subs):
                        for k_shape, k_coeff in block_components(desc, ks, d):
                            jr, jc = (L, L) if k_shape == "diag" else (ks.row, ks.col) if k_shape == "at" else (L, L2)
                            pairs = [(x, x) for x in subs] if k_shape == "diag" else [(x, y) for x in subs for y in subs]
                            for sr, sc in pairs:
                                coeff = (v_coeff(process.flat(desc, k, sub), process.flat(desc, jv, sv))
                                         * k_coeff(process.flat(desc, jr, sr), process.flat(desc, jc, sc))
                                         * normalisation(desc, tau) * weight)
                                for parts in itertools.product(
                                        process.token(desc, jv, sv, i - s[v - 1]),
                                        process.token(desc, jr, sr, i - s[r - 1], key_bar),
                                        process.token(desc, jc, sc, q_index, not key_bar)):
                                    factor = sp.Mul(*[f for f, _, _ in parts])
                                    xs, ph = sum((x for _, x, _ in parts), ()), sum((p for _, _, p in parts), ())
                                    out.append(Term(coeff * factor, ((k, 0, 0),) + xs, ph, ((i, lo, hi),)))
    if desc.residual:
        index = tau - s[desc.readout - 1]
        if not numeric or index >= 1:
            out += [Term(f, xs, ph) for f, xs, ph in process.token(desc, k, sub, index)]
    return merged(out)


def merged(terms: list[Term]) -> list[Term]:
    """Terms with the same coordinates, phases and time ranges as one (their coefficients added; zeros dropped):
    the heads of a model, the alternatives of a block, the parts of a tied block share them."""
    out: dict = {}
    for term in terms:
        key = (term.x, term.phase, term.time)
        out[key] = out.get(key, 0) + term.coeff
    return [Term(coeff, *key) for key, coeff in out.items() if coeff != 0]


def error(desc: Description, k, tau, sub=None, d=None) -> list[Term]:
    """(ŷ_τ − x_{τ+1})_k as terms (coordinate `sub` of rotation block k for a paired process)."""
    target = [Term(-f, xs, ph) for f, xs, ph in process.token(desc, k, sub, tau + 1)]
    return prediction(desc, k, tau, sub, d) + target
