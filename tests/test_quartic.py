"""The [Z] empirical loss as a quartic form (numerics/zheng/quartic.py): held to the transcription of the
definition (reference.py), to the per-sequence loss, to its own finite differences, and its choice."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesaverify.numerics.zheng import quartic, reference
from mesaverify.numerics.zheng import train as tr
from tests.gradients import assert_central_differences

EPS = np.finfo(float).eps


def _data(d, T, m, seed, complex_=False, zeros=0.0, close=False):
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal((m, d)) + (1j * rng.standard_normal((m, d)) if complex_ else 0)
    x1[rng.random((m, d)) < zeros] = 0
    seqs = tr.draw_sequences(x1, T, rng)
    if close and d > 1:  # two phases 1e-9 apart: where the separable per-sequence form must not be used
        seqs.theta[:, 1] = seqs.theta[:, 0] + 1e-9
    K, V = tr.gaussian_init(d, 0.4, rng, complex_=True)
    return seqs, K, V


def _close(ours, ref, digits_lost=1e3):
    """Each of (L̂, G^{KQ}, G^{PV}) within digits_lost·eps of the reference's scale: sums of ~m·T terms of that scale."""
    for x, y in zip(ours, ref):
        scale = max(1.0, float(np.max(np.abs(y))))
        assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= digits_lost * EPS * scale


@pytest.mark.parametrize("d, T, m, complex_, zeros, close", [
    (1, 3, 5, False, 0.0, False),
    (2, 5, 9, True, 0.0, True),
    (3, 7, 23, True, 0.3, False),
    (4, 6, 11, False, 0.5, True),
])
def test_equals_the_transcribed_definition(d, T, m, complex_, zeros, close):
    seqs, K, V = _data(d, T, m, seed=d, complex_=complex_, zeros=zeros, close=close)
    _close(quartic.QuarticLoss(seqs, chunk=4)(K, V), reference.loss_and_gradient(K, V, seqs))


@given(d=st.integers(1, 4), T=st.integers(3, 9), m=st.integers(1, 12), complex_=st.booleans(),
       zeros=st.sampled_from([0.0, 0.4]), seed=st.integers(0, 2**16))
def test_equals_the_transcribed_definition_anywhere(d, T, m, complex_, zeros, seed):
    seqs, K, V = _data(d, T, m, seed, complex_=complex_, zeros=zeros)
    _close(quartic.QuarticLoss(seqs, chunk=5)(K, V), reference.loss_and_gradient(K, V, seqs))


def test_equals_the_per_sequence_loss_at_the_figure_dimension():
    seqs, K, V = _data(5, 30, 40, seed=7)
    q = quartic.QuarticLoss(seqs)
    _close(q(K, V), tr.EmpiricalLoss(seqs)(K, V))
    assert q(K, V, gradient=False) == (q(K, V)[0], None, None)


def test_the_moments_do_not_depend_on_the_blocks():
    seqs, K, V = _data(3, 8, 17, seed=4, complex_=True, zeros=0.2)
    one, all_ = quartic.QuarticLoss(seqs, chunk=1), quartic.QuarticLoss(seqs, chunk=17)
    assert np.allclose(one.M, all_.M, rtol=0, atol=1e3 * EPS * np.max(np.abs(all_.M)))
    _close(one(K, V), all_(K, V))


def test_gradient_matches_central_differences():
    seqs, K, V = _data(2, 6, 13, seed=11, complex_=True)
    assert_central_differences(quartic.QuarticLoss(seqs), K, V)


def test_training_follows_the_per_sequence_trajectory():
    seqs, _, _ = _data(3, 10, 30, seed=5)
    test = tr.TestSet.of(_data(3, 10, 8, seed=6)[0])
    start = tr.diagonal_init(3, 0.3, 0.2)
    runs = [tr.train(loss, *start, lr=0.02, epochs=15, test=test)
            for loss in (quartic.QuarticLoss(seqs), tr.EmpiricalLoss(seqs))]
    (Kq, Vq, hq), (Ks, Vs, hs) = runs
    assert np.allclose(Kq, Ks, rtol=0, atol=1e-12) and np.allclose(Vq, Vs, rtol=0, atol=1e-12)
    for key in ("loss", "ab", "ratio", "test_error"):
        assert np.allclose(getattr(hq, key), getattr(hs, key), rtol=1e-11, atol=1e-13)
    assert hq.loss[-1] < hq.loss[0]


def test_the_choice_follows_the_cost():
    seqs, _, _ = _data(2, 6, 200, seed=1)
    many = quartic.empirical_loss(seqs, evaluations=10**4)
    few = quartic.empirical_loss(seqs, evaluations=1)
    assert isinstance(many, quartic.QuarticLoss) and isinstance(few, tr.EmpiricalLoss)
    # a handful of sequences: one evaluation of the form, (2d)⁶, costs more than one of the per-sequence loss
    assert isinstance(quartic.empirical_loss(seqs.slice(0, 3), evaluations=10**6), tr.EmpiricalLoss)
    # the break-even in evaluations grows like d⁴ and is reached where the costs cross
    d, T, m = 5, 100, 10**4
    even = quartic.build_cost(d, T, m) / (quartic.sequence_cost(d, T, m) - quartic.evaluation_cost(d))
    assert 50 < even < 200  # measured: the build takes as long as about 60 per-sequence evaluations
    wide = tr.draw_sequences(np.ones((2, 8)), 4, np.random.default_rng(0))
    assert not quartic.fits(8, 4) and isinstance(quartic.empirical_loss(wide, 10**9), tr.EmpiricalLoss)
    with pytest.raises(ValueError, match="exceed"):
        quartic.QuarticLoss(wide)
    # a horizon whose per-sequence arrays would not fit: the per-sequence loss, however many evaluations
    assert quartic.fits(5, 100) and not quartic.fits(5, 10**5)
    long_run = tr.draw_sequences(np.ones((2, 5)), 10**5, np.random.default_rng(0))
    assert isinstance(quartic.empirical_loss(long_run, 10**9), tr.EmpiricalLoss)
    # the build's blocks stay within their bound, and hold 16 sequences at the figures' size
    for d, T in ((1, 3), (2, 10**4), (5, 100), (7, 50), (5, 16000)):
        assert quartic.build_bytes(d, T) <= 3 * quartic.MOMENT_BYTES + 8 * quartic.BLOCK_BYTES
    assert quartic.block(5, 100) == 16


def test_a_staged_loss_builds_the_moments_after_its_warmup():
    seqs, K, V = _data(2, 6, 200, seed=3)
    staged = quartic.empirical_loss(seqs, evaluations=10**4, warmup=3)
    assert isinstance(staged, quartic.Staged)
    values = [staged(K, V) for _ in range(5)]
    assert isinstance(staged.form, quartic.QuarticLoss) and staged.calls == 5
    for early, late in zip(values[2], values[3]):
        assert np.allclose(early, late, rtol=1e-12, atol=1e-14)
    assert isinstance(quartic.empirical_loss(seqs, evaluations=4, warmup=8), tr.EmpiricalLoss)
