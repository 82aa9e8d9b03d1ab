"""The student edition (`make student`, tools/build_student.py): no solutions, every exercise.

Three levels, none of which builds the whole book:

* the transformation of every chapter (in memory): no solution directive and no solution text
  is left, every exercise statement and every checker cell is, and the code cells that stay are
  exactly the originals minus the solutions' (so the main build's cached outputs still match);
* a small book with an exercise, a labelled solution, a reference to it, a checker cell and a
  hidden cell computing the solution's numbers, built first as `make book` builds the real one
  and then as its student edition: the pages and the downloadable notebook keep the exercise and
  the checker's output, lose every trace of the solution, and no kernel starts;
* the real student edition in _build/student/html is checked by `make student` itself, which
  runs tests/check_student_edition.py after the build (not part of `make test`).

Solutions and their text are found here independently of the tool, with a plain pattern for the
chapters' ``:::{solution} <label>`` blocks.
"""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_student as bs  # noqa: E402

CHAPTERS = sorted(ROOT.glob("chapters/*.ipynb"))
STUDENT = ROOT / "_build" / "student" / "html"
MAIN = ROOT / "_build" / "html"

SOLUTION = re.compile(r"^:::\{solution\}[ \t]*(?P<target>\S+)[^\n]*\n(?P<body>.*?)^:::[ \t]*$", re.M | re.S)
EXERCISE = re.compile(r"^:::\{exercise\}[^\n]*\n(?P<body>.*?)^:::[ \t]*$", re.M | re.S)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)


def normal(text: str) -> str:
    """Whitespace collapsed, typographic quotes and dashes made plain (Sphinx's smartquotes)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "--").replace("\u2014", "---").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def probes(solution: str) -> list[str]:
    """Pieces of a solution that survive rendering: long code lines, formulas, word runs."""
    found = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", solution, re.M | re.S):
        found += [normal(line) for line in block.splitlines() if len(normal(line)) >= 24]
    prose = re.sub(r"^```.*?^```", " | ", solution, flags=re.M | re.S)
    prose = re.sub(r"^:\w+:.*$", " | ", prose, flags=re.M)
    found += [normal(m) for m in re.findall(r"\$\$.*?\$\$|\$([^$]+)\$", prose, re.S) if len(m) >= 16]
    prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|\{[\w:-]+\}`[^`]*`|`[^`]*`", " | ", prose, flags=re.S)
    prose = re.sub(r"[*_]", "", prose)
    runs = re.findall(r"(?:[A-Za-z][A-Za-z'-]* ){3,}[A-Za-z][A-Za-z'-]*", re.sub(r"\s+", " ", prose))
    found += [run for run in runs if len(run) >= 24]
    return found


def original_solutions(path: Path) -> tuple[list[dict], str]:
    """The solutions of a chapter (target, text, probes) and the chapter's text without them."""
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    rest = normal(SOLUTION.sub(" ", markdown) + " ".join(c.source for c in nb.cells if c.cell_type == "code"))
    solutions = []
    for match in SOLUTION.finditer(markdown):
        kept = [p for p in probes(match["body"]) if p not in rest]  # not also said outside it
        solutions.append({"target": match["target"], "body": match["body"], "probes": kept})
    return solutions, markdown


def solution_cells(nb) -> list:
    """Code cells that say in a comment that they belong to a solution."""
    return [c for c in nb.cells if c.cell_type == "code"
            and re.search(r"#.*\bsolution\b", c.source, re.I) and not bs.is_checker(c.source)]


def notebook_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"]))
            for value in out.get("data", {}).values():
                parts.append(value if isinstance(value, str) else json.dumps(value))
    return normal("\n".join(parts))


# ------------------------------------------------------------------ every chapter, transformed

@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_transformation_removes_every_solution_and_keeps_every_exercise(path):
    original = nbformat.read(path, as_version=4)
    student, removed = bs.student_notebook(original)
    solutions, markdown = original_solutions(path)
    exercises = [m["body"] for m in EXERCISE.finditer(markdown)]
    labels = [LABEL.search(body).group(1) for body in exercises]
    assert len(solutions) == len(exercises) >= 4, "every exercise has its solution in the full edition"
    assert [s.exercise for s in removed.solutions] == [s["target"] for s in solutions]
    assert all(s["probes"] for s in solutions), [s["target"] for s in solutions if not s["probes"]]

    text = notebook_text(student)
    assert "{solution" not in text
    leaks = [(s["target"], p) for s in solutions for p in s["probes"] if p in text]
    assert not leaks, leaks
    for cell in solution_cells(original):
        assert normal(cell.source) not in text, cell.source
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", "")).splitlines():
                assert len(line) < 12 or normal(line) not in text, line

    student_md = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert [LABEL.search(m["body"]).group(1) for m in EXERCISE.finditer(student_md)] == labels
    for body in exercises:
        assert body in student_md, "an exercise statement changed"

    kept = [c for c in student.cells if c.cell_type == "code"]
    code = [c for c in original.cells if c.cell_type == "code"]
    assert [c for c in code if c.source not in removed.code_cells] == kept, \
        "the kept code cells (sources and tags) are the originals minus the solutions' cells"
    checkers = [c for c in code if bs.is_checker(c.source)]
    assert all(c in kept for c in checkers) and len(checkers) == sum(bs.is_checker(c.source) for c in kept)
    first = next(i for i, c in enumerate(student.cells) if "{exercise}" in c.source)
    stray = [c.source for c in student.cells[first:] if c.cell_type == "code" and not bs.is_checker(c.source)]
    assert not stray, ("a code cell among the exercises that is neither a checker nor part of a "
                       f"solution: tag it `solution` if it belongs to one: {stray}")

    # the notebook still runs: no kept cell uses a name that only a removed cell defines
    only_removed = assigned(removed.code_cells) - assigned([c.source for c in kept])
    used = {n.id for c in kept for n in ast.walk(ast.parse(python(c.source))) if isinstance(n, ast.Name)}
    assert not only_removed & used, only_removed & used


def python(source: str) -> str:
    """A cell's source without IPython magics."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def assigned(sources: list[str]) -> set[str]:
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(python(source))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def test_the_book_has_solutions_to_find():
    """Guards the checks above against finding nothing: the chapters' hidden solution cells."""
    cells = [c for p in CHAPTERS for c in solution_cells(nbformat.read(p, as_version=4))]
    assert len(cells) >= 3


def test_markdown_forms_and_references():
    text = textwrap.dedent("""\
        :::{exercise} A title
        :label: ex-a

        The statement.
        :::

        ::::{solution} ex-a
        :label: sol-a
        :class: dropdown

        The secret answer.
        ```python
        :::
        x = 1
        ```
        :::{note}
        nested
        :::
        ::::

        ````{solution} ex-a
        Backtick secret.
        ```
        code secret
        ```
        ````

        See {ref}`the solution <sol-a>`, {prf:ref}`sol-a`, [here](#sol-a) and {ref}`ex-a`.

        ```markdown
        :::{solution} shown-as-syntax
        :::
        ```
        """)
    out, found, gate, ends = bs.strip_text(text)
    assert [s.exercise for s in found] == ["ex-a", "ex-a"] and found[0].label == "sol-a"
    assert "secret" not in out and "nested" not in out and "x = 1" not in out
    assert "The statement." in out and ":::{solution} shown-as-syntax" in out
    assert gate is None and not ends
    out = bs.retarget(out, {"sol-a": "ex-a"})
    assert "{ref}`the solution <ex-a>`" in out and "{ref}`ex-a`, [here](#ex-a)" in out


def test_gated_solution_across_cells():
    cells = [
        nbformat.v4.new_markdown_cell(":::{exercise}\n:label: ex-g\nStatement.\n:::"),
        nbformat.v4.new_code_cell("exercises.check_g(f)"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-g\n:class: dropdown\n```\nSecret words."),
        nbformat.v4.new_code_cell("secret = 1"),
        nbformat.v4.new_markdown_cell("More secret.\n```{solution-end}\n```\nAfter the solution."),
        nbformat.v4.new_code_cell("print('main text')"),
        nbformat.v4.new_markdown_cell(":::{solution} ex-g\nAgain.\n:::"),
        nbformat.v4.new_code_cell("numbers_of_the_solution = 2", metadata={"tags": ["hide-cell"]}),
        nbformat.v4.new_code_cell("exercises.check_h(g)"),
        nbformat.v4.new_code_cell("tagged = 3", metadata={"tags": ["solution"]}),
    ]
    student, removed = bs.student_notebook(nbformat.v4.new_notebook(cells=cells))
    sources = [c.source for c in student.cells]
    assert sources == [cells[0].source, "exercises.check_g(f)", "After the solution.",
                       "print('main text')", "exercises.check_h(g)"]
    assert removed.code_cells == ["secret = 1", "numbers_of_the_solution = 2", "tagged = 3"]
    assert "Secret words." in removed.solutions[0].text and "secret = 1" in removed.solutions[0].text


# ------------------------------------------------------------------ a small book, built twice

CHAPTER = [
    ("code", "import types\nexercises = types.SimpleNamespace(check_answer=lambda f: print('checker says', f()))"),
    ("markdown", "# A chapter\n\n## Exercises\n\n:::{exercise} The answer\n:label: ex-answer\n\n"
                 "What is six times seven?\n:::"),
    ("code", "def answer():\n    return None  # your code here\n\nexercises.check_answer(answer)"),
    ("markdown", ":::{solution} ex-answer\n:label: sol-answer\n:class: dropdown\n\n"
                 "Zebra quokka marmoset answer forty-two, multiply the numbers directly.\n\n"
                 "```python\ndef answer():\n    return 6 * 7  # zebra quokka\n```\n:::"),
    ("code", "print('hidden numbers of the solution above: 4242 zebra')"),
    ("markdown", "The next section refers to {ref}`the solution <sol-answer>` and {numref}`ex-answer`."),
]


def small_book(tmp: Path) -> Path:
    config = {
        "title": "small", "only_build_toc_files": False,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "cache", "allow_errors": False, "stderr_output": "error"},
        "parse": {"myst_enable_extensions": ["colon_fence", "dollarmath"]},
        "html": {"use_download_button": True},
        "sphinx": {"extra_extensions": ["sphinx_exercise", "sphinx_togglebutton"],
                   "config": {"nitpicky": True, "numfig": True}},
    }
    (tmp / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "index", "chapters": [{"file": "chapters/answer"}, {"file": "notes"}]}))
    (tmp / "index.md").write_text("# Small\n")
    (tmp / "notes.md").write_text("# Notes\n\nSolutions: {ref}`see here <sol-answer>`.\n")
    (tmp / "chapters").mkdir()
    cells = [nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
             for kind, src in CHAPTER]
    cells[4].metadata["tags"] = ["hide-cell"]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp / "chapters" / "answer.ipynb")
    return tmp


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd)


def page_text(page: Path) -> str:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page.read_text(), flags=re.S)
    return normal(html.unescape(re.sub(r"<[^>]+>", "", text)))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    book = small_book(tmp_path_factory.mktemp("small-book"))
    done = run(["-c", "from jupyter_book.cli.main import main; main()", "build", str(book), "-W", "-n", "--keep-going"], book)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "4242 zebra" in page_text(book / "_build" / "html" / "chapters" / "answer.html")
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'tools')!r}); import build_student as bs; from pathlib import Path; "
            f"sys.exit(bs.build(Path({str(book)!r}), Path({str(book / '_config.yml')!r}), Path({str(book / '_build' / 'student')!r})))")
    done = run(["-c", code], book)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Executing notebook" not in done.stdout + done.stderr, "the student edition started a kernel"
    assert "Using cached notebook" in done.stdout + done.stderr
    return book / "_build" / "student" / "html"


def test_small_book_student_edition(small):
    page = (small / "chapters" / "answer.html").read_text()
    text = page_text(small / "chapters" / "answer.html")
    assert 'id="ex-answer"' in page and "six times seven" in text
    assert "checker says None" in text, "the checker cell and its output stay"
    for secret in ("zebra", "quokka", "forty-two", "4242", "return 6 * 7"):
        assert secret not in text, secret
    assert 'class="solution' not in page
    assert "#ex-answer" in (small / "notes.html").read_text(), "a reference to the solution now points at the exercise"
    nb = nbformat.read(small / "_sources" / "chapters" / "answer.ipynb", as_version=4)
    assert "zebra" not in notebook_text(nb) and "{solution" not in notebook_text(nb)
    assert any(bs.is_checker(c.source) for c in nb.cells) and "ex-answer" in notebook_text(nb)
    assert "small (student edition)" in page
