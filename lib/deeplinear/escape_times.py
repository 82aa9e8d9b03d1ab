r"""How long the flow takes to leave a saddle: measured escape times and their scaling.

:func:`saddle_escape_times` measures the time a flow started near a saddle needs to leave it,
for many random starts; :func:`escape_phase_blowup_time` and :func:`escape_phase_scaling`
study the first phase of a flow from a small random start, where the dynamics is close to a
finite-time blow-up (numerical studies behind the open-problems chapter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_depth,
    as_matrix,
    as_positive,
    as_weights,
    check_sigma,
    finite_result,
    widths_of,
)
from ._validation import as_positive_values as _positive_values, as_seeds
from ._validation import frozen_array as _frozen
from .classification import classify
from .critical import critical_point
from .escape import _FAST
from .flow import gradient_flow
from .init import random_init
from .losses import linear
from .errors import InvalidArgumentError

__all__ = [
    "SaddleEscapeTimes",
    "saddle_escape_times",
    "escape_phase_blowup_time",
    "EscapePhaseScaling",
    "escape_phase_scaling",
]


def _seeds(seeds: object, name: str = "seeds") -> tuple[int, ...]:
    return as_seeds(seeds, name)


def _square(r: int, h: int) -> tuple[int, ...]:
    return (r,) * (h + 1)


def _below(level: float) -> dict:
    """The terminal event "the loss falls to ``level``" (the built-in ``"convergence"`` event with
    ``loss_tol = level``: the loss on the solver's flat state, no copies of the weights)."""
    return {"convergence": {"loss_tol": level}}


def _first_time_below(W0: list[np.ndarray], S: np.ndarray, t_max: float, event: dict) -> float:
    """First time the flow from ``W0`` has loss at most the level of ``event``, ``inf`` if not by ``t_max``.

    LSODA without a step cap; no ``stop_tol`` test, since the terminal event comes first (the loss
    decreases along the flow, and the level lies above the global minimum).
    """
    tr = gradient_flow(W0, S, (0.0, t_max), events=event, stop_tol=None, **_FAST)
    hit = tr.events.get("convergence", ())
    return float(hit[0]) if len(hit) else float("inf")


@dataclass(frozen=True)
class SaddleEscapeTimes:
    r"""Escape times from a non-strict and a strict saddle with the same critical value.

    Attributes
    ----------
    Sigma : ndarray
        The target (square diagonal).
    h : int
        The depth.
    points : dict
        ``{"non-strict": weights, "strict": weights}``: the balanced representative of the
        learnt set ``{1}`` (:func:`deeplinear.critical_point`) and the point
        :math:`(\sqrt{\sigma_1}e_1e_1^\top, I, \dots, I, \sqrt{\sigma_1}e_1e_1^\top)`.
    kinds : dict
        :func:`deeplinear.classify` of each point (``kind``).
    lambda_min : dict
        The smallest Hessian eigenvalue of each point.
    value : float
        The common critical value :math:`L_{\{1\}}`.
    threshold : float
        A flow has escaped when its loss falls below this (half of :math:`L_{\{1\}}`).
    eps : ndarray
        Sizes of the perturbations (Frobenius norm over all layers).
    seeds : tuple of int
        One random unit direction per seed, the same for both points and every ``eps``.
    times : dict
        ``{kind: ndarray of shape (n_eps, n_seeds)}``; ``inf`` if no escape by ``t_max``.
    t_max : float
        The end of the integration.

    Examples
    --------
    >>> et = dl.saddle_escape_times(h=3, eps=(0.3, 0.1), seeds=(0,), t_max=1e3)
    >>> et.kinds["strict"], et.value, et.times["strict"].shape
    ('strict saddle', 2.0, (2, 1))
    >>> np.round(et.median("strict"), 2)
    array([1.88, 2.6 ])
    """

    Sigma: np.ndarray
    h: int
    points: dict
    kinds: dict
    lambda_min: dict
    value: float
    threshold: float
    eps: np.ndarray
    seeds: tuple
    times: dict
    t_max: float

    def median(self, which: str) -> np.ndarray:
        """Median escape time over the seeds, for each ``eps``."""
        return np.median(self.times[which], axis=1)

    def slope(self, which: str) -> float:
        r"""Least-squares slope of :math:`\log(\text{median time})` against :math:`\log\varepsilon`."""
        m = self.median(which)
        ok = np.isfinite(m)
        return float(np.polyfit(np.log(self.eps[ok]), np.log(m[ok]), 1)[0])


def saddle_escape_times(
    Sigma: np.ndarray | None = None,
    h: int = 3,
    eps: Sequence[float] = (0.3, 0.1, 0.03, 0.01),
    seeds: Sequence[int] = tuple(range(6)),
    *,
    t_max: float = 1e4,
) -> SaddleEscapeTimes:
    r"""Perturb a non-strict and a strict saddle of the same value and time the escape.

    Square widths ``(r, ..., r)`` with :math:`\Sigma` square diagonal, ``r >= 2`` (default
    :math:`\mathrm{diag}(3, 2)`). Both points have learnt the largest singular value only, so
    both have the value :math:`L_{\{1\}} = \tfrac12\sum_{k\ge2}\sigma_k^2`. Each start is the
    point plus ``eps`` times a Gaussian direction of unit Frobenius norm; the escape time is
    when the loss first falls below :math:`L_{\{1\}}/2` (a terminal event of the flow).

    Parameters
    ----------
    Sigma : ndarray, shape (r, r), optional
        Square diagonal with strictly decreasing positive entries; default ``diag(3, 2)``.
    h : int, default 3
        Depth, ``>= 3``.
    eps : sequence of float, default (0.3, 0.1, 0.03, 0.01)
        Perturbation sizes in ``(0, 1)``.
    seeds : sequence of int, default 0..5
        One random direction per seed.
    t_max : float, default 1e4
        Integrate over ``[0, t_max]`` (LSODA).

    Returns
    -------
    SaddleEscapeTimes

    Raises
    ------
    ValueError
        If ``Sigma`` is not square diagonal with strictly decreasing positive entries and
        ``r >= 2``, ``h < 3``, ``eps`` is empty or outside ``(0, 1)``, ``seeds`` is empty, or
        ``t_max`` is not positive.

    Examples
    --------
    The strict saddle is left quickly; the non-strict one, with the same value, much later:

    >>> et = dl.saddle_escape_times(h=3, eps=(0.3, 0.1), seeds=(0,), t_max=1e3)
    >>> et.kinds["non-strict"], et.lambda_min["strict"]
    ('non-strict saddle', -2.0)
    >>> bool(np.all(et.times["non-strict"] > 4 * et.times["strict"]))
    True
    """
    S = np.diag([3.0, 2.0]) if Sigma is None else as_matrix(Sigma, "Sigma")
    r = S.shape[0]
    if S.shape != (r, r) or r < 2 or np.count_nonzero(S - np.diag(np.diag(S))) or np.any(np.diff(np.diag(S)) >= 0) \
            or np.diag(S)[-1] <= 0:
        raise InvalidArgumentError(f"Sigma must be square diagonal with strictly decreasing positive entries, r >= 2, got {S.tolist()}")
    h = as_depth(h)
    if h < 3:
        raise InvalidArgumentError(f"a non-strict saddle of this kind needs depth h >= 3, got h = {h}")
    eps_arr = _positive_values(eps, "eps")
    if np.any(eps_arr >= 1.0):
        raise InvalidArgumentError(f"eps must be a non-empty list of sizes in (0, 1), got {list(eps)!r:.80}")
    seeds = _seeds(seeds)
    t_max = as_positive(t_max, "t_max")
    d = _square(r, h)
    cp = critical_point((1,), S, d)
    e1 = np.zeros((r, r))
    e1[0, 0] = np.sqrt(S[0, 0])
    strict = [e1.copy()] + [np.eye(r) for _ in range(h - 2)] + [e1.copy()]
    points = {"non-strict": [np.array(w) for w in cp.weights], "strict": strict}
    kinds, lam = {}, {}
    for name, W in points.items():
        c = classify(W, S)
        kinds[name] = c.kind
        lam[name] = float(c.lambda_min)
    threshold = 0.5 * cp.value
    escape = _below(threshold)
    times = {name: np.full((eps_arr.size, len(seeds)), np.inf) for name in points}
    for j, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        Z = [rng.standard_normal(w.shape) for w in strict]
        nz = np.sqrt(sum(float(np.sum(z * z)) for z in Z))
        for i, e in enumerate(eps_arr):
            for name, W in points.items():
                W0 = [w + e * z / nz for w, z in zip(W, Z)]
                times[name][i, j] = _first_time_below(W0, S, t_max, escape)
    return SaddleEscapeTimes(_frozen(S), h, points, kinds, lam, float(cp.value), threshold, _frozen(eps_arr), seeds,
                             {k: _frozen(v) for k, v in times.items()}, t_max)


def escape_phase_blowup_time(weights0: Sequence[np.ndarray], Sigma: np.ndarray, *, bound: float = 1e6,
                             t_max: float = 1e4) -> float:
    r"""Blow-up time :math:`\tau` of the escape-phase flow from ``weights0``.

    Near the origin the quadratic terms of the gradient flow dominate the cubic ones; dropping
    the latter leaves

    .. math:: \dot W_j = W_{j+1:h}^\top\, \Sigma\, W_{1:j-1}^\top ,

    the gradient flow of the linear loss :math:`-\langle\Sigma, W_{1:h}\rangle`
    (:class:`deeplinear.losses.LinearLoss`). Its right-hand side is homogeneous of degree :math:`h - 1`,
    and for :math:`h \ge 3` its solutions typically reach infinity in finite time. Returned: the time at which the largest layer norm reaches
    ``bound`` (within :math:`O(\text{bound}^{2-h})` of the blow-up time), or ``inf`` if that does
    not happen by ``t_max``.

    Parameters
    ----------
    weights0 : list of ndarray
        The start ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    bound : float, default 1e6
        The layer norm taken as infinity.
    t_max : float, default 1e4
        Integrate over ``[0, t_max]``.

    Returns
    -------
    float
        :math:`\tau`, or ``inf``.

    Raises
    ------
    ValueError
        For depth ``h < 3`` (the escape-phase flow of depth two is linear and grows
        exponentially, without blow-up), a misshapen ``Sigma``, or a non-positive ``bound`` or
        ``t_max``.
    TypeError
        If ``weights0`` is not a list of matrices.

    Examples
    --------
    From the identity the layers stay equal, :math:`\dot w = \sigma_1 w^2`, and blow up at
    :math:`1/\sigma_1 = 1/3`:

    >>> round(dl.escape_phase_blowup_time([np.eye(2)] * 3, np.diag([3.0, 2.0])), 4)
    0.3333
    """
    W = as_weights(weights0, "weights0")
    d = widths_of(W)
    if len(W) < 3:
        raise InvalidArgumentError(f"the escape phase blows up in finite time only for depth h >= 3, got h = {len(W)}")
    S = check_sigma(Sigma, d)
    bound = as_positive(bound, "bound")
    t_max = as_positive(t_max, "t_max")
    tr = gradient_flow(W, None, (0.0, t_max), end_to_end_loss=linear(S), events={"blowup": {"bound": bound}},
                       warn=False, **_FAST)
    return float(tr.t[-1]) if tr.status == "blowup" else float("inf")


@dataclass(frozen=True)
class EscapePhaseScaling:
    r"""First escape times of random starts :math:`sZ` against the escape-phase blow-up time.

    Attributes
    ----------
    h : int
        The depth.
    singular_values : ndarray
        The diagonal of :math:`\Sigma`.
    scales : ndarray
        The scales ``s``.
    seeds : tuple of int
        The seeds of the starts :math:`Z`.
    taus : ndarray, shape (n_seeds,)
        :func:`escape_phase_blowup_time` from :math:`Z` (entries standard normal).
    times : ndarray, shape (n_seeds, n_scales)
        First time the loss of the full flow from :math:`sZ` falls below the midpoint between
        the first two rungs, :math:`\tfrac12\sum_k\sigma_k^2 - \tfrac14\sigma_1^2`.
    distribution_seeds : tuple of int
        Seeds of the sample of :math:`\tau(Z)`.
    distribution : ndarray
        :math:`\tau(Z)` for each of ``distribution_seeds``.
    aligned_tau : float
        :math:`1/((h-2)\sigma_1)`: the blow-up time of the aligned balanced start with layer
        value 1.
    scaled_times : ndarray, shape (n_seeds, n_scales)
        :math:`s^{h-2}\,T(s)` (a property).
    relative_gap : ndarray, shape (n_seeds, n_scales)
        :math:`|s^{h-2}T(s) - \tau(Z)| / \tau(Z)` (a property).

    Examples
    --------
    >>> sc = dl.escape_phase_scaling(h=3, scales=(0.1, 0.03), seeds=(0,), singular_values=(3.0, 2.0),
    ...                              distribution_seeds=(0,), t_max=1e4)
    >>> sc.times.shape, round(sc.aligned_tau, 4)
    ((1, 2), 0.3333)
    """

    h: int
    singular_values: np.ndarray
    scales: np.ndarray
    seeds: tuple
    taus: np.ndarray
    times: np.ndarray
    distribution_seeds: tuple
    distribution: np.ndarray
    aligned_tau: float

    @property
    def scaled_times(self) -> np.ndarray:
        r""":math:`s^{h-2}\,T(s)`, shape ``(n_seeds, n_scales)``."""
        return self.times * self.scales[None, :] ** (self.h - 2)

    @property
    def relative_gap(self) -> np.ndarray:
        r""":math:`|s^{h-2}T(s) - \tau(Z)| / \tau(Z)` for every seed and scale."""
        return np.abs(self.scaled_times - self.taus[:, None]) / self.taus[:, None]


def escape_phase_scaling(
    h: int = 3,
    scales: Sequence[float] = (0.1, 0.03, 0.01),
    seeds: Sequence[int] = tuple(range(6)),
    *,
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    distribution_seeds: Sequence[int] = tuple(range(30)),
    t_max: float = 1e6,
) -> EscapePhaseScaling:
    r"""Compare the first escape time :math:`T(s)` of the start :math:`sZ` with :math:`\tau(Z)/s^{h-2}`.

    Square widths ``(r, ..., r)``, :math:`\Sigma = \mathrm{diag}(\sigma)`, and
    ``Z = deeplinear.random_init(widths, numpy.random.default_rng(seed), 1.0)``.

    Parameters
    ----------
    h : int, default 3
        Depth, ``>= 3``.
    scales : sequence of float, default (0.1, 0.03, 0.01)
        Scales ``s`` in ``(0, 1)``.
    seeds : sequence of int, default 0..5
        Seeds of the starts :math:`Z` whose escape times are measured.
    singular_values : sequence of float, default (3, 2, 1)
        The diagonal of :math:`\Sigma` (positive), ``r`` of them.
    distribution_seeds : sequence of int, default 0..29
        Seeds of the sample of :math:`\tau(Z)`.
    t_max : float, default 1e6
        Integrate the full flow over ``[0, t_max]``.

    Returns
    -------
    EscapePhaseScaling

    Raises
    ------
    ValueError
        If ``h < 3``, ``scales`` is empty or outside ``(0, 1)``, a seed list is empty, the
        singular values are not positive, or ``t_max`` is not positive.

    Examples
    --------
    The rescaled escape time approaches the blow-up time as the scale shrinks:

    >>> sc = dl.escape_phase_scaling(h=3, scales=(0.1, 0.03), seeds=(0,), singular_values=(3.0, 2.0),
    ...                              distribution_seeds=(0,), t_max=1e4)
    >>> np.round(sc.relative_gap, 3)
    array([[0.06 , 0.018]])
    """
    h = as_depth(h)
    if h < 3:
        raise InvalidArgumentError(f"the escape-phase scaling s^(h-2) needs depth h >= 3, got h = {h}")
    s = _positive_values(singular_values)
    sc = _positive_values(scales, "scales")
    if np.any(sc >= 1.0):
        raise InvalidArgumentError(f"scales must be a non-empty list of small scales in (0, 1), got {list(scales)!r:.80}")
    seeds = _seeds(seeds)
    dseeds = _seeds(distribution_seeds, "distribution_seeds")
    t_max = as_positive(t_max, "t_max")
    d = _square(s.size, h)
    S = np.diag(s)
    srt = np.sort(s)[::-1]
    with np.errstate(over="ignore", invalid="ignore"):
        level = finite_result(0.5 * float(np.sum(s**2)) - 0.25 * float(srt[0] ** 2), "escape_phase_scaling", "singular_values")
    escape = _below(level)

    def Z_of(seed: int) -> list[np.ndarray]:
        return random_init(d, np.random.default_rng(seed), 1.0)

    blowup: dict[int, float] = {}  # tau(Z) of each seed, integrated once (the seed lists overlap)

    def tau_of(seed: int) -> float:
        if seed not in blowup:
            blowup[seed] = escape_phase_blowup_time(Z_of(seed), S)
        return blowup[seed]

    taus = np.array([tau_of(k) for k in seeds])
    times = np.full((len(seeds), sc.size), np.inf)
    for j, seed in enumerate(seeds):
        Z = Z_of(seed)
        for i, x in enumerate(sc):
            times[j, i] = _first_time_below([x * z for z in Z], S, t_max, escape)
    dist = np.array([tau_of(k) for k in dseeds])
    return EscapePhaseScaling(h, _frozen(s), _frozen(sc), seeds, _frozen(taus), _frozen(times), dseeds, _frozen(dist),
                              1.0 / ((h - 2) * float(srt[0])))
