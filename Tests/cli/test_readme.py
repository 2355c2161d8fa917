"""The README's "sign a user in from a C program in 20 lines", compiled
exactly as printed and run against the Authlib server, with the scripted
browser as $BROWSER."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_c_sign_in(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Sign a user in from a C program in 20 lines", 1)[1]
    code = re.search(r"```c\n(.*?)```", section, re.S)
    assert code is not None
    assert len(code.group(1).strip().splitlines()) <= 22  # the title's promise, give or take the header lines
    source = tmp_path / "signin.c"
    source.write_text(code.group(1))
    build = ROOT / "build"
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-std=c11", f"-I{ROOT / 'include'}", str(source),
                    f"-L{build}", "-lpkce", "-o", str(tmp_path / "signin")], check=True)
    environment = dict(os.environ, LD_LIBRARY_PATH=str(build), BROWSER=str(ROOT / "Tests" / "signin" / "scripted-browser"),
                       PKCE_TEST_BROWSER="follow")
    result = subprocess.run([str(tmp_path / "signin"), os.environ["PKCE_TEST_ISSUER"], "libpkce-test",
                             os.environ["PKCE_TEST_CA"]], capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"signed in; access token of \d+ characters\n", result.stdout)
    usage = subprocess.run([str(tmp_path / "signin")], capture_output=True, text=True, env=environment)
    assert usage.returncode == 2


def test_readme_mcp_sign_in(tmp_path: Path) -> None:
    """The README's MCP program, compiled as printed, against the MCP SDK's servers (make test-cli)."""
    mcp = os.environ.get("PKCE_TEST_MCP")
    if not mcp:
        import pytest
        pytest.skip("needs the MCP test servers (make test-cli)")
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Sign in to an MCP server from its URL", 1)[1]
    code = re.search(r"```c\n(.*?)```", section, re.S)
    assert code is not None
    source = tmp_path / "mcp.c"
    source.write_text(code.group(1))
    build = ROOT / "build"
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-std=c11", f"-I{ROOT / 'include'}", str(source),
                    f"-L{build}", "-lpkce", "-o", str(tmp_path / "mcp")], check=True)
    environment = dict(os.environ, LD_LIBRARY_PATH=str(build), BROWSER=str(ROOT / "Tests" / "signin" / "scripted-browser"),
                       PKCE_TEST_BROWSER="follow")
    result = subprocess.run([str(tmp_path / "mcp"), mcp, os.environ["PKCE_TEST_CA"]], capture_output=True, text=True,
                            env=environment, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200: ") and '"text":"hello"' in result.stdout
    assert (tmp_path / "mcp-tokens.json").exists()
