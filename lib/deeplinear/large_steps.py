r"""What finite steps do: divergence thresholds, drift of the invariants, sharpness selection, orbits.

Numerical studies of gradient descent (:func:`deeplinear.descent.gradient_descent`) with steps
that are not small: where descent stops converging (:func:`threshold_runs`, against the
threshold of :func:`deeplinear.descent.critical_step`), how the conserved quantities drift in
proportion to :math:`\eta^2` (:func:`drift_scaling`), which minimum a larger step selects and
how flat it is (:func:`sharpness_selection`), and the periodic orbits beyond the threshold
(:func:`descent_orbits`). The chapter on gradient descent and the open problems draw them.

References: Wendin and Altafini, arXiv:2511.10362, Section 6; Crăciun and Ghoshdastidar 2024.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
import numpy as np
from ._validation import as_depth, as_int, as_matrix, as_positive, as_positive_values, as_weights, check_sigma, widths_of
from ._validation import frozen_array as _frozen
from .curves import orbit_period
from .flow import gradient_flow
from .curvature import sharpness
from .init import balanced_init
from .invariants import conserved_quantities, imbalance
from .descent import conservation_drift_step, critical_step, gradient_descent
from .errors import InvalidArgumentError
from .objective import loss as _loss

__all__ = [
    "ThresholdRun",
    "threshold_runs",
    "DriftScaling",
    "drift_scaling",
    "SharpnessSelection",
    "sharpness_selection",
    "DescentOrbits",
    "descent_orbits",
]


def _descend(W0, S, eta, steps, **kwargs):
    """Gradient descent without its divergence warning (a diverged run is data here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return gradient_descent(W0, S, eta, steps, **kwargs)


@dataclass(frozen=True)
class ThresholdRun:
    r"""Descent from next to the balanced minimum with :math:`\eta = \text{ratio}\cdot\eta^\star`.

    One entry of :func:`threshold_runs`.

    Attributes
    ----------
    ratio : float
        :math:`\eta/\eta^\star`.
    eta : float
        The step size.
    losses : ndarray
        Loss per iteration (initial included).
    imbalance : ndarray
        :math:`\max_i \lVert C_i\rVert_F` per iteration.
    diverged : bool
        Whether descent diverged.
    final_loss : float
        ``losses[-1]`` (a property).

    Examples
    --------
    >>> runs = dl.threshold_runs(np.diag([1.0]), 2, (0.9, 1.1), steps=200)
    >>> isinstance(runs[0], dl.large_steps.ThresholdRun)
    True
    >>> [(run.ratio, run.diverged, round(run.final_loss, 4)) for run in runs]
    [(0.9, False, 0.0), (1.1, False, 0.0566)]
    """

    ratio: float
    eta: float
    losses: np.ndarray
    imbalance: np.ndarray
    diverged: bool

    @property
    def final_loss(self) -> float:
        """The loss at the last iteration."""
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
    r"""Descent from next to the balanced minimum, at step sizes around :math:`\eta^\star`.

    Descent from the balanced global minimum of ``Sigma`` (square widths, depth ``h``) plus a
    random perturbation of Frobenius size ``perturbation`` per layer, with
    :math:`\eta = \text{ratio}\cdot\eta^\star` for each ratio, where
    :math:`\eta^\star` is :func:`critical_step` of ``Sigma`` and ``h``.

    Parameters
    ----------
    Sigma : ndarray, shape (d, d)
        Square target.
    h : int
        Depth.
    ratios : sequence of float, default (0.9, 0.99, 1.01, 1.1)
        Step sizes in units of :math:`\eta^\star`, positive.
    steps : int, default 3000
        Number of updates of each run, ``>= 1``.
    perturbation : float, default 1e-3
        Frobenius norm of the perturbation of each layer.
    seed : int, default 0
        Seed of the perturbation (``numpy.random.default_rng(seed)``).

    Returns
    -------
    list of ThresholdRun
        One run per ratio, in the order given.

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix, ``h`` or ``steps`` is not an integer, or a ratio
        is not a real number.
    ValueError
        If ``Sigma`` is not square (or not finite), ``h < 1``, a ratio is not positive, or
        ``steps < 1``.

    Examples
    --------
    >>> runs = dl.threshold_runs(np.diag([1.0]), 2, (0.9, 1.1), steps=200)
    >>> [run.diverged for run in runs], len(runs[0].losses)
    ([False, False], 201)
    """
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    if S.shape[0] != S.shape[1]:
        raise InvalidArgumentError(f"Sigma must be square, got shape {S.shape}")
    d = S.shape[0]
    Wm = balanced_init((d,) * (h + 1), product=S)
    rng = np.random.default_rng(seed)
    noise = [rng.standard_normal(w.shape) for w in Wm]
    W0 = [w + perturbation * z / np.linalg.norm(z) for w, z in zip(Wm, noise)]
    ratios = as_positive_values(ratios, "ratios")
    steps = as_int(steps, "steps", minimum=1)
    es = critical_step(S, h)
    runs = []
    for ratio in ratios:
        res = _descend(W0, S, ratio * es, steps)
        imb = [imbalance(w) for w in res.weights]
        runs.append(ThresholdRun(float(ratio), ratio * es, res.losses, _frozen(imb), res.diverged))
    return runs


@dataclass(frozen=True)
class DriftScaling:
    r"""Drift of the conserved quantities against the step size (from :func:`drift_scaling`).

    Attributes
    ----------
    etas : ndarray
        The step sizes.
    one_step : ndarray
        :math:`\max_i\lVert C_i^{(1)} - C_i^{(0)}\rVert_F` after one step.
    predicted : ndarray
        :math:`\max_i\lVert \eta^2(G_{i+1}^\top G_{i+1} - G_i G_i^\top)\rVert_F` at the start.
    total : ndarray
        :math:`\max_i\lVert C_i^{(K)} - C_i^{(0)}\rVert_F` at the end of a run to ``tol``.
    steps : ndarray
        Number of iterations of each run.

    Examples
    --------
    >>> W0 = [np.array([[1.0, 0.5]]), np.array([[0.5]])]
    >>> scaling = dl.drift_scaling(W0, np.array([[1.0, 0.0]]), [0.1, 0.05], time=5.0)
    >>> isinstance(scaling, dl.large_steps.DriftScaling), scaling.steps
    (True, array([ 50., 100.]))
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
    r"""Drift of the conserved quantities under gradient descent, for several step sizes.

    For each step size: the one-step drift (measured and predicted by
    :func:`conservation_drift_step`) and the total drift of a run of at most
    ``time / eta`` iterations, stopped at loss ``tol``.

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``, depth ``h >= 2``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    etas : sequence of float
        Step sizes, positive, at least one.
    time : float, default 60
        Each run has at most ``ceil(time / eta)`` iterations (the same flow time).
    tol : float, default 1e-16
        Loss at which a run stops.

    Returns
    -------
    DriftScaling
        Measured and predicted one-step drift, total drift and iteration counts.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, or a step
        size is not a real number.
    ValueError
        If ``weights0`` is invalid or has depth 1, ``Sigma`` does not have shape
        ``(d_h, d_0)``, a step size or ``time`` is not positive, ``etas`` is empty, a run
        would take more than ``1e9`` iterations, or descent diverges for a step size.
    NonFiniteResultError
        If the loss overflows at ``weights0``.

    Examples
    --------
    >>> W0 = [np.array([[1.0, 0.5]]), np.array([[0.5]])]
    >>> scaling = dl.drift_scaling(W0, np.array([[1.0, 0.0]]), [0.1, 0.05], time=5.0)
    >>> bool(np.allclose(scaling.one_step, scaling.predicted))  # the drift is exactly eta^2 (...)
    True
    """
    W0 = as_weights(weights0, "weights0")
    S = check_sigma(Sigma, widths_of(W0))
    if len(W0) < 2:
        raise InvalidArgumentError("drift_scaling needs depth h >= 2 (depth 1 has no conserved quantities)")
    C0 = conserved_quantities(W0)
    _loss(W0, S)  # a start whose loss overflows is an error naming weights0 or Sigma, not a silent inf
    one, pred, total, nsteps = [], [], [], []
    es = [float(e) for e in as_positive_values(etas, "etas")]
    time = as_positive(time, "time")
    for eta in es:
        n_steps = np.ceil(time / eta)
        if n_steps > 10**9:
            raise InvalidArgumentError(f"time / eta = {time:g} / {eta:g} asks for more than 1e9 iterations; use a shorter time")
        first = _descend(W0, S, eta, 1, keep_iterates=False)
        run = _descend(W0, S, eta, max(1, int(n_steps)), tol=tol, keep_iterates=False)
        if first.diverged or run.diverged:
            raise InvalidArgumentError(f"etas: gradient descent diverges with eta = {eta:g}; the drift is measured on converging runs")
        one.append(max(float(np.linalg.norm(a - b)) for a, b in zip(conserved_quantities(first.final_weights), C0)))
        pred.append(max(float(np.linalg.norm(D)) for D in conservation_drift_step(W0, S, eta)))
        total.append(max(float(np.linalg.norm(a - b)) for a, b in zip(run.conserved_final, C0)))
        nsteps.append(run.steps)
    return DriftScaling(_frozen(es), _frozen(one), _frozen(pred), _frozen(total), _frozen(nsteps))


@dataclass(frozen=True)
class SharpnessSelection:
    r"""Where descent ends from one unbalanced start, for several step sizes.

    From :func:`sharpness_selection`.

    Attributes
    ----------
    etas : ndarray
        The step sizes.
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
        :math:`\max_i\lVert C_i\rVert_F` at the start.

    Examples
    --------
    >>> W0 = [np.array([[1.5]]), np.array([[0.3]])]
    >>> sel = dl.sharpness_selection(W0, np.array([[1.0]]), [0.1, 0.5], steps=2000, tol=1e-12)
    >>> isinstance(sel, dl.large_steps.SharpnessSelection), sel.converged
    (True, array([ True,  True]))
    >>> sel.balanced_sharpness, round(sel.initial_imbalance, 4)
    (2.0, 2.16)
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
    sharpness and imbalance of where each ends.

    The sharpness is :math:`\lambda_{\max}` of the Hessian
    (:func:`deeplinear.curvature.sharpness`) and the imbalance
    :func:`deeplinear.invariants.imbalance`; the flow runs to ``t = 500`` or loss ``1e-20``.

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    etas : sequence of float
        Step sizes, positive.
    steps : int, default 4000
        Maximum number of updates of each run, ``>= 1``.
    tol : float, default 1e-20
        Loss at which a run counts as converged.

    Returns
    -------
    SharpnessSelection
        Per step size: convergence, final sharpness and imbalance; and the same for the flow.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, a step
        size is not a real number, or ``steps`` is not an integer.
    ValueError
        If ``weights0`` is invalid, ``Sigma`` does not have shape ``(d_h, d_0)``, a step size
        or ``tol`` is not positive, or ``steps < 1``.
    NonFiniteResultError
        If the loss overflows at ``weights0``.

    Examples
    --------
    >>> W0 = [np.array([[1.5]]), np.array([[0.3]])]
    >>> sel = dl.sharpness_selection(W0, np.array([[1.0]]), [0.1, 0.5], steps=2000, tol=1e-12)
    >>> [round(float(x), 4) for x in sel.sharpness], round(sel.flow_sharpness, 4)
    ([2.9327, 2.8188], 2.9437)
    """
    W0 = as_weights(weights0, "weights0")
    S = check_sigma(Sigma, widths_of(W0))
    h = len(W0)
    sig = np.linalg.svd(S, compute_uv=False)
    _loss(W0, S)  # a start whose loss overflows is an error naming weights0 or Sigma
    es = [float(e) for e in as_positive_values(etas, "etas")]
    steps = as_int(steps, "steps", minimum=1)
    tol = as_positive(tol, "tol")
    conv, sh, imb = [], [], []
    for eta in es:
        res = _descend(W0, S, eta, steps, tol=tol, keep_iterates=False)
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


def _descend_all(W0, S, etas, steps, keep, u1, v1):
    r"""Gradient descent from ``W0`` with every step size of ``etas`` at once, for :func:`descent_orbits`.

    The updates of :func:`deeplinear.descent.gradient_descent` (simultaneous,
    :math:`W_j \leftarrow W_j - \eta\nabla_{W_j} L`, the gradient by back-propagation), on
    ``(n_etas, d_i, d_{i-1})`` stacks of the layers: one set of stacked matrix products per step
    for all the runs instead of one per run. A run diverges as there: at the first step whose
    loss is not finite or exceeds ``1e6 * max(L_0, 1)`` (its NaN row and ``ok = False``; it is
    carried on but ignored). Returns the component ``u1^T W_{1:h} v1`` on the last ``keep``
    iterates, shape ``(n_etas, keep)``, which runs did not diverge, and the final stacked layers.
    """
    n, h = etas.size, len(W0)
    eta = etas[:, None, None]
    W = [np.repeat(w[None], n, axis=0) for w in W0]

    def forward_backward(W):
        pre = [W[0]]
        for i in range(1, h):
            pre.append(np.matmul(W[i], pre[-1]))
        R = S - pre[-1]
        G = [None] * h
        B = R
        for j in range(h - 1, 0, -1):
            G[j] = -np.matmul(B, pre[j - 1].transpose(0, 2, 1))
            B = np.matmul(W[j].transpose(0, 2, 1), B)
        G[0] = -B
        return G, R, pre[-1]

    G, R, _ = forward_backward(W)
    bound = 1e6 * max(0.5 * float(np.sum(R[0] * R[0])), 1.0)
    ok = np.ones(n, dtype=bool)
    vals = np.full((n, keep), np.nan)
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            W = [w - eta * g for w, g in zip(W, G)]
            G, R, P = forward_backward(W)
            L = 0.5 * np.sum(R * R, axis=(1, 2))
            finite = np.isfinite(L)
            for w in W:
                finite &= np.all(np.isfinite(w), axis=(1, 2))
            ok &= finite & (L <= bound)
            if k > steps - keep:
                vals[:, k - (steps - keep) - 1] = np.matmul(np.matmul(u1, P), v1)
            if not ok.any():
                break
    vals[~ok] = np.nan
    return vals, ok, W


@dataclass(frozen=True)
class DescentOrbits:
    r"""Where gradient descent settles for step sizes around :math:`\eta^\star` (a bifurcation diagram).

    Attributes
    ----------
    ratios : ndarray
        :math:`\eta/\eta^\star`.
    eta_star : float
        :func:`critical_step` of :math:`\sigma_1` and the depth.
    h : int
        Depth.
    values : ndarray, shape (n_ratios, keep)
        The component :math:`u_1^\top W_{1:h} v_1` of the end-to-end map along the top singular
        pair of :math:`\Sigma`, on the last ``keep`` iterates (NaN where descent diverged).
    periods : ndarray of int
        :func:`deeplinear.curves.orbit_period` of each row; ``0`` if no period up to 32, ``-1`` if diverged.
    imbalance : ndarray
        :func:`deeplinear.invariants.imbalance` of the last iterate (NaN where descent diverged).
    sigma1 : float
        The largest singular value of :math:`\Sigma`.

    Examples
    --------
    >>> W0 = [np.array([[0.9]]), np.array([[1.1]])]
    >>> orbits = dl.descent_orbits(W0, np.array([[1.0]]), [0.9, 1.05, 1.2], steps=400, keep=8)
    >>> isinstance(orbits, dl.large_steps.DescentOrbits), orbits.periods
    (True, array([1, 2, 2]))
    >>> orbits.first_ratio_with_period(2)
    1.05
    """

    ratios: np.ndarray
    eta_star: float
    h: int
    values: np.ndarray
    periods: np.ndarray
    imbalance: np.ndarray
    sigma1: float

    def first_ratio_with_period(self, p: int) -> float:
        """The smallest ratio whose orbit has period ``p`` (NaN if none)."""
        hit = np.nonzero(self.periods == p)[0]
        return float(self.ratios[hit[0]]) if hit.size else float("nan")


def descent_orbits(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    ratios: Sequence[float],
    *,
    steps: int = 2000,
    keep: int = 64,
    tol: float = 1e-6,
) -> DescentOrbits:
    r"""Run :func:`deeplinear.descent.gradient_descent` from ``weights0`` with
    :math:`\eta = \text{ratio}\cdot\eta^\star` for each ratio and record the attractor: the
    component :math:`u_1^\top W_{1:h} v_1` of the end-to-end map along the top singular pair
    :math:`(u_1, v_1)` of :math:`\Sigma` on the last ``keep`` iterates, and its period.

    Here :math:`\eta^\star` is :func:`critical_step` of :math:`\sigma_1` and ``h``. A run that
    diverges gets period ``-1`` and NaN values.

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    ratios : sequence of float
        Step sizes in units of :math:`\eta^\star`, positive, at least one.
    steps : int, default 2000
        Number of updates of each run, ``>= 2``.
    keep : int, default 64
        Number of final iterates recorded, ``2 <= keep <= steps``.
    tol : float, default 1e-6
        Tolerance of :func:`deeplinear.curves.orbit_period`.

    Returns
    -------
    DescentOrbits
        The recorded components, periods and imbalances, one row per ratio.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, a ratio is
        not a real number, or ``steps`` or ``keep`` is not an integer.
    ValueError
        If ``weights0`` is invalid, ``Sigma`` does not have shape ``(d_h, d_0)`` or is zero,
        a ratio is not positive, ``ratios`` is empty, ``steps < 2``, ``keep < 2`` or
        ``keep > steps``.
    NonFiniteResultError
        If the loss overflows at ``weights0``.

    Examples
    --------
    >>> W0 = [np.array([[0.9]]), np.array([[1.1]])]
    >>> orbits = dl.descent_orbits(W0, np.array([[1.0]]), [0.9, 1.05, 1.2], steps=400, keep=8)
    >>> orbits.periods  # a fixed point, then a period-2 orbit beyond eta*
    array([1, 2, 2])
    """
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    S = check_sigma(Sigma, d)
    h = len(W0)
    r = as_positive_values(ratios, "ratios")
    _loss(W0, S)  # a start whose loss overflows is an error naming weights0 or Sigma
    steps = as_int(steps, "steps", minimum=2)
    keep = as_int(keep, "keep", minimum=2)
    if keep > steps:
        raise InvalidArgumentError(f"keep = {keep} must not exceed steps = {steps}")
    U, sv, Vt = np.linalg.svd(S)
    u1, v1 = U[:, 0], Vt[0]
    sigma1 = float(sv[0])
    eta_star = critical_step(sigma1, h)
    vals, ok, final = _descend_all(W0, S, r * eta_star, steps, keep, u1, v1)
    periods = np.full(r.size, -1, dtype=int)
    imb = np.full(r.size, np.nan)
    for i in np.flatnonzero(ok):
        periods[i] = orbit_period(vals[i], tol=tol)
        imb[i] = imbalance([w[i] for w in final])
    periods.setflags(write=False)
    return DescentOrbits(_frozen(r), eta_star, h, _frozen(vals), periods, _frozen(imb), sigma1)
