"""Launch buttons from one setting, repository.url.

A small book with a stub page for every chapter (no execution) is built twice with the real
book's launch_buttons and repository settings: once with an example repository address, where
every chapter must have well-formed Binder, Colab and JupyterHub links to its own notebook, and
once as the book ships (no address), where no page may have a launch button.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import sphinx_deeplinear  # noqa: E402
from setup_cells import ConfigError  # noqa: E402

REPO = "https://github.com/example-org/deep-linear-book"
HUB = "https://hub.example.org"
CHAPTERS = sorted(p.stem for p in ROOT.glob("chapters/*.ipynb"))


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.launch_groups = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if "launch-buttons" in (attrs.get("class") or "") or "Launch interactive content" in (attrs.get("title") or ""):
            self.launch_groups += 1


def build_stub_book(tmp: Path, url: str, hub: str = "") -> Path:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = dict(config.get("repository") or {}, url=url)
    launch = dict(config["launch_buttons"], jupyterhub_url=hub)
    book = {
        "title": "stub", "only_build_toc_files": True, "execute": {"execute_notebooks": "off"},
        "html": config["html"], "repository": repository, "launch_buttons": launch,
        "sphinx": {"local_extensions": {"sphinx_deeplinear": str(ROOT / "tools")}},
    }
    (tmp / "_config.yml").write_text(yaml.safe_dump(book))
    (tmp / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "index", "chapters": [{"file": f"chapters/{c}"} for c in CHAPTERS]}))
    (tmp / "index.md").write_text("# Stub\n")
    (tmp / "chapters").mkdir()
    for name in CHAPTERS:
        real = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
        stub = nbformat.v4.new_notebook(metadata=real.metadata, cells=[nbformat.v4.new_markdown_cell(f"# {name}")])
        nbformat.write(stub, tmp / "chapters" / f"{name}.ipynb")
    done = subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(tmp), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=tmp)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return tmp / "_build" / "html"


def page_links(html: Path, name: str) -> Links:
    parser = Links()
    parser.feed((html / "chapters" / f"{name}.html").read_text())
    return parser


@pytest.fixture(scope="module")
def with_url(tmp_path_factory) -> Path:
    return build_stub_book(tmp_path_factory.mktemp("with-url"), REPO, HUB)


@pytest.fixture(scope="module")
def as_shipped(tmp_path_factory) -> Path:
    return build_stub_book(tmp_path_factory.mktemp("as-shipped"), "")


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_has_binder_colab_and_jupyterhub_links(with_url, name):
    links = page_links(with_url, name)
    hrefs = links.hrefs
    assert links.launch_groups == 1
    notebook = f"chapters/{name}.ipynb"
    binder = [urlsplit(h) for h in hrefs if h.startswith("https://mybinder.org/")]
    colab = [h for h in hrefs if h.startswith("https://colab.research.google.com/")]
    hub = [urlsplit(h) for h in hrefs if h.startswith(HUB)]
    assert len(binder) == len(colab) == len(hub) == 1, hrefs
    assert binder[0].path == "/v2/gh/example-org/deep-linear-book/main"
    assert parse_qs(binder[0].query) == {"urlpath": [f"lab/tree/{notebook}"]}
    assert colab[0] == f"https://colab.research.google.com/github/example-org/deep-linear-book/blob/main/{notebook}"
    assert hub[0].path == "/hub/user-redirect/git-pull"
    assert parse_qs(hub[0].query) == {"repo": [REPO], "branch": ["main"],
                                      "urlpath": [f"lab/tree/deep-linear-book/{notebook}"]}


def test_no_launch_links_as_the_book_ships(as_shipped):
    assert (yaml.safe_load((ROOT / "_config.yml").read_text()).get("repository") or {}).get("url", "") == ""
    for name in CHAPTERS:
        links = page_links(as_shipped, name)
        assert links.launch_groups == 0, name
        assert not [h for h in links.hrefs if "mybinder" in h or "colab" in h or "git-pull" in h], name


def test_the_built_book_has_no_launch_links():
    """The real build (when there is one) follows the same rule."""
    pages = sorted((ROOT / "_build" / "html" / "chapters").glob("*.html"))
    assert pages, "the book is not built: run `make book` (make test builds it first)"
    offending = [p.name for p in pages if "launch-buttons" in p.read_text()]
    assert offending == []


def test_launch_button_rules():
    services = {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com",
                "jupyterhub_url": HUB, "thebe": False, "notebook_interface": "jupyterlab"}
    none = sphinx_deeplinear.launch_buttons({"repository_url": "", "launch_buttons": services})
    assert not any(none[k] for k in sphinx_deeplinear.LAUNCH_SERVICES) and none["notebook_interface"] == "jupyterlab"
    assert sphinx_deeplinear.launch_buttons({"repository_url": REPO, "launch_buttons": services}) == services
    gitlab = sphinx_deeplinear.launch_buttons({"repository_url": "https://gitlab.com/o/r", "launch_buttons": services})
    assert gitlab["colab_url"] == "" and gitlab["binderhub_url"] and gitlab["jupyterhub_url"]
    with pytest.raises(ConfigError, match="repository.url"):
        sphinx_deeplinear.launch_buttons({"repository_url": "github.com/o/r", "launch_buttons": services})


def test_binder_installs_the_library():
    """repo2docker reads binder/: the Python of the library, and the library with its dependencies."""
    import tomllib

    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert runtime == "python-" + required.removeprefix(">=")
    post = (ROOT / "binder" / "postBuild")
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install" in post.read_text() and " ." in post.read_text()
