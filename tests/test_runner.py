"""verify on several processes: the same outcomes, in the same order, as on one."""
from __future__ import annotations

import json

import pytest

from mesaverify.checks.core.registry import all_checks, select
from mesaverify.cli import main
from mesaverify.runner import groups


def _report(path):
    payload = json.loads(path.read_text())
    for c in payload["checks"]:
        c.pop("seconds")
    payload.pop("total_seconds")
    payload.pop("created_utc")  # when it ran: the one other field two runs of the same code differ in
    return payload


@pytest.mark.slow
def test_jobs_do_not_change_the_report(tmp_path, capsys):
    for jobs in (1, 2):
        assert main(["verify", "--only", "Z.loss", "--jobs", str(jobs), "--out", str(tmp_path / str(jobs))]) == 0
    table = [line.split()[:2] for line in capsys.readouterr().out.splitlines() if line.startswith("Z.")]
    assert table[:3] == table[3:]  # the printed table: same rows, same order
    assert _report(tmp_path / "1" / "report.json") == _report(tmp_path / "2" / "report.json")


def test_groups_keep_a_claim_together_costliest_first():
    checks = list(select(all_checks(), only="Z.").values())
    costs = {c.id: 10.0 if c.id.startswith("Z.flow") else 0.1 for c in checks}
    out = groups(checks, costs)
    assert out[0] == [c.id for c in checks if c.id.startswith("Z.flow.")]
    assert sorted(i for g in out for i in g) == sorted(c.id for c in checks)


def test_checks_that_share_derivations_run_in_one_group():
    checks = list(all_checks().values())
    out = groups(checks, {})
    where = {i: n for n, g in enumerate(out) for i in g}
    for name in ("orthogonal", "unitary"):
        assert len({where[c.id] for c in checks if c.id.startswith(("S.nonaug." + name, "S.official." + name))}) == 1
    assert where["S.nonaug.orthogonal.loss"] != where["S.nonaug.unitary.loss"]
