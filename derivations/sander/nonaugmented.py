"""[S] §3.2, non-augmented tokens: diagonal multi-head attention with positional weights.

ŝ_{T+1} = Σ_{t=1}^{T} p_t Σ_h (s_{T−1}^* A_h s_t) B_h s_t with A_h = diag(a_h),
B_h = diag(b_h) real, s_1 = 𝟙.  Coordinate k of the prediction is
Σ_t p_t Σ_j C_{kj} conj(s_{T−1,j}) s_{t,j} s_{t,k} with C = Σ_h b_h a_h^T: the
loss depends on the heads only through C.

Unitary case: W = diag(λ), s_{t,j} = λ_j^{t−1}.  Orthogonal case:
W = blockdiag(R(φ_1), …), R(φ) = Q diag(μ, μ̄) Q^{−1} with μ = e^{iφ}, so a
coordinate r of block i is s_{t,(i,r)} = Σ_{σ=±1} κ_{rσ} μ_i^{σ(t−1)}, with κ
from the eigen-decomposition of R(φ) applied to (1, 1).  Both losses are
computed by the expectation operator over the phases, for symbolic T.

Lower bound (any H): L(C, p) = (κ/2)‖p_T C − M‖_F² + R(C, p) with R a sum of
squares, (κ, M) = (1, I) (unitary) and (½, blockdiag(𝟙𝟙^T)) (orthogonal); since
rank(p_T C) ≤ H, Eckart–Young gives L ≥ (κ/2) Σ_{i>H} σ_i(M)², attained by the
minimisers below.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.expectation import Term, conj, expect_phases, mul, sum_coordinates
from mesaverify.derivations.moments import Ones
from mesaverify.derivations.sander.symbols import HORIZON, C, C_, T, j, k, p, p_, t, tau

SETTINGS = ("unitary", "orthogonal")


def unitary_model(Cb=C, pb=p) -> list[Term]:
    """ŝ_{T+1,k} = Σ_t p_t Σ_j C_kj conj(s_{T−1,j}) s_{t,j} s_{t,k} for W = diag(λ), s_1 = 𝟙."""
    return [Term(pb[t] * Cb[k, j], x=((k, 0, 0), (j, 0, 0)),
                 phase=((j, -(T - 2)), (j, t - 1), (k, t - 1)), time=((t, 1, T),))]


def unitary_target() -> list[Term]:
    """−s_{T+1,k} = −λ_k^T."""
    return [Term(sp.Integer(-1), x=((k, 0, 0),), phase=((k, T),))]


@lru_cache(maxsize=None)
def rotation_coefficients() -> dict:
    """κ_{rσ}: s_{t,r} = Σ_σ κ_{rσ} μ^{σ(t−1)} for s_{t+1} = R(φ) s_t, s_1 = (1, 1), μ = e^{iφ}."""
    mu = sp.Symbol("mu", nonzero=True)  # e^{iφ}; cos φ = (μ + 1/μ)/2, sin φ = (μ − 1/μ)/(2i)
    cos, sin = (mu + 1 / mu) / 2, (mu - 1 / mu) / (2 * sp.I)
    R = sp.Matrix([[cos, -sin], [sin, cos]])
    vectors = []
    for sigma in (1, -1):
        (v,) = (R - mu**sigma * sp.eye(2)).applyfunc(sp.simplify).nullspace()
        vectors.append(v.applyfunc(sp.simplify))
    Q = sp.Matrix.hstack(*vectors)
    w = Q.inv() * sp.Matrix([1, 1])
    out = {}
    for col, sigma in enumerate((1, -1)):
        for r in range(2):
            out[(r, sigma)] = sp.nsimplify(sp.simplify(Q[r, col] * w[col]))
    return out


_i, _i2 = sp.symbols("i i2", integer=True)  # blocks of the output and of the attended coordinate
_w = sp.IndexedBase("w")  # w[i, i2, n]: the coefficient of the n-th phase monomial (a placeholder while averaging)
_MONOMIALS = tuple((Cb, r, s1, s2, s3) for Cb in (C, C_) for r in range(2)
                   for s1 in (1, -1) for s2 in (1, -1) for s3 in (1, -1))


def _weight(n: int, i: int, i2: int) -> sp.Expr:
    """w[i, i2, n] = κ_{r s3} Σ_{r2} C_{(i,r),(i2,r2)} conj(κ_{r2 s1}) κ_{r2 s2} for the n-th (C, r, s1, s2, s3);
    the attended coordinate r2 of block i2 only enters this coefficient."""
    Cb, r, s1, s2, s3 = _MONOMIALS[n]
    kappa = rotation_coefficients()
    return sp.expand(kappa[(r, s3)] * sum(Cb[2 * i + r, 2 * i2 + r2] * sp.conjugate(kappa[(r2, s1)])
                                          * kappa[(r2, s2)] for r2 in range(2)))


def orthogonal_model(r: int, Cb=C, pb=p) -> list[Term]:
    """ŝ_{T+1} at coordinate r of block i for W = blockdiag(R(φ_i)), s_1 = 𝟙, in the phases μ_i = e^{iφ_i}:
    Σ_t p_t Σ_{σ1,σ2,σ3} w[i, i2, n] μ_{i2}^{−σ1(T−2) + σ2(t−1)} μ_i^{σ3(t−1)}, summed over blocks i2."""
    terms = []
    for s1 in (1, -1):
        for s2 in (1, -1):
            for s3 in (1, -1):
                n = _MONOMIALS.index((Cb, r, s1, s2, s3))
                terms.append(Term(pb[t] * _w[_i, _i2, n], x=((_i, 0, 0), (_i2, 0, 0)),
                                  phase=((_i2, -s1 * (T - 2)), (_i2, s2 * (t - 1)), (_i, s3 * (t - 1))),
                                  time=((t, 1, T),)))
    return terms


def _fill_weights(expr: sp.Expr) -> sp.Expr:
    """Every placeholder w[i, i2, n] (and its conjugate) replaced by its value `_weight(n, i, i2)`."""
    values = {}
    for w in expr.atoms(sp.Indexed):
        if w.base == _w:
            i, i2, n = map(int, w.indices)
            values[w] = _weight(n, i, i2)
            values[sp.conjugate(w)] = sp.conjugate(values[w])
    return sp.expand(expr.xreplace(values))


def orthogonal_target(r: int) -> list[Term]:
    """−s_{T+1} at coordinate r of block i."""
    kappa = rotation_coefficients()
    return [Term(-kappa[(r, s)], x=((_i, 0, 0),), phase=((_i, s * T),)) for s in (1, -1)]


@lru_cache(maxsize=None)
def _phase_average(setting: str, r: int = 0) -> list:
    """E over the phases of ⟨ŝ(C, p) − s_{T+1}, ŝ(C', p') − s_{T+1}⟩ at output coordinate k (unitary) or
    coordinate r of block i (orthogonal): the part of the expectation that depends neither on d nor on s_1."""
    if setting == "unitary":
        error, keep = (lambda Cb, pb: unitary_model(Cb, pb) + unitary_target()), k
    elif setting == "orthogonal":
        error, keep = (lambda Cb, pb: orthogonal_model(r, Cb, pb) + orthogonal_target(r)), _i
    else:
        raise ValueError(f"unknown setting {setting!r}")
    return expect_phases([mul(s, conj(u), keep=(keep,)) for s in error(C, p) for u in error(C_, p_)], HORIZON)


@lru_cache(maxsize=None)
def polarised_loss(setting: str, dim: int) -> sp.Expr:
    """E[⟨ŝ(C, p) − s_{T+1}, ŝ(C', p') − s_{T+1}⟩]: the loss 2L(C, p) at (C', p') = (C, p), and the
    features' Gram matrix as its part bilinear in (C, p) and (C', p'); symbolic T, numeric d.

    The expectation operator in its two stages (`derivations.expectation.expect`): the phase average,
    shared by every d, then the sum over coordinates with s_1 = 𝟙.
    """
    if setting == "unitary":
        return sp.expand(sum_coordinates(_phase_average(setting), Ones(dim), dim))
    if dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    blocks = dim // 2
    return _fill_weights(sum(sum_coordinates(_phase_average(setting, r), Ones(blocks), blocks) for r in range(2)))


def _loss(setting: str, dim: int) -> sp.Expr:
    """L(C, p) = ½ E‖ŝ_{T+1} − s_{T+1}‖²: the polarised loss at (C', p') = (C, p), halved."""
    return sp.expand(polarised_loss(setting, dim).xreplace({C_: C, p_: p}) / 2)


@lru_cache(maxsize=None)
def unitary_loss(dim: int) -> sp.Expr:
    """L(C, p) = E[½‖ŝ_{T+1} − s_{T+1}‖²], unitary case, symbolic T, numeric d (C[k, j], p[t])."""
    return _loss("unitary", dim)


@lru_cache(maxsize=None)
def orthogonal_loss(dim: int) -> sp.Expr:
    """L(C, p), orthogonal case W = blockdiag(R(φ_i)), s_1 = 𝟙, symbolic T, numeric even d."""
    return _loss("orthogonal", dim)


def loss_of(setting: str, dim: int) -> sp.Expr:
    """The non-augmented loss of a setting ("unitary" or "orthogonal")."""
    return unitary_loss(dim) if setting == "unitary" else orthogonal_loss(dim)


# --- the lower bound: L = (κ/2)‖p_T C − M‖_F² + R, R a sum of squares; Eckart–Young ---------------

MID = (tau, 2, T - 2)  # the positions other than 1, T − 1 and T (none when T = 3)


def _pull_out(expr: sp.Expr) -> sp.Expr:
    """Every Sum written as Σ (τ-free factor) · Sum(τ-dependent factor): a form in which equal sums combine."""
    def linear(s: sp.Sum) -> sp.Expr:
        (v, lo, hi), = s.limits
        out = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(s.function)):
            free, dep = term.as_independent(v, as_Add=False)
            out += free * sp.Sum(dep, (v, lo, hi))
        return out

    return sp.expand(sp.expand(expr).replace(lambda e: isinstance(e, sp.Sum), linear))


def split_positions(expr: sp.Expr) -> sp.Expr:
    """Σ_{t=1}^{T} f(t) = f(1) + Σ_{τ=2}^{T−2} f(τ) + f(T−1) + f(T) in every sum (T ≥ 3)."""
    def split(s: sp.Sum) -> sp.Expr:
        (v, lo, hi), = s.limits
        if (lo, hi) != (1, T):
            raise ValueError(f"unexpected range in {s}")
        f = s.function
        return f.subs(v, 1) + sp.Sum(f.subs(v, tau), MID) + f.subs(v, T - 1) + f.subs(v, T)

    return _pull_out(expr.replace(lambda e: isinstance(e, sp.Sum), split))


def _degree_in_C(term: sp.Expr) -> int:
    """The degree of one term of an expanded expression in the entries of C."""
    return sum(int(e) for f, e in term.as_powers_dict().items() if isinstance(f, sp.Indexed) and f.base == C)


def target(setting: str, dim: int) -> tuple[sp.Expr, sp.ImmutableMatrix]:
    """(κ, M) with L − (κ/2)‖p_T C − M‖_F² free of constant and C-linear terms.

    The C-linear part of L is −p_T ⟨B, C⟩ and its constant L(0, p) = L_0; the
    square matches both iff κM = B and κ‖M‖²/2 = L_0: κ = ‖B‖²/(2L_0), M = B/κ.
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
    kappa = sum(v**2 for v in B) / (2 * L0)
    if not kappa > 0:
        raise ValueError(f"κ = {kappa}: no square (κ/2)‖p_T C − M‖² with κ > 0 carries the loss's linear part")
    return kappa, sp.ImmutableMatrix(B / kappa)


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
    """Per output row k, (G, A, z): ½ of the quadratic part of L is Σ_k [z_k^T G_k z_k + Σ_{τ∈MID} p_τ² c_k^T A_k c_k],
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
    """L(C, p) = (κ/2)‖p_T C − M‖_F² + R(C, p), R a sum of squares with positive weights."""

    kappa: sp.Expr
    M: sp.ImmutableMatrix
    remainder: sp.Expr

    def square(self) -> sp.Expr:
        """(κ/2)‖p_T C − M‖_F²."""
        d = self.M.rows
        return self.kappa / 2 * sum((p[T] * C[r, c] - self.M[r, c]) ** 2 for r in range(d) for c in range(d))

    def bound(self, heads: int) -> sp.Expr:
        """Eckart–Young: min over rank(p_T C) ≤ H of (κ/2)‖p_T C − M‖_F² = (κ/2) Σ_{i>H} σ_i(M)²."""
        values = sorted(self.M.singular_values(), key=lambda v: -v)
        return sp.nsimplify(self.kappa / 2 * sum(v**2 for v in values[heads:]))


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
    """L(C, p) = (κ/2)‖p_T C − M‖_F² + R with R = ½ Σ_k [Σ D_i (ℓ_i·z_k)² + Σ_{τ∈MID} Σ D'_i (ℓ'_i·c_k)² p_τ²].

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
            G[4 * c + 2, 4 * c + 2] -= kappa  # the p_T slots: (κ/2) p_T² ‖C‖² is the square's
        squares += [w / 2 * base**2 for w, base in _squares(G, z)]
        squares += [w / 2 * sp.Sum((base * p[tau]) ** 2, MID)
                    for w, base in _squares(A, [C[row, c] for c in range(dim)])]
    out = Decomposition(kappa, M, sp.Add(*squares))
    if _pull_out(split_positions(loss_of(setting, dim)) - out.square() - out.remainder) != 0:
        raise ValueError(f"L ≠ (κ/2)‖p_T C − M‖² + R in the {setting} case, d = {dim}")
    if not manifestly_nonnegative(out.remainder):
        raise ValueError("the remainder is not a sum of squares")
    return out


def minimum_bound(setting: str, dim: int, heads: int) -> sp.Expr:
    """L ≥ (κ/2)‖p_T C − M‖² ≥ (κ/2) Σ_{i>H} σ_i(M)² since rank(p_T C) ≤ rank C ≤ H (C = Σ_h b_h a_h^T)."""
    return decomposition(setting, dim).bound(heads)


def evaluate(loss: sp.Expr, C_mat, p_vec) -> sp.Expr:
    """L at a concrete C (d×d) and p (length T): substitutes T = len(p) and every entry."""
    horizon = len(p_vec)
    expr = loss.subs(T, horizon).doit()
    values = {p[n + 1]: v for n, v in enumerate(p_vec)}
    values.update({C[r, c]: C_mat[r][c] for r in range(len(C_mat)) for c in range(len(C_mat))})
    return sp.nsimplify(sp.expand(expr.xreplace(values)))


def unitary_minimum(dim: int, heads: int) -> sp.Expr:
    """L at the minimiser below, for symbolic T: ½‖p_T C − I‖_F² with p_T C a rank-min(H, d) projector.

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

def on_last_two(loss: sp.Expr, values: dict) -> sp.Expr:
    """The loss with p_t = 0 for t < T − 1: every Sum over t = 1..T written as its t = T − 1, T terms
    plus (T − 2) copies of the summand at p = 0; then p_{T−1}, p_T (and any C entries) from `values`."""
    def last_two(s: sp.Sum) -> sp.Expr:
        (var, lo, hi), = s.limits
        if (lo, hi) != (1, T):
            raise ValueError(f"unexpected range in {s}")
        f = s.function
        zero = f.replace(lambda e: isinstance(e, sp.Indexed) and e.base == p and e.has(var), lambda e: 0)
        return f.subs(var, T - 1) + f.subs(var, T) + (T - 2) * zero

    expr = loss.replace(lambda e: isinstance(e, sp.Sum), last_two)
    return sp.expand(expr.subs(p[1], 0).xreplace(values))  # p_1 = 0: T ≥ 3, so 1 < T − 1


@lru_cache(maxsize=None)
def orthogonal_block_minimisers() -> sp.Tuple:
    """(p_{T−1}/p_T, p_T C, L*) for one rotation block (d = 2), p_t = 0 for t < T − 1; p_T = 1 (scale invariance)."""
    rho = sp.Symbol("rho", real=True)
    loss = on_last_two(orthogonal_loss(2), {p[T - 1]: rho, p[T]: 1})
    return block_minimisers(loss, [C[r, c] for r in range(2) for c in range(2)], rho)


def block_minimisers(loss: sp.Expr, entries: list, rho: sp.Symbol) -> sp.Tuple:
    """(ρ*, C(ρ*), L*) of a block's loss in its entries of C and ρ = p_{T−1} (p_T = 1): for fixed ρ a quadratic
    in each row of C with a unique minimiser C(ρ), then L(C(ρ), ρ) minimised over ρ."""
    (solution,) = sp.linsolve([sp.diff(loss, x) for x in entries], entries)  # one solution, else this raises
    best = dict(zip(entries, solution))
    profile = sp.factor(sp.simplify(loss.xreplace(best)))
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
    """L at the minimiser above: zero for H ≥ d/2; (d/2 − H) · L(0, p) per unfitted block for H < d/2.

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
