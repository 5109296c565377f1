"""`mesaverify assumption`: the derived Assumptions 4.1 and 4.2 of [Z] for a law, d and T, and the results that
rest on them.

Exit code: 0 when Assumption 4.1 holds (the flow stays on aI, bI), and every field is a result; 3 when it fails:
the verdict, every identity with its value and the off-family gradient are still printed (that is the
command's answer), the limits that need Assumption 4.1 are printed as "not applicable: <reason>" (null in JSON,
the reason under "not_applicable"; the per-coordinate limits where that family holds the flow instead), and
stderr names the failing identity.  Identities are written in the papers' notation, E[x_m x̄_n |x_n|²] = 0
(`derivations.notation`), with the moment index m_{...} beside them in JSON.
"""
from __future__ import annotations

import re
import unicodedata

from mesaverify import jsonio, limits
from mesaverify.commands import summary
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.given import derive_all
from mesaverify.derivations.notation import NOTATION, identity
from mesaverify.derivations.zheng import closed
from mesaverify.derivations.zheng.invariance import BLOCK_NAMES, family
from mesaverify.errors import OutsideHypotheses

NOT_EXCHANGEABLE = "derived for exchangeable laws, and this law's coordinates are not exchangeable"
NEEDS_4_1 = "Assumption 4.1 fails for this law (see violations)"
ENTRY_BY_ENTRY = ("the law is not exchangeable: Assumption 4.1 is checked entry by entry, every gradient off aI, bI "
                  "zero on it and one gradient shared by the coordinates on it")
DESCRIPTION = """[Z]'s Assumption 4.1 (the gradient flow from a₀I, b₀I stays on the diagonal family aI, bI),
derived as identities among the moments of x_1, each written E[...] = 0 and evaluated on the law at this d,
and Assumption 4.2 (the test error at the trained limit vanishes as the test context grows), with the results
that rest on them: lim ab (Theorem 4.1), the limit of the test error (Theorem 4.2) and of the ratio
prediction/truth (Proposition 4.1).  Where Assumption 4.1 fails everything is still printed, the limits as
"not applicable", and the exit code is 3."""
EXAMPLES = """examples:
  mesaverify assumption --law rademacher --d 2 --T 10
  mesaverify assumption --law sparse --c 2 --d 3 --T 10 --json
  mesaverify assumption --law ones --d 3 --T 10   # exit 3: Assumption 4.1 fails"""
LIMITS = ("ab", "test_error_limit", "ratio_limit")


def register(sub) -> None:
    """Add `assumption` to the subcommands."""
    p = sub.add_parser("assumption", help=summary("assumption"),
                       description=DESCRIPTION, epilog=EXAMPLES)
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (command, version, law, d, T, result)")
    p.set_defaults(run=run)


def _moment_row(row: dict) -> dict:
    """An identity of an exchangeable law: the papers' notation, LaTeX, the moment index, its value."""
    forms = identity(row["core"])
    return {"identity": forms["text"], "latex": forms["latex"], "moment": forms["moment"],
            **jsonio.exact("value", row["value"]), "holds": row["value"] == 0}


def _gradient_latex(text: str) -> str:
    """∂L/∂k21[0,1] = 0 (an entry's gradient) in LaTeX."""
    def entry(match):
        return f"\\partial L/\\partial ({BLOCK_NAMES[match.group(1)]})_{{{match.group(2)}}}"
    return re.sub(r"∂L/∂(\w+)\[([\d,]+)\]", entry, text).replace("−", "-").replace("Im ", "\\operatorname{Im} ")


def _gradient_row(row: dict) -> dict:
    """A failing entry of a law that is not exchangeable: no moment index, its value in a, b and T."""
    return {"identity": row["identity"], "latex": _gradient_latex(row["identity"]), "moment": None,
            "value": row["value"], "value_float": None, "holds": False}


def _derived(law, spec, horizon) -> dict:
    """Both assumptions and, inside their hypotheses, the limits and the ratio (every moment lacking named)."""
    found = family(law, spec.d, horizon)
    a41 = found.diagonal
    out = {"notation": NOTATION if law.exchangeable else ENTRY_BY_ENTRY, "assumption_4_1": a41["holds"]}
    rows = [_moment_row(r) for r in a41.get("identities", [])]
    out |= {"identities": rows,
            "violations": [r for r in rows if not r["holds"]] if law.exchangeable else
            [_gradient_row(r) for r in a41["violations"]]}
    not_applicable: dict[str, str] = {}
    if law.exchangeable:
        conditions = closed.assumption_4_2(law, spec.d, horizon)
        out |= {"assumption_4_2": all(c == 0 for c in conditions), "assumption_4_2_note": None}
        values = {"ab": closed.ab_limit(law, spec.d, horizon),
                  "test_error_limit": closed.test_error_limit(law, spec.d, horizon),
                  "ratio_limit": closed.ratio(law, spec.d, horizon)}
    else:
        out |= {"assumption_4_2": None, "assumption_4_2_note": NOT_EXCHANGEABLE}
        values = {"ab": closed.ab_limit(law, spec.d, horizon) if a41["holds"] else None,
                  "test_error_limit": None, "ratio_limit": None}
        not_applicable |= {"test_error_limit": NOT_EXCHANGEABLE, "ratio_limit": NOT_EXCHANGEABLE}
    sizes = a41.get("sizes", {})
    out |= {"off_family_gradient_at_a=b=1": dict(a41["gradient_at_a=b=1"]),
            "off_family_gradient_at_a=b=1_float": {k: jsonio.approx(v) for k, v in sizes.items()},
            "family": found.name or "none"}
    for key, value in values.items():
        if value is not None and not a41["holds"]:
            value = None
            not_applicable.setdefault(key, NEEDS_4_1)
        if found.name == "per-coordinate" and key == "ab":
            not_applicable[key] = "the flow leaves aI, bI; see per_coordinate_limits"
        elif value is None:
            not_applicable.setdefault(key, NEEDS_4_1)
        out |= jsonio.exact(key, value) if value is not None else {key: None, f"{key}_float": None}
    out["not_applicable"] = not_applicable
    coordinates = list(found.limits) if found.name == "per-coordinate" and found.limits is not None else None
    out["per_coordinate_limits"] = None if coordinates is None else [str(v) for v in coordinates]
    out["per_coordinate_limits_float"] = None if coordinates is None else [jsonio.approx(v) for v in coordinates]
    return out | {"reason": found.reason}


def _print(out: dict) -> None:
    """The result as text: the notation once, then one line per field, one per identity."""
    print(f"notation: {out['notation']}")
    print()
    for key in ("law", "d", "T", "assumption_4_1"):
        print(f"{key:32} {out[key]}")
    shown = out["identities"] or out["violations"]
    for row in shown:
        verdict = "holds" if row["holds"] else f"violated: the value is {row['value']}"
        pad = 40 + sum(1 for ch in row["identity"] if unicodedata.combining(ch))  # x̄ is two code points
        print(f"    {row['identity']:{pad}} {verdict}")
    if not shown:
        print("    every identity holds")
    a42 = out["assumption_4_2"] if out["assumption_4_2"] is not None else f"not applicable: {out['assumption_4_2_note']}"
    print(f"{'assumption_4_2':32} {a42}")
    gradients = out["off_family_gradient_at_a=b=1"]
    print(f"{'off_family_gradient_at_a=b=1':32} " + (", ".join(f"{k} = {v}" for k, v in gradients.items()) or "0"))
    print(f"{'family':32} {out['family']}")
    for key in LIMITS:
        value = out[key] if out[key] is not None else f"not applicable: {out['not_applicable'][key]}"
        print(f"{key:32} {value}")
    if out["per_coordinate_limits"] is not None:
        print(f"{'per_coordinate_limits':32} {', '.join(out['per_coordinate_limits'])}")


def run(args) -> int:
    """Print the derived assumptions for the law, d and T given; exit 3 (after printing) where 4.1 fails."""
    spec = law_from_args(args)
    law = spec.exact()
    limits.per_coordinate(law, spec.d)
    out = derive_all(law, lambda law: _derived(law, spec, args.T))
    reason = out.pop("reason")
    if args.json:
        jsonio.emit("assumption", out, law=spec.label(), d=spec.d, T=args.T)
    else:
        _print({"law": spec.label(), "d": spec.d, "T": args.T} | out)
    if not out["assumption_4_1"]:
        raise OutsideHypotheses(f"the limits ab, test error and ratio need Assumption 4.1: {reason}", "Assumption 4.1",
                                out["family"])
    return 0
