"""Tests of deeplinear.descent: discrete gradient descent, its drift and its step-size threshold."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplinear as dl
from deeplinear.curvature import hessian_vector_product
from deeplinear.descent import hessian_lambda_max


@st.composite
def problems(draw, max_depth=5, max_width=6):
    h = draw(st.integers(1, max_depth))
    d = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = dl.random_init(d, rng, 1.0, fan_in=True)
    S = rng.standard_normal((d[-1], d[0]))
    return d, W, S, rng


def test_claim_20_step_size_threshold():
    """eta* = 2/(h sigma^{2-2/h}); from the balanced minimum plus 1e-3: 0.99 eta* converges (L -> 1e-29),
    1.01 eta* does not return to the minimum (L ~ 4e-3, oscillating)."""
    for h, sigma, eta_star in [(2, 1.0, 1.0), (3, 2.0, 0.26457)]:
        S = np.array([[sigma]])
        W_min = dl.aligned_init((1,) * (h + 1), sigma ** (1 / h))
        assert dl.stable_step(W_min, S) == pytest.approx(2 / (h * sigma ** (2 - 2 / h)), rel=1e-8)
        assert dl.stable_step(W_min, S) == pytest.approx(eta_star, rel=1e-4)
        W0 = [w + 1e-3 for w in W_min]
        below = dl.gradient_descent(W0, S, 0.99 * eta_star, 3000)
        above = dl.gradient_descent(W0, S, 1.01 * eta_star, 3000)
        assert below.losses[-1] < 1e-25 and not below.diverged
        assert 1e-3 < above.losses[-1] < 5e-2 and not above.diverged
        assert np.std(above.losses[-10:]) > 1e-4  # period-2 oscillation
        assert "exceeds the stable step" in above.report


def test_stable_step_at_the_balanced_matrix_minimum():
    """At the balanced minimum of Sigma = diag(3,2): lambda_max = h sigma_1^{2-2/h} (6 and 12.9802)."""
    S = np.diag([3.0, 2.0])
    for h, lam in [(2, 6.0), (3, 12.9802)]:
        W = dl.aligned_init((2,) * (h + 1), [3.0 ** (1 / h), 2.0 ** (1 / h)])
        assert hessian_lambda_max(W, S) == pytest.approx(lam, abs=1e-4)
    # the origin for h >= 3 has a zero Hessian: no step-size constraint there
    assert dl.stable_step([np.zeros((2, 2))] * 3, S) == np.inf


def test_claim_21_exact_second_order_drift():
    """One step with eta = 0.05, d = (3,4,4,2): Delta C_i = eta^2 (G_{i+1}^T G_{i+1} - G_i G_i^T) to 1e-12,
    while |Delta C_i| itself is of order 1e-2."""
    rng = np.random.default_rng(0)
    d = (3, 4, 4, 2)
    W = dl.random_init(d, rng)
    S = np.zeros((2, 3))
    S[0, 0], S[1, 1] = 3.0, 2.0
    eta = 0.05
    res = dl.gradient_descent(W, S, eta, 1)
    actual = [b - a for a, b in zip(res.conserved_initial, res.conserved_final)]
    predicted = dl.conservation_drift_step(W, S, eta)
    assert max(np.abs(a - p).max() for a, p in zip(actual, predicted)) < 1e-12
    assert max(np.abs(a).max() for a in actual) > 1e-2
    assert res.conserved_drift[1] == pytest.approx(
        max(np.linalg.norm(p) / max(1.0, np.linalg.norm(c)) for p, c in zip(predicted, res.conserved_initial)), rel=1e-8)


@settings(max_examples=20)
@given(problems(), st.floats(1e-3, 0.1))
def test_drift_formula_holds_everywhere(p, eta):
    d, W, S, _ = p
    res = dl.gradient_descent(W, S, eta, 1, on_divergence="ignore")
    if res.diverged:
        return
    actual = [b - a for a, b in zip(res.conserved_initial, res.conserved_final)]
    scale = max([1.0] + [np.abs(c).max() for c in res.conserved_initial])
    for a, q in zip(actual, dl.conservation_drift_step(W, S, eta)):
        np.testing.assert_allclose(a, q, rtol=0, atol=1e-12 * scale)


@given(problems())
def test_hessian_vector_product_taylor(p):
    """grad(W + eps V) - grad(W) - eps H V = O(eps^2)."""
    d, W, S, rng = p
    V = [rng.standard_normal(w.shape) for w in W]
    G0 = dl.gradient(W, S)
    HV = hessian_vector_product(W, S, V)

    def err(eps):
        G = dl.gradient([w + eps * v for w, v in zip(W, V)], S)
        return max(np.abs(g - g0 - eps * hv).max() for g, g0, hv in zip(G, G0, HV))

    e1, e2 = err(1e-3), err(1e-4)
    if e1 < 1e-12:  # gradient (numerically) linear along V
        return
    assert 70 < e1 / e2 < 130


def test_hessian_is_symmetric_and_lanczos_agrees_with_dense():
    rng = np.random.default_rng(2)
    d = (3, 4, 2, 3)
    W = dl.random_init(d, rng)
    S = np.diag([3.0, 2.0, 1.0])
    V1 = [rng.standard_normal(w.shape) for w in W]
    V2 = [rng.standard_normal(w.shape) for w in W]
    a = sum(np.sum(x * y) for x, y in zip(hessian_vector_product(W, S, V1), V2))
    b = sum(np.sum(x * y) for x, y in zip(V1, hessian_vector_product(W, S, V2)))
    assert a == pytest.approx(b, rel=1e-12)
    from deeplinear.descent import _lambda_max

    assert _lambda_max(W, S, dense_limit=0) == pytest.approx(_lambda_max(W, S), rel=1e-8)


def test_small_steps_follow_the_flow():
    """Gradient descent with a small step tracks the flow to O(eta) at time eta * steps."""
    rng = np.random.default_rng(3)
    W = dl.random_init((2, 3, 2), rng, 0.7)
    S = np.diag([2.0, 1.0])
    flow = dl.gradient_flow(W, S, (0.0, 1.0), t_eval=[1.0])
    errs = []
    for eta in (1e-2, 5e-3):
        gd = dl.gradient_descent(W, S, eta, int(round(1.0 / eta)), keep_iterates=False)
        errs.append(max(np.abs(a - b).max() for a, b in zip(gd.final_weights, flow.weights[-1])))
    assert errs[0] < 0.05 and 1.7 < errs[0] / errs[1] < 2.3  # first order in eta


def test_adjacency_form_of_descent_keeps_the_block_pattern():
    rng = np.random.default_rng(4)
    d = (2, 3, 3, 2)
    W = dl.random_init(d, rng, 0.5)
    S = np.diag([2.0, 1.0])
    A, E = dl.adjacency(W), dl.target(S, d)
    gd = dl.gradient_descent(W, S, 0.05, 5)
    for _ in range(5):
        A = A - 0.05 * dl.gradient_adjacency(A, E, 3)
    np.testing.assert_allclose(dl.weights_from_adjacency(A, d)[1], gd.final_weights[1], atol=1e-13)
    assert np.all(dl.adjacency_power(A, 4) == 0.0)


def test_convergence_and_divergence_reporting():
    rng = np.random.default_rng(5)
    W = dl.random_init((3, 3, 3), rng, 0.5)
    S = np.diag([3.0, 2.0, 1.0])
    ok = dl.gradient_descent(W, S, 0.05, 5000, tol=1e-12)
    assert ok.converged and not ok.diverged and ok.losses[-1] <= 1e-12
    assert ok.steps == ok.losses.size - 1 == len(ok.weights) - 1
    assert np.all(np.diff(ok.losses) <= 1e-12)  # small step: monotone
    assert ok.conserved_drift[0] == 0.0 and ok.conserved_drift[-1] > 0  # GD does not conserve the C_i
    big = dl.random_init((3, 3, 3), rng, 2.0)
    with pytest.warns(RuntimeWarning, match="diverged"):
        bad = dl.gradient_descent(big, S, 1.0, 100)
    assert bad.diverged and not bad.converged
    assert "eta = 1" in bad.report and "2/lambda_max" in bad.report
    assert bad.stable_step_best is not None and bad.stable_step_best < 1.0
    assert np.all(np.isfinite(bad.losses))
    with pytest.raises(dl.DivergenceError) as info:
        dl.gradient_descent(big, S, 1.0, 100, on_divergence="raise")
    assert info.value.result.diverged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dl.gradient_descent(big, S, 1.0, 100, on_divergence="ignore")
    huge = dl.gradient_descent(big, S, 1e12, 3, on_divergence="ignore")
    assert huge.diverged and np.all(np.isfinite(huge.losses))


def test_bad_inputs():
    W = [np.ones((2, 2)), np.ones((2, 2))]
    S = np.eye(2)
    with pytest.raises(ValueError, match="eta must be positive"):
        dl.gradient_descent(W, S, 0.0, 10)
    with pytest.raises(ValueError, match="eta must be positive"):
        dl.gradient_descent(W, S, -0.1, 10)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        dl.gradient_descent(W, S, 0.1, 0)
    with pytest.raises(TypeError, match="steps must be an integer"):
        dl.gradient_descent(W, S, 0.1, 2.5)
    with pytest.raises(ValueError, match="on_divergence"):
        dl.gradient_descent(W, S, 0.1, 10, on_divergence="explode")
    with pytest.raises(ValueError, match="Sigma has shape"):
        dl.gradient_descent(W, np.eye(3), 0.1, 10)
    with pytest.raises(ValueError, match="eta must be positive"):
        dl.conservation_drift_step(W, S, 0.0)
    with pytest.raises(ValueError, match="V has shapes"):
        hessian_vector_product(W, S, [np.ones((2, 2))])


def test_critical_step_is_two_over_the_balanced_sharpness():
    assert dl.critical_step(1.0, 2) == pytest.approx(1.0)
    assert dl.critical_step(2.0, 3) == pytest.approx(0.26456684199469993)  # digest claim 20
    S = np.diag([3.0, 2.0])
    for h in (2, 3):
        W = dl.balanced_init((2,) * (h + 1), product=S)
        assert dl.critical_step(3.0, h) == pytest.approx(2.0 / dl.sharpness(W, S), rel=1e-10)
        assert dl.critical_step(3.0, h) == pytest.approx(dl.stable_step(W, S), rel=1e-10)
        assert dl.critical_step(S, h) == pytest.approx(dl.critical_step(3.0, h), rel=1e-14)  # largest singular value
    assert dl.critical_step(np.array([[2.0]]), 3) == dl.critical_step(2.0, 3)
    with pytest.raises(ValueError, match="Sigma must be positive"):
        dl.critical_step(-1.0, 2)
    with pytest.raises(ValueError, match="non-zero"):
        dl.critical_step(np.zeros((2, 2)), 2)


def test_nonquadratic_runs_keep_the_conservation_laws():
    runs = dl.nonquadratic_runs(t_max=100.0)
    names = [r.name for r in runs]
    assert any("separable" in n for n in names) and any("Huber" in n for n in names)
    for r in runs:
        assert np.max(r.drift) < 1e-9
    sep = runs[0]
    assert sep.loss[-1] < 1e-2 * sep.loss[0] and sep.product_norm[-1] > 10 * sep.product_norm[0]


def test_status_says_why_descent_stopped():
    W0 = [np.array([[0.5]]), np.array([[0.5]])]
    S = np.array([[1.0]])
    assert dl.gradient_descent(W0, S, 0.1, 500, tol=1e-10).status == "converged"
    assert dl.gradient_descent(W0, S, 0.1, 5).status == "max steps"
    assert dl.gradient_descent(W0, S, 3.0, 50, on_divergence="ignore").status == "diverged"


def test_weight_decay_and_a_loss_object_together():
    # one step of descent on the regularised completion loss is W - eta (grad l + lam W)
    rng = np.random.default_rng(3)
    W = [rng.standard_normal((3, 3)) * 0.5 for _ in range(3)]
    ell = dl.sensing.completion_loss(rng.standard_normal((3, 3)), rng.random((3, 3)) < 0.6)
    eta, lam = 0.01, 0.2
    run = dl.gradient_descent(W, None, eta, 1, end_to_end_loss=ell, weight_decay=lam)
    expected = [w - eta * (g + lam * w) for w, g in zip(W, dl.general_gradient(W, ell))]
    for got, want in zip(run.final_weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    penalty = 0.5 * lam * sum(float(np.sum(w * w)) for w in W)
    assert run.losses[0] == pytest.approx(ell.value(dl.end_to_end(W)) + penalty, rel=1e-13)
