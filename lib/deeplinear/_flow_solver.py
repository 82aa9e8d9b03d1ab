"""Private: the step loops behind :func:`deeplinear.flow.gradient_flow`.

Which loop runs (one rule): ``method`` ``"DOP853"`` or ``"RK45"`` (the name, or scipy's class
itself), no ``solver_options``, ``rtol >= 100 eps``, no ``t_eval`` or at most a quarter as many
output times as the fewest steps the step cap allows (``4 len(t_eval) <= (t1 - t0) / max_step``),
and no other compiled run in progress -> **the compiled loop**; anything else (other methods,
subclasses, options, dense output times) -> **the Python loop**. The output-time condition is
a cost rule: in the compiled loop a step that holds an output time is recomputed with its dense
output (16 evaluations and scipy's Python overhead, about four ordinary steps), in the Python
loop it costs 3 evaluations; the compiled loop is the cheaper while at most about a quarter of
the steps hold an output time.

* The compiled loop runs Hairer's DOP853 (or DOPRI5) through :class:`scipy.integrate.ode`, with
  a ``solout`` callback after every accepted step. Per right-hand-side evaluation it adds
  about 0.7 us (0.15 of it the Python guard around the right-hand side), against about 5 us
  for scipy's Python steppers (width 10, depth 4, where the right-hand side costs 4.1 us): on
  the flows of the book the right-hand side is most of the cost. Same Butcher tableaux as scipy's
  ``DOP853``/``RK45``; Hairer's step-size controller differs in detail from scipy's port (a
  few per cent more or fewer steps). Its stiffness test is switched off (it would stop flows
  whose steps sit on the stability limit, as the step cap lets them) and its messages are
  silenced; its failures become the status ``"failed"``. scipy's ``dop853`` keeps global state
  (not re-entrant): a lock makes a run started while one is in progress (from an event, or
  another thread) take the Python loop. An exception raised in a callback is kept and raised
  when the compiled code returns (the right-hand side then returns NaN, so the solver gives up).
* The Python loop is :func:`scipy.integrate.solve_ivp`'s (same solver classes, same steps,
  same event root finding, same interpolation to ``t_eval``).

Both add to ``solve_ivp``:

* a stop when a convergence test passes, after ``max_steps`` steps, or when the state leaves
  ``[-bound, bound]`` (a divergence);
* dense output only on the steps that contain an output time or an event, never on every step
  (``solve_ivp(dense_output=True)`` costs 3 more right-hand-side evaluations per DOP853 step);
* the continuous solution (``Trajectory.weights_at``) rebuilt on demand for the explicit
  Runge-Kutta methods: a step is a deterministic function of its start and its length, so the
  loop keeps each step's start and end and recomputes a step's interpolant (one step of scipy's
  solver class and its dense output; for a compiled step it ends where Hairer's did, to
  rounding) only where it is asked for. Other methods keep every interpolant. In the compiled
  loop the output times and events use such a recomputed step too (16 evaluations per step
  that holds an output time, counted in ``nfev``).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    ode,
)
from scipy.optimize import brentq

from .errors import InvalidArgumentError

_METHODS = {"RK23": RK23, "RK45": RK45, "DOP853": DOP853, "Radau": Radau, "BDF": BDF, "LSODA": LSODA}
_EPS = np.finfo(float).eps
#: The methods run by Hairer's compiled codes through scipy.integrate.ode (module docstring).
_COMPILED = {DOP853: "dop853", RK45: "dopri5"}
#: Held while a compiled run is in progress: scipy's dop853/dopri5 are not re-entrant.
_COMPILED_LOCK = threading.Lock()


def solver_class(method: object) -> type:
    """The :class:`scipy.integrate.OdeSolver` subclass named by ``method`` (as in ``solve_ivp``)."""
    if isinstance(method, str) and method in _METHODS:
        return _METHODS[method]
    if isinstance(method, type) and issubclass(method, OdeSolver):
        return method
    raise InvalidArgumentError(f"method must be one of {sorted(_METHODS)} or an OdeSolver subclass, got {method!r:.60}")


def _is_explicit_rk(cls: type) -> bool:
    return issubclass(cls, (RK23, RK45, DOP853))


def _recomputed_step(cls: type, fun: Callable, t0: float, y0: np.ndarray, t1: float, extra: dict) -> OdeSolver:
    """A solver of class ``cls`` that has made the one step ``[t0, t1]`` from ``y0`` (its dense output is that step's)."""
    # huge tolerances: the step is accepted whatever its error (it was accepted before), and a
    # step's result does not depend on the tolerances, only on (t0, y0, t1 - t0)
    solver = cls(fun, t0, y0, t1, rtol=1e100, atol=1e100, first_step=t1 - t0, **extra)
    solver.h_abs = np.inf  # clipped to t_bound: the step is exactly [t0, t1], as in the run
    solver.step()
    return solver


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
        solver = _recomputed_step(self.cls, self.fun, float(self.nodes[k]), self.starts[k], float(self.step_ends[k]), self.extra)
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


class _Loop:
    """The bookkeeping of a run after each accepted step (shared by both step loops): events,
    stopping rules, outputs and the step boundaries of the continuous solution."""

    def __init__(self, t0: float, y0: np.ndarray, t_eval: np.ndarray | None, events: Sequence[Callable],
                 converged: Callable | None, max_steps: int | None, bound: float) -> None:
        self.t_eval, self.events, self.converged, self.max_steps, self.bound = t_eval, events, converged, max_steps, bound
        self.ts, self.ys = ([], []) if t_eval is not None else ([t0], [y0])
        self.nodes, self.starts, self.step_ends = [t0], [], []  # continuous solution: step boundaries
        self.t_eval_i = self.steps = 0
        self.t, self.y = t0, y0
        self.run = Run(np.empty(0), np.empty((y0.size, 0)), [[] for _ in events], [[] for _ in events], "running", "", 0, t0, None)
        if events:
            self.max_events = np.array([1 if ev.terminal is True else (np.inf if not ev.terminal else int(ev.terminal))
                                        for ev in events], dtype=float)
            self.direction = np.array([float(ev.direction) for ev in events])
            self.event_count = np.zeros(len(events))
            self.g = [ev(t0, y0) for ev in events]

    @property
    def running(self) -> bool:
        return self.run.status == "running"

    def stop(self, status: str, message: str) -> None:
        self.run.status, self.run.message = status, message

    def after_step(self, t_old: float, t: float, y: np.ndarray, y_start: np.ndarray, sol_of: Callable,
                   f_of: Callable, finished: bool) -> bool:
        """Record the step ``[t_old, t]`` from ``y_start`` to ``y``; True if it added a segment.

        ``sol_of()`` gives the step's interpolant, ``f_of()`` the right-hand side at ``(t, y)``
        or None; ``finished``: the step reached the end of the interval.
        """
        # long: solve_ivp's order of checks (events, end, divergence, convergence, step budget, outputs)
        run, step_end = self.run, t
        self.steps += 1
        if self.events:
            self.g, terminate, t_root, _ = _events_of_step(self.events, self.g, t, y, t_old, sol_of, self.event_count,
                                                           self.max_events, self.direction, run)
            if terminate:
                self.stop("terminal", "A termination event occurred.")
                t, y = t_root, sol_of()(t_root)
        if self.running:
            if finished:
                self.stop("completed", "The solver successfully reached the end of the integration interval.")
            elif self.bound < np.inf and np.max(np.abs(y)) > self.bound:
                self.stop("diverged", f"a weight entry left [-{self.bound:g}, {self.bound:g}] at t = {t:.6g}")
            elif self.converged is not None:
                why = self.converged(t, y, f_of())
                if why:
                    self.stop("converged", why)
            if self.running and self.max_steps is not None and self.steps >= self.max_steps:
                self.stop("max steps", f"stopped after max_steps = {self.max_steps} steps at t = {t:.6g}")
        if t <= self.nodes[-1]:
            # a step that did not advance: LSODA's last steps before a finite-time singularity
            # are a few ulps long, and a step may end where the previous one did (a failure: the
            # step size underflowed), or a terminal event's root lands on the step's start (the
            # root finder's tolerance is absolute). The step adds no segment and no output: the
            # run ends at the last node.
            if self.running:
                self.stop("failed", f"the step size underflowed at t = {self.nodes[-1]:.17g}")
            self.t, self.y = self.nodes[-1], y_start
            return False
        if self.t_eval is None:
            self.ts.append(t)
            self.ys.append(y)
        elif self.t_eval_i < self.t_eval.size and self.t_eval[self.t_eval_i] <= t:  # the step holds an output time
            new_i = int(np.searchsorted(self.t_eval, t, side="right"))
            self.ts.append(self.t_eval[self.t_eval_i:new_i])
            self.ys.append(sol_of()(self.ts[-1]))
            self.t_eval_i = new_i
        self.starts.append(y_start)
        self.step_ends.append(step_end)
        self.nodes.append(t)
        self.t, self.y = t, y
        return True

    def finish(self, nfev: int, dense: Callable[[], Any]) -> Run:
        """The :class:`Run`; ``dense()`` builds the continuous solution (called if a step was made)."""
        run, t, y, t_eval = self.run, self.t, self.y, self.t_eval
        run.nfev, run.t_stop = int(nfev), float(t)
        if run.status == "converged" and t_eval is not None and self.t_eval_i < t_eval.size:
            rest = t_eval[self.t_eval_i:]  # the flow has converged: later requested times hold the final state
            self.ts.append(rest)
            self.ys.append(np.repeat(y[:, None], rest.size, axis=1))
        if t_eval is None:
            run.t, run.y = np.array(self.ts, dtype=float), np.vstack(self.ys).T
        elif self.ts:
            run.t, run.y = np.hstack(self.ts).astype(float), np.hstack(self.ys)
        run.t_events = [np.asarray(v, dtype=float) for v in run.t_events]
        run.dense = dense() if len(self.nodes) >= 2 else None
        return run


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
          max_steps: int | None = None, bound: float = np.inf, solver_options: dict | None = None,
          fast_fun: Callable | None = None, last_value: Callable | None = None) -> Run:
    """Integrate ``y' = fun(t, y)`` on ``[t0, t1]`` (``t0 < t1``) step by step; see the module docstring.

    ``converged(t, y, f)`` is called after every step with ``f = fun(t, y)`` when the solver has
    it (explicit Runge-Kutta), else ``None``; it returns a message when the run has converged.
    For the compiled solvers, ``fast_fun`` (default ``fun``) may return a buffer that it
    overwrites on the next call, and ``last_value(y)`` gives ``fun(t, y)`` if the last
    evaluation was at ``y``, else None.
    """
    cls = solver_class(method)
    loop = _Loop(t0, y0, t_eval, events, converged, max_steps, bound)
    if _compiled_pays(cls, solver_options, rtol, t0, t1, max_step, t_eval) and _COMPILED_LOCK.acquire(blocking=False):
        try:
            nfev = _run_compiled(loop, cls, fun, t0, t1, y0, rtol, atol, max_step, fast_fun or fun, last_value)
        finally:
            _COMPILED_LOCK.release()
        return loop.finish(nfev, lambda: LazyDense(cls, fun, loop.nodes, loop.starts, loop.step_ends, loop.t, loop.y))
    extra = dict(solver_options or {})
    solver = cls(fun, t0, y0, t1, rtol=rtol, atol=atol, max_step=max_step, **extra)
    lazy = _is_explicit_rk(cls)
    interpolants = []
    while loop.running:
        y_start = solver.y
        message = solver.step()
        if solver.status == "failed":
            loop.stop("failed", str(message))
            break
        sol = solver.dense_output() if not lazy else None

        def sol_of():
            nonlocal sol
            if sol is None:
                sol = solver.dense_output()
            return sol

        added = loop.after_step(solver.t_old, solver.t, solver.y, y_start, sol_of,
                                lambda: solver.f if lazy else None, solver.status == "finished")
        if added and not lazy:
            interpolants.append(sol)
    return loop.finish(solver.nfev, lambda: _continuous(cls, fun, loop, interpolants, extra))


def _compiled_pays(cls: type, solver_options: dict | None, rtol: float, t0: float, t1: float, max_step: float,
                   t_eval: np.ndarray | None) -> bool:
    """The module docstring's rule: may the compiled loop run this problem, and is it the cheaper one?"""
    if cls not in _COMPILED or solver_options or rtol < 100 * _EPS:
        return False
    # a step holding an output time is recomputed (16 evaluations, against 3 in the Python loop):
    # the compiled loop pays when at most a quarter of the steps hold one, which the step cap
    # guarantees when there are at most a quarter as many output times as its fewest steps
    return t_eval is None or 4 * t_eval.size <= (t1 - t0) / max_step


class _Failure:
    """The evaluations made by the compiled solver, and an exception raised inside one of its
    callbacks, kept to be raised after it returns."""

    nfev: int = 0
    error: BaseException | None = None


def _guarded(fun: Callable, failure: _Failure, n: int) -> Callable:
    """``fun`` for the compiled solver, counting its calls: an exception is kept and NaN returned
    (the solver then shrinks its step until it gives up), since the compiled code cannot stop
    on a Python exception."""
    nan = np.full(n, np.nan)

    def f(t, y):
        failure.nfev += 1
        if failure.error is None:
            try:
                return fun(t, y)
            except BaseException as exc:  # noqa: BLE001 -- re-raised after the solver returns
                failure.error = exc
        return nan

    return f


def _run_compiled(loop: _Loop, cls: type, fun: Callable, t0: float, t1: float, y0: np.ndarray, rtol: float,
                  atol: float, max_step: float, fast_fun: Callable, last_value: Callable | None) -> int:
    """Run Hairer's DOP853 (or DOPRI5) in :class:`scipy.integrate.ode`, recording each accepted
    step in ``loop`` through ``solout``; returns the number of right-hand-side evaluations."""
    # long: the solout callback holds the per-step bookkeeping of the compiled run
    failure, extra_nfev = _Failure(), [0]
    state = {"t": t0, "y": y0, "started": False}
    tiny = 4 * _EPS * max(1.0, abs(t1))

    def step_of(t_old, y_start, t_end):
        def sol_of():
            if state.get("sol") is None:
                solver = _recomputed_step(cls, fun, t_old, y_start, t_end, {})
                state["sol"] = solver.dense_output()
                extra_nfev[0] += solver.nfev  # the step, and DOP853's 3 extra stages of its dense output
            return state["sol"]
        return sol_of

    def solout(t, y):
        if not state["started"]:  # the first call is at (t0, y0)
            state["started"] = True
            return 0
        try:
            y = y.copy()  # the solver's own array, overwritten by the next step
            finished = t1 - t <= tiny
            if finished:
                t = t1  # the last step is h = t1 - t_old, which may end an ulp away from t1
            t_old, y_start = state["t"], state["y"]
            state["t"], state["y"], state["sol"] = t, y, None
            f_of = (lambda: last_value(y)) if last_value is not None else (lambda: None)
            loop.after_step(t_old, t, y, y_start, step_of(t_old, y_start, t), f_of, finished)
            return 0 if loop.running else -1
        except BaseException as exc:  # noqa: BLE001 -- re-raised after the solver returns
            failure.error = exc
            return -1

    r = ode(_guarded(fast_fun, failure, y0.size))
    r.set_integrator(_COMPILED[cls], rtol=rtol, atol=atol, nsteps=2**31 - 1,
                     max_step=0.0 if max_step == np.inf else max_step, verbosity=-1)
    r.set_solout(solout)
    r.set_initial_value(y0, t0)
    iwork = getattr(r._integrator, "iwork", None)
    if iwork is not None and iwork.size > 3:
        iwork[3] = -1  # no stiffness test: Hairer's code would stop a flow whose steps sit on the stability limit
    with warnings.catch_warnings():  # failures are reported in the run's status and message
        warnings.filterwarnings("ignore", message=r"(dop853|dopri5): ", category=UserWarning)
        r.integrate(t1)
    if failure.error is not None:
        raise failure.error
    code = r.get_return_code()
    if code < 0 and loop.running:
        why = {-1: "the input is not consistent", -2: "the step budget of the solver ran out",
               -3: "the step size became too small", -4: "the problem is probably stiff"}.get(code, f"code {code}")
        loop.stop("failed", f"{why} at t = {r.t:.17g} ({_COMPILED[cls]} returned {code})")
    elif loop.running:  # the solver reached t1 without reporting a last step (cannot happen: solout sees every step)
        loop.stop("completed", "The solver successfully reached the end of the integration interval.")
    return failure.nfev + extra_nfev[0]


def _continuous(cls: type, fun: Callable, loop: _Loop, interpolants: list, extra: dict):
    """The continuous solution of a run that made at least one step."""
    if _is_explicit_rk(cls):
        return LazyDense(cls, fun, loop.nodes, loop.starts, loop.step_ends, loop.t, loop.y, extra)
    try:
        sol = OdeSolution(loop.nodes, interpolants, alt_segment=cls in (BDF, LSODA))
    except TypeError:  # scipy < 1.11 has no alt_segment
        sol = OdeSolution(loop.nodes, interpolants)
    return _ClampedSolution(sol, loop.t, loop.y)


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
