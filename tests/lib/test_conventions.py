"""The library's conventions, checked mechanically (CONTRIBUTING.md states them).

* The top level is the survey's mathematics: at most 150 names (issue 12), none of them a
  figure, a checker or explorer machinery (those live in ``deeplinear.plots``, ``.exercises``, ``.explore``).
* Signatures: the point evaluated first, then the problem (``Sigma``/``E``), then the
  architecture (``widths``/``h``); one name per concept.
* No function is named like its module; no two public functions share a name.
* Result types are immutable.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import deeplinear as dl

SUBPACKAGES = ("plots", "exercises", "explore")
#: Names that mean the same thing must be spelled one way (the spelling on the right).
SYNONYMS = {"W": "weights", "Ws": "weights", "S": "Sigma", "target": "Sigma", "sigma_matrix": "Sigma",
            "depth": "h", "dims": "widths", "d": "widths", "seed_rng": "rng", "lr": "eta",
            "step_size": "eta", "learning_rate": "eta", "tspan": "t_span", "times": "t_eval"}


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(dl.__path__, prefix="deeplinear."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def _public(module: str) -> dict[str, object]:
    mod = importlib.import_module(module)
    return {name: getattr(mod, name) for name in getattr(mod, "__all__", [])}


def _own_functions() -> list[tuple[str, str, object]]:
    """(module, name, function) for every public function, at its home module only."""
    out = []
    for module in MODULES:
        for name, obj in _public(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module:
                out.append((module, name, obj))
    return out


FUNCTIONS = _own_functions()


def test_the_top_level_is_small_and_only_mathematics():
    names = set(dl.__all__)
    assert len(names) <= 150, f"{len(names)} names at the top level (at most 150)"
    assert not [n for n in names if n.endswith("_figure") or n.startswith("check_")]
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"deeplinear.{sub}")
        assert not names & set(module.__all__), f"the top level re-exports deeplinear.{sub}"
    for name in names:
        home = getattr(getattr(dl, name), "__module__", "deeplinear")
        assert not any(home.startswith(f"deeplinear.{sub}") for sub in SUBPACKAGES), (name, home)


def test_extension_modules_stay_off_the_top_level():
    # Part IV's modules are reached as dl.<module>.<function>, not re-exported
    assert set(dl._EXTENSIONS) <= set(dl._MODULES)
    for name in dl._EXTENSIONS:
        module = getattr(dl, name)
        assert module.__name__ == f"deeplinear.{name}"
        assert not set(module.__all__) & set(dl.__all__), name
        assert all(hasattr(module, n) for n in module.__all__)


def test_every_public_name_exists():
    for module in MODULES:
        mod = importlib.import_module(module)
        missing = [n for n in getattr(mod, "__all__", []) if not hasattr(mod, n)]
        assert not missing, f"{module}.__all__ lists undefined names {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_no_function_is_named_like_its_module(module):
    short = module.rsplit(".", 1)[1]
    assert short not in _public(module), f"{module} has a public name {short!r} (named like the module)"


def test_no_two_public_functions_share_a_name():
    homes: dict[str, list[str]] = {}
    for module, name, _ in FUNCTIONS:
        homes.setdefault(name, []).append(module)
    shared = {n: m for n, m in homes.items() if len(m) > 1}
    assert not shared, f"functions defined twice: {shared}"


@pytest.mark.parametrize("module, name, fn", FUNCTIONS, ids=[f"{m}.{n}" for m, n, _ in FUNCTIONS])
def test_signature_order_and_names(module, name, fn):
    params = list(inspect.signature(fn).parameters.values())
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in params]
    for problem, architecture in (("Sigma", "widths"), ("Sigma", "h"), ("E", "h"), ("sigma", "h")):
        if problem in positional and architecture in positional:
            assert positional.index(problem) < positional.index(architecture), (
                f"{module}.{name}{inspect.signature(fn)}: {problem} must come before {architecture}")
    for point in ("weights", "weights0", "A", "A0"):
        if point in positional:
            assert positional.index(point) == 0, f"{module}.{name}: the point {point!r} comes first"
    for problem in ("Sigma", "E"):
        if problem in positional:
            before = positional[: positional.index(problem)]
            assert not {"widths", "h", "t_span", "t_eval", "eta", "rng"} & set(before), (
                f"{module}.{name}{inspect.signature(fn)}: {problem} must precede the architecture and options")
    bad = {n: SYNONYMS[n] for n in names if n in SYNONYMS}
    assert not bad, f"{module}.{name}: parameter names {bad} (use the names on the right)"


def _result_types() -> list[tuple[str, type]]:
    out = []
    for module in MODULES:
        for name, obj in _public(module).items():
            if isinstance(obj, type) and obj.__module__ == module and dataclasses.is_dataclass(obj):
                out.append((f"{module}.{name}", obj))
    return out


@pytest.mark.parametrize("qualname, cls", _result_types(), ids=[q for q, _ in _result_types()])
def test_result_types_are_frozen(qualname, cls):
    assert cls.__dataclass_params__.frozen, f"{qualname} is a mutable dataclass"


# --------------------------------------------------------------------------- sizes

MAX_MODULE_LINES = 900  # "about 800": docstrings with their examples count too
MAX_FUNCTION_LINES = 80
#: A function may be longer when a comment in its first body lines says why ("# long: ...").
LONG_MARK = "# long:"


def _module_files() -> list:
    from pathlib import Path

    root = Path(dl.__file__).parent
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: p.name if p.parent.name == "deeplinear" else f"{p.parent.name}/{p.name}")
def test_modules_and_functions_are_small_enough_to_read(path):
    import ast

    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines (at most {MAX_MODULE_LINES})"
    lines = text.split("\n")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            if not body:
                continue
            code = node.end_lineno - body[0].lineno + 1
            assert code <= MAX_FUNCTION_LINES or LONG_MARK in "\n".join(lines[node.lineno - 1: body[0].lineno + 2]), (
                f"{path.name}:{node.lineno} {node.name}: {code} lines of code (at most {MAX_FUNCTION_LINES}, "
                f"or a '{LONG_MARK} why' comment)")
