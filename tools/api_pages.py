"""Write the library reference pages (library/api-*.md) from the package itself.

One page per module of the top level (the mathematics) and one page per subpackage
(``plots``, ``exercises``, ``explore``) with a section per module. Each page is a thin MyST
wrapper around Sphinx autodoc: the content (signatures, parameters, examples) comes from the
docstrings at build time, so a page only has to change when a module is added or removed.

    python tools/api_pages.py          # rewrite the pages
    python tools/api_pages.py --check  # exit 1 if a page is missing, stale or left over

_toc.yml lists the pages in its part "The deeplinear library" (tests/test_api_reference.py
checks that the two agree).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "library"
PACKAGE = "deeplinear"
SUBPACKAGES = ("plots", "exercises", "explore")


def _summary(module: object) -> str:
    """First sentence of a module docstring, or its name when it has none."""
    doc = (getattr(module, "__doc__", None) or "").strip()
    first = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    # reST roles to MyST: :math:`x` -> $x$, :func:`~a.b` -> `b`
    first = re.sub(r":math:`([^`]+)`", r"$\1$", first)
    first = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", first)
    return first.rstrip(".") if first else module.__name__


def _public_modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    if not hasattr(pkg, "__path__"):  # a plain module: no submodules
        return []
    names = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            names.append(info.name)
    return sorted(names)


def _autodoc_block(module: str, names: list[str]) -> str:
    lines = ["```{eval-rst}", f".. automodule:: {module}", "   :no-members:", ""]
    if names:
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in names]
        lines.append("")
        for n in names:
            lines.append(_directive(module, n))
    lines.append("```")
    return "\n".join(lines)


def _directive(module: str, name: str) -> str:
    mod = importlib.import_module(module)
    obj = getattr(mod, name)
    if isinstance(obj, type):
        if issubclass(obj, BaseException):
            return f".. autoexception:: {module}.{name}\n"
        return f".. autoclass:: {module}.{name}\n   :members:\n   :inherited-members:\n"
    if callable(obj):
        return f".. autofunction:: {module}.{name}\n"
    return f".. autodata:: {module}.{name}\n   :no-value:\n"


def _module_page(module: str, title_name: str) -> str:
    mod = importlib.import_module(module)
    names = list(getattr(mod, "__all__", []))
    label = "api-" + module.removeprefix(PACKAGE + ".").replace(".", "-")
    # Titles stay free of math: the navigation shows them on every page, and a page without
    # math of its own does not load MathJax.
    return "\n".join([
        f"({label})=",
        f"# `{title_name}`",
        "",
        _autodoc_block(module, names),
        "",
    ])


def _subpackage_page(sub: str) -> str:
    full = f"{PACKAGE}.{sub}"
    pkg = importlib.import_module(full)
    parts = [f"(api-{sub})=", f"# `{full}`", "",
             "```{eval-rst}", f".. automodule:: {full}", "   :no-members:", "```", ""]
    if not hasattr(pkg, "__path__"):  # one module: document its names on this page
        return "\n".join(parts[:3] + [_autodoc_block(full, list(pkg.__all__)), ""])
    for name in _public_modules(full):
        module = f"{full}.{name}"
        mod = importlib.import_module(module)
        names = list(getattr(mod, "__all__", []))
        if not names:
            continue
        parts += [f"## `{module}`", "", _autodoc_block(module, names), ""]
    return "\n".join(parts)


def core_modules() -> list[str]:
    """The modules of the mathematics in the package's own order (``deeplinear._MODULES``)."""
    pkg = importlib.import_module(PACKAGE)
    on_disk = set(_public_modules(PACKAGE)) - set(SUBPACKAGES)
    listed = list(pkg._MODULES)
    if set(listed) != on_disk:
        raise SystemExit(f"api_pages: deeplinear._MODULES {sorted(listed)} does not match the modules {sorted(on_disk)}")
    return listed


def pages() -> dict[str, str]:
    """File name (relative to library/) -> content, for every reference page."""
    out = {}
    for name in core_modules():
        out[f"api-{name}.md"] = _module_page(f"{PACKAGE}.{name}", f"{PACKAGE}.{name}")
    for sub in SUBPACKAGES:
        out[f"api-{sub}.md"] = _subpackage_page(sub)
    return out


MARK_START, MARK_END = "<!-- modules:start -->", "<!-- modules:end -->"


def index_table() -> str:
    """The module table of library/index.md (between its two markers)."""
    rows = ["| page | module | what it holds |", "|---|---|---|"]
    for name in core_modules() + list(SUBPACKAGES):
        mod = importlib.import_module(f"{PACKAGE}.{name}")
        rows.append(f"| {{doc}}`api-{name}` | `{PACKAGE}.{name}` | {_summary(mod)} |")
    return "\n".join(rows)


def _with_index_table(text: str) -> str:
    head, _, rest = text.partition(MARK_START)
    _, _, tail = rest.partition(MARK_END)
    return f"{head}{MARK_START}\n{index_table()}\n{MARK_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale pages, write nothing")
    args = parser.parse_args(argv)
    wanted = pages()
    index = OUT / "index.md"
    wanted["index.md"] = _with_index_table(index.read_text())
    present = {p.name for p in OUT.glob("api-*")} | {"index.md"}
    stale = sorted(n for n, text in wanted.items()
                   if not (OUT / n).exists() or (OUT / n).read_text() != text)
    extra = sorted(present - set(wanted))
    if args.check:
        for n in stale:
            print(f"api_pages: library/{n} is missing or out of date")
        for n in extra:
            print(f"api_pages: library/{n} documents no module any more")
        if stale or extra:
            print("api_pages: run `python tools/api_pages.py` (and update _toc.yml)", file=sys.stderr)
        return 1 if stale or extra else 0
    OUT.mkdir(exist_ok=True)
    for n in extra:
        (OUT / n).unlink()
    for n, text in wanted.items():
        (OUT / n).write_text(text)
    print(f"api_pages: {len(wanted)} pages in library/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
