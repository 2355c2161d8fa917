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
    browser = ROOT / "Tests" / "signin" / "scripted-browser"
    result = subprocess.run([sys.executable, str(script), server.issuer, CLIENT_ID, "--scope", "profile",
                             "--ca-file", server.ca, "--browser", str(browser)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "signed in" in result.stdout and "token_type    Bearer" in result.stdout
    assert "…(" in result.stdout  # secrets shortened


def test_signin_example_prints_the_url(server: Server) -> None:
    """--print-url: the one-time start URL on stderr, and the listener waits for whoever opens it."""
    script = ROOT / "examples" / "python" / "signin.py"
    process = subprocess.Popen([sys.executable, str(script), server.issuer, CLIENT_ID, "--ca-file", server.ca,
                                "--print-url"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    url = ""
    while not url.startswith("http://127.0.0.1:"):
        line = process.stderr.readline()
        assert line, "the example printed no start URL"
        url = line.strip()
    start = requests.get(url, allow_redirects=False, timeout=10)
    assert start.status_code == 302 and start.headers["Location"].startswith(server.issuer + "/authorize?")
    callback = server.browse(start.headers["Location"])
    assert requests.get(callback, timeout=10).status_code == 200
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "signed in" in out


def test_readme_python_quick_start() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    result = subprocess.run([sys.executable, "-c", code.group(1)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "code_challenge_method=S256" in result.stdout
