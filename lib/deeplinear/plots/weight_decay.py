r"""Figures of the chapter on weight decay.

* :func:`balance_decay_figure` draws the imbalance along flows with and without decay;
* :func:`shrinkage_figure` draws the shrunk singular value against :math:`\sigma` for several depths;
* :func:`decay_flows_figure` draws the regularised loss along flows that end at different minima;
* :func:`mode_explorer_figure` is the explorer frame: the scalar problem of one mode and its
  critical points against the decay.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_positive
from ..errors import ArgumentTypeError, InvalidArgumentError
from ..trajectory import Trajectory
from ..weight_decay import ModeShrinkage, RegularisedCriticalValue, mode_shrinkage
from .style import OKABE_ITO, axes_row, new_figure

__all__ = ["balance_decay_figure", "shrinkage_figure", "decay_flows_figure", "mode_explorer_figure"]

_FLOOR = 1e-17


def _check_trajectories(trajectories: object, name: str) -> list[Trajectory]:
    if isinstance(trajectories, Trajectory):
        trajectories = [trajectories]
    if not isinstance(trajectories, Sequence) or not trajectories or not all(isinstance(t, Trajectory) for t in trajectories):
        raise ArgumentTypeError(f"{name} must be a non-empty list of Trajectory objects (from dl.gradient_flow), got {trajectories!r:.80}")
    return list(trajectories)


def _imbalance_curve(tr: Trajectory) -> np.ndarray:
    return np.array([max((float(np.linalg.norm(c)) for c in cs), default=0.0) for cs in tr.conserved])


def balance_decay_figure(with_decay: Trajectory, without_decay: Trajectory, weight_decay: float):
    r"""The imbalance :math:`\max_i\lVert C_i(t)\rVert_F` along two flows from the same start.

    With decay it follows :math:`e^{-2\lambda t}\max_i\lVert C_i(0)\rVert_F` (dashed); without, it is constant.

    Parameters
    ----------
    with_decay, without_decay : Trajectory
        Flows from :func:`deeplinear.gradient_flow` with and without ``weight_decay``, with
        hidden layers (``h >= 2``).
    weight_decay : float
        The :math:`\lambda` of the first flow, for the reference line.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    TypeError
        If a trajectory is not a Trajectory.
    ValueError
        If ``weight_decay`` is not positive or the network has no hidden layer.

    Examples
    --------
    >>> W0 = dl.random_init((2, 2, 2), np.random.default_rng(0), 1.0)
    >>> a = dl.gradient_flow(W0, np.eye(2), 5.0, t_eval=np.linspace(0, 5, 11), weight_decay=0.5)
    >>> b = dl.gradient_flow(W0, np.eye(2), 5.0, t_eval=np.linspace(0, 5, 11))
    >>> len(dl.plots.balance_decay_figure(a, b, 0.5).axes)
    1
    """
    a = _check_trajectories(with_decay, "with_decay")[0]
    b = _check_trajectories(without_decay, "without_decay")[0]
    lam = as_positive(weight_decay, "weight_decay")
    if len(a.widths) < 3:
        raise InvalidArgumentError("the network has no hidden layer (h = 1): there is no imbalance to draw")
    fig, ax = new_figure(width=6.4, height=3.4)
    ia, ib = _imbalance_curve(a), _imbalance_curve(b)
    ax.semilogy(b.t, np.maximum(ib, _FLOOR), color=OKABE_ITO[0], lw=2, label="no decay (conserved)")
    ax.semilogy(a.t, np.maximum(ia, _FLOOR), color=OKABE_ITO[5], lw=2, label=f"weight decay λ = {lam:g}")
    ax.semilogy(a.t, np.maximum(ia[0] * np.exp(-2 * lam * (a.t - a.t[0])), _FLOOR), color="k", ls="--", lw=1,
                label=r"$e^{-2\lambda t}\,\max_i\|C_i(0)\|_F$")
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"imbalance $\max_i \|C_i(t)\|_F$")
    ax.legend(fontsize=8)
    return fig


def shrinkage_figure(curves: dict):
    r"""The shrunk singular value (global minimiser of one mode) against :math:`\sigma`, one curve per depth.

    Parameters
    ----------
    curves : dict
        ``{h: [ModeShrinkage, ...]}``, each list over increasing ``sigma`` at one
        ``weight_decay`` (from :func:`deeplinear.weight_decay.mode_shrinkage`).

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    TypeError
        If ``curves`` is not a dict of non-empty lists of ModeShrinkage.

    Examples
    --------
    >>> c = {h: [dl.weight_decay.mode_shrinkage(s, h, weight_decay=0.5) for s in np.linspace(0, 3, 31)] for h in (1, 2, 3)}
    >>> len(dl.plots.shrinkage_figure(c).axes)
    1
    """
    if not isinstance(curves, dict) or not curves or not all(
            isinstance(v, Sequence) and v and all(isinstance(m, ModeShrinkage) for m in v) for v in curves.values()):
        raise ArgumentTypeError(f"curves must be a dict {{h: [ModeShrinkage, ...]}}, got {curves!r:.80}")
    fig, ax = new_figure(width=6.4, height=3.6)
    top = 0.0
    for k, (h, ms) in enumerate(sorted(curves.items())):
        s = np.array([m.sigma for m in ms])
        x = np.array([m.minimiser for m in ms])
        jump = np.flatnonzero(np.abs(np.diff(x)) > 5.0 * np.abs(np.diff(s)) + 1e-12)  # slopes elsewhere are below 5
        x_plot = x.astype(float).copy()
        s_plot = s.copy()
        for j in jump[::-1]:  # break the line at a jump
            s_plot = np.insert(s_plot, j + 1, np.nan)
            x_plot = np.insert(x_plot, j + 1, np.nan)
        ax.plot(s_plot, x_plot, color=OKABE_ITO[(k + 1) % 8], lw=2, label=f"h = {h}")
        top = max(top, float(s.max()))
    ax.plot([0, top], [0, top], color="0.6", ls=":", lw=1, label="no decay: x = σ")
    lam = next(iter(curves.values()))[0].weight_decay
    ax.set_xlabel(r"singular value $\sigma$ of $\Sigma$")
    ax.set_ylabel(r"learnt singular value $x$")
    ax.set_title(f"weight decay λ = {lam:g}", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def decay_flows_figure(trajectories: Sequence[Trajectory], labels: Sequence[str], critical_values: Sequence[RegularisedCriticalValue]):
    r"""The regularised loss along flows, with the values of the local minima as horizontal lines.

    Parameters
    ----------
    trajectories : list of Trajectory
        Flows with ``weight_decay`` (their ``loss`` is the regularised loss).
    labels : list of str
        One label per flow.
    critical_values : list of RegularisedCriticalValue
        From :func:`deeplinear.weight_decay.regularised_critical_values`; the minima are drawn.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the numbers of trajectories and labels differ.

    Examples
    --------
    >>> S = np.diag([3.0, 1.0])
    >>> tr = dl.gradient_flow(dl.random_init((2, 2, 2, 2), np.random.default_rng(0), 1.0), S, 30.0, weight_decay=0.3)
    >>> cv = dl.weight_decay.regularised_critical_values(S, (2, 2, 2, 2), weight_decay=0.3)
    >>> len(dl.plots.decay_flows_figure([tr], ["start"], cv).axes)
    2
    """
    trs = _check_trajectories(trajectories, "trajectories")
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ArgumentTypeError(f"labels must be a list of strings, got {labels!r:.80}")
    if len(labels) != len(trs):
        raise InvalidArgumentError(f"give one label per trajectory ({len(trs)}), got {labels!r:.80}")
    if not isinstance(critical_values, Sequence) or not all(isinstance(c, RegularisedCriticalValue) for c in critical_values):
        raise ArgumentTypeError("critical_values must come from dl.weight_decay.regularised_critical_values")
    fig, (ax, zoom) = new_figure(2, width=8.6, height=3.6)
    minima = [c for c in critical_values if c.kind != "saddle"]
    for k, (tr, lab) in enumerate(zip(trs, labels)):
        for a in (ax, zoom):
            a.plot(tr.t, tr.loss, color=OKABE_ITO[(k + 1) % 8], lw=2, label=str(lab))
    for c in minima:
        for a in (ax, zoom):
            a.axhline(c.value, color="0.5", ls="--", lw=1)
        ax.text(0.99, c.value, f"{c.kind}, modes {c.subset or '∅'}", transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=7, color="0.3")
    ax.set_yscale("log")
    if minima:
        values = sorted(c.value for c in minima)
        ax.set_ylim(0.8 * values[0], 3.0 * values[-1])
        if len(values) >= 2:  # the two lowest minima, which the full view cannot separate
            gap = values[1] - values[0]
            zoom.set_ylim(values[0] - 0.6 * gap, values[1] + 0.6 * gap)
            for c in minima[:2]:
                zoom.text(0.99, c.value, f"{c.value:.4f}", transform=zoom.get_yaxis_transform(), ha="right",
                          va="bottom", fontsize=7, color="0.3")
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"regularised loss $L_\lambda$ (log scale)")
    ax.legend(fontsize=8, loc="upper center")
    zoom.set_xlabel("time $t$")
    zoom.set_title("near the two lowest minima", fontsize=9)
    return fig


def mode_explorer_figure(weight_decay: float, h: int, *, sigma: float = 2.0, fig=None):
    r"""Explorer frame: the scalar problem :math:`f(x) = \tfrac12(\sigma-x)^2 + \tfrac{\lambda h}{2}x^{2/h}`
    of one mode (left) and its critical points against :math:`\lambda` (right).

    Minima are filled dots, saddles open circles; the right panel marks the current
    :math:`\lambda` and the thresholds :math:`\lambda^\star` (global switch-off) and
    :math:`\lambda_c` (the non-zero minimum disappears).

    Parameters
    ----------
    weight_decay : float
        :math:`\lambda > 0`.
    h : int
        The depth, ``>= 1``.
    sigma : float, default 2.0
        The singular value, ``> 0``.
    fig : matplotlib Figure, optional
        Figure to draw into (without a layout engine).

    Returns
    -------
    matplotlib Figure
        Two axes.

    Raises
    ------
    TypeError
        If an argument is not a number (``h`` an integer).
    ValueError
        If ``weight_decay`` or ``sigma`` is not positive, ``h < 1``, or ``fig`` uses a layout engine.

    Examples
    --------
    >>> len(dl.plots.mode_explorer_figure(0.5, 3).axes)
    2
    """
    lam = as_positive(weight_decay, "weight_decay")
    h = as_depth(h)
    sigma = as_positive(sigma, "sigma")
    m = mode_shrinkage(sigma, h, weight_decay=lam)
    fig, (ax_f, ax_b) = axes_row(fig, 2, 8.6, 3.6, margins=(0.7, 0.2, 0.55, 0.35, 0.3))
    x = np.linspace(0.0, 1.15 * sigma, 400)
    ax_f.plot(x, 0.5 * (sigma - x) ** 2 + 0.5 * lam * h * x ** (2.0 / h), color=OKABE_ITO[4], lw=2)
    for xp, kind, v in zip(m.points, m.kinds, m.values):
        face = OKABE_ITO[5] if kind == "minimum" else "white"
        ax_f.plot([xp], [v], "o", ms=8, mfc=face, mec=OKABE_ITO[5], mew=1.5)
    ax_f.plot([m.minimiser], [min(m.values)], "*", ms=14, color="k")
    ax_f.set_xlim(0, 1.15 * sigma)
    ax_f.set_ylim(min(m.values) - 0.15 * sigma**2, 0.8 * sigma**2)
    ax_f.set_xlabel(r"product singular value $x$")
    ax_f.set_ylabel(r"$f(x)$")
    ax_f.set_title(f"σ = {sigma:g}, h = {h}, λ = {lam:g}: learnt x = {m.minimiser:.3f}", fontsize=9)
    pts: dict[bool, list] = {True: [], False: []}
    for lv in np.linspace(1e-3, 1.6 * sigma, 120):
        mm = mode_shrinkage(sigma, h, weight_decay=float(lv))
        for xp, kind in zip(mm.points, mm.kinds):
            pts[kind == "minimum"].append((lv, xp))
    for is_min, colour in ((True, OKABE_ITO[5]), (False, OKABE_ITO[0])):
        if pts[is_min]:
            arr = np.array(pts[is_min])
            ax_b.plot(arr[:, 0], arr[:, 1], ".", ms=3, color=colour)
    ax_b.axvline(lam, color="k", lw=1)
    if np.isfinite(m.switched_off_above) and h >= 3:
        ax_b.axvline(m.switched_off_above, color="0.5", ls="--", lw=1)
        ax_b.axvline(m.appears_below, color="0.5", ls=":", lw=1)
    ax_b.set_xlim(0, 1.6 * sigma)
    ax_b.set_ylim(-0.05 * sigma, 1.05 * sigma)
    ax_b.set_xlabel(r"weight decay $\lambda$")
    ax_b.set_ylabel(r"critical $x$ (orange: minimum, blue: saddle)")
    ax_b.set_title(r"dashed: $\lambda^\star$ (switch-off), dotted: $\lambda_c$", fontsize=9)
    return fig
