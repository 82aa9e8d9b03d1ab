r"""Checkers for the exercises of the chapter on the model and the data.

* :func:`check_reduced_target` -- a reader's reduction of regression data ``(X, Y)`` to the
  rectangular-diagonal target :math:`\Sigma` (whitening and an SVD).
* :func:`check_whitening` -- a reader's whitening of the inputs: :math:`Z = Q X` with
  :math:`Z Z^\top = I`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..data import reduce_data, teacher_data
from .base import CheckResult, answer_array, call_safely, checker, real_answer

__all__ = ["check_reduced_target", "check_whitening"]


def _data_sets(seed: int) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Small regression data sets ``(X, Y, whitened)`` of several shapes, whitened and not."""
    rng = np.random.default_rng(seed)
    out = []
    for d_in, d_out, whitened in ((3, 3, True), (4, 2, True), (3, 3, False), (2, 4, False), (4, 3, False)):
        k = min(d_in, d_out)
        s = np.sort(rng.uniform(0.5, 3.0, size=k))[::-1]
        data = teacher_data(s, 12, rng, noise=0.2, d_in=d_in, d_out=d_out, whitened=whitened)
        X = np.array(data.X)
        if not whitened:  # inputs of very different scales, so that whitening matters
            X = np.diag(np.linspace(2.0, 0.5, d_in)) @ X
        out.append((X, np.array(data.Y), whitened))
    return out


@checker
def check_reduced_target(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(X, Y) -> Sigma``: the rectangular-diagonal :math:`\Sigma` of shape
    ``(d_h, d_0)`` with the singular values of :math:`Y X^\top (X X^\top)^{-1/2}` in decreasing
    order on its diagonal (:func:`deeplinear.reduce_data`).

    The data sets have whitened and non-whitened inputs and several shapes (five in all). An
    answer that is not rectangular diagonal, lists the right values in the wrong order, or
    takes the SVD of :math:`Y X^\top` without whitening is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(X, Y)``: ``X`` an ndarray of shape ``(d_0, n)`` (inputs as
        columns) and ``Y`` an ndarray of shape ``(d_h, n)``; it returns an array of shape
        ``(d_h, d_0)``.
    seed : int, optional
        Seed of the random data sets (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when ``Sigma`` is right on all five data sets; otherwise the message
        names the first wrong data set and what is wrong. An exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> result = dl.exercises.check_reduced_target(lambda X, Y: dl.reduce_data(X, Y).Sigma)
    >>> result.passed
    True
    """
    for X, Y, whitened in _data_sets(seed):
        got, err = call_safely(fn, X.copy(), Y.copy())
        if err:
            return CheckResult(False, err)
        try:
            got = real_answer(got)
        except (TypeError, ValueError) as exc:
            return CheckResult(False, f"your Sigma could not be read as an array: {exc}")
        ref = reduce_data(X, Y)
        d0, dh = X.shape[0], Y.shape[0]
        where = f"X of shape {X.shape} and Y of shape {Y.shape} ({'whitened' if whitened else 'non-whitened'} inputs)"
        if got.shape != (dh, d0):
            return CheckResult(False, f"for {where}, Sigma must have the shape of Y X^T, ({dh}, {d0}), got {got.shape}")
        off = got.copy()
        k = min(dh, d0)
        off[np.arange(k), np.arange(k)] = 0.0
        if np.max(np.abs(off)) > 1e-10 * max(1.0, float(np.max(np.abs(got)))):
            return CheckResult(False, f"for {where}, Sigma must be rectangular diagonal: it has off-diagonal entries up to {np.max(np.abs(off)):.3g}")
        diag = np.diag(got)
        expected = ref.singular_values
        if np.allclose(diag, expected, rtol=1e-8, atol=1e-10):
            continue
        if np.allclose(np.sort(diag)[::-1], expected, rtol=1e-8, atol=1e-10):
            return CheckResult(False, f"for {where}, the singular values are right but must be in decreasing order on the diagonal")
        raw = np.linalg.svd(Y @ X.T, compute_uv=False)
        if not whitened and np.allclose(np.sort(np.abs(diag))[::-1], raw, rtol=1e-8, atol=1e-10):
            return CheckResult(
                False,
                f"for {where} you returned the singular values of Y X^T; the inputs are not whitened, so the "
                "target is the SVD of Y X^T (X X^T)^(-1/2)",
            )
        return CheckResult(
            False,
            f"for {where}, the diagonal of Sigma is {np.array2string(diag, precision=4)} but should be "
            f"{np.array2string(expected, precision=4)}",
        )
    return CheckResult(True, "your Sigma agrees with dl.reduce_data on 5 data sets, whitened and not.")


@checker
def check_whitening(fn: Callable[[np.ndarray], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(X) -> Z``, a whitening of the inputs: ``Z`` has the shape of ``X``,
    :math:`Z Z^\top = I`, and its rows lie in the row space of ``X`` (:math:`Z = Q X` for an
    invertible :math:`Q`). Any whitening passes (ZCA, PCA, Cholesky, ...).

    Both conditions are checked to absolute accuracy ``1e-8`` on five data sets of several
    shapes, with inputs of very different scales.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(X)``: ``X`` an ndarray of shape ``(d_0, n)`` (inputs as
        columns, ``n >= d_0``); it returns an array of shape ``(d_0, n)``.
    seed : int, optional
        Seed of the random data sets (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when ``Z`` is a whitening of ``X`` on all five data sets; otherwise
        the message names the first failure. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_whitening(dl.whiten).passed
    True
    """
    for X, _, _ in _data_sets(seed):
        got, err = call_safely(fn, X.copy())
        if err:
            return CheckResult(False, err)
        Z, problem = answer_array(got, "your Z")
        if Z is None:
            return CheckResult(False, problem)
        if Z.shape != X.shape:
            return CheckResult(False, f"for X of shape {X.shape}, Z must have the same shape (samples stay columns), got {Z.shape}")
        if not np.all(np.isfinite(Z)):
            return CheckResult(False, f"for X of shape {X.shape}, Z has non-finite entries")
        gram = Z @ Z.T
        dev = float(np.max(np.abs(gram - np.eye(X.shape[0]))))
        if dev > 1e-8:
            return CheckResult(False, f"for X of shape {X.shape}, Z Z^T is not the identity: max |Z Z^T - I| = {dev:.3g}")
        # rows of Z in the row space of X: Z = (Z X^+) X
        Q = Z @ np.linalg.pinv(X)
        res = float(np.max(np.abs(Q @ X - Z)))
        if res > 1e-8:
            return CheckResult(
                False,
                f"for X of shape {X.shape}, Z Z^T = I but Z is not of the form Q X (distance {res:.3g}): whitening "
                "must transform the inputs, not replace them",
            )
    return CheckResult(True, "your Z satisfies Z Z^T = I and Z = Q X on 5 data sets.")
