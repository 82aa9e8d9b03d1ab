r"""Figures for the chapter on implicit regularisation (the computations are in :mod:`deeplinear.sensing`).

* :func:`completion_study_figure` draws a :class:`deeplinear.sensing.CompletionStudy`: the
  error on the unobserved entries and the effective rank against the initial scale, one curve
  per depth, with the minimum-nuclear-norm completion for comparison.
* :func:`completion_spectrum_figure` draws the singular values of the end-to-end map of one
  :class:`deeplinear.sensing.CompletionRun` over time.
* :func:`completion_explorer_figure` computes (with :func:`deeplinear.sensing.deep_completion`) and
  draws one run for the chapter's explorer.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_depth, as_int, as_matrix, as_positive, as_real
from ..errors import ArgumentTypeError
from ..sensing import CompletionRun, CompletionStudy, completion_problem, deep_completion
from .style import OKABE_ITO, new_figure

__all__ = ["completion_study_figure", "completion_spectrum_figure", "completion_explorer_figure"]

_MARKERS = ("o", "s", "^", "D", "v", "P")


def completion_study_figure(study: CompletionStudy, *, nuclear_error: float | None = None,
                            nuclear_effective_rank: float | None = None, true_effective_rank: float | None = None):
    r"""Error on the unobserved entries and effective rank against the initial scale, per depth.

    Parameters
    ----------
    study : CompletionStudy
        From :func:`deeplinear.sensing.completion_study`.
    nuclear_error, nuclear_effective_rank : float, optional
        The same two numbers for the minimum-nuclear-norm completion
        (:func:`deeplinear.sensing.nuclear_norm_completion`), drawn as dashed horizontal lines.
    true_effective_rank : float, optional
        The effective rank of the ground truth, a dotted line on the right.

    Returns
    -------
    matplotlib Figure
        Two axes with logarithmic scale axes: the error (left), the effective rank (right).

    Raises
    ------
    TypeError
        If ``study`` is not a :class:`deeplinear.sensing.CompletionStudy`, or a level is not a
        real number.
    ValueError
        If a level is not finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> p = dl.sensing.completion_problem(6, 1, 0.6, rng=0)
    >>> fig = dl.plots.completion_study_figure(dl.sensing.completion_study(p.Sigma, p.mask, depths=(1, 2), scales=(0.1,)))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(study, CompletionStudy):
        raise ArgumentTypeError(f"study must be a CompletionStudy (from dl.sensing.completion_study), got {type(study).__name__}")
    nuclear_error, nuclear_effective_rank, true_effective_rank = (
        None if v is None else as_real(v, name)
        for v, name in ((nuclear_error, "nuclear_error"), (nuclear_effective_rank, "nuclear_effective_rank"),
                        (true_effective_rank, "true_effective_rank")))
    fig, (ax_e, ax_r) = new_figure(2, width=8.4, height=3.4)
    for i, h in enumerate(study.depths):
        style = dict(color=OKABE_ITO[(i + 1) % 8], marker=_MARKERS[i % len(_MARKERS)], lw=1.5, ms=5, label=f"depth {h}")
        ax_e.plot(study.scales, study.unobserved_error[i], **style)
        ax_r.plot(study.scales, study.effective_rank[i], **style)
    if nuclear_error is not None:
        ax_e.axhline(nuclear_error, color=OKABE_ITO[0], ls="--", lw=1.2, label="min nuclear norm")
    if nuclear_effective_rank is not None:
        ax_r.axhline(nuclear_effective_rank, color=OKABE_ITO[0], ls="--", lw=1.2, label="min nuclear norm")
    if true_effective_rank is not None:
        ax_r.axhline(true_effective_rank, color="0.4", ls=":", lw=1.2, label="ground truth")
    for ax in (ax_e, ax_r):
        ax.set_xscale("log")
        ax.set_xlabel(r"initial scale $\|W(0)\|_F$")
    ax_e.set_yscale("log")
    ax_e.set_ylabel("relative error on unobserved entries")
    ax_r.set_ylabel("effective rank of $W$")
    ax_e.set_title("recovery", fontsize=9)
    ax_r.set_title("effective rank of the completion", fontsize=9)
    ax_e.legend(fontsize=7)
    ax_r.legend(fontsize=7)
    return fig


def _draw_spectrum(ax, run: CompletionRun, rank: int | None, t_max: float | None = None) -> None:
    t = run.t[1:]
    sv = run.singular_values[1:]
    k = sv.shape[1] if rank is None else min(rank, sv.shape[1])
    for j in range(sv.shape[1]):
        lead = j < k and rank is not None
        ax.plot(t, sv[:, j], color=OKABE_ITO[(j % 3) + 5] if lead else "0.65", lw=1.6 if lead else 0.8,
                label=f"σ{j + 1}" if lead else ("others" if j == k else None))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("singular values of $W(t)$")
    if t_max is not None:
        ax.set_xlim(t[0], t_max)


def completion_spectrum_figure(run: CompletionRun, *, rank: int | None = None, Sigma: np.ndarray | None = None):
    r"""The singular values of the end-to-end map over time (log-log), for one completion run.

    Parameters
    ----------
    run : CompletionRun
        From :func:`deeplinear.sensing.deep_completion`.
    rank : int, optional
        Colour the ``rank`` largest singular values (the others grey).
    Sigma : ndarray, optional
        The ground truth: its non-zero singular values are drawn as dotted lines.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    TypeError
        If ``run`` is not a :class:`deeplinear.sensing.CompletionRun`, ``rank`` not an integer
        or ``Sigma`` not a real matrix.
    ValueError
        If ``rank < 1`` or ``Sigma`` is not 2-D and finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> p = dl.sensing.completion_problem(6, 1, 0.6, rng=0)
    >>> fig = dl.plots.completion_spectrum_figure(dl.sensing.deep_completion(p.Sigma, p.mask, 2), rank=1, Sigma=p.Sigma)
    >>> fig.axes[0].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    if not isinstance(run, CompletionRun):
        raise ArgumentTypeError(f"run must be a CompletionRun (from dl.sensing.deep_completion), got {type(run).__name__}")
    rank = None if rank is None else as_int(rank, "rank", minimum=1)
    S = None if Sigma is None else as_matrix(Sigma, "Sigma")
    fig, ax = new_figure(1, width=6.4, height=3.6)
    _draw_spectrum(ax, run, rank)
    if S is not None:
        s = np.linalg.svd(S, compute_uv=False)
        for j, v in enumerate(s[s > 1e-12 * s[0]]):
            ax.axhline(v, color="0.3", ls=":", lw=1.0, label="ground truth" if j == 0 else None)
    ax.set_title(f"depth {run.h}, initial scale {run.scale:g}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def completion_explorer_figure(h: int, scale: float, fraction: float, *, fig=None, n: int = 20, rank: int = 2, seed: int = 0):
    r"""The chapter's explorer: complete a random ``n x n`` matrix of rank ``rank`` from a fraction of its entries.

    Left: the singular values of :math:`W(t)` over time (:func:`completion_spectrum_figure`).
    Right: the final singular values against those of the ground truth, with the relative
    error on the unobserved entries and the effective rank in the title. The problem is
    :func:`deeplinear.sensing.completion_problem` ``(n, rank, fraction, rng=seed)`` and the run
    :func:`deeplinear.sensing.deep_completion` (its defaults) from the given depth and scale.

    Parameters
    ----------
    h : int
        Depth, ``>= 1``.
    scale : float
        Initial scale :math:`\lVert W(0)\rVert_F`, ``> 0``.
    fraction : float
        Probability with which each entry is observed, in ``(0, 1]``.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new one.
    n, rank, seed : int
        Size, rank and seed of the problem.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    TypeError, ValueError
        As :func:`deeplinear.sensing.completion_problem` and :func:`deeplinear.sensing.deep_completion`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.completion_explorer_figure(2, 0.1, 0.6, n=6, rank=1)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    h = as_depth(h)
    alpha = as_positive(scale, "scale")
    p = completion_problem(n, rank, fraction, rng=seed)
    run = deep_completion(p.Sigma, p.mask, h, scale=alpha)
    if fig is None:
        fig, axes = new_figure(2, width=8.4, height=3.5, gridspec_kw={"width_ratios": [1.6, 1.0]})
    else:
        fig.set_layout_engine("constrained")
        axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1.0]})
    ax, ax_s = axes
    _draw_spectrum(ax, run, rank, t_max=1e4)
    ax.set_ylim(1e-6, 20.0)
    # the mask samples each entry with probability `fraction`: give the count actually seen
    ax.set_title(f"depth {h}, scale {alpha:g}, {int(p.mask.sum())} of {p.mask.size} entries seen "
                 f"(each with probability {fraction:g})", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    k = np.arange(1, p.Sigma.shape[0] + 1)
    truth = np.linalg.svd(p.Sigma, compute_uv=False)
    ax_s.semilogy(k, np.maximum(run.singular_values[-1], 1e-6), "o", color=OKABE_ITO[5], ms=4, label="completion")
    ax_s.semilogy(k[:rank], truth[:rank], "x", color="0.2", ms=7, label="ground truth")
    ax_s.set_ylim(1e-6, 20.0)
    ax_s.set_xlabel("index $r$")
    ax_s.set_ylabel(r"$\sigma_r$ at the end")
    ax_s.set_title(f"error {run.unobserved_error:.3f}, effective rank {run.effective_rank:.2f}", fontsize=9)
    ax_s.legend(fontsize=7, loc="upper right")
    if run.status != "converged":
        ax_s.text(0.5, 0.05, f"not converged ({run.status})", transform=ax_s.transAxes, ha="center", fontsize=8, color=OKABE_ITO[6])
    return fig

