"""The build helpers: the execution cache is keyed on the library, the CDN fallback works
and says so, and the stored-output form keeps only the text of checked cells."""

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
