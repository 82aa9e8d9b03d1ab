r"""The gradient flow in the survey's adjacency form, on all :math:`n_v^2` entries.

.. math:: \dot A = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top

(Wendin and Altafini, arXiv:2511.10362, Section 3), integrated without any projection. Started
from a block-shift :math:`A_0 = \mathrm{blk}_1(W_1, \dots, W_h)` the solution stays block-shift;
this dense form is the reference the layer-wise :func:`deeplinear.flow.gradient_flow` is checked
against, not the way to compute.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from .errors import InvalidArgumentError
from ._validation import as_int, as_positive, as_time_span, as_widths
from ._flow_core import _check_t_eval, _convergence_test, _decay_test, _max_step, _stop_thresholds
from ._flow_solver import Run, drive, solver_class
from .flow import DEFAULT_ATOL, DEFAULT_MAX_STEPS, DEFAULT_RTOL, DEFAULT_STOP_TOL, DIVERGENCE_BOUND
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
    stop_tol: float | None = DEFAULT_STOP_TOL,
    max_steps: int | None = DEFAULT_MAX_STEPS,
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
        the block pattern, ``loss`` is then the regularised loss, and the convergence test is
        on the gradient alone (the regularised minimum value is not known).
    warn : bool, default True
        Warn if the integration fails, blows up or hits ``max_steps``.
    stop_tol : float or None, default 1e-12
        Stop when the flow has converged, with the test of :func:`deeplinear.flow.gradient_flow`:
        loss within ``stop_tol * ||E||_F^2`` of the global minimum :math:`L^\star` and gradient
        norm at most ``stop_tol * ||E||_F^((2h-1)/h)`` (at a block-shift ``A`` the gradient's
        blocks are the layers' gradients, so the two tests agree). :math:`L^\star` is the
        Eckart-Young value of :math:`\Sigma` at rank :math:`\min_i d_i` when ``widths`` is
        given, ``E = blk_h(Sigma)`` and ``A0`` is block-shift (the flow then stays block-shift);
        otherwise the lower bound 0, so a flow whose minimum is above 0 is never stopped early.
        Then ``status`` is ``"converged"`` and later ``t_eval`` times hold the final state.
        ``None`` integrates to the end of ``t_span``.
    max_steps : int or None, default 100000
        Stop after this many solver steps (``status`` ``"max steps"``). ``None``: no limit.

    Returns
    -------
    AdjacencyTrajectory
        Times, ``A(t)``, loss, nilpotency residual, pattern leak and weights (when ``widths``
        is given), ``status``/``message``, ``t_stop`` and dense output ``A_at(t)``; the
        statuses are those of :func:`deeplinear.flow.gradient_flow` (``"completed"``,
        ``"converged"``, ``"max steps"``, ``"blowup"`` for an entry beyond ``DIVERGENCE_BOUND``,
        ``"failed"``). A failed integration stops at the last finite state and says so.

    Raises
    ------
    TypeError
        If ``A0`` or ``E`` is not a real matrix, ``h`` is not an integer, ``widths`` is not a
        sequence of integers, ``t_span`` is not a number or a pair, or a tolerance or
        ``max_step`` is not a real number.
    ValueError
        If ``A0`` is not square or not finite, ``E`` does not have its shape, ``h < 1``,
        ``widths`` does not match ``h`` and ``n_v``, ``t_span`` does not satisfy ``t0 < t1``,
        ``t_eval`` is empty, unsorted or outside ``t_span``, a tolerance, ``max_step``,
        ``stop_tol`` or ``max_steps`` is not positive, ``method`` is unknown, or the gradient
        or the loss overflows at ``A0``.

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
    stop_tol = None if stop_tol is None else as_positive(stop_tol, "stop_tol")
    max_steps = None if max_steps is None else as_int(max_steps, "max_steps", minimum=1)
    solver_class(method)  # an unknown method is an error before any work
    if isinstance(max_step, str):
        if max_step != "auto":
            raise InvalidArgumentError(f"max_step must be a positive number, np.inf or 'auto', got {max_step!r}")
        with np.errstate(all="ignore"):
            lam = h * np.float64(np.linalg.norm(E, 2)) ** (2.0 - 2.0 / h) + h * np.float64(np.linalg.norm(A0, 2)) ** (2 * h - 2)
            lam = lam + lam_decay
        max_step = 4.0 / float(lam) if np.isfinite(lam) and lam > 0 else np.inf
    else:
        max_step = _max_step(max_step, [A0], None)
    rhs, loss_of = _adjacency_rhs(E, h, lam_decay), _adjacency_loss(E, h, lam_decay)
    y0 = A0.ravel().copy()
    with np.errstate(all="ignore"):
        f0 = rhs(t0, y0)
    if not np.all(np.isfinite(f0)):  # the solver's first-step selection would produce t = nan and never stop
        raise InvalidArgumentError("the gradient is not finite at A0 (overflow); rescale A0")
    stop = None
    if stop_tol is not None:
        thresholds = _adjacency_thresholds(A0, E, h, d, stop_tol)
        stop = (_decay_test(rhs, thresholds[2], lam_decay, stop_tol) if lam_decay > 0.0
                else _convergence_test(loss_of, rhs, thresholds, stop_tol))
    why = None if stop is None else stop(t0, y0, f0)
    if why is not None:  # converged at the start: every output time holds A0
        times = np.array([t0]) if te is None else te
        res = Run(times, np.repeat(y0[:, None], times.size, axis=1), [], [], "converged", why, 1, t0, None)
    else:
        with np.errstate(all="ignore"):
            res = drive(rhs, t0, t1, y0, method=method, rtol=rtol, atol=atol, max_step=max_step, t_eval=te,
                        converged=stop, max_steps=max_steps, bound=DIVERGENCE_BOUND)
    return _adjacency_trajectory(res, loss_of, E, h, d, t0, t1, y0, warn)


def _adjacency_rhs(E: np.ndarray, h: int, weight_decay: float = 0.0):
    """The right-hand side on the flattened ``A`` (dense products; no validation)."""
    n = E.shape[0]
    eye = np.eye(n)

    def rhs(t, y):
        A = y.reshape(n, n)
        powers = [eye]
        for _ in range(h):
            powers.append(powers[-1] @ A)
        R = E - powers[h]
        G = np.zeros((n, n))
        for j in range(1, h + 1):
            G += powers[h - j].T @ R @ powers[j - 1].T
        return G.ravel() - weight_decay * y if weight_decay else G.ravel()

    return rhs


def _adjacency_loss(E: np.ndarray, h: int, weight_decay: float = 0.0):
    """The loss (regularised when ``weight_decay > 0``) of the flattened ``A``."""
    n = E.shape[0]

    def loss_of(y):
        R = E - np.linalg.matrix_power(y.reshape(n, n), h)
        return 0.5 * float(np.sum(R * R)) + 0.5 * weight_decay * float(y @ y)

    return loss_of


def _adjacency_thresholds(A0: np.ndarray, E: np.ndarray, h: int, d: tuple | None,
                          stop_tol: float) -> tuple[float, float, float]:
    """``(L*, gap tolerance, gradient tolerance)``: Eckart-Young when the flow stays block-shift, else ``L* = 0``."""
    n = E.shape[0]
    if d is not None:
        sl = layer_slices(d)
        shift = np.zeros((n, n), dtype=bool)
        for i in range(h):
            shift[sl[i + 1], sl[i]] = True
        target = np.zeros((n, n), dtype=bool)
        target[sl[h], sl[0]] = True
        if not np.any(A0[~shift]) and not np.any(E[~target]):
            return _stop_thresholds(E[sl[h], sl[0]], d, stop_tol)
    # min(widths) = n_v: the Eckart-Young sum is empty, L* = 0; the scales are those of ||E||_F
    return _stop_thresholds(E, (n,) * (h + 1), stop_tol)


def _adjacency_trajectory(res: Run, loss_of: Callable, E: np.ndarray, h: int, d: tuple | None, t0: float, t1: float,
                          y0: np.ndarray, warn: bool) -> AdjacencyTrajectory:
    """The :class:`AdjacencyTrajectory` of a run: statuses as in gradient_flow, cut at the first non-finite state."""
    n = E.shape[0]
    tt = np.asarray(res.t, dtype=float).ravel()
    Y = np.asarray(res.y, dtype=float).reshape(n * n, tt.size)
    status, message = {
        "completed": ("completed", f"integrated to t = {t1:g}"),
        "converged": ("converged", res.message),
        "max steps": ("max steps", res.message),
        "diverged": ("blowup", f"blow-up: {res.message}"),
    }.get(res.status, ("failed", f"integration failed: {res.message}"))
    t_stop = float(res.t_stop)
    finite = np.all(np.isfinite(Y), axis=0)
    if not np.all(finite):
        k = int(np.argmin(finite))
        tt, Y = tt[:k], Y[:, :k]
        status, message = "failed", "integration failed: non-finite state"
    if tt.size == 0:
        tt, Y = np.array([t0]), y0[:, None]
    As = Y.T.reshape(-1, n, n).copy()
    with np.errstate(all="ignore"):
        losses = np.array([loss_of(A.ravel()) for A in As])
        nil = np.array([float(np.linalg.norm(np.linalg.matrix_power(A, h + 1))) for A in As])
    bad = ~(np.isfinite(losses) & np.isfinite(nil))
    if np.any(bad):  # overflow in the loss: cut there and say so
        k = int(np.argmax(bad))
        if k == 0:
            raise InvalidArgumentError("the loss overflows at A0; rescale A0")
        tt, As, losses, nil = tt[:k], As[:k], losses[:k], nil[:k]
        status, message = "failed", f"integration failed: the loss overflows after t = {tt[-1]:g}"
    if status == "failed" or (t_stop > tt[-1] and status != "converged"):
        t_stop = float(tt[-1])
    if status in ("failed", "blowup", "max steps") and warn:
        warnings.warn(f"gradient_flow_adjacency: {message}", RuntimeWarning, stacklevel=3)
    leak = weights = None
    if d is not None:
        sl = layer_slices(d)
        mask = np.ones((n, n), dtype=bool)
        for i in range(h):
            mask[sl[i + 1], sl[i]] = False
        leak = np.array([float(np.max(np.abs(A[mask]), initial=0.0)) for A in As])
        weights = [[A[sl[i + 1], sl[i]].copy() for i in range(h)] for A in As]
    return AdjacencyTrajectory(
        t=np.array(tt, dtype=float), A=As, loss=losses, nilpotency_residual=nil, pattern_leak=leak,
        status=status, message=message, h=h, widths=d, weights=weights, t_stop=t_stop, _solution=res.dense,
    )
