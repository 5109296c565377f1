"""The [S] non-augmented numeric twin's phase grid: N = 2T + 1 roots per phase average the loss exactly, as a grid
twice as fine does (unitary and paired phases), and a grid of N = T + 1 or T + 2 does not."""
import random

import mpmath
import pytest

from mesaverify.numerics.sander import nonaugmented as twin


def _loss(C, p, d, paired, size):
    """loss_mp on a grid of `size` roots per phase (its cached tokens cleared before and after)."""
    original = twin.grid_size
    twin._grid_tokens_mp.cache_clear()
    twin.grid_size = lambda T: size
    try:
        return twin.loss_mp.__wrapped__(C, p, d, 60, paired=paired)
    finally:
        twin.grid_size = original
        twin._grid_tokens_mp.cache_clear()


@pytest.mark.parametrize("d, T, paired", [(2, 3, False), (2, 5, False), (3, 4, False), (2, 4, True), (4, 3, True)])
def test_grid_of_2T_plus_1_is_exact(d, T, paired):
    rng = random.Random(10 * d + T)
    with mpmath.workdps(60):
        C = [[mpmath.mpf(rng.randint(-9, 9)) / rng.randint(1, 5) for _ in range(d)] for _ in range(d)]
        p = [mpmath.mpf(rng.randint(-9, 9)) / rng.randint(1, 5) for _ in range(T)]
        exact = _loss(C, p, d, paired, twin.grid_size(T))
        assert abs(exact - _loss(C, p, d, paired, 4 * T + 3)) < mpmath.mpf(10) ** -50 * (1 + abs(exact))
        # the grid matters: one of T + 1, T + 2 roots aliases a monomial (which one depends on the exponents' parity)
        assert max(abs(exact - _loss(C, p, d, paired, n)) for n in (T + 1, T + 2)) > mpmath.mpf(10) ** -10
