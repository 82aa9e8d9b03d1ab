"""The setup cells come from one template and one setting (tools/setup_cells.py): the committed
notebooks are current, the setting is checked with clear messages, and the published
notebooks are pinned to what was built."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402
import setup_cells  # noqa: E402
from setup_cells import ConfigError, Source, read_source, requirement  # noqa: E402

REPO = "https://github.com/example-org/deep-linear-book"


def test_committed_setup_cells_are_current():
    assert setup_cells.main(["--check"]) == 0, "run `python tools/setup_cells.py`"


def test_every_notebook_starts_with_the_same_hidden_setup_cell():
    cells = set()
    for path in setup_cells.notebooks():
        nb = json.loads(path.read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "hide-input" in first["metadata"].get("tags", []), path.name
        cells.add("".join(first["source"]))
    assert len(cells) == 1 and "import deeplinear as dl" in cells.pop()


def test_the_template_is_python_and_ends_with_the_imports():
    code = setup_cells.setup_cell("deeplinear @ git+https://h/o/r@abc")
    compile(code.replace("%matplotlib inline", "pass"), "<setup cell>", "exec")
    assert code.splitlines()[-4:] == ["%matplotlib inline", "import numpy as np",
                                      "import matplotlib.pyplot as plt", "import deeplinear as dl"]


def test_the_real_book_names_no_source():
    """No public address is known: a downloaded notebook says how to install, installs nothing."""
    config = setup_cells.load_config()
    assert read_source(config) == Source("none")
    assert requirement(read_source(config)) == ""


@pytest.mark.parametrize("config, expected", [
    ({"repository": {"url": REPO}}, f"deeplinear @ git+{REPO}@main"),
    ({"repository": {"url": REPO + "/", "branch": "stable"}}, f"deeplinear @ git+{REPO}@stable"),
    ({"library_source": f"git+{REPO}.git@v0.1.0"}, f"deeplinear @ git+{REPO}.git@v0.1.0"),
    ({"library_source": "git+https://git.example.org/group/sub/book"}, "deeplinear @ git+https://git.example.org/group/sub/book@main"),
    ({"library_source": "https://books.example.org/deeplinear/"},
     "deeplinear @ https://books.example.org/deeplinear/_static/deeplinear-{v}-py3-none-any.whl"),
])
def test_valid_sources(config, expected):
    assert requirement(read_source(config)) == expected.format(v=setup_cells.project_version())


def test_the_published_pin_is_the_commit_or_the_wheel_hash():
    git = read_source({"repository": {"url": REPO}})
    assert requirement(git, pin="0123abcd") == f"deeplinear @ git+{REPO}@0123abcd"
    tagged = read_source({"library_source": f"git+{REPO}@v1"})
    assert requirement(tagged, pin="0123abcd").endswith("@v1"), "a tag in the setting wins"
    wheel = read_source({"library_source": "https://b.example.org/"})
    assert requirement(wheel, pin="ff" * 32).endswith(".whl#sha256=" + "ff" * 32)


@pytest.mark.parametrize("config, says", [
    ({"library_source": "pip install deeplinear"}, "library_source"),
    ({"library_source": "http://books.example.org/"}, "https://"),
    ({"library_source": "https://books.example.org/book"}, "ending in /"),
    ({"library_source": "git+ssh://git@example.org/o/r"}, "https://"),
    ({"library_source": "git+https://example.org/o/r@bad ref"}, "without spaces"),
    ({"library_source": "git+https://example.org/"}, "names no repository"),
    ({"library_source": ["a"]}, "not a string"),
    ({"repository": {"url": "github.com/o/r"}}, "https://"),
    ({"repository": {"url": REPO + ".git"}}, "no .git"),
    ({"repository": {"url": REPO + "/tree/main"}}, "<owner>/<repo>"),
    ({"repository": {"url": REPO, "branch": "a branch"}}, "branch"),
])
def test_malformed_settings_are_refused_with_a_message(config, says):
    with pytest.raises(ConfigError, match="_config.yml") as err:
        read_source(config)
    assert says in str(err.value)


def test_the_build_stops_on_a_malformed_setting(monkeypatch, capsys):
    monkeypatch.setattr(setup_cells, "load_config", lambda root=None: {"library_source": "ftp://x/"})
    monkeypatch.setattr(build_book.subprocess, "call", lambda *a, **k: pytest.fail("the build ran"))
    assert build_book.main() == 2
    err = capsys.readouterr().err
    assert "library_source" in err and "ftp://x/" in err


def test_the_build_stops_on_stale_setup_cells(monkeypatch):
    monkeypatch.setattr(setup_cells, "load_config", lambda root=None: {"repository": {"url": REPO}})
    problem = build_book.check_settings()
    assert "tools/setup_cells.py" in problem and "network-view.ipynb" in problem


def test_publish_pins_the_downloadable_notebooks(tmp_path, monkeypatch):
    sources = tmp_path / "html" / "_sources"
    (sources / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "chapters" / "network-view.ipynb", sources / "chapters")
    monkeypatch.setattr(setup_cells, "load_config", lambda root=None: {"repository": {"url": REPO}})
    monkeypatch.setattr(setup_cells, "git_commit", lambda root=None: "c0ffee" * 6 + "abcd")
    req = setup_cells.publish(tmp_path / "html")
    assert req == f"deeplinear @ git+{REPO}@{'c0ffee' * 6}abcd"
    text = (sources / "chapters" / "network-view.ipynb").read_text()
    assert f"DEEPLINEAR_SOURCE = {req!r}" in "".join(json.loads(text)["cells"][1]["source"])
    assert setup_cells.publish(tmp_path / "html") == req  # idempotent on a rebuilt book


def test_publish_puts_the_wheel_next_to_the_pages(tmp_path, monkeypatch):
    def fake_wheel(out, root=None):
        out.mkdir(parents=True, exist_ok=True)
        (out / setup_cells.wheel_name()).write_bytes(b"wheel")
        return out / setup_cells.wheel_name()

    monkeypatch.setattr(setup_cells, "load_config", lambda root=None: {"library_source": "https://b.example.org/book/"})
    monkeypatch.setattr(setup_cells, "build_wheel", fake_wheel)
    req = setup_cells.publish(tmp_path)
    assert (tmp_path / "_static" / setup_cells.wheel_name()).exists()
    import hashlib
    assert req.endswith(f"/book/_static/{setup_cells.wheel_name()}#sha256={hashlib.sha256(b'wheel').hexdigest()}")
