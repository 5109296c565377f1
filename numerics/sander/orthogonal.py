"""[S] §3.2 numerically, orthogonal case: W = blockdiag(R(φ_1), …, R(φ_{d/2})), s_1 = 𝟙, real tokens.

Tokens are built by repeated multiplication by the real rotation matrix W.
In block i every coordinate of ŝ_{T+1} − s_{T+1} is a trigonometric
polynomial of degree ≤ 3T − 4 in φ_i and ≤ 2T − 3 in every other φ_{i'} (3T − 3 and
2T − 2 with the query s_T), so its square has degree ≤ 6T − 6 per angle and the
average over N = 6T equally spaced angles per block is the exact average over the torus.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import mpmath
import numpy as np

from mesaverify.numerics.memo import memo
from mesaverify.numerics.sander import nonaugmented as nonaug


def rotation(phi: np.ndarray) -> np.ndarray:
    """blockdiag(R(φ_1), …) for each row of φ: (n, d, d), R(φ) = [[cos φ, −sin φ], [sin φ, cos φ]]."""
    n, b = phi.shape
    W = np.zeros((n, 2 * b, 2 * b))
    c, s = np.cos(phi), np.sin(phi)
    for i in range(b):
        W[:, 2 * i, 2 * i], W[:, 2 * i, 2 * i + 1] = c[:, i], -s[:, i]
        W[:, 2 * i + 1, 2 * i], W[:, 2 * i + 1, 2 * i + 1] = s[:, i], c[:, i]
    return W


def angles(d: int, T: int) -> np.ndarray:
    """The exact quadrature grid: all (d/2)-tuples of the N = 6T angles 2πn/N."""
    N = 6 * T
    return np.array(list(itertools.product(2 * np.pi * np.arange(N) / N, repeat=d // 2)))


def tokens(W: np.ndarray, T: int) -> np.ndarray:
    """s_1..s_{T+1}: (n, T+1, d), s_1 = 𝟙, s_{t+1} = W s_t (W: (n, d, d), any real matrices)."""
    n, d, _ = W.shape
    s = np.empty((n, T + 1, d))
    s[:, 0] = 1.0
    for i in range(T):
        s[:, i + 1] = np.einsum("nij,nj->ni", W, s[:, i])
    return s


def grid_tokens(d: int, T: int) -> np.ndarray:
    return tokens(rotation(angles(d, T)), T)


@memo
def train(d: int, H: int, T: int, starts: int = 3, seed: int = 0):
    """L-BFGS on (A_h, B_h, p) from random starts, exact quadrature; best (L, A, B, p)."""
    return nonaug.train_on(grid_tokens(d, T), d, H, T, starts=starts, seed=seed)


@lru_cache(maxsize=None)
def _grid_tokens_mp(d: int, T: int, dps: int, unit: bool = False, lag: int = 1):
    """Per point of the exact angle grid at `dps` digits: (s_1..s_{T+1}, u) with u[n][c] = s_{T−lag,c} s_{n+1,c} (the
    attended products, shared by every C and p); and the number of grid points.  s_1 = 𝟙, or 𝟙/√d if `unit`."""
    with mpmath.workdps(dps):
        N = 6 * T
        grid = [2 * mpmath.pi * q / N for q in range(N)]
        start = mpmath.mpf(1) / mpmath.sqrt(d) if unit else mpmath.mpf(1)
        out = []
        for phi in itertools.product(grid, repeat=d // 2):
            s = [[start] * d]
            for _ in range(T):
                prev, nxt = s[-1], [None] * d
                for i, f in enumerate(phi):
                    c, sn = mpmath.cos(f), mpmath.sin(f)
                    nxt[2 * i] = c * prev[2 * i] - sn * prev[2 * i + 1]
                    nxt[2 * i + 1] = sn * prev[2 * i] + c * prev[2 * i + 1]
                s.append(nxt)
            out.append((s, [[s[T - 1 - lag][c] * s[n][c] for c in range(d)] for n in range(T)]))
        return tuple(out), N ** (d // 2)


@memo
def loss_mp(C, p, d: int, dps: int, unit: bool = False, lag: int = 1):
    """The population loss at C (d×d) and p (length T) at `dps` digits: exact quadrature, model by definition.

    ŝ_{T+1,k} = Σ_n p_n (Σ_c C_kc s_{T−lag,c} s_{n,c}) s_{n,k} (query s_{T−1} by default, s_T with lag = 0), s_1 = 𝟙
    (𝟙/√d if `unit`); the tokens of the grid are computed once per (d, T, dps, unit, lag)."""
    T = len(p)
    with mpmath.workdps(dps):
        grid, count = _grid_tokens_mp(d, T, dps, unit, lag)
        total = mpmath.mpf(0)
        for s, u in grid:
            for k in range(d):
                pred = mpmath.fsum(p[n] * mpmath.fdot(C[k], u[n]) * s[n][k] for n in range(T))
                total += (pred - s[T][k]) ** 2
        return total / count
