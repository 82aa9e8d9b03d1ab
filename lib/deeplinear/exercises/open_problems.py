r"""Checkers for the exercises of the chapter on open problems.

The exercises are tools for numerical investigations: reading plateaus off a loss curve
(:func:`check_plateau_levels`), the half-time of a mode under a Huber loss
(:func:`check_huber_half_time`), and the period of an orbit of gradient descent
(:func:`check_orbit_period`). Each checker compares the reader's function with the library's
reference on synthetic and on real cases, and names what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..curves import orbit_period, plateau_levels
from ..incremental import incremental_run
from ..modes import huber_mode_half_time
from .base import CheckResult, checker, real_answer

__all__ = ["check_plateau_levels", "check_huber_half_time", "check_orbit_period"]


def _call(fn: Callable, *args):
    """Call the reader's function; a stub that raises NotImplementedError is not an error."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, ("write the function first: replace the `raise NotImplementedError` line by your code, "
                      "then run the cell again")
    except Exception as exc:  # noqa: BLE001 -- the reader's code: report, never propagate
        return None, f"your function raised {type(exc).__name__}: {exc}"


def _numbers(got: object) -> np.ndarray | None:
    try:
        arr = real_answer(got).reshape(-1)
    except (TypeError, ValueError):
        return None
    return arr if np.all(np.isfinite(arr)) else None


# --------------------------------------------------------------------------- plateaus


def _staircase(t: np.ndarray, levels: Sequence[float], switch: Sequence[float], rate: float) -> np.ndarray:
    """A smooth staircase from levels[0] down to levels[-1], switching at the given times."""
    L = np.full_like(t, float(levels[-1]))
    for a, b, ts in zip(levels[:-1], levels[1:], switch):
        L = L + (a - b) / (1.0 + np.exp(rate * (t - ts)))
    return L


def _plateau_cases(seed: int) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 30.0, 3001)
    cases = [
        ("a staircase resting at 5, 2 and 0.5", t, _staircase(t, [5.0, 2.0, 0.5], [8.0, 18.0], 3.0), 0.2),
        ("a staircase that decays to rounding level (1e-25) at the end",
         t, np.maximum(_staircase(t, [4.0, 1.0], [6.0], 4.0) * np.where(t > 14.0, np.exp(-4.0 * (t - 14.0)), 1.0),
                       1e-25), 0.2),
    ]
    lv = np.sort(rng.uniform(0.3, 6.0, size=3))[::-1]
    tt = np.sort(rng.uniform(0.0, 20.0, 400))
    cases.append((f"a staircase on unevenly spaced samples, levels {np.round(lv, 3).tolist()}",
                  tt, _staircase(tt, list(lv), [6.0, 13.0], 5.0), 0.3))
    run = incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0)
    cases.append(("the aligned two-layer flow of the chapter on incremental learning", run.t, run.loss, 0.5))
    return cases


@checker
def check_plateau_levels(fn: Callable[[np.ndarray, np.ndarray, float], Sequence[float]], *, seed: int = 0) -> CheckResult:
    """Check ``fn(t, loss, threshold) -> levels``: the loss values a sampled curve rests on.

    Resting segments have relative rate :math:`|L_{j+1} - L_j| / ((t_{j+1} - t_j) L_j)` below
    ``threshold`` (and a loss above rounding level); each maximal run of them is one plateau,
    reported by its median loss, in time order (:func:`deeplinear.plateau_levels`). Levels
    within 5% of the reference are accepted (a mean instead of a median is fine).

    The curves are three synthetic staircases (one decaying to rounding level, one on
    unevenly spaced samples) and the loss of an integrated aligned two-layer flow. Too many or
    too few plateaus, a final level at 0 and the wrong order are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(t, loss, threshold)``: ``t`` an ndarray of shape ``(n,)`` of
        increasing times, ``loss`` an ndarray of shape ``(n,)`` of positive loss values and
        ``threshold`` a float; it returns a list of numbers, one per plateau.
    seed : int, optional
        Seed of the random staircase (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the levels are right on all four curves; otherwise the message
        names the first wrong curve with a hint. A stub that raises ``NotImplementedError``
        gets a note to write the function first; any other exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_plateau_levels(dl.plateau_levels).passed
    True
    """
    for name, t, L, thr in _plateau_cases(seed):
        expected = np.asarray(plateau_levels(t, L, thr))
        got, err = _call(fn, t.copy(), L.copy(), thr)
        if err:
            return CheckResult(False, err)
        vals = _numbers(got)
        if vals is None:
            return CheckResult(False, f"return a list of loss values (numbers), got {got!r:.80}")
        if vals.size == expected.size and np.allclose(vals, expected, rtol=5e-2, atol=1e-9):
            continue
        where = f"for {name} (threshold {thr:g})"
        if vals.size == expected.size + 1 and np.isclose(vals[-1], 0.0, atol=1e-6):
            hint = "a loss that has decayed to 0 is not a plateau: skip segments with a loss below the floor (1e-10)"
        elif vals.size > expected.size:
            hint = ("you find too many plateaus: compare the *relative* rate |dL/dt| / L with the threshold, "
                    "and merge consecutive resting segments into one plateau")
        elif vals.size < expected.size:
            hint = "you miss plateaus: a plateau is any maximal run of resting segments, even a short one"
        elif np.allclose(vals[::-1], expected, rtol=1e-2):
            hint = "list the plateaus in time order (the loss only decreases)"
        else:
            hint = "report each plateau by the median of the loss over its samples"
        return CheckResult(False, f"{where} you give {np.round(vals, 4).tolist()}, expected "
                                  f"{np.round(expected, 4).tolist()}: {hint}")
    return CheckResult(True, "your plateau levels agree with dl.plateau_levels on three synthetic staircases "
                             "and on an integrated flow.")


# --------------------------------------------------------------------------- Huber half-time


@checker
def check_huber_half_time(fn: Callable[[float, float, float], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma, delta, u0) -> t``: the time for :math:`\dot u = 2u\min(\sigma - u, \delta)`
    to go from ``u0`` to ``sigma / 2`` (:func:`deeplinear.huber_mode_half_time`).

    Cases cover the three regimes: :math:`\delta \le \sigma/2` (clipped all the way),
    :math:`\delta \ge \sigma - u_0` (never clipped: the logistic half-time) and the two-phase
    case in between, where the growth is :math:`2\delta u` below :math:`u = \sigma - \delta`
    and logistic above it. Compared to relative accuracy ``1e-8`` in nine cases.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(sigma, delta, u0)`` of three positive floats
        (``u0 < sigma / 2``); it returns one number, the time.
    seed : int, optional
        Seed of the random cases (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when all nine half-times are right; otherwise the message names the
        first wrong case with a hint. A stub that raises ``NotImplementedError`` gets a note to
        write the function first; any other exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> def half_time(sigma, delta, u0):
    ...     return dl.huber_mode_half_time(u0, sigma, delta)
    >>> dl.exercises.check_huber_half_time(half_time).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(3.0, 0.5, 1e-6), (3.0, 2.5, 1e-6), (1.0, 5.0, 1e-3), (2.0, 1.9999, 1e-4), (2.0, 1.0, 1e-4)]
    for _ in range(4):
        sigma = float(rng.uniform(0.5, 4.0))
        cases.append((sigma, float(sigma * rng.uniform(0.1, 1.5)), float(10.0 ** rng.uniform(-7, -2))))
    for sigma, delta, u0 in cases:
        expected = huber_mode_half_time(u0, sigma, delta)
        got, err = _call(fn, sigma, delta, u0)
        if err:
            return CheckResult(False, err)
        vals = _numbers(got)
        if vals is None or vals.size != 1:
            return CheckResult(False, f"return one number (a time), got {got!r:.80}")
        v = float(vals[0])
        if np.isclose(v, expected, rtol=1e-8, atol=1e-12):
            continue
        where = f"sigma = {sigma:g}, delta = {delta:g}, u0 = {u0:g}"
        logistic = np.log((sigma - u0) / u0) / (2 * sigma)
        clipped = np.log(sigma / (2 * u0)) / (2 * delta)
        b = sigma - delta
        if np.isclose(v, 2 * expected, rtol=1e-8):
            hint = "the product grows at rate 2 delta (twice the clipped residual), not delta"
        elif np.isclose(v, logistic, rtol=1e-8):
            hint = "the residual sigma - u is clipped at delta while u < sigma - delta: the early growth rate is 2 delta, not 2 sigma"
        elif np.isclose(v, clipped, rtol=1e-8) and u0 < b < sigma / 2:
            hint = "once u passes sigma - delta the residual is no longer clipped: finish with the logistic law from sigma - delta"
        else:
            hint = "split the climb at u = sigma - delta: rate 2 delta u below it, logistic 2u(sigma - u) above it"
        return CheckResult(False, f"for {where} you give {v:.6g}, expected {expected:.6g}: {hint}")
    return CheckResult(True, f"your half-times agree with dl.huber_mode_half_time in all three regimes ({len(cases)} cases).")


# --------------------------------------------------------------------------- orbit period


def _period_cases(seed: int) -> list[tuple[str, np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    cases: list[tuple[str, np.ndarray, int]] = []
    cases.append(("a fixed point with noise of size 1e-9", 1.3 + 1e-9 * rng.standard_normal(64), 1))
    two = np.tile([0.83, 1.14], 32) + 1e-9 * rng.standard_normal(64)
    cases.append(("an alternation between 0.83 and 1.14", two, 2))
    four = np.tile([0.43, 1.26, 0.57, 1.35], 16)
    cases.append(("a cycle of four values", four, 4))
    three = np.tile([0.2, 0.9, 0.5], 22)[:64]
    cases.append(("a cycle of three values", three, 3))
    x = [0.3]
    for _ in range(63):
        x.append(3.9 * x[-1] * (1 - x[-1]))
    cases.append(("the chaotic logistic map x -> 3.9 x (1 - x)", np.array(x), 0))
    near = np.tile([1.0, 1.0 + 1e-3], 32)
    cases.append(("an alternation between 1 and 1.001 (tol 1e-6)", near, 2))
    settle = 1.0 + 0.5 ** np.arange(64)
    cases.append(("a sequence converging like 1 + 0.5^n (its early values do not repeat)", settle, 0))
    long = np.tile(np.linspace(0.1, 1.0, 40), 2)[:70]
    cases.append(("a cycle of length 40 (longer than max_period = 32)", long, 0))
    return cases


@checker
def check_orbit_period(fn: Callable[[np.ndarray, float, int], int], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(values, tol, max_period) -> p``: the smallest period ``p <= max_period`` with
    :math:`|x_n - x_{n-p}| \le` ``tol`` for all ``n >= p``, or ``0`` if there is none
    (:func:`deeplinear.orbit_period`). Called with ``tol = 1e-6`` and ``max_period = 32``.

    The sequences are a noisy fixed point, cycles of length 2, 3 and 4, an alternation between
    1 and 1.001 (far apart for ``tol``), the chaotic logistic map, a converging transient and a cycle
    longer than ``max_period``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(values, tol, max_period)``: ``values`` an ndarray of shape
        ``(n,)``, ``tol`` a float and ``max_period`` an int; it returns one integer.
    seed : int, optional
        Seed of the noise added to some sequences (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the period is right for all eight sequences; otherwise the
        message names the first wrong sequence with a hint. A stub that raises
        ``NotImplementedError`` gets a note to write the function first; any other exception
        raised by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> def period(values, tol, max_period):
    ...     return dl.orbit_period(values, tol=tol, max_period=max_period)
    >>> dl.exercises.check_orbit_period(period).passed
    True
    """
    for name, x, _ in _period_cases(seed):
        expected = orbit_period(x, tol=1e-6, max_period=32)
        got, err = _call(fn, x.copy(), 1e-6, 32)
        if err:
            return CheckResult(False, err)
        vals = _numbers(got)
        if vals is None or vals.size != 1 or vals[0] != int(vals[0]):
            return CheckResult(False, f"return one integer (the period, or 0), got {got!r:.80}")
        p = int(vals[0])
        if p == expected:
            continue
        if expected and p and p % expected == 0:
            hint = f"{p} is a period but not the smallest: try p = 1, 2, ... in increasing order"
        elif expected and p and expected % p == 0:
            hint = f"p = {p} fails somewhere: check |x_n - x_(n-p)| <= tol for *every* n >= p, not only the last ones"
        elif expected == 0 and p:
            hint = "no p up to max_period fits this sequence: return 0"
        elif expected and p == 0:
            hint = f"p = {expected} fits within tol; do not stop before max_period"
        else:
            hint = "compare each value with the one p steps earlier, for every n >= p"
        return CheckResult(False, f"for {name} you give {p}, expected {expected}: {hint}")
    return CheckResult(True, "your periods are right for fixed points, cycles of length 2, 3 and 4, a chaotic "
                             "sequence, a transient and a cycle longer than max_period.")
