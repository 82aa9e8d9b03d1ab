r"""Figures for the chapter on the gradient-flow equations.

* :func:`taylor_test_figure` -- the Taylor test of the layer-wise gradient: the first-order
  remainder falls like :math:`\varepsilon^2` for the right gradient and like
  :math:`\varepsilon` for a wrong one (results of :func:`deeplinear.taylor_test`).
* :func:`tolerance_figure` (of :func:`deeplinear.tolerance_study`) -- the aligned flow from a tiny
  initialisation integrated at several tolerances against its closed form
  (:func:`deeplinear.mode_loss`): why the library integrates with ``rtol=1e-10`` and a tiny
  ``atol``.
* :func:`flow_forms_figure` -- the layer-wise flow and the unprojected adjacency-form flow
  (Wendin and Altafini, arXiv:2511.10362, Section 3) side by side.
* :func:`flow_scrub_figure` (with :func:`deeplinear.flow_scrub_prepare`) -- the explorer of the chapter:
  the loss and the singular values of the end-to-end map along a flow, for a chosen depth and
  initial scale, at a chosen time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_positive, as_real, as_weights, check_sigma, widths_of
from ..objective import TaylorTest
from ..flow import ScrubbedFlow, ToleranceStudy
from ..network import adjacency, adjacency_power, target
from ..trajectory import AdjacencyTrajectory, Trajectory
from .network import draw_pattern
from .style import OKABE_ITO, axes_row as _axes, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "taylor_test_figure",
    "tolerance_figure",
    "adjacency_terms_figure",
    "flow_forms_figure",
    "flow_scrub_figure",
]

_FLOOR = 1e-17


# --------------------------------------------------------------------------- Taylor test


def taylor_test_figure(right: TaylorTest, wrong: TaylorTest, *, loss_value: float = 1.0,
                       wrong_label: str = "sign error in layer 1"):
    r"""The Taylor test of :func:`deeplinear.gradient` next to that of a wrong gradient (for
    instance one with a sign error in its first layer), both from :func:`deeplinear.taylor_test`
    along the same direction.

    The remainder :math:`|L(W + \varepsilon V) - L(W) - \varepsilon\langle G, V\rangle|` is drawn
    against :math:`\varepsilon` on log-log axes, with reference slopes 1 and 2. For very small
    :math:`\varepsilon` the right gradient's remainder reaches the rounding level of the loss
    values (shaded, about :math:`10^{-15}\max(1, L(W))`; pass ``loss_value=L(W)``) and stops
    falling.

    Parameters
    ----------
    right : deeplinear.objective.TaylorTest
        The Taylor test of the right gradient (:func:`deeplinear.taylor_test` with the default
        ``gradient_fn``).
    wrong : deeplinear.objective.TaylorTest
        The Taylor test of a wrong gradient along the same direction.
    loss_value : float, default 1.0
        The loss :math:`L(W)` at the point tested; it sets the rounding level shaded.
    wrong_label : str, default "sign error in layer 1"
        Legend label of the wrong gradient.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``right`` or ``wrong`` is not a ``TaylorTest``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> W, S = dl.random_init((2, 2, 2), rng, 0.5), np.diag([2.0, 1.0])
    >>> wrong = lambda W, S: [-g for g in dl.gradient(W, S)]
    >>> fig = dl.plots.taylor_test_figure(dl.taylor_test(W, S), dl.taylor_test(W, S, wrong), loss_value=dl.loss(W, S))
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    for name, test in (("right", right), ("wrong", wrong)):
        if not isinstance(test, TaylorTest):
            raise ArgumentTypeError(f"{name} must be a TaylorTest (from dl.taylor_test), got {type(test).__name__}")
    eps = right.epsilons
    fig, ax = new_figure(width=5.6, height=3.8)
    ax.loglog(right.epsilons, np.maximum(right.remainders, _FLOOR), "o-", color=OKABE_ITO[0], ms=3.5, lw=1.6,
              label=f"dl.gradient (order {right.order:.2f})")
    ax.loglog(wrong.epsilons, np.maximum(wrong.remainders, _FLOOR), "s-", color=OKABE_ITO[5], ms=3.5, lw=1.6,
              label=f"{wrong_label} (order {wrong.order:.2f})")
    e0 = eps[0]
    ax.loglog(eps, 0.03 * right.remainders[0] * (eps / e0) ** 2, color="0.45", lw=0.9, ls="--", label=r"slope 2: $\varepsilon^2$")
    ax.loglog(wrong.epsilons, 0.03 * wrong.remainders[0] * (wrong.epsilons / wrong.epsilons[0]), color="0.45", lw=0.9, ls=":",
              label=r"slope 1: $\varepsilon$")
    rounding = 1e-15 * max(1.0, as_real(loss_value, "loss_value"))
    ax.axhspan(_FLOOR, rounding, color="0.9", zorder=0)
    ax.annotate("rounding level of $L$", (eps[0], rounding), ha="right", va="bottom", fontsize=7, color="0.35")
    ax.set_ylim(1e-17, 1e2)
    ax.set_xlabel(r"step $\varepsilon$")
    ax.set_ylabel(r"$|L(W + \varepsilon V) - L(W) - \varepsilon \langle G, V \rangle|$")
    ax.set_title("Taylor test of the layer-wise gradient", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return fig


# --------------------------------------------------------------------------- tolerances


def tolerance_figure(study: ToleranceStudy):
    r"""Loss curves (left) and their errors against the closed form (right) of a
    :class:`~deeplinear.flow.ToleranceStudy`.

    Left: the closed-form loss (thick grey), one curve per tolerance setting, and dotted
    levels at the saddle values :math:`\tfrac12\sum_{k > m}\sigma_k^2`. Right:
    :math:`|L_{\mathrm{num}}(t) - L_{\mathrm{exact}}(t)|` on a log scale.

    Parameters
    ----------
    study : deeplinear.flow.ToleranceStudy
        The result of :func:`deeplinear.tolerance_study`.

    Returns
    -------
    matplotlib Figure
        Two axes: the losses and their errors.

    Raises
    ------
    TypeError
        If ``study`` is not a ``ToleranceStudy``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> study = dl.tolerance_study((2.0, 1.0), a0=1e-3, t_max=3.0, num=31)
    >>> fig = dl.plots.tolerance_figure(study)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(study, ToleranceStudy):
        raise ArgumentTypeError(f"study must be a ToleranceStudy (from dl.tolerance_study), got {type(study).__name__}")
    fig, (ax_l, ax_e) = new_figure(2, width=7.8, height=3.4)
    ax_l.plot(study.t, study.exact, color="0.75", lw=5, label="closed form", solid_capstyle="butt")
    styles = ["-", "--", "-."]
    colours = [OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[5], OKABE_ITO[3]]
    for i, (label, L) in enumerate(study.losses.items()):
        c, ls = colours[i % len(colours)], styles[i % len(styles)]
        ax_l.plot(study.t, L, color=c, ls=ls, lw=1.6, label=label)
        ax_e.semilogy(study.t, np.maximum(np.abs(L - study.exact), _FLOOR), color=c, ls=ls, lw=1.4, label=label)
    levels = [0.5 * float(np.sum(study.singular_values[m:] ** 2)) for m in range(study.singular_values.size + 1)]
    for v in levels:
        ax_l.axhline(v, color="0.6", lw=0.6, ls=":")
    ax_l.set_xlabel("time $t$")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(rf"aligned start, $a_0 = {study.a0:.0e}$, $h = {study.h}$", fontsize=9)
    ax_l.legend(fontsize=6.5, loc="center right")
    ax_e.set_ylim(1e-14, 1e1)
    ax_e.set_xlabel("time $t$")
    ax_e.set_ylabel(r"$|L_{\mathrm{num}}(t) - L_{\mathrm{exact}}(t)|$")
    ax_e.set_title("error against the closed form", fontsize=9)
    return fig


# --------------------------------------------------------------------------- adjacency terms


def adjacency_terms_figure(weights: Sequence[np.ndarray], Sigma: np.ndarray):
    r"""The block pattern of each term :math:`(A^{h-j})^\top (E - A^h) (A^{j-1})^\top` of the
    adjacency-form flow, :math:`j = 1, \dots, h`, for :math:`A = \mathrm{blk}_1(W_1, \dots, W_h)`
    and :math:`E = \mathrm{blk}_h(\Sigma)`: term ``j`` is non-zero only in block ``(j, j-1)``,
    where it equals the layer-wise right-hand side for :math:`W_j`.

    .. math:: \dot A = \sum_{j=1}^h (A^{h-j})^\top (E - A^h) (A^{j-1})^\top

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    matplotlib Figure
        ``h`` axes, one per term (each drawn by :func:`~deeplinear.plots.network.draw_pattern`).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is empty, its shapes do not chain, or ``Sigma`` does not have shape
        ``(d_h, d_0)``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> W = dl.random_init((2, 2, 2), rng, 0.5)
    >>> fig = dl.plots.adjacency_terms_figure(W, np.diag([2.0, 1.0]))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    W = as_weights(weights)
    d = widths_of(W)
    S = check_sigma(Sigma, d)
    h = len(W)
    A = adjacency(W)
    E = target(S, d)
    R = E - adjacency_power(A, h)
    fig, axes = new_figure(h, width=min(2.6 * h, 10.0), height=2.9)
    axes = [axes] if h == 1 else list(axes)
    for j, ax in enumerate(axes, start=1):
        term = adjacency_power(A, h - j).T @ R @ adjacency_power(A, j - 1).T
        draw_pattern(term, d, ax, title=f"term j = {j}: block ({j}, {j - 1})")
    return fig


# --------------------------------------------------------------------------- both forms


def flow_forms_figure(trajectory: Trajectory, adjacency_trajectory: AdjacencyTrajectory):
    r"""The layer-wise flow and the adjacency-form flow side by side.

    Left: the loss along both (they overlap). Right: the largest difference between a weight
    :math:`W_j(t)` of the layer-wise flow and block :math:`(j, j-1)` of :math:`A(t)`, at the
    common output times.

    Parameters
    ----------
    trajectory : deeplinear.trajectory.Trajectory
        The layer-wise flow, from :func:`deeplinear.gradient_flow`.
    adjacency_trajectory : deeplinear.trajectory.AdjacencyTrajectory
        The adjacency-form flow from the same start, from
        :func:`deeplinear.gradient_flow_adjacency` with ``widths=`` the widths of the network
        and the same output times ``t_eval``.

    Returns
    -------
    matplotlib Figure
        Two axes: the losses and the difference.

    Raises
    ------
    TypeError
        If either argument has the wrong type.
    ValueError
        If ``adjacency_trajectory`` has no widths or other widths than ``trajectory``, or the
        two have different output times.

    References
    ----------
    Wendin and Altafini, arXiv:2511.10362, Section 3.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> W0, S, d = dl.random_init((2, 2, 2), rng, 0.5), np.diag([2.0, 1.0]), (2, 2, 2)
    >>> te = np.linspace(0, 2, 11)
    >>> tr = dl.gradient_flow(W0, S, (0, 2), t_eval=te)
    >>> at = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, d), 2, (0, 2), t_eval=te, widths=d)
    >>> fig = dl.plots.flow_forms_figure(tr, at)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(trajectory, Trajectory):
        raise ArgumentTypeError(f"trajectory must be a Trajectory (from dl.gradient_flow), got {type(trajectory).__name__}")
    if not isinstance(adjacency_trajectory, AdjacencyTrajectory):
        raise ArgumentTypeError(
            f"adjacency_trajectory must be an AdjacencyTrajectory (from dl.gradient_flow_adjacency), got {type(adjacency_trajectory).__name__}"
        )
    tr, at = trajectory, adjacency_trajectory
    if at.widths is None or tuple(at.widths) != tuple(tr.widths):
        raise InvalidArgumentError(f"the adjacency trajectory needs widths={tuple(tr.widths)} (pass widths= to gradient_flow_adjacency)")
    if tr.t.shape != at.t.shape or not np.allclose(tr.t, at.t, rtol=0, atol=1e-12):
        raise InvalidArgumentError("both trajectories must have the same output times (pass the same t_eval)")
    diff = np.array([max(float(np.max(np.abs(w - v))) for w, v in zip(tr.weights[k], at.weights[k])) for k in range(tr.t.size)])
    fig, (ax_l, ax_d) = new_figure(2, width=7.8, height=3.3)
    ax_l.plot(tr.t, tr.loss, color=OKABE_ITO[0], lw=3.0, alpha=0.6, label=r"layer-wise: $\dot W_j$")
    ax_l.plot(at.t, at.loss, "o", color=OKABE_ITO[5], ms=3, label=r"adjacency form: $\dot A$")
    ax_l.set_ylim(bottom=0)
    ax_l.set_xlabel("time $t$")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(f"widths {tuple(tr.widths)}", fontsize=9)
    ax_l.legend(fontsize=8)
    ax_d.semilogy(tr.t, np.maximum(diff, _FLOOR), color=OKABE_ITO[2], lw=1.6)
    ax_d.axhline(1e-10, color="0.5", lw=0.8, ls=":")
    ax_d.annotate(r"rtol $= 10^{-10}$", (tr.t[-1], 1e-10), ha="right", va="bottom", fontsize=7)
    ax_d.set_ylim(1e-17, 1e-5)
    ax_d.set_xlabel("time $t$")
    ax_d.set_ylabel(r"$\max_j |W_j(t) - A(t)_{(j,\,j-1)}|$")
    ax_d.set_title("difference between the two forms", fontsize=9)
    return fig


# --------------------------------------------------------------------------- explorer


def flow_scrub_figure(prepared: ScrubbedFlow, h: int, scale: float, t: float, *, fig=None):
    r"""The loss along a flow up to time ``t`` (left) and the singular values of the end-to-end
    map :math:`W_{1:h}(t)` against those of the target (right).

    The dotted levels on the left are the loss values :math:`\tfrac12\sum_{k > m}\sigma_k^2`
    of the saddles where the ``m`` largest singular values are learnt; a flow from a small
    start lingers near them in turn. Use with :func:`deeplinear.flow_scrub_prepare` as ``prepare=`` of
    :func:`deeplinear.explore.explorer`, so that scrubbing through ``t`` never re-integrates;
    ``h`` and ``scale`` only label the figure.

    Parameters
    ----------
    prepared : deeplinear.flow.ScrubbedFlow
        The integrated flow, from :func:`deeplinear.flow_scrub_prepare`.
    h : int
        Depth (the explorer's parameter; the title shows the depth of ``prepared``).
    scale : float
        Initial scale (shown in the title).
    t : float
        The time shown, inside the integrated interval.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.

    Returns
    -------
    matplotlib Figure
        Two axes: the loss and the singular values.

    Raises
    ------
    TypeError
        If ``prepared`` is not a ``ScrubbedFlow``.
    ValueError
        If ``t`` lies outside the integrated interval.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> prepared = dl.flow_scrub_prepare(2, 0.3, singular_values=(2.0, 1.0), t_max=4.0)
    >>> fig = dl.plots.flow_scrub_figure(prepared, 2, 0.3, 2.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(prepared, ScrubbedFlow):
        raise ArgumentTypeError(f"prepared must be a ScrubbedFlow (from dl.flow_scrub_prepare), got {type(prepared).__name__}")
    tr, sigma = prepared.trajectory, prepared.singular_values
    t = as_real(t, "t")
    scale = as_positive(scale, "scale")
    if not (tr.t[0] <= t <= tr.t[-1]):
        raise InvalidArgumentError(f"t = {t:g} is outside the integrated interval [{tr.t[0]:g}, {tr.t[-1]:g}]")
    W_t = tr.weights_at(t)
    E2E = W_t[0]
    for M in W_t[1:]:
        E2E = M @ E2E
    L_t = 0.5 * float(np.sum((np.diag(sigma) - E2E) ** 2))
    fig, (ax_l, ax_s) = _axes(fig, 2, 7.8, 3.4)
    floor = 1e-6
    ax_l.semilogy(tr.t, np.maximum(tr.loss, floor), color="0.8", lw=1.4)
    upto = tr.t <= t
    ax_l.semilogy(np.append(tr.t[upto], t), np.maximum(np.append(tr.loss[upto], L_t), floor), color=OKABE_ITO[0], lw=2.2)
    ax_l.semilogy([t], [max(L_t, floor)], "o", color=OKABE_ITO[5], ms=7)
    for m in range(sigma.size):
        level = 0.5 * float(np.sum(sigma[m:] ** 2))
        ax_l.axhline(level, color="0.55", lw=0.7, ls=":")
        ax_l.text(1.02, level, f"{m} learnt", transform=ax_l.get_yaxis_transform(), ha="left", va="center",
                  fontsize=6.5, color="0.35")
    ax_l.set_ylim(floor, float(np.sum(sigma**2)) + 1)
    ax_l.set_xlim(tr.t[0], tr.t[-1])
    ax_l.set_xlabel("time $t$")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(f"depth h = {len(tr.widths) - 1}, initial scale {scale:g}, t = {t:g}", fontsize=9)
    sv = np.linalg.svd(E2E, compute_uv=False)
    k = np.arange(1, sv.size + 1)
    ax_s.bar(k, sv, width=0.6, color=OKABE_ITO[0], label=r"$\sigma_k(W_{1:h}(t))$")
    ax_s.plot(np.arange(1, sigma.size + 1), sigma, "D", color=OKABE_ITO[1], ms=8, mec="black", mew=0.6, label=r"target $\sigma_k$")
    ax_s.set_ylim(0, 1.2 * float(np.max(sigma)) + 0.1)
    ax_s.set_xticks(k, [str(i) for i in k])
    ax_s.set_xlabel("index $k$")
    ax_s.set_ylabel("singular value")
    ax_s.set_title(f"end-to-end map at t = {t:g}", fontsize=9)
    ax_s.legend(fontsize=7, loc="upper right")
    return fig
