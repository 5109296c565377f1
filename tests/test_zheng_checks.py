"""Every [Z] check passes on its derivation and fails on corrupted expressions."""
import pytest
import sympy as sp

from mesaverify.checks.core.registry import all_checks, select
from mesaverify.derivations.zheng.official import sigma
from mesaverify.derivations.zheng.symbols import T, a, b, d

ZHENG = {cid: c for cid, c in select(all_checks(), tags=("zheng",)).items() if "training" not in c.tags}


def scale_first_term(expr, factor=1 + sp.Rational(1, 10**6)):
    """Multiply the first additive term of expr by `factor` (or the whole of a product)."""
    terms = sp.Add.make_args(expr)
    return sp.Add(terms[0] * factor, *terms[1:])


def in_tuple(i, mutate):
    return lambda e: sp.Tuple(*[mutate(x) if n == i else x for n, x in enumerate(e)])


def in_pieces(mutate):
    return lambda e: sp.Piecewise(*[(mutate(p), c) for p, c in e.args])


def swap_types(e):
    flip = {"saddle": "minimum", "minimum": "saddle"}
    return sp.Tuple(*[sp.Tuple(H, sp.Symbol(flip[str(k)])) for H, k in e])


def scale_hessian(e):
    (H0, k0), rest = e[0], e[1:]
    return sp.Tuple(sp.Tuple(H0 * (1 + sp.Rational(1, 10**6)), k0), *rest)


CORRUPTIONS = {
    "Z.loss.diagonal": [scale_first_term, lambda e: e.subs(T, T + 1), lambda e: e.subs(d, d + 1)],
    "Z.loss.diagonal.mc": [lambda e: e * sp.Rational(11, 10), lambda e: e.subs(a, -a), scale_first_term],
    "Z.loss.per_coordinate": [scale_first_term, lambda e: e.subs(T, T - 1)],
    "Z.flow.ode": [in_tuple(0, scale_first_term), in_tuple(1, lambda e: -e), lambda e: sp.Tuple(e[0] * d, e[1] * d)],
    "Z.flow.invariant": [scale_first_term, lambda e: a**2 + b**2],
    "Z.flow.solution": [in_pieces(lambda p: p * (1 + sp.Rational(1, 10**6))), lambda e: e.subs(T, T + 1)],
    "Z.flow.basin": [in_pieces(lambda p: p * (1 + sp.Rational(1, 10**6))), lambda e: e.subs(T, T + 1)],
    "Z.stationary.types": [swap_types, scale_hessian],
    "Z.thm4_1.limit": [lambda e: e * (1 + sp.Rational(1, 10**6)), lambda e: e.subs(T, T + 1),
                       lambda e: e.subs(sp.harmonic(T - 2), sp.harmonic(T - 1))],
    "Z.thm4_1.limit.mc": [lambda e: e * sp.Rational(11, 10), lambda e: e * (1 + sp.Rational(1, 10**6)),
                          lambda e: e.subs(T, T + 1)],
    "Z.assumption4_1.gradients": [in_tuple(9, scale_first_term), in_tuple(1, lambda e: e + b * sp.harmonic(T - 2)),
                                  lambda e: e.subs(T, T + 1)],
    "Z.assumption4_1.identities": [lambda e: sp.Tuple(*e[:-1], sp.Tuple(sp.Symbol("m_{2,4}", positive=True), 1)),
                                   lambda e: sp.Tuple(*e, sp.Tuple(sp.Symbol("m_{2}"), 1)),
                                   lambda e: sp.Tuple(*[x for x in e if not x[1].has(d)]),  # the 3-coordinate one
                                   lambda e: sp.Tuple(sp.Tuple(-e[0][0], e[0][1]), *e[1:])],
    "Z.thm4_2.test_error": [scale_first_term, lambda e: e.subs(sp.Symbol("t", integer=True, positive=True), 2 * sp.Symbol("t", integer=True, positive=True))],
    "Z.thm4_2.condition": [lambda e: sp.Tuple(e[0], 0, e[2]), lambda e: sp.Tuple(0, e[1], e[2]),
                           lambda e: sp.Tuple(e[0], e[1], e[2] * (1 + sp.Rational(1, 10**6)))],
    "Z.example4_1.recovery": [in_tuple(0, lambda e: e * (1 + sp.Rational(1, 10**6))), in_tuple(2, lambda e: e / 2)],
    "Z.prop4_1.ratio": [lambda e: e * sp.Rational(11, 10), lambda e: e.subs(T, T - 1),
                        lambda e: e * (1 + sp.Rational(1, 10**6))],
    "Z.beyond4_1.closure": [lambda e: sp.Tuple(*e[:-1])],
    "Z.beyond4_1.stationary": [
        lambda e: sp.Tuple(*[sp.Tuple(p, v * (1 + sp.Rational(1, 10**6)) if n == 0 else v, k) for n, (p, v, k) in enumerate(e)]),
        lambda e: sp.Tuple(*[sp.Tuple(sp.Tuple(p[0] * (1 + sp.Rational(1, 10**6)), *p[1:]), v, k) for p, v, k in e]),
        lambda e: sp.Tuple(*[sp.Tuple(p, v, sp.Symbol("saddle" if str(k) == "minimum" else "minimum")) for p, v, k in e]),
        lambda e: sp.Tuple(*e[1:])],  # the minimum dropped
    "Z.beyond4_1.masked": [lambda e: e * (1 + sp.Rational(1, 10**6)), lambda e: e.subs(T, T + 1)],
    "Z.official.plot_lines": [in_tuple(0, lambda e: e * (1 + sp.Rational(1, 10**6))),
                              in_tuple(1, lambda e: e * (1 + sp.Rational(1, 10**6))),
                              in_tuple(2, lambda e: e * (1 + sp.Rational(1, 10**6))),
                              in_tuple(0, lambda e: e * sigma**2),  # the gap without its 1/σ²
                              lambda e: sp.Tuple(0, 0, 0)],  # the plotted lines taken as the limit
    "Z.mesa.one_step_gd": [lambda e: e * (1 + sp.Rational(1, 10**6)), lambda e: e.subs(T, T + 1)],
    **{f"Z.model.{name}": [in_tuple(0, scale_first_term), in_tuple(1, lambda e: -e),
                           in_tuple(2, lambda e: e.subs(T, T + 1)), in_tuple(3, lambda e: e * (1 + sp.Rational(1, 10**6)))]
       for name in ("residual", "one_over_t", "second_order")},
}


def test_every_check_has_corruptions():
    assert set(CORRUPTIONS) == set(ZHENG)


@pytest.fixture(scope="module")
def derived():
    return {cid: c.derive() for cid, c in ZHENG.items()}


@pytest.mark.parametrize("cid", sorted(ZHENG))
def test_check_passes(cid, derived):
    result = ZHENG[cid].compare(derived[cid])
    assert result.passed, result.evidence


@pytest.mark.parametrize("cid,n", [(cid, n) for cid, muts in sorted(CORRUPTIONS.items()) for n in range(len(muts))])
def test_check_fails_on_corruption(cid, n, derived):
    corrupted = CORRUPTIONS[cid][n](derived[cid])
    assert corrupted != derived[cid], "the corruption must change the expression"
    result = ZHENG[cid].compare(corrupted)
    assert not result.passed, f"corruption {n} of {cid} survived: {result.evidence}"
