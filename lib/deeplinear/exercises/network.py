"""Checkers for the exercises of the chapters on the model and the network view."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..objective import loss
from ..network import adjacency, adjacency_power
from .base import CheckResult, answer_array, call_safely, checker, random_networks, real_answer

__all__ = ["check_adjacency", "check_path_count", "check_ray_loss"]


@checker
def check_adjacency(fn: Callable[[list[np.ndarray]], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check a reader's ``fn(weights) -> A`` against :func:`deeplinear.adjacency`.

    ``A`` is the block adjacency matrix of the layered graph, of size
    :math:`n_v = d_0 + \dots + d_h`, with :math:`W_i` in block row :math:`i` and block column
    :math:`i - 1` and zeros elsewhere. Tested on six random networks of depths 1 to 4.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights)``: ``weights`` a list of ``h`` ndarrays (``W_i`` of
        shape ``(d_i, d_{i-1})``); it returns an array of shape ``(n_v, n_v)``.
    seed : int, optional
        Seed of the random networks (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when ``A`` is right for all six networks; otherwise the message names
        the first wrong shape or entry. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> dl.exercises.check_adjacency(dl.adjacency).passed
    True
    """
    rng = np.random.default_rng(seed)
    nets = random_networks(rng, 6)
    for W in nets:
        widths = (W[0].shape[1],) + tuple(w.shape[0] for w in W)
        got, err = call_safely(fn, W)
        if err:
            return CheckResult(False, err)
        expected = adjacency(W)
        got, problem = answer_array(got, f"for widths {widths} your A")
        if got is None:
            return CheckResult(False, problem)
        if got.shape != expected.shape:
            return CheckResult(False, f"for widths {widths} A must be {expected.shape} (n_v = {sum(widths)}), got {got.shape}")
        if not np.allclose(got, expected, atol=1e-12):
            p, q = np.argwhere(~np.isclose(got, expected, atol=1e-12))[0]
            return CheckResult(
                False,
                f"for widths {widths}, entry ({p}, {q}) is {got[p, q]:.4g} but should be {expected[p, q]:.4g} "
                "(W_i goes in block row i, block column i-1)",
            )
    return CheckResult(True, f"your adjacency matrix agrees with dl.adjacency on {len(nets)} random networks.")


@checker
def check_path_count(fn: Callable[[tuple[int, ...], int], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(widths, k) -> N`` where ``N[p, q]`` counts the directed paths of length ``k``
    from node ``q`` to node ``p`` of the complete layered graph with these widths.

    The right answer is the ``k``-th power of the adjacency matrix of the all-ones network,
    :math:`N = A_{\mathbf 1}^k` (:func:`deeplinear.adjacency_power`), compared exactly on six
    random architectures.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(widths, k)``: ``widths`` a tuple ``(d_0, ..., d_h)`` and
        ``k`` an int ``>= 0``; it returns an array of shape ``(n_v, n_v)`` with
        :math:`n_v = \sum_i d_i`.
    seed : int, optional
        Seed of the random architectures (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the counts are right for all six architectures; otherwise the
        message names the first wrong one. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> def paths(widths, k):
    ...     ones = [np.ones((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    ...     return dl.adjacency_power(dl.adjacency(ones), k)
    >>> dl.exercises.check_path_count(paths).passed
    True
    """
    rng = np.random.default_rng(seed)
    for _ in range(6):
        h = int(rng.integers(1, 5))
        widths = tuple(int(x) for x in rng.integers(1, 4, size=h + 1))
        k = int(rng.integers(0, h + 2))
        ones = [np.ones((widths[i + 1], widths[i])) for i in range(h)]
        expected = adjacency_power(adjacency(ones), k)
        got, err = call_safely(fn, widths, k)
        if err:
            return CheckResult(False, err)
        got, problem = answer_array(got, f"for widths {widths} and k = {k} your count matrix")
        if got is None:
            return CheckResult(False, problem)
        if got.shape != expected.shape or not np.array_equal(got, expected):
            return CheckResult(False, f"for widths {widths} and k = {k} the counts are wrong (hint: powers of the all-ones network)")
    return CheckResult(True, "your path counts are right on 6 random architectures.")


@checker
def check_ray_loss(fn: Callable[[float, float, int], float], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(a, sigma, h)``: the loss of the scalar depth-``h`` network with all weights ``a``.

    The right answer is

    .. math::

       L(a, \dots, a) = \tfrac12 (\sigma - a^h)^2 ,

    compared with :func:`deeplinear.loss` at eight random points to relative accuracy
    ``1e-10``.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(a, sigma, h)``: ``a`` and ``sigma`` floats and ``h`` an int
        (the depth); it returns one number.
    seed : int, optional
        Seed of the random points (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the loss is right at all eight points; otherwise the message
        names the first wrong point. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> dl.exercises.check_ray_loss(lambda a, sigma, h: 0.5 * (sigma - a**h) ** 2).passed
    True
    """
    rng = np.random.default_rng(seed)
    for _ in range(8):
        a, sigma, h = float(rng.normal()), float(rng.uniform(0.2, 3.0)), int(rng.integers(1, 6))
        expected = loss([np.array([[a]])] * h, np.array([[sigma]]))
        got, err = call_safely(fn, a, sigma, h)
        if err:
            return CheckResult(False, err)
        try:
            value = real_answer(got, scalar=True)
        except (TypeError, ValueError):
            return CheckResult(False, f"ray_loss({a:.3g}, {sigma:.3g}, {h}) returned {got!r}, not a number")
        if not np.isclose(value, expected, rtol=1e-10, atol=1e-12):
            return CheckResult(False, f"ray_loss({a:.3g}, {sigma:.3g}, {h}) = {value:.6g}, expected {expected:.6g} = (sigma - a^h)^2 / 2")
    return CheckResult(True, "your loss along the balanced ray matches dl.loss at 8 random points.")
