"""Tests of deeplinear/rates.py: convergence rates, margins and limits measured on integrated flows."""

import numpy as np
import pytest

import deeplinear as dl


def test_rate_run_reproduces_claim_29():
    Sigma = np.diag([3.0, 2.0, 1.0])
    P0 = Sigma + 0.5 * np.diag([1.0, -1.0, 1.0]) / np.sqrt(3)
    run = dl.rate_run(dl.balanced_init((3, 3, 3, 3), product=P0), Sigma, 6.0, n=61)
    assert run.margin == pytest.approx(0.5)
    assert run.square and run.h == 3
    assert run.ratio_h <= 1.0 + 1e-9  # the square bound holds on [0, 6]
    assert np.min(run.smin) >= run.margin - 1e-9  # sigma_min(W(t)) >= c
    assert run.imbalance < 1e-8
    assert np.allclose(run.bound_h, run.loss[0] * np.exp(-run.rate_h * run.t))


def test_rate_run_shows_the_non_square_counterexample():
    run = dl.rate_run(dl.balanced_init((2, 2, 2, 1), product=np.array([[1.0, 0.3]])), np.array([[1.0, 0.0]]), 2.0, n=21)
    assert not run.square
    assert run.margin == pytest.approx(0.7)
    assert run.loss[-1] == pytest.approx(7.923e-4, rel=1e-3)
    assert run.loss[-1] > 10 * run.bound_h[-1]  # the bound with the factor h fails
    assert run.ratio_1 <= 1.0 + 1e-9  # the general bound holds


def test_rate_run_rejects_a_start_without_margin():
    Sigma = np.diag([2.0, 1.0])
    W0 = dl.balanced_init((2, 2, 2), product=np.diag([2.0, -0.5]))
    with pytest.raises(ValueError, match="no deficiency margin"):
        dl.rate_run(W0, Sigma, 1.0)


@pytest.mark.parametrize("shape", ["square", "wide"])
def test_margin_example_has_the_prescribed_margin_and_is_balanced(shape):
    for h in (2, 3, 5):
        W0, S = dl.margin_example(h, 0.3, shape)
        assert len(W0) == h
        assert dl.deficiency_margin(W0, S) == pytest.approx(0.3)
        assert dl.imbalance(W0) < 1e-12
    with pytest.raises(ValueError, match="shape"):
        dl.margin_example(2, 0.3, "tall")
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        dl.margin_example(2, 1.5)


def test_singular_value_paths_learn_the_top_values_first():
    Sigma = np.diag([3.0, 2.0, 1.0])
    P0 = 1e-3 * np.random.default_rng(1).standard_normal((3, 3))
    paths = dl.singular_value_paths(P0, Sigma, (1, 2), 6.0, n=61)
    assert set(paths.values) == {1, 2}
    for h in (1, 2):
        assert np.allclose(paths.values[h][0], np.linalg.svd(P0, compute_uv=False))
    # depth 1 (linear regression) has learnt everything at t = 6; depth 2 has the top values first
    assert np.allclose(paths.values[1][-1], [3, 2, 1], atol=0.02)
    with pytest.raises(ValueError, match="square"):
        dl.singular_value_paths(np.zeros((2, 3)), np.zeros((2, 3)))


def test_random_limits_bottleneck_and_no_bottleneck():
    Sigma = np.diag([3.0, 2.0, 1.0])
    free = dl.random_limits(Sigma, (3, 4, 4, 3), seeds=(0, 1, 2))
    neck = dl.random_limits(Sigma, (3, 4, 2, 3), seeds=(0, 1, 2))
    assert free.global_minimum == 0.0 and np.all(free.final_loss < 1e-8)
    assert neck.global_minimum == pytest.approx(0.5) and neck.max_gap < 1e-6


@pytest.fixture(scope="module")
def times():
    return dl.random_convergence_times(cases=((2, 0.01), (3, 0.1)), seeds=range(4), t_max=2000.0)


def test_random_starts_converge_and_survival_is_a_distribution(times):
    assert times.times.shape == (2, 4)
    assert np.all(np.isfinite(times.times))
    assert np.all(times.final_loss <= 1e-6 * (1 + 1e-9))
    surv = times.survival([0.0, 1e9])
    assert np.array_equal(surv, [[1.0, 0.0], [1.0, 0.0]])
    grid = np.linspace(0.0, 100.0, 50)
    assert np.all(np.diff(times.survival(grid), axis=1) <= 0)
    assert np.all(times.spread >= 1.0)
    # the same starts, run again, take the same time (seeded)
    again = dl.random_convergence_times(cases=((2, 0.01),), seeds=range(2), t_max=2000.0)
    assert again.times[0] == pytest.approx(times.times[0, :2])


def test_random_convergence_times_validates():
    with pytest.raises(ValueError, match="pair"):
        dl.random_convergence_times(cases=(3,), seeds=[0])
    with pytest.raises(ValueError, match="seed"):
        dl.random_convergence_times(seeds=[])
