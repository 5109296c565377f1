"""A regression corpus of hostile but honest input, every subcommand: each gives one line and its exit code
(2 malformed input, 1 a failed run — output closed or full included —, 130 interrupted), never a traceback; code
hidden in a number never runs; --json output is strict JSON."""
import json
import os
import subprocess
import sys

import pytest
import sympy as sp

from mesaverify import jsonio
from mesaverify.cli import main
from mesaverify.derivations.moments import RealGaussian
from mesaverify.derivations.zheng.stationary import ab_limit
from tests.clirun import cli

FIXED = ["fixed-point", "--d", "2", "--T", "5"]
SIM = ["simulate", "--law", "gaussian", "--d", "2", "--T", "5", "--m", "20", "--test-m", "5", "--lr", "0.01",
       "--epochs", "2"]


def run(*argv):
    """(exit code, stdout, stderr) of the command line run in this process (tests/clirun.py)."""
    proc = cli(*argv)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def strict(text):
    """--json output parsed strictly (NaN/Infinity raise)."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-finite {c} in --json output"))


def refused(*argv, code=2, fragment=""):
    """The command fails with `code` and one line on stderr holding `fragment`."""
    got, _, err = run(*argv)
    lines = err.strip().splitlines()
    assert got == code and len(lines) == 1 and fragment in lines[0], (got, err)
    return lines[0]


def params(tmp_path, data, name="p.json"):
    """A parameter file holding `data` (text as is, anything else as JSON)."""
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# ---------------------------------------------------------------- code in a number never runs
PAYLOADS = ("__import__('os').system('touch {m}')+1/2", "open('{m}', 'w') and 1", "exec(\"open('{m}','w')\")",
            "eval(\"open('{m}','w')\")", "(lambda: open('{m}', 'w'))()", "().__class__.__base__", "1/2+x")


def injection_cases(payload):
    """Every place a number is read, each holding the payload."""
    q = json.dumps(payload)
    return [
        [*FIXED, "--law", "gaussian", "--sigma", payload], [*FIXED, "--law", "sparse", "--c", payload],
        [*FIXED, "--law", "ones", "--c", payload],
        ["fixed-point", "--T", "5", "--law", "discrete", "--support", f"[[1, {q}]]", "--probs", "[1]"],
        ["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[1], [2]]", "--probs", f"[{q}, 0.5]"],
        [*FIXED, "--law", "moments", "--moments", f'{{"m2": 1, "m4": {q}, "m6": 15, "m24": 3}}'],
        [*FIXED, "--law", "moments", "--moments", f'{{"m2": 1, "m4": 3, "m6": 15, "m24": 3, "P0": {q}}}'],
        ["assumption", "--d", "2", "--T", "5", "--law", "gaussian", "--sigma", payload],
        ["derive", "Z.thm4_1.limit", "--law", "sparse", "--d", "2", "--c", payload],
        *[[*SIM, f"--{opt}", payload] for opt in ("lr", "a0", "b0", "init-std")],
    ]


def param_files(payload):
    """Every entry of a sander-loss parameter file, each holding the payload: (setting, data)."""
    one = [["1", "0"], ["0", "1"]]
    return [("augmented", {"A": [[payload, 0], [0, 1]], "B": one}), ("augmented", {"A": one, "B": [[1, payload], [0, 1]]}),
            ("augmented", {"A": one, "B": one, "P": [[payload, 0], [0, 1]]}),
            ("augmented", {"A": one, "B": one, "law": {"support": [[payload, 1]], "probs": [1]}}),
            ("augmented", {"A": one, "B": one, "law": {"support": [[1, 1]], "probs": [payload]}}),
            ("unitary", {"A": [[payload, 0]], "B": [[1, 0]], "p": [0, 0, 1]}),
            ("unitary", {"A": [[1, 0]], "B": [[1, 0]], "p": [0, payload, 1]})]


@pytest.mark.parametrize("template", PAYLOADS)
def test_code_in_a_number_never_runs(tmp_path, template):
    marker = tmp_path / "MARKER"
    payload = template.format(m=marker)
    for argv in injection_cases(payload):
        refused(*argv)
        assert not marker.exists(), argv
    for setting, data in param_files(payload):
        refused("sander-loss", "--setting", setting, "--T", "3", "--params", params(tmp_path, data))
        assert not marker.exists(), data


# ---------------------------------------------------------------- numbers of every shape
@pytest.mark.parametrize("argv,fragment", [
    ([*FIXED, "--law", "gaussian", "--sigma", "[1]"], "not a number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "nan"], "not a finite number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "oo"], "not a finite number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "zoo"], "not a finite number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "x"], "not a number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "Symbol('s', positive=True)"], "not a number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "2**100000000"], "not a number"),
    ([*FIXED, "--law", "gaussian", "--sigma", "1e999999"], "1000"),
    ([*FIXED, "--law", "gaussian", "--sigma", "1e5000"], "1000"),
    ([*FIXED, "--law", "gaussian", "--sigma", "1+I"], "real"),
    ([*FIXED, "--law", "gaussian", "--sigma", "-1"], "sigma"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[null]]", "--probs", "[1]"], "null"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", '[[{"re": 1}]]', "--probs", "[1]"], "object"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[true]]", "--probs", "[1]"], "boolean"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[NaN]]", "--probs", "[1]"], "NaN"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[Infinity]]", "--probs", "[1]"], "Infinity"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", '[["zoo"]]', "--probs", "[1]"], "finite"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", '[["x"]]', "--probs", "[1]"], "not a number"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[1, 2]", "--probs", "[1]"], "rows"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[" + "9" * 5000 + "]]", "--probs", "[1]"],
     "1000 digits"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[" * 40000 + "]" * 40000, "--probs", "[1]"],
     "nested"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[1], [2]]", "--probs", "[1e-400, 1]"], "sum to"),
    (["fixed-point", "--T", "5", "--law", "discrete", "--support", "[[1], [2]]", "--probs", '{"a": 1}'], "list"),
    ([*FIXED, "--law", "moments", "--moments", '{"m2": null}'], "null"),
    ([*FIXED, "--law", "moments", "--moments", "[1, 2]"], "object"),
    ([*FIXED, "--law", "moments", "--moments", '{"m2": 1, "m2": 2}'], "twice"),
])
def test_malformed_numbers_one_line_exit_2(argv, fragment):
    refused(*argv, fragment=fragment)


def test_tiny_sigma_gives_strict_json_and_the_exact_limit():
    code, out, _ = run(*FIXED, "--law", "gaussian", "--sigma", "1e-400", "--json")
    result = strict(out)["result"]
    assert code == 0 and result["ab_float"] is None  # beyond float range: null, the exact value as text
    assert sp.Rational(result["ab"]) == ab_limit(RealGaussian(2, sp.Rational(1, 10**400)), 2, 5)
    assert float(result["ab_decimal"].split("e+")[1]) == 799


# ---------------------------------------------------------------- moment vectors
@pytest.mark.parametrize("vector,fragment", [
    ({"m2": 1, "m4": 1, "m6": 1, "m24": 1, "P0": "1/2"}, "P0 = 1/2 < m2²/m4 = 1"),  # |x|² = 1 a.s. where ≠ 0
    ({"m2": 1, "m4": 2, "m6": 4, "m8": 8, "m24": 1, "P0": "1/3"}, "[[P0, m2, m4], [m2, m4, m6], [m4, m6, m8]]"),
    ({"m2": 1, "m4": 3, "m6": 15, "m24": 3, "m_{2,4}": 4}, "name the same moment"),
    ({"m2": 1, "m4": 3, "m6": 15, "m24": 3, "P0": 0}, "(0, 1]"),
    ({"m2": 1}, "the moments m_{4}, m_{6}, m_{1|0,1|2}, m_{1|0,2|3}, m_{2,4}, m_{1|2,2|1} are needed"),
    ({"m2": 1, "m_{0}": 2}, "not a moment name"),
    ({"m2": 1, "m_{-2}": 2}, "not a moment name"),
    ({f"m_{{{2 * k}}}": 1 for k in range(1, 40)}, "at most 32"),
])
def test_moment_vectors(vector, fragment):
    refused(*FIXED, "--law", "moments", "--moments", json.dumps(vector), fragment=fragment)


def test_moment_duplicates_that_agree_and_a_possible_atom():
    vector = {"m2": 1, "m4": 3, "m6": 15, "m24": 3, "m_{2,4}": 3, "P0": "1/3",  # P0 = 1/3 = m2²/m4: allowed
              "m_{1|0,1|2}": 0, "m_{1|0,2|3}": 0, "m_{1|2,2|1}": 0}  # and Assumption 4.1 holds
    code, out, _ = run(*FIXED, "--law", "moments", "--moments", json.dumps(vector), "--json")
    assert code == 0 and strict(out)["result"]["ab"]


def test_assumption_names_every_missing_moment():
    line = refused("assumption", "--law", "moments", "--moments", '{"m2": 1, "m4": 3}', "--d", "3", "--T", "5")
    assert all(name in line for name in ("m_{6}", "m_{2,4}", "m_{1|0,1|2}")), line


# ---------------------------------------------------------------- options that do not apply
@pytest.mark.parametrize("argv,fragment", [
    ([*FIXED, "--law", "ones", "--sigma", "2"], "--sigma applies only"),
    ([*FIXED, "--law", "gaussian", "--c", "2"], "--c applies only"),
    ([*FIXED, "--law", "gaussian", "--support", "[[1]]"], "--support applies only"),
    ([*FIXED, "--law", "gaussian", "--probs", "[1]"], "--probs applies only"),
    ([*FIXED, "--law", "sparse", "--moments", '{"m2": 1}'], "--moments applies only"),
    (["derive", "Z.thm4_1.limit", "--sigma", "2"], "no --law"),
    (["latex", "Z.thm4_1.limit", "--all"], "not both"),
    (["latex", "Z.thm4_1.limit", "--pdf"], "--pdf applies only with --all"),
    (["latex", "Z.thm4_1.limit", "--out", "x"], "--out applies only with --all"),
    (["verify", "--out", ""], "must name a directory"),
    ([*SIM, "--seed=-1"], "--seed"),
    (["fixed-point", "--law", "nope", "--d", "2", "--T", "5"], "invalid choice"),
    (["fixed-point", "--law", "gaussian", "--d", "2"], "--T"),
])
def test_inapplicable_or_malformed_options(argv, fragment):
    refused(*argv, fragment=fragment)


def test_a_result_outside_its_hypotheses_is_exit_3():
    """x_1 = (1, 2): the flow leaves both the diagonal and the per-coordinate family."""
    line = refused("derive", "Z.thm4_1.limit", "--law", "discrete", "--support", "[[1, 2]]", "--probs", "[1]",
                   code=3, fragment="Assumption 4.1 fails")
    assert "nor the per-coordinate family" in line

# ---------------------------------------------------------------- parameter files
@pytest.mark.parametrize("data,fragment", [
    ({"A": [[1, 0]], "B": [[1, 0]], "p": [0, 0, 1], "Law": "ones"}, "'Law' is not used"),
    ({"A": [[1, 0]], "B": [[1, 0]], "p": [0, 0, 1], "P": [[1, 0], [0, 1]]}, "the keys are A, B, p"),
    ({"A": [[{"a": 1}, 0]], "B": [[1, 0]], "p": [0, 0, 1]}, "object"),
    ({"A": [["NaN", 0]], "B": [[1, 0]], "p": [0, 0, 1]}, "finite"),
    ({"A": [[1, 0]], "B": [[1, 0]], "p": [0, 1]}, "length T = 3"),
    ({"A": [[1, 0]], "B": [[1, 0]]}, "lacks 'p'"),
    ([1, 2], "JSON object"),
    ('{"A": [[NaN]]}', "NaN"),
    ('{"A": [[1]], "A": [[2]]}', "twice"),
    ("[" * 40000 + "]" * 40000, "nested"),
    ('{"A": [[1, 0]', "not valid JSON"),
])
def test_parameter_files(tmp_path, data, fragment):
    refused("sander-loss", "--setting", "unitary", "--T", "3", "--params", params(tmp_path, data),
            fragment=fragment)


def test_parameter_files_unreadable(tmp_path):
    binary = tmp_path / "b.json"
    binary.write_bytes(bytes(range(256)))
    refused("sander-loss", "--setting", "unitary", "--T", "3", "--params", binary, fragment="UTF-8")
    refused("sander-loss", "--setting", "unitary", "--T", "3", "--params", tmp_path, fragment="cannot read")
    refused("sander-loss", "--setting", "augmented", "--T", "3", "--params",
            params(tmp_path, {"A": [[1]], "B": [[1]], "p": [0, 0, 1]}), fragment="'p' is not used")


# ---------------------------------------------------------------- runs that fail: exit 1
def test_divergence_is_a_failed_run():
    line = refused(*SIM[:-4], "--lr", "50", "--epochs", "100", "--a0", "1", "--b0", "1", code=1)
    assert "epoch" in line and "smaller rate" in line
    line = refused(*SIM, "--a0", "1e300", code=1)
    assert "no step was taken" in line and "smaller rate" not in line


def test_data_without_signal_is_a_failed_run():
    refused(*SIM, "--sigma", "1e400", fragment="too large to simulate")
    refused("simulate", "--law", "discrete", "--support", "[[0], [1]]", "--probs", '["999999/1000000", 1e-6]',
            "--T", "5", "--m", "1", "--lr", "0.01", "--epochs", "1", code=1, fragment="sampled x_1 is 0")


# ---------------------------------------------------------------- output directories and reports
def test_unwritable_output_directories_refused_before_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for argv in (["verify", "--out", blocker / "out"], ["selftest", "--out", blocker / "out"],
                 ["latex", "--all", "--out", blocker / "out"]):
        refused(*argv, fragment="cannot write there")
    assert blocker.read_text() == ""


@pytest.mark.parametrize("report", ['{"checks": [', '{"passed": 1}', '{"checks": [{"id": 1}], "passed": 1}', "[]",
                                    '{"total_seconds": "x", "passed": 1, "failed": 0, "checks": []}'])
def test_odd_report_refused_up_front(tmp_path, report):
    path = params(tmp_path, report, "report.json")
    refused("latex", "--all", "--out", tmp_path / "latex", "--report", path, fragment="--report")
    assert not (tmp_path / "latex" / "derivations.tex").exists()


# ---------------------------------------------------------------- interrupts, memory, the unexpected
def test_interrupt_ends_the_progress_bar_first(capsys, monkeypatch):
    """On a terminal the bar is drawn; an interrupt ends its line before the one-line message."""
    from mesaverify.numerics.zheng import train

    def interrupted(*args, progress=None, **kwargs):
        progress(0, 2, 1.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "train", interrupted)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # pytest's captured stderr, which main writes to here
    code = main([str(a) for a in SIM])
    err = capsys.readouterr().err
    assert "Traceback" not in err and code == 130 and err.endswith("\nmesaverify: interrupted\n") and err.startswith("\r[")


@pytest.mark.parametrize("error,code,fragment", [(MemoryError, 1, "out of memory"),
                                                 (RuntimeError("odd\nstate"), 1, "internal error: RuntimeError: odd state"),
                                                 (RecursionError, 1, "internal error")])
def test_unexpected_failures_one_line(monkeypatch, error, code, fragment):
    from mesaverify import zheng

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(zheng, "fixed_point", fail)
    refused(*FIXED, "--law", "ones", code=code, fragment=fragment)


# ---------------------------------------------------------------- the terminal: subprocesses
def _spawn(*argv, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "mesaverify", *argv], stderr=subprocess.PIPE, **kwargs)


def test_full_disk_one_line_exit_3():
    with open("/dev/full", "w") as full:
        proc = _spawn(*FIXED, "--law", "rademacher", stdout=full)
        err = proc.communicate(timeout=120)[1].decode()
    assert proc.returncode == 1 and len(err.strip().splitlines()) == 1 and "No space left" in err


def test_closed_pipe_one_line_exit_3():
    proc = _spawn("sander-minima", "--setting", "unitary", "--d", "2", "--T", "4", stdout=subprocess.PIPE)
    proc.stdout.close()  # the reader (`| head -c1`) is gone before the first write
    err = proc.communicate(timeout=120)[1].decode()
    assert proc.returncode == 1 and len(err.strip().splitlines()) == 1 and "broken pipe" in err, err


def test_ascii_terminal():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    proc = _spawn(*FIXED, "--law", "gaussian", "--sigma", "1/2", stdout=subprocess.PIPE, env=env)
    out, err = proc.communicate(timeout=120)
    limit = ab_limit(RealGaussian(2, sp.Rational(1, 2)), 2, 5)
    assert proc.returncode == 0 and not err and out.decode("ascii").startswith(f"lim ab = {limit} \\u2248")


def test_json_is_strict_for_every_command(tmp_path):
    runs = [[*FIXED, "--law", "sparse", "--c", "2", "--json"],
            ["assumption", "--law", "rademacher", "--d", "2", "--T", "5", "--json"],
            [*SIM, "--json"], ["sander-minima", "--setting", "orthogonal", "--d", "2", "--T", "4", "--json"],
            ["sander-loss", "--setting", "unitary", "--T", "3", "--json", "--params",
             params(tmp_path, {"A": [[1, 0]], "B": [[1, 0]], "p": [0, 0, "1e-400"]})]]
    for argv in runs:
        code, out, _ = run(*argv)
        assert code == 0 and isinstance(strict(out), dict), argv
    for argv in (["assumption", "--law", "ones", "--d", "2", "--T", "5", "--json"],  # outside the hypotheses
                 [*SIM[:-4], "--lr", "1e3", "--epochs", "2", "--json"]):  # diverges
        code, out, _ = run(*argv)
        assert code in (1, 3) and isinstance(strict(out), dict), argv
    assert jsonio.dumps({"ratio": [float("nan")] * 3}) == '{"ratio": [null, null, null]}'
