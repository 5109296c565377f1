"""[Z] population loss and gradient straight from ŷ_t = W^{PV} E_t E_t^* W^{KQ} e_t / (t−1).

The phase average is exact: with x_s = W^{s−1} x_1, each coordinate of
ŷ_t − x_{t+1} is a trigonometric polynomial in (θ_1..θ_d), a finite sum of
characters λ^n, and uniform independent phases make distinct characters
orthonormal, so E_λ|Σ_n c_n λ^n|² = Σ_n |c_n|².  We enumerate every term of
the product W^{PV} e_i · e_i^* · W^{KQ} e_t (all 2d×2d and d×2d entries),
group the terms by their character n, and sum |c_n|² — no derived expression
is used, only the definition of the model and of the law of W.

Two back ends: float64 NumPy over a batch of x_1 samples (weights: exact
probabilities, or 1/n for Monte Carlo), and mpmath at a stated working
precision for one finite law.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Characters:
    """The terms of ŷ_t (one per (i, s, j, r)) and the character each belongs to."""

    s: np.ndarray  # row of W^{PV} e_i used (index into the 2d entries of e_i)
    j: np.ndarray  # entry of e_i conjugated
    r: np.ndarray  # entry of e_t
    ms: np.ndarray  # coordinates of x_1 carried by those entries
    mj: np.ndarray
    mr: np.ndarray
    group: np.ndarray  # character index of each term
    target: np.ndarray  # character index of x_{t+1,k} = λ_k^t x_k, per k
    n_groups: int
    gather: sparse.csr_matrix  # (n_groups × n_terms) 0/1 matrix summing terms by character


@lru_cache(maxsize=None)
def characters(d: int, t: int) -> Characters:
    """Enumerate the terms of ŷ_t for dimension d; e_s = (x_s ; x_{s−1}), x_0 = 0."""
    i, s, j, r = np.meshgrid(np.arange(1, t + 1), *(np.arange(2 * d),) * 3, indexing="ij")
    return _characters(d, t, *(v.ravel() for v in (i, s, j, r)))


def sparse_characters(d: int, t: int, K, V) -> Characters:
    """The terms of ŷ_t whose parameters W^{KQ}_{jr} and column s of W^{PV} are not zero: for the diagonal family
    (d entries (j, r), d columns s) t·d² terms instead of t·(2d)³."""
    jr = np.argwhere(np.asarray(K) != 0)
    cols = np.nonzero(np.any(np.asarray(V) != 0, axis=0))[0]
    return _sparse_characters(d, t, tuple(map(tuple, jr)), tuple(cols))


@lru_cache(maxsize=1024)
def _sparse_characters(d: int, t: int, entries: tuple, columns: tuple) -> Characters:
    jr, cols = np.array(entries, dtype=np.int64).reshape(-1, 2), np.array(columns, dtype=np.int64)
    i, s, n = (v.ravel() for v in np.meshgrid(np.arange(1, t + 1), cols, np.arange(len(jr)), indexing="ij"))
    return _characters(d, t, i, s, jr[n, 0], jr[n, 1])


def _characters(d: int, t: int, i, s, j, r) -> Characters:
    """Group the terms (i, s, j, r) of ŷ_t by their character; the targets λ_k^t x_k are groups too."""
    ps, pj, pr = i - 1 - s // d, i - 1 - j // d, t - 1 - r // d  # powers of λ in each entry
    keep = (ps >= 0) & (pj >= 0) & (pr >= 0)  # entries holding x_0 = 0 drop out
    i, s, j, r, ps, pj, pr = (v[keep] for v in (i, s, j, r, ps, pj, pr))
    ms, mj, mr = s % d, j % d, r % d
    n = len(s)
    exps = np.zeros((n + d, d), dtype=np.int64)
    np.add.at(exps, (np.arange(n), ms), ps)
    np.add.at(exps, (np.arange(n), mj), -pj)
    np.add.at(exps, (np.arange(n), mr), pr)
    exps[n + np.arange(d), np.arange(d)] = t  # the targets λ_k^t
    _, group = np.unique(exps, axis=0, return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1
    gather = sparse.csr_matrix((np.ones(n), (group[:n], np.arange(n))), shape=(n_groups, n))
    return Characters(s, j, r, ms, mj, mr, group[:n], group[n:], n_groups, gather)


def _coefficients(ch: Characters, K, V, X, x, t):
    """c[k, g, sample]: the coefficient of character g in (ŷ_t − x_{t+1})_k."""
    P = K[ch.j, ch.r][:, None] * X  # (terms, samples)
    d = V.shape[0]
    c = np.stack([ch.gather @ (V[k, ch.s][:, None] * P) for k in range(d)]) / (t - 1)
    c[np.arange(d), ch.target, :] -= x.T
    return c, P


def _monomials(ch: Characters, x: np.ndarray) -> np.ndarray:
    return x[:, ch.ms].T * np.conj(x[:, ch.mj].T) * x[:, ch.mr].T


def loss_and_gradient(K, V, x, weights, T: int, gradient: bool = True):
    """L = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] and its gradient, float64 (`Batch`, for one evaluation).

    x: (n, d) samples or support points, weights: (n,) summing to 1.  The
    gradient is returned as complex matrices G with G = ∂L/∂Re + i ∂L/∂Im
    entrywise, so that the flow of the real pairs is dW/dτ = −G.
    Also returns the per-sample loss (for Monte Carlo standard errors).
    """
    return Batch(x, weights, T)(K, V, gradient)


DENSE = 4_000_000  # gather and scatter matrices with at most this many entries are held dense


def _matrix(rows, cols, shape):
    m = sparse.csr_matrix((np.ones(len(rows), dtype=complex), (rows, cols)), shape=shape)
    return m.toarray() if shape[0] * shape[1] <= DENSE else m


class Batch:
    """L = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] and its gradient over fixed points x (n, d) with weights (n,).

    A gradient flow evaluates L and ∇L thousands of times on the same points: the characters of ŷ_t, the
    monomials of x_1 each term carries and the 0/1 matrices that scatter terms back onto parameter entries depend
    on the points only, so they are built once, for every context length t = 2..T−1 together (the characters of
    different t kept apart, the terms of one character adjacent, summed by `np.add.reduceat`).
    """

    def __init__(self, x, weights, T: int):
        self.x, self.weights, self.T = np.asarray(x), np.asarray(weights), T
        d = self.d = self.x.shape[1]
        self.empty = T < 3  # no context length: L = 0
        if self.empty:
            return
        parts: dict[str, list[np.ndarray]] = {key: [] for key in ("s", "j", "r", "ms", "mj", "mr", "group", "scale")}
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
        """(L, ∂L/∂Re + i ∂L/∂Im of W^{KQ}, of W^{PV} (zero without `gradient`), the per-sample loss), float64."""
        d, x, w = self.d, self.x, self.weights
        samples = len(x)
        zero = (np.zeros((2 * d, 2 * d), dtype=complex), np.zeros((d, 2 * d), dtype=complex))
        if self.empty:
            return 0.0, *zero, np.zeros(samples)
        P = K[self.j, self.r][:, None] * self.X  # (terms, samples), each term over t − 1
        Vs = V[:, self.s]  # (d, terms)
        terms = P.shape[0]
        stacked = (Vs[:, :, None] * P[None]).transpose(1, 0, 2).reshape(terms, d * samples)
        c = np.add.reduceat(stacked, self.starts, axis=0).reshape(-1, d, samples).transpose(1, 0, 2)  # (d, chars, samples)
        for k in range(d):
            c[k, self.targets[:, k], :] -= x[:, k]
        per_sample = 0.5 * np.sum(np.abs(c) ** 2, axis=(0, 1))
        if not gradient:
            return float(per_sample @ w), *zero, per_sample
        cg = c[:, self.group, :]  # (d, terms, samples)
        gV = (self.value_scatter @ ((np.conj(P)[None] * cg) @ w).T).T
        mix = (np.conj(Vs)[:, :, None] * cg).sum(axis=0)
        gK = self.score_scatter @ ((np.conj(self.X) * mix) @ w)
        return float(per_sample @ w), gK.reshape(2 * d, 2 * d), gV, per_sample


def _real_if_real(*arrays):
    """The arrays as float64 when none has a non-zero imaginary part (real x_1 and parameters: the same sums in
    a third of the time), else as they are."""
    if any(np.iscomplexobj(a) and np.any(np.imag(a)) for a in arrays):
        return arrays
    return tuple(np.real(a) for a in arrays)


def losses_along(K, V, x, weights, T: int, scales, chunk: int = 1024) -> list[float]:
    """L(W^{KQ}, s·W^{PV}) = Σ_{t=2}^{T−1} E[½‖ŷ_t − x_{t+1}‖²] for each s in `scales`, float64 (`per_sample_along`
    weighted)."""
    return [float(v @ np.asarray(weights)) for v in per_sample_along(K, V, x, T, scales, chunk)]


def per_sample_along(K, V, x, T: int, scales, chunk: int = 1024) -> list[np.ndarray]:
    """Σ_{t=2}^{T−1} ½‖ŷ_t − x_{t+1}‖² averaged over the phases, per sample x (n, d), at (W^{KQ}, s·W^{PV}) for
    each s in `scales`, float64.

    For sparse parameters at sizes `loss_and_gradient` cannot hold (d = 5, T = 100): terms with a zero parameter
    are left out (`sparse_characters`), output coordinate k sums only the characters its own terms reach, and
    since ŷ_t is linear in W^{PV} its coefficients are computed once and scaled.  A term's monomial
    x_{ms} conj(x_{mj}) x_{mr} is one of d³, computed once per chunk of samples: the coefficient of character g
    in ŷ_{t,k} is (A_k M)_g, A_k[g, monomial] = Σ over its terms of V_{ks} K_{jr}/(t − 1).
    """
    K, V, x = _real_if_real(K, V, x)
    d, totals = V.shape[0], [np.zeros(len(x)) for _ in scales]
    a, b, c = np.unravel_index(np.arange(d**3), (d, d, d))
    for t in range(2, T):
        ch = sparse_characters(d, t, K, V)
        monomial = (ch.ms * d + ch.mj) * d + ch.mr
        rows = []
        for k in range(d):
            idx = np.nonzero(V[k, ch.s] != 0)[0]
            groups, at = np.unique(np.append(ch.group[idx], ch.target[k]), return_inverse=True)
            values = V[k, ch.s[idx]] * K[ch.j[idx], ch.r[idx]] / (t - 1)
            A = sparse.csr_matrix((values, (at.ravel()[:-1], monomial[idx])), shape=(len(groups), d**3))
            rows.append((A, int(at.ravel()[-1])))
        for start in range(0, len(x), chunk):
            xs = x[start:start + chunk]
            M = (xs[:, a] * np.conj(xs[:, b]) * xs[:, c]).T  # (d³, samples)
            for k, (A, target) in enumerate(rows):
                model = A @ M
                for n, s in enumerate(scales):
                    err = s * model
                    err[target] -= xs[:, k]
                    totals[n][start:start + chunk] += 0.5 * np.sum(np.abs(err) ** 2, axis=0)
    return totals


def ratio_sparse(K, V, x, weights, t: int) -> float:
    """E[ŷ_{t,k} / x_{t+1,k}] averaged over k, float64, for x with no zero coordinate: the phases average the
    ratio to the coefficient of λ_k^t in ŷ_{t,k} (the character of x_{t+1,k}) over x_k, then x_1 is averaged."""
    K, V, x = _real_if_real(K, V, x)
    ch = sparse_characters(V.shape[0], t, K, V)
    c, _ = _coefficients(ch, K, V, _monomials(ch, x), x, t)
    d = V.shape[0]
    per = (c[np.arange(d), ch.target, :] + x.T) / x.T  # the model's coefficient of λ_k^t, over x_k
    return float(np.real(per.mean(axis=0) @ weights))


def loss_mp(K, V, points, probs, T: int, times=None):
    """The same loss at mpmath precision (call inside `mpmath.workdps(...)`), for a finite law.

    K, V, points: nested lists of mpmath numbers; probs: list of mpmath numbers.
    `times` restricts the sum to those context lengths t (default 2..T−1).  The coefficient of each
    (output k, character g, monomial x_a conj(x_b) x_c) is summed over the terms of ŷ_t once; each point then
    costs one product per coefficient.
    """
    d = len(V)
    total = mpmath.mpf(0)
    for t in (range(2, T) if times is None else times):
        ch = characters(d, t)
        scale = mpmath.mpf(1) / (t - 1)
        coeffs: dict = {}  # (k, g, (a, b, c)) -> Σ V_ks K_jr / (t − 1)
        for s, j, r, ms, mj, mr, g in zip(*(a.tolist() for a in (ch.s, ch.j, ch.r, ch.ms, ch.mj, ch.mr, ch.group))):
            kq = K[j][r]
            if kq == 0:
                continue
            for k in range(d):
                if V[k][s] != 0:
                    key = (k, g, (ms, mj, mr))
                    coeffs[key] = coeffs.get(key, 0) + V[k][s] * kq * scale
        targets = [int(v) for v in ch.target]
        for x, prob in zip(points, probs):
            monomials: dict = {}
            c: dict = {}
            for (k, g, (a, b, e)), w in coeffs.items():
                m = monomials.get((a, b, e))
                if m is None:
                    m = monomials[(a, b, e)] = x[a] * mpmath.conj(x[b]) * x[e]
                c[(k, g)] = c.get((k, g), 0) + w * m
            for k in range(d):
                c[(k, targets[k])] = c.get((k, targets[k]), 0) - x[k]
            total += prob * sum(abs(v) ** 2 for v in c.values()) / 2
    return total
