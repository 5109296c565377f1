"""The process of a description in the coordinates where the expectation operator applies: W's eigenbasis, each
eigen-coordinate a phase λ_c^{s−1} (uniform on the circle, independent across c) times a random variable y_c.

* "phases": W = diag(λ); y = x_1.
* "rotations": W = blockdiag(R(φ_1), …), R(φ) = [[cos φ, −sin φ], [sin φ, cos φ]], the φ_i i.i.d. uniform (d even).
  R(φ) = Q diag(μ, μ̄) Q^{−1} with μ = e^{iφ}, Q = [[1, 1], [−i, i]] (columns: the eigenvectors of μ, μ̄), so
  coordinate r of block i of x_s is Σ_σ κ_{rσ} w_{iσ} μ_i^{σ(s−1)}, κ = Q, w_i = Q^{−1} x_{1,i}.  For real x_1
  the pair is conjugate, w_{i,−} = conj(w_{i,+}): one complex variable y_i = w_{i,+} = (x_{1,2i} + i x_{1,2i+1})/2
  and one phase μ_i per block, as the operator needs (it is refused unless x_1 is real almost surely).
* "pairs": W = diag(μ_1, μ̄_1, μ_2, μ̄_2, …), the eigen-form of the rotations: coordinates (i, 0), (i, 1) of x_s
  are y_i μ_i^{s−1} and conj(y_i) μ̄_i^{s−1}, y_i = x_{1,2i}; x_{1,2i+1} = conj(x_{1,2i}) almost surely (else refused).

With a fixed unitary P (`Description.conjugation`) the process is P W P^*: x_s = P u_s with u_s the process above
started at u_1 = P^* x_1.  Every block of a token is then P times a block of the same process, so the score
e_i^* W^{KQ} q and the value W^{PV} e_i are those of the u-tokens under the conjugated blocks P^* M P, and
‖ŷ − x_{s+1}‖ = ‖P^*ŷ − u_{s+1}‖ (P unitary): the loss is the unconjugated model's loss with every block
P^* M P and the law of u_1 = P^* x_1.  That is how it is derived here — the law of y = S P^* x_1 (S the map to
the y above) has the moments of its linear forms in x_1, expanded (`Linear`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from mesaverify.derivations.models.description import Description, InvalidDescription
from mesaverify.derivations.moments import Law

KAPPA = {(0, 1): sp.Integer(1), (0, -1): sp.Integer(1), (1, 1): -sp.I, (1, -1): sp.I}  # κ = Q


def exact(value) -> sp.Expr:
    """A neutral exact number (Fraction or numbers.ExactComplex) as SymPy."""
    if hasattr(value, "imag") and not hasattr(value, "numerator"):
        return sp.Rational(value.real.numerator, value.real.denominator) + sp.I * sp.Rational(
            value.imag.numerator, value.imag.denominator)
    return sp.Rational(value.numerator, value.denominator)


def conjugation(desc: Description, d) -> sp.ImmutableMatrix | None:
    """P as an exact matrix (None for I); refused unless d × d and unitary."""
    if desc.conjugation is None:
        return None
    P = sp.ImmutableMatrix([[exact(v) for v in row] for row in desc.conjugation])
    if P.rows != d:
        raise InvalidDescription(f"the conjugation P is {P.rows}×{P.rows}, but d = {d}")
    if (P.H * P - sp.eye(d)).applyfunc(sp.expand) != sp.zeros(d, d):
        raise InvalidDescription("the conjugation P is not unitary (P^* P ≠ I)")
    return P


def paired(desc: Description) -> bool:
    return desc.process in ("rotations", "pairs")


def subcoordinates(desc: Description) -> tuple:
    """The coordinates of a token within one eigen-coordinate index: (None,) for phases, (0, 1) per block."""
    return (0, 1) if paired(desc) else (None,)


def flat(desc: Description, m, sub):
    """The coordinate (from 0) of parameter blocks at eigen-index m, sub-coordinate sub."""
    return m if sub is None else 2 * m + sub


def token(desc: Description, m, sub, index, conjugate: bool = False) -> list[tuple]:
    """Coordinate (m, sub) of x_index (or its conjugate) as [(coefficient, x part, phase part)] of `Term`s."""
    e = index - 1
    if desc.process == "phases":
        parts = [(sp.Integer(1), 1, e)]
    elif desc.process == "pairs":
        parts = [(sp.Integer(1), 1, e)] if sub == 0 else [(sp.Integer(1), -1, -e)]
    else:
        parts = [(KAPPA[(sub, s)], s, s * e) for s in (1, -1)]
    out = []
    for coeff, s, exponent in parts:
        p, q = (1, 0) if s == 1 else (0, 1)
        if conjugate:
            coeff, p, q, exponent = sp.conjugate(coeff), q, p, -exponent
        out.append((coeff, ((m, p, q),), ((m, exponent),)))
    return out


@dataclass(frozen=True)
class Linear(Law):
    """The law of y = M x for x ~ base (M exact, n × d): E[Π y_c^p conj(y_c)^q] by expanding the linear forms."""

    base: Law
    M: sp.ImmutableMatrix

    @property
    def d(self):
        return self.M.rows

    def moment(self, powers):
        return _moment(self, tuple(sorted(powers.items())))


@lru_cache(maxsize=4096)
def _moment(law: Linear, powers: tuple) -> sp.Expr:
    n = law.M.cols
    xs, xbs = sp.symbols(f"x0:{n}"), sp.symbols(f"xb0:{n}")
    poly = sp.Integer(1)
    for c, (p, q) in powers:
        row = [law.M[c, k] for k in range(n)]
        poly *= sum(v * x for v, x in zip(row, xs)) ** p * sum(sp.conjugate(v) * x for v, x in zip(row, xbs)) ** q
    total = sp.Integer(0)
    for monomial, coeff in sp.Poly(sp.expand(poly), *xs, *xbs).terms():
        moment = {k: (monomial[k], monomial[n + k]) for k in range(n) if monomial[k] or monomial[n + k]}
        total += coeff * law.base.moment(moment)
    return sp.expand(total)


def _selection(desc: Description, d: int) -> sp.Matrix:
    """S: the y of the process as S u_1 (u_1 the start in the unconjugated coordinates)."""
    if desc.process == "phases":
        return sp.eye(d)
    S = sp.zeros(d // 2, d)
    for i in range(d // 2):
        S[i, 2 * i] = 1 if desc.process == "pairs" else sp.Rational(1, 2)
        if desc.process == "rotations":
            S[i, 2 * i + 1] = sp.I / 2
    return S


def _conditions(desc: Description, d: int) -> list[tuple[sp.Matrix, str]]:
    """Rows r with r·u_1 = 0 almost surely, which the process's y needs (u_1 real; or paired conjugates)."""
    if desc.process == "rotations":
        return [(sp.Matrix(1, d, lambda _, k: sp.Integer(1 if k == c else 0)), "real") for c in range(d)]
    if desc.process == "pairs":
        return [(sp.Matrix(1, d, lambda _, k: sp.Integer(1 if k == 2 * i + 1 else 0)), f"conj {2 * i}")
                for i in range(d // 2)]
    return []


def eigen_law(desc: Description, law, d):
    """(law of y, number of eigen-indices) for the law of x_1; for the phases without P, the law itself."""
    if not paired(desc) and desc.conjugation is None:
        return law, d
    if not isinstance(d, int):
        raise InvalidDescription(f"the process {desc.process!r}{' with a conjugation P' * bool(desc.conjugation)} "
                                 "needs a numeric d")
    if paired(desc) and d % 2:
        raise InvalidDescription(f"the process {desc.process!r} needs an even d, got {d}")
    P = conjugation(desc, d)
    Ps = sp.eye(d) if P is None else P.H
    for row, what in _conditions(desc, d):
        v = (row * Ps).applyfunc(sp.expand)
        z = Linear(law, sp.ImmutableMatrix(v))
        if what == "real":  # E|v·x − conj(v·x)|² = 2E|z|² − E z² − E z̄²
            gap = 2 * z.moment({0: (1, 1)}) - z.moment({0: (2, 0)}) - z.moment({0: (0, 2)})
        else:
            m = int(what.split()[1])
            # E|a − conj(b)|² = E|a|² + E|b|² − E[ab] − E[āb̄] for (a, b) = (u_{2i+1}, u_{2i})
            w = Linear(law, sp.ImmutableMatrix(sp.Matrix.vstack(v, Ps.row(m))))
            gap = (w.moment({0: (1, 1)}) + w.moment({1: (1, 1)}) - w.moment({0: (1, 0), 1: (1, 0)})
                   - w.moment({0: (0, 1), 1: (0, 1)}))
        if sp.simplify(gap) != 0:
            need = "real" if what == "real" else "paired with conjugate coordinates"
            raise InvalidDescription(f"the process {desc.process!r} needs P^* x_1 {need} almost surely "
                                     f"(E|gap|² = {sp.simplify(gap)} for this law)")
    S = _selection(desc, d)
    return Linear(law, sp.ImmutableMatrix((S * Ps).applyfunc(sp.expand))), (d // 2 if paired(desc) else d)
