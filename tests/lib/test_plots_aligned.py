"""Figures and helpers of the chapter on aligned initialisation (digest claims 8-11, 26)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_decoupling_figure_draws_the_check():
    vals = np.array([[1.0, 0.3, 0.1], [0.5, 0.2, 0.05], [0.8, 0.4, -0.2]])
    chk = dl.aligned_flow_check((3, 4, 5, 3), (3.0, 2.0, 1.0), vals, rotations=np.random.default_rng(1), t_max=4.0, num=41)
    fig = dl.plots.aligned_decoupling_figure(chk)
    assert isinstance(fig, Figure)
    ax_o = fig.axes[1]
    assert np.allclose(ax_o.lines[0].get_xdata(), chk.t)
    assert ax_o.get_yscale() == "log"
    with pytest.raises(TypeError, match="AlignedFlowCheck"):
        dl.plots.aligned_decoupling_figure("not a check")


def test_claims_8_9_closed_form_against_the_flow():
    W0 = dl.aligned_init((1, 1, 1), 0.1)
    tr = dl.gradient_flow(W0, np.array([[3.0]]), (0, 1), t_eval=[0.5, 1.0])
    assert tr.end_to_end[:, 0, 0] == pytest.approx([0.1888415606, 1.7230022341], rel=1e-8)
    assert dl.learning_time(0.01, 2.97, 3.0, 2) == pytest.approx(1.7159272373, rel=1e-9)


def test_timescale_figure_collapses_in_rescaled_time():
    fig = dl.plots.aligned_timescale_figure((0.5, 1.0, 2.0), ratio=1e-3)
    ax_s = fig.axes[1]
    curves = [line for line in ax_s.lines if len(line.get_xdata()) > 10]
    assert len(curves) == 3
    for line in curves:  # every curve is the sigma = 1 curve of the rescaled time
        x, y = line.get_data()
        assert np.allclose(y, dl.mode_solution(x, 1e-3, 1.0, 2), rtol=1e-9, atol=1e-12)
    assert ax_s.get_xlabel().startswith("rescaled time")
    with pytest.raises(ValueError, match="ratio"):
        dl.plots.aligned_timescale_figure(ratio=0.7)


def test_claim_10_escape_times_and_depth_figure():
    assert dl.learning_time(0.1**3, 1.0, 2.0, 3) == pytest.approx(4.66132754, rel=1e-8)
    assert dl.learning_time(0.1**4, 1.0, 2.0, 4) == pytest.approx(24.90455629, rel=1e-8)
    fig = dl.plots.aligned_depth_figure(1.0, 0.1, depths=(2, 3, 4))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    triangles = [line for line in ax.lines if line.get_marker() == "v"]
    assert [t.get_xdata()[0] for t in triangles] == pytest.approx([dl.plateau_time(0.1**h, 1.0, h) for h in (2, 3, 4)])
    with pytest.raises(ValueError, match="small start"):
        dl.plots.aligned_depth_figure(1.0, 0.9)


def test_claim_26_unbalanced_figure():
    assert [dl.unbalanced_learning_time(1e-4, 0.5, 1.0, c) for c in (0.0, 0.5, 2.0)] == pytest.approx(
        [4.6051, 0.9515, 0.3313], abs=1e-4)
    fig = dl.plots.unbalanced_figure(1.0, 1e-4, (0.0, 0.5, 2.0))
    ax = fig.axes[0]
    dots = [line for line in ax.lines if line.get_marker() == "o" and line.get_markersize() == 6]
    assert [d.get_xdata()[0] for d in dots] == pytest.approx([4.6051, 0.9515, 0.3313], abs=1e-4)
    # the network flow markers lie on the closed form
    flows = [line for line in ax.lines if line.get_marker() == "o" and line.get_markersize() == 3.2 and len(line.get_xdata())]
    for line, c in zip(flows, (0.0, 0.5, 2.0)):
        t, p = line.get_data()
        assert np.allclose(p, dl.unbalanced_solution(t, 1e-4, 1.0, c), atol=1e-8)
    ax_v = fig.axes[1]
    p, v = ax_v.lines[0].get_data()
    assert v[0] == pytest.approx(0.0) and ax_v.lines[1].get_ydata()[0] == pytest.approx(0.5)


def test_explorer_figure_compares_closed_form_and_flow():
    fig = Figure(figsize=(7.8, 3.5))
    out = dl.plots.aligned_explorer_figure(2.0, 3, 0.1, fig=fig)
    assert out is fig
    ax, ax_l = fig.axes
    assert ax.get_xlim() == pytest.approx((1e-2, 1e3)) and ax.get_ylim() == (0.0, 3.3)
    t, u = ax.lines[1].get_data()  # network markers of mode 1
    assert np.allclose(u, dl.mode_solution(t, 0.1**3, 2.0, 3), atol=1e-8)
    assert "largest difference" in ax_l.get_title()
    with pytest.raises(ValueError, match="small start"):
        dl.plots.aligned_explorer_figure(1.0, 2, 0.9)


def test_unbalanced_figure_bounds_the_imbalance_by_what_it_can_show():
    # issue 13: c = 1e200 made the marker flow stiff (step about 1/c): it ran to max_steps.
    # Beyond |c| = 100 sigma the product reaches sigma/2 within 0.7/|c| < 0.007/sigma, a step at
    # t = 0 that every larger c draws alike.
    for c in (1e200, -1e200, 100.5):
        with pytest.raises(dl.InvalidArgumentError, match=r"imbalances.*exceeds 100 sigma = 100"):
            dl.plots.unbalanced_figure(1.0, 1e-3, (0.0, c), t_max=2.0)
    fig = dl.plots.unbalanced_figure(2.0, 1e-3, (0.0, 200.0), t_max=2.0)  # at the bound (sigma = 2): drawn
    flows = [line for line in fig.axes[0].lines if line.get_marker() == "o" and line.get_markersize() == 3.2 and len(line.get_xdata())]
    t, p = flows[1].get_data()
    assert np.allclose(p, dl.unbalanced_solution(t, 1e-3, 2.0, 200.0), atol=1e-8) and p[-1] == pytest.approx(2.0)
    plt.close(fig)

