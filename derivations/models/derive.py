"""From a description: the population loss (symbolic T; symbolic d where the law is exchangeable and the
structure treats coordinates alike), the gradient-flow ODE of every free parameter, the quadratic quantities
the flow conserves; the stationary points with their types are `critical.stationary`'s."""
from __future__ import annotations

import itertools
from dataclasses import replace
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.polys.domains import QQ_I, ZZ_I

from mesaverify.derivations.expectation import abs2, expect_phases, sum_coordinates
from mesaverify.derivations.hypotheses import BeyondEngine
from mesaverify.derivations.models import process
from mesaverify.derivations.models.description import Description, InvalidDescription
from mesaverify.derivations.models.terms import error, least, parameter
from mesaverify.derivations.zheng.loss import sum_over_t
from mesaverify.derivations.zheng.symbols import T, t

k = sp.Symbol("k", integer=True)  # the output coordinate


def least_horizon(desc: Description) -> int:
    """The least T for which the derived loss holds: the loss has a term, every symbolic position is admissible."""
    if desc.loss == "last":
        return least(desc)
    return max(desc.start + 1, least(desc))


def _scale(desc: Description) -> sp.Expr:
    return sp.Rational(desc.scale.numerator, desc.scale.denominator)


@lru_cache(maxsize=64)
def loss(desc: Description, law, d) -> sp.Expr:
    """L for symbolic T (T ≥ `least_horizon`): c Σ_{t=t0}^{T−1} E‖ŷ_t − x_{t+1}‖² or c E‖ŷ_T − x_{T+1}‖²."""
    if not isinstance(d, int) and not (desc.exchangeable() and getattr(law, "exchangeable", False)):
        raise BeyondEngine("symbolic d needs an exchangeable law and blocks a·I or g·J only: give d")
    c, first = _scale(desc), least(desc)
    eigen, n_eigen = process.eigen_law(desc, law, d)

    def expected(tau, horizon):
        try:
            averaged, values = _phase_average(desc, tau, tuple(horizon.items()), d, isinstance(n_eigen, int))
            return filled(sum_coordinates(averaged, eigen, n_eigen), values)
        except NotImplementedError as err:
            raise BeyondEngine(f"the expectation operator does not average this model for symbolic T: {err}") from None

    if desc.loss == "last":
        return sp.expand(c * expected(T, {T: first}))
    prefix = sum(expected(n, {}) for n in range(desc.start, first))
    summed = sum_over_t(expected(t, {t: first, T: first + 1}), T, start=first)
    # a term δ_{t,first} of the summand is counted for every T, but at T = first (admissible when first > start)
    # the sum over t is empty
    edge = sp.expand(summed.subs(T, first).doit()) if first > desc.start else 0
    return sp.expand(c * (prefix + summed - (sp.KroneckerDelta(T, first) * edge if edge != 0 else 0)))


@lru_cache(maxsize=64)
def _phase_average(desc: Description, tau, horizon: tuple, d, numeric: bool) -> tuple[list, dict]:
    """The phase average of ‖ŷ_τ − x_{τ+1}‖² (coefficients held, see `held`) and the held factors: it depends on
    the description, the position and d, not on the law of x_1, so the laws (and scalings of x_1) a model is
    derived under share it."""
    values: dict = {}
    terms = [term for sub in process.subcoordinates(desc)
             for term in abs2(held(error(desc, k, tau, sub, d), values, numeric), keep=(k,))]
    return expect_phases(terms, dict(horizon)), values


def held(terms: list, values: dict, numeric: bool) -> list:
    """Each term's coefficient grouped by its factors that hold positions, the position-free sum beside each
    (parameters, coordinates) held as a placeholder w_n(coordinates) while the phases are averaged — that
    average only moves coordinates and positions; `filled` puts the factors back.  At a symbolic d,
    coefficients stay."""
    if not numeric:
        return terms
    out = []
    for term in terms:
        positions = [v for v, _, _ in term.time] + [T, t]
        groups: dict = {}  # position-dependent factor -> the sum of the position-free factors beside it
        for monomial in sp.Add.make_args(sp.expand(term.coeff)):
            free, rest = monomial.as_independent(*positions, as_Add=False)
            groups[rest] = groups.get(rest, 0) + free
        coords = term.coords()
        coeff = sp.Integer(0)
        for rest, free in groups.items():
            if free.is_number:
                coeff += free * rest
                continue
            w = sp.Function(f"w_{len(values)}")
            values[w] = (coords, free)
            coeff += w(*coords) * rest
        out.append(replace(term, coeff=coeff))
    return out


def filled(expr: sp.Expr, values: dict) -> sp.Expr:
    """The placeholders of `held` replaced by their factors at the coordinates they stand at."""
    if not values:
        return sp.expand(expr)
    found = {e: values[e.func][1].xreplace(dict(zip(values[e.func][0], e.args)))
             for e in expr.atoms(AppliedUndef) if e.func in values}
    return expand_products(expr.xreplace(found))


def expand_products(expr: sp.Expr) -> sp.Expr:
    """sp.expand(expr) for a sum of products of polynomials (the placeholders filled in), with the products
    multiplied out in a sparse polynomial ring (dicts of exponents, not SymPy Mul objects: for the dense
    augmented [S] model 0.7 s against 7 s); where a factor is not a polynomial over Q(i) in atoms that
    expand leaves alone, sp.expand itself."""
    terms = [sp.Mul.make_args(term) for term in sp.Add.make_args(expr)]

    def split(f):
        base, exp = f.as_base_exp()
        return (base, int(exp)) if exp.is_Integer and exp > 0 else (f, 1)

    distinct = list(dict.fromkeys(split(f)[0] for factors in terms for f in factors))
    try:
        ring, polys = sp.sring(distinct)
    except sp.polys.polyerrors.PolynomialError:
        return sp.expand(expr)
    if ring.domain not in (sp.ZZ, sp.QQ, ZZ_I, QQ_I) or any(sp.expand(g) != g for g in ring.symbols):
        return sp.expand(expr)
    table = dict(zip(distinct, polys))
    total = ring.zero
    for factors in terms:
        product = ring.one
        for f in factors:
            base, exp = split(f)
            product *= table[base] ** exp
        total += product
    return sp.expand(total.as_expr())


def parameters(desc: Description, d) -> list[sp.Expr]:
    """The free parameters in order: a; a[0..d−1] (diag); A[0, 0]..A[d−1, d−1] (dense, complex)."""
    out = []
    for name, kind in desc.parameters().items():
        if kind == "scalar":
            out.append(parameter(name, kind))
            continue
        if not isinstance(d, int):
            raise InvalidDescription(f"parameter {name} ({kind}) has one entry per coordinate: give d")
        if kind == "diag":
            out += [parameter(name, kind, m) for m in range(d)]
        else:
            out += [parameter(name, kind, r, c) for r in range(d) for c in range(d)]
    return out


def partial(L: sp.Expr, p: sp.Expr) -> sp.Expr:
    """∂L/∂θ for a real θ; for a complex θ (a "complex" block's entry), ∂L/∂Re θ + i ∂L/∂Im θ = 2 ∂L/∂θ̄, the
    complex parameter read as the pair of real ones (L real)."""
    if p.is_real:
        return sp.diff(L, p)
    bar = sp.Dummy("bar")
    return sp.expand(2 * sp.diff(L.xreplace({sp.conjugate(p): bar}), bar).xreplace({bar: sp.conjugate(p)}))


def entries(desc: Description, d) -> dict:
    """The number of matrix entries each parameter moves (all blocks, all heads): in a block, a·I and g·J parts
    of one name move the diagonal unless their factors cancel there, g·J parts the d(d − 1) others likewise."""
    count: dict = {}
    parts: dict = {}
    for matrix, h, block, s in desc.structures():
        if s.kind in ("scalar", "ones"):
            diag, off = parts.setdefault((matrix, h, block, s.name), [0, 0])
            parts[(matrix, h, block, s.name)] = [diag + s.factor, off + (s.factor if s.kind == "ones" else 0)]
        else:
            count[s.name] = count.get(s.name, 0) + 1
    for (_, _, _, name), (diag, off) in parts.items():
        count[name] = count.get(name, 0) + (d if diag else 0) + (d * (d - 1) if off else 0)
    return {p: count[str(p.base.label) if isinstance(p, sp.Indexed) else p.name] for p in parameters(desc, d)}


def flow(desc: Description, law, d) -> dict:
    """dθ/dτ = −(1/n_θ) ∂L/∂θ, n_θ the entries θ occupies: the gradient flow of the entries of W^{KQ}, W^{PV}
    constrained to the description's family (the entries' metric restricted to it).  It is the flow of the entries
    themselves only where each entry depends on one parameter with coefficient ±1 and the family is invariant
    (each entry of a·I then moves with its own partial, (1/d) ∂L/∂a under exchangeability); for tied or scaled
    blocks it is the constrained flow."""
    L = loss(desc, law, d)
    return {p: sp.expand(-partial(L, p) / n) for p, n in entries(desc, d).items()}


def conserved(rates: dict, limit: int = 8) -> list[sp.Expr]:
    """A basis of the quadratic forms Q(θ) with dQ/dτ = 0 along the flow `rates`, for every T and moment value."""
    params = list(rates)
    if len(params) > limit:
        return []
    pairs = list(itertools.combinations_with_replacement(params, 2))
    cs = sp.symbols(f"q0:{len(pairs)}")
    Q = sum(c * x * y for c, (x, y) in zip(cs, pairs))
    rate = sp.expand(sum(sp.diff(Q, p) * rates[p] for p in params))
    atoms = {e: sp.Dummy() for e in rate.atoms(sp.harmonic, sp.Sum, sp.Indexed) if not e.has(*params)}
    numerator = sp.expand(sp.fraction(sp.together(rate.xreplace(atoms)))[0])
    gens = sorted(numerator.free_symbols - set(cs), key=str)
    equations = sp.Poly(numerator, *gens).coeffs() if gens else [numerator]
    matrix, _ = sp.linear_eq_to_matrix(equations, cs)
    out = []
    for vector in matrix.nullspace():
        q = sp.expand(sum(v * x * y for v, (x, y) in zip(vector, pairs)))
        out.append(sp.expand(q / sp.Poly(q, *params).LC()))
    return out
