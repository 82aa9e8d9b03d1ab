r"""Figures of the invariants of the flow: the commutator blocks and the similarity symmetry.

The measurements drawn here are :func:`deeplinear.commutator_block_drift` and
:func:`deeplinear.symmetry_defect` (in :mod:`deeplinear.invariants`).

* :func:`commutator_drift_figure`: how far each diagonal block of :math:`[A^\top, A]` has moved
  from its initial value along a trajectory. The inner (hidden-layer) blocks are the conserved
  quantities :math:`C_i` and stay at rounding level; the outer blocks :math:`W_1^\top W_1` and
  :math:`-W_h W_h^\top` move (Wendin and Altafini, arXiv:2511.10362). A second
  panel shows the loss, the Lyapunov function of the flow.
* :func:`symmetry_figure`: the flow from :math:`W(0)` and from :math:`T\cdot W(0)` for a
  hidden-layer transform :math:`T`; the loss starts equal, and the distance between the second
  trajectory and the transformed first one, :math:`\lVert W'(t) - T\cdot W(t)\rVert`, is at
  rounding level exactly when :math:`T` is orthogonal.
* :func:`random_symmetry_figure`: the same for a random transform of a given condition number,
  the explorer of the chapter on invariants.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_int, as_positive, as_real_array, as_weights, as_widths, widths_of
from ..flow import gradient_flow
from ..trajectory import Trajectory
from ..invariants import _check_trajectory, _check_transforms, commutator_block_drift, gl_action, random_gl, symmetry_defect
from ..init import random_init
from .style import OKABE_ITO, new_figure
from ..errors import InvalidArgumentError

__all__ = [
    "commutator_drift_figure",
    "symmetry_figure",
    "random_symmetry_figure",
]

#: Drifts below this are drawn at this value, so that exact zeros (at t = 0) show on a log axis.
DRIFT_FLOOR = 1e-17


def _axes(fig, ncols: int, width: float, height: float):
    """Axes side by side, in a new figure or in the one an explorer passes.

    Fixed margins instead of the constrained layout: these figures are redrawn for every
    explorer frame, and the layout pass costs more than the drawing.
    """
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height))
    elif fig.get_layout_engine() is not None:
        raise InvalidArgumentError("fig must not use a layout engine (these figures set fixed margins)")
    axes = fig.subplots(1, ncols)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.13, top=0.84, wspace=0.42)
    return fig, (axes if ncols > 1 else [axes])


def _block_labels(h: int) -> list[str]:
    return [r"$W_1^\top W_1$ (outer)"] + [f"$C_{i}$" for i in range(1, h)] + [rf"$-W_{h} W_{h}^\top$ (outer)"]


def commutator_drift_figure(trajectory: Trajectory, *, ylim: tuple[float, float] = (1e-17, 1e2), fig=None):
    r"""Drift of the diagonal blocks of :math:`[A^\top, A]` along a trajectory, beside its loss.

    Left: :func:`deeplinear.commutator_block_drift` on a log scale (zeros drawn at ``1e-17``); the two
    outer blocks in warm colours, the conserved inner blocks in cool ones. Right: the loss
    :math:`L(t)`, non-increasing because :math:`\dot L = -\lVert\nabla L\rVert^2`.

    Parameters
    ----------
    trajectory : deeplinear.trajectory.Trajectory
        From :func:`deeplinear.gradient_flow`, depth ``h >= 2``.
    ylim : (float, float), default (1e-17, 1e2)
        Limits of the drift axis (fixed, so that figures compare).
    fig : matplotlib Figure, optional
        Draw into this figure (as an explorer does; it must not use a layout engine); a new
        one otherwise.

    Returns
    -------
    matplotlib Figure
        Two axes: the drifts and the loss.

    Raises
    ------
    TypeError
        If ``trajectory`` is not a ``Trajectory``.
    ValueError
        If the depth is below 2, ``ylim`` is not ``(lo, hi)`` with ``0 < lo < hi``, or ``fig``
        uses a layout engine.

    References
    ----------
    Wendin and Altafini, arXiv:2511.10362.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> W0 = dl.random_init((2, 3, 2), rng, 0.5)
    >>> tr = dl.gradient_flow(W0, np.diag([2.0, 1.0]), (0.0, 3.0), t_eval=np.linspace(0, 3, 16))
    >>> fig = dl.plots.commutator_drift_figure(tr)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    tr = _check_trajectory(trajectory)
    lo, hi = (float(x) for x in ylim)
    if not (0 < lo < hi):
        raise InvalidArgumentError(f"ylim must be (lo, hi) with 0 < lo < hi for a log axis, got {ylim!r}")
    drift = commutator_block_drift(tr)
    h = len(tr.widths) - 1
    if fig is None:
        fig, (ax, ax_l) = new_figure(2, width=7.6, height=3.4)
    else:
        fig, (ax, ax_l) = _axes(fig, 2, 7.6, 3.4)
    labels = _block_labels(h)
    inner_colours = [OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[4], OKABE_ITO[3], OKABE_ITO[7]]
    for k in range(h + 1):
        outer = k in (0, h)
        colour = (OKABE_ITO[1] if k == 0 else OKABE_ITO[5]) if outer else inner_colours[(k - 1) % len(inner_colours)]
        style = ("-" if k == 0 else "-.") if outer else "--"
        ax.semilogy(tr.t, np.maximum(drift[:, k], DRIFT_FLOOR), color=colour, lw=(3.0 if k == 0 else 1.6) if outer else 1.4,
                    ls=style, label=labels[k])
    ax.set_ylim(lo, hi)
    ax.set_xlim(float(tr.t[0]), float(tr.t[-1]))
    ax.set_xlabel("flow time $t$")
    ax.set_ylabel(r"$\|B_k(t) - B_k(0)\|_F$")
    ax.set_title(r"diagonal blocks $B_k$ of $[A^\top, A]$", fontsize=9)
    ax.legend(fontsize=7, loc="center right", framealpha=0.9)
    ax_l.plot(tr.t, tr.loss, color=OKABE_ITO[0], lw=1.8, label="$L(t)$")
    ax_l.axhline(float(tr.loss[-1]), color="0.5", lw=0.8, ls=":", label=f"L at t = {tr.t[-1]:g}: {tr.loss[-1]:.3g}")
    ax_l.set_xlim(float(tr.t[0]), float(tr.t[-1]))
    ax_l.set_ylim(0.0, 1.05 * float(np.max(tr.loss)) + 1e-12)
    ax_l.set_xlabel("flow time $t$")
    ax_l.set_ylabel("loss $L$")
    ax_l.set_title("the loss is a Lyapunov function", fontsize=9)
    ax_l.legend(fontsize=7)
    return fig


def symmetry_figure(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    Ts: Sequence[np.ndarray],
    *,
    t_max: float = 8.0,
    n_points: int = 81,
    title: str | None = None,
    fig=None,
):
    r"""The flow from :math:`W(0)` and from :math:`T\cdot W(0)`: same loss at the start,
    different dynamics unless :math:`T` is orthogonal.

    Left: the loss along both trajectories. Right: :func:`deeplinear.symmetry_defect` on a log scale
    (fixed limits ``1e-16`` to ``1e2``; values below are drawn at ``1e-16``).

    The transform acts on the hidden layers as
    :math:`T\cdot W = (T_1 W_1, T_2 W_2 T_1^{-1}, \dots, W_h T_{h-1}^{-1})`
    (:func:`deeplinear.gl_action`); both flows are integrated by
    :func:`deeplinear.gradient_flow`.

    Parameters
    ----------
    weights0 : list of ndarray
        :math:`W(0)`, depth ``h >= 2``; ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    Ts : list of ndarray
        ``h - 1`` invertible hidden-layer matrices, ``T_i`` of shape ``(d_i, d_i)``
        (see :func:`deeplinear.random_gl`).
    t_max : float, default 8.0
        Flow time.
    n_points : int, default 81
        Number of sampling times in ``[0, t_max]``.
    title : str, optional
        Title of the figure.
    fig : matplotlib Figure, optional
        Figure to draw into (an explorer's; it must not use a layout engine).

    Returns
    -------
    matplotlib Figure
        Two axes: the losses and the defect.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices or ``Ts`` is not a list.
    ValueError
        If the depth is below 2, ``Ts`` does not hold ``h - 1`` invertible matrices of the
        hidden widths, ``t_max`` is not positive, ``n_points < 2``, ``Sigma`` has the wrong
        shape, or ``fig`` uses a layout engine.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> W0 = dl.random_init((2, 3, 2), rng, 0.5)
    >>> Ts = dl.random_gl((2, 3, 2), rng, cond=3.0)
    >>> fig = dl.plots.symmetry_figure(W0, np.diag([2.0, 1.0]), Ts, t_max=2.0, n_points=11)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    W0 = as_weights(weights0)
    if len(W0) < 2:
        raise InvalidArgumentError(f"the symmetry acts on hidden layers: depth h >= 2 needed, got h = {len(W0)}")
    T_list = _check_transforms(Ts, widths_of(W0))
    t_max = as_positive(t_max, "t_max")
    n_points = as_int(n_points, "n_points", minimum=2)
    t_eval = np.linspace(0.0, t_max, n_points)
    V0 = gl_action(W0, T_list)
    tr = gradient_flow(W0, Sigma, (0.0, t_max), t_eval=t_eval)
    tr_T = gradient_flow(V0, Sigma, (0.0, t_max), t_eval=t_eval)
    defect = symmetry_defect(tr, tr_T, T_list)
    fig, (ax_l, ax_d) = _axes(fig, 2, 7.6, 3.4)
    ax_l.plot(tr.t, tr.loss, color=OKABE_ITO[0], lw=2.2, label=r"from $W(0)$")
    ax_l.plot(tr_T.t, tr_T.loss, color=OKABE_ITO[1], lw=1.6, ls="--", label=r"from $T\cdot W(0)$")
    top = max(float(np.max(tr.loss)), float(np.max(tr_T.loss)))
    ax_l.set_ylim(0.0, 1.05 * top + 1e-12)
    ax_l.set_xlim(0.0, t_max)
    ax_l.set_xlabel("flow time $t$")
    ax_l.set_ylabel("loss $L$")
    ax_l.set_title("equal loss at $t = 0$", fontsize=9)
    ax_l.legend(fontsize=8)
    ax_d.semilogy(tr.t, np.maximum(defect, 1e-16), color=OKABE_ITO[5], lw=1.8)
    ax_d.set_ylim(1e-16, 1e2)
    ax_d.set_xlim(0.0, t_max)
    ax_d.set_xlabel("flow time $t$")
    ax_d.set_ylabel(r"$\|W'(t) - T\cdot W(t)\|_F$")
    ax_d.set_title(r"distance of $W'(t)$ to $T\cdot W(t)$", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def random_symmetry_figure(
    cond: float = 1.0,
    seed: int = 0,
    *,
    widths: Sequence[int] = (3, 4, 2, 3),
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    scale: float = 0.5,
    t_max: float = 6.0,
    fig=None,
):
    r""":func:`symmetry_figure` for random weights and a random transform of condition number ``cond``.

    The weights are :func:`deeplinear.random_init` with the given ``scale`` and the transforms
    :func:`deeplinear.random_gl` with condition number ``cond`` (``cond = 1`` gives orthogonal
    transforms), both from ``numpy.random.default_rng(seed)``. :math:`\Sigma` is the
    rectangular diagonal matrix of ``singular_values`` (of shape ``(d_h, d_0)``; values beyond
    :math:`\min(d_0, d_h)` are dropped). The flows are sampled at 61 times.

    Parameters
    ----------
    cond : float, default 1.0
        Condition number of every :math:`T_i` (``>= 1``).
    seed : int, default 0
        Seed of the weights and the transforms.
    widths : sequence of int, default (3, 4, 2, 3)
        ``(d_0, ..., d_h)``, depth ``h >= 2``.
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        Diagonal of :math:`\Sigma`.
    scale : float, default 0.5
        Standard deviation of the initial weights.
    t_max : float, default 6.0
        Flow time.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's; it must not use a layout engine).

    Returns
    -------
    matplotlib Figure
        Two axes, as :func:`symmetry_figure`.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers or ``cond`` is not a real number.
    ValueError
        If ``cond < 1``, the widths are invalid, and as :func:`symmetry_figure`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.random_symmetry_figure(2.0, 0, widths=(2, 2, 2), singular_values=(2.0, 1.0), t_max=2.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    d = as_widths(widths)
    cond = as_positive(cond, "cond")
    if cond < 1:
        raise InvalidArgumentError(f"cond must be >= 1, got {cond}")
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    W0 = random_init(d, rng, scale)
    Ts = random_gl(d, rng, cond=cond)
    Sigma = np.zeros((d[-1], d[0]))
    sv = as_real_array(singular_values, "singular_values", ndim=1)
    m = min(sv.size, d[0], d[-1])
    Sigma[np.arange(m), np.arange(m)] = sv[:m]
    kind = "orthogonal T" if cond == 1 else f"cond(T_i) = {cond:g}"
    return symmetry_figure(W0, Sigma, Ts, t_max=t_max, n_points=61, title=f"flow from W(0) and from T·W(0), random T with {kind}",
                           fig=fig)
