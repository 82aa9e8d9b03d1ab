"""Tests of deeplinear.lazy_rich: the tangent kernel, its change, linearised training, the scale study."""

import numpy as np
import pytest

import deeplinear as dl
from deeplinear.lazy_rich import LazyRichStudy


def _jacobian_fd(W, eps=1e-6):
    cols = []
    for i, M in enumerate(W):
        for j in range(M.size):
            Wp = [m.copy() for m in W]
            Wm = [m.copy() for m in W]
            Wp[i].flat[j] += eps
            Wm[i].flat[j] -= eps
            cols.append(((dl.end_to_end(Wp) - dl.end_to_end(Wm)) / (2 * eps)).ravel())
    return np.array(cols).T


@pytest.mark.parametrize("widths", [(3, 2), (2, 3, 4), (2, 3, 4, 3), (3, 1, 2, 2, 3)])
def test_kernel_is_jacobian_gram(widths):
    W = dl.random_init(widths, np.random.default_rng(1), 1.0)
    J = _jacobian_fd(W)
    K = dl.lazy_rich.tangent_kernel(W)
    assert np.allclose(K, J @ J.T, rtol=1e-7, atol=1e-7 * np.abs(K).max())
    assert np.allclose(K, K.T)
    assert np.linalg.eigvalsh(K).min() > -1e-10 * np.abs(K).max()


def test_a_wrong_kernel_formula_is_caught():
    # the Kronecker factors in the other order are the kernel for column-major vec: not JJ^T here
    W = dl.random_init((2, 3, 4), np.random.default_rng(2), 1.0)
    J = _jacobian_fd(W)
    A2, B1 = W[1], W[0]
    right = np.kron(A2 @ A2.T, np.eye(2)) + np.kron(np.eye(4), B1.T @ B1)
    wrong = np.kron(np.eye(2), A2 @ A2.T) + np.kron(B1.T @ B1, np.eye(4))  # swapped factors (column-major vec)
    assert np.allclose(right, J @ J.T, atol=1e-7)
    assert np.abs(wrong - J @ J.T).max() > 1e-2
    assert np.allclose(dl.lazy_rich.tangent_kernel(W), J @ J.T, atol=1e-7)


def test_kernel_maps_residual_to_end_to_end_velocity():
    rng = np.random.default_rng(3)
    W = dl.random_init((3, 4, 2, 3), rng, 0.7)
    S = rng.standard_normal((3, 3))
    G = dl.gradient(W, S)
    # dW_end/dt = sum_i A_i (-grad_i) B_i, which must equal K vec(Sigma - W_end)
    h = len(W)
    vel = 0.0
    for i in range(h):
        A = dl.partial_product(W, i + 2, h)
        B = dl.partial_product(W, 1, i)
        vel = vel + A @ (-G[i]) @ B
    K = dl.lazy_rich.tangent_kernel(W)
    assert np.allclose(vel.ravel(), K @ (S - dl.end_to_end(W)).ravel(), atol=1e-12)


def test_kernel_change_and_travel_values():
    W0 = [np.array([[1.0]]), np.array([[1.0]])]
    assert dl.lazy_rich.kernel_change(W0, W0) == 0.0
    assert dl.lazy_rich.kernel_change([np.array([[1.0]]), np.array([[2.0]])], W0) == pytest.approx(1.5)
    assert dl.lazy_rich.weight_travel([np.array([[3.0]]), np.array([[4.0]])], [np.array([[3.0]]), np.array([[0.0]])]) == pytest.approx(4 / 3)
    with pytest.raises(ValueError, match="reference"):
        dl.lazy_rich.kernel_change(W0, [np.eye(2), np.eye(2)])


def test_one_layer_training_is_exactly_linear():
    # h = 1: K = I, so the flow is its own linearisation, R(t) = e^{-t} R(0)
    W0 = [np.array([[0.3, -0.2], [0.1, 0.5]])]
    S = np.array([[1.0, 2.0], [0.0, -1.0]])
    t = np.linspace(0.0, 3.0, 7)
    R = dl.lazy_rich.linearised_residual(W0, S, t)
    traj = dl.gradient_flow(W0, S, (0.0, 3.0), t_eval=t)
    assert np.allclose(R, S - traj.end_to_end, atol=1e-9)
    assert np.allclose(R[-1], np.exp(-3.0) * (S - W0[0]))
    with pytest.raises(ValueError, match="t_eval"):
        dl.lazy_rich.linearised_residual(W0, S, [-1.0])


def test_scale_study_separates_lazy_and_rich():
    st = dl.lazy_rich.lazy_rich_study([1e-3, 1e-1, 10.0], np.diag([3.0, 1.5, 0.5]), (3, 6, 3), t_end=30.0, num=61)
    assert isinstance(st, LazyRichStudy)
    assert st.kernel_change[0] > 1e3 * st.kernel_change[-1]
    assert st.kernel_change[-1] < 0.05 and st.weight_travel[-1] < 0.05 and st.linearised_gap[-1] < 0.01
    assert st.plateaus[0] >= 2 and st.plateaus[-1] == 0
    assert np.all(st.final_loss < 1e-10)
    assert np.all(np.diff(st.kernel_change) < 0)
    with pytest.raises(dl.InvalidArgumentError, match="scales"):
        dl.lazy_rich.lazy_rich_study([0.0], np.eye(2), (2, 2, 2))
    with pytest.raises(ValueError, match="num"):
        dl.lazy_rich.lazy_rich_study([1.0], np.eye(2), (2, 2, 2), num=1)
