"""Hypothesis properties of the [Z] derivations against independent evaluations."""
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, note
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from mesaverify.checks.core.laws import numeric_law
from mesaverify.derivations.moments import SymbolicExchangeable, with_moments
from mesaverify.derivations.zheng import flow, loss, stationary
from mesaverify.derivations.zheng.symbols import T, a, a0, a_k, b, b0, b_k, d, tau
from mesaverify.numerics.zheng.flow import diagonal_init
from mesaverify.numerics.zheng.population import loss_and_gradient, losses_along, ratio_sparse
from tests.strategies import builtin_laws, finite_laws, paste, small_rationals

SYMBOLIC = SymbolicExchangeable(d)
EPS = np.finfo(float).eps


@given(builtin_laws(), st.integers(3, 64))
def test_symbolic_d_and_T_agree_with_explicit_enumeration(spec, horizon):
    """The symbolic-d, symbolic-T loss equals the loss derived for the numeric d and T directly."""
    note(paste(spec))
    general = with_moments(loss.diagonal_loss(SYMBOLIC, d), spec.exact()).subs({d: spec.d, T: horizon})
    direct = loss.diagonal_loss(spec.exact(), spec.d, horizon)
    assert sp.expand(general - direct) == 0


@given(finite_laws(), st.integers(3, 9), st.lists(small_rationals, min_size=6, max_size=6))
def test_per_coordinate_loss_matches_model(spec, horizon, params):
    """Exact per-coordinate loss vs the model's full matrices, phases averaged exactly (float64)."""
    note(paste(spec))
    D = spec.d
    av, bv = params[:D], params[3:3 + D]
    derived = loss.per_coordinate_loss(spec.exact(), D).subs(
        {T: horizon, **{a_k[k]: av[k] for k in range(D)}, **{b_k[k]: bv[k] for k in range(D)}})
    K = np.zeros((2 * D, 2 * D), complex)
    V = np.zeros((D, 2 * D), complex)
    for k in range(D):
        K[D + k, k], V[k, k] = float(av[k]), float(bv[k])
    pts, probs = numeric_law(spec).as_arrays()
    numeric, *_ = loss_and_gradient(K, V, pts, probs, horizon, gradient=False)
    # float64 sums of O(T² d³) terms, each O(scale): relative error below T² d³ · eps
    bound = horizon**2 * (2 * D) ** 3 * EPS * max(1.0, float(sp.Abs(derived)))
    assert abs(float(derived) - numeric) <= bound


@given(builtin_laws(d=st.integers(1, 4), exact_only=True), st.integers(3, 12),
       small_rationals, small_rationals)
def test_closed_form_solves_the_reduced_ode(spec, horizon, A0, B0):
    """u(τ) in closed form against SciPy's integration of the derived (a, b) ODE; a² − b² conserved."""
    note(paste(spec))
    law = spec.exact()
    da, db = (sp.lambdify((a, b), e) for e in flow.flow_equations(law, spec.d, horizon))
    sol = solve_ivp(lambda _, y: [da(*y), db(*y)], (0, 2), [float(A0), float(B0)],
                    rtol=1e-12, atol=1e-14, t_eval=[0.5, 1.0, 2.0], method="DOP853")
    closed = flow.ab_solution(law, spec.d, horizon).subs({a0: A0, b0: B0})
    scale = 1 + max(abs(sol.y[0] * sol.y[1]))
    for n, when in enumerate(sol.t):
        value = float(sp.N(closed.subs(tau, sp.Float(when, 30)), 30))
        assert abs(value - sol.y[0, n] * sol.y[1, n]) <= 1e-8 * scale
    q = sol.y[0] ** 2 - sol.y[1] ** 2
    assert np.allclose(q, float(A0**2 - B0**2), rtol=1e-9, atol=1e-9)


@given(builtin_laws(d=st.integers(1, 8)), st.integers(3, 64))
def test_stationary_types(spec, horizon):
    """For every law, d and T: the origin is a saddle, the hyperbola ab = u* a minimum."""
    note(paste(spec))
    types = [p["type"] for p in stationary.stationary_points(spec.exact(), spec.d, horizon)]
    assert types == ["saddle", "minimum"]


def test_stationary_types_symbolic():
    types = [p["type"] for p in stationary.stationary_points(SYMBOLIC, d)]
    assert types == ["saddle", "minimum"]


@given(st.integers(1, 3), st.integers(3, 7), st.integers(0, 2**32 - 1))
def test_numeric_gradient_is_the_derivative(D, horizon, seed):
    """The analytic phase-averaged gradient against an exact 5-point stencil (L is quartic along a line)."""
    rng = np.random.default_rng(seed)
    K = rng.standard_normal((2 * D, 2 * D)) + 1j * rng.standard_normal((2 * D, 2 * D))
    V = rng.standard_normal((D, 2 * D)) + 1j * rng.standard_normal((D, 2 * D))
    dK = rng.standard_normal(K.shape) + 1j * rng.standard_normal(K.shape)
    dV = rng.standard_normal(V.shape) + 1j * rng.standard_normal(V.shape)
    x = rng.standard_normal((3, D)) + 1j * rng.standard_normal((3, D))
    w = np.full(3, 1 / 3)
    value, gK, gV, _ = loss_and_gradient(K, V, x, w, horizon)

    def along(h):
        return loss_and_gradient(K + h * dK, V + h * dV, x, w, horizon, gradient=False)[0]

    h = 0.5
    stencil = (along(-2 * h) - 8 * along(-h) + 8 * along(h) - along(2 * h)) / (12 * h)
    analytic = np.sum((gK.conj() * dK).real) + np.sum((gV.conj() * dV).real)
    assert math.isclose(stencil, analytic, rel_tol=1e-8, abs_tol=1e-8 * value)


def test_factor_one_over_d_for_exchangeable_laws():
    """Each of the d entries carrying a receives 1/d of ∂L_diag/∂a (chain rule + exchangeability)."""
    from mesaverify.derivations.moments import RealGaussian, Sparse
    for law, D in ((RealGaussian(3, 2), 3), (Sparse(2, sp.Rational(1, 3)), 2)):
        assert flow.entry_gradient_factor(law, D, 6) == [sp.Rational(1, D)] * D


@pytest.mark.parametrize("sigma", [sp.Rational(1, 2), 1, 2])
def test_gaussian_limit_tends_to_paper_line(sigma):
    from mesaverify.derivations.moments import RealGaussian
    star = stationary.ab_limit(RealGaussian(5, sigma), 5)
    assert sp.limit(star, T, sp.oo) == 1 / (5 * sp.sympify(sigma) ** 2)
    assert star.subs(T, 100) < 1 / (5 * sp.sympify(sigma) ** 2)


@given(st.integers(1, 3), st.integers(3, 6), st.integers(0, 2**32 - 1))
def test_sparse_loss_is_the_loss(D, horizon, seed):
    """losses_along (zero parameters left out, coefficients scaled) = loss_and_gradient at each scale, with some
    entries of K and whole columns of V zero."""
    rng = np.random.default_rng(seed)
    K = (rng.standard_normal((2 * D, 2 * D)) + 1j * rng.standard_normal((2 * D, 2 * D))) * (rng.random((2 * D, 2 * D)) < .6)
    V = (rng.standard_normal((D, 2 * D)) + 1j * rng.standard_normal((D, 2 * D))) * (rng.random(2 * D) < .6)
    x = rng.standard_normal((5, D)) + 1j * rng.standard_normal((5, D))
    w = rng.random(5)
    w /= w.sum()
    scales = (0.0, 1.0, -1.5)
    expected = [loss_and_gradient(K, s * V, x, w, horizon, gradient=False)[0] for s in scales]
    for got, want in zip(losses_along(K, V, x, w, horizon, scales, chunk=2), expected):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)


def test_sparse_ratio_is_the_phase_average():
    """ratio_sparse = E[ŷ_{t,k}/x_{t+1,k}] averaged over k, the phases on the roots of unity of order 2t + 1 (the
    ratio's exponents lie in (−2t, 2t)), the model built from its block form."""
    rng = np.random.default_rng(3)
    D, t, u = 2, 4, 0.7
    x = rng.standard_normal((3, D)) + 1j * rng.standard_normal((3, D))
    w = np.full(3, 1 / 3)
    K, V = diagonal_init(D, 1.0, u)
    roots = np.exp(2j * np.pi * np.arange(2 * t + 1) / (2 * t + 1))
    lam = np.array(np.meshgrid(*[roots] * D, indexing="ij")).reshape(D, -1).T
    total = 0.0
    for x1, wn in zip(x, w):
        xs = [np.zeros_like(lam)] + [lam ** (s - 1) * x1 for s in range(1, t + 2)]
        pred = sum(xs[i + 1] * np.sum(np.conj(xs[i]) * xs[t], axis=1, keepdims=True) for i in range(1, t)) * u / (t - 1)
        total += wn * np.mean(pred / xs[t + 1]).real
    assert math.isclose(ratio_sparse(K, V, x, w, t), total, rel_tol=1e-12)

