"""`mesaverify fixed-point`: the exact limit of ab under the gradient flow ([Z] Theorem 4.1)."""
from __future__ import annotations

import sympy as sp

from mesaverify import jsonio, limits
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.given import derive_all
from mesaverify.derivations.zheng.closed import ab_limit


def register(sub) -> None:
    """Add `fixed-point` to the subcommands."""
    p = sub.add_parser("fixed-point", help="exact limit of ab for a law, d and T ([Z] Thm 4.1)")
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    """Print lim ab for the law, d and T given (exact, and to 20 digits)."""
    spec = law_from_args(args)
    limits.per_coordinate(spec.exact(), spec.d)
    value = derive_all(spec.exact(), lambda law: ab_limit(law, spec.d, args.T))
    approx = sp.N(value, 30)  # mpmath: also H_n = ψ(n + 1) + γ where n is too large to be written out
    if args.json:
        print(jsonio.dumps({
            "law": spec.label(), "d": spec.d, "T": args.T,
            "ab": str(value), "ab_float": float(approx), "ab_decimal": str(sp.N(approx, 20)), "ab_latex": sp.latex(value),
        }))
    else:
        print(f"lim ab = {value} ≈ {sp.N(approx, 20)}   [{spec.label()}, T={args.T}]")
    return 0
