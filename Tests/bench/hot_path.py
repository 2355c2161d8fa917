"""Writes Sources/PKCECABI/hot-path.order: the library's functions that
every token exchange runs (the transfer's callbacks and the answer's release
included), in the order the exchange first calls them. The linker lays them
out in that order, side by side (docs/architecture.md, "Code layout").

How: hot_exchange runs 1 and then 1 + K exchanges under callgrind against
bench_https's nginx. A function of the library is hot when the K extra
exchanges called it at least K times more; the order is a depth-first
walk of the call graph from pkce_client_exchange, then pkce_token_free,
each function's calls in the order they appear in its code.

The names are the compiler's, specializations included, so the file
records the toolchain that wrote it: `make test-abi` holds a build by the
same toolchain to it.

Usage: hot_path.py HOT_EXCHANGE_BINARY LIBRARY STATE_DIR OUTPUT TOOLCHAIN
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from bench_https import start_nginx

EXTRA = 20
ROOTS = ("pkce_client_exchange", "pkce_token_free")


class Profile:
    """One callgrind output file: how often each function was called and
    from which object, and each function's callees in the order of its call
    sites."""

    def __init__(self, path: Path) -> None:
        self.called: dict[str, int] = defaultdict(int)
        self.objects: dict[str, str] = {}
        self.calls: dict[str, list[str]] = defaultdict(list)
        names: dict[str, dict[str, str]] = {"ob": {}, "fn": {}}
        obj = fn = callee = ""
        after_calls = False
        for line in path.read_text().splitlines():
            key, _, rest = line.partition("=")
            if key in ("ob", "cob", "fn", "cfn"):
                # Names are compressed: "(id) name" the first time, "(id)" after.
                match = re.match(r"\((\d+)\)(?: (.*))?", rest)
                if not match:
                    continue
                table = names[key.removeprefix("c")]
                if match.group(2):
                    table[match.group(1)] = re.sub(r"'\d+$", "", match.group(2))  # recursion depth marker
                name = table[match.group(1)]
                if key == "ob":
                    obj = name
                elif key == "fn":
                    fn = name
                    self.objects[fn] = obj
                elif key == "cfn":
                    callee = name
            elif key == "calls":
                self.called[callee] += int(rest.split()[0])
                after_calls = True
            elif after_calls and line and line[0] in "0123456789+-*":  # the call site just named
                if callee not in self.calls[fn]:
                    self.calls[fn].append(callee)
                after_calls = False


def profile(binary: str, library_dir: Path, url: str, ca: str, exchanges: int, out: Path) -> Profile:
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--dump-instr=yes",
                    f"--callgrind-out-file={out}", binary, url, ca, str(exchanges)],
                   check=True, capture_output=True, env=dict(os.environ, LD_LIBRARY_PATH=str(library_dir)))
    return Profile(out)


def main() -> int:
    binary, library, state, output, toolchain = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).resolve(), Path(sys.argv[4]), sys.argv[5]
    shutil.rmtree(state, ignore_errors=True)
    (state / "lib").mkdir(parents=True)
    # valgrind 3.19 gives up on the Swift objects' DWARF: a copy without it.
    subprocess.run(["objcopy", "--strip-debug", str(library), str(state / "lib/libpkce.so.0")], check=True)
    nginx, url, ca = start_nginx(state)
    try:
        once = profile(binary, state / "lib", url, ca, 1, state / "once.out")
        more = profile(binary, state / "lib", url, ca, 1 + EXTRA, state / "more.out")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)

    hot = {fn for fn, count in more.called.items()
           if more.objects.get(fn, "").endswith("/libpkce.so.0") and count - once.called.get(fn, 0) >= EXTRA
           and not fn.startswith("0x")}
    order: list[str] = []
    seen: set[str] = set()

    def walk(fn: str) -> None:
        # Through every function, the library's or not: libcurl calls the write callback.
        stack = [fn]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in hot:
                order.append(current)
            stack.extend(reversed(more.calls.get(current, [])))

    for root in ROOTS:
        walk(root)
    order += sorted(hot - set(order))
    if len(order) < 50 or any(root not in order for root in ROOTS):
        print(f"hot_path.py: only {len(order)} hot functions found; is this the exchange?", file=sys.stderr)
        return 1
    output.write_text(
        "# The functions every token exchange runs, in the order it first runs them,\n"
        "# which the linker lays out side by side (docs/architecture.md, \"Code layout\").\n"
        "# Written by `make hot-path` (Tests/bench/hot_path.py); `make test-abi` checks\n"
        "# that each of the library's own still exists when built by the same toolchain:\n"
        f"# toolchain: {toolchain}\n" + "".join(f"{fn}\n" for fn in order))
    print(f"{output}: {len(order)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
