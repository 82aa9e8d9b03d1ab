"""Checkers for the exercises of the chapter on residual and convolutional linear networks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..convolution import conv_predictor
from ..resnet import identity_stall_loss
from .base import CheckResult, answer_array, call_safely, checker

__all__ = ["check_conv_predictor", "check_stall_loss"]


@checker
def check_conv_predictor(fn: Callable[[np.ndarray], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(filters) -> beta``, the circular convolution :math:`w_1 \circledast \dots \circledast w_L`
    of the rows of ``filters`` (shape ``(L, D)``), against :func:`deeplinear.convolution.conv_predictor`.

    Tested on six random filter banks, ``L`` from 1 to 4 and ``D`` from 3 to 8, to ``1e-10``.

    Parameters
    ----------
    fn : callable
        The reader's function; it takes an ndarray ``(L, D)`` and returns a vector of length ``D``.
    seed : int, optional
        Seed of the random filters (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> f = lambda F: np.fft.ifft(np.prod(np.fft.fft(F, axis=1), axis=0)).real
    >>> dl.exercises.check_conv_predictor(f).passed
    True
    """
    rng = np.random.default_rng(seed)
    for L, D in [(1, 3), (2, 4), (2, 5), (3, 6), (4, 8), (3, 7)]:
        F = rng.standard_normal((L, D))
        got, err = call_safely(fn, F.copy())
        if err:
            return CheckResult(False, err)
        got, err = answer_array(got, f"your predictor for L = {L}, D = {D}")
        if got is None:
            return CheckResult(False, err)
        expected = conv_predictor(F)
        if got.shape != expected.shape:
            return CheckResult(False, f"for L = {L}, D = {D} the predictor is a vector of shape {expected.shape}, got {got.shape}")
        if not np.allclose(got, expected, rtol=1e-10, atol=1e-10):
            return CheckResult(
                False,
                f"for L = {L}, D = {D} your predictor is off by {float(np.max(np.abs(got - expected))):.3g} "
                "(convolution is circular: indices wrap modulo D; in Fourier it is a product of the filters' transforms)",
            )
    return CheckResult(True, "your predictor matches dl.convolution.conv_predictor on 6 filter banks.")


@checker
def check_stall_loss(fn: Callable[[np.ndarray], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(Sigma) -> float``, the loss :math:`\tfrac12\sum_{\lambda_j < 0}\lambda_j^2` at which
    descent from the identity stalls for a symmetric target, against :func:`deeplinear.resnet.identity_stall_loss`.

    Tested on five random symmetric targets (sizes 2 to 5, rotated, with zero to three negative
    eigenvalues), to relative accuracy ``1e-9``.

    Parameters
    ----------
    fn : callable
        The reader's function; it takes a symmetric ndarray and returns a number.
    seed : int, optional
        Seed of the random targets (default 0).

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> f = lambda S: 0.5 * sum(l**2 for l in np.linalg.eigvalsh(S) if l < 0)
    >>> dl.exercises.check_stall_loss(f).passed
    True
    """
    rng = np.random.default_rng(seed)
    for d, neg in [(2, 1), (3, 0), (3, 2), (4, 1), (5, 3)]:
        lam = np.concatenate([-rng.uniform(0.3, 2.0, neg), rng.uniform(0.3, 2.0, d - neg)])
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        S = Q @ np.diag(lam) @ Q.T
        S = 0.5 * (S + S.T)
        got, err = call_safely(fn, S.copy())
        if err:
            return CheckResult(False, err)
        got, err = answer_array(got, f"your stall loss for a {d} x {d} target")
        if got is None:
            return CheckResult(False, err)
        expected = identity_stall_loss(S)
        if got.size != 1 or not np.isclose(float(got.ravel()[0]), expected, rtol=1e-9, atol=1e-12):
            return CheckResult(
                False,
                f"for a {d} x {d} target with eigenvalues {np.round(np.sort(lam), 3).tolist()} the stall loss is "
                f"{expected:.6g}, got {_show(got)} (only negative eigenvalues count, each with lambda^2 / 2; "
                "the eigenvalues of a rotated target are not its diagonal)",
            )
    return CheckResult(True, "your stall loss matches dl.resnet.identity_stall_loss on 5 targets.")


def _show(a: np.ndarray) -> str:
    return f"{float(a.ravel()[0]):.6g}" if a.size == 1 else f"an array of shape {a.shape}"
