"""Random small model descriptions: the derived loss and gradient equal the numeric twin at 50 digits."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from mesaverify.checks.core.laws import LawSpec
from mesaverify.checks.core.precision import DIGITS, EXACT_TOL
from mesaverify.checks.models.common import rows
from mesaverify.derivations.hypotheses import BeyondEngine
from mesaverify.derivations.models import derive
from mesaverify.derivations.models.description import Description, Head, Structure
from mesaverify.numbers import ExactComplex
from tests.strategies import budget, finite_laws, gaussian_rationals

pytestmark = pytest.mark.fuzz


@st.composite
def structures(draw, d: int, names=("a", "b", "g")):
    kind = draw(st.sampled_from(("scalar", "diag", "ones", "entry")))
    row, col = (draw(st.integers(1, d)), draw(st.integers(1, d))) if kind == "entry" else (0, 0)
    name = draw(st.sampled_from(names))
    return Structure(kind, f"{name}_{kind}", row=row, col=col)


@st.composite
def descriptions(draw, d: int):
    tokens = tuple(draw(st.lists(st.sampled_from((0, 1, 2, None)), min_size=1, max_size=3).filter(
        lambda ts: any(s is not None for s in ts))))
    n = len(tokens)
    heads = []
    for _ in range(draw(st.integers(1, 2))):
        kq = ((draw(st.integers(1, n)), draw(st.integers(1, n)), draw(structures(d))),)
        pv = ((draw(st.integers(1, n)), draw(structures(d))),)
        heads.append(Head(kq, pv))
    readout = draw(st.sampled_from([k + 1 for k, s in enumerate(tokens) if s is not None]))
    last = draw(st.booleans())
    return Description(tokens=tokens, heads=tuple(heads), keys=draw(st.sampled_from(("1..t", "1..t-1"))),
                       lag=draw(st.integers(0, 1)), normalisation=draw(st.sampled_from(("1/(t-1)", "1/t", "1/T", "1"))),
                       residual=draw(st.booleans()), readout=readout, loss="last" if last else "autoregressive",
                       start=draw(st.integers(2, 3)), scale=draw(st.sampled_from((Fraction(1, 2), Fraction(1)))))


@settings(max_examples=budget(0.05, least=6))  # about 2 s an example
@given(st.data())
def test_derived_loss_and_gradient_equal_the_twin(data):
    spec = data.draw(finite_laws(d=st.integers(1, 3), n=st.integers(1, 2)))
    desc = data.draw(descriptions(spec.d))
    first = derive.least_horizon(desc)
    horizon = data.draw(st.integers(max(3, first), max(3, first) + 2).filter(lambda h: h <= 7))
    law = spec.exact()
    loss = derive.loss(desc, law, spec.d)
    rates = derive.flow(desc, law, spec.d)
    with mpmath.workdps(DIGITS):
        for label, derived, numeric in rows(desc, loss, rates, spec, (horizon,), seeds=(0,)):
            assert abs(derived - numeric) <= EXACT_TOL * max(1, abs(numeric)), (label, desc)


ROTATION = ((Fraction(3, 5), Fraction(-4, 5)), (Fraction(4, 5), Fraction(3, 5)))
UNITARY = ((Fraction(3, 5), ExactComplex(Fraction(0), Fraction(4, 5))),
           (ExactComplex(Fraction(0), Fraction(4, 5)), Fraction(3, 5)))
CONJUGATIONS = {"phases": (None, ROTATION, UNITARY), "rotations": (None, ROTATION), "pairs": (None,)}


@st.composite
def paired_laws(draw):
    """A finite law on C^2 whose points are conjugate pairs (z, z̄), as the process "pairs" needs."""
    zs = draw(st.lists(gaussian_rationals.filter(lambda z: z != 0), min_size=1, max_size=2))
    weights = [draw(st.integers(1, 5)) for _ in zs]
    return LawSpec("discrete", 2, support=tuple((z, sp.conjugate(z)) for z in zs),
                   probs=tuple(sp.Rational(w, sum(weights)) for w in weights))


@settings(max_examples=budget(0.005, least=4))  # about 4 s an example
@given(st.data())
def test_processes_and_conjugations_equal_the_twin(data):
    """Rotations, their eigen-pairs and conjugated phases (d = 2), either factor of the score conjugated: the
    derived loss and gradient equal the twin, which builds W, P and the tokens as matrices."""
    kind = data.draw(st.sampled_from(tuple(CONJUGATIONS)))
    spec = data.draw(paired_laws() if kind == "pairs" else finite_laws(d=st.just(2), n=st.integers(1, 2),
                                                                      complex_=kind == "phases"))
    desc = replace(data.draw(descriptions(2)), process=kind, conjugation=data.draw(st.sampled_from(CONJUGATIONS[kind])),
                   conjugated=data.draw(st.sampled_from(("key", "query"))))
    first = derive.least_horizon(desc)
    horizon = data.draw(st.integers(max(3, first), max(3, first) + 1).filter(lambda h: h <= 6))
    law = spec.exact()
    try:
        loss = derive.loss(desc, law, 2)
    except BeyondEngine as err:  # a sum whose terms depend on the parity of T: beyond the engine, not derived
        assert "parity" in str(err)
        reject()
    rates = derive.flow(desc, law, 2)
    with mpmath.workdps(DIGITS):
        for label, derived, numeric in rows(desc, loss, rates, spec, (horizon,), seeds=(0,)):
            assert abs(derived - numeric) <= EXACT_TOL * max(1, abs(numeric)), (label, desc)
