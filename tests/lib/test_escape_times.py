"""Tests of deeplinear.escape_times: escape times from perturbed saddles and the blow-up phase."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl


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


def test_escape_phase_inputs_that_hung_now_answer_or_name_the_argument():
    # issue 13: a huge bound or Sigma hung in LSODA's zero-length steps, None scales/eps raised
    # Python's "not iterable"; now a finite answer, or an error naming the argument
    W = [np.eye(2)] * 3
    assert dl.escape_phase_blowup_time(W, np.diag([3.0, 2.0]), bound=1e200, t_max=100.0) == pytest.approx(1 / 3, rel=1e-6)
    with pytest.raises(ValueError, match="weights0 or the target is too large"):
        dl.escape_phase_blowup_time(W, np.diag([1e200, 2.0]), t_max=100.0)
    with pytest.raises(TypeError, match="scales"):
        dl.escape_phase_scaling(h=3, scales=None, seeds=(0,), singular_values=(2.0, 1.0), distribution_seeds=(0,))
    with pytest.raises(TypeError, match="eps"):
        dl.saddle_escape_times(eps=None)
    with pytest.raises(dl.NonFiniteResultError, match="escape_phase_scaling.*singular_values"):
        dl.escape_phase_scaling(h=3, scales=(0.3,), seeds=(0,), singular_values=(1e200, 1.0), distribution_seeds=(0,))
