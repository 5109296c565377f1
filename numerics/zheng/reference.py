"""[Z] §1, transcribed: the empirical loss and gradient with E_t E_t^* built for every t.

The benchmark's reference and the trainer's independent witness: no running
sums, no cache — for each t the matrix E_t = [e_1, …, e_t] is formed and
multiplied out, O(m·T²·d²) per epoch.  Same conventions as train.py:
L̂ = (1/m) Σ_n Σ_{t=2}^{T−1} ½‖ŷ_t − x_{t+1}‖², G = ∂/∂Re + i ∂/∂Im.
"""
from __future__ import annotations

import numpy as np

from mesaverify.numerics.zheng.train import Sequences, embed


def loss_and_gradient(K: np.ndarray, V: np.ndarray, seqs: Sequences):
    """(L̂, G^{KQ}, G^{PV}) straight from ŷ_t = W^{PV} E_t E_t^* W^{KQ} e_t / (t − 1)."""
    X = seqs.tokens()
    E = embed(X)  # (m, T, 2d)
    m = seqs.m
    loss = 0.0
    GK = np.zeros_like(K, dtype=complex)
    GV = np.zeros_like(V, dtype=complex)
    for t in range(2, seqs.T):
        Et = np.swapaxes(E[:, :t], 1, 2)  # (m, 2d, t): columns e_1..e_t
        EEh = Et @ np.conj(np.swapaxes(Et, 1, 2))  # E_t E_t^*
        e_t = E[:, t - 1]
        z = np.einsum("nab,nb->na", EEh, e_t @ K.T) / (t - 1)
        r = z @ V.T - X[:, t]
        loss += 0.5 * float(np.vdot(r, r).real)
        w = np.einsum("nab,nb->na", EEh, r @ np.conj(V)) / (t - 1)
        GV += r.T @ np.conj(z)
        GK += w.T @ np.conj(e_t)
    return loss / m, GK / m, GV / m
