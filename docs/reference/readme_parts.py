"""The parts of README.md that the documentation site shows too, in
reStructuredText: the one-paragraph description and the list of what
libpkce does not do yet. The README is their one source; `make docs`
writes them beside index.rst, which includes them, and `make test-facts`
checks that index.rst holds no copy of its own.

Usage: readme_parts.py README.md OUT_DIR   (writes intro.rst and not-yet.rst)
"""

import re
import sys
from pathlib import Path

NOT_YET = "What libpkce does not do yet"


def intro(readme: str) -> str:
    """The first paragraph after the title."""
    body = readme.split("\n", 1)[1].strip()
    return body.split("\n\n", 1)[0]


def section(readme: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading."""
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not found:
        raise SystemExit(f"README.md has no section '{heading}'")
    return found.group(1).strip()


def to_rst(markdown: str) -> str:
    """The Markdown the README uses in these parts (inline code, links, bold,
    bullet lists) as reStructuredText."""
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", markdown)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", text)
    return re.sub(r"^- ", "* ", text, flags=re.M)


def main() -> int:
    readme, out = Path(sys.argv[1]).read_text(), Path(sys.argv[2])
    (out / "intro.rst").write_text(to_rst(intro(readme)) + "\n")
    (out / "not-yet.rst").write_text(to_rst(section(readme, NOT_YET)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
