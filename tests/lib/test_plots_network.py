"""Figures: they draw what they claim, with labelled axes, and reject bad input."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture
def weights():
    rng = np.random.default_rng(3)
    widths = (2, 3, 3, 2)
    return [rng.standard_normal((widths[i + 1], widths[i])) for i in range(3)]


def test_network_view_figure_shows_the_pattern_of_the_power(weights):
    for k in (1, 2, 3, 4):
        fig = dl.plots.network_view_figure(weights, k)
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        image = fig.axes[1].images[0].get_array()
        expected = dl.adjacency_power(dl.adjacency(weights), k)
        assert np.array_equal(~np.ma.getmaskarray(image), expected != 0)
    assert "nilpotent" in fig.axes[1].get_title()


def test_draw_network_draws_one_line_per_nonzero_weight(weights):
    weights[1][0, 0] = 0.0
    ax = dl.plots.draw_network(weights)
    edges = sum(int(np.count_nonzero(W)) for W in weights)
    assert len(ax.lines) == edges


def test_draw_network_highlights_the_paths_between_two_nodes(weights):
    # nodes: layer 0 = {0,1}, layer 1 = {2,3,4}, layer 2 = {5,6,7}, layer 3 = {8,9}
    ax = dl.plots.draw_network(weights, highlight=(0, 8))
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 3 + 3 * 3 + 3  # first hop, middle layer, last hop


def test_random_network_view_figure_is_reproducible():
    a = dl.plots.random_network_view_figure((2, 3, 2), 2, seed=5).axes[1].images[0].get_array()
    b = dl.plots.random_network_view_figure((2, 3, 2), 2, seed=5).axes[1].images[0].get_array()
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="widths"):
        dl.plots.random_network_view_figure((2, 0, 2), 1)
