r"""Checkers for the exercises of the chapter on aligned initialisation and exact solutions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..modes import mode_solution
from ..unbalanced import unbalanced_learning_time
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_logistic_mode", "check_unbalanced_time"]


def _as_vector(got: object, n: int) -> np.ndarray | None:
    try:
        arr = real_answer(got)
    except (TypeError, ValueError):
        return None
    if arr.shape == (n,):
        return arr
    return None


@checker
def check_logistic_mode(fn: Callable[[np.ndarray, float, float], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(t, sigma, u0) -> u(t)``: the closed-form product of a balanced two-layer mode,
    :math:`\dot u = 2u(\sigma - u)`, :math:`u(0) = u_0`, for an array of times ``t``.

    The right answer is the logistic curve

    .. math::

       u(t) = \frac{\sigma u_0 e^{2\sigma t}}{\sigma - u_0 + u_0 e^{2\sigma t}} .

    Cases: small starts, a start above ``sigma`` and a start at exactly ``sigma / 2``; the
    answer is compared with :func:`deeplinear.mode_solution` (``h = 2``) to relative accuracy
    ``1e-9``. A curve that rises at half the right speed (exponent :math:`\sigma t`) or misses
    :math:`u(0) = u_0` is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(t, sigma, u0)``: ``t`` an ndarray of shape (9,) of times,
        ``sigma`` and ``u0`` floats; it returns an array of shape (9,), the values
        :math:`u(t)`.
    seed : int, optional
        Seed of the random starts (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the curve is right for all seven starts; otherwise the message
        names the first wrong start and time. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> result = dl.exercises.check_logistic_mode(lambda t, sigma, u0: dl.mode_solution(t, u0, sigma, 2))
    >>> result.passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(float(rng.uniform(0.3, 3.0)), 10.0 ** float(rng.uniform(-6, -1))) for _ in range(4)]
    cases += [(3.0, 0.01), (1.0, 0.5), (2.0, 3.5)]
    for sigma, u0 in cases:
        t = np.linspace(0.0, 4.0 / sigma * (1 + np.log10(max(sigma / u0, 10.0))), 9)
        expected = mode_solution(t, u0, sigma, 2)
        got, err = call_safely(fn, t.copy(), sigma, u0)
        if err:
            return CheckResult(False, err)
        u = _as_vector(got, t.size)
        if u is None:
            return CheckResult(False, f"return one value u(t) per time: for {t.size} times got {np.shape(got)} "
                                      "(use numpy operations so that t can be an array)")
        if np.allclose(u, expected, rtol=1e-9, atol=1e-12):
            continue
        where = f"sigma = {sigma:.3g}, u0 = {u0:.3g}"
        if abs(u[0] - u0) > 1e-9 * max(1.0, u0):
            return CheckResult(False, f"at t = 0 you give u = {u[0]:.6g}, but u(0) must be u0 ({where})")
        slow = sigma * u0 * np.exp(sigma * t) / (sigma - u0 + u0 * np.exp(sigma * t))
        if np.allclose(u, slow, rtol=1e-9, atol=1e-12):
            return CheckResult(False, f"your curve rises at half the right speed ({where}): the exponent is "
                                      "2 sigma t, from du/dt = 2u(sigma - u)")
        k = int(np.argmax(np.abs(u - expected)))
        return CheckResult(False, f"for {where} at t = {t[k]:.4g} you give u = {u[k]:.6g}, expected {expected[k]:.6g}")
    return CheckResult(True, f"your logistic solution matches dl.mode_solution for {len(cases)} starts, "
                             "including one above sigma.")


@checker
def check_unbalanced_time(fn: Callable[[float, float, float, float], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma, p0, pf, c) -> t``: the time for :math:`\dot p = \sqrt{c^2+4p^2}(\sigma - p)`
    to go from ``p0`` to ``pf`` (``p0 < pf < sigma``), against
    :func:`deeplinear.unbalanced_learning_time` to relative accuracy ``1e-6``.

    The right answer is the integral

    .. math::

       t = \int_{p_0}^{p_f} \frac{dp}{\sqrt{c^2 + 4p^2}\,(\sigma - p)} .

    The cases include a balanced start (``c = 0``), positive and negative imbalances, and random
    ones; a negative time, a wrong balanced law and an answer that treats negative ``c``
    differently from positive ``c`` are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(sigma, p0, pf, c)`` of four floats, returning one number,
        the time.
    seed : int, optional
        Seed of the random cases (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when all seven times are right; otherwise the message names the
        first wrong case with a hint. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> def time(sigma, p0, pf, c):
    ...     return dl.unbalanced_learning_time(p0, pf, sigma, c)
    >>> dl.exercises.check_unbalanced_time(time).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(1.0, 1e-4, 0.5, 0.5), (1.0, 1e-4, 0.5, 2.0), (1.0, 1e-4, 0.5, 0.0), (2.0, 0.01, 1.9, -1.0)]
    for _ in range(3):
        sigma = float(rng.uniform(0.5, 3.0))
        p0 = sigma * 10.0 ** float(rng.uniform(-4, -1))
        cases.append((sigma, p0, float(rng.uniform(0.3, 0.95)) * sigma, float(rng.normal(scale=1.5))))
    for sigma, p0, pf, c in cases:
        expected = unbalanced_learning_time(p0, pf, sigma, c)
        got, err = call_safely(fn, sigma, p0, pf, c)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"return one number (a time), got {got!r:.80}")
        if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
            continue
        where = f"sigma = {sigma:.3g}, p0 = {p0:.3g}, pf = {pf:.3g}, c = {c:.3g}"
        if value < 0:
            hint = "a time from p0 to pf > p0 is positive"
        elif c == 0.0:
            hint = "with c = 0 the law is dp/dt = 2|p|(sigma - p), the balanced logistic law"
        elif c < 0 and np.isclose(value, unbalanced_learning_time(p0, pf, sigma, 0.0), rtol=1e-6):
            hint = "only c^2 enters the law, so a negative imbalance speeds the flow up exactly like a positive one"
        else:
            hint = "integrate dp / (sqrt(c^2 + 4 p^2) (sigma - p)) from p0 to pf"
        return CheckResult(False, f"for {where} you give t = {value:.6g}, expected {expected:.6g}: {hint}")
    return CheckResult(True, f"your learning times agree with dl.unbalanced_learning_time in {len(cases)} cases, "
                             "balanced and unbalanced.")
