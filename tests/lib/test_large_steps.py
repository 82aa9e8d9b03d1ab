"""Tests of deeplinear.large_steps: thresholds, drift, sharpness selection and orbits of descent with finite steps."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplinear as dl
from deeplinear.curvature import hessian_vector_product
from deeplinear.descent import hessian_lambda_max


def test_threshold_runs_converge_below_and_not_above():
    runs = dl.threshold_runs(np.diag([2.0, 1.0]), 3, ratios=(0.9, 1.1), steps=800)
    below, above = runs
    assert below.final_loss < 1e-20
    assert above.final_loss > 1e-3 and not above.diverged
    with pytest.raises(ValueError, match="square"):
        dl.threshold_runs(np.zeros((2, 3)), 2)


def test_drift_scaling_is_second_order_per_step_and_first_order_per_run():
    W0 = dl.random_init((2, 3, 3, 2), np.random.default_rng(0), 0.5)
    etas = np.array([0.01, 0.02, 0.04])
    sc = dl.drift_scaling(W0, np.diag([2.0, 1.0]), etas, time=30.0)
    assert np.allclose(sc.one_step, sc.predicted, rtol=1e-9)
    assert np.allclose(sc.one_step / etas**2, sc.one_step[0] / etas[0] ** 2, rtol=1e-9)  # exactly eta^2
    ratio = sc.total / etas
    assert np.all(np.abs(ratio / ratio[0] - 1) < 0.05)  # close to linear in eta
    with pytest.raises(ValueError, match="h >= 2"):
        dl.drift_scaling([np.eye(2)], np.eye(2), [0.1])


def test_sharpness_selection_ends_below_the_stability_limit():
    S = np.diag([2.0, 1.0])
    W0 = dl.random_init((2, 2, 2), np.random.default_rng(3), 0.3)
    W0[0] = 4 * W0[0]
    sel = dl.sharpness_selection(W0, S, [0.02, 0.12, 0.18], steps=3000)
    assert np.all(sel.converged)
    assert np.all(sel.sharpness < 2 / sel.etas)
    assert np.all(sel.sharpness >= sel.balanced_sharpness - 1e-6)  # balanced minima are the flattest
    assert sel.sharpness[-1] < 0.5 * sel.flow_sharpness and sel.imbalance[-1] < 0.2 * sel.flow_imbalance
    assert sel.flow_imbalance == pytest.approx(sel.initial_imbalance, rel=1e-6)  # the flow conserves it


@pytest.fixture(scope="module")
def scalar_orbits():
    return dl.descent_orbits([np.array([[0.1]]), np.array([[0.12]])], np.array([[1.0]]), (0.95, 1.1, 1.26, 1.45))


def test_period_doubling_of_the_scalar_network(scalar_orbits):
    o = scalar_orbits
    assert o.eta_star == pytest.approx(1.0)
    assert o.periods.tolist()[:3] == [1, 2, 4]
    assert o.periods[3] == 0  # no period up to 32: the chaotic regime
    assert np.allclose(o.values[0], 1.0)
    # on an orbit the residual stays away from 0, so the imbalance contracts to zero
    assert np.all(o.imbalance[1:] < 1e-8) and o.imbalance[0] > 1e-6
    # a period-2 orbit straddles the minimum
    lo, hi = np.unique(np.round(o.values[1], 6))
    assert lo < 1.0 < hi
    assert o.first_ratio_with_period(2) == pytest.approx(1.1)


def test_descent_orbits_marks_divergence():
    o = dl.descent_orbits([np.array([[0.1]]), np.array([[0.12]])], np.array([[1.0]]), (3.0,), steps=200)
    assert o.periods.tolist() == [-1] and np.all(np.isnan(o.values[0]))


def test_studies_validate_their_step_lists_and_name_overflow():
    # issue 13: None or junk step lists raised Python's "not iterable", a huge Sigma or start gave
    # silent inf/NaN, a non-numeric time a TypeError from numpy, and tol = 0 NaN sharpness everywhere
    W0 = [np.array([[1.5]]), np.array([[0.3]])]
    one = np.array([[1.0]])
    for bad in (None, object(), [], [0.1, -0.1]):
        with pytest.raises((TypeError, ValueError), match="ratios"):
            dl.threshold_runs(one, 2, ratios=bad, steps=10)
        with pytest.raises((TypeError, ValueError), match="ratios"):
            dl.descent_orbits(W0, one, bad, steps=10, keep=4)
        with pytest.raises((TypeError, ValueError), match="etas"):
            dl.drift_scaling(W0, one, bad, time=1.0)
        with pytest.raises((TypeError, ValueError), match="etas"):
            dl.sharpness_selection(W0, one, bad, steps=10)
    for bad in (None, "abc", np.nan, np.inf, 1 + 1j, [1.0]):
        with pytest.raises((TypeError, ValueError), match="time"):
            dl.drift_scaling(W0, one, [0.1], time=bad)
    with pytest.raises(ValueError, match="tol"):
        dl.sharpness_selection(W0, one, [0.1], steps=10, tol=0.0)
    with pytest.raises(ValueError, match="diverges with eta = 10"):
        dl.drift_scaling(W0, one, [0.1, 10.0], time=100.0)
    huge = np.array([[1e200]])
    with pytest.raises(dl.NonFiniteResultError, match="weights or Sigma"):
        dl.descent_orbits(W0, huge, [1.0], steps=10, keep=4)
    with pytest.raises(dl.NonFiniteResultError, match="too large"):
        dl.drift_scaling([np.array([[1e200]]), np.array([[0.3]])], one, [0.1], time=1.0)
    with pytest.raises(dl.NonFiniteResultError, match="weights or Sigma"):
        dl.drift_scaling(W0, huge, [0.1], time=1.0)
    with pytest.raises(dl.NonFiniteResultError, match="weights or Sigma"):
        dl.sharpness_selection(W0, huge, [0.1], steps=10)
