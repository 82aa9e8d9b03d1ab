"""The built student edition in _build/student/html: no solution anywhere, every exercise and
checker kept. `make student` runs this file after building the edition (it is not part of
`make test`, which does not build the student edition; tests/test_student_edition.py checks
the transformation itself on every chapter and on a small book built both ways).
"""

import re
from pathlib import Path

import nbformat

from tests.test_student_edition import (  # the helpers and paths of the unit tests
    CHAPTERS, EXERCISE, LABEL, MAIN, ROOT, STUDENT, normal, notebook_text, original_solutions, page_text,
    solution_cells,
)


# ------------------------------------------------------------------ the real student edition

def _student_edition_current() -> bool:
    index = STUDENT / "index.html"
    return index.exists() and all(p.stat().st_mtime <= index.stat().st_mtime for p in CHAPTERS)


def test_built_student_edition():
    assert _student_edition_current(), f"no current student edition in {STUDENT}: run `make student`"
    pages = {p.relative_to(STUDENT): page_text(p) for p in STUDENT.rglob("*.html")}
    sources = {p.relative_to(STUDENT): notebook_text(nbformat.read(p, as_version=4))
               for p in (STUDENT / "_sources").rglob("*.ipynb")}
    sources.update({p.relative_to(STUDENT): normal(p.read_text()) for p in (STUDENT / "_sources").rglob("*.md")})
    main = {p.relative_to(MAIN): page_text(p) for p in MAIN.rglob("*.html")} if MAIN.exists() else {}
    originals = {p: notebook_text(nbformat.read(p, as_version=4)) if p.suffix == ".ipynb" else normal(p.read_text())
                 for p in [*ROOT.glob("chapters/*"), *ROOT.glob("library/*"), ROOT / "index.md"]}
    for path in CHAPTERS:
        name = Path("chapters") / f"{path.stem}.html"
        solutions, markdown = original_solutions(path)
        page = (STUDENT / name).read_text()
        assert 'class="solution' not in page, path.stem
        for label in (LABEL.search(m["body"]).group(1) for m in EXERCISE.finditer(markdown)):
            assert f'id="{label}"' in page, label
        original = nbformat.read(path, as_version=4)
        for checker in re.findall(r"exercises\.(check_\w+)\(", " ".join(c.source for c in original.cells if c.cell_type == "code")):
            assert f"exercises.{checker}(" in pages[name], checker
        notebook = sources[Path("_sources") / "chapters" / path.name]
        assert "{solution" not in notebook and ":label: ex-" in notebook
        elsewhere_html = " ".join(text for other, text in main.items() if other != name)
        elsewhere_src = " ".join(text for other, text in originals.items() if other != path)
        for s in solutions:
            for probe in s["probes"]:
                where = (path.stem, s["target"], probe)
                assert probe not in pages[name] and probe not in notebook, where
                if main:  # the probes are real: the full edition shows them
                    assert probe in main[name], where
                if probe not in elsewhere_html:  # a phrase of this solution only: on no page at all
                    assert all(probe not in text for text in pages.values()), where
                if probe not in elsewhere_src:
                    assert all(probe not in text for text in sources.values()), where
        for cell in solution_cells(original):
            for out in cell.get("outputs", []):
                for line in "".join(out.get("text", "")).splitlines():
                    assert len(line) < 12 or normal(line) not in pages[name] + notebook, line
