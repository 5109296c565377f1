"""The fast paths equal the derivations they replace: [Z]'s symbolic-d results specialised to a law, d and T
against the sum over coordinate assignments at that numeric d; harmonic numbers kept unevaluated."""
import itertools
import random

import mpmath
import pytest
import sympy as sp

from mesaverify.derivations import specialise
from mesaverify.derivations.moments import (ComplexGaussian, Discrete, Ones, Rademacher, RealGaussian, Sparse,
                                            UniformPhase)
from mesaverify.derivations.zheng import capability, closed, stationary
from mesaverify.derivations.zheng.assumption import assumption_4_1, gradients
from mesaverify.derivations.zheng.symbols import T, a, b

R = sp.Rational


def orbit_law(base):
    """Every distinct rearrangement of `base`, equally likely: an exchangeable finite law."""
    points = sorted(set(itertools.permutations(base)), key=str)
    return Discrete(tuple(points), (R(1, len(points)),) * len(points))


def laws(dim):
    """Exchangeable laws of every kind at dimension dim (a discrete one with a complex, asymmetric orbit)."""
    return [RealGaussian(dim, R(1, 2)), ComplexGaussian(dim, R(3, 2)), Sparse(dim, R(2)), Ones(dim), Rademacher(dim),
            UniformPhase(dim), orbit_law((1 + sp.I, R(1, 2), 0, -2)[:dim])]


@pytest.mark.parametrize("dim", [1, 2, 3, 4])
def test_ab_limit_closed_form_is_the_numeric_d_derivation(dim):
    for law in laws(dim):
        for horizon in (3, 7):
            assert law.exchangeable
            fast, slow = closed.ab_limit(law, dim, horizon), stationary.ab_limit(law, dim, horizon)
            assert sp.simplify(fast - slow) == 0, (law, horizon, fast, slow)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_capability_closed_forms_are_the_numeric_d_derivations(dim):
    for law in laws(dim)[::2] + [laws(dim)[-1]]:
        assert sp.simplify(closed.test_error_limit(law, dim, 5) - capability.test_error_limit(law, dim, 5)) == 0
        assert sp.simplify(closed.ratio(law, dim, 5) - capability.ratio(law, dim, 5)) == 0


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_assumption_4_1_from_the_symbolic_gradients_is_the_numeric_d_one(dim):
    """The off-family gradients at a = b = 1 of the symbolic derivation specialised at d equal those derived
    at that numeric d (the old path), for laws that break and laws that keep Assumption 4.1."""
    for law in (Ones(dim), Rademacher(dim), orbit_law((1 + sp.I, R(1, 2), 0)[:dim]), Sparse(dim, R(3))):
        expected = {f"{blk}.{kind}": g.subs({a: 1, b: 1, T: 6}) for (blk, kind), g in gradients(law, dim).items()
                    if (blk, kind) not in (("k21", "diag"), ("v1", "diag")) and g != 0}
        got = assumption_4_1(law, dim, 6)["gradient_at_a=b=1"]
        assert set(got) == set(expected), (law, got, expected)
        assert all(sp.simplify(sp.sympify(got[k]) - v) == 0 for k, v in expected.items()), (law, got, expected)


def test_closed_forms_of_a_non_exchangeable_law_refuse():
    law = Discrete(((1, 0), (0, 2)), (R(1, 2), R(1, 2)))
    assert not law.exchangeable
    assert closed.ab_limit(law, 2, 5) == stationary.ab_limit(law, 2, 5)
    with pytest.raises(ValueError):
        closed.ratio(law, 2, 5)


def test_large_horizons_keep_the_harmonic_number_and_evaluate_it_through_mpmath():
    """Gaussian, σ = 1, d = 2: u* = n/(5n + H_n) with n = T − 2 = 10⁹ − 2, H_n = ψ(n + 1) + γ at 40 digits."""
    n = 10**9 - 2
    value = closed.ab_limit(RealGaussian(2, 1), 2, n + 2)
    assert value.atoms(sp.harmonic) == {sp.harmonic(n, evaluate=False)}
    with mpmath.workdps(40):
        want = n / (5 * n + mpmath.psi(0, n + 1) + mpmath.euler)
        assert abs(mpmath.mpf(sp.N(value, 40)) - want) < mpmath.mpf(10) ** -35


def test_generalised_harmonic_numbers_are_held_too():
    Tsym = sp.Symbol("T", integer=True, positive=True)
    expr = sp.harmonic(Tsym - 2, 2) + sp.harmonic(Tsym - 2)
    small = specialise.at_horizon(expr, 7, Tsym)
    assert small == sp.harmonic(5, 2) + sp.harmonic(5) and small.is_Rational
    big = specialise.at_horizon(expr, 10**6, Tsym)
    assert big.atoms(sp.harmonic) == {sp.harmonic(10**6 - 2, 2, evaluate=False), sp.harmonic(10**6 - 2, evaluate=False)}
    with mpmath.workdps(40):
        n = 10**6 - 2
        want = mpmath.zeta(2) - mpmath.zeta(2, n + 1) + mpmath.psi(0, n + 1) + mpmath.euler
        assert abs(mpmath.mpf(sp.N(big, 40)) - want) < mpmath.mpf(10) ** -35


def test_exchangeability_by_orbits_is_invariance_under_every_permutation():
    """The orbit test of Discrete.exchangeable against the definition (all d! permutations) at small d."""
    rng = random.Random(3)
    for _ in range(300):
        dim = rng.randint(1, 4)
        bases = [tuple(rng.choice([0, 1, -1, R(1, 2), sp.I]) for _ in range(dim)) for _ in range(rng.randint(1, 3))]
        points = []
        for base in bases:
            orbit = sorted(set(itertools.permutations(base)), key=str)
            points += orbit if rng.random() < 0.6 else rng.sample(orbit, rng.randint(1, len(orbit)))
        weights = [rng.choice([1, 1, 2]) for _ in points]
        try:
            law = Discrete(tuple(points), tuple(R(w, sum(weights)) for w in weights))
        except ValueError:
            continue
        merged = {}
        for pt, pr in zip(law.support, law.probs):
            merged[pt] = merged.get(pt, 0) + pr
        definition = all({tuple(p[i] for i in perm): w for p, w in merged.items()} == merged
                         for perm in itertools.permutations(range(dim)))
        assert law.exchangeable == definition, (points, weights)
