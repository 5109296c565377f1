"""[S]'s official implementation (github.com/michaelsdr/ical): its closed-form losses against the model's loss.

Each check takes a closed form as transcribed in derivations.sander.official, derives its exact difference
from the derived loss of the model, and holds that difference against official − (the model's loss by
definition, numerics.sander) at seeded random rational (C, p), at 50 digits.
"""
from __future__ import annotations

import random

import mpmath
import sympy as sp

from mesaverify.checks.core.corruptions import EPS, scale_first_term
from mesaverify.checks.core.numeric import DIGITS, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.sander.common import exact_comparison
from mesaverify.derivations.factoring import factor
from mesaverify.derivations.sander import minima, official
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.nonaugmented import SUITE, Reading
from mesaverify.derivations.sander.symbols import C, T, d, p
from mesaverify.numerics.sander import nonaugmented as numeric_nonaug
from mesaverify.numerics.sander import orthogonal as numeric_ortho

R = sp.Rational
SEED = 2024
UNITARY_CASES = ((2, (3, 4, 5, 6)), (3, (3, 4)))  # (d, horizons of the random points)
EXAMPLE = ([[1, 2], [0, 1]], [0, 0, 1, 1])  # d = 2, T = 4: official 20, the model 14
EIGEN = Reading("eigen")
ORTHO_READINGS = ((2, SUITE), (2, Reading("real", 1 / sp.sqrt(d))), (2, Reading("real", 1, 0)),
                  (2, Reading("real", 1 / sp.sqrt(d), 0)), (2, EIGEN), (4, EIGEN))
ORTHO_HORIZONS = {2: (3, 5), 4: (3, 4)}


def random_points(seed: int, dim: int, horizons) -> list:
    """One (C, p) per horizon: entries ±n/m with 1 ≤ n ≤ 9, 1 ≤ m ≤ 5 (never zero), seeded."""
    rng = random.Random(seed)

    def entry():
        return R(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 5))

    return [([[entry() for _ in range(dim)] for _ in range(dim)], [entry() for _ in range(horizon)])
            for horizon in horizons]


def _mp_case(C_, p_):
    return [[mp(v) for v in row] for row in C_], [mp(v) for v in p_]


def difference_rows(setting, dim, diff, cases, numeric_loss, label) -> list:
    """(label, derived difference, official − numeric loss) at each (C, p), in mpmath (call inside workdps); a derived
    difference that is not a real number there counts as infinitely wrong."""
    rows = []
    for n, (C_, p_) in enumerate(cases):
        derived = nonaug.evaluate(diff, C_, p_)
        stated = nonaug.evaluate(official.official_loss(setting, dim), C_, p_)
        value = mpmath.inf if derived.free_symbols or not derived.is_real else mp(derived)
        rows.append((f"{label} case#{n} T={len(p_)}", value, mp(stated) - numeric_loss(*_mp_case(C_, p_))))
    return rows


@check("S.official.unitary", shares="S.unitary", kinds=("exact",), reference="[S] official implementation: michaelsdr/ical, unitary.py, "
                                                          "loss_function (lines 21–36)",
       claim="ical's closed form ‖p‖²‖C‖_F² + p_{T−1}² Σ_{ij}(C^T C)_{ij} − 2 tr(C) p_T + d, minus the loss of its model "
             "(unitary W, s_1 = 𝟙, query s_{T−1}), is exactly the derived difference (d = 2, 3, symbolic T), held "
             "against official − the model's loss by definition at seeded random rational (C, p).",
       derive=lambda: sp.Tuple(*[official.difference("unitary", dim) for dim, _ in UNITARY_CASES]),
       findings=lambda expr: (_unitary_note(expr),),
       equation=tuple(rf"L_{{\mathrm{{official}}}} - L\;(d = {dim})" for dim, _ in UNITARY_CASES),
       corruptions=(lambda e: sp.Tuple(e[0] * EPS, e[1]), lambda e: sp.Tuple(e[0], scale_first_term(sp.expand(e[1]))),
                    lambda e: sp.Tuple(sp.Integer(0), e[1]), lambda e: e.subs(T, T + 1),
                    lambda e: sp.Tuple(e[0].subs(p[T - 1], p[T]), e[1])))
def official_unitary(expr) -> Comparison:
    rows = []
    with mpmath.workdps(DIGITS):
        for (dim, horizons), diff in zip(UNITARY_CASES, expr):
            cases = random_points(SEED + dim, dim, horizons) + ([EXAMPLE] if dim == 2 else [])
            rows += difference_rows("unitary", dim, diff, cases,
                                    lambda C_, p_, dim=dim: numeric_nonaug.loss_mp(C_, p_, dim, DIGITS), f"d={dim}")
    return exact_comparison(rows, "(d, C, p) cases of derived difference vs official − numeric loss")


def _frobenius(dim: int) -> sp.Expr:
    return sum(C[r, c] ** 2 for r in range(dim) for c in range(dim))


def _unitary_note(expr) -> str:
    """The difference in words, the example point, the minimisers and the force on p_{T−1}."""
    frob = _frobenius(2)
    row_sums = sum(sum(C[r, c] for c in range(2)) ** 2 for r in range(2))  # ‖C𝟙‖² = Σ_ij (C^T C)_ij
    exact = all(sp.expand(diff - p[T - 1] ** 2 * _frobenius(dim)) == 0 for (dim, _), diff in zip(UNITARY_CASES, expr))
    diff = expr[0]
    C_, p_ = EXAMPLE
    stated, derived = (nonaug.evaluate(loss, C_, p_) for loss in (official.unitary_loss(2), nonaug.unitary_loss(2)))
    with mpmath.workdps(DIGITS):
        numeric = numeric_nonaug.loss_mp(*_mp_case(C_, p_), 2, DIGITS)
    m = minima.unitary_minimiser(2, 1)
    Cm = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
    at_min = [nonaug.evaluate(loss, Cm, [0, 0, 0, 1]) for loss in (official.unitary_loss(2), nonaug.unitary_loss(2))]
    forces_as_stated = all(  # ∂/∂p_{T−1} at T = 3..6, sums written out
        sp.expand(sp.diff(loss.subs(T, n).doit(), p[n - 1]) - 2 * p[n - 1] * weight) == 0
        for n in range(3, 7)
        for loss, weight in ((official.unitary_loss(2), frob + row_sums), (nonaug.unitary_loss(2), row_sums)))
    return (f"ical unitary.py loss_function(C, p) = ‖p‖²‖C‖_F² + p_{{T−1}}² Σ_ij(C^T C)_ij − 2 tr(C) p_T + d exceeds the "
            f"loss of its model, L(C, p) = ‖p_T C − I‖_F² + Σ_{{t≤T−2}} p_t²‖C‖_F² + p_{{T−1}}²‖C𝟙‖² (derived), by "
            f"{'exactly p_{T−1}²‖C‖_F² (d = 2, 3, every T; d = 2: ' if exact else 'the derived difference (d = 2: '}"
            f"{sp.sstr(diff)}): ‖p‖²‖C‖_F² counts the position t = T − 1, where the key is the query and "
            "s_{T−1}^* A_h s_{T−1} = Σ_j a_hj is not random."
            f" At C = [[1, 2], [0, 1]], p = (0, 0, 1, 1), T = 4: official {stated}, derived loss "
            f"{derived}, the model by exact phase averaging {mpmath.nstr(numeric, 20)}. The minimisers and the minimum "
            f"are unaffected: the difference vanishes at p_{{T−1}} = 0, as at every derived minimiser (d = 2, H = 1, "
            f"p = e_T, T = 4: official {at_min[0]}, derived {at_min[1]}). "
            + ("A trained p_{T−1} is pulled to 0 by a different force: ∂/∂p_{T−1} is 2p_{T−1}(‖C‖_F² + ‖C𝟙‖²) for the "
               "official form against 2p_{T−1}‖C𝟙‖² for the model's loss (derived, d = 2, T = 3..6)."
               if forces_as_stated else "The derivatives in p_{T−1} do not take the expected forms (d = 2)."))


def _orthogonal_numeric(dim: int, reading: Reading):
    """The model's loss by definition under a reading: real rotations (s_1 = 𝟙 or 𝟙/√d, query s_{T−1} or s_T),
    or W's eigen-coordinates (conjugate phase pairs, s_1 = 𝟙, query s_{T−1})."""
    if reading.basis == "eigen":
        if reading.scale != 1 or reading.lag != 1:
            raise ValueError(f"no numeric twin for {reading.label()}")
        return lambda C_, p_: numeric_nonaug.loss_mp(C_, p_, dim, DIGITS, paired=True)
    if reading.scale not in (1, 1 / sp.sqrt(d)):
        raise ValueError(f"no numeric twin for {reading.label()}")
    return lambda C_, p_: numeric_ortho.loss_mp(C_, p_, dim, DIGITS, unit=reading.scale != 1, lag=reading.lag)


@check("S.official.orthogonal", shares="S.orthogonal", kinds=("exact",), cost="slow",
       reference="[S] official implementation: michaelsdr/ical, orthogonal.py, loss_function (lines 17–31)",
       claim="ical's closed form p_{T−1}² t1 + (‖p‖² − p_{T−1}²) t2 + 2 t3 (p_{T−1} Σ_t p_t − p_{T−1}²) + ((Σ q)² − Σ q²) t4 "
             "− 2 tr(C) p_T + d minus the loss of the orthogonal model is, exactly, the derived difference under each "
             "reading of the model: real rotation coordinates with s_1 = 𝟙 or 𝟙/√d and query s_{T−1} or s_T (d = 2), and "
             "W's eigen-coordinates (d = 2, 4); held against official − the model's loss by definition at seeded "
             "random rational (C, p).",
       derive=lambda: sp.Tuple(*[official.difference("orthogonal", dim, reading) for dim, reading in ORTHO_READINGS]),
       findings=lambda expr: _orthogonal_notes(expr), equation=r"L_{\mathrm{official}} - L",
       corruptions=(lambda e: sp.Tuple(scale_first_term(sp.expand(e[0])), *e[1:]),
                    lambda e: sp.Tuple(*e[:2], e[2] * EPS, *e[3:]),
                    lambda e: sp.Tuple(*e[:4], e[0], e[5]),  # the eigen reading given the suite's difference
                    lambda e: sp.Tuple(e[4], *e[1:]),  # the suite's reading given the eigen reading's 0
                    lambda e: sp.Tuple(*e[:5], R(1, 10**6) * p[T] ** 2),
                    lambda e: e.subs(T, T + 1)))
def official_orthogonal(expr) -> Comparison:
    rows = []
    with mpmath.workdps(DIGITS):
        for n, ((dim, reading), diff) in enumerate(zip(ORTHO_READINGS, expr)):
            cases = random_points(SEED + 10 * n + dim, dim, ORTHO_HORIZONS[dim])
            rows += difference_rows("orthogonal", dim, diff, cases, _orthogonal_numeric(dim, reading),
                                    f"d={dim} [{reading.label()}]")
    return exact_comparison(rows, "(reading, C, p) cases of derived difference vs official − numeric loss")


def _linear_part(expr: sp.Expr) -> sp.Expr:
    """The part of an expression of degree one in the entries of C."""
    eps = sp.Symbol("epsilon")
    return factor(sp.expand(expr.xreplace({v: eps * v for v in expr.atoms(sp.Indexed) if v.base == C})).coeff(eps, 1))


def _orthogonal_notes(expr) -> tuple[str, ...]:
    """What the derivation finds: which reading the official form is the loss of, how far it is from the others, and
    what that does to the minimisers (exact values of the official form and of the model's loss)."""
    zero = [dim for (dim, reading), e in zip(ORTHO_READINGS, expr) if reading == EIGEN and sp.simplify(e) == 0]
    identity, e_T = [[1, 0], [0, 1]], [0, 0, 0, 1]
    block = minima.orthogonal_minimiser(2, 1)
    ones, rho_p = (sp.Matrix(block["B"]).T * sp.Matrix(block["A"])).tolist(), [0, 0, *block["p_last_two"]]
    stated = [official.at("orthogonal", 2, C_, p_) for C_, p_ in ((identity, e_T), (ones, rho_p))]
    lines = []
    for (dim, reading), e in zip(ORTHO_READINGS, expr):
        if reading == EIGEN:
            continue
        model = [nonaug.evaluate(nonaug.orthogonal_loss(2, reading), C_, p_) for C_, p_ in ((identity, e_T), (ones, rho_p))]
        lines.append(f"[{reading.label()}] {len(sp.Add.make_args(sp.expand(e)))} terms, C-linear part "
                     f"{sp.sstr(_linear_part(e))}; the model's loss at (I, e_T) {model[0]}, at (𝟙𝟙^T, (0, 0, −1/2, 1)) "
                     f"{model[1]}")
    first = ("ical orthogonal.py loss_function(C, p) = p_{T−1}² t1 + (‖p‖² − p_{T−1}²) t2 + 2 t3 (p_{T−1} Σ_t p_t − "
             "p_{T−1}²) + ((Σ q)² − Σ q²) t4 − 2 tr(C) p_T + d is exactly the loss of the orthogonal model read in W's "
             "eigen-coordinates — tokens, s_1 = 𝟙 and the diagonal heads written in the basis where rotation block i is "
             f"the conjugate phase pair (μ_i, μ̄_i), query s_(T−1): derived difference 0 at d = {zero} for every T. It is "
             "not the loss of the model on real tokens s_{t+1} = blockdiag(R(φ_i)) s_t with real diagonal heads, under "
             "any reading the suite derives (d = 2, T = 4 below; official there: "
             f"{stated[0]} at (C, p) = (I, e_T), {stated[1]} at (𝟙𝟙^T, (0, 0, −1/2, 1))): " + "; ".join(lines) + ".")
    return first, _minimiser_note()


def _minimiser_note() -> str:
    """The official form at the suite's derived minimisers (value and gradient in heads and weights), and its extra
    zeros once H ≥ d."""
    parts = []
    for dim, H, horizon in ((4, 1, 5), (4, 2, 5)):
        m = minima.orthogonal_minimiser(dim, H)
        p_ = [0] * (horizon - 2) + list(m["p_last_two"])
        C_ = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
        gA, gB, gp = official.gradient_at("orthogonal", dim, m["A"], m["B"], p_)
        largest = max(abs(v) for v in list(gA) + list(gB) + gp)
        parts.append(f"(d, H, T) = ({dim}, {H}, {horizon}): official {official.at('orthogonal', dim, C_, p_)}, derived "
                     f"minimum {minima.orthogonal_minimum(dim, H)}, largest partial derivative in a_h, b_h, p_t {largest}")
    trained = official.TRAINED
    m = minima.orthogonal_minimiser(trained["d"], trained["H"])
    C_ = (sp.Matrix(m["B"]).T * sp.Matrix(m["A"])).tolist()
    value = official.at("orthogonal", trained["d"], C_, [0] * (trained["T"] - 2) + list(m["p_last_two"]))
    eye, e_T = sp.eye(2).tolist(), [0, 0, 0, 1]
    return ("The official form keeps the suite's minimisers (p_T C = blockdiag(𝟙𝟙^T) on min(H, d/2) blocks, "
            "p_(T−1)/p_T = −1/2) as stationary points with the derived minimum max(d − 2H, 0) as value: "
            + "; ".join(parts) + f"; at the trained (d, H, T) = ({trained['d']}, {trained['H']}, {trained['T']}) official "
            f"{value} = the derived minimum 0 there, a global minimum of both (the official form is a mean square: the loss of the eigen-coordinate reading). But "
            f"with H ≥ d heads it has zeros the model lacks: at C = I, p = e_T (d = 2, T = 4) official "
            f"{official.at('orthogonal', 2, eye, e_T)}, the model's loss (real coordinates) "
            f"{nonaug.evaluate(nonaug.orthogonal_loss(2), eye, e_T)}, more than predicting 0 (loss d = 2).")
