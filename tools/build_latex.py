"""The printed book through LaTeX: _build/pdf/book.pdf and one PDF per chapter.

Run by `make pdf` after `make book` (TeX Live from the Debian packages; the Makefile's `tex`
target installs them). Steps:

1. A config and a table of contents for the printed book are written to _build/latex-src/
   from _config.yml and _toc.yml (`latex_config`, `latex_toc`): the same book, without the
   library's reference pages (library/api-*, see tools/build_pdf.py, LEFT_OUT), typeset with
   XeLaTeX (Unicode in the text), without sphinx-jupyterbook-latex (its preamble needs
   texlive-fonts-extra, 1.8 GB). The notebooks' outputs come from the jupyter-cache of the
   HTML build (_build/.jupyter_cache): the inputs hash of tools/build_book.py must match, so
   nothing is executed again; a stale or missing cache stops the build with a message.
2. ``jupyter-book build --builder latex`` writes _build/latex/_build/latex/book.tex. What LaTeX
   needs beyond HTML comes from tools/sphinx_deeplinear.py: the notation macros of _config.yml
   in the preamble, and each explorer's default frame (myst-nb picks an explorer's text/html
   output for LaTeX too: ``nb_mime_priority_overrides`` in _config.yml). Solutions
   (sphinx-togglebutton) print in full; theorems (sphinx-proof) and exercises
   (sphinx-exercise) print numbered as on the web.
3. latexmk runs XeLaTeX until the cross-references settle; the PDF goes to _build/pdf/book.pdf.
4. Each chapter's PDF is its pages of book.pdf (`split_chapters`, from the PDF's bookmarks),
   so a chapter prints with the same page numbers as in the book.

Then tools/build_pdf.py's checks run on the result (`check_book`: every chapter's title, no
``??``, no TeX source in the text, the first page of every chapter not blank) and
`build_pdf.link_from_site` lists the PDFs in every page's download menu.

Usage: ``python tools/build_latex.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
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


def latex_config(config: dict) -> dict:
    """The printed book's config (a new dict) from the book's _config.yml."""
    config = yaml.safe_load(yaml.safe_dump(config))  # a deep copy
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
    # A4; latinmodern-math (unicode-math, loaded by sphinx-jupyterbook-latex) has no U+29F5
    settings["latex_elements"] = {"papersize": "a4paper",
                                  "preamble": r"\AtBeginDocument{\renewcommand{\setminus}{\mathbin{\backslash}}}"}
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
    cmd = ["jupyter-book", "build", str(ROOT), "--builder", "latex", "-n", "--keep-going",
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
