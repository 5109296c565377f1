"""Every result inside its hypotheses: which family the flow from the diagonal initialisation stays in, held
against the derivation summed over every coordinate assignment, the numeric model (exact phase average, 50
digits), the population flow (SciPy) and training; the commands and the API refuse outside (exit code 3)."""
import json
import random

import mpmath
import numpy as np
import pytest
import sympy as sp

import mesaverify as mv
from mesaverify.checks.core.laws import LawSpec
from mesaverify.checks.core.numeric import entry_gradient as model_gradient
from mesaverify.checks.core.numeric import family_matrices_mp, mp
from mesaverify.checks.zheng.common import BLOCK_SLICES
from mesaverify.cli import main
from mesaverify.derivations.moments import Discrete, Ones
from mesaverify.derivations.zheng import invariance
from mesaverify.derivations.zheng import percoordinate as pc
from mesaverify.derivations.zheng.assumption import entry_gradient, m, n
from mesaverify.derivations.zheng.loss import per_coordinate_loss
from mesaverify.derivations.zheng.model import DIAGONAL, PER_COORDINATE
from mesaverify.derivations.zheng.symbols import T, a, a_k, b, b_k
from mesaverify.errors import OutsideHypotheses
from mesaverify.numerics.zheng.flow import diagonal_init, integrate

R = sp.Rational
README = Discrete(((1, 0), (0, R(1, 3))), (R(1, 3), R(2, 3)))  # the README's example, not exchangeable
CORNERS = Discrete(((0, 0), (1, 1)), (R(1, 2), R(1, 2)))  # exchangeable, Assumption 4.1 fails
ANTIPODES = Discrete(((1, 1), (-1, -1)), (R(1, 2), R(1, 2)))
SKEW = Discrete(((0, 1), (1, 1)), (R(1, 2), R(1, 2)))  # neither family holds the flow
AXIS = Discrete(((1, 0),), (1,))  # x_2 = 0 almost surely
COUPLED = Discrete(tuple((s, 2 * r) for s in (1, -1) for r in (1, -1)), (R(1, 4),) * 4)  # independent signs


def random_law(d, points, seed):
    """A seeded finite law with complex, zero and rational coordinates, not exchangeable."""
    rng = random.Random(seed)
    values = [0, 0, 1, -1, 2, sp.I, R(1, 2) + sp.I, R(-1, 3)]
    support = tuple(tuple(rng.choice(values) for _ in range(d)) for _ in range(points))
    return Discrete(support, (R(1, points),) * points)


def entries(d, same):
    return [(c,) for c in range(d)] if same else [(i, j) for i in range(d) for j in range(d) if i != j]


@pytest.mark.parametrize("d,seed", [(2, 1), (3, 2)])
def test_per_coordinate_gradients_are_the_sum_over_every_assignment(d, seed):
    """Every entry of every block, on the per-coordinate family and (collapsed) on the diagonal family: the
    point-by-point evaluation equals `entry_gradient`, which sums over every coordinate assignment."""
    law = random_law(d, 4, seed)
    nonzero = 0
    for block in BLOCK_SLICES:
        for same in (True, False):
            roles = (m,) if same else (m, n)
            for family, pieces in ((PER_COORDINATE, pc.entry_pieces(block, same)),
                                   (DIAGONAL, pc.collapsed(pc.entry_pieces(block, same)))):
                found = pc.coefficients(pieces, law, roles, entries(d, same))
                for e in entries(d, same):
                    want = entry_gradient(family, law, d, block, same, T, (e[0], e[-1]))
                    assert sp.expand(pc.as_expr(found.get(e, {})) - want) == 0, (block, same, e)
                    nonzero += want != 0
    assert nonzero > 10  # the law is generic enough to test something


def test_per_coordinate_gradients_match_the_model():
    """At a random point (a_k, b_k) and T = 5: the derived gradient of each entry against the model's (central
    differences of the exact phase-averaged loss, exact for a quadratic, at 50 digits)."""
    spec = LawSpec("discrete", 2, support=((1, R(1, 2)), (R(-1, 3), 2), (R(1, 2) + sp.I, -1)),
                   probs=(R(1, 2), R(1, 3), R(1, 6)))
    law, horizon = spec.exact(), 5
    point = {a_k[0]: R(3, 5), a_k[1]: R(-1, 2), b_k[0]: R(7, 4), b_k[1]: R(1, 3)}
    with mpmath.workdps(50):
        K, V = family_matrices_mp(2, [point[a_k[0]], point[a_k[1]]], [point[b_k[0]], point[b_k[1]]])
        for block, (which, rb, cb) in BLOCK_SLICES.items():
            for same in (True, False):
                found = pc.coefficients(pc.entry_pieces(block, same), law, (m,) if same else (m, n), entries(2, same))
                for e in entries(2, same):
                    derived = pc.as_expr(found.get(e, {})).subs(point).subs(T, horizon)
                    derived = sp.N(sp.expand(sp.expand_func(derived)), 60)
                    row, col = e[0], e[-1]
                    entry = (which, rb * 2 + row if which == "K" else row, cb * 2 + col)
                    numeric = model_gradient(spec, horizon, K, V, entry)
                    assert abs(mp(derived) - numeric) <= 1e-30 * max(1, abs(numeric)), (block, e, derived, numeric)


def per_coordinate_minimisers(law, horizon):
    """Each coordinate's minimiser of the per-coordinate loss (summed over every assignment), which must be a sum
    of quadratics in u_k = a_k b_k, one per coordinate (None where the loss does not depend on a_k, b_k)."""
    loss = per_coordinate_loss(law, law.d, horizon)
    out = []
    for k in range(law.d):
        part = sp.expand(loss - loss.subs({a_k[k]: 0, b_k[k]: 0}))
        if part == 0:
            out.append(None)
            continue
        u = sp.Symbol("u")
        reduced = sp.expand(part.subs(a_k[k], u / b_k[k]))
        assert reduced.free_symbols == {u}
        alpha, beta, _ = sp.Poly(reduced, u).all_coeffs()
        out.append(-beta / (2 * alpha))
    return out


def test_readme_law_per_coordinate_limits_derivation_flow():
    """(1, 9): the minimisers of the per-coordinate loss, and where the full population flow from (0.5, 1.5)
    ends, its off-family entries exactly 0 throughout (SciPy, rtol 1e-10)."""
    found = invariance.family(README, 2, 10)
    assert found.name == "per-coordinate" and "∂L/∂k21[1,1] − ∂L/∂k21[0,0]" in found.reason
    assert list(found.limits) == per_coordinate_minimisers(README, 10)
    points = np.array([[complex(v) for v in p] for p in README.support])
    run = integrate(points, np.array([float(p) for p in README.probs]), 10, *diagonal_init(2, 0.5, 1.5),
                    np.array([0.0, 400.0]), rtol=1e-10)
    products = (run.a() * run.b()).real[-1]
    assert products == pytest.approx([float(v) for v in found.limits], rel=1e-6)
    K, V = run.K[-1], run.V[-1]
    K[2:, :2] -= np.diag(np.diag(K[2:, :2]))
    V[:, :2] -= np.diag(np.diag(V[:, :2]))
    assert np.abs(K).max() == 0 and np.abs(V).max() == 0


def test_readme_law_training_reaches_the_per_coordinate_limits(capsys):
    """simulate on the README's law: each a_k b_k goes to its derived limit.  Every sample has one non-zero
    coordinate, fitted exactly at u_k = 1/c_k², so the training set's per-coordinate minimiser is the derived
    one; coordinate 2 is ~300 times flatter (E|x_2|⁶ = 2/3⁷), hence the epochs."""
    found = invariance.family(README, 2, 10)
    args = ["simulate", "--law", "discrete", "--support", '[[1,0],[0,"1/3"]]', "--probs", '["1/3","2/3"]',
            "--T", "10", "--m", "60", "--test-m", "10", "--a0", "0.5", "--b0", "1.5", "--epochs", "6000", "--json"]
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)["result"]
    assert record["status"] == "ok" and record["limit_family"] == "per-coordinate"
    assert record["ab_limits"] == [str(v) for v in found.limits]
    assert record["ab_per_coordinate"] == pytest.approx([float(v) for v in found.limits], rel=1e-4)


@pytest.mark.parametrize("law,value", [(CORNERS, "1/2"), (ANTIPODES, "1")])
def test_exchangeable_laws_that_break_assumption_4_1(law, value):
    """The failing identity E[x_m x̄_n|x_n|²] = 0 with its value, and the off-family gradient at a = b = 1
    against the model's."""
    found = invariance.family(law, 2, 10)
    assert found.name is None and f"(m_{{1|0,1|2}}) is violated, the value is {value}" in found.reason
    size = sp.Rational(found.diagonal["gradient_at_a=b=1"]["k21.off"])
    with mpmath.workdps(50):
        K, V = family_matrices_mp(2, [1, 1], [1, 1])
        spec = LawSpec("discrete", 2, support=law.support, probs=law.probs)
        numeric = model_gradient(spec, 10, K, V, ("K", 2, 1))
        assert abs(mp(size) - numeric) <= 1e-30
    assert f"|∂L/∂k21.off| = {abs(size)} at a = b = 1, T = 10" in found.reason


def test_symbolic_identities_and_the_entry_by_entry_check_agree():
    """For exchangeable finite laws the verdict from the symbolic-d identities equals the one from every entry."""
    orbit = Discrete(((1 + sp.I, R(1, 2)), (R(1, 2), 1 + sp.I)), (R(1, 2), R(1, 2)))
    signs = Discrete(tuple((s, 2 * r) for s in (1, -1) for r in (1, -1)) + tuple((2 * r, s) for s in (1, -1)
                                                                             for r in (1, -1)), (R(1, 8),) * 8)
    for law in (CORNERS, ANTIPODES, orbit, signs, Discrete(((1, 0), (0, 1)), (R(1, 2), R(1, 2)))):
        assert law.exchangeable
        fast = invariance.diagonal(law, 2, 7)
        slow = invariance.diagonal_nonexchangeable(law, 2, 7)
        assert fast["holds"] == slow["holds"], law
        if not fast["holds"]:
            assert sp.sympify(fast["gradient_at_a=b=1"]["k21.off"]) == sp.sympify(slow["gradient_at_a=b=1"]["k21[0,1]"])


def test_neither_family():
    """x_1 ∈ {(0, 1), (1, 1)}: the per-coordinate family's off-diagonal gradient, as derived, is the model's."""
    found = invariance.family(SKEW, 2, 10)
    assert found.name is None and "nor the per-coordinate family" in found.reason
    spec = LawSpec("discrete", 2, support=SKEW.support, probs=SKEW.probs)
    with mpmath.workdps(50):
        K, V = family_matrices_mp(2, [R(1, 2), 2], [3, R(1, 3)])
        numeric = model_gradient(spec, 10, K, V, ("K", 2, 1))
        derived = pc.as_expr(pc.coefficients(pc.entry_pieces("k21", False), SKEW, (m, n), [(0, 1)])[(0, 1)])
        derived = derived.subs({a_k[0]: R(1, 2), a_k[1]: 2, b_k[0]: 3, b_k[1]: R(1, 3), T: 10})
        assert numeric != 0 and abs(mp(derived) - numeric) <= 1e-30 * abs(numeric)


def test_a_coordinate_that_is_zero_and_a_coupled_loss():
    """x_1 = (1, 0): a_1 b_1 → 1, a_2 b_2 keeps its start (the loss does not depend on them); independent signs
    of different scales: the per-coordinate family holds the flow but its loss has a_1² b_2² terms."""
    found = invariance.family(AXIS, 2, 10)
    assert found.name == "per-coordinate" and found.limits[1] == mv.zheng.a0 * mv.zheng.b0
    assert [found.limits[0], None] == per_coordinate_minimisers(AXIS, 10)
    coupled = invariance.family(COUPLED, 2, 10)
    assert coupled.name is None and "couples the coordinates" in coupled.reason
    assert per_coordinate_loss(COUPLED, 2, 10).coeff(a_k[0] ** 2 * b_k[1] ** 2) != 0  # the derivation agrees


def test_masked_flow_stays_on_the_family():
    assert invariance.family(Ones(2), 2, 5, masked=True).name == "diagonal"
    assert invariance.family(Ones(2), 2, 5).name is None
    assert invariance.family(SKEW, 2, 5, masked=True).name is None  # the diagonals still differ, and couple


def test_api_refuses_outside_and_answers_inside():
    ones, sparse = mv.laws.ones(d=2), mv.laws.sparse(d=2, c=2)
    for function in (mv.zheng.limit, mv.zheng.flow, mv.zheng.solution, mv.zheng.stationary,
                     mv.zheng.test_error_limit, mv.zheng.ratio):
        with pytest.raises(OutsideHypotheses, match="m_\\{1\\|0,1\\|2\\}"):
            function(ones, T=5)
        function(sparse, T=5)
    assert mv.zheng.loss(ones, T=5).has(a, b)  # the loss at points of the family needs no hypothesis
    readme = mv.laws.discrete([[1, 0], [0, "1/3"]], ["1/3", "2/3"])
    assert mv.zheng.family(readme, T=10)["limits"] == tuple(per_coordinate_minimisers(README, 10))
    with pytest.raises(OutsideHypotheses, match="per-coordinate limits"):
        mv.zheng.limit(readme, T=10)
    assert mv.zheng.limit(mv.laws.symbolic(d=3)).has(sp.Symbol("m_{4}", positive=True))  # stated, not checked


@pytest.mark.parametrize("argv", [
    ["fixed-point", "--law", "ones", "--d", "2", "--T", "5"],
    ["assumption", "--law", "discrete", "--support", "[[0,0],[1,1]]", "--probs", '["1/2","1/2"]', "--T", "10"],
    ["derive", "Z.flow.ode", "--law", "ones", "--d", "3"],
    ["derive", "Z.thm4_2.test_error", "--law", "discrete", "--support", "[[1,1],[-1,-1]]", "--probs", "[0.5, 0.5]"],
])
def test_commands_exit_3_naming_the_identity(capsys, argv):
    assert main(argv) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "outside the hypotheses" in err[0] and "Assumption 4.1 fails" in err[0]


def test_help_lists_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"\n  {code} " in out for code in (0, 1, 2, 3, 130))


def test_a_law_not_exchangeable_that_keeps_the_diagonal_family():
    """x_1 ∈ {(1, 1), (1, −1)}: not exchangeable, yet every off-family gradient vanishes on aI, bI and the
    coordinates share one gradient; the population flow stays diagonal and ab ends at the derived limit."""
    law = Discrete(((1, 1), (1, -1)), (R(1, 2), R(1, 2)))
    assert not law.exchangeable
    found = invariance.family(law, 2, 6)
    assert found.name == "diagonal"
    limit = mv.zheng.limit(mv.laws.discrete([[1, 1], [1, -1]], ["1/2", "1/2"]), T=6)
    run = integrate(np.array([[1, 1], [1, -1]], dtype=complex), np.array([0.5, 0.5]), 6,
                    *diagonal_init(2, 0.5, 1.5), np.array([0.0, 60.0]), rtol=1e-10)
    assert (run.a() * run.b()).real[-1] == pytest.approx([float(limit)] * 2, rel=1e-7)
    K, V = run.K[-1], run.V[-1]
    assert abs(K[2, 1]) + abs(K[3, 0]) + abs(V[0, 1]) + abs(V[1, 0]) == 0


def test_example_4_1_is_derived_for_its_own_law(capsys):
    """derive Z.example4_1.recovery substitutes the sparse law's c (and equals the general results for it); for
    another law it is outside the example's hypothesis."""
    from mesaverify.derivations.moments import Sparse
    from mesaverify.derivations.zheng import capability, stationary

    assert main(["derive", "Z.example4_1.recovery", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7"]) == 0
    law = Sparse(3, 2)
    expected = (stationary.ab_limit(law, 3, 7), capability.test_error_limit(law, 3, 7), capability.ratio(law, 3, 7))
    assert sp.sympify(capsys.readouterr().out) == sp.Tuple(*expected)
    assert main(["derive", "Z.example4_1.recovery", "--law", "gaussian", "--d", "3", "--T", "7"]) == 3
    assert "Example 4.1" in capsys.readouterr().err
