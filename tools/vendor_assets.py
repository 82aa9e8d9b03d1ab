"""Copy the front-end assets the book serves itself into vendor/.

MathJax 3, require.js and the Jupyter widgets HTML manager come from their npm packages
(package.json), installed at build time and never committed. The book's own style sheet,
tools/assets/ (accessibility fixes of the theme), goes to vendor/book/, with or without npm.
vendor/ is the book's `html_static_path`; the folder must not be called `_static` (Jupyter
Book 1 would then inject every .js/.css in it into every page;
shared/reference/toolchain-facts.md, section 2), so _config.yml lists the style sheet in
`html_css_files`.

Exit status 0 when vendor/ is complete, 1 when node_modules/ lacks a package (the caller
then builds with the CDN defaults and says so; vendor/ then holds the book's own assets).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "vendor"
OWN_ASSETS = ROOT / "tools" / "assets"  # copied to vendor/book/

# (source under node_modules, destination under vendor)
FILES = [
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("requirejs/require.js", "widgets/require.js"),
    ("@jupyter-widgets/html-manager/dist/embed-amd.js", "widgets/embed-amd.js"),
]
# MathJax loads its fonts and the TeX extensions it autoloads relative to its own script.
TREES = [
    ("mathjax/es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax/es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax/es5/ui", "mathjax/ui"),
    ("mathjax/es5/a11y", "mathjax/a11y"),
    ("mathjax/es5/adaptors", "mathjax/adaptors"),
]


def required_sources() -> list[Path]:
    return [NODE / src for src, _ in FILES + TREES]


def main() -> int:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    shutil.copytree(OWN_ASSETS, VENDOR / "book")
    missing = [p for p in required_sources() if not p.exists()]
    if missing:
        print("vendor_assets: missing from node_modules: " + ", ".join(str(p.relative_to(ROOT)) for p in missing))
        return 1
    for src, dst in FILES:
        (VENDOR / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NODE / src, VENDOR / dst)
    for src, dst in TREES:
        shutil.copytree(NODE / src, VENDOR / dst)
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    print(f"vendor_assets: vendor/ ready ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
