"""[S] §3.2, non-augmented tokens: the lower bound on the loss for any number of heads, and the minima.

Lower bound (any H): L(C, p) = κ‖p_T C − M‖_F² + R(C, p) with R a sum of
squares, (κ, M) = (1, I) (unitary) and (½, blockdiag(𝟙𝟙^T)) (orthogonal); since
rank(p_T C) ≤ H, Eckart–Young gives L ≥ κ Σ_{i>H} σ_i(M)², attained by the
minimisers below: d − H (unitary, H < d) and max(d − 2H, 0) (orthogonal).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.factoring import factor
from mesaverify.derivations.sander.nonaugmented import (
    MID,
    loss_of,
    on_last_two,
    orthogonal_loss,
    polarised_loss,
    pull_out,
    split_positions,
    unitary_loss,
)
from mesaverify.derivations.sander.symbols import C_, C, T, p, p_, tau


def _degree_in_C(term: sp.Expr) -> int:
    """The degree of one term of an expanded expression in the entries of C."""
    return sum(int(e) for f, e in term.as_powers_dict().items() if isinstance(f, sp.Indexed) and f.base == C)


def target(setting: str, dim: int) -> tuple[sp.Expr, sp.ImmutableMatrix]:
    """(κ, M) with L − κ‖p_T C − M‖_F² free of constant and C-linear terms.

    The C-linear part of L is −p_T ⟨B, C⟩ and its constant L(0, p) = L_0; the
    square matches both iff 2κM = B and κ‖M‖² = L_0: κ = ‖B‖²/(4L_0), M = B/(2κ).
    """
    L0, B = sp.Integer(0), sp.zeros(dim, dim)
    for term in sp.Add.make_args(loss_of(setting, dim)):
        degree = _degree_in_C(term)
        if degree == 0:
            L0 += term
        elif degree == 1:
            (entry,) = [f for f in term.free_symbols if isinstance(f, sp.Indexed) and f.base == C]
            B[entry.indices] -= term / (entry * p[T])
    if L0.free_symbols or any(v.free_symbols for v in B):
        raise ValueError("the C-linear part of the loss is not −p_T ⟨B, C⟩ with a constant B")
    kappa = sum(v**2 for v in B) / (4 * L0)
    if not kappa > 0:
        raise ValueError(f"κ = {kappa}: no square κ‖p_T C − M‖² with κ > 0 carries the loss's linear part")
    return kappa, sp.ImmutableMatrix(B / (2 * kappa))


def _squares(G: sp.Matrix, z: list) -> list[tuple[sp.Expr, sp.Expr]]:
    """z^T G z = Σ D_i (ℓ_i·z)², D_i > 0, for a symmetric rational G ⪰ 0 (LDL^T, exact); raises if G ⋡ 0."""
    G, n, out = sp.Matrix(G), len(z), []
    for a in range(n):
        pivot = G[a, a]
        if pivot < 0 or (pivot == 0 and any(G[a, b] != 0 for b in range(a, n))):
            raise ValueError(f"the Gram matrix is not positive semi-definite (pivot {a}: {pivot})")
        if pivot == 0:
            continue
        col = G[:, a] / pivot
        out.append((pivot, sum(col[b] * z[b] for b in range(a, n))))
        G -= pivot * col * col.T
    return out


@lru_cache(maxsize=None)
def _gram_blocks(setting: str, dim: int) -> dict:
    """Per output row k, (G, A, z): the quadratic part of L is Σ_k [z_k^T G_k z_k + Σ_{τ∈MID} p_τ² c_k^T A_k c_k],
    z_k = (C_kj · s)_{j, s}, s ∈ (p_1, p_{T−1}, p_T, Σ_{τ∈MID} p_τ), c_k = (C_kj)_j; read off the part of
    E[⟨ŝ(C, p), ŝ(C', p')⟩] bilinear in (C, p) and (C', p'), its sums over 1..T split at 1, T − 1, T."""
    sig, sig_, vs = sp.symbols("sigma sigma' varsigma", real=True)
    gram = sp.Add(*[a for a in sp.Add.make_args(polarised_loss(setting, dim)) if a.has(C) and a.has(C_)])
    gram = split_positions(gram).xreplace({sp.Sum(p[tau], MID): sig, sp.Sum(p_[tau], MID): sig_,
                                          sp.Sum(p[tau] * p_[tau], MID): vs})
    slots, slots_ = (p[1], p[T - 1], p[T], sig), (p_[1], p_[T - 1], p_[T], sig_)
    G = {row: sp.zeros(4 * dim, 4 * dim) for row in range(dim)}
    A = {row: sp.zeros(dim, dim) for row in range(dim)}
    for term in sp.Add.make_args(gram):
        coeff, factors = term.as_coeff_mul()
        entries = [f for f in factors if isinstance(f, sp.Indexed) and f.base in (C, C_)]
        rest = [f for f in factors if f not in entries]
        if len(entries) != 2 or {e.base for e in entries} != {C, C_}:
            raise ValueError(f"a term of the Gram matrix is not bilinear in C, C': {term}")
        ((r, a),), ((r_, b),) = ([e.indices for e in entries if e.base == X] for X in (C, C_))
        if r != r_:
            raise ValueError(f"the Gram matrix couples output rows {r} and {r_}: {term}")
        if rest == [vs]:
            A[r][a, b] += coeff
        elif len(rest) == 2 and rest[0] in slots + slots_ and rest[1] in slots + slots_:
            u, v = sorted(rest, key=lambda f: f in slots_)
            if u not in slots or v not in slots_:
                raise ValueError(f"unexpected positional factors in {term}")
            G[r][4 * a + slots.index(u), 4 * b + slots_.index(v)] += coeff
        else:
            raise ValueError(f"unexpected positional factors in {term}")
    mid = sp.Sum(p[tau], MID)
    out = {}
    for row in range(dim):
        if G[row] != G[row].T or A[row] != A[row].T:
            raise ValueError(f"the Gram matrix of row {row} is not symmetric")
        z = [C[row, c] * s for c in range(dim) for s in (p[1], p[T - 1], p[T], mid)]
        out[row] = (G[row], A[row], z)
    return out


@dataclass(frozen=True)
class Decomposition:
    """L(C, p) = κ‖p_T C − M‖_F² + R(C, p), R a sum of squares with positive weights."""

    kappa: sp.Expr
    M: sp.ImmutableMatrix
    remainder: sp.Expr

    def square(self) -> sp.Expr:
        """κ‖p_T C − M‖_F²."""
        d = self.M.rows
        return self.kappa * sum((p[T] * C[r, c] - self.M[r, c]) ** 2 for r in range(d) for c in range(d))

    def bound(self, heads: int) -> sp.Expr:
        """Eckart–Young: min over rank(p_T C) ≤ H of κ‖p_T C − M‖_F² = κ Σ_{i>H} σ_i(M)²."""
        values = sorted(self.M.singular_values(), key=lambda v: -v)
        return sp.nsimplify(self.kappa * sum(v**2 for v in values[heads:]))


def manifestly_nonnegative(expr: sp.Expr) -> bool:
    """True if expr is built from non-negative numbers, even powers of real expressions, products,
    sums and sums over τ ∈ MID (a range that is empty or not, never negative, for T ≥ 3)."""
    if expr.is_Number:
        return bool(expr >= 0)
    if isinstance(expr, (sp.Add, sp.Mul)):
        return all(manifestly_nonnegative(a) for a in expr.args)
    if isinstance(expr, sp.Pow):
        return bool(expr.exp.is_Integer and expr.exp % 2 == 0 and expr.base.is_extended_real)
    if isinstance(expr, sp.Sum):
        return expr.limits == (MID,) and manifestly_nonnegative(expr.function)
    return False


@lru_cache(maxsize=None)
def decomposition(setting: str, dim: int) -> Decomposition:
    """L(C, p) = κ‖p_T C − M‖_F² + R with R = Σ_k [Σ D_i (ℓ_i·z_k)² + Σ_{τ∈MID} Σ D'_i (ℓ'_i·c_k)² p_τ²].

    (κ, M) from `target`; the Gram blocks of each output row k, less κ on the
    p_T slots, written as sums of squares by an exact LDL^T (which fails unless
    they are positive semi-definite); the identity is then checked on the
    derived loss, for symbolic T.
    """
    kappa, M = target(setting, dim)
    squares = []
    for row, (G, A, z) in _gram_blocks(setting, dim).items():
        G = G.copy()
        for c in range(dim):
            G[4 * c + 2, 4 * c + 2] -= kappa  # the p_T slots: κ p_T² ‖C‖² is the square's
        squares += [w * base**2 for w, base in _squares(G, z)]
        squares += [w * sp.Sum((base * p[tau]) ** 2, MID)
                    for w, base in _squares(A, [C[row, c] for c in range(dim)])]
    out = Decomposition(kappa, M, sp.Add(*squares))
    if pull_out(split_positions(loss_of(setting, dim)) - out.square() - out.remainder) != 0:
        raise ValueError(f"L ≠ κ‖p_T C − M‖² + R in the {setting} case, d = {dim}")
    if not manifestly_nonnegative(out.remainder):
        raise ValueError("the remainder is not a sum of squares")
    return out


def minimum_bound(setting: str, dim: int, heads: int) -> sp.Expr:
    """L ≥ κ‖p_T C − M‖² ≥ κ Σ_{i>H} σ_i(M)² since rank(p_T C) ≤ rank C ≤ H (C = Σ_h b_h a_h^T)."""
    return decomposition(setting, dim).bound(heads)


def unitary_minimum(dim: int, heads: int) -> sp.Expr:
    """L at the minimiser below, for symbolic T: ‖p_T C − I‖_F² = d − min(H, d) with p_T C a rank-min(H, d) projector.

    That it is the minimum is `minimum_bound("unitary", d, H)`, the Eckart–Young bound of the decomposition.
    """
    m = unitary_minimiser(dim, heads)
    Cm = sp.Matrix(m["B"]).T * sp.Matrix(m["A"])
    values = {C[r, c]: Cm[r, c] for r in range(dim) for c in range(dim)}
    values.update({p[T - 1]: 0, p[T]: m["p_last"]})
    value = sp.simplify(on_last_two(unitary_loss(dim), values))
    if value.has(T):
        raise ValueError(f"the minimum depends on T: {value}")
    return value


def unitary_minimiser(dim: int, heads: int) -> dict:
    """A minimiser: p = (0, …, 0, 1), a_h = b_h = e_h for h ≤ min(H, d) (other heads zero)."""
    a_rows = [[1 if c == h and h < dim else 0 for c in range(dim)] for h in range(heads)]
    return {"A": a_rows, "B": [row[:] for row in a_rows], "p_last": 1}


def heads_gram() -> sp.Matrix:
    """p_T A B^T at every minimiser with H ≤ d: A = G U^T, B = G^{−T} U^T / p_T, U^T U = I_H ⇒ I_H.

    C = B^T A = U U^T / p_T (a rank-H projector) factors as above for any
    invertible G; the Gram matrix of heads ⟨a_h, b_{h'}⟩ p_T is computed from it.
    """
    H = 2
    G = sp.Matrix(H, H, lambda r, c: sp.Symbol(f"G_{r}{c}"))
    theta = sp.Symbol("theta", real=True)
    U = sp.Matrix([[sp.cos(theta), 0], [sp.sin(theta), 0], [0, 1]])  # orthonormal columns in R^3
    pT = sp.Symbol("p_T", nonzero=True)
    A_ = G * U.T
    B_ = G.inv().T * U.T / pT
    assert sp.simplify(B_.T * A_ - U * U.T / pT) == sp.zeros(3, 3)
    return sp.simplify(pT * A_ * B_.T)


# --- orthogonal case: minima and the trigonometric relation ---------------------------------

@lru_cache(maxsize=None)
def orthogonal_block_minimisers() -> sp.Tuple:
    """(p_{T−1}/p_T, p_T C, L*) at the minimum of one rotation block (d = 2) with p_t = 0 for t < T − 1.

    Scaling (C, p) → (C/α, αp) leaves the loss unchanged, so p_T = 1."""
    rho = sp.Symbol("rho", real=True)
    loss = on_last_two(orthogonal_loss(2), {p[T - 1]: rho, p[T]: 1})
    return block_minimisers(loss, [C[r, c] for r in range(2) for c in range(2)], rho)


def block_minimisers(loss: sp.Expr, entries: list, rho: sp.Symbol) -> sp.Tuple:
    """(ρ*, C(ρ*), L*) of a block's loss in its entries of C and ρ = p_{T−1} (p_T = 1): for fixed ρ a quadratic
    in each row of C with a unique minimiser C(ρ), then L(C(ρ), ρ) minimised over ρ."""
    (solution,) = sp.linsolve([sp.diff(loss, x) for x in entries], entries)  # one solution, else this raises
    best = dict(zip(entries, solution))
    profile = factor(sp.simplify(loss.xreplace(best)))
    slope, poles = sp.fraction(sp.together(sp.diff(profile, rho)))
    (rho_star,) = [r for r, _ in sp.Poly(slope, rho).real_roots(multiple=False) if poles.subs(rho, r) != 0]
    Cstar = sp.Matrix(2, 2, lambda r, c: sp.simplify(best[entries[2 * r + c]].subs(rho, rho_star)))
    return sp.Tuple(rho_star, Cstar, sp.simplify(profile.subs(rho, rho_star)))


def orthogonal_minimiser(dim: int, heads: int, block: sp.Tuple | None = None) -> dict:
    """A minimiser: min(H, d/2) heads, head h reading and writing 𝟙 on block h; p = (0, …, 0, ρ*, 1) (`block`)."""
    rho, Cblock, _ = block if block is not None else orthogonal_block_minimisers()
    if Cblock != sp.ones(2, 2):
        raise ValueError(f"the block minimiser is not rank one with 𝟙𝟙^T: {Cblock}")
    rows = [[1 if h < dim // 2 and c // 2 == h else 0 for c in range(dim)] for h in range(heads)]
    return {"A": rows, "B": [r[:] for r in rows], "p_last_two": (rho, 1)}


def orthogonal_minimum(dim: int, heads: int) -> sp.Expr:
    """L at the minimiser above: zero for H ≥ d/2; for H < d/2 the loss L(0, p) = 2 of each of the d/2 − H
    unfitted blocks, d − 2H in all.

    Evaluated on the derived loss for symbolic T (the value must not depend on T).
    """
    if dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    m = orthogonal_minimiser(dim, heads)
    Cm = sp.Matrix(m["B"]).T * sp.Matrix(m["A"])
    rho, last = m["p_last_two"]
    values = {C[r, c]: Cm[r, c] for r in range(dim) for c in range(dim)}
    values.update({p[T - 1]: rho, p[T]: last})
    value = sp.simplify(on_last_two(orthogonal_loss(dim), values))
    if value.has(T):
        raise ValueError(f"the minimum depends on T: {value}")
    return value


def orthogonal_heads_gram(dim: int) -> sp.Matrix:
    """p_T A B^T at the minimiser with H = d/2 heads: heads bi-orthogonal, ⟨a_h, b_h'⟩ p_T = 2 δ_{hh'}.

    C = Σ_h b_h a_h^T = U U^T / p_T with U = [𝟙_{block 1}, …] (U^T U = 2 I); any
    A = G U^T, B = G^{−T} U^T / p_T gives it, and p_T A B^T = U^T U = 2 I.
    """
    m = orthogonal_minimiser(dim, dim // 2)
    A_, B_ = sp.Matrix(m["A"]), sp.Matrix(m["B"])
    return A_ * B_.T * m["p_last_two"][1]
