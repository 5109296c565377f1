"""A derived expression shortened to about a given length, for the report: the full form goes to a file.

`abbreviated(expr, limit)` presents expr (`present`) and shortens it: a long sum keeps
its leading terms and ends in `+ \\cdots` (`More`), a tuple, a matrix or a Piecewise
shortens each part, anything else has its smallest sufficient parts replaced by
`\\cdots`.  The result is valid LaTeX but not the expression: the report says where
the full one is.
"""
from __future__ import annotations

import sympy as sp

from mesaverify.tex import _PRINTER, paper_of, scalar_latex, to_latex

DOTS = sp.Symbol(r"\cdots")  # what an abbreviation leaves in place of the parts it drops


class More(sp.Function):
    """A sum whose later terms an abbreviation left out: printed `x + y + \\cdots`."""

    nargs = 1


def abbreviated(expr, limit: int) -> str:
    """`paper(expr)` in at most about `limit` characters: a long sum keeps its leading terms, a tuple or
    a Piecewise shortens each part, anything else has its smallest sufficient parts replaced by \\cdots."""
    from mesaverify.present import Presented, present  # present imports tex, which this module imports

    shown = present(expr)
    short = _shorten(shown.expr, limit)
    return paper_of(Presented(short, shown.where))


def _shorten(expr, limit: int):
    if len(to_latex(expr)) <= limit:
        return expr
    if isinstance(expr, sp.Tuple):
        return sp.Tuple(*(_shorten(x, max(limit // len(expr), 40)) for x in expr))
    if isinstance(expr, sp.Piecewise):
        share = max(limit // len(expr.args), 40)
        return sp.Piecewise(*((_shorten(v, share), c) for v, c in expr.args), evaluate=False)
    if isinstance(expr, sp.MatrixBase):
        share = max(limit // len(expr), 20)
        return sp.ImmutableMatrix(expr.rows, expr.cols, [_shorten(x, share) for x in expr])
    if isinstance(expr, sp.Add):
        kept: list[sp.Expr] = []
        used = 0
        for term in _PRINTER._as_ordered_terms(expr, order=None):
            used += len(scalar_latex(term)) + 3
            if kept and used > limit:
                break
            kept.append(term)
        return More(sp.Add(*kept, evaluate=False))
    for _ in range(8):  # the smallest part whose removal is enough, else the largest, a few times over
        excess = len(to_latex(expr)) - limit
        if excess <= 0:
            break
        sizes = {n: len(scalar_latex(n)) for n in sp.preorder_traversal(expr)
                 if n is not expr and isinstance(n, sp.Expr) and not n.is_Atom}
        if not sizes:
            break
        enough = [n for n, size in sizes.items() if size - len(r"\cdots") >= excess]
        part = min(enough, key=sizes.__getitem__) if enough else max(sizes, key=sizes.__getitem__)
        expr = expr.xreplace({part: DOTS})
    return expr
