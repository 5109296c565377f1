r"""The prose of the checks (claims, evidence, findings) as Markdown, as LaTeX and as plain text.

Checks write prose in Unicode, with mathematics in two forms:

- between dollars, `$…$`: LaTeX (an expression from the paper-style printer,
  a matrix, a number with its exponent);
- TeX-style notation written inline, a letter with subscripts or superscripts
  (`x_1`, `W^{KQ}_{21}`, `m_{2,4}`, `H_{T−2}`, `p_T`): recognised here and
  set as math too.

`segments(text)` splits prose into text and math; `markdown(text)` escapes the
text so that no `*` or `_` of it makes emphasis and puts the math in `$…$`;
`latex(text)` writes every character as ASCII LaTeX (specials escaped, each
Unicode symbol as a LaTeX command, in math where it is math), so a document
needs no Unicode declarations; `plain(text)` drops the dollars, for terminals.
A character with no mapping is written as its code point, [U+XXXX], never as
`?`; a test holds that no prose of the checks needs that.

Math is passed to TeX as it is, so prose that was read from a file (a report's
evidence and notes) is first held to `unsafe_math`: mathematics only, every
control word one of SAFE_COMMANDS (no `\input`, `\write`, `\def`, `\catcode`,
no `^^` character codes, no `#`, `%` or `$`, braces balanced).
"""
from __future__ import annotations

import re

# Unicode symbols of the prose as LaTeX math commands (set in math mode in text, as is inside math).
MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu",
    "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi",
    "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta",
    "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "ℓ": r"\ell", "∇": r"\nabla", "∂": r"\partial", "−": "-", "≤": r"\le", "≥": r"\ge", "≠": r"\ne",
    "≈": r"\approx", "∝": r"\propto", "≡": r"\equiv", "∼": r"\sim", "→": r"\to", "←": r"\leftarrow",
    "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "∞": r"\infty", "±": r"\pm",
    "×": r"\times", "·": r"\cdot", "∘": r"\circ", "⊗": r"\otimes", "∈": r"\in", "∉": r"\notin",
    "⊂": r"\subset", "⊆": r"\subseteq", "∀": r"\forall", "∃": r"\exists", "∑": r"\sum", "∏": r"\prod",
    "∫": r"\int", "√": r"\surd", "‖": r"\|", "⟨": r"\langle", "⟩": r"\rangle", "∗": "*", "′": "'",
    "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "¾": r"\tfrac{3}{4}", "⅓": r"\tfrac{1}{3}",
    "𝟙": r"\mathbf{1}", "ŷ": r"\hat{y}", "ŝ": r"\hat{s}", "Ŵ": r"\hat{W}", "x̂": r"\hat{x}",
    "⁰": "^{0}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "⁴": "^{4}", "⁵": "^{5}", "⁶": "^{6}", "⁷": "^{7}",
    "⁸": "^{8}", "⁹": "^{9}", "⁺": "^{+}", "⁻": "^{-}", "ᵀ": "^{T}", "₀": "_{0}", "₁": "_{1}", "₂": "_{2}",
    "₃": "_{3}", "₄": "_{4}", "₅": "_{5}", "₆": "_{6}", "₇": "_{7}", "₈": "_{8}", "₉": "_{9}", "₊": "_{+}",
    "₋": "_{-}",
}
# Combining accents: the character before them carries the accent.
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar"}
# Unicode of text as LaTeX text.
TEXT = {"—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''", "…": r"\dots{}", "é": r"\'e",
        "è": r"\`e", "ö": r'\"o', "ü": r'\"u', "ä": r'\"a', "§": r"\S{}", "°": r"\ensuremath{^\circ}",
        "\u00a0": "~", "✓": r"\ensuremath{\checkmark}"}
_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}

# The control words math may hold: letters, operators, accents, fonts, delimiters and layout — none that reads or
# writes a file, defines a macro, changes a category code or ends the document.
SAFE_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho
    varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi
    Psi Omega ell nabla partial infty le leq ge geq ne neq approx propto equiv sim simeq cong to leftarrow
    rightarrow Rightarrow Leftarrow Leftrightarrow leftrightarrow mapsto pm mp times cdot cdots ldots dots vdots
    ddots circ otimes oplus in notin subset subseteq supset supseteq cup cap forall exists sum prod int lim limsup
    liminf min max sup inf arg det exp log ln sin cos tan sqrt surd frac tfrac dfrac binom left right big Big bigg
    Bigg bigl bigr Bigl Bigr langle rangle lvert rvert lVert rVert vert Vert mid hat bar tilde overline underline
    widehat widetilde vec dot ddot mathbf mathrm mathit mathcal mathbb mathsf boldsymbol operatorname text textrm
    textit textbf ensuremath quad qquad top dagger ast star prime Re Im mathbf begin end displaystyle textstyle
    scriptstyle lfloor rfloor lceil rceil setminus emptyset checkmark neg land lor wedge vee not
    """.split())
SAFE_ENVIRONMENTS = frozenset({"matrix", "pmatrix", "bmatrix", "vmatrix", "smallmatrix", "cases", "aligned", "gathered"})
_CONTROL = re.compile(r"\\([A-Za-z]+|.?)", re.S)
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^{}]*)\}")
SAFE_SYMBOLS = frozenset("\\,;:! {}|_&^%#$")  # \\ (a new row), spacing, \{ \} \| and escaped specials


def unsafe_math(source: str) -> str | None:
    """The first piece of `source` that is not mathematics TeX may safely read (a control word not in
    SAFE_COMMANDS, an environment not in SAFE_ENVIRONMENTS, `^^`, `#`, `%`, `$`, unbalanced braces), or None."""
    bare = _CONTROL.sub(lambda m: " " if m.group(1) in SAFE_SYMBOLS else m.group(0), source)
    for m in _CONTROL.finditer(bare):
        if m.group(1) not in SAFE_COMMANDS:
            return m.group(0) or "\\"
    for m in _ENVIRONMENT.finditer(source):
        if m.group(1).strip() not in SAFE_ENVIRONMENTS:
            return m.group(0)
    for piece in ("^^", "#", "%", "$"):
        if piece in bare:
            return piece
    depth = 0
    for ch in bare:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return "an unmatched }"
    return "an unmatched {" if depth else None



MATH_SPAN = re.compile(r"\$([^$]+)\$")
_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"
# a letter (Latin, Greek, hatted, double-struck) or a norm's bar with TeX sub- and superscripts, not inside a word
NOTATION = re.compile(r"(?:(?<![\w\\.$])[A-Za-zα-ωΑ-Ωŷŝ𝟙]|‖)(?:[\^_]" + _BRACED
                      + r"|[\^_][A-Za-z0-9*](?![A-Za-z0-9_{]))+[²³⁴ᵀ]?")


def segments(text: str) -> list[tuple[bool, str]]:
    """text as (is_math, piece) pieces: `$…$` spans and recognised notation are math, the rest text."""
    text = " ".join(text.split())
    out: list[tuple[bool, str]] = []
    position = 0
    for span in MATH_SPAN.finditer(text):
        out += _notation(text[position:span.start()])
        out.append((True, span.group(1)))
        position = span.end()
    out += _notation(text[position:])
    return [(m, p) for m, p in out if p]


def _notation(text: str) -> list[tuple[bool, str]]:
    out, position = [], 0
    for token in NOTATION.finditer(text):
        out += [(False, text[position:token.start()]), (True, token.group(0))]
        position = token.end()
    return out + [(False, text[position:])]


def math_source(text: str) -> str:
    """Math as LaTeX: every Unicode symbol as its command (`−` as -, `σ` as \\sigma, `√x` as \\sqrt{x})."""
    out, n = [], 0
    text = re.sub(r"√(\d+|[A-Za-z]|\([^()]*\))", lambda m: r"\sqrt{%s}" % m.group(1).strip("()"), text)
    while n < len(text):
        ch, after = text[n], text[n + 1] if n + 1 < len(text) else ""
        if after in ACCENTS:
            out.append("%s{%s}" % (ACCENTS[after], math_source(ch)))
            n += 2
            continue
        command = MATH.get(ch, TEXT.get(ch, ch if ord(ch) < 128 else r"\text{[U+%04X]}" % ord(ch)))
        if command.startswith("\\") and command[-1].isalpha() and text[n + 1:n + 2].isalpha():
            command += " "
        out.append(command)
        n += 1
    return "".join(out)


def latex(text: str) -> str:
    """Prose as ASCII LaTeX: text escaped, Unicode symbols as commands, math in $…$."""
    return "".join("$" + math_source(p) + "$" if m else _latex_text(p) for m, p in segments(text))


def _latex_text(text: str) -> str:
    out, n = [], 0
    while n < len(text):
        ch, after = text[n], text[n + 1] if n + 1 < len(text) else ""
        if after in ACCENTS or ch in MATH:
            piece = text[n:n + 2] if after in ACCENTS else ch
            out.append(r"\ensuremath{%s}" % math_source(piece))
            n += len(piece)
            continue
        out.append(_TEXT_SPECIALS.get(ch) or TEXT.get(ch) or (ch if ord(ch) < 128 else r"[U+%04X]" % ord(ch)))
        n += 1
    return "".join(out)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~$#!{}])")


def markdown(text: str) -> str:
    """Prose as CommonMark: text with every character that could start markup escaped, math in $…$."""
    return "".join("$" + markdown_math(p) + "$" if m else _MARKDOWN_SPECIALS.sub(r"\\\1", p)
                   for m, p in segments(text))


def markdown_math(source: str) -> str:
    """LaTeX for a Markdown math span: Unicode as commands, `*` as \\ast (never read as emphasis)."""
    text = math_source(source).replace("*", r"\ast ")
    return re.sub(r"\\ast (?=[^A-Za-z])", r"\\ast", text).strip()


def plain(text: str) -> str:
    """Prose for a terminal: the dollars of math spans dropped."""
    return MATH_SPAN.sub(lambda m: m.group(1), " ".join(text.split()))
