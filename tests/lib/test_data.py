"""Tests of deeplinear.data: the reduction of regression data to Sigma."""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl
from deeplinear.losses import general_gradient


@dataclass(frozen=True)
class _DataQuadratic:
    """1/2 ||Y - W X||^2 as an end-to-end loss (for flows on the raw data)."""

    X: np.ndarray
    Y: np.ndarray

    @property
    def shape(self):
        return (self.Y.shape[0], self.X.shape[0])

    def value(self, W):
        R = self.Y - W @ self.X
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W):
        return -(self.Y - W @ self.X) @ self.X.T


@st.composite
def data_sets(draw):
    h = draw(st.integers(1, 4))
    d = tuple(draw(st.lists(st.integers(1, 5), min_size=h + 1, max_size=h + 1)))
    extra = draw(st.integers(0, 6))
    whitened = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    N = d[0] + extra + 1
    X = rng.standard_normal((d[0], N))
    if whitened:
        X = dl.whiten(X)
    Y = rng.standard_normal((d[-1], N))
    W = dl.random_init(d, rng, 1.0, fan_in=True)
    return X, Y, W, whitened


@given(data_sets())
def test_loss_on_data_equals_reduced_loss_plus_constant(data):
    X, Y, W, whitened = data
    r = dl.reduce_data(X, Y)
    assert r.metric_changed == (not whitened)
    Lr = dl.loss(r.to_reduced(W), r.Sigma) + r.constant
    assert dl.data_loss(W, X, Y) == pytest.approx(Lr, rel=1e-10, abs=1e-10)
    assert r.constant >= -1e-10 * max(1.0, float(np.sum(Y * Y)))
    # the change of variables is invertible
    for a, b in zip(r.from_reduced(r.to_reduced(W)), W):
        np.testing.assert_allclose(a, b, atol=1e-10 * max(1.0, np.abs(b).max()))


@given(data_sets())
def test_sigma_is_rectangular_diagonal_descending(data):
    X, Y, _, _ = data
    r = dl.reduce_data(X, Y)
    dh, d0 = Y.shape[0], X.shape[0]
    assert r.Sigma.shape == (dh, d0)
    k = min(dh, d0)
    off = r.Sigma.copy()
    off[np.arange(k), np.arange(k)] = 0.0
    assert np.all(off == 0.0)
    s = r.singular_values
    assert s.shape == (k,) and np.all(np.diff(s) <= 0) and np.all(s >= 0)
    np.testing.assert_allclose(np.diag(r.Sigma), s)
    np.testing.assert_allclose(r.U.T @ r.U, np.eye(dh), atol=1e-12)
    np.testing.assert_allclose(r.V.T @ r.V, np.eye(d0), atol=1e-12)
    np.testing.assert_allclose(r.input_map @ r.input_map_inverse, np.eye(d0), atol=1e-9)
    assert not r.Sigma.flags.writeable


def test_reduction_with_whitened_inputs_preserves_the_flow():
    """X X^T = I: the reduced flow, mapped back, is the flow on the data."""
    rng = np.random.default_rng(0)
    X = dl.whiten(rng.standard_normal((3, 20)))
    Y = rng.standard_normal((2, 20))
    r = dl.reduce_data(X, Y)
    assert not r.metric_changed
    W0 = dl.random_init((3, 4, 2), rng, 0.5)
    t = np.linspace(0, 2, 5)
    raw = dl.gradient_flow(W0, None, (0, 2), t_eval=t, end_to_end_loss=_DataQuadratic(X, Y))
    red = dl.gradient_flow(r.to_reduced(W0), r.Sigma, (0, 2), t_eval=t)
    for Wa, Wb in zip(raw.weights, red.weights):
        for a, b in zip(Wa, r.from_reduced(Wb)):
            np.testing.assert_allclose(a, b, atol=1e-8)
    np.testing.assert_allclose(raw.loss, red.loss + r.constant, rtol=1e-9)


def test_reduction_without_whitening_changes_the_metric():
    """X X^T != I: loss values agree at the start, but the two flows differ."""
    rng = np.random.default_rng(1)
    X = np.diag([3.0, 1.0, 0.3]) @ rng.standard_normal((3, 30))
    Y = rng.standard_normal((2, 30))
    r = dl.reduce_data(X, Y)
    assert r.metric_changed
    W0 = dl.random_init((3, 4, 2), rng, 0.5)
    t = np.linspace(0, 0.5, 3)
    raw = dl.gradient_flow(W0, None, (0, 0.5), t_eval=t, end_to_end_loss=_DataQuadratic(X, Y))
    red = dl.gradient_flow(r.to_reduced(W0), r.Sigma, (0, 0.5), t_eval=t)
    assert raw.loss[0] == pytest.approx(red.loss[0] + r.constant, rel=1e-10)
    assert abs(raw.loss[-1] - (red.loss[-1] + r.constant)) > 1e-3
    # the reduced flow is the data flow with the first-layer metric X X^T: grad_W1 L_data M^{-1}
    G_red = dl.gradient(r.to_reduced(W0), r.Sigma)
    G_data = general_gradient(W0, _DataQuadratic(X, Y))
    np.testing.assert_allclose(G_red[0] @ r.input_map_inverse, G_data[0] @ np.linalg.inv(r.input_gram), atol=1e-10)


def test_whiten_and_teacher_data():
    rng = np.random.default_rng(2)
    Z = dl.whiten(rng.standard_normal((4, 9)))
    np.testing.assert_allclose(Z @ Z.T, np.eye(4), atol=1e-12)
    td = dl.teacher_data([1.0, 3.0, 2.0], 12, np.random.default_rng(3), d_in=4, d_out=3)
    np.testing.assert_allclose(td.X @ td.X.T, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(td.teacher_singular_values, [3.0, 2.0, 1.0])
    r = dl.reduce_data(td.X, td.Y, whiten=False)
    np.testing.assert_allclose(r.singular_values, [3.0, 2.0, 1.0], atol=1e-12)
    assert r.constant == pytest.approx(0.0, abs=1e-12)
    noisy = dl.teacher_data([3.0, 2.0, 1.0], 200, np.random.default_rng(3), noise=0.01)
    r = dl.reduce_data(noisy.X, noisy.Y)
    assert np.max(np.abs(r.singular_values - [3.0, 2.0, 1.0])) < 0.05
    again = dl.teacher_data([3.0, 2.0, 1.0], 200, np.random.default_rng(3), noise=0.01)
    np.testing.assert_array_equal(again.Y, noisy.Y)
    raw = dl.teacher_data([3.0, 2.0], 50, np.random.default_rng(4), whitened=False)
    assert np.max(np.abs(raw.X @ raw.X.T - np.eye(2))) > 1e-2


def test_bad_inputs():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 10)), rng.standard_normal((2, 10))
    with pytest.raises(ValueError, match="same number of samples"):
        dl.reduce_data(X, Y[:, :9])
    with pytest.raises(ValueError, match="N >= d_0"):
        dl.reduce_data(X[:, :2], Y[:, :2])
    Xs = np.vstack([X[:2], X[:1]])
    with pytest.raises(ValueError, match="singular or too ill-conditioned"):
        dl.reduce_data(Xs, Y)
    with pytest.raises(ValueError, match="not the identity"):
        dl.reduce_data(X, Y, whiten=False)
    bad = X.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="X has a non-finite entry"):
        dl.reduce_data(bad, Y)
    with pytest.raises(ValueError, match="2-D"):
        dl.reduce_data(X[0], Y)
    r = dl.reduce_data(X, Y)
    with pytest.raises(ValueError, match="d_0 = 3"):
        r.to_reduced([np.ones((4, 2)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="n_samples"):
        dl.teacher_data([1.0, 2.0], 1, rng)
    with pytest.raises(ValueError, match=">= 0"):
        dl.teacher_data([1.0, -2.0], 5, rng)
    with pytest.raises(ValueError, match="do not fit"):
        dl.teacher_data([1.0, 2.0, 3.0], 5, rng, d_in=2)
    with pytest.raises(ValueError, match="shapes do not match"):
        dl.data_loss([np.ones((2, 3))], X[:2], Y)


# --------------------------------------------------------------------------- flows on raw, whitened and reduced data


@pytest.fixture(scope="module")
def raw_data():
    data = dl.teacher_data([3.0, 2.0, 1.0], 20, np.random.default_rng(1), noise=0.1, d_in=3, d_out=3)
    X = np.diag([2.0, 1.0, 0.5]) @ data.X  # inputs of different scales: X X^T = diag(4, 1, 1/4)
    return X, np.array(data.Y)


@pytest.fixture(scope="module")
def comparison(raw_data):
    X, Y = raw_data
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(2), 0.1)
    return dl.compare_data_flows(W0, X, Y, 6, num=61)


def test_whitened_flow_is_the_reduced_flow_and_raw_flow_is_not(comparison):
    c = comparison
    assert c.input_condition == pytest.approx(16.0)
    assert c.reduction.metric_changed
    # loss values agree at t = 0 (same point, loss preserved by the reduction)
    assert c.loss_raw[0] == pytest.approx(c.loss_reduced[0], rel=1e-12)
    assert c.loss_whitened[0] == pytest.approx(c.loss_reduced[0], rel=1e-12)
    assert np.max(c.distance_whitened) < 1e-7
    assert np.max(np.abs(c.loss_whitened - c.loss_reduced)) < 1e-7
    assert np.max(c.distance_raw) > 0.1
    # every flow decreases its loss and all end near the same minimum value c
    for L in (c.loss_raw, c.loss_whitened, c.loss_reduced):
        assert np.all(np.diff(L) <= 1e-10)
    assert c.loss_raw[-1] - c.constant < 1e-2


def test_flows_on_data_stop_at_the_global_minimum_of_the_data_loss(raw_data):
    # issue 13: a data loss had no known minimum, so no convergence stop: a huge t_span ran to max_steps
    X, Y = raw_data
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(2), 0.1)
    c = dl.compare_data_flows(W0, X, Y, (0.0, 1e9), num=5)
    # the independent minimum: least squares by numpy's lstsq
    B = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    L_min = 0.5 * float(np.sum((Y - B @ X) ** 2))
    for L in (c.loss_raw, c.loss_whitened, c.loss_reduced):
        assert L[-1] == pytest.approx(L_min, rel=1e-11)
    # a network of width 2 converges to the best rank-2 fit (reduced-rank regression) and says so
    ell = dl.data_quadratic_loss(X, Y)
    W2 = dl.random_init((3, 2, 3), np.random.default_rng(3), 0.1)
    tr = dl.gradient_flow(W2, None, (0.0, 1e9), end_to_end_loss=ell, t_eval=[0.0, 1e9])
    U = np.linalg.svd(B @ X)[0][:, :2]
    L2 = 0.5 * float(np.sum((Y - U @ U.T @ B @ X) ** 2))
    assert tr.status == "converged" and "global minimum" in tr.message and tr.t_stop < 1e4
    assert tr.loss[-1] == pytest.approx(L2, rel=1e-11) and tr.loss[-1] > L_min + 1e-3
    scale2 = 2.0 * (ell.value(np.zeros((3, 3))) - L_min)  # ||Sigma||_F^2 of the reduced problem
    assert tr.gradient_norm[-1] <= 1e-12 * scale2 ** 0.75


def test_compare_data_flows_checks_shapes(raw_data):
    X, Y = raw_data
    with pytest.raises(ValueError, match="weights0 map"):
        dl.compare_data_flows([np.ones((3, 2)), np.ones((3, 3))], X, Y, 1.0)


def test_data_loss_and_reduce_data_overflow_is_a_named_error_not_inf():
    # issue 13: entries near 1e200 overflowed silently to inf (data_loss) and nan (reduce_data's constant)
    X = np.eye(2)
    W = [np.eye(2), np.eye(2)]
    with pytest.raises(dl.NonFiniteResultError, match="data_loss.*weights, X or Y"):
        dl.data_loss(W, X, np.full((2, 2), 1e200))
    with pytest.raises(dl.NonFiniteResultError, match="data_loss"):
        dl.data_loss([np.full((2, 2), 1e200), np.eye(2)], X, np.eye(2))
    with pytest.raises(dl.NonFiniteResultError, match="reduce_data"):
        dl.reduce_data(X, np.full((2, 2), -1e200))
    # moderate data: the reduction still reproduces the loss
    r = dl.reduce_data(X, np.diag([3.0, 1e100]))
    assert np.allclose(r.singular_values, [1e100, 3.0], rtol=1e-12) and r.constant == 0.0
