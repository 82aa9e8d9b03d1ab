r"""Figures (and the computations behind them) for the chapter on open problems.

Each function below is a small numerical experiment about a question the literature leaves
open. Everything it shows is a *numerical observation* on finitely many starts, never a proof.

* :func:`random_convergence_times` and :func:`convergence_time_figure` -- how long flows from
  random small starts take to reach the global minimum value; the spread grows with depth.
* :func:`saddle_escape_times` and :func:`saddle_escape_figure` -- a strict and a non-strict
  saddle with the same critical value, perturbed by :math:`\varepsilon`: logarithmic against
  algebraic escape times.
* :func:`escape_phase_blowup_time`, :func:`escape_phase_scaling` and
  :func:`escape_phase_figure` -- near the origin the flow is, to leading order, the gradient
  flow of the *linear* loss :math:`-\langle\Sigma, W_{1:h}\rangle` (:func:`deeplinear.linear`),
  homogeneous of degree :math:`h - 1`; its finite blow-up time :math:`\tau(Z)` predicts the first escape time
  :math:`T(s) \approx \tau(Z)\, s^{2-h}` of the start :math:`sZ`.
* :func:`orbit_period`, :func:`descent_orbits` and :func:`descent_orbit_figure` -- gradient
  descent above the threshold :math:`\eta^\star`: period doubling of the attractor.
* :func:`huber_mode_study` -- half-times of aligned two-layer modes under Huber losses against
  :func:`deeplinear.huber_mode_half_time`, which reverses the order of learning when
  :math:`\delta` is small.
* :func:`plateau_levels` -- the loss values a sampled loss curve rests on.
* :func:`random_start_explorer_figure` -- the chapter's explorer: one random start of a given
  depth and scale on the ladder of critical values.

The long plateaus of these experiments are integrated with ``method="LSODA"`` and no step cap:
on a plateau it switches to a stiff method and takes long steps (4-8x faster than the default
``DOP853`` here); the tests check that both give the same escape times.

References: Bah, Rauhut, Terstiege and Westdickenberg (2022); Chitour, Liao and Couillet (2023);
Eftekhari (2020); Jacot et al. (2021); Cohen et al. (2021); Trager, Kohn and Bruna (2020).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import NullFormatter

from .._validation import as_depth, as_int, as_positive, as_weights, check_sigma, widths_of
from ..descent import critical_step, gradient_descent
from ..flow import gradient_flow
from ..init import aligned_init, random_init
from ..invariants import imbalance
from ..critical import critical_values
from ..losses import huber
from ..modes import huber_mode_half_time, mode_loss
from ..network import end_to_end
from ..escape import EscapePhaseScaling, SaddleEscapeTimes
from .incremental import plateau_dwell
from .style import OKABE_ITO, new_figure
from .._validation import frozen_array as _frozen
from .._validation import as_positive_values as _positive_values

__all__ = [
    "plateau_levels",
    "ConvergenceTimes",
    "random_convergence_times",
    "convergence_time_figure",
    "saddle_escape_figure",
    "escape_phase_figure",
    "orbit_period",
    "DescentOrbits",
    "descent_orbits",
    "descent_orbit_figure",
    "HuberModeStudy",
    "huber_mode_study",
    "random_start_explorer_figure",
]

_FAST = {"method": "LSODA", "max_step": np.inf}


def _seeds(seeds: object) -> tuple[int, ...]:
    out = tuple(int(x) for x in seeds)  # type: ignore[union-attr]
    if not out:
        raise ValueError("seeds must name at least one seed")
    return out


def _square(r: int, h: int) -> tuple[int, ...]:
    return (r,) * (h + 1)


# --------------------------------------------------------------------------- plateaus of a curve


def plateau_levels(t: Sequence[float], loss_values: Sequence[float], threshold: float = 0.2, *,
                   floor: float = 1e-10) -> list[float]:
    r"""The loss values a sampled loss curve rests on.

    A segment :math:`[t_j, t_{j+1}]` is *resting* when its relative rate
    :math:`|L_{j+1} - L_j| / ((t_{j+1} - t_j)\,L_j)` is below ``threshold`` (in units of
    1/time, like the ``"plateau"`` events of :func:`deeplinear.gradient_flow`) and
    :math:`L_j > ` ``floor`` (a loss that has reached rounding level is not a plateau).
    Maximal runs of consecutive resting segments are plateaus; each is reported by the median
    of the loss over its samples, in time order.

    Parameters
    ----------
    t, loss_values : 1-D arrays of the same length (at least 2), ``t`` increasing
    threshold : float, default 0.2
    floor : float, default 1e-10

    Returns
    -------
    list of float
    """
    t = np.asarray(t, dtype=float)
    L = np.asarray(loss_values, dtype=float)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise ValueError(f"t and loss must be 1-D arrays of the same length >= 2, got shapes {t.shape} and {L.shape}")
    if np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)) or not np.all(np.isfinite(L)):
        raise ValueError("t must be strictly increasing and t, loss finite")
    threshold = as_positive(threshold, "threshold")
    floor = as_positive(floor, "floor", allow_zero=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.abs(np.diff(L)) / (np.diff(t) * L[:-1])
    resting = (L[:-1] > floor) & (rate < threshold)
    levels: list[float] = []
    j = 0
    n = resting.size
    while j < n:
        if not resting[j]:
            j += 1
            continue
        k = j
        while k + 1 < n and resting[k + 1]:
            k += 1
        levels.append(float(np.median(L[j:k + 2])))
        j = k + 1
    return levels


# --------------------------------------------------------------------------- convergence times


@dataclass(frozen=True)
class ConvergenceTimes:
    r"""How long flows from random starts take to reach the global minimum value.

    Attributes
    ----------
    cases : tuple of (int, float)
        ``(h, scale)``: depth and entry standard deviation of each family of starts.
    singular_values : ndarray
        Diagonal of :math:`\Sigma`; the widths are square, ``(r, ..., r)``, so :math:`L^\star = 0`.
    seeds : tuple of int
    times : ndarray, shape (n_cases, n_seeds)
        First time the loss is below ``loss_tol``; ``inf`` if not reached by ``t_max``.
    final_loss : ndarray, shape (n_cases, n_seeds)
    last_rung_dwell : ndarray, shape (n_cases, n_seeds)
        Time each run spends within 10% of the last rung of the ladder,
        :math:`\tfrac12\sigma_{\min}^2` (:func:`deeplinear.plateau_dwell` on the solver's steps).
    t_max, loss_tol : float
    """

    cases: tuple
    singular_values: np.ndarray
    seeds: tuple
    times: np.ndarray
    final_loss: np.ndarray
    last_rung_dwell: np.ndarray
    t_max: float
    loss_tol: float

    def survival(self, t: object) -> np.ndarray:
        r"""Fraction of the starts of each case not yet within ``loss_tol`` at the times ``t``
        (shape ``(n_cases, len(t))``)."""
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        return np.mean(self.times[:, :, None] > tt[None, None, :], axis=1)

    @property
    def medians(self) -> np.ndarray:
        """Median convergence time of each case."""
        return np.median(self.times, axis=1)

    @property
    def spread(self) -> np.ndarray:
        """Slowest over fastest convergence time of each case (``inf`` if a run did not converge)."""
        return np.max(self.times, axis=1) / np.min(self.times, axis=1)


def random_convergence_times(
    cases: Sequence[tuple[int, float]] = ((2, 0.01), (3, 0.1), (4, 0.3)),
    seeds: Sequence[int] = tuple(range(30)),
    *,
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    t_max: float = 5000.0,
    loss_tol: float = 1e-6,
) -> ConvergenceTimes:
    r"""Integrate the flow from i.i.d. Gaussian starts and record when the loss falls below ``loss_tol``.

    For each case ``(h, scale)`` and seed, the start is
    ``deeplinear.random_init((r,) * (h + 1), numpy.random.default_rng(seed), scale)`` with
    :math:`\Sigma = \mathrm{diag}(\sigma)`; the flow stops at the terminal ``"convergence"``
    event or at ``t_max``.

    Returns
    -------
    ConvergenceTimes
    """
    s = _positive_values(singular_values)
    seeds = _seeds(seeds)
    t_max = as_positive(t_max, "t_max")
    loss_tol = as_positive(loss_tol, "loss_tol")
    cs = []
    for case in cases:
        try:
            h, scale = case
        except (TypeError, ValueError) as exc:
            raise ValueError(f"each case must be a pair (h, scale), got {case!r:.60}") from exc
        cs.append((as_depth(h, "h"), as_positive(scale, "scale")))
    if not cs:
        raise ValueError("cases must not be empty")
    S = np.diag(s)
    times = np.full((len(cs), len(seeds)), np.inf)
    final = np.zeros((len(cs), len(seeds)))
    dwell = np.zeros((len(cs), len(seeds)))
    last = 0.5 * float(np.min(s)) ** 2
    for i, (h, scale) in enumerate(cs):
        d = _square(s.size, h)
        for j, seed in enumerate(seeds):
            W0 = random_init(d, np.random.default_rng(seed), scale)
            tr = gradient_flow(W0, S, (0.0, t_max), events={"convergence": {"loss_tol": loss_tol}}, **_FAST)
            final[i, j] = tr.loss[-1]
            dwell[i, j] = plateau_dwell(tr.t, tr.loss, last, 0.1)
            if tr.status == "converged":
                times[i, j] = tr.t[-1]
    return ConvergenceTimes(tuple(cs), _frozen(s), seeds, _frozen(times), _frozen(final), _frozen(dwell), t_max,
                            loss_tol)


def convergence_time_figure(result: ConvergenceTimes):
    r"""Survival curves of the convergence time: the fraction of random starts whose loss is
    still above ``loss_tol`` at time :math:`t`, one curve per case, against :math:`t` (left)
    and against :math:`t` divided by the case's median (right), both on logarithmic time axes.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(result, ConvergenceTimes):
        raise TypeError(f"result must be a ConvergenceTimes (from random_convergence_times), got {type(result).__name__}")
    fig, (ax, ax_n) = new_figure(2, width=7.8, height=3.4)
    finite = result.times[np.isfinite(result.times)]
    lo = 0.5 * float(finite.min()) if finite.size else 1.0
    grid = np.geomspace(lo, result.t_max, 600)
    styles = ["-", "--", "-.", ":"]
    for i, (h, scale) in enumerate(result.cases):
        surv = result.survival(grid)[i]
        c = OKABE_ITO[i % 8]
        label = f"h = {h}, scale {scale:g}"
        ax.step(grid, surv, where="post", color=c, lw=1.8, ls=styles[i % 4], label=label)
        med = float(result.medians[i])
        if np.isfinite(med):
            ax_n.step(grid / med, surv, where="post", color=c, lw=1.8, ls=styles[i % 4], label=label)
    for a in (ax, ax_n):
        a.set_xscale("log")
        a.set_ylim(-0.02, 1.02)
        a.set_ylabel(f"fraction with loss above {result.loss_tol:g}")
        a.legend(fontsize=7, loc="upper right")
    ax.set_xlim(lo, result.t_max)
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_title(f"{len(result.seeds)} random starts per depth", fontsize=9)
    ax_n.set_xlim(0.1, 50.0)
    ax_n.set_xlabel("time over the median, $t / t_{\\rm med}$ (log scale)")
    ax_n.set_title("same curves, each rescaled by its median", fontsize=9)
    return fig


# --------------------------------------------------------------------------- strict and non-strict saddles


def saddle_escape_figure(result: SaddleEscapeTimes):
    r"""Escape time against the size :math:`\varepsilon` of the perturbation (log-log), for the
    non-strict and the strict saddle: every direction (dots) and the median (line), with the
    fitted slopes in the legend.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(result, SaddleEscapeTimes):
        raise TypeError(f"result must be a SaddleEscapeTimes (from saddle_escape_times), got {type(result).__name__}")
    fig, ax = new_figure(1, width=6.4, height=3.8)
    styles = {"non-strict": (OKABE_ITO[5], "o", "-"), "strict": (OKABE_ITO[0], "s", "--")}
    for name in ("non-strict", "strict"):
        c, m, ls = styles[name]
        T = result.times[name]
        for j in range(T.shape[1]):
            ax.loglog(result.eps, T[:, j], m, color=c, ms=4, mfc="none", mew=0.8, alpha=0.8)
        lam = result.lambda_min[name]
        lam = 0.0 if abs(lam) < 1e-9 else lam
        ax.loglog(result.eps, result.median(name), ls, color=c, lw=1.8,
                  label=rf"{name} ($\lambda_{{\min}} = {lam:.3g}$): slope {result.slope(name):.2f}")
    ax.set_xlabel(r"size of the perturbation $\varepsilon$")
    ax.set_ylabel(f"time until $L < {result.threshold:g}$")
    sig = ", ".join(f"{x:g}" for x in np.diag(result.Sigma))
    ax.set_title(rf"two saddles with $L = {result.value:g}$, h = {result.h}, $\Sigma$ = diag({sig})", fontsize=9)
    ax.legend(fontsize=7.5, loc="upper right")
    return fig


# --------------------------------------------------------------------------- the escape phase


def escape_phase_figure(results: Sequence[EscapePhaseScaling]):
    r"""Left: :math:`s^{h-2}\,T(s)` against the scale :math:`s` for each seed (lines), with the
    blow-up times :math:`\tau(Z)` of the escape-phase flow as markers at the left edge. Right:
    the distribution of :math:`\tau(Z)` over many Gaussian :math:`Z`, one row per depth, with
    the aligned value :math:`1/((h-2)\sigma_1)` (star).

    Returns
    -------
    matplotlib Figure
    """
    results = list(results)
    if not results or not all(isinstance(r, EscapePhaseScaling) for r in results):
        raise TypeError("results must be a non-empty list of EscapePhaseScaling (from escape_phase_scaling)")
    fig, (ax, ax_d) = new_figure(2, width=7.8, height=3.5)
    rng = np.random.default_rng(0)
    x_lo = min(float(r.scales.min()) for r in results) / 4
    x_hi = max(float(r.scales.max()) for r in results) * 1.5
    markers = ("o", "s", "D", "^")
    for i, r in enumerate(results):
        c = OKABE_ITO[(2 * i) % 8]
        for j in range(len(r.seeds)):
            ax.semilogx(r.scales, r.scaled_times[j], "-", marker=markers[i % 4], color=c, lw=1.0, ms=3.5,
                        label=f"h = {r.h}: $s^{{{r.h - 2}}}\\,T(s)$" if j == 0 else None)
            ax.plot([x_lo * 1.3], [r.taus[j]], "<", color=c, ms=6, mec="black", mew=0.4,
                    label=r"$\tau(Z)$" if (i == 0 and j == 0) else None)
        y = np.full(r.distribution.size, float(r.h)) + rng.uniform(-0.18, 0.18, r.distribution.size)
        ax_d.semilogx(r.distribution, y, "o", color=c, ms=3.5, mfc="none", mew=0.8)
        ax_d.plot([r.aligned_tau], [r.h], "*", color=c, ms=13, mec="black", mew=0.6,
                  label="aligned, layer value 1" if i == 0 else None)
    ax.set_xlim(x_lo, x_hi)
    ax.set_yscale("log")
    ax.set_xlabel("scale $s$ of the start $sZ$")
    ax.set_ylabel(r"rescaled escape time $s^{h-2}\,T(s)$")
    ax.set_title("escape times approach $\\tau(Z)$ as $s \\to 0$", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    hs = [r.h for r in results]
    ax_d.set_yticks(hs, [f"h = {x}" for x in hs])
    ax_d.set_ylim(min(hs) - 0.6, max(hs) + 0.6)
    ax_d.xaxis.set_minor_formatter(NullFormatter())
    ax_d.set_xlabel(r"blow-up time $\tau(Z)$ of the escape phase")
    n = len(results[0].distribution_seeds)
    ax_d.set_title(f"$\\tau(Z)$ for {n} Gaussian $Z$ per depth", fontsize=9)
    ax_d.legend(fontsize=7, loc="upper right")
    return fig


# --------------------------------------------------------------------------- gradient descent above the threshold


def orbit_period(values: Sequence[float], *, tol: float = 1e-6, max_period: int = 32) -> int:
    r"""The smallest period :math:`p \le` ``max_period`` of a sequence, or ``0`` if it has none.

    :math:`p` is a period when :math:`|x_n - x_{n-p}| \le` ``tol`` for every ``n >= p`` of the
    given values (pass the tail of an iteration, after the transient). A sequence shorter than
    ``2 p`` cannot show period ``p``.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    tol = as_positive(tol, "tol", allow_zero=True)
    max_period = as_int(max_period, "max_period", minimum=1)
    for p in range(1, max_period + 1):
        if x.size < 2 * p:
            break
        if np.all(np.abs(x[p:] - x[:-p]) <= tol):
            return p
    return 0


@dataclass(frozen=True)
class DescentOrbits:
    r"""Where gradient descent settles for step sizes around :math:`\eta^\star` (a bifurcation diagram).

    Attributes
    ----------
    ratios : ndarray
        :math:`\eta/\eta^\star`.
    eta_star : float
        :func:`deeplinear.critical_step` of :math:`\sigma_1` and the depth.
    h : int
    values : ndarray, shape (n_ratios, keep)
        The component :math:`u_1^\top W_{1:h} v_1` of the end-to-end map along the top singular
        pair of :math:`\Sigma`, on the last ``keep`` iterates (NaN where descent diverged).
    periods : ndarray of int
        :func:`orbit_period` of each row; ``0`` if no period up to 32, ``-1`` if diverged.
    imbalance : ndarray
        :func:`deeplinear.imbalance` of the last iterate.
    sigma1 : float
    """

    ratios: np.ndarray
    eta_star: float
    h: int
    values: np.ndarray
    periods: np.ndarray
    imbalance: np.ndarray
    sigma1: float

    def first_ratio_with_period(self, p: int) -> float:
        """The smallest ratio whose orbit has period ``p`` (NaN if none)."""
        hit = np.nonzero(self.periods == p)[0]
        return float(self.ratios[hit[0]]) if hit.size else float("nan")


def descent_orbits(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    ratios: Sequence[float],
    *,
    steps: int = 2000,
    keep: int = 64,
    tol: float = 1e-6,
) -> DescentOrbits:
    r"""Run :func:`deeplinear.gradient_descent` from ``weights0`` with
    :math:`\eta = \text{ratio}\cdot\eta^\star` for each ratio and record the attractor: the
    component :math:`u_1^\top W_{1:h} v_1` of the end-to-end map along the top singular pair
    :math:`(u_1, v_1)` of :math:`\Sigma` on the last ``keep`` iterates, and its period.

    Returns
    -------
    DescentOrbits
    """
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    S = check_sigma(Sigma, d)
    h = len(W0)
    r = np.array([as_positive(x, "ratios") for x in ratios], dtype=float)
    if r.size == 0:
        raise ValueError("ratios must not be empty")
    steps = as_int(steps, "steps", minimum=2)
    keep = as_int(keep, "keep", minimum=2)
    if keep > steps:
        raise ValueError(f"keep = {keep} must not exceed steps = {steps}")
    U, sv, Vt = np.linalg.svd(S)
    u1, v1 = U[:, 0], Vt[0]
    sigma1 = float(sv[0])
    eta_star = critical_step(sigma1, h)
    vals = np.full((r.size, keep), np.nan)
    periods = np.zeros(r.size, dtype=int)
    imb = np.full(r.size, np.nan)
    for i, ratio in enumerate(r):
        res = gradient_descent(W0, S, ratio * eta_star, steps, on_divergence="ignore")
        if res.diverged or res.steps < steps:
            periods[i] = -1
            continue
        tail = res.weights[-keep:]
        vals[i] = [float(u1 @ end_to_end(W) @ v1) for W in tail]
        periods[i] = orbit_period(vals[i], tol=tol)
        imb[i] = imbalance(res.final_weights)
    periods.setflags(write=False)
    return DescentOrbits(_frozen(r), eta_star, h, _frozen(vals), periods, _frozen(imb), sigma1)


def descent_orbit_figure(orbits: Sequence[DescentOrbits], *, titles: Sequence[str] | None = None):
    r"""Bifurcation diagrams: the values of :math:`u_1^\top W_{1:h} v_1` visited on the attractor against
    :math:`\eta/\eta^\star`, one panel per :class:`DescentOrbits`, with the target
    :math:`\sigma_1` (dashed) and the threshold :math:`\eta = \eta^\star` (dotted).

    Returns
    -------
    matplotlib Figure
    """
    orbits = list(orbits)
    if not orbits or not all(isinstance(o, DescentOrbits) for o in orbits):
        raise TypeError("orbits must be a non-empty list of DescentOrbits (from descent_orbits)")
    if titles is not None and len(titles) != len(orbits):
        raise ValueError(f"give one title per panel ({len(orbits)}), got {len(titles)}")
    fig, axes = new_figure(len(orbits), width=3.9 * len(orbits), height=3.5)
    axes = np.atleast_1d(axes)
    for k, (ax, o) in enumerate(zip(axes, orbits)):
        for i, ratio in enumerate(o.ratios):
            v = o.values[i]
            if np.all(np.isnan(v)):
                continue
            p = int(o.periods[i])
            c = OKABE_ITO[{1: 0, 2: 1, 4: 2, 8: 3}.get(p, 7)]
            ax.plot(np.full(v.size, ratio), v, ".", color=c, ms=2.5)
        ax.axhline(o.sigma1, color="0.5", lw=0.8, ls="--")
        ax.axvline(1.0, color="0.3", lw=0.9, ls=":")
        ax.set_xlim(float(o.ratios.min()) - 0.01, float(o.ratios.max()) + 0.01)
        ax.set_xlabel(r"step size over threshold, $\eta/\eta^\star$")
        ax.set_ylabel(r"$u_1^\top W_{1:h} v_1$ on the attractor")
        ax.set_title(titles[k] if titles is not None else f"depth {o.h}", fontsize=9)
    handles = [axes[0].plot([], [], ".", color=OKABE_ITO[j], ms=7, label=lab)[0]
               for j, lab in ((0, "period 1"), (1, "period 2"), (2, "period 4"), (3, "period 8"), (7, "other"))]
    axes[0].legend(handles=handles, fontsize=6.5, loc="lower left")
    return fig


# --------------------------------------------------------------------------- Huber loss


@dataclass(frozen=True)
class HuberModeStudy:
    r"""Half-times of the modes of an aligned two-layer network under Huber losses.

    Attributes
    ----------
    singular_values : ndarray
    u0 : float
        Initial product of every mode (layer value :math:`\sqrt{u_0}`).
    deltas : ndarray
        Huber thresholds; ``inf`` means the quadratic loss.
    predicted : ndarray, shape (n_deltas, r)
        :func:`deeplinear.huber_mode_half_time` (the logistic half-time for ``delta = inf``).
    measured : ndarray, shape (n_deltas, r)
        First time the diagonal entry :math:`k` of the integrated end-to-end map reaches
        :math:`\sigma_k/2` (linear interpolation between output times).
    off_diagonal : float
        Largest off-diagonal entry of any end-to-end map along the flows (the flows stay aligned).
    """

    singular_values: np.ndarray
    u0: float
    deltas: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    off_diagonal: float

    def order(self, i: int) -> list[int]:
        """The modes (1-based) in the order they reach half their target, for ``deltas[i]``."""
        return [int(k) + 1 for k in np.argsort(self.measured[i], kind="stable")]


def huber_mode_study(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    deltas: Sequence[float] = (np.inf, 2.5, 1.5, 0.5),
    u0: float = 1e-6,
    *,
    num: int = 4001,
) -> HuberModeStudy:
    r"""Integrate the aligned, balanced two-layer network with :math:`\Sigma = \mathrm{diag}(\sigma)`
    and mode products ``u0`` under the Huber loss of :math:`\Sigma - W` for each ``delta``
    (``inf``: the quadratic loss), and compare the half-times with :func:`deeplinear.huber_mode_half_time`.

    Returns
    -------
    HuberModeStudy
    """
    s = _positive_values(singular_values)
    u0 = as_positive(u0, "u0")
    if u0 >= float(s.min()) / 2:
        raise ValueError(f"u0 = {u0:g} must lie below sigma_min / 2 = {float(s.min()) / 2:g}")
    dl_ = np.array([float(x) for x in deltas], dtype=float)
    if dl_.size == 0 or np.any(~(dl_ > 0)):
        raise ValueError(f"deltas must be positive (inf for the quadratic loss), got {list(deltas)!r:.80}")
    num = as_int(num, "num", minimum=10)
    r = s.size
    S = np.diag(s)
    W0 = aligned_init((r, r, r), np.sqrt(u0))
    pred = np.array([[huber_mode_half_time(sk, min(dk, 1e300), u0) for sk in s] for dk in dl_])
    meas = np.full_like(pred, np.nan)
    off = 0.0
    for i, dk in enumerate(dl_):
        t_max = 1.5 * float(np.max(pred[i]))
        t = np.linspace(0.0, t_max, num)
        if np.isinf(dk):
            tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        else:
            tr = gradient_flow(W0, None, (0.0, t_max), t_eval=t, end_to_end_loss=huber(S, delta=float(dk)))
        P = tr.end_to_end
        off = max(off, float(np.max(np.abs(P - P * np.eye(r)[None]))))
        for k in range(r):
            u = P[:, k, k]
            j = int(np.argmax(u >= s[k] / 2))
            if u[j] >= s[k] / 2 and j > 0:
                meas[i, k] = t[j - 1] + (s[k] / 2 - u[j - 1]) * (t[j] - t[j - 1]) / (u[j] - u[j - 1])
    return HuberModeStudy(_frozen(s), u0, _frozen(dl_), _frozen(pred), _frozen(meas), off)


# --------------------------------------------------------------------------- explorer


def random_start_explorer_figure(
    h: int,
    scale: float,
    seed: int,
    *,
    fig=None,
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    t_max: float = 200.0,
    threshold: float = 0.2,
):
    r"""The chapter's explorer: one random start of depth ``h`` and entry scale ``scale``.

    Left: the loss (log-log axes) on the ladder of critical values (all values thin grey, those
    of the top sets :math:`\{1, \dots, m\}` dashed and labelled), with the observed plateaus
    shaded (``"plateau"`` events: relative rate below ``threshold``) and the closed-form loss of
    the aligned start with layer value ``scale`` (dotted). A run that has not reached
    :math:`10^{-8}` by ``t_max`` is marked as still resting. Right: the singular values of the
    end-to-end map and their targets.

    Returns
    -------
    matplotlib Figure
    """
    h = as_depth(h)
    if h < 2:
        raise ValueError("the explorer needs depth h >= 2")
    scale = as_positive(scale, "scale")
    s = np.sort(_positive_values(singular_values))[::-1]
    t_max = as_positive(t_max, "t_max")
    threshold = as_positive(threshold, "threshold")
    d = _square(s.size, h)
    S = np.diag(s)
    W0 = random_init(d, np.random.default_rng(int(seed)), scale)
    t_lo = 0.05
    t_eval = np.concatenate([[0.0], np.geomspace(t_lo, t_max, 400)])
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t_eval,
                       events={"convergence": {"loss_tol": 1e-8}, "plateau": {"threshold": threshold}}, **_FAST)
    if fig is None:
        fig, (ax, ax_s) = new_figure(2, width=8.4, height=3.5, gridspec_kw={"width_ratios": [1.7, 1.0]})
    else:
        fig.set_layout_engine("constrained")
        ax, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1.0]})
    cv = critical_values(s, d)
    top = [0.5 * float(np.sum(s[m:] ** 2)) for m in range(s.size)]
    for v in cv.values:
        if v > 0:
            ax.axhline(v, color="0.85", lw=0.6, zorder=0)
    for m, v in enumerate(top):
        ax.axhline(v, color="0.4", lw=0.8, ls="--", zorder=1)
        lab = "{" + ",".join(str(k) for k in range(1, m + 1)) + "}" if m else "∅"
        ax.annotate(f"S = {lab}", (t_lo * 1.1, v), ha="left", va="bottom", fontsize=6.5, color="0.3")
    # observed plateaus: a strip along the bottom of the axes
    entries = np.sort(np.asarray(tr.events.get("plateau_entry", ()), dtype=float))
    exits = np.sort(np.asarray(tr.events.get("plateau_exit", ()), dtype=float))
    strip = ax.get_xaxis_transform()
    for a in entries:
        later = exits[exits > a]
        b = float(later[0]) if later.size else float(tr.t[-1])
        ax.fill_between([max(a, t_lo), max(b, t_lo)], 0.0, 0.05, transform=strip, color=OKABE_ITO[4], lw=0)
    keep = tr.t >= t_lo
    floor = 1e-4
    aligned = mode_loss(t_eval[1:], s, scale**h, h)
    ax.loglog(t_eval[1:], np.maximum(aligned, floor / 10), ":", color="black", lw=1.4, label=f"aligned start, a0 = {scale:g}")
    ax.loglog(tr.t[keep], np.maximum(tr.loss[keep], floor / 10), color=OKABE_ITO[5], lw=2.0,
              label=f"random start, seed {seed}")
    ax.fill_between([], [], [], color=OKABE_ITO[4], label=rf"plateau ($|\dot L|/L < {threshold:g}$)")
    if tr.status == "converged":
        note = f"reached L < 1e-8 at t = {tr.t[-1]:.3g}"
    else:
        note = f"still resting at L = {tr.loss[-1]:.3g} at t = {t_max:g}"
    ax.set_xlim(t_lo, t_max)
    ax.set_ylim(floor, 15.0)
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_ylabel("loss $L(t)$ (log scale)")
    ax.set_title(f"depth h = {h}, entry scale {scale:g}, seed {seed}: {note}", fontsize=8.5)
    ax.legend(fontsize=6.5, loc="center left")
    sv = np.linalg.svd(tr.end_to_end, compute_uv=False)
    for k in range(s.size):
        c = OKABE_ITO[(k + 1) % 8]
        ax_s.loglog(tr.t[keep], np.maximum(sv[keep, k], 1e-12), color=c, lw=1.6, label=f"$s_{k + 1}$")
        ax_s.axhline(s[k], color=c, lw=0.8, ls="--")
    ax_s.set_xlim(t_lo, t_max)
    ax_s.set_ylim(1e-8, 2 * s[0])
    ax_s.set_xlabel("time $t$ (log scale)")
    ax_s.set_ylabel("singular values of $W_{1:h}(t)$")
    ax_s.set_title("end-to-end map; dashed: targets", fontsize=9)
    ax_s.legend(fontsize=6.5, loc="lower right")
    return fig
