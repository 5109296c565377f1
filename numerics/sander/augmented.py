"""[S] §3.1 numerically: the augmented-token model evaluated from its definition.

Sequences s_{t+1} = W s_t with W = P diag(λ) P^*.  The expectation over the
phases λ is an exact quadrature: every coordinate of ŝ_{T+1} − s_{T+1} is a
trigonometric polynomial whose exponents lie in [−(T−2), 2T], so its squared
modulus has exponents in (−N, N) for N = 3T + 1, and the average over the
N-th roots of unity (per coordinate) equals the average over the circle.
No derived expression is used.
"""
from __future__ import annotations

import itertools

import mpmath
import numpy as np
from scipy.optimize import minimize

from mesaverify.numerics.memo import memo


def nodes(d: int, T: int) -> np.ndarray:
    """The phase grid: all d-tuples of N-th roots of unity, N = 3T + 1 (exact for the loss)."""
    N = 3 * T + 1
    roots = np.exp(2j * np.pi * np.arange(N) / N)
    return np.array(list(itertools.product(roots, repeat=d)))


def sequences(lam: np.ndarray, s1: np.ndarray, P: np.ndarray, T: int) -> np.ndarray:
    """s_1..s_{T+1} for each row of λ: (n, T+1, d), by repeated multiplication by W."""
    n, d = lam.shape
    W = np.einsum("ij,nj,kj->nik", P, lam, P.conj())
    s = np.empty((n, T + 1, d), dtype=complex)
    s[:, 0] = s1
    for i in range(T):
        s[:, i + 1] = np.einsum("nij,nj->ni", W, s[:, i])
    return s


def dataset(points, probs, P, T):
    """Sequences over the phase grid and a finite law of s_1, with their probabilities."""
    d = P.shape[0]
    lam = nodes(d, T)
    s = np.concatenate([sequences(lam, np.asarray(x, dtype=complex), P, T) for x in points])
    w = np.concatenate([np.full(len(lam), pr / len(lam)) for pr in probs])
    return s, w


def context_matrix(s: np.ndarray, T: int) -> np.ndarray:
    """G = Σ_{t=2}^{T} s_t s_{t−1}^* (the t = 1 term has s_0 = 0)."""
    return np.einsum("nti,ntj->nij", s[:, 1:T], s[:, 0:T - 1].conj())


def loss_and_gradient(A, B, s, w, T):
    """L = Σ_n w_n ‖B G_n A s_T/T − s_{T+1}‖² and G = ∂L/∂Re + i ∂L/∂Im for A and B."""
    G = context_matrix(s, T)
    v, target = s[:, T - 1], s[:, T]
    GAv = np.einsum("nij,nj->ni", G, v @ A.T) / T
    r = GAv @ B.T - target
    L = np.sum(w * np.sum(abs(r) ** 2, 1))
    gB = 2 * np.einsum("n,ni,nj->ij", w, r, GAv.conj())  # ∂|r|²/∂Re + i ∂|r|²/∂Im = 2 r (∂r/∂B)^*
    BG = np.einsum("ij,njk->nik", B, G) / T
    gA = 2 * np.einsum("n,nki,nk,nj->ij", w, BG.conj(), r, v.conj())
    return L, gA, gB


@memo
def train(s, w, T, d, starts=4, seed=0, family="general"):
    """Minimise L over complex (A, B) by L-BFGS from random starts; returns (best L, A, B).

    family="general": all entries free; "commuting": Ã, B̃ diagonal in the
    basis of the sequences (pass sequences expressed in the eigenbasis).
    """
    rng = np.random.default_rng(seed)
    mask = np.ones((d, d)) if family == "general" else np.eye(d)
    n = int(mask.sum())
    idx = np.nonzero(mask.ravel())[0]

    def unpack(z):
        A, B = np.zeros(d * d, complex), np.zeros(d * d, complex)
        A[idx] = z[:n] + 1j * z[n:2 * n]
        B[idx] = z[2 * n:3 * n] + 1j * z[3 * n:]
        return A.reshape(d, d), B.reshape(d, d)

    def f(z):
        A, B = unpack(z)
        L, gA, gB = loss_and_gradient(A, B, s, w, T)
        gA, gB = gA.ravel()[idx], gB.ravel()[idx]
        return L, np.concatenate([gA.real, gA.imag, gB.real, gB.imag])

    best = None
    for _ in range(starts):
        res = minimize(f, rng.standard_normal(4 * n), jac=True, method="L-BFGS-B",
                       options=dict(maxiter=20000, maxcor=30, gtol=1e-13, ftol=1e-16))
        if best is None or res.fun < best[0]:
            best = (float(res.fun), *unpack(res.x))
    return best


# --- high precision ------------------------------------------------------------------------

def _mp_sequences(lam, s1, P, T):
    d = len(s1)
    W = mpmath.matrix(d, d)
    for r in range(d):
        for c in range(d):
            W[r, c] = sum(P[r, q] * lam[q] * mpmath.conj(P[c, q]) for q in range(d))
    s = [mpmath.matrix(list(s1))]
    for _ in range(T):
        s.append(W * s[-1])
    return s


def _mp_nodes(d, T):
    N = 3 * T + 1
    roots = [mpmath.expjpi(mpmath.mpf(2 * q) / N) for q in range(N)]
    return list(itertools.product(roots, repeat=d)), mpmath.mpf(1) / N**d


@memo
def loss_mp(A, B, P, points, probs, T: int, dps: int):
    """The population loss at working precision `dps` (A, B, P: mpmath matrices; finite law of s_1)."""
    with mpmath.workdps(dps):
        d = P.rows
        grid, weight = _mp_nodes(d, T)
        total = mpmath.mpf(0)
        for x, pr in zip(points, probs):
            for lam in grid:
                s = _mp_sequences(lam, x, P, T)
                q = A * s[T - 1]
                pred = mpmath.matrix(d, 1)
                for i in range(1, T):  # tokens t = 2..T pair s_t with s_{t−1}
                    coef = sum(mpmath.conj(s[i - 1][c]) * q[c] for c in range(d))
                    pred += (B * s[i]) * coef
                pred /= T
                total += pr * weight * sum(abs(pred[c] - s[T][c]) ** 2 for c in range(d))
        return +total


@memo
def best_step_mp(P, points, probs, T: int, dps: int):
    """η minimising E‖η G s_T − s_{T+1}‖² (G from the context): Re E⟨G s_T, s_{T+1}⟩ / E‖G s_T‖²."""
    with mpmath.workdps(dps):
        d = P.rows
        grid, weight = _mp_nodes(d, T)
        num = den = mpmath.mpf(0)
        for x, pr in zip(points, probs):
            for lam in grid:
                s = _mp_sequences(lam, x, P, T)
                y = mpmath.matrix(d, 1)
                for i in range(1, T):
                    y += s[i] * sum(mpmath.conj(s[i - 1][c]) * s[T - 1][c] for c in range(d))
                num += pr * weight * mpmath.re(sum(mpmath.conj(y[c]) * s[T][c] for c in range(d)))
                den += pr * weight * sum(abs(y[c]) ** 2 for c in range(d))
        return num / den


def inner_gd_step_mp(s, eta, dps: int):
    """One GD step from W = 0 on ½ Σ_{t=1}^{T−1} ‖s_{t+1} − W s_t‖², applied to s_T.

    The gradient (with respect to Re W and Im W, combined as ∂/∂Re + i ∂/∂Im)
    is taken by central differences: the objective is quadratic in W, so the
    difference quotient is exact up to rounding at the working precision.
    """
    with mpmath.workdps(dps + 20):
        d, T = len(s[0]), len(s)

        def objective(W):
            total = mpmath.mpf(0)
            for i in range(T - 1):
                r = [s[i + 1][a] - sum(W[a][c] * s[i][c] for c in range(d)) for a in range(d)]
                total += sum(abs(v) ** 2 for v in r) / 2
            return total

        h = mpmath.mpf(10) ** (-(dps // 2))
        grad = [[mpmath.mpc(0)] * d for _ in range(d)]
        for a in range(d):
            for c in range(d):
                parts = []
                for unit in (1, 1j):
                    Wp = [[mpmath.mpc(0)] * d for _ in range(d)]
                    Wm = [[mpmath.mpc(0)] * d for _ in range(d)]
                    Wp[a][c], Wm[a][c] = unit * h, -unit * h
                    parts.append((objective(Wp) - objective(Wm)) / (2 * h))
                grad[a][c] = parts[0] + 1j * parts[1]
        W1 = [[-eta * grad[a][c] for c in range(d)] for a in range(d)]
        return [sum(W1[a][c] * s[T - 1][c] for c in range(d)) for a in range(d)]


def model_prediction_mp(A, B, s, dps: int):
    """ŝ_{T+1} = (1/T) Σ_{t=1}^{T} B s_t (s_{t−1}^* A s_T), s_0 = 0, for one sequence s_1..s_T."""
    with mpmath.workdps(dps):
        d, T = len(s[0]), len(s)
        q = [sum(A[a][c] * s[T - 1][c] for c in range(d)) for a in range(d)]
        out = [mpmath.mpc(0)] * d
        for i in range(1, T):
            coef = sum(mpmath.conj(s[i - 1][c]) * q[c] for c in range(d))
            for a in range(d):
                out[a] += sum(B[a][c] * s[i][c] for c in range(d)) * coef / T
        return out
