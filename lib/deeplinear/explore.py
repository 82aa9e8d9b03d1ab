r"""Interactive explorers that recompute in a live kernel and still respond in the static book.

One call, :func:`explore`, turns a plotting function of a few parameters into an explorer::

    import deeplinear as dl

    def plot_loss(sigma, depth, scale, fig):          # draws into the Figure it is given
        ax = fig.add_subplot()
        ...
        ax.set_title(f"Loss along the flow, depth {depth}")

    dl.explore(plot_loss,
               sigma=(0.5, 3.0, 0.5),                 # Range: start, stop, step (default: middle)
               depth=[2, 3, 4],                       # Choice (default: first entry)
               scale=dl.LogRange(1e-3, 1e-1, 5, default=1e-2))

The explorer is displayed when it is the last expression of a cell (or by ``display(ex)``).

Two forms, one call
-------------------
*Live* (a running kernel: Jupyter, JupyterHub, Binder, Colab, VS Code). ipywidgets controls
(a selection slider per range, a dropdown per choice, a play button linked to the slider of a
:class:`Time` parameter) and an HTML image of the figure, which is drawn at the default values
before any interaction. Moving a control recomputes and redraws; frames already drawn are kept,
so coming back to a value is instant. The sliders move on the same grid as the static form, so
both forms show the same figures. ``continuous_update`` is switched off when the default frame
took longer than 50 ms to draw (override it with :class:`ExplorerOptions`).

*Static* (the built HTML page, no kernel). Every grid point is drawn once, at build time, into
a palette PNG embedded in the page as a ``data:`` URI; native ``<input type="range">`` and
``<select>`` controls with labels and value read-outs, plus a play/pause button for time, switch
the visible ``<img>`` with a few lines of our own JavaScript (``assets/explorer.js``, inlined in
the page). Nothing is requested over the network, no widget state is stored, and no widget
JavaScript is needed. The default frame is the first image and the only one not ``hidden``, so
it shows on load (and without JavaScript). Every frame has alt text that names what it shows
and the parameter values; by default ``"<figure title>, for a = 1, n = 2. Axes: horizontal x,
vertical y."`` (mathtext turned into plain words), or the ``alt=`` template or function.
Arrow keys move a focused slider or drop-down, Space/Enter play and pause. The root element
has the class ``dl-explorer`` (the browser tests look for it).

How the form is chosen
----------------------
By :attr:`ExplorerOptions.mode` (``"auto"`` by default). In ``"auto"`` the static form is used
when the environment variable ``DEEPLINEAR_BUILD`` is ``1`` (or ``true``/``yes``/``on``) in
the kernel, which the book's build exports; otherwise the live form is used. The static form's
MIME bundle holds only ``text/html`` and ``text/plain``, so myst-nb picks the HTML with its
default priorities: no ``_config.yml`` setting is needed for it. The live form's bundle holds
the widget view, a ``text/html`` snapshot of the default figure (class
``dl-explorer-snapshot``, for front ends without widgets) and ``text/plain``. A book built
*without* ``DEEPLINEAR_BUILD=1`` therefore shows either that snapshot (when ``_config.yml`` sets
``nb_mime_priority_overrides: [[html, text/html, 0], [dirhtml, text/html, 0]]``) or the
ipywidgets with their stored state (which do not recompute): a degraded page, never a broken
build. The browser tests fail on a snapshot, so the omission is caught.

Why not a custom MIME type rendered by myst-nb: it would need a renderer plugin registered in
the Sphinx process (an entry point of myst-nb) and would do what ``text/html`` already does,
while the environment variable also keeps widget state and the widget scripts out of the page.
Why not ``FuncAnimation.to_jshtml``: one slider only, and it loads Font Awesome from a CDN.

The plotting contract
---------------------
``plot_fn(**params)`` is called with one keyword argument per parameter (fixed ones included).

* If ``plot_fn`` has a parameter named ``fig``, the explorer passes a cleared
  :class:`matplotlib.figure.Figure` of size ``options.figsize`` (one figure per explorer, reused,
  which saves creating a figure per frame) and ``plot_fn`` draws into it and returns ``None``
  (or a Figure, which is then used).
* Otherwise ``plot_fn`` must return a :class:`~matplotlib.figure.Figure`. Figures made with
  ``pyplot`` are closed after drawing, so none leaks into the cell's output.
* With ``prepare=``, an expensive computation is shared: ``prepare(**some_params)`` is called
  with the parameters named in its own signature and cached on their values, and
  ``plot_fn(prepared, **params)`` receives its result first. Typically ``prepare`` integrates a
  flow and ``plot_fn`` draws it up to time ``t`` (a :class:`Time` parameter), so scrubbing
  through time never re-integrates.
* An exception raised by ``plot_fn`` or ``prepare`` (a diverging flow, an undefined quantity)
  becomes an *error frame*: a figure saying what failed and for which values, with matching alt
  text; the other frames are unaffected. ``options.on_error="raise"`` re-raises instead (for
  debugging). Warnings raised while drawing are recorded on the frame
  (:attr:`ExplorerFrame.warnings`) and not printed, because the book's build treats output on
  stderr as an error. Returning something other than a Figure is a programming error and raises
  :class:`TypeError`.
* Keep axis limits fixed across frames (``ax.set_ylim``), so that switching frames compares like
  with like. Labels of parameters are plain text; write ``σ`` rather than ``$\sigma$``.

Parameters and validation
-------------------------
``(start, stop, step)`` or ``(start, stop, step, default)`` is a :class:`Range`; a list is a
:class:`Choice`; :class:`LogRange`, :class:`Time` and :class:`Fixed` are explicit. A spec is
validated when :func:`explore` receives it, so every :class:`ValueError` names the parameter and
the bad value: empty or reversed ranges, non-positive steps, non-finite numbers, a default that
is not a grid point, duplicate choices, two time parameters, parameters that ``plot_fn`` does
not accept or requires but was not given, and a grid larger than ``options.max_frames``.
:meth:`Explorer.frames` draws every grid point (default first) so a test can sweep them all;
:meth:`Explorer.failures` lists the error frames. Frames not drawn yet are drawn in forked
worker processes, one contiguous chunk of the grid each (``DEEPLINEAR_EXPLORER_PROCESSES``,
default the usable CPUs; ``1`` draws everything in the calling process, where side effects of
``plot_fn`` are then visible); if a worker fails, the frames are drawn in the calling process
so that the error is reported there.

Size and speed trade-off
------------------------
A frame of 6.4 x 4 inches at 100 dpi (640 x 400 px) of a line plot is 15-45 kB as a
full-colour PNG but 6-16 kB as a 256-colour palette PNG, with no visible difference
(matplotlib figures have few distinct colours; the palette only coarsens anti-aliased edges,
and the background colour is kept exact). Palette PNG encodes in about 5-8 ms and the browser
switches frames in a few milliseconds. Lossy WebP is about as small but blurs thin lines and
text; SVG is sharp at any zoom but larger (over 2 MB for the benchmark's 54 frames) and slower.
Hence the defaults ``image_format="png"``, ``colors=256``, ``dpi=100``: about 10-20 kB of
base64 per frame, so the 2 MB page budget per explorer holds ~100 frames; ``max_frames=150``
is a hard limit and ``max_bytes=2_000_000`` a warning (which fails the book's build, since it
goes to stderr). Use ``colors=None`` for smooth colour maps (``imshow``), and a coarser grid
rather than a smaller figure when the budget is tight. A frame costs what ``plot_fn`` computes
plus 60-100 ms of matplotlib drawing and encoding on this project's 2-core machine, so keep
explorers to 20-50 frames: the whole book's explorers should stay under a minute of a cold
build. Measured numbers: ``benchmarks/results/explore.md``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import os
import re
import sys
import textwrap
import time
import traceback
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "explore",
    "Explorer",
    "ExplorerOptions",
    "ExplorerFrame",
    "ExplorerParameter",
    "ExplorerSizeWarning",
    "Range",
    "LogRange",
    "Choice",
    "Time",
    "Fixed",
    "BUILD_ENV_VAR",
    "static_build_requested",
]

BUILD_ENV_VAR = "DEEPLINEAR_BUILD"
"""Name of the environment variable that selects the static form in ``mode="auto"``."""

PROCESSES_ENV_VAR = "DEEPLINEAR_EXPLORER_PROCESSES"
"""How many processes draw a static explorer's frames (default: the usable CPUs; ``1``: this
process only). Grids of fewer than ``_PARALLEL_MIN_FRAMES`` missing frames are drawn here."""

_PARALLEL_MIN_FRAMES = 8

_TRUE = {"1", "true", "yes", "on"}
_RESERVED = {"fig"}
_SLOW_FRAME_SECONDS = 0.05


class ExplorerSizeWarning(UserWarning):
    """The static form of an explorer is larger than ``ExplorerOptions.max_bytes``."""


def static_build_requested() -> bool:
    """Whether ``DEEPLINEAR_BUILD`` asks for the static form (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(BUILD_ENV_VAR, "").strip().lower() in _TRUE


# --------------------------------------------------------------------------------------------
# Parameter specifications
# --------------------------------------------------------------------------------------------


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _real(value: object, name: str, what: str) -> float:
    """A finite real number, or a ValueError/TypeError naming parameter and field."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.integer, np.floating)):
        raise TypeError(f"parameter {name!r}: {what} must be a real number, got {_short(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"parameter {name!r}: {what} must be finite, got {v}")
    return v


def _count(value: object, name: str, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise TypeError(f"parameter {name!r}: {what} must be an integer, got {_short(value)}")
    if int(value) < minimum:
        raise ValueError(f"parameter {name!r}: {what} must be at least {minimum}, got {int(value)}")
    return int(value)


def _tidy(x: float) -> float:
    """Round away floating-point noise such as 0.30000000000000004."""
    return float(f"{x:.12g}")


def _number_labels(values: Sequence[Any], fmt: str | None, name: str) -> tuple[str, ...]:
    """Labels for numeric values: ``fmt`` if given, else the fewest digits that tell them apart."""
    if fmt is not None:
        try:
            labels = tuple(format(v, fmt) for v in values)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"parameter {name!r}: format {fmt!r} does not apply to {values[0]!r}") from exc
        return labels
    if all(isinstance(v, (int, np.integer)) for v in values):
        return tuple(str(int(v)) for v in values)
    for digits in range(3, 13):
        labels = tuple(f"{v:.{digits}g}" for v in values)
        if len(set(labels)) == len(labels):
            return labels
    return tuple(repr(v) for v in values)


def _grid_index(values: Sequence[float], default: float, tol: float) -> int | None:
    diffs = [abs(v - default) for v in values]
    i = int(np.argmin(diffs))
    return i if diffs[i] <= tol else None


def _off_grid(name: str, default: object, values: Sequence[Any], spec: str) -> ValueError:
    if isinstance(default, (Real, np.floating)) and not isinstance(default, bool):
        near = sorted(values, key=lambda v: abs(v - float(default)))[:2]
        hint = f" (nearest grid values: {', '.join(repr(v) for v in sorted(near))})"
    else:
        hint = f" (choices: {', '.join(_short(v) for v in values[:8])}{', ...' if len(values) > 8 else ''})"
    return ValueError(f"parameter {name!r}: default {_short(default)} is not a value of {spec}{hint}")


@dataclass(frozen=True)
class ExplorerParameter:
    """A validated explorer parameter: the grid of values one control moves through.

    Attributes
    ----------
    name : str
        Keyword passed to ``plot_fn``.
    label : str
        Text of the control's label (defaults to ``name``).
    kind : {"range", "log", "choice", "time", "fixed"}
        Which spec produced it; ``"time"`` gets a play button, ``"choice"`` a drop-down,
        ``"fixed"`` no control at all.
    values : tuple
        The grid values, in control order.
    labels : tuple of str
        The text shown for each value (read-outs, options, alt text).
    default_index : int
        Position of the default value in ``values``.
    interval_ms : int
        Time between steps while playing (``"time"`` only).
    loop : bool
        Whether playing wraps around at the end (``"time"`` only).
    """

    name: str
    label: str
    kind: Literal["range", "log", "choice", "time", "fixed"]
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    default_index: int
    interval_ms: int = 0
    loop: bool = False

    @property
    def default(self) -> Any:
        """The default value."""
        return self.values[self.default_index]

    @property
    def size(self) -> int:
        """Number of grid values."""
        return len(self.values)

    def index_of(self, value: object) -> int:
        """Position of ``value`` in the grid, or a ValueError naming the parameter."""
        if self.kind in ("range", "log", "time") and isinstance(value, (Real, np.integer, np.floating)):
            scale = max(abs(v) for v in self.values) or 1.0
            i = _grid_index(self.values, float(value), 1e-9 * scale)
            if i is not None:
                return i
        else:
            for i, v in enumerate(self.values):
                if _same(v, value):
                    return i
        raise ValueError(f"parameter {self.name!r}: {_short(value)} is not one of its grid values "
                         f"{list(self.labels)}")


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # e.g. comparing arrays of different shapes
        return False


@dataclass(frozen=True)
class Range:
    """Evenly spaced values ``start, start + step, ..., stop`` (``stop`` included if on the grid).

    Parameters
    ----------
    start, stop, step : float
        ``stop > start`` and ``step > 0``, all finite. Integers give integer values.
    default : float, optional
        A grid value; defaults to the middle of the grid.
    label : str, optional
        Control label; defaults to the parameter name.
    fmt : str, optional
        Format spec for the read-out, e.g. ``".2f"``; defaults to the fewest digits that
        tell neighbouring values apart.

    Notes
    -----
    The tuple ``(start, stop, step)`` (or ``(start, stop, step, default)``) means the same.
    """

    start: float
    stop: float
    step: float
    default: float | None = None
    label: str | None = None
    fmt: str | None = None

    def resolve(self, name: str) -> ExplorerParameter:
        """Validate and expand to an :class:`ExplorerParameter` (errors name ``name``)."""
        start = _real(self.start, name, "start")
        stop = _real(self.stop, name, "stop")
        step = _real(self.step, name, "step")
        if step <= 0:
            raise ValueError(f"parameter {name!r}: step must be positive, got {step}")
        if not stop > start:
            raise ValueError(
                f"parameter {name!r}: empty range, stop ({stop}) must be greater than start ({start})"
            )
        n = int(math.floor((stop - start) / step + 1e-9)) + 1
        if n > 100_000:
            raise ValueError(f"parameter {name!r}: step {step} gives {n} values between {start} and {stop}")
        integral = all(isinstance(x, (Integral, np.integer)) and not isinstance(x, bool)
                       for x in (self.start, self.step))
        if integral:
            values: tuple[Any, ...] = tuple(int(self.start) + k * int(self.step) for k in range(n))
        else:
            values = tuple(_tidy(start + k * step) for k in range(n))
        if self.default is None:
            index = (n - 1) // 2
        else:
            default = _real(self.default, name, "default")
            found = _grid_index(values, default, 1e-6 * step)
            if found is None:
                raise _off_grid(name, self.default, values, f"Range(start={start:g}, stop={stop:g}, step={step:g})")
            index = found
        return ExplorerParameter(name, self.label or name, "range", values,
                                 _number_labels(values, self.fmt, name), index)


@dataclass(frozen=True)
class LogRange:
    """``num`` logarithmically spaced values from ``start`` to ``stop`` (both included).

    Parameters
    ----------
    start, stop : float
        ``0 < start < stop``, finite.
    num : int
        Number of values, at least 2.
    default : float, optional
        A grid value; defaults to the middle of the grid.
    label, fmt : str, optional
        As for :class:`Range`.
    """

    start: float
    stop: float
    num: int
    default: float | None = None
    label: str | None = None
    fmt: str | None = None

    def resolve(self, name: str) -> ExplorerParameter:
        """Validate and expand to an :class:`ExplorerParameter` (errors name ``name``)."""
        start = _real(self.start, name, "start")
        stop = _real(self.stop, name, "stop")
        num = _count(self.num, name, "num", 2)
        if start <= 0:
            raise ValueError(f"parameter {name!r}: a LogRange needs start > 0, got {start}")
        if not stop > start:
            raise ValueError(
                f"parameter {name!r}: empty range, stop ({stop}) must be greater than start ({start})"
            )
        values = tuple(_tidy(float(v)) for v in np.geomspace(start, stop, num))
        if self.default is None:
            index = (num - 1) // 2
        else:
            default = _real(self.default, name, "default")
            found = _grid_index(values, default, 1e-6 * abs(default)) if default > 0 else None
            if found is None:
                raise _off_grid(name, self.default, values, f"LogRange(start={start:g}, stop={stop:g}, num={num})")
            index = found
        return ExplorerParameter(name, self.label or name, "log", values,
                                 _number_labels(values, self.fmt, name), index)


@dataclass(frozen=True)
class Choice:
    """A list of values (numbers, strings, anything ``plot_fn`` accepts), shown as a drop-down.

    Parameters
    ----------
    values : sequence
        At least one value, no duplicates; numbers must be finite.
    default : optional
        One of ``values``; defaults to the first.
    label : str, optional
        Control label; defaults to the parameter name.
    labels : sequence of str, optional
        Text for each value; defaults to ``str(value)`` (numbers: fewest distinguishing digits).

    Notes
    -----
    A plain list ``[2, 3, 4]`` means ``Choice((2, 3, 4))``.
    """

    values: tuple[Any, ...]
    default: Any = None
    label: str | None = None
    labels: tuple[str, ...] | None = None

    def resolve(self, name: str) -> ExplorerParameter:
        """Validate and expand to an :class:`ExplorerParameter` (errors name ``name``)."""
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, (Sequence, np.ndarray)):
            raise TypeError(f"parameter {name!r}: choices must be a list of values, got {_short(self.values)}")
        values = tuple(self.values)
        if not values:
            raise ValueError(f"parameter {name!r}: the list of choices is empty")
        for v in values:
            if isinstance(v, (Real, np.floating)) and not isinstance(v, bool) and not math.isfinite(float(v)):
                raise ValueError(f"parameter {name!r}: choices must be finite, got {v}")
        for i, a in enumerate(values):
            for b in values[:i]:
                if _same(a, b):
                    raise ValueError(f"parameter {name!r}: duplicate choice {_short(a)}")
        if self.labels is not None:
            labels = tuple(str(s) for s in self.labels)
            if len(labels) != len(values):
                raise ValueError(
                    f"parameter {name!r}: {len(labels)} labels for {len(values)} choices"
                )
        elif all(isinstance(v, (Real, np.integer, np.floating)) and not isinstance(v, bool) for v in values):
            labels = _number_labels(values, None, name)
        else:
            labels = tuple(str(v) for v in values)
        if len(set(labels)) != len(labels):
            raise ValueError(f"parameter {name!r}: choice labels must be distinct, got {list(labels)}")
        if self.default is None:
            index = 0
        else:
            found = [i for i, v in enumerate(values) if _same(v, self.default)]
            if not found:
                raise _off_grid(name, self.default, values, "the choices")
            index = found[0]
        return ExplorerParameter(name, self.label or name, "choice", values, labels, index)


@dataclass(frozen=True)
class Time:
    """Flow time: ``num`` evenly spaced instants, with a play/pause button and a scrub slider.

    Parameters
    ----------
    start, stop : float
        ``stop > start``, finite.
    num : int
        Number of instants (frames), at least 2.
    default : float, optional
        A grid instant; defaults to ``start``.
    label, fmt : str, optional
        As for :class:`Range`.
    interval_ms : int
        Milliseconds between frames while playing (10 to 10000).
    loop : bool
        Wrap around at the end instead of stopping.

    Notes
    -----
    An explorer has at most one time parameter. Pair it with ``prepare=`` so the trajectory
    is computed once per value of the other parameters, not once per instant.
    """

    start: float
    stop: float
    num: int
    default: float | None = None
    label: str | None = None
    fmt: str | None = None
    interval_ms: int = 150
    loop: bool = False

    def resolve(self, name: str) -> ExplorerParameter:
        """Validate and expand to an :class:`ExplorerParameter` (errors name ``name``)."""
        start = _real(self.start, name, "start")
        stop = _real(self.stop, name, "stop")
        num = _count(self.num, name, "num", 2)
        interval = _count(self.interval_ms, name, "interval_ms", 10)
        if interval > 10_000:
            raise ValueError(f"parameter {name!r}: interval_ms must be at most 10000, got {interval}")
        if not stop > start:
            raise ValueError(
                f"parameter {name!r}: empty time span, stop ({stop}) must be greater than start ({start})"
            )
        values = tuple(_tidy(float(v)) for v in np.linspace(start, stop, num))
        if self.default is None:
            index = 0
        else:
            default = _real(self.default, name, "default")
            found = _grid_index(values, default, 1e-6 * (stop - start) / (num - 1))
            if found is None:
                raise _off_grid(name, self.default, values, f"Time(start={start:g}, stop={stop:g}, num={num})")
            index = found
        return ExplorerParameter(name, self.label or name, "time", values,
                                 _number_labels(values, self.fmt, name), index,
                                 interval_ms=interval, loop=bool(self.loop))


@dataclass(frozen=True)
class Fixed:
    """A constant passed to ``plot_fn`` unchanged, with no control (e.g. a target ``Sigma``)."""

    value: Any

    def resolve(self, name: str) -> ExplorerParameter:
        """Wrap as a one-value :class:`ExplorerParameter` of kind ``"fixed"``."""
        return ExplorerParameter(name, name, "fixed", (self.value,), (_short(self.value),), 0)


Spec = Range | LogRange | Choice | Time | Fixed


def _as_spec(name: str, spec: object) -> Spec:
    """Interpret the shorthands: (start, stop, step[, default]) tuples and lists."""
    if isinstance(spec, (Range, LogRange, Choice, Time, Fixed)):
        return spec
    if isinstance(spec, tuple):
        if len(spec) in (3, 4):
            return Range(*spec)
        raise ValueError(
            f"parameter {name!r}: a tuple means (start, stop, step) or (start, stop, step, default), "
            f"got {len(spec)} entries {_short(spec)}; use a list for choices"
        )
    if isinstance(spec, list):
        return Choice(tuple(spec))
    if isinstance(spec, np.ndarray) and spec.ndim == 1:
        return Choice(tuple(spec.tolist()))
    raise TypeError(
        f"parameter {name!r}: expected (start, stop, step), a list of choices, LogRange, Time or "
        f"Fixed, got {_short(spec)}"
    )


# --------------------------------------------------------------------------------------------
# Options and frames
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerOptions:
    """How an explorer draws, encodes and chooses its form.

    Attributes
    ----------
    mode : {"auto", "live", "static"}
        ``"auto"``: static when ``DEEPLINEAR_BUILD=1`` (the book's build), else live.
    figsize : (float, float)
        Size in inches of the figure given to ``plot_fn`` through ``fig``.
    dpi : float
        Resolution of the frames (100 gives 640 x 400 px at the default size).
    image_format : {"png", "webp", "svg"}
        Encoding of the frames (see the module notes on the size trade-off).
    colors : int or None
        Palette size for PNG (2-256); ``None`` keeps full colour.
    webp_quality : int
        Quality (1-100) for ``image_format="webp"``.
    continuous_update : bool or None
        Recompute while a live slider is dragged; ``None`` decides from the cost of the
        default frame (on if it took under 50 ms).
    max_frames : int
        Largest grid allowed (the static form draws every grid point).
    max_bytes : int
        Size of the static HTML above which an :class:`ExplorerSizeWarning` is issued.
    on_error : {"frame", "raise"}
        What an exception in ``plot_fn`` or ``prepare`` produces.
    """

    mode: Literal["auto", "live", "static"] = "auto"
    figsize: tuple[float, float] = (6.4, 4.0)
    dpi: float = 100.0
    image_format: Literal["png", "webp", "svg"] = "png"
    colors: int | None = 256
    webp_quality: int = 90
    continuous_update: bool | None = None
    max_frames: int = 150
    max_bytes: int = 2_000_000
    on_error: Literal["frame", "raise"] = "frame"

    def __post_init__(self) -> None:
        def bad(field_name: str, value: object, want: str) -> ValueError:
            return ValueError(f"ExplorerOptions.{field_name} must be {want}, got {_short(value)}")

        if self.mode not in ("auto", "live", "static"):
            raise bad("mode", self.mode, "'auto', 'live' or 'static'")
        try:
            w, h = (float(x) for x in self.figsize)
        except (TypeError, ValueError):
            raise bad("figsize", self.figsize, "a pair (width, height) in inches") from None
        if not (math.isfinite(w) and math.isfinite(h) and 0 < w <= 30 and 0 < h <= 30):
            raise bad("figsize", self.figsize, "two finite sizes in (0, 30] inches")
        object.__setattr__(self, "figsize", (w, h))
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, Real) or not 10 <= float(self.dpi) <= 600:
            raise bad("dpi", self.dpi, "a number between 10 and 600")
        if self.image_format not in ("png", "webp", "svg"):
            raise bad("image_format", self.image_format, "'png', 'webp' or 'svg'")
        if self.colors is not None and (isinstance(self.colors, bool) or not isinstance(self.colors, Integral)
                                        or not 2 <= self.colors <= 256):
            raise bad("colors", self.colors, "None or an integer from 2 to 256")
        if isinstance(self.webp_quality, bool) or not isinstance(self.webp_quality, Integral) \
                or not 1 <= self.webp_quality <= 100:
            raise bad("webp_quality", self.webp_quality, "an integer from 1 to 100")
        if self.continuous_update not in (None, True, False):
            raise bad("continuous_update", self.continuous_update, "None, True or False")
        if isinstance(self.max_frames, bool) or not isinstance(self.max_frames, Integral) or self.max_frames < 1:
            raise bad("max_frames", self.max_frames, "a positive integer")
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, Integral) or self.max_bytes < 1:
            raise bad("max_bytes", self.max_bytes, "a positive integer")
        if self.on_error not in ("frame", "raise"):
            raise bad("on_error", self.on_error, "'frame' or 'raise'")


@dataclass(frozen=True, eq=False)
class ExplorerFrame:
    """One drawn grid point of an explorer.

    Attributes
    ----------
    key : tuple of int
        Index of each controlled parameter's value (in the order of ``Explorer.parameters``).
    params : Mapping
        The keyword arguments ``plot_fn`` received (read-only).
    image : bytes
        The encoded image.
    mime : str
        Its MIME type (``image/png``, ``image/webp`` or ``image/svg+xml``).
    width, height : int
        Pixel size.
    alt : str
        Alt text: what the figure shows and the parameter values.
    title : str
        The figure's title (suptitle, else axes titles), empty if none.
    error : str or None
        ``"ExceptionType: message"`` if drawing failed (the image then says so).
    traceback : str or None
        The formatted traceback of that failure.
    warnings : tuple of str
        Warnings raised while drawing.
    seconds : float
        Wall time to compute, draw and encode the frame.
    """

    key: tuple[int, ...]
    params: Mapping[str, Any]
    image: bytes
    mime: str
    width: int
    height: int
    alt: str
    title: str
    error: str | None = None
    traceback: str | None = None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless this is an error frame."""
        return self.error is None

    def data_uri(self) -> str:
        """The image as a ``data:`` URI."""
        return f"data:{self.mime};base64,{base64.b64encode(self.image).decode('ascii')}"

    def img_tag(self, *, hidden: bool = False, key_attr: bool = False) -> str:
        """An ``<img>`` element with alt text and intrinsic size."""
        attrs = [f'src="{self.data_uri()}"', f'alt="{html.escape(self.alt, quote=True)}"',
                 f'width="{self.width}"', f'height="{self.height}"']
        if key_attr:
            attrs.append(f'data-dl-key="{",".join(map(str, self.key))}"')
            if self.error is not None:
                attrs.append('data-dl-error="1"')
        if hidden:
            attrs.append("hidden")
        return f"<img {' '.join(attrs)}>"

    def _repr_png_(self) -> bytes | None:
        return self.image if self.mime == "image/png" else None


# --------------------------------------------------------------------------------------------
# Helpers for figures and text
# --------------------------------------------------------------------------------------------

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


@functools.cache
def _asset(name: str) -> str:
    return resources.files("deeplinear").joinpath("assets", name).read_text(encoding="utf-8")


def _pyplot_fignums() -> set[int]:
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt is not None else set()


def _close_new_pyplot_figures(before: set[int]) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def _accepted_names(fn: Callable[..., Any]) -> tuple[set[str], bool, list[str], int]:
    """Keyword-usable parameter names, whether ``**kwargs`` is taken, required keyword names,
    and the number of positional-only-or-keyword parameters (for ``prepare``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return set(), True, [], 1
    names: set[str] = set()
    required: list[str] = []
    var_kw = False
    positional = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.add(p.name)
            if p.default is p.empty:
                required.append(p.name)
            if p.kind is p.POSITIONAL_OR_KEYWORD:
                positional += 1
        elif p.kind is p.POSITIONAL_ONLY:
            positional += 1
    return names, var_kw, required, positional


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


class _ContractError(Exception):
    """Wraps a TypeError about the plotting contract so it escapes the error-frame handler."""


# --------------------------------------------------------------------------------------------
# The explorer
# --------------------------------------------------------------------------------------------


class Explorer:
    """An interactive figure over a grid of parameter values, live or static.

    Build one with :func:`explore`. Display it (last expression of a cell) to get the form
    chosen by ``options.mode``; :attr:`widget` and :meth:`static_html` give either form
    explicitly.

    Parameters
    ----------
    plot_fn : callable
        The plotting function (contract in the module docstring).
    parameters : Mapping[str, spec]
        Parameter name to spec (:class:`Range`, :class:`LogRange`, :class:`Choice`,
        :class:`Time`, :class:`Fixed`, or the tuple/list shorthands).
    prepare : callable, optional
        Shared expensive computation, cached on the values of the parameters it names.
    alt : str or callable, optional
        Alt text: a template such as ``"Loss for depth {depth} and scale {scale:.2g}"``
        (fields: the parameters and ``title``), or ``alt(**params) -> str``. Default: the
        figure's title, the plotted quantities and the parameter values.
    title : str, optional
        Name of the explorer for assistive technology and for default alt text when a
        figure has no title; defaults to ``plot_fn``'s name.
    options : ExplorerOptions, optional
        Drawing, encoding and mode settings.

    Attributes
    ----------
    parameters : tuple of ExplorerParameter
        The controlled parameters, in the order of the controls.
    fixed : Mapping
        The :class:`Fixed` parameters.
    last_frame : ExplorerFrame or None
        The frame the live form shows now.
    """

    _counter = itertools.count(1)

    def __init__(
        self,
        plot_fn: Callable[..., Any],
        parameters: Mapping[str, Any],
        *,
        prepare: Callable[..., Any] | None = None,
        alt: str | Callable[..., str] | None = None,
        title: str | None = None,
        options: ExplorerOptions | None = None,
    ) -> None:
        if not callable(plot_fn):
            raise TypeError(f"plot_fn must be callable, got {_short(plot_fn)}")
        if prepare is not None and not callable(prepare):
            raise TypeError(f"prepare must be callable or None, got {_short(prepare)}")
        if options is None:
            options = ExplorerOptions()
        elif not isinstance(options, ExplorerOptions):
            raise TypeError(f"options must be an ExplorerOptions, got {_short(options)}")
        self.options = options
        self._plot_fn = plot_fn
        self._prepare = prepare
        self.title = title if title is not None else getattr(plot_fn, "__name__", "figure").replace("_", " ")

        controlled: list[ExplorerParameter] = []
        fixed: dict[str, Any] = {}
        for name, raw in parameters.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"parameter names must be Python identifiers, got {name!r}")
            if name in _RESERVED:
                raise ValueError(f"parameter name {name!r} is reserved for the figure passed to plot_fn")
            param = _as_spec(name, raw).resolve(name)
            if param.kind == "fixed":
                fixed[name] = param.default
            else:
                controlled.append(param)
        if not controlled:
            raise ValueError("explore needs at least one parameter with more than one value to control")
        times = [p.name for p in controlled if p.kind == "time"]
        if len(times) > 1:
            raise ValueError(f"an explorer has at most one Time parameter, got {times}")
        self.parameters: tuple[ExplorerParameter, ...] = tuple(controlled)
        self.fixed: Mapping[str, Any] = MappingProxyType(fixed)
        all_names = [p.name for p in controlled] + list(fixed)

        n_frames = math.prod(p.size for p in controlled)
        if n_frames > options.max_frames:
            sizes = " x ".join(f"{p.size} ({p.name})" for p in controlled)
            raise ValueError(
                f"the grid has {sizes} = {n_frames} frames, more than max_frames={options.max_frames}; "
                f"use fewer values per parameter or raise ExplorerOptions.max_frames"
            )

        names, var_kw, required, positional = _accepted_names(plot_fn)
        self._accepts_fig = "fig" in names
        offset = 1 if prepare is not None else 0
        if prepare is not None and positional < 1 and not var_kw:
            raise ValueError("with prepare=, plot_fn must take the prepared result as its first positional argument")
        if not var_kw:
            for name in all_names:
                if name not in names:
                    raise ValueError(
                        f"plot_fn {getattr(plot_fn, '__name__', plot_fn)!r} has no parameter {name!r}; "
                        f"it accepts {sorted(names - {'fig'})}"
                    )
        skip = set(list(inspect.signature(plot_fn).parameters)[:offset]) if offset and names else set()
        for name in required:
            if name not in all_names and name != "fig" and name not in skip:
                raise ValueError(
                    f"plot_fn requires parameter {name!r}, which explore was not given "
                    f"(give a range, a list of choices, or Fixed(value))"
                )

        self._prepare_names: tuple[str, ...] = ()
        if prepare is not None:
            p_names, p_var_kw, p_required, _ = _accepted_names(prepare)
            if p_var_kw:
                chosen = [n for n in all_names if n not in times]
            else:
                chosen = [n for n in all_names if n in p_names]
                missing = [n for n in p_required if n not in all_names]
                if missing:
                    raise ValueError(f"prepare requires {missing}, which are not parameters of the explorer")
            self._prepare_names = tuple(chosen)

        self._alt = alt
        if isinstance(alt, str):
            defaults = {p.name: p.default for p in controlled} | fixed
            try:
                alt.format(**defaults, title="title")
            except (KeyError, IndexError) as exc:
                raise ValueError(
                    f"alt template {alt!r} refers to {exc}, which is not a parameter; "
                    f"fields available: {sorted(defaults) + ['title']}"
                ) from None
            except ValueError as exc:
                raise ValueError(f"alt template {alt!r} does not format the default values: {exc}") from None
        elif alt is not None and not callable(alt):
            raise TypeError(f"alt must be a str template, a callable or None, got {_short(alt)}")

        self._frames: dict[tuple[int, ...], ExplorerFrame] = {}
        self._prepared: OrderedDict[tuple[Any, ...], tuple[bool, Any]] = OrderedDict()
        self._figure: Figure | None = None
        self._widget: Any = None
        self._controls: list[Any] = []
        self._image_widget: Any = None
        self._static: str | None = None
        self._serial = next(Explorer._counter)
        self.last_frame: ExplorerFrame | None = None

    # -- grid ---------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values of each controlled parameter."""
        return tuple(p.size for p in self.parameters)

    @property
    def n_frames(self) -> int:
        """Number of grid points (frames of the static form)."""
        return math.prod(self.shape)

    @property
    def default_key(self) -> tuple[int, ...]:
        """Grid index of the default values."""
        return tuple(p.default_index for p in self.parameters)

    @property
    def default_params(self) -> dict[str, Any]:
        """The keyword arguments of the default frame."""
        return self.params_for(self.default_key)

    @property
    def last_params(self) -> dict[str, Any] | None:
        """The keyword arguments of the frame the live form shows now."""
        return dict(self.last_frame.params) if self.last_frame is not None else None

    def keys(self) -> Iterator[tuple[int, ...]]:
        """All grid indices, the default first, then in row-major order."""
        default = self.default_key
        yield default
        for key in itertools.product(*(range(p.size) for p in self.parameters)):
            if key != default:
                yield key

    def params_for(self, key: Sequence[int]) -> dict[str, Any]:
        """The keyword arguments of ``plot_fn`` at grid index ``key``."""
        key = tuple(key)
        if len(key) != len(self.parameters) or any(
            not 0 <= k < p.size for k, p in zip(key, self.parameters, strict=False)
        ):
            raise ValueError(f"grid index {key} is outside the grid of shape {self.shape}")
        params = {p.name: p.values[k] for k, p in zip(key, self.parameters, strict=True)}
        params.update(self.fixed)
        return params

    def key_for(self, **values: Any) -> tuple[int, ...]:
        """The grid index of the given parameter values (missing ones take their default)."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise ValueError(f"not a controlled parameter: {sorted(unknown)}; "
                             f"parameters are {[p.name for p in self.parameters]}")
        return tuple(p.index_of(values[p.name]) if p.name in values else p.default_index
                     for p in self.parameters)

    # -- drawing ------------------------------------------------------------------------------

    def frame(self, key: Sequence[int] | None = None) -> ExplorerFrame:
        """The frame at grid index ``key`` (default values if ``None``), drawn once and cached."""
        key = self.default_key if key is None else tuple(int(k) for k in key)
        found = self._frames.get(key)
        if found is None:
            found = self._render(key)
            self._frames[key] = found
        return found

    def frame_at(self, **values: Any) -> ExplorerFrame:
        """The frame at the given parameter values (others at their defaults)."""
        return self.frame(self.key_for(**values))

    def frames(self) -> list[ExplorerFrame]:
        """Draw every grid point (default first) and return the frames.

        Frames not drawn yet are drawn in worker processes when there are enough of them
        (see ``PROCESSES_ENV_VAR``): the static build precomputes every explorer's grid.
        """
        missing = [key for key in self.keys() if key not in self._frames]
        for frame in _render_in_processes(self, missing):
            self._frames[frame.key] = frame
        return [self.frame(key) for key in self.keys()]

    def failures(self) -> list[ExplorerFrame]:
        """The error frames among all grid points (draws them all)."""
        return [f for f in self.frames() if not f.ok]

    def _prepare_result(self, params: Mapping[str, Any]) -> Any:
        assert self._prepare is not None
        cache_key = tuple(self.parameters[i].index_of(params[p.name]) if p.name in self._prepare_names else None
                          for i, p in enumerate(self.parameters))
        hit = self._prepared.get(cache_key)
        if hit is None:
            try:
                hit = (True, self._prepare(**{n: params[n] for n in self._prepare_names}))
            except Exception as exc:  # cached too, so a failing flow is not re-integrated per instant
                hit = (False, exc)
            self._prepared[cache_key] = hit
            while len(self._prepared) > 64:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(cache_key)
        ok, value = hit
        if not ok:
            raise value
        return value

    def _own_figure(self) -> Figure:
        if self._figure is None:
            self._figure = Figure(figsize=self.options.figsize, dpi=self.options.dpi)
            FigureCanvasAgg(self._figure)
        self._figure.clear()
        return self._figure

    def _draw(self, params: dict[str, Any]) -> Figure:
        args = (self._prepare_result(params),) if self._prepare is not None else ()
        if self._accepts_fig:
            fig = self._own_figure()
            out = self._plot_fn(*args, **params, fig=fig)
            if out is None:
                return fig
        else:
            out = self._plot_fn(*args, **params)
        if not isinstance(out, Figure):
            raise _ContractError(
                f"plot_fn must return a matplotlib Figure (or draw into its `fig` argument and return "
                f"None), got {type(out).__name__}"
            )
        return out

    def _encode(self, fig: Figure) -> tuple[bytes, str, int, int]:
        opts = self.options
        if opts.image_format == "svg":
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", dpi=opts.dpi)
            w, h = fig.get_size_inches() * opts.dpi
            return buf.getvalue(), "image/svg+xml", int(round(w)), int(round(h))
        from PIL import Image

        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        if fig.dpi != opts.dpi:
            fig.set_dpi(opts.dpi)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        image = Image.fromarray(rgba[..., :3] if rgba[..., 3].min() == 255 else rgba)
        buf = io.BytesIO()
        if opts.image_format == "webp":
            image.save(buf, format="webp", quality=opts.webp_quality, method=4)
            mime = "image/webp"
        else:
            if opts.colors is not None:
                image = _quantize(image, opts.colors)
            image.save(buf, format="png")
            mime = "image/png"
        return buf.getvalue(), mime, image.width, image.height

    def _values_text(self, params: Mapping[str, Any]) -> str:
        return ", ".join(f"{p.label} = {p.labels[p.index_of(params[p.name])]}" for p in self.parameters)

    def _alt_text(self, params: Mapping[str, Any], fig: Figure, title: str) -> str:
        if isinstance(self._alt, str):
            return self._alt.format(**params, title=title or self.title)
        if callable(self._alt):
            return str(self._alt(**params))
        what = title or self.title
        if not what:
            what = "Figure"
        elif what[0].isascii():  # "σ = 2" must not become "Σ = 2"
            what = what[0].upper() + what[1:]
        described = _axes_description(fig)
        return f"{what}, for {self._values_text(params)}." + (f" {described}" if described else "")

    def _error_figure(self, params: Mapping[str, Any], error: str) -> Figure:
        fig = Figure(figsize=self.options.figsize, dpi=self.options.dpi, facecolor="#fff4f2")
        FigureCanvasAgg(fig)
        fig.text(0.5, 0.80, "Could not draw this figure", ha="center", va="center", fontsize=16,
                 weight="bold", color="#9b1c1c", parse_math=False)
        lines = textwrap.wrap("for " + self._values_text(params), 70)
        fig.text(0.5, 0.64, "\n".join(lines), ha="center", va="top", fontsize=11, color="#222222",
                 parse_math=False)
        fig.text(0.5, 0.40, "\n".join(textwrap.wrap(error, 64)[:6]), ha="center", va="top",
                 fontsize=10, family="monospace", color="#222222", parse_math=False)
        return fig

    def _render(self, key: tuple[int, ...]) -> ExplorerFrame:
        params = self.params_for(key)
        start = time.perf_counter()
        before = _pyplot_fignums()
        error = tb = None
        title = ""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    fig = self._draw(params)
                    title = _figure_title(fig)
                    alt = self._alt_text(params, fig, title)
                    image, mime, width, height = self._encode(fig)
                except _ContractError as exc:
                    raise TypeError(str(exc)) from None
                except Exception as exc:
                    if self.options.on_error == "raise":
                        raise
                    error = f"{type(exc).__name__}: {exc}".strip()
                    tb = traceback.format_exc()
                    image, mime, width, height = self._encode(self._error_figure(params, error))
                    alt = (f"Error: could not draw {self.title} for {self._values_text(params)}. "
                           f"{error}")
        finally:
            _close_new_pyplot_figures(before)
        noted = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
        return ExplorerFrame(
            key=key, params=MappingProxyType(params), image=image, mime=mime, width=width,
            height=height, alt=alt, title=title, error=error, traceback=tb, warnings=noted,
            seconds=time.perf_counter() - start,
        )

    # -- static form --------------------------------------------------------------------------

    def _uid(self) -> str:
        text = repr((getattr(self._plot_fn, "__qualname__", ""), [(p.name, p.labels) for p in self.parameters]))
        return f"dlx-{hashlib.sha1(text.encode()).hexdigest()[:8]}-{self._serial}"

    def _control_html(self, uid: str, i: int, p: ExplorerParameter) -> str:
        cid = f"{uid}-p{i}"
        label = html.escape(p.label)
        labels_attr = html.escape(json.dumps(list(p.labels)), quote=True)
        current = html.escape(p.labels[p.default_index])
        common = f'id="{cid}" data-dl-param="{i}" data-dl-labels="{labels_attr}" autocomplete="off"'
        out = f'<output for="{cid}" aria-hidden="true">{current}</output>'
        lab = f'<label for="{cid}">{label}</label>'
        if p.kind == "choice":
            options = "".join(
                f'<option value="{k}"{" selected" if k == p.default_index else ""}>{html.escape(s)}</option>'
                for k, s in enumerate(p.labels)
            )
            return f"{lab}<select {common}>{options}</select><span></span>"  # the select shows its value
        slider = (f'<input type="range" {common} min="0" max="{p.size - 1}" step="1" '
                  f'value="{p.default_index}" aria-valuetext="{current}">')
        if p.kind == "time":
            button = (f'<button type="button" class="dl-explorer-play" data-dl-play aria-controls="{cid}" '
                      f'data-dl-interval="{p.interval_ms}" data-dl-loop="{int(p.loop)}" '
                      f'aria-label="Play">\u25b6 Play</button>')
            return f'{lab}<div class="dl-explorer-time">{button}{slider}</div>{out}'
        return f"{lab}{slider}{out}"

    def static_html(self) -> str:
        """The self-contained static form: controls, every frame, and the inlined script.

        Draws every grid point on first call. Issues an :class:`ExplorerSizeWarning` if the
        result exceeds ``options.max_bytes``.
        """
        if self._static is not None:
            return self._static
        frames = self.frames()
        uid = self._uid()
        controls = "".join(self._control_html(uid, i, p) for i, p in enumerate(self.parameters))
        images = "".join(f.img_tag(hidden=(n > 0), key_attr=True) for n, f in enumerate(frames))
        name = html.escape(self.title, quote=True)
        parts = [
            f'<div class="dl-explorer" id="{uid}" role="group" aria-label="Explorer: {name}" '
            f'data-dl-frames="{len(frames)}" data-dl-default="{",".join(map(str, self.default_key))}">',
            f"<style>{_asset('explorer.css')}</style>",
            f'<div class="dl-explorer-controls">{controls}</div>',
            f'<figure class="dl-explorer-figure">{images}</figure>',
            "</div>",
            f"<script>{_asset('explorer.js')}\n"
            f'window.deeplinearExplorer.init(document.getElementById("{uid}"));</script>',
        ]
        self._static = "\n".join(parts)
        size = len(self._static.encode("utf-8"))
        if size > self.options.max_bytes:
            warnings.warn(
                f"explorer {self.title!r}: static form is {size / 1e6:.2f} MB for {len(frames)} frames, "
                f"over max_bytes={self.options.max_bytes}; use fewer values, a smaller dpi or colors",
                ExplorerSizeWarning,
                stacklevel=2,
            )
        return self._static

    def snapshot_html(self) -> str:
        """The default figure alone, for front ends that show HTML but not widgets."""
        frame = self.frame()
        caption = html.escape(f"Static snapshot at {self._values_text(frame.params)}. "
                              f"Run the notebook to move the parameters.")
        return (f'<div class="dl-explorer-snapshot"><style>{_asset("explorer.css")}</style>'
                f'<figure class="dl-explorer-figure">{frame.img_tag()}<figcaption>{caption}</figcaption>'
                f"</figure></div>")

    # -- live form ----------------------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The live form: an ipywidgets ``VBox`` of controls and the figure (built once)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    @property
    def controls(self) -> list[Any]:
        """The live form's selection widgets, one per controlled parameter."""
        self.widget  # noqa: B018  (builds it)
        return list(self._controls)

    def _build_widget(self) -> Any:
        import ipywidgets as widgets

        first = self.frame()
        self.last_frame = first
        continuous = self.options.continuous_update
        if continuous is None:
            continuous = first.seconds < _SLOW_FRAME_SECONDS
        style = {"description_width": "initial"}
        rows = []
        self._controls = []
        for p in self.parameters:
            options = [(s, k) for k, s in enumerate(p.labels)]
            if p.kind == "choice":
                control = widgets.Dropdown(options=options, value=p.default_index, description=p.label,
                                           style=style, layout=widgets.Layout(width="max-content"))
                rows.append(control)
            else:
                control = widgets.SelectionSlider(
                    options=options, value=p.default_index, description=p.label, style=style,
                    continuous_update=continuous, readout=True, layout=widgets.Layout(width="32rem"),
                )
                if p.kind == "time":
                    play = widgets.Play(value=p.default_index, min=0, max=p.size - 1, step=1,
                                        interval=p.interval_ms, repeat=p.loop, show_repeat=False,
                                        description=f"Play {p.label}", tooltip=f"Play or pause {p.label}")
                    widgets.jslink((play, "value"), (control, "index"))
                    rows.append(widgets.HBox([play, control]))
                else:
                    rows.append(control)
            control.observe(self._on_change, names="index")
            self._controls.append(control)
        self._image_widget = widgets.HTML(value=first.img_tag())
        box = widgets.VBox([*rows, self._image_widget])
        box.add_class("dl-explorer-live")
        return box

    def _on_change(self, change: Mapping[str, Any] | None = None) -> None:
        key = tuple(int(c.index) for c in self._controls)
        frame = self.frame(key)
        self.last_frame = frame
        if self._image_widget is not None:
            self._image_widget.value = frame.img_tag()

    # -- display ------------------------------------------------------------------------------

    @property
    def mode(self) -> Literal["live", "static"]:
        """The form displayed now (``options.mode``, with ``"auto"`` resolved)."""
        if self.options.mode == "auto":
            return "static" if static_build_requested() else "live"
        return self.options.mode

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.mode == "static":
            return {"text/html": self.static_html(), "text/plain": repr(self)}
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.snapshot_html()
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        dims = ", ".join(f"{p.name}: {p.size} values" for p in self.parameters)
        return f"<Explorer {self.title!r} ({dims}; {self.n_frames} frames)>"


def explore(
    plot_fn: Callable[..., Any],
    /,
    *,
    prepare: Callable[..., Any] | None = None,
    alt: str | Callable[..., str] | None = None,
    title: str | None = None,
    options: ExplorerOptions | None = None,
    params: Mapping[str, Any] | None = None,
    **parameters: Any,
) -> Explorer:
    """Make an explorer of ``plot_fn`` over a grid of parameter values.

    Parameters
    ----------
    plot_fn : callable
        ``plot_fn(**params)`` returns a :class:`~matplotlib.figure.Figure`, or, if it has a
        ``fig`` parameter, draws into the Figure it is given. With ``prepare``, it is called
        as ``plot_fn(prepared, **params)``.
    prepare : callable, optional
        Expensive computation shared between frames, cached on the values of the parameters
        in its signature (e.g. integrate a flow once per ``depth``, draw it at every ``t``).
    alt : str or callable, optional
        Alt-text template (``"{title}, depth {depth}"``) or ``alt(**params) -> str``.
    title : str, optional
        Name of the explorer (accessible name, fallback for alt text).
    options : ExplorerOptions, optional
        Figure size, resolution, image format, live/static mode, limits.
    params : Mapping, optional
        Parameters given as a dict, for names that clash with the keywords above.
    **parameters
        One spec per parameter of ``plot_fn``: ``(start, stop, step[, default])``, a list of
        choices, :class:`LogRange`, :class:`Time` or :class:`Fixed`.

    Returns
    -------
    Explorer
        Displays as ipywidgets in a live kernel and as a self-contained HTML explorer when
        ``DEEPLINEAR_BUILD=1`` (see the module docstring).

    Raises
    ------
    ValueError
        For an invalid spec, naming the parameter and the bad value.

    Examples
    --------
    >>> import numpy as np
    >>> def curve(a, n, fig):
    ...     ax = fig.add_subplot()
    ...     x = np.linspace(0, 1, 50)
    ...     ax.plot(x, a * x**n)
    ...     ax.set_title(f"a x^n with n = {n}")
    >>> ex = explore(curve, a=(0.5, 2.0, 0.5), n=[1, 2, 3])
    >>> ex.shape, ex.default_params
    ((4, 3), {'a': 1.0, 'n': 1})
    >>> ex.frame().alt
    'A x^n with n = 1, for a = 1, n = 1.'
    """
    specs = dict(parameters)
    for name, spec in (params or {}).items():
        if name in specs:
            raise ValueError(f"parameter {name!r} given twice (as a keyword and in params=)")
        specs[name] = spec
    return Explorer(plot_fn, specs, prepare=prepare, alt=alt, title=title, options=options)


# --------------------------------------------------------------------------- worker processes

_FORKED_EXPLORER: Explorer | None = None  # inherited by the forked workers, never pickled


def _worker_count() -> int:
    raw = os.environ.get(PROCESSES_ENV_VAR, "").strip()
    if not raw:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{PROCESSES_ENV_VAR} must be a positive integer, got {raw!r}")
    return n


def _render_chunk(keys: list[tuple[int, ...]]) -> list[dict[str, Any]]:
    assert _FORKED_EXPLORER is not None
    out = []
    for key in keys:
        frame = _FORKED_EXPLORER._render(key)
        fields = {f: getattr(frame, f) for f in frame.__dataclass_fields__}
        fields["params"] = dict(frame.params)  # a mappingproxy does not pickle
        out.append(fields)
    return out


def _render_in_processes(explorer: Explorer, keys: list[tuple[int, ...]]) -> list[ExplorerFrame]:
    """Draw ``keys`` in forked worker processes, in contiguous chunks (neighbouring grid points
    share the cached ``prepare`` result); ``[]`` when one process should do it, so the caller
    draws them itself (also when a worker fails: the error then shows in this process)."""
    global _FORKED_EXPLORER
    import multiprocessing

    n = min(_worker_count(), len(keys) // (_PARALLEL_MIN_FRAMES // 2))
    if n < 2 or len(keys) < _PARALLEL_MIN_FRAMES or "fork" not in multiprocessing.get_all_start_methods():
        return []
    size = -(-len(keys) // n)
    chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    _FORKED_EXPLORER = explorer
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            results = pool.map(_render_chunk, chunks)
    except Exception:  # noqa: BLE001 - fall back to drawing here, where an error is reported properly
        return []
    finally:
        _FORKED_EXPLORER = None
    return [ExplorerFrame(**dict(fields, params=MappingProxyType(fields["params"])))
            for chunk in results for fields in chunk]
