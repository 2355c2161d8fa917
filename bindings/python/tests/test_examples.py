"""The Python example and the README's Python quick start, run as a user would."""

import re
import subprocess
import sys
from pathlib import Path

import requests

from conftest import CLIENT_ID, Server

ROOT = Path(__file__).resolve().parents[3]


def test_signin_example(server: Server) -> None:
    script = ROOT / "examples" / "python" / "signin.py"
    process = subprocess.Popen([sys.executable, str(script), server.issuer, CLIENT_ID, "--scope", "profile",
                                "--ca-file", server.ca, "--print-url"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("Open this URL to sign in: "), line
    callback = server.browse(line.split(": ", 1)[1].strip())
    # The browser arrives at the loopback redirect URI, where the script listens.
    assert requests.get(callback, timeout=10).status_code == 200
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "signed in" in out and "token_type    Bearer" in out
    assert "…(" in out  # secrets shortened


def test_readme_python_quick_start() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    result = subprocess.run([sys.executable, "-c", code.group(1)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "code_challenge_method=S256" in result.stdout
