"""Checkers for the exercises of the chapters on the model and the network view."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..objective import loss
from ..network import adjacency, adjacency_power
from .base import CheckResult, call_safely, random_networks

__all__ = ["check_adjacency", "check_path_count", "check_ray_loss"]


def check_adjacency(fn: Callable[[list[np.ndarray]], np.ndarray], *, seed: int = 0) -> CheckResult:
    """Check a reader's ``fn(weights) -> A`` against :func:`deeplinear.adjacency`."""
    rng = np.random.default_rng(seed)
    nets = random_networks(rng, 6)
    for W in nets:
        widths = (W[0].shape[1],) + tuple(w.shape[0] for w in W)
        got, err = call_safely(fn, W)
        if err:
            return CheckResult(False, err)
        expected = adjacency(W)
        got = np.asarray(got, dtype=float)
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


def check_path_count(fn: Callable[[tuple[int, ...], int], np.ndarray], *, seed: int = 0) -> CheckResult:
    """Check ``fn(widths, k) -> N`` where ``N[p, q]`` counts the directed paths of length ``k``
    from node ``q`` to node ``p`` of the complete layered graph with these widths."""
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
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape or not np.array_equal(got, expected):
            return CheckResult(False, f"for widths {widths} and k = {k} the counts are wrong (hint: powers of the all-ones network)")
    return CheckResult(True, "your path counts are right on 6 random architectures.")


def check_ray_loss(fn: Callable[[float, float, int], float], *, seed: int = 0) -> CheckResult:
    """Check ``fn(a, sigma, h)``: the loss of the scalar depth-``h`` network with all weights ``a``."""
    rng = np.random.default_rng(seed)
    for _ in range(8):
        a, sigma, h = float(rng.normal()), float(rng.uniform(0.2, 3.0)), int(rng.integers(1, 6))
        expected = loss([np.array([[a]])] * h, np.array([[sigma]]))
        got, err = call_safely(fn, a, sigma, h)
        if err:
            return CheckResult(False, err)
        try:
            value = float(got)
        except (TypeError, ValueError):
            return CheckResult(False, f"ray_loss({a:.3g}, {sigma:.3g}, {h}) returned {got!r}, not a number")
        if not np.isclose(value, expected, rtol=1e-10, atol=1e-12):
            return CheckResult(False, f"ray_loss({a:.3g}, {sigma:.3g}, {h}) = {value:.6g}, expected {expected:.6g} = (sigma - a^h)^2 / 2")
    return CheckResult(True, "your loss along the balanced ray matches dl.loss at 8 random points.")
