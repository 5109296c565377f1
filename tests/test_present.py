"""The paper form of every derived expression is the derived expression: presentation changes no result."""
import pytest
import sympy as sp

from mesaverify import equations
from mesaverify import tex as latex
from mesaverify.checks.core.registry import all_checks
from mesaverify.present import present
from tests.checkparams import check_params
from tests.test_latex import CANNOT_ROUND_TRIP, derived, expression  # noqa: F401 -- derived: the shared fixture

CHECKS = all_checks()


def _sums(expr):
    """expr with the constant factors of every sum over an index taken out (Σ c f = c Σ f), as presenting
    a sum does: then equal sums are equal atoms for `same`."""
    return expr.replace(lambda n: isinstance(n, sp.Sum), lambda n: sp.factor(n))


@pytest.mark.parametrize("cid", check_params(CHECKS))
def test_presented_equals_derived(cid, derived):  # noqa: F811 -- the fixture of test_latex
    """Equal as rational functions (together, then the numerator expanded to 0); where roots and exponentials
    make that too slow (the closed-form flow), every rewritten part is proved equal that way (presentation
    rewrites nothing else) and the whole is evaluated at random points to 30 digits."""
    expr = expression(cid, derived)
    trail = []
    shown = present(expr, trail)
    if not expr.has(sp.exp):
        assert latex.same(_sums(shown.value()), _sums(expr)), f"{cid}: {latex.to_latex(shown.expr)}"
        return
    assert trail, cid
    for original, rewritten in trail:
        assert latex.same(rewritten, original), f"{cid}: {original} presented as {rewritten}"
    assert not latex._differ_somewhere(shown.value() - expr, tries=6), cid


@pytest.mark.parametrize("cid", check_params(c for c in CHECKS if c not in CANNOT_ROUND_TRIP))
def test_presented_latex_reads_back(cid, derived):  # noqa: F811
    """What the report and `mesaverify latex` print parses back to the presented expression."""
    shown = present(expression(cid, derived))
    back = latex.from_latex(latex.to_latex(shown.expr))
    assert latex.same(back, latex.canonical(shown.expr)), cid


def test_the_paper_forms():
    """The forms the papers print: the loss collected in u = ab with H_{T−2} apart, the limit one factored
    fraction (each checked against the derived expression above)."""
    loss = latex.paper(CHECKS["Z.loss.diagonal"].derived())
    assert loss.endswith(r"\quad u = a b") and "H_{T - 2}" in loss and "a^{2}" not in loss
    assert r"\left(T - 2\right) \left(m_{2} - 2 m_{4} u + m_{6} u^{2}\right)" in loss
    limit = latex.paper(CHECKS["Z.thm4_1.limit"].derived())
    assert limit == (r"\frac{m_{4} \left(T - 2\right)}{m_{2,4} \left(d - 1\right) H_{T - 2} + m_{6} \left(T - 2\right)}")


def test_presentation_is_not_vacuous():
    """A presented form that differs from the derived one is caught by the comparison the tests use."""
    d, T, a, b = sp.symbols("d T a b")
    expr = d * (T - 2) * a * b / 2 + sp.harmonic(T - 2) * a**2 * b**2
    shown = present(expr)
    assert latex.same(shown.value(), expr)
    assert not latex.same(shown.value() + sp.Rational(1, 10**6) * a, expr)


def test_every_check_has_an_equation_name():
    """Every check names its equation where it is declared, and that is the name printed; a tuple of names is
    one name per component of the derived tuple."""
    assert [cid for cid, c in CHECKS.items() if not c.equation or equations.lhs(cid) != c.equation] == []
    for cid, c in CHECKS.items():
        if isinstance(c.equation, tuple):
            expr = c.derived()
            assert isinstance(expr, sp.Tuple) and len(expr) == len(c.equation), cid
