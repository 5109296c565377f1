"""Your own model: a description from a TOML file (strict: unknown keys refused, numbers by the one grammar), and
`model(description, law)` — its loss, flow, conserved quantities, stationary points, LaTeX and check.

>>> import mesaverify as mv
>>> m = mv.model("examples/models/zheng_diagonal.toml", mv.laws.rademacher(d=2))
>>> m.loss(T=4)
7*a**2*b**2/2 - 4*a*b + 2
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from mesaverify import limits, numbers, outputs
from mesaverify.checks.core.laws import LawSpec
from mesaverify.derivations.models import critical, derive, process
from mesaverify.derivations.models.description import Description, Head, InvalidDescription, Structure
from mesaverify.derivations.moments import SymbolicExchangeable
from mesaverify.derivations.zheng.symbols import T, d
from mesaverify.errors import UsageError

MAX_BYTES = 64 * 1024
SECTIONS = {"name": str, "process": dict, "token": dict, "prediction": dict, "heads": list, "loss": dict}
KEYS = {"process": {"kind", "conjugation"}, "token": {"blocks"}, "loss": {"kind", "start", "scale"},
        "prediction": {"keys", "query", "conjugate", "normalisation", "positional", "residual", "readout"},
        "head": {"kq", "pv", "positional"}, "block": {"block", "kind", "name", "factor", "entry"}}


def _strict(table: dict, allowed: set, where: str) -> dict:
    unknown = set(table) - allowed
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    return table


def _int(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"{where}: an integer was expected, got {value!r}")
    return value


def _fraction(value, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UsageError(f"{where}: a number as an integer or a string ('1/2'), got {value!r}")
    return numbers.real(numbers.parse(str(value), where), where)


def _matrix(value, where: str) -> tuple | None:
    """A square matrix of exact numbers, rows of integers or strings by the one grammar (never evaluated)."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        raise UsageError(f"{where}: a matrix is a list of rows, such as [[\"3/5\", \"-4/5\"], [\"4/5\", \"3/5\"]]")
    out = []
    for r, row in enumerate(value):
        if len(row) != len(value):
            raise UsageError(f"{where}: a square matrix, but row {r + 1} has {len(row)} entries, not {len(value)}")
        entries = []
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise UsageError(f"{where}[{r + 1}][{c + 1}]: a number as an integer or a string ('3/5'), got {v!r}")
            entries.append(numbers.parse(str(v), f"{where}[{r + 1}][{c + 1}]"))
        out.append(tuple(entries))
    return tuple(out)


def _token(text, where: str):
    """"x[t]", "x[t-2]" -> the shift s; "0" -> None."""
    text = str(text).replace(" ", "")
    if text == "0":
        return None
    if text == "x[t]":
        return 0
    if text.startswith("x[t-") and text.endswith("]") and text[4:-1].isdigit():
        return int(text[4:-1])
    raise UsageError(f"{where}: a token block is \"x[t]\", \"x[t-s]\" or \"0\", not {text!r}")


def _structure(entry, where: str, pv: bool):
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: a block is a table {{block = …, kind = …, name = …}}")
    _strict(entry, KEYS["block"], where)
    block = entry.get("block")
    if pv:
        pos: tuple[int, ...] = (_int(block, f"{where}.block"),)
    elif isinstance(block, list) and len(block) == 2:
        pos = (_int(block[0], f"{where}.block"), _int(block[1], f"{where}.block"))
    else:
        raise UsageError(f"{where}.block: W^KQ blocks are [row, column], from 1")
    given = entry.get("entry", [0, 0])
    if not isinstance(given, list) or len(given) != 2:
        raise UsageError(f"{where}.entry: the entry of an \"entry\" block is [row, column], from 1, not {given!r}")
    row, col = given
    try:
        s = Structure(str(entry.get("kind", "")), str(entry.get("name", "")),
                      _fraction(entry.get("factor", 1), f"{where}.factor"), _int(row, f"{where}.entry"),
                      _int(col, f"{where}.entry"))
    except InvalidDescription as err:
        raise UsageError(f"{where}: {err}") from None
    return (*pos, s)


def parse(text: str, what: str = "description") -> Description:
    """A description from TOML text (Python ≥ 3.11: tomllib)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise UsageError("model descriptions in TOML need Python 3.11 or later (tomllib)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{what} is not valid TOML: {err}") from None
    _strict(data, set(SECTIONS), what)
    for key, kind in SECTIONS.items():
        if key in data and not isinstance(data[key], kind):
            raise UsageError(f"{what}: {key} is a {kind.__name__}")
    process = _strict(data.get("process", {}), KEYS["process"], f"{what}: [process]")
    token = _strict(data.get("token", {}), KEYS["token"], f"{what}: [token]")
    pred = _strict(data.get("prediction", {}), KEYS["prediction"], f"{what}: [prediction]")
    loss = _strict(data.get("loss", {}), KEYS["loss"], f"{what}: [loss]")
    blocks = token.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        raise UsageError(f"{what}: [token] blocks is a list such as [\"x[t]\", \"x[t-1]\"]")
    heads = []
    for n, head in enumerate(data.get("heads", [])):
        where = f"{what}: heads[{n + 1}]"
        _strict(head, KEYS["head"], where)
        kq = tuple(_structure(e, f"{where}.kq[{m + 1}]", False) for m, e in enumerate(head.get("kq", [])))
        pv = tuple(_structure(e, f"{where}.pv[{m + 1}]", True) for m, e in enumerate(head.get("pv", [])))
        heads.append(Head(kq, pv, str(head.get("positional", ""))))
    query = str(pred.get("query", "e[t]")).replace(" ", "")
    lag = _token(query.replace("e[", "x["), f"{what}: query") if query.startswith("e[") else None
    if lag is None:
        raise UsageError(f"{what}: query is \"e[t]\" or \"e[t-s]\", not {query!r}")
    residual = pred.get("residual", False)
    if not isinstance(residual, bool):
        raise UsageError(f"{what}: residual is true or false")
    try:
        return Description(
            tokens=tuple(_token(b, f"{what}: token block {n + 1}") for n, b in enumerate(blocks)), heads=tuple(heads),
            name=data.get("name", "model"), keys=str(pred.get("keys", "1..t")), lag=lag,
            normalisation=str(pred.get("normalisation", "1/(t-1)")), positional=str(pred.get("positional", "")),
            residual=residual, readout=_int(pred.get("readout", 1), f"{what}: readout"),
            loss=str(loss.get("kind", "autoregressive")), start=_int(loss.get("start", 2), f"{what}: start"),
            scale=_fraction(loss.get("scale", "1/2"), f"{what}: scale"), process=str(process.get("kind", "phases")),
            conjugation=_matrix(process.get("conjugation"), f"{what}: conjugation"),
            conjugated=str(pred.get("conjugate", "key")))
    except InvalidDescription as err:
        raise UsageError(f"{what}: {err}") from None


def load(path) -> Description:
    """A description from a TOML file (a regular file, UTF-8, at most MAX_BYTES)."""
    return parse(outputs.read_text(path, str(path), MAX_BYTES, "a TOML model description"), str(path))


class Model:
    """A description with a law: derived results on demand (each cached by the derivation)."""

    def __init__(self, description, law=None):
        self.description = description if isinstance(description, Description) else load(description)
        self.spec = law if isinstance(law, LawSpec) else None
        self.d = self.spec.d if self.spec else d
        self.law = self.spec.exact() if self.spec else (law or SymbolicExchangeable(d))
        outside = self.description.entries_within(self.d)
        if outside is not None:
            raise UsageError(f"{self.description.name}: {outside} (d = {self.d})")
        limits.model(self.description, self.d)
        try:  # the process's conditions on d, P and the law of x_1 (even d, P unitary, P^* x_1 real for rotations)
            process.eigen_law(self.description, self.law, self.d)
        except InvalidDescription as err:
            raise UsageError(f"{self.description.name}: {err}") from None

    def _at(self, expr, T_=None):
        return sp.expand(expr.subs(T, T_)) if T_ is not None else expr

    def least_T(self) -> int:
        return derive.least_horizon(self.description)

    def loss(self, T=None):
        """The population loss; for symbolic T (T ≥ least_T()) unless T is given."""
        self._horizon(T)
        try:
            return self._at(derive.loss(self.description, self.law, self.d), T)
        except InvalidDescription as err:  # a model the derivation refuses: said in one line
            raise UsageError(f"{self.description.name}: {err}") from None

    def parameters(self) -> list:
        return derive.parameters(self.description, self.d)

    def flow(self, T=None) -> dict:
        """dθ/dτ for every free parameter."""
        self.loss(T)
        return {p: self._at(v, T) for p, v in derive.flow(self.description, self.law, self.d).items()}

    def conserved(self) -> list:
        """A basis of the quadratic forms in the parameters the flow conserves (for every T)."""
        self.loss()
        return derive.conserved(derive.flow(self.description, self.law, self.d))

    def stationary(self, T=None) -> dict:
        return critical.stationary(self.loss(T), self.parameters())

    def latex(self, T=None) -> dict:
        from mesaverify.tex import to_latex

        return {"loss": to_latex(self.loss(T)),
                "flow": {str(p): to_latex(v) for p, v in self.flow(T).items()},
                "conserved": [to_latex(q) for q in self.conserved()],
                "stationary": [{"point": {str(p): to_latex(v) for p, v in s["point"].items()}, "type": s["type"]}
                               for s in self.stationary(T).get("points", [])]}

    def check(self, horizons=None):
        """Every derived loss and ∂L/∂θ held against the numeric twin (mpmath, 50 digits)."""
        from mesaverify.checks.models.common import hold

        if self.spec is None:
            raise UsageError("the check needs a law with finite support or quadrature (mv.laws.…)")
        self.loss()
        first = self.least_T()
        horizons = tuple(horizons or (first, first + 2))
        for h in horizons:
            self._horizon(h)
            limits.model_check(self.description, self.spec.d, h)
        import mpmath

        from mesaverify.checks.core.precision import DIGITS
        with mpmath.workdps(DIGITS):
            return hold(self.description, derive.loss(self.description, self.law, self.d),
                        derive.flow(self.description, self.law, self.d), (self.spec,), horizons)

    def _horizon(self, T_) -> None:
        if T_ is not None and (not isinstance(T_, int) or T_ < self.least_T()):
            raise UsageError(f"this model's loss holds for T ≥ {self.least_T()}, got T = {T_}")


def model(description, law=None) -> Model:
    """A model from a `Description`, or the path of its TOML file, with a law (`mesaverify.laws`; symbolic by default)."""
    return Model(description, law)
