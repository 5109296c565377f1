"""[Z] §3: the population loss L = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²], exactly, for symbolic T."""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.derivations.expectation import abs2, expect
from mesaverify.derivations.factoring import factor
from mesaverify.derivations.models.description import Description
from mesaverify.derivations.zheng.model import DIAGONAL, PER_COORDINATE, error
from mesaverify.derivations.zheng.symbols import HORIZON, T, a, b, t, u

k = sp.Symbol("k", integer=True)


def squared_error(model: Description) -> list:
    """‖ŷ_t − x_{t+1}‖² = Σ_k |(ŷ_t − x_{t+1})_k|² as terms, the output coordinate k summed."""
    return abs2(error(model, k), keep=(k,))


def loss_at_t(model: Description, law, d) -> sp.Expr:
    """ℓ_t = E[½‖ŷ_t − x_{t+1}‖²] (summed over the d coordinates), for symbolic t."""
    return sp.expand(expect(squared_error(model), law, d, HORIZON) / 2)


def population_loss(model: Description, law, d, horizon=T) -> sp.Expr:
    """L = Σ_{t=2}^{T−1} ℓ_t in closed form (harmonic numbers), for symbolic or numeric T."""
    return expect_over_contexts(squared_error(model), law, d, horizon) / 2


def expect_over_contexts(terms, law, d, horizon=T, fixed=None) -> sp.Expr:
    """Σ_{t=2}^{T−1} E[Σ terms]: the expectation, exact for every t ≥ 2 (a condition that holds at t = 2 only
    comes as a multiple of δ_{t,2}), summed over t."""
    return sum_over_t(expect(terms, law, d, HORIZON, fixed), horizon)


def sum_over_t(expr: sp.Expr, horizon=T, start=2) -> sp.Expr:
    """Σ_{t=start}^{T−1} expr, term by term: Σ 1 = T − 2, Σ 1/(t−1) = H_{T−2}, … (start = 2); a term
    δ_{t,t₀} f(t) with start ≤ t₀ is f(t₀) (the sum reaches t₀ for every admissible horizon)."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        deltas = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.KroneckerDelta) and f.has(t)]
        if deltas:
            (delta,) = deltas
            (at,) = sp.solve(delta.args[0] - delta.args[1], t)
            if not (at.is_Integer and at >= start):
                raise ValueError(f"{delta} lies outside the sum from t = {start}")
            total += (term / delta).subs(t, at)
            continue
        constant, varying = factor(term).as_independent(t, as_Add=False)
        total += constant * _closed_sum(varying, start, horizon)
    return sp.expand(total)


@lru_cache(maxsize=4096)
def _closed_sum(f: sp.Expr, start, horizon) -> sp.Expr:
    """Σ_{t=start}^{T−1} f(t) in closed form, once per process for each summand: in s = t − 1
    (Σ 1/(t−1) = H_{T−2}), else in t (Σ 1/t = H_{T−1} − …)."""
    s = sp.Dummy("s")  # s = t − 1 runs over start−1..T−2, where SymPy knows harmonic sums of 1/(t − 1)
    out = sp.summation(f.subs(t, s + 1), (s, start - 1, horizon - 2))
    if out.has(sp.Sum, sp.lerchphi, sp.zeta, sp.polygamma):
        out = sp.Add(*[sp.summation(part, (t, start, horizon - 1)) for part in sp.Add.make_args(sp.apart(f, t))])
    return out


@lru_cache(maxsize=None)
def diagonal_loss(law, d, horizon=T) -> sp.Expr:
    """L(a, b) on the diagonal family ([Z] Assumption 3.1)."""
    return population_loss(DIAGONAL, law, d, horizon)


@lru_cache(maxsize=None)
def per_coordinate_loss(law, d: int, horizon=T) -> sp.Expr:
    """L(a_1..a_d, b_1..b_d) on the per-coordinate family (numeric d, any law)."""
    return population_loss(PER_COORDINATE, law, d, horizon)


def in_u(loss: sp.Expr) -> sp.Expr:
    """The diagonal loss as a function of u = ab alone (it depends on a, b only through ab)."""
    reduced = sp.expand(loss.subs(a, u / b))
    if reduced.has(b):
        raise ValueError("the loss does not depend on (a, b) through ab alone")
    return reduced
