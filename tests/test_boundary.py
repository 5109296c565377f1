"""The expectation operator decides conditions on time indices exactly from the least value of every horizon
symbol on: a condition that changes truth value there splits the term, joined by δ_{h,h₀}."""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.expectation import Term, expect
from mesaverify.derivations.moments import Rademacher
from mesaverify.derivations.zheng.beyond import family_of
from mesaverify.derivations.zheng.loss import expect_over_contexts, squared_error, sum_over_t
from mesaverify.derivations.zheng.symbols import HORIZON, T, t

j = sp.Symbol("j", integer=True)
i = sp.Symbol("i", integer=True)


def test_a_condition_at_the_least_value_only():
    """E[λ^{t−2}] = δ_{t,2}; E[Σ_{i=1}^{t−1} λ^{i+t−3}] = δ_{t,2} (i = 3 − t is in range at t = 2 only);
    E[Σ_{i=1}^{t−1} λ^{1−i}] = 1 (i = 1 is in range for every t ≥ 2)."""
    law = Rademacher(1)
    assert expect([Term(sp.Integer(1), ((j, 0, 0),), ((j, t - 2),))], law, 1, HORIZON) == sp.KroneckerDelta(t, 2)
    term = Term(sp.Integer(1), ((j, 0, 0),), ((j, i + t - 3),), ((i, 1, t - 1),))
    assert expect([term], law, 1, HORIZON) == sp.KroneckerDelta(t, 2)
    assert expect([Term(sp.Integer(1), ((j, 0, 0),), ((j, 1 - i),), ((i, 1, t - 1),))], law, 1, HORIZON) == 1
    assert sum_over_t(sp.KroneckerDelta(t, 2) * t**2 + 1) == 4 + T - 2


def _terms():
    """‖ŷ_t − x_{t+1}‖² on a family with off-diagonal and bottom-block parts: e_1 = (x_1; 0) enters every
    condition on the key index at its least value."""
    classes = [("k12", "off"), ("k21", "diag"), ("v2", "diag")]
    return squared_error(family_of(classes))


def test_symbolic_t_is_exact_at_every_t():
    """The result for symbolic t, at t = 2, 3, 4, equals the expectation of the terms at that t (finite sums)."""
    law, terms = Rademacher(2), _terms()
    symbolic = expect(terms, law, 2, HORIZON)
    for value in (2, 3, 4):
        direct = expect([term.subs({t: value}) for term in terms], law, 2, HORIZON)
        assert sp.expand(symbolic.subs(t, value) - direct) == 0


def test_sum_over_contexts_is_the_old_split():
    """Σ_{t=2}^{T−1}: the operator's δ_{t,2} terms give what deriving t = 2 apart and summing t ≥ 3 gave."""
    law, terms = Rademacher(2), _terms()
    at_two = expect([term.subs({t: 2}) for term in terms], law, 2, HORIZON)
    generic = expect(terms, law, 2, HORIZON).subs(sp.KroneckerDelta(t, 2), 0)
    old = sp.expand(at_two + sum_over_t(generic, T, start=3))
    assert sp.expand(expect_over_contexts(terms, law, 2, T) - old) == 0
