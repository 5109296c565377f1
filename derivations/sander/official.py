"""[S]'s official implementation (github.com/michaelsdr/ical): its closed-form losses, transcribed as facts.

Both files train C = B^T A (rows of A, B the heads a_h, b_h) and positional weights p = (p_1, …, p_T) by
gradient descent on a closed form `loss_function(C, p)`, with p_{T−1} = p[-2], p_T = p[-1]:

- `unitary.py`, function `loss_function` (lines 21–36; C = B^T A at line 45):
  ‖p‖²‖C‖_F² + p_{T−1}² Σ_{ij}(C^T C)_{ij} − 2 tr(C) p_T + d.
- `orthogonal.py`, function `loss_function` (lines 17–31; C = B^T A at line 40), trained with d = 10, H = 8,
  T = 20 (lines 7–9): with t1 = Σ_{ij}(C^T C)_{ij}, t2 = ‖C‖_F²,
  t3 = Σ_i [(C𝟙)_{2i} C_{2i,2i+1} + (C𝟙)_{2i+1} C_{2i+1,2i}], t4 = Σ_i (C_{2i,2i+1}² + C_{2i+1,2i}²) and q the
  weights without p_{T−1},
  p_{T−1}² t1 + (‖p‖² − p_{T−1}²) t2 + 2 t3 (p_{T−1} Σ_t p_t − p_{T−1}²) + ((Σ q)² − Σ q²) t4 − 2 tr(C) p_T + d.

The constant d is E‖s_{T+1}‖² for s_1 = 𝟙: the loss has no factor ½ (see derivations.sander).  Here the
formulas are written for symbolic T (sums over t = 1..T) and compared with the derived loss of the model.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from mesaverify.derivations.factoring import factor
from mesaverify.derivations.sander.nonaugmented import SUITE, Reading, evaluate, loss_of, pull_out, split_positions
from mesaverify.derivations.sander.symbols import C, T, p, t

TRAINED = {"d": 10, "H": 8, "T": 20}  # orthogonal.py, lines 7–9


def _sums(dim: int) -> dict:
    """The matrix sums both formulas use: t1 = Σ(C^T C), t2 = ‖C‖_F², tr C (d×d entries C[r, c])."""
    entries = [[C[r, c] for c in range(dim)] for r in range(dim)]
    # Σ_ij (C^T C)_ij = Σ_ij Σ_k C_ki C_kj = Σ_k (Σ_i C_ki)²
    return {"t1": sp.Add(*[sp.expand(sp.Add(*row) ** 2) for row in entries]),
            "t2": sp.Add(*[v**2 for row in entries for v in row]), "trace": sp.Add(*[entries[r][r] for r in range(dim)])}


def unitary_loss(dim: int) -> sp.Expr:
    """ical unitary.py `loss_function(C, p)`: ‖p‖²‖C‖_F² + p_{T−1}² Σ(C^T C) − 2 tr(C) p_T + d."""
    s = _sums(dim)
    norm_p = sp.Sum(p[t] ** 2, (t, 1, T))
    return norm_p * s["t2"] + p[T - 1] ** 2 * s["t1"] - 2 * s["trace"] * p[T] + dim


def orthogonal_loss(dim: int) -> sp.Expr:
    """ical orthogonal.py `loss_function(C, p)` (terms t1..t4 as its comments number them)."""
    if dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    s = _sums(dim)
    row = [sp.Add(*[C[r, c] for c in range(dim)]) for r in range(dim)]
    blocks = range(dim // 2)
    t3 = sp.Add(*[row[2 * i] * C[2 * i, 2 * i + 1] + row[2 * i + 1] * C[2 * i + 1, 2 * i] for i in blocks])
    t4 = sp.Add(*[C[2 * i, 2 * i + 1] ** 2 + C[2 * i + 1, 2 * i] ** 2 for i in blocks])
    total, squares, last = sp.Sum(p[t], (t, 1, T)), sp.Sum(p[t] ** 2, (t, 1, T)), p[T - 1]
    sum_q, sum_q2 = total - last, squares - last**2
    return (last**2 * s["t1"] + (squares - last**2) * s["t2"] + 2 * t3 * (last * total - last**2)
            + (sum_q**2 - sum_q2) * t4 - 2 * s["trace"] * p[T] + dim)


def official_loss(setting: str, dim: int) -> sp.Expr:
    return unitary_loss(dim) if setting == "unitary" else orthogonal_loss(dim)


def canonical(expr: sp.Expr) -> sp.Expr:
    """Sums over t = 1..T split at 1, T − 1, T and pulled apart, so that equal sums cancel; then factored
    where that shortens (p_{T−1}²‖C‖_F² rather than its d² terms)."""
    out = pull_out(split_positions(sp.expand(expr)))
    factored = factor(out)
    return factored if sp.count_ops(factored) < sp.count_ops(out) else out


@lru_cache(maxsize=None)
def difference(setting: str, dim: int, reading: Reading = SUITE) -> sp.Expr:
    """The official closed form minus the derived loss of the model read as `reading`, exactly (symbolic T)."""
    return canonical(official_loss(setting, dim) - loss_of(setting, dim, reading))


def at(setting: str, dim: int, C_mat, p_vec) -> sp.Expr:
    """The official closed form at a concrete C (d×d) and p (length T), exactly."""
    return evaluate(official_loss(setting, dim), C_mat, p_vec)


def gradient_at(setting: str, dim: int, heads_A, heads_B, p_vec) -> tuple[sp.Matrix, sp.Matrix, list]:
    """Its gradient in the heads and the weights, exactly, at C = B^T A (rows of A, B: a_h, b_h): with
    G = ∂/∂C, ∂/∂A = B G and ∂/∂B = A G^T; and ∂/∂p_t for every t."""
    A_, B_ = sp.Matrix(heads_A), sp.Matrix(heads_B)
    C_mat, horizon = B_.T * A_, len(p_vec)
    expr = official_loss(setting, dim).subs(T, horizon).doit()
    values = {p[n + 1]: v for n, v in enumerate(p_vec)}
    values.update({C[r, c]: C_mat[r, c] for r in range(dim) for c in range(dim)})

    def partial(v):
        return sp.nsimplify(sp.expand(sp.diff(expr, v).xreplace(values)))

    G = sp.Matrix(dim, dim, lambda r, c: partial(C[r, c]))
    return B_ * G, A_ * G.T, [partial(p[n + 1]) for n in range(horizon)]
