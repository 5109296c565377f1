"""The [Z] population loss and gradient for one fixed batch of x_1 (support points or samples), many parameters.

A gradient flow or a training run evaluates L(W^{KQ}, W^{PV}) and ∇L thousands of times on the same points: the
characters of ŷ_t, the monomials of x_1 each term carries and the 0/1 matrices that gather terms by character
and scatter them back onto parameter entries depend on the points only, so `Batch` builds them once, for every
context length t = 2..T−1 together (the characters of different t are kept apart).  The arithmetic is that of
`population.loss_and_gradient` (the model's definition, phases averaged exactly by characters); only the
order of the float64 sums differs.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from mesaverify.numerics.zheng.population import characters

DENSE = 4_000_000  # gather and scatter matrices with at most this many entries are held dense


def _matrix(rows, cols, shape):
    m = sparse.csr_matrix((np.ones(len(rows), dtype=complex), (rows, cols)), shape=shape)
    return m.toarray() if shape[0] * shape[1] <= DENSE else m


class Batch:
    """L = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] and its gradient over fixed points x (n, d) with weights (n,)."""

    def __init__(self, x, weights, T: int):
        self.x, self.weights, self.T = np.asarray(x), np.asarray(weights), T
        d = self.d = self.x.shape[1]
        parts = {key: [] for key in ("s", "j", "r", "ms", "mj", "mr", "group", "scale")}
        targets, offset = [], 0
        for t in range(2, T):
            ch = characters(d, t)
            for key in ("s", "j", "r", "ms", "mj", "mr"):
                parts[key].append(getattr(ch, key))
            parts["group"].append(ch.group + offset)
            parts["scale"].append(np.full(len(ch.s), 1.0 / (t - 1)))
            targets.append(ch.target + offset)
            offset += ch.n_groups
        order = np.argsort(np.concatenate(parts["group"]), kind="stable")  # terms of one character adjacent
        s, j, r, ms, mj, mr, group, scale = (np.concatenate(parts[key])[order] for key in parts)
        n = len(s)
        self.j, self.r, self.s, self.group = j, r, s, group
        self.starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])  # every character has a term
        if len(self.starts) != offset:
            raise AssertionError("a character of ŷ_t without a term")
        self.targets = np.stack(targets)  # (positions, d): the character of x_{t+1,k}
        self.X = self.x[:, ms].T * np.conj(self.x[:, mj].T) * self.x[:, mr].T * scale[:, None]  # (terms, samples)
        self.value_scatter = _matrix(s, np.arange(n), (2 * d, n))
        self.score_scatter = _matrix(j * 2 * d + r, np.arange(n), (4 * d * d, n))

    def __call__(self, K, V, gradient: bool = True):
        """(L, ∂L/∂Re + i ∂L/∂Im of W^{KQ}, of W^{PV}, the per-sample loss), float64."""
        d, x, w = self.d, self.x, self.weights
        samples = len(x)
        P = K[self.j, self.r][:, None] * self.X  # (terms, samples), each term over t − 1
        Vs = V[:, self.s]  # (d, terms)
        terms = P.shape[0]
        stacked = (Vs[:, :, None] * P[None]).transpose(1, 0, 2).reshape(terms, d * samples)
        c = np.add.reduceat(stacked, self.starts, axis=0).reshape(-1, d, samples).transpose(1, 0, 2)  # (d, chars, samples)
        for k in range(d):
            c[k, self.targets[:, k], :] -= x[:, k]
        per_sample = 0.5 * np.sum(np.abs(c) ** 2, axis=(0, 1))
        if not gradient:
            return float(per_sample @ w), None, None, per_sample
        cg = c[:, self.group, :]  # (d, terms, samples)
        gV = (self.value_scatter @ ((np.conj(P)[None] * cg) @ w).T).T
        mix = (np.conj(Vs)[:, :, None] * cg).sum(axis=0)
        gK = self.score_scatter @ ((np.conj(self.X) * mix) @ w)
        return float(per_sample @ w), gK.reshape(2 * d, 2 * d), gV, per_sample
