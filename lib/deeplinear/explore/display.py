"""The explorer itself: :class:`Explorer` (the live and static forms over one grid, the form
chosen when it is displayed) and the entry point :func:`explorer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from .live import LiveExplorer
from .options import ExplorerOptions, static_build_requested
from .static import StaticExplorer
from ..errors import InvalidArgumentError

__all__ = ["Explorer", "explorer"]


class Explorer(LiveExplorer, StaticExplorer):
    """An interactive figure over a grid of parameter values, live or static.

    Build one with :func:`explorer`. Display it (last expression of a cell) to get the form
    chosen by ``options.mode``; :attr:`widget` and :meth:`static_html` give either form
    explicitly. The property ``mode`` says which form is displayed now (``"live"`` or
    ``"static"``, with ``"auto"`` resolved by
    :func:`~deeplinear.explore.static_build_requested`).

    Parameters
    ----------
    plot_fn : callable
        The plotting function (contract in the :mod:`deeplinear.explore` docstring).
    parameters : Mapping[str, spec]
        Parameter name to spec (:class:`~deeplinear.explore.Range`,
        :class:`~deeplinear.explore.LogRange`, :class:`~deeplinear.explore.Choice`,
        :class:`~deeplinear.explore.Time`, :class:`~deeplinear.explore.Fixed`, or the
        tuple/list shorthands).
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
        The :class:`~deeplinear.explore.Fixed` parameters.
    last_frame : ExplorerFrame or None
        The frame the live form shows now.

    Raises
    ------
    TypeError, ValueError
        For an invalid spec, plotting function, ``prepare``, ``alt`` or ``options``, or a grid
        too large (see :class:`deeplinear.explore.core.ExplorerBase`).

    Examples
    --------
    >>> def plot(a, n, fig):
    ...     fig.add_subplot().plot([0, 0.5, 1], [0, a * 0.5**n, a])
    >>> ex = dl.explore.Explorer(plot, {"a": (0.5, 2.0, 0.5), "n": [1, 2, 3]})
    >>> ex
    <Explorer 'plot' (a: 4 values, n: 3 values; 12 frames)>
    >>> ex.default_params
    {'a': 1.0, 'n': 1}
    """

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


def explorer(
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
        choices, :class:`~deeplinear.explore.LogRange`, :class:`~deeplinear.explore.Time` or
        :class:`~deeplinear.explore.Fixed`.

    Returns
    -------
    Explorer
        Displays as ipywidgets in a live kernel and as a self-contained HTML explorer when
        ``DEEPLINEAR_BUILD=1`` (see the :mod:`deeplinear.explore` docstring).

    Raises
    ------
    ValueError
        For an invalid spec, naming the parameter and the bad value; for a parameter given both
        as a keyword and in ``params``; and for the checks of the whole listed in
        :class:`deeplinear.explore.core.ExplorerBase` (parameters ``plot_fn`` does not accept,
        two time parameters, a grid larger than ``options.max_frames``, ...).
    TypeError
        For a spec of the wrong type, a ``plot_fn`` or ``prepare`` that is not callable, or
        ``options`` that are not an :class:`~deeplinear.explore.ExplorerOptions`.

    Examples
    --------
    >>> def curve(a, n, fig):
    ...     ax = fig.add_subplot()
    ...     x = np.linspace(0, 1, 50)
    ...     ax.plot(x, a * x**n)
    ...     ax.set_title(f"a x^n with n = {n}")
    >>> ex = dl.explore.explorer(curve, a=(0.5, 2.0, 0.5), n=[1, 2, 3],
    ...                          options=dl.explore.ExplorerOptions(figsize=(2, 1.5), dpi=50))
    >>> ex.shape, ex.default_params
    ((4, 3), {'a': 1.0, 'n': 1})
    >>> ex.frame().alt
    'A x^n with n = 1, for a = 1, n = 1.'
    """
    specs = dict(parameters)
    for name, spec in (params or {}).items():
        if name in specs:
            raise InvalidArgumentError(f"parameter {name!r} given twice (as a keyword and in params=)")
        specs[name] = spec
    return Explorer(plot_fn, specs, prepare=prepare, alt=alt, title=title, options=options)
