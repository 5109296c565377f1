"""mesaverify: symbolic-numeric verification of the theory of in-context learning in linear transformers.

The library (each part imported on first use):

- ``laws``: the laws of x_1 (``gaussian(d, sigma)``, ``sparse(d, c)``, ``discrete(support, probs)``, …);
- ``zheng``: [Z]'s derived loss, flow, limit, stationary points and assumptions for a law;
- ``sander``: [S]'s derived losses and minima;
- ``moments``: the moment symbols m2, m4, m6, m24, P0; ``substitute(expr, law)`` puts a law's moments in;
- ``latex(expr)``: the paper-style LaTeX printer; ``lambdify(expr)``: a NumPy function of the parameters;
- ``checks``: every claim as a check, ``checks.run(id)`` runs one;
- ``model(description, law)``: your own model from a description (``mesaverify.models``).

>>> import mesaverify as mv
>>> mv.zheng.limit(mv.laws.gaussian(d=5, sigma=1), T=4)
1/8
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"
__all__ = ["__version__", "laws", "zheng", "sander", "moments", "models", "checks", "latex", "lambdify", "substitute",
           "model"]

_SUBMODULES = ("laws", "zheng", "sander", "moments", "models", "checks")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"mesaverify.{name}")
    if name == "substitute":
        from mesaverify.moments import substitute
        return substitute
    raise AttributeError(f"module 'mesaverify' has no attribute {name!r}")


def model(description, law=None):
    """Your own model from a description (a `Description` or the path of its TOML file) and a law: ``.loss()``,
    ``.flow()``, ``.conserved()``, ``.stationary()``, ``.latex()``, ``.check()``.
    Example: ``mv.model("examples/models/zheng_residual.toml", mv.laws.rademacher(d=2)).loss(T=5)``."""
    from mesaverify.models import model as _model

    return _model(description, law)


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
