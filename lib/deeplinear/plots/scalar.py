r"""Figures of scalar networks (all widths one): phase portraits and trajectories.

The scalar chain of depth ``h`` has the flow
:math:`\dot w_i = \prod_{j\ne i} w_j\,(\sigma - \prod_j w_j)` and the conserved quantities
:math:`w_{i+1}^2 - w_i^2`. For ``h = 2`` the sum
:math:`s = w_1 + w_2` obeys :math:`\dot s = (\sigma - w_1 w_2)\,s`, so its sign is invariant:
the line :math:`w_1 = -w_2` is the stable manifold of the saddle at the origin, and every other
trajectory converges to the point of the hyperbola of minima :math:`w_1 w_2 = \sigma` on its
own side of that line with the same conserved :math:`c = w_2^2 - w_1^2`
(:func:`deeplinear.scalar_h2_limit`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_items, as_positive
from ..scalar import _as_point, _as_sigma, scalar_flow, scalar_h2_limit, scalar_vector_field
from .style import OKABE_ITO
from ..errors import InvalidArgumentError

__all__ = [
    "scalar_phase_portrait",
    "scalar_phase_portrait_at",
    "scalar_h3_figure",
]


def _axes(fig, width: float, height: float):
    """One axes with fixed margins (the figure is redrawn per explorer frame, and the
    constrained layout pass would cost more than the drawing)."""
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height))
    elif fig.get_layout_engine() is not None:
        raise InvalidArgumentError("fig must not use a layout engine (these figures set fixed margins)")
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.64, bottom=0.11, top=0.92)
    return fig, ax


def scalar_phase_portrait(
    sigma: float = 1.0,
    w0: Sequence[float] | None = None,
    *,
    extent: float = 2.0,
    t_max: float = 30.0,
    fig=None,
):
    r"""Phase portrait of the scalar network of depth two, optionally with one trajectory.

    Drawn: the orbits, which are the level curves of the conserved :math:`c = w_2^2 - w_1^2`
    (thin grey hyperbolas) with arrows of the vector field; the hyperbola of global minima
    :math:`w_1 w_2 = \sigma`; the stable manifold :math:`w_1 = -w_2` and the unstable manifold
    :math:`w_1 = w_2` of the saddle at the origin. With ``w0``, the trajectory from ``w0``
    (black, from :func:`deeplinear.scalar_flow` over ``[0, t_max]``) and its limit from
    :func:`deeplinear.scalar_h2_limit` (cross).

    The flow is

    .. math:: \dot w_1 = w_2\,(\sigma - w_1 w_2), \qquad \dot w_2 = w_1\,(\sigma - w_1 w_2).

    Parameters
    ----------
    sigma : float, default 1.0
        The positive target :math:`\sigma` of the scalar network.
    w0 : (float, float), optional
        Initial point of the highlighted trajectory.
    extent : float, default 2.0
        The axes show ``[-extent, extent]^2`` (fixed, so that figures compare).
    t_max : float, default 30.0
        Flow time of the highlighted trajectory.
    fig : matplotlib Figure, optional
        Figure to draw into (an explorer's); it must not use a layout engine. By default a
        new figure.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number or ``w0`` is not a sequence of numbers.
    ValueError
        If ``sigma`` or ``extent`` is not positive and finite, if ``w0`` does not hold two
        finite numbers, or if ``fig`` uses a layout engine.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.scalar_phase_portrait(1.0, (0.5, -0.2), t_max=5.0)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    s = _as_sigma(sigma)
    extent = as_positive(extent, "extent")
    if w0 is not None:
        w0 = _as_point(w0, h=2)
    fig, ax = _axes(fig, 6.4, 4.2)
    g = np.linspace(-extent, extent, 241)
    X, Y = np.meshgrid(g, g)
    C = Y**2 - X**2
    levels = np.linspace(-extent**2, extent**2, 17)
    levels = levels[np.abs(levels) > 1e-12]
    ax.contour(X, Y, C, levels=levels, colors="0.78", linewidths=0.7, linestyles="solid", zorder=1)
    q = np.linspace(-extent, extent, 13)
    QX, QY = np.meshgrid(q, q)
    V = scalar_vector_field(np.stack([QX, QY], axis=-1), s)
    speed = np.hypot(V[..., 0], V[..., 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        U = np.where(speed > 0, V[..., 0] / speed, 0.0)
        W = np.where(speed > 0, V[..., 1] / speed, 0.0)
    ax.quiver(QX, QY, U, W, color="0.55", angles="xy", scale=30, width=0.003, headwidth=4, zorder=2)
    branch = np.linspace(s / extent, extent, 300)
    for sign in (1, -1):
        ax.plot(sign * branch, sign * s / branch, color=OKABE_ITO[1], lw=2.4, zorder=3,
                label=rf"global minima $w_1 w_2 = \sigma$" if sign == 1 else None)
    line = np.array([-extent, extent])
    ax.plot(line, -line, color=OKABE_ITO[0], lw=2.0, zorder=3, label=r"stable manifold $w_1 = -w_2$")
    ax.plot(line, line, color=OKABE_ITO[5], lw=1.6, ls="--", zorder=3, label=r"unstable manifold $w_1 = w_2$")
    ax.plot([0], [0], "o", color=OKABE_ITO[3], ms=8, zorder=5, label="saddle (origin)")
    title = f"h = 2, σ = {s:g}"
    if w0 is not None:
        fl = scalar_flow(w0, s, t_max, n_points=151)
        ax.plot(fl.w[:, 0], fl.w[:, 1], color=OKABE_ITO[7], lw=2.2, zorder=6, label="trajectory")
        ax.plot([w0[0]], [w0[1]], "o", mfc="white", mec=OKABE_ITO[7], ms=7, mew=1.6, zorder=7)
        lim = scalar_h2_limit(w0, s)
        ax.plot([lim[0]], [lim[1]], "X", color=OKABE_ITO[7], ms=9, zorder=7, label="limit (closed form)")
        title += f": from ({w0[0]:g}, {w0[1]:g}) to ({lim[0]:.3f}, {lim[1]:.3f})"
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$w_1$")
    ax.set_ylabel(r"$w_2$")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=7.5, frameon=False)
    return fig


def scalar_phase_portrait_at(w1_0: float = 0.5, w2_0: float = -0.5, sigma: float = 1.0, *, fig=None):
    r""":func:`scalar_phase_portrait` with the trajectory from :math:`(w_1(0), w_2(0))` = ``(w1_0, w2_0)``.

    The explorer of the chapter on scalar networks: one parameter per coordinate of the
    initial point, and the target ``sigma``. The trajectory is followed over ``t_max = 30``
    and the axes show ``[-2, 2]^2``.

    Parameters
    ----------
    w1_0, w2_0 : float, default 0.5 and -0.5
        The initial point :math:`(w_1(0), w_2(0))`.
    sigma : float, default 1.0
        The positive target.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); it must not use a layout engine.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError, ValueError
        As :func:`scalar_phase_portrait`: for a non-positive ``sigma``, a non-finite initial
        point, or a ``fig`` with a layout engine.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.scalar_phase_portrait_at(0.8, 0.1, 1.0)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    return scalar_phase_portrait(sigma, (w1_0, w2_0), fig=fig)


def scalar_h3_figure(
    sigma: float = 1.0,
    initial_points: Sequence[Sequence[float]] = ((0.3, 0.3, 1.0), (0.3, -0.3, 1.0), (-0.5, -0.5, -0.5)),
    *,
    t_max: float = 40.0,
    extent: float = 1.5,
):
    r"""Trajectories of the scalar network of depth three, and how fast they converge.

    Left: the trajectories in :math:`(w_1, w_2, w_3)`-space with the saddle set (the three
    coordinate axes, where two weights vanish) and the origin. Right: the distance of the loss
    from the critical value it approaches, :math:`|L(t) - L_\infty|` on a log scale, where
    :math:`L_\infty` is the nearer of the only two critical values, ``0`` and
    :math:`\sigma^2/2`: exponential convergence to a global minimum or a strict saddle shows as
    a straight line, algebraic convergence to the non-strict saddle at the origin as a curve
    that flattens.

    Each trajectory is computed by :func:`deeplinear.scalar_flow` (801 points over
    ``[0, t_max]``).

    Parameters
    ----------
    sigma : float, default 1.0
        The positive target :math:`\sigma`.
    initial_points : sequence of (float, float, float)
        Initial points :math:`(w_1, w_2, w_3)(0)`, one trajectory each (at least one).
    t_max : float, default 40.0
        Flow time of every trajectory.
    extent : float, default 1.5
        Half-width of the cube shown on the left.

    Returns
    -------
    matplotlib Figure
        Two axes: the 3-D trajectories and the loss gaps.

    Raises
    ------
    TypeError
        If ``sigma`` or ``t_max`` is not a real number, or a point is not a sequence of numbers.
    ValueError
        If ``sigma`` or ``t_max`` is not positive and finite, if a point does not hold three
        finite numbers, or if ``initial_points`` is empty.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.scalar_h3_figure(1.0, [(0.3, 0.3, 1.0)], t_max=5.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    s = _as_sigma(sigma)
    t_max = as_positive(t_max, "t_max")
    pts = [_as_point(p, f"initial_points[{k}]", h=3) for k, p in enumerate(as_items(initial_points, "initial_points", allow_empty=True))]
    if not pts:
        raise InvalidArgumentError("initial_points must hold at least one point")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 3.9), layout="constrained")
    gs = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.05])
    ax3 = fig.add_subplot(gs[0, 0], projection="3d")
    ax = fig.add_subplot(gs[0, 1])
    ax3.view_init(elev=22, azim=-50)
    ax3.set_box_aspect(None, zoom=0.82)
    fig.get_layout_engine().set(wspace=0.06)
    e = extent
    for k in range(3):
        seg = np.zeros((2, 3))
        seg[:, k] = (-e, e)
        ax3.plot(*seg.T, color="0.55", lw=1.0, ls="--", label="saddles (two weights zero)" if k == 0 else None)
    ax3.scatter([0], [0], [0], color=OKABE_ITO[3], s=30, label="origin (non-strict)")
    colours = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5], OKABE_ITO[4]]
    for k, p in enumerate(pts):
        fl = scalar_flow(p, s, t_max, n_points=801)
        col = colours[k % len(colours)]
        lab = f"from ({p[0]:g}, {p[1]:g}, {p[2]:g})"
        ax3.plot(*fl.w.T, color=col, lw=2.0, label=lab)
        ax3.scatter(*p, color=col, s=18, marker="o")
        ax3.scatter(*fl.w[-1], color=col, s=40, marker="X")
        L_inf = 0.0 if fl.loss[-1] < 0.25 * s * s else 0.5 * s * s
        ax.semilogy(fl.t, np.maximum(np.abs(fl.loss - L_inf), 1e-16), color=col, lw=1.8,
                    label=lab + (r" $\to$ min" if L_inf == 0 else r" $\to$ saddle"))
    for setter in (ax3.set_xlim, ax3.set_ylim, ax3.set_zlim):
        setter(-e, e)
    ax3.set_xlabel(r"$w_1$")
    ax3.set_ylabel(r"$w_2$")
    ax3.set_zlabel(r"$w_3$")
    ax3.tick_params(labelsize=7)
    ax3.set_title(rf"$h = 3$, $\sigma = {s:g}$", fontsize=9)
    ax3.legend(fontsize=6, loc="upper left")
    ax.set_ylim(1e-14, 10.0)
    ax.set_xlim(0.0, t_max)
    ax.set_xlabel("flow time $t$")
    ax.set_ylabel(r"$|L(t) - L_\infty|$")
    ax.set_title("exponential versus algebraic convergence", fontsize=9)
    ax.legend(fontsize=6.5, loc="upper right")
    return fig
