"""Checkers for the exercises of the chapter on weight decay."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..weight_decay import _thresholds, mode_shrinkage, regularised_gradient
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_regularised_gradient", "check_shrunk_value", "check_switch_off"]


@checker
def check_regularised_gradient(fn: Callable[[list, np.ndarray, float], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, Sigma, lam)``: the gradient of the regularised loss,
    :math:`\nabla_{W_i} L + \lambda W_i`, layer by layer.

    Compared with :func:`deeplinear.weight_decay.regularised_gradient` on five random networks of depths 2 to
    4, to relative accuracy ``1e-10``. A decay term of the wrong size (:math:`\lambda W_i / 2`,
    :math:`2\lambda W_i`) or a missing one is named.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, Sigma, lam)``: ``weights`` a list of ``h`` ndarrays,
        ``Sigma`` of shape ``(d_h, d_0)``, ``lam`` a positive float; it returns a list of ``h``
        arrays of the shapes of ``weights``.
    seed : int, optional
        Seed of the random networks (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when every layer is right; an exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> def grad(weights, Sigma, lam):
    ...     return [g + lam * w for g, w in zip(dl.gradient(weights, Sigma), weights)]
    >>> dl.exercises.check_regularised_gradient(grad).passed
    True
    >>> dl.exercises.check_regularised_gradient(lambda w, S, lam: dl.gradient(w, S)).passed
    False
    """
    rng = np.random.default_rng(seed)
    for widths in [(2, 3, 2), (3, 2, 2, 3), (1, 2, 3, 1), (2, 2, 2, 2, 2), (3, 4, 2)]:
        W = [rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
        S = rng.standard_normal((widths[-1], widths[0]))
        lam = float(rng.uniform(0.1, 1.0))
        got, err = call_safely(fn, [w.copy() for w in W], S.copy(), lam)
        if err:
            return CheckResult(False, err)
        try:
            got = [real_answer(g) for g in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"for widths {widths} your function returned {type(got).__name__}, not a list of matrices")
        if len(got) != len(W):
            return CheckResult(False, f"for widths {widths} your function returned {len(got)} matrices, expected {len(W)}")
        expected = regularised_gradient(W, S, weight_decay=lam)
        for i, (g, e, w) in enumerate(zip(got, expected, W), start=1):
            if g.shape != e.shape:
                return CheckResult(False, f"for widths {widths}, the gradient of W_{i} must have shape {e.shape}, got {g.shape}")
            if not np.allclose(g, e, rtol=1e-10, atol=1e-12):
                hint = ""
                for factor, what in ((0.0, "the decay term lam * W_i is missing"),
                                     (0.5, "the decay term is lam * W_i, not lam * W_i / 2"),
                                     (2.0, "the decay term is lam * W_i, not 2 lam * W_i")):
                    if np.allclose(g, e + (factor - 1.0) * lam * w, rtol=1e-10, atol=1e-12):
                        hint = f" ({what})"
                return CheckResult(False, f"for widths {widths} and lam = {lam:.3g}, the gradient of W_{i} is off by "
                                          f"{float(np.max(np.abs(g - e))):.3g}{hint}")
    return CheckResult(True, "your regularised gradient matches dl.weight_decay.regularised_gradient on 5 networks.")


@checker
def check_shrunk_value(fn: Callable[[float, float], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma, lam)``: the singular value a two-layer network learns under weight decay,
    the soft threshold :math:`\max(\sigma - \lambda, 0)`.

    Checked on eight pairs, some with :math:`\sigma < \lambda`, to absolute accuracy ``1e-10``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(sigma, lam)`` of two positive floats; it returns a number.
    seed : int, optional
        Seed of the random pairs (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> dl.exercises.check_shrunk_value(lambda sigma, lam: max(sigma - lam, 0.0)).passed
    True
    >>> dl.exercises.check_shrunk_value(lambda sigma, lam: sigma - lam).passed
    False
    """
    rng = np.random.default_rng(seed)
    for _ in range(8):
        sigma, lam = float(rng.uniform(0.1, 3.0)), float(rng.uniform(0.1, 3.0))
        got, err = call_safely(fn, sigma, lam)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.60} for sigma = {sigma:.3g}, lam = {lam:.3g}, not a number")
        expected = mode_shrinkage(sigma, 2, weight_decay=lam).minimiser
        if not abs(value - expected) <= 1e-10 * max(1.0, sigma):
            hint = " (a singular value is never negative: a mode with sigma <= lam is switched off)" if value < 0 else ""
            return CheckResult(False, f"for sigma = {sigma:.4g} and lam = {lam:.4g} you gave {value:.6g}, expected {expected:.6g}{hint}")
    return CheckResult(True, "your shrinkage is the soft threshold on 8 pairs.")


@checker
def check_switch_off(fn: Callable[[float, int], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(sigma, h)``: the decay :math:`\lambda^\star` above which a mode of singular value
    :math:`\sigma` is switched off in the global minimum, for depth :math:`h \ge 2`.

    The right answer is
    :math:`\lambda^\star = \frac{\sigma}{h-1}\big(\sigma\frac{h-2}{h-1}\big)^{(h-2)/h}` (:math:`\sigma` for
    ``h = 2``), checked for depths 2 to 6 to relative accuracy ``1e-9``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(sigma, h)``: a positive float and an int ``>= 2``.
    seed : int, optional
        Seed of the random singular values (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> dl.exercises.check_switch_off(lambda sigma, h: dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=1.0).switched_off_above).passed
    True
    >>> dl.exercises.check_switch_off(lambda sigma, h: sigma).passed
    False
    """
    rng = np.random.default_rng(seed)
    for h in (2, 3, 4, 5, 6):
        sigma = float(rng.uniform(0.5, 3.0))
        got, err = call_safely(fn, sigma, h)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.60} for sigma = {sigma:.3g}, h = {h}, not a number")
        expected = _thresholds(sigma, h)[1]
        if not math.isclose(value, expected, rel_tol=1e-9):
            hint = ""
            if h >= 3 and math.isclose(value, _thresholds(sigma, h)[0], rel_tol=1e-9):
                hint = " (that is where the non-zero minimum disappears; it stops being global earlier)"
            return CheckResult(False, f"for sigma = {sigma:.4g} and h = {h} you gave {value:.6g}, expected {expected:.6g}{hint}")
    return CheckResult(True, "your switch-off threshold is right for depths 2 to 6.")
