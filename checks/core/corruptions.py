"""Corruptions: small changes of a derived expression that its check must notice (`@check(..., corruptions=...)`).

A check lists its corruptions, each a function expr → corrupted expr; the tests feed every one of them to the
check's `compare` and require it to fail (and the corruption to change the expression).  The helpers here build
the corruptions that several checks share; they use SymPy only.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

Corruption = Callable[[sp.Basic], sp.Basic]

EPS = 1 + sp.Rational(1, 10**6)  # the smallest relative change a check at 30 agreeing digits must see


def scale_first_term(expr, factor=EPS):
    """expr with its first additive term multiplied by `factor` (the whole of it, if it is no sum)."""
    terms = sp.Add.make_args(expr)
    return sp.Add(terms[0] * factor, *terms[1:])


def nudge(expr):
    """expr times 1 + 10⁻⁶."""
    return expr * EPS


def scale_entry(M, n, factor=EPS):
    """The matrix M with its n-th entry (row-major) multiplied by `factor`."""
    flat = list(M)
    flat[n] = flat[n] * factor
    return sp.ImmutableMatrix(M.rows, M.cols, flat)


def in_tuple(i: int, mutate: Corruption) -> Corruption:
    """The corruption that applies `mutate` to component i of a tuple and keeps the others."""
    return lambda e: sp.Tuple(*[mutate(x) if n == i else x for n, x in enumerate(e)])


def in_pieces(mutate: Corruption) -> Corruption:
    """The corruption that applies `mutate` to the value of every piece of a Piecewise, conditions kept."""
    return lambda e: sp.Piecewise(*[(mutate(p), c) for p, c in e.args])


def swap_types(e):
    """A tuple of (Hessian, type) pairs with every saddle called a minimum and every minimum a saddle."""
    flip = {"saddle": "minimum", "minimum": "saddle"}
    return sp.Tuple(*[sp.Tuple(H, sp.Symbol(flip[str(k)])) for H, k in e])


def scale_hessian(e):
    """A tuple of (Hessian, type) pairs with the first Hessian times 1 + 10⁻⁶."""
    (H0, k0), rest = e[0], e[1:]
    return sp.Tuple(sp.Tuple(H0 * EPS, k0), *rest)


# --- the lower bounds (κ, M, R) of [S] §3.2: L ≥ κ‖C − M‖² + R with R a sum of squares -------------------------
def _with_remainder(e, R):
    """The bound (κ, M, R) with its remainder replaced."""
    return sp.Tuple(e[0], e[1], R)


def bound_weight(e):
    """The weight κ times 1 + 10⁻⁶."""
    return sp.Tuple(e[0] * EPS, *e[1:])


def bound_target(e):
    """The target M doubled."""
    return sp.Tuple(e[0], e[1] * 2, e[2])


def bound_square_dropped(e):
    """The remainder without its first square."""
    return _with_remainder(e, sp.Add(*sp.Add.make_args(e[2])[1:]))


def bound_negative_weight(e):
    """The remainder with its first square's weight negated."""
    return _with_remainder(e, e[2] - 2 * sp.Add.make_args(e[2])[0])


def bound_not_squares(e):
    """The remainder expanded: the same value, no longer written as a sum of squares."""
    return _with_remainder(e, sp.expand(e[2]))


# the weight, the target, a square dropped, a negative weight, R not as squares
BOUND_CORRUPTIONS = (bound_weight, bound_target, bound_square_dropped, bound_negative_weight, bound_not_squares)
