r"""Checkers for the exercises of the chapter on critical points and critical values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..invariants import conserved_quantities
from ..critical import is_critical, relative_gradient_norm
from ..quotient import critical_values
from ..network import end_to_end
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_critical_values", "check_balanced_representative"]


def _fmt_list(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


# (singular values, d_min): distinct, a bottleneck, rank one, repeated, a zero, a coincidence of
# sums (sigma_1^2 = sigma_2^2 + sigma_3^2), and Sigma = 0.
_LADDER_CASES: tuple[tuple[tuple[float, ...], int], ...] = (
    ((3.0, 2.0, 1.0), 3),
    ((3.0, 2.0, 1.0), 2),
    ((3.0, 2.0, 1.0), 1),
    ((4.0, 3.0, 2.0, 1.0), 2),
    ((2.0, 2.0, 1.0), 3),
    ((3.0, 2.0, 0.0), 3),
    ((math.sqrt(5.0), 2.0, 1.0), 3),
    ((1.0, 3.0, 2.0), 2),
    ((0.0, 0.0), 2),
)


def _ladder_diagnosis(got: list[float], s: tuple[float, ...], d_min: int) -> str:
    """A hint for a wrong list of critical values, by recognising common mistakes."""
    q = len(s)
    widths = (q, d_min, q)
    unbounded = critical_values(s, (q, q, q)).values
    if len(got) == len(unbounded) and np.allclose(got, unbounded, rtol=1e-9, atol=1e-12) and d_min < q:
        return (f"you listed sets with more than d_min = {d_min} elements: the end-to-end map has rank at most "
                "d_min, so at most d_min singular values can be learnt (the rank bound)")
    expected = critical_values(s, widths).values
    if len(got) == len(expected) and np.allclose(got, 2 * np.asarray(expected), rtol=1e-9, atol=1e-12):
        return "your values are twice the right ones: the loss carries the factor 1/2"
    if len(got) == len(expected) and np.allclose(sorted(got), expected, rtol=1e-9, atol=1e-12):
        return "return the values in increasing order"
    total = 0.5 * sum(x * x for x in s)
    learnt = sorted(total - v for v in expected)
    if len(got) == len(learnt) and np.allclose(sorted(got), learnt, rtol=1e-9, atol=1e-12):
        return ("you summed the singular values that are learnt; L_S = 1/2 sum over k NOT in S of sigma_k^2, "
                "the energy that is left over")
    if len(got) > len(expected) and np.allclose(sorted(set(np.round(got, 9))), expected, rtol=1e-9, atol=1e-12):
        return "list each value once: different learnt sets can share a value (repeated singular values, equal sums)"
    if len(got) > len(expected) and any(x == 0 for x in s):
        return ("a zero singular value changes neither the product nor the loss when 'learnt': count sets of "
                "positive singular values only")
    return f"expected {_fmt_list(expected)}"


@checker
def check_critical_values(fn: Callable[[Sequence[float], int], Sequence[float]]) -> CheckResult:
    r"""Check ``fn(singular_values, d_min) -> the distinct critical values, ascending``.

    The answer must list

    .. math::

       L_S = \tfrac12 \sum_{k \notin S} \sigma_k^2

    over the learnt sets :math:`S` of positive singular values with :math:`|S| \le d_{\min}`,
    each value once, in increasing order. The cases include a bottleneck, repeated and zero
    singular values, an unsorted spectrum, two sets with equal sums, and :math:`\Sigma = 0`;
    the reference is :func:`deeplinear.critical_values` with widths
    ``(q, d_min, q)``. Common mistakes (no rank bound, a missing factor 1/2, the learnt instead
    of the left-over energy, repeated values, the wrong order) are recognised.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(singular_values, d_min)``: ``singular_values`` a list of
        floats (not necessarily sorted) and ``d_min`` an int, the narrowest width; it returns a
        list of floats.

    Returns
    -------
    CheckResult
        ``passed`` is True when all nine ladders are right; otherwise the message names the
        first wrong case with a hint. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> def ladder(s, d_min):
    ...     return list(dl.critical_values(s, (len(s), d_min, len(s))).values)
    >>> dl.exercises.check_critical_values(ladder).passed
    True
    """
    for s, d_min in _LADDER_CASES:
        q = len(s)
        expected = critical_values(s, (q, d_min, q)).values
        got, err = call_safely(fn, list(s), d_min)
        if err:
            return CheckResult(False, err)
        try:
            got = [real_answer(x, scalar=True) for x in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of numbers")
        if len(got) == len(expected) and np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        sig = ", ".join(f"{x:g}" for x in s)
        return CheckResult(
            False,
            f"for singular values ({sig}) and d_min = {d_min} you gave {_fmt_list(got)}; "
            + _ladder_diagnosis(got, s, d_min),
        )
    return CheckResult(True, f"your ladders match dl.critical_values in all {len(_LADDER_CASES)} cases, including "
                             "a bottleneck, repeated and zero singular values, and equal sums.")


# (learnt set, singular values, widths): the last ones need the renumbering of hidden coordinates
_REPRESENTATIVE_CASES: tuple[tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...]], ...] = (
    ((1,), (3.0, 2.0), (2, 2, 2)),
    ((), (3.0, 2.0), (2, 2, 2, 2)),
    ((1, 2), (3.0, 2.0, 1.0), (3, 3, 3, 3)),
    ((2,), (3.0, 2.0, 1.0), (3, 4, 3)),
    ((1, 2), (3.0, 2.0), (4, 3, 2)),
    ((1, 3), (3.0, 2.0, 1.0), (3, 4, 2, 3)),
    ((2,), (3.0, 2.0), (2, 1, 2)),
)


def _target(s: Sequence[float], widths: Sequence[int]) -> np.ndarray:
    Sigma = np.zeros((widths[-1], widths[0]))
    for k, x in enumerate(s):
        Sigma[k, k] = x
    return Sigma


@checker
def check_balanced_representative(
    fn: Callable[[tuple[int, ...], Sequence[float], tuple[int, ...]], Sequence[np.ndarray]],
) -> CheckResult:
    r"""Check ``fn(subset, singular_values, widths) -> [W_1, ..., W_h]``.

    ``Sigma`` is the ``d_h x d_0`` rectangular-diagonal matrix with ``singular_values`` on its
    diagonal. The answer must be a network of these widths whose product is
    :math:`\Sigma_S = \sum_{k \in S}\sigma_k e_k e_k^\top`, which is 0-balanced (every
    :math:`C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top = 0`) and critical
    (:func:`deeplinear.is_critical`). Some cases have a hidden layer narrower than the largest
    learnt index, where the learnt modes must be moved to the free coordinates.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(subset, singular_values, widths)``: ``subset`` a tuple of
        1-based indices (the learnt set :math:`S`), ``singular_values`` a list of floats and
        ``widths`` a tuple ``(d_0, ..., d_h)``; it returns a list of ``h`` arrays, ``W_i`` of
        shape ``(d_i, d_{i-1})``.

    Returns
    -------
    CheckResult
        ``passed`` is True when all seven representatives have the right shapes and product,
        are balanced and critical; otherwise the message names the first failing case and what
        fails. An exception raised by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> def representative(subset, s, widths):
    ...     Sigma = np.zeros((widths[-1], widths[0]))
    ...     Sigma[range(len(s)), range(len(s))] = s
    ...     return dl.critical_point(subset, Sigma, widths).weights
    >>> dl.exercises.check_balanced_representative(representative).passed
    True
    """
    for S, s, d in _REPRESENTATIVE_CASES:
        h = len(d) - 1
        Sigma = _target(s, d)
        got, err = call_safely(fn, S, list(s), d)
        if err:
            return CheckResult(False, err)
        try:
            W = [real_answer(w) for w in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of matrices")
        where = f"for S = {set(S) or '{}'}, singular values {tuple(s)} and widths {d}"
        if len(W) != h:
            return CheckResult(False, f"{where}: return h = {h} matrices [W_1, ..., W_{h}], got {len(W)}")
        for i, w in enumerate(W, start=1):
            if w.shape != (d[i], d[i - 1]):
                return CheckResult(False, f"{where}: W_{i} must have shape (d_{i}, d_{i - 1}) = {(d[i], d[i - 1])}, "
                                          f"yours has {w.shape}")
            if not np.all(np.isfinite(w)):
                return CheckResult(False, f"{where}: W_{i} has non-finite entries")
        expected = np.zeros_like(Sigma)
        for k in S:
            expected[k - 1, k - 1] = s[k - 1]
        P = end_to_end(W)
        if not np.allclose(P, expected, rtol=1e-9, atol=1e-9):
            hint = ""
            if any(k > min(d[1:-1]) for k in S):
                hint = (" A hidden layer is narrower than the largest learnt index: put the learnt modes in the "
                        "first free coordinates of that layer instead of coordinate k.")
            return CheckResult(False, f"{where}: the product W_h...W_1 should be Sigma_S = "
                                      f"{np.round(expected, 4).tolist()}, yours is {np.round(P, 4).tolist()}.{hint}")
        C = conserved_quantities(W)
        worst = max((float(np.linalg.norm(c)) for c in C), default=0.0)
        if worst > 1e-9 * max(1.0, max(s)):
            return CheckResult(False, f"{where}: the product is right but the network is not balanced "
                                      f"(largest ||C_i||_F = {worst:.3g}); give every layer the factor "
                                      "sigma_k^(1/h) on mode k")
        if not is_critical(W, Sigma):
            rho = relative_gradient_norm(W, Sigma)
            return CheckResult(False, f"{where}: the point is not critical (relative gradient norm {rho:.3g})")
    return CheckResult(True, f"your representatives have the right product, are balanced and critical in all "
                             f"{len(_REPRESENTATIVE_CASES)} cases, including narrow hidden layers and a "
                             "rectangular Sigma.")
