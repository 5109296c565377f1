"""[S] §3.2, non-augmented tokens with orthogonal W: the loss, positional weights, bound, minima and heads."""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from mesaverify.checks.core.corruptions import BOUND_CORRUPTIONS, EPS, scale_entry, scale_first_term
from mesaverify.checks.core.notation import array, math
from mesaverify.checks.core.numeric import DIGITS, FLOAT_EPS, both, mp, vertex
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.sander.common import (
    BOUND,
    HEADS,
    MINIMISERS,
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
from mesaverify.numerics.sander import orthogonal as numeric_ortho

ORTHO_CASES = (  # (C, p): d = 2, T = 3, 4, 5
    ([[R(3, 4), R(-1, 2)], [R(1, 3), R(5, 4)]], [R(1, 5), R(-1, 3), R(6, 5)]),
    ([[1, R(1, 4)], [R(-2, 3), R(1, 2)]], [R(1, 7), 0, R(-1, 2), R(3, 2)]),
    ([[R(-1, 3), 2], [R(1, 2), R(2, 7)]], [R(1, 2), R(-1, 4), R(1, 3), R(-2, 3), R(5, 4)]),
)
ORTHO_MINIMA = ((2, 1), (4, 1), (4, 2))  # (d, H)


@check("S.nonaug.orthogonal.loss", shares="S.orthogonal", kinds=("exact",), reference="[S] §3.2 (non-augmented tokens), orthogonal W, loss in (C, p)",
       claim="With s_1 = 𝟙 and W = blockdiag(R(φ_i)), φ_i uniform, the population loss depends on the heads "
             "only through C and is an explicit function of (C, p) for symbolic T (cos φ, sin φ written in "
             "μ = e^{iφ}; d = 2 here).",
       derive=lambda: nonaug.orthogonal_loss(2), equation="L(C, p)",
       corruptions=(scale_first_term, lambda e: e.subs(T, T + 1), lambda e: -e))
def nonaug_orthogonal_loss(expr) -> Comparison:
    return loss_at_cases(expr, ORTHO_CASES, numeric_ortho.loss_mp, "(C, p) cases (real rotations, N = 6T angles)")


@check("S.nonaug.orthogonal.trig", shares="S.orthogonal", kinds=("exact", "training"), reference="[S] §3.2, orthogonal case: positional weights and "
                                             "s_{t+1} = 2cos φ · s_t − s_{t−1}",
       claim="Minimising the derived loss of one rotation block over C and p_{T−1}/p_T (p_t = 0 for t < T − 1) "
             "gives p_{T−1}/p_T = −1/2, p_T C = 𝟙𝟙^T and zero loss: ŝ_{T+1} = p_T (s_{T−1}·s_T) s_T + "
             "p_{T−1} ‖s_{T−1}‖² s_{T−1} = 2cos φ s_T − s_{T−1}. Exactly: the loss at the derived (ρ, C) is the derived "
             "L* with zero gradient in every C entry and every p_t (T = 4); training all of p from random starts finds it.",
       derive=minima.orthogonal_block_minimisers, equation=MINIMISERS,
       corruptions=(lambda e: sp.Tuple(-e[0], *e[1:]), lambda e: sp.Tuple(e[0] * (1 + R(1, 1000)), *e[1:]),
                    lambda e: sp.Tuple(e[0], e[1] * 2, e[2]), lambda e: sp.Tuple(e[0] * EPS, *e[1:]),
                    lambda e: sp.Tuple(e[0], scale_entry(e[1], 1), e[2])))
def nonaug_orthogonal_trig(expr) -> Comparison:
    return both(orthogonal_block_exact(expr, 2, 4, "derived (p_{T−1}/p_T, p_T C) of one rotation block, p_T = 1"),
                _orthogonal_trig_trained(expr), label="training")


def _block_heads_mp(Cblock, dim):
    """Heads (A, B: rows a_h, b_h, mpmath) with Σ_h b_h a_h^T = blockdiag(C_block, …): an exact rank factorisation
    C_block = left · right per block, a_h = row h of right, b_h = column h of left, on every block."""
    left, right = sp.Matrix(Cblock).rank_decomposition()
    zero = mpmath.mpf(0)
    A_, B_ = [], []
    for blk in range(dim // 2):
        for h in range(right.rows):
            a_row, b_row = [zero] * dim, [zero] * dim
            for r in range(2):
                a_row[2 * blk + r] = mp(right[h, r])
                b_row[2 * blk + r] = mp(left[r, h])
            A_.append(a_row)
            B_.append(b_row)
    return A_, B_


def orthogonal_block_exact(expr, dim, horizon, what) -> Comparison:
    """(ρ, C_block, L*) derived: at p = (0, …, 0, ρ, 1) and heads realising blockdiag(C_block, …) (d/2 blocks) the
    orthogonal loss (rotation blocks, exact angle quadrature) must equal L* and its gradient in every b_h entry
    and every p_t vanish (with d = 2 the loss is taken in C itself: every entry of C and of p)."""
    rho, Cblock, value = expr
    with mpmath.workdps(DIGITS):
        p0 = [mpmath.mpf(0)] * (horizon - 2) + [mp(rho), mpmath.mpf(1)]
        if dim == 2:
            C0 = [[mp(Cblock[r, c]) for c in range(2)] for r in range(2)]

            def loss(theta):
                return numeric_ortho.loss_mp([theta[0:2], theta[2:4]], theta[4:], dim, DIGITS)

            theta = C0[0] + C0[1] + p0
            names = [f"C_{r + 1}{c + 1}" for r in range(2) for c in range(2)]
        else:
            A_, B_ = _block_heads_mp(Cblock, dim)
            H, nb = len(A_), len(A_) * dim

            def loss(theta):
                Bt = theta[:nb]
                C_ = [[sum(Bt[h * dim + k] * A_[h][c] for h in range(H)) for c in range(dim)] for k in range(dim)]
                return numeric_ortho.loss_mp(C_, theta[nb:], dim, DIGITS)

            theta = [v for row in B_ for v in row] + p0
            names = [f"b_{h + 1},{c + 1}" for h in range(H) for c in range(dim)]
        names += [f"p_{t + 1}" for t in range(horizon)]
        grads = dict(zip(names, central_gradient(loss, theta)))
        return stationary_comparison([(f"d={dim} T={horizon}", loss(theta), mp(value), grads)], what)


def _orthogonal_trig_trained(expr) -> Comparison:
    rho, Cstar, value = expr
    lines, err = [], 0.0
    for seed in (1, 2):
        L, Ah, Bh, p_ = numeric_ortho.train(2, 1, 4, starts=1, seed=seed)
        ratio = p_ / p_[-1]
        target = np.zeros(4)
        target[-2:] = float(rho), 1.0
        Cn = p_[-1] * Bh.T @ Ah
        err = max(err, float(np.max(abs(ratio - target))), float(np.max(abs(Cn - np.array(Cstar.tolist(), float)))),
                  abs(L - float(value)))
        lines.append(f"seed {seed}: p/p_T = {array(ratio, 8)}, p_T C = {array(Cn, 8)}, L = {L:.2e}")
    return Comparison(err, float(FLOAT_EPS ** 0.25),
                      f"derived p_{{T−1}}/p_T = {math(rho)}, p_T C = {math(Cstar)}, L* = {math(value)}; "
                      "L-BFGS on (a, b, p_1..p_4) (d = 2, H = 1, T = 4, exact quadrature), parameters to "
                      "$\\varepsilon_{\\mathrm{mach}}^{1/4}$: " + "; ".join(lines))


@check("S.nonaug.orthogonal.bound", shares="S.orthogonal", kinds=("exact",), cost="slow", reference="[S] §3.2, orthogonal W: lower bound on the loss for any number "
                                              "of heads",
       claim="L(C, p) = ½‖p_T C − M‖_F² + R(C, p), M = blockdiag(𝟙𝟙^T, …) (one 2×2 block of ones per rotation), "
             "R a sum of squares, for every C, p and symbolic T; σ(M) = (2, …, 2, 0, …, 0) (d/2 twos), so "
             "L ≥ ½ Σ_{i>H} σ_i(M)² = max(d − 2H, 0) when rank C ≤ H (Eckart–Young). Derived (κ, M, R) for d = 2.",
       derive=lambda: decomposition_tuple("orthogonal", 2), findings=lambda expr: _bound_findings(),
       equation=BOUND, corruptions=BOUND_CORRUPTIONS)
def nonaug_orthogonal_bound(expr) -> Comparison:
    return bound_compare(expr, ORTHO_CASES, numeric_ortho.loss_mp)


def _bound_findings() -> tuple[str, ...]:
    """Why κ = ½ in the orthogonal case, and the derived (κ, M) and bounds at d = 2, 4."""
    return ("Unlike the unitary case the square has weight κ = ½: matching the C-linear part "
            "−p_T⟨blockdiag(𝟙𝟙^T), C⟩ and the constant L(0, p) = d gives κ = ½, M = blockdiag(𝟙𝟙^T). "
            "Weight 1 (‖p_T C − M'‖², M' = blockdiag(𝟙𝟙^T)/2) would leave "
            "the constant d/2 in R and bound the minimum by (d − 2H)/2, half its value. R involves p_{T−1} and "
            "vanishes at p_T C = blockdiag(𝟙𝟙^T) only with p_{T−1} = −p_T/2 (S.nonaug.orthogonal.trig). "
            + bound_note("orthogonal", (2, 4)),)


@check("S.nonaug.orthogonal.minimum", shares="S.orthogonal", kinds=("exact", "training"), reference="[S] §3.2, orthogonal case: global minima for H ≥ d and H < d",
       claim="min over heads and p of the orthogonal loss is max(d − 2H, 0): zero already for H ≥ d/2 (one head "
             "per rotation block), L(0, p) = 2 per unfitted block below — the Eckart–Young bound of "
             "S.nonaug.orthogonal.bound, attained by the derived minimiser (derived for (d, H) = (2, 1), (4, 1), "
             "(4, 2); L-BFGS from random starts reaches it).",
       derive=lambda: sp.Tuple(*[minima.orthogonal_minimum(dim, H) for dim, H in ORTHO_MINIMA]),
       equation=minimum_names(ORTHO_MINIMA),
       corruptions=(lambda e: sp.Tuple(e[0], e[1] * EPS, e[2]), lambda e: sp.Tuple(*e[1:], e[0]),
                    lambda e: sp.Tuple(*[v + R(1, 2) for v in e])))
def nonaug_orthogonal_minimum(expr) -> Comparison:
    out = minimum_compare(expr, ORTHO_MINIMA, numeric_ortho.train, 3)
    unitary = [dim - min(H, dim) for dim, H in ORTHO_MINIMA]
    note = ("Threshold differs from the unitary case: orthogonal min = max(d − 2H, 0) (derived "
            f"{math(list(expr))}) vs unitary d − min(H, d) = {math(unitary)} at (d, H) = "
            f"{', '.join(math(x) for x in ORTHO_MINIMA)}; "
            "H ≥ d heads are not needed, H = d/2 suffice, since one head "
            "(a_h = b_h = 𝟙 on a block) reproduces 2cos φ via s_{T−1}·s_T. Below d/2 the bound is derived: "
            "L ≥ ½‖p_T C − blockdiag(𝟙𝟙^T)‖² and rank C ≤ H leave d/2 − H singular values 2 unfitted.")
    return Comparison(out.max_error, out.tolerance, out.evidence, (note,))


@check("S.nonaug.orthogonal.heads", shares="S.orthogonal", kinds=("exact", "training"), reference="[S] §3.2, orthogonal case: orthogonality of heads at the minima",
       claim="At the minima with H = d/2 the heads are bi-orthogonal with p_T ⟨a_h, b_h'⟩ = 2 δ_hh' (p_T A B^T = "
             "U^T U = 2 I for U = [𝟙_block1, …]), and a_h, b_h are constant on each rotation block. Exactly: heads "
             "realising the derived Gram matrix, with the model's best p_{T−1}, sit at a stationary point: zero gradient in every b_h, p_t.",
       derive=lambda: minima.orthogonal_heads_gram(4), equation=HEADS,
       corruptions=(lambda e: e * (1 + R(1, 100)), lambda e: e / 2, lambda e: scale_entry(e, 0)))
def nonaug_orthogonal_heads(expr) -> Comparison:
    return both(_orthogonal_heads_exact(expr), _orthogonal_heads_trained(expr), label="training")


ORTHO_HEADS_EXACT = (4, 2, 3)  # (d, H, T) of the exact part


def _orthogonal_heads_exact(expr) -> Comparison:
    """Heads realising the derived Gram matrix G: a_h = 𝟙 on block h (A = U^T, U^T U = 2I), B = G^T (U^T U)^{−1} U^T
    (so p_T A B^T = G), p = (0, …, 0, ρ, 1) with ρ the model's own best p_{T−1} there (the loss is quadratic in
    p_{T−1}: the vertex through three values); a stationary point: zero gradient in every b_h entry and p_t."""
    dim, H, horizon = ORTHO_HEADS_EXACT
    with mpmath.workdps(DIGITS):
        G = [[mp(expr[r, c]) for c in range(H)] for r in range(H)]
        A_ = [[mpmath.mpf(int(c // 2 == h)) for c in range(dim)] for h in range(H)]
        # (U^T U)^{−1} = I/2: b_h = Σ_h' G_h'h a_h' / 2
        B0 = [[sum(G[g][h] * A_[g][c] for g in range(H)) / 2 for c in range(dim)] for h in range(H)]
        nb = H * dim

        def loss(theta):
            Bt = theta[:nb]
            C_ = [[sum(Bt[h * dim + k] * A_[h][c] for h in range(H)) for c in range(dim)] for k in range(dim)]
            return numeric_ortho.loss_mp(C_, theta[nb:], dim, DIGITS)

        b0 = [v for row in B0 for v in row]
        at_rho = lambda r: b0 + [mpmath.mpf(0)] * (horizon - 2) + [mpmath.mpf(r), mpmath.mpf(1)]
        rho = vertex([loss(at_rho(r)) for r in (0, 1, 2)])
        theta = at_rho(rho)
        names = [f"b_{h + 1},{c + 1}" for h in range(H) for c in range(dim)] + [f"p_{t + 1}" for t in range(horizon)]
        grads = dict(zip(names, central_gradient(loss, theta)))
        return stationary_comparison([(f"d={dim} H={H} T={horizon}", loss(theta), None, grads)],
                                     "heads a_h = 𝟙_block h, b_h = Σ_h' G_h'h a_h'/2, p = (0, ρ, 1) realising the derived G, "
                                     f"ρ = {mpmath.nstr(rho, 20)} the model's best p_(T−1)")


def _orthogonal_heads_trained(expr) -> Comparison:
    _, Ah, Bh, p_ = numeric_ortho.train(4, 2, 3, starts=1, seed=11)
    gram = p_[-1] * Ah @ Bh.T
    target = np.array(expr.tolist(), dtype=float)
    within = max(float(np.max(abs(M[:, 0::2] - M[:, 1::2]))) for M in (Ah, Bh))  # constant on blocks
    err = max(float(np.max(abs(gram - target))), within)
    return Comparison(err, float(FLOAT_EPS ** 0.25),
                      f"trained heads (L-BFGS, d = 4, H = 2, T = 3): p_T A B^T = {array(gram)} vs "
                      f"derived {math(expr)}; largest difference of a_h, b_h within a block {within:.1e}; "
                      "tolerance $\\varepsilon_{\\mathrm{mach}}^{1/4}$")
