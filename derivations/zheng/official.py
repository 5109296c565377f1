"""[Z]'s official code (github.com/ML-GSAI/MesaOpt-AR-Transformer): the theory lines it plots, as facts.

- `plot.py`, function `plot_gaussian_ab` (lines 4–40): the dashed line of ab is `0.2 / scale ** 2` (line 32),
  labelled 1/(5σ²) (line 34), for x_1 ~ N(0, σ²I) with σ = scale = 0.5, 1.0 or 2.0 (lines 6, 10, 14).
- `plot.py`, function `plot_gaussian_gap` (lines 42–78): the dashed line of the ratio prediction/truth is `0.2`
  (line 69); `main_train_ar.py` measures that ratio at the last position of the test sequences (line 77).
- Both plot the runs in `dim5_T100` (plot.py lines 28, 65): d = 5, T = 100.

The derived counterparts are the finite-T limit of ab (Theorem 4.1, `stationary.ab_limit`) and the ratio at that
limit (`capability.ratio`), for the real Gaussian law at the plotted d and T.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.derivations.moments import RealGaussian, SymbolicExchangeable, with_moments
from mesaverify.derivations.zheng import capability, stationary
from mesaverify.derivations.zheng.symbols import T, d

D, HORIZON = 5, 100  # plot.py: the runs in dim5_T100
SCALES = (sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))  # plot.py lines 6, 10, 14
sigma = sp.Symbol("sigma", positive=True)
RATIO_LINE = sp.Rational(1, 5)  # plot.py line 69


def ab_line() -> sp.Expr:
    """plot.py line 32: 0.2 / scale², scale = σ."""
    return sp.Rational(1, 5) / sigma**2


def _gaussian(expr: sp.Expr) -> sp.Expr:
    """A symbolic-d, symbolic-T result for x_1 ~ N(0, σ²I) at the plotted d = 5, T = 100, exactly."""
    return sp.simplify(with_moments(expr.subs(d, D), RealGaussian(D, sigma)).subs(T, HORIZON))


@lru_cache(maxsize=None)
def finite_ab() -> sp.Expr:
    """lim ab for N(0, σ²I) at d = 5, T = 100: (T − 2)/(σ²(5(T − 2) + (d − 1) H_{T−2})) there."""
    return _gaussian(stationary.ab_limit(SymbolicExchangeable(d), d))


@lru_cache(maxsize=None)
def finite_ratio() -> sp.Expr:
    """E[ŷ_{t,k}/x_{t+1,k}] at the trained limit for N(0, σ²I) at d = 5, T = 100 (free of σ)."""
    return _gaussian(capability.ratio(SymbolicExchangeable(d), d))


def gaps() -> sp.Tuple:
    """(plotted ab line − finite-T lim ab, plotted ratio line − finite-T ratio, relative gap line/limit − 1),
    exact; the relative gap is (d − 1) H_{T−2} / (5(T − 2)) at d = 5, T = 100, the same for both lines."""
    return sp.Tuple(sp.simplify(ab_line() - finite_ab()), sp.simplify(RATIO_LINE - finite_ratio()),
                    sp.simplify(ab_line() / finite_ab() - 1))
