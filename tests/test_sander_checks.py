"""Every [S] check passes on its derivation and fails on corrupted expressions; [S] derivations' properties."""
import json
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from checks import sander  # noqa: F401  (registers the S.* checks)
from checks.registry import _REGISTRY
from derivations.moments import ComplexGaussian, Ones, UniformPhase
from derivations.sander import augmented as aug
from derivations.sander import nonaugmented as nonaug
from derivations.sander.laws import Scaled
from derivations.sander.symbols import C, T, a, b, d, p

SANDER = {cid: c for cid, c in _REGISTRY.items() if cid.startswith("S.")}
EPS = 1 + sp.Rational(1, 10**6)


def first_term(e, factor=EPS):
    terms = sp.Add.make_args(e)
    return sp.Add(terms[0] * factor, *terms[1:])


CORRUPTIONS = {
    "S.aug.loss": [first_term, lambda e: e.subs(T, T + 1)],
    "S.aug.gd_step": [lambda e: e * EPS, lambda e: e.subs(T, T - 1)],
    "S.aug.step_size": [lambda e: e * EPS, lambda e: e.subs(T, T + 1), lambda e: e.subs(d, d + 1)],
    "S.aug.P_dependence": [lambda e: sp.Tuple(e[1], e[0]), lambda e: sp.Tuple(e[0] * EPS, e[1])],
    "S.aug.global_min": [lambda e: e * EPS, lambda e: e.subs(T, T + 1)],
    "S.nonaug.unitary.loss": [first_term, lambda e: e.subs(T, T + 1), lambda e: -e],
    "S.nonaug.unitary.minimum": [lambda e: sp.Tuple(e[0] * EPS, *e[1:]), lambda e: sp.Tuple(*e[1:], e[0])],
    "S.nonaug.unitary.heads": [lambda e: e * 2, lambda e: sp.zeros(2, 2)],
    "S.nonaug.orthogonal.loss": [first_term, lambda e: e.subs(T, T + 1), lambda e: -e],
    "S.nonaug.orthogonal.trig": [lambda e: sp.Tuple(-e[0], *e[1:]),
                                 lambda e: sp.Tuple(e[0] * (1 + sp.Rational(1, 1000)), *e[1:]),
                                 lambda e: sp.Tuple(e[0], e[1] * 2, e[2])],
    "S.nonaug.orthogonal.minimum": [lambda e: sp.Tuple(e[0], e[1] * EPS, e[2]),
                                    lambda e: sp.Tuple(*e[1:], e[0]),
                                    lambda e: sp.Tuple(*[v + sp.Rational(1, 2) for v in e])],
    "S.nonaug.orthogonal.heads": [lambda e: e * (1 + sp.Rational(1, 100)), lambda e: e / 2],
    "S.noncommuting.augmented": [lambda e: sp.Tuple(e[0] * sp.Rational(3, 2), e[1]),
                                 lambda e: sp.Tuple(e[0], e[1] * sp.Rational(11, 10)),
                                 lambda e: e.subs(T, T + 1)],
    "S.noncommuting.nonaugmented": [lambda e: sp.Tuple(-e[0], *e[1:]), lambda e: sp.Tuple(e[0], e[1] * 2, e[2])],
}


def test_every_check_has_corruptions():
    assert set(SANDER) == set(CORRUPTIONS)


@pytest.mark.parametrize("cid", sorted(CORRUPTIONS))
def test_check_passes_on_derivation(cid):
    outcome = SANDER[cid].run()
    assert outcome.status == "pass", outcome.evidence


@pytest.mark.parametrize("cid,n", [(c, n) for c, fs in sorted(CORRUPTIONS.items()) for n in range(len(fs))])
def test_check_fails_on_corruption(cid, n):
    check = SANDER[cid]
    bad = CORRUPTIONS[cid][n](check.derive())
    assert not check.compare(bad).passed


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


@settings(max_examples=10)
@given(dim=st.integers(1, 5), H=st.integers(1, 6))
def test_unitary_minimum_formula_shape(dim, H):
    if dim > 3:
        dim = 3  # keep the symbolic loss small
    assert nonaug.unitary_minimum(dim, H) == sp.Rational(max(dim - H, 0), 2)


def test_unitary_minimiser_attains_minimum():
    for dim, H in ((2, 1), (3, 2), (2, 3)):
        m = nonaug.unitary_minimiser(dim, H)
        Cm = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
        value = nonaug.evaluate(nonaug.unitary_loss(dim), Cm, [0, 0, 0, m["p_last"]])
        assert value == nonaug.unitary_minimum(dim, H)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "checks.cli", *args], capture_output=True, text=True)


def test_cli_loss_and_minima(tmp_path):
    f = tmp_path / "u.json"
    f.write_text(json.dumps({"A": [[1, 0]], "B": [[1, 0]], "p": [0, 0, 1]}))
    out = _cli("sander-loss", "--setting", "unitary", "--T", "3", "--params", str(f), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["loss"] == "1/2"
    out = _cli("sander-minima", "--setting", "unitary", "--d", "2", "--H", "1", "--T", "3", "--json")
    assert json.loads(out.stdout)["minimum"] == "1/2"


@pytest.mark.parametrize("args", [
    ("sander-minima", "--setting", "orthogonal", "--d", "3", "--T", "4"),
    ("sander-minima", "--setting", "unitary", "--d", "2", "--H", "0", "--T", "4"),
    ("sander-minima", "--setting", "unitary", "--d", "2", "--T", "2"),
])
def test_cli_bad_input(args):
    out = _cli(*args)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cli_bad_shapes(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"A": [[1, 0]], "B": [[1, 0], [0, 1]]}))
    out = _cli("sander-loss", "--setting", "augmented", "--T", "4", "--params", str(f))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_orthogonal_minimiser_attains_minimum():
    """The CLI minimiser has zero loss for H ≥ d/2 (d = 2), at several T, on the derived loss."""
    for horizon in (3, 4, 6):
        m = nonaug.orthogonal_minimiser(2, 1)
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
    out = _cli("sander-loss", "--setting", "orthogonal", "--T", "3", "--params", str(f), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["loss"] == "0"
    out = _cli("sander-minima", "--setting", "orthogonal", "--d", "2", "--H", "1", "--T", "4", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["minimiser"]["p"][-2:] == ["-1/2", "1"]
    g = tmp_path / "odd.json"
    g.write_text(json.dumps({"A": [[1, 1, 1]], "B": [[1, 1, 1]], "p": [0, 0, 1]}))
    out = _cli("sander-loss", "--setting", "orthogonal", "--T", "3", "--params", str(g))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
