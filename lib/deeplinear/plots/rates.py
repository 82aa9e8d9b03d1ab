r"""Figures (and the small computations behind them) for the chapter on balanced initialisations
and convergence rates.

The end-to-end equations these figures check are in :mod:`deeplinear.flow`:
:func:`deeplinear.end_to_end_velocity` (the velocity of the end-to-end map along the layer-wise
flow), :func:`deeplinear.singular_value_velocity` (the singular-value law of balanced flows) and
:func:`deeplinear.margin_rate` (the exponential rate that a deficiency margin :math:`c`
guarantees for a 0-balanced flow: :math:`2h\,c^{2(h-1)/h}` when the end-to-end map is square,
:math:`2\,c^{2(h-1)/h}` in general).

* :func:`rate_run` and :func:`rate_bound_figure` -- the loss along a flow against both bounds
  :math:`\ell(0)e^{-\text{rate}\cdot t}` (digest claim 29 and its non-square counterexample).
* :func:`margin_example` and :func:`margin_explorer_figure` -- a one-parameter family of
  0-balanced starts with prescribed margin, square or wide, the explorer of the chapter.
* :func:`singular_value_paths` and :func:`low_rank_bias_figure` -- the singular values of the
  end-to-end map of balanced flows of several depths from the same small product: depth makes
  them arrive one at a time.
* :func:`imbalance_figure` -- the exact scalar law :math:`\dot p = \sqrt{c^2+4p^2}(\sigma - p)`
  for several imbalances :math:`c`, next to matrix flows from delta-balanced starts with one
  common end-to-end map.
* :func:`random_limits` and :func:`random_limits_figure` -- the limit loss of flows from random
  Gaussian starts, with and without a bottleneck (digest claim 31).

References: Arora, Cohen and Hazan (2018); Arora, Cohen, Golowich and Hu (2019); Bah, Rauhut,
Terstiege and Westdickenberg (2022); Tarmoun, Franca, Haeffele and Vidal (2021).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_depth, as_int, as_matrix, as_positive, as_weights, as_widths, check_sigma, widths_of
from ..flow import gradient_flow
from ..product_flow import margin_rate
from ..init import balanced_init, deficiency_margin, delta_balanced_init, random_init
from ..critical import critical_values
from ..modes import unbalanced_solution
from .style import OKABE_ITO, axes_row, new_figure
from .._validation import frozen_array as _frozen

_MARGINS = (0.75, 0.15, 0.55, 0.4, 0.32)  # inches (left, right, bottom, top) and wspace: fixed, for explorer frames

__all__ = [
    "RateRun",
    "rate_run",
    "rate_bound_figure",
    "margin_example",
    "margin_explorer_figure",
    "SingularValuePaths",
    "singular_value_paths",
    "low_rank_bias_figure",
    "imbalance_figure",
    "RandomLimits",
    "random_limits",
    "random_limits_figure",
]

_LOSS_FLOOR = 1e-14


# --------------------------------------------------------------------------- the rate


@dataclass(frozen=True)
class RateRun:
    r"""A 0-balanced flow with a deficiency margin, and the rate bounds (from :func:`rate_run`).

    Attributes
    ----------
    t, loss : ndarray
        Output times and the loss :math:`\ell(W(t))` there.
    smin : ndarray
        :math:`\sigma_{\min}(W(t))`, the ``min(d_0, d_h)``-th singular value of the end-to-end map.
    margin : float
        The deficiency margin :math:`c` of the start.
    rate_h, rate_1 : float
        :math:`2h\,c^{2(h-1)/h}` and :math:`2\,c^{2(h-1)/h}`.
    square : bool
        Whether :math:`d_0 = d_h` (the bound with the factor ``h`` is then a theorem).
    imbalance : float
        :math:`\max_{i,t} \lVert C_i(t)\rVert_F` along the flow (0 up to integration error).
    widths : tuple of int
    """

    t: np.ndarray
    loss: np.ndarray
    smin: np.ndarray
    margin: float
    rate_h: float
    rate_1: float
    square: bool
    imbalance: float
    widths: tuple

    @property
    def h(self) -> int:
        return len(self.widths) - 1

    @property
    def bound_h(self) -> np.ndarray:
        r""":math:`\ell(0)e^{-2h c^{2(h-1)/h} t}`."""
        return self.loss[0] * np.exp(-self.rate_h * self.t)

    @property
    def bound_1(self) -> np.ndarray:
        r""":math:`\ell(0)e^{-2 c^{2(h-1)/h} t}`."""
        return self.loss[0] * np.exp(-self.rate_1 * self.t)

    @property
    def ratio_h(self) -> float:
        r""":math:`\max_t \ell(t) / (\ell(0)e^{-2hc^{2(h-1)/h}t})` (at most 1 if that bound holds)."""
        return float(np.max(self.loss / self.bound_h))

    @property
    def ratio_1(self) -> float:
        r""":math:`\max_t \ell(t) / (\ell(0)e^{-2c^{2(h-1)/h}t})` (at most 1 if that bound holds)."""
        return float(np.max(self.loss / self.bound_1))


def rate_run(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    t_max: float,
    *,
    n: int = 121,
    rtol: float = 1e-10,
    atol: float = 1e-14,
    loss_tol: float = 0.0,
) -> RateRun:
    r"""Integrate the flow from ``weights0`` and compare the loss with the margin bounds.

    Parameters
    ----------
    weights0 : list of ndarray
        A (0-balanced) start whose end-to-end map has a positive deficiency margin.
    Sigma : ndarray
    t_max : float
    n : int, default 121
        Number of output times on ``[0, t_max]``.
    rtol, atol : float
        Integration tolerances (the library's defaults unless loosened for explorer frames).
    loss_tol : float, default 0
        Stop when the loss falls below this (0: never).

    Raises
    ------
    ValueError
        If the start has no deficiency margin (``c <= 0``).
    """
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    S = check_sigma(Sigma, d)
    c = deficiency_margin(W0, S)
    if not c > 0:
        raise ValueError(f"the start has no deficiency margin: c = sigma_min(Sigma) - ||W - Sigma||_F = {c:.4g} <= 0")
    t_max = as_positive(t_max, "t_max")
    n = as_int(n, "n", minimum=2)
    events = {"convergence": {"loss_tol": float(loss_tol)}} if loss_tol > 0 else ()
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=np.linspace(0.0, t_max, n), rtol=rtol, atol=atol, events=events)
    k = min(d[0], d[-1])
    smin = np.array([np.linalg.svd(P, compute_uv=False)[k - 1] for P in tr.end_to_end])
    imb = max((float(np.linalg.norm(C)) for Cs in tr.conserved for C in Cs), default=0.0)
    h = len(d) - 1
    return RateRun(
        t=_frozen(tr.t), loss=_frozen(tr.loss), smin=_frozen(smin), margin=float(c),
        rate_h=margin_rate(c, h, square=True), rate_1=margin_rate(c, h, square=False),
        square=d[0] == d[-1], imbalance=imb, widths=d,
    )


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
    the dotted line the bound without it (a theorem in general).

    Returns
    -------
    matplotlib Figure
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, RateRun) for r in runs):
        raise TypeError("runs must be a non-empty list of RateRun objects (from rate_run)")
    if titles is not None and len(titles) != len(runs):
        raise ValueError(f"got {len(titles)} titles for {len(runs)} runs")
    fig, axes = axes_row(None, len(runs), 4.3 * len(runs), 3.6, margins=_MARGINS)
    for i, (ax, run) in enumerate(zip(axes, runs)):
        _draw_rate(ax, run, ylim, None if titles is None else titles[i])
    return fig


_EXAMPLE_SHAPES = ("square", "wide")


def margin_example(h: int, c: float, shape: str = "square") -> tuple[list[np.ndarray], np.ndarray]:
    r"""A 0-balanced start of depth ``h`` whose end-to-end map has deficiency margin exactly ``c``.

    * ``"square"``: :math:`\Sigma = \mathrm{diag}(2, 1)` and :math:`W(0) = \mathrm{diag}(2, c)`,
      so :math:`\sigma_{\min}(W(0)) = c` and the residual sits where the flow is slowest: the
      square bound is tight at :math:`t = 0`.
    * ``"wide"``: :math:`\Sigma = [\mathrm{diag}(2,1)\ \ 0] \in \mathbb R^{2\times3}` and
      :math:`W(0) = \Sigma + (1 - c)\, e_2 e_3^\top`: the residual points into the input
      direction that :math:`\Sigma` ignores, where the flow is slowest for a non-square map.

    Hidden widths are 2. Returns ``(weights0, Sigma)``.
    """
    h = as_depth(h)
    c = as_positive(c, "c")
    if not c < 1.0:
        raise ValueError(f"c must lie in (0, 1) (sigma_min(Sigma) = 1), got {c}")
    if shape == "square":
        S = np.diag([2.0, 1.0])
        P = np.diag([2.0, c])
    elif shape == "wide":
        S = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        P = S.copy()
        P[1, 2] = 1.0 - c
    else:
        raise ValueError(f"shape must be one of {_EXAMPLE_SHAPES}, got {shape!r}")
    widths = (S.shape[1],) + (2,) * (h - 1) + (S.shape[0],)
    return balanced_init(widths, product=P), S


def margin_explorer_figure(h: int, c: float, shape: str = "square", *, t_max: float = 5.0, fig=None):
    r"""Explorer frame: the loss of the 0-balanced flow from :func:`margin_example` against both
    margin bounds, with fixed axes (loss from ``1e-12`` to ``10``, time ``[0, t_max]``).

    Integrated with ``rtol = 1e-8`` and stopped once the loss is below ``1e-13`` (cheap frames;
    the curves are far above the integration error).
    """
    W0, S = margin_example(h, c, shape)
    run = rate_run(W0, S, t_max, n=101, rtol=1e-8, atol=1e-14, loss_tol=1e-13)
    fig, (ax,) = axes_row(fig, 1, 6.4, 4.0, margins=_MARGINS)
    verdict = "holds" if run.ratio_h <= 1.0 + 1e-9 else f"fails (max ratio {run.ratio_h:.3g})"
    label = "square 2x2" if shape == "square" else "wide 2x3"
    _draw_rate(ax, run, (1e-12, 10.0), f"h = {h}, c = {c:g}, {label}: bound with factor h {verdict}", t_end=t_max)
    return fig


# --------------------------------------------------------------------------- low-rank bias


@dataclass(frozen=True)
class SingularValuePaths:
    r"""Singular values of the end-to-end map along balanced flows (from :func:`singular_value_paths`).

    Attributes
    ----------
    t : ndarray, shape (n,)
    depths : tuple of int
    values : dict of int to ndarray
        ``values[h]`` has shape ``(n, k)``: the singular values of :math:`W_{1:h}(t)`, descending.
    target : ndarray
        The singular values of :math:`\Sigma`.
    """

    t: np.ndarray
    depths: tuple
    values: dict
    target: np.ndarray


def singular_value_paths(
    product0: np.ndarray,
    Sigma: np.ndarray,
    depths: Sequence[int] = (1, 2, 3),
    t_max: float = 12.0,
    *,
    n: int = 241,
) -> SingularValuePaths:
    r"""Balanced flows of each depth from the same end-to-end map ``product0`` (square widths).

    For depth ``h`` the start is :func:`deeplinear.balanced_init` of ``product0`` with all
    widths ``d_0``, so every depth starts from the same product and only the depth differs.
    """
    P0 = as_matrix(product0, "product0")
    S = as_matrix(Sigma, "Sigma")
    if S.shape != P0.shape or S.shape[0] != S.shape[1]:
        raise ValueError(f"product0 {P0.shape} and Sigma {S.shape} must be square of the same shape")
    t_max = as_positive(t_max, "t_max")
    t = np.linspace(0.0, t_max, as_int(n, "n", minimum=2))
    r = S.shape[0]
    values = {}
    hs = tuple(as_depth(h) for h in depths)
    for h in hs:
        W0 = balanced_init((r,) * (h + 1), product=P0)
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        values[h] = _frozen(np.array([np.linalg.svd(P, compute_uv=False) for P in tr.end_to_end]))
    return SingularValuePaths(_frozen(t), hs, values, _frozen(np.linalg.svd(S, compute_uv=False)))


def low_rank_bias_figure(paths: SingularValuePaths):
    r"""One panel per depth: the singular values of :math:`W_{1:h}(t)` against time, with the
    target values dotted. Depth 1 learns all of them at once; deeper networks learn them one
    after the other, so the end-to-end map passes close to low-rank matrices.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(paths, SingularValuePaths):
        raise TypeError(f"paths must be a SingularValuePaths (from singular_value_paths), got {type(paths).__name__}")
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
    scalar network with imbalance :math:`c = w_1^2 - w_2^2` (:func:`deeplinear.unbalanced_solution`):
    imbalance removes the plateau near :math:`p = 0`. Right: the loss of depth-``h`` matrix flows
    from delta-balanced starts (:func:`deeplinear.delta_balanced_init`) that share one end-to-end
    map ``product0`` (default :math:`\Sigma + 0.5 D` with a fixed random unit :math:`D`), one curve
    per ``(delta, seed)``: the effect of imbalance on the rate depends on its direction.

    Returns
    -------
    matplotlib Figure
    """
    sigma = as_positive(sigma, "sigma")
    fig, (ax_s, ax_m) = axes_row(None, 2, 8.6, 3.6, margins=_MARGINS)
    t = np.linspace(0.0, t_max, 301)
    for i, c in enumerate(imbalances):
        p = unbalanced_solution(t, sigma, p0, float(c))
        ax_s.plot(t, p, color=OKABE_ITO[i % 7], lw=2.0, label=f"c = {c:g}")
    ax_s.set_ylim(0.0, 1.1 * sigma)
    ax_s.set_xlim(0.0, t_max)
    ax_s.set_xlabel("time $t$")
    ax_s.set_ylabel(r"product $p = w_2 w_1$")
    ax_s.set_title(rf"scalar, h = 2, $\sigma$ = {sigma:g}, $p_0$ = {p0:g}", fontsize=9)
    ax_s.legend(fontsize=7.5, loc="lower right")
    S = np.diag([3.0, 2.0, 1.0]) if Sigma is None else as_matrix(Sigma, "Sigma")
    if product0 is None:
        D = np.random.default_rng(5).standard_normal(S.shape)
        P0 = S + 0.5 * D / np.linalg.norm(D)
    else:
        P0 = as_matrix(product0, "product0")
    h = as_depth(h)
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


@dataclass(frozen=True)
class RandomLimits:
    r"""Limit losses of flows from random Gaussian starts (from :func:`random_limits`).

    Attributes
    ----------
    widths : tuple of int
    scales : ndarray
        Entry standard deviation of each start.
    seeds : tuple of int
    final_loss : ndarray
        The loss at the end of each flow.
    final_gradient : ndarray
        The gradient norm there.
    times : ndarray
        When each flow stopped.
    global_minimum : float
        :math:`L^\star = \tfrac12\sum_{k > d_{\min}}\sigma_k^2`.
    """

    widths: tuple
    scales: np.ndarray
    seeds: tuple
    final_loss: np.ndarray
    final_gradient: np.ndarray
    times: np.ndarray
    global_minimum: float

    @property
    def max_gap(self) -> float:
        r""":math:`\max |L_\infty - L^\star|` over the starts."""
        return float(np.max(np.abs(self.final_loss - self.global_minimum)))


def random_limits(
    Sigma: np.ndarray,
    widths: Sequence[int],
    seeds: Sequence[int] = tuple(range(12)),
    scales: Sequence[float] = (0.1, 0.3, 1.0),
    *,
    t_max: float = 100.0,
    loss_tol: float = 1e-10,
    grad_tol: float = 1e-7,
) -> RandomLimits:
    r"""Run the flow from i.i.d. Gaussian starts and record where it stops.

    Start ``k`` uses ``numpy.random.default_rng(seeds[k])`` and entry standard deviation
    ``scales[k % len(scales)]``. Each flow stops when the loss is below ``loss_tol`` or the
    gradient norm below ``grad_tol`` (an equilibrium), or at ``t_max``.
    """
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    sc = [as_positive(s, "scales") for s in scales]
    if not sc:
        raise ValueError("scales must not be empty")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    Lf, Gf, Tf, used = [], [], [], []
    for k, seed in enumerate(seeds):
        scale = sc[k % len(sc)]
        W0 = random_init(d, np.random.default_rng(seed), scale)
        tr = gradient_flow(W0, S, (0.0, t_max), events={"convergence": {"loss_tol": loss_tol, "grad_tol": grad_tol}})
        Lf.append(tr.loss[-1])
        Gf.append(tr.gradient_norm[-1])
        Tf.append(tr.t[-1])
        used.append(scale)
    return RandomLimits(d, _frozen(used), seeds, _frozen(Lf), _frozen(Gf), _frozen(Tf),
                        float(critical_values(S, d).global_minimum))


def random_limits_figure(results: Sequence[RandomLimits], *, floor: float = 1e-12):
    r"""Limit loss of each random start (markers by initial scale), one column per architecture,
    with the global minimum value :math:`L^\star` dashed (log scale).

    Returns
    -------
    matplotlib Figure
    """
    results = list(results)
    if not results or not all(isinstance(r, RandomLimits) for r in results):
        raise TypeError("results must be a non-empty list of RandomLimits (from random_limits)")
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
