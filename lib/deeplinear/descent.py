r"""Discrete gradient descent: the map :math:`W_j \leftarrow W_j - \eta\,\nabla_{W_j} L`.

All layers are updated simultaneously from the same iterate (equivalently
:math:`A_{k+1} = A_k - \eta \nabla_A L(A_k)`), so the block-shift structure and nilpotency
survive, but the conservation laws do not: the drift is exactly second order,

.. math:: C_i^{(k+1)} - C_i^{(k)} = \eta^2 \big(G_{i+1}^\top G_{i+1} - G_i G_i^\top\big),
          \qquad G_i = \nabla_{W_i} L(W^{(k)}),

because the first-order terms cancel (:math:`W_{i+1}^\top G_{i+1} = G_i W_i^\top`). Near a
minimum, descent is locally stable only if :math:`\eta < 2/\lambda_{\max}(H)`, with :math:`H`
the Hessian with respect to the weight entries; at the balanced minimum
:math:`\lambda_{\max} = h\,\sigma_1^{2-2/h}` (derived in the book's chapter beyond gradient flow; Arora, Cohen, Golowich and Hu
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

from .errors import DeepLinearError, InvalidArgumentError
from ._validation import finite_result, as_depth, as_int, as_matrix, as_positive, as_weights, as_widths, check_sigma, widths_of
from ._validation import frozen_array as _frozen
from .flow import gradient_flow
from .curvature import _hvp
from .init import random_init
from .invariants import _conserved_unchecked, conserved_drift, conserved_quantities
from .losses import _as_loss, huber, logistic

__all__ = [
    "DescentResult",
    "DivergenceError",
    "gradient_descent",
    "conservation_drift_step",
    "stable_step",
    "critical_step",
    "NonQuadraticRun",
    "nonquadratic_runs",
]
# hessian_lambda_max below is importable from deeplinear.descent but not re-exported: the
# package's Hessian tools live in deeplinear.curvature.


class DivergenceError(DeepLinearError, RuntimeError):
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
    status : str
        Why it stopped, in the words of :class:`deeplinear.trajectory.Trajectory`:
        ``"diverged"``, ``"converged"`` (``tol`` reached) or ``"max steps"`` (ran all ``steps``);
        a property.

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> result = dl.gradient_descent(W0, np.array([[1.0]]), 0.1, 50)
    >>> isinstance(result, dl.descent.DescentResult)
    True
    >>> result.steps, result.diverged, round(result.stable_step_initial, 4)
    (50, False, 2.6667)
    >>> result.status
    'max steps'
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

    @property
    def status(self) -> str:
        """``"diverged"``, ``"converged"`` or ``"max steps"``."""
        return "diverged" if self.diverged else ("converged" if self.converged else "max steps")

    def __repr__(self) -> str:
        return (
            f"DescentResult(steps={self.steps}, eta={self.eta:g}, loss {self.losses[0]:.6g} -> {self.losses[-1]:.6g}, "
            f"diverged={self.diverged}, converged={self.converged})"
        )


# --------------------------------------------------------------------------- gradient and curvature


def _grad_and_residual(W: Sequence[np.ndarray], S: np.ndarray | None,
                       ell: object = None) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Layer gradients (of L, not -L) by back-propagation, the residual and the end-to-end map.

    The residual is ``Sigma - W_{1:h}`` for the quadratic loss, ``-grad ell(W_{1:h})`` for a loss
    object ``ell`` (the quadratic loss's is the same expression).
    """
    h = len(W)
    pre = [W[0]]
    for i in range(1, h):
        pre.append(W[i] @ pre[-1])
    R = S - pre[-1] if ell is None else -ell.gradient(pre[-1])  # type: ignore[attr-defined]
    G: list[np.ndarray] = [None] * h  # type: ignore[list-item]
    B = R
    for j in range(h - 1, 0, -1):
        G[j] = -(B @ pre[j - 1].T)
        B = W[j].T @ B
    G[0] = -B
    return G, R, pre[-1]


def _grad_and_loss(W: Sequence[np.ndarray], S: np.ndarray | None, ell: object,
                   lam: float = 0.0) -> tuple[list[np.ndarray], float]:
    """Layer gradients and the loss: the quadratic loss of ``S``, or the loss object ``ell``;
    plus ``lam/2 sum ||W_i||^2`` when ``lam > 0`` (the decay adds ``lam * W_i`` to the gradient)."""
    G, R, P = _grad_and_residual(W, S, ell)
    L = 0.5 * float(np.sum(R * R)) if ell is None else float(ell.value(P))  # type: ignore[attr-defined]
    if lam > 0.0:
        return [g + lam * w for g, w in zip(G, W)], L + 0.5 * lam * sum(float(np.sum(w * w)) for w in W)
    return G, L


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
        with np.errstate(over="ignore", invalid="ignore"):
            H = np.column_stack([mv(e) for e in np.eye(n)])
        finite_result(H, "the largest Hessian eigenvalue", "weights or Sigma")
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
            raise InvalidArgumentError("Sigma must be non-zero: for Sigma = 0 every step size is stable (eta* is infinite)")
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
    with np.errstate(over="ignore", invalid="ignore"):
        G, _, _ = _grad_and_residual(W, S)
        drift = [eta * eta * (G[i + 1].T @ G[i + 1] - G[i] @ G[i].T) for i in range(len(W) - 1)]
    return finite_result(drift, "conservation_drift_step", "weights or Sigma")


# --------------------------------------------------------------------------- descent


def gradient_descent(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray | None,
    eta: float,
    steps: int,
    *,
    tol: float | None = None,
    on_divergence: str = "return",
    divergence_factor: float = 1e6,
    keep_iterates: bool = True,
    weight_decay: float = 0.0,
    end_to_end_loss: object = None,
) -> DescentResult:
    r"""Gradient descent with simultaneous updates :math:`W_j \leftarrow W_j - \eta\nabla_{W_j} L`.

    With ``weight_decay`` :math:`= \lambda > 0` the loss is the regularised
    :math:`L + \tfrac{\lambda}{2}\sum_i\lVert W_i\rVert_F^2` and the update
    :math:`W_j \leftarrow (1 - \eta\lambda) W_j - \eta\nabla_{W_j} L` (:mod:`deeplinear.weight_decay`).

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0), or None
        The target of the quadratic loss; ``None`` when ``end_to_end_loss`` is given.
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
    weight_decay : float, default 0
        :math:`\lambda \ge 0`; ``losses`` are then those of the regularised loss (the stable
        steps in the report remain those of the unregularised Hessian).
    end_to_end_loss : loss object, optional
        A loss of the end-to-end map (:mod:`deeplinear.losses`, e.g.
        :func:`deeplinear.sensing.completion_loss`) instead of the quadratic one, as in
        :func:`deeplinear.gradient_flow`; then ``Sigma`` must be ``None``, and the stable steps
        (which need the Hessian of the quadratic loss) are ``nan``.

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
        ``tol`` is negative, ``steps < 1``, ``on_divergence`` is not one of the three
        values, or both or neither of ``Sigma`` and ``end_to_end_loss`` are given.
    DivergenceError
        If the run diverges and ``on_divergence="raise"``.

    See Also
    --------
    deeplinear.flow.gradient_flow : the continuous-time limit.

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> result = dl.gradient_descent(W0, np.array([[1.0]]), 0.1, 500, tol=1e-10)
    >>> result.converged, result.steps, result.status
    (True, 57, 'converged')
    >>> dl.gradient_descent(W0, np.array([[1.0]]), 3.0, 50, on_divergence="ignore").diverged
    True
    >>> ell = dl.sensing.completion_loss(np.array([[1.0, 2.0]]), [[1, 0]])  # a loss object instead of Sigma
    >>> dl.gradient_descent([np.array([[0.5, 0.5]])], None, 0.5, 40, end_to_end_loss=ell).final_weights
    [array([[1. , 0.5]])]
    """
    W = [w.copy() for w in as_weights(weights0, "weights0")]
    d = widths_of(W)
    if (Sigma is None) == (end_to_end_loss is None):
        raise InvalidArgumentError("give exactly one of Sigma and end_to_end_loss")
    S = None if Sigma is None else check_sigma(Sigma, d)
    ell = None if end_to_end_loss is None else _as_loss(end_to_end_loss, (d[-1], d[0]))
    eta = as_positive(eta, "eta")
    steps = as_int(steps, "steps", minimum=1)
    if tol is not None:
        tol = as_positive(tol, "tol", allow_zero=True)
    if on_divergence not in ("return", "raise", "ignore"):
        raise InvalidArgumentError(f"on_divergence must be 'return', 'raise' or 'ignore', got {on_divergence!r}")
    factor = as_positive(divergence_factor, "divergence_factor")
    lam = as_positive(weight_decay, "weight_decay", allow_zero=True)

    C0 = _conserved_unchecked(W)
    with np.errstate(over="ignore", invalid="ignore"):
        G, L0 = _grad_and_loss(W, S, ell, lam)
    # a start whose loss or gradient overflows is the inputs' fault, not the step size's
    finite_result([L0, *G], "gradient_descent", "weights0 or Sigma")
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
            G_new, L = _grad_and_loss(W_new, S, ell, lam)
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

    s0 = _stable(_lambda_max(as_weights(weights0, "weights0"), S)) if ell is None else float("nan")
    s_best = None
    if diverged:
        s_best = _stable(_lambda_max(best_W, S)) if ell is None else float("nan")
        report = (
            f"gradient descent diverged at step {k + 1} with eta = {eta:g}: the loss "
            f"{'became non-finite' if not np.isfinite(bad_loss) else f'reached {bad_loss:.3g} > bound {bound:.3g}'}. "
            + (f"The largest stable step 2/lambda_max is {s_best:.6g} near the best iterate (loss {best_loss:.3g}) "
               f"and {s0:.6g} at the start; use eta below it." if ell is None else "Use a smaller eta.")
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
        If ``widths`` is not a sequence of integers, ``seed`` or ``n_samples`` is not an
        integer, or ``t_max`` is not a real number.
    ValueError
        If a width is not positive, ``seed < 0``, ``n_samples < 1`` or ``t_max`` is not positive.

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
    d = as_widths(widths)
    seed = as_int(seed, "seed", minimum=0)
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
