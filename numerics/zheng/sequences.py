"""[Z]'s sequences x_{t+1} = W x_t (W = diag(e^{iθ}), i.i.d. uniform phases), their tokens e_t = (x_t; x_{t−1}),
the initialisations of (W^{KQ}, W^{PV}) and the read-outs of a parameter point (ab, off-diagonal mass)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# ---------------------------------------------------------------- data: x_{t+1} = W x_t
@dataclass(frozen=True)
class Sequences:
    """m sequences x_t = W^{t−1} x_1, W = diag(exp(iθ)), with the draws that made them."""

    x1: np.ndarray  # (m, d) complex
    theta: np.ndarray  # (m, d) phases in [0, 2π)
    T: int

    @property
    def m(self) -> int:
        return self.x1.shape[0]

    @property
    def d(self) -> int:
        return self.x1.shape[1]

    def tokens(self) -> np.ndarray:
        """x_1..x_T as an (m, T, d) array; λ^{t−1} from the phase, not by repeated products."""
        powers = np.exp(1j * self.theta[:, None, :] * np.arange(self.T)[None, :, None])
        return self.x1[:, None, :] * powers

    def slice(self, start: int, stop: int) -> "Sequences":
        return Sequences(self.x1[start:stop], self.theta[start:stop], self.T)


def draw_sequences(x1: np.ndarray, T: int, rng: np.random.Generator) -> Sequences:
    """Attach i.i.d. uniform phases θ_j ∈ [0, 2π) to given initial tokens x_1."""
    if T < 3:
        raise ValueError(f"horizon must be >= 3, got T = {T}")
    x1 = np.asarray(x1, dtype=complex)
    return Sequences(x1, rng.uniform(0.0, 2 * np.pi, size=x1.shape), T)


def phase_grid(points: np.ndarray, T: int) -> Sequences:
    """Every support point with every θ ∈ {2πj/N}^d, N = 3T: the mean over this set of any
    function of degree < N in each λ_j equals its expectation over uniform phases.

    ŷ_t − x_{t+1} has degrees in [−(T−1), 2(T−1)] in each λ_j, so ‖ŷ_t − x_{t+1}‖² and its
    gradient have degrees of modulus ≤ 3(T − 1) < N: on this set (with equal weights on the
    points) L̂ is the population loss L of the finite law, for every parameter value.
    """
    points = np.asarray(points, dtype=complex)
    N, d = 3 * T, points.shape[1]
    grid = np.stack(np.meshgrid(*[2 * np.pi * np.arange(N) / N] * d, indexing="ij"), -1).reshape(-1, d)
    x1 = np.repeat(points, len(grid), axis=0)
    return Sequences(x1, np.tile(grid, (len(points), 1)), T)


def sample_finite(points: np.ndarray, probs: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """m i.i.d. draws of x_1 from a law with finite support (rows of `points`)."""
    return np.asarray(points, dtype=complex)[rng.choice(len(probs), size=m, p=probs)]


def embed(X: np.ndarray) -> np.ndarray:
    """e_t = (x_t ; x_{t−1}) with x_0 = 0: (m, T, d) → (m, T, 2d)."""
    m, T, d = X.shape
    E = np.zeros((m, T, 2 * d), dtype=complex)
    E[:, :, :d] = X
    E[:, 1:, d:] = X[:, :-1]
    return E


# ---------------------------------------------------------------- parameters
def gaussian_init(d: int, std: float, rng: np.random.Generator, complex_: bool = False):
    """Every entry i.i.d. N(0, std²) (real), or CN(0, std²) with complex_."""
    def draw(shape):
        if complex_:
            return std * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
        return std * rng.standard_normal(shape) + 0j
    return draw((2 * d, 2 * d)), draw((d, 2 * d))


def diagonal_entries(K: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a_k, b_k) = (W^{KQ}_{d+k,k}, W^{PV}_{k,k}), the entries that carry the diagonal family."""
    d = V.shape[0]
    return np.diagonal(K[d:, :d]).copy(), np.diagonal(V[:, :d]).copy()


def ab(K: np.ndarray, V: np.ndarray) -> float:
    """Mean over k of a_k b_k (real part; the imaginary part stays 0 from a real start)."""
    a, b = diagonal_entries(K, V)
    return float(np.mean(a * b).real)


def offdiagonal_norm(K: np.ndarray, V: np.ndarray) -> float:
    """Frobenius norm of every entry of (W^{KQ}, W^{PV}) except the a_k and b_k."""
    d = V.shape[0]
    K, V = K.copy(), V.copy()
    K[d + np.arange(d), np.arange(d)] = 0
    V[np.arange(d), np.arange(d)] = 0
    return float(np.sqrt(np.sum(np.abs(K) ** 2) + np.sum(np.abs(V) ** 2)))


def offdiagonal_mask(d: int) -> tuple[np.ndarray, np.ndarray]:
    """1 everywhere but the off-diagonal entries of the blocks W^{KQ}_{21} and W^{PV}_1 (set to 0)."""
    MK = np.ones((2 * d, 2 * d))
    MV = np.ones((d, 2 * d))
    MK[d:, :d] = np.eye(d)
    MV[:, :d] = np.eye(d)
    return MK, MV
