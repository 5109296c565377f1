"""[Z] §3: the model ŷ_t = W^{PV} E_t E_t^* W^{KQ} e_t / (t−1), e_t = (x_t; x_{t−1}), on its structured families,
as descriptions (`derivations.models.description`); their prediction and error as `Term`s come from
`derivations.models.terms`, the one construction of the model.

The six d×d blocks are named as in [Z]: k11, k12, k21, k22 of W^{KQ} (rows then columns, block 2 acting on
x_{t−1}) and v1, v2 of the read-out row of W^{PV}; absent blocks are zero.
"""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from mesaverify.derivations.expectation import Term
from mesaverify.derivations.models import terms
from mesaverify.derivations.models.description import Description, Head, Structure
from mesaverify.derivations.zheng.symbols import t

BLOCKS = ("k11", "k12", "k21", "k22", "v1", "v2")
PLACES = {"k11": (1, 1), "k12": (1, 2), "k21": (2, 1), "k22": (2, 2), "v1": (1,), "v2": (2,)}
TOKENS = (0, 1)  # e_t = (x_t; x_{t−1})
THETA = "theta"  # the parameter of the entry a derivative replaces its matrix by


def described(blocks: dict, name: str) -> Description:
    """[Z]'s model with each named block (k11..v2) the sum of its structures."""
    kq = tuple((*PLACES[blk], s) for blk in BLOCKS if blk.startswith("k") for s in blocks.get(blk, ()))
    pv = tuple((*PLACES[blk], s) for blk in BLOCKS if blk.startswith("v") for s in blocks.get(blk, ()))
    return Description(tokens=TOKENS, heads=(Head(kq=kq, pv=pv),), name=name)


DIAGONAL = described({"k21": [Structure("scalar", "a")], "v1": [Structure("scalar", "b")]}, "[Z] diagonal family")
"""[Z] Assumption 3.1: W^{KQ}_{21} = a I_d, W^{PV}_1 = b I_d, every other block zero."""
PER_COORDINATE = described({"k21": [Structure("diag", "a")], "v1": [Structure("diag", "b")]},
                           "[Z] per-coordinate family")
"""W^{KQ}_{21} = diag(a_1..a_d), W^{PV}_1 = diag(b_1..b_d), every other block zero."""


def derivative(desc: Description, block: str, row, col) -> Description:
    """The description with the matrix holding `block` replaced by θ·E_{row,col} in `block` (row, col: numbers
    from 1 or coordinate symbols); ŷ being linear in each of W^{KQ}, W^{PV}, ∂ŷ/∂θ is its coefficient of θ."""
    entry = Structure("entry", THETA, row=row, col=col)
    (head,) = desc.heads
    if block.startswith("v"):
        return replace(desc, heads=(Head(kq=head.kq, pv=((*PLACES[block], entry),)),))
    return replace(desc, heads=(Head(kq=((*PLACES[block], entry),), pv=head.pv),))


def slope(desc: Description, k) -> list[Term]:
    """(∂ŷ_t/∂θ)_k as terms, for `desc` from `derivative`."""
    theta = terms.parameter(THETA, "scalar")
    return [replace(term, coeff=sp.diff(term.coeff, theta)) for term in terms.prediction(desc, k, t)]


def prediction(desc: Description, k) -> list[Term]:
    """(ŷ_t)_k as terms, t symbolic."""
    return terms.prediction(desc, k, t)


def error(desc: Description, k) -> list[Term]:
    """(ŷ_t − x_{t+1})_k as terms, t symbolic."""
    return terms.error(desc, k, t)
