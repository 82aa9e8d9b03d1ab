"""The printed book through LaTeX: _build/pdf/book.pdf and one PDF per chapter.

Run by `make pdf` after `make book` (TeX Live from the Debian packages; the Makefile's `tex`
target installs them). Steps:

1. A config and a table of contents for the printed book are written to _build/latex-src/
   from _config.yml and _toc.yml (`latex_config`, `latex_toc`): the same book without the
   library's reference pages (library/api-*, build_pdf.LEFT_OUT), typeset with XeLaTeX
   (Unicode in the text) in sphinx-jupyterbook-latex's layout (parts, chapters, the landing
   page as front matter). The notebooks' outputs come from the jupyter-cache of the HTML build
   (_build/.jupyter_cache): the inputs hash of tools/build_book.py must match, so nothing is
   executed again; a stale or missing cache stops the build with a message (`check_cache`).
2. ``jupyter-book build --builder latex -W -n`` writes _build/latex/_build/latex/book.tex (a
   Sphinx warning fails the build). What LaTeX needs beyond HTML comes from
   tools/sphinx_deeplinear.py: the notation macros of _config.yml in the preamble; each
   explorer's default frame (myst-nb picks an explorer's text/html output for LaTeX too:
   ``nb_mime_priority_overrides`` in _config.yml); theorems, exercises, figures and equations
   numbered as on the web; one bibliography at the end; proofs without an empty title bar.
   Solutions (sphinx-togglebutton) print in full; hidden cells (the setup cell) stay hidden.
3. latexmk runs XeLaTeX until the cross-references settle (`typeset`); the PDF is copied to
   _build/pdf/book.pdf. sphinx-jupyterbook-latex's class loads bbm, which only
   texlive-fonts-extra (1.8 GB) has: a stand-in is written next to book.tex (BBM_STANDIN).
4. Each chapter's PDF is its pages of book.pdf (`split_chapters`, from the PDF's bookmarks,
   whose titles must be those of the sources), so a chapter prints with the same page numbers
   as in the book, followed by the book's reference list (Sphinx gathers every citation at the
   end of the book, so a chapter handed out alone would otherwise cite works it does not list).
   (`make pdf-web`, tools/build_pdf.py, makes the same files by printing the
   web pages with Chromium instead, for a machine without TeX.)

Then the checks: XeLaTeX's log (`log_problems`: no undefined reference or citation, no
character missing from the fonts), book.tex (`tex_problems`: no explorer or widget left as its
plain-text stand-in) and tools/build_pdf.py's `check` (every chapter's title in
the text, no ``??``, no TeX source in the text, the first page of every chapter not blank);
`build_pdf.link_from_site` then lists the PDFs in every page's download menu.

Usage: ``python tools/build_latex.py [--out DIR] [--html DIR]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

import build_book
import build_pdf

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "_build" / "latex-src"  # the generated config and toc
WORK = ROOT / "_build" / "latex"  # jupyter-book's --path-output: WORK/_build/latex, .doctrees
TARGET = "book"


INTRODUCTION = (r"\sphinxtableofcontents\chapter*{Introduction}\addcontentsline{toc}{chapter}{Introduction}"
                r"\markboth{Introduction}{Introduction}")


def latex_config(config: dict) -> dict:
    """The printed book's config (a new dict) from the book's _config.yml."""
    config = copy.deepcopy(config)
    config["exclude_patterns"] = list(config.get("exclude_patterns", [])) + [f"{p}*" for p in build_pdf.LEFT_OUT]
    execute = config.setdefault("execute", {})
    execute["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    config["latex"] = {
        "latex_engine": "xelatex",
        "use_jupyterbook_latex": True,
        "latex_documents": {"targetname": f"{TARGET}.tex"},
    }
    sphinx = config.setdefault("sphinx", {})
    settings = sphinx.setdefault("config", {})
    for key in ("html_static_path", "html_css_files", "mathjax_path", "nb_ipywidgets_js"):
        settings.pop(key, None)  # the web pages' assets
    # A4; no index pages (the web edition has search; sphinx-proof's index lists labels only);
    # latinmodern-math (unicode-math, loaded by sphinx-jupyterbook-latex) has no U+29F5 (\setminus)
    # the landing page follows the contents, under its own heading (its title is the book's)
    settings["latex_elements"] = {"papersize": "a4paper", "printindex": "",
                                  "preamble": r"\AtBeginDocument{\renewcommand{\setminus}{\mathbin{\backslash}}}",
                                  "tableofcontents": INTRODUCTION}
    settings["latex_domain_indices"] = False
    settings["jblatex_load_imgconverter"] = False  # every image is a PNG: no ImageMagick
    settings["latex_use_xindy"] = False  # the printed book has no index: no xindy needed
    # sphinx-design's icons on the landing page: they are decoration, left out of print
    settings["suppress_warnings"] = list(settings.get("suppress_warnings", [])) + ["design.fa-build"]
    local = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {name: str((ROOT / path).resolve()) for name, path in local.items()}
    return config


def latex_toc(toc: dict) -> dict:
    """_toc.yml without the pages left out of the printed book (a new dict)."""

    def keep(entries):
        out = []
        for entry in entries or []:
            if "file" in entry and entry["file"].startswith(build_pdf.LEFT_OUT):
                continue
            entry = dict(entry)
            if "sections" in entry:
                entry["sections"] = keep(entry["sections"])
                if not entry["sections"]:
                    del entry["sections"]
            out.append(entry)
        return out

    toc = dict(toc)
    toc["parts"] = [dict(part, chapters=keep(part.get("chapters"))) for part in toc.get("parts", [])]
    return toc


def check_cache() -> None:
    """Stop unless the HTML build's execution cache is there and matches the library."""
    cache = ROOT / "_build" / ".jupyter_cache"
    if not cache.is_dir():
        raise SystemExit("build_latex: no execution cache in _build/.jupyter_cache: run `make book` first")
    stored = build_book.HASH_FILE.read_text().strip() if build_book.HASH_FILE.exists() else ""
    if stored != build_book.inputs_hash():
        raise SystemExit("build_latex: lib/ or the requirements changed since the last `make book`: run it first")


def sphinx_latex() -> Path:
    """Write book.tex with jupyter-book's LaTeX builder; the folder it is in."""
    SRC.mkdir(parents=True, exist_ok=True)
    config = latex_config(yaml.safe_load((ROOT / "_config.yml").read_text()))
    (SRC / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    (SRC / "_toc.yml").write_text(yaml.safe_dump(latex_toc(yaml.safe_load((ROOT / "_toc.yml").read_text())), sort_keys=False))
    env = dict(os.environ, DEEPLINEAR_BUILD="1")
    cmd = ["jupyter-book", "build", str(ROOT), "--builder", "latex", "-W", "-n", "--keep-going",
           "--config", str(SRC / "_config.yml"), "--toc", str(SRC / "_toc.yml"), "--path-output", str(WORK)]
    print("build_latex:", " ".join(cmd), flush=True)
    if subprocess.call(cmd, env=env, cwd=ROOT) != 0:
        raise SystemExit("build_latex: the LaTeX builder failed (see above)")
    return WORK / "_build" / "latex"


#: sphinx-jupyterbook-latex's class loads bbm (double-struck letters for its own \RR, \NN, which
#: the book does not use). bbm is in texlive-fonts-extra (1.8 GB installed); amssymb's \mathbb
#: draws the same letters, so this stand-in is written next to book.tex instead.
BBM_STANDIN = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2026/12/07 stand-in written by tools/build_latex.py]
\RequirePackage{amssymb}
\providecommand{\mathbbm}{\mathbb}
"""


def typeset(folder: Path) -> Path:
    """latexmk with XeLaTeX on book.tex in ``folder``; the PDF."""
    if not subprocess.run(["kpsewhich", "bbm.sty"], capture_output=True, text=True).stdout.strip():
        (folder / "bbm.sty").write_text(BBM_STANDIN)
    cmd = ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", f"{TARGET}.tex"]
    print("build_latex:", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        log = (folder / f"{TARGET}.log").read_text(errors="replace") if (folder / f"{TARGET}.log").exists() else done.stdout
        errors = [line for line in log.splitlines() if line.startswith("!") or re.match(r"\S+\.\w+:\d+: ", line)]
        raise SystemExit("build_latex: XeLaTeX failed:\n  " + "\n  ".join(errors[:20] or log.splitlines()[-30:]))
    return folder / f"{TARGET}.pdf"


def log_problems(log: str) -> list[str]:
    """What XeLaTeX's log says is wrong in the typeset book: undefined references, missing glyphs."""
    log = log.replace("\n", "")  # TeX breaks its log lines at 79 characters, even inside words
    problems = []
    undefined = sorted(set(re.findall(r"(?:[Rr]eference|Citation) `([^']+)' on page \d+ undefined", log)))
    if undefined:
        problems.append(f"undefined references in book.tex: {undefined[:10]}")
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+)", log)))
    if missing:
        problems.append(f"characters missing from the fonts: {missing}")
    # Not checked: "Label(s) may have changed", which stays because the nameref text of the
    # glossary's "δ-balanced" is read back from the .aux differently each run; latexmk reruns
    # until the .aux files stop changing, the criterion that matters for the page numbers.
    return problems


#: What a web page's interactive output leaves in book.tex when it is not printed as a figure:
#: an explorer's or a widget's plain-text stand-in (LaTeX escapes < as \textless{} or \PYGZlt{}).
WEB_LEFTOVERS = re.compile(r"(?:\\textless\{\}|\\PYGZlt\{\}|<)Explorer |interactive\(children=|"
                           r"application/vnd\.jupyter\.widget|dl-explorer")


def tex_problems(tex: str) -> list[str]:
    """What book.tex holds of the web pages' interactive outputs instead of their printed form."""
    found = sorted(set(WEB_LEFTOVERS.findall(tex)))
    return [f"interactive output left as text in book.tex: {found}"] if found else []


def source_title(doc: str, root: Path = ROOT) -> str:
    """The title (first level-1 heading) of a page's source, ``doc`` a docname."""
    md, nb = root / f"{doc}.md", root / f"{doc}.ipynb"
    if md.exists():
        lines = md.read_text(encoding="utf-8").splitlines()
    else:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        lines = [line for cell in cells if cell["cell_type"] == "markdown" for line in "".join(cell["source"]).splitlines()]
    for line in lines:
        if line.startswith("# "):
            return re.sub(r"[`*]", "", line[2:]).strip()  # as printed: without Markdown's marks
    raise ValueError(f"{doc}: no level-1 heading")


def outline_chapters(pdf: Path) -> tuple[list[tuple[str, int]], list[int]]:
    """The chapters of ``pdf`` from its bookmarks: (title, first page) of each bookmark of the
    second level (the first is the parts), and the first pages of all of them, parts included
    (where a chapter's pages end). Pages count from 1."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    chapters, starts = [], []
    for item in reader.outline:
        if isinstance(item, list):
            chapters += [(child.title, reader.get_destination_page_number(child) + 1) for child in item if not isinstance(child, list)]
        else:
            starts.append(reader.get_destination_page_number(item) + 1)
    return chapters, sorted(set(starts) | {page for _, page in chapters})


#: The title Sphinx gives the reference list it prints at the end of the LaTeX book.
REFERENCES_TITLE = "Bibliography"


def split_chapters(book: Path, out_dir: Path, pages: list[tuple[str, str]]) -> list[build_pdf.Printed]:
    """Write each chapter's pages of ``book`` to ``out_dir``/chapters/<slug>.pdf, followed by
    the book's reference list (its pages, from the bookmark :data:`REFERENCES_TITLE` after the
    chapters, to the end), since Sphinx gathers every citation there.

    ``pages`` are the printed pages (docname, part) in book order; the landing page (the front
    matter) and sections (library/using, printed inside library/index) have no bookmark of
    their own. Chapter k of the outline is the k-th page of ``pages`` that is a chapter of
    _toc.yml; a title that does not match the source's stops the build.
    """
    from pypdf import PdfReader, PdfWriter

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = {str(Path(c["file"]).with_suffix("")) for part in toc["parts"] for c in part["chapters"]}
    docs = [(doc, part) for doc, part in pages if doc in chapters]
    marks, starts = outline_chapters(book)
    total = len(PdfReader(book).pages)
    if len(marks) < len(docs):
        raise SystemExit(f"build_latex: {book} has {len(marks)} chapter bookmarks for {len(docs)} chapters")
    # the book's one reference list: a last chapter-level bookmark after the chapters
    refs = next(((first, total) for title, first in marks[len(docs):] if title.strip() == REFERENCES_TITLE), None)
    printed = []
    (out_dir / "chapters").mkdir(parents=True, exist_ok=True)
    for i, (doc, part) in enumerate(docs):
        title, first = marks[i]
        expected = source_title(doc)
        if " ".join(title.split()) != " ".join(expected.split()):
            raise SystemExit(f"build_latex: chapter bookmark {i + 1} is {title!r}, expected {doc}: {expected!r}")
        last = min([page - 1 for page in starts if page > first] + [total])  # up to the next part or chapter
        target = out_dir / "chapters" / f"{Path(doc).name}.pdf"
        if doc.startswith("chapters/"):  # the site offers "This chapter (.pdf)" on these
            writer = PdfWriter()
            writer.append(str(book), pages=(first - 1, last))
            if refs is not None:  # a chapter handed out alone keeps its references
                writer.append(str(book), pages=(refs[0] - 1, refs[1]))
            writer.add_metadata({"/Title": expected})
            with target.open("wb") as f:
                writer.write(f)
        printed.append(build_pdf.Printed(doc, expected, part, target, first, last - first + 1))
    return printed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf", help="where the PDFs go")
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built HTML book, to link the PDFs from")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    check_cache()
    folder = sphinx_latex()
    pdf = typeset(folder)
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    book = out / "book.pdf"
    shutil.copyfile(pdf, book)
    printed = split_chapters(book, out, build_pdf.printed_pages())
    problems = log_problems((folder / f"{TARGET}.log").read_text(errors="replace"))
    problems += tex_problems((folder / f"{TARGET}.tex").read_text(encoding="utf-8"))
    problems += build_pdf.check(out, printed, page_slack=None)
    if problems:
        print("build_latex: the PDF has problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    pages = build_pdf.page_count(book)
    print(f"build_latex: {book}: {pages} pages, {len(printed)} chapters in {out / 'chapters'}; checked")
    if args.html.exists():
        n = build_pdf.link_from_site(args.html.resolve(), out)
        print(f"build_latex: the download menus of {args.html} link the PDFs ({n} pages updated)")
    print(f"build_latex: done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
