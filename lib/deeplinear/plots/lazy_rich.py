r"""Figures for the chapter on lazy and rich regimes (the computations are in
:mod:`deeplinear.lazy_rich`, :mod:`deeplinear.lambda_balanced` and :mod:`deeplinear.diagonal`).

* :func:`lazy_rich_figure` draws a :class:`deeplinear.lazy_rich.LazyRichStudy`: the loss of each
  run, and the laziness measures against the initial scale.
* :func:`lambda_figure` draws a :class:`deeplinear.lambda_balanced.LambdaStudy`.
* :func:`diagonal_figure` draws a :class:`deeplinear.diagonal.DiagonalStudy`.
* :func:`lazy_rich_explorer_figure` computes (exactly) and draws one lambda-balanced run, for
  the chapter's explorer.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_positive, as_real
from ..diagonal import DiagonalStudy
from ..errors import ArgumentTypeError
from ..lambda_balanced import LambdaStudy, lambda_balanced_init, lambda_balanced_solution
from ..lazy_rich import LazyRichStudy
from .style import OKABE_ITO, new_figure

__all__ = ["lazy_rich_figure", "lambda_figure", "diagonal_figure", "lazy_rich_explorer_figure"]


def _require(obj, cls, name):
    if not isinstance(obj, cls):
        raise ArgumentTypeError(f"{name} must be a {cls.__name__} (from dl.{cls.__module__.split('.')[-1]}), "
                                f"got {type(obj).__name__}")


def lazy_rich_figure(study: LazyRichStudy):
    r"""Loss curves and laziness measures of a :class:`~deeplinear.lazy_rich.LazyRichStudy`.

    Left: :math:`L(t)/L(0)` of each run (log scale), coloured by the initial scale. Right,
    against the scale (log-log): the kernel change :math:`\max_t\lVert K(t)-K(0)\rVert/\lVert K(0)\rVert`,
    the weight travel :math:`\lVert\theta(T)-\theta(0)\rVert/\lVert\theta(0)\rVert` and the distance from
    linearised training.

    Parameters
    ----------
    study : deeplinear.lazy_rich.LazyRichStudy
        The result of :func:`deeplinear.lazy_rich.lazy_rich_study`.

    Returns
    -------
    matplotlib Figure
        Two axes.

    Raises
    ------
    TypeError
        If ``study`` is not a ``LazyRichStudy``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> st = dl.lazy_rich.lazy_rich_study([1e-2, 3.0], np.diag([2.0, 1.0]), (2, 3, 2), t_end=5.0, num=11)
    >>> fig = dl.plots.lazy_rich_figure(st)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    _require(study, LazyRichStudy, "study")
    fig, (ax, ax2) = new_figure(2, width=8.4, height=3.4)
    n = study.scales.size
    for k, s in enumerate(study.scales):
        ax.semilogy(study.t, np.maximum(study.loss[k], 1e-16), color=OKABE_ITO[k % 8], lw=1.6,
                    label=f"s = {s:g} ({study.plateaus[k]} plateaus)")
    ax.set_ylim(1e-10, 2.0)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(t)/L(0)$")
    ax.set_title("loss from random starts of scale s", fontsize=9)
    ax.legend(fontsize=6.5, loc="lower left", ncol=1 if n < 5 else 2)
    ax2.loglog(study.scales, study.kernel_change, "o-", color=OKABE_ITO[5], label="kernel change")
    ax2.loglog(study.scales, study.weight_travel, "s--", color=OKABE_ITO[0], label="weight travel")
    ax2.loglog(study.scales, np.maximum(study.linearised_gap, 1e-16), "^:", color=OKABE_ITO[2],
               label="distance from linearised training")
    ax2.axhline(1.0, color="0.6", lw=0.8)
    ax2.set_xlabel("initial scale $s$")
    ax2.set_ylabel("relative size")
    ax2.set_title("lazy (right) and rich (left)", fontsize=9)
    ax2.legend(fontsize=6.5)
    return fig


def lambda_figure(study: LambdaStudy):
    r"""Kernel change, weight travel and half-time against :math:`\lambda` (a :class:`~deeplinear.lambda_balanced.LambdaStudy`).

    Parameters
    ----------
    study : deeplinear.lambda_balanced.LambdaStudy
        The result of :func:`deeplinear.lambda_balanced.lambda_study`.

    Returns
    -------
    matplotlib Figure
        Two axes.

    Raises
    ------
    TypeError
        If ``study`` is not a ``LambdaStudy``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> st = dl.lambda_balanced.lambda_study([0.0, 4.0], np.diag([2.0, 1.0]), (2, 2, 2), t_end=5.0, num=11)
    >>> fig = dl.plots.lambda_figure(st)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    _require(study, LambdaStudy, "study")
    fig, (ax, ax2) = new_figure(2, width=8.4, height=3.2)
    ax.semilogy(study.lams, study.kernel_change, "o-", color=OKABE_ITO[5], label="kernel change")
    ax.semilogy(study.lams, study.weight_travel, "s--", color=OKABE_ITO[0], label="weight travel")
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"balance parameter $\lambda$")
    ax.set_ylabel("relative size")
    ax.set_title(r"rich near $\lambda = 0$, lazy for large $|\lambda|$", fontsize=9)
    ax.legend(fontsize=7)
    ax2.plot(study.lams, study.half_time, "o-", color=OKABE_ITO[2])
    ax2.set_xlabel(r"balance parameter $\lambda$")
    ax2.set_ylabel("time to halve the loss")
    ax2.set_title("speed", fontsize=9)
    return fig


def diagonal_figure(study: DiagonalStudy):
    r"""From :math:`\ell_2` to :math:`\ell_1`: the limits of diagonal networks against :math:`\alpha`.

    Left: distances of the flow's limit to the minimum-:math:`\ell_2` and minimum-:math:`\ell_1`
    interpolants. Right: the entries of the limit against :math:`\alpha`.

    Parameters
    ----------
    study : deeplinear.diagonal.DiagonalStudy
        The result of :func:`deeplinear.diagonal.diagonal_study`.

    Returns
    -------
    matplotlib Figure
        Two axes.

    Raises
    ------
    TypeError
        If ``study`` is not a ``DiagonalStudy``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> X, y, b = dl.diagonal.sparse_regression(3, 6, 1, rng=0)
    >>> fig = dl.plots.diagonal_figure(dl.diagonal.diagonal_study([0.1, 3.0], X, y))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    _require(study, DiagonalStudy, "study")
    fig, (ax, ax2) = new_figure(2, width=8.4, height=3.2)
    ax.loglog(study.alphas, np.maximum(study.distance_l1, 1e-12), "o-", color=OKABE_ITO[5],
              label=r"to min-$\ell_1$ interpolant")
    ax.loglog(study.alphas, np.maximum(study.distance_l2, 1e-12), "s--", color=OKABE_ITO[0],
              label=r"to min-$\ell_2$ interpolant")
    ax.set_xlabel(r"initial scale $\alpha$")
    ax.set_ylabel("distance of the limit")
    ax.set_title("rich (small α) to kernel (large α)", fontsize=9)
    ax.legend(fontsize=7)
    for j in range(study.beta.shape[1]):
        on = abs(study.min_l1[j]) > 1e-9
        ax2.semilogx(study.alphas, study.beta[:, j], "-", color=OKABE_ITO[5] if on else "0.6",
                     lw=1.6 if on else 0.8)
    ax2.set_xlabel(r"initial scale $\alpha$")
    ax2.set_ylabel(r"entries of $\beta^\infty_\alpha$")
    ax2.set_title(r"support of the min-$\ell_1$ interpolant in colour", fontsize=9)
    return fig


def lazy_rich_explorer_figure(scale: float, lam: float, *, t_max: float = 30.0, fig=None):
    r"""One exact lambda-balanced two-layer run (:func:`deeplinear.lambda_balanced.lambda_balanced_solution`).

    Target :math:`\Sigma = \operatorname{diag}(3, 1.5, 0.5)`, widths ``(3, 3, 3)``, start
    :func:`deeplinear.lambda_balanced.lambda_balanced_init` with the given ``scale`` and ``lam`` (seed 0).
    Left: the loss; right: the relative change of the tangent kernel.

    Parameters
    ----------
    scale : float
        Scale of the random layer, ``> 0``.
    lam : float
        Balance parameter :math:`\lambda`.
    t_max : float, default 30.0
        Length of the run (long enough for the weakest mode from scale ``1e-3``).
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer passes one).

    Returns
    -------
    matplotlib Figure
        Two axes.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``scale`` or ``t_max`` is not positive.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.lazy_rich_explorer_figure(0.01, 1.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    scale = as_positive(scale, "scale")
    lam = as_real(lam, "lam")
    t_max = as_positive(t_max, "t_max")
    S = np.diag([3.0, 1.5, 0.5])
    W0 = lambda_balanced_init((3, 3, 3), lam, 0, scale=scale)
    t = np.linspace(0.0, t_max, 241)
    sol = lambda_balanced_solution(W0, S, t)
    if fig is None:
        fig, (ax, ax2) = new_figure(2, width=8.4, height=3.3)
    else:
        fig.set_layout_engine("constrained")
        ax, ax2 = fig.subplots(1, 2)
    ax.semilogy(t, np.maximum(sol.loss, 1e-12), color=OKABE_ITO[5], lw=1.8)
    for v in (0.5 * (1.5**2 + 0.5**2), 0.5 * 0.5**2):
        ax.axhline(v, color="0.7", lw=0.7, ls="--")
    ax.set_ylim(1e-6, 10.0)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(t)$")
    ax.set_title(f"scale s = {scale:g}, λ = {lam:g}", fontsize=9)
    ax2.semilogy(t, np.maximum(sol.kernel_change, 1e-8), color=OKABE_ITO[0], lw=1.8)
    ax2.axhline(1.0, color="0.6", lw=0.8)
    ax2.set_ylim(1e-3, 1e9)
    ax2.set_xlabel("time $t$")
    ax2.set_ylabel(r"$\|K(t) - K(0)\| / \|K(0)\|$")
    ax2.set_title("tangent kernel change", fontsize=9)
    return fig
