"""The book's sources follow the design: every chapter is in the table of contents, is
stored in the small committed form that nbval compares, imports the library by name, and has
the anatomy of the chapter standard (shared/chapter-standard.md)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from store_outputs import problems  # noqa: E402

import nbformat  # noqa: E402


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return files


CHAPTER_NOTEBOOKS = sorted(ROOT.glob("chapters/*.ipynb"))


def source(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(toc_files())
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for folder in ("chapters", "library")
               for p in ROOT.glob(f"{folder}/*") if p.suffix in (".ipynb", ".md")}
    assert on_disk - listed == set(), f"chapters missing from _toc.yml: {sorted(on_disk - listed)}"
    missing = [f for f in listed if not any((ROOT / (f + ext)).exists() for ext in (".md", ".ipynb"))]
    assert missing == [], f"_toc.yml lists files that do not exist: {missing}"


def test_there_are_chapters():
    assert CHAPTER_NOTEBOOKS, "no chapter notebooks in chapters/"


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOKS + sorted(ROOT.glob("library/*.ipynb")), ids=lambda p: p.name)
def test_chapter_is_stored_in_its_small_form(path):
    nb = nbformat.read(path, as_version=4)
    assert problems(nb) == []
    assert path.stat().st_size < 200_000, "committed notebooks hold text, not images"


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    text = source(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "sys.path" not in text, "chapters import the library by name"
    assert re.search(r"^import deeplinear as dl$", code[0].source, re.M), "the first code cell imports deeplinear as dl"
    assert "hide-input" in code[0].metadata.get("tags", []), "the setup cell is tagged hide-input"
    assert "Learning goals" in text and "Prerequisites" in text
    assert re.search(r"^## Summary", text, re.M) and re.search(r"^## Exercises", text, re.M)
    exercises = re.findall(r"^:::\{exercise\}", text, re.M)
    solutions = re.findall(r"^:::\{solution\}.*\n:class: dropdown", text, re.M)
    assert len(exercises) >= 4, f"{len(exercises)} exercises; the standard asks for at least four"
    assert len(solutions) >= len(exercises), "every exercise has a collapsed solution"
    assert ":filter: docname in docnames" in text, "the chapter ends with its own references"
    assert re.search(r"\{prf:(theorem|proposition|lemma|definition|corollary)\}", text)
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in code), "no number is checked by nbval"
    assert "dl.explore.explorer" in text, "the standard asks for at least one explorer"
    assert "{numref}" in text, "figures are referred to with numref"
