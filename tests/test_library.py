"""One engine behind every door: the library and the command line give the same answer, through the same function,
and every public name of the library resolves."""
import json

import pytest
import sympy as sp

import mesaverify as mv
from mesaverify.errors import BeyondEngine, OutsideHypotheses, UsageError
from tests.clirun import cli


def test_every_public_name_resolves():
    for name in mv.__all__:
        assert getattr(mv, name) is not None, name
    namespace: dict = {}
    exec("from mesaverify import *", namespace)  # the star import a notebook uses
    assert set(mv.__all__) - {"__version__"} <= set(namespace)


LAWS = [(["--law", "gaussian", "--sigma", "1/2", "--d", "1000000"], lambda: mv.laws.gaussian(d=10**6, sigma="1/2")),
        (["--law", "sparse", "--c", "2", "--d", "3"], lambda: mv.laws.sparse(d=3, c=2)),
        (["--law", "discrete", "--support", '[[1,0],[0,"1/3"]]', "--probs", '["1/3","2/3"]'],
         lambda: mv.laws.discrete([[1, 0], [0, "1/3"]], ["1/3", "2/3"]))]


@pytest.mark.parametrize("argv, law", LAWS, ids=["gaussian-d1e6", "sparse", "discrete"])
def test_fixed_point_is_the_library_function(argv, law):
    out = json.loads(cli("fixed-point", *argv, "--T", "100", "--json").stdout)["result"]
    found = mv.zheng.fixed_point(law(), T=100)
    assert out["family"] == found["family"] and out["hypothesis"] == found["hypothesis"]
    if found["family"] == "diagonal":
        assert sp.S(out["ab"]) == found["ab"] == mv.zheng.limit(law(), T=100)
    else:
        assert [sp.S(v) for v in out["limits"]] == list(found["limits"])


def test_the_library_refuses_what_the_command_line_refuses():
    with pytest.raises(OutsideHypotheses, match="Assumption 4.1"):
        mv.zheng.limit(mv.laws.ones(d=2), T=5)
    assert cli("fixed-point", "--law", "ones", "--d", "2", "--T", "5").returncode == 3
    with pytest.raises(BeyondEngine, match="not exchangeable"):
        mv.zheng.fixed_point(mv.laws.discrete([list(range(1, 66))], [1]), T=10)


def test_sander_is_the_library_function(tmp_path):
    params = {"A": [["1/2", 0], [0, 1]], "B": [[1, "1e-30"], [0, 1]], "p": [0, "1/3", 1]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(params))
    out = json.loads(cli("sander-loss", "--setting", "unitary", "--T", "3", "--params", path, "--json").stdout)
    assert sp.S(out["result"]["loss"]) == mv.sander.loss("unitary", T=3, **params)
    got = json.loads(cli("sander-minima", "--setting", "orthogonal", "--d", "4", "--H", "1", "--T", "6", "--json").stdout)
    found = mv.sander.minimum("orthogonal", d=4, H=1, T=6)
    assert sp.S(got["result"]["minimum"]) == found["minimum"]
    assert got["result"]["minimiser"]["p"] == [str(v) for v in found["minimiser"]["p"]]


@pytest.mark.parametrize("call, fragment", [
    (lambda: mv.sander.loss("unitary", A=[["1+I", 0]], B=[[1, 0]], p=[0, 0, 1], T=3), "not real"),
    (lambda: mv.sander.loss("unitary", A=[[1, 0]], B=[[1, 0]], p=[0, "2*I", 1], T=3), "not real"),
    (lambda: mv.sander.loss("unitary", A=[[1, 0]], B=[[1, 0]], p=[0, 1], T=3), "length T = 3"),
    (lambda: mv.sander.loss("augmented", A=[[1]], B=[[1]], p=[1, 1, 1], T=3), "no positional weights"),
    (lambda: mv.sander.minimum("augmented", d=2, T=5, H=7), "no heads"),
    (lambda: mv.sander.minimum("orthogonal", d=3, T=5), "even d"),
    (lambda: mv.sander.loss("unitary", A=[[True, 0]], B=[[1, 0]], p=[0, 0, 1], T=3), "boolean"),
])
def test_sander_refuses_nonsense_in_one_line(call, fragment):
    with pytest.raises(UsageError, match=fragment):
        call()


def test_inapplicable_heads_refused_on_the_command_line():
    proc = cli("sander-minima", "--setting", "augmented", "--d", "2", "--H", "7", "--T", "5")
    assert proc.returncode == 2 and "--H applies only" in proc.stderr


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_version_and_help_import_no_sympy_scipy_or_numpy(argv):
    import subprocess
    import sys

    code = ("import sys\nfrom mesaverify.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'scipy', 'numpy', 'matplotlib') if m in sys.modules))") % (argv,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_subcommand_is_in_the_table_and_registers_its_summary():
    from mesaverify.cli import build_parser, subcommands
    from mesaverify.commands import COMMANDS

    full = subcommands(build_parser())
    assert list(full) == list(COMMANDS)
    stubs = subcommands(build_parser(None))
    assert list(stubs) == list(COMMANDS)
    for name in COMMANDS:
        alone = subcommands(build_parser(name))
        assert alone[name].format_help() == full[name].format_help()


@pytest.mark.parametrize("d", [2.5, True, 0, -1, "3", None])
def test_a_dimension_is_an_integer_of_one_or_more(d):
    from mesaverify.derivations.moments import InvalidLaw

    with pytest.raises(InvalidLaw, match="integer >= 1"):
        mv.laws.gaussian(d=d)
    if d is not None:
        with pytest.raises(InvalidLaw, match="integer >= 1"):
            mv.laws.symbolic(d=d)


def test_numpy_and_sympy_numbers_are_taken_as_they_are():
    import numpy as np

    law = mv.laws.gaussian(d=2, sigma="1/2")
    assert mv.zheng.limit(mv.laws.gaussian(d=sp.Integer(2), sigma=np.float64(0.5)), T=10) == mv.zheng.limit(law, T=10)
    assert mv.zheng.limit(mv.laws.gaussian(d=np.int64(2), sigma=0.5), T=10) == mv.zheng.limit(law, T=10)


SIMULATE = ["simulate", "--law", "gaussian", "--d", "2", "--T", "5", "--m", "20", "--test-m", "5", "--lr", "0.01",
            "--epochs", "2"]


@pytest.mark.parametrize("argv, fragment", [
    (["fixed-point", "--law", "gaussian", "--law", "ones", "--d", "2", "--T", "5"], "--law given more than once"),
    (["fixed-point", "--law", "gaussian", "--d", "2", "--d=3", "--T", "5"], "--d given more than once"),
    ([*SIMULATE, "--init-std", "2"], "--init-std applies only with --init gaussian"),
    ([*SIMULATE, "--init", "gaussian", "--a0", "1"], "--a0 and --b0 apply only with --init diagonal"),
    ([*SIMULATE, "--b0", "1e-400"], "below the range of a float"),
])
def test_repeated_or_inapplicable_options_are_refused(argv, fragment):
    proc = cli(*argv)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and fragment in lines[0], proc.stderr


def test_sander_takes_a_numpy_float_by_its_value():
    import numpy as np

    args = dict(A=[[1, 0]], B=[[1, 0]], T=3)
    assert mv.sander.loss("unitary", p=[0, 0, np.float64(0.5)], **args) == mv.sander.loss("unitary", p=[0, 0, "1/2"], **args)
