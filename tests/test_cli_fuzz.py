"""Hypothesis against the command line itself: arbitrary text, JSON values and nesting in every numeric option
and parameter file.  Whatever the input, the exit code is 0, 1, 2 or 3, stderr holds no traceback (one line
when the run fails, never an internal error), --json output parses strictly, each run ends within a bound,
and a canary hidden in a number (__import__, open, eval, exec, attribute access, lambda) never runs."""
import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mesaverify.checks.core.laws import LAW_NAMES
from tests.clirun import cli
from tests.strategies import budget

pytestmark = pytest.mark.fuzz

CANARY = Path(tempfile.mkdtemp(prefix="mesaverify-canary-"))
MARKER = CANARY / "MARKER"
PARAMS = CANARY / "params.json"
BOUND = timedelta(seconds=60)  # per example: generous on a shared machine (a cold cache), yet a hang fails it
PAYLOADS = (f"__import__('os').system('touch {MARKER}')", f"open('{MARKER}', 'w')", f"eval(\"open('{MARKER}','w')\")",
            f"exec(\"open('{MARKER}','w')\")", f"(lambda: open('{MARKER}', 'w'))()", "().__class__.__base__",
            f"1/2 + __import__('pathlib').Path('{MARKER}').touch()")
SPECIAL = ("nan", "NaN", "inf", "-Infinity", "oo", "zoo", "x", "Symbol('s')", "1e999999", "1e-1000", "2**64", "1/0",
           "I", "1+2*I", "-I/3", "0", "-1", "1e5000", "9" * 1001, "", " ", "[1]", "null", "true")

number_texts = st.one_of(
    st.sampled_from(PAYLOADS), st.sampled_from(SPECIAL), st.text(max_size=12),
    st.fractions(max_denominator=40).map(str), st.floats().map(repr),
    st.from_regex(r"\A[-+]?[0-9]{1,3}(\.[0-9]{0,3})?([eE][-+]?[0-9]{1,4})?(/[0-9]{1,3})?\Z"),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.integers(), st.fractions(max_denominator=9).map(float),
                         st.floats(), number_texts)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
small_rows = st.lists(st.lists(json_scalars, min_size=1, max_size=2), min_size=1, max_size=2)
json_texts = st.one_of(
    json_values.map(lambda v: json.dumps(v, allow_nan=True)), small_rows.map(lambda v: json.dumps(v, allow_nan=True)),
    st.text(max_size=20), st.integers(1, 50000).map(lambda n: "[" * n + "1" + "]" * n),
)
# mostly well-formed numbers, now and then anything: runs that answer as well as runs that refuse
good_numbers = st.one_of(st.integers(-3, 3), st.fractions(min_value=-3, max_value=3, max_denominator=6).map(str),
                         st.sampled_from(["1/2", "0.25", "1e-3", "1+I", "-I/2", "2"]))
entries = st.one_of(*[good_numbers] * 6, json_scalars)
positive = st.one_of(*[st.fractions(min_value=0, max_value=4, max_denominator=6).map(str)] * 4, number_texts)


def rows_of(rows: int, cols: int):
    """A rows×cols JSON matrix of mostly well-formed entries."""
    return st.lists(st.lists(entries, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@st.composite
def discrete_options(draw):
    """--support and --probs: a small law, now and then with an arbitrary entry, or arbitrary JSON text."""
    dim, size = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    support = json.dumps(draw(rows_of(size, dim)), allow_nan=True)
    probs = json.dumps([f"1/{size}"] * size if draw(st.booleans()) else draw(st.lists(entries, min_size=size,
                                                                                        max_size=size)))
    support, probs = draw(st.sampled_from([(support, probs), (draw(json_texts), probs), (support, draw(json_texts))]))
    return ["--law", "discrete", "--support", support, "--probs", probs]


MOMENT_NAMES = ("m2", "m4", "m6", "m8", "m24", "m22", "m_{2,4}", "m_{1|0,1|2}", "P0")
moment_vectors = st.one_of(
    st.dictionaries(st.sampled_from(MOMENT_NAMES) | st.text(max_size=6), json_scalars, max_size=6)
    .map(lambda v: json.dumps(v, allow_nan=True)),
    st.fixed_dictionaries({"m2": st.just(1), "m4": st.just(3), "m6": st.just(15), "m24": st.just(3),
                           # the moments of Assumption 4.1's identities (d ≤ 2), without which no limit is given
                           "m_{1|0,1|2}": st.just(0), "m_{1|0,2|3}": st.just(0), "m_{1|2,2|1}": st.just(0)},
                          optional={"P0": json_scalars, "m_{2,4}": json_scalars}).map(lambda v: json.dumps(v, allow_nan=True)),
    json_texts,
)
law_options = st.one_of(
    st.tuples(st.sampled_from(["gaussian", "complex-gaussian"]), positive).map(lambda t: ["--law", t[0], "--sigma", t[1]]),
    positive.map(lambda c: ["--law", "sparse", "--c", c]),
    st.sampled_from(["ones", "rademacher", "phase"]).map(lambda name: ["--law", name]),
    discrete_options(), moment_vectors.map(lambda v: ["--law", "moments", "--moments", v]),
    st.tuples(st.sampled_from(LAW_NAMES), st.sampled_from(["--sigma", "--c", "--support", "--probs", "--moments"]),
              number_texts | json_texts).map(lambda t: ["--law", t[0], t[1], t[2]]),
)


def run(argv: list) -> tuple[int, str, str]:
    """The command line in this process: (exit code, stdout, stderr), with the properties every run has."""
    proc = cli(*argv)
    code, out, err = proc.returncode, proc.stdout, proc.stderr
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code:
        assert len(err.strip().splitlines()) == 1, err
    if code == 0 and "--json" in argv:
        json.loads(out, parse_constant=lambda c: pytest.fail(f"non-finite {c} in --json output"))
    assert not MARKER.exists(), f"code in {argv} ran"
    event(f"exit {code}")
    return code, out, err


FUZZ = dict(deadline=BOUND, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=budget(0.1), **FUZZ)
@given(command=st.sampled_from(["fixed-point", "assumption"]), law=law_options, d=st.integers(1, 2),
       T=st.integers(3, 5), as_json=st.booleans())
def test_law_options(command, law, d, T, as_json):
    """Every law option with arbitrary text and JSON: an answer or one line, never code."""
    argv = [command, *law, "--T", T] + (["--d", d] if "discrete" not in law else []) + (["--json"] if as_json else [])
    run(argv)


params_keys = st.sampled_from(["A", "B", "P", "p", "law", "Law", "x"])


@st.composite
def parameter_files(draw, setting: str, horizon: int):
    """A parameter file for the setting (matrices at most 2×2), mostly well-formed: now and then an arbitrary
    entry, a key replaced or added, arbitrary JSON or bytes."""
    dim = 2 if setting == "orthogonal" else draw(st.integers(1, 2))
    heads = dim if setting == "augmented" else draw(st.integers(1, 2))
    data = {"A": draw(rows_of(heads, dim)), "B": draw(rows_of(heads, dim))}
    if setting == "augmented":
        law = st.sampled_from(["ones", "phase"]) | st.fixed_dictionaries(
            {"support": rows_of(1, dim), "probs": st.lists(entries, min_size=1, max_size=1)})
        data |= draw(st.fixed_dictionaries({}, optional={"P": st.sampled_from([[[1, 0], [0, 1]], [[0, "I"], [1, 0]]])
                                                         if dim == 2 else st.just([["-1"]]), "law": law}))
    else:
        data["p"] = draw(st.lists(entries, min_size=horizon, max_size=horizon))
    data |= draw(st.one_of(*[st.just({})] * 4, st.dictionaries(params_keys, json_values, max_size=1)))
    text = json.dumps(data, allow_nan=True)
    return draw(st.sampled_from([text, text, text, draw(json_texts), draw(st.binary(max_size=40))]))


@settings(max_examples=budget(0.1), **FUZZ)
@given(setting=st.sampled_from(["augmented", "unitary", "orthogonal"]), T=st.integers(3, 4), as_json=st.booleans(),
       data=st.data())
def test_parameter_files(setting, T, as_json, data):
    """sander-loss with an arbitrary parameter file (at most 2×2 matrices): an answer or one line, never code."""
    content = data.draw(parameter_files(setting, T))
    if isinstance(content, bytes):
        PARAMS.write_bytes(content)
    else:
        PARAMS.write_text(content)
    run(["sander-loss", "--setting", setting, "--T", T, "--params", PARAMS] + (["--json"] if as_json else []))


@settings(max_examples=budget(0.1), **FUZZ)
@given(option=st.sampled_from(["--lr", "--a0", "--b0", "--init-std", "--seed", "--epochs"]), value=number_texts,
       as_json=st.booleans())
def test_simulate_options(option, value, as_json):
    """simulate's numbers (small runs): trained, refused, or a failed run in one line."""
    base = ["simulate", "--law", "sparse", "--d", "2", "--T", "4", "--m", "10", "--test-m", "3", "--lr", "0.01",
            "--epochs", "2"]
    if option == "--epochs":
        value = value if len(value) < 3 else "2"  # the number of epochs is a size, not a value to fuzz at length
    run(base + [f"{option}={value}"] + (["--json"] if as_json else []))
