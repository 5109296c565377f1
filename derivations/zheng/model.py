"""[Z] §3: the model ŷ_t = W^{PV} E_t E_t^* W^{KQ} e_t / (t−1) on structured parameter families.

A family sets each d×d block of W^{KQ} (k11, k12, k21, k22; rows then
columns, block 2 acting on x_{t−1}) and of W^{PV} (v1, v2) to a sum of
components: `diag(f)` = diag(f(1), …, f(d)), `full(g)` = g·J (every entry g),
`entry(m, n)` = the elementary matrix E_{mn}; absent blocks are zero.  The
prediction is then written, straight from the definition, as a sum of
`Term`s in the phases λ and the coordinates of x_1, using x_s = W^{s−1} x_1
and x_0 = 0.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from mesaverify.derivations.expectation import Term
from mesaverify.derivations.zheng.symbols import a, a_k, b, b_k, t

_ids = itertools.count()


@dataclass(frozen=True)
class Component:
    """One structured part of a d×d block: kind 'diag', 'full' or 'entry'."""

    kind: str
    coeff: Callable  # (row index, column index) -> expression
    row: sp.Symbol | None = None  # for 'entry'
    col: sp.Symbol | None = None

    def indices(self, row_hint=None):
        """(row, column) index symbols of this component; fresh summed symbols where free."""
        if self.kind == "entry":
            return self.row, self.col
        row = row_hint if row_hint is not None else sp.Symbol(f"j_{next(_ids)}", integer=True)
        col = row if self.kind == "diag" else sp.Symbol(f"l_{next(_ids)}", integer=True)
        return row, col


def diag(f) -> Component:
    return Component("diag", lambda r, c: f(r))


def full(g) -> Component:
    return Component("full", lambda r, c: g)


def entry(m, n) -> Component:
    return Component("entry", lambda r, c: sp.Integer(1), m, n)


def token(m, s, conjugate=False) -> Term:
    """x_{s,m} = λ_m^{s−1} x_m (or its conjugate), for s >= 1."""
    if conjugate:
        return Term(sp.Integer(1), ((m, 0, 1),), ((m, -(s - 1)),))
    return Term(sp.Integer(1), ((m, 1, 0),), ((m, s - 1),))


def _times(*terms: Term) -> Term:
    coeff, x, phase = sp.Integer(1), (), ()
    for term in terms:
        coeff, x, phase = coeff * term.coeff, x + term.x, phase + term.phase
    return Term(coeff, x, phase)


def _components(family: dict, block: str) -> list[Component]:
    value = family.get(block, [])
    return [diag(value)] if callable(value) else list(value)


def prediction(family: dict, k) -> list[Term]:
    """(ŷ_t)_k = (1/(t−1)) Σ_{i=1}^{t} (W^{PV} e_i)_k · e_i^* W^{KQ} e_t, as terms.

    An `entry(m, n)` component of W^{PV} contributes only to the output
    coordinate m: call with k = m for it.
    """
    i = sp.Symbol("i", integer=True)
    out = []  # e_s = (x_s ; x_{s−1}): the bottom block holds x_{s−1}
    for v_block, v_shift in (("v1", 0), ("v2", 1)):
        for v_comp in _components(family, v_block):
            if v_comp.kind == "entry" and v_comp.row != k:
                continue
            v_row, v_col = v_comp.indices(row_hint=k)
            for row, e_shift in (("1", 0), ("2", 1)):
                for k_block, k_shift in (("k" + row + "1", 0), ("k" + row + "2", 1)):
                    for k_comp in _components(family, k_block):
                        k_row, k_col = k_comp.indices()
                        lo = 1 + max(v_shift, e_shift)  # x_0 = 0 removes the first terms
                        body = _times(token(v_col, i - v_shift), token(k_row, i - e_shift, True),
                                      token(k_col, t - k_shift))
                        coeff = v_comp.coeff(v_row, v_col) * k_comp.coeff(k_row, k_col) / (t - 1)
                        # x_k^0 names the output coordinate k in every term, also where W^{PV} is full
                        # and no factor holds k: the sum over k must count such terms d times
                        out.append(Term(coeff * body.coeff, ((k, 0, 0),) + body.x, body.phase, ((i, lo, t),)))
    return out


def error(family: dict, k) -> list[Term]:
    """(ŷ_t − x_{t+1})_k as terms."""
    return prediction(family, k) + [token(k, t + 1).scale(-1)]


def diagonal_family() -> dict:
    """[Z] Assumption 3.1: W^{KQ}_{21} = a I_d, W^{PV}_1 = b I_d, every other block zero."""
    return {"k21": [diag(lambda m: a)], "v1": [diag(lambda m: b)]}


def per_coordinate_family() -> dict:
    """W^{KQ}_{21} = diag(a_1..a_d), W^{PV}_1 = diag(b_1..b_d), every other block zero."""
    return {"k21": [diag(lambda m: a_k[m])], "v1": [diag(lambda m: b_k[m])]}


BLOCKS = ("k11", "k12", "k21", "k22", "v1", "v2")
