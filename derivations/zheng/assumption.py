"""[Z] Assumption 4.1, derived: when the flow from the diagonal initialisation stays diagonal.

The gradient of L with respect to a complex entry θ of W^{KQ} or W^{PV} (as
∂L/∂Re θ + i ∂L/∂Im θ) is G_θ = Σ_t E[(∂ŷ_t/∂θ)^* (ŷ_t − x_{t+1})], and
∂ŷ_t/∂θ is the model with the matrix holding θ replaced by the elementary
matrix E_{mn} (ŷ is linear in each of W^{KQ}, W^{PV}).  We derive G_θ at
every point (a, b) of the diagonal family for every entry outside it —
diagonal and off-diagonal entries of each of the six d×d blocks — and for
the entries on it, whose gradients must coincide across coordinates.
Requiring all of these to vanish (resp. coincide) for all a, b and all T ≥ 3
gives a finite list of linear identities among moments of x_1.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.derivations.expectation import conj, mul
from mesaverify.derivations.factoring import factor
from mesaverify.derivations.models.description import Description
from mesaverify.derivations.moments import Law, SymbolicExchangeable, with_moments
from mesaverify.derivations.specialise import at_dimension, at_horizon
from mesaverify.derivations.zheng.loss import expect_over_contexts
from mesaverify.derivations.zheng.model import BLOCKS, DIAGONAL, derivative, error, slope
from mesaverify.derivations.zheng.symbols import T, a, b

m, n = sp.symbols("m n", integer=True)  # the entry (m, n) of a block
k = sp.Symbol("k", integer=True)
ON_FAMILY = ("k21", "v1")  # blocks whose diagonal carries a and b


def entry_products(model: Description, block: str, same: bool) -> tuple[list, tuple]:
    """The terms of (∂ŷ_t/∂θ)^* (ŷ_t − x_{t+1}) for θ = entry (m, n) of `block` (m = n when `same`), summed
    over the output coordinate, and the entry's coordinate symbols (not summed)."""
    col = m if same else n
    D = derivative(model, block, m, col)
    if block.startswith("v"):  # only output coordinate m moves
        products = [mul(conj(s), e, keep=(m, n)) for s in slope(D, m) for e in error(model, m)]
    else:
        products = [mul(conj(s), e, keep=(k, m, n)) for s in slope(D, k) for e in error(model, k)]
    return products, ((m,) if same else (m, n))


def entry_gradient(model: Description, law: Law, d, block: str, same: bool, horizon=T, coords=None) -> sp.Expr:
    """G_θ for θ = entry (m, n) of `block`: diagonal (m = n, `same`) or off-diagonal (m ≠ n).

    Symbolic d: m, n stand for any (distinct) coordinates.  Numeric d:
    `coords` = (m, n) as 0-based integers.
    """
    products, roles = entry_products(model, block, same)
    fixed = {role: None for role in roles}
    if coords is not None:
        fixed = dict(zip(roles, coords))
    return expect_over_contexts(products, law, d, horizon, fixed)


@lru_cache(maxsize=None)
def gradients(law: Law, d, horizon=T, on_family: bool = True) -> dict:
    """{(block, 'diag'|'off'): G} on the diagonal family, symbolic in a, b (and d, T where symbolic); without
    the entries on the family (the diagonals of k21 and v1) unless `on_family`."""
    out = {}
    for block in BLOCKS:
        for kind, same in (("diag", True), ("off", False)):
            if (kind == "off" and d == 1) or (not on_family and same and block in ON_FAMILY):
                continue
            coords = None if not isinstance(d, int) else ((0, 0) if same else (0, 1))
            out[(block, kind)] = sp.expand(entry_gradient(DIAGONAL, law, d, block, same, horizon, coords))
    return out


def _identities_of(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """Coefficients of expr as a polynomial in a, b, T and the harmonic numbers H_{T−2}^{(r)}.

    1, T, H_{T−2}, H_{T−2}^{(2)}, … are linearly independent functions of T,
    so vanishing for every T ≥ 3 means vanishing coefficient by coefficient.
    Each coefficient is returned as (moment part, factor in d) — the
    identity `moment part = 0` is needed wherever the factor is non-zero.
    """
    harmonics = {h: sp.Dummy("H") for h in expr.atoms(sp.harmonic)}
    poly = sp.Poly(sp.expand(expr.xreplace(harmonics)), a, b, T, *harmonics.values())
    out = []
    for coeff in poly.coeffs():
        if coeff == 0:
            continue
        factors = sp.Mul.make_args(factor(coeff))
        core = sp.Mul(*[f for f in factors if f.free_symbols - {DIM}])
        scale = sp.Mul(*[f for f in factors if not f.free_symbols - {DIM}])
        out.append((sp.expand(core), scale))
    return out


DIM = sp.Symbol("d", integer=True, positive=True)


def identities(law: Law, d) -> list[tuple[sp.Expr, sp.Expr]]:
    """The moment identities (core, factor in d) equivalent to invariance of the diagonal family.

    For a law given through moment symbols this is the derived Assumption 4.1:
    each `core = 0` wherever `factor` ≠ 0.  Linearly dependent identities
    are reduced to a basis of the same span.
    """
    found = []
    for g in gradients(law, d, on_family=False).values():
        found.extend(_identities_of(g))
    # one identity per (factor, span): row-reduce the cores sharing a factor
    out: list[tuple[sp.Expr, sp.Expr]] = []
    for scale in dict.fromkeys(f for _, f in found):
        cores = [c for c, f in found if f == scale]
        symbols = sorted(set().union(*[c.free_symbols for c in cores]), key=str)
        M = sp.Matrix([[sp.Poly(c, *symbols).coeff_monomial(s) for s in symbols] for c in cores])
        for row in M.rref()[0].tolist():
            core = sum(coef * s for coef, s in zip(row, symbols))
            if core != 0 and not any(sp.expand(core - c) == 0 for c, _ in out):
                out.append((core, sp.Poly(scale, DIM).monic().as_expr()))  # the sign of a factor says nothing
    return sorted(out, key=lambda pair: str(pair[0]))  # canonical: sorted, leading coefficients 1


def assumption_4_1(law: Law, d: int, horizon) -> dict:
    """Whether the flow from the diagonal initialisation stays on the diagonal family, and why not.

    Exchangeable laws: the derived identities and the symbolic-d gradients, evaluated on the law at d.  Other
    laws: every entry's gradient on the family, derived for the law at its d (`derivations.zheng.invariance`),
    must vanish off the family and coincide across coordinates on it.
    Sizes are |G| at a = b = 1 for the given T (an expression in T where T is symbolic).  For an exchangeable
    law "identities" lists every identity needed at d, {"core": moment combination, "value": on the law}.
    """
    if not law.exchangeable:
        from mesaverify.derivations.zheng.invariance import diagonal_nonexchangeable

        out = diagonal_nonexchangeable(law, d, horizon)
        return out | {"max_gradient_at_a=b=1": _largest(out["gradient_at_a=b=1"].values())}
    checked = []  # every identity needed at d, with its value on the law
    for core, scale in identities(SYMBOLIC, DIM):  # the symbolic-d derivation at d: no sum over assignments
        if scale.subs(DIM, d) == 0:
            continue  # needs more distinct coordinates than d
        checked.append({"core": core, "value": sp.simplify(with_moments(at_dimension(core, d, DIM), law))})
    violations = [{"identity": f"{row['core']} = 0", "value": str(row["value"])} for row in checked if row["value"] != 0]
    sizes = {}
    for (blk, kind), g in gradients(SYMBOLIC, DIM, on_family=False).items():
        g = sp.expand(with_moments(at_dimension(g, d, DIM), law))
        if (kind, d) != ("off", 1) and g != 0:  # |G| is reported at a = b = 1 and the given T
            sizes[f"{blk}.{kind}"] = at_horizon(g.subs({a: 1, b: 1}), horizon, T)
    return {"holds": not violations, "violations": violations, "identities": checked, "sizes": sizes,
            "gradient_at_a=b=1": {k: str(v) for k, v in sizes.items()},
            "max_gradient_at_a=b=1": _largest(sizes.values())}


def _largest(sizes) -> float | None:
    """The largest |G| as a float, None where T is symbolic."""
    values = [sp.N(abs(sp.sympify(v))) for v in sizes]
    return float(max(values, default=0)) if all(v.is_number for v in values) else None


SYMBOLIC = SymbolicExchangeable(DIM)
