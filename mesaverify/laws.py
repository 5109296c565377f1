"""The laws of x_1, for the library: each a `LawSpec` that carries its dimension and builds both the exact
law (SymPy moments) and the numeric one (finite support, sampler, quadrature) from the same input.

>>> import mesaverify as mv
>>> law = mv.laws.gaussian(d=5, sigma=1)
>>> law.label()
'gaussian(d=5, σ=1)'
>>> mv.laws.discrete([[1, 0], [0, 1]], ["1/2", "1/2"]).d
2
"""
from __future__ import annotations

import sympy as sp

from mesaverify import numbers as _numbers
from mesaverify.checks.core.laws import LawSpec
from mesaverify.derivations import moments as _moments
from mesaverify.derivations.zheng.symbols import d as _d


def _number(value, what: str):
    """A number as the exact side takes it: text through the one strict grammar (never evaluated), a float by
    its shortest decimal (0.1 → 1/10), exact numbers as they are."""
    if isinstance(value, float):  # NumPy's float64 too: its shortest decimal, not its repr
        value = repr(float(value))
    if isinstance(value, str):
        value = _numbers.parse(value, what)
    return _moments.exact(value)


def _dimension(d):
    """A dimension as the laws take it: an integer >= 1 (Python's, NumPy's or SymPy's), or a SymPy symbol; a
    boolean, a float or anything else is refused (InvalidLaw, exit 2 on the command line)."""
    if isinstance(d, sp.Symbol):
        return d
    if isinstance(d, bool) or not isinstance(d, (int, sp.Integer, np_integer())) or int(d) < 1:
        raise _moments.InvalidLaw(f"dimension d must be an integer >= 1, got {d!r}")
    return int(d)


def np_integer() -> type:
    """NumPy's integer type where NumPy is loaded (a dimension from an array), else int."""
    import sys

    numpy = sys.modules.get("numpy")
    return numpy.integer if numpy is not None else int


def _spec(name: str, d: int, **kw) -> LawSpec:
    spec = LawSpec(name, _dimension(d), **kw)
    spec.exact()  # validates the parameters now, not at first use
    return spec


def gaussian(d: int, sigma=1) -> LawSpec:
    """x_1 ~ N(0, σ² I_d), real. Example: ``mv.laws.gaussian(d=5, sigma="1/2")``."""
    return _spec("gaussian", d, sigma=_number(sigma, "sigma"))


def complex_gaussian(d: int, sigma=1) -> LawSpec:
    """x_1 ~ CN(0, σ² I_d), circular (E|x_k|² = σ²). Example: ``mv.laws.complex_gaussian(d=3)``."""
    return _spec("complex-gaussian", d, sigma=_number(sigma, "sigma"))


def sparse(d: int, c=1) -> LawSpec:
    """[Z] Example 4.1: x_1 = ±c e_k, k uniform, sign uniform. Example: ``mv.laws.sparse(d=3, c=2)``."""
    return _spec("sparse", d, c=_number(c, "c"))


def ones(d: int) -> LawSpec:
    """x_1 = (1, …, 1). Example: ``mv.laws.ones(d=2)``."""
    return _spec("ones", d)


def rademacher(d: int) -> LawSpec:
    """Coordinates i.i.d. uniform on {−1, +1}. Example: ``mv.laws.rademacher(d=2)``."""
    return _spec("rademacher", d)


def phase(d: int) -> LawSpec:
    """Coordinates i.i.d. uniform on the unit circle. Example: ``mv.laws.phase(d=2)``."""
    return _spec("phase", d)


def discrete(support, probs) -> LawSpec:
    """A finite law: points of C^d and their probabilities (fractions as strings stay exact).
    Example: ``mv.laws.discrete([[1, 0], [0, "1/3"]], ["1/3", "2/3"])``."""
    support = tuple(tuple(_number(v, "support") for v in point) for point in support)
    return _spec("discrete", len(support[0]) if support else 0, support=support,
                 probs=tuple(_number(p, "probs") for p in probs))


def moments(d: int, values: dict) -> LawSpec:
    """An exchangeable law known by its moments: names m2, m4, m6, m24 or m_{...}, and P0 = P(x_k ≠ 0).
    Example: ``mv.laws.moments(5, {"m2": 1, "m4": 3, "m6": 15, "m24": 3})``."""
    return _spec("moments", d, moments=tuple((str(k), _number(v, str(k))) for k, v in values.items()))


def symbolic(d=None) -> _moments.SymbolicExchangeable:
    """An exchangeable law known only through its moment symbols m_{...}, in dimension d (symbolic by default):
    results for every law at once. Example: ``mv.zheng.limit(mv.laws.symbolic())``."""
    return _moments.SymbolicExchangeable(_d if d is None else _dimension(d))


def exact(law) -> _moments.Law:
    """The exact (SymPy) side of a law given as a `LawSpec` or already as an exact law."""
    if isinstance(law, LawSpec):
        return law.exact()
    if isinstance(law, _moments.Law):
        return law
    raise TypeError(f"not a law: {law!r} (build one with mesaverify.laws)")
