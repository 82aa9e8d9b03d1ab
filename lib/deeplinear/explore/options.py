"""Explorer options and frames: :class:`ExplorerOptions` (drawing, encoding, live or static
form), :class:`ExplorerFrame` (one drawn grid point), and how the static form is requested
(:data:`BUILD_ENV_VAR`, :func:`static_build_requested`, :class:`ExplorerSizeWarning`).

``BUILD_ENV_VAR`` is the constant ``"DEEPLINEAR_BUILD"``: the name of the environment
variable that, set to ``1`` (or ``true``, ``yes``, ``on``) in the kernel, selects the static
form of every explorer in ``mode="auto"``. The book's build exports it.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

from .parameters import _short
from ..errors import InvalidArgumentError

__all__ = ["ExplorerOptions", "ExplorerFrame", "ExplorerSizeWarning", "BUILD_ENV_VAR", "static_build_requested"]

BUILD_ENV_VAR = "DEEPLINEAR_BUILD"
"""Name of the environment variable that selects the static form in ``mode="auto"``."""


_TRUE = {"1", "true", "yes", "on"}


class ExplorerSizeWarning(UserWarning):
    """The static form of an explorer is larger than ``ExplorerOptions.max_bytes``.

    A :class:`UserWarning` issued by ``Explorer.static_html()``; the book's build treats it as an
    error (it goes to stderr), so an explorer over the page budget is caught.

    Examples
    --------
    >>> import warnings
    >>> def plot(a, fig):
    ...     fig.add_subplot().plot([0, 1], [0, a])
    >>> options = dl.explore.ExplorerOptions(figsize=(2, 1.5), dpi=50, max_bytes=1000)
    >>> ex = dl.explore.explorer(plot, a=[1, 2], options=options)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     html = ex.static_html()
    >>> caught[0].category.__name__
    'ExplorerSizeWarning'
    """


def static_build_requested() -> bool:
    """Whether ``DEEPLINEAR_BUILD`` asks for the static form (``1``, ``true``, ``yes``, ``on``).

    The variable's name is :data:`BUILD_ENV_VAR`; its value is compared after stripping spaces
    and ignoring case. An explorer in ``mode="auto"`` asks this when it is displayed.

    Returns
    -------
    bool
        True when the environment variable is set to one of those values, False when it is
        unset or set to anything else.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {dl.explore.BUILD_ENV_VAR: "1"}):
    ...     print(dl.explore.static_build_requested())
    True
    >>> with mock.patch.dict(os.environ, {dl.explore.BUILD_ENV_VAR: "no"}):
    ...     print(dl.explore.static_build_requested())
    False
    """
    return os.environ.get(BUILD_ENV_VAR, "").strip().lower() in _TRUE


@dataclass(frozen=True)
class ExplorerOptions:
    """How an explorer draws, encodes and chooses its form.

    Every argument is kept as an attribute of the same name (the options are frozen); pass one
    with ``options=`` to :func:`deeplinear.explore.explorer`.

    Parameters
    ----------
    mode : {"auto", "live", "static"}
        ``"auto"``: static when ``DEEPLINEAR_BUILD=1`` (the book's build), else live.
    figsize : (float, float)
        Size in inches of the figure given to ``plot_fn`` through ``fig``, each in (0, 30].
    dpi : float
        Resolution of the frames, 10 to 600 (100 gives 640 x 400 px at the default size).
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

    Raises
    ------
    ValueError
        When an option is out of its range or of the wrong type (the message reads
        ``ExplorerOptions.<name> must be ..., got <value>``).

    Examples
    --------
    >>> options = dl.explore.ExplorerOptions(figsize=(4, 3), dpi=80, colors=None)
    >>> options.mode, options.figsize, options.max_frames
    ('auto', (4.0, 3.0), 150)
    >>> dl.explore.ExplorerOptions(dpi=5)
    Traceback (most recent call last):
    ...
    deeplinear.errors.InvalidArgumentError: ExplorerOptions.dpi must be a number between 10 and 600, got 5
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
        def bad(field_name: str, value: object, want: str) -> InvalidArgumentError:
            return InvalidArgumentError(f"ExplorerOptions.{field_name} must be {want}, got {_short(value)}")

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

    Obtained from an explorer (``ex.frame()``, ``ex.frame_at(...)``, ``ex.frames()``), never
    built by hand. Besides the fields below it has the property ``ok`` (False for an error
    frame) and the methods ``data_uri()`` (the image as a ``data:`` URI) and
    ``img_tag(hidden=False, key_attr=False)`` (an ``<img>`` element with alt text and size).

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

    Examples
    --------
    >>> def plot(a, fig):
    ...     ax = fig.add_subplot()
    ...     ax.plot([0, 1], [0, a])
    ...     ax.set_title("A line")
    >>> options = dl.explore.ExplorerOptions(figsize=(2, 1.5), dpi=50)
    >>> frame = dl.explore.explorer(plot, a=[1, 2], options=options).frame_at(a=2)
    >>> frame.ok, frame.key, frame.mime, (frame.width, frame.height)
    (True, (1,), 'image/png', (100, 75))
    >>> frame.alt
    'A line, for a = 2.'
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
