"""Figures of the chapter on the gradient-flow equations."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(0)
    widths = (3, 4, 2, 3)
    return dl.random_init(widths, rng, 0.5), np.diag([3.0, 2.0, 1.0]), widths


@pytest.fixture(scope="module")
def both_forms(network):
    W0, S, widths = network
    te = np.linspace(0, 4, 21)
    tr = dl.gradient_flow(W0, S, (0, 4), t_eval=te)
    at = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, widths), 3, (0, 4), t_eval=te, widths=widths)
    return tr, at


def _sign_error_gradient(W, S):
    G = dl.gradient(W, S)
    return [-G[0]] + G[1:]


def test_taylor_test_figure_separates_right_and_wrong_gradients(network):
    W0, S, _ = network
    expected = dl.taylor_test(W0, S)
    wrong_test = dl.taylor_test(W0, S, _sign_error_gradient)
    fig = dl.plots.taylor_test_figure(expected, wrong_test, loss_value=dl.loss(W0, S))
    ax = fig.axes[0]
    right, wrong = ax.lines[0], ax.lines[1]
    eps, r = right.get_data()
    _, w = wrong.get_data()
    assert np.array_equal(eps, expected.epsilons)
    assert np.allclose(r, np.maximum(expected.remainders, 1e-17))
    # second-order against first-order decay over the first decade
    assert r[0] / r[2] > 50 and 5 < w[0] / w[2] < 20
    assert "order 2.0" in right.get_label() and "order 1.0" in wrong.get_label()
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(TypeError, match="TaylorTest"):
        dl.plots.taylor_test_figure(W0, S)


def test_adjacency_terms_figure_puts_term_j_in_block_j(network):
    W0, S, widths = network
    fig = dl.plots.adjacency_terms_figure(W0, S)
    assert len(fig.axes) == 3
    sl = dl.layer_slices(widths)
    rhs = [-g for g in dl.gradient(W0, S)]
    for j, ax in enumerate(fig.axes, start=1):
        image = ax.images[0].get_array()
        nonzero = ~np.ma.getmaskarray(image)
        mask = np.zeros_like(nonzero)
        mask[sl[j], sl[j - 1]] = True
        assert np.array_equal(nonzero, mask & (np.asarray(image.data) != 0))
        assert np.allclose(np.asarray(image.data)[sl[j], sl[j - 1]], rhs[j - 1], atol=1e-12)


def test_tolerance_figure_draws_the_study():
    study = dl.tolerance_study(t_max=8.0, num=81)
    fig = dl.plots.tolerance_figure(study)
    ax_l, ax_e = fig.axes
    t, y = ax_l.lines[0].get_data()
    assert np.allclose(y, study.exact)
    assert ax_e.get_yscale() == "log" and ax_e.get_ylim() == pytest.approx((1e-14, 10.0))
    with pytest.raises(TypeError, match="ToleranceStudy"):
        dl.plots.tolerance_figure({})


def test_flow_forms_figure_shows_agreement(both_forms):
    tr, at = both_forms
    fig = dl.plots.flow_forms_figure(tr, at)
    ax_l, ax_d = fig.axes
    _, diff = ax_d.lines[0].get_data()
    assert np.max(diff) < 1e-7
    _, L = ax_l.lines[1].get_data()
    assert np.allclose(L, at.loss)
    assert ax_l.get_xlabel() and ax_d.get_ylabel()


def test_flow_forms_figure_rejects_mismatched_input(both_forms, network):
    tr, at = both_forms
    W0, S, widths = network
    with pytest.raises(TypeError, match="Trajectory"):
        dl.plots.flow_forms_figure(at, tr)
    other = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, widths), 3, (0, 4), t_eval=[0, 4], widths=widths)
    with pytest.raises(ValueError, match="same output times"):
        dl.plots.flow_forms_figure(tr, other)
    nowidths = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, widths), 3, (0, 4), t_eval=tr.t)
    with pytest.raises(ValueError, match="widths"):
        dl.plots.flow_forms_figure(tr, nowidths)


def test_flow_scrub_prepare_and_figure():
    prepared = dl.flow_scrub_prepare(2, 0.3, t_max=6.0)
    fig = dl.plots.flow_scrub_figure(prepared, 2, 0.3, 3.0)
    ax_l, ax_s = fig.axes
    W = prepared.trajectory.weights_at(3.0)
    sv = np.linalg.svd(W[1] @ W[0], compute_uv=False)
    assert np.allclose([p.get_height() for p in ax_s.patches], sv)
    assert ax_l.get_ylim() == pytest.approx((1e-6, 15.0))
    assert ax_s.get_ylim() == pytest.approx((0.0, 3.7))
    # the marker sits at (t, L(t))
    tm, Lm = ax_l.lines[2].get_data()
    assert tm[0] == 3.0 and np.isclose(Lm[0], dl.loss(W, np.diag([3.0, 2.0, 1.0])))
    with pytest.raises(ValueError, match="outside"):
        dl.plots.flow_scrub_figure(prepared, 2, 0.3, 7.0)
    with pytest.raises(TypeError, match="ScrubbedFlow"):
        dl.plots.flow_scrub_figure(prepared.trajectory, 2, 0.3, 1.0)


def test_flow_scrub_explorer_reuses_the_integration():
    ex = dl.explore.explorer(dl.plots.flow_scrub_figure, prepare=dl.flow_scrub_prepare, h=[2], scale=[0.3], t=dl.explore.Time(0, 12, 3))
    assert ex.failures() == []
    assert isinstance(dl.plots.flow_scrub_figure(dl.flow_scrub_prepare(2, 0.3), 2, 0.3, 0.0, fig=Figure()), Figure)


def test_scrub_and_taylor_figures_name_bad_numbers():
    # issue 13: t, scale and loss_value of the wrong type reached float() or a format string
    prepared = dl.flow_scrub_prepare(2, 0.3, singular_values=(2.0, 1.0), t_max=2.0)
    for bad in (None, "abc", [1.0], 1j):
        with pytest.raises(TypeError, match=r"\bt\b"):
            dl.plots.flow_scrub_figure(prepared, 2, 0.3, bad)
        with pytest.raises(TypeError, match="scale"):
            dl.plots.flow_scrub_figure(prepared, 2, bad, 1.0)
