"""`mesaverify sander-loss` and `sander-minima`: [S]'s derived closed forms at given parameters."""
from __future__ import annotations

import sympy as sp

from mesaverify import jsonio, numbers, sander
from mesaverify.commands import summary
from mesaverify.errors import UsageError

SETTINGS = sander.SETTINGS
KEYS = {"augmented": ("A", "B", "P", "law"), "unitary": ("A", "B", "p"), "orthogonal": ("A", "B", "p")}


LOSS_DESCRIPTION = """[S]'s population loss L = E‖ŝ_{T+1} − s_{T+1}‖² (no ½, [S]'s own normalisation), derived in
closed form for commuting unitary (orthogonal) W and evaluated exactly at the parameters of a JSON file:
the augmented-token model (A, B, the unitary P diagonalising W, the law of s_1; d ≤ 5) or the
non-augmented one (H heads as the rows of A and B, positional weights p of length T)."""
LOSS_EXAMPLES = """example (p.json holding {"A": [[1,0],[0,1]], "B": [[1,0],[0,1]]}):
  mesaverify sander-loss --setting augmented --T 10 --params p.json"""
MINIMA_DESCRIPTION = """[S]'s derived minimum of the population loss E‖ŝ_{T+1} − s_{T+1}‖² (no ½) and a
minimiser attaining it.  augmented: the one-GD-step minimiser over A = aI, B = bI with s_1 = 𝟙/√d (the
minimum of that family, not the global one).  unitary, orthogonal (non-augmented, H heads): the global
minimum d − H resp. max(d − 2H, 0), a minimiser, and the lower bound κ Σ_{i>H} σ_i(M)² (Eckart–Young, since
rank C ≤ H) with κ and M."""
MINIMA_EXAMPLES = """examples:
  mesaverify sander-minima --setting orthogonal --d 4 --H 2 --T 10
  mesaverify sander-minima --setting augmented --d 2 --T 5 --json"""
JSON_HELP = "print one JSON object (command, version, law, d, T, result)"


def register(sub) -> None:
    """Add `sander-loss` and `sander-minima` to the subcommands."""
    p = sub.add_parser("sander-loss", help=summary("sander-loss"),
                       description=LOSS_DESCRIPTION, epilog=LOSS_EXAMPLES)
    p.add_argument("--setting", required=True, choices=SETTINGS,
                   help="augmented tokens, or non-augmented with unitary or orthogonal W")
    p.add_argument("--T", type=int, required=True, help="context length T >= 3")
    p.add_argument("--params", required=True,
                   help='JSON file {"A": [[...]], "B": [[...]], "p": [...]}; augmented also "P" (unitary, '
                        'default I) and "law" ("ones": s_1 = 1/sqrt(d), default; "phase"; or '
                        '{"support": [[...]], "probs": [...]})')
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(run=run_loss)
    q = sub.add_parser("sander-minima", help=summary("sander-minima"),
                       description=MINIMA_DESCRIPTION, epilog=MINIMA_EXAMPLES)
    q.add_argument("--setting", required=True, choices=SETTINGS,
                   help="augmented tokens, or non-augmented with unitary or orthogonal W")
    q.add_argument("--d", type=int, required=True, help="dimension d >= 1 of s_t (even for orthogonal)")
    q.add_argument("--H", type=int, help="number of heads (non-augmented settings; default 1)")
    q.add_argument("--T", type=int, required=True, help="context length T >= 3")
    q.add_argument("--json", action="store_true", help=JSON_HELP)
    q.set_defaults(run=run_minima)


def _load(path, setting):
    """The parameter file: a JSON object with the keys the setting uses, and no other."""
    data = jsonio.load_file(path)
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a JSON object")
    allowed = KEYS[setting]
    unknown = [key for key in data if key not in allowed]
    if unknown:
        raise UsageError(f"{path}: key {numbers.show(unknown[0])} is not used by --setting {setting}; "
                         f"the keys are {', '.join(allowed)}")
    for key in ("A", "B") + (("p",) if setting != "augmented" else ()):
        if key not in data:
            raise UsageError(f"{path} lacks {key!r} (the keys are {', '.join(allowed)})")
    return data


def run_loss(args) -> int:
    """Print [S]'s derived population loss at the parameters of the file (`mesaverify.sander.loss`)."""
    data = _load(args.params, args.setting)
    value = sander.loss(args.setting, T=args.T, **data)
    heads = None if args.setting == "augmented" else len(data["A"])
    result = {"setting": args.setting, "H": heads, "loss": str(value), "loss_float": float(sp.re(sp.N(value, 30)))}
    if args.json:
        given = data.get("law", "ones") if args.setting == "augmented" else None  # the law of s_1
        jsonio.emit("sander-loss", result, law=given if given is None or isinstance(given, str) else "discrete",
                    d=len(data["A"][0]), T=args.T)
    else:
        print(f"L = {value} ≈ {sp.N(value, 20)}   [{args.setting}, T={args.T}]")
    return 0


def run_minima(args) -> int:
    """Print [S]'s derived minimum, a minimiser and (non-augmented) the lower bound (`mesaverify.sander.minimum`)."""
    if args.setting == "augmented" and args.H is not None:
        raise UsageError("--H applies only to the non-augmented settings (unitary, orthogonal)")
    found = sander.minimum(args.setting, args.d, args.T, 1 if args.H is None else args.H)
    m = found["minimiser"]
    minimiser = {"A": _strings(m["A"]), "B": _strings(m["B"]), "p": None if m["p"] is None else _strings(m["p"]),
                 "eta": None if m["eta"] is None else str(m["eta"]), "scope": m["scope"]}
    if found["M"] is None:
        extra: dict = {"lower_bound": None, "lower_bound_float": None, "kappa": None, "kappa_float": None, "M": None}
    else:
        extra = {**jsonio.exact("lower_bound", found["lower_bound"]), **jsonio.exact("kappa", found["kappa"]),
                 "M": _strings(found["M"])}
    value = found["minimum"]
    result = {"setting": args.setting, "H": None if args.setting == "augmented" else (args.H or 1),
              **jsonio.exact("minimum", value), "minimiser": minimiser, **extra}
    if args.json:
        jsonio.emit("sander-minima", result, d=args.d, T=args.T)
        return 0
    plain = lambda v: str(v).replace("'", "")  # noqa: E731 -- lists of exact entries without quotes
    text = ", ".join(f"{key} = {plain(minimiser[key])}" for key in ("A", "B", "p", "eta") if minimiser[key] is not None)
    print(f"min L = {value} ≈ {sp.N(value, 20)}; minimiser {text}" + (f" ({minimiser['scope']})" if minimiser["scope"] else "")
          + (f"; lower bound κ Σ_{{i>H}} σ_i(M)² = {extra['lower_bound']} with κ = {extra['kappa']}, "
             f"M = {plain(extra['M'])}" if extra["M"] is not None else ""))
    return 0


def _strings(rows) -> list:
    """Exact entries as strings, the same type whatever the value ("0", "-1/2", "2")."""
    return [_strings(r) if isinstance(r, (list, tuple)) else str(r) for r in rows]
