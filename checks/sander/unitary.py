"""[S] §3.2, non-augmented tokens with unitary W: the loss in (C, p), its lower bound, minima and heads."""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.corruptions import BOUND_CORRUPTIONS, EPS, scale_entry, scale_first_term
from mesaverify.checks.core.notation import array
from mesaverify.checks.core.numeric import DIGITS, FLOAT_EPS, both, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.sander.common import (
    BOUND,
    HEADS,
    R,
    bound_compare,
    bound_note,
    central_gradient,
    decomposition_tuple,
    loss_at_cases,
    minimum_compare,
    minimum_names,
    stationary_comparison,
)
from mesaverify.derivations.sander import minima
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.symbols import T
from mesaverify.numerics.sander import nonaugmented as numeric_nonaug

NONAUG_CASES = (  # (C, p): d = 2, T = 3, 4, 5 (T = 5: positions strictly between 1 and T − 1 carry weight)
    ([[R(3, 4), R(-1, 2)], [R(1, 3), R(5, 4)]], [R(1, 5), R(-1, 3), R(6, 5)]),
    ([[1, R(1, 4)], [R(-2, 3), R(1, 2)]], [R(1, 7), 0, R(-1, 2), R(3, 2)]),
    ([[R(-1, 3), 2], [R(1, 2), R(2, 7)]], [R(1, 2), R(-1, 4), R(1, 3), R(-2, 3), R(5, 4)]),
)


@check("S.nonaug.unitary.loss", shares="S.unitary", kinds=("exact",), reference="[S] §3.2 (non-augmented tokens), unitary W, loss in (C, p)",
       claim="With s_1 = 𝟙 and W = diag(λ) the population loss depends on the heads only through "
             "C = Σ_h b_h a_h^T and is an explicit function of (C, p) for symbolic T (d = 2 here).",
       derive=lambda: nonaug.unitary_loss(2), equation="L(C, p)",
       corruptions=(scale_first_term, lambda e: e.subs(T, T + 1), lambda e: -e))
def nonaug_unitary_loss(expr) -> Comparison:
    return loss_at_cases(expr, NONAUG_CASES, numeric_nonaug.loss_mp, "(C, p) cases")


@check("S.nonaug.unitary.bound", shares="S.unitary", kinds=("exact",), reference="[S] §3.2, unitary W: lower bound on the loss for any number of heads",
       claim="L(C, p) = ‖p_T C − I‖_F² + R(C, p) for every C and p, R a sum of squares (R = Σ_{t ≤ T−2} p_t² ‖C‖_F² "
             "+ p_{T−1}² ‖C𝟙‖²), for symbolic T; hence, rank C ≤ H, L ≥ Σ_{i>H} σ_i(I)² = d − H for H < d "
             "(Eckart–Young). Derived (κ, M, R) for d = 2; κ and M are read off the loss, R by an exact LDL^T.",
       derive=lambda: decomposition_tuple("unitary", 2), findings=lambda expr: (bound_note("unitary", (2, 3)),),
       equation=BOUND, corruptions=BOUND_CORRUPTIONS)
def nonaug_unitary_bound(expr) -> Comparison:
    return bound_compare(expr, NONAUG_CASES, numeric_nonaug.loss_mp)


UNITARY_MINIMA = ((3, 2), (2, 2), (3, 1))  # (d, H)


@check("S.nonaug.unitary.minimum", shares="S.unitary", kinds=("exact", "training"), reference="[S] §3.2, global minima for H ≥ d and H < d",
       claim="min over heads and p of the unitary loss is d − min(H, d): zero for H ≥ d; for H < d the "
             "Eckart–Young bound of S.nonaug.unitary.bound, attained at p = e_T with p_T C a rank-H orthogonal "
             "projector (derived for (d, H) = (3, 2), (2, 2), (3, 1); training from random starts reaches it).",
       derive=lambda: sp.Tuple(*[minima.unitary_minimum(dim, H) for dim, H in UNITARY_MINIMA]),
       equation=minimum_names(UNITARY_MINIMA),
       corruptions=(lambda e: sp.Tuple(e[0] * EPS, *e[1:]), lambda e: sp.Tuple(*e[1:], e[0])))
def nonaug_unitary_minimum(expr) -> Comparison:
    return minimum_compare(expr, UNITARY_MINIMA, numeric_nonaug.train, 4)


@check("S.nonaug.unitary.heads", shares="S.unitary", kinds=("exact", "training"), reference="[S] §3.2, orthogonality of heads at the minima",
       claim="At every minimiser with H ≤ d the heads are bi-orthogonal: p_T ⟨a_h, b_{h'}⟩ = δ_{hh'} "
             "(p_T A B^T = I_H); individual a_h need not be orthogonal to each other. Exactly: heads realising the derived "
             "Gram matrix (d = H = 2) sit at a stationary point: zero gradient in every a_h, b_h, p_t.",
       derive=minima.heads_gram, equation=HEADS,
       corruptions=(lambda e: e * 2, lambda e: sp.zeros(2, 2), lambda e: scale_entry(e, 0), lambda e: scale_entry(e, 3)))
def nonaug_unitary_heads(expr) -> Comparison:
    return both(_unitary_heads_exact(expr), _unitary_heads_trained(expr), label="training")


UNITARY_HEADS_EXACT = (2, 2, 4)  # (d, H, T) of the exact part


def _unitary_heads_exact(expr) -> Comparison:
    """Heads realising the derived Gram matrix G: p = e_T, a_h = e_h, b_h = Σ_{h'} G_{h'h} e_{h'} (so p_T A B^T = G),
    a stationary point: the gradient in every a_h, b_h and p_t vanishes (the value is the training part's)."""
    dim, H, horizon = UNITARY_HEADS_EXACT
    with mpmath.workdps(DIGITS):
        G = [[mp(expr[r, c]) for c in range(H)] for r in range(H)]
        zero = mpmath.mpf(0)
        A0 = [[mpmath.mpf(int(c == h)) for c in range(dim)] for h in range(H)]
        B0 = [[G[c][h] if c < H else zero for c in range(dim)] for h in range(H)]
        p0 = [zero] * (horizon - 1) + [mpmath.mpf(1)]
        na = H * dim

        def loss(theta):
            A_, B_, p_ = theta[:na], theta[na:2 * na], theta[2 * na:]
            C_ = [[sum(B_[h * dim + k] * A_[h * dim + c] for h in range(H)) for c in range(dim)] for k in range(dim)]
            return numeric_nonaug.loss_mp(C_, p_, dim, DIGITS)

        theta = [v for row in A0 for v in row] + [v for row in B0 for v in row] + p0
        names = ([f"a_{h + 1},{c + 1}" for h in range(H) for c in range(dim)]
                 + [f"b_{h + 1},{c + 1}" for h in range(H) for c in range(dim)] + [f"p_{t + 1}" for t in range(horizon)])
        grads = dict(zip(names, central_gradient(loss, theta)))
        return stationary_comparison([(f"d={dim} H={H} T={horizon}", loss(theta), None, grads)],
                           "heads a_h = e_h, b_h = Σ_h' G_h'h e_h', p = e_T realising the derived G")


def _unitary_heads_trained(expr) -> Comparison:
    worst, lines = 0.0, []
    for dim, H in ((3, 2), (2, 2)):
        _, Ah, Bh, p_ = numeric_nonaug.train(dim, H, 4, starts=2, seed=7 + dim)
        gram = p_[-1] * Ah @ Bh.T
        target = np.array(expr.tolist(), dtype=float)[:H, :H]
        worst = max(worst, float(np.max(abs(gram - target))))
        aa = Ah @ Ah.T
        lines.append(f"d={dim} H={H}: p_T A B^T = {array(gram)}, "
                     f"A A^T off-diagonal {aa[0, 1]:.3f}")
    return Comparison(worst, float(FLOAT_EPS ** 0.25),
                      "trained heads (L-BFGS, T = 4); parameters at a minimum are accurate to "
                      "$\\varepsilon_{\\mathrm{mach}}^{1/4}$ "
                      "(the loss to √ε): " + "; ".join(lines))
