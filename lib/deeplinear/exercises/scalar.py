r"""Checkers for the exercises of the chapter on scalar networks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..scalar import scalar_h2_limit, scalar_vector_field
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_scalar_field", "check_h2_limit"]


@checker
def check_scalar_field(fn: Callable[[np.ndarray, float], Sequence[float]], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(w, sigma)``: the velocities :math:`\dot w_i = \prod_{j\ne i} w_j(\sigma - \prod_j w_j)`.

    ``w`` is a 1-D array of any length ``h >= 1``; points with zero weights are included (so
    dividing the product by :math:`w_i` fails). Compared with
    :func:`deeplinear.scalar_vector_field` at eight points, depths 1 to 5, to relative accuracy
    ``1e-10``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(w, sigma)``: ``w`` an ndarray of shape ``(h,)`` and ``sigma``
        a float; it returns ``h`` velocities.
    seed : int, optional
        Seed of the random points (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the field is right at all eight points; otherwise the message
        names the first wrong point. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> dl.exercises.check_scalar_field(dl.scalar_vector_field).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases: list[tuple[np.ndarray, float]] = []
    for h in (1, 2, 3, 4, 5):
        cases.append((rng.normal(size=h), float(rng.uniform(0.3, 3.0))))
    cases += [(np.array([0.0, 0.7, -1.2]), 1.5), (np.array([0.0, 0.0, 2.0]), 1.0), (np.array([0.0, 1.3]), 2.0)]
    for w, sigma in cases:
        expected = scalar_vector_field(w, sigma)
        got, err = call_safely(fn, w.copy(), sigma)
        if err:
            return CheckResult(False, err + (" (is there a division by a weight that is zero here?)" if np.any(w == 0) else ""))
        try:
            got = real_answer(got).reshape(-1)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a vector of velocities")
        if got.shape != expected.shape:
            return CheckResult(False, f"for h = {w.size} return {w.size} velocities, got {got.size}")
        if not np.allclose(got, expected, rtol=1e-10, atol=1e-12):
            where = "" if not np.any(w == 0) else " (some weights are zero here: do not divide by w_i)"
            return CheckResult(False, f"at w = {np.round(w, 3).tolist()}, sigma = {sigma:.3g} you gave "
                                      f"{np.round(got, 5).tolist()}, expected {np.round(expected, 5).tolist()}{where}")
    return CheckResult(True, f"your vector field matches dl.scalar_vector_field at {len(cases)} points, depths 1 to 5.")


@checker
def check_h2_limit(fn: Callable[[np.ndarray, float], Sequence[float]], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(w0, sigma) -> (w1, w2)``: the limit of the scalar flow of depth two from ``w0``.

    The flow conserves :math:`w_2^2 - w_1^2`; from a start off the line :math:`w_1 = -w_2` it
    converges to the global minimum :math:`w_1 w_2 = \sigma` on that conserved curve (on the
    side the trajectory stays on), and from a start on the line to the origin. Compared with
    :func:`deeplinear.scalar_h2_limit` at ten starts.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(w0, sigma)``: ``w0`` an ndarray of shape ``(2,)`` and
        ``sigma`` a positive float; it returns the two coordinates of the limit.
    seed : int, optional
        Seed of the random starts (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the limit is right for all ten starts; otherwise the message
        names the first wrong start with a hint. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_h2_limit(dl.scalar_h2_limit).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(rng.uniform(-2, 2, size=2), float(rng.uniform(0.3, 3.0))) for _ in range(6)]
    cases += [(np.array([0.4, -0.4]), 1.0), (np.array([0.0, 1.0]), 1.0), (np.array([-1.5, 0.2]), 0.5),
              (np.array([1.0, 1.0]), 1.0)]
    for w0, sigma in cases:
        expected = scalar_h2_limit(w0, sigma)
        got, err = call_safely(fn, w0.copy(), sigma)
        if err:
            return CheckResult(False, err)
        try:
            got = real_answer(got).reshape(-1)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a point (w1, w2)")
        if got.shape != (2,):
            return CheckResult(False, f"return the two coordinates (w1, w2) of the limit, got {got.size} numbers")
        if np.allclose(got, expected, rtol=1e-8, atol=1e-10):
            continue
        w0s = f"({w0[0]:.3g}, {w0[1]:.3g})"
        if np.allclose(got, -expected, rtol=1e-8, atol=1e-10):
            hint = "right point up to sign: which side of the line w1 = -w2 does the trajectory stay on?"
        elif not np.any(expected) :
            hint = "this point lies on the stable manifold w1 = -w2 of the origin"
        elif abs(got[0] * got[1] - sigma) > 1e-6 * max(1.0, sigma):
            hint = f"your point is not a global minimum: w1 w2 = {got[0] * got[1]:.4g}, not sigma = {sigma:.3g}"
        else:
            hint = "your point is a global minimum but not on the conserved curve w2^2 - w1^2 = c through w0"
        return CheckResult(False, f"from w0 = {w0s} with sigma = {sigma:.3g} the limit is "
                                  f"({expected[0]:.5g}, {expected[1]:.5g}), you gave ({got[0]:.5g}, {got[1]:.5g}): {hint}")
    return CheckResult(True, f"your limits are right for {len(cases)} initial points, including one on the stable manifold.")
