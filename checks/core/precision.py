"""The precision of every check, said once: the digits a check runs at, and the tolerances they imply.

A check runs inside one mpmath context of DIGITS digits (`Check.run` sets it); numerics use the ambient
context. Exact laws must then agree to AGREE significant digits; Monte Carlo within MC_SIGMAS standard errors.
"""
from __future__ import annotations

import numpy as np

DIGITS = 50  # working precision of every mpmath evaluation in the checks
GUARD = 10  # extra digits for values built once and cached (quadrature nodes), whatever the caller's precision
AGREE = 30  # significant digits that exact laws must agree to
EXACT_TOL = 10.0 ** (-AGREE)
MC_SIGMAS = 4.0  # Monte Carlo: within this many standard errors
FLOAT_EPS = float(np.finfo(float).eps)
