"""Each fact of libpkce is written once; this checks every place that must
repeat it. include/pkce.h is the truth for the status codes, the challenge
methods and the version; the run-time size functions are checked by the C
suite. Run by `make test-facts` with LIBPKCE_PATH and PYTHONPATH set, so that
the Python binding's own enums are compared as the binding loads them.

Prints one line per failed check and ends with "N passed, N failed".
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parents[2]
HEADER = (ROOT / "include/pkce.h").read_text()

passed = failed = 0


def check(what: str, ok: bool, detail: str = "") -> None:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))


def header_enum(name: str) -> Dict[str, int]:
    """NAME = value pairs of `typedef enum name { ... } name;` in the header."""
    body = re.search(r"typedef enum %s \{(.*?)\} %s;" % (name, name), HEADER, re.S)
    assert body, f"no enum {name} in pkce.h"
    return {m[0]: int(m[1]) for m in re.findall(r"^\s*(PKCE_[A-Z0-9_]+) = (\d+)", body.group(1), re.M)}


def camel_to_upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).upper()


def swift_enum(path: str, type_name: str) -> Dict[str, int]:
    """`case name = N` of one Swift enum, names as UPPER_SNAKE."""
    text = (ROOT / path).read_text()
    start = text.index(f"enum {type_name}")
    body = text[start:text.index("\n    }\n", start) if type_name == "Code" else text.index("\n}\n", start)]
    return {camel_to_upper_snake(m[0]): int(m[1]) for m in re.findall(r"case (\w+) = (\d+)", body)}


def same(what: str, expected: Dict[str, int], actual: Dict[str, int]) -> None:
    missing = sorted(set(expected.items()) - set(actual.items()))
    extra = sorted(set(actual.items()) - set(expected.items()))
    check(what, not missing and not extra, f"missing {missing}, not in the header {extra}")


def statuses() -> None:
    header = {k.removeprefix("PKCE_ERR_"): v for k, v in header_enum("pkce_status").items()}
    check("pkce.h lists statuses", len(header) > 30)
    same("PKCEError.Code (Sources/PKCE/PKCEError.swift) = pkce_status",
         {k: v for k, v in header.items() if k != "PKCE_OK"}, swift_enum("Sources/PKCE/PKCEError.swift", "Code"))
    import libpkce
    same("libpkce.Status = pkce_status", {("OK" if k == "PKCE_OK" else k): v for k, v in header.items()},
         {m.name: int(m) for m in libpkce.Status})
    # The README's ranges are the header's groups, e.g. "/* 1-9: how the library was called */".
    readme = (ROOT / "README.md").read_text()
    groups = re.findall(r"/\* (\d+-\d+)(?::| are reserved)", HEADER)
    check("pkce.h groups its statuses", len(groups) >= 7, str(groups))
    for group in groups:
        check(f"README.md names the status range {group}", re.search(r"\b%s\b" % group, readme) is not None)
    for number in re.findall(r"\b(\d+)-(\d+) (?:usage|PKCE|URLs|callback|server|HTTPS|OpenID|reserved)", readme):
        check(f"README.md's range {'-'.join(number)} is one of the header's", "-".join(number) in groups)


def methods() -> None:
    header = {k.removeprefix("PKCE_METHOD_"): v for k, v in header_enum("pkce_method").items()}
    same("ChallengeMethod (Sources/PKCE/PKCE.swift) = pkce_method", header,
         swift_enum("Sources/PKCE/PKCE.swift", "ChallengeMethod"))
    import libpkce
    same("libpkce.Method = pkce_method", header, {m.name: int(m) for m in libpkce.Method})


def sign_in_enums() -> None:
    """The log levels and browser kinds: header, Swift and Python."""
    import libpkce
    levels = {k.removeprefix("PKCE_LOG_"): v for k, v in header_enum("pkce_log_level").items()}
    same("LogLevel (Sources/PKCE/Log.swift) = pkce_log_level", levels, swift_enum("Sources/PKCE/Log.swift", "LogLevel"))
    same("libpkce.LogLevel = pkce_log_level", levels, {m.name: int(m) for m in libpkce.LogLevel})
    browsers = {k.removeprefix("PKCE_BROWSER_"): v for k, v in header_enum("pkce_browser").items()}
    same("libpkce.Browser = pkce_browser", browsers, {m.name: int(m) for m in libpkce.Browser})
    check("pkce.h has three browser kinds", len(browsers) == 3)
    auth = {k.removeprefix("PKCE_CLIENT_AUTH_"): v for k, v in header_enum("pkce_client_auth").items()}
    same("ClientAuthMethod (Sources/PKCE/ClientAuthentication.swift) = pkce_client_auth", auth,
         swift_enum("Sources/PKCE/ClientAuthentication.swift", "ClientAuthMethod"))
    same("libpkce.ClientAuth = pkce_client_auth", auth, {m.name: int(m) for m in libpkce.ClientAuth})
    endpoints = {k.removeprefix("PKCE_ENDPOINT_"): v for k, v in header_enum("pkce_endpoint").items()}
    same("libpkce.Endpoint = pkce_endpoint", endpoints, {m.name: int(m) for m in libpkce.Endpoint})


def readme_quick_start() -> None:
    """The README's C quick start is examples/c/quickstart.c, which make test-install builds and runs."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## C quick start\n\n```c\n(.*?)```", readme, re.S)
    example = (ROOT / "examples/c/quickstart.c").read_text()
    check("README's C quick start = examples/c/quickstart.c (from #include on)",
          block is not None and block.group(1)[block.group(1).index("#include"):] == example[example.index("#include"):])


def version() -> None:
    macros = dict(re.findall(r"#define PKCE_VERSION_(MAJOR|MINOR|PATCH) (\d+)", HEADER))
    string = re.search(r'#define PKCE_VERSION_STRING "([^"]+)"', HEADER)
    assert string, "no PKCE_VERSION_STRING"
    v = string.group(1)
    check("PKCE_VERSION_MAJOR.MINOR.PATCH = PKCE_VERSION_STRING",
          f"{macros.get('MAJOR')}.{macros.get('MINOR')}.{macros.get('PATCH')}" == v)
    places: List[tuple[str, Callable[[str], object]]] = [
        ("Sources/PKCE/Version.swift", lambda t: re.search(r'libpkceVersion: StaticString = "([^"]+)"', t)),
        ("bindings/python/pyproject.toml", lambda t: re.search(r'^version = "([^"]+)"', t, re.M)),
        ("bindings/python/libpkce/__init__.py", lambda t: re.search(r'^__version__ = "([^"]+)"', t, re.M)),
        ("debian/changelog", lambda t: re.match(r"libpkce \(([^)]+)\)", t)),
    ]
    for path, find in places:
        match = find((ROOT / path).read_text())
        found = match.group(1) if match else None  # type: ignore[attr-defined]
        check(f"{path} states version {v}", found == v, f"it says {found}")
    import libpkce
    from libpkce import _native
    check("the loaded library reports the header's version", libpkce.library_version == v, libpkce.library_version)
    check("the binding requires the header's major.minor",
          f"{_native.REQUIRED_MAJOR}.{_native.REQUIRED_MINOR}" == f"{macros.get('MAJOR')}.{macros.get('MINOR')}")


def symbols() -> None:
    """debian/libpkce0.symbols lists exactly the header's functions."""
    declared = set(re.findall(r"\b(pkce_[a-z0-9_]+)\s*\(", re.sub(r"/\*.*?\*/", "", HEADER, flags=re.S)))
    listed = set(re.findall(r"^ (pkce_[a-z0-9_]+)@Base", (ROOT / "debian/libpkce0.symbols").read_text(), re.M))
    check("debian/libpkce0.symbols = the header's functions", declared == listed,
          f"not listed {sorted(declared - listed)}, not declared {sorted(listed - declared)}")


def licence() -> None:
    """debian/copyright's licence text is LICENSE's, word for word."""
    text = (ROOT / "LICENSE").read_text()
    ours = text.split("\n\n", 2)[2]  # after "MIT License" and the copyright line
    copyright_file = (ROOT / "debian/copyright").read_text()
    debian = copyright_file.split("\nLicense: Expat\n", 2)[2]
    words = lambda t: re.sub(r"^ \.$", "", t, flags=re.M).split()
    check("debian/copyright's Expat text = LICENSE", words(ours) == words(debian))
    holder = re.search(r"^Copyright \(c\) (.+)$", text, re.M)
    check("debian/copyright names LICENSE's copyright holder",
          bool(holder) and f"Copyright: {holder.group(1)}" in copyright_file)  # type: ignore[union-attr]


def site_and_readme() -> None:
    """The documentation site says what the README says: its description and
    its list of what is not done yet come from the README at build time
    (docs/reference/readme_parts.py), so index.rst may hold no copy; and the
    committed sequence diagrams are what docs/tools/mkseq.py draws."""
    sys.path.insert(0, str(ROOT / "docs/reference"))
    sys.path.insert(0, str(ROOT / "docs/tools"))
    import mkseq  # type: ignore[import-not-found]
    import readme_parts  # type: ignore[import-not-found]
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "docs/reference/index.rst").read_text()
    check("index.rst includes the README's description", ".. include:: intro.rst" in index)
    check("index.rst includes the README's list of what is not done yet", ".. include:: not-yet.rst" in index)
    not_yet = readme_parts.section(readme, readme_parts.NOT_YET)
    items = [line[2:40] for line in not_yet.splitlines() if line.startswith("- ")]
    check("the README lists what is not done yet", bool(items))
    stale = [line for line in index.splitlines() if line.startswith(("* ", "- "))]
    check("index.rst keeps no list of its own", not stale, str(stale))
    check("index.rst repeats no sentence of the README's description",
          readme_parts.intro(readme).split(".")[0] not in index)
    for name, diagram in mkseq.DIAGRAMS.items():
        committed = ROOT / "docs/images" / name
        check(f"docs/images/{name} is what docs/tools/mkseq.py draws",
              committed.is_file() and committed.read_text() == mkseq.draw(diagram))
        check(f"the README shows docs/images/{name}", f"(docs/images/{name})" in readme)


for part in (statuses, methods, sign_in_enums, readme_quick_start, version, symbols, licence, site_and_readme):
    part()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
