"""Mathematics in the prose of the checks: the papers' LaTeX printer and numbers and arrays as math.

Claims, evidence and findings are Unicode prose with mathematics between dollars
(`$…$`, LaTeX): `math(expr)` prints a derived expression with `PaperPrinter`
(the printer of the report and of `mesaverify latex`: `H_{T-2}`, `m_{2,4}`,
`A_{0,1}`), `array(values)` a NumPy vector or matrix, `number(value)` an
mpmath or Python number as plain text (a complex one with a zero imaginary part
as its real part).  The report and the LaTeX document set the `$…$` as math.
"""
from __future__ import annotations

import re

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter


class PaperPrinter(LatexPrinter):
    """SymPy's LaTeX with the names of the papers and only constructs `from_latex` reads."""

    def __init__(self):
        super().__init__({"mul_symbol": None, "fold_short_frac": False, "long_frac_ratio": None,
                          "inv_trig_style": "abbreviated", "imaginary_unit": "i"})

    def _print_harmonic(self, expr, exp=None):
        if len(expr.args) != 1:  # H^{(r)}_n = Σ_{s ≤ n} 1/s^r
            out = r"H^{(%s)}_{%s}" % (self._print(expr.args[1]), self._print(expr.args[0]))
            return out if exp is None else r"\left(%s\right)^{%s}" % (out, exp)
        out = r"H_{%s}" % self._print(expr.args[0])
        return out if exp is None else r"%s^{%s}" % (out, exp)

    def _print_Indexed(self, expr):
        return "%s_{%s}" % (self._print(expr.base.label), ",".join(self._print(i) for i in expr.indices))

    def _print_Symbol(self, expr, style="plain"):
        name = super()._print_Symbol(expr, style)
        # a multi-letter word that is not a Greek letter or a subscripted name: a label such as 'saddle'
        if re.fullmatch(r"[A-Za-z]{2,}", name):
            return r"\text{%s}" % name
        return name

    def _print_More(self, expr, exp=None):  # a sum whose later terms an abbreviation left out
        return self._print(expr.args[0]) + r" + \cdots"

    def _print_Exp1(self, expr, exp=None):
        return "e" if exp is None else "e^{%s}" % exp



_PRINTER = PaperPrinter()


def latex(expr) -> str:
    """An expression (or a list or tuple of them, a matrix) in the papers' LaTeX."""
    if isinstance(expr, (list, tuple)):
        return r"\left(" + ", ".join(latex(x) for x in expr) + r"\right)"
    if isinstance(expr, sp.MatrixBase):
        rows = r" \\ ".join(" & ".join(latex(x) for x in expr.row(r)) for r in range(expr.rows))
        return r"\begin{pmatrix}" + rows + r"\end{pmatrix}"
    return _PRINTER.doprint(sp.sympify(expr))


def math(expr) -> str:
    """An expression as inline math of the prose: `$…$`."""
    return f"${latex(expr)}$"


def _float(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _entry(value, digits: int) -> str:
    value = complex(value)
    if value.imag == 0:
        return _float(value.real, digits)
    if value.real == 0:
        return _float(value.imag, digits) + "i"
    sign = "-" if value.imag < 0 else "+"
    return f"{_float(value.real, digits)} {sign} {_float(abs(value.imag), digits)}i"


def array(values, digits: int = 6) -> str:
    """A NumPy vector or matrix (real or complex) as inline math: a row vector or a pmatrix."""
    values = np.asarray(values)
    if values.ndim == 1:
        return "$(" + ", ".join(_entry(v, digits) for v in values) + ")$"
    rows = r" \\ ".join(" & ".join(_entry(v, digits) for v in row) for row in values)
    return r"$\begin{pmatrix}" + rows + r"\end{pmatrix}$"


def number(value, digits: int = 35) -> str:
    """An mpmath, SymPy or Python number as plain text; a complex one with zero imaginary part as real."""
    if isinstance(value, (mpmath.mpc, complex)) and mpmath.mpc(value).imag == 0:
        value = mpmath.mpc(value).real
    if isinstance(value, (mpmath.mpf, mpmath.mpc)):
        text = mpmath.nstr(value, digits)
        return text.strip("()").replace("j", "i") if isinstance(value, mpmath.mpc) else text
    return str(value)


def entry(which: str, row: int, col: int) -> str:
    """A parameter of the full model as math: ('V', 1, 1) is $W^{PV}_{1,1}$."""
    return "$W^{%s}_{%d,%d}$" % ({"K": "KQ", "V": "PV"}.get(which, which), row, col)
