"""Figures of the quotient-space chapter: paths inside fibres, the walk explorer, the ladder.

The paths themselves (fiber_path, first_order_fiber_dimension) are tested in test_landscape.py.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl

SIGMA = np.diag([3.0, 2.0, 1.0])
WIDTHS = (3, 3, 3, 3)


@pytest.fixture(scope="module")
def minimum():
    return dl.critical_point((1, 2, 3), SIGMA, WIDTHS)


def test_fiber_path_figure_draws_the_measurements(minimum):
    path = dl.fiber_path(minimum, kind="gl", s=np.linspace(-0.5, 0.5, 11))
    fig = dl.plots.fiber_path_figure(path)
    assert isinstance(fig, Figure)
    ax_l, ax_n, ax_M, ax_m = fig.axes
    assert np.allclose(ax_l.lines[0].get_ydata(), path.losses)
    assert np.allclose(ax_n.lines[0].get_ydata(), path.norms)
    assert [ln.get_label() for ln in ax_n.lines] == [r"$\|W\|_F$", r"$\|C_1\|_F$", r"$\|C_2\|_F$"]
    assert np.allclose(ax_M.lines[0].get_ydata(), path.lambda_max)
    assert np.allclose(ax_m.lines[0].get_ydata(), path.lambda_min)
    for ax in fig.axes:
        assert ax.get_xlabel() == "position $s$ on the path" and ax.get_ylabel()
    with pytest.raises(TypeError, match="FiberPath"):
        dl.plots.fiber_path_figure([np.eye(2)])


@pytest.mark.parametrize("kind", ["gl", "orthogonal", "null-space W1", "null-space W2"])
def test_walk_explorer_frames(kind):
    path = dl.saddle_fiber_path(kind)
    assert len(path) == 41 and np.allclose(path.losses, 2.5)
    fig = dl.plots.fiber_walk_figure(path, kind, 0.5)
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == 3 and "rank" in heat[0].get_title()
    k = path.index(0.5)
    assert np.allclose(heat[0].images[0].get_array(), path.points[k][0])
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "loss: 2.500000" in text and f"orbit dimension: {path.orbit_dims[k]}" in text
    markers = [ln for ax in fig.axes for ln in ax.lines if ln.get_marker() == "o"]
    assert len(markers) == 4 and all(ln.get_xdata()[0] == pytest.approx(0.5) for ln in markers)


def test_walk_explorer_grid_is_small_and_has_no_error_frames():
    ex = dl.explore.explorer(dl.plots.fiber_walk_figure, prepare=dl.saddle_fiber_path,
                    kind=dl.explore.Choice(["gl", "null-space W1"]), s=(-1.0, 1.0, 1.0, 0.0),
                    options=dl.explore.ExplorerOptions(figsize=dl.plots.quotient.WALK_FIGSIZE, mode="live"))
    assert ex.shape == (2, 3)
    frames = ex.frames()
    assert len(frames) == 6 and not ex.failures()


def test_walk_figure_rejects_bad_input():
    with pytest.raises(ValueError, match="kind"):
        dl.saddle_fiber_path("diagonal")
    with pytest.raises(TypeError, match="FiberPath"):
        dl.plots.fiber_walk_figure("gl", "gl", 0.0)


def test_ladder_figure_has_one_rung_per_critical_value():
    fig = dl.plots.fiber_ladder_figure(n=3)
    ax = fig.axes[0]
    cv = dl.critical_values([3.0, 2.0, 1.0], WIDTHS)
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert sorted(float(ln.get_ydata()[0]) for ln in stars) == pytest.approx(list(cv.values))
    # every fibre point sits at the height of its rung
    for ln in ax.lines:
        y = np.asarray(ln.get_ydata(), dtype=float)
        assert np.allclose(y, y[0]) and np.min(np.abs(np.array(cv.values) - y[0])) < 1e-9
    notes = [t.get_text() for t in ax.texts]
    assert any("S={1}: orbit 10, ker dπ 22" == t for t in notes)
    assert any("S={1,2,3}: orbit 18, ker dπ 18 (fibre = orbit)" == t for t in notes)
    labels = ax.get_legend_handles_labels()[1]
    assert "GL orbit, critical" in labels and "factorisation move, not critical" in labels
    assert ax.get_xlabel() and ax.get_ylabel()
