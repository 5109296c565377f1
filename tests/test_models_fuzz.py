"""Random small model descriptions: the derived loss and gradient equal the numeric twin at 50 digits."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesaverify.checks.core.precision import DIGITS, EXACT_TOL
from mesaverify.checks.models.common import rows
from mesaverify.derivations.models import derive
from mesaverify.derivations.models.description import Description, Head, Structure
from tests.strategies import budget, finite_laws

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


@settings(max_examples=budget(0.05))
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
