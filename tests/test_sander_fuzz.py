"""Hypothesis properties of the [S] derivations over (d, H, T, P) and laws (make fuzz runs these at length).

Every property holds a derived expression against an independent numeric computation — numerics.sander,
the model built from its definition with the phases of W averaged exactly on roots of unity, in float64 —
or against another derived fact; no expected value is typed in.  Float64 agreement is held to
16 · ε_mach · n_ops · scale, n_ops the floating-point operations accumulated into one summand
(T·d products, plus log₂ of the number of quadrature nodes for the average) and scale a bound on the
summands ‖ŝ_{T+1}‖² + ‖s_{T+1}‖² from the norms of the parameters.  A failing example is noted as a
`mesaverify sander-loss` parameter file that can be pasted back.
"""
import json
import math
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, note, settings
from hypothesis import strategies as st

from mesaverify.derivations.moments import UniformPhase
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import minima
from mesaverify.derivations.sander import nonaugmented as nonaug
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import T
from mesaverify.numerics import laws as numeric_laws
from mesaverify.numerics.sander import augmented as numeric_aug
from mesaverify.numerics.sander import nonaugmented as numeric_nonaug
from mesaverify.numerics.sander import noncommuting as numeric_nc
from mesaverify.numerics.sander import orthogonal as numeric_ortho
from tests.strategies import budget, finite_laws, gaussian_rationals, small_rationals

pytestmark = pytest.mark.fuzz
EPS = float(np.finfo(float).eps)


def float_tolerance(scale: float, ops: float) -> float:
    """16 ε_mach per accumulated operation, relative to the scale of the summands."""
    return 16 * EPS * ops * max(scale, 1.0)


def to_complex(M) -> np.ndarray:
    return np.array([[complex(sp.N(v, 20)) for v in row] for row in M.tolist()])


def to_float(M) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in M.tolist()])


def norm(M) -> float:
    return float(np.linalg.norm(to_complex(sp.Matrix(M))))


def exact_json(M) -> list:
    return [[str(v) for v in row] for row in sp.Matrix(M).tolist()]


def paste(setting: str, horizon: int, params: dict) -> str:
    """The shell line that reproduces an example with `mesaverify sander-loss`."""
    return (f"echo '{json.dumps(params)}' > params.json && "
            f"mesaverify sander-loss --setting {setting} --T {horizon} --params params.json")


# --- strategies --------------------------------------------------------------------------------
# rational points of the unit circle, ((1 − a²) + 2ai)/(1 + a²), and the four fourth roots of unity
unit_phases = st.one_of(st.sampled_from([1, -1, sp.I, -sp.I]),
                        st.builds(lambda a: sp.nsimplify(((1 - a**2) + 2 * a * sp.I) / (1 + a**2)), small_rationals))


@st.composite
def phased_permutations(draw, dim, phases=unit_phases):
    """P = permutation × diagonal of unit phases: unitary, and it maps i.i.d. uniform phases to themselves."""
    perm = draw(st.permutations(range(dim)))
    P = sp.zeros(dim, dim)
    for c in range(dim):
        P[perm[c], c] = draw(phases)
    return P


@st.composite
def rational_unitaries(draw, dim):
    """A unitary with Gaussian-rational entries: the Cayley transform (I − K)(I + K)^{−1}, K = X − X^*."""
    X = sp.Matrix(dim, dim, lambda r, c: draw(gaussian_rationals))
    K = X - X.H
    U = ((sp.eye(dim) - K) * (sp.eye(dim) + K).inv()).applyfunc(sp.expand)
    return (U * draw(phased_permutations(dim))).applyfunc(sp.expand)


def complex_matrices(dim):
    return st.lists(gaussian_rationals, min_size=dim * dim, max_size=dim * dim).map(
        lambda v: sp.Matrix(dim, dim, v))


@st.composite
def augmented_cases(draw):
    """(d, T, A, B, P, law): law "ones" (s_1 = 𝟙/√d), "phase" (with a monomial P) or a finite law."""
    dim, horizon = draw(st.integers(1, 2)), draw(st.integers(3, 6))
    A, B = draw(complex_matrices(dim)), draw(complex_matrices(dim))
    kind = draw(st.sampled_from(["ones", "phase", "finite"]))
    if kind == "phase":
        return dim, horizon, A, B, draw(phased_permutations(dim)), "phase"
    P = draw(st.one_of(phased_permutations(dim), rational_unitaries(dim)))
    if kind == "ones":
        return dim, horizon, A, B, P, "ones"
    spec = draw(finite_laws(d=st.just(dim)))
    return dim, horizon, A, B, P, {"support": spec.support, "probs": spec.probs}


def law_json(law):
    if isinstance(law, str):
        return law
    return {"support": [[str(v) for v in pt] for pt in law["support"]], "probs": [str(q) for q in law["probs"]]}


def exact_law(law, dim):
    """(points, probabilities) of s_1, exact; None for the uniform-phase law (no finite support)."""
    if law == "ones":
        return [(1 / sp.sqrt(dim),) * dim], [sp.Integer(1)]
    if law == "phase":
        return None
    return [tuple(pt) for pt in law["support"]], list(law["probs"])


def derived_augmented(dim, A, B, P, law, horizon=None):
    """The derived loss at (A, B) for W = P diag(λ) P^*, the law of P^* s_1 from the law of s_1 and P; symbolic
    T, or at T = horizon as an exact real number (its imaginary part must vanish exactly)."""
    finite = exact_law(law, dim)
    eigen = Scaled(UniformPhase(dim), 1 / sp.sqrt(dim)) if finite is None else aug.eigen_law(*finite, P)
    loss = aug.population_loss(eigen, dim)
    if horizon is None:
        return aug.in_parameters(loss, A, B, P)
    value = sp.expand(aug.in_parameters(sp.expand(loss.subs(T, horizon)), A, B, P))
    assert sp.im(value) == 0, value
    return sp.re(value)


def numeric_augmented(dim, horizon, A, B, P, law):
    """(loss, tolerance) from mesaverify.numerics.sander.augmented: sequences by repeated multiplication, exact phase
    quadrature; the uniform-phase law as the roots of unity of order 7 (exact for the degree-3 loss)."""
    finite = exact_law(law, dim)
    if finite is None:
        pts, prs = numeric_laws.phase(dim).as_arrays()
        pts = pts / np.sqrt(dim)
    else:
        pts = [np.array([complex(sp.N(v, 20)) for v in pt]) for pt in finite[0]]
        prs = [float(q) for q in finite[1]]
    s, w = numeric_aug.dataset(pts, prs, to_complex(P), horizon)
    L, _, _ = numeric_aug.loss_and_gradient(to_complex(A), to_complex(B), s, w, horizon)
    rho = max(float(np.linalg.norm(x)) for x in pts)
    scale = (norm(A) * norm(B) * rho**3 + rho) ** 2
    return L, float_tolerance(scale, horizon * dim * (dim + 1) + math.log2(len(s)))


# --- augmented tokens ----------------------------------------------------------------------------
def note_augmented(horizon, A, B, P, law):
    """Record an augmented-token case as the `mesaverify sander-loss` line that reproduces it."""
    note(paste("augmented", horizon, {"A": exact_json(A), "B": exact_json(B), "P": exact_json(P),
                                      "law": law_json(law)}))


@settings(max_examples=budget(0.25))  # share of the profile's examples: cost per example
@given(augmented_cases())
def test_augmented_loss_matches_quadrature(case):
    """Derived population loss (symbolic T, law of P^* s_1 from its moments) = the model's exact quadrature."""
    dim, horizon, A, B, P, law = case
    note_augmented(horizon, A, B, P, law)
    derived = derived_augmented(dim, A, B, P, law, horizon)
    numeric, tol = numeric_augmented(dim, horizon, A, B, P, law)
    note(f"derived {derived} ≈ {float(derived)!r}, numeric {numeric!r}, tolerance {tol:.2e}")
    assert abs(float(derived) - numeric) <= tol


@st.composite
def invariant_laws(draw, P):
    """A finite law invariant under x ↦ P^* x: each drawn point's mass spread evenly over its orbit."""
    dim = P.rows
    spec = draw(finite_laws(d=st.just(dim), n=st.integers(1, 2)))
    mass = {}
    for point, prob in zip(spec.support, spec.probs):
        orbit, x = [], sp.Matrix(point)
        while tuple(x) not in orbit:
            orbit.append(tuple(x))
            x = (P.H * x).applyfunc(sp.expand)
        for y in orbit:
            mass[y] = mass.get(y, 0) + prob / len(orbit)
    return {"support": tuple(mass), "probs": tuple(mass.values())}


@st.composite
def invariant_cases(draw):
    dim = draw(st.integers(1, 2))
    P = draw(phased_permutations(dim, phases=st.sampled_from([1, -1, sp.I, -sp.I])))  # P of finite order
    return dim, draw(st.integers(3, 6)), draw(complex_matrices(dim)), draw(complex_matrices(dim)), P, \
        draw(invariant_laws(P))


@settings(max_examples=budget(0.1))  # share of the profile's examples: cost per example
@given(invariant_cases())
def test_invariant_law_P_drops_out(case):
    """Law of P^* s_1 = law of s_1 ⇒ L_P(A, B) = L_I(P^*AP, P^*BP) for every T (derived, exactly), and the
    model's quadrature with P agrees."""
    dim, horizon, A, B, P, law = case
    note_augmented(horizon, A, B, P, law)
    with_P = derived_augmented(dim, A, B, P, law)
    conjugated = derived_augmented(dim, P.H * A * P, P.H * B * P, sp.eye(dim), law)
    assert sp.expand(with_P - conjugated) == 0
    numeric, tol = numeric_augmented(dim, horizon, A, B, P, law)
    assert abs(float(derived_augmented(dim, A, B, P, law, horizon)) - numeric) <= tol


@st.composite
def dependent_cases(draw):
    dim = draw(st.integers(1, 2))
    spec = draw(finite_laws(d=st.just(dim), n=st.integers(1, 2)))
    return dim, draw(st.integers(3, 6)), draw(complex_matrices(dim)), draw(complex_matrices(dim)), \
        draw(rational_unitaries(dim)), {"support": spec.support, "probs": spec.probs}


@settings(max_examples=budget(0.1))  # share of the profile's examples: cost per example
@given(dependent_cases())
def test_P_dependence_matches_quadrature(case):
    """Any law: L_P(A, B) − L_I(P^*AP, P^*BP), derived, = the same difference of the model's quadratures."""
    dim, horizon, A, B, P, law = case
    note_augmented(horizon, A, B, P, law)
    At, Bt = (P.H * A * P).applyfunc(sp.expand), (P.H * B * P).applyfunc(sp.expand)
    derived = float(derived_augmented(dim, A, B, P, law, horizon)
                    - derived_augmented(dim, At, Bt, sp.eye(dim), law, horizon))
    with_P, tol_P = numeric_augmented(dim, horizon, A, B, P, law)
    with_I, tol_I = numeric_augmented(dim, horizon, At, Bt, sp.eye(dim), law)
    note(f"derived difference {derived!r}, numeric {with_P - with_I!r}")
    assert abs(derived - (with_P - with_I)) <= tol_P + tol_I


# --- non-augmented tokens --------------------------------------------------------------------------
@lru_cache(maxsize=None)
def derived_at(setting, dim, horizon):
    """The derived loss at a numeric T, sums written out (cached: Hypothesis revisits (d, T))."""
    return nonaug.loss_of(setting, dim).subs(T, horizon).doit()


def derived_loss(setting, C, p):
    value = derived_at(setting, C.rows, len(p)).xreplace(
        {**{nonaug.p[n + 1]: v for n, v in enumerate(p)},
         **{nonaug.C[r, c]: C[r, c] for r in range(C.rows) for c in range(C.cols)}})
    return sp.nsimplify(sp.expand(value))


@lru_cache(maxsize=None)
def grid(setting, dim, horizon):
    """Tokens s_1..s_{T+1} on the exact quadrature grid of numerics.sander (roots of unity / angles)."""
    if setting == "unitary":
        return numeric_nonaug.tokens(numeric_nonaug.nodes(dim, horizon), horizon)
    return numeric_ortho.grid_tokens(dim, horizon)


def numeric_loss(setting, Ah, Bh, p):
    """(loss, tolerance): the multi-head model from its definition (heads, not C), exact quadrature, float64."""
    horizon, dim = len(p), Ah.cols
    s = grid(setting, dim, horizon)
    L = float(np.mean(numeric_nc.nonaug_per_sample(to_float(Ah), to_float(Bh), np.array([float(v) for v in p]), s, horizon)))
    rho = 1.0 if setting == "unitary" else math.sqrt(2)  # largest |s_{t,j}|
    C = np.abs(to_float(Bh.T * Ah))
    pabs = sum(abs(float(v)) for v in p)
    scale = sum((pabs * C[r].sum() * rho**3 + rho) ** 2 for r in range(dim))
    return L, float_tolerance(scale, horizon * dim * (Ah.rows + 2) + math.log2(len(s)))


@st.composite
def nonaugmented_cases(draw, setting):
    """(d, H, T, heads A, B (H×d), p): d ≤ 4 (even if orthogonal), T ≤ 8, quadrature grid ≤ 10⁵ nodes."""
    if setting == "unitary":
        dim = draw(st.integers(1, 4))
        horizon = draw(st.integers(3, min(8, int((1e5 ** (1 / dim) - 1) / 4))))
    else:
        dim, horizon = draw(st.sampled_from([2, 4])), draw(st.integers(3, 8))
    H = draw(st.integers(1, 4))
    heads = st.lists(small_rationals, min_size=H * dim, max_size=H * dim).map(lambda v: sp.Matrix(H, dim, v))
    p = draw(st.lists(small_rationals, min_size=horizon, max_size=horizon))
    return dim, H, horizon, draw(heads), draw(heads), p


def nonaugmented_paste(setting, Ah, Bh, p):
    return paste(setting, len(p), {"A": exact_json(Ah), "B": exact_json(Bh), "p": [str(v) for v in p]})


@pytest.mark.parametrize("setting", nonaug.SETTINGS)
@settings(max_examples=budget(0.5))  # share of the profile's examples: cost per example
@given(data=st.data())
def test_nonaugmented_loss_matches_quadrature_and_bound(setting, data):
    """Derived L(C = Σ_h b_h a_h^T, p) = the heads' model on the quadrature grid, and L ≥ the derived minimum
    (the Eckart–Young bound of the decomposition) for that H."""
    dim, H, horizon, Ah, Bh, p = data.draw(nonaugmented_cases(setting))
    note(nonaugmented_paste(setting, Ah, Bh, p))
    derived = derived_loss(setting, Bh.T * Ah, p)
    numeric, tol = numeric_loss(setting, Ah, Bh, p)
    note(f"derived {derived} ≈ {float(derived)!r}, numeric {numeric!r}, tolerance {tol:.2e}")
    assert abs(float(derived) - numeric) <= tol
    assert derived >= minima.minimum_bound(setting, dim, H)


@pytest.mark.parametrize("setting", nonaug.SETTINGS)
@settings(max_examples=budget(0.25))  # share of the profile's examples: cost per example
@given(data=st.data())
def test_minimiser_attains_the_derived_minimum(setting, data):
    """At every T the derived minimiser's loss (derived, and the model's quadrature) is the derived bound."""
    if setting == "unitary":
        dim, horizon = data.draw(st.integers(1, 3)), data.draw(st.integers(3, 6))
    else:
        dim, horizon = data.draw(st.sampled_from([2, 4])), data.draw(st.integers(3, 8))
    H = data.draw(st.integers(1, 4))
    if setting == "unitary":
        m = minima.unitary_minimiser(dim, H)
        p = [0] * (horizon - 1) + [m["p_last"]]
    else:
        m = minima.orthogonal_minimiser(dim, H)
        p = [0] * (horizon - 2) + list(m["p_last_two"])
    Ah, Bh = sp.Matrix(m["A"]), sp.Matrix(m["B"])
    note(nonaugmented_paste(setting, Ah, Bh, p))
    bound = minima.minimum_bound(setting, dim, H)
    assert derived_loss(setting, Bh.T * Ah, p) == bound
    numeric, tol = numeric_loss(setting, Ah, Bh, p)
    assert abs(numeric - float(bound)) <= tol


@settings(max_examples=budget(0.5))  # share of the profile's examples: cost per example
@given(horizon=st.integers(3, 8), phi=st.floats(0, 2 * math.pi))
def test_orthogonal_positional_relation(horizon, phi):
    """The derived block minimiser (p_{T−1}/p_T, p_T C) = (ρ*, 𝟙𝟙^T): numerically, the model predicts s_{T+1}
    exactly at every angle (2cos φ s_T − s_{T−1}), and the quadrature loss along p_{T−1} (a quadratic) has
    its vertex at ρ*."""
    rho, Cstar, L_star = minima.orthogonal_block_minimisers()
    left, right = Cstar.rank_decomposition()  # C* = left · right = B^T A: rows of A are a_h, rows of B are b_h
    Ah, Bh = to_float(right), to_float(left.T)
    p = np.zeros(horizon)
    p[-2:] = float(rho), 1.0
    note(paste("orthogonal", horizon, {"A": Ah.tolist(), "B": Bh.tolist(), "p": p.tolist()}))
    s = numeric_ortho.tokens(numeric_ortho.rotation(np.array([[phi]])), horizon)
    # L* = 0 and the per-angle loss is continuous and ≥ 0, so it vanishes at every angle; scale ‖s_{T+1}‖² = 2
    assert numeric_nc.nonaug_per_sample(Ah, Bh, p, s, horizon)[0] <= float(L_star) + float_tolerance(2.0, 4 * horizon)
    s = grid("orthogonal", 2, horizon)

    def along(r):
        q = p.copy()
        q[-2] = r
        return numeric_nonaug.loss_and_gradient(Ah, Bh, q, s, horizon)[0]

    f = [along(r) for r in (-1.0, 0.0, 1.0)]
    curvature = f[0] - 2 * f[1] + f[2]
    vertex = (f[0] - f[2]) / (2 * curvature)
    note(f"losses at p_(T−1) = −1, 0, 1: {f}; vertex {vertex!r} vs derived {rho}")
    # an error δ in each f moves the vertex by at most (1 + 2|vertex|) δ / curvature
    assert abs(vertex - float(rho)) <= (1 + 2 * abs(vertex)) * float_tolerance(max(f), 8 * horizon) / curvature
