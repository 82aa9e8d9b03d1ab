r"""Checkers for the exercises of the chapter on implicit regularisation in deep matrix factorisation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..losses import quadratic
from ..product_flow import singular_value_velocity
from ..sensing import effective_rank
from .base import CheckResult, answer_array, call_safely, checker

__all__ = ["check_effective_rank", "check_singular_value_law"]


def _entropy_rank(s: np.ndarray, *, power: float = 1.0, base: float = np.e) -> float:
    p = s[s > 0] ** power / np.sum(s[s > 0] ** power)
    return float(base ** (-np.sum(p * np.log(p)) / np.log(base)))


@checker
def check_effective_rank(fn: Callable[[np.ndarray], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(product) -> float``: the effective rank :math:`\exp(-\sum_i p_i\ln p_i)`,
    :math:`p_i = \sigma_i/\sum_j\sigma_j` (Roy and Vetterli 2007; :func:`deeplinear.sensing.effective_rank`).

    Tested on a rank-one matrix, a matrix with zero singular values (where :math:`0\ln 0 = 0`),
    a rectangular one and random ones, to relative accuracy ``1e-9``. Normalising the squares
    :math:`\sigma_i^2`, using :math:`\log_2` without :math:`2^H`, and returning the entropy
    instead of its exponential are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function of one real matrix, returning a number.
    seed : int, optional
        Seed of the random matrices (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> def erank(W):
    ...     s = np.linalg.svd(W, compute_uv=False)
    ...     p = s[s > 0] / s.sum()
    ...     return np.exp(-(p * np.log(p)).sum())
    >>> dl.exercises.check_effective_rank(erank).passed
    True
    >>> print(dl.exercises.check_effective_rank(lambda W: float(np.linalg.matrix_rank(W))))
    Not yet: for diag(3, 1) you give 2, expected 1.7548: the effective rank weighs the singular values, it is not the rank
    """
    rng = np.random.default_rng(seed)
    cases = [("diag(3, 1)", np.diag([3.0, 1.0])), ("a rank-one 3 x 4 matrix", np.outer([1.0, 2.0, 2.0], [1.0, 0.0, 1.0, 1.0])),
             ("diag(2, 1, 0, 0)", np.diag([2.0, 1.0, 0.0, 0.0]))]
    cases += [(f"a random {m} x {n} matrix", rng.standard_normal((m, n))) for m, n in ((5, 5), (3, 6), (7, 4))]
    for name, W in cases:
        expected = effective_rank(W)
        got, err = call_safely(fn, W.copy())
        if err:
            return CheckResult(False, err)
        val, why = answer_array(got, "your answer")
        if val is None:
            return CheckResult(False, why)
        if val.size != 1:
            return CheckResult(False, f"for {name} return one number, got an array of shape {val.shape}")
        v = float(val.reshape(-1)[0])
        if abs(v - expected) <= 1e-9 * expected:
            continue
        s = np.linalg.svd(W, compute_uv=False)
        if abs(v - _entropy_rank(s, power=2.0)) <= 1e-9 * v:
            hint = "normalise the singular values themselves, p_i = sigma_i / sum_j sigma_j, not their squares"
        elif abs(v - np.log(expected)) <= 1e-9 * max(1.0, abs(v)) or abs(v - np.log2(expected)) <= 1e-9 * max(1.0, abs(v)):
            hint = "that is the entropy; the effective rank is its exponential"
        elif abs(v - np.exp(np.log(expected) / np.log(2))) <= 1e-9 * v:
            hint = "with log base 2 the effective rank is 2**H; keep base and exponential consistent"
        elif abs(v - np.linalg.matrix_rank(W)) < 1e-12:
            hint = "the effective rank weighs the singular values, it is not the rank"
        else:
            hint = "compute p_i = sigma_i / sum_j sigma_j and exp(-sum p_i ln p_i), with 0 ln 0 = 0"
        return CheckResult(False, f"for {name} you give {v:.5g}, expected {expected:.5g}: {hint}")
    return CheckResult(True, f"your effective rank agrees with dl.sensing.effective_rank on {len(cases)} matrices.")


@checker
def check_singular_value_law(fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(product, gradient, h) -> rates``: the law
    :math:`\dot\sigma_r = -h\,(\sigma_r^2)^{1-1/h}\langle G, u_r v_r^\top\rangle` of the
    singular values of a balanced depth-``h`` network (Arora, Cohen, Hu and Luo 2019), for the
    end-to-end map ``product`` and the loss gradient :math:`G = \nabla\ell(W)` ``gradient``,
    in the order of :func:`numpy.linalg.svd` (largest first).

    Compared with :func:`deeplinear.singular_value_velocity` (``end_to_end_loss=``) on random
    matrices of depths 1 to 4, to relative accuracy ``1e-9``. A wrong exponent, a missing
    factor ``h`` or a flipped sign is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(product, gradient, h)`` with two real matrices of the same
        shape and an integer; it returns ``min(shape)`` numbers.
    seed : int, optional
        Seed of the random matrices (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> def law(W, G, h):
    ...     U, s, Vt = np.linalg.svd(W, full_matrices=False)
    ...     return -h * s ** (2 - 2 / h) * np.einsum("ir,ij,rj->r", U, G, Vt)
    >>> dl.exercises.check_singular_value_law(law).passed
    True
    >>> print(dl.exercises.check_singular_value_law(lambda W, G, h: -law(W, G, h)))
    Not yet: for depth h = 1 and a 3 x 3 product you give [-0.1823, -2.1322, 0.0984], expected [0.1823, 2.1322, -0.0984]: the flow goes down the gradient: mind the minus sign
    """
    rng = np.random.default_rng(seed)
    cases = [(h, rng.standard_normal((m, n)), rng.standard_normal((m, n))) for h, (m, n) in zip((1, 2, 3, 4, 3), ((3, 3), (4, 2), (3, 5), (4, 4), (2, 2)))]
    for h, W, G in cases:
        S = W - G  # quadratic loss with gradient G at W
        expected = singular_value_velocity(W, None, h, end_to_end_loss=quadratic(S))
        got, err = call_safely(fn, W.copy(), G.copy(), h)
        if err:
            return CheckResult(False, err)
        val, why = answer_array(got, "your answer")
        if val is None:
            return CheckResult(False, why)
        val = val.reshape(-1)
        where = f"for depth h = {h} and a {W.shape[0]} x {W.shape[1]} product"
        if val.shape != expected.shape:
            return CheckResult(False, f"{where} return {expected.size} rates (one per singular value), got {val.size}")
        if np.allclose(val, expected, rtol=1e-9, atol=1e-12):
            continue
        s = np.linalg.svd(W, compute_uv=False)
        inner = -expected / (h * s ** (2 - 2 / h))
        if np.allclose(val, -expected, rtol=1e-9, atol=1e-12):
            hint = "the flow goes down the gradient: mind the minus sign"
        elif h > 1 and np.allclose(val, expected / h, rtol=1e-9, atol=1e-12):
            hint = "one term per layer: the law has a factor h"
        elif np.allclose(val, -h * s ** (2 - 4 / h) * inner, rtol=1e-9, atol=1e-12) or np.allclose(val, -h * s ** (1 - 1 / h) * inner, rtol=1e-9, atol=1e-12):
            hint = "the power is (sigma_r^2)^(1 - 1/h) = sigma_r^(2 - 2/h)"
        else:
            hint = "project the gradient on u_r v_r^T (the r-th singular vectors of the product)"
        return CheckResult(False, f"{where} you give {np.round(val, 4).tolist()}, expected {np.round(expected, 4).tolist()}: {hint}")
    return CheckResult(True, f"your law agrees with dl.singular_value_velocity on {len(cases)} products of depths 1 to 4.")
