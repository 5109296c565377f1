"""The three unpublished variants of [Z]'s model, each derived from its description and held against its twin."""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.checks.core.corruptions import in_tuple, nudge, scale_first_term
from mesaverify.checks.core.notation import math
from mesaverify.checks.core.numeric import exact_comparison
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.models.common import rows, star_rows
from mesaverify.checks.models.variants import ONE_OVER_T, RESIDUAL, SECOND_ORDER, ZHENG, fixed_point
from mesaverify.checks.zheng.common import EXACT_LAWS, HORIZONS, SYMBOLIC
from mesaverify.derivations.models import derive
from mesaverify.derivations.zheng.symbols import T, a, b, d

LAWS = EXACT_LAWS[:3]  # sparse (d = 2), Rademacher (d = 2), ones (d = 3)


@lru_cache(maxsize=None)
def derived(desc) -> sp.Tuple:
    """(L, da/dτ, db/dτ, u*) for symbolic d and T and an exchangeable law (moments m_{...})."""
    loss = derive.loss(desc, SYMBOLIC, d)
    rates = derive.flow(desc, SYMBOLIC, d)
    return sp.Tuple(loss, rates[a], rates[b], fixed_point(loss))


def compare(desc, expr) -> Comparison:
    loss, da, db, ustar = expr
    found = [row for spec in LAWS for row in rows(desc, loss, {a: da, b: db}, spec, HORIZONS, seeds=(0,))]
    found += star_rows(desc, ustar, LAWS, HORIZONS)
    return exact_comparison(found, "(law, T) values of L, ∂L/∂a, ∂L/∂b and u*",
                            "twin built from the description, phases averaged exactly")


def findings(desc):
    def state(expr) -> tuple[str, ...]:
        ustar, base = expr[3], derived(ZHENG)[3]
        same = sp.simplify(ustar - base) == 0
        large = sp.limit(ustar.subs(d, 2).subs({s: 1 for s in ustar.free_symbols if s.name.startswith("m")}), T, sp.oo)
        text = (f"{desc.name}: fixed point $u^* = (ab)^*$ = {math(ustar)}"
                + ("; the same as [Z]'s" if same else f"; [Z]'s is {math(base)}")
                + f"; for $m_2 = m_4 = m_6 = m_{{2,4}} = 1$ (Rademacher), d = 2, $u^* \\to$ {math(large)} as $T \\to \\infty$")
        return (text,)
    return state


# each variant's (L, da/dτ, db/dτ, u*): the first term of L, the sign of da/dτ, the T of db/dτ, u* by 1 + 10⁻⁶
CORRUPTIONS = (in_tuple(0, scale_first_term), in_tuple(1, lambda e: -e), in_tuple(2, lambda e: e.subs(T, T + 1)),
               in_tuple(3, nudge))


def _check(id_, desc, variant, claim):
    @check(id_, kinds=("exact",), reference="beyond [Z]: a variant of the model of §3 (Assumption 3.1 family)",
           claim=claim, derive=lambda: derived(desc), findings=findings(desc),
           equation=rf"\text{{{variant} variant: loss, flow and }} u^{{*}}", corruptions=CORRUPTIONS)
    def run(expr) -> Comparison:
        return compare(desc, expr)
    return run


residual = _check("Z.model.residual", RESIDUAL, "residual",
                  "With a residual connection ŷ_t = x_t + W^{PV} E_t E_t^* W^{KQ} e_t/(t−1), the loss on the diagonal "
                  "family, its flow in (a, b) and the fixed point of ab, derived from the description for symbolic "
                  "d and T, equal the numeric twin built from the same description.")
one_over_t = _check("Z.model.one_over_t", ONE_OVER_T, "1/t",
                    "Normalised by 1/t instead of 1/(t−1), the diagonal family's loss, flow and fixed point of ab "
                    "(symbolic d and T) equal the numeric twin.")
second_order = _check("Z.model.second_order", SECOND_ORDER, "second-order",
                      "On second-order tokens (x_t; x_{t−1}; x_{t−2}) with W^{KQ}_{21} = W^{KQ}_{32} = aI and "
                      "W^{PV}_1 = bI, the loss, flow and fixed point of ab (symbolic d and T) equal the numeric twin.")
