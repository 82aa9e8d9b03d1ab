"""The test and build harness catches what it must.

nbval compares the stored outputs of tagged cells (a deliberately wrong fixture fails), a
notebook that raises fails both nbval and the book build with the cell and error named, and
a broken {doc}/{prf:ref}/{cite} or a page missing from _toc.yml fails the build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_nbval(notebook: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), str(FIXTURES / notebook)],
        capture_output=True, text=True, cwd=FIXTURES,
    )


def test_nbval_passes_a_right_checked_output():
    result = run_nbval("nbval_right.ipynb")
    assert result.returncode == 0, result.stdout[-2000:]


def test_nbval_fails_a_wrong_checked_output():
    result = run_nbval("nbval_wrong.ipynb")
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout
    assert "4" in result.stdout and "3" in result.stdout  # the report shows expected and got


def test_nbval_does_not_compare_untagged_cells():
    result = run_nbval("nbval_unchecked.ipynb")
    assert result.returncode == 0, result.stdout[-2000:]


def test_nbval_fails_a_cell_that_raises():
    result = run_nbval("nbval_raises.ipynb")
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stdout


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory) -> subprocess.CompletedProcess:
    """Build the deliberately broken fixture book with the real book's configuration."""
    book = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(FIXTURES / "broken_book", book)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    (book / "tools").mkdir()  # the config's local Sphinx extension (local_extensions: tools/)
    for helper in ("sphinx_deeplinear.py", "setup_cells.py"):
        shutil.copy(ROOT / "tools" / helper, book / "tools" / helper)
    return subprocess.run(
        ["jupyter-book", "build", str(book), "-W", "-n", "--keep-going", "--config", str(book / "_config.yml")],
        capture_output=True, text=True, cwd=book,
    )


def _log(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_build_fails_on_the_broken_book(broken_build):
    assert broken_build.returncode != 0, _log(broken_build)[-3000:]


def test_build_names_the_notebook_that_raises(broken_build):
    log = _log(broken_build)
    assert "raises.ipynb" in log and "Executing notebook failed" in log, log[-3000:]
    report = next((Path(p) for p in Path(broken_build.args[2]).rglob("raises.err.log")), None)
    assert report is not None, "no execution report was written"
    text = report.read_text()
    assert "ValueError" in text and "deliberate failure in the fixture" in text


@pytest.mark.parametrize(
    "message",
    [
        "unknown document: 'chapters/no-such-chapter'",
        "no-such-theorem",
        "could not find bibtex key \"no-such-key\"",
        "document isn't included in any toctree",
    ],
)
def test_build_names_each_broken_reference(broken_build, message):
    assert message in _log(broken_build), _log(broken_build)[-3000:]


# The docstring examples run under doctest in `make test` (pytest --doctest-modules lib);
# a wrong example must fail that run, with the project's doctest options.
WRONG_EXAMPLE = '''
def double(x):
    """Twice x.

    Examples
    --------
    >>> double(2.0)
    5.0
    """
    return 2 * x
'''


@pytest.mark.parametrize("expected, ok", [("4.0", True), ("5.0", False)])
def test_doctests_pass_a_right_example_and_fail_a_wrong_one(tmp_path, expected, ok):
    (tmp_path / "example_module.py").write_text(WRONG_EXAMPLE.replace("5.0", expected))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--doctest-modules", "-p", "no:cacheprovider", "-q",
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    assert "1 passed" in result.stdout if ok else "1 failed" in result.stdout, result.stdout
