"""Tests of deeplinear.plots.lazy_rich."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import deeplinear as dl


def test_figures_draw_their_results():
    st = dl.lazy_rich.lazy_rich_study([1e-2, 3.0], np.diag([2.0, 1.0]), (2, 3, 2), t_end=5.0, num=11)
    fig = dl.plots.lazy_rich_figure(st)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    assert np.allclose(fig.axes[1].lines[0].get_ydata(), st.kernel_change)
    plt.close(fig)
    ls = dl.lambda_balanced.lambda_study([0.0, 4.0], np.diag([2.0, 1.0]), (2, 2, 2), t_end=5.0, num=11)
    fig = dl.plots.lambda_figure(ls)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), ls.kernel_change)
    plt.close(fig)
    X, y, _ = dl.diagonal.sparse_regression(3, 6, 1, rng=0)
    ds = dl.diagonal.diagonal_study([0.1, 3.0], X, y)
    fig = dl.plots.diagonal_figure(ds)
    assert len(fig.axes[1].lines) == 6
    plt.close(fig)


def test_explorer_figure_and_errors():
    fig = dl.plots.lazy_rich_explorer_figure(0.01, 0.0, t_max=4.0)
    assert len(fig.axes) == 2
    plt.close(fig)
    with pytest.raises(TypeError, match="LazyRichStudy"):
        dl.plots.lazy_rich_figure("study")
    with pytest.raises(ValueError, match="scale"):
        dl.plots.lazy_rich_explorer_figure(-1.0, 0.0)
