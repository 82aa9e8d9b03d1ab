"""Tests of deeplinear.objective: the loss and its two gradients (layer-wise and adjacency form)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


@st.composite
def problems(draw, max_depth=5, max_width=6):
    h = draw(st.integers(1, max_depth))
    d = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = [rng.standard_normal((d[i], d[i - 1])) / np.sqrt(d[i - 1]) for i in range(1, h + 1)]
    S = rng.standard_normal((d[-1], d[0]))
    return d, W, S, rng


def _pattern_mask(d):
    n = sum(d)
    mask = np.zeros((n, n), dtype=bool)
    sl = dl.layer_slices(d)
    for i in range(len(d) - 1):
        mask[sl[i + 1], sl[i]] = True
    return mask


def test_loss_value():
    W = [np.array([[2.0]]), np.array([[3.0]])]
    assert dl.loss(W, np.array([[10.0]])) == pytest.approx(0.5 * 16.0)
    np.testing.assert_array_equal(dl.residual(W, np.array([[10.0]])), [[4.0]])


@given(problems())
def test_two_gradients_agree(p):
    d, W, S, _ = p
    h = len(W)
    G = dl.gradient(W, S)
    GA = dl.gradient_adjacency(dl.adjacency(W), dl.target(S, d), h)
    blocks = dl.weights_from_adjacency(GA, d)
    scale = max(1.0, max(np.abs(g).max() for g in G))
    for g, b in zip(G, blocks):
        np.testing.assert_allclose(b, g, rtol=0, atol=1e-12 * scale)
    assert dl.loss_adjacency(dl.adjacency(W), dl.target(S, d), h) == pytest.approx(dl.loss(W, S), rel=1e-12, abs=1e-14)


@given(problems())
def test_adjacency_gradient_never_leaves_the_block_pattern(p):
    d, W, S, _ = p
    GA = dl.gradient_adjacency(dl.adjacency(W), dl.target(S, d), len(W))
    assert np.all(GA[~_pattern_mask(d)] == 0.0)


EPS = np.array([1e-3, 1e-4, 1e-5])


def _taylor_errors(f, grad_dot, eps_list):
    f0 = f(0.0)
    return np.array([abs(f(e) - f0 - e * grad_dot) for e in eps_list])


def _assert_second_order(err, gdot):
    """err(eps) = |f(eps) - f(0) - eps <grad, V>| must fall by 10^2 per decade of eps."""
    if err[-1] < 1e-13 * max(1.0, abs(gdot)):  # second-order term ~ 0 along this direction
        assert err[0] < 1e-8 * max(1.0, abs(gdot))
        return
    slope = np.log10(err[0] / err[-1]) / 2.0
    assert 1.8 < slope < 2.2, (err, slope)


@given(problems())
def test_taylor_layerwise(p):
    """First-order Taylor error of L along a random direction decays like eps^2."""
    d, W, S, rng = p
    V = [rng.standard_normal(w.shape) for w in W]
    G = dl.gradient(W, S)
    gdot = sum(float(np.sum(g * v)) for g, v in zip(G, V))
    err = _taylor_errors(lambda e: dl.loss([w + e * v for w, v in zip(W, V)], S), gdot, EPS)
    _assert_second_order(err, gdot)


@given(problems())
def test_taylor_adjacency_all_entries(p):
    """gradient_adjacency is the gradient over all n_v^2 entries: Taylor test in an arbitrary direction."""
    d, W, S, rng = p
    h = len(W)
    A, E = dl.adjacency(W), dl.target(S, d)
    Z = rng.standard_normal(A.shape)
    gdot = float(np.sum(dl.gradient_adjacency(A, E, h) * Z))
    err = _taylor_errors(lambda e: dl.loss_adjacency(A + e * Z, E, h), gdot, EPS)
    _assert_second_order(err, gdot)


def test_claim_2_adjacency_gradient():
    """Digest claim 2: block (j+1, j) equals the layer-wise gradient, everything else is zero,
    and a central difference matches <grad L, Z> to 1e-8 relative."""
    rng = np.random.default_rng(0)
    d = (3, 4, 2, 3)
    W = [rng.standard_normal((d[i], d[i - 1])) for i in range(1, 4)]
    S = np.diag([3.0, 2.0, 1.0])
    A, E = dl.adjacency(W), dl.target(S, d)
    GA = dl.gradient_adjacency(A, E, 3)
    for g, b in zip(dl.gradient(W, S), dl.weights_from_adjacency(GA, d)):
        np.testing.assert_allclose(b, g, rtol=1e-12, atol=1e-12)
    assert np.all(GA[~_pattern_mask(d)] == 0.0)
    Z = rng.standard_normal(A.shape)
    eps = 1e-5
    fd = (dl.loss_adjacency(A + eps * Z, E, 3) - dl.loss_adjacency(A - eps * Z, E, 3)) / (2 * eps)
    assert fd == pytest.approx(float(np.sum(GA * Z)), rel=1e-8)


def test_gradient_vanishes_at_a_global_minimum():
    S = np.diag([3.0, 2.0])
    W = [np.diag([np.sqrt(3.0), np.sqrt(2.0)])] * 2
    assert dl.loss(W, S) == pytest.approx(0.0, abs=1e-28)
    assert max(np.abs(g).max() for g in dl.gradient(W, S)) < 1e-14


def test_bad_inputs():
    W = [np.ones((4, 3)), np.ones((2, 4))]
    with pytest.raises(ValueError, match="Sigma has shape \\(3, 2\\).*must have shape \\(2, 3\\)"):
        dl.loss(W, np.ones((3, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        dl.gradient(W, np.array([[1.0, np.inf, 0.0], [0.0, 0.0, 0.0]]))
    A = dl.adjacency(W)
    with pytest.raises(ValueError, match="E must have the shape of A"):
        dl.loss_adjacency(A, np.zeros((3, 3)), 2)
    with pytest.raises(ValueError, match="depth"):
        dl.gradient_adjacency(A, np.zeros_like(A), 0)
    with pytest.raises(TypeError, match="depth"):
        dl.gradient_adjacency(A, np.zeros_like(A), 2.0)
    with pytest.raises(ValueError, match="square"):
        dl.loss_adjacency(np.zeros((3, 4)), np.zeros((3, 4)), 2)


# --------------------------------------------------------------------------- the Taylor test


@pytest.fixture
def taylor_problem():
    rng = np.random.default_rng(4)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    return W, rng.standard_normal((2, 2))


def test_taylor_test_orders(taylor_problem):
    W, S = taylor_problem
    right = dl.taylor_test(W, S)
    assert right.passed and abs(right.order - 2.0) < 0.1
    assert right.directional_derivative == pytest.approx(right.central_difference, rel=1e-8)
    wrong = dl.taylor_test(W, S, lambda W, S: [2 * g for g in dl.gradient(W, S)])
    assert not wrong.passed and abs(wrong.order - 1.0) < 0.1
    # a list of arrays works as well as a callable
    assert dl.taylor_test(W, S, dl.gradient(W, S)).passed


def test_taylor_test_is_reproducible_and_takes_a_direction(taylor_problem):
    W, S = taylor_problem
    a, b = dl.taylor_test(W, S, rng=3), dl.taylor_test(W, S, rng=3)
    assert np.array_equal(a.remainders, b.remainders)
    V = [np.ones_like(w) for w in W]
    t = dl.taylor_test(W, S, direction=V)
    assert t.directional_derivative == pytest.approx(sum(np.sum(g) for g in dl.gradient(W, S)))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"epsilons": [1e-3, 1e-2]}, "decreasing"), ({"epsilons": [1e-1]}, "decreasing"), ({"fit": 1}, "fit"),
     ({"direction": [np.ones((2, 2))]}, "direction")],
)
def test_taylor_test_rejects_bad_input(taylor_problem, kwargs, match):
    W, S = taylor_problem
    with pytest.raises(ValueError, match=match):
        dl.taylor_test(W, S, **kwargs)


def test_taylor_test_rejects_gradients_of_the_wrong_shape(taylor_problem):
    W, S = taylor_problem
    with pytest.raises(ValueError, match="shape"):
        dl.taylor_test(W, S, lambda W, S: [g.T for g in dl.gradient(W, S)])


# --------------------------------------------------------------------------- fused loss and gradient


@given(problems())
def test_loss_and_gradient_equals_loss_and_gradient(problem):
    _, W, S, _ = problem
    value, grads = dl.loss_and_gradient(W, S)
    assert value == pytest.approx(dl.loss(W, S), rel=1e-13, abs=1e-300)
    for g, ref in zip(grads, dl.gradient(W, S)):
        np.testing.assert_allclose(g, ref, rtol=1e-13, atol=1e-13)


def test_loss_and_gradient_accepts_what_loss_accepts():
    # lists of lists, integer entries and a tuple of arrays take the full validation path
    value, grads = dl.loss_and_gradient([[[1, 2]], [[3]]], [[4, 5]])
    assert value == 1.0 and [g.tolist() for g in grads] == [[[-3.0, 3.0]], [[1.0]]]
    assert dl.loss_and_gradient((np.ones((2, 2)), np.ones((1, 2))), np.ones((1, 2)))[0] == dl.loss([np.ones((2, 2)), np.ones((1, 2))], np.ones((1, 2)))


@pytest.mark.parametrize("layer", [0, 1, 2])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_loss_and_gradient_rejects_a_non_finite_entry_anywhere(layer, bad):
    # zeros in the other layers must not hide the bad entry
    W = [np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((1, 2))]
    W[layer][0, 1] = bad
    for fn in (dl.loss_and_gradient, dl.loss, dl.gradient, dl.residual):
        with pytest.raises(ValueError, match="non-finite"):
            fn(W, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        dl.loss_and_gradient([np.zeros((2, 3)), np.zeros((1, 2))], np.array([[0.0, bad, 0.0]]))


def test_loss_and_gradient_rejects_bad_shapes_with_the_usual_messages():
    with pytest.raises(ValueError, match="W_2 has shape"):
        dl.loss_and_gradient([np.ones((2, 3)), np.ones((1, 3))], np.ones((1, 3)))
    with pytest.raises(ValueError, match="Sigma"):
        dl.loss_and_gradient([np.ones((2, 3)), np.ones((1, 2))], np.ones((3, 1)))
    with pytest.raises(TypeError, match="list"):
        dl.loss_and_gradient(np.ones((2, 2)), np.ones((2, 2)))
