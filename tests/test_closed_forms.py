"""The fast paths equal the derivations they replace: [Z]'s symbolic-d results specialised to a law, d and T
against the sum over coordinate assignments at that numeric d (harmonic numbers kept unevaluated past 1000);
[S]'s closed forms in (C, p) against the derived losses, minima and bounds; the augmented loss at numbers
against the derived polynomial evaluated."""
import itertools
import random

import mpmath
import pytest
import sympy as sp

from mesaverify.derivations import specialise
from mesaverify.derivations.moments import ComplexGaussian, Discrete, Ones, Rademacher, RealGaussian, Sparse, UniformPhase
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import closed as sclosed
from mesaverify.derivations.sander import minima
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import C as Centry
from mesaverify.derivations.sander.symbols import T as TS
from mesaverify.derivations.sander.symbols import p as pw
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
    """H_n^{(2)} + H_n: exact rationals for n ≤ 1000, held past it and evaluated as ζ(2) − ζ(2, n+1) + ψ(n+1) + γ."""
    expr = sp.harmonic(T - 2, 2) + sp.harmonic(T - 2)
    small = specialise.at_horizon(expr, 7, T)
    assert small == sp.harmonic(5, 2) + sp.harmonic(5) and small.is_Rational
    n = 10**6 - 2
    big = specialise.at_horizon(expr, n + 2, T)
    assert big.atoms(sp.harmonic) == {sp.harmonic(n, 2, evaluate=False), sp.harmonic(n, evaluate=False)}
    with mpmath.workdps(40):
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


# --- [S] non-augmented losses in closed form ---------------------------------------------------------------


def _symbolic_features(derived):
    """The features of p as the derived loss writes them: its sums Σ p_t, Σ p_t², and p_1, p_{T−1}, p_T."""
    sums = {2 if s.function.is_Pow else 1: s for s in derived.atoms(sp.Sum)}  # Σ p_τ² and Σ p_τ
    return {"S1": sums.get(1, sp.Integer(0)), "S2": sums[2], "p1": pw[1], "pm": pw[TS - 1], "pT": pw[TS]}


@pytest.mark.parametrize("setting,dim", [("unitary", 1), ("unitary", 2), ("unitary", 3), ("unitary", 4), ("orthogonal", 2),
                                         pytest.param("orthogonal", 4, marks=pytest.mark.slow),
                                         pytest.param("orthogonal", 6, marks=pytest.mark.slow)])
def test_nonaugmented_closed_form_is_the_derived_loss(setting, dim):
    """Equal as polynomials in every entry of C and in p, for symbolic T."""
    derived = nonaug.loss_of(setting, dim)
    rows = [[Centry[r, c] for c in range(dim)] for r in range(dim)]
    assert sp.expand(sclosed.loss_at(setting, rows, 1, _symbolic_features(derived)) - derived) == 0


@pytest.mark.parametrize("setting,dim,heads", [("unitary", 3, 2), ("orthogonal", 4, 3), ("orthogonal", 2, 1)])
def test_nonaugmented_loss_at_numbers_is_the_derived_loss(setting, dim, heads):
    rng = random.Random(dim)
    for horizon in (3, 5):
        A = [[R(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(dim)] for _ in range(heads)]
        B = [[R(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(dim)] for _ in range(heads)]
        p = [R(rng.randint(-9, 9), 5) for _ in range(horizon)]
        C = (sp.Matrix(B).T * sp.Matrix(A)).tolist()
        assert sclosed.loss(setting, A, B, p) == nonaug.evaluate(nonaug.loss_of(setting, dim), C, p)
        assert sclosed.loss(setting, [[sp.sqrt(2) * v for v in row] for row in A], B, p) \
            .equals(nonaug.evaluate(nonaug.loss_of(setting, dim), (sp.sqrt(2) * sp.Matrix(C)).tolist(), p))


@pytest.mark.parametrize("setting,dims", [("unitary", (1, 2, 3, 4)), ("orthogonal", (2, 4))])
def test_nonaugmented_minima_target_and_bound_are_the_derived_ones(setting, dims):
    for dim in dims:
        kappa, M = minima.target(setting, dim)
        assert sclosed.target(setting, dim) == (kappa, M.tolist())
        for heads in range(1, dim + 2):
            assert sclosed.bound(setting, dim, heads) == minima.minimum_bound(setting, dim, heads)
            derived = minima.unitary_minimum(dim, heads) if setting == "unitary" else minima.orthogonal_minimum(dim, heads)
            assert sclosed.minimiser(setting, dim, heads)["minimum"] == derived


def test_block_minimiser_from_the_closed_form_is_the_derived_one():
    rho, Cstar, value = sclosed.block_minimisers()
    assert (rho, Cstar, value) == tuple(minima.orthogonal_block_minimisers())


# --- [S] augmented loss at numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_augmented_loss_at_numbers_is_the_derived_polynomial_evaluated(dim):
    """Entries and T substituted before the sum over assignments = the derived polynomial in Ã, B̃ evaluated."""
    rng = random.Random(dim)

    def entry():
        return R(rng.randint(-5, 5), rng.randint(1, 3)) + sp.I * R(rng.randint(-2, 2), 2)

    A, B = (sp.Matrix(dim, dim, lambda r, c: entry()) for _ in range(2))
    rotation = sp.Matrix(dim, dim, lambda r, c: sp.I ** (r + c) if (r + c) % dim == 0 else 0) if dim > 1 else sp.eye(1)
    support = [tuple(entry() for _ in range(dim)) for _ in range(3)]
    for P in (sp.eye(dim), rotation)[dim // 3:]:  # at d = 3 the derived polynomial takes seconds: one case
        assert sp.simplify(P.H * P - sp.eye(dim)) == sp.zeros(dim, dim)
        for law in (aug.eigen_law([(1 / sp.sqrt(dim),) * dim], [1], P),
                    aug.eigen_law(support, [R(1, 2), R(1, 3), R(1, 6)], P))[dim // 3:]:
            for horizon in (3, 6)[dim // 3:]:
                slow = aug.in_parameters(aug.population_loss(law, dim), A, B, P).subs(aug.T, horizon)
                difference = aug.loss_at(law, A, B, P, horizon) - slow  # a number in Q(i, √dim)
                assert sp.expand(difference) == 0 or sp.simplify(difference) == 0


@pytest.mark.parametrize("dim", [1, 2, 3, 4])
def test_augmented_uniform_start_minimum_is_the_numeric_d_derivation(dim):
    law = Scaled(Ones(dim), 1 / sp.sqrt(dim))
    value, gstar = aug.uniform_start_minimum(dim)
    assert sp.simplify(value - aug.scalar_minimum(law, dim)) == 0
    assert sp.simplify(gstar - aug.optimal_product(law, dim)) == 0
