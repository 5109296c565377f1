"""The sizes the commands answer within seconds, in one place, each checked before any work.

Where a closed form exists a command uses it and needs no limit: [Z]'s results for an exchangeable
law at any d and T (the symbolic derivation specialised; harmonic numbers past 1000 kept exact and
unevaluated), [S]'s non-augmented losses in matrix terms and their minima.  What remains is bounded
here; an input over a bound is refused with one line naming the limit and the size asked for (exit 4: well-formed
input beyond what the engine derives, not malformed input).
The README's command-line section lists them.
"""
from __future__ import annotations

import math

from mesaverify.errors import BeyondEngine

# [Z] for a law that is not exchangeable: the loss is summed over the d² pairs of coordinates, each pair's
# moments over the support points (fixed-point, simulate's exact limit).
PER_COORDINATE_D = 64
PER_COORDINATE_WORK = 2 * 10**5  # d² × support points
# ... and whether the flow stays on a family: every entry's gradient, summed over the coordinate triples of each
# support point where it is non-zero (derivations.zheng.percoordinate), about 10 µs a triple with the rest of the check.
PER_COORDINATE_TRIPLES = 5 * 10**5  # Σ over support points of (non-zero coordinates)³

# simulate: the arrays of the data set and of one epoch, and the work of one epoch.
SIMULATE_BYTES = 2 * 2**30
SIMULATE_EPOCH_WORK = 5 * 10**8  # m · d² · (T + d), about 20 s per epoch (the [Z] Figure 1 runs: 2.6·10⁷)
SAMPLED_SUPPORT = 2 * 10**5  # support points × d of a finite law that simulate samples from

# [S] augmented loss at given (A, B, P): a sum over assignments of up to five distinct coordinates, each with
# a moment over the support of P^* s_1.
AUGMENTED_D = 5
AUGMENTED_WORK = 5000  # d⁵ × support points

# [S] non-augmented: C = Σ_h b_h a_h^T in exact arithmetic (rational entries as integers, others in SymPy).
NONAUGMENTED_WORK = 3 * 10**7  # H · d² products, rational entries
NONAUGMENTED_SYMBOLIC_WORK = 10**5  # H · d² + T with an entry that is not rational (SymPy arithmetic)
NUMBERS = 10**7  # 2·H·d + T numbers read from a non-augmented parameter file (A, B, p)
PRINTED = 10**6  # entries of the matrices and vectors sander-minima prints


def at_most(what: str, value: int, limit: int, why: str) -> None:
    """Refuse (BeyondEngine, exit 4) when `value` exceeds `limit`; the message names the quantity, the limit and why."""
    if value > limit:
        raise BeyondEngine(f"{what} = {value} exceeds the limit {limit} ({why})")


def per_coordinate(law, d: int) -> None:
    """A law that is not exchangeable is derived coordinate by coordinate: bound d and d² × support points."""
    if law.exchangeable:
        return
    at_most("d for a law that is not exchangeable", d, PER_COORDINATE_D,
            "its derivation sums over coordinate pairs; exchangeable laws have no limit")
    at_most("d² × support points of a law that is not exchangeable", d * d * len(law.support), PER_COORDINATE_WORK,
            "each coordinate pair needs the moments over the support")
    triples = sum(sum(1 for v in point if v != 0) ** 3 for point, p in zip(law.support, law.probs) if p != 0)
    at_most("Σ over support points of (non-zero coordinates)³ of a law that is not exchangeable", triples,
            PER_COORDINATE_TRIPLES, "the check that the flow stays on a family sums every entry's gradient over "
            "the coordinate triples of each support point")


def simulate_bytes(m: int, test_m: int, T: int, d: int, width: int | None = None) -> int:
    """Peak bytes of simulate's arrays.  Each training sequence is computed on the s = `width` (≤ d) non-zero
    coordinates of its x_1: λ^t for every t, and either the geometric-sum matrices (A, B) or, for the fraction f
    with two phases closer than GAP, the running sums g_t (s×s per t); one block of SPAN sequences' working
    arrays (d×s per sequence); x_1 and its phases; the test set (tokens, S_t: d² per sequence); the empirical
    limit's d×d arrays per 500 sequences; at d ≤ 7, the quartic form a long run switches to (its moments and
    one block's work array, built while the per-sequence arrays are still held)."""
    from mesaverify.numerics.zheng.quartic import build_bytes
    from mesaverify.numerics.zheng.train import GAP, SPAN

    s = d if width is None else width
    near = min(1.0, s * (s - 1) / 2 * GAP / math.pi)
    data = 40 * m * d + 16 * m * s * (T - 2) + m * s * s * (32 * (1 - near) + 16 * near * (T - 2))
    test = 64 * test_m * T * d + 64 * test_m * d * d
    working = max(min(m, SPAN) * (160 * d * s + 112 * s * s), 100 * min(m, 500) * d * d)
    return int(data + test + working + build_bytes(d, T))


def simulate(spec, T: int, m: int, test_m: int) -> None:
    """simulate: memory of the data set and of an epoch, the work of an epoch, the support it samples from."""
    from mesaverify.checks.core.laws import sampled_support, support_width

    need = simulate_bytes(m, test_m, T, spec.d, support_width(spec))
    if need > SIMULATE_BYTES:
        raise BeyondEngine(f"simulate would hold about {need / 2**30:.3g} GiB of arrays for m = {m}, test-m = {test_m}, "
                         f"T = {T}, d = {spec.d}; the limit is {SIMULATE_BYTES / 2**30:g} GiB "
                         f"(about 16·m·T·d bytes of data plus d² per sequence): use a smaller m, T or d")
    at_most("the work of an epoch, m·d²·(T + d)", m * spec.d**2 * (T + spec.d), SIMULATE_EPOCH_WORK,
            "about 20 s per epoch")
    at_most("support points × d of the law sampled", sampled_support(spec) * spec.d, SAMPLED_SUPPORT,
            "simulate draws x_1 from the law's support written out: 2^d points for rademacher, 7^d for phase")


def _length(value) -> int:
    """len of a list (or tuple), else 0 (a value of the wrong type is reported where it is read)."""
    return len(value) if isinstance(value, (list, tuple)) else 0


def sander_loss(setting: str, data: dict, T: int) -> None:
    """sander-loss: d (and the support of s_1) for the augmented loss, H·d² and T for the others, read off the
    parameter file's lists before any of its numbers is parsed."""
    A = data.get("A")
    rows = _length(A)
    if setting == "augmented":
        law = data.get("law")
        points = _length(law.get("support")) if isinstance(law, dict) else 1
        at_most("d of the augmented loss", rows, AUGMENTED_D, "at given A, B it sums over assignments of up to "
                "five distinct coordinates; no cheaper closed form is derived")
        at_most("d⁵ × support points of s_1", rows**5 * max(points, 1), AUGMENTED_WORK,
                "each assignment needs a moment over the support")
        return
    cols = _length(A[0]) if rows and A else 0  # rows > 0: A is a non-empty list
    at_most("H·d², the products of C = Σ_h b_h a_hᵀ", rows * cols * cols, NONAUGMENTED_WORK, "exact arithmetic")
    at_most("2·H·d + T, the numbers of A, B and p", 2 * rows * cols + T, NUMBERS, "each is read exactly")


def sander_exact_arithmetic(A: list, B: list, p: list) -> None:
    """Entries that are not rational are multiplied in SymPy, about a hundred times slower: bound H·d² + T."""
    from mesaverify.derivations.sander.closed import rational

    if not (rational(A) and rational(B) and rational([p])):
        dim = len(A[0])
        at_most("H·d² + T with an entry that is not rational", len(A) * dim * dim + len(p),
                NONAUGMENTED_SYMBOLIC_WORK, "SymPy arithmetic; rational entries are computed as integers")


def sander_minima(setting: str, d: int, H: int, T: int) -> None:
    """sander-minima prints M (d×d), the minimiser's A and B (H×d, augmented d×d) and p (length T) entry by
    entry: bound their number (the values themselves are closed forms)."""
    printed = 2 * d * d if setting == "augmented" else d * d + 2 * H * d + T
    at_most("entries printed (M, A, B, p)", printed, PRINTED, "the minimiser and M are printed in full")


# Models from descriptions: the squared error has (prediction terms)² products, each averaged over the
# partitions of its coordinate indices; the twin's work grows with d, T and the terms too.
MODEL_D = 4
MODEL_TERMS = 64  # terms of one coordinate of the prediction (heads × W^PV blocks × W^KQ blocks)
MODEL_CHECK_WORK = 2 * 10**5  # twin: support points × T² × terms × d³


def _model_terms(desc) -> int:
    return sum(sum(1 for _, s in h.pv if s.kind != "zero") * sum(1 for *_, s in h.kq if s.kind != "zero")
               for h in desc.heads)


def model(desc, d) -> None:
    """A description at dimension d (an int, or the symbol d)."""
    if isinstance(d, int):
        at_most("d of a model", d, MODEL_D, "the sum over coordinate assignments grows like d^6")
    at_most("prediction terms of a model", _model_terms(desc), MODEL_TERMS, "the squared error has their square")


def model_check(desc, d: int, T: int) -> None:
    """The twin's work for one horizon (support points counted as 2^d, the Rademacher law's)."""
    at_most("twin work of a model check", 2**d * T * T * _model_terms(desc) * d**3, MODEL_CHECK_WORK,
            "the twin multiplies trigonometric polynomials at 50 digits")
