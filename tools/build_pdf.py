"""The printable book: _build/pdf/book.pdf and one PDF per chapter in _build/pdf/chapters/.

Run by `make pdf-web` after `make book`; `make pdf` typesets the same files with LaTeX instead
(tools/build_latex.py, which uses this module's `check`, `link_from_site` and `LEFT_OUT`).
This one prints the pages of the built HTML book (_build/html,
whose notebooks the build executed or took from its jupyter-cache) with headless Chromium,
so nothing is executed again and no TeX installation is needed:

* _build/html is served on a loopback port; Debian's /usr/bin/chromium (`make browser`) is
  driven by Playwright (`executable_path`, because Playwright cannot download its own browser
  here). Every request that leaves the loopback server is refused, so the print is offline.
* On each page, before printing: MathJax has finished (``MathJax.startup.promise``), the fonts
  and every image are loaded; the print style sheet (PRINT_CSS) hides the navigation, the
  sidebars and the buttons; solutions are shown; each explorer shows its default frame with a
  line naming the default values of its controls instead of the controls themselves; links to
  other pages of the site keep their text but lose their (local, dead) address.
* The pages are printed in the order of _toc.yml, each numbered on from the one before (CSS
  page counters in ``@page`` margin boxes), so a chapter's PDF is the same pages, with the same
  numbers, as in the whole book. book.pdf is a title page and contents (numbered in roman)
  followed by every page, with bookmarks for chapters and their sections.
* The library's reference pages (library/api-*) are left out of the printed book: they are
  read by searching and following links, which paper cannot do, and they are generated from
  the docstrings, so the web pages stay the reference. The library's overview and worked
  example (library/index, library/using) are in it.

After printing, `check` reads the PDFs back (every chapter's title in the book, no unresolved
reference ``??`` and no TeX source in the text, the first page of every chapter drawn by
poppler's ``pdftoppm`` and not blank) and `link_from_site` puts the PDFs next to the built
pages and adds them to every page's download menu ("The book (.pdf)", and "This chapter
(.pdf)" on a chapter). tools/build_book.py calls `link_from_site` again after each build, so a
rebuilt site keeps linking the PDFs made before.

Usage: ``python tools/build_pdf.py [--html DIR] [--out DIR] [--pages DOC ...]``.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("DEEPLINEAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Pages of _toc.yml left out of the printed book (see the module docstring).
LEFT_OUT = ("library/api-",)
#: The layout width Chromium uses before printing: about an A4 text block at 96 dpi.
VIEWPORT = {"width": 820, "height": 1100}
#: TeX source left in the text: MathJax did not typeset it.
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\mathbb|\\begin\{")
#: Where the PDFs go in the built site, and the marker of the menu entries that link them.
SITE_DIR = "_downloads/pdf"
MENU_MARK = "dl-pdf-edition"
WAIT_MS = 120_000

PRINT_CSS = """
@page {
  size: A4;
  margin: 16mm 15mm 18mm 15mm;
  @bottom-left { content: FOOTER; font: 8pt system-ui, sans-serif; color: #57606a; }
  @bottom-right { content: counter(page); font: 8pt system-ui, sans-serif; color: #57606a; }
}
html { counter-reset: page START; font-size: 13px !important; }
body { background: #fff !important; }
/* the site's chrome */
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .skip-link, .search-button__wrapper,
#pst-back-to-top, .back-to-top, .headerlink, .header-article-items, #jb-print-docs-body,
.theme-switch-button, .sidebar-toggle, .pst-async-banner-revealer, .bd-header-announcement,
button, .toggle-button, .copybtn, .dl-explorer-controls, .dl-print-hidden,
details.hide > summary { display: none !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article,
.bd-page-width { display: block !important; max-width: none !important; width: auto !important;
  margin: 0 !important; padding: 0 !important; }
.bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
/* headings with what follows them, boxes and figures whole where they fit */
h1, h2, h3, h4, .admonition-title, p.caption { break-after: avoid; }
figure, .figure, .dl-explorer, table, .proof, .cell_output img, mjx-container[display="true"] {
  break-inside: avoid; }
pre { white-space: pre-wrap !important; word-break: break-word; overflow: visible !important; }
.cell_output, .output, div.highlight { overflow: visible !important; max-height: none !important; }
/* collapsed things are shown: solutions, hidden outputs */
.admonition.toggle-hidden .admonition-title ~ * { height: auto !important; opacity: 1 !important;
  visibility: visible !important; margin: revert !important; }
.dropdown.admonition.toggle-hidden { padding-bottom: revert !important; }
.toggle-hidden, .toggle-details__content { display: block !important; }
details.hide:not([open]) > :not(summary) { display: none !important; }
.dl-print-note { font-size: .9em; color: #424a53; margin: 0 0 .4rem; }
a { color: inherit !important; }
a.reference.internal, a:not([href]) { text-decoration: none !important; }
a.reference.external { text-decoration: underline; text-decoration-color: #8c959f; }
.cell_input { break-inside: avoid; }
"""

# Run in the page before printing (returns the page's title for the contents).
PREPARE_JS = r"""
async () => {
  const wait = (p, ms) => Promise.race([p, new Promise(r => setTimeout(r, ms))]);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) await MathJax.typesetPromise();
  }
  // solutions and other collapsed admonitions: open (sphinx-togglebutton)
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('details.toggle-details').forEach(d => d.open = true);
  // explorers: the default frame, and the default values instead of the controls
  document.querySelectorAll('.dl-explorer').forEach(ex => {
    const parts = [];
    ex.querySelectorAll('.dl-explorer-controls label').forEach(label => {
      const control = label.htmlFor && document.getElementById(label.htmlFor);
      if (!control) return;
      let value = '';
      if (control.tagName === 'SELECT') value = control.options[control.selectedIndex].text;
      else if (control.dataset.dlLabels) value = JSON.parse(control.dataset.dlLabels)[Number(control.value)];
      else value = control.value;
      parts.push(`${label.textContent.trim()} = ${value}`);
    });
    if (parts.length && !ex.querySelector('.dl-print-note')) {
      const note = document.createElement('p');
      note.className = 'dl-print-note';
      note.textContent = `Explorer, default view (${parts.join(', ')}); the web edition lets you change these.`;
      ex.prepend(note);
    }
  });
  // links to other pages of the site point at the loopback server: keep the text only
  document.querySelectorAll('a[href]').forEach(a => {
    const url = new URL(a.href, location.href);
    if (url.origin === location.origin && url.pathname !== location.pathname) a.removeAttribute('href');
  });
  document.querySelectorAll('img').forEach(img => { img.loading = 'eager'; });
  await wait(document.fonts.ready, 10000);
  const pending = [...document.images].filter(img => !img.hidden && img.offsetParent !== null)
    .map(img => img.complete ? (img.decode ? img.decode().catch(() => {}) : null)
                             : new Promise(r => { img.onload = img.onerror = r; }));
  await wait(Promise.all(pending), 30000);
  const h1 = document.querySelector('article.bd-article h1') || document.querySelector('h1');
  const title = h1 ? [...h1.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
                       .map(n => n.textContent).join('').trim() : document.title;
  const broken = [...document.images].filter(img => img.offsetParent !== null && img.complete && img.naturalWidth === 0)
                   .map(img => img.getAttribute('src').slice(0, 80));
  const raw = (document.querySelector('.bd-article') || document.body).innerText.match(/\\\(|\\\[|\$\$/g);
  return {title, broken, raw: raw ? raw.length : 0,
          math: document.querySelectorAll('mjx-container').length};
}
"""


@dataclass
class Printed:
    doc: str  # docname, e.g. chapters/gradient-flow
    title: str
    part: str
    pdf: Path
    first: int  # its first page number
    pages: int


def toc_pages(root: Path = ROOT) -> list[tuple[str, str]]:
    """(docname, part caption) of every page in the order of _toc.yml."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    out = [(toc["root"], "")]

    def walk(entries, part):
        for entry in entries or []:
            if "file" in entry:
                out.append((str(Path(entry["file"]).with_suffix("")), part))
            walk(entry.get("sections"), part)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), part.get("caption", ""))
    return out


def printed_pages(root: Path = ROOT) -> list[tuple[str, str]]:
    """The pages of the printed book: _toc.yml without the LEFT_OUT ones."""
    return [(doc, part) for doc, part in toc_pages(root) if not doc.startswith(LEFT_OUT)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Site:
    """The built HTML served on a free loopback port (a context manager giving its URL)."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _css(footer: str, first: int) -> str:
    return PRINT_CSS.replace("FOOTER", json.dumps(footer, ensure_ascii=False)).replace("START", str(first - 1))


class Printer:
    """Headless Chromium printing pages of one site to PDF (a context manager)."""

    def __init__(self, site_url: str, chromium: str = CHROMIUM) -> None:
        self.site_url = site_url
        self.chromium = chromium

    def __enter__(self) -> "Printer":
        if not Path(self.chromium).exists():
            raise SystemExit(f"build_pdf: {self.chromium} is missing: run `make browser`")
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=self.chromium, headless=True, args=CHROMIUM_ARGS)
        self._context = self._browser.new_context(viewport=VIEWPORT)
        host = urlparse(self.site_url).netloc
        self._context.route(lambda url: urlparse(url).scheme in ("http", "https", "ws", "wss")
                            and urlparse(url).netloc != host, lambda route: route.abort())
        return self

    def __exit__(self, *exc) -> None:
        self._context.close()
        self._browser.close()
        self._pw.stop()

    def print_url(self, url: str, out: Path, *, footer: str | None, first: int = 1) -> dict:
        """Print one page to ``out``; returns the page's title and checks (see PREPARE_JS).

        ``footer`` is the text at the foot of every page; ``{title}`` in it becomes the page's title.
        With ``footer=None`` the page is printed with its own style (the front matter).
        """
        page = self._context.new_page()
        try:
            page.goto(url, wait_until="load", timeout=WAIT_MS)
            info = page.evaluate(PREPARE_JS)
            if footer is not None:
                page.add_style_tag(content=_css(footer.format(title=info["title"]), first))
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
        finally:
            page.close()
        return info

    def print_page(self, doc: str, out: Path, *, book: str, first: int = 1) -> dict:
        """Print the page ``doc`` (a docname) with ``book`` and the page's title at its foot."""
        footer = book.replace("{", "{{").replace("}", "}}")
        if doc != "index":  # the landing page's title is the book's
            footer += " \u00b7 {title}"
        info = self.print_url(self.site_url + doc + ".html", out, footer=footer, first=first)
        return info | {"title": "Introduction"} if doc == "index" else info


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def front_matter(title: str, author: str, printed: list[Printed]) -> str:
    """HTML of the title page and the contents (chapter, first page)."""
    rows, part = [], None
    for p in printed:
        if p.part != part:
            part = p.part
            if part:
                rows.append(f'<tr class="part"><td colspan="2">{html.escape(part)}</td></tr>')
        rows.append(f"<tr><td>{html.escape(p.title)}</td><td>{p.first}</td></tr>")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
@page {{ size: A4; margin: 16mm 15mm 18mm 15mm;
  @bottom-right {{ content: counter(page, lower-roman); font: 8pt system-ui, sans-serif; color: #57606a; }} }}
@page :first {{ @bottom-right {{ content: none; }} }}
body {{ font: 12pt/1.45 system-ui, sans-serif; color: #1f2328; }}
.cover {{ break-after: page; padding-top: 35%; text-align: center; }}
.cover h1 {{ font-size: 24pt; font-weight: 600; margin: 0 0 1.5rem; }}
.cover p {{ font-size: 13pt; color: #424a53; }}
h2 {{ font-size: 16pt; font-weight: 600; }}
table {{ width: 100%; border-collapse: collapse; font-size: 11pt; }}
td {{ padding: .15rem 0; }} td:last-child {{ text-align: right; width: 4em; }}
tr.part td {{ padding-top: .8rem; font-weight: 600; text-align: left; }}
</style></head><body>
<section class="cover"><h1>{html.escape(title)}</h1><p>{html.escape(author)}</p>
<p>Printed edition of the web book, made from its built pages.</p></section>
<h2>Contents</h2><table>{''.join(rows)}</table></body></html>"""


def join(front: Path, printed: list[Printed], out: Path, *, title: str, author: str) -> int:
    """book.pdf: the front matter, then every printed page; bookmarks per page. Its page count."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(str(front), import_outline=False)
    for p in printed:
        writer.append(str(p.pdf), outline_item=p.title, import_outline=True)
    writer.add_metadata({"/Title": title, "/Author": author})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:
        writer.write(f)
    return len(writer.pages)


def build(html_dir: Path, out_dir: Path, pages: list[tuple[str, str]], *, whole_book: bool = True) -> list[Printed]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    title, author = config.get("title", "Book"), config.get("author", "")
    short = title.split(":")[0]
    missing = [doc for doc, _ in pages if not (html_dir / f"{doc}.html").exists()]
    if missing:
        raise SystemExit(f"build_pdf: not in {html_dir}: {', '.join(missing)}: run `make book` first")
    work = Path(tempfile.mkdtemp(prefix="pdf-", dir=out_dir.parent if out_dir.parent.exists() else None))
    printed: list[Printed] = []
    problems: list[str] = []
    try:
        with Site(html_dir) as url, Printer(url) as printer:
            first = 1
            for doc, part in pages:
                t = time.perf_counter()
                target = work / f"{doc}.pdf"
                info = printer.print_page(doc, target, book=short, first=first)
                n = page_count(target)
                printed.append(Printed(doc, info["title"], part, target, first, n))
                print(f"build_pdf: {doc}: {n} pages from {first} ({info['math']} formulas, "
                      f"{time.perf_counter() - t:.1f} s)", flush=True)
                if info["broken"]:
                    problems.append(f"{doc}: images that did not load: {info['broken']}")
                if info["raw"]:
                    problems.append(f"{doc}: {info['raw']} formulas left untypeset (is MathJax served?)")
                first += n
            if whole_book:
                front = work / "front.pdf"
                front_html = work / "front.html"
                front_html.write_text(front_matter(title, author, printed), encoding="utf-8")
                printer.print_url(front_html.as_uri(), front, footer=None)
        if problems:
            raise SystemExit("build_pdf: " + "\n  ".join(problems))
        (out_dir / "chapters").mkdir(parents=True, exist_ok=True)
        for p in printed:
            if p.doc.startswith("chapters/"):
                dest = out_dir / "chapters" / f"{Path(p.doc).name}.pdf"
                shutil.copyfile(p.pdf, dest)
        if whole_book:
            n = join(front, printed, out_dir / "book.pdf", title=title, author=author)
            print(f"build_pdf: {out_dir / 'book.pdf'}: {n} pages")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return printed


def pdf_text(pdf: Path, pages: int | None = None) -> list[str]:
    """The text of the first ``pages`` pages of ``pdf`` (all by default), one string a page."""
    import unicodedata

    from pypdf import PdfReader

    # layout mode reads the Type 3 fonts Chromium embeds for MathJax's web fonts; NFKC undoes
    # the ligatures (fl, fi) of the text fonts
    return [unicodedata.normalize("NFKC", page.extract_text(extraction_mode="layout"))
            for page in PdfReader(pdf).pages[:pages]]


def ink(pdf: Path, page: int = 1) -> float:
    """The fraction of a page's pixels that are not white, drawn at 40 dpi by pdftoppm."""
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), f"{tmp}/page"], check=True, capture_output=True)
        pixels = np.asarray(Image.open(f"{tmp}/page.png").convert("L"))
    return float(np.mean(pixels < 200))


def check(out_dir: Path, printed: list[Printed], *, page_slack: int | None = 3) -> list[str]:
    """What is wrong with the PDFs that `build` wrote to ``out_dir`` (nothing: an empty list).

    book.pdf must have more pages than ``printed`` together and at most ``page_slack`` more
    (the front matter); with ``page_slack=None`` (the LaTeX book, tools/build_latex.py, whose
    front and back matter are typeset by LaTeX) only more.
    """
    problems = []
    book = out_dir / "book.pdf"
    if not book.exists():
        return [f"{book} is missing"]
    from pypdf import PdfReader

    pages = len(PdfReader(book).pages)
    printed_pages = sum(p.pages for p in printed)
    if not printed_pages < pages or page_slack is not None and pages > printed_pages + page_slack:
        problems.append(f"book.pdf has {pages} pages for {printed_pages} printed ones")
    text = "\n".join(pdf_text(book))
    squashed = " ".join(text.split())
    problems += [f"no title {p.title!r} in book.pdf" for p in printed if " ".join(p.title.split()) not in squashed]
    if "??" in text:
        problems.append(f"unresolved references (??) in book.pdf: {text.count('??')}")
    raw = sorted(set(RAW_MATH.findall(text)))
    if raw:
        problems.append(f"TeX source in the text of book.pdf: {raw}")
    for p in printed:
        if p.doc.startswith("chapters/"):
            chapter = out_dir / "chapters" / f"{Path(p.doc).name}.pdf"
            share = ink(chapter)
            if share < 0.005:
                problems.append(f"{chapter.name}: its first page is blank ({share:.2%} ink)")
    return problems


def _menu_entry(href: str, label: str) -> str:
    return (f'<li class="{MENU_MARK}"><a href="{html.escape(href)}" class="btn btn-sm dropdown-item" '
            f'title="{label}"><span class="btn__icon-container"><i class="fas fa-file-pdf"></i></span>'
            f'<span class="btn__text-container">{label}</span></a></li>\n')


def link_from_site(html_dir: Path, pdf_dir: Path) -> int:
    """Copy the PDFs in ``pdf_dir`` into the site and list them in every page's download menu.

    The entries are added once (a page that has them is rewritten with the current ones).
    Returns the number of pages changed; 0 when there is no book.pdf.
    """
    if not (pdf_dir / "book.pdf").exists():
        return 0
    target = html_dir / SITE_DIR
    shutil.copytree(pdf_dir, target, dirs_exist_ok=True)
    old = re.compile(rf'<li class="{MENU_MARK}">.*?</li>\n', re.S)
    changed = 0
    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        bare = old.sub("", text)
        menu = bare.find('<div class="dropdown dropdown-download-buttons">')
        start = bare.find('<ul class="dropdown-menu">', menu)
        if menu < 0 or start < 0:
            continue
        rel = Path(os.path.relpath(target, page.parent))
        entries = _menu_entry(f"{rel.as_posix()}/book.pdf", "The book (.pdf)")
        doc = page.relative_to(html_dir).with_suffix("")
        if doc.parts[0] == "chapters" and (target / "chapters" / f"{doc.name}.pdf").exists():
            entries += _menu_entry(f"{rel.as_posix()}/chapters/{doc.name}.pdf", "This chapter (.pdf)")
        start += len('<ul class="dropdown-menu">\n')
        new = bare[:start] + entries + bare[start:]
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built HTML book")
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf", help="where the PDFs go")
    ap.add_argument("--pages", nargs="*", help="print only these docnames (no book.pdf)")
    args = ap.parse_args(argv)
    pages = printed_pages()
    if args.pages:
        known = dict(toc_pages())
        pages = [(doc, known.get(doc, "")) for doc in args.pages]
    t = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    printed = build(args.html.resolve(), args.out.resolve(), pages, whole_book=not args.pages)
    if not args.pages:
        problems = check(args.out.resolve(), printed)
        if problems:
            print("build_pdf: the PDF has problems:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        n = link_from_site(args.html.resolve(), args.out.resolve())
        print(f"build_pdf: checked; linked from the download menu of {n} pages of {args.html}")
    print(f"build_pdf: done in {time.perf_counter() - t:.0f} s: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
