r"""Integrating the gradient flow of the layers (the adjacency form is in
:mod:`deeplinear.adjacency_flow`).

Layer-wise:

.. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top, \qquad j = 1, \dots, h,

computed by back-propagation (``h - 1`` forward products, ``2h - 2`` backward ones) and
integrated, with dense output, by Hairer's compiled DOP853 code (in :class:`scipy.integrate.ode`)
or by the step loop of :func:`scipy.integrate.solve_ivp` (the Notes of :func:`gradient_flow` say
which runs when).

The solution is a :class:`~deeplinear.trajectory.Trajectory`; the induced flow of the end-to-end map is in
:mod:`deeplinear.product_flow`. :func:`tolerance_study` and :func:`flow_scrub_prepare` compute
what the chapter's tolerance figure and explorer draw.

Public constants hold the defaults of :func:`gradient_flow` (and of
:func:`deeplinear.adjacency_flow.gradient_flow_adjacency`): ``DEFAULT_RTOL = 1e-10``, the
relative tolerance, and ``DEFAULT_ATOL = 1e-14``, the absolute tolerance of the Runge-Kutta
steps (the next section explains the choice); ``DEFAULT_STOP_TOL = 1e-12``, the relative
tolerance of the convergence stop (loss within ``stop_tol * ||Sigma||_F^2`` of the global
minimum value and a gradient that small, so that a flow never stops at a saddle); and
``DEFAULT_MAX_STEPS = 100_000``, the step budget after which a run stops with status
``"max steps"``. ``DIVERGENCE_BOUND = 1e100`` is the size of an entry beyond which a run is
reported as a blow-up.

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

* incremental learning (``Sigma = diag(3, 2, 1)``, ``h = 2``,
  ``u0 = 1e-6``): the loss matches the closed form to ``1.2e-9`` on ``[0, 14]``, through all
  three transitions (``rtol=1e-6``: ``1.4e-5``);
* a deep flow through a long plateau (``h = 3``, aligned, ``a0 = 0.05``, ``t`` in
  ``[0, 40]``): error ``3.5e-9`` (``rtol=1e-8``: ``6.8e-7``; ``rtol=1e-6``: ``6.7e-3``,
  wrong in the third digit; no step cap: ``3.1e-8``);
* conservation (``d = (3, 4, 2, 3)``, ``[0, 20]``): relative drift of the
  :math:`C_i` ``1.5e-13``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentTypeError, ConvergenceError, InvalidArgumentError
from ._flow_core import (
    DIVERGENCE_BOUND,
    _assemble_trajectory,
    _FlowFunctions,
    _FlowProblem,
    _integrate,
    _convergence_stop,
    _RawRun,
    as_stop_rule,
)
from ._flow_batch import batch_rhs, batch_stop, batched_solver, member_index, member_runs
from ._flow_events import _build_events, _parse_events
from ._flow_solver import drive, solver_class
from ._validation import as_depth, as_int, as_positive, as_positive_values, as_real_array, finite_result
from ._validation import frozen_array as _frozen
from .init import aligned_init, random_init
from .losses import EndToEndLoss
from .modes import learning_time, mode_loss
from .trajectory import Trajectory

__all__ = [
    "gradient_flow",
    "gradient_flow_batch",
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
    weight_decay: float = 0.0,
    warn: bool = True,
    stop_tol: float | None = DEFAULT_STOP_TOL,
    max_steps: int | None = DEFAULT_MAX_STEPS,
    stop_at: str = "global minimum",
) -> Trajectory:
    r"""Integrate the layer-wise gradient flow :math:`\dot W_j = -\nabla_{W_j} L`.

    .. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    (or :math:`-W_{j+1:h}^\top \nabla\ell(W_{1:h}) W_{1:j-1}^\top` for a general loss), with
    :math:`-\lambda W_j` added when ``weight_decay`` :math:`= \lambda > 0`.

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
    weight_decay : float, default 0
        :math:`\lambda \ge 0`: the flow of the regularised loss
        :math:`L + \tfrac{\lambda}{2}\sum_i\lVert W_i\rVert_F^2` (see
        :mod:`deeplinear.weight_decay`); ``loss`` and ``gradient_norm`` of the trajectory are
        those of the regularised loss. The :math:`C_i` are then no longer conserved: they decay
        as :math:`e^{-2\lambda t} C_i(0)` (``conserved_drift`` measures it). With
        :math:`\lambda > 0` the ``stop_tol`` test is on the gradient alone (the regularised
        loss has spurious local minima and no closed-form global value to compare with).
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
        ``t_span``. With an ``end_to_end_loss`` the same test applies when the loss knows its
        minimum, through a method ``rank_constrained_minimum(rank)`` (the loss on data
        :func:`deeplinear.losses.data_quadratic_loss`, whose minimum is that of reduced-rank
        regression, and :func:`deeplinear.losses.quadratic`): then
        :math:`L^\star` = ``rank_constrained_minimum(min(d))`` and the scale
        :math:`\lVert\Sigma\rVert_F^2` is :math:`2(\ell(0) - \min_W \ell)`, the learnable part
        of the loss (the squared norm of the reduced target of the data), and the gradient
        is that of the loss being integrated. Other losses have no known minimum: pass the
        ``"convergence"`` event with ``grad_tol`` (or ``loss_tol``) instead.
    max_steps : int or None, default 100000
        Stop after this many solver steps (``status`` ``"max steps"``, with a warning); the
        trajectory ends at the last step. ``None``: no limit.
    stop_at : {"global minimum", "critical point"}, default "global minimum"
        Where the ``stop_tol`` test may stop the flow. ``"global minimum"``: only there (both
        conditions above), so a flow never stops at a saddle it passes. ``"critical point"``: at
        any critical point, on the gradient condition alone, for a flow meant to converge to a
        saddle (from its stable set, e.g. :func:`deeplinear.escape.flow_from_saddle`); the
        message then says which: the global minimum, or a saddle with its loss and its height
        above :math:`L^\star` (every critical point of the quadratic loss that is not a global
        minimum is a saddle). Near a saddle that is not strict (``h >= 3``) the approach is
        algebraic, and the weights are still about :math:`\mathrm{tol}^{1/(h-1)}` (relative)
        away when the gradient test fires. Not used with ``weight_decay > 0``, where the
        gradient alone decides anyway.

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
    With ``method="DOP853"`` (the default) or ``"RK45"``, and no ``t_eval`` or at most a
    quarter as many output times as the fewest steps ``max_step`` allows, the steps are those
    of Hairer's compiled DOP853 (DOPRI5) code in :class:`scipy.integrate.ode`: the same
    Runge-Kutta method as ``solve_ivp``'s, whose step-size controller takes a few per cent
    more or fewer steps, with about 0.7 us of overhead per evaluation against about 5 us for
    scipy's Python steppers; a step that holds a ``t_eval`` time or an event is recomputed by
    scipy's ``DOP853`` (16 evaluations) for its dense output. Otherwise the steps are those of
    :func:`scipy.integrate.solve_ivp` with the same method, tolerances and ``max_step``, with
    no more right-hand-side evaluations: the dense output (3 more evaluations per DOP853 step)
    is computed only on steps that contain a ``t_eval`` time or an event. ``weights_at``
    recomputes the one step it needs; the diagnostics (loss, gradient norm, end-to-end map,
    conserved quantities) are computed once, at the output times, with stacked matrix products.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` is not a real matrix, ``t_span``
        is not a number or a pair of numbers, a tolerance or ``max_step`` is not a real
        number, ``stop_at`` is not a string, ``end_to_end_loss`` lacks ``shape``, ``value`` or
        ``gradient``, or ``events`` (or an event's options) has the wrong type.
    ValueError
        If ``weights0`` is invalid (empty, non-finite, shapes that do not chain); ``Sigma``
        does not have shape ``(d_h, d_0)``; both or neither of ``Sigma`` and
        ``end_to_end_loss`` are given, or the loss has the wrong shape; ``t_span`` does not
        satisfy ``t0 < t1``; ``t_eval`` is empty, unsorted or outside ``t_span``; a
        tolerance or ``max_step`` is not positive; ``stop_at`` is not one of its two values;
        an event name or option is unknown or an
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
    >>> [round(float(v), 4) for v in traj.loss]
    [6.9987, 2.2185, 0.4787, 0.0051, 0.0]
    """
    problem = _FlowProblem.parse(weights0, Sigma, t_span, t_eval, rtol, atol, end_to_end_loss, max_step, weight_decay)
    stop_tol = None if stop_tol is None else as_positive(stop_tol, "stop_tol")
    max_steps = None if max_steps is None else as_int(max_steps, "max_steps", minimum=1)
    stop_at = as_stop_rule(stop_at)
    solver_class(method)  # an unknown method is an error before any work
    fns = _FlowFunctions(problem)
    evset = _build_events(_parse_events(events), fns, problem.t0, fns.y0)
    stop = _convergence_stop(problem, fns, stop_tol, stop_at)
    with np.errstate(all="ignore"):
        f0 = fns.rhs(problem.t0, fns.y0)
    if not np.all(np.isfinite(f0)):  # the solver's first-step selection would produce t = nan and never stop
        raise InvalidArgumentError("the gradient is not finite at weights0 (overflow); rescale the initial weights")
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


# --------------------------------------------------------------------------- many starts at once


def gradient_flow_batch(
    weights0_list: Sequence[Sequence[np.ndarray]],
    Sigma: np.ndarray,
    t_span: tuple[float, float] | float,
    *,
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    method: str = "DOP853",
    max_step: float | str = "auto",
    stop_tol: float | None = DEFAULT_STOP_TOL,
    max_steps: int | None = DEFAULT_MAX_STEPS,
    warn: bool = True,
    weight_decay: float = 0.0,
) -> list[Trajectory]:
    r"""The gradient flow from many initial weights of the same widths, integrated as one stacked state.

    .. math:: \dot W^{(b)}_j = W^{(b)\top}_{j+1:h} (\Sigma - W^{(b)}_{1:h}) W^{(b)\top}_{1:j-1}, \qquad b = 1, \dots, B

    One integration of the ``B`` networks: each right-hand side is ``3h - 3`` stacked matrix
    products for the whole batch (instead of ``B`` times as many small ones), and the step size is
    controlled by the largest of the members' error norms, so each member is integrated at least
    as accurately as :func:`gradient_flow` would integrate it alone (with the same ``rtol``,
    ``atol``, and ``max_step`` the smallest of the members' ``"auto"`` caps). For studies that
    integrate many small networks over the same times.

    Parameters
    ----------
    weights0_list : sequence of list of ndarray
        ``B >= 1`` initial ``[W_1, ..., W_h]``, all of the same widths.
    Sigma : ndarray, shape (d_h, d_0)
        The target (quadratic loss).
    t_span, t_eval, rtol, atol, max_step, stop_tol, max_steps, warn, weight_decay
        As in :func:`gradient_flow`; the run stops at convergence when every member has converged
        (with ``weight_decay`` :math:`= \lambda > 0`, the flow of the regularised loss, when every
        member's gradient norm is below the threshold of ``stop_tol``).
    method : {"DOP853", "RK45", "RK23"}, default "DOP853"
        An explicit Runge-Kutta method.

    Returns
    -------
    list of Trajectory
        One per start, in order, on the same output times, with the batch's ``status``,
        ``message``, ``t_stop`` and ``nfev`` (evaluations of the stacked right-hand side).

    Raises
    ------
    TypeError
        If ``weights0_list`` is not a sequence of weight lists, or an argument has the wrong
        type (as in :func:`gradient_flow`).
    ValueError
        If ``weights0_list`` is empty or its members differ in widths, ``method`` is not an
        explicit Runge-Kutta method, or an argument is invalid (as in :func:`gradient_flow`).

    See Also
    --------
    gradient_flow : one start, with events and general losses.

    Examples
    --------
    >>> S = np.diag([2.0, 1.0])
    >>> starts = [dl.random_init((2, 2, 2), np.random.default_rng(seed), 0.1) for seed in range(3)]
    >>> trajs = dl.gradient_flow_batch(starts, S, (0, 1e6), t_eval=[0, 5, 10])
    >>> [tr.status for tr in trajs], trajs[0].t_stop < 100
    (['converged', 'converged', 'converged'], True)
    >>> alone = dl.gradient_flow(starts[1], S, (0, 10), t_eval=[0, 5, 10])
    >>> bool(np.allclose(trajs[1].loss, alone.loss, rtol=1e-7, atol=1e-12))
    True
    """
    if isinstance(weights0_list, np.ndarray) or not isinstance(weights0_list, Sequence):
        raise ArgumentTypeError(f"weights0_list must be a list of initial weight lists, got {type(weights0_list).__name__}")
    if len(weights0_list) == 0:
        raise InvalidArgumentError("weights0_list must hold at least one start, got an empty list")
    problems = [_FlowProblem.parse(W0, Sigma, t_span, t_eval, rtol, atol, None, max_step, weight_decay) for W0 in weights0_list]
    d = problems[0].widths
    for b, p in enumerate(problems):
        if p.widths != d:
            raise InvalidArgumentError(f"weights0_list[{b}] has widths {p.widths}, but weights0_list[0] has widths {d}")
    stop_tol = None if stop_tol is None else as_positive(stop_tol, "stop_tol")
    max_steps = None if max_steps is None else as_int(max_steps, "max_steps", minimum=1)
    shapes, B, p0 = [w.shape for w in problems[0].W0], len(problems), problems[0]
    idx = member_index(shapes, B)
    cls = batched_solver(method, idx)
    fns = [_FlowFunctions(p) for p in problems]
    y0 = np.empty(idx.size)
    y0[idx] = np.stack([f.y0 for f in fns])
    rhs = batch_rhs(shapes, B, p0.Sigma, p0.weight_decay)
    with np.errstate(all="ignore"):
        if not np.all(np.isfinite(rhs(p0.t0, y0))):
            raise InvalidArgumentError("the gradient is not finite at some weights0 (overflow); rescale the initial weights")
        run = drive(rhs, p0.t0, p0.t1, y0, method=cls, rtol=p0.rtol, atol=p0.atol, max_step=min(p.max_step for p in problems),
                    t_eval=p0.t_eval, converged=batch_stop(p0, stop_tol, idx, fns), max_steps=max_steps,
                    bound=DIVERGENCE_BOUND)
    status = {"diverged": "blowup"}.get(run.status, run.status)
    message = run.message if status in ("converged", "max steps") else (
        f"integrated to t = {p0.t1:g}" if status == "completed" else f"integration {status}: {run.message}")
    run.status, run.message = status, message
    finite = np.all(np.isfinite(run.y), axis=0)
    if not np.all(finite) or run.t.size == 0:
        k = int(np.argmin(finite)) if not np.all(finite) else 0
        run.t, run.y = (run.t[:k], run.y[:, :k]) if k else (np.array([p0.t0]), y0[:, None])
        run.status, run.message, run.t_stop = "failed", f"integration failed: non-finite state after t = {run.t[-1]:g}", float(run.t[-1])
    if run.status in ("failed", "blowup", "max steps") and warn:
        warnings.warn(f"gradient_flow_batch: {run.message}", RuntimeWarning, stacklevel=2)
    return [_assemble_trajectory(p, f, r, warn) for p, f, r in zip(problems, fns, member_runs(run, problems, idx))]


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
        End of the time interval ``[0, t_max]``, ``> 0`` and at most ``10 T``, where ``T`` is
        the time by which the exact flow has converged (its loss within
        ``DEFAULT_STOP_TOL`` :math:`\lVert\sigma\rVert^2` of the minimum, from
        :func:`deeplinear.modes.learning_time`; at least the slowest linear time
        :math:`1/(h\,\sigma_{\min}^{2-2/h})`). The study compares the settings through the
        transitions, which are over by ``T``; later the exact loss is flat, and the loose
        settings, whose solutions hover about the minimum at the size of their tolerances,
        never meet the convergence stop of :func:`gradient_flow` and would run on to its
        ``max_steps``.
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
        ``t_max`` is not positive, ``t_max`` exceeds ``10 T``, ``h < 1``, ``num < 2``,
        ``settings`` is empty, or a setting is rejected by :func:`gradient_flow`.
    ConvergenceError
        If the integration with some setting stops before ``t_max`` (a ``RuntimeError``).

    Examples
    --------
    >>> study = dl.tolerance_study((2.0, 1.0), 1e-3, 2, 4.0, num=5,
    ...                            settings={"tight": {}, "loose": {"rtol": 1e-3, "atol": 1e-6}})
    >>> study.max_error["tight"] < 1e-8 < study.max_error["loose"]
    True
    """
    s = as_positive_values(singular_values, "singular_values")
    a0 = as_positive(a0, "a0")
    h = as_depth(h)
    with np.errstate(over="ignore"):
        finite_result(np.float64(a0) ** h, "tolerance_study", "a0")  # the start's product a0^h
    t_max = as_positive(t_max, "t_max")
    T = _exact_convergence_time(s, float(a0) ** h, h)
    if t_max > 10.0 * T:
        raise InvalidArgumentError(
            f"t_max = {t_max:g} is far past the transitions the study compares: the exact flow has converged by "
            f"t = {T:.4g} (loss within {DEFAULT_STOP_TOL:g} ||sigma||^2 of its minimum), so t_max must be at most "
            f"{10.0 * T:.4g}; beyond it the loose settings never meet the convergence stop and run on to max_steps")
    num = as_int(num, "num", minimum=2)
    settings = dict(_DEFAULT_SETTINGS if settings is None else settings)
    if not settings:
        raise InvalidArgumentError("settings must name at least one tolerance setting")
    r = s.size
    W0 = aligned_init((r,) * (h + 1), a0)
    S = np.diag(s)
    t = np.linspace(0.0, t_max, num)
    exact = mode_loss(t, a0**h, s, h)
    losses, errors, nfev = {}, {}, {}
    for label, kw in settings.items():
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t, **dict(kw))
        if tr.t.size != t.size:
            raise ConvergenceError(f"setting {label!r}: the integration stopped early ({tr.message})")
        losses[label] = _frozen(tr.loss)
        errors[label] = float(np.max(np.abs(tr.loss - exact)))
        nfev[label] = int(tr.nfev)
    return ToleranceStudy(_frozen(t), _frozen(exact), losses, errors, nfev, _frozen(s), float(a0), h)


def _exact_convergence_time(s: np.ndarray, u0: float, h: int) -> float:
    """When the aligned, balanced flow from products ``u0`` has its loss within ``DEFAULT_STOP_TOL
    ||s||^2`` of the minimum (each mode within ``delta`` of ``s_k``), but at least the slowest linear
    time ``1 / (h s_min^(2 - 2/h))``."""
    delta = float(np.sqrt(2.0 * DEFAULT_STOP_TOL * np.sum(s * s) / s.size))
    times = [1.0 / (h * float(np.min(s)) ** (2.0 - 2.0 / h))]
    for sk in s:
        if abs(sk - u0) > delta:
            times.append(float(learning_time(u0, sk - delta if u0 < sk else sk + delta, float(sk), h)))
    return max(times)


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
    s = as_real_array(singular_values, "singular_values", ndim=1)
    if np.any(s < 0):
        raise InvalidArgumentError(f"singular_values must be a non-empty list of non-negative numbers, got {singular_values!r:.80}")
    r = s.size
    W0 = random_init((r,) * (h + 1), np.random.default_rng(seed), scale)
    tr = gradient_flow(W0, np.diag(s), (0.0, t_max), t_eval=np.linspace(0.0, t_max, 481))
    return ScrubbedFlow(tr, _frozen(s))
