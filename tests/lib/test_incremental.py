"""Tests of deeplinear/incremental.py: the ladder of plateaus of small starts (digest claim 27)."""

import numpy as np
import pytest

import deeplinear as dl


@pytest.fixture(scope="module")
def run():
    return dl.incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0)


def test_claim_27_incremental_learning_closed_form():
    """Sigma = diag(3,2,1), h = 2, u0 = 1e-6: half-times 2.4857, 3.6272, 6.9078; loss at t = 1,3,5,8,12:
    6.9987, 2.2185, 0.4787, 0.0051, 0.0000; plateaus at the critical values 7, 2.5, 0.5, 0 [1e-4]."""
    p = dl.incremental_plateaus([3.0, 2.0, 1.0], 1e-6, 2)
    np.testing.assert_allclose(p.half_times, [2.4857, 3.6272, 6.9078], atol=1e-4)
    np.testing.assert_array_equal(p.order, [0, 1, 2])
    np.testing.assert_allclose(p.critical_values, [7.0, 2.5, 0.5, 0.0])
    np.testing.assert_allclose(p.escape_times, [np.log(3e6) / 6, np.log(2e6) / 4, np.log(1e6) / 2])
    L = dl.mode_loss([1, 3, 5, 8, 12], 1e-6, [3.0, 2.0, 1.0], 2)
    np.testing.assert_allclose(L, [6.9987, 2.2185, 0.4787, 0.0051, 0.0000], atol=1e-4)


def test_claim_27_aligned_losses_and_half_times(run):
    assert np.interp([1, 3, 5, 8, 12], run.t, run.loss) == pytest.approx([6.9987, 2.2185, 0.4787, 0.0051, 0.0], abs=1e-4)
    assert np.max(np.abs(run.loss - run.exact)) < 1e-8
    assert run.predicted_half_times == pytest.approx([2.4857, 3.6272, 6.9078], abs=1e-4)
    assert run.visited_values.tolist() == [7.0, 2.5, 0.5, 0.0]


def test_observed_plateaus_lie_between_predicted_half_times(run):
    iv = run.plateau_intervals
    assert iv.shape == (3, 2)
    edges = np.concatenate([[0.0], run.predicted_half_times])
    for (a, b), lo, hi in zip(iv, edges[:-1], edges[1:]):
        assert lo - 1e-9 <= a < b <= hi
    assert iv[0, 0] == 0.0


def test_learnt_rank_steps_at_the_half_times(run):
    half = run.predicted_half_times
    expected = np.searchsorted(np.sort(half), run.t, side="right")
    assert np.array_equal(run.ranks, expected)
    assert np.array_equal(run.ranks, dl.learnt_rank(run.trajectory.end_to_end, run.singular_values))


def test_random_half_times_match_the_flow():
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(4), 1e-3)
    pred = dl.random_half_times(W0, (3.0, 2.0, 1.0))
    run = dl.incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0, num=2801, init="random", seed=4)
    assert np.allclose(run.predicted_half_times, pred)
    sv = np.linalg.svd(run.trajectory.end_to_end, compute_uv=False)
    for k, s in enumerate((3.0, 2.0, 1.0)):
        measured = run.t[np.argmax(sv[:, k] >= s / 2)]
        assert measured == pytest.approx(pred[k], abs=0.02)
    # the order of the singular values given does not matter
    W1, W2 = W0
    P = np.eye(3)[[2, 0, 1]]
    assert np.allclose(dl.random_half_times([W1 @ P.T, P @ W2], (1.0, 3.0, 2.0)), pred[[2, 0, 1]])
    with pytest.raises(ValueError, match="depth h = 2"):
        dl.random_half_times(dl.random_init((2, 2, 2, 2), np.random.default_rng(0), 1e-3), (2.0, 1.0))
    with pytest.raises(ValueError, match="distinct"):
        dl.random_half_times(W0, (2.0, 2.0, 1.0))


def test_random_vs_aligned_small():
    res = dl.random_vs_aligned((3.0, 2.0, 1.0), 1e-3, seeds=(0, 1), t_max=14.0, num=1401)
    assert res.random_losses.shape == (2, 1401)
    assert res.rungs.tolist() == [2.5, 0.5]
    assert res.aligned_dwell[1] == pytest.approx(1.41, abs=0.02)
    assert res.max_prediction_error < 0.02
    with pytest.raises(ValueError, match="decreasing"):
        dl.random_vs_aligned((1.0, 2.0), 1e-3, seeds=(0,))


def test_incremental_run_validates():
    with pytest.raises(ValueError, match="init"):
        dl.incremental_run(init="orthogonal")
    with pytest.raises(ValueError, match="not small"):
        dl.incremental_run((3.0, 2.0, 1.0), 0.9)
    with pytest.raises(ValueError, match="h >= 2"):
        dl.incremental_run(h=1)


def test_incremental_plateaus_validates():
    with pytest.raises(ValueError, match="0 < u0_k < sigma_k"):
        dl.incremental_plateaus([3.0, 2.0], [1e-3, 2.5], 2)
    with pytest.raises(ValueError, match="positive"):
        dl.incremental_plateaus([3.0, 0.0], 1e-3, 2)


def test_incremental_plateaus_validates_u0_and_names_an_overflow():
    # issue 13: complex u0 was cast with a ComplexWarning, a wrong-length u0 raised numpy's broadcast
    # error, and singular values near 1e200 gave silent inf critical values
    with pytest.raises(TypeError, match="u0 must be real"):
        dl.incremental_plateaus([3.0, 2.0, 1.0], np.array(1e-6 + 1e-9j), 2)
    with pytest.raises(TypeError, match="u0"):
        dl.incremental_plateaus([3.0, 2.0, 1.0], "abc", 2)
    with pytest.raises(ValueError, match="one value per mode"):
        dl.incremental_plateaus([3.0, 2.0, 1.0], [1e-6, 1e-6], 2)
    with pytest.raises(dl.NonFiniteResultError, match="incremental_plateaus.*singular_values"):
        dl.incremental_plateaus([1e200, 2.0, 1.0], 1e-6, 2)
    per_mode = dl.incremental_plateaus([3.0, 2.0, 1.0], [1e-6, 1e-6, 1e-6], 2)
    assert np.array_equal(per_mode.half_times, dl.incremental_plateaus([3.0, 2.0, 1.0], 1e-6, 2).half_times)


def test_huge_starts_are_named_not_overflow_errors():
    # issue 13: a0**h and scale**2 raised Python's OverflowError for a0 or scale = 1e200
    with pytest.raises(ValueError, match="not small"):
        dl.incremental_run([3.0, 2.0, 1.0], 1e200, 2)
    with pytest.raises(ValueError, match="not a small start"):
        dl.random_vs_aligned([3.0, 2.0, 1.0], scale=1e200)
