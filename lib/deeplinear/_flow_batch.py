"""Private: many initial conditions of the gradient flow integrated as one stacked state
(:func:`deeplinear.flow.gradient_flow_batch` is the public entry point).

The state holds, layer by layer, the ``B`` copies of ``W_i`` as one ``(B, d_i, d_{i-1})`` block, so
the right-hand side is ``3h - 3`` stacked matrix products for the whole batch instead of ``B``
times that many small products (numpy's per-call overhead dominates for the book's sizes). The
step size control takes the largest of the members' error norms, so every member is integrated
at least as accurately as it would be alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.integrate import DOP853, RK23, RK45

from .errors import InvalidArgumentError
from ._flow_core import _FlowFunctions, _FlowProblem, _RawRun, _stop_thresholds


def batch_rhs(shapes: Sequence[tuple[int, int]], B: int, S: np.ndarray,
              weight_decay: float = 0.0) -> Callable[[float, np.ndarray], np.ndarray]:
    """``-grad L`` of ``B`` networks at once, on the layer-major stacked state (``- weight_decay * y``
    added for the regularised loss, as in :class:`deeplinear._flow_core._FlowFunctions`)."""
    sizes = [B * r * c for r, c in shapes]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    spec = [(int(offs[i]), int(offs[i + 1]), (B,) + tuple(shapes[i])) for i in range(len(shapes))]
    rev = spec[:0:-1]
    a0, b0 = spec[0][0], spec[0][1]

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        W = [y[a:b].reshape(s) for a, b, s in spec]
        pre = [W[0]]
        for M in W[1:]:
            pre.append(np.matmul(M, pre[-1]))
        R = S - pre.pop()
        out = np.empty_like(y)
        for (a, b, _), M, Pm in zip(rev, W[:0:-1], pre[::-1]):
            out[a:b] = np.matmul(R, Pm.transpose(0, 2, 1)).ravel()
            R = np.matmul(M.transpose(0, 2, 1), R)
        out[a0:b0] = R.ravel()
        if weight_decay:
            out -= weight_decay * y
        return out

    return rhs


def member_index(shapes: Sequence[tuple[int, int]], B: int) -> np.ndarray:
    """``idx[b]``: the positions of member ``b``'s flat state (packer order) in the stacked state."""
    blocks, start = [], 0
    for r, c in shapes:
        blocks.append(start + np.arange(B * r * c).reshape(B, r * c))
        start += B * r * c
    return np.concatenate(blocks, axis=1)


def batched_solver(method: object, idx: np.ndarray) -> type:
    """The explicit Runge-Kutta class of ``method`` with the error norm the largest of the members'."""
    base = {"DOP853": DOP853, "RK45": RK45, "RK23": RK23}.get(method) if isinstance(method, str) else None
    if base is None:
        raise InvalidArgumentError(f"gradient_flow_batch supports method 'DOP853', 'RK45' or 'RK23', got {method!r:.60}")
    n = idx.shape[1]

    if base is DOP853:
        def norm(self, K, h, scale):
            e5 = np.sum((np.dot(K.T, self.E5) / scale)[idx] ** 2, axis=1)
            e3 = np.sum((np.dot(K.T, self.E3) / scale)[idx] ** 2, axis=1)
            denom = e5 + 0.01 * e3
            with np.errstate(invalid="ignore", divide="ignore"):
                per = np.where(denom > 0, np.abs(h) * e5 / np.sqrt(denom * n), 0.0)
            return float(np.max(per))
    else:
        def norm(self, K, h, scale):
            err = (np.dot(K.T, self.E) * h / scale)[idx]
            return float(np.max(np.sqrt(np.sum(err * err, axis=1) / n)))

    return type(f"Batched{base.__name__}", (base,), {"_estimate_error_norm": norm})


def batch_stop(problem: _FlowProblem, stop_tol: float | None, idx: np.ndarray, fns: list[_FlowFunctions]):
    """Converged when every member passes the test of ``stop_tol`` (see gradient_flow; with weight
    decay the gradient alone decides, as there)."""
    if stop_tol is None:
        return None
    L_star, gap_tol, grad_tol = _stop_thresholds(problem.Sigma, problem.widths, stop_tol)
    lam = problem.weight_decay

    def converged(t: float, y: np.ndarray, f: np.ndarray | None) -> str | None:
        if f is None or np.max(np.sum(f[idx] ** 2, axis=1)) > grad_tol**2:
            return None
        if lam > 0.0:
            return (f"converged at t = {t:.6g}: every member's gradient norm <= {grad_tol:.2g} of the regularised "
                    f"loss (weight_decay = {lam:g}, stop_tol = {stop_tol:g})")
        Y = y[idx]
        if any(fn.loss_of(Y[b]) - L_star > gap_tol for b, fn in enumerate(fns)):
            return None
        return (f"converged at t = {t:.6g}: every member's loss within {gap_tol:.2g} of the global minimum "
                f"{L_star:.3g} and gradient norm <= {grad_tol:.2g} (stop_tol = {stop_tol:g})")

    return converged


class MemberSolution:
    """The continuous solution of one member, read off the batch's."""

    def __init__(self, dense: Callable, rows: np.ndarray) -> None:
        self.dense, self.rows = dense, rows

    def __call__(self, t):
        return self.dense(t)[self.rows]


def member_runs(run, problems: list[_FlowProblem], idx: np.ndarray) -> list[_RawRun]:
    """One :class:`_RawRun` per member, sharing the batch's times, status and work."""
    out = []
    for b in range(len(problems)):
        sol = None if run.dense is None else MemberSolution(run.dense, idx[b])
        out.append(_RawRun(run.t, run.y[idx[b]], sol, run.nfev, {}, run.status, run.message, run.t_stop))
    return out
