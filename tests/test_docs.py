"""The README is the front door and docs/ the manual: the generated pages are what `python -m mesaverify.docs`
writes (a parser or docstring changed without writing them again fails here), the README stays short and shows
the two commands, and every relative link of the README and of docs/*.md reaches an existing file (and, with a
#fragment, a heading of it)."""
import difflib
import re
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mesaverify import docs

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MAX_README_LINES = 170


@pytest.mark.parametrize("name", sorted(docs.PAGES))
def test_generated_page_is_up_to_date(name):
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    python = re.search(r"Python (\d+\.\d+)'s argparse", committed)
    if python and python.group(1) != f"{sys.version_info[0]}.{sys.version_info[1]}":
        pytest.skip(f"docs/{name} holds the --help of Python {python.group(1)}'s argparse, which words it differently")
    generated = docs.PAGES[name]()
    diff = "".join(list(difflib.unified_diff(committed.splitlines(True), generated.splitlines(True),
                                             f"docs/{name} (committed)", f"docs/{name} (generated)"))[:60])
    assert committed == generated, f"docs/{name} is out of date: run `python -m mesaverify.docs`\n{diff}"


def test_readme_is_short_and_shows_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_README_LINES, f"README.md has {len(text.splitlines())} lines; the manual is docs/"
    lines = {line.split("#")[0].strip() for line in text.splitlines()}
    assert {"make verify", "make test"} <= lines, "README.md shows `make verify` and `make test`, each on its own line"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _parse(path: Path) -> tuple[list[str], set[str]]:
    """(the targets of every link and image of a Markdown file, the anchors of its headings)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))
    targets, anchors = [], set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            anchors.add(_slug("".join(c.content for c in tokens[i + 1].children if c.type in ("text", "code_inline"))))
        for child in token.children or []:
            if child.type in ("link_open", "image"):
                targets.append(str(child.attrs.get("href", child.attrs.get("src", ""))))
    return targets, anchors


def test_every_relative_link_reaches_a_file_and_heading():
    anchors = {path.resolve(): _parse(path)[1] for path in PAGES}
    broken, links = [], 0
    for page in PAGES:
        for target in _parse(page)[0]:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not a file of the repository
                continue
            links += 1
            name, _, fragment = target.partition("#")
            path = (page.parent / name).resolve() if name else page.resolve()
            if not path.is_file():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif fragment and path.suffix == ".md" and fragment not in anchors.get(path, _parse(path)[1]):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert links >= 10 and not broken, broken
