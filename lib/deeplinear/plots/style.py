"""Shared figure style: the colour-blind-safe palette and small helpers."""

from __future__ import annotations

import matplotlib

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


def new_figure(ncols: int = 1, *, width: float = 6.4, height: float = 3.6, **kwargs):
    """A figure with ``ncols`` axes side by side, sized for the book's text column.

    Uses ``matplotlib.figure.Figure`` directly (not pyplot), so figures made in loops are
    garbage-collected and never displayed twice in a notebook.
    """
    from matplotlib.figure import Figure

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
        raise ValueError("fig must not use a layout engine (this figure sets fixed margins)")
    axes = fig.subplots(1, ncols)
    if margins is not None:
        left, right, bottom, top, wspace = margins
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h, wspace=wspace)
    return fig, (list(axes) if ncols > 1 else [axes])
