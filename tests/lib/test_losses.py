"""Tests of deeplinear.losses: non-quadratic losses of the end-to-end map."""

import numpy as np
import pytest

import deeplinear as dl
from deeplinear import losses


def _problem(seed=0, d=(3, 4, 4, 2), N=12):
    rng = np.random.default_rng(seed)
    W = dl.random_init(d, rng, 0.7)
    X = rng.standard_normal((d[0], N))
    labels = np.where(rng.standard_normal((d[-1], N)) > 0, 1.0, -1.0)
    return rng, W, X, labels


def _fd_check(ell, P, rng):
    """Central difference of ell.value against <ell.gradient, Z>."""
    Z = rng.standard_normal(P.shape)
    eps = 1e-6
    fd = (ell.value(P + eps * Z) - ell.value(P - eps * Z)) / (2 * eps)
    assert fd == pytest.approx(float(np.sum(ell.gradient(P) * Z)), rel=1e-7, abs=1e-9)


def test_quadratic_matches_the_library_loss():
    rng, W, _, _ = _problem()
    S = rng.standard_normal((2, 3))
    q = losses.quadratic(S)
    assert losses.general_loss(W, q) == pytest.approx(dl.loss(W, S), rel=1e-14)
    for a, b in zip(losses.general_gradient(W, q), dl.gradient(W, S)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    # the end-to-end gradient may also be passed as a matrix or a callable
    G = dl.end_to_end(W) - S
    for a, b in zip(losses.general_gradient(W, G), losses.general_gradient(W, lambda P: P - S)):
        np.testing.assert_allclose(a, b, atol=1e-14)


def test_gradients_of_logistic_and_huber():
    rng, W, X, labels = _problem()
    P = dl.end_to_end(W)
    _fd_check(losses.logistic(X, labels), P, rng)
    Y = rng.standard_normal((2, 12)) * 3
    _fd_check(losses.huber(Y, X=X, delta=0.7), P, rng)
    _fd_check(losses.huber(rng.standard_normal((2, 3)), delta=0.2), P, rng)
    # Huber with a huge delta is the quadratic loss on data
    hub = losses.huber(Y, X=X, delta=1e9)
    assert hub.value(P) == pytest.approx(0.5 * np.sum((Y - P @ X) ** 2), rel=1e-12)


def test_layer_gradients_by_finite_differences():
    rng, W, X, labels = _problem(1)
    ell = losses.logistic(X, labels)
    G = losses.general_gradient(W, ell)
    V = [rng.standard_normal(w.shape) for w in W]
    eps = 1e-6
    plus = losses.general_loss([w + eps * v for w, v in zip(W, V)], ell)
    minus = losses.general_loss([w - eps * v for w, v in zip(W, V)], ell)
    assert (plus - minus) / (2 * eps) == pytest.approx(sum(float(np.sum(g * v)) for g, v in zip(G, V)), rel=1e-7)


def test_adjacency_form_of_the_general_gradient():
    """-A' = sum_j (A^{h-j})^T blk_h(grad ell) (A^{j-1})^T lands in the block pattern with the layer gradients."""
    rng, W, X, labels = _problem(2)
    widths = (3, 4, 4, 2)
    ell = losses.logistic(X, labels)
    h = len(W)
    A = dl.adjacency(W)
    Gend = ell.gradient(dl.end_to_end(W))
    E = dl.blk(h, [Gend], widths)
    powers = [np.eye(A.shape[0])]
    for _ in range(h):
        powers.append(powers[-1] @ A)
    GA = sum(powers[h - j].T @ E @ powers[j - 1].T for j in range(1, h + 1))
    for a, b in zip(dl.weights_from_adjacency(GA, widths), losses.general_gradient(W, ell)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_bad_inputs():
    rng, W, X, labels = _problem()
    with pytest.raises(ValueError, match="\\+1 or -1"):
        losses.logistic(X, labels * 2)
    with pytest.raises(ValueError, match="same number of samples"):
        losses.logistic(X, labels[:, :5])
    with pytest.raises(ValueError, match="delta must be positive"):
        losses.huber(np.ones((2, 3)), delta=0.0)
    with pytest.raises(ValueError, match="expects an end-to-end map of shape \\(2, 3\\)"):
        losses.general_loss([np.ones((4, 4))], losses.quadratic(np.ones((2, 3))))
    with pytest.raises(ValueError, match="ell_grad has shape"):
        losses.general_gradient(W, np.ones((3, 3)))
    with pytest.raises(TypeError, match="value\\(W\\)"):
        losses.general_loss(W, "quadratic")


# --------------------------------------------------------------------------- the loss on data, the linear loss


@pytest.fixture(scope="module")
def raw_data():
    data = dl.teacher_data([3.0, 2.0, 1.0], 20, np.random.default_rng(1), noise=0.1, d_in=3, d_out=3)
    X = np.diag([2.0, 1.0, 0.5]) @ data.X  # inputs of different scales: X X^T = diag(4, 1, 1/4)
    return X, np.array(data.Y)


def test_data_quadratic_loss_matches_data_loss_and_its_gradient(raw_data):
    X, Y = raw_data
    ell = dl.data_quadratic_loss(X, Y)
    assert isinstance(ell, dl.losses.EndToEndLoss) and ell.shape == (3, 3)
    rng = np.random.default_rng(0)
    W = [rng.standard_normal((4, 3)), rng.standard_normal((3, 4))]
    assert np.isclose(dl.general_loss(W, ell), dl.data_loss(W, X, Y), rtol=1e-14)
    P = W[1] @ W[0]
    V = rng.standard_normal(P.shape)
    fd = (ell.value(P + 1e-6 * V) - ell.value(P - 1e-6 * V)) / 2e-6
    assert np.isclose(fd, np.sum(ell.gradient(P) * V), rtol=1e-7)


def test_data_quadratic_loss_rejects_mismatched_samples():
    with pytest.raises(ValueError, match="same number of samples"):
        dl.data_quadratic_loss(np.ones((2, 5)), np.ones((2, 4)))


def test_data_quadratic_loss_with_identity_inputs_is_the_quadratic_loss():
    rng = np.random.default_rng(4)
    S = rng.standard_normal((2, 3))
    ell, q = dl.data_quadratic_loss(np.eye(3), S), dl.quadratic(S)
    P = rng.standard_normal((2, 3))
    assert ell.value(P) == pytest.approx(q.value(P), rel=1e-14)
    np.testing.assert_allclose(ell.gradient(P), q.gradient(P), rtol=1e-14)


def _reduced_rank_regression_value(X, Y, r):
    """min of 1/2 ||Y - W X||^2 over rank(W) <= r, computed independently of the library: the
    least-squares fit B (numpy's lstsq, minimum norm if X X^T is singular), then the best rank-r
    fit of the fitted values B X, whose column space gives the projection P_r: W = P_r B."""
    B = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    U = np.linalg.svd(B @ X)[0][:, :r]
    R = Y - U @ U.T @ B @ X
    return 0.5 * float(np.sum(R * R))


def test_rank_constrained_minimum_of_the_data_loss_is_reduced_rank_regression(raw_data):
    X, Y = raw_data
    rng = np.random.default_rng(7)
    X_deficient = np.vstack([X, X[0] - 2.0 * X[1]])  # d_0 = 4 inputs spanning only 3 directions
    for X_, Y_ in ((X, Y), (X_deficient, Y), (X, np.vstack([Y, Y[:1]]))):
        ell = dl.data_quadratic_loss(X_, Y_)
        for r in range(0, 5):
            expected = _reduced_rank_regression_value(X_, Y_, r)
            assert ell.rank_constrained_minimum(r) == pytest.approx(expected, rel=1e-10, abs=1e-12)
            if r:  # and no map of rank r does better
                W = rng.standard_normal((ell.shape[0], r)) @ rng.standard_normal((r, ell.shape[1]))
                assert ell.value(W) >= ell.rank_constrained_minimum(r)
    # the full-rank minimum is the least-squares residual: the part of Y no linear map of X explains
    assert dl.data_quadratic_loss(X, Y).rank_constrained_minimum(3) == pytest.approx(dl.reduce_data(X, Y).constant, rel=1e-10)


def test_rank_constrained_minimum_of_the_quadratic_loss_is_eckart_young():
    S = np.diag([3.0, 2.0, 1.0])
    q = dl.quadratic(S)
    for widths in ((3, 1, 3), (3, 2, 3), (3, 3, 3)):
        assert q.rank_constrained_minimum(min(widths)) == pytest.approx(dl.critical_values(S, widths).global_minimum, abs=1e-14)
    assert q.rank_constrained_minimum(0) == q.value(np.zeros((3, 3))) == 7.0
    for ell in (q, dl.data_quadratic_loss(np.eye(3), S)):
        with pytest.raises(ValueError, match="rank"):
            ell.rank_constrained_minimum(-1)
        with pytest.raises(TypeError, match="rank"):
            ell.rank_constrained_minimum(1.5)


def test_linear_loss_is_the_leading_term_of_the_quadratic_loss():
    rng = np.random.default_rng(5)
    S = rng.standard_normal((2, 3))
    ell = dl.linear(S)
    assert isinstance(ell, dl.losses.LinearLoss) and isinstance(ell, dl.losses.EndToEndLoss) and ell.shape == (2, 3)
    P = rng.standard_normal((2, 3))
    _fd_check(ell, P, rng)
    np.testing.assert_array_equal(ell.gradient(P), -S)
    # 1/2 ||S - P||^2 = 1/2 ||S||^2 + ell(P) + 1/2 ||P||^2
    assert dl.quadratic(S).value(P) == pytest.approx(0.5 * np.sum(S**2) + ell.value(P) + 0.5 * np.sum(P**2), rel=1e-13)
    # the layer gradients are the quadratic terms of the flow: W_{j+1:h}^T Sigma W_{1:j-1}^T, negated
    W = dl.random_init((3, 4, 2), rng, 1.0)
    G = dl.general_gradient(W, ell)
    np.testing.assert_allclose(G[0], -(W[1].T @ S), rtol=1e-13)
    np.testing.assert_allclose(G[1], -(S @ W[0].T), rtol=1e-13)
    assert ell.Sigma.flags.writeable is False


def test_linear_loss_flow_blows_up_in_finite_time_for_h3():
    # aligned scalar start a0: a' = sigma a^2, so a(t) = a0 / (1 - sigma a0 t), blow-up at 1 / (sigma a0)
    W0 = [np.array([[0.5]])] * 3
    tr = dl.gradient_flow(W0, None, (0.0, 10.0), end_to_end_loss=dl.linear(np.array([[2.0]])),
                          events={"blowup": {"bound": 1e6}}, warn=False)
    assert tr.status == "blowup" and tr.t[-1] == pytest.approx(1.0, rel=1e-5)


def test_linear_loss_rejects_bad_sigma():
    with pytest.raises(ValueError, match="Sigma"):
        dl.linear(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="expects an end-to-end map of shape \\(2, 2\\)"):
        dl.general_loss([np.ones((3, 3))], dl.linear(np.eye(2)))


def test_general_loss_and_gradient_overflow_is_a_named_error():
    W = [np.full((2, 2), 1e200), np.eye(2)]
    ell = dl.quadratic(np.eye(2))
    with pytest.raises(dl.NonFiniteResultError, match="general_loss.*weights"):
        dl.general_loss(W, ell)
    with pytest.raises(dl.NonFiniteResultError, match="general_gradient"):
        dl.general_gradient(W, ell)
    with pytest.raises(dl.NonFiniteResultError, match="general_gradient"):
        dl.general_gradient([np.full((2, 2), 1e120), np.full((2, 2), 1e120), np.eye(2)], lambda P: P)
