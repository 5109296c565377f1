"""`mesaverify assumption`: the derived Assumptions 4.1 and 4.2 of [Z] for a law, d and T."""
from __future__ import annotations

from mesaverify import jsonio
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.given import derive_all
from mesaverify.derivations.zheng import closed
from mesaverify.derivations.zheng.assumption import assumption_4_1
from mesaverify.errors import UsageError


def register(sub) -> None:
    """Add `assumption` to the subcommands."""
    p = sub.add_parser("assumption", help="derived Assumptions 4.1/4.2 of [Z] for a law")
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def _derived(law, spec, horizon) -> dict:
    """Both assumptions, the limits and the ratio for one law (every moment it lacks named at once)."""
    a41 = assumption_4_1(law, spec.d, horizon)
    conditions = closed.assumption_4_2(law, spec.d, horizon)
    return {
        "law": spec.label(), "d": spec.d, "T": horizon,
        "assumption_4_1": a41["holds"],
        "assumption_4_2": all(c == 0 for c in conditions),
        "violations": a41["violations"],
        "off_family_gradient_at_a=b=1": a41["gradient_at_a=b=1"],
        "ab": str(closed.ab_limit(law, spec.d, horizon)),
        "test_error_limit": str(closed.test_error_limit(law, spec.d, horizon)),
        "ratio_limit": str(closed.ratio(law, spec.d, horizon)),
    }


def run(args) -> int:
    """Print the derived assumptions for the law, d and T given."""
    spec = law_from_args(args)
    law = spec.exact()
    if not law.exchangeable:
        raise UsageError("Assumption 4.2 and the limits are derived for exchangeable laws; this law's "
                         "coordinates are not exchangeable")
    out = derive_all(law, lambda law: _derived(law, spec, args.T))
    if args.json:
        print(jsonio.dumps(out))
        return 0
    for key, value in out.items():
        print(f"{key:32} {value}")
    return 0
