r"""Figures for the chapter on residual and convolutional linear networks (the computations are in
:mod:`deeplinear.resnet` and :mod:`deeplinear.convolution`).

* :func:`identity_descent_figure` draws :class:`deeplinear.resnet.IdentityDescentRun` results:
  the loss of descent from the identity, its scalar prediction and the stall level.
* :func:`fourier_bias_figure` draws :func:`deeplinear.convolution.conv_bias_study`: the Fourier magnitudes of
  the max-margin direction and of the convolutional predictors, depth by depth.
* :func:`init_iterations_figure` draws :func:`deeplinear.resnet.init_iterations`.
* :func:`identity_explorer_figure` -- the explorer of the chapter: the scalar dynamics of one
  eigen-direction from :math:`w_0 = 1`, for a depth and an eigenvalue.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_depth, as_int, as_real
from ..convolution import ConvBiasStudy
from ..resnet import IdentityDescentRun, InitIterations, identity_scalar_descent
from .style import OKABE_ITO, axes_row
from ..errors import ArgumentTypeError

__all__ = ["identity_descent_figure", "fourier_bias_figure", "init_iterations_figure", "identity_explorer_figure"]

_FLOOR = 1e-16


def _require(value, kind, name):
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be a {kind.__name__} (the result of the library's function), got {type(value).__name__}")
    return value
_MARGINS = (0.75, 0.15, 0.55, 0.4, 0.4)


def identity_descent_figure(runs: Sequence[IdentityDescentRun], *, labels: Sequence[str] | None = None, fig=None):
    r"""The loss of descent from :math:`W_i = I` above its stall level, per step (log scale):
    :math:`L^{(k)} - \tfrac12\sum_{\lambda<0}\lambda^2`, measured (lines) and predicted by the
    scalar maps (circles). Values below :math:`10^{-16}` are drawn at that value.

    Parameters
    ----------
    runs : sequence of IdentityDescentRun
        From :func:`deeplinear.resnet.identity_descent_run`.
    labels : sequence of str, optional
        Legend entries, one per run.
    fig : matplotlib Figure, optional
        Figure to draw into.

    Returns
    -------
    matplotlib Figure
        One axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> run = dl.resnet.identity_descent_run(np.diag([2.0, -1.0]), 2, steps=50)
    >>> fig = dl.plots.identity_descent_figure([run])
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    if isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence) or not runs:
        raise ArgumentTypeError(f"runs must be a non-empty list of IdentityDescentRun, got {type(runs).__name__}")
    runs = [_require(r, IdentityDescentRun, f"runs[{i}]") for i, r in enumerate(runs)]
    fig, (ax,) = axes_row(fig, 1, 6.4, 3.8, margins=_MARGINS)
    for i, run in enumerate(runs):
        colour = OKABE_ITO[(i + 1) % len(OKABE_ITO)]
        k = np.arange(run.losses.size)
        label = labels[i] if labels is not None else f"h = {run.h}"
        ax.semilogy(k, np.maximum(run.losses - run.stall_loss, _FLOOR), color=colour, lw=1.8, label=label)
        every = max(1, k.size // 25)
        excess = run.predicted_losses[::every] - run.stall_loss
        ax.semilogy(k[::every], np.maximum(excess, _FLOOR), "o", color=colour, ms=3.5, mfc="none")
    ax.set_ylim(_FLOOR / 2, 10)
    ax.set_xlabel("step $k$")
    ax.set_ylabel(r"loss $-$ stall level")
    ax.set_title("descent from the identity: measured (lines) and scalar prediction (circles)", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def fourier_bias_figure(study: ConvBiasStudy, *, fig=None):
    r"""Fourier magnitudes :math:`|\hat\beta_k|/\max_k|\hat\beta_k|` of the :math:`\ell_2` max-margin
    direction and of each convolutional predictor, as bars over the frequency :math:`k`, with the
    participation number in each title.

    Parameters
    ----------
    study : ConvBiasStudy
        From :func:`deeplinear.convolution.conv_bias_study`.
    fig : matplotlib Figure, optional
        Figure to draw into.

    Returns
    -------
    matplotlib Figure
        One axes per predictor, the max-margin direction first.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> study = dl.convolution.conv_bias_study(rng.standard_normal((6, 3)), [1.0, -1.0, 1.0], depths=[2], steps=100)
    >>> len(dl.plots.fourier_bias_figure(study).axes)
    2
    >>> plt.close("all")
    """
    study = _require(study, ConvBiasStudy, "study")
    vectors = [study.max_margin] + list(study.predictors)
    titles = [f"ℓ2 max margin ({study.max_margin_participation:.1f})"] + [
        f"conv, L = {L} ({p:.1f})" for L, p in zip(study.depths, study.participation)
    ]
    fig, axes = axes_row(fig, len(vectors), 2.3 * len(vectors) + 0.8, 2.8, margins=_MARGINS)
    for i, (ax, v, title) in enumerate(zip(axes, vectors, titles)):
        a = np.abs(np.fft.fft(v))
        ax.bar(np.arange(a.size), a / a.max(), color=OKABE_ITO[(i + 1) % len(OKABE_ITO)], width=0.8)
        ax.set_ylim(0, 1.05)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("frequency $k$")
    axes[0].set_ylabel(r"$|\hat\beta_k| / \max|\hat\beta|$")
    return fig


def init_iterations_figure(result: InitIterations, *, fig=None):
    r"""Steps of descent to the loss tolerance against the depth, Gaussian and orthogonal starts
    (one marker per seed, the median joined; runs that did not converge drawn at the budget as crosses).

    Parameters
    ----------
    result : InitIterations
        From :func:`deeplinear.resnet.init_iterations`.
    fig : matplotlib Figure, optional
        Figure to draw into.

    Returns
    -------
    matplotlib Figure
        One axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> res = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [1, 2], 4, seeds=[0])
    >>> len(dl.plots.init_iterations_figure(res).axes)
    1
    >>> plt.close("all")
    """
    result = _require(result, InitIterations, "result")
    fig, (ax,) = axes_row(fig, 1, 6.4, 3.6, margins=_MARGINS)
    for i, (name, counts) in enumerate((("Gaussian (variance 1/fan-in)", result.gaussian), ("orthogonal", result.orthogonal))):
        colour = OKABE_ITO[i + 5 if i == 0 else 2]
        shown = np.where(counts > 0, counts, result.max_steps).astype(float)
        for j in range(counts.shape[1]):
            ok = counts[:, j] > 0
            ax.semilogy(result.depths[ok], shown[ok, j], "o", color=colour, ms=4, alpha=0.7)
            ax.semilogy(result.depths[~ok], shown[~ok, j], "x", color=colour, ms=6)
        ax.semilogy(result.depths, np.median(shown, axis=1), "-", color=colour, lw=1.6, label=name)
    ax.axhline(result.max_steps, color="0.5", ls=":", lw=1.0)
    ax.set_xlabel("depth $h$")
    ax.set_ylabel("steps to the tolerance")
    ax.set_title(f"hidden width {result.width}, η = {result.eta:g}, loss ≤ {result.tol:g}", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def identity_explorer_figure(h: int, eigenvalue: float, *, eta: float = 0.05, steps: int = 400, fig=None):
    r"""Explorer frame: one eigen-direction of descent from the identity, :math:`w_0 = 1`,
    :math:`w_{k+1} = w_k + \eta\,w_k^{h-1}(\lambda - w_k^h)`: the end-to-end value :math:`w_k^h`
    against the target :math:`\lambda` (left) and the loss :math:`\tfrac12(\lambda - w_k^h)^2` above
    the floor :math:`\tfrac12\min(\lambda, 0)^2` that depth :math:`h \ge 2` cannot pass (right, log
    scale), with fixed axes.

    Parameters
    ----------
    h : int
        Depth, ``>= 1``.
    eigenvalue : float
        The eigenvalue :math:`\lambda` of the target along this direction.
    eta : float, default 0.05
        Step size.
    steps : int, default 400
        Number of steps.
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's).

    Returns
    -------
    matplotlib Figure
        Two axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> len(dl.plots.identity_explorer_figure(2, -0.5, steps=50).axes)
    2
    >>> plt.close("all")
    """
    h = as_depth(h)
    lam = as_real(eigenvalue, "eigenvalue")
    steps = as_int(steps, "steps", minimum=1)
    w = identity_scalar_descent([lam], h, eta=eta, steps=steps)[:, 0]
    k = np.arange(w.size)
    fig, (ax_w, ax_l) = axes_row(fig, 2, 8.6, 3.6, margins=_MARGINS)
    ax_w.plot(k, w**h, color=OKABE_ITO[5], lw=1.8, label="$w_k^h$")
    ax_w.axhline(lam, color="0.3", ls="--", lw=1.0, label="target λ")
    ax_w.axhline(0.0, color="0.7", lw=0.8)
    ax_w.set_ylim(-2.1, 2.1)
    ax_w.set_xlim(0, steps)
    ax_w.set_xlabel("step $k$")
    ax_w.set_title(f"h = {h}, λ = {lam:g}: end-to-end value", fontsize=9)
    ax_w.legend(fontsize=8, loc="upper right")
    excess = 0.5 * (lam - w**h) ** 2 - 0.5 * min(lam, 0.0) ** 2
    ax_l.semilogy(k, np.maximum(excess, _FLOOR), color=OKABE_ITO[2], lw=1.8)
    ax_l.set_ylim(1e-16, 10)
    ax_l.set_xlim(0, steps)
    ax_l.set_xlabel("step $k$")
    ax_l.set_title(f"loss above its floor ½min(λ, 0)² = {0.5 * min(lam, 0.0) ** 2:g}", fontsize=9)
    return fig
