"""Every [S] check passes on its derivation and fails on each of its corruptions; [S] derivations' properties."""
import json

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mesaverify.checks.core.registry import all_checks, select
from mesaverify.derivations.moments import ComplexGaussian, Ones, UniformPhase
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import minima
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import T, d
from tests.checkparams import corruption_params
from tests.clirun import cli

SANDER = select(all_checks(), tags=("sander",))


def test_every_check_has_corruptions():
    assert all(c.corruptions for c in SANDER.values()), [cid for cid, c in SANDER.items() if not c.corruptions]


@pytest.mark.parametrize("cid", sorted(SANDER))
def test_check_passes_on_derivation(cid):
    outcome = SANDER[cid].run()
    assert outcome.status == "pass", outcome.evidence


@pytest.mark.parametrize("cid,n", corruption_params(SANDER[cid] for cid in sorted(SANDER)))
def test_check_fails_on_corruption(cid, n):
    check = SANDER[cid]
    expr = check.derived()
    bad = check.corruptions[n](expr)
    assert bad != expr, "the corruption must change the expression"
    assert not check.compare(bad).passed, f"corruption {n} of {cid} survived"


# --- properties of the derivations -----------------------------------------------------------
@settings(max_examples=10)
@given(dim=st.integers(1, 6), horizon=st.integers(3, 40))
def test_step_size_fixed_ones(dim, horizon):
    """The scalar minimiser is the root of a convex quadratic: L(g*) ≤ L(g*(1 ± δ))."""
    law = Scaled(Ones(d), 1 / sp.sqrt(d))
    loss = aug.scalar_loss(law, d).subs({d: dim, T: horizon})
    gstar = aug.optimal_product(law, d).subs({d: dim, T: horizon})
    g = sp.Symbol("g", real=True)
    base = loss.subs(g, gstar)
    for f in (sp.Rational(99, 100), sp.Rational(101, 100)):
        assert loss.subs(g, gstar * f) > base
    assert 0 <= base


@pytest.mark.parametrize("law", [UniformPhase(d), ComplexGaussian(d), Ones(d)])
def test_scalar_loss_depends_on_ab_only(law):
    aug.scalar_loss(law, d)  # raises if not


@pytest.mark.parametrize("setting,dims", [("unitary", (1, 2, 3)), ("orthogonal", (2, 4))])
def test_minimiser_attains_the_eckart_young_bound(setting, dims):
    """Upper bound (the loss at the derived minimiser) = lower bound (the decomposition), for every H."""
    minimum = minima.unitary_minimum if setting == "unitary" else minima.orthogonal_minimum
    for dim in dims:
        for H in range(1, dim + 2):
            assert minimum(dim, H) == minima.minimum_bound(setting, dim, H)


def test_unitary_minimiser_attains_minimum():
    for dim, H in ((2, 1), (3, 2), (2, 3)):
        m = minima.unitary_minimiser(dim, H)
        Cm = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
        value = nonaug.evaluate(nonaug.unitary_loss(dim), Cm, [0, 0, 0, m["p_last"]])
        assert value == minima.unitary_minimum(dim, H)


@pytest.mark.parametrize("setting,dim", [("unitary", 2), ("orthogonal", 2)])
def test_decomposition_is_a_certificate(setting, dim):
    """The remainder is a sum of squares; R + the square is the loss; an indefinite Gram matrix is refused."""
    dec = minima.decomposition(setting, dim)
    assert minima.manifestly_nonnegative(dec.remainder)
    assert not minima.manifestly_nonnegative(dec.remainder - 2 * sp.Add.make_args(dec.remainder)[0])
    assert nonaug.pull_out(nonaug.split_positions(nonaug.loss_of(setting, dim)) - dec.square() - dec.remainder) == 0
    with pytest.raises(ValueError, match="not positive semi-definite"):
        minima._squares(sp.Matrix([[1, 2], [2, 1]]), list(sp.symbols("x y")))
    with pytest.raises(ValueError, match="not positive semi-definite"):
        minima._squares(sp.Matrix([[0, 1], [1, 1]]), list(sp.symbols("x y")))


def test_condition_that_never_holds_drops_the_term():
    """E[λ^{2t − 2T − 1}] = 0 for every t and T (an odd exponent never vanishes); λ^{2t − T} depends on the parity of
    T, which the operator refuses rather than guess."""
    from mesaverify.derivations.expectation import Term, expect_phases
    from mesaverify.derivations.sander.symbols import HORIZON, j, t

    never = Term(sp.Integer(1), phase=((j, 2 * t - 2 * T - 1),), time=((t, 1, T),))
    assert expect_phases([never], HORIZON) == []
    with pytest.raises(NotImplementedError, match="parity"):
        expect_phases([Term(sp.Integer(1), phase=((j, 2 * t - T),), time=((t, 1, T),))], HORIZON)




def test_cli_loss_and_minima(tmp_path):
    f = tmp_path / "u.json"
    f.write_text(json.dumps({"A": [[1, 0]], "B": [[1, 0]], "p": [0, 0, 1]}))
    out = cli("sander-loss", "--setting", "unitary", "--T", "3", "--params", str(f), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["loss"] == "1"
    out = cli("sander-minima", "--setting", "unitary", "--d", "2", "--H", "1", "--T", "3", "--json")
    result = json.loads(out.stdout)["result"]
    assert result["minimum"] == "1" == result["lower_bound"]


def test_cli_augmented_P_and_law(tmp_path):
    """sander-loss with P and a law: a monomial P leaves the uniform-phase law invariant, so L_P(A, B) equals
    L_I(P^*AP, P^*BP); a finite law gives the derived loss; a non-unitary P is refused in one line."""
    A, B = sp.Matrix([[1, sp.I / 2], [0, 2]]), sp.Matrix([[sp.Rational(1, 3), 1], [-1, 1]])
    P = sp.Matrix([[0, sp.I], [1, 0]])  # a permutation times unit phases

    def run(params, *extra):
        f = tmp_path / "a.json"
        as_json = {k: [[str(v) for v in row] for row in M.tolist()] if isinstance(M, sp.Matrix) else M
                   for k, M in params.items()}
        f.write_text(json.dumps(as_json))
        return cli("sander-loss", "--setting", "augmented", "--T", "4", "--params", str(f), "--json", *extra)

    with_P = run({"A": A, "B": B, "P": P, "law": "phase"})
    conjugated = run({"A": P.H * A * P, "B": P.H * B * P, "law": "phase"})
    assert with_P.returncode == 0 == conjugated.returncode, with_P.stderr + conjugated.stderr
    assert json.loads(with_P.stdout)["result"]["loss"] == json.loads(conjugated.stdout)["result"]["loss"]
    law = {"support": [["1", "1/2"], ["I/3", "-1"]], "probs": ["2/3", "1/3"]}
    out = run({"A": A, "B": B, "P": P, "law": law})
    derived = aug.in_parameters(aug.population_loss(aug.eigen_law([(1, sp.Rational(1, 2)), (sp.I / 3, -1)],
                                                                  [sp.Rational(2, 3), sp.Rational(1, 3)], P), 2),
                                A, B, P).subs(T, 4)
    assert sp.sympify(json.loads(out.stdout)["result"]["loss"]) == sp.nsimplify(sp.expand(derived))
    bad = run({"A": A, "B": B, "P": sp.Matrix([[1, 1], [0, 1]])})
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unitary" in bad.stderr


@pytest.mark.parametrize("args", [
    ("sander-minima", "--setting", "orthogonal", "--d", "3", "--T", "4"),
    ("sander-minima", "--setting", "unitary", "--d", "2", "--H", "0", "--T", "4"),
    ("sander-minima", "--setting", "unitary", "--d", "2", "--T", "2"),
])
def test_cli_bad_input(args):
    out = cli(*args)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cli_bad_shapes(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"A": [[1, 0]], "B": [[1, 0], [0, 1]]}))
    out = cli("sander-loss", "--setting", "augmented", "--T", "4", "--params", str(f))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_orthogonal_minimiser_attains_minimum():
    """The CLI minimiser has zero loss for H ≥ d/2 (d = 2), at several T, on the derived loss."""
    for horizon in (3, 4, 6):
        m = minima.orthogonal_minimiser(2, 1)
        Cm = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
        value = nonaug.evaluate(nonaug.orthogonal_loss(2), Cm, [0] * (horizon - 2) + list(m["p_last_two"]))
        assert value == 0


def test_orthogonal_loss_is_real_and_nonnegative():
    import random
    random.seed(3)
    loss = nonaug.orthogonal_loss(2)
    for horizon in (3, 5):
        Cm = [[sp.Rational(random.randint(-9, 9), 4) for _ in range(2)] for _ in range(2)]
        value = nonaug.evaluate(loss, Cm, [sp.Rational(random.randint(-9, 9), 5) for _ in range(horizon)])
        assert value.is_real and value >= 0


def test_cli_orthogonal(tmp_path):
    f = tmp_path / "o.json"
    f.write_text(json.dumps({"A": [[1, 1]], "B": [[1, 1]], "p": [0, -0.5, 1]}))
    out = cli("sander-loss", "--setting", "orthogonal", "--T", "3", "--params", str(f), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["loss"] == "0"
    out = cli("sander-minima", "--setting", "orthogonal", "--d", "2", "--H", "1", "--T", "4", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["minimiser"]["p"][-2:] == ["-1/2", "1"]
    g = tmp_path / "odd.json"
    g.write_text(json.dumps({"A": [[1, 1, 1]], "B": [[1, 1, 1]], "p": [0, 0, 1]}))
    out = cli("sander-loss", "--setting", "orthogonal", "--T", "3", "--params", str(g))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
