"""Hypothesis fuzzing of the derived moment conditions of [Z] (make fuzz runs these at length).

Laws are finite and exchangeable with Gaussian-rational points: symmetrised
over coordinate permutations, optionally sign- or phase-symmetrised (which
makes the derived Assumption 4.1 hold), or built to break exactly one
identity of Assumption 4.1 or one condition of Assumption 4.2
(tests.strategies).  Derived expressions are evaluated exactly; the model is
evaluated in float64 with the phases averaged exactly.  Failing examples are
printed as `mesaverify` options that can be pasted back.
"""
import itertools
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from mesaverify.checks.core.lawbuild import identities_41, values_41
from mesaverify.checks.core.laws import LawSpec, numeric_law
from mesaverify.derivations.moments import SymbolicExchangeable, with_moments
from mesaverify.derivations.zheng import capability, stationary
from mesaverify.derivations.zheng.symbols import T, d, t
from mesaverify.numerics.zheng.flow import diagonal_init
from mesaverify.numerics.zheng.population import loss_and_gradient
from tests.strategies import budget, gaussian_rationals, laws_breaking_one_41, laws_breaking_one_42, paste, small_rationals

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
def _derived():
    """The derived results on a symbolic exchangeable law, once per process."""
    S = SymbolicExchangeable(d)
    return {"limit": capability.test_error_limit(S, d), "conditions": capability.assumption_4_2(S, d),
            "error": capability.test_error(S, d), "star": stationary.ab_limit(S, d)}


@lru_cache(maxsize=None)
def _compiled(name, dim, horizon, index=None):
    """A derived result with d, then T substituted (d first: moments of more coordinates than d
    come with a vanishing count), compiled once per (d, T) into a function of its remaining
    symbols (moments, t) that computes with exact SymPy numbers."""
    expr = _derived()[name] if index is None else _derived()[name][index]
    expr = sp.together(expr.subs(d, dim).subs(T, horizon))
    symbols = sorted(expr.free_symbols, key=str)
    return symbols, sp.lambdify(symbols, expr, "sympy")


def _value(name, spec, horizon, index=None, context=None):
    """A derived result on a law (at test context t = `context`), exactly."""
    symbols, f = _compiled(name, spec.d, horizon, index)
    law = spec.exact()
    return sp.sympify(f(*[context if s == t else with_moments(s, law) for s in symbols]))


def _off_family_gradient(spec, horizon, a0, b0):
    pts, probs = numeric_law(spec).as_arrays()
    K, V = diagonal_init(spec.d, a0, b0)
    _, gK, gV, _ = loss_and_gradient(K, V, pts, probs, horizon)
    D = spec.d
    gK[D:, :D][np.eye(D, dtype=bool)] = 0
    gV[:, :D][np.eye(D, dtype=bool)] = 0
    scale = 1 + np.max(np.abs(pts)) ** 6 * (abs(a0 * b0) + 1) ** 2
    return max(np.max(np.abs(gK)), np.max(np.abs(gV))), scale * 1e4 * EPS * horizon**2


def _per_t_losses(spec, star, contexts):
    """ℓ_t of the model at a = 1, b = star, phases exact: L(T') sums t = 2..T'−1, so ℓ_t = L(t + 1) − L(t)."""
    pts, probs = numeric_law(spec).as_arrays()
    K, V = diagonal_init(spec.d, 1.0, star)
    out = []
    for c in contexts:
        lo, hi = (loss_and_gradient(K, V, pts, probs, h, gradient=False)[0] for h in (c, c + 1))
        out.append((hi - lo, hi))
    return out


@settings(max_examples=budget(0.5))
@given(exchangeable_laws(), st.integers(3, 6), small_rationals, small_rationals)
def test_identities_decide_invariance(spec, horizon, a0, b0):
    """(i) identities hold ⇒ every off-family gradient vanishes; (ii) one fails ⇒ some gradient is non-zero."""
    note(paste(spec))
    failing = [core for core, value in zip(identities_41(spec.d), values_41(spec.exact(), spec.d)) if value != 0]
    g1, tol1 = _off_family_gradient(spec, horizon, float(a0), float(b0))
    g2, tol2 = _off_family_gradient(spec, horizon, 0.7, 1.3)  # a second point: a ≠ 0, b ≠ 0
    if not failing:
        assert max(g1, g2) <= max(tol1, tol2)
    else:
        assert g2 > tol2, f"identities {failing} fail but the gradient vanishes"


@settings(max_examples=budget(0.5))
@given(laws_breaking_one_41(), st.integers(3, 6))
def test_each_identity_of_4_1_is_necessary(law_and_identity, horizon):
    """(ii, sharp) a law breaking exactly one derived identity: that identity alone fails, and the
    model's off-family gradient does not vanish — no identity of the list is redundant."""
    spec, identity = law_and_identity
    note(paste(spec))
    values = dict(zip(identities_41(spec.d), values_41(spec.exact(), spec.d)))
    assert [core for core, v in values.items() if v != 0] == [identity]
    g, tol = _off_family_gradient(spec, horizon, 0.7, 1.3)
    assert g > tol, f"only {identity} = {values[identity]} fails, but the off-family gradient vanishes"


@settings(max_examples=budget(2))
@given(exchangeable_laws(), st.integers(3, 8))
def test_zero_test_error_limit_iff_assumption_4_2(spec, horizon):
    """(iii) the limit of the test error vanishes exactly when the derived Assumption 4.2 holds."""
    note(paste(spec))
    holds = all(_value("conditions", spec, horizon, n) == 0 for n in range(2))
    assert (_value("limit", spec, horizon) == 0) == holds


@settings(max_examples=budget(1))
@given(laws_breaking_one_42(), st.integers(3, 6))
def test_each_condition_of_4_2_is_necessary(law_and_kind, horizon):
    """(iii, sharp) a law breaking exactly one condition of the derived Assumption 4.2 (non-constant
    modulus alone, or two coordinates non-zero together alone) has a non-zero limit of the test error,
    derived and from the model (ℓ_t = A + B/(t − 1), A fitted on t = 3, 5 and checked at t = 7)."""
    spec, kind = law_and_kind
    note(paste(spec))
    first, second = (_value("conditions", spec, horizon, n) for n in range(2))
    assert (first != 0, second != 0) == ((True, False) if kind == "modulus" else (False, True))
    limit = _value("limit", spec, horizon)
    assert limit != 0
    star = float(_value("star", spec, horizon))
    (l3, s3), (l5, s5), (l7, s7) = _per_t_losses(spec, star, (3, 5, 7))
    A = l3 - (l3 - l5) / (1 / 2 - 1 / 4) / 2
    tol = 1e4 * EPS * max(s3, s5, s7)
    assert abs(A + (l3 - l5) / (1 / 2 - 1 / 4) / 6 - l7) <= tol  # affine in 1/(t − 1)
    assert abs(A - float(limit)) <= tol


@settings(max_examples=budget(1))
@given(exchangeable_laws(), st.integers(3, 6), st.integers(2, 7))
def test_test_error_matches_model(spec, horizon, context):
    """(iv) the derived test error at ab = u* against the model with the phases averaged exactly."""
    note(paste(spec))
    star = float(_value("star", spec, horizon))
    derived = float(_value("error", spec, horizon, context=context))
    [(numeric, total)] = _per_t_losses(spec, star, (context,))
    assert abs(numeric - derived) <= 1e4 * EPS * context**2 * (1 + abs(derived) + total)
