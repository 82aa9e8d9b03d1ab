r"""Convergence rates and limits of gradient flows, measured on integrated flows.

The end-to-end equations these experiments check are in :mod:`deeplinear.flow`:
:func:`deeplinear.end_to_end_velocity`, :func:`deeplinear.singular_value_velocity` and
:func:`deeplinear.margin_rate` (the exponential rate that a deficiency margin :math:`c`
guarantees for a 0-balanced flow: :math:`2h\,c^{2(h-1)/h}` when the end-to-end map is square,
:math:`2\,c^{2(h-1)/h}` in general).

* :func:`rate_run` -- the loss along a flow against both bounds
  :math:`\ell(0)e^{-\text{rate}\cdot t}` (and a non-square counterexample).
* :func:`margin_example` -- a one-parameter family of 0-balanced starts with prescribed margin,
  square or wide.
* :func:`singular_value_paths` -- the singular values of the end-to-end map of balanced flows of
  several depths from the same small product: depth makes them arrive one at a time.
* :func:`random_limits` -- the limit loss of flows from random Gaussian starts, with and without
  a bottleneck.
* :func:`random_convergence_times` -- how long random small starts take to converge, and how
  long they rest on the last rung (an open problem).
* :func:`huber_mode_study` -- half-times of aligned modes under a Huber loss, against
  :func:`deeplinear.huber_mode_half_time`: the learning order is a property of the loss.

The figures are in :mod:`deeplinear.plots.rates` and :mod:`deeplinear.plots.open_problems`.
References: Arora, Cohen and Hazan (2018); Arora, Cohen, Golowich and Hu (2019); Bah, Rauhut,
Terstiege and Westdickenberg (2022).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import as_depth, as_depths, as_int, as_items, as_matrix, as_positive, as_seeds, as_weights, as_widths, check_sigma, widths_of
from ._validation import as_positive_values as _positive_values
from ._validation import frozen_array as _frozen
from .flow import gradient_flow, gradient_flow_batch
from .product_flow import margin_rate
from .init import aligned_init, balanced_init, deficiency_margin, random_init
from .quotient import critical_values
from .losses import huber
from .modes import huber_mode_half_time
from .errors import InvalidArgumentError
from .objective import loss
from .trajectory import Trajectory

__all__ = [
    "RateRun",
    "rate_run",
    "margin_example",
    "SingularValuePaths",
    "singular_value_paths",
    "RandomLimits",
    "random_limits",
    "ConvergenceTimes",
    "random_convergence_times",
    "HuberModeStudy",
    "huber_mode_study",
]


def _seeds(seeds: object, name: str = "seeds") -> tuple[int, ...]:
    return as_seeds(seeds, name)


def _square(r: int, h: int) -> tuple[int, ...]:
    return (r,) * (h + 1)


# --------------------------------------------------------------------------- rates against the margin bound


@dataclass(frozen=True)
class RateRun:
    r"""A 0-balanced flow with a deficiency margin, and the rate bounds (from :func:`rate_run`).

    Properties: ``h`` (the depth), ``bound_h`` and ``bound_1`` (the curves
    :math:`\ell(0)e^{-\text{rate}\cdot t}` for ``rate_h`` and ``rate_1``), ``ratio_h`` and
    ``ratio_1`` (:math:`\max_t` of the loss over each bound: at most 1 where that bound holds).

    Attributes
    ----------
    t, loss : ndarray, shape (n,)
        Output times and the loss :math:`\ell(W(t))` there.
    smin : ndarray, shape (n,)
        :math:`\sigma_{\min}(W(t))`, the ``min(d_0, d_h)``-th singular value of the end-to-end map.
    margin : float
        The deficiency margin :math:`c` of the start.
    rate_h, rate_1 : float
        :math:`2h\,c^{2(h-1)/h}` and :math:`2\,c^{2(h-1)/h}`.
    square : bool
        Whether :math:`d_0 = d_h` (the bound with the factor ``h`` is then a theorem).
    imbalance : float
        :math:`\max_{i,t} \lVert C_i(t)\rVert_F` along the flow (0 up to integration error).
    widths : tuple of int
        ``(d_0, ..., d_h)``.

    Examples
    --------
    >>> run = dl.rate_run(*dl.margin_example(2, 0.5), 2.0, n=21)
    >>> isinstance(run, dl.rates.RateRun), round(run.rate_h, 4), round(run.ratio_h, 4)
    (True, 2.0, 1.0)
    """

    t: np.ndarray
    loss: np.ndarray
    smin: np.ndarray
    margin: float
    rate_h: float
    rate_1: float
    square: bool
    imbalance: float
    widths: tuple

    @property
    def h(self) -> int:
        """The depth ``h = len(widths) - 1``."""
        return len(self.widths) - 1

    @property
    def bound_h(self) -> np.ndarray:
        r""":math:`\ell(0)e^{-2h c^{2(h-1)/h} t}`."""
        return self.loss[0] * np.exp(-self.rate_h * self.t)

    @property
    def bound_1(self) -> np.ndarray:
        r""":math:`\ell(0)e^{-2 c^{2(h-1)/h} t}`."""
        return self.loss[0] * np.exp(-self.rate_1 * self.t)

    @property
    def ratio_h(self) -> float:
        r""":math:`\max_t \ell(t) / (\ell(0)e^{-2hc^{2(h-1)/h}t})` (at most 1 if that bound holds)."""
        return float(np.max(self.loss / self.bound_h))

    @property
    def ratio_1(self) -> float:
        r""":math:`\max_t \ell(t) / (\ell(0)e^{-2c^{2(h-1)/h}t})` (at most 1 if that bound holds)."""
        return float(np.max(self.loss / self.bound_1))


def rate_run(
    weights0: Sequence[np.ndarray],
    Sigma: np.ndarray,
    t_max: float,
    *,
    n: int = 121,
    rtol: float = 1e-10,
    atol: float = 1e-14,
    loss_tol: float = 0.0,
) -> RateRun:
    r"""Integrate the flow from ``weights0`` and compare the loss with the margin bounds.

    .. math:: \ell(t) \le \ell(0)\, e^{-2h\,c^{2(h-1)/h}\, t} \quad (d_0 = d_h), \qquad
              \ell(t) \le \ell(0)\, e^{-2\,c^{2(h-1)/h}\, t},

    with :math:`c` the deficiency margin of the start (:func:`deeplinear.init.deficiency_margin`)
    and the rates of :func:`deeplinear.margin_rate`.

    Parameters
    ----------
    weights0 : list of ndarray
        A (0-balanced) start whose end-to-end map has a positive deficiency margin.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    t_max : float
        Final time, ``> 0``.
    n : int, default 121
        Number of output times on ``[0, t_max]``.
    rtol, atol : float
        Integration tolerances (the library's defaults unless loosened for explorer frames).
    loss_tol : float, default 0
        Stop when the loss falls below this (0: never).

    Returns
    -------
    RateRun
        The loss and :math:`\sigma_{\min}` along the flow, the margin, both rates and the
        imbalance.

    Raises
    ------
    TypeError
        If ``weights0`` is not a list of matrices, ``Sigma`` not a real matrix, ``t_max`` not a
        real number or ``n`` not an integer.
    ValueError
        If the start has no deficiency margin (``c <= 0``); if ``Sigma`` does not have shape
        ``(d_h, d_0)``; if ``t_max`` is not positive or ``n < 2``; if the weights are invalid.

    References
    ----------
    Arora, Cohen, Golowich and Hu (2019), "A convergence analysis of gradient descent for deep
    linear neural networks", ICLR.

    Examples
    --------
    >>> run = dl.rate_run(*dl.margin_example(3, 0.5, "wide"), 2.0, n=21)
    >>> run.square, bool(run.ratio_h > 1), round(run.ratio_1, 4)  # the factor h fails when wide
    (False, True, 1.0)
    """
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    S = check_sigma(Sigma, d)
    c = deficiency_margin(W0, S)
    if not c > 0:
        raise InvalidArgumentError(f"the start has no deficiency margin: c = sigma_min(Sigma) - ||W - Sigma||_F = {c:.4g} <= 0")
    t_max = as_positive(t_max, "t_max")
    n = as_int(n, "n", minimum=2)
    events = {"convergence": {"loss_tol": float(loss_tol)}} if loss_tol > 0 else ()
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=np.linspace(0.0, t_max, n), rtol=rtol, atol=atol, events=events)
    k = min(d[0], d[-1])
    smin = np.array([np.linalg.svd(P, compute_uv=False)[k - 1] for P in tr.end_to_end])
    imb = max((float(np.linalg.norm(C)) for Cs in tr.conserved for C in Cs), default=0.0)
    h = len(d) - 1
    return RateRun(
        t=_frozen(tr.t), loss=_frozen(tr.loss), smin=_frozen(smin), margin=float(c),
        rate_h=margin_rate(c, h, square=True), rate_1=margin_rate(c, h, square=False),
        square=d[0] == d[-1], imbalance=imb, widths=d,
    )


_EXAMPLE_SHAPES = ("square", "wide")


def margin_example(h: int, c: float, shape: str = "square") -> tuple[list[np.ndarray], np.ndarray]:
    r"""A 0-balanced start of depth ``h`` whose end-to-end map has deficiency margin exactly ``c``.

    .. math:: c = \sigma_{\min}(\Sigma) - \lVert W(0) - \Sigma\rVert_F, \qquad \sigma_{\min}(\Sigma) = 1.

    * ``"square"``: :math:`\Sigma = \mathrm{diag}(2, 1)` and :math:`W(0) = \mathrm{diag}(2, c)`,
      so :math:`\sigma_{\min}(W(0)) = c` and the residual sits where the flow is slowest: the
      square bound is tight at :math:`t = 0`.
    * ``"wide"``: :math:`\Sigma = [\mathrm{diag}(2,1)\ \ 0] \in \mathbb R^{2\times3}` and
      :math:`W(0) = \Sigma + (1 - c)\, e_2 e_3^\top`: the residual points into the input
      direction that :math:`\Sigma` ignores, where the flow is slowest for a non-square map.

    Hidden widths are 2. Returns ``(weights0, Sigma)``.

    Parameters
    ----------
    h : int
        Depth, ``>= 1``.
    c : float
        The margin, in ``(0, 1)``.
    shape : {"square", "wide"}, default "square"
        The family.

    Returns
    -------
    weights0 : list of ndarray
        The 0-balanced factors (:func:`deeplinear.balanced_init`) of :math:`W(0)`.
    Sigma : ndarray, shape (2, 2) or (2, 3)
        The target.

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``c`` not a real number.
    ValueError
        If ``h < 1``, ``c`` is outside ``(0, 1)``, or ``shape`` is not ``"square"`` or
        ``"wide"``.

    Examples
    --------
    >>> weights0, Sigma = dl.margin_example(2, 0.5)
    >>> round(dl.deficiency_margin(weights0, Sigma), 6), dl.imbalance(weights0)
    (0.5, 0.0)
    """
    h = as_depth(h)
    c = as_positive(c, "c")
    if not c < 1.0:
        raise InvalidArgumentError(f"c must lie in (0, 1) (sigma_min(Sigma) = 1), got {c}")
    if shape == "square":
        S = np.diag([2.0, 1.0])
        P = np.diag([2.0, c])
    elif shape == "wide":
        S = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        P = S.copy()
        P[1, 2] = 1.0 - c
    else:
        raise InvalidArgumentError(f"shape must be one of {_EXAMPLE_SHAPES}, got {shape!r}")
    widths = (S.shape[1],) + (2,) * (h - 1) + (S.shape[0],)
    return balanced_init(widths, product=P), S


@dataclass(frozen=True)
class SingularValuePaths:
    r"""Singular values of the end-to-end map along balanced flows (from :func:`singular_value_paths`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times.
    depths : tuple of int
        The depths integrated.
    values : dict of int to ndarray
        ``values[h]`` has shape ``(n, k)``: the singular values of :math:`W_{1:h}(t)`, descending.
    target : ndarray, shape (k,)
        The singular values of :math:`\Sigma`.

    Examples
    --------
    >>> paths = dl.singular_value_paths(np.diag([0.01, 0.01]), np.diag([2.0, 1.0]), (1, 2), 3.0, n=7)
    >>> isinstance(paths, dl.rates.SingularValuePaths), paths.values[2].shape
    (True, (7, 2))
    """

    t: np.ndarray
    depths: tuple
    values: dict
    target: np.ndarray


def singular_value_paths(
    product0: np.ndarray,
    Sigma: np.ndarray,
    depths: Sequence[int] = (1, 2, 3),
    t_max: float = 12.0,
    *,
    n: int = 241,
) -> SingularValuePaths:
    r"""Balanced flows of each depth from the same end-to-end map ``product0`` (square widths).

    For depth ``h`` the start is :func:`deeplinear.balanced_init` of ``product0`` with all
    widths ``d_0``, so every depth starts from the same product and only the depth differs. Each
    is integrated with :func:`deeplinear.gradient_flow`,

    .. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top,

    and the singular values of :math:`W_{1:h}(t)` are recorded.

    Parameters
    ----------
    product0 : ndarray, shape (r, r)
        The common initial end-to-end map.
    Sigma : ndarray, shape (r, r)
        The target.
    depths : sequence of int, default (1, 2, 3)
        The depths, each ``>= 1``.
    t_max : float, default 12.0
        Final time.
    n : int, default 241
        Number of output times on ``[0, t_max]``.

    Returns
    -------
    SingularValuePaths
        The singular values along the flow of each depth, and those of the target.

    Raises
    ------
    TypeError
        If ``product0`` or ``Sigma`` is not a real matrix, ``t_max`` not a real number, or
        ``n`` or a depth not an integer.
    ValueError
        If ``product0`` and ``Sigma`` are not square of the same shape, are not finite,
        ``t_max`` is not positive, ``n < 2`` or a depth is below 1.

    Examples
    --------
    >>> paths = dl.singular_value_paths(np.diag([0.01, 0.01]), np.diag([2.0, 1.0]), (1, 2), 3.0, n=7)
    >>> paths.values[2][-1], paths.target
    (array([1.997558, 0.802957]), array([2., 1.]))
    """
    P0 = as_matrix(product0, "product0")
    S = as_matrix(Sigma, "Sigma")
    if S.shape != P0.shape or S.shape[0] != S.shape[1]:
        raise InvalidArgumentError(f"product0 {P0.shape} and Sigma {S.shape} must be square of the same shape")
    t_max = as_positive(t_max, "t_max")
    t = np.linspace(0.0, t_max, as_int(n, "n", minimum=2))
    r = S.shape[0]
    values = {}
    hs = as_depths(depths)
    for h in hs:
        W0 = balanced_init((r,) * (h + 1), product=P0)
        tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        values[h] = _frozen(np.array([np.linalg.svd(P, compute_uv=False) for P in tr.end_to_end]))
    return SingularValuePaths(_frozen(t), hs, values, _frozen(np.linalg.svd(S, compute_uv=False)))


@dataclass(frozen=True)
class RandomLimits:
    r"""Limit losses of flows from random Gaussian starts (from :func:`random_limits`).

    The property ``max_gap`` is :math:`\max |L_\infty - L^\star|` over the starts.

    Attributes
    ----------
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    scales : ndarray, shape (n_seeds,)
        Entry standard deviation of each start.
    seeds : tuple of int
        The seed of each start.
    final_loss : ndarray, shape (n_seeds,)
        The loss at the end of each flow.
    final_gradient : ndarray, shape (n_seeds,)
        The gradient norm there.
    times : ndarray, shape (n_seeds,)
        When each flow stopped.
    global_minimum : float
        :math:`L^\star = \tfrac12\sum_{k > d_{\min}}\sigma_k^2`.

    Examples
    --------
    >>> lim = dl.random_limits(np.diag([2.0, 1.0]), (2, 1, 2), seeds=(0, 1), scales=(0.5,), t_max=50.0)
    >>> isinstance(lim, dl.rates.RandomLimits), lim.global_minimum
    (True, 0.5)
    """

    widths: tuple
    scales: np.ndarray
    seeds: tuple
    final_loss: np.ndarray
    final_gradient: np.ndarray
    times: np.ndarray
    global_minimum: float

    @property
    def max_gap(self) -> float:
        r""":math:`\max |L_\infty - L^\star|` over the starts."""
        return float(np.max(np.abs(self.final_loss - self.global_minimum)))


def random_limits(
    Sigma: np.ndarray,
    widths: Sequence[int],
    seeds: Sequence[int] = tuple(range(12)),
    scales: Sequence[float] = (0.1, 0.3, 1.0),
    *,
    t_max: float = 100.0,
    loss_tol: float = 1e-10,
    grad_tol: float = 1e-7,
) -> RandomLimits:
    r"""Run the flow from i.i.d. Gaussian starts and record where it stops.

    Start ``k`` uses ``numpy.random.default_rng(seeds[k])`` and entry standard deviation
    ``scales[k % len(scales)]``. Each flow stops when the loss is below ``loss_tol`` or the
    gradient norm below ``grad_tol`` (an equilibrium), or at ``t_max``. Its limit is compared
    with the global minimum value

    .. math:: L^\star = \tfrac12\sum_{k > d_{\min}}\sigma_k^2 .

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    widths : sequence of int
        ``(d_0, ..., d_h)``; a bottleneck ``d_min < min(d_0, d_h)`` makes :math:`L^\star > 0`.
    seeds : sequence of int, default range(12)
        One start per seed.
    scales : sequence of float, default (0.1, 0.3, 1.0)
        Entry standard deviations, used in turn.
    t_max : float, default 100.0
        Final time.
    loss_tol, grad_tol : float, default 1e-10, 1e-7
        Thresholds of the terminal ``"convergence"`` event.

    Returns
    -------
    RandomLimits
        The final loss, gradient norm and stopping time of each start, and :math:`L^\star`.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, ``Sigma`` not a real matrix, or a scale
        not a real number.
    ValueError
        If ``Sigma`` does not have shape ``(d_h, d_0)``, a scale is not positive, or
        ``scales`` or ``seeds`` is empty; as :func:`deeplinear.gradient_flow` for ``t_max``.

    References
    ----------
    Bah, Rauhut, Terstiege and Westdickenberg (2022), "Learning deep linear neural networks:
    Riemannian gradient flows and convergence to global minimizers", Information and Inference
    11(1).

    Examples
    --------
    >>> lim = dl.random_limits(np.diag([2.0, 1.0]), (2, 1, 2), seeds=(0, 1), scales=(0.5,), t_max=50.0)
    >>> lim.final_loss, bool(lim.max_gap < 1e-8)
    (array([0.5, 0.5]), True)
    """
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    sc = [float(x) for x in _positive_values(scales, "scales")]
    seeds = _seeds(seeds)
    Lf, Gf, Tf, used = [], [], [], []
    for k, seed in enumerate(seeds):
        scale = sc[k % len(sc)]
        W0 = random_init(d, np.random.default_rng(seed), scale)
        tr = gradient_flow(W0, S, (0.0, t_max), events={"convergence": {"loss_tol": loss_tol, "grad_tol": grad_tol}})
        Lf.append(tr.loss[-1])
        Gf.append(tr.gradient_norm[-1])
        Tf.append(tr.t[-1])
        used.append(scale)
    return RandomLimits(d, _frozen(used), seeds, _frozen(Lf), _frozen(Gf), _frozen(Tf),
                        float(critical_values(S, d).global_minimum))


# --------------------------------------------------------------------------- random small starts: convergence times


@dataclass(frozen=True)
class ConvergenceTimes:
    r"""How long flows from random starts take to reach the global minimum value.

    Methods and properties: ``survival(t)``, the fraction of the starts of each case not yet
    within ``loss_tol`` at the times ``t`` (shape ``(n_cases, len(t))``); ``medians``, the
    median convergence time of each case; ``spread``, slowest over fastest convergence time of
    each case (``inf`` if a run did not converge).

    Attributes
    ----------
    cases : tuple of (int, float)
        ``(h, scale)``: depth and entry standard deviation of each family of starts.
    singular_values : ndarray, shape (r,)
        Diagonal of :math:`\Sigma`; the widths are square, ``(r, ..., r)``, so :math:`L^\star = 0`.
    seeds : tuple of int
        The seeds of the starts.
    times : ndarray, shape (n_cases, n_seeds)
        First time the loss is below ``loss_tol``; ``inf`` if not reached by ``t_max``.
    final_loss : ndarray, shape (n_cases, n_seeds)
        The loss at ``times`` (``loss_tol`` up to rounding), or at ``t_max`` for a run that did
        not converge.
    last_rung_dwell : ndarray, shape (n_cases, n_seeds)
        Time each run spends within 10% of the last rung of the ladder,
        :math:`\tfrac12\sigma_{\min}^2`, up to ``times``: the loss decreases along the flow, so this
        is the time between its crossings of :math:`1.1` and :math:`0.9` times the rung (located on
        the dense output, not counted on the solver's steps).
    t_max, loss_tol : float
        The final time and the convergence threshold.

    Examples
    --------
    >>> ct = dl.random_convergence_times(((2, 0.1),), (0, 1), singular_values=(2.0, 1.0), t_max=50.0)
    >>> isinstance(ct, dl.rates.ConvergenceTimes), ct.times.shape, ct.survival([0.0, 100.0])
    (True, (1, 2), array([[1., 0.]]))
    """

    cases: tuple
    singular_values: np.ndarray
    seeds: tuple
    times: np.ndarray
    final_loss: np.ndarray
    last_rung_dwell: np.ndarray
    t_max: float
    loss_tol: float

    def survival(self, t: object) -> np.ndarray:
        r"""Fraction of the starts of each case not yet within ``loss_tol`` at the times ``t``
        (shape ``(n_cases, len(t))``)."""
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        return np.mean(self.times[:, :, None] > tt[None, None, :], axis=1)

    @property
    def medians(self) -> np.ndarray:
        """Median convergence time of each case."""
        return np.median(self.times, axis=1)

    @property
    def spread(self) -> np.ndarray:
        """Slowest over fastest convergence time of each case (``inf`` if a run did not converge)."""
        return np.max(self.times, axis=1) / np.min(self.times, axis=1)


def _first_time_at_most(tr: Trajectory, S: np.ndarray, level: float) -> float:
    """First time the loss of ``tr`` is at most ``level``: the root of the loss of its dense output
    in the first step that ends there (Brent's method, to the precision ``solve_ivp`` locates
    events with), ``t0`` if it starts there, ``inf`` if it never gets there."""
    k = int(np.argmax(tr.loss <= level))
    if tr.loss[k] > level:
        return float("inf")
    if k == 0:
        return float(tr.t[0])
    eps = 4 * np.finfo(float).eps
    return float(brentq(lambda t: loss(tr.weights_at(t), S) - level, tr.t[k - 1], tr.t[k], xtol=eps, rtol=eps))


def random_convergence_times(
    cases: Sequence[tuple[int, float]] = ((2, 0.01), (3, 0.1), (4, 0.3)),
    seeds: Sequence[int] = tuple(range(30)),
    *,
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    t_max: float = 5000.0,
    loss_tol: float = 1e-6,
) -> ConvergenceTimes:
    r"""Integrate the flow from i.i.d. Gaussian starts and record when the loss falls below ``loss_tol``.

    For each case ``(h, scale)`` and seed, the start is
    ``deeplinear.random_init((r,) * (h + 1), numpy.random.default_rng(seed), scale)`` with
    :math:`\Sigma = \mathrm{diag}(\sigma)`; the flow

    .. math:: \dot W_j = W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    is integrated for all the seeds of a case at once (:func:`deeplinear.gradient_flow_batch`,
    DOP853 at the library's tolerances, until every run has converged or ``t_max``); the times
    at which each run's loss crosses ``loss_tol`` and the band around the last rung are located
    on the dense output by Brent's method, as :func:`deeplinear.gradient_flow` locates events.

    Parameters
    ----------
    cases : sequence of (int, float), default ((2, 0.01), (3, 0.1), (4, 0.3))
        Pairs ``(h, scale)``: depth and entry standard deviation.
    seeds : sequence of int, default range(30)
        One start per seed and case.
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        Positive diagonal of :math:`\Sigma`.
    t_max : float, default 5000.0
        Final time.
    loss_tol : float, default 1e-6
        Convergence threshold of the loss.

    Returns
    -------
    ConvergenceTimes
        Convergence times, final losses and dwell times on the last rung.

    Raises
    ------
    TypeError
        If a depth is not an integer, or a scale, ``t_max`` or ``loss_tol`` not a real number.
    ValueError
        If the singular values are not positive and finite; ``seeds`` or ``cases`` is empty; a
        case is not a pair; a depth is below 1; a scale, ``t_max`` or ``loss_tol`` is not
        positive.

    Examples
    --------
    >>> ct = dl.random_convergence_times(((2, 0.1),), (0, 1), singular_values=(2.0, 1.0), t_max=50.0)
    >>> ct.times, round(float(ct.spread[0]), 4)  # slowest over fastest
    (array([[5.874581, 6.53794 ]]), 1.1129)
    """
    s = _positive_values(singular_values)
    seeds = _seeds(seeds)
    t_max = as_positive(t_max, "t_max")
    loss_tol = as_positive(loss_tol, "loss_tol")
    cs = []
    for case in as_items(cases, "cases", "pairs (h, scale)", allow_empty=True):
        try:
            h, scale = case
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"each case must be a pair (h, scale), got {case!r:.60}") from exc
        cs.append((as_depth(h, "h"), as_positive(scale, "scale")))
    if not cs:
        raise InvalidArgumentError("cases must not be empty")
    S = np.diag(s)
    times = np.full((len(cs), len(seeds)), np.inf)
    final = np.zeros((len(cs), len(seeds)))
    dwell = np.zeros((len(cs), len(seeds)))
    last = 0.5 * float(np.min(s)) ** 2
    for i, (h, scale) in enumerate(cs):
        d = _square(s.size, h)
        starts = [random_init(d, np.random.default_rng(seed), scale) for seed in seeds]
        for j, tr in enumerate(gradient_flow_batch(starts, S, (0.0, t_max), warn=False)):
            times[i, j] = _first_time_at_most(tr, S, loss_tol)
            end = min(times[i, j], float(tr.t[-1]))
            final[i, j] = loss(tr.weights_at(end), S)
            # the loss decreases along the flow: it is within 10% of the rung between two crossings
            entry = _first_time_at_most(tr, S, 1.1 * last)
            dwell[i, j] = min(_first_time_at_most(tr, S, 0.9 * last), end) - entry if entry < end else 0.0
    return ConvergenceTimes(tuple(cs), _frozen(s), seeds, _frozen(times), _frozen(final), _frozen(dwell), t_max,
                            loss_tol)


# --------------------------------------------------------------------------- a Huber loss


@dataclass(frozen=True)
class HuberModeStudy:
    r"""Half-times of the modes of an aligned two-layer network under Huber losses.

    The method ``order(i)`` gives the modes (1-based) in the order they reach half their target,
    for ``deltas[i]``.

    Attributes
    ----------
    singular_values : ndarray, shape (r,)
        Diagonal of :math:`\Sigma`.
    u0 : float
        Initial product of every mode (layer value :math:`\sqrt{u_0}`).
    deltas : ndarray, shape (n_deltas,)
        Huber thresholds; ``inf`` means the quadratic loss.
    predicted : ndarray, shape (n_deltas, r)
        :func:`deeplinear.huber_mode_half_time` (the logistic half-time for ``delta = inf``).
    measured : ndarray, shape (n_deltas, r)
        First time the diagonal entry :math:`k` of the integrated end-to-end map reaches
        :math:`\sigma_k/2` (linear interpolation between output times).
    off_diagonal : float
        Largest off-diagonal entry of any end-to-end map along the flows (the flows stay aligned).

    Examples
    --------
    >>> study = dl.huber_mode_study((2.0, 1.0), (np.inf, 0.5), 1e-4, num=401)
    >>> isinstance(study, dl.rates.HuberModeStudy), study.order(0), study.order(1)
    (True, [1, 2], [2, 1])
    """

    singular_values: np.ndarray
    u0: float
    deltas: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    off_diagonal: float

    def order(self, i: int) -> list[int]:
        """The modes (1-based) in the order they reach half their target, for ``deltas[i]``."""
        return [int(k) + 1 for k in np.argsort(self.measured[i], kind="stable")]


def huber_mode_study(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    deltas: Sequence[float] = (np.inf, 2.5, 1.5, 0.5),
    u0: float = 1e-6,
    *,
    num: int = 4001,
) -> HuberModeStudy:
    r"""Integrate the aligned, balanced two-layer network under Huber losses and compare half-times.

    The network has :math:`\Sigma = \mathrm{diag}(\sigma)` and mode products ``u0``; it is
    integrated under the Huber loss of :math:`\Sigma - W` for each ``delta`` (``inf``: the
    quadratic loss), and the half-times are compared with
    :func:`deeplinear.huber_mode_half_time`, the exact half-times of

    .. math:: \dot u = 2u\,\min(\sigma - u, \delta).

    Each flow runs to 1.5 times the largest predicted half-time.

    Parameters
    ----------
    singular_values : sequence of float, default (3.0, 2.0, 1.0)
        Positive diagonal of :math:`\Sigma`.
    deltas : sequence of float, default (inf, 2.5, 1.5, 0.5)
        Huber thresholds, ``> 0`` (``inf`` for the quadratic loss).
    u0 : float, default 1e-6
        Initial product of every mode, below ``min(singular_values) / 2``.
    num : int, default 4001
        Number of output times of each flow, ``>= 10``.

    Returns
    -------
    HuberModeStudy
        Predicted and measured half-times and the largest off-diagonal entry.

    Raises
    ------
    TypeError
        If ``u0`` is not a real number or ``num`` not an integer.
    ValueError
        If the singular values are not positive and finite; ``u0`` is not positive or not below
        ``min(singular_values) / 2``; ``deltas`` is empty or has a non-positive entry; or
        ``num < 10``.

    Examples
    --------
    >>> study = dl.huber_mode_study((2.0, 1.0), (np.inf, 0.5), 1e-4, num=401)
    >>> study.predicted, bool(np.allclose(study.measured, study.predicted, atol=1e-3))
    (array([[2.475859, 4.60512 ],
           [9.21034 , 8.517193]]), True)
    """
    s = _positive_values(singular_values)
    u0 = as_positive(u0, "u0")
    if u0 >= float(s.min()) / 2:
        raise InvalidArgumentError(f"u0 = {u0:g} must lie below sigma_min / 2 = {float(s.min()) / 2:g}")
    dl_ = np.array([np.inf if isinstance(x, (float, np.floating)) and x == np.inf else as_positive(x, f"deltas[{i}]")
                    for i, x in enumerate(as_items(deltas, "deltas", "positive numbers (inf for the quadratic loss)"))])
    if dl_.size == 0 or np.any(~(dl_ > 0)):
        raise InvalidArgumentError(f"deltas must be positive (inf for the quadratic loss), got {list(deltas)!r:.80}")
    num = as_int(num, "num", minimum=10)
    r = s.size
    S = np.diag(s)
    W0 = aligned_init((r, r, r), np.sqrt(u0))
    pred = np.array([[huber_mode_half_time(u0, sk, min(dk, 1e300)) for sk in s] for dk in dl_])
    meas = np.full_like(pred, np.nan)
    off = 0.0
    for i, dk in enumerate(dl_):
        t_max = 1.5 * float(np.max(pred[i]))
        t = np.linspace(0.0, t_max, num)
        if np.isinf(dk):
            tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
        else:
            tr = gradient_flow(W0, None, (0.0, t_max), t_eval=t, end_to_end_loss=huber(S, delta=float(dk)))
        P = tr.end_to_end
        off = max(off, float(np.max(np.abs(P - P * np.eye(r)[None]))))
        for k in range(r):
            u = P[:, k, k]
            j = int(np.argmax(u >= s[k] / 2))
            if u[j] >= s[k] / 2 and j > 0:
                meas[i, k] = t[j - 1] + (s[k] / 2 - u[j - 1]) * (t[j] - t[j - 1]) / (u[j] - u[j - 1])
    return HuberModeStudy(_frozen(s), u0, _frozen(dl_), _frozen(pred), _frozen(meas), off)
