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
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.expectation import Term, abs2
from derivations.expectation import expect
from derivations.moments import Ones
from derivations.sander.symbols import HORIZON, C, T, j, k, p, t


def unitary_terms() -> list[Term]:
    """(ŝ_{T+1} − s_{T+1})_k for W = diag(λ), s_1 = 𝟙."""
    model = Term(p[t] * C[k, j], x=((k, 0, 0), (j, 0, 0)),
                 phase=((j, -(T - 2)), (j, t - 1), (k, t - 1)), time=((t, 1, T),))
    target = Term(sp.Integer(-1), x=((k, 0, 0),), phase=((k, T),))
    return [model, target]


@lru_cache(maxsize=None)
def unitary_loss(dim: int) -> sp.Expr:
    """L(C, p) = E[½‖ŝ_{T+1} − s_{T+1}‖²], unitary case, symbolic T, numeric d (C[k, j], p[t])."""
    return sp.expand(expect(abs2(unitary_terms(), keep=(k,)), Ones(dim), dim, HORIZON) / 2)


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


@lru_cache(maxsize=None)
def orthogonal_loss(dim: int) -> sp.Expr:
    """L(C, p), orthogonal case W = blockdiag(R(φ_i)), s_1 = 𝟙, symbolic T, numeric even d."""
    if dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    kappa = rotation_coefficients()
    i, i2 = sp.symbols("i i2", integer=True)  # blocks of the output and of the attended coordinate
    total = sp.Integer(0)
    for r in range(2):
        terms = []
        for s1 in (1, -1):
            for s2 in (1, -1):
                for s3 in (1, -1):  # the attended coordinate r2 of block i2 only enters the coefficient
                    coeff = p[t] * kappa[(r, s3)] * sum(
                        C[2 * i + r, 2 * i2 + r2] * sp.conjugate(kappa[(r2, s1)]) * kappa[(r2, s2)]
                        for r2 in range(2))
                    terms.append(Term(sp.expand(coeff), x=((i, 0, 0), (i2, 0, 0)),
                                      phase=((i2, -s1 * (T - 2)), (i2, s2 * (t - 1)), (i, s3 * (t - 1))),
                                      time=((t, 1, T),)))
        for s in (1, -1):
            terms.append(Term(-kappa[(r, s)], x=((i, 0, 0),), phase=((i, s * T),)))
        total += expect(abs2(terms, keep=(i,)), Ones(dim // 2), dim // 2, HORIZON)
    return sp.expand(total / 2)


def evaluate(loss: sp.Expr, C_mat, p_vec) -> sp.Expr:
    """L at a concrete C (d×d) and p (length T): substitutes T = len(p) and every entry."""
    horizon = len(p_vec)
    expr = loss.subs(T, horizon).doit()
    values = {p[n + 1]: v for n, v in enumerate(p_vec)}
    values.update({C[r, c]: C_mat[r][c] for r in range(len(C_mat)) for c in range(len(C_mat))})
    return sp.nsimplify(sp.expand(expr.xreplace(values)))


def unitary_reduced(dim: int) -> sp.Expr:
    """½‖p_T C − I‖_F² minus the unitary loss at p_1 = … = p_{T−1} = 0.

    Returns ½‖p_T C − I‖_F² − L(C, p)|_{p_t = 0, t < T}: zero identically
    (symbolic T) means that, with only the last positional weight, the loss is
    the squared distance of p_T C to the identity.
    """
    loss = unitary_loss(dim)
    last = loss.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function.subs(e.variables[0], T))
    last = last.subs(p[T - 1], 0)
    M = sp.Matrix(dim, dim, lambda r, c: p[T] * C[r, c]) - sp.eye(dim)
    return sp.expand(sum(v**2 for v in M) / 2 - last)


def unitary_minimum(dim: int, heads: int) -> sp.Expr:
    """min over rank(C) ≤ H and p of the unitary loss: Eckart–Young on ½‖p_T C − I‖_F².

    Every term of L carrying p_t, t < T, is a square (Σ_t p_t² C_kj², p_{T−1}²(Σ_j C_kj)²),
    so p_t = 0 (t < T) at a minimum; then L = ½‖p_T C − I‖_F², whose minimum over
    rank ≤ H is ½ Σ of the squared singular values of I beyond the H largest.
    """
    if unitary_reduced(dim) != 0:
        raise ValueError("the loss at p_t = 0 (t < T) is not ½‖p_T C − I‖²")
    sv = sorted(sp.eye(dim).singular_values(), reverse=True)
    return sp.Rational(1, 2) * sum(v**2 for v in sv[heads:])


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


def orthogonal_block_minimisers() -> sp.Tuple:
    """(p_{T−1}/p_T, p_T C) at the minimum of one rotation block (d = 2) with p_t = 0 for t < T − 1.

    Scaling (C, p) → (C/α, αp) leaves the loss unchanged, so p_T = 1.  For fixed
    ρ = p_{T−1} the loss is a quadratic in each row of C: its unique minimiser
    C(ρ) is solved, then L(C(ρ), ρ) minimised over ρ.  Returns (ρ*, C(ρ*), L*).
    """
    rho = sp.Symbol("rho", real=True)
    loss = on_last_two(orthogonal_loss(2), {p[T - 1]: rho, p[T]: 1})
    entries = [C[r, c] for r in range(2) for c in range(2)]
    solution = sp.solve([sp.diff(loss, x) for x in entries], entries, dict=True)
    (best,) = solution
    profile = sp.factor(sp.simplify(loss.xreplace(best)))
    (rho_star,) = [r for r in sp.solve(sp.diff(profile, rho), rho) if r.is_real]
    Cstar = sp.Matrix(2, 2, lambda r, c: sp.simplify(best[C[r, c]].subs(rho, rho_star)))
    return sp.Tuple(rho_star, Cstar, sp.simplify(profile.subs(rho, rho_star)))


def orthogonal_minimiser(dim: int, heads: int) -> dict:
    """A minimiser: min(H, d/2) heads, head h reading and writing 𝟙 on block h; p = (0, …, 0, ρ*, 1)."""
    rho, Cblock, _ = orthogonal_block_minimisers()
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
