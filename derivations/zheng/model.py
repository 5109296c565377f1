"""[Z] §3: the model ŷ_t = W^{PV} E_t E_t^* W^{KQ} e_t / (t−1) on block-diagonal parameter families.

A family sets each d×d block of W^{KQ} (k11, k12, k21, k22; rows then
columns, block 2 acting on x_{t−1}) and of W^{PV} (v1, v2) to a diagonal
matrix diag(f(1), …, f(d)), or to zero when absent.  The prediction is then
written, straight from the definition, as a sum of `Term`s in the phases λ
and the coordinates of x_1, using x_s = W^{s−1} x_1 and x_0 = 0.
"""
from __future__ import annotations

import sympy as sp

from derivations.expectation import Term
from derivations.zheng.symbols import a, a_k, b, b_k, t


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


def prediction(family: dict, k) -> list[Term]:
    """(ŷ_t)_k = (1/(t−1)) Σ_{i=1}^{t} (W^{PV} e_i)_k · e_i^* W^{KQ} e_t, as terms."""
    i = sp.Symbol("i", integer=True)
    j = sp.Symbol("j", integer=True)
    out = []  # e_s = (x_s ; x_{s−1}): the bottom block holds x_{s−1}
    for v_block, v_shift in (("v1", 0), ("v2", 1)):
        for rows, e_shift in (("top", 0), ("bottom", 1)):
            row = "1" if rows == "top" else "2"
            for k_block, k_shift in (("k" + row + "1", 0), ("k" + row + "2", 1)):
                if v_block not in family or k_block not in family:
                    continue
                lo = 1 + max(v_shift, e_shift)  # x_0 = 0 removes the first terms
                body = _times(token(k, i - v_shift), token(j, i - e_shift, True), token(j, t - k_shift))
                coeff = family[v_block](k) * family[k_block](j) / (t - 1)
                out.append(Term(coeff * body.coeff, body.x, body.phase, ((i, lo, t),)))
    return out


def error(family: dict, k) -> list[Term]:
    """(ŷ_t − x_{t+1})_k as terms."""
    target = token(k, t + 1)
    return prediction(family, k) + [target.scale(-1)]


def diagonal_family() -> dict:
    """[Z] Assumption 3.1: W^{KQ}_{21} = a I_d, W^{PV}_1 = b I_d, every other block zero."""
    return {"k21": lambda m: a, "v1": lambda m: b}


def per_coordinate_family() -> dict:
    """W^{KQ}_{21} = diag(a_1..a_d), W^{PV}_1 = diag(b_1..b_d), every other block zero."""
    return {"k21": lambda m: a_k[m], "v1": lambda m: b_k[m]}
