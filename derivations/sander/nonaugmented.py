"""[S] §3.2, non-augmented tokens: diagonal multi-head attention with positional weights.

ŝ_{T+1} = Σ_{t=1}^{T} p_t Σ_h (s_{T−1}^* A_h s_t) B_h s_t with A_h = diag(a_h),
B_h = diag(b_h) real, s_1 = 𝟙.  Coordinate k of the prediction is
Σ_t p_t Σ_j C_{kj} conj(s_{T−1,j}) s_{t,j} s_{t,k} with C = Σ_h b_h a_h^T: the
loss depends on the heads only through C.

Unitary case: W = diag(λ), s_{t,j} = λ_j^{t−1}.  Orthogonal case: W = blockdiag(R(φ_1), …), written in W's
eigen-coordinates (R(φ) = Q diag(μ, μ̄) Q^{−1}, μ = e^{iφ}; `derivations.models.process`).  Both models are
descriptions (`description`) with two heads; their losses come from the description path for symbolic T, and
the loss in (C, p) is read off the two-head loss (`_parts`).

The orthogonal model can be read in other ways (`Reading`): s_1 = r·𝟙 for another r, the query
s_T instead of s_{T−1}, or everything — tokens, s_1 = 𝟙 and the diagonal heads — written in the
eigenbasis of W, where block i carries the conjugate pair of phases (μ_i, μ̄_i) (the process "pairs").
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.models import derive
from mesaverify.derivations.models.description import Description, Head, Structure
from mesaverify.derivations.moments import Ones
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import C_, C, T, d, p, p_, tau

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


def description(setting: str, reading: Reading = SUITE) -> Description:
    """The model as a description with two heads, (a_1, b_1) weighted by p and (a_2, b_2) by q: tokens s_t, the
    query s_{T−lag} conjugated, W = diag(λ) ("unitary"), blockdiag(R(φ_i)) or its eigen-pairs diag(μ_i, μ̄_i)
    ("orthogonal", real or eigen reading); E‖ŝ_{T+1} − s_{T+1}‖² at the last position, T ≥ 3."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}")
    if setting == "unitary" and reading != SUITE:
        raise ValueError("the unitary case has one reading: s_1 = 𝟙, query s_(T−1)")
    heads = tuple(Head(kq=((1, 1, Structure("diag", f"a{h}")),), pv=((1, Structure("diag", f"b{h}")),), positional=w)
                  for h, w in ((1, "p"), (2, "q")))
    kind = "phases" if setting == "unitary" else "rotations" if reading.basis == "real" else "pairs"
    return Description(tokens=(0,), heads=heads, lag=reading.lag, normalisation="1", loss="last", start=3,
                       scale=Fraction(1), process=kind, conjugated="query", name=f"[S] §3.2, {setting} W")


def _law(dim: int, reading: Reading):
    scale = sp.sympify(reading.scale).subs(d, dim)
    return Ones(dim) if scale == 1 else Scaled(Ones(dim), scale)


@lru_cache(maxsize=None)
def _parts(setting: str, dim: int, reading: Reading = SUITE) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(L(0, p), the part of L linear in C, the part bilinear in (C, p) and (C', p')) from the two-head loss: a
    head's C_h = b_h a_h^T enters it linearly, so its terms of degree one in head 1 alone are the linear part (at
    C = C_1, weights p) and those of degree one in each head are twice the bilinear one E⟨ŝ(C, p), ŝ(C', p')⟩ + its
    conjugate, at C = C_1, C' = C_2, p' = q; the rest (head 2 alone, or a head twice) repeats these."""
    if setting == "orthogonal" and dim % 2:
        raise ValueError("the orthogonal case needs an even dimension")
    L = derive.loss(description(setting, reading), _law(dim, reading), dim)
    bases = {sp.IndexedBase(f"{x}{h}", real=True): (x, h) for x in "ab" for h in (1, 2)}
    const, linear, cross = [], [], []
    for term in sp.Add.make_args(L):
        found: dict[tuple[str, int], list] = {}
        for f, e in term.as_powers_dict().items():
            if isinstance(f, sp.Indexed) and f.base in bases:
                found.setdefault(bases[f.base], []).extend([f.indices[0]] * int(e))
        shape = tuple(len(found.get(key, [])) for key in (("a", 1), ("b", 1), ("a", 2), ("b", 2)))
        rest = term.xreplace({f: 1 for f in term.free_symbols if isinstance(f, sp.Indexed) and f.base in bases})
        if shape == (0, 0, 0, 0):
            const.append(term)
        elif shape == (1, 1, 0, 0):
            linear.append(rest * C[found[("b", 1)][0], found[("a", 1)][0]])
        elif shape == (1, 1, 1, 1):
            cross.append(rest * C[found[("b", 1)][0], found[("a", 1)][0]] * C_[found[("b", 2)][0], found[("a", 2)][0]] / 2)
        elif shape not in ((0, 0, 1, 1), (2, 2, 0, 0), (0, 0, 2, 2)):  # else head 2 alone or a head twice: repeats
            raise ValueError(f"a term of the two-head loss is not a product of C_h entries: {term}")
    other = sp.IndexedBase("q", real=True)
    return sp.Add(*const), sp.Add(*linear), sp.expand(sp.Add(*cross).xreplace({other: p_}))


@lru_cache(maxsize=None)
def polarised_loss(setting: str, dim: int, reading: Reading = SUITE) -> sp.Expr:
    """E[⟨ŝ(C, p) − s_{T+1}, ŝ(C', p') − s_{T+1}⟩] (real): the loss L(C, p) at (C', p') = (C, p), and the
    features' Gram matrix as its part bilinear in (C, p) and (C', p'); symbolic T, numeric d — from the two-head
    description (`_parts`)."""
    const, linear, cross = _parts(setting, dim, reading)
    return sp.expand(const + linear / 2 + linear.xreplace({C: C_, p: p_}) / 2 + cross)


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
    entries = {C[r, c]: sp.sympify(C_mat[r][c]) for r in range(len(C_mat)) for c in range(len(C_mat))}
    expr = loss.xreplace(entries).subs(T, horizon).doit()  # C first: the entries are free, the p_t bound in sums
    return sp.expand(expr.xreplace({p[n + 1]: sp.sympify(v) for n, v in enumerate(p_vec)}))


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
