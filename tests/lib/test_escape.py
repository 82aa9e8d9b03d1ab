"""Tests of deeplinear.escape: flows from a saddle, samples of its stable set, escape directions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl


S32 = np.diag([3.0, 2.0])


SIGMA = np.diag([3.0, 2.0, 1.0])  # the running target of the chapter on stable and unstable sets


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


def test_flow_from_saddle_stops_at_the_critical_points_its_flows_reach():
    # issue 13: on a stable ray the flow converges to the saddle, where the default stop (the
    # global minimum) never fires: a huge t_span ran to max_steps
    f = dl.flow_from_saddle((1,), SIGMA, (3, 3, 3), "stable", 0.1, (0.0, 1e9))
    assert f.on.status == "converged" and f.on.t_stop < 50.0 and "saddle" in f.on.message
    value = {S: dl.critical_point(S, SIGMA, (3, 3, 3)).value for S in ((1,), (1, 2))}  # 2.5 and 0.5
    assert abs(f.on.loss[-1] - value[(1,)]) < 1e-12 and "loss 2.5," in f.on.message
    assert f.t[-1] == f.on.t_stop and f.amplitudes_on.shape == (f.t.size, 2) and f.law.shape == f.t.shape
    # off the ray, and on an unstable ray, the flow learns mode 2 and stops at the next saddle
    # (mode 3 is zero and stays zero)
    u = dl.flow_from_saddle((1,), SIGMA, (3, 3, 3), "unstable", 0.1, (0.0, 1e9))
    for tr in (f.off_trajectory, u.on, u.off_trajectory):
        assert tr.status == "converged" and "saddle" in tr.message and abs(tr.loss[-1] - value[(1, 2)]) < 1e-12
    # where no mode is left, the flow off the ray stops at the global minimum and says so
    g = dl.flow_from_saddle((1,), np.diag([2.0, 1.0]), (2, 2, 2), "stable", 0.5, (0.0, 1e9))
    assert g.off_trajectory.status == "converged" and g.off_trajectory.loss[-1] < 1e-20
    assert "saddle" not in g.off_trajectory.message and "global minimum" in g.off_trajectory.message


def test_flow_from_saddle_passes_the_integrator_through():
    args = ((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3), "stable", 0.5, (0.0, 50.0))
    lsoda = dl.flow_from_saddle(*args, method="LSODA", t_eval=np.linspace(0.0, 50.0, 6))
    dop = dl.flow_from_saddle(*args, t_eval=np.linspace(0.0, 50.0, 6))
    assert lsoda.on.nfev != dop.on.nfev  # a different integrator ran
    np.testing.assert_allclose(lsoda.amplitudes_on, dop.amplitudes_on, atol=1e-6)


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


def test_saddle_sample_flows_names_a_failed_flow_and_flow_from_saddle_a_bad_direction():
    # issue 13: LSODA fails on an astronomically long span, and the ragged distances gave numpy's
    # "inhomogeneous shape"; a direction of None raised "not iterable"
    with pytest.raises(dl.ConvergenceError, match="smaller t_max"):
        dl.saddle_sample_flows((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), n=2, t_max=1e200, n_times=5)
    for bad in (None, 1):
        with pytest.raises(TypeError, match="direction"):
            dl.flow_from_saddle((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), direction=bad, eps=0.1, t_span=(0.0, 1.0))
