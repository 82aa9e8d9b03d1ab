r"""Figures for the chapter on incremental learning (the computations are in :mod:`deeplinear.incremental`).

From a small start the flow learns the singular values of :math:`\Sigma` one after another,
largest first, and the loss rests near the critical values
:math:`\tfrac12\sum_{k > m}\sigma_k^2` in between (Saxe, McClelland and Ganguli 2014;
Gidel, Bach and Lacoste-Julien 2019; Jacot et al. 2021).

* :func:`incremental_ladder_figure` and :func:`incremental_rank_figure` draw one
  :class:`deeplinear.incremental.IncrementalRun`; :func:`incremental_explorer_figure` computes and draws one
  for the chapter's explorer.
* :func:`random_vs_aligned_figure` draws a :class:`deeplinear.incremental.RandomVsAligned`.
* :func:`incremental_depth_figure` -- deeper networks separate the transitions more sharply.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.patches import Patch

from .._validation import as_depths, as_int, as_positive
from .._validation import as_positive_values as _positive_values
from ..incremental import IncrementalRun, RandomVsAligned, incremental_plateaus, incremental_run
from ..modes import mode_loss
from .style import OKABE_ITO, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "incremental_ladder_figure",
    "incremental_rank_figure",
    "random_vs_aligned_figure",
    "incremental_depth_figure",
    "incremental_explorer_figure",
]


def _fmt_set(S: Sequence[int]) -> str:
    return "{" + ",".join(str(k) for k in S) + "}" if len(S) else "∅"


# --------------------------------------------------------------------------- figures of one run


def _ladder(ax, run: IncrementalRun, *, labels: bool = True) -> None:
    """All critical values (thin) and the visited ones (dashed, labelled with their learnt sets)."""
    for v in run.critical.values:
        if v > 0:
            ax.axhline(v, color="0.8", lw=0.6, zorder=0)
    order = run.prediction.order
    for m, v in enumerate(run.visited_values):
        if v <= 0:
            continue
        ax.axhline(v, color="0.35", lw=0.8, ls="--", zorder=1)
        if labels:
            S = sorted(int(k) + 1 for k in order[:m])
            ax.annotate(f"$L = {v:g}$, S = {_fmt_set(S)}", (1.0, v), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=6.5, color="0.25")


def _draw_ladder(ax, run: IncrementalRun, *, floor: float = 1e-3) -> None:
    L0 = float(run.loss[0])
    for a, b in run.plateau_intervals:
        ax.axvspan(a, b, color=OKABE_ITO[4], alpha=0.18, lw=0, zorder=0)
    _ladder(ax, run)
    if run.exact is not None:
        ax.semilogy(run.t, np.maximum(run.exact, floor / 10), color=OKABE_ITO[0], lw=2.0, label="closed form")
        step = max(1, run.t.size // 70)
        ax.semilogy(run.t[::step], np.maximum(run.loss[::step], floor / 10), "o", color=OKABE_ITO[5], ms=3, mfc="none",
                    mew=0.8, label="network flow")
    else:
        ax.semilogy(run.t, np.maximum(run.loss, floor / 10), color=OKABE_ITO[5], lw=1.8, label="network flow")
    for k, tk in enumerate(run.predicted_half_times):
        if np.isfinite(tk):
            ax.axvline(tk, color=OKABE_ITO[(k + 1) % 8], lw=1.0, ls=":")
            ax.annotate(f"$t_{k + 1}$", (tk, floor), xytext=(2, 2), textcoords="offset points", fontsize=7,
                        color=OKABE_ITO[(k + 1) % 8])
    ax.fill_between([], [], [], color=OKABE_ITO[4], alpha=0.3, label=rf"plateau: $|\dot L|/L < {run.threshold:g}$")
    ax.set_ylim(floor, 1.8 * L0)
    ax.set_xlim(run.t[0], run.t[-1])
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(t)$ (log scale)")


def incremental_ladder_figure(run: IncrementalRun, *, floor: float = 1e-3):
    r"""The loss of an :class:`~deeplinear.incremental.IncrementalRun` on the ladder of critical values.

    Drawn: every critical value of the loss (thin grey), the ones visited from a small start
    (dashed, labelled with the learnt set :math:`S`), the loss (closed form and network flow
    for an aligned start), the predicted half-times :math:`t_k` (dotted verticals) and the
    observed plateaus (shaded: relative loss rate below the run's threshold).

    The critical values are

    .. math:: L_S = \tfrac12 \sum_{k \notin S} \sigma_k^2 .

    Parameters
    ----------
    run : deeplinear.incremental.IncrementalRun
        The result of :func:`deeplinear.incremental_run`.
    floor : float, default 1e-3
        Lower limit of the log loss axis (smaller losses are drawn at ``floor / 10``).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``run`` is not an ``IncrementalRun`` or ``floor`` is not a real number.
    ValueError
        If ``floor`` is not positive and finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> run = dl.incremental_run((2.0, 1.0), 1e-2, 2, t_max=8.0, num=81)
    >>> fig = dl.plots.incremental_ladder_figure(run)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    if not isinstance(run, IncrementalRun):
        raise ArgumentTypeError(f"run must be an IncrementalRun (from incremental_run), got {type(run).__name__}")
    fig, ax = new_figure(1, width=7.0, height=3.6)
    _draw_ladder(ax, run, floor=as_positive(floor, "floor"))
    sig = ", ".join(f"{x:g}" for x in run.singular_values)
    ax.set_title(f"{run.init} start, a0 = {run.a0:g}, h = {run.h}, σ = ({sig})", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def incremental_rank_figure(run: IncrementalRun):
    r"""Singular values of the end-to-end map (left) and its learnt rank (right) over time.

    Left: :math:`s_k(W_{1:h}(t))` on a log axis with the targets :math:`\sigma_k` (dashed) and
    the half-way marks :math:`\sigma_k/2` (dots on the axis). Right: :func:`deeplinear.learnt_rank`
    (solid staircase) and the staircase predicted by the half-times (dashed; drawn only when
    every predicted half-time is finite).

    Parameters
    ----------
    run : deeplinear.incremental.IncrementalRun
        The result of :func:`deeplinear.incremental_run`.

    Returns
    -------
    matplotlib Figure
        Two axes: the singular values and the learnt rank.

    Raises
    ------
    TypeError
        If ``run`` is not an ``IncrementalRun``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> run = dl.incremental_run((2.0, 1.0), 1e-2, 2, t_max=8.0, num=81)
    >>> fig = dl.plots.incremental_rank_figure(run)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(run, IncrementalRun):
        raise ArgumentTypeError(f"run must be an IncrementalRun (from incremental_run), got {type(run).__name__}")
    fig, (ax, ax_r) = new_figure(2, width=7.8, height=3.3)
    sv = np.linalg.svd(run.trajectory.end_to_end, compute_uv=False)
    s = np.sort(run.singular_values)[::-1]
    for k in range(s.size):
        c = OKABE_ITO[(k + 1) % 8]
        ax.semilogy(run.t, np.maximum(sv[:, k], 1e-12), color=c, lw=1.8, label=f"$s_{k + 1}(t)$")
        ax.axhline(s[k], color=c, lw=0.8, ls="--")
        ax.plot([run.t[0]], [s[k] / 2], ">", color=c, ms=5, clip_on=False)
    ax.set_ylim(1e-8, 2 * s[0])
    ax.set_xlim(run.t[0], run.t[-1])
    ax.set_xlabel("time $t$")
    ax.set_ylabel("singular values of $W_{1:h}(t)$")
    ax.set_title("singular values; dashed: targets $\\sigma_k$", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax_r.step(run.t, run.ranks, where="post", color=OKABE_ITO[0], lw=2.0, label="learnt rank (flow)")
    half = np.sort(np.asarray(run.predicted_half_times, dtype=float))
    if np.all(np.isfinite(half)):
        pred = np.searchsorted(half, run.t, side="right")
        ax_r.step(run.t, pred, where="post", color=OKABE_ITO[1], lw=1.4, ls="--", label="predicted from $t_k$")
    ax_r.set_ylim(-0.1, s.size + 0.3)
    ax_r.set_yticks(range(s.size + 1))
    ax_r.set_xlim(run.t[0], run.t[-1])
    ax_r.set_xlabel("time $t$")
    ax_r.set_ylabel(r"$\#\{k: s_k \geq \sigma_k/2\}$")
    ax_r.set_title("learnt rank of the end-to-end map", fontsize=9)
    ax_r.legend(fontsize=7, loc="lower right")
    return fig


# --------------------------------------------------------------------------- random against aligned


def random_vs_aligned_figure(result: RandomVsAligned, *, n_show: int = 5):
    r"""Loss curves of random starts against the aligned one (left) and the predicted against the
    measured half-times of every random start (right).

    Left: the loss of the first ``n_show`` random starts and of the aligned start (black), with
    the rungs (dashed) and bands of relative width ``result.rel`` around them. Right: measured
    against predicted (Gram-Schmidt heuristic) half-time per mode and start, with the aligned
    start's half-times as stars on the diagonal.

    Parameters
    ----------
    result : deeplinear.incremental.RandomVsAligned
        The result of :func:`deeplinear.random_vs_aligned`.
    n_show : int, default 5
        How many random loss curves to draw on the left (``>= 0``).

    Returns
    -------
    matplotlib Figure
        Two axes: the losses and the half-times.

    Raises
    ------
    TypeError
        If ``result`` is not a ``RandomVsAligned`` or ``n_show`` is not an integer.
    ValueError
        If ``n_show`` is negative.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> res = dl.random_vs_aligned((2.0, 1.0), 1e-2, seeds=(0, 1), t_max=8.0, num=81)
    >>> fig = dl.plots.random_vs_aligned_figure(res, n_show=2)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(result, RandomVsAligned):
        raise ArgumentTypeError(f"result must be a RandomVsAligned (from random_vs_aligned), got {type(result).__name__}")
    n_show = as_int(n_show, "n_show", minimum=0)
    fig, (ax, ax_p) = new_figure(2, width=7.8, height=3.4)
    floor = 1e-3
    for c in result.rungs:
        ax.axhline(c, color="0.45", lw=0.8, ls="--")
        ax.axhspan(c * (1 - result.rel), c * (1 + result.rel), color="0.85", lw=0, zorder=0)
    for j in range(min(n_show, len(result.seeds))):
        ax.semilogy(result.t, np.maximum(result.random_losses[j], floor / 10), color=OKABE_ITO[(j + 1) % 8], lw=1.1,
                    alpha=0.9, label=f"random, seed {result.seeds[j]}")
    ax.semilogy(result.t, np.maximum(result.aligned_loss, floor / 10), color="black", lw=2.2, label="aligned")
    ax.set_ylim(floor, 1.6 * float(result.aligned_loss[0]))
    ax.set_xlim(result.t[0], result.t[-1])
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(t)$ (log scale)")
    ax.set_title(f"small starts of scale {result.scale:g}; grey bands: ±{100 * result.rel:g}% of a rung", fontsize=8.5)
    ax.legend(fontsize=6.5, loc="lower left")
    lo = float(np.nanmin(result.measured_half_times)) * 0.9
    hi = float(np.nanmax(result.measured_half_times)) * 1.05
    ax_p.plot([lo, hi], [lo, hi], color="0.5", lw=0.8)
    for k in range(result.singular_values.size):
        ax_p.plot(result.predicted_half_times[:, k], result.measured_half_times[:, k], "o", color=OKABE_ITO[(k + 1) % 8],
                  ms=4, mfc="none", mew=1.0, label=rf"mode {k + 1}, $\sigma = {result.singular_values[k]:g}$")
        ax_p.plot([result.aligned_half_times[k]], [result.aligned_half_times[k]], "*", color=OKABE_ITO[(k + 1) % 8],
                  ms=10, mec="black", mew=0.5)
    ax_p.set_xlim(lo, hi)
    ax_p.set_ylim(lo, hi)
    ax_p.set_xlabel("predicted half-time (Gram-Schmidt heuristic)")
    ax_p.set_ylabel("measured half-time")
    ax_p.set_title(f"{len(result.seeds)} random starts; stars: aligned start", fontsize=8.5)
    ax_p.legend(fontsize=6.5, loc="upper left")
    return fig


# --------------------------------------------------------------------------- depth


def incremental_depth_figure(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    a0: float = 0.05,
    depths: Sequence[int] = (2, 3, 4),
):
    r"""Closed-form loss of aligned small starts of several depths against :math:`t / t_1`.

    :math:`t_1` is the half-time of the largest mode at each depth. Dotted verticals mark the
    ratios :math:`\sigma_1/\sigma_k`, the limit of :math:`t_k/t_1` for small starts. Deeper
    networks make the transitions sharper relative to the plateaus.

    The curves are the closed form :func:`deeplinear.mode_loss` with every mode starting at
    end-to-end value :math:`a_0^h`; the half-times come from
    :func:`deeplinear.incremental_plateaus`.

    Parameters
    ----------
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        The positive singular values of :math:`\Sigma`.
    a0 : float, default 0.05
        The value of every layer of every mode at the start (a small start:
        :math:`a_0^h < \min_k \sigma_k / 2` at every depth).
    depths : sequence of int, default (2, 3, 4)
        The depths compared (each ``>= 2``, at least one).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``a0`` is not a real number or a depth is not an integer.
    ValueError
        If a singular value is not positive, ``a0`` is not positive, ``depths`` is empty or
        holds a depth below 2, or ``a0`` is not a small start at some depth.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.incremental_depth_figure((2.0, 1.0), 0.05, (2, 3))
    >>> len(fig.axes), len(fig.axes[0].get_legend().get_texts())
    (1, 2)
    >>> plt.close(fig)
    """
    s = _positive_values(singular_values)
    a0 = as_positive(a0, "a0")
    hs = list(as_depths(depths))
    if not hs or min(hs) < 2:
        raise InvalidArgumentError(f"depths must be integers >= 2, got {depths!r:.60}")
    fig, ax = new_figure(1, width=7.0, height=3.4)
    order = np.argsort(-s, kind="stable")
    x_max = 1.35 * float(s[order[0]] / s[order[-1]])
    x = np.linspace(0.0, x_max, 700)
    floor = 1e-3
    styles = ["-", "--", "-.", ":"]
    for j, hh in enumerate(hs):
        with np.errstate(over="ignore"):
            big = float(np.float64(a0) ** hh) >= float(np.min(s)) / 2  # inf for a huge a0
        if big:
            raise InvalidArgumentError(f"a0 = {a0:g} is not a small start at depth {hh}")
        p = incremental_plateaus(s, a0**hh, hh)
        t1 = float(p.half_times[order[0]])
        ax.semilogy(x, np.maximum(mode_loss(x * t1, a0**hh, s, hh), floor / 10), color=OKABE_ITO[j % 8], lw=1.8,
                    ls=styles[j % 4], label=f"h = {hh} ($t_1$ = {t1:.3g})")
    for k in order[1:]:
        ax.axvline(float(s[order[0]] / s[k]), color="0.5", lw=0.8, ls=":")
    for m in range(s.size):
        v = 0.5 * float(np.sum(s[order[m:]] ** 2))
        ax.axhline(v, color="0.75", lw=0.7, ls="--", zorder=0)
    ax.set_ylim(floor, 1.6 * 0.5 * float(np.sum(s**2)))
    ax.set_xlim(0.0, x_max)
    ax.set_xlabel(r"time in units of the first half-time, $t / t_1$")
    ax.set_ylabel("loss $L(t)$ (log scale)")
    ax.set_title(rf"aligned starts with layer value $a_0 = {a0:g}$; dotted: $\sigma_1/\sigma_k$", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


# --------------------------------------------------------------------------- explorer


def incremental_explorer_figure(
    a0: float,
    sigma2: float,
    sigma3: float,
    *,
    fig=None,
    sigma1: float = 3.0,
    threshold: float = 0.5,
    t_max: float = 25.0,
):
    r"""The chapter's explorer: an aligned two-layer start with :math:`\Sigma = \mathrm{diag}(\sigma_1, \sigma_2, \sigma_3)`.

    Left: the loss on its ladder (:func:`incremental_ladder_figure`). Right: a time line of the
    rungs :math:`S = \emptyset, \{1\}, \{1,2\}`: the interval between consecutive predicted
    half-times (hollow bars, :func:`deeplinear.incremental_plateaus`) and the observed plateaus
    of the integrated flow (filled bars, ``"plateau"`` events of
    :func:`deeplinear.gradient_flow`). Time runs over ``[0, t_max]`` in every frame.

    The run is :func:`deeplinear.incremental_run` with ``h = 2`` and 251 output times.

    Parameters
    ----------
    a0 : float
        The value of every layer of every mode at the start.
    sigma2, sigma3 : float
        The second and third singular values of :math:`\Sigma`.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.
    sigma1 : float, default 3.0
        The largest singular value.
    threshold : float, default 0.5
        Plateau threshold on the relative loss rate :math:`|\dot L|/L`.
    t_max : float, default 25.0
        Length of the time interval.

    Returns
    -------
    matplotlib Figure
        Two axes: the ladder and the time line.

    Raises
    ------
    ValueError
        If a singular value is not positive, they are not strictly decreasing
        (:math:`\sigma_1 > \sigma_2 > \sigma_3`), and as :func:`deeplinear.incremental_run`
        for an ``a0``, ``threshold`` or ``t_max`` it refuses.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.incremental_explorer_figure(0.05, 2.0, 1.0, t_max=10.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    s = np.array([as_positive(sigma1, "sigma1"), as_positive(sigma2, "sigma2"), as_positive(sigma3, "sigma3")])
    _positive_values(s, "sigma")
    if not (s[0] > s[1] > s[2]):
        raise InvalidArgumentError(f"need sigma1 > sigma2 > sigma3, got {s[0]:g}, {s[1]:g}, {s[2]:g}")
    run = incremental_run(s, a0, 2, t_max=t_max, num=251, threshold=threshold)
    if fig is None:
        fig, axes = new_figure(2, width=8.4, height=3.5, gridspec_kw={"width_ratios": [2.1, 1.0]})
    else:
        fig.set_layout_engine("constrained")
        axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.1, 1.0]})
    ax, ax_t = axes
    _draw_ladder(ax, run, floor=1e-3)
    ax.set_ylim(1e-3, 15.0)
    ax.set_title(f"layer value a0 = {a0:g}, σ = ({sigma1:g}, {sigma2:g}, {sigma3:g})", fontsize=9)
    ax.legend(fontsize=6.5, loc="lower left")
    half = np.concatenate([[0.0], np.sort(run.prediction.half_times), [t_max]])
    labels = ["S = ∅", "S = {1}", "S = {1,2}", "S = {1,2,3}"]
    for m in range(3):
        y = 3 - m
        ax_t.barh(y + 0.17, half[m + 1] - half[m], left=half[m], height=0.3, color="none", edgecolor=OKABE_ITO[0], lw=1.4)
        for a, b in run.plateau_intervals:
            mid = 0.5 * (a + b)
            if half[m] - 1e-9 <= mid <= half[m + 1] + 1e-9:
                ax_t.barh(y - 0.17, b - a, left=a, height=0.3, color=OKABE_ITO[4], edgecolor=OKABE_ITO[4])
    handles = [Patch(facecolor="none", edgecolor=OKABE_ITO[0], lw=1.4, label="predicted (between half-times)"),
               Patch(facecolor=OKABE_ITO[4], edgecolor=OKABE_ITO[4], label="observed plateau")]
    ax_t.set_yticks([3, 2, 1], labels[:3])
    ax_t.set_ylim(0.4, 4.1)
    ax_t.set_xlim(0.0, t_max)
    ax_t.set_xlabel("time $t$")
    ax_t.set_title("rest near each saddle", fontsize=9)
    ax_t.legend(handles=handles, fontsize=6.5, loc="upper right")
    return fig
