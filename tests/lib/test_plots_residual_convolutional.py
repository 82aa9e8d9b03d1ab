"""Tests of deeplinear.plots.residual_convolutional: the figures draw what they are given."""

import matplotlib.pyplot as plt
import numpy as np

import deeplinear as dl


def test_identity_descent_figure_draws_the_excess_over_the_stall_level():
    runs = [dl.resnet.identity_descent_run(np.diag([2.0, -1.0]), h, steps=100) for h in (2, 3)]
    fig = dl.plots.identity_descent_figure(runs)
    ax = fig.axes[0]
    assert len(ax.lines) == 4  # measured and predicted per run
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.maximum(runs[0].losses - 0.5, 1e-16))
    assert ax.lines[0].get_ydata()[0] == 2.0  # 1/2 (2 - 1)^2 + 1/2 (-1 - 1)^2 - 1/2
    plt.close(fig)


def test_fourier_bias_figure_one_panel_per_predictor():
    rng = np.random.default_rng(0)
    study = dl.convolution.conv_bias_study(rng.standard_normal((6, 3)), [1.0, -1.0, 1.0], depths=[1, 2], steps=200)
    fig = dl.plots.fourier_bias_figure(study)
    assert len(fig.axes) == 3
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert max(heights) == 1.0 and len(heights) == 6
    plt.close(fig)


def test_init_iterations_figure_and_explorer_frame():
    res = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [1, 2], 4, seeds=[0, 1])
    fig = dl.plots.init_iterations_figure(res)
    assert len(fig.axes) == 1
    plt.close(fig)
    fig = dl.plots.identity_explorer_figure(3, -0.75, steps=100)
    assert len(fig.axes) == 2
    w_line = fig.axes[0].lines[0]
    assert w_line.get_ydata()[0] == 1.0 and w_line.get_ydata()[-1] > 0  # w^3 stays positive
    plt.close(fig)
