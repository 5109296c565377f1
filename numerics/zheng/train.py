"""[Z] §3 and Figure 1: plain gradient descent on the empirical loss of the full model.

The model is ŷ_t = W^{PV} S_t W^{KQ} e_t / (t − 1) with S_t = E_t E_t^* = Σ_{i≤t} e_i e_i^*
(x_{t+1} = W x_t, tokens e_t = (x_t; x_{t−1})).  The empirical loss is the population loss with the expectation
replaced by the mean over the m training sequences,

    L̂(W^{KQ}, W^{PV}) = (1/m) Σ_n Σ_{t=2}^{T−1} ½ ‖ŷ_t^{(n)} − x_{t+1}^{(n)}‖²,

a sum over t as in L, so one step of size `lr` advances the gradient flow of
L̂ by τ = lr (no further factor).  Complex parameters are pairs of real ones:
the gradient is G = ∂L̂/∂Re W + i ∂L̂/∂Im W, and a step is W ← W − lr·G.

With r_t = ŷ_t − x_{t+1}, z_t = S_t W^{KQ} e_t/(t − 1) and
w_t = S_t W^{PV*} r_t/(t − 1) (S_t is Hermitian), the chain rule gives

    G^{PV} = (1/m) Σ r_t z_t^*,    G^{KQ} = (1/m) Σ w_t e_t^*.

S_t is a running sum over the context (causal linear attention) and does not
depend on the parameters; for the tokens (x_t; x_{t−1}) it is e_1 e_1^* plus a
d×d running sum g_t of phases, a geometric sum with a closed form (see
EmpiricalLoss), so an epoch costs O(m·T·d²) against O(m·T²·d) for attention
scores.  numerics/zheng/reference.py transcribes the definition (E_t E_t^* for
every t); numerics/zheng/quartic.py writes L̂ as a polynomial, cheaper for long runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from mesaverify.numerics.zheng.empirical import TestSet, ab_empirical_limit
from mesaverify.numerics.zheng.flow import diagonal_init
from mesaverify.numerics.zheng.sequences import (
    Sequences,
    ab,
    diagonal_entries,
    draw_sequences,
    embed,
    gaussian_init,
    offdiagonal_mask,
    offdiagonal_norm,
    phase_grid,
    sample_finite,
)

# the data, initialisations and read-outs live beside this module; they are named here too, where the trainer is
__all__ = ["CHUNK", "GAP", "GROWTH", "SPAN", "EmpiricalLoss", "History", "Sequences", "TestSet", "TrainingDiverged", "ab",
           "ab_empirical_limit", "diagonal_entries", "diagonal_init", "draw_sequences", "embed", "gaussian_init",
           "offdiagonal_mask", "offdiagonal_norm", "phase_grid", "sample_finite", "top_curvature", "train"]

CHUNK = 20 * 15 * 98  # entries of a block of work's [Λ; Λ'; Λ'∘Z] (20 sequences at d = 5, T = 100: in cache)
GAP = 1e-3  # sequences with two phases this close (|1 − λ_j λ̄_k| < GAP) use the running sum
SPAN = 1000  # sequences per _Support block: its per-call arrays stay a few MB, reused by malloc


GROWTH = 1e6  # a loss this many times its initial value is divergence, not training


class TrainingDiverged(ArithmeticError):
    """The empirical loss became non-finite or grew GROWTH-fold (the learning rate is too large)."""


def _phase_gram(powers: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """g_t/(t − 1), g_t = Σ_{i=2}^{t} λ^i (λ^i)^* a running (cumulative) sum over t: (n, s, s, P)."""
    g = powers[:, :, None, :] * np.conj(powers[:, None, :, :])
    np.cumsum(g, axis=3, out=g)
    g *= inv
    return g


def _times_gram(g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(g_t/(t − 1)) v_t for every sequence and t: one s×s product per (sequence, t)."""
    out = g[:, :, 0, :] * v[:, None, 0, :]
    for k in range(1, g.shape[2]):
        out += g[:, :, k, :] * v[:, None, k, :]
    return out


def _geometric(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) with A_jk = ω²/(1 − ω), B_jk = ω/(1 − ω), ω = λ_j λ̄_k (j ≠ k), 0 on the diagonal:
    Σ_{i=2}^{t} ω^i = A_jk − λ_j^t B_jk λ̄_k^t, the geometric sum."""
    s = theta.shape[1]
    omega = np.exp(1j * (theta[:, :, None] - theta[:, None, :]))
    B = np.zeros_like(omega)
    off = ~np.eye(s, dtype=bool)
    B[:, off] = omega[:, off] / (1 - omega[:, off])
    return omega * B, B


def _min_gap(theta: np.ndarray) -> np.ndarray:
    """min over j ≠ k of |1 − λ_j λ̄_k| per sequence (∞ for a single coordinate)."""
    s = theta.shape[1]
    gap = np.abs(1 - np.exp(1j * (theta[:, :, None] - theta[:, None, :])))
    gap[:, np.arange(s), np.arange(s)] = np.inf
    return gap.min(axis=(1, 2), initial=np.inf)


@dataclass
class _Support:
    """Up to SPAN training sequences whose x_1 is non-zero exactly on the coordinates S (|S| = s),
    in coordinates S, the separable ones (see EmpiricalLoss) first: x_1, c, λ^t (t = 2..T−1),
    (A, B) for the first n_far and the running sums g_t/(t − 1) for the others."""

    S: np.ndarray
    x1: np.ndarray  # (n, s)
    c: np.ndarray  # (n, 2s)
    powers: np.ndarray  # (n, s, P)
    n_far: int
    A: np.ndarray  # (n_far, s, s)
    B: np.ndarray
    g: np.ndarray  # (n − n_far, s, s, P)

    @classmethod
    def of(cls, x1: np.ndarray, theta: np.ndarray, S: np.ndarray, inv: np.ndarray, gap: float) -> "_Support":
        far = _min_gap(theta) >= gap
        order = np.argsort(~far, kind="stable")
        n_far, x1, theta = int(far.sum()), x1[order], theta[order]
        back = np.exp(-1j * theta)
        powers = np.exp(1j * theta[:, :, None] * np.arange(2, len(inv) + 2)[None, None, :])
        A, B = _geometric(theta[:n_far])
        return cls(S, x1, np.concatenate([x1 * back, x1 * back**2], axis=1), powers, n_far, A, B,
                   _phase_gram(powers[n_far:], inv))


class EmpiricalLoss:
    """L̂ and its gradient on a fixed training set of sequences x_{t+1} = W x_t, O(m·T·d²) per call.

    With C = [diag(c_top); diag(c_bot)] (2d×d per sequence), every e_t, t ≥ 2, is C λ^t and
    e_1 = (x_1 ; 0), so the running sum is S_t = e_1 e_1^* + C g_t C^*.  Hence, with
    q_t = W^{KQ} e_t, u_t = W^{PV*} r_t, G_t = g_t/(t−1):

        C^* q_t = K̂ λ^t,  e_1^* q_t = κ·λ^t      (K̂ = C^* W^{KQ} C, κ = C^T W^{KQ,T}_{top} x̄_1),
        z_t = S_t q_t/(t−1) = C y_t + e_1 ε_t,    y_t = G_t K̂ λ^t,  ε_t = κ·λ^t/(t−1),
        ŷ_t = W^{PV} z_t = Ṽ y_t + v_1 ε_t        (Ṽ = W^{PV} C, v_1 = W^{PV}_{:,1..d} x_1),
        C^* u_t = Ṽ^* r_t,  e_1^* u_t = v_1^* r_t,
        G^{PV} = Σ r_t z_t^*,  G^{KQ} = Σ (C ω_t + e_1 η_t) λ^{t*} C^*,  ω_t = G_t Ṽ^* r_t,
        η_t = v_1^* r_t/(t−1),

    so per sequence only R = Σ_t r_t [y_t; ε_t]^* and N = Σ_t [ω_t; η_t] λ^{t*} are needed.
    Where x_{1,j} = 0, column j of C and entry j of e_1 vanish, so coordinate j enters neither
    ŷ_t nor G: each sequence is computed on the support S of its x_1 (_Support; K̂ is s×s,
    Ṽ is d×s, and only the rows and columns S, d+S of the gradients receive it).

    G_t, two exact ways.  g_t[j,k] = Σ_{i=2}^{t} ω^i, ω = λ_j λ̄_k, is a geometric sum: with
    (A, B) of `_geometric` (D_t = diag(λ^t)),

        G_t = I + (A − D_t B D_t^*)/(t − 1),

    two t-independent matrices per sequence, so every product with G_t over all t is a product
    with A, B and elementwise factors λ^t (`_separable`).  A and B grow like 1/|1 − ω|: a sequence
    with two phases within `gap` of each other (|1 − ω| < gap; for uniform phases a fraction
    ≈ s(s−1)/2 · gap/π) takes the running sum g_t instead, built once (`_running`).  In the
    separable form two terms of size ≤ s/gap cancel to G_t v of size ~1, so rounding grows by
    at most that factor (≈ 4 digits of 16 at s = 5, gap = 1e-3).
    """

    def __init__(self, seqs: Sequences, chunk: int | None = None, gap: float = GAP):
        """`chunk`: sequences per block of work; by default as many as keep a block's 3d × (T − 2) entries per
        sequence within CHUNK (20 at d = 5, T = 100; all of a small phase grid at once)."""
        if chunk is None:
            chunk = max(1, CHUNK // (3 * seqs.d * max(seqs.T - 2, 1)))
        self.seqs, self.m, self.d, self.T, self.chunk = seqs, seqs.m, seqs.d, seqs.T, chunk
        self.inv = 1.0 / np.arange(1, self.T - 1)  # 1/(t − 1), t = 2..T−1
        patterns, which = np.unique(seqs.x1 != 0, axis=0, return_inverse=True)
        self.blocks = []
        for p, S in enumerate(patterns):
            if not S.any():  # x_1 = 0: ŷ_t = x_{t+1} = 0
                continue
            idx = np.flatnonzero(which.ravel() == p)
            for part in np.array_split(idx, -(-len(idx) // SPAN)):
                self.blocks.append(_Support.of(seqs.x1[part][:, S], seqs.theta[part][:, S], np.flatnonzero(S), self.inv, gap))

    def __call__(self, K: np.ndarray, V: np.ndarray, gradient: bool = True):
        """(L̂, G^{KQ}, G^{PV}); G = ∂/∂Re + i ∂/∂Im, so gradient descent is W ← W − lr·G."""
        d = self.d
        loss, GK, GV = 0.0, np.zeros((2 * d, 2 * d), dtype=complex), np.zeros((d, 2 * d), dtype=complex)
        for blk in self.blocks:
            rows = np.concatenate([blk.S, d + blk.S])  # the coordinates S of x_t and of x_{t−1}
            part = self._support(blk, K[np.ix_(rows, rows)], V[:, rows], gradient)
            loss += part[0]
            if gradient:
                GK[np.ix_(rows, rows)] += part[1]
                GV[:, rows] += part[2]
        if not gradient:
            return loss / self.m, None, None
        return loss / self.m, GK / self.m, GV / self.m

    def _support(self, blk: _Support, K: np.ndarray, V: np.ndarray, gradient: bool):
        """(Σ ½‖r_t‖², Σ G^{KQ}, Σ G^{PV}) over the sequences of one _Support block, in its
        coordinates (K: 2s×2s, V: d×2s, the rows and columns S, d+S of W^{KQ}, W^{PV})."""
        s, c, x1 = len(blk.S), blk.c, blk.x1
        cbar = np.conj(c)
        KC = K[:, :s] * c[:, None, :s] + K[:, s:] * c[:, None, s:]  # (n, 2s, s): W^{KQ} C
        Khat = cbar[:, :s, None] * KC[:, :s] + cbar[:, s:, None] * KC[:, s:]
        kappa = np.einsum("nj,njl->nl", np.conj(x1), KC[:, :s])
        Vt = V[:, :s] * c[:, None, :s] + V[:, s:] * c[:, None, s:]
        v1 = x1 @ V[:, :s].T
        n, d = len(x1), self.d
        R = np.empty((n, d, s + 1), dtype=complex)  # Σ_t r_t [y_t; ε_t]^*
        N = np.empty((n, s + 1, s), dtype=complex)  # Σ_t [ω_t; η_t] λ^{t*}
        loss = 0.0
        for part, fn in ((slice(0, blk.n_far), self._separable), (slice(blk.n_far, n), self._running)):
            if part.start < part.stop:
                loss += fn(blk, part, Khat[part], kappa[part], Vt[part], v1[part], R[part], N[part], gradient)
        if not gradient:
            return 0.5 * loss, None, None
        # G^{PV} = Σ r_t z_t^*, z_t = C y_t + e_1 ε_t
        GV = np.empty((d, 2 * s), dtype=complex)
        GV[:, :s] = np.einsum("njk,nk->jk", R[:, :, :s], cbar[:, :s]) + R[:, :, s].T @ np.conj(x1)
        GV[:, s:] = np.einsum("njk,nk->jk", R[:, :, :s], cbar[:, s:])
        # G^{KQ} = Σ w_t e_t^*, w_t = C ω_t + e_1 η_t, e_t = C λ^t
        NC = np.concatenate([N * cbar[:, None, :s], N * cbar[:, None, s:]], axis=2)  # [N; ν] C^*
        GK = np.empty((2 * s, 2 * s), dtype=complex)
        GK[:s] = np.einsum("nj,njb->jb", c[:, :s], NC[:, :s]) + x1.T @ NC[:, s]
        GK[s:] = np.einsum("nj,njb->jb", c[:, s:], NC[:, :s])
        return 0.5 * loss, GK, GV

    def _separable(self, blk, part, Khat, kappa, Vt, v1, R, N, gradient) -> float:
        """Σ‖r_t‖² and (R, N) with G_t = I + (A − D_t B D_t^*)/(t − 1).  Per sequence, with Λ the
        s×(T−2) block of λ^t, Λ' = Λ/(t−1), ∘ elementwise, E the d×s embedding of the
        coordinates S and Z = B(Λ̄ ∘ K̂Λ):

            Y = K̂Λ + (AK̂)Λ' − Λ'∘Z,   r = M F,   F = [Λ; Λ'; Λ'∘Z],
            M = [Ṽ K̂ − E diag(x_1),  Ṽ A K̂ + v_1 κ^T,  −Ṽ];
            [ρ_1 ρ_2 ρ_3] = r F^*:  R = [ρ_1 K̂^* + ρ_2 (AK̂)^* − ρ_3,  ρ_2 κ̄],
            N = [Ṽ^*ρ_1 + A Ṽ^*ρ_2 − Q;  v_1^* ρ_2],   Q = (Λ'∘Z') Λ^*,  Z' = B(Λ̄ ∘ Ṽ^* r).

        The loop over blocks of sequences stores H = [F r̄^T, Λ conj(Λ'∘Z')^T] = [ρ^*, Q^*];
        R and N follow from H by s×s products.
        """
        s, d, P, n = len(blk.S), self.d, self.T - 2, part.stop - part.start
        A, B, powers = blk.A[part], blk.B[part], blk.powers[part]
        KK = np.empty((n, s, 2 * s), dtype=complex)  # [K̂, AK̂]
        KK[:, :, :s] = Khat
        np.matmul(A, Khat, out=KK[:, :, s:])
        M = np.empty((n, d, 3 * s), dtype=complex)
        np.matmul(Vt, KK, out=M[:, :, :2 * s])
        M[:, blk.S, np.arange(s)] -= blk.x1[part]
        M[:, :, s:2 * s] += v1[:, :, None] * kappa[:, None, :]
        np.negative(Vt, out=M[:, :, 2 * s:])
        Vh = np.conj(np.swapaxes(Vt, 1, 2))
        H = np.empty((n, 3 * s, d + s), dtype=complex)  # [ρ^*, Q^*] (rows s.. of the Q^* half unused)
        F = np.empty((min(self.chunk, n), 3 * s, P), dtype=complex)
        loss = 0.0
        for start in range(0, n, self.chunk):
            b = slice(start, start + self.chunk)
            Fb = F[: min(self.chunk, n - start)]
            L, Li = Fb[:, :s], Fb[:, s:2 * s]
            L[...] = powers[b]
            np.multiply(L, self.inv, out=Li)
            Lbar = np.conj(L)
            W = Khat[b] @ L
            W *= Lbar
            np.multiply(Li, B[b] @ W, out=Fb[:, 2 * s:])
            r = M[b] @ Fb
            rv = r.reshape(-1).view(np.float64)
            loss += float(np.einsum("i,i->", rv, rv))  # not BLAS: a threaded dot stalls on a busy machine
            if not gradient:
                continue
            W = Vh[b] @ r
            W *= Lbar
            W = B[b] @ W
            W *= Li
            np.conj(W, out=W)
            np.conj(r, out=r)
            np.matmul(Fb, np.swapaxes(r, 1, 2), out=H[b, :, :d])
            np.matmul(L, np.swapaxes(W, 1, 2), out=H[b, :s, d:])
        if gradient:
            # R^* = [K̂ ρ_1^* + AK̂ ρ_2^* − ρ_3^*; κ^T ρ_2^*],  N^* = [ρ_1^* Ṽ + ρ_2^* Ṽ A^* − Q^*, ρ_2^* v_1]
            Rh = KK @ H[:, :2 * s, :d]
            Rh -= H[:, 2 * s:, :d]
            R[:, :, :s] = np.conj(np.swapaxes(Rh, 1, 2))
            R[:, :, s] = np.conj(np.einsum("nk,nkj->nj", kappa, H[:, s:2 * s, :d]))
            T = H[:, :2 * s, :d] @ Vt
            Nh = T[:, s:] @ np.conj(np.swapaxes(A, 1, 2))
            Nh += T[:, :s]
            Nh -= H[:, :s, d:]
            N[:, :s] = np.conj(np.swapaxes(Nh, 1, 2))
            N[:, s] = np.conj(np.einsum("nkj,nj->nk", H[:, s:2 * s, :d], v1))
        return loss

    def _running(self, blk, part, Khat, kappa, Vt, v1, R, N, gradient) -> float:
        """Σ‖r_t‖² and (R, N) with the running sums G_t = g_t/(t − 1) of `_phase_gram`: one s×s
        product per (sequence, t)."""
        s, n = len(blk.S), part.stop - part.start
        Kall = np.concatenate([Khat, kappa[:, None, :]], axis=1)  # [K̂; κ]
        Vall = np.concatenate([Vt, v1[:, :, None]], axis=2)  # [Ṽ, v_1]
        Vall_h = np.conj(np.swapaxes(Vall, 1, 2))
        x1, powers, g_all = blk.x1[part], blk.powers[part], blk.g[part.start - blk.n_far:]
        loss = 0.0
        for start in range(0, n, self.chunk):
            b = slice(start, start + self.chunk)
            g, L = g_all[b], powers[b]
            SE = Kall[b] @ L  # [C^* q_t; e_1^* q_t]
            Y = np.empty_like(SE)
            Y[:, :s] = _times_gram(g, SE[:, :s])
            np.multiply(SE[:, s:], self.inv, out=Y[:, s:])
            r = Vall[b] @ Y
            r[:, blk.S] -= x1[b, :, None] * L  # x_{t+1} = λ^t ∘ x_1
            rv = r.reshape(-1).view(np.float64)
            loss += float(np.einsum("i,i->", rv, rv))
            if not gradient:
                continue
            R[b] = r @ np.conj(np.swapaxes(Y, 1, 2))
            U = Vall_h[b] @ r  # [Ṽ^* r_t; v_1^* r_t]
            U[:, :s] = _times_gram(g, U[:, :s])
            U[:, s:] *= self.inv
            N[b] = U @ np.conj(np.swapaxes(L, 1, 2))
        return loss


# ---------------------------------------------------------------- step size
def top_curvature(loss_fn: EmpiricalLoss, K: np.ndarray, V: np.ndarray, iters: int = 30, seed: int = 0) -> float:
    """Largest eigenvalue (in modulus) of the Hessian of L̂ in the real parameters at (K, V), by
    power iteration on forward differences of the gradient, Hv ≈ (G(θ + hv) − G(θ))/h with
    error O(h) = O(1e-5) relative, far below what a step size needs (GD is stable for
    lr < 2/this); one gradient per iteration and one at θ."""
    rng = np.random.default_rng(seed)
    vK = rng.standard_normal(K.shape) + 1j * rng.standard_normal(K.shape)
    vV = rng.standard_normal(V.shape) + 1j * rng.standard_normal(V.shape)
    h = 1e-5 * max(np.sqrt(np.sum(np.abs(K) ** 2) + np.sum(np.abs(V) ** 2)), 1.0)
    _, gK0, gV0 = loss_fn(K, V)
    value = 0.0
    for _ in range(iters):
        norm = np.sqrt(np.sum(np.abs(vK) ** 2) + np.sum(np.abs(vV) ** 2))
        vK, vV = vK / norm, vV / norm
        _, gK1, gV1 = loss_fn(K + h * vK, V + h * vV)
        hK, hV = (gK1 - gK0) / h, (gV1 - gV0) / h
        # G = ∂/∂Re + i∂/∂Im, so the real inner product of v with Hv is Re Σ conj(v)·(Hv)
        value = float(np.vdot(vK, hK).real + np.vdot(vV, hV).real)
        vK, vV = hK, hV
    return abs(value)


# ---------------------------------------------------------------- training
@dataclass
class History:
    """Per-epoch read-outs of a run (index 0 is the initial point)."""

    ab: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    ratio: list = field(default_factory=list)
    test_error: list = field(default_factory=list)
    offdiag: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: list(map(float, getattr(self, k))) for k in ("ab", "loss", "ratio", "test_error", "offdiag")}


def train(
    loss_fn: EmpiricalLoss,
    K: np.ndarray,
    V: np.ndarray,
    lr: float,
    epochs: int,
    *,
    mask: bool = False,
    test: TestSet | None = None,
    progress: Callable[[int, int, float], None] | None = None,
):
    """Plain gradient descent W ← W − lr·G for `epochs` steps; returns (K, V, History).

    Raises TrainingDiverged, naming the epoch, when the loss is not finite or grew GROWTH-fold.
    """
    K, V = K.astype(complex).copy(), V.astype(complex).copy()
    MK, MV = offdiagonal_mask(loss_fn.d) if mask else (1.0, 1.0)
    hist = History()

    def record(loss):
        hist.ab.append(ab(K, V))
        hist.loss.append(loss)
        hist.offdiag.append(offdiagonal_norm(K, V))
        if test is not None:
            ratio, err = test.readout(K, V)
            hist.ratio.append(ratio)
            hist.test_error.append(err)

    for epoch in range(epochs + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below
            loss, GK, GV = loss_fn(K, V, gradient=epoch < epochs)
        finite = math.isfinite(loss) and np.isfinite(K).all() and np.isfinite(V).all()
        if epoch == 0 and not finite:
            raise TrainingDiverged("the training loss is not finite at the initial point (epoch 0): the "
                                   "initialisation or the data are too large for float64; no step was taken")
        if epoch > 0 and (not finite or 0 < GROWTH * hist.loss[0] < loss):
            raise TrainingDiverged(
                f"the training loss grew from {hist.loss[0]:.3g} to {loss:.3g} (beyond {GROWTH:g} times, or not "
                f"finite) at epoch {epoch} (learning rate {lr:g}); try a smaller rate, e.g. --lr {lr / 10:g}")
        record(loss)
        if progress is not None:
            progress(epoch, epochs, loss)
        if epoch < epochs:
            K -= lr * MK * GK
            V -= lr * MV * GV
    return K, V, hist
