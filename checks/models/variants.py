"""Three variants of [Z]'s model nobody has published, as descriptions: the diagonal family (W^{KQ}_{21} = aI,
W^{PV}_1 = bI) with a residual connection, normalised by 1/t, and on second-order tokens (x_t; x_{t−1}; x_{t−2})
with the key-query block repeated along the block diagonal (W^{KQ}_{21} = W^{KQ}_{32} = aI, tied).  Each loss
is derived for symbolic d and T and an exchangeable law, and depends on (a, b) through u = ab: its fixed point
u* (the minimiser over u) is set against [Z]'s."""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.factoring import factor
from mesaverify.derivations.models.description import Description, Head, Structure
from mesaverify.derivations.zheng.model import DIAGONAL

A, B = Structure("scalar", "a"), Structure("scalar", "b")
ZHENG = DIAGONAL
RESIDUAL = Description(tokens=(0, 1), heads=(Head(kq=((2, 1, A),), pv=((1, B),)),), residual=True,
                       name="[Z] with a residual connection")
ONE_OVER_T = Description(tokens=(0, 1), heads=(Head(kq=((2, 1, A),), pv=((1, B),)),), normalisation="1/t",
                         name="[Z] normalised by 1/t")
SECOND_ORDER = Description(tokens=(0, 1, 2), heads=(Head(kq=((2, 1, A), (3, 2, A)), pv=((1, B),)),),
                           name="[Z] on second-order tokens")
VARIANTS = {"residual": RESIDUAL, "one_over_t": ONE_OVER_T, "second_order": SECOND_ORDER}


def fixed_point(loss: sp.Expr) -> sp.Expr:
    """u* = −β/(2α) for L = αu² + βu + γ in u = ab (an error if L is not of that form)."""
    from mesaverify.derivations.zheng.loss import in_u
    from mesaverify.derivations.zheng.symbols import u

    poly = sp.Poly(in_u(loss), u)
    if poly.degree() != 2:
        raise ValueError("the loss is not quadratic in ab")
    alpha, beta = poly.coeff_monomial(u**2), poly.coeff_monomial(u)
    return factor(sp.simplify(-beta / (2 * alpha)))
