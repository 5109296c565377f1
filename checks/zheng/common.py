"""What the [Z] checks share: the default cases, exact evaluation of a symbolic result at a law, and
the numeric minimiser u* found from the model alone."""
from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp

from mesaverify.checks.core.laws import LawSpec
from mesaverify.checks.core.numeric import exact_comparison as core_exact_comparison
from mesaverify.checks.core.numeric import (
    exact_loss,
    family_matrices_mp,
    vertex,  # noqa: F401  (the checks of [Z] take it from here)
)
from mesaverify.derivations.moments import SymbolicExchangeable, with_moments
from mesaverify.derivations.zheng.model import BLOCKS
from mesaverify.derivations.zheng.symbols import T, a, a0, b, b0, d, t, tau

R = sp.Rational
CLASSES = [(blk, kind) for blk in BLOCKS for kind in ("diag", "off")]
BLOCK_SLICES = {"k11": ("K", 0, 0), "k12": ("K", 0, 1), "k21": ("K", 1, 0), "k22": ("K", 1, 1),
                "v1": ("V", 0, 0), "v2": ("V", 0, 1)}
# The default cases of `make verify`: small enough to run in seconds, varied enough to catch errors.
EXACT_LAWS = (LawSpec("sparse", 2, c=R(1, 2)), LawSpec("rademacher", 2), LawSpec("ones", 3),
              LawSpec("sparse", 3, c=R(3)))
MC_LAWS = (LawSpec("gaussian", 2, sigma=R(1)), LawSpec("complex-gaussian", 2, sigma=R(1, 2)))
HORIZONS = (3, 5)
POINTS = ((R(3, 5), R(7, 4)), (R(-1, 2), R(1, 3)))
# a non-exchangeable finite law (complex support) for the per-coordinate family
SKEWED = LawSpec("discrete", 2, support=((1, R(1, 2)), (R(-1, 3), 2), (R(1, 2) + sp.I, -1)),
                 probs=(R(1, 2), R(1, 3), R(1, 6)))

SYMBOLIC = SymbolicExchangeable(d)
# the equations (left-hand sides) several [Z] checks name their derived expressions by
LIMIT = r"\lim_{\tau\to\infty} ab"
TEST_ERROR = r"\mathcal{E}(t)"  # E[½‖ŷ_t − x_{t+1}‖²] at test context t, ab at its trained limit
NAMED = {"a": a, "b": b, "a0": a0, "b0": b0, "tau": tau, "t": t}  # keyword names `at` accepts


def at(expr, spec: LawSpec, horizon, **values):
    """A symbolic-d, symbolic-T result evaluated for a law, d, T and parameter values, exactly."""
    subs = {T: horizon}
    subs.update({NAMED.get(k, k): v for k, v in values.items()})
    # d first: moments of more distinct coordinates than d come with a vanishing count
    at_d = expr.subs(d, spec.d)
    if isinstance(at_d, sp.Expr) and not at_d.has(sp.Piecewise, sp.exp):
        at_d = sp.expand(at_d)
    return sp.nsimplify(with_moments(at_d, spec.exact()).subs(subs).doit())


def exact_comparison(rows, what):
    """rows: (label, derived mp, numeric mp); max relative error against 10^−30 at 50 digits."""
    return core_exact_comparison(rows, what, "phases averaged exactly over finite laws")


def family_loss(spec, horizon, x, y, times=None):
    K, V = family_matrices_mp(spec.d, [x] * spec.d, [y] * spec.d)
    return exact_loss(spec, horizon, K, V, times)


def numeric_star(spec, horizon):
    """u* from the model alone: the minimiser along a = 1, b = u of the loss, a quadratic in u
    (ŷ is linear in b), from its exact values at u = 0, 1, 2; at the current precision."""
    return _numeric_star(spec, horizon, mpmath.mp.dps)


@lru_cache(maxsize=64)
def _numeric_star(spec, horizon, dps):
    """numeric_star, cached per working precision."""
    return vertex([family_loss(spec, horizon, 1, u) for u in (0, 1, 2)])
