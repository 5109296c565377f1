"""[S] for the library: the derived population loss at given parameters and the derived minima, in [S]'s own
normalisation L = E‖ŝ_{T+1} − s_{T+1}‖² (no ½, the last position only).  `mesaverify sander-loss` and
`sander-minima` call these functions and print what they return.

Settings: ``"augmented"`` (tokens (0; s_t; s_{t−1}), one layer, parameters A, B, the unitary P that
diagonalises W and the law of s_1), ``"unitary"`` and ``"orthogonal"`` (non-augmented tokens, H heads as the
rows of A and B, positional weights p of length T).  Numbers are exact: integers, Fractions, SymPy numbers, text
by the one number grammar (``"1/3"``, ``"1e-30"``), a float by its shortest decimal; nothing is rounded.

>>> import mesaverify as mv
>>> mv.sander.loss("unitary", A=[[1, 0], [0, 1]], B=[[1, 0], [0, 1]], p=[0, 0, 1], T=3)  # C = I, p_T = 1
0
>>> mv.sander.loss("unitary", A=[["1/2", 0]], B=[[1, 0]], p=[0, 0, 1], T=3)
5/4
>>> mv.sander.minimum("orthogonal", d=4, H=2, T=10)["minimum"]
0
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from mesaverify import jsonio, limits, numbers
from mesaverify.derivations.moments import InvalidLaw, UniformPhase
from mesaverify.derivations.moments import exact as _exact
from mesaverify.derivations.sander import augmented as _aug
from mesaverify.derivations.sander import closed as _closed
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import T as _T
from mesaverify.errors import UsageError

SETTINGS = ("augmented", "unitary", "orthogonal")


def _number(value, what: str):
    """An exact number: a rational as a Fraction (the closed forms are fastest on them), anything else exact."""
    if isinstance(value, (bool, dict, list, tuple, type(None))):
        return jsonio.number(value, what)  # refused, naming the kind of value given
    if isinstance(value, float):  # NumPy's float64 too: its shortest decimal, not its repr
        value = repr(float(value))
    if isinstance(value, str):
        value = numbers.parse(value, what)
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, Fraction):
        return value
    try:
        return _exact(value)
    except (TypeError, ValueError, InvalidLaw):
        raise UsageError(f"{what}: expected a number, got {numbers.show(str(value))}") from None


def _matrix(value, name: str, rows: int | None = None, cols: int | None = None, real: bool = False) -> list:
    """A matrix given as rows of numbers, exact, of the shape asked for (and real where the setting needs it)."""
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(r, (list, tuple)) and r for r in value):
        raise UsageError(f"{name} must be a non-empty list of non-empty rows of numbers")
    if len({len(r) for r in value}) != 1:
        raise UsageError(f"{name}: rows of different lengths")
    if (rows is not None and len(value) != rows) or (cols is not None and len(value[0]) != cols):
        raise UsageError(f"{name} must be {rows or '?'}×{cols or '?'}, got {len(value)}×{len(value[0])}")
    out = [[_number(v, f"{name}[{r}][{c}]") for c, v in enumerate(row)] for r, row in enumerate(value)]
    if real:
        _real(name, [v for row in out for v in row])
    return out


def _real(name: str, values: list) -> None:
    """Refuse a value that is not real: [S]'s non-augmented parameters are real, and so must be its loss."""
    for v in values:
        if not isinstance(v, Fraction) and sp.im(sp.S(v)) != 0:
            raise UsageError(f"{name}: the entry {numbers.show(str(v))} is not real; the non-augmented setting's "
                             "parameters are real (a complex entry makes the 'loss' complex)")


def _horizon(T) -> int:
    if not isinstance(T, int) or isinstance(T, bool) or T < 3:
        raise UsageError(f"T must be an integer >= 3, got {T!r}")
    return T


def _eigen_law(law, P: sp.Matrix):
    """The law of P^* s_1 for the augmented setting: "ones" (s_1 = 𝟙/√d), "phase" or {"support", "probs"}."""
    dim = P.rows
    if law == "ones":
        return _aug.eigen_law([(1 / sp.sqrt(dim),) * dim], [1], P)
    if law == "phase":  # i.i.d. uniform phases, |s_1k| = 1/√d: invariant under P^* exactly when P is monomial
        if any(sum(1 for v in line if v != 0) != 1 for line in P.tolist() + P.T.tolist()):
            raise UsageError('law "phase" needs P a permutation times unit phases (the law is then invariant)')
        return Scaled(UniformPhase(dim), 1 / sp.sqrt(dim))
    if not isinstance(law, dict) or set(law) != {"support", "probs"}:
        raise UsageError('law must be "ones", "phase" or {"support": [[...]], "probs": [...]}')
    support = _matrix(law["support"], "law.support", cols=dim)
    probs = law["probs"]
    if not isinstance(probs, (list, tuple)):
        raise UsageError("law.probs must be a list of numbers")
    try:
        return _aug.eigen_law(support, [_exact(_number(v, f"law.probs[{n}]")) for n, v in enumerate(probs)], P)
    except InvalidLaw as err:
        raise UsageError(f"law: {err}") from None


def loss(setting: str, A, B, *, T: int, p=None, P=None, law="ones") -> sp.Expr:
    """[S]'s derived population loss at the parameters, exactly.

    Parameters
    ----------
    setting : "augmented", "unitary" or "orthogonal".
    A, B : augmented: the d×d blocks of the key-query and value matrices; non-augmented: H×d, one head a row.
    T : the context length (>= 3).
    p : non-augmented: the positional weights p_1..p_T (real).
    P : augmented: the unitary matrix diagonalising W (default I).
    law : augmented: the law of s_1, "ones" (𝟙/√d), "phase" or {"support": [[...]], "probs": [...]}.

    Returns the loss as an exact SymPy number.
    """
    horizon = _horizon(T)
    if setting not in SETTINGS:
        raise UsageError(f"setting must be one of {', '.join(SETTINGS)}, got {setting!r}")
    limits.sander_loss(setting, {"A": A.tolist() if isinstance(A, sp.MatrixBase) else A, "law": law}, horizon)
    if setting == "augmented":
        if p is not None:
            raise UsageError("the augmented setting has no positional weights p")
        A_ = _matrix(A, "A")
        dim = len(A_)
        if len(A_[0]) != dim:
            raise UsageError(f"augmented: A must be square (d×d), got {dim}×{len(A_[0])}")
        B_ = _matrix(B, "B", dim, dim)
        P_ = sp.Matrix(_matrix(P, "P", dim, dim)) if P is not None else sp.eye(dim)
        if sp.simplify(P_.H * P_ - sp.eye(dim)) != sp.zeros(dim, dim):
            raise UsageError("P must be unitary (P^* P = I, exactly)")
        return sp.expand(_aug.loss_at(_eigen_law(law, P_), sp.Matrix(A_), sp.Matrix(B_), P_, horizon))
    if P is not None or law != "ones":
        raise UsageError(f"the {setting} setting has no P and no law of s_1 (they belong to the augmented setting)")
    A_ = _matrix(A, "A", real=True)
    heads, dim = len(A_), len(A_[0])
    B_ = _matrix(B, "B", heads, dim, real=True)
    if setting == "orthogonal" and dim % 2:
        raise UsageError(f"the orthogonal setting needs an even d, got rows of length {dim}")
    if not isinstance(p, (list, tuple)):
        raise UsageError("the non-augmented settings need the positional weights p, a list of length T")
    p_ = [_number(v, f"p[{n}]") for n, v in enumerate(p)]
    _real("p", p_)
    if len(p_) != horizon:
        raise UsageError(f"p must be a list of length T = {horizon}, got {len(p_)} entries")
    limits.sander_exact_arithmetic(A_, B_, p_)
    return _closed.loss(setting, A_, B_, p_)


def minimum(setting: str, d: int, T: int, H: int = 1) -> dict:
    """[S]'s derived minimum and a minimiser attaining it (`mesaverify sander-minima`).

    Returns ``{"minimum", "minimiser": {"A", "B", "p", "eta", "scope"}, "lower_bound", "kappa", "M"}``: for
    "augmented" the one-GD-step minimiser over A = aI, B = bI with s_1 = 𝟙/√d (`scope` says so; p, the
    bound, κ and M are None); for "unitary" and "orthogonal" the global minimum d − H resp. 2·max(d/2 − H, 0),
    a minimiser (p zero but for its last two entries) and the Eckart–Young bound κ Σ_{i>H} σ_i(M)².
    """
    horizon = _horizon(T)
    for name, value in (("d", d), ("H", H)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{name} must be an integer >= 1, got {value!r}")
    if setting not in SETTINGS:
        raise UsageError(f"setting must be one of {', '.join(SETTINGS)}, got {setting!r}")
    if setting == "orthogonal" and d % 2:
        raise UsageError(f"the orthogonal setting needs an even d, got d = {d}")
    if setting == "augmented" and H != 1:
        raise UsageError(f"the augmented setting has one layer and no heads; H = {H} does not apply")
    limits.sander_minima(setting, d, H, horizon)  # what is returned, before any work
    if setting == "augmented":
        value, gstar = (e.subs(_T, horizon) for e in _aug.uniform_start_minimum(d))
        eye = [[sp.Integer(int(r == c)) for c in range(d)] for r in range(d)]
        return {"minimum": value, "lower_bound": None, "kappa": None, "M": None,
                "minimiser": {"A": eye, "B": [[gstar if r == c else sp.Integer(0) for c in range(d)] for r in range(d)],
                              "p": None, "eta": gstar / horizon,
                              "scope": "A = aI, B = bI, s_1 = 1/sqrt(d); unrestricted (A, B) can do better for fixed s_1"}}
    m = _closed.minimiser(setting, d, H)
    last = m["p_last_two"] if setting == "orthogonal" else (0, 1)
    kappa, M = _closed.target(setting, d)
    return {"minimum": m["minimum"], "lower_bound": _closed.bound(setting, d, H), "kappa": kappa, "M": M,
            "minimiser": {"A": m["A"], "B": m["B"], "p": [0] * (horizon - 2) + list(last), "eta": None, "scope": None}}
