"""The library as a package, and a chapter notebook that runs anywhere.

`python -m build` makes a wheel and an sdist of deeplinear with its metadata and package data;
then a chapter notebook, as a reader downloads it, runs top to bottom in a fresh virtual
environment that has the book's third-party dependencies but not deeplinear: its setup cell
installs the library from the wheel (no network: pip is told to use no index).

The fresh environment gets the dependencies without copying or downloading them: a folder of
symbolic links to every package of the test's own site-packages, except deeplinear itself (its
metadata and the editable install's .pth), pip (the new environment has its own) and .pth files,
is put on its path by a .pth file. This works wherever `make test` has just created .venv.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import setup_cells  # noqa: E402

CHAPTER = "network-view"  # a short chapter (a few seconds in a fresh kernel)
LEFT_OUT = re.compile(r"^(deeplinear|__editable__|pip$|pip-|_?distutils|__pycache__)|\.pth$", re.I)


def run(cmd, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` on a copy of the project's packaging inputs: sdist, then wheel from it."""
    try:
        import build  # noqa: F401  (requirements.txt; `make setup` installs it)
    except ImportError:
        pytest.fail("the `build` package is missing: run `make setup` (it is in requirements.txt)")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "lib", src / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = src / "dist"
    done = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)])
    assert "Building wheel from sdist" in done.stdout + done.stderr, "the wheel is built from the sdist"
    return out


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory) -> Path:
    """A new venv with the book's third-party dependencies but not deeplinear."""
    base = tmp_path_factory.mktemp("clean")
    run([sys.executable, "-m", "venv", str(base / "venv")])
    python = base / "venv" / "bin" / "python"
    purelib = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = base / "deps"
    deps.mkdir()
    here = {Path(p).resolve() for p in sys.path if p} | {Path(sysconfig.get_paths()["purelib"]).resolve()}
    for folder in sorted(p for p in here if p.name in ("site-packages", "dist-packages") and p.is_dir()):
        for entry in folder.iterdir():
            if not LEFT_OUT.search(entry.name) and not (deps / entry.name).exists():
                (deps / entry.name).symlink_to(entry)
    (purelib / "book_dependencies.pth").write_text(f"{deps}\n")
    probe = "import importlib.util as u; print(u.find_spec('deeplinear'), u.find_spec('ipykernel') is not None)"
    assert run([str(python), "-c", probe], env=clean_env(), cwd=base).stdout.split() == ["None", "True"]
    return python


def clean_env() -> dict:
    """The environment of a reader's machine: no PYTHONPATH to lib/, no package index."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEEPLINEAR_BUILD", "VIRTUAL_ENV")}
    env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PYTHONNOUSERSITE="1")
    return env


def test_wheel_and_sdist_carry_metadata_and_package_data(dist):
    wheel = dist / setup_cells.wheel_name(ROOT)
    (sdist,) = dist.glob("deeplinear-*.tar.gz")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for asset in ("deeplinear/assets/explorer.js", "deeplinear/assets/explorer.css"):
        assert asset in names
    assert {n.split("/")[1] for n in names if n.startswith("deeplinear/") and n.count("/") > 1} >= {"explore", "plots", "exercises", "assets"}
    with tarfile.open(sdist) as tf:
        assert any(n.endswith("lib/deeplinear/assets/explorer.js") for n in tf.getnames())
    for field in ("Summary: ", "License-Expression: MIT", "Requires-Python: >=3.11", "Author: ",
                  "Classifier: Programming Language :: Python :: 3.11", "Description-Content-Type: text/markdown",
                  "Requires-Dist: numpy", "Requires-Dist: ipywidgets"):
        assert field in meta, field
    assert "placeholder" not in meta.lower() and "example.org" not in meta


def test_downloaded_chapter_installs_the_library_and_runs(dist, clean_python, tmp_path, monkeypatch):
    """The acceptance test of 'notebooks that run anywhere', pinned by the wheel's hash."""
    wheel = dist / setup_cells.wheel_name(ROOT)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    req = f"deeplinear @ {wheel.as_uri()}#sha256={digest}"
    download = tmp_path / "download" / f"{CHAPTER}.ipynb"  # alone, no lib/ next to it
    download.parent.mkdir()
    shutil.copy(ROOT / "chapters" / f"{CHAPTER}.ipynb", download)
    assert setup_cells.rewrite(download, req)
    nb = nbformat.read(download, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import deeplinear, json\nfrom importlib import metadata, resources\n"
        "print(json.dumps({'file': deeplinear.__file__, "
        "'url': json.loads(metadata.distribution('deeplinear').read_text('direct_url.json'))['url'], "
        "'js': len(resources.files('deeplinear').joinpath('assets', 'explorer.js').read_text())}))"))

    kernels = tmp_path / "jupyter" / "kernels" / "clean"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(clean_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "clean", "language": "python"}))
    env = clean_env()
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))

    from nbclient import NotebookClient

    start = time.perf_counter()
    NotebookClient(nb, kernel_name="clean", timeout=240,
                   resources={"metadata": {"path": str(download.parent)}}).execute()
    elapsed = time.perf_counter() - start

    setup_out = "".join(o.get("text", "") for o in nb.cells[next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")].outputs)
    assert setup_out.startswith("Installing deeplinear @ file:"), setup_out
    report = json.loads(nb.cells[-1].outputs[-1]["text"])
    clean_prefix = clean_python.parent.parent.resolve()
    assert Path(report["file"]).resolve().is_relative_to(clean_prefix), report  # not lib/ of the repository
    assert Path(unquote(urlsplit(report["url"]).path)).resolve() == wheel.resolve(), report
    assert report["js"] > 0  # package data installed
    assert elapsed < 120


def test_the_setup_cell_is_silent_where_the_library_is_installed(tmp_path):
    """In the book build, under nbval and in a clone the cell prints nothing and installs nothing."""
    code = setup_cells.setup_cell("deeplinear @ file:///nonexistent.whl").replace("%matplotlib inline", "")
    script = tmp_path / "cell.py"
    script.write_text(code + "\nprint(dl.__name__)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "lib"), MPLBACKEND="Agg")
    done = run([sys.executable, str(script)], env=env)
    assert done.stdout == "deeplinear\n" and done.stderr == ""
