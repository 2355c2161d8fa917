"""`make bench`, the keyring store: `pkce token` with a valid token, cold,
from the Secret Service (gnome-keyring, under Tests/keyring/with-keyring.sh)
against the same from the file store, in this run, taking turns; and that
a process using the file store loads no libsecret (LD_DEBUG).

Usage: bench_keyring.py PKCE_TOOL LIBPKCE_SO"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    tool, library = sys.argv[1], sys.argv[2]
    os.environ["LIBPKCE_PATH"] = library
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import libpkce
    work = Path(tempfile.mkdtemp())
    answer = libpkce.Token.parse(200, b'{"access_token":"bench-keyring-token","expires_in":86400}')
    stores = {"file": str(work / "tokens.json"), "keyring": "keyring:"}
    with libpkce.Client("bench-client", "http://127.0.0.1:8765/callback", token_endpoint="https://127.0.0.1:9/token") as client:
        for store in (libpkce.FileTokenStore(stores["file"]), libpkce.SecretServiceTokenStore()):
            with store, libpkce.TokenSource(client, answer, store=store, subject="bench"):
                pass
    # The floor: libsecret's own tool reading one item, cold (GLib, D-Bus, the encrypted session).
    subprocess.run(["secret-tool", "store", "--label=bench", "kind", "bench-floor"], input="x", text=True, check=True)
    floor = []
    times = {name: [] for name in stores}
    for _ in range(10):
        for name, store in stores.items():
            for _ in range(4):
                start = time.perf_counter()
                out = subprocess.run([tool, "token", store], check=True, capture_output=True, text=True).stdout
                times[name].append((time.perf_counter() - start) * 1e3)
                assert out.strip() == "bench-keyring-token"
        start = time.perf_counter()
        subprocess.run(["secret-tool", "lookup", "kind", "bench-floor"], check=True, capture_output=True)
        floor.append((time.perf_counter() - start) * 1e3)
    file_ms, keyring_ms = statistics.median(times["file"]), statistics.median(times["keyring"])
    debug = subprocess.run([tool, "token", stores["file"]], capture_output=True, text=True,
                           env=dict(os.environ, LD_DEBUG="libs")).stderr
    loaded = "libsecret" in debug
    keyring_debug = subprocess.run([tool, "token", "keyring:"], capture_output=True, text=True,
                                   env=dict(os.environ, LD_DEBUG="libs")).stderr
    print(f"\n`pkce token STORE`, valid token, cold (median of {len(times['file'])}, taking turns)")
    print(f"  file store                 {file_ms:8.2f} ms   loads libsecret: {'yes' if loaded else 'no'} (target: no)")
    print(f"  keyring (gnome-keyring)    {keyring_ms:8.2f} ms   keyring / file = {keyring_ms / file_ms:.2f}x   target: <= 2x"
          f"{'' if keyring_ms <= 2 * file_ms else ' (not met)'}   loads libsecret: {'yes' if 'libsecret' in keyring_debug else 'no'}")
    print(f"  floor: secret-tool lookup  {statistics.median(floor):8.2f} ms   (libsecret's own tool, one item: "
          f"{statistics.median(floor) / file_ms:.2f}x the file store)")
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
