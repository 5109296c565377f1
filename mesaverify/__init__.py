"""mesaverify: symbolic-numeric verification of the theory of in-context learning in linear transformers.

The library (each part imported on first use):

- ``laws``: the laws of x_1 (``gaussian(d, sigma)``, ``sparse(d, c)``, ``discrete(support, probs)``, …);
- ``zheng``: [Z]'s derived loss, flow, limit, stationary points and assumptions for a law;
- ``sander``: [S]'s derived losses and minima;
- ``moments``: the moment symbols m2, m4, m6, m24, P0; ``substitute(expr, law)`` puts a law's moments in;
- ``latex(expr)``: the paper-style LaTeX printer; ``lambdify(expr)``: a NumPy function of the parameters;
- ``checks``: every claim as a check, ``checks.run(id)`` runs one.

>>> import mesaverify as mv
>>> mv.zheng.limit(mv.laws.gaussian(d=5, sigma=1), T=4)
1/8
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"
__all__ = ["__version__", "laws", "zheng", "sander", "moments", "checks", "latex", "lambdify", "substitute"]

_SUBMODULES = ("laws", "zheng", "sander", "moments", "checks")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"mesaverify.{name}")
    if name == "substitute":
        from mesaverify.moments import substitute
        return substitute
    raise AttributeError(f"module 'mesaverify' has no attribute {name!r}")


def latex(expr) -> str:
    """The paper-style LaTeX of a derived expression (H_{T-2} for harmonic numbers, m_{2,4}, …).
    Example: ``mv.latex(mv.zheng.limit(mv.laws.symbolic()))``."""
    from mesaverify.tex import to_latex

    return to_latex(expr)


def lambdify(expr, modules: str = "numpy"):
    """A numeric function of expr's free symbols, sorted by name, for NumPy (or "jax"/"torch" when installed);
    the function's `.symbols` lists the argument order. Example: ``f = mv.lambdify(mv.zheng.loss(law, T=10)); f(a, b)``."""
    import sympy as sp

    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    f = sp.lambdify(symbols, expr, modules=modules)
    f.symbols = tuple(symbols)
    return f
