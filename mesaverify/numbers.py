"""The one grammar for a number a user gives: exact values, parsed, never evaluated.

A number is an integer (`3`), a decimal with an optional exponent (`0.5`, `1e-3`), a fraction
of those (`1/3`, `2.5/7`), or a complex `a + b*I` of those (`1/2 - 3*I/4`, `1+2i`, `I/3`,
`-I`).  Nothing else: no names, calls, attributes, `nan`, `inf` or `oo`.  A literal has at
most MAX_DIGITS digits and an exponent of at most MAX_EXPONENT in size, checked before any
arithmetic, so `1e999999` is refused at once instead of filling memory.

Values are neutral: `fractions.Fraction` for a real number, `ExactComplex(real, imag)` (two
Fractions, imag ≠ 0) otherwise; the SymPy and mpmath sides each build on them.
"""
from __future__ import annotations

import math
import numbers
import re
import sys
from fractions import Fraction
from typing import NamedTuple

from mesaverify.errors import UsageError

MAX_DIGITS = 1000  # digits of one literal (mantissa)
MAX_EXPONENT = 1000  # |e| of a decimal exponent
MAX_TEXT = 5000  # characters of a whole number
GRAMMAR = "an integer, a decimal such as 1e-3, a fraction p/q or a complex a + b*I of those"
NON_FINITE = {"nan", "inf", "infinity", "oo", "zoo", "-oo", "+oo", "-inf", "+inf", "-infinity", "+infinity",
              "-nan", "+nan"}


class ExactComplex(NamedTuple):
    """A complex number with exact rational parts (imag ≠ 0)."""

    real: Fraction
    imag: Fraction

    def __str__(self) -> str:
        """a + b*I as the grammar reads it back."""
        if not self.real:
            return f"{self.imag}*I"
        return f"{self.real} {'-' if self.imag < 0 else '+'} {abs(self.imag)}*I"


numbers.Complex.register(ExactComplex)

_UNSIGNED = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(
    rf"\s*(?P<sign>[+-])?\s*(?:(?P<num>{_UNSIGNED})(?:\s*/\s*(?P<den>{_UNSIGNED}))?)?"
    rf"\s*(?P<unit>(?P<star>\*)?\s*[Ii](?:\s*/\s*(?P<iden>{_UNSIGNED}))?)?\s*", re.ASCII)


def show(value, limit: int = 40) -> str:
    """A value for an error message: one line, long values cut to `limit` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} characters)"
    return repr(text) if isinstance(value, str) else text.replace("\n", " ")


def literal(text: str, what: str) -> Fraction:
    """An unsigned decimal literal (`12`, `0.5`, `1e-3`) as an exact Fraction, size bounded."""
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(ch.isdigit() for ch in mantissa)
    if digits > MAX_DIGITS:
        raise UsageError(f"{what}: a number of {digits} digits; at most {MAX_DIGITS} digits are accepted")
    if exponent and (len(exponent.lstrip("+-")) > 6 or abs(int(exponent)) > MAX_EXPONENT):
        raise UsageError(f"{what}: exponent {show(exponent)} out of range; exponents of at most "
                         f"±{MAX_EXPONENT} are accepted")
    return Fraction(text)


def _ratio(num: str, den: str | None, what: str) -> Fraction:
    """num or num/den, exactly; a zero denominator is refused."""
    value = literal(num, what)
    if den is None:
        return value
    divisor = literal(den, what)
    if divisor == 0:
        raise UsageError(f"{what}: division by zero")
    return value / divisor


def parse(text: str, what: str) -> Fraction | ExactComplex:
    """A user's number by the grammar above, exactly; anything else is a one-line UsageError naming `what`."""
    if not isinstance(text, str):
        raise UsageError(f"{what}: expected a number, got {show(text)}")
    if len(text) > MAX_TEXT:
        raise UsageError(f"{what}: {show(text)} is too long for a number (at most {MAX_TEXT} characters)")
    if text.strip().lower() in NON_FINITE:
        raise UsageError(f"{what}: {show(text)} is not a finite number; give {GRAMMAR}")
    real = imag = None
    pos, stripped = 0, text.strip()
    while pos < len(stripped):
        m = _TERM.match(stripped, pos)
        if (m is None or m.end() == pos or not (m["num"] or m["unit"]) or (m["star"] and not m["num"])
                or (pos and not m["sign"])):
            raise UsageError(f"{what}: not a number: {show(text)}; give {GRAMMAR}")
        value = _ratio(m["num"], m["den"], what) if m["num"] else Fraction(1)
        value = -value if m["sign"] == "-" else value
        if m["unit"]:
            if imag is not None:
                raise UsageError(f"{what}: not a number: {show(text)} (two imaginary parts); give {GRAMMAR}")
            imag = value * _ratio("1", m["iden"], what) if m["iden"] else value
        else:
            if real is not None:
                raise UsageError(f"{what}: not a number: {show(text)} (two real parts); give {GRAMMAR}")
            real = value
        pos = m.end()
    if real is None and imag is None:
        raise UsageError(f"{what}: not a number: {show(text)}; give {GRAMMAR}")
    return make(real or Fraction(0), imag or Fraction(0))


def make(real: Fraction, imag: Fraction = Fraction(0)) -> Fraction | ExactComplex:
    """The neutral value re + im·i: a Fraction when im = 0."""
    return ExactComplex(real, imag) if imag else real


def real(value: Fraction | ExactComplex, what: str) -> Fraction:
    """A parsed number that must be real."""
    if isinstance(value, ExactComplex):
        raise UsageError(f"{what}: {value} must be a real number")
    return value


def option_float(option: str):
    """An argparse type: a real number by the grammar, as a float (refused if beyond float range)."""
    def convert(text: str) -> float:
        """The option's text as a finite float."""
        value = real(parse(text, option), option)
        try:
            out = float(value)
        except OverflowError:
            out = math.inf
        if not math.isfinite(out):
            raise UsageError(f"{option}: {show(text)} is beyond the range of a float")
        if out == 0 and value != 0 or out != 0 and abs(out) < sys.float_info.min:
            raise UsageError(f"{option}: {show(text)} is below the range of a float (it would be {out!r}); "
                             f"give 0 or a number of size at least {sys.float_info.min:.3g}")
        return out

    return convert
