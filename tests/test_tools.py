"""The build helpers: the execution cache is keyed on the library, the CDN fallback works
and says so, the book's own style sheet is served and listed, the post-build accessibility
fixes rewrite what they must and nothing else, and the stored-output form keeps only the
text of checked cells."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402
import store_outputs  # noqa: E402
import vendor_assets  # noqa: E402


def test_inputs_hash_changes_with_the_library(tmp_path, monkeypatch):
    (tmp_path / "lib" / "pkg").mkdir(parents=True)
    module = tmp_path / "lib" / "pkg" / "m.py"
    module.write_text("x = 1\n")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    monkeypatch.setattr(build_book, "ROOT", tmp_path)
    before = build_book.inputs_hash()
    assert build_book.inputs_hash() == before  # deterministic
    module.write_text("x = 2\n")
    assert build_book.inputs_hash() != before
    module.write_text("x = 1\n")
    (tmp_path / "requirements.txt").write_text("numpy>=2\n")
    assert build_book.inputs_hash() != before


def test_cdn_fallback_drops_the_vendored_paths_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_book.subprocess, "call", lambda *a, **k: 1)  # vendor_assets failed
    monkeypatch.setattr(build_book, "BUILD", tmp_path)
    cfg = build_book.config_path()
    assert cfg == tmp_path / "_config.cdn.yml"
    sphinx = yaml.safe_load(cfg.read_text())["sphinx"]["config"]
    for key in build_book.CDN_KEYS:
        assert key not in sphinx
    assert sphinx["mathjax3_config"]  # everything else is kept
    assert "CDN" in capsys.readouterr().err
    # the config lives in _build/, so the local Sphinx extension's folder must be absolute
    for path in yaml.safe_load(cfg.read_text())["sphinx"]["local_extensions"].values():
        assert Path(path).is_absolute() and (Path(path) / "sphinx_deeplinear.py").exists(), path


def test_vendored_config_is_used_when_assets_exist(monkeypatch):
    monkeypatch.setattr(build_book.subprocess, "call", lambda *a, **k: 0)
    assert build_book.config_path() == ROOT / "_config.yml"


def test_cdn_fallback_keeps_the_books_style_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(build_book.subprocess, "call", lambda *a, **k: 1)
    monkeypatch.setattr(build_book, "BUILD", tmp_path)
    sphinx = yaml.safe_load(build_book.config_path().read_text())["sphinx"]["config"]
    assert sphinx["html_static_path"] == ["vendor"] and sphinx["html_css_files"] == ["book/book.css"]


def test_vendor_assets_serve_the_books_style_sheet_with_or_without_npm(tmp_path, monkeypatch):
    # vendor/book/ is a copy of tools/assets/, listed in html_css_files; there is no _static/.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    for name in config["html_css_files"]:
        assert (ROOT / "tools" / "assets" / name.removeprefix("book/")).is_file(), name
    assert not (ROOT / "_static").exists()
    monkeypatch.setattr(vendor_assets, "ROOT", tmp_path)
    monkeypatch.setattr(vendor_assets, "VENDOR", tmp_path / "vendor")
    monkeypatch.setattr(vendor_assets, "NODE", tmp_path / "node_modules")  # no npm packages
    assert vendor_assets.main() == 1
    assert (tmp_path / "vendor" / "book" / "book.css").read_text() == (ROOT / "tools" / "assets" / "book.css").read_text()


def test_an_edited_style_sheet_reaches_the_built_site(tmp_path):
    (tmp_path / "_static" / "book").mkdir(parents=True)
    (tmp_path / "_static" / "book" / "book.css").write_text("/* an older version */")
    build_book.sync_own_assets(tmp_path)
    assert (tmp_path / "_static" / "book" / "book.css").read_text() == (ROOT / "tools" / "assets" / "book.css").read_text()


NAV = ('<li class="toctree-l1 has-children"><a class="reference internal" href="../library/index.html">'
       'The <code class="docutils literal notranslate"><span class="pre">deeplinear</span></code> library</a>'
       '<details><summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down">'
       '</i></span></summary><ul><li class="toctree-l2"><a class="reference internal" href="x.html">X &amp; Y</a>'
       '</li></ul></details></li>')
CURRENT_NAV = ('<li class="toctree-l1 current active has-children"><a class="current reference internal" href="#">'
               'Part &amp; whole</a><details open="open"><summary><span class="toctree-toggle" role="presentation">'
               '</span></summary></details></li>')
CAPTION_NAV = '<details><summary><p class="caption">Part</p><span class="toctree-toggle"></span></summary></details>'
CITATIONS = ('<div role="list" class="citation-list">\n<div class="citation" id="id3" role="doc-biblioentry">\n'
             '<span class="label">A</span></div>\n<div class="citation" id="id4" role="doc-biblioentry"></div></div>')
HIDDEN_CELL = ('<details class="admonition hide above-input">\n<summary aria-label="Toggle hidden content">\n'
               '<p class="collapsed admonition-title">Show code cell source</p>\n'
               '<p class="expanded admonition-title">Hide code cell source</p>\n</summary>')
SEARCH = ('<button class="btn search-button-field search-button__button" title="Search" aria-label="Search" '
          'data-bs-placement="bottom" data-bs-toggle="tooltip">')
TOGGLE_BUTTON = '<button type="button" class="toggle-button" aria-label="Toggle hidden content"></button>'


def test_accessibility_fixes_rewrite_the_theme_markup():
    counts: dict[str, int] = {}
    page = "\n".join([NAV, CURRENT_NAV, CAPTION_NAV, CITATIONS, HIDDEN_CELL, SEARCH, TOGGLE_BUTTON])
    fixed = build_book.accessible_page(page, counts)
    assert counts == {"bibliography entries as list items": 2, "hidden-cell toggles named by their text": 1,
                      "search field named by its text": 1, "navigation toggles named": 2}
    assert '<summary aria-label="Show or hide the pages under The deeplinear library">' in fixed
    assert '<summary aria-label="Show or hide the pages under Part &amp; whole">' in fixed
    assert CAPTION_NAV in fixed  # named by its caption already
    assert "doc-biblioentry" not in fixed and fixed.count('role="listitem"') == 2
    assert '<div role="list" class="citation-list">' in fixed
    assert '<summary>\n<p class="collapsed admonition-title">Show code cell source</p>' in fixed
    assert 'title="Search" data-bs-placement' in fixed and 'aria-label="Search"' not in fixed
    assert TOGGLE_BUTTON in fixed  # an icon-only button keeps its name
    assert build_book.accessible_page(fixed) == fixed  # idempotent


def test_make_accessible_rewrites_every_page_once(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(CITATIONS, encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>nothing to fix</p>", encoding="utf-8")
    counts = build_book.make_accessible(tmp_path)
    assert counts["bibliography entries as list items"] == 2 and sum(counts.values()) == 2
    assert "doc-biblioentry" not in (tmp_path / "chapters" / "a.html").read_text(encoding="utf-8")
    assert sum(build_book.make_accessible(tmp_path).values()) == 0


def test_strip_keeps_only_text_of_checked_cells():
    checked = new_code_cell("print(1)", metadata={"tags": ["nbval-check-output"]}, execution_count=7)
    checked.outputs = [
        new_output("stream", name="stdout", text="1\n"),
        new_output("display_data", data={"image/png": "AAAA", "text/plain": "<Figure>"}),
    ]
    other = new_code_cell("x = 1", execution_count=8, metadata={"execution": {"iopub.status.idle": "2026-12-01T19:07:10Z"}})
    other.outputs = [new_output("display_data", data={"image/png": "AAAA"})]
    nb = new_notebook(cells=[checked, other], metadata={"widgets": {"state": {}}})
    stored = store_outputs.strip(nb)
    assert store_outputs.problems(stored) == []
    assert stored.cells[0].execution_count == 1
    assert [o.get("data", {}).keys() for o in stored.cells[0].outputs][1] == {"text/plain"}
    assert stored.cells[1].outputs == [] and stored.cells[1].execution_count is None
    assert "widgets" not in stored.metadata
    assert "execution" not in stored.cells[1].metadata  # timestamps would change every diff


def test_problems_reports_execution_timestamps():
    cell = new_code_cell("x = 1", metadata={"execution": {"shell.execute_reply": "2026-12-01T19:07:10Z"}})
    assert any("timestamps" in p for p in store_outputs.problems(new_notebook(cells=[cell])))


def test_problems_reports_an_unstored_notebook():
    cell = new_code_cell("x = 1", execution_count=3)
    cell.outputs = [new_output("display_data", data={"image/png": "AAAA"})]
    nb = new_notebook(cells=[cell, new_code_cell("print(2)", metadata={"tags": ["nbval-check-output"]})])
    found = store_outputs.problems(nb)
    assert any("not tagged" in p for p in found)
    assert any("no stored output" in p for p in found)


def test_committed_fixture_notebooks_are_valid():
    for path in (ROOT / "tests" / "fixtures").glob("*.ipynb"):
        nbformat.validate(nbformat.read(path, as_version=4))
