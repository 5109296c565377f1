"""`mesaverify sander-loss` and `sander-minima`: [S]'s derived closed forms at given parameters."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from mesaverify import jsonio, limits, numbers
from mesaverify.derivations.moments import InvalidLaw, UniformPhase, exact
from mesaverify.derivations.sander import augmented as aug
from mesaverify.derivations.sander import closed as sclosed
from mesaverify.derivations.sander.laws import Scaled
from mesaverify.derivations.sander.symbols import T
from mesaverify.errors import UsageError

SETTINGS = ("augmented", "unitary", "orthogonal")
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
    p = sub.add_parser("sander-loss", help="[S] derived population loss at given parameters",
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
    q = sub.add_parser("sander-minima", help="[S] derived minimum value and a minimiser",
                       description=MINIMA_DESCRIPTION, epilog=MINIMA_EXAMPLES)
    q.add_argument("--setting", required=True, choices=SETTINGS,
                   help="augmented tokens, or non-augmented with unitary or orthogonal W")
    q.add_argument("--d", type=int, required=True, help="dimension d >= 1 of s_t (even for orthogonal)")
    q.add_argument("--H", type=int, default=1, help="number of heads (non-augmented settings)")
    q.add_argument("--T", type=int, required=True, help="context length T >= 3")
    q.add_argument("--json", action="store_true", help=JSON_HELP)
    q.set_defaults(run=run_minima)


def _matrix(value, name, rows=None, cols=None):
    """A parameter matrix from the file: rows of numbers, exact, of the shape asked for."""
    value = jsonio.numbers_matrix(value, name)
    if len({len(r) for r in value}) != 1:
        raise UsageError(f"{name}: rows of different lengths")
    if (rows is not None and len(value) != rows) or (cols is not None and len(value[0]) != cols):
        raise UsageError(f"{name} must be {rows or '?'}×{cols or '?'}, got {len(value)}×{len(value[0])}")
    return [[_fast(v) for v in r] for r in value]


def _fast(value):
    """A parsed number as the closed forms take it fastest: a rational stays a Fraction, any other exact."""
    return value if isinstance(value, Fraction) else exact(value)


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


def _check_T(horizon):
    """Refuse a context length below 3."""
    if horizon < 3:
        raise UsageError(f"T must be >= 3, got --T {horizon}")


def _eigen_law(law, P):
    """The law of P^* s_1 for the augmented setting: "ones" (s_1 = 𝟙/√d), "phase" or a finite law."""
    dim = P.rows
    if law == "ones":
        return aug.eigen_law([(1 / sp.sqrt(dim),) * dim], [1], P)
    if law == "phase":  # i.i.d. uniform phases, |s_1k| = 1/√d: invariant under P^* exactly when P is monomial
        if any(sum(1 for v in line if v != 0) != 1 for line in P.tolist() + P.T.tolist()):
            raise UsageError('law "phase" needs P a permutation times unit phases (the law is then invariant)')
        return Scaled(UniformPhase(dim), 1 / sp.sqrt(dim))
    if not isinstance(law, dict) or set(law) != {"support", "probs"}:
        raise UsageError('law must be "ones", "phase" or {"support": [[...]], "probs": [...]}')
    support = _matrix(law["support"], "law.support", cols=dim)
    try:
        return aug.eigen_law(support, [exact(v) for v in jsonio.numbers_list(law["probs"], "law.probs")], P)
    except InvalidLaw as err:
        raise UsageError(f"law: {err}") from None


def run_loss(args) -> int:
    """Print [S]'s derived population loss at the parameters of the file."""
    _check_T(args.T)
    data = _load(args.params, args.setting)
    limits.sander_loss(args.setting, data, args.T)  # sizes of the file, before its numbers are read
    if args.setting == "augmented":
        A_ = _matrix(data["A"], "A")
        dim = len(A_)
        if len(A_[0]) != dim:
            raise UsageError(f"augmented: A must be square (d×d), got {dim}×{len(A_[0])}")
        B_ = _matrix(data["B"], "B", dim, dim)
        P = sp.Matrix(_matrix(data["P"], "P", dim, dim)) if "P" in data else sp.eye(dim)
        if sp.simplify(P.H * P - sp.eye(dim)) != sp.zeros(dim, dim):
            raise UsageError("P must be unitary (P^* P = I, exactly)")
        law = _eigen_law(data.get("law", "ones"), P)
        value = sp.expand(aug.loss_at(law, sp.Matrix(A_), sp.Matrix(B_), P, args.T))  # exact: never rounded
    else:
        A_ = _matrix(data["A"], "A")
        H, dim = len(A_), len(A_[0])
        B_ = _matrix(data["B"], "B", H, dim)
        if args.setting == "orthogonal" and dim % 2:
            raise UsageError(f"the orthogonal setting needs an even d, got rows of length {dim}")
        p_ = [_fast(v) for v in jsonio.numbers_list(data["p"], "p")]
        if len(p_) != args.T:
            raise UsageError(f"p must be a list of length T = {args.T}, got {len(p_)} entries")
        limits.sander_exact_arithmetic(A_, B_, p_)
        value = sclosed.loss(args.setting, A_, B_, p_)
    result = {"setting": args.setting, "H": None if args.setting == "augmented" else H, "loss": str(value),
              "loss_float": float(sp.re(sp.N(value, 30)))}
    if args.json:
        given = data.get("law", "ones") if args.setting == "augmented" else None  # the law of s_1
        jsonio.emit("sander-loss", result, law=given if given is None or isinstance(given, str) else "discrete",
                    d=dim, T=args.T)
    else:
        print(f"L = {value} ≈ {sp.N(value, 20)}   [{args.setting}, T={args.T}]")
    return 0


def run_minima(args) -> int:
    """Print [S]'s derived minimum, a minimiser and (non-augmented) the lower bound."""
    _check_T(args.T)
    if args.d < 1:
        raise UsageError(f"--d must be >= 1, got {args.d}")
    if args.H < 1:
        raise UsageError(f"--H must be >= 1, got {args.H}")
    if args.setting == "orthogonal":
        if args.d % 2:
            raise UsageError(f"the orthogonal setting needs an even d, got --d {args.d}")
    limits.sander_minima(args.setting, args.d, args.H, args.T)  # what is printed, before any work
    if args.setting == "augmented":
        value, gstar = (e.subs(T, args.T) for e in aug.uniform_start_minimum(args.d))
        minimiser = {"A": _strings([[int(r == c) for c in range(args.d)] for r in range(args.d)]),
                     "B": _strings([[gstar if r == c else 0 for c in range(args.d)] for r in range(args.d)]),
                     "p": None, "eta": str(gstar / args.T),
                     "scope": "A = aI, B = bI, s_1 = 1/sqrt(d); unrestricted (A, B) can do better for fixed s_1"}
        extra = {"lower_bound": None, "lower_bound_float": None, "kappa": None, "kappa_float": None, "M": None}
    else:
        m = sclosed.minimiser(args.setting, args.d, args.H)
        value, last = m["minimum"], m["p_last_two"] if args.setting == "orthogonal" else (0, 1)
        minimiser = {"A": _strings(m["A"]), "B": _strings(m["B"]), "p": _strings([0] * (args.T - 2) + list(last)),
                     "eta": None, "scope": None}
        kappa, M = sclosed.target(args.setting, args.d)
        extra = {**jsonio.exact("lower_bound", sclosed.bound(args.setting, args.d, args.H)),
                 **jsonio.exact("kappa", kappa), "M": _strings(M)}
    result = {"setting": args.setting, "H": None if args.setting == "augmented" else args.H,
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
