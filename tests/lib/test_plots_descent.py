"""Figures of the chapter on gradient descent and other losses: the computations behind them
reproduce the digest's claims 20, 21 and 30, the figures draw that data, and bad input raises."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


def test_threshold_runs_converge_below_and_not_above():
    runs = dl.threshold_runs(np.diag([2.0, 1.0]), 3, ratios=(0.9, 1.1), steps=800)
    below, above = runs
    assert below.final_loss < 1e-20
    assert above.final_loss > 1e-3 and not above.diverged
    fig = dl.threshold_figure(runs)
    assert isinstance(fig, Figure)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), np.maximum(below.losses, 1e-32))
    assert "0.9" in fig.axes[0].get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="square"):
        dl.threshold_runs(np.zeros((2, 3)), 2)
    with pytest.raises(TypeError, match="ThresholdRun"):
        dl.threshold_figure([])


def test_drift_scaling_is_second_order_per_step_and_first_order_per_run():
    W0 = dl.random_init((2, 3, 3, 2), np.random.default_rng(0), 0.5)
    etas = np.array([0.01, 0.02, 0.04])
    sc = dl.drift_scaling(W0, np.diag([2.0, 1.0]), etas, time=30.0)
    assert np.allclose(sc.one_step, sc.predicted, rtol=1e-9)
    assert np.allclose(sc.one_step / etas**2, sc.one_step[0] / etas[0] ** 2, rtol=1e-9)  # exactly eta^2
    ratio = sc.total / etas
    assert np.all(np.abs(ratio / ratio[0] - 1) < 0.05)  # close to linear in eta
    fig = dl.drift_scaling_figure(sc)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), sc.one_step)
    with pytest.raises(ValueError, match="h >= 2"):
        dl.drift_scaling([np.eye(2)], np.eye(2), [0.1])


def test_sharpness_selection_ends_below_the_stability_limit():
    S = np.diag([2.0, 1.0])
    W0 = dl.random_init((2, 2, 2), np.random.default_rng(3), 0.3)
    W0[0] = 4 * W0[0]
    sel = dl.sharpness_selection(W0, S, [0.02, 0.12, 0.18], steps=3000)
    assert np.all(sel.converged)
    assert np.all(sel.sharpness < 2 / sel.etas)
    assert np.all(sel.sharpness >= sel.balanced_sharpness - 1e-6)  # balanced minima are the flattest
    assert sel.sharpness[-1] < 0.5 * sel.flow_sharpness and sel.imbalance[-1] < 0.2 * sel.flow_imbalance
    assert sel.flow_imbalance == pytest.approx(sel.initial_imbalance, rel=1e-6)  # the flow conserves it
    fig = dl.sharpness_selection_figure(sel)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel()


def test_nonquadratic_runs_keep_the_conservation_laws():
    runs = dl.nonquadratic_runs(t_max=100.0)
    names = [r.name for r in runs]
    assert any("separable" in n for n in names) and any("Huber" in n for n in names)
    for r in runs:
        assert np.max(r.drift) < 1e-9
    sep = runs[0]
    assert sep.loss[-1] < 1e-2 * sep.loss[0] and sep.product_norm[-1] > 10 * sep.product_norm[0]
    fig = dl.nonquadratic_figure(runs)
    assert len(fig.axes) == 3
    with pytest.raises(TypeError, match="NonQuadraticRun"):
        dl.nonquadratic_figure([None])


def test_step_explorer_figure_reports_convergence_and_keeps_axes():
    ok = dl.step_explorer_figure(0.8, 2)
    bad = dl.step_explorer_figure(1.2, 2)
    assert "converges" in ok.axes[0].get_title()
    assert "converges" not in bad.axes[0].get_title()
    for fig in (ok, bad):
        assert fig.axes[0].get_ylim() == pytest.approx((1e-32, 1e2))
        assert fig.axes[1].get_ylim() == pytest.approx((0.0, 1.5))
    with pytest.raises(ValueError, match="at least 2"):
        dl.step_explorer_figure(0.8, 1)
