"""The hidden setup cell of every notebook, written from one template.

A chapter notebook downloaded alone (opened in Colab, on a JupyterHub, on a laptop) has no
`deeplinear`. Its first code cell therefore checks whether the library can be imported; where
it can (a clone with `pip install -e .`, the book build, nbval, Binder) the cell does nothing
and prints nothing, and where it cannot, it installs the library (pip brings the runtime
dependencies named in pyproject.toml) from ONE source, set in _config.yml:

    library_source: ""

* ``""`` (the default): follow ``repository.url``, the setting that also turns on the launch
  buttons; the source is ``deeplinear @ git+<repository.url>@<ref>``. With neither set, the
  cell stops with a message that says how to install the library from a clone.
* ``git+https://<host>/<path>`` (optionally ``@<tag>``): a git repository holding the book.
* ``https://<host>/<path>/``: the address the built book is published at. The build puts the
  library's wheel next to the pages (``_static/<wheel>``) and the cell installs it from there.

The cell exists in two forms:

* in the committed notebooks (``python tools/setup_cells.py`` writes them, ``--check`` says
  whether they are current): the branch (``repository.branch``, ``main`` by default) or the
  wheel currently published. That is what a reader gets who opens a notebook straight from
  the repository (the Colab button), where the notebook and the branch belong together;
* in the published notebooks, the ``.ipynb`` download of every page
  (``--publish _build/html``, run by tools/build_book.py after each build): pinned to the
  commit that was built, or to the sha256 of the wheel that was built, so a reader installs
  the library that produced the outputs she sees, not whatever is newest.

Only the code in the committed cells changes when the setting changes, so the execution cache
is not invalidated by every commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("chapters/*.ipynb", "library/*.ipynb")
WHEEL_DIR = "_static"  # where the build publishes the wheel, relative to the HTML root

TEMPLATE = '''\
# Setup. Where the book's library is missing (a downloaded notebook, Colab, a JupyterHub),
# install it first, at the version these pages were built with (see "Running the notebooks").
DEEPLINEAR_SOURCE = {source!r}
import importlib.util
if importlib.util.find_spec("deeplinear") is None:
    import site, subprocess, sys
    if not DEEPLINEAR_SOURCE:
        raise ModuleNotFoundError("This notebook needs the book's library, deeplinear, and this "
                                  "copy of the book names no place to install it from: run "
                                  "`pip install .` in a clone of the book's repository.")
    print("Installing", DEEPLINEAR_SOURCE, "...")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", DEEPLINEAR_SOURCE],
                         capture_output=True, text=True)
    if pip.returncode:
        raise RuntimeError("pip could not install the library:\\n" + pip.stdout + pip.stderr)
    if site.ENABLE_USER_SITE:  # pip may have fallen back to a --user installation
        site.addsitedir(site.getusersitepackages())
    importlib.invalidate_caches()
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import deeplinear as dl'''

_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
HELP = (
    'Use "" (follow repository.url), "git+https://<host>/<owner>/<repo>" (optionally '
    'ending in "@<tag>") or "https://<host>/<path>/" (the address the built book is '
    "published at, ending in /). See chapters/running.md."
)


class ConfigError(ValueError):
    """A setting of _config.yml that the setup cells or the launch buttons cannot use."""


@dataclass(frozen=True)
class Source:
    """Where the setup cells install the library from."""

    kind: str  # "none", "git" or "wheel"
    url: str = ""  # git: "git+https://host/path" without a ref; wheel: the book's address
    ref: str = ""  # git: the tag, branch or commit named in the setting, if any
    branch: str = "main"  # git: what the committed notebooks follow


def _https(url: str, what: str) -> tuple[str, str]:
    """(host, path) of a plain https URL, or a ConfigError naming the setting."""
    if not isinstance(url, str) or url != url.strip() or any(c.isspace() for c in url):
        raise ConfigError(f"_config.yml: {what} = {url!r} must be a URL without spaces.")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(
            f"_config.yml: {what} = {url!r} is not a plain https:// address "
            "(no user, query or fragment)."
        )
    return parts.netloc, parts.path


def repository_url(config: dict) -> str:
    """The checked ``repository.url`` ('' when unset): https://<host>/<owner>/<repo>."""
    url = (config.get("repository") or {}).get("url") or ""
    if url == "":
        return ""
    _, path = _https(url, "repository.url")
    segments = path.strip("/").split("/")
    if len(segments) != 2 or not all(_SEGMENT.fullmatch(s) for s in segments) or segments[1].endswith(".git"):
        raise ConfigError(
            f"_config.yml: repository.url = {url!r} must be the repository's web address, "
            "https://<host>/<owner>/<repo> (no .git, no sub-path): the launch buttons are "
            "built from its last two parts."
        )
    return url.rstrip("/")


def read_source(config: dict) -> Source:
    """The library's source from the book's config, or a ConfigError that says what is wrong."""
    value = config.get("library_source")
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ConfigError(f"_config.yml: library_source = {value!r} is not a string. {HELP}")
    branch = str((config.get("repository") or {}).get("branch") or "main")
    if not _REF.fullmatch(branch):
        raise ConfigError(f"_config.yml: repository.branch = {branch!r} is not a branch name.")
    if value == "":
        repo = repository_url(config)
        return Source("git", "git+" + repo, branch=branch) if repo else Source("none")
    if value.startswith("git+"):
        url, ref = value[len("git+"):], ""
        host, path = _https(url, "library_source")
        if "@" in path:
            path, ref = path.rsplit("@", 1)
            if not _REF.fullmatch(ref):
                raise ConfigError(f"_config.yml: library_source names the git ref {ref!r}, which is not one. {HELP}")
        if not path.strip("/"):
            raise ConfigError(f"_config.yml: library_source = {value!r} names no repository. {HELP}")
        return Source("git", f"git+https://{host}{path.rstrip('/')}", ref=ref, branch=branch)
    if value.startswith("https://") and value.endswith("/"):
        _https(value, "library_source")
        return Source("wheel", value)
    raise ConfigError(f"_config.yml: library_source = {value!r} is not a source the setup cells can install from. {HELP}")


def load_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text()) or {}


def project_version(root: Path = ROOT) -> str:
    import tomllib

    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def wheel_name(root: Path = ROOT) -> str:
    return f"deeplinear-{project_version(root)}-py3-none-any.whl"


def requirement(source: Source, pin: str = "", root: Path = ROOT) -> str:
    """The pip requirement a setup cell installs ('' for no source).

    ``pin`` is what the build pins to: the commit for a git source, the wheel's sha256 for a
    wheel. Without it (the committed notebooks) a git source follows its ref or branch, and a
    wheel is the one published now. A ref written in the setting always wins.
    """
    if source.kind == "none":
        return ""
    if source.kind == "git":
        return f"deeplinear @ {source.url}@{source.ref or pin or source.branch}"
    url = f"{source.url}{WHEEL_DIR}/{wheel_name(root)}"
    return f"deeplinear @ {url}" + (f"#sha256={pin}" if pin else "")


def setup_cell(req: str) -> str:
    return TEMPLATE.format(source=req)


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for pattern in NOTEBOOKS for p in root.glob(pattern))


def rewrite(path: Path, req: str, write: bool = True) -> bool:
    """Make the first code cell of the notebook the setup cell (hidden); True if it changed.

    The notebook's JSON is edited in place (key order and indentation kept), so the diff is
    the cell's source only.
    """
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    new = setup_cell(req).splitlines(keepends=True)
    old = cell["source"] if isinstance(cell["source"], list) else cell["source"].splitlines(keepends=True)
    tags = cell.setdefault("metadata", {}).get("tags", [])
    if old == new and "hide-input" in tags:
        return False
    cell["source"] = new
    if "hide-input" not in tags:
        cell["metadata"]["tags"] = [*tags, "hide-input"]
    if write:
        indent = 1 if text.startswith('{\n "') else 2
        path.write_text(json.dumps(nb, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """Build the library's wheel into `out` with the running Python (no network needed).

    `python -m build` makes the sdist and then the wheel from it, so nothing but the ignored
    egg-info is written into the source tree.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp, str(root)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"setup_cells: building the wheel failed:\n{done.stdout}{done.stderr}")
        built = Path(tmp) / wheel_name(root)
        target = out / built.name
        shutil.copyfile(built, target)
    return target


def git_commit(root: Path = ROOT) -> str:
    """The commit that is being built, or '' outside a git checkout; warns about local changes."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lib", "pyproject.toml"],
                               cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    if dirty:
        print(f"setup_cells: WARNING: lib/ or pyproject.toml has uncommitted changes; the published "
              f"notebooks install the library of commit {sha[:12]}, which does not have them.", file=sys.stderr)
    return sha


def publish(html: Path, root: Path = ROOT) -> str:
    """Pin the setup cells of the downloadable notebooks of a built book; returns the requirement."""
    source = read_source(load_config(root))
    pin = ""
    if source.kind == "git" and not source.ref:
        pin = git_commit(root)
    elif source.kind == "wheel":
        wheel = build_wheel(html / WHEEL_DIR, root)
        pin = hashlib.sha256(wheel.read_bytes()).hexdigest()
    req = requirement(source, pin, root)
    for pattern in NOTEBOOKS:
        for nb in sorted((html / "_sources").glob(pattern)):
            rewrite(nb, req)
    return req


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the committed setup cells are current")
    parser.add_argument("--publish", metavar="HTML", type=Path, help="pin the downloadable notebooks of a built book")
    args = parser.parse_args(argv)
    try:
        if args.publish:
            req = publish(args.publish)
            print(f"setup_cells: the downloadable notebooks install {req or 'nothing (no source set)'}")
            return 0
        req = requirement(read_source(load_config()))
    except ConfigError as err:
        print(f"setup_cells: {err}", file=sys.stderr)
        return 2
    stale = [p for p in notebooks() if rewrite(p, req, write=not args.check)]
    names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
    if args.check and stale:
        print(f"setup_cells: stale setup cells in {names}: run `python tools/setup_cells.py`", file=sys.stderr)
        return 1
    if stale:
        print(f"setup_cells: rewrote {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
