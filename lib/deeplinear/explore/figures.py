"""Figures of an explorer as images and text: the palette-PNG quantizer, the figure's title
and axes in plain words (mathtext turned into readable text, for alt text), and the
pyplot bookkeeping that keeps figures made while drawing out of the cell's output.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__: list[str] = []

_TEX_WRAPPERS = re.compile(r"\\(?:mathrm|mathbf|mathit|mathsf|mathcal|mathbb|operatorname|text|textrm|textbf|boldsymbol)\s*")
_TEX_FRAC = re.compile(r"\\[dt]?frac\s*(\{[^{}]*\}|\S)\s*(\{[^{}]*\}|\S)")
_TEX_SYMBOLS = {
    "ldots": "...", "cdots": "...", "dots": "...", "cdot": "·", "times": "×", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "to": "→", "infty": "infinity",
    "lVert": "||", "rVert": "||", "Vert": "||", "top": "T", "left": "", "right": "", "quad": " ",
}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+)|\\([,;:! |])")


def _plain(text: str) -> str:
    r"""Mathtext as readable plain text for alt text.

    ``$\tfrac12(\sigma - a^h)^2$`` becomes ``1/2(sigma - a^h)^2`` and
    ``$\mathrm{blk}_1(\ldots)$`` becomes ``blk_1(...)``: wrappers and braces are dropped,
    fractions become ``a/b``, a few symbols become characters and other commands their names.
    """
    text = text.replace("$", "")
    text = _TEX_WRAPPERS.sub("", text)

    def frac(m: re.Match[str]) -> str:
        a, b = (g[1:-1] if g.startswith("{") else g for g in m.groups())
        wrap = (lambda x: x if re.fullmatch(r"\w+|\\[A-Za-z]+", x) else f"({x})")
        return f"{wrap(a)}/{wrap(b)}"

    text = _TEX_FRAC.sub(frac, text)

    def command(m: re.Match[str]) -> str:
        if m.group(2) is not None:
            return "||" if m.group(2) == "|" else " "
        return _TEX_SYMBOLS.get(m.group(1), m.group(1))

    text = _TEX_COMMAND.sub(command, text)
    return " ".join(text.replace("{", "").replace("}", "").split())


def _figure_title(fig: Figure) -> str:
    sup = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if sup:
        return _plain(sup)
    titles = []
    for ax in fig.axes:
        for loc in ("center", "left", "right"):
            t = ax.get_title(loc=loc)
            if t:
                titles.append(_plain(t))
    return "; ".join(titles)


def _axes_description(fig: Figure) -> str:
    parts = []
    for ax in fig.axes:
        x, y = _plain(ax.get_xlabel()), _plain(ax.get_ylabel())
        if x and y:
            parts.append(f"horizontal {x}, vertical {y}")
        elif x or y:
            parts.append(f"horizontal {x}" if x else f"vertical {y}")
    if not parts:
        return ""
    return ("Axes: " if len(parts) == 1 else "Axes of the panels: ") + "; ".join(parts) + "."


def _pyplot_fignums() -> set[int]:
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt is not None else set()


def _close_new_pyplot_figures(before: set[int]) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def _quantize(image: Any, colors: int) -> Any:
    """Palette image with at most ``colors`` colours, keeping the background colour exact.

    Pillow's fast octree quantizer (about 5 ms for 640 x 400 px) replaces each colour by its
    bucket's mean, which turns a white background into (254, 254, 254), visible against a white
    page; palette entries within 4 levels of the corner pixel's colour are snapped back to it.
    """
    from PIL import Image

    quantized = image.quantize(colors, method=Image.Quantize.FASTOCTREE)
    if image.mode != "RGB":
        return quantized
    background = np.asarray(image.getpixel((0, 0)), dtype=int)
    palette = np.asarray(quantized.getpalette("RGB"), dtype=int).reshape(-1, 3)
    near = np.all(np.abs(palette - background) <= 4, axis=1)
    if near.any():
        palette[near] = background
        quantized.putpalette(palette.astype(np.uint8).ravel().tolist(), "RGB")
    return quantized
