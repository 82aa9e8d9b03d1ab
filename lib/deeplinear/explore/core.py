"""The grid and drawing half of an explorer, shared by its live and static forms.

:class:`ExplorerBase` validates the parameters against the plotting function, maps grid
indices to keyword arguments, and draws one grid point into an :class:`ExplorerFrame`
(with its alt text, or an error frame when drawing fails). The live form
(:mod:`deeplinear.explore.live`) and the static form (:mod:`deeplinear.explore.static`) are
mixins over it; :class:`deeplinear.explore.Explorer` combines them.
"""

from __future__ import annotations

import inspect
import io
import itertools
import math
import textwrap
import time
import traceback
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .figures import _axes_description, _close_new_pyplot_figures, _figure_title, _pyplot_fignums, _quantize
from .options import ExplorerFrame, ExplorerOptions
from .parameters import ExplorerParameter, _as_spec, _short
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["ExplorerBase"]

_RESERVED = {"fig"}


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


class _ContractError(Exception):
    """Wraps a TypeError about the plotting contract so it escapes the error-frame handler."""


class ExplorerBase:
    """The grid of parameter values of an explorer and the drawing of one grid point.

    Parameters and attributes as for :class:`deeplinear.explore.Explorer`, which adds the
    live and static forms to this base; build one with :func:`deeplinear.explore.explorer`.
    The grid: ``shape`` (values per controlled parameter), ``n_frames`` (their product),
    ``default_key`` and ``default_params`` (the default frame), ``keys()`` (every grid index,
    the default first), ``params_for(key)`` and ``key_for(**values)`` (between grid indices and
    keyword arguments). The drawing: ``frame(key)`` and ``frame_at(**values)`` draw one grid
    point into an :class:`~deeplinear.explore.ExplorerFrame`, once (frames are cached).

    Parameters
    ----------
    plot_fn : callable
        The plotting function (contract in the :mod:`deeplinear.explore` docstring).
    parameters : Mapping[str, spec]
        Parameter name to spec or shorthand.
    prepare : callable, optional
        Shared expensive computation, cached on the values of the parameters it names.
    alt : str or callable, optional
        Alt-text template or function.
    title : str, optional
        Name of the explorer; defaults to ``plot_fn``'s name.
    options : ExplorerOptions, optional
        Drawing, encoding and mode settings.

    Attributes
    ----------
    parameters : tuple of ExplorerParameter
        The controlled parameters, in the order of the controls.
    fixed : Mapping
        The :class:`~deeplinear.explore.Fixed` parameters.
    options : ExplorerOptions
        The options in use.
    title : str
        Name of the explorer.
    last_frame : ExplorerFrame or None
        The frame the live form shows now.

    Raises
    ------
    TypeError
        If ``plot_fn`` or ``prepare`` is not callable, ``options`` is not an
        :class:`~deeplinear.explore.ExplorerOptions`, ``alt`` is neither a string, a callable
        nor None, or a spec is invalid (see the specs); later, if ``plot_fn`` returns something
        other than a Figure.
    ValueError
        If a spec is invalid; a parameter name is not an identifier or is ``fig``; no parameter
        has more than one value; there are two :class:`~deeplinear.explore.Time` parameters; the
        grid has more than ``options.max_frames`` points; ``plot_fn`` does not accept a
        parameter or requires one that is not given; with ``prepare``, ``plot_fn`` has no
        positional parameter for the prepared result, or ``prepare`` requires a parameter that
        is not given; or the ``alt`` template does not format the default values.

    Examples
    --------
    >>> def plot(a, n, fig):
    ...     fig.add_subplot().plot([0, 0.5, 1], [0, a * 0.5**n, a])
    >>> ex = dl.explore.explorer(plot, a=(0.5, 2.0, 0.5), n=[1, 2, 3])
    >>> isinstance(ex, dl.explore.core.ExplorerBase)
    True
    >>> ex.shape, ex.n_frames, ex.default_key
    ((4, 3), 12, (1, 0))
    >>> ex.params_for((3, 2)), ex.key_for(n=2)
    ({'a': 2.0, 'n': 3}, (1, 1))
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
            raise ArgumentTypeError(f"plot_fn must be callable, got {_short(plot_fn)}")
        if prepare is not None and not callable(prepare):
            raise ArgumentTypeError(f"prepare must be callable or None, got {_short(prepare)}")
        if options is None:
            options = ExplorerOptions()
        elif not isinstance(options, ExplorerOptions):
            raise ArgumentTypeError(f"options must be an ExplorerOptions, got {_short(options)}")
        self.options = options
        self._plot_fn = plot_fn
        self._prepare = prepare
        self.title = title if title is not None else getattr(plot_fn, "__name__", "figure").replace("_", " ")

        controlled, fixed = self._resolve_parameters(parameters)
        self.parameters: tuple[ExplorerParameter, ...] = tuple(controlled)
        self.fixed: Mapping[str, Any] = MappingProxyType(fixed)
        all_names = [p.name for p in controlled] + list(fixed)
        self._check_plot_fn(all_names)
        self._prepare_names: tuple[str, ...] = self._prepare_parameters(all_names)
        self._alt = alt
        self._check_alt({p.name: p.default for p in controlled} | fixed)

        self._frames: dict[tuple[int, ...], ExplorerFrame] = {}
        self._prepared: OrderedDict[tuple[Any, ...], tuple[bool, Any]] = OrderedDict()
        self._figure: Figure | None = None
        self._serial = next(ExplorerBase._counter)
        self.last_frame: ExplorerFrame | None = None

    # -- validation ---------------------------------------------------------------------------

    def _resolve_parameters(self, parameters: Mapping[str, Any]) -> tuple[list[ExplorerParameter], dict[str, Any]]:
        """The controlled parameters (in order) and the fixed values; checks names and grid size."""
        controlled: list[ExplorerParameter] = []
        fixed: dict[str, Any] = {}
        for name, raw in parameters.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise InvalidArgumentError(f"parameter names must be Python identifiers, got {name!r}")
            if name in _RESERVED:
                raise InvalidArgumentError(f"parameter name {name!r} is reserved for the figure passed to plot_fn")
            param = _as_spec(name, raw).resolve(name)
            if param.kind == "fixed":
                fixed[name] = param.default
            else:
                controlled.append(param)
        if not controlled:
            raise InvalidArgumentError("explorer needs at least one parameter with more than one value to control")
        times = [p.name for p in controlled if p.kind == "time"]
        if len(times) > 1:
            raise InvalidArgumentError(f"an explorer has at most one Time parameter, got {times}")
        n_frames = math.prod(p.size for p in controlled)
        if n_frames > self.options.max_frames:
            sizes = " x ".join(f"{p.size} ({p.name})" for p in controlled)
            raise InvalidArgumentError(
                f"the grid has {sizes} = {n_frames} frames, more than max_frames={self.options.max_frames}; "
                f"use fewer values per parameter or raise ExplorerOptions.max_frames"
            )
        return controlled, fixed

    def _check_plot_fn(self, all_names: list[str]) -> None:
        """``plot_fn`` accepts every parameter and is given every one it requires."""
        plot_fn, prepare = self._plot_fn, self._prepare
        names, var_kw, required, positional = _accepted_names(plot_fn)
        self._accepts_fig = "fig" in names
        offset = 1 if prepare is not None else 0
        if prepare is not None and positional < 1 and not var_kw:
            raise InvalidArgumentError("with prepare=, plot_fn must take the prepared result as its first positional argument")
        if not var_kw:
            for name in all_names:
                if name not in names:
                    raise InvalidArgumentError(
                        f"plot_fn {getattr(plot_fn, '__name__', plot_fn)!r} has no parameter {name!r}; "
                        f"it accepts {sorted(names - {'fig'})}"
                    )
        skip = set(list(inspect.signature(plot_fn).parameters)[:offset]) if offset and names else set()
        for name in required:
            if name not in all_names and name != "fig" and name not in skip:
                raise InvalidArgumentError(
                    f"plot_fn requires parameter {name!r}, which explorer was not given "
                    f"(give a range, a list of choices, or Fixed(value))"
                )

    def _prepare_parameters(self, all_names: list[str]) -> tuple[str, ...]:
        """The parameters ``prepare`` is called with (and cached on)."""
        if self._prepare is None:
            return ()
        times = [p.name for p in self.parameters if p.kind == "time"]
        p_names, p_var_kw, p_required, _ = _accepted_names(self._prepare)
        if p_var_kw:
            return tuple(n for n in all_names if n not in times)
        missing = [n for n in p_required if n not in all_names]
        if missing:
            raise InvalidArgumentError(f"prepare requires {missing}, which are not parameters of the explorer")
        return tuple(n for n in all_names if n in p_names)

    def _check_alt(self, defaults: dict[str, Any]) -> None:
        """An alt template formats the default values; otherwise alt is a callable or None."""
        alt = self._alt
        if isinstance(alt, str):
            try:
                alt.format(**defaults, title="title")
            except (KeyError, IndexError) as exc:
                raise InvalidArgumentError(
                    f"alt template {alt!r} refers to {exc}, which is not a parameter; "
                    f"fields available: {sorted(defaults) + ['title']}"
                ) from None
            except ValueError as exc:
                raise InvalidArgumentError(f"alt template {alt!r} does not format the default values: {exc}") from None
        elif alt is not None and not callable(alt):
            raise ArgumentTypeError(f"alt must be a str template, a callable or None, got {_short(alt)}")

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
            raise InvalidArgumentError(f"grid index {key} is outside the grid of shape {self.shape}")
        params = {p.name: p.values[k] for k, p in zip(key, self.parameters, strict=True)}
        params.update(self.fixed)
        return params

    def key_for(self, **values: Any) -> tuple[int, ...]:
        """The grid index of the given parameter values (missing ones take their default)."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise InvalidArgumentError(f"not a controlled parameter: {sorted(unknown)}; "
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
                    raise ArgumentTypeError(str(exc)) from None
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

    def __repr__(self) -> str:
        dims = ", ".join(f"{p.name}: {p.size} values" for p in self.parameters)
        return f"<Explorer {self.title!r} ({dims}; {self.n_frames} frames)>"
