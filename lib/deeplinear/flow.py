r"""Integrating the gradient flow, layer-wise and in adjacency form.

Layer-wise (the fast path):

.. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top, \qquad j = 1, \dots, h,

computed by back-propagation (``h - 1`` forward products, ``2h - 2`` backward ones). Adjacency form
(Wendin and Altafini, arXiv:2511.10362, Section 3), on all of
:math:`\mathbb{R}^{n_v \times n_v}` and without any projection:

.. math:: \dot A = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top .

Both are integrated with :func:`scipy.integrate.solve_ivp` with dense output.

For 0-balanced weights the end-to-end map follows a closed equation of its own
(:func:`end_to_end_rhs`; Arora, Cohen and Hazan 2018), which :func:`end_to_end_velocity`
(the product rule along the layer-wise flow), :func:`singular_value_velocity` and
:func:`margin_rate` (the rate a deficiency margin guarantees) complement.

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
from scipy.integrate import solve_ivp

from ._validation import as_depth, as_matrix, as_positive, as_time_span, as_weights, as_widths, check_sigma, widths_of
from .invariants import _conserved_unchecked, conserved_drift
from .loss import _depth_and_check, _gradient_unchecked
from .losses import EndToEndLoss, _as_loss
from .network import layer_slices, partial_product

__all__ = [
    "Event",
    "Trajectory",
    "AdjacencyTrajectory",
    "gradient_flow",
    "gradient_flow_adjacency",
    "end_to_end_rhs",
    "end_to_end_velocity",
    "singular_value_velocity",
    "margin_rate",
    "zero_crossings",
    "DEFAULT_RTOL",
    "DEFAULT_ATOL",
]

DEFAULT_RTOL = 1e-10
DEFAULT_ATOL = 1e-14


@dataclass(frozen=True)
class Event:
    r"""A named event for :func:`gradient_flow`.

    Attributes
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
    """

    name: str
    function: Callable[[float, list[np.ndarray]], float]
    terminal: bool = False
    direction: float = 0.0


# --------------------------------------------------------------------------- state packing


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


# --------------------------------------------------------------------------- trajectory


@dataclass(frozen=True)
class Trajectory:
    r"""A solution of the layer-wise gradient flow (returned by :func:`gradient_flow`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        Output times (``t_eval``, or the solver's steps), ending at the termination time.
    weights : list of list of ndarray
        ``weights[k]`` is ``[W_1, ..., W_h]`` at ``t[k]``.
    loss : ndarray, shape (n,)
    gradient_norm : ndarray, shape (n,)
        :math:`\lVert\nabla L\rVert` (all layers), so :math:`\dot L = -\lVert\nabla L\rVert^2`.
    end_to_end : ndarray, shape (n, d_h, d_0)
    conserved : list of list of ndarray
        ``conserved[k]`` is ``[C_1, ..., C_{h-1}]`` at ``t[k]``.
    conserved_drift : ndarray, shape (n,)
        :math:`\max_i \lVert C_i(t) - C_i(0)\rVert_F / \max(1, \lVert C_i(0)\rVert_F)`.
    events : dict of str to ndarray
        Event name -> times at which it happened.
    status : str
        ``"completed"`` (reached the end of ``t_span``), ``"converged"`` (convergence event),
        ``"blowup"`` (norm bound exceeded), ``"event"`` (another terminal event) or
        ``"failed"`` (the solver failed; the trajectory stops at the last good time).
    message : str
        Human-readable explanation of ``status``.
    widths : tuple of int
    nfev : int
        Number of right-hand-side evaluations.
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
        """Weights at arbitrary times from the dense output (``[W_1..W_h]``, or a list of them for an array ``t``)."""
        arr = np.asarray(t, dtype=float)
        lo, hi = float(self.t[0]), float(self.t[-1])
        if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
            raise ValueError(f"t = {t!r:.60} is outside the integrated interval [{lo}, {hi}]")
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


# --------------------------------------------------------------------------- events


def _parse_events(events: object) -> list[tuple[str, dict]]:
    """Normalise ``events`` to a list of (kind, options); kind is a built-in name or 'custom'."""
    if events is None:
        return []
    if isinstance(events, str) or isinstance(events, Event) or callable(events):
        events = (events,)
    if isinstance(events, Mapping):
        items = list(events.items())
    elif isinstance(events, Sequence):
        items = []
        for e in events:
            if isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], Mapping):
                items.append(e)
            else:
                items.append((e, {}))
    else:
        raise TypeError(f"events must be a name, an Event, a callable, or a sequence/dict of them, got {events!r:.80}")
    out = []
    for key, opts in items:
        if opts is None:
            opts = {}
        if not isinstance(opts, Mapping):
            raise TypeError(f"options for event {key!r} must be a dict, got {opts!r:.80}")
        if isinstance(key, str):
            allowed = {"convergence": {"loss_tol", "grad_tol"}, "plateau": {"threshold"}, "blowup": {"bound"}}
            if key not in allowed:
                raise ValueError(f"unknown event name {key!r}; built-in events are {sorted(allowed)} (or pass an Event or a callable)")
            unknown = set(opts) - allowed[key]
            if unknown:
                raise ValueError(f"event {key!r} does not take options {sorted(unknown)}; it takes {sorted(allowed[key])}")
            out.append((key, dict(opts)))
        elif isinstance(key, Event):
            out.append(("custom", {"event": key}))
        elif callable(key):
            name = getattr(key, "__name__", "event")
            out.append(("custom", {"event": Event(name, key, bool(getattr(key, "terminal", False)), float(getattr(key, "direction", 0.0)))}))
        else:
            raise TypeError(f"event {key!r:.60} is neither a built-in name, an Event nor a callable")
    return out


# --------------------------------------------------------------------------- main integrator


def _hessian_norm_estimate(W: Sequence[np.ndarray], S: np.ndarray, iterations: int = 20) -> float:
    """``|lambda|_max`` of the loss Hessian at ``W`` by a few power iterations (deterministic start)."""
    from .descent import _hvp  # exact Hessian-vector products

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
        * an :class:`Event`, or a callable ``f(t, weights) -> float`` (optional attributes
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
        Issue a ``RuntimeWarning`` when the integration fails or blows up.

    Returns
    -------
    Trajectory
        Times, weights, loss, gradient norm, end-to-end maps, conserved quantities and their
        drift, event times, ``status``/``message`` and dense output ``weights_at(t)``. If the
        solver fails, the trajectory stops at the last good time and says so; it never
        contains NaN.

    Examples
    --------
    >>> import deeplinear as dl
    >>> W0 = dl.aligned_init((3, 3, 3), 1e-3)
    >>> traj = dl.gradient_flow(W0, np.diag([3.0, 2.0, 1.0]), (0, 12), t_eval=[1, 3, 5, 8, 12])
    >>> [round(float(v), 4) for v in traj.loss]  # digest claim 27
    [6.9987, 2.2185, 0.4787, 0.0051, 0.0]
    """
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    t0, t1 = as_time_span(t_span)
    te = _check_t_eval(t_eval, t0, t1)
    rtol = as_positive(rtol, "rtol")
    atol = as_positive(atol, "atol")
    if end_to_end_loss is not None:
        if Sigma is not None:
            raise ValueError("pass either Sigma (quadratic loss) or end_to_end_loss, not both")
        ell = _as_loss(end_to_end_loss, (d[-1], d[0]))
    else:
        if Sigma is None:
            raise ValueError("Sigma is required (or pass end_to_end_loss=...)")
        S = check_sigma(Sigma, d)

        class _Quad:
            shape = S.shape

            @staticmethod
            def value(P):
                R = S - P
                return 0.5 * float(np.sum(R * R))

            @staticmethod
            def gradient(P):
                return P - S

        ell = _Quad()

    max_step = _max_step(max_step, W0, None if end_to_end_loss is not None else S)
    packer = _Packer([w.shape for w in W0])
    if end_to_end_loss is None:
        rhs_raw = _make_rhs(packer, S)
    else:
        rhs_raw = _make_rhs(packer, None, lambda P: -ell.gradient(P))

    def loss_of(y):
        W = packer.unpack(y)
        P = W[0]
        for M in W[1:]:
            P = M @ P
        return float(ell.value(P))

    cache: dict = {}

    def loss_and_gnorm2(t, y):
        if cache.get("t") == t and np.array_equal(cache.get("y"), y):
            return cache["val"]
        g = rhs_raw(t, y)
        val = (loss_of(y), float(g @ g))
        cache.update(t=t, y=y.copy(), val=val)
        return val

    # ---- events
    parsed = _parse_events(events)
    ivp_events: list[Callable] = []
    names: list[str] = []
    kinds: list[str] = []
    y0 = packer.pack(W0)
    initial_records: dict[str, list[float]] = {}
    immediate_stop: tuple[str, str] | None = None
    for kind, opts in parsed:
        if kind == "convergence":
            loss_tol = as_positive(opts.get("loss_tol", 1e-12), "loss_tol", allow_zero=True)
            grad_tol = opts.get("grad_tol")
            grad_tol = None if grad_tol is None else as_positive(grad_tol, "grad_tol")

            def conv(t, y, loss_tol=loss_tol, grad_tol=grad_tol):
                if grad_tol is None:
                    return loss_of(y) - loss_tol
                L, g2 = loss_and_gnorm2(t, y)
                return min(L - loss_tol, np.sqrt(g2) - grad_tol)

            conv.terminal, conv.direction = True, -1.0
            ivp_events.append(conv)
            names.append("convergence")
            kinds.append("convergence")
            if conv(t0, y0) <= 0:
                initial_records.setdefault("convergence", []).append(t0)
                immediate_stop = ("converged", f"converged at t = {t0:g}: the initial point already meets the convergence criterion")
        elif kind == "plateau":
            thr = as_positive(opts.get("threshold", 0.1), "threshold")

            def plat(t, y, thr=thr):
                L, g2 = loss_and_gnorm2(t, y)
                return g2 - thr * L

            entry = lambda t, y, f=plat: f(t, y)  # noqa: E731
            entry.terminal, entry.direction = False, -1.0
            exit_ = lambda t, y, f=plat: f(t, y)  # noqa: E731
            exit_.terminal, exit_.direction = False, 1.0
            ivp_events += [entry, exit_]
            names += ["plateau_entry", "plateau_exit"]
            kinds += ["plateau", "plateau"]
            if plat(t0, y0) < 0:
                initial_records.setdefault("plateau_entry", []).append(t0)
        elif kind == "blowup":
            bound = as_positive(opts.get("bound", 1e6), "bound")

            def blow(t, y, bound=bound):
                norm = max(float(np.linalg.norm(w)) for w in packer.unpack(y))
                # past an overflow the root finder must still see the sign change, not nan
                return bound - norm if np.isfinite(norm) else -bound

            blow.terminal, blow.direction = True, -1.0
            ivp_events.append(blow)
            names.append("blowup")
            kinds.append("blowup")
            if blow(t0, y0) <= 0:
                raise ValueError(f"the initial weights already exceed the blow-up bound {bound:g}")
        else:
            ev: Event = opts["event"]

            def custom(t, y, ev=ev):
                return float(ev.function(t, [w.copy() for w in packer.unpack(y)]))

            custom.terminal, custom.direction = bool(ev.terminal), float(ev.direction)
            ivp_events.append(custom)
            names.append(ev.name)
            kinds.append("custom")

    # ---- integrate
    with np.errstate(all="ignore"):
        f0 = rhs_raw(t0, y0)
    if not np.all(np.isfinite(f0)):  # scipy's first-step selection would produce t = nan and never stop
        raise ValueError("the gradient is not finite at weights0 (overflow); rescale the initial weights")
    if immediate_stop is not None:
        status, message = immediate_stop
        sol_t, sol_y, solution, nfev = np.array([t0]), y0[:, None], None, 0
        ev_times = {n: np.array(initial_records.get(n, [])) for n in names}
    else:
        with np.errstate(all="ignore"):  # overflow shows up as a failed step, reported below
            try:
                res = solve_ivp(
                    rhs_raw, (t0, t1), y0, method=method, t_eval=te, dense_output=True, events=ivp_events or None,
                    rtol=rtol, atol=atol, max_step=max_step,
                )
            except ValueError as err:  # scipy's event root finder on a step that overflowed
                raise FloatingPointError(
                    f"gradient_flow: the {method} solver stopped with {err!r}; the solution probably blows up "
                    "within one step: lower the blow-up bound, or use the default method"
                ) from err
        solution, nfev = res.sol, int(res.nfev)
        if solution is not None and len(getattr(solution, "interpolants", [None])) == 0:
            solution = None  # the solver failed before its first step
        sol_t = np.asarray(res.t, dtype=float).ravel()
        sol_y = np.asarray(res.y, dtype=float).reshape(y0.size, sol_t.size)
        ev_times = {}
        for k, n in enumerate(names):
            found = res.t_events[k] if res.t_events is not None else np.array([])
            ev_times[n] = np.concatenate([np.array(initial_records.get(n, []), dtype=float), found])
        status, message = "completed", f"integrated to t = {t1:g}"
        t_end = t1
        if res.status == 1:
            idx = next(k for k in range(len(names)) if ivp_events[k].terminal and len(res.t_events[k]))
            t_end = float(res.t_events[idx][-1])
            y_end = res.y_events[idx][-1]
            kind = kinds[idx]
            if kind == "convergence":
                status = "converged"
                message = f"converged at t = {t_end:.6g} (loss {loss_of(y_end):.3g})"
            elif kind == "blowup":
                status = "blowup"
                message = f"blow-up at t = {t_end:.6g}: a weight norm reached the bound"
            else:
                status = "event"
                message = f"terminal event {names[idx]!r} at t = {t_end:.6g}"
            if sol_t.size == 0 or sol_t[-1] < t_end:
                sol_t = np.append(sol_t, t_end)
                sol_y = np.column_stack([sol_y, y_end]) if sol_y.size else y_end[:, None]
        elif res.status == -1:
            status = "failed"
            message = f"integration failed: {res.message}"
            if "blowup" in kinds and sol_t.size:
                # a finite-time blow-up: the step size underflows before the norm reaches a
                # large bound (the time to the singularity drops below the spacing of floats)
                start = max(float(np.linalg.norm(w)) for w in W0)
                end = max(float(np.linalg.norm(w)) for w in packer.unpack(sol_y[:, -1]))
                if np.isfinite(end) and end > 100.0 * max(start, 1.0):
                    status = "blowup"
                    message = (f"blow-up near t = {sol_t[-1]:.6g}: the weight norm grew from {start:.3g} to "
                               f"{end:.3g} and the step size underflowed ({res.message})")
        # never return non-finite states
        finite = np.all(np.isfinite(sol_y), axis=0)
        if not np.all(finite):
            first_bad = int(np.argmin(finite))
            sol_t, sol_y = sol_t[:first_bad], sol_y[:, :first_bad]
            status = "failed"
            message = f"integration failed: non-finite state after t = {sol_t[-1] if sol_t.size else t0:g}"
        if sol_t.size == 0:  # e.g. failure before the first t_eval point
            sol_t, sol_y = np.array([t0]), y0[:, None]
        if status in ("failed", "blowup") and warn:
            warnings.warn(f"gradient_flow: {message}", RuntimeWarning, stacklevel=2)

    # ---- derived quantities
    def _derived(W, t, y):
        P = W[0]
        for M in W[1:]:
            P = M @ P
        g = rhs_raw(t, y)
        return P, float(ell.value(P)), float(np.sqrt(g @ g)), _conserved_unchecked(W)

    C0 = _conserved_unchecked(W0)
    weights = [[w.copy() for w in packer.unpack(sol_y[:, k])] for k in range(sol_t.size)]
    with np.errstate(all="ignore"):  # a failed run may end on huge (finite) weights
        derived = [_derived(W, sol_t[k], sol_y[:, k]) for k, W in enumerate(weights)]
    ok = [bool(np.isfinite(v) and np.isfinite(g) and np.all(np.isfinite(P)) and all(np.all(np.isfinite(c)) for c in C))
          for P, v, g, C in derived]
    if not all(ok):  # overflow in the loss or its gradient: cut there and say so
        k = ok.index(False)
        if k == 0:
            raise ValueError("the loss or its gradient overflows at the initial weights; rescale weights0")
        message = f"integration failed: the loss or its gradient overflows after t = {sol_t[k - 1]:g}"
        status = "failed"
        if warn:
            warnings.warn(f"gradient_flow: {message}", RuntimeWarning, stacklevel=2)
        sol_t, weights, derived = sol_t[:k], weights[:k], derived[:k]
    n = sol_t.size
    E2E = np.empty((n, d[-1], d[0]))
    losses = np.empty(n)
    gnorm = np.empty(n)
    conserved = []
    drift = np.empty(n)
    for k, (P, val, g, C) in enumerate(derived):
        E2E[k] = P
        losses[k] = val
        gnorm[k] = g
        conserved.append(C)
        drift[k] = conserved_drift(C0, C)
    sol_t = np.array(sol_t, dtype=float)
    for arr in (sol_t, losses, gnorm, E2E, drift):
        arr.setflags(write=False)
    return Trajectory(
        t=sol_t, weights=weights, loss=losses, gradient_norm=gnorm, end_to_end=E2E, conserved=conserved,
        conserved_drift=drift, events=ev_times, status=status, message=message, widths=d, nfev=nfev,
        _solution=solution,
        _packer=packer,
    )


# --------------------------------------------------------------------------- adjacency form


@dataclass(frozen=True)
class AdjacencyTrajectory:
    r"""A solution of the unprojected adjacency-form flow (see :func:`gradient_flow_adjacency`).

    Attributes
    ----------
    t : ndarray, shape (n,)
    A : ndarray, shape (n, n_v, n_v)
    loss : ndarray, shape (n,)
        :math:`\tfrac12\lVert E - A^h\rVert_F^2`.
    nilpotency_residual : ndarray, shape (n,)
        :math:`\lVert A(t)^{h+1}\rVert_F` (zero while the block-shift structure is kept).
    pattern_leak : ndarray, shape (n,), or None
        Largest entry of :math:`A(t)` outside the first block sub-diagonal (when ``widths`` is known).
    status, message : str
    h : int
    widths : tuple of int or None
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
    _solution: Any = field(repr=False, compare=False, default=None)

    def A_at(self, t: float | np.ndarray) -> np.ndarray:
        """``A`` at arbitrary times in the integrated interval (dense output)."""
        arr = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr < self.t[0]) or np.any(arr > self.t[-1]):
            raise ValueError(f"t = {t!r:.60} is outside the integrated interval [{self.t[0]}, {self.t[-1]}]")
        n = self.A.shape[1]
        Y = self._solution(arr.ravel())
        return Y.T.reshape(arr.shape + (n, n))

    def weights(self, k: int) -> list[np.ndarray]:
        """The weights read off ``A[k]`` (needs ``widths``)."""
        if self.widths is None:
            raise ValueError("pass widths=... to gradient_flow_adjacency to read weights off A")
        sl = layer_slices(self.widths)
        return [self.A[k][sl[i + 1], sl[i]].copy() for i in range(len(self.widths) - 1)]

    def __repr__(self) -> str:
        return (
            f"AdjacencyTrajectory(n_v={self.A.shape[1]}, h={self.h}, n={self.t.size}, "
            f"loss {self.loss[0]:.6g} -> {self.loss[-1]:.6g}, status={self.status!r})"
        )


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
    warn: bool = True,
) -> AdjacencyTrajectory:
    r"""Integrate the survey's adjacency-form flow on all :math:`n_v^2` entries, unprojected.

    .. math:: \dot A = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top

    Started from a block-shift :math:`A_0 = \mathrm{blk}_1(W_1, \dots, W_h)` with
    :math:`E = \mathrm{blk}_h(\Sigma)`, the solution stays block-shift (each term lies in one
    block of the first sub-diagonal), so :math:`A(t)^{h+1} = 0` and its blocks follow the
    layer-wise flow. This is the slow reference form (dense :math:`n_v \times n_v` products);
    use :func:`gradient_flow` for computation.

    Parameters
    ----------
    A0 : ndarray, shape (n_v, n_v)
    E : ndarray, shape (n_v, n_v)
    h : int
        Depth.
    t_span, t_eval, rtol, atol, method
        As in :func:`gradient_flow`.
    max_step : float or "auto", default "auto"
        As in :func:`gradient_flow`; ``"auto"`` uses ``4 / lambda_ref`` with
        :math:`\lambda_{\rm ref} = h\lVert E\rVert_2^{2-2/h} + h\lVert A_0\rVert_2^{2h-2}`.
    widths : sequence of int, optional
        ``(d_0, ..., d_h)``; enables ``pattern_leak`` and reading weights off ``A``.
    warn : bool, default True
        Warn if the integration fails.

    Returns
    -------
    AdjacencyTrajectory
    """
    A0, E, h = _depth_and_check(A0, E, h, "A0")
    d = None
    if widths is not None:
        d = as_widths(widths)
        if len(d) - 1 != h or sum(d) != A0.shape[0]:
            raise ValueError(f"widths {d} do not match h = {h} and n_v = {A0.shape[0]}")
    t0, t1 = as_time_span(t_span)
    te = _check_t_eval(t_eval, t0, t1)
    rtol = as_positive(rtol, "rtol")
    atol = as_positive(atol, "atol")
    n = A0.shape[0]
    if isinstance(max_step, str):
        if max_step != "auto":
            raise ValueError(f"max_step must be a positive number, np.inf or 'auto', got {max_step!r}")
        with np.errstate(all="ignore"):
            lam = h * np.float64(np.linalg.norm(E, 2)) ** (2.0 - 2.0 / h) + h * np.float64(np.linalg.norm(A0, 2)) ** (2 * h - 2)
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
        return G.ravel()

    with np.errstate(all="ignore"):
        f0 = rhs(t0, A0.ravel())
        if not np.all(np.isfinite(f0)):  # scipy's first-step selection would produce t = nan and never stop
            raise ValueError("the gradient is not finite at A0 (overflow); rescale A0")
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
        losses = np.array([0.5 * float(np.sum((E - np.linalg.matrix_power(A, h)) ** 2)) for A in As])
        nil = np.array([float(np.linalg.norm(np.linalg.matrix_power(A, h + 1))) for A in As])
    bad = ~(np.isfinite(losses) & np.isfinite(nil))
    if np.any(bad):  # overflow in the loss: cut there and say so
        k = int(np.argmax(bad))
        if k == 0:
            raise ValueError("the loss overflows at A0; rescale A0")
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
    return AdjacencyTrajectory(
        t=np.array(tt, dtype=float), A=As, loss=losses, nilpotency_residual=nil, pattern_leak=leak,
        status=status, message=message, h=h, widths=d, _solution=res.sol,
    )


# --------------------------------------------------------------------------- end-to-end (balanced) dynamics


def _psd_power(M: np.ndarray, p: float) -> np.ndarray:
    lam, Q = np.linalg.eigh(M)
    if p == 0:
        return np.eye(M.shape[0])
    tol = 16 * M.shape[0] * np.finfo(float).eps * max(float(lam[-1]), 0.0)  # rounding-level eigenvalues are zero
    keep = lam > tol
    vals = np.zeros_like(lam)
    vals[keep] = lam[keep] ** p
    return (Q * vals) @ Q.T


def end_to_end_rhs(W: np.ndarray, Sigma: np.ndarray, h: int) -> np.ndarray:
    r"""The closed end-to-end dynamics of a 0-balanced network (Arora, Cohen and Hazan 2018).

    .. math:: \dot W = \sum_{j=1}^{h} (W W^\top)^{\frac{h-j}{h}} (\Sigma - W) (W^\top W)^{\frac{j-1}{h}}

    If all :math:`C_i = 0` the product :math:`W = W_h \cdots W_1` of the layer-wise flow obeys
    this ODE (a Riemannian gradient flow on the matrices of fixed rank, Bah et al. 2022).
    Fractional powers are those of the positive semidefinite Gram matrices (``0^0 = I``).

    Parameters
    ----------
    W : ndarray, shape (d_h, d_0)
    Sigma : ndarray, shape (d_h, d_0)
    h : int
        Depth.

    Returns
    -------
    ndarray, shape (d_h, d_0)
    """
    W = as_matrix(W, "W")
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    if S.shape != W.shape:
        raise ValueError(f"Sigma has shape {S.shape} but W has shape {W.shape}")
    R = S - W
    L, Rt = W @ W.T, W.T @ W
    out = np.zeros_like(W)
    for j in range(1, h + 1):
        out += _psd_power(L, (h - j) / h) @ R @ _psd_power(Rt, (j - 1) / h)
    return out


def end_to_end_velocity(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> np.ndarray:
    r"""The velocity :math:`\dot W` of the end-to-end map when the layers follow the gradient flow.

    By the product rule, with :math:`\dot W_j = -\nabla_{W_j} L`,

    .. math:: \dot W = \sum_{j=1}^h W_{j+1:h}\, \dot W_j\, W_{1:j-1}.

    For 0-balanced weights this equals :func:`end_to_end_rhs` of the product
    (Arora, Cohen and Hazan 2018); in general it depends on more than the product.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)

    Returns
    -------
    ndarray, shape (d_h, d_0)
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    G = _gradient_unchecked(W, S)
    h = len(W)
    return -sum(partial_product(W, j + 1, h) @ G[j - 1] @ partial_product(W, 1, j - 1) for j in range(1, h + 1))




def singular_value_velocity(W: np.ndarray, Sigma: np.ndarray, h: int) -> np.ndarray:
    r"""The singular-value law of the balanced end-to-end flow,
    :math:`\dot s_k = h\, s_k^{2-2/h} \langle \Sigma - W, u_k v_k^\top\rangle`.

    Valid where the singular values of ``W`` are simple and non-zero (Arora, Cohen, Hu and Luo
    2019); it follows from :func:`end_to_end_rhs`.

    Parameters
    ----------
    W : ndarray, shape (d_h, d_0)
        The end-to-end map.
    Sigma : ndarray, shape (d_h, d_0)
    h : int
        Depth.

    Returns
    -------
    ndarray, shape (min(d_h, d_0),)
        The rates for :math:`s_1 \ge s_2 \ge \dots` (the compact SVD of ``W``).
    """
    W = as_matrix(W, "W")
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    if S.shape != W.shape:
        raise ValueError(f"Sigma has shape {S.shape} but W has shape {W.shape}")
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    inner = np.einsum("ik,ij,kj->k", U, S - W, Vt)
    return h * s ** (2.0 - 2.0 / h) * inner




def margin_rate(c: float, h: int, *, square: bool = True) -> float:
    r"""The exponential rate guaranteed by a deficiency margin ``c`` for a 0-balanced flow.

    .. math::

       \ell(t) \le \ell(0)\, e^{-\rho t}, \qquad
       \rho = \begin{cases} 2h\, c^{2(h-1)/h} & d_0 = d_h \text{ (square end-to-end map)},\\
                            2\, c^{2(h-1)/h} & \text{in general.} \end{cases}

    The proof is in the chapter on balanced initialisations: along the flow
    :math:`\dot\ell = -\langle \nabla\ell, \mathcal A_W(\nabla\ell)\rangle` and the smallest
    eigenvalue of :math:`\mathcal A_W` is at least :math:`h\,\sigma_{\min}(W)^{2(h-1)/h}` for
    square invertible :math:`W`, but only :math:`\sigma_{\min}(W)^{2(h-1)/h}` when :math:`W`
    has a kernel or a co-kernel.

    Parameters
    ----------
    c : float
        Deficiency margin, ``> 0``.
    h : int
        Depth.
    square : bool, default True
        Whether :math:`d_0 = d_h`.

    Returns
    -------
    float

    See Also
    --------
    deeplinear.deficiency_margin : the margin ``c`` of a start.
    """
    c = as_positive(c, "c")
    h = as_depth(h)
    exponent = 2.0 * (h - 1) / h
    return float((2.0 * h if square else 2.0) * c**exponent)


def zero_crossings(t: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The times at which sampled ``values`` change sign, by linear interpolation between samples.

    For quantities along a trajectory (``t = traj.t``): when a weight passes through zero, when
    a distance falls below a level (pass ``distance - level``). A sample exactly at zero counts
    as a sign change with its neighbours.

    Raises
    ------
    ValueError
        If ``t`` and ``values`` are not 1-D arrays of the same length with finite entries.
    """
    t = np.asarray(t, dtype=float)
    g = np.asarray(values, dtype=float)
    if t.ndim != 1 or g.shape != t.shape:
        raise ValueError(f"t and values must be 1-D of the same length, got shapes {t.shape} and {g.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(g))):
        raise ValueError("t and values must be finite")
    k = np.flatnonzero(np.diff(np.sign(g)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(g[k + 1] != g[k], g[k] / (g[k] - g[k + 1]), 0.0)
    return t[k] + frac * (t[k + 1] - t[k])
