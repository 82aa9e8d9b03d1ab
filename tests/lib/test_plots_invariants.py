"""Figures of the invariants chapter: commutator-block drift and the similarity symmetry.

The measurements (commutator_block_drift, symmetry_defect) are tested in test_invariants.py.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture(scope="module")
def trajectory():
    rng = np.random.default_rng(0)
    W0 = dl.random_init((3, 4, 2, 3), rng, 0.5)
    return dl.gradient_flow(W0, np.diag([3.0, 2.0, 1.0]), (0.0, 10.0), t_eval=np.linspace(0.0, 10.0, 51))


def test_drift_figure_draws_the_drift_and_the_loss(trajectory):
    fig = dl.plots.commutator_drift_figure(trajectory)
    ax, ax_l = fig.axes
    drift = dl.commutator_block_drift(trajectory)
    assert len(ax.lines) == 4
    for k, line in enumerate(ax.lines):
        x, y = line.get_data()
        assert np.allclose(x, trajectory.t)
        assert np.allclose(y, np.maximum(drift[:, k], 1e-17))
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-17, 1e2))
    assert "C_1" in ax.lines[1].get_label() and "outer" in ax.lines[0].get_label()
    x, y = ax_l.lines[0].get_data()
    assert np.allclose(y, trajectory.loss) and np.all(np.diff(y) <= 1e-12)
    assert ax.get_xlabel() and ax.get_ylabel() and ax_l.get_ylabel()


def test_drift_figure_rejects_bad_input(trajectory):
    with pytest.raises(TypeError, match="Trajectory"):
        dl.plots.commutator_drift_figure([np.eye(2)])
    with pytest.raises(ValueError, match="ylim"):
        dl.plots.commutator_drift_figure(trajectory, ylim=(0.0, 1.0))
    shallow = dl.gradient_flow([np.ones((1, 1))], np.ones((1, 1)), 1.0)
    with pytest.raises(ValueError, match="h >= 2"):
        dl.plots.commutator_drift_figure(shallow)


def test_symmetry_figure_data():
    fig = dl.plots.random_symmetry_figure(1.0, 0, t_max=2.0)
    ax_l, ax_d = fig.axes
    a, b = ax_l.lines[0].get_ydata(), ax_l.lines[1].get_ydata()
    assert a[0] == pytest.approx(b[0], abs=1e-12)
    assert np.max(ax_d.lines[0].get_ydata()) < 1e-8
    assert ax_d.get_ylim() == pytest.approx((1e-16, 1e2))
    fig = dl.plots.random_symmetry_figure(3.0, 0, t_max=2.0)
    assert np.max(fig.axes[1].lines[0].get_ydata()) > 1e-3
    assert "cond" in fig.get_suptitle()


def test_symmetry_figure_draws_into_given_figure():
    fig = Figure()
    out = dl.plots.random_symmetry_figure(2.0, 1, t_max=1.0, fig=fig)
    assert out is fig and len(fig.axes) == 2


def test_symmetry_rejects_bad_input():
    with pytest.raises(ValueError, match="cond"):
        dl.plots.random_symmetry_figure(0.5, 0)
    W = [np.ones((2, 2))] * 3
    with pytest.raises(ValueError, match="h - 1 = 2"):
        dl.plots.symmetry_figure(W, np.eye(2), [np.eye(2)])
    with pytest.raises(ValueError, match="depth h >= 2"):
        dl.plots.symmetry_figure([np.ones((2, 2))], np.eye(2), [])
