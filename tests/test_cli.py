"""The command line as a researcher uses it: exact answers, one-line errors with exit code 2."""
import json
import subprocess
import sys

import pytest
import sympy as sp

from checks.cli import main
from derivations.moments import RealGaussian, Sparse, Discrete
from derivations.zheng.stationary import ab_limit


def run(*args):
    return subprocess.run([sys.executable, "-m", "checks.cli", *args], capture_output=True, text=True)


def test_fixed_point_json_is_the_exact_limit(capsys):
    assert main(["fixed-point", "--law", "gaussian", "--sigma", "1/2", "--d", "5", "--T", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = ab_limit(RealGaussian(5, sp.Rational(1, 2)), 5, 100)
    assert sp.sympify(out["ab"]) == expected
    assert out["ab_float"] == pytest.approx(float(expected), rel=1e-15)


def test_fixed_point_sparse_and_discrete(capsys):
    assert main(["fixed-point", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7", "--json"]) == 0
    assert sp.sympify(json.loads(capsys.readouterr().out)["ab"]) == ab_limit(Sparse(3, 2), 3, 7)
    args = ["fixed-point", "--law", "discrete", "--support", '[[1, 0], [0, "1/3"]]',
            "--probs", '["1/3", "2/3"]', "--T", "10", "--json"]
    assert main(args) == 0
    law = Discrete(((1, 0), (0, sp.Rational(1, 3))), (sp.Rational(1, 3), sp.Rational(2, 3)))
    assert sp.sympify(json.loads(capsys.readouterr().out)["ab"]) == ab_limit(law, 2, 10)


@pytest.mark.parametrize("args,fragment", [
    (["--law", "gaussian", "--d", "0", "--T", "10"], "dimension"),
    (["--law", "gaussian", "--d", "2", "--T", "2"], "horizon"),
    (["--law", "gaussian", "--sigma", "-1", "--d", "2", "--T", "5"], "sigma"),
    (["--law", "gaussian", "--sigma", "0", "--d", "2", "--T", "5"], "sigma"),
    (["--law", "nope", "--d", "2", "--T", "5"], "invalid choice"),
    (["--law", "discrete", "--support", "[[1,0],[0,1]]", "--probs", "[0.5,0.6]", "--T", "5"], "sum to"),
    (["--law", "discrete", "--support", "[[1,0],[0]]", "--probs", "[0.5,0.5]", "--T", "5"], "dimension"),
    (["--law", "discrete", "--support", "[[1,0]]", "--probs", "[1]", "--d", "3", "--T", "5"], "dimension"),
    (["--law", "discrete", "--support", "[[1,0]", "--probs", "[1]", "--T", "5"], "JSON"),
    (["--law", "discrete", "--support", "[[1,0],[0,1]]", "--probs", "[-1,2]", "--T", "5"], "non-negative"),
    (["--law", "sparse", "--c", "abc", "--d", "2", "--T", "5"], "number"),
])
def test_bad_input_is_one_line_exit_2(args, fragment):
    proc = run("fixed-point", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_assumption_json(capsys):
    assert main(["assumption", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["assumption_4_1"] and out["assumption_4_2"]
    assert sp.sympify(out["ab"]) == sp.Rational(1, 4) and sp.sympify(out["test_error_limit"]) == 0
    assert main(["assumption", "--law", "ones", "--d", "2", "--T", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not out["assumption_4_1"] and out["violations"]


def test_assumption_bad_input():
    proc = run("assumption", "--law", "gaussian", "--d", "2", "--T", "1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
