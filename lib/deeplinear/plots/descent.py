r"""Figures (and the small computations behind them) for the chapter on gradient descent and
non-quadratic losses.

The threshold :math:`\eta^\star = 2/(h\,\sigma_1^{2-2/h})`, the largest step for which the
balanced global minimum (the flattest one) is linearly stable, is :func:`deeplinear.critical_step`.

* :func:`threshold_runs` and :func:`threshold_figure` -- descent started next to the balanced
  minimum with steps just below and just above :math:`\eta^\star` (digest claim 20).
* :func:`drift_scaling` and :func:`drift_scaling_figure` -- the conserved quantities drift by
  exactly :math:`O(\eta^2)` per step and by :math:`O(\eta)` over a whole run (digest claim 21).
* :func:`sharpness_selection` and :func:`sharpness_selection_figure` -- from an unbalanced start,
  larger steps end at flatter, more balanced minima, always with :math:`\lambda_{\max} < 2/\eta`.
* :func:`nonquadratic_runs` and :func:`nonquadratic_figure` -- flows of the logistic loss on
  separable and non-separable labels and of a Huber loss: the conserved quantities stay put
  while the landscape changes (digest claim 30).
* :func:`step_explorer_figure` -- the explorer of the chapter: loss and imbalance drift per
  iteration for a step size relative to :math:`\eta^\star` and a depth.

References: Arora, Cohen, Golowich and Hu (2019); Du, Hu and Lee (2018); Mulayoff and Michaeli
(2020); Ji and Telgarsky (2019); Cohen et al. (2021).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_depth, as_int, as_matrix, as_positive, as_weights, check_sigma, widths_of
from ..descent import conservation_drift_step, critical_step, gradient_descent
from ..flow import gradient_flow
from ..curvature import sharpness
from ..init import balanced_init, random_init
from ..invariants import conserved_quantities, imbalance
from ..losses import huber, logistic
from .style import OKABE_ITO, axes_row
from .._validation import frozen_array as _frozen

_MARGINS = (0.75, 0.15, 0.55, 0.4, 0.35)  # inches (left, right, bottom, top) and wspace: fixed, for explorer frames

__all__ = [
    "ThresholdRun",
    "threshold_runs",
    "threshold_figure",
    "DriftScaling",
    "drift_scaling",
    "drift_scaling_figure",
    "SharpnessSelection",
    "sharpness_selection",
    "sharpness_selection_figure",
    "NonQuadraticRun",
    "nonquadratic_runs",
    "nonquadratic_figure",
    "step_explorer_figure",
]

_FLOOR = 1e-32


def _descend(W0, S, eta, steps, **kwargs):
    """Gradient descent without its divergence warning (a diverged run is data here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return gradient_descent(W0, S, eta, steps, **kwargs)


# --------------------------------------------------------------------------- the threshold


@dataclass(frozen=True)
class ThresholdRun:
    r"""Descent from next to the balanced minimum with :math:`\eta = \text{ratio}\cdot\eta^\star`.

    Attributes
    ----------
    ratio : float
    eta : float
    losses : ndarray
        Loss per iteration (initial included).
    imbalance : ndarray
        :math:`\max_i \lVert C_i\rVert_F` per iteration.
    diverged : bool
    """

    ratio: float
    eta: float
    losses: np.ndarray
    imbalance: np.ndarray
    diverged: bool

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def threshold_runs(
    Sigma: np.ndarray,
    h: int,
    ratios: Sequence[float] = (0.9, 0.99, 1.01, 1.1),
    *,
    steps: int = 3000,
    perturbation: float = 1e-3,
    seed: int = 0,
) -> list[ThresholdRun]:
    r"""Descent from the balanced global minimum of ``Sigma`` (square widths, depth ``h``) plus a
    random perturbation of Frobenius size ``perturbation`` per layer, with
    :math:`\eta = \text{ratio}\cdot\eta^\star` for each ratio."""
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"Sigma must be square, got shape {S.shape}")
    d = S.shape[0]
    Wm = balanced_init((d,) * (h + 1), product=S)
    rng = np.random.default_rng(seed)
    noise = [rng.standard_normal(w.shape) for w in Wm]
    W0 = [w + perturbation * z / np.linalg.norm(z) for w, z in zip(Wm, noise)]
    es = critical_step(float(np.linalg.svd(S, compute_uv=False)[0]), h)
    runs = []
    for ratio in ratios:
        ratio = as_positive(ratio, "ratio")
        res = _descend(W0, S, ratio * es, as_int(steps, "steps", minimum=1))
        imb = [imbalance(w) for w in res.weights]
        runs.append(ThresholdRun(float(ratio), ratio * es, res.losses, _frozen(imb), res.diverged))
    return runs


def threshold_figure(runs: Sequence[ThresholdRun], *, title: str = ""):
    r"""Loss per iteration (log scale) of each :class:`ThresholdRun`, one curve per ratio
    :math:`\eta/\eta^\star`.

    Returns
    -------
    matplotlib Figure
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, ThresholdRun) for r in runs):
        raise TypeError("runs must be a non-empty list of ThresholdRun (from threshold_runs)")
    fig, (ax,) = axes_row(None, 1, 6.4, 3.6, margins=_MARGINS)
    styles = ("-", "--", "-.", ":")
    for i, r in enumerate(runs):
        k = np.arange(r.losses.size)
        colour = OKABE_ITO[0] if r.ratio < 1 else OKABE_ITO[5]
        ax.semilogy(k, np.maximum(r.losses, _FLOOR), color=colour, lw=1.6, ls=styles[i % 4],
                    label=f"η/η* = {r.ratio:g}" + (" (diverged)" if r.diverged else ""))
    ax.set_ylim(1e-32, 1.0)
    ax.set_xlim(0, max(r.losses.size - 1 for r in runs))
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel("loss $L(W^{(k)})$")
    ax.set_title(title or "descent next to the balanced minimum", fontsize=9)
    ax.legend(fontsize=7.5, loc="center right")
    return fig


# --------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class DriftScaling:
    r"""Drift of the conserved quantities against the step size (from :func:`drift_scaling`).

    Attributes
    ----------
    etas : ndarray
    one_step : ndarray
        :math:`\max_i\lVert C_i^{(1)} - C_i^{(0)}\rVert_F` after one step.
    predicted : ndarray
        :math:`\max_i\lVert \eta^2(G_{i+1}^\top G_{i+1} - G_i G_i^\top)\rVert_F` at the start.
    total : ndarray
        :math:`\max_i\lVert C_i^{(K)} - C_i^{(0)}\rVert_F` at the end of a run to ``tol``.
    steps : ndarray
        Number of iterations of each run.
    """

    etas: np.ndarray
    one_step: np.ndarray
    predicted: np.ndarray
    total: np.ndarray
    steps: np.ndarray


def drift_scaling(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    etas: Sequence[float],
    *,
    time: float = 60.0,
    tol: float = 1e-16,
) -> DriftScaling:
    r"""For each step size: the one-step drift (measured and predicted by
    :func:`deeplinear.conservation_drift_step`) and the total drift of a run of at most
    ``time / eta`` iterations, stopped at loss ``tol``."""
    W0 = as_weights(weights0, "weights0")
    S = check_sigma(Sigma, widths_of(W0))
    if len(W0) < 2:
        raise ValueError("drift_scaling needs depth h >= 2 (depth 1 has no conserved quantities)")
    C0 = conserved_quantities(W0)
    one, pred, total, nsteps = [], [], [], []
    es = [as_positive(e, "etas") for e in etas]
    if not es:
        raise ValueError("etas must not be empty")
    for eta in es:
        first = _descend(W0, S, eta, 1, keep_iterates=False)
        one.append(max(float(np.linalg.norm(a - b)) for a, b in zip(conserved_quantities(first.final_weights), C0)))
        pred.append(max(float(np.linalg.norm(D)) for D in conservation_drift_step(W0, S, eta)))
        run = _descend(W0, S, eta, max(1, int(np.ceil(time / eta))), tol=tol, keep_iterates=False)
        total.append(max(float(np.linalg.norm(a - b)) for a, b in zip(run.conserved_final, C0)))
        nsteps.append(run.steps)
    return DriftScaling(_frozen(es), _frozen(one), _frozen(pred), _frozen(total), _frozen(nsteps))


def drift_scaling_figure(scaling: DriftScaling):
    r"""Log-log plot of the one-step drift (slope 2) and the total drift of a run (slope 1)
    against the step size, with the predicted one-step drift as crosses.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(scaling, DriftScaling):
        raise TypeError(f"scaling must be a DriftScaling (from drift_scaling), got {type(scaling).__name__}")
    fig, (ax,) = axes_row(None, 1, 6.0, 3.8, margins=_MARGINS)
    e = scaling.etas
    ax.loglog(e, scaling.one_step, "o-", color=OKABE_ITO[0], lw=1.6, ms=5, label="one step, measured")
    ax.loglog(e, scaling.predicted, "x", color="black", ms=8, label=r"one step, $\eta^2(G_{i+1}^\top G_{i+1} - G_i G_i^\top)$")
    ax.loglog(e, scaling.total, "s-", color=OKABE_ITO[5], lw=1.6, ms=5, label="whole run (to convergence)")
    ax.loglog(e, scaling.one_step[0] * (e / e[0]) ** 2, color="0.5", lw=0.9, ls="--", label=r"slope 2: $\eta^2$")
    ax.loglog(e, scaling.total[0] * (e / e[0]), color="0.5", lw=0.9, ls=":", label=r"slope 1: $\eta$")
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"$\max_i \|C_i^{(k)} - C_i^{(0)}\|_F$")
    ax.set_title("drift of the conserved quantities under descent", fontsize=9)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


# --------------------------------------------------------------------------- flat minima


@dataclass(frozen=True)
class SharpnessSelection:
    r"""Where descent ends from one unbalanced start, for several step sizes.

    Attributes
    ----------
    etas : ndarray
    converged : ndarray of bool
        Whether the run reached loss ``tol``.
    sharpness : ndarray
        :math:`\lambda_{\max}` of the Hessian at the end (NaN if not converged).
    imbalance : ndarray
        :math:`\max_i\lVert C_i\rVert_F` at the end (NaN if not converged).
    flow_sharpness, flow_imbalance : float
        The same at the limit of the gradient flow from the start.
    balanced_sharpness : float
        :math:`h\,\sigma_1^{2-2/h}`, the smallest sharpness of a global minimum.
    initial_imbalance : float
    """

    etas: np.ndarray
    converged: np.ndarray
    sharpness: np.ndarray
    imbalance: np.ndarray
    flow_sharpness: float
    flow_imbalance: float
    balanced_sharpness: float
    initial_imbalance: float


def sharpness_selection(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    etas: Sequence[float],
    *,
    steps: int = 4000,
    tol: float = 1e-20,
) -> SharpnessSelection:
    r"""Run descent from ``weights0`` for each step size and the gradient flow once; record the
    sharpness and imbalance of where each ends."""
    W0 = as_weights(weights0, "weights0")
    S = check_sigma(Sigma, widths_of(W0))
    h = len(W0)
    sig = np.linalg.svd(S, compute_uv=False)
    es = [as_positive(e, "etas") for e in etas]
    conv, sh, imb = [], [], []
    for eta in es:
        res = _descend(W0, S, eta, as_int(steps, "steps", minimum=1), tol=tol, keep_iterates=False)
        ok = bool(res.converged)
        conv.append(ok)
        sh.append(sharpness(res.final_weights, S) if ok else np.nan)
        imb.append(imbalance(res.final_weights) if ok else np.nan)
    tr = gradient_flow(W0, S, (0.0, 500.0), events={"convergence": {"loss_tol": 1e-20}})
    return SharpnessSelection(
        _frozen(es), np.array(conv, dtype=bool), _frozen(sh), _frozen(imb),
        float(sharpness(tr.final_weights, S)), float(imbalance(tr.final_weights)),
        float(h * sig[0] ** (2.0 - 2.0 / h)), float(imbalance(W0)),
    )


def sharpness_selection_figure(sel: SharpnessSelection):
    r"""Left: sharpness of the minimum that descent reaches against :math:`\eta`, under the
    stability limit :math:`2/\eta`, between the flow's limit and the balanced minimum. Right:
    the imbalance of that minimum. Runs that did not converge are marked on the axis.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(sel, SharpnessSelection):
        raise TypeError(f"sel must be a SharpnessSelection (from sharpness_selection), got {type(sel).__name__}")
    fig, (ax_s, ax_i) = axes_row(None, 2, 8.8, 3.6, margins=_MARGINS)
    e = sel.etas
    ok = sel.converged
    grid = np.linspace(float(e[0]), float(e[-1]), 200)
    ax_s.plot(grid, 2.0 / grid, color="0.3", lw=1.2, ls="--", label=r"stability limit $2/\eta$")
    ax_s.axhline(sel.flow_sharpness, color=OKABE_ITO[2], lw=1.2, ls=":", label="limit of the gradient flow")
    ax_s.axhline(sel.balanced_sharpness, color=OKABE_ITO[1], lw=1.2, ls="-.", label=r"balanced minimum $h\sigma_1^{2-2/h}$")
    ax_s.plot(e[ok], sel.sharpness[ok], "o", color=OKABE_ITO[0], ms=5, label="where descent ends")
    top = 1.3 * max(sel.flow_sharpness, sel.balanced_sharpness)
    if np.any(~ok):
        ax_s.plot(e[~ok], np.full(int(np.sum(~ok)), 0.04 * top), "x", color=OKABE_ITO[5], ms=7, label="no convergence")
    ax_s.set_ylim(0.0, top)
    ax_s.set_xlim(0.0, float(e[-1]) * 1.05)
    ax_s.set_xlabel(r"step size $\eta$")
    ax_s.set_ylabel(r"sharpness $\lambda_{\max}$ at the end")
    ax_s.legend(fontsize=7, loc="upper right")
    ax_s.set_title("larger steps end at flatter minima", fontsize=9)
    ax_i.axhline(sel.flow_imbalance, color=OKABE_ITO[2], lw=1.2, ls=":", label="gradient flow (conserved)")
    ax_i.plot(e[ok], sel.imbalance[ok], "o", color=OKABE_ITO[0], ms=5, label="where descent ends")
    ax_i.set_ylim(0.0, 1.15 * max(sel.flow_imbalance, float(np.nanmax(sel.imbalance, initial=0.0))))
    ax_i.set_xlim(0.0, float(e[-1]) * 1.05)
    ax_i.set_xlabel(r"step size $\eta$")
    ax_i.set_ylabel(r"imbalance $\max_i\|C_i\|_F$ at the end")
    ax_i.legend(fontsize=7, loc="upper right")
    ax_i.set_title("... and at more balanced ones", fontsize=9)
    return fig


# --------------------------------------------------------------------------- other losses


@dataclass(frozen=True)
class NonQuadraticRun:
    r"""A gradient flow of a non-quadratic loss (from :func:`nonquadratic_runs`).

    Attributes
    ----------
    name : str
    t, loss : ndarray
    product_norm : ndarray
        :math:`\lVert W_{1:h}(t)\rVert_F`.
    drift : ndarray
        :math:`\max_i\lVert C_i(t) - C_i(0)\rVert_F`.
    """

    name: str
    t: np.ndarray
    loss: np.ndarray
    product_norm: np.ndarray
    drift: np.ndarray


def nonquadratic_runs(*, widths: Sequence[int] = (3, 4, 4, 1), n_samples: int = 30, t_max: float = 1e4, seed: int = 0) -> list[NonQuadraticRun]:
    r"""Flows of three losses from one random start (scale 0.5):

    * logistic loss on labels of a random linear teacher (linearly separable data);
    * logistic loss on random labels (not separable for these sizes, in practice);
    * Huber loss (``delta = 0.5``) of a regression on the same inputs with a linear teacher.

    The inputs are scaled so that :math:`XX^\top \approx I`. Output times are log-spaced up to
    ``t_max``. The flow on random labels stops once its gradient is below ``1e-8`` (it has
    reached a minimiser) and the Huber flow once its loss is below ``1e-16``: past that point an
    explicit solver would crawl at its stability limit. The separable flow runs to ``t_max``.
    """
    d = tuple(int(x) for x in widths)
    rng = np.random.default_rng(seed)
    n = as_int(n_samples, "n_samples", minimum=1)
    X = rng.standard_normal((d[0], n)) / np.sqrt(n)  # X X^T close to I: the scale of whitened data
    teacher = rng.standard_normal((d[-1], d[0]))
    random_labels = np.sign(rng.standard_normal((d[-1], X.shape[1])))
    random_labels[random_labels == 0] = 1.0
    sep = np.sign(teacher @ X)
    sep[sep == 0] = 1.0
    losses = {
        "logistic, separable labels": (logistic(X, sep), ()),
        "logistic, random labels": (logistic(X, random_labels), {"convergence": {"loss_tol": 0.0, "grad_tol": 1e-8}}),
        "Huber, linear teacher": (huber(teacher @ X, X=X, delta=0.5), {"convergence": {"loss_tol": 1e-16}}),
    }
    W0 = random_init(d, np.random.default_rng(seed + 1), 0.5)
    C0 = conserved_quantities(W0)
    t = np.concatenate([[0.0], np.logspace(-2, np.log10(as_positive(t_max, "t_max")), 81)])
    out = []
    for name, (ell, events) in losses.items():
        tr = gradient_flow(W0, None, (0.0, float(t[-1])), t_eval=t, end_to_end_loss=ell, max_step=np.inf, events=events)
        drift = [max(float(np.linalg.norm(a - b)) for a, b in zip(C, C0)) for C in tr.conserved]
        out.append(NonQuadraticRun(name, _frozen(tr.t), _frozen(tr.loss),
                                   _frozen([np.linalg.norm(P) for P in tr.end_to_end]), _frozen(drift)))
    return out


def nonquadratic_figure(runs: Sequence[NonQuadraticRun]):
    r"""Three panels against time (log axis): the loss, the norm of the end-to-end map, and the
    drift of the conserved quantities, one curve per loss.

    Returns
    -------
    matplotlib Figure
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, NonQuadraticRun) for r in runs):
        raise TypeError("runs must be a non-empty list of NonQuadraticRun (from nonquadratic_runs)")
    fig, axes = axes_row(None, 3, 10.5, 3.4, margins=_MARGINS)
    for i, r in enumerate(runs):
        sel = r.t > 0
        c = OKABE_ITO[(0, 5, 2, 3)[i % 4]]
        axes[0].loglog(r.t[sel], np.maximum(r.loss[sel], 1e-16), color=c, lw=1.8, label=r.name)
        axes[1].semilogx(r.t[sel], r.product_norm[sel], color=c, lw=1.8, label=r.name)
        axes[2].loglog(r.t[sel], np.maximum(r.drift[sel], 1e-17), color=c, lw=1.8, label=r.name)
    tmax = max(float(r.t[-1]) for r in runs)
    for ax in axes:
        ax.set_xlim(1e-2, tmax)
        ax.set_xlabel("time $t$")
    axes[0].set_ylabel("loss")
    axes[0].set_ylim(1e-16, 1e3)
    axes[1].set_ylabel(r"$\|W_{1:h}(t)\|_F$")
    axes[1].set_ylim(0.0, None)
    axes[2].set_ylabel(r"$\max_i \|C_i(t) - C_i(0)\|_F$")
    axes[2].set_ylim(1e-17, 1.0)
    axes[0].legend(fontsize=6.5, loc="lower left")
    axes[0].set_title("loss", fontsize=9)
    axes[1].set_title("size of the end-to-end map", fontsize=9)
    axes[2].set_title("drift of the conserved quantities", fontsize=9)
    return fig


# --------------------------------------------------------------------------- explorer


_EXPLORER_SIGMA = np.diag([2.0, 1.0])


def step_explorer_figure(ratio: float, h: int, *, steps: int = 600, seed: int = 0, fig=None):
    r"""Explorer frame: descent with :math:`\eta = \text{ratio}\cdot\eta^\star` from a random start
    (square widths 2, entry scale 0.5, ``numpy.random.default_rng(seed)``) towards
    :math:`\Sigma = \mathrm{diag}(2, 1)`: the loss per iteration (left, log scale) and the drift
    of the conserved quantities (right), with fixed axes.
    """
    h = as_depth(h)
    if h < 2:
        raise ValueError(f"h must be at least 2 (depth 1 has no conserved quantities), got {h}")
    ratio = as_positive(ratio, "ratio")
    S = _EXPLORER_SIGMA
    es = critical_step(2.0, h)
    W0 = random_init((2,) * (h + 1), np.random.default_rng(seed), 0.5)
    res = _descend(W0, S, ratio * es, as_int(steps, "steps", minimum=1))
    C0 = res.conserved_initial
    drift = [max(float(np.linalg.norm(a - b)) for a, b in zip(conserved_quantities(w), C0)) for w in res.weights]
    fig, (ax_l, ax_d) = axes_row(fig, 2, 8.6, 3.6, margins=_MARGINS)
    k = np.arange(res.losses.size)
    colour = OKABE_ITO[0] if ratio < 1 else OKABE_ITO[5]
    ax_l.semilogy(k, np.maximum(res.losses, _FLOOR), color=colour, lw=1.6)
    ax_l.set_ylim(1e-32, 1e2)
    ax_l.set_xlim(0, steps)
    ax_l.set_xlabel("iteration $k$")
    ax_l.set_ylabel("loss $L(W^{(k)})$")
    if res.diverged:
        status = "diverged"
    elif res.losses[-1] < 1e-12:
        status = "converges"
    else:
        status = f"loss {res.losses[-1]:.1e} after {res.steps} steps"
    ax_l.set_title(f"h = {h}, η = {ratio:g} η* = {ratio * es:.4f}: {status}", fontsize=9)
    ax_d.plot(k, drift, color=colour, lw=1.6)
    ax_d.set_ylim(0.0, 1.5)
    ax_d.set_xlim(0, steps)
    ax_d.set_xlabel("iteration $k$")
    ax_d.set_ylabel(r"$\max_i \|C_i^{(k)} - C_i^{(0)}\|_F$")
    ax_d.set_title("drift of the conserved quantities", fontsize=9)
    return fig
