r"""Figures of the chapter on stable and unstable sets at saddles.

The computations behind them live in :mod:`deeplinear.escape` and :mod:`deeplinear.rays`: an unlearnt mode ``m`` of the
balanced saddle :math:`A_S` carries a scalar chain :math:`w_1, \dots, w_h` with target
:math:`\sigma_m`; on the ray :math:`w_i = s_i a` (signs :math:`s_i = \pm 1`,
:math:`\varsigma = \prod_i s_i`) the flow is

.. math:: \dot a = \varsigma\, a^{h-1} (\sigma_m - \varsigma a^h),

so the rays with :math:`\varsigma\sigma_m < 0` come back to the saddle and the others leave it
(:func:`deeplinear.ray_fates`, drawn by :func:`ray_fates_figure`). Near :math:`a = 0` the escape
is exponential for ``h = 2`` and algebraic for ``h >= 3`` (:func:`escape_laws_figure`). A start
slightly off a stable ray turns back before reaching the saddle (:func:`deeplinear.off_ray_flow`,
:func:`deeplinear.off_ray_turn_time`; the explorer :func:`off_ray_explorer_figure`). Points of
the stable and unstable sets built from rays and symmetry (:func:`deeplinear.saddle_samples`,
:func:`deeplinear.saddle_sample_flows`) flow back to or away from the saddle
(:func:`saddle_samples_figure`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_depths, as_items, as_positive, as_real_array
from ..escape import (
    SaddleSampleFlows,
    _integrate,
    _log_times,
    _pick_mode,
    _stable_signs,
)
from ..manifolds import saddle_escape_law, saddle_manifolds
from ..modes import mode_solution
from ..rays import RayFates, off_ray_flow
from .style import OKABE_ITO, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "ray_fates_figure",
    "escape_laws_figure",
    "off_ray_explorer_figure",
    "saddle_samples_figure",
]

_RUNNING_SIGMA = (3.0, 2.0, 1.0)
_DEPTH_COLOURS = {2: OKABE_ITO[0], 3: OKABE_ITO[1], 4: OKABE_ITO[2], 5: OKABE_ITO[3], 6: OKABE_ITO[5]}


def _colour(h: int) -> str:
    return _DEPTH_COLOURS.get(h, OKABE_ITO[7])


def _square_sigma(Sigma: object) -> np.ndarray:
    S = np.diag(_RUNNING_SIGMA) if Sigma is None else as_real_array(Sigma, "Sigma", allow_empty=True)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] < 1:
        raise InvalidArgumentError(f"Sigma must be a finite square matrix (the widths are all its size), got shape {np.shape(S)}")
    return S


# --------------------------------------------------------------------------- sign analysis


def ray_fates_figure(fates: Sequence[RayFates]):
    r"""The ray equation and what the network flow does on every ray, for several depths.

    Left: the right-hand side :math:`\dot a = \varsigma a^{h-1}(\sigma - \varsigma a^h)` of the ray
    equation for :math:`\varsigma = +1` (solid) and :math:`\varsigma = -1` (dashed), one colour per depth:
    :math:`\dot a > 0` near 0 exactly when :math:`\varsigma = +1`; it vanishes to order
    :math:`h - 1` there. Right: :math:`|a(T)|/|a(0)|` from the network flow for every sign vector,
    against the number of negative signs; triangles pointing down mark the rays predicted
    stable (:math:`\varsigma\sigma < 0`), up the unstable ones.

    Parameters
    ----------
    fates : sequence of deeplinear.rays.RayFates
        One per depth (from :func:`deeplinear.ray_fates`), at least one.

    Returns
    -------
    matplotlib Figure
        Two axes: the ray equation and the fates.

    Raises
    ------
    TypeError
        If ``fates`` is empty or holds anything but ``RayFates``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> S = np.diag([2.0, 1.0])
    >>> fates = [dl.ray_fates((1,), S, (2,) * (h + 1), t_max=5.0) for h in (2, 3)]
    >>> fig = dl.plots.ray_fates_figure(fates)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    fates = as_items(fates, "fates", allow_empty=True)
    if not fates or not all(isinstance(f, RayFates) for f in fates):
        raise ArgumentTypeError("fates must be a non-empty sequence of RayFates (from dl.ray_fates)")
    fig, (ax_l, ax_r) = new_figure(2, width=8.4, height=3.6)
    for f in fates:
        h, s = f.depth, f.sigma
        col = _colour(h)
        a = np.linspace(0.0, 1.25 * abs(s) ** (1.0 / h), 300)
        ax_l.plot(a, a ** (h - 1) * (s - a**h), color=col, lw=1.8, label=rf"$h = {h}$, $\varsigma = +1$")
        ax_l.plot(a, -(a ** (h - 1)) * (s + a**h), color=col, lw=1.8, ls="--", label=rf"$h = {h}$, $\varsigma = -1$")
        neg = np.sum(f.signs < 0, axis=1)
        jitter = (h - 2 - 0.5 * (len(fates) - 1)) * 0.08
        for stable, marker in ((True, "v"), (False, "^")):
            sel = f.predicted_stable == stable
            ax_r.plot(neg[sel] + jitter, f.ratios[sel], marker, color=col, ms=6, ls="none",
                      mec="black", mew=0.4, label=f"h = {h}" if stable else None)
    ax_l.axhline(0.0, color="0.5", lw=0.8)
    ax_l.set_xlabel("amplitude $a$ on the ray")
    ax_l.set_ylabel(r"$\dot a$")
    ax_l.set_title(r"ray equation $\dot a = \varsigma a^{h-1}(\sigma - \varsigma a^h)$", fontsize=9)
    ax_l.set_ylim(-3.0, 1.5)
    ax_l.legend(fontsize=6.5, ncol=2, loc="lower left")
    ax_r.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax_r.set_yscale("log")
    hmax = max(f.depth for f in fates)
    ax_r.set_xticks(range(hmax + 1))
    ax_r.set_xlabel("number of negative signs $s_i$")
    ax_r.set_ylabel(r"$|a(T)| \,/\, |a(0)|$")
    ax_r.set_title(rf"network flow, $T = {fates[0].t_max:g}$: down = returned ($\varsigma = -1$)", fontsize=9)
    ax_r.legend(fontsize=7, loc="center right")
    return fig


# --------------------------------------------------------------------------- escape laws


def escape_laws_figure(
    Sigma: np.ndarray | None = None,
    subset: Sequence[int] = (1,),
    depths: Sequence[int] = (2, 3, 4),
    *,
    a0_unstable: float = 0.05,
    a0_stable: float = 0.5,
    t_max: float = 1e4,
):
    r"""Leaving and approaching a saddle along rays: exponential for ``h = 2``, algebraic for ``h >= 3``.

    The network has widths all equal to the size of the square ``Sigma`` (default
    :math:`\mathrm{diag}(3, 2, 1)`) and starts at :math:`A_S` plus the largest available
    unlearnt mode ``m`` on a ray. Left: the unstable ray (all signs ``+1``) from amplitude
    ``a0_unstable``; right: the stable ray of :func:`deeplinear.flow_from_saddle` from
    ``a0_stable``. Solid: :math:`|a(t)|` read off the network flow; dashed: the leading-order law
    :func:`deeplinear.saddle_escape_law` (:math:`|a_0|e^{\pm\sigma t}` for ``h = 2``,
    :math:`(|a_0|^{2-h} \mp (h-2)\sigma t)^{-1/(h-2)}` for ``h >= 3``); dotted verticals: the
    blow-up times :math:`t^\ast = |a_0|^{2-h}/((h-2)\sigma)` of that law; dotted horizontals: the
    levels :math:`\sigma^{1/h}` where the escaping mode is learnt. Both axes are logarithmic.

    Parameters
    ----------
    Sigma : ndarray, shape (n, n), optional
        A finite square target; default :math:`\mathrm{diag}(3, 2, 1)`.
    subset : sequence of int, default (1,)
        The learnt set ``S`` of the saddle (1-based).
    depths : sequence of int, default (2, 3, 4)
        The depths drawn (each ``>= 2``).
    a0_unstable : float, default 0.05
        Starting amplitude on the unstable ray.
    a0_stable : float, default 0.5
        Starting amplitude on the stable ray.
    t_max : float, default 1e4
        End of the (logarithmic) time grid.

    Returns
    -------
    matplotlib Figure
        Two axes: the unstable and the stable ray.

    Raises
    ------
    TypeError
        If an amplitude or ``t_max`` is not a real number, or a depth is not an integer.
    ValueError
        If ``Sigma`` is not a finite square matrix, an amplitude or ``t_max`` is not
        positive, ``depths`` is empty or holds a depth below 2, and as
        :func:`deeplinear.saddle_manifolds` for a ``subset`` it refuses.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.escape_laws_figure(np.diag([2.0, 1.0]), (1,), (2, 3), t_max=100.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    S = _square_sigma(Sigma)
    n = S.shape[0]
    a0u = as_positive(a0_unstable, "a0_unstable")
    a0s = as_positive(a0_stable, "a0_stable")
    t_max = as_positive(t_max, "t_max")
    depths = list(as_depths(depths))
    if not depths or min(depths) < 2:
        raise InvalidArgumentError(f"depths must be at least 2 (a depth-1 network has no saddle), got {depths}")
    fig, (ax_u, ax_s) = new_figure(2, width=8.4, height=3.7)
    te = _log_times(t_max, 160)
    for h in depths:
        man = saddle_manifolds(subset, S, (n,) * (h + 1))
        m = _pick_mode(man, None)
        sig = float(man.mode(m).sigma)
        col = _colour(h)
        for ax, signs, a0, stable in ((ax_u, (1,) * h, a0u, False), (ax_s, _stable_signs(h), a0s, True)):
            tr = _integrate(man.ray_point(m, signs, a0), S, te)
            amp = np.array([np.abs(man.mode_amplitudes(m, W)).mean() for W in tr.weights])
            ok = tr.t > 0
            shown = ok & (np.minimum.accumulate(amp) > 1e-7)  # up to where the curve leaves the axes
            ax.plot(tr.t[shown], amp[shown], color=col, lw=3.2, alpha=0.45, label=rf"$h = {h}$: network flow")
            with np.errstate(over="ignore"):
                law = saddle_escape_law(tr.t[ok], a0, sig, h, stable=stable)
            law = np.where(law < 1e3, law, np.nan)
            ax.plot(tr.t[ok], law, color=col, lw=1.2, ls="--", label=rf"$h = {h}$: leading-order law")
            if not stable:
                ax.axhline(sig ** (1.0 / h), color=col, lw=0.7, ls=":")
                if h >= 3:
                    ax.axvline(a0 ** (2 - h) / ((h - 2) * sig), color=col, lw=0.9, ls=":")
    for ax in (ax_u, ax_s):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(te[1], t_max)
        ax.set_xlabel("time $t$ (log scale)")
        ax.legend(fontsize=6.5, ncol=2, loc="lower left" if ax is ax_s else "center right")
    ax_u.set_ylim(a0u / 2, 3.0)
    ax_s.set_ylim(1e-6, 2.0)
    ax_u.set_ylabel(r"mode amplitude $|a(t)|$")
    ax_u.set_title(rf"unstable ray, $|a_0| = {a0u:g}$: escape", fontsize=9)
    ax_s.set_title(rf"stable ray, $|a_0| = {a0s:g}$: return to the saddle", fontsize=9)
    return fig


# --------------------------------------------------------------------------- off the stable ray


_EXPLORER_SADDLES = {"origin": (), "S = {1}": (1,), "S = {1, 2}": (1, 2)}


def off_ray_explorer_figure(h: int = 3, offset: float = 1e-4, saddle: str = "S = {1}", *, fig=None):
    r"""Explorer frame: the flow from a stable ray of a saddle and from ``offset`` off it.

    Target :math:`\Sigma = \mathrm{diag}(3, 2, 1)`, widths all 3, depth ``h``; ``saddle`` is
    ``"origin"`` (:math:`S = \emptyset`, escaping mode 1), ``"S = {1}"`` (mode 2) or
    ``"S = {1, 2}"`` (mode 3). Left (log-log): :math:`|a(t)|` on the ray (blue: the network
    flow; black dotted: the exact solution of the mode equation, :func:`deeplinear.mode_solution`),
    and off the ray the perturbed entry :math:`|w_1|` (dashed) and
    the others :math:`|w_2| = \dots = |w_h|` (solid), both orange; the grey line is
    :math:`\sqrt c`, below which the second trajectory cannot go, and the grey dotted vertical
    the predicted turning time (:func:`deeplinear.off_ray_turn_time`). Right: the two losses,
    with the saddle's value.

    The flows are :func:`deeplinear.off_ray_flow` with ``eps = 0.5``, ``t_max = 1e4``, 121
    output times and ``rtol = 1e-9``.

    Parameters
    ----------
    h : int, default 3
        Depth.
    offset : float, default 1e-4
        Size of the perturbation off the stable ray.
    saddle : {"origin", "S = {1}", "S = {1, 2}"}, default "S = {1}"
        The saddle.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's; it must not use a layout engine).

    Returns
    -------
    matplotlib Figure
        Two axes: the entries and the losses.

    Raises
    ------
    TypeError
        If ``h`` is not an integer.
    ValueError
        If ``saddle`` is not one of the three names, ``h < 1``, ``fig`` uses a layout engine,
        and as :func:`deeplinear.off_ray_flow` for a depth or offset it refuses.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.off_ray_explorer_figure(3, 1e-3, "S = {1}")
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if saddle not in _EXPLORER_SADDLES:
        raise InvalidArgumentError(f"saddle must be one of {list(_EXPLORER_SADDLES)}, got {saddle!r}")
    h = as_depth(h)
    S = np.diag(_RUNNING_SIGMA)
    fl = off_ray_flow(_EXPLORER_SADDLES[saddle], S, (3,) * (h + 1), eps=0.5, off=offset, t_max=1e4, n_times=121,
                      rtol=1e-9)
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.8, 3.6))
    elif fig.get_layout_engine() is not None:
        raise InvalidArgumentError("fig must not use a layout engine (this figure sets fixed margins)")
    ax, ax_l = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.09, right=0.985, bottom=0.13, top=0.91, wspace=0.28)
    ok = fl.t > 0
    t = fl.t[ok]
    floor = 1e-7
    blue, orange = OKABE_ITO[0], OKABE_ITO[1]
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_on[ok]).mean(axis=1), floor), color=blue, lw=2.2, label="on the ray")
    exact = np.abs(mode_solution(t, float(np.prod(fl.signs)) * fl.eps**h, fl.sigma, h)) ** (1.0 / h)
    ax.plot(t, np.maximum(exact, floor), color="black", lw=1.0, ls=":", label="mode equation, exact")
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_off[ok, 1:]).max(axis=1), floor), color=orange, lw=1.8,
            label=r"off: $|w_2|, \dots, |w_h|$")
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_off[ok, 0]), floor), color=orange, lw=1.4, ls="--", label=r"off: $|w_1|$")
    ax.axhline(math.sqrt(fl.imbalance), color="0.45", lw=1.0, ls="-.", label=r"$\sqrt{c}$")
    if fl.predicted_turn < t[-1]:
        ax.axvline(fl.predicted_turn, color="0.45", lw=1.0, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(floor, 3.0)
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_ylabel(f"mode-{fl.mode} entries $|w_i(t)|$")
    ax.legend(fontsize=6.5, loc="lower left")
    turn = f"{fl.predicted_turn:.2g}" if math.isfinite(fl.predicted_turn) else "never"
    ax.set_title(f"h = {h}, {saddle}, offset {offset:.0e}: c = {fl.imbalance:.1e}, turn at t ≈ {turn}", fontsize=8)
    value = float(fl.manifolds.point.value)
    ax_l.plot(t, fl.loss_on[ok], color=blue, lw=2.2, label="on the ray")
    ax_l.plot(t, fl.loss_off[ok], color=orange, lw=1.8, label="off the ray")
    ax_l.axhline(value, color="0.45", lw=0.9, ls=":", label=f"saddle value {value:g}")
    ax_l.set_xscale("log")
    ax_l.set_xlim(t[0], t[-1])
    top = 1.15 * float(max(fl.loss_on[0], fl.loss_off[0]))  # the same for every offset at this saddle
    ax_l.set_ylim(-0.03 * top, top)
    ax_l.set_xlabel("time $t$ (log scale)")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(f"mode {fl.mode}, σ = {fl.sigma:g}", fontsize=8)
    ax_l.legend(fontsize=7, loc="lower left")
    from matplotlib.ticker import LogLocator, NullLocator

    for a in (ax, ax_l):  # decades only: every frame is drawn at build time, and minor ticks cost
        a.xaxis.set_major_locator(LogLocator(numticks=7))
        a.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_locator(LogLocator(numticks=5))
    ax.yaxis.set_minor_locator(NullLocator())
    return fig


# --------------------------------------------------------------------------- symmetry and samples


def saddle_samples_figure(flows: Sequence[SaddleSampleFlows]):
    r"""Distance to the saddle along flows from sampled points of its stable and unstable sets.

    One panel per :class:`~deeplinear.escape.SaddleSampleFlows` (e.g. ``h = 2`` and ``h = 3``): blue curves start
    on the stable set and return to :math:`A_S` (exponentially for ``h = 2``, like a power of
    :math:`1/t` for ``h >= 3``), orange curves start on the unstable set and leave it for a
    lower critical point. Log-log axes; the grey guide has slope :math:`-1/(h-2)` (drawn for
    ``h >= 3``).

    Parameters
    ----------
    flows : sequence of deeplinear.escape.SaddleSampleFlows
        From :func:`deeplinear.saddle_sample_flows`, at least one; one panel each.

    Returns
    -------
    matplotlib Figure
        One axes per element of ``flows``.

    Raises
    ------
    TypeError
        If ``flows`` is empty or holds anything but ``SaddleSampleFlows``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> S = np.diag([2.0, 1.0])
    >>> flows = [dl.saddle_sample_flows((1,), S, (2, 2, 2), n=1, t_max=10.0, n_times=11)]
    >>> fig = dl.plots.saddle_samples_figure(flows)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    flows = as_items(flows, "flows", allow_empty=True)
    if not flows or not all(isinstance(f, SaddleSampleFlows) for f in flows):
        raise ArgumentTypeError("flows must be a non-empty sequence of SaddleSampleFlows (from dl.saddle_sample_flows)")
    fig, axes = new_figure(len(flows), width=4.2 * len(flows), height=3.5, squeeze=False)
    axes = list(axes[0])
    for ax, f in zip(axes, flows):
        ok = f.t > 0
        t = f.t[ok]
        for k, d in enumerate(f.stable_distances):
            ax.plot(t, np.maximum(d[ok], 1e-12), color=OKABE_ITO[0], lw=1.4, label="stable samples" if k == 0 else None)
        for k, d in enumerate(f.unstable_distances):
            ax.plot(t, np.maximum(d[ok], 1e-12), color=OKABE_ITO[1], lw=1.4, ls="--",
                    label="unstable samples" if k == 0 else None)
        h = f.depth
        if h >= 3:
            guide = 0.3 * (t / t[-1]) ** (-1.0 / (h - 2)) * float(np.max(f.stable_distances[:, -1]))
            ax.plot(t[t > 1], guide[t > 1], color="0.5", lw=1.0, ls=":", label=rf"slope $-1/{h - 2}$" if h > 3 else "slope $-1$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(1e-8, 10.0)
        ax.set_xlabel("time $t$ (log scale)")
        ax.set_ylabel(r"$\|W(t) - A_S\|_F$")
        S = f.manifolds.point.subset
        ax.set_title(rf"$h = {h}$, $S = \{{{', '.join(map(str, S))}\}}$, value {f.manifolds.point.value:g}", fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
    return fig
