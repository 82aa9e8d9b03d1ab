"""Tests of deeplinear.modes: exact scalar mode dynamics and learning times."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

import deeplinear as dl


def _quad_time(sigma, u0, uf, h):
    f = lambda u: 1.0 / (h * abs(u) ** (2 - 2 / h) * (sigma - u))  # noqa: E731
    return quad(f, u0, uf, epsabs=0, epsrel=1e-13, limit=500)[0]


# --------------------------------------------------------------------------- digest claims


def test_claim_8_logistic_closed_form():
    """sigma = 3, w1 = w2 = 0.1 (u0 = 0.01): u(1) = 1.7230022341, u(0.5) = 0.1888415606 [1e-8]."""
    u = dl.mode_solution([0.5, 1.0], 0.01, 3.0, 2)
    np.testing.assert_allclose(u, [0.1888415606, 1.7230022341], rtol=0, atol=1e-8)
    # and the 2-D system of the two layers gives the same value
    sol = solve_ivp(lambda t, w: [w[1] * (3 - w[0] * w[1]), w[0] * (3 - w[0] * w[1])], (0, 1), [0.1, 0.1],
                    rtol=1e-12, atol=1e-14, method="DOP853")
    assert sol.y[0, -1] * sol.y[1, -1] == pytest.approx(1.7230022341, abs=1e-8)


def test_claim_9_saxe_learning_time():
    assert dl.learning_time(0.01, 0.99 * 3.0, 3.0, 2) == pytest.approx(1.7159272373, abs=1e-8)
    assert dl.learning_time(0.01, 1.5, 3.0, 2) == pytest.approx(0.9500739289, abs=1e-8)
    assert dl.learning_time(0.01, 1.5, 3.0, 2) == pytest.approx(np.log((3 - 0.01) / 0.01) / 6, rel=1e-14)


def test_claim_10_deep_balanced_escape_time():
    """sigma = 2, a0 = 0.1, time to u = sigma / 2: h=3 4.66132754, h=4 24.90455629 [1e-6 against quadrature]."""
    for h, expected, asymptotic in [(3, 4.66132754, 5.0), (4, 24.90455629, 25.0)]:
        t = dl.learning_time(0.1**h, 1.0, 2.0, h)
        assert t == pytest.approx(expected, abs=1e-6)
        assert t == pytest.approx(_quad_time(2.0, 0.1**h, 1.0, h), rel=1e-10)
        assert dl.plateau_time(0.1**h, 2.0, h) == pytest.approx(asymptotic, rel=1e-12)


@pytest.mark.parametrize("h, sigma, predicted", [(2, 1.0, -4.0), (3, 2.0, -15.119), (4, 1.5, -14.697)])
def test_claim_11_local_convergence_rate(h, sigma, predicted):
    """d/dt log L -> -2 h sigma^(2 - 2/h) [1e-3 relative]."""
    assert -2 * h * sigma ** (2 - 2 / h) == pytest.approx(predicted, rel=1e-4)
    t = np.array([5.0, 5.5])
    L = dl.mode_loss(t, 0.5 * sigma, [sigma], h)
    assert np.all(L > 0)
    rate = np.diff(np.log(L))[0] / 0.5
    assert rate == pytest.approx(predicted, rel=1e-3)


def test_claim_23_stable_manifold_of_the_h2_origin():
    """On w1 = -w2 (u < 0): w1^2 = sigma w0^2 e^{-2 sigma t} / (sigma + w0^2 (1 - e^{-2 sigma t}));
    sigma = 1, w0 = 0.5, t = 10: |w1| = 2.0303e-5 [1e-3 relative]."""
    u = dl.mode_solution(10.0, -0.25, 1.0, 2)
    assert np.sqrt(-u) == pytest.approx(2.0303e-5, rel=1e-3)
    e = np.exp(-20.0)
    assert -u == pytest.approx(0.25 * e / (1 + 0.25 * (1 - e)), rel=1e-12)


def test_claim_24_stable_ray_of_the_h3_origin():
    """h = 3, all weights -0.5, sigma = 1: a(T) = -0.0825, -0.00979, -0.000998 at T = 10, 100, 1000,
    close to -1/(2 + sigma T) [5% at T=10, 1e-3 at T=1000]."""
    u = dl.mode_solution([10.0, 100.0, 1000.0], -0.125, 1.0, 3)
    a = -np.cbrt(-u)
    np.testing.assert_allclose(a, [-0.0825, -0.00979, -0.000998], rtol=5e-3)
    approx = -1.0 / (2.0 + np.array([10.0, 100.0, 1000.0]))
    assert abs(a[0] / approx[0] - 1) < 0.05
    assert abs(a[2] / approx[2] - 1) < 1e-3


# --------------------------------------------------------------------------- exactness


@settings(max_examples=40)
@given(st.integers(1, 6), st.floats(0.2, 5.0), st.floats(1e-6, 0.9), st.floats(0.05, 0.95))
def test_learning_time_matches_quadrature(h, sigma, r0, rf):
    u0, uf = r0 * sigma, max(r0, rf) * sigma
    assert dl.learning_time(u0, uf, sigma, h) == pytest.approx(_quad_time(sigma, u0, uf, h), rel=1e-9, abs=1e-12)


@settings(max_examples=40)
@given(st.integers(1, 6), st.floats(0.2, 5.0), st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 1e-3), st.floats(0.0, 20.0))
def test_mode_solution_inverts_the_time_integral(h, sigma, ratio, t):
    """learning_time(u(t)) = t for every regime (0 < u0 < sigma, u0 > sigma, u0 < 0)."""
    u0 = ratio * sigma
    u = float(dl.mode_solution(t, u0, sigma, h))
    lim = sigma if (u0 > 0 or h == 1) else 0.0
    assert (u - u0) * (lim - u0) >= 0  # moves monotonically towards the limit, never past it
    assert (lim - u) * (lim - u0) >= 0
    if u == lim or abs(u - lim) < 1e-9 * sigma:  # at the limit to working precision: time is ill-defined
        return
    assert dl.learning_time(u0, u, sigma, h) == pytest.approx(t, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("h", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("sigma, u0", [(2.0, 1e-3), (1.0, 3.0), (1.0, -0.5), (3.0, 0.5), (0.0, 0.4), (0.0, -0.4)])
def test_mode_solution_matches_the_ode(h, sigma, u0):
    t = np.linspace(0.0, 8.0, 17)
    u = dl.mode_solution(t, u0, sigma, h)
    sol = solve_ivp(lambda s, y: dl.product_rhs(y, sigma, h), (0, 8), [u0], t_eval=t, rtol=1e-13, atol=1e-300, method="DOP853")
    np.testing.assert_allclose(u, sol.y[0], rtol=1e-9, atol=1e-14)


def test_mode_rhs_is_the_per_layer_law():
    a = np.linspace(-1.2, 1.5, 7)
    for h in (1, 2, 3, 4):
        np.testing.assert_allclose(h * a ** (h - 1) * dl.mode_rhs(a, 2.0, h), dl.product_rhs(a**h, 2.0, h), atol=1e-12)


def test_mode_loss_residual_keeps_relative_accuracy():
    """L(t) decays to 1e-100 without hitting a cancellation floor."""
    L = dl.mode_loss([30.0, 40.0], 0.5, [1.0], 2)
    assert 0 < L[1] < 1e-60
    rate = np.log(L[1] / L[0]) / 10.0
    assert rate == pytest.approx(-4.0, rel=1e-6)


# --------------------------------------------------------------------------- edge cases


def test_equilibria_and_limits():
    t = np.array([0.0, 1.0, 100.0])
    np.testing.assert_array_equal(dl.mode_solution(t, 0.0, 2.0, 3), 0.0)
    np.testing.assert_array_equal(dl.mode_solution(t, 2.0, 2.0, 3), 2.0)
    assert float(dl.mode_solution(1e6, 1e-3, 2.0, 3)) == 2.0
    assert float(dl.mode_solution(1e6, 5.0, 2.0, 4)) == 2.0
    assert float(dl.mode_solution(0.0, 0.3, 2.0, 4)) == pytest.approx(0.3, rel=1e-14)
    near = dl.mode_solution(np.linspace(0, 5, 11), 2.0 * (1 - 1e-15), 2.0, 3)
    assert np.all(np.diff(near) >= 0) and np.all(near <= 2.0)
    assert dl.learning_time(0.5, 2.0, 2.0, 3) == np.inf
    assert dl.learning_time(0.5, 0.5, 2.0, 3) == 0.0
    assert dl.learning_time(0.0, 0.0, 2.0, 3) == 0.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="not reached from u0"):
        dl.learning_time(0.5, 2.5, 2.0, 3)
    with pytest.raises(ValueError, match="not reached from u0"):
        dl.learning_time(-0.5, 0.1, 2.0, 3)
    with pytest.raises(ValueError, match="equilibrium"):
        dl.learning_time(0.0, 0.1, 2.0, 2)
    with pytest.raises(ValueError, match="equilibrium"):
        dl.learning_time(2.0, 1.0, 2.0, 4)
    with pytest.raises(ValueError, match="t must be >= 0"):
        dl.mode_solution(-1.0, 0.1, 2.0, 2)
    with pytest.raises(ValueError, match="finite"):
        dl.mode_solution([0.0, np.nan], 0.1, 2.0, 2)
    with pytest.raises(ValueError, match="sigma must be non-negative"):
        dl.mode_solution(1.0, 0.1, -2.0, 2)
    with pytest.raises(ValueError, match="depth"):
        dl.mode_solution(1.0, 0.1, 2.0, 0)
    with pytest.raises(ValueError, match="u0"):
        dl.mode_solution(1.0, np.inf, 2.0, 2)
    with pytest.raises(ValueError, match="no plateau"):
        dl.plateau_time(0.1, 2.0, 1)
    with pytest.raises(ValueError, match="0 < u0 < sigma"):
        dl.plateau_time(3.0, 2.0, 3)
    with pytest.raises(ValueError, match="not reached"):
        dl.unbalanced_learning_time(0.1, 1.5, 1.0, 0.5)


# --------------------------------------------------------------------------- Huber loss, learnt rank, unbalanced starts


@pytest.mark.parametrize("delta", [0.5, 1.5, 2.9, 10.0])
def test_huber_half_time_matches_the_integrated_network(delta):
    sigma, a0 = 3.0, 1e-3
    S = np.diag([sigma])
    W0 = dl.aligned_init((1, 1, 1), a0)
    predicted = dl.huber_mode_half_time(a0**2, sigma, delta)
    t = np.linspace(0.0, 1.5 * predicted, 6001)
    tr = dl.gradient_flow(W0, None, (0.0, t[-1]), t_eval=t, end_to_end_loss=dl.huber(S, delta=delta))
    u = tr.end_to_end[:, 0, 0]
    j = int(np.argmax(u >= sigma / 2))
    measured = t[j - 1] + (sigma / 2 - u[j - 1]) * (t[j] - t[j - 1]) / (u[j] - u[j - 1])
    assert measured == pytest.approx(predicted, rel=1e-5)


def test_huber_half_time_regimes():
    # small delta: every mode climbs at rate 2 delta, so larger sigma takes longer
    assert dl.huber_mode_half_time(1e-6, 3.0, 0.5) > dl.huber_mode_half_time(1e-6, 1.0, 0.5)
    # huge delta: the logistic half-time of the quadratic loss
    assert dl.huber_mode_half_time(1e-6, 3.0, 100.0) == pytest.approx(np.log((3 - 1e-6) / 1e-6) / 6)
    # continuous across the regime boundaries delta = sigma / 2 and delta = sigma - u0
    f = dl.huber_mode_half_time
    assert f(1e-3, 2.0, 1.0 - 1e-12) == pytest.approx(f(1e-3, 2.0, 1.0 + 1e-12), rel=1e-9)
    assert f(1e-3, 2.0, 2.0 - 1e-3 - 1e-12) == pytest.approx(f(1e-3, 2.0, 2.0 - 1e-3 + 1e-12), rel=1e-9)
    with pytest.raises(ValueError, match="below sigma / 2"):
        f(0.6, 1.0, 0.5)


def test_learnt_rank_counts_the_modes_past_the_fraction():
    assert dl.learnt_rank(np.diag([3.0, 0.9, 0.0]), [1.0, 2.0, 3.0]) == 1
    assert dl.learnt_rank(np.diag([3.0, 1.0, 0.5]), [3.0, 2.0, 1.0]) == 3
    assert dl.learnt_rank(np.diag([3.0, 1.0, 0.5]), [3.0, 2.0, 1.0], fraction=1.0) == 1
    # a stack of maps: the aligned flow learns one mode at each half-time
    sigma, u0 = np.array([3.0, 2.0, 1.0]), 1e-4
    half = [dl.learning_time(u0, s / 2, s, 2) for s in sigma]
    t = np.array([0.5 * half[0], 0.5 * (half[0] + half[1]), 0.5 * (half[1] + half[2]), 2 * half[2]])
    P = np.stack([np.diag([dl.mode_solution(tk, u0, s, 2) for s in sigma]) for tk in t])
    assert dl.learnt_rank(P, sigma).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="fraction"):
        dl.learnt_rank(np.eye(2), [1.0, 1.0], fraction=2.0)
    with pytest.raises(ValueError, match="positive"):
        dl.learnt_rank(np.eye(2), [1.0, 0.0])
    with pytest.raises(ValueError, match="only 2"):
        dl.learnt_rank(np.eye(2), [3.0, 2.0, 1.0])
