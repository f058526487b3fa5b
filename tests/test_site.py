"""The course website and a slide deck, built from the committed notebooks and opened in
headless Chromium with the network blocked for the page.

One module (it stays on one pytest-xdist worker). The fixture builds the site and one deck
(`book/build.py`, the same code as `make site` / `make slides`) into a temporary folder,
serves it on a loopback port, and every page is opened in a browser context whose requests
to any other host are aborted and counted as failures: a page that needs a CDN fails here.
Needs the `site` extra (`make site` or `make test` installs it), `book/node_modules`
(`npm ci` in `book/`, also run by both) and the system's Chromium; without them the module is
skipped with a hint, except under ``CI=true``, where it fails.
"""
from __future__ import annotations

import contextlib
import functools
import html.parser
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser_helpers import chromium_path, screenshot_on_failure
from conftest import ROOT

pytestmark = pytest.mark.slow
DECK = "04"  # the lesson whose deck the test opens
TIMEOUT_MS = 30_000
SEARCH_TERM = "depthwise"


def _missing(what: str, hint: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {what}: {hint}", pytrace=False)
    pytest.skip(f"{what}: {hint}")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The site (``<tmp>/site``) and one deck (``<tmp>/slides``), built as `make` builds them."""
    if importlib.util.find_spec("jupyter_book") is None:
        _missing("Jupyter Book is not installed", "run `make site` (installs the site extra)")
    if not (ROOT / "book" / "node_modules").is_dir():
        _missing("book/node_modules is missing", "run `make site` (runs `npm ci` in book/)")
    out = tmp_path_factory.mktemp("course-site")
    build = [sys.executable, str(ROOT / "book" / "build.py")]
    t0 = time.monotonic()
    for args in (["site", "--out", str(out / "book")], ["slides", "--out", str(out / "slides"), "--only", DECK]):
        result = subprocess.run(build + args, capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert result.returncode == 0, f"book/build.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    print(f"site and deck built in {time.monotonic() - t0:.0f} s")
    (out / "site").symlink_to(out / "book" / "html")
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102  (the test reports what matters)
        pass


@pytest.fixture(scope="module")
def served(built):
    """``built`` on a free loopback port: yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()  # skip (or fail under CI=true) without a browser
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


class Offline:
    """A browser context whose page may reach only the loopback server: every other request
    is aborted and recorded, as are console errors, uncaught errors and failed responses."""

    def __init__(self, browser, base: str) -> None:
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error: {m.text} ({m.location.get('url')})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status} {r.url}"))
        self.base = base

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"network request blocked: {url}")
            route.abort()

    def take(self) -> list[str]:
        problems, self.problems[:] = list(self.problems), []
        return problems


@pytest.fixture(scope="module")
def offline(browser, served):
    session = Offline(browser, served)
    yield session
    session.context.close()


def _pages(built: Path) -> list[str]:
    """Every page of the site but index.html (a redirect to README.html, checked on its own)."""
    site = built / "site"
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name != "index.html"
                  or p.parent != site and p.name == "index.html")


# The site adds MathJax after the page's load event (book/_ext/course_site.py). Leaving a page
# before it has started and its fonts are in aborts those requests (net::ERR_ABORTED, charged to
# the next page), so every test waits for it before it moves on.
JS_SETTLE = """async () => {
  if ([...document.scripts].some(s => (s.src + s.textContent).includes('tex-mml-chtml'))) {
    const t0 = Date.now();
    while (!window.MathJax?.startup?.promise && Date.now() - t0 < 10000) await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax?.startup?.promise) { await window.MathJax.startup.promise; await document.fonts.ready; }
}"""

# What each page reports once loaded: its figures' natural widths and alt texts, internal links,
# whether MathJax finished and how many widgets rendered.
JS_PAGE_FACTS = """async () => {
  const imgs = [...document.querySelectorAll('article img, main img')];
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  await (""" + JS_SETTLE + """)();
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  if (views) {  // the widget manager replaces each view script with a rendered widget
    const t0 = Date.now();
    while (document.querySelectorAll('.jupyter-widgets, .widget-inline-hbox, .widget-vbox, .widget-hbox').length === 0
           && Date.now() - t0 < 10000) await new Promise(r => setTimeout(r, 100));
  }
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    figures: imgs.map(i => ({src: i.getAttribute('src') || '', width: i.naturalWidth, alt: i.getAttribute('alt') || ''})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(location.origin)),
    views, widgets: document.querySelectorAll('.jupyter-widgets, .widget-inline-hbox').length,
    math: document.querySelectorAll('mjx-container').length,
    loadMs: nav ? nav.loadEventEnd - nav.startTime : null,
  };
}"""


@pytest.fixture(scope="module")
def visited(built, offline):
    """Every page opened once: ``{page: facts}`` plus the problems each page caused."""
    facts, problems = {}, {}
    for name in _pages(built):
        page = offline.page
        with screenshot_on_failure(page, f"site_{name.replace('/', '_')}"):
            page.goto(f"{offline.base}/site/{name}", wait_until="load")
            facts[name] = page.evaluate(JS_PAGE_FACTS)
        problems[name] = offline.take()
    return facts, problems


def test_the_site_has_every_lesson_exercise_and_solution(built):
    from course_utils.syllabus import SYLLABUS

    pages = set(_pages(built))
    for lesson in (l for l in SYLLABUS if l.ready):
        stem = f"{lesson.number}_{lesson.slug}"
        assert {f"notebooks/{stem}.html", f"exercises/{stem}_exercises.html",
                f"solutions/{stem}_exercises.html"} <= pages, stem
    assert {"README.html", "REFERENCES.html", "datasets/README.html", "search.html"} <= pages
    assert (ROOT / "INSTRUCTORS.md").exists() <= ("INSTRUCTORS.html" in pages)


def test_every_page_opens_offline_without_errors(visited):
    facts, problems = visited
    assert len(facts) >= 30
    bad = {name: p for name, p in problems.items() if p}
    assert bad == {}, bad
    slow = {name: f["loadMs"] for name, f in facts.items() if f["loadMs"] and f["loadMs"] > 5000}
    assert slow == {}, f"pages taking over 5 s to load from the loopback server: {slow}"
    print("slowest page load (ms):", max((f["loadMs"] or 0, n) for n, f in facts.items()))


def test_every_figure_loaded_with_alt_text(visited):
    facts, _ = visited
    figures = [(name, f) for name, page in facts.items() for f in page["figures"]]
    assert len(figures) >= 40, len(figures)
    # An ipywidgets Image saves its pixels as a binary buffer, which the notebook's saved widget
    # state leaves out (lesson 08's game): rendered from that state it is an empty blob: image.
    assert [(n, f["src"]) for n, f in figures if f["width"] <= 0 and not f["src"].startswith("blob:")] == []
    lecture = [(n, f) for n, f in figures if n.startswith("notebooks/") and "_images/" in (f["src"] or "")]
    assert lecture, "no lecture figure found"
    assert [(n, f["src"]) for n, f in lecture if len(f["alt"].split()) < 4] == [], \
        "a lecture figure without its one-sentence alt text (cell metadata mystnb.image.alt)"


def test_widgets_render_from_their_saved_state(visited):
    facts, _ = visited
    with_views = {n: f for n, f in facts.items() if f["views"]}
    assert "notebooks/04_mobilenet_v1.html" in with_views, sorted(with_views)
    assert {n: f["widgets"] for n, f in with_views.items() if f["widgets"] == 0} == {}


def test_math_is_typeset(visited):
    facts, _ = visited
    assert facts["notebooks/03_conv_cost.html"]["math"] > 0


class _Ids(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)


@functools.lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def test_every_internal_link_resolves(built, visited, served):
    facts, _ = visited
    broken, checked = [], 0
    for name, page in facts.items():
        for href in page["links"]:
            parts = urlsplit(href)
            target = built / unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append((name, href))
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids(target):
                broken.append((name, href))
    assert checked > 200, checked
    assert broken == []


def test_the_front_page_is_the_readme(offline):
    page = offline.page
    page.goto(f"{offline.base}/site/index.html")
    page.wait_for_url("**/README.html")
    page.wait_for_load_state("load")
    page.evaluate(JS_SETTLE)
    assert page.locator("h1").first.inner_text().startswith("Small & Fast")
    assert offline.take() == []


def test_search_finds_depthwise(offline):
    page = offline.page
    with screenshot_on_failure(page, "site_search"):
        page.goto(f"{offline.base}/site/search.html?q={SEARCH_TERM}", wait_until="load")
        page.evaluate(JS_SETTLE)
        page.wait_for_selector("#search-results ul.search li", timeout=TIMEOUT_MS)
        hits = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
        assert any("notebooks/03_conv_cost.html" in h for h in hits), hits
        # Sphinx fetches each hit's page for its summary without waiting; a test that leaves first
        # aborts those fetches (net::ERR_ABORTED, charged to the next page). Wait for them all.
        page.wait_for_function("""() => /Search finished/.test(document.querySelector('#search-results > p')?.innerText || '')
            && [...document.querySelectorAll('#search-results ul.search li')].every(li => li.querySelector('p.context'))""")
    assert offline.take() == []


def test_a_deck_opens_and_advances_offline(built, offline):
    deck = next((built / "slides").glob(f"{DECK}_*.slides.html"))
    page = offline.page
    with screenshot_on_failure(page, "deck"):
        page.goto(f"{offline.base}/slides/{deck.name}", wait_until="load")
        page.wait_for_function("window.Reveal && window.Reveal.isReady()")
        assert page.evaluate("Reveal.getIndices().h") == 0
        assert page.evaluate("Reveal.getTotalSlides()") >= 10
        page.keyboard.press("ArrowRight")
        page.wait_for_function("Reveal.getIndices().h === 1")
        title = page.evaluate("Reveal.getCurrentSlide().innerText")
        assert title.strip(), "the second slide is empty"
        # every slide once (figures, widgets and math load as they are shown), then the speaker notes exist
        page.evaluate("""async () => { for (let i = 0; i < Reveal.getHorizontalSlides().length; i++) {
            Reveal.slide(i); await new Promise(r => setTimeout(r, 30)); } }""")
        assert page.evaluate("document.querySelectorAll('aside.notes').length") > 0, "no speaker notes"
        alts = page.evaluate("""[...document.querySelectorAll('.reveal .jp-RenderedImage img')]
            .filter(i => !i.closest('.jupyter-widgets')).map(i => i.alt)""")  # not a widget's own image
        assert alts and all(len(a.split()) >= 6 for a in alts), alts
    assert offline.take() == []
