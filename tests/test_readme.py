"""The README and the hand-written pages of docs/ cannot drift: every `mesaverify …` command line they show (in code
blocks and inline code) is run as it stands, in a scratch directory (with examples/ in it), and must exit with 0 or
the code its comment states (`# exit 3`) and print what it quotes (`# → text` in a block, `` `cmd` → `text` ``
inline); an optional `[--json]` is run both ways; a file a page writes with `echo '…' > name` is written first.  A
command shown more than once (on several pages, or in a block and inline) runs once, and every quote and exit code
shown with it is checked.  A transcript in a block, `$ mesaverify …` and the lines below it, must be what the
command prints; a ```toml block must be one of examples/models/.  Every `make …` target a page names exists in
the Makefile.  (Their Python blocks are run by pytest's --doctest-glob.  The generated pages, docs/commands.md
and docs/api.md, are left out: their examples are the --help epilogs, run by tests/test_cli_outputs.py, and the
docstrings, run as doctests; tests/test_docs.py holds them equal to what mesaverify.docs writes.)"""
import re
import shlex
from pathlib import Path

import pytest

from mesaverify.cli import main
from mesaverify.docs import PAGES as GENERATED

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md"] + sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md") if p.name not in GENERATED)
TEXTS = {page: (ROOT / page).read_text(encoding="utf-8") for page in PAGES}
PREFIX = re.compile(r"^(?:\.venv/bin/)?mesaverify (?=\S)")


def _blocks(text: str) -> tuple[list[tuple[str, list[str]]], str]:
    """([(info string, lines) of every fenced code block], the text outside them)."""
    blocks, outside, block = [], [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if block is None:
                block = (line[3:].strip(), [])
            else:
                blocks.append(block)
                block = None
            continue
        (block[1] if block is not None else outside).append(line)
    return blocks, "\n".join(outside)


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


def examples(page: str) -> list[dict]:
    """Every command a page shows: {"page", "line", "command", "code", "quote"}."""
    blocks, prose = _blocks(TEXTS[page])
    found = []
    for line in (line for _, lines in blocks for line in lines):
        command, comment = _comment(line)
        code = re.search(r"\bexit (\d+)", comment)
        quote = re.search(r"→\s*(.+)$", comment)
        found.append({"page": page, "line": line, "command": command, "code": int(code.group(1)) if code else 0,
                      "quote": quote.group(1).strip() if quote else None})
    for match in re.finditer(r"`([^`]+)`(\s*→\s*`([^`]+)`)?", prose):
        command = " ".join(match.group(1).split())
        found.append({"page": page, "line": match.group(0), "command": command, "code": 0, "quote": match.group(3)})
    return found


def commands() -> list[dict]:
    """The mesaverify command lines of every page, an optional [--json] written out both ways, each argv once:
    {"argv", "page" (the first that shows it), "shown": [every example of it]}."""
    runs: dict[tuple, dict] = {}
    for ex in (ex for page in PAGES for ex in examples(page)):
        if not PREFIX.match(ex["command"]):
            continue
        argv = shlex.split(PREFIX.sub("", ex["command"]))
        if "[--json]" in argv:
            base = [a for a in argv if a != "[--json]"]
            variants = [base, base + ["--json"]]
        else:
            assert not re.search(r"\[--?[a-z]", ex["command"]), f"an optional part in a command of {ex['page']}: {ex['line']}"
            variants = [argv]
        for argv in variants:
            runs.setdefault(tuple(argv), {"argv": argv, "page": ex["page"], "shown": []})["shown"].append(ex)
    return list(runs.values())


def files() -> dict[str, str]:
    """{name: content} of every `echo '…' > name` the pages show."""
    found: dict[str, str] = {}
    for page, text in TEXTS.items():
        for content, name in re.findall(r"echo '([^']*)' > (\S+?)`", text):
            assert found.setdefault(name, content) == content, f"{page} writes {name} with other content than another page"
    return found


def transcripts() -> list[dict]:
    """Every `$ mesaverify …` line of a block with the lines below it (up to the next `$` or the block's end)."""
    found = []
    for page in PAGES:
        for _, lines in _blocks(TEXTS[page])[0]:
            for i, line in enumerate(lines):
                if line.startswith("$ ") and PREFIX.match(line[2:]):
                    end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("$ ")), len(lines))
                    found.append({"page": page, "line": line, "argv": shlex.split(PREFIX.sub("", line[2:])),
                                  "output": "\n".join(lines[i + 1:end])})
    return found


COMMANDS = commands()
TRANSCRIPTS = transcripts()


def _run(argv, tmp_path, monkeypatch, capsys) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one command line, run in tmp_path with the pages' files and examples/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for name, content in files().items():
        (tmp_path / name).write_text(content)
    try:
        code = main(argv)
    except SystemExit as stop:  # --help
        code = stop.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def test_the_pages_show_commands():
    shown = [ex for run in COMMANDS for ex in run["shown"]]
    assert len(COMMANDS) >= 15 and any(ex["code"] == 3 for ex in shown) and any(ex["code"] == 1 for ex in shown)
    assert sum(ex["page"] == "README.md" for ex in shown) >= 3 and TRANSCRIPTS


@pytest.mark.parametrize("run", COMMANDS, ids=[f"{c['page']}: {' '.join(c['argv'])[:80]}" for c in COMMANDS])
def test_page_command(run, tmp_path, monkeypatch, capsys):
    code, out, err = _run(run["argv"], tmp_path, monkeypatch, capsys)
    assert "Traceback" not in err
    for ex in run["shown"]:
        assert code == ex["code"], (ex["page"], ex["line"], out[-2000:], err)
        if ex["quote"]:
            assert ex["quote"] in out + err, (ex["page"], ex["line"], out[-2000:], err)


@pytest.mark.parametrize("shown", TRANSCRIPTS, ids=[f"{t['page']}: $ {' '.join(t['argv'])[:80]}" for t in TRANSCRIPTS])
def test_page_transcript(shown, tmp_path, monkeypatch, capsys):
    code, out, err = _run(shown["argv"], tmp_path, monkeypatch, capsys)
    assert code == 0 and out.rstrip("\n") == shown["output"], (shown["page"], shown["line"], out, err)


def test_toml_blocks_are_example_models():
    models = {p.read_text(encoding="utf-8").rstrip("\n") for p in (ROOT / "examples" / "models").glob("*.toml")}
    shown = [(page, "\n".join(lines)) for page in PAGES for info, lines in _blocks(TEXTS[page])[0] if info == "toml"]
    assert shown and all(text in models for _, text in shown), [page for page, text in shown if text not in models]


def test_make_targets_exist():
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    named = {ex["command"].split()[1] for page in PAGES for ex in examples(page) if re.match(r"^make \w", ex["command"])}
    assert named and named <= targets, named - targets
