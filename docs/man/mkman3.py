#!/usr/bin/env python3
"""Writes the section 3 manual pages from include/pkce.h, the one source:
pkce(3), the overview (conventions, thread safety, statuses, an example),
one page per section of the header with its declarations and their
comments, and for every function a page of its own name that sources its
section's page (`man pkce_client_exchange` works). The date is the one of
the newest debian/changelog entry, so that the pages of one source are the
same bytes whenever they are made.

Usage: mkman3.py OUTPUT_DIR        (writes OUTPUT_DIR/man3/*.3)
"""

import email.utils
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "tools"))
from pkce_header import (declared_functions, entries, preamble, section_functions, sections,  # noqa: E402
                         statuses, version)


def roff(text: str) -> str:
    """Plain text as roff: backslashes escaped, no line starting a request."""
    lines = []
    for line in text.replace("\\", "\\e").split("\n"):
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def paragraphs(text: str) -> str:
    """Comment text as roff paragraphs; indented lines (code, lists) kept as they are."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.split("\n")
        if any(line.startswith("    ") for line in lines):
            out.append(".PP\n.nf\n" + roff(paragraph) + "\n.fi")
        elif all(re.match(r"\s*- ", line) or line.startswith("  ") for line in lines):
            items = re.split(r"\n(?=\s*- )", paragraph)
            out.append("\n".join(".IP \\(bu 2\n" + roff(re.sub(r"\n\s+", "\n", re.sub(r"^\s*- ", "", item)))
                                 for item in items))
        else:
            out.append(".PP\n" + roff(paragraph))
    return "\n".join(out)


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return "pkce-" + words.removeprefix("pkce-")


def main() -> int:
    out = Path(sys.argv[1]) / "man3"
    out.mkdir(parents=True, exist_ok=True)
    changelog = (ROOT / "debian" / "changelog").read_text()
    date = email.utils.parsedate_to_datetime(re.search(r"^ -- .*?  (.+)$", changelog, re.M).group(1)).strftime("%Y-%m-%d")
    footer = f'"libpkce {version()}" "libpkce Manual"'
    pages = []
    functions_seen = []
    for title, introduction, body in sections():
        names = section_functions(body)
        if not names:
            continue
        name = slug(title)
        pages.append(name)
        functions_seen += names
        synopsis = "\n".join(code for code, _ in entries(body) if code)
        text = [f".TH {name.upper()} 3 {date} {footer}", ".SH NAME",
                roff(", ".join(names)) + " \\- " + roff(title[0].lower() + title[1:] if not title.startswith("PKCE") else title),
                ".SH SYNOPSIS", ".nf", ".B #include <pkce.h>", ".PP", roff(synopsis), ".fi",
                ".SH DESCRIPTION", paragraphs(introduction)]
        for code, comment in entries(body):
            if code:
                text += [".PP", ".nf", "\n".join("\\fB" + line + "\\fR" for line in roff(code).split("\n")), ".fi"]
            if comment:
                text += [".RS", paragraphs(comment), ".RE"]
        text += [".SH SEE ALSO", ".BR pkce (3)"]
        (out / f"{name}.3").write_text("\n".join(text) + "\n")
        for function in names:
            (out / f"{function}.3").write_text(f".so man3/{name}.3\n")
    (out / "pkce.3").write_text(overview(date, footer, pages))
    missing = sorted(declared_functions() - set(functions_seen))
    if missing:
        print("mkman3: functions of pkce.h in no section: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


def overview(date: str, footer: str, pages) -> str:
    intro, conventions, threads = preamble()
    rows = []
    for row in statuses():
        if row[0] == "group":
            rows.append(".SS " + roff(row[1]))
        else:
            rows.append(f".TP\n.B {row[1]} ({row[2]})\n" + roff(row[3]))
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"## Sign a user in from a C program in 20 lines\n\n```c\n(.*?)```", readme, re.S).group(1)
    text = [f".TH PKCE 3 {date} {footer}", ".SH NAME", "pkce \\- OAuth 2.0 sign-in with PKCE for programs that cannot keep a secret",
            ".SH SYNOPSIS", ".nf", ".B #include <pkce.h>", ".PP", ".B cc program.c $(pkg-config \\-\\-cflags \\-\\-libs pkce)", ".fi",
            ".SH DESCRIPTION", paragraphs(intro),
            ".PP", FLOW, ".BR pkce_client_sign_in (3).",
            ".SH CONVENTIONS", paragraphs(re.sub(r"^ ?- ", "- ", conventions, flags=re.M)),
            ".SH THREAD SAFETY", paragraphs(threads),
            ".SH RETURN VALUE", "Every fallible function returns a", ".BR pkce_status ;",
            ".B PKCE_OK", "is 0. The numbers are fixed and never reused.", "\n".join(rows),
            ".SH EXAMPLE", "Sign a user in from a C program:", ".PP", ".nf", roff(example), ".fi",
            ".SH SEE ALSO"]
    text.append(",\n".join(f".BR {name} (3)" for name in pages) + ",\n.BR pkce (1)")
    return "\n".join(text) + "\n"


FLOW = """The flow: make an attempt (a fresh code verifier, its S256 challenge, a state and, for OpenID
Connect, a nonce); send the user's browser to its authorization URL; check the redirect that comes
back (iss, state, error, code, in that order); exchange the code and the verifier for tokens. For a
native application one call does it all, with a loopback listener and the browser:"""


if __name__ == "__main__":
    sys.exit(main())
