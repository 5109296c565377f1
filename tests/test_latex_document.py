"""The derivations document: ASCII LaTeX with every symbol mapped, every equation named, and it compiles."""
import shutil
import subprocess
import sys

import pytest

from mesaverify import document, equations, report
from mesaverify.checks.core.registry import all_checks

CHECKS = all_checks()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`mesaverify latex --all` for every check, without a verify run."""
    out = tmp_path_factory.mktemp("latex")
    files, fresh = document.write_all(out, CHECKS, None)
    assert fresh == len(CHECKS)
    return out


def test_no_unmapped_character_and_no_question_mark_declarations(written):
    text = (written / "derivations.tex").read_text()
    assert r"\DeclareUnicodeCharacter" not in text  # no declaration at all, so none to '?'
    outside = sorted({ch for ch in text if ord(ch) > 127})
    assert not outside, f"characters outside the mapped set: {outside}"
    assert "[U+" not in text


def test_every_equation_is_named_by_what_it_is(written):
    text = (written / "derivations.tex").read_text()
    assert "\ny = " not in text and "\ny_{" not in text
    for cid in ("Z.loss.diagonal", "Z.thm4_1.limit", "S.aug.loss"):
        assert f"{equations.inline(cid)} = " in (written / f"{cid}.tex").read_text()


def test_notation_in_prose_is_math(written):
    text = (written / "derivations.tex").read_text()
    assert r"$W^{KQ}_{21}$" in text and r"W\^{}" not in text and r"\textasciicircum{}\{KQ" not in text


def test_latex_all_reuses_the_expressions_of_a_current_verify(tmp_path, capsys):
    """After a verify of the same code, latex --all derives nothing; after a change of code it derives."""
    from mesaverify import provenance, runner
    from mesaverify.cli import main

    outcomes = [runner.run_one(CHECKS[cid]) for cid in ("Z.thm4_1.limit", "Z.flow.invariant")]
    report.write(outcomes, 1.0, tmp_path)
    stored = document.stored_expressions(tmp_path / report.EXPRESSIONS)
    assert set(stored) == {"Z.thm4_1.limit", "Z.flow.invariant"}
    assert main(["latex", "--all", "--out", str(tmp_path / "latex"), "--report", str(tmp_path / "report.json")]) == 0
    assert f"(2 from the last verify, {len(CHECKS) - 2} derived)" in capsys.readouterr().out
    stale = tmp_path / report.EXPRESSIONS
    stale.write_text(stale.read_text().replace(provenance.source_digest(), "0" * 64))
    assert document.stored_expressions(stale) == {}


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("pdflatex") or shutil.which("lualatex")),
                    reason="no pdflatex or lualatex on the PATH (Debian: apt-get install texlive-latex-base "
                           "texlive-latex-recommended texlive-fonts-recommended)")
def test_the_document_compiles(written):
    engine = "pdflatex" if shutil.which("pdflatex") else "lualatex"
    proc = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "derivations.tex"], cwd=written,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (written / "derivations.pdf").stat().st_size > 10000
    log = (written / "derivations.log").read_text(errors="replace")
    assert "Missing character" not in log and "Unicode character" not in log


def test_pdf_without_an_engine_says_how_to_install_one(tmp_path):
    env = {"PATH": str(tmp_path)}  # nothing on it
    proc = subprocess.run([sys.executable, "-m", "mesaverify", "latex", "--all", "--pdf", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "apt-get install texlive-latex-base" in proc.stderr
