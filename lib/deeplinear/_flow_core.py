"""Private: the machinery of :func:`deeplinear.flow.gradient_flow` (right-hand side, checked
problem, stopping test, integration, diagnostics); :mod:`deeplinear.flow` holds the public
functions and explains the choices.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ArgumentTypeError, InvalidArgumentError
from ._flow_events import _EventSet
from ._flow_solver import drive
from ._validation import as_positive, as_time_span, as_weights, check_sigma, widths_of
from .curvature import _hvp
from .invariants import _conserved_unchecked
from .losses import _as_loss
from .trajectory import Trajectory, _Packer

#: An entry of the weights beyond this ends the flow as a blow-up (see gradient_flow).
DIVERGENCE_BOUND = 1e100

# --------------------------------------------------------------------------- right-hand side


def _make_rhs(
    packer: _Packer,
    Sigma: np.ndarray | None,
    residual: Callable[[np.ndarray], np.ndarray] | None = None,
    *,
    fresh: bool = True,
) -> Callable[[float, np.ndarray], np.ndarray]:
    """``-grad L`` by back-propagation (``h - 1`` forward and ``2h - 2`` backward products).

    The residual is ``Sigma - P`` for the quadratic loss, else ``residual(P) = -grad ell(P)``.
    Every product is written into a buffer allocated once (``ndarray.dot(b, out)``), with the
    weight views, their transposes and the bound ``dot`` methods also made once: for the small
    matrices of the book the Python overhead of a call dominates (width 10, depth 4: 4.1 us
    a call against 8.0 us for the same products allocating their results). With
    ``fresh=False`` the function returns its output buffer itself, overwritten by the next call
    (for a caller that copies it at once, like the compiled DOP853); the function's attributes
    ``state`` and ``value`` are the buffers holding the last ``y`` and ``rhs(t, y)``.
    """
    n, h = packer.size, len(packer.shapes)
    state, value = np.empty(n), np.empty(n)
    W = packer.unpack(state)
    G = packer.unpack(value)  # the output: the gradient blocks, views of one buffer
    pre = [W[0]] + [np.empty((W[k].shape[0], W[0].shape[1])) for k in range(1, h)]  # W_{1:k}
    forward = [(W[k].dot, pre[k - 1], pre[k]) for k in range(1, h)]
    P = pre[-1]
    # B_j = W_{j+1:h}^T R, from B_h = R down to B_1, which is the first layer's block itself
    B = [G[0]] + [np.empty((W[j].shape[0], P.shape[1])) for j in range(1, h)]
    backward = []
    for j in range(h - 1, 0, -1):
        backward.append((B[j].dot, pre[j - 1].T, G[j]))
        backward.append((W[j].T.dot, B[j], B[j - 1]))
    R = B[-1]
    copyto, subtract = np.copyto, np.subtract

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        copyto(state, y)
        for dot, b, out in forward:
            dot(b, out)
        if residual is None:
            subtract(Sigma, P, R)
        else:
            copyto(R, residual(P.copy()))  # a copy: the loss may keep what it is given
        for dot, b, out in backward:
            dot(b, out)
        return value.copy() if fresh else value

    rhs.state, rhs.value = state, value
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


def _loss_curvature(ell: Any, iterations: int = 20) -> float:
    """``||D^2 ell||`` by power iteration on ``V -> grad ell(V) - grad ell(0)`` (exact when the
    gradient is affine, as for the quadratic losses that know their minimum)."""
    g0 = ell.gradient(np.zeros(tuple(ell.shape)))
    V = np.random.default_rng(0).standard_normal(tuple(ell.shape))
    lam = 0.0
    for _ in range(iterations):
        nrm = float(np.linalg.norm(V))
        if nrm == 0.0 or not np.isfinite(nrm):
            break
        V = ell.gradient(V / nrm) - g0
        lam = float(np.linalg.norm(V))
    return lam


def _max_step(max_step: object, W: Sequence[np.ndarray], S: np.ndarray | None, weight_decay: float = 0.0,
              ell: Any = None) -> float:
    if isinstance(max_step, str):
        if max_step != "auto":
            raise InvalidArgumentError(f"max_step must be a positive number, np.inf or 'auto', got {max_step!r}")
        h = len(W)
        with np.errstate(all="ignore"):
            if S is not None:
                lam = max(h * np.float64(np.linalg.norm(S, 2)) ** (2.0 - 2.0 / h), 1.2 * _hessian_norm_estimate(W, S))
            else:  # general loss: a Gauss-Newton bound at the start
                norms = np.array([np.linalg.norm(w, 2) for w in W])
                lam = sum(np.prod(norms[:j]) ** 2 * np.prod(norms[j + 1:]) ** 2 for j in range(h))
                known = None if ell is None else _learnable(ell, widths_of(W))
                if known is not None:  # and the bound at a balanced minimum, as for Sigma (curvature of ell included)
                    lam = max(lam, h * np.float64(known[1]) ** (2.0 - 2.0 / h) * max(1.0, _loss_curvature(ell)))
            lam = lam + weight_decay  # the decay adds weight_decay * I to the Hessian
        # no cap if there is no curvature scale or it overflows (the solver then reports any failure)
        return 4.0 / float(lam) if np.isfinite(lam) and lam > 0 else np.inf
    if isinstance(max_step, (int, float, np.floating, np.integer)) and not isinstance(max_step, bool) and max_step == np.inf:
        return np.inf
    return as_positive(max_step, "max_step")


def _check_t_eval(t_eval: object, t0: float, t1: float) -> np.ndarray | None:
    if t_eval is None:
        return None
    if np.iscomplexobj(t_eval) or (isinstance(t_eval, (list, tuple)) and any(isinstance(x, complex) for x in t_eval)):
        raise ArgumentTypeError(f"t_eval must hold real times, got complex values {t_eval!r:.80}")
    try:
        te = np.asarray(t_eval, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"t_eval must be a 1-D array of real times, got {t_eval!r:.80}") from exc
    if te.ndim != 1 or te.size == 0:
        raise InvalidArgumentError(f"t_eval must be a non-empty 1-D array of times, got shape {te.shape}")
    if not np.all(np.isfinite(te)):
        raise InvalidArgumentError(f"t_eval must be finite, got {t_eval!r:.80}")
    if np.any(np.diff(te) < 0):
        raise InvalidArgumentError("t_eval must be sorted in increasing order")
    if te[0] < t0 or te[-1] > t1:
        raise InvalidArgumentError(f"t_eval must lie within t_span = ({t0}, {t1}), got [{te[0]}, {te[-1]}]")
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
    weight_decay: float = 0.0  # lambda of the decay term lambda/2 sum_i ||W_i||_F^2

    @classmethod
    def parse(cls, weights0, Sigma, t_span, t_eval, rtol, atol, end_to_end_loss, max_step,
              weight_decay=0.0) -> "_FlowProblem":
        """Validate in the order the errors are reported: weights, times, tolerances, loss, decay, step cap."""
        W0 = as_weights(weights0, "weights0")
        d = widths_of(W0)
        t0, t1 = as_time_span(t_span)
        te = _check_t_eval(t_eval, t0, t1)
        rtol = as_positive(rtol, "rtol")
        atol = as_positive(atol, "atol")
        S = None
        if end_to_end_loss is not None:
            if Sigma is not None:
                raise InvalidArgumentError("pass either Sigma (quadratic loss) or end_to_end_loss, not both")
            ell = _as_loss(end_to_end_loss, (d[-1], d[0]))
        else:
            if Sigma is None:
                raise InvalidArgumentError("Sigma is required (or pass end_to_end_loss=...)")
            S = check_sigma(Sigma, d)
            ell = _QuadraticLoss(S)
        lam = as_positive(weight_decay, "weight_decay", allow_zero=True)
        return cls(W0, d, t0, t1, te, rtol, atol, ell, S, _max_step(max_step, W0, S, lam, ell), lam)


class _FlowFunctions:
    """The right-hand side on the flat state, the loss, and (loss, squared gradient norm) for the events.

    ``rhs`` returns a new array (for scipy's solvers, which keep it); ``fast_rhs`` returns its
    own buffer, overwritten by the next call (for the compiled DOP853, which copies it at once).
    Both write the same buffers, so ``last_value(y)`` can hand back the value of the last
    evaluation when it was at ``y`` (compared by value): an explicit Runge-Kutta step ends with
    an evaluation at its new state, the state at which the stopping test and the events look
    next, so they reuse it instead of making another.
    """

    def __init__(self, problem: _FlowProblem) -> None:
        self.ell = problem.ell
        self.packer = _Packer([w.shape for w in problem.W0])
        residual = None if problem.Sigma is not None else (lambda P: -problem.ell.gradient(P))
        core = _make_rhs(self.packer, problem.Sigma, residual, fresh=False)
        self._core = core
        self.weight_decay = lam = problem.weight_decay
        # weight decay: the gradient of lambda/2 ||theta||^2 is lambda * theta on the packed state
        if lam == 0.0:
            self.fast_rhs = core
            self.rhs = lambda t, y: core(t, y).copy()
        else:
            self.fast_rhs = self.rhs = lambda t, y: core(t, y) - lam * y
        self.y0 = self.packer.pack(problem.W0)

    def last_value(self, y: np.ndarray) -> np.ndarray | None:
        """``rhs(t, y)`` if the last evaluation was at ``y`` (a new array), else None."""
        core = self._core
        if not (core.state == y).all():  # same shape always
            return None
        if self.weight_decay:
            return core.value - self.weight_decay * core.state
        return core.value.copy()

    def loss_of(self, y: np.ndarray) -> float:
        W = self.packer.unpack(y)
        P = W[0]
        for M in W[1:]:
            P = M @ P
        value = float(self.ell.value(P))
        return value + 0.5 * self.weight_decay * float(y @ y) if self.weight_decay else value

    def loss_and_gnorm2(self, t: float, y: np.ndarray) -> tuple[float, float]:
        g = self.last_value(y)
        if g is None:
            g = self.rhs(t, y)
        return self.loss_of(y), float(g @ g)


# --------------------------------------------------------------------------- gradient_flow: stopping


def _scaled_thresholds(L_star: float, scale: float, h: int, stop_tol: float) -> tuple[float, float, float]:
    """``(L*, loss-gap tolerance, gradient tolerance)`` for a target of Frobenius norm ``scale``."""
    scale = scale or 1.0
    return L_star, stop_tol * scale**2, stop_tol * scale ** ((2.0 * h - 1.0) / h)


def _stop_thresholds(S: np.ndarray, d: tuple, stop_tol: float) -> tuple[float, float, float]:
    """``(L*, loss-gap tolerance, gradient tolerance)`` of the quadratic loss (``stop_tol`` in gradient_flow)."""
    s = np.linalg.svd(S, compute_uv=False)
    L_star = 0.5 * float(np.sum(s[min(d):] ** 2))  # the global minimum: rank at most min(d) (Eckart-Young)
    return _scaled_thresholds(L_star, float(np.linalg.norm(S)), len(d) - 1, stop_tol)


def _learnable(ell: Any, d: tuple) -> tuple[float, float] | None:
    r"""``(L*, scale)`` of a loss object with ``rank_constrained_minimum``: its minimum at rank
    ``min(d)`` and the size of its learnable part, :math:`\lVert\Sigma\rVert_F` with
    :math:`\lVert\Sigma\rVert_F^2 = 2(\ell(0) - \min_W \ell)` (the norm of the reduced target of
    a data loss); None without the method, or when the values overflow."""
    minimum = getattr(ell, "rank_constrained_minimum", None)
    if not callable(minimum):
        return None
    with np.errstate(all="ignore"):
        L_star = float(minimum(min(d)))
        learnable = 2.0 * (float(ell.value(np.zeros(tuple(ell.shape)))) - float(minimum(min(d[0], d[-1]))))
    if not (np.isfinite(L_star) and np.isfinite(learnable)):
        return None  # the overflow is reported where the loss is evaluated
    return L_star, float(np.sqrt(max(learnable, 0.0)))


def _loss_thresholds(ell: Any, d: tuple, stop_tol: float) -> tuple[float, float, float] | None:
    """The thresholds of :func:`_stop_thresholds` for a loss object that knows its minimum, or None."""
    known = _learnable(ell, d)
    return None if known is None else _scaled_thresholds(known[0], known[1], len(d) - 1, stop_tol)


#: The values of ``stop_at`` in :func:`deeplinear.flow.gradient_flow`.
STOP_RULES = ("global minimum", "critical point")


def as_stop_rule(stop_at: object) -> str:
    """``stop_at`` checked: one of :data:`STOP_RULES`."""
    if not isinstance(stop_at, str):
        raise ArgumentTypeError(f"stop_at must be one of {', '.join(map(repr, STOP_RULES))}, got {stop_at!r:.60}")
    if stop_at not in STOP_RULES:
        raise InvalidArgumentError(f"stop_at must be one of {', '.join(map(repr, STOP_RULES))}, got {stop_at!r:.60}")
    return stop_at


def _convergence_stop(problem: _FlowProblem, fns: _FlowFunctions, stop_tol: float | None, stop_at: str = "global minimum"):
    """The default convergence test of the quadratic loss (of a target, or of a loss object with a
    known minimum), or None (see ``stop_tol`` and ``stop_at`` in :func:`gradient_flow`)."""
    if stop_tol is None:
        return None
    if problem.Sigma is not None:
        thresholds = _stop_thresholds(problem.Sigma, problem.widths, stop_tol)
    else:
        thresholds = _loss_thresholds(problem.ell, problem.widths, stop_tol)
        if thresholds is None:
            return None
    if problem.weight_decay > 0.0:
        return _decay_test(fns.rhs, thresholds[2], problem.weight_decay, stop_tol)
    return _convergence_test(fns.loss_of, fns.rhs, thresholds, stop_tol, stop_at == "critical point")


def _decay_test(rhs: Callable, grad_tol: float, weight_decay: float, stop_tol: float):
    """``converged(t, y, f)`` of a regularised loss: its minimum value is not known (and not unique:
    spurious minima exist), so the gradient norm alone decides."""

    def converged(t: float, y: np.ndarray, f: np.ndarray | None) -> str | None:
        g = float(np.sqrt(f @ f)) if f is not None else float(np.linalg.norm(rhs(t, y)))
        if not g <= grad_tol:
            return None
        return (f"converged at t = {t:.6g}: gradient norm {g:.2g} <= {grad_tol:.2g} of the regularised loss "
                f"(weight_decay = {weight_decay:g}, stop_tol = {stop_tol:g})")

    return converged


def _convergence_test(loss_of: Callable, rhs: Callable, thresholds: tuple[float, float, float], stop_tol: float,
                      any_critical_point: bool = False):
    """``converged(t, y, f)``: a message when the loss gap and the gradient are both within the
    ``thresholds`` of :func:`_stop_thresholds` (the gradient alone if ``any_critical_point``), else
    None (``f = rhs(t, y)`` when the solver has it)."""
    L_star, gap_tol, grad_tol = thresholds

    def converged(t: float, y: np.ndarray, f: np.ndarray | None) -> str | None:
        if f is None and not any_critical_point:  # no free gradient from the solver: the cheaper loss test first
            L = loss_of(y)
            if not L - L_star <= gap_tol:
                return None
        if f is None:
            f = rhs(t, y)
        g = float(np.sqrt(f @ f))
        if not g <= grad_tol:
            return None
        L = loss_of(y)
        if L - L_star <= gap_tol:
            return (f"converged at t = {t:.6g}: loss {L:.3g} within {gap_tol:.2g} of the global minimum {L_star:.3g}, "
                    f"gradient norm {g:.2g} <= {grad_tol:.2g} (stop_tol = {stop_tol:g})")
        if not any_critical_point:  # a saddle: the gradient is small there too
            return None
        return (f"converged at t = {t:.6g} to a saddle (a critical point that is not a global minimum): loss {L:.6g}, "
                f"{L - L_star:.3g} above the global minimum {L_star:.3g}; gradient norm {g:.2g} <= {grad_tol:.2g} "
                f"(stop_at = 'critical point', stop_tol = {stop_tol:g})")

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
                         max_steps=max_steps, bound=DIVERGENCE_BOUND, fast_fun=fns.fast_rhs, last_value=fns.last_value)
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


def _diagnostics(packer: _Packer, ell: Any, Sigma: np.ndarray | None, Y: np.ndarray, lam: float = 0.0) -> tuple:
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
        if lam:
            G = G - lam * M  # lam * W_j: the decay's part of the gradient
        g2 += np.sum(G * G, axis=(1, 2))
        B = np.matmul(M.swapaxes(1, 2), B)
    if lam:
        B = B - lam * Ws[0]
    g2 += np.sum(B * B, axis=(1, 2))
    if lam:
        losses = losses + 0.5 * lam * np.sum(Y * Y, axis=0)
    C = [np.matmul(Ws[i + 1].swapaxes(1, 2), Ws[i + 1]) - np.matmul(Ws[i], Ws[i].swapaxes(1, 2)) for i in range(len(Ws) - 1)]
    return Ws, P, losses, np.sqrt(g2), C


def _assemble_trajectory(problem: _FlowProblem, fns: _FlowFunctions, run: _RawRun, warn: bool) -> Trajectory:
    """The :class:`~deeplinear.trajectory.Trajectory` of a run, cut (with a warning) where the loss or its gradient overflows."""
    sol_t, status, message, d = run.t, run.status, run.message, problem.widths
    with np.errstate(all="ignore"):  # a failed run may end on huge (finite) weights
        Ws, E2E, losses, gnorm, C = _diagnostics(fns.packer, problem.ell, problem.Sigma, run.y, problem.weight_decay)
    ok = np.isfinite(losses) & np.isfinite(gnorm) & np.all(np.isfinite(E2E), axis=(1, 2))
    for c in C:
        ok &= np.all(np.isfinite(c), axis=(1, 2))
    n = sol_t.size
    if not np.all(ok):  # overflow in the loss or its gradient: cut there and say so
        k = int(np.argmin(ok))
        if k == 0:
            raise InvalidArgumentError("the loss or its gradient overflows at the initial weights: weights0 or the target is too large; rescale them")
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



