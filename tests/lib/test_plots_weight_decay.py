"""Tests of deeplinear.plots.weight_decay: the figures draw what they are given."""

from __future__ import annotations

import numpy as np
import pytest

import deeplinear as dl


def test_balance_figure_draws_the_exponential_reference():
    W0 = dl.random_init((2, 3, 2), np.random.default_rng(0), 1.0)
    t = np.linspace(0, 4, 9)
    a = dl.gradient_flow(W0, np.eye(2), 4.0, t_eval=t, weight_decay=0.5)
    b = dl.gradient_flow(W0, np.eye(2), 4.0, t_eval=t)
    fig = dl.plots.balance_decay_figure(a, b, 0.5)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    ref = lines[2].get_ydata()
    np.testing.assert_allclose(ref[-1] / ref[0], np.exp(-2 * 0.5 * 4), rtol=1e-12)
    np.testing.assert_allclose(lines[1].get_ydata(), ref, rtol=1e-6)  # the flow follows it
    with pytest.raises(TypeError):
        dl.plots.balance_decay_figure("x", b, 0.5)


def test_shrinkage_figure_breaks_the_line_at_the_jump():
    c = {3: [dl.weight_decay.mode_shrinkage(s, 3, weight_decay=0.5) for s in np.linspace(0, 3, 61)]}
    fig = dl.plots.shrinkage_figure(c)
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert np.isnan(y).sum() == 1


def test_decay_flows_figure_and_explorer_frame():
    S = np.diag([3.0, 1.0])
    cv = dl.weight_decay.regularised_critical_values(S, (2, 2, 2, 2), weight_decay=0.3)
    tr = dl.gradient_flow(dl.random_init((2, 2, 2, 2), np.random.default_rng(0), 1.5), S, 60.0, weight_decay=0.3)
    fig = dl.plots.decay_flows_figure([tr], ["start"], cv)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        dl.plots.decay_flows_figure([tr], ["a", "b"], cv)
    frame = dl.plots.mode_explorer_figure(0.6, 3)
    assert "learnt x = " in frame.axes[0].get_title()
