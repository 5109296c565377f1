"""Nonsense in a model description is refused in one line (exit 2), naming what is wrong; nothing is silently
dropped or ignored."""
import pytest

from tests.clirun import cli

HEAD = """[token]
blocks = ["x[t]", "x[t-1]"]
[[heads]]
"""
CASES = {
    "entry outside the block": (HEAD + 'kq = [{ block = [2, 1], kind = "entry", name = "a", entry = [3, 1] }]\n'
                                'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "outside the 2×2 block"),
    "entry far outside": (HEAD + 'kq = [{ block = [2, 1], kind = "entry", name = "a", entry = [9223372036854775807, 1] }]\n'
                          'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "outside the 2×2 block"),
    "entry of one index": (HEAD + 'kq = [{ block = [2, 1], kind = "entry", name = "a", entry = [1] }]\n'
                           'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "[row, column]"),
    "entry of three indices": (HEAD + 'kq = [{ block = [2, 1], kind = "entry", name = "a", entry = [1, 1, 1] }]\n'
                               'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "[row, column]"),
    "a head with only pv": (HEAD + 'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "no W^KQ blocks"),
    "a head with only kq": (HEAD + 'kq = [{ block = [2, 1], kind = "scalar", name = "a" }]\n', "no W^PV blocks"),
    **{f"the reserved name {name}": (HEAD + f'kq = [{{ block = [2, 1], kind = "scalar", name = "{name}" }}]\n'
                                     'pv = [{ block = 1, kind = "scalar", name = "b" }]\n', "reserved")
       for name in ("T", "d", "t", "I", "E", "pi", "oo", "nan")},
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_in_one_line(tmp_path, case):
    text, fragment = CASES[case]
    path = tmp_path / "m.toml"
    path.write_text(text)
    proc = cli("model", path, "--law", "rademacher", "--d", "2", "--T", "4")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and fragment in lines[0], proc.stderr
