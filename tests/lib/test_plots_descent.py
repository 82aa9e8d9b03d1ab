"""Figures of the chapter on gradient descent and other losses: they draw the data of the
computations in deeplinear.descent (tested in test_descent.py), and bad input raises."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_step_explorer_figure_reports_convergence_and_keeps_axes():
    ok = dl.plots.step_explorer_figure(0.8, 2)
    bad = dl.plots.step_explorer_figure(1.2, 2)
    assert "converges" in ok.axes[0].get_title()
    assert "converges" not in bad.axes[0].get_title()
    for fig in (ok, bad):
        assert fig.axes[0].get_ylim() == pytest.approx((1e-32, 1e2))
        assert fig.axes[1].get_ylim() == pytest.approx((0.0, 1.5))
    with pytest.raises(ValueError, match="at least 2"):
        dl.plots.step_explorer_figure(0.8, 1)


def test_threshold_figure_draws_the_runs():
    runs = dl.threshold_runs(np.diag([2.0, 1.0]), 3, ratios=(0.9, 1.1), steps=800)
    below, above = runs
    fig = dl.plots.threshold_figure(runs)
    assert isinstance(fig, Figure)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), np.maximum(below.losses, 1e-32))
    assert "0.9" in fig.axes[0].get_legend().get_texts()[0].get_text()
    with pytest.raises(TypeError, match="ThresholdRun"):
        dl.plots.threshold_figure([])


def test_drift_scaling_figure_draws_the_drifts():
    W0 = dl.random_init((2, 3, 3, 2), np.random.default_rng(0), 0.5)
    etas = np.array([0.01, 0.02, 0.04])
    sc = dl.drift_scaling(W0, np.diag([2.0, 1.0]), etas, time=30.0)
    fig = dl.plots.drift_scaling_figure(sc)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), sc.one_step)


def test_sharpness_selection_figure_draws_two_panels():
    S = np.diag([2.0, 1.0])
    W0 = dl.random_init((2, 2, 2), np.random.default_rng(3), 0.3)
    W0[0] = 4 * W0[0]
    sel = dl.sharpness_selection(W0, S, [0.02, 0.12, 0.18], steps=3000)
    fig = dl.plots.sharpness_selection_figure(sel)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel()


def test_nonquadratic_figure_draws_three_panels():
    runs = dl.nonquadratic_runs(t_max=100.0)
    fig = dl.plots.nonquadratic_figure(runs)
    assert len(fig.axes) == 3
    with pytest.raises(TypeError, match="NonQuadraticRun"):
        dl.plots.nonquadratic_figure([None])
