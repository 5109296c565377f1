"""[Z] §4.3 (beyond Assumption 4.1): the smallest family that contains the flow, derived by closure.

Parameters are grouped in classes: the diagonal and the off-diagonal
entries of each of the six d×d blocks of W^{KQ}, W^{PV}.  A family gives
each active class one scalar (block = p_diag I + p_off (J − I)); we start
from the diagonal family {W^{KQ}_{21} diagonal: a, W^{PV}_1 diagonal: b},
derive the gradient of every class at a generic point of the family, and
add every class whose gradient is not identically zero — until nothing is
added.  For an exchangeable law the gradient is the same on all entries of
a class (coordinate permutations preserve the law, the phases and the
family), which is what lets one scalar stand for a class.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.zheng.assumption import entry_gradient
from derivations.zheng.loss import population_loss
from derivations.zheng.model import BLOCKS, diag, full
from derivations.zheng.symbols import T, a, b

KINDS = ("diag", "off")


def parameter(block: str, kind: str) -> sp.Symbol:
    """The scalar of a class: a, b for the diagonal family, p^{block}_{kind} otherwise."""
    if (block, kind) == ("k21", "diag"):
        return a
    if (block, kind) == ("v1", "diag"):
        return b
    return sp.Symbol(f"p^{{{block}}}_{{{kind}}}", real=True)


def family_of(classes) -> dict:
    """Model family with block = p_diag I + p_off (J − I) for the active classes."""
    fam = {}
    for block in BLOCKS:
        pd = parameter(block, "diag") if (block, "diag") in classes else sp.Integer(0)
        po = parameter(block, "off") if (block, "off") in classes else sp.Integer(0)
        comps = []
        if pd != 0 or po != 0:
            comps.append(diag(lambda m, pd=pd, po=po: pd - po))
        if po != 0:
            comps.append(full(po))
        if comps:
            fam[block] = comps
    return fam


def class_gradient(classes, law, d, block: str, kind: str, horizon=T) -> sp.Expr:
    """G for one representative entry of (block, kind) on the family of `classes`."""
    coords = None if not isinstance(d, int) else ((0, 0) if kind == "diag" else (0, 1))
    return sp.expand(entry_gradient(family_of(classes), law, d, block, kind == "diag", horizon, coords))


@lru_cache(maxsize=None)
def closure(law, d, horizon=T) -> tuple:
    """The smallest set of classes, containing the diagonal family's, closed under the gradient."""
    classes = [("k21", "diag"), ("v1", "diag")]
    while True:
        added = [(blk, kind) for blk in BLOCKS for kind in KINDS
                 if (blk, kind) not in classes and not (kind == "off" and d == 1)
                 and class_gradient(tuple(classes), law, d, blk, kind, horizon) != 0]
        if not added:
            return tuple(classes)
        classes += added


def counts(d) -> dict:
    """Number of entries in each class of a d×d block."""
    return {"diag": d, "off": d * (d - 1)}


def reduced_loss(law, d, horizon=T) -> sp.Expr:
    """L on the closed family, in its class parameters."""
    return population_loss(family_of(closure(law, d, horizon)), law, d, horizon)


def flow_equations(law, d, horizon=T) -> dict:
    """dp/dτ for each class: −(1/#entries) ∂L/∂p (each entry moves with its own full gradient)."""
    loss = reduced_loss(law, d, horizon)
    return {parameter(blk, kind): sp.expand(-sp.diff(loss, parameter(blk, kind)) / counts(d)[kind])
            for blk, kind in closure(law, d, horizon)}
