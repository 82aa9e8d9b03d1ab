r"""Checkers for the exercises of the chapter on lazy and rich regimes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..diagonal import diagonal_penalty
from ..lazy_rich import tangent_kernel
from .base import CheckResult, answer_array, call_safely, checker, random_networks

__all__ = ["check_tangent_kernel", "check_diagonal_penalty"]


@checker
def check_tangent_kernel(fn: Callable[[list], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights) -> K``: the tangent kernel of the end-to-end map as a matrix on ``M.ravel()``.

    .. math:: K = \sum_i (A_iA_i^\top)\otimes(B_i^\top B_i), \quad A_i = W_h\cdots W_{i+1},\ B_i = W_{i-1}\cdots W_1,

    compared with :func:`deeplinear.lazy_rich.tangent_kernel` on six random networks of depth 1 to 4
    (relative accuracy ``1e-9``). The Kronecker factors in the wrong order, and a sum missing
    its first or last term, are named.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights)``, ``weights`` a list ``[W_1, ..., W_h]`` of
        ndarrays; it returns an ndarray of shape ``(d_h d_0, d_h d_0)``.
    seed : int, optional
        Seed of the random networks (default 0).

    Returns
    -------
    CheckResult
        ``passed`` when the kernel is right for all six networks; otherwise the first wrong
        network with a hint. An exception raised by ``fn`` is reported, never propagated.

    Examples
    --------
    >>> dl.exercises.check_tangent_kernel(dl.lazy_rich.tangent_kernel).passed
    True
    """
    rng = np.random.default_rng(seed)
    for W in random_networks(rng, 6):
        expected = tangent_kernel(W)
        got, err = call_safely(fn, [M.copy() for M in W])
        if err:
            return CheckResult(False, err)
        K, why = answer_array(got, "your kernel")
        if K is None:
            return CheckResult(False, why)
        widths = [W[0].shape[1]] + [M.shape[0] for M in W]
        if K.shape != expected.shape:
            return CheckResult(False, f"for widths {widths} the kernel acts on vec(M) of length d_h d_0 = "
                                      f"{expected.shape[0]}: expected shape {expected.shape}, got {K.shape}")
        if np.allclose(K, expected, rtol=1e-9, atol=1e-10 * max(1.0, np.abs(expected).max())):
            continue
        d0, dh = widths[0], widths[-1]
        swapped = sum(np.kron(B.T @ B, A @ A.T) for A, B in _factors(W))
        if K.shape == swapped.shape and np.allclose(K, swapped, rtol=1e-9):
            hint = "with vec(M) = M.ravel() (rows first) the output-side factor A A^T comes first in the Kronecker product"
        elif len(W) > 1 and any(np.allclose(K, expected - np.kron(A @ A.T, B.T @ B), rtol=1e-9)
                                for A, B in (_factors(W)[0], _factors(W)[-1])):
            hint = "a term is missing: the first (i = 1, B_1 = I) and the last (i = h, A_h = I) layers count too"
        else:
            hint = "sum one term per layer i = 1..h, with A_h = I (of size d_h) and B_1 = I (of size d_0)"
        return CheckResult(False, f"for widths {widths} (d_h = {dh}, d_0 = {d0}) your kernel differs from "
                                  f"dl.lazy_rich.tangent_kernel by {np.abs(K - expected).max():.3g}: {hint}")
    return CheckResult(True, "your tangent kernel agrees with dl.lazy_rich.tangent_kernel on 6 random networks.")


def _factors(W: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    h = len(W)
    out = []
    for i in range(h):
        A = np.eye(W[-1].shape[0])
        for M in reversed(W[i + 1:]):
            A = A @ M
        B = np.eye(W[0].shape[1])
        for M in W[:i]:
            B = M @ B
        out.append((A, B))
    return out


@checker
def check_diagonal_penalty(fn: Callable[[np.ndarray, float], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(beta, alpha) -> Q``: the penalty :math:`Q_\alpha(\beta) = \alpha^2\sum_i q(\beta_i/\alpha^2)`.

    With :math:`q(z) = 2 - \sqrt{4 + z^2} + z\,\operatorname{arcsinh}(z/2)`; compared with
    :func:`deeplinear.diagonal.diagonal_penalty` on random vectors for five scales (relative accuracy
    ``1e-9``). A missing factor :math:`\alpha^2` (inside or outside) is named.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(beta, alpha)``: ``beta`` a 1-D ndarray, ``alpha`` a float > 0;
        it returns a number.
    seed : int, optional
        Seed of the random vectors (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> dl.exercises.check_diagonal_penalty(dl.diagonal.diagonal_penalty).passed
    True
    """
    rng = np.random.default_rng(seed)
    for alpha in (1e-2, 0.1, 0.7, 1.0, 5.0):
        beta = rng.standard_normal(int(rng.integers(1, 6)))
        expected = diagonal_penalty(beta, alpha)
        got, err = call_safely(fn, beta.copy(), alpha)
        if err:
            return CheckResult(False, err)
        val, why = answer_array(got, "your penalty")
        if val is None:
            return CheckResult(False, why)
        if val.size != 1:
            return CheckResult(False, f"return one number, got an array of shape {val.shape}")
        v = float(val.reshape(-1)[0])
        if np.isclose(v, expected, rtol=1e-9, atol=1e-12):
            continue
        z = beta / alpha**2
        plain = float(np.sum(2 - np.sqrt(4 + z * z) + z * np.arcsinh(z / 2)))
        if np.isclose(v, plain, rtol=1e-9):
            hint = "multiply the sum by alpha^2"
        elif np.isclose(v, float(np.sum(2 - np.sqrt(4 + beta**2) + beta * np.arcsinh(beta / 2))) * alpha**2, rtol=1e-9):
            hint = "evaluate q at beta_i / alpha^2, not at beta_i"
        else:
            hint = "q(z) = 2 - sqrt(4 + z^2) + z arcsinh(z / 2), summed over the entries"
        return CheckResult(False, f"for alpha = {alpha} and beta = {np.round(beta, 3).tolist()} you give {v:.6g}, "
                                  f"expected {expected:.6g}: {hint}")
    return CheckResult(True, "your penalty agrees with dl.diagonal.diagonal_penalty for five scales alpha.")
