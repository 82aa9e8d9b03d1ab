"""The library reference part of the book: complete, current, and every entry has an example.

The pages in library/api-*.md are written by tools/api_pages.py from the package; autodoc
fills them from the docstrings at build time. Here: the pages are current, the table of
contents lists them all, every public name (top level, plots, exercises, explore) has an
entry in the built HTML, and every public docstring carries an example (which doctest runs).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import deeplinear as dl

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
PART = "The deeplinear library"


def _documented_modules() -> list[str]:
    out = []
    for info in pkgutil.walk_packages(dl.__path__, prefix="deeplinear."):
        if not any(p.startswith("_") for p in info.name.split(".")):
            out.append(info.name)
    return sorted(out)


def public_objects() -> list[tuple[str, object]]:
    """(home.qualname, object) for every name a module of the package makes public."""
    seen: dict[str, object] = {}
    for module in _documented_modules():
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            home = getattr(obj, "__module__", module) if (inspect.isfunction(obj) or inspect.isclass(obj)) else module
            seen.setdefault(f"{home}.{name}", obj)
    return sorted(seen.items())


PUBLIC = public_objects()


def _library_part() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next((p for p in toc["parts"] if p.get("caption") == PART), None)
    assert part is not None, f"_toc.yml has no part {PART!r}"
    files = []

    def walk(entries):
        for e in entries:
            files.append(e["file"])
            walk(e.get("sections", []))

    walk(part["chapters"])
    return files


def test_reference_pages_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "api_pages.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_table_of_contents_lists_every_reference_page():
    listed = _library_part()
    pages = sorted(f"library/{p.stem}" for p in (ROOT / "library").glob("api-*.md"))
    assert pages, "no reference pages in library/"
    assert set(pages) <= set(listed), sorted(set(pages) - set(listed))
    assert "library/index" in listed and "library/using" in listed, listed


def test_the_top_level_is_covered_by_the_pages():
    text = "\n".join(p.read_text() for p in (ROOT / "library").glob("api-*.md"))
    for name in dl.__all__:
        home = getattr(dl, name).__module__
        assert f"{home}.{name}" in text, f"dl.{name} ({home}) has no entry in library/api-*.md"


@pytest.mark.parametrize("qualname, obj", PUBLIC, ids=[q for q, _ in PUBLIC])
def test_every_public_name_has_a_runnable_example(qualname, obj):
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):  # a constant: its module says what it is
        module, name = qualname.rsplit(".", 1)
        assert name in (importlib.import_module(module).__doc__ or ""), f"{module}'s docstring does not explain {name}"
        return
    doc = inspect.getdoc(obj)
    assert doc, f"{qualname} has no docstring"
    assert re.search(r"^Examples?\n-+\n", doc, re.M), f"{qualname}: no Examples section"
    assert ">>>" in doc.split("Examples", 1)[1], f"{qualname}: the Examples section has no >>> line"


@pytest.fixture(scope="module")
def built_ids() -> set[str]:
    if not (SITE / "index.html").exists():
        pytest.fail(f"the book is not built ({SITE / 'index.html'} is missing): run `make book` first")
    ids: set[str] = set()
    for page in (SITE / "library").glob("api-*.html"):
        ids |= set(re.findall(r'<dt[^>]*\sid="([^"]+)"', page.read_text(encoding="utf-8")))
    return ids


def test_every_public_name_has_an_entry_in_the_built_reference(built_ids):
    missing = [q for q, obj in PUBLIC if q not in built_ids and (inspect.isfunction(obj) or inspect.isclass(obj))]
    assert not missing, f"{len(missing)} public names without an entry in _build/html/library: {missing[:20]}"
