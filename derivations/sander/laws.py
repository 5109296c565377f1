"""Laws of s_1 that [S] uses and derivations/moments.py does not name: a scaled law (s_1 = r·x)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mesaverify.derivations.moments import Law


@dataclass(frozen=True)
class Scaled(Law):
    """r·x for x ~ base: E[Π (r x_k)^p conj(r x_k)^q] = r^{Σp} conj(r)^{Σq} E[Π x_k^p conj(x_k)^q]."""

    base: Law
    r: sp.Expr

    @property
    def d(self):
        return self.base.d

    @property
    def exchangeable(self):
        return self.base.exchangeable

    def _factor(self, pairs):
        sp_, sq = sum(p for p, _ in pairs), sum(q for _, q in pairs)
        return self.r**sp_ * sp.conjugate(self.r) ** sq

    def moment(self, powers):
        return sp.expand(self._factor(powers.values()) * self.base.moment(powers))

    def exchangeable_moment(self, pattern):
        return sp.expand(self._factor(pattern) * self.base.exchangeable_moment(pattern))
