"""The rendered site in a real browser: every page loads offline, typeset, with its figures.

The site is built from the fast-mode executed notebooks (the session fixture ``fast_build``),
served on localhost, and every page is opened in Debian's headless Chromium through Playwright.
Every request is intercepted: one that leaves the site is recorded and refused, so a page that
needs the network fails here exactly as it would fail for a reader without one. A full-page
screenshot of each page is saved under build/test/screenshots/ for a person to look at.
"""

import functools
import http.server
import itertools
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tools import build_site
from tools.paths import BUILD_DIR, NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

# Debian's chromium (.ci/run installs it), or the one CHROMIUM names.
CHROMIUM = Path(os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-sync",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-default-browser-check",
]
SITE = BUILD_DIR / "test" / "html"
SCREENSHOTS = BUILD_DIR / "test" / "screenshots"
NOTEBOOK_STEMS = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
NOTEBOOK_PAGES = [f"notebooks/{stem}" for stem in NOTEBOOK_STEMS]
# Pages written by hand (docs/*.md) or by Sphinx itself, and whether they must show math.
OTHER_PAGES = {"index": True, "api": True, "genindex": False, "py-modindex": False, "search": False}
PAGES = [*OTHER_PAGES, *NOTEBOOK_PAGES]
# TeX that was left as text: \( \) \[ \] $$, \begin{...}, or $...$ around a TeX command.
RAW_TEX = re.compile(r"\\[()[\]]|\$\$|\\begin\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


@pytest.fixture(scope="module")
def site(fast_build):
    """The site built from this session's fast-mode notebooks (only those that ran to the end)."""
    executed = [
        fast_build.notebooks / f"{stem}.ipynb"
        for stem, proc in fast_build.results.items()
        if proc.returncode == 0
    ]
    return build_site.build(executed, SITE)


@pytest.fixture(scope="module")
def server(site):
    """``site`` served by http.server on an ephemeral localhost port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does), "
            "or set CHROMIUM to a Chromium executable"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


class PageVisit:
    """One page opened in a fresh browser context, with every request and error recorded."""

    def __init__(self, browser, url, local_prefix):
        self.local_prefix = local_prefix
        self.requests, self.external, self.failed, self.errors = [], [], [], []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block"
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("console", self._console)
        # "load": the page, its styles, scripts and images. Then MathJax, which loads its fonts
        # and extensions on demand. (Playwright's "networkidle" is not reliable for file:// URLs.)
        self.page.goto(url, wait_until="load")
        self.wait_for_math()
        self.page.evaluate(
            "() => Promise.all(Array.from(document.images).filter(img => !img.complete).map("
            " img => new Promise(done => { img.onload = img.onerror = done; })))"
        )
        self.page.wait_for_timeout(250)

    def _is_local(self, url):
        return url.startswith(self.local_prefix) or url.startswith(("data:", "blob:", "about:"))

    def _route(self, route):
        if self._is_local(route.request.url):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort("blockedbyclient")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def wait_for_math(self, timeout=20_000):
        """Wait until MathJax (if the page loads it) has typeset the page; record it if never."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(
                "() => !document.querySelector('script[src*=\"mathjax\"]')"
                " || (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)",
                timeout=timeout,
            )
        except PlaywrightTimeout:
            self.errors.append("MathJax did not start")
            return
        self.page.evaluate(
            "async () => { if (window.MathJax && window.MathJax.startup) {"
            " await window.MathJax.startup.promise; } }"
        )

    def close(self):
        self.context.close()


def _prose_text(page):
    """Visible text outside code, preformatted outputs and typeset math."""
    return page.evaluate(
        """() => {
          const skip = 'pre, code, script, style, mjx-container, .highlight';
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          const parts = [];
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (!el || el.closest(skip)) continue;
            if (!el.checkVisibility()) continue;
            parts.push(node.textContent);
          }
          return parts.join(' ');
        }"""
    )


def _math_report(page):
    return page.evaluate(
        """() => {
          const math = Array.from(document.querySelectorAll('.math'));
          return {
            math: math.length,
            untypeset: math.filter(m => !m.querySelector('mjx-container'))
                           .map(m => m.textContent.slice(0, 80)),
            containers: document.querySelectorAll('mjx-container').length,
            errors: Array.from(document.querySelectorAll('mjx-merror'))
                         .map(e => e.getAttribute('data-mjx-error') || e.textContent),
          };
        }"""
    )


def _images(page):
    return page.evaluate(
        """() => Array.from(document.images).map(img => ({
             src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth}))"""
    )


def _page_file(site, name):
    return site / f"{name}.html"


def test_site_has_exactly_the_expected_pages(site):
    """Every page of the site is one the browser test visits, and each notebook has its page."""
    found = {
        p.relative_to(site).with_suffix("").as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources")
    }
    missing = sorted(set(PAGES) - found)
    assert not missing, f"pages missing from the site (did a notebook fail to execute?): {missing}"
    assert found == set(PAGES), f"pages the test does not visit: {sorted(found - set(PAGES))}"


@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(name, site, server, browser, screenshots):
    assert _page_file(site, name).is_file(), f"{name}.html was not built"
    visit = PageVisit(browser, urljoin(server, f"{name}.html"), server)
    try:
        page = visit.page
        page.screenshot(path=str(screenshots / f"{name.replace('/', '-')}.png"), full_page=True)

        assert visit.external == [], f"requests outside the site: {visit.external}"
        assert visit.failed == [], f"failed requests: {visit.failed}"
        assert visit.errors == [], f"errors in the page: {visit.errors}"
        assert all(
            u.startswith(server) for u in visit.requests if not u.startswith(("data:", "blob:"))
        )

        images = _images(page)
        broken = [img["src"] for img in images if not img["complete"] or img["width"] == 0]
        assert broken == [], f"images that did not load: {broken}"

        math = _math_report(page)
        if OTHER_PAGES.get(name, True):  # the landing page, the API and every notebook show math
            assert math["math"] > 0, "no math on a page that should have some"
            assert math["containers"] >= math["math"], (
                "MathJax produced fewer elements than there are formulas"
            )
        assert math["untypeset"] == [], f"math left untypeset: {math['untypeset']}"
        assert math["errors"] == [], f"TeX errors: {math['errors']}"
        prose = _prose_text(page)
        raw = sorted(set(RAW_TEX.findall(prose)))
        assert raw == [], f"raw TeX in the page's text: {raw}"

        assert "Traceback" not in page.inner_text("body")
        bad = [
            t.strip()[:200]
            for t in page.locator(".output.stderr, .output.traceback").all_inner_texts()
        ]
        assert bad == [], f"stderr or error outputs: {bad}"
        for text in page.locator(".cell_output").all_inner_texts():
            assert "Warning" not in text, f"a warning in a cell output: {text[:300]}"
    finally:
        visit.close()


def test_notebook_pages_show_code_outputs_and_figures(site):
    """Each notebook page has code cells with outputs, and the collection has figures."""
    n_images = 0
    for name in NOTEBOOK_PAGES:
        html = _page_file(site, name).read_text()
        assert 'class="cell_input' in html, f"{name}: no code cell"
        assert 'class="cell_output' in html, f"{name}: no output"
        n_images += html.count("<img ")
    if NOTEBOOK_PAGES:
        assert n_images > 0, "no figure in any notebook page"


def test_landing_page_links_to_every_notebook_and_the_api(server, browser):
    visit = PageVisit(browser, urljoin(server, "index.html"), server)
    try:
        hrefs = visit.page.eval_on_selector_all(
            "article a[href]", "links => links.map(a => a.href)"
        )
    finally:
        visit.close()
    linked = {urlsplit(h).path.lstrip("/") for h in hrefs if h.startswith(server)}
    for name in [*NOTEBOOK_PAGES, "api"]:
        assert f"{name}.html" in linked, f"the landing page does not link to {name}.html"


def test_notebook_pages_link_to_their_neighbours(site):
    """Previous/next links follow the numbered reading order."""
    order = ["index", *NOTEBOOK_PAGES]
    for before, name in itertools.pairwise(order):
        html = _page_file(site, name).read_text()
        target = "../index.html" if before == "index" else f"{Path(before).name}.html"
        assert re.search(rf'class="left-prev"\s+href="{re.escape(target)}"', html) or re.search(
            rf'href="{re.escape(target)}"[^>]*class="left-prev"', html
        ), f"{name}: no 'previous' link to {before}"


def test_landing_page_from_disk(site, browser, screenshots):
    """Opened as a file:// URL, the landing page typesets its math and requests nothing outside."""
    prefix = site.as_uri() + "/"
    visit = PageVisit(browser, prefix + "index.html", prefix)
    try:
        visit.page.screenshot(path=str(screenshots / "index-from-disk.png"), full_page=True)
        assert visit.external == [], f"requests outside the site: {visit.external}"
        assert visit.failed == [], f"failed requests: {visit.failed}"
        assert visit.errors == [], f"errors in the page: {visit.errors}"
        assert all(
            u.startswith(prefix) for u in visit.requests if not u.startswith(("data:", "blob:"))
        )
        math = _math_report(visit.page)
        assert math["math"] > 0 and math["untypeset"] == [] and math["errors"] == []
        assert _images(visit.page) == [] or all(i["width"] > 0 for i in _images(visit.page))
    finally:
        visit.close()


def test_landing_page_gallery_in_browser(server, browser):
    """One card per notebook, in reading order, each with its thumbnail, summary and run time."""
    visit = PageVisit(browser, urljoin(server, "index.html"), server)
    try:
        cards = visit.page.eval_on_selector_all(
            ".notebook-card",
            """cards => cards.map(card => ({
                 href: card.querySelector('a').getAttribute('href'),
                 img: card.querySelector('img.sd-card-img-top').naturalWidth,
                 text: card.innerText}))""",
        )
    finally:
        visit.close()
    assert [c["href"] for c in cards] == [f"{page}.html" for page in NOTEBOOK_PAGES]
    for card in cards:
        assert card["img"] > 0, f"{card['href']}: the thumbnail did not load"
        assert re.search(r"Runs in \d+ s \(fast mode\)", card["text"]), card["text"]


@pytest.mark.parametrize("stem", NOTEBOOK_STEMS[:1] + NOTEBOOK_STEMS[-1:])
def test_notebook_downloads_in_browser(stem, server, browser):
    """The page's two download links fetch the notebook without outputs and the executed copy."""
    visit = PageVisit(browser, urljoin(server, f"notebooks/{stem}.html"), server)
    try:
        page = visit.page
        fetched = {}
        for kind in ("source", "executed"):
            link = page.locator(f".notebook-downloads a.download-{kind}")
            assert link.is_visible(), f"{stem}: no visible {kind} download link"
            url = urljoin(page.url, link.get_attribute("href"))
            response = page.request.get(url)
            assert response.ok, f"{url}: HTTP {response.status}"
            fetched[kind] = response.json()
    finally:
        visit.close()
    code = {k: [c for c in nb["cells"] if c["cell_type"] == "code"] for k, nb in fetched.items()}
    assert code["source"] and all(not c["outputs"] for c in code["source"])
    assert any(c["outputs"] for c in code["executed"])
    assert [c["source"] for c in code["source"]] == [c["source"] for c in code["executed"]]


def test_notebook_page_prints_the_article_alone(server, browser, screenshots):
    """Printed, a page has no header, sidebars or navigation, and the article takes the width."""
    stem = NOTEBOOK_STEMS[0]
    visit = PageVisit(browser, urljoin(server, f"notebooks/{stem}.html"), server)
    try:
        page = visit.page
        chrome = [".bd-header", ".bd-sidebar-primary", ".bd-sidebar-secondary", ".prev-next-area"]
        assert all(page.locator(sel).first.is_visible() for sel in chrome[:2])  # on screen
        page.emulate_media(media="print")
        shown = [
            sel for sel in chrome + [".notebook-downloads"] if page.locator(sel).first.is_visible()
        ]
        assert shown == [], f"printed with the page: {shown}"
        width = page.evaluate("() => document.querySelector('article.bd-article').offsetWidth")
        assert width >= 0.9 * page.viewport_size["width"], f"article only {width}px wide in print"
        pdf = page.pdf(path=str(screenshots / f"{stem}.pdf"), format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        visit.close()
