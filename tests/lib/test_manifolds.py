"""Tests of deeplinear.manifolds: the stable and unstable sets of a saddle and the escape law."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl

S32 = np.diag([3.0, 2.0])


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


def test_saddle_escape_law_validates_its_arguments():
    # issue 13: t or a0 of the wrong type reached numpy (its nan and inf are documented)
    for bad in (None, "abc", 1j, [0.1]):
        with pytest.raises((TypeError, ValueError), match="a0"):
            dl.saddle_escape_law([0.0, 1.0], bad, 2.0, 2)
    with pytest.raises((TypeError, ValueError), match="t"):
        dl.saddle_escape_law("abc", 0.1, 2.0, 2)
    assert dl.saddle_escape_law([0.0, 1.0], 0.1, 1e200, 2)[1] == np.inf  # documented: beyond the float range
    out = dl.saddle_escape_law([0.0, 1.0, 10.0], 0.1, 2.0, 3)  # nan past the blow-up at t = 5: documented
    assert np.isnan(out[2]) and out[1] == pytest.approx(1 / (10 - 2))
