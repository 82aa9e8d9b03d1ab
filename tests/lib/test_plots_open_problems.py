"""Experiments and figures of the chapter on open problems."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


# --------------------------------------------------------------------------- convergence times


@pytest.fixture(scope="module")
def times():
    return dl.random_convergence_times(cases=((2, 0.01), (3, 0.1)), seeds=range(4), t_max=2000.0)


def test_convergence_time_figure(times):
    fig = dl.plots.convergence_time_figure(times)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "time" in ax.get_xlabel()
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["h = 2, scale 0.01", "h = 3, scale 0.1"]
    with pytest.raises(TypeError):
        dl.plots.convergence_time_figure("not a result")


# --------------------------------------------------------------------------- saddles


@pytest.fixture(scope="module")
def escape():
    return dl.saddle_escape_times(eps=(0.1, 0.03), seeds=(0, 1, 2))


def test_saddle_escape_figure_and_validation(escape):
    fig = dl.plots.saddle_escape_figure(escape)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("non-strict") and "slope" in labels[0] and labels[1].startswith("strict")
    with pytest.raises(ValueError, match="h >= 3"):
        dl.saddle_escape_times(h=2)
    with pytest.raises(ValueError, match="decreasing"):
        dl.saddle_escape_times(Sigma=np.diag([1.0, 2.0]))


# --------------------------------------------------------------------------- the escape phase


def test_escape_phase_scaling_approaches_tau():
    res = dl.escape_phase_scaling(3, scales=(0.03, 0.01), seeds=(0, 1), distribution_seeds=(0, 1, 2))
    gap = res.relative_gap
    assert np.all(gap[:, 1] < gap[:, 0]) and np.all(gap[:, 1] < 0.03)
    assert res.distribution[:2] == pytest.approx(res.taus)
    assert res.aligned_tau == pytest.approx(1 / 3)
    fig = dl.plots.escape_phase_figure([res])
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["h = 3"]
    with pytest.raises(ValueError, match="h >= 3"):
        dl.escape_phase_scaling(2)


# --------------------------------------------------------------------------- descent above the threshold


@pytest.fixture(scope="module")
def scalar_orbits():
    return dl.descent_orbits([np.array([[0.1]]), np.array([[0.12]])], np.array([[1.0]]), (0.95, 1.1, 1.26, 1.45))


def test_descent_orbit_figure(scalar_orbits):
    fig = dl.plots.descent_orbit_figure([scalar_orbits], titles=["scalar"])
    ax = fig.axes[0]
    assert ax.get_title() == "scalar" and "eta" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()][:3] == ["period 1", "period 2", "period 4"]
    with pytest.raises(ValueError, match="one title per panel"):
        dl.plots.descent_orbit_figure([scalar_orbits], titles=["a", "b"])


# --------------------------------------------------------------------------- explorer


def test_random_start_explorer_figure():
    fig = dl.plots.random_start_explorer_figure(2, 0.1, 0)
    ax, ax_s = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "reached" in ax.get_title()
    dashed = sorted({round(float(line.get_ydata()[0]), 9) for line in ax.get_lines() if line.get_linestyle() == "--"})
    assert dashed == [0.5, 2.5, 7.0]
    assert "singular values" in ax_s.get_ylabel()
    from matplotlib.figure import Figure as F

    given = F(figsize=(8, 3.5))
    assert dl.plots.random_start_explorer_figure(3, 0.3, 1, fig=given, t_max=50.0) is given


def test_random_start_explorer_reports_a_run_that_is_still_resting():
    fig = dl.plots.random_start_explorer_figure(4, 0.03, 0, t_max=50.0)
    assert "still resting at L = 7" in fig.axes[0].get_title()


def test_explorer_frames_draw():
    ex = dl.explore.explorer(dl.plots.random_start_explorer_figure, h=[2, 3], scale=[0.3], seed=[0],
                    options=dl.explore.ExplorerOptions(mode="static", figsize=(8.4, 3.5)))
    assert not ex.failures()
