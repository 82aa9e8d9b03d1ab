"""Tests of deeplinear.rays: fates of sign rays and flows off a stable ray."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl


SIGMA = np.diag([3.0, 2.0, 1.0])  # the running target of the chapter on stable and unstable sets


@pytest.mark.parametrize("h", [2, 3, 4])
def test_ray_fates_follow_the_sign_of_the_product(h):
    f = dl.ray_fates((1,), SIGMA, (3,) * (h + 1))
    assert f.mode == 2 and f.sigma == 2.0 and f.signs.shape == (2**h, h)
    assert f.agrees
    assert int(np.sum(f.returned)) == 2 ** (h - 1)
    assert np.array_equal(f.returned, np.prod(f.signs, axis=1) < 0)
    assert f.spread < 1e-12  # every ray is invariant: all |w_i| stay equal
    balanced_negative = np.all(f.signs == -1, axis=1)
    assert bool(f.returned[balanced_negative][0]) == (h % 2 == 1)  # the balanced line: odd h only
    assert "product sign opposite sigma: True" in repr(f)


def test_ray_fates_at_the_origin_and_validation():
    f = dl.ray_fates((), np.array([[1.5]]), (1, 1, 1, 1), eps=0.3, t_max=5.0)
    assert f.mode == 1 and f.agrees and f.depth == 3
    with pytest.raises(ValueError, match="learnt"):
        dl.ray_fates((1,), SIGMA, (3, 3, 3), mode=1)
    with pytest.raises(ValueError, match="eps"):
        dl.ray_fates((1,), SIGMA, (3, 3, 3), eps=0.0)


def test_off_ray_turn_time_closed_forms():
    c, s, a0 = 1e-6, 2.0, 0.5
    assert dl.off_ray_turn_time(a0, s, c, 2) == pytest.approx(math.asinh(a0 / math.sqrt(c)) / s)
    assert dl.off_ray_turn_time(a0, s, c, 3) == pytest.approx(math.atan(a0 / math.sqrt(c)) / (s * math.sqrt(c)))
    assert dl.off_ray_turn_time(1e6, s, c, 4) == pytest.approx(1 / (s * c), rel=1e-9)
    # the general limit sqrt(pi) Gamma((h-2)/2) / (2 Gamma((h-1)/2)) c^{-(h-2)/2} / sigma
    h = 6
    lim = math.sqrt(math.pi) * math.gamma((h - 2) / 2) / (2 * math.gamma((h - 1) / 2)) * c ** (-(h - 2) / 2) / s
    assert dl.off_ray_turn_time(1e9, s, c, h) == pytest.approx(lim, rel=1e-9)
    from scipy.integrate import quad

    val, _ = quad(lambda x: 1 / (x * x + 1e-2) ** 2, 0, 0.3)
    assert dl.off_ray_turn_time(0.3, 1.0, 1e-2, 5) == pytest.approx(val, rel=1e-9)
    for c in (0.0, -1e-3, -1e200):  # no turn: on the ray (t -> inf) or never (issue 13: was a silent inf)
        with pytest.raises(ValueError, match="c must be positive"):
            dl.off_ray_turn_time(0.5, 1.0, c, 3)
    with pytest.raises(ValueError, match="h >= 2"):
        dl.off_ray_turn_time(0.5, 1.0, 1e-3, 1)


@pytest.mark.parametrize("h", [2, 3, 4])
def test_off_ray_flow_turns_at_the_predicted_time(h):
    fl = dl.off_ray_flow((1,), SIGMA, (3,) * (h + 1), off=1e-4, t_max=2e4, n_times=161)
    assert fl.imbalance == pytest.approx(2 * 0.5 * 1e-4, rel=1e-3)
    assert fl.closest_approach == pytest.approx(math.sqrt(fl.imbalance), rel=0.1)  # sampled in time
    assert fl.crossing_time == pytest.approx(fl.predicted_turn, rel=0.03)
    assert fl.crossing_time <= fl.predicted_turn  # sigma - p > sigma on the way in
    # on the ray back to the saddle (value 2.5); off it, mode 2 is learnt: on to the next saddle, S = {1, 2}
    assert fl.loss_on[-1] == pytest.approx(2.5, abs=1e-3) and fl.loss_off[-1] == pytest.approx(0.5, abs=1e-6)
    assert np.all(np.prod(fl.amplitudes_on, axis=1) <= 0)  # the ray: product opposite sigma
    assert "crosses 0" in repr(fl)


def test_off_ray_flow_reuses_the_trajectory_on_the_ray():
    a = dl.off_ray_flow((), SIGMA, (3, 3, 3, 3), off=1e-3, t_max=50.0, n_times=21)
    b = dl.off_ray_flow((), SIGMA, (3, 3, 3, 3), off=1e-2, t_max=50.0, n_times=21)
    assert a.amplitudes_on is b.amplitudes_on
    assert not np.allclose(a.amplitudes_off, b.amplitudes_off)
    with pytest.raises(ValueError, match="smaller than eps"):
        dl.off_ray_flow((), SIGMA, (3, 3, 3), off=0.6)
    zero = dl.off_ray_flow((), SIGMA, (3, 3, 3), off=0.0, t_max=5.0, n_times=11)
    assert zero.imbalance == 0.0 and zero.predicted_turn == math.inf and math.isnan(zero.crossing_time)
