"""[S] §3.2 non-augmented losses in closed form in (C, p): a few sums over the entries, O(H d² + T) exact work.

The derived loss (`nonaugmented.loss_of`, a sum over coordinate assignments for each d) depends on C
only through each row's pattern of coincidences with the output coordinate k (the phases of W are
i.i.d. and s_1 = 𝟙), and on p only through S₁ = Σ_t p_t, S₂ = Σ_t p_t², p_1, p_{T−1}, p_T.  Read off
the derived loss at d = 3 (unitary) and d = 6 (orthogonal, three blocks, every pattern present):

* unitary, W = diag(λ):
  L = S₂ ‖C‖_F² + p_{T−1}² (‖C𝟙‖² − ‖C‖_F²) − 2 p_T tr C + d;
* orthogonal, W = blockdiag(R(φ_i)): for the row k = (block I, position r), x = C_{k,(I,r)},
  y = C_{k,(I,1−r)}, σ_B = C_{k,(B,0)} + C_{k,(B,1)} and Σ' = Σ_{B≠I} σ_B,
  L = Σ_k [x² (S₂/2 + S₁² + p_{T−1}S₁ − p_1²/2) + y² (S₂/2 + p_1²/2) + xy p_{T−1}S₁
           + S₂ Σ_{B≠I} (C_{k,(B,0)}² + C_{k,(B,1)}²) + p_{T−1}² Σ'² − (p_{T−1}²/2) Σ_{B≠I} σ_B²
           + p_{T−1}² (x + y) Σ' + 2 p_{T−1}S₁ x Σ' − p_T (x + y)] + d
  (the loss E‖ŝ_{T+1} − s_{T+1}‖², no ½).

tests/test_closed_forms.py holds both equal to the derived loss as polynomials in C and p (symbolic T)
at every d up to 4, resp. 6.  Rational entries are computed as integers over a common denominator.
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from itertools import repeat
from operator import add, mul

import sympy as sp

from mesaverify.derivations.sander import minima


def scaled(values: list) -> tuple[list, int]:
    """(n, D) with values = n/D, n integers, if every value is rational (fast exact arithmetic); else (values, 1)."""
    parts = []
    for v in values:
        if isinstance(v, int):
            parts.append((v, 1))
        elif isinstance(v, Fraction):
            parts.append((v.numerator, v.denominator))
        elif isinstance(v, sp.Rational):
            parts.append((int(v.p), int(v.q)))
        else:
            return list(values), 1
    D = math.lcm(*(q for _, q in parts)) if parts else 1
    return [n * (D // q) for n, q in parts], D


def rational(rows: list) -> bool:
    """Every entry a rational number (the fast integer path of `scaled`)."""
    return all(isinstance(v, (int, Fraction, sp.Rational)) for row in rows for v in row)


def transpose_product(B: list, A: list, dim: int) -> list:
    """C = Bᵀ A = Σ_h b_h a_hᵀ exactly (H×d lists): column dot products, or for a mostly zero B its non-zero
    entries only (a minimiser's heads)."""
    if 2 * sum(1 for row in B for v in row if v != 0) > len(B) * dim:
        columns = list(zip(*A))
        return [[sum(map(mul, bk, aj)) for aj in columns] for bk in zip(*B)]
    C = [[0] * dim for _ in range(dim)]
    for a, b in zip(A, B):
        for k, w in enumerate(b):
            if w != 0:
                C[k] = list(map(add, C[k], map(mul, repeat(w), a)))
    return C


def features(p: list) -> dict:
    """(S₁, S₂, p_1, p_{T−1}, p_T) of positional weights p_1..p_T, exact."""
    n, D = scaled(p)
    return {"S1": sp.sympify(sum(n)) / D, "S2": sp.sympify(sum(map(mul, n, n))) / D**2,
            "p1": sp.sympify(n[0]) / D, "pm": sp.sympify(n[-2]) / D, "pT": sp.sympify(n[-1]) / D}


def loss_at(setting: str, C: list, scale, f: dict) -> sp.Expr:
    """L(C/scale, p) in closed form from the rows of C (any exact numbers or symbols) and p's `features`."""
    dim, f = len(C), {k: sp.sympify(v) for k, v in f.items()}
    if setting == "unitary":
        F = sum(sum(map(mul, row, row)) for row in C)
        R2 = sum(sum(row) ** 2 for row in C)
        trace = sum(C[k][k] for k in range(dim))
        quadratic = f["S2"] * F + f["pm"] ** 2 * (R2 - F)
        linear = -2 * f["pT"] * trace
    elif setting == "orthogonal":
        if dim % 2:
            raise ValueError("the orthogonal case needs an even dimension")
        X2 = Y2 = XY = N = Q = Q2 = Z = XS = lin = 0
        for k, row in enumerate(C):
            own, r = k - k % 2, k % 2
            x, y = row[own + r], row[own + 1 - r]
            sigma = [row[j] + row[j + 1] for j in range(0, dim, 2)]
            rest = sum(sigma) - (x + y)
            X2, Y2, XY, lin = X2 + x * x, Y2 + y * y, XY + x * y, lin + x + y
            N += sum(map(mul, row, row)) - x * x - y * y
            Q, Q2 = Q + rest * rest, Q2 + sum(map(mul, sigma, sigma)) - (x + y) ** 2
            Z, XS = Z + (x + y) * rest, XS + x * rest
        S1, S2, p1, pm = f["S1"], f["S2"], f["p1"], f["pm"]
        quadratic = (X2 * (S2 / 2 + S1**2 + pm * S1 - p1**2 / 2) + Y2 * (S2 / 2 + p1**2 / 2)
                     + XY * pm * S1 + N * S2 + Q * pm**2 - Q2 * pm**2 / 2 + Z * pm**2 + 2 * XS * pm * S1)
        linear = -f["pT"] * lin
    else:
        raise ValueError(f"unknown setting {setting!r}")
    return sp.expand(sp.sympify(quadratic) / sp.sympify(scale) ** 2 + sp.sympify(linear) / scale + dim)


def loss(setting: str, A: list, B: list, p: list) -> sp.Expr:
    """L(C, p) at heads A, B (H×d: rows a_h, b_h) and positional weights p (length T), exactly."""
    (a, da), (b, db) = scaled([v for row in A for v in row]), scaled([v for row in B for v in row])
    dim = len(A[0])
    rows = [a[n:n + dim] for n in range(0, len(a), dim)], [b[n:n + dim] for n in range(0, len(b), dim)]
    return loss_at(setting, transpose_product(rows[1], rows[0], dim), da * db, features(p))


def target(setting: str, dim: int) -> tuple[sp.Expr, list]:
    """(κ, M) of L = κ‖p_T C − M‖² + R: the constant d and the C-linear part of the closed form give
    (1, I) (unitary) and (½, blockdiag(𝟙𝟙ᵀ)) (orthogonal), as `minima.target` derives for each d."""
    if setting == "unitary":
        return sp.Integer(1), [[int(r == c) for c in range(dim)] for r in range(dim)]
    return sp.Rational(1, 2), [[int(r // 2 == c // 2) for c in range(dim)] for r in range(dim)]


def bound(setting: str, dim: int, heads: int) -> sp.Expr:
    """Eckart–Young, κ Σ_{i>H} σ_i(M)²: σ(I) = 1 (d times); σ(blockdiag(𝟙𝟙ᵀ)) = 2 (d/2 times), else 0."""
    if setting == "unitary":
        return sp.Integer(max(dim - heads, 0))
    return sp.Integer(2 * max(dim // 2 - heads, 0))


def minimiser(setting: str, dim: int, heads: int) -> dict:
    """The minimiser of `minima` ({"A", "B"} rows, p_{T−1}, p_T; p_t = 0 before) with its closed-form loss."""
    if setting == "unitary":
        m = minima.unitary_minimiser(dim, heads)
        last = (0, m["p_last"])
    else:
        m = minima.orthogonal_minimiser(dim, heads, block_minimisers())
        last = m["p_last_two"]
    f = {"S1": last[0] + last[1], "S2": last[0] ** 2 + last[1] ** 2, "p1": 0, "pm": last[0], "pT": last[1]}
    value = loss_at(setting, transpose_product(m["B"], m["A"], dim), 1, f)
    return {"A": m["A"], "B": m["B"], "p_last_two": last, "minimum": value}


@lru_cache(maxsize=None)
def block_minimisers() -> sp.Tuple:
    """(ρ*, C*, L*) of one rotation block (d = 2), solved on the closed form (`minima.block_minimisers`)."""
    rho = sp.Symbol("rho", real=True)
    C = [[sp.Symbol(f"C_{r}{c}", real=True) for c in range(2)] for r in range(2)]
    f = {"S1": rho + 1, "S2": rho**2 + 1, "p1": 0, "pm": rho, "pT": 1}
    return minima.block_minimisers(loss_at("orthogonal", C, 1, f), [v for row in C for v in row], rho)
