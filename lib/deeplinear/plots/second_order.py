r"""Figures of the chapter on second-order analysis: strict and non-strict saddles.

The Hessian of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2` is taken with respect to
the free weight entries (:func:`deeplinear.hessian`). The figures show

* the sorted Hessian spectrum of a critical point, coloured by sign, with its classification
  (:func:`hessian_spectrum_figure`, and the explorer frame
  :func:`hessian_spectrum_explorer_figure`);
* the spectra at the origin for ``h = 2`` (eigenvalues :math:`\pm\sigma_k`) and ``h >= 3``
  (the zero matrix) (:func:`origin_hessian_spectra_figure`);
* the order ``p`` and rate ``c`` of :math:`L(x+\varepsilon V) - L(x) = -c\varepsilon^p + \dots`
  along the descent directions found by :func:`deeplinear.classify`
  (:func:`descent_order_figure`);
* the smallest Hessian eigenvalue along a path *inside one fibre* that leaves the symmetry
  orbit, through a non-strict saddle into strict ones (:func:`fiber_strictness_figure`, with
  the path :func:`deeplinear.spare_rank_fiber_point`);
* the sharpness :math:`\lambda_{\max}` along the symmetry orbit of a balanced global minimum,
  smallest at the balanced point (:func:`fiber_sharpness_figure`);
* the dense spectrum of a larger network against the extreme eigenvalues from Lanczos on
  Hessian-vector products (:func:`lanczos_spectrum_figure`).

References: Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024; Wendin and Altafini,
arXiv:2511.10362.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker
import numpy as np

from .._validation import as_depth, as_depths, as_int, as_items, as_matrix, as_real_array, as_weights, check_sigma, widths_of
from ..curvature import extreme_eigenvalues, hessian
from ..critical import critical_point
from ..fibres import spare_rank_fiber_point
from ..objective import loss
from ..classification import classify, fit_descent_order
from .style import OKABE_ITO, axes_row as _axes
from ..errors import InvalidArgumentError

__all__ = [
    "hessian_spectrum_figure",
    "hessian_spectrum_explorer_figure",
    "origin_hessian_spectra_figure",
    "descent_order_figure",
    "fiber_strictness_figure",
    "fiber_sharpness_figure",
    "lanczos_spectrum_figure",
]

#: Colours of negative, zero and positive Hessian eigenvalues.
_NEG, _ZERO, _POS = OKABE_ITO[5], "0.45", OKABE_ITO[0]

#: The chapter's running target.
_SIGMA = np.diag([3.0, 2.0])


def _subset_text(S: Sequence[int]) -> str:
    return r"\emptyset" if len(S) == 0 else r"\{" + ", ".join(str(k) for k in S) + r"\}"


# --------------------------------------------------------------------------- spectra


def _draw_spectrum(ax, weights, Sigma, *, ylim=None, xmax=None, show_text=True, title=None):
    """Sorted Hessian eigenvalues as stems coloured by sign; returns the Classification."""
    c = classify(weights, Sigma)
    ev = np.asarray(c.inertia.eigenvalues)
    thr = c.inertia.threshold
    idx = np.arange(1, ev.size + 1)
    for mask, colour, label in (
        (ev < -thr, _NEG, f"negative ({c.inertia.negative})"),
        (np.abs(ev) <= thr, _ZERO, f"zero ({c.inertia.zero})"),
        (ev > thr, _POS, f"positive ({c.inertia.positive})"),
    ):
        y = np.where(np.abs(ev) <= thr, 0.0, ev)
        if np.any(mask):
            ax.vlines(idx[mask], 0.0, y[mask], color=colour, lw=1.6)
        ax.plot(idx[mask], y[mask], "o", color=colour, ms=5, label=label)
    ax.axhline(0.0, color="0.3", lw=0.7)
    ax.set_xlim(0.3, (xmax if xmax is not None else ev.size) + 0.7)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("eigenvalue index (sorted)")
    ax.set_ylabel(r"Hessian eigenvalue $\lambda$")
    ax.legend(fontsize=7, loc="center left", framealpha=0.9)
    if show_text:
        lmin = 0.0 if abs(c.lambda_min) <= thr else c.lambda_min
        lmax = 0.0 if abs(c.lambda_max) <= thr else c.lambda_max
        lines = [
            c.kind,
            rf"$\lambda_{{\min}} = {lmin:.4g}$, $\lambda_{{\max}} = {lmax:.4g}$",
            f"null space {c.null_dim} = orbit {c.orbit_dim} + {c.unexplained_null_dim} more",
        ]
        if c.descent is not None:
            lines.append(f"descent of order {c.descent.order}")
        ax.text(0.03, 0.97, "\n".join(lines), transform=ax.transAxes, va="top", ha="left", fontsize=7.5,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9})
    if title is not None:
        ax.set_title(title, fontsize=9)
    return c


def hessian_spectrum_figure(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, title: str | None = None,
                            ylim: tuple[float, float] | None = None, fig=None):
    r"""The sorted Hessian spectrum of a critical point, coloured by sign.

    Eigenvalues below the zero threshold of :func:`deeplinear.classify` are drawn on the axis
    in grey. A box gives the kind of the point (global minimum, strict or non-strict saddle),
    :math:`\lambda_{\min}`, :math:`\lambda_{\max}`, the dimensions of the Hessian null space and
    of the :math:`GL` orbit, and the order of the descent direction.

    Parameters
    ----------
    weights : list of ndarray
        A critical point ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    title : str, optional
        Title of the axes.
    ylim : (float, float), optional
        Limits of the eigenvalue axis (automatic by default).
    fig : matplotlib Figure, optional
        Figure to draw into (an explorer's); a new one by default.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the point is not critical (from :func:`deeplinear.classify`), the shapes do not
        chain, or ``Sigma`` has the wrong shape.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W = dl.spare_rank_fiber_point((1,), np.diag([3.0, 2.0]), (2, 2, 2, 2), 0.5)
    >>> fig = dl.plots.hessian_spectrum_figure(W, np.diag([3.0, 2.0]))
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    fig, (ax,) = _axes(fig, 1, 5.6, 3.4)
    _draw_spectrum(ax, W, S, ylim=ylim, title=title)
    return fig


_EXPLORER_YLIM = (-4.0, 22.0)


def hessian_spectrum_explorer_figure(subset: Sequence[int], h: int, t: float, *, fig=None):
    r"""Explorer frame: the Hessian spectrum of :func:`deeplinear.spare_rank_fiber_point` for
    :math:`\Sigma = \mathrm{diag}(3, 2)` and widths ``(2, ..., 2)``.

    ``subset`` picks the critical value (``()``, ``(1,)``, ``(2,)``, ``(1, 2)``), ``h`` the
    depth and ``t`` the position along the fibre path. Axes are fixed across frames
    (eigenvalues in ``[-4, 22]``, up to 16 of them).

    Parameters
    ----------
    subset : sequence of int
        The learnt set ``S`` (1-based): ``()``, ``(1,)``, ``(2,)`` or ``(1, 2)``.
    h : int
        Depth.
    t : float
        Position along the fibre path.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); a new one by default.

    Returns
    -------
    matplotlib Figure
        One axes, as :func:`hessian_spectrum_figure`.

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``t`` is not a real number.
    ValueError
        If ``h < 1``, ``t`` is not finite, or ``subset`` is not admissible (as
        :func:`deeplinear.spare_rank_fiber_point`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.hessian_spectrum_explorer_figure((1,), 3, 0.5)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    h = as_depth(h)
    d = (2,) * (h + 1)
    W = spare_rank_fiber_point(subset, _SIGMA, d, t)
    fig, (ax,) = _axes(fig, 1, 6.4, 3.8)
    S = tuple(int(k) for k in subset)
    plain = "∅" if not S else "{" + ", ".join(str(k) for k in S) + "}"
    title = f"S = {plain}, h = {h}, t = {float(t):g} (critical value {loss(W, _SIGMA):g})"
    _draw_spectrum(ax, W, _SIGMA, ylim=_EXPLORER_YLIM, xmax=16, title=title)
    return fig


def origin_hessian_spectra_figure(Sigma: np.ndarray = _SIGMA, depths: Sequence[int] = (2, 3), *, width: int = 2):
    r"""Hessian spectra at the origin, one panel per depth (hidden widths ``width``).

    For ``h = 2`` the eigenvalues are :math:`\pm\sigma_k`, each ``width`` times (a strict
    saddle); for ``h >= 3`` the Hessian is the zero matrix (a non-strict saddle).

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0), default diag(3, 2)
        The target.
    depths : sequence of int, default (2, 3)
        One panel per depth (at least one).
    width : int, default 2
        Width of every hidden layer (``>= 1``).

    Returns
    -------
    matplotlib Figure
        One axes per depth.

    Raises
    ------
    TypeError
        If a depth or ``width`` is not an integer.
    ValueError
        If ``depths`` is empty or holds a depth below 1, ``width < 1``, or ``Sigma`` is not a
        matrix.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.origin_hessian_spectra_figure(np.diag([3.0, 2.0]), (2, 3))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    depths = list(as_depths(depths))
    if not depths:
        raise InvalidArgumentError("depths must name at least one depth")
    width = as_int(width, "width", minimum=1)
    S = as_matrix(Sigma, "Sigma", allow_empty=True)
    nets = []
    for h in depths:
        d = (S.shape[1],) + (width,) * (h - 1) + (S.shape[0],)
        nets.append([np.zeros((d[i + 1], d[i])) for i in range(h)])
    xmax = max(sum(w.size for w in W) for W in nets)
    s1 = float(np.linalg.norm(S, 2)) if S.size else 1.0
    fig, axes = _axes(None, len(depths), 3.6 * len(depths), 3.5)
    for ax, h, W in zip(axes, depths, nets):
        _draw_spectrum(ax, W, S, ylim=(-1.3 * s1, 2.4 * s1), xmax=xmax, title=f"origin, $h = {h}$")
    return fig


# --------------------------------------------------------------------------- higher-order descent


def _default_descent_cases():
    cases = []
    for h, S, name in ((2, (1,), "strict"), (3, (), "non-strict"), (3, (1,), "non-strict"), (4, (1,), "non-strict")):
        cp = critical_point(S, _SIGMA, (2,) * (h + 1))
        label = rf"$h = {h}$, $S = {_subset_text(S)}$ ({name})"
        cases.append((label, list(cp.weights), _SIGMA))
    return cases


def descent_order_figure(cases: Sequence[tuple[str, Sequence[np.ndarray], np.ndarray]] | None = None,
                         eps: Sequence[float] = tuple(np.geomspace(1e-3, 3e-2, 8))):
    r"""The loss decrease :math:`-(L(x + \varepsilon V) - L(x))` against :math:`\varepsilon` on
    log-log axes, along the descent direction of :func:`deeplinear.classify` at each case.

    Markers: exact changes (:func:`deeplinear.fit_descent_order`); lines: the fitted
    :math:`c\,\varepsilon^p`, with ``p`` and ``c`` in the legend. The slope is the order ``p``:
    2 at a strict saddle, ``h`` at the balanced non-strict saddles.

    Parameters
    ----------
    cases : list of (label, weights, Sigma), optional
        Default: ``h = 2, S = {1}``; the origin for ``h = 3``; ``S = {1}`` for ``h = 3`` and
        ``4``; all with :math:`\Sigma = \mathrm{diag}(3, 2)` and widths 2. Every case must be
        a critical point that is not a global minimum.
    eps : sequence of float, default 8 values from 1e-3 to 3e-2 (geometric)
        The steps :math:`\varepsilon` of the fit.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    ValueError
        If ``cases`` is empty, a case is a global minimum (no descent direction), or a case
        is not critical (from :func:`deeplinear.classify`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> S = np.diag([3.0, 2.0])
    >>> point = dl.critical_point((1,), S, (2, 2, 2))
    >>> fig = dl.plots.descent_order_figure([("h = 2", point.weights, S)], eps=np.geomspace(1e-3, 3e-2, 4))
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    if cases is None:
        cases = _default_descent_cases()
    cases = as_items(cases, "cases", "(label, weights, Sigma) triples", allow_empty=True)
    if len(cases) == 0 or not all(isinstance(c, (tuple, list)) and len(c) == 3 for c in cases):
        raise InvalidArgumentError(f"cases must hold at least one (label, weights, Sigma) triple, got {cases!r:.80}")
    e = as_real_array(eps, "eps", ndim=1)
    if np.any(e <= 0):
        raise InvalidArgumentError(f"eps must hold positive step lengths, got {eps!r:.80}")
    fig, (ax,) = _axes(None, 1, 5.6, 3.8)
    fine = np.geomspace(e.min(), e.max(), 50)
    for i, (label, W, S) in enumerate(cases):
        c = classify(W, S)
        if c.descent is None:
            raise InvalidArgumentError(f"case {label!r} is a global minimum: it has no descent direction")
        fit = fit_descent_order(W, S, c.descent, eps=e)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.loglog(fit.eps, -fit.changes, "o", color=colour, ms=4)
        ax.loglog(fine, fit.rate * fine ** fit.order, "-", color=colour, lw=1.3,
                  label=f"{label}: $p = {fit.order:.2f}$, $c = {fit.rate:.2f}$")
    ax.set_xlabel(r"step $\varepsilon$ along the descent direction $V$")
    ax.set_ylabel(r"decrease $L(x) - L(x + \varepsilon V)$")
    ax.set_title(r"$L(x + \varepsilon V) - L(x) \approx -c\,\varepsilon^p$: the slope is the order $p$", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return fig


# --------------------------------------------------------------------------- fibres


def fiber_strictness_figure(Sigma: np.ndarray = _SIGMA, depths: Sequence[int] = (3, 4), subset: Sequence[int] = (1,),
                            ts: Sequence[float] = tuple(np.linspace(0.0, 1.0, 21))):
    r"""Smallest Hessian eigenvalue along the path :func:`deeplinear.spare_rank_fiber_point` (one fibre).

    Markers: :math:`\lambda_{\min}` of :func:`deeplinear.hessian` at each ``t``; lines: the
    bound :math:`-\sigma_m t^{h-2}` (``m`` the largest unlearnt mode) from the two-layer
    direction through the spare rank. At ``t = 0`` the point is a non-strict saddle
    (:math:`\lambda_{\min} = 0`), for ``t > 0`` a strict one.

    The widths are :math:`(d_0, m, \dots, m, d_h)` with :math:`m = \max(d_0, d_h)`.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0), default diag(3, 2)
        The target.
    depths : sequence of int, default (3, 4)
        The depths drawn (at least one).
    subset : sequence of int, default (1,)
        The learnt set ``S`` (1-based); it must leave an unlearnt positive singular value.
    ts : sequence of float, default 21 values from 0 to 1
        Positions along the path (at least two, finite, non-negative).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    ValueError
        If ``Sigma`` is not a finite matrix, ``depths`` is empty or holds a depth below 1,
        ``ts`` is not as described, ``subset`` leaves no unlearnt mode, or ``subset`` is not
        admissible (as :func:`deeplinear.spare_rank_fiber_point`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.fiber_strictness_figure(np.diag([3.0, 2.0]), (3,), (1,), np.linspace(0, 1, 5))
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    S = as_matrix(Sigma, "Sigma")
    depths = list(as_depths(depths))
    if not depths:
        raise InvalidArgumentError("depths must name at least one depth")
    t = as_real_array(ts, "ts", allow_empty=True)
    if t.ndim != 1 or t.size < 2 or np.any(t < 0) or not np.all(np.isfinite(t)):
        raise InvalidArgumentError(f"ts must hold at least two finite non-negative numbers, got {ts!r:.80}")
    sig = np.linalg.svd(S, compute_uv=False)
    learnt = {as_int(k, "subset") for k in as_items(subset, "subset", "mode indices", allow_empty=True)}
    unl = [k + 1 for k in range(sig.size) if k + 1 not in learnt and sig[k] > 0]
    if not unl:
        raise InvalidArgumentError(f"S = {tuple(subset)} leaves no unlearnt mode: the path holds global minima")
    sm = float(sig[unl[0] - 1])
    fig, (ax,) = _axes(None, 1, 5.6, 3.6)
    fine = np.linspace(float(t.min()), float(t.max()), 200)
    for i, h in enumerate(depths):
        d = (S.shape[1],) + (max(S.shape),) * (h - 1) + (S.shape[0],)
        lam = [float(np.linalg.eigvalsh(hessian(spare_rank_fiber_point(subset, S, d, tk), S))[0]) for tk in t]
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(fine, -sm * fine ** (h - 2), "-", color=colour, lw=1.3, label=rf"$-\sigma_{unl[0]} t^{{{h - 2}}}$, $h = {h}$")
        ax.plot(t, lam, "o", color=colour, ms=4, label=rf"$\lambda_{{\min}}$ of the Hessian, $h = {h}$")
    ax.axhline(0.0, color="0.3", lw=0.7)
    ax.annotate("non-strict at $t = 0$", (0.0, 0.0), xytext=(0.12, 0.12 * sm), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.set_xlabel(r"position $t$ along the fibre (spare rank in the middle layers)")
    ax.set_ylabel(r"smallest Hessian eigenvalue $\lambda_{\min}$")
    ax.set_ylim(-1.15 * sm, 0.35 * sm)
    ax.set_title(rf"one critical value, $S = {_subset_text(tuple(subset))}$: strict for every $t > 0$", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def fiber_sharpness_figure(Sigma: np.ndarray = _SIGMA, depths: Sequence[int] = (2, 3, 4),
                           cs: Sequence[float] = tuple(np.geomspace(0.25, 4.0, 13))):
    r"""Sharpness along the symmetry orbit :math:`(cW_1, W_2/c, W_3, \dots)` of the balanced
    global minimum, in units of :math:`\sigma_1^{2-2/h}`.

    Markers: :func:`deeplinear.sharpness`; lines: :math:`c^2 + c^{-2} + h - 2`, the sharpness of
    the mode-1 chain. Every curve is smallest at the balanced point ``c = 1``, where it equals
    ``h``, i.e. :math:`\lambda_{\max} = h\,\sigma_1^{2-2/h}`. Widths: ``d_0 = d_h`` and hidden
    widths equal to the rank of ``Sigma``.

    .. math:: \frac{\lambda_{\max}(c)}{\sigma_1^{2-2/h}} = c^2 + c^{-2} + h - 2

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0), default diag(3, 2)
        The target (not zero).
    depths : sequence of int, default (2, 3, 4)
        The depths drawn (each ``>= 2``).
    cs : sequence of float, default 13 values from 0.25 to 4 (geometric)
        The stretches :math:`c` (at least two, positive, finite).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    ValueError
        If ``Sigma`` is not a finite matrix or is zero, ``depths`` is empty or holds a depth
        below 2, or ``cs`` is not as described.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.fiber_sharpness_figure(np.diag([3.0, 2.0]), (2, 3), np.geomspace(0.5, 2.0, 5))
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    S = as_matrix(Sigma, "Sigma")
    depths = list(as_depths(depths))
    if not depths or min(depths) < 2:
        raise InvalidArgumentError(f"depths must be at least 2 (the orbit needs a hidden layer), got {depths}")
    c = as_real_array(cs, "cs", allow_empty=True)
    if c.ndim != 1 or c.size < 2 or np.any(c <= 0) or not np.all(np.isfinite(c)):
        raise InvalidArgumentError(f"cs must hold at least two positive numbers, got {cs!r:.80}")
    sig = np.linalg.svd(S, compute_uv=False)
    r = int(np.sum(sig > 0))
    if r == 0:
        raise InvalidArgumentError("Sigma = 0 has no non-trivial minimum")
    s1 = float(sig[0])
    fig, (ax,) = _axes(None, 1, 5.6, 3.6)
    fine = np.geomspace(float(c.min()), float(c.max()), 200)
    for i, h in enumerate(depths):
        d = (S.shape[1],) + (r,) * (h - 1) + (S.shape[0],)
        cp = critical_point(tuple(range(1, r + 1)), S, d)
        vals = []
        for ck in c:
            W = cp.copy_weights()
            W[0] = ck * W[0]
            W[1] = W[1] / ck
            vals.append(float(extreme_eigenvalues(W, S, which="largest").lambda_max))  # type: ignore[arg-type]
        unit = s1 ** (2 - 2 / h)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.semilogx(fine, fine**2 + fine**-2 + h - 2, "-", color=colour, lw=1.3, label=rf"$h = {h}$: $c^2 + c^{{-2}} + {h - 2}$")
        ax.semilogx(c, np.array(vals) / unit, "o", color=colour, ms=4)
        ax.plot([1.0], [h], "*", color=colour, ms=11, mec="black", mew=0.5)
    ax.plot([], [], "o", color="0.4", ms=4, label=r"$\lambda_{\max}$ from the library")
    ax.set_xticks([x for x in (0.25, 0.5, 1.0, 2.0, 4.0) if c.min() <= x <= c.max()])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(r"stretch $c$ along the orbit $(cW_1, W_2/c, \dots)$ (log scale)")
    ax.set_ylabel(r"sharpness $\lambda_{\max} / \sigma_1^{2-2/h}$")
    ax.set_title(r"balanced minima ($c = 1$, stars) are the flattest: $\lambda_{\max} = h\,\sigma_1^{2-2/h}$", fontsize=9)
    ax.legend(fontsize=7, loc="upper center")
    ax.set_ylim(0.0, float(c.max() ** 2 + c.max() ** -2 + max(depths) - 2) * 1.25)
    return fig


# --------------------------------------------------------------------------- matrix-free


def lanczos_spectrum_figure(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, bins: int = 60):
    r"""The dense Hessian spectrum (histogram, log counts) with the extreme eigenvalues found by
    Lanczos on Hessian-vector products (:func:`deeplinear.extreme_eigenvalues`, one run for
    each end) marked as vertical lines.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})`` (any point, not only a
        critical one).
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    bins : int, default 60
        Number of histogram bins (``>= 2``).

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``bins`` is not an integer.
    ValueError
        If the shapes do not chain, ``Sigma`` has the wrong shape, or ``bins < 2``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> W = dl.random_init((3, 4, 3), np.random.default_rng(0), 0.7)
    >>> fig = dl.plots.lanczos_spectrum_figure(W, np.diag([3.0, 2.0, 1.0]), bins=10)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    bins = as_int(bins, "bins", minimum=2)
    n = sum(w.size for w in W)
    ev = np.linalg.eigvalsh(hessian(W, S))
    lo = extreme_eigenvalues(W, S, which="smallest", dense_below=0)
    hi = extreme_eigenvalues(W, S, which="largest", dense_below=0)
    fig, (ax,) = _axes(None, 1, 5.8, 3.4)
    ax.hist(ev, bins=bins, color=OKABE_ITO[4], edgecolor="white", lw=0.3, log=True, label=f"dense spectrum ({n} eigenvalues)")
    ax.axvline(lo.lambda_min, color=_NEG, lw=1.8, ls="--", label=rf"Lanczos $\lambda_{{\min}} = {lo.lambda_min:.4g}$")
    ax.axvline(hi.lambda_max, color=_POS, lw=1.8, ls="--", label=rf"Lanczos $\lambda_{{\max}} = {hi.lambda_max:.4g}$")
    ax.set_xlabel(r"Hessian eigenvalue $\lambda$")
    ax.set_ylabel("count (log scale)")
    ax.set_title(f"{n} weights: {lo.n_matvec + hi.n_matvec} Hessian-vector products for both ends", fontsize=9)
    ax.legend(fontsize=7, loc="upper center")
    return fig
