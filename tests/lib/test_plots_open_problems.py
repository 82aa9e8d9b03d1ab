"""Experiments and figures of the chapter on open problems."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def staircase(t, levels, switch, rate):
    L = np.full_like(t, float(levels[-1]))
    for a, b, ts in zip(levels[:-1], levels[1:], switch):
        L = L + (a - b) / (1.0 + np.exp(rate * (t - ts)))
    return L


# --------------------------------------------------------------------------- plateau levels


def test_plateau_levels_reads_a_staircase():
    t = np.linspace(0.0, 30.0, 3001)
    L = staircase(t, [5.0, 2.0, 0.5], [8.0, 18.0], 3.0)
    assert dl.plateau_levels(t, L, 0.2) == pytest.approx([5.0, 2.0, 0.5], rel=1e-3)
    # a loss decaying to rounding level is not a plateau; a higher threshold merges nothing new
    L0 = np.where(t < 10, 3.0, 3.0 * np.exp(-5.0 * (t - 10)))
    assert dl.plateau_levels(t, L0, 0.2) == pytest.approx([3.0])
    assert dl.plateau_levels(t, np.exp(-t), 0.2) == []


def test_plateau_levels_on_the_incremental_flow():
    run = dl.incremental_run((3.0, 2.0, 1.0), 1e-3, 2, t_max=14.0)
    levels = dl.plateau_levels(run.t, run.loss, 0.5)
    assert len(levels) == 3
    assert levels[0] == pytest.approx(7.0, rel=1e-2)
    assert levels[2] == pytest.approx(0.5, rel=5e-2)


def test_plateau_levels_validates():
    with pytest.raises(ValueError, match="same length"):
        dl.plateau_levels([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="increasing"):
        dl.plateau_levels([0.0, 0.0, 1.0], [1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- convergence times


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


def test_convergence_time_figure(times):
    fig = dl.convergence_time_figure(times)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "time" in ax.get_xlabel()
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["h = 2, scale 0.01", "h = 3, scale 0.1"]
    with pytest.raises(TypeError):
        dl.convergence_time_figure("not a result")


def test_random_convergence_times_validates():
    with pytest.raises(ValueError, match="pair"):
        dl.random_convergence_times(cases=(3,), seeds=[0])
    with pytest.raises(ValueError, match="seed"):
        dl.random_convergence_times(seeds=[])


# --------------------------------------------------------------------------- saddles


@pytest.fixture(scope="module")
def escape():
    return dl.saddle_escape_times(eps=(0.1, 0.03), seeds=(0, 1, 2))


def test_saddle_escape_figure_and_validation(escape):
    fig = dl.saddle_escape_figure(escape)
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
    fig = dl.escape_phase_figure([res])
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["h = 3"]
    with pytest.raises(ValueError, match="h >= 3"):
        dl.escape_phase_scaling(2)


# --------------------------------------------------------------------------- descent above the threshold


def test_orbit_period():
    assert dl.orbit_period(np.full(10, 2.0)) == 1
    assert dl.orbit_period(np.tile([1.0, 2.0], 8)) == 2
    assert dl.orbit_period(np.tile([1.0, 2.0, 1.0, 3.0], 8)) == 4
    assert dl.orbit_period(np.tile([1.0, 2.0], 8), max_period=1) == 0
    assert dl.orbit_period(np.arange(20.0)) == 0
    assert dl.orbit_period([1.0, 1.0 + 1e-3] * 8, tol=1e-2) == 1


@pytest.fixture(scope="module")
def scalar_orbits():
    return dl.descent_orbits([np.array([[0.1]]), np.array([[0.12]])], np.array([[1.0]]), (0.95, 1.1, 1.26, 1.45))


def test_period_doubling_of_the_scalar_network(scalar_orbits):
    o = scalar_orbits
    assert o.eta_star == pytest.approx(1.0)
    assert o.periods.tolist()[:3] == [1, 2, 4]
    assert o.periods[3] == 0  # no period up to 32: the chaotic regime
    assert np.allclose(o.values[0], 1.0)
    # on an orbit the residual stays away from 0, so the imbalance contracts to zero
    assert np.all(o.imbalance[1:] < 1e-8) and o.imbalance[0] > 1e-6
    # a period-2 orbit straddles the minimum
    lo, hi = np.unique(np.round(o.values[1], 6))
    assert lo < 1.0 < hi
    assert o.first_ratio_with_period(2) == pytest.approx(1.1)


def test_descent_orbit_figure(scalar_orbits):
    fig = dl.descent_orbit_figure([scalar_orbits], titles=["scalar"])
    ax = fig.axes[0]
    assert ax.get_title() == "scalar" and "eta" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()][:3] == ["period 1", "period 2", "period 4"]
    with pytest.raises(ValueError, match="one title per panel"):
        dl.descent_orbit_figure([scalar_orbits], titles=["a", "b"])


def test_descent_orbits_marks_divergence():
    o = dl.descent_orbits([np.array([[0.1]]), np.array([[0.12]])], np.array([[1.0]]), (3.0,), steps=200)
    assert o.periods.tolist() == [-1] and np.all(np.isnan(o.values[0]))


# --------------------------------------------------------------------------- explorer


def test_random_start_explorer_figure():
    fig = dl.random_start_explorer_figure(2, 0.1, 0)
    ax, ax_s = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "reached" in ax.get_title()
    dashed = sorted({round(float(line.get_ydata()[0]), 9) for line in ax.get_lines() if line.get_linestyle() == "--"})
    assert dashed == [0.5, 2.5, 7.0]
    assert "singular values" in ax_s.get_ylabel()
    from matplotlib.figure import Figure as F

    given = F(figsize=(8, 3.5))
    assert dl.random_start_explorer_figure(3, 0.3, 1, fig=given, t_max=50.0) is given


def test_random_start_explorer_reports_a_run_that_is_still_resting():
    fig = dl.random_start_explorer_figure(4, 0.03, 0, t_max=50.0)
    assert "still resting at L = 7" in fig.axes[0].get_title()


def test_explorer_frames_draw():
    ex = dl.explore(dl.random_start_explorer_figure, h=[2, 3], scale=[0.3], seed=[0],
                    options=dl.ExplorerOptions(mode="static", figsize=(8.4, 3.5)))
    assert not ex.failures()
