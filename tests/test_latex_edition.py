"""The LaTeX edition's tooling (`make pdf`: tools/build_latex.py and the LaTeX parts of
tools/sphinx_deeplinear.py), checked without TeX: the preamble's macros come from _config.yml
and are all there with their argument counts, explorers print their default frame, myst-nb
picks the explorers' HTML for LaTeX, the printed book leaves the reference pages out, the
log is read for undefined references and missing glyphs, and the chapters are cut from the
book's bookmarks; and a two-chapter book through Jupyter Book's LaTeX builder (Sphinx only, a
few seconds) gets the macros, the explorer's frame, the numbers, the exercise labels, the
proofs and the one bibliography in its book.tex. The typeset book itself is checked by
`make pdf` (tools/build_latex.py: XeLaTeX's log and build_pdf.check)."""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "lib"))
import build_latex  # noqa: E402
import build_pdf  # noqa: E402
import sphinx_deeplinear  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
MACROS = CONFIG["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def test_the_preamble_defines_every_macro_of_the_config_with_its_arguments():
    lines = sphinx_deeplinear.latex_macros(MACROS).splitlines()
    assert len(lines) == len(MACROS)
    for line, (name, spec) in zip(lines, MACROS.items()):
        body, nargs = (spec, 0) if isinstance(spec, str) else (spec[0], spec[1])
        args = f"[{nargs}]" if nargs else ""
        assert line == f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{args}{{{body}}}"
        assert line.count("{") == line.count("}"), line
        assert {int(k) for k in re.findall(r"#(\d)", body)} == set(range(1, nargs + 1)), name
    assert sphinx_deeplinear.latex_macros({"x": ["#1^{#2}", 2, "0"]}) == (
        "\\providecommand{\\x}{}\\renewcommand{\\x}[2][0]{#1^{#2}}")


@pytest.mark.parametrize("macros", [{"R2": "x"}, {"a": ["#1", 0]}, {"a": ["#2", 1]}, {"a": 3},
                                    {"a": ["x", True]}, {"a": ["x", 1, "d", "e"]}])
def test_a_malformed_macro_is_named(macros):
    with pytest.raises(ValueError, match="mathjax3_config.tex.macros"):
        sphinx_deeplinear.latex_macros(macros)


def test_the_extension_adds_the_macros_to_the_configured_preamble():
    config = SimpleNamespace(mathjax3_config={"tex": {"macros": MACROS}},
                             latex_elements={"papersize": "a4paper", "preamble": r"\usepackage{x}"})
    sphinx_deeplinear._latex_preamble(None, config)
    preamble = config.latex_elements["preamble"]
    assert config.latex_elements["papersize"] == "a4paper"
    assert preamble.startswith(r"\usepackage{x}") and sphinx_deeplinear.latex_macros(MACROS) in preamble
    assert r"\newcommand{\dlnumberedlabel}[2]" in preamble


def test_myst_nb_picks_an_explorers_html_for_latex_but_a_figure_before_it():
    from myst_nb.core.render import get_mime_priority

    overrides = [tuple(o) for o in CONFIG["sphinx"]["config"]["nb_mime_priority_overrides"]]
    assert any(builder == "latex" and mime == "text/html" for builder, mime, _ in overrides)
    order = get_mime_priority("latex", overrides)
    assert order.index("image/png") < order.index("text/html") < order.index("text/plain")
    assert get_mime_priority("html", overrides)[0] == "text/html"  # the web pages: unchanged


def _static_explorer_html() -> str:
    import deeplinear as dl
    from _explore_support import Recorder

    ex = dl.explore.explorer(Recorder(), a=dl.explore.Choice([0.5, 1.0, 2.0], default=1.0), n=[1, 2, 3],
                             options=dl.explore.ExplorerOptions(mode="static"))
    return ex._repr_mimebundle_()["text/html"]


def test_an_explorer_prints_its_default_frame_and_names_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPLINEAR_EXPLORER_PROCESSES", "1")
    text = _static_explorer_html()
    path, alt, defaults = sphinx_deeplinear.explorer_figure(text, tmp_path)
    assert defaults == ["a = 1", "n = 1"]
    shown = [tag for tag in re.findall(r"<img\b[^>]*>", text) if " hidden" not in tag]
    assert len(shown) == 1  # the one frame a reader sees on the page is the one printed
    src = re.search(r'src="data:image/png;base64,([^"]+)"', shown[0]).group(1)
    assert path.read_bytes() == base64.b64decode(src) and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "a = 1, n = 1" in alt
    assert sphinx_deeplinear.explorer_figure(text, tmp_path)[0] == path  # same frame, same file


def test_an_explorer_without_its_default_frame_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="default PNG frame"):
        sphinx_deeplinear.explorer_figure('<div class="dl-explorer" data-dl-default="0,0"></div>', tmp_path)


def test_the_printed_book_leaves_the_reference_pages_out_and_keeps_the_rest():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    printed = build_latex.latex_toc(toc)
    files = [c["file"] for part in printed["parts"] for c in part["chapters"]]
    files += [s["file"] for part in printed["parts"] for c in part["chapters"] for s in c.get("sections", [])]
    assert not [f for f in files if f.startswith(build_pdf.LEFT_OUT)]
    assert sorted(files + ["index"]) == sorted(doc for doc, _ in build_pdf.printed_pages())
    assert any(s["file"].startswith("library/api-") for p in toc["parts"] for c in p["chapters"]
               for s in c.get("sections", [])), "the web book's toc is not changed"
    config = build_latex.latex_config(CONFIG)
    assert "library/api-*" in config["exclude_patterns"] and "library/api-*" not in CONFIG["exclude_patterns"]
    assert config["latex"]["latex_engine"] == "xelatex"
    assert config["execute"]["cache"] == str(ROOT / "_build" / ".jupyter_cache")
    assert all(Path(p).is_absolute() for p in config["sphinx"]["local_extensions"].values())
    assert "html_static_path" not in config["sphinx"]["config"]


def test_every_printed_page_has_a_title_in_its_source():
    titles = [build_latex.source_title(doc) for doc, _ in build_pdf.printed_pages()]
    assert all(titles) and len(set(titles)) == len(titles)
    assert build_latex.source_title("library/index") == "The deeplinear library"  # no Markdown marks


def test_the_log_is_read_across_its_line_breaks():
    log = ("LaTeX Warning: Hyper reference `chapters/a:ex-b-sh\narpness' on page 108 undefined on input line 7.\n"
           "Missing character: There is no \u29f5 (U+29F5) in font [latinmodern-math.otf]/OT:scr\n")
    problems = build_latex.log_problems(log)
    assert problems == ["undefined references in book.tex: ['chapters/a:ex-b-sharpness']",
                        "characters missing from the fonts: ['\u29f5']"]
    assert build_latex.log_problems("LaTeX Warning: Label(s) may have changed.\nOutput written on book.pdf") == []


def test_an_explorer_or_widget_left_as_text_is_found():
    assert build_latex.tex_problems(r"\sphinxAtStartPar A figure \sphinxincludegraphics{x.png}") == []
    for leftover in (r"\PYGZlt{}Explorer 'loss' (sigma: 6 values)\PYGZgt{}", r"\textless{}Explorer 'x'",
                     "interactive(children=(FloatSlider(value=1.0)", r"\begin{sphinxuseclass}{dl-explorer}"):
        assert build_latex.tex_problems("text " + leftover), leftover


def _book(path: Path, parts: list[tuple[str, int, list[tuple[str, int]]]], pages: int = 12) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    for part, first, marks in parts:
        item = writer.add_outline_item(title=part, page_number=first - 1)
        for title, page in marks:
            writer.add_outline_item(title=title, page_number=page - 1, parent=item)
    with path.open("wb") as f:
        writer.write(f)
    return path


def test_each_chapter_is_cut_from_the_book_at_its_bookmarks(tmp_path):
    docs = [("index", ""), ("chapters/why-deep-linear", "I"), ("chapters/model-and-data", "II")]
    titles = [build_latex.source_title(doc) for doc, _ in docs[1:]]
    # part I from page 2, its chapter from 3; part II's title page 7, its chapter from 8
    book = _book(tmp_path / "book.pdf", [("I", 2, [(titles[0], 3)]), ("II", 7, [(titles[1], 8)])])
    printed = build_latex.split_chapters(book, tmp_path, docs)
    assert [(p.doc, p.title, p.first, p.pages) for p in printed] == [
        ("chapters/why-deep-linear", titles[0], 3, 4), ("chapters/model-and-data", titles[1], 8, 5)]
    assert build_pdf.page_count(tmp_path / "chapters" / "why-deep-linear.pdf") == 4  # not part II's page
    assert build_pdf.page_count(tmp_path / "chapters" / "model-and-data.pdf") == 5
    wrong = _book(tmp_path / "wrong.pdf", [("I", 2, [(titles[1], 3), (titles[0], 6)])])
    with pytest.raises(SystemExit, match="expected chapters/why-deep-linear"):
        build_latex.split_chapters(wrong, tmp_path, docs)


def test_the_latex_build_uses_only_a_cache_that_matches_the_library(tmp_path, monkeypatch):
    monkeypatch.setattr(build_latex, "ROOT", tmp_path)
    monkeypatch.setattr(build_latex.build_book, "HASH_FILE", tmp_path / "_build" / ".inputs-hash")
    monkeypatch.setattr(build_latex.build_book, "inputs_hash", lambda: "abc")
    with pytest.raises(SystemExit, match="no execution cache"):
        build_latex.check_cache()
    (tmp_path / "_build" / ".jupyter_cache").mkdir(parents=True)
    with pytest.raises(SystemExit, match="run it first"):  # no hash stored: a cache of unknown age
        build_latex.check_cache()
    (tmp_path / "_build" / ".inputs-hash").write_text("old\n")
    with pytest.raises(SystemExit, match="run it first"):
        build_latex.check_cache()
    (tmp_path / "_build" / ".inputs-hash").write_text("abc\n")
    assert build_latex.check_cache() is None


CHAPTER_B = r"""# Chapter B

The exercise {numref}`ex-a` and {ref}`ex-a` of the first chapter, the norm $\fro{W}$ and a
citation {cite}`wendin2025survey`.

## References

```{bibliography}
:filter: docname in docnames
```
"""

CHAPTER_A = r"""# Chapter A

:::{prf:theorem} A statement
:label: thm-a

Every $W \in \R^{2 \times 2}$ has $\fro{W} \ge 0$ {cite}`wendin2025survey`.
:::

:::{prf:proof}
A norm is not negative.
:::

:::{exercise} An exercise
:label: ex-a

Show {prf:ref}`thm-a`.
:::

:::{solution} ex-a
:class: dropdown

It is a norm.
:::
"""


def _latex_book(root: Path, explorer_html: str) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    (root / "chapters").mkdir(parents=True)
    (root / "index.md").write_text("# A test book\n\nThe landing page.\n")
    (root / "chapters" / "b.md").write_text(CHAPTER_B)
    cell = new_code_cell("explorer", execution_count=1, outputs=[new_output(
        "execute_result", data={"text/html": explorer_html, "text/plain": "<Explorer>"}, execution_count=1)])
    nb = new_notebook(cells=[new_markdown_cell(CHAPTER_A), cell,
                             new_markdown_cell("## References\n\n```{bibliography}\n:filter: docname in docnames\n```\n")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, root / "chapters" / "a.ipynb")
    (root / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "index", "parts": [
        {"caption": "One", "numbered": True, "chapters": [{"file": "chapters/a"}]},
        {"caption": "Two", "numbered": True, "chapters": [{"file": "chapters/b"}]}]}))
    (root / "references.bib").write_text((ROOT / "references.bib").read_text())
    config = build_latex.latex_config(CONFIG)
    config["execute"] = {"execute_notebooks": "off"}
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def test_the_latex_builder_writes_what_print_needs(tmp_path, monkeypatch):
    """A two-chapter book through Jupyter Book's LaTeX builder (Sphinx only: no TeX is run)."""
    import subprocess

    monkeypatch.setenv("DEEPLINEAR_EXPLORER_PROCESSES", "1")
    book = tmp_path / "book"
    _latex_book(book, _static_explorer_html())
    done = subprocess.run(["jupyter-book", "build", str(book), "--builder", "latex", "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=book)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    out = book / "_build" / "latex"
    tex = (out / "book.tex").read_text()
    assert sphinx_deeplinear.latex_macros(MACROS) in tex  # the notation
    assert r"\part{One}" in tex and r"\chapter{Chapter A}" in tex
    # the explorer: its default frame and a line with the defaults
    image = re.search(r"\\sphinxincludegraphics\[[^\]]*\]\{\{(explorers/explorer-[0-9a-f]+)\}\.png\}", tex)
    assert image and (out / f"{image.group(1)}.png").exists()
    assert "Explorer, default view (a = 1, n = 1)" in tex and build_latex.tex_problems(tex) == []
    # numbered as on the web; the exercise labelled for references from another page
    assert "{Theorem 1.1 (A statement)}" in tex and "Exercise 1.1" in tex
    assert r"\dlnumberedlabel{1.1}{\detokenize{chapters/a:ex-a}}" in tex
    assert r"Exercise \ref{\detokenize{chapters/a:ex-a}}" in tex
    assert "numfigreset=1" in tex
    # the proof: its text and a square, no box with an empty title
    assert re.search(r"Proof\. A norm is not negative\.\s*\\hfill\\\(\\square\\\)", tex)
    assert not re.search(r"\\begin\{sphinxadmonition\}\{note\}\s*\\sphinxAtStartPar\s*Proof", tex)
    # one bibliography entry for the work both chapters cite, every citation linked to it
    assert len(re.findall(r"\\bibitem\[[^\]]*\]", tex)) == 1
    anchors = {f"cite.{key}" for key in re.findall(r"\\bibitem\[[^\]]*\]\{([^}]+)\}", tex)}
    anchors |= set(re.findall(r"\\hypertarget\{(cite\.[^}]+)\}", tex))
    links = set(re.findall(r"\\hyperlink\{(cite\.[^}]+)\}", tex))
    assert len(links) == 2 and links <= anchors
    assert tex.count(sphinx_deeplinear.ProofsAndReferencesForPrint.MOVED) == 2


def test_each_chapter_pdf_ends_with_the_books_reference_list(tmp_path):
    # Sphinx prints every cited work in one list at the end of the book (a last chapter-level
    # bookmark "Bibliography"); a chapter handed out alone carries that list after its pages
    docs = [("index", ""), ("chapters/why-deep-linear", "I"), ("chapters/model-and-data", "II")]
    titles = [build_latex.source_title(doc) for doc, _ in docs[1:]]
    book = _book(tmp_path / "book.pdf", [("I", 2, [(titles[0], 3)]), ("II", 7, [(titles[1], 8), ("Bibliography", 11)])])
    printed = build_latex.split_chapters(book, tmp_path, docs)
    # the chapters' own pages are unchanged (the book's page check adds them up)
    assert [(p.first, p.pages) for p in printed] == [(3, 4), (8, 3)]
    assert build_pdf.page_count(tmp_path / "chapters" / "why-deep-linear.pdf") == 4 + 2
    assert build_pdf.page_count(tmp_path / "chapters" / "model-and-data.pdf") == 3 + 2
