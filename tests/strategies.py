"""Hypothesis strategies for laws, dimensions and horizons (composed, shrinking to small cases)."""
from __future__ import annotations

import json

import sympy as sp
from hypothesis import assume
from hypothesis import strategies as st

from mesaverify.checks.core.laws import LawSpec

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


small_integers = st.integers(-3, 3)
gaussian_integers = st.builds(lambda re, im: re + sp.I * im, small_integers, st.integers(-2, 2))


@st.composite
def laws_breaking_one_41(draw):
    """(law, identity): an exchangeable finite law violating exactly one identity of the derived
    Assumption 4.1 (mesaverify.checks.core.lawbuild: exact mixture weights over symmetrised candidate points)."""
    from mesaverify.checks.core.lawbuild import breaking_41, identities_41

    dim = draw(st.integers(2, 3))
    identity = draw(st.sampled_from(identities_41(dim)))
    coord = draw(st.sampled_from([small_integers, gaussian_integers]))
    points = [tuple(draw(coord) for _ in range(dim)) for _ in range(draw(st.integers(6, 12)))]
    law = breaking_41(identity, points)
    assume(law is not None)
    return law, identity


@st.composite
def laws_breaking_one_42(draw):
    """(law, kind): an exchangeable finite law violating exactly one condition of the derived Assumption 4.2.

    kind "modulus": x_1 has at most one non-zero coordinate (m_{2,4} = 0) whose modulus takes at least
    two values (m₂m₆ ≠ m₄²).  kind "spread" (d ≥ 2): every |x_k| ∈ {0, c} (m₂m₆ = m₄²) and two
    coordinates are non-zero together with positive probability (m_{2,4} > 0).  Coordinates carry
    random unit phases in {±1, ±i}; the support is symmetrised over coordinate permutations.
    """
    from mesaverify.checks.core.lawbuild import mixture, symmetrised

    kind = draw(st.sampled_from(["modulus", "spread"]))
    dim = draw(st.integers(1 if kind == "modulus" else 2, 3))
    unit = st.sampled_from([1, -1, sp.I, -sp.I])
    if kind == "modulus":
        radii = draw(st.lists(positive_rationals, min_size=2, max_size=3, unique=True))
        points = [(r * draw(unit),) + (0,) * (dim - 1) for r in radii]
    else:
        c = draw(positive_rationals)
        points = [tuple(c * draw(unit) if draw(st.booleans()) else 0 for _ in range(dim))
                  for _ in range(draw(st.integers(1, 3)))]
        points.append((c * draw(unit), c * draw(unit)) + (0,) * (dim - 2))  # two non-zero together
        points = [p for p in points if any(v != 0 for v in p)]
    weights = [draw(st.integers(1, 4)) for _ in points]
    return mixture([symmetrised(p) for p in points], [sp.Rational(w, sum(weights)) for w in weights]), kind


def budget(share: float, least: int = 10) -> int:
    """Examples for a property under the active profile: `share` of its max_examples (at least `least`, 10
    unless a property costs seconds an example), so that costly properties take fewer examples than cheap ones
    within one time budget."""
    from hypothesis import settings

    return max(least, int(settings.default.max_examples * share))
