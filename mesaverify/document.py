"""The derivations document: build/latex/<check-id>.tex per check and derivations.tex, with its PDF.

Every equation is named by what it is (`L(a, b) =`, `\\lim_{\\tau\\to\\infty} ab =`,
from `equations`) and shown in the form a paper prints it (`present`); prose
(claims, references, evidence, findings) goes through `prose.latex`, so the
document is ASCII LaTeX: no Unicode declarations, no character left unmapped.

`make verify` stores every derived expression exactly (SymPy srepr) in
build/expressions.json with the stamp of the code that derived it; `write_all`
reuses them when that stamp matches the running code (same sources, same library
versions) and derives them again otherwise.  They are read as data, by the strict
reader of `srepr`; a text it does not accept is derived again too.
"""
from __future__ import annotations

from pathlib import Path

from mesaverify import equations, jsonio, outputs, prose, provenance, srepr, tex
from mesaverify.present import present


def fragment(check, expr) -> str:
    """build/latex/<check-id>.tex: the derived expression of one check, ready for \\input."""
    return (f"% {check.id}: derived expression ({prose.plain(check.reference)}); written by mesaverify\n"
            + displayed(check.id, expr) + "\n")


def displayed(check_id: str, expr) -> str:
    """The check's equation as display math, in paper form, with its definitions below (u = ab, …)."""
    shown = present(expr)
    body = tex.display(shown.expr, name=equations.lhs(check_id))
    where = tex.definitions(shown.where)
    if where:
        body += "\n\\noindent with " + ", ".join(f"${d}$" for d in where) + "."
    return body


def _sci(value) -> str:
    """A report's number in math, 1.234 \\times 10^{-5}; n/a where it was not finite (null)."""
    if value is None:
        return "n/a"
    mantissa, exponent = format(value, ".3e").split("e")
    return f"${mantissa}$" if int(exponent) == 0 else rf"${mantissa} \times 10^{{{int(exponent)}}}$"


def document(checks, derived: dict, report: dict | None) -> str:
    """build/latex/derivations.tex: per check its claim and reference, the derived expression, and the
    numeric evidence of the last `verify` (build/report.json), if there is one."""
    outcomes = {c["id"]: c for c in (report or {}).get("checks", [])}
    body = []
    for code, title in (("Z", "Zheng et al., NeurIPS 2024"), ("S", "Sander et al., ICML 2024")):
        ids = [cid for cid in checks if cid.split(".")[0] == code]
        if not ids:
            continue
        body.append(rf"\section*{{[{code}] {prose.latex(title)}}}")
        for cid in ids:
            check, outcome = checks[cid], outcomes.get(cid)
            body += [rf"\subsection*{{\texttt{{{prose.latex(cid)}}}}}",
                     rf"\paragraph{{Claim}} ({prose.latex(check.reference)}) {prose.latex(check.claim)}",
                     r"\paragraph{Derived}", displayed(cid, derived[cid]) if cid in derived else "(derivation failed)"]
            if outcome is None:
                body.append(r"\paragraph{Evidence} No verify run recorded (run \texttt{make verify}).")
                continue
            body.append(rf"\paragraph{{Evidence}} \textbf{{{prose.latex(outcome['status'])}}}: max error "
                        rf"{_sci(outcome['max_error'])}, tolerance {_sci(outcome['tolerance'])}, "
                        rf"{format(outcome['seconds'] or 0, '.2f')}\,s. {prose.latex(outcome['evidence'])}")
            body += [rf"\paragraph{{Note}} {prose.latex(n)}" for n in outcome.get("notes", [])]
    when = (f"Evidence from the verify run recorded in build/report.json ({report['passed']} passed, "
            f"{report['failed']} failed, {format(report['total_seconds'] or 0, '.1f')} s)."
            if report else "No verify run recorded yet.")
    return "\n".join([
        r"\documentclass[10pt]{article}",
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        r"\allowdisplaybreaks",
        r"\sloppy",
        r"\title{mesaverify: derived results and their numeric evidence}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        prose.latex(when),
        *body,
        r"\end{document}",
        "",
    ])


# --- the expressions of the last verify ---------------------------------------------------------
def write_expressions(path: Path, stamp: dict, expressions: dict[str, str]) -> Path:
    """build/expressions.json: the stamp of the code and every derived expression as SymPy srepr."""
    return outputs.write_text(path, jsonio.dumps({**stamp, "expressions": expressions}) + "\n")


def stored_expressions(path: Path) -> dict[str, str]:
    """The srepr of every expression of the last verify, if it was derived by the code running now; else {}."""
    try:
        data = jsonio.load_file(str(path), str(path))
    except Exception:  # noqa: BLE001 -- a missing, truncated or odd file: derive afresh
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("expressions"), dict):
        return {}
    if not provenance.same_source(data, {**provenance.versions(), "source_digest": provenance.source_digest()}):
        return {}
    return {k: v for k, v in data["expressions"].items() if isinstance(v, str)}


def _stored(text: str):
    """A stored expression read by the strict reader (`srepr.read`: data, never code); None if unreadable."""
    try:
        return srepr.read(text)
    except srepr.Unreadable:
        return None


def write_all(out: Path, checks, report: dict | None, stored: dict[str, str] | None = None,
              progress=None) -> tuple[list[Path], int]:
    """One fragment per check and the document (`report`: report.read); the expressions from `stored`
    (check id → srepr, `stored_expressions`) where it has them, derived otherwise.  Returns the files
    written and how many expressions were derived; `progress()` after each check."""
    derived, written, fresh = {}, [], 0
    for cid, check in checks.items():
        derived[cid] = _stored(stored[cid]) if stored and cid in stored else None
        if derived[cid] is None:
            derived[cid], fresh = check.derived(), fresh + 1
        written.append(outputs.write_text(out / f"{cid}.tex", fragment(check, derived[cid])))
        if progress is not None:
            progress()
    written.append(outputs.write_text(out / "derivations.tex", document(checks, derived, report)))
    return written, fresh


# --- PDF ---------------------------------------------------------------------------------------
# No engine may run a shell command (\write18), open a file for writing or reading outside the document's own
# directory (kpathsea's "paranoid" setting), or run without end: the document holds a report's prose, which is
# checked (`report.read`) but is still text read from a file.
NO_SHELL = "-no-shell-escape"
ENGINES = (("latexmk", ["latexmk", "-pdf", NO_SHELL, "-interaction=nonstopmode", "-halt-on-error"]),
           ("pdflatex", ["pdflatex", NO_SHELL, "-interaction=nonstopmode", "-halt-on-error"]),
           ("lualatex", ["lualatex", NO_SHELL, "-interaction=nonstopmode", "-halt-on-error"]),
           ("tectonic", ["tectonic"]))  # tectonic runs no shell command unless asked to (-Z shell-escape)
PARANOID = {"openout_any": "p", "openin_any": "p", "shell_escape": "f"}
TIMEOUT = 300  # seconds for one compilation, all passes; then the engine is stopped
INSTALL_HINT = ("no LaTeX engine on the PATH (latexmk, pdflatex, lualatex or tectonic); install one, e.g. on "
                "Debian/Ubuntu: sudo apt-get install texlive-latex-base texlive-latex-recommended "
                "texlive-fonts-recommended")


def engine() -> list[str] | None:
    """The command line of the first LaTeX engine on the PATH, or None."""
    import shutil

    return next((command for name, command in ENGINES if shutil.which(name)), None)


def compile_pdf(path: Path, command: list[str], timeout: float = TIMEOUT) -> tuple[bool, str]:
    """Run the engine in the directory of `path`, without shell escape, with file access limited to that
    directory, for at most `timeout` seconds (the engine and its children stopped then); (success, the tail
    of its output)."""
    import os
    import signal
    import subprocess

    proc = subprocess.Popen([*command, path.name], cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, errors="replace", start_new_session=True,
                            env={**os.environ, **PARANOID})
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return False, f"{command[0]} stopped after {timeout:g} s (the limit of one compilation)"
    tail = "\n".join(output.strip().splitlines()[-15:])
    return proc.returncode == 0 and path.with_suffix(".pdf").exists(), tail
