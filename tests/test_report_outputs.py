"""report.md renders as CommonMark with math and no stray markup; report.json is valid against its schema."""
import json
import re
from importlib import resources

import jsonschema
import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from mesaverify import prose, report, runner
from mesaverify.checks.core.registry import Outcome, all_checks

CHECKS = all_checks()
# checks whose outcomes carry findings with expressions and arrays, and claims with notation, fast to run
SAMPLE = ("Z.thm4_1.limit", "S.aug.P_dependence", "S.nonaug.unitary.bound", "Z.flow.invariant", "Z.flow.ode",
          "Z.loss.diagonal", "Z.prop4_1.ratio", "S.aug.loss", "Z.model.residual")
LABELS = {"Claim", "Derived", "Evidence", "Note"}  # the only emphasis report.md writes, besides the summary line
PYTHON_PRINTOUTS = re.compile(r"\*\*\d|\bsqrt\(|\bharmonic\(|\barray\(|\[\[|\dj\b|Matrix\(|\boperatorname\{harmonic")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A report of real outcomes (the sample) and of every claim with hostile prose around it."""
    out = tmp_path_factory.mktemp("report")
    outcomes = [runner.run_one(CHECKS[cid]) for cid in SAMPLE]
    hostile = "a*b*c and x_1_2 _init_ *bold* `code` <tag> [link](x) | pipe ~ $5 ≤ 2^{10} # not a heading"
    outcomes += [Outcome(f"{cid}.text", c.claim, c.reference, "pass", "x", hostile, 0.0, 1.0, 0.1, (c.claim, hostile))
                 for cid, c in CHECKS.items()]
    report.write(outcomes, 12.5, out)
    return out


def _inline_tokens(text):
    md = MarkdownIt("commonmark").use(dollarmath_plugin).enable("table")
    for token in md.parse(text):
        if token.type == "inline":
            yield from token.children


def test_report_md_renders_without_stray_markup(written):
    text = (written / "report.md").read_text()
    emphasis, inside = [], None
    for token in _inline_tokens(text):
        if token.type in ("em_open", "strong_open"):
            inside = []
        elif token.type in ("em_close", "strong_close"):
            emphasis.append("".join(inside))
            inside = None
        elif inside is not None:
            inside.append(token.content)
        if token.type == "text":
            assert "**" not in token.content and "__" not in token.content, token.content
    summary = [e for e in emphasis if e not in LABELS]
    assert len(summary) == 1 and re.fullmatch(r"\d+ of \d+ checks passed, \d+ failed, in [\d.]+ s\.", summary[0]), summary


def test_report_md_has_math_and_no_python_printouts(written):
    text = (written / "report.md").read_text()
    tokens = list(_inline_tokens(text))
    maths = [t.content for t in tokens if t.type.startswith("math")]
    assert any("H_{T - 2}" in m for m in maths) and any(r"\begin{pmatrix}" in m or r"\left[" in m for m in maths)
    prose_text = " ".join(t.content for t in tokens if t.type == "text")
    assert not PYTHON_PRINTOUTS.search(prose_text), PYTHON_PRINTOUTS.search(prose_text)
    for block in re.findall(r"^\$\$\n(.*?)\n\$\$$", text, flags=re.M | re.S):
        assert len(block) <= report.LONG + 200 and not PYTHON_PRINTOUTS.search(block)
        assert "harmonic" not in block and all(ord(ch) < 128 for ch in block)


def test_long_equations_are_abbreviated_with_the_full_form_beside(written):
    text = (written / "report.md").read_text()
    assert "`latex/S.aug.loss.tex`" in text
    full = (written / "latex" / "S.aug.loss.tex").read_text()
    assert "L(A, B) = " in full and len(full) > 5000


def test_report_json_is_valid_against_its_schema(written):
    schema = json.loads(resources.files("mesaverify").joinpath("schema/report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    payload = json.loads((written / "report.json").read_text())
    jsonschema.validate(payload, schema)
    assert payload["checks"][0]["cases"] and set(payload["checks"][0]["cases"][0]) == {"case", "derived", "numeric", "error"}
    assert payload["checks"][0]["equation"] == r"u^{*} = \lim_{\tau\to\infty} ab"
    broken = dict(payload, checks=[dict(payload["checks"][0], status="maybe")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_expressions_are_stored_exactly(written):
    stored = json.loads((written / "expressions.json").read_text())
    assert stored["source_digest"] == json.loads((written / "report.json").read_text())["source_digest"]
    import sympy as sp

    assert sp.sympify(stored["expressions"]["Z.thm4_1.limit"]) == CHECKS["Z.thm4_1.limit"].derived()


@pytest.mark.parametrize("text", [c.claim for c in CHECKS.values()] + [c.reference for c in CHECKS.values()])
def test_prose_needs_no_unmapped_character(text):
    assert "[U+" not in prose.latex(text) and all(ord(ch) < 128 for ch in prose.latex(text))
