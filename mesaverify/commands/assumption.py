"""`mesaverify assumption`: the derived Assumptions 4.1 and 4.2 of [Z] for a law, d and T, and the results that
rest on them.

Exit code: 0 when Assumption 4.1 holds (the flow stays on aI, bI), and every field is a result; 3 when it fails:
the verdict, the violated identities and the off-family gradient are still printed (that is the command's
answer), the limits that need Assumption 4.1 are printed as "not applicable: <reason>" (the per-coordinate
limits where that family holds the flow instead), and stderr names the failing identity.
"""
from __future__ import annotations

from mesaverify import jsonio, limits
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.given import derive_all
from mesaverify.derivations.zheng import closed
from mesaverify.derivations.zheng.invariance import family
from mesaverify.errors import OutsideHypotheses

NOT_EXCHANGEABLE = "not applicable: derived for exchangeable laws, and this law's coordinates are not exchangeable"


def register(sub) -> None:
    """Add `assumption` to the subcommands."""
    p = sub.add_parser("assumption", help="derived Assumptions 4.1/4.2 of [Z] for a law (exit 3 where 4.1 fails)")
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def _derived(law, spec, horizon) -> dict:
    """Both assumptions and, inside their hypotheses, the limits and the ratio (every moment lacking named)."""
    found = family(law, spec.d, horizon)
    a41 = found.diagonal
    out = {"law": spec.label(), "d": spec.d, "T": horizon, "assumption_4_1": a41["holds"]}
    if law.exchangeable:
        conditions = closed.assumption_4_2(law, spec.d, horizon)
        out["assumption_4_2"] = all(c == 0 for c in conditions)
        values = {"ab": closed.ab_limit(law, spec.d, horizon),
                  "test_error_limit": closed.test_error_limit(law, spec.d, horizon),
                  "ratio_limit": closed.ratio(law, spec.d, horizon)}
    else:
        out["assumption_4_2"] = NOT_EXCHANGEABLE
        values = {"ab": closed.ab_limit(law, spec.d, horizon) if a41["holds"] else None,
                  "test_error_limit": NOT_EXCHANGEABLE, "ratio_limit": NOT_EXCHANGEABLE}
    out |= {"violations": a41["violations"], "off_family_gradient_at_a=b=1": a41["gradient_at_a=b=1"],
            "family": found.name or "none"}
    for key, value in values.items():
        if isinstance(value, str):
            out[key] = value
        elif a41["holds"]:
            out[key] = str(value)
        else:
            out[key] = "not applicable: Assumption 4.1 fails for this law (see violations)"
    if found.name == "per-coordinate":
        out["ab"] = "not applicable: the flow leaves aI, bI; see per_coordinate_limits"
        out["per_coordinate_limits"] = [str(v) for v in found.limits]
    return out | {"reason": found.reason}


def run(args) -> int:
    """Print the derived assumptions for the law, d and T given; exit 3 (after printing) where 4.1 fails."""
    spec = law_from_args(args)
    law = spec.exact()
    limits.per_coordinate(law, spec.d)
    out = derive_all(law, lambda law: _derived(law, spec, args.T))
    reason = out.pop("reason")
    if args.json:
        print(jsonio.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key:32} {value}")
    if not out["assumption_4_1"]:
        raise OutsideHypotheses(f"the limits ab, test error and ratio need Assumption 4.1: {reason}", "Assumption 4.1",
                                out["family"])
    return 0
