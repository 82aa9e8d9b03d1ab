"""Tests of deeplinear/curves.py: plateaus and periods of sampled curves."""

import numpy as np
import pytest

import deeplinear as dl


def staircase(t, levels, switch, rate):
    L = np.full_like(t, float(levels[-1]))
    for a, b, ts in zip(levels[:-1], levels[1:], switch):
        L = L + (a - b) / (1.0 + np.exp(rate * (t - ts)))
    return L


def test_plateau_levels_reads_a_staircase():
    t = np.linspace(0.0, 30.0, 3001)
    L = staircase(t, [5.0, 2.0, 0.5], [8.0, 18.0], 3.0)
    assert dl.plateau_levels(t, L, 0.2) == pytest.approx([5.0, 2.0, 0.5], rel=1e-3)
    # a loss decaying to rounding level is not a plateau; a higher threshold merges nothing new
    L0 = np.where(t < 10, 3.0, 3.0 * np.exp(-5.0 * (t - 10)))
    assert dl.plateau_levels(t, L0, 0.2) == pytest.approx([3.0])
    assert dl.plateau_levels(t, np.exp(-t), 0.2) == []


def test_plateau_levels_on_the_incremental_flow():
    run = dl.incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0)
    levels = dl.plateau_levels(run.t, run.loss, 0.5)
    assert len(levels) == 3
    assert levels[0] == pytest.approx(7.0, rel=1e-2)
    assert levels[2] == pytest.approx(0.5, rel=5e-2)


def test_plateau_levels_validates():
    with pytest.raises(ValueError, match="same length"):
        dl.plateau_levels([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="increasing"):
        dl.plateau_levels([0.0, 0.0, 1.0], [1.0, 1.0, 1.0])


def test_orbit_period():
    assert dl.orbit_period(np.full(10, 2.0)) == 1
    assert dl.orbit_period(np.tile([1.0, 2.0], 8)) == 2
    assert dl.orbit_period(np.tile([1.0, 2.0, 1.0, 3.0], 8)) == 4
    assert dl.orbit_period(np.tile([1.0, 2.0], 8), max_period=1) == 0
    assert dl.orbit_period(np.arange(20.0)) == 0
    assert dl.orbit_period([1.0, 1.0 + 1e-3] * 8, tol=1e-2) == 1


def test_plateau_dwell():
    t = np.linspace(0.0, 10.0, 1001)
    L = np.where(t < 4.0, 1.0, 0.0)
    assert dl.plateau_dwell(t, L, 1.0, 0.1) == pytest.approx(3.99, abs=0.011)
    with pytest.raises(ValueError, match="same length"):
        dl.plateau_dwell(t, L[:-1], 1.0)


def test_zero_crossings_interpolate_between_samples():
    t = np.linspace(0.0, 2 * np.pi, 2001)
    np.testing.assert_allclose(dl.zero_crossings(t, np.sin(t - 0.3)), [0.3, 0.3 + np.pi], atol=1e-6)
    assert dl.zero_crossings(t, np.ones_like(t)).size == 0
    with pytest.raises(ValueError, match="same length"):
        dl.zero_crossings(t, t[:-1])
    with pytest.raises(ValueError, match="finite"):
        dl.zero_crossings([0.0, 1.0], [1.0, np.nan])
