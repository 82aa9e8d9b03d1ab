r"""Figures for the chapter on aligned initialisation (the computations are in :mod:`deeplinear.aligned`).

* :func:`aligned_decoupling_figure` draws :func:`deeplinear.aligned_flow_check`: the network
  flow from an aligned start against its scalar mode chains.
* :func:`aligned_timescale_figure` -- balanced modes of several :math:`\sigma` from the same
  relative start collapse onto one curve in the rescaled time :math:`\sigma^{2-2/h} t`.
* :func:`aligned_depth_figure` -- depth lengthens the plateau of a small start (like
  :math:`a_0^{2-h}`) but, from an :math:`O(1)` start, :math:`h\,t` has a finite limit as
  :math:`h \to \infty` (:func:`deeplinear.depth_scaled_times`).
* :func:`unbalanced_figure` -- the two-layer scalar law with imbalance
  (:math:`c = w_2^2 - w_1^2`), :math:`\dot p = \sqrt{c^2 + 4p^2}(\sigma - p)`.
* :func:`aligned_explorer_figure` -- the chapter's explorer: closed form against the
  integrated network flow for a chosen :math:`\sigma`, depth and initial scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_depths, as_positive, as_real_array
from ..aligned import AlignedFlowCheck, _as_sigma, _hidden_rotations, _limit_time, _singular_values
from ..flow import gradient_flow
from ..init import aligned_init
from ..modes import learning_time, mode_loss, mode_solution, plateau_time
from ..unbalanced import unbalanced_learning_time, unbalanced_rhs, unbalanced_solution, unbalanced_weights
from .style import IMBALANCE_FACTOR, OKABE_ITO, SCALAR_IMBALANCE_WHY, axes_row as _axes, check_imbalances, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "aligned_decoupling_figure",
    "aligned_timescale_figure",
    "aligned_depth_figure",
    "unbalanced_figure",
    "aligned_explorer_figure",
]

_FLOOR = 1e-18


# --------------------------------------------------------------------------- decoupling


def aligned_decoupling_figure(check: AlignedFlowCheck):
    r"""Per-layer mode values of the network flow against the scalar chains (left) and the
    off-diagonal part of :math:`R_i^\top W_i(t) R_{i-1}` (right).

    Left: the diagonal entries ``check.modes`` (one colour per mode, one line style per layer)
    with the scalar chains ``check.chains`` as circles. Right: ``check.off_diagonal``, the
    largest off-diagonal entry, on a log scale (values below :math:`10^{-18}` drawn there).

    Parameters
    ----------
    check : deeplinear.aligned.AlignedFlowCheck
        The result of :func:`deeplinear.aligned_flow_check`.

    Returns
    -------
    matplotlib Figure
        Two axes: the mode values and the off-diagonal part.

    Raises
    ------
    TypeError
        If ``check`` is not an ``AlignedFlowCheck``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> check = dl.aligned_flow_check((2, 3, 2), (2.0, 1.0), 0.1, rotations=rng, t_max=2.0, num=21)
    >>> fig = dl.plots.aligned_decoupling_figure(check)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(check, AlignedFlowCheck):
        raise ArgumentTypeError(f"check must be an AlignedFlowCheck (from aligned_flow_check), got {type(check).__name__}")
    fig, (ax, ax_o) = new_figure(2, width=7.8, height=3.4)
    n, h, m = check.modes.shape
    styles = ["-", "--", "-.", ":"]
    step = max(1, n // 24)
    for k in range(m):
        c = OKABE_ITO[k % len(OKABE_ITO)]
        for i in range(h):
            ax.plot(check.t, check.modes[:, i, k], color=c, ls=styles[i % len(styles)], lw=1.6)
        ax.plot(check.t[::step], check.chains[::step, :, k], "o", color=c, ms=3.2, mfc="none", mew=0.8)
    for k in range(m):
        ax.plot([], [], color=OKABE_ITO[k % len(OKABE_ITO)], lw=3, label=f"mode {k + 1}")
    for i in range(h):
        ax.plot([], [], color="0.3", ls=styles[i % len(styles)], lw=1.4, label=f"layer {i + 1}")
    ax.plot([], [], "o", color="0.3", ms=3.2, mfc="none", label="scalar chains")
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"mode value $w_{i,k}(t)$")
    ax.set_title("diagonal of $R_i^\\top W_i(t) R_{i-1}$: network (lines)", fontsize=9)
    ax.legend(fontsize=6.5, ncol=2, loc="center right")
    ax_o.semilogy(check.t, np.maximum(check.off_diagonal, _FLOOR), color=OKABE_ITO[5], lw=1.6)
    ax_o.set_ylim(1e-18, 1e-2)
    ax_o.set_xlabel("time $t$")
    ax_o.set_ylabel("largest off-diagonal entry")
    ax_o.set_title(f"off the diagonal (chains differ by at most {check.chain_error:.0e})", fontsize=9)
    return fig


# --------------------------------------------------------------------------- time scales


def aligned_timescale_figure(
    sigmas: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
    ratio: float = 1e-3,
    h: int = 2,
):
    r"""Balanced modes of several :math:`\sigma` from the same relative start
    :math:`u_0 = \text{ratio}\cdot\sigma`, against time (left) and against the rescaled time
    :math:`\sigma^{2-2/h}\, t` (right), where they coincide.

    With :math:`u = \sigma v`, Saxe's law becomes
    :math:`\dot v = h\,\sigma^{2-2/h}\, v^{2-2/h}(1 - v)`, so every curve is one function of
    :math:`\sigma^{2-2/h} t` (for ``h = 2``: of :math:`\sigma t`). Half-times
    (:func:`deeplinear.learning_time`) are marked.

    .. math:: \dot u = h\,u^{2-2/h}(\sigma - u)

    Parameters
    ----------
    sigmas : sequence of float, default (0.5, 1.0, 2.0, 3.0)
        The positive singular values :math:`\sigma`, one curve each.
    ratio : float, default 1e-3
        The relative start :math:`u_0/\sigma`, in :math:`(0, 1/2)`.
    h : int, default 2
        Depth (``>= 2``).

    Returns
    -------
    matplotlib Figure
        Two axes: against time and against rescaled time.

    Raises
    ------
    TypeError
        If ``sigmas`` is not a sequence of numbers, ``ratio`` is not a real number or ``h`` is
        not an integer.
    ValueError
        If a value of ``sigmas`` is not positive, ``ratio`` is not in :math:`(0, 1/2)`, or
        ``h < 2``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.aligned_timescale_figure((1.0, 2.0), 1e-2, 2)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    s = _singular_values(sigmas, "sigmas")
    if np.any(s <= 0):
        raise InvalidArgumentError(f"sigmas must be positive, got {sigmas!r:.80}")
    ratio = as_positive(ratio, "ratio")
    if ratio >= 0.5:
        raise InvalidArgumentError(f"ratio must be below 1/2 (a start below the half-way point), got {ratio}")
    h = as_depth(h)
    if h < 2:
        raise InvalidArgumentError("aligned_timescale_figure needs h >= 2 (depth 1 has no sigmoid)")
    fig, (ax, ax_s) = new_figure(2, width=7.8, height=3.3)
    halves = np.array([learning_time(ratio * sk, sk / 2, float(sk), h) for sk in s])
    t_max = 2.2 * float(np.max(halves))
    t = np.linspace(0.0, t_max, 400)
    styles = ["-", "--", "-.", ":"]
    for j, sk in enumerate(s):
        c = OKABE_ITO[j % len(OKABE_ITO)]
        v = mode_solution(t, ratio * sk, float(sk), h) / sk
        ax.plot(t, v, color=c, lw=1.8, ls=styles[j % 4], label=rf"$\sigma = {sk:g}$")
        ax.plot([halves[j]], [0.5], "o", color=c, ms=5)
        scale = sk ** (2.0 - 2.0 / h)
        ax_s.plot(scale * t, v, color=c, lw=1.8 + 1.2 * (len(s) - 1 - j), ls=styles[j % 4], alpha=0.8)
    ax_s.plot([float(halves[0] * s[0] ** (2.0 - 2.0 / h))], [0.5], "o", color="black", ms=5)
    xs = r"\sigma t" if h == 2 else rf"\sigma^{{{2 - 2 / h:.3g}}} t"
    for a in (ax, ax_s):
        a.set_ylim(-0.02, 1.05)
        a.axhline(1.0, color="0.6", lw=0.7, ls=":")
        a.set_ylabel(r"$u(t) / \sigma$")
    ax.set_xlim(0, t_max)
    ax.set_xlabel("time $t$")
    ax.set_title(rf"$h = {h}$, $u_0 = {ratio:g}\,\sigma$; dots: half-times", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax_s.set_xlim(0, t_max * float(np.min(s)) ** (2.0 - 2.0 / h))
    ax_s.set_xlabel(f"rescaled time ${xs}$")
    ax_s.set_title("the same curves in rescaled time", fontsize=9)
    return fig


# --------------------------------------------------------------------------- depth


def aligned_depth_figure(
    sigma: float = 1.0,
    a0: float = 0.1,
    depths: Sequence[int] = (2, 3, 4, 5),
    *,
    u0: float = 0.1,
    deep: Sequence[int] = (2, 3, 5, 10, 50),
):
    r"""Depth and the plateau of a balanced mode.

    Left: :math:`u/\sigma` against time (log axis) from the same small per-layer value ``a0``
    (product :math:`a_0^h`) for each depth in ``depths``; triangles mark the asymptotic escape
    times of :func:`deeplinear.plateau_time`. Right: from the same product ``u0`` for each
    depth in ``deep``, against :math:`h\,t`; the curves approach the limit law
    :math:`dv/d(ht) = \sigma^2 v^2(1 - v)` (dashed, from
    :func:`deeplinear.depth_scaled_times`).

    The curves are the closed form :func:`deeplinear.mode_solution` of
    :math:`\dot u = h\,u^{2-2/h}(\sigma - u)`.

    Parameters
    ----------
    sigma : float, default 1.0
        The positive singular value.
    a0 : float, default 0.1
        The per-layer start of the left panel (:math:`a_0^h < \sigma/2` for every depth).
    depths : sequence of int, default (2, 3, 4, 5)
        Depths of the left panel.
    u0 : float, default 0.1
        The common product of the right panel, below :math:`\sigma/2`.
    deep : sequence of int, default (2, 3, 5, 10, 50)
        Depths of the right panel.

    Returns
    -------
    matplotlib Figure
        Two axes: the plateaus and the depth-scaled curves.

    Raises
    ------
    TypeError
        If ``sigma``, ``a0`` or ``u0`` is not a real number or a depth of ``depths`` is not an
        integer.
    ValueError
        If ``sigma``, ``a0`` or ``u0`` is not positive, a depth is below 1, ``a0`` is not a
        small start (:math:`a_0^{\min h} \ge \sigma/2`) or ``u0 >= sigma / 2``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.aligned_depth_figure(1.0, 0.1, (2, 3), deep=(2, 5))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    sigma = _as_sigma(sigma)
    a0 = as_positive(a0, "a0")
    u0 = as_positive(u0, "u0")
    depths = as_depths(depths)
    deep = as_depths(deep, "deep")
    with np.errstate(over="ignore"):  # a huge a0 gives inf: not a small start (no OverflowError)
        small = max(float(np.float64(a0) ** hh) for hh in depths) < sigma / 2
    if not small:
        raise InvalidArgumentError(f"a0 = {a0} is not a small start for sigma = {sigma}: a0^h must stay below sigma / 2")
    if not u0 < sigma / 2:
        raise InvalidArgumentError(f"u0 must lie below sigma / 2 = {sigma / 2}, got {u0}")
    fig, (ax, ax_d) = new_figure(2, width=7.8, height=3.4)
    escapes = [learning_time(a0**hh, 0.999 * sigma, sigma, hh) for hh in depths]
    t = np.logspace(-2, np.log10(3.0 * max(escapes)), 500)
    for j, hh in enumerate(depths):
        hh = int(hh)
        c = OKABE_ITO[j % len(OKABE_ITO)]
        ax.semilogx(t, mode_solution(t, a0**hh, sigma, hh) / sigma, color=c, lw=1.8, label=f"h = {hh}")
        est = plateau_time(a0**hh, sigma, hh)
        ax.plot([est], [0.0], "v", color=c, ms=7, mec="black", mew=0.5, clip_on=False)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_ylabel(r"$u(t)/\sigma$")
    ax.set_title(rf"same layer value $a_0 = {a0:g}$, $\sigma = {sigma:g}$; $\blacktriangledown$: escape estimate", fontsize=8.5)
    ax.legend(fontsize=7, loc="upper left")
    s_max = 0.0
    for j, hh in enumerate(deep):
        tf = learning_time(u0, 0.99 * sigma, sigma, hh)
        tt = np.linspace(0.0, 1.3 * tf, 300)
        s_max = max(s_max, 1.3 * hh * tf)
        ax_d.plot(hh * tt, mode_solution(tt, u0, sigma, hh) / sigma, color=OKABE_ITO[j % len(OKABE_ITO)], lw=1.6,
                  label=f"h = {hh}")
    u = np.linspace(u0, 0.995 * sigma, 400)
    ax_d.plot(_limit_time(sigma, u) - _limit_time(sigma, np.array(u0)), u / sigma, color="black", ls="--", lw=1.2,
              label=r"$h \to \infty$")
    ax_d.set_xlim(0.0, min(s_max, 4.0 * float(_limit_time(sigma, np.array(0.99 * sigma)) - _limit_time(sigma, np.array(u0)))))
    ax_d.set_ylim(0.0, 1.05)
    ax_d.set_xlabel(r"depth $\times$ time, $h\,t$")
    ax_d.set_ylabel(r"$u(t)/\sigma$")
    ax_d.set_title(rf"same product $u_0 = {u0:g}$", fontsize=9)
    ax_d.legend(fontsize=7, loc="lower right")
    return fig


# --------------------------------------------------------------------------- imbalance


def unbalanced_figure(
    sigma: float = 1.0,
    p0: float = 1e-4,
    imbalances: Sequence[float] = (0.0, 0.5, 2.0),
    *,
    t_max: float = 6.0,
):
    r"""The two-layer scalar network with imbalance :math:`c = w_2^2 - w_1^2`.

    Left: :math:`p = w_1 w_2` against time, closed form (:func:`deeplinear.unbalanced_solution`)
    with markers from the integrated network flow (:func:`deeplinear.gradient_flow` started at
    :func:`deeplinear.unbalanced_weights`); dots mark the times to reach :math:`\sigma/2`
    (:func:`deeplinear.unbalanced_learning_time`). Right: the speed
    :math:`\dot p = \sqrt{c^2 + 4p^2}(\sigma - p)` against :math:`p`.

    .. math:: \dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p), \qquad c = w_2^2 - w_1^2

    Parameters
    ----------
    sigma : float, default 1.0
        The positive target.
    p0 : float, default 1e-4
        Initial product, in :math:`(0, \sigma/2)`.
    imbalances : sequence of float, default (0.0, 0.5, 2.0)
        The imbalances :math:`c`, one curve each (at least one), with
        :math:`|c| \le 100\,\sigma`. Beyond that the product reaches :math:`\sigma/2` within
        :math:`0.7/|c| < 0.007/\sigma`, a step at :math:`t = 0` that every larger :math:`c`
        draws alike, and the network flow (whose rate is about :math:`|c|`) is stiff.
    t_max : float, default 6.0
        Length of the time interval.

    Returns
    -------
    matplotlib Figure
        Two axes: the product against time and the speed against the product.

    Raises
    ------
    TypeError
        If ``sigma``, ``p0`` or ``t_max`` is not a real number.
    ValueError
        If ``sigma``, ``p0`` or ``t_max`` is not positive, ``p0 >= sigma / 2``, or
        ``imbalances`` is empty, holds a non-finite value or one beyond :math:`100\,\sigma`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.unbalanced_figure(1.0, 1e-3, (0.0, 1.0), t_max=4.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    sigma = _as_sigma(sigma)
    p0 = as_positive(p0, "p0")
    if p0 >= sigma / 2:
        raise InvalidArgumentError(f"p0 must lie below sigma / 2 = {sigma / 2}, got {p0}")
    t_max = as_positive(t_max, "t_max")
    cs = [float(x) for x in as_real_array(imbalances, "imbalances", ndim=1, allow_empty=True)]
    if not cs:
        raise InvalidArgumentError(f"imbalances must be a non-empty list of finite numbers, got {imbalances!r:.80}")
    check_imbalances(cs, IMBALANCE_FACTOR * sigma, "imbalances", f"{IMBALANCE_FACTOR:g} sigma", SCALAR_IMBALANCE_WHY)
    fig, (ax, ax_v) = new_figure(2, width=7.8, height=3.3)
    t = np.linspace(0.0, t_max, 300)
    te = np.linspace(0.0, t_max, 31)
    p_grid = np.linspace(0.0, sigma, 300)
    for j, c in enumerate(cs):
        col = OKABE_ITO[j % len(OKABE_ITO)]
        ax.plot(t, unbalanced_solution(t, p0, sigma, c), color=col, lw=1.8, label=f"c = {c:g}")
        w1, w2 = unbalanced_weights(p0, c)
        tr = gradient_flow([np.array([[w1]]), np.array([[w2]])], np.array([[sigma]]), (0.0, t_max), t_eval=te)
        ax.plot(tr.t, tr.end_to_end[:, 0, 0], "o", color=col, ms=3.2, mfc="none", mew=0.8)
        th = unbalanced_learning_time(p0, sigma / 2, sigma, c)
        if th <= t_max:
            ax.plot([th], [sigma / 2], "o", color=col, ms=6, mec="black", mew=0.6)
        ax_v.plot(p_grid, unbalanced_rhs(p_grid, sigma, c), color=col, lw=1.8, label=f"c = {c:g}")
    ax.plot([], [], "o", color="0.3", ms=3.2, mfc="none", label="network flow")
    ax.axhline(sigma, color="0.6", lw=0.7, ls=":")
    ax.axhline(sigma / 2, color="0.6", lw=0.7, ls=":")
    ax.set_xlim(0, t_max)
    ax.set_ylim(-0.02 * sigma, 1.05 * sigma)
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"product $p = w_1 w_2$")
    ax.set_title(rf"$\sigma = {sigma:g}$, $p_0 = {p0:g}$", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax_v.set_xlim(0, sigma)
    ax_v.set_ylim(bottom=0.0)
    ax_v.set_xlabel("product $p$")
    ax_v.set_ylabel(r"speed $\dot p$")
    ax_v.set_title(r"$\dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p)$", fontsize=9)
    ax_v.legend(fontsize=7)
    return fig


# --------------------------------------------------------------------------- explorer


_EXPLORER_T = (1e-2, 1e3)


def aligned_explorer_figure(sigma: float, h: int, a0: float, *, fig=None, seed: int = 0):
    r"""Closed form against the integrated network flow for an aligned balanced start.

    The network has widths ``(2, 3, ..., 3, 2)`` (depth ``h``), Haar random hidden rotations
    drawn from ``numpy.random.default_rng(seed)``, target :math:`\Sigma = \mathrm{diag}(\sigma,
    \sigma/2)` and every layer value of both modes equal to ``a0`` (products
    :math:`u_0 = a_0^h`). Left: the mode products :math:`u_k(t)` -- lines from
    :func:`deeplinear.mode_solution`, circles read off the integrated network -- with the exact
    half-times (dotted) and, for ``h >= 2``, the escape estimates of
    :func:`deeplinear.plateau_time` (triangles). Right: the loss, closed form
    (:func:`deeplinear.mode_loss`) and integrated. Time is on a log axis from
    ``1e-2`` to ``1e3`` in every frame.

    Parameters
    ----------
    sigma : float
        The larger singular value of the target (the other is ``sigma / 2``).
    h : int
        Depth.
    a0 : float
        Value of every layer of both modes at the start (:math:`a_0^h < \sigma/2`).
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.
    seed : int, default 0
        Seed of the hidden rotations.

    Returns
    -------
    matplotlib Figure
        Two axes: the mode products and the loss.

    Raises
    ------
    TypeError
        If ``sigma`` or ``a0`` is not a real number or ``h`` is not an integer.
    ValueError
        If ``sigma`` or ``a0`` is not positive, ``h < 1``, or :math:`a_0^h \ge \sigma/2`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.aligned_explorer_figure(2.0, 2, 0.1)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    sigma = _as_sigma(sigma)
    h = as_depth(h)
    a0 = as_positive(a0, "a0")
    s = np.array([sigma, sigma / 2.0])
    with np.errstate(over="ignore"):
        u0 = float(np.float64(a0) ** h)  # inf for a huge a0: rejected below
    if u0 >= s[1]:
        raise InvalidArgumentError(f"a0 = {a0} gives u0 = {u0:.3g} >= sigma/2 = {s[1]:g}: not a small start")
    d = (2,) + (3,) * (h - 1) + (2,)
    R = _hidden_rotations(np.random.default_rng(seed), d)
    W0 = aligned_init(d, a0, rotations=R[1:-1])
    te = np.logspace(np.log10(_EXPLORER_T[0]), np.log10(_EXPLORER_T[1]), 97)
    tr = gradient_flow(W0, np.diag(s), (0.0, _EXPLORER_T[1]), t_eval=te, events={"convergence": {"loss_tol": 1e-14}})
    t = np.logspace(np.log10(_EXPLORER_T[0]), np.log10(_EXPLORER_T[1]), 600)
    fig, (ax, ax_l) = _axes(fig, 2, 7.8, 3.5)
    half = [learning_time(u0, sk / 2, float(sk), h) for sk in s]
    ok = tr.t > 0
    for k, sk in enumerate(s):
        c = OKABE_ITO[k]
        ax.semilogx(t, mode_solution(t, u0, float(sk), h), color=c, lw=1.8, label=rf"$u_{k + 1}$, $\sigma_{k + 1} = {sk:g}$")
        ax.semilogx(tr.t[ok], tr.end_to_end[ok, k, k], "o", color=c, ms=3, mfc="none", mew=0.8)
        ax.axhline(sk, color=c, lw=0.6, ls=":")
        ax.axvline(half[k], color=c, lw=0.9, ls=":")
        if h >= 2:
            ax.plot([plateau_time(u0, float(sk), h)], [0.0], "v", color=c, ms=7, mec="black", mew=0.5, clip_on=False)
    ax.plot([], [], "o", color="0.3", ms=3, mfc="none", label="network flow")
    ax.set_xlim(*_EXPLORER_T)
    ax.set_ylim(0.0, 3.3)
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_ylabel("mode product $u_k(t)$")
    ax.set_title(f"depth {h}, a0 = {a0:g}: half-times {half[0]:.3g} and {half[1]:.3g}", fontsize=8.5)
    ax.legend(fontsize=7, loc="upper left")
    exact_t = mode_loss(tr.t[ok], u0, s, h)
    err = float(np.max(np.abs(tr.loss[ok] - exact_t))) if np.any(ok) else 0.0
    ax_l.loglog(t, np.maximum(mode_loss(t, u0, s, h), 1e-16), color=OKABE_ITO[2], lw=1.8, label="closed form")
    ax_l.loglog(tr.t[ok], np.maximum(tr.loss[ok], 1e-16), "o", color=OKABE_ITO[5], ms=3, mfc="none", mew=0.8,
                label="network flow")
    for v in (0.5 * float(np.sum(s**2)), 0.5 * float(s[1] ** 2)):
        ax_l.axhline(v, color="0.6", lw=0.7, ls=":")
    ax_l.set_xlim(*_EXPLORER_T)
    ax_l.set_ylim(1e-14, 20.0)
    ax_l.set_xlabel("time $t$ (log scale)")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(f"largest difference {err:.0e}", fontsize=8.5)
    ax_l.legend(fontsize=7, loc="lower left")
    return fig
