r"""Figures of the loss landscape of small (scalar) networks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_depths, as_positive, finite_result
from .style import OKABE_ITO, new_figure

__all__ = ["scalar_landscape_figure", "balanced_ray_figure"]


def scalar_landscape_figure(sigma: float = 1.0, *, extent: float = 2.0):
    r"""Contours of :math:`L(w_1, w_2) = \tfrac12 (\sigma - w_2 w_1)^2` for the scalar
    network of depth 2, with the hyperbola of global minima :math:`w_1 w_2 = \sigma` and the
    saddle at the origin.

    .. math:: L(w_1, w_2) = \tfrac12 (\sigma - w_2 w_1)^2

    The filled contours use levels at quantiles of :math:`L` over the square shown, so that
    the valley along the hyperbola is resolved.

    Parameters
    ----------
    sigma : float, default 1.0
        The positive target :math:`\sigma`.
    extent : float, default 2.0
        The axes show ``[-extent, extent]^2``.

    Returns
    -------
    matplotlib Figure
        Two axes: the contour plot and its colour bar.

    Raises
    ------
    TypeError
        If ``sigma`` or ``extent`` is not a real number.
    ValueError
        If ``sigma`` or ``extent`` is not positive and finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.scalar_landscape_figure(1.0, extent=1.5)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    sigma = as_positive(sigma, "sigma")
    extent = as_positive(extent, "extent")
    fig, ax = new_figure(width=4.2, height=3.8)
    w = np.linspace(-extent, extent, 301)
    W1, W2 = np.meshgrid(w, w)
    with np.errstate(over="ignore", invalid="ignore"):
        L = finite_result(0.5 * (sigma - W1 * W2) ** 2, "scalar_landscape_figure", "sigma or extent")
    levels = np.quantile(L, np.linspace(0.02, 0.9, 14))
    cs = ax.contourf(W1, W2, L, levels=np.unique(np.concatenate([[0], levels, [L.max()]])), cmap="cividis")
    fig.colorbar(cs, ax=ax, label=r"loss $L$", shrink=0.85)
    branch = np.linspace(sigma / extent, extent, 200)
    for s in (1, -1):
        ax.plot(s * branch, s * sigma / branch, color=OKABE_ITO[1], lw=2.2,
                label=r"global minima $w_1 w_2 = \sigma$" if s == 1 else None)
    ax.plot([0], [0], "o", color=OKABE_ITO[5], ms=8, label="saddle at the origin")
    ax.set_xlabel(r"$w_1$")
    ax.set_ylabel(r"$w_2$")
    ax.set_aspect("equal")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_title(rf"$L = \frac{{1}}{{2}}(\sigma - w_2 w_1)^2$, $\sigma = {sigma:g}$", fontsize=9)
    return fig


def balanced_ray_figure(sigma: float = 1.0, h: int = 3, *, depths: Sequence[int] = (1, 2, 3, 4), extent: float = 1.4):
    r"""The loss along the balanced ray, :math:`a \mapsto \tfrac12(\sigma - a^h)^2`, for several
    depths, with the depth ``h`` highlighted.

    Near :math:`a = 0` the loss decreases like :math:`-\sigma a^h`: linearly for ``h = 1``,
    quadratically for ``h = 2`` and ever flatter for deeper networks, which is why the
    Hessian at the origin vanishes for :math:`h \ge 3`.

    .. math:: L(a) = \tfrac12 (\sigma - a^h)^2

    Parameters
    ----------
    sigma : float, default 1.0
        The positive target :math:`\sigma`.
    h : int, default 3
        The depth drawn in bold (it need not be one of ``depths``).
    depths : sequence of int, default (1, 2, 3, 4)
        The depths drawn, one curve each.
    extent : float, default 1.4
        The curves are drawn for :math:`a \in [-\text{extent}, \text{extent}]`.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number, or ``h`` or an entry of ``depths`` is not an integer.
    ValueError
        If ``sigma`` is not positive and finite, or ``h`` or an entry of ``depths`` is below 1.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.balanced_ray_figure(1.0, 3, depths=(1, 2, 3))
    >>> len(fig.axes), len(fig.axes[0].lines)
    (1, 4)
    >>> plt.close(fig)
    """
    sigma = as_positive(sigma, "sigma")
    h = as_depth(h)
    with np.errstate(over="ignore"):
        finite_result(np.float64(sigma) ** 2, "balanced_ray_figure", "sigma")  # the loss scale sigma^2 / 2
    fig, ax = new_figure(width=5.0, height=3.4)
    a = np.linspace(-extent, extent, 400)
    for i, k in enumerate(as_depths(depths)):
        bold = k == h
        ax.plot(a, 0.5 * (sigma - a**k) ** 2, color=OKABE_ITO[i % len(OKABE_ITO)], lw=2.6 if bold else 1.2,
                alpha=1.0 if bold else 0.55, label=f"$h = {k}$")
    ax.axhline(0.5 * sigma**2, color="0.5", lw=0.8, ls=":")
    ax.annotate(r"$L(0) = \sigma^2/2$", (extent * 0.98, 0.5 * sigma**2), ha="right", va="bottom", fontsize=8)
    ax.set_ylim(-0.05 * sigma**2, 1.2 * sigma**2 + 0.5)
    ax.set_xlabel(r"$a$ (every weight equal to $a$)")
    ax.set_ylabel(r"$\frac{1}{2}(\sigma - a^h)^2$")
    ax.legend(fontsize=8, ncols=2)
    ax.set_title(rf"loss along the balanced ray, $\sigma = {sigma:g}$, highlighted $h = {h}$", fontsize=9)
    return fig
