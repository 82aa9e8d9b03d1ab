"""Figures and computations of the chapter on the model and the data: they draw the data they
claim, the flows they compare behave as the theory says, and bad input raises clearly."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture(scope="module")
def raw_data():
    data = dl.teacher_data([3.0, 2.0, 1.0], 20, np.random.default_rng(1), noise=0.1, d_in=3, d_out=3)
    X = np.diag([2.0, 1.0, 0.5]) @ data.X  # inputs of different scales: X X^T = diag(4, 1, 1/4)
    return X, np.array(data.Y)


@pytest.fixture(scope="module")
def comparison(raw_data):
    X, Y = raw_data
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(2), 0.1)
    return dl.compare_data_flows(W0, X, Y, 6, num=61)


def test_whitening_flow_figure_draws_the_comparison(comparison):
    fig = dl.plots.whitening_flow_figure(comparison)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_l, ax_d = fig.axes
    t, y = ax_l.lines[0].get_data()
    assert np.allclose(t, comparison.t)
    assert np.allclose(y, np.maximum(comparison.loss_raw - comparison.constant, 1e-12))
    assert ax_d.get_yscale() == "log" and ax_d.get_ylim() == pytest.approx((1e-14, 10.0))
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(TypeError, match="DataFlowComparison"):
        dl.plots.whitening_flow_figure("not a comparison")


def test_reduction_figure_shows_the_svd(raw_data):
    X, Y = raw_data
    fig = dl.plots.reduction_figure(X, Y)
    r = dl.reduce_data(X, Y)
    Yt, U, S, Vt = (ax.images[0].get_array() for ax in fig.axes)
    assert np.allclose(Yt, U @ S @ Vt, atol=1e-12)
    assert np.allclose(S, r.Sigma)
    lam, Q = np.linalg.eigh(X @ X.T)
    assert np.allclose(Yt, Y @ X.T @ (Q / np.sqrt(lam)) @ Q.T, atol=1e-12)  # Y X^T (X X^T)^(-1/2)
    assert np.allclose(np.linalg.svd(Yt, compute_uv=False), r.singular_values)


def test_data_spectrum_figure_draws_the_reduced_singular_values():
    fig = dl.plots.data_spectrum_figure(0.3, 40, 2, seed=3)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in ax.patches])
    data = dl.teacher_data([3.0, 2.0], 40, np.random.default_rng(3), noise=0.3, d_in=5, d_out=4, whitened=False)
    expected = dl.reduce_data(data.X, data.Y).singular_values / np.sqrt(40)
    assert np.allclose(heights, expected)
    _, teacher = ax.lines[0].get_data()
    assert np.allclose(teacher, [3.0, 2.0, 0.0, 0.0])
    assert ax.get_ylim() == pytest.approx((0.0, 4.0))
    assert ax.get_xlabel() and ax.get_ylabel()


def test_data_spectrum_without_noise_has_no_noise_line_and_converges():
    ax = dl.plots.data_spectrum_figure(0.0, 640, 4).axes[0]
    assert len(ax.lines) == 1  # only the teacher markers
    heights = np.array([p.get_height() for p in ax.patches])
    assert np.allclose(heights, [3.0, 2.0, 1.0, 0.5], rtol=0.15)


def test_data_spectrum_figure_draws_into_a_given_figure():
    fig = Figure()
    assert dl.plots.data_spectrum_figure(1.0, 10, 1, fig=fig) is fig


@pytest.mark.parametrize(
    "kwargs, match",
    [({"noise": -1.0, "n_samples": 10, "rank": 1}, "noise"),
     ({"noise": 0.1, "n_samples": 3, "rank": 1}, "n_samples"),
     ({"noise": 0.1, "n_samples": 10, "rank": 5}, "rank")],
)
def test_data_spectrum_figure_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dl.plots.data_spectrum_figure(**kwargs)


def test_data_spectrum_explorer_frames_all_draw():
    ex = dl.explore.explorer(dl.plots.data_spectrum_figure, noise=[0.0, 3.0], n_samples=[10, 640], rank=[1, 4])
    assert ex.failures() == []
