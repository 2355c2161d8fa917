"""The documentation site as a reader meets it (make test-docs): the index
and the C API pages opened in headless Chromium (Debian's chromium) at a
1280-pixel window. Fails on an internal link to a page or anchor that is not
there, a picture that does not load, one drawn below its natural size, and
one that reaches past the window (it would need horizontal scrolling).
Also leaves a screenshot of each page in OUT_DIR, for a person to look at.

Usage: check-browser.py HTML_DIR OUT_DIR
"""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PAGES = ["index.html", "c-api.html"]
WINDOW = (1280, 900)
passed = failed = 0


def check(description: str, ok: bool, detail: str = "") -> None:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {description}{': ' + detail if detail else ''}")


class Page(HTMLParser):
    """The links, pictures and anchors of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("id", "name"):
            if a.get(name):
                self.ids.add(a[name] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in ("img", "script") and a.get("src"):
            self.links.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.links.append(a["href"] or "")


def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(errors="replace"))
    return page


def check_links(html: Path, name: str) -> None:
    """Every relative link of the page leads to a file, and to an anchor in it."""
    page = parsed(html / name)
    for link in page.links:
        parts = urlsplit(link)
        if parts.scheme or link.startswith("//"):
            continue  # not internal (check-docs.sh makes sure nothing is loaded from the network)
        target = (html / name).parent / unquote(parts.path) if parts.path else html / name
        exists = target.is_file()
        check(f"{name}: link {link} leads to a file", exists)
        if exists and parts.fragment and target.suffix == ".html":
            check(f"{name}: link {link} leads to its anchor", parts.fragment in parsed(target).ids)


# Put into a copy of the page: once everything has loaded, what the reader
# sees of each picture, written where --dump-dom shows it.
PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const pictures = [...document.querySelectorAll("img, object, svg:not(img svg)")].map(e => {
    const r = e.getBoundingClientRect();
    return {what: e.getAttribute("src") || e.getAttribute("data") || e.tagName, complete: e.complete !== false,
            natural: e.naturalWidth === undefined ? null : e.naturalWidth, drawn: r.width, left: r.left, right: r.right};
  });
  const out = document.createElement("pre");
  out.id = "libpkce-probe";
  out.textContent = JSON.stringify({width, scrollWidth: document.documentElement.scrollWidth, pictures});
  document.body.appendChild(out);
});
</script>"""


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    if not program:
        raise SystemExit("check-browser.py needs Debian's chromium (make test-docs installs it)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([program, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                               "--allow-file-access-from-files", *args],
                              capture_output=True, text=True, timeout=120)


def check_pictures(html: Path, name: str, out: Path) -> None:
    source = (html / name).read_text()
    probe = html / (name + ".probe.html")
    probe.write_text(source.replace("</body>", PROBE + "</body>"))
    try:
        dom = chromium("--virtual-time-budget=5000", "--dump-dom", probe.resolve().as_uri()).stdout
    finally:
        probe.unlink()
    found = re.search(r'<pre id="libpkce-probe">(.*?)</pre>', dom, re.S)
    check(f"{name}: Chromium opened the page and ran the probe", bool(found))
    if not found:
        return
    seen = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                      .replace("&amp;", "&"))
    pictures = [p for p in seen["pictures"] if p["what"] not in ("svg", "SVG")]
    if name == "index.html":
        check("index.html shows the sign-in and the device grant", len(pictures) >= 2, str(pictures))
    for p in pictures:
        what = f"{name}: picture {p['what']}"
        check(f"{what} loads", p["complete"] and (p["natural"] is None or p["natural"] > 0), str(p))
        if p["natural"]:
            check(f"{what} is drawn at its natural width ({p['natural']} px), not scaled down",
                  p["drawn"] >= p["natural"] - 1, f"drawn {p['drawn']:.0f} px")
        check(f"{what} fits the {WINDOW[0]}-pixel window", p["left"] >= 0 and p["right"] <= seen["width"] + 0.5,
              f"from {p['left']:.0f} to {p['right']:.0f} px of {seen['width']}")
    out.mkdir(parents=True, exist_ok=True)
    shot = out / (Path(name).stem + ".png")
    chromium(f"--screenshot={shot.resolve()}", "--virtual-time-budget=3000", (html / name).resolve().as_uri())
    check(f"{name}: a screenshot was taken ({shot})", shot.is_file() and shot.stat().st_size > 0)


def main() -> int:
    html, out = Path(sys.argv[1]), Path(sys.argv[2])
    for name in PAGES:
        check_links(html, name)
        check_pictures(html, name, out)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
