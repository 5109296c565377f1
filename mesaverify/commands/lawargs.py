"""The law options every subcommand shares (--law, --sigma, --c, --support, --probs, --moments, --d, --T)
and their validation into a `LawSpec`: every problem one line and exit code 2."""
from __future__ import annotations

import json

from mesaverify.checks.core.laws import LawSpec
from mesaverify.derivations import moments
from mesaverify.errors import UsageError


def add_law_arguments(parser, *, horizon: bool = True, required: bool = True) -> None:
    parser.add_argument("--law", required=required, choices=moments.LAW_NAMES, help="law of x_1")
    parser.add_argument("--sigma", default="1", help="scale of the Gaussian laws (exact: '1/2' stays 1/2)")
    parser.add_argument("--c", default="1", help="scale of the sparse law of [Z] Example 4.1")
    parser.add_argument("--support", help="discrete law: JSON list of points, e.g. '[[1,0],[0,\"1/3\"]]'")
    parser.add_argument("--probs", help="discrete law: JSON list of probabilities, e.g. '[\"1/2\",\"1/2\"]'")
    parser.add_argument("--moments", help="moments law: JSON object of moments, e.g. "
                        "'{\"m2\": 1, \"m4\": 3, \"m6\": 15, \"m24\": 3}' (names m2, m4, m6, m24, m_{...}; P0 = P(x_k ≠ 0))")
    parser.add_argument("--d", type=int, help="dimension d >= 1 (implied by --support)")
    if horizon:
        parser.add_argument("--T", type=int, required=True, help="training horizon T >= 3")


def _json_list(text, what):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"--{what} is not valid JSON: {err.msg}") from None
    if not isinstance(value, list):
        raise UsageError(f"--{what} must be a JSON list")
    return value


def law_from_args(args) -> LawSpec:
    """Validate the law options; every problem is one line and exit code 2."""
    support = probs = given = None
    if args.law == "moments":
        if args.moments is None:
            raise UsageError("the moments law needs --moments, e.g. '{\"m2\": 1, \"m4\": 3, \"m6\": 15, \"m24\": 3}'")
        try:
            given = json.loads(args.moments)
        except json.JSONDecodeError as err:
            raise UsageError(f"--moments is not valid JSON: {err.msg}") from None
        if not isinstance(given, dict):
            raise UsageError("--moments must be a JSON object {name: value}")
        given = tuple((str(k), str(v)) for k, v in given.items())
    if args.law == "discrete":
        if args.support is None or args.probs is None:
            raise UsageError("the discrete law needs --support and --probs")
        support = _json_list(args.support, "support")
        probs = _json_list(args.probs, "probs")
        if any(not isinstance(p, list) for p in support):
            raise UsageError("--support must be a list of points (lists of coordinates)")
        d = args.d if args.d is not None else (len(support[0]) if support else 0)
    else:
        if args.d is None:
            raise UsageError("--d is required")
        d = args.d
    if d < 1:
        raise UsageError(f"dimension must be >= 1, got --d {d}")
    if getattr(args, "T", None) is not None and args.T < 3:
        raise UsageError(f"horizon must be >= 3 (the loss sums t = 2..T−1), got --T {args.T}")
    try:
        spec = LawSpec(args.law, d, moments.exact(args.sigma), moments.exact(args.c),
                       tuple(map(tuple, support)) if support else None,
                       tuple(probs) if probs else None, given)
    except moments.InvalidLaw as err:
        raise UsageError(str(err)) from None
    spec.exact()  # validates sigma, c, probabilities, dimensions
    return spec
