"""The number grammar (mesaverify.numbers) and exact JSON (mesaverify.jsonio): what is accepted, exactly, and
what is refused in one line naming the option."""
import json
import threading
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from mesaverify import jsonio, numbers, outputs
from mesaverify.derivations.moments import InvalidLaw, exact
from mesaverify.errors import UsageError
from mesaverify.numbers import MAX_DIGITS, MAX_EXPONENT, ExactComplex

F = Fraction


@pytest.mark.parametrize("text,value", [
    ("3", F(3)), ("-3", F(-3)), (" +7 ", F(7)), ("0.5", F(1, 2)), (".25", F(1, 4)), ("1.", F(1)),
    ("1e-3", F(1, 1000)), ("2.5E+2", F(250)), ("1/3", F(1, 3)), ("-2/6", F(-1, 3)), ("1e-2/3", F(1, 300)),
    ("1e-400", F(1, 10**400)), ("0.1", F(1, 10)),
    ("I", ExactComplex(F(0), F(1))), ("-i", ExactComplex(F(0), F(-1))), ("2*I", ExactComplex(F(0), F(2))),
    ("I/3", ExactComplex(F(0), F(1, 3))), ("-2*I/3", ExactComplex(F(0), F(-2, 3))),
    ("1+2i", ExactComplex(F(1), F(2))), ("1 + 2*i", ExactComplex(F(1), F(2))),
    ("1/2 - 3*I/4", ExactComplex(F(1, 2), F(-3, 4))), ("0.5+0.25*I", ExactComplex(F(1, 2), F(1, 4))),
    ("1 + 0*I", F(1)),
])
def test_accepted_exactly(text, value):
    assert numbers.parse(text, "--x") == value


@pytest.mark.parametrize("text", [
    "", " ", "x", "nan", "NaN", "inf", "-inf", "Infinity", "oo", "-oo", "zoo", "Symbol('s')", "pi", "E",
    "sqrt(2)", "2**10", "1 2", "1+2", "I+I", "*I", "1/0", "I/0", "1e", "0x10", "1_000", "[1]", "{}", "True",
    "None", "lambda: 1", "().__class__", "__import__('os').system('true')", "open('x')", "eval('1')",
    "1;2", "1\n2", "½", "１",
])
def test_refused_in_one_line(text):
    with pytest.raises(UsageError) as err:
        numbers.parse(text, "--sigma")
    message = str(err.value)
    assert message.startswith("--sigma") and "\n" not in message


def test_sizes_bounded_up_front():
    assert numbers.parse("9" * MAX_DIGITS, "--x") == 10**MAX_DIGITS - 1
    assert numbers.parse(f"1e{MAX_EXPONENT}", "--x") == 10**MAX_EXPONENT
    assert numbers.parse(f"1e-{MAX_EXPONENT}", "--x") == F(1, 10**MAX_EXPONENT)
    for text, limit in (("9" * (MAX_DIGITS + 1), str(MAX_DIGITS)), (f"1e{MAX_EXPONENT + 1}", str(MAX_EXPONENT)),
                        ("1e999999", str(MAX_EXPONENT)), ("1e99999999999999999999", str(MAX_EXPONENT)),
                        ("1" * 100000, "characters")):
        with pytest.raises(UsageError, match=limit):
            numbers.parse(text, "--x")
    long = numbers.show("x" * 5000)
    assert len(long) < 100 and "5000 characters" in long


@given(st.fractions(max_denominator=10**6), st.fractions(max_denominator=10**6))
def test_round_trip_of_what_the_suite_prints(re, im):
    """Fractions and SymPy's printing of Gaussian rationals read back to the same exact value."""
    assert numbers.parse(str(re), "--x") == re
    value = sp.Rational(re.numerator, re.denominator) + sp.I * sp.Rational(im.numerator, im.denominator)
    parsed = numbers.parse(str(value), "--x")
    assert exact(parsed) == value
    assert numbers.parse(str(numbers.make(re, im)), "--x") == numbers.make(re, im)


def test_exact_takes_numbers_never_text():
    assert exact(F(1, 3)) == sp.Rational(1, 3) and exact(7) == 7
    assert exact(ExactComplex(F(1), F(-1, 2))) == 1 - sp.I / 2
    for bad in ("1/3", "__import__('os')", 0.5, True, None, [1]):
        with pytest.raises(InvalidLaw):
            exact(bad)


def test_json_numbers_exact_and_finite():
    assert jsonio.loads('[1e-400, "1/3", -2, 3.5, "1+I"]', "--p") == [
        F(1, 10**400), "1/3", F(-2), F(7, 2), "1+I"]
    assert jsonio.numbers_list(jsonio.loads('[1e-400, "1/3"]', "--p"), "--p") == [F(1, 10**400), F(1, 3)]
    for text, fragment in (("[NaN]", "NaN"), ("[Infinity]", "Infinity"), ("[-Infinity]", "Infinity"),
                           ('{"a": 1, "a": 2}', "twice"), ("[" * 40000 + "]" * 40000, "nested"),
                           ("[1e5000]", str(MAX_EXPONENT)), ("[" + "9" * 5000 + "]", str(MAX_DIGITS)), ("[1,", "JSON")):
        with pytest.raises(UsageError, match=fragment):
            jsonio.loads(text, "--p")
    for value, kind in ((None, "null"), (True, "boolean"), ([1], "list"), ({"re": 1}, "object")):
        with pytest.raises(UsageError, match=kind):
            jsonio.number(value, "--p[0]")


def test_json_files_bounded(tmp_path):
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x81{")
    with pytest.raises(UsageError, match="UTF-8"):
        jsonio.load_file(str(binary))
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(jsonio.MAX_BYTES + 1)
    with pytest.raises(UsageError, match="MB"):
        jsonio.load_file(str(big))
    with pytest.raises(UsageError, match="cannot read"):
        jsonio.load_file(str(tmp_path / "missing.json"))


def test_strict_json_out():
    text = jsonio.dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "c": (1, "x")})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {"a": None, "b": [None, None, 1.5],
                                                                           "c": [1, "x"]}


def test_atomic_writes_leave_one_complete_file(tmp_path):
    """Writers racing on one path: the file is always one writer's complete text, no temporary is left."""
    path = tmp_path / "report.json"
    texts = [json.dumps({"writer": n, "pad": "x" * 200000}) for n in range(8)]
    threads = [threading.Thread(target=lambda t=t: [outputs.write_text(path, t) for _ in range(5)]) for t in texts]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert path.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_writable_dir_checked(tmp_path):
    (tmp_path / "file").write_text("")
    for bad in ("", "  ", str(tmp_path / "file" / "out")):
        with pytest.raises(UsageError, match="--out"):
            outputs.writable_dir(bad, "--out")
    assert outputs.writable_dir(str(tmp_path / "new" / "dir"), "--out").is_dir()
