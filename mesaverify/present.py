"""Derived expressions in the form a paper would print them.

A derivation returns whatever SymPy's arithmetic left: sums expanded into a
dozen terms (`T a² b² d m₆/2 − T a b d m₄ + …`).  `present(expr)` rewrites it
for reading, without changing its value:

- a quotient becomes one fraction, numerator over denominator;
- a sum is collected by the harmonic numbers and sums it holds (the paper's
  `(T−2)/2 · d (…) + d(d−1)/2 · m_{2,4} H_{T−2} (…)`), or by the monomials
  in its parameters (a, b, τ, the entries of A, B, C, p), each coefficient
  factored, or factored whole: whichever prints shortest;
- sums inside functions and powers (√…, exp(…)) are presented the same way;
- when the parameters a, b enter only through their product, it is written
  u with the definition u = ab listed beside the expression (`where`); a
  root of a polynomial with no radical form (SymPy's CRootOf) is named r.

Tuples, matrices and the values of a Piecewise are presented entry by entry;
conditions are kept.  `Presented.value()` substitutes the definitions back: a
test holds it equal to the derived expression for every check, so the
presentation never changes a result.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.parameters import distribute

from mesaverify.derivations.factoring import factor

# Symbols of the setting (dimensions, horizons, moments, law scales): the coefficients of a presented
# polynomial.  Every other symbol and matrix entry is a parameter.
STRUCTURAL = ("d", "T", "t", "sigma", "c", "H")
MAX_OPS = 300  # a rational function with more operations is presented part by part, not brought over one denominator
MAX_TERMS = 80  # a sum with more terms is only collected (factoring it would take long and shorten little)
PREFER = 1.15  # an earlier candidate wins unless a later one prints this many times shorter


@dataclass(frozen=True)
class Presented:
    """A presented expression and the definitions it uses (symbol, meaning), in order."""

    expr: sp.Basic
    where: tuple[tuple[sp.Symbol, sp.Basic], ...] = field(default=())

    def value(self) -> sp.Basic:
        """The presented expression with its definitions substituted back: the derived value."""
        out = self.expr
        for symbol, meaning in self.where:
            out = out.xreplace({symbol: meaning})
        return out


def _structural(symbol) -> bool:
    name = getattr(symbol, "name", "")
    return name in STRUCTURAL or name.startswith(("m_", "P_"))


def parameters(expr) -> list:
    """The parameters of an expression: free symbols that are not structural, and matrix entries."""
    atoms = [s for s in expr.free_symbols if isinstance(s, sp.Symbol) and not _structural(s)
             and not any(s in i.free_symbols for i in expr.atoms(sp.Indexed))]
    atoms += [i for i in expr.atoms(sp.Indexed) if i in expr.free_symbols]  # not the bound ones of a sum
    atoms += [sp.conjugate(x) for x in expr.atoms(sp.conjugate)]
    return sorted(set(atoms), key=sp.default_sort_key)


def _length(expr) -> int:
    """How long expr reads: its LaTeX without sizing commands, braces and spaces."""
    from mesaverify.tex import scalar_latex

    return len(re.sub(r"\\left|\\right|[{} ]", "", scalar_latex(expr)))


def _shortest(candidates) -> sp.Basic:
    """The first candidate unless a later one prints PREFER times shorter."""
    best, best_len = None, None
    for c in candidates:
        n = _length(c)
        if best_len is None or n * PREFER < best_len:
            best, best_len = c, n
    return best


def _factor(expr):
    """expr factored over the rationals, its inner sums collected (unchanged if it has too many terms)."""
    if isinstance(expr, sp.Add) and len(expr.args) > MAX_TERMS:
        return expr
    try:
        return _tidy(factor(expr))
    except (sp.PolynomialError, NotImplementedError):
        return expr


def _tidy(expr):
    """The sums inside a product (its factors, the bases of its powers) collected (`_collected_sum`)."""
    with distribute(False):
        if isinstance(expr, sp.Add):
            return _collected_sum(expr)
        if isinstance(expr, sp.Mul):
            return sp.Mul(*(_tidy(x) for x in expr.args))
        if isinstance(expr, sp.Pow) and isinstance(expr.base, sp.Add):
            return sp.Pow(_collected_sum(expr.base), expr.exp)
    return expr


def _collected(expr, keys) -> sp.Basic | None:
    """expr (a sum) collected by `keys` (atoms), each coefficient factored; None if it does not separate."""
    parts = sp.collect(expr, keys, evaluate=False)
    if len(parts) < 2 and sp.S.One in parts:
        return None
    if sp.expand(sp.Add(*(k * v for k, v in parts.items())) - expr) != 0:  # collect left something out
        return None
    with distribute(False):
        return sp.Add(*(_factor(v) * k for k, v in parts.items()))


def _by_monomial(expr, params) -> sp.Basic | None:
    """A polynomial in the parameters, collected by monomial, each coefficient factored."""
    try:
        poly = sp.Poly(expr, *params)
    except sp.PolynomialError:
        return None
    if poly.is_ground or len(poly.terms()) > MAX_TERMS:
        return None
    with distribute(False):
        return sp.Add(*(_factor(c) * sp.Mul(*(p ** k for p, k in zip(params, powers)))
                        for powers, c in poly.terms()))


def _collections(expanded) -> list:
    """The sum collected by its harmonic numbers and index sums, and by the monomials of its parameters."""
    special = sorted(expanded.atoms(sp.harmonic) | expanded.atoms(sp.Sum), key=sp.default_sort_key)
    params = parameters(expanded)
    out = [_collected(expanded, special) if special else None, _by_monomial(expanded, params) if params else None]
    return [c for c in out if c is not None]


def _collected_sum(expr) -> sp.Basic:
    """A sum inside a factored product: collected where that reads shorter, never factored again."""
    expanded = sp.expand(expr, deep=False)
    if not isinstance(expanded, sp.Add):
        return expr
    return _shortest([*_collections(expanded), expr])


def _polynomial(expr) -> sp.Basic:
    """A sum (no quotient left in it) in its shortest paper form: factored, collected, or expanded."""
    expanded = sp.expand(expr, deep=False)
    if not isinstance(expanded, sp.Add):
        return _factor(expanded)
    return _shortest([_factor(expanded), *_collections(expanded), expanded])


def _squares_of_sums(expr) -> bool:
    """Whether a term of the sum expr holds a power of a sum (a sum of squares is kept as one)."""
    return isinstance(expr, sp.Add) and any(
        isinstance(f, sp.Pow) and isinstance(f.base, sp.Add) and f.exp.is_Integer and f.exp > 1
        for term in expr.args for f in sp.Mul.make_args(term))


def _scalar(expr) -> sp.Basic:
    """One scalar in paper form: a rational function as one fraction of two presented sums; a sum of
    squares term by term; anything else (roots, exponentials) with its parts presented."""
    if expr.is_Atom or isinstance(expr, sp.Indexed) or expr.has(sp.CRootOf) or not isinstance(expr, sp.Expr):
        return expr
    if _squares_of_sums(expr) or not _rational(expr) or sp.count_ops(expr) > MAX_OPS:
        if isinstance(expr, sp.Add) and _rational(expr) and not _squares_of_sums(expr):
            return _record(expr, _polynomial(expr))
        with distribute(False):
            return expr.func(*(_scalar(x) if isinstance(x, sp.Expr) else x for x in expr.args))
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expr)))
    if denominator == 1 and not isinstance(numerator, sp.Add):
        return _record(expr, _factor(numerator))
    if denominator.is_Number and isinstance(expr, sp.Add):  # a polynomial: its terms, not one numerator
        return _record(expr, _polynomial(expr))
    with distribute(False):
        top, bottom = _polynomial(numerator), _polynomial(denominator)
        one = top if bottom == 1 else sp.Mul(top, sp.Pow(bottom, -1))
    return _record(expr, _shortest([one, expr]))


_TRAIL: list | None = None  # while `present(..., trail=[...])` runs: each rational part rewritten, and its rewrite


def _record(original, rewritten):
    if _TRAIL is not None and rewritten != original:
        _TRAIL.append((original, rewritten))
    return rewritten


def _rational(expr) -> bool:
    """Whether expr is a rational function of its atoms (no roots or exponentials; a sum over an index is an atom)."""
    return not expr.has(sp.exp) and all(
        not isinstance(p, sp.Pow) or p.exp.is_Integer for p in sp.preorder_traversal(expr))


def _product_ab(expr):
    """(u, u = ab) when the parameters a, b enter expr only through their product ab, else None."""
    names = {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    if "a" not in names or "b" not in names or "u" in names:
        return None
    a, b, u = names["a"], names["b"], sp.Symbol("u")
    rewritten = sp.expand(expr.xreplace({a: u / b}))
    if b in rewritten.free_symbols:
        return None
    return rewritten, (u, a * b)


def present(expr, trail: list | None = None) -> Presented:
    """expr in the form a paper would print it, with the definitions it uses (see the module).

    `trail`, a list, receives every (rational part, its rewrite): the presented value is expr with these
    parts replaced, so a test can prove it equal part by part where expr is too large for SymPy to
    compare whole (the closed-form flow, with its roots and exponentials)."""
    global _TRAIL
    if trail is not None:
        previous, _TRAIL = _TRAIL, trail
        try:
            return _presented(expr)
        finally:
            _TRAIL = previous
    if _TRAIL is not None:
        return _presented(expr)
    try:
        return _REMEMBERED[expr]
    except KeyError:
        shown = _REMEMBERED[expr] = _presented(expr)
        return shown
    except TypeError:  # an unhashable (mutable) matrix
        return _presented(expr)


_REMEMBERED: dict = {}  # expr -> its presented form, within a process (a report, the document, the tests)


def _presented(expr) -> Presented:
    roots = sorted(expr.atoms(sp.CRootOf), key=sp.default_sort_key) if hasattr(expr, "atoms") else []
    if roots:  # an algebraic number without radicals: named r, its polynomial given beside
        names = [sp.Symbol("r" if len(roots) == 1 else f"r_{k + 1}") for k in range(len(roots))]
        inner = present(expr.xreplace(dict(zip(roots, names))))
        return Presented(inner.expr, tuple(zip(names, roots)) + inner.where)
    if isinstance(expr, sp.Tuple):
        parts = [present(x) for x in expr]
        return Presented(sp.Tuple(*(p.expr for p in parts)), _merge(parts))
    if isinstance(expr, sp.MatrixBase):
        parts = [present(x) for x in expr]
        return Presented(sp.ImmutableMatrix(expr.rows, expr.cols, [p.expr for p in parts]), _merge(parts))
    if isinstance(expr, sp.Piecewise):
        parts = [present(v) for v, _ in expr.args]
        return Presented(sp.Piecewise(*((p.expr, c) for p, (_, c) in zip(parts, expr.args)), evaluate=False),
                         _merge(parts))
    if not isinstance(expr, sp.Expr):
        return Presented(expr)
    product = _product_ab(expr)
    if product is not None:
        rewritten, definition = product
        return Presented(_scalar(rewritten), (definition,))
    return Presented(_scalar(expr))


def _merge(parts) -> tuple:
    out = []
    for p in parts:
        out += [w for w in p.where if w not in out]
    return tuple(out)
