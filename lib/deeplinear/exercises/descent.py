"""Checkers for the exercises of the chapter on gradient descent and non-quadratic losses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..descent import conservation_drift_step, gradient_descent
from .base import CheckResult, call_safely

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
        out = [np.asarray(g, dtype=float) for g in got]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None, f"{what} returned {type(got).__name__}, not a list of matrices"
    if len(out) != h:
        return None, f"{what} returned {len(out)} matrices, expected {h}"
    return out, None


def check_gd_step(fn: Callable[[list, np.ndarray, float], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, Sigma, eta) -> new_weights``: one step of gradient descent with
    simultaneous updates, against :func:`deeplinear.gradient_descent`."""
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


def check_drift_prediction(fn: Callable[[list, np.ndarray, float], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, Sigma, eta) -> [Delta C_1, ..., Delta C_{h-1}]``, the exact change of
    the conserved quantities in one step of gradient descent."""
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


def check_critical_step(fn: Callable[[float, int], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma1, h)``: the largest step :math:`2/(h\sigma_1^{2-2/h})` for which the
    balanced global minimum is linearly stable."""
    rng = np.random.default_rng(seed)
    for h in (1, 2, 3, 4, 6):
        sigma1 = float(rng.uniform(0.3, 4.0))
        got, err = call_safely(fn, sigma1, h)
        if err:
            return CheckResult(False, err)
        try:
            value = float(got)
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
