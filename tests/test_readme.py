"""The README cannot drift: every `mesaverify …` command line it shows (in code blocks and inline code) is run as
it stands, in a scratch directory, and must exit with 0 or the code its comment states (`# exit 3`) and print
what it quotes (`# → text` in a block, `` `cmd` → `text` `` inline); an optional `[--json]` is run both ways;
a file it writes with `echo '…' > name` is written first.  Every `make …` target it names exists in the
Makefile.  (The README's Python block is run by pytest's --doctest-glob.)"""
import re
import shlex
from pathlib import Path

import pytest

from mesaverify.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
PREFIX = re.compile(r"^(?:\.venv/bin/)?mesaverify (?=\S)")


def _blocks(text: str) -> tuple[list[str], str]:
    """(the lines of every fenced code block, the text outside them)."""
    lines, outside, inside = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        (lines if inside else outside).append(line)
    return lines, "\n".join(outside)


def _comment(line: str) -> tuple[str, str]:
    """(command, comment) of a shell line: the comment starts at a '#' outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] == " "):
            return line[:i].strip(), line[i + 1:].strip()
    return line.strip(), ""


def examples() -> list[dict]:
    """Every command the README shows: {"line", "command", "code", "quote"}; and the files it writes."""
    block, prose = _blocks(TEXT)
    found = []
    for line in block:
        command, comment = _comment(line)
        code = re.search(r"\bexit (\d+)", comment)
        quote = re.search(r"→\s*(.+)$", comment)
        found.append({"line": line, "command": command, "code": int(code.group(1)) if code else 0,
                      "quote": quote.group(1).strip() if quote else None})
    for match in re.finditer(r"`([^`]+)`(\s*→\s*`([^`]+)`)?", prose):
        command = " ".join(match.group(1).split())
        found.append({"line": match.group(0), "command": command, "code": 0, "quote": match.group(3)})
    return found


def commands() -> list[dict]:
    """The mesaverify command lines, an optional [--json] written out both ways."""
    out = []
    for ex in examples():
        if not PREFIX.match(ex["command"]):
            continue
        argv = shlex.split(PREFIX.sub("", ex["command"]))
        if "[--json]" in argv:
            base = [a for a in argv if a != "[--json]"]
            out += [dict(ex, argv=base), dict(ex, argv=base + ["--json"])]
        else:
            assert not re.search(r"\[--?[a-z]", ex["command"]), f"an optional part in a README command: {ex['line']}"
            out.append(dict(ex, argv=argv))
    return out


def files() -> dict[str, str]:
    """{name: content} of every `echo '…' > name` the README shows."""
    return {m.group(2): m.group(1) for m in re.finditer(r"echo '([^']*)' > (\S+?)`", TEXT)}


COMMANDS = commands()


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 15 and any(c["code"] == 3 for c in COMMANDS) and any(c["code"] == 1 for c in COMMANDS)


@pytest.mark.parametrize("example", COMMANDS, ids=[" ".join(c["argv"])[:80] for c in COMMANDS])
def test_readme_command(example, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, content in files().items():
        (tmp_path / name).write_text(content)
    try:
        code = main(example["argv"])
    except SystemExit as stop:  # --help
        code = stop.code or 0
    out, err = capsys.readouterr()
    assert code == example["code"], (example["line"], out[-2000:], err)
    assert "Traceback" not in err
    if example["quote"]:
        assert example["quote"] in out + err, (example["line"], out[-2000:], err)


def test_make_targets_exist():
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    named = {ex["command"].split()[1] for ex in examples() if re.match(r"^make \w", ex["command"])}
    assert named and named <= targets, named - targets
