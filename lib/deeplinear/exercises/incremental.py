r"""Checkers for the exercises of the chapter on incremental learning."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..incremental import incremental_plateaus, random_half_times
from ..init import random_init
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_plateau_ladder", "check_random_half_times"]


@checker
def check_plateau_ladder(fn: Callable[[Sequence[float]], Sequence[float]], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(singular_values) -> values``: the loss values a small aligned start rests on,
    in the order visited, from :math:`\tfrac12\sum_k\sigma_k^2` down to ``0``.

    The modes are learnt in decreasing order of :math:`\sigma_k`, so after the :math:`m`
    largest are learnt the loss rests at :math:`\tfrac12\sum_{k > m}\sigma_{(k)}^2`
    (:math:`\sigma_{(1)} \ge \sigma_{(2)} \ge \dots`): ``r + 1`` values for ``r`` singular
    values. The singular values are passed in any order (distinct, positive); the answer is
    compared with the field ``critical_values`` of the
    :class:`deeplinear.incremental.IncrementalPlateaus` that
    :func:`deeplinear.incremental_plateaus` returns.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(singular_values)``: a list of ``r`` distinct positive
        floats; it returns ``r + 1`` numbers.
    seed : int, optional
        Seed of the random spectra (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the ladder is right for all seven spectra; otherwise the message
        names the first wrong spectrum with a hint. An exception raised by ``fn`` is reported in
        the message, never propagated.

    Examples
    --------
    >>> def ladder(s):
    ...     s = sorted(s, reverse=True)
    ...     return [0.5 * sum(x * x for x in s[m:]) for m in range(len(s) + 1)]
    >>> dl.exercises.check_plateau_ladder(ladder).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases: list[list[float]] = [[3.0, 2.0, 1.0], [1.0, 3.0, 2.0], [2.5], [0.5, 4.0]]
    for _ in range(3):
        n = int(rng.integers(2, 6))
        cases.append([float(x) for x in rng.permutation(np.round(rng.uniform(0.2, 4.0, size=n), 3))])
    for s in cases:
        expected = incremental_plateaus(s, 1e-9, 2).critical_values
        got, err = call_safely(fn, list(s))
        if err:
            return CheckResult(False, err)
        try:
            vals = real_answer(got).reshape(-1)
        except (TypeError, ValueError):
            return CheckResult(False, f"return a list of numbers, got {got!r:.80}")
        if vals.shape == expected.shape and np.allclose(vals, expected, rtol=1e-10, atol=1e-12):
            continue
        where = f"for singular values {s}"
        if vals.size == expected.size - 1:
            hint = "include both ends: the start (nothing learnt) and 0 (everything learnt)"
        elif vals.size != expected.size:
            hint = f"there are r + 1 = {expected.size} values for r = {len(s)} singular values"
        elif np.allclose(vals, 2 * expected):
            hint = "the loss has a factor 1/2"
        elif np.allclose(np.sort(vals)[::-1], np.sort(expected)[::-1]) or np.allclose(vals, expected[::-1]):
            hint = "list them in the order the flow visits them: the loss only decreases"
        else:
            hint = "the largest singular value is learnt first, so it leaves the sum first"
        return CheckResult(False, f"{where} you give {np.round(vals, 4).tolist()}, expected "
                                  f"{np.round(expected, 4).tolist()}: {hint}")
    return CheckResult(True, f"your ladder is right for {len(cases)} spectra, given in any order.")


@checker
def check_random_half_times(fn: Callable[[np.ndarray, np.ndarray, Sequence[float]], Sequence[float]], *,
                            seed: int = 0) -> CheckResult:
    r"""Check ``fn(W1, W2, singular_values) -> half_times``: the Gram-Schmidt prediction of the
    half-times of a small random two-layer start (:func:`deeplinear.random_half_times`), in
    the order of ``singular_values``.

    The prediction is :math:`t_k = \ln((\sigma_k - u_k)/u_k)/(2\sigma_k)` with
    :math:`u_k = R_{kk}^2/4` from the QR factorisation of the matrix of columns
    :math:`v_k = W_1[:, k] + W_2[k, :]`, orthogonalised in decreasing order of
    :math:`\sigma_k`. Compared to relative accuracy ``1e-8`` on four random starts; forgetting
    the orthogonalisation, or orthogonalising in the given order, is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(W1, W2, singular_values)``: ``W1`` an ndarray of shape
        ``(d_1, r)``, ``W2`` an ndarray of shape ``(r, d_1)`` and ``singular_values`` a list of
        ``r`` floats; it returns ``r`` half-times, one per singular value, in the given order.
    seed : int, optional
        Seed of the random starts (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the half-times are right for all four starts; otherwise the
        message names the first wrong start with a hint. An exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> def half_times(W1, W2, s):
    ...     return dl.random_half_times([W1, W2], s)
    >>> dl.exercises.check_random_half_times(half_times).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = []
    for s, d1 in [((3.0, 2.0, 1.0), 3), ((1.0, 3.0, 2.0), 3), ((3.0, 2.0, 1.0), 5), ((2.0, 0.7), 4)]:
        r = len(s)
        W1, W2 = random_init((r, d1, r), rng, float(10.0 ** rng.uniform(-4, -2)))
        cases.append((W1, W2, list(s)))
    for W1, W2, s in cases:
        expected = random_half_times([W1, W2], s)
        got, err = call_safely(fn, W1.copy(), W2.copy(), list(s))
        if err:
            return CheckResult(False, err)
        try:
            vals = real_answer(got).reshape(-1)
        except (TypeError, ValueError):
            return CheckResult(False, f"return one half-time per singular value, got {got!r:.80}")
        if vals.shape != expected.shape:
            return CheckResult(False, f"return {expected.size} half-times (one per singular value), got {vals.size}")
        if np.allclose(vals, expected, rtol=1e-8, atol=1e-10):
            continue
        sig = np.asarray(s)
        v = np.column_stack([W1[:, k] + W2[k, :] for k in range(sig.size)])
        naive = np.log((sig - (v**2).sum(0) / 4) / ((v**2).sum(0) / 4)) / (2 * sig)
        R = np.linalg.qr(v, mode="r")
        u_given = np.diag(R) ** 2 / 4
        given = np.log((sig - u_given) / u_given) / (2 * sig)
        if np.allclose(vals, naive, rtol=1e-8):
            hint = "you used |v_k|^2 / 4 for every mode: remove from v_k its components along the v_j of larger modes"
        elif np.allclose(vals, given, rtol=1e-8):
            hint = "orthogonalise in decreasing order of sigma_k (the order the modes are learnt), not in the given order"
        else:
            hint = "t_k = ln((sigma_k - u_k) / u_k) / (2 sigma_k) with u_k = R_kk^2 / 4 from the QR factorisation of V"
        return CheckResult(False, f"for singular values {s} you give {np.round(vals, 4).tolist()}, expected "
                                  f"{np.round(expected, 4).tolist()}: {hint}")
    return CheckResult(True, f"your predicted half-times agree with dl.random_half_times on {len(cases)} random starts.")
