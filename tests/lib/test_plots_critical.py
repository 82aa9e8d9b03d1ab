"""Figures of the chapter on critical points: the lattice of learnt sets, the ladder of
critical values and a representative in network form."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_ladder_figure_draws_points_rungs_and_labels():
    fig = dl.plots.critical_ladder_figure([3.0, 2.0, 1.0], (3, 4, 2, 3))
    assert isinstance(fig, Figure)
    ax, ax_r = fig.axes
    # one horizontal rung per distinct critical value, at that value
    rungs = sorted(line.get_ydata()[0] for line in ax_r.lines)
    assert rungs == [0.5, 2.0, 2.5, 4.5, 5.0, 6.5, 7.0]
    assert "7 critical values" in ax_r.get_title()
    # every set is labelled next to its point
    labels = {t.get_text() for t in ax.texts}
    assert {"∅", "{1}", "{1,3}", "{1,2}", "{1,2,3}"} <= labels
    # the global minimum marker sits at (2, 0.5); the set beyond the rank bound is hollow
    diamonds = [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert len(diamonds) == 1 and diamonds[0].get_xydata().tolist() == [[2.0, 0.5]]
    hollow = [ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"]
    assert [ln.get_xydata().tolist() for ln in hollow] == [[[3.0, 0.0]]]
    # the top-set chain
    chain = [ln for ln in ax.lines if ln.get_label().startswith("top sets")]
    assert len(chain) == 1 and chain[0].get_ydata().tolist() == [7.0, 2.5, 0.5]
    assert ax.get_xlabel() and ax.get_ylabel() and "d_min = 2" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "global minimum" in legend and "saddle" in legend and any("rank bound" in t for t in legend)


def test_ladder_merges_sets_with_equal_values():
    fig = dl.plots.critical_ladder_figure([2.0, 2.0, 1.0], (3, 3, 3))
    ax, ax_r = fig.axes
    labels = {t.get_text() for t in ax.texts}
    assert "{1} {2}" in labels and "{1,3} {2,3}" in labels
    assert len(ax_r.lines) == 6
    # no shaded region when the rank bound removes nothing
    assert not ax.patches


def test_explorer_figure_uses_the_bottleneck_and_draws_into_a_given_figure():
    fig = Figure()
    out = dl.plots.critical_ladder_explorer_figure((4.0, 3.0, 2.0, 1.0), 2, fig=fig)
    assert out is fig
    ax, ax_r = fig.axes
    assert "widths (4, 2, 4)" in ax.get_title() and len(ax_r.lines) == 11
    wide = dl.plots.critical_ladder_explorer_figure((3.0, 2.0, 1.0), 4)
    assert "d_min = 3" in wide.axes[0].get_title() and len(wide.axes[1].lines) == 8
    with pytest.raises(ValueError, match="bottleneck"):
        dl.plots.critical_ladder_explorer_figure((3.0, 2.0), 0)


def test_explorer_frames_are_cheap_and_fixed_in_scale():
    ex = dl.explore.explorer(dl.plots.critical_ladder_explorer_figure,
                    spectrum=dl.explore.Choice([(3.0, 2.0, 1.0), (2.0, 2.0, 1.0)]),
                    bottleneck=dl.explore.Choice([1, 2, 3]),
                    options=dl.explore.ExplorerOptions(mode="static"))
    frames = list(ex.frames())
    assert len(frames) == 6 and not ex.failures()


def test_critical_point_figure_shows_the_graph_and_the_powers():
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 3), Sigma, (3, 4, 2, 3))
    fig = dl.plots.critical_point_figure(cp)
    ax_g, ax_a, ax_p = fig.axes
    assert "{1,3}" in ax_g.get_title() and "2" in ax_g.get_title()
    A = np.asarray(ax_a.images[0].get_array().filled(0.0))
    assert np.allclose(A, cp.adjacency)
    P = np.asarray(ax_p.images[0].get_array().filled(0.0))
    assert np.allclose(P, np.linalg.matrix_power(cp.adjacency, 3))
    assert np.allclose(P[9:12, 0:3], np.diag([3.0, 0.0, 1.0]))   # blk_3(Sigma_S), bottom left
    assert "blk" in ax_p.get_title()
    with pytest.raises(TypeError, match="CriticalPoint"):
        dl.plots.critical_point_figure(list(cp.weights))
    assert math.isclose(cp.value, 2.0)
