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


def register(sub) -> None:
    """Add `sander-loss` and `sander-minima` to the subcommands."""
    p = sub.add_parser("sander-loss", help="[S] derived population loss at given parameters")
    p.add_argument("--setting", required=True, choices=SETTINGS)
    p.add_argument("--T", type=int, required=True, help="context length T >= 3")
    p.add_argument("--params", required=True,
                   help='JSON file {"A": [[...]], "B": [[...]], "p": [...]}; augmented also "P" (unitary, '
                        'default I) and "law" ("ones": s_1 = 1/sqrt(d), default; "phase"; or '
                        '{"support": [[...]], "probs": [...]})')
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_loss)
    q = sub.add_parser("sander-minima", help="[S] derived minimum value and a minimiser")
    q.add_argument("--setting", required=True, choices=SETTINGS)
    q.add_argument("--d", type=int, required=True)
    q.add_argument("--H", type=int, default=1, help="number of heads (non-augmented settings)")
    q.add_argument("--T", type=int, required=True)
    q.add_argument("--json", action="store_true")
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
        value = sp.nsimplify(aug.loss_at(law, sp.Matrix(A_), sp.Matrix(B_), P, args.T))
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
    _print({"loss": str(value), "loss_float": float(sp.re(sp.N(value, 30)))}, args.json,
           f"L = {value} ≈ {sp.N(value, 20)}   [{args.setting}, T={args.T}]")
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
        eye = [[1 if r == c else 0 for c in range(args.d)] for r in range(args.d)]
        minimiser = {"A": eye, "B": [[str(gstar) if r == c else 0 for c in range(args.d)] for r in range(args.d)],
                     "p": None, "eta": str(gstar / args.T),
                     "scope": "A = aI, B = bI, s_1 = 1/sqrt(d); unrestricted (A, B) can do better for fixed s_1"}
        extra = {}
    else:
        m = sclosed.minimiser(args.setting, args.d, args.H)
        value, last = m["minimum"], [str(v) for v in m["p_last_two"]] if args.setting == "orthogonal" else [0, 1]
        minimiser = {"A": m["A"], "B": m["B"], "p": [0] * (args.T - 2) + last}
        kappa, M = sclosed.target(args.setting, args.d)
        extra = {"lower_bound": str(sclosed.bound(args.setting, args.d, args.H)), "kappa": str(kappa),
                 "M": [[str(v) for v in row] for row in M]}
    _print({"minimum": str(value), "minimiser": minimiser, **extra}, args.json,
           f"min L = {value} ≈ {sp.N(value, 20)}; minimiser {minimiser}"
           + (f"; lower bound κ Σ_{{i>H}} σ_i(M)² = {extra['lower_bound']} with κ = {extra['kappa']}, "
              f"M = {extra['M']}" if extra else ""))
    return 0


def _print(payload, as_json, text):
    """The result as strict JSON or as text."""
    print(jsonio.dumps(payload) if as_json else text)
