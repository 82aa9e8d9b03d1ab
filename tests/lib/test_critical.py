"""Tests of deeplinear.critical: critical points, their representatives and tests of criticality."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


S321 = np.diag([3.0, 2.0, 1.0])


def test_balanced_representative_is_critical_balanced_and_has_the_value():
    for widths in [(3, 3, 3, 3), (3, 4, 2, 3), (3, 2, 5, 3)]:
        for S in [(), (1,), (2,), (1, 3), (2, 3)]:
            if len(S) > min(widths):
                continue
            cp = dl.critical_point(S, S321, widths)
            assert cp.subset == S
            assert dl.is_critical(cp.weights, S321)
            assert dl.loss(cp.weights, S321) == pytest.approx(cp.value, abs=1e-13)
            target = np.diag([3.0 if 1 in S else 0, 2.0 if 2 in S else 0, 1.0 if 3 in S else 0])
            np.testing.assert_allclose(cp.end_to_end, target, atol=1e-13)
            assert max(dl.conserved_drift([np.zeros_like(c) for c in dl.conserved_quantities(cp.weights)],
                                          dl.conserved_quantities(cp.weights)), 0) < 1e-13
            np.testing.assert_allclose(cp.adjacency, dl.adjacency(cp.weights))
            assert dl.learnt_subset(cp.weights, S321) == S


def test_representative_layout_and_renumbering():
    cp = dl.critical_point((1,), np.diag([3.0, 2.0]), (2, 2, 2, 2))
    for W in cp.weights:
        np.testing.assert_allclose(W, np.diag([3 ** (1 / 3), 0]))
    # S = {3} through a width-1 hidden layer: renumbered to coordinate 0 there
    cp = dl.critical_point((3,), S321, (3, 1, 3))
    np.testing.assert_allclose(cp.weights[0], [[0, 0, 1]])
    np.testing.assert_allclose(cp.weights[1], [[0], [0], [1]])
    unb = dl.critical_point((1, 2), S321, (3, 3, 3, 3), balanced=False)
    assert not unb.balanced and dl.is_critical(unb.weights, S321)
    np.testing.assert_allclose(unb.weights[0], np.diag([3.0, 2.0, 0]))


def test_representative_for_a_general_sigma_uses_its_svd():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 4))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    cp = dl.critical_point((1, 3), A, (4, 3, 3, 3))
    np.testing.assert_allclose(cp.end_to_end, s[0] * np.outer(U[:, 0], Vt[0]) + s[2] * np.outer(U[:, 2], Vt[2]), atol=1e-12)
    assert dl.is_critical(cp.weights, A)
    assert cp.value == pytest.approx(0.5 * s[1] ** 2)
    assert dl.learnt_subset(cp.weights, A) == (1, 3)


@pytest.mark.parametrize(
    "subset, match",
    [
        ((1, 2, 3), "rank bound is d_min = 2"),
        ((0,), "out of range.*1-based"),
        ((4,), "out of range"),
        ((1, 1), "repeats the index 1"),
        ((1.5,), "not an integer"),
        ("12", "collection"),
    ],
)
def test_critical_point_bad_subsets(subset, match):
    with pytest.raises((ValueError, TypeError), match=match):
        dl.critical_point(subset, S321, (3, 4, 2, 3))


def test_critical_point_rejects_zero_singular_value():
    with pytest.raises(ValueError, match="zero singular value"):
        dl.critical_point((2,), np.diag([1.0, 0.0]), (2, 2, 2))


def test_learnt_subset_rejects_non_partial_svd():
    with pytest.raises(ValueError, match="not a partial SVD"):
        dl.learnt_subset([np.eye(2), 0.5 * np.eye(2)], np.diag([3.0, 2.0]))


def test_claim32_noncritical_fiber_point():
    e1, e2 = np.eye(2)
    W = [np.outer(e1, e1), np.outer(e2, e2)]
    Sigma = np.diag([3.0, 2.0])
    assert np.all(dl.end_to_end(W) == 0)  # same product as the origin ...
    assert dl.loss(W, Sigma) == dl.loss([np.zeros((2, 2))] * 2, Sigma) == 6.5
    assert not dl.is_critical(W, Sigma)  # ... but not critical
    g = dl.gradient(W, Sigma)
    np.testing.assert_allclose(g[0], -W[1].T @ Sigma)  # grad_{W_1} L = -W_2^T Sigma
    assert dl.relative_gradient_norm(W, Sigma) > 0.1


def test_relative_gradient_norm_is_scale_aware():
    rng = np.random.default_rng(2)
    Sigma = np.diag([3.0, 2.0])
    W = [rng.standard_normal((2, 2)) for _ in range(3)]
    # a small non-critical point stays non-critical although its gradient is small
    small = [1e-2 * w for w in W]
    assert np.linalg.norm(np.concatenate([g.ravel() for g in dl.gradient(small, Sigma)])) < 1e-2
    assert not dl.is_critical(small, Sigma)
    # far out on a fibre the gradient's rounding grows with the weights: still critical
    cp = dl.critical_point((1,), Sigma, (2, 2, 2))
    far = [1e6 * cp.weights[0], cp.weights[1] / 1e6]
    assert dl.is_critical(far, Sigma) and dl.relative_gradient_norm(far, Sigma) < 1e-15
    # 1e-80 away from the strict saddle line {w_1 = w_2 = 0} of a scalar network: critical
    near = [np.array([[1e-80]]), np.array([[-1e-80]]), np.array([[0.9]])]
    assert dl.is_critical(near, np.array([[1.0]]))
    # two zero layers: the gradient vanishes exactly
    assert dl.relative_gradient_norm([np.zeros((2, 2)), W[1], np.zeros((2, 2))], Sigma) == 0.0


def test_depth_one_has_a_single_critical_value_and_point():
    # h = 1: L is convex in W_1, so W_1 = Sigma is the only critical point (value 0).
    cv = dl.critical_values([3.0, 2.0, 1.0], (3, 3))
    assert cv.values == (0.0,)
    assert cv.subsets == (((1, 2, 3),),)
    assert dl.critical_values([3.0, 2.0, 1.0], (3, 3), k=2).values == (0.0,)
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 2, 3), Sigma, (3, 3))
    assert dl.is_critical(cp.weights, Sigma) and cp.value == 0.0
    with pytest.raises(ValueError, match=r"depth h = 1.*\(1, 2, 3\)"):
        dl.critical_point((1,), Sigma, (3, 3))


# --------------------------------------------------------------------------- the lattice of learnt sets
