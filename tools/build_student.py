"""Build the student edition: the same book with every solution removed (`make student`).

For instructors who grade the exercises. The pages and the downloadable notebooks keep every
exercise statement and every checker cell of the code exercises, and lose every solution.
Nothing is executed again:

1. The book's sources (what Sphinx reads: the config's exclude_patterns left out) are copied
   into _build/student/src, with the solutions removed from every notebook and Markdown page:
   * every ``{solution}`` directive (colon or backtick fence), and everything between a
     ``{solution-start}`` and a ``{solution-end}``, code cells included;
   * the code cells that belong to a solution: a code cell tagged ``solution``, and the code
     cells that directly follow a Markdown cell ending with a solution and call no checker
     (``exercises.check_<name>(...)``), such as the hidden cells that compute the numbers a
     solution quotes; a checker cell is always kept;
   * a reference to a removed solution's label (``{ref}``, ``{numref}``, ``{prf:ref}``, a
     ``(#label)`` link) is pointed at the exercise it solves, so the build stays free of
     warnings.
2. The outputs come from the main build's execution cache (_build/.jupyter_cache, written by
   `make book`): each chapter's executed notebook is looked up there by its code cells, the
   same cells are removed from it, and it is stored in the student edition's own cache, so the
   student build finds every notebook there and starts no kernel. A chapter missing from the
   main cache (the book was not built since it changed) stops the build with a message.
3. Sphinx builds the copy with the book's rules (warnings are errors, nitpicky) into
   _build/student/html; the downloadable notebooks (_sources) are the copies without solutions,
   pinned like the main edition's (tools/setup_cells.py).

`python tools/build_student.py --check` only transforms every chapter and prints what it would
remove. tests/test_student_edition.py checks the transformation and the built edition.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "student"
SUFFIX = " (student edition)"

# A directive's opening line: ':::{solution} ex-label', '```{solution-start} ex-label', ...
DIRECTIVE = re.compile(r"^ {0,3}(?P<fence>:{3,}|`{3,}|~{3,})\{(?P<name>[\w:-]+)\}(?P<arg>.*)$")
CODE_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
CHECKER = re.compile(r"\bexercises\.check_\w+\s*\(")
ROLE = re.compile(r"\{(?P<role>ref|numref|prf:ref)\}`(?P<content>[^`]+)`")
LINK = re.compile(r"\]\(#(?P<target>[^)\s]+)\)")


@dataclass
class Solution:
    """A removed solution: the exercise it solves, its own label (if any) and its text."""

    exercise: str
    label: str
    text: str


@dataclass
class Removed:
    solutions: list[Solution] = field(default_factory=list)
    code_cells: list[str] = field(default_factory=list)  # sources of removed code cells


def _is_fence_line(line: str, char: str, size: int) -> bool:
    """Whether a line is only a fence of at least `size` `char`s (indented 3 spaces at most)."""
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {char} and len(stripped) >= size and len(line) - len(line.lstrip()) <= 3


def _closing(lines: list[str], start: int, fence: str, nested: bool = True) -> int:
    """Index of the line closing a block opened with `fence` (len(lines) if unclosed).

    In a directive (`nested`) code blocks are skipped, so a fence line in them closes nothing;
    a code block's own content is literal."""
    inner: tuple[str, int] | None = None
    for i in range(start, len(lines)):
        line = lines[i].rstrip("\n")
        if inner is not None:
            if _is_fence_line(line, *inner):
                inner = None
            continue
        if _is_fence_line(line, fence[0], len(fence)):
            return i
        code = CODE_FENCE.match(line) if nested else None
        if code and not code["info"].lstrip().startswith("{"):
            inner = (code["fence"][0], len(code["fence"]))
    return len(lines)


def _options(body: list[str]) -> dict[str, str]:
    options = {}
    for line in body:
        match = OPTION.match(line.strip())
        if not match:
            break
        options[match["key"]] = match["value"].strip()
    return options


def strip_text(text: str, gate: Solution | None = None) -> tuple[str, list[Solution], Solution | None, bool]:
    """Remove the solutions from Markdown text.

    `gate` is the solution whose ``{solution-start}`` ... ``{solution-end}`` region is open when
    the text starts (it began in an earlier cell), else None. Returns the text without
    solutions, the solutions that start in it, the region still open at its end (or None), and
    whether it ends with a solution (nothing but blank lines after the last one removed).
    """
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    found: list[Solution] = []
    ends_with_solution = gate is not None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\n")
        directive = DIRECTIVE.match(line)
        if gate is not None:
            i += 1
            if directive and directive["name"] == "solution-end":
                i = _closing(lines, i, directive["fence"]) + 1
                gate = None
            else:
                gate.text += lines[i - 1]
            continue
        if directive and directive["name"] in ("solution", "solution-start"):
            end = _closing(lines, i + 1, directive["fence"])
            body = lines[i + 1:end]
            solution = Solution(directive["arg"].strip(), _options(body).get("label", ""), "".join(body))
            found.append(solution)
            if directive["name"] == "solution-start":
                gate = solution
            ends_with_solution = True
            i = end + 1
            continue
        code = CODE_FENCE.match(line)
        end = i
        if code and not code["info"].lstrip().startswith("{"):
            # a plain code block is copied as it is, even if it shows a directive's syntax
            end = _closing(lines, i + 1, code["fence"], nested=False)
        kept.extend(lines[i:end + 1])
        if line.strip():
            ends_with_solution = False
        i = end + 1
    out = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip("\n")
    if out and text.endswith("\n"):
        out += "\n"
    return out, found, gate, ends_with_solution


def is_checker(source: str) -> bool:
    """Whether a code cell calls one of the library's exercise checkers."""
    return bool(CHECKER.search(source))


def student_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, Removed]:
    """The notebook without its solutions (a copy), and what was removed."""
    nb = copy.deepcopy(nb)
    removed = Removed()
    cells = []
    gate: Solution | None = None  # an open {solution-start} region
    after_solution = False  # the last Markdown cell ended with a solution
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text, found, gate, after_solution = strip_text(cell.source, gate)
            removed.solutions.extend(found)
            if text.strip():
                cell.source = text
                cells.append(cell)
            continue
        if cell.cell_type == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            if gate is not None or "solution" in tags or (after_solution and not is_checker(cell.source)):
                removed.code_cells.append(cell.source)
                if gate is not None:
                    gate.text += cell.source
                continue
        after_solution = False
        cells.append(cell)
    nb.cells = cells
    return nb, removed


def retarget(text: str, targets: dict[str, str]) -> str:
    """Point references to removed solution labels at the exercises they solve."""
    if not targets:
        return text

    def role(match: re.Match) -> str:
        content = match["content"]
        explicit = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", content, re.S)
        target = explicit["target"] if explicit else content.strip()
        if target not in targets:
            return match.group(0)
        name = "ref" if match["role"] == "prf:ref" else match["role"]
        new = f"{explicit['title']} <{targets[target]}>" if explicit else targets[target]
        return f"{{{name}}}`{new}`"

    text = ROLE.sub(role, text)
    return LINK.sub(lambda m: f"](#{targets.get(m['target'], m['target'])})", text)


def student_markdown(text: str) -> tuple[str, Removed]:
    out, found, _, _ = strip_text(text)
    return out, Removed(solutions=found)


# --------------------------------------------------------------------------------- the build

def book_files(root: Path, config: dict) -> list[Path]:
    """The files of the book's source tree that Sphinx sees (relative to root)."""
    patterns = [p.rstrip("/") for p in config.get("exclude_patterns", [])] + ["_config.yml", "_build"]

    def excluded(rel: str) -> bool:
        return any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")) or any(
            fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel.split("/")[0], p) for p in patterns)

    files = []
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not excluded((base / d).as_posix()))
        files += [base / n for n in sorted(names) if not excluded((base / n).as_posix())]
    return sorted(files)


def _write(path: Path, data: str) -> None:
    """Write only when the content changes, so Sphinx rereads only what changed."""
    if path.exists() and path.read_text(encoding="utf8") == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf8")


def stage_config(config: dict, root: Path, out: Path) -> dict:
    """The book's config for the copy: its title says which edition it is, the outputs come
    from the student cache, and paths that pointed into the book's folder are absolute."""
    config = copy.deepcopy(config)
    config["title"] = str(config.get("title", "")) + SUFFIX
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(out / ".jupyter_cache")
    sphinx = config.setdefault("sphinx", {})
    local = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {name: str((root / path).resolve()) for name, path in local.items()}
    conf = sphinx.setdefault("config", {})
    if "html_static_path" in conf:
        conf["html_static_path"] = [str((root / p).resolve()) for p in conf["html_static_path"]]
    return config


def stage(root: Path, config: dict, out: Path) -> tuple[Path, dict[str, Removed]]:
    """Copy the book into out/src without its solutions; returns the copy and what was removed."""
    src = out / "src"
    files = book_files(root, config)
    removed: dict[str, Removed] = {}
    texts: dict[Path, str] = {}
    notebooks: dict[Path, nbformat.NotebookNode] = {}
    for rel in files:
        if rel.suffix == ".ipynb":
            nb, removed[rel.as_posix()] = student_notebook(nbformat.read(root / rel, as_version=4))
            notebooks[rel] = nb
        elif rel.suffix == ".md":
            texts[rel], removed[rel.as_posix()] = student_markdown((root / rel).read_text(encoding="utf8"))
    targets = {s.label: s.exercise for r in removed.values() for s in r.solutions if s.label}
    for rel in files:
        if rel in notebooks:
            nb = notebooks[rel]
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = retarget(cell.source, targets)
            _write(src / rel, nbformat.writes(nb) + "\n")
        elif rel in texts:
            _write(src / rel, retarget(texts[rel], targets))
        else:
            target = src / rel
            if not target.exists() or target.read_bytes() != (root / rel).read_bytes():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, target)
    _write(src / "_config.yml", yaml.safe_dump(stage_config(config, root, out), sort_keys=False))
    wanted = {src / rel for rel in files} | {src / "_config.yml"}
    for path in sorted(src.rglob("*"), reverse=True):  # files no longer in the book
        if path.is_file() and path not in wanted and "_build" not in path.relative_to(src).parts:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return src, removed


def fill_cache(root: Path, src: Path, main_cache: Path, out: Path) -> list[str]:
    """Store the executed form of every copied notebook in the student cache.

    Each original notebook is matched in the main build's cache by its code cells; the same
    solutions are removed from the executed notebook. Returns the notebooks that have no
    record in the main cache (the main build is older than them)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    if not main_cache.exists():
        return ["(no execution cache at all: build the book first)"]
    main = get_cache(str(main_cache))
    student_path = out / ".jupyter_cache"
    if student_path.exists():
        shutil.rmtree(student_path)
    student = get_cache(str(student_path))
    missing = []
    for copied in sorted(src.rglob("*.ipynb")):
        rel = copied.relative_to(src)
        original = nbformat.read(root / rel, as_version=4)
        if not any(c.cell_type == "code" for c in original.cells):
            continue
        try:
            _, executed = main.merge_match_into_notebook(original)
        except KeyError:
            missing.append(rel.as_posix())
            continue
        executed_student, _ = student_notebook(executed)
        copied_nb = nbformat.read(copied, as_version=4)
        code = [c.source for c in copied_nb.cells if c.cell_type == "code"]
        if code != [c.source for c in executed_student.cells if c.cell_type == "code"]:
            raise RuntimeError(f"{rel}: the executed notebook lost other code cells than the source")
        student.cache_notebook_bundle(
            CacheBundleIn(executed_student, str(copied)), check_validity=False, overwrite=True)
        student.match_cache_notebook(copied_nb)  # KeyError here would mean a kernel would start
    return missing


def sphinx_build(src: Path, out: Path) -> int:
    """What `jupyter-book build SRC -W -n --keep-going` does, with the output in out/html."""
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        src, out / "html", doctreedir=out / ".doctrees", noconfig=True,
        path_config=str(src / "_config.yml"),
        confoverrides={"external_toc_path": (src / "_toc.yml").as_posix(),
                       "latex_individualpages": False, "nitpicky": True},
        builder="html", warningiserror=True, keep_going=True,
    )
    if isinstance(result, Exception):
        print(f"build_student: {result!r}", file=sys.stderr)
        return 1
    return int(result or 0)


def build(root: Path, config_file: Path, out: Path) -> int:
    """Stage, fill the cache and build; 0 on success."""
    config = yaml.safe_load(config_file.read_text())
    src, removed = stage(root, config, out)
    solutions = sum(len(r.solutions) for r in removed.values())
    cells = sum(len(r.code_cells) for r in removed.values())
    print(f"build_student: removed {solutions} solutions and {cells} solution code cells "
          f"from {sum(1 for r in removed.values() if r.solutions or r.code_cells)} pages", flush=True)
    missing = fill_cache(root, src, root / "_build" / ".jupyter_cache", out)
    if missing:
        print("build_student: the main build has no executed record of "
              f"{', '.join(missing)} matching its code cells: run `make book` first", file=sys.stderr)
        return 2
    os.environ["DEEPLINEAR_BUILD"] = "1"
    rc = sphinx_build(src, out)
    reports = sorted((out / "html" / "reports").rglob("*.err.log")) if (out / "html" / "reports").exists() else []
    for log in reports:
        print(f"\n===== execution error: {log.name} =====\n{log.read_text()}", file=sys.stderr)
    return rc or (1 if reports else 0)


def check(root: Path) -> int:
    """Transform every notebook and page in memory and say what would be removed."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    for rel in book_files(root, config):
        if rel.suffix == ".ipynb":
            _, removed = student_notebook(nbformat.read(root / rel, as_version=4))
        elif rel.suffix == ".md":
            _, removed = student_markdown((root / rel).read_text(encoding="utf8"))
        else:
            continue
        if removed.solutions or removed.code_cells:
            firsts = [json.dumps(c.splitlines()[0] if c else "") for c in removed.code_cells]
            print(f"{rel}: {len(removed.solutions)} solutions"
                  + (f", code cells {', '.join(firsts)}" if firsts else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say what would be removed")
    args = parser.parse_args(argv)
    if args.check:
        return check(ROOT)
    sys.path.insert(0, str(ROOT / "tools"))
    import build_book
    import setup_cells

    problem = build_book.check_settings()
    if problem:
        print(f"build_student: {problem}", file=sys.stderr)
        return 2
    rc = build(ROOT, build_book.config_path(), OUT)
    if rc != 0:
        print("\nbuild_student: FAILED (see the messages above)", file=sys.stderr)
        return rc
    req = setup_cells.publish(OUT / "html", ROOT)
    print(f"build_student: a downloaded notebook installs {req or 'nothing: no library_source or repository.url is set'}")
    print(f"\nbuild_student: done. The student edition is in {OUT / 'html'} (open index.html).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
