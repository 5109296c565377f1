"""[Z] §3 and Figure 1: plain gradient descent on the empirical loss of the full model.

The model is ŷ_t = W^{PV} S_t W^{KQ} e_t / (t − 1) with S_t = E_t E_t^* = Σ_{i≤t} e_i e_i^*
(SPEC §1).  The empirical loss is the population loss with the expectation
replaced by the mean over the m training sequences,

    L̂(W^{KQ}, W^{PV}) = (1/m) Σ_n Σ_{t=2}^{T−1} ½ ‖ŷ_t^{(n)} − x_{t+1}^{(n)}‖²,

a sum over t as in L, so one step of size `lr` advances the gradient flow of
L̂ by τ = lr (no further factor).  Complex parameters are pairs of real ones:
the gradient is G = ∂L̂/∂Re W + i ∂L̂/∂Im W, and a step is W ← W − lr·G.

With r_t = ŷ_t − x_{t+1}, z_t = S_t W^{KQ} e_t/(t − 1) and
w_t = S_t W^{PV*} r_t/(t − 1) (S_t is Hermitian), the chain rule gives

    G^{PV} = (1/m) Σ r_t z_t^*,    G^{KQ} = (1/m) Σ w_t e_t^*.

S_t is a running sum over the context (causal linear attention) and does not
depend on the parameters; for the tokens of SPEC §1 it is e_1 e_1^* plus a
d×d running sum g_t of phases (see EmpiricalLoss), accumulated once per data
set, so an epoch costs O(m·T·d²) against O(m·T²·d) for attention scores.
numerics/zheng/reference.py transcribes the definition (E_t E_t^* for every t).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from numerics.zheng.flow import diagonal_init  # noqa: F401  ([Z] Assumption 3.1, said once)

# S_t is cached when it fits in this many bytes, else recomputed every epoch.
CACHE_BYTES = 2 * 1024**3
CHUNK = 25  # sequences per block of work (keeps the working set in cache)


class TrainingDiverged(ArithmeticError):
    """The empirical loss became non-finite (the learning rate is too large)."""


# ---------------------------------------------------------------- data (SPEC §1)
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


# ---------------------------------------------------------------- loss and gradient
def _phase_gram(powers: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """g_t/(t − 1), g_t = Σ_{i=2}^{t} λ^i (λ^i)^* a running (cumulative) sum over t: (n, d, d, P)."""
    g = powers[:, :, None, :] * np.conj(powers[:, None, :, :])
    np.cumsum(g, axis=3, out=g)
    g *= inv
    return g


def _times_gram(g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(g_t/(t − 1)) v_t for every sequence and t: one d×d product per (sequence, t)."""
    out = g[:, :, 0, :] * v[:, None, 0, :]
    for k in range(1, g.shape[2]):
        out += g[:, :, k, :] * v[:, None, k, :]
    return out


class EmpiricalLoss:
    """L̂ and its gradient on a fixed training set of SPEC §1 sequences, O(m·T·d²) per call.

    With C = [diag(c_top); diag(c_bot)] (2d×d per sequence), every e_t, t ≥ 2, is C λ^t and
    e_1 = (x_1 ; 0), so the running sum is S_t = e_1 e_1^* + C g_t C^*.  Hence, with
    q_t = W^{KQ} e_t, u_t = W^{PV*} r_t:

        C^* q_t = K̂ λ^t,  e_1^* q_t = κ·λ^t      (K̂ = C^* W^{KQ} C, κ = C^T W^{KQ,T}_{top} x̄_1),
        z_t = S_t q_t/(t−1) = C y_t + e_1 ε_t,    y_t = (g_t/(t−1)) K̂ λ^t,  ε_t = κ·λ^t/(t−1),
        ŷ_t = W^{PV} z_t = Ṽ y_t + v_1 ε_t        (Ṽ = W^{PV} C, v_1 = W^{PV}_{:,1..d} x_1),
        C^* u_t = Ṽ^* r_t,  e_1^* u_t = v_1^* r_t,
        G^{PV} = Σ r_t z_t^*,  G^{KQ} = Σ (C ω_t + e_1 η_t) λ^{t*} C^*,  ω_t = (g_t/(t−1)) Ṽ^* r_t,
        η_t = v_1^* r_t/(t−1).

    Per (sequence, t) only the two products with g_t/(t−1) are d×d; everything else is a
    product of per-sequence d×d matrices with the d×(T−2) block of powers λ^t.
    """

    def __init__(self, seqs: Sequences, chunk: int = CHUNK, cache_bytes: int = CACHE_BYTES):
        self.seqs, self.m, self.d, self.T, self.chunk = seqs, seqs.m, seqs.d, seqs.T, chunk
        t = np.arange(2, self.T)
        self.inv = 1.0 / (t - 1)
        self.x1 = seqs.x1
        back = np.exp(-1j * seqs.theta)
        self.c = np.concatenate([seqs.x1 * back, seqs.x1 * back**2], axis=1)  # (m, 2d)
        self.powers = np.exp(1j * seqs.theta[:, :, None] * t[None, None, :])  # (m, d, P): λ^t
        self.powers_h = np.conj(np.swapaxes(self.powers, 1, 2)).copy()  # (m, P, d)
        self.target = seqs.x1[:, :, None] * self.powers  # x_{t+1} = λ^t ∘ x_1
        cache = seqs.m * (self.T - 2) * self.d**2 * 16 <= cache_bytes
        self.g = _phase_gram(self.powers, self.inv) if cache else None

    def __call__(self, K: np.ndarray, V: np.ndarray, gradient: bool = True):
        """(L̂, G^{KQ}, G^{PV}); G = ∂/∂Re + i ∂/∂Im, so gradient descent is W ← W − lr·G."""
        d, m, P = self.d, self.m, self.T - 2
        c, cbar, x1 = self.c, np.conj(self.c), self.x1
        # per sequence: [K̂; κ] (d+1 × d) and [Ṽ, v_1] (d × d+1)
        Kc = cbar[:, :, None] * K[None] * c[:, None, :]
        Kall = np.empty((m, d + 1, d), dtype=complex)
        Kall[:, :d] = Kc[:, :d, :d] + Kc[:, :d, d:] + Kc[:, d:, :d] + Kc[:, d:, d:]
        kq = (np.conj(x1) @ K[:d]) * c
        Kall[:, d] = kq[:, :d] + kq[:, d:]
        Vc = V[None] * c[:, None, :]
        Vall = np.empty((m, d, d + 1), dtype=complex)
        Vall[:, :, :d] = Vc[:, :, :d] + Vc[:, :, d:]
        Vall[:, :, d] = x1 @ V[:, :d].T
        Vall_h = np.conj(np.swapaxes(Vall, 1, 2))
        R = np.empty((m, d, d + 1), dtype=complex)  # Σ_t r_t [y_t; ε_t]^*
        N = np.empty((m, d + 1, d), dtype=complex)  # Σ_t [ω_t; η_t] λ^{t*}
        loss = 0.0
        for s in range(0, m, self.chunk):
            b = slice(s, s + self.chunk)
            g = self.g[b] if self.g is not None else _phase_gram(self.powers[b], self.inv)
            SE = Kall[b] @ self.powers[b]  # [C^* q_t; e_1^* q_t]
            Y = np.empty_like(SE)
            Y[:, :d] = _times_gram(g, SE[:, :d])
            np.multiply(SE[:, d:], self.inv, out=Y[:, d:])
            r = Vall[b] @ Y
            r -= self.target[b]
            loss += 0.5 * float(np.vdot(r, r).real)
            if not gradient:
                continue
            R[b] = r @ np.conj(np.swapaxes(Y, 1, 2))
            U = Vall_h[b] @ r  # [Ṽ^* r_t; v_1^* r_t]
            U[:, :d] = _times_gram(g, U[:, :d])
            U[:, d:] *= self.inv
            N[b] = U @ self.powers_h[b]
        if not gradient:
            return loss / m, None, None
        # G^{PV} = Σ r_t z_t^*, z_t = C y_t + e_1 ε_t
        GV = np.concatenate([np.einsum("njk,nk->jk", R[:, :, :d], cbar[:, :d]) + R[:, :, d].T @ np.conj(x1),
                             np.einsum("njk,nk->jk", R[:, :, :d], cbar[:, d:])], axis=1)
        # G^{KQ} = Σ w_t e_t^*, w_t = C ω_t + e_1 η_t, e_t = C λ^t
        N2 = np.tile(N, (1, 1, 2)) * cbar[:, None, :]  # [N; ν] C^*
        GK = np.einsum("na,nab->ab", c, np.tile(N2[:, :d], (1, 2, 1)))
        GK[:d] += x1.T @ N2[:, d]
        return loss / m, GK / m, GV / m


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
def dirichlet(phi: np.ndarray, N: int) -> np.ndarray:
    """Σ_{i=1}^{N} e^{iφ i} = e^{iφ(N+1)/2} sin(Nφ/2)/sin(φ/2), stable as φ → 0 (value N)."""
    half = np.asarray(phi) / 2
    s = np.sin(half)
    small = np.abs(s) < 1e-300
    ratio = np.where(small, N, np.sin(N * half) / np.where(small, 1.0, s))
    return np.exp(1j * half * (N + 1)) * ratio


def ab_empirical_limit(seqs: Sequences) -> float:
    """The minimiser u of L̂ on the diagonal family, from x_1 and the phases θ alone.

    On the diagonal family ŷ_t = u h_t with h_t = (1/(t−1)) Σ_{i=1}^{t−1} x_{i+1} x_i^* x_t.
    With x_s = diag(λ)^{s−1} x_1, |λ_j| = 1:  x_i^* x_t = Σ_j |x_{1j}|² λ_j^{t−i}, so

        h_{t,k} = x_{1k}/(t−1) Σ_j |x_{1j}|² λ_j^t D_{t−1}(θ_k − θ_j),   D_N(φ) = Σ_{i=1}^N e^{iφ i},

    and L̂(u) = (1/m) Σ Σ_t ½ ‖u h_t − x_{t+1}‖² is a quadratic in u with minimiser
    u = Re Σ h_t^* x_{t+1} / Σ ‖h_t‖² (x_{t+1,k} = λ_k^t x_{1k}).
    """
    num = den = 0.0
    for start in range(0, seqs.m, 500):
        part = seqs.slice(start, start + 500)
        w = np.abs(part.x1) ** 2  # (n, d)
        phi = part.theta[:, :, None] - part.theta[:, None, :]  # (n, k, j)
        for t in range(2, seqs.T):
            lam_t = np.exp(1j * t * part.theta)  # λ^t, (n, d)
            h = part.x1 * np.einsum("nkj,nj->nk", dirichlet(phi, t - 1), w * lam_t) / (t - 1)
            target = lam_t * part.x1
            num += float(np.vdot(h, target).real)
            den += float(np.vdot(h, h).real)
    return num / den


# ---------------------------------------------------------------- step size
def top_curvature(loss_fn: EmpiricalLoss, K: np.ndarray, V: np.ndarray, iters: int = 30, seed: int = 0) -> float:
    """Largest eigenvalue of the Hessian of L̂ in the real parameters at (K, V), by power
    iteration on central differences of the gradient (GD is stable for lr < 2/this)."""
    rng = np.random.default_rng(seed)
    vK = rng.standard_normal(K.shape) + 1j * rng.standard_normal(K.shape)
    vV = rng.standard_normal(V.shape) + 1j * rng.standard_normal(V.shape)
    scale = max(np.sqrt(np.sum(np.abs(K) ** 2) + np.sum(np.abs(V) ** 2)), 1.0)
    value = 0.0
    for _ in range(iters):
        norm = np.sqrt(np.sum(np.abs(vK) ** 2) + np.sum(np.abs(vV) ** 2))
        vK, vV = vK / norm, vV / norm
        h = 1e-5 * scale
        _, gK1, gV1 = loss_fn(K + h * vK, V + h * vV)
        _, gK0, gV0 = loss_fn(K - h * vK, V - h * vV)
        hK, hV = (gK1 - gK0) / (2 * h), (gV1 - gV0) / (2 * h)
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

    Raises TrainingDiverged, naming the epoch, when the loss is not finite.
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
        if not math.isfinite(loss) or not (np.isfinite(K).all() and np.isfinite(V).all()):
            raise TrainingDiverged(
                f"the training loss is not finite at epoch {epoch} (learning rate {lr:g}); "
                f"try a smaller rate, e.g. --lr {lr / 10:g}"
            )
        record(loss)
        if progress is not None:
            progress(epoch, epochs, loss)
        if epoch < epochs:
            K -= lr * MK * GK
            V -= lr * MV * GV
    return K, V, hist
