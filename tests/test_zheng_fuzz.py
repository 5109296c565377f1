"""Hypothesis fuzzing of the derived moment conditions of [Z] (make fuzz runs these at length).

Laws are finite, exchangeable (support symmetrised over coordinate
permutations) with Gaussian-rational points; optionally sign- or
phase-symmetrised, which makes the derived Assumption 4.1 hold.  Failing
examples are printed as `mesaverify` options that can be pasted back.
"""
import itertools
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, note, strategies as st

from checks.lawspec import LawSpec, numeric_law
from derivations.moments import SymbolicExchangeable, with_moments
from derivations.zheng import assumption, capability
from derivations.zheng.symbols import T, d, t
from numerics.zheng.flow import diagonal_init
from numerics.zheng.population import loss_and_gradient
from tests.strategies import gaussian_rationals, paste, small_rationals

pytestmark = pytest.mark.fuzz
EPS = np.finfo(float).eps


@st.composite
def exchangeable_laws(draw):
    dim = draw(st.integers(2, 3))
    base = [tuple(draw(gaussian_rationals) for _ in range(dim)) for _ in range(draw(st.integers(1, 2)))]
    assume(any(v != 0 for p in base for v in p))  # x_1 = 0 a.s. is no law the suite accepts
    symmetry = draw(st.sampled_from(["none", "sign", "phase"]))
    units = {"none": [1], "sign": [1, -1], "phase": [1, sp.I, -1, -sp.I]}[symmetry]
    points = {}
    for p in base:
        for perm in itertools.permutations(range(dim)):
            for flips in itertools.product(units, repeat=dim):
                q = tuple(sp.expand(p[perm[k]] * flips[k]) for k in range(dim))
                points[q] = points.get(q, 0) + 1
    total = sum(points.values())
    return LawSpec("discrete", dim, support=tuple(points), probs=tuple(sp.Rational(c, total) for c in points.values()))


@lru_cache(maxsize=None)
def _identities():
    return assumption.identities(SymbolicExchangeable(assumption.DIM), assumption.DIM)


@lru_cache(maxsize=None)
def _limit_and_conditions():
    S = SymbolicExchangeable(d)
    return capability.test_error_limit(S, d), capability.assumption_4_2(S, d), capability.test_error(S, d)


@lru_cache(maxsize=None)
def _star():
    from derivations.zheng.stationary import ab_limit
    return ab_limit(SymbolicExchangeable(d), d)


def _off_family_gradient(spec, horizon, a0, b0):
    pts, probs = numeric_law(spec).as_arrays()
    K, V = diagonal_init(spec.d, a0, b0)
    _, gK, gV, _ = loss_and_gradient(K, V, pts, probs, horizon)
    D = spec.d
    gK[D:, :D][np.eye(D, dtype=bool)] = 0
    gV[:, :D][np.eye(D, dtype=bool)] = 0
    scale = 1 + np.max(np.abs(pts)) ** 6 * (abs(a0 * b0) + 1) ** 2
    return max(np.max(np.abs(gK)), np.max(np.abs(gV))), scale


@given(exchangeable_laws(), st.integers(3, 6), small_rationals, small_rationals)
def test_identities_decide_invariance(spec, horizon, a0, b0):
    """(i) identities hold ⇒ every off-family gradient vanishes; (ii) one fails ⇒ some gradient is non-zero."""
    note(paste(spec))
    failing = [core for core, scale in _identities()
               if scale.subs(assumption.DIM, spec.d) != 0
               and sp.expand(with_moments(core, spec.exact()).subs(assumption.DIM, spec.d)) != 0]
    g1, s1 = _off_family_gradient(spec, horizon, float(a0), float(b0))
    g2, s2 = _off_family_gradient(spec, horizon, 0.7, 1.3)  # a second point: a ≠ 0, b ≠ 0
    tol = 1e4 * EPS * max(s1, s2) * horizon**2
    if not failing:
        assert max(g1, g2) <= tol
    else:
        assert g2 > tol, f"identities {failing} fail but the gradient vanishes"


@given(exchangeable_laws(), st.integers(3, 8))
def test_zero_test_error_limit_iff_assumption_4_2(spec, horizon):
    """(iii) the limit of the test error vanishes exactly when the derived Assumption 4.2 holds."""
    note(paste(spec))
    limit, conditions, _ = _limit_and_conditions()
    law = spec.exact()
    value = sp.nsimplify(sp.expand(with_moments(limit.subs(d, spec.d), law).subs(T, horizon)))
    holds = all(sp.expand(with_moments(c.subs(d, spec.d), law).subs(T, horizon)) == 0 for c in conditions)
    assert (value == 0) == holds


@given(exchangeable_laws(), st.integers(3, 6), st.integers(2, 7))
def test_test_error_matches_model(spec, horizon, context):
    """(iv) the derived test error at ab = u* against the model with the phases averaged exactly."""
    note(paste(spec))
    _, _, error = _limit_and_conditions()
    star = float(with_moments(_star().subs(d, spec.d), spec.exact()).subs(T, horizon))
    derived = float(with_moments(error.subs(d, spec.d), spec.exact()).subs({T: horizon, t: context}))
    pts, probs = numeric_law(spec).as_arrays()
    K, V = diagonal_init(spec.d, 1.0, star)
    # L(T') sums t = 2..T'−1, so ℓ_t = L(t + 1) − L(t)
    per_t = [loss_and_gradient(K, V, pts, probs, c, gradient=False)[0] for c in (context, context + 1)]
    numeric = per_t[1] - per_t[0]
    assert abs(numeric - derived) <= 1e4 * EPS * context**2 * (1 + abs(derived) + per_t[1])
