"""A symbolic result at numbers: the dimension d, a law's moments and the horizon T substituted, exactly.

A derivation for symbolic d and T is done once; asking for d = 10⁶ or T = 10⁹ substitutes into it.
Two things need care there:

* moments on more distinct coordinates than d come with the count d(d−1)⋯, which vanishes at that d:
  they are set to 0 before a law is asked for them (a law on C^d has none);
* harmonic numbers H_n^{(r)} and sums Σ_{i=lo}^{hi} are evaluated exactly (a rational, the terms
  written out) while n, resp. the number of terms, is at most EXACT_MAX; beyond that they are kept
  unevaluated — still exact, and `sp.N` evaluates H_n = ψ(n + 1) + γ and
  H_n^{(r)} = ζ(r) − ζ(r, n + 1) through mpmath at any precision, in microseconds, where the exact
  rational H_{10⁵} alone takes seconds and hundreds of megabytes.
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.moments import pattern_of, with_moments

EXACT_MAX = 1000  # largest n of an H_n^{(r)} (and number of terms of a sum) evaluated exactly


def moment_symbols(expr: sp.Expr) -> set:
    """The moment symbols m_{...} in expr."""
    return {s for s in expr.free_symbols if s.name.startswith("m_{")}


def at_dimension(expr: sp.Expr, dim: int, d: sp.Symbol) -> sp.Expr:
    """expr at d = dim, the moments m_{...} on more than dim distinct coordinates set to 0 (count d(d−1)⋯ = 0)."""
    expr = expr.subs(d, dim)
    return expr.xreplace({s: sp.S.Zero for s in moment_symbols(expr) if len(pattern_of(s)) > dim})


def at_horizon(expr: sp.Expr, horizon: int, T: sp.Symbol, tidy=None) -> sp.Expr:
    """expr at T = horizon: harmonic numbers and sums kept unevaluated past EXACT_MAX, the others evaluated.

    `tidy` (e.g. sp.simplify) is applied with the unevaluated harmonic numbers held as symbols, which
    simplification cannot expand.
    """
    held = {}
    for h in expr.atoms(sp.harmonic):
        n = h.args[0].subs(T, horizon)
        if n.is_Integer and n > EXACT_MAX:
            held[h] = (sp.Dummy("H", positive=True), sp.harmonic(n, *h.args[1:], evaluate=False))
    out = written_out(expr.xreplace({h: symbol for h, (symbol, _) in held.items()}).subs(T, horizon))
    if tidy is not None:
        out = tidy(out)
    return out.xreplace(dict(held.values()))


def written_out(expr: sp.Expr) -> sp.Expr:
    """Every sum of at most EXACT_MAX terms evaluated; longer ones (and symbolic ranges) kept as sums."""
    return expr.replace(lambda e: isinstance(e, sp.Sum) and _terms(e) <= EXACT_MAX, lambda e: e.doit())


def _terms(s: sp.Sum) -> float:
    """The number of terms of a sum (inf unless every range is numeric)."""
    count = 1
    for _, lo, hi in s.limits:
        span = hi - lo + 1
        if not span.is_Integer:
            return float("inf")
        count *= max(int(span), 0)
    return count


def specialise(expr: sp.Expr, law, dim: int, horizon: int, d: sp.Symbol, T: sp.Symbol, tidy=None) -> sp.Expr:
    """A symbolic-d, symbolic-T result for an exchangeable law known by moment symbols, at a law, d and T."""
    return at_horizon(with_moments(at_dimension(expr, dim, d), law), horizon, T, tidy)
