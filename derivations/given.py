"""An exchangeable law known only through a moment vector, checked for being the moments of some law,
and the moments a derivation asked of it but it lacked (all of them, not only the first)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mesaverify.derivations.moments import (
    NONZERO,
    InvalidLaw,
    Law,
    canonical,
    check_dimension,
    exact,
    moment_symbol,
    pattern_from_name,
)


class MissingMoment(InvalidLaw):
    """A moment (or P(x_k ≠ 0), pattern None) a derivation needs but the moment vector lacks."""

    def __init__(self, name: str, pattern: tuple | None, why: str = ""):
        """Name the missing moment and its place in the order of the message."""
        super().__init__(f"the moment {name} is needed{why} but not in the given moment vector")
        self.name = name
        self.order = (pattern is None, len(pattern or ()), pattern or ())  # by number of coordinates, P0 last


class _ByPattern(Law):
    """An exchangeable law whose every moment is the moment of its pattern of powers."""

    exchangeable = True

    def moment(self, powers):
        """The moment of a coordinate-power assignment, by its pattern."""
        return self.exchangeable_moment(tuple(powers.values()))


@dataclass(frozen=True)
class GivenMoments(_ByPattern):
    """An exchangeable law known only through a moment vector: {pattern: value}, e.g. m_{2}, m_{4}, m_{6},
    m_{2,4}, or any mixed moment m_{p|q,...}, and optionally P0 = P(x_k ≠ 0).

    Not every vector is the moment vector of a law.  With Y = |x_k|² ≥ 0 and y_j = E[Y^j] = m_{2j},
    Y given Y ≠ 0 has the moments y_j/P0 (j ≥ 1), so the Stieltjes conditions require the Hankel
    matrices [y_{i+j}] with y_0 = P0 (1 when P0 is not given, the weakest choice) and [y_{i+j+1}] to
    be positive semidefinite (for m₂, m₄, m₆: P0·m₄ ≥ m₂² and m₂m₆ ≥ m₄²); m₂ > 0 excludes x_1 = 0
    a.s.; Hölder bounds the cross moments, 0 ≤ E[Y_k Y_j^s] ≤ E[Y^{1+s}] (k ≠ j); 0 < P0 ≤ 1.
    A vector failing any of these raises InvalidLaw naming the condition and the numbers.
    """

    d: int | sp.Symbol
    values: tuple  # ((pattern, value), ...), patterns as in moment_symbol
    nonzero: sp.Expr | None = None  # P(x_k ≠ 0), needed only for the ratio prediction/truth

    def __post_init__(self):
        """Canonicalise the moment vector and refuse one that no law can have."""
        check_dimension(self.d)
        values = tuple((canonical(pattern), exact(v)) for pattern, v in self.values)
        object.__setattr__(self, "values", values)
        given = dict(values)
        for pattern, v in values:
            if all(p == q for p, q in pattern) and not (v.is_real and v.is_nonnegative):
                raise InvalidLaw(f"{moment_symbol(pattern)} = {v}: a moment of |x_k| must be real and >= 0")
        p0 = None if self.nonzero is None else exact(self.nonzero)
        if p0 is not None and not (p0.is_real and 0 < p0 <= 1):
            raise InvalidLaw(f"P(x_k ≠ 0) must be in (0, 1], got {p0}")
        object.__setattr__(self, "nonzero", p0)
        y = [sp.Integer(1) if p0 is None else p0]
        while ((len(y), len(y)),) in given:
            y.append(given[((len(y), len(y)),)])
        if len(y) < 2 or y[1] == 0:
            raise InvalidLaw("the moment vector needs m_{2} = E|x_k|² > 0 (m_{2} = 0 means x_1 = 0 almost surely)")
        self._check_hankel(y, p0 is not None)
        for pattern, v in values:
            if len(pattern) == 2 and all(p == q for p, q in pattern):
                (r, _), (s, _) = pattern
                bound = given.get(((r + s, r + s),))
                if not v.is_nonnegative or (bound is not None and v > bound):
                    raise InvalidLaw(f"no law has these moments: {moment_symbol(pattern)} = {v} must lie in "
                                     f"[0, m_{{{2 * (r + s)}}}]" + (f" = [0, {bound}]" if bound is not None else "")
                                     + " (Hölder)")

    @staticmethod
    def _check_hankel(y: list, with_p0: bool) -> None:
        """The Hankel matrices of y = (y_0, m2, m4, …) and of (m2, m4, …) must be positive semidefinite."""
        first = "P0" if with_p0 else "1"
        for shift in (0, 1):
            n = (len(y) - 1 - shift) // 2
            H = sp.Matrix(n + 1, n + 1, lambda i, j: y[i + j + shift])
            if n < 1 or H.is_positive_semidefinite:
                continue
            names = sp.Matrix(n + 1, n + 1, lambda i, j: sp.Symbol(f"m{2 * (i + j + shift)}" if i + j + shift else first))
            detail = ""
            if shift == 0 and y[0] * y[2] < y[1] ** 2:
                detail = (f" (P0 = {y[0]} < m2²/m4 = {y[1] ** 2 / y[2]})" if with_p0 and y[2] != 0 else
                          f" (P0·m4 = {y[0] * y[2]} < m2² = {y[1] ** 2})" if with_p0 else
                          f" (E|x|⁴ = {y[2]} < (E|x|²)² = {y[1] ** 2})")
            raise InvalidLaw(f"no law has these moments: the moment matrix {names.tolist()} = {H.tolist()} of "
                             f"|x_k|² is not positive semidefinite{detail}")

    def exchangeable_moment(self, pattern):
        """The given moment of this pattern, or MissingMoment."""
        pattern = canonical(pattern)
        if not pattern:
            return sp.Integer(1)
        for given, value in self.values:
            if given == pattern:
                return value
        raise MissingMoment(str(moment_symbol(pattern)), pattern)

    def nonzero_probability(self):
        """P0 = P(x_k ≠ 0), or MissingMoment if not given."""
        if self.nonzero is None:
            raise MissingMoment("P0 = P(x_k ≠ 0)", None, " (the ratio prediction/truth)")
        return self.nonzero


class Collecting(_ByPattern):
    """A GivenMoments law that answers a missing moment with its symbol and remembers it, so that one run of
    a derivation finds every moment it lacks (`missing()` then names them all at once)."""

    def __init__(self, law: GivenMoments):
        """Wrap a moment vector; nothing lacking yet."""
        self.law, self.d = law, law.d
        self.lacking: dict[str, tuple] = {}

    def _ask(self, ask, fallback):
        """ask() or, if the vector lacks it, the symbol fallback() (remembered)."""
        try:
            return ask()
        except MissingMoment as err:
            self.lacking[err.name] = err.order
            return fallback()

    def exchangeable_moment(self, pattern):
        """The given moment, or its symbol (remembered as lacking)."""
        return self._ask(lambda: self.law.exchangeable_moment(pattern),
                         lambda: moment_symbol(canonical(pattern)))

    def nonzero_probability(self):
        """P0, or its symbol (remembered as lacking)."""
        return self._ask(self.law.nonzero_probability, lambda: NONZERO)

    def missing(self) -> InvalidLaw | None:
        """One error naming every moment asked for and lacking, or None."""
        if not self.lacking:
            return None
        names = sorted(self.lacking, key=self.lacking.__getitem__)
        return InvalidLaw(f"the moment{'s' if len(names) > 1 else ''} {', '.join(names)} "
                          f"{'are' if len(names) > 1 else 'is'} needed but not in the given moment vector")


def derive_all(law: Law, compute):
    """compute(law); for a moment vector, every moment the derivation lacks is named in one InvalidLaw."""
    if not isinstance(law, GivenMoments):
        return compute(law)
    collecting = Collecting(law)
    try:
        result = compute(collecting)
    except Exception:
        missing = collecting.missing()
        if missing is not None:
            raise missing from None
        raise
    missing = collecting.missing()
    if missing is not None:
        raise missing
    return result


def given_law(d, moments) -> GivenMoments:
    """{name: value} (names as pattern_from_name reads them; 'P0' for P(x_k ≠ 0)) → GivenMoments; two names
    of one moment (m24 and m_{2,4}) must give the same value."""
    if not moments:
        raise InvalidLaw("the moments law needs --moments, e.g. '{\"m2\": 1, \"m4\": 3, \"m6\": 15, \"m24\": 3}'")
    values: dict[tuple, sp.Expr] = {}
    names: dict[tuple, str] = {}
    nonzero = None
    for name, value in dict(moments).items():
        if name == "P0":
            nonzero = value
            continue
        pattern = pattern_from_name(name)
        value = exact(value)
        if pattern in values and values[pattern] != value:
            raise InvalidLaw(f"{names[pattern]} = {values[pattern]} and {name} = {value} name the same moment "
                             f"{moment_symbol(pattern)} but differ")
        values[pattern], names[pattern] = value, name
    return GivenMoments(d, tuple(values.items()), nonzero)
