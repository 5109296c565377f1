"""The generic check of a description: every derived output (loss, flow, fixed point) held against the numeric
twin built from the same description, at 50 digits, over finite laws, horizons and parameter points."""
from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

import mpmath
import sympy as sp

from mesaverify.checks.core.laws import LawSpec, quadrature_law
from mesaverify.checks.core.numeric import exact_comparison, mp
from mesaverify.derivations.models import derive
from mesaverify.derivations.moments import with_moments
from mesaverify.derivations.zheng.symbols import T, d
from mesaverify.numerics.models import twin

R = sp.Rational


class Gaussian(NamedTuple):
    """A value re + i·im of a complex parameter, exact."""

    real: Fraction
    imag: Fraction


def label(p: sp.Expr) -> str:
    """The twin's name of a parameter: a, b[0], B[0,1]."""
    return str(p).replace(", ", ",")


def values_at(desc, dim: int, seed: int) -> dict:
    """Deterministic rational values for every parameter of a description: name -> number, list or matrix."""
    def num(n: int) -> Fraction:
        return Fraction((7 * n + 3 * seed) % 11 - 5, 4 + (n + seed) % 3) or Fraction(1, 3)

    out: dict[str, Fraction | list] = {}
    n = 0
    for name, kind in desc.parameters().items():
        if kind == "scalar":
            out[name], n = num(n), n + 1
        elif kind == "diag":
            out[name], n = [num(n + m) for m in range(dim)], n + dim
        elif kind == "dense":
            out[name] = [[num(n + r * dim + c) for c in range(dim)] for r in range(dim)]
            n += dim * dim
        else:  # complex: real and imaginary parts from consecutive numbers
            out[name] = [[Gaussian(num(n + 2 * (r * dim + c)), num(n + 2 * (r * dim + c) + 1)) for c in range(dim)]
                         for r in range(dim)]
            n += 2 * dim * dim
    return out


def positional_at(horizon: int, seed: int) -> list:
    """Deterministic rational positional weights p_1..p_T."""
    return [Fraction((5 * n + 2 * seed) % 9 - 4, 3 + (n + seed) % 4) for n in range(1, horizon + 1)]


def substitution(params: list, values: dict) -> dict:
    """{parameter symbol: exact value} for the derived side."""
    out = {}
    for p in params:
        if isinstance(p, sp.Indexed):
            v = values[str(p.base)]
            for index in p.indices:
                v = v[int(index)]
        else:
            v = values[p.name]
        out[p] = _exact(v)
    return out


def _exact(v) -> sp.Expr:
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return _exact(v.real) + sp.I * _exact(v.imag)


def _mp(v):
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, Gaussian):
        return mpmath.mpc(_mp(v.real), _mp(v.imag))
    return [_mp(x) for x in v]


def at_law(expr: sp.Expr, spec: LawSpec) -> sp.Expr:
    """A derived expression at the law's d and moments (a no-op on a result derived for the law itself)."""
    return sp.expand(with_moments(sp.expand(sp.sympify(expr).subs(d, spec.d)), spec.exact()))


def rows(desc, loss: sp.Expr, rates: dict, spec: LawSpec, horizons, seeds=(0, 1)) -> list:
    """(label, derived, twin) for the loss and every ∂L/∂θ (= −n_θ dθ/dτ) at each (T, parameter point)."""
    law = quadrature_law(spec)
    loss_d = at_law(loss, spec)
    counts = derive.entries(desc, spec.d)
    grads = {p: at_law(-sp.sympify(n) * rates[p], spec) for p, n in counts.items()}
    params = list(grads)
    out = []
    for horizon in horizons:
        at_horizon = {key: expr.subs(T, horizon).doit() for key, expr in [("L", loss_d), *grads.items()]}
        for seed in seeds:
            values = values_at(desc, spec.d, seed)
            sub = substitution(params, values)
            weights = {name: positional_at(horizon, seed + n) for n, name in enumerate(desc.weights())}
            for name, ws in weights.items():
                base = sp.IndexedBase(name, real=True)
                sub.update({base[n + 1]: _exact(w) for n, w in enumerate(ws)})
            value, grad = twin.loss_and_gradient(desc, {k: _mp(v) for k, v in values.items()}, spec.d, horizon, law,
                                                 [label(p) for p in params], {k: _mp(v) for k, v in weights.items()})
            case = f"{spec.label()} T={horizon} point {seed}"

            def at(key):
                return mp(sp.expand(at_horizon[key].xreplace(sub).doit()))

            out.append((f"{case} L", at("L"), value))
            for p in params:
                out.append((f"{case} dL/d{label(p)}", at(p), grad[label(p)]))
    return out


def hold(desc, loss, rates, laws, horizons, seeds=(0, 1)):
    """The Comparison of a description's derived loss and flow with its twin over laws and horizons."""
    found = [row for spec in laws for row in rows(desc, loss, rates, spec, horizons, seeds)]
    return exact_comparison(found, "(law, T, point) values of L and of every ∂L/∂θ",
                            "twin built from the description, phases averaged exactly")


def star_rows(desc, ustar: sp.Expr, laws, horizons) -> list:
    """(label, derived u*, twin u*): the twin's u* is the vertex of its loss along a = 1, b = u at u = 0, 1, 2."""
    out = []
    for spec in laws:
        law = quadrature_law(spec)
        for horizon in horizons:
            L = [twin.loss_and_gradient(desc, {"a": mpmath.mpf(1), "b": mpmath.mpf(u)}, spec.d, horizon, law)[0]
                 for u in (0, 1, 2)]
            vertex = (L[0] - L[2]) / (2 * (L[0] - 2 * L[1] + L[2])) + 1
            out.append((f"{spec.label()} T={horizon} u*", mp(at_law(ustar, spec).subs(T, horizon).doit()), vertex))
    return out
