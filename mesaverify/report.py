"""The report of a `verify` run: a table on the terminal, build/report.md and build/report.json."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from mesaverify import equations, jsonio, numbers, outputs, prose, provenance, shorten, srepr
from mesaverify.checks.core.registry import Outcome, all_checks
from mesaverify.errors import UsageError


def table(outcomes: list[Outcome]) -> str:
    width = max([len(o.id) for o in outcomes] + [5])
    lines = [f"{'check'.ljust(width)}  status  max_error   tolerance   seconds"]
    for o in outcomes:
        lines.append(
            f"{o.id.ljust(width)}  {o.status:6}  {o.max_error:10.3e}  {o.tolerance:10.3e}  {o.seconds:7.2f}"
        )
    passed = sum(o.status == "pass" for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)


PAPERS = {"Z": "[Z] Zheng et al., NeurIPS 2024", "S": "[S] Sander et al., ICML 2024"}
LONG = 600  # characters of LaTeX: a longer equation is shown abbreviated, in full in latex/<check-id>.tex


def paper(check_id: str) -> str:
    """The paper a check belongs to, from the prefix of its id (`Z.`, `S.`)."""
    prefix = check_id.split(".")[0]
    return PAPERS.get(prefix, prefix)


def claim_group(check_id: str) -> str:
    """The claim a check belongs to: its id without the last part (`Z.loss.diagonal.mc` → `Z.loss`)."""
    parts = check_id.split(".")
    return ".".join(parts[:2])


def summary(outcomes: list[Outcome], total_seconds: float) -> list[str]:
    """One screen: checks passed and failed per paper and per claim, the failures by id, the total time."""
    passed = sum(o.status == "pass" for o in outcomes)
    out = [f"**{passed} of {len(outcomes)} checks passed, {len(outcomes) - passed} failed, "
           f"in {total_seconds:.1f} s.**", "",
           "| paper | claim | passed | failed | seconds |", "|---|---|---|---|---|"]
    groups: dict = {}
    for o in outcomes:
        groups.setdefault((paper(o.id), claim_group(o.id)), []).append(o)
    for (name, group), members in groups.items():
        ok = sum(o.status == "pass" for o in members)
        out.append(f"| {prose.markdown(name)} | `{group}` | {ok} | {len(members) - ok} | "
                   f"{sum(o.seconds for o in members):.1f} |")
    failed = [o.id for o in outcomes if o.status != "pass"]
    if failed:
        out += ["", "Failed: " + ", ".join(f"`{cid}`" for cid in failed)]
    return out


def provenance_line(stamp: dict) -> str:
    """Who computed the report, with what, when: one line of Markdown."""
    libraries = ", ".join(f"{name} {stamp[name]}" for name in ("python", "sympy", "mpmath", "numpy", "scipy"))
    where = stamp["machine"]
    return (f"mesaverify {stamp['mesaverify']} ({libraries}), "
            + (f"commit `{stamp['commit']}`, " if stamp.get("commit") else "")
            + f"{stamp['created_utc']}, {where['system']} {where['machine']} with {where['cpus']} cores.")


def equation(o: Outcome, expr=None) -> tuple[str, bool]:
    """The check's equation as display LaTeX, `name = expression`, and whether it was abbreviated (`expr`: the
    derived expression, else read back from the outcome)."""
    name = equations.inline(o.id)
    if len(o.latex) <= LONG or not o.expression:
        return f"{name} = {o.latex}", False
    return f"{name} = {shorten.abbreviated(_derived(o, expr), LONG)}", True


def _derived(o: Outcome, expr):
    return srepr.read(o.expression) if expr is None else expr


def rendered(o: Outcome, expr=None) -> dict:
    """What the report prints of one outcome: its equation (`equation`) and, if that was abbreviated, the full
    fragment for latex/<check-id>.tex.  `verify` computes it where the check ran, from the derived expression
    itself, whose presented form is remembered there (`present`): read back from its srepr, a factored
    expression comes back multiplied out and would be presented again."""
    from mesaverify import document

    shown, short = equation(o, expr)
    fragment = document.fragment(all_checks()[o.id], _derived(o, expr)) if short else None
    return {"shown": shown, "fragment": fragment}


def _markdown(outcomes: list[Outcome], total_seconds: float, stamp: dict,
              prepared: dict) -> tuple[str, dict]:
    """report.md, and the abbreviated equations' full fragments {check id: LaTeX}."""
    out = ["# Verification report", "", *summary(outcomes, total_seconds), "", provenance_line(stamp), "",
           "## Checks", "", "| check | status | max error | tolerance | seconds |", "|---|---|---|---|---|"]
    out += [f"| `{o.id}` | {o.status} | {o.max_error:.3e} | {o.tolerance:.3e} | {o.seconds:.2f} |"
            for o in outcomes]
    notes = [(o.id, n) for o in outcomes for n in o.notes]
    if notes:
        out += ["", "## Findings and disagreements with the papers", ""]
        out += [f"- `{cid}`: {prose.markdown(n)}" for cid, n in notes]
    long = {}
    for o in outcomes:
        parts = prepared.get(o.id) or rendered(o)
        shown, short = parts["shown"], parts["fragment"] is not None
        out += ["", f"## `{o.id}` — {o.status}", "",
                f"*Claim* ({prose.markdown(o.reference)}): {prose.markdown(o.claim)}", "", "*Derived*:", "",
                "$$", prose.markdown_math(shown), "$$"]
        if short:
            long[o.id] = parts["fragment"]
            out += ["", f"Abbreviated: the full expression ({len(o.latex)} characters of LaTeX) is in "
                        f"`latex/{o.id}.tex`."]
        out += ["", f"*Evidence*: {prose.markdown(o.evidence)}"]
        out += [f"\n*Note*: {prose.markdown(n)}" for n in o.notes]
    return "\n".join(out) + "\n", long


def write(outcomes: list[Outcome], total_seconds: float, directory: Path = Path("build"),
          prepared: dict | None = None) -> None:
    """report.md, report.json (strict JSON: a non-finite error is null) and expressions.json (every derived
    expression exactly, for `latex --all`) in `directory`, each written atomically; the full LaTeX of the
    equations report.md abbreviates in directory/latex/<check-id>.tex.  `prepared` holds `rendered(o)` by check
    id where it was computed already."""
    from mesaverify import document

    stamp = provenance.stamp()
    markdown, long = _markdown(outcomes, total_seconds, stamp, prepared or {})
    for cid, fragment in long.items():
        outputs.write_text(directory / "latex" / f"{cid}.tex", fragment)
    outputs.write_text(directory / "report.md", markdown)
    payload = {**stamp, "total_seconds": round(total_seconds, 3),
               "passed": sum(o.status == "pass" for o in outcomes),
               "failed": sum(o.status != "pass" for o in outcomes),
               "checks": [o.as_json() | {"equation": equations.inline(o.id)} for o in outcomes]}
    outputs.write_text(directory / "report.json", jsonio.dumps(payload, indent=2) + "\n")
    document.write_expressions(directory / EXPRESSIONS, stamp, {o.id: o.expression for o in outcomes if o.expression})


EXPRESSIONS = "expressions.json"


FIELDS = {"id": str, "status": str, "evidence": str, "max_error": float, "tolerance": float, "seconds": float}


def read(path: Path) -> dict | None:
    """A verify run's report.json as `latex --all` quotes it, its shape checked before any work (numbers as
    floats, null where not finite); None if there is none; a truncated or odd file is a UsageError."""
    if not path.exists():
        return None
    what = f"--report {path}"
    data = jsonio.load_file(str(path), what)

    def field(obj, key, kind, where):
        """One field of the report, of the kind asked, or a UsageError naming it."""
        value = obj.get(key) if isinstance(obj, dict) else None
        if kind is float and (value is None or isinstance(value, Fraction)):
            return None if value is None else float(value)
        if kind is int and isinstance(value, Fraction) and value.denominator == 1:
            return int(value)
        if kind is str and isinstance(value, str):
            return value
        raise UsageError(f"{what}: {where}{key} is missing or not a {kind.__name__}; not a report of "
                         "`mesaverify verify` (run it again to write one)")

    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        raise UsageError(f"{what}: no list of checks; not a report of `mesaverify verify` (run it again to write one)")
    out = {"passed": field(data, "passed", int, ""), "failed": field(data, "failed", int, ""),
           "total_seconds": field(data, "total_seconds", float, ""), "checks": []}
    for n, check in enumerate(data["checks"]):
        row = {key: field(check, key, kind, f"checks[{n}].") for key, kind in FIELDS.items()}
        notes = check.get("notes", [])
        if not isinstance(notes, list) or not all(isinstance(x, str) for x in notes):
            raise UsageError(f"{what}: checks[{n}].notes is not a list of strings")
        for where, text in [("evidence", row["evidence"])] + [(f"notes[{k}]", x) for k, x in enumerate(notes)]:
            _mathematics(text, f"{what}: checks[{n}].{where}")
        out["checks"].append(row | {"notes": notes})
    return out


def _mathematics(text: str, what: str) -> None:
    """Refuse prose whose math is not mathematics TeX may safely read (`prose.unsafe_math`): a report's evidence
    and notes reach the document's TeX as they are."""
    for is_math, piece in prose.segments(text):
        bad = prose.unsafe_math(piece) if is_math else None
        if bad is not None:
            raise UsageError(f"{what} holds TeX that is not mathematics ({numbers.show(bad)}); not a report of "
                             "`mesaverify verify` (run it again to write one)")
