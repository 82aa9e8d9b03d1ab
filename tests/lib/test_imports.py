"""The import graph of the package has no cycles.

Every ``from .x import`` / ``from deeplinear.x import`` / ``import deeplinear.x`` statement
counts, at module level or inside a function (a function-level import to dodge a cycle is a
cycle too). Relative imports are resolved inside subpackages (``from ..flow import`` in
``deeplinear/plots/flow.py`` is ``deeplinear.flow``); importing a package (``from . import``
in a subpackage, or ``deeplinear.plots``) is an edge to its ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import deeplinear

PACKAGE_DIR = Path(deeplinear.__file__).parent


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([package, *parts])


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> modules of the same package that it imports (anywhere in its source)."""
    files = {_module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in files}

    def resolve(name: str) -> str | None:
        """The longest prefix of ``name`` that is a module of the package."""
        parts = name.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in files:
                return candidate
            parts.pop()
        return None

    for module, path in files.items():
        is_package = path.name == "__init__.py"
        # the package a relative import is relative to
        here = module.split(".") if is_package else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                if prefix != package and not prefix.startswith(package + "."):
                    continue
                # ``from pkg import mod`` imports the module ``pkg.mod`` when there is one
                for alias in node.names:
                    sub = f"{prefix}.{alias.name}"
                    targets.append(sub if sub in files else prefix)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name == package or a.name.startswith(package + ".")]
            for target in targets:
                resolved = resolve(target)
                if resolved is not None and resolved != module:
                    graph[module].add(resolved)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle ``[a, b, ..., a]`` of the graph, or None (depth-first search)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt, WHITE) == GREY:
                return stack[stack.index(nxt):] + [nxt]
            if colour.get(nxt, WHITE) == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(graph):
        if colour[start] == WHITE:
            found = visit(start)
            if found:
                return found
    return None


def _package_graph() -> dict[str, set[str]]:
    """The graph of deeplinear without the edges of the top-level ``__init__``, which re-exports
    every module by design (a module importing ``deeplinear`` itself is still an edge into it,
    and the re-exporting ``__init__`` of ``plots`` and ``exercises`` keep their edges)."""
    graph = import_graph(PACKAGE_DIR, "deeplinear")
    graph["deeplinear"] = set()
    return graph


def test_the_package_has_no_import_cycle():
    graph = _package_graph()
    assert "deeplinear.flow" in graph and "deeplinear.plots.flow" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_the_package_itself():
    # ``import deeplinear`` inside a module would close a cycle through the re-exporting __init__
    offenders = sorted(m for m, deps in _package_graph().items() if "deeplinear" in deps)
    assert offenders == [], offenders


def test_known_edges_are_found():
    graph = import_graph(PACKAGE_DIR, "deeplinear")
    assert "deeplinear.trajectory" in graph["deeplinear.invariants"]
    assert "deeplinear.curvature" in graph["deeplinear.descent"]
    assert "deeplinear.flow" in graph["deeplinear.plots.flow"]  # from ..flow, resolved in a subpackage
    assert "deeplinear.plots.style" in graph["deeplinear.plots.flow"]  # from .style
    assert "deeplinear.flow" not in graph["deeplinear.trajectory"]


def test_the_checker_finds_a_function_level_cycle(tmp_path):
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import g\n\n\ndef f():\n    return g()\n")
    (pkg / "b.py").write_text("def g():\n    from .a import f  # a function-level import is an edge too\n    return f\n")
    (pkg / "c.py").write_text("import toy.a\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "d.py").write_text("from ..c import x\nfrom . import e\n")
    (pkg / "sub" / "e.py").write_text("")
    graph = import_graph(pkg, "toy")
    assert graph["toy.a"] == {"toy.b"} and graph["toy.b"] == {"toy.a"}
    assert graph["toy.c"] == {"toy.a"}
    assert graph["toy.sub.d"] == {"toy.c", "toy.sub.e"}
    cycle = find_cycle(graph)
    print("cycle found:", " -> ".join(cycle))
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"toy.a", "toy.b"}
    (pkg / "b.py").write_text("def g():\n    return 1\n")
    assert find_cycle(import_graph(pkg, "toy")) is None
