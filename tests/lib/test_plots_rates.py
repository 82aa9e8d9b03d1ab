"""Figures of the chapter on balanced initialisations and rates: they draw the right data,
the rate bounds are the theorems' (with the factor h only for square maps), and bad input
raises clear errors."""

import numpy as np
import pytest
from matplotlib.figure import Figure

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


def test_rate_bound_figure_draws_loss_and_both_bounds():
    W0, S = dl.margin_example(2, 0.5, "square")
    run = dl.rate_run(W0, S, 2.0, n=11)
    fig = dl.rate_bound_figure([run, run], titles=["a", "b"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax = fig.axes[0]
    loss, bound_h, bound_1 = ax.lines[:3]
    assert np.allclose(loss.get_ydata(), np.maximum(run.loss, 1e-10))
    t = bound_h.get_xdata()
    assert t[0] == 0.0 and t[-1] == pytest.approx(run.t[-1])
    assert np.allclose(bound_h.get_ydata(), np.maximum(run.loss[0] * np.exp(-run.rate_h * t), 1e-10))
    assert np.allclose(bound_1.get_ydata(), np.maximum(run.loss[0] * np.exp(-run.rate_1 * t), 1e-10))
    assert ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="titles"):
        dl.rate_bound_figure([run], titles=["a", "b"])
    with pytest.raises(TypeError, match="RateRun"):
        dl.rate_bound_figure([])


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


def test_margin_explorer_figure_says_whether_the_square_bound_holds():
    ok = dl.margin_explorer_figure(3, 0.7, "square")
    bad = dl.margin_explorer_figure(3, 0.7, "wide")
    assert "holds" in ok.axes[0].get_title()
    assert "fails" in bad.axes[0].get_title()
    for fig in (ok, bad):
        assert fig.axes[0].get_ylim() == pytest.approx((1e-12, 10.0))
        assert fig.axes[0].get_xlim() == pytest.approx((0.0, 5.0))


def test_singular_value_paths_and_low_rank_bias_figure():
    Sigma = np.diag([3.0, 2.0, 1.0])
    P0 = 1e-3 * np.random.default_rng(1).standard_normal((3, 3))
    paths = dl.singular_value_paths(P0, Sigma, (1, 2), 6.0, n=61)
    assert set(paths.values) == {1, 2}
    for h in (1, 2):
        assert np.allclose(paths.values[h][0], np.linalg.svd(P0, compute_uv=False))
    # depth 1 (linear regression) has learnt everything at t = 6; depth 2 has the top values first
    assert np.allclose(paths.values[1][-1], [3, 2, 1], atol=0.02)
    fig = dl.low_rank_bias_figure(paths)
    assert len(fig.axes) == 2
    assert np.allclose(fig.axes[1].lines[0].get_ydata(), paths.values[2][:, 0])
    with pytest.raises(ValueError, match="square"):
        dl.singular_value_paths(np.zeros((2, 3)), np.zeros((2, 3)))


def test_imbalance_figure_draws_the_exact_scalar_law():
    fig = dl.imbalance_figure(imbalances=(0.0, 2.0), deltas=(0.0, 1.0), seeds=(0,), t_matrix=1.0)
    ax_s, ax_m = fig.axes
    assert len(ax_s.lines) == 2 and len(ax_m.lines) == 2
    t = ax_s.lines[1].get_xdata()
    assert np.allclose(ax_s.lines[1].get_ydata(), dl.unbalanced_solution(t, 1.0, 1e-4, 2.0))


def test_random_limits_bottleneck_and_no_bottleneck():
    Sigma = np.diag([3.0, 2.0, 1.0])
    free = dl.random_limits(Sigma, (3, 4, 4, 3), seeds=(0, 1, 2))
    neck = dl.random_limits(Sigma, (3, 4, 2, 3), seeds=(0, 1, 2))
    assert free.global_minimum == 0.0 and np.all(free.final_loss < 1e-8)
    assert neck.global_minimum == pytest.approx(0.5) and neck.max_gap < 1e-6
    fig = dl.random_limits_figure([free, neck])
    assert isinstance(fig, Figure)
    drawn = np.concatenate([line.get_ydata() for line in fig.axes[0].lines if line.get_marker() not in ("None", None, "")])
    assert np.allclose(np.sort(drawn), np.sort(np.maximum(np.concatenate([free.final_loss, neck.final_loss]), 1e-12)))
    with pytest.raises(TypeError, match="RandomLimits"):
        dl.random_limits_figure([1])
