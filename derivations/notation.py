"""Moments of x_1 in the papers' notation: the multi-index of a moment symbol m_{...} (its powers (p, q) of x_k
and x̄_k per distinct coordinate) written as an expectation, in plain text (Unicode) and in LaTeX.

    m_{1|0,1|2}   →  E[x_m x̄_n |x_n|²]              \\mathbb{E}[x_m \\bar{x}_n |x_n|^{2}]
    m_{1|0,2,1|2} →  E[x_m x̄_n |x_n|² |x_l|²]
    m_{2,4}       →  E[|x_m|² |x_n|⁴]

The coordinates are named m, n, l, … in this order: first those with more powers of x_k than of x̄_k, then
those with more of x̄_k, then those that enter through |x_k| alone, so one pattern is always written one way.
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.moments import pattern_from_name

NOTATION = ("x = x_1 ∈ ℂ^d is the initial token; m, n, l denote distinct coordinates of x (which ones does not "
            "matter: the law is exchangeable); x̄ is the complex conjugate and |x_n|² = x_n x̄_n; E is the expectation "
            "over the law of x_1")
ROLES = "mnlrsuvw"  # names of the distinct coordinates of a moment, in order
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _ordered(pattern: tuple) -> list[tuple[int, int]]:
    """The (p, q) per coordinate in naming order: net powers of x first, then of x̄, then |x| alone."""
    def key(pq):
        p, q = pq
        return (0 if p > q else 1 if q > p else 2, -abs(p - q), min(p, q))
    return sorted(pattern, key=key)


def _factors(pattern: tuple) -> list[tuple[str, str, int]]:
    """(kind, coordinate, power) per factor, kind one of "x", "xbar", "abs" (|x_c| to an even power)."""
    out = []
    roles = list(ROLES) + [f"c{i}" for i in range(len(ROLES), len(pattern))]
    for (p, q), role in zip(_ordered(pattern), roles):
        low = min(p, q)
        if p > low:
            out.append(("x", role, p - low))
        if q > low:
            out.append(("xbar", role, q - low))
        if low:
            out.append(("abs", role, 2 * low))
    return out


def expectation(pattern: tuple) -> str:
    """The moment of this pattern as text: ((1, 0), (1, 2)) → E[x_m x̄_n |x_n|²]."""
    def one(kind, role, power):
        base = {"x": f"x_{role}", "xbar": f"x̄_{role}", "abs": f"|x_{role}|"}[kind]
        return base + (str(power).translate(SUPERSCRIPT) if power != 1 else "")
    return "E[" + " ".join(one(*f) for f in _factors(pattern)) + "]"


def expectation_latex(pattern: tuple) -> str:
    """The moment of this pattern in LaTeX: ((1, 0), (1, 2)) → \\mathbb{E}[x_m \\bar{x}_n |x_n|^{2}]."""
    def one(kind, role, power):
        base = {"x": f"x_{{{role}}}", "xbar": f"\\bar{{x}}_{{{role}}}", "abs": f"|x_{{{role}}}|"}[kind]
        return base + (f"^{{{power}}}" if power != 1 else "")
    return "\\mathbb{E}[" + " ".join(one(*f) for f in _factors(pattern)) + "]"


def _terms(core: sp.Expr) -> list[tuple[sp.Expr, tuple]]:
    """(coefficient, pattern) per moment symbol of a linear combination of moment symbols, in a fixed order."""
    terms = []
    for term in sp.Add.make_args(sp.expand(core)):
        coefficient, symbols = term.as_coeff_mul()
        if len(symbols) != 1 or not isinstance(symbols[0], sp.Symbol):
            raise ValueError(f"not a linear combination of moments: {core}")
        terms.append((coefficient, pattern_from_name(symbols[0].name)))
    return sorted(terms, key=lambda t: (len(t[1]), t[1]))


def _combination(core: sp.Expr, word, number, minus: str) -> str:
    """Σ c·E[...] with its signs written out, `word` writing each moment and `number` each coefficient."""
    text = ""
    for n, (c, pattern) in enumerate(_terms(core)):
        sign = minus if c < 0 else "+"
        text += (f" {sign} " if n else sign if c < 0 else "") + ("" if abs(c) == 1 else number(abs(c)) + " ")
        text += word(pattern)
    return text


def identity(core: sp.Expr) -> dict:
    """The identity `core = 0` (core a linear combination of moment symbols) in three forms: "text" in the
    papers' notation, "latex", and "moment", the machine form (the moment symbols, as m_{...})."""
    return {"text": _combination(core, expectation, str, "−") + " = 0",
            "latex": _combination(core, expectation_latex, sp.latex, "-") + " = 0",
            "moment": str(core)}
