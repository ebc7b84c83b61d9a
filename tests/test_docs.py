"""The built documentation opens in a real browser (headless Chromium), offline.

The browser test needs a built site (``sphinx-build -W -b html docs docs/_build/html``, or
``ODEKIT_DOCS_HTML=DIR``), Chromium (Debian's ``chromium``; ``CHROMIUM=PATH`` elsewhere) and
Playwright for Python (the ``docs`` extra); it skips with the reason when one is missing, so
the ordinary test run pays nothing. ``.ci/run`` builds the site and runs it.

On the index, one theory page and one gallery page it checks: no console error and no
failed or outside request (the site must work offline), every image loaded
(``naturalWidth > 0``), mathematics typeset by the bundled MathJax (no raw ``\\(`` left in
the text), and a screenshot that is not blank.
"""

import functools
import http.server
import io
import os
import pathlib
import re
import shutil
import threading

import pytest

from odekit import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
HTML = pathlib.Path(os.environ.get("ODEKIT_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
PAGES = {  # kind: (page, must show typeset mathematics, must show an image)
    "index": ("index.html", False, True),
    "theory": ("mathieu.html", True, False),
    "theory-figure": ("integrate.html", True, True),
    "gallery": ("gallery/mathieu_stability_chart.html", False, True),
}


def test_api_reference_lists_every_family():
    """A new family joins the API reference by one line in docs/api.rst: not forgotten."""
    api = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+(odekit[\w.]*)\s*$", api, re.M))
    for fam in cli.figure_families():
        assert f"odekit.{fam}" in listed or fam == "integrate", f"odekit.{fam} not in api.rst"
        assert f"odekit.{fam}.plot" in listed, f"odekit.{fam}.plot not in api.rst"


def _chromium():
    for cand in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if cand and os.path.exists(cand):
            return cand
    return None


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        pytest.skip(f"docs not built ({HTML}/index.html missing): run "
                    "'sphinx-build -W -b html docs docs/_build/html' first")
    exe = _chromium()
    if exe is None:
        pytest.skip("Chromium not found (apt-get install chromium, or set CHROMIUM=PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python not installed (pip install -e '.[docs]')")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            try:
                yield browser, base
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


def _not_blank(png: bytes) -> tuple[float, float]:
    """(standard deviation of the grey levels, fraction of non-background pixels)."""
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(io.BytesIO(png), format="png")[..., :3].mean(axis=2)
    background = np.median(img)
    return float(img.std()), float(np.mean(np.abs(img - background) > 0.1))


_IMAGES_JS = """async () => {
  const imgs = [...document.images];
  for (const i of imgs) { i.loading = 'eager'; }
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.map(i => [i.currentSrc || i.src, i.naturalWidth]);
}"""

_MATHJAX_JS = """async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return -1;
  await MathJax.startup.promise;
  return document.querySelectorAll('mjx-container').length;
}"""


@pytest.mark.docs
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_renders(site, kind, tmp_path):
    browser, base = site
    path, has_math, has_image = PAGES[kind]
    if not (HTML / path).is_file():
        pytest.fail(f"{path} is missing from the built site {HTML}")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((base, "data:", "blob:", "about:")) else None)
    response = page.goto(base + path, wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("networkidle")
    images = page.evaluate(_IMAGES_JS)
    broken = [src for src, w in images if not w]
    n_math = page.evaluate(_MATHJAX_JS)
    text = page.inner_text("body")
    png = page.screenshot(full_page=False)
    (tmp_path / f"{kind}.png").write_bytes(png)
    page.close()

    assert not errors, f"{path}: " + "; ".join(errors)
    assert not outside, f"{path} reaches outside the site (offline it breaks): {outside}"
    assert not broken, f"{path}: images that did not load: {broken}"
    if has_image:
        assert images, f"{path}: no image on the page"
    if has_math:
        assert n_math > 0, f"{path}: MathJax did not typeset anything (returned {n_math})"
        assert "\\(" not in text and "\\[" not in text, f"{path}: raw TeX left in the text"
    std, ink = _not_blank(png)
    assert std > 0.02 and ink > 0.01, f"{path}: the screenshot looks blank ({std=:.3f}, {ink=:.3f})"


def test_benchmarks_and_theory_pages_are_generated(tmp_path):
    """The generated sources of the site: a section and chart per benchmark, the theory toctree."""
    import sys

    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import odekit_sphinx as ext
    finally:
        sys.path.pop(0)
    text = ext.write_benchmarks_page(tmp_path, ROOT)
    for script in (ROOT / "benchmarks").glob("bench_*.py"):
        assert f"\n{script.stem}\n" in f"\n{text}"
        res = ext.latest_results(ROOT / "benchmarks" / "results", script.stem)
        if res is not None:
            assert f"/_generated/{script.stem}.png" in text
            assert (tmp_path / "_generated" / f"{script.stem}.png").stat().st_size > 5_000
    core = ext.latest_results(ROOT / "benchmarks" / "results", "bench_core")
    if core is not None:
        series = ext.extract_series(core.read_text(encoding="utf-8"))
        labels = [a for _, pts, _ in series for a, _ in pts]
        assert "odekit DOP853" in labels and "SciPy DOP853" in labels
    for page in (tmp_path / "integrate.rst", tmp_path / "mathieu.rst"):
        page.write_text("x\n=\n")
    assert ext.write_theory_toctree(tmp_path, ROOT)[:2] == ["integrate", "mathieu"]
    assert "   mathieu\n" in (tmp_path / "_generated" / "theory.inc").read_text()
