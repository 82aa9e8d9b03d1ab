r"""The gradient flow in the survey's adjacency form, on all :math:`n_v^2` entries.

.. math:: \dot A = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top

(Wendin and Altafini, arXiv:2511.10362, Section 3), integrated without any projection. Started
from a block-shift :math:`A_0 = \mathrm{blk}_1(W_1, \dots, W_h)` the solution stays block-shift;
this dense form is the reference the layer-wise :func:`deeplinear.flow.gradient_flow` is checked
against, not the way to compute.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy.integrate import solve_ivp

from .errors import InvalidArgumentError
from ._validation import as_positive, as_time_span, as_widths
from ._flow_core import _check_t_eval, _max_step
from .flow import DEFAULT_ATOL, DEFAULT_RTOL
from .network import layer_slices
from .objective import _depth_and_check
from .trajectory import AdjacencyTrajectory

__all__ = ["gradient_flow_adjacency"]


def gradient_flow_adjacency(
    A0: np.ndarray,
    E: np.ndarray,
    h: int,
    t_span: tuple[float, float] | float,
    *,
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    method: str = "DOP853",
    max_step: float | str = "auto",
    widths: Sequence[int] | None = None,
    weight_decay: float = 0.0,
    warn: bool = True,
) -> AdjacencyTrajectory:
    r"""Integrate the survey's adjacency-form flow on all :math:`n_v^2` entries, unprojected.

    .. math:: \dot A = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top

    Started from a block-shift :math:`A_0 = \mathrm{blk}_1(W_1, \dots, W_h)` with
    :math:`E = \mathrm{blk}_h(\Sigma)`, the solution stays block-shift (each term lies in one
    block of the first sub-diagonal), so :math:`A(t)^{h+1} = 0` and its blocks follow the
    layer-wise flow. This is the slow reference form (dense :math:`n_v \times n_v` products);
    use :func:`deeplinear.flow.gradient_flow` for computation.

    Parameters
    ----------
    A0 : ndarray, shape (n_v, n_v)
        Initial adjacency matrix, e.g. :func:`deeplinear.network.adjacency` of the weights.
    E : ndarray, shape (n_v, n_v)
        Target, e.g. :func:`deeplinear.network.target` of :math:`\Sigma`.
    h : int
        Depth.
    t_span, t_eval, rtol, atol, method
        As in :func:`deeplinear.flow.gradient_flow`.
    max_step : float or "auto", default "auto"
        As in :func:`deeplinear.flow.gradient_flow`; ``"auto"`` uses ``4 / lambda_ref`` with
        :math:`\lambda_{\rm ref} = h\lVert E\rVert_2^{2-2/h} + h\lVert A_0\rVert_2^{2h-2}`.
    widths : sequence of int, optional
        ``(d_0, ..., d_h)``; enables ``pattern_leak`` and the ``weights`` read off ``A``.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`: integrate :math:`\dot A = \dots - \lambda A`, the flow of
        :math:`L(A) + \tfrac{\lambda}{2}\lVert A\rVert_F^2` (:mod:`deeplinear.weight_decay`); the term keeps
        the block pattern, and ``loss`` is then the regularised loss.
    warn : bool, default True
        Warn if the integration fails.

    Returns
    -------
    AdjacencyTrajectory
        Times, ``A(t)``, loss, nilpotency residual, pattern leak and weights (when ``widths``
        is given), ``status``/``message`` and dense output ``A_at(t)``. A failed integration
        stops at the last finite state and says so.

    Raises
    ------
    TypeError
        If ``A0`` or ``E`` is not a real matrix, ``h`` is not an integer, ``widths`` is not a
        sequence of integers, ``t_span`` is not a number or a pair, or a tolerance or
        ``max_step`` is not a real number.
    ValueError
        If ``A0`` is not square or not finite, ``E`` does not have its shape, ``h < 1``,
        ``widths`` does not match ``h`` and ``n_v``, ``t_span`` does not satisfy ``t0 < t1``,
        ``t_eval`` is empty, unsorted or outside ``t_span``, a tolerance or ``max_step`` is not
        positive, or the gradient or the loss overflows at ``A0``.

    References
    ----------
    Wendin, J. and Altafini, C., "Gradient Flow Equations for Deep Linear Neural Networks: A
    Survey from a Network Perspective", arXiv:2511.10362 (2025), Section 3.

    Examples
    --------
    >>> weights = [np.array([[0.5]]), np.array([[0.5]])]
    >>> E = dl.target(np.array([[1.0]]), [1, 1, 1])
    >>> traj = dl.gradient_flow_adjacency(dl.adjacency(weights), E, 2, 5.0, t_eval=[0, 1, 5], widths=[1, 1, 1])
    >>> round(float(traj.loss[-1]), 6), float(traj.pattern_leak.max())
    (0.0, 0.0)
    >>> round(float(traj.weights[-1][0][0, 0]), 4)
    0.9999
    """
    A0, E, h = _depth_and_check(A0, E, h, "A0")
    d = None
    if widths is not None:
        d = as_widths(widths)
        if len(d) - 1 != h or sum(d) != A0.shape[0]:
            raise InvalidArgumentError(f"widths {d} do not match h = {h} and n_v = {A0.shape[0]}")
    t0, t1 = as_time_span(t_span)
    te = _check_t_eval(t_eval, t0, t1)
    rtol = as_positive(rtol, "rtol")
    atol = as_positive(atol, "atol")
    lam_decay = as_positive(weight_decay, "weight_decay", allow_zero=True)
    n = A0.shape[0]
    if isinstance(max_step, str):
        if max_step != "auto":
            raise InvalidArgumentError(f"max_step must be a positive number, np.inf or 'auto', got {max_step!r}")
        with np.errstate(all="ignore"):
            lam = h * np.float64(np.linalg.norm(E, 2)) ** (2.0 - 2.0 / h) + h * np.float64(np.linalg.norm(A0, 2)) ** (2 * h - 2)
            lam = lam + lam_decay
        max_step = 4.0 / float(lam) if np.isfinite(lam) and lam > 0 else np.inf
    else:
        max_step = _max_step(max_step, [A0], None)

    def rhs(t, y):
        A = y.reshape(n, n)
        with np.errstate(all="ignore"):
            powers = [np.eye(n)]
            for _ in range(h):
                powers.append(powers[-1] @ A)
            R = E - powers[h]
            G = np.zeros((n, n))
            for j in range(1, h + 1):
                G += powers[h - j].T @ R @ powers[j - 1].T
        return G.ravel() - lam_decay * y

    with np.errstate(all="ignore"):
        f0 = rhs(t0, A0.ravel())
        if not np.all(np.isfinite(f0)):  # scipy's first-step selection would produce t = nan and never stop
            raise InvalidArgumentError("the gradient is not finite at A0 (overflow); rescale A0")
        res = solve_ivp(rhs, (t0, t1), A0.ravel(), method=method, t_eval=te, dense_output=True, rtol=rtol, atol=atol,
                        max_step=max_step)
    tt = np.asarray(res.t, dtype=float).ravel()
    Y = np.asarray(res.y, dtype=float).reshape(n * n, tt.size)
    status, message = ("completed", f"integrated to t = {t1:g}") if res.status == 0 else ("failed", f"integration failed: {res.message}")
    finite = np.all(np.isfinite(Y), axis=0)
    if not np.all(finite):
        k = int(np.argmin(finite))
        tt, Y = tt[:k], Y[:, :k]
        status, message = "failed", "integration failed: non-finite state"
    if tt.size == 0:
        tt, Y = np.array([t0]), A0.ravel()[:, None]
    if status == "failed" and warn:
        warnings.warn(f"gradient_flow_adjacency: {message}", RuntimeWarning, stacklevel=2)
    As = Y.T.reshape(-1, n, n).copy()
    with np.errstate(all="ignore"):
        losses = np.array([0.5 * float(np.sum((E - np.linalg.matrix_power(A, h)) ** 2) + lam_decay * np.sum(A * A)) for A in As])
        nil = np.array([float(np.linalg.norm(np.linalg.matrix_power(A, h + 1))) for A in As])
    bad = ~(np.isfinite(losses) & np.isfinite(nil))
    if np.any(bad):  # overflow in the loss: cut there and say so
        k = int(np.argmax(bad))
        if k == 0:
            raise InvalidArgumentError("the loss overflows at A0; rescale A0")
        tt, As, losses, nil = tt[:k], As[:k], losses[:k], nil[:k]
        status, message = "failed", f"integration failed: the loss overflows after t = {tt[-1]:g}"
        if warn:
            warnings.warn(f"gradient_flow_adjacency: {message}", RuntimeWarning, stacklevel=2)
    leak = None
    if d is not None:
        mask = np.ones((n, n), dtype=bool)
        sl = layer_slices(d)
        for i in range(h):
            mask[sl[i + 1], sl[i]] = False
        leak = np.array([float(np.max(np.abs(A[mask]), initial=0.0)) for A in As])
    weights = None
    if d is not None:
        sl = layer_slices(d)
        weights = [[A[sl[i + 1], sl[i]].copy() for i in range(h)] for A in As]
    return AdjacencyTrajectory(
        t=np.array(tt, dtype=float), A=As, loss=losses, nilpotency_residual=nil, pattern_leak=leak,
        status=status, message=message, h=h, widths=d, weights=weights, _solution=res.sol,
    )
