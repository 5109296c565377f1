"""The expectation operator E[·] over the model's randomness, exactly.

Random objects are symbols whose laws the operator knows:

* the phases λ_j of W = diag(λ): E[λ_j^m] = δ_{m,0}, independent across j;
* the coordinates x_j of the initial token x_1: through the moments of a law
  (`derivations.moments`).

Expressions are sums of `Term`s,

    coeff · Π x_c^{p} conj(x_c)^{q} · Π λ_c^{e}  summed over time indices,

where the coordinate indices c are symbols ranging over 1..d (they may
coincide) and the exponents e are linear in time indices and in t.  The
operator splits each term by which coordinate indices coincide (set
partitions), keeps the partitions whose phase exponents can vanish, resolves
the resulting Kronecker deltas on the time indices, and sums over coordinates
either explicitly (numeric d) or by counting injective assignments (symbolic
d, exchangeable law).  Nothing is sampled; everything stays exact.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import sympy as sp
from sympy.utilities.iterables import multiset_partitions

from mesaverify.derivations.conditions import Boundary, decide_zero, extreme, primitive, sign, slope


@dataclass(frozen=True)
class Term:
    """coeff · Π_(c,p,q) x_c^p conj(x_c)^q · Π_(c,e) λ_c^e, summed over `time` ranges."""

    coeff: sp.Expr
    x: tuple = ()  # ((coordinate index, p, q), ...)
    phase: tuple = ()  # ((coordinate index, exponent), ...)
    time: tuple = ()  # ((time index, lo, hi), ...), inclusive

    def coords(self) -> list[sp.Symbol]:
        seen = []
        for c, *_ in self.x + self.phase:
            if c not in seen:
                seen.append(c)
        return seen

    def subs(self, mapping: dict) -> "Term":
        def s(e):
            return sp.sympify(e).xreplace(mapping)

        return Term(
            s(self.coeff),
            tuple((s(c), p, q) for c, p, q in self.x),
            tuple((s(c), s(e)) for c, e in self.phase),
            tuple((s(i), s(lo), s(hi)) for i, lo, hi in self.time),
        )

    def scale(self, factor) -> "Term":
        return replace(self, coeff=self.coeff * factor)


_counter = itertools.count()


def fresh(term: Term, keep: tuple = ()) -> Term:
    """Rename every bound index (time indices, summed coordinates not in `keep`) to fresh symbols."""
    mapping = {}
    for i, _, _ in term.time:
        mapping[i] = sp.Symbol(f"{i.name.split('_')[0]}_{next(_counter)}", integer=True)
    for c in term.coords():
        if c not in keep:
            mapping[c] = sp.Symbol(f"{c.name.split('_')[0]}_{next(_counter)}", integer=True)
    return term.subs(mapping)


def conj(term: Term) -> Term:
    """Complex conjugate: parameters real, x ↔ conj(x), λ^e ↔ λ^{−e}."""
    return Term(
        sp.conjugate(term.coeff),
        tuple((c, q, p) for c, p, q in term.x),
        tuple((c, -e) for c, e in term.phase),
        term.time,
    )


def mul(s: Term, t: Term, keep: tuple = ()) -> Term:
    """Product of two terms, bound indices of the second renamed apart."""
    t = fresh(t, keep)
    return Term(s.coeff * t.coeff, s.x + t.x, s.phase + t.phase, s.time + t.time)


def abs2(terms: list[Term], keep: tuple = ()) -> list[Term]:
    """|Σ terms|² as a list of terms (indices in `keep` are shared, the rest renamed apart)."""
    return [mul(s, conj(t), keep) for s in terms for t in terms]


def _solve_deltas(coeff, constraints, time, horizon):
    """Impose constraints (each linear expr == 0) on the time sums; None if infeasible."""
    time, pending = list(time), [sp.expand(c) for c in constraints]
    while pending:
        # conditions on fewer time indices first: a fixed index (t' = T − 1) is
        # eliminated before it could be expressed through another on a partial range
        pending.sort(key=lambda c: sum(1 for i, _, _ in time if c.has(i)))
        con = primitive(pending.pop(0), time)
        if con is None:
            return None  # never holds
        idx = [i for i, _, _ in time if con.has(i)]
        if not idx:
            decided = decide_zero(con, horizon)
            if decided is False:
                return None
            if decided is None:  # vanishes for one value of the horizon only: a Kronecker delta
                coeff = coeff * sp.KroneckerDelta(con, 0)
            continue
        i = idx[-1]
        a = slope(con, i)
        if a not in (1, -1):
            raise NotImplementedError(f"constraint {con} = 0 is not unimodular in {i}")
        value = sp.expand(i - con / a)
        (_, lo, hi), = [r for r in time if r[0] == i]
        time = [r for r in time if r[0] != i]
        # the eliminated index must lie in its range for every value of the others
        checks = []
        for gap in (value - lo, hi - value):
            checks.append((sign(extreme(gap, tuple(time), True), horizon),
                           sign(extreme(gap, tuple(time), False), horizon)))
        if any(mx == -1 for _, mx in checks):
            return None  # never in range
        if not all(mn == 1 for mn, _ in checks):
            if not any(value.has(j) for j, _, _ in time):  # in range for some horizons only
                coeff = coeff * sp.Piecewise((1, sp.And(value >= lo, value <= hi)), (0, True))
            else:
                time = _restrict(time, value, lo, hi, horizon)  # in range for part of another index
                if time is None:
                    return None
        coeff = coeff.xreplace({i: value})
        pending = [sp.expand(c.xreplace({i: value})) for c in pending]
    return coeff, tuple(time)


def _restrict(time, value, lo, hi, horizon):
    """Narrow the range of the one index j in `value` = ±j + c so that lo ≤ value ≤ hi."""
    idx = [r for r in time if value.has(r[0])]
    if len(idx) != 1:
        raise NotImplementedError(f"cannot restrict ranges for {value}")
    j, jlo, jhi = idx[0]
    direction = slope(value, j)
    c = sp.expand(value - direction * j)
    if direction == 1:
        new_lo, new_hi = lo - c, hi - c
    elif direction == -1:
        new_lo, new_hi = c - hi, c - lo
    else:
        raise NotImplementedError(f"constraint {value} is not unimodular in {j}")

    def pick(x, y, larger):
        s = sign(sp.expand(x - y), horizon)
        if s is None:
            raise NotImplementedError(f"cannot order {x} and {y}")
        return x if (s >= 0) == larger else y

    lo2, hi2 = pick(jlo, sp.expand(new_lo), True), pick(jhi, sp.expand(new_hi), False)
    if sign(sp.expand(hi2 - lo2), horizon) == -1:
        return None
    if sign(sp.expand(hi2 - lo2), horizon) is None:
        raise NotImplementedError(f"range [{lo2}, {hi2}] may be empty")
    return [(r if r[0] != j else (j, lo2, hi2)) for r in time]


def _sum(expr: sp.Expr, i: sp.Symbol, lo, hi) -> sp.Expr:
    """Σ_{i=lo}^{hi} expr: closed form where the summand is explicit in i; an unknown
    sequence (an indexed parameter such as p[i]) stays an unevaluated Sum of the factors holding i."""
    span = sp.expand(hi - lo)
    if span.is_Integer:  # a fixed number of terms: written out
        return sp.Add(*[expr.xreplace({i: lo + n}) for n in range(int(span) + 1)])
    out = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        free, bound = term.as_independent(i, as_Add=False)
        if any(isinstance(e, sp.Indexed) and e.has(i) for e in sp.preorder_traversal(bound)):
            out += free * sp.Sum(bound, (i, lo, hi))
        else:
            out += free * sp.summation(bound, (i, lo, hi))
    return out


def _canonical_sums(expr: sp.Expr) -> sp.Expr:
    """Rename the bound index of every unevaluated Sum by position (τ_1, τ_2, …), so equal sums combine."""
    def rename(s: sp.Sum) -> sp.Sum:
        names = {v: sp.Symbol(f"tau_{n + 1}", integer=True) for n, v in enumerate(s.variables)}
        return sp.Sum(s.function.xreplace(names),
                      *[(names[v], lo.xreplace(names), hi.xreplace(names)) for v, lo, hi in s.limits])

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


# --- the operator ------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """One class of coinciding coordinate indices after the phase average: x^p conj(x)^q."""

    index: sp.Symbol
    p: int
    q: int


def expect_phases(terms: list[Term], horizon: dict, fixed: tuple = ()) -> list[tuple[sp.Expr, tuple[Block, ...]]]:
    """E over the phases of Σ terms: a list of (coefficient, blocks of distinct coordinates).

    `horizon` maps each horizon symbol (t, T) to its least admissible value, so
    that conditions such as "t − i = 0 for some 1 ≤ i ≤ t − 1" are decided.
    The coefficient is summed over the surviving time indices.  Distinct
    `fixed` indices (entries of a parameter matrix) never share a block, and
    name the block they are in.
    """
    return [pair for term in terms for pair in _average(term, horizon, tuple(fixed))]


def _average(term: Term, horizon: dict, fixed: tuple) -> list:
    """The phase average of one term, exact for every admissible horizon.  Where a condition on the time
    indices changes truth value only at the least value h₀ of a horizon symbol h, the term is averaged for
    h ≥ h₀ + 1 and at h = h₀ (its ranges then finite in h), and the two are joined by δ_{h,h₀}."""
    try:
        return _average_term(term, horizon, fixed)
    except Boundary as edge:
        h, least = edge.symbol, horizon[edge.symbol]
        above = _average(term, {**horizon, h: least + 1}, fixed)
        at = _average(term.subs({h: least}), {s: v for s, v in horizon.items() if s != h}, fixed)
        delta = sp.KroneckerDelta(h, least)
        return above + [(delta * c, blocks) for c, blocks in at] + [(-delta * c.subs(h, least).doit(), blocks)
                                                                    for c, blocks in above]


def _average_term(term: Term, horizon: dict, fixed: tuple) -> list:
    """`_average` where no condition changes truth value at a least value (else `Boundary`)."""
    out = []
    coords = term.coords()
    for partition in (multiset_partitions(coords) if coords else [[]]):
        heads = [[c for c in block if c in fixed] for block in partition]
        if any(len(h) > 1 for h in heads):
            continue
        partition = [h + [c for c in block if c not in h] for h, block in zip(heads, partition)]
        rep = {c: block[0] for block in partition for c in block}
        merged = term.subs(rep)
        exps: dict[sp.Symbol, sp.Expr] = {}
        for c, e in merged.phase:
            exps[c] = exps.get(c, 0) + e
        solved = _solve_deltas(merged.coeff, list(exps.values()), merged.time, horizon)
        if solved is None:
            continue
        coeff, time = solved
        for i, lo, hi in reversed(time):
            coeff = _sum(coeff, i, lo, hi)
        coeff = _canonical_sums(coeff)
        powers: dict[sp.Symbol, tuple[int, int]] = {}
        for c, p, q in merged.x:
            pp, qq = powers.get(c, (0, 0))
            powers[c] = (pp + p, qq + q)
        blocks = tuple(Block(c, *powers.get(c, (0, 0))) for c in (b[0] for b in partition))
        out.append((coeff, blocks))
    return out


def sum_coordinates(averaged, law, d, fixed: dict | None = None) -> sp.Expr:
    """Σ over distinct coordinate assignments of coefficient × E_law[x-monomial].

    With a numeric `d` every injective assignment is enumerated (any law,
    coordinate-dependent coefficients).  With a symbolic `d` the coefficient
    must not depend on the summed coordinate indices and the law must be
    exchangeable; each partition then counts d(d−1)…(d−r+1) times.

    `fixed` maps index symbols that are not summed (an entry (m, n) of a
    parameter matrix) to their 0-based value (numeric d) or to None
    (symbolic d: distinct fixed symbols stand for distinct coordinates).
    """
    fixed = fixed or {}
    terms = []  # added up once at the end: repeated + re-sorts a growing sum
    for coeff, blocks in averaged:
        pinned = [[s for s in fixed if s == blk.index] for blk in blocks]
        if isinstance(d, int):
            free = [n for n, p in enumerate(pinned) if not p]
            values = {n: fixed[p[0]] for n, p in enumerate(pinned) if p}
            if len(set(values.values())) < len(values):
                continue  # two blocks pinned to one coordinate: not distinct
            rest = [m for m in range(d) if m not in values.values()]
            for assignment in itertools.permutations(rest, len(free)):
                values.update(zip(free, assignment))
                mapping = {blk.index: sp.Integer(values[n]) for n, blk in enumerate(blocks)}
                powers = {values[n]: (blk.p, blk.q) for n, blk in enumerate(blocks)}
                terms.append(coeff.xreplace(mapping) * law.moment(powers))
        else:
            summed = {blk.index for blk, p in zip(blocks, pinned) if not p}
            if coeff.free_symbols & summed:
                raise ValueError("symbolic d needs coefficients free of summed coordinate indices")
            n_fixed = sum(1 for p in pinned if p)
            pattern = tuple((b.p, b.q) for b in blocks)
            count = sp.ff(d - n_fixed, len(blocks) - n_fixed)
            terms.append(coeff * count * law.exchangeable_moment(pattern))
    return sp.Add(*terms)


def expect(terms: list[Term], law, d, horizon: dict, fixed: dict | None = None) -> sp.Expr:
    """E[Σ terms] over the phases of W and the law of x_1: the suite's one entry point.

    Exact for every value of the horizon symbols from their least value in `horizon` on: where a condition
    on the time indices holds at the least value h₀ only (or fails there only), the result carries the
    difference at h₀ as a multiple of δ_{h,h₀} (`sum_over_t` sums such terms)."""
    return sp.expand(sum_coordinates(expect_phases(terms, horizon, tuple(fixed or ())), law, d, fixed))
