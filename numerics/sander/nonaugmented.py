"""[S] §3.2 numerically: the non-augmented multi-head model from its definition (unitary case).

s_1 = 𝟙, s_{t+1} = diag(λ) s_t.  Every coordinate of ŝ_{T+1} − s_{T+1} is a
trigonometric polynomial with exponents in [2 − T, T] in each phase, so its squared
modulus has exponents in [−2T, 2T], and the average over the N-th roots of unity per
coordinate is the exact phase average once N > 2T (`grid_size`): a monomial λ^e
averages to [N divides e], which is [e = 0] for |e| < N.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import mpmath
import numpy as np
from scipy.optimize import minimize

from mesaverify.numerics.memo import memo


def grid_size(T: int) -> int:
    """N = 2T + 1 roots of unity per phase: more than the largest exponent 2T of a squared error coordinate,
    unitary or paired (module docstring, `_grid_tokens_mp`)."""
    return 2 * T + 1


def nodes(d: int, T: int) -> np.ndarray:
    N = grid_size(T)
    roots = np.exp(2j * np.pi * np.arange(N) / N)
    return np.array(list(itertools.product(roots, repeat=d)))


def tokens(lam: np.ndarray, T: int) -> np.ndarray:
    """s_1..s_{T+1}: (n, T+1, d), s_1 = 𝟙, by repeated multiplication by diag(λ)."""
    s = np.empty((lam.shape[0], T + 1, lam.shape[1]), dtype=complex)
    s[:, 0] = 1.0
    for i in range(T):
        s[:, i + 1] = lam * s[:, i]
    return s


def loss_and_gradient(Ah, Bh, p, s, T):
    """L = mean ‖ŝ_{T+1} − s_{T+1}‖² over the grid, and its gradient in (A_h, B_h, p) (all real)."""
    q = s[:, T - 2].conj()  # s_{T−1}^*
    ctx = s[:, :T]  # s_1..s_T
    score = np.einsum("nj,hj,ntj->nth", q, Ah, ctx)  # s_{T−1}^* A_h s_t
    vals = np.einsum("hk,ntk->nthk", Bh, ctx)  # B_h s_t
    pred = np.einsum("t,nth,nthk->nk", p, score, vals)
    r = pred - s[:, T]
    n = len(s)
    L = np.sum(abs(r) ** 2) / n
    rc = r.conj()  # ∂|r|²/∂θ = 2 Re(r̄ ∂r/∂θ)
    gp = 2 * np.real(np.einsum("nk,nth,nthk->t", rc, score, vals)) / n
    gB = 2 * np.real(np.einsum("nk,t,nth,ntk->hk", rc, p, score, ctx)) / n
    gA = 2 * np.real(np.einsum("nk,t,nthk,nj,ntj->hj", rc, p, vals, q, ctx)) / n
    return L, gA, gB, gp


@memo
def train(d: int, H: int, T: int, starts: int = 3, seed: int = 0):
    """L-BFGS on (A_h, B_h, p) from random Gaussian starts (as in [S]'s experiments); best (L, A, B, p)."""
    return train_on(tokens(nodes(d, T), T), d, H, T, starts=starts, seed=seed)


@memo
def train_on(s, d: int, H: int, T: int, starts: int = 3, seed: int = 0):
    """L-BFGS on (A_h, B_h, p) for sequences s (n, T+1, d), equally weighted (a quadrature or a sample)."""
    rng = np.random.default_rng(seed)
    na = H * d

    def f(z):
        Ah, Bh, p = z[:na].reshape(H, d), z[na:2 * na].reshape(H, d), z[2 * na:]
        L, gA, gB, gp = loss_and_gradient(Ah, Bh, p, s, T)
        return L, np.concatenate([gA.ravel(), gB.ravel(), gp])

    best = None
    for _ in range(starts):
        res = minimize(f, rng.standard_normal(2 * na + T), jac=True, method="L-BFGS-B",
                       options=dict(maxiter=20000, maxcor=30, gtol=1e-14, ftol=1e-16))
        if best is None or res.fun < best[0]:
            z = res.x
            best = (float(res.fun), z[:na].reshape(H, d), z[na:2 * na].reshape(H, d), z[2 * na:])
    return best


@lru_cache(maxsize=None)
def _grid_tokens_mp(d: int, T: int, dps: int, paired: bool = False):
    """Per point of the exact phase grid at `dps` digits: (s_1..s_{T+1}, u) with u[n][c] = conj(s_{T−1,c}) s_{n+1,c}
    (the attended products, shared by every C and p); and the number of grid points.

    paired: W = diag(μ_1, μ̄_1, μ_2, μ̄_2, …) (an orthogonal W in its eigenbasis), the grid over the d/2 phases μ_i;
    in each μ_i an error coordinate's exponents stay within [−T, T] (the conjugate coordinate contributes
    μ_i^{T−2−2n}), its squared modulus's within [−2T, 2T], so N = 2T + 1 roots still average exactly."""
    with mpmath.workdps(dps):
        N = grid_size(T)
        roots = [mpmath.expjpi(mpmath.mpf(2 * q) / N) for q in range(N)]
        out = []
        for phases in itertools.product(roots, repeat=d // 2 if paired else d):
            lam = [v for mu in phases for v in (mu, mpmath.conj(mu))] if paired else phases
            s = [[lam[c] ** n for c in range(d)] for n in range(T + 1)]
            out.append((s, [[mpmath.conj(s[T - 2][c]) * s[n][c] for c in range(d)] for n in range(T)]))
        return tuple(out), len(out)


@memo
def loss_mp(C, p, d: int, dps: int, paired: bool = False):
    """The population loss at C (d×d) and p (length T) at working precision `dps`, exact phase average.

    ŝ_{T+1,k} = Σ_n p_n (Σ_c C_kc conj(s_{T−1,c}) s_{n,c}) s_{n,k}; the grid's tokens are computed once per (d, T, dps).
    paired: the phases of W come in conjugate pairs (μ_i, μ̄_i) (even d)."""
    T = len(p)
    with mpmath.workdps(dps):
        grid, count = _grid_tokens_mp(d, T, dps, paired)
        total = mpmath.mpf(0)
        for s, u in grid:
            for k in range(d):
                pred = mpmath.fsum(p[n] * mpmath.fdot(C[k], u[n]) * s[n][k] for n in range(T))
                total += abs(pred - s[T][k]) ** 2
        return total / count
