"""Model descriptions: the TOML files, one path with the [Z] derivations (their families are descriptions), and the
API."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import mesaverify as mv
from mesaverify import models
from mesaverify.checks.models import variants
from mesaverify.checks.zheng.common import SKEWED, SYMBOLIC
from mesaverify.derivations.models import derive
from mesaverify.derivations.sander import augmented
from mesaverify.derivations.sander.symbols import g
from mesaverify.derivations.zheng import beyond, flow
from mesaverify.derivations.zheng import loss as zloss
from mesaverify.derivations.zheng import model as zmodel
from mesaverify.derivations.zheng.symbols import a, b, d
from mesaverify.errors import UsageError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "models"


def example(name):
    return models.load(EXAMPLES / f"{name}.toml")


def test_the_variant_files_state_the_checked_descriptions():
    assert example("zheng_diagonal") == variants.ZHENG
    for name, desc in variants.VARIANTS.items():
        assert example(f"zheng_{name}") == desc


@pytest.mark.parametrize("text, message", [
    ('[token]\nblocks = ["x[t]"]\ncolour = 1', "unknown key"),
    ('[token]\nblocks = ["x[t+1]"]', "token block"),
    ('[token]\nblocks = ["x[t]"]\n[loss]\nscale = "1e99999"', "exponent"),
    ('[token]\nblocks = ["x[t]"]\n[[heads]]\nkq = [{ block = [2, 1], kind = "scalar", name = "a" }]', "outside"),
    ('[token]\nblocks = ["x[t]"]\n[[heads]]\npv = [{ block = 1, kind = "magic", name = "a" }]', "kind"),
    ('[token]\nblocks = ["x[t]"]\n[loss]\nscale = "sqrt(2)"', "sqrt"),
])
def test_descriptions_are_read_strictly(text, message):
    with pytest.raises(UsageError, match=message):
        models.parse(text)


def test_one_path_zheng_diagonal_and_per_coordinate():
    """The TOML files through the generic loss and flow (`derive`) and the [Z] derivations give identical
    expressions."""
    assert sp.expand(derive.loss(example("zheng_diagonal"), SYMBOLIC, d) - zloss.diagonal_loss(SYMBOLIC, d)) == 0
    da, db = flow.flow_equations(SYMBOLIC, d)
    rates = derive.flow(example("zheng_diagonal"), SYMBOLIC, d)
    assert sp.expand(rates[a] - da) == 0 and sp.expand(rates[b] - db) == 0
    law = SKEWED.exact()
    assert sp.expand(derive.loss(example("zheng_per_coordinate"), law, 2) - zloss.per_coordinate_loss(law, 2)) == 0


def test_the_zheng_files_state_the_derivations_descriptions():
    """The [Z] derivations build their model from these very descriptions (names aside)."""
    assert example("zheng_diagonal") == zmodel.DIAGONAL
    assert example("zheng_per_coordinate") == zmodel.PER_COORDINATE
    closed = beyond.family_of((("k21", "diag"), ("v1", "diag"), ("k21", "off"), ("v1", "off")))
    assert example("zheng_beyond") == replace(closed, name=example("zheng_beyond").name)


def test_an_entry_at_coordinate_symbols_is_the_entry_at_numbers():
    """∂L/∂θ for every entry class of [Z]'s blocks on a family with parts in both block columns (a non-exchangeable
    law, d = 2, symbolic T; every one non-zero): the entry at coordinate symbols (m, n) pinned to (0, 1) or (0, 0),
    and the entry at numbers (row 1, col 2 or 1), summed like any block over the output coordinate."""
    from mesaverify.derivations.expectation import conj, mul
    from mesaverify.derivations.models.description import InvalidDescription, Structure
    from mesaverify.derivations.zheng.assumption import entry_gradient, k
    from mesaverify.derivations.zheng.loss import expect_over_contexts

    model, law = beyond.family_of((("k21", "diag"), ("v1", "diag"), ("k12", "off"), ("v2", "diag"))), SKEWED.exact()
    for block in zmodel.BLOCKS:
        for same in (True, False):
            symbolic = entry_gradient(model, law, 2, block, same, coords=(0, 0 if same else 1))
            assert symbolic != 0
            slope = zmodel.slope(zmodel.derivative(model, block, 1, 1 if same else 2), k)
            products = [mul(conj(s_), e, keep=(k,)) for s_ in slope for e in zmodel.error(model, k)]
            assert sp.expand(symbolic - expect_over_contexts(products, law, 2)) == 0, (block, same)
    m = sp.Symbol("m", integer=True)
    assert Structure("entry", "theta", row=m, col=m).row == m
    with pytest.raises(InvalidDescription, match="entry"):
        Structure("entry", "theta", row=m)


@pytest.mark.slow
def test_one_path_zheng_beyond():
    """[Z] §4.3's closed family: loss and flow of every class, from the description, in the same symbols."""
    desc = example("zheng_beyond")
    assert sp.expand(derive.loss(desc, SYMBOLIC, d) - beyond.reduced_loss(SYMBOLIC, d)) == 0
    rates = derive.flow(desc, SYMBOLIC, d)
    for p, rate in beyond.flow_equations(SYMBOLIC, d).items():
        assert sp.expand(rates[p] - rate) == 0


def test_one_path_sander_augmented():
    """[S] §3.1 on A = aI, B = bI: the description's loss is the hand-built scalar loss at g = ab."""
    new = derive.loss(example("sander_augmented"), SYMBOLIC, d)
    aa, bb = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    assert sp.expand(new.subs(aa, g / bb) - augmented.scalar_loss(SYMBOLIC, d)) == 0


def test_the_api_and_its_check():
    m = mv.model(EXAMPLES / "zheng_residual.toml", mv.laws.rademacher(d=2))
    assert m.conserved() == [a**2 - b**2]
    assert m.check().passed
    points = m.stationary(T=5)["points"]
    assert {p["type"] for p in points} == {"minimum", "saddle"}
    with pytest.raises(UsageError, match="T ≥ 3"):
        m.loss(T=2)


def test_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    run = [sys.executable, "-m", "mesaverify.cli", "model", str(EXAMPLES / "zheng_diagonal.toml"), "--law", "rademacher",
           "--d", "2", "--T", "4", "--at", "a=1/2,b=3/2", "--json"]
    out = json.loads(subprocess.run(run, capture_output=True, text=True, check=True).stdout)["result"]
    assert out["loss_at"] == str(mv.model(EXAMPLES / "zheng_diagonal.toml", mv.laws.rademacher(d=2)).loss(T=4)
                                 .subs({a: sp.Rational(1, 2), b: sp.Rational(3, 2)}))
    bad = subprocess.run(run[:-3] + ["--at", "c=1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not name=value" in bad.stderr


_A = sp.IndexedBase("A")
_T = sp.Symbol("T")
_atoms = st.sampled_from([_A[0, 0], _A[0, 1], sp.conjugate(_A[1, 0]), sp.Symbol("x"), 1 / _T, _T, sp.harmonic(_T - 2)])
_coefficients = st.sampled_from([sp.Integer(1), sp.Rational(-2, 3), sp.I / 5, 1 - sp.I, sp.Integer(7)])


@st.composite
def _sums_of_products(draw):
    """Sums of products of small polynomials over Q(i) in indexed entries, their conjugates, T, 1/T, H_{T−2}."""
    def poly():
        return sp.Add(*[draw(_coefficients) * sp.Mul(*draw(st.lists(_atoms, max_size=2)))
                        for _ in range(draw(st.integers(1, 3)))])
    return sp.Add(*[draw(_coefficients) * sp.Mul(*[poly() ** draw(st.integers(1, 2))
                                                   for _ in range(draw(st.integers(1, 3)))])
                    for _ in range(draw(st.integers(1, 4)))])


@given(_sums_of_products())
def test_products_multiplied_out_in_a_ring_are_what_expand_gives(expr):
    """derive.expand_products (used where placeholders are filled) returns sp.expand's expression, node for node."""
    assert sp.srepr(derive.expand_products(expr)) == sp.srepr(sp.expand(expr))


def test_products_that_are_not_polynomials_over_q_i_are_expanded_by_sympy():
    x = sp.Symbol("x", positive=True)
    for expr in ((1 + sp.sqrt(2) * x) * (x - 1), sp.sqrt(2 * x) * (x + 1) ** 2, sp.exp(x + 1) * (x + 2)):
        assert sp.srepr(derive.expand_products(expr)) == sp.srepr(sp.expand(expr))
