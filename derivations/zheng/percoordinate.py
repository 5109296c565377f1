"""[Z] on the per-coordinate family W^{KQ}_{21} = diag(a_1..a_d), W^{PV}_1 = diag(b_1..b_d), for any law at a
numeric d: the gradient of every entry of W^{KQ}, W^{PV} at every point of the family, exactly.

The gradient G_θ of an entry θ = (m, n) of a block (as ∂L/∂Re θ + i ∂L/∂Im θ) is derived once with symbolic
coordinates, law and d free: the phases of W averaged (`derivations.expectation.expect_phases`) leave terms

    c(t) · (a monomial in the a_j, b_j) · E[Π_blocks x_j^p x̄_j^q]   over distinct coordinates j,

and the sum over the contexts t = 2..T−1 turns each c(t) into a combination of 1, T, H_{T−2}, H^{(2)}_{T−2}, …,
functions linearly independent on T ≥ 3 (`Piece.weight`).  For a law of finite support and a numeric d the
sum over coordinate assignments is then done point by point of the support, over the coordinates where the
point is non-zero (a block with a power vanishes elsewhere), in exact integer arithmetic: the cost grows like
Σ over support points of (non-zero coordinates)^r, r ≤ 3 the coordinates a term names, not like d!.

The result, per entry, is the coefficient of every (monomial, function of T): the gradient vanishes on the
family for every T iff all of them vanish.  tests/test_hypotheses.py holds it equal to `entry_gradient` of
`derivations.zheng.assumption` (the sum over every assignment) and to the numeric model.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.polys.domains import ZZ_I

from mesaverify.derivations.expectation import expect_phases
from mesaverify.derivations.zheng.assumption import BLOCKS, ON_FAMILY, entry_products
from mesaverify.derivations.zheng.loss import sum_over_t
from mesaverify.derivations.zheng.model import PER_COORDINATE
from mesaverify.derivations.zheng.symbols import HORIZON, T, t


@dataclass(frozen=True)
class Piece:
    """weight(T) · Π params[i]^e · E[Π blocks], the blocks distinct coordinates; `roles` the entry's (m, n)."""

    weight: tuple  # ((function of T, rational coefficient), ...)
    params: tuple  # (("a" | "b", index symbol, exponent), ...)
    blocks: tuple  # ((index symbol, p, q), ...)


def _basis(expr: sp.Expr) -> tuple:
    """expr as ((function of T, coefficient), ...) in the monomials of T and the harmonic numbers in it."""
    harmonics = sorted(expr.atoms(sp.harmonic), key=str)
    dummies = [sp.Dummy("H") for _ in harmonics]
    back = dict(zip(dummies, harmonics))
    poly = sp.Poly(sp.expand(expr.xreplace(dict(zip(harmonics, dummies)))), T, *dummies)
    return tuple((sp.Mul(*[g**e for g, e in zip((T, *dummies), monom)]).xreplace(back), coeff)
                 for monom, coeff in poly.terms())


def _pieces(products: list, roles: tuple) -> tuple[Piece, ...]:
    """The phase-averaged terms of Σ_{t=2}^{T−1} E[Σ products]: t = 2 on its own (as `expect_over_contexts`);
    terms with the same parameters and blocks added up."""
    out: dict = {}
    at_two = expect_phases([p.subs({t: 2}) for p in products], HORIZON, roles)
    later = expect_phases(products, HORIZON, roles)
    for averaged, total in ((at_two, lambda f: f.subs(t, 2)), (later, lambda f: sum_over_t(f, T, start=3))):
        for coeff, blocks in averaged:
            for part in sp.Add.make_args(sp.expand(coeff)):
                params, rest = [], sp.Integer(1)
                for factor in sp.Mul.make_args(part):
                    base, exp = factor.as_base_exp()
                    if isinstance(base, sp.Indexed):
                        params.append((base.base.label.name, base.indices[0], int(exp)))
                    else:
                        rest *= factor
                if rest.free_symbols - {t}:
                    raise ValueError(f"unexpected symbols in a gradient term: {rest}")
                key = (tuple(sorted(params, key=str)), tuple((blk.index, blk.p, blk.q) for blk in blocks))
                out[key] = out.get(key, 0) + total(rest)
    return tuple(Piece(_basis(weight), *key) for key, weight in out.items() if sp.expand(weight) != 0)


@lru_cache(maxsize=None)
def entry_pieces(block: str, same: bool) -> tuple[Piece, ...]:
    """The gradient of entry (m, m) (`same`) or (m, n), m ≠ n, of `block` on the per-coordinate family."""
    return _pieces(*entry_products(PER_COORDINATE, block, same))


class _Support:
    """A finite law's support in exact arithmetic: Gaussian integers (scaled by D, weights by Q) when every
    coordinate is a Gaussian rational, else SymPy numbers."""

    def __init__(self, law) -> None:
        gi = law._gaussian_integer
        self.gaussian = gi is not None
        if self.gaussian:
            points, weights, self.D, self.Q = gi
            self.points = [[ZZ_I(re, im) for re, im in point] for point in points]
            self.weights = [ZZ_I(w, 0) for w in weights]
            self.zero, self.one = ZZ_I.zero, ZZ_I.one
        else:
            self.D = self.Q = 1
            self.points = [list(point) for point in law.support]
            self.weights = list(law.probs)
            self.zero, self.one = sp.Integer(0), sp.Integer(1)
        self.d = len(self.points[0])
        self.nonzero = [[c for c, v in enumerate(point) if v != self.zero] for point in self.points]
        self.holding = [{s for s, point in enumerate(self.points) if point[c] != self.zero} for c in range(self.d)]
        self._powers: dict = {}

    def power(self, s: int, c: int, p: int, q: int):
        """x^p x̄^q for coordinate c of support point s (cached)."""
        key = (s, c, p, q)
        if key not in self._powers:
            v = self.points[s][c]
            w = ZZ_I(v.x, -v.y) if self.gaussian else sp.conjugate(v)
            out = self.one
            for factor in [v] * p + [w] * q:
                out = out * factor
            self._powers[key] = out
        return self._powers[key]

    def row(self, s: int, p: int, q: int) -> list:
        """[x_c^p x̄_c^q for every coordinate c] at support point s (cached)."""
        key = ("row", s, p, q)
        if key not in self._powers:
            self._powers[key] = [self.power(s, c, p, q) for c in range(self.d)]
        return self._powers[key]

    def total(self, s: int, p: int, q: int):
        """Σ over every coordinate c of x^p x̄^q at support point s (cached)."""
        key = (s, None, p, q)
        if key not in self._powers:
            coords = self.nonzero[s] if p + q > 0 else range(self.d)
            self._powers[key] = sum((self.power(s, c, p, q) for c in coords), self.zero)
        return self._powers[key]

    def exact(self, value, degree: int) -> sp.Expr:
        """A sum of weight × product of `degree` coordinates, as the exact number it stands for."""
        if not self.gaussian:
            return sp.expand(value)
        scale = self.Q * self.D**degree
        return sp.Rational(int(value.x), scale) + sp.I * sp.Rational(int(value.y), scale)


def _partitions(count: int):
    """Set partitions of range(count) with their Möbius weights Π_B (−1)^{|B|−1} (|B| − 1)!."""
    from sympy.utilities.iterables import multiset_partitions

    for parts in (multiset_partitions(list(range(count))) if count else [[]]):
        weight = 1
        for part in parts:
            weight *= (-1) ** (len(part) - 1) * int(sp.factorial(len(part) - 1))
        yield parts, weight


def _anonymous_sum(blocks, s: int, taken, support: _Support):
    """Σ over distinct coordinates not in `taken` of Π_blocks x^p x̄^q at one support point (Möbius inversion
    of the sums over all coordinates, each the point's total less the taken coordinates)."""
    total = support.zero
    for parts, weight in _partitions(len(blocks)):
        term = support.one
        for part in parts:
            p = sum(blocks[i][1] for i in part)
            q = sum(blocks[i][2] for i in part)
            term = term * (support.total(s, p, q) - sum((support.power(s, c, p, q) for c in taken), support.zero))
        total = total + term * weight
    return total


def _entry_sums(pieces, support: _Support, roles: tuple, entry: tuple) -> dict:
    """{(piece index, assignment of its named blocks): exact sum over the support} for one entry."""
    pinned = dict(zip(roles, entry))
    bucket: dict = {}
    single: dict = {}  # pieces with one named block: piece index → sum per coordinate
    for idx, piece in enumerate(pieces):
        fixed, named, anonymous = _kinds(piece, pinned)
        powered = all(p + q > 0 for _, p, q in piece.blocks)
        points: range | list[int] = range(len(support.points))
        if powered:  # only points non-zero at every pinned coordinate contribute
            held = set(points)
            for b in fixed:
                held &= support.holding[pinned[b[0]]]
            points = sorted(held)
        for s in points:
            base = support.weights[s]
            for index, p, q in fixed:
                base = base * support.power(s, pinned[index], p, q)
            if base == support.zero:
                continue
            candidates = [c for c in (support.nonzero[s] if powered else range(support.d)) if c not in entry]
            if len(named) == 1 and not anonymous:  # the common case, written out
                row, acc = support.row(s, *named[0][1:]), single.setdefault(idx, [support.zero] * support.d)
                for c in candidates:
                    acc[c] = acc[c] + base * row[c]
                continue
            for assignment in itertools.permutations(candidates, len(named)):
                value = base
                for (_, p, q), c in zip(named, assignment):
                    value = value * support.power(s, c, p, q)
                if anonymous:
                    value = value * _anonymous_sum(anonymous, s, set(entry) | set(assignment), support)
                key = (idx, assignment)
                bucket[key] = bucket.get(key, support.zero) + value
    for idx, acc in single.items():
        bucket.update({(idx, (c,)): v for c, v in enumerate(acc) if v != support.zero})
    return bucket


def _kinds(piece: Piece, pinned: dict) -> tuple[list, list, list]:
    """The piece's blocks: pinned to the entry, named by a parameter (assigned one by one), and the rest
    (summed at each support point)."""
    fixed = [b for b in piece.blocks if b[0] in pinned]
    named = [b for b in piece.blocks if b[0] not in pinned and any(b[0] == s for _, s, _ in piece.params)]
    return fixed, named, [b for b in piece.blocks if b not in fixed and b not in named]


def _monomial(piece: Piece, pinned: dict, assignment: tuple) -> tuple:
    """((name, coordinate, exponent), ...), sorted: the piece's parameters at the assignment."""
    where = pinned | {b[0]: c for b, c in zip(_kinds(piece, pinned)[1], assignment)}
    return tuple(sorted((name, where.get(index), e) for name, index, e in piece.params))


def collapsed(pieces) -> tuple[Piece, ...]:
    """The pieces on the diagonal family a_j = a, b_j = b: parameters without coordinates (index None), the
    blocks that only a parameter named summed like the others."""
    out = []
    for piece in pieces:
        powers: dict = {}
        for name, _, e in piece.params:
            powers[name] = powers.get(name, 0) + e
        out.append(Piece(piece.weight, tuple((name, None, e) for name, e in sorted(powers.items())), piece.blocks))
    return tuple(out)


def coefficients(pieces, law, roles: tuple, entries, stop_after: int | None = None) -> dict:
    """{entry: {(monomial, function of T): exact coefficient}} of the gradient at each entry (the coordinates
    of `roles`, m or (m, n)), non-zero coefficients only; with `stop_after`, up to that many such entries.

    A monomial is ((name, coordinate, exponent), ...), e.g. (("a", 1, 1), ("b", 0, 2)) for a_1 b_0², with
    coordinate None for `collapsed` pieces."""
    support = _Support(law)
    out = {}
    for entry in entries:
        total: dict = {}
        for (idx, assignment), value in _entry_sums(pieces, support, roles, entry).items():
            if value == support.zero:
                continue
            piece = pieces[idx]
            monomial = _monomial(piece, dict(zip(roles, entry)), assignment)
            number = support.exact(value, sum(p + q for _, p, q in piece.blocks))
            for function, coeff in piece.weight:
                key = (monomial, function)
                total[key] = total.get(key, 0) + coeff * number
        nonzero = {key: v for key, v in total.items() if v != 0 and sp.simplify(v) != 0}
        if nonzero:
            out[entry] = nonzero
            if stop_after is not None and len(out) >= stop_after:
                break
    return out


def as_expr(coeffs: dict) -> sp.Expr:
    """The coefficients of one entry as a SymPy polynomial in a[j], b[j] and T."""
    from mesaverify.derivations.zheng.symbols import a, a_k, b, b_k

    base = {"a": a_k, "b": b_k}
    plain = {"a": a, "b": b}
    return sp.Add(*[value * function * sp.Mul(*[(plain[name] if c is None else base[name][c]) ** e
                                                for name, c, e in monomial])
                    for (monomial, function), value in coeffs.items()])


def off_family_entries(d: int, masked: bool = False):
    """(block, same) of every entry outside the per-coordinate family (masked: not the off-diagonals of
    W^{KQ}_{21}, W^{PV}_1, whose gradient a masked run sets to zero)."""
    for block in BLOCKS:
        for same in (True, False):
            if (same and block in ON_FAMILY) or (not same and d == 1) or (masked and not same and block in ON_FAMILY):
                continue
            yield block, same
