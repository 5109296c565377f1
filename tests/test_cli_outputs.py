"""Outputs a researcher scripts against: one JSON envelope for every `--json`, exact values as strings with their
floats beside them, `--help` of every subcommand (description, defaults, examples that run), and the identities
of Assumption 4.1 in the papers' notation."""
import json
import math
import re
import shlex
from fractions import Fraction
from pathlib import Path

import pytest

import mesaverify
from mesaverify import numbers
from mesaverify.cli import build_parser, main, subcommands
from mesaverify.derivations.moments import pattern_from_name

ROOT = Path(__file__).resolve().parent.parent
ENVELOPE = {"command", "version", "law", "d", "T", "result"}
PARAMS = {"A": [[1, 0], [0, 1]], "B": [[1, 0], [0, 1]]}
JSON_RUNS = {
    "fixed-point": ["--law", "gaussian", "--sigma", "1/2", "--d", "5", "--T", "100"],
    "assumption": ["--law", "rademacher", "--d", "2", "--T", "10"],
    "simulate": ["--law", "sparse", "--c", "2", "--d", "2", "--T", "5", "--m", "20", "--test-m", "5", "--epochs", "2"],
    "sander-loss": ["--setting", "augmented", "--T", "10", "--params", "p.json"],
    "sander-minima": ["--setting", "orthogonal", "--d", "4", "--H", "1", "--T", "6"],
    "model": [str(ROOT / "examples/models/zheng_diagonal.toml"), "--law", "rademacher", "--d", "2", "--T", "5",
              "--at", "a=1/2,b=3/2"],
}
CHEAP = {"fixed-point", "assumption", "sander-loss", "sander-minima", "derive", "latex", "model", "simulate"}
MOMENTS_FAILING = {"m2": 1, "m4": 3, "m6": 15, "m24": 3, "m_{1|0,1|2}": "1/2", "m_{1|0,2|3}": 0, "m_{1|2,2|1}": 0,
                   "m_{1|0,2,1|2}": 0, "P0": 1}
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def strict(text: str):
    """JSON as a strict parser reads it (NaN and Infinity refused)."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-finite {c} in --json output"))


def run_json(capsys, monkeypatch, tmp_path, command, args, expected_code=0):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps(PARAMS))
    assert main([command, *args, "--json"]) == expected_code
    return strict(capsys.readouterr().out)


def test_every_json_command_is_run_here():
    with_json = {name for name, p in subcommands(build_parser()).items()
                 if any("--json" in a.option_strings for a in p._actions)}
    assert with_json == set(JSON_RUNS)


@pytest.mark.parametrize("command", sorted(JSON_RUNS))
def test_json_envelope(command, capsys, monkeypatch, tmp_path):
    out = run_json(capsys, monkeypatch, tmp_path, command, JSON_RUNS[command])
    assert set(out) == ENVELOPE
    assert out["command"] == command and out["version"] == mesaverify.__version__
    assert out["law"] is None or isinstance(out["law"], str)
    for key in ("d", "T"):
        assert out[key] is None or (isinstance(out[key], int) and not isinstance(out[key], bool))
    assert isinstance(out["result"], dict) and out["result"]
    if "--d" in JSON_RUNS[command]:
        assert out["d"] == int(JSON_RUNS[command][JSON_RUNS[command].index("--d") + 1])
    assert out["T"] == int(JSON_RUNS[command][JSON_RUNS[command].index("--T") + 1])


def _pairs(result: dict):
    """(key, exact string, float) of every key with a `<key>_float` beside it, lists element by element."""
    for key, value in result.items():
        if f"{key}_float" not in result or value is None:
            continue
        floats = result[f"{key}_float"]
        if isinstance(value, list):
            yield from ((f"{key}[{n}]", v, f) for n, (v, f) in enumerate(zip(value, floats)))
        elif isinstance(value, dict):
            yield from ((f"{key}.{k}", v, floats[k]) for k, v in value.items())
        else:
            yield key, value, floats


@pytest.mark.parametrize("command", ["fixed-point", "assumption", "sander-minima", "sander-loss", "model"])
def test_exact_strings_agree_with_their_floats(command, capsys, monkeypatch, tmp_path):
    result = run_json(capsys, monkeypatch, tmp_path, command, JSON_RUNS[command])["result"]
    rows = list(_pairs(result)) + [pair for row in result.get("identities", []) for pair in _pairs(row)]
    assert rows
    for key, text, approx in rows:
        assert isinstance(text, str), key
        exact = Fraction(text)
        assert numbers.parse(text, key) == exact  # the suite's own number grammar reads it back
        assert math.isclose(float(exact), approx, rel_tol=1e-15, abs_tol=1e-300), key


def test_sander_minima_keeps_its_types_whatever_the_setting(capsys, monkeypatch, tmp_path):
    """Exact entries are strings in every setting ("0" beside "-1/2"); absent parts are null, never missing."""
    results = [run_json(capsys, monkeypatch, tmp_path, "sander-minima", args)["result"]
               for args in (["--setting", "orthogonal", "--d", "2", "--T", "4"],
                            ["--setting", "augmented", "--d", "2", "--T", "4"])]
    assert set(results[0]) == set(results[1]) and set(results[0]["minimiser"]) == set(results[1]["minimiser"])

    def leaves(value):
        if isinstance(value, list):
            return [x for v in value for x in leaves(v)]
        return [value]
    for result in results:
        for key in ("A", "B", "p"):
            assert all(isinstance(v, str) and Fraction(v) == numbers.parse(v, key)
                       for v in leaves(result["minimiser"][key] or []))
    assert results[0]["minimiser"]["p"][-2:] == ["-1/2", "1"] and results[0]["minimiser"]["p"][0] == "0"


def _examples(parser):
    """(argv, exit code) of every `mesaverify ...` line of the epilog; a comment `# exit N` gives the code."""
    for line in (parser.epilog or "").splitlines():
        if line.strip().startswith("mesaverify "):
            code = re.search(r"#.*\bexit (\d+)", line)
            yield shlex.split(line, comments=True)[1:], int(code.group(1)) if code else 0  # [name, options…]


SUBCOMMANDS = subcommands(build_parser())


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_help_of_every_subcommand(name, capsys, monkeypatch, tmp_path):
    parser = SUBCOMMANDS[name]
    assert parser.description and len(parser.description) > 80, name
    assert "example" in (parser.epilog or "")
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, (name, action.option_strings)
    text = parser.format_help()
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            shown = parser._get_formatter()._expand_help(action)
            assert "default" in shown or "required" in shown, (name, action.option_strings)
    assert "(default: None)" not in text
    examples = list(_examples(parser))
    assert examples, name
    for argv, _ in examples:
        assert argv[0] == name and build_parser().parse_args(argv).command == name
    if name not in CHEAP:
        return
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for written, content in re.findall(r"\((\S+) holding (\{.*\})\)", parser.epilog):
        (tmp_path / written).write_text(content)
    for argv, code in examples:
        if name == "latex" and "--all" in argv:
            continue  # writes every expression and a PDF: parsed above, not run
        assert main(argv) == code, (argv, capsys.readouterr().err)
        out, err = capsys.readouterr()
        assert (out or code) and "Traceback" not in err


def test_top_level_help_says_what_the_tool_does(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "mesaverify/commands" not in out and "SUBCOMMAND --help" in out and "[Z]" in out and "[S]" in out


def _pattern_of_text(text: str) -> tuple:
    """The powers (p, q) per coordinate read back from E[x_m x̄_n |x_n|²]: the inverse of the notation."""
    inner = re.fullmatch(r"E\[(.+)\] = 0", text).group(1)
    powers = {}
    for factor in inner.split(" "):
        found = re.fullmatch(r"(\|)?x(\u0304)?_([a-z])(\|)?([⁰¹²³⁴⁵⁶⁷⁸⁹]*)", factor)
        assert found, factor
        bar, role, exponent = found.group(2), found.group(3), int(found.group(5).translate(SUPERSCRIPTS) or 1)
        p, q = powers.get(role, (0, 0))
        if found.group(1):
            assert exponent % 2 == 0
            p, q = p + exponent // 2, q + exponent // 2
        elif bar:
            q += exponent
        else:
            p += exponent
        powers[role] = (p, q)
    return tuple(sorted(powers.values()))


@pytest.mark.parametrize("law,code", [
    (["--law", "rademacher", "--d", "2"], 0),
    (["--law", "gaussian", "--d", "3"], 0),
    (["--law", "moments", "--moments", json.dumps(MOMENTS_FAILING), "--d", "5"], 3),
])
def test_assumption_identities_in_the_papers_notation(law, code, capsys, monkeypatch, tmp_path):
    assert main(["assumption", *law, "--T", "10"]) == code
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith("notation: ") and "distinct coordinates" in text[0] and "expectation" in text[0]
    assert sum(line.startswith("notation") for line in text) == 1
    start, end = text.index(next(t for t in text if t.startswith("assumption_4_1"))), \
        text.index(next(t for t in text if t.startswith("assumption_4_2")))
    printed = [line.strip() for line in text[start + 1:end]]
    assert printed and all(re.fullmatch(r"E\[[^\]]+\] = 0 +(holds|violated: the value is \S+)", p) for p in printed)
    assert not any("m_{" in line for line in text)

    result = run_json(capsys, monkeypatch, tmp_path, "assumption", [*law, "--T", "10"], code)["result"]
    rows = result["identities"]
    assert len(rows) == len(printed) and len(rows) == (4 if int(law[-1]) >= 3 else 3)
    for row in rows:
        assert row["identity"].startswith("E[") and row["latex"].startswith("\\mathbb{E}[")
        assert re.fullmatch(r"m_\{[0-9|,]+\}", row["moment"])
        assert _pattern_of_text(row["identity"]) == pattern_from_name(row["moment"])
        assert row["identity"] in "\n".join(text)
        assert row["latex"].count("\\mathbb{E}") == 1 and row["latex"].endswith("] = 0")
    if "moments" in law:  # the violated identity's value is the moment given
        assert [(r["moment"], r["value"]) for r in result["violations"]] == [("m_{1|0,1|2}", "1/2")]
        assert all(r["holds"] for r in rows if r["moment"] != "m_{1|0,1|2}")
    else:
        assert result["violations"] == [] and all(r["holds"] and r["value"] == "0" for r in rows)


def test_every_missing_moment_is_named_at_once(capsys):
    given = {"m2": 1, "m4": 3, "m6": 15, "m24": 3, "m_{1|0,1|2}": 0, "P0": 1}
    assert main(["assumption", "--law", "moments", "--moments", json.dumps(given), "--d", "5", "--T", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert all(name in err[0] for name in ("m_{1|0,2|3}", "m_{1|2,2|1}", "m_{1|0,2,1|2}")) and "m_{1|0,1|2}" not in err[0]
