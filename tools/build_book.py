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
* After a successful build, `make_accessible` rewrites a few pieces of the theme's and the
  extensions' markup that fail WCAG 2.1 A/AA checks (axe-core, tests/browser/test_site.py);
  colour contrast is fixed by the book's style sheet (tools/assets/book.css).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import build_pdf
import setup_cells

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HASH_FILE = BUILD / ".inputs-hash"
# Dropped from the config when npm's assets are missing; html_static_path stays, as vendor/
# then still holds the book's own style sheet (tools/vendor_assets.py).
CDN_KEYS = ("mathjax_path", "nb_ipywidgets_js")


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


def _nav_toggle_label(match: re.Match) -> str:
    title = html.unescape(re.sub(r"<[^>]+>", "", match["title"])).strip()
    label = html.escape(f"Show or hide the pages under {title}", quote=True)
    return f'{match["head"]}<summary aria-label="{label}">'


#: (what, pattern, replacement) applied to every built page; each leaves fixed markup alone,
#: so running it twice changes nothing.
ACCESSIBILITY_FIXES: list[tuple[str, re.Pattern, object]] = [
    # docutils writes a bibliography as <div role="list"> of <div role="doc-biblioentry">:
    # the role is deprecated (DPUB-ARIA 1.1) and a list must hold list items
    # (axe: aria-deprecated-role, aria-required-children).
    ("bibliography entries as list items",
     re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"'), r'\1 role="listitem"'),
    # myst-nb names the summary of a hidden cell "Toggle hidden content" while it shows
    # "Show code cell source": the name must contain the visible text (label-content-name-
    # mismatch). Without the aria-label the visible text is the name.
    ("hidden-cell toggles named by their text",
     re.compile(r'<summary aria-label="Toggle hidden content">(\s*<p class="collapsed admonition-title">)'),
     r"<summary>\1"),
    # The theme's search field is named "Search" but shows "Search Ctrl+K"
    # (label-content-name-mismatch): its visible text names it.
    ("search field named by its text",
     re.compile(r'(<button class="btn search-button-field search-button__button" title="[^"]*") aria-label="[^"]*"'),
     r"\1"),
    # The navigation's expand/collapse chevrons are <summary> elements with an icon only
    # (summary-name): name each after the entry it opens.
    ("navigation toggles named",
     re.compile(r'(?P<head><a class="(?:current )?reference internal" href="[^"]*">(?P<title>(?:(?!</a>).)*)</a>\s*'
                r'<details(?: open="open")?>\s*)<summary>(?=\s*<span class="toctree-toggle")', re.S),
     _nav_toggle_label),
]


def accessible_page(text: str, counts: dict[str, int] | None = None) -> str:
    """One page's HTML with ACCESSIBILITY_FIXES applied (counted into ``counts``)."""
    for what, pattern, replacement in ACCESSIBILITY_FIXES:
        text, n = pattern.subn(replacement, text)
        if counts is not None:
            counts[what] = counts.get(what, 0) + n
    return text


def make_accessible(html_dir: Path) -> dict[str, int]:
    """Apply ACCESSIBILITY_FIXES to every page under html_dir; return the count of each fix."""
    counts = {what: 0 for what, _, _ in ACCESSIBILITY_FIXES}
    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = accessible_page(text, counts)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return counts


def sync_own_assets(html_dir: Path) -> None:
    """Copy the book's own assets (tools/assets/) into the built site's _static/book/.

    Sphinx copies html_static_path only when it writes some page, so a build after an edit
    of the style sheet alone ("no targets are out of date") would keep serving the old one.
    """
    shutil.copytree(ROOT / "tools" / "assets", html_dir / "_static" / "book", dirs_exist_ok=True)


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
    sync_own_assets(BUILD / "html")
    counts = make_accessible(BUILD / "html")
    print("build_book: accessibility fixes: " + ", ".join(f"{what} {n}" for what, n in counts.items()))
    HASH_FILE.write_text(digest)
    if build_pdf.link_from_site(BUILD / "html", BUILD / "pdf"):
        print(f"build_book: the download menus link the PDFs of `make pdf` (or `make pdf-web`) in {BUILD / 'pdf'}")
    req = setup_cells.publish(BUILD / "html", ROOT)
    print(f"build_book: a downloaded notebook installs {req or 'nothing: no library_source or repository.url is set'}")
    print(f"\nbuild_book: done. Open {BUILD / 'html' / 'index.html'} (or run `make serve`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
