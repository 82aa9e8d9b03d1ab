r"""Figures for the chapter on balanced initialisations and convergence rates (the computations
are in :mod:`deeplinear.rates`).

* :func:`rate_bound_figure` draws :func:`deeplinear.rate_run`: the loss along a flow against both
  bounds :math:`\ell(0)e^{-\text{rate}\cdot t}` (and a non-square
  counterexample).
* :func:`margin_explorer_figure` -- the explorer of the chapter: a 0-balanced start with
  prescribed margin (:func:`deeplinear.margin_example`), square or wide.
* :func:`low_rank_bias_figure` draws :func:`deeplinear.singular_value_paths`: depth makes the
  singular values of the end-to-end map arrive one at a time.
* :func:`imbalance_figure` -- the exact scalar law :math:`\dot p = \sqrt{c^2+4p^2}(\sigma - p)`
  for several imbalances :math:`c`, next to matrix flows from delta-balanced starts with one
  common end-to-end map.
* :func:`random_limits_figure` draws :func:`deeplinear.random_limits`: the limit loss of flows
  from random Gaussian starts, with and without a bottleneck.

References: Arora, Cohen and Hazan (2018); Arora, Cohen, Golowich and Hu (2019); Bah, Rauhut,
Terstiege and Westdickenberg (2022); Tarmoun, Franca, Haeffele and Vidal (2021).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_items, as_matrix, as_positive, as_real_array, as_seeds
from ..flow import gradient_flow
from ..init import delta_balanced_init
from ..unbalanced import unbalanced_solution
from ..rates import RandomLimits, RateRun, SingularValuePaths, margin_example, rate_run
from .style import IMBALANCE_FACTOR, OKABE_ITO, SCALAR_IMBALANCE_WHY, axes_row, check_imbalances
from ..errors import ArgumentTypeError, InvalidArgumentError

_MARGINS = (0.75, 0.15, 0.55, 0.4, 0.32)  # inches (left, right, bottom, top) and wspace: fixed, for explorer frames

__all__ = [
    "rate_bound_figure",
    "margin_explorer_figure",
    "low_rank_bias_figure",
    "imbalance_figure",
    "random_limits_figure",
]

_LOSS_FLOOR = 1e-14


# --------------------------------------------------------------------------- the rate


def _draw_rate(ax, run: RateRun, ylim: tuple[float, float], title: str | None, t_end: float | None = None) -> None:
    """Loss of ``run`` and both bounds; the bounds are drawn up to ``t_end`` (default: end of the run)."""
    floor = ylim[0]
    h = run.h
    t_end = float(run.t[-1]) if t_end is None else float(t_end)
    grid = np.linspace(0.0, t_end, 201)
    l0 = float(run.loss[0])
    ax.semilogy(run.t, np.maximum(run.loss, floor), color=OKABE_ITO[0], lw=2.2, label=r"loss $\ell(t)$")
    ax.semilogy(grid, np.maximum(l0 * np.exp(-run.rate_h * grid), floor), color=OKABE_ITO[5], lw=1.5, ls="--",
                label=f"bound with factor h, rate {run.rate_h:.3g}")
    ax.semilogy(grid, np.maximum(l0 * np.exp(-run.rate_1 * grid), floor), color=OKABE_ITO[2], lw=1.5, ls=":",
                label=f"bound without factor h, rate {run.rate_1:.3g}")
    ax.set_ylim(*ylim)
    ax.set_xlim(0.0, t_end)
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"loss $\ell(W(t))$")
    shape = "square" if run.square else "non-square"
    ax.set_title(title or f"h = {h}, c = {run.margin:.3g}, {shape} map {run.widths[-1]}x{run.widths[0]}", fontsize=9)
    ax.legend(fontsize=8, loc="lower left")


def rate_bound_figure(
    runs: Sequence[RateRun],
    *,
    titles: Sequence[str] | None = None,
    ylim: tuple[float, float] = (1e-10, 10.0),
):
    r"""The loss of each run against the two margin bounds, one panel per run (log scale).

    The dashed line is the bound with the factor ``h`` (a theorem for square end-to-end maps),
    the dotted line the bound without it (a theorem in general). Both start at the initial
    loss :math:`\ell(0)`:

    .. math:: \ell(t) \le \ell(0)\, e^{-\text{rate}\cdot t},

    with the rates ``run.rate_h`` and ``run.rate_1`` of :func:`deeplinear.rate_run`.

    Parameters
    ----------
    runs : sequence of deeplinear.rates.RateRun
        The runs of :func:`deeplinear.rate_run` (at least one), one panel each.
    titles : sequence of str, optional
        One title per run; by default depth, margin and shape of the end-to-end map.
    ylim : (float, float), default (1e-10, 10.0)
        Limits of the loss axis; smaller losses are drawn at the lower limit.

    Returns
    -------
    matplotlib Figure
        One axes per run.

    Raises
    ------
    TypeError
        If ``runs`` is empty or holds anything but ``RateRun``.
    ValueError
        If ``titles`` does not hold one title per run.

    References
    ----------
    Arora, Cohen, Golowich and Hu (2019), "A convergence analysis of gradient descent for deep
    linear neural networks".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W0, S = dl.margin_example(2, 0.5, "square")
    >>> run = dl.rate_run(W0, S, 2.0, n=11)
    >>> fig = dl.plots.rate_bound_figure([run])
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    runs = as_items(runs, "runs", allow_empty=True)
    if not runs or not all(isinstance(r, RateRun) for r in runs):
        raise ArgumentTypeError("runs must be a non-empty list of RateRun objects (from rate_run)")
    if titles is not None and len(titles) != len(runs):
        raise InvalidArgumentError(f"got {len(titles)} titles for {len(runs)} runs")
    fig, axes = axes_row(None, len(runs), 4.3 * len(runs), 3.6, margins=_MARGINS)
    for i, (ax, run) in enumerate(zip(axes, runs)):
        _draw_rate(ax, run, ylim, None if titles is None else titles[i])
    return fig


def margin_explorer_figure(h: int, c: float, shape: str = "square", *, t_max: float = 5.0, fig=None):
    r"""Explorer frame: the loss of the 0-balanced flow from :func:`deeplinear.margin_example` against both
    margin bounds, with fixed axes (loss from ``1e-12`` to ``10``, time ``[0, t_max]``).

    Integrated with ``rtol = 1e-8`` and stopped once the loss is below ``1e-13`` (cheap frames;
    the curves are far above the integration error). The title says whether the bound with
    factor ``h`` holds along the run.

    Parameters
    ----------
    h : int
        Depth.
    c : float
        Deficiency margin of the start, in ``(0, 1)``.
    shape : {"square", "wide"}, default "square"
        End-to-end map of shape 2x2 or 2x3 (see :func:`deeplinear.margin_example`).
    t_max : float, default 5.0
        Length of the time interval.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's; it must not use a layout engine).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    ValueError
        If ``c`` is not in ``(0, 1)``, ``shape`` is not ``"square"`` or ``"wide"``, or ``fig``
        uses a layout engine; and as :func:`deeplinear.margin_example` and
        :func:`deeplinear.rate_run` for a depth or ``t_max`` they refuse.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.margin_explorer_figure(2, 0.5, "wide", t_max=2.0)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    W0, S = margin_example(h, c, shape)
    run = rate_run(W0, S, t_max, n=101, rtol=1e-8, atol=1e-14, loss_tol=1e-13)
    fig, (ax,) = axes_row(fig, 1, 6.4, 4.0, margins=_MARGINS)
    verdict = "holds" if run.ratio_h <= 1.0 + 1e-9 else f"fails (max ratio {run.ratio_h:.3g})"
    label = "square 2x2" if shape == "square" else "wide 2x3"
    _draw_rate(ax, run, (1e-12, 10.0), f"h = {h}, c = {c:g}, {label}: bound with factor h {verdict}", t_end=t_max)
    return fig


# --------------------------------------------------------------------------- low-rank bias


def low_rank_bias_figure(paths: SingularValuePaths):
    r"""One panel per depth: the singular values of :math:`W_{1:h}(t)` against time, with the
    target values dotted. Depth 1 learns all of them at once; deeper networks learn them one
    after the other, so the end-to-end map passes close to low-rank matrices.

    Parameters
    ----------
    paths : deeplinear.rates.SingularValuePaths
        The result of :func:`deeplinear.singular_value_paths`.

    Returns
    -------
    matplotlib Figure
        One axes per depth in ``paths.depths``.

    Raises
    ------
    TypeError
        If ``paths`` is not a ``SingularValuePaths``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> P0 = 1e-3 * np.random.default_rng(0).standard_normal((2, 2))
    >>> paths = dl.singular_value_paths(P0, np.diag([2.0, 1.0]), (1, 2), 4.0, n=41)
    >>> fig = dl.plots.low_rank_bias_figure(paths)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(paths, SingularValuePaths):
        raise ArgumentTypeError(f"paths must be a SingularValuePaths (from singular_value_paths), got {type(paths).__name__}")
    fig, axes = axes_row(None, len(paths.depths), 3.0 * len(paths.depths) + 0.6, 3.2, margins=_MARGINS)
    top = 1.15 * float(np.max(paths.target))
    for ax, h in zip(axes, paths.depths):
        sv = paths.values[h]
        for k in range(sv.shape[1]):
            ax.plot(paths.t, sv[:, k], color=OKABE_ITO[k % 7], lw=2.0, label=rf"$s_{k + 1}(t)$")
        for k, s in enumerate(paths.target):
            ax.axhline(s, color=OKABE_ITO[k % 7], lw=0.8, ls=":")
        ax.set_ylim(0.0, top)
        ax.set_xlim(0.0, float(paths.t[-1]))
        ax.set_xlabel("time $t$")
        ax.set_title(f"depth h = {h}", fontsize=9)
    axes[0].set_ylabel(r"singular values of $W_{1:h}(t)$")
    axes[-1].legend(fontsize=7.5, loc="lower right")
    return fig


# --------------------------------------------------------------------------- imbalance


def imbalance_figure(
    *,
    sigma: float = 1.0,
    p0: float = 1e-4,
    imbalances: Sequence[float] = (0.0, 0.5, 2.0),
    t_max: float = 6.0,
    Sigma: np.ndarray | None = None,
    product0: np.ndarray | None = None,
    h: int = 3,
    deltas: Sequence[float] = (0.0, 2.0, 5.0),
    seeds: Sequence[int] = (0, 1, 2),
    t_matrix: float = 3.0,
):
    r"""What imbalance does, in two panels.

    Left: the exact scalar law :math:`\dot p = \sqrt{c^2 + 4p^2}(\sigma - p)` of a two-layer
    scalar network with imbalance :math:`c = w_2^2 - w_1^2` (:func:`deeplinear.unbalanced_solution`):
    imbalance removes the plateau near :math:`p = 0`. Right: the loss of depth-``h`` matrix flows
    from delta-balanced starts (:func:`deeplinear.delta_balanced_init`) that share one end-to-end
    map ``product0`` (default :math:`\Sigma + 0.5 D` with a fixed random unit :math:`D`), one curve
    per ``(delta, seed)``: the effect of imbalance on the rate depends on its direction.

    .. math:: \dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p)

    The matrix flows have widths :math:`(d_0, m, \dots, m, d_h)` with
    :math:`m = \max(d_0, d_h)`; for ``delta = 0`` only the first seed is drawn.

    Parameters
    ----------
    sigma : float, default 1.0
        Target of the scalar law (left).
    p0 : float, default 1e-4
        Initial product of the scalar law.
    imbalances : sequence of float, default (0.0, 0.5, 2.0)
        The imbalances :math:`c` of the scalar curves, :math:`|c| \le 100\,\sigma` (beyond it
        the product reaches :math:`\sigma/2` within :math:`0.7/|c|`, a step at :math:`t = 0`
        that every larger :math:`c` draws alike; as in
        :func:`deeplinear.plots.aligned.unbalanced_figure`).
    t_max : float, default 6.0
        Time span of the left panel.
    Sigma : ndarray, shape (d_h, d_0), optional
        Target of the matrix flows; default :math:`\mathrm{diag}(3, 2, 1)`.
    product0 : ndarray, shape (d_h, d_0), optional
        The common initial end-to-end map; default :math:`\Sigma + 0.5 D` as above.
    h : int, default 3
        Depth of the matrix flows.
    deltas : sequence of float, default (0.0, 2.0, 5.0)
        Imbalances of the delta-balanced starts, non-negative and at most
        :math:`100\,s^{2/h}` with :math:`s = \max(\lVert\Sigma\rVert_2, \lVert P_0\rVert_2)`,
        the scale of the end-to-end maps drawn (a balanced factor of them has size
        :math:`s^{1/h}`, and :math:`C_i` that of its square). Beyond it the start's layers
        are more than ten times the size of a balanced factor, the imbalance alone sets the
        dynamics, the flow is stiff (its fastest rate grows like :math:`\delta^{h-1}`; at the
        bound, ``h = 3``, the default target and ``t_matrix = 3``, one curve took up to 300,000
        evaluations of the gradient), and
        the rounding of the product of such large layers limits how far the loss can fall.
    seeds : sequence of int, default (0, 1, 2)
        Seeds of the delta-balanced starts.
    t_matrix : float, default 3.0
        Time span of the right panel.

    Returns
    -------
    matplotlib Figure
        Two axes: the scalar law and the matrix flows.

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number or ``h`` is not an integer.
    ValueError
        If ``sigma`` is not positive, ``h < 1``, ``Sigma`` or ``product0`` is not a finite
        matrix, an imbalance or a delta is beyond its bound, and as
        :func:`deeplinear.delta_balanced_init` (for instance ``delta > 0`` with ``h = 1``).

    References
    ----------
    Tarmoun, Franca, Haeffele and Vidal (2021), "Understanding the dynamics of gradient flow
    in overparameterized linear models".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.imbalance_figure(Sigma=np.diag([2.0, 1.0]), h=2, deltas=(0.0, 1.0), seeds=(0,), t_matrix=1.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    sigma = as_positive(sigma, "sigma")
    t_max = as_positive(t_max, "t_max")
    t_matrix = as_positive(t_matrix, "t_matrix")
    deltas = [float(x) for x in as_real_array(deltas, "deltas", ndim=1)]
    if any(x < 0 for x in deltas) or len(deltas) > 16:
        raise InvalidArgumentError(f"deltas must be at most 16 non-negative numbers, got {deltas!r:.80}")
    seeds = as_seeds(seeds)
    check_imbalances([float(c) for c in as_real_array(imbalances, "imbalances", ndim=1, allow_empty=True)], IMBALANCE_FACTOR * sigma,
                     "imbalances", f"{IMBALANCE_FACTOR:g} sigma", SCALAR_IMBALANCE_WHY)
    S = np.diag([3.0, 2.0, 1.0]) if Sigma is None else as_matrix(Sigma, "Sigma")
    if product0 is None:
        D = np.random.default_rng(5).standard_normal(S.shape)
        P0 = S + 0.5 * D / np.linalg.norm(D)
    else:
        P0 = as_matrix(product0, "product0")
    h = as_depth(h)
    scale = max(float(np.linalg.norm(S, 2)), float(np.linalg.norm(P0, 2)))
    check_imbalances(deltas, IMBALANCE_FACTOR * scale ** (2.0 / h), "deltas",
                     f"{IMBALANCE_FACTOR:g} max(||Sigma||_2, ||product0||_2)^(2/h)",
                     "the start's layers are then over ten times a balanced factor of the maps drawn, the imbalance alone "
                     "sets the dynamics and the flow is stiff (its fastest rate grows like delta^(h-1))")
    fig, (ax_s, ax_m) = axes_row(None, 2, 8.6, 3.6, margins=_MARGINS)
    t = np.linspace(0.0, t_max, 301)
    for i, c in enumerate(imbalances):
        p = unbalanced_solution(t, p0, sigma, float(c))
        ax_s.plot(t, p, color=OKABE_ITO[i % 7], lw=2.0, label=f"c = {c:g}")
    ax_s.set_ylim(0.0, 1.1 * sigma)
    ax_s.set_xlim(0.0, t_max)
    ax_s.set_xlabel("time $t$")
    ax_s.set_ylabel(r"product $p = w_2 w_1$")
    ax_s.set_title(rf"scalar, h = 2, $\sigma$ = {sigma:g}, $p_0$ = {p0:g}", fontsize=9)
    ax_s.legend(fontsize=7.5, loc="lower right")
    widths = (S.shape[1],) + (max(S.shape),) * (h - 1) + (S.shape[0],)
    tm = np.linspace(0.0, t_matrix, 121)
    for i, delta in enumerate(deltas):
        for j, seed in enumerate(seeds if delta > 0 else seeds[:1]):
            W0 = delta_balanced_init(widths, float(delta), np.random.default_rng(seed), product=P0)
            tr = gradient_flow(W0, S, (0.0, t_matrix), t_eval=tm)
            ax_m.semilogy(tr.t, np.maximum(tr.loss, _LOSS_FLOOR), color=OKABE_ITO[i % 7], lw=1.6,
                          ls=("-", "--", ":")[j % 3], label=f"δ = {delta:g}" if j == 0 else None)
    ax_m.set_xlim(0.0, t_matrix)
    ax_m.set_xlabel("time $t$")
    ax_m.set_ylabel(r"loss $\ell(W(t))$")
    ax_m.set_title(f"matrix, h = {h}, same product, imbalance δ", fontsize=9)
    ax_m.legend(fontsize=7.5, loc="lower left")
    return fig


# --------------------------------------------------------------------------- random starts


def random_limits_figure(results: Sequence[RandomLimits], *, floor: float = 1e-12):
    r"""Limit loss of each random start (markers by initial scale), one column per architecture,
    with the global minimum value :math:`L^\star` dashed (log scale).

    Parameters
    ----------
    results : sequence of deeplinear.rates.RandomLimits
        The results of :func:`deeplinear.random_limits` (at least one), one column each.
    floor : float, default 1e-12
        Smaller losses are drawn at ``floor``.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``results`` is empty or holds anything but ``RandomLimits``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> r = dl.random_limits(np.diag([2.0, 1.0]), (2, 2, 2), seeds=(0, 1), scales=(0.3,), t_max=20.0)
    >>> fig = dl.plots.random_limits_figure([r])
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    results = as_items(results, "results", allow_empty=True)
    if not results or not all(isinstance(r, RandomLimits) for r in results):
        raise ArgumentTypeError("results must be a non-empty list of RandomLimits (from random_limits)")
    fig, (ax,) = axes_row(None, 1, 6.4, 3.6, margins=_MARGINS)
    markers = ("o", "s", "D", "^", "v")
    scales = sorted({float(s) for r in results for s in r.scales})
    for j, r in enumerate(results):
        for m, s in enumerate(scales):
            sel = r.scales == s
            x = j + np.linspace(-0.25, 0.25, r.final_loss.size)[sel]
            ax.semilogy(x, np.maximum(r.final_loss[sel], floor), markers[m % 5], color=OKABE_ITO[m % 7], ms=6,
                        mec="black", mew=0.4, label=f"scale {s:g}" if j == 0 else None)
        level = max(r.global_minimum, floor)
        ax.plot([j - 0.4, j + 0.4], [level, level], color="0.3", lw=1.2, ls="--")
        ax.annotate(rf"$L^\star$ = {r.global_minimum:.3g}", (j + 0.4, level), ha="right", va="bottom", fontsize=7, color="0.25")
    ax.set_xticks(range(len(results)), [f"widths {r.widths}\n" + rf"$d_{{\min}}$ = {min(r.widths)}" for r in results])
    ax.set_xlim(-0.6, len(results) - 0.4)
    ax.set_ylim(floor / 3, 10.0)
    ax.set_ylabel(r"loss where the flow stops, $L_\infty$")
    ax.set_title("flows from random Gaussian starts", fontsize=9)
    ax.legend(fontsize=7.5, loc="center right")
    return fig
