"""The summary that opens build/report.md, and the stable fields of build/report.json."""
import json

from mesaverify import report
from mesaverify.checks.core.registry import Outcome


def outcome(cid, status="pass", seconds=1.0):
    return Outcome(cid, "claim", "ref", status, "x", "evidence", 0.0, 1.0, seconds, ())


def test_summary_per_paper_and_claim(tmp_path):
    outcomes = [outcome("Z.loss.diagonal"), outcome("Z.loss.diagonal.mc", "fail", 2.0),
                outcome("Z.flow.ode"), outcome("S.aug.loss", seconds=3.0)]
    report.write(outcomes, 7.25, tmp_path)
    md = (tmp_path / "report.md").read_text().splitlines()
    head = md[:12]
    assert "**3 of 4 checks passed, 1 failed, in 7.2 s.**" in head
    assert "| \\[Z\\] Zheng et al., NeurIPS 2024 | `Z.loss` | 1 | 1 | 3.0 |" in head
    assert "| \\[S\\] Sander et al., ICML 2024 | `S.aug` | 1 | 0 | 3.0 |" in head
    assert "Failed: `Z.loss.diagonal.mc`" in md
    assert len(md[:md.index("## Checks")]) <= 40  # one screen
    payload = json.loads((tmp_path / "report.json").read_text())
    assert {"total_seconds", "passed", "failed", "checks", "schema_version", "mesaverify", "sympy"} <= set(payload)
    assert set(payload["checks"][0]) == {"id", "claim", "reference", "status", "latex", "equation", "evidence",
                                         "max_error", "tolerance", "seconds", "notes", "cases"}
