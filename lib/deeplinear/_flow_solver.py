"""Private: the step loop behind :func:`deeplinear.flow.gradient_flow`.

The loop of :func:`scipy.integrate.solve_ivp` (same solver classes, same steps, same event root
finding, same interpolation to ``t_eval``), with three differences:

* it stops when a convergence test passes, after ``max_steps`` steps, or when the state leaves
  ``[-bound, bound]`` (a divergence);
* dense output is computed only on the steps that contain an output time or an event, never on
  every step (``solve_ivp(dense_output=True)`` costs 3 more right-hand-side evaluations per
  DOP853 step);
* the continuous solution (``Trajectory.weights_at``) is rebuilt on demand for the explicit
  Runge-Kutta methods: a step is a deterministic function of its start and its length, so the
  loop keeps each step's start and end and recomputes a step's interpolant (one step and its
  dense output) only where it is asked for. Other methods keep every interpolant.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import (
    BDF,
    DOP853,
    LSODA,
    RK23,
    RK45,
    OdeSolution,
    OdeSolver,
    Radau,
)
from scipy.optimize import brentq

from .errors import InvalidArgumentError

_METHODS = {"RK23": RK23, "RK45": RK45, "DOP853": DOP853, "Radau": Radau, "BDF": BDF, "LSODA": LSODA}
_EPS = np.finfo(float).eps


def solver_class(method: object) -> type:
    """The :class:`scipy.integrate.OdeSolver` subclass named by ``method`` (as in ``solve_ivp``)."""
    if isinstance(method, str) and method in _METHODS:
        return _METHODS[method]
    if isinstance(method, type) and issubclass(method, OdeSolver):
        return method
    raise InvalidArgumentError(f"method must be one of {sorted(_METHODS)} or an OdeSolver subclass, got {method!r:.60}")


def _is_explicit_rk(cls: type) -> bool:
    return issubclass(cls, (RK23, RK45, DOP853))


@dataclass
class Run:
    """What the loop produced: outputs, events, why it stopped, and the continuous solution."""

    t: np.ndarray
    y: np.ndarray  # (n, m)
    t_events: list
    y_events: list
    status: str  # "completed", "terminal", "converged", "max steps", "diverged", "failed"
    message: str
    nfev: int
    t_stop: float
    dense: Any  # callable t -> y (n,) or (n, k), on [t0, t_stop]
    terminal_index: int | None = None


class LazyDense:
    """``sol(t)`` for an explicit Runge-Kutta run, recomputing one step's interpolant on demand.

    Parameters: the solver class and its right-hand side, the step starts ``t_nodes[:-1]`` with
    their states, the end of each step (the last may lie beyond the last node, when a terminal
    event cut it), and the final state (returned beyond the last node: a converged run).
    """

    def __init__(self, cls: type, fun: Callable, nodes: Sequence[float], starts: Sequence[np.ndarray],
                 step_ends: Sequence[float], t_last: float, y_last: np.ndarray, extra: dict | None = None) -> None:
        self.cls, self.fun, self.extra = cls, fun, dict(extra or {})
        self.nodes = np.asarray(nodes, dtype=float)
        self.starts, self.step_ends = list(starts), list(step_ends)
        self.t_last, self.y_last = float(t_last), y_last
        self._cache: OrderedDict = OrderedDict()

    def _segment(self, k: int):
        if k in self._cache:
            self._cache.move_to_end(k)
            return self._cache[k]
        t0, t1 = float(self.nodes[k]), float(self.step_ends[k])
        # huge tolerances: the step is accepted whatever its error (it was accepted before), and a
        # step's result does not depend on the tolerances, only on (t0, y0, t1 - t0)
        solver = self.cls(self.fun, t0, self.starts[k], t1, rtol=1e100, atol=1e100, first_step=t1 - t0, **self.extra)
        solver.h_abs = np.inf  # clipped to t_bound: the step is exactly [t0, t1], as in the run
        solver.step()
        sol = solver.dense_output()
        self._cache[k] = sol
        if len(self._cache) > 256:
            self._cache.popitem(last=False)
        return sol

    def _one(self, t: float) -> np.ndarray:
        if self.nodes.size < 2 or t > self.t_last:
            return self.y_last.copy()
        ind = int(np.searchsorted(self.nodes, t, side="left"))  # the segment choice of OdeSolution
        k = min(max(ind - 1, 0), self.nodes.size - 2)
        return self._segment(k)(t)

    def __call__(self, t):
        arr = np.asarray(t, dtype=float)
        if arr.ndim == 0:
            return self._one(float(arr))
        return np.column_stack([self._one(float(s)) for s in arr.ravel()]) if arr.size else np.empty((self.y_last.size, 0))


@dataclass
class _State:
    """Mutable bookkeeping of the loop."""

    ts: list = field(default_factory=list)
    ys: list = field(default_factory=list)
    nodes: list = field(default_factory=list)  # continuous solution: step boundaries
    starts: list = field(default_factory=list)
    step_ends: list = field(default_factory=list)
    interpolants: list = field(default_factory=list)
    t_eval_i: int = 0


def _events_of_step(events, g, t, y, t_old, sol_of, event_count, max_events, direction, st: "Run"):
    """solve_ivp's event handling for one step; returns (g_new, terminate, t_root, sol)."""
    g_new = [ev(t, y) for ev in events]
    up = (np.asarray(g) <= 0) & (np.asarray(g_new) >= 0)
    down = (np.asarray(g) >= 0) & (np.asarray(g_new) <= 0)
    active = np.nonzero(up & (direction > 0) | down & (direction < 0) | (up | down) & (direction == 0))[0]
    if active.size == 0:
        return g_new, False, None, None
    sol = sol_of()
    event_count[active] += 1
    roots = np.asarray([brentq(lambda s, e=events[i]: e(s, sol(s)), t_old, t, xtol=4 * _EPS, rtol=4 * _EPS) for i in active])
    terminate = False
    if np.any(event_count[active] >= max_events[active]):
        order = np.argsort(roots)
        active, roots = active[order], roots[order]
        first = np.nonzero(event_count[active] >= max_events[active])[0][0]
        active, roots = active[:first + 1], roots[:first + 1]
        terminate = True
    for e, te in zip(active, roots):
        st.t_events[e].append(te)
        st.y_events[e].append(sol(te))
    if terminate:
        st.terminal_index = int(active[-1])
    return g_new, terminate, (float(roots[-1]) if terminate else None), sol


def drive(fun: Callable, t0: float, t1: float, y0: np.ndarray, *, method: object, rtol: float, atol: float,
          max_step: float, t_eval: np.ndarray | None, events: Sequence[Callable] = (),
          converged: Callable[[float, np.ndarray, np.ndarray | None], str | None] | None = None,
          max_steps: int | None = None, bound: float = np.inf, solver_options: dict | None = None) -> Run:
    """Integrate ``y' = fun(t, y)`` on ``[t0, t1]`` (``t0 < t1``) step by step; see the module docstring.

    ``converged(t, y, f)`` is called after every step with ``f = fun(t, y)`` when the solver has
    it (explicit Runge-Kutta), else ``None``; it returns a message when the run has converged.
    """
    # long: one loop mirrors solve_ivp's (events, t_eval, dense output) and adds the stopping rules
    cls = solver_class(method)
    extra = dict(solver_options or {})
    solver = cls(fun, t0, y0, t1, rtol=rtol, atol=atol, max_step=max_step, **extra)
    lazy = _is_explicit_rk(cls)
    st = _State()
    run = Run(np.empty(0), np.empty((y0.size, 0)), [[] for _ in events], [[] for _ in events], "running", "", 0, t0, None)
    if t_eval is None:
        st.ts.append(t0)
        st.ys.append(y0)
    st.nodes.append(t0)
    if events:
        max_events = np.array([1 if ev.terminal is True else (np.inf if not ev.terminal else int(ev.terminal)) for ev in events], dtype=float)
        direction = np.array([float(ev.direction) for ev in events])
        event_count = np.zeros(len(events))
        g = [ev(t0, y0) for ev in events]
    steps = 0
    t, y = t0, y0
    while run.status == "running":
        y_start = solver.y
        message = solver.step()
        if solver.status == "failed":
            run.status, run.message = "failed", str(message)
            break
        steps += 1
        t_old, t, y = solver.t_old, solver.t, solver.y
        step_end = t
        sol = solver.dense_output() if not lazy else None
        if sol is not None:
            st.interpolants.append(sol)

        def sol_of():
            nonlocal sol
            if sol is None:
                sol = solver.dense_output()
            return sol

        if events:
            g, terminate, t_root, _ = _events_of_step(events, g, t, y, t_old, sol_of, event_count, max_events, direction, run)
            if terminate:
                run.status, run.message = "terminal", "A termination event occurred."
                t, y = t_root, sol_of()(t_root)
        if run.status == "running":
            if solver.status == "finished":
                run.status, run.message = "completed", "The solver successfully reached the end of the integration interval."
            elif bound < np.inf and np.max(np.abs(y)) > bound:
                run.status, run.message = "diverged", f"a weight entry left [-{bound:g}, {bound:g}] at t = {t:.6g}"
            elif converged is not None:
                why = converged(t, y, solver.f if lazy else None)
                if why:
                    run.status, run.message = "converged", why
            if run.status == "running" and max_steps is not None and steps >= max_steps:
                run.status, run.message = "max steps", f"stopped after max_steps = {max_steps} steps at t = {t:.6g}"
        if t <= st.nodes[-1]:
            # a step that did not advance: LSODA's last steps before a finite-time singularity
            # are a few ulps long, and a step may end where the previous one did (a failure: the
            # step size underflowed), or a terminal event's root lands on the step's start (the
            # root finder's tolerance is absolute). The step adds no segment and no output: the
            # run ends at the last node.
            if run.status == "running":
                run.status, run.message = "failed", f"the step size underflowed at t = {st.nodes[-1]:.17g}"
            t, y = st.nodes[-1], y_start
            if not lazy:
                st.interpolants.pop()
            break
        # outputs
        if t_eval is None:
            st.ts.append(t)
            st.ys.append(y)
        else:
            new_i = int(np.searchsorted(t_eval, t, side="right"))
            step_times = t_eval[st.t_eval_i:new_i]
            if step_times.size:
                st.ts.append(step_times)
                st.ys.append(sol_of()(step_times))
                st.t_eval_i = new_i
        st.starts.append(y_start)
        st.step_ends.append(step_end)
        st.nodes.append(t)
    run.nfev, run.t_stop = int(solver.nfev), float(t)
    if run.status == "converged" and t_eval is not None and st.t_eval_i < t_eval.size:
        rest = t_eval[st.t_eval_i:]  # the flow has converged: later requested times hold the final state
        st.ts.append(rest)
        st.ys.append(np.repeat(y[:, None], rest.size, axis=1))
    if t_eval is None:
        run.t, run.y = np.array(st.ts, dtype=float), np.vstack(st.ys).T
    elif st.ts:
        run.t, run.y = np.hstack(st.ts).astype(float), np.hstack(st.ys)
    run.t_events = [np.asarray(v, dtype=float) for v in run.t_events]
    run.dense = _continuous(cls, fun, st, lazy, t, y, extra)
    return run


def _continuous(cls: type, fun: Callable, st: _State, lazy: bool, t_last: float, y_last: np.ndarray, extra: dict):
    """The continuous solution of a run, or None if it made no step."""
    if len(st.nodes) < 2:
        return None
    if lazy:
        return LazyDense(cls, fun, st.nodes, st.starts, st.step_ends, t_last, y_last, extra)
    try:
        sol = OdeSolution(st.nodes, st.interpolants, alt_segment=cls in (BDF, LSODA))
    except TypeError:  # scipy < 1.11 has no alt_segment
        sol = OdeSolution(st.nodes, st.interpolants)
    return _ClampedSolution(sol, t_last, y_last)


class _ClampedSolution:
    """An :class:`~scipy.integrate.OdeSolution` that returns the final state beyond its last node."""

    def __init__(self, sol: OdeSolution, t_last: float, y_last: np.ndarray) -> None:
        self.sol, self.t_last, self.y_last = sol, t_last, y_last

    def __call__(self, t):
        arr = np.asarray(t, dtype=float)
        if np.all(arr <= self.t_last):
            return self.sol(t)
        if arr.ndim == 0:
            return self.y_last.copy()
        out = self.sol(np.minimum(arr.ravel(), self.t_last))
        out[:, arr.ravel() > self.t_last] = self.y_last[:, None]
        return out
