"""Figures and helpers of the scalar-network chapter (claims 23-25); scalar_h2_limit is tested in test_saddles.py."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_phase_portrait_data():
    fig = dl.plots.scalar_phase_portrait(2.0, (1.5, -0.75))
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    minima = ax.lines[0].get_xydata()
    assert np.allclose(minima[:, 0] * minima[:, 1], 2.0)
    stable = ax.lines[labels.index(r"stable manifold $w_1 = -w_2$")].get_xydata()
    assert np.allclose(stable[:, 0], -stable[:, 1])
    traj = ax.lines[labels.index("trajectory")].get_xydata()
    assert np.allclose(traj[0], (1.5, -0.75))
    c = traj[:, 1] ** 2 - traj[:, 0] ** 2
    assert np.allclose(c, c[0], atol=1e-8)  # the orbit lies on its conserved hyperbola
    lim = ax.lines[labels.index("limit (closed form)")].get_xydata()[0]
    assert np.allclose(lim, traj[-1], atol=1e-6)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_xlabel() == "$w_1$"


def test_phase_portrait_without_trajectory_and_into_given_figure():
    fig = Figure()
    out = dl.plots.scalar_phase_portrait(1.0, fig=fig)
    assert out is fig
    assert "trajectory" not in [line.get_label() for line in fig.axes[0].lines]


def test_h3_figure_distances():
    fig = dl.plots.scalar_h3_figure(1.0, [(0.3, -0.3, 1.0), (-0.5, -0.5, -0.5)], t_max=20.0)
    ax = fig.axes[1]
    strict, nonstrict = (line.get_ydata() for line in ax.lines)
    assert strict[-1] < 1e-13          # exponential convergence to the strict saddle
    assert nonstrict[-1] > 1e-6        # algebraic convergence to the origin
    assert "saddle" in ax.lines[0].get_label()
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_scalar_figures_reject_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        dl.plots.scalar_phase_portrait(bad)


def test_scalar_helpers_reject_bad_points():
    with pytest.raises(ValueError, match="2 entries"):
        dl.plots.scalar_phase_portrait(1.0, (1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="3 entries"):
        dl.plots.scalar_h3_figure(1.0, [(1.0, 2.0)])
    with pytest.raises(ValueError, match="finite"):
        dl.scalar_flow((np.nan, 1.0), 1.0, 1.0)
    with pytest.raises(ValueError, match="t_max"):
        dl.scalar_flow((1.0, 1.0), 1.0, 0.0)
