r"""Figures for the chapter on the model and the data.

* :func:`whitening_flow_figure` draws :func:`deeplinear.compare_data_flows`: the gradient flow
  on raw inputs, on whitened inputs, and of the reduced loss
  :math:`\tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`, from the same point in reduced
  coordinates. With whitened inputs the reduction is an orthogonal change of variables and
  the flows coincide; with raw inputs (:math:`X X^\top \ne I`) the loss values are preserved
  by the reduction but the flow is not (Wendin and Altafini, arXiv:2511.10362, Section 2). The
  flows on data use the loss object :func:`deeplinear.data_quadratic_loss`.
* :func:`reduction_figure` and :func:`data_spectrum_figure` (the explorer of the chapter:
  singular values of a teacher-plus-noise data set).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_int, as_matrix, as_positive
from ..data import DataFlowComparison, reduce_data, teacher_data, whiten
from .style import DIVERGING_CMAP, OKABE_ITO, new_figure
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "whitening_flow_figure",
    "reduction_figure",
    "data_spectrum_figure",
]

#: Distances below this are drawn at this value, so that exact zeros (at t = 0) show on a log axis.
_FLOOR = 1e-16


def whitening_flow_figure(comparison: DataFlowComparison):
    r"""Loss curves (left) and distance to the reduced flow (right) for the flows of
    :func:`deeplinear.compare_data_flows`.

    Left: the three losses minus the constant :math:`c` of the reduction, on a log scale
    (values below :math:`10^{-12}` are drawn at :math:`10^{-12}`). Right: the distances
    ``distance_raw`` and ``distance_whitened`` of the flows on data from the reduced flow, on a
    log scale (exact zeros are drawn at :math:`10^{-16}`).

    Parameters
    ----------
    comparison : deeplinear.data.DataFlowComparison
        The result of :func:`deeplinear.compare_data_flows`.

    Returns
    -------
    matplotlib Figure
        Two axes: the losses and the distances.

    Raises
    ------
    TypeError
        If ``comparison`` is not a ``DataFlowComparison``.

    References
    ----------
    Wendin and Altafini, arXiv:2511.10362, Section 2.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> data = dl.teacher_data([2.0, 1.0], 10, rng, noise=0.1, d_in=2, d_out=2)
    >>> X = np.diag([2.0, 0.5]) @ data.X
    >>> cmp = dl.compare_data_flows(dl.random_init((2, 2, 2), rng, 0.1), X, data.Y, 2, num=21)
    >>> fig = dl.plots.whitening_flow_figure(cmp)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if not isinstance(comparison, DataFlowComparison):
        raise ArgumentTypeError(f"comparison must be a DataFlowComparison (from compare_data_flows), got {type(comparison).__name__}")
    c = comparison
    fig, (ax_l, ax_d) = new_figure(2, width=7.6, height=3.3)
    floor = 1e-12
    ax_l.semilogy(c.t, np.maximum(c.loss_raw - c.constant, floor), color=OKABE_ITO[1], lw=2.2, label="flow on raw inputs")
    ax_l.semilogy(c.t, np.maximum(c.loss_whitened - c.constant, floor), color=OKABE_ITO[0], lw=2.2, label="flow on whitened inputs")
    ax_l.semilogy(c.t, np.maximum(c.loss_reduced - c.constant, floor), color=OKABE_ITO[7], lw=1.2, ls="--", label=r"flow of $\frac{1}{2}\|\Sigma - W_{1:h}\|_F^2$")
    ax_l.set_xlabel("time $t$")
    ax_l.set_ylabel(r"loss minus constant, $L - c$")
    ax_l.set_title("loss along the three flows", fontsize=9)
    ax_l.legend(fontsize=7)
    ax_d.semilogy(c.t, np.maximum(c.distance_raw, _FLOOR), color=OKABE_ITO[1], lw=2.2, label="raw inputs")
    ax_d.semilogy(c.t, np.maximum(c.distance_whitened, _FLOOR), color=OKABE_ITO[0], lw=2.2, label="whitened inputs")
    ax_d.set_ylim(1e-14, 1e1)
    ax_d.set_xlabel("time $t$")
    ax_d.set_ylabel(r"$\max_j \|W_j(t) - W_j^{\mathrm{red}}(t)\|_F$")
    ax_d.set_title("distance to the reduced flow", fontsize=9)
    ax_d.legend(fontsize=7)
    return fig


def _matrix_panel(ax, M: np.ndarray, title: str, scale: float) -> None:
    ax.imshow(M, cmap=DIVERGING_CMAP, vmin=-scale, vmax=scale, interpolation="nearest")
    if M.size <= 64:
        for (p, q), v in np.ndenumerate(M):
            ax.text(q, p, f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(M.shape[1]))
    ax.set_yticks(range(M.shape[0]))
    ax.tick_params(labelsize=7, length=0)
    ax.set_title(title, fontsize=9)


def reduction_figure(X: np.ndarray, Y: np.ndarray):
    r"""The reduction as a picture: the whitened input-output correlation
    :math:`\tilde Y = Y X^\top (X X^\top)^{-1/2}` and its SVD :math:`U\,\Sigma\,V^\top`.

    Entries are written in the cells (for small matrices) and coloured with a diverging map
    (blue negative, orange positive); ``U`` and ``V`` share one colour scale, :math:`\tilde Y`
    and :math:`\Sigma` another. The SVD is the one of :func:`deeplinear.reduce_data`.

    .. math:: \tilde Y = Y X^\top (X X^\top)^{-1/2} = U\,\Sigma\,V^\top

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column (``N >= d_0``, :math:`X X^\top` invertible).
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.

    Returns
    -------
    matplotlib Figure
        Four axes: :math:`\tilde Y`, :math:`U`, :math:`\Sigma`, :math:`V^\top`.

    Raises
    ------
    ValueError
        As :func:`deeplinear.reduce_data`: mismatched sample counts, ``N < d_0``, singular
        :math:`X X^\top` or non-finite entries.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> data = dl.teacher_data([2.0, 1.0], 10, rng, noise=0.1, d_in=2, d_out=2)
    >>> fig = dl.plots.reduction_figure(data.X, data.Y)
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    r = reduce_data(X, Y)
    Yt = as_matrix(Y, "Y") @ whiten(X).T  # Y X^T (X X^T)^{-1/2}
    scale = max(float(np.max(np.abs(Yt))), float(np.max(r.Sigma)), 1e-12)
    fig, axes = new_figure(4, width=8.4, height=2.6)
    _matrix_panel(axes[0], Yt, r"$\tilde Y = Y X^\top (X X^\top)^{-1/2}$", scale)
    _matrix_panel(axes[1], r.U, "$U$", 1.0)
    _matrix_panel(axes[2], r.Sigma, r"$\Sigma$", scale)
    _matrix_panel(axes[3], r.V.T, r"$V^\top$", 1.0)
    for ax, sym in zip(axes[:3], ("=", r"$\cdot$", r"$\cdot$")):
        ax.annotate(sym, (1.0, 0.5), xycoords="axes fraction", xytext=(6, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=12)
    return fig


def data_spectrum_figure(
    noise: float,
    n_samples: int,
    rank: int,
    *,
    teacher: Sequence[float] = (3.0, 2.0, 1.0, 0.5),
    d_in: int = 5,
    d_out: int = 4,
    seed: int = 0,
    fig=None,
):
    r"""Singular values of the reduced target of a teacher-plus-noise data set: the explorer of
    the chapter on the model and the data.

    The data are :func:`deeplinear.teacher_data` with the first ``rank`` values of ``teacher``
    as the teacher's singular values, ``n_samples`` i.i.d. standard Gaussian (not whitened)
    inputs and output noise of standard deviation ``noise``. The bars are the singular values
    of :math:`\Sigma` divided by :math:`\sqrt N`, the target of the loss with a :math:`1/N`
    factor, which converges to the teacher's values as :math:`N \to \infty`. The dotted line
    is the expected size of the largest singular value of the noise part,
    :math:`\text{noise}\,(\sqrt{d_0} + \sqrt{d_h})/\sqrt N`.

    Parameters
    ----------
    noise : float
        Standard deviation of the output noise (``>= 0``; no dotted line when ``0``).
    n_samples : int
        Number of samples :math:`N` (``>= 1``).
    rank : int
        Rank of the teacher: how many values of ``teacher`` are used (``1 <= rank <= len(teacher)``).
    teacher : sequence of float, default (3.0, 2.0, 1.0, 0.5)
        The teacher's singular values, largest first.
    d_in, d_out : int, default 5 and 4
        Input and output dimensions :math:`d_0` and :math:`d_h`.
    seed : int, default 0
        Seed of the data.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.

    Returns
    -------
    matplotlib Figure
        One axes.

    Raises
    ------
    TypeError
        If ``noise`` is not a real number or ``n_samples`` or ``rank`` is not an integer.
    ValueError
        If ``noise`` is negative or not finite, ``n_samples`` or ``rank`` is below 1, or
        ``rank`` exceeds ``len(teacher)``; and as :func:`deeplinear.teacher_data` and
        :func:`deeplinear.reduce_data` for data they refuse.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.data_spectrum_figure(0.3, 40, 2, seed=0)
    >>> len(fig.axes), len(fig.axes[0].patches)
    (1, 4)
    >>> plt.close(fig)
    """
    noise = as_positive(noise, "noise", allow_zero=True)
    n_samples = as_int(n_samples, "n_samples", minimum=1)
    rank = as_int(rank, "rank", minimum=1)
    s_all = np.asarray(teacher, dtype=float)
    if rank > s_all.size:
        raise InvalidArgumentError(f"rank must be at most len(teacher) = {s_all.size}, got {rank}")
    s = s_all[:rank]
    data = teacher_data(s, n_samples, np.random.default_rng(as_int(seed, "seed", minimum=0)), noise=noise, d_in=d_in, d_out=d_out, whitened=False)
    r = reduce_data(data.X, data.Y)
    k = r.singular_values.size
    scaled = r.singular_values / np.sqrt(n_samples)
    if fig is None:
        fig, ax = new_figure(width=6.0, height=3.6)
    else:
        fig.set_layout_engine("constrained")
        ax = fig.subplots()
    idx = np.arange(1, k + 1)
    ax.bar(idx, scaled, width=0.6, color=OKABE_ITO[0], label=r"data: $\sigma_k(\Sigma)/\sqrt{N}$")
    teacher_k = np.zeros(k)
    teacher_k[:rank] = s
    ax.plot(idx, teacher_k, "D", color=OKABE_ITO[1], ms=8, mec="black", mew=0.6, label=r"teacher: $s_k$")
    floor = noise * (np.sqrt(d_in) + np.sqrt(d_out)) / np.sqrt(n_samples)
    if noise > 0:
        ax.axhline(floor, color=OKABE_ITO[7], ls=":", lw=1.4, label=r"noise scale $\epsilon(\sqrt{d_0}+\sqrt{d_h})/\sqrt{N}$")
    ax.set_xticks(idx, [str(i) for i in idx])
    ax.set_xlabel("index $k$")
    ax.set_ylabel(r"singular value / $\sqrt{N}$")
    ax.set_ylim(0, max(4.0, float(s_all.max()) + 1.0))
    ax.set_xlim(0.4, k + 0.6)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(f"teacher rank {rank}, N = {n_samples} samples, noise {noise:g}", fontsize=9)
    return fig
