"""[Z] Thm 4.1: the trained model is one step of GD on ½ Σ_{i<t} ‖x_{i+1} − W x_i‖² from W = 0.

Two symbolic proofs:

* for symbolic d, block algebra on the diagonal family collapses each term
  of ŷ_t to W^{PV} e_i e_i^* W^{KQ} e_t = ab · x_i x_{i−1}^* x_t, so with
  x_0 = 0, ŷ_t = (ab/(t−1)) Σ_{i=1}^{t−1} x_{i+1} x_i^* x_t;
* for explicit small d and t with complex coordinates written as real
  pairs, the GD step is computed by differentiating the least-squares
  objective with respect to the real and imaginary parts of every entry
  of W, and its prediction Ŵ x_t is subtracted from the model's — the
  difference simplifies to zero when η = ab/(t−1).
"""
from __future__ import annotations

import sympy as sp

from mesaverify.derivations.zheng.stationary import ab_limit
from mesaverify.derivations.zheng.symbols import T, a, b, d, t


def block_term() -> sp.Expr:
    """W^{PV} e_i e_i^* W^{KQ} e_t on the diagonal family, for symbolic d (block algebra)."""
    x_i, x_prev, x_t, x_tprev = (sp.MatrixSymbol(n, d, 1) for n in ("x_i", "x_{i-1}", "x_t", "x_{t-1}"))
    Z, I = sp.ZeroMatrix(d, d), sp.Identity(d)
    W_KQ = sp.BlockMatrix([[Z, Z], [a * I, Z]])
    W_PV = sp.BlockMatrix([[b * I, Z]])
    e_i = sp.BlockMatrix([[x_i], [x_prev]])
    e_t = sp.BlockMatrix([[x_t], [x_tprev]])
    return sp.block_collapse(W_PV * e_i * sp.adjoint(e_i) * W_KQ * e_t)


def _complex_vector(name: str, dim: int):
    re = sp.symbols(f"{name}re0:{dim}", real=True)
    im = sp.symbols(f"{name}im0:{dim}", real=True)
    return sp.Matrix([r + sp.I * i for r, i in zip(re, im)])


def gd_residual(dim: int, steps: int) -> sp.Matrix:
    """Model prediction minus one-GD-step prediction, explicit d = dim, t = steps, η = ab/(t−1)."""
    xs = [sp.zeros(dim, 1)] + [_complex_vector(f"x{s}", dim) for s in range(1, steps + 1)]
    # the model from its definition, full matrices on the diagonal family
    W_KQ = sp.zeros(2 * dim, 2 * dim)
    W_KQ[dim:, :dim] = a * sp.eye(dim)
    W_PV = sp.zeros(dim, 2 * dim)
    W_PV[:, :dim] = b * sp.eye(dim)
    E = sp.Matrix.hstack(*[sp.Matrix.vstack(xs[s], xs[s - 1]) for s in range(1, steps + 1)])
    e_t = E[:, steps - 1]
    model = W_PV * E * E.H * W_KQ * e_t / (steps - 1)
    # one GD step from W = 0 on ½ Σ ‖x_{i+1} − W x_i‖², gradient over real and imaginary parts
    Wre = sp.Matrix(dim, dim, lambda r, c: sp.Symbol(f"Wre{r}{c}", real=True))
    Wim = sp.Matrix(dim, dim, lambda r, c: sp.Symbol(f"Wim{r}{c}", real=True))
    W = Wre + sp.I * Wim
    objective = sum(((xs[i + 1] - W * xs[i]).H * (xs[i + 1] - W * xs[i]))[0] for i in range(1, steps)) / 2
    at_zero = {s: 0 for s in list(Wre) + list(Wim)}
    grad = sp.Matrix(dim, dim, lambda r, c: sp.diff(objective, Wre[r, c]) + sp.I * sp.diff(objective, Wim[r, c]))
    eta = a * b / (steps - 1)
    W_hat = -eta * grad.subs(at_zero)
    return sp.simplify(sp.expand(model - W_hat * xs[steps]))


def step_size(law, dim, horizon=T) -> sp.Expr:
    """η_t = lim ab / (t − 1): the learned step of the mesa-optimiser at context length t."""
    return ab_limit(law, dim, horizon) / (t - 1)
