"""[Z] Assumption 4.1, derived: which moment identities keep the flow on the diagonal family."""
from __future__ import annotations

import itertools

import mpmath
import sympy as sp

from mesaverify.checks.core.corruptions import in_tuple, scale_first_term
from mesaverify.checks.core.lawbuild import breaking_41, identities_41
from mesaverify.checks.core.laws import LawSpec
from mesaverify.checks.core.numeric import DIGITS, entry_gradient, family_matrices_mp, mp
from mesaverify.checks.core.registry import Comparison, check
from mesaverify.checks.zheng.common import BLOCK_SLICES, CLASSES, SYMBOLIC, at, exact_comparison
from mesaverify.derivations.moments import pattern_of
from mesaverify.derivations.zheng import assumption
from mesaverify.derivations.zheng.symbols import T, b, d
from mesaverify.numerics.memo import memo

R = sp.Rational
# exchangeable finite laws, some satisfying Assumption 4.1 and some not
LAWS_41: tuple[LawSpec, ...] = (LawSpec("sparse", 2, c=R(1, 2)), LawSpec("rademacher", 2), LawSpec("ones", 2),
                                  LawSpec("discrete", 2, support=((1, 2), (2, 1)), probs=(R(1, 2), R(1, 2))),
                                  LawSpec("discrete", 2, support=((1, sp.I), (sp.I, 1)), probs=(R(1, 2), R(1, 2))),
                                  LawSpec("ones", 3), LawSpec("sparse", 3, c=R(2)))


def _breaking_only_the_three_coordinate_identity() -> LawSpec:
    """A d = 3 law on which only E[x_m x̄_n |x_n|² |x_l|²] = 0 fails (weights from mesaverify.checks.core.lawbuild's exact LP):
    no built-in law separates that identity from the others."""
    three = [core for core in identities_41(3) if len(pattern_of(core)) == 3]
    law = breaking_41(three[0], list(itertools.product((-1, 1, 2), repeat=3)))
    assert law is not None  # this fixed grid holds such a law (found once, at import)
    return law


LAWS_41 += (_breaking_only_the_three_coordinate_identity(),)


def _entry(block, row, col, d_):
    which, rb, cb = BLOCK_SLICES[block]
    return which, rb * d_ + row if which == "K" else row, cb * d_ + col


@memo
def _numeric_class_gradients(spec, horizon, av, bv, all_entries):
    """{(block, kind): [G of each entry]} from the model (exact central differences, 50 digits)."""
    D = spec.d
    K, V = family_matrices_mp(D, [av] * D, [bv] * D)
    out = {}
    for block, kind in CLASSES:
        if kind == "off" and D == 1:
            continue
        pairs = [(m, n) for m in range(D) for n in range(D) if (m == n) == (kind == "diag")]
        if not all_entries:
            pairs = pairs[:1]
        out[(block, kind)] = [entry_gradient(spec, horizon, K, V, _entry(block, m, n, D)) for m, n in pairs]
    return out


def _gradient_tuple():
    grads = assumption.gradients(SYMBOLIC, d)
    return sp.Tuple(*[grads[c] for c in CLASSES])


@check("Z.assumption4_1.gradients", kinds=("exact",), cost="slow", reference="[Z] Assumption 4.1, Theorem 4.1 (proof: off-diagonal gradients)",
       claim="The gradient of every entry of W^{KQ} and W^{PV} at a point (a, b) of the diagonal family, for "
             "symbolic d and T, in terms of mixed moments of x_1 (exchangeable laws).",
       derive=_gradient_tuple, equation=tuple(rf"G_{{{block},\mathrm{{{kind}}}}}" for block, kind in CLASSES),
       corruptions=(in_tuple(9, scale_first_term), in_tuple(1, lambda e: e + b * sp.harmonic(T - 2)),
                    lambda e: e.subs(T, T + 1)))
def gradients_41(expr) -> Comparison:
    rows = []
    for spec in LAWS_41:
        av, bv, horizon = R(3, 5), R(7, 4), 4
        numeric = _numeric_class_gradients(spec, horizon, av, bv, all_entries=spec.d == 2)
        for cls, g in zip(CLASSES, expr):
            if cls not in numeric:
                continue
            derived = mp(at(g, spec, horizon, a=av, b=bv))
            for n, value in enumerate(numeric[cls]):
                rows.append((f"{spec.label()} {cls[0]}.{cls[1]} entry {n}", derived, value))
    return exact_comparison(rows, "entry gradients (all entries for d = 2, one per class for d = 3)")


def _identity_tuple():
    return sp.Tuple(*[sp.Tuple(core, scale) for core, scale in assumption.identities(SYMBOLIC, assumption.DIM)])


@check("Z.assumption4_1.identities", kinds=("exact",), reference="[Z] Assumption 4.1",
       claim="The flow from the diagonal initialisation stays on the diagonal family iff a finite list of "
             "moment identities holds (derived by requiring every off-family gradient to vanish for all a, b, T).",
       derive=_identity_tuple,
       equation=tuple((rf"\text{{moment}}_{{{n}}}", rf"\text{{weight}}_{{{n}}}") for n in range(1, 5)),
       corruptions=(lambda e: sp.Tuple(*e[:-1], sp.Tuple(sp.Symbol("m_{2,4}", positive=True), 1)),  # the last replaced
                    lambda e: sp.Tuple(*e, sp.Tuple(sp.Symbol("m_{2}"), 1)),  # one more
                    lambda e: sp.Tuple(*[x for x in e if not x[1].has(d)]),  # the 3-coordinate one dropped
                    lambda e: sp.Tuple(sp.Tuple(-e[0][0], e[0][1]), *e[1:])))  # the first negated
def check_identities_41(expr) -> Comparison:
    mismatches, lines = 0, []
    # the list in its canonical form (sorted; core and factor in d with leading coefficient 1), so that
    # two lists state the same identities exactly when they are equal
    for core, scale in expr:
        if sp.Poly(core, *sorted(core.free_symbols, key=str)).LC() != 1 or sp.Poly(scale, assumption.DIM).LC() != 1:
            mismatches += 1
            lines.append(f"({core}, {scale}) is not in canonical form (leading coefficients 1)")
    if [str(core) for core, _ in expr] != sorted(str(core) for core, _ in expr):
        mismatches += 1
        lines.append("the identities are not in canonical order (by their text)")
    # an identity said to apply in dimension d may only involve moments of at most d distinct coordinates
    for dim in sorted({spec.d for spec in LAWS_41}):
        for core, scale in expr:
            if scale.subs(assumption.DIM, dim) != 0 and any(len(pattern_of(m)) > dim for m in core.free_symbols):
                mismatches += 1
                lines.append(f"{core} = 0 is said to apply for d = {dim} but involves more than {dim} coordinates")
    threshold = mpmath.mpf(10) ** (-(DIGITS - 10))
    for spec in LAWS_41:
        failing = [str(core) for core, scale in expr
                   if scale.subs(assumption.DIM, spec.d) != 0
                   and all(len(pattern_of(m)) <= spec.d for m in core.free_symbols)
                   and sp.simplify(at(core, spec, 5)) != 0]
        worst = mpmath.mpf(0)
        for av, bv in ((R(3, 5), R(7, 4)), (R(-1, 3), R(2))):
            numeric = _numeric_class_gradients(spec, 4, av, bv, all_entries=spec.d == 2)
            for cls, values in numeric.items():
                if cls in (("k21", "diag"), ("v1", "diag")):
                    continue
                worst = max([worst] + [abs(v) for v in values])
        stays = worst < threshold
        if stays != (not failing):
            mismatches += 1
        lines.append(f"{spec.label()}: identities {'hold' if not failing else 'fail: ' + ', '.join(failing)}; "
                     f"max off-family |G| = {mpmath.nstr(worst, 5)}")
    return Comparison(mismatches, 0, "derived verdict vs the model's off-family gradients at two points "
                      f"(50 digits, zero below 1e-{DIGITS - 10}); max_error counts disagreements; " + "; ".join(lines))
