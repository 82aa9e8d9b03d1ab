"""Figures of the second-order chapter: Hessian spectra, descent orders, strictness and sharpness along fibres."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl

SIGMA = np.diag([3.0, 2.0])


def _points(ax):
    """(x, y) of the marker-only lines of an axes, in drawing order."""
    return [ln.get_data() for ln in ax.lines if ln.get_linestyle() in ("None", "", " ")]


def test_hessian_spectrum_figure_draws_every_eigenvalue_by_sign():
    W = dl.spare_rank_fiber_point((1,), SIGMA, (2, 2, 2, 2), 0.5)
    fig = dl.plots.hessian_spectrum_figure(W, SIGMA, title="test")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    neg, zero, pos = _points(ax)
    assert len(neg[0]) + len(zero[0]) + len(pos[0]) == 12
    assert list(neg[1]) == pytest.approx([-1.0])  # lambda_min = -sigma_2 t
    assert np.all(np.asarray(zero[1]) == 0.0) and len(zero[0]) == 7
    assert max(pos[1]) == pytest.approx(3 * 3 ** (4 / 3))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["negative (1)", "zero (7)", "positive (4)"]
    box = ax.texts[0].get_text()
    assert "strict saddle" in box and "null space 7 = orbit 7" in box and "order 2" in box
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "test"


def test_hessian_spectrum_figure_rejects_non_critical_points():
    with pytest.raises(ValueError, match="critical"):
        dl.plots.hessian_spectrum_figure([np.eye(2), np.eye(2)], SIGMA)


def test_explorer_frames_have_fixed_axes_and_the_right_kind():
    fig = dl.plots.hessian_spectrum_explorer_figure((1,), 3, 0.0)
    (ax,) = fig.axes
    assert ax.get_ylim() == (-4.0, 22.0) and ax.get_xlim() == pytest.approx((0.3, 16.7))
    assert "non-strict saddle" in ax.texts[0].get_text() and "+ 3 more" in ax.texts[0].get_text()
    assert "h = 3" in ax.get_title() and "S = {1}" in ax.get_title() and "critical value 2" in ax.get_title()
    fig = dl.plots.hessian_spectrum_explorer_figure((1, 2), 4, 1.0)
    assert "global minimum" in fig.axes[0].texts[0].get_text()
    fig = dl.plots.hessian_spectrum_explorer_figure((), 2, 0.5)
    assert "strict saddle" in fig.axes[0].texts[0].get_text()


def test_explorer_sweep_has_no_error_frame():
    ex = dl.explore.explorer(dl.plots.hessian_spectrum_explorer_figure,
                    subset=dl.explore.Choice([(), (1,), (2,), (1, 2)], labels=["∅", "{1}", "{2}", "{1,2}"]),
                    h=[2, 3], t=dl.explore.Choice([0.0, 1.0]))
    frames = ex.frames()
    assert len(frames) == 16 and ex.failures() == []


def test_origin_spectra_h2_plus_minus_sigma_h3_zero():
    fig = dl.plots.origin_hessian_spectra_figure()
    ax2, ax3 = fig.axes
    neg, zero, pos = _points(ax2)
    assert sorted(neg[1]) == pytest.approx([-3, -3, -2, -2]) and sorted(pos[1]) == pytest.approx([2, 2, 3, 3])
    assert len(zero[0]) == 0
    neg, zero, pos = _points(ax3)
    assert len(neg[0]) == len(pos[0]) == 0 and len(zero[0]) == 12
    assert "non-strict" in ax3.texts[0].get_text() and "h = 3" in ax3.get_title()
    with pytest.raises(ValueError, match="at least one depth"):
        dl.plots.origin_hessian_spectra_figure(depths=())


def test_descent_order_figure_slopes_are_the_orders():
    fig = dl.plots.descent_order_figure()
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 4
    for label, p, c in zip(labels, (2, 3, 3, 4), (1.0, 3.0, 2.0, 2.0)):
        assert f"$p = {p}.00$" in label and f"$c = {c:.2f}$" in label
    for x, y in _points(ax):
        slope = np.polyfit(np.log(x), np.log(y), 1)[0]
        assert slope == pytest.approx(round(slope), abs=1e-3)
    with pytest.raises(ValueError, match="global minimum"):
        cp = dl.critical_point([1, 2], SIGMA, (2, 2, 2))
        dl.plots.descent_order_figure([("min", list(cp.weights), SIGMA)])
    with pytest.raises(ValueError, match="at least one"):
        dl.plots.descent_order_figure([])


def test_fiber_strictness_figure_matches_the_bound():
    fig = dl.plots.fiber_strictness_figure(ts=np.linspace(0, 1, 5))
    (ax,) = fig.axes
    pts = _points(ax)
    assert len(pts) == 2
    for (t, lam), h in zip(pts, (3, 4)):
        assert np.allclose(lam, -2.0 * t ** (h - 2), atol=1e-12)
        assert lam[0] == pytest.approx(0.0, abs=1e-12)
    assert ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="no unlearnt mode"):
        dl.plots.fiber_strictness_figure(subset=(1, 2))
    with pytest.raises(ValueError, match="ts"):
        dl.plots.fiber_strictness_figure(ts=[0.5])


def test_fiber_sharpness_figure_is_smallest_at_the_balanced_point():
    cs = np.geomspace(0.5, 2.0, 5)
    fig = dl.plots.fiber_sharpness_figure(cs=cs)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    markers = [ln for ln in ax.lines if ln.get_marker() == "o" and len(ln.get_xdata())]
    assert len(markers) == 3
    for ln, h in zip(markers, (2, 3, 4)):
        c, y = ln.get_data()
        assert np.allclose(y, c**2 + c**-2 + h - 2, rtol=1e-9)
        assert np.argmin(y) == 2 and y[2] == pytest.approx(h)  # lambda_max = h sigma_1^(2-2/h)
    with pytest.raises(ValueError, match="at least 2"):
        dl.plots.fiber_sharpness_figure(depths=(1, 2))


def test_lanczos_spectrum_figure_marks_the_dense_extremes():
    rng = np.random.default_rng(0)
    d = (4, 6, 6, 4)
    W = dl.random_init(d, rng, scale=0.7)
    Sigma = np.diag([4.0, 3.0, 2.0, 1.0])
    ev = np.linalg.eigvalsh(dl.hessian(W, Sigma))
    fig = dl.plots.lanczos_spectrum_figure(W, Sigma, bins=20)
    (ax,) = fig.axes
    xs = sorted(ln.get_xdata()[0] for ln in ax.lines)
    assert xs == pytest.approx([ev[0], ev[-1]], rel=1e-8)
    assert sum(p.get_height() for p in ax.patches) == ev.size
    assert "Hessian-vector products" in ax.get_title()


def test_second_order_figures_name_bad_arguments():
    # issue 13: a None Sigma raised IndexError, string/complex lists reached numpy, and equal
    # step lengths made the order fit's least squares fail (LinAlgError)
    for bad in (None, "abc", 3.0):
        with pytest.raises((TypeError, ValueError), match="Sigma"):
            dl.plots.fiber_sharpness_figure(bad)
    with pytest.raises(TypeError, match="cs"):
        dl.plots.fiber_sharpness_figure(cs=[0.5, 1j])
    with pytest.raises((TypeError, ValueError), match="subset"):
        dl.plots.fiber_strictness_figure(subset=None)
    with pytest.raises(ValueError, match="two distinct"):
        dl.plots.descent_order_figure(eps=[1e-2] * 4)
