r"""Figures for the chapter on open problems (the computations are in :mod:`deeplinear.rates`,
:mod:`deeplinear.escape` and :mod:`deeplinear.descent`).

Each function below is a small numerical experiment about a question the literature leaves
open. Everything it shows is a *numerical observation* on finitely many starts, never a proof.

* :func:`convergence_time_figure` draws :func:`deeplinear.random_convergence_times`: how long
  flows from random small starts take to reach the global minimum value; the spread grows with
  depth.
* :func:`deeplinear.saddle_escape_times` and :func:`saddle_escape_figure` -- a strict and a non-strict
  saddle with the same critical value, perturbed by :math:`\varepsilon`: logarithmic against
  algebraic escape times.
* :func:`deeplinear.escape_phase_blowup_time`, :func:`deeplinear.escape_phase_scaling` and
  :func:`escape_phase_figure` -- near the origin the flow is, to leading order, the gradient
  flow of the *linear* loss :math:`-\langle\Sigma, W_{1:h}\rangle` (:func:`deeplinear.linear`),
  homogeneous of degree :math:`h - 1`; its finite blow-up time :math:`\tau(Z)` predicts the first escape time
  :math:`T(s) \approx \tau(Z)\, s^{2-h}` of the start :math:`sZ`.
* :func:`descent_orbit_figure` draws :func:`deeplinear.descent_orbits`: gradient descent above
  the threshold :math:`\eta^\star`, period doubling of the attractor.
* :func:`random_start_explorer_figure` -- the chapter's explorer: one random start of a given
  depth and scale on the ladder of critical values.

The long plateaus of the escape experiments are integrated with ``method="LSODA"`` and no step
cap: on a plateau it switches to a stiff method and takes long steps (4-8x faster than the
default ``DOP853`` here); the tests check that both give the same escape times. The thirty
random starts of each case of :func:`deeplinear.random_convergence_times` are integrated
together instead (:func:`deeplinear.gradient_flow_batch`).

References: Bah, Rauhut, Terstiege and Westdickenberg (2022); Chitour, Liao and Couillet (2023);
Eftekhari (2020); Jacot et al. (2021); Cohen et al. (2021); Trager, Kohn and Bruna (2020).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import NullFormatter

from .._validation import as_depth, as_int, as_items, as_positive, as_seeds
from .._validation import as_positive_values as _positive_values
from ..quotient import critical_values
from ..large_steps import DescentOrbits
from ..escape_times import EscapePhaseScaling, SaddleEscapeTimes
from ..flow import gradient_flow
from ..init import random_init
from ..modes import mode_loss
from ..rates import ConvergenceTimes
from .style import OKABE_ITO, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "convergence_time_figure",
    "saddle_escape_figure",
    "escape_phase_figure",
    "descent_orbit_figure",
    "random_start_explorer_figure",
]

_FAST = {"method": "LSODA", "max_step": np.inf}


def _seeds(seeds: object, name: str = "seeds") -> tuple[int, ...]:
    return as_seeds(seeds, name)


def _square(r: int, h: int) -> tuple[int, ...]:
    return (r,) * (h + 1)


# --------------------------------------------------------------------------- convergence times


def convergence_time_figure(result: ConvergenceTimes):
    r"""Survival curves of the convergence time: the fraction of random starts whose loss is
    still above ``loss_tol`` at time :math:`t`, one curve per case, against :math:`t` (left)
    and against :math:`t` divided by the case's median (right), both on logarithmic time axes.

    Parameters
    ----------
    result : deeplinear.rates.ConvergenceTimes
        The result of :func:`deeplinear.random_convergence_times`.

    Returns
    -------
    matplotlib Figure
        Two axes: against time and against rescaled time.

    Raises
    ------
    TypeError
        If ``result`` is not a ``ConvergenceTimes``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> result = dl.random_convergence_times(cases=((2, 0.1),), seeds=range(3), t_max=100.0)
    >>> fig = dl.plots.convergence_time_figure(result)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(result, ConvergenceTimes):
        raise ArgumentTypeError(f"result must be a ConvergenceTimes (from random_convergence_times), got {type(result).__name__}")
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

    Parameters
    ----------
    result : deeplinear.escape_times.SaddleEscapeTimes
        The result of :func:`deeplinear.saddle_escape_times`.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``result`` is not a ``SaddleEscapeTimes``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> result = dl.saddle_escape_times(eps=(0.1, 0.03), seeds=(0,))
    >>> fig = dl.plots.saddle_escape_figure(result)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    if not isinstance(result, SaddleEscapeTimes):
        raise ArgumentTypeError(f"result must be a SaddleEscapeTimes (from saddle_escape_times), got {type(result).__name__}")
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

    To leading order the first escape time of the start :math:`sZ` is

    .. math:: T(s) \approx \tau(Z)\, s^{2-h}.

    The vertical jitter of the right panel is drawn from ``numpy.random.default_rng(0)``.

    Parameters
    ----------
    results : sequence of deeplinear.escape_times.EscapePhaseScaling
        From :func:`deeplinear.escape_phase_scaling`, one per depth (at least one).

    Returns
    -------
    matplotlib Figure
        Two axes: the rescaled escape times and the distribution of :math:`\tau(Z)`.

    Raises
    ------
    TypeError
        If ``results`` is empty or holds anything but ``EscapePhaseScaling``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> res = dl.escape_phase_scaling(3, scales=(0.1, 0.03), seeds=(0,), distribution_seeds=(0, 1))
    >>> fig = dl.plots.escape_phase_figure([res])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    results = as_items(results, "results", allow_empty=True)
    if not results or not all(isinstance(r, EscapePhaseScaling) for r in results):
        raise ArgumentTypeError("results must be a non-empty list of EscapePhaseScaling (from escape_phase_scaling)")
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


def descent_orbit_figure(orbits: Sequence[DescentOrbits], *, titles: Sequence[str] | None = None):
    r"""Bifurcation diagrams: the values of :math:`u_1^\top W_{1:h} v_1` visited on the attractor against
    :math:`\eta/\eta^\star`, one panel per :class:`~deeplinear.large_steps.DescentOrbits`, with the target
    :math:`\sigma_1` (dashed) and the threshold :math:`\eta = \eta^\star` (dotted).

    Points are coloured by the detected period of the orbit (1, 2, 4, 8 or other); ratios
    whose values are all NaN are skipped.

    Parameters
    ----------
    orbits : sequence of deeplinear.large_steps.DescentOrbits
        From :func:`deeplinear.descent_orbits` (at least one), one panel each.
    titles : sequence of str, optional
        One title per panel; by default the depth.

    Returns
    -------
    matplotlib Figure
        One axes per element of ``orbits``.

    Raises
    ------
    TypeError
        If ``orbits`` is empty or holds anything but ``DescentOrbits``.
    ValueError
        If ``titles`` does not hold one title per panel.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W0 = [np.array([[0.1]]), np.array([[0.12]])]
    >>> orbits = dl.descent_orbits(W0, np.array([[1.0]]), (0.95, 1.1, 1.26), steps=500)
    >>> fig = dl.plots.descent_orbit_figure([orbits])
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    orbits = as_items(orbits, "orbits", allow_empty=True)
    if not orbits or not all(isinstance(o, DescentOrbits) for o in orbits):
        raise ArgumentTypeError("orbits must be a non-empty list of DescentOrbits (from descent_orbits)")
    if titles is not None and len(titles) != len(orbits):
        raise InvalidArgumentError(f"give one title per panel ({len(orbits)}), got {len(titles)}")
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

    The network has square widths ``(r, ..., r)`` with ``r = len(singular_values)``, target
    :math:`\mathrm{diag}(\sigma)` (sorted decreasing) and i.i.d. Gaussian weights of standard
    deviation ``scale`` from ``numpy.random.default_rng(seed)``
    (:func:`deeplinear.random_init`); it is integrated by :func:`deeplinear.gradient_flow` with
    ``method="LSODA"``.

    Parameters
    ----------
    h : int
        Depth (``>= 2``).
    scale : float
        Standard deviation of the initial entries (positive).
    seed : int
        Seed of the initial weights.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        The positive singular values of the target.
    t_max : float, default 200.0
        End of the integration.
    threshold : float, default 0.2
        Plateau threshold on the relative loss rate.

    Returns
    -------
    matplotlib Figure
        Two axes: the loss on the ladder and the singular values.

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``scale``, ``t_max`` or ``threshold`` is not a real
        number.
    ValueError
        If ``h < 2``, a singular value is not positive, or ``scale``, ``t_max`` or
        ``threshold`` is not positive.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.random_start_explorer_figure(2, 0.1, 0, singular_values=(2.0, 1.0), t_max=50.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    h = as_depth(h)
    if h < 2:
        raise InvalidArgumentError("the explorer needs depth h >= 2")
    scale = as_positive(scale, "scale")
    s = np.sort(_positive_values(singular_values))[::-1]
    t_max = as_positive(t_max, "t_max")
    threshold = as_positive(threshold, "threshold")
    d = _square(s.size, h)
    S = np.diag(s)
    W0 = random_init(d, np.random.default_rng(as_int(seed, "seed", minimum=0)), scale)
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
    aligned = mode_loss(t_eval[1:], scale**h, s, h)
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
