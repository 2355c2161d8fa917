"""The package as a user installs it: pip install ./bindings/python, library by LIBPKCE_PATH."""

import os
import shutil
import subprocess
import venv
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def test_pip_install_and_library_path(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # A copy, so that the build leaves nothing (build/, *.egg-info) in the source tree.
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "tests", "__pycache__",
                                                                     ".mypy_cache"))
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
                   check=True, cwd=tmp_path)
    library = os.environ["LIBPKCE_PATH"]
    check = ("import libpkce; "
             "print(libpkce.__file__); "
             "print(libpkce.challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'))")
    env = {"PATH": os.environ["PATH"], "LIBPKCE_PATH": library}
    out = subprocess.run([str(python), "-c", check], check=True, capture_output=True, text=True, cwd=tmp_path,
                         env=env).stdout.split()
    assert out[0].startswith(str(env_dir)) and out[1] == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    # Without a loadable library: one ImportError that says what was tried.
    env["LIBPKCE_PATH"] = str(tmp_path / "missing.so")
    failed = subprocess.run([str(python), "-c", "import libpkce"], capture_output=True, text=True, cwd=tmp_path,
                            env=env)
    assert failed.returncode != 0
    assert "ImportError" in failed.stderr and "LIBPKCE_PATH" in failed.stderr and "SONAME" in failed.stderr
