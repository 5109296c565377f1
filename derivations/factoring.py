"""`factor`: sp.factor with SymPy's random generator seeded for the call (and restored after).

Wang's multivariate factorisation draws its evaluation points from that generator, so the time a
factorisation takes (seconds, or once in a while minutes when the points are unlucky) would otherwise depend
on what the process ran before; the factors themselves do not depend on the points.  Every factorisation of
the derivations, checks and presentation goes through here.
"""
from __future__ import annotations

import sympy as sp

SEED = 2024


def factor(expr, *gens, **args):
    """sp.factor(expr, *gens, **args) with SymPy's generator seeded to SEED for the call."""
    from sympy.core import random as sympy_random

    state = sympy_random.rng.getstate()
    sympy_random.rng.seed(SEED)
    try:
        return sp.factor(expr, *gens, **args)
    finally:
        sympy_random.rng.setstate(state)
