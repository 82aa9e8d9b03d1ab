r"""Figures of the chapter on the quotient space: the fibres of the end-to-end map.

The loss depends on the weights only through the end-to-end map,
:math:`L = \ell \circ \pi` with :math:`\pi(W_1, \dots, W_h) = W_{1:h}` (in the network view
:math:`\pi(A) = A^h`). The *fibre* of a point is the set of all networks with the same
end-to-end map; the loss, the product and (on an orbit of the symmetry) criticality stay fixed
along it, while the weights, their norms, the conserved quantities :math:`C_i` and the Hessian
spectrum change (Wendin and Altafini, arXiv:2511.10362; Trager, Kohn and Bruna 2020).

The paths and dimensions drawn here are computed in :mod:`deeplinear.fibres`
(:func:`deeplinear.fiber_path`, :func:`deeplinear.saddle_fiber_path`,
:func:`deeplinear.first_order_fiber_dimension`, :func:`deeplinear.sample_fiber`) and
:mod:`deeplinear.orbits`.

* :func:`fiber_path_figure` -- the measurements of a :class:`deeplinear.fibres.FiberPath` in four panels.
* :func:`deeplinear.saddle_fiber_path` (the explorer's data step: the chapter's saddle and path
  kinds) and :func:`fiber_walk_figure` -- the explorer of the chapter: walk along a fibre
  through a non-strict saddle and watch the weights, norms, conserved quantities and Hessian
  change while the loss does not. Its figure has the size ``WALK_FIGSIZE`` (inches), to pass
  as ``ExplorerOptions(figsize=...)``.
* :func:`fiber_ladder_figure` -- the ladder of critical values, each rung with a cloud of points
  of its fibre (:func:`deeplinear.sample_fiber`) and the dimension of the orbit and of the
  first-order fibre directions at its balanced representative
  (:func:`deeplinear.first_order_fiber_dimension`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from .._validation import as_int, as_positive, as_real_array, as_rng, as_widths
from ..critical import critical_point
from ..quotient import critical_values
from ..fibres import _WALK_SIGMA, _WALK_WIDTHS, FiberPath, first_order_fiber_dimension, sample_fiber
from ..orbits import orbit_dimension
from .style import OKABE_ITO, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "fiber_path_figure",
    "fiber_walk_figure",
    "fiber_ladder_figure",
]


def _norm(W: Sequence[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.sum(w * w)) for w in W))


# --------------------------------------------------------------------------- drawing a path


def _draw_path_panels(axes, path: FiberPath, marker: int | None = None) -> None:
    """The four measurement panels: loss, norms and C_i, lambda_max, lambda_min."""
    ax_l, ax_n, ax_M, ax_m = axes
    s = path.s
    value = float(np.median(path.losses))
    ax_l.plot(s, path.losses, color=OKABE_ITO[0], lw=2.0, label="$L(W(s))$")
    ax_l.set_ylim(max(value - 1.0, -0.05), value + 1.0)
    perr = float(np.max(path.product_error))
    note = (f"product change ≤ {perr:.0e}" if perr > 0 else "product change: 0") + \
        f"\ncritical on the whole path: {'yes' if all(path.critical) else 'no'}"
    ax_l.text(0.03, 0.96, note,
              transform=ax_l.transAxes, fontsize=7, va="top", ha="left", color="0.25")
    ax_l.set_title("stays: the loss", fontsize=9)
    ax_l.set_ylabel("loss $L$")
    ax_n.plot(s, path.norms, color=OKABE_ITO[7], lw=1.8, label=r"$\|W\|_F$")
    cols = (OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[5])
    for i in range(path.imbalance.shape[1]):
        ax_n.plot(s, path.imbalance[:, i], color=cols[i % len(cols)], lw=1.5, ls="--", label=rf"$\|C_{i + 1}\|_F$")
    top = max(float(np.max(path.norms)), float(np.max(path.imbalance, initial=0.0)))
    ax_n.set_ylim(0.0, 1.1 * top + 0.1)
    ax_n.set_title("changes: norms and balance", fontsize=9)
    ax_n.set_ylabel("Frobenius norm")
    ax_n.legend(fontsize=6.5, loc="upper center", framealpha=0.9)
    ax_M.plot(s, path.lambda_max, color=OKABE_ITO[5], lw=1.8)
    ax_M.set_ylim(0.0, 1.1 * float(np.max(path.lambda_max)) + 0.1)
    ax_M.set_title(r"changes: sharpness $\lambda_{\max}$", fontsize=9)
    ax_M.set_ylabel(r"$\lambda_{\max}(\nabla^2 L)$")
    ax_m.plot(s, path.lambda_min, color=OKABE_ITO[0], lw=1.8)
    ax_m.axhline(0.0, color="0.6", lw=0.7, ls=":")
    lo, hi = min(float(np.min(path.lambda_min)), 0.0), max(float(np.max(path.lambda_min)), 0.0)
    ax_m.set_ylim(*((lo - 0.08 * (hi - lo), hi + 0.08 * (hi - lo)) if hi - lo >= 1.0 else (0.5 * (lo + hi) - 0.6, 0.5 * (lo + hi) + 0.6)))
    ax_m.set_title(r"smallest eigenvalue $\lambda_{\min}$", fontsize=9)
    ax_m.set_ylabel(r"$\lambda_{\min}(\nabla^2 L)$")
    lo, hi = float(s.min()), float(s.max())
    for ax in axes:
        ax.set_xlim(lo, hi)
        ax.set_xticks([lo, 0.5 * (lo + hi), hi] if lo < hi else [lo])
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_xlabel("position $s$ on the path")
        ax.tick_params(labelsize=7)
    if marker is not None:
        k = marker
        for ax, y in ((ax_l, path.losses[k]), (ax_n, path.norms[k]), (ax_M, path.lambda_max[k]), (ax_m, path.lambda_min[k])):
            ax.axvline(float(s[k]), color="0.55", lw=0.8)
            ax.plot([float(s[k])], [float(y)], "o", color=OKABE_ITO[5], ms=6, zorder=5)


def fiber_path_figure(path: FiberPath):
    r"""The measurements of a :class:`~deeplinear.fibres.FiberPath` in four panels.

    In a 2 x 2 grid: the loss (flat), the parameter norm with the :math:`\lVert C_i\rVert_F`,
    the largest Hessian eigenvalue (sharpness) and the smallest one, all against the path
    parameter ``s``.

    Parameters
    ----------
    path : deeplinear.fibres.FiberPath
        From :func:`deeplinear.fiber_path` or :func:`deeplinear.saddle_fiber_path`.

    Returns
    -------
    matplotlib Figure
        Four axes: loss, norms, :math:`\lambda_{\max}`, :math:`\lambda_{\min}`.

    Raises
    ------
    TypeError
        If ``path`` is not a ``FiberPath``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> point = dl.critical_point((1,), np.diag([2.0, 1.0]), (2, 2, 2))
    >>> path = dl.fiber_path(point, kind="gl", s=np.linspace(-0.5, 0.5, 5))
    >>> fig = dl.plots.fiber_path_figure(path)
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    if not isinstance(path, FiberPath):
        raise ArgumentTypeError(f"path must be a FiberPath (from fiber_path), got {type(path).__name__}")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 5.4), layout="constrained")
    _draw_path_panels(list(fig.subplots(2, 2).ravel()), path)
    fig.suptitle(f"along a fibre: {path.label}", fontsize=10)
    return fig


# --------------------------------------------------------------------------- the explorer

#: Size of the explorer figure (pass it as ``ExplorerOptions(figsize=...)``).
WALK_FIGSIZE = (7.4, 6.2)


def _walk_axes(fig, h: int):
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=WALK_FIGSIZE)
    elif fig.get_layout_engine() is not None:
        raise InvalidArgumentError("fig must not use a layout engine (the explorer figure sets fixed margins)")
    gs = fig.add_gridspec(3, 4, left=0.1, right=0.975, bottom=0.075, top=0.9, wspace=0.55, hspace=0.6,
                          height_ratios=(0.72, 1.0, 1.0))
    heat = [fig.add_subplot(gs[0, i]) for i in range(min(h, 3))]
    text = fig.add_subplot(gs[0, 3])
    bottom = [fig.add_subplot(gs[r, c:c + 2]) for r in (1, 2) for c in (0, 2)]
    return fig, heat, text, bottom


def fiber_walk_figure(path: FiberPath, kind: str | None = None, s: float = 0.0, *, fig=None):
    r"""One step of a walk along a fibre: the layers at :math:`W(s)`, a read-out of what stays
    and what changes, and the measurements along the whole path with the current point marked.

    Use with :func:`deeplinear.saddle_fiber_path` as ``prepare=`` of
    :func:`deeplinear.explore.explorer`; ``kind`` only names the path.

    Top row: heat maps of the first (at most three) layers of :math:`W(s)` with a common colour
    scale, and the read-out (loss, product change, criticality, type, orbit dimension, norms,
    :math:`\lVert C_i\rVert_F`, extreme Hessian eigenvalues). Below: the four panels of
    :func:`fiber_path_figure` with the current point marked.

    Parameters
    ----------
    path : deeplinear.fibres.FiberPath
        From :func:`deeplinear.saddle_fiber_path` or :func:`deeplinear.fiber_path`.
    kind : str, optional
        Ignored (the explorer passes it).
    s : float, default 0.0
        Position on the path (the closest path parameter is shown).
    fig : matplotlib Figure, optional
        Draw into this figure (as an explorer does; it must not use a layout engine); a new
        one of size ``WALK_FIGSIZE`` otherwise.

    Returns
    -------
    matplotlib Figure
        The heat maps, their colour bar, the read-out and the four path panels.

    Raises
    ------
    TypeError
        If ``path`` is not a ``FiberPath``.
    ValueError
        If ``fig`` uses a layout engine.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> point = dl.critical_point((1,), np.diag([2.0, 1.0]), (2, 2, 2))
    >>> path = dl.fiber_path(point, kind="gl", s=np.linspace(-0.5, 0.5, 5))
    >>> fig = dl.plots.fiber_walk_figure(path, None, 0.25)
    >>> len(fig.axes)
    8
    >>> plt.close(fig)
    """
    if not isinstance(path, FiberPath):
        raise ArgumentTypeError(f"path must be a FiberPath (from saddle_fiber_path or fiber_path), got {type(path).__name__}")
    k = path.index(s)
    W = path.points[k]
    h = len(W)
    fig, heat, text, bottom = _walk_axes(fig, h)
    vmax = max(float(np.max(np.abs(w))) for P in path.points for w in P[:3])
    for i, ax in enumerate(heat):
        im = ax.imshow(W[i], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(f"$W_{i + 1}$ (rank {path.ranks[k, i]})", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    cbar = fig.colorbar(im, ax=heat, shrink=0.9, pad=0.03, fraction=0.04)
    cbar.set_ticks([-round(vmax, 1), 0.0, round(vmax, 1)])
    cbar.ax.tick_params(labelsize=7)
    text.axis("off")
    C = ", ".join(f"{c:.2f}" for c in path.imbalance[k])
    lines = [
        f"s = {path.s[k]:+.2f}",
        f"loss: {path.losses[k]:.6f}",
        f"product change: {path.product_error[k]:.0e}" if path.product_error[k] > 0 else "product change: 0",
        f"critical: {'yes' if path.critical[k] else 'no'}",
        f"type: {path.kinds[k]}",
        f"orbit dimension: {path.orbit_dims[k]}",
        f"norm ||W||: {path.norms[k]:.3f}",
        f"||C_i||: {C}",
        f"lambda_min: {(0.0 if abs(path.lambda_min[k]) < 5e-4 else path.lambda_min[k]):+.3f}",
        f"lambda_max: {path.lambda_max[k]:.2f}",
    ]
    text.text(-0.3, 1.1, "\n".join(lines), va="top", ha="left", fontsize=7.5, family="monospace", transform=text.transAxes)
    _draw_path_panels(bottom, path, marker=k)
    fig.suptitle(f"walking along the fibre of a saddle: {path.label}", fontsize=10, y=0.985)
    return fig


# --------------------------------------------------------------------------- the ladder


def fiber_ladder_figure(
    singular_values: Sequence[float] = _WALK_SIGMA,
    widths: Sequence[int] = _WALK_WIDTHS,
    *,
    n: int = 6,
    seed: int = 0,
    scale: float = 0.8,
):
    r"""The ladder of critical values, each rung with a cloud of points of its fibre.

    For every critical value :math:`L_S` (:func:`deeplinear.critical_values`) the balanced
    representative :math:`A_S` (:func:`deeplinear.critical_point`, a star) and ``n`` points of
    its fibre from :func:`deeplinear.sample_fiber` of each kind: the :math:`GL` orbit (circles)
    and product-preserving factorisation moves (squares), which leave the orbit where layers
    are rank deficient; where there is no such move (invertible square layers) the fibre is
    the orbit and the rung says so. Filled markers are critical
    points, hollow ones are not. The horizontal position is the parameter norm
    :math:`\lVert W\rVert_F`, the height the loss, which is the same for the whole cloud. At the
    right of each rung: the learnt set, the orbit dimension of :math:`A_S` and
    :math:`\dim\ker d\pi` there (:func:`deeplinear.first_order_fiber_dimension`).

    Parameters
    ----------
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        Of the diagonal target :math:`\Sigma` (shape ``(d_h, d_0)``).
    widths : sequence of int, default (3, 3, 3, 3)
        ``(d_0, ..., d_h)``.
    n : int, default 6
        Points per kind and rung (``>= 1``).
    seed : int, default 0
        Seed of the fibre samples (``>= 0``).
    scale : float, default 0.8
        Size of the moves (see :func:`deeplinear.sample_fiber`).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, ``n`` or ``seed`` is not an integer, or
        ``scale`` is not a real number.
    ValueError
        If the widths are invalid, ``n < 1``, ``seed < 0``, ``scale`` is not positive, and as
        :func:`deeplinear.critical_values` for singular values it refuses.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.fiber_ladder_figure((2.0, 1.0), (2, 2, 2), n=2)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    d = as_widths(widths)
    n = as_int(n, "n", minimum=1)
    scale = as_positive(scale, "scale")
    sv = as_real_array(singular_values, "singular_values", ndim=1)
    cv = critical_values(sv, d)
    Sigma = np.zeros((d[-1], d[0]))
    Sigma[np.arange(sv.size), np.arange(sv.size)] = sv
    rng = as_rng(as_int(seed, "seed", minimum=0))
    fig, ax = new_figure(width=7.6, height=5.2)
    shown: set[str] = set()

    def lab(name: str) -> str | None:
        if name in shown:
            return None
        shown.add(name)
        return name

    xmax = 0.0
    rows = []
    stuck: set[tuple[int, ...]] = set()
    for value, subsets in cv:
        for S in subsets:
            cp = critical_point(S, Sigma, d)
            for kind, marker, colour, name in (("gl", "o", OKABE_ITO[0], "GL orbit"),
                                               ("factorisation", "s", OKABE_ITO[1], "factorisation move")):
                fs = sample_fiber(cp, None, rng, n=n, kind=kind, scale=scale)
                moved = np.array([max(float(np.max(np.abs(a - b))) for a, b in zip(p, cp.weights)) > 1e-12
                                  for p in fs.points])
                if kind == "factorisation" and not np.any(moved):
                    stuck.add(S)  # no product-preserving move: the fibre is the orbit here
                    continue
                x = np.array(fs.norms)[moved] if kind == "factorisation" else np.array(fs.norms)
                y = np.array(fs.losses)[moved] if kind == "factorisation" else np.array(fs.losses)
                crit = np.array(fs.critical)[moved] if kind == "factorisation" else np.array(fs.critical)
                for mask, fill, tag in ((crit, colour, "critical"), (~crit, "none", "not critical")):
                    if np.any(mask):
                        ax.plot(x[mask], y[mask], marker, ls="none", ms=6, mfc=fill, mec=colour, mew=1.3, alpha=0.9,
                                label=lab(f"{name}, {tag}"))
                xmax = max(xmax, float(np.max(x)))
            base_norm = _norm(cp.weights)
            ax.plot([base_norm], [cp.value], "*", ms=12, color=OKABE_ITO[7], zorder=5,
                    label=lab("balanced representative $A_S$"))
            rows.append((cp.value, S, orbit_dimension(cp.weights), first_order_fiber_dimension(cp.weights)))
    for value, S, od, kd in rows:
        setname = "{" + ",".join(str(k) for k in S) + "}" if S else "∅"
        ax.axhline(value, color="0.85", lw=0.8, zorder=0)
        note = " (fibre = orbit)" if S in stuck else ""
        ax.text(1.01, value, f"S={setname}: orbit {od}, ker dπ {kd}{note}", transform=ax.get_yaxis_transform(),
                fontsize=7.5, va="center", ha="left", color="0.25")
    ax.set_xlim(-0.2, 1.05 * xmax + 0.2)
    total = 0.5 * float(np.sum(sv**2))
    ax.set_ylim(-0.04 * total - 0.2, 1.06 * total + 0.2)
    ax.set_xlabel(r"parameter norm $\|W\|_F$")
    ax.set_ylabel(r"loss $L$ (the critical value $L_S$)")
    ax.set_title(f"critical values of Σ = diag({', '.join(f'{x:g}' for x in sv)}), widths {d}, with their fibres",
                 fontsize=9)
    order = ["GL orbit, critical", "GL orbit, not critical", "factorisation move, critical", "factorisation move, not critical",
             "balanced representative $A_S$"]
    handles, labels = ax.get_legend_handles_labels()
    pairs = sorted(zip(handles, labels), key=lambda p: order.index(p[1]) if p[1] in order else len(order))
    ax.legend([p[0] for p in pairs], [p[1] for p in pairs], fontsize=7, loc="center right", framealpha=0.92)
    return fig
