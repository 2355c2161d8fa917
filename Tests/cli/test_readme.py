"""The README's C programs, compiled exactly as printed and run with the
scripted browser as $BROWSER: "sign a user in from a C program in 20 lines"
and the DPoP one against the Authlib server, and the MCP sign-in against the MCP SDK's."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, Tuple

ROOT = Path(__file__).resolve().parents[2]


def readme_program(heading: str, tmp_path: Path) -> Tuple[Path, str, Dict[str, str]]:
    """The first C block after `heading` in the README, compiled as printed; its path, its
    source, and the environment to run it in (the scripted browser as $BROWSER)."""
    section = (ROOT / "README.md").read_text().split(heading, 1)[1]
    code = re.search(r"```c\n(.*?)```", section, re.S)
    assert code is not None
    source = tmp_path / "program.c"
    source.write_text(code.group(1))
    build = ROOT / "build"
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-std=c11", f"-I{ROOT / 'include'}", str(source),
                    f"-L{build}", "-lpkce", "-o", str(tmp_path / "program")], check=True)
    environment = dict(os.environ, LD_LIBRARY_PATH=str(build), BROWSER=str(ROOT / "Tests" / "signin" / "scripted-browser"),
                       PKCE_TEST_BROWSER="follow")
    return tmp_path / "program", code.group(1), environment


def test_readme_c_sign_in(tmp_path: Path) -> None:
    program, code, environment = readme_program("## Sign a user in from a C program in 20 lines", tmp_path)
    assert len(code.strip().splitlines()) <= 22  # the title's promise, give or take the header lines
    result = subprocess.run([str(program), os.environ["PKCE_TEST_ISSUER"], "libpkce-test",
                             os.environ["PKCE_TEST_CA"]], capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"signed in; access token of \d+ characters\n", result.stdout)
    usage = subprocess.run([str(program)], capture_output=True, text=True, env=environment)
    assert usage.returncode == 2


def test_readme_mcp_sign_in(tmp_path: Path) -> None:
    """The README's MCP program, compiled as printed, against the MCP SDK's servers (make test-cli)."""
    mcp = os.environ.get("PKCE_TEST_MCP")
    if not mcp:
        import pytest
        pytest.skip("needs the MCP test servers (make test-cli)")
    program, _, environment = readme_program("## Sign in to an MCP server from its URL", tmp_path)
    result = subprocess.run([str(program), mcp, os.environ["PKCE_TEST_CA"]], capture_output=True, text=True,
                            env=environment, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200: ") and '"text":"hello"' in result.stdout
    assert (tmp_path / "mcp-tokens.json").exists()


def test_readme_dpop_sign_in(tmp_path: Path) -> None:
    """The README's DPoP program, compiled as printed: its two headers reach the
    Authlib server's DPoP-protected route, and the store holds the key."""
    import requests
    program, _, environment = readme_program("## Tokens bound to a key: DPoP", tmp_path)
    issuer, ca = os.environ["PKCE_TEST_ISSUER"], os.environ["PKCE_TEST_CA"]
    api = issuer + "/api/dpop"
    result = subprocess.run([str(program), issuer, "libpkce-test", api, ca], capture_output=True, text=True,
                            env=environment, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    headers = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert list(headers) == ["Authorization", "DPoP"] and headers["Authorization"].startswith("DPoP ")
    assert requests.get(api, headers=headers, verify=ca, timeout=10).status_code == 200
    assert "-----BEGIN PRIVATE KEY-----" in (tmp_path / "dpop-tokens.json").read_text()
