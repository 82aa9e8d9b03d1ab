"""Every page of the built book, as a reader's browser sees it.

Per page: it loads; math is typeset by MathJax (no raw TeX delimiters left in the text);
every image loads; no request leaves the site and none fails; no console error (except
the known harmless THEBE_JS_URL one); no error or warning text in cell outputs; every
internal link and cross-reference points at an existing page and anchor; and axe-core finds
no serious or critical violation of WCAG 2.1 A and AA (contrast, ARIA, names of controls,
alternative text), checked once the math is typeset.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from .conftest import ROOT, SITE, axe_violations, book_pages

sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402

PAGES = book_pages(SITE) if (SITE / "index.html").exists() else ["<the book is not built>"]
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")
WARNING_TEXT = re.compile(r"Traceback \(most recent call last\)|\b\w*Warning\b")
# A figure that reached the page as its repr instead of an image (no PNG formatter active).
FIGURE_REPR = re.compile(r"<Figure size [\d.]+x[\d.]+|<matplotlib\.\w+(\.\w+)* (object )?at 0x")

VISIBLE_TEXT_JS = """() => {
  const body = document.querySelector('main') || document.body;
  const clone = body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .dl-explorer script').forEach(e => e.remove());
  return clone.innerText;
}"""

IMAGES_JS = """async () => {
  const imgs = [...document.querySelectorAll('main img')];
  const results = await Promise.all(imgs.map(async img => {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) {}
    return {src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
            visible: img.offsetParent !== null};
  }));
  return results;
}"""


@lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset[str]:
    return frozenset(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


def _broken_link(site_dir: Path, page_path: str, href: str) -> str | None:
    """Why an internal href is broken, or None when it resolves."""
    url = urlparse(urljoin("http://site/" + page_path, href))
    target = site_dir / unquote(url.path.lstrip("/"))
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return f"{href}: no file {target.relative_to(site_dir)}"
    if url.fragment and target.suffix == ".html" and unquote(url.fragment) not in _ids(target):
        return f"{href}: no anchor #{url.fragment} in {target.relative_to(site_dir)}"
    return None


def test_the_book_has_pages():
    assert PAGES != ["<the book is not built>"], "run `make book` before the browser tests"
    assert "index.html" in PAGES
    assert any(p.startswith("chapters/") for p in PAGES), PAGES


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders_offline_and_cleanly(page_factory, site_url, site_dir, page_path):
    page = page_factory()
    response = page.goto(site_url + page_path, wait_until="load")
    assert response is not None and response.ok, f"{page_path} did not load: {response and response.status}"

    has_math = page.locator(".math").count() > 0
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() > 0, f"{page_path}: math was not typeset"
    leftover = RAW_TEX.findall(page.evaluate(VISIBLE_TEXT_JS))
    assert not leftover, f"{page_path}: raw TeX delimiters left in the text: {leftover[:5]}"

    images = page.evaluate(IMAGES_JS)
    broken = [i["src"][:120] for i in images if not i["ok"]]
    assert not broken, f"{page_path}: images that did not load: {broken}"

    outputs = page.locator(".cell_output").all_inner_texts()
    bad = [m.group(0) for text in outputs for m in [WARNING_TEXT.search(text)] if m]
    assert not bad, f"{page_path}: warning or traceback text in cell outputs: {bad}"
    reprs = [m.group(0) for text in outputs for m in [FIGURE_REPR.search(text)] if m]
    assert not reprs, f"{page_path}: figures shown as text instead of images: {reprs}"
    assert page.locator(".output.stderr, .output.traceback, .problematic").count() == 0, (
        f"{page_path}: stderr, traceback or unresolved-reference elements on the page"
    )

    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    internal = [h for h in hrefs if not urlparse(h).scheme and not h.startswith(("mailto:", "javascript:"))]
    broken_links = sorted({b for h in internal if (b := _broken_link(site_dir, page_path, h))})
    assert not broken_links, f"{page_path}: broken internal links: {broken_links}"

    violations = axe_violations(page)
    assert not violations, f"{page_path}: accessibility (axe-core, WCAG 2.1 A/AA):\n  " + "\n  ".join(violations)

    page.wait_for_timeout(200)  # let late scripts report
    assert page.external_requests == [], f"{page_path}: requests left the site: {page.external_requests}"
    assert page.failed_requests == [], f"{page_path}: failed requests: {page.failed_requests}"
    assert page.console_errors == [], f"{page_path}: console errors: {page.console_errors}"


def test_wide_screen_has_one_search_field_and_no_empty_top_bar(page_factory, site_url):
    # Theme versions that add a pydata header bar on wide screens show a second search field
    # in an otherwise empty bar above the book's own header (requirements.txt pins the themes).
    page = page_factory()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(site_url + "index.html")
    page.wait_for_load_state("load")
    visible = page.evaluate("""() => [...document.querySelectorAll('.search-button-field, .bd-search')]
        .filter(e => e.offsetParent !== null).length""")
    assert visible == 1, f"{visible} search fields visible on a wide screen"
    height = page.evaluate("() => { const h = document.querySelector('.bd-header'); "
                           "return h ? h.getBoundingClientRect().height : 0; }")
    assert height == 0, f"a {height}px header bar sits above the page"


@pytest.mark.browser
def test_a_name_in_a_code_cell_leads_to_its_reference_entry(page_factory, site_url):
    # sphinx-codeautolink turns `dl.gradient_flow` in a chapter's code cell into a link to the
    # library reference; a reader who clicks it lands on the entry, with its signature shown.
    page = page_factory()
    page.goto(site_url + "chapters/gradient-flow.html", wait_until="load")
    link = page.locator("div.cell_input a.sphinx-codeautolink-a").filter(has_text=re.compile(r"^dl\.gradient_flow$")).first
    assert link.count() == 1, "no linked `gradient_flow` in a code cell of the gradient-flow chapter"
    target = link.get_attribute("title")
    assert target and target.startswith("deeplinear."), target
    link.click()
    page.wait_for_load_state("load")
    assert "/library/api-" in page.url and page.url.endswith("#" + target), page.url
    entry = page.locator(f'dt[id="{target}"]')
    assert entry.count() == 1 and entry.is_visible(), f"{target}: no visible entry at {page.url}"
    assert "weights" in entry.inner_text(), entry.inner_text()


# The theme's and the extensions' markup as Sphinx writes it, before tools/build_book.py's
# post-build fixes, and the theme's link colour on an exercise's tinted background.
UNFIXED_MARKUP = """<!doctype html><html lang="en" data-theme="light"><head><meta charset="utf-8"><title>t</title>
<style>html[data-theme="light"] { --pst-color-primary: #176de8; } a { color: var(--pst-color-primary); }
.hide .expanded { display: none; }</style>{css}</head><body><main><h1>t</h1>
<ul><li><a class="reference internal" href="#a">Part</a><details><summary><span class="toctree-toggle"
 role="presentation"></span></summary><ul><li><a href="#b">b</a></li></ul></details></li></ul>
<script>document.write(`<button class="btn search-button-field search-button__button" title="Search" aria-label="Search"
 data-bs-toggle="tooltip"><span>Search</span> <kbd>Ctrl</kbd>+<kbd>K</kbd></button>`);</script>
<details class="admonition hide above-input">
<summary aria-label="Toggle hidden content">
<p class="collapsed admonition-title">Show code cell source</p>
<p class="expanded admonition-title">Hide code cell source</p>
</summary><pre>x = 1</pre></details>
<div style="background: #ecf3ff; padding: 1em"><p>See <a href="#c">Proposition 11.4</a>.</p></div>
<div role="list" class="citation-list">
<div class="citation" id="id3" role="doc-biblioentry"><span class="label">A</span><p>A. Author.</p></div>
</div></main></body></html>"""


@pytest.mark.browser
def test_accessibility_check_fails_before_the_fixes_and_passes_after(page_factory):
    # The per-page axe check means something: it finds each problem the build fixes, and the
    # fixes (tools/build_book.py, tools/assets/book.css) clear them.
    page = page_factory()
    page.set_content(UNFIXED_MARKUP.replace("{css}", ""))
    found = {line.split(" ")[0] for line in axe_violations(page)}
    assert found == {"color-contrast", "summary-name", "label-content-name-mismatch", "aria-required-children"}, found
    css = (ROOT / "tools" / "assets" / "book.css").read_text(encoding="utf-8")
    page.set_content(build_book.accessible_page(UNFIXED_MARKUP.replace("{css}", f"<style>{css}</style>")))
    assert axe_violations(page, impacts=("minor", "moderate", "serious", "critical")) == []
