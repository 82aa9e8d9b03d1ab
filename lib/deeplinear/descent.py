r"""Discrete gradient descent: the map :math:`W_j \leftarrow W_j - \eta\,\nabla_{W_j} L`.

All layers are updated simultaneously from the same iterate (equivalently
:math:`A_{k+1} = A_k - \eta \nabla_A L(A_k)`), so the block-shift structure and nilpotency
survive, but the conservation laws do not: the drift is exactly second order,

.. math:: C_i^{(k+1)} - C_i^{(k)} = \eta^2 \big(G_{i+1}^\top G_{i+1} - G_i G_i^\top\big),
          \qquad G_i = \nabla_{W_i} L(W^{(k)}),

because the first-order terms cancel (:math:`W_{i+1}^\top G_{i+1} = G_i W_i^\top`). Near a
minimum, descent is locally stable only if :math:`\eta < 2/\lambda_{\max}(H)`, with :math:`H`
the Hessian with respect to the weight entries; at the balanced minimum
:math:`\lambda_{\max} = h\,\sigma_1^{2-2/h}` (survey Section 6; Arora, Cohen, Golowich and Hu
2019 for global step-size conditions; Crăciun and Ghoshdastidar 2024 for the threshold beyond
which convergence is impossible).

Curvature comes from the one Hessian-vector product of :mod:`deeplinear.curvature`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from ._validation import as_depth, as_int, as_matrix, as_positive, as_weights, check_sigma, widths_of
from ._validation import frozen_array as _frozen
from .curves import orbit_period
from .flow import gradient_flow
from .curvature import _hvp, sharpness
from .init import balanced_init, random_init
from .invariants import _conserved_unchecked, conserved_drift, conserved_quantities, imbalance
from .losses import huber, logistic
from .network import end_to_end

__all__ = [
    "DescentResult",
    "DivergenceError",
    "gradient_descent",
    "conservation_drift_step",
    "stable_step",
    "critical_step",
    "ThresholdRun",
    "threshold_runs",
    "DriftScaling",
    "drift_scaling",
    "SharpnessSelection",
    "sharpness_selection",
    "NonQuadraticRun",
    "nonquadratic_runs",
    "DescentOrbits",
    "descent_orbits",
]
# hessian_lambda_max below is importable from deeplinear.descent but not re-exported: the
# package's Hessian tools live in deeplinear.curvature.


class DivergenceError(RuntimeError):
    """Raised by :func:`gradient_descent` with ``on_divergence="raise"``; ``.result`` holds the run.

    The message is the run's ``report``: the step at which the loss diverged and the largest
    stable step size.

    Parameters
    ----------
    message : str
        The error message.
    result : DescentResult
        The run up to its last finite iterate.

    Attributes
    ----------
    result : DescentResult
        The run up to its last finite iterate (``result.diverged`` is True).

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> try:
    ...     dl.gradient_descent(W0, np.array([[1.0]]), 3.0, 50, on_divergence="raise")
    ... except dl.DivergenceError as err:
    ...     print(err.result.diverged, err.result.steps)
    True 2
    """

    def __init__(self, message: str, result: "DescentResult"):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class DescentResult:
    r"""Result of :func:`gradient_descent`.

    Attributes
    ----------
    losses : ndarray, shape (k + 1,)
        Loss at every accepted iterate, the initial one included (a divergent update is not
        accepted; its loss is quoted in ``report``).
    weights : list of list of ndarray or None
        Every iterate (``keep_iterates=True``), else ``None``.
    final_weights : list of ndarray
        The last finite iterate.
    conserved_drift : ndarray, shape (k + 1,)
        :math:`\max_i \lVert C_i^{(k)} - C_i^{(0)}\rVert_F / \max(1, \lVert C_i^{(0)}\rVert_F)`.
    conserved_initial, conserved_final : list of ndarray
        :math:`C_i` at the first and last iterates.
    steps : int
        Number of accepted updates ``k``.
    eta : float
        The step size.
    diverged : bool
        True if the loss became non-finite or exceeded the divergence bound.
    converged : bool
        True if ``tol`` was given and reached.
    stable_step_initial : float
        :math:`2/\lambda_{\max}` at the initial point.
    stable_step_best : float or None
        :math:`2/\lambda_{\max}` at the iterate with the smallest loss (computed on divergence).
    report : str
        A readable summary (why it stopped; the step size against the stable step).

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> result = dl.gradient_descent(W0, np.array([[1.0]]), 0.1, 50)
    >>> isinstance(result, dl.descent.DescentResult)
    True
    >>> result.steps, result.diverged, round(result.stable_step_initial, 4)
    (50, False, 2.6667)
    """

    losses: np.ndarray
    weights: list | None
    final_weights: list
    conserved_drift: np.ndarray
    conserved_initial: list
    conserved_final: list
    steps: int
    eta: float
    diverged: bool
    converged: bool
    stable_step_initial: float
    stable_step_best: float | None
    report: str

    def __repr__(self) -> str:
        return (
            f"DescentResult(steps={self.steps}, eta={self.eta:g}, loss {self.losses[0]:.6g} -> {self.losses[-1]:.6g}, "
            f"diverged={self.diverged}, converged={self.converged})"
        )


# --------------------------------------------------------------------------- gradient and curvature


def _grad_and_residual(W: Sequence[np.ndarray], S: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Layer gradients (of L, not -L) by back-propagation, and the residual Sigma - W_{1:h}."""
    h = len(W)
    pre = [W[0]]
    for i in range(1, h):
        pre.append(W[i] @ pre[-1])
    R = S - pre[-1]
    G: list[np.ndarray] = [None] * h  # type: ignore[list-item]
    B = R
    for j in range(h - 1, 0, -1):
        G[j] = -(B @ pre[j - 1].T)
        B = W[j].T @ B
    G[0] = -B
    return G, R


def _lambda_max(W: Sequence[np.ndarray], S: np.ndarray, *, dense_limit: int = 300) -> float:
    shapes = [w.shape for w in W]
    sizes = [a * b for a, b in shapes]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offs[-1])

    def mv(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).ravel()
        V = [x[offs[i]:offs[i + 1]].reshape(shapes[i]) for i in range(len(W))]
        return np.concatenate([m.ravel() for m in _hvp(W, S, V)])

    if n <= dense_limit:
        H = np.column_stack([mv(e) for e in np.eye(n)])
        return float(np.linalg.eigvalsh(0.5 * (H + H.T))[-1])
    op = LinearOperator((n, n), matvec=mv, dtype=float)
    v0 = np.random.default_rng(0).standard_normal(n)  # deterministic start, no global state
    return float(eigsh(op, k=1, which="LA", tol=1e-10, v0=v0, return_eigenvectors=False)[0])


def hessian_lambda_max(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""Largest eigenvalue of the Hessian of the loss with respect to the weight entries.

    Dense eigen-decomposition (from exact Hessian-vector products) up to 300 parameters,
    Lanczos (:func:`scipy.sparse.linalg.eigsh`) beyond.
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    return _lambda_max(W, S)


def _stable(lam: float) -> float:
    return 2.0 / lam if lam > 0 else np.inf


def stable_step(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The largest locally stable step :math:`2/\lambda_{\max}(H)` at ``weights``.

    Gradient descent near a minimum converges to it only if :math:`\eta < 2/\lambda_{\max}`;
    at the balanced minimum of an aligned network this is :math:`2/(h\sigma_1^{2-2/h})`.
    Returns ``inf`` when :math:`\lambda_{\max} \le 0` (no curvature constraint; e.g. the
    origin for ``h >= 3``, where the Hessian vanishes).

    The Hessian's largest eigenvalue is computed from exact Hessian-vector products: densely
    up to 300 parameters, by Lanczos (:func:`scipy.sparse.linalg.eigsh`) beyond.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    float
        :math:`2/\lambda_{\max}(H)`, or ``inf``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain) or ``Sigma``
        does not have shape ``(d_h, d_0)``.

    See Also
    --------
    critical_step : the value at the balanced minimum, in closed form.

    Examples
    --------
    >>> weights = [np.array([[1.0]]), np.array([[1.0]])]  # the balanced minimum of Sigma = 1
    >>> round(dl.stable_step(weights, np.array([[1.0]])), 6), dl.critical_step(1.0, 2)
    (1.0, 1.0)
    """
    return _stable(hessian_lambda_max(weights, Sigma))


def critical_step(Sigma: np.ndarray | float, h: int) -> float:
    r"""The step :math:`\eta^\star = 2/(h\,\sigma_1^{2-2/h})` for the target ``Sigma``.

    At the balanced global minimum the largest Hessian eigenvalue is
    :math:`h\,\sigma_1^{2-2/h}`, the smallest over all global minima with zero loss; descent
    with :math:`\eta > \eta^\star` therefore has no linearly stable global minimum.

    Parameters
    ----------
    Sigma : ndarray or float
        The target; :math:`\sigma_1` is its largest singular value. A positive number means the
        ``1 x 1`` target (it is :math:`\sigma_1` itself).
    h : int
        Depth.

    Returns
    -------
    float
        :math:`\eta^\star`.

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real number or matrix, or ``h`` is not an integer.
    ValueError
        If a number ``Sigma`` is not finite and positive, a matrix ``Sigma`` is zero (or not
        finite, or not 2-D), or ``h < 1``.

    Examples
    --------
    >>> dl.critical_step(4.0, 2)  # 2 / (2 * 4)
    0.25
    >>> round(dl.critical_step(np.diag([4.0, 1.0]), 3), 4)
    0.105
    """
    if np.ndim(Sigma) == 0:
        sigma1 = as_positive(Sigma, "Sigma")
    else:
        S = as_matrix(Sigma, "Sigma")
        sigma1 = float(np.linalg.svd(S, compute_uv=False)[0]) if S.size else 0.0
        if sigma1 == 0.0:
            raise ValueError("Sigma must be non-zero: for Sigma = 0 every step size is stable (eta* is infinite)")
    h = as_depth(h)
    return 2.0 / (h * sigma1 ** (2.0 - 2.0 / h))


def conservation_drift_step(weights: Sequence[np.ndarray], Sigma: np.ndarray, eta: float) -> list[np.ndarray]:
    r"""The exact one-step change of the conserved quantities under gradient descent.

    .. math:: C_i^{+} - C_i = \eta^2 \big(G_{i+1}^\top G_{i+1} - G_i G_i^\top\big), \qquad G_i = \nabla_{W_i} L .

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    eta : float
        Step size, ``> 0``.

    Returns
    -------
    list of ndarray
        ``h - 1`` matrices, ``(d_i, d_i)``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices, ``Sigma`` is not a real matrix, or ``eta``
        is not a real number.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain), ``Sigma``
        does not have shape ``(d_h, d_0)``, or ``eta`` is not finite and positive.

    Examples
    --------
    >>> weights = [np.array([[1.0]]), np.array([[2.0]])]  # G_1 = 2, G_2 = 1
    >>> dl.conservation_drift_step(weights, np.array([[1.0]]), 0.1)  # 0.01 * (1 - 4)
    [array([[-0.03]])]
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    eta = as_positive(eta, "eta")
    G, _ = _grad_and_residual(W, S)
    return [eta * eta * (G[i + 1].T @ G[i + 1] - G[i] @ G[i].T) for i in range(len(W) - 1)]


# --------------------------------------------------------------------------- descent


def gradient_descent(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    eta: float,
    steps: int,
    *,
    tol: float | None = None,
    on_divergence: str = "return",
    divergence_factor: float = 1e6,
    keep_iterates: bool = True,
) -> DescentResult:
    r"""Gradient descent with simultaneous updates :math:`W_j \leftarrow W_j - \eta\nabla_{W_j} L`.

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    eta : float
        Step size, ``> 0``.
    steps : int
        Maximum number of updates, ``>= 1``.
    tol : float, optional
        Stop when the loss is ``<= tol`` (``converged=True``).
    on_divergence : {"return", "raise", "ignore"}, default "return"
        What to do when the loss becomes non-finite or exceeds
        ``divergence_factor * max(L_0, 1)``: return the run with ``diverged=True`` and a
        ``RuntimeWarning``; raise :class:`DivergenceError`; or return silently.
    divergence_factor : float, default 1e6
        The loss bound for divergence, relative to ``max(L_0, 1)``; ``> 0``.
    keep_iterates : bool, default True
        Store every iterate in ``weights``.

    Returns
    -------
    DescentResult
        On divergence, the ``report`` names the step size, the step at which it happened and
        the largest stable step :math:`2/\lambda_{\max}` near the best iterate and at the start.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, ``eta``,
        ``tol`` or ``divergence_factor`` is not a real number, or ``steps`` is not an integer.
    ValueError
        If ``weights0`` is invalid (empty, non-finite, shapes that do not chain), ``Sigma``
        does not have shape ``(d_h, d_0)``, ``eta`` or ``divergence_factor`` is not positive,
        ``tol`` is negative, ``steps < 1``, or ``on_divergence`` is not one of the three
        values.
    DivergenceError
        If the run diverges and ``on_divergence="raise"``.

    See Also
    --------
    deeplinear.flow.gradient_flow : the continuous-time limit.

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> result = dl.gradient_descent(W0, np.array([[1.0]]), 0.1, 500, tol=1e-10)
    >>> result.converged, result.steps
    (True, 57)
    >>> dl.gradient_descent(W0, np.array([[1.0]]), 3.0, 50, on_divergence="ignore").diverged
    True
    """
    W = [w.copy() for w in as_weights(weights0, "weights0")]
    S = check_sigma(Sigma, widths_of(W))
    eta = as_positive(eta, "eta")
    steps = as_int(steps, "steps", minimum=1)
    if tol is not None:
        tol = as_positive(tol, "tol", allow_zero=True)
    if on_divergence not in ("return", "raise", "ignore"):
        raise ValueError(f"on_divergence must be 'return', 'raise' or 'ignore', got {on_divergence!r}")
    factor = as_positive(divergence_factor, "divergence_factor")

    C0 = _conserved_unchecked(W)
    G, R = _grad_and_residual(W, S)
    L0 = 0.5 * float(np.sum(R * R))
    bound = factor * max(L0, 1.0)
    losses = [L0]
    drift = [0.0]
    iterates = [[w.copy() for w in W]] if keep_iterates else None
    best_loss, best_W = L0, [w.copy() for w in W]
    diverged = converged = False
    k = 0
    with np.errstate(all="ignore"):
        if tol is not None and L0 <= tol:
            converged = True
        while not converged and k < steps:
            W_new = [w - eta * g for w, g in zip(W, G)]
            G_new, R_new = _grad_and_residual(W_new, S)
            L = 0.5 * float(np.sum(R_new * R_new))
            finite = np.isfinite(L) and all(np.all(np.isfinite(w)) for w in W_new)
            if not finite or L > bound:
                diverged = True
                bad_loss = L
                break
            W, G = W_new, G_new
            k += 1
            losses.append(L)
            drift.append(conserved_drift(C0, _conserved_unchecked(W)))
            if keep_iterates:
                iterates.append([w.copy() for w in W])  # type: ignore[union-attr]
            if L < best_loss:
                best_loss, best_W = L, [w.copy() for w in W]
            if tol is not None and L <= tol:
                converged = True

    s0 = _stable(_lambda_max(as_weights(weights0, "weights0"), S))
    s_best = None
    if diverged:
        s_best = _stable(_lambda_max(best_W, S))
        report = (
            f"gradient descent diverged at step {k + 1} with eta = {eta:g}: the loss "
            f"{'became non-finite' if not np.isfinite(bad_loss) else f'reached {bad_loss:.3g} > bound {bound:.3g}'}. "
            f"The largest stable step 2/lambda_max is {s_best:.6g} near the best iterate (loss {best_loss:.3g}) "
            f"and {s0:.6g} at the start; use eta below it."
        )
    elif converged:
        report = f"converged after {k} steps with eta = {eta:g}: loss {losses[-1]:.3g} <= tol = {tol:g}"
    else:
        report = f"ran {k} steps with eta = {eta:g}: loss {losses[0]:.6g} -> {losses[-1]:.6g}"
        if eta > s0:
            report += f" (note: eta exceeds the stable step 2/lambda_max = {s0:.6g} at the start)"
    losses_arr = np.array(losses)
    drift_arr = np.array(drift)
    losses_arr.setflags(write=False)
    drift_arr.setflags(write=False)
    result = DescentResult(
        losses=losses_arr, weights=iterates, final_weights=[w.copy() for w in W], conserved_drift=drift_arr,
        conserved_initial=C0, conserved_final=_conserved_unchecked(W), steps=k, eta=eta, diverged=diverged,
        converged=converged, stable_step_initial=s0, stable_step_best=s_best, report=report,
    )
    if diverged:
        if on_divergence == "raise":
            raise DivergenceError(report, result)
        if on_divergence == "return":
            warnings.warn(report, RuntimeWarning, stacklevel=2)
    return result


# --------------------------------------------------------------------------- experiments: descent near and above its threshold
# (computed here, drawn by deeplinear.plots.descent and deeplinear.plots.open_problems)


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
    >>> isinstance(runs[0], dl.descent.ThresholdRun)
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
        raise ValueError(f"Sigma must be square, got shape {S.shape}")
    d = S.shape[0]
    Wm = balanced_init((d,) * (h + 1), product=S)
    rng = np.random.default_rng(seed)
    noise = [rng.standard_normal(w.shape) for w in Wm]
    W0 = [w + perturbation * z / np.linalg.norm(z) for w, z in zip(Wm, noise)]
    es = critical_step(S, h)
    runs = []
    for ratio in ratios:
        ratio = as_positive(ratio, "ratio")
        res = _descend(W0, S, ratio * es, as_int(steps, "steps", minimum=1))
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
    >>> isinstance(scaling, dl.descent.DriftScaling), scaling.steps
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
        ``(d_h, d_0)``, a step size is not positive, or ``etas`` is empty.

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
    >>> isinstance(sel, dl.descent.SharpnessSelection), sel.converged
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
        is not positive, or ``steps < 1``.

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


@dataclass(frozen=True)
class NonQuadraticRun:
    r"""A gradient flow of a non-quadratic loss (from :func:`nonquadratic_runs`).

    Attributes
    ----------
    name : str
        Which loss and data (e.g. ``"logistic, separable labels"``).
    t, loss : ndarray
        Output times and the loss at each.
    product_norm : ndarray
        :math:`\lVert W_{1:h}(t)\rVert_F`.
    drift : ndarray
        :math:`\max_i\lVert C_i(t) - C_i(0)\rVert_F`.

    Examples
    --------
    >>> runs = dl.nonquadratic_runs(widths=(2, 2, 1), n_samples=5, t_max=10.0)
    >>> isinstance(runs[0], dl.descent.NonQuadraticRun)
    True
    >>> [run.name for run in runs]
    ['logistic, separable labels', 'logistic, random labels', 'Huber, linear teacher']
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

    Parameters
    ----------
    widths : sequence of int, default (3, 4, 4, 1)
        ``(d_0, ..., d_h)``.
    n_samples : int, default 30
        Number of samples ``N``, ``>= 1``.
    t_max : float, default 1e4
        Last output time, ``> 0``.
    seed : int, default 0
        Seed of the data (``seed``) and of the initial weights (``seed + 1``).

    Returns
    -------
    list of NonQuadraticRun
        The three runs, in the order above.

    Raises
    ------
    TypeError
        If ``n_samples`` is not an integer or ``t_max`` is not a real number.
    ValueError
        If ``n_samples < 1`` or ``t_max`` is not positive.

    References
    ----------
    Ji, Z. and Telgarsky, M., "Gradient descent aligns the layers of deep linear networks",
    ICLR 2019 (the logistic loss on separable data).

    Examples
    --------
    >>> runs = dl.nonquadratic_runs(widths=(2, 2, 1), n_samples=5, t_max=10.0)
    >>> [run.t.size for run in runs]
    [82, 82, 82]
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
        :func:`deeplinear.invariants.imbalance` of the last iterate.
    sigma1 : float
        The largest singular value of :math:`\Sigma`.

    Examples
    --------
    >>> W0 = [np.array([[0.9]]), np.array([[1.1]])]
    >>> orbits = dl.descent_orbits(W0, np.array([[1.0]]), [0.9, 1.05, 1.2], steps=400, keep=8)
    >>> isinstance(orbits, dl.descent.DescentOrbits), orbits.periods
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
    r = np.array([as_positive(x, "ratios") for x in ratios], dtype=float)
    if r.size == 0:
        raise ValueError("ratios must not be empty")
    steps = as_int(steps, "steps", minimum=2)
    keep = as_int(keep, "keep", minimum=2)
    if keep > steps:
        raise ValueError(f"keep = {keep} must not exceed steps = {steps}")
    U, sv, Vt = np.linalg.svd(S)
    u1, v1 = U[:, 0], Vt[0]
    sigma1 = float(sv[0])
    eta_star = critical_step(sigma1, h)
    vals = np.full((r.size, keep), np.nan)
    periods = np.zeros(r.size, dtype=int)
    imb = np.full(r.size, np.nan)
    for i, ratio in enumerate(r):
        res = gradient_descent(W0, S, ratio * eta_star, steps, on_divergence="ignore")
        if res.diverged or res.steps < steps:
            periods[i] = -1
            continue
        tail = res.weights[-keep:]
        vals[i] = [float(u1 @ end_to_end(W) @ v1) for W in tail]
        periods[i] = orbit_period(vals[i], tol=tol)
        imb[i] = imbalance(res.final_weights)
    periods.setflags(write=False)
    return DescentOrbits(_frozen(r), eta_star, h, _frozen(vals), periods, _frozen(imb), sigma1)
