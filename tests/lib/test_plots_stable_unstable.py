"""Figures of the chapter on stable and unstable sets at saddles (digest 3.5, claims 23-24).

The computations they draw (ray_fates, off_ray_flow, saddle_samples, ...) are tested in test_saddles.py.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl

SIGMA = np.diag([3.0, 2.0, 1.0])


def test_ray_fates_figure():
    fates = [dl.ray_fates((1,), SIGMA, (3,) * (h + 1)) for h in (2, 3)]
    fig = dl.plots.ray_fates_figure(fates)
    ax_l, ax_r = fig.axes
    assert len(ax_l.lines) == 2 * 2 + 1  # pi = +1 and -1 per depth, and the zero line
    a, adot = ax_l.lines[0].get_xydata().T  # h = 2, pi = +1: a (sigma - a^2)
    np.testing.assert_allclose(adot, a * (2.0 - a**2))
    assert ax_r.get_yscale() == "log" and "negative signs" in ax_r.get_xlabel()
    down = [ln for ln in ax_r.lines if ln.get_marker() == "v"]
    assert all(np.all(ln.get_ydata() < 1) for ln in down)  # predicted stable rays returned
    with pytest.raises(TypeError, match="RayFates"):
        dl.plots.ray_fates_figure([1, 2])


def test_escape_laws_figure_matches_the_laws_early_on():
    fig = dl.plots.escape_laws_figure(depths=(2, 3), t_max=100.0)
    ax_u, ax_s = fig.axes
    assert ax_u.get_xscale() == ax_u.get_yscale() == "log"
    flows = [ln for ln in ax_u.lines if "network flow" in ln.get_label()]
    laws = [ln for ln in ax_u.lines if "leading-order law" in ln.get_label()]
    assert len(flows) == len(laws) == 2
    for fl, law in zip(flows, laws):
        t, a = fl.get_xydata().T
        tl, al = law.get_xydata().T
        early = t < 0.1
        np.testing.assert_allclose(a[early], al[: early.sum()], rtol=2e-3)
    # the blow-up time of the h = 3 law, 1/(sigma_2 a0) = 10, is marked
    assert any(np.allclose(ln.get_xdata(), 10.0) for ln in ax_u.lines if ln.get_linestyle() == ":")
    flows_s = [ln for ln in ax_s.lines if "network flow" in ln.get_label()]
    t, a = flows_s[1].get_xydata().T  # h = 3 stable ray: a(t) ~ 1/(2 + 2 t)
    assert a[-1] == pytest.approx(1 / (2 + 2 * t[-1]), rel=0.02)
    with pytest.raises(ValueError, match="depths"):
        dl.plots.escape_laws_figure(depths=(1, 2))
    with pytest.raises(ValueError, match="square"):
        dl.plots.escape_laws_figure(np.ones((2, 3)))


def test_off_ray_explorer_figure():
    fig = dl.plots.off_ray_explorer_figure(3, 1e-4, "S = {1}")
    ax, ax_l = fig.axes
    assert "h = 3" in ax.get_title() and "c = 1.0e-04" in ax.get_title()
    labels = [ln.get_label() for ln in ax.lines]
    assert "on the ray" in labels and r"$\sqrt{c}$" in labels
    exact = ax.lines[labels.index("mode equation, exact")].get_ydata()
    on = ax.lines[labels.index("on the ray")].get_ydata()
    np.testing.assert_allclose(on, exact, rtol=1e-5)  # the network on the ray = the mode equation
    assert ax_l.get_ylabel() == "loss $L(t)$"
    with pytest.raises(ValueError, match="saddle must be one of"):
        dl.plots.off_ray_explorer_figure(3, 1e-4, "S = {2}")
    with pytest.raises(ValueError, match="layout engine"):
        dl.plots.off_ray_explorer_figure(3, 1e-4, "origin", fig=Figure(layout="constrained"))
    ex = dl.explore.explorer(dl.plots.off_ray_explorer_figure, h=[2, 4], offset=dl.explore.LogRange(1e-6, 1e-2, 2),
                    saddle=["origin", "S = {1, 2}"])
    assert ex.failures() == []


def test_saddle_samples_figure():
    flows = [dl.saddle_sample_flows((1,), SIGMA, (3,) * (h + 1), n=2, t_max=50.0, n_times=21) for h in (2, 3)]
    fig = dl.plots.saddle_samples_figure(flows)
    assert len(fig.axes) == 2
    ax = fig.axes[1]
    labels = [ln.get_label() for ln in ax.lines]
    assert "stable samples" in labels and "unstable samples" in labels and "slope $-1$" in labels
    assert ax.get_yscale() == "log" and "A_S" in ax.get_ylabel()
    with pytest.raises(TypeError, match="SaddleSampleFlows"):
        dl.plots.saddle_samples_figure([])


def test_escape_laws_figure_rejects_a_complex_or_string_sigma():
    for bad in ("abc", np.eye(2) * (1 + 1j)):
        with pytest.raises(TypeError, match="Sigma"):
            dl.plots.escape_laws_figure(bad)
