"""`mesaverify assumption`: the derived Assumptions 4.1 and 4.2 of [Z] for a law, d and T."""
from __future__ import annotations

import json

from mesaverify.errors import UsageError
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.zheng import closed
from mesaverify.derivations.zheng.assumption import assumption_4_1


def register(sub) -> None:
    p = sub.add_parser("assumption", help="derived Assumptions 4.1/4.2 of [Z] for a law")
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    spec = law_from_args(args)
    law = spec.exact()
    if not law.exchangeable:
        raise UsageError("Assumption 4.2 and the limits are derived for exchangeable laws; this law's "
                         "coordinates are not exchangeable")
    a41 = assumption_4_1(law, spec.d, args.T)
    conditions = closed.assumption_4_2(law, spec.d, args.T)
    out = {
        "law": spec.label(), "d": spec.d, "T": args.T,
        "assumption_4_1": a41["holds"],
        "assumption_4_2": all(c == 0 for c in conditions),
        "violations": a41["violations"],
        "off_family_gradient_at_a=b=1": a41["gradient_at_a=b=1"],
        "ab": str(closed.ab_limit(law, spec.d, args.T)),
        "test_error_limit": str(closed.test_error_limit(law, spec.d, args.T)),
        "ratio_limit": str(closed.ratio(law, spec.d, args.T)),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    for key, value in out.items():
        print(f"{key:32} {value}")
    return 0
