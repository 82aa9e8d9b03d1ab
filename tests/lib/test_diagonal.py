"""Tests of deeplinear.diagonal: diagonal networks and the implicit penalty Q_alpha."""

import numpy as np
import pytest

import deeplinear as dl


def test_penalty_gradient_and_limits():
    rng = np.random.default_rng(0)
    b = rng.standard_normal(4)
    for alpha in (0.05, 1.0, 4.0):
        eps = 1e-6
        fd = [(dl.diagonal.diagonal_penalty(b + eps * e, alpha) - dl.diagonal.diagonal_penalty(b - eps * e, alpha)) / (2 * eps)
              for e in np.eye(4)]
        assert np.allclose(fd, np.arcsinh(b / (2 * alpha**2)), atol=1e-6)
    assert dl.diagonal.diagonal_penalty(b, 1e3) * 4e6 == pytest.approx(np.sum(b**2), rel=1e-5)
    assert dl.diagonal.diagonal_penalty(np.zeros(3), 0.1) == 0.0


def _problem(seed=1):
    return dl.diagonal.sparse_regression(8, 20, 2, rng=seed)


@pytest.mark.parametrize("alpha", [0.05, 1.0, 5.0])
def test_flow_limit_minimises_the_penalty(alpha):
    X, y, _ = _problem()
    fl = dl.diagonal.diagonal_flow(alpha, X, y)
    assert fl.converged
    conv = dl.diagonal.min_penalty_interpolant(X, y, alpha)
    assert np.max(np.abs(fl.final_beta - conv)) < 1e-8
    assert dl.diagonal.diagonal_kkt_residual(fl.final_beta, X, alpha) < 1e-8
    assert np.allclose(X @ conv, y, atol=1e-10)


def test_a_wrong_penalty_is_caught():
    # the limit does not satisfy the KKT condition of the wrong scaling (arcsinh(beta / 2) instead of beta / 2 alpha^2)
    X, y, _ = _problem()
    alpha = 0.1
    beta = dl.diagonal.diagonal_flow(alpha, X, y).final_beta
    assert dl.diagonal.diagonal_kkt_residual(beta, X, alpha) < 1e-8
    assert dl.diagonal.diagonal_kkt_residual(beta, X, 1.0) > 1e-2


def test_l2_to_l1():
    X, y, b = _problem()
    st = dl.diagonal.diagonal_study([1e-3, 10.0], X, y)
    assert np.allclose(st.min_l2, np.linalg.pinv(X) @ y)
    assert np.allclose(X @ st.min_l1, y, atol=1e-8)
    assert st.distance_l1[0] < 0.02 and st.distance_l2[1] < 1e-5
    assert st.l1_norm[0] < st.l1_norm[1]
    assert st.gap.max() < 1e-8


def test_errors():
    X = np.array([[1.0, 2.0, 0.5]])
    with pytest.raises(ValueError, match="wide"):
        dl.diagonal.diagonal_flow(1.0, np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="full row rank"):
        dl.diagonal.min_penalty_interpolant(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="y must have"):
        dl.diagonal.diagonal_flow(1.0, X, np.ones(2))
    with pytest.raises(ValueError, match="alpha"):
        dl.diagonal.diagonal_penalty([1.0], 0.0)
    with pytest.raises(ValueError, match="n_samples"):
        dl.diagonal.sparse_regression(5, 5, 1)
