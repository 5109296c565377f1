"""[S] §3.3 numerically: non-commuting orthogonal W (Haar on O(d)), both token settings.

Nothing here is derived: W is sampled from Haar measure on O(d) (QR of a
Gaussian matrix, signs fixed by the diagonal of R), the models are trained by
L-BFGS on the empirical loss of a fixed Monte Carlo sample (full-batch
Monte Carlo gradient descent), and every loss is reported on an independent
test sample with its standard error.  The commuting-case minimiser is passed
in as parameters and evaluated on the same test sample, so that the gap is a
paired difference with its own standard error.
"""
from __future__ import annotations

import numpy as np

from mesaverify.numerics.memo import memo
from mesaverify.numerics.sander import augmented as aug
from mesaverify.numerics.sander import nonaugmented as nonaug
from mesaverify.numerics.sander import orthogonal as ortho


def haar_orthogonal(n: int, d: int, rng) -> np.ndarray:
    """n Haar-distributed matrices of O(d): Q from QR of a standard Gaussian, columns signed by diag(R)."""
    Z = rng.standard_normal((n, d, d))
    Q, R = np.linalg.qr(Z)
    return Q * np.sign(np.diagonal(R, axis1=1, axis2=2))[:, None, :]


def commuting_orthogonal(n: int, d: int, rng) -> np.ndarray:
    """n matrices blockdiag(R(φ_1), …) with φ_i uniform (the commuting orthogonal family)."""
    return ortho.rotation(rng.uniform(0, 2 * np.pi, (n, d // 2)))


def phased_s1(n: int, d: int, rng) -> np.ndarray:
    """s_1 with i.i.d. uniform phases and |s_1k| = 1/√d."""
    return np.exp(2j * np.pi * rng.uniform(size=(n, d))) / np.sqrt(d)


def aug_sequences(W: np.ndarray, s1: np.ndarray, T: int) -> np.ndarray:
    s = np.empty((len(W), T + 1, W.shape[1]), dtype=complex)
    s[:, 0] = s1
    for i in range(T):
        s[:, i + 1] = np.einsum("nij,nj->ni", W, s[:, i])
    return s


def aug_per_sample(A, B, s, T) -> np.ndarray:
    """‖ŝ_{T+1} − s_{T+1}‖² per sequence, augmented model (1/T) B G A s_T."""
    G = aug.context_matrix(s, T)
    r = np.einsum("nij,nj->ni", G, s[:, T - 1] @ A.T) @ B.T / T - s[:, T]
    return np.sum(abs(r) ** 2, 1)


def nonaug_per_sample(Ah, Bh, p, s, T) -> np.ndarray:
    """‖ŝ_{T+1} − s_{T+1}‖² per sequence, non-augmented multi-head model."""
    q, ctx = s[:, T - 2].conj(), s[:, :T]
    score = np.einsum("nj,hj,ntj->nth", q, Ah, ctx)
    pred = np.einsum("t,nth,hk,ntk->nk", p, score, Bh, ctx)
    return np.sum(abs(pred - s[:, T]) ** 2, 1)


def mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(len(x)))


@memo
def gap_augmented(g_star: float, d: int, T: int, seeds, n_train: int, n_test: int):
    """Per seed: (trained loss, commuting-minimiser loss, paired gap) on Haar W, each (mean, se).

    Commuting minimiser: A = I, B = g* I.  s_1 with uniform phases, |s_1k| = 1/√d.
    """
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        s = aug_sequences(haar_orthogonal(n_train, d, rng), phased_s1(n_train, d, rng), T)
        _, A, B = aug.train(s, np.full(n_train, 1.0 / n_train), T, d, starts=1, seed=seed)
        test = aug_sequences(haar_orthogonal(n_test, d, rng), phased_s1(n_test, d, rng), T)
        trained = aug_per_sample(A, B, test, T)
        commuting = aug_per_sample(np.eye(d), g_star * np.eye(d), test, T)
        out.append((mean_se(trained), mean_se(commuting), mean_se(commuting - trained)))
    return out


@memo
def commuting_check_augmented(g_star: float, d: int, T: int, n: int, seed: int):
    """The commuting minimiser's loss on the commuting unitary family W = diag(λ): (mean, se)."""
    rng = np.random.default_rng(seed)
    lam = np.exp(2j * np.pi * rng.uniform(size=(n, d)))
    W = lam[:, :, None] * np.eye(d)[None]
    s = aug_sequences(W, phased_s1(n, d, rng), T)
    return mean_se(aug_per_sample(np.eye(d), g_star * np.eye(d), s, T))


@memo
def gap_nonaugmented(Ah0, Bh0, p0, d: int, T: int, seeds, n_train: int, n_test: int):
    """Per seed: (trained, commuting-minimiser, paired gap) on Haar W, s_1 = 𝟙, H = len(Ah0) heads."""
    H = len(Ah0)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        s = ortho.tokens(haar_orthogonal(n_train, d, rng), T)
        _, Ah, Bh, p = nonaug.train_on(s, d, H, T, starts=1, seed=seed)
        test = ortho.tokens(haar_orthogonal(n_test, d, rng), T)
        trained = nonaug_per_sample(Ah, Bh, p, test, T)
        commuting = nonaug_per_sample(Ah0, Bh0, p0, test, T)
        out.append((mean_se(trained), mean_se(commuting), mean_se(commuting - trained)))
    return out


@memo
def commuting_check_nonaugmented(Ah0, Bh0, p0, d: int, T: int, n: int, seed: int):
    """The commuting minimiser's loss on commuting orthogonal W (sampled angles): (mean, se)."""
    rng = np.random.default_rng(seed)
    s = ortho.tokens(commuting_orthogonal(n, d, rng), T)
    return mean_se(nonaug_per_sample(Ah0, Bh0, p0, s, T))
