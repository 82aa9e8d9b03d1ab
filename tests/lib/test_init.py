"""Tests of deeplinear.init: the survey's initialisations and the deficiency margin."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


@st.composite
def widths_and_seed(draw, min_depth=1, max_depth=5, max_width=6):
    h = draw(st.integers(min_depth, max_depth))
    d = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    return d, draw(st.integers(0, 2**32 - 1))


def test_random_init_shapes_scale_and_reproducibility():
    d = (30, 40, 20)
    W = dl.random_init(d, np.random.default_rng(0), 0.5)
    assert [w.shape for w in W] == [(40, 30), (20, 40)]
    assert np.std(np.concatenate([w.ravel() for w in W])) == pytest.approx(0.5, rel=0.05)
    V = dl.random_init(d, np.random.default_rng(0), 0.5)
    for a, b in zip(W, V):
        np.testing.assert_array_equal(a, b)
    F = dl.random_init(d, np.random.default_rng(0), 1.0, fan_in=True)
    assert np.std(F[0]) == pytest.approx(1 / np.sqrt(30), rel=0.1)
    assert all(np.all(w == 0) for w in dl.random_init(d, np.random.default_rng(0), 0.0))


def test_no_global_random_state_is_used():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(0)
    d = (3, 4, 4, 2)
    dl.random_init(d, rng)
    dl.aligned_init(d, 0.3, rotations=rng)
    dl.balanced_init(d, rng=rng)
    dl.delta_balanced_init(d, 0.1, rng)
    dl.random_gl(d, rng)
    dl.teacher_data([2.0, 1.0], 10, rng, noise=0.1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_random_functions_require_an_explicit_rng():
    with pytest.raises(TypeError, match="Generator"):
        dl.random_init((2, 3), None)
    with pytest.raises(TypeError, match="Generator"):
        dl.random_init((2, 3), np.random.RandomState(0))
    with pytest.raises(TypeError, match="Generator"):
        dl.delta_balanced_init((2, 3, 2), 0.1, None)


def test_aligned_init_structure():
    d = (3, 4, 2, 3)
    W = dl.aligned_init(d, [2.0, 0.5])
    np.testing.assert_array_equal(W[0], [[2, 0, 0], [0, 0.5, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(dl.end_to_end(W), np.diag([8.0, 0.125, 0.0]))
    W = dl.aligned_init((2, 2, 2), 0.1)
    np.testing.assert_allclose(dl.end_to_end(W), 0.01 * np.eye(2))
    vals = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(dl.end_to_end(dl.aligned_init(d, vals)), np.diag([15.0, 48.0, 0.0]))
    assert dl.imbalance(dl.aligned_init(d, [2.0, 0.5])) == pytest.approx(0.0)


def test_aligned_init_with_rotations():
    rng = np.random.default_rng(3)
    d = (3, 4, 4, 3)
    W = dl.aligned_init(d, [3.0, 2.0, 1.0], rotations=rng)
    # in reduced coordinates R_0 = R_h = I: the end-to-end map stays diagonal
    np.testing.assert_allclose(dl.end_to_end(W), np.diag([27.0, 8.0, 1.0]), atol=1e-12)
    R1 = dl.random_orthogonal(4, rng)
    R2 = dl.random_orthogonal(4, rng)
    W = dl.aligned_init(d, [3.0, 2.0, 1.0], rotations=[R1, R2])
    D = np.zeros((4, 3))
    D[[0, 1, 2], [0, 1, 2]] = [3.0, 2.0, 1.0]
    np.testing.assert_allclose(W[0], R1 @ D, atol=1e-12)
    np.testing.assert_allclose(R2.T @ W[1] @ R1, np.diag([3.0, 2.0, 1.0, 0.0]), atol=1e-12)


def test_aligned_init_bad_inputs():
    with pytest.raises(ValueError, match="d_min"):
        dl.aligned_init((3, 2, 3), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="not orthogonal"):
        dl.aligned_init((2, 2, 2), 0.1, rotations=[2 * np.eye(2)])
    with pytest.raises(ValueError, match="rotations"):
        dl.aligned_init((2, 2, 2), 0.1, rotations=[np.eye(2), np.eye(2)])
    with pytest.raises(ValueError, match="finite"):
        dl.aligned_init((2, 2, 2), np.nan)
    with pytest.raises(ValueError, match="shape"):
        dl.aligned_init((2, 2, 2), np.ones((3, 2)))


@given(widths_and_seed())
def test_balanced_init_is_balanced_with_the_prescribed_product(ws):
    d, seed = ws
    rng = np.random.default_rng(seed)
    k = min(d)
    P = rng.standard_normal((d[-1], k)) @ rng.standard_normal((k, d[0]))
    W = dl.balanced_init(d, product=P, rng=rng)
    scale = max(1.0, np.abs(P).max())
    np.testing.assert_allclose(dl.end_to_end(W), P, atol=1e-11 * scale)
    assert dl.imbalance(W) <= 1e-11 * scale
    W2 = dl.balanced_init(d, product=P)  # deterministic Q_i
    np.testing.assert_allclose(dl.end_to_end(W2), P, atol=1e-11 * scale)
    assert dl.imbalance(W2) <= 1e-11 * scale


def test_balanced_init_random_product_and_errors():
    rng = np.random.default_rng(0)
    W = dl.balanced_init((4, 2, 5, 3), rng=rng)
    assert np.linalg.matrix_rank(dl.end_to_end(W)) == 2
    assert dl.imbalance(W) < 1e-12
    with pytest.raises(ValueError, match="rank 3 but the narrowest layer"):
        dl.balanced_init((3, 2, 3), product=np.eye(3))
    with pytest.raises(ValueError, match="product=... or rng"):
        dl.balanced_init((3, 2, 3))
    with pytest.raises(ValueError, match="product has shape"):
        dl.balanced_init((3, 2, 3), product=np.eye(2))
    np.testing.assert_array_equal(dl.balanced_init((3, 2), product=np.ones((2, 3)))[0], np.ones((2, 3)))


@given(widths_and_seed(min_depth=2), st.floats(1e-4, 3.0))
def test_delta_balanced_init(ws, delta):
    d, seed = ws
    rng = np.random.default_rng(seed)
    k = min(d)
    P = rng.standard_normal((d[-1], k)) @ rng.standard_normal((k, d[0]))
    W = dl.delta_balanced_init(d, delta, rng, product=P)
    imb = dl.imbalance(W)
    assert imb <= delta
    assert imb >= delta * (1 - 1e-9)
    np.testing.assert_allclose(dl.end_to_end(W), P, atol=1e-9 * max(1.0, np.abs(P).max()))


def test_delta_balanced_init_edge_cases():
    rng = np.random.default_rng(0)
    W = dl.delta_balanced_init((3, 4, 3), 0.0, rng)
    assert dl.imbalance(W) < 1e-12
    with pytest.raises(ValueError, match="depth h = 1"):
        dl.delta_balanced_init((3, 3), 0.1, rng)
    with pytest.raises(ValueError, match="product is zero"):
        dl.delta_balanced_init((3, 4, 3), 0.1, rng, product=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        dl.delta_balanced_init((3, 4, 3), -0.1, rng)


def test_deficiency_margin():
    S = np.diag([3.0, 2.0, 1.0])
    assert dl.deficiency_margin(S, S) == pytest.approx(1.0)
    W = S + 0.5 * np.diag([0.0, 0.0, 1.0])
    assert dl.deficiency_margin(W, S) == pytest.approx(0.5)
    assert dl.deficiency_margin(np.zeros((3, 3)), S) < 0  # zero map: no margin
    Ws = dl.balanced_init((3, 3, 3), product=W)
    assert dl.deficiency_margin(Ws, S) == pytest.approx(0.5)
    # rectangular: sigma_min is the min(d_h, d_0)-th singular value
    R = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert dl.deficiency_margin(R, R) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="Sigma has shape"):
        dl.deficiency_margin(np.zeros((2, 3)), S)


def test_deficiency_margin_of_huge_maps_is_finite_and_scaled():
    # issue 13: the Frobenius norm of a difference with entries near 1e200 overflowed to -inf;
    # the margin is finite there (its square is not): scale by the largest entry
    Sigma = np.diag([2.0, 1.0])
    P = np.diag([1e200, 1e200])
    margin = dl.deficiency_margin(P, Sigma)
    assert np.isfinite(margin)
    assert margin == pytest.approx(1.0 - np.sqrt(2.0) * 1e200, rel=1e-12)
    # a wrong closed form (the unscaled norm) would give -inf: the scaled one agrees with it where both are finite
    Q = np.array([[1.8, 0.3], [0.1, 1.0]])
    assert dl.deficiency_margin(Q, Sigma) == pytest.approx(1.0 - np.linalg.norm(Q - Sigma), rel=1e-15)
    assert dl.deficiency_margin(Sigma, Sigma) == pytest.approx(1.0)
    with pytest.raises(dl.NonFiniteResultError, match="deficiency_margin"):
        dl.deficiency_margin(np.diag([1.7e308, -1.7e308]), np.diag([-1.7e308, 1.7e308]))
