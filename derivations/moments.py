"""Laws of the initial token x_1 and their exact moments E[Π_k x_k^{p_k} conj(x_k)^{q_k}].

Every law answers `moment({k: (p, q), ...})` exactly (rationals, symbols,
Gaussian rationals).  Exchangeable laws also answer
`exchangeable_moment(((p, q), ...))`, the moment on distinct coordinates with
the given powers, which is what a derivation for symbolic d needs.
"""
from __future__ import annotations

import math
import numbers
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import sympy as sp


class InvalidLaw(ValueError):
    """Parameters that define no probability law (or none of this dimension)."""


def exact(value) -> sp.Expr:
    """An exact number as a SymPy value: int, Fraction, Decimal, a SymPy number, or a complex with exact parts
    (`.real`, `.imag`, registered as numbers.Complex); text and floats are refused: parse them first."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (bool, str, bytes, float, complex)):
        raise InvalidLaw(f"not an exact number: {value!r} (text is parsed at the boundary, never here)")
    if isinstance(value, numbers.Rational):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, Decimal) and value.is_finite():
        return sp.Rational(*value.as_integer_ratio())
    if isinstance(value, numbers.Complex):
        return exact(value.real) + sp.I * exact(value.imag)
    raise InvalidLaw(f"not an exact number: {value!r}")


def check_dimension(d):
    """Refuse a dimension that is neither a symbol nor an integer >= 1."""
    if not isinstance(d, sp.Symbol) and (not isinstance(d, int) or d < 1):
        raise InvalidLaw(f"dimension d must be an integer >= 1, got {d!r}")


def _positive(name, value):
    """The value, exact, if it is a positive real number; else InvalidLaw naming it."""
    value = exact(value)
    if not (value.is_real and value.is_positive):
        raise InvalidLaw(f"{name} must be a positive real number, got {value}")
    return value


class Law:
    """A law on C^d, known through its moments."""

    d: int | sp.Symbol
    exchangeable = False

    def moment(self, powers: dict) -> sp.Expr:
        raise NotImplementedError

    def nonzero_probability(self) -> sp.Expr:
        """P(x_k ≠ 0) for a coordinate of an exchangeable law (1 unless the law has atoms at 0)."""
        return sp.Integer(1)

    def exchangeable_moment(self, pattern: tuple) -> sp.Expr:
        if not self.exchangeable:
            raise InvalidLaw(f"this {type(self).__name__.lower()} law is not exchangeable: its moments depend on "
                             "the coordinates, so expressions in moments m_{...} do not apply to it")
        return self.moment(dict(enumerate(pattern)))


class _IID(Law):
    """Independent, identically distributed coordinates: a product of one-coordinate moments."""

    exchangeable = True

    def coordinate_moment(self, p: int, q: int) -> sp.Expr:
        raise NotImplementedError

    def moment(self, powers):
        out = sp.Integer(1)
        for p, q in powers.values():
            out *= self.coordinate_moment(p, q)
        return out


@dataclass(frozen=True)
class RealGaussian(_IID):
    """x_1 ~ N(0, σ² I_d), real."""

    d: int | sp.Symbol
    sigma: sp.Expr = sp.Integer(1)

    def __post_init__(self):
        check_dimension(self.d)
        object.__setattr__(self, "sigma", _positive("sigma", self.sigma))

    def coordinate_moment(self, p, q):
        n = p + q
        return sp.Integer(0) if n % 2 else sp.factorial2(n - 1) * self.sigma**n


@dataclass(frozen=True)
class ComplexGaussian(_IID):
    """x_1 ~ CN(0, σ² I_d), circular: E|x_k|² = σ²."""

    d: int | sp.Symbol
    sigma: sp.Expr = sp.Integer(1)

    def __post_init__(self):
        check_dimension(self.d)
        object.__setattr__(self, "sigma", _positive("sigma", self.sigma))

    def coordinate_moment(self, p, q):
        return sp.factorial(p) * self.sigma ** (2 * p) if p == q else sp.Integer(0)


@dataclass(frozen=True)
class Rademacher(_IID):
    """Coordinates i.i.d. uniform on {−1, +1}."""

    d: int | sp.Symbol

    def __post_init__(self):
        check_dimension(self.d)

    def coordinate_moment(self, p, q):
        return sp.Integer(0) if (p + q) % 2 else sp.Integer(1)


@dataclass(frozen=True)
class UniformPhase(_IID):
    """Coordinates i.i.d. uniform on the unit circle."""

    d: int | sp.Symbol

    def __post_init__(self):
        check_dimension(self.d)

    def coordinate_moment(self, p, q):
        return sp.Integer(1 if p == q else 0)


@dataclass(frozen=True)
class Ones(_IID):
    """x_1 = (1, …, 1), deterministic."""

    d: int | sp.Symbol

    def __post_init__(self):
        check_dimension(self.d)

    def coordinate_moment(self, p, q):
        return sp.Integer(1)


@dataclass(frozen=True)
class Sparse(Law):
    """[Z] Example 4.1: x_1 = ±c·e_k, k uniform on 1..d, sign uniform."""

    d: int | sp.Symbol
    c: sp.Expr = sp.Integer(1)
    exchangeable = True

    def __post_init__(self):
        check_dimension(self.d)
        object.__setattr__(self, "c", _positive("c", self.c))

    def nonzero_probability(self):
        return 1 / sp.sympify(self.d)

    def moment(self, powers):
        active = [(p, q) for p, q in powers.values() if p + q > 0]
        if not active:
            return sp.Integer(1)
        if len(active) > 1:
            return sp.Integer(0)
        n = sum(active[0])
        return sp.Integer(0) if n % 2 else self.c**n / self.d


def _gaussian_rational(v: sp.Expr):
    """(re, im) as Rationals if v = re + im·i with rational re, im; else None."""
    if v.is_Rational:
        return v, sp.Integer(0)
    re, rest = v.as_coeff_Add()
    im, unit = rest.as_coeff_Mul()
    if unit is sp.I and re.is_Rational and im.is_Rational:
        return re, im
    return None


@dataclass(frozen=True)
class Discrete(Law):
    """A finite law: support points in C^d with probabilities, exact."""

    support: tuple
    probs: tuple

    def __post_init__(self):
        support = tuple(tuple(exact(v) for v in point) for point in self.support)
        probs = tuple(exact(p) for p in self.probs)
        if not support:
            raise InvalidLaw("a discrete law needs at least one support point")
        if len(probs) != len(support):
            raise InvalidLaw(f"{len(support)} support points but {len(probs)} probabilities")
        d = len(support[0])
        if d < 1 or any(len(pt) != d for pt in support):
            raise InvalidLaw("support points must all have the same dimension d >= 1")
        if any(not (p.is_real and p.is_nonnegative) for p in probs):
            raise InvalidLaw("probabilities must be real and non-negative")
        if sp.simplify(sum(probs) - 1) != 0:
            raise InvalidLaw(f"probabilities sum to {sum(probs)}, not 1")
        if all(v == 0 for pt, p in zip(support, probs) if p != 0 for v in pt):
            raise InvalidLaw("x_1 = 0 almost surely: every moment vanishes and the loss does not depend on the parameters")
        object.__setattr__(self, "support", support)
        object.__setattr__(self, "probs", probs)

    @property
    def d(self):
        return len(self.support[0])

    @cached_property
    def exchangeable(self):
        """Invariant under permutations of the coordinates: every orbit of the law's points (probability > 0), the
        rearrangements of one multiset of coordinates, present in full with one probability; O(n d log d)."""
        weights, orbits = {}, {}
        for pt, pr in zip(self.support, self.probs):
            if pr != 0:
                weights[pt] = weights.get(pt, 0) + pr
        for pt, w in weights.items():
            orbits.setdefault(tuple(sorted(pt, key=sp.default_sort_key)), []).append(w)
        return all(len(set(ws)) == 1 and len(ws) == math.factorial(self.d) // math.prod(
            math.factorial(k) for k in Counter(key).values()) for key, ws in orbits.items())

    def nonzero_probability(self):
        if not self.exchangeable:
            raise InvalidLaw("P(x_k ≠ 0) is per coordinate for a non-exchangeable law")
        return sum(pr for pt, pr in zip(self.support, self.probs) if pt[0] != 0)

    @cached_property
    def _gaussian_integer(self):
        """(points, weights, D, Q): support × D as Gaussian integers (re, im), probabilities × Q as
        integers, if every coordinate is a Gaussian rational; else None."""
        parts = [_gaussian_rational(v) for pt in self.support for v in pt]
        if any(part is None for part in parts) or not all(p.is_Rational for p in self.probs):
            return None
        D = math.lcm(*[int(x.q) for part in parts for x in part])
        Q = math.lcm(*[int(p.q) for p in self.probs])
        d = self.d
        ints = [(int(re * D), int(im * D)) for re, im in parts]
        points = [ints[n * d:(n + 1) * d] for n in range(len(self.support))]
        return points, [int(p * Q) for p in self.probs], D, Q

    def moment(self, powers):
        if self._gaussian_integer is not None:  # the same sum, in exact integer arithmetic
            points, weights, D, Q = self._gaussian_integer
            re_total = im_total = 0
            for point, w in zip(points, weights):
                re, im = w, 0
                for k, (p, q) in powers.items():
                    xr, xi = point[k]
                    for _ in range(p):
                        re, im = re * xr - im * xi, re * xi + im * xr
                    for _ in range(q):
                        re, im = re * xr + im * xi, im * xr - re * xi
                re_total += re
                im_total += im
            scale = Q * D ** sum(p + q for p, q in powers.values())
            return sp.Rational(re_total, scale) + sp.I * sp.Rational(im_total, scale)
        total = sp.Integer(0)
        for point, prob in zip(self.support, self.probs):
            term = prob
            for k, (p, q) in powers.items():
                term *= point[k] ** p * sp.conjugate(point[k]) ** q
            total += term
        return sp.expand(total)


def pattern_from_name(name: str) -> tuple:
    """'m_{2,4}' or 'm24' → ((1, 1), (2, 2)); 'm_{1|0,1|2}' → ((1, 0), (1, 2)) (inverse of moment_symbol)."""
    text = name.strip()
    short = {"m2": "m_{2}", "m4": "m_{4}", "m6": "m_{6}", "m8": "m_{8}", "m24": "m_{2,4}", "m22": "m_{2,2}"}
    text = short.get(text, text)
    if not (text.startswith("m_{") and text.endswith("}")):
        raise InvalidLaw(f"not a moment name: {name!r} (write m2, m4, m6, m24 or m_{{...}} as the suite prints them)")
    pattern = []
    for part in text[3:-1].split(","):
        powers = [x.strip() for x in part.split("|")]
        if len(powers) > 2 or not all(x.isascii() and x.isdigit() and len(x) < 10 for x in powers):
            raise InvalidLaw(f"not a moment name: {name!r}")
        p, q = (int(powers[0]), int(powers[-1])) if len(powers) == 2 else (int(powers[0]) // 2,) * 2
        if (len(powers) == 1 and int(powers[0]) % 2) or p + q == 0:
            raise InvalidLaw(f"not a moment name: {name!r}")
        pattern.append((p, q))
    return tuple(sorted(pattern))


@dataclass(frozen=True)
class SymbolicExchangeable(Law):
    """An exchangeable law known only through moment symbols m_{...} (for symbolic results)."""

    d: int | sp.Symbol
    exchangeable = True

    def nonzero_probability(self):
        return NONZERO

    def exchangeable_moment(self, pattern):
        pattern = canonical(pattern)
        if not pattern:
            return sp.Integer(1)
        return moment_symbol(pattern)

    def moment(self, powers):
        return self.exchangeable_moment(tuple(powers.values()))


_PATTERNS: dict = {}
NONZERO = sp.Symbol("P_{0}", positive=True)  # P(x_k ≠ 0) of an exchangeable law


def canonical(pattern) -> tuple:
    """A moment's powers ((p, q) per coordinate) in one order, coordinates with no power dropped."""
    return tuple(sorted(pq for pq in pattern if pq != (0, 0)))


def moment_symbol(pattern: tuple) -> sp.Symbol:
    """m_{2,4} = E|x_k|²|x_j|⁴ (k ≠ j); general powers as m_{p|q,...}."""
    parts = [str(p + q) if p == q else f"{p}|{q}" for p, q in pattern]
    symbol = sp.Symbol("m_{" + ",".join(parts) + "}", positive=all(p == q for p, q in pattern))
    _PATTERNS[symbol] = pattern
    return symbol


def pattern_of(symbol: sp.Symbol) -> tuple:
    """The powers ((p, q) per distinct coordinate) of a moment symbol m_{...}, read from its name."""
    return pattern_from_name(symbol.name)


def _moment_pattern(symbol) -> tuple | None:
    """The powers of a moment symbol, None for any other symbol: one `moment_symbol` made, here or in another
    process (an expression unpickled from another worker: its symbols are read by name and assumptions)."""
    if symbol in _PATTERNS:
        return _PATTERNS[symbol]
    if not (isinstance(symbol, sp.Symbol) and symbol.name.startswith("m_{")):
        return None
    try:
        pattern = pattern_from_name(symbol.name)
    except InvalidLaw:
        return None
    return pattern if moment_symbol(pattern) == symbol else None


def with_moments(expr: sp.Expr, law: Law) -> sp.Expr:
    """Replace the moment symbols m_{...} in expr by the exact moments of an exchangeable law."""
    patterns = {s: _moment_pattern(s) for s in expr.free_symbols}
    found = {s: law.exchangeable_moment(p) for s, p in patterns.items() if p is not None}
    if NONZERO in expr.free_symbols:
        found[NONZERO] = law.nonzero_probability()
    return expr.xreplace(found)
