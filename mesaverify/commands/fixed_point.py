"""`mesaverify fixed-point`: the exact limit of ab under the gradient flow ([Z] Theorem 4.1), after checking
for the law, d and T that the flow from the diagonal initialisation stays on the family the limit is derived
on (`derivations.zheng.invariance`): aI, bI (Assumption 4.1), else diag(a_k), diag(b_k) with a loss that does
not couple the coordinates (the limit of each a_k b_k); else exit 3 naming the hypothesis that fails.  The
result is `mesaverify.zheng.fixed_point`'s, printed."""
from __future__ import annotations

import sympy as sp

from mesaverify import jsonio, zheng
from mesaverify.commands import summary
from mesaverify.commands.lawargs import add_law_arguments, law_from_args

DESCRIPTION = """The exact limit of ab under the gradient flow of [Z] (Theorem 4.1:
u* = (T−2) m₄ / ((T−2) m₆ + (d−1) m_{2,4} H_{T−2}), m_k = E|x_k|^k, m_{2,4} = E|x_k|²|x_j|⁴) for a law of
x_1, a dimension d and a horizon T, exactly and to 20 digits.  Its hypothesis is checked exactly first: the
flow from a₀I, b₀I stays on aI, bI (Assumption 4.1 for an exchangeable law).  For a law that is not
exchangeable whose flow stays on diag(a_k), diag(b_k) with a loss that does not couple the coordinates, the
limit of each a_k b_k is printed instead; otherwise exit 3, naming the hypothesis that fails."""
EXAMPLES = """examples:
  mesaverify fixed-point --law rademacher --d 2 --T 10
  mesaverify fixed-point --law gaussian --sigma 1/2 --d 5 --T 100 --json
  mesaverify fixed-point --law discrete --support '[[1,0],[0,"1/3"]]' --probs '["1/3","2/3"]' --T 10
  mesaverify fixed-point --law ones --d 2 --T 5   # exit 3: Assumption 4.1 fails"""


def register(sub) -> None:
    """Add `fixed-point` to the subcommands."""
    p = sub.add_parser("fixed-point", help=summary("fixed-point"),
                       description=DESCRIPTION, epilog=EXAMPLES)
    add_law_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (command, version, law, d, T, result)")
    p.set_defaults(run=run)


def decimal(value) -> tuple[str, float | None]:
    """(20 significant digits, float) of an exact limit; ('a_0*b_0', None) for a product that does not move."""
    if value.free_symbols:
        return str(value), None
    approx = sp.N(value, 30)  # mpmath: also H_n = ψ(n + 1) + γ where n is too large to be written out
    return str(sp.N(approx, 20)), float(approx)


def run(args) -> int:
    """Print lim ab (or lim a_k b_k per coordinate) for the law, d and T given, and the hypothesis checked."""
    spec = law_from_args(args)
    found = zheng.fixed_point(spec, args.T)
    per_coordinate = found["family"] == "per-coordinate"
    value = found["limits"] if per_coordinate else found["ab"]
    record = {"family": found["family"], "hypothesis": found["hypothesis"], "not_diagonal": None, "limits": None,
              "limits_decimal": None, "limits_float": None, "ab": None, "ab_float": None, "ab_decimal": None,
              "ab_latex": None}
    if per_coordinate:
        texts = [decimal(v) for v in value]
        record |= {"not_diagonal": found["reason"], "limits": [str(v) for v in value],
                   "limits_decimal": [t for t, _ in texts], "limits_float": [f for _, f in texts]}
        line = (f"lim a_k b_k = ({', '.join(map(str, value))}) ≈ ({', '.join(t for t, _ in texts)})   "
                f"[{spec.label()}, T={args.T}, k = 1..{spec.d}]")
    else:
        text, number = decimal(value)
        record |= {"ab": str(value), "ab_float": number, "ab_decimal": text, "ab_latex": sp.latex(value)}
        line = f"lim ab = {value} ≈ {text}   [{spec.label()}, T={args.T}]"
    if args.json:
        jsonio.emit("fixed-point", record, law=spec.label(), d=spec.d, T=args.T)
        return 0
    print(line)
    print(f"hypothesis checked: {found['hypothesis']}")
    if per_coordinate:
        print(f"not the diagonal family: {found['reason']}")
    if per_coordinate and any(v.free_symbols for v in value):
        print("a_0*b_0: x_k = 0 almost surely, so the loss does not depend on a_k, b_k and they keep their start")
    return 0
