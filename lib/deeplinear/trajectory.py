r"""Solutions of the gradient flow: the records that :mod:`deeplinear.flow` returns.

:class:`Trajectory` holds a solution of the layer-wise flow, :class:`AdjacencyTrajectory` one
of the unprojected adjacency-form flow (with the same attribute names where the concept is the
same: ``t``, ``weights``, ``loss``, ``status``, ``message``, ``widths``), and :class:`Event`
names an event to detect along the way. This module integrates nothing, so modules that only
inspect trajectories (:mod:`deeplinear.invariants`) need not import the integrator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InvalidArgumentError

__all__ = ["Event", "Trajectory", "AdjacencyTrajectory"]

@dataclass(frozen=True)
class Event:
    r"""A named event for :func:`deeplinear.flow.gradient_flow`.

    Construct one and pass it in ``events=``; the times at which it happens are recorded in
    :attr:`Trajectory.events` under ``name``.

    Parameters
    ----------
    name : str
        Key under which the event times are recorded in ``Trajectory.events``.
    function : callable
        ``function(t, weights) -> float``; the event happens where it crosses zero.
    terminal : bool, default False
        Stop the integration at the first occurrence.
    direction : float, default 0.0
        Only crossings from positive to negative (``-1``), negative to positive (``+1``), or both
        (``0``), as in :func:`scipy.integrate.solve_ivp`.

    Examples
    --------
    The time at which the end-to-end map of a scalar network reaches half of its target:

    >>> half = dl.trajectory.Event("half", lambda t, W: float((W[1] @ W[0])[0, 0]) - 0.5, terminal=True)
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> traj = dl.gradient_flow(W0, np.array([[1.0]]), 5.0, events=[half])
    >>> traj.status, round(float(traj.events["half"][0]), 4)  # ln(3) / 2
    ('event', 0.5493)
    """

    name: str
    function: Callable[[float, list[np.ndarray]], float]
    terminal: bool = False
    direction: float = 0.0


class _Packer:
    """Flat state vector <-> list of weight views."""

    def __init__(self, shapes: Sequence[tuple[int, int]]):
        self.shapes = [tuple(s) for s in shapes]
        sizes = [s[0] * s[1] for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.size = int(self.offsets[-1])

    def unpack(self, y: np.ndarray) -> list[np.ndarray]:
        o = self.offsets
        return [y[o[i]:o[i + 1]].reshape(s) for i, s in enumerate(self.shapes)]

    def pack(self, W: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(w, dtype=float).ravel() for w in W])


# --------------------------------------------------------------------------- trajectory


@dataclass(frozen=True)
class Trajectory:
    r"""A solution of the layer-wise gradient flow (returned by :func:`deeplinear.flow.gradient_flow`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        Output times (``t_eval``, or the solver's steps), ending at the termination time.
    weights : list of list of ndarray
        ``weights[k]`` is ``[W_1, ..., W_h]`` at ``t[k]``.
    loss : ndarray, shape (n,)
        The loss at each time (quadratic, or the ``end_to_end_loss`` of the flow).
    gradient_norm : ndarray, shape (n,)
        :math:`\lVert\nabla L\rVert` (all layers), so :math:`\dot L = -\lVert\nabla L\rVert^2`.
    end_to_end : ndarray, shape (n, d_h, d_0)
        The end-to-end map :math:`W_h \cdots W_1` at each time.
    conserved : list of list of ndarray
        ``conserved[k]`` is ``[C_1, ..., C_{h-1}]`` at ``t[k]``.
    conserved_drift : ndarray, shape (n,)
        :math:`\max_i \lVert C_i(t) - C_i(0)\rVert_F / \max(1, \lVert C_i(0)\rVert_F)`.
    events : dict of str to ndarray
        Event name -> times at which it happened.
    status : str
        Why the integration stopped: ``"completed"`` (reached the end of ``t_span``),
        ``"converged"`` (the convergence test ``stop_tol`` of the quadratic loss, or the
        convergence event), ``"blowup"`` (diverged: norm bound exceeded, or a finite-time
        blow-up), ``"event"`` (another terminal event), ``"max steps"`` (the step limit) or
        ``"failed"`` (the solver failed; the trajectory stops at the last good time).
    message : str
        Human-readable explanation of ``status``.
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    nfev : int
        Number of right-hand-side evaluations.
    t_stop : float
        The time at which the integration stopped: the end of ``t_span``, or where it converged,
        blew up, failed, met a terminal event or reached ``max_steps``. After a convergence
        stop, the output times beyond ``t_stop`` (requested by ``t_eval``) hold the final weights.
    success : bool
        True unless the integration failed or blew up (a property).
    final_weights : list of ndarray
        ``weights[-1]``, the weights at the last time (a property).

    Examples
    --------
    >>> W0 = [np.array([[0.5]]), np.array([[0.5]])]
    >>> traj = dl.gradient_flow(W0, np.array([[1.0]]), 5.0, t_eval=[0, 1, 5])
    >>> isinstance(traj, dl.trajectory.Trajectory), traj.status
    (True, 'completed')
    >>> [round(float(v), 4) for v in traj.loss]
    [0.2812, 0.0417, 0.0]
    >>> traj.weights_at(2.5)[0].shape
    (1, 1)
    """

    t: np.ndarray
    weights: list
    loss: np.ndarray
    gradient_norm: np.ndarray
    end_to_end: np.ndarray
    conserved: list
    conserved_drift: np.ndarray
    events: dict
    status: str
    message: str
    widths: tuple
    nfev: int
    t_stop: float = float("nan")
    _solution: Any = field(repr=False, compare=False, default=None)
    _packer: Any = field(repr=False, compare=False, default=None)

    @property
    def success(self) -> bool:
        """True unless the integration failed or blew up."""
        return self.status in ("completed", "converged", "event")

    @property
    def final_weights(self) -> list[np.ndarray]:
        """The weights at the last time."""
        return self.weights[-1]

    def weights_at(self, t: float | Sequence[float] | np.ndarray) -> list:
        """Weights at arbitrary times from the dense output (``[W_1..W_h]``, or a list of them for an array ``t``).

        Parameters
        ----------
        t : float or array_like
            Time(s) within ``[t[0], t[-1]]``.

        Returns
        -------
        list of ndarray, or list of list of ndarray
            ``[W_1, ..., W_h]`` at ``t``; one such list per entry for an array ``t``.

        Raises
        ------
        ValueError
            If a time is not finite or lies outside the integrated interval.
        """
        arr = np.asarray(t, dtype=float)
        lo, hi = float(self.t[0]), float(self.t[-1])
        if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
            raise InvalidArgumentError(f"t = {t!r:.60} is outside the integrated interval [{lo}, {hi}]")
        if self._solution is None:  # stopped at t0 (e.g. converged at the start)
            return [w.copy() for w in self.weights[0]] if arr.ndim == 0 else [[w.copy() for w in self.weights[0]] for _ in arr.ravel()]
        if arr.ndim == 0:
            return [w.copy() for w in self._packer.unpack(self._solution(float(arr)))]
        Y = self._solution(arr.ravel())
        return [[w.copy() for w in self._packer.unpack(Y[:, k])] for k in range(Y.shape[1])]

    def __repr__(self) -> str:
        return (
            f"Trajectory(widths={self.widths}, n={self.t.size}, t=[{self.t[0]:g}, {self.t[-1]:g}], "
            f"loss {self.loss[0]:.6g} -> {self.loss[-1]:.6g}, max drift {np.max(self.conserved_drift):.2g}, "
            f"events={ {k: v.size for k, v in self.events.items()} }, status={self.status!r})"
        )


@dataclass(frozen=True)
class AdjacencyTrajectory:
    r"""A solution of the unprojected adjacency-form flow (see :func:`deeplinear.adjacency_flow.gradient_flow_adjacency`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        Output times (``t_eval``, or the solver's steps).
    A : ndarray, shape (n, n_v, n_v)
        ``A[k]`` is the adjacency matrix at ``t[k]``.
    loss : ndarray, shape (n,)
        :math:`\tfrac12\lVert E - A^h\rVert_F^2`.
    nilpotency_residual : ndarray, shape (n,)
        :math:`\lVert A(t)^{h+1}\rVert_F` (zero while the block-shift structure is kept).
    pattern_leak : ndarray, shape (n,), or None
        Largest entry of :math:`A(t)` outside the first block sub-diagonal (when ``widths`` is known).
    status, message : str
        Why the integration stopped, as in :class:`Trajectory`: ``"completed"``, ``"converged"``
        (the ``stop_tol`` test), ``"blowup"``, ``"max steps"`` or ``"failed"``; and a
        human-readable explanation.
    h : int
        Depth.
    widths : tuple of int or None
        ``(d_0, ..., d_h)`` when given to the integrator, else ``None``.
    weights : list of list of ndarray, or None
        ``weights[k]`` is ``[W_1, ..., W_h]`` read off ``A[k]`` (blocks ``(i + 1, i)``), as in
        :class:`Trajectory`; ``None`` when ``widths`` is not known.
    t_stop : float
        The time at which the integration stopped (as in :class:`Trajectory`): the end of
        ``t_span``, or where it converged, blew up, failed or reached ``max_steps``. After a
        convergence stop, the output times beyond ``t_stop`` hold the final state.
    success : bool
        True unless the integration failed, blew up or hit ``max_steps`` (a property).

    Examples
    --------
    >>> A0 = dl.adjacency([np.array([[0.5]]), np.array([[0.5]])])
    >>> E = dl.target(np.array([[1.0]]), [1, 1, 1])
    >>> traj = dl.gradient_flow_adjacency(A0, E, 2, 5.0, t_eval=[0, 1, 5], widths=[1, 1, 1])
    >>> isinstance(traj, dl.trajectory.AdjacencyTrajectory)
    True
    >>> [round(float(v), 4) for v in traj.loss], float(traj.nilpotency_residual.max())
    ([0.2812, 0.0417, 0.0], 0.0)
    """

    t: np.ndarray
    A: np.ndarray
    loss: np.ndarray
    nilpotency_residual: np.ndarray
    pattern_leak: np.ndarray | None
    status: str
    message: str
    h: int
    widths: tuple | None
    weights: list | None = None
    t_stop: float = float("nan")
    _solution: Any = field(repr=False, compare=False, default=None)

    def A_at(self, t: float | np.ndarray) -> np.ndarray:
        """``A`` at arbitrary times in the integrated interval (dense output).

        Parameters
        ----------
        t : float or array_like
            Time(s) within ``[t[0], t[-1]]``.

        Returns
        -------
        ndarray, shape t.shape + (n_v, n_v)
            The adjacency matrix at each time.

        Raises
        ------
        ValueError
            If a time is not finite or lies outside the integrated interval.
        """
        arr = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr < self.t[0]) or np.any(arr > self.t[-1]):
            raise InvalidArgumentError(f"t = {t!r:.60} is outside the integrated interval [{self.t[0]}, {self.t[-1]}]")
        n = self.A.shape[1]
        if self._solution is None:  # stopped at t0 (converged at the start)
            return np.broadcast_to(self.A[0], arr.shape + (n, n)).copy()
        Y = self._solution(arr.ravel())
        return Y.T.reshape(arr.shape + (n, n))

    @property
    def success(self) -> bool:
        """True unless the integration failed, blew up or hit ``max_steps``."""
        return self.status in ("completed", "converged")

    def __repr__(self) -> str:
        return (
            f"AdjacencyTrajectory(n_v={self.A.shape[1]}, h={self.h}, n={self.t.size}, "
            f"loss {self.loss[0]:.6g} -> {self.loss[-1]:.6g}, status={self.status!r})"
        )
