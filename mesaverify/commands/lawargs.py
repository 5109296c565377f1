"""The law options every subcommand shares (--law, --sigma, --c, --support, --probs, --moments, --d, --T)
and their validation into a `LawSpec`: every problem one line and exit code 2, every number read by the
one number grammar (mesaverify.numbers), an option the law does not use refused."""
from __future__ import annotations

from mesaverify import jsonio, numbers
from mesaverify.checks.core.laws import LAW_NAMES, TABLE, LawSpec
from mesaverify.derivations import moments
from mesaverify.errors import UsageError

MAX_MOMENTS = 32  # entries of a moment vector (its Hankel matrices are checked exactly)
# option → the laws it applies to, from the law table
APPLIES = {option: tuple(name for name, kind in TABLE.items() if option in kind.params)
           for option in ("sigma", "c", "support", "probs", "moments")}


def add_law_arguments(parser, *, horizon: bool = True, required: bool = True) -> None:
    """Add --law and its parameters (and --d, --T) to a subcommand's parser."""
    parser.add_argument("--law", required=required, choices=LAW_NAMES, help="law of x_1")
    parser.add_argument("--sigma", help="scale of the Gaussian laws (exact: '1/2' stays 1/2; default 1)")
    parser.add_argument("--c", help="scale of the sparse law of [Z] Example 4.1 (default 1)")
    parser.add_argument("--support", help="discrete law: JSON list of points, e.g. '[[1,0],[0,\"1/3\"]]'")
    parser.add_argument("--probs", help="discrete law: JSON list of probabilities, e.g. '[\"1/2\",\"1/2\"]'")
    parser.add_argument("--moments", help="moments law: JSON object of moments, e.g. "
                        "'{\"m2\": 1, \"m4\": 3, \"m6\": 15, \"m24\": 3}' (names m2, m4, m6, m24, m_{...}; P0 = P(x_k ≠ 0))")
    parser.add_argument("--d", type=int, help="dimension d >= 1 (implied by --support)")
    if horizon:
        parser.add_argument("--T", type=int, required=True, help="training horizon T >= 3")


def refuse_inapplicable(args) -> None:
    """An option given for a law that does not use it (or with no --law) is an error, not ignored."""
    for option, laws in APPLIES.items():
        if getattr(args, option) is None or args.law in laws:
            continue
        which = " and ".join(f"--law {law}" for law in laws)
        given = f"--law {args.law}" if args.law else "no --law"
        raise UsageError(f"--{option} applies only to {which}, not to {given}")


def _scale(text, option):
    """--sigma or --c: a real number, exact."""
    return moments.exact(numbers.real(numbers.parse(text, f"--{option}"), f"--{option}")) if text is not None else 1


def _moment_vector(text):
    """--moments: a JSON object {name: number}."""
    given = jsonio.loads(text, "--moments")
    if not isinstance(given, dict):
        raise UsageError("--moments must be a JSON object {name: value}, e.g. '{\"m2\": 1, \"m4\": 3}'")
    if len(given) > MAX_MOMENTS:
        raise UsageError(f"--moments: {len(given)} moments; at most {MAX_MOMENTS} are read")
    return tuple((name, moments.exact(jsonio.number(v, f"--moments {name}"))) for name, v in given.items())


def law_from_args(args) -> LawSpec:
    """Validate the law options; every problem is one line and exit code 2."""
    refuse_inapplicable(args)
    support = probs = given = None
    if args.law == "moments":
        if args.moments is None:
            raise UsageError("the moments law needs --moments, e.g. '{\"m2\": 1, \"m4\": 3, \"m6\": 15, \"m24\": 3}'")
        given = _moment_vector(args.moments)
    if args.law == "discrete":
        if args.support is None or args.probs is None:
            raise UsageError("the discrete law needs --support and --probs")
        support = tuple(tuple(map(moments.exact, point))
                        for point in jsonio.numbers_matrix(jsonio.loads(args.support, "--support"), "--support"))
        probs = tuple(map(moments.exact, jsonio.numbers_list(jsonio.loads(args.probs, "--probs"), "--probs")))
        d = args.d if args.d is not None else len(support[0])
    else:
        if args.d is None:
            raise UsageError("--d is required")
        d = args.d
    if d < 1:
        raise UsageError(f"dimension must be >= 1, got --d {d}")
    if getattr(args, "T", None) is not None and args.T < 3:
        raise UsageError(f"horizon must be >= 3 (the loss sums t = 2..T−1), got --T {args.T}")
    spec = LawSpec(args.law, d, _scale(args.sigma, "sigma"), _scale(args.c, "c"), support, probs, given)
    try:
        spec.exact()  # validates sigma, c, probabilities, dimensions
    except moments.InvalidLaw as err:
        raise UsageError(str(err)) from None
    return spec
