"""The [Z] derivations built from descriptions give the expressions the hand-built model gave.

A regression oracle, not an independent computation: tests/data/handbuilt_snapshot.json holds, as `sp.srepr`
strings, what the earlier derivation (the [Z] model built by hand as blocks of diag/full/entry components,
before every [Z] family became a `Description` through `derivations.models.terms`) returned for the cases of
tests/handbuilt_snapshot.py, with the commit that produced them.  Each case is derived again on the current code
and the difference must expand to zero.  The only change allowed is the stated renaming of the parameters of
[Z] §4.3's classes (`derivations.zheng.beyond.name`: identifiers, as in examples/models/zheng_beyond.toml).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

from mesaverify.derivations.zheng import beyond
from mesaverify.derivations.zheng.model import BLOCKS
from tests.handbuilt_snapshot import CASES

STORED = json.loads((Path(__file__).resolve().parent / "data" / "handbuilt_snapshot.json").read_text())
SLOW = {"beyond.closure.ones2.T5", "beyond.reduced_loss.ones2.T5", "beyond.class_gradient.symbolic"}


def _renamed() -> dict:
    """The hand-built symbol p^{block}_{kind} of each class -> the class's symbol now."""
    old = {("k21", "diag"): sp.Symbol("a", real=True), ("v1", "diag"): sp.Symbol("b", real=True)}
    return {old.get((blk, kind), sp.Symbol(f"p^{{{blk}}}_{{{kind}}}", real=True)): beyond.parameter(blk, kind)
            for blk in BLOCKS for kind in beyond.KINDS}


def _difference(old, new):
    """old − new, expanded, entry by entry for tuples (their lengths must agree)."""
    if isinstance(old, sp.Tuple) or isinstance(new, sp.Tuple):
        assert isinstance(old, sp.Tuple) and isinstance(new, sp.Tuple) and len(old) == len(new)
        return [d for o, n in zip(old, new) for d in _difference(o, n)]
    if isinstance(old, sp.Symbol) and isinstance(new, sp.Symbol):  # a label: the same name
        return [] if old == new else [(old, new)]
    diff = sp.expand(old - new)
    return [] if diff == 0 else [diff]


def test_the_snapshot_comes_from_a_commit():
    assert len(STORED["commit"]) == 40 and set(STORED["expressions"]) == set(CASES())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in STORED["expressions"]])
def test_descriptions_give_the_hand_built_expressions(name):
    old = sp.sympify(STORED["expressions"][name]).xreplace(_renamed())  # our own srepr, not user text
    new = CASES()[name]()
    assert _difference(old, new) == [], name
