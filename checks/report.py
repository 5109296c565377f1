"""The report of a `verify` run: a table on the terminal, build/report.md and build/report.json."""
from __future__ import annotations

import json
from pathlib import Path

from checks.registry import Outcome


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


def _markdown(outcomes: list[Outcome], total_seconds: float) -> str:
    passed = sum(o.status == "pass" for o in outcomes)
    out = [
        "# Verification report",
        "",
        f"{passed} of {len(outcomes)} checks passed in {total_seconds:.1f} s.",
        "",
        "| check | status | max error | tolerance | seconds |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| `{o.id}` | {o.status} | {o.max_error:.3e} | {o.tolerance:.3e} | {o.seconds:.2f} |"
        for o in outcomes
    ]
    notes = [(o.id, n) for o in outcomes for n in o.notes]
    if notes:
        out += ["", "## Findings and disagreements with the papers", ""]
        out += [f"- **{cid}**: {n}" for cid, n in notes]
    for o in outcomes:
        out += [
            "",
            f"## `{o.id}` — {o.status}",
            "",
            f"*Claim* ({o.reference}): {o.claim}",
            "",
            "*Derived*:",
            "",
            f"$$ {o.latex} $$",
            "",
            f"*Evidence*: {o.evidence}",
        ]
        out += [f"\n*Note*: {n}" for n in o.notes]
    return "\n".join(out) + "\n"


def write(outcomes: list[Outcome], total_seconds: float, directory: Path = Path("build")) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.md").write_text(_markdown(outcomes, total_seconds))
    payload = {
        "total_seconds": round(total_seconds, 3),
        "passed": sum(o.status == "pass" for o in outcomes),
        "failed": sum(o.status != "pass" for o in outcomes),
        "checks": [o.as_json() for o in outcomes],
    }
    (directory / "report.json").write_text(json.dumps(payload, indent=2) + "\n")
