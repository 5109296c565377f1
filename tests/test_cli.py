"""The command line as a researcher uses it: exact answers, one-line errors with exit code 2."""
import json
import subprocess
import sys

import pytest
import sympy as sp

from mesaverify.cli import main
from mesaverify.derivations.moments import Discrete, RealGaussian, Sparse
from mesaverify.derivations.zheng.loss import per_coordinate_loss
from mesaverify.derivations.zheng.stationary import ab_limit
from mesaverify.derivations.zheng.symbols import a_k, b_k, u
from tests.clirun import cli


@pytest.mark.parametrize("args", [
    ["fixed-point", "--law", "gaussian", "--d", "0", "--T", "10"],
    ["fixed-point", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7", "--json"],
    ["assumption", "--law", "ones", "--d", "2", "--T", "5"],
])
def test_the_entry_point_answers_as_main_in_this_process(args):
    """The tests run the command line in their own process (tests/clirun.py); the interpreter's entry point gives
    the same exit code, stdout and stderr."""
    proc = subprocess.run([sys.executable, "-m", "mesaverify.cli", *args], capture_output=True, text=True)
    here = cli(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (here.returncode, here.stdout, here.stderr)


def test_fixed_point_json_is_the_exact_limit(capsys):
    assert main(["fixed-point", "--law", "gaussian", "--sigma", "1/2", "--d", "5", "--T", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["result"]
    expected = ab_limit(RealGaussian(5, sp.Rational(1, 2)), 5, 100)
    assert sp.sympify(out["ab"]) == expected
    assert out["ab_float"] == pytest.approx(float(expected), rel=1e-15)


def test_fixed_point_sparse_and_discrete(capsys):
    assert main(["fixed-point", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7", "--json"]) == 0
    assert sp.sympify(json.loads(capsys.readouterr().out)["result"]["ab"]) == ab_limit(Sparse(3, 2), 3, 7)
    args = ["fixed-point", "--law", "discrete", "--support", '[[1, 0], [0, "1/3"]]',
            "--probs", '["1/3", "2/3"]', "--T", "10", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)["result"]
    law = Discrete(((1, 0), (0, sp.Rational(1, 3))), (sp.Rational(1, 3), sp.Rational(2, 3)))
    assert out["family"] == "per-coordinate" and out["ab"] is None
    assert [sp.Rational(v) for v in out["limits"]] == per_coordinate_minimisers(law, 10)


def per_coordinate_minimisers(law, horizon):
    """The minimiser of each coordinate's part of the per-coordinate loss (the sum over coordinate assignments of
    derivations.zheng.loss), which must be a sum of quadratics in u_k = a_k b_k, one per coordinate."""
    loss = per_coordinate_loss(law, law.d, horizon)
    out = []
    for k in range(law.d):
        part = sp.expand(loss - loss.subs({a_k[k]: 0, b_k[k]: 0}))  # the terms holding a_k or b_k
        reduced = sp.expand(part.subs(a_k[k], u / b_k[k]))
        assert reduced.free_symbols == {u}, "a sum of one quadratic in a_k b_k per coordinate"
        alpha, beta, _ = sp.Poly(reduced, u).all_coeffs()
        out.append(-beta / (2 * alpha))
    return out


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
    proc = cli("fixed-point", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_assumption_json(capsys):
    assert main(["assumption", "--law", "sparse", "--c", "2", "--d", "3", "--T", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["result"]
    assert out["assumption_4_1"] and out["assumption_4_2"]
    assert sp.sympify(out["ab"]) == sp.Rational(1, 4) and sp.sympify(out["test_error_limit"]) == 0
    assert main(["assumption", "--law", "ones", "--d", "2", "--T", "5", "--json"]) == 3  # outside: printed, exit 3
    printed = capsys.readouterr()
    out = json.loads(printed.out)["result"]
    assert not out["assumption_4_1"] and out["violations"] and out["ab"] is None and "Assumption 4.1" in out["not_applicable"]["ab"]
    assert "m_{1|0,1|2}" in printed.err and "outside the hypotheses" in printed.err


def test_assumption_bad_input():
    proc = cli("assumption", "--law", "gaussian", "--d", "2", "--T", "1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def _moment_vector(law):
    """The moments m2, m4, m6, m24 of a law and the mixed ones of Assumption 4.1 (d = 2), as the moments law
    reads them."""
    return json.dumps({"m2": str(law.moment({0: (1, 1)})), "m4": str(law.moment({0: (2, 2)})),
                       "m6": str(law.moment({0: (3, 3)})), "m24": str(law.moment({0: (1, 1), 1: (2, 2)})),
                       "m_{1|0,1|2}": str(law.moment({0: (1, 0), 1: (1, 2)})),
                       "m_{1|0,2|3}": str(law.moment({0: (1, 0), 1: (2, 3)})),
                       "m_{1|2,2|1}": str(law.moment({0: (1, 2), 1: (2, 1)}))})


def test_moments_law_gives_the_limit_of_any_law_with_those_moments(capsys):
    """A law given by its moment vector: the exact limit is that of a law with the same moments (exchangeable,
    the signs of the coordinates independent and symmetric: Assumption 4.1 holds)."""
    points = [(s * p, r * q) for p, q in ((1, 2), (2, 1)) for s in (1, -1) for r in (1, -1)]
    law = Discrete(tuple(points), (sp.Rational(1, 8),) * 8)
    args = ["fixed-point", "--law", "moments", "--moments", _moment_vector(law), "--d", "2", "--T", "9", "--json"]
    assert main(args) == 0
    assert sp.sympify(json.loads(capsys.readouterr().out)["result"]["ab"]) == ab_limit(law, 2, 9)


@pytest.mark.parametrize("vector,fragment", [
    ({"m2": 2, "m4": 3, "m6": 15, "m24": 3}, "E|x|⁴ = 3 < (E|x|²)² = 4"),  # Jensen / [[1, m2], [m2, m4]]
    ({"m2": 1, "m4": 2, "m6": 3, "m24": 1}, "[[m2, m4], [m4, m6]]"),  # Cauchy–Schwarz: m2 m6 < m4²
    ({"m2": 1, "m4": 3, "m6": 15, "m24": 16}, "Hölder"),  # E|x_k|²|x_j|⁴ > E|x|⁶
    ({"m2": 1, "m4": -3, "m6": 15, "m24": 3}, "real and >= 0"),
    ({"m2": 0, "m4": 0, "m6": 0, "m24": 0}, "m_{2} = E|x_k|² > 0"),
    # every moment the derivation and the check of Assumption 4.1 lack
    ({"m2": 1, "m4": 3}, "the moments m_{6}, m_{1|0,1|2}, m_{1|0,2|3}, m_{2,4}, m_{1|2,2|1}, m_{1|0,2,1|2} are needed"),
    ({"m2": 1, "mx": 3}, "not a moment name"),
])
def test_moment_vectors_no_law_has_are_refused(vector, fragment):
    out = cli("fixed-point", "--law", "moments", "--moments", json.dumps(vector), "--d", "3", "--T", "5")
    assert out.returncode == 2
    assert fragment in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_moments_law_cannot_be_sampled():
    out = cli("simulate", "--law", "moments", "--moments", '{"m2": 1, "m4": 3, "m6": 15, "m24": 3}', "--d", "2",
              "--T", "5", "--m", "10", "--a0", "1", "--b0", "1", "--lr", "0.01", "--epochs", "1")
    assert out.returncode == 2 and "cannot be sampled" in out.stderr and "Traceback" not in out.stderr
