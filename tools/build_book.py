"""Build the book: HTML with every notebook executed, warnings as errors.

Run by `make book` inside the project's virtual environment. What it adds to a plain
`jupyter-book build . -W -n --keep-going`:

* The execution cache (`execute_notebooks: cache`) is keyed on code cells only, so a change
  in lib/ would be served stale. The build stores a hash of the library and the pinned
  requirements in _build/.inputs-hash and wipes _build/ when it changes.
* MathJax and the widget scripts are served from vendor/ (tools/vendor_assets.py). Without
  them (no npm on the machine) the build uses the CDN defaults and says so loudly.
* `DEEPLINEAR_BUILD=1` is exported to the kernels so explorers precompute their static form
  (lib/deeplinear/explore/).
* On failure the execution reports (the failing cell and its traceback) are printed.
* The library's source (`library_source`, `repository.url` in _config.yml) is checked first,
  and so are the setup cells written from it (tools/setup_cells.py): a malformed setting or a
  stale cell stops the build with a message. After the build the downloadable notebooks are
  pinned to the library that was built (the commit, or the sha256 of the published wheel).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import setup_cells

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HASH_FILE = BUILD / ".inputs-hash"
CDN_KEYS = ("html_static_path", "mathjax_path", "nb_ipywidgets_js")


def inputs_hash() -> str:
    """Hash of everything that changes executed outputs without changing a code cell."""
    h = hashlib.sha256()
    files = sorted((ROOT / "lib").rglob("*.py")) + sorted((ROOT / "lib").rglob("*.js"))
    files += [ROOT / "pyproject.toml", ROOT / "requirements.txt"]
    for f in files:
        if f.exists() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def config_path() -> Path:
    """The config to build with: _config.yml, or a CDN variant when vendor/ is unavailable."""
    rc = subprocess.call([sys.executable, str(ROOT / "tools" / "vendor_assets.py")])
    if rc == 0:
        return ROOT / "_config.yml"
    print(
        "\n*** WARNING: npm assets are missing (is npm installed?). Building with the CDN\n"
        "*** defaults: pages will load MathJax and the widget scripts from the internet and\n"
        "*** will NOT render math offline. Install Node.js/npm and rerun `make book`.\n",
        file=sys.stderr,
    )
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for key in CDN_KEYS:
        config["sphinx"]["config"].pop(key, None)
    # Jupyter Book resolves local_extensions against the config file's folder: make them absolute.
    local = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str((ROOT / path).resolve()) for name, path in local.items()}
    BUILD.mkdir(exist_ok=True)
    out = BUILD / "_config.cdn.yml"
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    return out


def check_settings() -> str:
    """'' when the library's source and the setup cells are usable, else what to fix."""
    try:
        config = setup_cells.load_config(ROOT)
        setup_cells.repository_url(config)
        req = setup_cells.requirement(setup_cells.read_source(config), root=ROOT)
    except setup_cells.ConfigError as err:
        return str(err)
    stale = [p.name for p in setup_cells.notebooks(ROOT) if setup_cells.rewrite(p, req, write=False)]
    if stale:
        return (f"the setup cells of {', '.join(stale)} do not match _config.yml: "
                "run `python tools/setup_cells.py`")
    return ""


def main() -> int:
    problem = check_settings()
    if problem:
        print(f"build_book: {problem}", file=sys.stderr)
        return 2
    digest = inputs_hash()
    if BUILD.exists() and (not HASH_FILE.exists() or HASH_FILE.read_text() != digest):
        print("build_book: lib/ or the requirements changed since the last build: starting cold")
        shutil.rmtree(BUILD)
    cfg = config_path()
    env = dict(os.environ, DEEPLINEAR_BUILD="1")
    cmd = ["jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going", "--config", str(cfg)]
    print("build_book:", " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, env=env, cwd=ROOT)
    reports = sorted((BUILD / "html" / "reports").rglob("*.err.log")) if (BUILD / "html" / "reports").exists() else []
    if rc != 0 or reports:
        for log in reports:
            print(f"\n===== execution error: {log.relative_to(BUILD / 'html' / 'reports')} =====", file=sys.stderr)
            print(log.read_text(), file=sys.stderr)
        print("\nbuild_book: FAILED (see the warnings and execution reports above)", file=sys.stderr)
        HASH_FILE.unlink(missing_ok=True)
        return rc or 1
    HASH_FILE.write_text(digest)
    req = setup_cells.publish(BUILD / "html", ROOT)
    print(f"build_book: a downloaded notebook installs {req or 'nothing: no library_source or repository.url is set'}")
    print(f"\nbuild_book: done. Open {BUILD / 'html' / 'index.html'} (or run `make serve`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
