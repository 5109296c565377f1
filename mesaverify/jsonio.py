"""JSON in and out, strictly: numbers read exactly and by the one grammar, files bounded in size and
nesting, and `--json` output that strict parsers accept (no NaN or Infinity)."""
from __future__ import annotations

import json
import math
import re
from fractions import Fraction

from mesaverify import numbers, outputs
from mesaverify.errors import UsageError

MAX_BYTES = 10 * 1024 * 1024  # a parameter file or option value
MAX_DEPTH = 32  # nesting of arrays and objects


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """The deepest nesting of [ and { in JSON text (strings skipped), without recursion."""
    deepest = depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads(text: str, what: str):
    """JSON text with every number an exact Fraction (by the number grammar), NaN/Infinity and duplicate
    keys refused; one-line UsageError naming `what` otherwise."""
    if len(text) > MAX_BYTES:
        raise UsageError(f"{what}: {len(text)} characters of JSON; at most {MAX_BYTES} are read")
    if _depth(text) > MAX_DEPTH:
        raise UsageError(f"{what}: JSON nested more than {MAX_DEPTH} levels deep")

    def constant(name):
        """Refuse NaN, Infinity and -Infinity."""
        raise UsageError(f"{what}: {name} is not a finite number; give {numbers.GRAMMAR}")

    def pairs(items):
        """An object from its pairs, a repeated key refused."""
        seen = {}
        for key, value in items:
            if key in seen:
                raise UsageError(f"{what}: the key {numbers.show(key)} appears twice")
            seen[key] = value
        return seen

    number = lambda s: numbers.literal(s.lstrip("-"), what) * (-1 if s.startswith("-") else 1)  # noqa: E731
    try:
        return json.loads(text, parse_float=number, parse_int=number, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as err:
        raise UsageError(f"{what} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise UsageError(f"{what}: JSON nested too deeply") from None


def load_file(path: str, what: str | None = None):
    """A JSON file (a regular file, UTF-8, at most MAX_BYTES), read as `loads` reads text."""
    what = what or path
    return loads(outputs.read_text(path, what, MAX_BYTES, "a JSON file"), what)


def number(value, what: str) -> Fraction | numbers.ExactComplex:
    """A number inside loaded JSON: a JSON number, or a string by the number grammar; nothing else."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        return numbers.parse(value, what)
    kind = {bool: "a boolean", type(None): "null", list: "a list", dict: "an object"}.get(type(value), "a value")
    raise UsageError(f"{what}: expected a number, got {kind} {numbers.show(_text(value))}")


def numbers_list(value, what: str) -> list:
    """A JSON list of numbers."""
    if not isinstance(value, list):
        raise UsageError(f"{what} must be a JSON list of numbers, got {numbers.show(_text(value))}")
    return [number(v, f"{what}[{n}]") for n, v in enumerate(value)]


def numbers_matrix(value, what: str) -> list:
    """A non-empty JSON list of non-empty rows of numbers."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) and r for r in value):
        raise UsageError(f"{what} must be a non-empty list of non-empty rows, got {numbers.show(_text(value))}")
    return [numbers_list(r, f"{what}[{n}]") for n, r in enumerate(value)]


def _text(value) -> str:
    """Loaded JSON back as text for a message (Fractions as strings)."""
    return json.dumps(value, default=str, ensure_ascii=False)


def finite(obj):
    """obj with every non-finite float replaced by None (the caller states why in a status field)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def dumps(obj, **kwargs) -> str:
    """Strict JSON for --json and build/ files: non-finite floats become null, NaN/Infinity never appear."""
    return json.dumps(finite(obj), allow_nan=False, **kwargs)


def envelope(command: str, result: dict, *, law: str | None = None, d: int | None = None,
             T: int | None = None) -> dict:
    """The one shape of every `--json` output: {"command", "version", "law", "d", "T", "result"}; law, d and T
    are null where the command has no such parameter (its other parameters are inside `result`)."""
    from mesaverify import __version__

    return {"command": command, "version": __version__, "law": law, "d": d, "T": T, "result": result}


def emit(command: str, result: dict, **where) -> None:
    """Print the envelope of `result` as strict JSON on stdout."""
    print(dumps(envelope(command, result, **where)))


def approx(value) -> float | None:
    """The float of an exact real number (int, Fraction, SymPy, 30 digits first); None where it has symbols,
    is not real, or is beyond float64."""
    import sympy as sp

    if isinstance(value, Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    value = sp.S(value) if isinstance(value, int) else value
    if not isinstance(value, sp.Basic) or value.free_symbols:
        return None
    number = sp.N(value, 30)
    if sp.im(number) != 0:
        return None
    result = float(sp.re(number))
    return result if math.isfinite(result) else None


def exact(key: str, value) -> dict:
    """{key: the exact value as a string, key_float: its float (or None, see `approx`)}."""
    return {key: str(value), f"{key}_float": approx(value)}
