"""Shared figure style: the colour-blind-safe palette and small helpers.

Every figure of :mod:`deeplinear.plots` draws with these two constants:

``OKABE_ITO``
    The colour-blind-safe palette of Okabe and Ito (2008), "Color Universal Design": a tuple
    of eight hex colour strings, in order blue ``#0072B2``, orange ``#E69F00``, bluish green
    ``#009E73``, reddish purple ``#CC79A7``, sky blue ``#56B4E9``, vermillion ``#D55E00``,
    yellow ``#F0E442`` and black ``#000000``. Its colours stay distinguishable under the
    common forms of colour-vision deficiency. Figures index it (``OKABE_ITO[0]`` is blue).
``DIVERGING_CMAP``
    A matplotlib ``LinearSegmentedColormap`` named ``"dl_diverging"`` for signed quantities
    such as weight matrices: blue (``#0072B2``) for negative values, near-white (``#f7f7f7``)
    at the centre, orange (``#E69F00``) for positive values; it stays readable in grey.
    Use it with a symmetric colour range (``vmin=-m, vmax=m``) so that zero is white.

.. rubric:: Examples

>>> len(dl.plots.OKABE_ITO), dl.plots.OKABE_ITO[0]
(8, '#0072B2')
>>> dl.plots.DIVERGING_CMAP.name
'dl_diverging'
"""

from __future__ import annotations

import matplotlib
from .._validation import as_int, as_positive
from ..errors import InvalidArgumentError

__all__ = ["OKABE_ITO", "DIVERGING_CMAP", "new_figure"]

#: Okabe and Ito (2008), "Color Universal Design": distinguishable under the common
#: forms of colour-vision deficiency.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Diverging map for signed weights (blue negative, orange positive), readable in grey too.
DIVERGING_CMAP = matplotlib.colors.LinearSegmentedColormap.from_list(
    "dl_diverging", ["#0072B2", "#f7f7f7", "#E69F00"]
)


#: The figures that draw flows from unbalanced starts (``unbalanced_figure``, ``imbalance_figure``)
#: accept imbalances up to this many times the scale of their target: beyond it the imbalance
#: alone sets the dynamics (the figure draws a step at t = 0 that every larger one draws alike)
#: and the flow is stiff in proportion to it.
IMBALANCE_FACTOR = 100.0


#: Why the scalar law's figures stop at ``|c| = IMBALANCE_FACTOR * sigma``.
SCALAR_IMBALANCE_WHY = ("the product then reaches sigma/2 within 0.7/|c|, a step at t = 0 that every larger |c| draws "
                        "alike, and the flow is stiff (its rate is about |c|)")


def check_imbalances(values: list[float], bound: float, name: str, bound_text: str, why: str) -> None:
    """Raise an ``InvalidArgumentError`` naming the first of ``values`` whose size exceeds ``bound``."""
    for v in values:
        if abs(v) > bound:
            raise InvalidArgumentError(f"{name}: {v:g} exceeds {bound_text} = {bound:g}, the largest imbalance the "
                                       f"figure draws: {why}")


def new_figure(ncols: int = 1, *, width: float = 6.4, height: float = 3.6, **kwargs):
    """A figure with ``ncols`` axes side by side, sized for the book's text column.

    Uses ``matplotlib.figure.Figure`` directly (not pyplot), so figures made in loops are
    garbage-collected and never displayed twice in a notebook. The figure uses the
    constrained layout.

    Parameters
    ----------
    ncols : int, default 1
        Number of axes, side by side in one row.
    width, height : float, default 6.4 and 3.6
        Size of the figure in inches.
    **kwargs
        Passed to ``Figure.subplots`` (for example ``gridspec_kw`` or ``sharey``).

    Returns
    -------
    fig : matplotlib Figure
    axes : matplotlib Axes or ndarray of Axes
        One ``Axes`` when ``ncols == 1``, otherwise an array of shape ``(ncols,)``
        (as ``Figure.subplots`` returns them).

    Examples
    --------
    >>> fig, axes = dl.plots.new_figure(2, width=4.0, height=2.0)
    >>> len(fig.axes), fig.get_size_inches().tolist()
    (2, [4.0, 2.0])
    """
    from matplotlib.figure import Figure

    ncols = as_int(ncols, "ncols", minimum=1)
    width, height = as_positive(width, "width"), as_positive(height, "height")
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, **kwargs)
    return fig, axes


def axes_row(fig, ncols: int, width: float, height: float, *, margins=None):
    """``ncols`` axes side by side, in a new figure or in the one an explorer passes.

    With ``margins=None`` the figure uses the constrained layout. Otherwise ``margins`` is
    ``(left, right, bottom, top, wspace)``, the first four in inches: fixed margins are
    cheaper than a layout pass for figures redrawn for every explorer frame. Returns the
    figure and a list of the axes.
    """
    from matplotlib.figure import Figure

    if fig is None:
        fig = Figure(figsize=(width, height), layout="constrained" if margins is None else None)
    elif margins is None:
        fig.set_layout_engine("constrained")
    elif fig.get_layout_engine() is not None:
        raise InvalidArgumentError("fig must not use a layout engine (this figure sets fixed margins)")
    axes = fig.subplots(1, ncols)
    if margins is not None:
        left, right, bottom, top, wspace = margins
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h, wspace=wspace)
    return fig, (list(axes) if ncols > 1 else [axes])
