"""The [Z] trainer's gradient G = ∂L̂/∂Re W + i ∂L̂/∂Im W held to central differences of its own loss, for any
loss with the trainer's call (L̂, G^{KQ}, G^{PV}) = loss(K, V)."""
import numpy as np
import pytest


def assert_central_differences(loss, K, V, h=1e-6):
    _, GK, GV = loss(K, V)
    for which, W, G in (("K", K, GK), ("V", V, GV)):
        for idx in np.ndindex(W.shape):
            for unit, part in ((1, G.real), (1j, G.imag)):
                plus, minus = W.copy(), W.copy()
                plus[idx] += h * unit
                minus[idx] -= h * unit
                args = (lambda X: (X, V)) if which == "K" else (lambda X: (K, X))
                fd = (loss(*args(plus), gradient=False)[0] - loss(*args(minus), gradient=False)[0]) / (2 * h)
                # central differences: error ~ h² f''' + eps·f/h
                assert fd == pytest.approx(part[idx], rel=1e-6, abs=1e-7), (which, idx, unit)
