"""`make bench`, sign-in to a protected resource (the MCP profile), against
the MCP Python SDK's own client on the same local MCP server (Tests/server/
mcp_server.py: the SDK's authorization and resource servers over TLS), in
this run, taking turns:

  - from `pkce login --resource` to the browser being handed the
    authorization URL (the probe, the resource's metadata, the server's
    metadata, the registration, the listener), against the SDK's client
    doing the same steps up to its redirect handler, timed inside its
    process (its interpreter start and imports not counted);
  - a second sign-in to the same resource with the store of the first:
    the requests the servers see before the browser opens (target: none).

Usage (under Tests/server/with-server.sh with WITH_MCP=1):
    bench_resource.py PKCE_TOOL SCRIPTED_BROWSER"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 12
MCP, CA, LOG = os.environ["PKCE_TEST_MCP"], os.environ["PKCE_TEST_CA"], os.environ["PKCE_TEST_MCP_LOG"]
SDK_CLIENT = str(Path(__file__).resolve().parents[1] / "cli" / "sdk_client.py")


def log_lines() -> int:
    return len(Path(LOG).read_text().splitlines())


def until_browser(tool: str, store: Path, stamp_browser: str, stamp: Path) -> float:
    """Seconds from starting `pkce login --resource` to its browser program
    starting; the sign-in is then abandoned."""
    stamp.unlink(missing_ok=True)
    start = time.time()
    process = subprocess.Popen([tool, "login", "--resource", MCP, "--ca-file", CA, "--save", str(store),
                                "--browser-command", stamp_browser, "--timeout", "10"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, STAMP=str(stamp)))
    while not stamp.exists() or not stamp.read_text().strip():
        if process.poll() is not None:
            raise SystemExit(f"pkce login --resource ended with {process.returncode} before the browser")
        time.sleep(0.0005)
    process.kill()
    process.wait()
    return float(stamp.read_text()) - start


def sdk_until_browser() -> float:
    answer = subprocess.run([sys.executable, SDK_CLIENT, MCP, CA, "--until-browser"], check=True,
                            capture_output=True, text=True)
    return float(json.loads(answer.stdout)["seconds"])


def main() -> int:
    tool, browser = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        stamp_browser = directory / "browser"
        stamp_browser.write_text('#!/bin/sh\ndate +%s.%N > "$STAMP"\n')
        stamp_browser.chmod(0o755)
        stamp = directory / "stamp"
        ours, sdk = [], []
        for i in range(ROUNDS):
            ours.append(until_browser(tool, directory / f"first-{i}.json", str(stamp_browser), stamp) * 1000)
            sdk.append(sdk_until_browser() * 1000)
        # A whole first sign-in with a store, then a second one: counted at the servers.
        store = directory / "kept.json"
        subprocess.run([tool, "login", "--resource", MCP, "--ca-file", CA, "--save", str(store), "--browser-command",
                        browser], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, PKCE_TEST_BROWSER="follow"))
        mark = log_lines()
        second = until_browser(tool, store, str(stamp_browser), stamp) * 1000
        requests = Path(LOG).read_text().splitlines()[mark:]
    median, sdk_median = statistics.median(ours), statistics.median(sdk)
    ratio = median / sdk_median
    print(f"\nSign-in to an MCP server from its URL, to the browser being handed the authorization URL "
          f"(median of {ROUNDS}, taking turns)")
    print(f"  pkce login --resource      {median:8.1f} ms   (whole process, from exec)")
    print(f"  MCP SDK OAuthClientProvider{sdk_median:8.1f} ms   (inside its process)   "
          f"libpkce / it = {ratio:.2f}x   target: <= 0.50x")
    print(f"  second sign-in, same store {second:8.1f} ms   requests before the browser: {len(requests)}   target: 0")
    return 0 if ratio <= 0.5 and not requests else 1


if __name__ == "__main__":
    sys.exit(main())
