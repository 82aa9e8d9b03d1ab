"""Fixtures for the real-browser checks of the built book.

The site in _build/html is served on a free loopback port and visited with Debian's
Chromium driven by Playwright (Playwright cannot download its own browser here). Each page
object records the requests that leave the site and the console errors, so tests can assert
that a page works offline and cleanly. ``axe_violations`` runs axe-core (npm, package.json)
in a page for the WCAG 2.1 A and AA rules.
"""

from __future__ import annotations

import functools
import http.server
import socketserver
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's tags for the WCAG 2.0 and 2.1 success criteria of levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN_JS = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     targets: v.nodes.map(n => n.target.join(' '))})))"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Jupyter Book 1 declares THEBE_JS_URL twice on every page; harmless (toolchain-facts.md, 2).
KNOWN_HARMLESS_CONSOLE = ("Identifier 'THEBE_JS_URL' has already been declared",)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output readable
        pass


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail(f"the book is not built ({SITE / 'index.html'} is missing): run `make book` first")
    return SITE


@pytest.fixture(scope="session")
def site_url(site_dir: Path):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    socketserver.TCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_factory(browser, site_url):
    """Return ``new_page()``: a Playwright page recording what leaves the site.

    Attributes added to the page: ``external_requests`` (URLs outside ``site_url``),
    ``failed_requests`` (site URLs that failed or returned >= 400) and ``console_errors``
    (console errors and uncaught exceptions, minus the known harmless one).
    """
    contexts = []
    host = urlparse(site_url).netloc

    def new_page():
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.external_requests = []
        page.failed_requests = []
        page.console_errors = []

        def on_request(request):
            url = urlparse(request.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.netloc != host:
                page.external_requests.append(request.url)

        def on_response(response):
            if response.status >= 400:
                page.failed_requests.append(f"{response.status} {response.url}")

        def on_console(msg):
            if msg.type == "error" and not any(k in msg.text for k in KNOWN_HARMLESS_CONSOLE):
                page.console_errors.append(msg.text)

        page.on("request", on_request)
        page.on("response", on_response)
        page.on("requestfailed", lambda r: page.failed_requests.append(f"failed {r.url}"))
        page.on("console", on_console)
        page.on(
            "pageerror",
            lambda exc: None
            if any(k in str(exc) for k in KNOWN_HARMLESS_CONSOLE)
            else page.console_errors.append(f"uncaught: {exc}"),
        )
        # Block anything outside the site so a stray CDN reference fails fast, not by timeout.
        context.route(lambda url: urlparse(url).netloc != host and urlparse(url).scheme.startswith("http"),
                      lambda route: route.abort())
        return page

    yield new_page
    for c in contexts:
        c.close()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """The page's axe-core violations of WCAG 2.1 A/AA with one of ``impacts``, one line each:
    rule id, impact, number of elements and the first few of their selectors."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (package.json lists axe-core)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN_JS, AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}, {len(v['targets'])} elements: {v['help']}): " + "; ".join(v["targets"][:4])
        for v in found
        if v["impact"] in impacts
    ]


def book_pages(site_dir: Path) -> list[str]:
    """Relative paths of the book's content pages (the search and index pages excluded)."""
    skip = {"search.html", "genindex.html"}
    return sorted(
        str(p.relative_to(site_dir))
        for p in site_dir.rglob("*.html")
        if p.name not in skip and not str(p.relative_to(site_dir)).startswith(("_", "reports"))
    )
