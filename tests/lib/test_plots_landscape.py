"""Figures of the scalar loss landscape."""

import numpy as np
import pytest

import deeplinear as dl


def test_scalar_landscape_marks_minima_and_saddle():
    fig = dl.plots.scalar_landscape_figure(2.0)
    ax = fig.axes[0]
    x, y = ax.lines[0].get_data()
    assert np.allclose(x * y, 2.0)
    assert ax.get_xlabel() and ax.get_ylabel()


def test_balanced_ray_figure_curves():
    fig = dl.plots.balanced_ray_figure(1.5, 3, depths=(1, 2, 3))
    ax = fig.axes[0]
    a, y = ax.lines[2].get_data()
    assert np.allclose(y, 0.5 * (1.5 - a**3) ** 2)
    assert ax.lines[2].get_linewidth() > ax.lines[0].get_linewidth()


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_landscape_figures_reject_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        dl.plots.scalar_landscape_figure(bad)
    with pytest.raises(ValueError, match="sigma"):
        dl.plots.balanced_ray_figure(bad, 2)


def test_balanced_ray_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        dl.plots.balanced_ray_figure(1.0, 0)


def test_landscape_and_depth_figures_name_an_overflow():
    # issue 13: sigma or a0 near 1e200 raised Python's OverflowError or matplotlib's ValueError
    with pytest.raises(dl.NonFiniteResultError, match="balanced_ray_figure.*sigma"):
        dl.plots.balanced_ray_figure(1e200)
    with pytest.raises(dl.NonFiniteResultError, match="scalar_landscape_figure"):
        dl.plots.scalar_landscape_figure(1.0, extent=1e200)
    with pytest.raises(ValueError, match="not a small start"):
        dl.plots.aligned_depth_figure(1.0, 1e200)
    with pytest.raises(ValueError, match="not a small start"):
        dl.plots.incremental_depth_figure((3.0, 2.0, 1.0), 1e200)
