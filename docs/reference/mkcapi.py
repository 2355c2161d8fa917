#!/usr/bin/env python3
"""Writes c-api.rst, the C API reference, from include/pkce.h: the header's
conventions and statuses, then each section with its declarations (Sphinx's
C domain) and the comments that explain them, word for word.
Usage: mkcapi.py OUTPUT_FILE"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "tools"))
from pkce_header import FUNCTION, entries, preamble, sections, statuses  # noqa: E402


def inline(prose: str) -> str:
    """Prose as reStructuredText inline text: `x` and identifiers (a_b, *error, PKCE_ERR_X_*) as literals."""
    parts = re.split(r"`([^`]+)`", prose)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"``{part}``")
        else:
            out.append(re.sub(r"(?<![\w`])(\**[A-Za-z0-9]*_[A-Za-z0-9_*]*(?:\([^()]*\))?|\*+[a-z_]+)", r"``\1``", part))
    return "".join(out)


def text(comment: str) -> str:
    """Comment text as reStructuredText: prose, "- " lists (with their
    indented continuation lines), and indented code as literal blocks."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", comment.strip("\n")):
        lines = paragraph.split("\n")
        if all(line.startswith("    ") or not line.strip() for line in lines):
            blocks.append("::\n\n" + "\n".join("   " + line for line in lines))
            continue
        prose, items, item_indent = [], [], None
        for line in lines:
            bullet = re.match(r"^(\s*)- (.*)", line)
            if bullet:
                if prose:
                    blocks.append(inline(" ".join(prose)))
                    prose = []
                items.append(bullet.group(2).strip())
                item_indent = len(bullet.group(1))
            elif items and item_indent is not None and len(line) - len(line.lstrip()) > item_indent:
                items[-1] += " " + line.strip()
            else:
                if items:
                    blocks.append("\n".join("- " + inline(item) for item in items))
                    items, item_indent = [], None
                prose.append(line.strip())
        if items:
            blocks.append("\n".join("- " + inline(item) for item in items))
        if prose:
            blocks.append(inline(" ".join(prose)))
    return "\n\n".join(blocks)


def indent(block: str, by: str = "   ") -> str:
    return "\n".join(by + line if line else "" for line in block.split("\n"))


def prototypes(code: str):
    """Each function prototype of a declaration block, on one line; and the rest of the code."""
    found, rest = [], []
    statement = []
    for line in code.split("\n"):
        statement.append(line)
        bare = re.sub(r"/\*.*?\*/", "", line).strip()
        if bare.endswith((";", "{", "}")) or (bare == "" and not statement[:-1]):
            whole = "\n".join(statement)
            clean = " ".join(re.sub(r"/\*.*?\*/", "", whole, flags=re.S).split())
            if FUNCTION.search(clean) and not clean.startswith("typedef") and clean.endswith(";"):
                found.append(clean.rstrip(";"))
            else:
                rest.append(whole)
            statement = []
    if statement:
        rest.append("\n".join(statement))
    return found, rest


def main() -> int:
    intro, conventions, threads = preamble()
    lines = ["C API", "=====", "", "``#include <pkce.h>``, and link with ``pkg-config --cflags --libs pkce``.", "",
             text(intro), "", "Conventions", "-----------", "", text(conventions), "", "Thread safety", "-------------", "",
             text(threads), "", "Statuses", "--------", ""]
    for row in statuses():
        if row[0] == "group":
            lines += ["", f"**{row[1]}**", ""]
        else:
            lines += [f"``{row[1]}`` ({row[2]})", f"   {row[3]}", ""]
    for title, introduction, body in sections():
        lines += ["", title, "-" * len(title), "", text(introduction), ""]
        for code, comment in entries(body):
            functions, rest = prototypes(code)
            for other in rest:
                lines += [".. code-block:: c", "", indent(other), ""]
            for prototype in functions:
                lines += [f".. c:function:: {prototype}", ""]
            if comment:
                lines += [indent(text(comment)) if functions else text(comment), ""]
    Path(sys.argv[1]).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
