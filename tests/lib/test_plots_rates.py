"""Figures of the chapter on balanced initialisations and rates: they draw the right data,
the rate bounds are the theorems' (with the factor h only for square maps), and bad input
raises clear errors."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_rate_bound_figure_draws_loss_and_both_bounds():
    W0, S = dl.margin_example(2, 0.5, "square")
    run = dl.rate_run(W0, S, 2.0, n=11)
    fig = dl.plots.rate_bound_figure([run, run], titles=["a", "b"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax = fig.axes[0]
    loss, bound_h, bound_1 = ax.lines[:3]
    assert np.allclose(loss.get_ydata(), np.maximum(run.loss, 1e-10))
    t = bound_h.get_xdata()
    assert t[0] == 0.0 and t[-1] == pytest.approx(run.t[-1])
    assert np.allclose(bound_h.get_ydata(), np.maximum(run.loss[0] * np.exp(-run.rate_h * t), 1e-10))
    assert np.allclose(bound_1.get_ydata(), np.maximum(run.loss[0] * np.exp(-run.rate_1 * t), 1e-10))
    assert ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="titles"):
        dl.plots.rate_bound_figure([run], titles=["a", "b"])
    with pytest.raises(TypeError, match="RateRun"):
        dl.plots.rate_bound_figure([])


def test_margin_explorer_figure_says_whether_the_square_bound_holds():
    ok = dl.plots.margin_explorer_figure(3, 0.7, "square")
    bad = dl.plots.margin_explorer_figure(3, 0.7, "wide")
    assert "holds" in ok.axes[0].get_title()
    assert "fails" in bad.axes[0].get_title()
    for fig in (ok, bad):
        assert fig.axes[0].get_ylim() == pytest.approx((1e-12, 10.0))
        assert fig.axes[0].get_xlim() == pytest.approx((0.0, 5.0))


def test_imbalance_figure_draws_the_exact_scalar_law():
    fig = dl.plots.imbalance_figure(imbalances=(0.0, 2.0), deltas=(0.0, 1.0), seeds=(0,), t_matrix=1.0)
    ax_s, ax_m = fig.axes
    assert len(ax_s.lines) == 2 and len(ax_m.lines) == 2
    t = ax_s.lines[1].get_xdata()
    assert np.allclose(ax_s.lines[1].get_ydata(), dl.unbalanced_solution(t, 1e-4, 1.0, 2.0))


def test_low_rank_bias_figure_draws_the_paths():
    Sigma = np.diag([3.0, 2.0, 1.0])
    P0 = 1e-3 * np.random.default_rng(1).standard_normal((3, 3))
    paths = dl.singular_value_paths(P0, Sigma, (1, 2), 6.0, n=61)
    fig = dl.plots.low_rank_bias_figure(paths)
    assert len(fig.axes) == 2
    assert np.allclose(fig.axes[1].lines[0].get_ydata(), paths.values[2][:, 0])


def test_random_limits_figure_draws_every_final_loss():
    Sigma = np.diag([3.0, 2.0, 1.0])
    free = dl.random_limits(Sigma, (3, 4, 4, 3), seeds=(0, 1, 2))
    neck = dl.random_limits(Sigma, (3, 4, 2, 3), seeds=(0, 1, 2))
    fig = dl.plots.random_limits_figure([free, neck])
    assert isinstance(fig, Figure)
    drawn = np.concatenate([line.get_ydata() for line in fig.axes[0].lines if line.get_marker() not in ("None", None, "")])
    assert np.allclose(np.sort(drawn), np.sort(np.maximum(np.concatenate([free.final_loss, neck.final_loss]), 1e-12)))
    with pytest.raises(TypeError, match="RandomLimits"):
        dl.plots.random_limits_figure([1])


def test_imbalance_figure_validates_its_numbers_and_lists():
    # issue 13: None/strings reached numpy (DTypePromotionError) or SeedSequence
    for kw, name in (({"seeds": None}, "seeds"), ({"seeds": (0, -1)}, "seeds"), ({"deltas": "abc"}, "deltas"),
                     ({"t_matrix": None}, "t_matrix"), ({"t_max": [1.0]}, "t_max"), ({"deltas": [1.0] * 17}, "deltas")):
        with pytest.raises((TypeError, ValueError), match=name):
            dl.plots.imbalance_figure(**kw)


def test_imbalance_figure_bounds_the_imbalances_by_what_it_can_show():
    # issue 13: deltas of 1e6 or more made the matrix flows stiff: they ran to max_steps. The bound
    # is 100 times the scale of a factor, max(||Sigma||_2, ||product0||_2)^(2/h) (200 here), and
    # |c| <= 100 sigma for the scalar curves
    S, P0 = np.diag([2.0, 1.0]), np.diag([1.0, 0.5])
    kw = dict(Sigma=S, product0=P0, h=2, seeds=(0,), t_matrix=1.0, t_max=2.0)
    for bad in ((0.0, 1e6), (1e200,), (200.5,)):
        with pytest.raises(dl.InvalidArgumentError, match=r"deltas.*exceeds 100 max\(\|\|Sigma\|\|_2, \|\|product0\|\|_2\)\^\(2/h\) = 200"):
            dl.plots.imbalance_figure(deltas=bad, **kw)
    with pytest.raises(dl.InvalidArgumentError, match=r"imbalances.*exceeds 100 sigma = 100"):
        dl.plots.imbalance_figure(imbalances=(0.0, 1e3), deltas=(0.0,), **kw)
    fig = dl.plots.imbalance_figure(imbalances=(0.0, 100.0), deltas=(0.0, 199.0), **kw)
    assert len(fig.axes[1].lines) == 2 and np.all(np.isfinite(fig.axes[1].lines[1].get_ydata()))
    plt.close(fig)

