"""[Z] §3's empirical loss L̂ as the polynomial it is: its coefficients (moments of the training set) once,
then every evaluation of L̂ and its gradient a contraction whose cost depends on d alone, not on m or T.

With u_t = (S_t ⊗ e_t)/(t − 1), u_t[i, p, q] = S_t[i, p] e_t[q]/(t − 1) ∈ C^{(2d)³}, the model's
z_t = S_t W^{KQ} e_t/(t − 1) is Σ_{pq} u_t[i, p, q] K[p, q], linear in K = W^{KQ}, and ŷ_t = V z_t
(V = W^{PV}).  So L̂ = (1/m) Σ_n Σ_{t=2}^{T−1} ½‖V z_t − x_{t+1}‖² is fixed by three moments,

    M = Σ_{n,t} u_t u_t^*   ((2d)³ × (2d)³, Hermitian),   X = Σ_{n,t} x_{t+1} u_t^*,   x0 = Σ_{n,t} ‖x_{t+1}‖².

With A[i, pq, j] = Σ_{p'q'} M[(i, pq), (j, p'q')] K̄[p'q'] (one product of M with a vector):

    Z = Σ z_t z_t^* = Σ_{pq} K[pq] A[·, pq, ·],   C = Σ x_{t+1} z_t^* = X·vec(K̄),
    L̂ = (tr(V^*V Z) − 2 Re Σ V∘C̄ + x0)/(2m),     G^{PV} = (V Z − C)/m,
    G^{KQ}[p'q'] = (Σ_{ij} (V^*V)[j, i] conj(A[j, p'q', i]) − Σ_{aj} V̄[a, j] X[a, (j, p'q')])/m,

the first term of G^{KQ} by M's Hermitian symmetry (G = ∂/∂Re + i ∂/∂Im, as in EmpiricalLoss).

Building M.  With x_{s+1} = λ^s ∘ x_1 (|λ_a| = 1), write i = (h, a), p = (h', b), q = (h'', c) with
h = 0 the x_t half and h = 1 the x_{t−1} half of a token.  Then

    u_t[(h,a), (h',b), (h'',c)] = α[H, abc] · (g_t[a, b] + [h = h' = 0] ω_ab) λ_c^t/(t − 1),
    α[H, abc] = x_a x̄_b x_c λ_a^{−1−h} λ_b^{1+h'} λ_c^{−1−h''},   g_t = Σ_{i=2}^{t} ω^i,  ω_ab = λ_a λ̄_b,

the term ω_ab being e_1 e_1^* (x_0 = 0, so the x_{t−1} half of e_1 is empty).  Per sequence, the d³
"core" vectors v_t[abc] = g_t[a, b] λ_c^t/(t − 1) give a d³ × d³ Gram matrix Γ = Σ_t v_t v_t^*, and

    M[(H, x), (K, y)] = Σ_n α[H, x] ᾱ[K, y] (Γ[x, y] + corrections of the e_1 term),

summed over sequences as one product per core index x ((8 × n)·(n × 8d³)).  The corrections use
Ξ[c, y] = Σ_t w_t[c] v̄_t[y] and Ω = Σ_t w_t w_t^*, w_t[c] = λ_c^t/(t − 1).  Building costs about
m d⁶ (T + 70) complex multiply-adds, against m T 11 d² for one evaluation of EmpiricalLoss:
`empirical_loss` picks the cheaper of the two for a known number of evaluations.
"""
from __future__ import annotations

import numpy as np

from mesaverify.numerics.zheng.sequences import Sequences
from mesaverify.numerics.zheng.train import EmpiricalLoss

MOMENT_BYTES = 2**27  # M above this (d ≥ 8) is not built: the per-sequence loss serves
BLOCK_BYTES = 2**25  # a block of the build's arrays stays within this, or holds up to 16 sequences within 8 times it
# (h, h', h''): the two with h = h' = 0 (the e_1 term) first
_HALVES = np.array([(h, hp, hpp) for h in (0, 1) for hp in (0, 1) for hpp in (0, 1)])


def build_cost(d: int, T: int, m: int) -> float:
    """Complex multiply-adds to build the moments: the core Gram (d⁶ (T − 2)) and the sum over
    sequences (8 · 8 d⁶ plus the work array's 8 d⁶), per sequence."""
    return float(m) * d**6 * (T - 2 + 72)


def evaluation_cost(d: int) -> float:
    """Complex multiply-adds of one evaluation: M times a vector, (2d)⁶."""
    return float(2 * d) ** 6


def sequence_cost(d: int, T: int, m: int) -> float:
    """Complex multiply-adds of one evaluation of EmpiricalLoss (its separable form):
    about 11 d² per sequence and position.  Against build_cost, this puts the break-even within a
    factor 2 of the measured one (60 evaluations at d = 5, T = 100; 480 at d = 7, T = 50)."""
    return float(m) * (T - 2) * 11 * d**2


def _per_sequence_bytes(d: int, T: int) -> int:
    """A sequence's share of a block of the build: its part of the work array (8d⁶) or its t-arrays
    (ω^t and g_t: d² each, the core v_t and its conjugate: d³ each, for T − 2 positions), complex."""
    return 16 * max(8 * d**6, 4 * d**3 * (T - 2))


def fits(d: int, T: int) -> bool:
    """Whether the quartic form is built at (d, T): M within MOMENT_BYTES, one sequence's block within 8·BLOCK_BYTES."""
    return 16 * (2 * d) ** 6 <= MOMENT_BYTES and _per_sequence_bytes(d, T) <= 8 * BLOCK_BYTES


def block(d: int, T: int) -> int:
    """Sequences per block of the build: as many as BLOCK_BYTES holds, and at least 16 (the products' efficiency)
    where 8·BLOCK_BYTES holds them."""
    per = _per_sequence_bytes(d, T)
    return max(1, BLOCK_BYTES // per, min(16, 8 * BLOCK_BYTES // per))


def build_bytes(d: int, T: int) -> int:
    """Peak bytes of QuarticLoss at (d, T) (0 where it is not built): M, its two partial sums and one block."""
    return 3 * 16 * (2 * d) ** 6 + _per_sequence_bytes(d, T) * block(d, T) if fits(d, T) else 0


class QuarticLoss:
    """L̂ and its gradient from the training set's moments (see the module docstring): the same
    values as EmpiricalLoss, and the same call, (L̂, G^{KQ}, G^{PV}) = loss(K, V)."""

    def __init__(self, seqs: Sequences, chunk: int | None = None):
        d, T = seqs.d, seqs.T
        if not fits(d, T):
            raise ValueError(f"the quartic form's moments at d = {d} (or one sequence's arrays at T = {T}) exceed "
                             f"{MOMENT_BYTES // 2**20} MB; use EmpiricalLoss")
        self.seqs, self.m, self.d, self.T = seqs, seqs.m, d, T
        if chunk is None:
            chunk = block(d, T)
        D, n3 = 2 * d, d**3
        main = np.zeros((n3, 8, 8 * n3), dtype=complex)  # the Γ term as (x, H, (K, y))
        e1 = np.zeros((2, d * d, d, 8 * n3), dtype=complex)  # the e_1 term's rows as (H, ab, c, (K, y))
        X = np.zeros((d, 8, n3), dtype=complex)
        for start in range(0, seqs.m, chunk):
            part = seqs.slice(start, start + chunk)
            _accumulate(part.x1, part.theta, T, main, e1, X)
        M = np.ascontiguousarray(np.transpose(main.reshape(n3, 8, 8, n3), (1, 0, 2, 3)))
        e1 = e1.reshape(2, n3, 8, n3)
        M[:2] += e1
        M[:, :, :2] += np.conj(np.transpose(e1, (2, 3, 0, 1)))
        # (h, h', h'', a, b, c) → (i, p, q) = ((h, a), (h', b), (h'', c)) on both sides
        order = (0, 3, 1, 4, 2, 5)
        self.M = M.reshape((2, 2, 2, d, d, d) * 2).transpose(order + tuple(6 + k for k in order)).reshape(D, D * D, D, D * D)
        self.X = X.reshape(d, 2, 2, 2, d, d, d).transpose(0, *(1 + k for k in order)).reshape(d, D, D * D)
        self.x0 = float((T - 2) * np.sum(np.abs(seqs.x1) ** 2))

    def __call__(self, K: np.ndarray, V: np.ndarray, gradient: bool = True):
        """(L̂, G^{KQ}, G^{PV}); G = ∂/∂Re + i ∂/∂Im, so gradient descent is W ← W − lr·G."""
        D = 2 * self.d
        Kbar = np.conj(K).reshape(-1)
        A = self.M @ Kbar  # (D, D², D): A[i, pq, j]
        Z = np.einsum("p,ipj->ij", K.reshape(-1), A)
        C = self.X @ Kbar  # (d, D)
        VV = np.conj(V.T) @ V
        loss = (np.einsum("ij,ji->", VV, Z).real - 2 * np.vdot(C, V).real + self.x0) / (2 * self.m)
        if not gradient:
            return float(loss), None, None
        GV = (V @ Z - C) / self.m
        GK = np.einsum("ji,jqi->q", VV, np.conj(A)) - np.einsum("aj,ajq->q", np.conj(V), self.X)
        return float(loss), GK.reshape(D, D) / self.m, GV


def _accumulate(x1: np.ndarray, theta: np.ndarray, T: int, main: np.ndarray, e1: np.ndarray, X: np.ndarray) -> None:
    """Add a block of sequences' moments: the Γ term of M to `main` (as (x, H, (K, y))), the e_1 term's rows
    H = (0, 0, h'') to `e1` (its columns are their conjugate transpose) and X to `X` (as (a, K, y))."""
    n, d = x1.shape
    n3 = d**3
    times = np.arange(2, T)
    powers = np.exp(1j * theta[:, :, None] * times)  # λ^t, t = 2..T−1
    omega_t = powers[:, :, None, :] * np.conj(powers[:, None, :, :])
    g = np.cumsum(omega_t, axis=3)  # g_t[a, b] = Σ_{i=2}^{t} (λ_a λ̄_b)^i
    w = powers / (times - 1)  # w_t[c] = λ_c^t/(t − 1)
    v = (g[:, :, :, None, :] * w[:, None, None, :, :]).reshape(n, n3, -1)
    vh = np.conj(np.swapaxes(v, 1, 2))
    gram = v @ vh  # Γ[x, y]
    xi = w @ vh  # Ξ[c, y]
    om = w @ np.conj(np.swapaxes(w, 1, 2))  # Ω[c, c']
    omega = np.exp(1j * (theta[:, :, None] - theta[:, None, :]))
    om_x = np.repeat(omega.reshape(n, d * d), d, axis=1)  # ω_ab at x = abc
    c_of = np.tile(np.arange(d), d * d)  # c at x = abc
    amp = x1[:, :, None, None] * np.conj(x1)[:, None, :, None] * x1[:, None, None, :]
    alpha = np.empty((n, 8, n3), dtype=complex)
    for k, (h, hp, hpp) in enumerate(_HALVES):
        phase = (np.exp(-1j * (1 + h) * theta)[:, :, None, None] * np.exp(1j * (1 + hp) * theta)[:, None, :, None]
                 * np.exp(-1j * (1 + hpp) * theta)[:, None, None, :])
        alpha[:, k] = (amp * phase).reshape(n, n3)
    alpha_bar = np.conj(alpha)
    # Σ_n α[H, x] ᾱ[K, y] Γ[x, y]: for each x, (8 × n) · (n × 8d³)
    work = np.empty((n3, n, 8, n3), dtype=complex)
    np.multiply(alpha_bar[None], np.swapaxes(gram, 0, 1)[:, :, None, :], out=work)
    main += np.ascontiguousarray(np.transpose(alpha, (2, 1, 0))) @ work.reshape(n3, n, 8 * n3)
    # the e_1 term, rows H with h = h' = 0: ω_x (Ξ[c_x, y] + ½ [K also] ω̄_y Ω[c_x, c_y]); its columns are the
    # conjugate transpose (the ½ puts each half of the [both] term on one side)
    right = alpha_bar[:, None, :, :] * xi[:, :, None, :]  # (n, c, K, y)
    right[:, :, :2, :] += 0.5 * alpha_bar[:, None, :2, :] * (np.conj(om_x)[:, None, :] * om[:, :, c_of])[:, :, None, :]
    left = (alpha[:, :2, :] * om_x[:, None, :]).reshape(n, 2, d * d, d)
    for c in range(d):
        e1[:, :, c] += (left[:, :, :, c].reshape(n, -1).T @ right[:, c].reshape(n, -1)).reshape(2, d * d, 8 * n3)
    # X[a, K, y] = Σ_n ᾱ[K, y] Σ_t x_{t+1}[a] (v̄_t[y] + [h = h' = 0] ω̄_y w̄_t[c_y]),  x_{t+1} = λ^t ∘ x_1
    target = x1[:, :, None] * powers
    tv = target @ vh  # (n, a, y)
    tw = target @ np.conj(np.swapaxes(w, 1, 2))  # (n, a, c)
    both = np.broadcast_to(tv[:, :, None, :], (n, d, 8, n3)).copy()
    both[:, :, :2, :] += (np.conj(om_x)[:, None, :] * tw[:, :, c_of])[:, :, None, :]
    X += np.einsum("nky,naky->aky", alpha_bar, both)


def empirical_loss(seqs: Sequences, evaluations: int, chunk: int | None = None, warmup: int = 0):
    """The cheaper exact form of L̂ for `evaluations` calls: QuarticLoss when building its moments and
    evaluating costs less than that many per-sequence evaluations (and the moments fit), else
    EmpiricalLoss.  With `warmup`, the quartic form serves only after that many per-sequence
    evaluations (Staged): a run whose step is too large diverges in its first epochs, before the build."""
    d, T, m = seqs.d, seqs.T, seqs.m
    first = min(warmup, evaluations)
    quartic = (first * sequence_cost(d, T, m) + build_cost(d, T, m)
               + (evaluations - first) * evaluation_cost(d))
    if not fits(d, T) or quartic >= evaluations * sequence_cost(d, T, m):
        return EmpiricalLoss(seqs, chunk=chunk)
    return Staged(seqs, first, chunk) if first else QuarticLoss(seqs)


class Staged:
    """EmpiricalLoss for the first `warmup` calls, then QuarticLoss (built at that call)."""

    def __init__(self, seqs: Sequences, warmup: int, chunk: int | None = None):
        self.seqs, self.m, self.d, self.T = seqs, seqs.m, seqs.d, seqs.T
        self.warmup, self.calls = warmup, 0
        self.form: EmpiricalLoss | QuarticLoss = EmpiricalLoss(seqs, chunk=chunk)

    def __call__(self, K: np.ndarray, V: np.ndarray, gradient: bool = True):
        self.calls += 1
        if self.calls == self.warmup + 1:
            self.form = QuarticLoss(self.seqs)
        return self.form(K, V, gradient)
