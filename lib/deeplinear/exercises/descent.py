"""Checkers for the exercises of the chapter on gradient descent and non-quadratic losses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..descent import conservation_drift_step, gradient_descent
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_gd_step", "check_drift_prediction", "check_critical_step"]


def _cases(rng: np.random.Generator) -> list[tuple[list[np.ndarray], np.ndarray, float]]:
    out = []
    for widths in [(2, 3, 2), (3, 4, 4, 2), (2, 2, 2, 2, 2), (1, 3, 1), (3, 2, 4, 3)]:
        W = [0.7 * rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
        S = np.zeros((widths[-1], widths[0]))
        k = min(widths[0], widths[-1])
        S[np.arange(k), np.arange(k)] = np.sort(rng.uniform(0.5, 2.5, k))[::-1]
        out.append((W, S, float(rng.uniform(0.01, 0.2))))
    return out


def _as_list(got: object, h: int, what: str) -> tuple[list[np.ndarray] | None, str | None]:
    try:
        out = [real_answer(g) for g in got]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None, f"{what} returned {type(got).__name__}, not a list of matrices"
    if len(out) != h:
        return None, f"{what} returned {len(out)} matrices, expected {h}"
    return out, None


@checker
def check_gd_step(fn: Callable[[list, np.ndarray, float], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, Sigma, eta) -> new_weights``: one step of gradient descent with
    simultaneous updates, against :func:`deeplinear.gradient_descent`.

    The right step is

    .. math::

       W_i \leftarrow W_i - \eta\, \nabla_{W_i} L(W_1, \dots, W_h), \qquad i = 1, \dots, h,

    with every gradient taken at the old point. Tested on five random networks of depths 2
    to 4, to relative accuracy ``1e-10``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, Sigma, eta)``: ``weights`` a list of ``h`` ndarrays
        (``W_i`` of shape ``(d_i, d_{i-1})``), ``Sigma`` an ndarray of shape ``(d_h, d_0)`` and
        ``eta`` a float; it returns the list of ``h`` updated matrices.
    seed : int, optional
        Seed of the random networks and steps (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the step is right on all five networks; otherwise the message
        names the first wrong layer. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> def step(weights, Sigma, eta):
    ...     return [W - eta * G for W, G in zip(weights, dl.gradient(weights, Sigma))]
    >>> dl.exercises.check_gd_step(step).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = _cases(rng)
    for W, S, eta in cases:
        widths = (W[0].shape[1],) + tuple(w.shape[0] for w in W)
        got, err = call_safely(fn, [w.copy() for w in W], S, eta)
        if err:
            return CheckResult(False, err)
        got, err = _as_list(got, len(W), f"your step for widths {widths}")
        if err:
            return CheckResult(False, err)
        expected = gradient_descent(W, S, eta, 1, keep_iterates=False).final_weights
        for i, (g, e) in enumerate(zip(got, expected), start=1):
            if g.shape != e.shape:
                return CheckResult(False, f"for widths {widths}, W_{i} must keep its shape {e.shape}, got {g.shape}")
            if not np.allclose(g, e, rtol=1e-10, atol=1e-12):
                return CheckResult(
                    False,
                    f"for widths {widths} and eta = {eta:.3g}, layer W_{i} is off by {float(np.max(np.abs(g - e))):.3g} "
                    "(update every layer from the gradients at the same, old point: W_i - eta * grad_i)",
                )
    return CheckResult(True, f"your descent step matches dl.gradient_descent on {len(cases)} networks.")


@checker
def check_drift_prediction(fn: Callable[[list, np.ndarray, float], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, Sigma, eta) -> [Delta C_1, ..., Delta C_{h-1}]``, the exact change of
    the conserved quantities in one step of gradient descent.

    Here :math:`C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top`; the answer is compared with
    :func:`deeplinear.conservation_drift_step` on five random networks, to relative accuracy
    ``1e-9``. A flipped sign, or a change of order :math:`\eta` instead of :math:`\eta^2`, is
    named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, Sigma, eta)``: ``weights`` a list of ``h`` ndarrays
        (``W_i`` of shape ``(d_i, d_{i-1})``), ``Sigma`` an ndarray of shape ``(d_h, d_0)`` and
        ``eta`` a float; it returns a list of ``h - 1`` arrays, ``Delta C_i`` of shape
        ``(d_i, d_i)``.
    seed : int, optional
        Seed of the random networks and steps (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the prediction is exact on all five networks; otherwise the
        message names the first wrong ``Delta C_i``. An exception raised by ``fn`` is reported
        in the message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_drift_prediction(dl.conservation_drift_step).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = _cases(rng)
    for W, S, eta in cases:
        widths = (W[0].shape[1],) + tuple(w.shape[0] for w in W)
        got, err = call_safely(fn, [w.copy() for w in W], S, eta)
        if err:
            return CheckResult(False, err)
        got, err = _as_list(got, len(W) - 1, f"your prediction for widths {widths}")
        if err:
            return CheckResult(False, err)
        expected = conservation_drift_step(W, S, eta)
        for i, (g, e) in enumerate(zip(got, expected), start=1):
            if g.shape != e.shape:
                return CheckResult(False, f"for widths {widths}, Delta C_{i} must have shape {e.shape}, got {g.shape}")
            if not np.allclose(g, e, rtol=1e-9, atol=1e-13):
                hint = ""
                if np.allclose(g, -e, rtol=1e-9, atol=1e-13):
                    hint = " (the sign is flipped: C_i = W_{i+1}^T W_{i+1} - W_i W_i^T)"
                elif np.allclose(g * eta, e, rtol=1e-9, atol=1e-13):
                    hint = " (the change is of order eta^2, not eta)"
                return CheckResult(False, f"for widths {widths} and eta = {eta:.3g}, Delta C_{i} is off by "
                                          f"{float(np.max(np.abs(g - e))):.3g}{hint}")
    return CheckResult(True, f"your prediction is exact on {len(cases)} networks.")


@checker
def check_critical_step(fn: Callable[[float, int], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma1, h)``: the largest step :math:`2/(h\sigma_1^{2-2/h})` for which the
    balanced global minimum is linearly stable.

    The right answer is

    .. math::

       \eta^\ast = \frac{2}{h\, \sigma_1^{2 - 2/h}} ,

    checked to relative accuracy ``1e-10`` for depths 1, 2, 3, 4 and 6 with random
    :math:`\sigma_1`. The exponent 2 instead of :math:`2 - 2/h`, and :math:`1/\lambda_{\max}`
    instead of :math:`2/\lambda_{\max}`, are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(sigma1, h)``: ``sigma1`` a positive float (the largest
        singular value of the target) and ``h`` an int (the depth); it returns one number.
    seed : int, optional
        Seed of the random values of ``sigma1`` (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the step is right for all five depths; otherwise the message
        names the first wrong depth. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> dl.exercises.check_critical_step(lambda sigma1, h: 2 / (h * sigma1 ** (2 - 2 / h))).passed
    True
    >>> dl.exercises.check_critical_step(dl.critical_step).passed
    True
    """
    rng = np.random.default_rng(seed)
    for h in (1, 2, 3, 4, 6):
        sigma1 = float(rng.uniform(0.3, 4.0))
        got, err = call_safely(fn, sigma1, h)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"critical_step({sigma1:.3g}, {h}) returned {got!r}, not a number")
        expected = 2.0 / (h * sigma1 ** (2.0 - 2.0 / h))
        if not np.isclose(value, expected, rtol=1e-10):
            hint = ""
            if np.isclose(value, 2.0 / (h * sigma1**2), rtol=1e-10):
                hint = " (the exponent of sigma_1 is 2 - 2/h, not 2)"
            elif np.isclose(value, 1.0 / (h * sigma1 ** (2.0 - 2.0 / h)), rtol=1e-10):
                hint = " (stability needs eta < 2 / lambda_max)"
            return CheckResult(False, f"critical_step({sigma1:.3g}, {h}) = {value:.6g}, expected {expected:.6g}{hint}")
    return CheckResult(True, "your critical step is right for depths 1, 2, 3, 4 and 6.")
