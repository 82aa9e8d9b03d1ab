"""Tests of deeplinear.escape: stable and unstable sets, flows from a saddle, escape times."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl


S32 = np.diag([3.0, 2.0])


SIGMA = np.diag([3.0, 2.0, 1.0])  # the running target of the chapter on stable and unstable sets


def test_saddle_manifolds_rays_and_rates():
    Sigma = np.diag([3.0, 2.0, 1.0])
    man = dl.saddle_manifolds((1,), Sigma, (3, 3, 3, 3))
    assert (man.stable_dimension, man.unstable_dimension) == (3, 2)
    m1, m2, m3 = man.modes
    assert m1.learnt and m1.linear_rates[0] == pytest.approx(-3 * 3 ** (4 / 3))
    for m in (m2, m3):
        assert not m.learnt and m.available and m.linear_rates == (0.0,)
        assert len(m.stable_rays) == len(m.unstable_rays) == 4
        assert all(math.prod(s) < 0 for s in m.stable_rays) and (-1, -1, -1) in m.stable_rays
    # the rays are invariant: the flow's velocity at a ray point is along the ray
    W = man.ray_point(2, (1, 1, -1), 0.3)  # a stable ray (product of signs -1)
    g = dl.gradient(W, Sigma)
    E = man.mode_direction(2)
    for gi, Wi, Ei, s in zip(g, W, E, (1, 1, -1)):
        np.testing.assert_allclose(-gi, np.sum(-gi * Ei) * Ei, atol=1e-14)  # moves only the mode entry
        np.testing.assert_allclose(np.sum(-gi * Ei) * s, -(0.3**2) * (2 + 0.3**3), rtol=1e-12)  # d|a|/dt < 0
    np.testing.assert_allclose(man.mode_amplitudes(2, W), [0.3, 0.3, -0.3])
    assert "unstable rays" in repr(man)
    # every sampled point on a stable ray has the saddle's loss to first order and flows back
    for signs, P in man.ray_points(3, 0.2):
        assert math.prod(signs) < 0
        v = -np.array([np.sum(g * e) for g, e in zip(dl.gradient(P, Sigma), man.mode_direction(3))])
        assert np.all(v * np.array(signs) < 0)  # every |w_i| decreases
    for signs, P in man.ray_points(3, 0.2, stable=False):
        v = -np.array([np.sum(g * e) for g, e in zip(dl.gradient(P, Sigma), man.mode_direction(3))])
        assert np.all(v * np.array(signs) > 0)  # every |w_i| grows
    with pytest.raises(ValueError, match="learnt"):
        man.ray_points(1, 0.2)


def test_saddle_manifolds_h2_hyperbolic_rates_match_the_hessian():
    man = dl.saddle_manifolds((), np.array([[2.0]]), (1, 1, 1))
    m = man.modes[0]
    assert m.linear_rates == (2.0, -2.0)
    H = dl.hessian(man.point.weights, np.array([[2.0]]))
    up, down = np.array([1.0, 1.0]) / math.sqrt(2), np.array([1.0, -1.0]) / math.sqrt(2)
    assert -up @ H @ up == pytest.approx(2.0) and -down @ H @ down == pytest.approx(-2.0)  # flow Jacobian = -H
    assert m.stable_rays == ((1, -1), (-1, 1))
    assert (man.hessian_inertia.negative, man.hessian_inertia.positive) == (1, 1)


def test_saddle_manifolds_no_room_for_unlearnt_mode():
    man = dl.saddle_manifolds((2,), S32, (2, 1, 2))
    assert not man.modes[0].available and man.unstable_dimension == 0
    with pytest.raises(ValueError, match="free hidden coordinate"):
        man.mode_direction(1)
    with pytest.raises(ValueError, match="no unlearnt mode"):
        dl.flow_from_saddle((2,), S32, (2, 1, 2))


def test_claim23_stable_line_of_the_h2_origin():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1), "stable", 0.5, (0, 10), t_eval=np.linspace(0, 10, 11))
    assert fl.signs == (-1, 1) and fl.predicted == "stable"
    w0, s, t = 0.5, 1.0, fl.t
    exact = np.sqrt(s * w0**2 * np.exp(-2 * s * t) / (s + w0**2 * (1 - np.exp(-2 * s * t))))
    np.testing.assert_allclose(np.abs(fl.amplitudes_on[:, 0]), exact, rtol=1e-6)
    assert abs(fl.amplitudes_on[-1, 0]) == pytest.approx(2.0303e-5, rel=1e-3)
    np.testing.assert_allclose(fl.amplitudes_on[:, 0], -fl.amplitudes_on[:, 1])  # stays on w1 = -w2
    # 1e-6 off the line: escapes (exponentially, rate sigma) and does not return
    assert np.abs(fl.amplitudes_off[-1]).min() > 1e-2
    np.testing.assert_allclose(fl.law, 0.5 * np.exp(-t))  # leading order, |a0| e^{-sigma t}
    assert exact[-1] / fl.law[-1] == pytest.approx(1 / math.sqrt(1 + w0**2), rel=1e-6)


def test_claim23_off_line_escape_is_exponential():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1), "unstable", 1e-4, (0, 6), t_eval=np.linspace(0, 6, 7))
    assert fl.predicted == "unstable"
    np.testing.assert_allclose(fl.amplitudes_on[:, 0], fl.law, rtol=1e-3)  # a0 e^{sigma t} while a << 1


def test_claim24_stable_ray_of_the_h3_origin_is_algebraic():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1, 1), "stable", 0.5, (0, 1000), t_eval=[0, 10, 100, 1000], off=1e-3)
    a = fl.amplitudes_on[:, 0]
    np.testing.assert_allclose(a[1:], [-0.0825, -0.00979, -0.000998], rtol=5e-3)
    T = fl.t[1:]
    assert abs(a[1] / (-1 / (2 + T[0])) - 1) < 0.05 and abs(a[3] / (-1 / (2 + T[2])) - 1) < 1e-3
    np.testing.assert_allclose(np.abs(a), fl.law, rtol=0.05)  # |a|^{-1} ~ |a0|^{-1} + (h-2) sigma t
    assert fl.manifolds.modes[0].linear_rates == (0.0,)  # zero linearisation: the Hessian says nothing
    # off the ray (imbalance 1e-3): leaves the origin and reaches a global minimum
    assert fl.off_trajectory.loss[-1] < 1e-10


def test_stable_ray_of_a_rank_one_saddle_h2_returns_to_it():
    fl = dl.flow_from_saddle((1,), S32, (2, 2, 2), "stable", 0.3, (0, 20), t_eval=[0, 8, 20])
    assert fl.mode == 2 and fl.signs == (-1, 1)
    assert abs(fl.amplitudes_on[1]).max() < 1e-6  # back at the saddle: exponential, rate sigma_2
    assert fl.on.loss[-1] == pytest.approx(2.0, abs=1e-10)
    assert fl.off_trajectory.loss[-1] < 1e-6  # off the line: on to the global minimum


def test_unstable_ray_h3_escape_law():
    fl = dl.flow_from_saddle((1,), S32, (2, 2, 2, 2), "unstable", 0.05, (0, 3), t_eval=np.linspace(0, 3, 7))
    a = fl.amplitudes_on[:, 0]
    np.testing.assert_allclose(a, fl.law, rtol=2e-3)  # a^{-1} = a0^{-1} - sigma_2 t while a^3 << sigma_2
    assert fl.mode == 2 and np.all(np.diff(a) > 0)
    # the chain's learnt mode stays put on the way
    assert fl.on.loss[-1] < fl.on.loss[0]


def test_saddle_escape_law_values():
    t = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(dl.saddle_escape_law(t, 0.1, 1.0, 2), 0.1 * np.exp(t))
    np.testing.assert_allclose(dl.saddle_escape_law(t, 0.1, 1.0, 2, stable=True), 0.1 * np.exp(-t))
    np.testing.assert_allclose(dl.saddle_escape_law(t, 0.5, 2.0, 3, stable=True), 1 / (2 + 2 * t))
    out = dl.saddle_escape_law(np.array([0.0, 1.0, 2.0, 3.0]), 0.5, 1.0, 4)
    np.testing.assert_allclose(out[:2], [0.5, 1 / math.sqrt(2)])
    assert np.isnan(out[2]) and np.isnan(out[3])  # blow-up of the leading-order law at t* = 2


def test_saddle_manifolds_count_unlearnt_modes_that_fit_together():
    # widths (3, 2, 2, 3), S = {1}: one free hidden coordinate per layer, which mode 2 or
    # mode 3 can use, but not both at once, so one unlearnt direction, not two.
    sm = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 2, 2, 3))
    assert (sm.stable_dimension, sm.unstable_dimension) == (2, 1)
    wide = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    assert (wide.stable_dimension, wide.unstable_dimension) == (3, 2)


def test_flow_from_saddle_passes_the_integrator_through():
    args = ((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3), "stable", 0.5, (0.0, 50.0))
    lsoda = dl.flow_from_saddle(*args, method="LSODA", t_eval=np.linspace(0.0, 50.0, 6))
    dop = dl.flow_from_saddle(*args, t_eval=np.linspace(0.0, 50.0, 6))
    assert lsoda.on.nfev != dop.on.nfev  # a different integrator ran
    np.testing.assert_allclose(lsoda.amplitudes_on, dop.amplitudes_on, atol=1e-6)


def test_stabilizer_rotations_fix_the_saddle():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 4, 3, 3))
    Ts = dl.stabilizer_rotations(man, np.random.default_rng(1))
    assert [T.shape for T in Ts] == [(4, 4), (3, 3)]
    for T in Ts:
        np.testing.assert_allclose(T.T @ T, np.eye(T.shape[0]), atol=1e-14)
    for a, b in zip(dl.gl_action(man.point.weights, Ts), man.point.weights):
        np.testing.assert_allclose(a, b, atol=1e-14)
    with pytest.raises(TypeError, match="SaddleManifolds"):
        dl.stabilizer_rotations("no", np.random.default_rng(0))


def test_saddle_samples_are_balanced_and_return():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3, 3))
    rng = np.random.default_rng(0)
    for W in dl.saddle_samples(man, rng, 3):
        assert max(np.abs(C).max() for C in dl.conserved_quantities(W)) < 1e-13  # stable sets lie in C = C(A_S) = 0
        assert dl.loss(W, SIGMA) > 2.5  # products opposite sigma: the loss is above the saddle value
    fl = dl.saddle_sample_flows((1,), SIGMA, (3, 3, 3, 3), n=3, t_max=200.0, n_times=31)
    assert np.all(fl.stable_distances[:, -1] < 0.02)
    assert np.all(np.diff(fl.stable_distances[:, 5:], axis=1) < 0)
    assert np.all(fl.unstable_distances[:, -1] > 1.0)
    assert np.all(fl.unstable_losses[:, -1] < 2.5 - 1e-3)
    with pytest.raises(ValueError, match="amplitude"):
        dl.saddle_samples(man, rng, 2, amplitude=(0.3, 0.1))
    full = dl.saddle_manifolds((1, 2, 3), SIGMA, (3, 3, 3))
    with pytest.raises(ValueError, match="no unlearnt mode"):
        dl.saddle_samples(full, rng, 1)


def test_escape_direction_span_h2_is_the_negative_eigenspace():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.negative == span.rank == 4
    assert span.angle_to_negative_space < 1e-8
    assert span.rayleigh == (-2.0, -1.0)


def test_escape_direction_span_h3_fills_the_unexplained_null_space():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.negative == 0 and span.rayleigh == (0.0,)
    assert span.null_residual < 1e-12
    assert (span.rank, span.orbit_dim, span.rank_with_orbit) == (12, 10, 22)
    assert span.rank_with_orbit == span.hessian_inertia.zero
    assert math.isnan(span.angle_to_negative_space)
    assert "span 12 dimensions" in repr(span)


# --------------------------------------------------------------------------- escape times


@pytest.fixture(scope="module")
def escape():
    return dl.saddle_escape_times(eps=(0.1, 0.03), seeds=(0, 1, 2))


def test_the_two_saddles(escape):
    assert escape.kinds == {"non-strict": "non-strict saddle", "strict": "strict saddle"}
    assert escape.value == pytest.approx(2.0) and escape.threshold == pytest.approx(1.0)
    assert escape.lambda_min["strict"] == pytest.approx(-2.0, abs=1e-8)
    assert abs(escape.lambda_min["non-strict"]) < 1e-9
    for W in escape.points.values():
        assert dl.loss(W, escape.Sigma) == pytest.approx(2.0)
        assert dl.is_critical(W, escape.Sigma)


def test_non_strict_escape_is_algebraic_strict_is_logarithmic(escape):
    ns, st = escape.times["non-strict"], escape.times["strict"]
    assert np.all(np.isfinite(ns)) and np.all(np.isfinite(st))
    assert np.all(ns > 5 * st)
    # time x eps is about constant for the non-strict saddle (slope -1) ...
    assert escape.slope("non-strict") == pytest.approx(-1.0, abs=0.1)
    # ... and the strict one gains ln(factor) / |lambda_min| per factor in eps
    gain = np.median(st[1] - st[0])
    assert gain == pytest.approx(np.log(0.1 / 0.03) / 2.0, rel=0.1)


def test_lsoda_and_the_default_integrator_agree():
    S = np.diag([3.0, 2.0])
    W = [np.array(w) for w in dl.critical_point((1,), S, (2, 2, 2, 2)).weights]
    rng = np.random.default_rng(0)
    Z = [rng.standard_normal(w.shape) for w in W]
    nz = np.sqrt(sum(float(np.sum(z * z)) for z in Z))
    W0 = [w + 0.1 * z / nz for w, z in zip(W, Z)]
    ev = dl.trajectory.Event("escape", lambda t, Ws: dl.loss(Ws, S) - 1.0, terminal=True, direction=-1.0)
    slow = dl.gradient_flow(W0, S, (0.0, 1e3), events=[ev]).events["escape"][0]
    res = dl.saddle_escape_times(eps=(0.1,), seeds=(0,))
    assert res.times["non-strict"][0, 0] == pytest.approx(slow, rel=1e-6)


@pytest.mark.parametrize("h, a", [(3, 1.0), (3, 0.5), (4, 0.5)])
def test_blowup_time_of_an_aligned_start(h, a):
    S = np.diag([3.0, 2.0])
    W0 = dl.aligned_init((2,) * (h + 1), a)
    tau = dl.escape_phase_blowup_time(W0, S)
    assert tau == pytest.approx(1.0 / ((h - 2) * 3.0 * a ** (h - 2)), rel=1e-4)


def test_blowup_time_scales_like_s_to_the_2_minus_h():
    S = np.diag([3.0, 2.0, 1.0])
    Z = dl.random_init((3, 3, 3, 3, 3), np.random.default_rng(1), 1.0)
    tau = dl.escape_phase_blowup_time(Z, S)
    assert dl.escape_phase_blowup_time([0.5 * z for z in Z], S) == pytest.approx(4 * tau, rel=1e-4)
    with pytest.raises(ValueError, match="h >= 3"):
        dl.escape_phase_blowup_time(dl.random_init((3, 3, 3), np.random.default_rng(0)), S)
