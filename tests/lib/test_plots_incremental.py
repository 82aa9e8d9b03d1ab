"""Figures and helpers of the chapter on incremental learning (digest claim 27)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture(scope="module")
def run():
    return dl.incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0)


def test_ladder_and_rank_figures(run):
    fig = dl.plots.incremental_ladder_figure(run)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    levels = sorted({round(line.get_ydata()[0], 9) for line in ax.lines if line.get_linestyle() == "--"})
    assert levels == [0.5, 2.5, 7.0]
    grey = {round(line.get_ydata()[0], 9) for line in ax.lines if line.get_linestyle() == "-" and line.get_linewidth() == 0.6}
    assert grey == {0.5, 2.0, 2.5, 4.5, 5.0, 6.5, 7.0}
    fig = dl.plots.incremental_rank_figure(run)
    t, r = fig.axes[1].lines[0].get_data()
    assert np.array_equal(r, run.ranks)


def test_depth_figure_and_explorer():
    fig = dl.plots.incremental_depth_figure((3.0, 2.0, 1.0), 0.05, (2, 3))
    ax = fig.axes[0]
    assert [v.get_xdata()[0] for v in ax.lines if v.get_linestyle() == ":"] == pytest.approx([1.5, 3.0])
    fig = Figure(figsize=(8.4, 3.5))
    assert dl.plots.incremental_explorer_figure(1e-3, 2.0, 1.0, fig=fig) is fig
    ax, ax_t = fig.axes
    assert ax.get_xlim() == (0.0, 25.0) and ax_t.get_xlim() == (0.0, 25.0)
    with pytest.raises(ValueError, match="sigma1 > sigma2 > sigma3"):
        dl.plots.incremental_explorer_figure(1e-3, 1.0, 2.0)


def test_random_vs_aligned_figure():
    res = dl.random_vs_aligned((3.0, 2.0, 1.0), 1e-3, seeds=(0, 1), t_max=14.0, num=1401)
    fig = dl.plots.random_vs_aligned_figure(res, n_show=2)
    assert isinstance(fig, Figure)
    assert sum(line.get_label().startswith("random") for line in fig.axes[0].lines) == 2


def test_ladder_figure_validates():
    with pytest.raises(TypeError, match="IncrementalRun"):
        dl.plots.incremental_ladder_figure(None)
