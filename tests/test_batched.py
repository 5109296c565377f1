"""The [Z] float64 loss and gradient (`population.Batch`, behind `loss_and_gradient`) against the model's loss
term by term at mpmath precision (`population.loss_mp`): the loss per sample, and each gradient entry as the
exact central difference of that loss (L is quadratic in any one entry)."""
import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mesaverify.numerics.zheng.population import Batch, loss_mp


def _mp_loss(K, V, x, T):
    mat = lambda M: [[mpmath.mpc(complex(v)) for v in row] for row in M]  # noqa: E731
    return loss_mp(mat(K), mat(V), [[mpmath.mpc(complex(v)) for v in x]], [mpmath.mpf(1)], T)


@settings(deadline=None, max_examples=8)
@given(d=st.integers(1, 2), n=st.integers(1, 3), T=st.integers(3, 5), seed=st.integers(0, 2**32 - 1))
def test_batch_is_the_model_loss_and_its_gradient(d, n, T, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) + 1j * rng.normal(size=(n, d))
    w = rng.dirichlet(np.ones(n))
    K = rng.normal(size=(2 * d, 2 * d)) + 1j * rng.normal(size=(2 * d, 2 * d))
    V = rng.normal(size=(d, 2 * d)) + 1j * rng.normal(size=(d, 2 * d))
    batch = Batch(x, w, T)
    loss, gK, gV, per_sample = batch(K, V)
    with mpmath.workdps(30):
        exact = [float(_mp_loss(K, V, xs, T)) for xs in x]
        # float64 sums of O(T² d³) terms of the sizes below: a few thousand ε_mach relative to the largest
        scale = 1 + max(exact)
        assert np.max(np.abs(per_sample - exact)) <= 1e-11 * scale
        assert abs(loss - float(np.dot(exact, w))) <= 1e-11 * scale
        for M, G, which in ((K, gK, "K"), (V, gV, "V")):
            r, c = rng.integers(M.shape[0]), rng.integers(M.shape[1])
            for step, part in ((1, np.real), (1j, np.imag)):
                shifted = []
                for h in (1, -1):
                    M2 = M.copy()
                    M2[r, c] += h * step
                    args = (M2, V) if which == "K" else (K, M2)
                    shifted.append(sum(wi * float(_mp_loss(*args, xs, T)) for wi, xs in zip(w, x)))
                assert abs(part(G[r, c]) - (shifted[0] - shifted[1]) / 2) <= 1e-10 * scale
    assert batch(K, V, gradient=False)[0] == loss
