"""[S] §3.1, augmented tokens: population loss, its minimiser, and the one-GD-step identity.

With W = P diag(λ) P^*, every statement is made in the eigenbasis of W:
x = P^* s_1, Ã = P^* A P, B̃ = P^* B P, and u_t = P^* s_t = diag(λ)^{t−1} x.
The prediction ŝ_{T+1} = (1/T) Σ_{t=1}^{T} B s_t (s_{t−1}^* A s_T), s_0 = 0,
becomes, coordinate k,

    ũ_k = (1/T) Σ_{t=2}^{T} Σ_{j,l,m} B̃_{kj} Ã_{lm} x_j conj(x_l) x_m λ_j^{t−1} λ_l^{−(t−2)} λ_m^{T−1},

and ‖ŝ_{T+1} − s_{T+1}‖ = ‖ũ − diag(λ)^T x‖ since P is unitary.  So P enters
the loss only through the parameters (conjugated by P) and through the law
of x = P^* s_1: it matters exactly when that law is not the law of s_1.
The model is a description (`DENSE`, general Ã, B̃; `SCALAR`, Ã = aI, B̃ = bI), its loss the description path's.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.expectation import abs2, expect_phases, sum_coordinates
from mesaverify.derivations.factoring import factor
from mesaverify.derivations.models import derive
from mesaverify.derivations.models.description import Description, Head, Structure
from mesaverify.derivations.models.terms import entry_function, error
from mesaverify.derivations.sander.symbols import HORIZON, A, B, T, a, b, d, eta, g, k, t

DENSE = Description(tokens=(None, 0, 1), heads=(Head(kq=((3, 2, Structure("complex", "A")),),
                                                  pv=((2, Structure("complex", "B")),)),),
                    normalisation="1/T", loss="last", start=3, scale=Fraction(1), name="[S] §3.1, general Ã, B̃")
"""The model in W's eigen-coordinates: tokens (0; u_t; u_{t−1}), Ã pairing the key u_{t−1} with the query u_T,
B̃ the value u_t; E‖ũ − diag(λ)^T x‖² at the last position (no ½), T ≥ 3."""
SCALAR = Description(tokens=(None, 0, 1), heads=(Head(kq=((3, 2, Structure("scalar", "a")),),
                                                   pv=((2, Structure("scalar", "b")),)),),
                     normalisation="1/T", loss="last", start=3, scale=Fraction(1), name="[S] §3.1, A = aI, B = bI")
"""The same on the scalar family Ã = aI, B̃ = bI."""


@lru_cache(maxsize=None)
def _phase_average() -> list:
    """E over the phases of |(ũ − diag(λ)^T x)_k|²: the part of the expectation that depends neither on d
    nor on the law of x (the first stage of `derivations.expectation.expect`)."""
    return expect_phases(abs2(error(DENSE, k, T), keep=(k,)), HORIZON)


@lru_cache(maxsize=None)
def population_loss(law, d: int) -> sp.Expr:
    """L(Ã, B̃) for general complex Ã, B̃, symbolic T, numeric d.

    `law` is the law of x = P^* s_1 (eigen-coordinates); the result holds
    A[l, m], B[k, j] as the entries of Ã, B̃.  The phase average is shared by
    every law and d; the moments of `law` enter in the sum over coordinates.
    """
    return derive.loss(DENSE, law, d)


def loss_at(law, A_mat: sp.Matrix, B_mat: sp.Matrix, P: sp.Matrix, horizon: int) -> sp.Expr:
    """L at numbers: A, B (original basis), unitary P, T, with `law` that of x = P^* s_1.

    `population_loss` then `in_parameters` build a polynomial in the 2d² entries first (seconds at d = 3,
    minutes at d = 5); here the entries of Ã, B̃ and T enter the shared phase average before the sum over
    coordinate assignments, so that every term of that sum is a number.
    """
    tilde = {A: entry_function(P.H * A_mat * P), B: entry_function(P.H * B_mat * P)}

    def numeric(coeff):
        return coeff.subs(T, horizon).replace(lambda e: isinstance(e, sp.Indexed) and e.base in tilde,
                                              lambda e: tilde[e.base](*e.indices))

    averaged = [(numeric(coeff), blocks) for coeff, blocks in _phase_average()]
    return sp.expand(sum_coordinates(averaged, law, P.rows))


def in_parameters(loss: sp.Expr, A_mat: sp.Matrix, B_mat: sp.Matrix, P: sp.Matrix) -> sp.Expr:
    """Evaluate L at A, B (original basis) for a unitary P: Ã = P^* A P, B̃ = P^* B P."""
    At, Bt = (P.H * A_mat * P).applyfunc(sp.expand), (P.H * B_mat * P).applyfunc(sp.expand)
    d = P.shape[0]
    values = {}
    for r in range(d):
        for c in range(d):
            values[A[r, c]] = At[r, c]
            values[B[r, c]] = Bt[r, c]
    return loss.xreplace(values)


@lru_cache(maxsize=None)
def scalar_loss(law, d) -> sp.Expr:
    """L(a, b) on A = a I, B = b I, for symbolic (or numeric) d and T; depends on ab only."""
    names = {sp.Symbol("a", real=True): a, sp.Symbol("b", real=True): b}  # the description's, as [S] names them
    loss = sp.expand(derive.loss(SCALAR, law, d).xreplace(names))
    reduced = sp.expand(loss.subs(a, g / b))
    if reduced.has(b):
        raise ValueError("the scalar loss does not depend on (a, b) through ab alone")
    return reduced


def optimal_product(law, d) -> sp.Expr:
    """g* = (ab)* minimising the scalar loss: the root of ∂L/∂g (L is a convex quadratic in g)."""
    loss = scalar_loss(law, d)
    if sp.Poly(loss, g).degree() != 2:
        raise ValueError("the scalar loss is not quadratic in ab")
    root, = sp.solve(sp.diff(loss, g), g)
    return factor(sp.simplify(root))


@lru_cache(maxsize=None)
def _uniform_start_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(min_g L, g*) for s_1 = 𝟙/√d (P = I), derived once for symbolic d."""
    from mesaverify.derivations.moments import Ones
    from mesaverify.derivations.sander.laws import Scaled

    law = Scaled(Ones(d), 1 / sp.sqrt(d))
    return scalar_minimum(law, d), optimal_product(law, d)


def uniform_start_minimum(dim: int) -> tuple[sp.Expr, sp.Expr]:
    """(min_g L, g*) on the scalar family for s_1 = 𝟙/√d at a numeric d: the symbolic-d result at d, where
    summing over the coordinate assignments at that d takes time growing like d³."""
    return tuple(factor(e.subs(d, dim)) for e in _uniform_start_symbolic())


def step_size(law, d) -> sp.Expr:
    """η* = g*/T: the step of the inner gradient step implemented at the scalar minimiser."""
    return factor(optimal_product(law, d) / T)


def scalar_minimum(law, d) -> sp.Expr:
    """min_g L(g): the loss at the scalar minimiser."""
    return factor(sp.simplify(scalar_loss(law, d).subs(g, optimal_product(law, d))))


def gd_step_size(dim: int = 2) -> sp.Expr:
    """η at which the scalar-family prediction equals one inner GD step, for symbolic T.

    Inner objective ½ Σ_{t=1}^{T−1} ‖s_{t+1} − W s_t‖², gradient taken in
    (Re W, Im W) as ∂/∂Re + i ∂/∂Im; W_1 = −η ∇(0); prediction W_1 s_T.
    The model's sum Σ_{t=1}^{T} b s_t (s_{t−1}^* a s_T)/T loses its t = 1 term
    (s_0 = 0) and, shifted t → t + 1, runs over the same t = 1..T−1 as the
    gradient; η is solved from equality of the summands, coordinate by coordinate.
    """
    s = sp.IndexedBase("s")
    re = sp.Matrix(dim, dim, lambda r, c: sp.Symbol(f"x_{r}{c}", real=True))
    im = sp.Matrix(dim, dim, lambda r, c: sp.Symbol(f"y_{r}{c}", real=True))
    W = re + sp.I * im
    zero = {v: 0 for v in list(re) + list(im)}
    st = sp.Matrix(dim, 1, lambda r, _: s[t, r])
    st1 = sp.Matrix(dim, 1, lambda r, _: s[t + 1, r])
    sT = sp.Matrix(dim, 1, lambda r, _: s[T, r])
    resid = st1 - W * st
    summand = sum(sp.expand(resid[r] * sp.conjugate(resid[r])) for r in range(dim)) / 2
    grad = sp.Matrix(dim, dim, lambda r, c: (sp.diff(summand, re[r, c])
                                             + sp.I * sp.diff(summand, im[r, c])).xreplace(zero))
    gd = -eta * grad * sT  # summand of W_1 s_T, to be summed over t = 1..T−1
    prev = sp.Matrix(dim, 1, lambda r, _: s[t - 1, r])
    model = (b * st * (prev.H * (a * sT))[0] / T).subs(t, t + 1)  # shifted summand, t = 1..T−1
    solutions = sp.solve([sp.expand(model[r] - gd[r]) for r in range(dim)], eta, dict=True)
    (solution,) = solutions
    return sp.simplify(solution[eta])


def eigen_law(points, probs, P: sp.Matrix):
    """The law of x = P^* s_1 for a finite law of s_1 (support points, probabilities)."""
    from mesaverify.derivations.moments import Discrete

    moved = [tuple(sp.expand(v) for v in P.H * sp.Matrix(pt)) for pt in points]
    return Discrete(tuple(moved), tuple(probs))
