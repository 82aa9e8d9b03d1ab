"""Explorer options and frames: :class:`ExplorerOptions` (drawing, encoding, live or static
form), :class:`ExplorerFrame` (one drawn grid point), and how the static form is requested
(:data:`BUILD_ENV_VAR`, :func:`static_build_requested`, :class:`ExplorerSizeWarning`).
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

__all__ = ["ExplorerOptions", "ExplorerFrame", "ExplorerSizeWarning", "BUILD_ENV_VAR", "static_build_requested"]

BUILD_ENV_VAR = "DEEPLINEAR_BUILD"
"""Name of the environment variable that selects the static form in ``mode="auto"``."""


_TRUE = {"1", "true", "yes", "on"}


class ExplorerSizeWarning(UserWarning):
    """The static form of an explorer is larger than ``ExplorerOptions.max_bytes``."""


def static_build_requested() -> bool:
    """Whether ``DEEPLINEAR_BUILD`` asks for the static form (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(BUILD_ENV_VAR, "").strip().lower() in _TRUE


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
