"""LaTeX of the derived expressions: one printer, its inverse, and the derivations document.

`to_latex(expr)` prints a derived expression with the papers' names (`H_{T - 2}`
for the harmonic number, `m_{2,4}` for moments, `A_{0,1}` for matrix entries,
`\\tau`, `a_{0}`); `display(expr)` is the same text laid out for reading (long
sums broken over lines); `from_latex(text)` parses it back with SymPy's
`parse_latex` (ANTLR backend) so that a test can show that what is exported
means what was derived.

Containers (tuples, matrices, `cases`) are laid out and read back here; every
scalar inside them is read back by `parse_latex`.  Before parsing, each symbol
token (`T`, `\\tau`, `m_{2,4}`, `A_{0,1}`, `\\text{saddle}`) is replaced by a
placeholder the grammar reads as one symbol, because the grammar takes `d` for
a differential and cannot read commas in subscripts; the placeholders are
turned back into symbols named by their token.  Symbols therefore come back
named by their LaTeX token: `canonical(expr)` names the original's symbols the
same way, and a round trip is `from_latex(to_latex(e)) == canonical(e)`.
"""
from __future__ import annotations

import functools
import random
import re

import sympy as sp
from sympy.core.relational import Relational

from mesaverify.checks.core.notation import PaperPrinter

# Tokens that are numbers in a derived expression, not symbols (no symbol in the project is named so).
CONSTANTS = {"e": sp.E, "i": sp.I}
LINE_CHARS = 100  # a displayed line of a long sum holds about this many characters of LaTeX


_PRINTER = PaperPrinter()


def scalar_latex(expr) -> str:
    """One scalar expression (or relation) in LaTeX (remembered: presenting and abbreviating an expression print
    the same parts many times)."""
    try:
        return _printed(expr)
    except TypeError:  # unhashable (a mutable matrix)
        return _PRINTER.doprint(expr)


@functools.lru_cache(maxsize=65536)
def _printed(expr) -> str:
    return _PRINTER.doprint(expr)


def to_latex(expr) -> str:
    """The derived expression on one line: what `mesaverify latex` prints and `from_latex` reads."""
    if isinstance(expr, sp.Tuple):
        return r"\left( " + r", \  ".join(to_latex(x) for x in expr) + r"\right)"
    if isinstance(expr, sp.MatrixBase):
        rows = r" \\ ".join(" & ".join(to_latex(x) for x in expr.row(r)) for r in range(expr.rows))
        return r"\left[\begin{matrix}" + rows + r"\end{matrix}\right]"
    if isinstance(expr, sp.Piecewise):
        cases = []
        for value, cond in expr.args:
            where = r"\text{otherwise}" if cond is sp.true else r"\text{if } " + scalar_latex(cond)
            cases.append(to_latex(value) + " & " + where)
        return r"\begin{cases} " + r" \\ ".join(cases) + r" \end{cases}"
    return scalar_latex(expr)


# --- laid out for reading ---------------------------------------------------------------------
BREAK = r" \\ "  # the only text `display` adds inside a long sum, besides the environment


def sum_lines(expr) -> list[str]:
    """A long sum as lines of about LINE_CHARS characters, each line after the first starting with its sign."""
    terms = _PRINTER._as_ordered_terms(expr, order=None)
    lines, current = [], ""
    for n, term in enumerate(terms):
        text = scalar_latex(term)
        piece = text if n == 0 else (" - " + text[1:].lstrip() if text.startswith("-") else " + " + text)
        if current and len(current) + len(piece) > LINE_CHARS:
            lines.append(current)
            current = piece.lstrip()
        else:
            current += piece
    lines.append(current)
    return lines


def _label(path, name) -> str:
    """The left-hand side of a displayed equation: the name given for this component, else y, y_{1}, …"""
    if isinstance(name, str):
        return name
    if isinstance(name, (tuple, list)) and path and path[0] <= len(name):
        return _label(path[1:], name[path[0] - 1])
    return "y" if not path else "y_{%s}" % ",".join(map(str, path))


def _equation(lead: str, expr) -> str:
    """`lead expr` as display math: one line, or a long sum over several lines (multline*)."""
    if isinstance(expr, sp.Add) and len(scalar_latex(expr)) > LINE_CHARS:
        return "\\begin{multline*}\n" + lead + (BREAK + "\n").join(sum_lines(expr)) + "\n\\end{multline*}"
    sums = [f for f in expr.args if isinstance(f, sp.Add)] if isinstance(expr, sp.Mul) else []
    if len(sums) == 1 and len(scalar_latex(expr)) > 2 * LINE_CHARS:  # a coefficient times a long sum: c \Big( … \Big)
        coefficient = sp.Mul(*(f for f in expr.args if f is not sums[0]))
        return ("\\begin{multline*}\n" + lead + scalar_latex(coefficient) + r" \Big( "
                + (BREAK + "\n").join(sum_lines(sums[0])) + r" \Big)" + "\n\\end{multline*}")
    return "\\begin{equation*}\n" + lead + to_latex(expr) + "\n\\end{equation*}"


def abbreviate(values: list) -> tuple[list, list]:
    """Long parts of values, when one value is long and not a sum (a sum breaks over lines), named
    ξ_1, ξ_2, … smallest first: (definitions [(ξ, part)], reduced values).  Only subtrees are named, so
    substituting the definitions back (`expand_abbreviations`) gives the values exactly."""
    def long(x):
        return len(scalar_latex(x)) > 3 * LINE_CHARS and not isinstance(x, sp.Add)

    if not any(long(v) for v in values):
        return [], list(values)
    definitions: list[tuple[sp.Symbol, sp.Expr]] = []
    reduced = list(values)
    while True:
        pool = [*reduced, *(part for _, part in definitions)]
        counts: dict = {}
        for v in pool:
            for node in sp.preorder_traversal(v):
                if not node.is_Atom and not isinstance(node, Relational):
                    counts[node] = counts.get(node, 0) + 1
        # a part worth a name: a product, power or function (never a sum: put back under a number it would
        # be multiplied out), of some length once the parts named before are in, and repeated or long itself
        worth = [n for n, c in counts.items() if n not in pool and not isinstance(n, sp.Add)
                 and len(scalar_latex(n)) >= LINE_CHARS // 2 and (c > 1 or len(scalar_latex(n)) > 2 * LINE_CHARS)]
        if not worth or len(definitions) >= 30:
            return definitions, reduced
        part = min(worth, key=lambda n: len(scalar_latex(n)))  # smallest first: no name stands for one name
        xi = sp.Symbol(f"xi_{len(definitions) + 1}")
        reduced = [v.xreplace({part: xi}) for v in reduced]
        definitions = [(x, d.xreplace({part: xi})) for x, d in definitions] + [(xi, part)]


def expand_abbreviations(definitions, reduced) -> list:
    """The values again: every ξ replaced by its part until none is left."""
    names = dict(definitions)
    out = list(reduced)
    for _ in range(len(names) + 1):
        out = [v.xreplace(names) for v in out]
    return out


def display(expr, path=(), name=None) -> str:
    """The derived expression as display math, laid out for reading: `name = …` (a tuple's components
    named by a tuple of names; y, y_{1}, y_{2}, … where no name is given); long sums broken over lines;
    long expressions with their common subexpressions named ξ_1, ξ_2, … (`abbreviate`); a matrix with
    long entries one entry per line."""
    label = _label(path, name)
    if isinstance(expr, sp.Tuple) and not (isinstance(name, str) and not path):
        return "\n".join(display(x, path + (n,), name) for n, x in enumerate(expr, 1))
    if isinstance(expr, sp.Tuple) or isinstance(expr, sp.MatrixBase) and \
            max(len(to_latex(x)) for x in expr) <= LINE_CHARS // 2:
        return _equation(f"{label} = ", expr)
    if isinstance(expr, sp.MatrixBase):
        return "\n".join(_equation(rf"\left[{label}\right]_{{{r + 1},{c + 1}}} = ", expr[r, c])
                         for r in range(expr.rows) for c in range(expr.cols))
    pieces = expr.args if isinstance(expr, sp.Piecewise) else [(expr, None)]
    definitions, reduced = abbreviate([v for v, _ in pieces])
    out = []
    for value, (_, cond) in zip(reduced, pieces):
        where = "" if cond is None else (r", \quad \text{otherwise}" if cond is sp.true
                                         else r", \quad \text{if } " + scalar_latex(cond))
        if where and not (isinstance(value, sp.Add) and len(scalar_latex(value)) > LINE_CHARS):
            out.append("\\begin{equation*}\n" + f"{label} = " + to_latex(value) + where + "\n\\end{equation*}")
        else:
            out.append(_equation(f"{label} = ", value) + (f"\n\\begin{{equation*}}{where[2:]}\\end{{equation*}}"
                                                           if where else ""))
    if definitions:
        out.append(r"\noindent where")
        out += [_equation(f"{scalar_latex(xi)} = ", value) for xi, value in definitions]
    return "\n".join(out)


def definitions(where) -> list[str]:
    """The definitions of a presented expression as LaTeX, `u = a b`; a root as `r: P(r) = 0, r ≈ …`."""
    out = []
    for symbol, meaning in where:
        if isinstance(meaning, sp.CRootOf):
            x = meaning.poly.gens[0]
            out.append(r"%s \text{ the real root of } %s = 0,\ %s \approx %s" % (
                scalar_latex(symbol), scalar_latex(meaning.expr.subs(x, symbol)), scalar_latex(symbol),
                sp.N(meaning, 12)))
        else:
            out.append(f"{scalar_latex(symbol)} = {scalar_latex(meaning)}")
    return out


def paper(expr) -> str:
    """The derived expression in the form a paper prints it (`present`), on one line: what `mesaverify latex`
    prints and the report shows; its definitions follow, `\\quad u = a b`."""
    from mesaverify.present import present

    return paper_of(present(expr))


def unbreak(text: str) -> str:
    """Undo the line breaks of a displayed long sum: the one-line LaTeX of the same sum."""
    return text.replace(BREAK, " ")


# --- reading back -------------------------------------------------------------------------------
_COMMANDS = {r"\frac", r"\left", r"\right", r"\sqrt", r"\cdot", r"\overline", r"\exp", r"\log", r"\sin",
             r"\cos", r"\tan", r"\operatorname", r"\infty", r"\pi", r"\operatorname{re}", r"\operatorname{im}"}
_TOKEN = re.compile(r"\\text\{[A-Za-z]+\}"  # a word label
                    r"|(?:\\[A-Za-z]+|[A-Za-z])(?:_\{(?:[^{}]|\{[^{}]*\})*\})?")  # a letter, subscripted or not


def _symbol(token: str):
    """A symbol token of the printed LaTeX as a SymPy object: H_{…} is the harmonic number."""
    if token in CONSTANTS:
        return CONSTANTS[token]
    if token.startswith("H_{"):
        return sp.harmonic(_parse_scalar(token[3:-1]))
    if token.startswith(r"\text{"):
        return sp.Symbol(token[6:-1])
    return sp.Symbol(token)


@functools.lru_cache(maxsize=256)  # parse_latex reads about 2 kB a second: a text read twice is read once
def _parse_scalar(text: str):
    from mesaverify.latexparse import parse_latex

    tokens: dict[str, int] = {}

    def placeholder(match):
        token = match.group(0)
        if token in _COMMANDS:
            return token
        for big in (r"\sum_{", r"\prod_{"):  # the bounds of a sum: its index and lower limit are tokens too
            if token.startswith(big):
                return big + _TOKEN.sub(placeholder, token[len(big):-1]) + "}"
        return f"z_{{{tokens.setdefault(token, len(tokens)) + 1}}}"

    encoded = _TOKEN.sub(placeholder, text)
    # no symbol is a function: a symbol before a parenthesis multiplies it (the grammar would apply it)
    encoded = re.sub(r"(z_\{\d+\})\s*(?=\\left\()", r"\1 \\cdot ", encoded)
    parsed = parse_latex(encoded)
    back = {sp.Symbol(f"z_{{{n + 1}}}"): _symbol(tok) for tok, n in tokens.items()}
    return parsed.xreplace(back)


_RELATIONS = ((r"\neq", sp.Ne), (r"\geq", sp.Ge), (r"\leq", sp.Le), ("=", sp.Eq), (">", sp.Gt), ("<", sp.Lt))


def _parse_condition(text: str):
    """A relation `lhs OP rhs` of a case, both sides read by `_parse_scalar`."""
    for op, relation in _RELATIONS:
        sides = _split_top(text, op)
        if len(sides) == 2:
            return relation(_parse_scalar(sides[0]), _parse_scalar(sides[1]), evaluate=False)
    raise ValueError(f"not a relation: {text}")


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces and \\left…\\right pairs."""
    parts, depth, start, n = [], 0, 0, 0
    while n < len(text):
        if text.startswith(r"\left", n) or text.startswith(r"\begin", n):
            depth += 1
        elif text.startswith(r"\right", n) or text.startswith(r"\end", n):
            depth -= 1
        elif text[n] == "{":
            depth += 1
        elif text[n] == "}":
            depth -= 1
        if depth == 0 and text.startswith(sep, n):
            parts.append(text[start:n])
            n += len(sep)
            start = n
            continue
        n += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _enclosing(text: str, left: str, right: str) -> str | None:
    """The inside of text if the whole of it is one `left … right` pair, else None."""
    if not (text.startswith(left) and text.endswith(right)):
        return None
    inner = text[len(left):len(text) - len(right)]
    return inner if _balanced(inner) else None


def _balanced(text: str) -> bool:
    """Braces, \\left/\\right and \\begin/\\end pair up inside text, never closing more than opened."""
    depth = 0
    for n, ch in enumerate(text):
        if text.startswith(r"\left", n) or text.startswith(r"\begin", n) or ch == "{":
            depth += 1
        elif text.startswith(r"\right", n) or text.startswith(r"\end", n) or ch == "}":
            depth -= 1
        if depth < 0:
            return False
    return depth == 0


def from_latex(text: str):
    """The inverse of `to_latex` (and of `display` after `unbreak`): tuples, matrices and cases are
    read here, every scalar by SymPy's `parse_latex`; symbols come back named by their token."""
    text = text.strip()
    inner = _enclosing(text, r"\left[\begin{matrix}", r"\end{matrix}\right]")
    if inner is not None:
        rows = [[from_latex(x) for x in _split_top(row, "&")] for row in _split_top(inner, r"\\")]
        return sp.ImmutableMatrix(rows)
    inner = _enclosing(text, r"\begin{cases}", r"\end{cases}")
    if inner is not None:
        pieces = []
        for row in _split_top(inner, r"\\"):
            value, where = _split_top(row, "&")
            cond = sp.true if where == r"\text{otherwise}" else _parse_condition(where.removeprefix(r"\text{if } "))
            pieces.append((from_latex(value), cond))
        return sp.Piecewise(*pieces)
    inner = _enclosing(text, r"\left(", r"\right)")
    if inner is not None:
        parts = _split_top(inner, r", \ ")
        if len(parts) > 1:
            return sp.Tuple(*[from_latex(p) for p in parts])
    return _parse_scalar(text)


def canonical(expr):
    """expr with every symbol and matrix entry renamed to its LaTeX token, without assumptions: what
    `from_latex` gives back when the export is faithful."""
    atoms = list(expr.atoms(sp.Indexed)) + list(expr.atoms(sp.Symbol))
    renamed = {x: sp.Symbol(scalar_latex(x).removeprefix(r"\text{").removesuffix("}")
                            if scalar_latex(x).startswith(r"\text{") else scalar_latex(x)) for x in atoms}
    return expr.xreplace(renamed)


def same(x, y) -> bool:
    """Whether two expressions (tuples, matrices, piecewise) are equal as mathematics, symbol by symbol."""
    if isinstance(x, sp.Tuple) or isinstance(y, sp.Tuple):
        return isinstance(x, sp.Tuple) and isinstance(y, sp.Tuple) and len(x) == len(y) and \
            all(same(p, q) for p, q in zip(x, y))
    if isinstance(x, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
        return isinstance(x, sp.MatrixBase) and isinstance(y, sp.MatrixBase) and x.shape == y.shape and \
            all(same(p, q) for p, q in zip(x, y))
    if isinstance(x, sp.Piecewise) or isinstance(y, sp.Piecewise):
        return isinstance(x, sp.Piecewise) and isinstance(y, sp.Piecewise) and len(x.args) == len(y.args) and \
            all(same(p, q) and (c == k or same(c, k)) for (p, c), (q, k) in zip(x.args, y.args))
    if isinstance(x, Relational) or isinstance(y, Relational):
        return type(x) is type(y) and same(x.lhs - x.rhs, y.lhs - y.rhs)
    if x == y:
        return True
    if _differ_somewhere(x - y):  # a proof of inequality, in milliseconds
        return False
    numerator, _ = sp.fraction(sp.together(x - y))  # exact; simplify() can take minutes on the flow solution
    return sp.expand(numerator) == 0


def _differ_somewhere(diff, tries: int = 3) -> bool:
    """True if diff is non-zero at some admissible point (integers ≥ 3 for integer symbols, positive
    rationals for positive ones, rationals otherwise), evaluated to 30 digits; False proves nothing.

    The rationals enter as 50-digit floats, so that SymPy evaluates in floating point rather than exactly (exact
    arithmetic on radicals and exponentials of rationals takes minutes on the flow solution); integer symbols stay
    exact for the harmonic numbers and sums they bound.  A value above 1e-20 then exceeds the rounding error by far."""
    rng = random.Random(0)
    symbols = sorted(diff.free_symbols, key=str)
    for _ in range(tries):
        point = {}
        for s in symbols:
            if s.is_integer:
                point[s] = rng.randint(3, 12)
            elif s.is_positive or s.is_nonnegative:
                point[s] = sp.Float(sp.Rational(rng.randint(1, 40), rng.randint(1, 9)), 50)
            else:
                point[s] = sp.Float(sp.Rational(rng.randint(-40, 40), rng.randint(1, 9)), 50)
        try:
            value = sp.N(diff.xreplace(point).doit(), 30)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value.is_Number and value.is_finite and abs(value) > 1e-20:
            return True
    return False


def symbol_names(expr) -> set[str]:
    return {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}


def paper_of(shown) -> str:
    """The one-line LaTeX of a presented expression and its definitions (see `paper`)."""
    return to_latex(shown.expr) + "".join(r", \quad " + d for d in definitions(shown.where))
