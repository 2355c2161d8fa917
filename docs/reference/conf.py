# The HTML reference (make docs): the C API from include/pkce.h (c-api.rst,
# written by mkcapi.py at build time), the Python package from its
# docstrings, the sequence diagrams of docs/images and the README's own
# description and list of what is not done yet (readme_parts.py). Offline;
# Debian's Sphinx.
import os
import re
import sys
from pathlib import Path

ROOT = Path(os.environ["LIBPKCE_ROOT"])
sys.path.insert(0, str(ROOT / "bindings" / "python"))
project = "libpkce"
version = release = re.search(r'#define PKCE_VERSION_STRING "([^"]+)"', (ROOT / "include" / "pkce.h").read_text()).group(1)
author = "libpkce developers"
copyright = "2026, libpkce developers"
extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
html_theme = "alabaster"
html_title = f"libpkce {version}"
html_show_sourcelink = False
html_last_updated_fmt = None
master_doc = "index"
html_show_sphinx = False
# Wide enough for the sequence diagrams (760 px) at their natural size in a
# 1280-pixel window (make test-docs checks both), and for pkce.h's long
# declarations.
html_theme_options = {"page_width": "1140px", "sidebar_width": "220px"}
