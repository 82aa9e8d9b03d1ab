r"""Analysis of sampled curves: where a loss curve rests, how long, and the period of an orbit.

* :func:`plateau_levels` -- the loss values a sampled loss curve rests on (segments with a
  small relative rate), in time order.
* :func:`plateau_dwell` -- the time a sampled loss spends near one given value.
* :func:`orbit_period` -- the smallest period of the tail of an iteration (gradient descent
  above its step-size threshold).

These functions read arrays only; they know nothing about networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_int, as_positive

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
    :math:`|L_{j+1} - L_j| / ((t_{j+1} - t_j)\,L_j)` is below ``threshold`` (in units of
    1/time, like the ``"plateau"`` events of :func:`deeplinear.gradient_flow`) and
    :math:`L_j > ` ``floor`` (a loss that has reached rounding level is not a plateau).
    Maximal runs of consecutive resting segments are plateaus; each is reported by the median
    of the loss over its samples, in time order.

    Parameters
    ----------
    t, loss_values : 1-D arrays of the same length (at least 2), ``t`` increasing
    threshold : float, default 0.2
    floor : float, default 1e-10

    Returns
    -------
    list of float
    """
    t = np.asarray(t, dtype=float)
    L = np.asarray(loss_values, dtype=float)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise ValueError(f"t and loss must be 1-D arrays of the same length >= 2, got shapes {t.shape} and {L.shape}")
    if np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)) or not np.all(np.isfinite(L)):
        raise ValueError("t must be strictly increasing and t, loss finite")
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
    :math:`|L - c| \le \mathrm{rel}\cdot c`.
    """
    t = np.asarray(t, dtype=float)
    L = np.asarray(loss, dtype=float)
    if t.ndim != 1 or t.shape != L.shape or t.size < 2:
        raise ValueError(f"t and loss must be 1-D arrays of the same length >= 2, got {t.shape} and {L.shape}")
    value = as_positive(value, "value")
    rel = as_positive(rel, "rel")
    inside = np.abs(L - value) <= rel * value
    both = inside[1:] & inside[:-1]
    return float(np.sum(np.diff(t)[both]))


def orbit_period(values: Sequence[float], *, tol: float = 1e-6, max_period: int = 32) -> int:
    r"""The smallest period :math:`p \le` ``max_period`` of a sequence, or ``0`` if it has none.

    :math:`p` is a period when :math:`|x_n - x_{n-p}| \le` ``tol`` for every ``n >= p`` of the
    given values (pass the tail of an iteration, after the transient). A sequence shorter than
    ``2 p`` cannot show period ``p``.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    tol = as_positive(tol, "tol", allow_zero=True)
    max_period = as_int(max_period, "max_period", minimum=1)
    for p in range(1, max_period + 1):
        if x.size < 2 * p:
            break
        if np.all(np.abs(x[p:] - x[:-p]) <= tol):
            return p
    return 0


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
