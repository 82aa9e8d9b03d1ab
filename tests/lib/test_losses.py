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
