r"""Incremental (saddle-to-saddle) learning: the ladder of plateaus a small start descends.

From a small start the flow learns the singular values of :math:`\Sigma` one after another,
largest first, and the loss rests near the critical values
:math:`\tfrac12\sum_{k > m}\sigma_k^2` in between (Saxe, McClelland and Ganguli 2014;
Gidel, Bach and Lacoste-Julien 2019; Jacot et al. 2021).

* :func:`incremental_plateaus` -- the predicted half-times and plateau values of an aligned
  balanced start (closed forms of :mod:`deeplinear.modes`, one per mode).
* :func:`incremental_run` integrates the flow from an aligned or a random small start, with the
  plateau events of :func:`deeplinear.gradient_flow`, and collects the predictions of
  :func:`incremental_plateaus` and the ladder of :func:`deeplinear.critical_values`.
* :func:`random_half_times` predicts the transition times of a *random* small two-layer start
  (a heuristic, checked numerically in the chapter); :func:`random_vs_aligned` compares
  random and aligned starts.

The figures are in :mod:`deeplinear.plots.incremental`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_positive, as_real_array, as_weights, finite_result, widths_of, as_seeds
from ._validation import as_positive_values as _positive_values
from ._validation import frozen_array as _frozen
from .curves import plateau_dwell
from .flow import gradient_flow
from .trajectory import Trajectory
from .init import aligned_init, random_init
from .quotient import CriticalValues, critical_values
from .modes import _singular_values, learning_time, learnt_rank, mode_loss, plateau_time
from .errors import ConvergenceError, InvalidArgumentError

__all__ = [
    "IncrementalPlateaus",
    "incremental_plateaus",
    "IncrementalRun",
    "incremental_run",
    "random_half_times",
    "RandomVsAligned",
    "random_vs_aligned",
]


# --------------------------------------------------------------------------- predicted plateaus of an aligned start


@dataclass(frozen=True)
class IncrementalPlateaus:
    r"""Predicted saddle-to-saddle (incremental) learning of an aligned balanced network.

    Attributes
    ----------
    singular_values : ndarray, shape (r,)
        The (positive) singular values, in the order given.
    u0 : ndarray, shape (r,)
        Initial mode products.
    h : int
        Depth.
    half_times : ndarray, shape (r,)
        Exact time at which mode ``k`` reaches ``sigma_k / 2`` (``0`` if it starts past it).
    escape_times : ndarray or None
        The asymptotic approximation :func:`deeplinear.modes.plateau_time` (``None`` for
        ``h = 1``).
    order : ndarray of int
        Modes sorted by half-time: the order in which they are learnt.
    critical_values : ndarray, shape (r + 1,)
        The loss plateaus in that order: :math:`\tfrac12\sum_{k \text{ not yet learnt}}\sigma_k^2`,
        starting with half the total energy and ending with 0. They are critical values of
        the loss (survey Section 3.1).

    Examples
    --------
    >>> plateaus = dl.incremental_plateaus([3.0, 2.0, 1.0], 1e-6, 2)
    >>> isinstance(plateaus, dl.incremental.IncrementalPlateaus), plateaus.order
    (True, array([0, 1, 2]))
    """

    singular_values: np.ndarray
    u0: np.ndarray
    h: int
    half_times: np.ndarray
    escape_times: np.ndarray | None
    order: np.ndarray
    critical_values: np.ndarray


def incremental_plateaus(
    singular_values: Sequence[float] | np.ndarray,
    u0: float | Sequence[float] | np.ndarray,
    h: int,
) -> IncrementalPlateaus:
    r"""Mode learning times and the critical values the loss rests on (Saxe et al. 2014; Jacot et al. 2021).

    From a small aligned balanced start, mode ``k`` is learnt around its half-time
    (``h = 2``: :math:`t_k = \frac{1}{2\sigma_k}\ln\frac{\sigma_k - u_0}{u_0}`), so modes are
    learnt in decreasing order of :math:`\sigma_k` and the loss rests near

    .. math:: \tfrac12\sum_{k>m}\sigma_k^2

    between the ``m``-th and ``(m+1)``-th transitions. The half-times are exact
    (:func:`deeplinear.modes.learning_time` to :math:`\sigma_k/2`).

    Parameters
    ----------
    singular_values : array_like, shape (r,)
        Positive singular values.
    u0 : float or array_like, shape (r,)
        Initial mode products, ``0 < u0_k < sigma_k``.
    h : int
        Depth.

    Returns
    -------
    IncrementalPlateaus
        Half-times, asymptotic escape times, the learning order and the critical values visited.

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``u0`` is not real.
    ValueError
        If ``h < 1``; if ``singular_values`` is empty, not 1-D, not finite or not positive; if
        ``u0`` is neither a number nor one value per mode, or some ``u0_k`` is outside ``(0, sigma_k)``.
    NonFiniteResultError
        If the times or the critical values overflow (singular values near ``1e150`` and beyond).

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR. Jacot, Ged, Şimşek, Hongler and Gabriel (2021),
    "Saddle-to-saddle dynamics in deep linear networks: small initialization training,
    symmetry, and sparsity", arXiv:2106.15933.

    Examples
    --------
    >>> plateaus = dl.incremental_plateaus([3.0, 2.0, 1.0], 1e-6, 2)
    >>> plateaus.half_times
    array([2.485687, 3.627164, 6.907755])
    >>> plateaus.critical_values
    array([7. , 2.5, 0.5, 0. ])
    """
    h = as_depth(h)
    s = _singular_values(singular_values)
    if np.any(s == 0):
        raise InvalidArgumentError(f"singular_values must be positive (a zero mode is never learnt), got {s}")
    u = as_real_array(u0, "u0")
    if u.ndim > 1 or u.size not in (1, s.size):
        raise InvalidArgumentError(f"u0 must be a number or one value per mode ({s.size}), got shape {u.shape}")
    u = np.broadcast_to(u.reshape(-1), s.shape).copy()
    if np.any(u <= 0) or np.any(u >= s):
        raise InvalidArgumentError(f"u0 must satisfy 0 < u0_k < sigma_k for every mode, got u0 = {u} for sigma = {s}")
    with np.errstate(over="ignore", invalid="ignore"):
        half = np.array([0.0 if uk >= sk / 2 else learning_time(uk, sk / 2, sk, h) for sk, uk in zip(s, u)])
        esc = None if h == 1 else np.array([plateau_time(uk, sk, h) for sk, uk in zip(s, u)])
        order = np.argsort(half, kind="stable")
        energy = 0.5 * s[order] ** 2
        crit = np.concatenate([[energy.sum()], energy.sum() - np.cumsum(energy)])
        finite_result([half, crit] + ([esc] if esc is not None else []), "incremental_plateaus", "singular_values")
    crit[-1] = 0.0
    s = s.copy()
    for arr in (s, u, half, order, crit) + ((esc,) if esc is not None else ()):
        arr.setflags(write=False)
    return IncrementalPlateaus(s, u, h, half, esc, order, crit)


def random_half_times(weights0: Sequence[np.ndarray], singular_values: Sequence[float]) -> np.ndarray:
    r"""Predicted half-times of a small *random* two-layer start (a heuristic).

    In reduced coordinates (:math:`\Sigma` diagonal, singular vectors the coordinate vectors)
    the linearised flow near the origin moves :math:`a_k = W_1 e_k` and :math:`b_k = W_2^\top e_k`
    by :math:`\dot a_k = \sigma_k b_k`, :math:`\dot b_k = \sigma_k a_k`, so
    :math:`v_k = a_k + b_k` grows like :math:`e^{\sigma_k t}` and the mode product
    :math:`b_k^\top a_k` like :math:`\tfrac14|v_k(0)|^2 e^{2\sigma_k t}`. A mode that is learnt
    later can only use the part of :math:`v_k` orthogonal to the hidden directions already
    taken by the larger modes. Hence the heuristic: orthogonalise the :math:`v_k(0)` in
    decreasing order of :math:`\sigma_k` (Gram-Schmidt, i.e. a QR factorisation
    :math:`V = QR`), take the effective start :math:`\tilde u_k = R_{kk}^2/4`, and use the
    aligned half-time

    .. math:: t_k = \frac{1}{2\sigma_k}\ln\frac{\sigma_k - \tilde u_k}{\tilde u_k}.

    This is not a theorem; the chapter checks it against integrated flows.

    Parameters
    ----------
    weights0 : [W_1, W_2]
        The small initial weights (depth 2), ``W_1`` of shape ``(d_1, d_0)``, ``W_2`` of shape
        ``(d_2, d_1)``.
    singular_values : sequence of float
        The diagonal :math:`\sigma_1, \sigma_2, \dots` of :math:`\Sigma` (positive, distinct).

    Returns
    -------
    ndarray, shape (r,)
        Predicted half-times, in the order of ``singular_values`` (``0`` for a mode that
        starts past half-way, ``inf`` for one with :math:`\tilde u_k = 0`).

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices or ``singular_values`` not a sequence of
        numbers.
    ValueError
        If the depth is not 2; if the singular values are not positive and finite, not
        distinct, or more than fit the target (``min(d_0, d_2)``) or the hidden layer (``d_1``).

    Examples
    --------
    >>> W0 = dl.random_init((3, 3, 3), np.random.default_rng(0), 1e-3)
    >>> dl.random_half_times(W0, [3.0, 2.0, 1.0])
    array([2.51388 , 3.603777, 8.968842])
    """
    W = as_weights(weights0, "weights0")
    if len(W) != 2:
        raise InvalidArgumentError(f"random_half_times is for depth h = 2, got h = {len(W)}")
    d = widths_of(W)
    s = _positive_values(singular_values)
    if s.size > min(d[0], d[2]):
        raise InvalidArgumentError(f"{s.size} singular values do not fit a {d[2]} x {d[0]} target")
    if s.size > d[1]:
        raise InvalidArgumentError(f"only d_1 = {d[1]} modes fit through the hidden layer, got {s.size} singular values")
    if np.unique(s).size != s.size:
        raise InvalidArgumentError(f"the singular values must be distinct for the learning order to be defined, got {s}")
    order = np.argsort(-s, kind="stable")
    V = np.column_stack([W[0][:, k] + W[1][k, :] for k in order])
    R = np.linalg.qr(V, mode="r")
    u = np.diag(R) ** 2 / 4.0
    out = np.empty(s.size)
    for j, k in enumerate(order):
        sk, uk = s[k], u[j]
        if uk <= 0:
            out[k] = np.inf
        elif uk >= sk / 2:
            out[k] = 0.0
        else:
            out[k] = np.log((sk - uk) / uk) / (2 * sk)
    return _frozen(out)


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class IncrementalRun:
    r"""A flow from a small start, with the predicted and observed plateaus.

    The property ``visited_values`` gives the critical values of the top sets
    :math:`\{1, \dots, m\}` in the order visited (``prediction.critical_values``).

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times.
    loss : ndarray, shape (n,)
        Loss along the integrated network flow.
    exact : ndarray or None
        Closed-form loss :func:`deeplinear.mode_loss` (aligned starts only).
    singular_values : ndarray, shape (r,)
        The diagonal of the target.
    h : int
        Depth.
    a0 : float
        Per-layer mode value (aligned) or entry standard deviation (random).
    init : str
        ``"aligned"`` or ``"random"``.
    prediction : IncrementalPlateaus
        The aligned prediction for per-mode products :math:`u_0 = a_0^h`.
    predicted_half_times : ndarray
        Half-times predicted for *this* start: the aligned ones, or :func:`random_half_times`
        for a random start of depth 2 (NaN for a random start of depth ``h >= 3``).
    critical : CriticalValues
        Every critical value of the loss (:func:`deeplinear.critical_values`).
    plateau_intervals : ndarray, shape (p, 2)
        ``[entry, exit]`` times of the ``"plateau"`` events: where the relative loss rate
        :math:`|\dot L|/L` is below ``threshold``.
    threshold : float
        The plateau threshold, in units of 1/time.
    ranks : ndarray of int, shape (n,)
        :func:`deeplinear.modes.learnt_rank` of the end-to-end map at each output time.
    trajectory : Trajectory
        The integrated flow (:func:`deeplinear.gradient_flow`).

    Examples
    --------
    >>> run = dl.incremental_run((2.0, 1.0), 1e-3, 2, t_max=10.0, num=41)
    >>> isinstance(run, dl.incremental.IncrementalRun), run.visited_values
    (True, array([2.5, 0.5, 0. ]))
    """

    t: np.ndarray
    loss: np.ndarray
    exact: np.ndarray | None
    singular_values: np.ndarray
    h: int
    a0: float
    init: str
    prediction: IncrementalPlateaus
    predicted_half_times: np.ndarray
    critical: CriticalValues
    plateau_intervals: np.ndarray
    threshold: float
    ranks: np.ndarray
    trajectory: Trajectory

    @property
    def visited_values(self) -> np.ndarray:
        r"""The critical values of the top sets :math:`\{1, \dots, m\}`, in the order visited."""
        return self.prediction.critical_values


def _intervals(entries: np.ndarray, exits: np.ndarray, t_end: float) -> np.ndarray:
    entries = np.sort(np.asarray(entries, dtype=float))
    exits = np.sort(np.asarray(exits, dtype=float))
    out = []
    for e in entries:
        later = exits[exits > e]
        out.append((e, float(later[0]) if later.size else t_end))
    return np.array(out, dtype=float).reshape(-1, 2)


def incremental_run(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    a0: float = 1e-3,
    h: int = 2,
    *,
    t_max: float = 14.0,
    num: int = 281,
    threshold: float = 0.5,
    init: str = "aligned",
    seed: int = 0,
) -> IncrementalRun:
    r"""Integrate the flow of a square network ``(r, ..., r)`` from a small start.

    Target :math:`\Sigma = \mathrm{diag}(\sigma)`; the start is :func:`deeplinear.aligned_init`
    with every layer value ``a0`` (``init="aligned"``, mode products :math:`a_0^h`) or
    :func:`deeplinear.random_init` with entry standard deviation ``a0`` drawn from
    ``numpy.random.default_rng(seed)`` (``init="random"``). The flow

    .. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    records the ``"plateau"`` events of :func:`deeplinear.gradient_flow` with the given
    ``threshold`` (in units of 1/time; choose it below the final rate
    :math:`2h\sigma_{\min}^{2-2/h}`, or the last approach to the minimum counts as a plateau).

    Parameters
    ----------
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        The positive diagonal of :math:`\Sigma`; ``r`` is their number.
    a0 : float, default 1e-3
        Per-layer mode value (aligned) or entry standard deviation (random); ``a0**h`` must be
        below ``min(singular_values) / 2``.
    h : int, default 2
        Depth, ``>= 2``.
    t_max : float, default 14.0
        Final time.
    num : int, default 281
        Number of output times, evenly spaced on ``[0, t_max]``.
    threshold : float, default 0.5
        Threshold of the plateau events (relative loss rate, 1/time).
    init : {"aligned", "random"}, default "aligned"
        The kind of start.
    seed : int, default 0
        Seed of the random start.

    Returns
    -------
    IncrementalRun
        The loss, the closed form (aligned), the predicted half-times, the critical values,
        the plateau intervals and the learnt rank along the flow.

    Raises
    ------
    TypeError
        If a number has the wrong type (``h``, ``num`` integers; ``a0``, ``t_max``,
        ``threshold`` reals).
    ValueError
        If ``singular_values`` are not positive and finite; ``h < 2``; ``a0``, ``t_max`` or
        ``threshold`` is not positive; ``num < 2``; ``init`` is not ``"aligned"`` or
        ``"random"``; or ``a0**h`` is not small against :math:`\sigma_{\min}`.
    RuntimeError
        If the flow stops before ``t_max``.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR. Jacot, Ged, Şimşek, Hongler and Gabriel (2021),
    "Saddle-to-saddle dynamics in deep linear networks: small initialization training,
    symmetry, and sparsity", arXiv:2106.15933.

    Examples
    --------
    >>> run = dl.incremental_run((2.0, 1.0), 1e-3, 2, t_max=10.0, num=41)
    >>> bool(np.allclose(run.loss, run.exact, atol=1e-6)), run.predicted_half_times
    (True, array([3.627164, 6.907755]))
    >>> int(run.ranks[0]), int(run.ranks[-1])
    (0, 2)
    """
    s = _positive_values(singular_values)
    a0 = as_positive(a0, "a0")
    h = as_depth(h)
    if h < 2:
        raise InvalidArgumentError("incremental learning needs depth h >= 2 (depth 1 has no saddle)")
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    threshold = as_positive(threshold, "threshold")
    if init not in ("aligned", "random"):
        raise InvalidArgumentError(f"init must be 'aligned' or 'random', got {init!r:.40}")
    r = s.size
    with np.errstate(over="ignore"):
        u0 = float(np.float64(a0) ** h)  # inf for a huge a0: not a small start either
    if u0 >= float(np.min(s)) / 2:
        raise InvalidArgumentError(f"a0 = {a0:g} gives mode products a0^h = {u0:.3g}, not small against sigma_min = {np.min(s):g}")
    d = (r,) * (h + 1)
    W0 = aligned_init(d, a0) if init == "aligned" else random_init(d, np.random.default_rng(seed), a0)
    S = np.diag(s)
    t = np.linspace(0.0, t_max, num)
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t, events={"plateau": {"threshold": threshold}})
    if tr.t.size != num:
        raise ConvergenceError(f"the flow stopped early: {tr.message}")
    pred = incremental_plateaus(s, u0, h)
    if init == "aligned":
        exact = _frozen(mode_loss(t, u0, s, h))
        half = pred.half_times
    else:
        exact = None
        half = random_half_times(W0, s) if h == 2 else _frozen(np.full(r, np.nan))
    cv = critical_values(s, d)
    iv = _intervals(tr.events.get("plateau_entry", []), tr.events.get("plateau_exit", []), t_max)
    ranks = learnt_rank(tr.end_to_end, s)
    ranks.setflags(write=False)
    return IncrementalRun(_frozen(tr.t), _frozen(tr.loss), exact, _frozen(s), h, a0, init, pred, half, cv,
                          _frozen(iv), threshold, ranks, tr)


# --------------------------------------------------------------------------- random against aligned


@dataclass(frozen=True)
class RandomVsAligned:
    r"""Aligned and random small starts of the same size, over several seeds.

    The property ``max_prediction_error`` is the largest
    :math:`|t_k^{\rm measured} - t_k^{\rm predicted}|` over seeds and modes.

    Attributes
    ----------
    singular_values : ndarray, shape (r,)
        The diagonal of :math:`\Sigma`, strictly decreasing.
    scale : float
        Per-layer mode value of the aligned start and entry standard deviation of the random
        ones (depth 2, square widths).
    seeds : tuple of int
        The seeds of the random starts.
    t : ndarray, shape (n,)
        The output times.
    aligned_loss : ndarray, shape (n,)
        Closed-form loss of the aligned start.
    random_losses : ndarray, shape (n_seeds, n)
        Loss of each random start.
    rungs : ndarray, shape (n_rungs,)
        The positive visited critical values below the initial one.
    rel : float
        Relative width of the band around each rung.
    aligned_dwell : ndarray, shape (n_rungs,)
        Time within ``rel * c`` of each rung ``c`` (:func:`deeplinear.curves.plateau_dwell`).
    random_dwell : ndarray, shape (n_seeds, n_rungs)
        The same for each random start.
    aligned_half_times : ndarray, shape (r,)
        Exact half-times of the aligned start.
    measured_half_times : ndarray, shape (n_seeds, r)
        First time :math:`s_k(W(t)) \ge \sigma_k/2` (sorted values, linear interpolation);
        ``nan`` where :math:`s_k` stays below :math:`\sigma_k/2` up to ``t_max`` (a mode not
        learnt in the time simulated).
    predicted_half_times : ndarray, shape (n_seeds, r)
        :func:`random_half_times`.

    Examples
    --------
    >>> cmp = dl.random_vs_aligned((2.0, 1.0), 1e-3, seeds=range(2), t_max=10.0, num=201)
    >>> isinstance(cmp, dl.incremental.RandomVsAligned), cmp.random_losses.shape
    (True, (2, 201))
    """

    singular_values: np.ndarray
    scale: float
    seeds: tuple
    t: np.ndarray
    aligned_loss: np.ndarray
    random_losses: np.ndarray
    rungs: np.ndarray
    rel: float
    aligned_dwell: np.ndarray
    random_dwell: np.ndarray
    aligned_half_times: np.ndarray
    measured_half_times: np.ndarray
    predicted_half_times: np.ndarray

    @property
    def max_prediction_error(self) -> float:
        """Largest :math:`|t_k^{\\rm measured} - t_k^{\\rm predicted}|` over seeds and modes."""
        return float(np.max(np.abs(self.measured_half_times - self.predicted_half_times)))


def _crossing(t: np.ndarray, y: np.ndarray, level: float) -> float:
    above = np.nonzero(y >= level)[0]
    if above.size == 0:
        return np.nan
    j = int(above[0])
    if j == 0:
        return float(t[0])
    y0, y1 = y[j - 1], y[j]
    return float(t[j - 1] + (level - y0) * (t[j] - t[j - 1]) / (y1 - y0))


def random_vs_aligned(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    scale: float = 1e-3,
    seeds: Iterable[int] = range(20),
    *,
    t_max: float = 16.0,
    num: int = 3201,
    rel: float = 0.1,
) -> RandomVsAligned:
    r"""Integrate one random start per seed and compare with the aligned start of the same scale.

    Square widths ``(r, r, r)`` (depth 2), :math:`\Sigma = \mathrm{diag}(\sigma)` with
    decreasing distinct entries. The aligned start has mode products ``scale**2`` and the loss
    of :func:`deeplinear.mode_loss`; each random start is
    :func:`deeplinear.random_init` ``((r, r, r), default_rng(seed), scale)``, integrated with
    :func:`deeplinear.gradient_flow`, and its half-times are compared with
    :func:`random_half_times`.

    Parameters
    ----------
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        Strictly decreasing positive values.
    scale : float, default 1e-3
        Size of the starts; ``scale**2`` must be below ``min(singular_values) / 2``.
    seeds : iterable of int, default range(20)
        One random start per seed.
    t_max : float, default 16.0
        Final time.
    num : int, default 3201
        Number of output times, evenly spaced on ``[0, t_max]``.
    rel : float, default 0.1
        Relative band around each rung for the dwell times.

    Returns
    -------
    RandomVsAligned
        Losses, dwell times on each rung, and measured and predicted half-times.

    Raises
    ------
    TypeError
        If a number has the wrong type or a seed is not convertible to ``int``.
    ValueError
        If the singular values are not positive, finite and strictly decreasing; ``scale``,
        ``t_max`` or ``rel`` is not positive; ``scale`` is not small; ``seeds`` is empty; or
        ``num < 2``.
    RuntimeError
        If a flow stops before ``t_max``.

    Examples
    --------
    >>> cmp = dl.random_vs_aligned((2.0, 1.0), 1e-3, seeds=range(2), t_max=10.0, num=201)
    >>> cmp.rungs, bool(cmp.max_prediction_error < 1e-3)
    (array([0.5]), True)
    """
    s = _positive_values(singular_values)
    if np.any(np.diff(s) >= 0):
        raise InvalidArgumentError(f"singular_values must be strictly decreasing, got {s}")
    scale = as_positive(scale, "scale")
    if scale >= 1.0 or scale**2 >= s[-1] / 2:  # (scale >= 1: no overflow in scale**2, never small)
        raise InvalidArgumentError(f"scale = {scale:g} is not a small start for sigma_min = {s[-1]:g}")
    seeds = as_seeds(seeds)
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    rel = as_positive(rel, "rel")
    r = s.size
    t = np.linspace(0.0, t_max, num)
    aligned = mode_loss(t, scale**2, s, 2)
    pred = incremental_plateaus(s, scale**2, 2)
    rungs = np.array([v for v in pred.critical_values[1:] if v > 0])
    a_dwell = np.array([plateau_dwell(t, aligned, c, rel) for c in rungs])
    losses, dwell, meas, predicted = [], [], [], []
    S = np.diag(s)
    for seed in seeds:
        W0 = random_init((r, r, r), np.random.default_rng(seed), scale)
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        if tr.t.size != num:
            raise ConvergenceError(f"seed {seed}: the flow stopped early ({tr.message})")
        losses.append(tr.loss)
        dwell.append([plateau_dwell(t, tr.loss, c, rel) for c in rungs])
        sv = np.linalg.svd(tr.end_to_end, compute_uv=False)
        meas.append([_crossing(t, sv[:, k], s[k] / 2) for k in range(r)])
        predicted.append(random_half_times(W0, s))
    return RandomVsAligned(_frozen(s), scale, seeds, _frozen(t), _frozen(aligned), _frozen(losses), _frozen(rungs), rel,
                           _frozen(a_dwell), _frozen(dwell), _frozen(pred.half_times), _frozen(meas), _frozen(predicted))
