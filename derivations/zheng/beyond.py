"""[Z] §4.3 (beyond Assumption 4.1): the smallest family that contains the flow, derived by closure.

Parameters are grouped in classes: the diagonal and the off-diagonal
entries of each of the six d×d blocks of W^{KQ}, W^{PV}.  A family gives
each active class one scalar (block = p_diag I + p_off (J − I)); we start
from the diagonal family {W^{KQ}_{21} diagonal: a, W^{PV}_1 diagonal: b},
derive the gradient of every class at a generic point of the family, and
add every class whose gradient is not identically zero — until nothing is
added.  For an exchangeable law the gradient is the same on all entries of
a class (coordinate permutations preserve the law, the phases and the
family), which is what lets one scalar stand for a class.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.models.critical import classified
from mesaverify.derivations.models.description import Description, Structure
from mesaverify.derivations.models.terms import parameter as symbol
from mesaverify.derivations.zheng.assumption import entry_gradient
from mesaverify.derivations.zheng.loss import population_loss
from mesaverify.derivations.zheng.model import BLOCKS, described
from mesaverify.derivations.zheng.symbols import T, a, b

KINDS = ("diag", "off")


NAMES = {("k21", "diag"): "a", ("v1", "diag"): "b", ("k21", "off"): "a_off", ("v1", "off"): "b_off"}


def name(block: str, kind: str) -> str:
    """The name of a class's scalar: a, b for the diagonal family, a_off, b_off off it (a', b' of [Z] §4.3),
    p_{block}_{kind} for the other blocks."""
    return NAMES.get((block, kind), f"p_{block}_{kind}")


def parameter(block: str, kind: str) -> sp.Symbol:
    """The scalar of a class, as a symbol."""
    return symbol(name(block, kind), "scalar")


def family_of(classes) -> Description:
    """The model with block = p_diag I + p_off (J − I) = p_diag·I − p_off·I + p_off·J for the active classes."""
    blocks: dict = {}
    ordered = sorted(classes, key=lambda c: (BLOCKS.index(c[0]), KINDS.index(c[1])))
    for block, kind in ordered:
        parts = [Structure("scalar", name(block, kind))] if kind == "diag" else \
            [Structure("scalar", name(block, kind), factor=Fraction(-1)), Structure("ones", name(block, kind))]
        blocks.setdefault(block, []).extend(parts)
    return described(blocks, f"[Z] classes {', '.join(f'{blk}.{kind}' for blk, kind in ordered)}")


def class_gradient(classes, law, d, block: str, kind: str, horizon=T) -> sp.Expr:
    """G for one representative entry of (block, kind) on the family of `classes`."""
    coords = None if not isinstance(d, int) else ((0, 0) if kind == "diag" else (0, 1))
    return sp.expand(entry_gradient(family_of(classes), law, d, block, kind == "diag", horizon, coords))


@lru_cache(maxsize=None)
def closure(law, d, horizon=T) -> tuple:
    """The smallest set of classes, containing the diagonal family's, closed under the gradient."""
    classes = [("k21", "diag"), ("v1", "diag")]
    while True:
        added = [(blk, kind) for blk in BLOCKS for kind in KINDS
                 if (blk, kind) not in classes and not (kind == "off" and d == 1)
                 and class_gradient(tuple(classes), law, d, blk, kind, horizon) != 0]
        if not added:
            return tuple(classes)
        classes += added


def counts(d) -> dict:
    """Number of entries in each class of a d×d block."""
    return {"diag": d, "off": d * (d - 1)}


def reduced_loss(law, d, horizon=T) -> sp.Expr:
    """L on the closed family, in its class parameters."""
    return population_loss(family_of(closure(law, d, horizon)), law, d, horizon)


def flow_equations(law, d, horizon=T) -> dict:
    """dp/dτ for each class: −(1/#entries) ∂L/∂p (each entry moves with its own full gradient)."""
    loss = reduced_loss(law, d, horizon)
    return {parameter(blk, kind): sp.expand(-sp.diff(loss, parameter(blk, kind)) / counts(d)[kind])
            for blk, kind in closure(law, d, horizon)}


def _reduce(expr, modulus, mu):
    """A rational function of μ as a polynomial of degree < deg(modulus), modulo the irreducible modulus."""
    num, den = sp.fraction(sp.together(sp.expand(expr)))
    return sp.rem(sp.expand(num * sp.invert(den, modulus, mu)), modulus, mu)


def _chart_solutions(equations, chart, mu):
    """(point with entries in μ, irreducible modulus or None, real root) for each real solution.

    Lex Gröbner basis in (a, a', μ): in shape form its last element is univariate in μ and
    the others are linear in a and a' with coefficients in μ; each real root of each
    irreducible factor of the univariate element gives one solution.  Without μ in the chart
    the solutions are rational or radical and found directly.
    """
    ka = parameter("k21", "off")
    if mu not in chart.values():
        return [({**chart, **sol}, None, None) for sol in sp.solve(equations, [a, ka], dict=True)
                if all(v.is_real for v in sol.values())]
    basis = sp.groebner(equations, a, ka, mu, order="lex")
    *linear, univariate = basis.exprs
    if univariate.free_symbols != {mu} or any(sp.Poly(g, a, ka).total_degree() != 1 for g in linear):
        raise NotImplementedError("the Gröbner basis of the stationary points is not in shape form")
    solved = sp.solve(linear, [a, ka], dict=True)[0]
    out = []
    for factor, _ in sp.factor_list(univariate, mu)[1]:
        for root in sp.Poly(factor, mu).real_roots():
            point = {**chart, a: _reduce(solved[a], factor, mu), ka: _reduce(solved[ka], factor, mu)}
            out.append((point, factor, root))
    return out


def stationary_points(law, d, horizon=T) -> list[dict]:
    """The stationary points of the loss on the closed family {aI + a'(J − I), bI + b'(J − I)}.

    ŷ is bilinear in (a, a') and (b, b'), so L depends on them only through U = (a, a')^T (b, b'),
    and each stationary point lies on a curve (c·(a, a'), (b, b')/c), c ≠ 0.  One point per curve
    is found by fixing the scale of v = (b, b'): v = (1, μ) or v = (0, 1), then solving ∇L = 0
    exactly.  Each point comes with its loss and its type from the inertia of the Hessian (exact
    signs of its characteristic polynomial's coefficients; one zero eigenvalue is the scaling).
    """
    classes = closure(law, d, horizon)
    ka, kb = parameter("k21", "off"), parameter("v1", "off")
    if set(classes) != {("k21", "diag"), ("v1", "diag"), ("k21", "off"), ("v1", "off")}:
        raise ValueError(f"the closed family is not {{aI + a'(J − I), bI + b'(J − I)}}: {classes}")
    loss = reduced_loss(law, d, horizon)
    params = (a, ka, b, kb)
    grad = [sp.diff(loss, s) for s in params]
    hessian = sp.hessian(loss, params)
    mu, lam = sp.Dummy("mu", real=True), sp.Dummy("lambda")
    out = []
    for chart in ({b: 1, kb: mu}, {b: 0, kb: 1}):
        for point, modulus, root in _chart_solutions([sp.expand(g.subs(chart)) for g in grad], chart, mu):
            def exact(expr):  # reduced modulo the minimal polynomial of μ, then at its root
                return _reduce(expr, modulus, mu).subs(mu, root) if modulus is not None else sp.expand(expr)
            coeffs = [exact(c) for c in hessian.subs(point).charpoly(lam).all_coeffs()]
            out.append(classified({s_: exact(v) for s_, v in point.items()}, exact(loss.subs(point)), coeffs))
    origin = {s_: sp.Integer(0) for s_ in params}
    out.append(classified(origin, loss.subs(origin), hessian.subs(origin).charpoly(lam).all_coeffs()))
    return sorted(out, key=lambda s: sp.N(s["loss"], 30))
