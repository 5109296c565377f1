"""SymPy expressions stored as text (their `srepr`) and read back by a strict grammar of this module's own:
the text is data, never code.  Nothing is passed to Python's `eval` or to `sympify` (which evaluates strings).

The grammar is the part of `srepr`'s output that the suite's expressions use::

    value   := call | integer | string | constant | list | tuple | dict
    call    := NAME "(" [argument {"," argument}] ")" ["(" [argument {"," argument}] ")"]
    argument:= value | NAME "=" (integer | True | False)

`NAME` is a SymPy class (a subclass of `Basic` or a matrix class) or a constant (`pi`, `I`, `oo`, ...); a string
is only the name of a `Symbol`, `Dummy`, `Wild`, `Function` or `Str` (mathematics TeX may read:
`prose.unsafe_math`), or the digits of a `Float`; integers have at
most MAX_DIGITS digits, the text at most MAX_TEXT characters and MAX_DEPTH levels of nesting.  Objects are built
as SymPy builds them (an `srepr` is of an evaluated expression), but no costly number is: a power of numbers has
an exponent of at most MAX_POWER in size, and an integer argument of any class but the arithmetic ones at most
MAX_ARGUMENT (a harmonic number or factorial of 10^9 is refused, not computed).  The result is accepted only if
its own `srepr` is the text again.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> read(sp.srepr(sp.harmonic(x - 2) / x)) == sp.harmonic(x - 2) / x
True
>>> read("Function('f')(Symbol('x'))")
f(x)
>>> read("sin(\\"__import__('os').system('id')\\")")
Traceback (most recent call last):
...
mesaverify.srepr.Unreadable: a string is accepted only as the name of a symbol or function, not as an argument of sin
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.core.basic import _args_sortkey
from sympy.core.symbol import Str
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.matrices import MatrixBase

from mesaverify import prose

MAX_TEXT = 20_000_000  # characters of one expression's text
MAX_DEPTH = 200  # nesting of calls, lists, tuples and dicts (the suite's expressions: 23)
MAX_DIGITS = 4000  # digits of one integer (Python reads at most 4300)
MAX_POWER = 10_000  # |n| of a number raised to a number n
MAX_ARGUMENT = 10_000  # |n| of an integer argument of a function (harmonic, factorial, ...)
ARITHMETIC = ("Add", "Mul", "Pow", "Integer", "Rational", "Float", "Tuple", "MutableDenseMatrix", "ImmutableDenseMatrix")
NAMED = ("Symbol", "Dummy", "Wild", "Function", "Str")  # the classes whose first argument is a name
CONSTANTS = {"pi": sp.pi, "E": sp.E, "I": sp.I, "oo": sp.oo, "zoo": sp.zoo, "nan": sp.nan,
             "EulerGamma": sp.EulerGamma, "Catalan": sp.Catalan, "GoldenRatio": sp.GoldenRatio,
             "true": sp.true, "false": sp.false}
_FLOAT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,6})?")
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<int>-?\d+)|(?P<str>'[^'\\\n]*'|\"[^\"\\\n]*\")"
                    r"|(?P<punct>[()\[\]{},=:]))")


class Unreadable(ValueError):
    """The text is not an expression of the grammar (or is one whose srepr is another text)."""


def _classes() -> dict:
    """Every SymPy class an expression may name: the subclasses of Basic and the matrix classes of the
    `sympy` namespace, with the few that `srepr` names but the namespace does not export."""
    table = {name: obj for name in dir(sp) if not name.startswith("_")
             for obj in [getattr(sp, name)] if isinstance(obj, type) and issubclass(obj, (sp.Basic, MatrixBase))}
    return table | {"ExprCondPair": ExprCondPair, "Str": Str, "ComplexRootOf": sp.CRootOf}


CLASSES = _classes()


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        m = _TOKEN.match(text, position)
        if m is None or m.end() == position:
            if not text[position:].strip():
                break
            raise Unreadable(f"unexpected character {text[position:position + 1]!r} at {position}")
        kind = m.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        out.append((kind, m.group(kind)))
        position = m.end()
    return out


class _Reader:
    def __init__(self, text: str):
        self.tokens, self.n = _tokens(text), 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.n] if self.n < len(self.tokens) else ("end", "")

    def take(self, punct: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if punct is not None and token != ("punct", punct):
            raise Unreadable(f"expected {punct!r}, found {token[1] or 'the end'!r}")
        self.n += 1
        return token

    def value(self, depth: int, owner: str | None = None, first: bool = False):
        if depth > MAX_DEPTH:
            raise Unreadable(f"nested more than {MAX_DEPTH} levels deep")
        kind, text = self.take()
        if kind == "int":
            if len(text.lstrip("-")) > MAX_DIGITS:
                raise Unreadable(f"an integer of more than {MAX_DIGITS} digits")
            return int(text)
        if kind == "str":
            return self.string(text[1:-1], owner, first)
        if kind == "name":
            return self.named(text, depth)
        if (kind, text) == ("punct", "["):
            return self.sequence("]", depth)
        if (kind, text) == ("punct", "("):
            return tuple(self.sequence(")", depth))
        if (kind, text) == ("punct", "{"):
            return self.mapping(depth)
        raise Unreadable(f"unexpected {text or 'end'!r}")

    def string(self, text: str, owner: str | None, first: bool) -> str:
        if owner == "Float" and first and _FLOAT.fullmatch(text):
            return text
        if owner not in NAMED or not first:
            raise Unreadable(f"a string is accepted only as the name of a symbol or function, not as an argument of {owner}")
        if not text or len(text) > 200 or not text.isprintable():
            raise Unreadable(f"a name must be 1 to 200 printable characters, got {text[:40]!r}")
        if prose.unsafe_math(text) is not None:  # a name is printed into LaTeX as it is
            raise Unreadable(f"the name {text[:40]!r} holds TeX that is not mathematics ({prose.unsafe_math(text)})")
        return text

    def named(self, name: str, depth: int):
        if name in CONSTANTS and self.peek() != ("punct", "("):
            return CONSTANTS[name]
        if name in ("True", "False"):
            return name == "True"
        if name not in CLASSES:
            raise Unreadable(f"{name!r} is not a SymPy class or constant")
        obj = self.call(CLASSES[name], name, depth)
        if self.peek() == ("punct", "(") and name == "Function":  # an undefined function applied: f(x)
            obj = self.call(obj, "an applied function", depth)
        return obj

    def call(self, target, name: str, depth: int):
        self.take("(")
        args: list = []
        kwargs = {}
        while self.peek() != ("punct", ")"):
            if self.peek()[0] == "name" and self.n + 1 < len(self.tokens) and self.tokens[self.n + 1] == ("punct", "="):
                key = self.take()[1]
                self.take("=")
                value = self.value(depth + 1, name)
                if not isinstance(value, (bool, int)) or key in kwargs:
                    raise Unreadable(f"keyword {key} of {name} must be given once, as an integer or True/False")
                kwargs[key] = value
            else:
                args.append(self.value(depth + 1, name, first=not args and not kwargs))
            if self.peek() != ("punct", ")"):
                self.take(",")
        self.take(")")
        _affordable(name, args)
        try:
            if name in ("Add", "Mul") and not kwargs and all(isinstance(a, sp.Basic) for a in args):
                return _as_stored(target, args)
            if isinstance(target, type) and issubclass(target, sp.Function):
                kwargs["evaluate"] = False  # as stored: exp(…) of an unevaluated argument stays as it is
            return target(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 -- a class refusing its arguments: the text is not an expression
            raise Unreadable(f"{name} does not accept these arguments ({type(err).__name__})") from None

    def sequence(self, close: str, depth: int) -> list:
        items = []
        while self.peek() != ("punct", close):
            items.append(self.value(depth + 1))
            if self.peek() != ("punct", close):
                self.take(",")
        self.take(close)
        return items

    def mapping(self, depth: int) -> dict:
        items = {}
        while self.peek() != ("punct", "}"):
            key = self.value(depth + 1)
            self.take(":")
            items[key] = self.value(depth + 1)
            if self.peek() != ("punct", "}"):
                self.take(",")
        self.take("}")
        return items


def _as_stored(kind, args: list):
    """A sum or product of exactly these terms, in SymPy's canonical order (as `Add` and `Mul` sort them), not
    evaluated: an expression may hold an unevaluated product such as 1/16·(…), which evaluation would expand.
    A product's coefficient −c is one number again (srepr prints −2x as Mul(Integer(-1), Integer(2), x))."""
    numbers = [a for a in args if isinstance(a, sp.Number)]
    if kind is sp.Mul and len(numbers) == 2 and numbers[0] == -1 and numbers[1].is_positive and args[:2] == numbers:
        args = [-numbers[1], *args[2:]]
    commutative = sorted((a for a in args if a.is_commutative), key=_args_sortkey)
    return kind._from_args(commutative + [a for a in args if not a.is_commutative])


def _affordable(name: str, args: list) -> None:
    """Refuse arguments whose evaluation would cost without bound (see MAX_POWER, MAX_ARGUMENT)."""
    if name == "Pow" and len(args) == 2 and all(isinstance(a, sp.Number) for a in args):
        if abs(args[1]) > MAX_POWER:
            raise Unreadable(f"a power of numbers with exponent {args[1]} (at most {MAX_POWER} in size)")
    elif name not in ARITHMETIC:
        for a in args:
            if isinstance(a, (sp.Integer, sp.Rational, int)) and abs(a) > MAX_ARGUMENT:
                raise Unreadable(f"{name} of the number {a} (at most {MAX_ARGUMENT} in size)")


def read(text: str):
    """The expression whose `srepr` is `text`; `Unreadable` if the text is anything else."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Unreadable(f"an expression's text is a string of at most {MAX_TEXT} characters")
    reader = _Reader(text)
    try:
        value = reader.value(0)
    except (TypeError, ValueError, RecursionError) as err:  # an unhashable key, a number Python refuses
        raise err if isinstance(err, Unreadable) else Unreadable(f"not an expression ({type(err).__name__})") from None
    if reader.peek()[0] != "end":
        raise Unreadable(f"text after the expression: {reader.peek()[1]!r}")
    if sp.srepr(value) != text:
        raise Unreadable("the text is not the srepr of the expression it names")
    return value
