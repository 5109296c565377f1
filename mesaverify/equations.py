"""What each check's derived expression is: the left-hand side its equation is printed with.

Each check names it where it is declared (`@check(..., equation=...)`): LaTeX,
one name for the whole expression, or a tuple of names, one per component of a
derived tuple.  `lhs(check_id)` gives the name, `y` for an id that is no check
(the registry refuses a check without one).
"""
from __future__ import annotations

from mesaverify.checks.core.registry import all_checks


def lhs(check_id: str):
    """The name (or names, for a tuple) of a check's derived expression; y when it has none."""
    check = all_checks().get(check_id)
    return check.equation if check is not None else "y"


def inline(check_id: str) -> str:
    """One name for the whole expression, for a one-line equation: a tuple of names as a tuple."""
    name = lhs(check_id)

    def flat(n):
        return n if isinstance(n, str) else r"\left(" + r",\ ".join(flat(x) for x in n) + r"\right)"

    return flat(name)
