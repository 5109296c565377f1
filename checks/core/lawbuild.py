"""Laws built to break exactly one derived identity of [Z] Assumption 4.1 (or 4.2).

An exchangeable finite law is a mixture of *symmetrised points* (a point of C^d
with all its coordinate permutations, equally likely).  Every moment identity
of the derived Assumption 4.1 is linear in the mixture weights, so a law that
satisfies all identities but one is a non-negative solution w of

    Σ_i w_i I_k(point_i) = 0 (real and imaginary parts) for k ≠ j,   Re or Im Σ_i w_i I_j(point_i) = ±1.

A floating-point LP (HiGHS) finds a vertex; the vertex is then solved again in
exact rationals on its support and every constraint is verified exactly, so
the law returned breaks identity j and no other, with no rounding.  The
candidate points are the caller's (Hypothesis draws them; the checks fix them).
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import sympy as sp

from mesaverify.checks.core.laws import LawSpec
from mesaverify.derivations.moments import Discrete, exact, with_moments
from mesaverify.derivations.zheng import assumption


def symmetrised(point: tuple) -> Discrete:
    """The point with every permutation of its coordinates, equally likely (an exchangeable law)."""
    counts: dict = {}
    for perm in itertools.permutations(range(len(point))):
        q = tuple(exact(point[k]) for k in perm)
        counts[q] = counts.get(q, 0) + 1
    total = sum(counts.values())
    return Discrete(tuple(counts), tuple(sp.Rational(c, total) for c in counts.values()))


@lru_cache(maxsize=None)
def identities_41(d: int) -> tuple:
    """The cores of the derived Assumption 4.1 that apply in dimension d (factor in d non-zero),
    in a fixed order (by their text)."""
    return tuple(sorted((core for core, scale in assumption.identities(assumption.SYMBOLIC, assumption.DIM)
                         if scale.subs(assumption.DIM, d) != 0), key=str))


def values_41(law, d: int) -> list:
    """Each applicable identity's left-hand side on a law, exactly."""
    return [sp.expand(with_moments(core, law).subs(assumption.DIM, d)) for core in identities_41(d)]


def breaking_41(identity: sp.Expr, points) -> LawSpec | None:
    """An exchangeable finite law on the permutations of `points` that violates `identity` (one of
    identities_41(d)) and satisfies every other one; None if no mixture of these points does."""
    from scipy.optimize import linprog

    points = [tuple(p) for p in points if any(exact(v) != 0 for v in p)]
    if not points:
        return None
    d = len(points[0])
    index = identities_41(d).index(identity)
    components = [symmetrised(p) for p in points]
    vals = [values_41(c, d) for c in components]
    zero_rows = [[part(v[k]) for v in vals] for k in range(len(vals[0])) if k != index for part in (sp.re, sp.im)]
    for part, sign in ((sp.re, 1), (sp.re, -1), (sp.im, 1), (sp.im, -1)):
        target = [sign * part(v[index]) for v in vals]
        rows = zero_rows + [target]
        rhs = [0] * len(zero_rows) + [1]
        A = np.array([[float(x) for x in row] for row in rows])
        found = linprog(np.ones(len(points)), A_eq=A, b_eq=np.array(rhs, float), bounds=(0, None), method="highs")
        if found.status != 0:
            continue
        support = [i for i, w in enumerate(found.x) if w > 1e-9]
        vertex = _exact_vertex([[row[i] for i in support] for row in rows], rhs)
        if vertex is None:
            continue
        weights = [sp.Integer(0)] * len(points)
        for i, w in zip(support, vertex):
            weights[i] = w
        total = sum(weights)
        law = mixture([c for c, w in zip(components, weights) if w != 0], [w / total for w in weights if w != 0])
        broken = [k for k, v in enumerate(values_41(law.exact(), d)) if v != 0]
        if broken == [index]:
            return law
    return None


def _exact_vertex(rows, rhs):
    """The non-negative rational solution of rows·w = rhs on a vertex's support, or None."""
    M, b = sp.Matrix(rows), sp.Matrix(rhs)
    try:
        solution, free = M.gauss_jordan_solve(b)
    except ValueError:  # no exact solution on this support
        return None
    solution = solution.subs({p: 0 for p in free})
    if any(w < 0 for w in solution) or M * solution != b:
        return None
    return list(solution)


def mixture(components, weights) -> LawSpec:
    """The discrete law Σ w_i · component_i as a LawSpec (support merged, probabilities exact)."""
    merged: dict = {}
    for comp, w in zip(components, weights):
        for pt, pr in zip(comp.support, comp.probs):
            merged[pt] = merged.get(pt, 0) + w * pr
    return LawSpec("discrete", len(next(iter(merged))), support=tuple(merged), probs=tuple(merged.values()))
