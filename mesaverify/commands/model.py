"""`mesaverify model FILE.toml`: your own model from a description — loss, value at a point, flow, conserved
quantities, stationary points, and (--check) the generic check against the numeric twin."""
from __future__ import annotations

import re

import sympy as sp

from mesaverify import jsonio, models, numbers
from mesaverify.commands import summary
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.errors import UsageError

MAX_AT = 64  # parameters in --at


DESCRIPTION = """For a linear-attention model described in a TOML file (the process, the token, the prediction,
the structure of each head's blocks, the loss; see examples/models) and a law of x_1: the population loss,
derived exactly for symbolic T (and the least T it holds for), its value at a point (--at), the gradient flow
of the matrix entries constrained to the description's family (dθ/dτ = −(1/n_θ) ∂L/∂θ, n_θ the entries θ
occupies: the entries' own flow only where the family is invariant), every quadratic form that flow conserves,
and the stationary set: with a numeric --T and a law with numeric moments every component (its equations, a
point, its loss and type), else the points found, said not to be complete.  --check holds the derived loss and
gradient against a numeric twin built from the same description (mpmath, no derivation)."""
EXAMPLES = """examples:
  mesaverify model examples/models/zheng_diagonal.toml --law rademacher --d 2 --T 5 --at a=1/2,b=3/2
  mesaverify model examples/models/zheng_second_order.toml --law rademacher --d 2 --T 6 --json"""


def register(sub) -> None:
    """Add `model` to the subcommands."""
    p = sub.add_parser("model", help=summary("model"),
                       description=DESCRIPTION, epilog=EXAMPLES)
    p.add_argument("file", help="the model description (TOML; see examples/models)")
    add_law_arguments(p, horizon=False)
    p.add_argument("--T", type=int, help="a number T (default: symbolic T)")
    p.add_argument("--at", help="parameter values, e.g. a=1/2,b=3/2 (diag/dense entries as b[0]=1, B[0,1]=2)")
    p.add_argument("--json", action="store_true", help="print one JSON object (command, version, law, d, T, result)")
    p.add_argument("--check", action="store_true", help="hold the derived loss and gradient against the numeric twin")
    p.set_defaults(run=run)


def _point(text: str, params: list) -> dict:
    """--at: name=value pairs separated by commas (commas inside [..] belong to the name)."""
    names = {str(p).replace(", ", ","): p for p in params}
    pairs = [x for x in re.split(r",(?![^\[]*\])", text) if x.strip()]
    if len(pairs) > MAX_AT:
        raise UsageError(f"--at: {len(pairs)} values; at most {MAX_AT} are read")
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace(" ", "")
        if not sep or name not in names:
            raise UsageError(f"--at: {pair.strip()!r} is not name=value for a parameter of the model ({', '.join(names)})")
        v = numbers.real(numbers.parse(value.strip(), f"--at {name}"), f"--at {name}")
        out[names[name]] = sp.Rational(v.numerator, v.denominator)
    return out


def run(args) -> int:
    """Print (or --json) the derived results of the description."""
    desc = models.load(args.file)
    spec = law_from_args(args)
    m = models.model(desc, spec)
    loss = m.loss()
    result: dict = {"model": desc.name, "least_T": m.least_T(), "loss": str(loss), "loss_at": None, "loss_at_float": None}
    at = _point(args.at, m.parameters()) if args.at else None
    value = m.loss(args.T) if args.T is not None else loss
    if at is not None:
        result |= jsonio.exact("loss_at", sp.expand(value.xreplace(at)))  # exact: the values are never rounded
    result["flow"] = {str(p): str(v) for p, v in m.flow(args.T).items()}
    result["conserved"] = [str(q) for q in m.conserved()]
    stationary = m.stationary(args.T)
    result["stationary"] = [{"point": {str(p): str(v) for p, v in s["point"].items()}, **jsonio.exact("loss", s["loss"]),
                             "type": s["type"], "curve": s["curve"], "equations": [str(e) for e in s["equations"]],
                             "zero_eigenvalues": s["zero_eigenvalues"]} for s in stationary["points"]]
    result["stationary_solved"] = bool(stationary["solved"])
    result["stationary_why"] = stationary["why"]
    result["check"] = None
    if args.check:
        comparison = m.check((args.T,) if args.T is not None else None)
        result["check"] = {"passed": comparison.passed, "max_error": float(comparison.max_error),
                           "tolerance": float(comparison.tolerance), "evidence": comparison.evidence}
    if args.json:
        jsonio.emit("model", result, law=spec.label(), d=spec.d, T=args.T)
    else:
        _print(result | {"law": spec.label(), "T": args.T if args.T is not None else "T"})
    return 0 if not args.check or result["check"]["passed"] else 1


def _print(result: dict) -> None:
    print(f"{result['model']}  [{result['law']}, T = {result['T']}; the loss holds for T ≥ {result['least_T']}]")
    print(f"L = {result['loss']}")
    if result["loss_at"] is not None:
        approx = f" ≈ {result['loss_at_float']:.15g}" if result["loss_at_float"] is not None else ""
        print(f"L at the point = {result['loss_at']}{approx}")
    for p, v in result["flow"].items():
        print(f"d{p}/dτ = {v}")
    for q in result["conserved"]:
        print(f"conserved: {q}")
    for s in result["stationary"]:
        on = f" on {{{', '.join(e + ' = 0' for e in s['equations'])}}}" if s["equations"] and s["curve"] else ""
        curve = f" (a set in {', '.join(s['curve'])}{on})" if s["curve"] else ""
        print(f"stationary: {s['point']}  L = {s['loss']}  {s['type']}{curve}")
    if result["stationary_solved"]:
        print("stationary points: complete" + (f" ({result['stationary_why']})" if result["stationary_why"] else ""))
    else:
        print(f"stationary points: not complete ({result['stationary_why']})")
    if result["check"] is not None:
        c = result["check"]
        print(f"check: {'pass' if c['passed'] else 'FAIL'}  max_error {c['max_error']:.3e} (tolerance {c['tolerance']:.0e})")
