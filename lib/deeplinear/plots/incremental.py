r"""Figures (and the computations behind them) for the chapter on incremental learning.

From a small start the flow learns the singular values of :math:`\Sigma` one after another,
largest first, and the loss rests near the critical values
:math:`\tfrac12\sum_{k > m}\sigma_k^2` in between (Saxe, McClelland and Ganguli 2014;
Gidel, Bach and Lacoste-Julien 2019; Jacot et al. 2021).

* :func:`incremental_run` integrates the flow from an aligned or a random small start, with the
  plateau events of :func:`deeplinear.gradient_flow`, and collects the predictions of
  :func:`deeplinear.incremental_plateaus` and the ladder of :func:`deeplinear.critical_values`;
  :func:`incremental_ladder_figure`, :func:`incremental_rank_figure` and
  :func:`incremental_explorer_figure` draw it.
* :func:`learnt_rank` counts the modes the end-to-end map has learnt (singular values past a
  fraction of their targets).
* :func:`random_half_times` predicts the transition times of a *random* small two-layer start
  (a heuristic, checked numerically in the chapter); :func:`random_vs_aligned` and
  :func:`random_vs_aligned_figure` compare random and aligned starts (digest claim 27).
* :func:`incremental_depth_figure` -- deeper networks separate the transitions more sharply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.patches import Patch

from .._validation import as_depth, as_int, as_positive, as_weights, widths_of
from ..flow import Trajectory, gradient_flow
from ..init import aligned_init, random_init
from ..critical import CriticalValues, critical_values
from ..modes import IncrementalPlateaus, incremental_plateaus, learnt_rank, mode_loss
from .style import OKABE_ITO, new_figure
from .._validation import frozen_array as _frozen
from .._validation import as_positive_values as _positive_values

__all__ = [
    "plateau_dwell",
    "IncrementalRun",
    "incremental_run",
    "incremental_ladder_figure",
    "incremental_rank_figure",
    "random_half_times",
    "RandomVsAligned",
    "random_vs_aligned",
    "random_vs_aligned_figure",
    "incremental_depth_figure",
    "incremental_explorer_figure",
]


def _fmt_set(S: Sequence[int]) -> str:
    return "{" + ",".join(str(k) for k in S) + "}" if len(S) else "∅"


# --------------------------------------------------------------------------- small helpers


def plateau_dwell(t: np.ndarray, loss: np.ndarray, value: float, rel: float = 0.1) -> float:
    r"""Time the loss spends within ``rel * value`` of ``value`` (a positive critical value).

    Computed on the samples: the sum of the steps :math:`t_{j+1} - t_j` whose both ends lie in
    :math:`|L - c| \le \mathrm{rel}\cdot c`.
    """
    t = np.asarray(t, dtype=float)
    L = np.asarray(loss, dtype=float)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise ValueError(f"t and loss must be 1-D arrays of the same length >= 2, got {t.shape} and {L.shape}")
    value = as_positive(value, "value")
    rel = as_positive(rel, "rel")
    inside = np.abs(L - value) <= rel * value
    both = inside[1:] & inside[:-1]
    return float(np.sum(np.diff(t)[both]))


def random_half_times(weights0: Sequence[np.ndarray], singular_values: Sequence[float]) -> np.ndarray:
    r"""Predicted half-times of a small *random* two-layer start (a heuristic).

    In reduced coordinates (:math:`\Sigma` diagonal, singular vectors the coordinate vectors)
    the linearised flow near the origin moves :math:`a_k = W_1 e_k` and :math:`b_k = W_2^\top e_k`
    by :math:`\dot a_k = \sigma_k b_k`, :math:`\dot b_k = \sigma_k a_k`, so
    :math:`v_k = a_k + b_k` grows like :math:`e^{\sigma_k t}` and the mode product
    :math:`b_k^\top a_k` like :math:`\tfrac14|v_k(0)|^2 e^{2\sigma_k t}`. A mode that is learnt
    later can only use the part of :math:`v_k` orthogonal to the hidden directions already
    taken by the larger modes. Hence the heuristic: orthogonalise the :math:`v_k(0)` in
    decreasing order of :math:`\sigma_k` (Gram-Schmidt, i.e. a QR factorisation
    :math:`V = QR`), take the effective start :math:`\tilde u_k = R_{kk}^2/4`, and use the
    aligned half-time :math:`t_k = \frac{1}{2\sigma_k}\ln\frac{\sigma_k - \tilde u_k}{\tilde u_k}`.

    This is not a theorem; the chapter checks it against integrated flows.

    Parameters
    ----------
    weights0 : [W_1, W_2]
        The small initial weights (depth 2).
    singular_values : sequence of float
        The diagonal :math:`\sigma_1, \sigma_2, \dots` of :math:`\Sigma` (positive, distinct).

    Returns
    -------
    ndarray
        Predicted half-times, in the order of ``singular_values`` (``0`` for a mode that
        starts past half-way).
    """
    W = as_weights(weights0, "weights0")
    if len(W) != 2:
        raise ValueError(f"random_half_times is for depth h = 2, got h = {len(W)}")
    d = widths_of(W)
    s = _positive_values(singular_values)
    if s.size > min(d[0], d[2]):
        raise ValueError(f"{s.size} singular values do not fit a {d[2]} x {d[0]} target")
    if s.size > d[1]:
        raise ValueError(f"only d_1 = {d[1]} modes fit through the hidden layer, got {s.size} singular values")
    if np.unique(s).size != s.size:
        raise ValueError(f"the singular values must be distinct for the learning order to be defined, got {s}")
    order = np.argsort(-s, kind="stable")
    V = np.column_stack([W[0][:, k] + W[1][k, :] for k in order])
    R = np.linalg.qr(V, mode="r")
    u = np.diag(R) ** 2 / 4.0
    out = np.empty(s.size)
    for j, k in enumerate(order):
        sk, uk = s[k], u[j]
        if uk <= 0:
            out[k] = np.inf
        elif uk >= sk / 2:
            out[k] = 0.0
        else:
            out[k] = np.log((sk - uk) / uk) / (2 * sk)
    return _frozen(out)


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class IncrementalRun:
    r"""A flow from a small start, with the predicted and observed plateaus.

    Attributes
    ----------
    t : ndarray, shape (n,)
    loss : ndarray, shape (n,)
        Loss along the integrated network flow.
    exact : ndarray or None
        Closed-form loss :func:`deeplinear.mode_loss` (aligned starts only).
    singular_values : ndarray
    h : int
    a0 : float
        Per-layer mode value (aligned) or entry standard deviation (random).
    init : str
        ``"aligned"`` or ``"random"``.
    prediction : IncrementalPlateaus
        The aligned prediction for per-mode products :math:`u_0 = a_0^h`.
    predicted_half_times : ndarray
        Half-times predicted for *this* start: the aligned ones, or :func:`random_half_times`
        for a random start of depth 2 (NaN for a random start of depth ``h >= 3``).
    critical : CriticalValues
        Every critical value of the loss (:func:`deeplinear.critical_values`).
    plateau_intervals : ndarray, shape (p, 2)
        ``[entry, exit]`` times of the ``"plateau"`` events: where the relative loss rate
        :math:`|\dot L|/L` is below ``threshold``.
    threshold : float
    ranks : ndarray of int, shape (n,)
        :func:`learnt_rank` of the end-to-end map at each output time.
    trajectory : Trajectory
    """

    t: np.ndarray
    loss: np.ndarray
    exact: np.ndarray | None
    singular_values: np.ndarray
    h: int
    a0: float
    init: str
    prediction: IncrementalPlateaus
    predicted_half_times: np.ndarray
    critical: CriticalValues
    plateau_intervals: np.ndarray
    threshold: float
    ranks: np.ndarray
    trajectory: Trajectory

    @property
    def visited_values(self) -> np.ndarray:
        r"""The critical values of the top sets :math:`\{1, \dots, m\}`, in the order visited."""
        return self.prediction.critical_values


def _intervals(entries: np.ndarray, exits: np.ndarray, t_end: float) -> np.ndarray:
    entries = np.sort(np.asarray(entries, dtype=float))
    exits = np.sort(np.asarray(exits, dtype=float))
    out = []
    for e in entries:
        later = exits[exits > e]
        out.append((e, float(later[0]) if later.size else t_end))
    return np.array(out, dtype=float).reshape(-1, 2)


def incremental_run(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    a0: float = 1e-3,
    h: int = 2,
    *,
    t_max: float = 14.0,
    num: int = 281,
    threshold: float = 0.5,
    init: str = "aligned",
    seed: int = 0,
) -> IncrementalRun:
    r"""Integrate the flow of a square network ``(r, ..., r)`` from a small start.

    Target :math:`\Sigma = \mathrm{diag}(\sigma)`; the start is :func:`deeplinear.aligned_init`
    with every layer value ``a0`` (``init="aligned"``, mode products :math:`a_0^h`) or
    :func:`deeplinear.random_init` with entry standard deviation ``a0`` drawn from
    ``numpy.random.default_rng(seed)`` (``init="random"``). The flow records the
    ``"plateau"`` events of :func:`deeplinear.gradient_flow` with the given ``threshold`` (in
    units of 1/time; choose it below the final rate :math:`2h\sigma_{\min}^{2-2/h}`, or the
    last approach to the minimum counts as a plateau).

    Returns
    -------
    IncrementalRun
    """
    s = _positive_values(singular_values)
    a0 = as_positive(a0, "a0")
    h = as_depth(h)
    if h < 2:
        raise ValueError("incremental learning needs depth h >= 2 (depth 1 has no saddle)")
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    threshold = as_positive(threshold, "threshold")
    if init not in ("aligned", "random"):
        raise ValueError(f"init must be 'aligned' or 'random', got {init!r:.40}")
    r = s.size
    u0 = a0**h
    if u0 >= float(np.min(s)) / 2:
        raise ValueError(f"a0 = {a0:g} gives mode products a0^h = {u0:.3g}, not small against sigma_min = {np.min(s):g}")
    d = (r,) * (h + 1)
    W0 = aligned_init(d, a0) if init == "aligned" else random_init(d, np.random.default_rng(seed), a0)
    S = np.diag(s)
    t = np.linspace(0.0, t_max, num)
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t, events={"plateau": {"threshold": threshold}})
    if tr.t.size != num:
        raise RuntimeError(f"the flow stopped early: {tr.message}")
    pred = incremental_plateaus(s, u0, h)
    if init == "aligned":
        exact = _frozen(mode_loss(t, s, u0, h))
        half = pred.half_times
    else:
        exact = None
        half = random_half_times(W0, s) if h == 2 else _frozen(np.full(r, np.nan))
    cv = critical_values(s, d)
    iv = _intervals(tr.events.get("plateau_entry", []), tr.events.get("plateau_exit", []), t_max)
    ranks = learnt_rank(tr.end_to_end, s)
    ranks.setflags(write=False)
    return IncrementalRun(_frozen(tr.t), _frozen(tr.loss), exact, _frozen(s), h, a0, init, pred, half, cv,
                          _frozen(iv), threshold, ranks, tr)


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
    r"""The loss of an :class:`IncrementalRun` on the ladder of critical values.

    Drawn: every critical value of the loss (thin grey), the ones visited from a small start
    (dashed, labelled with the learnt set :math:`S`), the loss (closed form and network flow
    for an aligned start), the predicted half-times :math:`t_k` (dotted verticals) and the
    observed plateaus (shaded: relative loss rate below the run's threshold).

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(run, IncrementalRun):
        raise TypeError(f"run must be an IncrementalRun (from incremental_run), got {type(run).__name__}")
    fig, ax = new_figure(1, width=7.0, height=3.6)
    _draw_ladder(ax, run, floor=as_positive(floor, "floor"))
    sig = ", ".join(f"{x:g}" for x in run.singular_values)
    ax.set_title(f"{run.init} start, a0 = {run.a0:g}, h = {run.h}, σ = ({sig})", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def incremental_rank_figure(run: IncrementalRun):
    r"""Singular values of the end-to-end map (left) and its learnt rank (right) over time.

    Left: :math:`s_k(W_{1:h}(t))` on a log axis with the targets :math:`\sigma_k` (dashed) and
    the half-way marks :math:`\sigma_k/2` (dots on the axis). Right: :func:`learnt_rank`
    (solid staircase) and the staircase predicted by the half-times (dashed).

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(run, IncrementalRun):
        raise TypeError(f"run must be an IncrementalRun (from incremental_run), got {type(run).__name__}")
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


@dataclass(frozen=True)
class RandomVsAligned:
    r"""Aligned and random small starts of the same size, over several seeds (claim 27).

    Attributes
    ----------
    singular_values : ndarray
    scale : float
        Per-layer mode value of the aligned start and entry standard deviation of the random
        ones (depth 2, square widths).
    seeds : tuple of int
    t : ndarray
    aligned_loss : ndarray
        Closed-form loss of the aligned start.
    random_losses : ndarray, shape (n_seeds, n)
    rungs : ndarray
        The positive visited critical values below the initial one.
    rel : float
    aligned_dwell : ndarray, shape (n_rungs,)
        Time within ``rel * c`` of each rung ``c`` (:func:`plateau_dwell`).
    random_dwell : ndarray, shape (n_seeds, n_rungs)
    aligned_half_times : ndarray
    measured_half_times : ndarray, shape (n_seeds, r)
        First time :math:`s_k(W(t)) \ge \sigma_k/2` (sorted values, linear interpolation).
    predicted_half_times : ndarray, shape (n_seeds, r)
        :func:`random_half_times`.
    """

    singular_values: np.ndarray
    scale: float
    seeds: tuple
    t: np.ndarray
    aligned_loss: np.ndarray
    random_losses: np.ndarray
    rungs: np.ndarray
    rel: float
    aligned_dwell: np.ndarray
    random_dwell: np.ndarray
    aligned_half_times: np.ndarray
    measured_half_times: np.ndarray
    predicted_half_times: np.ndarray

    @property
    def max_prediction_error(self) -> float:
        """Largest :math:`|t_k^{\\rm measured} - t_k^{\\rm predicted}|` over seeds and modes."""
        return float(np.max(np.abs(self.measured_half_times - self.predicted_half_times)))


def _crossing(t: np.ndarray, y: np.ndarray, level: float) -> float:
    above = np.nonzero(y >= level)[0]
    if above.size == 0:
        return np.nan
    j = int(above[0])
    if j == 0:
        return float(t[0])
    y0, y1 = y[j - 1], y[j]
    return float(t[j - 1] + (level - y0) * (t[j] - t[j - 1]) / (y1 - y0))


def random_vs_aligned(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    scale: float = 1e-3,
    seeds: Iterable[int] = range(20),
    *,
    t_max: float = 16.0,
    num: int = 3201,
    rel: float = 0.1,
) -> RandomVsAligned:
    r"""Integrate one random start per seed and compare with the aligned start of the same scale.

    Square widths ``(r, r, r)`` (depth 2), :math:`\Sigma = \mathrm{diag}(\sigma)` with
    decreasing distinct entries.

    Returns
    -------
    RandomVsAligned
    """
    s = _positive_values(singular_values)
    if np.any(np.diff(s) >= 0):
        raise ValueError(f"singular_values must be strictly decreasing, got {s}")
    scale = as_positive(scale, "scale")
    if scale**2 >= s[-1] / 2:
        raise ValueError(f"scale = {scale:g} is not a small start for sigma_min = {s[-1]:g}")
    seeds = tuple(int(x) for x in seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    rel = as_positive(rel, "rel")
    r = s.size
    t = np.linspace(0.0, t_max, num)
    aligned = mode_loss(t, s, scale**2, 2)
    pred = incremental_plateaus(s, scale**2, 2)
    rungs = np.array([v for v in pred.critical_values[1:] if v > 0])
    a_dwell = np.array([plateau_dwell(t, aligned, c, rel) for c in rungs])
    losses, dwell, meas, predicted = [], [], [], []
    S = np.diag(s)
    for seed in seeds:
        W0 = random_init((r, r, r), np.random.default_rng(seed), scale)
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        if tr.t.size != num:
            raise RuntimeError(f"seed {seed}: the flow stopped early ({tr.message})")
        losses.append(tr.loss)
        dwell.append([plateau_dwell(t, tr.loss, c, rel) for c in rungs])
        sv = np.linalg.svd(tr.end_to_end, compute_uv=False)
        meas.append([_crossing(t, sv[:, k], s[k] / 2) for k in range(r)])
        predicted.append(random_half_times(W0, s))
    return RandomVsAligned(_frozen(s), scale, seeds, _frozen(t), _frozen(aligned), _frozen(losses), _frozen(rungs), rel,
                           _frozen(a_dwell), _frozen(dwell), _frozen(pred.half_times), _frozen(meas), _frozen(predicted))


def random_vs_aligned_figure(result: RandomVsAligned, *, n_show: int = 5):
    r"""Loss curves of random starts against the aligned one (left) and the predicted against the
    measured half-times of every random start (right).

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(result, RandomVsAligned):
        raise TypeError(f"result must be a RandomVsAligned (from random_vs_aligned), got {type(result).__name__}")
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

    Returns
    -------
    matplotlib Figure
    """
    s = _positive_values(singular_values)
    a0 = as_positive(a0, "a0")
    hs = [as_depth(x, "depths") for x in depths]
    if not hs or min(hs) < 2:
        raise ValueError(f"depths must be integers >= 2, got {depths!r:.60}")
    fig, ax = new_figure(1, width=7.0, height=3.4)
    order = np.argsort(-s, kind="stable")
    x_max = 1.35 * float(s[order[0]] / s[order[-1]])
    x = np.linspace(0.0, x_max, 700)
    floor = 1e-3
    styles = ["-", "--", "-.", ":"]
    for j, hh in enumerate(hs):
        if a0**hh >= float(np.min(s)) / 2:
            raise ValueError(f"a0 = {a0:g} is not a small start at depth {hh}")
        p = incremental_plateaus(s, a0**hh, hh)
        t1 = float(p.half_times[order[0]])
        ax.semilogy(x, np.maximum(mode_loss(x * t1, s, a0**hh, hh), floor / 10), color=OKABE_ITO[j % 8], lw=1.8,
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

    Returns
    -------
    matplotlib Figure
    """
    s = np.array([sigma1, sigma2, sigma3], dtype=float)
    _positive_values(s, "sigma")
    if not (s[0] > s[1] > s[2]):
        raise ValueError(f"need sigma1 > sigma2 > sigma3, got {s[0]:g}, {s[1]:g}, {s[2]:g}")
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
