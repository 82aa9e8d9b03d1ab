"""Figures of the chapter on implicit regularisation draw what they are given."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture(scope="module")
def problem():
    return dl.sensing.completion_problem(8, 1, 0.6, rng=0)


def test_study_figure_draws_the_study(problem):
    study = dl.sensing.completion_study(problem.Sigma, problem.mask, depths=(1, 2), scales=(1e-2, 1e-1))
    fig = dl.plots.completion_study_figure(study, nuclear_error=0.5, nuclear_effective_rank=1.5, true_effective_rank=1.0)
    ax_e, ax_r = fig.axes
    assert ax_e.get_xscale() == "log" and ax_e.get_yscale() == "log"
    x, y = ax_e.lines[1].get_data()
    assert np.array_equal(x, study.scales) and np.array_equal(y, study.unobserved_error[1])
    assert np.array_equal(ax_r.lines[0].get_ydata(), study.effective_rank[0])
    assert [line.get_ydata()[0] for line in ax_r.lines[2:]] == [1.5, 1.0]
    with pytest.raises(TypeError, match="CompletionStudy"):
        dl.plots.completion_study_figure([1, 2])


def test_spectrum_figure_draws_every_singular_value(problem):
    run = dl.sensing.deep_completion(problem.Sigma, problem.mask, 3, scale=1e-2)
    fig = dl.plots.completion_spectrum_figure(run, rank=1, Sigma=problem.Sigma)
    ax = fig.axes[0]
    curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
    assert len(curves) == 8
    assert np.array_equal(curves[0].get_ydata(), run.singular_values[1:, 0])
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and dotted[0].get_ydata()[0] == pytest.approx(np.linalg.norm(problem.Sigma, 2))
    with pytest.raises(TypeError, match="CompletionRun"):
        dl.plots.completion_spectrum_figure(None)


def test_explorer_figure_draws_into_the_given_figure():
    fig = Figure(figsize=(8.4, 3.5))
    assert dl.plots.completion_explorer_figure(2, 0.1, 0.6, fig=fig, n=6, rank=1) is fig
    ax, ax_s = fig.axes
    assert ax.get_xlim() == pytest.approx((1e-2, 1e4)) and ax_s.get_ylim() == pytest.approx((1e-6, 20.0))
    assert "error" in ax_s.get_title() and "effective rank" in ax_s.get_title()
    with pytest.raises(ValueError, match="scale"):
        dl.plots.completion_explorer_figure(2, -1.0, 0.5)
