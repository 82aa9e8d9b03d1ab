r"""Figures for the chapter on gradient descent and non-quadratic losses (the computations are
in :mod:`deeplinear.descent`).

The threshold :math:`\eta^\star = 2/(h\,\sigma_1^{2-2/h})`, the largest step for which the
balanced global minimum (the flattest one) is linearly stable, is :func:`deeplinear.critical_step`.

* :func:`threshold_figure` draws :func:`deeplinear.threshold_runs`: descent started next to the
  balanced minimum with steps just below and just above :math:`\eta^\star`.
* :func:`drift_scaling_figure` draws :func:`deeplinear.drift_scaling`: the conserved quantities
  drift by exactly :math:`O(\eta^2)` per step and by :math:`O(\eta)` over a whole run.
* :func:`sharpness_selection_figure` draws :func:`deeplinear.sharpness_selection`: from an
  unbalanced start, larger steps end at flatter, more balanced minima, always with
  :math:`\lambda_{\max} < 2/\eta`.
* :func:`nonquadratic_figure` draws :func:`deeplinear.nonquadratic_runs`: flows of the logistic
  loss on separable and non-separable labels and of a Huber loss: the conserved quantities stay
  put while the landscape changes.
* :func:`step_explorer_figure` -- the explorer of the chapter: loss and imbalance drift per
  iteration for a step size relative to :math:`\eta^\star` and a depth.

References: Arora, Cohen, Golowich and Hu (2019); Du, Hu and Lee (2018); Mulayoff and Michaeli
(2020); Ji and Telgarsky (2019); Cohen et al. (2021).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_int, as_items, as_positive
from ..descent import NonQuadraticRun, critical_step
from ..large_steps import DriftScaling, SharpnessSelection, ThresholdRun, _descend
from ..init import random_init
from ..invariants import conserved_quantities
from .style import OKABE_ITO, axes_row
from ..errors import ArgumentTypeError, InvalidArgumentError

_MARGINS = (0.75, 0.15, 0.55, 0.4, 0.35)  # inches (left, right, bottom, top) and wspace: fixed, for explorer frames

__all__ = [
    "threshold_figure",
    "drift_scaling_figure",
    "sharpness_selection_figure",
    "nonquadratic_figure",
    "step_explorer_figure",
]

_FLOOR = 1e-32


# --------------------------------------------------------------------------- the threshold


def threshold_figure(runs: Sequence[ThresholdRun], *, title: str = ""):
    r"""Loss per iteration (log scale) of each :class:`~deeplinear.large_steps.ThresholdRun`, one
    curve per ratio :math:`\eta/\eta^\star`.

    Runs below the threshold are drawn in blue, runs at or above it in vermillion; a run that
    diverged is marked so in the legend. Losses below :math:`10^{-32}` are drawn at that value.

    .. math:: \eta^\star = \frac{2}{h\,\sigma_1^{2-2/h}}

    Parameters
    ----------
    runs : sequence of deeplinear.large_steps.ThresholdRun
        The runs of :func:`deeplinear.threshold_runs` (at least one).
    title : str, optional
        Title of the axes (a default title when empty).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``runs`` is empty or holds anything but ``ThresholdRun``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> runs = dl.threshold_runs(np.diag([2.0, 1.0]), 2, ratios=(0.9, 1.1), steps=200)
    >>> fig = dl.plots.threshold_figure(runs)
    >>> len(fig.axes), len(fig.axes[0].lines)
    (1, 2)
    >>> plt.close(fig)
    """
    runs = as_items(runs, "runs", allow_empty=True)
    if not runs or not all(isinstance(r, ThresholdRun) for r in runs):
        raise ArgumentTypeError("runs must be a non-empty list of ThresholdRun (from threshold_runs)")
    fig, (ax,) = axes_row(None, 1, 6.4, 3.6, margins=_MARGINS)
    styles = ("-", "--", "-.", ":")
    for i, r in enumerate(runs):
        k = np.arange(r.losses.size)
        colour = OKABE_ITO[0] if r.ratio < 1 else OKABE_ITO[5]
        ax.semilogy(k, np.maximum(r.losses, _FLOOR), color=colour, lw=1.6, ls=styles[i % 4],
                    label=f"η/η* = {r.ratio:g}" + (" (diverged)" if r.diverged else ""))
    ax.set_ylim(1e-32, 1.0)
    ax.set_xlim(0, max(r.losses.size - 1 for r in runs))
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel("loss $L(W^{(k)})$")
    ax.set_title(title or "descent next to the balanced minimum", fontsize=9)
    ax.legend(fontsize=7.5, loc="center right")
    return fig


# --------------------------------------------------------------------------- drift


def drift_scaling_figure(scaling: DriftScaling):
    r"""Log-log plot of the one-step drift (slope 2) and the total drift of a run (slope 1)
    against the step size, with the predicted one-step drift as crosses.

    The predicted drift of one step of size :math:`\eta` is
    :math:`\eta^2(G_{i+1}^\top G_{i+1} - G_i G_i^\top)` in :math:`C_i`, with :math:`G_i` the
    gradient in :math:`W_i`. Dashed and dotted grey lines are reference slopes 2 and 1.

    Parameters
    ----------
    scaling : deeplinear.large_steps.DriftScaling
        The result of :func:`deeplinear.drift_scaling`.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``scaling`` is not a ``DriftScaling``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W0 = dl.random_init((2, 2, 2), np.random.default_rng(0), 0.5)
    >>> sc = dl.drift_scaling(W0, np.diag([2.0, 1.0]), [0.01, 0.02, 0.04], time=5.0)
    >>> fig = dl.plots.drift_scaling_figure(sc)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    if not isinstance(scaling, DriftScaling):
        raise ArgumentTypeError(f"scaling must be a DriftScaling (from drift_scaling), got {type(scaling).__name__}")
    fig, (ax,) = axes_row(None, 1, 6.0, 3.8, margins=_MARGINS)
    e = scaling.etas
    ax.loglog(e, scaling.one_step, "o-", color=OKABE_ITO[0], lw=1.6, ms=5, label="one step, measured")
    ax.loglog(e, scaling.predicted, "x", color="black", ms=8, label=r"one step, $\eta^2(G_{i+1}^\top G_{i+1} - G_i G_i^\top)$")
    ax.loglog(e, scaling.total, "s-", color=OKABE_ITO[5], lw=1.6, ms=5, label="whole run (to convergence)")
    ax.loglog(e, scaling.one_step[0] * (e / e[0]) ** 2, color="0.5", lw=0.9, ls="--", label=r"slope 2: $\eta^2$")
    ax.loglog(e, scaling.total[0] * (e / e[0]), color="0.5", lw=0.9, ls=":", label=r"slope 1: $\eta$")
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"$\max_i \|C_i^{(k)} - C_i^{(0)}\|_F$")
    ax.set_title("drift of the conserved quantities under descent", fontsize=9)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


# --------------------------------------------------------------------------- flat minima


def sharpness_selection_figure(sel: SharpnessSelection):
    r"""Left: sharpness of the minimum that descent reaches against :math:`\eta`, under the
    stability limit :math:`2/\eta`, between the flow's limit and the balanced minimum. Right:
    the imbalance of that minimum. Runs that did not converge are marked on the axis.

    The sharpness of the balanced minimum is :math:`h\sigma_1^{2-2/h}`; the imbalance is
    :math:`\max_i\lVert C_i\rVert_F`, and the flow's (conserved) imbalance is drawn for
    comparison.

    Parameters
    ----------
    sel : deeplinear.large_steps.SharpnessSelection
        The result of :func:`deeplinear.sharpness_selection`.

    Returns
    -------
    matplotlib Figure
        Two axes: the sharpness and the imbalance.

    Raises
    ------
    TypeError
        If ``sel`` is not a ``SharpnessSelection``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W0 = dl.random_init((2, 2, 2), np.random.default_rng(3), 0.3)
    >>> W0[0] = 4 * W0[0]
    >>> sel = dl.sharpness_selection(W0, np.diag([2.0, 1.0]), [0.05, 0.15], steps=500)
    >>> fig = dl.plots.sharpness_selection_figure(sel)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(sel, SharpnessSelection):
        raise ArgumentTypeError(f"sel must be a SharpnessSelection (from sharpness_selection), got {type(sel).__name__}")
    fig, (ax_s, ax_i) = axes_row(None, 2, 8.8, 3.6, margins=_MARGINS)
    e = sel.etas
    ok = sel.converged
    grid = np.linspace(float(e[0]), float(e[-1]), 200)
    ax_s.plot(grid, 2.0 / grid, color="0.3", lw=1.2, ls="--", label=r"stability limit $2/\eta$")
    ax_s.axhline(sel.flow_sharpness, color=OKABE_ITO[2], lw=1.2, ls=":", label="limit of the gradient flow")
    ax_s.axhline(sel.balanced_sharpness, color=OKABE_ITO[1], lw=1.2, ls="-.", label=r"balanced minimum $h\sigma_1^{2-2/h}$")
    ax_s.plot(e[ok], sel.sharpness[ok], "o", color=OKABE_ITO[0], ms=5, label="where descent ends")
    top = 1.3 * max(sel.flow_sharpness, sel.balanced_sharpness)
    if np.any(~ok):
        ax_s.plot(e[~ok], np.full(int(np.sum(~ok)), 0.04 * top), "x", color=OKABE_ITO[5], ms=7, label="no convergence")
    ax_s.set_ylim(0.0, top)
    ax_s.set_xlim(0.0, float(e[-1]) * 1.05)
    ax_s.set_xlabel(r"step size $\eta$")
    ax_s.set_ylabel(r"sharpness $\lambda_{\max}$ at the end")
    ax_s.legend(fontsize=7, loc="upper right")
    ax_s.set_title("sharpness where descent ends", fontsize=9)
    ax_i.axhline(sel.flow_imbalance, color=OKABE_ITO[2], lw=1.2, ls=":", label="gradient flow (conserved)")
    ax_i.plot(e[ok], sel.imbalance[ok], "o", color=OKABE_ITO[0], ms=5, label="where descent ends")
    ax_i.set_ylim(0.0, 1.15 * max(sel.flow_imbalance, float(np.nanmax(sel.imbalance, initial=0.0))))
    ax_i.set_xlim(0.0, float(e[-1]) * 1.05)
    ax_i.set_xlabel(r"step size $\eta$")
    ax_i.set_ylabel(r"imbalance $\max_i\|C_i\|_F$ at the end")
    ax_i.legend(fontsize=7, loc="upper right")
    ax_i.set_title("imbalance where descent ends", fontsize=9)
    return fig


# --------------------------------------------------------------------------- other losses


def nonquadratic_figure(runs: Sequence[NonQuadraticRun]):
    r"""Three panels against time (log axis): the loss, the norm of the end-to-end map, and the
    drift of the conserved quantities, one curve per loss.

    The panels draw the fields ``loss``, ``product_norm`` (:math:`\lVert W_{1:h}(t)\rVert_F`)
    and ``drift`` (:math:`\max_i\lVert C_i(t) - C_i(0)\rVert_F`) of each run, for
    :math:`t > 0`.

    Parameters
    ----------
    runs : sequence of deeplinear.descent.NonQuadraticRun
        The runs of :func:`deeplinear.nonquadratic_runs` (at least one).

    Returns
    -------
    matplotlib Figure
        Three axes: loss, norm of the end-to-end map, drift.

    Raises
    ------
    TypeError
        If ``runs`` is empty or holds anything but ``NonQuadraticRun``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> runs = dl.nonquadratic_runs(widths=(2, 2, 1), n_samples=10, t_max=10.0)
    >>> fig = dl.plots.nonquadratic_figure(runs)
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    runs = as_items(runs, "runs", allow_empty=True)
    if not runs or not all(isinstance(r, NonQuadraticRun) for r in runs):
        raise ArgumentTypeError("runs must be a non-empty list of NonQuadraticRun (from nonquadratic_runs)")
    fig, axes = axes_row(None, 3, 10.5, 3.4, margins=_MARGINS)
    for i, r in enumerate(runs):
        sel = r.t > 0
        c = OKABE_ITO[(0, 5, 2, 3)[i % 4]]
        axes[0].loglog(r.t[sel], np.maximum(r.loss[sel], 1e-16), color=c, lw=1.8, label=r.name)
        axes[1].semilogx(r.t[sel], r.product_norm[sel], color=c, lw=1.8, label=r.name)
        axes[2].loglog(r.t[sel], np.maximum(r.drift[sel], 1e-17), color=c, lw=1.8, label=r.name)
    tmax = max(float(r.t[-1]) for r in runs)
    for ax in axes:
        ax.set_xlim(1e-2, tmax)
        ax.set_xlabel("time $t$")
    axes[0].set_ylabel("loss")
    axes[0].set_ylim(1e-16, 1e3)
    axes[1].set_ylabel(r"$\|W_{1:h}(t)\|_F$")
    axes[1].set_ylim(0.0, None)
    axes[2].set_ylabel(r"$\max_i \|C_i(t) - C_i(0)\|_F$")
    axes[2].set_ylim(1e-17, 1.0)
    axes[0].legend(fontsize=6.5, loc="lower left")
    axes[0].set_title("loss", fontsize=9)
    axes[1].set_title("size of the end-to-end map", fontsize=9)
    axes[2].set_title("drift of the conserved quantities", fontsize=9)
    return fig


# --------------------------------------------------------------------------- explorer


_EXPLORER_SIGMA = np.diag([2.0, 1.0])


def step_explorer_figure(ratio: float, h: int, *, steps: int = 600, seed: int = 0, fig=None):
    r"""Explorer frame: descent with :math:`\eta = \text{ratio}\cdot\eta^\star` from a random start
    (square widths 2, entry scale 0.5, ``numpy.random.default_rng(seed)``) towards
    :math:`\Sigma = \mathrm{diag}(2, 1)`: the loss per iteration (left, log scale) and the drift
    of the conserved quantities (right), with fixed axes.

    The threshold is :math:`\eta^\star` of :func:`deeplinear.critical_step` for
    :math:`\sigma_1 = 2`.

    Parameters
    ----------
    ratio : float
        The step size relative to the threshold, :math:`\eta/\eta^\star` (positive).
    h : int
        Depth (``>= 2``).
    steps : int, default 600
        Number of descent steps (``>= 1``).
    seed : int, default 0
        Seed of the initial weights.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's; it must not use a layout engine).

    Returns
    -------
    matplotlib Figure
        Two axes: the loss and the drift.

    Raises
    ------
    TypeError
        If ``h`` or ``steps`` is not an integer or ``ratio`` is not a real number.
    ValueError
        If ``h < 2``, ``ratio`` is not positive, ``steps < 1``, or ``fig`` uses a layout engine.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.step_explorer_figure(0.9, 2, steps=100)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    h = as_depth(h)
    if h < 2:
        raise InvalidArgumentError(f"h must be at least 2 (depth 1 has no conserved quantities), got {h}")
    ratio = as_positive(ratio, "ratio")
    S = _EXPLORER_SIGMA
    es = critical_step(2.0, h)
    W0 = random_init((2,) * (h + 1), np.random.default_rng(seed), 0.5)
    res = _descend(W0, S, ratio * es, as_int(steps, "steps", minimum=1))
    C0 = res.conserved_initial
    drift = [max(float(np.linalg.norm(a - b)) for a, b in zip(conserved_quantities(w), C0)) for w in res.weights]
    fig, (ax_l, ax_d) = axes_row(fig, 2, 8.6, 3.6, margins=_MARGINS)
    k = np.arange(res.losses.size)
    colour = OKABE_ITO[0] if ratio < 1 else OKABE_ITO[5]
    ax_l.semilogy(k, np.maximum(res.losses, _FLOOR), color=colour, lw=1.6)
    ax_l.set_ylim(1e-32, 1e2)
    ax_l.set_xlim(0, steps)
    ax_l.set_xlabel("iteration $k$")
    ax_l.set_ylabel("loss $L(W^{(k)})$")
    if res.diverged:
        status = "diverged"
    elif res.losses[-1] < 1e-12:
        status = "converges"
    else:
        status = f"loss {res.losses[-1]:.1e} after {res.steps} steps"
    ax_l.set_title(f"h = {h}, η = {ratio:g} η* = {ratio * es:.4f}: {status}", fontsize=9)
    ax_d.plot(k, drift, color=colour, lw=1.6)
    ax_d.set_ylim(0.0, 1.5)
    ax_d.set_xlim(0, steps)
    ax_d.set_xlabel("iteration $k$")
    ax_d.set_ylabel(r"$\max_i \|C_i^{(k)} - C_i^{(0)}\|_F$")
    ax_d.set_title("drift of the conserved quantities", fontsize=9)
    return fig
