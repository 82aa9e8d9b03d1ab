"""Shared plot functions and helpers of the tests of deeplinear.explore (not a test module)."""

from __future__ import annotations

import io
import math
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _draw_in_this_process(monkeypatch):
    # most tests watch the plot function's calls, which worker processes would not report back
    monkeypatch.setenv("DEEPLINEAR_EXPLORER_PROCESSES", "1")


class Recorder:
    """A plot function that draws into `fig` and records every call."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.figures: list[Figure] = []

    def __call__(self, a, n, fig):
        self.calls.append({"a": a, "n": n})
        self.figures.append(fig)
        ax = fig.add_subplot()
        x = np.linspace(0, 1, 40)
        ax.plot(x, a * x**n)
        ax.set_ylim(0, 3)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"Power a={a:g}, n={n}")


def returns_figure(a, n):
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, a * n])
    ax.set_title(f"Line a={a:g} n={n}")
    return fig


def diverging(gain, depth, fig):
    if gain * depth > 4:
        raise FloatingPointError(f"the flow diverges (gain*depth = {gain * depth:g})")
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, math.exp(-gain)])
    ax.set_title(f"Decay gain={gain:g}")


class _Html(HTMLParser):
    """Collects start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = dict(attrs).get("for") if tag == "label" else None

    def handle_data(self, data):
        if self._open:
            self.text[self._open] = self.text.get(self._open, "") + data

    def of(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def parse(html_text: str) -> _Html:
    p = _Html()
    p.feed(html_text)
    return p


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size
