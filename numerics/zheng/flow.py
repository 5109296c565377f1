"""[Z] gradient flow of the full parameter set, dθ/dτ = −∇L(θ), integrated with SciPy.

θ holds the real and imaginary parts of every entry of W^{KQ} (2d×2d) and
W^{PV} (d×2d); the gradient is the exact phase-averaged one of
`numerics.zheng.population` (`Batch`: built once for the points), for a finite law (support points, weights).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from mesaverify.numerics.memo import memo
from mesaverify.numerics.zheng.population import Batch


def diagonal_init(d: int, a0: float, b0: float) -> tuple[np.ndarray, np.ndarray]:
    """[Z] Assumption 3.1: W^{KQ}_{d+k,k} = a0, W^{PV}_{k,k} = b0, zero elsewhere."""
    K = np.zeros((2 * d, 2 * d), dtype=complex)
    V = np.zeros((d, 2 * d), dtype=complex)
    K[d:, :d] = a0 * np.eye(d)
    V[:, :d] = b0 * np.eye(d)
    return K, V


def pack(K, V) -> np.ndarray:
    return np.concatenate([K.real.ravel(), K.imag.ravel(), V.real.ravel(), V.imag.ravel()])


def unpack(theta, d: int):
    n = 4 * d * d
    K = (theta[:n] + 1j * theta[n:2 * n]).reshape(2 * d, 2 * d)
    V = (theta[2 * n:2 * n + 2 * d * d] + 1j * theta[2 * n + 2 * d * d:]).reshape(d, 2 * d)
    return K, V


@dataclass(frozen=True)
class FlowRun:
    times: np.ndarray
    K: np.ndarray  # (len(times), 2d, 2d)
    V: np.ndarray  # (len(times), d, 2d)
    rtol: float

    def a(self) -> np.ndarray:
        """W^{KQ}_{d+k,k} over time, (len(times), d)."""
        d = self.V.shape[1]
        return np.stack([self.K[:, d + k, k] for k in range(d)], axis=1)

    def b(self) -> np.ndarray:
        d = self.V.shape[1]
        return np.stack([self.V[:, k, k] for k in range(d)], axis=1)


@memo
def integrate(points, weights, T: int, K0, V0, times, rtol: float = 1e-11) -> FlowRun:
    """Integrate the full flow (DOP853) and sample it at `times`."""
    d, batch = V0.shape[0], Batch(points, weights, T)

    def rhs(_, theta):
        K, V = unpack(theta, d)
        _, gK, gV, _ = batch(K, V)
        return -pack(gK, gV)

    sol = solve_ivp(rhs, (0.0, float(times[-1])), pack(K0, V0), method="DOP853",
                    t_eval=times, rtol=rtol, atol=rtol * 1e-2)
    if not sol.success:
        raise RuntimeError(f"gradient flow integration failed: {sol.message}")
    KV = [unpack(col, d) for col in sol.y.T]
    return FlowRun(np.asarray(times), np.array([k for k, _ in KV]), np.array([v for _, v in KV]), rtol)
