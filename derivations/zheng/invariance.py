"""The hypothesis of [Z]'s results, checked exactly for a law, d and T: which family the gradient flow from the
diagonal initialisation W^{KQ}_{21} = a₀I, W^{PV}_1 = b₀I stays in.

* The **diagonal family** aI, bI (Theorem 4.1's limit u*, the flow, its stationary points, Theorem 4.2, the
  ratio): every entry off the family has zero gradient on it and the entries on it share one gradient.  For
  an exchangeable law that is the derived Assumption 4.1 (`assumption.identities`, derived for symbolic d
  and specialised: no work grows with d); for another law every entry is derived (`percoordinate`).
* The **per-coordinate family** diag(a_k), diag(b_k) (any law): every entry off it has zero gradient on it
  and the gradients on it are real.  If moreover the loss on it is a sum Σ_k ℓ_k(a_k b_k), each ℓ_k a
  quadratic α_k u² + β_k u + γ_k (no coupling between coordinates), each coordinate is Theorem 4.1 at d = 1:
  a_k² − b_k² is conserved and a_k b_k → −β_k/(2α_k) unless a₀ + b₀ = 0; where x_k = 0 almost surely
  (α_k = β_k = 0) a_k and b_k do not move.  For an exchangeable law the flow keeps the coordinates equal, so
  this family is invariant only where the diagonal one is.

Both are "for every T ≥ 3" (the coefficients of 1, T, H_{T−2}, … vanish), as Assumption 4.1 is derived; the
size reported with a failure is |G| at a = b = 1 (a_k = b_k = 1) and the given T.  A masked run (the
off-diagonal gradient of W^{KQ}_{21}, W^{PV}_1 set to zero) needs only the other entries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from mesaverify.derivations.factoring import factor
from mesaverify.derivations.hypotheses import OutsideHypotheses
from mesaverify.derivations.moments import SymbolicExchangeable, pattern_of
from mesaverify.derivations.notation import expectation
from mesaverify.derivations.specialise import at_horizon
from mesaverify.derivations.zheng import percoordinate as pc
from mesaverify.derivations.zheng.assumption import m, n
from mesaverify.derivations.zheng.symbols import T, a0, b0

BLOCK_NAMES = {"k11": "W^{KQ}_{11}", "k12": "W^{KQ}_{12}", "k21": "W^{KQ}_{21}", "k22": "W^{KQ}_{22}",
               "v1": "W^{PV}_1", "v2": "W^{PV}_2"}
LISTED = 8  # failing entries listed per block for a law that is not exchangeable (the first in row order)


@dataclass(frozen=True)
class Family:
    """Which family the flow from the diagonal initialisation stays in, and why (see the module)."""

    name: str | None  # "diagonal", "per-coordinate", or None: neither
    diagonal: dict  # {"holds", "violations", "gradient_at_a=b=1"} of the diagonal family
    reason: str = ""  # why the diagonal family (and, for None, the per-coordinate one) is not invariant
    limits: tuple | None = None  # per-coordinate: lim a_k b_k, exactly (a_0*b_0 where x_k = 0 a.s.)
    notes: tuple = field(default=())

    def statement(self) -> str:
        """One line: the hypothesis checked and what it gives."""
        if self.name == "diagonal":
            if self.diagonal.get("assumed"):
                return "assumed, not checked (the law is known by symbols): Assumption 4.1, the flow stays on aI, bI"
            return ("the flow from a₀I, b₀I stays on the diagonal family aI, bI (Assumption 4.1 holds for this law); "
                    "ab converges from every a₀ + b₀ ≠ 0")
        if self.name == "per-coordinate":
            return ("the flow from a₀I, b₀I stays on the per-coordinate family diag(a_k), diag(b_k), whose loss is a "
                    "sum of one quadratic in a_k b_k per coordinate: each a_k b_k converges on its own (a₀ + b₀ ≠ 0); "
                    "it leaves the diagonal family aI, bI")
        return self.reason


def describe(symbol: sp.Symbol) -> str:
    """A moment symbol in the papers' notation: m_{1|0,1|2} → E[x_m x̄_n |x_n|²] (`derivations.notation`)."""
    return expectation(pattern_of(symbol))


def _symbolic(law, d) -> bool:
    """A law or d known only through symbols: the hypothesis is stated, there are no numbers to check it on."""
    return isinstance(law, SymbolicExchangeable) or not isinstance(d, int)


def _size(coeffs: dict, horizon) -> sp.Expr:
    """G at a_k = b_k = 1 and T = horizon (complex where the law is)."""
    value = sp.Add(*[v * f for (_, f), v in coeffs.items()])
    return at_horizon(value, horizon, T, sp.simplify) if horizon is not T else sp.expand(value)


def modulus(value) -> sp.Expr:
    """|G| of a gradient value (a number, or an expression in T whose functions of T are real)."""
    parts = [term.as_independent(T, *value.atoms(sp.harmonic), as_Add=False) for term in sp.Add.make_args(value)]
    re = sp.Add(*[sp.re(c) * f for c, f in parts])
    im = sp.Add(*[sp.im(c) * f for c, f in parts])
    if im == 0:
        return sp.Abs(re) if re.is_number else re
    return sp.sqrt(factor(re) ** 2 + factor(im) ** 2)


def _entries(d: int, same: bool) -> list:
    return [(c,) for c in range(d)] if same else [(i, j) for i in range(d) for j in range(d) if i != j]


def _on_family(law, d: int, pieces_of) -> dict:
    """{("k21" | "v1", m): coefficients} of the gradients of the entries that carry the family."""
    return {(block, e[0]): c for block in ("k21", "v1")
            for e, c in pc.coefficients(pieces_of(pc.entry_pieces(block, True)), law, (m,), _entries(d, True)).items()}


def diagonal_nonexchangeable(law, d: int, horizon, masked: bool = False) -> dict:
    """The diagonal family for a law that is not exchangeable: every entry off the family has zero gradient
    on it, and the entries on it share one gradient (which must be real)."""
    violations, sizes = [], {}
    for block, same in pc.off_family_entries(d, masked):
        roles = (m,) if same else (m, n)
        found = pc.coefficients(pc.collapsed(pc.entry_pieces(block, same)), law, roles, _entries(d, same),
                                stop_after=LISTED)  # the first few entries of a block that fail are listed
        for entry, coeffs in found.items():
            name = f"{block}[{entry[0]},{entry[-1]}]"
            violations.append({"identity": f"∂L/∂{name} = 0", "value": str(factor(pc.as_expr(coeffs)))})
            sizes[name] = _size(coeffs, horizon)
    on = _on_family(law, d, pc.collapsed)  # on the family: one gradient for every coordinate, real
    for block in ("k21", "v1"):
        reference, listed = pc.as_expr(on.get((block, 0), {})), []
        for c in range(d):
            coeffs = on.get((block, c), {})
            imaginary = pc.as_expr({key: sp.im(v) for key, v in coeffs.items()})
            if imaginary != 0:
                listed.append({"identity": f"Im ∂L/∂{block}[{c},{c}] = 0", "value": imaginary})
            diff = sp.expand(pc.as_expr(coeffs) - reference)
            if c and diff != 0:
                listed.append({"identity": f"∂L/∂{block}[{c},{c}] − ∂L/∂{block}[0,0] = 0", "value": diff})
        violations += [row | {"value": str(factor(row["value"]))} for row in listed[:LISTED]]
    return {"holds": not violations, "violations": violations, "sizes": sizes,
            "gradient_at_a=b=1": {k: str(v) for k, v in sizes.items()}}


def diagonal(law, d, horizon, masked: bool = False) -> dict:
    """{"holds", "violations", "gradient_at_a=b=1"} of the diagonal family for a law, d and T."""
    from mesaverify.derivations.zheng.assumption import assumption_4_1

    if _symbolic(law, d):
        return {"holds": True, "violations": [], "sizes": {}, "gradient_at_a=b=1": {}, "assumed": True}
    if law.exchangeable:
        if masked:  # the masked entries are the only ones whose gradient the derivation finds non-zero
            return {"holds": True, "violations": [], "sizes": {}, "gradient_at_a=b=1": {}}
        return assumption_4_1(law, d, horizon)
    return diagonal_nonexchangeable(law, d, horizon, masked)


def _failing(verdict: dict, horizon) -> str:
    """The first failing identity (in words where it is a moment) with its value, and the largest off-family
    gradient at a = b = 1."""
    first = verdict["violations"][0]
    identity, core = first["identity"], first["identity"].removesuffix(" = 0")
    if core.startswith("m_{"):
        identity = f"{describe(sp.Symbol(core))} = 0 ({core})"
    text = f"Assumption 4.1 fails for this law: {identity} is violated, the value is {first['value']}"
    more = len(verdict["violations"]) - 1
    text += f" (and {more} other{'s' if more > 1 else ''} listed)" if more else ""
    sizes = verdict["sizes"]  # G at a = b = 1, expressions
    if sizes:
        where, size = max(sizes.items(), key=lambda kv: _magnitude(modulus(kv[1])))
        text += f"; off-family gradient |∂L/∂{where}| = {modulus(size)} at a = b = 1{_at(horizon)}"
    return text


def _magnitude(size) -> float:
    """A size as a float to order by (0 where it is an expression in T)."""
    try:
        return float(sp.N(sp.sympify(size)))
    except (TypeError, ValueError):
        return 0.0


def _short(expr: sp.Expr, width: int = 240) -> str:
    """An expression as text, cut after `width` characters (with its number of terms)."""
    text = str(expr)
    return text if len(text) <= width else f"{text[:width]}… ({len(sp.Add.make_args(expr))} terms)"


def _at(horizon) -> str:
    return f", T = {horizon}" if horizon is not T else ""


def _per_coordinate(law, d: int, horizon, masked: bool) -> tuple[tuple | None, str]:
    """(lim a_k b_k per coordinate, "") where the per-coordinate family holds the flow and its loss decouples;
    else (None, why not)."""
    for block, same in pc.off_family_entries(d, masked):
        roles = (m,) if same else (m, n)
        found = pc.coefficients(pc.entry_pieces(block, same), law, roles, _entries(d, same), stop_after=1)
        for entry, coeffs in found.items():
            return None, (f"nor the per-coordinate family diag(a_k), diag(b_k): |∂L/∂{block}[{entry[0]},{entry[-1]}]| = "
                          f"{modulus(_size(coeffs, horizon))} at a_k = b_k = 1{_at(horizon)}, the gradient on it being "
                          f"{_short(pc.as_expr(coeffs))}")
    on = _on_family(law, d, lambda pieces: pieces)
    limits = []
    for k in range(d):
        own: dict[str, dict] = {}
        for block, partner in (("k21", "b"), ("v1", "a")):
            for (monomial, function), value in on.get((block, k), {}).items():
                if any(c != k for _, c, _ in monomial) or sp.im(value) != 0:
                    return None, (f"the per-coordinate family is invariant, but its loss couples the coordinates: "
                                  f"∂L/∂{block}[{k},{k}] has the term {factor(pc.as_expr({(monomial, function): value}))}"
                                  "; no limit is derived for a coupled loss")
                own.setdefault(block, {})[monomial, function] = value
        limits.append(_one_coordinate(own, k, horizon))
        if isinstance(limits[-1], str):
            return None, limits[-1]
    return tuple(limits), ""


def _one_coordinate(own: dict, k: int, horizon):
    """lim a_k b_k from ∂L/∂a_k = b_k(2α u + β), ∂L/∂b_k = a_k(2α u + β), u = a_k b_k (or why not)."""
    def coefficient(block, monomial):
        value = sp.Add(*[v * f for (mono, f), v in own.get(block, {}).items() if mono == monomial])
        return at_horizon(value, horizon, T, sp.simplify) if horizon is not T else sp.simplify(value)

    two_alpha = coefficient("k21", (("a", k, 1), ("b", k, 2)))
    beta = coefficient("k21", (("b", k, 1),))
    expected = {(("a", k, 1), ("b", k, 2)), (("b", k, 1),)}, {(("a", k, 2), ("b", k, 1)), (("a", k, 1),)}
    shapes = ({mono for mono, _ in own.get("k21", {})}, {mono for mono, _ in own.get("v1", {})})
    if not (shapes[0] <= expected[0] and shapes[1] <= expected[1]) or \
            sp.simplify(coefficient("v1", (("a", k, 2), ("b", k, 1))) - two_alpha) != 0 or \
            sp.simplify(coefficient("v1", (("a", k, 1),)) - beta) != 0:
        return f"the loss on the per-coordinate family is not a function of a_{k} b_{k} in coordinate {k}"
    if two_alpha == 0 and beta == 0:
        return a0 * b0  # x_k = 0 almost surely: the loss does not depend on a_k, b_k
    shifted = (two_alpha.subs(T, T + 3), -beta.subs(T, T + 3)) if horizon is T else (two_alpha, -beta)
    if not all(sp.simplify(v).is_positive for v in shifted):
        return f"coordinate {k}: the quadratic in a_{k} b_{k} is not strictly convex with a positive minimiser"
    return sp.simplify(-beta / two_alpha)


def family(law, d, horizon=T, masked: bool = False) -> Family:
    """Which family the flow from the diagonal initialisation stays in for the law, d and T (module)."""
    verdict = diagonal(law, d, horizon, masked)
    if verdict["holds"]:
        return Family("diagonal", verdict)
    reason = _failing(verdict, horizon)
    if law.exchangeable:
        return Family(None, verdict, reason + "; the flow leaves the diagonal family (and, the law being "
                      "exchangeable, the per-coordinate family too)")
    limits, why = _per_coordinate(law, d, horizon, masked)
    if limits is None:
        return Family(None, verdict, f"{reason}; {why}")
    return Family("per-coordinate", verdict, reason, limits)


def require_diagonal(law, d, horizon=T, result: str = "this result") -> Family:
    """The diagonal family's verdict, or OutsideHypotheses naming the failing hypothesis and its size."""
    found = family(law, d, horizon)
    if found.name != "diagonal":
        extra = (" (the per-coordinate limits of a_k b_k apply: `mesaverify fixed-point`, mv.zheng.family)"
                 if found.name == "per-coordinate" else "")
        raise OutsideHypotheses(f"{result} needs the flow to stay on the diagonal family aI, bI: "
                                f"{found.reason}{extra}", "Assumption 4.1", found.name)
    return found
