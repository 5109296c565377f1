"""Read-outs of a trained model on data: the test-set ratio and error at the last position, and the
empirical minimiser of L̂ on the diagonal family, from x_1 and the phases alone."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mesaverify.numerics.zheng.sequences import Sequences, embed


# ---------------------------------------------------------------- test-set read-out
@dataclass(frozen=True)
class TestSet:
    """The last position t = T−1 of test sequences: S_t/(t − 1), e_t and x_{t+1}, built once."""

    S: np.ndarray  # (n, 2d, 2d)
    e: np.ndarray  # (n, 2d)
    target: np.ndarray  # (n, d)

    @classmethod
    def of(cls, seqs: Sequences) -> "TestSet":
        X = seqs.tokens()
        E = embed(X)[:, : seqs.T - 1]
        S = np.einsum("nia,nib->nab", E, np.conj(E)) / (seqs.T - 2)
        return cls(S, E[:, -1], X[:, -1])

    def readout(self, K: np.ndarray, V: np.ndarray) -> tuple[float, float]:
        """(ratio, error): the mean of Re(ŷ_k/x_k) over coordinates with x_k ≠ 0, and the mean
        of ½‖ŷ_t − x_{t+1}‖² (the per-t loss of [Z], read at the test context t = T−1)."""
        y = np.matmul(self.S, (self.e @ K.T)[..., None])[..., 0] @ V.T
        x = self.target
        nonzero = np.abs(x) > 0
        ratio = float(np.mean((y[nonzero] / x[nonzero]).real)) if nonzero.any() else math.nan
        return ratio, float(np.mean(0.5 * np.sum(np.abs(y - x) ** 2, axis=1)))


# ---------------------------------------------------------------- the empirical limit
def ab_empirical_limit(seqs: Sequences) -> float:
    """The minimiser u of L̂ on the diagonal family, from x_1 and the phases θ alone.

    On the diagonal family ŷ_t = u h_t with h_t = (1/(t−1)) Σ_{i=1}^{t−1} x_{i+1} x_i^* x_t.
    With x_s = diag(λ)^{s−1} x_1, |λ_j| = 1:  x_i^* x_t = Σ_j |x_{1j}|² λ_j^{t−i}, so

        h_{t,k} = x_{1k}/(t−1) Σ_j |x_{1j}|² λ_j^t D_{t−1}(θ_k − θ_j),   D_N(φ) = Σ_{i=1}^N e^{iφ i},

    D_N kept as a running sum over N (no division, exact as φ → 0), and L̂(u) = (1/m) Σ Σ_t ½ ‖u h_t − x_{t+1}‖²
    is a quadratic in u with minimiser u = Re Σ h_t^* x_{t+1} / Σ ‖h_t‖² (x_{t+1,k} = λ_k^t x_{1k}).
    """
    num = den = 0.0
    for start in range(0, seqs.m, 500):
        part = seqs.slice(start, start + 500)
        w = np.abs(part.x1) ** 2  # (n, d)
        step = np.exp(1j * (part.theta[:, :, None] - part.theta[:, None, :]))  # e^{iφ}, φ = θ_k − θ_j: (n, k, j)
        power, kernel = np.ones_like(step), np.zeros_like(step)
        for t in range(2, seqs.T):
            power *= step
            kernel += power  # D_{t−1}(φ)
            lam_t = np.exp(1j * t * part.theta)  # λ^t, (n, d)
            h = part.x1 * np.einsum("nkj,nj->nk", kernel, w * lam_t) / (t - 1)
            target = lam_t * part.x1
            num += float(np.vdot(h, target).real)
            den += float(np.vdot(h, h).real)
    return num / den
