"""Checkers for the exercises of the chapter on balanced initialisations and convergence rates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..product_flow import end_to_end_rhs, margin_rate
from ..invariants import conserved_quantities
from ..network import end_to_end
from .base import CheckResult, answer_array, call_safely, checker, real_answer

__all__ = ["check_end_to_end_rhs", "check_balanced_factors", "check_margin_rate"]


def _as_array(got: object, what: str) -> tuple[np.ndarray | None, str | None]:
    try:
        return real_answer(got), None
    except (TypeError, ValueError):
        return None, f"{what} returned {type(got).__name__}, not an array"


@checker
def check_end_to_end_rhs(fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(W, Sigma, h)`` against :func:`deeplinear.end_to_end_rhs`, the closed
    end-to-end dynamics of a 0-balanced network, on random square and rectangular maps.

    The right answer is

    .. math::

       \dot W = \sum_{j=1}^{h} (W W^\top)^{\frac{h-j}{h}} (\Sigma - W) (W^\top W)^{\frac{j-1}{h}},

    compared to relative accuracy ``1e-8`` in six cases, depths 1 to 4.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(W, Sigma, h)``: ``W`` and ``Sigma`` ndarrays of shape
        ``(d_h, d_0)`` (the end-to-end map and the target) and ``h`` an int (the depth); it
        returns an array of shape ``(d_h, d_0)``.
    seed : int, optional
        Seed of the random maps and targets (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the right-hand side is right in all six cases; otherwise the
        message gives the largest error of the first wrong case with a hint. An exception
        raised by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_end_to_end_rhs(dl.end_to_end_rhs).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [((3, 3), 1), ((3, 3), 2), ((3, 3), 3), ((2, 4), 3), ((4, 2), 2), ((3, 3), 4)]
    for shape, h in cases:
        W = rng.standard_normal(shape)
        S = np.zeros(shape)
        k = min(shape)
        S[np.arange(k), np.arange(k)] = np.sort(rng.uniform(0.5, 3.0, k))[::-1]
        got, err = call_safely(fn, W, S, h)
        if err:
            return CheckResult(False, err)
        got, err = _as_array(got, f"my function for h = {h}")
        if err:
            return CheckResult(False, err)
        expected = end_to_end_rhs(W, S, h)
        if got.shape != expected.shape:
            return CheckResult(False, f"for W of shape {shape} and h = {h} the result must have shape {expected.shape}, got {got.shape}")
        if not np.allclose(got, expected, rtol=1e-8, atol=1e-10):
            hint = ""
            if h == 1 and not np.allclose(got, S - W):
                hint = " (for h = 1 the flow is simply dW/dt = Sigma - W)"
            elif np.allclose(got, h * (S - W)):
                hint = " (you multiplied Sigma - W by h: the Gram matrices are missing)"
            else:
                hint = " (term j has (W W^T)^((h-j)/h) on the left and (W^T W)^((j-1)/h) on the right)"
            err_max = float(np.max(np.abs(got - expected)))
            return CheckResult(False, f"for W of shape {shape} and h = {h} the largest error is {err_max:.3g}{hint}")
    return CheckResult(True, f"your right-hand side agrees with dl.end_to_end_rhs on {len(cases)} cases, square and rectangular.")


@checker
def check_balanced_factors(fn: Callable[[np.ndarray, tuple], list], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(product, widths) -> [W_1, ..., W_h]``: the factors must have the right shapes,
    multiply to ``product`` and be 0-balanced (all :math:`C_i = 0`).

    Here :math:`C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top`; the products have rank at most
    :math:`\min_i d_i`, and five architectures are tested. Any balanced factorisation passes
    (for instance every layer carrying the singular values :math:`S^{1/h}` of the product).

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(product, widths)``: ``product`` an ndarray of shape
        ``(d_h, d_0)`` of rank at most :math:`\min_i d_i` and ``widths`` a tuple
        ``(d_0, ..., d_h)``; it returns a list of ``h`` arrays, ``W_i`` of shape
        ``(d_i, d_{i-1})``.
    seed : int, optional
        Seed of the random products (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the factors are right for all five architectures; otherwise the
        message names the first failure (count, shape, product or balance). An exception raised
        by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> def factors(P, widths):
    ...     return dl.balanced_init(widths, product=P)
    >>> dl.exercises.check_balanced_factors(factors).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(2, 2, 2), (3, 3, 3, 3), (2, 4, 3), (3, 4, 5, 2), (1, 3, 3, 1)]
    for widths in cases:
        k = min(widths)
        P = rng.standard_normal((widths[-1], k)) @ rng.standard_normal((k, widths[0]))
        got, err = call_safely(fn, P, widths)
        if err:
            return CheckResult(False, err)
        if got is None or isinstance(got, (str, bytes, np.ndarray)) or not isinstance(got, (list, tuple)):
            return CheckResult(False, f"for widths {widths} your function returned {got!r:.60}, not a list of matrices")
        Ws = []
        for i, w in enumerate(got, start=1):
            arr, problem = answer_array(w, f"for widths {widths} your W_{i}")
            if arr is None:
                return CheckResult(False, problem)
            Ws.append(arr)
        h = len(widths) - 1
        if len(Ws) != h:
            return CheckResult(False, f"for widths {widths} expected h = {h} matrices, got {len(Ws)}")
        for i, w in enumerate(Ws, start=1):
            if w.shape != (widths[i], widths[i - 1]):
                return CheckResult(False, f"for widths {widths}, W_{i} must have shape {(widths[i], widths[i - 1])}, got {w.shape}")
        prod_err = float(np.max(np.abs(end_to_end(Ws) - P)))
        if prod_err > 1e-8 * max(1.0, float(np.max(np.abs(P)))):
            return CheckResult(False, f"for widths {widths} the factors multiply to a matrix {prod_err:.3g} away from the product")
        imb = max(float(np.linalg.norm(C)) for C in conserved_quantities(Ws)) if h > 1 else 0.0
        if imb > 1e-8 * max(1.0, float(np.linalg.norm(P))):
            return CheckResult(
                False,
                f"for widths {widths} the factors are not balanced: max ||C_i||_F = {imb:.3g} "
                "(give every layer the same singular values S^(1/h))",
            )
    return CheckResult(True, f"your factors multiply to the product and are 0-balanced for {len(cases)} architectures.")


@checker
def check_margin_rate(fn: Callable[[float, int, int, int], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(c, h, d0, dh)``: the rate :math:`\rho` in :math:`\ell(t) \le \ell(0)e^{-\rho t}`
    guaranteed for a 0-balanced flow with deficiency margin ``c``.

    The right answer (:func:`deeplinear.margin_rate`) is

    .. math::

       \rho = \begin{cases} 2h\, c^{2(h-1)/h} & d_0 = d_h \text{ (square end-to-end map)},\\
                            2\, c^{2(h-1)/h} & \text{otherwise,} \end{cases}

    checked to relative accuracy ``1e-10`` in seven cases, square and not.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(c, h, d0, dh)``: ``c`` a positive float (the margin), ``h``
        an int (the depth) and ``d0``, ``dh`` ints (the input and output widths); it returns one
        number.
    seed : int, optional
        Seed of the random margins (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the rate is right in all seven cases; otherwise the message names
        the first wrong case. An exception raised by ``fn`` is reported in the message, never
        propagated.

    Examples
    --------
    >>> def rate(c, h, d0, dh):
    ...     return dl.margin_rate(c, h, square=d0 == dh)
    >>> dl.exercises.check_margin_rate(rate).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(float(rng.uniform(0.05, 2.0)), int(h), d0, dh) for h, (d0, dh) in
             zip((1, 2, 3, 4, 2, 3, 5), ((3, 3), (2, 2), (3, 3), (4, 4), (3, 2), (2, 1), (2, 4)))]
    for c, h, d0, dh in cases:
        got, err = call_safely(fn, c, h, d0, dh)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"rate({c:.3g}, {h}, {d0}, {dh}) returned {got!r}, not a number")
        expected = margin_rate(c, h, square=d0 == dh)
        if not np.isclose(value, expected, rtol=1e-10):
            other = margin_rate(c, h, square=d0 != dh)
            hint = " (the factor h belongs only to square maps, d0 = dh)" if np.isclose(value, other, rtol=1e-10) else ""
            return CheckResult(False, f"rate({c:.3g}, {h}, {d0}, {dh}) = {value:.6g}, expected {expected:.6g}{hint}")
    return CheckResult(True, f"your rate is right in {len(cases)} cases, square and non-square.")
