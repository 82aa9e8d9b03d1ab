"""The Chromium print (tools/build_pdf.py, `make pdf-web`) on a few small pages of the built book.

`make pdf-web` prints the whole book and takes minutes, so it is not part of `make test`; this
prints the landing page, one back-matter chapter and one chapter with an explorer into a small book, in a few seconds, and reads the PDFs back with
pypdf: page counts, the pages' text, typeset math and no navigation of the site; runs the
checks `make pdf-web` and `make pdf` run on the whole book (`build_pdf.check`) and links the PDFs from a copy of
two pages of the site (`build_pdf.link_from_site`).
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_pdf  # noqa: E402

PAGES = [("index", ""), ("chapters/running", "Back matter"), ("chapters/network-view", "The model and its flow")]
#: Text of the site's chrome (navigation, search, buttons, the theme's print table of contents).
CHROME = ["Skip to main content", "Ctrl+K", "Search", "Show code cell source", "Hide code cell source",
          "Download", "Back to top", "By The deeplinear book team", "Contents\n"]
RAW_MATH = build_pdf.RAW_MATH
_text = build_pdf.pdf_text


@pytest.fixture(scope="module")
def small_book(site_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    # Playwright's sync API refuses to start where another sync session (the browser tests'
    # session fixture) runs its event loop: print from a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        printed = pool.submit(build_pdf.build, site_dir, out, PAGES).result()
    return out, printed


def test_pages_of_the_printed_book_follow_the_toc():
    docs = [doc for doc, _ in build_pdf.printed_pages()]
    assert docs[0] == "index" and "chapters/gradient-flow" in docs and "library/using" in docs
    assert not [d for d in docs if d.startswith("library/api-")], "the reference pages are left out"
    assert docs.index("chapters/why-deep-linear") < docs.index("chapters/open-problems") < docs.index("chapters/glossary")


def test_book_and_chapter_pdfs(small_book):
    from pypdf import PdfReader

    out, printed = small_book
    assert [p.doc for p in printed] == [doc for doc, _ in PAGES]
    for p in printed:
        assert 1 <= p.pages <= 30, (p.doc, p.pages)
    # each page is numbered on from the one before it
    assert [p.first for p in printed] == [1] + [sum(q.pages for q in printed[:i]) + 1 for i in range(1, len(printed))]
    # only the pages in chapters/ get a chapter PDF
    assert sorted(f.name for f in (out / "chapters").iterdir()) == ["network-view.pdf", "running.pdf"]
    book = PdfReader(out / "book.pdf")
    front = len(book.pages) - sum(p.pages for p in printed)
    assert 1 <= front <= 3, "a title page and the contents"
    assert [o["/Title"] for o in book.outline if isinstance(o, dict)] == [p.title for p in printed]
    contents = "\n".join(_text(out / "book.pdf", front))
    for p in printed:
        assert p.title in contents
    assert re.search(r"3\.\s*The network view\s+\d+", contents), "the contents give the first page"


def test_chapter_pdf_has_text_math_figures_and_no_site_chrome(small_book):
    from pypdf import PdfReader

    out, printed = small_book
    chapter = next(p for p in printed if p.doc == "chapters/network-view")
    pdf = out / "chapters" / "network-view.pdf"
    pages = _text(pdf)
    text = "\n".join(pages)
    assert pages[0].lstrip().startswith("3. The network view")
    assert "3.1." in text and "Exercise 3.1" in text and "Solution to" in text, "sections, exercises, solutions"
    assert re.search(r"(Theorem|Proposition|Lemma|Definition) 3\.1", text), "numbered statements"
    assert not RAW_MATH.findall(text), "math left as TeX source"
    assert "∈" in text and "−" in text, "typeset math (MathJax's minus sign, not a hyphen)"
    # the explorer: its default frame and a line naming its default values instead of controls
    assert "Explorer, default view (" in text and "▶ Play" not in text
    for chrome in CHROME:
        assert chrome not in text, f"site chrome in the PDF: {chrome!r}"
    # footers: the book, the chapter and page numbers that go on from the earlier pages
    assert re.search(rf"The network view\s+{chapter.first}\s*$", pages[0].rstrip())
    reader = PdfReader(pdf)
    assert sum(len(page.images) for page in reader.pages) >= 2, "the figures and the explorer's frame"
    fonts = {f.get_object().get("/Subtype") for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert "/Type3" in fonts, "MathJax's fonts (Chromium embeds them as Type 3)"


def test_the_checks_of_make_pdf_pass_and_catch_a_blank_chapter(small_book, tmp_path):
    out, printed = small_book
    assert build_pdf.check(out, printed) == []
    assert build_pdf.ink(out / "chapters" / "network-view.pdf") > 0.005
    # a chapter whose first page is blank, and a title the book does not have, are reported
    from pypdf import PdfWriter

    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (bad / "chapters" / "running.pdf").open("wb") as f:
        writer.write(f)
    wrong = [p if p.doc != "chapters/network-view" else build_pdf.Printed(p.doc, "No such title", p.part, p.pdf, p.first, p.pages)
             for p in printed]
    problems = build_pdf.check(bad, wrong)
    assert any("running.pdf: its first page is blank" in q for q in problems), problems
    assert any("No such title" in q for q in problems), problems


def test_the_download_menu_links_the_pdfs(small_book, site_dir, tmp_path):
    out, _ = small_book
    site = tmp_path / "site"
    for doc in ("index", "chapters/network-view"):
        (site / doc).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site_dir / f"{doc}.html", site / f"{doc}.html")
    assert build_pdf.link_from_site(site, out) == 2
    assert build_pdf.link_from_site(site, out) == 0, "linking twice changes nothing"
    index = (site / "index.html").read_text()
    chapter = (site / "chapters" / "network-view.html").read_text()
    assert index.count("dl-pdf-edition") == 1 and 'href="_downloads/pdf/book.pdf"' in index
    assert 'href="../_downloads/pdf/book.pdf"' in chapter
    assert 'href="../_downloads/pdf/chapters/network-view.pdf"' in chapter and "This chapter (.pdf)" in chapter
    assert (site / "_downloads" / "pdf" / "book.pdf").read_bytes() == (out / "book.pdf").read_bytes()
    assert build_pdf.link_from_site(site, tmp_path / "nothing") == 0, "no PDF built: no link"
