"""The batched [Z] loss and gradient (points fixed, parameters varying) against the one-call evaluation."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mesaverify.numerics.zheng.batched import Batch
from mesaverify.numerics.zheng.population import loss_and_gradient


@settings(deadline=None, max_examples=12)
@given(d=st.integers(1, 3), n=st.integers(1, 6), T=st.integers(3, 6), seed=st.integers(0, 2**32 - 1))
def test_batch_equals_loss_and_gradient(d, n, T, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) + 1j * rng.normal(size=(n, d))
    w = rng.dirichlet(np.ones(n))
    K = rng.normal(size=(2 * d, 2 * d)) + 1j * rng.normal(size=(2 * d, 2 * d))
    V = rng.normal(size=(d, 2 * d)) + 1j * rng.normal(size=(d, 2 * d))
    batch = Batch(x, w, T)
    want, got = loss_and_gradient(K, V, x, w, T), batch(K, V)
    # float64 sums in another order: a few ε_mach relative to the largest term of each sum
    assert abs(got[0] - want[0]) <= 1e-12 * (1 + abs(want[0]))
    for g, h in zip(got[1:], want[1:]):
        assert np.max(np.abs(g - h)) <= 1e-12 * (1 + np.max(np.abs(h)))
    assert batch(K, V, gradient=False)[0] == got[0]
