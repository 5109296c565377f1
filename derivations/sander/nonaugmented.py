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

The orthogonal model can be read in other ways (`Reading`): s_1 = r·𝟙 for another r, the query
s_T instead of s_{T−1}, or everything — tokens, s_1 = 𝟙 and the diagonal heads — written in the
eigenbasis of W, where block i carries the conjugate pair of phases (μ_i, μ̄_i).  Only the
coefficients κ change, so every reading is derived by the same expectation.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.expectation import Term, conj, expect_phases, mul, sum_coordinates
from mesaverify.derivations.moments import Ones
from mesaverify.derivations.sander.symbols import C_, HORIZON, C, T, d, j, k, p, p_, t, tau

SETTINGS = ("unitary", "orthogonal")
BASES = ("real", "eigen")


@dataclass(frozen=True)
class Reading:
    """How the orthogonal model is read: the coordinates of tokens and heads ("real": W = blockdiag(R(φ_i))
    on real tokens; "eigen": W's eigenbasis, block i the phase pair (μ_i, μ̄_i)), s_1 = scale·𝟙 in them (scale
    may hold the symbol d), and the query s_{T−lag} every token is compared with."""

    basis: str = "real"
    scale: sp.Expr = sp.Integer(1)
    lag: int = 1

    def __post_init__(self):
        if self.basis not in BASES or self.lag not in (0, 1):
            raise ValueError(f"a reading has a basis in {BASES} and the query s_(T−1) or s_T: {self}")

    def label(self) -> str:
        start = "𝟙" if self.scale == 1 else "𝟙/√d" if self.scale == 1 / sp.sqrt(d) else f"{self.scale}·𝟙"
        coords = "real rotation coordinates" if self.basis == "real" else "W's eigen-coordinates (μ_i, μ̄_i)"
        return f"{coords}, s_1 = {start}, query s_{{T−{self.lag}}}" if self.lag else f"{coords}, s_1 = {start}, query s_T"


SUITE = Reading()  # the suite's orthogonal model: real rotations, s_1 = 𝟙, query s_{T−1}


def unitary_model(Cb=C, pb=p) -> list[Term]:
    """ŝ_{T+1,k} = Σ_t p_t Σ_j C_kj conj(s_{T−1,j}) s_{t,j} s_{t,k} for W = diag(λ), s_1 = 𝟙."""
    return [Term(pb[t] * Cb[k, j], x=((k, 0, 0), (j, 0, 0)),
                 phase=((j, -(T - 2)), (j, t - 1), (k, t - 1)), time=((t, 1, T),))]


def unitary_target() -> list[Term]:
    """−s_{T+1,k} = −λ_k^T."""
    return [Term(sp.Integer(-1), x=((k, 0, 0),), phase=((k, T),))]


@lru_cache(maxsize=None)
def rotation_coefficients(basis: str = "real", scale: sp.Expr = sp.Integer(1)) -> dict:
    """κ_{rσ}: s_{t,r} = Σ_σ κ_{rσ} μ^{σ(t−1)} for s_{t+1} = R(φ) s_t, s_1 = scale·(1, 1), μ = e^{iφ}; in the
    eigenbasis ("eigen") the coordinates are scale·μ^{t−1} and scale·μ̄^{t−1} themselves."""
    if basis == "eigen":
        return {(0, 1): scale, (0, -1): sp.Integer(0), (1, 1): sp.Integer(0), (1, -1): scale}
    mu = sp.Symbol("mu", nonzero=True)  # e^{iφ}; cos φ = (μ + 1/μ)/2, sin φ = (μ − 1/μ)/(2i)
    cos, sin = (mu + 1 / mu) / 2, (mu - 1 / mu) / (2 * sp.I)
    R = sp.Matrix([[cos, -sin], [sin, cos]])
    vectors = []
    for sigma in (1, -1):
        (v,) = (R - mu**sigma * sp.eye(2)).applyfunc(sp.simplify).nullspace()
        vectors.append(v.applyfunc(sp.simplify))
    Q = sp.Matrix.hstack(*vectors)
    w = Q.inv() * sp.Matrix([scale, scale])
    out = {}
    for col, sigma in enumerate((1, -1)):
        for r in range(2):
            out[(r, sigma)] = sp.nsimplify(sp.simplify(Q[r, col] * w[col]))
    return out


_i, _i2 = sp.symbols("i i2", integer=True)  # blocks of the output and of the attended coordinate
_w = sp.IndexedBase("w")  # w[i, i2, n]: the coefficient of the n-th phase monomial (a placeholder while averaging)
_v = sp.IndexedBase("v")  # v[r, σ] = κ_{rσ}: the target's coefficients (placeholders while averaging)
_MONOMIALS = tuple((Cb, r, s1, s2, s3) for Cb in (C, C_) for r in range(2)
                   for s1 in (1, -1) for s2 in (1, -1) for s3 in (1, -1))


def _weight(n: int, i: int, i2: int, kappa: dict) -> sp.Expr:
    """w[i, i2, n] = κ_{r s3} Σ_{r2} C_{(i,r),(i2,r2)} conj(κ_{r2 s1}) κ_{r2 s2} for the n-th (C, r, s1, s2, s3);
    the attended coordinate r2 of block i2 only enters this coefficient."""
    Cb, r, s1, s2, s3 = _MONOMIALS[n]
    return sp.expand(kappa[(r, s3)] * sum(Cb[2 * i + r, 2 * i2 + r2] * sp.conjugate(kappa[(r2, s1)])
                                          * kappa[(r2, s2)] for r2 in range(2)))


def orthogonal_model(r: int, Cb=C, pb=p, lag: int = 1) -> list[Term]:
    """ŝ_{T+1} at coordinate r of block i for W = blockdiag(R(φ_i)), query s_{T−lag}, in the phases μ_i = e^{iφ_i}:
    Σ_t p_t Σ_{σ1,σ2,σ3} w[i, i2, n] μ_{i2}^{−σ1(T−1−lag) + σ2(t−1)} μ_i^{σ3(t−1)}, summed over blocks i2."""
    terms = []
    for s1 in (1, -1):
        for s2 in (1, -1):
            for s3 in (1, -1):
                n = _MONOMIALS.index((Cb, r, s1, s2, s3))
                terms.append(Term(pb[t] * _w[_i, _i2, n], x=((_i, 0, 0), (_i2, 0, 0)),
                                  phase=((_i2, -s1 * (T - 1 - lag)), (_i2, s2 * (t - 1)), (_i, s3 * (t - 1))),
                                  time=((t, 1, T),)))
    return terms


def _fill_weights(expr: sp.Expr, kappa: dict) -> sp.Expr:
    """Every placeholder w[i, i2, n], v[r, σ] (and its conjugate) replaced by its value for the coefficients κ."""
    values = {}
    for w in expr.atoms(sp.Indexed):
        if w.base == _w:
            i, i2, n = map(int, w.indices)
            values[w] = _weight(n, i, i2, kappa)
        elif w.base == _v:
            values[w] = kappa[tuple(map(int, w.indices))]
        else:
            continue
        values[sp.conjugate(w)] = sp.conjugate(values[w])
    return sp.expand(expr.xreplace(values))


def orthogonal_target(r: int) -> list[Term]:
    """−s_{T+1} at coordinate r of block i: −Σ_σ κ_{rσ} μ_i^{σT}."""
    return [Term(-_v[r, s], x=((_i, 0, 0),), phase=((_i, s * T),)) for s in (1, -1)]


@lru_cache(maxsize=None)
def _phase_average(setting: str, r: int = 0, lag: int = 1) -> list:
    """E over the phases of ⟨ŝ(C, p) − s_{T+1}, ŝ(C', p') − s_{T+1}⟩ at output coordinate k (unitary) or
    coordinate r of block i (orthogonal, query s_{T−lag}): the part of the expectation that depends neither on d
    nor on s_1 (nor, orthogonal, on the coordinates: κ stays a placeholder)."""
    if setting == "unitary":
        error, keep = (lambda Cb, pb: unitary_model(Cb, pb) + unitary_target()), k
    elif setting == "orthogonal":
        error, keep = (lambda Cb, pb: orthogonal_model(r, Cb, pb, lag) + orthogonal_target(r)), _i
    else:
        raise ValueError(f"unknown setting {setting!r}")
    return expect_phases([mul(s, conj(u), keep=(keep,)) for s in error(C, p) for u in error(C_, p_)], HORIZON)


@lru_cache(maxsize=None)
def polarised_loss(setting: str, dim: int, reading: Reading = SUITE) -> sp.Expr:
    """E[⟨ŝ(C, p) − s_{T+1}, ŝ(C', p') − s_{T+1}⟩]: the loss L(C, p) at (C', p') = (C, p), and the
    features' Gram matrix as its part bilinear in (C, p) and (C', p'); symbolic T, numeric d.

    The expectation operator in its two stages (`derivations.expectation.expect`): the phase average,
    shared by every d (and, orthogonal, by every reading with the same query), then the sum over coordinates.
    """
    if setting == "unitary":
        if reading != SUITE:
            raise ValueError("the unitary case has one reading: s_1 = 𝟙, query s_(T−1)")
        return sp.expand(sum_coordinates(_phase_average(setting), Ones(dim), dim))
    if dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    blocks = dim // 2
    kappa = rotation_coefficients(reading.basis, sp.sympify(reading.scale).subs(d, dim))
    return _fill_weights(sum(sum_coordinates(_phase_average(setting, r, reading.lag), Ones(blocks), blocks)
                             for r in range(2)), kappa)


def _loss(setting: str, dim: int, reading: Reading = SUITE) -> sp.Expr:
    """L(C, p): the polarised loss at (C', p') = (C, p)."""
    return sp.expand(polarised_loss(setting, dim, reading).xreplace({C_: C, p_: p}))


@lru_cache(maxsize=None)
def unitary_loss(dim: int) -> sp.Expr:
    """L(C, p), unitary case W = diag(λ), s_1 = 𝟙, symbolic T, numeric d (C[k, j], p[t])."""
    return _loss("unitary", dim)


@lru_cache(maxsize=None)
def orthogonal_loss(dim: int, reading: Reading = SUITE) -> sp.Expr:
    """L(C, p), orthogonal case W = blockdiag(R(φ_i)) (s_1 = 𝟙, query s_{T−1} unless `reading` says otherwise),
    symbolic T, numeric even d."""
    return _loss("orthogonal", dim, reading)


def loss_of(setting: str, dim: int, reading: Reading = SUITE) -> sp.Expr:
    """The non-augmented loss of a setting ("unitary" or "orthogonal") under a reading."""
    if setting == "orthogonal":
        return orthogonal_loss(dim, reading)
    if reading != SUITE:
        raise ValueError("the unitary case has one reading: s_1 = 𝟙, query s_(T−1)")
    return unitary_loss(dim)


# --- positions: sums over t = 1..T split at 1, T − 1 and T ---------------------------------------

MID = (tau, 2, T - 2)  # the positions other than 1, T − 1 and T (none when T = 3)


def pull_out(expr: sp.Expr) -> sp.Expr:
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

    return pull_out(expr.replace(lambda e: isinstance(e, sp.Sum), split))


def evaluate(loss: sp.Expr, C_mat, p_vec) -> sp.Expr:
    """L at a concrete C (d×d) and p (length T), exact entries: substitutes T = len(p) and every entry (no
    nsimplify: on irrational values it may return a different number)."""
    horizon = len(p_vec)
    expr = loss.subs(T, horizon).doit()
    values = {p[n + 1]: sp.sympify(v) for n, v in enumerate(p_vec)}
    values.update({C[r, c]: sp.sympify(C_mat[r][c]) for r in range(len(C_mat)) for c in range(len(C_mat))})
    return sp.expand(expr.xreplace(values))


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
