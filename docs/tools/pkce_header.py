"""include/pkce.h read as documentation: its sections, and in each the
declarations with the comments that explain them. What docs/man/mkman3.py
(the manual pages) and docs/reference/mkcapi.py (the HTML reference) share,
so that both say exactly what the header says."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = (ROOT / "include" / "pkce.h").read_text()
RULE = re.compile(r"^/\* -{20,}\n(.*?)\n \* -{20,} \*/\n", re.M | re.S)
FUNCTION = re.compile(r"\b(pkce_[a-z0-9_]+)\s*\(")


def uncomment(block: str) -> str:
    """The text of a /* ... */ comment, without its stars."""
    body = block.strip()[2:-2]
    return "\n".join(re.sub(r"^ ?\* ?", "", line) for line in body.split("\n")).strip("\n")


def entries(body: str):
    """(code, comment) pairs of a section: each comment that starts a line
    with the declarations after it, up to a blank line. Indented comments
    (inside an enum) and comments after a declaration stay in the code."""
    items = []
    comment, code = "", []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("/*"):
            block = [line]
            while not block[-1].rstrip().endswith("*/"):
                i += 1
                block.append(lines[i])
            if code:
                items.append(("\n".join(code), comment))
                code = []
            comment = uncomment("\n".join(block))
        elif not line.strip():
            if code or comment:
                items.append(("\n".join(code), comment))
            comment, code = "", []
        else:
            code.append(line.rstrip())
        i += 1
    if code or comment:
        items.append(("\n".join(code), comment))
    return items


def sections():
    """(title, introduction, body) of every section of the header."""
    found = list(RULE.finditer(HEADER))
    for i, match in enumerate(found):
        text = "\n".join(re.sub(r"^ \* ?", "", line) for line in match.group(1).split("\n")).strip()
        end = found[i + 1].start() if i + 1 < len(found) else HEADER.index("#ifdef __cplusplus\n}")
        title = re.split(r"[.:(]", text.split("\n")[0])[0].strip()
        yield title, text, HEADER[match.end():end]



def declared_functions() -> set:
    """Every function the header declares."""
    return set(FUNCTION.findall(re.sub(r"/\*.*?\*/", "", HEADER, flags=re.S)))


def version() -> str:
    return re.search(r'#define PKCE_VERSION_STRING "([^"]+)"', HEADER).group(1)


def preamble():
    """The header's opening comment: (introduction, conventions, thread safety)."""
    text = uncomment(HEADER[:HEADER.index("*/") + 2])
    intro, rest = text.split("Conventions used by every function below", 1)
    conventions, threads = rest.split("Thread safety", 1)
    return (intro.replace("pkce.h - libpkce: ", "libpkce: ").strip(), re.sub(r"^-+\n", "", conventions.strip()),
            re.sub(r"^-+\n", "", threads.strip()))


def statuses():
    """The status list in order: ("group", text) for a group heading, ("status", name, number, meaning)."""
    body = re.search(r"typedef enum pkce_status \{(.*?)\} pkce_status;", HEADER, re.S).group(1)
    rows = []
    for line in body.split("\n"):
        group = re.match(r"\s*/\* (\d+-\d+: .*) \*/", line)
        status = re.match(r"\s*(PKCE_[A-Z0-9_]+) = (\d+),?\s*(?:/\* (.*) \*/)?", line)
        if group:
            rows.append(("group", group.group(1)))
        elif status:
            rows.append(("status", status.group(1), int(status.group(2)), status.group(3) or "success"))
    return rows


def section_functions(body: str) -> list:
    """The functions a section declares, in order."""
    names = []
    for code, _ in entries(body):
        names += [n for n in FUNCTION.findall(re.sub(r"/\*.*?\*/", "", code, flags=re.S)) if n not in names]
    return names
