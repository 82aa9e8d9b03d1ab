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

from ._validation import as_depth, as_int, as_positive, as_weights, check_sigma, widths_of
from .curvature import _hvp
from .invariants import _conserved_unchecked, conserved_drift

__all__ = [
    "DescentResult",
    "DivergenceError",
    "gradient_descent",
    "conservation_drift_step",
    "stable_step",
    "critical_step",
]
# hessian_lambda_max below is importable from deeplinear.descent but not re-exported: the
# package's Hessian tools live in deeplinear.curvature.


class DivergenceError(RuntimeError):
    """Raised by :func:`gradient_descent` with ``on_divergence="raise"``; ``.result`` holds the run."""

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
    """
    return _stable(hessian_lambda_max(weights, Sigma))


def critical_step(sigma1: float, h: int) -> float:
    r"""The step :math:`\eta^\star = 2/(h\,\sigma_1^{2-2/h})`.

    At the balanced global minimum the largest Hessian eigenvalue is
    :math:`h\,\sigma_1^{2-2/h}`, the smallest over all global minima with zero loss; descent
    with :math:`\eta > \eta^\star` therefore has no linearly stable global minimum.
    """
    sigma1 = as_positive(sigma1, "sigma1")
    h = as_depth(h)
    return 2.0 / (h * sigma1 ** (2.0 - 2.0 / h))


def conservation_drift_step(weights: Sequence[np.ndarray], Sigma: np.ndarray, eta: float) -> list[np.ndarray]:
    r"""The exact one-step change of the conserved quantities under gradient descent.

    .. math:: C_i^{+} - C_i = \eta^2 \big(G_{i+1}^\top G_{i+1} - G_i G_i^\top\big), \qquad G_i = \nabla_{W_i} L .

    Parameters
    ----------
    weights : list of ndarray
    Sigma : ndarray, shape (d_h, d_0)
    eta : float
        Step size, ``> 0``.

    Returns
    -------
    list of ndarray
        ``h - 1`` matrices, ``(d_i, d_i)``.
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
    keep_iterates : bool, default True
        Store every iterate in ``weights``.

    Returns
    -------
    DescentResult
        On divergence, the ``report`` names the step size, the step at which it happened and
        the largest stable step :math:`2/\lambda_{\max}` near the best iterate and at the start.
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
