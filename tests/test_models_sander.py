"""[S]'s models as description files (examples/models/sander_*.toml): each file's loss equals the loss
derivations/sander states — in (C, p) read off its own two-head description (non-augmented; the files have one
weight vector shared by the heads), in (Ã, B̃) on the law of P^* s_1 (augmented) — and the generic check holds each
against its numeric twin.  (The record of the earlier hand-built derivation is tests/test_sander_oracle.py's.)"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

import mesaverify as mv
from mesaverify import models
from mesaverify.checks.core.laws import LawSpec
from mesaverify.derivations.models import derive, process
from mesaverify.derivations.models.description import InvalidDescription
from mesaverify.derivations.moments import Discrete, Ones
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import C, d
from mesaverify.errors import UsageError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "models"
SKEWED = ((1, sp.Rational(1, 2)), (sp.I / 3, -1)), (sp.Rational(1, 3), sp.Rational(2, 3))  # a finite law of s_1


def example(name):
    return models.load(EXAMPLES / f"{name}.toml")


def in_heads(expr, dim: int, heads: int):
    """A loss in C written in the heads: C = Σ_h b_h a_h^T."""
    a = [sp.IndexedBase(f"a{h}", real=True) for h in range(1, heads + 1)]
    b = [sp.IndexedBase(f"b{h}", real=True) for h in range(1, heads + 1)]
    return expr.xreplace({C[r, c]: sum(b[h][r] * a[h][c] for h in range(heads)) for r in range(dim) for c in range(dim)})


def rotation(desc) -> sp.Matrix:
    return sp.Matrix([[process.exact(v) for v in row] for row in desc.conjugation])


def test_the_unitary_file_is_the_derived_model():
    new = derive.loss(example("sander_unitary"), Ones(2), 2)
    assert sp.expand(in_heads(nonaug.unitary_loss(2), 2, 2) - new) == 0


@pytest.mark.parametrize("reading", [nonaug.SUITE, nonaug.Reading("real", 1 / sp.sqrt(d), 0), nonaug.Reading("eigen")],
                         ids=["suite", "scaled-query-sT", "eigen"])
def test_the_orthogonal_file_is_the_derived_model(reading):
    """Each reading of the orthogonal model: rotations (or their eigen-pairs) with s_1 = r·𝟙 and the query s_{T−lag}."""
    desc = replace(example("sander_orthogonal"), lag=reading.lag,
                   process="rotations" if reading.basis == "real" else "pairs")
    law = Ones(2) if reading.scale == 1 else Scaled(Ones(2), sp.sympify(reading.scale).subs(d, 2))
    new = derive.loss(desc, law, 2)
    assert sp.expand(in_heads(nonaug.orthogonal_loss(2, reading), 2, 2) - new) == 0


@pytest.mark.slow
def test_the_dense_augmented_file_is_the_derived_model():
    """Without P on the law of P^* s_1, the derived loss in (Ã, B̃) itself; with P on the law of s_1, that loss
    at Ã = P^* A P, B̃ = P^* B P."""
    desc = example("sander_augmented_dense")
    P = rotation(desc)
    eigen = aug.eigen_law(*SKEWED, P)
    old = aug.population_loss(eigen, 2)
    assert sp.expand(old - derive.loss(replace(desc, conjugation=None), eigen, 2)) == 0
    tilde = {X: P.H * sp.Matrix(2, 2, lambda r, c: X[r, c]) * P for X in (aug.A, aug.B)}
    moved = old.replace(lambda e: isinstance(e, sp.Indexed) and e.base in tilde,
                        lambda e: tilde[e.base][int(e.indices[0]), int(e.indices[1])])
    # moved is a sum of products of linear forms: multiplied out as sp.expand does (held to it in test_models.py)
    assert derive.expand_products(moved - derive.loss(desc, Discrete(*SKEWED), 2)) == 0


@pytest.mark.parametrize("name, spec", [
    ("sander_unitary", LawSpec("ones", 2)),
    ("sander_orthogonal", LawSpec("ones", 2)),
    pytest.param("sander_augmented_dense", LawSpec("discrete", 2, support=SKEWED[0], probs=SKEWED[1]), marks=pytest.mark.slow),
])
def test_the_generic_check_holds_on_the_sander_descriptions(name, spec):
    assert mv.model(EXAMPLES / f"{name}.toml", spec).check().passed


def test_the_processes_refuse_what_they_cannot_describe():
    orthogonal = example("sander_orthogonal")
    with pytest.raises(InvalidDescription, match="even"):
        derive.loss(orthogonal, Ones(3), 3)
    with pytest.raises(InvalidDescription, match="real"):
        derive.loss(orthogonal, Discrete(((1, sp.I),), (1,)), 2)
    with pytest.raises(InvalidDescription, match="unitary"):
        derive.loss(replace(orthogonal, conjugation=((Fraction(1), Fraction(1)),) * 2), Ones(2), 2)
    with pytest.raises(UsageError, match="even d"):  # the API and the command line say it in one line
        mv.model(EXAMPLES / "sander_orthogonal.toml", LawSpec("ones", 3))
    with pytest.raises(UsageError, match="real almost surely"):
        mv.model(EXAMPLES / "sander_orthogonal.toml", LawSpec("phase", 2))
    with pytest.raises(UsageError, match="square"):
        models.parse('[process]\nkind = "rotations"\nconjugation = [["1", "0"]]\n[token]\nblocks = ["x[t]"]')
    with pytest.raises(UsageError, match="sqrt"):
        models.parse('[process]\nconjugation = [["sqrt(2)"]]\n[token]\nblocks = ["x[t]"]')
