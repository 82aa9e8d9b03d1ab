r"""Analysis of sampled curves: where a loss curve rests, how long, and the period of an orbit.

* :func:`plateau_levels` -- the loss values a sampled loss curve rests on (segments with a
  small relative rate), in time order.
* :func:`plateau_dwell` -- the time a sampled loss spends near one given value.
* :func:`orbit_period` -- the smallest period of the tail of an iteration (gradient descent
  above its step-size threshold).
* :func:`zero_crossings` -- the times at which a sampled quantity changes sign.

These functions read arrays only; they know nothing about networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_int, as_positive, as_real_array
from .errors import InvalidArgumentError

__all__ = [
    "zero_crossings",
    "plateau_levels",
    "plateau_dwell",
    "orbit_period",
]


def plateau_levels(t: Sequence[float], loss_values: Sequence[float], threshold: float = 0.2, *,
                   floor: float = 1e-10) -> list[float]:
    r"""The loss values a sampled loss curve rests on.

    A segment :math:`[t_j, t_{j+1}]` is *resting* when its relative rate

    .. math:: \frac{|L_{j+1} - L_j|}{(t_{j+1} - t_j)\,L_j}

    is below ``threshold`` (in units of 1/time, like the ``"plateau"`` events of
    :func:`deeplinear.gradient_flow`) and :math:`L_j >` ``floor`` (a loss that has reached
    rounding level is not a plateau). Maximal runs of consecutive resting segments are plateaus;
    each is reported by the median of the loss over its samples, in time order.

    Parameters
    ----------
    t : array_like, shape (n,)
        Sample times, strictly increasing, ``n >= 2``.
    loss_values : array_like, shape (n,)
        The loss at those times.
    threshold : float, default 0.2
        Largest relative rate of a resting segment, ``> 0``.
    floor : float, default 1e-10
        Losses at or below it do not rest, ``>= 0``.

    Returns
    -------
    list of float
        One level per plateau, in time order (empty if the curve never rests).

    Raises
    ------
    TypeError
        If ``threshold`` or ``floor`` is not a real number.
    ValueError
        If ``t`` and ``loss_values`` are not 1-D of the same length ``>= 2``, ``t`` is not
        strictly increasing, an entry is not finite, ``threshold`` is not positive or ``floor``
        is negative.

    Examples
    --------
    >>> t = np.linspace(0.0, 10.0, 201)
    >>> L = dl.mode_loss(t, 1e-6, [2.0, 1.0], 2)  # rests near 2.5 and 0.5
    >>> [round(v, 4) for v in dl.plateau_levels(t, L)]
    [2.4995, 0.4842]
    """
    t = as_real_array(t, "t", allow_empty=True)
    L = as_real_array(loss_values, "loss_values", allow_empty=True)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise InvalidArgumentError(f"t and loss must be 1-D arrays of the same length >= 2, got shapes {t.shape} and {L.shape}")
    if np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)) or not np.all(np.isfinite(L)):
        raise InvalidArgumentError("t must be strictly increasing and t, loss finite")
    threshold = as_positive(threshold, "threshold")
    floor = as_positive(floor, "floor", allow_zero=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.abs(np.diff(L)) / (np.diff(t) * L[:-1])
    resting = (L[:-1] > floor) & (rate < threshold)
    levels: list[float] = []
    j = 0
    n = resting.size
    while j < n:
        if not resting[j]:
            j += 1
            continue
        k = j
        while k + 1 < n and resting[k + 1]:
            k += 1
        levels.append(float(np.median(L[j:k + 2])))
        j = k + 1
    return levels


def plateau_dwell(t: np.ndarray, loss: np.ndarray, value: float, rel: float = 0.1) -> float:
    r"""Time the loss spends within ``rel * value`` of ``value`` (a positive critical value).

    Computed on the samples: the sum of the steps :math:`t_{j+1} - t_j` whose both ends lie in
    :math:`|L - c| \le \mathrm{rel}\cdot c`,

    .. math:: \sum_{j \,:\, |L_j - c| \le \mathrm{rel}\, c,\ |L_{j+1} - c| \le \mathrm{rel}\, c} (t_{j+1} - t_j).

    Parameters
    ----------
    t : array_like, shape (n,)
        Sample times, ``n >= 2``.
    loss : array_like, shape (n,)
        The loss at those times.
    value : float
        The level :math:`c`, ``> 0``.
    rel : float, default 0.1
        Relative half-width of the band, ``> 0``.

    Returns
    -------
    float
        The dwell time.

    Raises
    ------
    TypeError
        If ``value`` or ``rel`` is not a real number.
    ValueError
        If ``t`` and ``loss`` are not 1-D of the same length ``>= 2``, an entry is not finite
        (a NaN loss has no dwell time), ``t`` is not increasing, or ``value`` or ``rel`` is not
        positive and finite.

    Examples
    --------
    >>> t = np.linspace(0.0, 10.0, 201)
    >>> L = dl.mode_loss(t, 1e-6, [2.0, 1.0], 2)
    >>> round(dl.plateau_dwell(t, L, 2.5), 4), round(dl.plateau_dwell(t, L, 0.5), 4)
    (2.95, 1.35)
    """
    t = as_real_array(t, "t", allow_empty=True)
    L = as_real_array(loss, "loss", allow_empty=True)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise InvalidArgumentError(f"t and loss must be 1-D arrays of the same length >= 2, got {t.shape} and {L.shape}")
    if np.any(np.diff(t) <= 0):
        raise InvalidArgumentError(f"t must be increasing (sample times in order), got t[0] = {t[0]:g}, t[-1] = {t[-1]:g}")
    value = as_positive(value, "value")
    rel = as_positive(rel, "rel")
    inside = np.abs(L - value) <= rel * value
    both = inside[1:] & inside[:-1]
    return float(np.sum(np.diff(t)[both]))


def orbit_period(values: Sequence[float], *, tol: float = 1e-6, max_period: int = 32) -> int:
    r"""The smallest period :math:`p \le` ``max_period`` of a sequence, or ``0`` if it has none.

    :math:`p` is a period when

    .. math:: |x_n - x_{n-p}| \le \mathrm{tol} \quad \text{for every } n \ge p

    of the given values (pass the tail of an iteration, after the transient). A sequence shorter
    than ``2 p`` cannot show period ``p``.

    Parameters
    ----------
    values : array_like
        The sequence (flattened).
    tol : float, default 1e-6
        Tolerance, ``>= 0``.
    max_period : int, default 32
        Largest period tried, ``>= 1``.

    Returns
    -------
    int
        The smallest period, or ``0``.

    Raises
    ------
    TypeError
        If ``tol`` is not a real number or ``max_period`` not an integer.
    ValueError
        If a value is not finite, ``tol`` is negative or ``max_period < 1``.

    Examples
    --------
    >>> dl.orbit_period([1.0, 2.0, 1.0, 2.0, 1.0, 2.0]), dl.orbit_period([1.0, 2.0, 3.0])
    (2, 0)
    """
    x = as_real_array(values, "values", allow_empty=True).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise InvalidArgumentError("values must be finite")
    tol = as_positive(tol, "tol", allow_zero=True)
    max_period = as_int(max_period, "max_period", minimum=1)
    for p in range(1, max_period + 1):
        if x.size < 2 * p:
            break
        if np.all(np.abs(x[p:] - x[:-p]) <= tol):
            return p
    return 0


def zero_crossings(t: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray) -> np.ndarray:
    r"""The times at which sampled ``values`` change sign, by linear interpolation between samples.

    Between samples :math:`g_k` and :math:`g_{k+1}` of opposite signs the crossing is

    .. math:: t_k + \frac{g_k}{g_k - g_{k+1}}\,(t_{k+1} - t_k).

    For quantities along a trajectory (``t = traj.t``): when a weight passes through zero, when
    a distance falls below a level (pass ``distance - level``). A sample exactly at zero counts
    as a sign change with its neighbours.

    Parameters
    ----------
    t : array_like, shape (n,)
        Sample times.
    values : array_like, shape (n,)
        The sampled quantity.

    Returns
    -------
    ndarray, shape (k,)
        The crossing times, increasing when ``t`` is.

    Raises
    ------
    ValueError
        If ``t`` and ``values`` are not 1-D arrays of the same length with finite entries.

    Examples
    --------
    >>> dl.zero_crossings([0.0, 1.0, 2.0, 3.0], [1.0, -1.0, -3.0, 1.0])
    array([0.5 , 2.75])
    """
    t = as_real_array(t, "t", allow_empty=True)
    g = as_real_array(values, "values", allow_empty=True)
    if t.ndim != 1 or g.shape != t.shape:
        raise InvalidArgumentError(f"t and values must be 1-D of the same length, got shapes {t.shape} and {g.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(g))):
        raise InvalidArgumentError("t and values must be finite")
    k = np.flatnonzero(np.diff(np.sign(g)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(g[k + 1] != g[k], g[k] / (g[k] - g[k + 1]), 0.0)
    return t[k] + frac * (t[k + 1] - t[k])
