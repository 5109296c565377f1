"""`mesaverify bench`: ratios side by side, budgets reported but never failed, growth exponents, the machine row."""
import json
import math
import time

import pytest

from mesaverify import bench, benchjobs


def _sleep(seconds):
    return lambda _=None: time.sleep(seconds) or seconds


def test_a_missed_budget_is_reported_and_a_missed_ratio_or_a_disagreement_fails(tmp_path, capsys):
    fast_ref = bench.Benchmark("ratio met, over budget", lambda: None, _sleep(0.01), _sleep(0.05),
                               lambda o, r: (0.0, 0.0), repeats=1, target=2.0, budget_s=0.001)
    budget = bench.Budget("over budget", lambda: (0.02, "measured"), 0.01)
    rows = bench.run([fast_ref, budget], out=tmp_path / "bench.json")
    assert [r["within_budget"] for r in rows] == [False, False]
    assert bench.exit_code(rows) == 0
    assert "OVER BUDGET" in capsys.readouterr().out
    assert json.loads((tmp_path / "bench.json").read_text())["benchmarks"][1]["budget_s"] == 0.01
    slow = bench.Benchmark("ratio missed", lambda: None, _sleep(0.05), _sleep(0.01), lambda o, r: (0.0, 0.0),
                           repeats=1, target=2.0)
    wrong = bench.Benchmark("disagrees", lambda: None, _sleep(0), _sleep(0), lambda o, r: (1.0, 0.0), repeats=1)
    for row in (slow, wrong):
        assert bench.exit_code(bench.run([row], out=tmp_path / "b.json")) == 1


def test_a_scaling_reports_its_growth_exponent(tmp_path):
    grow = bench.Scaling("quadratic", (1, 2, 4), lambda n: time.sleep(0.02 * n * n))
    (row,) = bench.run([grow], out=tmp_path / "bench.json")
    assert row["sizes"] == [1, 2, 4] and len(row["seconds"]) == 3
    assert 1.5 < row["growth_exponent"] < 2.5  # sleep overheads only lengthen the small sizes
    assert bench.exit_code([row]) == 0


def test_the_epoch_against_the_machine_is_a_fraction_of_the_gemm_limit():
    row = benchjobs.machine_fraction(epoch_s=10.0, d=2, T=10, m=200)
    assert row["limit_s"] == pytest.approx(row["epoch_gflop"] / row["gemm_gflops"])
    assert row["fraction_of_machine"] == pytest.approx(row["limit_s"] / 10.0)
    assert math.isfinite(row["gemm_gflops"]) and row["gemm_gflops"] > 0.01
    # the count: 3 passes of (2d)^2 + d^2 + 2d^2 complex multiply-adds per sequence and position, 8 flops each
    assert benchjobs.epoch_flops(2, 10, 200) == 8 * 3 * (16 + 4 + 8) * 200 * 8


def test_verify_with_one_or_two_processes_writes_the_same_report():
    one = benchjobs._command("verify", "--only", "Z.thm4_1", "--jobs", "1")[1]
    two = benchjobs._command("verify", "--only", "Z.thm4_1", "--jobs", "2")[1]
    assert len(one["checks"]) >= 2
    assert benchjobs.same_reports(two, one) == (0.0, 0.0)
    two["checks"][0]["max_error"] *= 2
    assert benchjobs.same_reports(two, one)[0] > 0
