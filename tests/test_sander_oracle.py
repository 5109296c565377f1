"""A regression oracle for [S]'s models: tests/data/sander_hand_built.json holds, as sp.srepr, the expressions the
earlier derivation built by hand (its own Term builders for the augmented error, the unitary and the orthogonal
models, at the commit the file names) — recorded before those builders gave way to model descriptions.  Each
expression the description path derives now must equal the recorded one exactly."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

from mesaverify.checks.sander.common import ROT, SKEWED_POINTS, SKEWED_PROBS
from mesaverify.checks.zheng.common import SYMBOLIC
from mesaverify.derivations.moments import Ones
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import d

RECORD = json.loads((Path(__file__).parent / "data" / "sander_hand_built.json").read_text(encoding="utf-8"))
READINGS = {"suite": nonaug.SUITE, "real 1/sqrt(d) query s_(T-1)": nonaug.Reading("real", 1 / sp.sqrt(d)),
            "real 1 query s_T": nonaug.Reading("real", 1, 0),
            "real 1/sqrt(d) query s_T": nonaug.Reading("real", 1 / sp.sqrt(d), 0), "eigen": nonaug.Reading("eigen")}


def recorded(name: str) -> sp.Expr:
    """A recorded expression (our own file, written by sp.srepr: read back by SymPy's own constructor names)."""
    return sp.sympify(RECORD["expressions"][name])


def derived(name: str) -> sp.Expr:
    if name.startswith("augmented population"):
        return aug.population_loss(aug.eigen_law(SKEWED_POINTS, SKEWED_PROBS, ROT), 2)
    if name == "augmented scalar symbolic law, symbolic d":
        return aug.scalar_loss(SYMBOLIC, d)
    if name == "augmented scalar s_1 = 1/sqrt(d), symbolic d":
        return aug.scalar_loss(Scaled(Ones(d), 1 / sp.sqrt(d)), d)
    setting, rest = name.split(" ", 1)
    if rest.startswith("polarised"):
        return nonaug.polarised_loss(setting, int(rest.split("=")[1]))
    dim, _, reading = rest.partition(" ")
    dim = int(dim.split("=")[1])
    return nonaug.unitary_loss(dim) if setting == "unitary" else nonaug.orthogonal_loss(dim, READINGS[reading])


def test_the_record_names_its_commit():
    assert len(RECORD["commit"]) == 40 and set(RECORD["expressions"]) >= {"unitary d=2", "orthogonal d=4 eigen"}


@pytest.mark.parametrize("name", [n for n in RECORD["expressions"] if "d=4" not in n or "eigen" in n or "unitary" in n])
def test_the_description_path_equals_the_recorded_hand_built_expression(name):
    assert sp.expand(recorded(name) - derived(name)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in RECORD["expressions"] if "d=4" in n and "orthogonal" in n and "eigen" not in n])
def test_the_description_path_equals_the_recorded_hand_built_expression_at_d4(name):
    assert sp.expand(recorded(name) - derived(name)) == 0


def test_the_oracle_can_fail():
    assert sp.expand(recorded("unitary d=2") - derived("unitary d=4")) != 0
