"""Tests of deeplinear.weight_decay and the weight_decay option of gradient_flow / gradient_descent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

import deeplinear as dl
from deeplinear.weight_decay import _f, _thresholds


def _random_problem(rng, widths):
    Sigma = rng.standard_normal((widths[-1], widths[0])) * 2.0
    return Sigma


# --------------------------------------------------------------------------- loss and gradient


def test_gradient_is_the_old_gradient_plus_decay_and_matches_finite_differences():
    rng = np.random.default_rng(0)
    W = dl.random_init((3, 4, 2, 3), rng, 0.7)
    Sigma = rng.standard_normal((3, 3))
    lam = 0.37
    G = dl.weight_decay.regularised_gradient(W, Sigma, weight_decay=lam)
    for g, g0, w in zip(G, dl.gradient(W, Sigma), W):
        np.testing.assert_allclose(g, g0 + lam * w, atol=1e-14)
    L = dl.weight_decay.regularised_loss(W, Sigma, weight_decay=lam)
    assert L == pytest.approx(dl.loss(W, Sigma) + 0.5 * lam * sum(float(np.sum(w * w)) for w in W), rel=1e-14)
    # central differences along a random direction
    V = [rng.standard_normal(w.shape) for w in W]
    eps = 1e-6
    Lp = dl.weight_decay.regularised_loss([w + eps * v for w, v in zip(W, V)], Sigma, weight_decay=lam)
    Lm = dl.weight_decay.regularised_loss([w - eps * v for w, v in zip(W, V)], Sigma, weight_decay=lam)
    assert (Lp - Lm) / (2 * eps) == pytest.approx(sum(float(np.sum(g * v)) for g, v in zip(G, V)), rel=1e-7)


def test_adjacency_gradient_is_lambda_A_on_the_block_pattern():
    rng = np.random.default_rng(1)
    d = (2, 3, 2)
    W = dl.random_init(d, rng, 1.0)
    Sigma = rng.standard_normal((2, 2))
    A, E = dl.adjacency(W), dl.target(Sigma, d)
    GA = dl.weight_decay.regularised_gradient_adjacency(A, E, 2, weight_decay=0.5)
    blocks = dl.weights_from_adjacency(GA, d)
    for b, g in zip(blocks, dl.weight_decay.regularised_gradient(W, Sigma, weight_decay=0.5)):
        np.testing.assert_allclose(b, g, atol=1e-13)
    assert np.all(GA[dl.adjacency([np.ones_like(w) for w in W]) == 0] == 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_weight_decay_must_be_positive(bad):
    with pytest.raises(ValueError, match="weight_decay"):
        dl.weight_decay.regularised_loss([np.eye(2), np.eye(2)], np.eye(2), weight_decay=bad)
    with pytest.raises(ValueError, match="weight_decay"):
        dl.gradient_flow([np.eye(2), np.eye(2)], np.eye(2), 1.0, weight_decay=bad if bad else -1.0)


# --------------------------------------------------------------------------- the flow and balance


def test_conserved_quantities_decay_exponentially_along_the_flow():
    rng = np.random.default_rng(2)
    W0 = dl.random_init((2, 3, 3, 2), rng, 0.8)
    lam = 0.25
    tr = dl.gradient_flow(W0, np.diag([2.0, 1.0]), (0, 6), t_eval=[0, 1, 3, 6], weight_decay=lam, stop_tol=None)
    C0 = dl.conserved_quantities(W0)
    for t, W in zip(tr.t, tr.weights):
        for c, c0 in zip(dl.conserved_quantities(W), C0):
            np.testing.assert_allclose(c, math.exp(-2 * lam * t) * c0, atol=1e-8)
    # without decay the imbalance is conserved
    tr0 = dl.gradient_flow(W0, np.diag([2.0, 1.0]), (0, 6), t_eval=[6], stop_tol=None)
    assert dl.imbalance(tr0.final_weights) == pytest.approx(dl.imbalance(W0), rel=1e-8)
    # the trajectory reports the regularised loss
    assert tr.loss[-1] == pytest.approx(dl.weight_decay.regularised_loss(tr.final_weights, np.diag([2.0, 1.0]), weight_decay=lam), rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_balance_at_regularised_critical_points_over_random_architectures(seed):
    rng = np.random.default_rng(100 + seed)
    h = int(rng.integers(2, 5))
    widths = tuple(int(x) for x in rng.integers(1, 4, size=h + 1))
    Sigma = _random_problem(rng, widths)
    lam = float(rng.uniform(0.1, 0.6))
    W0 = dl.random_init(widths, rng, 0.9)
    tr = dl.gradient_flow(W0, Sigma, (0, 5000), weight_decay=lam, stop_tol=1e-13)
    assert tr.status == "converged", tr.message
    for c in dl.conserved_quantities(tr.final_weights):
        assert np.max(np.abs(c)) <= 1e-10
    # and the limit is one of the enumerated critical values
    values = [c.value for c in dl.weight_decay.regularised_critical_values(Sigma, widths, weight_decay=lam)]
    assert min(abs(v - tr.loss[-1]) for v in values) <= 1e-8


def test_gradient_descent_with_weight_decay():
    W0 = [np.array([[1.0]]), np.array([[1.0]])]
    r = dl.gradient_descent(W0, np.array([[3.0]]), 0.05, 3000, weight_decay=1.0)
    # h = 2: soft threshold, product 3 - 1 = 2, balanced
    P = r.final_weights[1] @ r.final_weights[0]
    assert P.item() == pytest.approx(2.0, abs=1e-10)
    assert r.final_weights[0].item() == pytest.approx(r.final_weights[1].item(), abs=1e-10)
    assert np.all(np.diff(r.losses) <= 1e-15)
    assert r.losses[-1] == pytest.approx(0.5 * 1 + 2.0, abs=1e-10)  # 1/2 (3-2)^2 + (1*2/2) * 2


# --------------------------------------------------------------------------- one mode


@pytest.mark.parametrize("h", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("sigma, lam", [(3.0, 0.5), (2.0, 1.3), (1.0, 0.05), (0.5, 2.0)])
def test_mode_points_are_stationary_and_the_minimiser_is_global(h, sigma, lam):
    m = dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=lam)
    for x in m.points:
        if x > 0:  # f'(x) = x - sigma + lam x^(2/h - 1)
            assert abs(x - sigma + lam * x ** (2.0 / h - 1.0)) <= 1e-12 * max(1.0, sigma)
    grid = np.linspace(0, sigma, 20001)
    fg = 0.5 * (sigma - grid) ** 2 + 0.5 * lam * h * grid ** (2.0 / h)
    assert _f(m.minimiser, sigma, h, lam) <= fg.min() + 1e-12
    assert min(m.values) == pytest.approx(_f(m.minimiser, sigma, h, lam), abs=1e-14)


def test_h2_is_soft_thresholding_and_h1_is_ridge():
    assert dl.weight_decay.mode_shrinkage(3.0, 2, weight_decay=1.0).minimiser == 2.0
    assert dl.weight_decay.mode_shrinkage(1.0, 2, weight_decay=1.5).minimiser == 0.0
    assert dl.weight_decay.mode_shrinkage(3.0, 1, weight_decay=0.5).minimiser == pytest.approx(2.0)


@pytest.mark.parametrize("h", [3, 4, 5, 8])
def test_thresholds_closed_forms(h):
    sigma = 2.0
    lam_c, lam_star = _thresholds(sigma, h)
    assert lam_star < lam_c
    # at lam_star the non-zero minimum ties with the origin at x* = sigma (h-2)/(h-1)
    xs = sigma * (h - 2) / (h - 1)
    assert _f(xs, sigma, h, lam_star) == pytest.approx(0.5 * sigma**2, rel=1e-13)
    assert abs(xs - sigma + lam_star * xs ** (2 / h - 1)) < 1e-13
    below = dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=lam_star * (1 - 1e-6))
    above = dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=lam_star * (1 + 1e-6))
    assert below.minimiser == pytest.approx(xs, rel=1e-4) and above.minimiser == 0.0  # the jump
    assert len(dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=lam_c * 1.001).points) == 1
    assert len(dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=lam_c * 0.999).points) == 3


def test_a_wrong_switch_off_formula_is_caught():
    """The check above fails for a plausible wrong closed form (x* = sigma (h-2)/h)."""
    sigma, h = 2.0, 3
    wrong_x = sigma * (h - 2) / h
    wrong_lam = wrong_x ** ((h - 2) / h) * sigma / (h - 1)
    assert abs(_f(wrong_x, sigma, h, wrong_lam) - 0.5 * sigma**2) > 1e-3


# --------------------------------------------------------------------------- the whole problem


def _direct_minimum(x0_weights, Sigma, lam):
    widths = tuple([x0_weights[0].shape[1]] + [w.shape[0] for w in x0_weights])
    theta0 = dl.flatten_weights(x0_weights)

    def fun(theta):
        W = dl.unflatten_weights(theta, widths)
        return dl.weight_decay.regularised_loss(W, Sigma, weight_decay=lam), dl.flatten_weights(dl.weight_decay.regularised_gradient(W, Sigma, weight_decay=lam))

    res = minimize(fun, theta0, jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 5000})
    return res.fun, dl.unflatten_weights(res.x, widths)


@pytest.mark.parametrize("widths, sv, lam", [((2, 2, 2), (3.0, 1.0), 0.4), ((2, 3, 2, 2), (3.0, 1.0), 0.3),
                                              ((3, 2, 2, 2, 3), (2.5, 1.5, 0.7), 0.2)])
def test_per_mode_minima_agree_with_direct_minimisation(widths, sv, lam):
    rng = np.random.default_rng(7)
    U = np.linalg.qr(rng.standard_normal((widths[-1], widths[-1])))[0][:, : len(sv)]
    V = np.linalg.qr(rng.standard_normal((widths[0], widths[0])))[0][:, : len(sv)]
    Sigma = U @ np.diag(sv) @ V.T
    cv = dl.weight_decay.regularised_critical_values(Sigma, widths, weight_decay=lam)
    minima = [c for c in cv if c.kind != "saddle"]
    assert minima[0].kind == "global minimum"
    for c in minima:
        W = dl.weight_decay.regularised_critical_point(c.product_values, Sigma, widths)
        # perturb and minimise the full loss directly: it returns to the same value
        Wp = [w + 1e-3 * rng.standard_normal(w.shape) for w in W]
        value, Wmin = _direct_minimum(Wp, Sigma, lam)
        assert value == pytest.approx(c.value, abs=1e-8)
        assert dl.weight_decay.regularised_loss(W, Sigma, weight_decay=lam) == pytest.approx(c.value, abs=1e-12)
    # and from random starts the direct minimiser finds no value below the global one
    for _ in range(3):
        value, _ = _direct_minimum(dl.random_init(widths, rng, 1.0), Sigma, lam)
        assert value >= minima[0].value - 1e-8
        assert min(abs(value - c.value) for c in cv) <= 1e-8


@pytest.mark.parametrize("widths, lam", [((2, 2, 2), 0.5), ((2, 2, 2), 2.0), ((2, 1, 2), 0.5), ((2, 2, 2, 2), 0.3),
                                         ((2, 1, 1, 2), 0.3), ((2, 3, 2, 2, 2), 0.15)])
def test_predicted_kinds_agree_with_the_hessian(widths, lam):
    Sigma = np.diag([3.0, 1.0])
    for c in dl.weight_decay.regularised_critical_values(Sigma, widths, weight_decay=lam):
        W = dl.weight_decay.regularised_critical_point(c.product_values, Sigma, widths)
        cl = dl.weight_decay.regularised_classification(W, Sigma, weight_decay=lam)
        assert cl.gradient_norm <= 1e-10
        assert (cl.kind == "minimum") == (c.kind != "saddle"), (c, cl)
        if cl.kind == "minimum":
            assert cl.inertia.zero == cl.orbit_dimension and cl.inertia.negative == 0


def test_origin_hessian_is_lambda_identity_for_h3_and_indefinite_for_h2():
    Sigma = np.diag([3.0, 1.0])
    W3 = [np.zeros((2, 2))] * 3
    H3 = dl.hessian(W3, Sigma) + 0.3 * np.eye(12)
    np.testing.assert_allclose(H3, 0.3 * np.eye(12), atol=1e-15)
    c2 = dl.weight_decay.regularised_classification([np.zeros((2, 2))] * 2, Sigma, weight_decay=0.5)
    # eigenvalues lambda -+ sigma_k, each once per hidden unit: 0.5 - 3 and 0.5 - 1 are negative
    assert c2.kind == "saddle" and c2.inertia.negative == 4
    ev = np.linalg.eigvalsh(dl.hessian([np.zeros((2, 2))] * 2, Sigma) + 0.5 * np.eye(8))
    np.testing.assert_allclose(ev, [-2.5, -2.5, -0.5, -0.5, 1.5, 1.5, 3.5, 3.5], atol=1e-14)


def test_representation_cost_is_the_least_decay_over_factorisations():
    rng = np.random.default_rng(3)
    P = rng.standard_normal((3, 3))
    for h in (2, 3):
        cost = dl.weight_decay.representation_cost(P, h)
        U, s, Vt = np.linalg.svd(P)
        W = dl.weight_decay.regularised_critical_point(s, U @ np.diag(s) @ Vt, (3,) * (h + 1))
        np.testing.assert_allclose(np.linalg.multi_dot(W[::-1]), P, atol=1e-12)
        assert 0.5 * sum(float(np.sum(w * w)) for w in W) == pytest.approx(cost, rel=1e-12)
        for _ in range(5):  # any other factorisation of P costs more
            Wt = dl.gl_action(W, dl.random_gl((3,) * (h + 1), rng))
            assert 0.5 * sum(float(np.sum(w * w)) for w in Wt) >= cost - 1e-12


def test_adjacency_flow_with_decay_follows_the_layer_flow():
    rng = np.random.default_rng(9)
    d = (2, 3, 2)
    W0 = dl.random_init(d, rng, 0.8)
    S = np.diag([2.0, 1.0])
    t = [0.0, 1.0, 4.0]
    layers = dl.gradient_flow(W0, S, (0, 4), t_eval=t, weight_decay=0.4, stop_tol=None)
    net = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, d), 2, (0, 4), t_eval=t, widths=d, weight_decay=0.4)
    for Wl, Wa in zip(layers.weights, net.weights):
        for a, b in zip(Wl, Wa):
            np.testing.assert_allclose(a, b, atol=1e-8)
    assert float(net.pattern_leak.max()) == 0.0
    np.testing.assert_allclose(net.loss, layers.loss, rtol=1e-8)


def test_both_flows_with_decay_stop_at_the_same_regularised_critical_point():
    # with decay the minimum value is unknown: both flows stop on the gradient alone, at the same point
    rng = np.random.default_rng(4)
    d = (2, 3, 2)
    W0 = dl.random_init(d, rng, 0.8)
    S = np.diag([2.0, 1.0])
    layers = dl.gradient_flow(W0, S, (0, 1e4), weight_decay=0.4)
    net = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, d), 2, (0, 1e4), widths=d, weight_decay=0.4)
    assert layers.status == net.status == "converged", (layers.message, net.message)
    assert "regularised loss" in net.message and net.t_stop < 1e4
    assert dl.weight_decay.regularised_classification(net.weights[-1], S, weight_decay=0.4).gradient_norm <= 1e-9
    np.testing.assert_allclose(dl.end_to_end(net.weights[-1]), dl.end_to_end(layers.weights[-1]), atol=1e-8)


@pytest.mark.parametrize("widths, lam", [((3, 3, 3, 3, 3), 0.15), ((3, 2, 3, 3), 0.25), ((3, 3, 2, 3), 0.6)])
def test_predicted_kinds_agree_with_the_hessian_for_three_modes(widths, lam):
    Sigma = np.diag([3.0, 1.5, 0.6])
    catalogue = dl.weight_decay.regularised_critical_values(Sigma, widths, weight_decay=lam)
    assert len({c.kind for c in catalogue} - {"saddle"}) >= 1
    for c in catalogue:
        W = dl.weight_decay.regularised_critical_point(c.product_values, Sigma, widths)
        cl = dl.weight_decay.regularised_classification(W, Sigma, weight_decay=lam)
        assert cl.gradient_norm <= 1e-10
        assert (cl.kind == "minimum") == (c.kind != "saddle"), (c, cl)
