"""Hypothesis strategies for laws, dimensions and horizons (composed, shrinking to small cases)."""
from __future__ import annotations

import json

import sympy as sp
from hypothesis import assume, strategies as st

from checks.lawspec import LawSpec

small_rationals = st.builds(sp.Rational, st.integers(-6, 6), st.integers(1, 4))
positive_rationals = st.builds(sp.Rational, st.integers(1, 8), st.integers(1, 4))
gaussian_rationals = st.builds(lambda re, im: re + sp.I * im, small_rationals, small_rationals)


@st.composite
def builtin_laws(draw, d=st.integers(1, 8), exact_only=False):
    """A built-in law with exact parameters; exact_only excludes laws without finite support."""
    names = ["sparse", "ones", "rademacher"] + ([] if exact_only else ["gaussian", "complex-gaussian", "phase"])
    name = draw(st.sampled_from(names))
    return LawSpec(name, draw(d), sigma=draw(positive_rationals), c=draw(positive_rationals))


@st.composite
def finite_laws(draw, d=st.integers(1, 3), n=st.integers(1, 3), complex_=True):
    """A finite law on C^d with Gaussian-rational support points and rational probabilities."""
    dim, size = draw(d), draw(n)
    coord = gaussian_rationals if complex_ else small_rationals
    points = tuple(tuple(draw(coord) for _ in range(dim)) for _ in range(size))
    assume(any(v != 0 for p in points for v in p))  # x_1 = 0 a.s. is no law the suite accepts
    weights = [draw(st.integers(1, 5)) for _ in range(size)]
    probs = tuple(sp.Rational(w, sum(weights)) for w in weights)
    return LawSpec("discrete", dim, support=points, probs=probs)


def paste(spec: LawSpec) -> str:
    """The command-line options that reproduce a law (printed with a failing example)."""
    if spec.name == "discrete":
        pts = json.dumps([[str(v) for v in p] for p in spec.support])
        return f"--law discrete --support '{pts}' --probs '{json.dumps([str(p) for p in spec.probs])}'"
    return f"--law {spec.name} --d {spec.d} --sigma {spec.sigma} --c {spec.c}"
