"""Files are data: a stored expression is read by a strict grammar (never `sympify`), a report's prose reaches TeX
only if it is mathematics, the TeX engine runs without shell escape, file access or time without bound, every
reader takes regular files of bounded size only, and a user's number is never rounded (`nsimplify`)."""
import json
import os
import stat
import time
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from mesaverify import document, outputs, prose, report, runner, selftest, srepr
from mesaverify.checks.core.registry import all_checks
from tests.checkparams import check_params
from tests.clirun import cli

CHECKS = all_checks()


# ---------------------------------------------------------------- the strict reader of stored expressions
@pytest.mark.parametrize("cid", check_params(CHECKS))
def test_every_derived_expression_reads_back_as_itself(cid):
    expr = CHECKS[cid].derived()
    assert srepr.read(sp.srepr(expr)) == expr


x, y = sp.symbols("x y", real=True)
ATOMS = st.sampled_from([x, y, sp.Symbol("m_{2,4}", positive=True), sp.Integer(3), sp.Rational(-2, 7), sp.I, sp.pi,
                         sp.IndexedBase("p")[sp.Symbol("t", integer=True)]])
SCALARS = st.recursive(ATOMS, lambda inner: st.one_of(
    st.builds(lambda a, b: a + b, inner, inner), st.builds(lambda a, b: a * b, inner, inner),
    st.builds(lambda a: a ** 2, inner), st.builds(lambda a: 1 / (a + 5), inner),
    st.builds(lambda a: sp.Mul(sp.Rational(1, 16), a + 1, evaluate=False), inner),
    st.builds(lambda a: sp.harmonic(a), inner), st.builds(lambda a: sp.exp(a), inner),
    st.builds(lambda a: sp.Piecewise((a, x > 0), (0, True)), inner)), max_leaves=12)
EXPRESSIONS = st.one_of(SCALARS, st.builds(lambda a, b: sp.Tuple(a, b), SCALARS, SCALARS),
                        st.builds(lambda a, b: sp.Matrix([[a, b]]), SCALARS, SCALARS))


@given(EXPRESSIONS)
def test_random_expressions_read_back_as_themselves(expr):
    assert srepr.read(sp.srepr(expr)) == expr


def _marker_payloads(marker):
    return [f"__import__('os').system('touch {marker}')", f"Integer(__import__('os').system('touch {marker}'))",
            f"sin(\"__import__('os').system('touch {marker}')\")", f"Symbol('x').__class__('{marker}')",
            f"exec(\"open('{marker}', 'w')\")", f"Lambda(Symbol('x'), open('{marker}', 'w'))",
            f"PurePoly(Symbol('x'), domain='QQ<__import__(\"os\").system(\"touch {marker}\")>')",
            f"Integer(1) if open('{marker}', 'w') else Integer(0)", f"[open('{marker}', 'w')]"]


def test_code_in_a_stored_expression_never_runs(tmp_path):
    marker = tmp_path / "ran"
    for text in _marker_payloads(marker):
        with pytest.raises(srepr.Unreadable):
            srepr.read(text)
        assert not marker.exists(), text


@pytest.mark.parametrize("text, fragment", [
    ("Pow(Integer(10), Integer(1000000000))", "exponent"),
    ("harmonic(Integer(1000000000))", "harmonic of the number"),
    ("factorial(Integer(99999999))", "factorial of the number"),
    ("Integer(" + "9" * 4500 + ")", "digits"),
    ("Tuple(" * 500 + "Integer(1)" + ")" * 500, "nested"),
    ("Symbol('\\\\input{/etc/hostname}')", "unexpected character"),  # a name with a backslash: never read
    ("Symbol('^^5cinput{/etc/hostname}')", "not mathematics"),
    ("Symbol('x$y')", "not mathematics"),
    ("Mul(Symbol('x'), Integer(2))", "not the srepr"),  # srepr prints 2 before x: not a text it writes
    ("Integer(1) Integer(2)", "after the expression"),
    ("Symbol('x', real='yes')", "a string is accepted only"),
    ("Symbol('x', real=Symbol('y'))", "keyword"),
])
def test_costly_or_foreign_texts_are_refused_at_once(text, fragment):
    start = time.perf_counter()
    with pytest.raises(srepr.Unreadable, match=fragment):
        srepr.read(text)
    assert time.perf_counter() - start < 5


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A report and its stored expressions of two checks, as `verify` writes them."""
    out = tmp_path_factory.mktemp("recorded")
    report.write([runner.run_one(CHECKS[cid]) for cid in ("Z.thm4_1.limit", "Z.flow.invariant")], 1.0, out)
    return out


def test_a_forged_expression_file_runs_no_code_and_is_derived_again(recorded, tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "report.json").write_text((recorded / "report.json").read_text())
    stored = json.loads((recorded / report.EXPRESSIONS).read_text())
    stored["expressions"]["Z.thm4_1.limit"] = f"__import__('os').system('touch {marker}') or Integer(1)"
    (evil / report.EXPRESSIONS).write_text(json.dumps(stored))
    proc = cli("latex", "--all", "--report", evil / "report.json", "--out", evil / "latex")
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert f"(1 from the last verify, {len(CHECKS) - 1} derived)" in proc.stdout
    text = (evil / "latex" / "Z.thm4_1.limit.tex").read_text()
    assert text == document.fragment(CHECKS["Z.thm4_1.limit"], CHECKS["Z.thm4_1.limit"].derived())


# ---------------------------------------------------------------- a report's prose reaches TeX only as mathematics
INJECTIONS = [r"$\immediate\openout5=/tmp/x \immediate\write5{x}$", r"$\input{/etc/hostname}$", r"$\def\x{\x}\x$",
              r"$^^5cinput{/etc/hostname}$", r"$\csname input\endcsname{/etc/hostname}$", r"$x}\input{/etc/hostname$",
              r"$\begin{filecontents}{a.tex}x\end{filecontents}$", r"x_{\input{/etc/hostname}}", r"$\write18{id}$",
              r"$\catcode`\@=0$"]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("field", ["evidence", "notes"])
def test_tex_in_a_report_is_refused_in_one_line(recorded, tmp_path, payload, field):
    data = json.loads((recorded / "report.json").read_text())
    data["checks"][0][field] = f"measured {payload} here" if field == "evidence" else [f"a note {payload}"]
    (tmp_path / "report.json").write_text(json.dumps(data))
    proc = cli("latex", "--all", "--report", tmp_path / "report.json", "--out", tmp_path / "latex")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "not mathematics" in lines[0], proc.stderr
    assert not (tmp_path / "latex" / "derivations.tex").exists()


def test_the_prose_of_every_check_and_its_report_is_mathematics_tex_may_read(recorded):
    texts = [t for c in CHECKS.values() for t in (c.claim, c.reference)]
    texts += [t for c in report.read(recorded / "report.json")["checks"] for t in (c["evidence"], *c["notes"])]
    for text in texts:
        assert all(prose.unsafe_math(p) is None for m, p in prose.segments(text) if m), text


def test_the_engine_runs_paranoid_and_is_stopped_at_its_limit(tmp_path):
    """A stand-in engine records the environment it is given and then hangs: it is stopped at the limit."""
    seen = tmp_path / "env.txt"
    fake = tmp_path / "fake-engine"
    fake.write_text(f"#!/bin/sh\necho \"$openout_any $openin_any $shell_escape $*\" > {seen}\nsleep 60 &\nsleep 60\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    doc = tmp_path / "d.tex"
    doc.write_text("x")
    start = time.perf_counter()
    ok, tail = document.compile_pdf(doc, [str(fake), document.NO_SHELL], timeout=2)
    assert not ok and "stopped after 2 s" in tail and time.perf_counter() - start < 30
    assert seen.read_text().split() == ["p", "p", "f", document.NO_SHELL, "d.tex"]
    assert all(document.NO_SHELL in c for name, c in document.ENGINES if name != "tectonic")


@pytest.mark.skipif(not __import__("shutil").which("pdflatex"),
                    reason="no pdflatex on the PATH (Debian: apt-get install texlive-latex-base); the stand-in "
                           "engine above holds the options and the limit")
def test_pdflatex_writes_and_reads_nothing_outside_and_stops(tmp_path):
    outside = tmp_path / "outside.txt"
    work = tmp_path / "work"
    work.mkdir()
    doc = work / "t.tex"
    doc.write_text("\\documentclass{article}\\begin{document}\\immediate\\openout5=" + str(outside)
                   + " \\immediate\\write5{x}\\immediate\\closeout5 x\\end{document}\n")
    ok, _ = document.compile_pdf(doc, ["pdflatex", document.NO_SHELL, "-interaction=nonstopmode", "-halt-on-error"])
    assert not outside.exists()
    doc.write_text("\\documentclass{article}\\begin{document}\\def\\x{\\x}\\x\\end{document}\n")
    ok, tail = document.compile_pdf(doc, ["pdflatex", document.NO_SHELL, "-interaction=nonstopmode"], timeout=3)
    assert not ok and "stopped after 3 s" in tail


# ---------------------------------------------------------------- readers: regular files, bounded
@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("argv", [
    ["model", "{f}", "--law", "gaussian", "--d", "2"],
    ["sander-loss", "--setting", "augmented", "--params", "{f}", "--T", "4"],
    ["latex", "--all", "--report", "{f}", "--out", "{out}"],
])
@pytest.mark.parametrize("kind", ["fifo", "zero", "link to zero", "directory"])
def test_a_file_that_is_not_regular_is_refused_at_once(tmp_path, argv, kind):
    if kind == "fifo":
        os.mkfifo(tmp_path / "f")
    elif kind == "directory":
        (tmp_path / "f").mkdir()
    elif kind == "link to zero":
        os.symlink("/dev/zero", tmp_path / "f")
    target = "/dev/zero" if kind == "zero" else str(tmp_path / "f")
    start = time.perf_counter()
    proc = cli(*[a.format(f=target, out=tmp_path / "out") for a in argv])
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "not a regular file" in lines[0], proc.stderr
    assert time.perf_counter() - start < 10


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 * 1024 * 1024))
    with pytest.raises(Exception, match="larger than"):
        outputs.read_text(big, "big.toml", 1024 * 1024)


@pytest.mark.parametrize("poison", ["fifo", "zero", "deep", "huge number", "not json"])
def test_a_poisoned_out_directory_costs_nothing(tmp_path, poison):
    """verify and selftest read the last run's costs from --out: a poisoned file there is ignored, at once."""
    for name in ("report.json", "selftest.json"):
        path = tmp_path / name
        if poison == "fifo":
            os.mkfifo(path)
        elif poison == "zero":
            os.symlink("/dev/zero", path)
        elif poison == "deep":
            path.write_text("[" * 200_000)
        elif poison == "huge number":
            path.write_text('{"checks": [{"id": "x", "seconds": 1e99999}]}')
        else:
            path.write_bytes(b"\xff\xfe")
    start = time.perf_counter()
    assert runner.last_costs(tmp_path / "report.json") == {} and selftest.last_costs(tmp_path) == {}
    assert time.perf_counter() - start < 10


# ---------------------------------------------------------------- a user's number is never rounded
def test_sander_loss_keeps_a_tiny_entry_exact(tmp_path):
    from mesaverify.derivations.sander import augmented as aug

    path = tmp_path / "p.json"
    path.write_text(json.dumps({"A": [["1e-30", 0], [0, 1]], "B": [[1, 0], [0, 1]]}))
    proc = cli("sander-loss", "--setting", "augmented", "--params", path, "--T", "4", "--json")
    got = sp.Rational(json.loads(proc.stdout)["result"]["loss"])
    law = aug.eigen_law([(1 / sp.sqrt(2),) * 2], [1], sp.eye(2))
    tiny = sp.Rational(1, 10**30)
    assert got == sp.expand(aug.loss_at(law, sp.Matrix([[tiny, 0], [0, 1]]), sp.eye(2), sp.eye(2), 4))
    assert got != sp.expand(aug.loss_at(law, sp.Matrix([[0, 0], [0, 1]]), sp.eye(2), sp.eye(2), 4))


@pytest.mark.parametrize("value", ["1e-12", "1e-400", "123456789/987654321"])
def test_model_loss_at_keeps_the_values_exact(value):
    import mesaverify as mv

    proc = cli("model", "examples/models/zheng_diagonal.toml", "--law", "rademacher", "--d", "2", "--T", "4",
               "--at", f"a={value},b=1", "--json")
    got = sp.Rational(json.loads(proc.stdout)["result"]["loss_at"])
    m = mv.model("examples/models/zheng_diagonal.toml", mv.laws.rademacher(d=2))
    a, b = sorted(m.parameters(), key=str)
    exact = Fraction(value)
    assert got == m.loss(T=4).xreplace({a: sp.Rational(exact.numerator, exact.denominator), b: 1})
    assert got != m.loss(T=4).xreplace({a: 0, b: 1})


def test_no_module_evaluates_text_as_code():
    """No source of the package calls Python's eval or exec, or SymPy's parse_expr (what sympify runs on text)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("mesaverify/**/*.py"), *root.glob("derivations/**/*.py"), *root.glob("numerics/**/*.py"),
                 *root.glob("checks/**/*.py")]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<!def )\b(parse_expr|eval|exec)\(", line):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not offenders, offenders
