r"""Integrating the gradient flow of the layers (the adjacency form is in
:mod:`deeplinear.adjacency_flow`).

Layer-wise:

.. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top, \qquad j = 1, \dots, h,

computed by back-propagation (``h - 1`` forward products, ``2h - 2`` backward ones) and
integrated with :func:`scipy.integrate.solve_ivp` with dense output.

The solution is a :class:`~deeplinear.trajectory.Trajectory`; the induced flow of the end-to-end map is in
:mod:`deeplinear.product_flow`. :func:`tolerance_study` and :func:`flow_scrub_prepare` compute
what the chapter's tolerance figure and explorer draw.

Two public constants hold the default tolerances of :func:`gradient_flow` (and of
:func:`deeplinear.adjacency_flow.gradient_flow_adjacency`): ``DEFAULT_RTOL = 1e-10``, the
relative tolerance, and ``DEFAULT_ATOL = 1e-14``, the absolute tolerance, both passed to
:func:`scipy.integrate.solve_ivp`; the next section explains the choice.

Why the default tolerances are tight
------------------------------------
The book's flows start near the saddle at the origin with weights of size ``1e-3`` or smaller
and pass close to several saddles before converging. Near a saddle an error in the small,
unstable components shifts every later transition in time, and an absolute error comparable
to those components corrupts them outright. So the defaults are ``method="DOP853"`` (an
8th-order explicit Runge-Kutta method, efficient at tight tolerances; implicit methods were
6-50x slower on a width-10, depth-4 flow, because their Jacobians are built by finite
differences), ``rtol=1e-10``
and ``atol=1e-14`` (far below the smallest weights used in the book, ``1e-3`` per weight, so
the error control is relative for every component that matters), and a step cap
``max_step="auto"`` explained below. Evidence, measured against the exact mode solutions of
:mod:`deeplinear.modes` (tests in ``tests/lib/test_flow.py``):

* incremental learning (digest claim 27; ``Sigma = diag(3, 2, 1)``, ``h = 2``,
  ``u0 = 1e-6``): the loss matches the closed form to ``1.2e-9`` on ``[0, 14]``, through all
  three transitions (``rtol=1e-6``: ``1.4e-5``);
* a deep flow through a long plateau (``h = 3``, aligned, ``a0 = 0.05``, ``t`` in
  ``[0, 40]``): error ``3.5e-9`` (``rtol=1e-8``: ``6.8e-7``; ``rtol=1e-6``: ``6.7e-3``,
  wrong in the third digit; no step cap: ``3.1e-8``);
* conservation (digest claim 4, ``d = (3, 4, 2, 3)``, ``[0, 20]``): relative drift of the
  :math:`C_i` ``2.5e-13``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._flow_events import _build_events, _EventSet, _parse_events
from ._flow_solver import drive, solver_class
from ._validation import as_depth, as_int, as_positive, as_time_span, as_weights, check_sigma, widths_of
from ._validation import frozen_array as _frozen
from .curvature import _hvp
from .init import aligned_init, random_init
from .invariants import _conserved_unchecked, conserved_drift
from .losses import EndToEndLoss, _as_loss
from .modes import mode_loss
from .trajectory import Event, Trajectory, _Packer

__all__ = [
    "gradient_flow",
    "DEFAULT_RTOL",
    "DEFAULT_ATOL",
    "DEFAULT_STOP_TOL",
    "DEFAULT_MAX_STEPS",
    "DIVERGENCE_BOUND",
    "ToleranceStudy",
    "tolerance_study",
    "ScrubbedFlow",
    "flow_scrub_prepare",
]

DEFAULT_RTOL = 1e-10
DEFAULT_ATOL = 1e-14
DEFAULT_STOP_TOL = 1e-12
DEFAULT_MAX_STEPS = 100_000
DIVERGENCE_BOUND = 1e100


# --------------------------------------------------------------------------- right-hand side


def _make_rhs(
    packer: _Packer,
    Sigma: np.ndarray | None,
    residual: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Callable[[float, np.ndarray], np.ndarray]:
    """``-grad L`` by back-propagation (``h - 1`` forward and ``2h - 2`` backward products).

    The residual is ``Sigma - P`` for the quadratic loss, else ``residual(P) = -grad ell(P)``.
    """
    spec = [(int(packer.offsets[i]), int(packer.offsets[i + 1]), packer.shapes[i]) for i in range(len(packer.shapes))]
    rev = spec[:0:-1]
    a0, b0 = spec[0][0], spec[0][1]

    # ndarray.dot rather than @: for the small matrices of the book the call overhead dominates,
    # and the method call is about half the cost of the operator (numpy 2.x).
    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        W = [y[a:b].reshape(s) for a, b, s in spec]
        pre = [W[0]]
        for M in W[1:]:
            pre.append(M.dot(pre[-1]))
        P = pre.pop()
        B = Sigma - P if residual is None else residual(P)  # W_{j+1:h}^T (Sigma - P), from j = h down
        out = np.empty_like(y)
        for (a, b, _), M, Pm in zip(rev, W[:0:-1], pre[::-1]):
            out[a:b] = B.dot(Pm.T).ravel()
            B = M.T.dot(B)
        out[a0:b0] = B.ravel()
        return out

    return rhs

# --------------------------------------------------------------------------- main integrator


def _hessian_norm_estimate(W: Sequence[np.ndarray], S: np.ndarray, iterations: int = 20) -> float:
    """``|lambda|_max`` of the loss Hessian at ``W`` by a few power iterations (deterministic start)."""
    rng = np.random.default_rng(0)
    V = [rng.standard_normal(w.shape) for w in W]
    lam = 0.0
    for _ in range(iterations):
        nrm = np.sqrt(sum(float(np.sum(v * v)) for v in V))
        if nrm == 0.0 or not np.isfinite(nrm):
            break
        V = [v / nrm for v in V]
        HV = _hvp(W, S, V)
        lam = np.sqrt(sum(float(np.sum(v * v)) for v in HV))
        V = HV
    return float(lam)


def _max_step(max_step: object, W: Sequence[np.ndarray], S: np.ndarray | None) -> float:
    if isinstance(max_step, str):
        if max_step != "auto":
            raise ValueError(f"max_step must be a positive number, np.inf or 'auto', got {max_step!r}")
        h = len(W)
        with np.errstate(all="ignore"):
            if S is not None:
                lam = max(h * np.float64(np.linalg.norm(S, 2)) ** (2.0 - 2.0 / h), 1.2 * _hessian_norm_estimate(W, S))
            else:  # general loss: a Gauss-Newton bound at the start
                norms = np.array([np.linalg.norm(w, 2) for w in W])
                lam = sum(np.prod(norms[:j]) ** 2 * np.prod(norms[j + 1:]) ** 2 for j in range(h))
        # no cap if there is no curvature scale or it overflows (the solver then reports any failure)
        return 4.0 / float(lam) if np.isfinite(lam) and lam > 0 else np.inf
    if isinstance(max_step, (int, float, np.floating, np.integer)) and not isinstance(max_step, bool) and max_step == np.inf:
        return np.inf
    return as_positive(max_step, "max_step")


def _check_t_eval(t_eval: object, t0: float, t1: float) -> np.ndarray | None:
    if t_eval is None:
        return None
    te = np.asarray(t_eval, dtype=float)
    if te.ndim != 1 or te.size == 0:
        raise ValueError(f"t_eval must be a non-empty 1-D array of times, got shape {te.shape}")
    if not np.all(np.isfinite(te)):
        raise ValueError(f"t_eval must be finite, got {t_eval!r:.80}")
    if np.any(np.diff(te) < 0):
        raise ValueError("t_eval must be sorted in increasing order")
    if te[0] < t0 or te[-1] > t1:
        raise ValueError(f"t_eval must lie within t_span = ({t0}, {t1}), got [{te[0]}, {te[-1]}]")
    return te

# --------------------------------------------------------------------------- gradient_flow: the problem


class _QuadraticLoss:
    """The loss :math:`\\tfrac12\\lVert\\Sigma - P\\rVert_F^2` of the end-to-end map, as a loss object."""

    def __init__(self, S: np.ndarray) -> None:
        self.S = S
        self.shape = S.shape

    def value(self, P: np.ndarray) -> float:
        R = self.S - P
        return 0.5 * float(np.sum(R * R))

    def gradient(self, P: np.ndarray) -> np.ndarray:
        return P - self.S


@dataclass(frozen=True)
class _FlowProblem:
    """The checked arguments of :func:`gradient_flow`."""

    W0: list
    widths: tuple
    t0: float
    t1: float
    t_eval: np.ndarray | None
    rtol: float
    atol: float
    ell: Any  # the loss object of the end-to-end map
    Sigma: np.ndarray | None  # None for an end_to_end_loss
    max_step: float

    @classmethod
    def parse(cls, weights0, Sigma, t_span, t_eval, rtol, atol, end_to_end_loss, max_step) -> "_FlowProblem":
        """Validate in the order the errors are reported: weights, times, tolerances, loss, step cap."""
        W0 = as_weights(weights0, "weights0")
        d = widths_of(W0)
        t0, t1 = as_time_span(t_span)
        te = _check_t_eval(t_eval, t0, t1)
        rtol = as_positive(rtol, "rtol")
        atol = as_positive(atol, "atol")
        S = None
        if end_to_end_loss is not None:
            if Sigma is not None:
                raise ValueError("pass either Sigma (quadratic loss) or end_to_end_loss, not both")
            ell = _as_loss(end_to_end_loss, (d[-1], d[0]))
        else:
            if Sigma is None:
                raise ValueError("Sigma is required (or pass end_to_end_loss=...)")
            S = check_sigma(Sigma, d)
            ell = _QuadraticLoss(S)
        return cls(W0, d, t0, t1, te, rtol, atol, ell, S, _max_step(max_step, W0, S))


class _FlowFunctions:
    """The right-hand side on the flat state (remembering its last value), the loss, and (loss,
    squared gradient norm) for the events.

    An explicit Runge-Kutta step ends with an evaluation at its new state, the state the events
    are then evaluated at: ``loss_and_gnorm2`` reuses that evaluation instead of making another.
    """

    def __init__(self, problem: _FlowProblem) -> None:
        self.ell = problem.ell
        self.packer = _Packer([w.shape for w in problem.W0])
        if problem.Sigma is not None:
            self.raw_rhs = _make_rhs(self.packer, problem.Sigma)
        else:
            self.raw_rhs = _make_rhs(self.packer, None, lambda P: -problem.ell.gradient(P))
        self.y0 = self.packer.pack(problem.W0)
        self._last: tuple = (None, None)

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        out = self.raw_rhs(t, y)
        self._last = (y, out)
        return out

    def loss_of(self, y: np.ndarray) -> float:
        W = self.packer.unpack(y)
        P = W[0]
        for M in W[1:]:
            P = M @ P
        return float(self.ell.value(P))

    def loss_and_gnorm2(self, t: float, y: np.ndarray) -> tuple[float, float]:
        last_y, g = self._last
        if last_y is not y:
            g = self.raw_rhs(t, y)
        return self.loss_of(y), float(g @ g)


# --------------------------------------------------------------------------- gradient_flow: stopping


def _quadratic_stop(problem: _FlowProblem, fns: _FlowFunctions, stop_tol: float | None):
    """The default convergence test of the quadratic loss, or None (see ``stop_tol`` in :func:`gradient_flow`)."""
    if stop_tol is None or problem.Sigma is None:
        return None
    S, d = problem.Sigma, problem.widths
    h = len(d) - 1
    s = np.linalg.svd(S, compute_uv=False)
    L_star = 0.5 * float(np.sum(s[min(d):] ** 2))  # the global minimum: rank at most min(d)
    scale = float(np.linalg.norm(S)) or 1.0
    gap_tol = stop_tol * scale**2
    grad_tol = stop_tol * scale ** ((2.0 * h - 1.0) / h)

    def converged(t: float, y: np.ndarray, f: np.ndarray | None) -> str | None:
        if f is None:  # no free gradient from the solver: the cheaper loss test first
            L = fns.loss_of(y)
            if not L - L_star <= gap_tol:
                return None
            f = fns.raw_rhs(t, y)
        g = float(np.sqrt(f @ f))
        if not g <= grad_tol:
            return None
        L = fns.loss_of(y)
        if not L - L_star <= gap_tol:  # a saddle: the gradient is small there too
            return None
        return (f"converged at t = {t:.6g}: loss {L:.3g} within {gap_tol:.2g} of the global minimum {L_star:.3g}, "
                f"gradient norm {g:.2g} <= {grad_tol:.2g} (stop_tol = {stop_tol:g})")

    return converged


# --------------------------------------------------------------------------- gradient_flow: integration


@dataclass
class _RawRun:
    """The run cut to finite states: times, flat states, continuous solution, status."""

    t: np.ndarray
    y: np.ndarray
    solution: Any
    nfev: int
    event_times: dict
    status: str
    message: str
    t_stop: float


def _solve(problem: _FlowProblem, fns: _FlowFunctions, evset: _EventSet, method: object, stop, max_steps):
    """The step loop, with a readable error for a blow-up within one step."""
    with np.errstate(all="ignore"):  # overflow shows up as a failed step, reported below
        try:
            return drive(fns.rhs, problem.t0, problem.t1, fns.y0, method=method, rtol=problem.rtol, atol=problem.atol,
                         max_step=problem.max_step, t_eval=problem.t_eval, events=evset.functions, converged=stop,
                         max_steps=max_steps, bound=DIVERGENCE_BOUND)
        except ValueError as err:  # the event root finder on a step that overflowed
            if "different signs" not in str(err) and "f(a) and f(b)" not in str(err):
                raise
            raise FloatingPointError(
                f"gradient_flow: the {method} solver stopped with {err!r}; the solution probably blows up "
                "within one step: lower the blow-up bound, or use the default method"
            ) from err


def _terminal_status(run: _RawRun, res, evset: _EventSet, fns: _FlowFunctions) -> None:
    """Status and message after a terminal event; appends the event's state if past the last output."""
    idx = res.terminal_index
    t_end = float(res.t_events[idx][-1])
    y_end = res.y_events[idx][-1]
    kind = evset.kinds[idx]
    if kind == "convergence":
        run.status = "converged"
        run.message = f"converged at t = {t_end:.6g} (loss {fns.loss_of(y_end):.3g})"
    elif kind == "blowup":
        run.status = "blowup"
        run.message = f"blow-up at t = {t_end:.6g}: a weight norm reached the bound"
    else:
        run.status = "event"
        run.message = f"terminal event {evset.names[idx]!r} at t = {t_end:.6g}"
    if run.t.size == 0 or run.t[-1] < t_end:
        run.t = np.append(run.t, t_end)
        run.y = np.column_stack([run.y, y_end]) if run.y.size else y_end[:, None]


def _failure_status(run: _RawRun, message: str, fns: _FlowFunctions, W0: list) -> None:
    """Status and message after a failed step: a finite-time blow-up if the norm grew a lot, else a failure."""
    run.status = "failed"
    run.message = f"integration failed: {message}"
    if run.t.size:
        # a finite-time blow-up: the step size underflows before the norm reaches a
        # large bound (the time to the singularity drops below the spacing of floats)
        start = max(float(np.linalg.norm(w)) for w in W0)
        end = max(float(np.linalg.norm(w)) for w in fns.packer.unpack(run.y[:, -1]))
        if np.isfinite(end) and end > 100.0 * max(start, 1.0):
            run.status = "blowup"
            run.message = (f"blow-up near t = {run.t[-1]:.6g}: the weight norm grew from {start:.3g} to "
                           f"{end:.3g} and the step size underflowed ({message})")


def _integrate(problem: _FlowProblem, fns: _FlowFunctions, evset: _EventSet, method: object, stop, max_steps) -> _RawRun:
    """Integrate, record the events, and cut the run at its first non-finite state."""
    res = _solve(problem, fns, evset, method, stop, max_steps)
    ev_times = {}
    for k, n in enumerate(evset.names):
        ev_times[n] = np.concatenate([np.array(evset.initial_records.get(n, []), dtype=float), res.t_events[k]])
    run = _RawRun(res.t, res.y, res.dense, res.nfev, ev_times, "completed", f"integrated to t = {problem.t1:g}", res.t_stop)
    if res.status == "terminal":
        _terminal_status(run, res, evset, fns)
    elif res.status == "failed":
        _failure_status(run, res.message, fns, problem.W0)
    elif res.status == "converged":
        run.status, run.message = "converged", res.message
    elif res.status == "max steps":
        run.status, run.message = "max steps", res.message
    elif res.status == "diverged":
        run.status, run.message = "blowup", f"blow-up: {res.message}"
    # never return non-finite states
    finite = np.all(np.isfinite(run.y), axis=0)
    if not np.all(finite):
        first_bad = int(np.argmin(finite))
        run.t, run.y = run.t[:first_bad], run.y[:, :first_bad]
        run.status = "failed"
        run.message = f"integration failed: non-finite state after t = {run.t[-1] if run.t.size else problem.t0:g}"
    if run.t.size == 0:  # e.g. failure before the first t_eval point
        run.t, run.y = np.array([problem.t0]), fns.y0[:, None]
    if run.status == "failed":
        run.t_stop = float(run.t[-1])
    return run


# --------------------------------------------------------------------------- gradient_flow: diagnostics


def _diagnostics(packer: _Packer, ell: Any, Sigma: np.ndarray | None, Y: np.ndarray) -> tuple:
    """Weights, end-to-end maps, loss, gradient norm and conserved quantities at all columns of ``Y`` at once
    (stacked matrix products: one call per layer, not one per output time)."""
    m = Y.shape[1]
    Ws = [np.ascontiguousarray(Y[packer.offsets[i]:packer.offsets[i + 1]].T).reshape((m,) + s)
          for i, s in enumerate(packer.shapes)]
    pre = [Ws[0]]
    for M in Ws[1:]:
        pre.append(np.matmul(M, pre[-1]))
    P = pre.pop()
    if Sigma is not None:
        B = Sigma - P
        losses = 0.5 * np.sum(B * B, axis=(1, 2))
    else:
        losses = np.array([float(ell.value(P[k])) for k in range(m)])
        B = -np.array([ell.gradient(P[k]) for k in range(m)]).reshape(P.shape)
    g2 = np.zeros(m)
    for M, Pm in zip(Ws[:0:-1], pre[::-1]):
        G = np.matmul(B, Pm.swapaxes(1, 2))
        g2 += np.sum(G * G, axis=(1, 2))
        B = np.matmul(M.swapaxes(1, 2), B)
    g2 += np.sum(B * B, axis=(1, 2))
    C = [np.matmul(Ws[i + 1].swapaxes(1, 2), Ws[i + 1]) - np.matmul(Ws[i], Ws[i].swapaxes(1, 2)) for i in range(len(Ws) - 1)]
    return Ws, P, losses, np.sqrt(g2), C


def _assemble_trajectory(problem: _FlowProblem, fns: _FlowFunctions, run: _RawRun, warn: bool) -> Trajectory:
    """The :class:`~deeplinear.trajectory.Trajectory` of a run, cut (with a warning) where the loss or its gradient overflows."""
    sol_t, status, message, d = run.t, run.status, run.message, problem.widths
    with np.errstate(all="ignore"):  # a failed run may end on huge (finite) weights
        Ws, E2E, losses, gnorm, C = _diagnostics(fns.packer, problem.ell, problem.Sigma, run.y)
    ok = np.isfinite(losses) & np.isfinite(gnorm) & np.all(np.isfinite(E2E), axis=(1, 2))
    for c in C:
        ok &= np.all(np.isfinite(c), axis=(1, 2))
    n = sol_t.size
    if not np.all(ok):  # overflow in the loss or its gradient: cut there and say so
        k = int(np.argmin(ok))
        if k == 0:
            raise ValueError("the loss or its gradient overflows at the initial weights; rescale weights0")
        message = f"integration failed: the loss or its gradient overflows after t = {sol_t[k - 1]:g}"
        status = "failed"
        if warn:
            warnings.warn(f"gradient_flow: {message}", RuntimeWarning, stacklevel=3)
        n = k
    C0 = _conserved_unchecked(problem.W0)
    drift = np.zeros(n)
    for c, c0 in zip(C, C0):
        drift = np.maximum(drift, np.linalg.norm((c[:n] - c0).reshape(n, -1), axis=1) / max(1.0, float(np.linalg.norm(c0))))
    weights = [[w[k] for w in Ws] for k in range(n)]
    conserved = [[c[k] for c in C] for k in range(n)]
    sol_t = np.array(sol_t[:n], dtype=float)
    E2E, losses, gnorm = E2E[:n], np.array(losses[:n]), np.array(gnorm[:n])
    for arr in (sol_t, losses, gnorm, E2E, drift):
        arr.setflags(write=False)
    t_stop = run.t_stop if n == run.t.size else float(sol_t[-1])
    return Trajectory(
        t=sol_t, weights=weights, loss=losses, gradient_norm=gnorm, end_to_end=E2E, conserved=conserved,
        conserved_drift=drift, events=run.event_times, status=status, message=message, widths=d, nfev=run.nfev,
        t_stop=t_stop, _solution=run.solution, _packer=fns.packer,
    )



def gradient_flow(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray | None,
    t_span: tuple[float, float] | float,
    *,
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    method: str = "DOP853",
    events: object = (),
    max_step: float | str = "auto",
    end_to_end_loss: EndToEndLoss | None = None,
    warn: bool = True,
    stop_tol: float | None = DEFAULT_STOP_TOL,
    max_steps: int | None = DEFAULT_MAX_STEPS,
) -> Trajectory:
    r"""Integrate the layer-wise gradient flow :math:`\dot W_j = -\nabla_{W_j} L`.

    .. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    (or :math:`-W_{j+1:h}^\top \nabla\ell(W_{1:h}) W_{1:j-1}^\top` for a general loss).

    Parameters
    ----------
    weights0 : list of ndarray
        Initial ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0), or None
        Target of the quadratic loss :math:`\tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`; ``None``
        when ``end_to_end_loss`` is given.
    t_span : (t0, t1) or float
        Time interval with ``t0 < t1`` (a number ``T`` means ``(0, T)``).
    t_eval : array_like, optional
        Sorted output times within ``t_span``; by default the solver's own steps.
    rtol, atol : float
        Tolerances; the defaults ``1e-10`` and ``1e-14`` are chosen for flows from tiny
        initialisations through several saddle plateaus (module docstring).
    method : str, default "DOP853"
        A :func:`scipy.integrate.solve_ivp` method.
    events : sequence or dict, optional
        Any of

        * ``"convergence"``: terminal; loss below ``loss_tol`` (default ``1e-12``) or, if
          ``grad_tol`` is given, gradient norm below it (beware: near a saddle the gradient is
          small too). Recorded as ``"convergence"``.
        * ``"plateau"``: the relative loss rate :math:`|\dot L|/L = \lVert\nabla L\rVert^2/L`
          crossing ``threshold`` (default ``0.1``, in units of 1/time; for comparison, the
          final linear rate near a balanced minimum is :math:`2h\sigma_r^{2-2/h}`, e.g. 4 for
          ``h = 2``, :math:`\sigma_r = 1`); recorded as
          ``"plateau_entry"`` (downward; also at ``t0`` if the flow starts on a plateau) and
          ``"plateau_exit"`` (upward).
        * ``"blowup"``: terminal; :math:`\max_i\lVert W_i\rVert_F` exceeds ``bound``
          (default ``1e6``). A finite-time blow-up whose singular time comes before the norm
          reaches a large bound (the step size underflows first) is reported as a blow-up too.
        * an :class:`~deeplinear.trajectory.Event`, or a callable ``f(t, weights) -> float`` (optional attributes
          ``terminal`` and ``direction`` as in ``solve_ivp``).

        Options are given as a dict, ``events={"convergence": {"loss_tol": 1e-8}, "plateau": {}}``,
        or as pairs ``("plateau", {"threshold": 1e-3})`` in a sequence.
    max_step : float or "auto", default "auto"
        Largest step of the solver. ``"auto"`` uses ``4 / lambda_ref`` with
        :math:`\lambda_{\rm ref} = \max(h\,\sigma_1^{2-2/h},\ 1.2\,|\lambda|_{\max}(H(W_0)))`:
        an estimate of the sharpest linearised rate the flow meets (the first term is the
        largest Hessian eigenvalue at the balanced global minimum, the second the Hessian at
        the start, by 20 power iterations; for an ``end_to_end_loss``, a Gauss-Newton bound
        :math:`\sum_j \lVert W_{j+1:h}\rVert_2^2\lVert W_{1:j-1}\rVert_2^2` at the start).
        Without it, DOP853 takes long steps on the
        plateaus at the edge of its stability region, where its error estimate and its dense
        output are unreliable for the already-learnt (stiff) modes (errors of ``1e-7`` at the
        steps and ``1e-4`` in ``weights_at`` were measured for ``h = 4`` at ``rtol = 1e-10``;
        with the cap both are about ``1e-9``, for about 30% more work). ``np.inf`` disables it.
    end_to_end_loss : loss object, optional
        A loss of the end-to-end map (:func:`deeplinear.losses.logistic`, ``huber``, ...)
        instead of the quadratic loss; then ``Sigma`` must be ``None``.
    warn : bool, default True
        Issue a ``RuntimeWarning`` when the integration fails, blows up or hits ``max_steps``.
    stop_tol : float or None, default 1e-12
        Stop when the flow of the quadratic loss has converged: after a step at which both

        .. math:: L - L^\star \le \mathrm{tol}\,\lVert\Sigma\rVert_F^2
                  \quad\text{and}\quad
                  \lVert\nabla L\rVert \le \mathrm{tol}\,\lVert\Sigma\rVert_F^{(2h-1)/h},

        where :math:`L^\star = \tfrac12\sum_{k > d_{\min}} \sigma_k^2` is the global minimum
        (Eckart-Young, :math:`d_{\min} = \min_i d_i`; both scales are those of the loss and the
        gradient at weights of the size of :math:`\Sigma`). The loss test keeps the run going
        at a saddle, where the gradient is small too: a saddle that leaves a mode
        :math:`\sigma_k` unlearnt is :math:`\sigma_k^2/2` above :math:`L^\star`, so only modes
        with :math:`\sigma_k^2 \le 2\,\mathrm{tol}\,\lVert\Sigma\rVert_F^2` count as learnt
        without being learnt. At the default the weights are within about
        :math:`10^{-12}` (relative) of their limit, below the integration error, so a huge
        ``t_span`` costs no more than the time to convergence. Then ``status`` is
        ``"converged"``, ``t_stop`` the time of the stop, and the output times requested by
        ``t_eval`` after ``t_stop`` hold the final weights (as does ``weights_at`` there); without
        ``t_eval`` the trajectory ends at ``t_stop``. ``None`` integrates to the end of
        ``t_span``. Not used with an ``end_to_end_loss`` (there is no known minimum): pass the
        ``"convergence"`` event with ``grad_tol`` (or ``loss_tol``) instead.
    max_steps : int or None, default 100000
        Stop after this many solver steps (``status`` ``"max steps"``, with a warning); the
        trajectory ends at the last step. ``None``: no limit.

    Returns
    -------
    Trajectory
        Times, weights, loss, gradient norm, end-to-end maps, conserved quantities and their
        drift, event times, ``status``/``message``, ``t_stop`` and dense output
        ``weights_at(t)``. ``status`` says why the integration stopped: ``"completed"`` (the
        end of ``t_span``), ``"converged"`` (``stop_tol``, or the ``"convergence"`` event),
        ``"blowup"`` (the ``"blowup"`` event; an entry beyond ``DIVERGENCE_BOUND = 1e100``; or a
        finite-time blow-up, the step size underflowing while the norm grew a hundredfold),
        ``"event"`` (another terminal event), ``"max steps"`` or ``"failed"``. After a terminal
        event, a failure or ``max_steps`` the trajectory ends at the last good time; it never
        contains NaN.

    Notes
    -----
    The steps are those of :func:`scipy.integrate.solve_ivp` with the same method, tolerances
    and ``max_step``, with no more right-hand-side evaluations: the dense output (3 more
    evaluations per DOP853 step) is computed only on steps that contain a ``t_eval`` time or an
    event, and ``weights_at`` recomputes the one step it needs; the diagnostics (loss,
    gradient norm, end-to-end map, conserved quantities) are computed once, at the output
    times, with stacked matrix products.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, ``t_span``
        is not a number or a pair of numbers, a tolerance or ``max_step`` is not a real
        number, ``end_to_end_loss`` lacks ``shape``, ``value`` or ``gradient``, or ``events``
        (or an event's options) has the wrong type.
    ValueError
        If ``weights0`` is invalid (empty, non-finite, shapes that do not chain); ``Sigma``
        does not have shape ``(d_h, d_0)``; both or neither of ``Sigma`` and
        ``end_to_end_loss`` are given, or the loss has the wrong shape; ``t_span`` does not
        satisfy ``t0 < t1``; ``t_eval`` is empty, unsorted or outside ``t_span``; a
        tolerance or ``max_step`` is not positive; an event name or option is unknown or an
        option value is invalid; the initial weights already exceed the blow-up bound; or the
        gradient or the loss overflows at ``weights0``.
    FloatingPointError
        If the solver's event root finder fails on a step that overflowed (a blow-up within
        one step).

    See Also
    --------
    deeplinear.adjacency_flow.gradient_flow_adjacency : the same flow in adjacency form.
    deeplinear.descent.gradient_descent : the discrete-time counterpart.

    Examples
    --------
    >>> import deeplinear as dl
    >>> W0 = dl.aligned_init((3, 3, 3), 1e-3)
    >>> traj = dl.gradient_flow(W0, np.diag([3.0, 2.0, 1.0]), (0, 12), t_eval=[1, 3, 5, 8, 12])
    >>> [round(float(v), 4) for v in traj.loss]  # digest claim 27
    [6.9987, 2.2185, 0.4787, 0.0051, 0.0]
    """
    problem = _FlowProblem.parse(weights0, Sigma, t_span, t_eval, rtol, atol, end_to_end_loss, max_step)
    stop_tol = None if stop_tol is None else as_positive(stop_tol, "stop_tol")
    max_steps = None if max_steps is None else as_int(max_steps, "max_steps", minimum=1)
    solver_class(method)  # an unknown method is an error before any work
    fns = _FlowFunctions(problem)
    evset = _build_events(_parse_events(events), fns, problem.t0, fns.y0)
    stop = _quadratic_stop(problem, fns, stop_tol)
    with np.errstate(all="ignore"):
        f0 = fns.raw_rhs(problem.t0, fns.y0)
    if not np.all(np.isfinite(f0)):  # the solver's first-step selection would produce t = nan and never stop
        raise ValueError("the gradient is not finite at weights0 (overflow); rescale the initial weights")
    start = evset.immediate_stop
    if start is None and stop is not None:
        why = stop(problem.t0, fns.y0, f0)
        start = None if why is None else ("converged", why)
    if start is not None:
        te = np.array([problem.t0]) if problem.t_eval is None or evset.immediate_stop else problem.t_eval
        run = _RawRun(te, np.repeat(fns.y0[:, None], te.size, axis=1), None, 0,
                      {n: np.array(evset.initial_records.get(n, [])) for n in evset.names}, *start, problem.t0)
    else:
        run = _integrate(problem, fns, evset, method, stop, max_steps)
        if run.status in ("failed", "blowup", "max steps") and warn:
            warnings.warn(f"gradient_flow: {run.message}", RuntimeWarning, stacklevel=2)
    return _assemble_trajectory(problem, fns, run, warn)


# --------------------------------------------------------------------------- adjacency form


# --------------------------------------------------------------------------- tolerances (for the chapter's figure)


_DEFAULT_SETTINGS = {
    "library defaults: DOP853, rtol 1e-10, atol 1e-14": {},
    "rtol 1e-6, atol 1e-9": {"rtol": 1e-6, "atol": 1e-9},
    "SciPy defaults: RK45, rtol 1e-3, atol 1e-6": {"method": "RK45", "rtol": 1e-3, "atol": 1e-6, "max_step": np.inf},
}


@dataclass(frozen=True)
class ToleranceStudy:
    r"""Result of :func:`tolerance_study`.

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times, evenly spaced on ``[0, t_max]``.
    exact : ndarray, shape (n,)
        The closed-form loss (:func:`deeplinear.modes.mode_loss`).
    losses : dict of str to ndarray
        The integrated loss for each setting.
    max_error : dict of str to float
        :math:`\max_t |L_{\rm num}(t) - L_{\rm exact}(t)|` for each setting.
    nfev : dict of str to int
        Right-hand-side evaluations for each setting.
    singular_values : ndarray
        The diagonal of the target :math:`\Sigma`.
    a0 : float
        Initial value of every weight of every mode.
    h : int
        Depth.

    Examples
    --------
    >>> study = dl.tolerance_study((2.0, 1.0), 1e-3, 2, 4.0, num=5, settings={"defaults": {}})
    >>> isinstance(study, dl.flow.ToleranceStudy), study.t.shape
    (True, (5,))
    >>> study.max_error["defaults"] < 1e-8
    True
    """

    t: np.ndarray
    exact: np.ndarray
    losses: dict
    max_error: dict
    nfev: dict
    singular_values: np.ndarray
    a0: float
    h: int


def tolerance_study(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    a0: float = 1e-5,
    h: int = 2,
    t_max: float = 14.0,
    *,
    settings: Mapping[str, Mapping] | None = None,
    num: int = 281,
) -> ToleranceStudy:
    r"""Integrate the aligned, balanced flow from a tiny start at several tolerances and compare
    each loss curve with the closed form.

    The network has square widths ``(r, ..., r)`` with ``r = len(singular_values)``, target
    :math:`\Sigma = \mathrm{diag}(\sigma)` and every weight of every mode equal to ``a0``
    (:func:`deeplinear.init.aligned_init`), so each mode follows
    :math:`\dot a = a^{h-1}(\sigma_k - a^h)` and the loss is known in closed form
    (:func:`deeplinear.modes.mode_loss`). The flow passes close to the saddles where the first ``m``
    modes are learnt; there the unlearnt modes are tiny and any error in them shifts the time
    of the next drop.

    Parameters
    ----------
    singular_values : sequence of float, default (3, 2, 1)
        The diagonal of :math:`\Sigma`, positive.
    a0 : float, default 1e-5
        Initial value of every weight of every mode, ``> 0``.
    h : int, default 2
        Depth.
    t_max : float, default 14
        End of the time interval ``[0, t_max]``, ``> 0``.
    settings : mapping of str to dict, optional
        Label -> keyword arguments for :func:`deeplinear.flow.gradient_flow`. The default compares
        the library defaults, ``rtol=1e-6, atol=1e-9``, and SciPy's own defaults
        (``RK45``, ``rtol=1e-3``, ``atol=1e-6``, no step cap).
    num : int, default 281
        Number of evenly spaced output times, ``>= 2``.

    Returns
    -------
    ToleranceStudy
        The closed-form and integrated loss curves, their largest errors and the work
        (``nfev``) of each setting.

    Raises
    ------
    TypeError
        If ``a0``, ``t_max`` or ``num`` is not a number of the right kind, or ``h`` is not an
        integer.
    ValueError
        If ``singular_values`` is not a non-empty list of positive numbers, ``a0`` or
        ``t_max`` is not positive, ``h < 1``, ``num < 2``, ``settings`` is empty, or a
        setting is rejected by :func:`gradient_flow`.
    RuntimeError
        If the integration with some setting stops before ``t_max``.

    Examples
    --------
    >>> study = dl.tolerance_study((2.0, 1.0), 1e-3, 2, 4.0, num=5,
    ...                            settings={"tight": {}, "loose": {"rtol": 1e-3, "atol": 1e-6}})
    >>> study.max_error["tight"] < 1e-8 < study.max_error["loose"]
    True
    """
    s = np.asarray(singular_values, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"singular_values must be a non-empty list of positive numbers, got {singular_values!r:.80}")
    a0 = as_positive(a0, "a0")
    h = as_depth(h)
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    settings = dict(_DEFAULT_SETTINGS if settings is None else settings)
    if not settings:
        raise ValueError("settings must name at least one tolerance setting")
    r = s.size
    W0 = aligned_init((r,) * (h + 1), a0)
    S = np.diag(s)
    t = np.linspace(0.0, t_max, num)
    exact = mode_loss(t, a0**h, s, h)
    losses, errors, nfev = {}, {}, {}
    for label, kw in settings.items():
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t, **dict(kw))
        if tr.t.size != t.size:
            raise RuntimeError(f"setting {label!r}: the integration stopped early ({tr.message})")
        losses[label] = _frozen(tr.loss)
        errors[label] = float(np.max(np.abs(tr.loss - exact)))
        nfev[label] = int(tr.nfev)
    return ToleranceStudy(_frozen(t), _frozen(exact), losses, errors, nfev, _frozen(s), float(a0), h)


# --------------------------------------------------------------------------- the chapter's explorer


_SCRUB_SIGMA = (3.0, 2.0, 1.0)


@dataclass(frozen=True)
class ScrubbedFlow:
    r"""What :func:`flow_scrub_prepare` computes once per depth and scale: the trajectory and
    the singular values of its (diagonal) target.

    Attributes
    ----------
    trajectory : Trajectory
        The gradient flow, with 481 output times on ``[0, t_max]``.
    singular_values : ndarray
        The diagonal of the target :math:`\Sigma` (read-only).

    Examples
    --------
    >>> prepared = dl.flow_scrub_prepare(2, 0.01, singular_values=(2.0, 1.0), t_max=2.0)
    >>> isinstance(prepared, dl.flow.ScrubbedFlow)
    True
    >>> prepared.trajectory.t.size, prepared.singular_values
    (481, array([2., 1.]))
    """

    trajectory: Trajectory
    singular_values: np.ndarray


def flow_scrub_prepare(
    h: int,
    scale: float,
    *,
    singular_values: Sequence[float] = _SCRUB_SIGMA,
    t_max: float = 12.0,
    seed: int = 0,
) -> ScrubbedFlow:
    r"""The gradient flow behind the chapter's explorer, computed once per depth and scale.

    The flow behind :func:`deeplinear.plots.flow.flow_scrub_figure`: square widths
    ``(r, ..., r)`` of depth ``h``, target :math:`\mathrm{diag}(\sigma)`, i.i.d. Gaussian
    initial weights of standard deviation ``scale`` drawn from
    ``numpy.random.default_rng(seed)``, integrated on :math:`[0, t_{\max}]` with 481 output
    times (dense output in between).

    Parameters
    ----------
    h : int
        Depth, ``>= 1``.
    scale : float
        Standard deviation of the initial weights, ``> 0``.
    singular_values : sequence of float, default (3, 2, 1)
        The diagonal :math:`\sigma` of the target, non-negative; ``r`` is its length.
    t_max : float, default 12
        End of the time interval, ``> 0``.
    seed : int, default 0
        Seed of the initial weights.

    Returns
    -------
    ScrubbedFlow
        The trajectory and the singular values.

    Raises
    ------
    TypeError
        If ``h`` is not an integer, or ``scale`` or ``t_max`` is not a real number.
    ValueError
        If ``h < 1``, ``scale`` or ``t_max`` is not positive, or ``singular_values`` is not a
        non-empty list of non-negative numbers.

    Examples
    --------
    >>> prepared = dl.flow_scrub_prepare(2, 0.01, singular_values=(2.0, 1.0), t_max=2.0)
    >>> prepared.trajectory.status
    'completed'
    """
    h = as_depth(h)
    scale = as_positive(scale, "scale")
    t_max = as_positive(t_max, "t_max")
    s = np.asarray(singular_values, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"singular_values must be a non-empty list of non-negative numbers, got {singular_values!r:.80}")
    r = s.size
    W0 = random_init((r,) * (h + 1), np.random.default_rng(seed), scale)
    tr = gradient_flow(W0, np.diag(s), (0.0, t_max), t_eval=np.linspace(0.0, t_max, 481))
    return ScrubbedFlow(tr, _frozen(s))
