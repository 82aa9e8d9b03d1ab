"""Tests of deeplinear.lambda_balanced: lambda-balanced starts and their exact (Riccati) flow."""

import numpy as np
import pytest

import deeplinear as dl
from deeplinear.lambda_balanced import _riccati


@pytest.mark.parametrize("widths, lam", [((3, 2, 3), 0.7), ((3, 2, 4), 0.0), ((4, 2, 2), -1.5), ((2, 2, 2), 9.0)])
def test_init_is_exactly_lambda_balanced(widths, lam):
    W1, W2 = dl.lambda_balanced.lambda_balanced_init(widths, lam, 4, scale=0.3)
    assert W1.shape == (widths[1], widths[0]) and W2.shape == (widths[2], widths[1])
    assert np.allclose(W2.T @ W2 - W1 @ W1.T, lam * np.eye(widths[1]), atol=1e-12)
    assert dl.lambda_balanced.balance_parameter([W1, W2]) == pytest.approx(lam, abs=1e-12)


def test_init_and_balance_errors():
    with pytest.raises(ValueError, match="d_1 <= d_2"):
        dl.lambda_balanced.lambda_balanced_init((3, 3, 2), 1.0, 0)
    with pytest.raises(ValueError, match="d_1 <= d_0"):
        dl.lambda_balanced.lambda_balanced_init((2, 3, 3), -1.0, 0)
    with pytest.raises(ValueError, match="not lambda-balanced"):
        dl.lambda_balanced.balance_parameter([np.array([[1.0, 0.0], [0.0, 2.0]]), np.eye(2)])
    with pytest.raises(ValueError, match="two-layer"):
        dl.lambda_balanced.balance_parameter([np.eye(2)] * 3)


@pytest.mark.parametrize("widths, lam, scale", [((3, 2, 2), 0.0, 0.3), ((3, 2, 2), -2.0, 0.3), ((3, 3, 3), 0.0, 0.01),
                                                ((3, 3, 3), 1.0, 0.01), ((2, 2, 4), 4.0, 0.2)])
def test_closed_form_matches_integrated_flow(widths, lam, scale):
    rng = np.random.default_rng(5)
    S = 0.5 * rng.standard_normal((widths[2], widths[0])) + 2.0 * np.eye(widths[2], widths[0])
    W0 = dl.lambda_balanced.lambda_balanced_init(widths, lam, 1, scale=scale)
    t = np.linspace(0.0, 12.0, 61)
    sol = dl.lambda_balanced.lambda_balanced_solution(W0, S, t)
    traj = dl.gradient_flow(W0, S, (0.0, 12.0), t_eval=t, rtol=1e-13, atol=1e-18, stop_tol=None)
    assert np.max(np.abs(sol.product - traj.end_to_end)) < 1e-8
    gin = np.array([w[0].T @ w[0] for w in traj.weights])
    gout = np.array([w[1] @ w[1].T for w in traj.weights])
    assert np.max(np.abs(sol.input_gram - gin)) < 1e-8 and np.max(np.abs(sol.output_gram - gout)) < 1e-8
    assert sol.kernel_change[0] == 0.0
    kc = [dl.lazy_rich.kernel_change(w, W0) for w in traj.weights]
    assert np.allclose(sol.kernel_change, kc, rtol=1e-6, atol=1e-9)


def test_a_wrong_closed_form_is_caught():
    # dropping the lambda term of G (G = F) is the 0-balanced formula: wrong for lambda != 0
    S = np.diag([2.0, 1.0])
    W0 = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 2.0, 0, scale=0.2)
    t = np.linspace(0.0, 4.0, 9)
    traj = dl.gradient_flow(W0, S, (0.0, 4.0), t_eval=t, rtol=1e-12, atol=1e-16)
    F = np.block([[np.zeros((2, 2)), S.T], [S, np.zeros((2, 2))]])
    P_wrong = _riccati(t, np.vstack([W0[0].T, W0[1]]), F)
    assert np.max(np.abs(P_wrong[:, 2:, :2] - traj.end_to_end)) > 1e-2
    sol = dl.lambda_balanced.lambda_balanced_solution(W0, S, t)
    assert np.max(np.abs(sol.product - traj.end_to_end)) < 1e-9


def test_riccati_equation_holds():
    S = np.array([[2.0, 0.5, 0.0], [0.3, 1.0, 0.2]])
    W0 = dl.lambda_balanced.lambda_balanced_init((3, 2, 2), 0.5, 2, scale=0.5)
    lam = 0.5
    G = np.block([[-lam / 2 * np.eye(3), S.T], [S, lam / 2 * np.eye(2)]])
    Q0 = np.vstack([W0[0].T, W0[1]])
    eps, t = 1e-5, 1.3
    P = _riccati(np.array([t - eps, t, t + eps]), Q0, G)
    dP = (P[2] - P[0]) / (2 * eps)
    assert np.allclose(dP, G @ P[1] + P[1] @ G - P[1] @ P[1], atol=1e-7)


def test_one_mode_is_the_unbalanced_law():
    # 1x1x1: lambda = c = w2^2 - w1^2 and the product follows dl.unbalanced_solution
    w1, w2 = dl.unbalanced_weights(1e-3, 0.5)
    W0 = [np.array([[w1]]), np.array([[w2]])]
    t = np.linspace(0.0, 6.0, 13)
    sol = dl.lambda_balanced.lambda_balanced_solution(W0, np.array([[1.0]]), t)
    assert sol.lam == pytest.approx(0.5)
    assert np.allclose(sol.product[:, 0, 0], dl.unbalanced_solution(t, 1e-3, 1.0, 0.5), atol=1e-9)


def test_lambda_study_rich_at_zero_lazy_far_away():
    st = dl.lambda_balanced.lambda_study([-9.0, 0.0, 9.0], np.diag([3.0, 1.5, 0.5]), (3, 3, 3), t_end=15.0, num=61)
    assert st.kernel_change[1] > 100 * max(st.kernel_change[0], st.kernel_change[2])
    assert st.weight_travel[1] > 10 * max(st.weight_travel[0], st.weight_travel[2])
    assert st.half_time[1] > st.half_time[0] and st.half_time[1] > st.half_time[2]
    assert st.closed_form_error.max() < 1e-8


def test_solution_errors():
    W0 = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 1.0, 0)
    with pytest.raises(ValueError, match="t_eval"):
        dl.lambda_balanced.lambda_balanced_solution(W0, np.eye(2), [-1.0])
    with pytest.raises(ValueError, match="sub-steps"):
        dl.lambda_balanced.lambda_balanced_solution(W0, np.eye(2), [1e9])


def test_init_takes_rng_where_delta_balanced_init_does():
    # (widths, balance parameter, rng, *, scale) as in delta_balanced_init(widths, delta, rng, ...)
    a = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 0.5, np.random.default_rng(3), scale=0.2)
    b = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 0.5, rng=np.random.default_rng(3), scale=0.2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(TypeError):
        dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 0.5)  # rng is required, as for delta_balanced_init
